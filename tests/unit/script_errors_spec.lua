-- Errors point at the user's script, never at the library: a load-time
-- error names the script's file and line, a misused call names the line
-- that made it, and a failing task or handler is named after the function
-- (file:line where it was defined). For `moonwalk run`, `moonwalk agent`
-- and `moonwalk trapd`, by running the binary on temporary scripts.
local core = require "moonwalk.core"
local R = require "run"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local tmp

setup(function()
  core.engine_init()
  tmp = R.sh("mktemp -d /tmp/moonwalk-err.XXXXXX"):gsub("%s+$", "")
end)
teardown(function() if tmp then os.execute("rm -rf " .. tmp) end end)

-- writes a script in tmp and returns its path
local function script(name, text)
  local path = tmp .. "/" .. name
  R.write(path, text)
  return path
end

-- the lines that carry an error message (not the traceback's frames)
local function messages(err)
  local out = {}
  for line in err:gmatch("[^\n]+") do
    if not line:match("^%s") and not line:match("^stack traceback") then out[#out + 1] = line end
  end
  return table.concat(out, "\n")
end

local function no_library_lines(msg)
  assert.not_matches("runtime%.lua:%d", msg)
  assert.not_matches("sched%.lua:%d", msg)
  assert.not_matches("session%.lua:%d", msg)
end

local function run(path)
  return R.run(string.format("cd %s && timeout 20 %s run %s", tmp, BIN, path:match("[^/]+$")))
end

describe("moonwalk run", function()
  it("names the script's file and line for an error at load time", function()
    local p = script("load.lua", 'local mw = require "moonwalk"\nlocal x = 1\nerror("boom at load")\n')
    local _, err, code = run(p)
    assert.equal(1, code)
    local msg = messages(err)
    assert.matches("moonwalk: load%.lua:3: boom at load", msg)
    assert.matches("task load%.lua failed", msg)   -- the main chunk, not "load.lua:0"
    no_library_lines(msg)
  end)

  it("names the line of a misused call at load time, not the library's", function()
    local p = script("misuse.lua", 'local mw = require "moonwalk"\n\nmw.every("x", print)\n')
    local _, err, code = run(p)
    assert.equal(1, code)
    assert.matches("moonwalk: misuse%.lua:3: every expects a positive period", messages(err))
    no_library_lines(messages(err))
  end)

  it("names the line of a request with a bad OID (the message from C has no position)", function()
    local p = script("badoid.lua", 'local mw = require "moonwalk"\nlocal s = mw.session{ peer = "127.0.0.1:9" }\n'
      .. 'local vbs = s:get(42)\n')
    local _, err, code = run(p)
    assert.equal(1, code)
    assert.matches("moonwalk: badoid%.lua:3: OID expected, got number", messages(err))
    no_library_lines(messages(err))
  end)

  it("names the line of mw.spawn and mw.after given no function", function()
    local p = script("spawn.lua", 'local mw = require "moonwalk"\nmw.after(0.01, function()\n'
      .. '  mw.spawn(42)\nend)\n')
    local _, err = run(p)
    assert.matches("spawn%.lua:3: spawn expects a function", messages(err))
    no_library_lines(messages(err))
    p = script("after.lua", 'local mw = require "moonwalk"\nmw.after(0.01, 42)\n')
    local _, err2, code = run(p)
    assert.equal(1, code)
    assert.matches("moonwalk: after%.lua:2: after expects a function", messages(err2))
    no_library_lines(messages(err2))
  end)

  it("names the line of a require that fails", function()
    local p = script("req.lua", 'local mw = require "moonwalk"\nmw.spawn(function()\n'
      .. '  require "no_such_module_here"\nend)\n')
    local _, err = run(p)
    assert.matches("req%.lua:3: module 'no_such_module_here' not found", messages(err))
    no_library_lines(messages(err))
  end)

  it("names a failing task after its function: mw.spawn, mw.every, mw.after", function()
    local p = script("tasks.lua", table.concat({
      'local mw = require "moonwalk"',
      'local function poll()',             -- 2
      '  error("from spawn")',
      'end',
      'mw.spawn(poll)',
      'local n = 0',
      'local h',
      'h = mw.every(0.01, function()',     -- 8
      '  n = n + 1',
      '  if n > 1 then h:cancel() return end',
      '  local t = nil; return t.x',
      'end)',
      'local function later()',            -- 13
      '  error("from after")',
      'end',
      'mw.after(0.01, later)',
    }, "\n") .. "\n")
    local _, err, code = run(p)
    assert.equal(0, code, err)
    local msg = messages(err)
    assert.matches("task tasks%.lua:2 failed: tasks%.lua:3: from spawn", msg)
    assert.matches("task tasks%.lua:8 failed: tasks%.lua:11: attempt to index a nil value", msg)
    assert.matches("task tasks%.lua:13 failed: tasks%.lua:14: from after", msg)
    no_library_lines(msg)
  end)
end)

describe("a script that does not compile", function()
  it("is named with its file and line by run, agent and trapd", function()
    script("syntax.lua", "local x = 1\nlocal y = \n")
    for _, cmd in ipairs {
      "run syntax.lua",
      string.format("agent --listen udp:127.0.0.1:%d -c public --host-mibs none syntax.lua", core.free_udp_port("v4")),
      string.format("trapd --listen udp:127.0.0.1:%d -c public syntax.lua", core.free_udp_port("v4")),
    } do
      local _, err, code = R.run(string.format("cd %s && timeout 20 %s %s", tmp, BIN, cmd))
      assert.equal(1, code, cmd)
      assert.matches("syntax%.lua:3: unexpected symbol near <eof>", err)
      no_library_lines(messages(err))
    end
  end)
end)

-- starts a server in the background; returns a handle
local function start(args, name)
  local o, e = tmp .. "/" .. name .. ".out", tmp .. "/" .. name .. ".err"
  local pid = tonumber(R.sh(string.format("cd %s && %s %s >%s 2>%s & echo $!", tmp, BIN, args, o, e)):match("(%d+)%s*$"))
  return {
    err = function() return R.slurp(e) end,
    stop = function()
      os.execute(string.format("kill -TERM %d 2>/dev/null", pid))
      for _ = 1, 200 do
        if os.execute(string.format("kill -0 %d 2>/dev/null", pid)) ~= true then return end
        R.sleep(0.05)
      end
      os.execute(string.format("kill -KILL %d 2>/dev/null", pid))
    end,
  }
end

local function until_match(h, pattern)
  for _ = 1, 200 do
    if h.err():find(pattern) then return true end
    R.sleep(0.05)
  end
  return false
end

describe("moonwalk agent", function()
  it("names the script's file and line for an error at load time", function()
    local port = core.free_udp_port("v4")
    script("aload.lua", 'local x = 1\n\nagent:scalar{ oid = 42 }\n')
    local _, err, code = R.run(string.format("cd %s && timeout 20 %s agent --listen udp:127.0.0.1:%d -c public "
      .. "--host-mibs none aload.lua", tmp, BIN, port))
    assert.equal(1, code)
    assert.matches("moonwalk agent: aload%.lua:3: ", messages(err))
    no_library_lines(messages(err))
  end)

  it("names the script's line when an object's function fails", function()
    local port = core.free_udp_port("v4")
    script("aget.lua", table.concat({
      'agent:table{ oid = "1.3.6.1.4.1.99999.3.1", index = "integer", rows = { { a = 1 } },',
      '  columns = { [2] = { type = "Integer32", get = function(r)',
      '    return r.zz.y',
      '  end } } }',
    }, "\n") .. "\n")
    local h = start(string.format("agent --listen udp:127.0.0.1:%d -c public --host-mibs none aget.lua", port), "aget")
    finally(h.stop)
    local out = R.sh(string.format("MIBS= snmpget -v2c -c public -t 0.5 -r 10 127.0.0.1:%d 1.3.6.1.4.1.99999.3.1.2.1", port))
    assert.matches("genError", out)
    assert.is_true(until_match(h, "aget%.lua:3: attempt to index"), h.err())
  end)
end)

describe("moonwalk trapd", function()
  it("names the script's file and line for an error at load time", function()
    local port = core.free_udp_port("v4")
    script("rload.lua", 'local rx = ...\n\nrx:on(nil, nil)\nerror("rx load")\n')
    local _, err, code = R.run(string.format("cd %s && timeout 20 %s trapd --listen udp:127.0.0.1:%d -c public rload.lua",
      tmp, BIN, port))
    assert.equal(1, code)
    assert.matches("moonwalk trapd: rload%.lua:%d: ", messages(err))
    no_library_lines(messages(err))
  end)

  it("names a failing handler after its function", function()
    local port = core.free_udp_port("v4")
    script("rh.lua", table.concat({
      'local rx = ...',
      'local function on_link_down(n)',   -- 2
      '  local t = nil',
      '  return t.x',
      'end',
      'rx:on("1.3.6.1.6.3.1.1.5.3", on_link_down)',
    }, "\n") .. "\n")
    local h = start(string.format("trapd --listen udp:127.0.0.1:%d -c public rh.lua", port), "rh")
    finally(h.stop)
    -- an inform is retried until the receiver answers: no guessing when it listens
    R.sh(string.format("MIBS= snmpinform -v2c -c public -t 0.5 -r 10 127.0.0.1:%d '' .1.3.6.1.6.3.1.1.5.3", port))
    assert.is_true(until_match(h, "handler rh%.lua:2 failed: rh%.lua:4: attempt to index"), h.err())
  end)

  it("names the handler's line when a call it makes raises inside moonwalk", function()
    local port = core.free_udp_port("v4")
    script("rh2.lua", table.concat({
      'local rx = ...',
      'local mw = require "moonwalk"',
      'local dev = mw.session { peer = "127.0.0.1:9" }',
      'rx:on("1.3.6.1.6.3.1.1.5.3", function(n)',   -- 4
      '  dev:get(42)',
      'end)',
    }, "\n") .. "\n")
    local h = start(string.format("trapd --listen udp:127.0.0.1:%d -c public rh2.lua", port), "rh2")
    finally(h.stop)
    R.sh(string.format("MIBS= snmpinform -v2c -c public -t 0.5 -r 10 127.0.0.1:%d '' .1.3.6.1.6.3.1.1.5.3", port))
    assert.is_true(until_match(h, "handler rh2%.lua:4 failed: rh2%.lua:5: OID expected, got number"), h.err())
  end)
end)

describe("the scheduler", function()
  local sched = require "moonwalk.sched"
  local log = require "moonwalk.log"

  it("logs a failing on_end with the task's name (task_name was used before it was defined)", function()
    local lines = {}
    local old = log.set_sink(function(_, line) lines[#lines + 1] = line end)
    finally(function() log.set_sink(old) end)
    local function job() sched.sleep(0.01) end
    local t = sched.spawn(job)
    t.on_end = function() error("bookkeeping broke") end
    sched.loop()
    local all = table.concat(lines, "\n")
    local info = debug.getinfo(job, "S")
    assert.matches("task " .. info.short_src:gsub("%p", "%%%0") .. ":" .. info.linedefined
      .. ": on_end failed: .*bookkeeping broke", all)
  end)

  it("names an mw.after task after its function, not the scheduler's wrapper", function()
    local function later() end
    local t = sched.after(0.01, later)
    local info = debug.getinfo(later, "S")
    assert.equal(info.short_src .. ":" .. info.linedefined, t.name)
    sched.loop()
  end)

  it("locates a message without a position at the first frame outside the library", function()
    local co = coroutine.create(function() local s = require("moonwalk").session { peer = "127.0.0.1:9" }; s:get(42) end)
    local ok, err = coroutine.resume(co)
    assert.is_false(ok)
    local located = sched.located(co, err)
    assert.matches("script_errors_spec%.lua:%d+: OID expected, got number", located)
  end)
end)
