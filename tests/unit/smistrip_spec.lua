-- scripts/smistrip.lua: modules out of RFC text, as libsmi's smistrip
-- takes them (scripts/fetch-ietf-mibs.sh builds mibs/ietf with it).
local R = require "run"
local ROOT = os.getenv("MOONWALK_ROOT") or "."

local RFC = table.concat({
  "RFC 9999                  Test MIB                      June 2020",
  "", "", "4.  Definitions", "",
  "   TEST-SMI DEFINITIONS ::= BEGIN", "",
  "   THING MACRO ::=", "   BEGIN", "       TYPE NOTATION ::= \"x\"", "   END", "",
  "   test OBJECT IDENTIFIER ::= { iso 99 }", "", "", "",
  "Someone                     Standards Track                    [Page 3]",
  "\fRFC 9999                  Test MIB                      June 2020", "", "",
  "   testOne OBJECT IDENTIFIER ::= { test 1 }", "",
  "   END", "",
  "   OTHER-MIB DEFINITIONS ::= BEGIN", "   END", "",
}, "\n")

describe("smistrip.lua", function()
  local dir
  before_each(function()
    dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
    R.write(dir .. "/rfc.txt", RFC)
  end)
  after_each(function() os.execute("rm -rf " .. dir) end)

  it("takes a module whole, MACROs' BEGIN ... END inside, without its page breaks and indentation", function()
    local out, _, code = R.run(string.format("lua5.4 %s/scripts/smistrip.lua -d %s -m TEST-SMI %s/rfc.txt",
      ROOT, dir, dir))
    assert.equal(0, code)
    assert.equal("TEST-SMI\n", out)
    local f = assert(io.open(dir .. "/TEST-SMI"))
    local got = f:read("a")
    f:close()
    assert.equal(table.concat({
      "TEST-SMI DEFINITIONS ::= BEGIN", "", "THING MACRO ::=", "BEGIN", "    TYPE NOTATION ::= \"x\"", "END", "",
      "test OBJECT IDENTIFIER ::= { iso 99 }", "", "testOne OBJECT IDENTIFIER ::= { test 1 }", "", "END", "",
    }, "\n"), got)
  end)

  it("writes every module without -m, only those named with it", function()
    local out = R.run(string.format("lua5.4 %s/scripts/smistrip.lua -d %s %s/rfc.txt", ROOT, dir, dir))
    assert.equal("TEST-SMI\nOTHER-MIB\n", out)
    local _, _, code = R.run(string.format("lua5.4 %s/scripts/smistrip.lua -d %s -m NOPE %s/rfc.txt", ROOT, dir, dir))
    assert.equal(1, code)
  end)
end)
