-- Shared set-up for the CLI commands: options -> session, MIBs, errors.
local mw = require "moonwalk"
local args = require "moonwalk.cli.args"

local C = {}

function C.die(prog, msg, code)
  io.stderr:write(msg, "\n")
  return code or 1
end

-- The MIB layer (moonwalk.mib) takes what the command line set up for
-- it when it loads: snmp.conf's mibs and mibdirs (load_conf), the -m and
-- -M of a command whose list names nothing (setup_mibs), the output
-- settings (output_defaults). Such a command (MIBS= or -m '' with
-- numeric OIDs, the usual scripted check) may never need the layer: it
-- is then loaded by the first require of it, a name's lookup for one.
local later = {}

local function mib_conf(mib, cfg) mib.conf.MIBS, mib.conf.MIBDIRS = cfg.MIBS, cfg.MIBDIRS end

local function cli_setup(mib, o)
  local ok, err = pcall(mib.cli_setup, { modules = o.m, dirs = o.M })
  if not ok then io.stderr:write(tostring(err), "\n") end
end

local function set_output(mib, o, cfg, keep_hints)
  local d = mib.output_defaults
  if not keep_hints then d.no_hint = (o.I or ""):find("h", 1, true) ~= nil or nil end
  local len = cfg.values.hexoutputlength
  if len then d.hex_line_len = len > 0 and len or 1 << 30 end
end

-- the next require of the MIB layer applies `later` to it first
local function on_load()
  if package.loaded["moonwalk.mib"] or package.preload["moonwalk.mib"] then return end
  package.preload["moonwalk.mib"] = function(name)
    package.preload[name] = nil
    local mib = require(name)
    local l = later
    later = {}
    if l.cfg then mib_conf(mib, l.cfg) end
    if l.o then cli_setup(mib, l.o) end
    if l.output then set_output(mib, table.unpack(l.output, 1, 3)) end
    return mib
  end
end

-- A module list that names nothing, whatever the path holds: the
-- command's -m, else MIBS, else snmp.conf's mibs (moonwalk.mib reads
-- them in that order, with the same rule).
local function names_nothing(o, cfg)
  local v = o.m
  if v == nil then v = os.getenv("MIBS") end
  if v == nil and cfg then v = cfg.MIBS end
  return v ~= nil and not v:match("^[+-]") and not v:find("[^:,]")
end

-- Loads MIBs per -m/-M and MIBS/MIBDIRS. With lazy, a list that names
-- nothing leaves the layer to its first use (see `later`).
function C.setup_mibs(o, lazy)
  if lazy and not package.loaded["moonwalk.mib"] and names_nothing(o, later.cfg) then
    later.o = o
    on_load()
    return nil
  end
  local ok, mib = pcall(require, "moonwalk.mib")
  if not ok or type(mib) ~= "table" or not mib.cli_setup then return nil end
  cli_setup(mib, o)
  return mib
end

-- Reads snmp.conf for a net-snmp tool name (first pass: the MIB
-- directives, handed to the MIB layer); call cfg.finish() after the MIBs
-- load and conf.apply(cfg, o) then.
function C.load_conf(tool)
  local conf = require "moonwalk.cli.conf"
  local cfg = conf.load(tool)
  local mib = package.loaded["moonwalk.mib"]
  if mib then
    mib_conf(mib, cfg)
  else
    later = { cfg = cfg } -- a command starts here: nothing of an earlier one
    on_load()
  end
  return cfg
end

-- Where the objects of the standard modules a net-snmp user expects live,
-- by the prefix of their names (a prefix ends where a capital follows),
-- first match first: text, read only for a name that was not found.
local BY_PREFIX = [[
ipForward IP-FORWARD-MIB
ipCidrRoute IP-FORWARD-MIB
inetCidrRoute IP-FORWARD-MIB
ipv6 IPV6-MIB
ip IP-MIB
icmp IP-MIB
tcp TCP-MIB
udp UDP-MIB
hr HOST-RESOURCES-MIB
ent ENTITY-MIB
dot1d BRIDGE-MIB
nlm NOTIFICATION-LOG-MIB
mte DISMAN-EVENT-MIB
sched DISMAN-SCHEDULE-MIB
appl NETWORK-SERVICES-MIB
mta MTA-MIB
diskIO UCD-DISKIO-MIB
lmSensors LM-SENSORS-MIB
lmTemp LM-SENSORS-MIB
lmFan LM-SENSORS-MIB
nsExtend NET-SNMP-EXTEND-MIB
nsModule NET-SNMP-AGENT-MIB
nsCache NET-SNMP-AGENT-MIB
ssCpu UCD-SNMP-MIB
ssIO UCD-SNMP-MIB
ssSys UCD-SNMP-MIB
mem UCD-SNMP-MIB
laLoad UCD-SNMP-MIB
laTable UCD-SNMP-MIB
dsk UCD-SNMP-MIB
prTable UCD-SNMP-MIB
extTable UCD-SNMP-MIB
snmpCommunity SNMP-COMMUNITY-MIB
vacm SNMP-VIEW-BASED-ACM-MIB
usm SNMP-USER-BASED-SM-MIB
snmpTarget SNMP-TARGET-MIB
snmpNotify SNMP-NOTIFICATION-MIB
if IF-MIB
]]

--- The module a name that was not found belongs to, when that module is
-- not on the MIB search path at all; nil otherwise (a module on the path
-- but not loaded, or a name of no known module, gets no hint).
function C.missing_module(name)
  local ok, mib = pcall(require, "moonwalk.mib")
  if not ok or type(mib) ~= "table" or not mib.modules then return nil end
  local module = name:match("^([%w-]+)::")
  local label
  if not module then
    label = name:match("^[%a][%w-]*")
    if not label then return nil end
    for prefix, mod in BY_PREFIX:gmatch("(%S+) (%S+)\n") do
      local n = #prefix
      if label:sub(1, n) == prefix and (#label == n or label:sub(n + 1, n + 1):match("%u")) then
        module = mod
        break
      end
    end
  end
  if not module then return nil end
  local listed, list = pcall(mib.modules)
  if not listed then return nil end
  for _, m in ipairs(list) do
    if m.name == module then return nil end
  end
  return module
end

--- net-snmp loads the module a MODULE::name names on demand, and says
-- so when it is not on the path ("MIB search path: ...", "Cannot find
-- module (...)"), before the name's own error: those lines, or "".
function C.module_errors(name)
  local module = name:match("^([%w-]+)::")
  if not module or not C.missing_module(name) then return "" end
  local mib = require "moonwalk.mib"
  mib.load(module)
  return mib.errors()
end

--- One line on stderr after net-snmp's "Unknown Object Identifier" when
-- the name's module is missing from the MIB path.
-- (a MODULE::name needs none: net-snmp's "Cannot find module" names it)
function C.hint_missing(name)
  if name:find("::", 1, true) then return end
  local module = C.missing_module(name)
  if module then
    io.stderr:write("moonwalk: ", module, " is not on the MIB search path (see -M, MIBDIRS, "
      .. "scripts/fetch-ietf-mibs.sh)\n")
  end
end

-- Builds session options from parsed net-snmp options.
function C.session_opts(o, agent)
  local version = o.v or "1"
  if version ~= "1" and version ~= "2c" and version ~= "3" then
    return nil, "Invalid version specified after -v flag: " .. version
  end
  local so = {
    peer = agent, version = version, community = o.c or "public",
    timeout = tonumber(o.t) or 1, retries = math.tointeger(tonumber(o.r)) or 5,
  }
  if o.t and not tonumber(o.t) then return nil, "Invalid timeout: " .. o.t end
  if version == "3" then
    -- checked here with net-snmp's words (snmp_parse_args)
    local v3, core = require "moonwalk.v3", require "moonwalk.core"
    if o.l and not v3.level_known(o.l) then
      return nil, "Invalid security level specified after -3l flag: " .. o.l
    end
    if o.a and not core.usm_auth_info(o.a) then
      return nil, "Invalid authentication protocol specified after -3a flag: " .. o.a
    end
    if o.x and not core.usm_priv_info(o.x) then
      return nil, "Invalid privacy protocol specified after -3x flag: " .. o.x
    end
    local bin = {}
    for _, f in ipairs { { "e", "engine ID", "3e" }, { "E", "engine ID", "3E" }, { "3m", "key", "3m" },
                         { "3M", "key", "3M" }, { "3k", "key", "3k" }, { "3K", "key", "3K" } } do
      local v = o[f[1]]
      if v ~= nil then
        bin[f[1]] = mw.fromhex(v)
        if not bin[f[1]] or #bin[f[1]] == 0 then
          return nil, "Bad " .. f[2] .. " value after -" .. f[3] .. " flag."
        end
      end
    end
    if bin.e and (#bin.e < 5 or #bin.e > 32) then return nil, "Invalid engine ID value after -e flag." end
    so.user = o.u
    -- net-snmp's default level is noAuthNoPriv, pass phrases or not (the
    -- Lua API infers it from them; the command line does as snmpget does)
    so.level = o.l or "noAuthNoPriv"
    so.auth = o.a
    so.auth_pass = o.A
    so.priv = o.x
    so.priv_pass = o.X
    so.engine_id = bin.e
    -- -Z: a v3 trap carries these boots and time, as snmptrap's; requests
    -- use them after discovery, as snmpget (with -e, never). Both zero is
    -- no value, as for net-snmp.
    if (o.engine_boots or 0) ~= 0 or (o.engine_time or 0) ~= 0 then
      so.engine_boots, so.engine_time = o.engine_boots, o.engine_time
    end
    so.context_engine_id = bin.E
    so.context = o.n
    so.auth_master_key = bin["3m"]
    so.priv_master_key = bin["3M"]
    so.auth_local_key = bin["3k"]
    so.priv_local_key = bin["3K"]
  end
  return so
end

function C.parse(argv, extra)
  return args.parse(argv, extra)
end

--- snmp_parse_args' key checks, with its messages: a pass phrase given
-- (whatever the level) must have 8 characters; a level that needs a key
-- without one fails as net-snmp's USM fails it. Writes the message and
-- returns false, or true.
function C.v3_keys_ok(so, tool)
  if so.version ~= "3" then return true end
  for _, k in ipairs { { "auth_pass", "authentication" }, { "priv_pass", "privacy" } } do
    local p = so[k[1]]
    if p and #p < 8 then
      io.stderr:write("Error: passphrase chosen is below the length requirements of the USM (min=8).\n",
        tool, ":  (The supplied password length is too short.)\n",
        "Error generating a key (Ku) from the supplied ", k[2], " pass phrase. \n")
      return false
    end
  end
  local level = (so.level or ""):lower()
  local auth = so.auth_pass or so.auth_master_key or so.auth_local_key
  local priv = so.priv_pass or so.priv_master_key or so.priv_local_key
  if (level == "authnopriv" or level == "authpriv") and not auth then
    io.stderr:write(tool, ": USM authentication failure (incorrect password or key)\n")
    return false
  end
  if level == "authpriv" and not priv then
    io.stderr:write(tool, ": USM generic error\n")
    return false
  end
  return true
end

--- The value rendering settings without an -O letter: -Ih (or
-- noDisplayHint) prints strings without their DISPLAY-HINT, and
-- hexOutputLength breaks Hex-STRINGs after that many bytes (16 by
-- default; 0 or less: never). snmptable keeps the hints whatever -Ih
-- says: table passes keep_hints.
function C.output_defaults(o, cfg, keep_hints)
  local mib = package.loaded["moonwalk.mib"]
  if mib then
    set_output(mib, o, cfg, keep_hints)
  elseif later.o then
    later.output = { o, cfg, keep_hints }
  end
end

-- net-snmp's usm_process_in_msg logs "Authentication failed for USER"
-- for each message whose digest does not verify, and drops it. The
-- manager drops such replies too and counts them (usmStatsWrongDigests);
-- this wraps a session so that each request and each step of a walk
-- writes one such line per message counted while it ran.
function C.digest_warnings(s, user)
  local v3 = require "moonwalk.v3"
  local seen = v3.stats().usmStatsWrongDigests or 0
  local function flush(...)
    local n = v3.stats().usmStatsWrongDigests or 0
    for _ = seen + 1, n do io.stderr:write("Authentication failed for ", user, "\n") end
    seen = n
    return ...
  end
  return setmetatable({}, { __index = function(_, k)
    local f = s[k]
    if type(f) ~= "function" then return f end
    return function(_, ...)
      if k == "walk" or k == "bulkwalk" then
        local it, st, ctl, walk = f(s, ...)
        return function(a, b) return flush(it(a, b)) end, st, ctl, walk
      end
      return flush(f(s, ...))
    end
  end })
end

return C
