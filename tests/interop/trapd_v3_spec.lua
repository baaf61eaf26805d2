-- SNMPv3 into our receiver from net-snmp's snmptrap and snmpinform. Users
-- are configured once, without engine IDs: traps from engine IDs the
-- receiver has never seen arrive (keys localised per sender), and informs
-- are answered with the receiver's own engine ID (discovery, timeliness).
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"

local USERS = {
  { name = "sha-aes", auth = "SHA", priv = "AES" },
  { name = "sha256-aes256", auth = "SHA-256", priv = "AES-256" },
  { name = "md5-des", auth = "MD5", priv = "DES" },
  { name = "sha224-aes192", auth = "SHA-224", priv = "AES-192" },
  { name = "sha512-auth", auth = "SHA-512" },
  { name = "md5-auth", auth = "MD5" },
}
local APASS, PPASS = "authpass123", "privpass123"

local function user_specs()
  local list = {}
  for _, u in ipairs(USERS) do
    list[#list + 1] = u.name .. ":" .. u.auth .. ":" .. APASS .. (u.priv and (":" .. u.priv .. ":" .. PPASS) or "")
  end
  list[#list + 1] = "guest" -- noAuthNoPriv
  return list
end

local function v3args(u, pass)
  local a = string.format("-v 3 -u %s -a %s -A %s", u.name, u.auth, pass or APASS)
  if u.priv then return a .. string.format(" -l authPriv -x %s -X %s", u.priv, PPASS) end
  return a .. " -l authNoPriv"
end

local function collect(rx)
  local notes = {}
  rx:on(function(n) notes[#notes + 1] = n end)
  return notes
end

describe("snmptrap v3 -> moonwalk trapd", function()
  it("auth and authPriv traps from several never-configured engine IDs arrive with every field", function()
    td.with_rx({ users = user_specs() }, function(rx)
      local notes = collect(rx)
      local procs, want = {}, {}
      for i, u in ipairs(USERS) do
        for j = 1, 3 do
          local eid = string.format("80001f8880%02x%02x0a0b0c0d", i, j)
          local tag = u.name .. "#" .. j
          want[tag] = { user = u, eid = eid }
          procs[#procs + 1] = td.spawn(string.format("snmptrap %s -e 0x%s 127.0.0.1:%d %d %s 1.3.6.1.2.1.1.5.0 s %s "
            .. "1.3.6.1.2.1.2.2.1.1.%d i %d", v3args(u), eid, rx.port, 100 * i + j, LINKDOWN, tag, i, j))
        end
      end
      for _, p in ipairs(procs) do assert.same({ 0, "", "" }, { p:wait(20) }) end
      assert.is_true(td.wait_until(function() return #notes == #procs end, 10))
      for _, n in ipairs(notes) do
        local tag = n.varbinds[3].value
        local w = assert(want[tag], tag)
        want[tag] = nil
        assert.equal("3", n.version)
        assert.equal("trap", n.type)
        assert.equal(w.user.name, n.user)
        assert.equal(w.user.priv and "authPriv" or "authNoPriv", n.security_level)
        assert.equal(w.eid, n.engine_id)
        assert.matches("^%x+$", n.context_engine_id) -- snmptrap's own engine ID, not -e
        assert.equal("", n.context)
        assert.is_nil(n.community)
        assert.equal(LINKDOWN, n.trap_oid)
        local j = tonumber(tag:match("#(%d)$"))
        assert.equal(4, #n.varbinds)
        assert.equal(j, n.varbinds[4].value)
        local ui = 0
        for k, x in ipairs(USERS) do if x == w.user then ui = k end end
        assert.equal(100 * ui + j, n.uptime)
      end
      assert.is_nil(next(want))
      local st = rx:stats()
      assert.equal(#procs, st.received)
      assert.equal(0, st.auth_failures)
    end)
  end)

  it("takes noAuthNoPriv traps for a user configured without keys", function()
    td.with_rx({ users = user_specs() }, function(rx)
      local notes = collect(rx)
      local rc = td.spawn(string.format("snmptrap -v 3 -u guest -l noAuthNoPriv -e 0x8000000001020304 127.0.0.1:%d '' %s",
        rx.port, LINKDOWN)):wait(10)
      assert.equal(0, rc)
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      assert.equal("guest", notes[1].user)
      assert.equal("noAuthNoPriv", notes[1].security_level)
      assert.equal("8000000001020304", notes[1].engine_id)
    end)
  end)

  it("drops and counts wrong passwords, unknown users and levels the user does not have", function()
    td.with_rx({ users = user_specs() }, function(rx)
      local notes = collect(rx)
      local u = USERS[1]
      local function send(args)
        assert.equal(0, td.spawn(string.format("snmptrap %s -e 0x80001f8880ffff01 127.0.0.1:%d '' %s",
          args, rx.port, LINKDOWN)):wait(10))
      end
      send(v3args(u, "wrongpass123"))                                                   -- digest
      send(string.format("-v 3 -u %s -l authPriv -a SHA -A %s -x AES -X wrongpriv1", u.name, APASS)) -- decryption
      send(string.format("-v 3 -u nobody -l authNoPriv -a SHA -A %s", APASS))          -- user
      send(string.format("-v 3 -u %s -l noAuthNoPriv", u.name))                         -- level: user has keys
      send(string.format("-v 3 -u sha512-auth -l authPriv -a SHA-512 -A %s -x AES -X %s", APASS, PPASS)) -- no priv key
      send(v3args(u))                                                                    -- fine
      assert.is_true(td.wait_until(function() return rx:stats().packets == 6 end))
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local st = rx:stats()
      assert.equal(1, st.wrong_digests)
      assert.equal(1, st.decryption_errors)
      assert.equal(1, st.unknown_users)
      assert.equal(2, st.unsupported_levels)
      assert.equal(5, st.auth_failures)
      assert.equal(0, st.reports_sent) -- traps are not answered
      assert.equal(1, st.received)
    end)
  end)
end)

describe("snmpinform v3 -> moonwalk trapd", function()
  it("is answered after discovery of the receiver's engine ID (auth and authPriv)", function()
    td.with_rx({ users = user_specs(), engine_id = "8000000005aabbccdd" }, function(rx)
      local notes = collect(rx)
      for i, u in ipairs { USERS[1], USERS[2], USERS[3], USERS[5] } do
        local rc, out, err = td.spawn(string.format("snmpinform %s -t 2 -r 1 127.0.0.1:%d %d %s 1.3.6.1.2.1.1.5.0 s inform-%d",
          v3args(u), rx.port, i, LINKDOWN, i)):wait(15)
        assert.same({ 0, "", "" }, { rc, out, err })
      end
      assert.is_true(td.wait_until(function() return #notes == 4 end))
      for i, n in ipairs(notes) do
        assert.equal("inform", n.type)
        assert.equal("3", n.version)
        assert.equal("8000000005aabbccdd", n.engine_id)
        assert.equal("inform-" .. i, n.varbinds[3].value)
        assert.equal(i, n.uptime)
      end
      assert.equal("authPriv", notes[1].security_level)
      assert.equal("authNoPriv", notes[4].security_level)
      local st = rx:stats()
      assert.equal(4, st.informs_answered)
      assert.is_true(st.unknown_engine_ids >= 4) -- one discovery per snmpinform run
      assert.equal(st.unknown_engine_ids, st.reports_sent)
      assert.equal(0, st.auth_failures)
    end)
  end)

  it("answers a probe with a report carrying the engine ID, boots and time", function()
    td.with_rx({ users = user_specs(), engine_id = "8000000005aabbccdd", boots = 7 }, function(rx)
      local got
      local sock = assert(core.udp_open("udp:127.0.0.1:0", function(data) got = data end))
      local probe = assert(mw.encode{ version = 3, msg_id = 4242, msg_flags = 4, engine_id = "", user = "",
        pdu = { type = "get", request_id = 99, varbinds = {} } })
      assert(sock:send("udp:127.0.0.1:" .. rx.port, probe))
      assert.is_true(td.wait_until(function() return got ~= nil end))
      local r = assert(mw.decode(got))
      assert.equal(3, r.version)
      assert.equal(4242, r.msg_id)
      assert.equal("8000000005aabbccdd", mw.hex(r.engine_id))
      assert.equal(7, r.engine_boots)
      assert.is_true(r.engine_time >= 0 and r.engine_time < 5)
      assert.equal("report", r.pdu.type)
      assert.equal(99, r.pdu.request_id)
      assert.equal("1.3.6.1.6.3.15.1.1.4.0", r.pdu.varbinds[1].oid)
      assert.equal("Counter32", r.pdu.varbinds[1].type)
      assert.equal(1, r.pdu.varbinds[1].value)
      -- not reportable: no answer
      got = nil
      assert(sock:send("udp:127.0.0.1:" .. rx.port, assert(mw.encode{ version = 3, msg_id = 1, msg_flags = 0,
        engine_id = "", user = "", pdu = { type = "get", request_id = 1, varbinds = {} } })))
      assert.is_true(td.wait_until(function() return rx:stats().unknown_engine_ids == 2 end))
      mw.sleep(0.05)
      assert.is_nil(got)
      -- privacy without authentication is an invalid message
      assert(sock:send("udp:127.0.0.1:" .. rx.port, assert(mw.encode{ version = 3, msg_id = 2, msg_flags = 6,
        engine_id = mw.fromhex("8000000005aabbccdd"), user = "sha-aes", encrypted = "xxxxxxxx" })))
      assert.is_true(td.wait_until(function() return rx:stats().snmpInvalidMsgs == 1 end))
      assert.equal(0, rx:stats().parse_errors) -- RFC 3412 7.2 step 5, not a parse error
      sock:close()
    end)
  end)

  it("resynchronises a sender whose clock is outside the time window", function()
    td.with_rx({ users = user_specs(), engine_id = "8000000005aabbccdd", boots = 3 }, function(rx)
      local notes = collect(rx)
      -- -e skips discovery: the first try carries boots and time 0, out of
      -- the window; the signed report resynchronises, the retry lands
      local rc, out, err = td.spawn(string.format("snmpinform %s -e 0x8000000005aabbccdd -t 2 -r 2 "
        .. "127.0.0.1:%d '' %s", v3args(USERS[1]), rx.port, LINKDOWN)):wait(15)
      assert.same({ 0, "", "" }, { rc, out, err })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local st = rx:stats()
      assert.is_true(st.not_in_time_window >= 1)
      assert.equal(1, st.informs_answered)
    end)
  end)

  it("a wrong password is reported and snmpinform fails", function()
    td.with_rx({ users = user_specs() }, function(rx)
      local notes = collect(rx)
      local rc = td.spawn(string.format("snmpinform %s -t 0.3 -r 0 127.0.0.1:%d '' %s",
        v3args(USERS[1], "wrongpass123"), rx.port, LINKDOWN)):wait(10)
      assert.equal(1, rc)
      assert.is_true(rx:stats().wrong_digests >= 1)
      assert.is_true(rx:stats().reports_sent >= 2) -- discovery, then the wrong digest
      assert.equal(0, #notes)
    end)
  end)
end)

describe("snmpinform v3 -> a receiver that answers informs later (clustered receivers)", function()
  it("gets its Response only when the receiver sends it (r:defer_informs, r:answer)", function()
    td.with_rx({ users = user_specs(), engine_id = "8000000005aabbccdd" }, function(rx)
      rx._c:defer_informs(true)
      local notes = collect(rx)
      local p = td.spawn(string.format("snmpinform %s -t 4 -r 0 127.0.0.1:%d 1 %s 1.3.6.1.2.1.1.5.0 s later",
        v3args(USERS[2]), rx.port, LINKDOWN))
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      assert.equal("later", notes[1].varbinds[3].value)
      assert.equal(0, rx:stats().informs_answered) -- received, kept, not answered
      assert.is_true(rx._c:answer(notes[1]))
      assert.same({ 0, "", "" }, { p:wait(15) })
      assert.equal(1, rx:stats().informs_answered)
    end)
  end)
end)
