-- The poller of scripts/bench/cluster: polls targets=N targets of one agent
-- (community cNNNNN per target) in rounds, each target only where
-- mw.shard(target) says it is ours, and writes "WALLCLOCK TARGET" to out=
-- for every answered poll. interval=0: rounds back to back (throughput);
-- otherwise one round every interval seconds. Stops after duration=
-- seconds. state=FILE: the members this instance sees, as JSON, after each
-- round; prometheus=HOST:PORT: an endpoint (with the cluster's series).
-- tests/interop/cluster_failover_spec.lua runs it too.
local mw = require "moonwalk"

local opt = { targets = "3000", interval = "0", duration = "10", inflight = "256" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end
local n, interval, duration = tonumber(opt.targets), tonumber(opt.interval), tonumber(opt.duration)
mw.set_max_inflight(tonumber(opt.inflight))
local targets = {}
for i = 1, n do
  targets[i] = { name = string.format("t%05d", i),
                 s = mw.session { peer = opt.agent, community = string.format("c%05d", i), version = "2c",
                                  timeout = 2, retries = 1 } }
end
local out = assert(io.open(opt.out, "a"))
if opt.prometheus then assert(mw.prometheus { listen = opt.prometheus }) end
local c = mw.cluster()
local stop_at = mw.now() + duration

local function round()
  local t0 = mw.time()
  local mine, reqs = {}, {}
  for _, t in ipairs(targets) do
    if mw.shard(t.name) then
      mine[#mine + 1] = t
      reqs[#reqs + 1] = { t.s, "get", { "1.3.6.1.2.1.1.3.0" } }
    end
  end
  local res = #reqs > 0 and mw.batch(reqs) or {}
  local lines = {}
  for i, t in ipairs(mine) do
    if res[i].varbinds then lines[#lines + 1] = string.format("%.3f %s\n", t0, t.name) end
  end
  out:write(table.concat(lines))
  out:flush()
  if opt.state and c then
    local f = assert(io.open(opt.state .. ".tmp", "w"))
    f:write(mw.json.encode { members = c:members() })
    f:close()
    os.rename(opt.state .. ".tmp", opt.state)
  end
end

if interval == 0 then
  mw.spawn(function()
    while mw.now() < stop_at do round() end
    mw.stop()
  end)
else
  local h
  h = mw.every(interval, function()
    if mw.now() >= stop_at then
      h:cancel()
      mw.stop()
      return
    end
    round()
  end)
end
