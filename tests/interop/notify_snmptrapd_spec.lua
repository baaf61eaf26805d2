-- Our originator sending to net-snmp's snmptrapd: traps (v1, v2c) and
-- informs arrive, as snmptrapd's log shows.
local mw = require "moonwalk"
local td = require "snmptrapd"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"

describe("moonwalk -> net-snmp snmptrapd", function()
  local d
  setup(function() d = td.start() end)
  teardown(function() if d then d:cleanup() end end)

  it("moonwalk trap v2c arrives with its varbinds", function()
    local rc, out, err = td.spawn(string.format("%s trap -v 2c -c public %s 4242 %s "
      .. "1.3.6.1.2.1.2.2.1.1.2 i 2 1.3.6.1.2.1.1.5.0 s 'v2c from moonwalk' 1.3.6.1.2.1.1.6.0 x 'DEADBEEF' "
      .. "1.3.6.1.2.1.4.20.1.1.1 a 192.0.2.1 1.3.6.1.2.1.31.1.1.1.6.1 C 18446744073709551615",
      BIN, d.addr, LINKDOWN)):wait(10)
    assert.same({ 0, "", "" }, { rc, out, err })
    local log = d:wait_for("v2c from moonwalk")
    assert(log, d:log())
    local line = log:match("[^\n]*v2c from moonwalk[^\n]*")
    assert.matches("iso.3.6.1.2.1.1.3.0 = Timeticks: (4242) 0:00:42.42\t"
      .. "iso.3.6.1.6.3.1.1.4.1.0 = OID: iso.3.6.1.6.3.1.1.5.3\t"
      .. "iso.3.6.1.2.1.2.2.1.1.2 = INTEGER: 2\t"
      .. "iso.3.6.1.2.1.1.5.0 = STRING: \"v2c from moonwalk\"\t"
      .. "iso.3.6.1.2.1.1.6.0 = Hex-STRING: DE AD BE EF \t"
      .. "iso.3.6.1.2.1.4.20.1.1.1 = IpAddress: 192.0.2.1\t"
      .. "iso.3.6.1.2.1.31.1.1.1.6.1 = Counter64: 18446744073709551615", line, 1, true)
  end)

  it("moonwalk trap v1 arrives with enterprise, agent, generic, specific and uptime", function()
    local rc, out, err = td.spawn(string.format("%s trap -v 1 -c public %s 1.3.6.1.4.1.8072.2.3 198.51.100.7 6 17 1234 "
      .. "1.3.6.1.2.1.1.5.0 s 'v1 from moonwalk'", BIN, d.addr)):wait(10)
    assert.same({ 0, "", "" }, { rc, out, err })
    local log = d:wait_for("v1 from moonwalk")
    assert(log, d:log())
    assert.matches("198.51.100.7 [198.51.100.7] (via UDP: [127.0.0.1]:", log, 1, true)
    assert.matches("TRAP, SNMP v1, community public\n"
      .. "\tiso.3.6.1.4.1.8072.2.3 Enterprise Specific Trap (17) Uptime: 0:00:12.34\n"
      .. "\tiso.3.6.1.2.1.1.5.0 = STRING: \"v1 from moonwalk\"", log, 1, true)
  end)

  it("moonwalk inform is acknowledged by snmptrapd (exit 0)", function()
    local rc, out, err = td.spawn(string.format("%s inform -v 2c -c public %s 99 %s 1.3.6.1.2.1.1.5.0 s 'inform from moonwalk'",
      BIN, d.addr, LINKDOWN)):wait(10)
    assert.same({ 0, "", "" }, { rc, out, err })
    local log = d:wait_for("inform from moonwalk")
    assert(log, d:log())
    assert.matches("iso.3.6.1.2.1.1.3.0 = Timeticks: (99) 0:00:00.99\tiso.3.6.1.6.3.1.1.4.1.0 = OID: iso.3.6.1.6.3.1.1.5.3",
      log, 1, true)
  end)

  it("mw.trap and mw.inform from a script arrive", function()
    td.run(function()
      assert(mw.trap{ peer = d.addr, version = "2c", community = "public", trap_oid = LINKDOWN, uptime = 5,
        varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "mw.trap v2c" } } })
      assert(mw.trap{ peer = d.addr, version = "1", community = "public", trap_oid = "1.3.6.1.4.1.8072.2.3.0.5",
        agent_addr = "10.0.0.9", uptime = 6, varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "mw.trap v1" } } })
      local vbs, err = mw.inform{ peer = d.addr, community = "public", trap_oid = LINKDOWN, uptime = 7,
        varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "mw.inform" } } }
      assert(vbs, err and err.message)
      assert.equal("mw.inform", vbs[3].value)
      assert(d:wait_for("mw.trap v2c"), d:log())
      assert(d:wait_for("mw.inform"), d:log())
      local log = assert(d:wait_for("mw.trap v1"), d:log())
      assert.matches("10.0.0.9 [10.0.0.9] (via UDP: [127.0.0.1]:", log, 1, true)
      assert.matches("\tiso.3.6.1.4.1.8072.2.3 Enterprise Specific Trap (5) Uptime: 0:00:00.06\n", log, 1, true)
    end)
  end)

  it("an inform to a stopped snmptrapd times out", function()
    local gone = td.start()
    gone:cleanup()
    local rc, _, err = td.spawn(string.format("%s inform -c public -t 0.2 -r 1 %s '' %s", BIN, gone.addr, LINKDOWN)):wait(10)
    assert.equal(1, rc)
    assert.matches("Timeout", err)
  end)
end)

-- snmptrapd knows a v3 user under one sending engine ID only
-- (createUser -e): a trap is logged only when it comes from that engine.
describe("moonwalk v3 traps -> net-snmp snmptrapd: each from its local engine", function()
  it("agent:notify from the agent's engine ID, mw.trap from the process's", function()
    local core = require "moonwalk.core"
    local AEID = "80001f8880aabbccdd0102030400000003"
    local PEID = core.tohex(mw.local_engine():id())
    assert.are_not.equal(AEID, PEID)
    local d = td.start { extra = {
      "createUser -e 0x" .. AEID .. " agentuser SHA authpass123 AES privpass123",
      "createUser -e 0x" .. PEID .. " scriptuser SHA authpass123 AES privpass123" } }
    local ok, err = pcall(td.run, function()
      local v3 = { version = "3", level = "authPriv", auth = "SHA", auth_pass = "authpass123", priv = "AES",
                   priv_pass = "privpass123" }
      local function as(user, t) local o = { user = user } for k, v in pairs(v3) do o[k] = v end for k, v in pairs(t or {}) do o[k] = v end return o end
      local a = mw.agent { listen = "udp:127.0.0.1:0", communities = "public", engine_id = AEID,
                           notify = { as("agentuser", { peer = d.addr }) } }
      a:notify(LINKDOWN, { { "1.3.6.1.2.1.1.5.0", "s", "v3 from the agent engine" } })
      assert(mw.trap(as("scriptuser", { peer = d.addr, trap_oid = LINKDOWN,
        varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "v3 from the process engine" } } })))
      -- the agent's user from the process's engine: snmptrapd cannot
      -- authenticate it, and logs nothing
      assert(mw.trap(as("agentuser", { peer = d.addr, trap_oid = LINKDOWN,
        varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "v3 from the wrong engine" } } })))
      assert(d:wait_for("v3 from the agent engine"), d:log())
      assert(d:wait_for("v3 from the process engine"), d:log())
      a:close()
    end)
    local log = d:log()
    d:cleanup()
    assert(ok, err)
    assert.is_nil(log:find("v3 from the wrong engine", 1, true), log)
  end)
end)
