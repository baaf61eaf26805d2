-- Message processing (src/app/mp.c), shared by the agent and the receiver:
-- the same bytes go through agent:process and receiver:process (no
-- sockets), and every RFC 3412 7.2 / RFC 3414 3.2 step gives the same
-- Report (counter OID and value, reportable flag, the local engine's ID,
-- boots and time) and the same counters, by their MIB names, in both
-- stats tables.
local mw = require "moonwalk"
local c = mw.core

local EID = "8000000001020304aa"
local SYSDESCR = "1.3.6.1.2.1.1.1.0"
local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
-- the counters message processing keeps, as both stats tables name them
local MP_KEYS = { "snmpInPkts", "snmpInBadVersions", "snmpInBadCommunityNames", "snmpInASNParseErrs",
  "snmpUnknownSecurityModels", "snmpInvalidMsgs", "snmpUnknownPDUHandlers",
  "usmStatsUnsupportedSecLevels", "usmStatsNotInTimeWindows", "usmStatsUnknownUserNames",
  "usmStatsUnknownEngineIDs", "usmStatsWrongDigests", "usmStatsDecryptionErrors" }

local function new_pair()
  local a = mw.agent { listen = "udp:127.0.0.1:0", engine_id = EID, users = {
    { name = "u", auth = "SHA", auth_pass = "authpass123", priv = "AES", priv_pass = "privpass123" },
    { name = "plain" } } }
  local r = c.receiver {}
  r:engine(mw.fromhex(EID), (select(2, a:engine())))
  assert(r:user("u", "SHA", "authpass123", "AES", "privpass123"))
  assert(r:user("plain"))
  return a, r
end

local function counters(st)
  local t = {}
  for _, k in ipairs(MP_KEYS) do
    assert.is_number(st[k], k)
    t[k] = st[k]
  end
  return t
end

local function msg(fields)
  local m = { version = 3, msg_id = 9, msg_flags = 4, engine_id = mw.fromhex(EID), user = "u",
    context_engine_id = "", pdu = { type = "get", request_id = 31, varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
  for k, v in pairs(fields) do m[k] = v end
  return m
end

local function signed(m, pass, eid)
  local keys = assert(c.usm_keys("SHA", "AES", pass or "authpass123", "privpass123", eid or mw.fromhex(EID)))
  local raw, off = assert(mw.encode(m))
  return assert(c.usm_sign("SHA", keys.auth_key, raw, off))
end

-- Both answers to the same bytes, decoded (nil when none).
local function both(a, r, raw)
  local ao, ro = a:process(raw), r:process(raw)
  return ao and assert(mw.decode(ao)), ro and assert(mw.decode(ro))
end

local function same_report(am, rm, oid, value)
  assert.is_table(am)
  assert.is_table(rm)
  for _, m in ipairs { am, rm } do
    assert.equal("report", m.pdu.type)
    assert.equal(oid, m.pdu.varbinds[1].oid)
    assert.equal("Counter32", m.pdu.varbinds[1].type)
    assert.equal(value, m.pdu.varbinds[1].value)
    assert.equal(mw.fromhex(EID), m.engine_id)
    assert.equal(mw.fromhex(EID), m.context_engine_id)
    assert.is_true(m.engine_time >= 0 and m.engine_time < 10)
  end
  for _, k in ipairs { "msg_id", "msg_flags", "msg_max_size", "engine_boots", "user" } do
    assert.equal(am[k], rm[k], k)
  end
  assert.equal(am.pdu.request_id, rm.pdu.request_id)
  assert.equal(0, am.msg_flags & 4) -- a Report is never reportable
end

describe("message processing: the agent and the receiver count and report alike", function()
  local a, r
  before_each(function() a, r = new_pair() end)
  after_each(function() a:close(); r:close() end)

  -- runs raw through both and checks that every counter moved the same way
  local function step(raw)
    local am, rm = both(a, r, raw)
    local ac, rc = counters(a:stats()), counters(r:stats())
    assert.same(ac, rc)
    return am, rm, ac
  end

  it("the stats tables carry every counter under its MIB name", function()
    local ac, rc = counters(a:stats()), counters(r:stats())
    assert.same(ac, rc)
    -- the receiver's former names stay as aliases of the same counters
    local st = r:stats()
    assert.equal(st.snmpInPkts, st.packets)
    assert.equal(st.usmStatsWrongDigests, st.wrong_digests)
    assert.equal(st.snmpInASNParseErrs, st.parse_errors)
  end)

  it("3.2.3 discovery: an empty engine ID gets usmStatsUnknownEngineIDs with the local engine", function()
    local am, rm, n = step(mw.encode(msg { engine_id = "", user = "" }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.4.0", 1)
    assert.equal(9, am.msg_id)
    assert.equal(31, am.pdu.request_id)
    assert.equal(0, am.msg_flags)
    assert.equal((select(2, a:engine())), am.engine_boots)
    assert.equal(1, n.usmStatsUnknownEngineIDs)
    assert.equal(1, n.snmpInPkts)
  end)

  it("no Report when the reportable flag is clear, the counter moves all the same", function()
    local am, rm, n = step(mw.encode(msg { engine_id = "", user = "", msg_flags = 0 }))
    assert.is_nil(am)
    assert.is_nil(rm)
    assert.equal(1, n.usmStatsUnknownEngineIDs)
  end)

  it("3.2.3: an engine ID of 4 or 33 octets is an unknown engine ID (the receiver counted it a parse error)", function()
    local _, _, n = step(mw.encode(msg { engine_id = "\128\0\0\1", msg_flags = 0 }))
    assert.equal(1, n.usmStatsUnknownEngineIDs)
    local am, rm
    am, rm, n = step(mw.encode(msg { engine_id = string.rep("\1", 33) }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.4.0", 2)
    assert.equal(2, n.usmStatsUnknownEngineIDs)
    assert.equal(0, n.snmpInASNParseErrs)
  end)

  it("3.2.4: an unknown user gets usmStatsUnknownUserNames", function()
    local am, rm, n = step(mw.encode(msg { user = "who" }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.3.0", 1)
    assert.equal(1, n.usmStatsUnknownUserNames)
  end)

  it("3.2.5: a level the user's keys cannot give gets usmStatsUnsupportedSecLevels", function()
    local am, rm, n = step(mw.encode(msg { user = "plain", msg_flags = 5, auth_params_len = 12 }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.1.0", 1)
    assert.equal(1, n.usmStatsUnsupportedSecLevels)
  end)

  it("3.2.6: a wrong digest gets usmStatsWrongDigests", function()
    local am, rm, n = step(signed(msg { msg_flags = 5, engine_boots = 1, engine_time = 0, auth_params_len = 12 },
      "wrongpass123"))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.5.0", 1)
    assert.equal(31, am.pdu.request_id)
    assert.equal(1, n.usmStatsWrongDigests)
  end)

  it("3.2.7 a: outside the time window gets a signed usmStatsNotInTimeWindows Report", function()
    local boots = select(2, a:engine())
    local am, rm, n = step(signed(msg { msg_flags = 5, engine_boots = boots, engine_time = 5000, auth_params_len = 12 }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.2.0", 1)
    assert.equal(1, am.msg_flags) -- authNoPriv, not reportable
    assert.equal(1, n.usmStatsNotInTimeWindows)
    am, rm, n = step(signed(msg { msg_flags = 5, engine_boots = boots + 1, engine_time = 0, auth_params_len = 12 }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.2.0", 2)
    assert.equal(2, n.usmStatsNotInTimeWindows)
  end)

  it("3.2.8: ciphertext that does not decrypt gets usmStatsDecryptionErrors with the msgID as request-id", function()
    local boots = select(2, a:engine())
    local am, rm, n = step(signed(msg { msg_id = 77, msg_flags = 7, engine_boots = boots, engine_time = 0,
      auth_params_len = 12, priv_params = "\0\0\0\0\0\0\0\1", encrypted = string.rep("\x55", 48) }))
    same_report(am, rm, "1.3.6.1.6.3.15.1.1.6.0", 1)
    assert.equal(77, am.pdu.request_id)
    assert.equal(1, n.usmStatsDecryptionErrors)
  end)

  it("RFC 3412 7.2 step 5: privacy without authentication is snmpInvalidMsgs (the receiver counted it a parse error)", function()
    local am, rm, n = step(mw.encode(msg { msg_flags = 6, encrypted = "xxxxxxxx" }))
    assert.is_nil(am)
    assert.is_nil(rm)
    assert.equal(1, n.snmpInvalidMsgs)
    assert.equal(0, n.snmpInASNParseErrs)
    assert.equal(0, r:stats().parse_errors)
  end)

  it("RFC 3412 7.2: an unknown msgSecurityModel is snmpUnknownSecurityModels", function()
    -- msgSecurityModel 3 (USM) -> 9
    local raw = mw.encode(msg {})
    local i = assert(raw:find("\2\1\3\4", 1, true))
    local _, _, n = step(raw:sub(1, i + 1) .. "\9" .. raw:sub(i + 3))
    assert.equal(1, n.snmpUnknownSecurityModels)
  end)

  it("bad versions and bytes that are not one whole message", function()
    local raw = mw.encode(msg {})
    local _, _, n = step((raw:gsub("^(..\2\1)\3", "%1\5")))
    assert.equal(1, n.snmpInBadVersions)
    _, _, n = step(raw .. "\0\0")
    assert.equal(1, n.snmpInASNParseErrs)
    _, _, n = step(raw:sub(1, #raw - 2))
    assert.equal(2, n.snmpInASNParseErrs)
    assert.equal(3, n.snmpInPkts)
  end)

  it("a bad community is snmpInBadCommunityNames in both", function()
    local a2 = mw.agent { listen = "udp:127.0.0.1:0", communities = { public = "ro" } }
    local r2 = c.receiver {}
    r2:community("public")
    local raw = mw.encode { version = 1, community = "nope", pdu = { type = "trap", request_id = 1, varbinds = {
      { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 1 },
      { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = LINKDOWN } } } }
    assert.is_nil(a2:process(raw))
    assert.is_nil(r2:process(raw))
    assert.same(counters(a2:stats()), counters(r2:stats()))
    assert.equal(1, a2:stats().snmpInBadCommunityNames)
    a2:close()
    r2:close()
  end)
end)

describe("message processing: the receiver takes other engines' traps", function()
  local OTHER = "80000000050102030405"
  local r
  before_each(function()
    r = c.receiver {}
    r:engine(mw.fromhex(EID), 1)
    assert(r:user("u", "SHA", "authpass123", "AES", "privpass123"))
  end)
  after_each(function() r:close() end)

  local TRAP_VBS = { { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 1 },
    { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = LINKDOWN } }
  -- an authNoPriv trap from the engine OTHER, fields overriding
  local function from_other(fields)
    local m = msg { engine_id = mw.fromhex(OTHER), msg_flags = 1, engine_boots = 3, engine_time = 1000,
      auth_params_len = 12, pdu = { type = "trap", request_id = 5, varbinds = TRAP_VBS } }
    for k, v in pairs(fields) do m[k] = v end
    return m
  end

  it("a trap signed with keys localised to its sender's engine is taken, without a Report", function()
    local raw = signed(from_other {}, nil, mw.fromhex(OTHER))
    assert.is_nil(r:process(raw))
    assert.equal(1, r:stats().received)
    assert.equal(1, r:stats().engines)
  end)

  it("3.2.7 b: a replayed trap from an older boot is usmStatsNotInTimeWindows, without a Report", function()
    assert.is_nil(r:process(signed(from_other {}, nil, mw.fromhex(OTHER))))
    assert.is_nil(r:process(signed(from_other { engine_boots = 2, msg_flags = 5 }, nil, mw.fromhex(OTHER))))
    local st = r:stats()
    assert.equal(1, st.usmStatsNotInTimeWindows)
    assert.equal(1, st.received)
    assert.equal(0, st.reports_sent)
  end)

  it("an inform for another engine gets usmStatsUnknownEngineIDs (its receiver is authoritative)", function()
    local m = from_other { msg_flags = 5 }
    m.pdu = { type = "inform", request_id = 6, varbinds = TRAP_VBS }
    local out = assert(r:process(signed(m, nil, mw.fromhex(OTHER))))
    local rep = assert(mw.decode(out))
    assert.equal("1.3.6.1.6.3.15.1.1.4.0", rep.pdu.varbinds[1].oid)
    assert.equal(6, rep.pdu.request_id)
    assert.equal(mw.fromhex(EID), rep.engine_id)
  end)

  it("the agent refuses the same trap: the local engine must be authoritative", function()
    local a = mw.agent { listen = "udp:127.0.0.1:0", engine_id = EID, users = {
      { name = "u", auth = "SHA", auth_pass = "authpass123", priv = "AES", priv_pass = "privpass123" } } }
    assert.is_nil(a:process(signed(from_other {}, nil, mw.fromhex(OTHER)))) -- not reportable: no Report
    assert.equal(1, a:stats().usmStatsUnknownEngineIDs)
    a:close()
  end)
end)
