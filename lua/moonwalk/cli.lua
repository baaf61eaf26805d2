-- The command line: moonwalk COMMAND [OPTIONS] ...; each command lives in
-- moonwalk.cli.<module> and is loaded on demand.
local M = {}

-- The one-shot commands: when one has finished, its process exits
-- without taking the Lua state down object by object (see src/main.c).
local one_shot = {
  get = true, getnext = true, bulkget = true, walk = true, bulkwalk = true,
  set = true, table = true, engineid = true, translate = true,
}

local commands = {
  get = "snmp", getnext = "snmp", bulkget = "snmp", walk = "snmp", bulkwalk = "snmp",
  set = "snmp", table = "snmp",
  engineid = "engineid",
  trap = "trap", inform = "trap",
  trapd = "trapd",
  agent = "agent",
  translate = "translate",
  run = "run",
}

local usage = [[
Usage: moonwalk COMMAND [OPTIONS] ...

  get|getnext|bulkget|walk|bulkwalk|set|table [OPTIONS] AGENT [OID|OID TYPE VALUE]...
  trap|inform [OPTIONS] AGENT ...      (arguments as snmptrap/snmpinform)
  engineid [OPTIONS] AGENT             (prints the agent's engine ID in hex)
  translate [OPTIONS] NAME|OID
  trapd [OPTIONS] [SCRIPT.lua]...      (notification receiver)
  agent [OPTIONS] [SCRIPT.lua]...      (embedded agent)
  run SCRIPT.lua [ARG]...              (run a Lua script on the loop)

Options follow net-snmp: -v 1|2c|3 -c COMMUNITY -t TIMEOUT -r RETRIES
-O<flags> -C<flags> -m MIBS -M DIRS -u USER -l LEVEL -a AUTH -A PASS
-x PRIV -X PASS -e ENGINEID -E CONTEXTENGINEID -n CONTEXT.
AGENT is [udp:|udp6:]host[:port].
]]

function M.main(argv)
  local cmd = argv[1]
  if cmd == nil or cmd == "-h" or cmd == "--help" or cmd == "help" then
    io.stderr:write(usage)
    return cmd and 0 or 1
  end
  if cmd == "-V" or cmd == "--version" or cmd == "version" then
    print("moonwalk " .. require("moonwalk.core").version)
    return 0
  end
  local modname = commands[cmd]
  if not modname then
    io.stderr:write("moonwalk: unknown command '", cmd, "'\n", usage)
    return 1
  end
  local ok, mod = pcall(require, "moonwalk.cli." .. modname)
  if not ok then
    if tostring(mod):find("module 'moonwalk.cli." .. modname .. "' not found", 1, true) then
      io.stderr:write("moonwalk: the ", cmd, " command is not available in this build\n")
      return 1
    end
    error(mod, 0)
  end
  -- src/main.c let the collector wait while the modules loaded: the
  -- command runs at the default pace
  collectgarbage("incremental", 200)
  local args = table.move(argv, 2, #argv, 1, {})
  local rc = mod.main(args, cmd)
  io.stdout:flush()
  return rc or 0, one_shot[cmd] or nil
end

return M
