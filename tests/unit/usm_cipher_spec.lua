-- USM privacy (src/usm/usm.c, src/usm/crypto.c): known-answer tests for
-- each cipher through usm_encrypt/usm_decrypt, and the RFC 3414 / RFC 3826
-- salt and IV rules.
local mw = require "moonwalk"
local c = mw.core
local hex, unhex = mw.tohex, mw.fromhex

-- NIST SP 800-38A F.3.13/F.3.15/F.3.17 (CFB128-AES128/192/256.Encrypt).
-- RFC 3826 IV = boots(4) || time(4) || salt(8), so boots 0x00010203,
-- time 0x04050607 and salt 08090a0b0c0d0e0f give IV 000102...0f.
local SP_PT = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
  .. "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
local cfb = {
  { "AES", "2b7e151628aed2a6abf7158809cf4f3c",
    "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b"
    .. "26751f67a3cbb140b1808cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6" },
  { "AES-192", "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
    "cdc80d6fddf18cab34c25909c99a417467ce7f7f81173621961a2b70171d3d7a"
    .. "2e1e8a1dd59b88b1c8e60fed1efac4c9c05f9f9ca9834fa042ae8fba584b09ff" },
  { "AES-256", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
    "dc7e84bfda79164b7ecd8486985d386039ffed143b28b1c832113c6331e5407b"
    .. "df10132415e54b92a13ed0a8267ae2f975a385741ab9cef82031623d55b1e471" },
}

describe("usm AES-CFB128 known answers (NIST SP 800-38A)", function()
  for _, v in ipairs(cfb) do
    local name, key, ct = v[1], unhex(v[2]), v[3]
    it(name .. " decrypt", function()
      local pt = assert(c.usm_decrypt(name, key, 0x00010203, 0x04050607, unhex("08090a0b0c0d0e0f"), unhex(ct)))
      assert.equal(SP_PT, hex(pt))
    end)
    it(name .. " encrypt, salt from the counter", function()
      c.usm_salt_set(0x08090a0b0c0d0e0f)
      local out, pp = c.usm_encrypt(name, key, 0x00010203, 0x04050607, unhex(SP_PT))
      assert.equal(ct, hex(out))
      assert.equal("08090a0b0c0d0e0f", hex(pp))
    end)
  end

  it("AES-192-C and AES-256-C are the same cipher as AES-192/256", function()
    c.usm_salt_set(0x08090a0b0c0d0e0f)
    local out = c.usm_encrypt("AES-256-C", unhex(cfb[3][2]), 0x00010203, 0x04050607, unhex(SP_PT))
    assert.equal(cfb[3][3], hex(out))
  end)

  it("AES keeps the length (no padding) and handles partial blocks", function()
    local key = unhex(cfb[1][2])
    c.usm_salt_set(0x08090a0b0c0d0e0f)
    local out = c.usm_encrypt("AES", key, 0x00010203, 0x04050607, unhex(SP_PT:sub(1, 2 * 21)))
    assert.equal(cfb[1][3]:sub(1, 2 * 21), hex(out))
  end)
end)

describe("usm DES-CBC known answer (FIPS 81 appendix C)", function()
  -- key 0123456789abcdef, IV 1234567890abcdef, "Now is the time for all ".
  -- The privacy key is DES key || pre-IV; IV = pre-IV XOR salt, so a zero
  -- pre-IV and the IV as salt reproduce the FIPS example.
  local pkey = unhex("0123456789abcdef0000000000000000")
  local ct = "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"

  it("decrypt", function()
    local pt = assert(c.usm_decrypt("DES", pkey, 0, 0, unhex("1234567890abcdef"), unhex(ct)))
    assert.equal("Now is the time for all ", pt)
  end)

  it("encrypt: salt is boots || counter, IV is pre-IV XOR salt (RFC 3414 8.1.1.1)", function()
    -- boots 0x12345678 and counter 0x90abcdef make the salt the FIPS IV
    c.usm_salt_set(0x90abcdef)
    local out, pp = c.usm_encrypt("DES", pkey, 0x12345678, 99, "Now is the time for all ")
    assert.equal(ct, hex(out))
    assert.equal("1234567890abcdef", hex(pp))
  end)

  it("pre-IV is XORed into the IV", function()
    local k2 = unhex("0123456789abcdef" .. "1111111111111111")
    local pt = assert(c.usm_decrypt("DES", k2, 0, 0, unhex("0325476981badcfe"), unhex(ct)))
    assert.equal("Now is the time for all ", pt)
  end)

  it("plaintext is padded to a multiple of 8", function()
    local out, pp = c.usm_encrypt("DES", pkey, 1, 0, "12345678901")
    assert.equal(16, #out)
    local pt = assert(c.usm_decrypt("DES", pkey, 1, 0, pp, out))
    assert.equal("12345678901", pt:sub(1, 11))
  end)

  it("ciphertext that is not a multiple of 8 is a decryption error", function()
    local pt, err = c.usm_decrypt("DES", pkey, 0, 0, unhex("1234567890abcdef"), unhex(ct):sub(1, 20))
    assert.is_nil(pt)
    assert.equal("decryption error", err)
  end)
end)

describe("usm 3DES-EDE-CBC known answer", function()
  -- NIST SP 800-67 example keys and plaintext; its ECB ciphertext's first
  -- block equals CBC with a zero IV. The later CBC blocks were computed with
  -- the Python 'cryptography' module (TripleDES, CBC, zero IV).
  local pkey = unhex("0123456789abcdef23456789abcdef01456789abcdef0123" .. "0000000000000000")
  local ct = "a826fd8ce53b855f854b649a0a3903c970d563820afe8b35"

  it("decrypt", function()
    local pt = assert(c.usm_decrypt("3DES", pkey, 0, 0, string.rep("\0", 8), unhex(ct)))
    assert.equal("The qufck brown fox jump", pt)
  end)

  it("encrypt", function()
    c.usm_salt_set(0)
    local out, pp = c.usm_encrypt("3DES", pkey, 0, 0, "The qufck brown fox jump")
    assert.equal(ct, hex(out))
    assert.equal("0000000000000000", hex(pp))
  end)
end)

describe("usm privacy parameters", function()
  local key = string.rep("k", 32)

  it("AES salt is the 64-bit counter and increases per message", function()
    c.usm_salt_set(41)
    local _, p1 = c.usm_encrypt("AES", key, 1, 2, "x")
    local _, p2 = c.usm_encrypt("AES", key, 1, 2, "x")
    assert.equal("0000000000000029", hex(p1))
    assert.equal("000000000000002a", hex(p2))
  end)

  it("DES salt carries engine boots in its first four bytes", function()
    c.usm_salt_set(0x1ffffffff)
    local _, pp = c.usm_encrypt("DES", key, 7, 0, "12345678")
    assert.equal("00000007ffffffff", hex(pp))
  end)

  it("priv_params of the wrong length is a decryption error", function()
    local pt, err = c.usm_decrypt("AES", key, 1, 2, "1234567", "abc")
    assert.is_nil(pt)
    assert.equal("decryption error", err)
  end)

  it("every cipher round-trips", function()
    local msg = string.rep("scopedPDU ", 30)
    for _, p in ipairs(c.usm_priv_names()) do
      local out, pp = assert(c.usm_encrypt(p, key, 3, 4, msg))
      assert.are_not.equal(msg, out:sub(1, #msg))
      local back = assert(c.usm_decrypt(p, key, 3, 4, pp, out))
      assert.equal(msg, back:sub(1, #msg), p)
    end
  end)

  it("AES decryption with the wrong engine time gives garbage", function()
    local out, pp = c.usm_encrypt("AES", key, 3, 4, "hello world")
    assert.are_not.equal("hello world", c.usm_decrypt("AES", key, 3, 5, pp, out))
  end)

  it("a privacy key shorter than the cipher needs is refused", function()
    local out, err = c.usm_encrypt("AES-256", string.rep("k", 16), 0, 0, "x")
    assert.is_nil(out)
    assert.matches("too short", err)
  end)
end)

describe("usm ciphers against pysnmp 4.4.12 (Debian python3-pysnmp4)", function()
  -- Produced by pysnmp's Des3/Aes192 (Reeder) encryptData with boots 5 and
  -- time 77, on "The qufck brown fox jump plus more" (34 bytes).
  local PT = "The qufck brown fox jump plus more"

  it("3DES-EDE: pysnmp's ciphertext decrypts, and ours is identical", function()
    local key = unhex("0123456789abcdef23456789abcdef01456789abcdef0123" .. "1122334455667788")
    local ct = "3c4b3494374449cffa999a0de108a230851e2a51d048dcbf524e8515e47d310fb3db08edb5cf05f4"
    local pt = assert(c.usm_decrypt("3DES", key, 5, 77, unhex("0000000553936d48"), unhex(ct)))
    assert.equal(PT .. string.rep("\0", 6), pt)
    c.usm_salt_set(0x53936d48)
    local out, pp = c.usm_encrypt("3DES", key, 5, 77, PT)
    assert.equal(ct, hex(out))
    assert.equal("0000000553936d48", hex(pp))
  end)

  it("AES-192-C: pysnmp's ciphertext decrypts", function()
    local key = unhex("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b")
    local ct = "3d972fba30ed9948c18738a67ec822f5680d5ed85b904b357c7ac34d814b633fbd4d"
    local pt = assert(c.usm_decrypt("AES-192-C", key, 5, 77, unhex("f705e1524e6968ae"), unhex(ct)))
    assert.equal(PT, pt)
  end)
end)
