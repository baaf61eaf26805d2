-- Starts net-snmp's snmpd as a test peer on 127.0.0.1 and ::1, with a
-- temporary config, persistent dir and a port chosen by the OS.
--
--   local snmpd = require "snmpd"
--   local d = snmpd.start{ extra = { "createUser u SHA \"authpass1\" AES \"privpass1\"", "rwuser u priv" } }
--   ... d.port, d.agent ("127.0.0.1:PORT"), d.agent6 ("udp6:[::1]:PORT")
--   d:stop()
local core = require "moonwalk.core"

local S = {}

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end
S.sh = sh

function S.tmpdir()
  local d = sh("mktemp -d /tmp/moonwalk-test.XXXXXX"):gsub("%s+$", "")
  return d
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
S.write = write

local Peer = {}
Peer.__index = Peer

-- start{ port=, extra={lines}, ipv6=true, base=true (communities public/private) }
-- The config lives in DIR/snmpd.conf and snmpd's persistent data (engine
-- ID, boots, USM users) apart in DIR/var, so restart() keeps the engine ID
-- and counts one more engine boot, as on a real host. With -C, snmpd reads
-- only the files given with -c: the persistent file is one of them.
function S.start(opts)
  opts = opts or {}
  assert(pcall(core.engine_init))
  local base = S.tmpdir()
  local port = opts.port or core.free_udp_port()
  local addrs = "udp:127.0.0.1:" .. port
  if opts.ipv6 ~= false then addrs = addrs .. ",udp6:[::1]:" .. port end
  local lines = { "agentAddress " .. addrs }
  if opts.base ~= false then
    lines[#lines + 1] = "rocommunity public 127.0.0.1"
    lines[#lines + 1] = "rwcommunity private 127.0.0.1"
    lines[#lines + 1] = "rocommunity6 public ::1"
  end
  for _, l in ipairs(opts.extra or {}) do lines[#lines + 1] = l end
  write(base .. "/snmpd.conf", table.concat(lines, "\n") .. "\n")
  os.execute("mkdir -p " .. base .. "/var")
  local self = setmetatable({ dir = base .. "/var", base = base, port = port,
                              conf = base .. "/snmpd.conf," .. base .. "/var/snmpd.conf" }, Peer)
  self.agent = "127.0.0.1:" .. port
  self.agent6 = "udp6:[::1]:" .. port
  self:_launch()
  return self
end

function Peer:_launch()
  local d = self.dir
  os.execute(string.format(
    "MIBS= snmpd -f -Lf %s/snmpd.log -C -c %s --persistentDir=%s -p %s/snmpd.pid -m '' >/dev/null 2>&1 &",
    d, self.conf, d, d))
  -- ready when it answers
  for _ = 1, 100 do
    local out = sh(string.format("MIBS= snmpget -v2c -c public -t 0.1 -r 0 -On 127.0.0.1:%d .1.3.6.1.2.1.1.5.0", self.port))
    if out:find("STRING", 1, true) then return end
    local f = io.open(d .. "/snmpd.log")
    if f then
      local log = f:read("a")
      f:close()
      if log:find("Server Exiting") then error("snmpd failed to start:\n" .. log) end
    end
    os.execute("sleep 0.05")
  end
  error("snmpd did not answer on port " .. self.port)
end

function Peer:pid()
  local f = io.open(self.dir .. "/snmpd.pid")
  if not f then return nil end
  local pid = f:read("l")
  f:close()
  return tonumber(pid)
end

function Peer:stop()
  local pid = self:pid()
  if pid then
    os.execute("kill " .. pid .. " 2>/dev/null")
    for _ = 1, 100 do
      if not sh("kill -0 " .. pid .. " 2>&1"):find("^$") then break end
      os.execute("sleep 0.02")
    end
  end
  os.remove(self.dir .. "/snmpd.pid")
end

-- Stops and starts again with the same persistent dir (engine boots + 1).
function Peer:restart()
  self:stop()
  self:_launch()
end

function Peer:cleanup()
  self:stop()
  os.execute("rm -rf " .. self.base)
end

return S
