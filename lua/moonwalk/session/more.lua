-- The Session methods a plain get does not need: set (with net-snmp's
-- type letters), inform, trap, walk, bulkwalk, walk_all and table.
-- moonwalk.session loads this module the first time one of them is
-- called.
local core = require "moonwalk.core"
local log = require "moonwalk.log"
local M = require "moonwalk.session"

local Session = M.Session
local letters = M.letters
local failure, request, limited = M._internal.failure, M._internal.request, M._internal.limited

-- Opaque-wrapped values as net-snmp encodes them (ASN_OPAQUE_U64/I64/
-- FLOAT/DOUBLE: tag 0x9f 0x7b/0x7a/0x78/0x79, then length and value).
local function opaque_special(letter, v)
  if letter == "F" then
    local f = tonumber(v) or error("bad float value " .. tostring(v), 0)
    return "\159\120\4" .. string.pack(">f", f)
  elseif letter == "D" then
    local f = tonumber(v) or error("bad double value " .. tostring(v), 0)
    return "\159\121\8" .. string.pack(">d", f)
  end
  local n = math.tointeger(tonumber(v))
  if letter == "U" and type(v) == "string" and v:match("^%d+$") then
    n = 0
    for d in v:gmatch("%d") do n = n * 10 + tonumber(d) end
  end
  if not n then error("bad integer value " .. tostring(v), 0) end
  -- minimal big-endian two's complement (I) or unsigned (U) content
  local bytes = string.pack(">i8", n)
  if letter == "I" then
    while #bytes > 1 and ((bytes:byte(1) == 0 and bytes:byte(2) < 128) or (bytes:byte(1) == 255 and bytes:byte(2) >= 128)) do
      bytes = bytes:sub(2)
    end
  else
    while #bytes > 1 and bytes:byte(1) == 0 do bytes = bytes:sub(2) end
    if bytes:byte(1) >= 128 then bytes = "\0" .. bytes end
  end
  return (letter == "I" and "\159\122" or "\159\123") .. string.char(#bytes) .. bytes
end

-- BITS from net-snmp's "b" syntax: bit numbers separated by spaces or commas;
-- the octets are an OCTET STRING, so bit numbers stop at 65535 * 8 - 1
local function bits_value(v)
  local octets = {}
  local max = -1
  for n in tostring(v):gmatch("[^%s,]+") do
    local b = math.tointeger(tonumber(n))
    if not b or b < 0 or b >= 65535 * 8 then error("bad BITS value " .. tostring(v), 0) end
    local i = b // 8 + 1
    octets[i] = (octets[i] or 0) | (0x80 >> (b % 8))
    if i - 1 > max then max = i - 1 end
  end
  local out = {}
  for i = 1, max + 1 do out[i] = string.char(octets[i] or 0) end
  return table.concat(out)
end

local function normalize_vb(vb, i)
  if type(vb) ~= "table" then error(string.format("varbind %d: table expected", i), 4) end
  local oid = vb.oid or vb[1]
  local t, v = vb.type, vb.value
  if t == nil then
    local second = vb[2]
    if type(second) == "table" and getmetatable(second) and second.type then
      t, v = second.type, second.value
    else
      t, v = vb[2], vb[3]
    end
  end
  if type(t) == "string" and #t == 1 then
    local full = letters[t]
    if not full then error(string.format("varbind %d: unknown type letter '%s'", i, t), 4) end
    if t == "x" and type(v) == "string" then
      local bin, err = core.fromhex(v)
      if not bin then error(string.format("varbind %d: %s", i, err), 4) end
      v = bin
    elseif t == "d" and type(v) == "string" then
      local bytes = {}
      for n in v:gmatch("[^%s.:]+") do
        local b = tonumber(n)
        if not b or b < 0 or b > 255 then error(string.format("varbind %d: bad decimal string", i), 4) end
        bytes[#bytes + 1] = string.char(b)
      end
      v = table.concat(bytes)
    elseif (t == "i" or t == "u" or t == "t" or t == "c") and type(v) == "string" then
      v = math.tointeger(tonumber(v)) or error(string.format("varbind %d: bad integer value %q", i, v), 4)
    elseif t == "U" or t == "I" or t == "F" or t == "D" then
      local ok, r = pcall(opaque_special, t, v)
      if not ok then error(string.format("varbind %d: %s", i, r), 4) end
      v = r
    elseif t == "b" then
      local ok, r = pcall(bits_value, v)
      if not ok then error(string.format("varbind %d: %s", i, r), 4) end
      v = r
    end
    t = full
  end
  if core.type_tag(t or "") == nil then
    error(string.format("varbind %d: unknown type %q", i, tostring(t)), 4)
  end
  return { oid = oid, type = t, value = v }
end

-- set{ {oid, type, value}, {oid=, type=, value=}, {oid, mw.OctetString("x")} }
function Session:set(vbs, opts)
  if type(vbs) ~= "table" then error("set expects a list of varbinds", 2) end
  if vbs.oid or (vbs[1] ~= nil and type(vbs[1]) ~= "table") then vbs = { vbs } end
  local list = {}
  for i, vb in ipairs(vbs) do list[i] = normalize_vb(vb, i) end
  return request(self, "set", list, opts)
end

-- inform{ varbinds } waits for the acknowledgement (retries as any
-- request); trap{ varbinds } [, v1 fields] sends once. Varbinds take the
-- same forms as set; for v2c/v3 the first two should be sysUpTime.0 and
-- snmpTrapOID.0 (moonwalk.notify builds them).
function Session:inform(vbs)
  local list = {}
  for i, vb in ipairs(vbs) do list[i] = normalize_vb(vb, i) end
  return request(self, "inform", list)
end

function Session:trap(vbs, v1)
  if not self._resolved then
    local ok, err = self:resolve()
    if not ok then return nil, err end
  end
  if self._refused then return failure(self, "usm", self._refused) end
  local list = {}
  for i, vb in ipairs(vbs) do list[i] = normalize_vb(vb, i) end
  local ok, err = self._c:trap(list, v1)
  if not ok then return nil, M.error("send", err) end
  return true
end

-- Walk iterator: for vb in s:walk(oid) do ... end. Called directly
-- (local it = s:walk(oid); local vb, err = it()), it gives each varbind,
-- then nil at the end, or nil, err when the walk fails, as everything else
-- does. A generic for stops at that nil and would drop err with it, so in
-- a for (which calls it with the walk's state) the failure is raised
-- instead, as io.lines raises: no walk ends short in silence. Misuse (a
-- bad OID) raises, as for get. opts: max_repetitions (GETBULK when > 0),
-- non_increasing = "error" | "allow", exceptions = true to keep
-- endOfMibView/noSuch* varbinds, format = "-O letters" to get chunks of
-- net-snmp's output lines (each with its line count as the second value)
-- instead of varbind tables (no MIB rendering), budget = n to stop after n
-- varbinds (an error of kind "budget" when the walk would have gone on).
-- The walk rules themselves are C (src/app/manager.c).
function Session:_walk(root, mr, opts)
  opts = opts or {}
  local rootoid = core.oid(root or "1.3.6.1.2.1")
  local allow = (opts.non_increasing or self.non_increasing) == "allow"
  local keep_exceptions = opts.exceptions
  local cur = rootoid
  local buf, i, n = {}, 0, 0
  local state = nil -- nil | "end" | "failed"
  local pending_err
  local seen = allow and {} or nil
  local adaptive = opts.adaptive ~= false
  local c = self._c
  local format = not allow and opts.format or nil
  -- budget = n: at most n varbinds (chunk lines with format), then the
  -- walk fails with an error of kind "budget" if it would have gone on
  local budget = opts.budget
  if budget ~= nil and (math.type(budget) ~= "integer" or budget < 1) then
    error("budget must be an integer >= 1 (varbinds)", 3)
  end
  local delivered = 0
  -- end_oid = OID: the walk ends before it (snmpwalk -CE) instead of at
  -- the end of root's subtree
  local end_oid = opts.end_oid ~= nil and core.oid(opts.end_oid) or nil

  local function next_from_buffer()
    while i < n do
      i = i + 1
      local vb = buf[i]
      if format then
        if buf.n > 0 then return vb, buf.n end
        goto skip
      end
      local t = vb.type
      if keep_exceptions or (t ~= "endOfMibView" and t ~= "noSuchObject" and t ~= "noSuchInstance") then
        if seen then
          if seen[vb.oid] then
            state = "failed"
            buf, i, n = {}, 0, 0
            return nil, M.error("loop", "OID loop detected: " .. vb.oid .. " was already returned")
          end
          seen[vb.oid] = true
        end
        return vb
      end
      ::skip::
    end
    return nil
  end

  local function more()
    while true do
      local vb, e = next_from_buffer()
      if vb ~= nil or e ~= nil then return vb, e end
      if pending_err then
        e, pending_err = pending_err, nil
        state = "failed"
        return nil, e
      end
      if state then return nil end
      if not self._resolved then
        local ok, err = self:resolve()
        if not ok then state = "failed"; return nil, err end
      end
      if self._refused then
        state = "failed"
        return nil, select(2, failure(self, "usm", self._refused))
      end
      local vbs, kind, a, b, idx, evbs
      if self._limit then
        vbs, kind, a, b, idx, evbs = limited(self._limit, c.walk_step, c, rootoid, cur, mr, allow, format,
          not keep_exceptions, budget and budget - delivered, end_oid)
      else
        vbs, kind, a, b, idx, evbs = c:walk_step(rootoid, cur, mr, allow, format, not keep_exceptions,
          budget and budget - delivered, end_oid)
      end
      if not vbs then
        if adaptive and mr > 1 and (a == "tooBig" or kind == "timeout") then
          local nmr = mr // 2
          log.debug("bulkwalk %s: %s with max-repetitions %d, retrying with %d",
            self.peer, kind == "timeout" and "timeout" or "tooBig", mr, nmr)
          mr = nmr
        else
          state = "failed"
          local _, err = failure(self, kind, a, b, idx, evbs)
          return nil, err
        end
      else
        buf, i, n = vbs, 0, #vbs
        delivered = delivered + (format and vbs.n or n)
        if format then
          if vbs.last then cur = vbs.last end
        elseif #vbs > 0 then
          cur = vbs[#vbs].oid
        end
        if kind == "end" then
          state = "end"
        elseif kind == "endofmib" then
          -- v1: noSuchName past the last object
          state = "end"
          opts.end_of_mib = true
        elseif kind == "budget" then
          pending_err = M.error("budget", string.format("walk stopped after %d varbinds (budget)", budget),
            { budget = budget })
        elseif kind == "notincreasing" then
          pending_err = M.error("notincreasing", string.format("OID not increasing: %s >= %s", a, b),
            { oid = b, previous = a })
        end
      end
    end
  end

  -- The walk: the generic for's state and its closing value. Leaving the
  -- loop early (break, return, an error) drops what the walk holds; the
  -- iterator then ends.
  local walk = setmetatable({}, { __name = "moonwalk.walk", __close = function()
    state = state or "closed"
    buf, i, n, seen, pending_err = {}, 0, 0, nil, nil
  end })
  -- the end of the buffer: more varbinds, the end, or a failure (raised
  -- when a for asks, which passes the walk as its state)
  local function next_or_fail(st)
    local vb, e = more()
    if vb == nil and e ~= nil and st == walk then error(e, 0) end
    return vb, e
  end
  if format or seen then return next_or_fail, walk, nil, walk end
  -- the common case, one varbind after another from the buffer (the
  -- engine has left the exceptions out unless they are wanted)
  return function(st)
    local k = i + 1
    if k <= n then
      i = k
      return buf[k]
    end
    return next_or_fail(st)
  end, walk, nil, walk
end

function Session:walk(root, opts)
  return self:_walk(root, 0, opts)
end

function Session:bulkwalk(root, opts)
  opts = opts or {}
  return self:_walk(root, opts.max_repetitions or self.max_repetitions, opts)
end

-- Collects a whole walk: list of varbinds, or nil, err (with err.varbinds
-- holding what came before the failure).
function Session:walk_all(root, opts)
  local out = {}
  local it = (self.version ~= 0 and (opts == nil or opts.bulk ~= false)) and self:bulkwalk(root, opts) or self:walk(root, opts)
  while true do
    local vb, err = it()
    if vb == nil then
      if err == nil then return out end
      err.varbinds = out
      return nil, err
    end
    out[#out + 1] = vb
  end
end

-- table(oid | {column oids}) -> rows, indexes
-- rows[index] = { [column] = value, ... }, index as dotted text; columns
-- are numbers (the column arc) unless MIB names are known. Missing cells
-- stay nil, so sparse tables work. indexes lists the rows in walk order.
function Session:table(what, opts)
  opts = opts or {}
  -- rows are keyed by column number whatever MIBs are loaded; a column's
  -- name (row.ifDescr) is looked up on first use and answers too
  local rows, order = {}, {}
  local entries = {}          -- row -> entry OID, for names
  local by_name = {}          -- "entry OID|name" -> column number or false
  local Row = {}
  function Row.__index(row, k)
    if type(k) ~= "string" then return nil end
    local entry = entries[row]
    local key = tostring(entry) .. "|" .. k
    local col = by_name[key]
    if col == nil then
      col = false
      local ok, o = pcall(core.oid, k)
      if ok and o and #o == #entry + 1 and o:sub(1, #entry) == entry then col = o[#o] end
      by_name[key] = col
    end
    return col and rawget(row, col) or nil
  end
  local function add(col, index, vb, entry)
    local r = rows[index]
    if not r then
      r = setmetatable({}, Row)
      entries[r] = entry
      rows[index] = r
      order[#order + 1] = index
    end
    r[col] = vb.value
  end
  if type(what) == "table" and not core.is_oid(what) then
    -- explicit columns: walk each one
    for _, col in ipairs(what) do
      local coid = core.oid(col)
      local n = #coid
      local entry = coid:sub(1, n - 1)
      local vbs, err = self:walk_all(coid, opts)
      if not vbs then return nil, err end
      for _, vb in ipairs(vbs) do
        local o = core.oid(vb.oid)
        add(coid[n], tostring(o:sub(n + 1)), vb, entry)
      end
    end
    return rows, order
  end
  local t = core.oid(what)
  local n = #t
  local vbs, err = self:walk_all(t, opts)
  if not vbs then return nil, err end
  -- given the table, every name is table.1.col.index; given the entry,
  -- names are entry.col.index
  local is_table = not opts.entry
  if is_table then
    for _, vb in ipairs(vbs) do
      local o = core.oid(vb.oid)
      if o[n + 1] ~= 1 or #o < n + 3 then is_table = false break end
    end
  end
  local entry = is_table and (t .. 1) or t
  local ne = #entry
  for _, vb in ipairs(vbs) do
    local o = core.oid(vb.oid)
    add(o[ne + 1], tostring(o:sub(ne + 2)), vb, entry)
  end
  return rows, order
end

return true
