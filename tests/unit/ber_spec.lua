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

-- Byte-exact checks of the one BER reader/writer (src/core/ber.h): a wrong
-- length form, sign octet or sub-identifier would round-trip through a
-- matching wrong decoder, so these compare the octets themselves.
describe("BER encoding, octet by octet", function()
  -- The hex of a one-varbind Response message; the value comes last.
  local function hex_of(t, v, oid)
    local bytes = assert(mw.encode { version = 1, community = "public",
      pdu = { type = "response", request_id = 7,
              varbinds = { { oid = oid or "1.3.6.1.4.1.99.1.0", type = t, value = v } } } })
    return mw.tohex(bytes):lower(), bytes
  end
  local function ends_with(s, tail)
    assert.equal(tail, s:sub(-#tail))
  end

  it("length 127 in short form, 128 and 255 as 0x81 nn, 256 and 65535 as 0x82 nnnn", function()
    for n, len in pairs { [0] = "00", [127] = "7f", [128] = "8180", [255] = "81ff",
                          [256] = "820100", [65535] = "82ffff" } do
      local h = hex_of("STRING", string.rep("a", n))
      ends_with(h, "04" .. len .. string.rep("61", n))
    end
  end)

  it("the message SEQUENCE itself switches to 0x81 and 0x82 with its size", function()
    local h1, b1 = hex_of("STRING", string.rep("a", 100))
    assert.equal(#b1 - 3, tonumber(h1:sub(5, 6), 16))
    assert.equal("3081", h1:sub(1, 4))
    local h2, b2 = hex_of("STRING", string.rep("a", 300))
    assert.equal("3082", h2:sub(1, 4))
    assert.equal(#b2 - 4, tonumber(h2:sub(5, 8), 16))
  end)

  it("negative INTEGERs in minimal two's complement", function()
    for v, enc in pairs { [-1] = "0201ff", [-128] = "020180", [-129] = "0202ff7f",
                          [-32768] = "02028000", [-32769] = "0203ff7fff",
                          [-2147483648] = "020480000000", [127] = "02017f",
                          [128] = "02020080", [2147483647] = "02047fffffff" } do
      ends_with(hex_of("INTEGER", v), enc)
    end
  end)

  it("Counter64 over 32 and 63 bits, with the leading 0x00 the top bit needs", function()
    ends_with(hex_of("Counter64", 0), "460100")
    ends_with(hex_of("Counter64", 4294967296), "46050100000000")
    ends_with(hex_of("Counter64", math.maxinteger), "46087fffffffffffffff")
    ends_with(hex_of("Counter64", math.mininteger), "4609008000000000000000") -- 2^63
    ends_with(hex_of("Counter64", -1), "460900ffffffffffffffff")               -- 2^64-1
  end)

  it("sub-identifiers of 2^28 and over take five octets", function()
    local oid = "1.3.268435455.268435456.4294967295"
    local h = hex_of("OID", oid)
    ends_with(h, "060f" .. "2b" .. "ffffff7f" .. "8180808000" .. "8fffffff7f")
    local m = assert(mw.decode(select(2, hex_of("OID", oid))))
    assert.equal(oid, tostring(m.pdu.varbinds[1].value))
    -- the same as a varbind name
    local _, b = hex_of("NULL", nil, oid)
    assert.equal(oid, assert(mw.decode(b)).pdu.varbinds[1].oid)
    -- the first sub-identifier carries 2*40 more: 2.4294967295 is 4294967375
    h = hex_of("OID", "2.4294967295")
    ends_with(h, "0605" .. "908080804f")
    assert.equal("2.4294967295", tostring(assert(mw.decode(select(2, hex_of("OID", "2.4294967295"))))
      .pdu.varbinds[1].value))
  end)
end)

describe("BER decoding, octet by octet", function()
  local function wrap(tag, hex)
    local n = #hex // 2
    if n < 128 then return string.format("%02x%02x%s", tag, n, hex) end
    return string.format("%02x82%04x%s", tag, n, hex)
  end
  local function msg(value_hex, name_hex)
    local vb = wrap(0x30, (name_hex or "06082b06010201010300") .. value_hex)
    local pdu = wrap(0xa2, "020101020100020100" .. wrap(0x30, vb))
    return mw.fromhex(wrap(0x30, "020101" .. "04067075626c6963" .. pdu))
  end
  local function value(value_hex, name_hex)
    local m, err = mw.decode(msg(value_hex, name_hex))
    if not m then return nil, err end
    return m.pdu.varbinds[1].value, m.pdu.varbinds[1]
  end

  it("long-form lengths of one to four octets; not five, not indefinite", function()
    assert.equal("hi", value("04810268" .. "69"))
    assert.equal("hi", value("0483000002" .. "6869"))
    assert.equal("hi", value("048400000002" .. "6869"))
    assert.same({ nil, "bad length" }, { value("04850000000002" .. "6869") })
    assert.same({ nil, "bad length" }, { value("0480" .. "68690000") })
    -- a long-form length that runs past its container
    assert.same({ nil, "bad length" }, { value("048103" .. "6869") })
    -- a 300-octet string in 0x82 form, inside 0x82 containers
    assert.equal(string.rep("x", 300), value("0482012c" .. string.rep("78", 300)))
  end)

  it("negative INTEGERs", function()
    for enc, v in pairs { ["0201ff"] = -1, ["020180"] = -128, ["0202ff7f"] = -129,
                          ["020480000000"] = -2147483648, ["0202ff00"] = -256 } do
      assert.equal(v, value(enc))
    end
  end)

  it("Counter64 values over 32 and 63 bits", function()
    assert.equal(4294967296, value("46050100000000"))
    assert.equal(math.mininteger, value("46088000000000000000"))   -- 2^63, no 0x00
    assert.equal(math.mininteger, value("4609008000000000000000"))
    assert.equal(-1, value("4608ffffffffffffffff"))                -- 2^64-1 wraps in Lua
    assert.same({ nil, "integer too long" }, { value("4609010000000000000000") })
    assert.same({ nil, "bad length" }, { value("4600") })
  end)

  it("sub-identifiers over 2^28, up to 2^32-1, in names and values", function()
    local v, vb = value("0606" .. "2b" .. "8fffffff7f", "06062b" .. "8180808000")
    assert.equal("1.3.4294967295", tostring(v))
    assert.equal("1.3.268435456", vb.oid)
    -- leading 0x80 octets are accepted as long as the value fits
    assert.equal("1.3.1", tostring(value("0604" .. "2b" .. "808001")))
    -- 2^32 is one too many, as a value and as a name
    assert.same({ nil, "OID sub-identifier over 32 bits" }, { value("0606" .. "2b" .. "9080808000") })
    assert.same({ nil, "OID sub-identifier over 32 bits" }, { value("0500", "06062b9080808000") })
    -- the first sub-identifier may reach 2^32-1+80, not beyond
    assert.equal("2.4294967295", tostring(value("0605" .. "908080804f")))
    assert.same({ nil, "OID sub-identifier over 32 bits" }, { value("0605" .. "9080808050") })
  end)

  it("a sub-identifier cut before its last octet", function()
    assert.same({ nil, "truncated data" }, { value("0603" .. "2b" .. "8f8f") })
    assert.same({ nil, "truncated data" }, { value("0500", "06032b0681") })
    assert.same({ nil, "truncated data" }, { value("0601" .. "81") })
  end)

  it("truncated input: every prefix of a message with long forms is an error", function()
    local b = msg("0482012c" .. string.rep("78", 300), "060b2b8fffffff7f8180808000")
    assert.is_table(mw.decode(b))
    for n = 0, #b - 1 do
      local m, err = mw.decode(b:sub(1, n))
      assert.is_nil(m, "cut at " .. n)
      assert.is_string(err)
    end
  end)
end)

describe("the whole-message check", function()
  -- The agent and the receiver both drop a datagram whose outer SEQUENCE
  -- ends before the datagram does, in the short and in the long length form.
  it("a request with bytes after its SEQUENCE is dropped by the agent", function()
    local a = mw.agent { listen = "udp:127.0.0.1:0", communities = { public = "ro" } }
    for _, n in ipairs { 10, 200, 400 } do
      local good = assert(mw.encode { version = 1, community = "public", pdu = { type = "get",
        request_id = 1, varbinds = { { oid = "1.3.6.1.2.1.1.1.0", type = "STRING", value = string.rep("a", n) } } } })
      local before = a:stats().snmpInASNParseErrs
      assert.is_nil(a:process(good .. "\0"))
      assert.is_nil(a:process(good .. "\0\0"))
      assert.equal(before + 2, a:stats().snmpInASNParseErrs)
      assert.is_string(a:process(good))
    end
    a:close()
  end)
end)
