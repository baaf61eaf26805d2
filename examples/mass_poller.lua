-- Mass poller: thousands of targets from a file, polled on one loop.
--
--   moonwalk run examples/mass_poller.lua -- targets=targets.txt interval=60
--   moonwalk run --shard 0/3 examples/mass_poller.lua -- targets=targets.txt   (and 1/3, 2/3)
--   moonwalk run --cluster nats://127.0.0.1:4222 examples/mass_poller.lua -- targets=targets.txt
--
-- The target file has one target a line: NAME HOST[:PORT] [COMMUNITY]
-- ("#" starts a comment). Every `interval` seconds each target this
-- instance owns (mw.shard: with --shard K/N the N instances split the
-- file between them, each target to exactly one; with --cluster the live
-- instances do, and each round asks again, so the targets of an instance
-- that dies are polled by the others from their next round) is asked for sysUpTime.0
-- and sysName.0. All requests of a round go out together through
-- mw.batch, the engine keeping at most `inflight` of them on the wire.
--
-- Output: one JSON line per target and round (to stdout or out=FILE),
--   {"round":1,"target":"r1","peer":"10.0.0.1:161","ok":true,"uptime":123,"sysName":"r1"}
--   {"round":1,"target":"r2","peer":"10.0.0.2:161","ok":false,"error":"Timeout: ..."}
-- and a summary line per round on the log.
--
-- Options (key=value after --): targets (file), interval (60), count
-- (rounds, 0 = forever), community (public), version (2c), timeout (1),
-- retries (1), inflight (500), out (file), prometheus (host:port: exports
-- snmp_up and snmp_uptime_seconds per target).
local mw = require "moonwalk"

local opt = { targets = "targets.txt", interval = "60", count = "0", community = "public",
              version = "2c", timeout = "1", retries = "1", inflight = "500" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local function load_targets(path)
  local list = {}
  local f = assert(io.open(path))
  local n = 0
  for line in f:lines() do
    n = n + 1
    line = line:gsub("#.*$", "")
    local name, peer, community = line:match("^%s*(%S+)%s+(%S+)%s*(%S*)")
    if name then
      list[#list + 1] = { name = name, peer = peer, community = community ~= "" and community or opt.community }
    elseif line:match("%S") then
      mw.log.warn("%s:%d: expected NAME HOST[:PORT] [COMMUNITY]", path, n)
    end
  end
  f:close()
  return list
end

local all = load_targets(opt.targets)
local function name(t) return t.name end
local k, n = mw.shard.config()
if mw.cluster() then
  mw.log.info("%d targets in %s, %d for this instance now (cluster %s)", #all, opt.targets,
    #mw.shard.filter(all, name), mw.cluster().name)
else
  mw.log.info("%d targets in %s, %d for this instance (shard %d/%d)", #all, opt.targets,
    #mw.shard.filter(all, name), k, n)
end

mw.set_max_inflight(tonumber(opt.inflight))
local function session(t)
  t.session = t.session or mw.session { peer = t.peer, community = t.community, version = opt.version,
                                        timeout = tonumber(opt.timeout), retries = tonumber(opt.retries) }
  return t.session
end

local out = mw.json.lines(opt.out)
local prom, up, uptime
if opt.prometheus then
  prom = assert(mw.prometheus { listen = opt.prometheus })
  up = prom:gauge { name = "snmp_up", help = "1 when the target answered the last poll", labels = { "target" } }
  uptime = prom:gauge { name = "snmp_uptime_seconds", help = "sysUpTime of the target", labels = { "target" } }
end

local OIDS = { "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.5.0" }
local round, count = 0, tonumber(opt.count)
local job, done
job = mw.every(tonumber(opt.interval), function()
  if done then return end
  round = round + 1
  local r = round
  local t0 = mw.now()
  local mine = mw.shard.filter(all, name) -- follows the live set of a cluster
  if prom then
    -- the endpoint serves this instance's own targets: drop the series of
    -- those that went to another instance
    local ours = {}
    for _, t in ipairs(mine) do ours[t.name] = true end
    for _, t in ipairs(all) do
      if t.exported and not ours[t.name] then
        up:remove { target = t.name }
        uptime:remove { target = t.name }
        t.exported = nil
      end
    end
  end
  local reqs = {}
  for i, t in ipairs(mine) do reqs[i] = { session(t), "get", OIDS } end
  local res = #reqs > 0 and mw.batch(reqs) or {}
  local ok, failed = 0, 0
  for i, t in ipairs(mine) do
    local x = res[i]
    local line = { round = r, target = t.name, peer = t.peer }
    if x.varbinds then
      ok = ok + 1
      line.ok = true
      line.uptime = x.varbinds[1].value
      line.sysName = x.varbinds[2].value
      if prom then
        t.exported = true
        up:set(1, { target = t.name })
        uptime:set(line.uptime / 100, { target = t.name })
      end
    else
      failed = failed + 1
      line.ok = false
      line.error = tostring(x.error)
      if prom then
        t.exported = true
        up:set(0, { target = t.name })
      end
    end
    out:write(line)
  end
  mw.log.info("round %d: %d targets, %d answered, %d failed, %.2f s", r, #mine, ok, failed, mw.now() - t0)
  if count > 0 and r >= count then
    done = true
    -- (a round with nothing to wait for ends before mw.every returns)
    if job then job:cancel() end
    if prom then mw.stop() end
  end
end)
if done then job:cancel() end
