-- Shared set-up for the CLI commands: options -> session, MIBs, errors.
local mw = require "moonwalk"
local args = require "moonwalk.cli.args"

local C = {}

function C.die(prog, msg, code)
  io.stderr:write(msg, "\n")
  return code or 1
end

-- Loads MIBs per -m/-M and MIBS/MIBDIRS, when the MIB layer is present.
function C.setup_mibs(o)
  local ok, mib = pcall(require, "moonwalk.mib")
  if not ok or type(mib) ~= "table" or not mib.cli_setup then return nil end
  local ok2, err = pcall(mib.cli_setup, { modules = o.m, dirs = o.M })
  if not ok2 then io.stderr:write(tostring(err), "\n") end
  return mib
end

-- Builds session options from parsed net-snmp options.
function C.session_opts(o, agent)
  local version = o.v or "1"
  if version ~= "1" and version ~= "2c" and version ~= "3" then
    return nil, "Invalid version specified after -v flag: " .. version
  end
  local so = {
    peer = agent, version = version, community = o.c or "public",
    timeout = tonumber(o.t) or 1, retries = math.tointeger(tonumber(o.r)) or 5,
  }
  if o.t and not tonumber(o.t) then return nil, "Invalid timeout: " .. o.t end
  if version == "3" then
    so.user = o.u
    so.level = o.l
    so.auth = o.a
    so.auth_pass = o.A
    so.priv = o.x
    so.priv_pass = o.X
    so.engine_id = o.e and mw.fromhex(o.e) or nil
    so.context_engine_id = o.E and mw.fromhex(o.E) or nil
    so.context = o.n
    so.auth_master_key = o["3m"] and mw.fromhex(o["3m"]) or nil
    so.priv_master_key = o["3M"] and mw.fromhex(o["3M"]) or nil
    so.auth_local_key = o["3k"] and mw.fromhex(o["3k"]) or nil
    so.priv_local_key = o["3K"] and mw.fromhex(o["3K"]) or nil
  end
  return so
end

function C.parse(argv, extra)
  return args.parse(argv, extra)
end

return C
