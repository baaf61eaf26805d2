-- moonwalk run [OPTIONS] SCRIPT.lua... [-- ARG...]: runs scripts on the loop.
local log = require "moonwalk.log"

local M = {}

local usage = [[
Usage: moonwalk run [OPTIONS] SCRIPT.lua... [[--] ARG...]

Runs the scripts on one event loop, each in its own environment. The
arguments that follow the scripts (or a --) are given to every script as
`arg` and `...`.

Options:
  --log-level LEVEL      debug, info (default), warn, error or off
  --syslog[=FACILITY]    log to syslog(3) (facility daemon by default)
  --ident NAME           the syslog identity (default moonwalk)
  --syslog-socket PATH   the syslog daemon's socket (default /dev/log)
  --shard K/N            this instance is K of N (0 <= K < N): mw.shard(key)
                         tells which targets are ours (also MOONWALK_SHARD);
                         static: nothing notices an instance that dies
  --cluster URL[,URL]    join the cluster on these NATS servers (JetStream;
                         nats://user:password@host:port for credentials):
                         mw.shard(key) and mw.cluster():owns(key) follow
                         the live members, so the targets of an instance
                         that dies go to the others (see README)
  --cluster-name NAME    which cluster (default moonwalk; bucket moonwalk_NAME)
  --cluster-id ID        this instance's id (default HOST-PID)
  --cluster-heartbeat S  seconds between heartbeats (1)
  --cluster-timeout S    a member not heard from for S seconds is gone (5)
  --cluster-replicas N   copies of the member bucket on a NATS cluster (1;
                         3 on a 3-node NATS cluster survives losing a node)
  --stats[=SECONDS]      log the counters every SECONDS (60) and at exit:
                         SNMP requests, and with --cluster the members,
                         owned targets, moves, NATS connection and errors
  --grace SECONDS        how long SIGTERM waits for runs in flight (10)
  --max-instructions N   Lua instructions a task may run without waiting
                         before it is stopped (100000000; 0: no limit)
  --max-memory SIZE      memory Lua may hold (1G; K, M, G suffixes; 0: no
                         limit): past it the task asking gets "not enough
                         memory" and is stopped

Signals: SIGHUP reloads the scripts (listeners stay open); SIGTERM and
SIGINT stop periodic jobs, wait for the runs in flight, then exit.
]]

local function fail(msg)
  io.stderr:write("moonwalk run: ", msg, "\n")
  return 1
end

function M.main(argv)
  local opts = { paths = {}, args = {} }
  local syslog_facility, ident, syslog_socket
  local shard
  local cluster_opts
  local i = 1
  local function value(a)
    local v = a:match("^%-%-[%w-]+=(.*)$")
    if v then return v end
    i = i + 1
    return argv[i]
  end
  while argv[i] and argv[i]:sub(1, 2) == "--" and argv[i] ~= "--" do
    local a = argv[i]
    local name = a:match("^(%-%-[%w-]+)")
    if name == "--log-level" then
      local v = value(a)
      if not v or not log.levels[v] then return fail("unknown log level " .. tostring(v)) end
      log.set_level(v)
    elseif name == "--syslog" then
      syslog_facility = a:match("=(.*)$") or "daemon"
    elseif name == "--syslog-socket" then
      syslog_socket = value(a)
      if not syslog_socket then return fail("--syslog-socket needs a path") end
    elseif name == "--ident" then
      ident = value(a)
      if not ident then return fail("--ident needs a name") end
    elseif name == "--shard" then
      shard = value(a)
      if not shard then return fail("--shard needs K/N") end
    elseif name == "--cluster" then
      local v = value(a)
      local list, err = require("moonwalk.cluster").parse_servers(v or "")
      if not list then return fail("--cluster: " .. err) end
      cluster_opts = cluster_opts or {}
      cluster_opts.servers = list
    elseif name == "--cluster-name" or name == "--cluster-id" then
      local v = value(a)
      if not v or v == "" then return fail(name .. " needs a value") end
      cluster_opts = cluster_opts or {}
      cluster_opts[name == "--cluster-name" and "name" or "id"] = v
    elseif name == "--cluster-heartbeat" or name == "--cluster-timeout" then
      local v = tonumber(value(a))
      if not v or v <= 0 then return fail(name .. " needs seconds") end
      cluster_opts = cluster_opts or {}
      cluster_opts[name == "--cluster-heartbeat" and "heartbeat" or "timeout"] = v
    elseif name == "--stats" then
      local v = a:match("=(.*)$")
      opts.stats = tonumber(v or "60")
      if not opts.stats or opts.stats <= 0 then return fail("--stats needs seconds (--stats=10)") end
    elseif name == "--cluster-replicas" then
      local v = math.tointeger(tonumber(value(a)))
      if not v or v < 1 or v > 5 then return fail("--cluster-replicas needs 1 to 5") end
      cluster_opts = cluster_opts or {}
      cluster_opts.replicas = v
    elseif name == "--grace" then
      local v = tonumber(value(a))
      if not v or v < 0 then return fail("--grace needs seconds") end
      opts.grace = v
    elseif name == "--max-instructions" then
      local v = math.tointeger(tonumber(value(a)))
      if not v or v < 0 then return fail("--max-instructions needs a count") end
      opts.budget = v
    elseif name == "--max-memory" then
      local v = require("moonwalk.runtime").parse_size(value(a))
      if not v then return fail("--max-memory needs a size (bytes, or with K, M, G)") end
      opts.max_memory = v
    elseif name == "--help" then
      io.stdout:write(usage)
      return 0
    else
      io.stderr:write("moonwalk run: unknown option ", a, "\n", usage)
      return 1
    end
    i = i + 1
  end
  while argv[i] and argv[i] ~= "--" and (#opts.paths == 0 or argv[i]:match("%.lua$")) do
    opts.paths[#opts.paths + 1] = argv[i]
    i = i + 1
  end
  if argv[i] == "--" then i = i + 1 end
  for j = i, #argv do opts.args[#opts.args + 1] = argv[j] end
  if #opts.paths == 0 then
    io.stderr:write(usage)
    return 1
  end

  local sh = require "moonwalk.shard"
  if cluster_opts and not cluster_opts.servers then
    return fail("--cluster-name, --cluster-id and the other --cluster-* options need --cluster URL")
  end
  if cluster_opts and shard then return fail("--shard and --cluster exclude each other") end
  shard = not cluster_opts and (shard or os.getenv("MOONWALK_SHARD")) or nil
  if shard and shard ~= "" then
    local k, n = sh.parse(shard)
    if not k then return fail(n) end
    sh.set(k, n)
  end
  if syslog_facility then
    local ok, err = pcall(require("moonwalk.syslog").enable, ident or "moonwalk", syslog_facility, syslog_socket)
    if not ok then return fail(tostring(err)) end
  end
  local k, n = sh.config()
  if n > 1 then log.info("shard %d of %d", k, n) end
  if cluster_opts then
    -- the loop gets the locks the NATS client's threads need (only with
    -- --cluster: single-box runs keep a loop without them)
    if not require("moonwalk.core").loop_threads() then
      return fail("--cluster: the event loop already exists")
    end
    -- joined once the scripts have compiled, before they run; left after
    -- the loop has ended (the others drop us at once)
    local cluster
    opts.setup = function()
      local ok, c = pcall(require("moonwalk.cluster").new, cluster_opts)
      if not ok then return nil, tostring(c) end
      cluster = c
      -- the scripts start with the live set known (or NATS found
      -- unreachable, or the timeout gone by): not alone
      c:settle()
      return {}
    end
    opts.on_exit = function()
      if cluster then cluster:close(true) end
    end
  end
  return require("moonwalk.runtime").main(opts)
end

return M
