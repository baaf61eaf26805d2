-- Sessions (lua/moonwalk/session.lua and the C session in l_session.c):
-- per-call options, against a responder written for the test that counts
-- the datagrams it gets and answers only when told to.
local mw = require "moonwalk"
local core = mw.core

describe("session per-call options", function()
  local sock, port, got, answer

  setup(function()
    core.engine_init()
    sock = assert(core.udp_open("127.0.0.1:0", function(data, from)
      local msg = mw.decode(data)
      got = got + 1
      if answer and msg then
        sock:send(from, mw.encode { version = msg.version, community = msg.community, pdu = {
          type = "response", request_id = msg.pdu.request_id, error_status = 0, error_index = 0,
          varbinds = { { oid = msg.pdu.varbinds[1].oid, type = "INTEGER", value = 7 } } } })
      end
    end))
    port = sock:port()
  end)
  teardown(function() sock:close() end)
  before_each(function() got, answer = 0, false end)

  local function session()
    -- the session's own settings: 2 s and 3 retries
    return mw.session { peer = "127.0.0.1:" .. port, community = "public", timeout = 2, retries = 3 }
  end

  it("retries = n for one call sends that call n + 1 times, whatever the session says", function()
    mw.run(function()
      local s = session()
      local vbs, err = s:get("1.3.6.1.2.1.1.3.0", { timeout = 0.05, retries = 2 })
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
      assert.equal(3, got)
      got = 0
      vbs, err = s:getnext("1.3.6.1.2.1.1.3.0", { timeout = 0.05, retries = 0 })
      assert.equal("timeout", err.kind)
      assert.equal(1, got)
      got = 0
      vbs, err = s:getbulk("1.3.6.1.2.1.1", 0, 5, { timeout = 0.05, retries = 1 })
      assert.equal("timeout", err.kind)
      assert.equal(2, got)
      got = 0
      vbs, err = s:set({ { "1.3.6.1.2.1.1.5.0", "s", "x" } }, { timeout = 0.05, retries = 0 })
      assert.equal("timeout", err.kind)
      assert.equal(1, got)
    end)
  end)

  it("a call without options uses the session's settings, and an answer still comes back", function()
    answer = true
    mw.run(function()
      local s = session()
      local vbs = assert(s:get("1.3.6.1.2.1.1.3.0", { timeout = 0.5 }))
      assert.equal(7, vbs[1].value)
      vbs = assert(s:get "1.3.6.1.2.1.1.3.0")
      assert.equal(7, vbs[1].value)
      assert.equal(2, got)
    end)
  end)

  it("bad options raise before anything is sent", function()
    mw.run(function()
      local s = session()
      assert.has_error(function() s:get("1.3.6.1.2.1.1.3.0", { timeout = -1 }) end)
      assert.has_error(function() s:get("1.3.6.1.2.1.1.3.0", { retries = 1.5 }) end)
      assert.has_error(function() s:get("1.3.6.1.2.1.1.3.0", 5) end)
      assert.equal(0, got)
    end)
  end)
end)

describe("session per-target limits", function()
  local sock, port, inflight, peak, held

  setup(function()
    core.engine_init()
    held = {}
    -- answers each request 50 ms after it came, so requests overlap
    sock = assert(core.udp_open("127.0.0.1:0", function(data, from)
      local msg = mw.decode(data)
      if not msg then return end
      inflight = inflight + 1
      if inflight > peak then peak = inflight end
      local reply = mw.encode { version = msg.version, community = msg.community, pdu = {
        type = "response", request_id = msg.pdu.request_id, error_status = 0, error_index = 0,
        varbinds = { { oid = msg.pdu.varbinds[1].oid, type = "INTEGER", value = 1 } } } }
      mw.after(0.05, function()
        inflight = inflight - 1
        sock:send(from, reply)
      end)
    end))
    port = sock:port()
  end)
  teardown(function() sock:close() end)
  before_each(function() inflight, peak = 0, 0 end)

  it("max_inflight caps the requests one session has out at once, and every request completes", function()
    mw.run(function()
      local s = mw.session { peer = "127.0.0.1:" .. port, community = "public", timeout = 2, retries = 0,
                             max_inflight = 3 }
      local tasks = {}
      for i = 1, 12 do
        tasks[i] = mw.spawn(function() return s:get("1.3.6.1.2.1.1." .. i .. ".0") end)
      end
      local ok = 0
      for _, r in ipairs(mw.wait_all(tasks)) do if r[2] then ok = ok + 1 end end
      assert.equal(12, ok)
      assert.is_true(peak <= 3, "peak " .. peak)   -- 12 at once without the limit
      -- a request that raises gives its slot back
      assert.has_error(function() s:get("not an oid at all") end)
      assert(s:get "1.3.6.1.2.1.1.1.0")
    end)
  end)

  it("by default a session keeps at most 64 requests out at once; max_inflight = false lifts the window", function()
    mw.run(function()
      local function burst(opts)
        inflight, peak = 0, 0
        local s = mw.session(opts)
        local tasks = {}
        for i = 1, 200 do tasks[i] = mw.spawn(function() return s:get "1.3.6.1.2.1.1.1.0" end) end
        local ok = 0
        for _, r in ipairs(mw.wait_all(tasks)) do if r[2] then ok = ok + 1 end end
        assert.equal(200, ok)
        return peak
      end
      local base = { peer = "127.0.0.1:" .. port, community = "public", timeout = 2, retries = 0 }
      assert.equal(64, burst(base))
      local open = {}
      for k, v in pairs(base) do open[k] = v end
      open.max_inflight = false
      assert.is_true(burst(open) > 64)
    end)
  end)

  it("tasks that each send request after request through a full window all finish", function()
    local finished
    -- the wait queue is a FIFO that empties and fills again while requests
    -- complete: every waiter must be woken, in order, however often
    mw.run(function()
      local s = mw.session { peer = "127.0.0.1:" .. port, community = "public", timeout = 2, retries = 0,
                             max_inflight = 2 }
      local tasks = {}
      for i = 1, 8 do
        tasks[i] = mw.spawn(function()
          local n = 0
          for _ = 1, 3 do if s:get "1.3.6.1.2.1.1.1.0" then n = n + 1 end end
          return n
        end)
      end
      -- a waiter never woken would hang the run: a guard stops the loop
      finished = false
      mw.spawn(function()
        mw.sleep(60)
        if not finished then mw.stop() end
      end)
      local done = 0
      for _, r in ipairs(mw.wait_all(tasks)) do done = done + (r[2] or 0) end
      finished = true
      assert.equal(24, done)
      assert.is_true(peak <= 2, "peak " .. peak)
    end)
    assert.is_true(finished, "tasks still waiting for the window after 60 s")
  end)

  it("rate spaces the requests: 10 requests at 50/s span at least 9 intervals", function()
    mw.run(function()
      local s = mw.session { peer = "127.0.0.1:" .. port, community = "public", timeout = 2, retries = 0,
                             rate = 50 }
      local sent = {}
      local tasks = {}
      local t0 = mw.now()
      for i = 1, 10 do
        tasks[i] = mw.spawn(function()
          local vbs = s:get "1.3.6.1.2.1.1.1.0"
          sent[#sent + 1] = mw.now()
          return vbs
        end)
      end
      mw.wait_all(tasks)
      assert.equal(10, #sent)
      -- slots are 20 ms apart from the first request on, and the responder
      -- answers 50 ms after a request: the last answer cannot come before 9
      -- slots and that delay have passed (without the rate, all ten come
      -- back after about 50 ms). A late timer only makes answers later.
      table.sort(sent)
      assert.is_true(sent[10] - t0 >= 9 * 0.02 + 0.05 - 0.005, "last answer after " .. (sent[10] - t0) .. " s")
    end)
  end)

  it("bad limits raise", function()
    assert.has_error(function() mw.session { peer = "127.0.0.1:9", rate = 0 } end)
    assert.has_error(function() mw.session { peer = "127.0.0.1:9", max_inflight = 0 } end)
    assert.has_error(function() mw.session { peer = "127.0.0.1:9", max_inflight = 1.5 } end)
    assert.has_error(function() mw.session { peer = "127.0.0.1:9", max_inflight = true } end)
  end)
end)
