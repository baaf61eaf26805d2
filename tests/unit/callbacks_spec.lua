-- Every call from C into Lua goes through one helper (src/lua/l_call.c): a
-- callback that raises is logged through mw.log with its traceback, naming
-- what was called and where the function is defined, and the loop carries
-- on. One test per kind of call: UDP receive, HTTP handler, the receiver's
-- ready callback, agent getter and setter, signal handlers, tasks.
local mw = require "moonwalk"
local core = require "moonwalk.core"

local ENT = "1.3.6.1.4.1.99999.77"

local function capture_logs()
  local lines = {}
  local old = mw.log.set_sink(function(level, line) lines[#lines + 1] = { level = level, line = line } end)
  return lines, function() mw.log.set_sink(old) end
end

local function errors(lines)
  local out = {}
  for _, l in ipairs(lines) do if l.level == "error" then out[#out + 1] = l.line end end
  return out
end

-- Runs the loop until pred() holds (or a generous bound passes).
local function wait_until(pred)
  mw.run(function()
    local t0 = mw.now()
    while not pred() and mw.now() - t0 < 10 do mw.sleep(0.005) end
  end)
  return pred()
end

local function v2trap(request_id)
  return assert(mw.encode { version = 1, community = "public", pdu = { type = "trap", request_id = request_id,
    varbinds = { { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 1 },
                 { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = "1.3.6.1.6.3.1.1.5.3" } } } })
end

describe("a callback from C that raises", function()
  setup(function() core.engine_init() end)

  it("UDP receive: logged with its traceback naming the function; the next datagram is handled", function()
    local lines, restore = capture_logs()
    local got = {}
    local function explode_on_udp(data) error("udp boom: " .. data) end
    local rx = assert(core.udp_open("udp:127.0.0.1:0", function(data)
      got[#got + 1] = data
      if data == "first" then explode_on_udp(data) end
    end))
    local tx = assert(core.udp_open("udp:127.0.0.1:0", function() end))
    local addr = "udp:127.0.0.1:" .. rx:port()
    assert(tx:send(addr, "first"))
    assert(tx:send(addr, "second"))
    local ok = wait_until(function() return #got == 2 end)
    restore()
    rx:close()
    tx:close()
    assert.is_true(ok)
    local errs = errors(lines)
    assert.equal(1, #errs)
    assert.matches("udp handler [^ ]*callbacks_spec.lua:%d+ failed: [^\n]*udp boom: first", errs[1])
    assert.matches("stack traceback:", errs[1], 1, true)
    assert.matches("explode_on_udp", errs[1], 1, true)
  end)

  it("UDP receive: a handler that never ends is stopped by the instruction budget, then the next is handled", function()
    local lines, restore = capture_logs()
    local got = {}
    local old = core.budget(2000000)
    -- far past the budget, but bounded, so that without the watchdog the
    -- test fails instead of hanging
    local function spin_forever() for _ = 1, 300000000 do end end
    local rx = assert(core.udp_open("udp:127.0.0.1:0", function(data)
      if data == "spin" then spin_forever() end
      got[#got + 1] = data
    end))
    local tx = assert(core.udp_open("udp:127.0.0.1:0", function() end))
    local addr = "udp:127.0.0.1:" .. rx:port()
    assert(tx:send(addr, "spin"))
    assert(tx:send(addr, "after"))
    local ok = wait_until(function() return #got == 1 end)
    core.budget(old)
    restore()
    rx:close()
    tx:close()
    assert.is_true(ok)
    assert.same({ "after" }, got)
    local errs = errors(lines)
    assert.equal(1, #errs)
    assert.matches("udp handler [^ ]*callbacks_spec.lua:%d+ failed: [^\n]*instruction budget exceeded", errs[1])
    assert.matches("spin_forever", errs[1], 1, true)
    -- the main thread carries no hook afterwards
    assert.is_nil(debug.gethook())
  end)

  it("HTTP handler: answered 500, logged with its traceback; the next request is answered", function()
    local lines, restore = capture_logs()
    local function explode_in_http(path) error("http boom at " .. path) end
    local srv = assert(core.http_listen("127.0.0.1", 0, function(_, path)
      if path == "/bad" then explode_in_http(path) end
      return 200, "text/plain", "fine\n"
    end))
    local base = "http://127.0.0.1:" .. srv:port()
    local r = mw.run(function()
      local s1, b1 = core.http_request { url = base .. "/bad", timeout = 5 }
      local s2, b2 = core.http_request { url = base .. "/good", timeout = 5 }
      return { s1, b1, s2, b2 }
    end)
    restore()
    srv:close()
    assert.same({ 500, "internal error\n", 200, "fine\n" }, r)
    local errs = errors(lines)
    assert.equal(1, #errs)
    assert.matches("http handler [^ ]*callbacks_spec.lua:%d+ failed: [^\n]*http boom at /bad", errs[1])
    assert.matches("stack traceback:", errs[1], 1, true)
    assert.matches("explode_in_http", errs[1], 1, true)
  end)

  it("the receiver's ready callback: logged with its traceback; later notifications still arrive", function()
    local lines, restore = capture_logs()
    core.engine_init()
    local c = core.receiver()
    c:community("public")
    assert(c:listen("udp:127.0.0.1:0"))
    local port = select(2, c:local_addr(1))
    local popped, calls = {}, 0
    local function explode_when_ready() error("ready boom") end
    c:on_ready(function()
      calls = calls + 1
      local n = c:pop()
      while n do popped[#popped + 1] = n.request_id; n = c:pop() end
      if calls == 1 then explode_when_ready() end
    end)
    local tx = assert(core.udp_open("udp:127.0.0.1:0", function() end))
    assert(tx:send("udp:127.0.0.1:" .. port, v2trap(41)))
    local ok1 = wait_until(function() return #popped == 1 end)
    assert(tx:send("udp:127.0.0.1:" .. port, v2trap(42)))
    local ok2 = wait_until(function() return #popped == 2 end)
    restore()
    tx:close()
    c:close()
    assert.is_true(ok1 and ok2)
    assert.same({ 41, 42 }, popped)
    local errs = errors(lines)
    assert.equal(1, #errs)
    assert.matches("receiver [^ ]*callbacks_spec.lua:%d+ failed: [^\n]*ready boom", errs[1])
    assert.matches("stack traceback:", errs[1], 1, true)
    assert.matches("explode_when_ready", errs[1], 1, true)
  end)

  it("agent getter and setter: genErr, logged with the traceback and where the function is; the agent answers on", function()
    local lines, restore = capture_logs()
    local port = core.free_udp_port("v4")
    local a = assert(mw.agent { listen = "udp:127.0.0.1:" .. port, communities = { public = "ro", private = "rw" } })
    local function sensor_read() error("sensor unplugged") end
    local function actuator_write(v) error("actuator jammed at " .. v) end
    a:scalar { oid = ENT .. ".1", type = "INTEGER", get = function() return sensor_read() + 1 end }
    a:scalar { oid = ENT .. ".2", type = "INTEGER", access = "rw", get = function() return 1 end,
      set = function(v) actuator_write(v) end }
    a:scalar { oid = ENT .. ".3", type = "INTEGER", get = function() return 3 end }
    local r = mw.run(function()
      local ro = mw.session { peer = "127.0.0.1:" .. port, version = "2c", community = "public", timeout = 2, retries = 1 }
      local rw = mw.session { peer = "127.0.0.1:" .. port, version = "2c", community = "private", timeout = 2, retries = 1 }
      local _, e1 = ro:get { ENT .. ".1.0" }
      local _, e2 = rw:set { { ENT .. ".2.0", "i", 5 } }
      local ok = ro:get { ENT .. ".3.0" }
      ro:close()
      rw:close()
      return { e1 and e1.status, e2 and e2.status, ok and ok[1].value }
    end)
    restore()
    a:close()
    assert.same({ "genErr", "commitFailed", 3 }, r)
    local errs = errors(lines)
    assert.equal(2, #errs)
    table.sort(errs, function(x, y) return x:find("getter", 1, true) ~= nil and y:find("getter", 1, true) == nil end)
    assert.matches("agent: getter [^ ]*callbacks_spec.lua:%d+ for " .. ENT:gsub("%.", "%%.") .. "%.1 failed "
      .. "%(answered genErr; logged once%): [^\n]*sensor unplugged", errs[1])
    assert.matches("stack traceback:", errs[1], 1, true)
    assert.matches("sensor_read", errs[1], 1, true)
    assert.matches("agent: setter [^ ]*callbacks_spec.lua:%d+ for " .. ENT:gsub("%.", "%%.") .. "%.2 failed", errs[2])
    assert.matches("actuator jammed at 5", errs[2], 1, true)
    assert.matches("actuator_write", errs[2], 1, true)
  end)

  it("signal handler: logged with its traceback; the handler runs again on the next signal", function()
    local lines, restore = capture_logs()
    local SIGUSR1 = 10
    local calls = 0
    local function explode_on_signal() error("signal boom") end
    local h = core.on_signal(SIGUSR1, function()
      calls = calls + 1
      if calls == 1 then explode_on_signal() end
    end)
    mw.run(function()
      os.execute("kill -USR1 " .. core.getpid())
      local t0 = mw.now()
      while calls < 1 and mw.now() - t0 < 10 do mw.sleep(0.005) end
      os.execute("kill -USR1 " .. core.getpid())
      while calls < 2 and mw.now() - t0 < 10 do mw.sleep(0.005) end
    end)
    getmetatable(h).__gc(h)
    restore()
    assert.equal(2, calls)
    local errs = errors(lines)
    assert.equal(1, #errs)
    assert.matches("signal handler [^ ]*callbacks_spec.lua:%d+ failed: [^\n]*signal boom", errs[1])
    assert.matches("explode_on_signal", errs[1], 1, true)
  end)

  it("tasks: a timer's run that raises is logged with its traceback and the timer fires again; an on_end that raises is logged", function()
    local lines, restore = capture_logs()
    local sched = require "moonwalk.sched"
    local runs, ended = 0, false
    local function tick_fails(n) error("tick " .. n .. " failed") end
    mw.run(function()
      local h = mw.every(0.01, function()
        runs = runs + 1
        if runs == 1 then tick_fails(runs) end
      end)
      while runs < 3 do mw.sleep(0.005) end
      h:cancel()
      -- the scheduler's own bookkeeping hook, run when a task resumed from C ends
      local t = sched.spawn(function() mw.sleep(0.01) end)
      t.on_end = function() ended = true; error("on_end boom") end
      t:wait()
      mw.sleep(0.01)
    end)
    restore()
    assert.is_true(runs >= 3)
    assert.is_true(ended)
    local errs = errors(lines)
    assert.equal(2, #errs)
    assert.matches("task [^ ]*callbacks_spec.lua:%d+ failed: [^\n]*tick 1 failed", errs[1])
    assert.matches("stack traceback:", errs[1], 1, true)
    assert.matches("tick_fails", errs[1], 1, true)
    assert.matches("task [^ ]*callbacks_spec.lua:%d+: on_end failed: [^\n]*on_end boom", errs[2])
    assert.matches("stack traceback:", errs[2], 1, true)
  end)
end)
