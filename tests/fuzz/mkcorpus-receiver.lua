-- Seeds for fuzz_receiver in tests/fuzz/corpus/notify-*.bin: notifications
-- as net-snmp's snmptrap and snmpinform send them (v1, v2c, v3 at every
-- level, for the users fuzz_receiver.c configures), a v3 discovery probe,
-- and messages moonwalk encodes (responses to informs, reports, a trap
-- signed for the receiver's own engine, v2 traps without sysUpTime.0 or
-- snmpTrapOID.0). Run from the repository root after make:
--   build/moonwalk run tests/fuzz/mkcorpus-receiver.lua
local mw = require "moonwalk"
local core = require "moonwalk.core"

local OUT = "tests/fuzz/corpus"
local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local OWN = "8000000005aabbccdd"         -- the receiver's engine in fuzz_receiver.c
local SENDER = "80001f88800102030405"    -- a sending engine
local A, P = "authpass123", "privpass123"

local function save(name, bytes)
  local f = assert(io.open(OUT .. "/notify-" .. name .. ".bin", "wb"))
  f:write(bytes)
  f:close()
end

mw.run(function()
  local got = {}
  local sock = assert(core.udp_open("udp:127.0.0.1:0", function(data) got[#got + 1] = data end))
  local port = sock:port()
  -- runs a net-snmp command at the socket; saves the first datagram
  local function capture(name, cmd)
    got = {}
    os.execute(string.format("MIBS= SNMP_PERSISTENT_DIR=/tmp/mkcorpus-receiver.$$ " .. cmd .. " >/dev/null 2>&1", port))
    for _ = 1, 100 do
      if #got > 0 then break end
      mw.sleep(0.01)
    end
    assert(#got > 0, "nothing from " .. cmd)
    save(name, got[1])
  end
  local vbs = "1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.1.5.0 s box 1.3.6.1.2.1.1.2.0 o 1.3.6.1.4.1.8072 "
    .. "1.3.6.1.2.1.4.20.1.1.10.0.0.1 a 10.0.0.1 1.3.6.1.2.1.2.2.1.10.3 c 42 1.3.6.1.2.1.31.1.1.1.6.3 C 9876543210"
  capture("v1-trap", "snmptrap -v 1 -c public 127.0.0.1:%d 1.3.6.1.4.1.8072.2.3 10.0.0.1 6 17 55 " .. vbs)
  capture("v1-trap-generic", "snmptrap -v 1 -c public 127.0.0.1:%d '' 10.0.0.1 2 0 55 1.3.6.1.2.1.2.2.1.1.3 i 3")
  capture("v2c-trap", "snmptrap -v 2c -c public 127.0.0.1:%d 42 " .. LINKDOWN .. " " .. vbs)
  capture("v2c-inform", "snmpinform -v 2c -c public -t 0.1 -r 0 127.0.0.1:%d 42 " .. LINKDOWN .. " 1.3.6.1.2.1.1.5.0 s box")
  local levels = {
    { "noauth", "-u noauth -l noAuthNoPriv" },
    { "md5", "-u md5 -l authNoPriv -a MD5 -A " .. A },
    { "sha512", "-u sha512 -l authNoPriv -a SHA-512 -A " .. A },
    { "sha", "-u sha -l authPriv -a SHA -A " .. A .. " -x AES -X " .. P },
    { "sha256", "-u sha256 -l authPriv -a SHA-256 -A " .. A .. " -x AES-256 -X " .. P },
    { "md5des", "-u md5des -l authPriv -a MD5 -A " .. A .. " -x DES -X " .. P },
    { "sha224", "-u sha224 -l authPriv -a SHA-224 -A " .. A .. " -x AES-192 -X " .. P },
  }
  for _, l in ipairs(levels) do
    capture("v3-trap-" .. l[1], "snmptrap -v 3 -e 0x" .. SENDER .. " -Z 5,10000 " .. l[2] .. " 127.0.0.1:%d 7 "
      .. LINKDOWN .. " 1.3.6.1.2.1.1.5.0 s box")
    -- to the receiver's engine (no discovery): boots and time 0
    capture("v3-inform-" .. l[1], "snmpinform -v 3 -e 0x" .. OWN .. " -t 0.1 -r 0 " .. l[2] .. " 127.0.0.1:%d 7 "
      .. LINKDOWN .. " 1.3.6.1.2.1.1.5.0 s box")
  end
  capture("v3-discovery", "snmpinform -v 3 -t 0.1 -r 0 " .. levels[4][2] .. " 127.0.0.1:%d 7 " .. LINKDOWN)
  sock:close()

  -- encoded here
  local UP = { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 5 }
  local TOID = { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = LINKDOWN }
  local NAME = { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "box" }
  local function v2(name, typ, list)
    save(name, assert(mw.encode{ version = 1, community = "public",
      pdu = { type = typ, request_id = 9, varbinds = list } }))
  end
  v2("v2c-response", "response", { UP, TOID, NAME })
  v2("v2c-report", "report", { { oid = "1.3.6.1.6.3.15.1.1.4.0", type = "Counter32", value = 1 } })
  v2("v2c-trap-no-trapoid", "trap", { UP, NAME })
  v2("v2c-trap-swapped", "trap", { TOID, UP, NAME })
  v2("v2c-trap-empty", "trap", {})
  local eid = mw.fromhex(OWN)
  local function v3(name, typ, flags, keys, list, e, boots, time)
    local plain = assert(mw.encode{ version = 3, msg_id = 77, msg_max_size = 65507, msg_flags = flags,
      engine_id = e or eid, engine_boots = boots or 3, engine_time = time or 0, user = keys and "sha" or "noauth",
      context_engine_id = e or eid, context_name = "",
      pdu = { type = typ, request_id = 77, varbinds = list } })
    save(name, assert(core.usm_msg_protect(keys, plain)))
  end
  local kown = assert(core.usm_keys("SHA", "AES", A, P, eid))
  local ksender = assert(core.usm_keys("SHA", "AES", A, P, mw.fromhex(SENDER)))
  local RPT = { { oid = "1.3.6.1.6.3.15.1.1.2.0", type = "Counter32", value = 1 } }
  v3("v3-report-signed", "report", 1, kown, RPT)
  v3("v3-report-noauth", "report", 0, nil, { { oid = "1.3.6.1.6.3.15.1.1.4.0", type = "Counter32", value = 1 } })
  v3("v3-response-priv", "response", 3, kown, { UP, TOID })
  v3("v3-trap-own-engine", "trap", 7, kown, { UP, TOID, NAME })
  v3("v3-trap-replayed", "trap", 3, ksender, { UP, TOID, NAME }, mw.fromhex(SENDER), 4, 10000)
  v3("v3-trap-no-trapoid", "trap", 0, nil, { UP, NAME }, mw.fromhex(SENDER))
  v3("v3-get-noauth", "get", 4, nil, { { oid = "1.3.6.1.2.1.1.5.0", type = "NULL" } })
  os.execute("rm -rf /tmp/mkcorpus-receiver.*")
end)
print("notify seeds written to " .. OUT)
