-- net-snmp's tools against `moonwalk agent` running as its own process on
-- 127.0.0.1: walks (v1, v2c, bulk), gets of missing objects, sets and
-- their error messages, GETBULK edge cases, and counters for bad input.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local support = require "run"
local write = support.write

local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local ENT = ".1.3.6.1.4.1.99999"

local function sh(cmd)
  local d = os.tmpname()
  local ok, how, code = os.execute(string.format("(MIBS= %s) >%s.out 2>%s.err", cmd, d, d))
  local function slurp(p) local f = io.open(p) local s = f and f:read("a") or "" if f then f:close() end os.remove(p) return s end
  local out, err = slurp(d .. ".out"), slurp(d .. ".err")
  os.remove(d)
  return out, err, ok and 0 or code
end

local SCRIPT = [[
local mw = require "moonwalk"
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER", get = function() return 42 end }
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.2", type = "STRING", value = "hello", access = "rw" }
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.3", type = "INTEGER", value = 1, access = "rw",
  check = function(v) return v >= 0 and v <= 100 end }
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.4", type = "Counter64", value = 12345678901234 }
local rows = {}
for i = 1, 1000 do rows[i] = { [2] = string.format("interface %04d %s", i, string.rep("x", 24)), [3] = i } end
agent:table{ oid = "1.3.6.1.4.1.99999.2.1", index = "integer",
  columns = { [2] = "STRING", [3] = "Gauge32" }, rows = rows }
agent:table{ oid = "1.3.6.1.4.1.99999.3.1", index = "implied string",
  columns = { [2] = { type = "INTEGER", access = "rw" } },
  rows = { eth0 = { [2] = 1 }, lo = { [2] = 2 } } }
]]

local Agent = {}
Agent.__index = Agent

-- Starts `moonwalk agent ARGS script`; waits until it listens.
local function start(args, script)
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local port = core.free_udp_port()
  local spath = ""
  if script then
    spath = dir .. "/objects.lua"
    write(spath, script)
  end
  local self = setmetatable({ dir = dir, port = port, peer = "127.0.0.1:" .. port }, Agent)
  os.execute(string.format("MOONWALK_LUADIR=%s/lua %s agent --listen udp:127.0.0.1:%d %s %s >%s/log 2>&1 & echo $! >%s/pid",
    ROOT, BIN, port, args, spath, dir, dir))
  local f = io.open(dir .. "/pid")
  self.pid = f:read("l")
  f:close()
  for _ = 1, 200 do
    local l = io.open(dir .. "/log")
    local text = l and l:read("a") or ""
    if l then l:close() end
    if text:find("listening on", 1, true) then return self end
    if not sh("kill -0 " .. self.pid) == 0 then break end
    os.execute("sleep 0.02")
  end
  error("agent did not start: " .. self:log())
end

-- start() for setup blocks: an agent that failed to start becomes an
-- object whose methods raise inside each test, so the failure is counted.
local function try_start(args, script)
  local ok, a = pcall(start, args, script)
  if ok then return a end
  local msg = tostring(a)
  return setmetatable({}, { __index = function(_, k)
    if k == "stop" then return function() end end
    return function() error(msg, 2) end
  end })
end

function Agent:log()
  local l = io.open(self.dir .. "/log")
  local text = l and l:read("a") or ""
  if l then l:close() end
  return text
end

function Agent:stop()
  os.execute("kill " .. self.pid .. " 2>/dev/null; sleep 0.05; rm -rf " .. self.dir)
end

-- Runs a net-snmp tool against the agent: "snmpget -v2c -c public" .. " PEER" .. rest
function Agent:tool(cmd, rest)
  -- defaults first, so options in cmd win
  return sh(string.format("%s %s %s", (cmd:gsub("^(%S+)", "%1 -t 1 -r 1")), self.peer, rest or ""))
end

local function lines(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
  return t
end

local function oids(s)
  local t = {}
  for l in s:gmatch("[^\n]+") do
    local o = l:match("^(%S+) = ")
    if o then t[#t + 1] = o end
  end
  return t
end

describe("interop: net-snmp tools against moonwalk agent", function()
  local a
  -- without the GETBULK repetition cap, so that the message size is what
  -- trims a large GETBULK (the cap is tested in agent_limits_spec.lua)
  setup(function() a = try_start("-c public --rwcommunity private --max-repetitions 0", SCRIPT) end)
  teardown(function() a:stop() end)

  it("snmpwalk -v2c walks the whole tree in order and ends cleanly", function()
    local out, err, code = a:tool("snmpwalk -v2c -c public -On", ".1")
    assert.equal(0, code, err)
    -- net-snmp's tools print this for any 17-octet snmpEngineID, snmpd's too
    err = err:gsub("buffer too small to read octet string %(17 < 17%)\n", "")
    assert.equal("", (err:gsub("Created directory: [^\n]*\n", "")))
    local o = oids(out)
    assert.is_true(#o > 2000, #o)
    assert.matches('%.1%.3%.6%.1%.2%.1%.1%.1%.0 = STRING: "moonwalk SNMP agent', out)
    assert.matches(ENT .. ".1.1.0 = INTEGER: 42", out, 1, true)
    assert.matches(ENT .. ".1.4.0 = Counter64: 12345678901234", out, 1, true)
    assert.matches(ENT .. ".2.1.3.1000 = Gauge32: 1000", out, 1, true)
    assert.matches(ENT .. '.3.1.2.101.116.104.48 = INTEGER: 1', out, 1, true)
    assert.matches("%.1%.3%.6%.1%.6%.3%.15%.1%.1%.6%.0 = Counter32: 0", out)
    assert.matches(".1.3.6.1.2.1.1.9.1.2.4 = OID: .1.3.6.1.6.3.1\n", out, 1, true)
    assert.matches('.1.3.6.1.2.1.1.9.1.3.1 = STRING: "The SNMP Management Architecture MIB."', out, 1, true)
    assert.matches(".1.3.6.1.2.1.1.9.1.4.4 = Timeticks: ", out, 1, true)
  end)

  it("snmpbulkwalk -v2c returns the same names as snmpwalk", function()
    local w = oids((a:tool("snmpwalk -v2c -c public -On", ENT .. ".2")))
    local out, err, code = a:tool("snmpbulkwalk -v2c -c public -On -Cr50", ENT .. ".2")
    assert.equal(0, code, err)
    local b = oids(out)
    assert.equal(2000, #b)
    assert.same(w, b)
  end)

  it("snmpwalk -v1 walks too, skipping Counter64", function()
    local out, err, code = a:tool("snmpwalk -v1 -c public -On", ENT .. ".1")
    assert.equal(0, code, err)
    assert.not_matches(ENT .. ".1.4.0", out, 1, true)
    assert.matches(ENT .. ".1.3.0 = INTEGER", out, 1, true)
  end)

  it("snmpget of missing objects: noSuchObject and noSuchInstance (v2c), noSuchName (v1)", function()
    local out, err, code = a:tool("snmpget -v2c -c public -On", ENT .. ".7.0 " .. ENT .. ".1.1.1 .1.3.6.1.2.1.1.1.0")
    assert.equal(0, code, err)
    local l = lines(out)
    assert.equal(ENT .. ".7.0 = No Such Object available on this agent at this OID", l[1])
    assert.equal(ENT .. ".1.1.1 = No Such Instance currently exists at this OID", l[2])
    out, err, code = a:tool("snmpget -v1 -c public -On", ENT .. ".7.0")
    assert.equal(2, code)
    assert.matches("Reason: %(noSuchName%) There is no such variable name in this MIB%.", err)
    assert.matches("Failed object: " .. ENT:gsub("%.", "%%.") .. "%.7%.0", err)
  end)

  it("a getter that raises is answered genErr and logged", function()
    local b = start("-c public", [[agent:scalar{ oid = "1.3.6.1.4.1.99999.1.5", type = "INTEGER",
      get = function() error("sensor offline") end }]])
    local _, err, code = b:tool("snmpget -v2c -c public -On", ENT .. ".1.5.0")
    local out = b:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.2.1.1.1.0")
    local log = b:log()
    b:stop()
    assert.equal(2, code)
    assert.matches("Reason: %(genError%) A general failure occured", err)
    assert.matches("sensor offline", log, 1, true)
    assert.matches("moonwalk", out)
  end)

  it("snmpset that succeeds prints the new value and the agent keeps it", function()
    local out, err, code = a:tool("snmpset -v2c -c private -On", ENT .. ".1.2.0 s world")
    assert.equal(0, code, err)
    assert.equal(ENT .. '.1.2.0 = STRING: "world"', lines(out)[1])
    out = a:tool("snmpget -v2c -c public -On", ENT .. ".1.2.0")
    assert.equal(ENT .. '.1.2.0 = STRING: "world"', lines(out)[1])
    out, err, code = a:tool("snmpset -v1 -c private -On", ENT .. ".3.1.2.108.111 i 9")
    assert.equal(0, code, err)
    assert.equal(ENT .. ".3.1.2.108.111 = INTEGER: 9", lines(out)[1])
  end)

  it("snmpset on a read-only object: notWritable (v2c), noSuchName (v1)", function()
    local _, err, code = a:tool("snmpset -v2c -c private -On", ".1.3.6.1.2.1.1.1.0 s x")
    assert.equal(2, code)
    assert.matches("Error in packet.\nReason: notWritable (That object does not support modification)\nFailed object: .1.3.6.1.2.1.1.1.0", err, 1, true)
    _, err, code = a:tool("snmpset -v1 -c private -On", ".1.3.6.1.2.1.1.1.0 s x")
    assert.equal(2, code)
    assert.matches("Reason: (noSuchName) There is no such variable name in this MIB.", err, 1, true)
  end)

  it("snmpset through a read-only community: noAccess (v2c), noSuchName (v1)", function()
    local _, err, code = a:tool("snmpset -v2c -c public -On", ENT .. ".1.2.0 s nope")
    assert.equal(2, code)
    assert.matches("Error in packet.\nReason: noAccess\nFailed object: " .. ENT .. ".1.2.0", err, 1, true)
    _, err, code = a:tool("snmpset -v1 -c public -On", ENT .. ".1.2.0 s nope")
    assert.equal(2, code)
    assert.matches("Reason: (noSuchName) There is no such variable name in this MIB.\nFailed object: " .. ENT .. ".1.2.0", err, 1, true)
    local out = a:tool("snmpget -v2c -c public -On", ENT .. ".1.2.0")
    assert.not_matches("nope", out)
  end)

  it("a multi-varbind SET with one wrong value changes nothing", function()
    a:tool("snmpset -v2c -c private", ENT .. ".1.2.0 s before " .. ENT .. ".1.3.0 i 5")
    local _, err, code = a:tool("snmpset -v2c -c private -On",
      ENT .. ".1.2.0 s after " .. ENT .. ".1.3.0 i 500 .1.3.6.1.2.1.1.6.0 s lab")
    assert.equal(2, code)
    assert.matches("Reason: wrongValue (The set value is illegal or unsupported in some way)\nFailed object: " .. ENT .. ".1.3.0", err, 1, true)
    local out = a:tool("snmpget -v2c -c public -On", ENT .. ".1.2.0 " .. ENT .. ".1.3.0 .1.3.6.1.2.1.1.6.0")
    local l = lines(out)
    assert.equal(ENT .. '.1.2.0 = STRING: "before"', l[1])
    assert.equal(ENT .. ".1.3.0 = INTEGER: 5", l[2])
    assert.not_matches("lab", l[3])
    _, err, code = a:tool("snmpset -v2c -c private -On", ENT .. ".1.2.0 s after " .. ENT .. ".1.3.0 s wrongtype")
    assert.matches("Reason: wrongType (The set datatype does not match the data type the agent expects)", err, 1, true)
  end)

  it("GETBULK with max-repetitions 0 answers the non-repeaters only", function()
    local out, err, code = a:tool("snmpbulkget -v2c -c public -On -Cn1 -Cr0", ".1.3.6.1.2.1.1 " .. ENT .. ".2")
    assert.equal(0, code, err)
    local l = lines(out)
    assert.equal(1, #l)
    assert.matches("^%.1%.3%.6%.1%.2%.1%.1%.1%.0 = STRING", l[1])
  end)

  it("GETBULK with non-repeaters larger than the varbind count", function()
    -- snmpbulkget refuses to send this, so our own manager does
    local vbs, err = mw.run(function()
      local s = mw.session { peer = a.peer, version = "2c", community = "public", timeout = 1, retries = 1 }
      return s:getbulk({ "1.3.6.1.2.1.1", ENT:sub(2) .. ".2" }, 5, 10)
    end)
    assert.is_table(vbs, tostring(err))
    assert.equal(2, #vbs)
    assert.equal("1.3.6.1.2.1.1.1.0", vbs[1].oid)
    assert.equal(ENT:sub(2) .. ".2.1.2.1", vbs[2].oid)
  end)

  it("a GETBULK response that would not fit is trimmed, not failed", function()
    local out, err, code = a:tool("snmpbulkget -v2c -c public -On -Cr5000", ENT .. ".2")
    assert.equal(0, code, err)
    local n = #lines(out)
    assert.is_true(n > 500 and n < 5000, n)
    assert.matches(ENT .. ".2.1.2.1 = STRING", out, 1, true)
  end)

  it("malformed packets and a wrong community are counted and the agent keeps answering", function()
    local before = lines((a:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.2.1.11.6.0 .1.3.6.1.2.1.11.4.0")))
    for _, junk in ipairs { [[\x30\x03\x02\x01]], "garbage", [[\x30\x82\xff\xff\x02\x01\x01]] } do
      os.execute(string.format([[bash -c 'printf "%s" > /dev/udp/127.0.0.1/%d']], junk, a.port))
    end
    local _, err = a:tool("snmpget -v2c -c wrong -t 0.2 -r 0", ".1.3.6.1.2.1.1.1.0")
    assert.matches("Timeout", err)
    os.execute("sleep 0.1")
    local after = lines((a:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.2.1.11.6.0 .1.3.6.1.2.1.11.4.0")))
    assert.is_true(tonumber(after[1]) >= tonumber(before[1]) + 3, after[1])
    assert.equal(tonumber(before[2]) + 1, tonumber(after[2]))
  end)
end)

describe("interop: moonwalk agent start-up", function()
  it("refuses to start with no community and no user, and says why", function()
    local _, err, code = sh(string.format("MOONWALK_LUADIR=%s/lua %s agent --listen udp:127.0.0.1:%d",
      ROOT, BIN, core.free_udp_port()))
    assert.equal(1, code)
    assert.matches("no community and no user configured", err)
  end)

  it("refuses bad users and addresses with a clear message", function()
    local base = string.format("MOONWALK_LUADIR=%s/lua %s agent -c public ", ROOT, BIN)
    local _, err, code = sh(base .. "--listen udp:127.0.0.1:1 --user u:SHA:short")
    assert.equal(1, code)
    assert.equal("moonwalk agent: user u: bad settings (passwords need 8 characters or more; " ..
      "privacy needs authentication; views must exist)\n", err)
    _, err, code = sh(base .. "--listen udp:127.0.0.1:1 --user u:XYZ:authpass123")
    assert.equal(1, code)
    assert.equal("moonwalk agent: user u: unknown authentication protocol XYZ\n", err)
    _, err, code = sh(base .. "--listen 999.1.1.1:5")
    assert.equal(1, code)
    assert.equal("moonwalk agent: bad listen address 999.1.1.1:5\n", err)
  end)

  it("listens on IPv6 too (--listen udp6:[::1]:PORT)", function()
    local p6 = core.free_udp_port()
    local b = start(string.format("-c public --listen udp6:[::1]:%d", p6))
    local out, err, code = sh(string.format("snmpget -v2c -c public -On -t 1 -r 1 udp6:[::1]:%d .1.3.6.1.2.1.1.7.0", p6))
    b:stop()
    assert.equal(0, code, err)
    assert.equal(".1.3.6.1.2.1.1.7.0 = INTEGER: 72", lines(out)[1])
  end)

  it("--state keeps the engine ID and counts boots across restarts", function()
    local dir = os.tmpname()
    os.remove(dir)
    local a = start("-c public --state " .. dir)
    local out1 = a:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.6.3.10.2.1.1.0 .1.3.6.1.6.3.10.2.1.2.0")
    a:stop()
    local b = start("-c public --state " .. dir)
    local out2 = b:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.6.3.10.2.1.1.0 .1.3.6.1.6.3.10.2.1.2.0")
    b:stop()
    os.execute("rm -rf " .. dir)
    local l1, l2 = lines(out1), lines(out2)
    assert.equal(l1[1], l2[1])
    assert.equal("1", l1[#l1])
    assert.equal("2", l2[#l2])
  end)
end)

describe("interop: SNMPv3 against moonwalk agent (authoritative engine)", function()
  local auths = { "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512" }
  local privs = { "DES", "AES", "AES-192", "AES-256" }
  local a
  local users = {}
  setup(function()
    local args = { "-c public", "--rwuser noauth" }
    for _, au in ipairs(auths) do
      local n = "u" .. au:gsub("%-", "")
      users[#users + 1] = { name = n, auth = au }
      args[#args + 1] = string.format("--user %s:%s:authpass123", n, au)
      for _, pr in ipairs(privs) do
        local np = n .. pr:gsub("%-", "")
        users[#users + 1] = { name = np, auth = au, priv = pr }
        args[#args + 1] = string.format("--rwuser %s:%s:authpass123:%s:privpass123", np, au, pr)
      end
    end
    a = try_start(table.concat(args, " "))
  end)
  teardown(function() a:stop() end)

  local function v3(u, level)
    local s = "-v3 -u " .. u.name
    if not u.auth then return s .. " -l noAuthNoPriv" end
    s = s .. " -a " .. u.auth .. " -A authpass123"
    if level == "authNoPriv" or not u.priv then return s .. " -l authNoPriv" end
    return s .. " -l authPriv -x " .. u.priv .. " -X privpass123"
  end

  local function clean(err)
    err = err:gsub("buffer too small to read octet string %(17 < 17%)\n", "")
    return (err:gsub("Created directory: [^\n]*\n", ""))
  end

  it("snmpwalk -v3 with every auth and priv protocol", function()
    for _, u in ipairs(users) do
      local out, err, code = a:tool("snmpwalk -On " .. v3(u), ".1.3.6.1.2.1.1")
      assert.equal(0, code, u.name .. ": " .. err)
      assert.equal("", clean(err), u.name)
      assert.matches('%.1%.3%.6%.1%.2%.1%.1%.1%.0 = STRING: "moonwalk', out, nil, u.name)
      assert.matches("%.1%.3%.6%.1%.2%.1%.1%.7%.0 = INTEGER: 72", out, nil, u.name)
    end
  end)

  it("snmpwalk -v3 noAuthNoPriv and snmpbulkwalk -v3 authPriv", function()
    local out, err, code = a:tool("snmpwalk -On " .. v3({ name = "noauth" }), ".1.3.6.1.6.3.15.1.1")
    assert.equal(0, code, err)
    assert.equal(6, select(2, out:gsub("Counter32", "")))
    out, err, code = a:tool("snmpbulkwalk -On -Cr20 " .. v3({ name = "uSHA256AES256", auth = "SHA-256", priv = "AES-256" }), ".1.3.6.1")
    assert.equal(0, code, err)
    assert.is_true(#lines(out) > 50, out)
    assert.matches("%.1%.3%.6%.1%.6%.3%.15%.1%.1%.6%.0 = Counter32", out)
  end)

  it("snmpset -v3: a rw user sets, a read-only user gets noAccess", function()
    local out, err, code = a:tool("snmpset -On " .. v3({ name = "uSHADES", auth = "SHA", priv = "DES" }), ".1.3.6.1.2.1.1.6.0 s v3-lab")
    assert.equal(0, code, err)
    assert.matches('STRING: "v3%-lab"', out)
    _, err, code = a:tool("snmpset -On " .. v3({ name = "uSHA", auth = "SHA" }), ".1.3.6.1.2.1.1.6.0 s nope")
    assert.equal(2, code)
    assert.matches("Reason: noAccess", clean(err), 1, true)
  end)

  it("reports: unknown user, wrong password, unsupported level; counted in usmStats", function()
    local _, err = a:tool("snmpget " .. v3({ name = "nosuchuser", auth = "SHA" }), ".1.3.6.1.2.1.1.1.0")
    assert.matches("Unknown user name", err)
    _, err = a:tool("snmpget -v3 -u uSHA -l authNoPriv -a SHA -A wrongpass99", ".1.3.6.1.2.1.1.1.0")
    assert.matches("Authentication failure (incorrect password, community or key)", err, 1, true)
    _, err = a:tool("snmpget -v3 -u noauth -l authNoPriv -a SHA -A authpass123", ".1.3.6.1.2.1.1.1.0")
    assert.matches("Unsupported security level", err)
    local out = a:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.6.3.15.1.1.1.0 .1.3.6.1.6.3.15.1.1.3.0 .1.3.6.1.6.3.15.1.1.5.0")
    local l = lines(out)
    assert.is_true(tonumber(l[1]) >= 1 and tonumber(l[2]) >= 1 and tonumber(l[3]) >= 1, out)
  end)

  it("a user that needs privacy is refused at authNoPriv", function()
    local _, err, code = a:tool("snmpget " .. v3({ name = "uMD5AES", auth = "MD5", priv = "AES" }, "authNoPriv"), ".1.3.6.1.2.1.1.1.0")
    assert.equal(2, code)
    assert.matches("authorizationError", err)
  end)
end)

describe("interop: notifications from moonwalk agent to snmptrapd", function()
  local tdir, tport, a
  local function trapd_log()
    local f = io.open(tdir .. "/trapd.log")
    local s = f and f:read("a") or ""
    if f then f:close() end
    return s
  end
  local function wait_for(pat, n)
    for _ = 1, 100 do
      local s = trapd_log()
      local _, count = s:gsub(pat, "")
      if count >= (n or 1) then return s end
      os.execute("sleep 0.05")
    end
    return trapd_log()
  end
  setup(function()
    tdir = os.tmpname()
    os.remove(tdir)
    os.execute("mkdir -p " .. tdir)
    tport = core.free_udp_port()
    write(tdir .. "/trapd.conf", "disableAuthorization yes\n")
    os.execute(string.format("MIBS= snmptrapd -f -On -Lf %s/trapd.log -C -c %s/trapd.conf -m '' -p %s/trapd.pid udp:127.0.0.1:%d >/dev/null 2>&1 &",
      tdir, tdir, tdir, tport))
    for _ = 1, 100 do
      if trapd_log():find("NET-SNMP version", 1, true) then break end
      os.execute("sleep 0.05")
    end
    a = try_start(string.format("-c public --rwcommunity private --cold-start --auth-traps --trap-dest 127.0.0.1:%d --inform-dest 127.0.0.1:%d", tport, tport),
      string.format([[
agent:add_destination{ peer = "127.0.0.1:%d", version = "1", community = "public" }
agent:scalar{ oid = "1.3.6.1.4.1.99999.1.2", type = "STRING", value = "idle", access = "rw",
  set = function(v)
    -- the device does something, and a notification reports it
    agent:notify("1.3.6.1.4.1.99999.0.7", { { oid = "1.3.6.1.4.1.99999.1.2.0", type = "STRING", value = "done: " .. v } })
  end }
]], tport))
  end)
  teardown(function()
    a:stop()
    os.execute(string.format("kill $(cat %s/trapd.pid) 2>/dev/null; sleep 0.05; rm -rf %s", tdir, tdir))
  end)

  it("coldStart at start-up, as a trap and as an inform", function()
    local log = wait_for("%.1%.3%.6%.1%.6%.3%.1%.1%.5%.1", 2)
    local _, n = log:gsub("%.1%.3%.6%.1%.6%.3%.1%.1%.4%.1%.0 = OID: %.1%.3%.6%.1%.6%.3%.1%.1%.5%.1", "")
    assert.equal(2, n, log)
  end)

  it("a SET handler sends a notification with agent:notify (v2c trap, inform and v1 trap)", function()
    local _, err, code = a:tool("snmpset -v2c -c private", ENT .. ".1.2.0 s reboot")
    assert.equal(0, code, err)
    local log = wait_for('STRING: "done: reboot"', 3)
    local _, n = log:gsub('%.1%.3%.6%.1%.4%.1%.99999%.1%.2%.0 = STRING: "done: reboot"', "")
    assert.equal(3, n, log)
    assert.matches("%.1%.3%.6%.1%.6%.3%.1%.1%.4%.1%.0 = OID: %.1%.3%.6%.1%.4%.1%.99999%.0%.7", log)
    -- the v1 trap: enterprise .1.3.6.1.4.1.99999, specific trap 7 (RFC 3584 3.2)
    assert.matches("Enterprise Specific Trap %(7%)", log)
    local out = a:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.2.1.11.29.0")
    assert.is_true(tonumber(out) >= 5, out)
  end)

  it("a wrong community sends authenticationFailure when --auth-traps is given", function()
    local out = a:tool("snmpget -v2c -c public -Oqv", ".1.3.6.1.2.1.11.30.0")
    assert.equal("1", (out:gsub("%s+$", "")))
    a:tool("snmpget -v2c -c notthisone -t 0.2 -r 0", ".1.3.6.1.2.1.1.1.0")
    local log = wait_for("%.1%.3%.6%.1%.6%.3%.1%.1%.5%.5", 2)
    local _, n = log:gsub("OID: %.1%.3%.6%.1%.6%.3%.1%.1%.5%.5", "")
    assert.equal(2, n, log) -- the trap and the inform destinations
  end)
end)
