-- Lua handlers on the receiver: filters, order, defaults, tasks that wait,
-- handlers that raise, and the text/JSON output.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"
local cjson = require "cjson"

local function v2trap(trap_oid, opts)
  opts = opts or {}
  local vbs = {
    { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = opts.uptime or 100 },
    { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = trap_oid },
  }
  for _, vb in ipairs(opts.varbinds or {}) do vbs[#vbs + 1] = vb end
  return assert(mw.encode{ version = 1, community = opts.community or "public",
    pdu = { type = opts.type or "trap", request_id = opts.request_id or 1, varbinds = vbs } })
end

local function sender(family)
  local s = {}
  if family == 6 then
    s.sock = assert(core.udp_open("udp6:[::1]:0", function() end))
  else
    s.sock = assert(core.udp_open("udp:127.0.0.1:0", function() end))
  end
  function s:send(rx, data, addr)
    assert(self.sock:send(addr or ("udp:127.0.0.1:" .. rx.port), data))
  end
  return s
end

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local LINKUP = "1.3.6.1.6.3.1.1.5.4"
local ENT = "1.3.6.1.4.1.8072.9999.1"

describe("trapd handlers", function()
  it("filters pick the right handlers, in registration order", function()
    td.with_rx({ community = { "public", "ops" } }, function(rx)
      local seen = {}
      local function rec(name) return function(n) seen[#seen + 1] = name .. ":" .. n.request_id end end
      rx:on(LINKDOWN, rec("exact"))
      rx:on("1.3.6.1.4.1.8072.*", rec("subtree"))
      rx:on({ oid = "1.3.6.1.6.3.1.1.5", subtree = true, community = "ops" }, rec("snmpTraps+ops"))
      rx:on({ source = "::1" }, rec("v6"))
      rx:on({ source = "127.0.0.0/8", type = "inform" }, rec("local-inform"))
      rx:on(function(n) return n.uptime == 777 end, rec("func"))
      rx:default(rec("default"))
      local s, s6 = sender(), sender(6)
      s:send(rx, v2trap(LINKDOWN, { request_id = 1 }))                       -- exact
      s:send(rx, v2trap(ENT, { request_id = 2 }))                            -- subtree
      s:send(rx, v2trap(LINKUP, { request_id = 3, community = "ops" }))      -- snmpTraps+ops
      s:send(rx, v2trap(LINKUP, { request_id = 4 }))                         -- default
      s:send(rx, v2trap(LINKDOWN, { request_id = 5, type = "inform", community = "ops" }))
      s:send(rx, v2trap("1.3.6.1.4.1.9.9", { request_id = 6, uptime = 777 })) -- func
      assert.is_true(td.wait_until(function() return rx:stats().handled == 6 end))
      assert.is_true(td.wait_until(function() return #seen == 8 end))
      assert.same({ "exact:1", "subtree:2", "snmpTraps+ops:3", "default:4",
                    "exact:5", "snmpTraps+ops:5", "local-inform:5", "func:6" }, seen)
      s.sock:close()
      s6.sock:close()
    end)
  end)

  it("runs every matching handler in the order they were registered", function()
    td.with_rx({ community = "public" }, function(rx)
      local order = {}
      rx:on(function() order[#order + 1] = "all-1" end)
      rx:on(LINKDOWN, function() order[#order + 1] = "exact" end)
      rx:on("1.3.6.1.6.3.1.1.5.*", function() order[#order + 1] = "subtree" end)
      local h = rx:on(function() order[#order + 1] = "removed" end)
      rx:on(function() order[#order + 1] = "all-2" end)
      rx:default(function() order[#order + 1] = "default" end)
      h:remove()
      local s = sender()
      s:send(rx, v2trap(LINKDOWN))
      assert.is_true(td.wait_until(function() return #order == 4 end))
      assert.same({ "all-1", "exact", "subtree", "all-2" }, order)
      s.sock:close()
    end)
  end)

  it("matches by source address", function()
    local p6 = core.free_udp_port()
    td.with_rx({ community = "public", listen = { "udp:127.0.0.1:0", "udp6:[::1]:" .. p6 } }, function(rx)
      local v4, v6, net = 0, 0, 0
      rx:on({ source = "127.0.0.1" }, function() v4 = v4 + 1 end)
      rx:on({ source = { "::1", "10.9.9.9" } }, function() v6 = v6 + 1 end)
      rx:on({ source = "10.0.0.0/8" }, function() net = net + 1 end)
      local s, s6 = sender(), sender(6)
      s:send(rx, v2trap(LINKDOWN))
      s6:send(rx, v2trap(LINKDOWN), "udp6:[::1]:" .. p6)
      s6:send(rx, v2trap(LINKDOWN), "udp6:[::1]:" .. p6)
      assert.is_true(td.wait_until(function() return v4 == 1 and v6 == 2 end))
      assert.equal(0, net)
      s.sock:close()
      s6.sock:close()
    end)
  end)

  it("accepts OIDs with a leading dot and OID objects as filters", function()
    td.with_rx({ community = "public" }, function(rx)
      local a, b = 0, 0
      rx:on("." .. LINKDOWN, function() a = a + 1 end)
      rx:on(core.oid(LINKUP), function() b = b + 1 end)
      local s = sender()
      s:send(rx, v2trap(LINKDOWN))
      s:send(rx, v2trap(LINKUP))
      assert.is_true(td.wait_until(function() return a == 1 and b == 1 end))
      s.sock:close()
    end)
  end)

  it("a raising handler is logged with its traceback and the receiver carries on", function()
    local lines = {}
    local old = mw.log.set_sink(function(level, line) lines[#lines + 1] = { level = level, line = line } end)
    local ok, err = pcall(td.with_rx, { community = "public" }, function(rx)
      local after = 0
      local function deep_failure(n) error("boom on " .. n.request_id) end
      rx:on(LINKDOWN, function(n) deep_failure(n) end)
      rx:on(LINKDOWN, function() after = after + 1 end)
      rx:on(LINKUP, function() after = after + 1 end)
      local s = sender()
      s:send(rx, v2trap(LINKDOWN, { request_id = 9 }))
      s:send(rx, v2trap(LINKUP, { request_id = 10 }))
      s:send(rx, v2trap(LINKDOWN, { request_id = 11 }))
      assert.is_true(td.wait_until(function() return after == 3 end))
      local st = rx:stats()
      assert.equal(2, st.handler_errors)
      assert.equal(3, st.handled)
      s.sock:close()
    end)
    mw.log.set_sink(old)
    assert(ok, err)
    local errors = {}
    for _, l in ipairs(lines) do if l.level == "error" then errors[#errors + 1] = l.line end end
    assert.equal(2, #errors)
    assert.matches("trapd: handler .*trapd_handlers_spec.lua:%d+ failed: .*boom on 9", errors[1])
    assert.matches("stack traceback:", errors[1])
    assert.matches("deep_failure", errors[1])
    assert.matches("boom on 11", errors[2])
  end)

  it("runs handlers as tasks: one that waits does not hold up the others", function()
    td.with_rx({ community = "public" }, function(rx)
      local log = {}
      rx:on(LINKDOWN, function(n)
        log[#log + 1] = "slow start"
        mw.sleep(0.3)
        log[#log + 1] = "slow end"
      end)
      rx:on(LINKUP, function() log[#log + 1] = "fast" end)
      local s = sender()
      s:send(rx, v2trap(LINKDOWN))
      assert.is_true(td.wait_until(function() return #log == 1 end))
      s:send(rx, v2trap(LINKUP))
      s:send(rx, v2trap(LINKUP))
      assert.is_true(td.wait_until(function() return #log == 3 end))
      -- both fast ones ran while the slow one still slept: "slow end" comes
      -- after them (the order shows it; a wall-clock bound would be a
      -- timing assertion on a shared machine)
      assert.same({ "slow start", "fast", "fast" }, log)
      assert.is_true(td.wait_until(function() return #log == 4 end))
      assert.equal("slow end", log[4])
      s.sock:close()
    end)
  end)

  it("a handler is a task: it can spawn tasks and wait for them", function()
    td.with_rx({ community = "public" }, function(rx)
      local got
      rx:on(function(n)
        local t = mw.spawn(function(x) mw.sleep(0.01) return x * 2 end, n.request_id)
        local ok, v = t:wait()
        assert(ok)
        got = v
      end)
      local s = sender()
      s:send(rx, v2trap(LINKDOWN, { request_id = 21 }))
      assert.is_true(td.wait_until(function() return got ~= nil end))
      assert.equal(42, got)
      s.sock:close()
    end)
  end)

  it("keeps at most max_tasks handlers running", function()
    td.with_rx({ community = "public", max_tasks = 3 }, function(rx)
      local running, peak, done = 0, 0, 0
      rx:on(function()
        running = running + 1
        if running > peak then peak = running end
        mw.sleep(0.02)
        running = running - 1
        done = done + 1
      end)
      local s = sender()
      for i = 1, 12 do s:send(rx, v2trap(LINKDOWN, { request_id = i })) end
      assert.is_true(td.wait_until(function() return done == 12 end))
      assert.equal(3, peak)
      assert.equal(0, rx:stats().dropped)
      s.sock:close()
    end)
  end)
end)

describe("trapd output", function()
  local function with_output(format, flags, fn)
    local path = os.tmpname()
    local f = assert(io.open(path, "w"))
    td.with_rx({ community = "public", format = format, flags = flags, output = f }, function(rx)
      fn(rx, function()
        f:flush()
        local r = assert(io.open(path))
        local s = r:read("a")
        r:close()
        return s
      end)
    end)
    f:close()
    os.remove(path)
  end

  it("prints one readable line per notification", function()
    with_output("text", "n", function(rx, read)
      local s = sender()
      s:send(rx, v2trap(LINKDOWN, { request_id = 42, uptime = 123456, varbinds = {
        { oid = "1.3.6.1.2.1.2.2.1.1.3", type = "INTEGER", value = 3 },
        { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "two\nlines" },
        { oid = "1.3.6.1.2.1.1.6.0", type = "STRING", value = string.rep("\255", 20) } } }))
      s:send(rx, assert(mw.encode{ version = 0, community = "public", pdu = { type = "v1trap",
        enterprise = "1.3.6.1.4.1.8072.2.3", agent_addr = "10.0.0.7", generic_trap = 6,
        specific_trap = 5, timestamp = 99, varbinds = {} } }))
      assert.is_true(td.wait_until(function() local _, k = read():gsub("\n", "") return k == 2 end))
      local out = read()
      local l1, l2 = out:match("^([^\n]*)\n([^\n]*)\n$")
      assert.matches("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d:%d%d 127%.0%.0%.1:%d+ v2c community=public trap "
        .. "%.1%.3%.6%.1%.6%.3%.1%.1%.5%.3 uptime=0:20:34%.56 request_id=42:\t"
        .. "%.1%.3%.6%.1%.2%.1%.2%.2%.1%.1%.3 = INTEGER: 3\t%.1%.3%.6%.1%.2%.1%.1%.5%.0 = STRING: \"two lines\"\t"
        .. "%.1%.3%.6%.1%.2%.1%.1%.6%.0 = Hex%-STRING: FF FF", l1)
      assert.matches(" v1 community=public v1trap %.1%.3%.6%.1%.4%.1%.8072%.2%.3%.0%.5 uptime=0:00:00%.99 "
        .. "enterprise=%.1%.3%.6%.1%.4%.1%.8072%.2%.3 agent=10%.0%.0%.7 generic=6 specific=5:", l2)
      s.sock:close()
    end)
  end)

  it("prints one JSON object per line with --format json", function()
    with_output("json", nil, function(rx, read)
      local s = sender()
      s:send(rx, v2trap(LINKDOWN, { request_id = 42, uptime = 5, type = "inform", varbinds = {
        { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "héllo" },
        { oid = "1.3.6.1.2.1.1.6.0", type = "STRING", value = "\1\2\255" },
        { oid = "1.3.6.1.2.1.31.1.1.1.6.3", type = "Counter64", value = "18446744073709551615" },
        { oid = "1.3.6.1.2.1.4.20.1.1.10.0.0.1", type = "IpAddress", value = "10.0.0.1" } } }))
      s:send(rx, assert(mw.encode{ version = 0, community = "public", pdu = { type = "v1trap",
        enterprise = "1.3.6.1.4.1.8072.2.3", agent_addr = "10.0.0.7", generic_trap = 3,
        specific_trap = 0, timestamp = 99, varbinds = {} } }))
      assert.is_true(td.wait_until(function() local _, k = read():gsub("\n", "") return k == 2 end))
      local lines = {}
      for l in read():gmatch("[^\n]+") do lines[#lines + 1] = cjson.decode(l) end
      local j = lines[1]
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%dZ$", j.time)
      assert.equal("127.0.0.1", j.source)
      assert.equal(s.sock:port(), j.port)
      assert.equal("2c", j.version)
      assert.equal("public", j.community)
      assert.equal("inform", j.type)
      assert.equal(42, j.request_id)
      assert.equal(LINKDOWN, j.trap_oid)
      assert.equal(5, j.uptime)
      assert.equal(6, #j.varbinds)
      assert.same({ oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 5 }, j.varbinds[1])
      assert.same({ oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = LINKDOWN }, j.varbinds[2])
      assert.same({ oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "héllo" }, j.varbinds[3])
      assert.same({ oid = "1.3.6.1.2.1.1.6.0", type = "STRING", value = "01 02 FF", encoding = "hex" }, j.varbinds[4])
      assert.same({ oid = "1.3.6.1.2.1.31.1.1.1.6.3", type = "Counter64", value = "18446744073709551615" }, j.varbinds[5])
      assert.equal("10.0.0.1", j.varbinds[6].value)
      local v1 = lines[2]
      assert.equal("v1trap", v1.type)
      assert.equal("1", v1.version)
      assert.equal("1.3.6.1.4.1.8072.2.3", v1.enterprise)
      assert.equal("10.0.0.7", v1.agent_addr)
      assert.equal(3, v1.generic)
      assert.equal(0, v1.specific)
      assert.equal("1.3.6.1.6.3.1.1.5.4", v1.trap_oid)
      assert.equal(99, v1.uptime)
      assert.is_nil(v1.request_id)
      s.sock:close()
    end)
  end)
end)
