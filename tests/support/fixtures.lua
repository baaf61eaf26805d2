-- Loads the hex packet fixtures captured from net-snmp (tests/fixtures).
local mw = require "moonwalk"
local F = {}
local dir = (os.getenv("MOONWALK_ROOT") or ".") .. "/tests/fixtures/"

function F.hex(name)
  local f = assert(io.open(dir .. name .. ".hex", "rb"))
  local h = f:read("a"):gsub("%s", "")
  f:close()
  return h
end

function F.bytes(name)
  return assert(mw.fromhex(F.hex(name)))
end

return F
