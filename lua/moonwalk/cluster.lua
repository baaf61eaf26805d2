-- A cluster of moonwalk instances on NATS JetStream: who is alive, and
-- which targets each one owns.
--
--   moonwalk run --cluster nats://127.0.0.1:4222 [--cluster-name NAME] poller.lua
--   local c = mw.cluster()              the cluster of --cluster (or nil)
--   local c = mw.cluster{ servers = {"nats://127.0.0.1:4222"}, name = "poll",
--                         heartbeat = 1, timeout = 5 }
--   c:members()      sorted list of the live instances' ids (ours included)
--   c:owns(target)   rendezvous hashing over the live set (moonwalk.shard);
--                    mw.shard(target) follows the live set too
--   c:on_change(fn)  fn(members, joined, left) as a task after each change
--   c:on_gain(fn), c:on_loss(fn)   fn(targets) as a task when targets
--                    become ours / stop being ours (to reset counter
--                    baselines, say); the targets are those asked about
--                    with mw.shard(t) or c:owns(t), and those of c:track(list)
--   c:track(list [, keyfn])        targets to follow from the start
--   c.id             this instance's id (id = ..., default HOST-PID)
--   c:close()
--
-- Each instance puts a heartbeat key (its id) into the JetStream key-value
-- bucket moonwalk_NAME every `heartbeat` seconds; the bucket's max age is
-- `timeout`, and every instance watches the bucket. A member whose
-- heartbeat has not been seen for `timeout` seconds is looked up in the
-- bucket: gone when its key is gone or old; when the key is fresh the
-- watcher missed it, and it is made again. One that stops cleanly deletes
-- its key and is gone at once. While NATS is unreachable,
-- or its calls fail (a NATS node lost, the bucket's stream electing a new
-- leader), or the watcher stops bringing back our own heartbeat, the last
-- known set is kept (nobody expires) and the connection or watch is retried.
--
-- The NATS side (connection on the loop, worker thread, watcher) is
-- src/lua/l_nats.c; this file keeps the member set (the View, plain Lua
-- with no I/O, tested in tests/unit/cluster_spec.lua).
local core = require "moonwalk.core"
local log = require "moonwalk.log"
local sched = require "moonwalk.sched"
local shard = require "moonwalk.shard"

local M = {}

-- redact("nats://u:p@h:4222") -> "nats://u:***@h:4222" (for logs)
local function redact(url)
  return (tostring(url):gsub("^(%a+://[^:@/]+):[^@/]*@", "%1:***@"))
end
M.redact = redact


-- ------------------------------------------------------------------
-- View: the live set as this instance sees it
-- ------------------------------------------------------------------

local View = {}
View.__index = View

-- view(self_id, timeout) -> view. self is always a member.
-- keep_keys: remember the keys owns() is asked about, for moved().
function M.view(id, timeout, keep_keys)
  return setmetatable({ id = id, timeout = timeout, seen = {}, list = { id },
                        keys = keep_keys and {} or nil }, View)
end

local function sorted_ids(self)
  local ids, has_self = {}, false
  for k in pairs(self.seen) do
    ids[#ids + 1] = k
    if k == self.id then has_self = true end
  end
  if not has_self then ids[#ids + 1] = self.id end
  table.sort(ids)
  return ids
end

-- Recomputes the list; returns joined, left (lists) when it changed.
local function recompute(self)
  local new = sorted_ids(self)
  local old = self.list
  local inold, innew = {}, {}
  for _, k in ipairs(old) do inold[k] = true end
  for _, k in ipairs(new) do innew[k] = true end
  local joined, left = {}, {}
  for _, k in ipairs(new) do if not inold[k] then joined[#joined + 1] = k end end
  for _, k in ipairs(old) do if not innew[k] then left[#left + 1] = k end end
  self.list = new
  if #joined == 0 and #left == 0 then return nil end
  return joined, left
end

-- put(id, now, age): a heartbeat stored age seconds before now.
function View:put(id, now, age)
  local t = now - (age or 0)
  if now - t > self.timeout then return nil end -- already stale
  local old = self.seen[id]
  if not old or t > old then self.seen[id] = t end
  if old then return nil end
  return recompute(self)
end

-- delete(id): a member left cleanly.
function View:delete(id)
  if not self.seen[id] then return nil end
  self.seen[id] = nil
  return recompute(self)
end

-- stale(now) -> the members (ourselves aside) not seen for timeout seconds
function View:stale(now)
  local out = {}
  for k, t in pairs(self.seen) do
    if k ~= self.id and now - t > self.timeout then out[#out + 1] = k end
  end
  table.sort(out)
  return out
end

-- expire(now): drops the members not seen for timeout seconds.
function View:expire(now)
  local any = false
  for k, t in pairs(self.seen) do
    if now - t > self.timeout then
      self.seen[k] = nil
      any = true
    end
  end
  if not any then return nil end
  return recompute(self)
end

-- refresh(now): every known member counts as just seen (after a
-- reconnection: the heartbeats missed while away say nothing).
function View:refresh(now)
  for k in pairs(self.seen) do self.seen[k] = now end
end

function View:members() return self.list end

-- owns(key): is key ours among the live set? The keys asked about are
-- remembered (self.keys) for moved(), when the view keeps them.
function View:owns(key)
  local keys = self.keys
  if keys and keys[key] == nil then
    keys[key] = true
    self.nkeys = (self.nkeys or 0) + 1
  end
  return shard.owner_of(key, self.list) == self.id
end

-- moved(before) -> moved, gained, lost: of the keys remembered, how many
-- changed owner going from the member list `before` to the current one,
-- and which became ours / stopped being ours (lists, sorted).
function View:moved(before)
  local n, gained, lost = 0, {}, {}
  for key in pairs(self.keys or {}) do
    local o1, o2 = shard.owner_of(key, before), shard.owner_of(key, self.list)
    if o1 ~= o2 then
      n = n + 1
      if o2 == self.id then gained[#gained + 1] = key end
      if o1 == self.id then lost[#lost + 1] = key end
    end
  end
  table.sort(gained, function(a, b) return tostring(a) < tostring(b) end)
  table.sort(lost, function(a, b) return tostring(a) < tostring(b) end)
  return n, gained, lost
end

-- ------------------------------------------------------------------
-- Cluster: a View fed by the NATS binding
-- ------------------------------------------------------------------

local Cluster = {}
Cluster.__index = Cluster
M.Cluster = Cluster

local function hostname()
  local f = io.open("/proc/sys/kernel/hostname")
  local h = f and f:read("l")
  if f then f:close() end
  return (h and h ~= "") and h or "localhost"
end

local function sanitize_id(s)
  return (tostring(s):gsub("[^%w%-_=/%.]", "_"))
end

function Cluster:members()
  return table.move(self.view.list, 1, #self.view.list, 1, {})
end

function Cluster:owns(target) return self.view:owns(target) end

-- The cluster's series, as the Prometheus endpoint shows them and
-- `moonwalk run --stats` logs them: { key in stats(), metric name, type,
-- help }. Other parts of the cluster (the trap path's stream) add theirs
-- with M.add_series and give the values through c:add_stats(fn); the names
-- kept for them: moonwalk_cluster_stream_lag (gauge, messages stored and
-- not yet handled), moonwalk_cluster_redeliveries_total and
-- moonwalk_cluster_dead_letters_total (counters). A series whose key has no
-- value is left out.
M.series = {
  { "members", "moonwalk_cluster_members", "gauge", "Live instances in the cluster, this one included" },
  { "owned", "moonwalk_cluster_owned_targets", "gauge", "Known targets this instance owns among the live set" },
  { "known", "moonwalk_cluster_known_targets", "gauge", "Targets mw.shard was asked about (or tracked)" },
  { "connected", "moonwalk_cluster_connected", "gauge", "1 while connected to NATS" },
  { "changes", "moonwalk_cluster_changes_total", "counter", "Changes of the live member set" },
  { "moved", "moonwalk_cluster_moved_targets_total", "counter", "Known targets that changed owner" },
  { "heartbeat_errors", "moonwalk_cluster_heartbeat_errors_total", "counter",
    "Failures of the membership's NATS calls (connect, heartbeat, watch, lookup), once per new error in a row "
      .. "and again each minute while it lasts" },
}

-- add_series{ key, name, "gauge"|"counter", help }: one more series (once
-- per name).
function M.add_series(e)
  for _, s in ipairs(M.series) do
    if s[2] == e[2] then return end
  end
  M.series[#M.series + 1] = e
end

-- stats() -> { members =, known =, owned =, connected =, changes =, moved =,
-- heartbeat_errors =, ... what the functions of add_stats return }
function Cluster:stats()
  local owned = 0
  for key in pairs(self.view.keys or {}) do
    if shard.owner_of(key, self.view.list) == self.id then owned = owned + 1 end
  end
  local st = { members = #self.view.list, known = self.view.nkeys or 0, owned = owned,
               connected = self.connected and 1 or 0, changes = self.changes, moved = self.moved or 0,
               heartbeat_errors = self.errors }
  for _, fn in ipairs(self.stats_fns or {}) do
    local ok, more = pcall(fn)
    if ok and type(more) == "table" then
      for k, v in pairs(more) do st[k] = v end
    end
  end
  return st
end

-- add_stats(fn): fn() -> { key = number } adds to stats() (the trap path's
-- stream lag, redeliveries, dead letters).
function Cluster:add_stats(fn)
  if type(fn) ~= "function" then error("add_stats expects a function", 2) end
  self.stats_fns = self.stats_fns or {}
  self.stats_fns[#self.stats_fns + 1] = fn
  return fn
end

-- report() -> one line of the cluster's state, for logs (moonwalk run --stats)
function Cluster:report()
  local st = self:stats()
  local parts = { string.format("cluster %s: members=%d (%s)", self.name, st.members,
    table.concat(self.view.list, " ")) }
  for _, e in ipairs(M.series) do
    if e[1] ~= "members" and st[e[1]] ~= nil then parts[#parts + 1] = e[1] .. "=" .. tostring(st[e[1]]) end
  end
  return table.concat(parts, " ")
end

local function add_handler(self, kind, fn)
  if type(fn) ~= "function" then error(kind .. " expects a function", 3) end
  local rt = package.loaded["moonwalk.runtime"]
  self.handlers[#self.handlers + 1] = { kind = kind, fn = fn, gen = rt and rt.current() }
  return fn
end

-- on_change(fn): fn(members, joined, left) runs as its own task after each
-- change of the live set. Returns fn. A handler added by a script of an
-- older generation (before a reload) is no longer called.
function Cluster:on_change(fn) return add_handler(self, "on_change", fn) end

-- on_gain(fn) / on_loss(fn): fn(targets) as a task when targets become
-- ours / stop being ours after a change of the live set.
function Cluster:on_gain(fn) return add_handler(self, "on_gain", fn) end
function Cluster:on_loss(fn) return add_handler(self, "on_loss", fn) end

-- track(list [, keyfn]): follow these targets from now on (on_gain,
-- on_loss and the moved counts in the log), as if mw.shard had been asked
-- about each. keyfn(entry) gives the key (default: the entry, or
-- entry.key / peer / host / name).
function Cluster:track(list, keyfn)
  keyfn = keyfn or function(e)
    if type(e) == "table" then return e.key or e.peer or e.host or e.name or e[1] end
    return e
  end
  for _, e in ipairs(list) do self.view:owns(keyfn(e)) end
  return self
end

function Cluster:_fire(kind, ...)
  local rt = package.loaded["moonwalk.runtime"]
  local cur = rt and rt.current()
  local args = table.pack(...)
  for _, h in ipairs(self.handlers) do
    if h.kind == kind and (h.gen == nil or h.gen == cur) then
      sched.spawn(function()
        local ok, err = xpcall(h.fn, debug.traceback, table.unpack(args, 1, args.n))
        if not ok then log.error("cluster %s: %s: %s", self.name, kind, tostring(err)) end
      end)
    end
  end
end

function Cluster:_changed(joined, left, before)
  local list = self:members()
  local parts = {}
  for _, k in ipairs(joined) do parts[#parts + 1] = "+" .. k end
  for _, k in ipairs(left) do parts[#parts + 1] = "-" .. k end
  local moved, gained, lost = self.view:moved(before)
  log.info("cluster %s: %d member(s): %s (%s); %d of %d known target(s) moved, %d to us, %d from us",
    self.name, #list, table.concat(list, " "), table.concat(parts, " "), moved, self.view.nkeys or 0,
    #gained, #lost)
  self.changes = self.changes + 1
  self.moved = (self.moved or 0) + moved
  self:_fire("on_change", list, joined, left)
  if #gained > 0 then self:_fire("on_gain", gained) end
  if #lost > 0 then self:_fire("on_loss", lost) end
end

-- A member is dropped only once the bucket itself says its key is gone
-- or old (h:check, answered by a "checked" event): a silent watcher
-- never drops anyone. Asked again when no answer came within the timeout.
function Cluster:_check_stale(now)
  for _, id in ipairs(self.view:stale(now)) do
    local asked = self.checking[id]
    if not asked or now - asked > self.view.timeout then
      self.checking[id] = now
      self.h:check(id)
    end
  end
end

function Cluster:_event(kind, a, b)
  local now = core.now()
  local before = self.view.list -- replaced, not changed, by a change
  local joined, left
  if kind == "put" then
    joined, left = self.view:put(a, now, b)
  elseif kind == "delete" then
    joined, left = self.view:delete(a)
  elseif kind == "tick" then
    -- no expiry while the NATS calls fail (a NATS node gone, the bucket
    -- moving to another), nor while the watcher does not bring back our
    -- own heartbeat (its consumer went with a NATS node, and the watch is
    -- being made again): the missing heartbeats of others say nothing then
    local own = self.view.seen[self.id]
    local watching = own and now - own <= 2 * self.heartbeat + 1
    if self.connected and self.ready and not self.failing and watching then
      self:_check_stale(now)
    end
  elseif kind == "checked" then
    -- a: a member silent for the timeout, b: the age of its key in the
    -- bucket (-1: none). Fresh: the watcher missed its heartbeats (the
    -- binding watches again); otherwise it is gone.
    self.checking[a] = nil
    if b and b >= 0 and b <= self.view.timeout then
      joined, left = self.view:put(a, now, b)
    else
      joined, left = self.view:delete(a)
    end
  elseif kind == "ready" then
    if not self.ready then
      self.ready = true
      log.info("cluster %s: watching bucket %s as %s", self.name, self.bucket, self.id)
    end
  elseif kind == "connected" then
    if not self.connected then log.info("cluster %s: connected to NATS at %s", self.name, redact(a)) end
    self.connected = true
    self.view:refresh(now)
  elseif kind == "disconnected" then
    if self.connected then
      log.warn("cluster %s: disconnected from NATS, retrying; keeping the last known %d member(s)",
        self.name, #self.view.list)
    end
    self.connected = false
  elseif kind == "error" then
    self.errors = self.errors + 1
    self.failing = true
    log.warn("cluster %s: %s", self.name, tostring(a))
  elseif kind == "ok" then
    self.failing = false
    self.view:refresh(now)
    log.info("cluster %s: NATS calls work again", self.name)
  elseif kind == "left" then
    self.left = true
  end
  if joined then self:_changed(joined, left, before) end
end

-- close(): leaves the cluster (deletes our key, so the others drop us at
-- once) and closes the connection. Inside a task it waits up to 2 s for
-- the key to go; with pump = true (after the loop has ended) it runs the
-- loop itself meanwhile; otherwise it closes at once and the others expire
-- us after the timeout.
function Cluster:close(pump)
  if self.closed then return end
  local in_task = sched.current() ~= nil
  if self.connected and (in_task or pump) and self.h:leave() then
    local deadline = core.now() + 2
    while not self.left and core.now() < deadline do
      if in_task then core.sleep(0.02) else core.step(true) end
    end
  end
  self.closed = true
  self.h:close()
  sched.release()
  if shard.following() == self.view then shard.follow(nil) end
  if M.active == self then M.active = nil end
end

-- settle(seconds): runs the loop (outside any task, before the scripts
-- start) until the watcher has delivered the bucket's current members, NATS
-- has said it cannot be reached, or `seconds` have gone by. Without it an
-- instance's first rounds would see itself alone and poll every target,
-- a joining instance the others' targets too.
function Cluster:settle(seconds)
  local deadline = core.now() + (seconds or self.timeout)
  while not self.ready and self.errors == 0 and not self.closed and core.now() < deadline do
    core.step(true)
  end
  return self.ready
end

local function check_name(s, what)
  if type(s) ~= "string" or not s:match("^[%w_%-]+$") then
    error(string.format("cluster: bad %s %q (letters, digits, - and _)", what, tostring(s)), 3)
  end
  return s
end

local function open(opts)
  local c = setmetatable({ handlers = {}, changes = 0, errors = 0, connected = false, ready = false,
                           checking = {} }, Cluster)
  c.name = check_name(opts.name or "moonwalk", "name")
  c.bucket = "moonwalk_" .. c.name
  c.id = sanitize_id(opts.id or (hostname() .. "-" .. core.getpid()))
  c.heartbeat = opts.heartbeat or 1
  c.timeout = opts.timeout or 5
  if type(c.heartbeat) ~= "number" or c.heartbeat <= 0 then error("cluster: heartbeat must be > 0 seconds", 3) end
  if type(c.timeout) ~= "number" or c.timeout <= c.heartbeat then
    error("cluster: timeout must be longer than the heartbeat", 3)
  end
  c.view = M.view(c.id, c.timeout, true)
  local servers = opts.servers
  if type(servers) == "string" then servers = M.parse_servers(servers) end
  if type(servers) ~= "table" or #servers == 0 then error("cluster: servers must list nats:// URLs", 3) end
  c.servers = servers
  -- the NATS client's threads touch the loop: it needs libevent's locks,
  -- which can only be had before the loop exists
  if not core.loop_threads() then
    error("cluster: the event loop already runs without the locks the NATS client needs: "
      .. "use moonwalk run --cluster URL (the script's mw.cluster{...} may then add others), "
      .. "or make the cluster before anything else in plain Lua", 3)
  end
  core.engine_init()
  local tls = opts.tls or {}
  -- what another connection to the same NATS needs (trap streams, outputs)
  c.conn = { servers = servers, user = opts.user, password = opts.password, token = opts.token,
             creds = opts.creds, tls_ca = tls.ca, tls_cert = tls.cert, tls_key = tls.key }
  c.replicas = opts.replicas
  c.h = core.nats_cluster {
    servers = servers, bucket = c.bucket, id = c.id,
    heartbeat = c.heartbeat, ttl = c.timeout, tick = math.min(0.5, c.timeout / 4),
    replicas = opts.replicas,
    user = opts.user, password = opts.password, token = opts.token, creds = opts.creds,
    tls_ca = tls.ca, tls_cert = tls.cert, tls_key = tls.key,
    -- tests only: the watcher stops bringing this member's heartbeats after
    -- the first, as a stale one does, until it is made again
    test_deaf = os.getenv("MOONWALK_TEST_CLUSTER_DEAF"),
    on_event = function(kind, a, b) return c:_event(kind, a, b) end,
  }
  sched.hold()
  if opts.shard ~= false then shard.follow(c.view) end
  if not M.active then M.active = c end
  log.info("cluster %s: instance %s, heartbeat %gs, timeout %gs, NATS %s", c.name, c.id, c.heartbeat,
    c.timeout, table.concat((function()
      local shown = {}
      for i, u in ipairs(servers) do shown[i] = redact(u) end
      return shown
    end)(), ","))
  return c
end

-- parse_servers("nats://a:4222,nats://b:4222") -> list | nil, err
function M.parse_servers(s)
  local list = {}
  for u in tostring(s):gmatch("[^,%s]+") do
    if not u:match("^nats://") and not u:match("^tls://") then
      return nil, string.format("bad NATS URL %q (nats://host:port)", u)
    end
    list[#list + 1] = u
  end
  if #list == 0 then return nil, "no NATS URL given" end
  return list
end

-- new(opts) -> cluster; new() -> the active cluster (moonwalk run
-- --cluster) or nil. Under `moonwalk run` a cluster lives across reloads
-- (by name) and is closed on shutdown.
function M.new(opts)
  if opts == nil then return M.active end
  if type(opts) ~= "table" then error("cluster expects a table of options", 2) end
  local name = opts.name or "moonwalk"
  if M.active and M.active.name == name and not M.active.closed then return M.active end
  local rt = package.loaded["moonwalk.runtime"]
  if rt and rt.current() then
    return rt.claim("cluster " .. name, function() return open(opts) end,
      function(c) c:close() end, function(c) c.handlers = {} end)
  end
  return open(opts)
end

return setmetatable(M, { __call = function(_, opts) return M.new(opts) end })
