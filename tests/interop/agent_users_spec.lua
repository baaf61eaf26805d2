-- USM users of mw.agent given the way the README writes them: text
-- "NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]" (lua/moonwalk/users.lua), the same
-- form as --user on the command line and trapd's users; queried with
-- net-snmp's snmpget.
local core = require "moonwalk.core"
local R = require "run"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"

local function start(script)
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local port = core.free_udp_port()
  R.write(dir .. "/agent.lua", script:gsub("PORT", tostring(port)))
  os.execute(string.format("%s run %s/agent.lua >%s/log 2>&1 & echo $! >%s/pid", BIN, dir, dir, dir))
  local pid = R.slurp(dir .. "/pid"):match("%d+")
  for _ = 1, 200 do
    local out = R.sh(string.format("snmpget -v2c -c public -t 0.1 -r 0 -On 127.0.0.1:%d .1.3.6.1.2.1.1.5.0", port))
    if out:find("STRING", 1, true) then break end
    os.execute("sleep 0.05")
  end
  return { port = port, dir = dir, pid = pid }
end

local function stop(a)
  os.execute("kill " .. a.pid .. " 2>/dev/null; sleep 0.05; rm -rf " .. a.dir)
end

describe("mw.agent users", function()
  it("takes users as NAME:AUTH:AUTHPASS:PRIV:PRIVPASS text, as the README shows", function()
    local a = start [[
      local mw = require "moonwalk"
      mw.agent{ listen = "udp:127.0.0.1:PORT", communities = { public = "ro" },
                users = { "ops:SHA-256:authpass123:AES:privpass123", "watch:SHA:authpass456", "anon" },
                system = { name = "users-test" } }
    ]]
    local function get(args)
      return R.sh(string.format("MIBS= snmpget %s -t 1 -r 1 -Oqv 127.0.0.1:%d .1.3.6.1.2.1.1.5.0", args, a.port))
    end
    local priv = get("-v3 -u ops -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123")
    local auth = get("-v3 -u watch -l authNoPriv -a SHA -A authpass456")
    local none = get("-v3 -u anon -l noAuthNoPriv")
    local wrong = get("-v3 -u ops -l authPriv -a SHA-256 -A wrongpass99 -x AES -X privpass123")
    local log = R.slurp(a.dir .. "/log")
    stop(a)
    assert.equal("\"users-test\"\n", priv, log)
    assert.equal("\"users-test\"\n", auth)
    assert.equal("\"users-test\"\n", none)
    assert.matches("Authentication failure", wrong)
  end)

  it("refuses a malformed user text with a message naming it", function()
    local dir = os.tmpname()
    R.write(dir, [[
      local mw = require "moonwalk"
      local ok, err = pcall(mw.agent, { listen = "udp:127.0.0.1:0", users = { "ops:SHA-256" } })
      print(ok, err)
    ]])
    local out = R.sh(BIN .. " run " .. dir)
    os.remove(dir)
    assert.matches("^false\t.*bad user ops:SHA%-256 %(NAME:AUTH:AUTHPASS%[:PRIV:PRIVPASS%]%)", out)
  end)
end)
