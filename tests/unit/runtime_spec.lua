-- `moonwalk run`: scripts in their own environments, load-time and run-time
-- errors, the instruction budget, SIGHUP reload that keeps listeners,
-- SIGTERM draining, log levels and syslog.
local core = require "moonwalk.core"
local support = require "run"
local sh, slurp, write, sleep = support.sh, support.slurp, support.write, support.sleep

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "

local tmp
setup(function() tmp = sh("mktemp -d /tmp/moonwalk-rt.XXXXXX"):gsub("%s+$", "") end)
teardown(function() if tmp then os.execute("rm -rf " .. tmp) end end)

-- runs moonwalk to completion: stdout, stderr, exit code
local function run(args, timeout)
  local out, err = tmp .. "/o", tmp .. "/e"
  local ok, how, code = os.execute(string.format("cd %s && %s timeout %d %s run %s >%s 2>%s",
    tmp, ENV, timeout or 20, BIN, args, out, err))
  if ok then code = 0 end
  return slurp(out), slurp(err), code
end

-- starts moonwalk in the background: a handle with pid, out(), err()
local function start(args, name)
  name = name or "bg"
  local o, e = tmp .. "/" .. name .. ".out", tmp .. "/" .. name .. ".err"
  local pid = sh(string.format("cd %s && %s %s run %s >%s 2>%s & echo $!", tmp, ENV, BIN, args, o, e))
  local h = { pid = tonumber(pid:match("%d+")) }
  function h.out() return slurp(o) end
  function h.err() return slurp(e) end
  function h.signal(sig) os.execute(string.format("kill -%s %d 2>/dev/null", sig, h.pid)) end
  function h.alive() return os.execute(string.format("kill -0 %d 2>/dev/null", h.pid)) == true end
  -- waits for the exit; returns the exit status
  function h.wait(limit)
    local deadline = os.time() + (limit or 20)
    while h.alive() and os.time() <= deadline do sleep(0.05) end
    if h.alive() then h.signal("KILL"); return nil end
    return true
  end
  function h.until_out(pattern, limit)
    local deadline = os.time() + (limit or 10)
    while os.time() <= deadline do
      if h.out():find(pattern) or h.err():find(pattern) then return true end
      sleep(0.05)
    end
    return false
  end
  return h
end

local function http_get(url)
  return sh("curl -s --max-time 5 " .. url)
end

describe("moonwalk run", function()
  it("gives each script its own globals and library tables", function()
    write(tmp .. "/a.lua", [[
      shared = "from a"
      local mw = require "moonwalk"
      mw.after(0.2, function()
        print("a: shared=" .. shared .. " only_b=" .. tostring(only_b) .. " fmt=" .. type(string.format))
      end)
    ]])
    write(tmp .. "/b.lua", [[
      shared = "from b"
      only_b = true
      string.format = nil
      _G.via_G = 1
      load("loaded_global = 1")()
      print("b: shared=" .. shared)
    ]])
    write(tmp .. "/c.lua", [[
      local mw = require "moonwalk"
      mw.after(0.3, function() print("c: via_G=" .. tostring(via_G) .. " loaded=" .. tostring(loaded_global)) end)
    ]])
    local out, err, code = run("a.lua b.lua c.lua")
    assert.equal(0, code, err)
    assert.matches("b: shared=from b", out)
    assert.matches("a: shared=from a only_b=nil fmt=function", out, 1, true)
    assert.matches("c: via_G=nil loaded=nil", out, 1, true)
  end)

  it("passes the arguments after the scripts as arg and ...", function()
    write(tmp .. "/args.lua", [[
      local a, b = ...
      print(arg[0], arg[1], arg[2], a, b)
      return 7
    ]])
    local out, err, code = run("args.lua -- one two")
    assert.equal(7, code, err)
    assert.equal("args.lua\tone\ttwo\tone\ttwo\n", out)
  end)

  it("a syntax error at load time is fatal, with file:line", function()
    write(tmp .. "/ok.lua", [[print("never runs")]])
    write(tmp .. "/syntax.lua", "local x = 1\nx = = 2\n")
    local out, err, code = run("ok.lua syntax.lua")
    assert.equal(1, code)
    assert.equal("", out)
    assert.matches("syntax.lua:2:", err, 1, true)
  end)

  it("an error while a script loads is fatal, with file:line", function()
    write(tmp .. "/loaderr.lua", "local t\nlocal y = t.field\n")
    local out, err, code = run("loaderr.lua")
    assert.equal(1, code)
    assert.matches("loaderr.lua:2: attempt to index a nil value", err, 1, true)
  end)

  it("a run-time error is logged with its traceback and the process goes on", function()
    write(tmp .. "/rterr.lua", [[
      local mw = require "moonwalk"
      local function inner() error("kaboom") end
      mw.after(0.05, function() inner() end)
      mw.after(0.3, function() print("still running") end)
    ]])
    local out, err, code = run("rterr.lua")
    assert.equal(0, code, err)
    assert.matches("rterr.lua:2: kaboom", err, 1, true)
    assert.matches("stack traceback:", err, 1, true)
    assert.matches("in upvalue 'inner'", err, 1, true)
    assert.equal("still running\n", out)
  end)

  it("stops a runaway handler even when it hides inside pcall", function()
    write(tmp .. "/runaway.lua", [[
      local mw = require "moonwalk"
      mw.after(0.05, function()
        while true do
          pcall(function() while true do end end)
          xpcall(function() while true do end end, function(e) return e end)
        end
      end)
      mw.after(0.05, function()
        local co = coroutine.wrap(function() while true do end end)
        co()
      end)
      mw.after(0.1, function()
        local ok = pcall(debug.sethook)
        print("sethook refused: " .. tostring(not ok))
      end)
      local n = 0
      mw.every(0.05, function() n = n + 1 end)
      mw.after(1.5, function() print("ticks " .. n); mw.stop() end)
    ]])
    local out, err, code = run("--max-instructions 2000000 runaway.lua", 30)
    assert.equal(0, code, err)
    local _, stops = err:gsub("instruction budget exceeded", "")
    assert.is_true(stops >= 2, err)
    assert.matches("sethook refused: true", out, 1, true)
    local ticks = tonumber(out:match("ticks (%d+)"))
    assert.is_true(ticks and ticks >= 5, out)
  end)

  it("SIGHUP reloads the scripts and keeps the listener open", function()
    local port = core.free_udp_port("v4")
    local script = tmp .. "/reload.lua"
    local body = [[
      local mw = require "moonwalk"
      local prom = assert(mw.prometheus{ listen = "127.0.0.1:%d" })
      local g = prom:gauge{ name = "moonwalk_test_version", help = "which script" }
      local c = prom:counter{ name = "moonwalk_test_loads_total", help = "loads" }
      c:inc()
      g:set(%d)
      mw.every(0.1, function() print("tick %d") end)
    ]]
    write(script, body:format(port, 1, 1))
    local h = start("reload.lua", "reload")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_out("tick 1"), h.err())
    local before = http_get(("http://127.0.0.1:%d/metrics"):format(port))
    assert.matches("moonwalk_test_version 1", before, 1, true)
    write(script, body:format(port, 2, 2))
    h.signal("HUP")
    assert.is_true(h.until_out("tick 2"), h.err())
    sleep(0.3)
    local after = http_get(("http://127.0.0.1:%d/metrics"):format(port))
    assert.matches("moonwalk_test_version 2", after, 1, true)
    -- the metrics lived on: the counter counts both loads
    assert.matches("moonwalk_test_loads_total 2", after, 1, true)
    -- the old generation's periodic job stopped
    local out = h.out()
    local last1 = 0
    for pos in out:gmatch("()tick 1") do last1 = pos end
    local first2 = out:find("tick 2", 1, true)
    assert.is_true(last1 < first2)
    sleep(0.3)
    assert.equal(last1, select(2, pcall(function()
      local l = 0
      for pos in h.out():gmatch("()tick 1") do l = pos end
      return l
    end)))
    -- a reload with a broken script keeps the running one
    write(script, "this is not lua")
    h.signal("HUP")
    assert.is_true(h.until_out("reload failed"), h.err())
    assert.matches("moonwalk_test_version 2", http_get(("http://127.0.0.1:%d/metrics"):format(port)), 1, true)
    h.signal("TERM")
    assert.is_true(h.wait(10))
  end)

  it("SIGHUP keeps the agent's and the receiver's sockets, with the new script's objects and handlers", function()
    local aport, tport = core.free_udp_port("v4"), core.free_udp_port("v4")
    local script = tmp .. "/reload2.lua"
    local body = [[
      local mw = require "moonwalk"
      local a = mw.agent { listen = "udp:127.0.0.1:%d", communities = { public = "ro" } }
      a:scalar { oid = "1.3.6.1.4.1.99999.9.1", type = "STRING", get = function() return "generation %d" end }
      local rx = assert(mw.trapd { listen = "udp:127.0.0.1:%d", community = "public", stats_interval = 0 })
      rx:on(function(n) print("handled by %d: " .. n.trap_oid) io.stdout:flush() end)
      print("loaded %d") io.stdout:flush()
    ]]
    write(script, body:format(aport, 1, tport, 1, 1))
    local h = start("reload2.lua", "reload2")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_out("loaded 1"), h.err())
    local get = string.format("MIBS= snmpget -v2c -c public -Oqv 127.0.0.1:%d .1.3.6.1.4.1.99999.9.1.0", aport)
    local trap = string.format("MIBS= snmptrap -v2c -c public 127.0.0.1:%d '' .1.3.6.1.4.1.99999.0.%%d", tport)
    assert.matches('"generation 1"', sh(get))
    sh(trap:format(1))
    assert.is_true(h.until_out("handled by 1: 1.3.6.1.4.1.99999.0.1"), h.out() .. h.err())
    write(script, body:format(aport, 2, tport, 2, 2))
    h.signal("HUP")
    assert.is_true(h.until_out("loaded 2"), h.err())
    assert.matches('"generation 2"', sh(get))
    sh(trap:format(2))
    assert.is_true(h.until_out("handled by 2: 1.3.6.1.4.1.99999.0.2"), h.out() .. h.err())
    sleep(0.3)
    assert.not_matches("handled by 1: 1.3.6.1.4.1.99999.0.2", h.out())
    assert.not_matches("cannot", h.err())
    assert.is_true(h.alive())
    h.signal("TERM")
    assert.is_true(h.wait(10))
  end)

  it("SIGTERM stops periodic runs, waits for the runs in flight, then exits", function()
    write(tmp .. "/drain.lua", [[
      local mw = require "moonwalk"
      local n = 0
      mw.every(0.2, function()
        n = n + 1
        local me = n
        print("start " .. me)
        io.stdout:flush()
        mw.sleep(1.0)
        print("done " .. me)
        io.stdout:flush()
      end)
    ]])
    local h = start("drain.lua", "drain")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_out("start 2"))
    h.signal("TERM")
    assert.is_true(h.wait(10))
    local out = h.out()
    local started = select(2, out:gsub("start %d+", ""))
    local done = select(2, out:gsub("done %d+", ""))
    assert.equal(started, done, out)
    assert.matches("draining", h.err(), 1, true)
    -- nothing started after the signal: at most the run due at that moment
    assert.is_true(started <= 3, out)
  end)

  it("SIGTERM gives up on runs in flight after the grace period", function()
    write(tmp .. "/slow.lua", [[
      local mw = require "moonwalk"
      mw.spawn(function() print("sleeping") io.stdout:flush() mw.sleep(60) print("woke") end)
    ]])
    local h = start("--grace 0.5 slow.lua", "slow")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_out("sleeping"))
    local t0 = core.now()
    h.signal("TERM")
    assert.is_true(h.wait(10))
    assert.is_true(core.now() - t0 < 5)
    assert.not_matches("woke", h.out())
    assert.matches("grace period over", h.err(), 1, true)
  end)

  it("--log-level filters the log lines", function()
    write(tmp .. "/log.lua", [[
      local mw = require "moonwalk"
      mw.log.debug("a debug line")
      mw.log.info("an info line")
      mw.log.warn("a warn line")
    ]])
    local _, err = run("--log-level warn log.lua")
    assert.not_matches("info line", err)
    assert.matches("warn%s+a warn line", err)
    _, err = run("--log-level debug log.lua")
    assert.matches("debug%s+a debug line", err)
    local _, err2, code = run("--log-level loud log.lua")
    assert.equal(1, code)
    assert.matches("unknown log level", err2, 1, true)
  end)

  it("--syslog sends the log lines as syslog(3) does, to a socket of the test's own", function()
    -- no syslog daemon needed: socat listens on a Unix datagram socket the
    -- test creates, named with --syslog-socket
    local sock, got_file = tmp .. "/syslog.sock", tmp .. "/received"
    os.remove(sock)
    write(tmp .. "/sl.lua", [[
      local mw = require "moonwalk"
      mw.log.warn("hello from a script")
      mw.log.info("info goes too")
    ]])
    local pid = tonumber(sh(string.format("socat -u UNIX-RECV:%s OPEN:%s,creat,append >/dev/null 2>&1 & echo $!",
      sock, got_file)):match("(%d+)"))
    finally(function() os.execute("kill " .. pid .. " 2>/dev/null") end)
    for _ = 1, 100 do
      if os.execute("test -S " .. sock) then break end
      sleep(0.02)
    end
    local _, err, code = run("--syslog=local3 --ident mwtest --syslog-socket " .. sock .. " sl.lua")
    assert.equal(0, code, err)
    assert.equal("", err)   -- nothing on stderr: it all went to the socket
    local got
    for _ = 1, 100 do
      got = slurp(got_file) or ""
      if got:find("info goes too", 1, true) then break end
      sleep(0.02)
    end
    -- local3.warning is <156>, local3.info is <158>; syslog(3)'s layout
    assert.matches("^<156>%a%a%a [ %d]%d %d%d:%d%d:%d%d mwtest%[%d+%]: hello from a script", got)
    assert.matches("<158>%a%a%a [ %d]%d %d%d:%d%d:%d%d mwtest%[%d+%]: info goes too", got)
    assert.not_matches("%d%d%d%d%-%d%d%-%d%dT", got)
  end)

  it("--syslog-socket without a path is refused", function()
    local _, err, code = run("--syslog --syslog-socket")
    assert.equal(1, code)
    assert.matches("--syslog-socket needs a path", err, 1, true)
  end)
end)
