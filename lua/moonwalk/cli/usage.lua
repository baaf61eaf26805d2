-- net-snmp's usage texts (snmp_parse_args_descriptions and each tool's
-- usage()), printed on stderr for -h and usage errors with the moonwalk
-- command in the USAGE line, moonwalk's version and MIB directories.
local U = {}

local common = table.concat {
  "  Version:  %VERSION%\n",
  "  Web:      http://www.net-snmp.org/\n",
  "  Email:    net-snmp-coders@lists.sourceforge.net\n",
  "\n",
  "OPTIONS:\n",
  "  -h, --help\t\tdisplay this help message\n",
  "  -H\t\t\tdisplay configuration file directives understood\n",
  "  -v 1|2c|3\t\tspecifies SNMP version to use\n",
  "  -V, --version\t\tdisplay package version number\n",
  "SNMP Version 1 or 2c specific\n",
  "  -c COMMUNITY\t\tset the community string\n",
  "SNMP Version 3 specific\n",
  "  -a PROTOCOL\t\tset authentication protocol (MD5|SHA|SHA-224|SHA-256|SHA-384|SHA-512)\n",
  "  -A PASSPHRASE\t\tset authentication protocol pass phrase\n",
  "  -e ENGINE-ID\t\tset security engine ID (e.g. 800000020109840301)\n",
  "  -E ENGINE-ID\t\tset context engine ID (e.g. 800000020109840301)\n",
  "  -l LEVEL\t\tset security level (noAuthNoPriv|authNoPriv|authPriv)\n",
  "  -n CONTEXT\t\tset context name (e.g. bridge1)\n",
  "  -u USER-NAME\t\tset security name (e.g. bert)\n",
  "  -x PROTOCOL\t\tset privacy protocol (DES|AES|AES-192|AES-256)\n",
  "  -X PASSPHRASE\t\tset privacy protocol pass phrase\n",
  "  -Z BOOTS,TIME\t\tset destination engine boots/time\n",
  "General communication options\n",
  "  -r RETRIES\t\tset the number of retries\n",
  "  -t TIMEOUT\t\tset the request timeout (in seconds)\n",
  "Debugging\n",
  "  -d\t\t\tdump input/output packets in hexadecimal\n",
  "  -D[TOKEN[,...]]\tturn on debugging output for the specified TOKENs\n",
  "\t\t\t   (ALL gives extremely verbose debugging output)\n",
  "General options\n",
  "  -m MIB[:...]\t\tload given list of MIBs (ALL loads everything)\n",
  "  -M DIR[:...]\t\tlook in given list of directories for MIBs\n",
  "    (default: %MIBDIRS%)\n",
  "  -P MIBOPTS\t\tToggle various defaults controlling MIB parsing:\n",
  "\t\t\t  u:  allow the use of underlines in MIB symbols\n",
  "\t\t\t  c:  disallow the use of \"--\" to terminate comments\n",
  "\t\t\t  d:  save the DESCRIPTIONs of the MIB objects\n",
  "\t\t\t  e:  disable errors when MIB symbols conflict\n",
  "\t\t\t  w:  enable warnings when MIB symbols conflict\n",
  "\t\t\t  W:  enable detailed warnings when MIB symbols conflict\n",
  "\t\t\t  R:  replace MIB symbols from latest module\n",
  "  -O OUTOPTS\t\tToggle various defaults controlling output display:\n",
  "\t\t\t  0:  print leading 0 for single-digit hex characters\n",
  "\t\t\t  a:  print all strings in ascii format\n",
  "\t\t\t  b:  do not break OID indexes down\n",
  "\t\t\t  e:  print enums numerically\n",
  "\t\t\t  E:  escape quotes in string indices\n",
  "\t\t\t  f:  print full OIDs on output\n",
  "\t\t\t  n:  print OIDs numerically\n",
  "\t\t\t  p PRECISION:  display floating point values with specified PRECISION (printf format string)\n",
  "\t\t\t  q:  quick print for easier parsing\n",
  "\t\t\t  Q:  quick print with equal-signs\n",
  "\t\t\t  s:  print only last symbolic element of OID\n",
  "\t\t\t  S:  print MIB module-id plus last element\n",
  "\t\t\t  t:  print timeticks unparsed as numeric integers\n",
  "\t\t\t  T:  print human-readable text along with hex strings\n",
  "\t\t\t  u:  print OIDs using UCD-style prefix suppression\n",
  "\t\t\t  U:  don't print units\n",
  "\t\t\t  v:  print values only (not OID = value)\n",
  "\t\t\t  x:  print all strings in hex format\n",
  "\t\t\t  X:  extended index format\n",
  "  -I INOPTS\t\tToggle various defaults controlling input parsing:\n",
  "\t\t\t  b:  do best/regex matching to find a MIB node\n",
  "\t\t\t  h:  don't apply DISPLAY-HINTs\n",
  "\t\t\t  r:  do not check values for range/type legality\n",
  "\t\t\t  R:  do random access to OID labels\n",
  "\t\t\t  u:  top-level OIDs must have '.' prefix (UCD-style)\n",
  "\t\t\t  s SUFFIX:  Append all textual OIDs with SUFFIX before parsing\n",
  "\t\t\t  S PREFIX:  Prepend all textual OIDs with PREFIX before parsing\n",
  "  -L LOGOPTS\t\tToggle various defaults controlling logging:\n",
  "\t\t\t  e:           log to standard error\n",
  "\t\t\t  o:           log to standard output\n",
  "\t\t\t  n:           don't log at all\n",
  "\t\t\t  f file:      log to the specified file\n",
  "\t\t\t  s facility:  log to syslog (via the specified facility)\n",
  "\n",
  "\t\t\t  (variants)\n",
  "\t\t\t  [EON] pri:   log to standard error, output or /dev/null for level 'pri' and above\n",
  "\t\t\t  [EON] p1-p2: log to standard error, output or /dev/null for levels 'p1' to 'p2'\n",
  "\t\t\t  [FS] pri token:    log to file/syslog for level 'pri' and above\n",
  "\t\t\t  [FS] p1-p2 token:  log to file/syslog for levels 'p1' to 'p2'\n",
}

U.tools = {
  get = { args = " OID [OID]...", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  f:  do not fix errors and retry the request\n",
  } },
  getnext = { args = " OID [OID]...", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  f:  do not fix errors and retry the request\n",
  } },
  walk = { args = " [OID]", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  p:  print the number of variables found\n",
    "\t\t\t  i:  include given OID in the search range\n",
    "\t\t\t  I:  don't include the given OID, even if no results are returned\n",
    "\t\t\t  c:  do not check returned OIDs are increasing\n",
    "\t\t\t  t:  Display wall-clock time to complete the walk\n",
    "\t\t\t  T:  Display wall-clock time to complete each request\n",
    "\t\t\t  E {OID}:  End the walk at the specified OID\n",
  } },
  bulkwalk = { args = " [OID]", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  c:       do not check returned OIDs are increasing\n",
    "\t\t\t  i:       include given OIDs in the search range\n",
    "\t\t\t  n<NUM>:  set non-repeaters to <NUM>\n",
    "\t\t\t  p:       print the number of variables found\n",
    "\t\t\t  r<NUM>:  set max-repeaters to <NUM>\n",
  } },
  bulkget = { args = " OID [OID]...", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  n<NUM>:  set non-repeaters to <NUM>\n",
    "\t\t\t  r<NUM>:  set max-repeaters to <NUM>\n",
  } },
  set = { args = " OID TYPE VALUE [OID TYPE VALUE]...", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  q:  don't print results on success\n",
    "\n",
    "  TYPE: one of i, u, t, a, o, s, x, d, b\n",
    "\ti: INTEGER, u: unsigned INTEGER, t: TIMETICKS, a: IPADDRESS\n",
    "\to: OBJID, s: STRING, x: HEX STRING, d: DECIMAL STRING, b: BITS\n",
    "\tU: unsigned int64, I: signed int64, F: float, D: double\n",
  } },
  trap = { args = " TRAP-PARAMETERS", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviour:\n",
    "\t\t\t  i:  send an INFORM instead of a TRAP\n",
    "\n",
    "  -v 1 TRAP-PARAMETERS:\n",
    "\t enterprise-oid agent trap-type specific-type uptime [OID TYPE VALUE]...\n",
    "  or\n",
    "  -v 2 TRAP-PARAMETERS:\n",
    "\t uptime trapoid [OID TYPE VALUE] ...\n",
  } },
  table = { args = " TABLE-OID", tail = table.concat {
    "  -C APPOPTS\t\tSet various application specific behaviours:\n",
    "\t\t\t  b:       brief field names\n",
    "\t\t\t  B:       do not use GETBULK requests\n",
    "\t\t\t  c<NUM>:  print table in columns of <NUM> chars width\n",
    "\t\t\t  f<STR>:  print table delimitied with <STR>\n",
    "\t\t\t  h:       print only the column headers\n",
    "\t\t\t  H:       print no column headers\n",
    "\t\t\t  i:       print index values\n",
    "\t\t\t  l:       left justify output\n",
    "\t\t\t  r<NUM>:  for GETBULK: set max-repeaters to <NUM>\n",
    "\t\t\t           for GETNEXT: retrieve <NUM> entries at a time\n",
    "\t\t\t  w<NUM>:  print table in parts of <NUM> chars width\n",
  } },
}

U.tools.inform = U.tools.trap

-- The first line: "USAGE: moonwalk get [OPTIONS] AGENT OID [OID]..."
function U.line(cmd)
  return "USAGE: moonwalk " .. cmd .. " [OPTIONS] AGENT" .. U.tools[cmd].args .. "\n"
end

-- The whole text as the tool's usage() prints it.
function U.text(cmd)
  local core = require "moonwalk.core"
  local ok, mib = pcall(require, "moonwalk.mib")
  local dirs = ok and type(mib) == "table" and mib.default_dirs and mib.default_dirs() or ""
  local body = common:gsub("%%VERSION%%", function() return core.version end)
                     :gsub("%%MIBDIRS%%", function() return dirs end)
  return U.line(cmd) .. "\n" .. body .. U.tools[cmd].tail
end

return U
