-- Counters as rates (lua/moonwalk/rate.lua): wrap, restart, discontinuity.
local mw = require "moonwalk"

local function c32(v) return { type = "Counter32", value = v } end
local function c64(v) return { type = "Counter64", value = v } end

describe("mw.rate", function()
  it("gives nothing for the first reading, then the increase per second of sysUpTime", function()
    local r = mw.rate()
    assert.same({ nil, "first" }, { r:update("in", c32(1000), { uptime = 100 }) })
    assert.equal(250.0, r:update("in", c32(8500), { uptime = 3100 }))   -- 7500 in 30 s
    assert.equal(0.0, r:update("in", c32(8500), { uptime = 4100 }))
  end)

  it("takes a varbind for the uptime too", function()
    local r = mw.rate()
    r:update("k", c32(0), { uptime = { type = "Timeticks", value = 0 } })
    assert.equal(10.0, r:update("k", c32(100), { uptime = { type = "Timeticks", value = 1000 } }))
  end)

  it("counts a Counter32 that went back as a wrap at 2^32", function()
    local r = mw.rate()
    r:update("in", c32(4294967000), { uptime = 0 })
    assert.equal(396 / 2, r:update("in", c32(100), { uptime = 200 }))
  end)

  it("refuses a wrap that would mean more than max_rate, as a discontinuity", function()
    local r = mw.rate()
    r:update("in", c32(5000), { uptime = 0 })
    assert.same({ nil, "discontinuity" }, { r:update("in", c32(10), { uptime = 100, max_rate = 1e6 }) })
    -- the new reading is the baseline
    assert.equal(90.0, r:update("in", c32(100), { uptime = 200, max_rate = 1e6 }))
  end)

  it("treats a Counter64 that went back as a discontinuity, and handles values past 2^63", function()
    local r = mw.rate()
    r:update("hc", c64(-2), { uptime = 0 })                 -- 2^64 - 2
    assert.same({ nil, "discontinuity" }, { r:update("hc", c64(5), { uptime = 100 }) })
    r:update("hc", c64(math.maxinteger), { uptime = 200 })
    assert.equal(1000.0, r:update("hc", c64(math.mininteger + 999), { uptime = 300 }))  -- 2^63 + 999 - (2^63 - 1)
  end)

  it("restarts the baseline when the agent's sysUpTime goes back", function()
    local r = mw.rate()
    r:update("in", c32(900000), { uptime = 500000 })
    assert.same({ nil, "restart" }, { r:update("in", c32(40), { uptime = 300 }) })
    assert.equal(2.0, r:update("in", c32(240), { uptime = 10300 }))
  end)

  it("uses the caller's clock without an uptime, and says when no time passed", function()
    local r = mw.rate()
    r:update("in", 10, { type = "Counter32", at = 100.0 })
    assert.same({ nil, "no time" }, { r:update("in", 20, { type = "Counter32", at = 100.0 }) })
    assert.equal(4.0, r:update("in", 30, { type = "Counter32", at = 105.0 }))
    r:forget("in")
    assert.same({ nil, "first" }, { r:update("in", 30, { type = "Counter32", at = 106.0 }) })
  end)

  it("keeps each key apart and raises on misuse", function()
    local r = mw.rate()
    r:update("a", c32(0), { uptime = 0 })
    r:update("b", c32(0), { uptime = 0 })
    assert.equal(1.0, r:update("a", c32(1), { uptime = 100 }))
    assert.equal(2.0, r:update("b", c32(2), { uptime = 100 }))
    assert.has_error(function() r:update("a", { type = "Gauge32", value = 1 }) end)
    assert.has_error(function() r:update("a", 5) end)
    assert.has_error(function() r:update(nil, c32(1)) end)
  end)
end)
