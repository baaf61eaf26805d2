-- USM keys (src/usm/usm.c): password-to-key and localisation (RFC 3414
-- A.2, RFC 7860), privacy key extension (Blumenthal, Reeder), the key cache.
local mw = require "moonwalk"
local c = mw.core
local hex, unhex = mw.tohex, mw.fromhex

local EID = unhex("000000000000000000000002")

describe("usm password-to-key and localisation", function()
  -- RFC 3414 appendix A.3.1 and A.3.2
  it("RFC 3414 A.3.1 MD5 vector", function()
    local ku = assert(c.usm_password_to_key("MD5", "maplesyrup"))
    assert.equal("9faf3283884e92834ebc9847d8edd963", hex(ku))
    assert.equal("526f5eed9fcce26f8964c2930787d82b", hex(assert(c.usm_localize("MD5", ku, EID))))
  end)

  it("RFC 3414 A.3.2 SHA vector", function()
    local ku = assert(c.usm_password_to_key("SHA", "maplesyrup"))
    assert.equal("9fb5cc0381497b3793528939ff788d5d79145211", hex(ku))
    assert.equal("6695febc9288e36282235fc7151f128497b38f3f", hex(assert(c.usm_localize("SHA", ku, EID))))
  end)

  -- RFC 7860 gives no vectors. These were computed independently with a
  -- Python 3 script using hashlib: Ku = H((pw * n)[:1048576]),
  -- Kul = H(Ku + engineID + Ku), pw "maplesyrup", engine ID 00..02.
  local sha2 = {
    ["SHA-224"] = { "282a5867ee9aac639ad59df9572c7d3ac0fbc13a905b6df07dbbf00b",
                    "0bd8827c6e29f8065e08e09237f177e410f69b90e1782be682075674" },
    ["SHA-256"] = { "ab51014d1e077f6017df2b12bee5f5aa72993177e9bb569c4dff5a4ca0b4afac",
                    "8982e0e549e866db361a6b625d84cccc11162d453ee8ce3a6445c2d6776f0f8b" },
    ["SHA-384"] = { "e06eccdf2c68a06ed034723c9c26e0db3b669e1e2efed49150b55377a2e98f383c86fb836857444654b287c93f51ff64",
                    "3b298f16164a11184279d5432bf169e2d2a48307de02b3d3f7e2b4f36eb6f0455a53689a3937eea07319a633d2ccba78" },
    ["SHA-512"] = { "7e4396de5aadc77be853819b98c9406265b3a9c37cc3176569847a4e4f6fba63dd3a73d04924d31a63f95a601f9385af6be4ed1b37f87d040f7c6ed6f8d38a91",
                    "22a5a36cedfcc085807a128d7bc6c2382167ad6c0dbc5fdff856740f3d84c099ad1ea87a8db096714d9788bd544047c9021e4229ce27e4c0a69250adfcffbb0b" },
  }
  for _, name in ipairs { "SHA-224", "SHA-256", "SHA-384", "SHA-512" } do
    it(name .. " vector (maplesyrup)", function()
      local ku = assert(c.usm_password_to_key(name, "maplesyrup"))
      assert.equal(sha2[name][1], hex(ku))
      assert.equal(sha2[name][2], hex(assert(c.usm_localize(name, ku, EID))))
    end)
  end

  it("short password (< 8 characters) is a clear error", function()
    local k, err = c.usm_password_to_key("SHA", "1234567")
    assert.is_nil(k)
    assert.matches("at least 8 characters", err)
    local k2, err2 = c.usm_keys("SHA", "AES", "authpass123", "short", EID)
    assert.is_nil(k2)
    assert.matches("at least 8 characters", err2)
    assert.truthy(c.usm_password_to_key("SHA", "12345678"))
  end)

  it("a password whose length divides 1 MB (64) hashes the same way", function()
    -- "maplesyrup" (10) covers the case where the last copy is cut short
    -- expected: Python hashlib.sha1(b"a" * 1048576).hexdigest()
    local pw = string.rep("a", 64)
    assert.equal("454027d64e3b855735552d42230eea1cbd645fa0", hex(assert(c.usm_password_to_key("SHA", pw))))
  end)

  it("localising a key of the wrong length fails", function()
    local k, err = c.usm_localize("SHA", string.rep("x", 16), EID)
    assert.is_nil(k)
    assert.matches("length", err)
  end)

  it("unknown protocol names raise", function()
    assert.has_error(function() c.usm_password_to_key("SHA3", "maplesyrup") end)
    assert.has_error(function() c.usm_priv_localize("SHA", "AES-512", "x", EID) end)
  end)

  it("names as net-snmp spells them", function()
    assert.same({ "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512" }, c.usm_auth_names())
    assert.same({ "DES", "AES", "AES-192", "AES-256", "AES-192-C", "AES-256-C", "3DES" }, c.usm_priv_names())
    assert.equal("SHA", c.usm_auth_info("sha1").name)
    assert.equal("SHA-256", c.usm_auth_info("sha256").name)
    assert.equal("AES", c.usm_priv_info("aes128").name)
    assert.equal("AES-256-C", c.usm_priv_info("aes256c").name)
  end)

  it("MAC lengths follow RFC 3414 and RFC 7860", function()
    local want = { MD5 = {16, 12}, SHA = {20, 12}, ["SHA-224"] = {28, 16},
                   ["SHA-256"] = {32, 24}, ["SHA-384"] = {48, 32}, ["SHA-512"] = {64, 48} }
    for name, v in pairs(want) do
      local i = c.usm_auth_info(name)
      assert.equal(v[1], i.hash_len, name)
      assert.equal(v[2], i.mac_len, name)
    end
    local keys = { DES = 16, AES = 16, ["AES-192"] = 24, ["AES-256"] = 32,
                   ["AES-192-C"] = 24, ["AES-256-C"] = 32, ["3DES"] = 32 }
    for name, n in pairs(keys) do assert.equal(n, c.usm_priv_info(name).key_len, name) end
  end)
end)

describe("usm privacy key localisation", function()
  local md5 = assert(c.usm_password_to_key("MD5", "maplesyrup"))
  local sha = assert(c.usm_password_to_key("SHA", "maplesyrup"))
  local sha512 = assert(c.usm_password_to_key("SHA-512", "maplesyrup"))

  it("DES and AES-128 take the first 16 bytes of the localised key", function()
    assert.equal("526f5eed9fcce26f8964c2930787d82b", hex(c.usm_priv_localize("MD5", "DES", md5, EID)))
    assert.equal("6695febc9288e36282235fc7151f1284", hex(c.usm_priv_localize("SHA", "AES", sha, EID)))
    assert.equal("22a5a36cedfcc085807a128d7bc6c238", hex(c.usm_priv_localize("SHA-512", "DES", sha512, EID)))
  end)

  it("a long enough localised key is truncated, not extended", function()
    assert.equal("22a5a36cedfcc085807a128d7bc6c2382167ad6c0dbc5fdff856740f3d84c099",
                 hex(c.usm_priv_localize("SHA-512", "AES-256", sha512, EID)))
    assert.equal(hex(c.usm_priv_localize("SHA-512", "AES-256", sha512, EID)),
                 hex(c.usm_priv_localize("SHA-512", "AES-256-C", sha512, EID)))
  end)

  -- Expected values computed independently with Python hashlib:
  -- Blumenthal: Kul || H(Kul); Reeder: Kul || localize(P2K(Kul)), truncated.
  -- pysnmp 4.4.12's localizeKey (AesBlumenthal256, Aes192/Aes256 Reeder,
  -- Des3) gives the same bytes. net-snmp interop for Blumenthal is in
  -- usm_interop_spec.lua.
  it("AES-192/AES-256 extension per draft-blumenthal-aes-usm (MD5, SHA)", function()
    assert.equal("526f5eed9fcce26f8964c2930787d82bfa24a92467426c2f",
                 hex(c.usm_priv_localize("MD5", "AES-192", md5, EID)))
    assert.equal("526f5eed9fcce26f8964c2930787d82bfa24a92467426c2f4b09192be10dfaec",
                 hex(c.usm_priv_localize("MD5", "AES-256", md5, EID)))
    assert.equal("6695febc9288e36282235fc7151f128497b38f3f505e07eb",
                 hex(c.usm_priv_localize("SHA", "AES-192", sha, EID)))
    assert.equal("6695febc9288e36282235fc7151f128497b38f3f505e07eb9af25568fa1f5dbe",
                 hex(c.usm_priv_localize("SHA", "AES-256", sha, EID)))
  end)

  it("AES-192-C/AES-256-C and 3DES extension per draft-reeder (MD5, SHA)", function()
    assert.equal("526f5eed9fcce26f8964c2930787d82b79eff44a90650ee0",
                 hex(c.usm_priv_localize("MD5", "AES-192-C", md5, EID)))
    assert.equal("526f5eed9fcce26f8964c2930787d82b79eff44a90650ee0a3a40abfac5acc12",
                 hex(c.usm_priv_localize("MD5", "AES-256-C", md5, EID)))
    assert.equal("526f5eed9fcce26f8964c2930787d82b79eff44a90650ee0a3a40abfac5acc12",
                 hex(c.usm_priv_localize("MD5", "3DES", md5, EID)))
    assert.equal("6695febc9288e36282235fc7151f128497b38f3f9b8b6d78",
                 hex(c.usm_priv_localize("SHA", "AES-192-C", sha, EID)))
    assert.equal("6695febc9288e36282235fc7151f128497b38f3f9b8b6d78936ba6e7d19dfd9c",
                 hex(c.usm_priv_localize("SHA", "AES-256-C", sha, EID)))
  end)
end)

describe("usm key cache", function()
  local EID2 = unhex("80001f8880c6417332cf34016b00000000")

  it("second call with the same credentials does no hashing", function()
    c.usm_cache_clear()
    local k1 = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    local s1 = c.usm_stats()
    assert.equal(2, s1.password_hashes) -- auth and priv passwords
    assert.equal(2, s1.localizations)
    local k2 = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    local s2 = c.usm_stats()
    assert.equal(2, s2.password_hashes)
    assert.equal(2, s2.localizations)
    assert.equal(1, s2.cache_hits)
    assert.equal(k1.auth_key, k2.auth_key)
    assert.equal(k1.priv_key, k2.priv_key)
  end)

  it("10,000 sessions cost one hash per password and one localisation per engine", function()
    c.usm_cache_clear()
    for i = 1, 10000 do
      assert(c.usm_keys("SHA-256", "AES", "authpass123", "authpass123", i % 2 == 0 and EID or EID2))
    end
    local s = c.usm_stats()
    assert.equal(1, s.password_hashes)    -- same password for auth and priv
    assert.equal(4, s.localizations)      -- (auth + priv) x 2 engine IDs
    assert.equal(9998, s.cache_hits)
  end)

  it("a new engine ID localises again but does not rehash the password", function()
    c.usm_cache_clear()
    assert(c.usm_keys("MD5", "DES", "authpass123", "privpass123", EID))
    local k = assert(c.usm_keys("MD5", "DES", "authpass123", "privpass123", EID2))
    local s = c.usm_stats()
    assert.equal(2, s.password_hashes)
    assert.equal(4, s.localizations)
    local ku = c.usm_password_to_key("MD5", "authpass123")
    assert.equal(c.usm_localize("MD5", ku, EID2), k.auth_key)
  end)

  it("cached keys equal the uncached derivation, for every protocol pair", function()
    for _, a in ipairs(c.usm_auth_names()) do
      for _, p in ipairs(c.usm_priv_names()) do
        local k = assert(c.usm_keys(a, p, "authpass123", "privpass123", EID))
        local ka = c.usm_password_to_key(a, "authpass123")
        local kp = c.usm_password_to_key(a, "privpass123")
        assert.equal(hex(c.usm_localize(a, ka, EID)), hex(k.auth_key), a .. "/" .. p)
        assert.equal(hex(c.usm_priv_localize(a, p, kp, EID)), hex(k.priv_key), a .. "/" .. p)
      end
    end
  end)

  it("different passwords do not share cache entries", function()
    c.usm_cache_clear()
    local a = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    local b = assert(c.usm_keys("SHA", "AES", "authpass124", "privpass123", EID))
    assert.are_not.equal(a.auth_key, b.auth_key)
    assert.equal(a.priv_key, b.priv_key)
    assert.equal(3, c.usm_stats().password_hashes)
  end)

  it("authNoPriv keys have no privacy key", function()
    local k = assert(c.usm_keys("SHA-512", nil, "authpass123", nil, EID))
    assert.equal(64, #k.auth_key)
    assert.is_nil(k.priv_key)
  end)

  it("master keys (-3m) localise like passwords and are cached", function()
    c.usm_cache_clear()
    local ma = c.usm_password_to_key("SHA", "authpass123")
    local mp = c.usm_password_to_key("SHA", "privpass123")
    local k = assert(c.usm_keys_from_master("SHA", "AES-256", ma, mp, EID))
    local ref = assert(c.usm_keys("SHA", "AES-256", "authpass123", "privpass123", EID))
    assert.equal(ref.auth_key, k.auth_key)
    assert.equal(ref.priv_key, k.priv_key)
    local before = c.usm_stats().localizations
    assert(c.usm_keys_from_master("SHA", "AES-256", ma, mp, EID))
    assert.equal(before, c.usm_stats().localizations)
    local bad, err = c.usm_keys_from_master("SHA", "AES", string.rep("x", 16), mp, EID)
    assert.is_nil(bad)
    assert.matches("length", err)
  end)

  it("localised keys (-3k) are taken as given", function()
    local la = string.rep("\1", 32)
    local lp = string.rep("\2", 16)
    local k = assert(c.usm_keys_from_local("SHA-256", "AES", la, lp))
    assert.equal(la, k.auth_key)
    assert.equal(lp, k.priv_key)
    assert.is_nil((c.usm_keys_from_local("SHA-256", "AES-256", la, lp)))
  end)
end)
