-- Every example in examples/ run under `moonwalk run` against real peers
-- (net-snmp's snmpd, snmptrapd and tools) or our own agent, on 127.0.0.1.
local core = require "moonwalk.core"
local cjson = require "cjson"
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
  tmp = sh("mktemp -d /tmp/moonwalk-ex.XXXXXX"):gsub("%s+$", "")
end)
teardown(function() if tmp then os.execute("rm -rf " .. tmp) end end)

-- runs an example to completion
local function run(args, timeout)
  local out, err = tmp .. "/run.out", tmp .. "/run.err"
  local ok, _, code = os.execute(string.format("cd %s && %s timeout %d %s run %s >%s 2>%s",
    ROOT, ENV, timeout or 30, BIN, args, out, err))
  if ok then code = 0 end
  return slurp(out), slurp(err), code
end

-- starts an example in the background
local function start(args, name)
  local o, e = tmp .. "/" .. name .. ".out", tmp .. "/" .. name .. ".err"
  local pid = tonumber(sh(string.format("cd %s && %s %s run %s >%s 2>%s & echo $!", ROOT, ENV, BIN, args, o, e)):match("(%d+)%s*$"))
  local h = { pid = pid }
  function h.out() return slurp(o) end
  function h.err() return slurp(e) end
  function h.signal(sig) os.execute(string.format("kill -%s %d 2>/dev/null", sig, pid)) end
  function h.alive() return os.execute(string.format("kill -0 %d 2>/dev/null", pid)) == true end
  function h.wait(limit)
    local deadline = core.now() + (limit or 15)
    while h.alive() and core.now() < deadline do sleep(0.05) end
    return not h.alive()
  end
  function h.until_match(pattern, limit)
    local deadline = core.now() + (limit or 10)
    while core.now() < deadline do
      if h.out():find(pattern) or h.err():find(pattern) then return true end
      sleep(0.05)
    end
    return false
  end
  return h
end

local function json_lines(text)
  local out = {}
  for line in text:gmatch("[^\n]+") do out[#out + 1] = cjson.decode(line) end
  return out
end

local function tool(cmd)
  return sh("MIBS= " .. cmd)
end

describe("examples/if_poller.lua", function()
  it("turns counters into rates (our agent, counters at a known speed, Counter32 wrapping)", function()
    local port = core.free_udp_port("v4")
    -- 1 Mbit/s in (125000 octets/s), 2 Mbit/s out; the Counter32 in
    -- counter starts just below 2^32 so it wraps during the test
    write(tmp .. "/ifagent.lua", string.format([[
      local mw = require "moonwalk"
      local t0 = mw.now()
      local a = mw.agent { listen = "udp:127.0.0.1:%d", communities = { public = "ro" } }
      local function inn() return math.floor((mw.now() - t0) * 125000) end
      local function out() return math.floor((mw.now() - t0) * 250000) end
      a:table { oid = "1.3.6.1.2.1.2.2.1", index = "integer", rows = { { name = "wan0" } },
        columns = {
          [2] = { type = "STRING", get = function(r) return r.name end },
          [10] = { type = "Counter32", get = function() return (0xFFFFFFFF - 200000 + inn()) & 0xFFFFFFFF end },
          [16] = { type = "Counter32", get = function() return out() & 0xFFFFFFFF end },
        } }
    ]], port))
    local ag = start(tmp .. "/ifagent.lua", "ifagent")
    finally(function() ag.signal("KILL") end)
    sleep(0.3)
    local out, err, code = run(string.format("examples/if_poller.lua -- peer=127.0.0.1:%d interval=1 count=4 format=json", port))
    assert.equal(0, code, err)
    local lines = json_lines(out)
    assert.equal(3, #lines, out .. err) -- rates from the second poll on
    for _, l in ipairs(lines) do
      assert.equal("wan0", l.ifDescr)
      assert.equal(32, l.counters)
      assert.is_true(math.abs(l.in_bps - 1e6) < 0.1e6, "in " .. l.in_bps)
      assert.is_true(math.abs(l.out_bps - 2e6) < 0.2e6, "out " .. l.out_bps)
    end
  end)

  it("reads net-snmp's snmpd, 64-bit counters, as readable text", function()
    local d = snmpd.start {}
    finally(function() d:cleanup() end)
    local out, err, code = run(string.format("examples/if_poller.lua -- peer=%s interval=1 count=2", d.agent))
    assert.equal(0, code, err)
    assert.matches("127%.0%.0%.1:%d+%s+lo%s+in%s+[%d.]+ %a*bit/s%s+out%s+[%d.]+ %a*bit/s", out)
  end)
end)

describe("examples/trap_enrich.lua", function()
  it("enriches a linkDown from net-snmp's snmptrap with ifDescr from the agent, as JSON", function()
    local d = snmpd.start {}
    local h
    -- busted keeps one finally per test: it cleans up everything
    finally(function()
      if h then h.signal("KILL") end
      d:cleanup()
    end)
    local tport = core.free_udp_port("v4")
    h = start(string.format("examples/trap_enrich.lua -- listen=udp:127.0.0.1:%d agent_port=%d", tport, d.port), "enrich")
    assert.is_true(h.until_match("waiting for traps"), h.err())
    -- ifIndex 1 is lo on Linux
    local r = tool(string.format("snmptrap -v2c -c public 127.0.0.1:%d '' .1.3.6.1.6.3.1.1.5.3 "
      .. ".1.3.6.1.2.1.2.2.1.1.1 i 1 .1.3.6.1.2.1.2.2.1.7.1 i 1 .1.3.6.1.2.1.2.2.1.8.1 i 2", tport))
    assert.equal("", r)
    tool(string.format("snmptrap -v2c -c public 127.0.0.1:%d '' .1.3.6.1.6.3.1.1.5.1", tport))
    assert.is_true(h.until_match('"event":"notification"'), h.out() .. h.err())
    local lines = json_lines(h.out())
    local down, other
    for _, l in ipairs(lines) do
      if l.event == "linkDown" then down = l else other = l end
    end
    assert.truthy(down, h.out())
    assert.equal(1, down.ifIndex)
    assert.equal("lo", down.ifDescr)
    assert.equal(2, down.ifOperStatus)
    assert.equal("127.0.0.1", down.source)
    assert.is_nil(down.enrich_error)
    assert.equal("1.3.6.1.6.3.1.1.5.1", other.trap_oid)
  end)
end)

describe("examples/agent_action.lua", function()
  it("a SET by net-snmp's snmpset runs the action and sends traps to snmptrapd", function()
    local td = trapd.start {}
    local h
    finally(function()
      if h then h.signal("KILL") end
      td:cleanup()
    end)
    local port = core.free_udp_port("v4")
    local log = tmp .. "/actions.log"
    h = start(string.format("examples/agent_action.lua -- listen=udp:127.0.0.1:%d notify=%s restart_time=0.5 log=%s",
      port, td.addr, log), "action")
    assert.is_true(h.until_match("agent listening"), h.err())
    local ENT = ".1.3.6.1.4.1.99999.42"
    local peer = "127.0.0.1:" .. port
    assert.matches("INTEGER: 1", tool("snmpget -v2c -c public -On " .. peer .. " " .. ENT .. ".1.0"))
    -- a value outside the enumeration is refused, nothing runs
    local bad = tool("snmpset -v2c -c private -On " .. peer .. " " .. ENT .. ".1.0 i 9")
    assert.matches("wrongValue", bad)
    -- the read-only community cannot
    assert.matches("noAccess", tool("snmpset -v2c -c public -On " .. peer .. " " .. ENT .. ".1.0 i 3"))
    -- restart: the SET answers, the action runs, two traps go out
    local ok = tool("snmpset -v2c -c private -On " .. peer .. " " .. ENT .. ".1.0 i 3")
    assert.matches(ENT .. ".1.0 = INTEGER: 3", ok, 1, true)
    assert.truthy(td:wait_for("99999.42.0.1", 5), td:log())
    local deadline = core.now() + 5
    while core.now() < deadline and not slurp(log):find("running again") do sleep(0.05) end
    assert.equal("restart\nrunning again\n", slurp(log))
    assert.matches("INTEGER: 1", tool("snmpget -v2c -c public -On " .. peer .. " " .. ENT .. ".1.0"))
    assert.matches("Counter32: 2", tool("snmpget -v2c -c public -On " .. peer .. " " .. ENT .. ".3.0"))
    assert.matches('STRING: "running again at', tool("snmpget -v2c -c public -On " .. peer .. " " .. ENT .. ".2.0"))
    -- both notifications arrived, the second with serviceState running(1)
    local deadline2 = core.now() + 5
    local tlog = td:log()
    while core.now() < deadline2 do
      tlog = td:log()
      if select(2, tlog:gsub("99999%.42%.0%.1", "")) >= 2 then break end
      sleep(0.05)
    end
    assert.is_true(select(2, tlog:gsub("99999%.42%.0%.1", "")) >= 2, tlog)
    assert.matches("running again", tlog)
  end)
end)

describe("examples/set_workflow.lua", function()
  local d
  setup(function()
    -- sysLocation set in the config is read-only for snmpd; sysContact is writable
    d = snmpd.start { extra = { "sysLocation Server Room" } }
  end)
  teardown(function() if d then d:cleanup() end end)

  local function get(oid)
    return tool(string.format("snmpget -v2c -c public -Oqv %s %s", d.agent, oid)):gsub("%s+$", "")
  end

  it("reads, changes and verifies", function()
    local out, err, code = run(string.format(
      "examples/set_workflow.lua -- peer=%s set=1.3.6.1.2.1.1.4.0:s:noc@example.net set=1.3.6.1.2.1.1.5.0:s:edge-1", d.agent))
    assert.equal(0, code, out .. err)
    assert.matches("verify 1.3.6.1.2.1.1.4.0: ok", out, 1, true)
    assert.matches("result: changed 2 object(s)", out, 1, true)
    assert.equal('"noc@example.net"', get(".1.3.6.1.2.1.1.4.0"))
    assert.equal('"edge-1"', get(".1.3.6.1.2.1.1.5.0"))
  end)

  it("rolls the first change back when the second fails", function()
    assert.equal(0, select(3, run(string.format("examples/set_workflow.lua -- peer=%s set=1.3.6.1.2.1.1.4.0:s:before", d.agent))))
    local out, err, code = run(string.format(
      "examples/set_workflow.lua -- peer=%s set=1.3.6.1.2.1.1.4.0:s:changed set=1.3.6.1.2.1.1.6.0:s:elsewhere", d.agent))
    assert.equal(1, code, out .. err)
    assert.matches("set    1.3.6.1.2.1.1.4.0 = changed: ok", out, 1, true)
    assert.matches("FAILED: set 1.3.6.1.2.1.1.6.0", out, 1, true)
    assert.matches("undo   1.3.6.1.2.1.1.4.0 = before: ok", out, 1, true)
    assert.matches("result: rolled back", out, 1, true)
    assert.equal('"before"', get(".1.3.6.1.2.1.1.4.0"))
    assert.equal('"Server Room"', get(".1.3.6.1.2.1.1.6.0"))
  end)
end)

describe("examples/mass_poller.lua", function()
  it("polls 3000 targets from a file against snmpd and our agent, dead ones included", function()
    local d = snmpd.start {}
    local ag
    finally(function()
      if ag then ag.signal("KILL") end
      d:cleanup()
    end)
    local aport = core.free_udp_port("v4")
    write(tmp .. "/massagent.lua", string.format([[
      local mw = require "moonwalk"
      mw.agent { listen = "udp:127.0.0.1:%d", communities = { public = "ro" }, system = { name = "our-agent" } }
    ]], aport))
    ag = start(tmp .. "/massagent.lua", "massagent")
    local dead = core.free_udp_port("v4")
    local lines = { "# name peer [community]" }
    for i = 1, 3000 do
      local peer
      if i % 100 == 0 then peer = "127.0.0.1:" .. dead
      elseif i % 2 == 0 then peer = d.agent
      else peer = "127.0.0.1:" .. aport end
      lines[#lines + 1] = string.format("dev-%04d %s public", i, peer)
    end
    write(tmp .. "/targets.txt", table.concat(lines, "\n") .. "\n")
    sleep(0.2)
    local out, err, code = run(string.format("examples/mass_poller.lua -- targets=%s/targets.txt interval=30 count=1 timeout=1 retries=1 inflight=64 out=%s/mass.jsonl",
      tmp, tmp), 60)
    assert.equal(0, code, err)
    local got = json_lines(slurp(tmp .. "/mass.jsonl"))
    assert.equal(3000, #got)
    local seen, ok, failed = {}, 0, 0
    for _, l in ipairs(got) do
      assert.is_nil(seen[l.target])
      seen[l.target] = true
      local i = tonumber(l.target:match("%d+"))
      if i % 100 == 0 then
        assert.is_false(l.ok)
        assert.matches("Timeout", l.error)
        failed = failed + 1
      else
        assert.is_true(l.ok, l.peer .. " " .. tostring(l.error))
        if i % 2 == 1 then assert.equal("our-agent", l.sysName) end
        ok = ok + 1
      end
    end
    assert.equal(2970, ok)
    assert.equal(30, failed)
    assert.matches("round 1: 3000 targets, 2970 answered, 30 failed", err, 1, true)
  end)
end)

describe("examples/demo.lua", function()
  it("runs the agent, polls it into rates, prints its traps, and stops on Ctrl-C", function()
    local port = core.free_udp_port("v4")
    local h = start(string.format("examples/demo.lua -- port=%d poll=1 flap=2", port), "demo")
    finally(function() h.signal("KILL") end)
    assert.is_true(h.until_match("TRAP linkUp", 15), h.out() .. h.err())
    assert.is_true(h.until_match("poll #3", 10), h.out() .. h.err())
    -- a person can query the demo agent with net-snmp
    assert.matches('STRING: "eth0"', tool(string.format("snmpget -v2c -c public 127.0.0.1:%d .1.3.6.1.2.1.2.2.1.2.1", port)))
    h.signal("INT")
    assert.is_true(h.wait(10), "demo did not stop on SIGINT")
    local out = h.out()
    assert.matches("moonwalk demo", out, 1, true)
    assert.matches("eth0%s+up%s+in%s+[%d.]+ Mbit/s%s+out%s+[%d.]+ Mbit/s", out)
    assert.matches("TRAP linkDown  eth1 from 127.0.0.1", out, 1, true)
    assert.matches("temperature %d+%.%d °C", out)
    assert.matches("stopped", h.err(), 1, true)
    assert.not_matches("error", h.err())
  end)

  -- holds a UDP port on 127.0.0.1 until the returned function is called
  local function occupy(port)
    local pid = tonumber(sh(string.format("socat -u UDP-RECV:%d,bind=127.0.0.1 /dev/null >/dev/null 2>&1 & echo $!", port)):match("(%d+)"))
    sleep(0.3)
    return function() os.execute("kill " .. pid .. " 2>/dev/null") end
  end

  it("takes the next free pair of ports when its default one is busy, and says which", function()
    -- 16161 held by us (or by someone else already: the same for the demo)
    local release = occupy(16161)
    local h
    -- one finally: busted keeps only the last one given
    finally(function()
      if h then h.signal("KILL") end
      release()
    end)
    h = start("examples/demo.lua -- poll=1 flap=100", "demo-busy")
    assert.is_true(h.until_match("poll #1", 15), h.out() .. h.err())
    local port = tonumber(h.out():match("port 16161 is busy: using (%d+) and %d+"))
    assert.is_number(port, h.out())
    assert.matches("agent     udp:127.0.0.1:" .. port, h.out(), 1, true)
    assert.matches('STRING: "eth0"', tool(string.format("snmpget -v2c -c public 127.0.0.1:%d .1.3.6.1.2.1.2.2.1.2.1", port)))
    h.signal("INT")
    assert.is_true(h.wait(10), "demo did not stop on SIGINT")
  end)

  it("given a busy port=N, stops with one line saying why (no traceback)", function()
    local port = core.free_udp_port("v4")
    local release = occupy(port)
    finally(release)
    local out, err, code = run(string.format("examples/demo.lua -- port=%d", port), 20)
    assert.equal(1, code, out .. err)
    assert.equal(string.format("demo: ports %d and %d: agent: cannot listen on udp:127.0.0.1:%d: "
      .. "Address already in use (make run PORT=N takes N and N+1)\n", port, port + 1, port), err)
    assert.equal("", out)
  end)

  it("colours its output only on a terminal, and never with NO_COLOR", function()
    local port = core.free_udp_port("v4")
    local cmd = string.format("cd %s && MOONWALK_LUADIR=%s/lua MIBS= TERM=xterm timeout -s INT 2 %s run examples/demo.lua -- port=%d",
      ROOT, ROOT, BIN, port)
    -- a pipe, with TERM set: plain text
    local piped = sh("env -u NO_COLOR sh -c '" .. cmd .. "' 2>/dev/null")
    assert.matches("moonwalk demo", piped, 1, true)
    assert.is_nil(piped:find("\27[", 1, true))
    -- a terminal (script(1) gives it a pty): colour
    local tty = sh("env -u NO_COLOR script -qec '" .. cmd .. "' /dev/null")
    assert.matches("\27%[1mmoonwalk demo\27%[0m", tty)
    -- a terminal and NO_COLOR: plain text
    local nocolor = sh("NO_COLOR=1 script -qec '" .. cmd .. "' /dev/null")
    assert.matches("moonwalk demo", nocolor, 1, true)
    assert.is_nil(nocolor:find("\27[", 1, true))
  end)
end)
