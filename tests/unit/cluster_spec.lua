-- moonwalk.cluster's member set (the View, no I/O) and rendezvous hashing
-- over named instances (mw.shard.owner_of). The NATS side is exercised in
-- tests/interop/cluster_spec.lua with a real nats-server.
local mw = require "moonwalk"
local cluster = require "moonwalk.cluster"
local shard = require "moonwalk.shard"

local function names(n)
  local out = {}
  for i = 1, n do out[i] = string.format("node-%03d", i) end
  return out
end

describe("mw.shard.owner_of", function()
  it("gives every key exactly one owner among the ids, whatever their order", function()
    local ids = { "a", "b", "c" }
    local counts = { a = 0, b = 0, c = 0 }
    for _, k in ipairs(names(3000)) do
      local o = shard.owner_of(k, ids)
      assert.equal(o, shard.owner_of(k, { "c", "a", "b" }))
      counts[o] = counts[o] + 1
    end
    for id, c in pairs(counts) do assert.is_true(c > 800 and c < 1200, id .. " has " .. c) end
  end)

  it("moves only the keys of a member that leaves, and to one that joins only what it wins", function()
    local three, two = { "a", "b", "c" }, { "a", "c" }
    for _, k in ipairs(names(3000)) do
      local before, after = shard.owner_of(k, three), shard.owner_of(k, two)
      if before ~= "b" then assert.equal(before, after) end
      assert.is_true(after == "a" or after == "c")
    end
  end)
end)

describe("cluster view", function()
  it("always counts itself and lists members sorted", function()
    local v = cluster.view("b", 5)
    assert.same({ "b" }, v:members())
    local joined, left = v:put("c", 100, 0)
    assert.same({ "c" }, joined)
    assert.same({}, left)
    v:put("a", 100, 0)
    assert.same({ "a", "b", "c" }, v:members())
    assert.is_nil(v:put("a", 101, 0)) -- a heartbeat of a known member: no change
    assert.is_nil(v:put("b", 101, 0)) -- our own heartbeat
    assert.same({ "a", "b", "c" }, v:members())
  end)

  it("expires a member not heard from for the timeout, and not before", function()
    local v = cluster.view("a", 5)
    v:put("b", 100, 0)
    v:put("c", 100, 0)
    v:put("c", 103, 0)
    assert.is_nil(v:expire(105))
    local joined, left = v:expire(105.5)
    assert.same({}, joined)
    assert.same({ "b" }, left)
    assert.same({ "a", "c" }, v:members())
    assert.same({ "c" }, select(2, v:expire(108.5)))
    assert.same({ "a" }, v:members())
  end)

  it("counts the age of an entry from the initial state, and ignores a stale one", function()
    local v = cluster.view("a", 5)
    assert.is_nil(v:put("old", 100, 6))
    assert.same({ "b" }, (v:put("b", 100, 4)))
    assert.same({ "b" }, select(2, v:expire(101.5)))
  end)

  it("drops a member that deletes its key at once", function()
    local v = cluster.view("a", 5)
    v:put("b", 100, 0)
    assert.same({ "b" }, select(2, v:delete("b")))
    assert.is_nil(v:delete("b"))
  end)

  it("after a reconnection counts every known member as just seen", function()
    local v = cluster.view("a", 5)
    v:put("b", 100, 0)
    v:refresh(110)
    assert.is_nil(v:expire(114))
    assert.same({ "a", "b" }, v:members())
  end)

  it("owns what owner_of gives it among the live set, and mw.shard follows it", function()
    local v = cluster.view("b", 5)
    v:put("a", 100, 0)
    v:put("c", 100, 0)
    shard.follow(v)
    finally(function() shard.follow(nil) end)
    local mine = 0
    for _, k in ipairs(names(300)) do
      assert.equal(shard.owner_of(k, { "a", "b", "c" }) == "b", v:owns(k))
      assert.equal(v:owns(k), mw.shard(k))
      if mw.shard(k) then mine = mine + 1 end
    end
    assert.is_true(mine > 50 and mine < 150)
    v:delete("a")
    v:delete("c")
    for _, k in ipairs(names(300)) do assert.is_true(mw.shard(k)) end
  end)
end)

describe("cluster view moved()", function()
  it("counts the remembered keys that changed owner, and which came to us or left us", function()
    local v = cluster.view("a", 5, true)
    v:put("b", 100, 0)
    v:put("c", 100, 0)
    local three = v:members()
    for _, k in ipairs(names(300)) do v:owns(k) end
    assert.equal(300, v.nkeys)
    v:delete("b")
    local moved, gained, lost = v:moved(three)
    local want_gain, n = {}, 0
    for _, k in ipairs(names(300)) do
      if shard.owner_of(k, three) == "b" then
        n = n + 1
        if shard.owner_of(k, { "a", "c" }) == "a" then want_gain[#want_gain + 1] = k end
      end
    end
    assert.equal(n, moved)
    assert.same(want_gain, gained)
    assert.same({}, lost)
    -- b back: what a gives up is what b wins
    local two = v:members()
    v:put("b", 101, 0)
    local moved2, gained2, lost2 = v:moved(two)
    assert.equal(n, moved2)
    assert.same({}, gained2)
    assert.same(want_gain, lost2)
  end)

  it("remembers nothing unless asked (mw.cluster.view for plain use)", function()
    local v = cluster.view("a", 5)
    v:owns("x")
    assert.is_nil(v.keys)
    assert.equal(0, (v:moved({ "a", "b" })))
  end)
end)

describe("cluster stats", function()
  -- a cluster as the NATS binding leaves it, without a connection
  local function fake(id, others)
    local c = setmetatable({ name = "st", id = id, handlers = {}, changes = 0, errors = 0, connected = true,
                             view = cluster.view(id, 5, true) }, cluster.Cluster)
    for _, o in ipairs(others) do c.view:put(o, 100, 0) end
    return c
  end

  it("counts members, owned and known targets, moves and NATS errors, and what add_stats adds", function()
    local c = fake("b", { "a", "c" })
    c:track(names(300))
    local three = c.view:members()
    c:_event("error", "heartbeat: timeout")
    c.view:delete("a")
    c:_changed({}, { "a" }, three)
    local st = c:stats()
    local owned, moved = 0, 0
    for _, k in ipairs(names(300)) do
      if shard.owner_of(k, { "b", "c" }) == "b" then owned = owned + 1 end
      if shard.owner_of(k, three) == "a" then moved = moved + 1 end
    end
    assert.same({ members = 2, known = 300, owned = owned, connected = 1, changes = 1, moved = moved,
                  heartbeat_errors = 1 }, st)
    assert.equal(string.format("cluster st: members=2 (b c) owned=%d known=300 connected=1 changes=1 moved=%d "
      .. "heartbeat_errors=1", owned, moved), c:report())
    -- the trap path's counters come in through add_stats and add_series
    c:add_stats(function() return { stream_lag = 7 } end)
    assert.equal(7, c:stats().stream_lag)
    cluster.add_series { "stream_lag", "moonwalk_cluster_stream_lag", "gauge", "Stored, not yet handled" }
    finally(function() table.remove(cluster.series) end)
    assert.matches(" heartbeat_errors=1 stream_lag=7$", c:report())
  end)

  it("shows on the Prometheus endpoint of the process's cluster (series without a value left out)", function()
    local c = fake("a", { "b" })
    c:track(names(10))
    cluster.active = c
    cluster.add_series { "dead_letters", "moonwalk_cluster_dead_letters_total", "counter", "Dead letters" }
    finally(function()
      cluster.active = nil
      table.remove(cluster.series)
    end)
    local function render() return mw.prometheus.registry { engine_stats = true }:render() end
    local text = render()
    assert.matches("\n# TYPE moonwalk_cluster_members gauge\nmoonwalk_cluster_members 2\n", text)
    assert.matches("\nmoonwalk_cluster_known_targets 10\n", text)
    assert.matches("\nmoonwalk_cluster_connected 1\n", text)
    assert.matches("\n# TYPE moonwalk_cluster_heartbeat_errors_total counter\nmoonwalk_cluster_heartbeat_errors_total 0\n", text)
    assert.is_nil(text:find("dead_letters", 1, true))
    c:add_stats(function() return { dead_letters = 3 } end)
    assert.matches("\nmoonwalk_cluster_dead_letters_total 3\n", render())
    -- without a cluster: none of them
    cluster.active = nil
    assert.is_nil(render():find("moonwalk_cluster", 1, true))
  end)
end)

describe("cluster events", function()
  -- the binding's handle: records the keys looked up in the bucket
  local function handle()
    return { asked = {}, check = function(self, key) self.asked[#self.asked + 1] = key; return true end }
  end

  it("expires nobody while the NATS calls fail, and counts everyone as just seen once they work again", function()
    local core = require "moonwalk.core"
    local c = setmetatable({ name = "ev", id = "a", heartbeat = 1, handlers = {}, changes = 0, errors = 0,
                             connected = true, ready = true, checking = {},
                             view = cluster.view("a", 5, true), h = handle() },
                           cluster.Cluster)
    c.view:put("a", core.now(), 0) -- our own heartbeat, back through the watcher
    c.view:put("b", core.now(), 0)
    -- a NATS node went away: the heartbeat put fails, b's heartbeats are
    -- not seen for longer than the timeout
    c:_event("error", "heartbeat: No responders available for request")
    c.view.seen.b = core.now() - 10
    c:_event("tick")
    assert.same({ "a", "b" }, c:members())
    assert.same({}, c.h.asked)
    c:_event("ok")
    c:_event("tick")
    assert.same({ "a", "b" }, c:members())
    assert.same({}, c.h.asked)
    -- working again, b silent past the timeout: looked up in the bucket,
    -- where its key is gone: gone
    c.view.seen.b = core.now() - 10
    c:_event("tick")
    assert.same({ "b" }, c.h.asked)
    assert.same({ "a", "b" }, c:members())
    c:_event("checked", "b", -1)
    assert.same({ "a" }, c:members())
    assert.equal(1, c:stats().heartbeat_errors)
  end)

  it("expires nobody while the watcher does not bring back our own heartbeat (it went with a NATS node)", function()
    local core = require "moonwalk.core"
    local c = setmetatable({ name = "ev", id = "a", heartbeat = 0.5, handlers = {}, changes = 0, errors = 0,
                             connected = true, ready = true, checking = {},
                             view = cluster.view("a", 3, true), h = handle() },
                           cluster.Cluster)
    c.view:put("b", core.now(), 0)
    -- no error anywhere, but nothing comes through the watcher, ours included
    c.view.seen.a = core.now() - 10
    c.view.seen.b = core.now() - 10
    c:_event("tick")
    assert.same({ "a", "b" }, c:members())
    assert.same({}, c.h.asked)
    -- a watcher that works again brings ours back: b, still silent, is
    -- looked up; its key is older than the timeout: it goes
    c.view:put("a", core.now(), 0)
    c:_event("tick")
    assert.same({ "b" }, c.h.asked)
    c:_event("checked", "b", 3.5)
    assert.same({ "a" }, c:members())
  end)

  it("keeps a silent member whose key in the bucket is fresh (the watcher missed it), and asks once per timeout", function()
    local core = require "moonwalk.core"
    local changes = 0
    local c = setmetatable({ name = "ev", id = "a", heartbeat = 0.5, handlers = {}, changes = 0, errors = 0,
                             connected = true, ready = true, checking = {},
                             view = cluster.view("a", 3, true), h = handle() },
                           cluster.Cluster)
    c:on_change(function() changes = changes + 1 end)
    c.view:put("a", core.now(), 0)
    c.view:put("b", core.now() - 10, 0)
    c.view:put("c", core.now(), 0)
    c.view.seen.b = core.now() - 10
    c:_event("tick")
    c:_event("tick") -- no second lookup while the first is unanswered
    assert.same({ "b" }, c.h.asked)
    -- stored 0.4 s ago: still alive, seen as of then
    c:_event("checked", "b", 0.4)
    assert.same({ "a", "b", "c" }, c:members())
    assert.near(core.now() - 0.4, c.view.seen.b, 0.1)
    c:_event("tick")
    assert.same({ "b" }, c.h.asked)
    assert.equal(0, c.changes)
    -- an answer that never came: asked again after the timeout
    c.view.seen.b = core.now() - 10
    c:_event("tick")
    assert.same({ "b", "b" }, c.h.asked)
    c.checking.b = core.now() - 4
    c:_event("tick")
    assert.same({ "b", "b", "b" }, c.h.asked)
  end)
end)

describe("mw.cluster options", function()
  it("hides passwords of URLs in logs", function()
    assert.equal("nats://mw:***@127.0.0.1:4222", cluster.redact("nats://mw:s3cret@127.0.0.1:4222"))
    assert.equal("nats://tok@127.0.0.1:4222", cluster.redact("nats://tok@127.0.0.1:4222"))
    assert.equal("nats://127.0.0.1:4222", cluster.redact("nats://127.0.0.1:4222"))
  end)

  it("takes --cluster-replicas 1 to 5 only", function()
    local R = require "run"
    local _, err, code = R.mw("run --cluster nats://127.0.0.1:1 --cluster-replicas 7 x.lua")
    assert.equal(1, code)
    assert.matches("moonwalk run: %-%-cluster%-replicas needs 1 to 5", err)
  end)

  it("parses --cluster URL lists", function()
    assert.same({ "nats://127.0.0.1:4222", "nats://127.0.0.1:4223" },
      cluster.parse_servers("nats://127.0.0.1:4222,nats://127.0.0.1:4223"))
    local l, err = cluster.parse_servers("http://x:1")
    assert.is_nil(l)
    assert.matches("bad NATS URL", err)
  end)

  it("refuses a bad name, and a timeout not longer than the heartbeat", function()
    assert.has_error(function() mw.cluster { servers = { "nats://127.0.0.1:1" }, name = "a b" } end)
    assert.has_error(function()
      mw.cluster { servers = { "nats://127.0.0.1:1" }, name = "x", heartbeat = 2, timeout = 2 }
    end)
  end)

  it("refuses to start on a loop made without locks, with a clear message", function()
    local core = require "moonwalk.core"
    core.engine_init()
    assert.is_false(core.loop_threads())
    local ok, err = pcall(mw.cluster, { servers = { "nats://127.0.0.1:1" }, name = "nolocks" })
    assert.is_false(ok)
    assert.matches("without the locks the NATS client needs", err)
    assert.is_nil(mw.cluster())
  end)

  it("is nil without --cluster (single-box use has no NATS)", function()
    assert.is_nil(mw.cluster())
  end)
end)
