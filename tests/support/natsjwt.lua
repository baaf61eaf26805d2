-- NATS nkeys and JWTs (v2) made with openssl, for a nats-server in
-- operator mode in the tests (there is no nsc or nk here).
--
--   local jwt = require "natsjwt"
--   local k = jwt.nkey("user", dir)     ed25519 key made by openssl in dir:
--                                       k.public ("U..."), k.seed ("SU..."),
--                                       k.pem (the key file for signing)
--   jwt.encode(signer, subject, name, nats)   a JWT whose claims are
--                                       { jti, iat, iss = signer.public,
--                                         sub = subject.public, name, nats },
--                                       signed by signer
--   jwt.creds(user_jwt, seed)           the text of a .creds file
--   jwt.from_seed(seed, dir)           the key of an encoded seed, as nkey()
--   jwt.decode(text) -> prefix, raw     undoes the nkey encoding (base32,
--                   | nil, why          CRC16 checked): prefix byte(s) as a
--                                       string, raw the 32 key bytes
--   local op = jwt.operator(dir)        an operator, its system account and
--                                       an account with JetStream:
--     op.config                         server configuration (operator,
--                                       system_account, MEMORY resolver
--                                       with both accounts preloaded)
--     op:user(name [, account])         a user of the account (or of another
--                                       account key): creds text, user key
--
-- Formats (nats-io/nkeys strkey.go, crc16.go; nats-io/jwt v2 claims.go,
-- header.go, creds_utils.go): a public key is base32 (RFC 4648, no
-- padding) of one prefix byte, the 32 key bytes and their CRC16 (XMODEM,
-- little-endian); a seed has two prefix bytes, 'S' (18 << 3) with the
-- key's type spread over both. A JWT is base64url(header) "."
-- base64url(claims) "." base64url(ed25519 signature of the two), with jti
-- the base32 SHA-512/256 of the claims without jti (nothing checks it).
local cjson = require "cjson"

local J = {}

local PREFIX = { operator = 14 << 3, account = 0, user = 20 << 3 }
local SEED = 18 << 3

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  return out, ok
end

local function slurp(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function spit(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

local function crc16(s)
  local crc = 0
  for i = 1, #s do
    crc = crc ~ (s:byte(i) << 8)
    for _ = 1, 8 do
      if crc & 0x8000 ~= 0 then crc = ((crc << 1) ~ 0x1021) & 0xffff
      else crc = (crc << 1) & 0xffff end
    end
  end
  return crc
end
J.crc16 = crc16

local B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

local function base32(s)
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    bits = (bits << 8) | s:byte(i)
    n = n + 8
    while n >= 5 do
      n = n - 5
      local v = (bits >> n) & 31
      out[#out + 1] = B32:sub(v + 1, v + 1)
    end
    bits = bits & ((1 << n) - 1)
  end
  if n > 0 then
    local v = (bits << (5 - n)) & 31
    out[#out + 1] = B32:sub(v + 1, v + 1)
  end
  return table.concat(out)
end
J.base32 = base32

-- decode(s, alphabet, width): the octets of s, each of its characters
-- `width` bits (its place in alphabet), no padding; nil on a stranger
local function decode(s, alphabet, width)
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    local v = alphabet:find(s:sub(i, i), 1, true)
    if not v then return nil end
    bits = (bits << width) | (v - 1)
    n = n + width
    if n >= 8 then
      n = n - 8
      out[#out + 1] = string.char((bits >> n) & 0xff)
      bits = bits & ((1 << n) - 1)
    end
  end
  return table.concat(out)
end
local function unbase32(s) return decode(s, B32, 5) end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
function J.unbase64url(s) return decode(s, B64, 6) end

local function base64url(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local v = (a << 16) | ((b or 0) << 8) | (c or 0)
    local k = c and 4 or b and 3 or 2
    for j = 1, k do
      local x = (v >> (6 * (4 - j))) & 63
      out[#out + 1] = B64:sub(x + 1, x + 1)
    end
  end
  return table.concat(out)
end
J.base64url = base64url

local function encode_key(prefix, raw)
  local data = prefix .. raw
  local crc = crc16(data)
  return base32(data .. string.char(crc & 0xff, crc >> 8))
end

function J.decode(text)
  local raw = unbase32(text)
  if not raw or #raw < 4 then return nil, "not base32" end
  local body, lo, hi = raw:sub(1, -3), raw:byte(-2, -1)
  if crc16(body) ~= lo | (hi << 8) then return nil, "CRC mismatch" end
  local np = #body - 32
  if np ~= 1 and np ~= 2 then return nil, "length " .. #body end
  return body:sub(1, np), body:sub(np + 1)
end

local seq = 0

local KIND = { [PREFIX.operator] = "operator", [PREFIX.account] = "account", [PREFIX.user] = "user" }

-- the key of kind in the PEM file pem, with its public key and seed
local function load(kind, pem)
  local p = assert(PREFIX[kind], kind)
  -- PKCS#8 and SubjectPublicKeyInfo in DER: the raw 32 bytes come last
  local priv = sh(string.format("openssl pkey -in %s -outform DER", pem))
  local pub = sh(string.format("openssl pkey -in %s -pubout -outform DER", pem))
  assert(#priv == 48 and #pub == 44, "unexpected DER from openssl")
  return {
    kind = kind,
    pem = pem,
    public = encode_key(string.char(p), pub:sub(-32)),
    seed = encode_key(string.char(SEED | (p >> 5), (p & 31) << 3), priv:sub(-32)),
  }
end

local seq = 0
local function pem_path(kind, dir)
  seq = seq + 1
  return string.format("%s/%s-%d.pem", dir, kind, seq)
end

-- a new ed25519 key of kind "operator" | "account" | "user", made by
-- openssl in dir
function J.nkey(kind, dir)
  local pem = pem_path(kind, dir)
  local out, ok = sh(string.format("openssl genpkey -algorithm ed25519 -out %s", pem))
  assert(ok, out)
  return load(kind, pem)
end

-- the key of an encoded seed ("SU...", "SA...", "SO..."), its PEM in dir
function J.from_seed(seed, dir)
  local prefix, raw = J.decode(seed)
  assert(prefix and #prefix == 2, raw or "not a seed")
  local b1, b2 = prefix:byte(1, 2)
  assert(b1 & 248 == SEED, "not a seed")
  local kind = assert(KIND[((b1 & 7) << 5) | (b2 >> 3)], "not an operator, account or user seed")
  local pem = pem_path(kind, dir)
  -- PKCS#8 around the raw ed25519 private key (RFC 8410)
  local der = pem .. ".der"
  spit(der, "\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20" .. raw)
  local out, ok = sh(string.format("openssl pkey -inform DER -in %s -out %s", der, pem))
  os.remove(der)
  assert(ok, out)
  return load(kind, pem)
end

local function sign(key, data)
  local base = key.pem .. ".msg"
  spit(base, data)
  local out, ok = sh(string.format("openssl pkeyutl -sign -rawin -inkey %s -in %s -out %s.sig", key.pem, base, base))
  assert(ok, out)
  local sig = slurp(base .. ".sig")
  os.remove(base)
  os.remove(base .. ".sig")
  assert(#sig == 64, "ed25519 signature of " .. #sig .. " bytes")
  return sig
end

local function sha512_256(data, dir)
  local path = dir .. "/claims.json"
  spit(path, data)
  local out, ok = sh(string.format("openssl dgst -sha512-256 -binary %s", path))
  os.remove(path)
  assert(ok and #out == 32, out)
  return out
end

function J.encode(signer, subject, name, nats)
  local dir = signer.pem:match("^(.*)/[^/]+$")
  local claims = { iat = os.time(), iss = signer.public, sub = subject.public, name = name, nats = nats }
  claims.jti = base32(sha512_256(cjson.encode(claims), dir))
  local header = base64url(cjson.encode { typ = "JWT", alg = "ed25519-nkey" })
  local signing = header .. "." .. base64url(cjson.encode(claims))
  return signing .. "." .. base64url(sign(signer, signing))
end

function J.creds(user_jwt, seed)
  return "-----BEGIN NATS USER JWT-----\n" .. user_jwt .. "\n------END NATS USER JWT------\n\n"
    .. "************************* IMPORTANT *************************\n"
    .. "NKEY Seed printed below can be used to sign and prove identity.\n"
    .. "NKEYs are sensitive and should be treated as secrets.\n\n"
    .. "-----BEGIN USER NKEY SEED-----\n" .. seed .. "\n------END USER NKEY SEED------\n\n"
    .. "*************************************************************\n"
end

-- an account's limits: no limit on anything; JetStream on when js
local function account_claims(js)
  local limits = { subs = -1, data = -1, payload = -1, imports = -1, exports = -1, wildcards = true,
                   conn = -1, leaf = -1 }
  if js then
    limits.mem_storage, limits.disk_storage, limits.streams, limits.consumer = -1, -1, -1, -1
  end
  return { limits = limits, default_permissions = { pub = {}, sub = {} }, type = "account", version = 2 }
end

local Op = {}
Op.__index = Op

function J.operator(dir)
  local self = setmetatable({ dir = dir }, Op)
  self.operator = J.nkey("operator", dir)
  self.system = J.nkey("account", dir)
  self.account = J.nkey("account", dir)
  self.operator_jwt = J.encode(self.operator, self.operator, "moonwalk-test",
    { type = "operator", version = 2, system_account = self.system.public })
  self.system_jwt = J.encode(self.operator, self.system, "SYS", account_claims(false))
  self.account_jwt = J.encode(self.operator, self.account, "moonwalk", account_claims(true))
  self.config = table.concat({
    "operator: " .. self.operator_jwt,
    "system_account: " .. self.system.public,
    "resolver: MEMORY",
    "resolver_preload: {",
    "  " .. self.system.public .. ": " .. self.system_jwt,
    "  " .. self.account.public .. ": " .. self.account_jwt,
    "}",
  }, "\n") .. "\n"
  return self
end

-- a user of the account (or of account, an nkey the operator may not have
-- signed): the text of its .creds file, and its key
function Op:user(name, account)
  local u = J.nkey("user", self.dir)
  local t = J.encode(account or self.account, u, name,
    { pub = {}, sub = {}, subs = -1, data = -1, payload = -1, type = "user", version = 2 })
  return J.creds(t, u.seed), u
end

return J
