local mw = require "moonwalk"

describe("OID", function()
  it("parses with and without a leading dot", function()
    assert.equal("1.3.6.1.2.1.1.1.0", tostring(mw.oid("1.3.6.1.2.1.1.1.0")))
    assert.equal("1.3.6.1.2.1.1.1.0", tostring(mw.oid(".1.3.6.1.2.1.1.1.0")))
  end)

  it("accepts 128 arcs and the arc 4294967295", function()
    local arcs = {}
    for i = 1, 128 do arcs[i] = i == 1 and 1 or 4294967295 end
    arcs[2] = 3
    local o = mw.oid(table.concat(arcs, "."))
    assert.equal(128, #o)
    assert.equal(4294967295, o[128])
  end)

  it("rejects 129 arcs", function()
    local arcs = {}
    for i = 1, 129 do arcs[i] = 1 end
    assert.has_error(function() mw.oid(table.concat(arcs, ".")) end)
  end)

  it("rejects an arc over 32 bits", function()
    local ok, err = pcall(mw.oid, "1.3.6.4294967296")
    assert.is_false(ok)
    assert.matches("32 bits", err)
  end)

  for _, bad in ipairs { "", ".", "1..3", "1.3.", "1.3.a", "1.-3", " 1.3", "1.3 " } do
    it("rejects bad text " .. string.format("%q", bad), function()
      assert.has_error(function() mw.oid(bad) end)
    end)
  end

  it("compares lexicographically as SNMP orders", function()
    assert.is_true(mw.oid("1.3.6.1.2") < mw.oid("1.3.6.1.10"))
    assert.is_true(mw.oid("1.3.6.1") < mw.oid("1.3.6.1.0"))
    assert.is_true(mw.oid("1.3.6.1.2.1") <= mw.oid("1.3.6.1.2.1"))
    assert.is_false(mw.oid("1.3.6.2") < mw.oid("1.3.6.1.99"))
    assert.equal(mw.oid("1.3.6.1"), mw.oid(".1.3.6.1"))
    assert.equal(-1, mw.core.oid_cmp("1.3.6.1.4294967294", "1.3.6.1.4294967295"))
  end)

  it("tests prefixes", function()
    local sys = mw.oid("1.3.6.1.2.1.1")
    assert.is_true(sys:is_prefix_of("1.3.6.1.2.1.1.3.0"))
    assert.is_true(sys:is_prefix_of(sys))
    assert.is_false(sys:is_prefix_of("1.3.6.1.2.1.2.1.0"))
    assert.is_true(mw.oid("1.3.6.1.2.1.1.3.0"):starts_with(sys))
  end)

  it("appends an index", function()
    local col = mw.oid("1.3.6.1.2.1.2.2.1.2")
    assert.equal("1.3.6.1.2.1.2.2.1.2.3", tostring(col .. 3))
    assert.equal("1.3.6.1.2.1.2.2.1.2.3.4", tostring(col:append(3, 4)))
    assert.equal("1.3.6.1.2.1.2.2.1.2.10.0.0.1", tostring(col .. "10.0.0.1"))
    assert.equal("1.3.6.1.2.1.2.2.1.2", tostring(col)) -- unchanged
  end)

  it("indexes arcs and slices", function()
    local o = mw.oid("1.3.6.1.2.1.1.3.0")
    assert.equal(1, o[1]); assert.equal(0, o[-1]); assert.is_nil(o[10])
    assert.equal("1.3.6.1.2.1.1", tostring(o:sub(1, -3)))
    assert.same({ 3, 0 }, o:sub(-2):arcs())
  end)

  it("builds from a table of arcs", function()
    assert.equal("1.3.6", tostring(mw.oid { 1, 3, 6 }))
  end)
end)
