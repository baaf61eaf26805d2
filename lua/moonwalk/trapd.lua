-- The notification receiver: traps and informs (v1, v2c, v3) handed to Lua
-- handlers, each run as its own task.
--
--   local rx = mw.trapd{ listen = "udp:0.0.0.0:162", community = "public",
--                        users = { "ops:SHA:authpass1:AES:privpass1" } }
--   rx:on("1.3.6.1.6.3.1.1.5.3", function(n) ... end)         -- exact trap OID
--   rx:on("1.3.6.1.4.1.9.*", function(n) ... end)             -- subtree
--   rx:on({ source = "10.0.0.1" }, function(n) ... end)       -- by sender
--   rx:on(function(n) ... end)                                -- every notification
--   rx:default(function(n) ... end)                           -- when nothing else matched
--
-- Every matching handler runs, in the order they were registered. A
-- handler gets the notification table:
--   source, port, transport ("udp"|"udp6"), version ("1"|"2c"|"3"),
--   type ("trap"|"inform"|"v1trap"), time (epoch seconds), community (v1,
--   v2c) or user, security_level, engine_id, context_engine_id (hex),
--   context (v3), request_id, trap_oid, uptime, varbinds
--   ({oid=, type=, value=}, in the SNMPv2 form: sysUpTime.0 and
--   snmpTrapOID.0 first; decoded from raw when first read), raw (the
--   message as received, or for v3 with privacy the decrypted
--   scopedPDU), and for v1 enterprise, agent_addr, generic, specific,
--   timestamp. trap_oid and uptime are always there: a v2 trap or inform
--   whose first two varbinds are not sysUpTime.0 (TimeTicks) and
--   snmpTrapOID.0 (an OID) is dropped and counted in malformed.
-- A handler may wait (s:get{...}, mw.sleep): other notifications go on.
-- One that raises is logged with its traceback; the receiver carries on.
--
-- Load: datagrams are read in batches and decoded in C; notifications
-- wait in a bounded queue there (queue entries, queue_bytes); at most
-- max_tasks handlers run at once, in worker tasks that are reused; what
-- does not fit is dropped and counted, never queued without bound.
-- rx:stats() returns the counters (message processing's by their MIB
-- names, as the agent's: snmpInPkts, snmpInASNParseErrs, snmpInvalidMsgs,
-- usmStatsWrongDigests, ...; then received, handled, dropped =
-- dropped_queue + dropped_socket, auth_failures (the sum of the
-- authentication failures), informs_answered, reports_sent,
-- handler_errors, ...; the former names packets, parse_errors,
-- wrong_digests, not_in_time_window ... stay as aliases); they
-- are logged every stats_interval seconds. rx.port is the first listening
-- port, rx:addresses() all of them; rx:close() stops the receiver.
--
-- Replay: a v3 trap is signed with its sender's engine boots and time.
-- The receiver keeps them per sending engine (learnt from authenticated
-- traps only; at most `engines` engines, 10,000 by default, the least
-- recently seen forgotten first) and drops a trap with older boots or a
-- time more than 150 s behind, counted in usmStatsNotInTimeWindows (RFC 3414
-- 3.2.7 b, as snmptrapd). stats: engines (kept now), engines_evicted.
-- rx:process(bytes[, "udp:addr:port"]) runs one datagram through the
-- receive path without a socket and returns the reply it calls for.
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"
local fmt = require "moonwalk.fmt"

local T = {}

local Receiver = {}
Receiver.__index = Receiver
Receiver.__name = "moonwalk.trapd"
T.Receiver = Receiver

local function list(x)
  if x == nil then return {} end
  if type(x) == "table" then return x end
  return { x }
end

local function norm_oid(s)
  return tostring(core.oid(s))
end

-- "name:AUTH:AUTHPASS[:PRIV:PRIVPASS]" or a table -> table
function T.parse_user(u)
  local user, err = require("moonwalk.users").parse(u)
  if not user then error(err, 3) end
  return user
end

local function filter_of(spec)
  local f = { kind = "all" }
  if spec == nil or spec == "*" then return f end
  if type(spec) == "function" then f.kind = "func"; f.fn = spec; return f end
  if type(spec) == "string" or core.is_oid(spec) then spec = { oid = spec } end
  if type(spec) ~= "table" then error("a filter is an OID, a table or a function", 3) end
  local oid = spec.oid or spec.trap_oid
  if oid then
    local s = tostring(oid)
    if s:sub(-2) == ".*" then
      f.subtree = norm_oid(s:sub(1, -3))
    elseif spec.subtree then
      f.subtree = norm_oid(s)
    else
      f.oid = norm_oid(s)
    end
    if f.subtree then f.prefix = f.subtree .. "." end
  end
  if spec.source then
    f.sources = {}
    for _, src in ipairs(list(spec.source)) do
      if type(src) == "function" then f.source_fn = src
      else
        local addr, bits = tostring(src):match("^([^/]+)/(%d+)$")
        if addr then
          f.nets = f.nets or {}
          f.nets[#f.nets + 1] = { addr = addr, bits = tonumber(bits) }
        else
          f.sources[tostring(src)] = true
        end
      end
    end
  end
  for _, k in ipairs { "community", "user", "type", "version" } do
    if spec[k] ~= nil then
      f[k] = {}
      for _, v in ipairs(list(spec[k])) do f[k][tostring(v)] = true end
    end
  end
  if spec.match then f.fn = spec.match end
  f.kind = "table"
  return f
end

local function v4num(a)
  local b1, b2, b3, b4 = a:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not b1 then return nil end
  return ((tonumber(b1) * 256 + tonumber(b2)) * 256 + tonumber(b3)) * 256 + tonumber(b4)
end

local function in_net(addr, net)
  local a, n = v4num(addr), v4num(net.addr)
  if not a or not n then return false end
  local shift = 32 - net.bits
  return (a >> shift) == (n >> shift)
end

local function matches(f, n)
  if f.kind == "all" then return true end
  if f.kind == "func" then return f.fn(n) and true or false end
  if f.oid and n.trap_oid ~= f.oid then return false end
  if f.prefix then
    local t = n.trap_oid
    if not t or (t ~= f.subtree and t:sub(1, #f.prefix) ~= f.prefix) then return false end
  end
  if f.sources then
    local ok = f.sources[n.source] or (f.source_fn and f.source_fn(n.source))
    if not ok and f.nets then
      for _, net in ipairs(f.nets) do if in_net(n.source, net) then ok = true break end end
    end
    if not ok then return false end
  end
  if f.community and not f.community[n.community or false] then return false end
  if f.user and not f.user[n.user or false] then return false end
  if f.type and not f.type[n.type] then return false end
  if f.version and not f.version[n.version] then return false end
  if f.fn and not f.fn(n) then return false end
  return true
end
T._matches = function(spec, n) return matches(filter_of(spec), n) end

-- --- output -------------------------------------------------------------

local function oneline(s) return (s:gsub("%s*\n%s*", " ")) end

-- One readable line: time source version community/user type trap-oid
-- uptime [v1 fields] [request-id]: varbinds (tab-separated, as snmptrapd).
function T.format_text(n, flags)
  flags = flags or {}
  local parts = {
    os.date("!%Y-%m-%d %H:%M:%S", math.floor(n.time)),
    (n.transport == "udp6" and ("[" .. n.source .. "]") or n.source) .. ":" .. n.port,
    "v" .. n.version,
  }
  if n.user then
    parts[#parts + 1] = "user=" .. n.user .. "/" .. (n.security_level or "")
  else
    parts[#parts + 1] = "community=" .. (n.community or "")
  end
  parts[#parts + 1] = n.type
  parts[#parts + 1] = n.trap_oid and fmt.oid(n.trap_oid, flags) or "(no trap OID)"
  if n.uptime then parts[#parts + 1] = "uptime=" .. fmt.uptime(n.uptime) end
  if n.type == "v1trap" then
    parts[#parts + 1] = string.format("enterprise=%s agent=%s generic=%d specific=%d",
      fmt.oid(n.enterprise, flags), n.agent_addr, n.generic, n.specific)
  else
    parts[#parts + 1] = "request_id=" .. n.request_id
  end
  local vbs = {}
  for i = 3, #n.varbinds do
    vbs[#vbs + 1] = oneline(fmt.varbind(n.varbinds[i], flags))
  end
  return table.concat(parts, " ") .. ":" .. (#vbs > 0 and ("\t" .. table.concat(vbs, "\t")) or "")
end

local cjson
local function json()
  if not cjson then
    local ok, m = pcall(require, "cjson.safe")
    if not ok then ok, m = pcall(require, "cjson") end
    if not ok then error("--format json needs lua-cjson", 0) end
    cjson = m
    if cjson.encode_escape_forward_slash then cjson.encode_escape_forward_slash(false) end
  end
  return cjson
end

local function utf8_text(s)
  if s:find("[%z\1-\8\11\12\14-\31\127]") then return false end
  return utf8.len(s) ~= nil
end

local numeric = { INTEGER = true, Counter32 = true, Gauge32 = true, Timeticks = true, UInteger32 = true }

-- A varbind as JSON-ready table: numbers stay numbers (Counter64 becomes a
-- decimal string, as JSON numbers lose precision past 2^53), OIDs and
-- addresses are text, octet strings are text when they are UTF-8, else hex
-- with encoding = "hex".
local function json_vb(vb)
  local t, v = vb.type, vb.value
  local out = { oid = vb.oid, type = t }
  if numeric[t] then out.value = v
  elseif t == "Counter64" then out.value = require("moonwalk").u64tostring(v)
  elseif t == "STRING" or t == "Opaque" or t == "NsapAddress" then
    if utf8_text(v) then out.value = v
    else out.value = (core.tohex(v):gsub("..", "%0 "):gsub(" $", ""):upper()); out.encoding = "hex" end
  elseif v == nil then out.value = json().null
  else out.value = tostring(v) end
  return out
end
T.json_varbind = json_vb

function T.to_json_table(n)
  local ms = math.floor(n.time * 1000 + 0.5)
  local o = {
    time = os.date("!%Y-%m-%dT%H:%M:%S", ms // 1000) .. string.format(".%03dZ", ms % 1000),
    source = n.source, port = n.port, transport = n.transport, version = n.version,
    type = n.type, request_id = n.request_id, trap_oid = n.trap_oid, uptime = n.uptime,
    community = n.community, user = n.user, security_level = n.security_level,
    engine_id = n.engine_id, context = n.context,
    enterprise = n.enterprise, agent_addr = n.agent_addr, generic = n.generic, specific = n.specific,
  }
  local vbs = {}
  for i, vb in ipairs(n.varbinds) do vbs[i] = json_vb(vb) end
  o.varbinds = setmetatable(vbs, json().array_mt)
  return o
end

function T.format_json(n)
  local s = json().encode(T.to_json_table(n))
  return s
end

-- --- the receiver -------------------------------------------------------------

local function traceback(e)
  return debug.traceback(tostring(sched.located(coroutine.running(), e)), 2)
end

-- trapd{ listen = addr | {addrs}, community = c | {cs}, users = {...},
--        engine_id = hex (as the agent's), boots = n, state = dir, queue = entries,
--        queue_bytes = bytes, engines = n, max_tasks = n, stats_interval = seconds
--        (0: never), format = "text" | "json" | nil, output = file,
--        flags = "-O letters" for text output }
function T.trapd(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("trapd expects a table", 2) end
  core.engine_init()
  local c = core.receiver{ queue = opts.queue, queue_bytes = opts.queue_bytes, engines = opts.engines }
  local self = setmetatable({
    _c = c, handlers = {}, exact = {}, defaults = {}, active = 0, paused = false,
    max_tasks = opts.max_tasks or 1000, handler_errors = 0, closed = false,
    output = opts.output or io.stdout, format = opts.format, flags = fmt.flags(opts.flags),
    listening = {}, seq = 0, idle = {}, _sel = {},
  }, Receiver)
  if self.format and self.format ~= "text" and self.format ~= "json" then
    c:close()
    error("format must be \"text\" or \"json\"", 2)
  end
  if self.format == "json" then json() end
  local addrs = list(opts.listen)
  if #addrs == 0 then
    c:close()
    error("trapd needs listen = \"udp:ADDR:PORT\"", 2)
  end
  for _, cm in ipairs(list(opts.community or opts.communities)) do c:community(cm) end
  for _, u in ipairs(list(opts.users or opts.user)) do
    local user = T.parse_user(u)
    local ok, err = c:user(user.name, user.auth or "NONE", user.auth_pass, user.priv or "NONE", user.priv_pass)
    if not ok then c:close() error("user " .. tostring(user.name) .. ": " .. err, 2) end
  end
  -- the receiver's engine (src/app/snmpengine.c): engine ID given, or
  -- kept in STATE/trapd.state (the directory made when missing), or new;
  -- boots: the stored ones + 1 with a state directory, else opts.boots (1)
  local eid
  if opts.engine_id then
    eid = core.fromhex((tostring(opts.engine_id):gsub("^0[xX]", "")))
    if not eid or #eid < 5 or #eid > 32 then
      c:close()
      error("trapd: engine_id must be 5 to 32 octets in hex", 2)
    end
  end
  local eng, eerr = core.snmpengine { engine_id = eid, boots = opts.boots, state = opts.state, file = "trapd.state" }
  if not eng then
    c:close()
    error("trapd: " .. eerr, 2)
  end
  c:local_engine(eng)
  for _, a in ipairs(addrs) do
    local ok, err = c:listen(a)
    if not ok then c:close() return nil, err end
    self.listening[#self.listening + 1] = (c:local_addr(ok))
  end
  self.port = select(2, c:local_addr(1))
  if opts.cluster then
    local cl = opts.cluster
    if cl == true then cl = require("moonwalk.cluster").new() end
    if type(cl) ~= "table" or not cl.conn then
      c:close()
      error("trapd: cluster must be a cluster (mw.cluster{...}, or true under moonwalk run --cluster)", 2)
    end
    local ok, st = pcall(require("moonwalk.trapstream").attach, self, cl, opts)
    if not ok then c:close() error(st, 2) end
    self._stream = st
  end
  c:on_ready(function() self:_drain() end)
  sched.hold()
  local every = opts.stats_interval
  if every == nil then every = 60 end
  if every and every > 0 then self:_ticker(every) end
  return self
end

-- Logs the counters every period, from a coroutine that does not keep the
-- loop alive by itself.
function Receiver:_ticker(period)
  local co = coroutine.create(function()
    while true do
      core.sleep(period)
      if self.closed then return end
      local s = self:stats()
      log.info("trapd: received %d handled %d dropped %d (queue %d, socket %d) auth_failures %d "
        .. "parse_errors %d informs %d handler_errors %d queue %d/%d",
        s.received, s.handled, s.dropped, s.dropped_queue, s.dropped_socket, s.auth_failures,
        s.parse_errors, s.informs_answered, s.handler_errors, s.queue_len, s.queue_peak)
      if self._stream then
        log.info("trapd: stream stored %d duplicates %d handled %d redeliveries %d dead_letters %d "
          .. "buffered %d dropped %d", s.stream_stored, s.stream_duplicates, s.stream_handled,
          s.stream_redeliveries, s.stream_dead_letters, s.stream_buffered, s.stream_dropped)
      end
    end
  end)
  local ok, err = coroutine.resume(co)
  if not ok then log.error("trapd: stats ticker: %s", err) end
end

-- on([filter,] fn): see the top of this file. Returns a handle with
-- :remove().
function Receiver:on(spec, fn)
  if fn == nil and type(spec) == "function" then spec, fn = nil, spec end
  if type(fn) ~= "function" then error("on expects a handler function", 2) end
  local f = filter_of(spec)
  self.seq = self.seq + 1
  local h = { filter = f, fn = fn, id = self.seq, rx = self }
  local info = debug.getinfo(fn, "S")
  h.name = info and (info.short_src .. ":" .. info.linedefined) or "?"
  if f.oid and not f.sources and not f.community and not f.user and not f.type and not f.version
     and not f.fn then
    local l = self.exact[f.oid] or {}
    l[#l + 1] = h
    self.exact[f.oid] = l
    h.list = l
  else
    self.handlers[#self.handlers + 1] = h
    h.list = self.handlers
  end
  function h.remove()
    for i, x in ipairs(h.list) do if x == h then table.remove(h.list, i) break end end
  end
  return h
end

-- default(fn): runs for notifications no other handler matched.
function Receiver:default(fn)
  if type(fn) ~= "function" then error("default expects a handler function", 2) end
  self.seq = self.seq + 1
  local h = { fn = fn, id = self.seq, name = "default" }
  self.defaults[#self.defaults + 1] = h
  h.list = self.defaults
  function h.remove()
    for i, x in ipairs(h.list) do if x == h then table.remove(h.list, i) break end end
  end
  return h
end

local function by_id(a, b) return a.id < b.id end

-- Handlers that match n, in registration order, in out (a scratch list,
-- emptied first); the defaults when none does.
function Receiver:_select(n, out)
  for i = #out, 1, -1 do out[i] = nil end
  local k = 0
  local ex = n.trap_oid and self.exact[n.trap_oid]
  if ex then
    for i = 1, #ex do out[i] = ex[i] end
    k = #ex
  end
  local hs = self.handlers
  for i = 1, #hs do
    local h = hs[i]
    local f = h.filter
    if f.kind == "all" then
      k = k + 1
      out[k] = h
    else
      local ok, m = pcall(matches, f, n)
      if not ok then
        log.error("trapd: filter of handler %s failed: %s", h.name, tostring(m))
      elseif m then
        k = k + 1
        out[k] = h
      end
    end
  end
  if k == 0 then return self.defaults end
  if ex and k > #ex then table.sort(out, by_id) end
  return out
end

function Receiver:_run(h, n, t)
  local ok, err = xpcall(h.fn, traceback, n)
  if not ok then
    if t then t.counted = true end -- for worker_end, should logging fail
    self.handler_errors = self.handler_errors + 1
    log.error("trapd: handler %s failed: %s", h.name, err)
  end
end

-- One handler job less: lets the receiver read again if it had paused.
function Receiver:_job_done()
  self.active = self.active - 1
  if self.paused and self.active < self.max_tasks and not self.closed then
    self.paused = false
    self._c:kick()
  end
end

local IDLE_MAX = 64

-- A worker is a task that runs handler jobs one after another. Idle ones
-- wait in self.idle, so a notification costs a resume rather than a new
-- task; a handler still runs in a task of its own while it waits. A
-- worker stopped in a handler by the instruction budget or the memory
-- limit can run no Lua code more: the scheduler's on_end does the job's
-- bookkeeping for it (counted in handler_errors; the slot is freed).
local function worker(self)
  local co = coroutine.running()
  local t = sched.current()
  local h, n = coroutine.yield()
  while h do
    t.job, t.counted = h, nil
    self:_run(h, n, t)
    self:_job_done()
    t.job = nil
    if self.closed or #self.idle >= IDLE_MAX then return end
    self.idle[#self.idle + 1] = co
    h, n = coroutine.yield()
  end
end

local function worker_end(t)
  local self, h = t.receiver, t.job
  if t.ok or not h then return end
  t.job = nil
  if not t.counted then self.handler_errors = self.handler_errors + 1 end
  self:_job_done()
  -- the scheduler has logged the error with its traceback
  log.error("trapd: handler %s stopped: %s", h.name, (tostring(t.error):match("^[^\n]*")))
end

function Receiver:_dispatch(h, n)
  self.active = self.active + 1
  local idle = self.idle
  local co = idle[#idle]
  if co then
    idle[#idle] = nil
  else
    local task = sched.spawn(worker, self)
    task.receiver, task.on_end = self, worker_end
    co = task.co
  end
  sched.resume(co, h, n)
end

local BUDGET = 256

function Receiver:_drain()
  local c = self._c
  local format = self.format
  local sel = self._sel
  local stream = self._stream
  local more = true
  for _ = 1, BUDGET do
    if self.closed then return end
    if self.active >= self.max_tasks then
      self.paused = true
      more = false
      break
    end
    local n = c:pop()
    if not n then more = false break end
    if stream then
      stream:store(n)
      goto next
    end
    if format then self:print(n) end
    do
      local hs = self:_select(n, sel)
      for i = 1, #hs do self:_dispatch(hs[i], n) end
    end
    ::next::
  end
  if format and not self.closed then self.output:flush() end
  if more and not self.closed then c:kick() end
end

-- Writes n to the output in the receiver's format (text when none).
function Receiver:print(n)
  local line
  if self.format == "json" then line = T.format_json(n)
  else line = T.format_text(n, self.flags) end
  self.output:write(line, "\n")
end

function Receiver:stats()
  if self.closed then return self._final end
  local s = self._c:stats()
  s.handler_errors = self.handler_errors
  s.active_tasks = self.active
  if self._stream then self._stream:stats(s) end
  return s
end

-- addresses() -> list of "addr:port" the receiver listens on
function Receiver:addresses() return self.listening end

-- engine() -> engine ID (binary), boots, time
function Receiver:engine() return self._c:engine() end
-- The receiver's engine as an object (e:id(), e:boots(), e:time())
function Receiver:local_engine() return self._c:local_engine() end

-- process(bytes[, from]) -> reply bytes | nil (see the top of this file)
function Receiver:process(bytes, from) return self._c:process(bytes, from) end

-- local rx <close> = mw.trapd{...}: closed (its sockets too) when the block ends
function Receiver.__close(self) self:close() end

function Receiver:close()
  if self.closed then return end
  self._final = self:stats()
  self.closed = true
  if self._stream then self._stream:close() end
  self._c:close()
  local idle = self.idle
  self.idle = {}
  for _, co in ipairs(idle) do sched.resume(co) end
  sched.release()
end

return T
