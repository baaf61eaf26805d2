-- net-snmp's snmptrap and snmpinform sending to our receiver: every field
-- arrives right, and snmpinform is acknowledged (exits 0). A handler can
-- make a GET against net-snmp's snmpd while traps keep coming.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"
local snmpd = require "snmpd"

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"

local function collect(rx)
  local notes = {}
  rx:on(function(n) notes[#notes + 1] = n end)
  return notes
end

local function vbmap(n)
  local m = {}
  for _, vb in ipairs(n.varbinds) do
    m[vb.oid] = { vb.type, type(vb.value) == "userdata" and tostring(vb.value) or vb.value }
  end
  return m
end

local VARS = "1.3.6.1.2.1.2.2.1.1.2 i 2 1.3.6.1.2.1.1.5.0 s 'edge router' 1.3.6.1.2.1.1.6.0 x 'DE AD BE EF' "
  .. "1.3.6.1.2.1.1.2.0 o 1.3.6.1.4.1.8072.3.2.10 1.3.6.1.2.1.4.20.1.1.1 a 192.0.2.1 "
  .. "1.3.6.1.2.1.2.2.1.5.1 u 1000000000 1.3.6.1.2.1.2.2.1.10.1 c 4294967295 "
  .. "1.3.6.1.2.1.31.1.1.1.6.1 C 18446744073709551615 1.3.6.1.2.1.1.3.0 t 12345"

local function check_vars(m)
  assert.same({ "INTEGER", 2 }, m["1.3.6.1.2.1.2.2.1.1.2"])
  assert.same({ "STRING", "edge router" }, m["1.3.6.1.2.1.1.5.0"])
  assert.same({ "STRING", "\222\173\190\239" }, m["1.3.6.1.2.1.1.6.0"])
  assert.same({ "OID", "1.3.6.1.4.1.8072.3.2.10" }, m["1.3.6.1.2.1.1.2.0"])
  assert.same({ "IpAddress", "192.0.2.1" }, m["1.3.6.1.2.1.4.20.1.1.1"])
  assert.same({ "Gauge32", 1000000000 }, m["1.3.6.1.2.1.2.2.1.5.1"])
  assert.same({ "Counter32", 4294967295 }, m["1.3.6.1.2.1.2.2.1.10.1"])
  assert.same({ "Counter64", -1 }, m["1.3.6.1.2.1.31.1.1.1.6.1"])
end

describe("net-snmp tools -> moonwalk trapd", function()
  it("snmptrap v2c arrives with every field right", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local rc, out, err = td.spawn(string.format("snmptrap -v 2c -c public 127.0.0.1:%d 4242 %s %s",
        rx.port, LINKDOWN, VARS)):wait(10)
      assert.same({ 0, "", "" }, { rc, out, err })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local n = notes[1]
      assert.equal("2c", n.version)
      assert.equal("trap", n.type)
      assert.equal("public", n.community)
      assert.equal("127.0.0.1", n.source)
      assert.equal(4242, n.uptime)
      assert.equal(LINKDOWN, n.trap_oid)
      assert.is_true(math.type(n.request_id) == "integer")
      assert.equal(11, #n.varbinds)
      assert.same({ oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 4242 }, n.varbinds[1])
      assert.equal("1.3.6.1.6.3.1.1.4.1.0", n.varbinds[2].oid)
      check_vars(vbmap(n))
      assert.equal("1.3.6.1.2.1.1.3.0", n.varbinds[11].oid) -- the t varbind, in order
      assert.equal(12345, n.varbinds[11].value)
    end)
  end)

  it("snmptrap v1 arrives with every field right, converted to the v2 form", function()
    td.with_rx({ community = "v1comm" }, function(rx)
      local notes = collect(rx)
      local rc, out, err = td.spawn(string.format("snmptrap -v 1 -c v1comm 127.0.0.1:%d 1.3.6.1.4.1.8072.2.3 "
        .. "198.51.100.7 6 17 999 %s", rx.port, VARS)):wait(10)
      assert.same({ 0, "", "" }, { rc, out, err })
      rc = td.spawn(string.format("snmptrap -v 1 -c v1comm 127.0.0.1:%d '' 198.51.100.7 3 0 '' ", rx.port)):wait(10)
      assert.equal(0, rc)
      assert.is_true(td.wait_until(function() return #notes == 2 end))
      local n = notes[1]
      assert.equal("1", n.version)
      assert.equal("v1trap", n.type)
      assert.equal("v1comm", n.community)
      assert.equal("1.3.6.1.4.1.8072.2.3", n.enterprise)
      assert.equal("198.51.100.7", n.agent_addr)
      assert.equal(6, n.generic)
      assert.equal(17, n.specific)
      assert.equal(999, n.uptime)
      assert.equal("1.3.6.1.4.1.8072.2.3.0.17", n.trap_oid)
      local m = vbmap(n)
      check_vars(m)
      assert.same({ "IpAddress", "198.51.100.7" }, m["1.3.6.1.6.3.18.1.3.0"])
      assert.same({ "STRING", "v1comm" }, m["1.3.6.1.6.3.18.1.4.0"])
      assert.same({ "OID", "1.3.6.1.4.1.8072.2.3" }, m["1.3.6.1.6.3.1.1.4.3.0"])
      -- linkUp (3) with snmptrap's defaults: enterprise .1.3.6.1.4.1.3.1.1, host uptime
      local u = notes[2]
      assert.equal(3, u.generic)
      assert.equal("1.3.6.1.6.3.1.1.5.4", u.trap_oid)
      assert.equal("1.3.6.1.4.1.3.1.1", u.enterprise)
      assert.is_true(u.uptime > 0)
    end)
  end)

  it("snmpinform v2c is acknowledged: it exits 0 and the inform arrives", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local rc, out, err = td.spawn(string.format("snmpinform -v 2c -c public -t 2 -r 0 127.0.0.1:%d 77 %s %s",
        rx.port, LINKDOWN, VARS)):wait(10)
      assert.same({ 0, "", "" }, { rc, out, err })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local n = notes[1]
      assert.equal("inform", n.type)
      assert.equal("2c", n.version)
      assert.equal(77, n.uptime)
      assert.equal(LINKDOWN, n.trap_oid)
      check_vars(vbmap(n))
      assert.equal(1, rx:stats().informs_answered)
    end)
  end)

  it("snmpinform with a wrong community times out (exit 1) and is counted", function()
    td.with_rx({ community = "public" }, function(rx)
      local rc, _, err = td.spawn(string.format("snmpinform -v 2c -c nope -t 0.2 -r 1 127.0.0.1:%d '' %s",
        rx.port, LINKDOWN)):wait(10)
      assert.equal(1, rc)
      assert.matches("Timeout", err)
      assert.equal(2, rx:stats().bad_community)
      assert.equal(0, rx:stats().received)
    end)
  end)

  it("snmptrap over IPv6 arrives", function()
    local p6 = core.free_udp_port()
    td.with_rx({ community = "public", listen = "udp6:[::1]:" .. p6 }, function(rx)
      local notes = collect(rx)
      local rc = td.spawn(string.format("snmptrap -v 2c -c public udp6:[::1]:%d 1 %s", p6, LINKDOWN)):wait(10)
      assert.equal(0, rc)
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      assert.equal("::1", notes[1].source)
      assert.equal("udp6", notes[1].transport)
    end)
  end)
end)

describe("trapd handler making requests", function()
  local agent
  setup(function() agent = snmpd.start{ extra = { "sysName trapd-peer" } } end)
  teardown(function() if agent then agent:cleanup() end end)

  it("a handler can GET from the device while other traps are handled", function()
    td.with_rx({ community = "public" }, function(rx)
      local dev = mw.session{ peer = agent.agent, version = "2c", community = "public" }
      local names, others = {}, 0
      rx:on(LINKDOWN, function(n)
        local vbs, err = dev:get{ "1.3.6.1.2.1.1.5.0" }
        assert(vbs, err and err.message)
        names[#names + 1] = n.source .. " " .. vbs[1].value
      end)
      rx:on("1.3.6.1.6.3.1.1.5.4", function() others = others + 1 end)
      local p1 = td.spawn(string.format("snmptrap -v 2c -c public 127.0.0.1:%d '' %s", rx.port, LINKDOWN))
      local p2 = td.spawn(string.format("snmptrap -v 2c -c public 127.0.0.1:%d '' 1.3.6.1.6.3.1.1.5.4", rx.port))
      assert.equal(0, p1:wait(10))
      assert.equal(0, p2:wait(10))
      assert.is_true(td.wait_until(function() return #names == 1 and others == 1 end))
      assert.same({ "127.0.0.1 trapd-peer" }, names)
    end)
  end)
end)
