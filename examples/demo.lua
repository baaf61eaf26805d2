-- The moonwalk demo (make run): an embedded agent with live objects, a
-- poller that turns its counters into rates, and a receiver for the traps
-- it sends, all on one loop on 127.0.0.1. Ctrl-C stops it.
--
--   moonwalk run examples/demo.lua [-- port=16161 poll=3 flap=20]
--
-- The agent listens on port, the receiver on port+1. Without port= the
-- demo takes 16161, or the next free pair when that one is taken (and says
-- so); with port= it takes that pair or stops with one line saying why.
-- Colour only when stdout is a terminal and NO_COLOR is not set.
--
-- While it runs, the agent answers anyone: try
--   snmpwalk -v2c -c public 127.0.0.1:16161 1.3.6.1.2.1.2.2.1.2
local mw = require "moonwalk"

local DEFAULT_PORT = 16161
local opt = { poll = "3", flap = "20" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end
local function fail(msg)
  io.stderr:write("demo: ", msg, "\n")
  os.exit(1)
end
local AGENT_PORT = tonumber(opt.port or DEFAULT_PORT)
if not AGENT_PORT or AGENT_PORT ~= math.floor(AGENT_PORT) or AGENT_PORT < 1 or AGENT_PORT > 65534 then
  fail("port must be a number from 1 to 65534, not " .. tostring(opt.port))
end
local POLL, FLAP = tonumber(opt.poll), tonumber(opt.flap)

local color = os.getenv("NO_COLOR") == nil and require("moonwalk.core").isatty(1)
local function paint(code, s) return color and ("\27[" .. code .. "m" .. s .. "\27[0m") or s end
local function bold(s) return paint("1", s) end
local function dim(s) return paint("2", s) end
local function green(s) return paint("32", s) end
local function red(s) return paint("31", s) end
local function yellow(s) return paint("33", s) end
local function say(...) print(...) io.stdout:flush() end

-- ---------------------------------------------------------------------
-- The agent: two interfaces with traffic that moves, and a temperature
-- ---------------------------------------------------------------------
local IF = "1.3.6.1.2.1.2.2.1"          -- ifEntry
local IFX = "1.3.6.1.2.1.31.1.1.1"      -- ifXEntry
local TEMP = "1.3.6.1.4.1.99999.7.1"    -- an example enterprise object
local LINKDOWN, LINKUP = "1.3.6.1.6.3.1.1.5.3", "1.3.6.1.6.3.1.1.5.4"

local ifs = {
  { name = "eth0", speed = 1e9, base = 40e6, inn = 0, out = 0, oper = 1 },
  { name = "eth1", speed = 1e9, base = 8e6, inn = 0, out = 0, oper = 1 },
}

-- The agent on AGENT_PORT and the receiver on the port after it: the first
-- free pair from DEFAULT_PORT on, or exactly the pair asked for.
local function open(port)
  local rx, err = mw.trapd { listen = "udp:127.0.0.1:" .. (port + 1), community = "public", stats_interval = 0 }
  if not rx then return nil, nil, err end
  local agent, aerr = mw.agent {
    listen = "udp:127.0.0.1:" .. port,
    communities = { public = "ro" },
    system = { descr = "moonwalk demo agent", name = "demo", location = "your laptop" },
    notify = { { peer = "127.0.0.1:" .. (port + 1), version = "2c", community = "public" } },
  }
  if not agent then
    rx:close()
    return nil, nil, "agent: " .. aerr
  end
  return agent, rx
end

local agent, rx, err
local tries = opt.port and 1 or 50
for _ = 1, tries do
  agent, rx, err = open(AGENT_PORT)
  if agent or not tostring(err):find("in use", 1, true) or AGENT_PORT + 3 > 65535 then break end
  if tries > 1 then AGENT_PORT = AGENT_PORT + 2 end
end
if not agent then
  if opt.port then
    fail(string.format("ports %d and %d: %s (make run PORT=N takes N and N+1)", AGENT_PORT, AGENT_PORT + 1, err))
  end
  fail(string.format("no free pair of ports from %d to %d: %s", DEFAULT_PORT, AGENT_PORT + 1, err))
end
local TRAP_PORT = AGENT_PORT + 1

agent:table {
  oid = IF, index = "integer",
  rows = ifs,
  columns = {
    [1] = { type = "INTEGER", get = function(_, i) return i end },
    [2] = { type = "STRING", get = function(r) return r.name end },
    [5] = { type = "Gauge32", get = function(r) return math.floor(r.speed) end },
    [7] = { type = "INTEGER", get = function() return 1 end },
    [8] = { type = "INTEGER", get = function(r) return r.oper end },
    [10] = { type = "Counter32", get = function(r) return r.inn & 0xFFFFFFFF end },
    [16] = { type = "Counter32", get = function(r) return r.out & 0xFFFFFFFF end },
  },
}
agent:table {
  oid = IFX, index = "integer",
  rows = ifs,
  columns = {
    [1] = { type = "STRING", get = function(r) return r.name end },
    [6] = { type = "Counter64", get = function(r) return r.inn end },
    [10] = { type = "Counter64", get = function(r) return r.out end },
  },
}
local temperature = 41.0
agent:scalar { oid = TEMP, type = "INTEGER", get = function() return math.floor(temperature * 10 + 0.5) end }

-- traffic: each interface follows a slow wave; a down link carries nothing
local t0, last = mw.now(), mw.now()
mw.every(0.25, function()
  local now = mw.now()
  local dt = now - last
  last = now
  for i, r in ipairs(ifs) do
    if r.oper == 1 then
      local wave = 1 + 0.6 * math.sin((now - t0) / (7 + i * 3))
      r.inn = r.inn + math.floor(r.base * wave * dt / 8)
      r.out = r.out + math.floor(r.base * 0.4 * (2 - wave) * dt / 8)
    end
  end
  temperature = 41 + 3 * math.sin((now - t0) / 20)
end)

-- eth1 flaps: down for a while every FLAP seconds, and the agent says so
mw.every(FLAP, function()
  if mw.now() - t0 < 1 then return end
  local r = ifs[2]
  r.oper = 2
  agent:notify(LINKDOWN, { { IF .. ".1.2", "INTEGER", 2 }, { IF .. ".7.2", "INTEGER", 1 },
                           { IF .. ".8.2", "INTEGER", 2 } })
  mw.after(math.min(6, FLAP / 2), function()
    r.oper = 1
    agent:notify(LINKUP, { { IF .. ".1.2", "INTEGER", 2 }, { IF .. ".7.2", "INTEGER", 1 },
                           { IF .. ".8.2", "INTEGER", 1 } })
  end)
end)

-- ---------------------------------------------------------------------
-- The poller: counters into rates
-- ---------------------------------------------------------------------
local s = mw.session { peer = "127.0.0.1:" .. AGENT_PORT, community = "public", timeout = 1, retries = 1 }

local function human(bps)
  local units = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s" }
  local i = 1
  while bps >= 1000 and i < #units do bps = bps / 1000; i = i + 1 end
  return string.format("%6.1f %-6s", bps, units[i])
end

local function column(oid)
  local out = {}
  local vbs, err = s:walk_all(oid)
  if not vbs then return nil, err end
  for _, vb in ipairs(vbs) do out[tonumber(vb.oid:match("(%d+)$"))] = vb.value end
  return out
end

local prev, npoll = nil, 0
mw.every(POLL, function()
  npoll = npoll + 1
  local started = mw.now()
  local names, err = column(IFX .. ".1")
  local inn = names and column(IFX .. ".6")
  local out = names and column(IFX .. ".10")
  local oper = names and column(IF .. ".8")
  local temp = names and s:get { TEMP .. ".0" }
  if not (names and inn and out and oper and temp) then
    say(os.date("%H:%M:%S") .. "  " .. red("poll failed: " .. tostring(err)))
    return
  end
  local now = mw.now()
  local cur = { t = now, inn = inn, out = out }
  say(string.format("%s  %s  %s", os.date("%H:%M:%S"), bold("poll #" .. npoll),
    dim(string.format("(%.1f ms)", (now - started) * 1000))))
  for i = 1, #names do
    local state = oper[i] == 1 and green("up  ") or red("down")
    local rates = dim("  (rates from the next poll)")
    if prev then
      local dt = now - prev.t
      local in_bps = (inn[i] - prev.inn[i]) * 8 / dt
      local out_bps = (out[i] - prev.out[i]) * 8 / dt
      rates = string.format("  in %s  out %s", human(in_bps), human(out_bps))
    end
    say(string.format("          %-5s %s%s", names[i], state, rates))
  end
  say(string.format("          temperature %.1f °C", temp[1].value / 10))
  prev = cur
end)

-- ---------------------------------------------------------------------
-- The receiver: the agent's traps, enriched with a GET
-- ---------------------------------------------------------------------
local names = { [LINKDOWN] = "linkDown", [LINKUP] = "linkUp" }
rx:on(function(n)
  local what = names[n.trap_oid] or n.trap_oid
  local idx
  for _, vb in ipairs(n.varbinds) do
    idx = idx or tonumber(vb.oid:match("^1%.3%.6%.1%.2%.1%.2%.2%.1%.1%.(%d+)$"))
  end
  local descr = ""
  if idx then
    local vbs = s:get { IF .. ".2." .. idx }
    descr = vbs and vbs[1].value or ("ifIndex " .. idx)
  end
  local tag = what == "linkDown" and red("TRAP " .. what) or (what == "linkUp" and green("TRAP " .. what) or yellow("TRAP " .. what))
  say(string.format("%s  %s  %s %s", os.date("%H:%M:%S"), bold(tag), descr,
    dim(string.format("from %s:%d, uptime %.2f s", n.source, n.port, (n.uptime or 0) / 100))))
end)

if not opt.port and AGENT_PORT ~= DEFAULT_PORT then
  say(yellow(string.format("port %d is busy: using %d and %d", DEFAULT_PORT, AGENT_PORT, TRAP_PORT)))
end
say(bold("moonwalk demo") .. " — an agent, a poller and a trap receiver on one loop")
say(string.format("  agent     udp:127.0.0.1:%d  %s", AGENT_PORT,
  dim(string.format("(try: snmpwalk -v2c -c public 127.0.0.1:%d 1.3.6.1.2.1.2.2.1.2)", AGENT_PORT))))
say(string.format("  receiver  udp:127.0.0.1:%d", TRAP_PORT))
say(string.format("  polling every %g s; eth1 flaps every %g s. Ctrl-C to stop.", POLL, FLAP))
say("")
