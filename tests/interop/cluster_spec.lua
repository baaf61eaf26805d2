-- moonwalk run --cluster: membership and target ownership on a real
-- nats-server with JetStream (tests/support/nats.lua). Each instance runs a
-- script that writes, every 0.2 s, the members it sees and which of 300
-- targets mw.shard(target) gives it; the specs read those files. Bounds are
-- generous ("within N seconds"): the machine is shared.
local core = require "moonwalk.core"
local cjson = require "cjson"
local nats = require "nats"
local natsjwt = require "natsjwt"
local support = require "run"
local sh, slurp = support.sh, support.slurp

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "
local NTARGETS = 300

local SCRIPT = [[
local mw = require "moonwalk"
local out, prom = ...
local c = mw.cluster()
if prom then assert(mw.prometheus { listen = "127.0.0.1:" .. prom }) end
local targets = {}
for i = 1, 300 do targets[i] = string.format("node-%03d", i) end
local function dump()
  local owned = {}
  for _, t in ipairs(targets) do
    if mw.shard(t) then owned[#owned + 1] = t end
    assert(mw.shard(t) == c:owns(t))
  end
  local path = out .. "/" .. c.id .. ".json"
  local f = assert(io.open(path .. ".tmp", "w"))
  f:write(mw.json.encode { id = c.id, members = c:members(), owned = owned })
  f:close()
  os.rename(path .. ".tmp", path)
end
c:on_change(function(members, joined, left)
  local f = assert(io.open(out .. "/" .. c.id .. ".changes", "a"))
  f:write(table.concat(members, ","), " +", table.concat(joined, ","), " -", table.concat(left, ","), "\n")
  f:close()
end)
for _, kind in ipairs { "gain", "loss" } do
  c["on_" .. kind](c, function(targets)
    local f = assert(io.open(out .. "/" .. c.id .. "." .. kind, "a"))
    f:write(table.concat(targets, " "), "\n")
    f:close()
  end)
end
mw.every(0.2, dump)
]]

local tmp, server
local procs = {} -- id -> pid

-- each spec its own cluster name (bucket), so none sees another's members
local cluster_name = "spec"
local function start(id, url, extra, args, env)
  local cmd = string.format("cd %s && %s%s%s run --cluster %s --cluster-id %s --cluster-name %s "
    .. "--cluster-heartbeat 0.5 %s %s/member.lua -- %s %s >>%s/%s.log 2>&1 & echo $!",
    ROOT, ENV, env or "", BIN, url, id, cluster_name, extra or "--cluster-timeout 3", tmp, tmp, args or "", tmp, id)
  procs[id] = sh(cmd):match("(%d+)%s*$")
  assert.truthy(procs[id])
end

local function stop(id, sig)
  support.stop(procs[id], sig)
  procs[id] = nil
end

local function state(id)
  local text = slurp(tmp .. "/" .. id .. ".json")
  if text == "" then return nil end
  local ok, v = pcall(cjson.decode, text)
  return ok and v or nil
end

-- waits until every id in ids sees exactly the members `want` (sorted);
-- returns { id = state }
local function wait_members(ids, want, seconds)
  local deadline = core.now() + seconds
  local last = {}
  while core.now() < deadline do
    local all = true
    for _, id in ipairs(ids) do
      local st = state(id)
      last[id] = st and table.concat(st.members, ",") or "(none)"
      if not st or last[id] ~= table.concat(want, ",") then all = false end
    end
    if all then
      local out = {}
      for _, id in ipairs(ids) do out[id] = state(id) end
      return out
    end
    os.execute("sleep 0.1")
  end
  local seen, logs = {}, {}
  for id, m in pairs(last) do seen[#seen + 1] = id .. " sees " .. m end
  for _, id in ipairs(ids) do logs[#logs + 1] = id .. ".log:\n" .. slurp(tmp .. "/" .. id .. ".log"):sub(-3000) end
  error(string.format("members not %s within %d s: %s\n%s", table.concat(want, ","), seconds,
    table.concat(seen, "; "), table.concat(logs, "\n")))
end

-- every target owned by exactly one of the states; returns target -> id
local function partition(states)
  local owner = {}
  for id, st in pairs(states) do
    for _, t in ipairs(st.owned) do
      assert.is_nil(owner[t], t .. " owned by " .. tostring(owner[t]) .. " and " .. id)
      owner[t] = id
    end
  end
  for i = 1, NTARGETS do
    local t = string.format("node-%03d", i)
    assert.truthy(owner[t], t .. " owned by nobody")
  end
  return owner
end

setup(function()
  core.engine_init()
  tmp = sh("mktemp -d /tmp/moonwalk-cluster.XXXXXX"):gsub("%s+$", "")
  support.write(tmp .. "/member.lua", SCRIPT)
  server = nats.start {}
end)

-- a failed spec leaves no instance behind for the next one
after_each(function()
  for id in pairs(procs) do stop(id) end
end)

teardown(function()
  for id in pairs(procs) do stop(id) end
  if server then server:cleanup() end
  if tmp then os.execute("rm -rf " .. tmp) end
end)

describe("moonwalk run --cluster (nats-server -js)", function()
  it("3 instances agree on membership; SIGKILL one and the others take its targets; restarted, it takes back only its share", function()
    for _, id in ipairs { "a", "b", "c" } do start(id, server.url) end
    local three = wait_members({ "a", "b", "c" }, { "a", "b", "c" }, 60)
    local owner3 = partition(three)
    for _, id in ipairs { "a", "b", "c" } do
      assert.is_true(#three[id].owned > NTARGETS / 3 / 2, id .. " owns " .. #three[id].owned)
    end

    -- b dies without a word: a and c drop it after the timeout (3 s)
    stop("b", "KILL")
    os.remove(tmp .. "/b.json")
    local two = wait_members({ "a", "c" }, { "a", "c" }, 3 + 30)
    local owner2 = partition(two)
    local a_gains = {}
    for t, id in pairs(owner3) do
      if id ~= "b" then assert.equal(id, owner2[t], t .. " moved though its owner lives") end
      if id == "b" and owner2[t] == "a" then a_gains[#a_gains + 1] = t end
    end
    table.sort(a_gains)
    -- a was told which targets became its own (on_gain), once
    local deadline = core.now() + 10
    while core.now() < deadline and slurp(tmp .. "/a.gain") == "" do os.execute("sleep 0.1") end
    assert.equal(table.concat(a_gains, " ") .. "\n", slurp(tmp .. "/a.gain"))

    -- b comes back: the targets that move are exactly the ones it wins
    local losses_before = select(2, slurp(tmp .. "/a.loss"):gsub("\n", ""))
    start("b", server.url)
    local back = wait_members({ "a", "b", "c" }, { "a", "b", "c" }, 60)
    local owner3b = partition(back)
    for t, id in pairs(owner2) do
      if owner3b[t] ~= id then assert.equal("b", owner3b[t], t .. " moved to " .. owner3b[t]) end
    end
    assert.same(owner3, owner3b)
    -- and a was told it lost exactly those again (on_loss; the lines
    -- before are what it gave up as b and c joined at the start)
    deadline = core.now() + 10
    local last
    while core.now() < deadline do
      local lines = {}
      for l in slurp(tmp .. "/a.loss"):gmatch("[^\n]+") do lines[#lines + 1] = l end
      if #lines > losses_before then last = lines[#lines] break end
      os.execute("sleep 0.1")
    end
    assert.equal(table.concat(a_gains, " "), last)
    -- a logged the changes with who joined and who left
    local changes = slurp(tmp .. "/a.changes")
    assert.matches("a,c %+ %-b", changes)
    assert.matches("a,b,c %+b %-", changes)
    local nb = 0
    for _, id in pairs(owner3) do if id == "b" then nb = nb + 1 end end
    assert.matches(string.format("cluster spec: 2 member%%(s%%): a c %%(%%-b%%); %d of 300 known target%%(s%%) moved, %d to us, 0 from us",
      nb, #a_gains), slurp(tmp .. "/a.log"))
    for _, id in ipairs { "a", "b", "c" } do stop(id, "TERM") end
  end)

  it("an instance stopped with SIGTERM leaves at once (the others do not wait for the timeout)", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "leave"
    -- a timeout far longer than the bound below: only the delete of its
    -- key on the way out can make the others drop it in time
    for _, id in ipairs { "d", "e" } do start(id, server.url, "--cluster-timeout 300") end
    wait_members({ "d", "e" }, { "d", "e" }, 60)
    stop("e", "TERM")
    wait_members({ "d" }, { "d" }, 30)
    assert.matches("stopped", slurp(tmp .. "/e.log"))
    stop("d", "TERM")
  end)

  it("drops no member whose heartbeats the watcher stops bringing while its key is fresh: watches again", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "deaf"
    start("y", server.url)
    -- x's watcher brings y's first heartbeat, then no more of them until
    -- it is made again (as one that went stale with a NATS node)
    start("x", server.url, nil, nil, "MOONWALK_TEST_CLUSTER_DEAF=y ")
    wait_members({ "x", "y" }, { "x", "y" }, 60)
    local deadline = core.now() + 30
    local want = "the bucket's watcher missed the heartbeats of y: watching again"
    while core.now() < deadline and not slurp(tmp .. "/x.log"):find(want, 1, true) do
      os.execute("sleep 0.1")
    end
    assert(slurp(tmp .. "/x.log"):find(want, 1, true), "x never looked y up:\n" .. slurp(tmp .. "/x.log"))
    -- past the timeout (3 s) again: y is still a member of x's view and
    -- never was dropped
    os.execute("sleep 4")
    wait_members({ "x", "y" }, { "x", "y" }, 1)
    local changes = slurp(tmp .. "/x.changes")
    assert.is_nil(changes:find("-y", 1, true), "x dropped y:\n" .. changes)
    stop("x", "TERM")
    stop("y", "TERM")
  end)

  it("says clearly when NATS is unreachable at start, retries, and joins once it is up", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "late"
    local port = nats.port()
    local url = "nats://127.0.0.1:" .. port
    start("x", url)
    local deadline = core.now() + 30
    while core.now() < deadline and not slurp(tmp .. "/x.log"):find("unreachable", 1, true) do
      os.execute("sleep 0.1")
    end
    assert.matches("cluster late: NATS at " .. url:gsub("%p", "%%%0") .. " unreachable, retrying", slurp(tmp .. "/x.log"))
    -- alone, it owns every target meanwhile
    local alone = wait_members({ "x" }, { "x" }, 30)
    assert.equal(NTARGETS, #alone.x.owned)
    local late = nats.start { port = port }
    finally(function() late:cleanup() end)
    local prom = core.free_udp_port()
    start("y", url, nil, tostring(prom))
    local both = wait_members({ "x", "y" }, { "x", "y" }, 60)
    partition(both)
    -- y's Prometheus endpoint shows the cluster's state
    local metrics = sh(string.format("curl -s http://127.0.0.1:%d/metrics", prom))
    assert.matches("\nmoonwalk_cluster_members 2\n", metrics)
    assert.matches("\nmoonwalk_cluster_connected 1\n", metrics)
    assert.matches("\nmoonwalk_cluster_known_targets 300\n", metrics)
    assert.matches("\nmoonwalk_cluster_owned_targets " .. #both.y.owned .. "\n", metrics)
    assert.matches("connected to NATS at " .. url:gsub("%p", "%%%0"), slurp(tmp .. "/x.log"))
    for _, id in ipairs { "x", "y" } do stop(id, "TERM") end
  end)

  it("with several URLs (--cluster nats://A,nats://B) joins through B when A is down", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "twourls"
    local dead = "nats://127.0.0.1:" .. nats.port()
    start("u", dead .. "," .. server.url)
    start("v", server.url .. "," .. dead)
    local both = wait_members({ "u", "v" }, { "u", "v" }, 60)
    partition(both)
    assert.matches("connected to NATS at " .. server.url:gsub("%p", "%%%0"), slurp(tmp .. "/u.log"))
    for _, id in ipairs { "u", "v" } do stop(id, "TERM") end
  end)

  -- While the bucket's stream elects a new leader (9 s seen on a loaded
  -- 2-core box) heartbeats may not be stored: a timeout longer than that
  -- keeps everyone (README, "When something fails").
  it("on a 3-node NATS cluster, loses one node without dropping anyone (bucket with 3 replicas, timeout 20 s)", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "threenode"
    local cl = nats.cluster {}
    finally(function() cl:cleanup() end)
    for _, id in ipairs { "a", "b", "c" } do
      start(id, cl.url, "--cluster-timeout 20 --cluster-replicas 3")
    end
    partition(wait_members({ "a", "b", "c" }, { "a", "b", "c" }, 90))
    -- one node goes: clients move to the others and the bucket's stream
    -- elects a new leader; meanwhile nobody is dropped
    cl:kill(1)
    local deadline = core.now() + 15
    while core.now() < deadline do
      for _, id in ipairs { "a", "b", "c" } do
        local st = state(id)
        if st and table.concat(st.members, ",") ~= "a,b,c" then
          local logs = {}
          for _, l in ipairs { "a", "b", "c" } do logs[#logs + 1] = l .. ":\n" .. slurp(tmp .. "/" .. l .. ".log"):sub(-1500) end
          error(id .. " lost members: " .. table.concat(st.members, ",") .. "\n" .. table.concat(logs, "\n"))
        end
      end
      os.execute("sleep 0.2")
    end
    -- and the cluster still notices an instance that dies
    stop("b", "KILL")
    partition(wait_members({ "a", "c" }, { "a", "c" }, 20 + 40))
    stop("a", "TERM")
    stop("c", "TERM")
  end)

  it("keeps the last known members while NATS is down, and watches again once it is back", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "restart"
    for _, id in ipairs { "p", "q" } do start(id, server.url) end
    wait_members({ "p", "q" }, { "p", "q" }, 60)
    server:kill()
    local deadline = core.now() + 30
    while core.now() < deadline and not slurp(tmp .. "/p.log"):find("disconnected", 1, true) do
      os.execute("sleep 0.1")
    end
    assert.matches("disconnected from NATS, retrying; keeping the last known 2 member%(s%)", slurp(tmp .. "/p.log"))
    -- longer than the timeout (3 s): nobody is dropped while NATS is away
    os.execute("sleep 5")
    wait_members({ "p", "q" }, { "p", "q" }, 1)
    server:start()
    deadline = core.now() + 30
    while core.now() < deadline and not slurp(tmp .. "/p.log"):find("NATS calls work again", 1, true) do
      os.execute("sleep 0.1")
    end
    -- p's calls must work again before the newcomer is started: if they
    -- do not, the log says how far p got
    local plog = slurp(tmp .. "/p.log")
    assert(plog:find("NATS calls work again", 1, true), "p never said its NATS calls work again:\n" .. plog)
    -- the bucket (in memory) went with the server: it is made again and
    -- watched again, so a newcomer is seen by both
    start("r", server.url)
    wait_members({ "p", "q", "r" }, { "p", "q", "r" }, 60)
    stop("q", "KILL")
    wait_members({ "p", "r" }, { "p", "r" }, 3 + 30)
    stop("p", "TERM")
    stop("r", "TERM")
  end)

  it("passes credentials to NATS (in the --cluster URL, and user/password of mw.cluster{}); wrong ones are named in the log", function()
    local secured = nats.start { args = "--user mw --pass s3cret" }
    finally(function() secured:cleanup() end)
    local with = function(pass) return "nats://mw:" .. pass .. "@127.0.0.1:" .. secured.port end
    -- the script joins a second cluster with credentials of its own
    support.write(tmp .. "/auth.lua", [[
local mw = require "moonwalk"
local out, url, id = ...
local c = mw.cluster { servers = { url }, name = "auth", id = id, user = "mw", password = "s3cret",
                       heartbeat = 0.5, timeout = 3 }
assert(mw.cluster() ~= c and mw.cluster().name == "main")
mw.every(0.2, function()
  for _, cl in ipairs { c, mw.cluster() } do
    local path = out .. "/" .. id .. "-" .. cl.name .. ".json"
    local f = assert(io.open(path .. ".tmp", "w"))
    f:write(mw.json.encode { members = cl:members(), owned = {} })
    f:close()
    os.rename(path .. ".tmp", path)
  end
end)
]])
    local function run(id, pass)
      procs[id] = sh(string.format("cd %s && %s%s run --cluster %s --cluster-name main --cluster-id %s "
        .. "--cluster-heartbeat 0.5 --cluster-timeout 3 %s/auth.lua %s %s %s >>%s/%s.log 2>&1 & echo $!",
        ROOT, ENV, BIN, with(pass), id, tmp, tmp, secured.url, id, tmp, id)):match("(%d+)%s*$")
    end
    run("g1", "s3cret")
    run("g2", "s3cret")
    run("bad", "wrong")
    wait_members({ "g1-main", "g2-main" }, { "g1", "g2" }, 60)
    wait_members({ "g1-auth", "g2-auth", "bad-auth" }, { "bad", "g1", "g2" }, 60)
    local deadline = core.now() + 30
    while core.now() < deadline and not slurp(tmp .. "/bad.log"):find("Authorization", 1, true) do
      os.execute("sleep 0.1")
    end
    assert.matches("cluster main: NATS at nats://mw:***@127.0.0.1:" .. secured.port
      .. " unreachable, retrying: Authorization Violation", slurp(tmp .. "/bad.log"), 1, true)
    -- passwords never reach the logs
    for _, id in ipairs { "g1", "g2", "bad" } do
      local log = slurp(tmp .. "/" .. id .. ".log")
      assert.is_nil(log:find("s3cret", 1, true), log)
      assert.is_nil(log:find("wrong@", 1, true), log)
    end
    assert.same({ "bad" }, state("bad-main").members)
    for _, id in ipairs { "g1", "g2", "bad" } do stop(id, "TERM") end
  end)

  it("joins over TLS with a token (mw.cluster{ tls = { ca = }, token = }); a wrong token is named in the log", function()
    -- a CA and a certificate for 127.0.0.1 signed by it, made for the test
    local d = tmp .. "/tls"
    local out = sh("( " .. table.concat({
      "mkdir -p " .. d, "cd " .. d,
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem"
        .. " -days 2 -subj '/CN=moonwalk test CA'",
      "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr"
        .. " -subj '/CN=127.0.0.1'",
      "printf 'subjectAltName=IP:127.0.0.1\\n' > ext.cnf",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2"
        .. " -extfile ext.cnf",
    }, " && ") .. " ) 2>&1 && echo made")
    assert.matches("made", out)
    local TOKEN = "tok-s3cret-42"
    local secured = nats.start { args = string.format("--tls --tlscert %s/server.pem --tlskey %s/server.key --auth %s",
      d, d, TOKEN) }
    finally(function() secured:cleanup() end)
    local url = "tls://127.0.0.1:" .. secured.port
    support.write(tmp .. "/tls.lua", [[
local mw = require "moonwalk"
local out, url, id, token, ca = ...
local c = mw.cluster { servers = { url }, name = "tls", id = id, token = token, tls = { ca = ca },
                       heartbeat = 0.5, timeout = 3 }
mw.every(0.2, function()
  local path = out .. "/" .. id .. "-tls.json"
  local f = assert(io.open(path .. ".tmp", "w"))
  f:write(mw.json.encode { members = c:members(), owned = {} })
  f:close()
  os.rename(path .. ".tmp", path)
end)
]])
    local function run(id, token)
      procs[id] = sh(string.format("cd %s && %s%s run --cluster %s --cluster-name main-tls --cluster-id %s "
        .. "--cluster-heartbeat 0.5 --cluster-timeout 3 %s/tls.lua %s %s %s %s %s/ca.pem >>%s/%s.log 2>&1 & echo $!",
        ROOT, ENV, BIN, server.url, id, tmp, tmp, url, id, token, d, tmp, id)):match("(%d+)%s*$")
    end
    run("s1", TOKEN)
    run("s2", TOKEN)
    run("sx", "not-the-token")
    wait_members({ "s1-tls", "s2-tls" }, { "s1", "s2" }, 60)
    local deadline = core.now() + 30
    while core.now() < deadline and not slurp(tmp .. "/sx.log"):find("Authorization", 1, true) do
      os.execute("sleep 0.1")
    end
    assert.matches("cluster tls: NATS at " .. url .. " unreachable, retrying: Authorization Violation",
      slurp(tmp .. "/sx.log"), 1, true)
    assert.same({ "sx" }, state("sx-tls").members)
    for _, id in ipairs { "s1", "s2", "sx" } do
      local log = slurp(tmp .. "/" .. id .. ".log")
      assert.is_nil(log:find(TOKEN, 1, true), log)
      assert.is_nil(log:find("not-the-token", 1, true), log)
      stop(id, "TERM")
    end
  end)

  it("joins a server in operator mode with a .creds file (mw.cluster{ creds = }); a user of an unknown account or a seed not matching the JWT is named in the log", function()
    -- an operator, a system account and an account with JetStream, made for
    -- the test (tests/support/natsjwt.lua); the server knows the accounts
    -- from its configuration (resolver: MEMORY)
    local d = tmp .. "/jwt"
    os.execute("mkdir -p " .. d)
    local op = natsjwt.operator(d)
    support.write(d .. "/server.conf", op.config)
    local secured = nats.start { args = "-c " .. d .. "/server.conf", monitor = true }
    finally(function() secured:cleanup() end)
    local users, seeds = {}, {}
    local function creds(name, text, key)
      support.write(d .. "/" .. name .. ".creds", text)
      users[name] = key.public
      seeds[#seeds + 1] = key.seed
    end
    creds("j1", op:user("j1"))
    creds("j2", op:user("j2"))
    -- a user signed by an account the operator never signed
    creds("jx", op:user("jx", natsjwt.nkey("account", d)))
    -- j1's JWT with the seed of another user
    local _, other = op:user("other")
    seeds[#seeds + 1] = other.seed
    support.write(d .. "/jy.creds", (support.slurp(d .. "/j1.creds"):gsub("SU[A-Z2-7]+", other.seed)))
    assert.matches(other.seed, support.slurp(d .. "/jy.creds"), 1, true)
    support.write(tmp .. "/creds.lua", [[
local mw = require "moonwalk"
local out, url, id, creds = ...
local c = mw.cluster { servers = { url }, name = "creds", id = id, creds = creds, heartbeat = 0.5, timeout = 3 }
mw.every(0.2, function()
  local path = out .. "/" .. id .. "-creds.json"
  local f = assert(io.open(path .. ".tmp", "w"))
  f:write(mw.json.encode { members = c:members(), owned = {} })
  f:close()
  os.rename(path .. ".tmp", path)
end)
]])
    local function run(id)
      procs[id] = sh(string.format("cd %s && %s%s run --cluster %s --cluster-name main-creds --cluster-id %s "
        .. "--cluster-heartbeat 0.5 --cluster-timeout 3 %s/creds.lua %s %s %s %s/%s.creds >>%s/%s.log 2>&1 & echo $!",
        ROOT, ENV, BIN, server.url, id, tmp, tmp, secured.url, id, d, id, tmp, id)):match("(%d+)%s*$")
    end
    for _, id in ipairs { "j1", "j2", "jx", "jy" } do run(id) end
    wait_members({ "j1-creds", "j2-creds" }, { "j1", "j2" }, 60)
    -- the server took them as the users of the account in their JWTs
    local cz = cjson.decode(sh(string.format("curl -s 'http://127.0.0.1:%d/connz?auth=true'", secured.monitor)))
    local seen = {}
    for _, conn in ipairs(cz.connections or {}) do
      assert.equal(op.account.public, conn.account)
      seen[conn.name] = conn.authorized_user
    end
    assert.same({ j1 = users.j1, j2 = users.j2 }, seen)
    for _, id in ipairs { "jx", "jy" } do
      local deadline = core.now() + 30
      while core.now() < deadline and not slurp(tmp .. "/" .. id .. ".log"):find("Authorization", 1, true) do
        os.execute("sleep 0.1")
      end
      assert.matches("cluster creds: NATS at " .. secured.url .. " unreachable, retrying: Authorization Violation",
        slurp(tmp .. "/" .. id .. ".log"), 1, true)
      assert.same({ id }, state(id .. "-creds").members)
    end
    assert.matches("authentication error", slurp(secured.log), 1, true)
    -- seeds never reach the logs
    for _, id in ipairs { "j1", "j2", "jx", "jy" } do
      local log = slurp(tmp .. "/" .. id .. ".log")
      for _, seed in ipairs(seeds) do assert.is_nil(log:find(seed, 1, true), log) end
      assert.is_nil(log:find("SU" .. ("[A-Z2-7]"):rep(56)), log)
      stop(id, "TERM")
    end
  end)

  it("SIGHUP keeps the cluster; only the reloaded script's handlers are called", function()
    os.execute("rm -f " .. tmp .. "/*.json")
    cluster_name = "reload"
    local body = [[
local mw = require "moonwalk"
local out = ...
mw.cluster():on_change(function(members)
  local f = assert(io.open(out .. "/h1.reload", "a"))
  f:write("v%d ", table.concat(members, ","), "\n")
  f:close()
end)
mw.every(0.2, function()
  local f = assert(io.open(out .. "/h1.json.tmp", "w"))
  f:write(mw.json.encode { members = mw.cluster():members(), owned = {}, v = %d })
  f:close()
  os.rename(out .. "/h1.json.tmp", out .. "/h1.json")
end)
]]
    support.write(tmp .. "/reload.lua", body:format(1, 1))
    procs.h1 = sh(string.format("cd %s && %s%s run --cluster %s --cluster-id h1 --cluster-name reload "
      .. "--cluster-heartbeat 0.5 --cluster-timeout 3 %s/reload.lua -- %s >>%s/h1.log 2>&1 & echo $!",
      ROOT, ENV, BIN, server.url, tmp, tmp, tmp)):match("(%d+)%s*$")
    wait_members({ "h1" }, { "h1" }, 60)
    support.write(tmp .. "/reload.lua", body:format(2, 2))
    os.execute("kill -HUP " .. procs.h1)
    local deadline = core.now() + 30
    while core.now() < deadline and (state("h1") or {}).v ~= 2 do os.execute("sleep 0.1") end
    assert.equal(2, state("h1").v)
    start("h2", server.url)
    wait_members({ "h1" }, { "h1", "h2" }, 60)
    deadline = core.now() + 10
    while core.now() < deadline and slurp(tmp .. "/h1.reload") == "" do os.execute("sleep 0.1") end
    assert.equal("v2 h1,h2\n", slurp(tmp .. "/h1.reload"))
    -- joined once: the reload kept the connection and the member
    local _, joins = slurp(tmp .. "/h1.log"):gsub("instance h1,", "")
    assert.equal(1, joins)
    stop("h1", "TERM")
    stop("h2", "TERM")
  end)
end)
