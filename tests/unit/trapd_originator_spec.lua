-- The originator (mw.trap, mw.inform, moonwalk trap|inform) and the
-- moonwalk trapd command, checked against our own receiver.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local notify = require "moonwalk.notify"
local td = require "snmptrapd"
local cjson = require "cjson"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"

local function collect(rx)
  local notes = {}
  rx:on(function(n) notes[#notes + 1] = n end)
  return notes
end

local function host_uptime()
  local f = assert(io.open("/proc/uptime"))
  local s = f:read("n")
  f:close()
  return math.floor(s * 100)
end

describe("mw.trap", function()
  it("sends a v2c trap with sysUpTime.0, snmpTrapOID.0 and the varbinds", function()
    td.with_rx({ community = "c2" }, function(rx)
      local notes = collect(rx)
      assert(mw.trap{ peer = "127.0.0.1:" .. rx.port, version = "2c", community = "c2",
        trap_oid = LINKDOWN, uptime = 777, varbinds = {
          { "1.3.6.1.2.1.2.2.1.1.3", "i", 3 },
          { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "sw1" },
          { "1.3.6.1.2.1.2.2.1.10.3", mw.Counter32(99) },
          { "1.3.6.1.2.1.1.6.0", "x", "0a0b" },
        } })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local n = notes[1]
      assert.equal("2c", n.version)
      assert.equal("trap", n.type)
      assert.equal("c2", n.community)
      assert.equal(777, n.uptime)
      assert.equal(LINKDOWN, n.trap_oid)
      assert.equal(6, #n.varbinds)
      assert.same({ oid = "1.3.6.1.2.1.2.2.1.1.3", type = "INTEGER", value = 3 }, n.varbinds[3])
      assert.same({ oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "sw1" }, n.varbinds[4])
      assert.same({ oid = "1.3.6.1.2.1.2.2.1.10.3", type = "Counter32", value = 99 }, n.varbinds[5])
      assert.same({ oid = "1.3.6.1.2.1.1.6.0", type = "STRING", value = "\10\11" }, n.varbinds[6])
    end)
  end)

  it("sends the host's uptime when none is given", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local before = host_uptime()
      assert(mw.trap{ peer = "127.0.0.1:" .. rx.port, community = "public", trap_oid = LINKDOWN })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      assert.is_true(notes[1].uptime >= before and notes[1].uptime <= host_uptime())
    end)
  end)

  it("sends v1 traps, with the fields given or derived from a trap OID (RFC 3584 3.2)", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local peer = "udp:127.0.0.1:" .. rx.port
      assert(mw.trap{ peer = peer, version = "1", enterprise = "1.3.6.1.4.1.8072.2.3",
        agent_addr = "10.2.3.4", generic = 6, specific = 42, uptime = 5,
        varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "v1box" } } })
      assert(mw.trap{ peer = peer, version = "1", trap_oid = LINKDOWN, agent_addr = "10.2.3.4", uptime = 6 })
      assert(mw.trap{ peer = peer, version = "1", trap_oid = "1.3.6.1.4.1.9.9.41.2.0.1", agent_addr = "10.2.3.4" })
      assert(mw.trap{ peer = peer, version = "1", trap_oid = "1.3.6.1.4.1.9.9.41.2.7", agent_addr = "10.2.3.4" })
      assert.is_true(td.wait_until(function() return #notes == 4 end))
      local a = notes[1]
      assert.equal("v1trap", a.type)
      assert.equal("1.3.6.1.4.1.8072.2.3", a.enterprise)
      assert.equal("10.2.3.4", a.agent_addr)
      assert.equal(6, a.generic)
      assert.equal(42, a.specific)
      assert.equal(5, a.uptime)
      assert.equal("v1box", a.varbinds[3].value)
      -- snmpTraps.3 is linkDown: generic 2
      assert.equal(2, notes[2].generic)
      assert.equal(LINKDOWN, notes[2].trap_oid)
      -- enterprise.0.specific
      assert.equal("1.3.6.1.4.1.9.9.41.2", notes[3].enterprise)
      assert.equal(6, notes[3].generic)
      assert.equal(1, notes[3].specific)
      assert.equal("1.3.6.1.4.1.9.9.41.2.0.1", notes[3].trap_oid)
      -- no 0 before the last arc: enterprise is the rest
      assert.equal("1.3.6.1.4.1.9.9.41.2", notes[4].enterprise)
      assert.equal(7, notes[4].specific)
    end)
  end)

  it("derives v1 fields the way RFC 3584 3.2 says", function()
    assert.same({ enterprise = "1.3.6.1.6.3.1.1.5", generic = 0, specific = 0 }, notify.v1_from_trap_oid("1.3.6.1.6.3.1.1.5.1"))
    assert.same({ enterprise = "1.3.6.1.4.1.4", generic = 4, specific = 0 },
      notify.v1_from_trap_oid("1.3.6.1.6.3.1.1.5.5", { { "1.3.6.1.6.3.1.1.4.3.0", "o", "1.3.6.1.4.1.4" } }))
    assert.same({ enterprise = "1.3.6.1.4.1.9", generic = 6, specific = 3 }, notify.v1_from_trap_oid("1.3.6.1.4.1.9.0.3"))
  end)

  it("refuses misuse", function()
    assert.has_error(function() mw.trap("x") end)
    assert.has_error(function() mw.trap{ peer = "127.0.0.1:9", version = "2c" } end) -- no trap_oid
    assert.has_error(function() mw.trap{ peer = "127.0.0.1:9", trap_oid = LINKDOWN, uptime = -1 } end)
    assert.has_error(function() mw.inform{ peer = "127.0.0.1:9", version = "1", trap_oid = LINKDOWN } end,
      "Cannot send INFORM as SNMPv1 PDU")
  end)
end)

describe("mw.inform", function()
  it("waits for the acknowledgement and returns the Response varbinds", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local vbs, err = mw.inform{ peer = "127.0.0.1:" .. rx.port, community = "public", trap_oid = LINKDOWN,
        uptime = 11, varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "ack me" } } }
      assert.is_nil(err)
      assert.equal(3, #vbs)
      assert.equal("ack me", vbs[3].value)
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      assert.equal("inform", notes[1].type)
      assert.equal(11, notes[1].uptime)
    end)
  end)

  it("retries and returns nil, err on timeout", function()
    td.run(function()
      local hits = 0
      local silent = assert(core.udp_open("udp:127.0.0.1:0", function() hits = hits + 1 end))
      local t0 = mw.now()
      local vbs, err = mw.inform{ peer = "127.0.0.1:" .. silent:port(), community = "public",
        trap_oid = LINKDOWN, timeout = 0.1, retries = 2 }
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
      assert.equal(3, hits)
      assert.is_true(mw.now() - t0 >= 0.29)
      silent:close()
    end)
  end)
end)

describe("moonwalk trap|inform", function()
  it("sends v2c traps, v1 traps and informs with snmptrap's arguments", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local a = "127.0.0.1:" .. rx.port
      local p1 = td.spawn(string.format("%s trap -v 2c -c public %s 321 %s 1.3.6.1.2.1.2.2.1.1.2 i 2 "
        .. "1.3.6.1.2.1.1.5.0 s 'a b' 1.3.6.1.2.1.1.6.0 x '01 02' 1.3.6.1.2.1.1.2.0 o 1.3.6.1.4.1.8072 "
        .. "1.3.6.1.2.1.4.20.1.1.1 a 10.0.0.1 1.3.6.1.2.1.1.3.0 t 5 1.3.6.1.2.1.2.2.1.5.1 u 7 "
        .. "1.3.6.1.2.1.2.2.1.10.1 c 8 1.3.6.1.2.1.31.1.1.1.6.1 C 9", BIN, a, LINKDOWN))
      assert.same({ 0, "", "" }, { p1:wait(10) })
      local p2 = td.spawn(string.format("%s trap -v 1 -c public %s 1.3.6.1.4.1.8072.2.3 10.9.8.7 6 99 55 "
        .. "1.3.6.1.2.1.1.5.0 s v1", BIN, a))
      assert.same({ 0, "", "" }, { p2:wait(10) })
      local p3 = td.spawn(string.format("%s inform -v 2c -c public %s '' %s 1.3.6.1.2.1.1.5.0 s inf", BIN, a, LINKDOWN))
      assert.same({ 0, "", "" }, { p3:wait(10) })
      local p4 = td.spawn(string.format("%s trap -v 2c -Ci -c public %s 1 %s", BIN, a, LINKDOWN))
      assert.same({ 0, "", "" }, { p4:wait(10) })
      assert.is_true(td.wait_until(function() return #notes == 4 end))
      local by = {}
      for _, n in ipairs(notes) do by[#by + 1] = n end
      table.sort(by, function(x, y) return x.time < y.time end)
      local t = by[1]
      assert.equal("trap", t.type)
      assert.equal(321, t.uptime)
      assert.equal(LINKDOWN, t.trap_oid)
      local want = {
        { "1.3.6.1.2.1.2.2.1.1.2", "INTEGER", 2 }, { "1.3.6.1.2.1.1.5.0", "STRING", "a b" },
        { "1.3.6.1.2.1.1.6.0", "STRING", "\1\2" }, { "1.3.6.1.2.1.1.2.0", "OID", "1.3.6.1.4.1.8072" },
        { "1.3.6.1.2.1.4.20.1.1.1", "IpAddress", "10.0.0.1" }, { "1.3.6.1.2.1.1.3.0", "Timeticks", 5 },
        { "1.3.6.1.2.1.2.2.1.5.1", "Gauge32", 7 }, { "1.3.6.1.2.1.2.2.1.10.1", "Counter32", 8 },
        { "1.3.6.1.2.1.31.1.1.1.6.1", "Counter64", 9 },
      }
      assert.equal(2 + #want, #t.varbinds)
      for i, w in ipairs(want) do
        local vb = t.varbinds[i + 2]
        assert.same(w, { vb.oid, vb.type, type(vb.value) == "userdata" and tostring(vb.value) or vb.value })
      end
      local v1 = by[2]
      assert.equal("v1trap", v1.type)
      assert.equal("1.3.6.1.4.1.8072.2.3", v1.enterprise)
      assert.equal("10.9.8.7", v1.agent_addr)
      assert.equal(99, v1.specific)
      assert.equal(55, v1.uptime)
      assert.equal("inform", by[3].type)
      assert.equal("inf", by[3].varbinds[3].value)
      assert.equal("inform", by[4].type)
      assert.equal(1, by[4].uptime)
    end)
  end)

  it("exits 1 with net-snmp's messages on bad input and on an unacknowledged inform", function()
    td.run(function()
      local silent = assert(core.udp_open("udp:127.0.0.1:0", function() end))
      local a = "127.0.0.1:" .. silent:port()
      local rc, out, err = td.spawn(string.format("%s inform -c public -t 0.1 -r 1 %s '' %s", BIN, a, LINKDOWN)):wait(10)
      assert.equal(1, rc)
      assert.equal("", out)
      assert.matches("Timeout", err)
      rc, _, err = td.spawn(string.format("%s trap -v 2c -c public %s '' %s 1.3.6.1.2.1.1.5.0 s", BIN, a, LINKDOWN)):wait(10)
      assert.equal(1, rc)
      assert.matches("1.3.6.1.2.1.1.5.0: Missing type/value for variable", err, 1, true)
      rc, _, err = td.spawn(string.format("%s trap -v 2c -c public %s '' %s 1.3.6.1.2.1.1.5.0 q x", BIN, a, LINKDOWN)):wait(10)
      assert.equal(1, rc)
      assert.matches('Bad variable type ("q")', err, 1, true)
      rc, _, err = td.spawn(string.format("%s inform -v 1 -c public %s '' %s", BIN, a, LINKDOWN)):wait(10)
      assert.equal(1, rc)
      assert.matches("Cannot send INFORM as SNMPv1 PDU", err, 1, true)
      rc, _, err = td.spawn(string.format("%s trap -v 1 -c public %s", BIN, a)):wait(10)
      assert.equal(1, rc)
      assert.matches("No enterprise oid", err, 1, true)
      silent:close()
    end)
  end)
end)

describe("moonwalk trapd", function()
  it("prints JSON lines, answers informs and stops on SIGTERM", function()
    td.run(function()
      local port = core.free_udp_port()
      local p = td.spawn(string.format("%s trapd --listen udp:127.0.0.1:%d -c public --format json", BIN, port))
      local peer = "127.0.0.1:" .. port
      assert.is_true(td.wait_until(function() return select(2, p:output()):find("listening", 1, true) ~= nil end))
      assert(mw.trap{ peer = peer, community = "public", trap_oid = LINKDOWN, uptime = 1,
        varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "json" } } })
      assert(mw.trap{ peer = peer, community = "wrong", trap_oid = LINKDOWN })
      -- the inform's answer comes after the packets before it were read
      local vbs, err = mw.inform{ peer = peer, community = "public", trap_oid = LINKDOWN, uptime = 2, timeout = 1 }
      assert(vbs, err and err.message)
      assert.is_true(td.wait_until(function() local o = p:output() local _, k = o:gsub("\n", "") return k == 2 end))
      p:kill("TERM")
      local rc, out, errout = p:wait(10)
      assert.equal(0, rc)
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = cjson.decode(l) end
      assert.equal(2, #lines)
      assert.equal("trap", lines[1].type)
      assert.equal("json", lines[1].varbinds[3].value)
      assert.equal("inform", lines[2].type)
      assert.matches("received 2 handled 2 dropped 0 auth_failures 1", errout)
    end)
  end)

  it("runs scripts with the receiver as their argument", function()
    td.run(function()
      local dir = td.tmpdir()
      local script = dir .. "/h.lua"
      td.write(script, [[
local rx = ...
local out = assert(io.open(os.getenv("TRAPD_OUT"), "w"))
rx:on("1.3.6.1.6.3.1.1.5.*", function(n)
  out:write(n.source, " ", n.trap_oid, " ", n.varbinds[3].value, "\n")
  out:flush()
end)
rx:on(function(n) error("handler bug") end)
]])
      local port = core.free_udp_port()
      local p = td.spawn(string.format("env TRAPD_OUT=%s/out.txt %s trapd --listen udp:127.0.0.1:%d -c public %s",
        dir, BIN, port, script))
      assert.is_true(td.wait_until(function() return select(2, p:output()):find("listening", 1, true) ~= nil end))
      for i = 1, 3 do
        assert(mw.trap{ peer = "127.0.0.1:" .. port, community = "public", trap_oid = LINKDOWN,
          varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "n" .. i } } })
      end
      assert.is_true(td.wait_until(function()
        local s = td.slurp(dir .. "/out.txt") or ""
        return select(2, s:gsub("\n", "")) == 3
      end))
      p:kill("TERM")
      local rc, out, err = p:wait(10)
      assert.equal(0, rc)
      assert.equal("", out) -- no --format: scripts print what they want
      assert.equal("127.0.0.1 1.3.6.1.6.3.1.1.5.3 n1\n127.0.0.1 1.3.6.1.6.3.1.1.5.3 n2\n127.0.0.1 1.3.6.1.6.3.1.1.5.3 n3\n",
        td.slurp(dir .. "/out.txt"))
      local _, fails = err:gsub("handler bug", "")
      assert.equal(3, fails)
      assert.matches("stack traceback", err)
      os.execute("rm -rf " .. dir)
    end)
  end)

  it("keeps its engine ID and counts boots in --state DIR", function()
    td.run(function()
      local dir = td.tmpdir()
      local function once(extra)
        local port = core.free_udp_port()
        local p = td.spawn(string.format("%s trapd --listen udp:127.0.0.1:%d --state %s %s", BIN, port, dir, extra or ""))
        assert.is_true(td.wait_until(function() return select(2, p:output()):find("listening", 1, true) ~= nil end))
        p:kill("TERM")
        local rc, _, err = p:wait(10)
        assert.equal(0, rc)
        return err:match("engine ID (%x+)"), td.slurp(dir .. "/trapd.state")
      end
      local e1, s1 = once()
      local e2, s2 = once()
      assert.equal(e1, e2)
      assert.matches("engineBoots 1\n", s1, 1, true)
      assert.matches("engineBoots 2\n", s2, 1, true)
      local e3 = once("--engine-id 8000000001020304")
      assert.equal("8000000001020304", e3)
      assert.equal("800000000102030405", (once("--engine-id 0x800000000102030405")))
      os.execute("rm -rf " .. dir)
    end)
  end)

  it("refuses a corrupt --state file, naming the file and the line", function()
    td.run(function()
      local dir = td.tmpdir()
      local f = assert(io.open(dir .. "/trapd.state", "w"))
      f:write("engineID 8000000001020304\nengineBoots many\n")
      f:close()
      local rc, _, err = td.spawn(string.format("%s trapd --listen udp:127.0.0.1:0 --state %s", BIN, dir)):wait(10)
      assert.equal(1, rc)
      assert.equal("moonwalk trapd: corrupt state file " .. dir .. "/trapd.state (line 2): engineBoots is not a number "
        .. "from 0 to 2147483647; correct or remove the file\n", err)
      assert.equal("engineID 8000000001020304\nengineBoots many\n", td.slurp(dir .. "/trapd.state"))
      os.execute("rm -rf " .. dir)
    end)
  end)

  it("refuses bad options", function()
    td.run(function()
      local rc, _, err = td.spawn(BIN .. " trapd --listen udp:127.0.0.1:0 --format xml"):wait(10)
      assert.equal(1, rc)
      assert.matches("--format is text or json", err, 1, true)
      rc, _, err = td.spawn(BIN .. " trapd --listen udp:127.0.0.1:0 --user bob:SHA:short"):wait(10)
      assert.equal(1, rc)
      assert.matches("at least 8 characters", err, 1, true)
      rc, _, err = td.spawn(BIN .. " trapd --listen udp:127.0.0.1:0 --engine-id 80zz"):wait(10)
      assert.equal(1, rc)
      assert.matches("engine_id must be 5 to 32 octets in hex", err, 1, true)
      rc, _, err = td.spawn(BIN .. " trapd --listen nowhere:x"):wait(10)
      assert.equal(1, rc)
      assert.matches("bad listen address", err, 1, true)
    end)
  end)
end)
