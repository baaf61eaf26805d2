-- moonwalk agent [OPTIONS] [SCRIPT.lua]...: the embedded agent. Options
-- give the basics; scripts add objects through the global `agent`.
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"
local args = require "moonwalk.cli.args"
local agent_mod = require "moonwalk.agent"
local runtime = require "moonwalk.runtime"

local M = {}

local usage = [[
USAGE: moonwalk agent [OPTIONS] [SCRIPT.lua]...

  --listen ADDR          listen on [udp:|udp6:]host[:port] (repeatable;
                         default udp:0.0.0.0:161)
  -c COMMUNITY           read-only community (repeatable)
  --rwcommunity COMM     read-write community (repeatable)
  --user NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]    read-only USM user
  --rwuser NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]  read-write USM user
                         (NAME alone: noAuthNoPriv)
  --engine-id HEX        the engine ID (default: generated once, kept in --state)
  --state DIR            where engine ID, boots and set values persist
  --trap-dest PEER       send notifications to PEER (v2c, community of -c)
  --inform-dest PEER     send informs to PEER
  --cold-start           send coldStart at start-up
  --auth-traps           send authenticationFailure notifications
  --sys-descr TEXT, --sys-contact TEXT, --sys-name TEXT, --sys-location TEXT
                         configured system values (read-only, as in net-snmp)
  --max-msg-size N       largest response, in octets (default 65507)
  --max-repetitions N    GETBULK: at most N varbinds of repetitions per
                         request (default 100, as net-snmp; 0: no cap)
  --host-mibs LIST       the host's MIBs to serve, comma-separated: if, host,
                         ucd, tcp, udp, ip, icmp (default all; "none" for none)
  --host-cache SECONDS   how long a host table snapshot is served (default 5)
  --disk PATH            a dskTable row for PATH (UCD-SNMP-MIB; repeatable)
  --log-level LEVEL      debug, info, warn, error
  --max-instructions N   Lua instructions a script task may run without
                         waiting (100000000; 0: no limit)
  --max-memory SIZE      memory Lua may hold (1G; K, M, G suffixes; 0: none)
  --grace SECONDS        how long SIGTERM waits for script runs (10)
Scripts run with `agent` set to the agent (agent:scalar{...},
agent:table{...}, agent:subtree{...}, agent:notify(...)), in the
environment, budget and memory limit of `moonwalk run`.
]]

local long = {
  ["--listen"] = true, ["--rwcommunity"] = true, ["--user"] = true, ["--rwuser"] = true,
  ["--engine-id"] = true, ["--state"] = true, ["--trap-dest"] = true, ["--inform-dest"] = true,
  ["--cold-start"] = false, ["--auth-traps"] = false, ["--sys-descr"] = true,
  ["--sys-contact"] = true, ["--sys-name"] = true, ["--sys-location"] = true,
  ["--max-msg-size"] = true, ["--max-repetitions"] = true, ["--log-level"] = true, ["--help"] = false,
  ["--host-mibs"] = true, ["--host-cache"] = true, ["--disk"] = true,
}
for k, v in pairs(runtime.cli_options) do long[k] = v end

-- NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS] -> user table | nil, err
function M.parse_user(s)
  return require("moonwalk.users").parse(s)
end

local function last(list) return list and list[#list] end

function M.main(argv)
  local o, rest = args.parse(argv, long)
  if not o then
    io.stderr:write("moonwalk agent: ", rest, "\n", usage)
    return 1
  end
  local L = o._long
  if L.help then io.stdout:write(usage) return 0 end
  if L["log-level"] then
    local ok = pcall(log.set_level, last(L["log-level"]))
    if not ok then io.stderr:write("moonwalk agent: unknown log level\n") return 1 end
  end
  local opts = {
    listen = L.listen or { "udp:0.0.0.0:161" },
    communities = o._c or {},
    rwcommunities = L.rwcommunity or {},
    users = {}, rwusers = {},
    engine_id = last(L["engine-id"]),
    state = last(L.state),
    cold_start = L["cold-start"] and true or nil,
    auth_traps = L["auth-traps"] and true or nil,
    max_msg_size = L["max-msg-size"] and tonumber(last(L["max-msg-size"])),
    max_repetitions = L["max-repetitions"] and math.tointeger(tonumber(last(L["max-repetitions"]))),
    host_mibs = last(L["host-mibs"]) or "all",
    disks = L.disk,
    host_cache = L["host-cache"] and tonumber(last(L["host-cache"])),
    system = {
      descr = last(L["sys-descr"]), contact = last(L["sys-contact"]),
      name = last(L["sys-name"]), location = last(L["sys-location"]),
    },
    notify = {},
  }
  if L["max-repetitions"] and not (opts.max_repetitions and opts.max_repetitions >= 0) then
    io.stderr:write("moonwalk agent: --max-repetitions needs a number, 0 or more\n")
    return 1
  end
  for key, dest in pairs { user = opts.users, rwuser = opts.rwusers } do
    for _, s in ipairs(L[key] or {}) do
      local u, err = M.parse_user(s)
      if not u then io.stderr:write("moonwalk agent: ", err, "\n") return 1 end
      dest[#dest + 1] = u
    end
  end
  local community = (o._c and o._c[1]) or (L.rwcommunity and L.rwcommunity[1]) or "public"
  for _, p in ipairs(L["trap-dest"] or {}) do
    opts.notify[#opts.notify + 1] = { peer = p, version = "2c", community = community }
  end
  for _, p in ipairs(L["inform-dest"] or {}) do
    opts.notify[#opts.notify + 1] = { peer = p, version = "2c", community = community, inform = true }
  end
  if #opts.communities == 0 and #opts.rwcommunities == 0 and #opts.users == 0 and #opts.rwusers == 0 then
    io.stderr:write("moonwalk agent: no community and no user configured, so nobody could query ",
      "the agent: refusing to start.\nGive -c COMMUNITY, --rwcommunity COMMUNITY, --user or --rwuser.\n")
    return 1
  end
  local host, herr = runtime.from_cli(L)
  if not host then io.stderr:write("moonwalk agent: ", herr, "\n") return 1 end
  local a
  -- the scripts compile before the agent starts, so a typo fails at once
  return runtime.main{
    prog = "moonwalk agent", paths = rest, args = {}, reload = false,
    budget = host.budget, grace = host.grace, max_memory = host.max_memory,
    setup = function()
      -- a bad configuration raises; an address that cannot be bound is nil, err
      local ok, ag, lerr = pcall(agent_mod.agent, opts)
      if not ok then
        return nil, (tostring(ag):gsub("^[^\n]-%.lua:%d+: ", ""):gsub("^agent: ", ""))
      end
      if not ag then return nil, lerr end
      a = ag
      log.info("agent listening on %s", table.concat(a.addresses, ", "))
      return { agent = a }
    end,
    on_exit = function() if a then a:close() end end,
  }
end

return M
