-- Prints varbinds exactly as net-snmp's tools do (snmp_sprint_value and
-- friends), with the -O output flags. MIB-aware naming and rendering come
-- from moonwalk.mib when it is loaded.
local core = require "moonwalk.core"

local F = {}

-- flags: table of -O letters set to true, e.g. { n = true, q = true }
function F.flags(s)
  local t = { _letters = s or "" }
  for c in (s or ""):gmatch(".") do t[c] = true end
  return t
end

local roots = { [0] = "ccitt", [1] = "iso", [2] = "joint-iso-ccitt" }

local function mib()
  local m = package.loaded["moonwalk.mib"]
  if m and m.loaded_count and m.loaded_count() > 0 then return m end
  return nil
end

function F.mib_active() return mib() ~= nil end

-- OID text as net-snmp prints it.
function F.oid(o, flags)
  local s = tostring(o)
  if flags.n then return "." .. s end
  local m = mib()
  if m then
    local name = m.name(s, flags._letters)
    if name then return name end
  end
  local first, rest = s:match("^(%d+)(.*)$")
  local root = roots[tonumber(first)]
  if not root then return "." .. s end
  if flags.f then return "." .. root .. rest end
  return root .. rest
end

local function uptime(t, quick)
  local cs = t % 100
  t = t // 100
  local days = t // 86400
  t = t % 86400
  local h, m, s = t // 3600, (t % 3600) // 60, t % 60
  if quick then return string.format("%d:%d:%02d:%02d.%02d", days, h, m, s, cs) end
  if days == 0 then return string.format("%d:%02d:%02d.%02d", h, m, s, cs) end
  if days == 1 then return string.format("%d day, %d:%02d:%02d.%02d", days, h, m, s, cs) end
  return string.format("%d days, %d:%02d:%02d.%02d", days, h, m, s, cs)
end
F.uptime = uptime

local function hexlines(s)
  local out = {}
  for i = 1, #s, 16 do
    local chunk = s:sub(i, i + 15)
    out[#out + 1] = (chunk:gsub(".", function(c) return string.format("%02X ", c:byte()) end))
  end
  return table.concat(out, "\n")
end
F.hexlines = hexlines

local function is_text(s)
  -- C locale isprint || isspace
  return not s:find("[^\32-\126\t\n\v\f\r]")
end

local function ascii(s)
  return (s:gsub("[^\32-\126\t\n\v\f\r]", "."):gsub('[\\"]', "\\%0"))
end

local function octets(v, flags, vb)
  if #v == 0 then return '""' end
  local hex
  if flags.x then hex = true elseif flags.a then hex = false else hex = not is_text(v) end
  if hex then
    if flags.q then return '"' .. hexlines(v) .. '"' end
    return "Hex-STRING: " .. hexlines(v)
  end
  if flags.q then return '"' .. ascii(v) .. '"' end
  return 'STRING: "' .. ascii(v) .. '"'
end

local function label(flags, l, v)
  if flags.q or flags.Q then return v end
  return l .. v
end

local exceptions = {
  noSuchObject = "No Such Object available on this agent at this OID",
  noSuchInstance = "No Such Instance currently exists at this OID",
  endOfMibView = "No more variables left in this MIB View (It is past the end of the MIB tree)",
}

-- The value part of a varbind line.
function F.value(vb, flags)
  local t, v = vb.type, vb.value
  local m = mib()
  if m and m.format_value and not flags.n_values then
    local s = m.format_value(vb.oid, t, v, flags)
    if s then return s end
  end
  if flags.Q then flags = setmetatable({ q = true }, { __index = flags }) end
  if t == "STRING" then return octets(v, flags, vb)
  elseif t == "INTEGER" then return label(flags, "INTEGER: ", tostring(v))
  elseif t == "Counter32" then return label(flags, "Counter32: ", tostring(v))
  elseif t == "Gauge32" then return label(flags, "Gauge32: ", tostring(v))
  elseif t == "UInteger32" then return label(flags, "UInteger32: ", tostring(v))
  elseif t == "Counter64" then return label(flags, "Counter64: ", require("moonwalk").u64tostring(v))
  elseif t == "Timeticks" then
    if flags.t then return tostring(v) end
    if flags.q then return uptime(v, true) end
    return string.format("Timeticks: (%d) %s", v, uptime(v))
  elseif t == "IpAddress" then return label(flags, "IpAddress: ", v)
  elseif t == "OID" then return label(flags, "OID: ", F.oid(v, flags))
  elseif t == "NULL" then return "NULL"
  elseif t == "Opaque" then
    -- net-snmp's opaque special types (RFC draft ASN.1 in Opaque): float
    -- and double, wrapped as 9f 78 04 <float> and 9f 79 08 <double>
    if #v == 7 and v:sub(1, 3) == "\159\120\4" then
      return label(flags, "Opaque: Float: ", string.format("%f", (string.unpack(">f", v, 4))))
    elseif #v == 11 and v:sub(1, 3) == "\159\121\8" then
      return label(flags, "Opaque: Float: ", string.format("%f", (string.unpack(">d", v, 4))))
    end
    -- 64-bit integers: 9f 76 (Counter64), 9f 7a (Int64), 9f 7b (UInt64)
    local t2 = #v >= 3 and v:byte(1) == 0x9f and v:byte(3) == #v - 3 and #v <= 12 and v:byte(2)
    if t2 == 0x76 or t2 == 0x7a or t2 == 0x7b then
      local n = 0
      for i = 4, #v do n = (n << 8) | v:byte(i) end
      if t2 == 0x7a and #v > 3 and #v < 11 and v:byte(4) >= 0x80 then n = n - (1 << (8 * (#v - 3))) end
      local text = t2 == 0x7a and tostring(n) or require("moonwalk").u64tostring(n)
      local name = t2 == 0x76 and "Counter64: " or t2 == 0x7a and "Int64: " or "UInt64: "
      return label(flags, "Opaque: " .. name, text)
    end
    if #v == 0 then return label(flags, "OPAQUE: ", "") end
    return label(flags, "OPAQUE: ", hexlines(v))
  elseif t == "NsapAddress" then return label(flags, "NsapAddress: ", hexlines(v))
  elseif exceptions[t] then return exceptions[t]
  end
  return tostring(v)
end

-- A whole line: "OID = VALUE", "OID VALUE" (-Oq) or "VALUE" (-Ov).
function F.varbind(vb, flags)
  local val = F.value(vb, flags)
  if flags.v then return val end
  local name = F.oid(vb.oid, flags)
  if flags.q then return name .. " " .. val end
  return name .. " = " .. val
end

return F
