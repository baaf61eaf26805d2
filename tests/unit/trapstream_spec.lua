-- The parts of clustered trap receiving that need no NATS
-- (lua/moonwalk/trapstream.lua, src/app/receiver.c): the content identity
-- that becomes a notification's Nats-Msg-Id (n.dedup_id), the round trip
-- of a notification through the stream's JSON, and informs answered only
-- when the layer above says so (r:defer_informs, r:answer).
local mw = require "moonwalk"
local core = require "moonwalk.core"
local S = require "moonwalk.trapstream"

local SYSUPTIME0 = "1.3.6.1.2.1.1.3.0"
local TRAPOID0 = "1.3.6.1.6.3.1.1.4.1.0"

local function v2(opts)
  opts = opts or {}
  return assert(mw.encode{
    version = 1, community = opts.community or "public",
    pdu = { type = opts.type or "trap", request_id = opts.request_id or 77, varbinds = {
      { oid = SYSUPTIME0, type = "Timeticks", value = opts.uptime or 4242 },
      { oid = TRAPOID0, type = "OID", value = "1.3.6.1.6.3.1.1.5.3" },
      { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = opts.text or "edge-1" },
    } },
  })
end

local function v1(opts)
  opts = opts or {}
  return assert(mw.encode{
    version = 0, community = "public",
    pdu = { type = "v1trap", enterprise = "1.3.6.1.4.1.8072.2.3", agent_addr = "10.1.2.3",
            generic_trap = 6, specific_trap = 17, timestamp = opts.timestamp or 1234,
            varbinds = { { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "box" } } },
  })
end

local function receiver()
  core.engine_init()
  local r = core.receiver{}
  r:community("public")
  return r
end

-- the notification bytes make when they come from `from`
local function note(bytes, from, r)
  r = r or receiver()
  r:process(bytes, from or "udp:127.0.0.1:5000")
  local n = assert(r:pop())
  return n, r
end

describe("trap stream: content identity (n.dedup_id)", function()
  it("is the same for the same trap received by two receivers", function()
    local a = note(v2{ request_id = 5 })
    local b = note(v2{ request_id = 5 })
    assert.matches("^%x+$", a.dedup_id)
    assert.equal(32, #a.dedup_id)
    assert.equal(a.dedup_id, b.dedup_id)
  end)

  it("does not depend on the sender's port (one trap, two receivers, one socket or two)", function()
    assert.equal(note(v2{}, "udp:127.0.0.1:5000").dedup_id, note(v2{}, "udp:127.0.0.1:6000").dedup_id)
  end)

  it("differs with the request-id", function()
    assert.are_not.equal(note(v2{ request_id = 5 }).dedup_id, note(v2{ request_id = 6 }).dedup_id)
  end)

  it("differs with a varbind", function()
    assert.are_not.equal(note(v2{ text = "a" }).dedup_id, note(v2{ text = "b" }).dedup_id)
  end)

  it("differs with the sender's address", function()
    assert.are_not.equal(note(v2{}, "udp:127.0.0.1:5000").dedup_id, note(v2{}, "udp:127.0.0.2:5000").dedup_id)
  end)

  it("covers the whole v1 Trap-PDU", function()
    assert.equal(note(v1{}).dedup_id, note(v1{}).dedup_id)
    assert.are_not.equal(note(v1{ timestamp = 1 }).dedup_id, note(v1{ timestamp = 2 }).dedup_id)
  end)

  it("is the same for an inform and its retransmission", function()
    local r = receiver()
    local a = note(v2{ type = "inform", request_id = 9 }, nil, r)
    local b = note(v2{ type = "inform", request_id = 9 }, nil, r)
    assert.equal(a.dedup_id, b.dedup_id)
  end)
end)

describe("trap stream: encoding", function()
  it("a notification comes back from the stream's JSON with its fields and varbinds", function()
    local n, r = note(v2{ request_id = 31, text = "edge-7" })
    local back = assert(S.decode(S.encode(n, "rx-1"), r:note_mt()))
    for _, k in ipairs { "source", "port", "version", "type", "community", "request_id", "trap_oid", "uptime" } do
      assert.equal(n[k], back[k])
      assert.equal(math.type(n[k]), math.type(back[k]), k)
    end
    assert.equal(require("moonwalk.trapd").format_text(n), require("moonwalk.trapd").format_text(back))
    assert.equal("rx-1", back.receiver)
    assert.equal(n.raw, back.raw)
    assert.equal("edge-7", back.varbinds[3].value)
    assert.equal(n.dedup_id, back.dedup_id)
  end)

  it("refuses what is not a notification", function()
    local r = receiver()
    assert.is_nil(S.decode("{", r:note_mt()))
    assert.is_nil(S.decode('{"raw":"zz"}', r:note_mt()))
  end)
end)

describe("trap stream: deferred informs", function()
  it("an inform is answered on arrival by default", function()
    local r = receiver()
    assert.truthy(r:process(v2{ type = "inform" }, "udp:127.0.0.1:5000"))
    assert.is_nil(rawget(r:pop(), "reply"))
  end)

  it("with defer_informs the Response waits in the notification until r:answer", function()
    local r = receiver()
    r:defer_informs(true)
    assert.is_nil(r:process(v2{ type = "inform", request_id = 12 }, "udp:127.0.0.1:5000"))
    local n = r:pop()
    local reply = assert(rawget(n, "reply"))
    local m = assert(mw.decode(reply))
    assert.equal("response", m.pdu.type)
    assert.equal(12, m.pdu.request_id)
    assert.equal(0, r:stats().informs_answered)
    -- a trap carries no Response
    r:process(v2{ request_id = 13 }, "udp:127.0.0.1:5000")
    assert.is_nil(rawget(r:pop(), "reply"))
  end)

  it("r:answer sends the Response to the inform's sender", function()
    local got
    local sock = assert(core.udp_open("udp:127.0.0.1:0", function(data) got = data end))
    local r = receiver()
    r:defer_informs(true)
    assert(r:listen("udp:127.0.0.1:0"))
    local _, port = r:local_addr(1)
    assert(sock:send("udp:127.0.0.1:" .. port, v2{ type = "inform", request_id = 14 }))
    local deadline = core.now() + 5
    local n
    while not n and core.now() < deadline do
      core.step(false)
      n = r:pop()
    end
    assert.truthy(n)
    core.step(false)
    assert.is_nil(got) -- not answered on arrival
    assert.is_true(r:answer(n))
    deadline = core.now() + 5
    while not got and core.now() < deadline do core.step(false) end
    assert.equal(14, assert(mw.decode(got)).pdu.request_id)
    assert.equal(1, r:stats().informs_answered)
    sock:close()
    r:close()
  end)
end)
