-- net-snmp's snmptrapd as a test peer, and background commands a task can
-- wait for without blocking the loop (a receiver under test must keep
-- answering while snmpinform waits for it).
--
--   local td = require "snmptrapd"
--   local d = td.start{ extra = { "createUser -e 0x8000... u SHA pass AES pass" } }
--   ... d.addr ("127.0.0.1:PORT"), d:wait_for("pattern", seconds), d:log()
--   d:cleanup()
--
--   local p = td.spawn("snmpinform ...")     -- in a task:
--   local code, out, err = p:wait(10)        -- polls with mw.sleep
local core = require "moonwalk.core"

local S = {}

local function slurp(p)
  local f = io.open(p)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end
S.slurp = slurp

function S.tmpdir()
  local p = io.popen("mktemp -d /tmp/moonwalk-trapd.XXXXXX")
  local d = p:read("l")
  p:close()
  return d
end

local function write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end
S.write = write

local function sleep(s)
  local ok, sched = pcall(require, "moonwalk.sched")
  if ok and coroutine.isyieldable() and sched.current() then
    sched.sleep(s)
  else
    os.execute("sleep " .. s)
  end
end

-- --- background commands --------------------------------------------------

local Proc = {}
Proc.__index = Proc

-- spawn(cmd) runs cmd in the background with MIBS off and a persistent
-- dir of its own (net-snmp tools running at once otherwise race on the
-- shared snmpapp.conf); stdout, stderr and the exit code go to files.
function S.spawn(cmd)
  local d = S.tmpdir()
  local self = setmetatable({ dir = d, cmd = cmd }, Proc)
  os.execute("mkdir -p " .. d .. "/cert_indexes")
  os.execute(string.format(
    "( MIBS= SNMP_PERSISTENT_DIR=%s %s >%s/out 2>%s/err </dev/null & echo $! >%s/pid; wait $!; "
      .. "echo $? >%s/rc.tmp; mv %s/rc.tmp %s/rc ) >/dev/null 2>&1 &",
    d, cmd, d, d, d, d, d, d))
  return self
end

-- kill([signal]): signals the command (TERM by default).
function Proc:kill(sig)
  local pid
  for _ = 1, 100 do
    pid = slurp(self.dir .. "/pid")
    if pid and pid:match("%d+") then break end
    sleep(0.01)
  end
  if pid then os.execute(string.format("kill -%s %s 2>/dev/null", sig or "TERM", pid:match("%d+"))) end
end

-- output so far
function Proc:output()
  return slurp(self.dir .. "/out") or "", slurp(self.dir .. "/err") or ""
end

-- wait(timeout) -> exit code, stdout, stderr (nil, "timeout" when it has
-- not ended). Inside a task it sleeps on the loop.
function Proc:wait(timeout)
  local deadline = core.now() + (timeout or 10)
  while true do
    local rc = slurp(self.dir .. "/rc")
    if rc then
      local out, err = slurp(self.dir .. "/out"), slurp(self.dir .. "/err")
      os.execute("rm -rf " .. self.dir)
      return tonumber(rc), out, err
    end
    if core.now() > deadline then return nil, "timeout" end
    sleep(0.02)
  end
end

-- --- snmptrapd ---------------------------------------------------------------

local Trapd = {}
Trapd.__index = Trapd

-- start{ port=, extra={config lines}, auth = "disableAuthorization yes" }
function S.start(opts)
  opts = opts or {}
  pcall(core.engine_init)
  local dir = S.tmpdir()
  os.execute("mkdir -p " .. dir .. "/cert_indexes")
  local port = opts.port or core.free_udp_port()
  local lines = { opts.auth or "disableAuthorization yes" }
  for _, l in ipairs(opts.extra or {}) do lines[#lines + 1] = l end
  write(dir .. "/snmptrapd.conf", table.concat(lines, "\n") .. "\n")
  local self = setmetatable({ dir = dir, port = port, addr = "127.0.0.1:" .. port,
                              logfile = dir .. "/snmptrapd.log" }, Trapd)
  os.execute(string.format(
    "MIBS= snmptrapd -f -Lf %s -C -c %s/snmptrapd.conf --persistentDir=%s -p %s/snmptrapd.pid -m '' "
      .. "%s udp:127.0.0.1:%d >/dev/null 2>&1 &",
    self.logfile, dir, dir, dir, opts.args or "", port))
  -- ready when it has logged its start line
  for _ = 1, 200 do
    local log = slurp(self.logfile) or ""
    if log:find("NET-SNMP version", 1, true) then return self end
    sleep(0.025)
  end
  error("snmptrapd did not start:\n" .. (slurp(self.logfile) or ""))
end

function Trapd:log()
  return slurp(self.logfile) or ""
end

-- wait_for(plain text, timeout) -> log | nil, log
function Trapd:wait_for(text, timeout)
  local deadline = core.now() + (timeout or 5)
  while true do
    local log = self:log()
    if log:find(text, 1, true) then return log end
    if core.now() > deadline then return nil, log end
    sleep(0.02)
  end
end

function Trapd:pid()
  local s = slurp(self.dir .. "/snmptrapd.pid")
  return s and tonumber(s:match("%d+"))
end

function Trapd:stop()
  local pid = self:pid()
  if pid then
    os.execute("kill " .. pid .. " 2>/dev/null")
    for _ = 1, 100 do
      if not os.execute("kill -0 " .. pid .. " 2>/dev/null") then break end
      os.execute("sleep 0.02")
    end
  end
end

function Trapd:cleanup()
  self:stop()
  os.execute("rm -rf " .. self.dir)
end

-- --- running a spec body on the loop -------------------------------------

-- run(fn): runs fn as a task on the loop and re-raises what it raised, so
-- busted reports the assertion.
function S.run(fn)
  local mw = require "moonwalk"
  local r = table.pack(mw.run(function() fn() return true end))
  if not r[1] then error(r[2] or "the loop stopped", 0) end
end

-- wait_until(cond, timeout) -> true | false, sleeping on the loop.
function S.wait_until(cond, timeout)
  local mw = require "moonwalk"
  local deadline = core.now() + (timeout or 5)
  while not cond() do
    if core.now() > deadline then return false end
    mw.sleep(0.01)
  end
  return true
end

-- with_rx(opts, fn): a receiver on 127.0.0.1 (a free port), closed when
-- fn ends, whatever happens.
function S.with_rx(opts, fn)
  local mw = require "moonwalk"
  S.run(function()
    opts = opts or {}
    opts.listen = opts.listen or "udp:127.0.0.1:0"
    if opts.stats_interval == nil then opts.stats_interval = 0 end
    local rx = assert(mw.trapd(opts))
    local ok, err = xpcall(fn, debug.traceback, rx)
    rx:close()
    if not ok then error(err, 0) end
  end)
end

return S
