-- moonwalk.agent: the embedded agent. The command responder runs in C
-- (src/app/agent.c); this file configures it and builds the Lua-defined
-- objects: scalars, tables and subtree handlers.
--
--   local mw = require "moonwalk"
--   local a = mw.agent{ listen = "udp:127.0.0.1:1161",
--                       communities = { public = "ro", private = "rw" } }
--   a:scalar{ oid = "1.3.6.1.4.1.99999.1.1", type = "INTEGER", get = function() return 42 end }
--   mw.loop()
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"
local v1trap = require "moonwalk.v1trap"

local M = {}

-- Agents that listen stay referenced until closed, so one created without
-- keeping the result is not collected while it serves.
local live = {}

local Agent = {}
Agent.__index = Agent
Agent.__name = "moonwalk.agent"
M.Agent = Agent

local TRAPS = "1.3.6.1.6.3.1.1.5"
local SYSUPTIME0 = "1.3.6.1.2.1.1.3.0"
local SNMPTRAPOID0 = "1.3.6.1.6.3.1.1.4.1.0"

local function as_list(x)
  if x == nil then return {} end
  if type(x) ~= "table" then return { x } end
  return x
end

local function typename(t, where)
  local tag = core.type_tag(t or "")
  if tag == nil then error(string.format("%s: unknown type %q", where, tostring(t)), 3) end
  return t
end

local levels = { noAuthNoPriv = 1, authNoPriv = 2, authPriv = 3, noauth = 1, auth = 2, priv = 3 }

-- Communities: "public" | {"public", ...} | {public = "ro", private = "rw"}
-- | { {name=, access=, view=}, ... }
local function add_communities(c, list, default_access)
  if type(list) == "string" then list = { list } end
  for k, v in pairs(list or {}) do
    local name, access, view
    if type(k) == "string" then
      name, access = k, v
      if type(v) == "table" then access, view = v.access, v.view end
    elseif type(v) == "string" then
      name, access = v, default_access
    else
      name, access, view = v.name or v[1], v.access or default_access, v.view
    end
    if access ~= "ro" and access ~= "rw" then
      error(string.format("community %s: access must be \"ro\" or \"rw\"", tostring(name)), 3)
    end
    c:community(name, access == "rw", view)
  end
end

local function add_users(c, list, default_access)
  if type(list) == "string" then list = { list } end
  for _, spec in ipairs(list or {}) do
    local u, err = require("moonwalk.users").parse(spec)
    if not u then error("agent: " .. err, 3) end
    local access = u.access or default_access or "ro"
    local level = u.level and (levels[u.level] or error("unknown security level " .. tostring(u.level), 3))
    c:user(u.name, u.auth or (u.auth_pass and "SHA") or "NONE", u.auth_pass,
      u.priv or (u.priv_pass and "AES") or "NONE", u.priv_pass, access == "rw", level, u.view)
  end
end

-- agent{ listen=, communities=, rwcommunities=, users=, views=, engine_id=,
--        state=, system={descr=, objectid=, contact=, name=, location=, services=},
--        notify={ {peer=, version=, community=, inform=, ...} }, cold_start=,
--        auth_traps=, max_msg_size=, budget= (Lua instructions per getter
--        or handler call before it is stopped; default 10 million),
--        max_repetitions= (GETBULK: the repetitions of one request hold at
--        most this many varbinds, as net-snmp's maxGetbulkResponses;
--        default 100, 0: no cap),
--        host_mibs= "if,host,ucd,tcp,udp,ip,icmp" | {"if", ...} | "all" | true | "none"
--        | false (the host's own MIBs, as snmpd serves them, where the build
--        has them, i.e. on Linux; default none here, "all" for the
--        `moonwalk agent` command), host_cache= seconds a host table
--        snapshot is served (default 5, as snmpd), disks= {paths} (the
--        UCD-SNMP-MIB dskTable, as snmpd.conf's "disk PATH") }
-- Objects registered from Lua over a host MIB object replace it.
function M.agent(opts)
  opts = opts or {}
  if type(opts) ~= "table" then error("agent expects a table of options", 2) end
  core.engine_init()
  local ncomm = 0
  for _ in pairs(type(opts.communities) == "string" and { 1 } or opts.communities or {}) do ncomm = ncomm + 1 end
  for _ in pairs(type(opts.rwcommunities) == "string" and { 1 } or opts.rwcommunities or {}) do ncomm = ncomm + 1 end
  local nusers = #(opts.users or {}) + #(opts.rwusers or {})
  if ncomm == 0 and nusers == 0 then
    error("agent: no community and no user configured: nobody could query it " ..
      "(give communities (-c / --rwcommunity) or users (--user / --rwuser))", 2)
  end
  local c = core.agent_new()
  local self = setmetatable({ _c = c, objects = {}, destinations = {}, addresses = {} }, Agent)
  c:on_log(function(msg) log.error("%s", msg) end)
  -- views first: communities and users name them
  for name, v in pairs(opts.views or {}) do
    for _, sub in ipairs(as_list(v.include)) do c:view(name, sub, true) end
    for _, sub in ipairs(as_list(v.exclude)) do c:view(name, sub, false) end
  end
  local sys = opts.system or {}
  for _, k in ipairs { "descr", "contact", "name", "location", "objectid", "services" } do
    local v = sys[k]
    if v == nil then v = opts["sys" .. k:sub(1, 1):upper() .. k:sub(2)] end
    if v ~= nil then c:sys(k, v) end
  end
  if opts.sysObjectID then c:sys("objectid", opts.sysObjectID) end
  if opts.auth_traps ~= nil then c:sys("auth_traps", opts.auth_traps) end
  if opts.max_msg_size then c:max_msg_size(opts.max_msg_size) end
  if opts.max_repetitions then c:max_repetitions(opts.max_repetitions) end
  if opts.budget then c:budget(opts.budget) end
  if opts.state then
    local ok, err = c:state_dir(opts.state)
    if not ok then error("agent: " .. err, 2) end
  end
  local eid
  if opts.engine_id then
    eid = core.fromhex((opts.engine_id:gsub("^0[xX]", "")))
    if not eid then error("agent: engine_id must be hex", 2) end
  end
  local ok, err = c:engine_setup(eid)
  if not ok then error("agent: " .. err, 2) end
  -- sysORTable: the MIB modules this agent implements, as net-snmp lists them
  if opts.sysor ~= false then
    c:sysor("1.3.6.1.6.3.10.3.1.1", "The SNMP Management Architecture MIB.")
    c:sysor("1.3.6.1.6.3.11.3.1.1", "The MIB for Message Processing and Dispatching.")
    c:sysor("1.3.6.1.6.3.15.2.1.1", "The management information definitions for the SNMP User-based Security Model.")
    c:sysor("1.3.6.1.6.3.1", "The MIB module for SNMPv2 entities")
  end
  local hm = opts.host_mibs
  if hm == nil or hm == true then hm = opts.host_mibs and "all" or "none" end
  if hm == false then hm = "none" end
  if type(hm) == "table" then hm = table.concat(hm, ",") end
  if type(hm) ~= "string" then error("agent: host_mibs must be a string, a list or false", 2) end
  if hm ~= "none" and hm ~= "" and not (hm == "all" and core.host_mibs_available() == "") then
    local hok, herr = c:host_mibs(hm, opts.host_cache or 5, opts.disks)
    if not hok then c:close() error("agent: " .. herr, 2) end
  end
  add_communities(c, opts.communities, "ro")
  add_communities(c, opts.rwcommunities, "rw")
  add_users(c, opts.users, "ro")
  add_users(c, opts.rwusers, "rw")
  for _, d in ipairs(opts.notify or {}) do self:add_destination(d) end
  c:on_authfail(function() self:notify(TRAPS .. ".5", {}) end)
  local listen = as_list(opts.listen or "udp:0.0.0.0:161")
  for _, spec in ipairs(listen) do
    local bound, lerr = c:listen(spec)
    if not bound then
      -- an address that cannot be bound is an expected failure, as in mw.trapd
      for _, d in ipairs(self.destinations) do if d.session then d.session:close() end end
      c:close()
      return nil, lerr
    end
    self.addresses[#self.addresses + 1] = bound
  end
  sched.hold()
  self._held = true
  live[self] = true
  if opts.cold_start then self:notify(TRAPS .. ".1", {}) end
  return self
end

function Agent:close()
  if self._closed then return end
  self._closed = true
  live[self] = nil
  if self._held then sched.release() self._held = false end
  for _, d in ipairs(self.destinations) do if d.session then d.session:close() end end
  self._c:close()
end

-- local a <close> = mw.agent{...}: closed (its sockets too) when the block ends
Agent.__close = function(self) self:close() end

function Agent:stats() return self._c:stats() end
function Agent:uptime() return self._c:uptime() end
function Agent:process(bytes) return self._c:process(bytes) end

-- engine ID (hex), boots, time
function Agent:engine()
  local eid, boots, time = self._c:engine()
  return core.tohex(eid), boots, time
end

-- The agent's engine as an object (e:id(), e:boots(), e:time()): give it
-- as local_engine to mw.trap to send from the agent's engine.
function Agent:local_engine()
  return self._c:local_engine()
end

-- Adds a sysORTable row.
function Agent:sysor(oid, descr) self._c:sysor(oid, descr) end

-- Removes an object registered at oid.
function Agent:unregister(oid)
  self.objects[tostring(core.oid(oid))] = nil
  return self._c:unregister(oid)
end

local function access_rw(spec)
  local a = spec.access
  if a == nil then return spec.set ~= nil end
  if a ~= "ro" and a ~= "rw" and a ~= "read-only" and a ~= "read-write" then
    error("access must be \"ro\" or \"rw\"", 3)
  end
  return a == "rw" or a == "read-write"
end

-- scalar{ oid=, type=, value= | get=, set=, check=, access= }
-- The instance is oid.0. With value, the agent keeps the value (and a SET
-- by a rw user replaces it, calling set as a notification); with get,
-- every request calls it. check(value) returns true, or false / an error
-- name such as "wrongValue" / "inconsistentValue".
function Agent:scalar(spec)
  if type(spec) ~= "table" or spec.oid == nil then error("scalar expects {oid=, type=, ...}", 2) end
  local t = spec.type
  local value = spec.value
  if t == nil and type(value) == "table" and value.type then t = value.type end
  typename(t, "scalar " .. tostring(spec.oid))
  if type(value) == "table" and value.type then value = value.value end
  if value == nil and spec.get == nil then error("scalar " .. tostring(spec.oid) .. ": needs value or get", 2) end
  local rw = access_rw(spec)
  self._c:scalar(spec.oid, t, rw, value, spec.get, spec.set, spec.check)
  local c = self._c
  local oid = core.oid(spec.oid)
  local h = { oid = oid }
  function h.set(_, v)
    if type(v) == "table" and v.type then v = v.value end
    c:scalar_value(oid, v)
  end
  self.objects[tostring(oid)] = h
  return h
end

-- --- tables ----------------------------------------------------------------

local function arcs_cmp(a, b, from)
  -- compares a[from..] with b[1..]
  local n = #a - from + 1
  for i = 1, math.min(n, #b) do
    local x, y = a[from + i - 1], b[i]
    if x ~= y then return x < y and -1 or 1 end
  end
  if n == #b then return 0 end
  return n < #b and -1 or 1
end

local function list_cmp(a, b)
  for i = 1, math.min(#a, #b) do
    if a[i] ~= b[i] then return a[i] < b[i] end
  end
  return #a < #b
end

-- index parts: "integer" | "string" | "oid" | "ipaddress", optionally
-- "implied string" / {type="string", implied=true} / {type="string", length=6}
local kinds = { integer = "integer", int = "integer", INTEGER = "integer", Integer32 = "integer",
  Unsigned32 = "integer", Gauge32 = "integer",
  string = "string", STRING = "string", OctetString = "string",
  oid = "oid", OID = "oid", ["OBJECT IDENTIFIER"] = "oid",
  ipaddress = "ipaddress", IpAddress = "ipaddress", ip = "ipaddress" }

local function parse_index(spec)
  local parts = {}
  for i, p in ipairs(as_list(spec or "integer")) do
    local part = {}
    if type(p) == "string" then
      local implied, rest = p:match("^(implied%s+)(.+)$")
      part.kind = kinds[rest or p]
      part.implied = implied ~= nil
    else
      part.kind = kinds[p.type or p[1]]
      part.implied = p.implied and true or false
      part.length = p.length
    end
    if not part.kind then error("table: unknown index type " .. tostring(type(p) == "table" and p.type or p), 3) end
    if part.implied and (i ~= #as_list(spec) or (part.kind ~= "string" and part.kind ~= "oid")) then
      error("table: only the last index, a string or OID, can be IMPLIED", 3)
    end
    parts[i] = part
  end
  return parts
end

-- index value(s) -> arcs, or nil, err
local function encode_index(parts, idx)
  local vals = (#parts == 1) and { idx } or idx
  if type(vals) ~= "table" then return nil, "multi-part index must be a list" end
  local arcs = {}
  for i, p in ipairs(parts) do
    local v = vals[i]
    if p.kind == "integer" then
      if math.type(v) ~= "integer" or v < 0 or v > 0xFFFFFFFF then return nil, "bad integer index " .. tostring(v) end
      arcs[#arcs + 1] = v
    elseif p.kind == "string" then
      if type(v) ~= "string" then return nil, "bad string index " .. tostring(v) end
      if p.length then
        if #v ~= p.length then return nil, "string index of the wrong length" end
      elseif not p.implied then
        arcs[#arcs + 1] = #v
      end
      for k = 1, #v do arcs[#arcs + 1] = v:byte(k) end
    elseif p.kind == "oid" then
      local ok, o = pcall(core.oid, v)
      if not ok then return nil, "bad OID index " .. tostring(v) end
      local a = o:arcs()
      if not p.implied then arcs[#arcs + 1] = #a end
      for k = 1, #a do arcs[#arcs + 1] = a[k] end
    else
      local a, b, c, d = tostring(v):match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
      if not a then return nil, "bad IpAddress index " .. tostring(v) end
      for _, x in ipairs { a, b, c, d } do
        x = tonumber(x)
        if x > 255 then return nil, "bad IpAddress index " .. tostring(v) end
        arcs[#arcs + 1] = x
      end
    end
  end
  if #arcs > 126 then return nil, "index too long" end
  return arcs
end

-- arcs (from position `from`) -> index value(s), or nil when they do not
-- form a valid index
local function decode_index(parts, arcs, from)
  local vals, i = {}, from
  local n = #arcs
  for k, p in ipairs(parts) do
    if p.kind == "integer" then
      if i > n then return nil end
      vals[k] = arcs[i]
      i = i + 1
    elseif p.kind == "string" then
      local len
      if p.length then len = p.length
      elseif p.implied then len = n - i + 1
      else
        if i > n then return nil end
        len = arcs[i]
        i = i + 1
      end
      if len > n - i + 1 then return nil end
      local bytes = {}
      for j = 0, len - 1 do
        local b = arcs[i + j]
        if b > 255 then return nil end
        bytes[#bytes + 1] = string.char(b)
      end
      vals[k] = table.concat(bytes)
      i = i + len
    elseif p.kind == "oid" then
      local len
      if p.implied then len = n - i + 1
      else
        if i > n then return nil end
        len = arcs[i]
        i = i + 1
      end
      if len > n - i + 1 then return nil end
      vals[k] = core.oid(table.move(arcs, i, i + len - 1, 1, {}))
      i = i + len
    else
      if i + 3 > n then return nil end
      for j = 0, 3 do if arcs[i + j] > 255 then return nil end end
      vals[k] = string.format("%d.%d.%d.%d", arcs[i], arcs[i + 1], arcs[i + 2], arcs[i + 3])
      i = i + 4
    end
  end
  if i ~= n + 1 then return nil end
  if #parts == 1 then return vals[1] end
  return vals
end

M.encode_index = function(spec, idx) return encode_index(parse_index(spec), idx) end
M.decode_index = function(spec, arcs) return decode_index(parse_index(spec), arcs, 1) end

local function arcs_key(arcs, from)
  return string.pack(string.rep(">I4", #arcs - from + 1), table.unpack(arcs, from))
end

-- table{ oid = entry OID (xxxEntry), index = {...}, columns = { [n] = "TYPE" |
--        {type=, name=, get=function(row, index), access=, set=, check=} },
--        rows = table | function() -> iterator, cache = seconds }
-- Rows: rows[k] = { [column number or name] = value, index = ... }; the
-- index is row.index, else the key k. An iterator yields (index, row) or
-- (row) with row.index. A nil cell is a hole (sparse tables).
function Agent:table(spec)
  if type(spec) ~= "table" or spec.oid == nil then error("table expects {oid=, index=, columns=, rows=}", 2) end
  local entry = core.oid(spec.oid)
  local parts = parse_index(spec.index)
  if spec.rows == nil then -- rows kept in index order in C (agent_rowtable.lua)
    return require("moonwalk.agent_rowtable").new(self, spec, entry, parts, typename, access_rw)
  end
  local cols, colnums = {}, {}
  for n, cdef in pairs(spec.columns or {}) do
    if math.type(n) ~= "integer" or n < 0 then error("table: columns are keyed by column number", 2) end
    if type(cdef) == "string" then cdef = { type = cdef } end
    typename(cdef.type, "table column " .. n)
    local rw = access_rw(cdef)
    cols[n] = { type = cdef.type, name = cdef.name, get = cdef.get, set = cdef.set, check = cdef.check, rw = rw }
    colnums[#colnums + 1] = n
  end
  table.sort(colnums)
  if #colnums == 0 then error("table: no columns", 2) end
  local rows = spec.rows
  if type(rows) ~= "table" and type(rows) ~= "function" then error("table: rows must be a table or an iterator function", 2) end
  local ttl = spec.cache or 0
  local snap, snap_serial, snap_time
  local bad_logged = false

  -- A snapshot is the rows sorted by index. It is rebuilt once per request
  -- (every GETBULK repetition shares it), and only when the rows changed:
  -- for a plain Lua table, the (key, row, row.index) sequence that pairs()
  -- gives is compared with the last one, which costs no allocation.
  local seen = {}

  local function unchanged()
    if type(rows) ~= "table" or not snap then return false end
    local i = 0
    for k, row in pairs(rows) do
      i = i + 3
      if seen[i - 2] ~= k or seen[i - 1] ~= row or seen[i] ~= (type(row) == "table" and row.index or nil) then
        return false
      end
    end
    return i == seen.n
  end

  local function build()
    local list, map = {}, {}
    local function add(idx, row)
      if type(row) ~= "table" then return end
      if row.index ~= nil then idx = row.index end
      local arcs, err = encode_index(parts, idx)
      if not arcs then
        if not bad_logged then
          bad_logged = true
          log.error("agent: table %s: row skipped: %s (logged once)", tostring(entry), err)
        end
        return
      end
      local e = { arcs = arcs, row = row, index = idx }
      list[#list + 1] = e
      map[arcs_key(arcs, 1)] = e
    end
    if type(rows) == "function" then
      for a, b in rows() do
        if b == nil then add(nil, a) else add(a, b) end
      end
    else
      local i = 0
      seen = {}
      for k, row in pairs(rows) do
        add(k, row)
        seen[i + 1], seen[i + 2], seen[i + 3] = k, row, type(row) == "table" and row.index or nil
        i = i + 3
      end
      seen.n = i
    end
    table.sort(list, function(x, y) return list_cmp(x.arcs, y.arcs) end)
    return { list = list, map = map }
  end

  local function snapshot(serial)
    if snap and (serial == snap_serial or (ttl > 0 and core.now() - snap_time < ttl)) then return snap end
    if not unchanged() then snap = build() end
    snap_serial, snap_time = serial, core.now()
    return snap
  end

  local function cell(e, n)
    local c = cols[n]
    if c.get then return c.get(e.row, e.index) end
    local v = e.row[n]
    if v == nil and c.name then v = e.row[c.name] end
    return v
  end

  -- first entry position with arcs > key (key = suffix arcs after the column)
  local function upper(list, suffix)
    local lo, hi = 1, #list + 1
    while lo < hi do
      local mid = (lo + hi) // 2
      if arcs_cmp(suffix, list[mid].arcs, 2) >= 0 then lo = mid + 1 else hi = mid end
    end
    return lo
  end

  local undo = {}
  local h = {}

  function h.get(_, suffix, serial)
    local a = suffix:arcs()
    local c = cols[a[1]]
    if not c or #a < 2 then return nil end
    local e = snapshot(serial).map[arcs_key(a, 2)]
    if not e then return nil end
    local v = cell(e, a[1])
    if v == nil then return nil end
    return c.type, v
  end

  function h.next(_, suffix, serial)
    local s = snapshot(serial)
    local list = s.list
    local a = suffix and suffix:arcs() or nil
    for _, n in ipairs(colnums) do
      local start
      if a == nil or n > a[1] then start = 1
      elseif n == a[1] then start = #a >= 2 and upper(list, a) or 1
      end
      if start then
        for i = start, #list do
          local e = list[i]
          local v = cell(e, n)
          if v ~= nil then
            local out = { n }
            table.move(e.arcs, 1, #e.arcs, 2, out)
            return out, cols[n].type, v
          end
        end
      end
    end
    return nil
  end

  local function locate(suffix)
    local a = suffix:arcs()
    local c = cols[a[1]]
    if not c then return nil, "notWritable" end
    local e = (#a >= 2) and snapshot(-1).map[arcs_key(a, 2)] or nil
    if not e then
      local idx = #a >= 2 and decode_index(parts, a, 2) or nil
      if idx == nil then return nil, "noCreation" end
      return nil, c.rw and "noCreation" or "notWritable"
    end
    return c, e, a[1]
  end

  function h.check(_, suffix, tname, value)
    local c, e = locate(suffix)
    if not c then return e end
    if not c.rw then return "notWritable" end
    if tname ~= c.type and core.type_tag(tname) ~= core.type_tag(c.type) then return "wrongType" end
    if c.check then return c.check(value, e.row, e.index) end
    return true
  end

  function h.commit(_, suffix, _, value)
    local c, e, n = locate(suffix)
    if not c then return "commitFailed" end
    local key = tostring(suffix)
    local old = cell(e, n)
    undo[key] = { e = e, n = n, old = old }
    if c.set then
      local ok, err = c.set(e.row, value, e.index)
      if ok == false or (ok == nil and err ~= nil) then return "commitFailed" end
    else
      e.row[(e.row[n] == nil and c.name) or n] = value
    end
    return true
  end

  function h.undo(_, suffix)
    local u = undo[tostring(suffix)]
    if not u then return "undoFailed" end
    local c = cols[u.n]
    if c.set then
      local ok, err = c.set(u.e.row, u.old, u.e.index)
      if ok == false or (ok == nil and err ~= nil) then return "undoFailed" end
    else
      u.e.row[(u.e.row[u.n] == nil and c.name) or u.n] = u.old
    end
    return true
  end

  function h.finish(_, suffix)
    undo[tostring(suffix)] = nil
  end

  self._c:handler(entry, h)
  local handle = { oid = entry, invalidate = function() snap = nil end }
  self.objects[tostring(entry)] = handle
  return handle
end

-- --- subtree handlers ---------------------------------------------------------

local function split_typed(a, b)
  if type(a) == "table" and a.type ~= nil and not core.is_oid(a) then return a.type, a.value end
  if type(a) == "string" and b ~= nil and core.type_tag(a) then return a, b end
  return nil, a
end

-- subtree{ oid=, get=function(suffix) -> typed value | nil,
--          next=function(suffix | nil) -> suffix, typed value | nil,
--          check=function(suffix, value, type) -> true | false | "errorName",
--          set=function(suffix, value, type) -> true | false,
--          undo=function(suffix, value, type) }
-- suffix is the OID below oid; values are typed (mw.Integer32(5) ...).
function Agent:subtree(spec)
  if type(spec) ~= "table" or spec.oid == nil then error("subtree expects {oid=, get=, next=}", 2) end
  if type(spec.get) ~= "function" or type(spec.next) ~= "function" then
    error("subtree: get and next functions are required", 2)
  end
  local root = core.oid(spec.oid)
  local h = {}
  local where = "subtree " .. tostring(root)
  function h.get(_, suffix)
    local t, v = split_typed(spec.get(suffix))
    if v == nil then return nil end
    if t == nil then error(where .. ": get must return a typed value (mw.Integer32(...), ...)") end
    return t, v
  end
  function h.next(_, suffix)
    local s, a, b = spec.next(suffix)
    if s == nil then return nil end
    local t, v = split_typed(a, b)
    if t == nil then error(where .. ": next must return the suffix and a typed value") end
    return s, t, v
  end
  if spec.set then
    local pending = {}
    function h.check(_, suffix, tname, value)
      if spec.check then return spec.check(suffix, value, tname) end
      return true
    end
    function h.commit(_, suffix, tname, value)
      local key = tostring(suffix)
      local ok, old = pcall(spec.get, suffix)
      pending[key] = ok and { old } or nil
      return spec.set(suffix, value, tname)
    end
    function h.undo(_, suffix, tname)
      local p = pending[tostring(suffix)]
      if spec.undo then return spec.undo(suffix, p and p[1], tname) end
      if not p or p[1] == nil then return false end
      local t, v = split_typed(p[1])
      return spec.set(suffix, v, t or tname)
    end
    function h.finish(_, suffix) pending[tostring(suffix)] = nil end
  end
  self._c:handler(root, h)
  local handle = { oid = root }
  self.objects[tostring(root)] = handle
  return handle
end

-- --- notifications ---------------------------------------------------------------

-- add_destination{ peer=, version="2c"|"1"|"3", community=, inform=bool,
--                  user=, auth=, ..., timeout=, retries= }
function Agent:add_destination(d)
  if type(d) == "string" then d = { peer = d } end
  if type(d) ~= "table" or not d.peer then error("notification destination needs peer=", 2) end
  local dest = {}
  for k, v in pairs(d) do dest[k] = v end
  dest.version = tostring(dest.version or "2c")
  self.destinations[#self.destinations + 1] = dest
  return dest
end

-- notify(trap_oid, varbinds): sends an SNMPv2 notification (or a v1 trap)
-- to every destination; informs wait for their acknowledgement in tasks.
-- Returns the list of tasks (one per destination).
function Agent:notify(trap_oid, varbinds)
  local trapoid = core.oid(trap_oid)
  local uptime = self._c:uptime()
  local tasks = {}
  for _, d in ipairs(self.destinations) do
    if not d.session then
      local mw = require "moonwalk"
      local so = {}
      for k, v in pairs(d) do if k ~= "inform" and k ~= "session" then so[k] = v end end
      so.community = so.community or "public"
      -- v3 traps go out from the agent's own engine (its engine ID, boots
      -- and time), unless the destination names another engine ID
      so.local_engine = self._c:local_engine()
      d.session = mw.session(so)
    end
    local list, v1, v1err = {}, nil, nil
    if d.version == "1" then
      v1, v1err = v1trap.from_v2(trapoid, varbinds, { uptime = uptime })
    else
      list[1] = { oid = SYSUPTIME0, type = "Timeticks", value = uptime }
      list[2] = { oid = SNMPTRAPOID0, type = "OID", value = trapoid }
    end
    for _, vb in ipairs(varbinds or {}) do
      if vb.oid or type(vb[2]) == "table" or vb.type then list[#list + 1] = vb
      else list[#list + 1] = { oid = vb[1], type = vb[2], value = vb[3] } end
    end
    local c = self._c
    tasks[#tasks + 1] = sched.spawn(function()
      local ok, err
      if d.inform and d.version ~= "1" then
        ok, err = d.session:inform(list)
      elseif d.version == "1" then
        if v1 then ok, err = d.session:trap(list, v1) else ok, err = nil, v1err end
      else
        ok, err = d.session:trap(list)
      end
      if ok then c:count_trap() else log.warn("agent: notification to %s failed: %s", d.peer, tostring(err)) end
      return ok and true or nil, err
    end)
  end
  return tasks
end

M.agent_class = Agent
return M
