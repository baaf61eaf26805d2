-- The manager's walk rules (src/app/manager.c, through the session binding):
-- one named case per rule, against a responder written for the test that
-- serves a small MIB and can be told to misbehave. Each case also says
-- what net-snmp's snmpwalk does in the same situation.
local mw = require "moonwalk"
local core = mw.core

-- the MIB the responder serves, in order
local MIB = {}
for i = 1, 10 do MIB[#MIB + 1] = { oid = "1.3.6.1.4.1.9999.1." .. i, value = i } end
for i = 1, 3 do MIB[#MIB + 1] = { oid = "1.3.6.1.4.1.9999.2." .. i, value = 100 + i } end

local responder, port, log, handler

local function after(name)
  local o = core.oid(name)
  for i, e in ipairs(MIB) do
    if core.oid(e.oid) > o then return i end
  end
end

local function response(msg, varbinds, fields)
  return mw.encode { version = msg.version, community = msg.community, pdu = {
    type = "response", request_id = msg.pdu.request_id,
    error_status = fields and fields.error_status or 0, error_index = fields and fields.error_index or 0,
    varbinds = varbinds } }
end

-- GETNEXT and GETBULK over MIB; past the end: endOfMibView (v2c) or
-- noSuchName (v1), as snmpd answers
local function standard(msg)
  local from = msg.pdu.varbinds[1].oid
  local count = msg.pdu.type == "getbulk" and msg.pdu.max_repetitions or 1
  local i, out = after(from), {}
  for _ = 1, count do
    local e = i and MIB[i]
    if not e then
      if msg.version == 0 then
        return response(msg, msg.pdu.varbinds, { error_status = 2, error_index = 1 })
      end
      out[#out + 1] = { oid = from, type = "endOfMibView" }
      break
    end
    out[#out + 1] = { oid = e.oid, type = "INTEGER", value = e.value }
    from, i = e.oid, i + 1
  end
  return response(msg, out)
end

-- the responder: answers with handler(msg), else as standard() does
local function open_responder()
  core.engine_init()
  responder = assert(core.udp_open("127.0.0.1:0", function(data, from)
    local msg = mw.decode(data)
    if not msg then return end
    log[#log + 1] = msg
    local out = (handler or standard)(msg)
    if out then responder:send(from, out) end
  end))
  port = responder:port()
end

local function session(extra)
  local o = { peer = "127.0.0.1:" .. port, version = "2c", timeout = 0.2, retries = 0 }
  for k, v in pairs(extra or {}) do o[k] = v end
  return mw.session(o)
end

-- every varbind of a walk, and the error it ended with (the iterator
-- called directly: nil, err)
local function walk(it)
  local got = {}
  while true do
    local vb, err = it()
    if vb == nil then return got, err end
    got[#got + 1] = vb.oid
  end
end

local function subtree(n, k)
  local out = {}
  for i = 1, k do out[i] = "1.3.6.1.4.1.9999." .. n .. "." .. i end
  return out
end

describe("manager walk rules", function()
  setup(open_responder)
  teardown(function() responder:close() end)
  before_each(function() log, handler = {}, nil end)

  it("subtree end: the first name outside the subtree ends the walk and is not delivered", function()
    mw.run(function()
      local got, err = walk(session():walk "1.3.6.1.4.1.9999.1")
      assert.is_nil(err)
      assert.same(subtree(1, 10), got)
      -- 10 names, then the GETNEXT that answered 9999.2.1
      assert.equal(11, #log)
      -- a GETBULK response that crosses the end: the rest is dropped too
      log = {}
      got, err = walk(session():bulkwalk("1.3.6.1.4.1.9999.1", { max_repetitions = 4 }))
      assert.is_nil(err)
      assert.same(subtree(1, 10), got)
      assert.equal(3, #log)
    end)
  end)

  it("end_oid (snmpwalk -CE): names at or after it end the walk, inside the subtree or past it", function()
    mw.run(function()
      -- inside the subtree: 9999.1.1 .. 9999.1.4, the name 9999.1.5 ends it
      local got, err = walk(session():walk("1.3.6.1.4.1.9999.1", { end_oid = "1.3.6.1.4.1.9999.1.5" }))
      assert.is_nil(err)
      assert.same({ "1.3.6.1.4.1.9999.1.1", "1.3.6.1.4.1.9999.1.2", "1.3.6.1.4.1.9999.1.3",
                    "1.3.6.1.4.1.9999.1.4" }, got)
      -- past the subtree: the walk goes on into 9999.2 up to the end name
      got, err = walk(session():walk("1.3.6.1.4.1.9999.1.9", { end_oid = "1.3.6.1.4.1.9999.2.3" }))
      assert.is_nil(err)
      assert.same({ "1.3.6.1.4.1.9999.1.10", "1.3.6.1.4.1.9999.2.1", "1.3.6.1.4.1.9999.2.2" }, got)
      -- GETBULK: a response that crosses the end name is cut there
      log = {}
      got, err = walk(session():bulkwalk("1.3.6.1.4.1.9999.1", { max_repetitions = 4, end_oid = "1.3.6.1.4.1.9999.1.6" }))
      assert.is_nil(err)
      assert.same({ "1.3.6.1.4.1.9999.1.1", "1.3.6.1.4.1.9999.1.2", "1.3.6.1.4.1.9999.1.3",
                    "1.3.6.1.4.1.9999.1.4", "1.3.6.1.4.1.9999.1.5" }, got)
      assert.equal(2, #log)
    end)
  end)

  it("endOfMibView ends the walk; it is delivered only with exceptions = true", function()
    mw.run(function()
      local got, err = walk(session():walk "1.3.6.1.4.1.9999.2")
      assert.is_nil(err)
      assert.same(subtree(2, 3), got)
      local types = {}
      for vb, e in session():bulkwalk("1.3.6.1.4.1.9999.2", { exceptions = true }) do
        assert.is_not_false(vb, e)
        types[#types + 1] = vb.type
      end
      assert.same({ "INTEGER", "INTEGER", "INTEGER", "endOfMibView" }, types)
    end)
  end)

  it("SNMPv1 noSuchName past the last object ends the walk without an error", function()
    mw.run(function()
      local opts = {}
      local got, err = walk(session({ version = "1" }):walk("1.3.6.1.4.1.9999.2", opts))
      assert.is_nil(err)
      assert.same(subtree(2, 3), got)
      assert.is_true(opts.end_of_mib)
      -- on SNMPv2c the same answer is an error, as snmpwalk reports it
      handler = function(msg) return response(msg, msg.pdu.varbinds, { error_status = 2, error_index = 1 }) end
      got, err = walk(session():walk "1.3.6.1.4.1.9999.2")
      assert.same({}, got)
      assert.equal("status", err.kind)
      assert.equal("noSuchName", err.status)
    end)
  end)

  it("a name that does not increase ends the walk with net-snmp's error, after it is delivered", function()
    handler = function(msg)
      -- the second GETBULK answer goes back after its first name
      if msg.pdu.varbinds[1].oid ~= "1.3.6.1.4.1.9999.1.3" then return standard(msg) end
      return response(msg, {
        { oid = "1.3.6.1.4.1.9999.1.4", type = "INTEGER", value = 4 },
        { oid = "1.3.6.1.4.1.9999.1.2", type = "INTEGER", value = 2 },
        { oid = "1.3.6.1.4.1.9999.1.5", type = "INTEGER", value = 5 } })
    end
    mw.run(function()
      local got, err = walk(session():bulkwalk("1.3.6.1.4.1.9999.1", { max_repetitions = 3 }))
      -- the whole response is delivered, as snmpbulkwalk prints it
      local want = subtree(1, 4)
      want[5], want[6] = "1.3.6.1.4.1.9999.1.2", "1.3.6.1.4.1.9999.1.5"
      assert.same(want, got)
      assert.equal("notincreasing", err.kind)
      -- snmpbulkwalk compares each name with the request's:
      -- "Error: OID not increasing: <request's name> >= <offender>"
      assert.equal("OID not increasing: 1.3.6.1.4.1.9999.1.3 >= 1.3.6.1.4.1.9999.1.2", err.message)
      assert.equal("1.3.6.1.4.1.9999.1.3", err.previous)
      assert.equal("1.3.6.1.4.1.9999.1.2", err.oid)
      assert.equal(2, #log)
    end)
  end)

  it("a Report or an error-status other than v1 noSuchName fails the walk with the status", function()
    handler = function(msg) return response(msg, msg.pdu.varbinds, { error_status = 5, error_index = 1 }) end
    mw.run(function()
      local got, err = walk(session({ version = "1" }):walk "1.3.6.1.4.1.9999.1")
      assert.same({}, got)
      assert.equal("status", err.kind)
      assert.equal("genErr", err.status)
    end)
  end)
end)

describe("walk results", function()
  setup(open_responder)
  teardown(function() responder:close() end)
  before_each(function() log, handler = {}, nil end)

  it("a failed walk's iterator, called directly, gives nil, err, then ends; walk_all gives nil, err", function()
    handler = function(msg)
      -- the first request is answered, then silence
      if #log == 1 then return standard(msg) end
    end
    mw.run(function()
      local it = session():walk "1.3.6.1.4.1.9999.1"
      local vb = it()
      assert.equal("1.3.6.1.4.1.9999.1.1", vb.oid)
      local v, err = it()
      assert.is_nil(v)
      assert.equal("timeout", err.kind)
      assert.equal(require("moonwalk.session").Error, getmetatable(err))
      assert.is_nil(it())
      log = {}
      local vbs, err2 = session():walk_all("1.3.6.1.4.1.9999.1", { bulk = false })
      assert.is_nil(vbs)
      assert.equal("timeout", err2.kind)
      assert.same({ { oid = "1.3.6.1.4.1.9999.1.1", type = "INTEGER", value = 1 } },
        { { oid = err2.varbinds[1].oid, type = err2.varbinds[1].type, value = err2.varbinds[1].value } })
    end)
  end)

  it("in a for, a failed walk raises its error when the loop would end (nothing ends short in silence)", function()
    for _, mr in ipairs { 0, 3 } do
      log = {}
      handler = function(msg)
        if #log == 1 then return standard(msg) end
      end
      mw.run(function()
        local s = session()
        local got = {}
        local ok, err = pcall(function()
          for vb in s:_walk("1.3.6.1.4.1.9999.1", mr) do got[#got + 1] = vb.oid end
        end)
        assert.is_false(ok)
        assert.equal("timeout", err.kind)
        assert.equal(require("moonwalk.session").Error, getmetatable(err))
        assert.same(mr == 0 and { "1.3.6.1.4.1.9999.1.1" } or { "1.3.6.1.4.1.9999.1.1", "1.3.6.1.4.1.9999.1.2",
          "1.3.6.1.4.1.9999.1.3" }, got)
        -- a budget cut too; a walk that ends well raises nothing
        handler = nil
        ok, err = pcall(function()
          for _ in s:_walk("1.3.6.1.4.1.9999.1", mr, { budget = 2 }) do end
        end)
        assert.is_false(ok)
        assert.equal("budget", err.kind)
        local n = 0
        for _ in s:_walk("1.3.6.1.4.1.9999.1", mr) do n = n + 1 end
        assert.equal(10, n)
        -- the loop's state is the walk: its own iterator, called by hand
        -- with other arguments, gives nil, err
        handler = function() end
        local it, walk = s:_walk("1.3.6.1.4.1.9999.1", mr)
        assert.equal("moonwalk.walk", getmetatable(walk).__name)
        local v, e = it(nil, nil)
        assert.is_nil(v)
        assert.equal("timeout", e.kind)
      end)
    end
  end)

  it("budget = n stops the walk after n varbinds with an error of kind budget", function()
    mw.run(function()
      local got, err = walk(session():walk("1.3.6.1.4.1.9999.1", { budget = 4 }))
      assert.same(subtree(1, 4), got)
      assert.equal("budget", err.kind)
      assert.equal(4, err.budget)
      assert.equal("walk stopped after 4 varbinds (budget)", err.message)
      assert.equal(4, #log)
      -- a bulk walk asks for no more than the budget leaves
      log = {}
      got, err = walk(session():bulkwalk("1.3.6.1.4.1.9999.1", { max_repetitions = 3, budget = 5 }))
      assert.same(subtree(1, 5), got)
      assert.equal("budget", err.kind)
      assert.same({ 3, 2 }, { log[1].pdu.max_repetitions, log[2].pdu.max_repetitions })
      -- walk_all hands what it has with the error
      local vbs
      vbs, err = session():walk_all("1.3.6.1.4.1.9999.1", { budget = 2 })
      assert.is_nil(vbs)
      assert.equal("budget", err.kind)
      assert.equal(2, #err.varbinds)
      -- a budget the subtree fits in changes nothing
      got, err = walk(session():bulkwalk("1.3.6.1.4.1.9999.1", { max_repetitions = 20, budget = 100 }))
      assert.is_nil(err)
      assert.same(subtree(1, 10), got)
      -- chunks of output lines count their lines
      local lines = 0
      local it = session():bulkwalk("1.3.6.1.4.1.9999.1", { format = "n", budget = 7 })
      while true do
        local chunk, n = it()
        if chunk == nil then err = n break end
        lines = lines + n
      end
      assert.equal(7, lines)
      assert.equal("budget", err.kind)
      assert.is_nil(it())
    end)
  end)

  it("a bad budget raises before anything is sent", function()
    mw.run(function()
      for _, b in ipairs { 0, -1, 1.5, "3" } do
        assert.has_error(function() session():walk("1.3.6.1.4.1.9999.1", { budget = b }) end)
      end
      assert.equal(0, #log)
    end)
  end)
end)
