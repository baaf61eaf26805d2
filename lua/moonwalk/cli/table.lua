-- moonwalk table: snmptable (net-snmp 5.9.3 apps/snmptable.c) step by
-- step, so that its output is the same byte for byte: columns from the
-- MIB in column order, rows in the order their index first arrives,
-- values as net-snmp prints them with quick-print toggled on, "?" for
-- holes, and every -C option (b B c f h H i l r w).
local core = require "moonwalk.core"
local fmt = require "moonwalk.fmt"

local T = {}

local out = io.stdout

-- printf("%*s") / ("%-*s") / ("%*.*s")
local function pad(s, width, left, trunc)
  if trunc and #s > trunc then s = s:sub(1, trunc) end
  if #s >= width then return s end
  if left then return s .. string.rep(" ", width - #s) end
  return string.rep(" ", width - #s) .. s
end

-- The OID output form the -O letters leave in force (last one wins).
local function form_of(letters)
  local form = "module"
  for c in letters:gmatch(".") do
    if c == "n" then form = "numeric"
    elseif c == "f" then form = "full"
    elseif c == "s" then form = "suffix"
    elseif c == "S" then form = "module"
    elseif c == "u" then form = "ucd"
    end
  end
  return form
end

-- The index part of an instance name, found in its text as snmptable
-- finds it (after the column's name); nil when it is not there.
local function index_text(buf, form, extended, table_name)
  if extended then
    local p = buf:find("[", 1, true)
    return p and buf:sub(p) or nil
  end
  local p
  if form == "module" then
    p = buf:find(":", 1, true)
    if not p then return nil end
    p = p + 1
  elseif form == "suffix" then
    p = 1
  else
    local q = buf:find(".", #table_name + 2, true)
    if not q then return nil end
    p = q + 1
  end
  local d = buf:find(".", p, true)
  if not d then return nil end
  return buf:sub(d + 1)
end

-- snmptable's label of a column: its name after the last "." or ":"
local function label_of(text)
  local p = text:match(".*()%.")
  if not p then p = text:match(".*():") end
  if p then return text:sub(p + 1) end
  return text
end

local function brief(columns)
  if #columns < 2 then return end
  local common = #columns[1].label
  for f = 2, #columns do
    local f1, f2 = columns[f - 1].label, columns[f].label
    local i = 0
    while i < #f1 do
      local a, b = f1:sub(i + 1, i + 1), f2:sub(i + 1, i + 1)
      i = i + 1
      if a ~= b then break end
    end
    local len = i - 1
    if len < common then common = len end
  end
  if common > 0 then
    for _, c in ipairs(columns) do
      c.label = c.label:sub(common + 1)
      c.width = c.width - common
    end
  end
end

-- get_field_names: the table's name and its columns from the MIB, or
-- nil and the name for "Was that a table?".
local function field_names(root, nflags)
  local mib = package.loaded["moonwalk.mib"]
  local info = fmt.mib_active() and mib.info(root) or nil
  local table_name = fmt.oid(root, nflags)
  if not info or not info.children then return nil, table_name end
  local entry_subid = info.children[1].subid
  local entry = root .. entry_subid
  local einfo = mib.info(info.oid .. entry_subid)
  local columns = {}
  if einfo and einfo.children then
    for _, ch in ipairs(einfo.children) do
      if ch.access ~= "not-accessible" then
        local label = label_of(fmt.oid(entry .. ch.subid, nflags))
        if label:match("^%d") then break end
        columns[#columns + 1] = { subid = ch.subid, label = label, width = #label }
      end
    end
  end
  if #columns == 0 then return nil, table_name end
  -- the MIB links children highest first; snmptable reverses them
  local rev = {}
  for i = #columns, 1, -1 do rev[#rev + 1] = columns[i] end
  return rev, table_name, entry
end

function T.run(s, root_text, letters, cf, peer)
  letters = letters or ""
  local nflags = fmt.flags(letters)
  -- snmptable turns quick printing on; -Oq toggles it off again
  local vflags = fmt.flags("q" .. letters)
  local form = form_of(letters)
  local extended = letters:find("X", 1, true) ~= nil
  local root = core.oid(root_text)
  local columns, table_name, entry = field_names(root, nflags)
  if not columns then
    io.stderr:write("Was that a table? ", table_name, "\n")
    return 1
  end
  if cf.b then brief(columns) end
  local fields = #columns
  local rootlen = #entry
  local by_subid = {}
  for i, c in ipairs(columns) do by_subid[c.subid] = i end

  local max_getbulk = cf.r or 10
  local max_width = cf.w or 0
  local column_width = cf.cw or 0
  local left = cf.l
  local sep = cf.f
  local show_index = cf.i
  local headers_only = cf.h
  local no_headers = cf.H
  local use_getbulk = not cf.B and not cf.v1

  local index_width = 6 -- sizeof("index ") - 1
  local exitval = 0
  local extra_columns = false
  local end_of_table = true
  local first_pass = true
  local data, indices, entries

  local function value_text(vb)
    return (fmt.value(vb, vflags):gsub("\n", " "))
  end

  local function status_error(err, vbs_sent)
    if err.status == "noSuchName" then
      out:write("End of MIB\n")
      return "eom"
    end
    io.stderr:write("Error in packet.\nReason: ", err.reason or err.message, "\n")
    if vbs_sent and err.index and err.index > 0 and vbs_sent[err.index] then
      io.stderr:write("Failed object: ", fmt.oid(vbs_sent[err.index], nflags), "\n")
    end
    exitval = 2
  end

  local function other_error(err)
    if err.kind == "timeout" then
      io.stderr:write("Timeout: No Response from ", peer or "", "\n")
    elseif err.kind == "report" or err.kind == "usm" then
      io.stderr:write("snmptable: ", err.message, "\n")
    else
      io.stderr:write(tostring(err.message or err), "\n")
    end
    exitval = 1
  end

  local function getbulk_entries()
    local rows = {}
    local name = entry .. 0
    local running = true
    while running do
      local vbs, err = s:getbulk({ name }, 0, max_getbulk)
      if not vbs then
        running = false
        if err.kind == "status" then status_error(err) else other_error(err) end
      else
        local last
        for _, vb in ipairs(vbs) do
          local o = core.oid(vb.oid)
          if vb.type == "endOfMibView" or not entry:is_prefix_of(o) then
            running = false
            break
          end
          local col = by_subid[o[rootlen + 1]]
          if not col then
            extra_columns = true
            last = o
          else
            local buf = fmt.oid(o, vflags)
            local idx = index_text(buf, form, extended, table_name)
            if not idx then running = false break end
            local row = rows[idx]
            if not row then
              entries = entries + 1
              row = entries
              rows[idx] = row
              data[row] = {}
              indices[row] = idx
              if #idx > index_width then index_width = #idx end
            end
            local dp = data[row]
            if dp[col] then
              io.stderr:write("OID not increasing: ", buf, "\n")
              exitval = 2
              end_of_table = true
              running = false
              break
            end
            local v = value_text(vb)
            dp[col] = v
            if #v > columns[col].width then columns[col].width = #v end
            last = o
          end
        end
        if last then name = last end
      end
    end
  end

  local name_arcs = entry:arcs()
  name_arcs[rootlen + 1] = 0
  local name_length = rootlen + 1

  local function getnext_entries()
    local running = true
    while running and ((max_width ~= 0 and column_width == 0) or entries < max_getbulk) do
      local req = {}
      for i = 1, fields do
        name_arcs[rootlen + 1] = columns[i].subid
        req[i] = core.oid(table.move(name_arcs, 1, name_length, 1, {}))
      end
      local vbs, err = s:getnext(req)
      if not vbs then
        running = false
        if err.kind == "status" then
          if status_error(err, req) == "eom" then end_of_table = true end
        else
          other_error(err)
        end
      else
        entries = entries + 1
        local dp = {}
        data[entries] = dp
        end_of_table = true
        local have_index = false
        name_length = rootlen + 1
        for col, vb in ipairs(vbs) do
          name_arcs[rootlen + 1] = columns[col].subid
          local o = core.oid(vb.oid)
          local arcs = o:arcs()
          local ok = #arcs >= name_length and arcs[rootlen + 1] == columns[col].subid
            and vb.type ~= "endOfMibView"
          if ok then
            for k = 1, name_length do
              if arcs[k] ~= name_arcs[k] then ok = false break end
            end
          end
          if ok then
            local buf = fmt.oid(o, vflags)
            if not have_index then
              end_of_table = false
              have_index = true
              name_length = #arcs
              name_arcs = arcs
              if show_index then
                local idx = index_text(buf, form, extended, table_name) or ""
                indices[entries] = idx
                if #idx > index_width then index_width = #idx end
              end
            end
            if dp[col] then
              io.stderr:write("OID not increasing: ", buf, "\n")
              running = false
              end_of_table = true
              exitval = 2
              break
            end
            local v = value_text(vb)
            dp[col] = v
            if #v > columns[col].width then columns[col].width = #v end
          end
        end
        if end_of_table then
          data[entries] = nil
          entries = entries - 1
          running = false
        end
      end
    end
  end

  local function print_table()
    local w = {}
    if not no_headers and not headers_only and first_pass then
      w[#w + 1] = "SNMP table: " .. table_name .. "\n\n"
    end
    local function cell(field, text)
      if column_width ~= 0 then
        return pad(text, column_width + 1, left, column_width)
      elseif sep == nil then
        return pad(text, columns[field].width + 1, left)
      elseif field == 1 and not show_index then
        return text
      end
      return sep .. text
    end
    local function index_cell(text)
      if column_width ~= 0 then return "\nindex: " .. text .. "\n" end
      if sep == nil then return pad(text, index_width, left) end
      return text
    end
    local last_field, part = 0, 0
    while last_field ~= fields do
      part = part + 1
      if part ~= 1 and not no_headers then
        w[#w + 1] = "\nSNMP table " .. table_name .. ", part " .. part .. "\n\n"
      end
      local first_field = last_field + 1
      local width
      if show_index and not no_headers and column_width == 0 and first_pass then
        width = index_width
        w[#w + 1] = index_cell("index")
      else
        width = 0
      end
      local field = first_field
      while field <= fields do
        if max_width ~= 0 then
          if column_width ~= 0 then
            if not no_headers and first_pass then
              width = width + column_width + 1
              if field ~= first_field and width > max_width then
                w[#w + 1] = "\n"
                width = column_width + 1
              end
            end
          else
            width = width + columns[field].width + 1
            if field ~= first_field and width > max_width then break end
          end
        end
        if not no_headers and first_pass then w[#w + 1] = cell(field, columns[field].label) end
        field = field + 1
      end
      last_field = field - 1
      if not no_headers and first_pass then w[#w + 1] = "\n" end
      for e = 1, entries do
        width = 0
        if show_index then
          if column_width == 0 then width = index_width end
          w[#w + 1] = index_cell(indices[e] or "")
        end
        for f = first_field, last_field do
          if column_width ~= 0 and max_width ~= 0 then
            width = width + column_width + 1
            if f ~= first_field and width > max_width then
              w[#w + 1] = "\n"
              width = column_width + 1
            end
          end
          w[#w + 1] = cell(f, data[e][f] or "?")
        end
        w[#w + 1] = "\n"
      end
    end
    first_pass = false
    out:write(table.concat(w))
  end

  local total = 0
  repeat
    entries = 0
    data, indices = {}, {}
    if not headers_only then
      if use_getbulk then getbulk_entries() else getnext_entries() end
    end
    if exitval ~= 0 then return exitval end
    if entries > 0 or headers_only then print_table() end
    total = total + entries
  until end_of_table
  if total == 0 then out:write(table_name, ": No entries\n") end
  if extra_columns then out:write(table_name, ": WARNING: More columns on agent than in MIB\n") end
  return 0
end

return T
