-- Hostile requests against `moonwalk agent` next to net-snmp (issue 14):
-- snmpget's view of the unknown-context report, the same crafted packets
-- with over-long INTEGERs sent to snmpd and to moonwalk, and a client that
-- hammers a slow object while another one queries the rest.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local snmpd = require "snmpd"
local support = require "run"

local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local ENT = "1.3.6.1.4.1.99999"

local function sh(cmd)
  local d = os.tmpname()
  local ok, _, code = os.execute(string.format("(MIBS= %s) >%s.out 2>%s.err", cmd, d, d))
  local out, err = support.slurp(d .. ".out"), support.slurp(d .. ".err")
  os.remove(d .. ".out")
  os.remove(d .. ".err")
  os.remove(d)
  return out, err, ok and 0 or code
end

-- Starts `moonwalk agent ARGS [script]` on a free port; waits until it listens.
local function start(args, script)
  local dir = sh("mktemp -d /tmp/moonwalk-hostile.XXXXXX"):gsub("%s+$", "")
  local port = core.free_udp_port()
  local spath = ""
  if script then
    spath = dir .. "/objects.lua"
    support.write(spath, script)
  end
  os.execute(string.format("MOONWALK_LUADIR=%s/lua %s agent --listen udp:127.0.0.1:%d %s %s >%s/log 2>&1 & echo $! >%s/pid",
    ROOT, BIN, port, args, spath, dir, dir))
  local self = { dir = dir, port = port, peer = "127.0.0.1:" .. port,
                 pid = support.slurp(dir .. "/pid"):match("%d+") }
  function self.log() return support.slurp(dir .. "/log") end
  function self.stop() os.execute("kill " .. self.pid .. " 2>/dev/null; sleep 0.05; rm -rf " .. dir) end
  for _ = 1, 200 do
    if self.log():find("listening on", 1, true) then return self end
    os.execute("sleep 0.02")
  end
  self.stop()
  error("agent did not start: " .. self.log())
end

describe("interop: an unknown context name (snmpget -v3 -n)", function()
  -- RFC 3413 3.2 step 5: no response PDU, snmpUnknownContexts counted and
  -- a Report sent. (net-snmp 5.9.3's snmpd counts it and sends nothing,
  -- so snmpget times out there: net-snmp issue #774.)
  local a
  setup(function() a = start("--user nouser") end)
  teardown(function() a.stop() end)

  it("noAuthNoPriv: snmpget reads the snmpUnknownContexts report (1.3.6.1.6.3.12.1.5.0)", function()
    local base = "snmpget -v3 -l noAuthNoPriv -u nouser -t 1 -r 0 -On "
    local _, err, code = sh(base .. "-n vrf-9 " .. a.peer .. " 1.3.6.1.2.1.1.1.0")
    assert.equal(1, code)
    assert.matches("Bad context specified", err, 1, true)
    assert.not_matches("Unknown Report", err, 1, true)
    -- the report's varbind, as snmpget -d dumps it: 06 09 2B 06 01 06 03 0C 01 05 00, Counter32
    local _, dump = sh(base .. "-d -n vrf-10 " .. a.peer .. " 1.3.6.1.2.1.1.1.0")
    -- the bytes of each line of the dump (its first 50 columns after
    -- "NNNN: "): the text column after them split the sequence whenever
    -- snmpget's random message and request IDs moved it across a line
    local bytes = {}
    for row in dump:gmatch("%d%d%d%d: ([^\n]*)") do
      for b in row:sub(1, 50):gmatch("%x%x") do bytes[#bytes + 1] = b end
    end
    local hex = table.concat(bytes, " ")
    assert.matches("06 09 2B 06 01 06 03 0C 01 05 00 41 01 02", hex, 1, true)
    -- counted, and the agent goes on answering in the default context
    local out, err2, code2 = sh(base .. a.peer .. " 1.3.6.1.6.3.12.1.5.0 1.3.6.1.2.1.1.1.0")
    assert.equal(0, code2, err2)
    assert.matches(".1.3.6.1.6.3.12.1.5.0 = Counter32: 2", out, 1, true)
    assert.matches("moonwalk", out, 1, true)
  end)
end)

describe("interop: snmpbulkget against the GETBULK repetition cap", function()
  local ROWS = [[
local rows = {}
for i = 1, 500 do rows[i] = { [2] = "row " .. i } end
agent:table{ oid = "1.3.6.1.4.1.99999.2.1", index = "integer", columns = { [2] = "STRING" }, rows = rows }
]]
  local a, b
  setup(function()
    a = start("-c public", ROWS)
    b = start("-c public --max-repetitions 5", ROWS)
  end)
  teardown(function() a.stop() b.stop() end)

  local function count(peer, cr)
    local out, err, code = sh("snmpbulkget -v2c -c public -t 1 -r 0 -On -Cr" .. cr .. " " .. peer .. " " .. ENT .. ".2.1.2")
    assert.equal(0, code, err)
    return select(2, out:gsub("\n", ""))
  end

  it("-Cr500 gets 100 varbinds by default, --max-repetitions 5 gives 5, and fewer asked are answered in full", function()
    assert.equal(100, count(a.peer, 500))
    assert.equal(5, count(b.peer, 50))
    assert.equal(3, count(b.peer, 3))
  end)

  it("--max-repetitions refuses what is not a number", function()
    local _, err, code = sh(BIN .. " agent --listen udp:127.0.0.1:0 -c public --max-repetitions many")
    assert.equal(1, code)
    assert.matches("--max-repetitions needs a number", err, 1, true)
  end)
end)

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

local function raw_msg(version, community, pdutag, oid, value, reqid)
  local vb = tlv(0x30, ber_oid(oid) .. value)
  local pdu = tlv(pdutag, (reqid or "\2\1\5") .. "\2\1\0\2\1\0" .. tlv(0x30, vb))
  return tlv(0x30, "\2\1" .. string.char(version) .. tlv(4, community) .. pdu)
end

describe("interop: INTEGERs wider than 32 bits, snmpd and moonwalk side by side", function()
  local d, a
  setup(function()
    d = snmpd.start { ipv6 = false }
    core.engine_init()
    a = mw.agent { listen = "udp:127.0.0.1:0", communities = { public = "ro", private = "rw" } }
  end)
  teardown(function()
    if a then a:close() end
    if d then d:cleanup() end
  end)

  -- Sends bytes to each peer; returns the decoded answers (false: none in 1 s).
  local function both(bytes)
    local got = {}
    mw.run(function()
      local sock = assert(core.udp_open("127.0.0.1:0", function(data, from) got[from] = data end))
      local peers = { snmpd = d.agent, moonwalk = a.addresses[1] }
      for _, p in pairs(peers) do sock:send(p, bytes) end
      local t0 = mw.now()
      while (not got[peers.snmpd] or not got[peers.moonwalk]) and mw.now() - t0 < 1 do mw.sleep(0.01) end
      sock:close()
      for k, p in pairs(peers) do
        local m = got[p] and assert(mw.decode(got[p]))
        got[k] = m and { m.pdu.error_status, m.pdu.error_index } or false
      end
    end)
    return got.snmpd, got.moonwalk
  end

  local INT_2_32 = "\2\5\1\0\0\0\0"
  local cases = {
    { "GET, varbind value INTEGER 2^32 (v2c)", 1, "public", 0xa0, "1.3.6.1.2.1.1.1.0", INT_2_32, { 0, 0 } },
    { "GET, varbind value INTEGER 2^32 (v1)", 0, "public", 0xa0, "1.3.6.1.2.1.1.1.0", INT_2_32, { 0, 0 } },
    { "GET, varbind value INTEGER 2^63-1", 1, "public", 0xa0, "1.3.6.1.2.1.1.1.0", "\2\8\x7f\xff\xff\xff\xff\xff\xff\xff", { 0, 0 } },
    { "GET, varbind value Counter32 2^32", 1, "public", 0xa0, "1.3.6.1.2.1.1.1.0", "\x41\5\1\0\0\0\0", { 0, 0 } },
    { "SET snmpSetSerialNo = 2^32: wrongLength", 1, "private", 0xa3, "1.3.6.1.6.3.1.1.6.1.0", INT_2_32, { 8, 1 } },
    { "SET snmpEnableAuthenTraps = 2^32: wrongValue (v2c)", 1, "private", 0xa3, "1.3.6.1.2.1.11.30.0", INT_2_32, { 10, 1 } },
    { "SET snmpEnableAuthenTraps = 2^32: badValue (v1)", 0, "private", 0xa3, "1.3.6.1.2.1.11.30.0", INT_2_32, { 3, 1 } },
    { "SET sysContact (a string) = INTEGER 2^32: wrongType", 1, "private", 0xa3, "1.3.6.1.2.1.1.4.0", INT_2_32, { 7, 1 } },
    { "SET of a name nobody has = INTEGER 2^32: notWritable", 1, "private", 0xa3, ENT .. ".1.0", INT_2_32, { 17, 1 } },
    { "GET, varbind value INTEGER beyond 64 bits: dropped by both", 1, "public", 0xa0, "1.3.6.1.2.1.1.1.0", "\2\9\1\0\0\0\0\0\0\0\0", false },
  }
  for _, c in ipairs(cases) do
    it(c[1], function()
      local s, m = both(raw_msg(c[2], c[3], c[4], c[5], c[6]))
      assert.same(c[7], s, "snmpd")
      assert.same(c[7], m, "moonwalk")
    end)
  end
end)

describe("interop: one client hammering a slow object does not starve the others", function()
  local SCRIPT = [[
local calls = 0
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER",
  get = function() calls = calls + 1 while true do end end }
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.2", type = "INTEGER", get = function() return 42 end }
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.3", type = "Counter32", get = function() return calls end }
]]
  local a
  setup(function() a = start("-c public", SCRIPT) end)
  teardown(function() a.stop() end)

  it("other objects stay answered, and the slow one answers genErr at once after its first stop", function()
    -- The hammer sends a GET of the slow object every 20 ms for 2.5 s and
    -- never waits; meanwhile another client GETs a quick object, each with
    -- a 1 s timeout and no retry. Every one of its GETs must be answered
    -- (a functional check: the bound is generous for a loaded machine).
    local genErrs, sent, asked, answered = 0, 0, 0, 0
    local slow_req = mw.encode { version = 1, community = "public", pdu = { type = "get", request_id = 1,
      varbinds = { { oid = ENT .. ".1.1.0", type = "NULL" } } } }
    local calls
    mw.run(function()
      local sock = assert(core.udp_open("127.0.0.1:0", function(data)
        local m = mw.decode(data)
        if m and m.pdu.error_status == 5 then genErrs = genErrs + 1 end
      end))
      local done = false
      local hammer = mw.spawn(function()
        local t0 = mw.now()
        while mw.now() - t0 < 2.5 do
          sock:send(a.peer, slow_req)
          sent = sent + 1
          mw.sleep(0.02)
        end
        mw.sleep(0.5) -- the last answers
        done = true
      end)
      local s = mw.session { peer = a.peer, version = "2c", community = "public", timeout = 1, retries = 0 }
      mw.sleep(0.2) -- the first slow request runs to the budget
      while not done do
        asked = asked + 1
        local vbs = s:get { ENT .. ".1.2.0" }
        if vbs and vbs[1].value == 42 then answered = answered + 1 end
        mw.sleep(0.05)
      end
      hammer:wait()
      local patient = mw.session { peer = a.peer, version = "2c", community = "public", timeout = 2, retries = 5 }
      local vbs = patient:get { ENT .. ".1.3.0" }
      calls = vbs and vbs[1].value
      sock:close()
    end)
    assert.equal(asked, answered, answered .. " of " .. asked .. " GETs of the quick object answered")
    assert.is_true(asked >= 10, asked)
    -- the slow object ran to its budget at most once per back-off period
    -- (1 s, then 2 s) and every hammer request was answered
    assert.is_true(calls >= 1 and calls <= 3, calls)
    assert.is_true(genErrs >= sent - 2, genErrs .. " genErr of " .. sent)
  end)
end)
