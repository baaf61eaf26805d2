-- The MIB parser and mw.mib: errors with file and line, broken modules
-- that do not stop others, sloppy vendor MIBs, the search path, the Lua API
-- and the name resolver every OID argument goes through.
local core = require "moonwalk.core"
local mib = require "moonwalk.mib"
local support = require "run"
local write = support.write

local root = os.getenv("MOONWALK_ROOT") or "."
local STD = root .. "/mibs/std"
local FIX = root .. "/tests/fixtures/mibs"

local function fresh(dirs, ...)
  local m = core.mib_new()
  m:add_dirs(dirs)
  for _, name in ipairs { ... } do m:load(name) end
  m:adopt()
  return m
end

local tmpdir = support.tmpdir

describe("MIB parser", function()
  it("reports a syntax error with file and line", function()
    local m = fresh(STD .. ":" .. FIX .. "/broken", "MOONWALK-BROKEN-MIB")
    local e = m:errors()
    assert.matches("Bad ACCESS type %(read%-sometimes%): At line 17 in [^\n]*MOONWALK%-BROKEN%-MIB%.txt", e)
    assert.matches("Bad parse of OBJECT%-TYPE: At line 17 in [^\n]*MOONWALK%-BROKEN%-MIB%.txt", e)
  end)

  it("keeps loading the other modules after a broken one", function()
    local m = fresh(STD .. ":" .. FIX .. "/broken", "ALL")
    local e = m:errors()
    assert.matches("MOONWALK%-BROKEN%-MIB", e)
    assert.equal("1.3.6.1.4.1.99996.1", tostring(m:parse_oid("MOONWALK-FINE-MIB::fineValue")))
    assert.equal("1.3.6.1.2.1.2.2.1.2", tostring(m:parse_oid("IF-MIB::ifDescr")))
    -- like net-snmp, nothing of the broken module is linked
    assert.is_nil(m:parse_oid("brokenGood", "random"))
  end)

  it("keeps an error message longer than 1 KiB whole, with its newline", function()
    local long = STD .. ":" .. string.rep("/no/such/directory/of/mibs", 60)   -- 1,6xx bytes
    local m = fresh(long, "NO-SUCH-MIB")
    assert.equal("MIB search path: " .. long .. "\nCannot find module (NO-SUCH-MIB): At line 1 in (none)\n",
                 m:errors())
  end)

  it("reports a missing module once, with the search path first", function()
    local m = fresh(STD, "NO-SUCH-MIB")
    assert.equal("MIB search path: " .. STD .. "\nCannot find module (NO-SUCH-MIB): At line 1 in (none)\n",
                 m:errors())
    assert.equal(1, m:error_count())
  end)

  it("accepts underscores and well-known names used without import", function()
    local m = fresh(STD .. ":" .. FIX .. "/sloppy", "MOONWALK-SLOPPY-MIB")
    local o = m:parse_oid("MOONWALK-SLOPPY-MIB::sloppy_level")
    assert.equal("1.3.6.1.4.1.99998.1.2", tostring(o))
    assert.equal("MOONWALK-SLOPPY-MIB::sloppy_level.0", m:format_oid(tostring(o) .. ".0"))
    local info = m:node(o)
    assert.equal("high_level", info.enums[2])
  end)

  it("loads a module from a file path", function()
    local m = fresh(STD, FIX .. "/MOONWALK-TEST-MIB.txt")
    assert.equal("", m:errors())
    assert.equal("1.3.6.1.4.1.99999.1.7", tostring(m:parse_oid("MOONWALK-TEST-MIB::mwColour")))
  end)

  it("finds modules by module name, not by file name", function()
    local d = tmpdir()
    write(d .. "/whatever.txt", [[
ODDLY-NAMED-MIB DEFINITIONS ::= BEGIN
IMPORTS enterprises FROM SNMPv2-SMI;
oddRoot OBJECT IDENTIFIER ::= { enterprises 4242 }
END
]])
    local m = fresh(STD .. ":" .. d, "ODDLY-NAMED-MIB")
    assert.equal("", m:errors())
    assert.equal("1.3.6.1.4.1.4242", tostring(m:parse_oid("ODDLY-NAMED-MIB::oddRoot")))
    os.execute("rm -rf " .. d)
  end)

  it("skips comments, macros, conformance macros and reads SMIv1 forms", function()
    local d = tmpdir()
    write(d .. "/EDGE-MIB.txt", [[
EDGE-MIB DEFINITIONS ::= BEGIN -- a comment --
-- a whole line of comment with IMPORTS FROM inside
IMPORTS
    MODULE-IDENTITY, OBJECT-TYPE, enterprises, Integer32 FROM SNMPv2-SMI
    OBJECT-GROUP, MODULE-COMPLIANCE FROM SNMPv2-CONF
    TRAP-TYPE FROM RFC-1215;
edge MODULE-IDENTITY
    LAST-UPDATED "202601010000Z" ORGANIZATION "x" CONTACT-INFO "y"
    DESCRIPTION "z" ::= { enterprises 4343 }
EdgeOctets ::= OCTET    STRING (SIZE(0..4))
edgeTable OBJECT IDENTIFIER ::= { edge 1 }
edgeValue OBJECT-TYPE
    SYNTAX  Integer32 (-5..5 | 10)
    MAX-ACCESS read-write
    STATUS current
    DESCRIPTION "with -- no comment
        on two lines"
    DEFVAL { 'FF'H }
    ::= { edge 2 }
edgeOctets OBJECT-TYPE
    SYNTAX  EdgeOctets
    ACCESS read-only
    STATUS mandatory
    DEFVAL { ''H }
    ::= { edge 3 }
edgeTrap TRAP-TYPE
    ENTERPRISE edge
    VARIABLES { edgeValue }
    ::= 7
edgeGroup OBJECT-GROUP
    OBJECTS { edgeValue, edgeOctets }
    STATUS current
    DESCRIPTION "group"
    ::= { edge 4 }
edgeCompliance MODULE-COMPLIANCE
    STATUS current
    DESCRIPTION "c"
    MODULE
        MANDATORY-GROUPS { edgeGroup }
        OBJECT edgeValue MIN-ACCESS read-only DESCRIPTION "ro"
    ::= { edge 5 }
deep OBJECT IDENTIFIER ::= { edge 6 7 8 }
END
]])
    local m = fresh(STD .. ":" .. d, "EDGE-MIB")
    assert.equal("", m:errors())
    local info = m:node(m:parse_oid("EDGE-MIB::edgeValue"))
    assert.equal("Integer32", info.type)
    assert.equal("read-write", info.access)
    assert.same({ { -5, 5 }, { 10, 10 } }, info.ranges)
    assert.equal("255", info.defval)
    info = m:node(m:parse_oid("EDGE-MIB::edgeOctets"))
    assert.equal("OCTET STRING", info.type)
    assert.equal("EdgeOctets", info.tc)
    assert.same({ { 0, 4 } }, info.sizes)
    assert.equal("1.3.6.1.4.1.4343.0.7", tostring(m:parse_oid("EDGE-MIB::edgeTrap")))
    assert.same({ "edgeValue" }, m:node(m:parse_oid("EDGE-MIB::edgeTrap")).objects)
    assert.equal("1.3.6.1.4.1.4343.6.7.8", tostring(m:parse_oid("EDGE-MIB::deep")))
    assert.equal("EDGE-MIB::deep", m:format_oid("1.3.6.1.4.1.4343.6.7.8"))
    assert.equal("EDGE-MIB::edge.6.7", m:format_oid("1.3.6.1.4.1.4343.6.7"))
    os.execute("rm -rf " .. d)
  end)

  it("CRLF lines, long quoted text and comments keep line numbers as snmptranslate counts them", function()
    local d = tmpdir()
    local function module(name, access)
      return table.concat({
        name .. " DEFINITIONS ::= BEGIN -- comment -- IMPORTS",
        "IMPORTS OBJECT-TYPE, enterprises, Integer32 FROM SNMPv2-SMI;",
        "crlf OBJECT IDENTIFIER ::= { enterprises 4344 }",
        "crlfValue OBJECT-TYPE",
        "    SYNTAX  Integer32",
        "    MAX-ACCESS read-only",
        "    STATUS current",
        '    DESCRIPTION "first line',
        "        second line -- not a comment",
        '        third line"',
        "    ::= { crlf 1 } -- trailing comment",
        "crlfOther OBJECT-TYPE",
        "    SYNTAX  Integer32",
        "    MAX-ACCESS " .. access,
        "    STATUS current",
        '    DESCRIPTION "' .. string.rep("long text ", 2000) .. '"',
        "    ::= { crlf 2 }",
        "END", "" }, "\r\n")
    end
    write(d .. "/CRLF-MIB.txt", module("CRLF-MIB", "read-only"))
    write(d .. "/CRLF-BAD-MIB.txt", module("CRLF-BAD-MIB", "read-sometimes"))
    local m = fresh(STD .. ":" .. d, "CRLF-MIB")
    assert.equal("", m:errors())
    assert.equal("1.3.6.1.4.1.4344.2", tostring(m:parse_oid("CRLF-MIB::crlfOther")))
    local info = m:node(m:parse_oid("CRLF-MIB::crlfValue"))
    assert.equal("first line\n        second line -- not a comment\n        third line", info.description)
    m = fresh(STD .. ":" .. d, "CRLF-BAD-MIB")
    local line = assert(m:errors():match("Bad ACCESS type %(read%-sometimes%): At line (%d+)"))
    local p = io.popen(string.format("snmptranslate -M %s:%s -m CRLF-BAD-MIB -On .1 2>&1", STD, d))
    local theirs = p:read("a")
    p:close()
    assert.equal(line, theirs:match("Bad ACCESS type %(read%-sometimes%): At line (%d+)"))
    assert.equal("14", line)
    os.execute("rm -rf " .. d)
  end)

  it("reads a DESCRIPTION from its file when asked, cut as net-snmp cuts it, and none once the file changed", function()
    local d = tmpdir()
    local long = string.rep("0123456789", 500)    -- 5,000 bytes: net-snmp keeps 4,095
    local function module(pad)
      return table.concat({
        "LAZY-MIB DEFINITIONS ::= BEGIN" .. pad,
        "IMPORTS OBJECT-TYPE, enterprises, Integer32 FROM SNMPv2-SMI;",
        "lazy OBJECT IDENTIFIER ::= { enterprises 4345 }",
        "lazyShort OBJECT-TYPE SYNTAX Integer32 MAX-ACCESS read-only STATUS current",
        '    DESCRIPTION "short text" REFERENCE "RFC 0000" ::= { lazy 1 }',
        "lazyLong OBJECT-TYPE SYNTAX Integer32 MAX-ACCESS read-only STATUS current",
        '    DESCRIPTION "' .. long .. '" ::= { lazy 2 }',
        "END", "" }, "\n")
    end
    write(d .. "/LAZY-MIB.txt", module(""))
    local m = fresh(STD .. ":" .. d, "LAZY-MIB")
    local short = m:node(m:parse_oid("LAZY-MIB::lazyShort"))
    assert.equal("short text", short.description)
    assert.equal("RFC 0000", short.reference)
    assert.equal(long:sub(1, 4095), m:node(m:parse_oid("LAZY-MIB::lazyLong")).description)
    local p = io.popen(string.format("snmptranslate -M %s:%s -m LAZY-MIB -Td LAZY-MIB::lazyLong 2>&1", STD, d))
    local theirs = p:read("a")
    p:close()
    assert.truthy(theirs:find('DESCRIPTION\t"' .. long:sub(1, 4095) .. '"', 1, true))
    -- another process rewrites the file: the offsets no longer fall on the text
    m = fresh(STD .. ":" .. d, "LAZY-MIB")
    write(d .. "/LAZY-MIB.txt", module(" -- a comment that moves everything"))
    local info = m:node(m:parse_oid("LAZY-MIB::lazyShort"))
    assert.is_nil(info.description)
    assert.is_nil(info.reference)
    os.execute("rm -rf " .. d)
  end)

  it("finds a module whose name comes after more than 8 KiB of comments, or ends the file", function()
    local d = tmpdir()
    local header = string.rep("-- a long licence text, line after line\n", 400)   -- 16 KB
    write(d .. "/a.txt", header .. [[
LONG-HEADER-MIB DEFINITIONS ::= BEGIN
IMPORTS enterprises FROM SNMPv2-SMI;
longHeader OBJECT IDENTIFIER ::= { enterprises 4346 }
END
]])
    -- the name cut at the 8 KiB boundary: "DEFINITIONS" split in two reads
    write(d .. "/b.txt", string.rep(" ", 8192 - 15) .. "SPLIT-MIB DEFINITIONS ::= BEGIN\n"
      .. "IMPORTS enterprises FROM SNMPv2-SMI;\nsplit OBJECT IDENTIFIER ::= { enterprises 4347 }\nEND\n")
    write(d .. "/c.txt", "NOT-A-MODULE")
    local m = fresh(STD .. ":" .. d, "LONG-HEADER-MIB", "SPLIT-MIB")
    assert.equal("", m:errors())
    assert.equal("1.3.6.1.4.1.4346", tostring(m:parse_oid("LONG-HEADER-MIB::longHeader")))
    assert.equal("1.3.6.1.4.1.4347", tostring(m:parse_oid("SPLIT-MIB::split")))
    os.execute("rm -rf " .. d)
  end)

  it("loads the standard set and net-snmp's MIBs well under a second", function()
    local t0 = os.clock()
    local m = fresh(STD .. ":/usr/share/snmp/mibs", "ALL")
    local dt = os.clock() - t0
    assert.is_true(#m:report() > 900)
    assert.is_true(dt < 0.5, "took " .. dt .. " s")
  end)
end)

describe("mw.mib", function()
  setup(function()
    mib.reset()
    mib.setup { dirs = STD .. ":" .. FIX, modules = "SNMPv2-MIB:IF-MIB:MOONWALK-TEST-MIB" }
    mib.errors()
  end)

  teardown(function()
    mib.reset()
  end)

  it("turns names into OIDs in every accepted form", function()
    for name, want in pairs {
      ["IF-MIB::ifDescr.3"] = "1.3.6.1.2.1.2.2.1.2.3",
      ["ifDescr.3"] = "1.3.6.1.2.1.2.2.1.2.3",
      ["sysUpTime.0"] = "1.3.6.1.2.1.1.3.0",
      [".1.3.6.1.2.1.1.3.0"] = "1.3.6.1.2.1.1.3.0",
      ["iso.org.dod.internet.mgmt.mib-2.system.sysUpTime.0"] = "1.3.6.1.2.1.1.3.0",
      ['MOONWALK-TEST-MIB::mwUserColour."alice"'] = "1.3.6.1.4.1.99999.2.1.1.2.5.97.108.105.99.101",
      ["mwPeerState.10.0.0.1.22"] = "1.3.6.1.4.1.99999.2.2.1.3.10.0.0.1.22",
    } do
      assert.equal(want, tostring(mib.oid(name)), name)
    end
  end)

  it("explains names it cannot resolve", function()
    local o, err = mib.oid("sysUpTime.x")
    assert.is_nil(o)
    assert.matches("^sysUpTime%.x: Unknown Object Identifier", err)
    o, err = mib.oid("NOPE-MIB::foo")
    assert.is_nil(o)
    assert.matches("Unknown Object Identifier", err)
    mib.errors()
  end)

  it("names OIDs in net-snmp's forms", function()
    local o = "1.3.6.1.2.1.2.2.1.2.3"
    assert.equal("IF-MIB::ifDescr.3", mib.name(o))
    assert.equal("IF-MIB::ifDescr.3", mib.name(o, "-OS"))
    assert.equal("ifDescr.3", mib.name(o, "-Os"))
    assert.equal(".1.3.6.1.2.1.2.2.1.2.3", mib.name(o, "-On"))
    assert.equal(".iso.org.dod.internet.mgmt.mib-2.interfaces.ifTable.ifEntry.ifDescr.3", mib.name(o, "f"))
    assert.equal('MOONWALK-TEST-MIB::mwUserColour."alice"',
                 mib.name("1.3.6.1.4.1.99999.2.1.1.2.5.97.108.105.99.101"))
    assert.equal("MOONWALK-TEST-MIB::mwPeerState.10.0.0.1.22",
                 mib.name("1.3.6.1.4.1.99999.2.2.1.3.10.0.0.1.22"))
    assert.equal("MOONWALK-TEST-MIB::mwKeyOid.'..+<M^'.'key'",
                 mib.name("1.3.6.1.4.1.99999.2.4.1.3.0.26.43.60.77.94.107.101.121"))
  end)

  it("renders through a DISPLAY-HINT wider than 8 octets or with a huge width (found by fuzz_mib)", function()
    -- "16d" shifted a signed long past its range, "99999999999a" overflowed the width
    local d = tmpdir()
    write(d .. "/MW-HINT-MIB.txt", [[
MW-HINT-MIB DEFINITIONS ::= BEGIN
IMPORTS enterprises, OBJECT-TYPE FROM SNMPv2-SMI
        TEXTUAL-CONVENTION FROM SNMPv2-TC;
Wide ::= TEXTUAL-CONVENTION DISPLAY-HINT "16d" STATUS current DESCRIPTION "w" SYNTAX OCTET STRING
Huge ::= TEXTUAL-CONVENTION DISPLAY-HINT "99999999999a" STATUS current DESCRIPTION "h" SYNTAX OCTET STRING
mwHint OBJECT IDENTIFIER ::= { enterprises 99990 }
wide OBJECT-TYPE SYNTAX Wide MAX-ACCESS read-only STATUS current DESCRIPTION "w" ::= { mwHint 1 }
huge OBJECT-TYPE SYNTAX Huge MAX-ACCESS read-only STATUS current DESCRIPTION "h" ::= { mwHint 2 }
END
]])
    local m = fresh(STD .. ":" .. d, "MW-HINT-MIB")
    assert.equal(0, m:error_count())
    assert.equal("STRING: -1", m:format_value("1.3.6.1.4.1.99990.1.0", "STRING", string.rep("\255", 16)))
    assert.equal("STRING: 258", m:format_value("1.3.6.1.4.1.99990.1.0", "STRING", "\1\2"))
    assert.equal("STRING: abc", m:format_value("1.3.6.1.4.1.99990.2.0", "STRING", "abc"))
    os.execute("rm -rf " .. d)
  end)

  it("describes objects: type, access, enums, hint, index, units", function()
    local info = mib.info("IF-MIB::ifOperStatus")
    assert.equal("INTEGER", info.type)
    assert.equal("read-only", info.access)
    assert.equal("up", info.enums[1])
    assert.equal("IF-MIB", info.module)
    assert.equal("1.3.6.1.2.1.2.2.1.8", tostring(info.oid))
    assert.same({ { name = "ifIndex", implied = false } }, info.index)
    assert.is_string(info.description)

    info = mib.info("MOONWALK-TEST-MIB::mwTemperature")
    assert.equal("d-2", info.hint)
    assert.equal("degrees Celsius", info.units)
    assert.equal("MwHundredths", info.tc)

    local row, rest = mib.info("MOONWALK-TEST-MIB::mwKeyOid.0.26.43.60.77.94.107.101.121")
    assert.same({ { name = "mwKeyOwner", implied = false }, { name = "mwKeyName", implied = true } }, row.index)
    assert.equal("0.26.43.60.77.94.107.101.121", tostring(rest))

    info = mib.info("MOONWALK-TEST-MIB::mwPeerInPackets")
    assert.equal("mwPeerAddress", info.index[1].name)

    info = mib.info("SNMPv2-TC::DisplayString")
    assert.is_nil(info)
  end)

  it("renders values as net-snmp does", function()
    assert.equal("INTEGER: up(1)", mib.format_value("IF-MIB::ifOperStatus.3", "INTEGER", 1))
    assert.equal("INTEGER: 1", mib.format_value("IF-MIB::ifOperStatus.3", "INTEGER", 1, "e"))
    assert.equal("STRING: 0:1a:2b:3c:4d:5e",
                 mib.format_value("mwMac.0", "STRING", "\0\x1a\x2b\x3c\x4d\x5e"))
    assert.equal("STRING: 2026-11-21,6:9:30.5,-5:48",
                 mib.format_value("mwDate.0", "STRING", core.fromhex("07EA0B1506091E052D0530")))
    assert.equal("INTEGER: 23.45 degrees Celsius", mib.format_value("mwTemperature.0", "INTEGER", 2345))
    assert.equal("INTEGER: 23.45", mib.format_value("mwTemperature.0", "INTEGER", 2345, "-OU"))
    assert.equal("BITS: A0 40 alpha(0) gamma(2) delta(9) ", mib.format_value("mwBits.0", "BITS", "\xa0\x40"))
    assert.equal("Timeticks: (12345) 0:02:03.45 centiseconds", mib.format_value("mwUptime.0", "Timeticks", 12345))
    assert.equal("OID: IF-MIB::ifDescr.3", mib.format_value("mwPointer.0", "OID", "1.3.6.1.2.1.2.2.1.2.3"))
    assert.equal("Hex-STRING: 00 FF 10 ", mib.format_value("mwRaw.0", "STRING", "\0\xff\x10"))
    assert.equal("No Such Instance currently exists at this OID",
                 mib.format_value("mwRaw.0", "noSuchInstance", 0))
    assert.equal("IF-MIB::ifOperStatus.3 = INTEGER: up(1)", mib.format_varbind("ifOperStatus.3", "INTEGER", 1))
    assert.equal("ifOperStatus.3 up", mib.format_varbind("ifOperStatus.3", "INTEGER", 1, "sq"))
  end)

  it("makes every OID argument accept names", function()
    assert.equal("1.3.6.1.2.1.2.2.1.2", tostring(core.oid("IF-MIB::ifDescr")))
    assert.equal("1.3.6.1.2.1.1.3.0", tostring(require("moonwalk").oid("sysUpTime.0")))
    local ok, err = pcall(core.oid, "noSuchThingAnywhere.0")
    assert.is_false(ok)
    assert.matches("Unknown Object Identifier", err)
  end)

  it("searches net-snmp's default directories, then the project's", function()
    local dirs = mib.default_dirs()
    local home = os.getenv("HOME")
    local want = (home and home ~= "" and (home .. "/.snmp/mibs:") or "")
      .. "/usr/share/snmp/mibs:/usr/share/snmp/mibs/iana:/usr/share/snmp/mibs/ietf:"
    assert.equal(want, dirs:sub(1, #want))
    assert.matches("/mibs/std:[^:]*/mibs$", dirs)
  end)

  it("reads MIBDIRS and MIBS like net-snmp (+ appends)", function()
    local bin = os.getenv("MOONWALK_BIN") or "build/moonwalk"
    local f = assert(io.popen("MIBDIRS=+" .. FIX .. " MIBS=+MOONWALK-TEST-MIB " .. bin ..
                              " translate -On MOONWALK-TEST-MIB::mwColour.0 2>/dev/null"))
    local out = f:read("a")
    f:close()
    assert.equal(".1.3.6.1.4.1.99999.1.7.0\n", out)
    f = assert(io.popen("MIBDIRS=" .. STD .. " MIBS=IF-MIB " .. bin ..
                        " translate .1.3.6.1.2.1.2.2.1.8.1 2>&1"))
    out = f:read("a")
    f:close()
    assert.equal("IF-MIB::ifOperStatus.1\n", out)
  end)
end)

describe("mw.mib for the other layers", function()
  setup(function()
    mib.reset()
    mib.setup { dirs = STD .. ":" .. FIX, modules = "SNMPv2-MIB:IF-MIB:MOONWALK-TEST-MIB" }
    mib.errors()
  end)

  teardown(function()
    mib.reset()
  end)

  it("counts loaded modules", function()
    assert.is_true(mib.loaded_count() >= 3)
  end)

  it("names table columns", function()
    assert.equal("ifDescr", mib.name_of_column("1.3.6.1.2.1.2.2.1", 2))
    assert.equal("mwPeerState", mib.name_of_column("MOONWALK-TEST-MIB::mwPeerEntry", 3))
    assert.is_nil(mib.name_of_column("1.3.6.1.2.1.2.2.1", 99))
  end)

  it("takes -O flags as a table of letters", function()
    assert.equal("up", mib.format_value("ifOperStatus.3", "INTEGER", 1, { q = true, _letters = "q" }))
    assert.equal("ifOperStatus.3", mib.name("1.3.6.1.2.1.2.2.1.8.3", "s"))
    assert.is_nil(mib.format_value("mwRaw.0", "Opaque", "\159\120\4\0\0\0\0"))
  end)
end)

describe("mw.mib.index", function()
  setup(function()
    mib.reset()
    mib.setup { dirs = STD .. ":" .. FIX, modules = "SNMPv2-MIB:IF-MIB:MOONWALK-TEST-MIB:SNMP-VIEW-BASED-ACM-MIB" }
    mib.errors()
  end)

  teardown(function()
    mib.reset()
  end)

  it("decodes integer, string, IpAddress, fixed, IMPLIED and OID indexes", function()
    local p, rest = mib.index("IF-MIB::ifDescr.3")
    assert.same({ { name = "ifIndex", type = "Integer32", value = 3 } }, p)
    assert.equal(0, #rest)
    p = mib.index('MOONWALK-TEST-MIB::mwUserColour."alice"')
    assert.equal("alice", p[1].value)
    p = mib.index("MOONWALK-TEST-MIB::mwPeerState.192.168.1.20.161")
    assert.equal("192.168.1.20", p[1].value)
    assert.equal(161, p[2].value)
    p = mib.index("1.3.6.1.4.1.99999.2.4.1.3.0.26.43.60.77.94.107.101.121")
    assert.equal("\0\26\43\60\77\94", p[1].value)
    assert.equal("key", p[2].value)
    p = mib.index("MOONWALK-TEST-MIB::mwMapValue.4.1.3.6.1")
    assert.equal("1.3.6.1", p[1].value)
    p = mib.index('SNMP-VIEW-BASED-ACM-MIB::vacmAccessContextMatch."v3group"."".3.noAuthNoPriv')
    assert.equal("v3group", p[1].value)
    assert.equal("", p[2].value)
    assert.equal(3, p[3].value)
    assert.equal("noAuthNoPriv", p[4].label)
    assert.is_nil(mib.index("SNMPv2-MIB::sysDescr.0"))
  end)
end)

describe("MIB parser robustness", function()
  it("survives truncated and mutated modules", function()
    local files = {}
    for f in io.popen("ls " .. STD .. "/*.mib " .. FIX .. "/*.txt"):lines() do files[#files + 1] = f end
    local d = tmpdir()
    local rnd = 12345
    local function rand(n)
      rnd = (rnd * 1103515245 + 12345) % 2147483648
      return rnd % n + 1
    end
    for _ = 1, 40 do
      local s = io.open(files[rand(#files)], "rb"):read("a")
      if rand(2) == 1 then
        s = s:sub(1, rand(#s))
      else
        for _ = 1, rand(20) do
          local p = rand(#s)
          s = s:sub(1, p - 1) .. string.char(rand(256) - 1) .. s:sub(p + 1)
        end
      end
      write(d .. "/X.txt", s)
      local m = fresh(STD .. ":" .. d, "ALL")
      assert.is_string(m:errors())
      local oids = m:report()
      assert.is_table(oids)
      for i = 1, #oids, 11 do
        local name = m:format_oid(oids[i] .. ".1.2.3.4", "module")
        assert.is_string(name)
        assert.is_true(#name > 0)
        local o = m:parse_oid(name)
        assert.is_true(o == nil or core.is_oid(o))
        assert.is_string(m:format_value(oids[i] .. ".0", "STRING", "\1\2\3\4\5\6\7\8\9\10\11"))
      end
      m:close()
    end
    -- nothing a broken module did is left behind for the next parse
    local m = fresh(STD, "IF-MIB")
    assert.equal("", m:errors())
    assert.equal("1.3.6.1.2.1.2.2.1.2", tostring(m:parse_oid("IF-MIB::ifDescr")))
    assert.equal("IF-MIB::ifDescr.7", m:format_oid("1.3.6.1.2.1.2.2.1.2.7"))
    m:close()
    os.execute("rm -rf " .. d)
  end)
end)
