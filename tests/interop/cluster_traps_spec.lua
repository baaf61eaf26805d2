-- Redundant trap receivers on NATS JetStream (moonwalk run --cluster with
-- mw.trapd{cluster = true}; lua/moonwalk/trapstream.lua) against a real
-- nats-server: the same traps sent to two receivers are stored once and
-- handled once; a receiver killed mid-burst loses nothing; a handler that
-- raises is redelivered, then dead-lettered. The guarantee: exactly-once
-- storage within the stream's duplicate window, at-least-once handling
-- (what a handler finished but did not ack is handled again).
local nats = require "nats"
local tc = require "trapcluster"

local N = 10000
local env, server

before_each(function()
  env = tc.new()
  server = nats.start { monitor = true }
end)

after_each(function()
  if env then env:cleanup() end
  if server then server:cleanup() end
end)

local function values(seen)
  local n = 0
  for i = 1, N do if seen["t-" .. i] then n = n + 1 end end
  return n
end

describe("clustered trap receivers (nats-server -js)", function()
  it("two receivers get the same 10,000 traps: each is stored once and handled exactly once", function()
    local pa = env:receiver("a", server.url)
    local pb = env:receiver("b", server.url)
    env:wait_ready("a", true)
    env:wait_ready("b", true)
    env:send(1, N, { pa, pb })
    local seen, lines = env:wait_handled({ "a", "b" }, N, 90)
    assert.equal(N, values(seen))
    assert.equal(N, lines) -- nothing twice
    -- every trap was received twice and stored once: the other copy was a
    -- duplicate the stream refused
    local sb
    local sa = env:wait_stats("a", function(x)
      sb = env:stats("b")
      return sb and x.stream_stored + x.stream_duplicates + sb.stream_stored + sb.stream_duplicates == 2 * N
        and x.stream_handled + sb.stream_handled == N
    end, 20, "every copy published and every trap handled")
    assert.equal(N, sa.received)
    assert.equal(N, sb.received)
    -- (stored counts confirmed stores: one whose acknowledgement came too
    -- late is sent again and then counts as a duplicate)
    local stored, errors = sa.stream_stored + sb.stream_stored, sa.stream_publish_errors + sb.stream_publish_errors
    assert.is_true(stored <= N and stored >= N - errors, stored .. " stored, " .. errors .. " errors")
    assert.equal(N, sa.stream_handled + sb.stream_handled)
    assert.equal(0, sa.stream_dropped + sb.stream_dropped)
    -- the stream holds each trap once
    assert.equal(N, server:stream_state("moonwalk_traps_traps").messages)
  end)

  it("a receiver killed (SIGKILL) mid-burst loses nothing: the other stores and handles every trap", function()
    local pa = env:receiver("a", server.url, { ack_wait = 2 })
    local pb = env:receiver("b", server.url, { ack_wait = 2 })
    env:wait_ready("a", true)
    env:wait_ready("b", true)
    local sender = env:send_bg(1, N, { pa, pb }, 5000)
    -- kill a once it has handled some
    local core = require "moonwalk.core"
    local deadline = core.now() + 30
    while core.now() < deadline and select(2, env:handled({ "a" })) < 500 do os.execute("sleep 0.02") end
    env:kill("a", "KILL")
    local seen = env:wait_handled({ "a", "b" }, N, 90)
    assert.equal(N, values(seen))
    -- handled more than once only what was never acked: the later
    -- handling is a redelivery
    for v, ds in pairs(seen) do
      if #ds > 1 then
        table.sort(ds)
        assert.is_true(ds[#ds] > 1, v .. " handled twice without a redelivery")
      end
    end
    os.execute("kill " .. sender .. " 2>/dev/null")
  end)

  it("moonwalk trapd --cluster: two receivers print each of the same traps once", function()
    local core = require "moonwalk.core"
    local R = require "run"
    local ports, pids = {}, {}
    for _, id in ipairs { "p", "q" } do
      ports[#ports + 1] = core.free_udp_port()
      pids[#pids + 1] = R.sh(string.format("%s%s trapd --listen udp:127.0.0.1:%d -c public --cluster %s "
        .. "--cluster-id %s --stats-interval 0 >%s/%s.out 2>%s/%s.err & echo $!", tc.ENV, tc.BIN, ports[#ports],
        server.url, id, env.dir, id, env.dir, id)):match("(%d+)%s*$")
    end
    local deadline = core.now() + 30
    while core.now() < deadline do
      local a, b = R.slurp(env.dir .. "/p.err"), R.slurp(env.dir .. "/q.err")
      if a:find("trapd: cluster moonwalk: connected", 1, true) and b:find("trapd: cluster moonwalk: connected", 1, true) then break end
      os.execute("sleep 0.05")
    end
    env:send(1, 100, ports)
    local count
    deadline = core.now() + 30
    repeat
      local text = R.slurp(env.dir .. "/p.out") .. R.slurp(env.dir .. "/q.out")
      count = {}
      for v in text:gmatch('STRING: "(t%-%d+)"') do count[v] = (count[v] or 0) + 1 end
      local n = 0
      for _ in pairs(count) do n = n + 1 end
      if n == 100 then break end
      os.execute("sleep 0.1")
    until core.now() > deadline
    for _, pid in ipairs(pids) do os.execute("kill " .. pid .. " 2>/dev/null") end
    for i = 1, 100 do assert.equal(1, count["t-" .. i], "t-" .. i) end
  end)

  it("moonwalk trapd loads the NATS client only with --cluster", function()
    local core = require "moonwalk.core"
    local R = require "run"
    local function maps(extra)
      local port = core.free_udp_port()
      local pid = R.sh(string.format("%s%s trapd --listen udp:127.0.0.1:%d -c public --stats-interval 0 %s "
        .. ">/dev/null 2>%s/maps.err & echo $!", tc.ENV, tc.BIN, port, extra, env.dir)):match("(%d+)%s*$")
      local deadline, text = core.now() + 20, ""
      while core.now() < deadline do
        text = R.slurp(env.dir .. "/maps.err")
        if text:find("listening on", 1, true) then break end
        os.execute("sleep 0.05")
      end
      local m = R.slurp("/proc/" .. pid .. "/maps")
      os.execute("kill " .. pid)
      assert.truthy(text:find("listening on", 1, true), text)
      return m
    end
    assert.is_nil(maps(""):find("libnats", 1, true))
    assert.truthy(maps("--cluster " .. server.url):find("libnats", 1, true))
  end)

  it("a handler that raises is redelivered, then dead-lettered after max_deliveries", function()
    local pa = env:receiver("a", server.url, { max_deliveries = 3, raise = "t-7" })
    env:wait_ready("a", true)
    env:send(1, 10, { pa })
    env:wait_handled({ "a" }, 9, 30)
    local s = env:wait_stats("a", function(x) return x.stream_dead_letters >= 1 end, 30, "a dead letter")
    assert.equal(1, s.stream_dead_letters)
    assert.equal(2, s.stream_redeliveries)
    -- tried three times, deliveries 1, 2 and 3
    local f = io.open(env.dir .. "/a.raised")
    assert.equal("1\n2\n3\n", f:read("a"))
    f:close()
    -- the dead letter went into the stream (under .dead): stored, not a
    -- duplicate
    s = env:wait_stats("a", function(x) return x.stream_stored >= 11 end, 10, "the dead letter stored")
    assert.equal(11, s.stream_stored)
    assert.matches("dead%-lettered to moonwalk%.traps%.traps%.dead", require("run").slurp(env.dir .. "/a.log"))
    -- the cluster's series (--stats, the Prometheus endpoint) carry them,
    -- and the lag is back to nothing once all is handled
    s = env:wait_stats("a", function(x) return x.cluster and x.cluster.stream_lag == 0 end, 10, "no lag")
    assert.equal(1, s.cluster.dead_letters)
    assert.equal(2, s.cluster.redeliveries)
    assert.equal(0, s.stream_lag)
    assert.matches(" stream_lag=0 redeliveries=2 dead_letters=1", s.cluster_report, 1, true)
  end)
end)
