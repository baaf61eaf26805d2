-- Starts nats-server with JetStream as a test peer on 127.0.0.1, with its
-- store in a temporary directory and a port chosen here.
--
--   local nats = require "nats"
--   local s = nats.start{}            s.port, s.url ("nats://127.0.0.1:PORT")
--   s:kill()  s:start()               stop it hard / start it again (same port)
--   s:cleanup()                       stop it and remove its directory
--   nats.port()                       a port to give start{port=} later
--   nats.start{ args = "--user u --pass p" }   more options for the server
--   nats.start{ monitor = true }      with a monitoring port: s:stream_state(name)
--
--   local cl = nats.cluster{}         three nodes with JetStream, routed to
--                                     each other (--cluster, --routes),
--                                     each with its own store and ports;
--                                     returns once a metadata leader is
--                                     elected (R3 streams can be made)
--   cl.url ("nats://...:P1,nats://...:P2,nats://...:P3"), cl.urls, cl.nodes[i]
--   cl:kill(i)  cl:start(i)           one node down / back (same ports, store)
--   cl:stream_state(name)             the stream's state as a live node's
--                                     monitoring port (/jsz) shows it:
--                                     { messages =, bytes =, ... } | nil
--   cl:cleanup()
local core = require "moonwalk.core"

local N = {}

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

local function slurp(path)
  local f = io.open(path)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- A port nothing listens on now (TCP and UDP share the OS's free ranges;
-- start() checks the server did bind it).
function N.port()
  core.engine_init()
  return core.free_udp_port()
end

local Server = {}
Server.__index = Server

function N.start(opts)
  opts = opts or {}
  local self = setmetatable({}, Server)
  self.dir = sh("mktemp -d /tmp/moonwalk-nats.XXXXXX"):gsub("%s+$", "")
  self.port = opts.port or N.port()
  self.url = "nats://127.0.0.1:" .. self.port
  self.starts = 0
  self.args = opts.args or ""
  if opts.monitor then
    self.monitor = N.port()
    self.args = self.args .. " -m " .. self.monitor
  end
  self:start()
  return self
end

-- start(): launches the server (again) on the same port and store, and
-- waits until it is ready.
function Server:start()
  assert(not self.pid, "nats-server already running")
  self.starts = self.starts + 1
  local log = string.format("%s/nats-%d.log", self.dir, self.starts)
  self.log = log
  self.pid = sh(string.format("nats-server -js -a 127.0.0.1 -p %d -sd %s/js -l %s %s >/dev/null 2>&1 & echo $!",
    self.port, self.dir, log, self.args)):match("(%d+)%s*$")
  local deadline = core.now() + 30
  while core.now() < deadline do
    local text = slurp(log)
    if text:find("Server is ready", 1, true) then return self end
    if not os.execute("kill -0 " .. self.pid .. " 2>/dev/null") then
      self.pid = nil
      error("nats-server did not start:\n" .. text)
    end
    os.execute("sleep 0.05")
  end
  error("nats-server not ready after 30 s:\n" .. slurp(log))
end

-- kill(): SIGKILL, and waits until it is gone.
function Server:kill()
  if not self.pid then return end
  os.execute("kill -9 " .. self.pid .. " 2>/dev/null")
  local deadline = core.now() + 10
  while os.execute("kill -0 " .. self.pid .. " 2>/dev/null") and core.now() < deadline do
    os.execute("sleep 0.02")
  end
  self.pid = nil
end

function Server:cleanup()
  self:kill()
  if self.dir and self.dir:match("^/tmp/moonwalk%-nats%.") then os.execute("rm -rf " .. self.dir) end
end

-- distinct free ports
local function ports(k)
  local got, seen = {}, {}
  while #got < k do
    local p = N.port()
    if not seen[p] then seen[p] = true got[#got + 1] = p end
  end
  return got
end

local Cluster = {}
Cluster.__index = Cluster

function N.cluster(opts)
  opts = opts or {}
  local size = opts.size or 3
  local p = ports(3 * size)
  local routes = {}
  for i = 1, size do routes[i] = "nats://127.0.0.1:" .. p[size + i] end
  local self = setmetatable({ nodes = {}, urls = {} }, Cluster)
  local name = "c" .. p[1]
  for i = 1, size do
    local node = setmetatable({}, Server)
    node.dir = sh("mktemp -d /tmp/moonwalk-nats.XXXXXX"):gsub("%s+$", "")
    node.port = p[i]
    node.url = "nats://127.0.0.1:" .. p[i]
    node.starts = 0
    node.monitor = p[2 * size + i]
    node.args = string.format("--server_name n%d --cluster_name %s --cluster nats://127.0.0.1:%d --routes %s -m %d %s",
      i, name, p[size + i], table.concat(routes, ","), node.monitor, opts.args or "")
    self.nodes[i] = node
    self.urls[i] = node.url
  end
  self.url = table.concat(self.urls, ",")
  for i = 1, size do self.nodes[i]:start() end
  self:wait_leader()
  return self
end

-- wait_leader(): until a node's log says the JetStream metadata leader is
-- elected (or one already knows it).
function Cluster:wait_leader(seconds)
  local deadline = core.now() + (seconds or 30)
  while core.now() < deadline do
    for _, node in ipairs(self.nodes) do
      if node.pid then
        local text = slurp(node.log)
        if text:find("JetStream cluster new metadata leader", 1, true)
           or text:find("Self is new JetStream cluster metadata leader", 1, true) then
          return true
        end
      end
    end
    os.execute("sleep 0.05")
  end
  error("no JetStream metadata leader after " .. (seconds or 30) .. " s")
end

-- the state of a stream as the monitoring port of a live node shows it
local function stream_state(nodes, stream)
  local cjson = require "cjson"
  for _, node in ipairs(nodes) do
    if node.pid and node.monitor then
      local body = sh(string.format("curl -s --max-time 5 'http://127.0.0.1:%d/jsz?streams=true'", node.monitor))
      local ok, j = pcall(cjson.decode, body)
      if ok and type(j) == "table" then
        for _, acc in ipairs(j.account_details or {}) do
          for _, st in ipairs(acc.stream_detail or {}) do
            if st.name == stream then return st.state end
          end
        end
      end
    end
  end
  return nil
end

function Cluster:stream_state(stream) return stream_state(self.nodes, stream) end
function Server:stream_state(stream)
  assert(self.monitor, "started without monitor = true")
  return stream_state({ self }, stream)
end

function Cluster:kill(i) self.nodes[i]:kill() end
function Cluster:start(i) self.nodes[i]:start() end

function Cluster:cleanup()
  for _, node in ipairs(self.nodes) do node:cleanup() end
end

return N
