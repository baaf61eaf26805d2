-- The script host behind `moonwalk run`, `moonwalk agent SCRIPT` and
-- `moonwalk trapd SCRIPT`: scripts in their own allow-listed environments,
-- an instruction budget and a memory limit for tasks, reload on SIGHUP
-- without dropping listeners (run), and draining on SIGTERM within a grace
-- period that holds whatever a task does.
--
-- Generations. Each load of the scripts is a generation. A script sees a
-- view of the moonwalk module (what require "moonwalk" returns inside it)
-- whose every/after/spawn remember what the script started, so that a
-- reload can stop the old generation's periodic jobs and a shutdown can
-- wait for the runs in flight. Listeners (the Prometheus endpoint, ...)
-- are claimed by a key such as "prometheus 127.0.0.1:9100": a reload that
-- claims the same key gets the same, still open, listener; listeners that
-- the new generation does not claim are closed once it has loaded.
--
-- The budget. A task may run at most R.budget Lua instructions between
-- two waits (default 100 million, roughly a second of CPU). A watchdog in
-- C (core.budget) looks at the running task every 10 ms of CPU time; one
-- that has not waited since the previous look gets a count hook that
-- raises past the budget, then re-arms itself to raise on every further
-- instruction, so a script's own pcall cannot swallow it: each frame that
-- catches the error raises again at its next instruction until the task is
-- dead. The error is logged with its traceback like any other and the
-- process goes on. Tasks that wait in time pay nothing. Limits: the budget
-- counts Lua instructions, so one long call into C (a huge string.rep, a
-- pattern with heavy backtracking) is not interrupted; code run directly
-- on the main thread (not in a task) is not counted; it guards against
-- mistakes, not hostile scripts.
--
-- The memory limit (R.max_memory bytes, --max-memory): Lua's allocator
-- refuses what would go past it, so the code that asks gets Lua's "not
-- enough memory" error and the task running is stopped as the budget stops
-- one; a reserve past the limit lets the error be logged. See l_alloc.c.
--
-- SIGTERM and SIGINT: the grace period counts from the signal's arrival,
-- seen in C (core.term_guard); a task still running when it is over is
-- stopped by the watchdog even if it never waits, so the process exits
-- within the grace period.
local core = require "moonwalk.core"
-- The parts of moonwalk.core that a one-shot command does not open open
-- together at the first require of one of them (src/lua/l_core.c): a
-- script may call any, and its copies of the tables below are made whole.
require "moonwalk.core.udp"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"

local R = {}

R.budget = 100000000   -- instructions a task may run between two waits
R.grace = 10           -- seconds SIGTERM waits for runs in flight
R.max_memory = 1024 * 1024 * 1024   -- bytes Lua may hold (0: no limit)

-- "64M", "1G", "512K", "1048576" -> bytes | nil
function R.parse_size(v)
  local n, unit = tostring(v or ""):match("^(%d+)([KkMmGg]?)[Bb]?$")
  n = tonumber(n)
  if not n then return nil end
  local mult = ({ [""] = 1, k = 1024, m = 1024 ^ 2, g = 1024 ^ 3 })[unit:lower()]
  return math.tointeger(n * mult)
end

-- ------------------------------------------------------------------
-- Instruction budget (the watchdog is core.budget)
-- ------------------------------------------------------------------

-- The script host's options, as `agent` and `trapd` take them (args.parse
-- long options): L -> { budget=, grace=, max_memory= } | nil, err
R.cli_options = { ["--max-instructions"] = true, ["--grace"] = true, ["--max-memory"] = true }
function R.from_cli(L)
  local o = {}
  local function last(k) local v = L[k] return v and v[#v] end
  if last("max-instructions") then
    o.budget = math.tointeger(tonumber(last("max-instructions")))
    if not o.budget or o.budget < 0 then return nil, "--max-instructions needs a count" end
  end
  if last("grace") then
    o.grace = tonumber(last("grace"))
    if not o.grace or o.grace < 0 then return nil, "--grace needs seconds" end
  end
  if last("max-memory") then
    o.max_memory = R.parse_size(last("max-memory"))
    if not o.max_memory then return nil, "--max-memory needs a size (bytes, or with K, M, G)" end
  end
  return o
end

function R.install_budget()
  core.budget(R.budget)
end

-- ------------------------------------------------------------------
-- Listeners that live across reloads
-- ------------------------------------------------------------------

local listeners = {}   -- key -> { obj=, close=, gen= }
local current          -- the generation now running (nil outside `run`)

-- claim(key, create, close [, adopt]) -> obj | nil, err
-- The same key gives the same object for as long as it stays claimed.
-- adopt(obj) runs when a newer generation claims an object an older one
-- made (to drop the old generation's handlers, say).
function R.claim(key, create, close, adopt)
  local l = listeners[key]
  if l then
    if l.gen ~= current and adopt then adopt(l.obj) end
    l.gen = current
    return l.obj
  end
  local obj, err = create()
  if not obj then return nil, err end
  listeners[key] = { obj = obj, close = close, gen = current }
  return obj
end

-- release(key): closes a listener now.
function R.release(key)
  local l = listeners[key]
  if not l then return end
  listeners[key] = nil
  if l.close then
    local ok, err = pcall(l.close, l.obj)
    if not ok then log.warn("closing %s: %s", key, tostring(err)) end
  end
end

local function close_stale(gen)
  for key, l in pairs(listeners) do
    if l.gen ~= gen then
      log.info("closing %s (not claimed after reload)", key)
      R.release(key)
    end
  end
end

local function close_all()
  for key in pairs(listeners) do R.release(key) end
end

-- ------------------------------------------------------------------
-- Generations and script environments
-- ------------------------------------------------------------------

local Gen = {}
Gen.__index = Gen

local function new_gen(n)
  -- tasks: weak, so that ended tasks (and their coroutines) can go
  return setmetatable({ n = n, tasks = setmetatable({}, { __mode = "k" }), periodic = {}, mains = {},
                        retired = false }, Gen)
end

function Gen:track(t)
  if t and not t.done then self.tasks[t] = true end
  return t
end

-- number of tracked tasks still running
function Gen:inflight()
  local n = 0
  for t in pairs(self.tasks) do
    if t.done then self.tasks[t] = nil else n = n + 1 end
  end
  return n
end

-- stops starting new work: periodic jobs and pending `after`s
function Gen:retire()
  self.retired = true
  for h in pairs(self.periodic) do h.cancelled = true end
end

local function check_period(s)
  if type(s) ~= "number" or s <= 0 then error("every expects a positive period", 3) end
end

-- The moonwalk module as a script of generation gen sees it.
local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

local function make_view(gen)
  local mw = require "moonwalk"
  local V = setmetatable({}, { __index = mw })

  function V.spawn(fn, ...)
    if gen.retired then error("shutting down: no new tasks", 2) end
    if type(fn) ~= "function" then error("spawn expects a function", 2) end
    return gen:track(sched.spawn(fn, ...))
  end

  function V.every(s, fn, ...)
    check_period(s)
    if type(fn) ~= "function" then error("every expects a function", 2) end
    local args = table.pack(...)
    local h = { cancelled = false }
    function h:cancel() self.cancelled = true; gen.periodic[self] = nil end
    gen.periodic[h] = true
    h.task = sched.spawn(function()
      local due = core.now()
      while not h.cancelled do
        gen:track(sched.spawn(fn, table.unpack(args, 1, args.n)))
        due = due + s
        local d = due - core.now()
        if d < 0 then due = core.now(); d = 0 end
        -- sleep in slices, so that a cancelled job lets the process end
        -- (or drain) soon rather than at its next due time
        repeat
          core.sleep(math.min(d, 0.25))
          d = due - core.now()
        until d <= 0 or h.cancelled
      end
    end)
    return h
  end

  function V.after(s, fn, ...)
    if type(s) ~= "number" then error("after expects seconds", 2) end
    if type(fn) ~= "function" then error("after expects a function", 2) end
    local args = table.pack(...)
    local h = { cancelled = false }
    function h:cancel() self.cancelled = true; gen.periodic[self] = nil end
    gen.periodic[h] = true
    h.task = sched.spawn(function()
      core.sleep(s)
      gen.periodic[h] = nil
      if h.cancelled then return end
      local t = gen:track(sched.spawn(fn, table.unpack(args, 1, args.n)))
      return t:wait()
    end)
    return h
  end

  -- mw.run(fn) inside a script: the loop already runs, so it is a task
  -- that the caller waits for.
  function V.run(fn, ...)
    local t = V.spawn(fn, ...)
    local co, main = coroutine.running()
    if main or not sched.current() then return t end
    local res = table.pack(t:wait())
    if res[1] then return table.unpack(res, 2, res.n) end
    return nil, res[2]
  end

  -- Receivers and agents outlive a reload: the new generation gets the
  -- same socket, without the old generation's handlers and objects.
  local function listen_key(kind, opts)
    local l = opts and opts.listen
    if type(l) == "table" then l = table.concat(l, ",") end
    return kind .. " " .. tostring(l)
  end

  function V.trapd(opts)
    return R.claim(listen_key("trapd", opts), function() return mw.trapd(opts) end,
      function(rx) rx:close() end,
      function(rx)
        rx.handlers, rx.exact, rx.defaults = {}, {}, {}
      end)
  end

  function V.agent(opts)
    return R.claim(listen_key("agent", opts), function() return mw.agent(opts) end,
      function(a) a:close() end,
      function(a)
        local oids = {}
        for oid in pairs(a.objects) do oids[#oids + 1] = oid end
        for _, oid in ipairs(oids) do a:unregister(oid) end
        for _, d in ipairs(a.destinations) do if d.session then d.session:close() end end
        a.destinations = {}
        for _, d in ipairs(opts.notify or {}) do a:add_destination(d) end
      end)
  end

  function V.loop() end
  function V.stop() R.shutdown("stop requested by a script") end

  return V
end

-- What a script sees of the standard globals: an allow-list. Each script
-- gets its own copies of the library tables, a debug table with traceback
-- and getinfo only (the budget's hook stays put), a moonwalk.core without
-- the knobs of the host (budget, memory limit, signals), coroutines that
-- the budget's watchdog sees, and a package table whose `loaded` hides the
-- real debug library.
local BASE = { "assert", "collectgarbage", "error", "getmetatable", "ipairs", "next", "pairs",
  "pcall", "print", "rawequal", "rawget", "rawlen", "rawset", "select", "setmetatable",
  "tonumber", "tostring", "type", "warn", "xpcall", "_VERSION" }
local HOST_ONLY = { budget = true, memory_limit = true, term_guard = true, unsetenv = true, setenv = true }

local function make_env(gen, path, args, view)
  local env = {}
  for _, k in ipairs(BASE) do env[k] = _G[k] end
  env._G = env
  for _, lib in ipairs { "string", "table", "math", "os", "io", "utf8" } do
    env[lib] = copy(_G[lib])
  end
  -- the debug functions that only read: upvalues, locals and the registry
  -- would lead back to the host's tables
  local dbg = { traceback = debug.traceback, getinfo = debug.getinfo }
  dbg.sethook = function() error("debug.sethook is not available to scripts", 2) end
  dbg.gethook = function() return nil end
  env.debug = dbg
  local co = copy(coroutine)
  co.resume = core.resume
  co.wrap = function(fn)
    local c = coroutine.create(fn)
    return function(...)
      local r = table.pack(core.resume(c, ...))
      if not r[1] then error(r[2], 0) end
      return table.unpack(r, 2, r.n)
    end
  end
  env.coroutine = co
  local function without_knobs(t)
    local out = {}
    for k, v in pairs(t) do
      if not HOST_ONLY[k] then out[k] = v end
    end
    return out
  end
  local score = without_knobs(core)
  env.load = function(chunk, name, mode, e)
    return load(chunk, name, mode, e or env)
  end
  env.loadfile = function(file, mode, e)
    return loadfile(file, mode, e or env)
  end
  env.dofile = function(file)
    local f = assert(loadfile(file, "t", env))
    return f()
  end
  local libs = { debug = dbg, coroutine = co, string = env.string, table = env.table,
                 math = env.math, os = env.os, io = env.io, utf8 = env.utf8,
                 ["moonwalk.core"] = score, _G = env }
  -- a library the script sees; each binding's own table
  -- (moonwalk.core.<part>) without the knobs too, copied when first asked
  local function lib(name)
    if libs[name] then return libs[name] end
    local part = type(name) == "string" and name:find("^moonwalk%.core%.") and package.loaded[name]
    if type(part) ~= "table" then return nil end
    libs[name] = without_knobs(part)
    return libs[name]
  end
  env.require = function(name)
    if name == "moonwalk" then return view end
    if lib(name) then return libs[name] end
    if name == "moonwalk.runtime" then error("moonwalk.runtime is not available to scripts", 2) end
    return require(name)
  end
  local loaded = setmetatable({}, { __index = function(_, k)
    if k == "moonwalk" then return view end
    if lib(k) then return libs[k] end
    if k == "moonwalk.runtime" then return nil end
    return package.loaded[k]
  end, __newindex = package.loaded })
  env.package = setmetatable({ loaded = loaded }, { __index = package, __newindex = package })
  env.arg = args
  env.SCRIPT = path
  return env
end

-- compile(paths, args, gen) -> list of {path=, chunk=, env=} | nil, err
local function compile(paths, args, gen)
  local view = make_view(gen)
  gen.view = view
  local out = {}
  for _, path in ipairs(paths) do
    local sargs = table.move(args, 1, #args, 1, { [0] = path })
    local env = make_env(gen, path, sargs, view)
    local chunk, err = loadfile(path, "t", env)
    if not chunk then return nil, err end
    out[#out + 1] = { path = path, chunk = chunk, env = env, args = sargs }
  end
  return out
end

-- Runs the compiled scripts of gen, each as a task. Returns nil, err when
-- one fails before its first wait (a load-time error).
local function start(gen, scripts)
  current = gen
  for _, s in ipairs(scripts) do
    local t = sched.spawn(s.chunk, table.unpack(s.args, 1, #s.args))
    gen.mains[#gen.mains + 1] = t
    gen:track(t)
    if t.done and not t.ok then
      return nil, t.error_text or t.error
    end
  end
  return true
end

-- ------------------------------------------------------------------
-- The process: start, reload, shutdown
-- ------------------------------------------------------------------

local state = { paths = nil, args = nil, gens = {}, ngen = 0, draining = false, signals = {} }
R.state = state

function R.current() return current end
function R.draining() return state.draining end

-- reload(): loads the scripts again. The old generation's listeners stay
-- open for the new one to claim; its periodic jobs stop; its runs in
-- flight finish. When the new scripts do not compile, the old generation
-- goes on as it was.
function R.reload()
  if state.draining then return nil, "shutting down" end
  local ngen = new_gen(state.ngen + 1)
  local scripts, err = compile(state.paths, state.args, ngen)
  if not scripts then
    log.error("reload failed, keeping the running scripts: %s", tostring(err))
    return nil, err
  end
  state.ngen = ngen.n
  local old = current
  if old then old:retire() end
  state.gens[#state.gens + 1] = ngen
  log.info("reloading %d script(s) (generation %d)", #scripts, ngen.n)
  local ok, lerr = start(ngen, scripts)
  if not ok then
    log.error("reload: %s", debug.traceback(tostring(lerr), 1))
  end
  -- once the new scripts have set themselves up, close what they dropped
  sched.spawn(function()
    local deadline = core.now() + 2
    for _, t in ipairs(ngen.mains) do
      while not t.done and core.now() < deadline do core.sleep(0.02) end
    end
    if current == ngen then close_stale(ngen) end
  end)
  return true
end

-- shutdown(reason): stops new work, waits for the runs in flight for up to
-- R.grace seconds, closes the listeners and ends the loop. A second call
-- (a second SIGTERM or Ctrl-C) ends at once.
function R.shutdown(reason)
  if state.draining then
    log.warn("%s again: stopping now", reason or "shutdown")
    close_all()
    sched.stop()
    return
  end
  state.draining = true
  for _, g in ipairs(state.gens) do g:retire() end
  log.info("%s: draining (up to %gs)", reason or "shutdown", R.grace)
  if state.on_stop then
    local ok, err = pcall(state.on_stop, reason)
    if not ok then log.error("stopping: %s", tostring(err)) end
  end
  sched.spawn(function()
    -- from the signal's arrival: a task may have kept the loop busy since
    local deadline = core.term_deadline() or core.now() + R.grace
    while true do
      local n = 0
      for _, g in ipairs(state.gens) do n = n + g:inflight() end
      -- the task running this loop is not tracked
      if n == 0 then break end
      if core.now() >= deadline then
        log.warn("grace period over with %d task(s) still running", n)
        break
      end
      core.sleep(0.02)
    end
    close_all()
    log.info("stopped")
    sched.stop()
  end)
end

-- ------------------------------------------------------------------
-- The stats report (moonwalk run --stats)
-- ------------------------------------------------------------------

local stats_sources = {} -- list of { name =, fn = }

-- add_stats(name, fn): fn() -> a line (or nil) added to the report as
-- "name: line" (the trap path's receivers and stream, say). Once per name.
function R.add_stats(name, fn)
  for _, s in ipairs(stats_sources) do
    if s.name == name then s.fn = fn return end
  end
  stats_sources[#stats_sources + 1] = { name = name, fn = fn }
end

local ENGINE_STATS = { "sent", "retransmits", "timeouts", "received", "parse_errors", "inflight" }

-- stats_report() -> one line: the SNMP engine's counters, the cluster's
-- state (members, owned targets, moves, NATS connected, heartbeat errors)
-- and what add_stats gave.
function R.stats_report()
  local parts = {}
  local ok, st = pcall(core.stats)
  if ok and type(st) == "table" then
    local e = {}
    for _, k in ipairs(ENGINE_STATS) do e[#e + 1] = k .. "=" .. tostring(st[k]) end
    parts[#parts + 1] = "snmp " .. table.concat(e, " ")
  end
  local cl = package.loaded["moonwalk.cluster"]
  local c = cl and cl.active
  if c and not c.closed then parts[#parts + 1] = c:report() end
  for _, s in ipairs(stats_sources) do
    local sok, line = pcall(s.fn)
    if sok and line then parts[#parts + 1] = s.name .. ": " .. tostring(line) end
  end
  return table.concat(parts, "; ")
end

-- Logs the report every `every` seconds while something else runs (it
-- does not keep the loop alive by itself) and stops when draining starts.
local function stats_ticker(every)
  sched.spawn(function()
    local due = core.now() + every
    while not state.draining do
      local live, holds = sched.counts()
      if live <= 1 and holds == 0 then return end
      if core.now() >= due then
        log.info("stats: %s", R.stats_report())
        due = math.max(due + every, core.now())
      end
      core.sleep(math.max(0, math.min(0.25, due - core.now())))
    end
  end)
end

local SIGHUP, SIGINT, SIGTERM = 1, 2, 15

-- main{ paths=, args=, budget=, grace=, max_memory=, prog=, reload=,
--       setup=, on_stop=, on_exit=, stats= } -> exit status
-- The host of `run`, `agent` and `trapd`. setup() runs once the scripts
-- have compiled and before they run; it returns the globals to give every
-- script (agent = ...) and the arguments they get as `...` (nil, err: the
-- process does not start). on_stop(reason) runs when draining starts,
-- on_exit() once the loop has ended. reload = false: SIGHUP is not handled.
-- stats = seconds: the stats report is logged that often, and at exit.
function R.main(opts)
  local prog = opts.prog or "moonwalk"
  state.paths = opts.paths
  state.args = opts.args or {}
  state.on_stop = opts.on_stop
  if opts.budget then R.budget = opts.budget end
  if opts.grace then R.grace = opts.grace end
  if opts.max_memory then R.max_memory = opts.max_memory end
  core.memory_limit(R.max_memory)
  core.engine_init()
  R.install_budget()
  local gen = new_gen(1)
  state.ngen = 1
  local scripts, err = compile(state.paths, state.args, gen)
  if not scripts then
    io.stderr:write(prog, ": ", tostring(err), "\n")
    return 1
  end
  if opts.setup then
    local globals, sargs = opts.setup()
    if not globals then
      io.stderr:write(prog, ": ", tostring(sargs), "\n")
      return 1
    end
    for _, sc in ipairs(scripts) do
      for k, v in pairs(globals) do sc.env[k] = v end
      if sargs then
        sc.args = table.move(sargs, 1, #sargs, 1, { [0] = sc.path })
        sc.env.arg = sc.args
      end
    end
  end
  state.gens[1] = gen
  state.signals[#state.signals + 1] = core.on_signal(SIGINT, function() R.shutdown("interrupted") end)
  state.signals[#state.signals + 1] = core.on_signal(SIGTERM, function() R.shutdown("SIGTERM") end)
  if opts.reload ~= false then
    state.signals[#state.signals + 1] = core.on_signal(SIGHUP, function()
      sched.spawn(R.reload)
    end)
  end
  core.term_guard(R.grace)
  local function exit_hook()
    if opts.on_exit then
      local ok, xerr = pcall(opts.on_exit)
      if not ok then log.error("%s", tostring(xerr)) end
    end
  end
  local ok, lerr = start(gen, scripts)
  if not ok then
    io.stderr:write(prog, ": ", tostring(lerr), "\n")
    close_all()
    exit_hook()
    return 1
  end
  if opts.stats then stats_ticker(opts.stats) end
  -- a script that only serves (a listener, nothing periodic) keeps the
  -- loop alive through the listener's hold
  sched.loop()
  if opts.stats then log.info("stats at exit: %s", R.stats_report()) end
  for _, s in ipairs(state.signals) do getmetatable(s).__gc(s) end
  state.signals = {}
  close_all()
  exit_hook()
  if state.draining then return 0 end
  local code = 0
  for _, t in ipairs(gen.mains) do
    if t.done and not t.ok then code = 1 end
  end
  if #gen.mains == 1 and code == 0 then
    local t = gen.mains[1]
    if t.done and t.ok and math.type(t.results[1]) == "integer" then code = t.results[1] end
  end
  return code
end

return R
