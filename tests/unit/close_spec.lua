-- Lua 5.4 to-be-closed values: sessions, agents, receivers (mw.trapd) and
-- walks close, and release what they hold, when their block ends however
-- it ends; mw.agent returns nil, err when an address cannot be bound.
local mw = require "moonwalk"
local core = require "moonwalk.core"

local ENT = "1.3.6.1.4.1.99999.88"

local function new_agent(port)
  return mw.agent { listen = "udp:127.0.0.1:" .. port, communities = { public = "ro" } }
end

describe("<close>", function()
  setup(function() core.engine_init() end)

  it("an agent: its port can be bound again once the block ends, normally or by an error", function()
    local port = core.free_udp_port("v4")
    do
      local a <close> = assert(new_agent(port))
      local busy, err = new_agent(port)
      assert.is_nil(busy)
      assert.matches("cannot listen on udp:127.0.0.1:" .. port, err, 1, true)
      assert.equal(1, #a.addresses)
    end
    local ok, err = pcall(function()
      local a <close> = assert(new_agent(port))
      error("leaving early")
    end)
    assert.is_false(ok)
    assert.matches("leaving early", err)
    local again <close> = assert(new_agent(port))
    assert.equal("127.0.0.1:" .. port, again.addresses[1])
  end)

  it("a receiver: its port can be bound again once the block ends", function()
    local port = core.free_udp_port("v4")
    local kept
    do
      local rx <close> = assert(mw.trapd { listen = "udp:127.0.0.1:" .. port, community = "public", stats_interval = 0 })
      kept = rx
      assert.is_nil((mw.trapd { listen = "udp:127.0.0.1:" .. port, community = "public", stats_interval = 0 }))
    end
    assert.is_true(kept.closed)
    local sock = assert(core.udp_open("udp:127.0.0.1:" .. port, function() end))
    sock:close()
  end)

  it("a session: closed once the block ends; using it then raises", function()
    local kept
    do
      local s <close> = mw.session { peer = "127.0.0.1:9", community = "public" }
      kept = s
    end
    local old = mw.log.set_sink(function() end) -- the task's failure is logged
    local ok, err = pcall(function() return mw.run(function() return kept:get "1.3.6.1.2.1.1.1.0" end) end)
    mw.log.set_sink(old)
    assert.is_false(ok)
    assert.matches("session is closed", err)
  end)

  it("a walk: leaving the loop early closes it, and its iterator then ends", function()
    local port = core.free_udp_port("v4")
    local a <close> = assert(new_agent(port))
    for i = 1, 5 do a:scalar { oid = ENT .. "." .. i, type = "INTEGER", value = i } end
    local r = mw.run(function()
      local s <close> = mw.session { peer = "127.0.0.1:" .. port, version = "2c", community = "public" }
      local it
      local function walk(root)
        local f, st, ctl, closing = s:walk(root)
        it = f
        return f, st, ctl, closing
      end
      local first
      for vb in walk(ENT) do first = vb.value break end
      local after_break = it()
      -- and by hand: the 4th value is the closable
      local f, _, _, closing = s:bulkwalk(ENT)
      local one = f()
      do local c <close> = closing end
      local after_close = f()
      local all = {}
      for vb in s:walk(ENT) do all[#all + 1] = vb.value end
      return { first, after_break, one and one.value, after_close, #all }
    end)
    assert.same({ 1, nil, 1, nil, 5 }, { r[1], r[2], r[3], r[4], r[5] })
  end)
end)

describe("mw.agent and its addresses", function()
  setup(function() core.engine_init() end)

  it("returns nil, err when one of its addresses is in use, and frees those it had bound", function()
    local p1, p2 = core.free_udp_port("v4"), core.free_udp_port("v4")
    local holder = assert(core.udp_open("udp:127.0.0.1:" .. p2, function() end))
    local a, err = mw.agent { listen = { "udp:127.0.0.1:" .. p1, "udp:127.0.0.1:" .. p2 }, communities = { public = "ro" } }
    holder:close()
    assert.is_nil(a)
    assert.equal("cannot listen on udp:127.0.0.1:" .. p2 .. ": Address already in use", err)
    local sock = assert(core.udp_open("udp:127.0.0.1:" .. p1, function() end))
    sock:close()
    -- a bad address too; misconfiguration still raises
    local b, berr = mw.agent { listen = "999.1.1.1:5", communities = { public = "ro" } }
    assert.is_nil(b)
    assert.equal("bad listen address 999.1.1.1:5", berr)
    assert.has_error(function() mw.agent { listen = "udp:127.0.0.1:0" } end)
  end)
end)
