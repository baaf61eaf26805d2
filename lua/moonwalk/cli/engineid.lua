-- moonwalk engineid [OPTIONS] AGENT: prints the agent's SNMPv3 engine ID
-- in lowercase hex. It is discovered with the RFC 3414 probe (no user, no
-- keys), so no credentials are needed. Options: -t TIMEOUT -r RETRIES.
local mw = require "moonwalk"
local args = require "moonwalk.cli.args"

local M = {}

local usage = "USAGE: moonwalk engineid [OPTIONS] AGENT"

function M.main(argv)
  local o, rest = args.parse(argv)
  if not o then
    io.stderr:write(rest, "\n", usage, "\n")
    return 1
  end
  if o.h then io.stderr:write(usage, "\n"); return 0 end
  local agent = rest[1]
  if not agent then
    io.stderr:write("No hostname specified.\n", usage, "\n")
    return 1
  end
  local timeout, retries = tonumber(o.t or "1"), math.tointeger(tonumber(o.r or "5"))
  if not timeout or timeout <= 0 then io.stderr:write("Invalid timeout: ", tostring(o.t), "\n"); return 1 end
  if not retries or retries < 0 then io.stderr:write("Invalid retries: ", tostring(o.r), "\n"); return 1 end
  local rc = 1
  local ok, perr = pcall(mw.run, function()
    local s = mw.session { peer = agent, version = "3", timeout = timeout, retries = retries }
    local eid, err = s:engine_id()
    if eid then
      io.stdout:write(mw.hex(eid), "\n")
      rc = 0
    else
      io.stderr:write(err.message, "\n")
    end
  end)
  if not ok then
    io.stderr:write("moonwalk engineid: ", (tostring(perr):gsub("^[^:]*:%d+: ", "")), "\n")
    return 1
  end
  return rc
end

return M
