-- moonwalk.mib (mw.mib): MIB modules, names <-> OIDs, value rendering.
--
--   local mib = require "moonwalk.mib"
--   mib.load("IF-MIB")                       -- modules by name, or files
--   mib.oid("IF-MIB::ifDescr.3")             -- OID userdata
--   mib.name("1.3.6.1.2.1.2.2.1.2.3")        -- "IF-MIB::ifDescr.3"
--   mib.name(oid, "-On")                     -- ".1.3.6.1.2.1.2.2.1.2.3"
--   mib.info("ifOperStatus")                 -- type, access, enums, ...
--   mib.format_value("ifOperStatus.3", "INTEGER", 1)  -- "INTEGER: up(1)"
--
-- Modules are found by module name on a search path like net-snmp's:
-- MIBDIRS (or -M) and MIBS (or -m), with defaults that include the
-- net-snmp's own (~/.snmp/mibs, /usr/share/snmp/mibs and its iana/ and
-- ietf/, where snmp-mibs-downloader puts the IETF set) and then the
-- project's mibs/std and mibs/, which win for a module found twice.
local core = require "moonwalk.core"

local M = {}

-- net-snmp's default module list (net-snmp-config --default-mibs).
M.default_modules = {
  "SNMPv2-MIB", "IF-MIB", "IP-MIB", "TCP-MIB", "UDP-MIB", "HOST-RESOURCES-MIB",
  "NOTIFICATION-LOG-MIB", "DISMAN-EVENT-MIB", "DISMAN-SCHEDULE-MIB",
  "HOST-RESOURCES-TYPES", "MTA-MIB", "NETWORK-SERVICES-MIB", "UCD-DISKIO-MIB",
  "UCD-DLMOD-MIB", "LM-SENSORS-MIB", "UCD-SNMP-MIB", "UCD-DEMO-MIB",
  "SNMP-TARGET-MIB", "NET-SNMP-AGENT-MIB", "SNMP-FRAMEWORK-MIB", "SNMP-MPD-MIB",
  "SNMP-USER-BASED-SM-MIB", "SNMP-VIEW-BASED-ACM-MIB", "SNMP-COMMUNITY-MIB",
  "IPV6-ICMP-MIB", "IPV6-MIB", "IPV6-TCP-MIB", "IPV6-UDP-MIB", "IP-FORWARD-MIB",
  "NET-SNMP-PASS-MIB", "NET-SNMP-EXTEND-MIB", "SNMP-NOTIFICATION-MIB",
  "SNMPv2-TM", "NET-SNMP-VACM-MIB",
}

-- The project directory: MOONWALK_MIBDIR names the mibs directory itself;
-- else it sits next to the Lua tree (source tree: lua/moonwalk/mib.lua ->
-- mibs/; installed: share/lua/5.4/moonwalk/mib.lua -> share/moonwalk/mibs),
-- else it is the one the C core was built for (core.mibdir: the rock keeps
-- its MIBs in its own directory).
-- "/a/b/../c" -> "/a/c"
local function normalize(path)
  local prev
  repeat
    prev = path
    path = path:gsub("/[^/]+/%.%./", "/", 1)
  until path == prev
  return (path:gsub("/%./", "/"))
end

local function isdir(path)
  local f = io.open(path .. "/.", "r")
  if f then f:close() return true end
  return false
end

-- mibs/ beside a source tree's lua/, or share/moonwalk/mibs beside an
-- installed share/lua/5.4
local function beside(file)
  local dir = file:match("^(.*)/lua/moonwalk/mib%.lua$")
  if dir then return normalize((dir == "" and "." or dir) .. "/mibs") end
  dir = file:match("^(.*)/lua/5%.%d+/moonwalk/mib%.lua$")
  if dir then return normalize((dir == "" and "." or dir) .. "/moonwalk/mibs") end
  return nil
end

local function project_mibdir()
  local env = os.getenv("MOONWALK_MIBDIR")
  if env and env ~= "" then return env end
  local src = debug.getinfo(1, "S").source
  local dir = src:sub(1, 1) == "@" and beside(src:sub(2))
  if dir and isdir(dir) then return dir end
  local path = package.searchpath("moonwalk.mib", package.path)
  dir = path and beside(path)
  if dir and isdir(dir) then return dir end
  if core.mibdir and isdir(core.mibdir) then return core.mibdir end
  return dir or nil
end

-- Default directories in net-snmp's order: a module found in a later
-- directory replaces one found earlier.
function M.default_dirs()
  local dirs = {}
  local home = os.getenv("HOME")
  if home and home ~= "" then dirs[#dirs + 1] = home .. "/.snmp/mibs" end
  dirs[#dirs + 1] = "/usr/share/snmp/mibs"
  dirs[#dirs + 1] = "/usr/share/snmp/mibs/iana"
  dirs[#dirs + 1] = "/usr/share/snmp/mibs/ietf"
  local p = project_mibdir()
  if p then
    -- the full IETF and IANA sets, when scripts/fetch-ietf-mibs.sh built
    -- them; mibs/std's copies win
    for _, sub in ipairs { "/iana", "/ietf" } do
      if isdir(p .. sub) then dirs[#dirs + 1] = p .. sub end
    end
    dirs[#dirs + 1] = p .. "/std"
    dirs[#dirs + 1] = p
  end
  return table.concat(dirs, ":")
end

-- MIBS and MIBDIRS: the environment, else what snmp.conf's mibs and
-- mibdirs said (M.conf, filled by the command line from snmp.conf), as
-- net-snmp's init_mib and netsnmp_get_mib_directory take them.
M.conf = {}
local function setting(name)
  local v = os.getenv(name)
  if v == nil then return M.conf[name] end
  return v
end

-- Combines a base list with a net-snmp style setting: "+x" appends, "-x"
-- prepends, anything else replaces.
local function combine(base, setting)
  if setting == nil then return base end
  local c = setting:sub(1, 1)
  if c == "+" then
    if base == "" then return setting:sub(2) end
    return base .. ":" .. setting:sub(2)
  elseif c == "-" then
    if base == "" then return setting:sub(2) end
    return setting:sub(2) .. ":" .. base
  end
  return setting
end

local function split(s)
  local t = {}
  for item in (s or ""):gmatch("[^:,]+") do t[#t + 1] = item end
  return t
end

local state = {
  ctx = nil,          -- the loaded set (moonwalk.mib userdata)
  dirs = nil,         -- search path in use
  explicit = false,   -- modules came from the caller, not the defaults
  -- how many modules are loaded, nil when not known: 0 for a list that
  -- names nothing (known without reading the path); forgotten when a
  -- module may have loaded since (a load, a MODULE::name looked up)
  loaded = nil,
  later = nil,        -- function giving the path of a set not opened yet
}

-- Errors and warnings from loading, as net-snmp prints them; callers that
-- print (the CLI) take them with M.errors().
local pending = {}

local function collect(ctx)
  local e = ctx:errors()
  if e ~= "" then pending[#pending + 1] = e end
end

-- Opens a fresh set on the given path (default: MIBDIRS / defaults).
local function open(dirs)
  local ctx = core.mib_new()
  state.loaded, state.later = nil, nil
  dirs = dirs or combine(M.default_dirs(), setting("MIBDIRS"))
  -- read when a module is first looked up: a start with numeric OIDs only
  -- reads no directory
  ctx:add_dirs(dirs, true)
  state.ctx, state.dirs = ctx, dirs
  return ctx
end

-- The compiled cache (src/mib/mibcache.h): its directory, or nil when
-- MOONWALK_MIB_CACHE=off. MOONWALK_MIB_CACHE=DIR chooses the directory,
-- else $XDG_CACHE_HOME/moonwalk or ~/.cache/moonwalk.
function M.cache_dir()
  local v = os.getenv("MOONWALK_MIB_CACHE")
  if v == "off" then return nil end
  if v and v ~= "" then return v end
  local x = os.getenv("XDG_CACHE_HOME")
  if x and x ~= "" and x:sub(1, 1) == "/" then return x .. "/moonwalk" end
  local home = os.getenv("HOME")
  if home and home ~= "" and home:sub(1, 1) == "/" then return home .. "/.cache/moonwalk" end
  return nil
end

-- Opens a set on dirs and loads what list(set) names, then adopts orphans;
-- request says what was asked for (the part of the cache key besides the
-- path). From the compiled cache when it holds this request and no file of
-- the path changed; else parsed, and written to the cache. Paths that are
-- not absolute (they depend on the working directory) are not cached.
local function build(dirs, request, list)
  local dir = M.cache_dir()
  local key, file
  if dir then
    key = "moonwalk-mib 1\n" .. dirs .. "\n" .. request
    for d in dirs:gmatch("[^:]+") do
      if d:sub(1, 1) ~= "/" then key = nil break end
    end
    if key then
      file = dir .. "/" .. core.mib_cache_name(key) .. ".mibc"  -- FNV-1a 64 of the key
      local c = core.mib_cache_load(file, key)
      if c then
        state.ctx, state.dirs, state.loaded, state.later = c, dirs, nil, nil
        return c
      end
    end
  end
  local c = open(dirs)
  local names = list(c)
  for _, name in ipairs(names) do
    if key and name:find("/", 1, true) and name:sub(1, 1) ~= "/" then key = nil end
    c:load(name)
  end
  c:adopt()
  if key then c:cache_save(file, key) end
  return c
end

-- Loads the modules MIBS names (or the defaults), quietly skipping default
-- modules that are not on the path.
-- The modules of net-snmp's default list that are on the path, as
-- "A:B:C" (this reads the path's directories).
local function present_defaults(ctx)
  local present = {}
  for _, m in ipairs(ctx:modules()) do present[m.name] = true end
  local defaults = {}
  for _, name in ipairs(M.default_modules) do
    if present[name] then defaults[#defaults + 1] = name end
  end
  return table.concat(defaults, ":")
end

-- combine(the defaults, setting), looking at the path only when the
-- setting builds on the defaults ("+X", "-X", or none).
local function with_defaults(ctx, setting)
  if setting ~= nil and not setting:match("^[+-]") then return setting end
  return combine(present_defaults(ctx), setting)
end

-- A module list that names nothing, whatever the path holds (MIBS=, -m ''):
-- the set is opened without reading the path (nor the cache); the path is
-- read only if a module is looked up later.
local function names_nothing(setting)
  return setting ~= nil and not setting:match("^[+-]") and #split(setting) == 0
end

-- A list that names nothing: the set is opened on first use (a numeric
-- one-shot command never opens one); path() gives its search path.
local function open_later(path)
  state.ctx, state.dirs, state.later, state.loaded = nil, nil, path, 0
end

-- dirs: the search path, or a function that gives it
local function load_defaults(dirs)
  local env = setting("MIBS")
  local c
  if names_nothing(env) then
    open_later(type(dirs) == "function" and dirs or function() return dirs end)
    return
  else
    if type(dirs) == "function" then dirs = dirs() end
    local request = "defaults " .. table.concat(M.default_modules, ":") .. "\n" ..
                    (env == nil and "-" or "=" .. env)
    c = build(dirs, request, function(set) return split(with_defaults(set, env)) end)
  end
  if env == nil then
    -- net-snmp prints a page of warnings for its default list; the
    -- implicit defaults stay quiet (errors of modules asked for are shown)
    c:errors()
  else
    collect(c)
  end
end

local function ctx()
  if not state.ctx and not state.later then
    local mibdirs = setting("MIBDIRS")
    load_defaults(function() return combine(M.default_dirs(), mibdirs) end)
  end
  if not state.ctx then
    local c = open(state.later())
    state.later = nil
    c:adopt()
    state.loaded = 0
  end
  return state.ctx
end

--- Starts over with a search path and module list, like the -M and -m
-- options: setup{ dirs = "+/my/mibs", modules = "ALL" }. dirs and modules
-- take net-snmp's syntax ("+" appends to the defaults); nil means the
-- environment (MIBDIRS, MIBS) or the defaults.
function M.setup(opts)
  opts = opts or {}
  state.later = nil
  local mibdirs = setting("MIBDIRS")
  local function path() return combine(combine(M.default_dirs(), mibdirs), opts.dirs) end
  if opts.modules == nil then
    load_defaults(path)
  else
    local env = setting("MIBS")
    local c
    if names_nothing(opts.modules) then
      open_later(path)
      return true
    else
      local dirs = path()
      local request = "setup " .. table.concat(M.default_modules, ":") .. "\n" ..
                      (env == nil and "-" or "=" .. env) .. "\n" .. opts.modules
      c = build(dirs, request, function(set)
        if not opts.modules:match("^[+-]") then return split(opts.modules) end
        return split(combine(with_defaults(set, env), opts.modules))
      end)
    end
    collect(c)
  end
  return true
end

--- Loads modules by name ("IF-MIB"), file path ("./MY-MIB.txt") or "ALL".
-- Returns true, or nil and the error text (file:line messages) when a
-- module was not found or had errors; the other modules still load.
function M.load(...)
  local c = ctx()
  state.loaded = nil
  local ok = true
  local before = c:error_count()
  for i = 1, select("#", ...) do
    local name = select(i, ...)
    if type(name) ~= "string" then
      error(string.format("bad argument #%d to 'load' (string expected, got %s)", i, type(name)), 2)
    end
    if not c:load(name) then ok = false end
  end
  c:adopt()
  local e = c:errors()
  if e ~= "" then pending[#pending + 1] = e end
  if not ok or c:error_count() > before then
    return nil, e ~= "" and e or "MIB load failed"
  end
  return true
end

--- Text of errors and warnings collected while loading (and clears it).
function M.errors()
  if state.ctx or not state.later then collect(ctx()) end
  local s = table.concat(pending)
  pending = {}
  return s
end

--- The search path in use.
function M.path()
  if not state.ctx and state.later then return state.later() end
  ctx()
  return state.dirs
end

--- Modules on the search path: { {name=, file=, loaded=}, ... }.
function M.modules()
  return ctx():modules()
end

--- Name (or numeric text, or OID) -> OID userdata, or nil and an error
-- ("sysUpTime.x: Unknown Object Identifier (...)").
function M.oid(name, mode)
  if core.is_oid(name) then return name end
  if type(name) == "table" then return core.oid(name) end
  if type(name) ~= "string" then
    error("bad argument #1 to 'oid' (string expected, got " .. type(name) .. ")", 2)
  end
  if name:match("^%.?%d+[%d.]*$") and not name:find("..", 1, true) and name:sub(-1) ~= "." then
    local ok, o = pcall(core.oid, name)
    if ok then return o end
  end
  -- a MODULE::name loads its module
  local c = ctx()
  state.loaded = nil
  local o, detail = c:parse_oid(name, mode)
  if not o then
    local msg = name .. ": Unknown Object Identifier"
    if detail and detail ~= "" then msg = msg .. " (" .. detail .. ")" end
    return nil, msg
  end
  return o
end

local forms = { n = "numeric", f = "full", s = "suffix", S = "module", u = "ucd" }

-- Parses net-snmp -O letters ("n", "-On", "fU", ...) into options.
function M.output_options(flags)
  local o = { form = "module", flags = "" }
  flags = flags or ""
  if type(flags) == "table" then
    -- moonwalk.fmt passes { q = true, _letters = "q" }; others pass options
    if flags._letters then
      flags = flags._letters
    else
      local letters = {}
      for k, v in pairs(flags) do
        if type(k) == "string" and #k == 1 and v == true then letters[#letters + 1] = k end
      end
      if #letters == 0 then return flags end
      table.sort(letters)
      flags = table.concat(letters)
    end
  end
  flags = flags:gsub("^%-O", ""):gsub("^%-", "")
  for c in flags:gmatch(".") do
    if forms[c] then o.form = forms[c]
    elseif c == "b" or c == "X" or c == "E" then o.flags = o.flags .. c
    elseif c == "q" then o.quick = not o.quick
    elseif c == "Q" then o.quicke = true; o.quick = not o.quick
    elseif c == "e" then o.numeric_enum = not o.numeric_enum
    elseif c == "t" then o.numeric_timeticks = not o.numeric_timeticks
    elseif c == "U" then o.no_units = not o.no_units
    elseif c == "T" then o.hex_text = not o.hex_text
    elseif c == "a" then o.string_format = "a"
    elseif c == "x" then o.string_format = "x"
    elseif c == "0" then o.two_digit_hex = not o.two_digit_hex
    elseif c == "v" then o.bare_value = not o.bare_value
    end
  end
  return o
end

local function checkoid(o, level)
  local oid, err = M.oid(o)
  if not oid then error(err, level + 1) end
  return oid
end

--- OID -> name in net-snmp's forms: flags "-On" (numeric), "-Of" (full),
-- "-Os" (short), "-OS"/default (MODULE::name), "-Ou"; plus "b" (do not
-- decode indexes), "X" (extended index), "E" (escape quotes).
function M.name(o, flags)
  local opts = M.output_options(flags)
  return ctx():format_oid(checkoid(o, 2), opts.form, opts.quick and opts.flags .. "q" or opts.flags)
end

--- Details of the node name or OID names (the deepest known node on the
-- way): { name, module, modules, oid, type, access, status, tc, hint,
-- units, enums = {[value] = label}, enum_list, ranges | sizes, index =
-- { {name=, implied=} }, augments, description, defval, objects, file,
-- line }, and the index arcs beyond the node (an OID, possibly empty).
function M.info(o)
  local oid = M.oid(o)
  if not oid then return nil, (select(2, M.oid(o))) end
  local info, len = ctx():node(oid)
  if not info then return nil, tostring(o) .. ": no MIB node" end
  return info, oid:sub(len + 1)
end

local integer_types = { INTEGER = true, Integer32 = true, Unsigned32 = true, Gauge32 = true,
                        UInteger32 = true, TimeTicks = true, Counter32 = true }

--- Decodes the index of a table instance (a column OID plus its index)
-- into its parts, by the types of the INDEX objects: { {name=, type=,
-- value=, label=}, ... } (strings as Lua strings, IpAddress and OIDs as
-- dotted text, enum labels in label), and the arcs left over (normally
-- none). nil when the object is not a table column.
function M.index(o)
  local info, rest = M.info(o)
  if not info or not info.index then return nil end
  local arcs = rest:arcs()
  local pos, out = 1, {}
  local function take(n)
    if pos + n - 1 > #arcs then return nil end
    local t = table.move(arcs, pos, pos + n - 1, 1, {})
    pos = pos + n
    return t
  end
  local function chars(t)
    for i, v in ipairs(t) do
      if v > 255 then return nil end
      t[i] = string.char(v)
    end
    return table.concat(t)
  end
  for k, ix in ipairs(info.index) do
    local it = M.info(ix.name)
    local t = it and it.type or "?"
    local part = { name = ix.name, type = t }
    local last = k == #info.index
    if integer_types[t] then
      local a = take(1)
      if not a then break end
      part.value = a[1]
      if it.enums then part.label = it.enums[a[1]] end
    elseif t == "IpAddress" then
      local a = take(4)
      if not a then break end
      part.value = table.concat(a, ".")
    elseif t == "OCTET STRING" then
      local n
      if ix.implied and last then
        n = #arcs - pos + 1
      elseif it.sizes and #it.sizes == 1 and it.sizes[1][1] == it.sizes[1][2] then
        n = it.sizes[1][1]
      else
        local a = take(1)
        if not a then break end
        n = a[1]
      end
      local a = take(n)
      if not a then break end
      part.value = chars(a)
      if not part.value then break end
    elseif t == "OBJECT IDENTIFIER" then
      local n
      if ix.implied and last then
        n = #arcs - pos + 1
      else
        local a = take(1)
        if not a then break end
        n = a[1]
      end
      local a = take(n)
      if not a then break end
      part.value = table.concat(a, ".")
    else
      local a = take(1)
      if not a then break end
      part.value = a[1]
    end
    out[#out + 1] = part
  end
  return out, core.oid(table.move(arcs, pos, #arcs, 1, {}))
end

--- snmptranslate -Td text for a name or OID.
function M.describe(o, width)
  return ctx():describe(checkoid(o, 2), width)
end

--- snmptranslate's reports: the -Tp tree under o (or under the first
-- root), nil when o has no node; the -Ta dump; the -Tl/-To/-Ts/-Tz/-Tt
-- report (letters say which parts); the -TB matches of a regular
-- expression, as OIDs.
function M.tree(o, width)
  return ctx():tree(o ~= nil and checkoid(o, 1) or nil, width)
end

function M.ascii_dump()
  return ctx():ascii_dump()
end

function M.oid_report(letters)
  return ctx():oid_report(letters)
end

function M.wild_all(pattern)
  return ctx():wild_all(pattern)
end

--- Renders a value as net-snmp prints it after "OID = ", with the MIB
-- knowledge of the object oid: enums, DISPLAY-HINTs, BITS, units. type is
-- the net-snmp type name ("INTEGER", "STRING", "OID", "IpAddress",
-- "Counter32", "Gauge32", "Timeticks", "Opaque", "Counter64", "NULL",
-- "noSuchObject", ...); flags are -O letters ("U" leaves units out).
function M.format_value(o, vtype, value, flags)
  -- net-snmp decodes its Opaque-wrapped floats and 64-bit integers before
  -- any MIB rendering; those are left to the caller (nil)
  if vtype == "Opaque" and type(value) == "string" and value:byte(1) == 0x9f then return nil end
  local opts = M.output_options(flags)
  return ctx():format_value(checkoid(o, 2), vtype, value, opts)
end

--- A full output line as snmpget prints it: "IF-MIB::ifDescr.3 = STRING: eth0".
function M.format_varbind(o, vtype, value, flags)
  local opts = M.output_options(flags)
  local c = ctx()
  local oid = checkoid(o, 2)
  local v = c:format_value(oid, vtype, value, opts)
  if opts.bare_value then return v end
  local name = c:format_oid(oid, opts.form, opts.flags)
  if opts.quick and not opts.quicke then return name .. " " .. v end
  return name .. " = " .. v
end

--- Every node: OIDs (".1.3.6...") and labels, in snmptranslate -To order.
function M.report()
  return ctx():report()
end

--- Number of modules loaded (0: no MIB knowledge; names print numeric).
function M.loaded_count()
  if not state.loaded then state.loaded = ctx():loaded_count() end
  return state.loaded
end

--- The name of column col (a number) of the table entry entry_oid, or nil.
function M.name_of_column(entry_oid, col)
  local e = M.oid(entry_oid)
  if not e then return nil end
  local info = ctx():node(e .. col)
  if info and #info.oid == #e + 1 then return info.name end
  return nil
end

--- The CLI's -m/-M handling: loads the MIBs and prints load errors on
-- stderr as net-snmp's tools do. o = { modules = "-m value", dirs = "-M value" }
function M.cli_setup(o)
  o = o or {}
  M.reset()
  M.setup { dirs = o.dirs, modules = o.modules }
  local e = M.errors()
  if e ~= "" then io.stderr:write(e) end
  return true
end

--- Drops the loaded set; the next call loads the defaults again.
function M.reset()
  if state.ctx then state.ctx:close() end
  state.ctx, state.loaded, state.later = nil, nil, nil
  pending = {}
end

-- Every API that takes an OID accepts names once this module is loaded.
core.mib_set_resolver(function(name)
  local o, err = M.oid(name)
  if o then return o end
  return nil, err
end)

return M
