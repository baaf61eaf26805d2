-- src/mib/mibfmt.c and src/mib/mibhint.c: values rendered with MIB
-- knowledge as net-snmp's sprint_realloc_* functions print them
-- (DISPLAY-HINTs of integers and octet strings, enums, BITS, units, the
-- "Wrong Type" note), and text read back through an octet-string hint as
-- net-snmp reads a quoted table index. tests/interop/mib_render_spec.lua
-- compares the same renderer with snmpget against a live agent.
local core = require "moonwalk.core"

local root = os.getenv("MOONWALK_ROOT") or "."
local DIRS = root .. "/mibs/std:" .. root .. "/tests/fixtures/mibs"

describe("mibfmt", function()
  local m
  setup(function()
    m = core.mib_new()
    m:add_dirs(DIRS)
    m:load("MOONWALK-TEST-MIB")
    m:adopt()
    assert.equal("", m:errors())
  end)
  teardown(function() m:close() end)

  -- renders a value of MOONWALK-TEST-MIB::name.0
  local function fmt(name, typ, value, opts)
    local o = assert(m:parse_oid("MOONWALK-TEST-MIB::" .. name .. ".0"))
    return m:format_value(tostring(o), typ, value, opts)
  end

  it("applies an integer DISPLAY-HINT (d-N, x) and the units", function()
    assert.equal("INTEGER: 23.45 degrees Celsius", fmt("mwTemperature", "INTEGER", 2345))
    assert.equal("INTEGER: .05 degrees Celsius", fmt("mwTemperature", "INTEGER", 5))
    assert.equal("INTEGER: -.05 degrees Celsius", fmt("mwTemperature", "INTEGER", -5))
    assert.equal("INTEGER: -23.45", fmt("mwNegative", "INTEGER", -2345))
    assert.equal("INTEGER: 23.45", fmt("mwTemperature", "INTEGER", 2345, { no_units = true }))
    assert.equal("Gauge32: ff", fmt("mwFlags", "Gauge32", 255))
    assert.equal("Gauge32: 255", fmt("mwFlags", "Gauge32", 255, { no_hint = true }))
    assert.equal("Gauge32: 42 percent", fmt("mwLoad", "Gauge32", 42))
  end)

  it("applies an octet-string DISPLAY-HINT (1x:, 1d., 255a, DateAndTime)", function()
    local mac = "\0\x1a\x2b\x3c\x4d\x5e"
    assert.equal("STRING: 0:1a:2b:3c:4d:5e", fmt("mwMac", "STRING", mac))
    assert.equal("STRING: 00:1a:2b:3c:4d:5e", fmt("mwMac", "STRING", mac, { two_digit_hex = true }))
    assert.equal("Hex-STRING: 00 1A 2B 3C 4D 5E ", fmt("mwMac", "STRING", mac, { no_hint = true }))
    assert.equal("STRING: 1.2.3.4", fmt("mwDotted", "STRING", "\1\2\3\4"))
    assert.equal("STRING: hello world", fmt("mwName", "STRING", "hello world"))
    assert.equal("STRING: 2026-11-21,6:9:30.5,-5:48",
                 fmt("mwDate", "STRING", core.fromhex("07EA0B1506091E052D0530")))
  end)

  it("names enums, and prints unknown or -Oe values as numbers", function()
    assert.equal("INTEGER: green(2)", fmt("mwColour", "INTEGER", 2))
    assert.equal("INTEGER: 7", fmt("mwColour", "INTEGER", 7))
    assert.equal("INTEGER: 2", fmt("mwColour", "INTEGER", 2, { numeric_enum = true }))
    assert.equal("INTEGER: broken(-1)", fmt("mwState", "INTEGER", -1))
  end)

  it("prints BITS as hex then the set bits, labels as far as net-snmp finds them", function()
    assert.equal("BITS: A0 40 alpha(0) gamma(2) delta(9) ", fmt("mwBits", "BITS", "\xa0\x40"))
    assert.equal("BITS: 00 01 omega(15) ", fmt("mwBits", "BITS", "\0\1"))
    -- net-snmp walks the label list once: after bit 3 (no label) the
    -- search has passed the end, so omega is printed as a number too
    assert.equal("BITS: 10 01 3 15 ", fmt("mwBits", "BITS", "\x10\x01"))
    assert.equal("BITS: A0 40 0 2 9 ", fmt("mwBits", "BITS", "\xa0\x40", { numeric_enum = true }))
    assert.equal('"A0 40 "', fmt("mwBits", "BITS", "\xa0\x40", { quick = true }))
  end)

  it("notes a value of the wrong type before rendering it by its own type", function()
    assert.equal('Wrong Type (should be INTEGER): STRING: "x"', fmt("mwColour", "STRING", "x"))
    assert.equal("Wrong Type (should be OCTET STRING): INTEGER: 5", fmt("mwMac", "INTEGER", 5))
  end)

  it("renders and reads back a hinted table index", function()
    local o = "1.3.6.1.4.1.99999.2.4.1.3.0.26.43.60.77.94.107.101.121"
    assert.equal("MOONWALK-TEST-MIB::mwKeyOid[STRING: 0:1a:2b:3c:4d:5e][STRING: key]",
                 m:format_oid(o, "module", "X"))
    assert.equal(o, tostring(m:parse_oid("MOONWALK-TEST-MIB::mwKeyOid.'0:1a:2b:3c:4d:5e'.'key'")))
    -- text that does not fit the hint is taken as it is: 2 octets, not 6
    local none, err = m:parse_oid("MOONWALK-TEST-MIB::mwKeyOid.'zz'.'key'")
    assert.is_nil(none)
    assert.equal("Index out of range: 'zz (mwKeyOwner)", err)
  end)
end)
