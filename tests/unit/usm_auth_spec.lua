-- USM authentication (src/usm/usm.c): HMAC-MD5-96, HMAC-SHA-96 (RFC 3414)
-- and HMAC-SHA-2 with the RFC 7860 truncations, computed over the message
-- with msgAuthenticationParameters as zeros.
local mw = require "moonwalk"
local c = mw.core
local hex = mw.tohex

-- Message: 10 x "A", the MAC field (zeros) at offset 10, 10 x "B"; key
-- bytes 01 02 03 ... up to the hash length. Expected MACs computed
-- independently with Python: hmac.new(key, msg, hashlib.<alg>), truncated.
local vectors = {
  { "MD5", "89fde54d6ef2f59abbd1cbc9" },
  { "SHA", "cd26059322034b8482780f3c" },
  { "SHA-224", "454a95df1e26d2845266629e69a10d20" },
  { "SHA-256", "e1095ebae2d177aff651fa1dbf2b2f5ed3da8ae154932a14" },
  { "SHA-384", "2d423a4c45de7f34a82231d66ed0988ff3c09defc3a572e24c4e4d13f740fbb6" },
  { "SHA-512", "91f8d777fe27bd999af1515d57af94c55245e923e61772c8c6150eb2a415232548332bc794458826cdc0fb85574e658b" },
}

local function key_for(auth)
  local t = {}
  for i = 1, c.usm_auth_info(auth).hash_len do t[i] = string.char(i) end
  return table.concat(t)
end

describe("usm HMAC authentication", function()
  for _, v in ipairs(vectors) do
    local auth, mac = v[1], v[2]
    it(auth .. " signs with the truncated HMAC at the offset", function()
      local ml = #mac // 2
      local msg = string.rep("A", 10) .. string.rep("\0", ml) .. string.rep("B", 10)
      local signed = assert(c.usm_sign(auth, key_for(auth), msg, 10))
      assert.equal(#msg, #signed)
      assert.equal(mac, hex(signed:sub(11, 10 + ml)))
      assert.equal(msg:sub(1, 10), signed:sub(1, 10))
      assert.equal(msg:sub(11 + ml), signed:sub(11 + ml))
      assert.is_true(c.usm_verify(auth, key_for(auth), signed, 10))
    end)
    it(auth .. " signing ignores what the MAC field held before", function()
      local ml = #mac // 2
      local msg = string.rep("A", 10) .. string.rep("\255", ml) .. string.rep("B", 10)
      local signed = assert(c.usm_sign(auth, key_for(auth), msg, 10))
      assert.equal(mac, hex(signed:sub(11, 10 + ml)))
    end)
  end

  it("a MAC that differs in any one byte, whole words and the tail alike, does not verify", function()
    for _, v in ipairs(vectors) do
      local auth, ml = v[1], #v[2] // 2
      local msg = string.rep("A", 10) .. string.rep("\0", ml) .. string.rep("B", 10)
      local signed = assert(c.usm_sign(auth, key_for(auth), msg, 10))
      for i = 1, ml do
        for _, bit in ipairs { 1, 128 } do
          local pos = 10 + i
          local bad = signed:sub(1, pos - 1) .. string.char(signed:byte(pos) ~ bit) .. signed:sub(pos + 1)
          local ok, err = c.usm_verify(auth, key_for(auth), bad, 10)
          assert.is_nil(ok, auth .. " byte " .. i)
          assert.matches("digest", err)
        end
      end
      assert.is_true(c.usm_verify(auth, key_for(auth), signed, 10))
    end
  end)

  it("pad states kept per key: after 3,000 other keys (more than the cache holds) every vector signs the same", function()
    local function sign(auth, key, ml)
      local msg = string.rep("A", 10) .. string.rep("\0", ml) .. string.rep("B", 10)
      return hex(assert(c.usm_sign(auth, key, msg, 10)):sub(11, 10 + ml))
    end
    for _, v in ipairs(vectors) do assert.equal(v[2], sign(v[1], key_for(v[1]), #v[2] // 2)) end
    local seen = {}
    for i = 1, 3000 do
      local key = string.format("%032d", i)
      local mac = sign("SHA-256", key, 24)
      assert.is_nil(seen[mac])          -- distinct keys, distinct MACs
      seen[mac] = i
    end
    for _, v in ipairs(vectors) do assert.equal(v[2], sign(v[1], key_for(v[1]), #v[2] // 2)) end
    for i = 3000, 1, -1 do               -- again, now from the cache or recomputed
      assert.equal(i, seen[sign("SHA-256", string.format("%032d", i), 24)])
    end
    c.usm_cache_clear()
    for _, v in ipairs(vectors) do assert.equal(v[2], sign(v[1], key_for(v[1]), #v[2] // 2)) end
  end)

  it("SHA-224/256 on the CPU's SHA instructions give what mbedTLS gives (HMAC over 0..300 bytes, password to key, localisation)", function()
    -- the same script in this process (SHA instructions where the CPU has
    -- them) and in one with MOONWALK_NO_SHANI=1 (mbedTLS throughout)
    local script = [[
      local c = require("moonwalk").core
      local out = {}
      for _, auth in ipairs{ "SHA-224", "SHA-256" } do
        local ml = c.usm_auth_info(auth).mac_len
        local key = string.rep("k", c.usm_auth_info(auth).hash_len)
        for n = 0, 300 do
          local msg = string.rep(string.char(n % 251), n) .. string.rep("\0", ml)
          out[#out + 1] = require("moonwalk").tohex(assert(c.usm_sign(auth, key, msg, n)))
        end
        local ku = assert(c.usm_password_to_key(auth, "maplesyrup"))
        out[#out + 1] = require("moonwalk").tohex(ku)
        out[#out + 1] = require("moonwalk").tohex(assert(c.usm_localize(auth, ku, "\0\0\0\0\0\0\0\0\0\0\0\2")))
      end
      return table.concat(out, "\n")
    ]]
    local here = assert(load(script))()
    local f = os.tmpname()
    local h = assert(io.open(f, "w")); h:write("io.write((function() ", script, " end)())"); h:close()
    local p = assert(io.popen("MOONWALK_NO_SHANI=1 " .. os.getenv("MOONWALK_BIN") .. " run " .. f))
    local there = p:read("a"); p:close(); os.remove(f)
    assert.equal(2 * 303, select(2, here:gsub("\n", "")) + 1)
    assert.equal(here, there)
  end)

  it("wrong key fails verification with 'wrong digest'", function()
    local msg = string.rep("A", 10) .. string.rep("\0", 24) .. string.rep("B", 10)
    local signed = assert(c.usm_sign("SHA-256", key_for("SHA-256"), msg, 10))
    local bad = key_for("SHA-256"):sub(1, 31) .. "x"
    local ok, err = c.usm_verify("SHA-256", bad, signed, 10)
    assert.is_nil(ok)
    assert.equal("wrong digest", err)
  end)

  it("a MAC from another algorithm with the same length does not verify", function()
    local msg = string.rep("A", 10) .. string.rep("\0", 12) .. string.rep("B", 10)
    local signed = assert(c.usm_sign("MD5", key_for("MD5"), msg, 10))
    assert.is_nil((c.usm_verify("SHA", key_for("SHA"), signed, 10)))
  end)

  it("key of the wrong length is refused", function()
    local ok, err = c.usm_sign("SHA", string.rep("k", 16), string.rep("\0", 40), 0)
    assert.is_nil(ok)
    assert.matches("key length", err)
  end)
end)
