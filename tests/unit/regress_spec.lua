-- Regression tests for the codec: one named case per fixed bug or per
-- behaviour the optimised encoder and decoder must keep byte for byte.
local mw = require "moonwalk"

local NAME = "06082b06010401630100" -- 1.3.6.1.4.1.99.1.0

local function encode(vbs)
  return mw.encode { version = 1, community = "public",
    pdu = { type = "response", request_id = 7, varbinds = vbs } }
end

-- The hex of the value TLV that follows the varbind's name.
local function value_hex(t, v)
  local bytes = assert(encode { { oid = "1.3.6.1.4.1.99.1.0", type = t, value = v } })
  local hex = mw.tohex(bytes)
  local at = assert(hex:find(NAME, 1, true))
  local m = assert(mw.decode(bytes))
  return hex:sub(at + #NAME), m.pdu.varbinds[1]
end

describe("codec regressions", function()
  describe("minimal INTEGER encodings", function()
    local cases = {
      { 0, "020100" }, { 127, "02017f" }, { 128, "02020080" }, { -1, "0201ff" },
      { -128, "020180" }, { -129, "0202ff7f" }, { 32767, "02027fff" }, { 32768, "0203008000" },
      { 2147483647, "02047fffffff" }, { -2147483648, "020480000000" },
    }
    for _, c in ipairs(cases) do
      it("INTEGER " .. c[1] .. " is " .. c[2], function()
        local hex, vb = value_hex("INTEGER", c[1])
        assert.equal(c[2], hex)
        assert.equal(c[1], vb.value)
      end)
    end
  end)

  describe("unsigned values get a leading 0x00 only when the top bit is set", function()
    local cases = {
      { "Counter32", 0, "410100" }, { "Counter32", 127, "41017f" }, { "Counter32", 128, "41020080" },
      { "Gauge32", 2147483648, "42050080000000" }, { "Timeticks", 4294967295, "430500ffffffff" },
      { "Counter64", 0, "460100" }, { "Counter64", math.maxinteger, "46087fffffffffffffff" },
      { "Counter64", -1, "460900ffffffffffffffff" }, -- 2^64-1
    }
    for _, c in ipairs(cases) do
      it(c[1] .. " " .. mw.u64tostring(c[2]) .. " is " .. c[3], function()
        local hex, vb = value_hex(c[1], c[2])
        assert.equal(c[3], hex)
        assert.equal(c[2], vb.value)
      end)
    end
  end)

  describe("length fields at the short/long form boundaries", function()
    local cases = { { 0, "0400" }, { 127, "047f" }, { 128, "048180" }, { 255, "0481ff" },
      { 256, "04820100" }, { 65535, "0482ffff" } }
    for _, c in ipairs(cases) do
      it("OCTET STRING of " .. c[1] .. " octets has header " .. c[2], function()
        local s = string.rep("x", c[1])
        local hex, vb = value_hex("OCTET STRING", s)
        assert.equal(c[2], hex:sub(1, #c[2]))
        assert.equal(#c[2] + 2 * c[1], #hex)
        assert.equal(s, vb.value)
      end)
    end
  end)

  it("a message larger than the encode buffer is a clean 'too big' error", function()
    local bytes, err = encode { { oid = "1.3.6.1.4.1.99.1.0", type = "OCTET STRING",
      value = string.rep("x", 70000) } }
    assert.is_nil(bytes)
    assert.equal("message too big", err)
  end)

  it("a non-minimal OID sub-identifier (leading 0x80) is accepted on decode", function()
    -- 1.3.6.1.4.1.99.1.0 with the arc 99 written as 80 63
    local name = "06092b0601040180630100"
    local vb = "30" .. string.format("%02x", #name // 2 + 2) .. name .. "0500"
    local list = "30" .. string.format("%02x", #vb // 2) .. vb
    local pdu = "a2" .. string.format("%02x", #list // 2 + 9) .. "020107020100020100" .. list
    local msg = "30" .. string.format("%02x", #pdu // 2 + 11) .. "02010104067075626c6963" .. pdu
    local m = assert(mw.decode(mw.fromhex(msg)))
    assert.equal("1.3.6.1.4.1.99.1.0", m.pdu.varbinds[1].oid)
  end)

  it("an OID with six leading 0x80 octets in a sub-identifier keeps its name (oid_ber_format)", function()
    -- decode accepted it, but the name came back empty: oid_ber_format gave
    -- up after six octets of one sub-identifier while oid_decode went on
    for _, pad in ipairs { 5, 6, 12 } do
      local c = "2b06" .. string.rep("80", pad) .. "01"
      local name = "06" .. string.format("%02x", #c // 2) .. c
      local vb = "30" .. string.format("%02x", #name // 2 + 2) .. name .. "0500"
      local list = "30" .. string.format("%02x", #vb // 2) .. vb
      local pdu = "a2" .. string.format("%02x", #list // 2 + 9) .. "020107020100020100" .. list
      local msg = "30" .. string.format("%02x", #pdu // 2 + 11) .. "02010104067075626c6963" .. pdu
      local m = assert(mw.decode(mw.fromhex(msg)))
      assert.equal("1.3.6.1", m.pdu.varbinds[1].oid)
    end
  end)

  it("an OID sub-identifier just over 32 bits after one-octet arcs is refused", function()
    -- 1.3.6 then 2^32 (90 80 80 80 00)
    local name = "06072b069080808000"
    local vb = "30" .. string.format("%02x", #name // 2 + 2) .. name .. "0500"
    local list = "30" .. string.format("%02x", #vb // 2) .. vb
    local pdu = "a2" .. string.format("%02x", #list // 2 + 9) .. "020107020100020100" .. list
    local msg = "30" .. string.format("%02x", #pdu // 2 + 11) .. "02010104067075626c6963" .. pdu
    local m, err = mw.decode(mw.fromhex(msg))
    assert.is_nil(m)
    assert.equal("OID sub-identifier over 32 bits", err)
    -- 2^32-1 (8f ff ff ff 7f) is the largest arc and decodes
    local ok = msg:gsub("06072b069080808000", "06072b068fffffff7f")
    assert.matches("%.4294967295$", assert(mw.decode(mw.fromhex(ok))).pdu.varbinds[1].oid)
  end)
end)
