-- Round-trips of every SMI type at its edges through the encoder and decoder.
local mw = require "moonwalk"

local function roundtrip(vbs, version)
  local bytes = assert(mw.encode { version = version or 1, community = "public",
    pdu = { type = "response", request_id = 7, varbinds = vbs } })
  local m = assert(mw.decode(bytes))
  return m.pdu.varbinds, bytes
end

local function one(t, v)
  local out = roundtrip { { oid = "1.3.6.1.4.1.99.1.0", type = t, value = v } }
  assert.equal(1, #out)
  return out[1]
end

describe("BER round-trip", function()
  for _, v in ipairs { 0, -1, 1, 127, 128, -128, -129, 255, 256, 2147483647, -2147483648 } do
    it("INTEGER " .. v, function()
      local vb = one("INTEGER", v)
      assert.equal("INTEGER", vb.type)
      assert.equal(v, vb.value)
    end)
  end

  it("INTEGER out of range is refused before encoding", function()
    assert.has_error(function() one("INTEGER", 2147483648) end)
    assert.has_error(function() one("INTEGER", -2147483649) end)
  end)

  for _, t in ipairs { "Counter32", "Gauge32", "Timeticks" } do
    for _, v in ipairs { 0, 1, 127, 128, 2147483647, 4294967295 } do
      it(t .. " " .. v, function()
        local vb = one(t, v)
        assert.equal(t, vb.type)
        assert.equal(v, vb.value)
      end)
    end
    it(t .. " rejects -1 and 2^32", function()
      assert.has_error(function() one(t, -1) end)
      assert.has_error(function() one(t, 4294967296) end)
    end)
  end

  for _, v in ipairs { 0, 1, 2147483647, 4294967295, math.maxinteger, math.mininteger, -1 } do
    it("Counter64 " .. mw.u64tostring(v), function()
      local vb = one("Counter64", v)
      assert.equal("Counter64", vb.type)
      assert.equal(v, vb.value)
    end)
  end

  it("Counter64 2^64-1 round-trips exactly from its decimal text", function()
    local c = mw.Counter64("18446744073709551615")
    local vb = one("Counter64", c.value)
    assert.equal("18446744073709551615", mw.u64tostring(vb.value))
    local c2 = mw.Counter64("9223372036854775808")
    assert.equal("9223372036854775808", mw.u64tostring(one("Counter64", c2.value).value))
  end)

  it("Counter64 2^64 is refused", function()
    assert.has_error(function() mw.Counter64("18446744073709551616") end)
  end)

  it("empty OCTET STRING", function()
    local vb = one("STRING", "")
    assert.equal("STRING", vb.type)
    assert.equal("", vb.value)
  end)

  it("65535-byte OCTET STRING", function()
    local s = string.rep("\0\1\255x", 65535 // 4) .. "abc"
    assert.equal(65535, #s)
    local vb = one("STRING", s)
    assert.equal(s, vb.value)
  end)

  it("binary OCTET STRING", function()
    local s = "\0\255\128\n"
    assert.equal(s, one("STRING", s).value)
  end)

  it("OID with 128 arcs and the arc 4294967295", function()
    local arcs = { 1, 3 }
    for i = 3, 128 do arcs[i] = 4294967295 end
    local o = table.concat(arcs, ".")
    local vb = one("OID", o)
    assert.equal("OID", vb.type)
    assert.equal(o, tostring(vb.value))
    local out = roundtrip { { oid = o, type = "NULL" } }
    assert.equal(o, out[1].oid)
  end)

  it("OID 2.999 (first arcs over 40)", function()
    assert.equal("2.999.1", tostring(one("OID", "2.999.1").value))
  end)

  it("IpAddress", function()
    assert.equal("192.0.2.255", one("IpAddress", "192.0.2.255").value)
    assert.equal("0.0.0.0", one("IpAddress", "0.0.0.0").value)
    assert.has_error(function() one("IpAddress", "300.1.1.1") end)
  end)

  it("Opaque", function()
    local vb = one("Opaque", "\159\120\4\63\128\0\0")
    assert.equal("Opaque", vb.type)
    assert.equal("\159\120\4\63\128\0\0", vb.value)
  end)

  it("NULL and the exceptions", function()
    for _, t in ipairs { "NULL", "noSuchObject", "noSuchInstance", "endOfMibView" } do
      local vb = one(t)
      assert.equal(t, vb.type)
      assert.is_nil(vb.value)
    end
  end)

  it("long-form lengths (over 127 and over 255 bytes)", function()
    for _, n in ipairs { 127, 128, 255, 256, 1000 } do
      local vb = one("STRING", string.rep("a", n))
      assert.equal(n, #vb.value)
    end
  end)

  it("reports too big when the encoding cannot fit", function()
    local vbs = {}
    for i = 1, 3 do vbs[i] = { oid = "1.3.6.1." .. i, type = "STRING", value = string.rep("x", 30000) } end
    local bytes, err = mw.encode { version = 1, community = "c", pdu = { type = "response", varbinds = vbs } }
    assert.is_nil(bytes)
    assert.equal("message too big", err)
  end)
end)

describe("BER decoding accepts what real agents send", function()
  -- A GetResponse with one varbind whose value bytes we vary.
  local function packet(value_hex, name_hex)
    name_hex = name_hex or "06082b06010201010300"
    local vb = name_hex .. value_hex
    local vbseq = string.format("30%02x%s", #vb // 2, vb)
    local list = string.format("30%02x%s", #vbseq // 2, vbseq)
    local pdu = "020101" .. "020100" .. "020100" .. list
    pdu = string.format("a2%02x%s", #pdu // 2, pdu)
    local msg = "020101" .. "04067075626c6963" .. pdu
    return mw.fromhex(string.format("30%02x%s", #msg // 2, msg))
  end

  it("a non-minimal length encoding", function()
    -- 0x81 0x05 instead of 0x05
    local m = assert(mw.decode(packet("048105" .. "68656c6c6f")))
    assert.equal("hello", m.pdu.varbinds[1].value)
    local m2 = assert(mw.decode(packet("04820005" .. "68656c6c6f")))
    assert.equal("hello", m2.pdu.varbinds[1].value)
  end)

  it("a leading 0x00 on unsigned values", function()
    local m = assert(mw.decode(packet("410500ffffffff")))
    assert.equal(4294967295, m.pdu.varbinds[1].value)
    local m2 = assert(mw.decode(packet("4609" .. "00ffffffffffffffff")))
    assert.equal(-1, m2.pdu.varbinds[1].value) -- 2^64-1 wraps in Lua
    local m3 = assert(mw.decode(packet("4604" .. "00000001")))
    assert.equal(1, m3.pdu.varbinds[1].value)
  end)

  it("an unsigned value with its high bit set and no leading 0x00", function()
    local m = assert(mw.decode(packet("4104ffffffff")))
    assert.equal(4294967295, m.pdu.varbinds[1].value)
  end)
end)
