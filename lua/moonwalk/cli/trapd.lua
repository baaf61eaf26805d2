-- moonwalk trapd: the notification receiver.
--
--   moonwalk trapd --listen ADDR [--listen ADDR]... [-c COMMUNITY]...
--                  [--user NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]]...
--                  [--engine-id HEX] [--state DIR] [--format text|json]
--                  [--queue N] [--max-tasks N] [--stats-interval SECONDS]
--                  [--cluster URL[,URL] [--cluster-name NAME] [--cluster-id ID]
--                   [--max-deliveries N] [--ack-wait SECONDS]]
--                  [-O FLAGS] [-m MIBS] [-M DIRS] [SCRIPT.lua]...
--
-- Without scripts each notification is printed on one line (text, or JSON
-- with --format json). Each SCRIPT.lua runs once at start as a task, with
-- the receiver as its argument (local rx = ...), and registers handlers
-- with rx:on(...); with scripts, lines are printed only when --format is
-- given. SIGINT/SIGTERM stop the receiver.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"
local args = require "moonwalk.cli.args"
local common = require "moonwalk.cli.common"
local trapd = require "moonwalk.trapd"
local runtime = require "moonwalk.runtime"

local M = {}

local usage = [[
USAGE: moonwalk trapd --listen ADDR [OPTIONS] [SCRIPT.lua]...

  --listen ADDR         [udp:|udp6:]addr:port to listen on (repeatable);
                        root defaults to udp:0.0.0.0:162
  -c COMMUNITY          an allowed v1/v2c community (repeatable); with none,
                        v1 and v2c are refused
  --user NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]
                        a v3 user for every sender engine ID (repeatable)
  --engine-id HEX       this receiver's engine ID (authoritative for informs)
  --state DIR           keeps the engine ID and boots across restarts
  --format text|json    one line, or one JSON object, per notification
  --queue N             notifications waiting for handlers (default 10000)
  --max-tasks N         handler tasks running at once (default 1000)
  --stats-interval S    log the counters every S seconds (default 60, 0: never)
  --cluster URL[,URL]   a redundant receiver: store every notification in the
                        cluster's JetStream stream on these NATS servers, run
                        handlers (and print) from its shared consumer, each
                        notification once in the cluster
  --cluster-name NAME   which cluster (default moonwalk; stream moonwalk_traps_NAME)
  --cluster-id ID       this instance's id (default HOST-PID)
  --max-deliveries N    handler tries before a dead letter (default 5)
  --ack-wait S          seconds before an unacknowledged notification goes to
                        another receiver (default 30)
  --log-level LEVEL     debug|info|warn|error
  -O FLAGS              output flags as net-snmp's (-On: numeric OIDs)
  -m MIBS, -M DIRS      MIB modules and directories
  --max-instructions N  Lua instructions a handler may run without waiting
                        (100000000; 0: no limit)
  --max-memory SIZE     memory Lua may hold (1G; K, M, G suffixes; 0: none)
  --grace SECONDS       how long SIGTERM waits for script runs (10)

Each SCRIPT.lua runs once with the receiver as its argument, in the
environment, budget and memory limit of `moonwalk run`:
  local rx = ...
  rx:on("1.3.6.1.6.3.1.1.5.3", function(n) print(n.source, n.trap_oid) end)]]

local extra = {
  ["--listen"] = true, ["--user"] = true, ["--engine-id"] = true, ["--state"] = true,
  ["--format"] = true, ["--queue"] = true, ["--max-tasks"] = true, ["--stats-interval"] = true,
  ["--log-level"] = true, ["--help"] = false, ["--cluster"] = true, ["--cluster-name"] = true,
  ["--cluster-id"] = true, ["--max-deliveries"] = true, ["--ack-wait"] = true,
}
for k, v in pairs(runtime.cli_options) do extra[k] = v end

local function fail(msg)
  io.stderr:write("moonwalk trapd: ", msg, "\n")
  return 1
end

local function is_root()
  local p = io.popen("id -u 2>/dev/null")
  if not p then return false end
  local id = p:read("l")
  p:close()
  return id == "0"
end

local function number(o, name)
  local v = o._long[name]
  if not v then return nil end
  local n = tonumber(v[#v])
  if not n or n < 0 then error("--" .. name .. " needs a number >= 0", 0) end
  return n
end

function M.main(argv)
  local o, rest = args.parse(argv, extra)
  if not o then io.stderr:write(rest, "\n", usage, "\n") return 1 end
  if o.h or o._long.help then io.stderr:write(usage, "\n") return 0 end
  local L = o._long
  if L["log-level"] then
    if not pcall(log.set_level, L["log-level"][#L["log-level"]]) then return fail("unknown log level") end
  end
  common.setup_mibs(o)
  local listen = L.listen or {}
  if #listen == 0 then
    if not is_root() then
      return fail("give --listen ADDR (the default udp:0.0.0.0:162 is for root only)")
    end
    listen = { "udp:0.0.0.0:162" }
  end
  local format = L.format and L.format[#L.format]
  if format and format ~= "text" and format ~= "json" then return fail("--format is text or json") end
  local ok, q, mt, si = pcall(function()
    return number(o, "queue"), number(o, "max-tasks"), number(o, "stats-interval")
  end)
  if not ok then return fail(q) end
  local cluster_opts, md, aw
  if L.cluster then
    local list, err = require("moonwalk.cluster").parse_servers(L.cluster[#L.cluster])
    if not list then return fail("--cluster: " .. err) end
    cluster_opts = { servers = list, name = L["cluster-name"] and L["cluster-name"][#L["cluster-name"]],
                     id = L["cluster-id"] and L["cluster-id"][#L["cluster-id"]] }
    ok, md, aw = pcall(function() return number(o, "max-deliveries"), number(o, "ack-wait") end)
    if not ok then return fail(md) end
    -- the locks the NATS client's threads need, before the loop exists
    if not core.loop_threads() then return fail("--cluster: the event loop already exists") end
  elseif L["cluster-name"] or L["cluster-id"] or L["max-deliveries"] or L["ack-wait"] then
    return fail("--cluster-name, --cluster-id, --max-deliveries and --ack-wait need --cluster URL")
  end
  local host, herr = runtime.from_cli(L)
  if not host then return fail(herr) end
  if #rest == 0 and not format then format = "text" end

  -- a receiver makes a table per notification that dies young: the
  -- generational collector handles that for less work than the default
  collectgarbage("generational")
  local rx, cluster
  -- the scripts compile before the receiver starts, so a typo fails at once
  return runtime.main{
    prog = "moonwalk trapd", paths = rest, args = {}, reload = false,
    budget = host.budget, grace = host.grace, max_memory = host.max_memory,
    setup = function()
      local r, lerr
      local pok, perr = pcall(function()
        if cluster_opts then cluster = require("moonwalk.cluster").new(cluster_opts) end
        r, lerr = trapd.trapd{
          cluster = cluster, max_deliveries = md and math.tointeger(md), ack_wait = aw,
          listen = listen, community = o._c, users = L.user,
          engine_id = L["engine-id"] and L["engine-id"][#L["engine-id"]],
          state = L.state and L.state[#L.state], format = format, flags = o.O,
          queue = q and math.tointeger(q), max_tasks = mt and math.tointeger(mt), stats_interval = si,
        }
      end)
      if not pok then return nil, (tostring(perr):gsub("^[^:]*:%d+: ", ""):gsub("^trapd: ", "")) end
      if not r then return nil, lerr end
      rx = r
      log.info("trapd: listening on %s, engine ID %s", table.concat(rx:addresses(), " "), core.tohex((rx:engine())))
      return {}, { rx }
    end,
    on_stop = function(reason)
      log.info("trapd: %s, stopping", reason)
      rx:close()
    end,
    on_exit = function()
      if not rx then
        if cluster then cluster:close(true) end
        return
      end
      if not rx.closed then rx:close() end
      if cluster then cluster:close(true) end
      local s = rx:stats()
      log.info("trapd: received %d handled %d dropped %d auth_failures %d parse_errors %d",
        s.received, s.handled, s.dropped, s.auth_failures, s.parse_errors)
    end,
  }
end

return M
