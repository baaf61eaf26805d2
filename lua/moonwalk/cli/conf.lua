-- snmp.conf as net-snmp's tools read it (read_config.c): the files, their
-- order, the directives users rely on, and net-snmp's messages for bad
-- lines. The command line wins over the files for the session settings
-- (-v -c -u -l -a -A -x -X -n -t -r); the output toggles, set after the
-- options as net-snmp sets them, win over -O.
--
-- Files: for each directory of $SNMPCONFPATH (or, unset,
-- /etc/snmp:/usr/share/snmp:/usr/lib/x86_64-linux-gnu/snmp:$HOME/.snmp)
-- snmp.conf then snmp.local.conf; without $SNMPCONFPATH the persistent
-- directory's (persistentDir, $SNMP_PERSISTENT_DIR, /var/lib/snmp) after
-- them. Every tool also reads snmpapp.conf (and snmpapp.local.conf) the
-- same way, snmpwalk and snmpbulkwalk their snmpwalk.conf too.
--
-- One deliberate difference: Debian's /etc/snmp/snmp.conf holds a bare
-- "mibs :" because its net-snmp packages come without MIB files; moonwalk
-- ships its MIBs, so an empty "mibs" in /etc/snmp/snmp.conf is skipped.
local core = require "moonwalk.core"

local M = {}

M.DEFAULT_PATH = "/etc/snmp:/usr/share/snmp:/usr/lib/x86_64-linux-gnu/snmp"
M.PERSISTENT_DIR = "/var/lib/snmp"

-- The directives of snmp.conf, in net-snmp 5.9.3's -H order, one a line:
-- the name, a * after those read in net-snmp's first pass (the MIB ones),
-- and the help text -H shows ("B": a boolean, "I": an integer). Text, not
-- a table of tables: a command reads one or two directives of the ninety,
-- and a table of them all cost more than the rest of its reading.
local LIB = [[
extraX509SubDir string
x509CRLFile string
tlsAlgorithms string
localCert string
peerCert string
alias NAME TRANSPORT_DEFINITION
doDebugging (1|0)
debugTokens token[,token...]
debugLogLevel (emerg|alert|crit|err|warning|notice|info|debug)
logTimestamp B
logOption string
mibdirs* [mib-dirs|+mib-dirs|-mib-dirs]
mibs* [mib-tokens|+mib-tokens|-mib-tokens]
mibfile* mibfile-to-read
showMibErrors* B
commentToEOL* B
strictCommentTerm* B
mibAllowUnderline* B
mibWarningLevel* I
mibReplaceWithLatest* B
printNumericEnums B
printNumericOids B
escapeQuotes B
dontBreakdownOids B
quickPrinting B
numericTimeticks B
oidOutputFormat I
suffixPrinting I
extendedIndex B
printHexText B
printValueOnly B
dontPrintUnits B
hexOutputLength I
dumpPacket B
reverseEncodeBER B
defaultPort I
disableSNMPv3 B
disableSNMPv1 B
disableSNMPv2c B
defCommunity string
noTokenWarnings B
noRangeCheck B
persistentDir string
tempFilePattern string
noDisplayHint B
16bitIDs B
clientaddr string
clientaddrUsesPort B
serverSendBuf I
serverRecvBuf I
clientSendBuf I
clientRecvBuf I
sendMessageMaxSize I
noPersistentLoad B
noPersistentSave B
noContextEngineIDDiscovery B
timeout I
retries I
outputPrecision string
defDomain application domain
defTarget application domain target
dontLoadHostConfig B
defSecurityModel string
tsmUseTransportPrefix B
defAuthType MD5|SHA|SHA-512|SHA-384|SHA-256|SHA-224
defPrivType DES|AES|AES-128|AES-192|AES-256
defSecurityName string
defContext string
defPassphrase string
defAuthPassphrase string
defPrivPassphrase string
defAuthMasterKey string
defPrivMasterKey string
defAuthLocalizedKey string
defPrivLocalizedKey string
defVersion 1|2c|3
defSecurityLevel noAuthNoPriv|authNoPriv|authPriv
trustCert trustCert FINGERPRINT|FILENAME
]]
local APP = [[
defDomain application domain
defTarget application domain target
sourceFilterType none|acceptlist|blocklist
sourceFilterAddress host
engineID string
engineIDType num
engineIDNic string
]]
-- snmpwalk.conf (snmpbulkwalk.conf has three of them): the -C defaults
local WALK = [[
includeRequested B
excludeRequested B
printStatistics B
dontCheckOrdering B
timeResults B
timeResultsSingle B
]]
local BULKWALK = [[
includeRequested B
printStatistics B
dontCheckOrdering B
]]
-- one line of these lists: name, "*" or "", help
local LINE = "([^ *\n]+)(%*?) ([^\n]*)"
-- snmpwalk.conf's directives' -C letters
local WALK_C = { includerequested = "i", excluderequested = "I", printstatistics = "p",
                 dontcheckordering = "c", timeresults = "t", timeresultssingle = "T" }

local function expand(h)
  if h == "B" then return "(1|yes|true|0|no|false)" end
  if h == "I" then return "integerValue" end
  return h
end

local function section(lines, file, list)
  lines[#lines + 1] = "  In " .. file .. ".conf and " .. file .. ".local.conf:"
  for name, _, help in list:gmatch(LINE) do
    local pad = #name < 24 and string.rep(" ", 25 - #name) or " "
    lines[#lines + 1] = "    " .. name .. pad .. expand(help)
  end
end

-- The app-level file each tool reads beside snmp.conf, and its directives
local function app_of(tool)
  if tool == "snmpwalk" then return "snmpwalk", WALK end
  if tool == "snmpbulkwalk" then return "snmpwalk", BULKWALK end
  return nil
end

--- -H: the directives understood, as the net-snmp tool prints them.
function M.help(tool)
  local lines = { "Configuration directives understood:" }
  local app, list = app_of(tool)
  if app then section(lines, app, list) end
  section(lines, "snmp", LIB)
  section(lines, "snmpapp", APP)
  return table.concat(lines, "\n") .. "\n"
end

-- The directives of a list by lower-case name: { name, help, premib =,
-- c = its letter in letters (snmpwalk.conf's -C) }, each found in the text
-- when first asked for.
local function index(list, letters)
  local lower
  return setmetatable({}, { __index = function(t, key)
    if key:find("[%s*]") then return nil end
    lower = lower or "\n" .. list:lower()
    -- lower has one character more in front: a line found at i starts
    -- at i in list
    local i = lower:find("\n" .. key .. " ", 1, true) or lower:find("\n" .. key .. "* ", 1, true)
    if not i then return nil end
    local name, star, help = list:match("^" .. LINE, i)
    local d = { name, help, premib = star == "*" or nil, c = letters and letters[key] }
    rawset(t, key, d)
    return d
  end })
end
local LIB_INDEX, APP_INDEX = index(LIB), index(APP)

-- copy_nword: a word, or a quoted string without its quotes
local function word(s)
  s = s:match("^%s*(.-)$")
  local q = s:sub(1, 1)
  if q == '"' or q == "'" then
    local body, after = s:match("^" .. q .. "(.-)" .. q .. "(.*)$")
    if body then return body, after end
    return s:sub(2), ""
  end
  local w, after = s:match("^(%S+)(.*)$")
  return w or "", after or ""
end

local function bool(v)
  local w = v:match("^%S+") or ""
  w = w:lower()
  return w == "yes" or w == "true" or w == "1"
end

local levels = { noauthnopriv = "noAuthNoPriv", authnopriv = "authNoPriv", authpriv = "authPriv" }

-- value checks with net-snmp's error texts; return the value to keep or
-- nil, message
local checks = {
  defversion = function(v)
    local w = v:match("^%S+") or ""
    if w == "1" or w == "2c" or w == "3" then return w end
    return nil, "Unknown version specification"
  end,
  defsecuritylevel = function(v)
    local w = v:match("^%S+") or ""
    local l = levels[w:lower()]
    if l then return l end
    return nil, "Unknown security level: " .. v
  end,
  defauthtype = function(v)
    local w = v:match("^%S+") or ""
    if core.usm_auth_info(w) then return w end
    return nil, "Unknown authentication type"
  end,
  defprivtype = function(v)
    local w = v:match("^%S+") or ""
    if core.usm_priv_info(w) then return w end
    return nil, "Unknown privacy type"
  end,
}

-- The directories to read: those of $SNMPCONFPATH (else the default
-- path) that exist; with explicit, the path was $SNMPCONFPATH.
local function conf_dirs()
  local dirs = {}
  local path = os.getenv("SNMPCONFPATH")
  dirs.explicit = path ~= nil
  if not path then
    local home = os.getenv("HOME")
    path = M.DEFAULT_PATH .. (home and (":" .. home .. "/.snmp") or "")
  end
  for dir in path:gmatch("[^:]+") do
    if core.isdir(dir) then dirs[#dirs + 1] = dir end
  end
  return dirs
end

-- The files to read, in order, for one file type ("snmp", "snmpwalk").
local function files(dirs, ftype, persistent)
  local list = {}
  for _, dir in ipairs(dirs) do
    list[#list + 1] = dir .. "/" .. ftype .. ".conf"
    list[#list + 1] = dir .. "/" .. ftype .. ".local.conf"
  end
  if not dirs.explicit then
    list[#list + 1] = persistent .. "/" .. ftype .. ".conf"
    list[#list + 1] = persistent .. "/" .. ftype .. ".local.conf"
  end
  return list
end

-- The directive lines of a file as { n, token, value, ... } (false when
-- it cannot be read), kept in seen so that the second pass over the same
-- files does not read them again.
local function directives(file, seen)
  local d = seen[file]
  if d ~= nil then return d end
  d = false
  local text = core.readfile(file)
  if text then
    d = {}
    -- lines found with a plain search and skipped at their first
    -- non-blank character: a pattern run over every byte of a file of
    -- comments cost a one-shot command more than the rest of its reading
    local n, pos, len = 0, 1, #text
    while pos <= len do
      local nl = text:find("\n", pos, true) or len + 1
      n = n + 1
      local first = text:match("^[ \t\r\f\v]*()", pos)
      if first < nl and text:byte(first) ~= 35 then -- not blank, not a # comment
        local l = text:sub(first, nl - 1)
        if l:byte(-1) == 13 then l = l:sub(1, -2) end
        local token, rest = l:match("^(%S+)%s*(.-)%s*$")
        d[#d + 1] = n
        d[#d + 1] = token
        d[#d + 1] = rest
      end
      pos = nl + 1
    end
  end
  seen[file] = d
  return d
end

-- Reads one pass over the files of a type; calls line(file, n, token,
-- value) for each directive line.
local function each_line(paths, fn, seen)
  for _, file in ipairs(paths) do
    local d = directives(file, seen)
    if d then
      for i = 1, #d, 3 do fn(file, d[i], d[i + 1], d[i + 2]) end
    end
  end
end

--- Reads the configuration of one tool ("snmpget", "snmpwalk", ...) in
-- net-snmp's two passes, writing its messages for bad lines to stderr.
-- load() does the first (MIB directives: cfg.MIBS, cfg.MIBDIRS), to be
-- read before the MIBs load; cfg.finish() the second (values, bools,
-- walk_c: the -C letters of snmpwalk.conf).
function M.load(tool)
  local cfg = { values = {}, bools = {}, order = {}, walk_c = {} }
  local errors = 0
  local out = {}
  local function err(file, n, msg)
    out[#out + 1] = string.format("%s: line %d: Error: %s\n", file, n, msg)
    errors = errors + 1
  end
  local function warn(file, n, msg)
    out[#out + 1] = string.format("%s: line %d: Warning: %s\n", file, n, msg)
  end
  local function flush()
    if errors > 0 then
      out[#out + 1] = string.format("net-snmp: %d error(s) in config file(s)\n", errors)
    end
    io.stderr:write(table.concat(out))
    out, errors = {}, 0
  end

  local persistent = os.getenv("SNMP_PERSISTENT_DIR") or M.PERSISTENT_DIR
  local app, app_list = app_of(tool)
  local app_index = app and index(app_list, WALK_C) or nil
  local dirs = conf_dirs()
  local lib_files = files(dirs, "snmp", persistent)
  local seen = {}

  -- net-snmp reads the files of every type in each pass, in this order:
  -- the tool's own (snmpwalk.conf), snmp.conf, snmpapp.conf. A directive
  -- without a value is an error in both passes, whatever its name.
  local function app_pass(fn)
    if app then each_line(files(dirs, app, persistent), fn, seen) end
  end
  local function snmpapp_pass(fn) each_line(files(dirs, "snmpapp", persistent), fn, seen) end
  local function blank(file, n, token, value)
    if value ~= "" then return false end
    err(file, n, "Blank line following " .. token .. " token.")
    return true
  end

  -- first pass: the MIB directives (read before the MIBs load)
  app_pass(blank)
  each_line(lib_files, function(file, n, token, value)
    if blank(file, n, token, value) then return end
    local d = LIB_INDEX[token:lower()]
    if not d then return end
    local t = d[1]
    if t == "mibs" or t == "mibdirs" then
      local v = value:match("^%S+")
      if t == "mibs" and file == "/etc/snmp/snmp.conf" and v:gsub("[:, ]", "") == "" then
        return -- Debian's "mibs :" (see the header)
      end
      local key = t == "mibs" and "MIBS" or "MIBDIRS"
      local prev = cfg[key]
      local c = v:sub(1, 1)
      if prev and (c == "+" or c == "-") then
        -- net-snmp's handle_mib*_conf: a prefix extends the earlier line
        cfg[key] = c == "+" and (prev .. ":" .. v:sub(2)) or (v:sub(2) .. ":" .. prev)
      else
        cfg[key] = v
      end
    elseif t == "persistentDir" then
      persistent = word(value)
    end
  end, seen)
  if persistent ~= (os.getenv("SNMP_PERSISTENT_DIR") or M.PERSISTENT_DIR) then
    lib_files = files(dirs, "snmp", persistent)
  end
  snmpapp_pass(blank)
  flush()

  -- second pass: the rest
  local function normal(index_t, file, n, token, value)
    if blank(file, n, token, value) then return end
    local d = index_t[token:lower()]
    if not d then
      warn(file, n, "Unknown token: " .. token .. ".")
      return
    end
    local key = d[1]:lower()
    if d.premib then return end
    if d.c then
      cfg.walk_c[d.c] = bool(value)
      return
    end
    local check = checks[key]
    if check then
      local v, msg = check(value)
      if not v then err(file, n, msg) return end
      cfg.values[key] = v
    elseif d[2] == "B" then
      cfg.bools[key] = bool(value)
      cfg.order[#cfg.order + 1] = key
    elseif d[2] == "I" then
      local v = value:match("^%S+")
      if not v:match("^[+-]?%d+$") then err(file, n, "Bad integer value") return end
      cfg.values[key] = math.tointeger(tonumber(v))
      if key == "oidoutputformat" or key == "suffixprinting" then cfg.order[#cfg.order + 1] = key end
    else
      cfg.values[key] = (word(value))
    end
  end
  -- each type knows its own directives only
  cfg.finish = function()
    app_pass(function(file, n, token, value) normal(app_index, file, n, token, value) end)
    each_line(lib_files, function(file, n, token, value) normal(LIB_INDEX, file, n, token, value) end, seen)
    snmpapp_pass(function(file, n, token, value) normal(APP_INDEX, file, n, token, value) end)
    flush()
    return cfg
  end
  return cfg
end

-- oidOutputFormat / suffixPrinting values -> -O letters
local oid_formats = { [1] = "s", [2] = "S", [3] = "f", [4] = "n", [5] = "u" }
local toggles = {
  printnumericenums = "e", escapequotes = "E", dontbreakdownoids = "b", quickprinting = "q",
  numerictimeticks = "t", extendedindex = "X", printhextext = "T", printvalueonly = "v",
  dontprintunits = "U",
}

--- The output letters after the options (net-snmp sets the toggles after
-- reading -O, so the files win): O is the -O text given, returns the new.
function M.output(cfg, O)
  for _, key in ipairs(cfg.order) do
    local l = toggles[key]
    if l then
      O = O:gsub(l, "")
      if cfg.bools[key] then O = O .. l end
    elseif key == "oidoutputformat" or key == "suffixprinting" then
      local f = oid_formats[cfg.values[key]]
      if key == "suffixprinting" then f = ({ [1] = "s", [2] = "S" })[cfg.values[key]] end
      if f then O = O:gsub("[nfsSu]", "") .. f end
    end
  end
  if cfg.bools.printnumericoids then O = O:gsub("[nfsSu]", "") .. "n" end
  return O
end

-- session settings: option letter <- directive
local session_keys = {
  { "v", "defversion" }, { "c", "defcommunity" }, { "u", "defsecurityname" },
  { "l", "defsecuritylevel" }, { "a", "defauthtype" }, { "x", "defprivtype" },
  { "A", "defauthpassphrase" }, { "X", "defprivpassphrase" }, { "n", "defcontext" },
  { "3m", "defauthmasterkey" }, { "3M", "defprivmasterkey" },
  { "3k", "defauthlocalizedkey" }, { "3K", "defprivlocalizedkey" },
}

--- Fills the parsed options o from the files where the command line left
-- them unset; returns o.
function M.apply(cfg, o)
  local v = cfg.values
  for _, k in ipairs(session_keys) do
    if o[k[1]] == nil and v[k[2]] ~= nil then o[k[1]] = v[k[2]] end
  end
  if v.defpassphrase then
    o.A = o.A or v.defpassphrase
    o.X = o.X or v.defpassphrase
  end
  if o.t == nil and v.timeout and v.timeout > 0 then o.t = tostring(v.timeout) end
  if o.r == nil and v.retries and v.retries >= 0 then o.r = tostring(v.retries) end
  if cfg.bools.dumppacket then o.d = true end
  if cfg.bools.norangecheck and not (o.I or ""):find("r", 1, true) then o.I = (o.I or "") .. "r" end
  if cfg.bools.nodisplayhint and not (o.I or ""):find("h", 1, true) then o.I = (o.I or "") .. "h" end
  o.O = M.output(cfg, o.O or "")
  return o
end

--- AGENT with defaultPort added when it names no port.
function M.with_port(agent, port)
  if not port or port <= 0 then return agent end
  local prefix, rest = agent:match("^(%a[%w]*:)(.*)$")
  if not prefix or not ({ ["udp:"] = 1, ["udp6:"] = 1, ["tcp:"] = 1, ["tcp6:"] = 1, ["udpv6:"] = 1,
                          ["udpipv6:"] = 1 })[prefix:lower()] then
    prefix, rest = "", agent
  end
  if rest:sub(1, 1) == "[" then
    if rest:match("^%[.*%]:%d+$") then return agent end
    return agent .. ":" .. port
  end
  local _, colons = rest:gsub(":", "")
  if colons == 1 then return agent end
  if colons > 1 then return prefix .. "[" .. rest .. "]:" .. port end
  return agent .. ":" .. port
end

return M
