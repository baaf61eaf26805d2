-- Prints varbinds exactly as net-snmp's tools do (snmp_sprint_value and
-- friends), with the -O output flags. MIB-aware naming and rendering come
-- from moonwalk.mib when it is loaded; otherwise net-snmp's rules without
-- MIBs, which live in C (src/app/fmt.c) and serve the CLI's walks too.
local core = require "moonwalk.core"

local F = {}

-- flags: table of -O letters set to true, e.g. { n = true, q = true },
-- with the letters themselves in _letters
function F.flags(s)
  local t = { _letters = s or "" }
  for c in (s or ""):gmatch(".") do t[c] = true end
  return t
end

local function mib()
  local m = package.loaded["moonwalk.mib"]
  if m and m.loaded_count and m.loaded_count() > 0 then return m end
  return nil
end

function F.mib_active() return mib() ~= nil end

-- OID text as net-snmp prints it.
function F.oid(o, flags)
  local m = not flags.n and mib()
  if m then
    local name = m.name(tostring(o), flags._letters)
    if name then return name end
  end
  return core.fmt_oid(o, flags._letters)
end

-- Time ticks as net-snmp spells them: "1 day, 0:00:00.00" (quick:
-- "1:0:00:00.00").
function F.uptime(t, quick) return core.fmt_uptime(t, quick) end

-- Octets as net-snmp's hex lines: "00 FF 80 ", 16 a line.
function F.hexlines(s) return core.fmt_hex(s) end

-- The value part of a varbind line.
function F.value(vb, flags)
  local m = mib()
  if m and m.format_value then
    local s = m.format_value(vb.oid, vb.type, vb.value, flags)
    if s then return s end
  end
  if core.type_tag(vb.type or "") == nil then return tostring(vb.value) end
  return core.fmt_value(vb.type, vb.value, flags._letters)
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
