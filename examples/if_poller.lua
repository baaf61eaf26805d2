-- Interface poller with rates.
--
--   moonwalk run examples/if_poller.lua -- peer=127.0.0.1:161 community=public interval=10
--
-- Every `interval` seconds it reads ifDescr and the interface octet
-- counters (the 64-bit ifHCInOctets/ifHCOutOctets when the agent has
-- them, else ifInOctets/ifOutOctets) and prints each interface's traffic
-- as bits per second, computed from the change since the previous poll.
-- Counter32 wraps are accounted for; a counter that went back (the agent
-- restarted, or the interface was reset) gives no rate for that round.
--
-- Options (key=value after --):
--   peer, community, version (2c), interval (seconds, 10), count (polls,
--   0 = forever), format (text | json), prometheus (host:port to export
--   if_in_bps / if_out_bps gauges), shard-aware: with several peers
--   (peer=a,b,c) each instance of `moonwalk run --shard K/N` polls its own.
local mw = require "moonwalk"

local opt = { peer = "127.0.0.1:161", community = "public", version = "2c", interval = "10",
              count = "0", format = "text" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end
local interval, count = tonumber(opt.interval), tonumber(opt.count)

local IF_DESCR = "1.3.6.1.2.1.2.2.1.2"
local COUNTERS = {
  hc = { ["in"] = "1.3.6.1.2.1.31.1.1.1.6", out = "1.3.6.1.2.1.31.1.1.1.10" },
  c32 = { ["in"] = "1.3.6.1.2.1.2.2.1.10", out = "1.3.6.1.2.1.2.2.1.16" },
}

local json = opt.format == "json" and mw.json.lines() or nil
local prom, g_in, g_out
if opt.prometheus then
  prom = assert(mw.prometheus { listen = opt.prometheus })
  g_in = prom:gauge { name = "if_in_bps", help = "Inbound traffic, bits per second", labels = { "target", "ifDescr" } }
  g_out = prom:gauge { name = "if_out_bps", help = "Outbound traffic, bits per second", labels = { "target", "ifDescr" } }
end

-- column OID -> { [ifIndex] = value }
local function column(s, oid)
  local out, typ = {}, nil
  -- a dead agent should fail fast: no smaller retries on timeout
  local vbs, err = s:walk_all(oid, { adaptive = false })
  if not vbs then return nil, err end
  for _, vb in ipairs(vbs) do
    out[tonumber(vb.oid:match("(%d+)$"))] = vb.value
    typ = vb.type
  end
  return out, typ
end

-- the counter's increase since prev, or nil when it went back
local function delta(cur, prev, typ)
  if prev == nil or cur == nil then return nil end
  local d = cur - prev
  if typ == "Counter32" then
    if d < 0 then d = d + 0x100000000 end
    return d
  end
  -- Counter64 in Lua's wrapping 64-bit integers: a small step forward is
  -- a small positive difference, even across 2^63
  if d < 0 then return nil end
  return d
end

local function human(bps)
  local units = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" }
  local i = 1
  while bps >= 1000 and i < #units do bps = bps / 1000; i = i + 1 end
  return string.format("%7.2f %-6s", bps, units[i])
end

local function poller(peer)
  local s = mw.session { peer = peer, community = opt.community, version = opt.version, timeout = 2, retries = 1 }
  local prev = {}      -- ifIndex -> { t=, inn=, out= }
  local kind           -- "hc" or "c32", found on the first poll
  local busy = false   -- a slow agent: skip a round rather than pile up
  local function poll()
    local descr, err = column(s, IF_DESCR)
    if not descr then mw.log.warn("%s: %s", peer, tostring(err)) return end
    local inn, out, typ
    if kind ~= "c32" then
      inn, typ = column(s, COUNTERS.hc["in"])
      if inn and next(inn) then kind = "hc" else kind = "c32" end
    end
    if kind == "c32" then inn, typ = column(s, COUNTERS.c32["in"]) end
    out = column(s, COUNTERS[kind].out)
    if not inn or not out then mw.log.warn("%s: counters unavailable", peer) return end
    local now = mw.now()
    local indexes = {}
    for idx in pairs(descr) do indexes[#indexes + 1] = idx end
    table.sort(indexes)
    for _, idx in ipairs(indexes) do
      local p = prev[idx]
      local cur = { t = now, inn = inn[idx], out = out[idx] }
      if p then
        local dt = now - p.t
        local di, dout = delta(cur.inn, p.inn, typ), delta(cur.out, p.out, typ)
        if di and dout and dt > 0 then
          local in_bps, out_bps = di * 8 / dt, dout * 8 / dt
          if json then
            json:write { time = mw.time(), target = peer, ifIndex = idx, ifDescr = descr[idx],
                         in_bps = in_bps, out_bps = out_bps, in_octets = cur.inn, out_octets = cur.out,
                         counters = kind == "hc" and 64 or 32 }
          else
            print(string.format("%s  %-21s %-16s in %s  out %s", os.date("%H:%M:%S"), peer,
              descr[idx], human(in_bps), human(out_bps)))
          end
          if prom then
            g_in:set(in_bps, { target = peer, ifDescr = descr[idx] })
            g_out:set(out_bps, { target = peer, ifDescr = descr[idx] })
          end
        end
      end
      prev[idx] = cur
    end
    io.stdout:flush()
  end
  return function()
    if busy then mw.log.warn("%s: previous poll still running, skipping this one", peer) return end
    busy = true
    local ok, err = pcall(poll)
    busy = false
    if not ok then error(err, 0) end
  end
end

local peers = {}
for p in opt.peer:gmatch("[^,]+") do peers[#peers + 1] = p end
peers = mw.shard.filter(peers)
local polls = {}
for _, p in ipairs(peers) do polls[#polls + 1] = poller(p) end

local rounds = 0
local job
job = mw.every(interval, function()
  rounds = rounds + 1
  local tasks = {}
  for _, poll in ipairs(polls) do tasks[#tasks + 1] = mw.spawn(poll) end
  mw.wait_all(tasks)
  if count > 0 and rounds >= count then
    job:cancel()
    if prom then mw.stop() end
  end
end)
