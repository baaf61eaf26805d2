-- One script host for `moonwalk run`, `moonwalk agent SCRIPT` and
-- `moonwalk trapd SCRIPT`: the allow-listed environment, the instruction
-- budget, the memory limit (--max-memory), SIGTERM within --grace whatever
-- a task does, and no leak at exit (checked by LeakSanitizer in a
-- SANITIZE=1 run). Peers are net-snmp's snmpget and snmptrap.
local core = require "moonwalk.core"
local support = require "run"
local sh, slurp, write, sleep = support.sh, support.slurp, support.write, support.sleep

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "
-- ASan keeps freed memory in quarantine: RSS says nothing there
local SANITIZED = os.getenv("SANITIZE") == "1" or BIN:find("/asan/", 1, true) ~= nil

local tmp
setup(function() tmp = sh("mktemp -d /tmp/moonwalk-host.XXXXXX"):gsub("%s+$", "") end)
teardown(function() if tmp then os.execute("rm -rf " .. tmp) end end)

-- starts `moonwalk ARGS` in the background: a handle with pid, log(), ...
local function start(args, name)
  local log = tmp .. "/" .. name .. ".log"
  local pid = sh(string.format("cd %s && %s %s %s >%s 2>&1 & echo $!", tmp, ENV, BIN, args, log))
  local h = { pid = tonumber(pid:match("%d+")) }
  function h.log() return slurp(log) end
  function h.signal(sig) os.execute(string.format("kill -%s %d 2>/dev/null", sig, h.pid)) end
  function h.alive() return os.execute(string.format("kill -0 %d 2>/dev/null", h.pid)) == true end
  function h.until_log(pattern, limit)
    -- generous: sanitizer builds on a busy machine are slow
    local deadline = os.time() + (limit or 60)
    while os.time() <= deadline do
      if h.log():find(pattern, 1, true) then return true end
      if not h.alive() then return h.log():find(pattern, 1, true) ~= nil end
      sleep(0.05)
    end
    return false
  end
  -- waits for the exit (KILL after limit): true, or nil if it had to be killed
  function h.wait(limit)
    local deadline = os.time() + (limit or 20)
    while h.alive() and os.time() <= deadline do sleep(0.05) end
    if h.alive() then h.signal("KILL"); return nil end
    return true
  end
  function h.rss_kb()
    local s = slurp("/proc/" .. h.pid .. "/status")
    return tonumber(s:match("VmRSS:%s*(%d+)"))
  end
  -- RSS once it has come down under kb (memory goes back at the loop's
  -- next turn), or as it is after 10 s
  function h.rss_under(kb)
    local rss = h.rss_kb()
    local deadline = os.time() + 10
    while rss and rss >= kb and os.time() <= deadline do
      sleep(0.1)
      rss = h.rss_kb()
    end
    return rss
  end
  return h
end

-- starts moonwalk in the background, keeping its exit status: a handle
-- with pid, log() and code() (waits for the exit)
local function start_waited(args, name)
  local log, code, pidf = tmp .. "/" .. name .. ".log", tmp .. "/" .. name .. ".code", tmp .. "/" .. name .. ".pid"
  os.execute(string.format("cd %s && ( sh -c 'echo $$ >%s; export MOONWALK_LUADIR=%s/lua MIBS=; exec %s %s' "
    .. ">%s 2>&1; echo $? >%s ) &", tmp, pidf, ROOT, BIN, args, log, code))
  local h = {}
  for _ = 1, 200 do
    h.pid = tonumber(slurp(pidf):match("%d+"))
    if h.pid then break end
    sleep(0.02)
  end
  function h.log() return slurp(log) end
  function h.code()
    local deadline = os.time() + 20
    while os.time() <= deadline do
      local c = slurp(code):match("%d+")
      if c then return tonumber(c) end
      sleep(0.05)
    end
    os.execute("kill -KILL " .. tostring(h.pid) .. " 2>/dev/null")
    return nil
  end
  return h
end

local function snmpget(port, oids, t, r)
  return sh(string.format("snmpget -m '' -On -v2c -c public -t %d -r %d 127.0.0.1:%d %s",
    t or 5, r or 1, port, oids))
end

local function snmptrap(port, value)
  os.execute(string.format("snmptrap -m '' -v2c -c public 127.0.0.1:%d '' 1.3.6.1.4.1.99999.0.1 "
    .. "1.3.6.1.4.1.99999.5 s %s", port, value))
end

local SANDBOX_PROBE = [[
  local ok = pcall(debug.sethook, function() end, "c")
  local mt = getmetatable(_ENV)
  local real = package.loaded.debug
  print("sandbox sethook=" .. tostring(ok)
    .. " mt=" .. tostring(not not (mt and mt.__index and rawget(mt.__index, "debug")))
    .. " loaded=" .. tostring(real and real.sethook == debug.sethook)
    .. " budget=" .. tostring(require("moonwalk.core").budget)
    .. " parts=" .. tostring(require("moonwalk.core.task").budget) .. "," .. tostring(require("moonwalk.core.alloc").memory_limit)
    .. "," .. tostring(package.loaded["moonwalk.core.task"].term_guard)
    .. " usm=" .. type(require("moonwalk.core.usm").usm_sign)
    .. " registry=" .. tostring(debug.getregistry)
    .. " runtime=" .. tostring(pcall(require, "moonwalk.runtime")))
  io.stdout:flush()
]]
local SANDBOX_OK = "sandbox sethook=false mt=false loaded=true budget=nil parts=nil,nil,nil usm=function registry=nil runtime=false"

describe("script host", function()
  it("trapd SCRIPT: a handler that loops forever is stopped by the budget, logged with its traceback, and the next traps are handled", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/loop_handler.lua", [[
      local rx = ...
      rx:on(function(n)
        local v = n.varbinds[3].value
        if v == "loop" then
          local function spin() while true do end end
          while true do pcall(spin) end
        end
        print("handled " .. v)
        io.stdout:flush()
      end)
    ]])
    local h = start(string.format("trapd --listen udp:127.0.0.1:%d -c public --max-instructions 5000000 loop_handler.lua",
      port), "trapd-loop")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("listening"))
    snmptrap(port, "loop")
    snmptrap(port, "good1")
    snmptrap(port, "good2")
    assert.is_true(h.until_log("handled good2"), h.log())
    local log = h.log()
    assert.matches("instruction budget exceeded", log, 1, true)
    assert.matches("loop_handler.lua:5: in", log, 1, true)   -- the traceback shows where it looped
    assert.matches("handled good1", log, 1, true)
  end)

  it("trapd --max-tasks 3: handlers stopped by the budget free their task slots and count as handler errors", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/slots.lua", [[
      local rx = ...
      rx:on(function(n)
        local v = n.varbinds[3].value
        if v == "loop" then while true do end end
        print("handled " .. v .. " handler_errors=" .. rx:stats().handler_errors
          .. " active=" .. rx:stats().active_tasks)
        io.stdout:flush()
      end)
    ]])
    local h = start(string.format("trapd --listen udp:127.0.0.1:%d -c public --max-tasks 3 --max-instructions 2000000 slots.lua",
      port), "trapd-slots")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("listening"))
    for _ = 1, 5 do snmptrap(port, "loop") end
    for i = 1, 3 do snmptrap(port, "good" .. i) end
    assert.is_true(h.until_log("handled good3"), h.log())
    local log = h.log()
    assert.matches("handled good1 handler_errors=5 active=1", log, 1, true)
    assert.matches("handled good2", log, 1, true)
  end)

  it("agent SCRIPT: a task that loops forever does not stop GETs", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/loop_task.lua", [[
      local mw = require "moonwalk"
      agent:scalar{ oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER", get = function() return 42 end }
      mw.spawn(function() while true do end end)
    ]])
    local h = start(string.format("agent --listen udp:127.0.0.1:%d -c public --max-instructions 5000000 loop_task.lua",
      port), "agent-loop")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("listening"))
    local out = snmpget(port, ".1.3.6.1.4.1.99999.1.1.0", 5, 2)
    assert.matches(".1.3.6.1.4.1.99999.1.1.0 = INTEGER: 42", out, 1, true)
    assert.is_true(h.until_log("instruction budget exceeded"), h.log())
  end)

  it("agent SCRIPT: SIGTERM ends the process within --grace while a task loops without waiting", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/spin.lua", [[
      local mw = require "moonwalk"
      agent:scalar{ oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER", value = 1 }
      mw.after(0.3, function() print("spinning") io.stdout:flush() while true do end end)
    ]])
    -- no budget: only the grace period can stop the task
    local h = start(string.format("agent --listen udp:127.0.0.1:%d -c public --max-instructions 0 --grace 1 spin.lua",
      port), "agent-term")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("spinning"))
    local t0 = core.now()
    h.signal("TERM")
    assert.is_true(h.wait(15), "still running 15 s after SIGTERM")
    assert.is_true(core.now() - t0 < 5, "took " .. (core.now() - t0))
    assert.matches("grace period is over", h.log(), 1, true)
  end)

  it("trapd SCRIPT: SIGTERM ends the process within --grace while a handler loops without waiting", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/spin_handler.lua", [[
      local rx = ...
      rx:on(function() print("spinning") io.stdout:flush() while true do end end)
    ]])
    local h = start(string.format("trapd --listen udp:127.0.0.1:%d -c public --max-instructions 0 --grace 1 spin_handler.lua",
      port), "trapd-term")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("listening"))
    snmptrap(port, "x")
    assert.is_true(h.until_log("spinning"))
    local t0 = core.now()
    h.signal("TERM")
    assert.is_true(h.wait(15), "still running 15 s after SIGTERM")
    assert.is_true(core.now() - t0 < 5, "took " .. (core.now() - t0))
  end)

  it("agent and trapd scripts cannot reach debug.sethook or the host's knobs", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/probe_agent.lua", SANDBOX_PROBE)
    write(tmp .. "/probe_trapd.lua", SANDBOX_PROBE)
    local a, t
    -- one finally: busted keeps only the last one given
    finally(function()
      if a then a.signal("KILL") end
      if t then t.signal("KILL") end
    end)
    a = start(string.format("agent --listen udp:127.0.0.1:%d -c public probe_agent.lua", port), "agent-probe")
    assert.is_true(a.until_log("sandbox"))
    assert.matches(SANDBOX_OK, a.log(), 1, true)
    local port2 = core.free_udp_port("v4")
    t = start(string.format("trapd --listen udp:127.0.0.1:%d -c public probe_trapd.lua", port2), "trapd-probe")
    assert.is_true(t.until_log("sandbox"))
    assert.matches(SANDBOX_OK, t.log(), 1, true)
  end)

  it("agent --max-memory: a getter that allocates 1 MiB strings without end answers genErr, others are answered, memory goes back", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/hog_getter.lua", [[
      agent:scalar{ oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER", get = function() return 42 end }
      agent:scalar{ oid = "1.3.6.1.4.1.99999.1.2", type = "STRING", get = function()
        local t = {}
        for i = 1, 1e9 do t[i] = string.rep("x", 1048576) .. i end
      end }
    ]])
    local h = start(string.format("agent --listen udp:127.0.0.1:%d -c public --max-memory 32M hog_getter.lua", port),
      "agent-mem")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("listening"))
    assert.matches("INTEGER: 42", snmpget(port, ".1.3.6.1.4.1.99999.1.1.0"), 1, true)
    local base = h.rss_kb()
    for _ = 1, 3 do
      local out = snmpget(port, ".1.3.6.1.4.1.99999.1.2.0", 20, 1)
      assert.matches("genError", out, 1, true)
      assert.matches("INTEGER: 42", snmpget(port, ".1.3.6.1.4.1.99999.1.1.0"), 1, true)
    end
    assert.matches("not enough memory", h.log(), 1, true)
    if not SANITIZED then
      local rss = h.rss_under(base + 16 * 1024)
      assert.is_true(rss < base + 16 * 1024, string.format("RSS %d kB after, %d kB before", rss, base))
    end
  end)

  it("trapd --max-memory: a handler that allocates without end counts as failed, the next trap is handled, memory goes back", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/hog_handler.lua", [[
      local rx = ...
      rx:on(function(n)
        local v = n.varbinds[3].value
        if v == "hog" then
          local t = {}
          for i = 1, 1e9 do t[i] = string.rep("x", 1048576) .. i end
        end
        print("handled " .. v .. " handler_errors=" .. rx:stats().handler_errors)
        io.stdout:flush()
      end)
    ]])
    local h = start(string.format("trapd --listen udp:127.0.0.1:%d -c public --max-memory 32M hog_handler.lua", port),
      "trapd-mem")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_log("listening"))
    snmptrap(port, "first")
    assert.is_true(h.until_log("handled first"))
    local base = h.rss_kb()
    snmptrap(port, "hog")
    snmptrap(port, "hog")
    snmptrap(port, "after")
    assert.is_true(h.until_log("handled after"), h.log())
    assert.matches("handled after handler_errors=2", h.log(), 1, true)
    assert.matches("not enough memory", h.log(), 1, true)
    if not SANITIZED then
      local rss = h.rss_under(base + 16 * 1024)
      assert.is_true(rss < base + 16 * 1024, string.format("RSS %d kB after, %d kB before", rss, base))
    end
  end)

  it("run --max-memory: a task that grows a table without end is stopped even inside pcall; the others go on", function()
    write(tmp .. "/hog_run.lua", [[
      local mw = require "moonwalk"
      mw.spawn(function()
        while true do
          pcall(function() local t = {} for i = 1, 1e9 do t[i] = { i } end end)
        end
      end)
      mw.after(0.3, function() print("still running") mw.stop() end)
    ]])
    local h = start_waited("run --max-memory 32M hog_run.lua", "run-mem")
    assert.equal(0, h.code(), h.log())
    assert.matches("not enough memory", h.log(), 1, true)
    assert.matches("still running", h.log(), 1, true)
  end)

  it("run: tasks asleep at SIGTERM leak nothing (LeakSanitizer in SANITIZE=1 runs)", function()
    write(tmp .. "/sleepers.lua", [[
      local mw = require "moonwalk"
      mw.every(0.1, function() mw.sleep(30) end)
      mw.spawn(function() mw.sleep(60) end)
      mw.after(0.3, function() print("ready") io.stdout:flush() end)
    ]])
    local h = start_waited("run --grace 0.2 sleepers.lua", "run-sleepers")
    local deadline = os.time() + 20
    while not h.log():find("ready", 1, true) and os.time() <= deadline do sleep(0.05) end
    os.execute("kill -TERM " .. h.pid)
    assert.equal(0, h.code(), h.log())
  end)

  it("trapd: stopping with SIGTERM after traps and a script leaks nothing (LeakSanitizer in SANITIZE=1 runs)", function()
    local port = core.free_udp_port("v4")
    write(tmp .. "/exit.lua", [[
      local rx = ...
      local mw = require "moonwalk"
      rx:on(function(n) mw.sleep(30) end)
      mw.every(0.1, function() end)
    ]])
    local h = start_waited(string.format("trapd --listen udp:127.0.0.1:%d -c public --grace 0.2 exit.lua", port),
      "trapd-exit")
    local deadline = os.time() + 20
    while not h.log():find("listening", 1, true) and os.time() <= deadline do sleep(0.05) end
    snmptrap(port, "x")
    snmptrap(port, "y")
    sleep(0.3)
    os.execute("kill -TERM " .. h.pid)
    assert.equal(0, h.code(), h.log())
  end)
end)
