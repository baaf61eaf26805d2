-- On-box agent: a writable object that triggers an action and a trap.
--
--   moonwalk run examples/agent_action.lua -- listen=udp:127.0.0.1:1161 notify=127.0.0.1:1162
--   snmpset -v2c -c private 127.0.0.1:1161 .1.3.6.1.4.1.99999.42.1.0 i 3    # restart
--
-- Objects under 1.3.6.1.4.1.99999.42 (an example enterprise number):
--   .1.0  serviceState  INTEGER, read-write: running(1) stopped(2) restarting(3)
--         writing stopped(2) stops the service, restarting(3) restarts it
--         (it goes back to running(1) after `restart_time` seconds);
--         other values are refused with wrongValue
--   .2.0  lastAction    STRING: what was done last, and when
--   .3.0  actions       Counter32: how many actions ran
-- Each change sends the notification .0.1 (serviceStateChanged) with
-- serviceState and lastAction to `notify` (SNMPv2c trap, community public).
--
-- Options (key=value after --): listen, community (public), rwcommunity
-- (private), notify (host:port, none by default), restart_time (2), log
-- (a file where each action is appended as a line).
local mw = require "moonwalk"

local opt = { listen = "udp:127.0.0.1:1161", community = "public", rwcommunity = "private",
              restart_time = "2" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local ENT = "1.3.6.1.4.1.99999.42"
local STATE, LAST, ACTIONS, CHANGED = ENT .. ".1.0", ENT .. ".2.0", ENT .. ".3.0", ENT .. ".0.1"
local names = { "running", "stopped", "restarting" }

local agent, err = mw.agent {
  listen = opt.listen,
  communities = { [opt.community] = "ro", [opt.rwcommunity] = "rw" },
  system = { descr = "moonwalk on-box agent example", name = "agent-action" },
  notify = opt.notify and { { peer = opt.notify, version = "2c", community = "public" } } or nil,
}
if not agent then
  io.stderr:write("agent-action: ", err, "\n")
  os.exit(1)
end

local state, last, actions = 1, "none", 0

local function record(what)
  actions = actions + 1
  last = string.format("%s at %s", what, os.date("!%Y-%m-%dT%H:%M:%SZ"))
  mw.log.info("action: %s", what)
  if opt.log then
    local f = io.open(opt.log, "a")
    if f then f:write(what, "\n") f:close() end
  end
end

local function changed()
  agent:notify(CHANGED, {
    { STATE, "INTEGER", state },
    { LAST, "STRING", last },
  })
end

-- the action behind a SET; runs as its own task so the SET answers at once
local function act(new)
  if new == 3 then
    record("restart")
    state = 3
    changed()
    mw.sleep(tonumber(opt.restart_time))
    state = 1
    record("running again")
    changed()
  elseif new == 2 then
    record("stop")
    state = 2
    changed()
  else
    record("start")
    state = 1
    changed()
  end
end

agent:scalar {
  oid = ENT .. ".1", type = "INTEGER", access = "rw",
  get = function() return state end,
  check = function(v)
    if v < 1 or v > 3 then return "wrongValue" end
    if v == 3 and state == 3 then return "inconsistentValue" end -- already restarting
    return true
  end,
  set = function(v)
    mw.spawn(act, v)
    return true
  end,
}
agent:scalar { oid = ENT .. ".2", type = "STRING", get = function() return last end }
agent:scalar { oid = ENT .. ".3", type = "Counter32", get = function() return actions end }

mw.log.info("agent listening on %s; serviceState is %s", table.concat(agent.addresses, ", "), names[state])
