-- net-snmp's printing rules without MIBs (src/app/fmt.c), case by case;
-- the interop specs compare whole outputs with net-snmp's tools.
local core = require "moonwalk.core"
local fmt = require "moonwalk.fmt"

describe("net-snmp value printing", function()
  it("time ticks: no days, one day, days, quick and numeric", function()
    assert.equal("Timeticks: (28251) 0:04:42.51", core.fmt_value("Timeticks", 28251))
    assert.equal("Timeticks: (8640000) 1 day, 0:00:00.00", core.fmt_value("Timeticks", 8640000))
    assert.equal("Timeticks: (864000099) 100 days, 0:00:00.99", core.fmt_value("Timeticks", 864000099))
    assert.equal("0:0:04:42.51", core.fmt_value("Timeticks", 28251, "q"))
    assert.equal("28251", core.fmt_value("Timeticks", 28251, "t"))
    assert.equal("1 day, 0:00:00.00", fmt.uptime(8640000))
  end)

  it("strings: text, escapes, empty, hex when not printable, 16 bytes a line", function()
    assert.equal('STRING: "a \\"b\\" \\\\"', core.fmt_value("STRING", 'a "b" \\'))
    assert.equal('""', core.fmt_value("STRING", ""))
    assert.equal("Hex-STRING: 00 FF 80 ", core.fmt_value("STRING", "\0\255\128"))
    assert.equal('"00 FF 80 "', core.fmt_value("STRING", "\0\255\128", "q"))
    assert.equal('STRING: "..."', core.fmt_value("STRING", "\0\255\128", "a"))
    assert.equal("Hex-STRING: 61 62 ", core.fmt_value("STRING", "ab", "x"))
    assert.equal(string.rep("41 ", 16) .. "\n41 ", fmt.hexlines(string.rep("A", 17)))
  end)

  it("numbers, addresses, OIDs and exceptions", function()
    assert.equal("INTEGER: -5", core.fmt_value("INTEGER", -5))
    assert.equal("Counter64: 18446744073709551615", core.fmt_value("Counter64", -1))
    assert.equal("Gauge32: 4294967295", core.fmt_value("Gauge32", 4294967295))
    assert.equal("IpAddress: 10.0.0.1", core.fmt_value("IpAddress", "10.0.0.1"))
    assert.equal("OID: iso.3.6.1.4.1.8072", core.fmt_value("OID", core.oid "1.3.6.1.4.1.8072"))
    assert.equal("OID: .1.3.6.1.4.1.8072", core.fmt_value("OID", core.oid "1.3.6.1.4.1.8072", "n"))
    assert.equal("No Such Object available on this agent at this OID", core.fmt_value("noSuchObject"))
    assert.equal("NULL", core.fmt_value("NULL"))
    assert.equal("ccitt.0", core.fmt_oid "0.0")
    assert.equal(".iso.3.6", core.fmt_oid("1.3.6", "f"))
  end)

  it("Opaque specials: float, double, Int64, UInt64, Counter64", function()
    assert.equal("Opaque: Float: 1.500000", core.fmt_value("Opaque", "\159\120\4\63\192\0\0"))
    assert.equal("Opaque: Float: -2.250000", core.fmt_value("Opaque", "\159\121\8\192\2\0\0\0\0\0\0"))
    assert.equal("Opaque: Int64: -2", core.fmt_value("Opaque", "\159\122\1\254"))
    assert.equal("Opaque: UInt64: 18446744073709551615",
      core.fmt_value("Opaque", "\159\123\9\0\255\255\255\255\255\255\255\255"))
    assert.equal("Opaque: Counter64: 256", core.fmt_value("Opaque", "\159\118\2\1\0"))
    assert.equal("OPAQUE: 61 62 63 ", core.fmt_value("Opaque", "abc"))
  end)

  it("whole lines in each -O form", function()
    local vb = { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "vm" }
    assert.equal('iso.3.6.1.2.1.1.5.0 = STRING: "vm"', fmt.varbind(vb, fmt.flags ""))
    assert.equal('.1.3.6.1.2.1.1.5.0 "vm"', fmt.varbind(vb, fmt.flags "nq"))
    assert.equal('STRING: "vm"', fmt.varbind(vb, fmt.flags "v"))
    assert.equal('iso.3.6.1.2.1.1.5.0 = "vm"', fmt.varbind(vb, fmt.flags "Q"))
  end)
end)

-- TimeTicks and hex lines have one renderer (src/core/text.c) behind both
-- the MIB-less printer (fmt.c) and the MIB-aware one (mibfmt.c).
describe("uptime and hex text, with and without MIB knowledge", function()
  local m = core.mib_new()
  local X = "1.3.6.1.4.1.99999.1.0"  -- no MIB node: type-driven rendering

  it("TimeTicks the same both ways, at the day, days and 2^32-1 edges", function()
    for _, t in ipairs { 0, 99, 8639999, 8640000, 17280000, 864000099, 4294967295 } do
      assert.equal(core.fmt_value("Timeticks", t), m:format_value(X, "Timeticks", t))
      assert.equal(core.fmt_value("Timeticks", t, "q"), m:format_value(X, "Timeticks", t, { quick = true }))
    end
    assert.equal("Timeticks: (4294967295) 497 days, 2:27:52.95", m:format_value(X, "Timeticks", 4294967295))
    assert.equal("1:0:00:00.00", fmt.uptime(8640000, true))
    assert.equal("497:2:27:52.95", m:format_value(X, "Timeticks", 4294967295, { quick = true }))
  end)

  it("Hex-STRING lines the same both ways: 15, 16, 17 and 33 octets", function()
    for _, n in ipairs { 1, 15, 16, 17, 32, 33 } do
      local s = string.rep("\1\255", n):sub(1, n)
      assert.equal(core.fmt_value("STRING", s), m:format_value(X, "OCTET STRING", s))
      assert.equal(core.fmt_value("STRING", s), "Hex-STRING: " .. fmt.hexlines(s))
    end
    assert.equal("", fmt.hexlines(""))
    -- longer than the renderers' stack buffers: 300 octets, 900+ characters
    local long = string.rep("\0\1\2", 100)
    assert.equal(core.fmt_value("STRING", long), m:format_value(X, "OCTET STRING", long))
    local text = string.rep('"\\', 300)
    assert.equal(core.fmt_value("STRING", text), m:format_value(X, "OCTET STRING", text))
    assert.equal(1 + 8 + 1200 + 1, #m:format_value(X, "OCTET STRING", text))
  end)

  it("STRING quoting and the text-or-hex choice the same both ways", function()
    for _, s in ipairs { 'a "b" \\', "tab\tnew\nline\r", "\0abc", "caf\195\169", "~\127" } do
      assert.equal(core.fmt_value("STRING", s), m:format_value(X, "OCTET STRING", s))
      assert.equal(core.fmt_value("STRING", s, "a"), m:format_value(X, "OCTET STRING", s, { string_format = "a" }))
    end
    assert.equal('STRING: "a \\"b\\" \\\\"', m:format_value(X, "OCTET STRING", 'a "b" \\'))
    assert.equal('STRING: ".abc"', m:format_value(X, "OCTET STRING", "\0abc", { string_format = "a" }))
    assert.equal("Hex-STRING: 00 61 62 63 ", m:format_value(X, "OCTET STRING", "\0abc"))
  end)

  it("-OT adds the text of each line, and the line length is the -O hex length", function()
    local s = "AB\0\1CDEFGHIJKLMNOPQ"  -- 19 octets
    assert.equal("Hex-STRING: 41 42 00 01 43 44 45 46 47 48 49 4A 4B 4C 4D 4E   [AB..CDEFGHIJKLMN]\n"
      .. "4F 50 51   [OPQ]", m:format_value(X, "OCTET STRING", s, { hex_text = true }))
    assert.equal("Hex-STRING: 41 42 00 01 43 44 45 46 \n47 48 49 4A 4B 4C 4D 4E \n4F 50 51 ",
      m:format_value(X, "OCTET STRING", s, { hex_line_len = 8 }))
    assert.equal("Hex-STRING: 41 42 00   [AB.]\n01 43   [.C]",
      m:format_value(X, "OCTET STRING", "AB\0\1C", { hex_text = true, hex_line_len = 3 }))
  end)
end)
