-- An embedded agent with every option of mw.agent.
--
--   moonwalk run examples/agent_options.lua -- port=1161 notify=127.0.0.1:162 state=/tmp/agent-state
--
-- mw.agent{...} returns the agent, or nil and a message when an address
-- cannot be bound (in use, not local); it raises on a bad configuration (an
-- unknown protocol, a user string that does not parse).
-- Options:
--   listen          "udp:HOST:PORT" or a list of them ("udp6:[::1]:PORT");
--                   default udp:0.0.0.0:161
--   communities     read-only: "public", {"a", "b"}, {public = "ro",
--                   private = "rw"}, or {name = {access =, view =}}
--   rwcommunities   read-write, the same forms
--   users           read-only USM users: "NAME", "NAME:AUTH:AUTHPASS",
--                   "NAME:AUTH:AUTHPASS:PRIV:PRIVPASS" or tables {name =,
--                   auth =, auth_pass =, priv =, priv_pass =, access =,
--                   level = (lowest level accepted), view =}
--   rwusers         read-write users, the same forms
--   views           {name = {include = {subtrees}, exclude = {subtrees}}},
--                   named by communities and users (default: everything)
--   engine_id       hex; default generated once and kept in state
--   state           a directory: engine ID, boots, values set by SET
--   system          {descr =, contact =, name =, location =, objectid =,
--                   services =}: the system group, read-only as in net-snmp
--   notify          destinations: {{peer =, version =, community =,
--                   inform = true, user = ... (v3)}}
--   cold_start      send coldStart once listening
--   auth_traps      send authenticationFailure on a bad community or user
--   max_msg_size    largest response in octets (default 65507)
--   max_repetitions the varbinds one GETBULK answers at most (default 100,
--                   as net-snmp; 0: no cap)
--   budget          Lua instructions a getter, setter or check may run
--                   before it is stopped (and genErr answered; default 10M)
--   host_mibs       the host's own MIBs: "if,host,ucd,tcp,udp", a list,
--                   "all"/true or "none"/false (default none here; the
--                   `moonwalk agent` command serves all)
--   host_cache      seconds a host table snapshot is served (default 5)
--   disks           {paths}: UCD-SNMP-MIB dskTable rows
--   sysor = false   leave out the standard sysORTable rows
local mw = require "moonwalk"

local opt = { port = "1161", state = "/tmp/moonwalk-agent-options" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local a, err = mw.agent {
  listen = { "udp:127.0.0.1:" .. opt.port },
  communities = { public = { access = "ro", view = "system" } },   -- public sees the system group only
  rwcommunities = { "private" },
  users = { "ops:SHA-256:authpass123:AES:privpass123" },
  rwusers = { { name = "admin", auth = "SHA", auth_pass = "adminpass1", priv = "AES", priv_pass = "adminpass2",
                level = "authPriv" } },
  views = { system = { include = { "1.3.6.1.2.1.1" } } },
  engine_id = "8000000005616f7074",                                -- 80 00 00 00 05 "aopt"
  state = opt.state,
  system = { descr = "agent_options example", contact = "noc@example.net", name = "box1",
             location = "rack 4", objectid = "1.3.6.1.4.1.99999", services = 72 },
  notify = opt.notify and { { peer = opt.notify, version = "2c", community = "public" } } or nil,
  cold_start = opt.notify ~= nil,
  auth_traps = opt.notify ~= nil,
  max_msg_size = 1472,
  max_repetitions = 50,
  budget = 1000000,
  host_mibs = "if",
  host_cache = 5,
  disks = { "/" },
}
if not a then
  -- err says which address and why ("Address already in use")
  io.stderr:write("agent_options: ", err, "\n")
  os.exit(1)
end

-- a writable scalar, kept in state= across restarts
local level = 3
a:scalar { oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER", access = "rw",
           get = function() return level end,
           check = function(v) return v >= 0 and v <= 10 or "wrongValue" end,
           set = function(v) level = v end }
-- a getter that never ends: stopped after `budget` instructions, genErr
a:scalar { oid = "1.3.6.1.4.1.99999.1.2", type = "INTEGER",
           get = function() while true do end end }

print(string.format("agent listening on %s, engine ID %s", table.concat(a.addresses, ", "), (a:engine())))
