-- The examples that document options (walks, mw.http_request, mw.agent,
-- mw.trapd, mw.every/mw.after) run under `moonwalk run` against real peers
-- on 127.0.0.1: net-snmp's snmpd and tools, snmptrapd, a Python HTTP
-- server. (examples_run_spec.lua runs the other examples.) And no example
-- goes untested: each file in examples/ is run by one of the two specs.
local core = require "moonwalk.core"
local snmpd = require "snmpd"
local trapd = require "snmptrapd"
local support = require "run"
local sh, slurp, write, sleep = support.sh, support.slurp, support.write, support.sleep

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= NO_COLOR=1 "

local tmp
setup(function()
  core.engine_init()
  tmp = sh("mktemp -d /tmp/moonwalk-exdoc.XXXXXX"):gsub("%s+$", "")
end)
teardown(function() if tmp then os.execute("rm -rf " .. tmp) end end)

local function run(args, timeout)
  local out, err = tmp .. "/run.out", tmp .. "/run.err"
  local ok, _, code = os.execute(string.format("cd %s && %s timeout %d %s run %s >%s 2>%s",
    ROOT, ENV, timeout or 30, BIN, args, out, err))
  if ok then code = 0 end
  return slurp(out), slurp(err), code
end

local function start(args, name)
  local o, e = tmp .. "/" .. name .. ".out", tmp .. "/" .. name .. ".err"
  local pid = tonumber(sh(string.format("cd %s && %s %s run %s >%s 2>%s & echo $!", ROOT, ENV, BIN, args, o, e)):match("(%d+)%s*$"))
  local h = { pid = pid }
  function h.out() return slurp(o) end
  function h.err() return slurp(e) end
  function h.alive() return os.execute(string.format("kill -0 %d 2>/dev/null", pid)) == true end
  function h.stop()
    os.execute(string.format("kill -TERM %d 2>/dev/null", pid))
    for _ = 1, 300 do
      if not h.alive() then return end
      sleep(0.05)
    end
    os.execute(string.format("kill -KILL %d 2>/dev/null", pid))
  end
  function h.until_match(pattern, where)
    for _ = 1, 200 do
      if (where == "err" and h.err() or h.out()):find(pattern) then return true end
      sleep(0.05)
    end
    return false
  end
  return h
end

local function tool(cmd) return sh("MIBS= " .. cmd) end

describe("examples/ are all run by a spec", function()
  it("names every example in examples_run_spec.lua or examples_doc_spec.lua", function()
    local specs = slurp(ROOT .. "/tests/interop/examples_run_spec.lua") .. slurp(ROOT .. "/tests/interop/examples_doc_spec.lua")
    local missing = {}
    for f in sh("ls " .. ROOT .. "/examples"):gmatch("[^\n]+") do
      if f:match("%.lua$") and not specs:find('describe("examples/' .. f .. '"', 1, true) then
        missing[#missing + 1] = f
      end
    end
    assert.same({}, missing)
  end)
end)

describe("examples/schedule.lua", function()
  it("runs mw.every with arguments until cancelled, mw.after once, waits for tasks", function()
    local out, err, code = run("examples/schedule.lua -- period=0.1 runs=3")
    assert.equal(0, code, err)
    assert.matches("every: run 1 of poll for 127.0.0.1\n", out, 1, true)
    assert.matches("every: run 2 of poll for 127.0.0.1\n", out, 1, true)
    assert.matches("every: run 3 of poll for 127.0.0.1\n", out, 1, true)
    assert.is_nil(out:find("run 4", 1, true))           -- cancelled after the third
    assert.matches("after: once\n", out, 1, true)
    assert.is_nil(out:find("never printed", 1, true))
    assert.matches("wait_all: true 42, true b\n", out, 1, true)
    assert.matches("wait: true 42 done\n", out, 1, true)
    -- the failing run is named after its function and the run after it came
    assert.matches("task examples/schedule%.lua:%d+ failed: examples/schedule%.lua:%d+: run 2 fails", err)
  end)
end)

describe("examples/walk_options.lua", function()
  it("walks snmpd with each walk and GETBULK option", function()
    local d = snmpd.start {}
    finally(function() d:cleanup() end)
    local out, err, code = run("examples/walk_options.lua -- peer=" .. d.agent)
    assert.equal(0, code, err)
    local n1, r1 = out:match("walk: (%d+) varbinds in (%d+) requests")
    local n2, r2 = out:match("bulkwalk max_repetitions=25: (%d+) varbinds in (%d+) requests")
    assert.truthy(n1, out)
    assert.equal(n1, n2)
    assert.is_true(tonumber(r2) < tonumber(r1))
    assert.equal(math.ceil((tonumber(n2) + 1) / 25), tonumber(r2))
    assert.matches("walk_all: " .. n1 .. " varbinds", out, 1, true)
    assert.matches("getbulk 1: 1.3.6.1.2.1.1.1.0\ngetbulk 2: 1.3.6.1.2.1.2.2.1.2.1\ngetbulk 3: 1.3.6.1.2.1.2.2.1.2.", out, 1, true)
    assert.matches("getbulk (options in the list): 4 varbinds", out, 1, true)
    assert.matches("exceptions: last varbind endOfMibView", out, 1, true)
    assert.matches("bulkwalk adaptive=false: " .. n1 .. " varbinds", out, 1, true)
    assert.matches('format: .1.3.6.1.2.1.1.1.0 = STRING: "', out, 1, true)
    assert.matches("budget=5: 5 varbinds, then budget (walk stopped after 5 varbinds (budget))", out, 1, true)
    assert.matches("walk_all budget=3: 3 varbinds kept in err.varbinds", out, 1, true)
    -- sysDescr.0, sysObjectID.0, sysUpTime.0, sysContact.0
    assert.matches("end_oid: 4 varbinds, the last 1.3.6.1.2.1.1.4.0", out, 1, true)
  end)
end)

describe("examples/http_fetch.lua", function()
  local server = [[
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = b"hello from the test server\n"
        self.send_response(200); self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0)); data = self.rfile.read(n)
        b = ("got %d bytes of %s: %s" % (n, self.headers.get("Content-Type"), data.decode())).encode()
        self.send_response(201); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
]]

  it("GETs from and POSTs JSON to a real HTTP server with mw.http_request", function()
    write(tmp .. "/httpd.py", server)
    local pid = tonumber(sh(string.format("python3 -u %s/httpd.py >%s/httpd.port 2>/dev/null & echo $!", tmp, tmp)))
    finally(function() os.execute("kill " .. pid .. " 2>/dev/null") end)
    local port
    for _ = 1, 200 do
      port = slurp(tmp .. "/httpd.port"):match("%d+")
      if port then break end
      sleep(0.05)
    end
    assert.truthy(port, "the HTTP server did not start")
    local url = "http://127.0.0.1:" .. port
    local out, err, code = run(string.format("examples/http_fetch.lua -- url=%s/ post=%s/in", url, url))
    assert.equal(0, code, err)
    assert.matches("GET " .. url .. "/: HTTP 200, text/plain, 27 bytes\n", out, 1, true)
    assert.matches("body: hello from the test server\n", out, 1, true)
    assert.matches("POST " .. url .. "/in: HTTP 201: got %d+ bytes of application/json: {.*\"status\":200", out)
  end)

  it("returns nil, err when nothing listens, and the script says so", function()
    local port = core.free_udp_port("v4")  -- nothing listens on TCP there either, as a rule
    local out, err, code = run(string.format("examples/http_fetch.lua -- url=http://127.0.0.1:%d/", port))
    assert.equal(1, code, out)
    assert.matches("HTTP request failed", err, 1, true)
  end)
end)

describe("examples/agent_options.lua", function()
  it("serves with every mw.agent option: views, users, system, state, notify, budget, caps", function()
    local td = trapd.start {}
    local port = core.free_udp_port("v4")
    local state = tmp .. "/agent-state"
    local h = start(string.format("examples/agent_options.lua -- port=%d notify=%s state=%s", port, td.addr, state), "agent")
    finally(function()
      h.stop()
      td:cleanup()
    end)
    local a = "127.0.0.1:" .. port
    -- system group as configured, through the restricted view of public
    local out = tool(string.format("snmpget -v2c -c public -On -t 0.5 -r 10 %s 1.3.6.1.2.1.1.1.0 1.3.6.1.2.1.1.5.0 "
      .. "1.3.6.1.2.1.1.6.0 1.3.6.1.4.1.99999.1.1.0", a))
    assert.matches('.1.3.6.1.2.1.1.1.0 = STRING: "agent_options example"', out, 1, true)
    assert.matches('.1.3.6.1.2.1.1.5.0 = STRING: "box1"', out, 1, true)
    assert.matches('.1.3.6.1.2.1.1.6.0 = STRING: "rack 4"', out, 1, true)
    assert.matches(".1.3.6.1.4.1.99999.1.1.0 = No Such Object", out, 1, true)  -- outside the view
    -- coldStart sent to the destination
    assert.is_true(td:wait_for("6.3.1.1.5.1", 10) ~= nil, td:log())
    -- private (rw): the whole tree, the host's IF-MIB, a SET checked by check
    out = tool(string.format("snmpget -v2c -c private -On -t 0.5 -r 3 %s 1.3.6.1.4.1.99999.1.1.0 1.3.6.1.2.1.2.2.1.2.1", a))
    assert.matches(".1.3.6.1.4.1.99999.1.1.0 = INTEGER: 3", out, 1, true)
    assert.matches('.1.3.6.1.2.1.2.2.1.2.1 = STRING: "lo"', out, 1, true)
    out = tool(string.format("snmpset -v2c -c private -On -t 0.5 -r 3 %s 1.3.6.1.4.1.99999.1.1.0 i 11", a))
    assert.matches("wrongValue", out, 1, true)
    -- users: the string form (read-only) and the table form (read-write)
    out = tool(string.format("snmpget -v3 -u ops -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123 "
      .. "-On -t 0.5 -r 3 %s 1.3.6.1.2.1.1.4.0", a))
    assert.matches('.1.3.6.1.2.1.1.4.0 = STRING: "noc@example.net"', out, 1, true)
    out = tool(string.format("snmpset -v3 -u admin -l authPriv -a SHA -A adminpass1 -x AES -X adminpass2 "
      .. "-On -t 0.5 -r 3 %s 1.3.6.1.4.1.99999.1.1.0 i 7", a))
    assert.matches(".1.3.6.1.4.1.99999.1.1.0 = INTEGER: 7", out, 1, true)
    out = tool(string.format("snmpget -v3 -u admin -l authNoPriv -a SHA -A adminpass1 -On -t 0.5 -r 0 %s 1.3.6.1.2.1.1.5.0", a))
    assert.is_nil(out:find('STRING: "box1"', 1, true), out)   -- level = "authPriv" is the least it accepts
    -- the engine ID given
    assert.matches("8000000005616f7074", tool(string.format("%s engineid %s", BIN, a)), 1, true)
    -- max_repetitions = 50 caps a GETBULK asking for 100
    out = tool(string.format("snmpbulkget -v2c -c private -Cr100 -On -t 0.5 -r 3 %s 1.3.6.1", a))
    local n = 0
    for _ in out:gmatch("[^\n]+") do n = n + 1 end
    assert.equal(50, n)
    -- budget: the getter that never ends is stopped, genErr
    out = tool(string.format("snmpget -v2c -c private -On -t 2 -r 0 %s 1.3.6.1.4.1.99999.1.2.0", a))
    assert.matches("genError", out, 1, true)
    -- a wrong community: authenticationFailure (auth_traps)
    tool(string.format("snmpget -v2c -c nobody -t 0.3 -r 0 %s 1.3.6.1.2.1.1.5.0", a))
    assert.is_true(td:wait_for("6.3.1.1.5.5", 10) ~= nil, td:log())
    -- state= keeps the engine's boots
    assert.matches("8000000005616f7074", sh("cat " .. state .. "/* 2>/dev/null"), 1, true)
  end)
end)

describe("examples/trapd_options.lua", function()
  it("receives with every mw.trapd option, each kind of filter, default and remove", function()
    local port = core.free_udp_port("v4")
    local state = tmp .. "/rx-state"
    local h = start(string.format("examples/trapd_options.lua -- port=%d state=%s", port, state), "rx")
    finally(h.stop)
    assert.is_true(h.until_match("listening on 127%.0%.0%.1:" .. port .. ", engine ID 8000000005727874", "err"), h.err())
    local a = "127.0.0.1:" .. port
    local function trap(args) tool("snmptrap " .. args:gsub("ADDR", a)) end
    trap("-v2c -c public ADDR '' .1.3.6.1.6.3.1.1.5.3 .1.3.6.1.2.1.2.2.1.1.3 i 3 .1.3.6.1.2.1.2.2.1.7.3 i 2")
    assert.is_true(h.until_match("handler linkDown: from 127.0.0.1, v2c, ifIndex 3\n"), h.out())
    trap("-v2c -c monitor ADDR '' .1.3.6.1.4.1.99999.0.7")
    assert.is_true(h.until_match("handler enterprise: 1.3.6.1.4.1.99999.0.7 community monitor\n"), h.out())
    trap("-v2c -c public ADDR '' .1.3.6.1.4.1.99999.0.8")     -- community public: not the enterprise filter
    assert.is_true(h.until_match("handler default: 1.3.6.1.4.1.99999.0.8 v2c\n"), h.out())
    trap("-v3 -u ops -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123 -e 0x80001f8880aabbccdd "
      .. "ADDR '' .1.3.6.1.6.3.1.1.5.4")
    assert.is_true(h.until_match("handler v3: user ops trap 1.3.6.1.6.3.1.1.5.4\n"), h.out())
    trap("-v3 -u plain -l noAuthNoPriv -e 0x80001f8880aabbccee ADDR '' .1.3.6.1.4.1.99999.0.9")
    assert.is_true(h.until_match("handler default: 1.3.6.1.4.1.99999.0.9 v3\n"), h.out())
    trap("-v2c -c public ADDR '' .1.3.6.1.6.3.1.1.5.1")
    assert.is_true(h.until_match("handler coldStart %(first only%)\n"), h.out())
    trap("-v1 -c public ADDR .1.3.6.1.4.1.99999 127.0.0.1 6 1 ''")
    assert.is_true(h.until_match("handler default: 1.3.6.1.4.1.99999.0.1 v1\n"), h.out())
    -- the second coldStart comes after the first's handler removed itself
    trap("-v2c -c public ADDR '' .1.3.6.1.6.3.1.1.5.1")
    trap("-v2c -c wrong ADDR '' .1.3.6.1.4.1.99999.0.10")     -- refused: no such community
    trap("-v2c -c public ADDR '' .1.3.6.1.4.1.99999.0.11")    -- a marker after both
    assert.is_true(h.until_match("handler default: 1.3.6.1.4.1.99999.0.11 v2c\n"), h.out())
    local out = h.out()
    local _, colds = out:gsub("handler coldStart", "")
    assert.equal(1, colds)
    assert.is_nil(out:find("99999.0.10", 1, true))
    -- format = "text" with flags = "-On": every notification printed
    assert.matches("v2c community=public trap .1.3.6.1.6.3.1.1.5.3 ", out, 1, true)
    assert.matches("v3 user=ops/authPriv trap .1.3.6.1.6.3.1.1.5.4 ", out, 1, true)
    -- state= keeps the engine ID
    assert.matches("8000000005727874", sh("cat " .. state .. "/* 2>/dev/null"), 1, true)
  end)
end)
