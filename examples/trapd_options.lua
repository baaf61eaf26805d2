-- A notification receiver with every option of mw.trapd, and each kind of
-- handler filter.
--
--   moonwalk run examples/trapd_options.lua -- port=1162 [state=DIR] [format=text|json]
--
-- mw.trapd{...} returns the receiver, or nil, err when it cannot listen
-- (address in use); bad options raise. Options:
--   listen          "udp:ADDR:PORT" or a list (required)
--   community       a v1/v2c community or a list; with none, v1 and v2c
--                   notifications are refused
--   users           v3 users, "NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]" or
--                   tables {name =, auth =, auth_pass =, priv =, priv_pass =};
--                   they work for every sender's engine ID: no per-sender
--                   createUser -e as snmptrapd needs
--   engine_id       this receiver's engine ID in hex (informs are sent to
--                   it); boots = n its boots; state = DIR keeps both across
--                   restarts (boots counts up)
--   queue           notifications waiting for a handler (10000); queue_bytes
--                   the same in octets; past either, new ones are dropped
--                   and counted
--   engines         sender engines remembered for v3 (timeliness)
--   max_tasks       handler tasks running at once (1000)
--   format          "text" or "json": print every notification to output
--                   (a file; default stdout), text with flags = "-O letters"
--   stats_interval  log the counters every N seconds (60; 0: never)
-- rx:on(filter, fn) runs fn(n) as a task for each notification that
-- matches; filter is a trap OID ("1.3.6.1.6.3.1.1.5.3"), a subtree
-- ("1.3.6.1.4.1.99999.*"), a function(n) -> boolean, or a table of
-- trap_oid =, source = ("127.0.0.1", "10.0.0.0/8", a function or a list),
-- version = ("1", "2c", "3"), community =, user =, type =, match = fn.
-- It returns a handle with :remove(). rx:default(fn) gets what no filter
-- matched. n has source, version, community or user, trap_oid, uptime,
-- varbinds (each with name, and vb:text()), engine_id, ...
local mw = require "moonwalk"

local opt = { port = "1162", format = "text" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local rx = assert(mw.trapd {
  listen = { "udp:127.0.0.1:" .. opt.port },
  community = { "public", "monitor" },
  users = { "ops:SHA-256:authpass123:AES:privpass123", { name = "plain" } },
  engine_id = "8000000005727874", boots = 1, state = opt.state,
  queue = 1000, queue_bytes = 1000000, engines = 100, max_tasks = 50,
  format = opt.format ~= "none" and opt.format or nil, flags = "-On", output = io.stdout,
  stats_interval = 0,
})

rx:on("1.3.6.1.6.3.1.1.5.3", function(n)           -- one trap OID: linkDown
  print(string.format("handler linkDown: from %s, v%s, ifIndex %s", n.source, n.version,
    tostring(n.varbinds[3] and n.varbinds[3].value)))
end)
rx:on({ trap_oid = "1.3.6.1.4.1.99999.*", source = "127.0.0.0/8", version = "2c", community = "monitor" },
  function(n) print("handler enterprise: " .. n.trap_oid .. " community " .. n.community) end)
rx:on({ version = "3", user = "ops" }, function(n)
  print("handler v3: user " .. n.user .. " trap " .. n.trap_oid)
end)
local once = rx:on(function(n) return n.trap_oid == "1.3.6.1.6.3.1.1.5.1" end, function(n)
  print("handler coldStart (first only)")
end)
rx:on("1.3.6.1.6.3.1.1.5.1", function() once:remove() end)
rx:default(function(n) print("handler default: " .. tostring(n.trap_oid) .. " v" .. n.version) end)

io.stderr:write(string.format("listening on %s, engine ID %s\n", table.concat(rx:addresses(), ", "),
  mw.hex(rx:engine())))
