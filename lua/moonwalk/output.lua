-- Outputs that results are written to. mw.output.nats publishes each
-- result as JSON to a NATS JetStream stream, for Telegraf or any other
-- consumer downstream:
--
--   local out = mw.output.nats{ subject = "moonwalk.poll.{job}.{target}" }
--   out:write{ job = "ifmib", target = "r1", time = mw.time(), values = {...} }
--
-- Options: subject (a template: {field} is the result's field, with '.',
-- '*', '>' and blanks made '_'; default "moonwalk.poll.{job}.{target}"),
-- stream (default "moonwalk_poll"), subjects (what the stream captures;
-- default: the template's fixed part followed by ">"), replicas, storage
-- ("file"), duplicate_window (120 s), buffer (results kept in memory
-- while NATS is away, 100000; then dropped and counted), and the NATS
-- connection: cluster = a cluster (default: the one of moonwalk run
-- --cluster), or servers = {...} with user, password, token, creds, tls.
-- Each result is published with a Nats-Msg-Id of its subject and time (or
-- result.id), so a retry after a lost acknowledgement is not stored twice.
-- out:stats() -> { stored, duplicates, buffered, dropped, publish_errors,
-- connected }; out:close().
local core = require "moonwalk.core"
local json = require "moonwalk.json"
local log = require "moonwalk.log"

local M = {}

local Nats = {}
Nats.__index = Nats

local function token(v)
  return (tostring(v):gsub("[%.%*>%s]", "_"))
end

-- subject_of(template, result) -> subject
function M.subject_of(template, r)
  return (template:gsub("{([%w_]+)}", function(k)
    local v = r[k]
    if v == nil or v == "" then return "_" end
    return token(v)
  end))
end

local function default_subjects(template)
  local fixed = template:match("^([^{]*)%.") or template:match("^([^{]*)$")
  if not fixed or fixed == "" or fixed:find("{", 1, true) then return { ">" } end
  if not template:find("{", 1, true) then return { template } end
  return { fixed .. ".>" }
end
M.default_subjects = default_subjects

local function open(opts)
  local cl = opts.cluster
  if cl == nil and not opts.servers then cl = require("moonwalk.cluster").new() end
  local conn
  if cl then
    conn = cl.conn
  else
    local servers = opts.servers
    if type(servers) == "string" then servers = assert(require("moonwalk.cluster").parse_servers(servers)) end
    local tls = opts.tls or {}
    conn = { servers = servers, user = opts.user, password = opts.password, token = opts.token,
             creds = opts.creds, tls_ca = tls.ca, tls_cert = tls.cert, tls_key = tls.key }
  end
  if not conn or type(conn.servers) ~= "table" then
    error("output.nats needs cluster = (or moonwalk run --cluster) or servers = {\"nats://...\"}", 3)
  end
  if not core.loop_threads() then
    error("output.nats: the event loop already runs without the locks the NATS client needs: "
      .. "use moonwalk run --cluster URL", 3)
  end
  core.engine_init()
  local self = setmetatable({
    template = opts.subject or "moonwalk.poll.{job}.{target}",
    stream = opts.stream or "moonwalk_poll", seq = 0,
  }, Nats)
  local subjects = opts.subjects or default_subjects(self.template)
  self.h = core.nats_stream {
    servers = conn.servers, user = conn.user, password = conn.password, token = conn.token,
    creds = conn.creds, tls_ca = conn.tls_ca, tls_cert = conn.tls_cert, tls_key = conn.tls_key,
    id = (cl and cl.id or "moonwalk") .. "-output", stream = self.stream, subjects = subjects,
    replicas = opts.replicas or (cl and cl.replicas) or 1, storage = opts.storage,
    duplicates = opts.duplicate_window or 120, buffer = opts.buffer or 100000,
    on_event = function(kind, a) return self:_event(kind, a) end,
  }
  log.info("output nats: results to stream %s (%s) as %s", self.stream, table.concat(subjects, " "), self.template)
  return self
end

-- nats(opts) -> writer (see the top of this file). Under moonwalk run the
-- writer lives across reloads (by stream and template).
function M.nats(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("output.nats expects a table", 2) end
  local rt = package.loaded["moonwalk.runtime"]
  if rt and rt.current() then
    local key = "output.nats " .. tostring(opts.stream or "moonwalk_poll") .. " " .. tostring(opts.subject)
    return rt.claim(key, function() return open(opts) end, function(w) w:close() end)
  end
  return open(opts)
end

function Nats:_event(kind, a)
  if kind == "error" then
    log.warn("output nats: %s; results wait in memory", tostring(a))
  elseif kind == "disconnected" then
    log.warn("output nats: disconnected from NATS, retrying; results wait in memory")
  elseif kind == "ok" then
    log.info("output nats: storing in stream %s again", self.stream)
  end
end

-- write(result) -> true | false (the buffer is full: dropped, counted)
function Nats:write(r)
  if type(r) ~= "table" then error("write expects a result table", 2) end
  if self.closed then error("output is closed", 2) end
  local subject = M.subject_of(self.template, r)
  local t = r.time or core.time()
  self.seq = self.seq + 1
  local id = r.id and tostring(r.id) or string.format("%s@%.6f#%d", subject, t, self.seq)
  local body = json.encode(r)
  local ok = self.h:publish(subject, id, body)
  if not ok then
    local now = core.now()
    if not self.drop_logged or now - self.drop_logged > 10 then
      self.drop_logged = now
      log.warn("output nats: buffer full: dropping results")
    end
  end
  return ok
end

function Nats:stats()
  if self.closed then return self.final end
  return self.h:stats()
end

function Nats:close()
  if self.closed then return end
  self.final = self.h:stats()
  self.closed = true
  self.h:close()
end

return M
