-- moonwalk.agent_rowtable: Agent:table{oid=, index=, columns=} without
-- rows=. The rows are kept in index order in C (src/app/rowtab.c,
-- src/lua/l_rowtab.c): GET, GETNEXT and every GETBULK repetition are a
-- lookup, O(log n), and no request walks the rows. The object returned:
--
--   tbl:set(index, row)    adds or replaces a row (row: a table of cells
--                          by column number or column name)
--   tbl:remove(index)      removes it; returns the row or nil
--   tbl:get(index)         the row or nil
--   tbl:replace(rows)      the whole set at once (rows[k] = row, index
--                          row.index or k); a request sees the old set or
--                          the new one, never a mix
--   #tbl, for index, row in tbl:pairs() (or pairs(tbl)) in index order
--   tbl:stats()            { rows=, bytes= } (the C structure)
--   tbl.oid                the entry OID
--
-- Writable columns as in the rows= form (access=, set=, check=); a column
-- {type = "RowStatus"} (or rowstatus = true) lets a manager create rows
-- (createAndGo, createAndWait) and destroy them (destroy) with a SET,
-- together with the other columns of the row in the same request; the
-- whole SET takes effect or none of it. on_create(index, row) and
-- on_destroy(index, row), when given, are called once such a SET succeeded.
local core = require "moonwalk.core"

local M = {}

local ACTIVE, NOTINSERVICE, CREATEANDGO, CREATEANDWAIT, DESTROY = 1, 2, 4, 5, 6

function M.new(agent, spec, entry, parts, typename, access_rw)
  local cols, clist, any_rw, has_rowstatus = {}, {}, false, false
  for n, cdef in pairs(spec.columns or {}) do
    if math.type(n) ~= "integer" or n < 0 then error("table: columns are keyed by column number", 3) end
    if type(cdef) == "string" then cdef = { type = cdef } end
    local rowstatus = cdef.rowstatus and true or cdef.type == "RowStatus"
    local t = cdef.type == "RowStatus" and "INTEGER" or cdef.type
    typename(t, "table column " .. n)
    local rw = access_rw(cdef)
    if rowstatus and cdef.access == nil then rw = true end
    cols[n] = { type = t, name = cdef.name, set = cdef.set, check = cdef.check, rw = rw,
      rowstatus = rowstatus }
    clist[#clist + 1] = { n = n, type = t, get = cdef.get, name = cdef.name }
    any_rw = any_rw or rw
    has_rowstatus = has_rowstatus or (rowstatus and rw)
  end
  table.sort(clist, function(a, b) return a.n < b.n end)
  if #clist == 0 then error("table: no columns", 3) end
  local cparts = {}
  for i, p in ipairs(parts) do cparts[i] = { kind = p.kind, implied = p.implied, length = p.length } end

  local tbl -- the C object, set below
  local txn = { serial = -1 }

  local function begin(serial)
    if txn.serial ~= serial then txn = { serial = serial, creates = {}, destroys = {}, undo = {} } end
    return txn
  end

  -- "3.1.2" (column.index) -> "1.2"
  local function rowkey(instance) return instance:match("^%d+%.(.*)$") or "" end

  -- where a SET writes a cell: by number when the row has it so, else by
  -- the column's name when it has one (as the rows= form does)
  local function cell_key(row, c, n)
    if row[n] == nil and c.name then return c.name end
    return n
  end

  local function write(c, n, row, value, index)
    if c.set then
      local ok, err = c.set(row, value, index)
      if ok == false or (ok == nil and err ~= nil) then return false end
    else
      row[cell_key(row, c, n)] = value
    end
    return true
  end

  local h = {}

  function h.check(n, index, row, tname, value, instance, serial)
    local t = begin(serial)
    local c = cols[n]
    if not c or not c.rw then return "notWritable" end
    if index == nil then return has_rowstatus and "inconsistentName" or "noCreation" end
    if tname ~= c.type and core.type_tag(tname) ~= core.type_tag(c.type) then return "wrongType" end
    if c.rowstatus then
      if value == CREATEANDGO or value == CREATEANDWAIT then
        if row or t.creates[rowkey(instance)] then return "inconsistentValue" end
        t.creates[rowkey(instance)] = value
      elseif value == ACTIVE or value == NOTINSERVICE then
        if not row then return "inconsistentValue" end
      elseif value == DESTROY then
        t.destroys[rowkey(instance)] = true
      else
        return "wrongValue"
      end
    end
    if c.check then return c.check(value, row, index) end
    return true
  end

  -- once every varbind passed check: a cell of a row that does not exist
  -- needs a createAndGo/createAndWait for that row in the same SET
  function h.prepare(n, _, row, _, _, instance)
    local c = cols[n]
    if c.rowstatus then return true end
    if txn.destroys[rowkey(instance)] then return "inconsistentValue" end
    if row or txn.creates[rowkey(instance)] then return true end
    return has_rowstatus and "inconsistentName" or "noCreation"
  end

  function h.commit(n, index, row, _, value, instance, serial)
    local t = begin(serial)
    local c = cols[n]
    local u = { index = index }
    if c.rowstatus and value == DESTROY then
      if row then
        tbl:remove(index)
        u.removed = row
      end
      t.undo[instance] = u
      return true
    end
    if not row then -- the first varbind of a row this SET creates
      row = {}
      tbl:set(index, row)
      u.created = true
    end
    if c.rowstatus then
      value = (value == CREATEANDWAIT or value == NOTINSERVICE) and NOTINSERVICE or ACTIVE
    end
    u.row, u.old = row, row[cell_key(row, c, n)]
    if not write(c, n, row, value, index) then
      if u.created then tbl:remove(index) end
      return "commitFailed"
    end
    t.undo[instance] = u
    return true
  end

  function h.undo(n, _, _, _, _, instance)
    local u = txn.undo[instance]
    if not u then return "undoFailed" end
    txn.undo[instance] = nil
    if u.removed then
      tbl:set(u.index, u.removed)
      return true
    end
    local c = cols[n]
    local ok = write(c, n, u.row, u.old, u.index)
    if u.created then tbl:remove(u.index) end
    return ok
  end

  function h.finish(instance, ok)
    local u = txn.undo[instance]
    txn.undo[instance] = nil
    if not ok or not u then return end
    if u.created and spec.on_create then spec.on_create(u.index, u.row) end
    if u.removed and spec.on_destroy then spec.on_destroy(u.index, u.removed) end
  end

  tbl = agent._c:rowtable(entry, cparts, clist, any_rw and h or nil)
  agent.objects[tostring(entry)] = tbl
  return tbl
end

return M
