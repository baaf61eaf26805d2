-- The network layer through its Lua bindings: UDP sockets (src/net/udp.c,
-- src/lua/l_udp.c) and the request engine (src/net/engine.c: request-ids,
-- retransmission, timeouts, the global in-flight cap, what it drops and
-- counts), against responders written for the test on 127.0.0.1.
local mw = require "moonwalk"
local core = mw.core

local function response(msg, value, request_id)
  return mw.encode { version = msg.version, community = msg.community, pdu = {
    type = "response", request_id = request_id or msg.pdu.request_id, error_status = 0, error_index = 0,
    varbinds = { { oid = msg.pdu.varbinds[1].oid, type = "INTEGER", value = value or 1 } } } }
end

-- the number of keys of t
local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

-- the engine's counters moved by fn
local function delta(fn)
  local a = mw.stats()
  fn()
  local b, d = mw.stats(), {}
  for k, v in pairs(b) do d[k] = v - (a[k] or 0) end
  return d
end

describe("UDP sockets", function()
  setup(function() core.engine_init() end)

  it("a datagram goes from one socket to another, with the sender's address", function()
    local got = {}
    local a = assert(core.udp_open("127.0.0.1:0", function(data, from) got[#got + 1] = { data, from } end))
    local b = assert(core.udp_open("udp:127.0.0.1:0", function() end))
    assert.is_true(b:send("127.0.0.1:" .. a:port(), "hello"))
    mw.run(function()
      for _ = 1, 100 do
        if #got > 0 then break end
        mw.sleep(0.01)
      end
    end)
    assert.same({ { "hello", "127.0.0.1:" .. b:port() } }, got)
    a:close() b:close()
  end)

  it("a handler that raises is logged and the socket keeps delivering", function()
    local n = 0
    local a = assert(core.udp_open("127.0.0.1:0", function()
      n = n + 1
      if n == 1 then error("handler failed on purpose") end
    end))
    local b = assert(core.udp_open("127.0.0.1:0", function() end))
    b:send("127.0.0.1:" .. a:port(), "one")
    b:send("127.0.0.1:" .. a:port(), "two")
    mw.run(function()
      for _ = 1, 100 do
        if n >= 2 then break end
        mw.sleep(0.01)
      end
    end)
    assert.equal(2, n)
    a:close() b:close()
  end)

  it("an address in use gives nil, err; a bad address and a closed socket raise", function()
    local a = assert(core.udp_open("127.0.0.1:0", function() end))
    local port = a:port()
    local s, err = core.udp_open("127.0.0.1:" .. port, function() end)
    assert.is_nil(s)
    assert.matches("cannot open 127.0.0.1:" .. port .. ": Address already in use", err, 1, true)
    assert.has_error(function() core.udp_open("not an address", function() end) end,
      "bad address not an address (a literal [udp:|udp6:]addr:port is needed)")
    a:close()
    assert.has_error(function() a:send("127.0.0.1:" .. port, "x") end, "socket is closed")
    assert.has_error(function() a:port() end, "socket is closed")
    a:close() -- twice is harmless
  end)
end)

describe("test ports (core.free_udp_port)", function()
  setup(function() core.engine_init() end)

  it("come from below the kernel's ephemeral range, free on 127.0.0.1 and ::1", function()
    local f = assert(io.open("/proc/sys/net/ipv4/ip_local_port_range"))
    local low = f:read("n")
    f:close()
    local seen = {}
    for _ = 1, 50 do
      local p = core.free_udp_port()
      assert.is_true(p >= 1024 and p < low, p)
      seen[p] = true
      -- free now: it binds, on both families
      local s4 = assert(core.udp_open("127.0.0.1:" .. p, function() end))
      local s6 = assert(core.udp_open("[::1]:" .. p, function() end))
      s4:close()
      s6:close()
      local v4 = core.free_udp_port("v4")
      assert.is_true(v4 >= 1024 and v4 < low, v4)
    end
    -- drawn at random, not handed out in order
    local n = count(seen)
    assert.is_true(n > 40, n)
  end)
end)

describe("request engine", function()
  local sock, port, handler, log

  setup(function()
    core.engine_init()
    sock = assert(core.udp_open("127.0.0.1:0", function(data, from)
      local msg = mw.decode(data)
      if not msg then return end
      log[#log + 1] = msg
      for _, out in ipairs(handler(msg, from) or {}) do sock:send(from, out) end
    end))
    port = sock:port()
  end)
  teardown(function() sock:close() end)
  before_each(function() log = {} end)

  local function session(extra)
    local o = { peer = "127.0.0.1:" .. port, timeout = 0.1, retries = 2 }
    for k, v in pairs(extra or {}) do o[k] = v end
    return mw.session(o)
  end

  it("silence: sent once and resent 'retries' times with the same request-id, then one timeout", function()
    handler = function() end
    local d = delta(function()
      mw.run(function()
        local vbs, err = session():get "1.3.6.1.2.1.1.5.0"
        assert.is_nil(vbs)
        assert.equal("timeout", err.kind)
        assert.equal("Timeout: No Response from 127.0.0.1:" .. port .. ".", err.message)
      end)
    end)
    assert.equal(3, #log)
    assert.equal(log[1].pdu.request_id, log[2].pdu.request_id)
    assert.equal(log[1].pdu.request_id, log[3].pdu.request_id)
    assert.equal(3, d.sent)          -- every datagram
    assert.equal(2, d.retransmits)   -- of which the resent ones
    assert.equal(1, d.timeouts)
  end)

  it("each request has its own request-id; answers are matched by it, in any order", function()
    local held = {}
    handler = function(msg)
      held[#held + 1] = msg
      if #held == 3 then
        -- answer the three in reverse order
        local out = {}
        for i = 3, 1, -1 do
          out[#out + 1] = response(held[i], tonumber(held[i].pdu.varbinds[1].oid:match("(%d+)%.0$")))
        end
        return out
      end
    end
    mw.run(function()
      local s = session { timeout = 2, retries = 0 }
      local tasks = {}
      for i = 1, 3 do
        tasks[i] = mw.spawn(function() return s:get("1.3.6.1.2.1.1." .. i .. ".0") end)
      end
      local res = mw.wait_all(tasks)
      local ids = {}
      for i = 1, 3 do
        local vbs = res[i][2]
        assert.equal("1.3.6.1.2.1.1." .. i .. ".0", vbs[1].oid)
        assert.equal(i, vbs[1].value)
        ids[held[i].pdu.request_id] = true
      end
      assert.equal(3, count(ids))
    end)
  end)

  it("an answer with an unknown request-id is counted and dropped; the right one still completes", function()
    handler = function(msg)
      return { response(msg, 9, msg.pdu.request_id + 1), response(msg, 1) }
    end
    local d = delta(function()
      mw.run(function()
        local vbs = assert(session { timeout = 2 }:get "1.3.6.1.2.1.1.5.0")
        assert.equal(1, vbs[1].value)
      end)
    end)
    assert.equal(1, d.unknown_ids)
    assert.equal(0, d.retransmits)
  end)

  -- A socket reads one datagram at a time until two reads in a row fill
  -- it, then 64; the send queue's buffer starts at 16 KiB; the table of
  -- requests in flight starts at 64 chains and the decode target at 64
  -- varbinds (src/net/udp.c, src/net/engine.c). Past each first size:
  it("a burst of 500 answers at once finds its 500 requests; each answer is read once", function()
    local held = {}
    handler = function(msg)
      held[#held + 1] = msg
      if #held == 500 then
        local out = {}
        for i, m in ipairs(held) do out[i] = response(m, i) end
        return out
      end
    end
    local d = delta(function()
      mw.run(function()
        local s = session { timeout = 5, retries = 0, max_inflight = false }
        local tasks = {}
        for i = 1, 500 do tasks[i] = mw.spawn(function() return s:get("1.3.6.1.2.1.1." .. i .. ".0") end) end
        local seen = {}
        for i, r in ipairs(mw.wait_all(tasks)) do
          local vbs = assert(r[2], r[3] and r[3].message)
          assert.equal("1.3.6.1.2.1.1." .. i .. ".0", vbs[1].oid)
          seen[vbs[1].value] = true
        end
        assert.equal(500, count(seen))
      end)
    end)
    assert.equal(500, #log)
    assert.equal(500, d.received)
    assert.equal(0, d.unknown_ids + d.parse_errors + d.timeouts + d.retransmits)
  end)

  it("a request and an answer of 800 varbinds (some 20 KiB each) go whole", function()
    local size
    handler = function(msg)
      size = #mw.encode(msg)
      local vbs = {}
      for i, vb in ipairs(msg.pdu.varbinds) do vbs[i] = { oid = vb.oid, type = "STRING", value = "value " .. i } end
      return { mw.encode { version = msg.version, community = msg.community, pdu = {
        type = "response", request_id = msg.pdu.request_id, error_status = 0, error_index = 0, varbinds = vbs } } }
    end
    local oids = {}
    for i = 1, 800 do oids[i] = "1.3.6.1.4.1.99999.1.2.3.4.5.6.7.8." .. i end
    mw.run(function()
      local vbs = assert(session { timeout = 2, retries = 0 }:get(oids))
      assert.equal(800, #vbs)
      for i = 1, 800 do
        assert.equal(oids[i], vbs[i].oid)
        assert.equal("value " .. i, vbs[i].value)
      end
    end)
    assert.equal(1, #log)
    assert.is_true(size > 16 * 1024, tostring(size))
  end)

  it("the global cap (mw.set_max_inflight) keeps the other requests waiting in the engine; all complete", function()
    local most, out = 0, 0
    handler = function(msg, from)
      out = out + 1
      if out > most then most = out end
      local reply = response(msg)
      mw.after(0.02, function()
        out = out - 1
        sock:send(from, reply)
      end)
    end
    mw.set_max_inflight(2)
    finally(function() mw.set_max_inflight(0) end)
    mw.run(function()
      local s = session { timeout = 2, retries = 0, max_inflight = false }
      local tasks = {}
      for i = 1, 8 do tasks[i] = mw.spawn(function() return s:get "1.3.6.1.2.1.1.5.0" end) end
      local ok = 0
      for _, r in ipairs(mw.wait_all(tasks)) do if r[2] then ok = ok + 1 end end
      assert.equal(8, ok)
    end)
    assert.equal(2, most)
    assert.equal(0, mw.stats().waiting)
    assert.equal(0, mw.stats().inflight)
  end)
end)
