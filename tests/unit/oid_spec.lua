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

describe("OIDs straight from BER (varbind names)", function()
  local core = mw.core
  -- arcs of every encoded length: 1 to 5 octets
  local pool = { 0, 1, 5, 39, 99, 127, 128, 200, 999, 16383, 16384, 65535, 2097151, 2097152,
                 268435455, 268435456, 4294967295 }
  local seed = 7
  local function rand(n) -- a fixed sequence, the same at every run
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n + 1
  end
  local function random_oid(len)
    local arcs = { rand(3) - 1 }
    arcs[2] = arcs[1] < 2 and rand(40) - 1 or pool[rand(#pool)]
    for i = 3, len do arcs[i] = pool[rand(#pool)] end
    return table.concat(arcs, ".")
  end

  it("print as they were given, short or as long as 128 arcs of 4294967295", function()
    local long = { "2", "4294967215" }
    for i = 3, 128 do long[i] = "4294967295" end
    local cases = { "0.0", "1.3.6.1.2.1.1.5.0", "2.999.3", table.concat(long, ".") }
    for _ = 1, 300 do cases[#cases + 1] = random_oid(rand(40) + 1) end
    for _ = 1, 20 do cases[#cases + 1] = random_oid(128) end
    for _, text in ipairs(cases) do
      local ber = core.oid_ber(text)
      assert.equal(text, core.ber_oid_text(ber))
    end
    -- a truncated last arc is an error, not a shorter name
    local ber = core.oid_ber("1.3.6.1.16384")
    assert.is_nil(core.ber_oid_text(ber:sub(1, -2)))
  end)

  it("compare in SNMP order, as the arcs do", function()
    local n = 0
    for _ = 1, 3000 do
      local a = random_oid(rand(12) + 1)
      local b
      local r = rand(3)
      if r == 1 then
        b = random_oid(rand(12) + 1)
      elseif r == 2 then -- the same start, then anything
        local arcs = mw.oid(a):arcs()
        local keep = math.max(2, rand(#arcs))
        b = table.concat(arcs, ".", 1, keep)
        for _ = 1, rand(3) - 1 do b = b .. "." .. pool[rand(#pool)] end
      else -- a prefix of a, or a itself
        local arcs = mw.oid(a):arcs()
        b = table.concat(arcs, ".", 1, math.max(2, rand(#arcs)))
      end
      local want = core.oid_cmp(a, b)
      assert.equal(want, core.ber_oid_cmp(core.oid_ber(a), core.oid_ber(b)), a .. " vs " .. b)
      assert.equal(-want, core.ber_oid_cmp(core.oid_ber(b), core.oid_ber(a)), b .. " vs " .. a)
      if want ~= 0 then n = n + 1 end
    end
    assert.is_true(n > 2000)
    -- octet order is not arc order: 16384 (81 80 00) sorts after 256 (82 00)
    assert.equal(1, core.ber_oid_cmp(core.oid_ber("1.3.16384"), core.oid_ber("1.3.256")))
    assert.equal(-1, core.ber_oid_cmp(core.oid_ber("1.3.127"), core.oid_ber("1.3.128")))
  end)
end)
