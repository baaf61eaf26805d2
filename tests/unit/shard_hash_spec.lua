-- mw.shard: rendezvous hashing of targets over N instances.
local mw = require "moonwalk"
local shard = require "moonwalk.shard"

local function keys(n)
  local out = {}
  for i = 1, n do out[i] = string.format("10.%d.%d.%d:161", (i >> 16) & 255, (i >> 8) & 255, i & 255) end
  return out
end

describe("shard", function()
  after_each(function() shard.set(0, 1) end)

  it("is reached as mw.shard and callable", function()
    assert.equal(shard, mw.shard)
    shard.set("1/3")
    assert.equal(shard.mine("x"), mw.shard("x"))
    assert.same({ 1, 3 }, { shard.config() })
  end)

  it("gives every key exactly one owner among N", function()
    local ks = keys(3000)
    for _, n in ipairs { 1, 2, 3, 5, 8 } do
      local seen = {}
      for k = 0, n - 1 do
        shard.set(k, n)
        for _, key in ipairs(shard.filter(ks)) do
          assert.is_nil(seen[key])
          seen[key] = k
        end
      end
      for _, key in ipairs(ks) do
        assert.equal(shard.owner(key, n), seen[key])
      end
    end
  end)

  it("spreads keys evenly", function()
    local counts = { [0] = 0, 0, 0, 0 }
    for _, key in ipairs(keys(20000)) do
      local o = shard.owner(key, 4)
      counts[o] = counts[o] + 1
    end
    for i = 0, 3 do
      assert.is_true(counts[i] > 4500 and counts[i] < 5500, "instance " .. i .. ": " .. counts[i])
    end
  end)

  it("adding an instance moves only the keys the new one wins", function()
    local ks = keys(10000)
    for _, n in ipairs { 1, 2, 4, 7 } do
      local moved = 0
      for _, key in ipairs(ks) do
        local a, b = shard.owner(key, n), shard.owner(key, n + 1)
        if a ~= b then
          assert.equal(n, b) -- to the new instance, never between old ones
          moved = moved + 1
        end
      end
      local expect = #ks / (n + 1)
      assert.is_true(math.abs(moved - expect) < expect * 0.15, ("%d -> %d moved %d"):format(n, n + 1, moved))
    end
  end)

  it("removing the last instance moves only its keys", function()
    for _, key in ipairs(keys(5000)) do
      local a, b = shard.owner(key, 5), shard.owner(key, 4)
      if a ~= 4 then assert.equal(a, b) end
    end
  end)

  it("is the same in every process (no random seed)", function()
    assert.equal(1, shard.owner("router-1.example.net", 3))
    assert.equal(1, shard.owner("127.0.0.1:1161", 3))
    assert.equal(shard.score("a", 0), shard.score("a", 0))
  end)

  it("parses K/N and refuses the rest", function()
    assert.same({ 0, 4 }, { shard.parse("0/4") })
    assert.same({ 3, 4 }, { shard.parse(" 3 / 4 ") })
    for _, bad in ipairs { "4/4", "1/0", "a/b", "-1/3", "2" } do
      local k, err = shard.parse(bad)
      assert.is_nil(k)
      assert.matches("0 <= K < N", err)
    end
    assert.has_error(function() shard.set(3, 3) end)
  end)
end)
