-- RFC 3584 3.2: SNMPv2 notification parameters -> SNMPv1 trap fields
-- (lua/moonwalk/v1trap.lua), one case per rule, and the two users of the
-- mapping (mw.trap and agent:notify) sending the same v1 trap for the
-- same notification (decoded from the datagrams sent).
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"
local v1trap = require "moonwalk.v1trap"

local SNMPTRAPS = "1.3.6.1.6.3.1.1.5"
local TRAPENT0 = "1.3.6.1.6.3.1.1.4.3.0"
local LOCAL = core.local_ipv4() or "0.0.0.0"

local function map(oid, vbs, opts)
  return v1trap.from_v2(oid, vbs, opts or { agent_addr = "192.0.2.1", uptime = 55 })
end

describe("RFC 3584 3.2 mapping", function()
  it("generic traps 0-5: snmpTraps.1 (coldStart) to snmpTraps.6 (egpNeighborLoss)", function()
    local names = { "coldStart", "warmStart", "linkDown", "linkUp", "authenticationFailure", "egpNeighborLoss" }
    for i = 1, 6 do
      assert.same({ enterprise = SNMPTRAPS, agent_addr = "192.0.2.1", generic_trap = i - 1, specific_trap = 0,
        timestamp = 55 }, map(SNMPTRAPS .. "." .. i), names[i])
    end
  end)

  it("a standard trap takes its enterprise from snmpTrapEnterprise.0 when present", function()
    assert.equal("1.3.6.1.4.1.4", map(SNMPTRAPS .. ".5", { { TRAPENT0, "o", "1.3.6.1.4.1.4" } }).enterprise)
    local v1 = map(SNMPTRAPS .. ".3", { { "1.3.6.1.2.1.2.2.1.1.3", "i", 3 },
      { oid = TRAPENT0, type = "OID", value = "1.3.6.1.4.1.8072" } })
    assert.same({ "1.3.6.1.4.1.8072", 2, 0 }, { v1.enterprise, v1.generic_trap, v1.specific_trap })
    assert.equal("1.3.6.1.4.1.8072.3", map(SNMPTRAPS .. ".1", { { TRAPENT0, mw.ObjectIdentifier("1.3.6.1.4.1.8072.3") } }).enterprise)
  end)

  it("enterprise-specific with .0. before the last arc: enterprise without both", function()
    assert.same({ enterprise = "1.3.6.1.4.1.9", agent_addr = "192.0.2.1", generic_trap = 6, specific_trap = 3,
      timestamp = 55 }, map("1.3.6.1.4.1.9.0.3"))
    assert.equal("1.3.6.1.4.1.8072.2.3", map("1.3.6.1.4.1.8072.2.3.0.17").enterprise)
  end)

  it("enterprise-specific without .0.: enterprise without the last arc", function()
    local v1 = map("1.3.6.1.4.1.9.9.41.2.7")
    assert.same({ "1.3.6.1.4.1.9.9.41.2", 6, 7 }, { v1.enterprise, v1.generic_trap, v1.specific_trap })
  end)

  it("enterprise-specific ignores snmpTrapEnterprise.0", function()
    assert.equal("1.3.6.1.4.1.9", map("1.3.6.1.4.1.9.0.3", { { TRAPENT0, "o", "1.3.6.1.4.1.4" } }).enterprise)
  end)

  it("snmpTraps.N beyond 6, or longer under snmpTraps, is not a standard trap", function()
    local v1 = map(SNMPTRAPS .. ".7")
    assert.same({ SNMPTRAPS, 6, 7 }, { v1.enterprise, v1.generic_trap, v1.specific_trap })
    v1 = map(SNMPTRAPS .. ".1.0.2")
    assert.same({ SNMPTRAPS .. ".1", 6, 2 }, { v1.enterprise, v1.generic_trap, v1.specific_trap })
  end)

  it("agent-addr: the given address, else this host's IPv4 address; time-stamp: the uptime", function()
    assert.equal("192.0.2.1", map("1.3.6.1.4.1.9.0.3").agent_addr)
    local v1 = v1trap.from_v2("1.3.6.1.4.1.9.0.3", {})
    assert.equal(LOCAL, v1.agent_addr)
    assert.equal(0, v1.timestamp)
    assert.equal(LOCAL, v1trap.from_v2("1.3.6.1.4.1.9.0.3", {}, { agent_addr = "" }).agent_addr)
  end)

  it("a Counter64 varbind cannot go into an SNMPv1 trap", function()
    for _, vb in ipairs { { "1.3.6.1.2.1.31.1.1.1.6.1", "C", 5 }, { oid = "1.3.6.1.2.1.31.1.1.1.6.1", type = "Counter64", value = 5 },
                          { "1.3.6.1.2.1.31.1.1.1.6.1", mw.Counter64(5) } } do
      local v1, err = map(SNMPTRAPS .. ".3", { { "1.3.6.1.2.1.1.5.0", "s", "x" }, vb })
      assert.is_nil(v1)
      assert.matches("varbind 2 is a Counter64", err, 1, true)
    end
  end)
end)

-- What a plain UDP socket receives while fn(peer) sends, decoded.
local function capture(n, fn)
  local got = {}
  td.run(function()
    local s = assert(core.udp_open("udp:127.0.0.1:0", function(data) got[#got + 1] = data end))
    fn("127.0.0.1:" .. s:port())
    assert.is_true(td.wait_until(function() return #got >= n end))
    s:close()
  end)
  for i, d in ipairs(got) do got[i] = assert(mw.decode(d)) end
  return got
end

local function fields(m)
  local p = m.pdu
  local vbs = {}
  for i, vb in ipairs(p.varbinds) do vbs[i] = vb.oid .. "=" .. tostring(vb.value) end
  return { p.type, p.enterprise, p.agent_addr, p.generic_trap, p.specific_trap, vbs }
end

describe("RFC 3584 3.2 mapping, as sent", function()
  local VBS = { { oid = "1.3.6.1.2.1.2.2.1.1.3", type = "INTEGER", value = 3 },
                { oid = TRAPENT0, type = "OID", value = "1.3.6.1.4.1.4" } }

  it("mw.trap and agent:notify send the same v1 trap for the same notification, varbinds as given", function()
    for _, oid in ipairs { SNMPTRAPS .. ".3", "1.3.6.1.4.1.8072.2.3.0.17", "1.3.6.1.4.1.9.9.41.2.7" } do
      local from_trap = capture(1, function(peer)
        assert(mw.trap { peer = peer, version = "1", community = "public", trap_oid = oid, uptime = 9, varbinds = VBS })
      end)[1]
      local a
      local from_agent = capture(1, function(peer)
        a = mw.agent { listen = "udp:127.0.0.1:0", communities = "public",
                       notify = { { peer = peer, version = "1", community = "public" } } }
        a:notify(oid, VBS)
      end)[1]
      a:close()
      local want = map(oid, VBS, {})
      assert.same({ "v1trap", want.enterprise, want.agent_addr, want.generic_trap, want.specific_trap,
        { "1.3.6.1.2.1.2.2.1.1.3=3", TRAPENT0 .. "=1.3.6.1.4.1.4" } }, fields(from_trap))
      assert.same(fields(from_trap), fields(from_agent))
    end
  end)

  it("agent:notify to a v1 destination with a Counter64 varbind sends nothing and says why", function()
    local tasks
    td.run(function()
      local a = mw.agent { listen = "udp:127.0.0.1:0", communities = "public",
                           notify = { { peer = "127.0.0.1:9", version = "1", community = "public" } } }
      tasks = a:notify(SNMPTRAPS .. ".3", { { "1.3.6.1.2.1.31.1.1.1.6.1", "C", 5 } })
      local res = mw.wait_all(tasks)[1]
      local sent = a:stats().snmpOutTraps
      a:close()
      assert.is_true(res[1]) -- the task ran, and its result is nil, err
      assert.is_nil(res[2])
      assert.matches("Counter64", tostring(res[3]), 1, true)
      assert.equal(0, sent)
    end)
  end)
end)
