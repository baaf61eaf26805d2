-- The load generators of the benchmarks speaking SNMPv3 authPriv through
-- src/usm (scripts/bench/agent_load.c, scripts/bench/trapd_load.c, used
-- by scripts/bench/v3): built against this build's libmoonwalk.a without
-- warnings, their requests and traps must be what net-snmp's snmpd and
-- snmptrapd, moonwalk's agent and receiver accept, and a wrong pass
-- phrase must be refused, not counted.
local R = require "run"
local snmpd = require "snmpd"
local td = require "snmptrapd"
local core = require "moonwalk.core"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local BUILD = BIN:match("^(.*)/[^/]*$") or "build"
local USER = "bench:SHA-256:benchauth1:AES:benchpriv1"
local EID = "80001f88806d77626e6368" -- trapd_load's default engine ID

local built = {}
local function tool(name)
  if built[name] then return built[name] end
  local dir = snmpd.tmpdir()
  local exe = dir .. "/" .. name
  local san = os.getenv("SANITIZE") == "1" and "-fsanitize=address,undefined " or ""
  local _, err, code = R.run(string.format(
    "gcc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror %s-Isrc/core -Isrc/usm -o %s "
      .. "scripts/bench/%s.c %s/libmoonwalk.a -lmbedcrypto", san, exe, name, BUILD))
  assert(code == 0, err)
  built[name] = exe
  return exe
end

-- agent_load ... -> its fields (responses=, errors=, cpu_us=...), stderr, exit code
local function load(args)
  local out, err, code = R.run(tool("agent_load") .. " " .. args)
  local f = {}
  for k, v in out:gmatch("([%w/_]+)=([%d.]+)") do f[k] = tonumber(v) end
  return f, err, code
end

local function start_agent()
  local dir = snmpd.tmpdir()
  local port = core.free_udp_port()
  os.execute(string.format("%s agent --listen udp:127.0.0.1:%d -c public --user %s --log-level warn "
    .. ">%s/log 2>&1 & echo $! >%s/pid", BIN, port, USER, dir, dir))
  local pid = R.slurp(dir .. "/pid"):match("%d+")
  for _ = 1, 200 do
    local out = R.sh(string.format("snmpget -v2c -c public -t 0.1 -r 0 -On 127.0.0.1:%d .1.3.6.1.2.1.1.5.0", port))
    if out:find("STRING", 1, true) then break end
    os.execute("sleep 0.05")
  end
  return { port = port, pid = pid, dir = dir }
end

describe("bench load generators over SNMPv3 authPriv", function()
  it("agent_load discovers snmpd's engine, and its GETs are answered with no error", function()
    local d = snmpd.start{ extra = { 'createUser bench SHA-256 "benchauth1" AES "benchpriv1"', "rouser bench priv" } }
    local ok, e = pcall(function()
      local f, err, code = load(string.format("127.0.0.1 %d get 1.3.6.1.2.1.1.5.0 0.5 4 v3:%s 25 %d",
        d.port, USER, d:pid()))
      assert.equal(0, code, err)
      assert.is_true(f.responses > 0, err)
      assert.equal(0, f.errors)
      assert.is_not_nil(f.cpu_us) -- snmpd's CPU per response
      -- a wrong authentication pass phrase: refused before the run
      local _, err2, code2 = load(string.format("127.0.0.1 %d get 1.3.6.1.2.1.1.5.0 0.5 4 "
        .. "v3:bench:SHA-256:wrongpass99:AES:benchpriv1", d.port))
      assert.equal(1, code2)
      assert.matches("no authenticated answer", err2)
    end)
    d:cleanup()
    assert(ok, e)
  end)

  it("agent_load's GETs and bulk walks are answered by moonwalk agent with no error", function()
    local a = start_agent()
    local ok, e = pcall(function()
      local f, err, code = load(string.format("127.0.0.1 %d get 1.3.6.1.2.1.1.5.0 0.5 4 v3:%s 25 %s",
        a.port, USER, a.pid))
      assert.equal(0, code, err)
      assert.is_true(f.responses > 0, err)
      assert.equal(0, f.errors)
      assert.is_not_nil(f.cpu_us)
      f, err, code = load(string.format("127.0.0.1 %d bulkwalk 1.3.6.1.2.1.11 0.5 2 v3:%s 10", a.port, USER))
      assert.equal(0, code, err)
      assert.equal(0, f.errors)
      assert.is_true(f.varbinds >= 10 * f.responses * 0.5, err) -- walks, not errors
    end)
    os.execute("kill " .. a.pid .. " 2>/dev/null; sleep 0.05; rm -rf " .. a.dir)
    assert(ok, e)
  end)

  it("trapd_load's v3 traps are logged by snmptrapd (createUser -e) and received by moonwalk", function()
    local t = td.start{ extra = { "createUser -e 0x" .. EID .. " bench SHA-256 benchauth1 AES benchpriv1" } }
    local ok, e = pcall(function()
      local out, err, code = R.run(string.format("%s 127.0.0.1 %d 100 0.3 v3:%s specv3", tool("trapd_load"),
        t.port, USER))
      assert.equal(0, code, err)
      local sent = tonumber(out:match("sent=(%d+)"))
      assert.is_true(sent > 0, out)
      local count = 0
      td.wait_until(function()
        local _, n = t:log():gsub('STRING: "specv3"', "")
        count = n
        return n >= sent
      end, 10)
      assert.equal(sent, count)
    end)
    t:cleanup()
    assert(ok, e)
    td.with_rx({ users = { USER } }, function(rx)
      local notes = {}
      rx:on(function(n) notes[#notes + 1] = n end)
      local out, err, code = R.run(string.format("%s 127.0.0.1 %d 100 0.3 v3:%s specv3", tool("trapd_load"),
        rx.port, USER))
      assert.equal(0, code, err)
      local sent = tonumber(out:match("sent=(%d+)"))
      td.wait_until(function() return #notes >= sent end, 10)
      assert.equal(sent, #notes)
      assert.equal("authPriv", notes[1].security_level)
      assert.equal("bench", notes[1].user)
      assert.equal("specv3", notes[1].varbinds[6].value)
      -- the same traps under a wrong privacy pass phrase are not delivered
      local before = #notes
      R.run(string.format("%s 127.0.0.1 %d 100 0.2 v3:bench:SHA-256:benchauth1:AES:wrongpass99 bad",
        tool("trapd_load"), rx.port))
      local mw = require "moonwalk"
      mw.sleep(0.3)
      assert.equal(before, #notes)
      assert.is_true(rx:stats().decryption_errors > 0)
    end)
  end)
end)
