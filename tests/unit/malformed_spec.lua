-- Every malformed input returns an error and never crashes.
local mw = require "moonwalk"
local F = require "fixtures"

local function wrap(tag, hex)
  local n = #hex // 2
  if n < 128 then return string.format("%02x%02x%s", tag, n, hex) end
  return string.format("%02x82%04x%s", tag, n, hex)
end

local function msg(value_hex, name_hex)
  name_hex = name_hex or "06082b06010201010300"
  local vb = wrap(0x30, name_hex .. value_hex)
  local pdu = wrap(0xa2, "020101020100020100" .. wrap(0x30, vb))
  return mw.fromhex(wrap(0x30, "020101" .. "04067075626c6963" .. pdu))
end

local function rejects(bytes, expect)
  local m, err = mw.decode(bytes)
  assert.is_nil(m)
  assert.is_string(err)
  if expect then assert.equal(expect, err) end
end

describe("malformed input", function()
  it("the well-formed control message decodes", function()
    assert.is_table(mw.decode(msg("020105")))
  end)

  it("truncated data: every prefix of every fixture is an error", function()
    for _, name in ipairs { "v2c-get.2.recv", "v2c-trap.1.send", "v1-trap.1.send", "v3-get.3.send", "v3-get.2.recv" } do
      local b = F.bytes(name)
      for n = 0, #b - 1 do
        local m, err = mw.decode(b:sub(1, n))
        assert.is_nil(m, name .. " cut at " .. n)
        assert.is_string(err)
      end
    end
  end)

  it("a length that runs past the buffer", function()
    rejects(msg("0420" .. "6162"), "bad length")
    rejects(mw.fromhex("30ff020101"), "bad length")
  end)

  it("an over-long integer", function()
    rejects(msg("0206010203040506"), "integer too long")
    rejects(msg("0205" .. "0180000000"), "integer too long")
    rejects(msg("4106" .. "010000000000"), "integer too long")
    rejects(msg("460a" .. "01000000000000000000"), "integer too long")
  end)

  it("accepts redundant sign octets on INTEGER that still fit 32 bits", function()
    assert.equal(-1, assert(mw.decode(msg("0205" .. "ffffffffff"))).pdu.varbinds[1].value)
    assert.equal(1, assert(mw.decode(msg("0205" .. "0000000001"))).pdu.varbinds[1].value)
    rejects(msg("0205" .. "00ffffffff"), "integer too long") -- 2^32-1 is no Integer32
  end)

  it("an empty integer", function()
    rejects(msg("0200"), "bad length")
  end)

  it("an OID sub-identifier over 32 bits", function()
    rejects(msg("0500", "0608" .. "2b0601" .. "9080808000"), "OID sub-identifier over 32 bits")
    rejects(msg("0608" .. "2b0601" .. "9080808000"), "OID sub-identifier over 32 bits")
  end)

  it("an OID whose last sub-identifier is unfinished", function()
    rejects(msg("0500", "06032b0681"))
  end)

  it("an OID longer than 128 arcs", function()
    rejects(msg("0500", "0681" .. string.format("%02x", 129) .. "2b" .. string.rep("01", 128)),
      "OID longer than 128 sub-identifiers")
  end)

  it("nesting deeper than SNMP needs", function()
    local v = "0500"
    for _ = 1, 40 do v = wrap(0x30, v) end
    rejects(msg(v), "nesting too deep")
  end)

  it("indefinite lengths", function()
    rejects(mw.fromhex("3080020101000000"), "bad length")
  end)

  it("high tag numbers", function()
    rejects(msg("1f8101" .. "00"))
  end)

  it("an IpAddress that is not 4 bytes", function()
    rejects(msg("400301020300"))
    rejects(msg("4003010203"), "bad length")
  end)

  it("an unknown version", function()
    rejects(mw.fromhex(wrap(0x30, "020102" .. "0400" .. "a000")), "unknown SNMP version")
  end)

  it("an unknown PDU type", function()
    local pdu = wrap(0xa9, "020101020100020100" .. wrap(0x30, ""))
    rejects(mw.fromhex(wrap(0x30, "020101" .. "0400" .. pdu)), "unknown PDU type")
  end)

  it("trailing bytes inside a varbind", function()
    rejects(msg("0500" .. "0500"), "trailing data")
  end)

  it("garbage", function()
    for i = 1, 2000 do
      local t = {}
      for j = 1, (i % 64) + 1 do t[j] = string.char((i * 31 + j * 17) % 256) end
      local s = table.concat(t)
      local ok = pcall(mw.decode, s)
      assert.is_true(ok)
    end
  end)

  it("random bit flips in fixtures never crash", function()
    local seed = 12345
    local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n end
    for _, name in ipairs { "v2c-trap.1.send", "v3-get.3.send", "v1-trap.1.send" } do
      local b = F.bytes(name)
      for _ = 1, 3000 do
        local i = rnd(#b) + 1
        local flipped = b:sub(1, i - 1) .. string.char(rnd(256)) .. b:sub(i + 1)
        local ok, m = pcall(mw.decode, flipped)
        assert.is_true(ok)
        assert.is_true(m == nil or type(m) == "table")
      end
    end
  end)
end)
