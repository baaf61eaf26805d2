-- Parity suite: each case runs a net-snmp 5.9.3 tool and the matching
-- moonwalk command with the same arguments against one snmpd and
-- compares stdout, stderr and the exit code byte for byte.
--
-- The agent's community "pub" sees only objects whose values stay put
-- (no sysUpTime, no counters), "sparse" sees the same with holes cut into
-- ifTable. Both tools read the same MIB files (MIBDIRS, MIBS) and no
-- snmp.conf (SNMPCONFPATH names an empty directory).
--
-- What is not compared, by design (README, "Parity with net-snmp"):
-- the USAGE line names the moonwalk command, and the usage text shows
-- moonwalk's version and MIB directories; times (-Ct, -CT) are masked,
-- as are -d's local port and request IDs.
local snmpd = require "snmpd"
local R = require "run"

local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")

local MIBS = table.concat({
  "IF-MIB", "SNMPv2-MIB", "SNMP-VIEW-BASED-ACM-MIB", "SNMP-USER-BASED-SM-MIB", "SNMP-TARGET-MIB",
  "SNMP-NOTIFICATION-MIB", "SNMP-FRAMEWORK-MIB", "SNMP-MPD-MIB", "SNMP-USM-AES-MIB",
  "SNMP-USM-HMAC-SHA2-MIB", "SNMPv2-TM",
}, ":")

-- objects whose values do not move while the suite runs
local STATIC = {
  ".1.3.6.1.2.1.1.1", ".1.3.6.1.2.1.1.2", ".1.3.6.1.2.1.1.4", ".1.3.6.1.2.1.1.5",
  ".1.3.6.1.2.1.1.6", ".1.3.6.1.2.1.1.7", ".1.3.6.1.2.1.1.8", ".1.3.6.1.2.1.1.9",
  ".1.3.6.1.2.1.2.1",
  ".1.3.6.1.2.1.2.2.1.1", ".1.3.6.1.2.1.2.2.1.2", ".1.3.6.1.2.1.2.2.1.3", ".1.3.6.1.2.1.2.2.1.4",
  ".1.3.6.1.2.1.2.2.1.5", ".1.3.6.1.2.1.2.2.1.6", ".1.3.6.1.2.1.2.2.1.7", ".1.3.6.1.2.1.2.2.1.8",
  ".1.3.6.1.2.1.2.2.1.9", ".1.3.6.1.2.1.2.2.1.22",
  ".1.3.6.1.2.1.31.1.1.1.1", ".1.3.6.1.2.1.31.1.1.1.15", ".1.3.6.1.2.1.31.1.1.1.16",
  ".1.3.6.1.2.1.31.1.1.1.17", ".1.3.6.1.2.1.31.1.1.1.18", ".1.3.6.1.2.1.31.1.1.1.19",
  ".1.3.6.1.6.3.12", ".1.3.6.1.6.3.13", ".1.3.6.1.6.3.15.1.2", ".1.3.6.1.6.3.16",
  ".1.3.6.1.2.1.11.30", -- snmpEnableAuthenTraps: a writable enum that touches nothing
}
-- holes in ifTable for "sparse": the first column of row 1, and more
local HOLES = {
  ".1.3.6.1.2.1.2.2.1.1.1", ".1.3.6.1.2.1.2.2.1.2.2", ".1.3.6.1.2.1.2.2.1.3.3", ".1.3.6.1.2.1.2.2.1.7.1",
}

local function agent_config()
  local lines = {
    "createUser authPrivUser SHA-256 \"authpass123\" AES \"privpass123\"",
    "rouser authPrivUser priv -V stat",
    "rwcommunity private 127.0.0.1 -V stat",
    "rocommunity pub 127.0.0.1 -V stat",
    -- the test helper asks for sysName with "public" to know snmpd is up
    "rocommunity public 127.0.0.1 -V stat",
    "rocommunity sparse 127.0.0.1 -V sparse",
    -- rows for the IMPLIED string indexes of SNMP-TARGET-MIB and
    -- SNMP-NOTIFICATION-MIB (the sinks send nothing that is answered)
    "trap2sink 127.0.0.1:9 public",
    "targetAddr t.one .1.3.6.1.6.1.1 127.0.0.1:162 1500 3 \"tagA tagB\" params1 3 1",
    "targetParams params1 2 2 public noAuthNoPriv 3 1",
  }
  for _, o in ipairs(STATIC) do
    lines[#lines + 1] = "view stat included " .. o
    lines[#lines + 1] = "view sparse included " .. o
  end
  for _, o in ipairs(HOLES) do lines[#lines + 1] = "view sparse excluded " .. o end
  return lines
end

local V3 = "-v3 -u authPrivUser -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123"

-- Cases: { net-snmp tool, moonwalk command, arguments }. {A} is the agent.
local cases = {}
local function case(tool, cmd, a, files) cases[#cases + 1] = { tool, cmd, a, files } end

-- snmptable: every -C option, string and IMPLIED indexes, -O forms
local TABLES = {
  "ifTable", "ifXTable", "sysORTable", "vacmAccessTable", "vacmSecurityToGroupTable",
  "vacmViewTreeFamilyTable", "usmUserTable", "snmpTargetAddrTable", "snmpTargetParamsTable",
  "snmpNotifyTable",
}
local TABLE_OPTS = {
  "", "-Ci", "-Cb", "-Cl", "-CH", "-Ch", "-Cib", "-Cf ,", "-Ci -Cf ';'", "-Cc 10", "-Cc 16 -Ci",
  "-Cw 80", "-Cw 60 -Ci", "-Cr 2", "-CB", "-CB -Cr 2", "-CBi", "-Os", "-OX -Ci", "-Os -Ci",
  "-Of -Ci", "-Ou -Ci", "-Oq", "-Ov", "-Cc 8 -Cw 40 -Ci", "-Cl -Ci -Cw 100",
}
for _, t in ipairs(TABLES) do
  for _, o in ipairs(TABLE_OPTS) do
    case("snmptable", "table", "-v2c -c pub " .. o .. " {A} " .. t)
  end
end
-- sparse rows, GETNEXT (-CB, v1) and GETBULK
for _, o in ipairs { "", "-Ci", "-CB", "-CBi", "-CB -Cr 1", "-Cr 1 -Ci", "-Cw 50", "-CH", "-Cf :", "-Cc 12 -Ci" } do
  case("snmptable", "table", "-v2c -c sparse " .. o .. " {A} ifTable")
end
case("snmptable", "table", "-v1 -c sparse -Ci {A} ifTable")
case("snmptable", "table", "-v1 -c pub -Ci {A} snmpTargetAddrTable")
case("snmptable", "table", V3 .. " -Ci {A} ifTable")
case("snmptable", "table", V3 .. " -CB {A} vacmAccessTable")
-- options after the agent and the table, and numeric names
case("snmptable", "table", "-v2c {A} ifTable -c pub -Ci")
case("snmptable", "table", "-v2c -c pub {A} .1.3.6.1.2.1.2.2 -Cb")
-- what snmptable refuses
for _, a in ipairs {
  "-v2c -c pub {A} sysDescr", "-v2c -c pub {A} system", "-v2c -c pub {A} ifEntry",
  "-v2c -c pub {A} .1.3.6.1.4.1.99", "-v2c -c pub -On {A} ifTable", "-v2c -c pub -Cr {A}",
  "-v2c -c pub -Cr", "-v2c -c pub -Cr10 {A} ifTable", "-v2c -c pub -Cw {A} ifTable",
  "-v2c -c pub -Cw 0 {A} ifTable", "-v2c -c pub -Cx {A} ifTable", "-v2c -c pub -Cc 2 {A} ifTable",
  "-v2c -c pub {A}", "-v2c -c pub {A} ifTable ifTable", "-v2c {A} ifTable", "-v2c -c pub -Cf",
  "-v2c -c pub -t 0.2 -r 0 127.0.0.1:9 ifTable", "-v2c -c pub -Cc", "-v2c -c pub -Cw",
  "-v2c -c pub {A} ifTable -Cr", "-h", "--help", "-v2c -c pub {A} nosuchTable.1",
} do
  case("snmptable", "table", a)
end

-- a module named with the name and missing from the path: net-snmp
-- loads it on demand and says it cannot find it (no hint of ours)
case("snmpwalk", "walk", "-v2c -c pub {A} HOST-RESOURCES-MIB::hrStorageTable")
case("snmpget", "get", "-v2c -c pub {A} IF-MIB::ifNumber.0 NOPE-MIB::x")
case("snmptable", "table", "-v2c -c pub {A} HOST-RESOURCES-MIB::hrStorageTable")
case("snmpget", "get", "-v2c -c pub {A} snmpCommunityName.1")
-- "At line 0" before any MIB file was indexed, "At line 1" after
case("snmptranslate", "translate", "-M /nonexistent -m NOPE-MIB:OTHER-MIB -IR sysDescr")
case("snmptranslate", "translate", "-m NOPE-MIB -IR sysDescr")

-- snmpwalk's -C options
for _, a in ipairs {
  "{A}", "{A} system", "-Cp {A} system", "-Ci {A} sysDescr", "-Ci {A} sysDescr.0", "{A} sysDescr.0",
  "{A} .1.3.6.1.2.1.1.99", "-CI {A} .1.3.6.1.2.1.1.99", "-CE sysContact {A} system",
  "-CE ifTable {A} sysORTable", "-Cx {A} system", "-Cc {A} sysORDescr", "-CpCi {A} sysName",
  "{A} sysName -Cp", "-Ct {A} system", "-CT {A} sysName", "-Cpp {A} sysName", "-Cii {A} sysName.0",
  "-CE {A} system", "-CE sysName.0 -Cp {A} system", "{A} ifTable -Cp -Os", "-CE zzqx.1 {A} system",
  "{A} system ifTable", "-On {A} snmpTargetAddrTable", "-OX {A} snmpNotifyTable",
  "-OXq {A} snmpTargetAddrTDomain", "-Cp {A} .1.3.6.1.2.1.1.3", "{A} sysName zzqx",
} do
  case("snmpwalk", "walk", "-v2c -c pub " .. a)
end
case("snmpwalk", "walk", "-v1 -c pub -Cp {A} system")
case("snmpwalk", "walk", "-v1 -c pub -Ci {A} sysDescr")
case("snmpwalk", "walk", V3 .. " -Cp {A} vacmAccessTable")
case("snmpwalk", "walk", "-v2c -c sparse -Cp {A} ifTable")

-- snmpbulkwalk's -C options
for _, a in ipairs {
  "-Cr {A} system", "-Cr3 -Cp {A} sysORTable", "-Cr3p {A} sysORTable", "-Cn1r5 {A} sysORDescr",
  "-Cx {A} system", "-Ci {A} sysName.0", "-Ct {A} system", "-Cc {A} system", "-Cp {A} ifTable",
  "-Cr0x2 -Cp {A} ifXTable", "-Cr 5 {A} system", "-Cr7p {A} usmUserTable", "{A} system -Cr1",
  "-CE sysName {A} system", "-Cn {A} system", "{A} .1.3.6.1.2.1.1.99", "{A} sysName zzqx",
} do
  case("snmpbulkwalk", "bulkwalk", "-v2c -c pub " .. a)
end
-- (a name, not a number: net-snmp adds a stale lookup detail, see README)
case("snmpbulkwalk", "bulkwalk", "-v1 -c pub {A} .1.3.6.1.2.1.1")

-- snmpbulkget
for _, a in ipairs {
  "-Cn1 -Cr3 {A} sysDescr sysORDescr", "-Cn {A} sysDescr", "-Cn3 {A} sysDescr", "-Cr0x2 {A} sysORDescr",
  "-Cr2 {A} sysORID sysORDescr", "-Cx {A} sysDescr", "{A} sysDescr -Cr1", "-Cr 2 {A} sysDescr",
  "-Cn2r1 {A} sysDescr sysName sysORDescr",
} do
  case("snmpbulkget", "bulkget", "-v2c -c pub " .. a)
end

-- snmpget / snmpgetnext -Cf and the common options
for _, a in ipairs {
  "-Cf {A} sysDescr.0 sysName", "{A} sysDescr.0 sysName", "-Cx {A} sysDescr.0", "-Cff {A} sysName sysName.0",
  "{A} sysDescr.0 -r 0 -t 1", "-r abc {A} sysDescr.0", "-t -1 {A} sysDescr.0", "-t abc {A} sysDescr.0",
  "-t 0 {A} sysDescr.0", "-r -1 {A} sysDescr.0", "-r 1x {A} sysDescr.0", "-t 0.5x {A} sysDescr.0",
  "-v 4 {A} sysDescr.0", "-v2C {A} sysName.0", "-Oy {A} sysDescr.0", "-Iz {A} sysDescr.0",
  "-Pz {A} sysDescr.0", "-p 5 {A} sysDescr.0", "-T x {A} sysDescr.0", "-q {A} sysDescr.0",
  "{A} sysDescr.0 -v", "{A}", "", "-- {A} sysDescr.0", "{A} sysName.0 -On", "{A} -Os sysName.0 -Oq",
  "-Ovq {A} sysName.0", "{A} sysName.0 -c private", "-D {A} sysName.0", "-O", "-c",
  "-L {A} sysName.0", "-Le {A} sysName.0", "{A} sysName.0 -Ot -Oe -OU",
} do
  case("snmpget", "get", "-v2c -c pub " .. a)
end
for _, a in ipairs { "-Cf {A} sysDescr.0", "{A} sysName -Cf", "-Cq {A} sysName", "{A} sysName.0 sysUpTime.0 sysContact" } do
  case("snmpgetnext", "getnext", "-v2c -c pub " .. a)
end
case("snmpget", "get", "-h")
case("snmpget", "get", "--help")
case("snmpget", "get", "-v2c {A} sysName.0")
case("snmpget", "get", "-v1 {A} sysName.0")
case("snmpget", "get", "-v3 -t 0.2 -r 0 {A} .1.3.6.1.2.1.1.5.0")
case("snmpget", "get", "-v1 -c pub -Cf {A} sysName sysName.0")
case("snmpget", "get", V3 .. " {A} sysName.0 sysContact.0")
case("snmpget", "get", "-v2c -c pub -d {A} sysName.0")
-- bad numbers, -D tokens, -M, -Z and the v3 options for each tool; no -v
-- (net-snmp's default is version 3: no securityName)
for _, a in ipairs {
  "walk|-v2c -c pub -r abc {A} system", "walk|-v2c -c pub -t -1 {A} system",
  "bulkwalk|-v2c -c pub -Cr abc {A} system", "bulkwalk|-v2c -c pub -Cn x {A} system",
  "bulkwalk|-v2c -c pub -Cr -5 {A} system", "bulkget|-v2c -c pub -Cn -1 {A} sysName",
  "bulkget|-v2c -c pub -Crx {A} sysName", "table|-v2c -c pub -r abc {A} ifTable",
  "table|-v2c -c pub -Cc abc {A} ifTable", "table|-v2c -c pub -Cw x {A} ifTable", "table|-v2c -c pub -Cr x {A} ifTable",
  "table|-v2c -c pub -Cr 0 {A} ifTable", "set|-v2c -c private -t abc {A} sysContact.0 s x",
  "trap|-v2c -c pub -r abc 127.0.0.1:9 '' coldStart", "get|-v2c -c pub -Dnosuchtoken {A} sysName.0",
  "get|-v2c -c pub -D nosuchtoken,other {A} sysName.0", "walk|{A} .1.3.6.1.2.1.1", "bulkwalk|{A} .1.3.6.1.2.1.1",
  "table|{A} .1.3.6.1.2.1.2.2", "set|{A} .1.3.6.1.2.1.1.4.0 s x", "bulkget|{A} .1.3.6.1.2.1.1.5",
  "getnext|{A} .1.3.6.1.2.1.1.5", "trap|127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1",
  "inform|-t 0.2 -r 0 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1", "trap|-Ci -t 0.2 -r 0 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1",
  "get|-v2c -c pub -m SNMPv2-MIB {A} sysName.0",
  "get|-v2c -c pub -t 1e3x {A} sysName.0", "get|-v2c -c pub -t 1e-1 -r 0 {A} sysName.0",
  "get|-v2c -c pub -t 0x10 {A} sysName.0", "get|-v2c -c pub -r 0x2 {A} sysName.0",
  "get|-v2c -c pub -r 99999999999 {A} sysName.0", "get|-v2c -c pub -Z 1,2 {A} sysName.0",
  "get|-v2c -c pub -Z abc {A} sysName.0", "get|-v2c -c pub -Z 1,x {A} sysName.0", "get|-v2c -c pub -Z 1,2 {A} sysName.0", "get|-v3 -e xyz {A} sysName.0", "get|-v3 -e 0102 {A} sysName.0",
  "get|-v3 -E zz -u x {A} sysName.0", "get|-v3 -u x -l authPriv -a MD5 -A short {A} .1.3.6.1.2.1.1.5.0",
  "get|-v3 -u x -l authNoPriv -a MD5 {A} .1.3.6.1.2.1.1.5.0", "get|-v3 -u x -l bogus {A} sysName.0",
  "get|-v3 -u x -a SHA-1 -t 0.2 -r 0 {A} .1.3.6.1.2.1.1.5.0", "get|-v3 -u x -a MD6 {A} sysName.0",
  "get|-v3 -u x -l authPriv -a MD5 -A longenough -x AES -X short {A} sysName.0",
  "get|-v3 -u x -l authPriv -a MD5 -A longenough -x AES {A} .1.3.6.1.2.1.1.5.0",
  "get|-v3 -u x -l noAuthNoPriv -A short {A} sysName.0", "get|-v3 -u x -3k zz {A} sysName.0",
  "walk|-v3 -u x -l authNoPriv {A} .1.3.6.1.2.1.1", "trap|-v3 -u x -l authPriv -A short 127.0.0.1:9 '' coldStart",
  "get|-v2c -c pub -t 0x1 {A} sysName.0",
  "set|-v2c -c private {A} sysContact.0 n ''", "set|-v2c -c private {A} sysContact.0 b 1",
  "set|-v2c -c private {A} sysContact.0 U 5", "set|-v2c -c private {A} sysContact.0 q 5",
  "set|-v2c -c private {A} sysContact.0 z x", "set|-v2c -c private {A} sysContact.0 3 x",
  "set|-v2c -c private {A} sysContact.0 I 5", "set|-v2c -c private {A} sysContact.0 F 1.5",
  "set|-v2c -c private {A} sysContact.0 D 1.5", "set|-v2c -c private {A} sysContact.0 S x",
} do
  local cmd, args = a:match("^(%a+)|(.*)$")
  case("snmp" .. cmd, cmd, args)
end
-- an agent that does not answer: each tool's timeout line
for _, t in ipairs {
  { "snmpget", "get", "sysContact.0" }, { "snmpgetnext", "getnext", "sysContact.0" },
  { "snmpwalk", "walk", "system" }, { "snmpbulkwalk", "bulkwalk", "system" },
  { "snmpbulkget", "bulkget", "sysContact.0" }, { "snmpset", "set", "sysContact.0 s x" },
  { "snmptable", "table", "ifTable" },
} do
  case(t[1], t[2], "-v2c -c pub -t 0.2 -r 0 127.0.0.1:9 " .. t[3])
end
case("snmpbulkwalk", "bulkwalk", "-v2c -c pub -t 0.1 -r 1 -Cr20 127.0.0.1:9 system")
case("snmpbulkget", "bulkget", "-v2c -c pub -t 0.1 -r 1 -Cr20 127.0.0.1:9 sysName")
-- v3 with no -e: discovery comes first (snmp_open's probe), and an agent
-- that does not answer it fails with "TOOL: Timeout", user or not; with
-- -e there is no probe and the request's own timeout line is printed
for _, t in ipairs {
  { "snmpget", "get", ".1.3.6.1.2.1.1.4.0" }, { "snmpgetnext", "getnext", ".1.3.6.1.2.1.1.4.0" },
  { "snmpwalk", "walk", ".1.3.6.1.2.1.1" }, { "snmpbulkwalk", "bulkwalk", ".1.3.6.1.2.1.1" },
  { "snmpbulkget", "bulkget", ".1.3.6.1.2.1.1.4" }, { "snmpset", "set", ".1.3.6.1.2.1.1.4.0 s x" },
  { "snmptable", "table", ".1.3.6.1.2.1.2.2" },
} do
  case(t[1], t[2], "-v3 -u x -t 0.2 -r 0 127.0.0.1:9 " .. t[3])
  case(t[1], t[2], "-v3 -t 0.2 -r 0 127.0.0.1:9 " .. t[3])
end
case("snmpget", "get", "-v3 -u x -e 0102030405 -t 0.2 -r 0 127.0.0.1:9 .1.3.6.1.2.1.1.4.0")
-- -3X VALUE is -X VALUE (snmpv3_options), with -X's checks; unknown letters
-- and a missing value have their own lines. -Z BOOTS TIME, the old form,
-- reads TIME from the next argument and leaves it there (it becomes the
-- agent); a next argument that is not a number is refused.
for _, a in ipairs {
  "-3u x -3l authNoPriv -3a SHA-256 -3A authpass123", "-3u=authPrivUser -3l authPriv -3a SHA-256 -3A authpass123 -3x AES -3X privpass123",
  "-3Q x", "-3l foo", "-3a FOO", "-3x FOO", "-3e zz", "-3e 0102", "-3E zz", "-3=x", "-3m zz", "-3Z abc", "-3Z 1,x",
  "-u authPrivUser -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123 -3Z 3,4",
  "-u authPrivUser -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123 -Z 3,4",
  "-u x -Z 5", "-u x -Z 5 x", "-u x -3Z 5",
} do
  case("snmpget", "get", "-v3 -t 0.3 -r 0 " .. a .. " {A} .1.3.6.1.2.1.1.5.0")
end
case("snmpget", "get", "-v3 -u x -t 0.2 -r 0 -Z 5 6 {A} .1.3.6.1.2.1.1.5.0")
case("snmpget", "get", "-v3 -u x {A} .1.3.6.1.2.1.1.5.0 -3u")
-- an error status from the agent (authPrivUser may read only with
-- privacy: authorizationError, error index 0), and v1's noSuchName
for _, t in ipairs {
  { "snmpget", "get", ".1.3.6.1.2.1.1.5.0" }, { "snmpgetnext", "getnext", ".1.3.6.1.2.1.1.5.0" },
  { "snmpwalk", "walk", ".1.3.6.1.2.1.1" }, { "snmpbulkwalk", "bulkwalk", ".1.3.6.1.2.1.1" },
  { "snmpbulkget", "bulkget", ".1.3.6.1.2.1.1.5" }, { "snmpwalk", "walk", "-CE .1.3.6.1.2.1.1.7 .1.3.6.1.2.1.1" },
  { "snmptable", "table", ".1.3.6.1.2.1.2.2" },
} do
  case(t[1], t[2], "-v3 -u authPrivUser -l authNoPriv -a SHA-256 -A authpass123 {A} " .. t[3])
end
case("snmpgetnext", "getnext", "-v1 -c pub {A} .1.3.6.1.6.3.16.9")
case("snmpgetnext", "getnext", "-v1 -c pub {A} .1.3.6.1.6.3.16.9 .1.3.6.1.2.1.1.4")
case("snmpget", "get", "-v1 -c pub {A} .1.3.6.1.2.1.1.4.0 .1.3.6.1.2.1.1.4.1")
case("snmpbulkwalk", "bulkwalk", "-v2c -c pub {A} .1.3.6.1.6.3.16.9")
-- wrong pass phrases: the agent's usmStatsWrongDigests report, or no answer
for _, a in ipairs {
  "-l authNoPriv -a SHA-256 -A wrongpass12 -r 1 -t 0.3 {A} .1.3.6.1.2.1.1.5.0",
  "-l authPriv -a SHA-256 -A wrongpass12 -x AES -X privpass123 -r 1 -t 0.3 {A} .1.3.6.1.2.1.1.5.0",
  "-l authPriv -a SHA-256 -A authpass123 -x AES -X wrongpriv12 -r 0 -t 0.3 {A} .1.3.6.1.2.1.1.5.0",
  "-l authPriv -a MD5 -A authpass123 -x AES -X privpass123 -r 0 -t 0.3 {A} .1.3.6.1.2.1.1.5.0",
} do
  case("snmpget", "get", "-v3 -u authPrivUser " .. a)
  case("snmpwalk", "walk", "-v3 -u authPrivUser " .. a:gsub("%.5%.0$", ""))
end
case("snmpgetnext", "getnext", "-h")
case("snmpwalk", "walk", "-h")
case("snmpbulkwalk", "bulkwalk", "-h")
case("snmpbulkget", "bulkget", "-h")
case("snmpset", "set", "-h")

-- snmpset -C and argument checks (the value does not change: the same
-- value is written by both tools)
for _, a in ipairs {
  "-Cq {A} sysContact.0 s parity", "{A} sysContact.0 s parity", "-Cz {A} sysContact.0 s x",
  "{A} sysContact.0", "{A} sysContact.0 s", "{A}", "{A} sysContact.0 s parity -Cq",
  -- values against the MIB: enum labels, '=', types, ranges, sizes, -Ir
  -- (ifAdminStatus only where snmpset refuses before sending)
  "{A} snmpEnableAuthenTraps.0 i disabled", "{A} snmpEnableAuthenTraps.0 i 'enabled(1)'",
  "{A} ifAdminStatus.2 i bogus", "{A} ifAdminStatus.2 i 'up(1)'", "{A} snmpEnableAuthenTraps.0 = enabled",
  "{A} snmpEnableAuthenTraps.0 = 2", "{A} sysContact.0 = parity", "{A} sysServices.0 i 200",
  "-Ir {A} sysServices.0 i 200", "{A} sysContact.0 i 5", "-Ir {A} sysContact.0 i 5", "{A} ifAdminStatus.2 u 1",
  "{A} sysContact.0 s " .. string.rep("0123456789", 26), "{A} sysLocation.0 x 4142", "{A} sysName.0 a 1.2.3.4",
  "{A} .1.3.6.1.4.1.99.0 = x", "{A} sysContact.0 int 5", "{A} sysUpTime.0 t abc", "{A} sysUpTime.0 t 5",
  "{A} sysContact.0 s a sysName.0 i 4 sysLocation.0 a x", "{A} snmpEnableAuthenTraps.0 i 3",
  "{A} sysLocation.0 d 65.66", "{A} sysLocation.0 x zz", "{A} sysORID.1 o sysName", "{A} sysServices.0 i -1",
  "{A} sysServices.0 i 12x", "{A} sysContact.0 s parity sysLocation.0 = here", "{A} sysContact.0 c 5",
  "{A} ifAdminStatus.2 i -5 -Cq",
} do
  case("snmpset", "set", "-v2c -c private " .. a)
end

-- snmp.conf: each case gets its own SNMPCONFPATH directory holding these
-- files ({P} is the agent's port)
local function conf(tool, cmd, a, text, more)
  local files = { ["snmp.conf"] = text }
  for k, v in pairs(more or {}) do files[k] = v end
  case(tool, cmd, a, files)
end
local V2 = "defVersion 2c\ndefCommunity pub\n"
conf("snmpget", "get", "{A} sysName.0", V2)
conf("snmpget", "get", "{A} sysName.0", "defVersion 1\ndefCommunity pub\n")
conf("snmpget", "get", "-v2c {A} sysName.0", "defVersion 1\ndefCommunity pub\n")
conf("snmpget", "get", "-c nosuch -t 0.2 -r 0 {A} sysName.0", V2)
conf("snmpget", "get", "{A} .1.3.6.1.2.1.1.5.0", "defCommunity pub\n")
conf("snmpget", "get", "{A} sysName.0", "defVersion 2c\n")
conf("snmpget", "get", "{A} sysName.0 sysContact.0", "defVersion 3\ndefSecurityName authPrivUser\n"
  .. "defSecurityLevel authPriv\ndefAuthType SHA-256\ndefAuthPassphrase authpass123\n"
  .. "defPrivType AES\ndefPrivPassphrase privpass123\n")
conf("snmpget", "get", "-l authNoPriv {A} sysName.0", "defVersion 3\ndefSecurityName authPrivUser\n"
  .. "defSecurityLevel authPriv\ndefAuthType SHA-256\ndefAuthPassphrase authpass123\n"
  .. "defPrivType AES\ndefPrivPassphrase privpass123\n")
conf("snmpget", "get", "{A} sysName.0", "defVersion 3\ndefSecurityName authPrivUser\n"
  .. "defSecurityLevel priv\ndefAuthType SHA-256\ndefPassphrase authpass123\ndefPrivType AES\n")
conf("snmpget", "get", "{A} sysName.0", "defVersion 3\ndefSecurityName authPrivUser\n"
  .. "defSecurityLevel authPriv\ndefAuthType SHA-256\ndefAuthPassphrase authpass123\n"
  .. "defPrivType AES\ndefPrivPassphrase privpass123\ndefContext nosuchctx\n")
conf("snmpget", "get", "-t 0.2 -r 0 {A} .1.3.6.1.2.1.1.5.0", "defVersion 3\ndefSecurityName nosuchuser\n")
conf("snmpget", "get", "{A} sysName.0", "defVersion 3\ndefSecurityName authPrivUser\n"
  .. "defSecurityLevel authNoPriv\ndefAuthType SHA-256\ndefPassphrase authpass123\n")
-- no level: noAuthNoPriv, whatever pass phrases are given
conf("snmpget", "get", "{A} sysName.0", "defVersion 3\ndefSecurityName authPrivUser\n"
  .. "defAuthType SHA-256\ndefAuthPassphrase authpass123\ndefPrivType AES\ndefPrivPassphrase privpass123\n")
case("snmpget", "get", "-v3 -u authPrivUser -a SHA-256 -A authpass123 -x AES -X privpass123 {A} sysName.0")
conf("snmpget", "get", "127.0.0.1 sysName.0", V2 .. "defaultPort {P}\n")
conf("snmpget", "get", "udp:127.0.0.1 sysName.0", V2 .. "defaultPort {P}\n")
conf("snmpget", "get", "127.0.0.1:9 sysName.0", V2 .. "timeout 1\nretries 0\n")
conf("snmpget", "get", "-t 0.2 127.0.0.1:9 sysName.0", V2 .. "retries 0\n")
for _, t in ipairs {
  "printNumericOids yes", "printNumericOids no", "quickPrinting yes", "quickPrinting 1", "printValueOnly true",
  "numericTimeticks yes", "printNumericEnums yes", "extendedIndex yes", "oidOutputFormat 1",
  "oidOutputFormat 2", "oidOutputFormat 3", "oidOutputFormat 4", "oidOutputFormat 5", "suffixPrinting 1",
  "suffixPrinting 2", "dontBreakdownOids yes", "printHexText yes", "escapeQuotes yes", "dontPrintUnits yes",
  "quickPrinting yes\nprintNumericOids 1", "hexOutputLength 4", "hexOutputLength 0", "hexOutputLength -2",
  "noDisplayHint yes", "noDisplayHint 1\nhexOutputLength 5", "noDisplayHint 0",
} do
  conf("snmpget", "get", "{A} sysName.0 ifAdminStatus.2 ifPhysAddress.2 sysORUpTime.1", V2 .. t .. "\n")
  conf("snmpwalk", "walk", "-Of {A} snmpTargetAddrTable", V2 .. t .. "\n")
end
for _, t in ipairs { "hexOutputLength 4", "hexOutputLength 0", "noDisplayHint yes", "hexOutputLength 7\nprintHexText 1" } do
  conf("snmpbulkwalk", "bulkwalk", "{A} usmUserEngineID", V2 .. t .. "\n")
  conf("snmptable", "table", "-Cw 70 {A} ifTable", V2 .. t .. "\n")
  conf("snmpbulkget", "bulkget", "-Cr3 {A} ifDescr", V2 .. t .. "\n")
end
-- -Ih on the command line (snmptable keeps the hints)
conf("snmpget", "get", "-Ih {A} sysName.0 ifPhysAddress.2", V2)
conf("snmpget", "get", "-Ih {A} sysName.0 ifPhysAddress.2", V2 .. "noDisplayHint 1\n")
conf("snmpwalk", "walk", "-Ih {A} usmUserEngineID", V2)
conf("snmptable", "table", "-Ih -Cw 70 {A} ifTable", V2)
-- snmptranslate reads the output toggles too
for _, t in ipairs {
  "printNumericOids yes", "oidOutputFormat 1", "oidOutputFormat 2", "oidOutputFormat 3", "oidOutputFormat 4",
  "oidOutputFormat 5", "suffixPrinting 1", "suffixPrinting 2", "dontBreakdownOids yes", "extendedIndex yes",
  "quickPrinting yes", "printNumericEnums 1", "escapeQuotes 1", "noDisplayHint 1", "hexOutputLength 3",
} do
  for _, a in ipairs {
    ".1.3.6.1.2.1.2.2.1.2.3", "-IR -Tz sysName", "-Td -IR ifAdminStatus", "-Of .1.3.6.1.2.1.1.5.0",
    ".1.3.6.1.6.3.12.1.2.1.2.116.46.111.110.101", "-IR -Tl sysName", "-IR -TB ifDesc",
  } do
    conf("snmptranslate", "translate", a, t .. "\n")
  end
end
conf("snmpget", "get", "-Oq {A} sysName.0", V2 .. "quickPrinting no\n")
conf("snmpget", "get", "-Of {A} sysName.0", V2 .. "printNumericOids yes\n")
conf("snmpget", "get", "-On {A} sysName.0", V2 .. "oidOutputFormat 1\n")
conf("snmptable", "table", "{A} ifTable", V2 .. "printNumericEnums yes\n")
conf("snmptable", "table", "-Ci {A} snmpTargetAddrTable", V2 .. "extendedIndex yes\n")
conf("snmpbulkwalk", "bulkwalk", "{A} system", V2 .. "quickPrinting yes\n")
conf("snmpgetnext", "getnext", "{A} sysName", V2 .. "oidOutputFormat 4\n")
conf("snmpbulkget", "bulkget", "{A} sysName", V2 .. "printValueOnly yes\n")
conf("snmpset", "set", "{A} sysServices.0 i 200", "defVersion 2c\ndefCommunity private\nnoRangeCheck yes\n")
conf("snmpset", "set", "{A} snmpEnableAuthenTraps.0 i 2", "defVersion 2c\ndefCommunity private\n"
  .. "quickPrinting yes\n")
conf("snmpset", "set", "{A} snmpEnableAuthenTraps.0 i 2", "defVersion 1\n",
  { ["snmp.local.conf"] = "defCommunity private\n" })
-- files: snmp.local.conf after snmp.conf; the MIB directives
conf("snmpget", "get", "{A} sysName.0", "defVersion 2c\ndefCommunity nosuch\n",
  { ["snmp.local.conf"] = "defCommunity pub\n" })
-- (without MIBS in the environment, which wins over "mibs")
local NOMIBS = { _unset = "MIBS" }
conf("snmpget", "get", "{A} sysName.0 ifNumber.0", V2 .. "mibs SNMPv2-MIB\n", NOMIBS)
conf("snmpget", "get", "{A} ifNumber.0 sysName.0", V2 .. "mibs IF-MIB:SNMPv2-MIB\n", NOMIBS)
conf("snmpget", "get", "{A} ifNumber.0", V2 .. "mibs SNMPv2-MIB\nmibs +IF-MIB\n", NOMIBS)
conf("snmpget", "get", "{A} sysName.0", V2 .. "mibs SNMPv2-MIB\n")
conf("snmptranslate", "translate", "-IR ifNumber.0", "mibs SNMPv2-MIB\n", NOMIBS)
conf("snmptranslate", "translate", "-IR -On ifNumber.0", "mibs SNMPv2-MIB:IF-MIB\n", NOMIBS)
conf("snmptranslate", "translate", "-IR -On ifNumber.0", "mibs SNMPv2-MIB:IF-MIB\n")
conf("snmptranslate", "translate", "-IR -On ifNumber.0", "mibs SNMPv2-MIB\nbadToken 1\ndefVersion 7\n")
conf("snmpget", "get", "{A} sysName.0", V2 .. "mibs SNMPv2-MIB\nmibdirs " .. ROOT .. "/mibs/std\n",
  { _unset = "MIBS -u MIBDIRS" })
-- $MIBS and $MIBDIRS with net-snmp's + and - prefixes (_env: assignments
-- after the suite's own)
local FULL = ROOT .. "/mibs/std:" .. ROOT .. "/mibs/ietf:" .. ROOT .. "/mibs/iana:/usr/share/snmp/mibs"
for _, e in ipairs {
  "MIBS=+SNMP-TARGET-MIB MIBDIRS=" .. FULL, "MIBS=-SNMP-TARGET-MIB MIBDIRS=" .. FULL,
  "MIBS=SNMPv2-MIB:-IF-MIB MIBDIRS=" .. FULL, "MIBS=SNMPv2-MIB MIBDIRS=+" .. ROOT .. "/mibs/std",
  "MIBS=SNMPv2-MIB:IF-MIB MIBDIRS=-" .. ROOT .. "/mibs/std",
  "MIBS=+HOST-RESOURCES-MIB MIBDIRS=+" .. ROOT .. "/mibs/std:" .. ROOT .. "/mibs/ietf:" .. ROOT .. "/mibs/iana",
  "MIBS=ALL MIBDIRS=" .. FULL, "MIBS=IP-MIB:ALL MIBDIRS=" .. ROOT .. "/mibs/std",
  "MIBS=ALL:+IP-MIB MIBDIRS=" .. ROOT .. "/mibs/std", "MIBS= MIBDIRS=" .. FULL,
} do
  conf("snmptranslate", "translate", "-IR -On snmpTargetAddrTDomain ifDescr", "", { _env = e })
  if e:find(FULL, 1, true) then
    conf("snmptranslate", "translate", "-IR -On hrStorageTable ipForwarding", "", { _env = e })
  end
  conf("snmptranslate", "translate", "-IR -Tz ifIndex", "", { _env = e })
end
conf("snmpget", "get", "{A} ifDescr.2 hrSystemUptime.0", V2, { _env = "MIBS=+HOST-RESOURCES-MIB MIBDIRS=" .. FULL })
conf("snmpwalk", "walk", "{A} snmpTargetAddrTDomain", V2, { _env = "MIBS=-SNMP-TARGET-MIB MIBDIRS=" .. FULL })
-- bad lines: net-snmp's messages (some in each of its two passes)
conf("snmpget", "get", "{A} sysName.0", V2 .. "defVersion 5\n")
conf("snmpget", "get", "{A} sysName.0", V2 .. "defSecurityLevel bogus\ndefAuthType XX\ndefPrivType YY\n"
  .. "timeout abc\nretries x\ndefaultPort abc\n  # a comment\n\nfooBar 1\n")
conf("snmpget", "get", "{A} sysName.0", V2 .. "defVersion\nquickPrinting\nmibs\n")
conf("snmpget", "get", "{A} sysName.0", "DefVersion 2c\nDEFCOMMUNITY pub\n")
-- names that a directive's starts with or ends in, its name with a *
conf("snmpget", "get", "{A} sysName.0", V2 .. "mib SNMPv2-MIB\nmibs* IF-MIB\ndefversion* 1\nquickPrint yes\n"
  .. "quickPrintingX yes\nMibDirs\nengineIDNic eth0\n")
-- CRLF lines, blanks before a directive or a comment, blank lines of
-- spaces and tabs, a last line without its newline
conf("snmpget", "get", "{A} sysName.0 sysContact.0", "  defVersion 2c\r\n\t defCommunity pub\r\n \t \r\n"
  .. "\t# a comment\r\n\r\ntimeout abc\r\n  fooBar 1\nquickPrinting yes")
conf("snmpget", "get", "{A} sysName.0", "defVersion 2c\ndefCommunity \"pub\"\n")
-- snmpwalk.conf: the -C defaults of snmpwalk and snmpbulkwalk
conf("snmpwalk", "walk", "{A} sysName", V2, { ["snmpwalk.conf"] = "includeRequested yes\nprintStatistics 1\n" })
conf("snmpbulkwalk", "bulkwalk", "{A} sysName", V2, { ["snmpwalk.conf"] = "printStatistics yes\n" })
conf("snmpwalk", "walk", "-Cp {A} sysName", V2, { ["snmpwalk.conf"] = "printStatistics yes\n" })
conf("snmpwalk", "walk", "{A} system", V2, { ["snmpwalk.conf"] = "timeResults no\nbogus 1\n" })
-- snmpapp.conf, read by every tool after snmp.conf (and snmpwalk.conf
-- before it): each file knows its own directives only
conf("snmpwalk", "walk", "{A} sysName", V2 .. "bar 1\n", { ["snmpwalk.conf"] = "foo 1\nquickPrinting 1\n",
  ["snmpapp.conf"] = "foo 2\nengineIDNic eth0\nprintStatistics 1\n", ["snmpapp.local.conf"] = "\n\nbaz\n" })
conf("snmpget", "get", "{A} sysName.0", V2, { ["snmpapp.conf"] = "defVersion 1\nengineID x\nDEFTARGET\n" })
-- -H: the directives, after the files' messages
for _, t in ipairs { "snmpget", "snmpgetnext", "snmpwalk", "snmpbulkwalk", "snmpbulkget", "snmpset", "snmptable",
                     "snmptrap", "snmpinform" } do
  conf(t, t:sub(5), "-H", "")
end
conf("snmpget", "get", "-H", "defVersion 9\n")
-- the trap subcommand reads snmp.conf and checks values against the MIB
-- (the sink, port 9, answers nothing; an INFORM times out)
for _, a in ipairs {
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i 12", "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i 200",
  "-Ir 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i 200",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysContact.0 c 5", "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 ifAdminStatus.1 i up",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 ifAdminStatus.1 i bogus",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 ifAdminStatus.1 i 'down(2)'",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysContact.0 = hello",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysContact.0 i 5 sysServices.0 i 300",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i -5", "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i 5 -Ci",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysDescr.0 x 4142", "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysObjectID.0 = sysDescr",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 q 5", "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysDescr.0 s",
  "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysDescr.0 s " .. string.rep("x", 256), "127.0.0.1:9 bogus .1.3.6.1.6.3.1.1.5.1",
  "-Cx 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1", "-v1 127.0.0.1:9 '' '' 6 1 '' sysServices.0 i 500",
  "-v1 127.0.0.1:9 .1.3.6.1.4.1.1 127.0.0.1 6 1 '' sysContact.0 s x", "-v1 127.0.0.1:9 '' '' x y ''",
  "-v1 -Ci 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1", "-v3 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1",
  "-Ci -t 0.2 -r 0 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1", "-h",
  "127.0.0.1:9 '' coldStart sysName.0 s x", "127.0.0.1:9 '' nosuchTrap", "-v1 127.0.0.1:9 nosuchEnt '' 6 1 ''",
  "-v1 127.0.0.1:9 '' 127.0.0.1 6 1 '' sysName.0 s x",
} do
  conf("snmptrap", "trap", a, V2)
end
conf("snmpinform", "inform", "-t 0.2 -r 0 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1", V2)
conf("snmptrap", "trap", "127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 sysServices.0 i 200", V2 .. "noRangeCheck yes\n")
conf("snmptrap", "trap", "-v1 127.0.0.1:9 '' '' 6 1 ''", "defVersion 2c\n")

-- the environment both tools run in
local function env(home, confpath)
  return string.format("env SNMPCONFPATH=%s HOME=%s MIBDIRS=%s/mibs/std MIBS=%s ", confpath or home, home, ROOT, MIBS)
end

-- what may differ by design, masked in both outputs
local function normalize(s)
  s = s:gsub("\nUSAGE: moonwalk %a+ ", "\nUSAGE: X "):gsub("^USAGE: moonwalk %a+ ", "USAGE: X ")
  s = s:gsub("\nUSAGE: snmp%a+ ", "\nUSAGE: X "):gsub("^USAGE: snmp%a+ ", "USAGE: X ")
  s = s:gsub("\n  Version:  [^\n]*", "\n  Version:  V")
  s = s:gsub("\n    %(default: [^\n]*%)", "\n    (default: D)")
  s = s:gsub("Total traversal time = [%d.]+ seconds", "Total traversal time = T seconds")
  s = s:gsub("\n[%d.]+ s: ", "\nT s: "):gsub("^[%d.]+ s: ", "T s: ")
  -- -d: the local port and the request ID (and so the sizes) are random;
  -- the lines of a dump are checked apart (see xdump below)
  s = s:gsub("(%->%[[%d.]+%]:)%d+", "%1P")
  s = s:gsub("Sending %d+ bytes", "Sending N bytes"):gsub("Received %d+ byte packet", "Received N byte packet")
  s = s:gsub("\n%d%d%d%d: [^\n]*", "\nDUMP")
  s = s:gsub("\nDUMP\nDUMP", "\nDUMP"):gsub("\nDUMP\nDUMP", "\nDUMP"):gsub("\nDUMP\nDUMP", "\nDUMP")
  return s
end

-- net-snmp's xdump of bytes: "0016: 04 44 12 04  62 02 ...    .D..b..."
local function xdump(bytes)
  local lines = {}
  for i = 1, #bytes, 16 do
    local hex, text = {}, {}
    for j = 0, 15 do
      local b = bytes:byte(i + j)
      hex[#hex + 1] = b and string.format("%02X ", b) or "   "
      if j % 4 == 3 then hex[#hex + 1] = " " end
      if b then text[#text + 1] = (b >= 32 and b < 127) and string.char(b) or "." end
    end
    lines[#lines + 1] = string.format("%04d: ", i - 1) .. table.concat(hex) .. "  " .. table.concat(text)
  end
  return table.concat(lines, "\n")
end

describe("parity with net-snmp's tools", function()
  local d, home

  setup(function()
    d = snmpd.start { base = false, ipv6 = false, extra = agent_config() }
    home = snmpd.tmpdir()
  end)

  teardown(function()
    if d then d:cleanup() end
    if home then os.execute("rm -rf " .. home) end
  end)

  it("has at least 300 cases", function()
    assert.is_true(#cases >= 300, #cases .. " cases")
  end)

  it("-d dumps each datagram as snmpget -d does", function()
    local _, err, code = R.run(env(home) .. BIN .. " get -v2c -c pub -d " .. d.agent .. " sysName.0 sysLocation.0")
    assert.equal(0, code)
    local n = 0
    for head, size, body in err:gmatch("\n(%u%l+) (%d+) byte[^\n]*\n(.-)\n\n") do
      -- the bytes as the dump shows them, dumped again, give the same text
      local bytes = {}
      for line in body:gmatch("[^\n]+") do
        for h in line:sub(7, 59):gmatch("%x%x") do bytes[#bytes + 1] = string.char(tonumber(h, 16)) end
      end
      bytes = table.concat(bytes)
      assert.equal(tonumber(size), #bytes)
      assert.equal(xdump(bytes), body)
      assert.equal(0x30, bytes:byte(1))
      n = n + 1
      assert.is_true(head == "Sending" or head == "Received")
    end
    assert.equal(2, n)
    assert.matches("^\nSending %d+ bytes to UDP: %[127%.0%.0%.1%]:" .. d.port .. "%->%[0%.0%.0%.0%]:%d+\n", err)
    assert.matches("\n\n\nReceived %d+ byte packet from UDP: %[127%.0%.0%.1%]:" .. d.port .. "%->%[0%.0%.0%.0%]:%d+\n", err)
  end)

  -- a directory with a case's configuration files
  local function confdir(i, files)
    if not files then return home, "" end
    local dir = home .. "/conf" .. i
    os.execute("mkdir -p " .. dir)
    for name, text in pairs(files) do
      if name == "_unset" or name == "_env" then goto next end
      local f = assert(io.open(dir .. "/" .. name, "w"))
      f:write((text:gsub("{P}", tostring(d.port))))
      f:close()
      ::next::
    end
    return dir, files._unset and ("-u " .. files._unset .. " ") or "", files._env
  end

  -- a walk shows its progress on stderr only when stderr is a terminal
  it("shows a walk's progress only on a terminal, never in a pipe", function()
    local walk = BIN .. " walk -v2c -c pub " .. d.agent .. " .1.3.6.1"
    local out, err, code = R.run(env(home) .. walk)
    local nout = R.run(env(home) .. "snmpwalk -v2c -c pub " .. d.agent .. " .1.3.6.1")
    assert.equal(0, code)
    assert.equal("", err)
    assert.equal(nout, out)
    if not os.execute("command -v script >/dev/null 2>&1") then
      pending("util-linux script is not installed")
      return
    end
    for _, quiet in ipairs { false, true } do
      local ts, file = os.tmpname(), os.tmpname()
      local _, _, sc = R.run(string.format("script -qec '%s%s%s > %s' %s", env(home), walk, quiet and " -Ln" or "",
        file, ts))
      assert.equal(0, sc)
      local f = assert(io.open(ts, "rb")); local typescript = f:read("a"); f:close()
      f = assert(io.open(file, "rb")); local tout = f:read("a"); f:close()
      os.remove(ts); os.remove(file)
      -- stdout went to a file: unchanged
      assert.equal(out, tout)
      if quiet then
        assert.is_nil(typescript:find("varbinds, ", 1, true))
      else
        -- "N varbinds, R/s, OID", drawn over and erased at the end
        assert.matches("\r\27%[K%d+ varbinds, %d+/s, [^\r]+", typescript)
        local last = typescript:match(".*(\r\27%[K[^\r]*)")
        assert.matches("^\r\27%[K%s*$", last:gsub("Script done.*", ""))
      end
    end
  end)

  -- one deliberate difference: a name whose module is missing from the
  -- MIB path gets one more line on stderr, after net-snmp's own
  it("adds one hint line when a name's module is not on the MIB path", function()
    local HINT = "moonwalk: %s is not on the MIB search path (see -M, MIBDIRS, scripts/fetch-ietf-mibs.sh)\n"
    for _, c in ipairs {
      { "snmpget", "get", "-v2c -c pub {A} hrStorageDescr.1", "HOST-RESOURCES-MIB" },
      { "snmpget", "get", "-v2c -c pub {A} sysName.0 ipForwarding.0", "IP-MIB" },
      { "snmpbulkwalk", "bulkwalk", "-v2c -c pub {A} tcpConnTable", "TCP-MIB" },
      { "snmptable", "table", "-v2c -c pub {A} hrStorageTable", "HOST-RESOURCES-MIB" },
      { "snmptable", "table", "-v2c -c pub {A} entPhysicalTable", "ENTITY-MIB" },
      { "snmpset", "set", "-v2c -c private {A} dot1dStpPriority.0 i 5", "BRIDGE-MIB" },
      { "snmptranslate", "translate", "-IR hrStorageTable", "HOST-RESOURCES-MIB" },
      { "snmptranslate", "translate", "-IR -On udpTable", "UDP-MIB" },
      { "snmptranslate", "translate", "-M /nonexistent -m IF-MIB -IR ifDescr", "IF-MIB" },
      { "snmptrap", "trap", "-v2c -c pub 127.0.0.1:9 '' .1.3.6.1.6.3.1.1.5.1 hrSystemUptime.0 t 5",
        "HOST-RESOURCES-MIB" },
    } do
      local a = c[3]:gsub("{A}", d.agent)
      local no, ne, nc = R.run(env(home) .. c[1] .. " " .. a)
      local mo, me, mc = R.run(env(home) .. BIN .. " " .. c[2] .. " " .. a)
      assert.equal(no, mo, a)
      assert.equal(nc, mc, a)
      assert.equal(ne .. HINT:format(c[4]), me, a)
    end
  end)

  -- replies whose digest does not verify (a relay flips a bit of each
  -- authenticated reply's msgAuthenticationParameters): one line per
  -- message, then the timeout
  it("says Authentication failed for USER once per reply with a wrong digest", function()
    local dir = snmpd.tmpdir()
    -- --grace 1: the relay's task waits for ever, SIGTERM ends it 1 s later
    local pid = tonumber(R.sh(string.format("MIBS= %s run --grace 1 %s/tests/support/digest_proxy.lua -- %d >%s/port 2>%s/err & echo $!",
      BIN, ROOT, d.port, dir, dir)))
    local port
    for _ = 1, 50 do
      port = tonumber(R.slurp(dir .. "/port"))
      if port then break end
      R.sleep(0.1)
    end
    if not port then R.stop_term(pid) end
    assert.is_number(port)
    local V3p = "-v3 -u authPrivUser -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123 -t 0.3 "
    local ok, why = pcall(function()
      for _, c in ipairs {
        { "snmpget", "get", V3p .. "-r 2 127.0.0.1:" .. port .. " sysName.0", 3 },
        { "snmpget", "get", V3p .. "-r 0 127.0.0.1:" .. port .. " sysName.0 sysContact.0", 1 },
        { "snmpwalk", "walk", V3p .. "-r 1 127.0.0.1:" .. port .. " system", 2 },
        { "snmpbulkwalk", "bulkwalk", V3p .. "-r 1 127.0.0.1:" .. port .. " system", 2 },
        { "snmptable", "table", V3p .. "-r 1 127.0.0.1:" .. port .. " ifTable", 2 },
        { "snmpset", "set", V3p .. "-r 1 127.0.0.1:" .. port .. " sysContact.0 s x", 2 },
      } do
        local no, ne, nc = R.run(env(home) .. c[1] .. " " .. c[3])
        local mo, me, mc = R.run(env(home) .. BIN .. " " .. c[2] .. " " .. c[3])
        assert.equal(no, mo, c[3])
        assert.equal(ne, me, c[3])
        assert.equal(nc, mc, c[3])
        local _, n = me:gsub("Authentication failed for authPrivUser\n", "")
        assert.equal(c[4], n, c[3])
      end
    end)
    local gone = R.stop_term(pid)
    local log = R.slurp(dir .. "/err") or ""
    os.execute("rm -rf " .. dir)
    assert(ok, why)
    assert(gone, "the relay was still running 5 s after SIGTERM (killed); its log:\n" .. log)
  end)

  it("prints what net-snmp prints, case by case", function()
    local bad = {}
    -- PARITY_MATCH=text runs only the cases whose tool and arguments hold it
    local only = os.getenv("PARITY_MATCH")
    for i, c in ipairs(cases) do
      local a = c[3]:gsub("{A}", d.agent)
      if only and not (c[1] .. " " .. c[3] .. " " .. (c[4] and "CONF" or "")):find(only, 1, true) then
        goto skip
      end
      local dir, unset, more = confdir(i, c[4])
      -- messages name the files: the same path for both tools
      local e = "env " .. unset .. env(home, dir):sub(5) .. (more and (more .. " ") or "")
      local no, ne, nc = R.run(e .. c[1] .. " " .. a)
      local mo, me, mc = R.run(e .. BIN .. " " .. c[2] .. " " .. a)
      no, ne, mo, me = normalize(no), normalize(ne), normalize(mo), normalize(me)
      if no ~= mo or ne ~= me or nc ~= mc then
        local why = {}
        if no ~= mo then why[#why + 1] = "stdout:\n--- " .. c[1] .. "\n" .. no .. "--- moonwalk\n" .. mo end
        if ne ~= me then why[#why + 1] = "stderr:\n--- " .. c[1] .. "\n" .. ne .. "--- moonwalk\n" .. me end
        if nc ~= mc then why[#why + 1] = "exit " .. tostring(nc) .. " vs " .. tostring(mc) end
        bad[#bad + 1] = c[1] .. " " .. a .. (c[4] and (" [" .. (c[4]["snmp.conf"] or ""):gsub("\n", "; ") .. "]") or "")
          .. "\n" .. table.concat(why, "\n")
      end
      ::skip::
    end
    local list = {}
    for i, b in ipairs(bad) do list[i] = b:match("^[^\n]*") end
    assert(#bad == 0, #bad .. " of " .. #cases .. " cases differ:\n" .. table.concat(list, "\n") .. "\n\n"
      .. table.concat(bad, "\n\n", 1, math.min(#bad, tonumber(os.getenv("PARITY_SHOW")) or 3)))
  end)
end)
