# A UDP relay between the tools and snmpd that breaks the digest of each
# authenticated SNMPv3 reply (it flips a bit of msgAuthenticationParameters)
# and passes everything else unchanged. Prints its port.
import select
import socket
import sys

agent = ("127.0.0.1", int(sys.argv[1]))


def skip_len(b, i):
    # i at a length octet: returns the index after the length
    if b[i] < 0x80:
        return i + 1
    return i + 1 + (b[i] & 0x7F)


def tlv(b, i):
    # i at a tag: returns the index of the value and its length
    n = b[i + 1]
    if n < 0x80:
        return i + 2, n
    k = n & 0x7F
    return i + 2 + k, int.from_bytes(b[i + 2:i + 2 + k], "big")


def digest_at(b):
    # the index of the digest's first byte in an authenticated v3
    # message, or None
    try:
        i, _ = tlv(b, 0)                      # SNMPv3Message
        if b[i:i + 3] != b"\x02\x01\x03":
            return None
        i, _ = tlv(b, i + 3)                  # msgGlobalData
        for _ in range(2):                    # msgID, msgMaxSize
            v, n = tlv(b, i)
            i = v + n
        v, n = tlv(b, i)                      # msgFlags
        if b[v] & 1 == 0:
            return None
        i = v + n
        v, n = tlv(b, i)                      # msgSecurityModel
        i = v + n
        v, n = tlv(b, i)                      # msgSecurityParameters
        i, _ = tlv(b, v)                      # UsmSecurityParameters
        for _ in range(4):                    # engine ID, boots, time, user
            v, n = tlv(b, i)
            i = v + n
        v, n = tlv(b, i)                      # msgAuthenticationParameters
        return v if n > 0 else None
    except IndexError:
        return None


front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
front.bind(("127.0.0.1", 0))
print(front.getsockname()[1], flush=True)
clients = {}  # back socket -> client address
backs = {}    # client address -> back socket
while True:
    ready, _, _ = select.select([front] + list(clients), [], [])
    for s in ready:
        data, addr = s.recvfrom(65535)
        if s is front:
            back = backs.get(addr)
            if back is None:
                back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                back.bind(("127.0.0.1", 0))
                backs[addr], clients[back] = back, addr
            back.sendto(data, agent)
        else:
            at = digest_at(data)
            if at is not None:
                data = data[:at] + bytes([data[at] ^ 1]) + data[at + 1:]
            front.sendto(data, clients[s])
