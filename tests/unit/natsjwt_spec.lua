-- tests/support/natsjwt.lua, which makes the nkeys and JWTs of the
-- operator-mode interop test (tests/interop/cluster_spec.lua): its
-- encoding against the example of nats-io/nkeys' README, and a JWT whose
-- signature openssl verifies with the key named in its "iss".
local cjson = require "cjson"
local J = require "natsjwt"
local support = require "run"
local sh = support.sh

local dir

setup(function()
  dir = sh("mktemp -d /tmp/moonwalk-natsjwt.XXXXXX"):gsub("%s+$", "")
end)

teardown(function()
  if dir and dir:match("^/tmp/moonwalk%-natsjwt%.") then os.execute("rm -rf " .. dir) end
end)

local unbase64url = J.unbase64url

describe("natsjwt (test support)", function()
  it("encodes the seed and public key of nkeys' README example", function()
    local k = J.from_seed("SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY", dir)
    assert.equal("user", k.kind)
    assert.equal("UD466L6EBCM3YY5HEGHJANNTN4LSKTSUXTH7RILHCKEQMQHTBNLHJJXT", k.public)
    assert.equal("SUAKYRHVIOREXV7EUZTBHUHL7NUMHPMAS7QMDU3GTIUWEI5LDNOXD43IZY", k.seed)
  end)

  it("makes keys whose encoding decodes back with the CRC; a changed character fails it", function()
    for kind, first in pairs { operator = "O", account = "A", user = "U" } do
      local k = J.nkey(kind, dir)
      assert.equal(first, k.public:sub(1, 1))
      assert.equal("S" .. first, k.seed:sub(1, 2))
      assert.equal(56, #k.public)
      assert.equal(58, #k.seed)
      local prefix, raw = J.decode(k.public)
      assert.equal(1, #prefix)
      assert.equal(32, #raw)
      local c = k.public:sub(10, 10) == "A" and "B" or "A"
      assert.same({ nil, "CRC mismatch" }, { J.decode(k.public:sub(1, 9) .. c .. k.public:sub(11)) })
      -- the seed gives the same public key again
      assert.equal(k.public, J.from_seed(k.seed, dir).public)
    end
  end)

  it("signs a JWT that openssl verifies with the public key its iss names", function()
    local acct, user = J.nkey("account", dir), J.nkey("user", dir)
    local t = J.encode(acct, user, "u1", { type = "user", version = 2 })
    local h, c, s = t:match("^([%w_-]+)%.([%w_-]+)%.([%w_-]+)$")
    assert.truthy(h, t)
    assert.same({ typ = "JWT", alg = "ed25519-nkey" }, cjson.decode(unbase64url(h)))
    local claims = cjson.decode(unbase64url(c))
    assert.equal(acct.public, claims.iss)
    assert.equal(user.public, claims.sub)
    assert.equal("user", claims.nats.type)
    assert.matches("^[A-Z2-7]+$", claims.jti)
    local _, raw = J.decode(claims.iss)
    -- SubjectPublicKeyInfo around the raw ed25519 key (RFC 8410)
    support.write(dir .. "/iss.der", "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00" .. raw)
    support.write(dir .. "/msg", h .. "." .. c)
    support.write(dir .. "/sig", unbase64url(s))
    assert.matches("Signature Verified Successfully", sh(string.format(
      "openssl pkeyutl -verify -rawin -pubin -keyform DER -inkey %s/iss.der -in %s/msg -sigfile %s/sig", dir, dir, dir)))
    -- and not for another message
    support.write(dir .. "/msg", h .. "." .. c .. "x")
    assert.is_nil(sh(string.format(
      "openssl pkeyutl -verify -rawin -pubin -keyform DER -inkey %s/iss.der -in %s/msg -sigfile %s/sig", dir, dir, dir))
      :find("Signature Verified Successfully", 1, true))
  end)

  it("writes the .creds layout libnats reads (the JWT and the seed, each between two header lines)", function()
    local text = J.creds("HEADER.CLAIMS.SIG", "SUSEED")
    assert.matches("^%-%-%-%-%-BEGIN NATS USER JWT%-%-%-%-%-\nHEADER%.CLAIMS%.SIG\n%-%-%-%-%-%-END NATS USER JWT%-%-%-%-%-%-\n", text)
    assert.matches("\n%-%-%-%-%-BEGIN USER NKEY SEED%-%-%-%-%-\nSUSEED\n%-%-%-%-%-%-END USER NKEY SEED%-%-%-%-%-%-\n", text)
  end)
end)
