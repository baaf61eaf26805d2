-- Tasks on the libevent loop. Each task is a coroutine; calls that wait
-- (requests, sleep, DNS) yield it from C, and the engine resumes it from C;
-- a task that ends comes back here (the registry's "moonwalk.after").
local core = require "moonwalk.core"
local log = require "moonwalk.log"

local S = {}
local live = 0          -- tasks not finished
local holds = 0         -- listeners that keep the loop alive
local stopping = false
local Task = {}
Task.__index = Task
Task.__name = "moonwalk.task"
local by_co = setmetatable({}, { __mode = "k" })

-- Where a function was defined, as its task's name: "file.lua:12", or
-- "file.lua" for a script's main chunk.
local function fn_name(fn)
  local info = type(fn) == "function" and debug.getinfo(fn, "S")
  if not info then return "?" end
  if info.what == "main" then return info.short_src end
  return info.short_src .. ":" .. info.linedefined
end
S.fn_name = fn_name

local function task_name(t)
  if not t.name and t.fn then t.name = fn_name(t.fn) end
  return t.name or "?"
end

-- The library's own directory ("@/usr/share/lua/5.4/moonwalk/", or
-- "=moonwalk/" for the modules built into the binary): frames from there
-- are not the user's.
local libdir = debug.getinfo(1, "S").source:match("^(.*[/\\])") or "=moonwalk/"
local libpath = libdir:sub(2)

local function is_lib(source)
  return source:sub(1, #libdir) == libdir
end

-- a file name as an error message shows it (short_src, perhaps cut
-- to "...tail"): is it one of the library's modules?
local function is_lib_file(file)
  local tail = file:gsub("^%.%.%.", "")
  local base = tail:match("[^/\\]+$") or tail
  for _, full in ipairs { libpath .. base, libpath .. "cli/" .. base } do
    if #tail <= #full and full:sub(-#tail) == tail then return true end
  end
  return false
end

-- located(co, err) -> err with the position of the user's code that led
-- to it, when the message has none or names a line of the library
-- ("runtime.lua:185: spawn expects a function" becomes
-- "script.lua:3: spawn expects a function").
function S.located(co, err)
  if type(err) ~= "string" then return err end
  local file, rest = err:match("^([^\n]-):%d+: (.*)$")
  if file and not is_lib_file(file) then return err end
  for level = 0, 200 do
    local info = debug.getinfo(co, level, "Sl")
    if not info then break end
    if info.what ~= "C" and info.currentline > 0 and not is_lib(info.source) then
      return info.short_src .. ":" .. info.currentline .. ": " .. (rest or err)
    end
  end
  return err
end

local function finish(t, ok, ...)
  t.done = true
  t.ok = ok
  t.results = table.pack(...)
  live = live - 1
  local waiters = t.waiters
  t.waiters = nil
  if waiters then
    for _, co in ipairs(waiters) do S.resume(co) end
  end
  -- on_end(t): for the owner's bookkeeping, run outside the task (a task
  -- stopped by the budget or the memory limit can run nothing more)
  if t.on_end then
    local ok, err = xpcall(t.on_end, debug.traceback, t)
    if not ok then log.error("task %s: on_end failed: %s", task_name(t), tostring(err)) end
  end
end

local function after_resume(co, t, ok, ...)
  if t and not t.done and coroutine.status(co) == "dead" then
    if not ok then
      local err = ...
      t.error = err
      t.error_text = S.located(co, err)
      log.error("task %s failed: %s", task_name(t), debug.traceback(co, t.error_text))
      finish(t, false, err)
    else
      finish(t, true, ...)
    end
  elseif not ok and not t then
    log.error("coroutine failed: %s", debug.traceback(co, (...)))
  end
end

-- Resumes co with the values (where the instruction budget's watchdog
-- sees it); logs a raising task with its traceback.
local resume = core.resume
function S.resume(co, ...)
  return after_resume(co, by_co[co], resume(co, ...))
end

-- The engine resumes a waiting task from C and calls this only when the
-- task has ended: after(co, ok, results... | error).
debug.getregistry()["moonwalk.after"] = function(co, ...)
  return after_resume(co, by_co[co], ...)
end

-- spawn(fn, ...) -> task. The task starts at once and runs until it waits.
function S.spawn(fn, ...)
  if type(fn) ~= "function" then error("spawn expects a function", 2) end
  core.engine_init()
  local co = coroutine.create(fn)
  local t = setmetatable({ co = co, fn = fn }, Task)
  by_co[co] = t
  live = live + 1
  S.resume(co, ...)
  return t
end

function S.current()
  local co = coroutine.running()
  return by_co[co]
end

-- task:wait() -> ok, results... (waits inside a task)
function Task:wait()
  if not self.done then
    local co, main = coroutine.running()
    if main or not by_co[co] then error("wait() must be called inside a task", 2) end
    self.waiters = self.waiters or {}
    self.waiters[#self.waiters + 1] = co
    while not self.done do coroutine.yield() end
  end
  return self.ok, table.unpack(self.results, 1, self.results.n)
end

function Task:status()
  if not self.done then return "running" end
  return self.ok and "done" or "failed"
end

-- wait_all(tasks) -> list of {ok, results...} in the same order
function S.wait_all(tasks)
  local out = {}
  for i, t in ipairs(tasks) do out[i] = table.pack(t:wait()) end
  return out
end

function S.sleep(s)
  if type(s) ~= "number" then error("sleep expects seconds", 2) end
  return core.sleep(s)
end

function S.after(s, fn, ...)
  if type(s) ~= "number" then error("after expects seconds", 2) end
  if type(fn) ~= "function" then error("after expects a function", 2) end
  local args = table.pack(...)
  local t = S.spawn(function()
    core.sleep(s)
    return fn(table.unpack(args, 1, args.n))
  end)
  t.name = fn_name(fn)   -- named after fn, not this wrapper
  return t
end

-- every(seconds, fn): runs fn as its own task every period, on a fixed
-- schedule (a slow run does not delay the next one). Returns a handle
-- with :cancel().
function S.every(s, fn, ...)
  if type(s) ~= "number" or s <= 0 then error("every expects a positive period", 2) end
  local args = table.pack(...)
  local h = { cancelled = false }
  function h:cancel() self.cancelled = true end
  h.task = S.spawn(function()
    local due = core.now()
    while not h.cancelled do
      S.spawn(fn, table.unpack(args, 1, args.n))
      due = due + s
      local d = due - core.now()
      if d < 0 then due = core.now(); d = 0 end
      core.sleep(d)
    end
  end)
  return h
end

-- counts() -> tasks not finished, listeners holding the loop
function S.counts() return live, holds end

function S.hold() holds = holds + 1 end
function S.release() holds = holds - 1 end

function S.stop()
  stopping = true
  pcall(core.loopbreak)
end


-- Runs the loop until no task or listener is left, or stop() is called.
function S.loop()
  core.engine_init()
  stopping = false
  while not stopping and (live > 0 or holds > 0) do
    if not core.step(true) then break end
  end
end

-- run(fn, ...): spawns fn and drives the loop until that task finishes
-- (other tasks and listeners stay as they are, and go on the next time the
-- loop runs). Returns what fn returned; if fn raised, raises the same
-- error here. `moonwalk run` uses loop(), which waits for everything.
function S.run(fn, ...)
  core.engine_init()
  local t = S.spawn(fn, ...)
  stopping = false
  while not t.done and not stopping do
    if not core.step(true) then break end
  end
  if t.done then
    if t.ok then return table.unpack(t.results, 1, t.results.n) end
    error(t.error, 0)
  end
  return nil, "stopped"
end

return S
