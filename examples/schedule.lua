-- Tasks and timers: every option of mw.every, mw.after and mw.spawn.
--
--   moonwalk run examples/schedule.lua [-- period=0.2 runs=3]
--
-- mw.every(seconds, fn, ...) runs fn(...) as its own task every period,
-- on a fixed schedule: run n starts at start + n * period whatever the
-- earlier runs took, so a slow run does not push the next one back (runs
-- may overlap; a run that starts late does not make the next ones late
-- too). Arguments after fn are passed to every run. It returns a handle:
-- h:cancel() stops the runs still to come (one in progress goes on), and
-- h.task is the timer's own task. A run that raises is logged with its
-- traceback and named after fn (the file and line where fn is defined);
-- the next runs go on.
--
-- mw.after(seconds, fn, ...) runs fn(...) once after the delay; under
-- `moonwalk run` it also returns a handle with :cancel().
-- mw.spawn(fn, ...) runs fn(...) at once as a task; task:wait() waits
-- for it (ok, results...), mw.wait_all{tasks} for several.
-- Under `moonwalk run` SIGTERM stops the timers and waits for runs in
-- progress (--grace seconds); the script ends when no task, timer or
-- listener is left.
local mw = require "moonwalk"

local opt = { period = "0.2", runs = "3" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end
local period, runs = tonumber(opt.period), tonumber(opt.runs)

-- a periodic job with arguments, cancelled from inside after `runs` runs
local n = 0
local job
local function poll(label, target)
  n = n + 1
  print(string.format("every: run %d of %s for %s", n, label, target))
  if n == runs then job:cancel() end
  if n == 2 then error("run 2 fails; the next run still comes") end
end
job = mw.every(period, poll, "poll", "127.0.0.1")

-- once, later, with arguments; and one cancelled before it runs
mw.after(period / 2, function(what) print("after: " .. what) end, "once")
local never = mw.after(period * 10, function() print("after: cancelled, never printed") end)
never:cancel()

-- tasks that return values, waited for together
local a = mw.spawn(function(x) mw.sleep(period / 4) return x * 2 end, 21)
local b = mw.spawn(function() mw.sleep(period / 8) return "b" end)
mw.spawn(function()
  local res = mw.wait_all { a, b }
  print(string.format("wait_all: %s %s, %s %s", tostring(res[1][1]), res[1][2], tostring(res[2][1]), res[2][2]))
  local ok, v = a:wait()
  print("wait: " .. tostring(ok) .. " " .. v .. " " .. a:status())
end)
