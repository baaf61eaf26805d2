-- SNMPv3 manager sessions (src/app/v3.c, lua/moonwalk/v3.lua) against a
-- scripted agent in the test: discovery, timeliness, resync, reports as
-- errors, and messages that fail the USM checks dropped and counted. One
-- named test per protocol edge case; the agent is a plain UDP socket that
-- decodes with usm_msg_check and answers with usm_msg_protect.
local mw = require "moonwalk"
local c = mw.core
local v3 = require "moonwalk.v3"

local AUTH, PRIV, REPORTABLE = 1, 2, 4
local SYSNAME = "1.3.6.1.2.1.1.5.0"
local EID = mw.fromhex("80000000011122334455")
local EID2 = mw.fromhex("800000000166778899aa")
local USER = "fake"
local AP, PP = "authpass123", "privpass123"

local function usmstat(n) return "1.3.6.1.6.3.15.1.1." .. n .. ".0" end

-- The scripted agent. handler(req) returns a list of datagrams; req has
-- the decoded header (raw fields as mw.decode gives them) and, when the
-- agent could read it, scoped (the decoded scopedPDU).
local Agent = {}
Agent.__index = Agent

local function new_agent(opts)
  c.engine_init()
  local a = setmetatable({ eid = EID, boots = 5, time = 1000, log = {}, auth = "SHA", priv = "AES" }, Agent)
  for k, v in pairs(opts or {}) do a[k] = v end
  a.sock = assert(c.udp_open("127.0.0.1:0", function(data, from)
    local m = assert(mw.decode(data))
    local req = { m = m, raw = data }
    if m.msg_flags & AUTH == 0 then
      req.scoped = m
    else
      local keys = a:keys(m.engine_id)
      local sp = keys and c.usm_msg_check(keys, data)
      req.scoped = sp and c.decode_scoped(sp)
    end
    a.log[#a.log + 1] = req
    for _, out in ipairs(a.handler(req) or {}) do a.sock:send(from, out) end
  end))
  a.port = a.sock:port()
  a.peer = "127.0.0.1:" .. a.port
  return a
end

function Agent:keys(eid, auth_pass, priv_pass)
  if #eid == 0 then return nil end
  return c.usm_keys(self.auth, self.priv, auth_pass or self.ap or AP, priv_pass or self.pp or PP, eid)
end

-- A message from the agent. o: flags, pdu_type, varbinds, request_id,
-- eid, boots, time, user, keys (to protect with), msg_id
function Agent:message(req, o)
  local m = req.m
  local eid = o.eid or self.eid
  local flags = o.flags or 0
  local plain = assert(mw.encode {
    version = 3, msg_id = o.msg_id or m.msg_id, msg_max_size = 65507, msg_flags = flags,
    engine_id = eid, engine_boots = o.boots or self.boots, engine_time = o.time or self.time,
    user = o.user or m.user, context_engine_id = eid, context_name = "",
    pdu = {
      type = o.pdu_type or "response",
      request_id = o.request_id or (req.scoped and req.scoped.pdu and req.scoped.pdu.request_id) or 0,
      varbinds = o.varbinds or {},
    },
  })
  if flags & AUTH == 0 then return plain end
  return assert(c.usm_msg_protect(o.keys or self:keys(eid), plain))
end

function Agent:report(req, n, o)
  o = o or {}
  o.pdu_type = "report"
  o.varbinds = { { oid = usmstat(n), type = "Counter32", value = 1 } }
  return self:message(req, o)
end

-- The usual agent: discovery report for probes, notInTimeWindow when boots
-- or time are off, else a response with sysName.
function Agent:standard(req, value)
  local m = req.m
  if #m.engine_id == 0 then return { self:report(req, 4) } end
  if m.msg_flags & AUTH ~= 0 and (m.engine_boots ~= self.boots or math.abs(m.engine_time - self.time) > 150) then
    return { self:report(req, 2, { flags = AUTH }) }
  end
  return { self:message(req, { flags = m.msg_flags & 3,
    varbinds = { { oid = SYSNAME, type = "STRING", value = value or "fake-agent" } } }) }
end

function Agent:close() self.sock:close() end

local function session(a, extra)
  local o = { peer = a.peer, version = "3", user = USER, level = "authPriv", auth = "SHA",
              auth_pass = AP, priv = "AES", priv_pass = PP, timeout = 0.2, retries = 0 }
  for k, v in pairs(extra or {}) do
    if v == false then o[k] = nil else o[k] = v end
  end
  return mw.session(o)
end

local function run(fn)
  local t0 = mw.now()
  local r = table.pack(mw.run(fn))
  assert.is_true(mw.now() - t0 < 10, "took too long")
  return table.unpack(r, 1, r.n)
end

local function stat(name) return v3.stats()[name] end

describe("v3 sessions: discovery", function()
  local a
  after_each(function() if a then a:close() end end)

  it("the first message is a probe: noAuthNoPriv, reportable, empty engine ID, user and context, a GET without varbinds", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      local vbs = assert(session(a):get(SYSNAME))
      assert.equal("fake-agent", vbs[1].value)
    end)
    local p = a.log[1].m
    assert.equal(REPORTABLE, p.msg_flags)
    assert.equal("", p.engine_id)
    assert.equal("", p.user)
    assert.equal(0, p.engine_boots)
    assert.equal(0, p.engine_time)
    assert.equal("get", p.pdu.type)
    assert.equal(0, #p.pdu.varbinds)
    assert.equal("", p.context_engine_id)
  end)

  it("the request then goes out authPriv with the learnt engine ID, boots and time, and the same msgID", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function() assert(session(a, { context = "ctx1" }):get(SYSNAME)) end)
    assert.equal(2, #a.log)
    local r = a.log[2]
    assert.equal(AUTH | PRIV | REPORTABLE, r.m.msg_flags)
    assert.equal(EID, r.m.engine_id)
    assert.equal(5, r.m.engine_boots)
    assert.is_true(r.m.engine_time >= 1000 and r.m.engine_time <= 1001)
    assert.equal(USER, r.m.user)
    assert.equal(a.log[1].m.msg_id, r.m.msg_id)
    assert.equal(EID, r.scoped.context_engine_id) -- defaults to the engine ID
    assert.equal("ctx1", r.scoped.context_name)
    assert.equal(SYSNAME, r.scoped.pdu.varbinds[1].oid)
  end)

  it("engine_id() discovers with no credentials, returns the binary engine ID, and asks only once", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      local s = mw.session { peer = a.peer, version = "3", timeout = 0.2, retries = 0 }
      assert.equal(EID, s:engine_id())
      assert.equal(EID, s:engine_id())
      assert.equal("80000000011122334455", mw.hex(s:engine_id()))
      local boots, time = s:engine_time()
      assert.equal(5, boots)
      assert.is_true(time >= 1000)
    end)
    assert.equal(1, #a.log)
  end)

  it("engine_id() of a silent agent is a timeout error", function()
    a = new_agent()
    a.handler = function() return {} end
    run(function()
      local s = mw.session { peer = a.peer, version = "3", timeout = 0.1, retries = 1 }
      local eid, err = s:engine_id()
      assert.is_nil(eid)
      assert.equal("timeout", err.kind)
      assert.equal("Timeout: No Response from " .. a.peer .. ".", err.message)
    end)
    assert.equal(2, #a.log)
  end)

  it("a session given engine_id (-e) sends no probe; the notInTimeWindow report sets the clock", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function() assert(session(a, { engine_id = EID }):get(SYSNAME)) end)
    assert.equal(2, #a.log)
    assert.equal(EID, a.log[1].m.engine_id)
    assert.equal(0, a.log[1].m.engine_boots) -- nothing known yet
    assert.equal(5, a.log[2].m.engine_boots)
  end)

  it("sessions to the same agent share what was learnt: the second sends no probe", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      assert(session(a):get(SYSNAME))
      assert(session(a, { user = "other", level = "authNoPriv" }):get(SYSNAME))
    end)
    assert.equal(3, #a.log)
    assert.equal(EID, a.log[3].m.engine_id)
  end)

  it("concurrent requests before discovery each probe and all complete", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      local s = session(a)
      local done = 0
      local tasks = {}
      for i = 1, 5 do
        tasks[i] = mw.spawn(function() assert(s:get(SYSNAME)); done = done + 1 end)
      end
      mw.wait_all(tasks)
      assert.equal(5, done)
    end)
  end)

  it("a second report for the probe (a duplicate) does not fail the request", function()
    a = new_agent()
    a.handler = function(req)
      if #req.m.engine_id == 0 then
        local rep = a:report(req, 4)
        return { rep, rep }
      end
      return a:standard(req)
    end
    run(function()
      local vbs, err = session(a):get(SYSNAME)
      assert.is_nil(err)
      assert.equal("fake-agent", vbs[1].value)
    end)
  end)

  it("a new engine ID in an unknownEngineIDs report (the agent was reset): rediscovers and resends once", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      local s = session(a)
      assert(s:get(SYSNAME))
      a.eid, a.boots, a.time = EID2, 1, 10
      a.handler = function(req)
        if req.m.engine_id ~= a.eid then return { a:report(req, 4) } end
        return a:standard(req, "new engine")
      end
      local vbs = assert(s:get(SYSNAME))
      assert.equal("new engine", vbs[1].value)
      assert.equal(EID2, s:engine_id())
    end)
    local last = a.log[#a.log].m
    assert.equal(EID2, last.engine_id)
    assert.equal(1, last.engine_boots)
  end)

  it("unknownEngineIDs with a given engine_id (-e) is the error 'Unknown engine ID'", function()
    a = new_agent()
    a.handler = function(req)
      if req.m.engine_id ~= a.eid then return { a:report(req, 4) } end
      return a:standard(req)
    end
    run(function()
      local vbs, err = session(a, { engine_id = EID2 }):get(SYSNAME)
      assert.is_nil(vbs)
      assert.equal("report", err.kind)
      assert.equal("Unknown engine ID", err.message)
      assert.equal("usmStatsUnknownEngineIDs", err.status)
    end)
  end)
end)

describe("v3 sessions: timeliness", function()
  local a
  after_each(function() if a then a:close() end end)

  it("notInTimeWindow (authenticated): one resync with the agent's boots and time, then the request succeeds", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    local before = stat "resyncs"
    run(function()
      local s = session(a)
      assert(s:get(SYSNAME))
      a.boots, a.time = 6, 3 -- the agent restarted
      local vbs = assert(s:get(SYSNAME))
      assert.equal("fake-agent", vbs[1].value)
      assert.equal(6, (s:engine_time()))
    end)
    assert.equal(before + 1, stat "resyncs")
    local n = #a.log
    assert.equal(5, a.log[n - 1].m.engine_boots)
    assert.equal(6, a.log[n].m.engine_boots)
  end)

  it("notInTimeWindow again after the resync is the error 'Not in time window'", function()
    a = new_agent()
    a.handler = function(req)
      if #req.m.engine_id == 0 then return { a:report(req, 4) } end
      -- always claims a clock far from what was sent
      return { a:report(req, 2, { flags = AUTH, time = req.m.engine_time + 100000 }) }
    end
    run(function()
      local vbs, err = session(a):get(SYSNAME)
      assert.is_nil(vbs)
      assert.equal("report", err.kind)
      assert.equal("Not in time window", err.message)
      assert.equal("usmStatsNotInTimeWindows", err.status)
    end)
    assert.equal(3, #a.log) -- probe, request, one resend
  end)

  it("a late copy of a notInTimeWindow report after the resync is ignored", function()
    a = new_agent()
    local first
    a.handler = function(req)
      if #req.m.engine_id == 0 then return { a:report(req, 4, { boots = 4 }) } end
      if req.m.engine_boots == 4 then
        first = a:report(req, 2, { flags = AUTH })
        return { first }
      end
      -- the answer to the resent request comes after another copy of the report
      return { first, table.unpack(a:standard(req)) }
    end
    run(function()
      local vbs, err = session(a):get(SYSNAME)
      assert.is_nil(err)
      assert.equal("fake-agent", vbs[1].value)
    end)
  end)

  it("an authenticated response with older boots is dropped (usmStatsNotInTimeWindows)", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    local before = stat "usmStatsNotInTimeWindows"
    run(function()
      local s = session(a)
      assert(s:get(SYSNAME))
      a.handler = function(req)
        return { a:message(req, { flags = AUTH | PRIV, boots = 4,
          varbinds = { { oid = SYSNAME, type = "STRING", value = "replayed" } } }) }
      end
      local vbs, err = s:get(SYSNAME)
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
    end)
    assert.equal(before + 1, stat "usmStatsNotInTimeWindows")
  end)

  it("an authenticated response more than 150 s behind the agent's clock is dropped", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    local before = stat "usmStatsNotInTimeWindows"
    run(function()
      local s = session(a)
      assert(s:get(SYSNAME))
      a.handler = function(req)
        return { a:message(req, { flags = AUTH | PRIV, time = 1000 - 151 - 1,
          varbinds = { { oid = SYSNAME, type = "STRING", value = "old" } } }) }
      end
      local _, err = s:get(SYSNAME)
      assert.equal("timeout", err.kind)
    end)
    assert.equal(before + 1, stat "usmStatsNotInTimeWindows")
  end)

  it("authenticated responses move the clock forward", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      local s = session(a)
      assert(s:get(SYSNAME))
      a.time = 5000
      a.handler = function(req)
        return { a:message(req, { flags = AUTH | PRIV,
          varbinds = { { oid = SYSNAME, type = "STRING", value = "x" } } }) }
      end
      assert(s:get(SYSNAME))
      local _, t = s:engine_time()
      assert.is_true(t >= 5000 and t <= 5001)
    end)
  end)
end)

describe("v3 sessions: what fails the USM checks is dropped and counted", function()
  local a
  after_each(function() if a then a:close() end end)

  local function drop_case(respond, counter)
    a = new_agent()
    a.handler = function(req)
      if #req.m.engine_id == 0 then return { a:report(req, 4) } end
      return { respond(req) }
    end
    local before = stat(counter)
    run(function()
      local vbs, err = session(a):get(SYSNAME)
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
    end)
    assert.equal(before + 1, stat(counter))
  end

  local VB = { { oid = SYSNAME, type = "STRING", value = "forged" } }

  it("a response signed with another key: usmStatsWrongDigests", function()
    drop_case(function(req)
      return a:message(req, { flags = AUTH | PRIV, varbinds = VB, keys = a:keys(a.eid, "wrongpass1") })
    end, "usmStatsWrongDigests")
  end)

  it("a response whose MAC was altered in transit: usmStatsWrongDigests", function()
    drop_case(function(req)
      local raw = a:message(req, { flags = AUTH | PRIV, varbinds = VB })
      return raw:sub(1, -2) .. string.char(raw:byte(-1) ~ 0x55)
    end, "usmStatsWrongDigests")
  end)

  it("a signed response that does not decrypt: usmStatsDecryptionErrors", function()
    drop_case(function(req)
      return a:message(req, { flags = AUTH | PRIV, varbinds = VB, keys = a:keys(a.eid, AP, "wrongpriv1") })
    end, "usmStatsDecryptionErrors")
  end)

  it("an unauthenticated response to an authPriv request: usmStatsUnsupportedSecLevels", function()
    drop_case(function(req)
      return a:message(req, { flags = 0, varbinds = VB })
    end, "usmStatsUnsupportedSecLevels")
  end)

  it("an authNoPriv response to an authPriv request: usmStatsUnsupportedSecLevels", function()
    drop_case(function(req)
      return a:message(req, { flags = AUTH, varbinds = VB })
    end, "usmStatsUnsupportedSecLevels")
  end)

  it("a response for another user: usmStatsUnknownUserNames", function()
    drop_case(function(req)
      return a:message(req, { flags = AUTH | PRIV, varbinds = VB, user = "someone" })
    end, "usmStatsUnknownUserNames")
  end)

  it("a response from another engine ID: usmStatsUnknownEngineIDs", function()
    drop_case(function(req)
      return a:message(req, { flags = AUTH | PRIV, varbinds = VB, eid = EID2, keys = a:keys(EID2) })
    end, "usmStatsUnknownEngineIDs")
  end)

  it("privacy without authentication in msgFlags: snmpInvalidMsgs", function()
    drop_case(function(req)
      return a:message(req, { flags = PRIV, varbinds = VB })
    end, "snmpInvalidMsgs")
  end)

  it("a response of another security model: snmpUnknownSecurityModels", function()
    drop_case(function(req)
      local raw = a:message(req, { flags = AUTH | PRIV, varbinds = VB })
      -- msgSecurityModel 3 (USM) -> 4 (TSM), the rest as it was
      local i = assert(raw:find("\2\1\3\4", 1, true))
      return raw:sub(1, i + 1) .. "\4" .. raw:sub(i + 3)
    end, "snmpUnknownSecurityModels")
  end)

  it("the right response after a forged one is still delivered", function()
    a = new_agent()
    a.handler = function(req)
      if #req.m.engine_id == 0 then return { a:report(req, 4) } end
      return { a:message(req, { flags = AUTH | PRIV, varbinds = VB, keys = a:keys(a.eid, "wrongpass1") }),
               table.unpack(a:standard(req)) }
    end
    run(function()
      local vbs = assert(session(a):get(SYSNAME))
      assert.equal("fake-agent", vbs[1].value)
    end)
  end)
end)

describe("v3 sessions: reports become errors with net-snmp's words", function()
  local a
  after_each(function() if a then a:close() end end)

  local cases = {
    { 1, "Unsupported security level", "usmStatsUnsupportedSecLevels" },
    { 3, "Unknown user name", "usmStatsUnknownUserNames" },
    { 5, "Authentication failure (incorrect password, community or key)", "usmStatsWrongDigests" },
    { 6, "Decryption error", "usmStatsDecryptionErrors" },
  }
  for _, k in ipairs(cases) do
    it(k[3] .. " -> " .. k[2], function()
      a = new_agent()
      a.handler = function(req)
        if #req.m.engine_id == 0 then return { a:report(req, 4) } end
        return { a:report(req, k[1]) }
      end
      run(function()
        local vbs, err = session(a):get(SYSNAME)
        assert.is_nil(vbs)
        assert.equal("report", err.kind)
        assert.equal(k[2], err.message)
        assert.equal(k[3], err.status)
      end)
    end)
  end

  it("snmpUnknownContexts -> Bad context specified", function()
    a = new_agent()
    a.handler = function(req)
      if #req.m.engine_id == 0 then return { a:report(req, 4) } end
      return { a:message(req, { pdu_type = "report",
        varbinds = { { oid = "1.3.6.1.6.3.12.1.5.0", type = "Counter32", value = 1 } } }) }
    end
    run(function()
      local _, err = session(a, { context = "nope" }):get(SYSNAME)
      assert.equal("Bad context specified", err.message)
    end)
  end)

  it("a walk ends with the report's error", function()
    a = new_agent()
    a.handler = function(req)
      if #req.m.engine_id == 0 then return { a:report(req, 4) } end
      return { a:report(req, 3) }
    end
    run(function()
      local s = session(a)
      local vb, err = s:bulkwalk("1.3.6.1.2.1.1")()
      assert.is_nil(vb)
      assert.equal("Unknown user name", err.message)
      local ok, ferr = pcall(function() for _ in s:bulkwalk("1.3.6.1.2.1.1") do end end)
      assert.is_false(ok)
      assert.equal("Unknown user name", ferr.message)
    end)
  end)
end)

describe("v3 sessions: settings", function()
  local a
  after_each(function() if a then a:close() end end)

  it("pass phrases under 8 characters are refused when the session is made", function()
    c.engine_init()
    assert.has_error(function()
      mw.session { peer = "127.0.0.1:9", version = "3", user = "u", auth = "SHA", auth_pass = "short" }
    end, "the authentication pass phrase is below the length requirements of the USM (min=8)")
    assert.has_error(function()
      mw.session { peer = "127.0.0.1:9", version = "3", user = "u", auth = "SHA", auth_pass = AP,
                   priv = "AES", priv_pass = "1234567" }
    end, "the privacy pass phrase is below the length requirements of the USM (min=8)")
  end)

  it("a level without its key material, and unknown names, are refused", function()
    c.engine_init()
    assert.has_error(function()
      mw.session { peer = "127.0.0.1:9", version = "3", user = "u", level = "authNoPriv" }
    end)
    assert.has_error(function()
      mw.session { peer = "127.0.0.1:9", version = "3", user = "u", level = "authPriv", auth_pass = AP }
    end)
    assert.has_error(function()
      mw.session { peer = "127.0.0.1:9", version = "3", user = "u", auth = "SHA-1024", auth_pass = AP }
    end)
    assert.has_error(function()
      mw.session { peer = "127.0.0.1:9", version = "3", user = "u", level = "paranoid" }
    end)
  end)

  it("the level follows what is given, and net-snmp's spellings work", function()
    c.engine_init()
    assert.equal("authPriv", mw.session { peer = "127.0.0.1:9", version = "3", user = "u", auth_pass = AP, priv_pass = PP }.level)
    assert.equal("authNoPriv", mw.session { peer = "127.0.0.1:9", version = "3", user = "u", auth_pass = AP }.level)
    assert.equal("noAuthNoPriv", mw.session { peer = "127.0.0.1:9", version = "3", user = "u" }.level)
    assert.equal("authNoPriv", mw.session { peer = "127.0.0.1:9", version = "3", user = "u", level = "anp", auth_pass = AP }.level)
    assert.equal("noAuthNoPriv", mw.session { peer = "127.0.0.1:9", version = "3", user = "u", level = "1", auth_pass = AP }.level)
  end)

  it("a session without a user refuses requests with net-snmp's message and sends nothing", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      local vbs, err = mw.session { peer = a.peer, version = "3", timeout = 0.2 }:get(SYSNAME)
      assert.is_nil(vbs)
      assert.equal("No securityName specified", err.message)
    end)
    assert.equal(0, #a.log)
  end)

  it("noAuthNoPriv requests are sent in plaintext with the user name", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      assert(mw.session { peer = a.peer, version = "3", user = "nobody", timeout = 0.2 }:get(SYSNAME))
    end)
    local m = a.log[2].m
    assert.equal(REPORTABLE, m.msg_flags)
    assert.equal("nobody", m.user)
    assert.equal(SYSNAME, m.pdu.varbinds[1].oid)
  end)

  it("master keys (-3m/-3M) and localised keys (-3k/-3K) work like the pass phrases", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    local mk = c.usm_password_to_key("SHA", AP)
    local mkp = c.usm_password_to_key("SHA", PP)
    local lk = assert(c.usm_keys("SHA", "AES", AP, PP, EID))
    run(function()
      assert(session(a, { auth_pass = false, priv_pass = false, auth_master_key = mk, priv_master_key = mkp }):get(SYSNAME))
      assert(session(a, { auth_pass = false, priv_pass = false, auth_local_key = lk.auth_key,
                          priv_local_key = lk.priv_key, engine_id = EID }):get(SYSNAME))
      -- one of each kind
      assert(session(a, { priv_pass = false, priv_master_key = mkp }):get(SYSNAME))
    end)
  end)

  it("contextEngineID and contextName are sent as given (-E, -n)", function()
    a = new_agent()
    a.handler = function(req) return a:standard(req) end
    run(function()
      assert(session(a, { context_engine_id = EID2, context = "bridge1" }):get(SYSNAME))
    end)
    local r = a.log[#a.log]
    assert.equal(EID2, r.scoped.context_engine_id)
    assert.equal("bridge1", r.scoped.context_name)
  end)

  it("10 sessions with the same credentials cost one password hash each for auth and priv", function()
    a = new_agent { ap = "samepass1", pp = "samepass2" }
    a.handler = function(req) return a:standard(req) end
    c.usm_cache_clear()
    run(function()
      for _ = 1, 10 do
        assert(session(a, { auth_pass = "samepass1", priv_pass = "samepass2" }):get(SYSNAME))
      end
    end)
    assert.equal(2, c.usm_stats().password_hashes)
  end)
end)
