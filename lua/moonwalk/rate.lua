-- moonwalk.rate: counters as rates, the way every interface poller needs
-- them and gets them wrong by hand.
--
--   local rates = mw.rate()
--   mw.every(30, function()
--     local vbs = dev:get{ "sysUpTime.0", "ifHCInOctets.2" }
--     local bps, why = rates:update("eth0.in", vbs[2], { uptime = vbs[1].value })
--     if bps then print(bps * 8, "bit/s") else print("no rate yet:", why) end
--   end)
--
-- update(key, reading, opts) keeps the last reading of each key and returns
-- the increase per second since it, or nil and why not:
--   "first"          the first reading of the key (it becomes the baseline)
--   "restart"        the agent's sysUpTime went back: it restarted, so the
--                    counter may have started again from zero
--   "discontinuity"  a Counter64 went back (it does not wrap in practice),
--                    or a Counter32 delta implies more than opts.max_rate
--   "no time"        no time has passed since the last reading
-- A Counter32 that went back wrapped at 2^32 (RFC 2578 7.1.6), unless that
-- would mean more than opts.max_rate per second.
-- reading is a varbind ({type=, value=}) or a number with opts.type.
-- opts.uptime: the agent's sysUpTime.0 (TimeTicks) read with the counter,
-- the best clock (the agent's own, free of polling jitter); without it,
-- opts.at (seconds) or mw.now() is used.
local core = require "moonwalk.core"

local M = {}
local Rates = {}
Rates.__index = Rates
Rates.__name = "moonwalk.rate"

local TWO32 = 4294967296.0
local TWO64 = 18446744073709551616.0

local kinds = { Counter32 = "Counter32", Counter64 = "Counter64" }

-- unsigned 64-bit integer as a float
local function ufloat(v)
  if v >= 0 then return v + 0.0 end
  return v + TWO64
end

function M.new()
  return setmetatable({ last = {} }, Rates)
end

function Rates:update(key, reading, opts)
  if key == nil then error("rate:update needs a key", 2) end
  opts = opts or {}
  local kind, value
  if type(reading) == "table" then
    kind, value = reading.type, reading.value
  else
    kind, value = opts.type, reading
  end
  kind = kinds[kind]
  if not kind then error("rate:update needs a Counter32 or Counter64 reading (a varbind or opts.type)", 2) end
  if math.type(value) ~= "integer" then error("rate:update: the counter value must be an integer", 2) end
  local uptime = opts.uptime
  if type(uptime) == "table" then uptime = uptime.value end
  if uptime ~= nil and math.type(uptime) ~= "integer" then error("rate:update: uptime must be TimeTicks", 2) end
  local now = uptime == nil and (opts.at or core.now()) or nil

  local prev = self.last[key]
  local cur = { kind = kind, value = value, uptime = uptime, at = now }
  if not prev or prev.kind ~= kind or (prev.uptime == nil) ~= (uptime == nil) then
    self.last[key] = cur
    return nil, "first"
  end
  local dt
  if uptime ~= nil then
    if uptime < prev.uptime then
      self.last[key] = cur
      return nil, "restart"
    end
    dt = (uptime - prev.uptime) / 100
  else
    dt = now - prev.at
  end
  if dt <= 0 then return nil, "no time" end

  local delta
  if kind == "Counter64" then
    if math.ult(value, prev.value) then
      self.last[key] = cur
      return nil, "discontinuity"
    end
    delta = ufloat(value - prev.value)
  elseif value >= prev.value then
    delta = (value - prev.value) + 0.0
  else
    delta = value + TWO32 - prev.value
  end
  local rate = delta / dt
  self.last[key] = cur
  if opts.max_rate and rate > opts.max_rate then return nil, "discontinuity" end
  return rate
end

-- Forgets one key (or all): the next reading is a first one.
function Rates:forget(key)
  if key == nil then self.last = {} else self.last[key] = nil end
end

return setmetatable(M, { __call = function(_, ...) return M.new(...) end })
