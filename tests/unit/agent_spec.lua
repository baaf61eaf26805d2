-- The agent's command responder, driven through agent:process(bytes) with
-- messages built by our codec: GET/GETNEXT/GETBULK, SET transactions, v1
-- error mapping (RFC 3584), views, Lua scalars/tables/subtrees, errors in
-- getters, and the counters for dropped messages.
local mw = require "moonwalk"
local log = require "moonwalk.log"

local ENT = "1.3.6.1.4.1.99999"
local SYSDESCR = "1.3.6.1.2.1.1.1.0"
local SYSNAME = "1.3.6.1.2.1.1.5.0"
local SYSCONTACT = "1.3.6.1.2.1.1.4.0"

local function new_agent(opts)
  opts = opts or {}
  opts.listen = opts.listen or "udp:127.0.0.1:0"
  if opts.communities == nil and opts.users == nil then
    opts.communities = { public = "ro", private = "rw" }
  end
  return mw.agent(opts)
end

-- Sends one request through the agent; returns the response PDU (table),
-- its size, or nil when the agent dropped the message.
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
  assert.equal(pdu.request_id, m.pdu.request_id)
  return m.pdu, #out
end

local function get(a, oids, opts) return req(a, { type = "get", varbinds = oids }, opts) end
local function getnext(a, oids, opts) return req(a, { type = "getnext", varbinds = oids }, opts) end
local function set(a, vbs, opts)
  opts = opts or {}
  opts.community = opts.community or "private"
  return req(a, { type = "set", varbinds = vbs }, opts)
end

local V1 = { version = 0 }

local function capture_logs()
  local lines = {}
  local old = log.set_sink(function(_, line) lines[#lines + 1] = line end)
  return lines, function() log.set_sink(old) end
end

describe("agent: GET", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  it("answers built-in system objects", function()
    local p = get(a, { SYSDESCR, "1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.1.2.0" })
    assert.equal(0, p.error_status)
    assert.equal("STRING", p.varbinds[1].type)
    assert.matches("^moonwalk", p.varbinds[1].value)
    assert.equal("Timeticks", p.varbinds[2].type)
    assert.equal("OID", p.varbinds[3].type)
  end)

  it("noSuchObject for an unregistered name, noSuchInstance for a missing instance", function()
    local p = get(a, { ENT .. ".1.0", "1.3.6.1.2.1.1.1.1", "1.3.6.1.2.1.1.1" })
    assert.equal(0, p.error_status)
    assert.equal("noSuchObject", p.varbinds[1].type)
    assert.equal("noSuchInstance", p.varbinds[2].type)
    assert.equal("noSuchInstance", p.varbinds[3].type)
  end)

  it("v1: noSuchName with the index of the first missing varbind, request varbinds echoed", function()
    local p = get(a, { SYSDESCR, ENT .. ".1.0" }, V1)
    assert.equal(2, p.error_status)
    assert.equal(2, p.error_index)
    assert.equal("NULL", p.varbinds[1].type)
    assert.equal(ENT .. ".1.0", p.varbinds[2].oid)
  end)

  it("v1: a Counter64 object is noSuchName (RFC 3584 4.2.2.1)", function()
    a:scalar { oid = ENT .. ".9", type = "Counter64", value = 5 }
    assert.equal("Counter64", get(a, { ENT .. ".9.0" }, { version = 1 }).varbinds[1].type)
    assert.equal(2, get(a, { ENT .. ".9.0" }, V1).error_status)
  end)

  it("tooBig with no varbinds when the response would not fit", function()
    a:scalar { oid = ENT .. ".8", type = "STRING", value = string.rep("x", 1000) }
    local b = new_agent { max_msg_size = 600 }
    b:scalar { oid = ENT .. ".8", type = "STRING", value = string.rep("x", 1000) }
    local p = get(b, { ENT .. ".8.0" }, { version = 1 })
    assert.equal(1, p.error_status)
    assert.equal(0, p.error_index)
    assert.equal(0, #p.varbinds)
    b:close()
  end)
end)

describe("agent: GETNEXT", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  it("walks across regions in OID order", function()
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", value = 2 }
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1 }
    local p = getnext(a, { ENT, ENT .. ".1.1.0", "1.3.6.1.2.1.1" })
    assert.equal(ENT .. ".1.1.0", p.varbinds[1].oid)
    assert.equal(1, p.varbinds[1].value)
    assert.equal(ENT .. ".1.2.0", p.varbinds[2].oid)
    assert.equal(SYSDESCR, p.varbinds[3].oid)
  end)

  it("endOfMibView past the last object (v2c), noSuchName in v1", function()
    local p = getnext(a, { "2.1" }, { version = 1 })
    assert.equal("endOfMibView", p.varbinds[1].type)
    assert.equal("2.1", p.varbinds[1].oid)
    p = getnext(a, { "2.1" }, V1)
    assert.equal(2, p.error_status)
    assert.equal(1, p.error_index)
  end)

  it("v1 walks skip Counter64 objects", function()
    a:scalar { oid = ENT .. ".1.1", type = "Counter64", value = 1 }
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", value = 2 }
    assert.equal(ENT .. ".1.1.0", getnext(a, { ENT }, { version = 1 }).varbinds[1].oid)
    assert.equal(ENT .. ".1.2.0", getnext(a, { ENT }, V1).varbinds[1].oid)
  end)
end)

describe("agent: GETBULK", function()
  local a
  before_each(function()
    a = new_agent()
    local rows = {}
    for i = 1, 50 do rows[i] = { [2] = string.format("row %02d", i), [3] = i * 10 } end
    a:table { oid = ENT .. ".2.1", index = "integer", columns = { [2] = "STRING", [3] = "Gauge32" }, rows = rows }
  end)
  after_each(function() a:close() end)

  local function bulk(nr, mr, oids, ag)
    return req(ag or a, { type = "getbulk", non_repeaters = nr, max_repetitions = mr, varbinds = oids }, { version = 1 })
  end

  it("non-repeaters then repetitions of the rest, row by row", function()
    local p = bulk(1, 3, { "1.3.6.1.2.1.1", ENT .. ".2.1.2", ENT .. ".2.1.3" })
    assert.equal(7, #p.varbinds)
    assert.equal(SYSDESCR, p.varbinds[1].oid)
    assert.equal(ENT .. ".2.1.2.1", p.varbinds[2].oid)
    assert.equal(ENT .. ".2.1.3.1", p.varbinds[3].oid)
    assert.equal(ENT .. ".2.1.2.2", p.varbinds[4].oid)
    assert.equal(ENT .. ".2.1.3.3", p.varbinds[7].oid)
  end)

  it("many repeaters (more than the names kept between rows) continue each from its own last name", function()
    local oids = {}
    for i = 1, 10 do oids[i] = ENT .. ".2.1." .. (i % 2 == 1 and 2 or 3) .. "." .. i end
    local p = bulk(0, 3, oids)
    assert.equal(0, p.error_status)
    assert.equal(30, #p.varbinds)
    for rep = 0, 2 do
      for i = 1, 10 do
        assert.equal(ENT .. ".2.1." .. (i % 2 == 1 and 2 or 3) .. "." .. (i + rep + 1),
          p.varbinds[rep * 10 + i].oid)
      end
    end
  end)

  it("max-repetitions 0 answers only the non-repeaters", function()
    local p = bulk(1, 0, { "1.3.6.1.2.1.1", ENT .. ".2.1.2" })
    assert.equal(0, p.error_status)
    assert.equal(1, #p.varbinds)
    assert.equal(SYSDESCR, p.varbinds[1].oid)
    p = bulk(0, 0, { ENT .. ".2.1.2" })
    assert.equal(0, #p.varbinds)
  end)

  it("non-repeaters larger than the varbind count: every varbind is a non-repeater", function()
    local p = bulk(5, 10, { "1.3.6.1.2.1.1", ENT .. ".2.1.2" })
    assert.equal(0, p.error_status)
    assert.equal(2, #p.varbinds)
    assert.equal(ENT .. ".2.1.2.1", p.varbinds[2].oid)
  end)

  it("negative non-repeaters and max-repetitions count as zero", function()
    local p = bulk(-3, -1, { ENT .. ".2.1.2" })
    assert.equal(0, p.error_status)
    assert.equal(0, #p.varbinds)
  end)

  it("endOfMibView repeats for a column past the end, and the response stops there", function()
    local p = bulk(0, 10, { "1.3.6.1.6.3.15.1.1.5.0", "1.3.6.1.6.3.15.1.1.4" })
    assert.equal(0, p.error_status)
    -- rows: (6.0, 4.0), (end, 5.0), (end, 6.0), (end, end)
    assert.equal(8, #p.varbinds)
    assert.equal("1.3.6.1.6.3.15.1.1.6.0", p.varbinds[1].oid)
    assert.equal("endOfMibView", p.varbinds[3].type)
    assert.equal("1.3.6.1.6.3.15.1.1.6.0", p.varbinds[3].oid)
    assert.equal("1.3.6.1.6.3.15.1.1.5.0", p.varbinds[4].oid)
    assert.equal("endOfMibView", p.varbinds[5].type)
    assert.equal("1.3.6.1.6.3.15.1.1.6.0", p.varbinds[6].oid)
    assert.equal("endOfMibView", p.varbinds[7].type)
    assert.equal("endOfMibView", p.varbinds[8].type)
  end)

  it("a response that would not fit the message size is trimmed, not failed", function()
    local b = new_agent { max_msg_size = 484 }
    local rows = {}
    for i = 1, 100 do rows[i] = { [2] = string.rep("v", 30) } end
    b:table { oid = ENT .. ".2.1", index = "integer", columns = { [2] = "STRING" }, rows = rows }
    local p, size = bulk(0, 100, { ENT .. ".2.1.2" }, b)
    assert.equal(0, p.error_status)
    assert.is_true(#p.varbinds > 5 and #p.varbinds < 100, #p.varbinds)
    assert.is_true(size <= 484, size)
    assert.equal(ENT .. ".2.1.2." .. #p.varbinds, p.varbinds[#p.varbinds].oid)
    b:close()
  end)

  it("trims to the UDP limit for a huge request", function()
    local rows = {}
    for i = 1, 3000 do rows[i] = { [2] = string.rep("w", 40) } end
    local b = new_agent { max_repetitions = 0 } -- no repetition cap: only the size trims
    b:table { oid = ENT .. ".2.1", index = "integer", columns = { [2] = "STRING" }, rows = rows }
    local p, size = bulk(0, 2147483647, { ENT .. ".2.1.2" }, b)
    assert.equal(0, p.error_status)
    assert.is_true(size <= 65507 and size > 60000, size)
    assert.is_true(#p.varbinds < 3000)
    b:close()
  end)

  it("SNMPv1 GetBulk is dropped and counted as a parse error", function()
    local raw = mw.encode { version = 0, community = "public", pdu = { type = "getbulk", request_id = 1,
      varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    assert.is_nil(a:process(raw))
    assert.equal(1, a:stats().snmpInASNParseErrs)
  end)
end)

describe("agent: SET", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  it("sets a writable scalar and echoes the varbinds", function()
    local seen
    a:scalar { oid = ENT .. ".1.1", type = "STRING", value = "old", access = "rw", set = function(v) seen = v end }
    local p = set(a, { { oid = ENT .. ".1.1.0", type = "STRING", value = "new" } }, { version = 1 })
    assert.equal(0, p.error_status)
    assert.equal("new", p.varbinds[1].value)
    assert.equal("new", seen)
    assert.equal("new", get(a, { ENT .. ".1.1.0" }).varbinds[1].value)
  end)

  it("sysContact, sysName, sysLocation are writable when not configured", function()
    local p = set(a, { { oid = SYSCONTACT, type = "STRING", value = "ops@example.net" } }, { version = 1 })
    assert.equal(0, p.error_status)
    assert.equal("ops@example.net", get(a, { SYSCONTACT }).varbinds[1].value)
    local b = new_agent { system = { contact = "fixed" } }
    p = set(b, { { oid = SYSCONTACT, type = "STRING", value = "x" } }, { version = 1 })
    assert.equal(17, p.error_status) -- notWritable
    b:close()
  end)

  it("notWritable for read-only objects, noCreation for other instances of a scalar", function()
    local p = set(a, { { oid = SYSDESCR, type = "STRING", value = "x" } }, { version = 1 })
    assert.equal(17, p.error_status)
    assert.equal(1, p.error_index)
    p = set(a, { { oid = "1.3.6.1.2.1.1.5.1", type = "STRING", value = "x" } }, { version = 1 })
    assert.equal(11, p.error_status)
    p = set(a, { { oid = ENT .. ".7.7.0", type = "STRING", value = "x" } }, { version = 1 })
    assert.equal(17, p.error_status)
  end)

  it("wrongType, wrongLength and the check function's verdict", function()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1, access = "rw",
      check = function(v) if v > 10 then return "wrongValue" end if v < 0 then return false end return true end }
    assert.equal(7, set(a, { { oid = SYSNAME, type = "INTEGER", value = 5 } }, { version = 1 }).error_status)
    assert.equal(8, set(a, { { oid = SYSNAME, type = "STRING", value = string.rep("x", 256) } }, { version = 1 }).error_status)
    assert.equal(10, set(a, { { oid = ENT .. ".1.1.0", type = "INTEGER", value = 11 } }, { version = 1 }).error_status)
    assert.equal(10, set(a, { { oid = ENT .. ".1.1.0", type = "INTEGER", value = -1 } }, { version = 1 }).error_status)
    assert.equal(0, set(a, { { oid = ENT .. ".1.1.0", type = "INTEGER", value = 7 } }, { version = 1 }).error_status)
    assert.equal(7, get(a, { ENT .. ".1.1.0" }).varbinds[1].value)
  end)

  it("a read-only community gets noAccess (v2c) and noSuchName (v1)", function()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1, access = "rw" }
    local vb = { { oid = ENT .. ".1.1.0", type = "INTEGER", value = 2 } }
    local p = set(a, vb, { version = 1, community = "public" })
    assert.equal(6, p.error_status)
    assert.equal(1, p.error_index)
    p = set(a, vb, { version = 0, community = "public" })
    assert.equal(2, p.error_status)
    assert.equal(1, get(a, { ENT .. ".1.1.0" }).varbinds[1].value)
    assert.equal(2, a:stats().snmpInBadCommunityUses)
  end)

  it("v1 maps errors per RFC 3584: wrongType -> badValue, notWritable -> noSuchName", function()
    assert.equal(3, set(a, { { oid = SYSNAME, type = "INTEGER", value = 5 } }, V1).error_status)
    assert.equal(2, set(a, { { oid = SYSDESCR, type = "STRING", value = "x" } }, V1).error_status)
  end)

  it("a multi-varbind SET with one wrong value changes nothing", function()
    local calls = 0
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1, access = "rw" }
    a:scalar { oid = ENT .. ".1.2", type = "STRING", value = "a", access = "rw", set = function() calls = calls + 1 end }
    local p = set(a, {
      { oid = ENT .. ".1.1.0", type = "INTEGER", value = 2 },
      { oid = ENT .. ".1.2.0", type = "STRING", value = "b" },
      { oid = SYSNAME, type = "INTEGER", value = 3 },
    }, { version = 1 })
    assert.equal(7, p.error_status)
    assert.equal(3, p.error_index)
    p = get(a, { ENT .. ".1.1.0", ENT .. ".1.2.0" })
    assert.equal(1, p.varbinds[1].value)
    assert.equal("a", p.varbinds[2].value)
    assert.equal(0, calls)
  end)

  it("a failing commit undoes the committed varbinds: commitFailed", function()
    local state = { x = 1 }
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() return state.x end,
      set = function(v) state.x = v end }
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", get = function() return 0 end,
      set = function() return false, "device refused" end }
    local p = set(a, { { oid = ENT .. ".1.1.0", type = "INTEGER", value = 5 },
      { oid = ENT .. ".1.2.0", type = "INTEGER", value = 6 } }, { version = 1 })
    assert.equal(14, p.error_status)
    assert.equal(2, p.error_index)
    assert.equal(1, state.x)
  end)

  it("undoFailed when a committed varbind cannot be undone", function()
    local lines, restore = capture_logs()
    local n = 0
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() return 1 end,
      set = function() n = n + 1 if n > 1 then error("stuck") end end }
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", get = function() return 0 end,
      set = function() error("broken") end }
    local p = set(a, { { oid = ENT .. ".1.1.0", type = "INTEGER", value = 5 },
      { oid = ENT .. ".1.2.0", type = "INTEGER", value = 6 } }, { version = 1 })
    restore()
    assert.equal(15, p.error_status)
    assert.is_true(#lines >= 1)
  end)

  it("snmpSetSerialNo: TestAndIncr", function()
    local cur = get(a, { "1.3.6.1.6.3.1.1.6.1.0" }).varbinds[1].value
    assert.equal(12, set(a, { { oid = "1.3.6.1.6.3.1.1.6.1.0", type = "INTEGER", value = cur + 1 } }, { version = 1 }).error_status)
    assert.equal(0, set(a, { { oid = "1.3.6.1.6.3.1.1.6.1.0", type = "INTEGER", value = cur } }, { version = 1 }).error_status)
    assert.equal(cur + 1, get(a, { "1.3.6.1.6.3.1.1.6.1.0" }).varbinds[1].value)
  end)
end)

describe("agent: Lua scalars", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  it("a value, a typed value, and a getter reading live state", function()
    local n = 0
    a:scalar { oid = ENT .. ".1.1", value = mw.Gauge32(7) }
    a:scalar { oid = ENT .. ".1.2", type = "Counter32", get = function() n = n + 1 return n end }
    a:scalar { oid = ENT .. ".1.3", type = "OID", value = "1.3.6.1.4.1.1" }
    a:scalar { oid = ENT .. ".1.4", type = "IpAddress", get = function() return mw.IpAddress("10.1.2.3") end }
    local p = get(a, { ENT .. ".1.1.0", ENT .. ".1.2.0", ENT .. ".1.3.0", ENT .. ".1.4.0" })
    assert.equal("Gauge32", p.varbinds[1].type)
    assert.equal(7, p.varbinds[1].value)
    assert.equal(1, p.varbinds[2].value)
    assert.equal("1.3.6.1.4.1.1", tostring(p.varbinds[3].value))
    assert.equal("10.1.2.3", p.varbinds[4].value)
    assert.equal(2, get(a, { ENT .. ".1.2.0" }).varbinds[1].value)
  end)

  it("the handle replaces a kept value", function()
    local h = a:scalar { oid = ENT .. ".1.1", type = "STRING", value = "a" }
    h:set("b")
    assert.equal("b", get(a, { ENT .. ".1.1.0" }).varbinds[1].value)
  end)

  it("a getter returning nil is noSuchInstance", function()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() return nil end }
    assert.equal("noSuchInstance", get(a, { ENT .. ".1.1.0" }, { version = 1 }).varbinds[1].type)
  end)

  it("a getter that raises: genErr, logged once, the agent keeps answering", function()
    local lines, restore = capture_logs()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() error("sensor gone") end }
    local p = get(a, { SYSDESCR, ENT .. ".1.1.0" }, { version = 1 })
    local p2 = get(a, { ENT .. ".1.1.0" }, { version = 1 })
    restore()
    assert.equal(5, p.error_status)
    assert.equal(2, p.error_index)
    assert.equal(5, p2.error_status)
    assert.equal(1, #lines)
    assert.matches("sensor gone", lines[1])
    assert.matches(ENT .. ".1.1", lines[1], 1, true)
    assert.equal(0, get(a, { SYSDESCR }).error_status)
  end)

  it("a getter returning the wrong type: genErr, logged once", function()
    local lines, restore = capture_logs()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() return "forty-two" end }
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", get = function() return mw.OctetString("x") end }
    a:scalar { oid = ENT .. ".1.3", type = "INTEGER", get = function() return 2 ^ 40 end }
    for _ = 1, 3 do
      assert.equal(5, get(a, { ENT .. ".1.1.0" }, { version = 1 }).error_status)
      assert.equal(5, get(a, { ENT .. ".1.2.0" }, { version = 1 }).error_status)
      assert.equal(5, get(a, { ENT .. ".1.3.0" }, { version = 1 }).error_status)
    end
    restore()
    assert.equal(3, #lines)
    assert.matches("expected INTEGER", lines[1])
  end)

  it("a getter that raises during GETNEXT is genErr too", function()
    local lines, restore = capture_logs()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() error({}) end }
    local p = getnext(a, { ENT }, { version = 1 })
    restore()
    assert.equal(5, p.error_status)
  end)

  it("a getter stuck in a loop is stopped by the budget, even under its own pcall", function()
    local lines, restore = capture_logs()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", get = function() while true do end end }
    a:scalar { oid = ENT .. ".1.2", type = "INTEGER", get = function()
      while true do pcall(function() while true do end end) end
    end }
    local p1 = get(a, { ENT .. ".1.1.0" }, { version = 1 })
    local p2 = get(a, { ENT .. ".1.2.0" }, { version = 1 })
    restore()
    assert.equal(5, p1.error_status)
    assert.equal(5, p2.error_status)
    assert.matches("must not block", lines[1])
    assert.equal(0, get(a, { SYSDESCR }).error_status)
  end)

  it("overlapping registrations are refused", function()
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1 }
    assert.has_error(function() a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 1 } end)
    assert.has_error(function() a:scalar { oid = ENT .. ".1", type = "INTEGER", value = 1 } end)
    assert.has_error(function() a:scalar { oid = "1.3.6.1.2.1.1.1", type = "INTEGER", value = 1 } end)
  end)
end)

describe("agent: Lua tables", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  local function walk(root, opts)
    local out, cur = {}, root
    while true do
      local p = getnext(a, { cur }, opts or { version = 1 })
      local vb = p.varbinds[1]
      if vb.type == "endOfMibView" or vb.oid:sub(1, #root + 1) ~= root .. "." then break end
      out[#out + 1] = vb
      cur = vb.oid
    end
    return out
  end

  it("integer index, sparse rows: holes are skipped, GET of a hole is noSuchInstance", function()
    a:table { oid = ENT .. ".2.1", index = "integer", columns = { [2] = "STRING", [3] = "Counter32" },
      rows = { [10] = { [2] = "ten", [3] = 100 }, [2] = { [2] = "two" }, [7] = { [3] = 70 } } }
    local got = {}
    for _, vb in ipairs(walk(ENT .. ".2.1")) do got[#got + 1] = vb.oid:sub(#ENT + 6) .. "=" .. tostring(vb.value) end
    assert.same({ "2.2=two", "2.10=ten", "3.7=70", "3.10=100" }, got)
    assert.equal("noSuchInstance", get(a, { ENT .. ".2.1.3.2" }, { version = 1 }).varbinds[1].type)
    assert.equal("noSuchInstance", get(a, { ENT .. ".2.1.9.2" }, { version = 1 }).varbinds[1].type)
  end)

  it("string index (length-prefixed) and IMPLIED string index", function()
    a:table { oid = ENT .. ".3.1", index = "string", columns = { [2] = "INTEGER" },
      rows = { ab = { [2] = 1 }, b = { [2] = 2 }, abc = { [2] = 3 } } }
    a:table { oid = ENT .. ".4.1", index = "implied string", columns = { [2] = "INTEGER" },
      rows = { ab = { [2] = 1 }, b = { [2] = 2 }, abc = { [2] = 3 } } }
    local s = walk(ENT .. ".3.1")
    assert.equal(ENT .. ".3.1.2.1.98", s[1].oid)
    assert.equal(ENT .. ".3.1.2.2.97.98", s[2].oid)
    assert.equal(ENT .. ".3.1.2.3.97.98.99", s[3].oid)
    local i = walk(ENT .. ".4.1")
    assert.equal(ENT .. ".4.1.2.97.98", i[1].oid)
    assert.equal(ENT .. ".4.1.2.97.98.99", i[2].oid)
    assert.equal(ENT .. ".4.1.2.98", i[3].oid)
    assert.equal(3, get(a, { ENT .. ".4.1.2.97.98.99" }).varbinds[1].value)
    assert.equal(1, get(a, { ENT .. ".3.1.2.2.97.98" }).varbinds[1].value)
  end)

  it("OID, IpAddress and two-part indexes; rows from an iterator", function()
    a:table { oid = ENT .. ".5.1", index = { "ipaddress", "integer" }, columns = { [3] = "STRING" },
      rows = function()
        local list = { { index = { "10.0.0.2", 1 }, [3] = "b" }, { index = { "10.0.0.1", 9 }, [3] = "a" } }
        local i = 0
        return function() i = i + 1 return list[i] end
      end }
    a:table { oid = ENT .. ".6.1", index = "oid", columns = { [2] = "INTEGER" },
      rows = { { index = "1.3.6", [2] = 1 }, { index = "1.3", [2] = 2 } } }
    local r = walk(ENT .. ".5.1")
    assert.equal(ENT .. ".5.1.3.10.0.0.1.9", r[1].oid)
    assert.equal(ENT .. ".5.1.3.10.0.0.2.1", r[2].oid)
    local o = walk(ENT .. ".6.1")
    assert.equal(ENT .. ".6.1.2.2.1.3", o[1].oid)
    assert.equal(ENT .. ".6.1.2.3.1.3.6", o[2].oid)
  end)

  it("a fixed-length string index has no length arc", function()
    a:table { oid = ENT .. ".7.1", index = { { type = "string", length = 2 } }, columns = { [2] = "INTEGER" },
      rows = { ab = { [2] = 1 } } }
    assert.equal(ENT .. ".7.1.2.97.98", walk(ENT .. ".7.1")[1].oid)
    assert.equal(1, get(a, { ENT .. ".7.1.2.97.98" }).varbinds[1].value)
  end)

  it("rows change while the agent serves", function()
    local rows = { [1] = { [2] = "one" } }
    a:table { oid = ENT .. ".2.1", columns = { [2] = "STRING" }, rows = rows }
    assert.equal(1, #walk(ENT .. ".2.1"))
    rows[2] = { [2] = "two" }
    assert.equal(2, #walk(ENT .. ".2.1"))
  end)

  it("a writable column: SET changes the row, wrongType and noCreation refused", function()
    local rows = { [1] = { [2] = "one" } }
    a:table { oid = ENT .. ".2.1", columns = { [2] = { type = "STRING", access = "rw" } }, rows = rows }
    assert.equal(0, set(a, { { oid = ENT .. ".2.1.2.1", type = "STRING", value = "uno" } }, { version = 1 }).error_status)
    assert.equal("uno", rows[1][2])
    assert.equal(7, set(a, { { oid = ENT .. ".2.1.2.1", type = "INTEGER", value = 1 } }, { version = 1 }).error_status)
    assert.equal(11, set(a, { { oid = ENT .. ".2.1.2.5", type = "STRING", value = "x" } }, { version = 1 }).error_status)
  end)

  it("a cell of the wrong type is genErr, logged once", function()
    local lines, restore = capture_logs()
    a:table { oid = ENT .. ".2.1", columns = { [2] = "INTEGER" }, rows = { [1] = { [2] = "x" } } }
    assert.equal(5, get(a, { ENT .. ".2.1.2.1" }, { version = 1 }).error_status)
    assert.equal(5, getnext(a, { ENT .. ".2.1" }, { version = 1 }).error_status)
    restore()
    assert.equal(1, #lines)
  end)
end)

describe("agent: lifetime", function()
  it("an agent nobody references keeps serving until closed", function()
    local port = mw.core.free_udp_port()
    local weak = setmetatable({}, { __mode = "v" })
    weak[1] = mw.agent { listen = "udp:127.0.0.1:" .. port, communities = { "public" } }
    weak[1]:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 3 }
    collectgarbage()
    collectgarbage()
    assert.is_table(weak[1])
    local vbs = mw.run(function()
      local s = mw.session { peer = "127.0.0.1:" .. port, version = "2c", timeout = 0.5, retries = 1 }
      local r = s:get { ENT .. ".1.1.0" }
      weak[1]:close()
      return r
    end)
    assert.is_table(vbs)
    assert.equal(3, vbs[1].value)
  end)
end)

describe("agent: subtree handlers", function()
  it("get/next functions serve a dynamic subtree", function()
    local a = new_agent()
    local data = { 5, 6, 7 }
    a:subtree { oid = ENT .. ".9",
      get = function(s) local v = #s == 1 and data[s[1]] return v and mw.Integer32(v) end,
      next = function(s)
        local i = s and s[1] + 1 or 1
        if #(s or {}) > 1 then i = s[1] + 1 end
        if data[i] then return { i }, mw.Integer32(data[i]) end
      end }
    assert.equal(6, get(a, { ENT .. ".9.2" }).varbinds[1].value)
    assert.equal("noSuchInstance", get(a, { ENT .. ".9.4" }, { version = 1 }).varbinds[1].type)
    local p = getnext(a, { ENT .. ".9", ENT .. ".9.1", ENT .. ".9.3" }, { version = 1 })
    assert.equal(ENT .. ".9.1", p.varbinds[1].oid)
    assert.equal(ENT .. ".9.2", p.varbinds[2].oid)
    assert.equal("1.3.6.1.6.3.1.1.6.1.0", p.varbinds[3].oid)
    a:close()
  end)

  it("set, check and undo through a subtree handler", function()
    local a = new_agent()
    local data = { 5, 6 }
    a:subtree { oid = ENT .. ".9",
      get = function(s) local v = #s == 1 and data[s[1]] return v and mw.Integer32(v) end,
      next = function(s)
        local i = s and s[1] + 1 or 1
        if data[i] then return { i }, mw.Integer32(data[i]) end
      end,
      check = function(s, v) if not data[s[1]] then return "noCreation" end return v < 100 end,
      set = function(s, v) if v == 13 then return false end data[s[1]] = v return true end }
    assert.equal(0, set(a, { { oid = ENT .. ".9.1", type = "INTEGER", value = 50 } }, { version = 1 }).error_status)
    assert.equal(50, data[1])
    assert.equal(10, set(a, { { oid = ENT .. ".9.1", type = "INTEGER", value = 500 } }, { version = 1 }).error_status)
    assert.equal(11, set(a, { { oid = ENT .. ".9.7", type = "INTEGER", value = 1 } }, { version = 1 }).error_status)
    -- the second varbind fails to commit: the first is put back
    local p = set(a, { { oid = ENT .. ".9.1", type = "INTEGER", value = 60 },
      { oid = ENT .. ".9.2", type = "INTEGER", value = 13 } }, { version = 1 })
    assert.equal(14, p.error_status)
    assert.equal(2, p.error_index)
    assert.same({ 50, 6 }, data)
    a:close()
  end)

  it("table columns computed by a get function", function()
    local a = new_agent()
    a:table { oid = ENT .. ".2.1", columns = { [2] = { type = "Gauge32", get = function(row, idx) return row.n * idx end } },
      rows = { [3] = { n = 7 } } }
    assert.equal(21, get(a, { ENT .. ".2.1.2.3" }).varbinds[1].value)
    a:close()
  end)

  it("a handler whose next does not increase is genErr, not a loop", function()
    local lines, restore = capture_logs()
    local a = new_agent()
    a:subtree { oid = ENT .. ".9", get = function() return nil end,
      next = function() return { 1 }, mw.Integer32(1) end }
    local p = getnext(a, { ENT .. ".9.1" }, { version = 1 })
    restore()
    assert.equal(5, p.error_status)
    a:close()
  end)
end)

describe("agent: access control", function()
  it("views hide excluded subtrees from GET and GETNEXT", function()
    local a = new_agent { views = { sys = { include = { "1.3.6.1.2.1.1" }, exclude = { "1.3.6.1.2.1.1.5" } } },
      communities = { { name = "public", access = "ro", view = "sys" }, { name = "all", access = "ro" } } }
    local p = get(a, { SYSDESCR, SYSNAME, "1.3.6.1.2.1.11.1.0" }, { version = 1 })
    assert.equal("STRING", p.varbinds[1].type)
    assert.equal("noSuchObject", p.varbinds[2].type)
    assert.equal("noSuchObject", p.varbinds[3].type)
    p = getnext(a, { "1.3.6.1.2.1.1.4.0", "1.3.6.1.2.1.1.9.1.4.4" }, { version = 1 })
    assert.equal("1.3.6.1.2.1.1.6.0", p.varbinds[1].oid)
    assert.equal("endOfMibView", p.varbinds[2].type)
    p = get(a, { SYSNAME }, { version = 1, community = "all" })
    assert.equal("STRING", p.varbinds[1].type)
    a:close()
  end)

  it("refuses to start with no community and no user", function()
    assert.has_error(function() mw.agent { listen = "udp:127.0.0.1:0" } end,
      "agent: no community and no user configured: nobody could query it (give communities (-c / --rwcommunity) or users (--user / --rwuser))")
  end)
end)

describe("agent: robustness", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  it("malformed packets are dropped and counted in snmpInASNParseErrs", function()
    local good = mw.encode { version = 1, community = "public", pdu = { type = "get", request_id = 1,
      varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    local bad = { "", "\48", "\48\3\2\1", good:sub(1, #good - 3), good .. "\0\0", "\4\2ab",
      good:sub(1, 1) .. "\x84\xff\xff\xff\xff" .. good:sub(3) }
    for _, b in ipairs(bad) do assert.is_nil(a:process(b)) end
    assert.equal(#bad, a:stats().snmpInASNParseErrs)
    assert.is_string(a:process(good))
  end)

  it("a wrong community is counted in snmpInBadCommunityNames and not answered", function()
    assert.is_nil(get(a, { SYSDESCR }, { version = 1, community = "wrong" }))
    assert.equal(1, a:stats().snmpInBadCommunityNames)
    local p = get(a, { "1.3.6.1.2.1.11.4.0", "1.3.6.1.2.1.11.1.0" }, { version = 1 })
    assert.equal(1, p.varbinds[1].value)
    assert.equal(2, p.varbinds[2].value)
  end)

  it("an unknown version is counted in snmpInBadVersions", function()
    local raw = mw.encode { version = 1, community = "public", pdu = { type = "get", request_id = 1,
      varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    raw = raw:sub(1, 4) .. "\7" .. raw:sub(6)
    assert.is_nil(a:process(raw))
    assert.equal(1, a:stats().snmpInBadVersions)
  end)

  it("responses, traps and reports sent to the agent are dropped", function()
    for _, t in ipairs { "response", "trap", "report" } do
      local raw = mw.encode { version = 1, community = "public", pdu = { type = t, request_id = 1, varbinds = {} } }
      assert.is_nil(a:process(raw))
    end
    assert.equal(0, a:stats().snmpOutPkts)
  end)
end)

describe("agent: state directory", function()
  it("keeps the engine ID, counts boots and persists set values", function()
    local dir = os.tmpname()
    os.remove(dir)
    local a = new_agent { state = dir }
    local eid, boots = a:engine()
    assert.equal(1, boots)
    assert.equal(0, set(a, { { oid = "1.3.6.1.2.1.1.6.0", type = "STRING", value = "rack 7" } }, { version = 1 }).error_status)
    a:close()
    local b = new_agent { state = dir }
    local eid2, boots2 = b:engine()
    assert.equal(eid, eid2)
    assert.equal(2, boots2)
    assert.equal("rack 7", get(b, { "1.3.6.1.2.1.1.6.0" }).varbinds[1].value)
    assert.equal(2, get(b, { "1.3.6.1.6.3.10.2.1.2.0" }).varbinds[1].value)
    b:close()
    local c = new_agent { state = dir, engine_id = "8000000001020304" }
    assert.equal("8000000001020304", (c:engine()))
    c:close()
    os.execute("rm -rf " .. dir)
  end)
end)

describe("agent: SNMPv3 (USM reports)", function()
  local c = mw.core
  local a, eid, boots
  before_each(function()
    a = new_agent { communities = {}, users = { { name = "u", auth = "SHA", auth_pass = "authpass123",
      priv = "AES", priv_pass = "privpass123" } } }
    local hex
    hex, boots = a:engine()
    eid = mw.fromhex(hex)
  end)
  after_each(function() a:close() end)

  local function msg(fields)
    local m = { version = 3, msg_id = 9, msg_flags = 4, engine_id = "", user = "", context_engine_id = "",
      pdu = { type = "get", request_id = 31, varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    for k, v in pairs(fields) do m[k] = v end
    return m
  end

  local function signed(m, pass)
    local keys = assert(c.usm_keys("SHA", "AES", pass or "authpass123", "privpass123", eid))
    local raw, off = assert(mw.encode(m))
    return assert(c.usm_sign("SHA", keys.auth_key, raw, off))
  end

  local function report(out)
    local m = assert(mw.decode(out))
    assert.equal("report", m.pdu.type)
    return m, m.pdu.varbinds[1]
  end

  it("discovery: an empty engine ID gets usmStatsUnknownEngineIDs with our engine ID, boots and time", function()
    local m, vb = report(a:process(mw.encode(msg {})))
    assert.equal("1.3.6.1.6.3.15.1.1.4.0", vb.oid)
    assert.equal(1, vb.value)
    assert.equal(eid, m.engine_id)
    assert.equal(boots, m.engine_boots)
    assert.equal(9, m.msg_id)
    assert.equal(31, m.pdu.request_id)
    assert.equal(0, m.msg_flags)
  end)

  it("no report when the reportable flag is clear", function()
    assert.is_nil(a:process(mw.encode(msg { msg_flags = 0 })))
    assert.equal(1, a:stats().usmStatsUnknownEngineIDs)
  end)

  it("unknown user, then a level the user cannot give", function()
    local _, vb = report(a:process(mw.encode(msg { engine_id = eid, user = "who" })))
    assert.equal("1.3.6.1.6.3.15.1.1.3.0", vb.oid)
    local b = new_agent { communities = {}, users = { { name = "plain" } } }
    local raw = mw.encode(msg { engine_id = select(1, mw.fromhex((b:engine()))), user = "plain", msg_flags = 5, auth_params_len = 12 })
    _, vb = report(b:process(raw))
    assert.equal("1.3.6.1.6.3.15.1.1.1.0", vb.oid)
    b:close()
  end)

  it("a wrong digest gets usmStatsWrongDigests", function()
    local raw = signed(msg { engine_id = eid, user = "u", msg_flags = 5, engine_boots = boots, engine_time = 0, auth_params_len = 12 }, "wrongpass123")
    local _, vb = report(a:process(raw))
    assert.equal("1.3.6.1.6.3.15.1.1.5.0", vb.oid)
    assert.equal(1, a:stats().usmStatsWrongDigests)
  end)

  it("outside the time window: a signed usmStatsNotInTimeWindows report with the right time", function()
    local raw = signed(msg { engine_id = eid, user = "u", msg_flags = 5, engine_boots = boots, engine_time = 5000, auth_params_len = 12 })
    local m, vb = report(a:process(raw))
    assert.equal("1.3.6.1.6.3.15.1.1.2.0", vb.oid)
    assert.equal(1, m.msg_flags)
    assert.is_true(m.engine_time < 10)
    raw = signed(msg { engine_id = eid, user = "u", msg_flags = 5, engine_boots = boots + 1, engine_time = 0, auth_params_len = 12 })
    _, vb = report(a:process(raw))
    assert.equal("1.3.6.1.6.3.15.1.1.2.0", vb.oid)
  end)

  it("an authenticated request in time gets a signed response (the user requires privacy: authorizationError)", function()
    local raw = signed(msg { engine_id = eid, user = "u", msg_flags = 5, engine_boots = boots, engine_time = 0, auth_params_len = 12 })
    local m = assert(mw.decode(a:process(raw)))
    assert.equal("response", m.pdu.type)
    assert.equal(16, m.pdu.error_status)
    assert.equal(1, m.msg_flags)
  end)

  it("ciphertext that does not decrypt gets usmStatsDecryptionErrors", function()
    local raw = signed(msg { engine_id = eid, user = "u", msg_flags = 7, engine_boots = boots, engine_time = 0,
      auth_params_len = 12, priv_params = "\0\0\0\0\0\0\0\1", encrypted = string.rep("\x55", 48) })
    local _, vb = report(a:process(raw))
    assert.equal("1.3.6.1.6.3.15.1.1.6.0", vb.oid)
  end)

  it("a context name gets snmpUnknownContexts.0, another context engine ID snmpUnknownPDUHandlers.0 (found by fuzz_agent)", function()
    -- the report's OID was built from 10 arcs of the 9-arc snmpUnknownContexts
    local b = new_agent { communities = {}, users = { { name = "nouser" } } }
    local beid = mw.fromhex((b:engine()))
    local base = { engine_id = beid, user = "nouser", context_engine_id = beid }
    local function with(f) local t = {} for k, v in pairs(base) do t[k] = v end for k, v in pairs(f) do t[k] = v end return msg(t) end
    local _, vb = report(b:process(mw.encode(with { context_name = "vrf-9" })))
    assert.equal("1.3.6.1.6.3.12.1.5.0", vb.oid)
    assert.equal(1, vb.value)
    _, vb = report(b:process(mw.encode(with { context_engine_id = "\128\0\0\0\1other" })))
    assert.equal("1.3.6.1.6.3.11.2.1.3.0", vb.oid)
    b:close()
  end)

  it("priv without auth is an invalid message (snmpInvalidMsgs), dropped", function()
    assert.is_nil(a:process(mw.encode(msg { engine_id = eid, user = "u", msg_flags = 6 })))
    assert.equal(1, a:stats().snmpInvalidMsgs)
  end)
end)

describe("agent: SNMPv3 with every auth and priv protocol the manager supports", function()
  local c = mw.core
  -- BER length octets
  local function blen(n)
    if n < 128 then return string.char(n) end
    if n < 256 then return "\x81" .. string.char(n) end
    return "\x82" .. string.pack(">I2", n)
  end
  -- a plaintext scopedPDU for a GET of sysDescr.0
  local function scoped(eid, reqid)
    local v2 = mw.encode { version = 1, community = "", pdu = { type = "get", request_id = reqid,
      varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
    local pdu = v2:sub(8) -- 30 LL 02 01 01 04 00, then the PDU
    local body = "\x04" .. blen(#eid) .. eid .. "\x04\x00" .. pdu
    return "\x30" .. blen(#body) .. body
  end

  it("answers a GET at authPriv for each auth and priv pair, and at authNoPriv for each auth", function()
    local users = {}
    for _, au in ipairs(c.usm_auth_names()) do
      users[#users + 1] = { name = "a" .. au, auth = au, auth_pass = "authpass123", level = "authNoPriv" }
      for _, pr in ipairs(c.usm_priv_names()) do
        users[#users + 1] = { name = au .. "/" .. pr, auth = au, auth_pass = "authpass123", priv = pr, priv_pass = "privpass123" }
      end
    end
    local a = new_agent { communities = {}, users = users }
    local hex, boots = a:engine()
    local eid = mw.fromhex(hex)
    for i, u in ipairs(users) do
      local keys = assert(c.usm_keys(u.auth, u.priv or "NONE", u.auth_pass, u.priv_pass, eid))
      local maclen = c.usm_auth_info(u.auth).mac_len
      local m = { version = 3, msg_id = i, msg_flags = 5, engine_id = eid, engine_boots = boots, engine_time = 1,
        user = u.name, auth_params_len = maclen, context_engine_id = eid,
        pdu = { type = "get", request_id = 1000 + i, varbinds = { { oid = SYSDESCR, type = "NULL" } } } }
      if u.priv then
        local enc, pp = assert(c.usm_encrypt(u.priv, keys.priv_key, boots, 1, scoped(eid, 1000 + i)))
        m.msg_flags, m.encrypted, m.priv_params, m.pdu = 7, enc, pp, nil
      end
      local raw, off = assert(mw.encode(m))
      local out = a:process(assert(c.usm_sign(u.auth, keys.auth_key, raw, off)))
      assert.is_string(out, u.name)
      local r = assert(mw.decode(out))
      assert.is_true(c.usm_verify(u.auth, keys.auth_key, out, r.auth_params_off), u.name)
      local s = r
      if u.priv then
        assert.equal(7 & 3, r.msg_flags & 3, u.name)
        local plain = assert(c.usm_decrypt(u.priv, keys.priv_key, r.engine_boots, r.engine_time, r.priv_params, r.encrypted))
        s = assert(c.decode_scoped(plain))
      end
      assert.equal("response", s.pdu.type, u.name)
      assert.equal(1000 + i, s.pdu.request_id, u.name)
      assert.equal(0, s.pdu.error_status, u.name)
      assert.matches("^moonwalk", s.pdu.varbinds[1].value, nil, u.name)
    end
    a:close()
  end)
end)

describe("agent: mutated packets", function()
  it("20000 mutations of valid requests: dropped or answered, never a crash", function()
    local a = new_agent { users = { { name = "n" } }, communities = { public = "ro", private = "rw" } }
    local rows = {}
    for i = 1, 20 do rows[i] = { [2] = "r" .. i } end
    a:table { oid = ENT .. ".2.1", columns = { [2] = { type = "STRING", access = "rw" } }, rows = rows }
    local eid = mw.fromhex((a:engine()))
    local seeds = {
      mw.encode { version = 0, community = "public", pdu = { type = "get", request_id = 1, varbinds = { { oid = SYSDESCR, type = "NULL" } } } },
      mw.encode { version = 1, community = "public", pdu = { type = "getbulk", request_id = 2, non_repeaters = 1, max_repetitions = 5,
        varbinds = { { oid = "1.3.6.1.2.1.1", type = "NULL" }, { oid = ENT, type = "NULL" } } } },
      mw.encode { version = 1, community = "private", pdu = { type = "set", request_id = 3,
        varbinds = { { oid = ENT .. ".2.1.2.3", type = "STRING", value = "x" }, { oid = SYSNAME, type = "STRING", value = "y" } } } },
      mw.encode { version = 3, msg_id = 4, msg_flags = 4, engine_id = "", user = "", context_engine_id = "",
        pdu = { type = "get", request_id = 4, varbinds = {} } },
      mw.encode { version = 3, msg_id = 5, msg_flags = 4, engine_id = eid, user = "n", context_engine_id = eid,
        pdu = { type = "getnext", request_id = 5, varbinds = { { oid = ENT, type = "NULL" } } } },
    }
    math.randomseed(20261121)
    local answered, dropped = 0, 0
    for i = 1, 20000 do
      local p = seeds[i % #seeds + 1]
      local n = math.random(1, 4)
      for _ = 1, n do
        local pos = math.random(1, #p)
        local op = math.random(1, 4)
        if op == 1 then p = p:sub(1, pos - 1) .. string.char(math.random(0, 255)) .. p:sub(pos + 1)
        elseif op == 2 then p = p:sub(1, pos)
        elseif op == 3 then p = p:sub(1, pos) .. string.char(math.random(0, 255)) .. p:sub(pos + 1)
        else p = p:sub(1, pos - 1) .. p:sub(pos + 1) end
        if #p == 0 then p = "\48" end
      end
      local out = a:process(p)
      if out then
        answered = answered + 1
        assert.is_table(mw.decode(out))
      else
        dropped = dropped + 1
      end
    end
    local st = a:stats()
    assert.equal(20000, st.snmpInPkts)
    assert.is_true(dropped > 1000 and answered > 100, dropped .. " dropped, " .. answered .. " answered")
    assert.equal(0, get(a, { SYSDESCR }).error_status)
    a:close()
  end)
end)

describe("agent: SNMPv3 GETBULK trimming", function()
  it("the response fits the msgMaxSize the manager sent", function()
    local a = new_agent { communities = {}, users = { { name = "n" } } }
    local rows = {}
    for i = 1, 200 do rows[i] = { [2] = string.rep("z", 20) } end
    a:table { oid = ENT .. ".2.1", columns = { [2] = "STRING" }, rows = rows }
    local hex, boots = a:engine()
    local eid = mw.fromhex(hex)
    local raw = mw.encode { version = 3, msg_id = 8, msg_flags = 4, msg_max_size = 484, engine_id = eid,
      engine_boots = boots, user = "n", context_engine_id = eid,
      pdu = { type = "getbulk", request_id = 8, non_repeaters = 0, max_repetitions = 100, varbinds = { { oid = ENT .. ".2.1.2", type = "NULL" } } } }
    local out = assert(a:process(raw))
    assert.is_true(#out <= 484, #out)
    local m = assert(mw.decode(out))
    assert.equal("response", m.pdu.type)
    assert.equal(0, m.pdu.error_status)
    assert.is_true(#m.pdu.varbinds >= 5, #m.pdu.varbinds)
    a:close()
  end)
end)
