-- scripts/bench/cluster_traps (run by it): traps/s stored and handled
-- through JetStream with 1 and 3 clustered receivers, against one
-- moonwalk receiver alone (no NATS), on this machine. Every receiver gets
-- every trap (the same datagram); handlers only count.
local N, RATE = ...
N, RATE = tonumber(N) or 20000, tonumber(RATE) or 100000
package.path = os.getenv("PWD") .. "/tests/support/?.lua;" .. package.path
local core = require "moonwalk.core"
local nats = require "nats"
local tc = require "trapcluster"
local R = require "run"

local ALONE = [[
local mw = require "moonwalk"
local port, file = ...
local rx = assert(mw.trapd { listen = "udp:127.0.0.1:" .. port, community = "public", stats_interval = 0,
  queue = 100000 })
local n = 0
rx:on(function() n = n + 1 end)
mw.every(0.05, function()
  local f = assert(io.open(file .. ".tmp", "w"))
  f:write(n)
  f:close()
  os.rename(file .. ".tmp", file)
end)
]]

local function wait_for(what, get, seconds)
  local deadline = core.now() + seconds
  while core.now() < deadline do
    local v = get()
    if v and v >= N then return core.now() end
    os.execute("sleep 0.02")
  end
  error(what .. " did not reach " .. N)
end

local function alone()
  local env = tc.new()
  local port = core.free_udp_port()
  R.write(env.dir .. "/alone.lua", ALONE)
  local pid = R.sh(string.format("%s%s run %s/alone.lua -- %d %s/alone.count >%s/alone.log 2>&1 & echo $!",
    tc.ENV, tc.BIN, env.dir, port, env.dir, env.dir)):match("(%d+)")
  local count = function() return tonumber(R.slurp(env.dir .. "/alone.count")) end
  wait_for("start", function() return count() and N end, 20)
  local t0 = core.now()
  env:send_bg(1, N, { port }, RATE)
  local t = wait_for("handled", count, 120)
  os.execute("kill " .. pid)
  env:cleanup()
  return N / (t - t0)
end

local function clustered(k)
  local server = nats.start {}
  local env = tc.new()
  local ports, ids = {}, {}
  for i = 1, k do
    ids[i] = "r" .. i
    ports[i] = env:receiver(ids[i], server.url, { handle = "count", name = "bench" .. k })
  end
  for i = 1, k do env:wait_ready(ids[i], true) end
  local function sum(field)
    return function()
      local total = 0
      for i = 1, k do
        local s = env:stats(ids[i])
        if not s then return nil end
        total = total + s[field]
      end
      return total
    end
  end
  local t0 = core.now()
  env:send_bg(1, N, ports, RATE)
  local stored, handled
  local deadline = core.now() + 300
  while core.now() < deadline and not (stored and handled) do
    if not stored and (sum("stream_stored")() or 0) >= N then stored = core.now() end
    if not handled and (sum("stream_handled")() or 0) >= N then handled = core.now() end
    os.execute("sleep 0.02")
  end
  assert(stored and handled, "not all stored and handled")
  local s = sum("stream_dropped")() + sum("dropped")()
  env:cleanup()
  server:cleanup()
  return N / (stored - t0), N / (handled - t0), s
end

print(string.format("%d v2c traps sent at up to %d/s to every receiver; handlers count; "
  .. "moonwalk, nats-server and the sender share this machine's CPUs (%s)", N, RATE,
  R.sh("nproc"):gsub("%s+$", "") .. " here"))
local a = alone()
print(string.format("%-44s %10s %10s", "", "stored/s", "handled/s"))
print(string.format("%-44s %10s %10.0f", "moonwalk trapd alone (no NATS)", "-", a))
for _, k in ipairs { 1, 3 } do
  local st, h, dropped = clustered(k)
  print(string.format("%-44s %10.0f %10.0f   (%.2fx of alone; %d dropped)",
    string.format("%d receiver%s through JetStream (nats-server -js)", k, k > 1 and "s" or ""), st, h, h / a, dropped))
end
print(string.format("command: scripts/bench/cluster_traps -n %d -r %d; load average now: %s", N, RATE,
  (R.slurp("/proc/loadavg"):match("^(%S+ %S+ %S+)") or "?")))
