-- net-snmp's option parsing in moonwalk.cli.args: GNU getopt with
-- permutation (options after the agent and OIDs), POSIXLY_CORRECT for
-- snmpset, values taken by -C letters, strtol/atoi as the tools use them.
local args = require "moonwalk.cli.args"

local function run(argv, optstring, posix)
  local seen = {}
  local rest, err = args.getopt(argv, optstring, function(c, v, take)
    if c == "C" and v == "w" then v = v .. "=" .. tostring(take()) end
    seen[#seen + 1] = c .. (v and ("=" .. v) or "")
    if c == "X" then return "stop" end
  end, posix)
  return rest, err, table.concat(seen, " ")
end

describe("cli.args getopt", function()
  it("takes options after the agent and the OIDs", function()
    local rest, _, seen = run({ "host", "sysDescr.0", "-t", "1", "-r0", "-Oqv" }, args.NETSNMP_OPTS .. "C:")
    assert.same({ "host", "sysDescr.0" }, rest)
    assert.equal("t=1 r=0 O=qv", seen)
  end)

  it("stops at the first argument with posix, as snmpset", function()
    local rest, _, seen = run({ "-c", "x", "host", "oid", "i", "-5" }, args.NETSNMP_OPTS, true)
    assert.same({ "host", "oid", "i", "-5" }, rest)
    assert.equal("c=x", seen)
  end)

  it("-- ends the options and - is an argument", function()
    local rest = run({ "-d", "--", "-r", "-" }, args.NETSNMP_OPTS)
    assert.same({ "-r", "-" }, rest)
  end)

  it("bundles flags and hands the next argument to -C letters", function()
    local rest, _, seen = run({ "-dCw", "80", "host", "ifTable" }, args.NETSNMP_OPTS .. "C:")
    assert.same({ "host", "ifTable" }, rest)
    assert.equal("d C=w=80", seen)
  end)

  it("reports unknown options and missing values as getopt does", function()
    local rest, err = run({ "-q", "host" }, args.NETSNMP_OPTS)
    assert.is_nil(rest)
    assert.same({ bad = "q" }, err)
    rest, err = run({ "host", "-v" }, args.NETSNMP_OPTS)
    assert.is_nil(rest)
    assert.same({ bad = "v", missing = true }, err)
  end)

  it("stops with the handler's result", function()
    local rest, err = run({ "-X", "x", "host" }, args.NETSNMP_OPTS)
    assert.is_nil(rest)
    assert.equal("stop", err)
  end)

  it("strtol and atoi read numbers as C does", function()
    assert.same({ 10, "p" }, { args.strtol("10p") })
    assert.same({ 16, "" }, { args.strtol("0x10") })
    assert.same({ 8, "9" }, { args.strtol("0109") })
    assert.same({ 0, "x" }, { args.strtol("0x") })
    assert.same({ -3, " i" }, { args.strtol(" -3 i") })
    assert.is_nil(args.strtol("p"))
    assert.equal(12, args.atoi("12ab"))
    assert.equal(0, args.atoi("ab"))
    assert.equal(-1, args.atoi("-1"))
  end)

  it("keeps parse and cflags for the other commands", function()
    local o, rest = args.parse({ "-v2c", "-c", "public", "host", "oid" })
    assert.equal("2c", o.v)
    assert.same({ "host", "oid" }, rest)
    assert.same({ r = 10, p = true }, args.cflags("r10p"))
  end)
end)
