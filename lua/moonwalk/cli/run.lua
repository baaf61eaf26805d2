-- moonwalk run SCRIPT.lua [ARG]...: runs scripts as tasks on the loop.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"

local M = {}

local usage = "USAGE: moonwalk run [--log-level LEVEL] [--syslog] SCRIPT.lua [ARG]..."

function M.load_script(path, env_extra)
  local env = setmetatable({ arg = env_extra and env_extra.arg }, { __index = _G })
  local chunk, err = loadfile(path, "t", env)
  if not chunk then return nil, err end
  return chunk, env
end

function M.main(argv)
  local i = 1
  while argv[i] and argv[i]:sub(1, 2) == "--" do
    local a = argv[i]
    if a == "--log-level" then
      i = i + 1
      local ok, err = pcall(log.set_level, argv[i] or "")
      if not ok then io.stderr:write("moonwalk run: unknown log level\n") return 1 end
    elseif a:match("^%-%-log%-level=") then
      local ok = pcall(log.set_level, a:match("=(.*)$"))
      if not ok then io.stderr:write("moonwalk run: unknown log level\n") return 1 end
    elseif a == "--syslog" then
      require("moonwalk.syslog").enable("moonwalk")
    elseif a == "--" then
      i = i + 1
      break
    else
      io.stderr:write("moonwalk run: unknown option ", a, "\n", usage, "\n")
      return 1
    end
    i = i + 1
  end
  local path = argv[i]
  if not path then io.stderr:write(usage, "\n") return 1 end
  local script_args = { [0] = path }
  for j = i + 1, #argv do script_args[#script_args + 1] = argv[j] end
  local chunk, env = M.load_script(path, { arg = script_args })
  if not chunk then
    io.stderr:write("moonwalk: ", env, "\n")
    return 1
  end
  core.engine_init()
  local exit_code = 0
  local sigs = {}
  local function on_stop(sig)
    log.info("signal %d: stopping", sig)
    sched.stop()
  end
  sigs[1] = core.on_signal(2, on_stop)   -- SIGINT
  sigs[2] = core.on_signal(15, on_stop)  -- SIGTERM
  local t = sched.spawn(function() return chunk(table.unpack(script_args)) end)
  if t.done and not t.ok then
    -- failed while loading (before its first wait): fatal and clear
    io.stderr:write("moonwalk: ", tostring(t.error), "\n")
    return 1
  end
  sched.loop()
  for _, s in ipairs(sigs) do getmetatable(s).__gc(s) end
  if t.done and not t.ok then exit_code = 1 end
  if t.done and t.ok and math.type(t.results[1]) == "integer" then exit_code = t.results[1] end
  return exit_code
end

return M
