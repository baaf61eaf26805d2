-- usm_msg_encode / usm_msg_decode (src/usm/usm_msg.c): whole v3 messages
-- protected and checked with USM keys, round trips for every auth/priv
-- pair, and net-snmp's captured messages (tests/fixtures/usm-*.hex, made
-- by usm-capture.sh) decoded and re-encoded byte for byte.
local mw = require "moonwalk"
local F = require "fixtures"
local c = mw.core
local hex = mw.tohex

local AUTH, PRIV = 1, 2
local EID = mw.fromhex("80001f8880c6417332cf34016b00000000")

local auths = { "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512" }
local privs = { "DES", "AES", "AES-192", "AES-256", "AES-192-C", "AES-256-C", "3DES" }

local function plain_msg(flags, over)
  local m = {
    version = 3, msg_id = 4242, msg_max_size = 65507, msg_flags = flags | 4,
    engine_id = EID, engine_boots = 7, engine_time = 123456, user = "someone",
    context_engine_id = EID, context_name = "ctx",
    pdu = { type = "get", request_id = 4242, varbinds = {
      { oid = "1.3.6.1.2.1.1.5.0", type = "NULL" },
      { oid = "1.3.6.1.2.1.1.3.0", type = "NULL" },
    } },
  }
  for k, v in pairs(over or {}) do m[k] = v end
  return assert(mw.encode(m))
end

local function scoped_of(bytes)
  return assert(c.decode_scoped(bytes))
end

describe("v3 messages: usm_msg_encode and usm_msg_decode round trips", function()
  it("noAuthNoPriv: no keys, plaintext scopedPDU, empty auth and priv params", function()
    local raw = assert(c.usm_msg_protect(nil, plain_msg(0)))
    local m = assert(mw.decode(raw))
    assert.equal("", m.auth_params)
    assert.equal("", m.priv_params)
    assert.equal("ctx", m.context_name)
    local s = scoped_of(assert(c.usm_msg_check(nil, raw)))
    assert.equal("1.3.6.1.2.1.1.5.0", s.pdu.varbinds[1].oid)
  end)

  for _, a in ipairs(auths) do
    it(a .. " authNoPriv: signed, verifies, and a flipped bit is a wrong digest", function()
      local keys = assert(c.usm_keys(a, nil, "authpass123", nil, EID))
      local raw = assert(c.usm_msg_protect(keys, plain_msg(AUTH)))
      local m = assert(mw.decode(raw))
      assert.equal(c.usm_auth_info(a).mac_len, #m.auth_params)
      assert.is_nil(m.encrypted)
      assert.is_true(c.usm_verify(a, keys.auth_key, raw, m.auth_params_off))
      local s = scoped_of(assert(c.usm_msg_check(keys, raw)))
      assert.equal("get", s.pdu.type)
      assert.equal(2, #s.pdu.varbinds)
      local at = raw:find("someone", 1, true)
      local bad = raw:sub(1, at - 1) .. "somEone" .. raw:sub(at + 7)
      assert.same({ nil, "wrong digest" }, { c.usm_msg_check(keys, bad) })
      local other = assert(c.usm_keys(a, nil, "authpass124", nil, EID))
      assert.same({ nil, "wrong digest" }, { c.usm_msg_check(other, raw) })
    end)
    for _, p in ipairs(privs) do
      it(a .. "/" .. p .. " authPriv: encrypted, signed, and decrypts to the same scopedPDU", function()
        local keys = assert(c.usm_keys(a, p, "authpass123", "privpass123", EID))
        local plain = plain_msg(AUTH | PRIV)
        local raw = assert(c.usm_msg_protect(keys, plain))
        local m = assert(mw.decode(raw))
        assert.is_string(m.encrypted)
        assert.equal(8, #m.priv_params)
        assert.is_nil(m.encrypted:find("someone", 1, true) and m.encrypted:find("ctx", 1, true))
        assert.is_true(c.usm_verify(a, keys.auth_key, raw, m.auth_params_off))
        local want = assert(mw.decode(plain))
        local got = scoped_of(assert(c.usm_msg_check(keys, raw)))
        assert.same(want.pdu, got.pdu)
        assert.equal(want.context_name, got.context_name)
        assert.equal(want.context_engine_id, got.context_engine_id)
        -- the privacy key matters: signed with the right auth key, a wrong
        -- privacy key gives a decryption error, not a message
        local wrong = assert(c.usm_keys(a, p, "authpass123", "privpass124", EID))
        assert.same({ nil, "decryption error" }, { c.usm_msg_check(wrong, raw) })
      end)
    end
  end

  it("each message gets a fresh salt", function()
    local keys = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    local plain = plain_msg(AUTH | PRIV)
    local a = assert(mw.decode(assert(c.usm_msg_protect(keys, plain))))
    local b = assert(mw.decode(assert(c.usm_msg_protect(keys, plain))))
    assert.are_not.equal(a.priv_params, b.priv_params)
    assert.are_not.equal(a.encrypted, b.encrypted)
  end)

  it("privacy without authentication is refused both ways", function()
    local keys = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    assert.same({ nil, "invalid argument" }, { c.usm_msg_protect(keys, plain_msg(PRIV)) })
    assert.same({ nil, "invalid argument" }, { c.usm_msg_check(keys, plain_msg(PRIV)) })
  end)

  it("a level the keys cannot provide is refused", function()
    local auth_only = assert(c.usm_keys("SHA", nil, "authpass123", nil, EID))
    assert.same({ nil, "invalid argument" }, { c.usm_msg_protect(nil, plain_msg(AUTH)) })
    assert.same({ nil, "invalid argument" }, { c.usm_msg_protect(auth_only, plain_msg(AUTH | PRIV)) })
  end)

  it("a MAC of the wrong length is a wrong digest", function()
    local keys = assert(c.usm_keys("SHA-256", nil, "authpass123", nil, EID))
    local raw = assert(mw.encode {
      version = 3, msg_id = 1, msg_flags = AUTH, engine_id = EID, user = "u",
      auth_params_len = 12, pdu = { type = "get", varbinds = {} },
    })
    assert.same({ nil, "wrong digest" }, { c.usm_msg_check(keys, raw) })
  end)

  it("privacy parameters of the wrong length are a decryption error", function()
    local keys = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    local raw = assert(c.usm_msg_protect(keys, plain_msg(AUTH | PRIV)))
    local m = assert(mw.decode(raw))
    local bad, off = assert(mw.encode {
      version = 3, msg_id = m.msg_id, msg_max_size = m.msg_max_size, msg_flags = m.msg_flags,
      engine_id = m.engine_id, engine_boots = m.engine_boots, engine_time = m.engine_time,
      user = m.user, auth_params_len = 12, priv_params = m.priv_params:sub(1, 7),
      encrypted = m.encrypted,
    })
    bad = assert(c.usm_sign("SHA", keys.auth_key, bad, off))
    assert.same({ nil, "decryption error" }, { c.usm_msg_check(keys, bad) })
  end)

  it("a plaintext scopedPDU in a message flagged for privacy is a decryption error", function()
    local keys = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", EID))
    local raw, off = assert(mw.encode {
      version = 3, msg_id = 1, msg_flags = AUTH | PRIV, engine_id = EID, user = "u",
      auth_params_len = 12, priv_params = "12345678", pdu = { type = "get", varbinds = {} },
    })
    raw = assert(c.usm_sign("SHA", keys.auth_key, raw, off))
    assert.same({ nil, "decryption error" }, { c.usm_msg_check(keys, raw) })
  end)
end)

-- file name -> (auth, priv); priv nil for authNoPriv (usm-capture.sh)
local captures = {
  { "md5-des", "MD5", "DES" }, { "sha-des", "SHA", "DES" }, { "md5-aes", "MD5", "AES" },
  { "sha-224-aes", "SHA-224", "AES" }, { "sha-256-aes", "SHA-256", "AES" },
  { "sha-384-aes", "SHA-384", "AES" }, { "sha-512-aes", "SHA-512", "AES" },
  { "md5-aes-192", "MD5", "AES-192" }, { "sha-aes-192", "SHA", "AES-192" },
  { "sha-256-aes-192", "SHA-256", "AES-192" }, { "md5-aes-256", "MD5", "AES-256" },
  { "sha-aes-256", "SHA", "AES-256" }, { "sha-512-aes-256", "SHA-512", "AES-256" },
  { "sha-512-none", "SHA-512", nil },
}

-- the salt counter value that produced these msgPrivacyParameters
local function salt_counter(priv, pp)
  if priv == "DES" then return (string.unpack(">I4", pp, 5)) end
  return (string.unpack(">i8", pp))
end

describe("v3 messages: net-snmp captures", function()
  for _, v in ipairs(captures) do
    local name, auth, priv = v[1], v[2], v[3]
    for _, dir in ipairs { "1.send", "2.recv" } do
      it(auth .. "/" .. (priv or "none") .. " " .. dir .. ": decodes, and re-encodes to net-snmp's bytes", function()
        local raw = F.bytes("usm-" .. name .. "." .. dir)
        local m = assert(mw.decode(raw))
        local keys = assert(c.usm_keys(auth, priv, "authpass123", priv and "privpass123" or nil, m.engine_id))
        local s = scoped_of(assert(c.usm_msg_check(keys, raw)))
        assert.equal(dir == "1.send" and "get" or "response", s.pdu.type)
        assert.equal("1.3.6.1.2.1.1.5.0", s.pdu.varbinds[1].oid)
        if dir == "2.recv" then assert.equal("usm-fixture", s.pdu.varbinds[1].value) end
        -- the same message, unprotected, then protected by usm_msg_encode
        -- with the salt net-snmp drew, is net-snmp's message
        local boots = m.engine_boots
        if priv == "DES" then
          -- net-snmp's DES salt starts with its own (local) boots, not the
          -- header's: encode with those to get the same salt
          boots = string.unpack(">I4", m.priv_params)
        end
        local plain = assert(mw.encode {
          version = 3, msg_id = m.msg_id, msg_max_size = m.msg_max_size, msg_flags = m.msg_flags,
          engine_id = m.engine_id, engine_boots = boots, engine_time = m.engine_time,
          user = m.user, context_engine_id = s.context_engine_id, context_name = s.context_name,
          pdu = s.pdu,
        })
        if priv then c.usm_salt_set(salt_counter(priv, m.priv_params)) end
        local again = assert(c.usm_msg_protect(keys, plain))
        if priv == "DES" then
          -- net-snmp pads the last DES block with the pad length, we pad
          -- with zeros (both are valid: the receiver ignores padding). Every
          -- block before the last is identical, and so is the plaintext.
          local am = assert(mw.decode(again))
          assert.equal(#m.encrypted, #am.encrypted)
          assert.equal(hex(m.encrypted:sub(1, -9)), hex(am.encrypted:sub(1, -9)))
          assert.equal(hex(m.priv_params), hex(am.priv_params))
          assert.same(s, scoped_of(assert(c.usm_msg_check(keys, again))))
        else
          assert.equal(hex(raw), hex(again))
        end
      end)
    end
  end

  it("a captured response with one bit flipped is a wrong digest", function()
    local raw = F.bytes("usm-sha-256-aes.2.recv")
    local m = assert(mw.decode(raw))
    local keys = assert(c.usm_keys("SHA-256", "AES", "authpass123", "privpass123", m.engine_id))
    local pos = #raw - 3
    local bad = raw:sub(1, pos - 1) .. string.char(raw:byte(pos) ~ 0x10) .. raw:sub(pos + 1)
    assert.same({ nil, "wrong digest" }, { c.usm_msg_check(keys, bad) })
  end)

  it("a captured response checked with the wrong privacy password is a decryption error", function()
    local raw = F.bytes("usm-sha-aes-256.2.recv")
    local m = assert(mw.decode(raw))
    local keys = assert(c.usm_keys("SHA", "AES-256", "authpass123", "privpass999", m.engine_id))
    assert.same({ nil, "decryption error" }, { c.usm_msg_check(keys, raw) })
  end)
end)
