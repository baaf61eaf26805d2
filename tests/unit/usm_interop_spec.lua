-- USM against real net-snmp packets. v3-get.* come from capture.sh (user
-- authPrivUser, SHA/AES, "authpass123"/"privpass123"); usm-* come from
-- usm-capture.sh (one user per auth/priv pair, same passwords). For each
-- message: the digest verifies with our keys, our signature of the message
-- is byte-identical to net-snmp's, the scopedPDU decrypts to a GET or
-- Response for sysName.0, and re-encrypting with the same salt gives
-- net-snmp's ciphertext back.
local mw = require "moonwalk"
local F = require "fixtures"
local c = mw.core
local hex = mw.tohex

local SYSNAME = "1.3.6.1.2.1.1.5.0"

local function zero_mac(raw, off, n)
  return raw:sub(1, off) .. string.rep("\0", n) .. raw:sub(off + n + 1)
end

-- the 8 salt bytes as the counter value that produced them
local function salt_counter(priv, pp)
  if priv == "DES" or priv == "3DES" then return (string.unpack(">I4", pp, 5)) end
  return (string.unpack(">i8", pp))
end

local function check(raw, auth, priv, keys, want_type)
  local m = assert(mw.decode(raw))
  local maclen = c.usm_auth_info(auth).mac_len
  assert.equal(maclen, #m.auth_params)
  assert.is_true(c.usm_verify(auth, keys.auth_key, raw, m.auth_params_off))
  -- signing the message with a zeroed MAC field reproduces net-snmp's bytes
  local signed = assert(c.usm_sign(auth, keys.auth_key, zero_mac(raw, m.auth_params_off, maclen), m.auth_params_off))
  assert.equal(hex(raw), hex(signed))
  local scoped
  if priv then
    local plain = assert(c.usm_decrypt(priv, keys.priv_key, m.engine_boots, m.engine_time, m.priv_params, m.encrypted))
    scoped = assert(c.decode_scoped(plain))
    c.usm_salt_set(salt_counter(priv, m.priv_params))
    -- DES salts start with the sender's own engine boots (net-snmp uses its
    -- local boots there, not msgAuthoritativeEngineBoots)
    local boots = m.engine_boots
    if priv == "DES" then boots = string.unpack(">I4", m.priv_params) end
    local again, pp = assert(c.usm_encrypt(priv, keys.priv_key, boots, m.engine_time, plain))
    assert.equal(hex(m.priv_params), hex(pp))
    assert.equal(hex(m.encrypted), hex(again))
  else
    scoped = m
  end
  assert.equal(want_type, scoped.pdu.type)
  assert.equal(1, #scoped.pdu.varbinds)
  assert.equal(SYSNAME, scoped.pdu.varbinds[1].oid)
  return scoped, m
end

describe("usm interop with net-snmp (v3-get fixture, SHA/AES)", function()
  local disc = assert(mw.decode(F.bytes("v3-get.2.recv")))
  local eid = disc.engine_id
  local keys = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", eid))

  it("the discovery report carries the engine ID", function()
    assert.equal("80001f8880c6417332cf34016b00000000", hex(eid))
  end)

  it("GetRequest: digest verifies, scopedPDU decrypts to a GET of sysName.0", function()
    local s, m = check(F.bytes("v3-get.3.send"), "SHA", "AES", keys, "get")
    assert.equal("authPrivUser", m.user)
    assert.equal(eid, s.context_engine_id)
  end)

  it("Response: digest verifies, scopedPDU decrypts to the sysName.0 value", function()
    local s = check(F.bytes("v3-get.4.recv"), "SHA", "AES", keys, "response")
    assert.equal("STRING", s.pdu.varbinds[1].type)
    assert.is_string(s.pdu.varbinds[1].value)
    assert.equal(0, s.pdu.error_status)
  end)

  it("wrong auth password fails verification (wrong digest)", function()
    local raw = F.bytes("v3-get.4.recv")
    local m = assert(mw.decode(raw))
    local bad = assert(c.usm_keys("SHA", "AES", "authpass124", "privpass123", eid))
    local ok, err = c.usm_verify("SHA", bad.auth_key, raw, m.auth_params_off)
    assert.is_nil(ok)
    assert.equal("wrong digest", err)
  end)

  it("key localised for another engine ID fails verification", function()
    local raw = F.bytes("v3-get.4.recv")
    local m = assert(mw.decode(raw))
    local other = assert(c.usm_keys("SHA", "AES", "authpass123", "privpass123", "\0\0\0\0\0\0\0\0\0\0\0\2"))
    assert.is_nil((c.usm_verify("SHA", other.auth_key, raw, m.auth_params_off)))
  end)

  it("a flipped bit anywhere in the message fails verification", function()
    local raw = F.bytes("v3-get.4.recv")
    local m = assert(mw.decode(raw))
    for _, pos in ipairs { 1, 20, #raw } do
      local b = raw:byte(pos) ~ 1
      local t = raw:sub(1, pos - 1) .. string.char(b) .. raw:sub(pos + 1)
      if pos <= m.auth_params_off or pos > m.auth_params_off + 12 then
        assert.is_nil((c.usm_verify("SHA", keys.auth_key, t, m.auth_params_off)), pos)
      end
    end
  end)

  it("auth params offset out of range is an error, not a crash", function()
    local raw = F.bytes("v3-get.4.recv")
    local ok, err = c.usm_verify("SHA", keys.auth_key, raw, #raw - 4)
    assert.is_nil(ok)
    assert.matches("offset", err)
    assert.is_nil((c.usm_sign("SHA", keys.auth_key, raw, -1)))
  end)

  it("verification leaves the message unchanged", function()
    local raw = F.bytes("v3-get.4.recv")
    local copy = raw .. ""
    local m = assert(mw.decode(raw))
    c.usm_verify("SHA", keys.auth_key, raw, m.auth_params_off)
    assert.equal(copy, raw)
  end)
end)

-- usm-capture.sh: file name -> (auth, priv); priv nil for authNoPriv
local combos = {
  { "md5-des", "MD5", "DES" },
  { "sha-des", "SHA", "DES" },
  { "md5-aes", "MD5", "AES" },
  { "sha-224-aes", "SHA-224", "AES" },
  { "sha-256-aes", "SHA-256", "AES" },
  { "sha-384-aes", "SHA-384", "AES" },
  { "sha-512-aes", "SHA-512", "AES" },
  { "md5-aes-192", "MD5", "AES-192" },   -- Blumenthal key extension
  { "sha-aes-192", "SHA", "AES-192" },   -- Blumenthal key extension
  { "sha-256-aes-192", "SHA-256", "AES-192" },
  { "md5-aes-256", "MD5", "AES-256" },   -- Blumenthal key extension
  { "sha-aes-256", "SHA", "AES-256" },   -- Blumenthal key extension
  { "sha-512-aes-256", "SHA-512", "AES-256" },
  { "sha-512-none", "SHA-512", nil },
}

describe("usm interop with net-snmp (usm-* fixtures)", function()
  for _, v in ipairs(combos) do
    local name, auth, priv = v[1], v[2], v[3]
    it(auth .. "/" .. (priv or "none") .. " request and response", function()
      local req = F.bytes("usm-" .. name .. ".1.send")
      local eid = assert(mw.decode(req)).engine_id
      local keys = assert(c.usm_keys(auth, priv, "authpass123", priv and "privpass123" or nil, eid))
      check(req, auth, priv, keys, "get")
      local s = check(F.bytes("usm-" .. name .. ".2.recv"), auth, priv, keys, "response")
      assert.equal("usm-fixture", s.pdu.varbinds[1].value)
    end)
  end

  it("AES-256 with MD5 needs the Blumenthal extension, not the Reeder one", function()
    local raw = F.bytes("usm-md5-aes-256.2.recv")
    local m = assert(mw.decode(raw))
    local mp = c.usm_password_to_key("MD5", "privpass123")
    local reeder = c.usm_priv_localize("MD5", "AES-256-C", mp, m.engine_id)
    local plain = c.usm_decrypt("AES-256", reeder, m.engine_boots, m.engine_time, m.priv_params, m.encrypted)
    assert.is_nil(c.decode_scoped(plain))
  end)
end)
