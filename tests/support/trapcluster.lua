-- Clustered trap receivers as separate processes, for the interop specs
-- and scripts/bench/cluster_traps: receivers (moonwalk run --cluster with
-- mw.trapd{cluster = true}) that write what their handlers see, and a
-- sender that sends the very same v2c traps to several receivers.
--
--   local tc = require "trapcluster"
--   local env = tc.new()                         env.dir: files of this run
--   env:receiver(id, nats_url, { max_deliveries =, ack_wait =, replicas =,
--                                name =, raise = "value", buffer =,
--                                handle = false (store only) | "count" })   -> port
--   env:send(first, last, ports [, { inform = true, wait = true }])
--   env:handled(ids) -> value -> { deliveries... }, lines
--   env:stats(id) -> the receiver's rx:stats() (written every 0.2 s)
--   env:wait_stats(id, pred, seconds, what) -> stats once pred(stats)
--   env:kill(id [, sig])  env:cleanup()
local core = require "moonwalk.core"
local R = require "run"
local sh, slurp = R.sh, R.slurp

local T = {}

local ROOT = os.getenv("PWD")
T.BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
T.ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "

-- the receiver: one line "VALUE DELIVERY" per handled notification in
-- DIR/ID.handled; its stats in DIR/ID.stats (JSON) every 0.2 s; a handler
-- that raises for the value RAISE (and logs each try in DIR/ID.raised)
T.RX = [[
local mw = require "moonwalk"
local port, dir, id, max_deliveries, ack_wait, replicas, raise, handle, buffer = ...
local rx = assert(mw.trapd { listen = "udp:127.0.0.1:" .. port, community = "public", cluster = true,
  max_deliveries = tonumber(max_deliveries), ack_wait = tonumber(ack_wait), retry_delay = 0.2,
  replicas = tonumber(replicas), stats_interval = 0, queue = 100000, consume = handle ~= "no",
  buffer = tonumber(buffer) })
local f = assert(io.open(dir .. "/" .. id .. ".handled", "a"))
f:setvbuf("line") -- a SIGKILL loses no line of what was handled
rx:on(function(n)
  if handle == "count" then return end -- benchmarks: stream_handled counts
  local v = n.varbinds[3] and n.varbinds[3].value or "?"
  if v == raise then
    local r = assert(io.open(dir .. "/" .. id .. ".raised", "a"))
    r:write(n.delivery, "\n")
    r:close()
    error("handler refuses " .. v)
  end
  f:write(v, " ", n.delivery, "\n")
end)
local function dump()
  f:flush()
  local s = rx:stats()
  local cl = require("moonwalk.cluster").active
  if cl then s.cluster, s.cluster_report = cl:stats(), cl:report() end
  local t = assert(io.open(dir .. "/" .. id .. ".stats.tmp", "w"))
  t:write(mw.json.encode(s))
  t:close()
  os.rename(dir .. "/" .. id .. ".stats.tmp", dir .. "/" .. id .. ".stats")
end
mw.every(0.2, dump)
]]

-- the sender: the same v2c trap (request-id i, third varbind "t-i") to
-- every port, about `rate` a second; with inform = 1, informs instead,
-- waiting for each answer from the first port (a short timeout, retried)
T.SENDER = [[
local mw = require "moonwalk"
local core = require "moonwalk.core"
local first, last, ports, rate = ...
first, last, rate = tonumber(first), tonumber(last), tonumber(rate) or 20000
local list = {}
for p in ports:gmatch("%d+") do list[#list + 1] = "udp:127.0.0.1:" .. p end
local sock = assert(core.udp_open("udp:127.0.0.1:0", function() end))
mw.spawn(function()
  local t0, chunk = mw.now(), math.max(1, rate // 50)
  for i = first, last do
    local bytes = mw.encode { version = 1, community = "public", pdu = { type = "trap", request_id = i,
      varbinds = {
        { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = 100 },
        { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = "1.3.6.1.4.1.8072.2.3.0.1" },
        { oid = "1.3.6.1.4.1.8072.2.3.2.1", type = "STRING", value = "t-" .. i },
      } } }
    for _, to in ipairs(list) do assert(sock:send(to, bytes)) end
    if (i - first + 1) % chunk == 0 then
      local ahead = t0 + (i - first + 1) / rate - mw.now()
      mw.sleep(ahead > 0 and ahead or 0)
    end
  end
  sock:close()
end)
]]

local Env = {}
Env.__index = Env

function T.new()
  core.engine_init()
  local self = setmetatable({ procs = {}, ports = {} }, Env)
  self.dir = sh("mktemp -d /tmp/moonwalk-trapcluster.XXXXXX"):gsub("%s+$", "")
  R.write(self.dir .. "/rx.lua", T.RX)
  R.write(self.dir .. "/send.lua", T.SENDER)
  return self
end

function Env:receiver(id, url, o)
  o = o or {}
  local port = self.ports[id] or core.free_udp_port()
  self.ports[id] = port
  local cmd = string.format("cd %s && %s%s run --cluster %s --cluster-id %s --cluster-name %s "
    .. "--cluster-heartbeat 0.5 --cluster-timeout 3 %s/rx.lua -- %d %s %s %s %s %s %s %s %s >>%s/%s.log 2>&1 & echo $!",
    ROOT, T.ENV, T.BIN, url, id, o.name or "traps", self.dir, port, self.dir, id, o.max_deliveries or 5,
    o.ack_wait or 30, o.replicas or 1, o.raise or "-", o.handle == false and "no" or o.handle == "count" and "count" or "yes", o.buffer or 100000,
    self.dir, id)
  self.procs[id] = sh(cmd):match("(%d+)%s*$")
  assert(self.procs[id], "receiver did not start")
  return port
end

-- waits until the receiver writes its stats (its stream is connected
-- when connected = true is asked)
function Env:wait_ready(id, connected, seconds)
  local deadline = core.now() + (seconds or 30)
  while core.now() < deadline do
    local s = self:stats(id)
    if s and (not connected or s.stream_connected == 1) then return s end
    os.execute("sleep 0.05")
  end
  error("receiver " .. id .. " not ready:\n" .. slurp(self.dir .. "/" .. id .. ".log"))
end

function Env:stats(id)
  local text = slurp(self.dir .. "/" .. id .. ".stats")
  if text == "" then return nil end
  local ok, v = pcall(require("cjson").decode, text)
  return ok and v or nil
end

-- wait_stats(id, pred, seconds, what) -> stats once pred(stats) holds
-- (they are written every 0.2 s: counters settle after the handled lines)
function Env:wait_stats(id, pred, seconds, what)
  local deadline = core.now() + seconds
  local s
  repeat
    s = self:stats(id)
    if s and pred(s) then return s end
    os.execute("sleep 0.1")
  until core.now() > deadline
  error((what or "stats") .. " not within " .. seconds .. " s: " .. require("cjson").encode(s or {}) .. "\n"
    .. slurp(self.dir .. "/" .. id .. ".log"))
end

function Env:kill(id, sig)
  local pid = self.procs[id]
  if not pid then return end
  os.execute(string.format("kill -%s %s 2>/dev/null", sig or "KILL", pid))
  local deadline = core.now() + 20
  while os.execute("kill -0 " .. pid .. " 2>/dev/null") and core.now() < deadline do os.execute("sleep 0.05") end
  self.procs[id] = nil
end

-- send(first, last, ports [, rate]): runs the sender to the end
function Env:send(first, last, ports, rate)
  local out = sh(string.format("cd %s && %s%s run %s/send.lua -- %d %d %s %d", ROOT, T.ENV, T.BIN, self.dir,
    first, last, table.concat(ports, ","), rate or 20000))
  assert(out == "", out)
end

-- send_bg(...): the same in the background; returns its pid
function Env:send_bg(first, last, ports, rate)
  return sh(string.format("cd %s && %s%s run %s/send.lua -- %d %d %s %d >%s/send.log 2>&1 & echo $!", ROOT,
    T.ENV, T.BIN, self.dir, first, last, table.concat(ports, ","), rate or 20000, self.dir)):match("(%d+)%s*$")
end

-- handled(ids) -> value -> list of deliveries, and the number of lines
function Env:handled(ids)
  local seen, lines = {}, 0
  for _, id in ipairs(ids) do
    for v, d in slurp(self.dir .. "/" .. id .. ".handled"):gmatch("(%S+) (%d+)\n") do
      local l = seen[v] or {}
      l[#l + 1] = tonumber(d)
      seen[v] = l
      lines = lines + 1
    end
  end
  return seen, lines
end

-- wait_handled(ids, n, seconds) -> seen, lines once n distinct values are handled
function Env:wait_handled(ids, n, seconds)
  local deadline = core.now() + seconds
  local seen, lines, distinct
  while core.now() < deadline do
    seen, lines = self:handled(ids)
    distinct = 0
    for _ in pairs(seen) do distinct = distinct + 1 end
    if distinct >= n then return seen, lines end
    os.execute("sleep 0.2")
  end
  local logs = {}
  for _, id in ipairs(ids) do logs[#logs + 1] = id .. ":\n" .. slurp(self.dir .. "/" .. id .. ".log") end
  error(string.format("%d of %d handled within %d s\n%s", distinct, n, seconds, table.concat(logs, "\n")))
end

function Env:cleanup()
  for id in pairs(self.procs) do self:kill(id) end
  if self.dir and self.dir:match("^/tmp/moonwalk%-trapcluster%.") then os.execute("rm -rf " .. self.dir) end
end

return T
