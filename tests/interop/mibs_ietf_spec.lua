-- The full IETF and IANA sets that scripts/fetch-ietf-mibs.sh builds from
-- Debian's snmp-mibs-downloader: every module of net-snmp's default list
-- loads (with net-snmp's own UCD/NET-SNMP modules from
-- /usr/share/snmp/mibs), and moonwalk reads them as snmptranslate does.
local R = require "run"
local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")

local function exists(p)
  local f = io.open(p)
  if f then f:close() return true end
  return false
end

describe("the IETF and IANA MIB sets", function()
  local ready = exists(ROOT .. "/mibs/ietf/.complete")
  local home = os.tmpname()
  os.remove(home)
  -- net-snmp says "Created directory" for a persistent directory it makes
  os.execute("mkdir -p " .. home .. "/cert_indexes")
  teardown(function() os.execute("rm -rf " .. home) end)
  local env = string.format("env -u MIBS HOME=%s SNMPCONFPATH=%s SNMP_PERSISTENT_DIR=%s MIBDIRS=%s/mibs/ietf:%s/mibs/iana:/usr/share/snmp/mibs ",
    home, home, home, ROOT, ROOT)

  it("load every module of net-snmp's default list, as snmptranslate loads them", function()
    assert(ready, "mibs/ietf not built: scripts/deps.sh test builds it (scripts/fetch-ietf-mibs.sh)")
    local mib_mods = require("moonwalk.mib").default_modules
    assert.is_true(#mib_mods > 30)
    for _, m in ipairs(mib_mods) do
      -- the module alone, each: errors would show on stderr
      local a = "-m " .. m .. " -Tz"
      local no, ne, nc = R.run(env .. "snmptranslate " .. a)
      local mo, me, mc = R.run(env .. BIN .. " translate " .. a)
      assert.equal("", ne, m)
      assert.equal(ne, me, m)
      assert.equal(nc, mc, m)
      assert.equal(no, mo, m)
    end
  end)

  -- the hunks of rfcmibs.diff that smistrip.lua's output gives no
  -- context for, made by the script itself (the modules fail without)
  it("hold the fixes of rfcmibs.diff, the hand-made ones too", function()
    assert(ready, "mibs/ietf not built: scripts/deps.sh test builds it (scripts/fetch-ietf-mibs.sh)")
    for _, m in ipairs { "MIP-MIB", "TCPIPX-MIB", "PPP-LCP-MIB" } do
      local a = "-m " .. m .. " -Tz"
      local no, ne, nc = R.run(env .. "snmptranslate " .. a)
      local mo, me, mc = R.run(env .. BIN .. " translate " .. a)
      assert.equal("", ne, m)
      assert.equal("", me, m)
      assert.equal(nc, mc, m)
      assert.equal(no, mo, m)
    end
    local no = R.run(env .. "snmptranslate -m PPP-LCP-MIB -Td -IR pppLinkStatusRemoteMRU")
    assert.matches("INTEGER %(1%.%.2147483647%)", no)
  end)

  it("name objects of the standard modules as snmptranslate does", function()
    assert(ready, "mibs/ietf not built: scripts/deps.sh test builds it (scripts/fetch-ietf-mibs.sh)")
    for _, name in ipairs {
      "hrStorageTable", "ipForwarding", "tcpRtoAlgorithm", "udpTable", "nlmConfigGlobalEntryLimit",
      "mteTriggerTable", "ipCidrRouteTable", "hrSWRunName", "ifHCInOctets", "ianaifType",
    } do
      for _, o in ipairs { "-IR -On", "-IR -Of", "-IR -Td" } do
        local no, ne, nc = R.run(env .. "snmptranslate " .. o .. " " .. name)
        local mo, me, mc = R.run(env .. BIN .. " translate " .. o .. " " .. name)
        assert.equal(no, mo, o .. " " .. name)
        assert.equal(ne, me, o .. " " .. name)
        assert.equal(nc, mc, o .. " " .. name)
      end
    end
  end)
end)
