-- The agent against hostile requests (issue 14), driven through
-- agent:process(bytes): every report names its counter exactly, GETBULK
-- repetitions are capped (and the amplification is measured), INTEGERs
-- wider than 32 bits are answered as snmpd answers them, and a getter
-- stopped by its budget backs off instead of running on every request.
local mw = require "moonwalk"
local log = require "moonwalk.log"

local ENT = "1.3.6.1.4.1.99999"
local SYSDESCR = "1.3.6.1.2.1.1.1.0"

local function new_agent(opts)
  opts = opts or {}
  opts.listen = opts.listen or "udp:127.0.0.1:0"
  if opts.communities == nil and opts.users == nil then
    opts.communities = { public = "ro", private = "rw" }
  end
  return mw.agent(opts)
end

local function capture_logs()
  local lines = {}
  local old = log.set_sink(function(_, line) lines[#lines + 1] = line end)
  return lines, function() log.set_sink(old) end
end

-- Sends one request; returns the response PDU, its size and the request's
-- size, or nil when the agent dropped the message.
local function req(a, pdu, opts)
  opts = opts or {}
  pdu.request_id = pdu.request_id or 77
  local vbs = {}
  for i, v in ipairs(pdu.varbinds or {}) do
    vbs[i] = type(v) == "string" and { oid = v, type = "NULL" } or v
  end
  pdu.varbinds = vbs
  local raw = assert(mw.encode { version = opts.version or 1, community = opts.community or "public", pdu = pdu })
  local out = a:process(raw)
  if not out then return nil end
  local m = assert(mw.decode(out))
  assert.equal("response", m.pdu.type)
  return m.pdu, #out, #raw
end

-- BER by hand, for what our own encoder refuses to write
local function tlv(tag, body)
  local n = #body
  if n < 128 then return string.char(tag, n) .. body end
  return string.char(tag, 0x82, n >> 8, n & 255) .. body
end

local function ber_oid(s)
  local a = {}
  for x in s:gmatch("%d+") do a[#a + 1] = tonumber(x) end
  local out = { string.char(a[1] * 40 + a[2]) }
  for i = 3, #a do
    local x, e = a[i], { string.char(a[i] & 0x7f) }
    x = x >> 7
    while x > 0 do table.insert(e, 1, string.char(0x80 | (x & 0x7f))) x = x >> 7 end
    out[#out + 1] = table.concat(e)
  end
  return tlv(6, table.concat(out))
end

-- a v1/v2c message with raw varbind values: vbs = { {oid, value bytes} }
local function raw_msg(version, community, pdutag, vbs, reqid)
  local list = {}
  for _, vb in ipairs(vbs) do list[#list + 1] = tlv(0x30, ber_oid(vb[1]) .. vb[2]) end
  local pdu = tlv(pdutag, (reqid or "\2\1\5") .. "\2\1\0\2\1\0" .. tlv(0x30, table.concat(list)))
  return tlv(0x30, "\2\1" .. string.char(version) .. tlv(4, community) .. pdu)
end

local GET, SET = 0xa0, 0xa3
local INT_2_32 = "\2\5\1\0\0\0\0"               -- INTEGER 2^32
local INT_MAX64 = "\2\8\x7f\xff\xff\xff\xff\xff\xff\xff"
local INT_2_64 = "\2\9\1\0\0\0\0\0\0\0\0"         -- beyond 64 bits
local GAUGE_2_32 = "\x42\5\1\0\0\0\0"

describe("agent: v3 reports name their counter exactly", function()
  -- Each report carries group.arc.0 and nothing after it (the unknown
  -- context report used to name 1.3.6.1.6.3.12.1.5.0.0, read past the end
  -- of its 9-arc array).
  local a, eid, boots
  before_each(function()
    a = new_agent { communities = {}, users = { { name = "nouser" },
      { name = "u", auth = "SHA", auth_pass = "authpass123" } } }
    local hex
    hex, boots = a:engine()
    eid = mw.fromhex(hex)
  end)
  after_each(function() a:close() end)

  local function report(fields)
    local m = { version = 3, msg_id = 9, msg_flags = 4, engine_id = eid, engine_boots = boots, user = "nouser",
      context_engine_id = eid, pdu = { type = "get", request_id = 31, varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    for k, v in pairs(fields) do m[k] = v end
    local out = assert(a:process(assert(mw.encode(m))))
    local r = assert(mw.decode(out))
    assert.equal("report", r.pdu.type)
    assert.equal(1, #r.pdu.varbinds)
    return r.pdu.varbinds[1]
  end

  it("snmpUnknownContexts.0 for a context name the agent does not have (noAuthNoPriv user)", function()
    local vb = report { context_name = "vrf-9" }
    assert.equal("1.3.6.1.6.3.12.1.5.0", vb.oid)
    assert.equal("Counter32", vb.type)
    assert.equal(1, vb.value)
    assert.equal(2, report({ context_name = "vrf-10" }).value)
  end)

  it("snmpUnknownPDUHandlers.0 for another context engine ID", function()
    local vb = report { context_engine_id = "\x80\0\0\0\1\2\3\4\5" }
    assert.equal("1.3.6.1.6.3.11.2.1.3.0", vb.oid)
  end)

  it("usmStats: unknown engine ID, unknown user, unsupported level", function()
    assert.equal("1.3.6.1.6.3.15.1.1.4.0", report({ engine_id = "" }).oid)
    assert.equal("1.3.6.1.6.3.15.1.1.3.0", report({ user = "who" }).oid)
    assert.equal("1.3.6.1.6.3.15.1.1.1.0", report({ msg_flags = 5, auth_params_len = 12 }).oid)
  end)

  it("a request in the default context is answered", function()
    local m = { version = 3, msg_id = 9, msg_flags = 4, engine_id = eid, engine_boots = boots, user = "nouser",
      context_engine_id = eid, pdu = { type = "get", request_id = 31, varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    local r = assert(mw.decode(assert(a:process(assert(mw.encode(m))))))
    assert.equal("response", r.pdu.type)
    assert.matches("^moonwalk", r.pdu.varbinds[1].value)
  end)
end)

describe("agent: GETBULK repetition cap", function()
  local a
  local function table_agent(opts, nrows)
    local ag = new_agent(opts)
    local rows = {}
    for i = 1, nrows or 5000 do
      rows[i] = { [2] = string.format("interface %04d", i), [3] = i * 10, [4] = i % 7 }
    end
    ag:table { oid = ENT .. ".2.1", index = "integer",
      columns = { [2] = "STRING", [3] = "Gauge32", [4] = "INTEGER" }, rows = rows }
    return ag
  end
  local function bulk(ag, nr, mr, oids)
    return req(ag, { type = "getbulk", non_repeaters = nr, max_repetitions = mr, varbinds = oids })
  end
  after_each(function() if a then a:close() a = nil end end)

  it("max-repetitions 2^31-1 gets 100 repetitions by default (net-snmp's maxGetbulkResponses)", function()
    a = table_agent()
    local p = bulk(a, 0, 2147483647, { ENT .. ".2.1.2" })
    assert.equal(0, p.error_status)
    assert.equal(100, #p.varbinds)
    assert.equal(ENT .. ".2.1.2.100", p.varbinds[100].oid)
  end)

  it("the cap counts varbinds of repetitions: R repeated varbinds get 100 // R repetitions", function()
    a = table_agent()
    local p = bulk(a, 0, 1000, { ENT .. ".2.1.2", ENT .. ".2.1.3", ENT .. ".2.1.4" })
    assert.equal(99, #p.varbinds)
    -- non-repeaters come on top, as in net-snmp
    p = bulk(a, 1, 1000, { "1.3.6.1.2.1.1", ENT .. ".2.1.2", ENT .. ".2.1.3" })
    assert.equal(1 + 100, #p.varbinds)
    assert.equal(SYSDESCR, p.varbinds[1].oid)
  end)

  it("more repeated varbinds than the cap: one repetition each, as a GETNEXT", function()
    a = table_agent()
    local oids = {}
    for i = 1, 150 do oids[i] = ENT .. ".2.1.2." .. i end
    local p = bulk(a, 0, 50, oids)
    assert.equal(150, #p.varbinds)
    assert.equal(ENT .. ".2.1.2.2", p.varbinds[1].oid)
  end)

  it("a request below the cap is answered in full", function()
    a = table_agent()
    assert.equal(40, #bulk(a, 0, 40, { ENT .. ".2.1.2" }).varbinds)
  end)

  it("max_repetitions sets the cap; 0 removes it", function()
    a = table_agent { max_repetitions = 10 }
    assert.equal(10, #bulk(a, 0, 2147483647, { ENT .. ".2.1.2" }).varbinds)
    assert.equal(10, #bulk(a, 0, 2147483647, { ENT .. ".2.1.2", ENT .. ".2.1.3" }).varbinds)
    a:close()
    a = table_agent({ max_repetitions = 0 }, 1000)
    assert.equal(600, #bulk(a, 0, 600, { ENT .. ".2.1.2" }).varbinds)
  end)

  it("amplification of a max-repetitions 2^31-1 request against a 5,000-row table is bounded", function()
    -- response octets / request octets, over the request shapes that ask
    -- the most for the least: one to four repeated columns, with and
    -- without a non-repeater. snmpd's figure for one column is 64x.
    a = table_agent()
    local shapes = {
      { 0, { ENT .. ".2.1.2" } },
      { 0, { ENT .. ".2.1" } },
      { 0, { ENT .. ".2.1.3" } },
      { 0, { ENT .. ".2.1.2", ENT .. ".2.1.3" } },
      { 0, { ENT .. ".2.1.2", ENT .. ".2.1.3", ENT .. ".2.1.4" } },
      { 1, { "1.3.6.1.2.1.1", ENT .. ".2.1.2" } },
      { 0, { "1.3" } },
    }
    local worst, wsize, wreq = 0, 0, 0
    for _, s in ipairs(shapes) do
      local p, size, reqsize = bulk(a, s[1], 2147483647, s[2])
      assert.equal(0, p.error_status)
      assert.is_true(#p.varbinds <= s[1] + 100, #p.varbinds)
      local f = size / reqsize
      if f > worst then worst, wsize, wreq = f, size, reqsize end
    end
    print(string.format("\n    worst GETBULK amplification: %d octets for %d (%.0fx)", wsize, wreq, worst))
    assert.is_true(worst < 100, worst)
    -- without the cap the same request trims only at the UDP limit
    a:close()
    a = table_agent { max_repetitions = 0 }
    local _, size, reqsize = bulk(a, 0, 2147483647, { ENT .. ".2.1.2" })
    assert.is_true(size / reqsize > 1000, size / reqsize)
  end)
end)

describe("agent: INTEGER wider than 32 bits in a request (as snmpd answers)", function()
  local a
  before_each(function()
    a = new_agent()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1, access = "rw" }
    a:scalar { oid = ENT .. ".1.2", type = "Gauge32", value = 1, access = "rw" }
    a:table { oid = ENT .. ".2.1", index = "integer", columns = { [2] = { type = "INTEGER", access = "rw" } },
      rows = { [1] = { [2] = 5 } } }
  end)
  after_each(function() a:close() end)

  local function send(version, community, tag, vbs, reqid)
    local out = a:process(raw_msg(version, community, tag, vbs, reqid))
    if not out then return nil end
    local m = assert(mw.decode(out))
    assert.equal("response", m.pdu.type)
    return m.pdu
  end

  it("a GET whose varbind value is INTEGER 2^32 is answered noError", function()
    for _, v in ipairs { INT_2_32, INT_MAX64, GAUGE_2_32 } do
      local p = send(1, "public", GET, { { SYSDESCR, v } })
      assert.equal(0, p.error_status)
      assert.matches("^moonwalk", p.varbinds[1].value)
      assert.equal(0, send(0, "public", GET, { { SYSDESCR, v } }).error_status)
    end
    assert.equal(0, a:stats().snmpInASNParseErrs)
  end)

  it("a SET of INTEGER 2^32: wrongLength (v2c), badValue (v1), value echoed in 32 bits", function()
    local p = send(1, "private", SET, { { ENT .. ".1.1.0", INT_2_32 } })
    assert.equal(8, p.error_status)
    assert.equal(1, p.error_index)
    assert.equal(0, p.varbinds[1].value) -- the low 32 bits, as snmpd echoes it
    p = send(0, "private", SET, { { ENT .. ".1.1.0", INT_2_32 } })
    assert.equal(3, p.error_status)
    assert.equal(8, send(1, "private", SET, { { ENT .. ".1.2.0", GAUGE_2_32 } }).error_status)
    assert.equal(8, send(1, "private", SET, { { ENT .. ".2.1.2.1", INT_MAX64 } }).error_status)
    assert.equal(8, send(1, "private", SET, { { "1.3.6.1.6.3.1.1.6.1.0", INT_2_32 } }).error_status)
    -- nothing changed
    local g = req(a, { type = "get", varbinds = { ENT .. ".1.1.0", ENT .. ".1.2.0", ENT .. ".2.1.2.1" } })
    assert.same({ 1, 1, 5 }, { g.varbinds[1].value, g.varbinds[2].value, g.varbinds[3].value })
  end)

  it("the checks RFC 3416 puts first still come first: notWritable, wrongType", function()
    assert.equal(17, send(1, "private", SET, { { SYSDESCR, INT_2_32 } }).error_status)
    assert.equal(7, send(1, "private", SET, { { "1.3.6.1.2.1.1.4.0", INT_2_32 } }).error_status)
    -- snmpEnableAuthenTraps takes 1 or 2: wrongValue, as in snmpd
    assert.equal(10, send(1, "private", SET, { { "1.3.6.1.2.1.11.30.0", INT_2_32 } }).error_status)
  end)

  it("an INTEGER beyond 64 bits, or a request-id beyond 32, is still a parse error (snmpd drops the first too)", function()
    assert.is_nil(send(1, "public", GET, { { SYSDESCR, INT_2_64 } }))
    assert.is_nil(send(1, "public", GET, { { SYSDESCR, "\5\0" } }, INT_2_32))
    assert.equal(2, a:stats().snmpInASNParseErrs)
  end)

  it("mw.decode keeps 64-bit values in requests only", function()
    local m = assert(mw.decode(raw_msg(1, "public", SET, { { ENT .. ".1.1.0", INT_2_32 } })))
    assert.equal(4294967296, m.pdu.varbinds[1].value)
    local r, err = mw.decode(raw_msg(1, "public", 0xa2, { { ENT .. ".1.1.0", INT_2_32 } }))
    assert.is_nil(r)
    assert.equal("integer too long", err)
  end)
end)

describe("agent: a getter stopped by its budget backs off", function()
  local a
  before_each(function() a = new_agent { budget = 200000 } end)
  after_each(function() a:close() end)

  it("is answered genErr at once while backing off, without running; other objects answer", function()
    local lines, restore = capture_logs()
    local calls = 0
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() calls = calls + 1 while true do end end }
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", get = function() return 7 end }
    for _ = 1, 50 do
      local p = req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } })
      assert.equal(5, p.error_status)
      assert.equal(1, p.error_index)
      assert.equal(7, req(a, { type = "get", varbinds = { ENT .. ".1.2.0" } }).varbinds[1].value)
    end
    restore()
    assert.equal(1, calls)
    assert.equal(1, #lines)
    assert.matches("must not block", lines[1])
    -- GETNEXT and GETBULK through it: genErr too, no new call
    assert.equal(5, req(a, { type = "getnext", varbinds = { ENT .. ".1" } }).error_status)
    assert.equal(1, calls)
  end)

  it("runs again after the back-off, and a getter that recovers is called normally", function()
    local slow, calls = true, 0
    local _, restore = capture_logs()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function()
      calls = calls + 1
      if slow then while true do end end
      return 3
    end }
    assert.equal(5, req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } }).error_status)
    assert.equal(5, req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } }).error_status)
    assert.equal(1, calls)
    slow = false
    os.execute("sleep 1.1") -- the first back-off is 1 s
    local p = req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } })
    restore()
    assert.equal(0, p.error_status)
    assert.equal(3, p.varbinds[1].value)
    assert.equal(2, calls)
    for _ = 1, 5 do req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } }) end
    assert.equal(7, calls)
  end)

  it("a table whose rows iterator is stopped backs off as one object", function()
    local calls = 0
    local _, restore = capture_logs()
    a:table { oid = ENT .. ".2.1", index = "integer", columns = { [2] = "INTEGER" },
      rows = function() calls = calls + 1 while true do end end }
    for _ = 1, 10 do
      assert.equal(5, req(a, { type = "getnext", varbinds = { ENT .. ".2.1" } }).error_status)
      assert.equal(5, req(a, { type = "get", varbinds = { ENT .. ".2.1.2.1" } }).error_status)
    end
    restore()
    assert.equal(1, calls)
    assert.equal(0, req(a, { type = "get", varbinds = { SYSDESCR } }).error_status)
  end)

  it("the budget is each agent's own: a small one does not stop another agent's getters", function()
    local function busy() local x = 0 for i = 1, 500000 do x = x + i end return 1 end
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = busy }
    local b = new_agent()
    b:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = busy }
    local _, restore = capture_logs()
    local pa = req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } })
    local pb = req(b, { type = "get", varbinds = { ENT .. ".1.1.0" } })
    restore()
    b:close()
    assert.equal(5, pa.error_status)
    assert.equal(0, pb.error_status)
  end)

  it("an error that is not the budget does not back off", function()
    local calls = 0
    local _, restore = capture_logs()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() calls = calls + 1 error("sensor gone") end }
    for _ = 1, 5 do req(a, { type = "get", varbinds = { ENT .. ".1.1.0" } }) end
    restore()
    assert.equal(5, calls)
  end)
end)
