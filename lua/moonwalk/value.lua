-- moonwalk.value: the typed values of the Lua API (mw.Integer32(5),
-- mw.OctetString("x"), ...), each {type = <net-snmp type name>, value =
-- <Lua value>} with the metatable mw.Value. moonwalk (init.lua) gives them
-- on first use: a one-shot command makes none.
local core = require "moonwalk.core"

local M = {}

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

return M
