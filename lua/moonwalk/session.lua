-- Manager sessions: get, getnext, getbulk, set, walk, bulkwalk, table.
-- Expected failures return nil, err (err.kind, err.message, ...); misuse
-- of the API raises.
local core = require "moonwalk.core"
local log = require "moonwalk.log"

local M = {}

local Error = {}
Error.__index = Error
Error.__name = "moonwalk.error"
Error.__tostring = function(e) return e.message end
M.Error = Error

-- net-snmp's texts for error-status values (snmp_errstring)
local reasons = {
  [1] = "(tooBig) Response message would have been too large.",
  [2] = "(noSuchName) There is no such variable name in this MIB.",
  [3] = "(badValue) The value given has the wrong type or length.",
  [4] = "(readOnly) The two parties used do not have access to use the specified SNMP PDU.",
  [5] = "(genError) A general failure occured",
  [6] = "noAccess",
  [7] = "wrongType (The set datatype does not match the data type the agent expects)",
  [8] = "wrongLength (The set value has an illegal length from what the agent expects)",
  [9] = "wrongEncoding",
  [10] = "wrongValue (The set value is illegal or unsupported in some way)",
  [11] = "noCreation (That table does not support row creation or that object can not ever be created)",
  [12] = "inconsistentValue (The set value is illegal or unsupported in some way)",
  [13] = "resourceUnavailable (This is likely a out-of-memory failure within the agent)",
  [14] = "commitFailed",
  [15] = "undoFailed",
  [16] = "authorizationError (access denied to that object)",
  [17] = "notWritable (That object does not support modification)",
  [18] = "inconsistentName (That object can not currently be created)",
}
M.reasons = reasons

function M.error(kind, message, fields)
  local e = setmetatable(fields or {}, Error)
  e.kind = kind
  e.message = message
  return e
end

local function parse_version(v)
  if v == nil then return 1 end
  v = tostring(v)
  if v == "1" then return 0 end
  if v == "2c" or v == "2" then return 1 end
  if v == "3" then return 3 end
  error("unknown SNMP version " .. v .. " (use \"1\", \"2c\" or \"3\")", 3)
end

local Session = {}
Session.__index = Session
Session.__name = "moonwalk.session"
M.Session = Session

local function parse_peer(spec)
  local fam, rest = nil, spec
  if spec:sub(1, 5) == "udp6:" then fam, rest = "udp6", spec:sub(6)
  elseif spec:sub(1, 4) == "udp:" then fam, rest = "udp", spec:sub(5)
  elseif spec:match("^tcp6?:") then error("TCP transport is not supported: " .. spec, 3) end
  local host, port
  local h6, p6 = rest:match("^%[([^%]]+)%]:?(%d*)$")
  if h6 then
    host, port = h6, p6
    fam = fam or "udp6"
  elseif select(2, rest:gsub(":", "")) > 1 then
    host = rest -- bare IPv6 literal
    fam = fam or "udp6"
  else
    host, port = rest:match("^([^:]+):?(%d*)$")
  end
  if not host or host == "" then error("bad peer address " .. spec, 3) end
  port = tonumber(port ~= "" and port or nil) or 161
  if port > 65535 then error("bad port in " .. spec, 3) end
  return host, port, fam
end
M.parse_peer = parse_peer

-- session{peer=, version=, community=, timeout=, retries=, max_repetitions=,
--         rate= (requests/s to this agent), max_inflight= (requests at once)}
local c_get, c_getnext   -- the C session's get and getnext (set by new)
M.DEFAULT_INFLIGHT = 64

function M.new(opts)
  if type(opts) == "string" then opts = { peer = opts } end
  if type(opts) ~= "table" then error("session expects a table", 2) end
  core.engine_init()
  local peer = opts.peer or opts.host
  if type(peer) ~= "string" then error("session needs peer=\"host[:port]\"", 2) end
  local host, port, fam = parse_peer(peer)
  if opts.port then port = opts.port end
  local self = setmetatable({}, Session)
  self.peer = peer
  self.version = parse_version(opts.version)
  self.community = opts.community or "public"
  self.timeout = opts.timeout or 1.0
  self.retries = opts.retries or 5
  self.max_repetitions = opts.max_repetitions or 10
  self.non_increasing = opts.non_increasing or "error"
  self.opts = opts
  -- At most DEFAULT_INFLIGHT requests to one agent are out at once unless
  -- the script says otherwise (max_inflight = n, or false for no window): a
  -- thousand requests sent in one burst overflow the agent's socket buffer
  -- (snmpd drops about half of them) and come back only by retransmission.
  local rate, maxin = opts.rate, opts.max_inflight
  if maxin == nil then maxin = M.DEFAULT_INFLIGHT elseif maxin == false then maxin = nil end
  if rate ~= nil and (type(rate) ~= "number" or rate <= 0) then error("rate must be a positive number of requests per second", 2) end
  if maxin ~= nil and (math.type(maxin) ~= "integer" or maxin < 1) then error("max_inflight must be an integer >= 1 or false", 2) end
  if rate or maxin then
    self._limit = { rate = rate, max_inflight = maxin, next_slot = 0, inflight = 0, queue = {}, head = 1, tail = 0 }
  end
  if type(self.timeout) ~= "number" or self.timeout <= 0 then error("timeout must be a positive number of seconds", 2) end
  if math.type(self.retries) ~= "integer" or self.retries < 0 then error("retries must be an integer >= 0", 2) end
  self._c = core.session {
    host = host, port = port, family = fam, version = self.version,
    community = self.community, timeout_ms = math.floor(self.timeout * 1000 + 0.5),
    retries = self.retries,
  }
  if not c_get then
    local methods = getmetatable(self._c).__index
    c_get, c_getnext = methods.get, methods.getnext
  end
  if self.version == 3 then
    -- the security object (moonwalk.v3): the USM state in C, user and
    -- level, engine discovery, and the refusal when no user is set
    local sec = require("moonwalk.v3").attach(self._c, opts,
      string.format("%s:%s:%d", fam or "udp", host, port))
    self._sec = sec
    self._refused = sec.refusal
    self.user, self.level = sec.user, sec.level
    self.engine_id, self.engine_time = Session._engine_id, Session._engine_time
  end
  return self
end

function Session:clone(over)
  local o = {}
  for k, v in pairs(self.opts) do o[k] = v end
  for k, v in pairs(over or {}) do o[k] = v end
  if over and over.version == nil then o.version = self.opts.version end
  return M.new(o)
end

function Session:close() self._c:close() end
-- local s <close> = mw.session{...}: closed when the block ends
Session.__close = Session.close

-- Waits for DNS once; later calls return at once.
function Session:resolve()
  if self._resolved then return true end
  local ok, err = self._c:resolve()
  if not ok then return nil, M.error("resolve", err) end
  self._resolved = true
  return true
end


local function failure(self, kind, msg, status, index, vbs)
  if kind == "timeout" then
    return nil, M.error("timeout", "Timeout: No Response from " .. self.peer .. ".")
  elseif kind == "status" then
    local vb = vbs and vbs[index]
    return nil, M.error("status", string.format("%s (error-status %d at varbind %d%s)",
      msg, status, index, vb and (": " .. vb.oid) or ""), {
      status = msg, code = status, index = index, reason = reasons[status] or msg,
      oid = vb and vb.oid, varbinds = vbs })
  elseif kind == "usm" or kind == "report" then
    return nil, M.error(kind, msg, { status = status })
  end
  return nil, M.error(kind or "error", msg or "request failed")
end

-- v3 sessions (session.engine_id, session.engine_time): the agent's engine
-- ID (binary), discovered if needed; its boots and time as estimated now
function Session:_engine_id()
  if not self._resolved then
    local ok, err = self:resolve()
    if not ok then return nil, err end
  end
  local eid, kind, msg, status = self._sec:engine_id()
  if eid then return eid end
  if kind == "timeout" then
    return nil, M.error("timeout", "Timeout: No Response from " .. self.peer .. ".")
  end
  return nil, M.error(kind or "report", msg or "Unknown engine ID", { status = status })
end

function Session:_engine_time()
  return self._sec:engine_time()
end

-- Per-target limits (session{rate=, max_inflight=}): a request waits for
-- its turn, first come first served, so a script cannot overwhelm a weak
-- agent. Each request takes the next slot of the rate; beyond max_inflight
-- it waits in a queue and is woken when one in flight finishes.
local sched
local function limit_enter(lim)
  sched = sched or require "moonwalk.sched"
  if lim.rate then
    local now = core.now()
    local slot = lim.next_slot > now and lim.next_slot or now
    lim.next_slot = slot + 1 / lim.rate
    if slot > now then sched.sleep(slot - now) end
  end
  if lim.max_inflight then
    if lim.inflight >= lim.max_inflight then
      -- appended at tail, taken at head: the queue's length operator
      -- would see a border at the taken slots and put a waiter where it
      -- is never woken
      local me = { co = coroutine.running() }
      lim.tail = lim.tail + 1
      lim.queue[lim.tail] = me
      repeat coroutine.yield() until me.go
    else
      lim.inflight = lim.inflight + 1
    end
  end
end

local function limit_leave(lim)
  if not lim.max_inflight then return end
  local me = lim.queue[lim.head]
  if me then
    -- the slot passes to the first waiter, woken from the loop
    lim.queue[lim.head] = nil
    lim.head = lim.head + 1
    me.go = true
    sched.after(0, function() sched.resume(me.co) end)
  else
    lim.inflight = lim.inflight - 1
  end
end

-- a request that raises (a bad OID) still gives its slot back; the results
-- pass through as varargs (no table per request: every request of a
-- session goes through here)
local function left(lim, ok, ...)
  limit_leave(lim)
  if not ok then error((...), 0) end
  return ...
end

local function limited(lim, fn, ...)
  limit_enter(lim)
  return left(lim, pcall(fn, ...))
end

local function request(self, method, ...)
  if not self._resolved then
    local ok, err = self:resolve()
    if not ok then return nil, err end
  end
  if self._refused then return failure(self, "usm", self._refused) end
  local vbs, kind, msg, status, index, evbs
  if self._limit then
    vbs, kind, msg, status, index, evbs = limited(self._limit, self._c[method], self._c, ...)
  else
    vbs, kind, msg, status, index, evbs = self._c[method](self._c, ...)
  end
  if vbs then return vbs end
  return failure(self, kind, msg, status, index, evbs)
end

-- get and getnext call the C methods directly (no varargs, no lookup by
-- name): they are what a poller calls most.
local function plain(self, cfn, oids, opts)
  if not self._resolved then
    local ok, err = self:resolve()
    if not ok then return nil, err end
  end
  -- a v3 session without a user sends nothing
  if self._refused then return failure(self, "usm", self._refused) end
  local vbs, kind, msg, status, index, evbs
  if self._limit then
    vbs, kind, msg, status, index, evbs = limited(self._limit, cfn, self._c, oids, opts)
  else
    vbs, kind, msg, status, index, evbs = cfn(self._c, oids, opts)
  end
  if vbs then return vbs end
  return failure(self, kind, msg, status, index, evbs)
end

-- oids: one OID (text or OID object) or a list of them; opts: this call's
-- { timeout = seconds, retries = n } instead of the session's
function Session:get(oids, opts) return plain(self, c_get, oids, opts) end
function Session:getnext(oids, opts) return plain(self, c_getnext, oids, opts) end

function Session:getbulk(oids, non_repeaters, max_repetitions, opts)
  if type(oids) == "table" and not core.is_oid(oids) and (oids.non_repeaters or oids.max_repetitions) then
    non_repeaters, max_repetitions = oids.non_repeaters, oids.max_repetitions
  end
  return request(self, "getbulk", non_repeaters or 0, max_repetitions or self.max_repetitions, oids, opts)
end

-- net-snmp's type letters for set (snmpset TYPE argument)
local letters = {
  i = "INTEGER", u = "Gauge32", t = "Timeticks", a = "IpAddress", o = "OID",
  s = "STRING", x = "STRING", d = "STRING", n = "NULL", c = "Counter32",
  C = "Counter64", b = "STRING",
  -- net-snmp's opaque special types: 64-bit integers and floats in Opaque
  U = "Opaque", I = "Opaque", F = "Opaque", D = "Opaque",
}

M.letters = letters

-- batch{ {session, "get"|"getnext", oids}, ... } sends every request at
-- once and waits once: results[i] = { varbinds = ... } or { error = err }.
-- One task can keep thousands of requests in flight this way, at a few
-- hundred bytes each.
function M.batch(list)
  local raw = {}
  for i, r in ipairs(list) do
    local s = r[1] or r.session
    if getmetatable(s) ~= Session then error("batch: request " .. i .. " needs a session", 2) end
    if not s._resolved then
      local ok, err = s:resolve()
      if not ok then error("batch: request " .. i .. ": " .. tostring(err), 2) end
    end
    if s._refused then error("batch: request " .. i .. ": " .. s._refused, 2) end
    raw[i] = { s._c, r[2] or r.kind or "get", r[3] or r.oids }
  end
  local res = core.batch(raw)
  for i, r in ipairs(res) do
    if r.error then
      local e = r.error
      local _, err = failure(list[i][1] or list[i].session, e[1], e[2], e[3], e[4], e[5])
      res[i] = { error = err }
    end
  end
  return res
end

-- The rest of the methods (set, inform, trap, the walks, table) live in
-- moonwalk.session.more, loaded the first time one of them is called: a
-- one-shot get, or a poller that only gets, does not load them. Until
-- then each is a stand-in that loads the module and calls the method.
M._internal = { failure = failure, request = request, limited = limited }
for _, name in ipairs { "set", "inform", "trap", "_walk", "walk", "bulkwalk", "walk_all", "table" } do
  local function stand_in(...)
    require "moonwalk.session.more"
    local method = Session[name]
    if method == stand_in then error("moonwalk.session.more has no " .. name, 2) end
    return method(...) -- a tail call: its errors name the caller's line
  end
  Session[name] = stand_in
end

return M
