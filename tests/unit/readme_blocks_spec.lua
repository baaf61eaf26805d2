-- Every ```lua block of README.md and doc/lua-api.md runs, as it is, under
-- `moonwalk run`, against peers this spec starts on loopback.
--
-- How a block names its peers (the convention the README states):
--   127.0.0.1:1161  the agent: net-snmp's snmpd started here (community
--                   public, v3 user ops SHA-256/AES, as the README's v3
--                   block uses) -- or, when the block starts an agent of
--                   its own (mw.agent), that agent's address: a free port,
--                   which this spec then queries with snmpget/snmpwalk
--   127.0.0.1:1162  where notifications go: a free port (the block's own
--                   receiver, or nobody)
--   127.0.0.1:9100, 127.0.0.1:8086  HTTP ports of outputs: free ports
-- Each address is rewritten to its port before the block runs.
--
-- A block that cannot run alone (a few lines of a larger script) is marked
-- ```lua fragment: it is not run, and there must be few of them.
local core = require "moonwalk.core"
local snmpd = require "snmpd"
local R = require "run"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local root = os.getenv("MOONWALK_ROOT") or "."
local MAX_FRAGMENTS = 3

-- blocks(file) -> { {text =, line =, fragment = bool}, ... }
local function blocks(file)
  local out, cur = {}, nil
  local n = 0
  for line in (R.slurp(root .. "/" .. file) .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    if cur then
      if line:match("^```%s*$") then
        out[#out + 1] = cur
        cur = nil
      else
        cur.text = cur.text .. line .. "\n"
      end
    else
      local info = line:match("^```lua(.*)$")
      if info then cur = { text = "", line = n, file = file, fragment = info:find("fragment", 1, true) ~= nil } end
    end
  end
  return out
end

local all = {}
for _, f in ipairs { "README.md", "doc/lua-api.md" } do
  for _, b in ipairs(blocks(f)) do all[#all + 1] = b end
end

local tmp, d
setup(function()
  core.engine_init()
  tmp = R.sh("mktemp -d /tmp/moonwalk-readme.XXXXXX"):gsub("%s+$", "")
  d = snmpd.start { extra = { 'createUser ops SHA-256 "authpass123" AES "privpass123"', "rwuser ops priv" } }
end)
teardown(function()
  if d then d:cleanup() end
  if tmp then os.execute("rm -rf " .. tmp) end
end)

local function plain(s) return (s:gsub("%p", "%%%0")) end

-- starts a block under `moonwalk run` in its own directory
local function start(b, i)
  local dir = tmp .. "/" .. i
  os.execute("mkdir -p " .. dir)
  local ports = { agent = d.port, notify = core.free_udp_port("v4"), http1 = core.free_udp_port("v4"),
                  http2 = core.free_udp_port("v4") }
  if b.text:find("mw.agent", 1, true) then ports.agent = core.free_udp_port("v4") end
  local text = b.text
  for from, to in pairs { ["127.0.0.1:1161"] = ports.agent, ["127.0.0.1:1162"] = ports.notify,
                          ["127.0.0.1:9100"] = ports.http1, ["127.0.0.1:8086"] = ports.http2 } do
    text = text:gsub(plain(from), "127.0.0.1:" .. to)
  end
  R.write(dir .. "/block.lua", text)
  local pid = tonumber(R.sh(string.format("cd %s && %s run block.lua >out 2>err & echo $!", dir, BIN)):match("(%d+)%s*$"))
  local h = { dir = dir, ports = ports }
  function h.out() return R.slurp(dir .. "/out") end
  function h.err() return R.slurp(dir .. "/err") end
  function h.alive() return os.execute(string.format("kill -0 %d 2>/dev/null", pid)) == true end
  function h.stop()
    if h.alive() then os.execute(string.format("kill -TERM %d 2>/dev/null", pid)) end
    for _ = 1, 300 do
      if not h.alive() then return end
      R.sleep(0.05)
    end
    os.execute(string.format("kill -KILL %d 2>/dev/null", pid))
  end
  -- waits until what(h) is true or the block has ended
  function h.until_true(what)
    for _ = 1, 200 do
      if what(h) then return true end
      if not h.alive() then return what(h) end
      R.sleep(0.05)
    end
    return false
  end
  return h
end

-- what each block must show beyond running without an error, found by a
-- phrase of the block; a block none of these match must still run clean
local checks = {
  { has = "dev:bulkwalk", what = "polls sysUpTime and sysName, walks ifDescr",
    ready = function(h) return h.out():find("1.3.6.1.2.1.2.2.1.2.1", 1, true) ~= nil end,
    check = function(h)
      assert.matches("1%.3%.6%.1%.2%.1%.1%.5%.0", h.out())
      assert.matches("1%.3%.6%.1%.2%.1%.2%.2%.1%.2%.1%s+lo", h.out())
    end },
  { has = 'version = "3"', what = "v3 authPriv: prints the agent's engine ID",
    ready = function(h) return h.out():find("^%x+\n") ~= nil end,
    check = function(h) assert.matches("^80%x+\n$", h.out()) end },
  { has = "mw.trapd", what = "receives its own linkDown and asks the agent for sysName",
    ready = function(h) return h.err():find("linkDown from 127.0.0.1", 1, true) ~= nil end,
    check = function(h) assert.not_matches("%?: linkDown", h.err()) end },
  { has = "a:scalar", what = "serves its scalar and sparse table; a SET runs set and notify",
    ready = function(h)
      return R.sh(string.format("MIBS= snmpget -v2c -c public -On -t 0.5 -r 10 127.0.0.1:%d .1.3.6.1.4.1.99999.1.1.0",
        h.ports.agent)):find("INTEGER: 21", 1, true) ~= nil
    end,
    check = function(h)
      local walk = R.sh(string.format("MIBS= snmpwalk -v2c -c public -On -t 0.5 -r 3 127.0.0.1:%d .1.3.6.1.4.1.99999.2",
        h.ports.agent))
      assert.matches('%.1%.3%.6%.1%.4%.1%.99999%.2%.1%.2%.1 = STRING: "eth0"', walk)
      assert.matches("%.1%.3%.6%.1%.4%.1%.99999%.2%.1%.3%.1 = Counter32: 42", walk)
      assert.matches('%.1%.3%.6%.1%.4%.1%.99999%.2%.1%.2%.7 = STRING: "eth1"', walk)
      local set = R.sh(string.format("MIBS= snmpset -v2c -c private -On -t 0.5 -r 3 127.0.0.1:%d .1.3.6.1.4.1.99999.1.1.0 i 30",
        h.ports.agent))
      assert.matches("INTEGER: 30", set)
      set = R.sh(string.format("MIBS= snmpset -v2c -c private -On -t 0.5 -r 3 127.0.0.1:%d .1.3.6.1.4.1.99999.1.1.0 i 300",
        h.ports.agent))
      assert.matches("wrongValue", set)
      -- the user given as "ops:SHA-256:authpass123:AES:privpass123"
      local v3 = R.sh(string.format("MIBS= snmpget -v3 -u ops -l authPriv -a SHA-256 -A authpass123 -x AES "
        .. "-X privpass123 -On -t 0.5 -r 3 127.0.0.1:%d .1.3.6.1.4.1.99999.1.1.0", h.ports.agent))
      assert.matches("INTEGER: 30", v3)
    end },
  { has = "ifs:replace", what = "a table object: set, get, remove, replace, pairs",
    ready = function(h) return h.out():find("eth0", 1, true) ~= nil end,
    check = function(h)
      assert.matches("^1%s+eth0%s+1\n", h.out())
      local walk = R.sh(string.format("MIBS= snmpwalk -v2c -c public -On -t 0.5 -r 3 127.0.0.1:%d .1.3.6.1.4.1.99999.3",
        h.ports.agent))
      assert.matches('%.1%.3%.6%.1%.4%.1%.99999%.3%.1%.2%.1 = STRING: "eth0"', walk)
    end },
  { has = "mw.json.lines", what = "JSON lines to a file, an Influx writer, a Prometheus endpoint",
    ready = function(h)
      return R.sh(string.format("curl -s http://127.0.0.1:%d/metrics", h.ports.http1)):find("polls_total", 1, true) ~= nil
    end,
    check = function(h)
      assert.matches('"event":"linkDown"', R.slurp(h.dir .. "/events.jsonl"))
      local m = R.sh(string.format("curl -s http://127.0.0.1:%d/metrics", h.ports.http1))
      assert.matches('if_in_bps{host="r1",ifName="eth0"} 1200000', m, 1, true)
      assert.matches("polls_total 1", m, 1, true)
    end },
}

-- a clean run: nothing logged at error level, no task failed, no raise
local function clean(err)
  assert.not_matches("Z error ", err)
  assert.not_matches("task [^\n]* failed", err)
  assert.not_matches("\nmoonwalk: ", "\n" .. err)
end

describe("code blocks of README.md and doc/lua-api.md", function()
  it("are found, and few are fragments", function()
    local runnable, fragments = 0, 0
    for _, b in ipairs(all) do
      if b.fragment then fragments = fragments + 1 else runnable = runnable + 1 end
    end
    assert.is_true(runnable >= 6, "runnable blocks: " .. runnable)
    assert.is_true(fragments <= MAX_FRAGMENTS, "fragments: " .. fragments)
  end)

  for i, b in ipairs(all) do
    if not b.fragment then
      local c
      for _, k in ipairs(checks) do
        if b.text:find(k.has, 1, true) then c = k break end
      end
      it(string.format("%s:%d runs%s", b.file, b.line, c and (": " .. c.what) or ""), function()
        local h = start(b, i)
        finally(h.stop)
        if c then
          assert.is_true(h.until_true(c.ready), "not ready\n" .. h.out() .. h.err())
          c.check(h)
        else
          -- a block with nothing to look at: it ends by itself, or serves
          for _ = 1, 40 do
            if not h.alive() then break end
            R.sleep(0.05)
          end
        end
        h.stop()
        clean(h.err())
      end)
    end
  end
end)
