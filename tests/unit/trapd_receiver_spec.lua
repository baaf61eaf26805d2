-- The receiver's core (src/app/receiver.c through moonwalk.trapd), fed with
-- crafted packets from a plain UDP socket: every field of a v2c trap, v1
-- conversion (RFC 3584 3.1), inform answers, access, malformed input,
-- the bounded queue and its counters.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"

local SYSUPTIME0 = "1.3.6.1.2.1.1.3.0"
local TRAPOID0 = "1.3.6.1.6.3.1.1.4.1.0"

local function v2trap(opts)
  opts = opts or {}
  local vbs = {
    { oid = SYSUPTIME0, type = "Timeticks", value = opts.uptime or 4242 },
    { oid = TRAPOID0, type = "OID", value = opts.trap_oid or "1.3.6.1.6.3.1.1.5.3" },
  }
  for _, vb in ipairs(opts.varbinds or {}) do vbs[#vbs + 1] = vb end
  return assert(mw.encode{
    version = opts.version or 1, community = opts.community or "public",
    pdu = { type = opts.type or "trap", request_id = opts.request_id or 77, varbinds = vbs },
  })
end

local function v1trap(opts)
  opts = opts or {}
  return assert(mw.encode{
    version = 0, community = opts.community or "public",
    pdu = { type = "v1trap", enterprise = opts.enterprise or "1.3.6.1.4.1.8072.2.3",
            agent_addr = opts.agent_addr or "10.1.2.3", generic_trap = opts.generic or 6,
            specific_trap = opts.specific or 17, timestamp = opts.timestamp or 1234,
            varbinds = opts.varbinds or { { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "box" } } },
  })
end

-- A socket to send from; answers land in got.
local function sender()
  local s = { got = {} }
  s.sock = assert(core.udp_open("udp:127.0.0.1:0", function(data, from)
    s.got[#s.got + 1] = { data = data, from = from }
  end))
  function s:send(rx, data) return assert(self.sock:send("udp:127.0.0.1:" .. rx.port, data)) end
  function s:close() self.sock:close() end
  return s
end

local function collect(rx)
  local notes = {}
  rx:on(function(n) notes[#notes + 1] = n end)
  return notes
end

describe("trapd receiver", function()
  it("delivers a v2c trap with every field", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local s = sender()
      s:send(rx, v2trap{ request_id = 4711, uptime = 99, trap_oid = "1.3.6.1.4.1.8072.4.0.2", varbinds = {
        { oid = "1.3.6.1.2.1.2.2.1.1.3", type = "INTEGER", value = -5 },
        { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "edge-1" },
        { oid = "1.3.6.1.2.1.2.2.1.10.3", type = "Counter32", value = 4000000000 },
        { oid = "1.3.6.1.2.1.31.1.1.1.6.3", type = "Counter64", value = "18446744073709551615" },
        { oid = "1.3.6.1.2.1.4.20.1.1.10.0.0.1", type = "IpAddress", value = "10.0.0.1" },
        { oid = "1.3.6.1.2.1.1.2.0", type = "OID", value = "1.3.6.1.4.1.8072.3.2.10" },
      } })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local n = notes[1]
      assert.equal("127.0.0.1", n.source)
      assert.equal(s.sock:port(), n.port)
      assert.equal("udp", n.transport)
      assert.equal("2c", n.version)
      assert.equal("trap", n.type)
      assert.equal("public", n.community)
      assert.is_nil(n.user)
      assert.equal(4711, n.request_id)
      assert.equal(99, n.uptime)
      assert.equal("1.3.6.1.4.1.8072.4.0.2", n.trap_oid)
      assert.is_true(math.abs(n.time - mw.time()) < 5)
      assert.equal(8, #n.varbinds)
      assert.same({ oid = SYSUPTIME0, type = "Timeticks", value = 99 }, n.varbinds[1])
      assert.equal(TRAPOID0, n.varbinds[2].oid)
      assert.same({ oid = "1.3.6.1.2.1.2.2.1.1.3", type = "INTEGER", value = -5 }, n.varbinds[3])
      assert.same({ oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "edge-1" }, n.varbinds[4])
      assert.equal(4000000000, n.varbinds[5].value)
      assert.equal("Counter64", n.varbinds[6].type)
      assert.equal(-1, n.varbinds[6].value) -- 2^64-1 as a wrapped Lua integer
      assert.equal("10.0.0.1", n.varbinds[7].value)
      assert.equal("1.3.6.1.4.1.8072.3.2.10", tostring(n.varbinds[8].value))
      local st = rx:stats()
      assert.equal(1, st.packets)
      assert.equal(1, st.received)
      assert.equal(1, st.handled)
      assert.equal(0, st.dropped)
      s:close()
    end)
  end)

  it("converts a v1 enterprise-specific trap as RFC 3584 3.1 says", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local s = sender()
      s:send(rx, v1trap{ community = "public" })
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local n = notes[1]
      assert.equal("1", n.version)
      assert.equal("v1trap", n.type)
      assert.equal("1.3.6.1.4.1.8072.2.3", n.enterprise)
      assert.equal("10.1.2.3", n.agent_addr)
      assert.equal(6, n.generic)
      assert.equal(17, n.specific)
      assert.equal(1234, n.uptime)
      assert.equal("1.3.6.1.4.1.8072.2.3.0.17", n.trap_oid)
      local v = n.varbinds
      assert.equal(6, #v)
      assert.same({ oid = SYSUPTIME0, type = "Timeticks", value = 1234 }, v[1])
      assert.equal(TRAPOID0, v[2].oid)
      assert.equal("1.3.6.1.4.1.8072.2.3.0.17", tostring(v[2].value))
      assert.same({ oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "box" }, v[3])
      assert.same({ oid = "1.3.6.1.6.3.18.1.3.0", type = "IpAddress", value = "10.1.2.3" }, v[4])
      assert.same({ oid = "1.3.6.1.6.3.18.1.4.0", type = "STRING", value = "public" }, v[5])
      assert.equal("1.3.6.1.6.3.1.1.4.3.0", v[6].oid)
      assert.equal("1.3.6.1.4.1.8072.2.3", tostring(v[6].value))
      s:close()
    end)
  end)

  it("maps v1 generic traps to snmpTraps and keeps varbinds already present", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local s = sender()
      s:send(rx, v1trap{ generic = 2, specific = 0, varbinds = {
        { oid = "1.3.6.1.2.1.2.2.1.1.7", type = "INTEGER", value = 7 },
        { oid = "1.3.6.1.6.3.18.1.3.0", type = "IpAddress", value = "192.0.2.9" },
      } })
      s:send(rx, v1trap{ generic = 0, specific = 0, varbinds = {} })
      s:send(rx, v1trap{ enterprise = "1.3.6.1.4.1.9", generic = 6, specific = 300 })
      assert.is_true(td.wait_until(function() return #notes == 3 end))
      -- linkDown (2) -> snmpTraps.3
      assert.equal("1.3.6.1.6.3.1.1.5.3", notes[1].trap_oid)
      local addrs = 0
      for _, vb in ipairs(notes[1].varbinds) do
        if vb.oid == "1.3.6.1.6.3.18.1.3.0" then addrs = addrs + 1; assert.equal("192.0.2.9", vb.value) end
      end
      assert.equal(1, addrs)
      assert.equal(6, #notes[1].varbinds) -- uptime, trap OID, the 2 sent, community, enterprise
      -- coldStart (0) -> snmpTraps.1
      assert.equal("1.3.6.1.6.3.1.1.5.1", notes[2].trap_oid)
      -- a multi-octet specific-trap
      assert.equal("1.3.6.1.4.1.9.0.300", notes[3].trap_oid)
      s:close()
    end)
  end)

  it("answers a v2c inform with a Response carrying the same request-id and varbinds", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local s = sender()
      s:send(rx, v2trap{ type = "inform", request_id = 31337, varbinds = {
        { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "x" } } })
      assert.is_true(td.wait_until(function() return #notes == 1 and #s.got == 1 end))
      assert.equal("inform", notes[1].type)
      assert.equal(31337, notes[1].request_id)
      local r = assert(mw.decode(s.got[1].data))
      assert.equal("127.0.0.1:" .. rx.port, s.got[1].from)
      assert.equal(1, r.version)
      assert.equal("public", r.community)
      assert.equal("response", r.pdu.type)
      assert.equal(31337, r.pdu.request_id)
      assert.equal(0, r.pdu.error_status)
      assert.equal(3, #r.pdu.varbinds)
      assert.equal(SYSUPTIME0, r.pdu.varbinds[1].oid)
      assert.equal("x", r.pdu.varbinds[3].value)
      assert.equal(1, rx:stats().informs_answered)
      s:close()
    end)
  end)

  it("drops and counts a wrong community, and refuses v1/v2c when none is configured", function()
    td.with_rx({ community = { "public", "ops" } }, function(rx)
      local notes = collect(rx)
      local s = sender()
      s:send(rx, v2trap{ community = "nope" })
      s:send(rx, v2trap{ community = "nope", type = "inform" })
      s:send(rx, v1trap{ community = "publi" })
      s:send(rx, v2trap{ community = "ops" })
      assert.is_true(td.wait_until(function() return rx:stats().packets == 4 end))
      mw.sleep(0.05)
      assert.equal(1, #notes)
      assert.equal("ops", notes[1].community)
      local st = rx:stats()
      assert.equal(3, st.bad_community)
      assert.equal(3, st.auth_failures)
      assert.equal(0, #s.got) -- no Response for a refused inform
      s:close()
    end)
    td.with_rx({}, function(rx)
      local notes = collect(rx)
      local s = sender()
      s:send(rx, v2trap{})
      s:send(rx, v1trap{})
      assert.is_true(td.wait_until(function() return rx:stats().bad_community == 2 end))
      assert.equal(0, #notes)
      s:close()
    end)
  end)

  it("counts malformed packets, bad versions and non-notification PDUs, and goes on", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local s = sender()
      local good = v2trap{}
      s:send(rx, "\48\3\2\1")                           -- truncated
      s:send(rx, "garbage that is not BER at all")
      s:send(rx, good:sub(1, #good - 3))                 -- cut short
      s:send(rx, good .. "\0\0")                         -- trailing bytes
      s:send(rx, (good:gsub("^(..\2\1)\1", "%1\5")))     -- version 5
      s:send(rx, v2trap{ type = "get" })                 -- a GET is not a notification
      s:send(rx, v2trap{ type = "response" })
      s:send(rx, v2trap{ version = 0 })                  -- SNMPv2-Trap in a v1 message
      s:send(rx, v1trap{}:gsub("^(..\2\1)\0", "%1\1"))   -- Trap-PDU in a v2c message
      s:send(rx, good)
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local st = rx:stats()
      assert.equal(10, st.packets)
      assert.equal(4, st.parse_errors)
      assert.equal(1, st.bad_versions)
      assert.equal(4, st.wrong_pdu)
      assert.equal(1, st.received)
      s:close()
    end)
  end)

  it("listens on several addresses, IPv4 and IPv6", function()
    local p6 = core.free_udp_port()
    td.with_rx({ community = "public", listen = { "udp:127.0.0.1:0", "udp6:[::1]:" .. p6 } }, function(rx)
      local notes = collect(rx)
      local addrs = rx:addresses()
      assert.equal(2, #addrs)
      assert.equal("[::1]:" .. p6, addrs[2])
      local s6 = {}
      s6.sock = assert(core.udp_open("udp6:[::1]:0", function() end))
      assert(s6.sock:send("udp6:[::1]:" .. p6, v2trap{ request_id = 6 }))
      local s = sender()
      s:send(rx, v2trap{ request_id = 4 })
      assert.is_true(td.wait_until(function() return #notes == 2 end))
      local by = {}
      for _, n in ipairs(notes) do by[n.request_id] = n end
      assert.equal("::1", by[6].source)
      assert.equal("udp6", by[6].transport)
      assert.equal(2, by[6].listener)
      assert.equal("127.0.0.1", by[4].source)
      assert.equal(1, by[4].listener)
      s6.sock:close()
      s:close()
    end)
  end)

  it("returns nil, err when the address cannot be bound", function()
    td.run(function()
      local a = assert(mw.trapd{ listen = "udp:127.0.0.1:0", stats_interval = 0 })
      local b, err = mw.trapd{ listen = "udp:127.0.0.1:" .. a.port, stats_interval = 0 }
      assert.is_nil(b)
      assert.matches("cannot listen", err)
      a:close()
      assert.has_error(function() mw.trapd{} end)
      assert.has_error(function() mw.trapd{ listen = "udp:127.0.0.1:0", format = "xml" } end)
    end)
  end)

  it("v3 traps from engines in turn each carry their own engine and context engine IDs", function()
    td.with_rx({ users = { "guest" } }, function(rx)
      local notes = collect(rx)
      local s = sender()
      -- runs from one engine, a change, a return, a context engine ID of
      -- its own, and one as long as the engine ID before it
      local seq = {
        { "8000000001aa", "8000000001aa" }, { "8000000001aa", "8000000001aa" },
        { "8000000002bbcc", "8000000002bbcc" }, { "8000000001aa", "8000000001aa" },
        { "8000000001aa", "80000000ffee" }, { "8000000001ab", "80000000ffee" },
        { "8000000001ab", "8000000001ab" },
      }
      for i, e in ipairs(seq) do
        s:send(rx, assert(mw.encode{
          version = 3, msg_id = i, msg_flags = 0, engine_id = mw.fromhex(e[1]), user = "guest",
          context_engine_id = mw.fromhex(e[2]), context_name = "ctx" .. i,
          pdu = { type = "trap", request_id = i, varbinds = {
            { oid = SYSUPTIME0, type = "Timeticks", value = i },
            { oid = TRAPOID0, type = "OID", value = "1.3.6.1.6.3.1.1.5.3" } } },
        }))
        -- one at a time, so they are handled in the order sent
        assert.is_true(td.wait_until(function() return #notes == i end))
      end
      for i, e in ipairs(seq) do
        local n = notes[i]
        assert.equal(i, n.request_id)
        assert.equal("3", n.version)
        assert.equal("guest", n.user)
        assert.equal("noAuthNoPriv", n.security_level)
        assert.equal(e[1], n.engine_id, "trap " .. i)
        assert.equal(e[2], n.context_engine_id, "trap " .. i)
        assert.equal("ctx" .. i, n.context)
        assert.equal(i, n.msg_id)
      end
      s:close()
    end)
  end)
end)

describe("trapd notifications", function()
  it("keep the message bytes and decode varbinds on first use", function()
    td.with_rx({ community = "public" }, function(rx)
      local notes = collect(rx)
      local s = sender()
      local pkt = v2trap{ varbinds = { { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "lazy" } } }
      s:send(rx, pkt)
      assert.is_true(td.wait_until(function() return #notes == 1 end))
      local n = notes[1]
      assert.equal(pkt, n.raw)
      assert.is_nil(rawget(n, "varbinds"))
      local vbs = n.varbinds
      assert.equal(3, #vbs)
      assert.equal("lazy", vbs[3].value)
      assert.equal(vbs, rawget(n, "varbinds")) -- kept
      assert.is_true(rawequal(vbs, n.varbinds))
      assert.is_nil(n.no_such_field)
      s:close()
    end)
  end)
end)

describe("trapd queue", function()
  it("absorbs a burst while handlers are busy and counts what overflows", function()
    td.with_rx({ community = "public", queue = 20, max_tasks = 2 }, function(rx)
      local started, release = 0, false
      rx:on(function()
        started = started + 1
        while not release do mw.sleep(0.01) end
      end)
      local s = sender()
      for i = 1, 100 do s:send(rx, v2trap{ request_id = i }) end
      assert.is_true(td.wait_until(function() return rx:stats().packets == 100 end))
      mw.sleep(0.05)
      local st = rx:stats()
      -- 2 handlers run, at most 20 wait, the rest was dropped
      assert.equal(2, started)
      assert.equal(2, st.active_tasks)
      assert.is_true(st.queue_len <= 20)
      assert.equal(st.received - 2, st.queue_len)
      assert.is_true(st.dropped_queue >= 78)
      assert.equal(100, st.received + st.dropped)
      release = true
      assert.is_true(td.wait_until(function() return rx:stats().handled == st.received and started == st.received end))
      assert.equal(0, rx:stats().queue_len)
      assert.equal(20, rx:stats().queue_peak)
      s:close()
    end)
  end)

  it("bounds the queue by bytes too", function()
    td.with_rx({ community = "public", queue = 1000, queue_bytes = 2000, max_tasks = 1 }, function(rx)
      local release = false
      rx:on(function() while not release do mw.sleep(0.01) end end)
      local s = sender()
      local pkt = v2trap{ varbinds = { { oid = "1.3.6.1.2.1.1.1.0", type = "STRING", value = string.rep("x", 300) } } }
      for _ = 1, 30 do s:send(rx, pkt) end
      assert.is_true(td.wait_until(function() return rx:stats().packets == 30 end))
      local st = rx:stats()
      assert.is_true(st.queue_bytes <= 2000)
      assert.equal(30, st.received + st.dropped_queue)
      assert.is_true(st.dropped_queue >= 30 - 1 - 2000 // #pkt)
      release = true
      assert.is_true(td.wait_until(function() return rx:stats().queue_len == 0 end))
      -- the ring is reusable after it drained and wrapped
      local n0 = rx:stats().handled
      for _ = 1, 5 do s:send(rx, pkt) end
      assert.is_true(td.wait_until(function() return rx:stats().handled == n0 + 5 end))
      s:close()
    end)
  end)

  it("leaves an inform unanswered when the queue is full, so the sender retries", function()
    td.with_rx({ community = "public", queue = 1, max_tasks = 1 }, function(rx)
      local started, release = 0, false
      rx:on(function() started = started + 1 while not release do mw.sleep(0.01) end end)
      local s = sender()
      s:send(rx, v2trap{ request_id = 1 })   -- taken by the handler
      assert.is_true(td.wait_until(function() return started == 1 end))
      s:send(rx, v2trap{ request_id = 2 })   -- waits in the queue
      assert.is_true(td.wait_until(function() return rx:stats().queue_len == 1 end))
      s:send(rx, v2trap{ type = "inform", request_id = 3 })
      assert.is_true(td.wait_until(function() return rx:stats().dropped_queue == 1 end))
      mw.sleep(0.05)
      assert.equal(0, #s.got)
      assert.equal(0, rx:stats().informs_answered)
      release = true
      assert.is_true(td.wait_until(function() return rx:stats().queue_len == 0 end))
      s:send(rx, v2trap{ type = "inform", request_id = 3 }) -- the retry
      assert.is_true(td.wait_until(function() return #s.got == 1 end))
      assert.equal(3, mw.decode(s.got[1].data).pdu.request_id)
      s:close()
    end)
  end)
end)

describe("trapd counters", function()
  it("are logged periodically", function()
    local lines = {}
    local old = mw.log.set_sink(function(_, line) lines[#lines + 1] = line end)
    local ok, err = pcall(td.with_rx, { community = "public", stats_interval = 0.05 }, function(rx)
      local s = sender()
      s:send(rx, v2trap{})
      assert.is_true(td.wait_until(function()
        for _, l in ipairs(lines) do if l:find("trapd: received 1 handled 1 dropped 0", 1, true) then return true end end
        return false
      end, 2))
      s:close()
    end)
    mw.log.set_sink(old)
    assert(ok, err)
  end)

  it("stay readable after close", function()
    local rx
    td.with_rx({ community = "public" }, function(r) rx = r end)
    assert.equal(0, rx:stats().received)
  end)
end)
