-- Redundant trap receivers: every receiver of a cluster stores what it
-- receives in one JetStream stream, and the handlers run from a durable
-- pull consumer that all of them share, so each trap is handled once.
-- moonwalk.trapd uses it when given cluster = (see doc/lua-api.md).
--
--   stream   moonwalk_traps_NAME, subjects moonwalk.traps.NAME.>
--            (NAME: the cluster's name); file storage, replicas as asked
--   .in      every notification received, as JSON (S.encode), with the
--            header Nats-Msg-Id = n.dedup_id: the same trap received by
--            two receivers (or twice by one) is stored once within the
--            stream's duplicate window
--   .dead    what a handler failed on max_deliveries times
--   durable  "handlers" on .in: explicit ack after the handlers return,
--            a negative ack with a delay (retry_delay * deliveries) when
--            one raises
--
-- An inform is answered (its Response sent, see r:defer_informs) when
-- the stream has stored it. While NATS is away notifications wait in
-- memory, up to `buffer` of them, then are dropped and counted.
local core = require "moonwalk.core"
local log = require "moonwalk.log"
local sched = require "moonwalk.sched"

local S = {}

local cjson
local function json()
  if not cjson then
    cjson = require "cjson"
    if cjson.encode_escape_forward_slash then cjson.encode_escape_forward_slash(false) end
  end
  return cjson
end

local FIELDS = { "source", "port", "transport", "version", "type", "time", "user", "security_level",
  "engine_id", "context_engine_id", "context", "msg_id", "community", "enterprise", "agent_addr",
  "generic", "specific", "timestamp", "request_id", "uptime", "trap_oid" }

local INTEGERS = { "port", "generic", "specific", "timestamp", "request_id", "uptime", "msg_id" }

-- encode(n, receiver) -> JSON text: the notification's fields, raw in
-- hex, and the id of the receiver that stored it.
function S.encode(n, receiver)
  local t = { raw = core.tohex(rawget(n, "raw")), receiver = receiver }
  for _, k in ipairs(FIELDS) do t[k] = rawget(n, k) end
  return json().encode(t)
end

-- decode(text, mt) -> notification (varbinds decoded from raw on first use
-- through mt, the receiver's notification metatable) | nil, err
function S.decode(text, mt)
  local ok, t = pcall(json().decode, text)
  if not ok or type(t) ~= "table" or type(t.raw) ~= "string" then return nil, "not a notification" end
  t.raw = core.fromhex(t.raw)
  if not t.raw then return nil, "not a notification" end
  for k, v in pairs(t) do if v == json().null then t[k] = nil end end
  -- JSON numbers come back as floats
  for _, k in ipairs(INTEGERS) do
    if type(t[k]) == "number" then t[k] = math.tointeger(t[k]) or t[k] end
  end
  return setmetatable(t, mt)
end

local Stream = {}
Stream.__index = Stream

-- attach(rx, cluster, opts) -> stream: rx (a moonwalk.trapd receiver)
-- stores into the stream and runs its handlers from it.
function S.attach(rx, cluster, opts)
  local name = cluster.name
  local self = setmetatable({
    rx = rx, cluster = cluster, name = name,
    subject = "moonwalk.traps." .. name .. ".in",
    dead_subject = "moonwalk.traps." .. name .. ".dead",
    max_deliveries = opts.max_deliveries or 5,
    retry_delay = opts.retry_delay or 1,
    informs = {}, token = 0, mt = rx._c:note_mt(), buffer = opts.buffer or 100000,
    handled = 0, redeliveries = 0, dead_letters = 0, handler_failures = 0, undecodable = 0,
    connected = false,
  }, Stream)
  if type(self.max_deliveries) ~= "number" or self.max_deliveries < 1 then
    error("trapd: max_deliveries must be at least 1", 3)
  end
  local conn = cluster.conn or {}
  self.h = core.nats_stream {
    servers = conn.servers, user = conn.user, password = conn.password, token = conn.token,
    creds = conn.creds, tls_ca = conn.tls_ca, tls_cert = conn.tls_cert, tls_key = conn.tls_key,
    id = cluster.id .. "-traps",
    stream = "moonwalk_traps_" .. name, subjects = { "moonwalk.traps." .. name .. ".>" },
    consume = opts.consume ~= false and self.subject or nil, durable = "handlers",
    replicas = opts.replicas or cluster.replicas or 1,
    duplicates = opts.duplicate_window or 120, ack_wait = opts.ack_wait or 30,
    buffer = self.buffer, max_inflight = opts.max_inflight or 256,
    storage = opts.storage,
    on_event = function(kind, a, b, c, d) return self:_event(kind, a, b, c, d) end,
  }
  rx._c:defer_informs(true)
  -- the stream's state among the cluster's series (moonwalk run --stats,
  -- the Prometheus endpoint)
  local C = require "moonwalk.cluster"
  C.add_series { "stream_lag", "moonwalk_cluster_stream_lag", "gauge",
    "Notifications stored in the trap stream and not yet handled: the shared consumer's pending ones and those in this instance's handlers" }
  C.add_series { "redeliveries", "moonwalk_cluster_redeliveries_total", "counter",
    "Notifications this instance's handlers got again (a handler failed or an ack was lost)" }
  C.add_series { "dead_letters", "moonwalk_cluster_dead_letters_total", "counter",
    "Notifications this instance sent to the dead-letter subject" }
  if cluster.add_stats then
    cluster:add_stats(function()
      if self.closed then return nil end
      local h = self.h:stats()
      return { stream_lag = h.pending + h.inflight, redeliveries = self.redeliveries,
               dead_letters = self.dead_letters }
    end)
  end
  log.info("trapd: cluster %s: storing notifications in stream moonwalk_traps_%s, handlers from its "
    .. "consumer \"handlers\" (max %d deliveries)", name, name, self.max_deliveries)
  return self
end

-- store(n): the receiver got n; into the stream it goes.
function Stream:store(n)
  local token = 0
  if rawget(n, "reply") then
    self.token = self.token + 1
    token = self.token
    self.informs[token] = n
  end
  if not self.h:publish(self.subject, n.dedup_id, S.encode(n, self.cluster.id), token) then
    if token > 0 then self.informs[token] = nil end
    local now = core.now()
    if not self.drop_logged or now - self.drop_logged > 10 then
      self.drop_logged = now
      log.warn("trapd: cluster %s: NATS buffer full (%d notifications): dropping", self.name,
        self.h:stats().buffered)
    end
  end
end

function Stream:_dead(slot, data, id, why)
  self.h:publish(self.dead_subject, "dead-" .. tostring(id), data)
  self.h:term(slot)
  self.dead_letters = self.dead_letters + 1
  log.warn("trapd: cluster %s: notification %s dead-lettered to %s: %s", self.name, tostring(id),
    self.dead_subject, why)
end

local function traceback(e)
  return debug.traceback(tostring(sched.located(coroutine.running(), e)), 2)
end

-- One message from the consumer: the handlers run in a task of their own.
function Stream:_msg(slot, data, delivered, id)
  if delivered > 1 then self.redeliveries = self.redeliveries + 1 end
  if delivered > self.max_deliveries then
    return self:_dead(slot, data, id, string.format("delivered %d times", delivered))
  end
  local n, err = S.decode(data, self.mt)
  if not n then
    self.undecodable = self.undecodable + 1
    return self:_dead(slot, data, id, err)
  end
  n.dedup_id, n.delivery = id, delivered
  local rx = self.rx
  sched.spawn(function()
    if rx.format then
      local ok, e = pcall(rx.print, rx, n)
      if ok then rx.output:flush() else log.error("trapd: output: %s", tostring(e)) end
    end
    local failed
    local hs = rx:_select(n, {})
    for i = 1, #hs do
      local h = hs[i]
      local ok, e = xpcall(h.fn, traceback, n)
      if not ok then
        failed = e
        rx.handler_errors = rx.handler_errors + 1
        log.error("trapd: handler %s failed (delivery %d of at most %d): %s", h.name, delivered,
          self.max_deliveries, e)
      end
    end
    if self.closed then return end
    if not failed then
      self.h:ack(slot)
      self.handled = self.handled + 1
    elseif delivered >= self.max_deliveries then
      self.handler_failures = self.handler_failures + 1
      self:_dead(slot, data, id, "a handler failed " .. delivered .. " times")
    else
      self.handler_failures = self.handler_failures + 1
      self.h:nak(slot, self.retry_delay * delivered)
    end
  end)
end

function Stream:_event(kind, a, b, c, d)
  if kind == "msg" then
    return self:_msg(a, b, c, d)
  elseif kind == "stored" then
    local n = self.informs[a]
    self.informs[a] = nil
    if n and not self.rx.closed then self.rx._c:answer(n) end
  elseif kind == "connected" then
    if not self.connected then
      log.info("trapd: cluster %s: connected to NATS at %s", self.name, require("moonwalk.cluster").redact(a))
    end
    self.connected = true
  elseif kind == "disconnected" then
    if self.connected then
      log.warn("trapd: cluster %s: disconnected from NATS, retrying; notifications wait in memory "
        .. "(up to %d)", self.name, self.buffer)
    end
    self.connected = false
  elseif kind == "error" then
    log.warn("trapd: cluster %s: %s; notifications wait in memory", self.name, tostring(a))
  elseif kind == "ok" then
    log.info("trapd: cluster %s: storing in the stream again", self.name)
  end
end

-- stats(s): adds the stream's counters to the receiver's stats s.
function Stream:stats(s)
  local h = self.closed and self.final or self.h:stats()
  s.stream_stored = h.stored
  s.stream_duplicates = h.duplicates
  s.stream_buffered = h.buffered
  s.stream_dropped = h.dropped
  s.stream_publish_errors = h.publish_errors
  s.stream_fetched = h.fetched
  s.stream_connected = h.connected and 1 or 0
  s.stream_handled = self.handled
  s.stream_redeliveries = self.redeliveries
  s.stream_dead_letters = self.dead_letters
  s.stream_handler_failures = self.handler_failures
  s.stream_lag = (h.pending or 0) + (h.inflight or 0)
  return s
end

function Stream:close()
  if self.closed then return end
  self.final = self.h:stats()
  self.closed = true
  self.h:close()
end

return S
