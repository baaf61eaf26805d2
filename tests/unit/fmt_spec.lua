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
