-- The local SNMP engine (src/app/snmpengine.c, bound in
-- src/lua/l_snmpengine.c): engine ID format, boots kept across restarts in
-- the state file, the state directory, corrupt and unwritable state files,
-- engine time; and that what moonwalk originates carries its local
-- engine's ID, boots and time (decoded from the datagrams sent).
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local PASS = "authpass123"

local function slurp(p)
  local f = io.open(p)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function write(p, s)
  local f = assert(io.open(p, "w"))
  f:write(s)
  f:close()
end

local function ls(dir)
  local p = io.popen("ls -A " .. dir)
  local names = {}
  for l in p:lines() do names[#names + 1] = l end
  p:close()
  return names
end

local dirs = {}
local function tmpdir()
  local d = td.tmpdir()
  dirs[#dirs + 1] = d
  return d
end
teardown(function() for _, d in ipairs(dirs) do os.execute("rm -rf " .. d) end end)

describe("snmpengine: engine ID", function()
  it("is RFC 3411 format: enterprise 8072, format 128, 8 random octets, the creation time", function()
    local before = os.time()
    local a = assert(core.snmpengine {})
    local b = assert(core.snmpengine {})
    local after = os.time()
    local id = a:id()
    assert.equal(17, #id)
    assert.equal("80001f8880", core.tohex(id:sub(1, 5)))
    local t = string.unpack(">I4", id, 14)
    assert.is_true(t >= before and t <= after, core.tohex(id))
    -- the random part differs from engine to engine
    assert.are_not.equal(id:sub(6, 13), b:id():sub(6, 13))
  end)

  it("takes a given engine ID of 5 to 32 octets, and refuses others", function()
    local e = assert(core.snmpengine { engine_id = core.fromhex("8000000001020304") })
    assert.equal("8000000001020304", core.tohex(e:id()))
    local nope, err = core.snmpengine { engine_id = "1234" }
    assert.is_nil(nope)
    assert.matches("5 to 32 octets", err, 1, true)
    assert.is_nil((core.snmpengine { engine_id = string.rep("x", 33) }))
  end)
end)

describe("snmpengine: boots and the state file", function()
  it("without a state file: boots as given, 1 by default, nothing written", function()
    assert.equal(1, assert(core.snmpengine {}):boots())
    assert.equal(0, assert(core.snmpengine { boots = 0 }):boots())
    assert.equal(7, assert(core.snmpengine { boots = 7 }):boots())
    assert.is_nil(assert(core.snmpengine {}):state_file())
  end)

  it("counts boots across restarts and keeps the engine ID", function()
    local dir = tmpdir()
    local a = assert(core.snmpengine { state = dir })
    assert.equal(1, a:boots())
    assert.equal(dir .. "/moonwalk-engine.state", a:state_file())
    local b = assert(core.snmpengine { state = dir })
    local c = assert(core.snmpengine { state = dir, boots = 99 }) -- stored boots win
    assert.equal(a:id(), b:id())
    assert.equal(a:id(), c:id())
    assert.equal(2, b:boots())
    assert.equal(3, c:boots())
    local text = slurp(dir .. "/moonwalk-engine.state")
    assert.matches("\nengineID " .. core.tohex(a:id()) .. "\n", text, 1, true)
    assert.matches("\nengineBoots 3\n", text, 1, true)
    -- written through a temporary file and a rename: nothing else is left
    assert.same({ "moonwalk-engine.state" }, ls(dir))
    -- a given engine ID replaces the stored one (and is stored); boots go on
    local d = assert(core.snmpengine { state = dir, engine_id = core.fromhex("80000000050102030405") })
    assert.equal("80000000050102030405", core.tohex(d:id()))
    assert.equal(4, d:boots())
    local e = assert(core.snmpengine { state = dir })
    assert.equal("80000000050102030405", core.tohex(e:id()))
    assert.equal(5, e:boots())
  end)

  it("keeps the other lines of the file (the agent's system strings)", function()
    local dir = tmpdir()
    write(dir .. "/x.state", "# old\nengineID 8000000001020304\nengineBoots 41\nsysLocation 72616b6b2037\n")
    local e = assert(core.snmpengine { state = dir, file = "x.state" })
    assert.equal(42, e:boots())
    assert.equal("8000000001020304", core.tohex(e:id()))
    assert.matches("\nsysLocation 72616b6b2037\n", slurp(dir .. "/x.state"), 1, true)
  end)

  it("stays at 2147483647 boots once there (RFC 3414 2.2.2)", function()
    local dir = tmpdir()
    write(dir .. "/moonwalk-engine.state", "engineID 8000000001020304\nengineBoots 2147483646\n")
    assert.equal(2147483647, assert(core.snmpengine { state = dir }):boots())
    assert.equal(2147483647, assert(core.snmpengine { state = dir }):boots())
  end)

  it("creates a missing state directory and its parents, mode 0700", function()
    local dir = tmpdir() .. "/a/b/c"
    local e = assert(core.snmpengine { state = dir })
    assert.equal(1, e:boots())
    assert.truthy(slurp(dir .. "/moonwalk-engine.state"))
    local p = io.popen("stat -c %a " .. dir)
    assert.equal("700", p:read("l"))
    p:close()
  end)

  it("refuses a corrupt state file with a clear message, and leaves it as it is", function()
    local dir = tmpdir()
    local path = dir .. "/moonwalk-engine.state"
    local cases = {
      { "engineID 80zz0000010203\nengineBoots 3\n", "(line 1): engineID is not 5 to 32 octets in hex" },
      { "engineID 8000\nengineBoots 3\n", "(line 1): engineID is not 5 to 32 octets in hex" },
      { "# c\nengineID 8000000001020304\nengineBoots three\n", "(line 3): engineBoots is not a number from 0 to 2147483647" },
      { "engineID 8000000001020304\nengineBoots -1\n", "(line 2): engineBoots is not a number" },
      { "engineID 8000000001020304\nengineBoots 2147483648\n", "(line 2): engineBoots is not a number" },
    }
    for _, c in ipairs(cases) do
      write(path, c[1])
      local e, err = core.snmpengine { state = dir }
      assert.is_nil(e)
      assert.matches("corrupt state file " .. path .. " " .. c[2], err, 1, true)
      assert.matches("correct or remove the file", err, 1, true)
      assert.equal(c[1], slurp(path))
    end
  end)

  it("reports a state file it cannot write, and a directory it cannot make", function()
    -- /proc/self is a directory nobody, root included, can create files in
    local e, err = core.snmpengine { state = "/proc/self" }
    assert.is_nil(e)
    assert.matches("cannot write the state file /proc/self/moonwalk-engine.state: ", err, 1, true)
    e, err = core.snmpengine { state = "/dev/null/sub" }
    assert.is_nil(e)
    assert.equal("cannot create the state directory /dev/null/sub: Not a directory", err)
  end)

  it("the agent and the receiver refuse a corrupt state file at start, naming it", function()
    local dir = tmpdir()
    write(dir .. "/moonwalk-agent.state", "engineID nothex\n")
    local ok, err = pcall(mw.agent, { listen = "udp:127.0.0.1:0", communities = "public", state = dir })
    assert.is_false(ok)
    assert.matches("agent: corrupt state file " .. dir .. "/moonwalk-agent.state (line 1)", err, 1, true)
    write(dir .. "/trapd.state", "engineID 8000000001020304\nengineBoots x\n")
    td.run(function()
      local rok, rerr = pcall(mw.trapd, { listen = "udp:127.0.0.1:0", community = "public", state = dir })
      assert.is_false(rok)
      assert.matches("trapd: corrupt state file " .. dir .. "/trapd.state (line 2)", rerr, 1, true)
    end)
  end)

  it("the agent and the receiver keep their engine in the same file format", function()
    local dir = tmpdir()
    local a = mw.agent { listen = "udp:127.0.0.1:0", communities = "public", state = dir }
    local hex, boots = a:engine()
    a:close()
    assert.equal(1, boots)
    -- the agent's file, read by a plain engine: the same ID, the next boots
    local e = assert(core.snmpengine { state = dir, file = "moonwalk-agent.state" })
    assert.equal(hex, core.tohex(e:id()))
    assert.equal(2, e:boots())
    td.run(function()
      local rx = assert(mw.trapd { listen = "udp:127.0.0.1:0", community = "public", state = dir })
      local eid, rboots = rx:engine()
      rx:close()
      local rx2 = assert(mw.trapd { listen = "udp:127.0.0.1:0", community = "public", state = dir })
      local eid2, rboots2 = rx2:engine()
      assert.equal(eid, rx2:local_engine():id())
      rx2:close()
      assert.equal(eid, eid2)
      assert.same({ 1, 2 }, { rboots, rboots2 })
      assert.matches("\nengineBoots 2\n", slurp(dir .. "/trapd.state"), 1, true)
    end)
  end)
end)

describe("snmpengine: time", function()
  it("counts seconds from the start on the monotonic clock, never going back", function()
    local e = assert(core.snmpengine {})
    local last = e:time()
    assert.is_true(last >= 0)
    for _ = 1, 1000 do
      local t = e:time()
      assert.is_true(t >= last)
      last = t
    end
    local t0 = e:time()
    os.execute("sleep 1.1")
    assert.is_true(e:time() >= t0 + 1)
    local id, boots, time = e:engine()
    assert.same({ e:id(), e:boots() }, { id, boots })
    assert.is_true(time >= t0 + 1)
  end)
end)

-- Sends from fn (in a task) to a plain UDP socket and decodes what came.
local function capture(fn)
  local got = {}
  td.run(function()
    local s = assert(core.udp_open("udp:127.0.0.1:0", function(data) got[#got + 1] = data end))
    fn("127.0.0.1:" .. s:port())
    assert.is_true(td.wait_until(function() return #got > 0 end))
    s:close()
  end)
  return assert(mw.decode(got[1]))
end

local V3 = { version = "3", user = "u", level = "authNoPriv", auth = "SHA", auth_pass = PASS,
             trap_oid = LINKDOWN, uptime = 1 }
local function with(t)
  local o = {}
  for k, v in pairs(V3) do o[k] = v end
  for k, v in pairs(t) do o[k] = v end
  return o
end

describe("snmpengine: what moonwalk originates carries its local engine", function()
  it("mw.trap (v3): the process's engine ID, boots and time", function()
    local le = mw.local_engine()
    local m = capture(function(peer) assert(mw.trap(with { peer = peer })) end)
    assert.equal(le:id(), m.engine_id)
    assert.equal(le:boots(), m.engine_boots)
    assert.is_true(m.engine_time >= 0 and m.engine_time <= le:time())
    assert.equal(le:id(), require("moonwalk.notify").engine_id())
    assert.equal(le:id(), mw.local_engine():id()) -- one per process
  end)

  it("mw.local_engine{state=} restarts the process's engine with its kept ID and boots", function()
    local dir = tmpdir()
    write(dir .. "/moonwalk-engine.state", "engineID 80001f888001020304050607080900000001\nengineBoots 6\n")
    local le = assert(mw.local_engine { state = dir })
    assert.equal("80001f888001020304050607080900000001", core.tohex(le:id()))
    assert.equal(7, le:boots())
    local m = capture(function(peer) assert(mw.trap(with { peer = peer })) end)
    assert.equal(le:id(), m.engine_id)
    assert.equal(7, m.engine_boots)
    -- a restart from a corrupt file fails and changes nothing
    local bad = tmpdir()
    write(bad .. "/moonwalk-engine.state", "engineID 8000000001020304\nengineBoots x\n")
    local none, err = mw.local_engine { state = bad }
    assert.is_nil(none)
    assert.matches("corrupt state file", err, 1, true)
    local now = mw.local_engine()
    assert.same({ le:id(), 7, dir .. "/moonwalk-engine.state" }, { now:id(), now:boots(), now:state_file() })
  end)

  it("mw.trap{local_engine=} sends from that engine instead", function()
    local own = assert(core.snmpengine { engine_id = core.fromhex("8000000005cafe0001"), boots = 12 })
    local m = capture(function(peer) assert(mw.trap(with { peer = peer, local_engine = own })) end)
    assert.equal("8000000005cafe0001", core.tohex(m.engine_id))
    assert.equal(12, m.engine_boots)
  end)

  it("agent:notify (v3): the agent's own engine ID, boots and time", function()
    local dir = tmpdir()
    write(dir .. "/moonwalk-agent.state", "engineID 80001f8880aabbccdd0102030400000002\nengineBoots 4\n")
    local a
    local m = capture(function(peer)
      a = mw.agent { listen = "udp:127.0.0.1:0", communities = "public", state = dir,
                     notify = { { peer = peer, version = "3", user = "u", level = "authNoPriv", auth = "SHA",
                                  auth_pass = PASS } } }
      a:notify(LINKDOWN, {})
    end)
    local hex, boots = a:engine()
    a:close()
    assert.equal("80001f8880aabbccdd0102030400000002", hex)
    assert.equal(hex, core.tohex(m.engine_id))
    assert.equal(5, boots)
    assert.equal(5, m.engine_boots)
    assert.are_not.equal(mw.local_engine():id(), m.engine_id)
  end)
end)
