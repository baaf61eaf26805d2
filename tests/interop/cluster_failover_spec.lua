-- Failover shown by actual polling: 3 `moonwalk run --cluster` instances
-- poll 300 targets (one moonwalk agent answering 300 communities, one per
-- target: a poll sent with a target's community is answered only as that
-- target) every INTERVAL seconds, each GET only for the targets mw.shard
-- gives it at the start of the round (scripts/bench/cluster_agent.lua and
-- cluster_poll.lua, which the benchmark runs too). Every instance logs
-- "TIME TARGET" for each answered poll (TIME: the wall clock at the start
-- of the round that decided to poll).
--
-- The spec reads those logs: which targets each instance polled and when.
-- A SIGKILLed instance's targets are all polled again by the others (the
-- bound is heartbeat-timeout + one interval; the spec waits with a generous
-- guard and prints the gap it measured); no target is polled by two
-- instances for longer than one interval; a restarted instance polls only
-- its own share from its first round on, and the targets that move back
-- are exactly the ones it wins.
local core = require "moonwalk.core"
local cjson = require "cjson"
local nats = require "nats"
local support = require "run"
local sh, slurp = support.sh, support.slurp

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "
local NTARGETS = 300
local INTERVAL = 1
local TIMEOUT = 3 -- --cluster-timeout (heartbeat 0.5)

-- the agent and the poller of scripts/bench/cluster
local AGENT = ROOT .. "/scripts/bench/cluster_agent.lua"
local POLLER = ROOT .. "/scripts/bench/cluster_poll.lua"

local tmp, server, agent_pid, agent_port
local procs, prom = {}, {}

local function start(id)
  prom[id] = prom[id] or core.free_udp_port("v4")
  procs[id] = sh(string.format("cd %s && %s%s run --stats=1 --cluster %s --cluster-id %s --cluster-name failover "
    .. "--cluster-heartbeat 0.5 --cluster-timeout %d %s -- agent=127.0.0.1:%d targets=%d interval=%g duration=3600 "
    .. "out=%s/%s.polls state=%s/%s.json prometheus=127.0.0.1:%d >>%s/%s.log 2>&1 & echo $!",
    ROOT, ENV, BIN, server.url, id, TIMEOUT, POLLER, agent_port, NTARGETS, INTERVAL, tmp, id, tmp, id, prom[id],
    tmp, id)):match("(%d+)%s*$")
  assert.truthy(procs[id])
end

local function stop(id, sig)
  support.stop(procs[id], sig)
  procs[id] = nil
end

-- polls(id) -> list of { t =, target = } in the order logged
local function polls(id)
  local out = {}
  for t, name in slurp(tmp .. "/" .. id .. ".polls"):gmatch("(%S+) (%S+)\n") do
    out[#out + 1] = { t = tonumber(t), target = name, id = id }
  end
  return out
end

-- owners(ids, from, to) -> target -> set of the ids that polled it in [from, to)
local function owners(ids, from, to)
  local o = {}
  for _, id in ipairs(ids) do
    for _, p in ipairs(polls(id)) do
      if p.t >= from and p.t < to then
        o[p.target] = o[p.target] or {}
        o[p.target][id] = true
      end
    end
  end
  return o
end

-- the single owner of every target in [from, to); fails on a target that
-- nobody or two instances polled
local function partition(ids, from, to)
  local o, single = owners(ids, from, to), {}
  for i = 1, NTARGETS do
    local t = string.format("t%05d", i)
    local set = o[t]
    assert.truthy(set, t .. " polled by nobody between " .. from .. " and " .. to)
    local list = {}
    for id in pairs(set) do list[#list + 1] = id end
    table.sort(list)
    assert.equal(1, #list, t .. " polled by " .. table.concat(list, " and "))
    single[t] = list[1]
  end
  return single
end

local function members(id)
  local ok, v = pcall(cjson.decode, slurp(tmp .. "/" .. id .. ".json"))
  return ok and type(v) == "table" and table.concat(v.members, ",") or "(none)"
end

local function wait_members(ids, want, seconds)
  local deadline = core.time() + seconds
  while core.time() < deadline do
    local all = true
    for _, id in ipairs(ids) do
      if members(id) ~= want then all = false end
    end
    if all then return core.time() end
    os.execute("sleep 0.1")
  end
  error("members not " .. want .. " within " .. seconds .. " s:\n" .. slurp(tmp .. "/" .. ids[1] .. ".log"))
end

-- The longest time any target was polled by two instances at once: each
-- instance's polls of a target are grouped into runs (polls at most 1.5
-- intervals apart); the overlap of two runs of different instances is how
-- long both were polling it.
local function max_overlap(ids)
  local runs = {} -- target -> list of { id =, from =, to = }
  for _, id in ipairs(ids) do
    local last = {}
    for _, p in ipairs(polls(id)) do
      runs[p.target] = runs[p.target] or {}
      local r = last[p.target]
      if r and p.t - r.to <= 1.5 * INTERVAL then
        r.to = p.t
      else
        r = { id = id, from = p.t, to = p.t }
        last[p.target] = r
        table.insert(runs[p.target], r)
      end
    end
  end
  local worst, where = 0, nil
  for target, list in pairs(runs) do
    for i = 1, #list do
      for j = i + 1, #list do
        local a, b = list[i], list[j]
        if a.id ~= b.id then
          local o = math.min(a.to, b.to) - math.max(a.from, b.from)
          if o > worst then worst, where = o, string.format("%s by %s and %s", target, a.id, b.id) end
        end
      end
    end
  end
  return worst, where
end

setup(function()
  core.engine_init()
  tmp = sh("mktemp -d /tmp/moonwalk-failover.XXXXXX"):gsub("%s+$", "")
  agent_port = core.free_udp_port("v4")
  agent_pid = sh(string.format("cd %s && %s%s run %s -- port=%d targets=%d >%s/agent.log 2>&1 & echo $!",
    ROOT, ENV, BIN, AGENT, agent_port, NTARGETS, tmp)):match("(%d+)%s*$")
  server = nats.start {}
  -- the agent answers every community it was given
  local deadline = core.time() + 30
  local out
  repeat
    out = sh(string.format("snmpget -v2c -c c00300 -t 0.5 -r 0 127.0.0.1:%d 1.3.6.1.2.1.1.5.0", agent_port))
  until out:find("bench", 1, true) or core.time() > deadline or not os.execute("sleep 0.1")
  assert.matches("bench", out)
end)

teardown(function()
  for id in pairs(procs) do stop(id) end
  if agent_pid then os.execute("kill " .. agent_pid .. " 2>/dev/null") end
  if server then server:cleanup() end
  if tmp then os.execute("rm -rf " .. tmp) end
end)

describe("moonwalk run --cluster, polling 300 targets", function()
  it("SIGKILL one of 3: its targets are polled again by the others, none by two; restarted, it polls only its share", function()
    local ids = { "a", "b", "c" }
    for _, id in ipairs(ids) do start(id) end
    wait_members(ids, "a,b,c", 60)
    -- a few rounds with all three: every target polled by exactly one
    os.execute("sleep " .. 3 * INTERVAL)
    local now = core.time()
    local owner3 = partition(ids, now - 2 * INTERVAL, now)
    local share = {}
    for t, id in pairs(owner3) do share[id] = (share[id] or 0) + 1 end
    for _, id in ipairs(ids) do assert.is_true((share[id] or 0) > NTARGETS / 3 / 2, id .. " polls " .. tostring(share[id])) end

    -- b dies without a word
    local killed = core.time()
    stop("b", "KILL")
    local b_targets = {}
    for t, id in pairs(owner3) do if id == "b" then b_targets[t] = true end end
    -- every target of b's is polled again by a or c (guard: 60 s)
    local gap, covered
    local deadline = core.time() + 60
    while core.time() < deadline do
      local first = {}
      for _, id in ipairs { "a", "c" } do
        for _, p in ipairs(polls(id)) do
          if p.t >= killed and b_targets[p.target] and (not first[p.target] or p.t < first[p.target]) then
            first[p.target] = p.t
          end
        end
      end
      covered, gap = 0, 0
      for t in pairs(b_targets) do
        if first[t] then
          covered = covered + 1
          gap = math.max(gap, first[t] - killed)
        end
      end
      if covered == share.b then break end
      os.execute("sleep 0.2")
    end
    assert.equal(share.b, covered, "targets of b polled again after the kill")
    print(string.format("\n  SIGKILL to full coverage: %.2f s (bound: timeout %d s + interval %g s)", gap, TIMEOUT, INTERVAL))
    wait_members({ "a", "c" }, "a,c", 30)
    os.execute("sleep " .. 2 * INTERVAL)
    now = core.time()
    local owner2 = partition({ "a", "c" }, now - 2 * INTERVAL, now)
    local a_owns = 0
    for t, id in pairs(owner3) do
      if id ~= "b" then assert.equal(id, owner2[t], t .. " changed hands though its owner lives") end
    end
    for _, id in pairs(owner2) do if id == "a" then a_owns = a_owns + 1 end end
    -- a's Prometheus endpoint and its --stats lines show the cluster's state
    local metrics = sh(string.format("curl -s http://127.0.0.1:%d/metrics", prom.a))
    assert.matches("\nmoonwalk_cluster_members 2\n", metrics)
    assert.matches("\nmoonwalk_cluster_connected 1\n", metrics)
    assert.matches("\nmoonwalk_cluster_known_targets 300\n", metrics)
    assert.matches("\nmoonwalk_cluster_owned_targets " .. a_owns .. "\n", metrics)
    assert.matches("\nmoonwalk_cluster_heartbeat_errors_total 0\n", metrics)
    local moved = tonumber(metrics:match("\nmoonwalk_cluster_moved_targets_total (%d+)\n"))
    assert.is_true(moved >= share.b, metrics)
    local deadline2 = core.time() + 10
    local pat = "stats: snmp sent=%d+ [^\n]*; cluster failover: members=2 %(a c%) owned=" .. a_owns .. " known=300 "
      .. "connected=1 changes=%d+ moved=%d+ heartbeat_errors=0\n"
    while core.time() < deadline2 and not slurp(tmp .. "/a.log"):find(pat) do os.execute("sleep 0.2") end
    assert.matches(pat, slurp(tmp .. "/a.log"))

    -- b comes back: from its first round on it polls only what it wins
    local restarted = core.time()
    local before_restart = #polls("b")
    start("b")
    wait_members(ids, "a,b,c", 60)
    os.execute("sleep " .. 3 * INTERVAL)
    now = core.time()
    local back = partition(ids, now - 2 * INTERVAL, now)
    assert.same(owner3, back)
    for t, id in pairs(owner2) do
      if back[t] ~= id then assert.equal("b", back[t], t .. " moved to " .. back[t]) end
    end
    local after = polls("b")
    assert.is_true(#after > before_restart)
    for i = before_restart + 1, #after do
      local p = after[i]
      assert.is_true(p.t >= restarted)
      assert.is_true(b_targets[p.target], "restarted b polled " .. p.target .. ", which is not its share")
    end

    -- over the whole run: no target polled by two instances for longer
    -- than one interval
    local worst, where = max_overlap(ids)
    print(string.format("  longest time a target was polled by two instances: %.2f s (%s)", worst, tostring(where)))
    assert.is_true(worst <= INTERVAL, string.format("%s polled by two for %.2f s", tostring(where), worst))
    for _, id in ipairs(ids) do stop(id, "TERM") end
  end)
  it("examples/mass_poller.lua follows the live set: each Prometheus endpoint serves the targets its instance owns", function()
    local N = 60
    local f = assert(io.open(tmp .. "/mass.txt", "w"))
    for i = 1, N do f:write(string.format("t%05d 127.0.0.1:%d c%05d\n", i, agent_port, i)) end
    f:close()
    local function run(id)
      prom[id] = prom[id] or core.free_udp_port("v4")
      procs[id] = sh(string.format("cd %s && %s%s run --cluster %s --cluster-id %s --cluster-name mass "
        .. "--cluster-heartbeat 0.5 --cluster-timeout %d examples/mass_poller.lua -- targets=%s/mass.txt interval=1 "
        .. "out=/dev/null prometheus=127.0.0.1:%d >>%s/%s.log 2>&1 & echo $!",
        ROOT, ENV, BIN, server.url, id, TIMEOUT, tmp, prom[id], tmp, id)):match("(%d+)%s*$")
    end
    -- the targets each endpoint shows snmp_up 1 for
    local function shown(id)
      local set, n = {}, 0
      for t in sh(string.format("curl -s http://127.0.0.1:%d/metrics", prom[id])):gmatch('\nsnmp_up{target="(t%d+)"} 1') do
        set[t] = true
        n = n + 1
      end
      return set, n
    end
    -- waits until the endpoints of ids show every target exactly once
    -- (each some)
    local function wait_split(ids)
      local deadline = core.time() + 60
      local counts
      while core.time() < deadline do
        local seen, dup, total = {}, false, 0
        counts = {}
        for _, id in ipairs(ids) do
          local set, n = shown(id)
          if n == 0 then dup = true end
          counts[#counts + 1] = id .. "=" .. n
          for t in pairs(set) do
            if seen[t] then dup = true end
            seen[t] = id
            total = total + 1
          end
        end
        if not dup and total == N then return seen end
        os.execute("sleep 0.2")
      end
      error("endpoints never split the " .. N .. " targets: " .. table.concat(counts, " "))
    end
    run("p")
    run("q")
    local two = wait_split { "p", "q" }
    local q_share = 0
    for _, id in pairs(two) do if id == "q" then q_share = q_share + 1 end end
    assert.is_true(q_share > 0 and q_share < N)
    stop("q", "KILL")
    wait_split { "p" }
    -- q back: p's endpoint drops exactly the targets q takes back
    run("q")
    assert.same(two, wait_split { "p", "q" })
    stop("p", "TERM")
    stop("q", "TERM")
  end)
end)
