-- moonwalk get|getnext|bulkget|walk|bulkwalk|set|table: the net-snmp tools.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local fmt = require "moonwalk.fmt"
local args = require "moonwalk.cli.args"
local common = require "moonwalk.cli.common"
local session_mod = require "moonwalk.session"

local M = {}

local usage = {
  get = "USAGE: moonwalk get [OPTIONS] AGENT OID [OID]...",
  getnext = "USAGE: moonwalk getnext [OPTIONS] AGENT OID [OID]...",
  bulkget = "USAGE: moonwalk bulkget [OPTIONS] AGENT OID [OID]...",
  walk = "USAGE: moonwalk walk [OPTIONS] AGENT [OID]",
  bulkwalk = "USAGE: moonwalk bulkwalk [OPTIONS] AGENT [OID]",
  set = "USAGE: moonwalk set [OPTIONS] AGENT OID TYPE VALUE [OID TYPE VALUE]...",
  table = "USAGE: moonwalk table [OPTIONS] AGENT TABLE-OID",
}

local out = io.stdout

local function print_vb(vb, flags)
  out:write(fmt.varbind(vb, flags), "\n")
end

local function errpacket(err, flags, dot)
  io.stderr:write("Error in packet", dot and "." or "", "\nReason: ", err.reason or err.message, "\n")
  if err.index and err.index > 0 and err.oid then
    io.stderr:write("Failed object: ", fmt.oid(err.oid, flags), "\n\n")
  end
end

-- the net-snmp tool each command stands for, as it names itself in errors
local tools = {
  get = "snmpget", getnext = "snmpgetnext", bulkget = "snmpbulkget", walk = "snmpwalk",
  bulkwalk = "snmpbulkwalk", set = "snmpset", table = "snmptable",
}

local function report(err, flags, cmd)
  if err.kind == "report" or err.kind == "usm" then
    -- SNMPv3 reports and USM errors: "snmpget: Unknown user name"
    io.stderr:write(tools[cmd] or cmd, ": ", err.message, "\n")
    return 1
  elseif err.kind == "timeout" then
    if cmd == "walk" or cmd == "bulkwalk" then
      io.stderr:write((err.message:gsub("%.$", "")), "\n")
    else
      io.stderr:write(err.message, "\n")
    end
    return 1
  elseif err.kind == "status" then
    errpacket(err, flags, cmd == "set" or cmd == "walk" or cmd == "bulkwalk")
    return 2
  elseif err.kind == "notincreasing" then
    io.stderr:write("Error: OID not increasing: ", fmt.oid(err.previous, flags), "\n >= ",
      fmt.oid(err.oid, flags), "\n\n")
    return 1
  end
  io.stderr:write(tostring(err.message or err), "\n")
  return 1
end

local function check_oids(list, flags)
  for _, s in ipairs(list) do
    local ok, err = pcall(core.oid, s)
    if not ok then
      err = tostring(err):gsub("^bad argument #%d to '[^']*' %((.*)%)$", "%1")
      if err:find("Unknown Object Identifier", 1, true) then
        io.stderr:write(s, ": Unknown Object Identifier (Sub-id not found: (top) -> ", s, ")\n")
      else
        io.stderr:write(s, ": ", err, "\n")
      end
      return false
    end
  end
  return true
end

-- GET / GETNEXT with net-snmp's fix-up: on an error-status, print it,
-- drop the failed varbind and ask again for the rest.
local function get_like(s, method, oids, flags)
  local rc = 0
  while #oids > 0 do
    local vbs, err = s[method](s, oids)
    if vbs then
      for _, vb in ipairs(vbs) do print_vb(vb, flags) end
      return rc
    end
    rc = report(err, flags, method)
    if err.kind ~= "status" or not err.index or err.index < 1 or err.index > #oids then return rc end
    table.remove(oids, err.index)
  end
  return rc
end

local function walk_cmd(s, cmd, root, flags, cf)
  local n = 0
  local rc = 0
  local t0 = mw.now()
  if cf.i then -- -Ci: include the given OID
    local vbs = s:get(root)
    if vbs and vbs[1] and vbs[1].type ~= "noSuchObject" and vbs[1].type ~= "noSuchInstance" then
      print_vb(vbs[1], flags)
      n = n + 1
    end
  end
  local opts = { exceptions = true, non_increasing = cf.c and "allow" or "error" }
  -- without MIB rendering, the lines come ready-made from C
  if not fmt.mib_active() then opts.format = flags._letters end
  local it
  if cmd == "bulkwalk" then
    opts.max_repetitions = cf.r or 10
    it = s:bulkwalk(root, opts)
  else
    it = s:walk(root, opts)
  end
  for vb, err in it do
    if vb == false then
      rc = report(err, flags, cmd)
      -- net-snmp exits 1 on errors during a walk
      if rc == 2 then rc = 1 end
      break
    end
    if opts.format then
      out:write(vb)
      n = n + err -- the chunk's line count
    else
      print_vb(vb, flags)
      n = n + 1
    end
  end
  if opts.end_of_mib then out:write("End of MIB\n") end
  if n == 0 and rc == 0 and not cf.I then
    -- like snmpwalk: nothing under the OID, so try the OID itself
    local vbs = s:get(root)
    if vbs and vbs[1] and vbs[1].type ~= "noSuchObject" and vbs[1].type ~= "noSuchInstance"
       and vbs[1].type ~= "endOfMibView" then
      print_vb(vbs[1], flags)
      n = n + 1
    end
  end
  if cf.p then out:write("Variables found: ", n, "\n") end
  if cf.t then out:write(string.format("Total traversal time = %f seconds\n", mw.now() - t0)) end
  return rc
end

local function set_cmd(s, rest, flags, prog)
  if #rest % 3 ~= 0 then
    io.stderr:write(usage.set, "\n")
    return 1
  end
  local vbs = {}
  for i = 1, #rest, 3 do
    local oid, t, v = rest[i], rest[i + 1], rest[i + 2]
    if not check_oids({ oid }, flags) then return 1 end
    if #t ~= 1 or not session_mod.letters[t] then
      io.stderr:write(oid, ": Bad variable type (Type of attribute is ", t, ", not in [iuxdnotasbUIFD])\n")
      return 1
    end
    vbs[#vbs + 1] = { oid, t, v }
  end
  local ok, res, err = pcall(s.set, s, vbs)
  if not ok then
    io.stderr:write(tostring(res):gsub("^[^:]*:%d+: ", ""), "\n")
    return 1
  end
  if not res then return report(err, flags, "set") end
  for _, vb in ipairs(res) do print_vb(vb, flags) end
  return 0
end

local function table_cmd(s, root, flags, cf)
  local rows, order = s:table(root)
  if not rows then return report(order, flags, "table") end
  local cols, seen = {}, {}
  for _, idx in ipairs(order) do
    for c in pairs(rows[idx]) do
      if not seen[c] then seen[c] = true; cols[#cols + 1] = c end
    end
  end
  table.sort(cols, function(a, b)
    if type(a) == type(b) then return a < b end
    return type(a) == "number"
  end)
  out:write("SNMP table: ", fmt.oid(tostring(core.oid(root)), flags), "\n\n")
  local header = { "index" }
  for _, c in ipairs(cols) do header[#header + 1] = tostring(c) end
  local lines = { header }
  for _, idx in ipairs(order) do
    local line = { idx }
    for _, c in ipairs(cols) do
      local v = rows[idx][c]
      if v == nil then line[#line + 1] = "?"
      elseif type(v) == "string" and v:find("[^\32-\126]") then line[#line + 1] = fmt.hexlines(v)
      else line[#line + 1] = type(v) == "string" and v or tostring(v) end
    end
    lines[#lines + 1] = line
  end
  local w = {}
  for _, l in ipairs(lines) do
    for j, v in ipairs(l) do w[j] = math.max(w[j] or 0, #v) end
  end
  for _, l in ipairs(lines) do
    local parts = {}
    for j, v in ipairs(l) do parts[j] = v .. string.rep(" ", w[j] - #v) end
    out:write((table.concat(parts, " "):gsub("%s+$", "")), "\n")
  end
  return 0
end

function M.main(argv, cmd)
  local o, rest = args.parse(argv)
  if not o then
    io.stderr:write(rest, "\n", usage[cmd], "\n")
    return 1
  end
  if o.h then io.stderr:write(usage[cmd], "\n"); return 0 end
  if o.V then print("moonwalk " .. core.version); return 0 end
  if o.d then mw.log.set_level("debug") end
  local flags = fmt.flags(o.O)
  local cf = args.cflags(o.C)
  common.setup_mibs(o)
  local agent = table.remove(rest, 1)
  if not agent then
    io.stderr:write("No hostname specified.\n", usage[cmd], "\n")
    return 1
  end
  if (cmd == "get" or cmd == "getnext" or cmd == "bulkget" or cmd == "set" or cmd == "table") and #rest == 0 then
    io.stderr:write("Missing object name\n", usage[cmd], "\n")
    return 1
  end
  local so, serr = common.session_opts(o, agent)
  if not so then io.stderr:write(serr, "\n"); return 1 end
  if cmd == "bulkget" or cmd == "bulkwalk" then
    if so.version == "1" then
      io.stderr:write(cmd == "bulkget" and "snmpbulkget" or "snmpbulkwalk",
        ": Cannot send V1 PDU on V2 session\n")
      return 1
    end
  end
  if cmd ~= "set" and not check_oids(rest, flags) then return 1 end
  local rc = 0
  local ok, perr = pcall(function()
    mw.run(function()
      local made, s, err = pcall(mw.session, so)
      if not made then
        -- bad settings (a short pass phrase, an unknown protocol, ...)
        io.stderr:write("moonwalk ", cmd, ": ", (tostring(s):gsub("^[^:]*:%d+: ", "")), "\n")
        rc = 1
        return
      end
      if not s then rc = report(err, flags, cmd) return end
      if cmd == "get" then
        rc = get_like(s, "get", rest, flags)
      elseif cmd == "getnext" then
        rc = get_like(s, "getnext", rest, flags)
      elseif cmd == "bulkget" then
        local vbs, err2 = s:getbulk(rest, cf.n or 0, cf.r or 10)
        if not vbs then rc = report(err2, flags, cmd) return end
        for _, vb in ipairs(vbs) do print_vb(vb, flags) end
      elseif cmd == "walk" or cmd == "bulkwalk" then
        rc = walk_cmd(s, cmd, rest[1] or "1.3.6.1.2.1", flags, cf)
      elseif cmd == "set" then
        rc = set_cmd(s, rest, flags, cmd)
      elseif cmd == "table" then
        rc = table_cmd(s, rest[1], flags, cf)
      end
    end)
  end)
  if not ok then
    io.stderr:write("moonwalk ", cmd, ": ", tostring(perr):gsub("^[^:]*:%d+: ", ""), "\n")
    return 1
  end
  return rc
end

return M
