-- Clustered trap receivers when NATS itself fails (lua/moonwalk/
-- trapstream.lua, src/lua/l_nats.c): one node of a 3-node JetStream
-- cluster killed mid-burst (R3 stream), the only server down at start,
-- going down and coming back (notifications wait in memory), and an
-- inform answered only once the stream has stored it.
local core = require "moonwalk.core"
local nats = require "nats"
local tc = require "trapcluster"
local R = require "run"

local env

before_each(function() env = tc.new() end)
after_each(function() if env then env:cleanup() end end)

local function wait_stats(id, pred, seconds, what) return env:wait_stats(id, pred, seconds, what) end

describe("clustered trap receivers when NATS fails", function()
  it("one NATS node of three killed mid-burst: nothing lost, stored once, handled twice only what was in flight", function()
    local N = 10000
    local cl = nats.cluster {}
    local ok, err = pcall(function()
      local pa = env:receiver("a", cl.url, { replicas = 3, ack_wait = 3 })
      local pb = env:receiver("b", cl.url, { replicas = 3, ack_wait = 3 })
      env:wait_ready("a", true)
      env:wait_ready("b", true)
      local sender = env:send_bg(1, N, { pa, pb }, 5000)
      local deadline = core.now() + 30
      while core.now() < deadline and select(2, env:handled({ "a", "b" })) < 1000 do os.execute("sleep 0.02") end
      cl:kill(1)
      local seen = env:wait_handled({ "a", "b" }, N, 100)
      for i = 1, N do assert.truthy(seen["t-" .. i], "t-" .. i .. " lost") end
      -- stored exactly once: every trap came twice, one copy refused as a
      -- duplicate, also across the change of stream leader
      local ok2, err2 = pcall(wait_stats, "a", function(sa)
        local sb = env:stats("b")
        return sb and sa.stream_stored + sa.stream_duplicates + sb.stream_stored + sb.stream_duplicates == 2 * N
      end, 30, "all published")
      assert(ok2, tostring(err2) .. "\nb: " .. require("cjson").encode(env:stats("b") or {}) .. "\n"
        .. R.slurp(env.dir .. "/b.log"))
      -- (a store whose acknowledgement went with the node is tried again
      -- and then counts as a duplicate: stored counts confirmed stores)
      local sa, sb = env:stats("a"), env:stats("b")
      local stored, errors = sa.stream_stored + sb.stream_stored, sa.stream_publish_errors + sb.stream_publish_errors
      assert.is_true(stored <= N and stored >= N - errors, stored .. " stored, " .. errors .. " errors")
      -- and the stream holds each trap once
      local msgs
      deadline = core.now() + 20
      repeat
        local st = cl:stream_state("moonwalk_traps_traps")
        msgs = st and st.messages
        if msgs == N then break end
        os.execute("sleep 0.2")
      until core.now() > deadline
      assert.equal(N, msgs)
      -- handled twice: only what was delivered and not acked when the node
      -- went (an ack, or the consumer's record of a delivery, can go with
      -- the node that led the consumer); at most the consumer's
      -- max_ack_pending (4 x max_inflight = 1024) can be in that state
      local twice = 0
      for _, ds in pairs(seen) do if #ds > 1 then twice = twice + 1 end end
      assert.is_true(twice <= 1024, twice .. " handled twice")
      io.stderr:write(string.format("[NATS node killed: %d of %d traps handled twice, %d publish errors]\n", twice, N, errors))
      os.execute("kill " .. sender .. " 2>/dev/null")
    end)
    cl:cleanup()
    assert(ok, err)
  end)

  it("NATS down at start, then up, killed and back: notifications wait in memory and are all stored and handled", function()
    local port = nats.port()
    local pa = env:receiver("a", "nats://127.0.0.1:" .. port)
    env:wait_ready("a", false)
    env:send(1, 200, { pa })
    local s = wait_stats("a", function(x) return x.stream_buffered == 200 end, 20, "200 buffered")
    assert.equal(0, s.stream_stored)
    assert.matches("unreachable", R.slurp(env.dir .. "/a.log"))
    local server = nats.start { port = port }
    local ok, err = pcall(function()
      env:wait_handled({ "a" }, 200, 60)
      wait_stats("a", function(x) return x.stream_stored == 200 and x.stream_buffered == 0 end, 20, "200 stored")
      -- NATS goes away: what comes meanwhile waits, and is stored once it is back
      server:kill()
      wait_stats("a", function(x) return x.stream_connected == 0 end, 20, "disconnected")
      env:send(201, 400, { pa })
      wait_stats("a", function(x) return x.stream_buffered == 200 end, 20, "200 more buffered")
      server:start()
      local seen = env:wait_handled({ "a" }, 400, 60)
      for i = 1, 400 do assert.truthy(seen["t-" .. i], "t-" .. i .. " lost") end
      -- the buffered ones once; of those handled before the server was
      -- killed, some may come again: a server killed hard forgets the
      -- acknowledgements it had not yet written to disk (at-least-once)
      for i = 201, 400 do assert.equal(1, #seen["t-" .. i], "t-" .. i .. " handled more than once") end
      s = wait_stats("a", function(x) return x.stream_stored == 400 end, 20, "400 stored")
      assert.equal(0, s.stream_dropped)
      assert.matches("disconnected from NATS", R.slurp(env.dir .. "/a.log"))
    end)
    server:cleanup()
    assert(ok, err)
  end)

  it("past the buffer's bound notifications are dropped and counted", function()
    local port = nats.port()
    env.rx_buffer = 50
    local pa = env:receiver("a", "nats://127.0.0.1:" .. port, { buffer = 50 })
    env:wait_ready("a", false)
    env:send(1, 80, { pa })
    local s = wait_stats("a", function(x) return x.stream_buffered + x.stream_dropped == 80 end, 20, "80 counted")
    assert.equal(50, s.stream_buffered)
    assert.equal(30, s.stream_dropped)
    assert.matches("buffer full", R.slurp(env.dir .. "/a.log"))
  end)

  it("an inform is answered only once the stream has stored it", function()
    local port = nats.port()
    local pa = env:receiver("a", "nats://127.0.0.1:" .. port)
    env:wait_ready("a", false)
    local inform = string.format("%s%s inform -v 2c -c public -t 0.5 -r %%d 127.0.0.1:%d '' 1.3.6.1.4.1.8072.2.3.0.1 "
      .. "1.3.6.1.4.1.8072.2.3.2.1 s %%s", tc.ENV, tc.BIN, pa)
    -- NATS is down: the inform is received, kept, and not answered
    local _, e, code = R.run(string.format(inform, 1, "i-1"))
    assert.equal(1, code)
    assert.matches("Timeout", e)
    local s = env:stats("a")
    assert.is_true(s.received >= 1)
    assert.equal(0, s.informs_answered)
    -- NATS comes: the next inform is answered (after it is stored)
    local server = nats.start { port = port }
    local ok, err = pcall(function()
      wait_stats("a", function(x) return x.stream_connected == 1 end, 20, "connected")
      local _, e2, code2 = R.run(string.format(inform, 5, "i-2"))
      assert.equal(0, code2, e2)
      local seen = env:wait_handled({ "a" }, 2, 30)
      assert.truthy(seen["i-1"])
      assert.truthy(seen["i-2"])
      wait_stats("a", function(x) return x.informs_answered >= 1 and x.stream_stored >= 2 end, 10,
        "answered and stored")
    end)
    server:cleanup()
    assert(ok, err)
  end)
end)
