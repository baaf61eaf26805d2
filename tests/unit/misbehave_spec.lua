-- The manager against a small UDP responder written for the test that
-- misbehaves: non-increasing OIDs, loops, tooBig, wrong request-ids,
-- duplicates, garbage, answers from the wrong port, or silence. Each case
-- ends with the right error (or result) and never hangs.
local mw = require "moonwalk"
local core = mw.core

local responder, other, port, log, last_from

-- behaviour per request: a function(msg) returning list of datagrams
local handler

local function respond_to(msg, varbinds, fields)
  local pdu = {
    type = "response", request_id = msg.pdu.request_id,
    error_status = fields and fields.error_status or 0,
    error_index = fields and fields.error_index or 0,
    varbinds = varbinds,
  }
  return mw.encode { version = msg.version, community = msg.community, pdu = pdu }
end

local function start()
  core.engine_init()
  log = {}
  responder = assert(core.udp_open("127.0.0.1:0", function(data, from)
    local msg = mw.decode(data)
    if not msg then return end
    log[#log + 1] = msg
    last_from = from
    for _, out in ipairs(handler(msg) or {}) do
      local sock = out.from_other and other or responder
      sock:send(from, out.data or out)
    end
  end))
  other = assert(core.udp_open("127.0.0.1:0", function() end))
  port = responder:port()
end

local function session(extra)
  local o = { peer = "127.0.0.1:" .. port, version = "2c", timeout = 0.2, retries = 1 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return mw.session(o)
end

local function run(fn)
  local t0 = mw.now()
  local r = table.pack(mw.run(fn))
  -- a guard against hanging, not a measure of speed: generous, because the
  -- CPU may be shared with other jobs
  local took = mw.now() - t0
  assert.is_true(took < 60, "took too long: " .. took .. " s")
  return table.unpack(r, 1, r.n)
end

describe("misbehaving agent", function()
  setup(start)
  teardown(function() responder:close() other:close() end)
  before_each(function() log = {} end)

  it("a non-increasing OID stops the walk with a clear error", function()
    handler = function(msg)
      local asked = msg.pdu.varbinds[1].oid
      local reply = asked == "1.3.6.1.4.1.5" and "1.3.6.1.4.1.5.2" or "1.3.6.1.4.1.5.1"
      return { respond_to(msg, { { oid = reply, type = "INTEGER", value = 1 } }) }
    end
    run(function()
      local got, err = {}, nil
      local it = session():walk "1.3.6.1.4.1.5"
      while true do
        local vb, e = it()
        if vb == nil then err = e break end
        got[#got + 1] = vb.oid
      end
      assert.same({ "1.3.6.1.4.1.5.2", "1.3.6.1.4.1.5.1" }, got)
      assert.equal("notincreasing", err.kind)
      assert.equal("OID not increasing: 1.3.6.1.4.1.5.2 >= 1.3.6.1.4.1.5.1", err.message)
    end)
  end)

  it("allowing non-increasing OIDs still detects a loop", function()
    local cycle = { ["1.3.6.1.4.1.6"] = "1.3.6.1.4.1.6.2", ["1.3.6.1.4.1.6.2"] = "1.3.6.1.4.1.6.1",
                    ["1.3.6.1.4.1.6.1"] = "1.3.6.1.4.1.6.2" }
    handler = function(msg)
      local asked = msg.pdu.varbinds[1].oid
      return { respond_to(msg, { { oid = cycle[asked], type = "INTEGER", value = 1 } }) }
    end
    run(function()
      local n, err = 0, nil
      local it = session():walk("1.3.6.1.4.1.6", { non_increasing = "allow" })
      while true do
        local vb, e = it()
        if vb == nil then err = e break end
        n = n + 1
      end
      assert.equal(2, n)
      assert.equal("loop", err.kind)
      assert.matches("1.3.6.1.4.1.6.2", err.message)
    end)
  end)

  it("tooBig makes the bulk walk lower max-repetitions and carry on", function()
    local reps = {}
    handler = function(msg)
      local mr = msg.pdu.max_repetitions
      reps[#reps + 1] = mr
      if mr > 3 then return { respond_to(msg, {}, { error_status = 1 }) } end
      local asked = core.oid(msg.pdu.varbinds[1].oid)
      local vbs = {}
      local base = core.oid "1.3.6.1.4.1.7"
      local last = asked:starts_with(base) and #asked > #base and asked[#asked] or 0
      for i = 1, mr do
        local k = last + i
        if k > 10 then vbs[#vbs + 1] = { oid = "1.3.6.1.4.1.8.0", type = "INTEGER", value = 0 } break end
        vbs[#vbs + 1] = { oid = "1.3.6.1.4.1.7." .. k, type = "INTEGER", value = k }
      end
      return { respond_to(msg, vbs) }
    end
    run(function()
      local vals = {}
      local old = mw.log.set_sink(function() end)
      mw.log.set_level("debug")
      local lines = {}
      mw.log.set_sink(function(level, l) lines[#lines + 1] = l end)
      for vb, e in session():bulkwalk("1.3.6.1.4.1.7", { max_repetitions = 16 }) do
        assert.is_truthy(vb, e)
        vals[#vals + 1] = vb.value
      end
      mw.log.set_level("info")
      mw.log.set_sink(old)
      assert.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, vals)
      assert.equal(16, reps[1])
      assert.equal(8, reps[2])
      assert.equal(4, reps[3])
      assert.equal(2, reps[4])
      assert.matches("tooBig with max%-repetitions 16, retrying with 8", table.concat(lines, "\n"))
    end)
  end)

  it("a timeout on a large max-repetitions lowers it too", function()
    handler = function(msg)
      if msg.pdu.max_repetitions > 2 then return {} end -- silent
      return { respond_to(msg, { { oid = "1.3.6.1.4.1.9.1", type = "INTEGER", value = 1 },
                                 { oid = "1.3.6.1.4.2", type = "INTEGER", value = 2 } }) }
    end
    run(function()
      local n = 0
      for vb, e in session { retries = 0, timeout = 0.1 }:bulkwalk("1.3.6.1.4.1.9", { max_repetitions = 8 }) do
        assert.is_truthy(vb, e)
        n = n + 1
      end
      assert.equal(1, n)
    end)
  end)

  it("a response with a wrong request-id is dropped and counted; the right one is delivered", function()
    handler = function(msg)
      local wrong = mw.decode(respond_to(msg, { { oid = "1.3.6.1.9", type = "STRING", value = "wrong" } }))
      wrong.pdu.request_id = msg.pdu.request_id + 1000
      return { mw.encode(wrong), respond_to(msg, { { oid = "1.3.6.1.9", type = "STRING", value = "right" } }) }
    end
    run(function()
      local before = mw.stats().unknown_ids
      local vbs = assert(session():get "1.3.6.1.9")
      assert.equal("right", vbs[1].value)
      assert.equal(before + 1, mw.stats().unknown_ids)
    end)
  end)

  it("a duplicate response is counted and never delivered to another request", function()
    handler = function(msg)
      local r = respond_to(msg, { { oid = msg.pdu.varbinds[1].oid, type = "STRING", value = msg.pdu.varbinds[1].oid } })
      return { r, r }
    end
    run(function()
      local s = session()
      local before = mw.stats().unknown_ids
      local tasks = {}
      for i = 1, 20 do
        tasks[i] = mw.spawn(function() return s:get("1.3.6.1.10." .. i) end)
      end
      for i, r in ipairs(mw.wait_all(tasks)) do
        assert.equal("1.3.6.1.10." .. i, r[2][1].value)
      end
      mw.sleep(0.05)
      assert.equal(before + 20, mw.stats().unknown_ids)
    end)
  end)

  it("garbage is counted as a parse error; the request then times out", function()
    handler = function() return { "\48\3\2\1" , "not snmp at all" } end
    run(function()
      local before = mw.stats().parse_errors
      local vbs, err = session { retries = 0 }:get "1.3.6.1.11"
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
      assert.equal(before + 2, mw.stats().parse_errors)
    end)
  end)

  it("a truncated response is dropped and the request times out normally", function()
    handler = function(msg)
      local r = respond_to(msg, { { oid = "1.3.6.1.12", type = "STRING", value = "abcdef" } })
      return { r:sub(1, #r - 3) }
    end
    run(function()
      local vbs, err = session { retries = 0 }:get "1.3.6.1.12"
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
    end)
  end)

  it("an answer from the wrong port is dropped and counted", function()
    handler = function(msg)
      return { { data = respond_to(msg, { { oid = "1.3.6.1.13", type = "NULL" } }), from_other = true } }
    end
    run(function()
      local before = mw.stats().bad_source
      local vbs, err = session { retries = 0 }:get "1.3.6.1.13"
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
      assert.equal(before + 1, mw.stats().bad_source)
    end)
  end)

  it("silence: timeout per attempt, resent 'retries' times with the same request-id", function()
    handler = function() return {} end
    run(function()
      local t0 = mw.now()
      local vbs, err = session { retries = 2, timeout = 0.15 }:get "1.3.6.1.14"
      local took = mw.now() - t0
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
      assert.equal("Timeout: No Response from 127.0.0.1:" .. port .. ".", err.message)
      assert.equal(3, #log)
      assert.equal(log[1].pdu.request_id, log[2].pdu.request_id)
      assert.equal(log[1].pdu.request_id, log[3].pdu.request_id)
      assert.is_true(took >= 0.44, "returned after " .. took)
    end)
  end)

  it("a late response after the timeout is dropped and counted", function()
    local held
    handler = function(msg) held = respond_to(msg, { { oid = "1.3.6.1.15", type = "NULL" } }) return {} end
    run(function()
      local s = session { retries = 0, timeout = 0.1 }
      local vbs, err = s:get "1.3.6.1.15"
      assert.equal("timeout", err.kind)
      local before = mw.stats().unknown_ids
      responder:send(last_from, held)
      mw.sleep(0.1)
      assert.equal(before + 1, mw.stats().unknown_ids)
      -- and the next request is not confused by it
      handler = function(msg) return { respond_to(msg, { { oid = "1.3.6.1.15", type = "STRING", value = "fresh" } }) } end
      assert.equal("fresh", assert(s:get "1.3.6.1.15")[1].value)
    end)
  end)

  it("an error-status names the status and the varbind index", function()
    handler = function(msg)
      return { respond_to(msg, msg.pdu.varbinds, { error_status = 5, error_index = 2 }) }
    end
    run(function()
      local vbs, err = session():get { "1.3.6.1.16.1", "1.3.6.1.16.2" }
      assert.is_nil(vbs)
      assert.equal("status", err.kind)
      assert.equal("genErr", err.status)
      assert.equal(5, err.code)
      assert.equal(2, err.index)
      assert.equal("1.3.6.1.16.2", err.oid)
      assert.equal("(genError) A general failure occured", err.reason)
    end)
  end)
end)

describe("set types as net-snmp encodes them", function()
  setup(start)
  teardown(function() responder:close() other:close() end)

  it("U I F D b letters become Opaque specials and BITS octets", function()
    handler = function(msg) return { respond_to(msg, msg.pdu.varbinds) } end
    run(function()
      local vbs = assert(session():set {
        { "1.3.6.1.4.1.20.1", "F", "1.5" },
        { "1.3.6.1.4.1.20.2", "D", "-2.25" },
        { "1.3.6.1.4.1.20.3", "I", "-2" },
        { "1.3.6.1.4.1.20.4", "U", "18446744073709551615" },
        { "1.3.6.1.4.1.20.5", "b", "0 9" },
        { "1.3.6.1.4.1.20.6", "d", "1.2.255" },
        { "1.3.6.1.4.1.20.7", "x", "00ff80" },
      })
      assert.equal("Opaque", vbs[1].type)
      assert.equal("\159\120\4\63\192\0\0", vbs[1].value)
      assert.equal("\159\121\8\192\2\0\0\0\0\0\0", vbs[2].value)
      assert.equal("\159\122\1\254", vbs[3].value)
      assert.equal("\159\123\9\0\255\255\255\255\255\255\255\255", vbs[4].value)
      assert.equal("STRING", vbs[5].type)
      assert.equal("\128\64", vbs[5].value)
      assert.equal("\1\2\255", vbs[6].value)
      assert.equal("\0\255\128", vbs[7].value)
    end)
  end)

  it("refuses a BITS bit number past the largest OCTET STRING (found by fuzz_cli)", function()
    -- 42949672950 asked for a 5 GB string; 1000000 for 125,001 octets
    for _, bit in ipairs { "524280", "1000000", "42949672950" } do
      local ok, err = pcall(function()
        return session():set { { "1.3.6.1.4.1.20.5", "b", "0 " .. bit } }
      end)
      assert.is_false(ok)
      assert.matches("varbind 1: bad BITS value 0 " .. bit, tostring(err), 1, true)
    end
  end)
end)

describe("many agents at once", function()
  it("10,000 sessions polled at once, each its own task, all finish", function()
    core.engine_init()
    local answered = 0
    local socks = {}
    -- ten responders stand in for the agents; each session has its own peer
    for k = 1, 10 do
      local sock
      sock = assert(core.udp_open("127.0.0.1:0", function(data, from)
        local msg = mw.decode(data)
        answered = answered + 1
        sock:send(from, respond_to(msg, { { oid = msg.pdu.varbinds[1].oid, type = "INTEGER", value = k } }))
      end))
      socks[k] = sock
    end
    run(function()
      local tasks = {}
      for i = 1, 10000 do
        local k = (i - 1) % 10 + 1
        -- the responders share this process: on a starved CPU (load 10
        -- on two cores) answering ten thousand takes longer than a short
        -- timeout, and retransmissions only add to the work
        local s = mw.session { peer = "127.0.0.1:" .. socks[k]:port(), timeout = 15, retries = 2 }
        tasks[i] = mw.spawn(function() return s:get "1.3.6.1.2.1.1.3.0" end)
      end
      local ok = 0
      for i, r in ipairs(mw.wait_all(tasks)) do
        if r[2] and r[2][1].value == (i - 1) % 10 + 1 then ok = ok + 1 end
      end
      assert.equal(10000, ok)
    end)
    for _, s in ipairs(socks) do s:close() end
    assert.is_true(answered >= 10000)
  end)
end)
