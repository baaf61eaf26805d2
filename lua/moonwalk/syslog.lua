-- Sends the log lines to syslog(3) instead of stderr (moonwalk run --syslog).
local core = require "moonwalk.core"
local log = require "moonwalk.log"

local M = {}

-- enable(ident [, facility [, socket]]): facility is "daemon" (default),
-- "user" or "local0".."local7"; socket is the syslog daemon's Unix datagram
-- socket (default /dev/log). The level maps to the syslog priority (debug,
-- info, warning, err); the line goes without the timestamp and level that
-- syslog adds itself.
function M.enable(ident, facility, socket)
  if not core.syslog_open then error("syslog is not available in this build", 2) end
  core.syslog_open(ident or "moonwalk", facility or "daemon", socket)
  log.set_sink(function(level, line)
    local msg = line:match("^%S+ %S+%s+(.*)$") or line
    core.syslog(level, msg)
  end)
end

function M.disable()
  if core.syslog_close then core.syslog_close() end
  log.set_sink(function(_, line) io.stderr:write(line, "\n") end)
end

return M
