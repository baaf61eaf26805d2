-- Values rendered with MIB knowledge, against net-snmp: snmptrap sends each
-- value in a notification to snmptrapd (MIBs loaded), and the varbind lines
-- snmptrapd prints must be the lines mw.mib.format_varbind prints.
local core = require "moonwalk.core"
local mib = require "moonwalk.mib"

local root = os.getenv("MOONWALK_ROOT") or "."
local DIRS = root .. "/mibs/std:" .. root .. "/tests/fixtures/mibs"

local function shq(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

local function hex(s)
  return assert(core.fromhex(s))
end

-- { name, snmptrap type, snmptrap value, moonwalk type, moonwalk value }
local cases = {
  { "MOONWALK-TEST-MIB::mwColour.0", "i", "2", "INTEGER", 2 },
  { "MOONWALK-TEST-MIB::mwColour.0", "i", "7", "INTEGER", 7 },
  { "MOONWALK-TEST-MIB::mwState.0", "i", "-1", "INTEGER", -1 },
  { "MOONWALK-TEST-MIB::mwState.0", "i", "0", "INTEGER", 0 },
  { "MOONWALK-TEST-MIB::mwMac.0", "x", "001A2B3C4D5E", "STRING", hex "001A2B3C4D5E" },
  { "MOONWALK-TEST-MIB::mwMac.0", "x", "0A0B", "STRING", hex "0A0B" },
  { "MOONWALK-TEST-MIB::mwDate.0", "x", "07E60B150C1E0A002B0000", "STRING", hex "07E60B150C1E0A002B0000" },
  { "MOONWALK-TEST-MIB::mwDate.0", "x", "07EA0B1506091E052D0530", "STRING", hex "07EA0B1506091E052D0530" },
  { "MOONWALK-TEST-MIB::mwDate.0", "x", "07EA0B1506091E05", "STRING", hex "07EA0B1506091E05" },
  { "MOONWALK-TEST-MIB::mwTemperature.0", "i", "2345", "INTEGER", 2345 },
  { "MOONWALK-TEST-MIB::mwTemperature.0", "i", "5", "INTEGER", 5 },
  { "MOONWALK-TEST-MIB::mwNegative.0", "i", "-5", "INTEGER", -5 },
  { "MOONWALK-TEST-MIB::mwNegative.0", "i", "-2345", "INTEGER", -2345 },
  { "MOONWALK-TEST-MIB::mwNegative.0", "i", "0", "INTEGER", 0 },
  { "MOONWALK-TEST-MIB::mwNegative.0", "i", "100", "INTEGER", 100 },
  { "MOONWALK-TEST-MIB::mwFlags.0", "u", "255", "Gauge32", 255 },
  { "MOONWALK-TEST-MIB::mwFlags.0", "u", "4294967295", "Gauge32", 4294967295 },
  { "MOONWALK-TEST-MIB::mwBits.0", "x", "A040", "BITS", hex "A040" },
  { "MOONWALK-TEST-MIB::mwBits.0", "x", "8001", "BITS", hex "8001" },
  { "MOONWALK-TEST-MIB::mwBits.0", "x", "1040", "BITS", hex "1040" },
  { "MOONWALK-TEST-MIB::mwBits.0", "x", "00", "BITS", hex "00" },
  { "MOONWALK-TEST-MIB::mwUptime.0", "t", "8764312", "Timeticks", 8764312 },
  { "MOONWALK-TEST-MIB::mwUptime.0", "t", "12345", "Timeticks", 12345 },
  { "MOONWALK-TEST-MIB::mwUptime.0", "t", "17280000", "Timeticks", 17280000 },
  { "MOONWALK-TEST-MIB::mwPackets.0", "c", "42", "Counter32", 42 },
  { "MOONWALK-TEST-MIB::mwOctets.0", "C", "12345678901234", "Counter64", 12345678901234 },
  { "MOONWALK-TEST-MIB::mwLoad.0", "u", "42", "Gauge32", 42 },
  { "MOONWALK-TEST-MIB::mwAddress.0", "a", "10.1.2.3", "IpAddress", "10.1.2.3" },
  { "MOONWALK-TEST-MIB::mwText.0", "s", "hello world", "STRING", "hello world" },
  { "MOONWALK-TEST-MIB::mwText.0", "x", "41000142", "STRING", hex "41000142" },
  { "MOONWALK-TEST-MIB::mwRaw.0", "x", "00FF10", "STRING", hex "00FF10" },
  { "MOONWALK-TEST-MIB::mwRaw.0", "s", "plain \"quoted\" \\ text", "STRING", "plain \"quoted\" \\ text" },
  { "MOONWALK-TEST-MIB::mwRaw.0", "x", "000102030405060708090A0B0C0D0E0F1011", "STRING",
    hex "000102030405060708090A0B0C0D0E0F1011" },
  { "MOONWALK-TEST-MIB::mwDotted.0", "x", "0A000001", "STRING", hex "0A000001" },
  { "MOONWALK-TEST-MIB::mwName.0", "s", "tab\tand bell", "STRING", "tab\tand bell" },
  { "MOONWALK-TEST-MIB::mwPointer.0", "o", ".1.3.6.1.2.1.2.2.1.2.3", "OID", "1.3.6.1.2.1.2.2.1.2.3" },
  { "MOONWALK-TEST-MIB::mwPointer.0", "o", ".1.3.6.1.4.1.99999.2.1.1.2.5.97.108.105.99.101", "OID",
    "1.3.6.1.4.1.99999.2.1.1.2.5.97.108.105.99.101" },
  { "MOONWALK-TEST-MIB::mwColour.0", "s", "abc", "STRING", "abc" },
  { "MOONWALK-TEST-MIB::mwPackets.0", "u", "5", "Gauge32", 5 },
  { 'MOONWALK-TEST-MIB::mwUserColour."alice"', "i", "3", "INTEGER", 3 },
  { 'MOONWALK-TEST-MIB::mwUserStatus."bob"', "i", "1", "INTEGER", 1 },
  { "MOONWALK-TEST-MIB::mwPeerState.192.168.1.20.161", "i", "2", "INTEGER", 2 },
  { "MOONWALK-TEST-MIB::mwPeerInPackets.192.168.1.20.161", "c", "9", "Counter32", 9 },
  { "MOONWALK-TEST-MIB::mwMapValue.4.1.3.6.1", "i", "5", "INTEGER", 5 },
  { "IF-MIB::ifOperStatus.3", "i", "1", "INTEGER", 1 },
  { "IF-MIB::ifAdminStatus.3", "i", "2", "INTEGER", 2 },
  { "IF-MIB::ifPhysAddress.3", "x", "001A2B3C4D5E", "STRING", hex "001A2B3C4D5E" },
  { "IF-MIB::ifDescr.3", "s", "eth0", "STRING", "eth0" },
  { "IF-MIB::ifSpeed.3", "u", "1000000000", "Gauge32", 1000000000 },
  { "IF-MIB::ifInOctets.3", "c", "123456", "Counter32", 123456 },
  { "IF-MIB::ifHCInOctets.3", "C", "18446744073709551615", "Counter64", -1 },
  { "IF-MIB::ifLastChange.3", "t", "360000", "Timeticks", 360000 },
  { "IF-MIB::ifType.3", "i", "6", "INTEGER", 6 },
  { "IF-MIB::ifHighSpeed.3", "u", "1000", "Gauge32", 1000 },
  { "SNMPv2-MIB::sysObjectID.0", "o", ".1.3.6.1.4.1.8072.3.2.10", "OID", "1.3.6.1.4.1.8072.3.2.10" },
  { "SNMPv2-MIB::sysServices.0", "i", "72", "INTEGER", 72 },
  { 'SNMP-VIEW-BASED-ACM-MIB::vacmAccessContextMatch."v3group"."".3.noAuthNoPriv', "i", "1", "INTEGER", 1 },
  { "SNMP-TARGET-MIB::snmpTargetAddrParams.'target1'", "s", "params", "STRING", "params" },
  { "SNMP-TARGET-MIB::snmpTargetAddrTAddress.'target1'", "x", "7F0000010FA1", "STRING", hex "7F0000010FA1" },
  { "SNMP-FRAMEWORK-MIB::snmpEngineID.0", "x", "80001F8880C71100000000000000", "STRING",
    hex "80001F8880C71100000000000000" },
  { "SNMP-FRAMEWORK-MIB::snmpEngineTime.0", "i", "1234", "INTEGER", 1234 },
  { "SNMP-USER-BASED-SM-MIB::usmUserAuthProtocol.\"engine\".\"user\"", "o",
    ".1.3.6.1.6.3.10.1.1.3", "OID", "1.3.6.1.6.3.10.1.1.3" },
}

local function start_trapd(port, oflags, log)
  local conf = os.tmpname()
  local f = assert(io.open(conf, "w"))
  f:write("disableAuthorization yes\n")
  f:close()
  local pidf = os.tmpname()
  os.execute(string.format(
    "snmptrapd -f -Lf %s -C -c %s -M %s -m ALL %s -F '%%V\\n%%v\\n--END--\\n' udp:127.0.0.1:%d >/dev/null 2>&1 & echo $! > %s",
    log, conf, shq(DIRS), oflags, port, pidf))
  local p = io.open(pidf):read("l")
  os.remove(pidf)
  -- wait until it listens
  for _ = 1, 50 do
    local s = io.open(log):read("a") or ""
    if s:find("NET-SNMP version", 1, true) then break end
    os.execute("sleep 0.1")
  end
  return p, conf
end

local function send_and_collect(port, log, list)
  local args = {}
  for _, c in ipairs(list) do
    args[#args + 1] = shq(c[1]) .. " " .. c[2] .. " " .. shq(c[3])
  end
  local cmd = string.format("snmptrap -Ir -v 2c -c public -M %s -m ALL 127.0.0.1:%d '' MOONWALK-TEST-MIB::mwEvent %s 2>/dev/null",
                            shq(DIRS), port, table.concat(args, " "))
  assert(os.execute(cmd))
  local text
  for _ = 1, 50 do
    text = io.open(log):read("a") or ""
    if text:find("--END--", 1, true) then break end
    os.execute("sleep 0.1")
  end
  local block = text:match("NET%-SNMP version [^\n]*\n(.-)\n%-%-END%-%-")
  assert(block, "no notification logged:\n" .. text)
  -- Hex-STRING values wrap every 16 octets; those lines continue a varbind
  local lines = {}
  for line in (block .. "\n"):gmatch("([^\n]*)\n") do
    if #lines > 0 and lines[#lines]:sub(-1) == " " and line:match("^%x%x ") then
      lines[#lines] = lines[#lines] .. "\n" .. line
    else
      lines[#lines + 1] = line
    end
  end
  -- the first two are sysUpTime.0 and snmpTrapOID.0
  table.remove(lines, 1)
  table.remove(lines, 1)
  return lines
end

for i, variant in ipairs { { "", "" }, { "-OU", "U" }, { "-Oe", "e" }, { "-Ot", "t" },
                           { "-Os", "s" }, { "-On", "n" }, { "-Oq", "q" } } do
  describe("value rendering against snmptrapd " .. (variant[1] ~= "" and variant[1] or "(defaults)"), function()
    local port = 18160 + i
    local log = os.tmpname()
    local pid, conf, lines

    setup(function()
      mib.reset()
      mib.setup { dirs = DIRS, modules = "ALL" }
      mib.errors()
      pid, conf = start_trapd(port, variant[1], log)
      lines = send_and_collect(port, log, cases)
    end)

    teardown(function()
      if pid then os.execute("kill " .. pid .. " 2>/dev/null") end
      os.remove(log)
      if conf then os.remove(conf) end
      mib.reset()
    end)

    it("prints every varbind as snmptrapd does", function()
      assert.are.equal(#cases, #lines)
      local bad = {}
      for k, c in ipairs(cases) do
        local mine = mib.format_varbind(c[1], c[4], c[5], variant[2])
        if mine ~= lines[k] then
          bad[#bad + 1] = string.format("%s %s %s\n   net-snmp: %s\n   moonwalk: %s",
                                        c[1], c[2], c[3], lines[k], mine)
        end
      end
      assert(#bad == 0, #bad .. " differ:\n" .. table.concat(bad, "\n"))
    end)
  end)
end
