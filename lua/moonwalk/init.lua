-- moonwalk: SNMP for Lua 5.4. The C half is moonwalk.core; this file adds
-- typed values and gathers the rest of the API.
local core = require "moonwalk.core"

local M = { core = core, version = core.version }

M.oid = core.oid
M.is_oid = core.is_oid
M.encode = core.encode
M.decode = core.decode
M.tohex = core.tohex
M.fromhex = core.fromhex

-- Typed values: {type = <net-snmp type name>, value = <Lua value>}.
local Value = {}
Value.__index = Value
Value.__name = "moonwalk.value"

local function u64tostring(v)
  if v >= 0 then return tostring(v) end
  local q = (v >> 1) // 5          -- unsigned v // 10
  return tostring(q) .. tostring(v - q * 10)
end
M.u64tostring = u64tostring

function Value.__tostring(v)
  local val = v.value
  if v.type == "Counter64" then val = u64tostring(val) end
  return string.format("%s: %s", v.type, tostring(val))
end

function Value.__eq(a, b)
  return a.type == b.type and a.value == b.value
end

M.Value = Value

local function check_int(v, lo, hi, name)
  if math.type(v) ~= "integer" then
    error(string.format("%s expects an integer, got %s", name, math.type(v) or type(v)), 3)
  end
  if v < lo or v > hi then
    error(string.format("value %d out of range for %s", v, name), 3)
  end
  return v
end

local function make(name, check)
  return function(v)
    return setmetatable({ type = name, value = check(v) }, Value)
  end
end

M.Integer32 = make("INTEGER", function(v) return check_int(v, -2147483648, 2147483647, "Integer32") end)
M.Integer = M.Integer32
M.OctetString = make("STRING", function(v)
  if type(v) ~= "string" then error("OctetString expects a string", 3) end
  return v
end)
M.ObjectIdentifier = make("OID", function(v) return core.oid(v) end)
M.IpAddress = make("IpAddress", function(v)
  local a, b, c, d = tostring(v):match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a or tonumber(a) > 255 or tonumber(b) > 255 or tonumber(c) > 255 or tonumber(d) > 255 then
    error(string.format("bad IpAddress %q", tostring(v)), 3)
  end
  return v
end)
M.Counter32 = make("Counter32", function(v) return check_int(v, 0, 0xFFFFFFFF, "Counter32") end)
M.Gauge32 = make("Gauge32", function(v) return check_int(v, 0, 0xFFFFFFFF, "Gauge32") end)
M.Unsigned32 = M.Gauge32
M.TimeTicks = make("Timeticks", function(v) return check_int(v, 0, 0xFFFFFFFF, "TimeTicks") end)
M.Opaque = make("Opaque", function(v)
  if type(v) ~= "string" then error("Opaque expects a string", 3) end
  return v
end)
M.Counter64 = make("Counter64", function(v)
  if type(v) == "string" then
    -- decimal text up to 2^64-1, kept exact as a wrapped Lua integer
    if not v:match("^%d+$") then error(string.format("bad Counter64 %q", v), 3) end
    local n = 0
    for d in v:gmatch("%d") do
      local nn = n * 10 + tonumber(d)
      if math.ult(nn, n) and n ~= 0 or (n ~= 0 and math.ult(0x1999999999999999, n)) then
        error(string.format("Counter64 %s out of range", v), 3)
      end
      n = nn
    end
    return n
  end
  if math.type(v) ~= "integer" then error("Counter64 expects an integer", 3) end
  return v
end)
M.Null = function() return setmetatable({ type = "NULL" }, Value) end

-- Tasks, timers and the loop
local sched = require "moonwalk.sched"
M.spawn = sched.spawn
M.every = sched.every
M.after = sched.after
M.sleep = sched.sleep
M.wait_all = sched.wait_all
M.run = sched.run
M.loop = sched.loop
M.stop = sched.stop
M.now = core.now
M.time = core.time

M.log = require "moonwalk.log"

-- Manager
local session = require "moonwalk.session"
M.session = session.new
M.batch = session.batch
M.Error = session.Error

-- Engine counters (sent, retransmits, timeouts, parse_errors, unknown_ids, ...)
function M.stats() core.engine_init(); return core.stats() end
-- Global limit on requests in flight; the rest wait in FIFO order.
function M.set_max_inflight(n) core.engine_init(); core.set_max_inflight(n) end

-- Engine IDs as lowercase hex
function M.hex(s) return core.tohex(s) end

-- HTTP client on the loop (waits, so inside a task):
-- http_request{ url =, method = "GET", body =, headers = {}, timeout = 10 }
-- -> status, body, headers | nil, err
M.http_request = core.http_request

-- The process's local SNMP engine (v3 traps from mw.trap carry its engine
-- ID, boots and time); with { engine_id =, boots =, state = DIR, file = }
-- it is restarted first, keeping its ID and boots in DIR.
function M.local_engine(opts) return core.local_engine(opts) end

-- Names work wherever an OID does, with no mw.mib.load first: the first
-- name loads the MIB layer (and its default modules, as the CLI does),
-- which then resolves it and every later one.
core.mib_set_resolver(function(name)
  local mib = require "moonwalk.mib"   -- installs its own resolver
  local o, err = mib.oid(name)
  if o then return o end
  return nil, err
end)

-- Varbinds are plain tables {oid=, type=, value=}; what needs the MIBs is
-- computed when asked, exactly as the CLI prints it:
--   vb.name        "IF-MIB::ifDescr.3" (numeric when no module names it)
--   vb:text([flags])   the value part: "STRING: eth0", "INTEGER: up(1)";
--                  flags are -O letters ("v", "e", "U", ...)
--   tostring(vb)   the whole line: "IF-MIB::ifDescr.3 = STRING: eth0"
local Varbind = { __name = "moonwalk.varbind" }
local function fmt_with_mibs()
  require "moonwalk.mib"
  return require "moonwalk.fmt"
end
function Varbind.text(vb, flags)
  local fmt = fmt_with_mibs()
  return fmt.value(vb, fmt.flags(flags))
end
function Varbind.__index(vb, k)
  if k == "name" then
    local fmt = fmt_with_mibs()
    return fmt.oid(rawget(vb, "oid"), fmt.flags(""))
  end
  if k == "text" then return Varbind.text end
  return nil
end
function Varbind.__tostring(vb)
  local fmt = fmt_with_mibs()
  return fmt.varbind(vb, fmt.flags(""))
end
core.set_varbind_meta(Varbind)
M.Varbind = Varbind

-- Parts loaded on first use
setmetatable(M, { __index = function(t, k)
  local parts = { mib = "moonwalk.mib", agent = "moonwalk.agent", trapd = "moonwalk.trapd",
                  trap = "moonwalk.notify", inform = "moonwalk.notify", json = "moonwalk.json",
                  prometheus = "moonwalk.prometheus", influx = "moonwalk.influx", shard = "moonwalk.shard",
                  rate = "moonwalk.rate", cluster = "moonwalk.cluster", output = "moonwalk.output" }
  local mod = parts[k]
  if not mod then return nil end
  local ok, m = pcall(require, mod)
  if not ok then
    if tostring(m):find("module '" .. mod .. "' not found", 1, true) then return nil end
    error(m, 2)
  end
  local v = m
  if k == "trap" or k == "inform" or k == "agent" or k == "trapd" or k == "shard" then v = m[k] or m end
  rawset(t, k, v)
  return v
end })

return M
