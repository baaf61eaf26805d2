-- Scale-out: N `moonwalk run --shard K/N` instances split one target file
-- with no coordination; together they poll every target exactly once, and
-- growing to N+1 instances moves targets only to the new one.
local core = require "moonwalk.core"
local cjson = require "cjson"
local snmpd = require "snmpd"
local support = require "run"
local sh, slurp = support.sh, support.slurp

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "

local tmp, d
setup(function()
  core.engine_init()
  tmp = sh("mktemp -d /tmp/moonwalk-shard.XXXXXX"):gsub("%s+$", "")
  d = snmpd.start {}
  local f = assert(io.open(tmp .. "/targets.txt", "w"))
  for i = 1, 400 do f:write(string.format("node-%03d %s public\n", i, d.agent)) end
  f:close()
end)
teardown(function()
  if d then d:cleanup() end
  if tmp then os.execute("rm -rf " .. tmp) end
end)

-- runs n instances at once; returns { [k] = set of targets polled }
local function poll_with(n, how)
  local pids = {}
  for k = 0, n - 1 do
    local shard = how == "env" and string.format("MOONWALK_SHARD=%d/%d ", k, n) or ""
    local opt = how == "env" and "" or string.format("--shard %d/%d ", k, n)
    local cmd = string.format("cd %s && %s%s timeout 60 %s run %sexamples/mass_poller.lua -- targets=%s/targets.txt "
      .. "interval=30 count=1 inflight=32 out=%s/shard-%d-%d.jsonl >%s/shard-%d-%d.log 2>&1 & echo $!",
      ROOT, ENV, shard, BIN, opt, tmp, tmp, n, k, tmp, n, k)
    pids[#pids + 1] = sh(cmd):match("(%d+)%s*$")
  end
  for _, pid in ipairs(pids) do
    local deadline = core.now() + 60
    while os.execute("kill -0 " .. pid .. " 2>/dev/null") and core.now() < deadline do os.execute("sleep 0.05") end
  end
  local sets = {}
  for k = 0, n - 1 do
    local set = {}
    for line in slurp(string.format("%s/shard-%d-%d.jsonl", tmp, n, k)):gmatch("[^\n]+") do
      local l = cjson.decode(line)
      assert.is_true(l.ok, line)
      assert.is_nil(set[l.target])
      set[l.target] = true
    end
    assert.matches(string.format("shard %d of %d", k, n), slurp(string.format("%s/shard-%d-%d.log", tmp, n, k)), 1, true)
    sets[k] = set
  end
  return sets
end

local function check_partition(sets, n)
  local owner, total = {}, 0
  for k = 0, n - 1 do
    local c = 0
    for t in pairs(sets[k]) do
      assert.is_nil(owner[t], t .. " polled by two instances")
      owner[t] = k
      c = c + 1
    end
    -- rendezvous hashing spreads them: no instance is idle or has most
    assert.is_true(c > 400 / n / 2 and c < 400 / n * 1.6, "instance " .. k .. " has " .. c)
    total = total + c
  end
  assert.equal(400, total)
  for i = 1, 400 do assert.truthy(owner[string.format("node-%03d", i)]) end
  return owner
end

describe("moonwalk run --shard K/N", function()
  it("3 instances poll disjoint sets that cover every target; a 4th moves targets only to itself", function()
    local three = check_partition(poll_with(3), 3)
    local four = check_partition(poll_with(4, "env"), 4)
    local moved = 0
    for t, k in pairs(three) do
      if four[t] ~= k then
        assert.equal(3, four[t], t .. " moved between old instances")
        moved = moved + 1
      end
    end
    assert.is_true(moved > 50 and moved < 150, "moved " .. moved)
  end)

  it("refuses a shard that does not exist", function()
    local out = sh(string.format("cd %s && %s %s run --shard 3/3 examples/mass_poller.lua 2>&1; echo rc=$?", ROOT, ENV, BIN))
    assert.matches("0 <= K < N", out, 1, true)
    assert.matches("rc=1", out, 1, true)
  end)
end)
