-- Replayed and out-of-date v3 traps (RFC 3414 3.2.7 b: for a trap the
-- receiver is not authoritative, and checks the sender's boots and time
-- against what that engine's authentic traps said before), the bounded
-- per-engine cache behind it, and v2 notifications without sysUpTime.0
-- and snmpTrapOID.0. net-snmp's snmptrap sends (-Z sets boots and time)
-- to moonwalk and to snmptrapd, which must agree.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local SYSUPTIME0, TRAPOID0 = "1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.1.1.4.1.0"
local APASS, PPASS = "authpass123", "privpass123"
local USER = "ops:SHA:" .. APASS .. ":AES:" .. PPASS

local function collect(rx)
  local notes = {}
  rx:on(function(n) notes[#notes + 1] = n end)
  return notes
end

-- A v3 trap from engine eid (binary) with the given boots and time, signed
-- (SHA, authNoPriv) for user ops; tag goes in sysName.0.
local master
local function signed_trap(eid, boots, time, tag, opts)
  opts = opts or {}
  master = master or assert(core.usm_password_to_key("SHA", APASS))
  local keys = assert(core.usm_keys_from_master("SHA", nil, master, nil, eid))
  local plain = assert(mw.encode{
    version = 3, msg_id = 1, msg_max_size = 65507, msg_flags = opts.flags or 1,
    engine_id = eid, engine_boots = boots, engine_time = time, user = opts.user or "ops",
    context_engine_id = eid, context_name = "",
    pdu = { type = "trap", request_id = 1, varbinds = {
      { oid = SYSUPTIME0, type = "Timeticks", value = 1 },
      { oid = TRAPOID0, type = "OID", value = LINKDOWN },
      { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = tag },
    } },
  })
  if (opts.flags or 1) == 0 then return assert(core.usm_msg_protect(nil, plain)) end
  return assert(core.usm_msg_protect(keys, plain))
end

local function tags(notes)
  local t = {}
  for i, n in ipairs(notes) do t[i] = n.varbinds[3].value end
  return t
end

describe("trapd: replayed v3 traps", function()
  it("drops a replayed trap (older time, older boots) as snmptrapd does, and counts it", function()
    local EID = "8000000001020304"
    local d = td.start{ extra = { "createUser -e 0x" .. EID .. " ops SHA " .. APASS .. " AES " .. PPASS } }
    local ok, err = pcall(td.with_rx, { users = { USER } }, function(rx)
      local notes = collect(rx)
      -- T1 (boots 5, time 10000), T2 (time 9000: 1000 s behind), T3 (boots
      -- 4), then T4 (time 9900: inside the 150 s window) and T5 (newer)
      local sends = { { "T1", "5,10000" }, { "T2", "5,9000" }, { "T3", "4,10000" }, { "T4", "5,9900" },
                      { "T5", "5,10100" } }
      for i, s in ipairs(sends) do
        for _, addr in ipairs { "127.0.0.1:" .. rx.port, d.addr } do
          local rc, out, e = td.spawn(string.format("snmptrap -v 3 -u ops -l authPriv -a SHA -A %s -x AES -X %s "
            .. "-e 0x%s -Z %s %s '' %s 1.3.6.1.2.1.1.5.0 s %s", APASS, PPASS, EID, s[2], addr, LINKDOWN, s[1])):wait(10)
          assert.same({ 0, "", "" }, { rc, out, e })
        end
        assert.is_true(td.wait_until(function() return rx:stats().packets == i end))
      end
      assert.is_true(td.wait_until(function() return #notes == 3 end))
      mw.sleep(0.05)
      assert.same({ "T1", "T4", "T5" }, tags(notes))
      local st = rx:stats()
      assert.equal(2, st.not_in_time_window)
      assert.equal(2, st.auth_failures)
      assert.equal(3, st.received)
      assert.equal(1, st.engines)
      assert.equal(0, st.reports_sent) -- a trap is never answered
      -- snmptrapd took the same three
      local log = assert(d:wait_for('"T5"'), d:log())
      for _, t in ipairs { "T1", "T4", "T5" } do assert.matches('"' .. t .. '"', log, 1, true) end
      assert.is_nil(log:find('"T2"', 1, true))
      assert.is_nil(log:find('"T3"', 1, true))
    end)
    d:cleanup()
    assert(ok, err)
  end)

  it("learns boots and time only from authenticated traps", function()
    td.with_rx({ users = { USER, "guest" } }, function(rx)
      local notes = collect(rx)
      local eid = mw.fromhex("8000000001aabbcc")
      -- a noAuth trap and one with a wrong digest claim boots 9: not learnt
      rx:process(signed_trap(eid, 9, 50000, "noauth", { flags = 0, user = "guest" }))
      local forged = signed_trap(eid, 9, 50000, "forged")
      forged = forged:sub(1, -2) .. string.char(forged:byte(-1) ~ 1) -- the tag's last byte: digest fails
      rx:process(forged)
      assert.equal(0, rx:stats().engines)
      rx:process(signed_trap(eid, 5, 100, "a"))   -- first authentic: sets boots 5, time 100
      rx:process(signed_trap(eid, 5, 20, "b"))    -- 80 s behind: in the window, not learnt
      rx:process(signed_trap(eid, 5, 200, "c"))   -- newer: learnt
      rx:process(signed_trap(eid, 5, 49, "d"))    -- 151 s behind 200: out
      rx:process(signed_trap(eid, 6, 0, "e"))     -- reboot: learnt
      rx:process(signed_trap(eid, 5, 300, "f"))   -- the old boots: out
      rx:process(signed_trap(eid, 2147483647, 1, "g")) -- boots at their end: out from now on
      rx:process(signed_trap(eid, 2147483647, 2, "h"))
      assert.is_true(td.wait_until(function() return rx:stats().handled == rx:stats().received end))
      mw.sleep(0.01)
      assert.same({ "noauth", "a", "b", "c", "e" }, tags(notes))
      local st = rx:stats()
      assert.equal(1, st.wrong_digests)
      assert.equal(4, st.not_in_time_window)
      assert.equal(1, st.engines)
    end)
  end)

  it("keeps at most `engines` sending engines, forgetting the least recently seen", function()
    td.with_rx({ users = { USER }, engines = 3 }, function(rx)
      local notes = collect(rx)
      local e = {}
      for i = 1, 4 do e[i] = mw.fromhex(string.format("80000000010000%02x", i)) end
      for i = 1, 3 do rx:process(signed_trap(e[i], 5, 1000, "new" .. i)) end
      rx:process(signed_trap(e[1], 5, 1001, "again1")) -- e1 seen again: e2 is now the oldest
      rx:process(signed_trap(e[4], 5, 1000, "new4"))   -- evicts e2
      local st = rx:stats()
      assert.equal(3, st.engines)
      assert.equal(1, st.engines_evicted)
      rx:process(signed_trap(e[1], 5, 1, "old1")) -- e1 is remembered: dropped
      rx:process(signed_trap(e[3], 5, 1, "old3")) -- e3 too
      rx:process(signed_trap(e[2], 5, 1, "old2")) -- e2 was forgotten: taken, and evicts e4
      st = rx:stats()
      assert.equal(2, st.not_in_time_window)
      assert.equal(2, st.engines_evicted)
      assert.is_true(td.wait_until(function() return #notes == 6 end))
      assert.same({ "new1", "new2", "new3", "again1", "new4", "old2" }, tags(notes))
    end)
  end)

  it("50,000 sending engines leave the cache at its bound of 10,000, and replays still drop", function()
    td.with_rx({ users = { USER }, queue = 100000, queue_bytes = 64 << 20 }, function(rx)
      local handled = 0
      rx:on(function() handled = handled + 1 end)
      local keep = mw.fromhex("80000000017777777777")
      rx:process(signed_trap(keep, 5, 10000, "keep"))
      for i = 1, 50000 do
        rx:process(signed_trap(mw.fromhex(string.format("8000000001%08x", i)), 1, i, "x"))
        -- the kept engine sends now and then, so it stays among the recent
        if i % 5000 == 0 then rx:process(signed_trap(keep, 5, 10000 + i // 1000, "keep")) end
        if i % 1000 == 0 then
          assert.is_true(rx:stats().engines <= 10000)
          mw.sleep(0) -- let the handlers run
        end
      end
      local st = rx:stats()
      assert.equal(10000, st.engines)
      assert.equal(50001 - 10000, st.engines_evicted)
      assert.equal(50011, st.received)
      assert.equal(0, st.not_in_time_window)
      rx:process(signed_trap(keep, 5, 9000, "replay"))
      assert.equal(1, rx:stats().not_in_time_window)
      assert.is_true(td.wait_until(function() return handled == 50011 end, 30))
    end)
  end)
end)

describe("trapd: v2 notifications without sysUpTime.0 and snmpTrapOID.0 first", function()
  local function v2(vbs, opts)
    opts = opts or {}
    return assert(mw.encode{ version = 1, community = "public",
      pdu = { type = opts.type or "trap", request_id = opts.request_id or 1, varbinds = vbs } })
  end
  local UP = { oid = SYSUPTIME0, type = "Timeticks", value = 5 }
  local TOID = { oid = TRAPOID0, type = "OID", value = LINKDOWN }
  local NAME = { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "box" }

  it("are dropped and counted in malformed; informs among them are not answered", function()
    td.with_rx({ community = "public", users = { "guest" } }, function(rx)
      local notes = collect(rx)
      local bad = {
        {},                                                        -- no varbinds
        { NAME },                                                  -- neither
        { TOID, UP, NAME },                                        -- swapped
        { UP, NAME },                                              -- no snmpTrapOID.0
        { TOID, NAME },                                            -- no sysUpTime.0
        { { oid = SYSUPTIME0, type = "INTEGER", value = 5 }, TOID }, -- sysUpTime.0 not TimeTicks
        { UP, { oid = TRAPOID0, type = "STRING", value = "x" } },  -- snmpTrapOID.0 not an OID
      }
      for _, vbs in ipairs(bad) do assert.is_nil(rx:process(v2(vbs))) end
      assert.is_nil(rx:process(v2({ NAME }, { type = "inform" })))
      local v3 = assert(core.usm_msg_protect(nil, assert(mw.encode{
        version = 3, msg_id = 1, msg_max_size = 65507, msg_flags = 0, engine_id = mw.fromhex("8000000001020304"),
        engine_boots = 0, engine_time = 0, user = "guest", context_engine_id = "", context_name = "",
        pdu = { type = "trap", request_id = 1, varbinds = { NAME } } })))
      assert.is_nil(rx:process(v3))
      local st = rx:stats()
      assert.equal(#bad + 2, st.malformed)
      assert.equal(0, st.received)
      assert.equal(0, st.informs_answered)
      -- the well-formed ones: a trap, and an inform answered by rx:process
      rx:process(v2({ UP, TOID, NAME }))
      local reply = assert(rx:process(v2({ UP, TOID }, { type = "inform", request_id = 99 })))
      local r = assert(mw.decode(reply))
      assert.equal("response", r.pdu.type)
      assert.equal(99, r.pdu.request_id)
      assert.is_true(td.wait_until(function() return #notes == 2 end))
      for _, n in ipairs(notes) do
        assert.equal(LINKDOWN, n.trap_oid)
        assert.equal(5, n.uptime)
      end
    end)
  end)
end)
