/* trapd_load.c - paced SNMPv2c trap sender for scripts/bench/trapd.
 *
 *   trapd_load HOST PORT RATE SECONDS [COMMUNITY] [TAG]
 *
 * Sends RATE traps per second for SECONDS to HOST:PORT (IPv4) from one
 * UDP socket, in sendmmsg batches paced against the clock, and prints
 *   sent=N seconds=S rate=R
 * N counts the datagrams the socket took. Each trap is a realistic
 * linkDown: sysUpTime.0, snmpTrapOID.0, ifIndex, ifAdminStatus,
 * ifOperStatus and a sysName.0 carrying TAG (default "bench"), so a
 * receiver's log can be counted by TAG. Encoded with moonwalk's codec.
 *
 * COMMUNITY "v3:NAME:AUTH:AUTHPASS:PRIV:PRIVPASS[:ENGINEID]" sends SNMPv3
 * traps instead, from engine ENGINEID (hex, default 80001f88806d77626e6368:
 * the one snmptrapd's createUser -e must name), at the
 * security level the user gives (authPriv with both protocols), boots 1
 * and the seconds since 2023-11-14 as the engine time, so that every run
 * is timely to a receiver that saw the previous one. The messages are
 * encrypted and signed beforehand with moonwalk's USM code (src/usm):
 * NPKT of them, each with its own salt, sent in turn. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pdu.h"
#include "usm_msg.h"

#define BATCH 64
#define NPKT 64

/* v3: the user, its keys and the sending (authoritative) engine */
static int v3;
static char v3_user[33];
static usm_keys_t keys;
static uint8_t eid[USM_MAX_ENGINE_ID] = { 0x80, 0x00, 0x1f, 0x88, 0x80, 'm', 'w', 'b', 'n', 'c', 'h' };
static size_t eid_len = 11;
static int32_t etime;

static int
unhex(const char *s, uint8_t *out, size_t cap)
{
    size_t n = strlen(s) / 2;
    if (strlen(s) % 2 || n < 5 || n > cap)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return (int)n;
}

/* NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS[:ENGINEID]] -> the user and its keys */
static void
v3_setup(const char *spec)
{
    char buf[256], *f[6], *save = NULL;
    int k = 0, auth, priv = USM_PRIV_NONE, n;
    if (strlen(spec) >= sizeof buf)
        goto bad;
    strcpy(buf, spec);
    for (char *t = strtok_r(buf, ":", &save); t && k < 6; t = strtok_r(NULL, ":", &save))
        f[k++] = t;
    if ((k != 3 && k != 5 && k != 6) || strlen(f[0]) >= sizeof v3_user
        || (auth = usm_auth_parse(f[1])) <= USM_AUTH_NONE
        || (k > 3 && (priv = usm_priv_parse(f[3])) < 0))
        goto bad;
    if (k == 6) {
        if ((n = unhex(f[5], eid, sizeof eid)) < 0)
            goto bad;
        eid_len = (size_t)n;
    }
    strcpy(v3_user, f[0]);
    if (usm_keys_get((usm_auth_t)auth, (usm_priv_t)priv, f[2], strlen(f[2]), k > 3 ? f[4] : NULL,
                     k > 3 ? strlen(f[4]) : 0, eid, eid_len, &keys) < 0)
        goto bad;
    v3 = 1;
    etime = (int32_t)(time(NULL) - 1700000000);
    return;
bad:
    fprintf(stderr, "trapd_load: bad v3 user %s (v3:NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS[:ENGINEID]])\n",
            spec);
    exit(2);
}

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
oid_ber(const char *s, uint8_t *buf, size_t cap)
{
    oid_t o;
    if (oid_parse(&o, s, strlen(s)) < 0)
        return -1;
    return oid_encode(&o, buf, cap);
}

/* Encodes trap number i into buf; returns its length. */
static size_t
build(int i, const char *community, const char *tag, uint8_t *buf, size_t cap, uint8_t **start)
{
    static uint8_t names[6][64], trapoid[64];
    static int lens[6], tlen;
    static const char *const oids[6] = {
        "1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.1.1.4.1.0", "1.3.6.1.2.1.2.2.1.1.7",
        "1.3.6.1.2.1.2.2.1.7.7", "1.3.6.1.2.1.2.2.1.8.7", "1.3.6.1.2.1.1.5.0",
    };
    mw_varbind_t vbs[6];
    mw_msg_t m;
    size_t outlen;
    if (!tlen) {
        for (int k = 0; k < 6; k++)
            lens[k] = oid_ber(oids[k], names[k], sizeof names[k]);
        tlen = oid_ber("1.3.6.1.6.3.1.1.5.3", trapoid, sizeof trapoid);
    }
    memset(vbs, 0, sizeof vbs);
    for (int k = 0; k < 6; k++) {
        vbs[k].oid = names[k];
        vbs[k].oid_len = (uint32_t)lens[k];
    }
    vbs[0].val.type = MW_T_TIMETICKS;
    vbs[0].val.num.u = 100000 + (uint64_t)i;
    vbs[1].val.type = MW_T_OID;
    vbs[1].val.p = trapoid;
    vbs[1].val.len = (uint32_t)tlen;
    vbs[2].val.type = MW_T_INTEGER;
    vbs[2].val.num.i = 7;
    vbs[3].val.type = MW_T_INTEGER;
    vbs[3].val.num.i = 1;
    vbs[4].val.type = MW_T_INTEGER;
    vbs[4].val.num.i = 2;
    vbs[5].val.type = MW_T_OCTETSTR;
    vbs[5].val.p = (const uint8_t *)tag;
    vbs[5].val.len = (uint32_t)strlen(tag);
    memset(&m, 0, sizeof m);
    m.version = MW_V2C;
    m.community = (const uint8_t *)community;
    m.community_len = (uint32_t)strlen(community);
    m.pdu.type = MW_PDU_TRAPV2;
    m.pdu.request_id = 1000 + i;
    m.pdu.vbs = vbs;
    m.pdu.nvb = 6;
    m.pdu.cap = 6;
    if (v3) {
        m.version = MW_V3;
        m.msg_id = m.pdu.request_id;
        m.msg_max_size = 65507;
        m.msg_flags = MW_FLAG_AUTH | (keys.priv != USM_PRIV_NONE ? MW_FLAG_PRIV : 0);
        m.sec_model = MW_SEC_MODEL_USM;
        m.engine_id = eid;
        m.engine_id_len = (uint32_t)eid_len;
        m.engine_boots = 1;
        m.engine_time = etime;
        m.user = (const uint8_t *)v3_user;
        m.user_len = (uint32_t)strlen(v3_user);
        m.context_engine_id = eid;
        m.context_engine_id_len = (uint32_t)eid_len;
        if (usm_msg_encode(&keys, &m, buf, cap, start, &outlen) < 0) {
            fprintf(stderr, "trapd_load: cannot encode a v3 trap\n");
            exit(1);
        }
        return outlen;
    }
    if (pdu_msg_encode(&m, buf, cap, start, &outlen) < 0) {
        fprintf(stderr, "trapd_load: cannot encode\n");
        exit(1);
    }
    return outlen;
}

int
main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: trapd_load HOST PORT RATE SECONDS [COMMUNITY|v3:USER] [TAG]\n");
        return 2;
    }
    const char *host = argv[1];
    int port = atoi(argv[2]);
    double rate = atof(argv[3]), secs = atof(argv[4]);
    const char *community = argc > 5 ? argv[5] : "public";
    const char *tag = argc > 6 ? argv[6] : "bench";
    if (strncmp(community, "v3:", 3) == 0)
        v3_setup(community + 3);
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
        fprintf(stderr, "trapd_load: bad host %s\n", host);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int sndbuf = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);

    static uint8_t bufs[NPKT][2048];
    uint8_t *pkts[NPKT];
    size_t lens[NPKT];
    for (int i = 0; i < NPKT; i++)
        lens[i] = build(i, community, tag, bufs[i], sizeof bufs[i], &pkts[i]);

    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0, target;
    double t0 = now(), t;
    while ((t = now() - t0) < secs) {
        target = (uint64_t)(t * rate);
        if (sent >= target) {
            struct timespec ts = { 0, 100000 }; /* 0.1 ms */
            nanosleep(&ts, NULL);
            continue;
        }
        int n = (int)(target - sent > BATCH ? BATCH : target - sent);
        for (int i = 0; i < n; i++) {
            int k = (int)((sent + (uint64_t)i) % NPKT);
            iov[i].iov_base = pkts[k];
            iov[i].iov_len = lens[k];
            memset(&msgs[i], 0, sizeof msgs[i]);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &to;
            msgs[i].msg_hdr.msg_namelen = sizeof to;
        }
        int r = sendmmsg(fd, msgs, (unsigned)n, 0);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == ENOBUFS)
                continue;
            perror("trapd_load: sendmmsg");
            return 1;
        }
        sent += (uint64_t)r;
    }
    t = now() - t0;
    printf("sent=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)sent, t, (double)sent / t);
    close(fd);
    usm_keys_wipe(&keys);
    return 0;
}
