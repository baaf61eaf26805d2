-- The parts of moonwalk.cli.snmp a get does not need: walk and bulkwalk
-- (with the progress line), set's argument and MIB checks, and
-- snmptable's -C letters. moonwalk.cli.snmp loads this module the first
-- time one of them is used.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local fmt = require "moonwalk.fmt"
local args = require "moonwalk.cli.args"
local snmp = require "moonwalk.cli.snmp"

local I = snmp._internal
local report, print_vb, get_and_print, usage_text = I.report, I.print_vb, I.get_and_print, I.usage_text
local check_oids = snmp.check_oids

local M = {}

local out = io.stdout

-- Progress of a long walk on a terminal: "N varbinds, R/s, OID" on one
-- stderr line, redrawn at most twice a second and erased at the end. Only
-- when stderr is a terminal and logging is not off (-Ln); output that
-- goes to a pipe or a file never changes. When stdout is the same
-- terminal the line is erased before each batch of output.
local progress = {}
progress.__index = progress

function progress.new(quiet)
  if quiet or not core.isatty or not core.isatty(2) then return nil end
  return setmetatable({ t0 = mw.now(), last = -1, shown = false, tty_out = core.isatty(1),
                        width = math.max(20, (tonumber(os.getenv("COLUMNS")) or 80) - 1) }, progress)
end

function progress:clear()
  if self.shown then
    io.stderr:write("\r\27[K")
    self.shown = false
  end
end

-- before output is written
function progress:before()
  if self.tty_out then self:clear() end
end

-- n so far; what: the last chunk of ready-made lines, or the last varbind
function progress:tick(n, what, flags)
  local now = mw.now()
  if self.last >= 0 and now - self.last < 0.5 then return end
  self.last = now
  local oid
  if type(what) == "string" then
    oid = what:match("([^\n]-) = [^\n]*\n$") or what:match("([^\n]*)\n$")
  else
    oid = fmt.oid(what.oid, flags)
  end
  local dt = now - self.t0
  local line = string.format("%d varbinds, %.0f/s, %s", n, dt > 0 and n / dt or 0, oid or "")
  if #line > self.width then line = line:sub(1, self.width) end
  if self.tty_out then out:flush() end
  io.stderr:write("\r\27[K", line)
  self.shown = true
end

local function walk_cmd(s, cmd, root, flags, cf, quiet)
  local n = 0
  local rc = 0
  local t0 = mw.now()
  root = core.oid(root)
  if cf.i then -- -Ci: include the given OID
    n = n + get_and_print(s, root, flags)
  end
  -- the walk rules (subtree or -CE end, not increasing unless -Cc, v1's
  -- noSuchName as the end) are the manager's, for every -C option
  local opts = { exceptions = true, non_increasing = cf.c and "allow" or "error", end_oid = cf.E }
  -- without MIB rendering, the lines come ready-made from C; -CT puts the
  -- time of each request before its line
  if not fmt.mib_active() and not cf.T then opts.format = flags._letters end
  -- the iterator, called directly (nil, err on failure), and the walk that
  -- closes with the block
  local function iter_and_walk(it, _, _, walk) return it, walk end
  local it, walk
  if cmd == "bulkwalk" then
    opts.max_repetitions = cf.r or 10
    -- snmpbulkwalk gives up at the first timeout or tooBig; the library
    -- would retry with fewer repetitions
    opts.adaptive = false
    it, walk = iter_and_walk(s:bulkwalk(root, opts))
  else
    it, walk = iter_and_walk(s:walk(root, opts))
  end
  local _ <close> = walk
  local prog = progress.new(quiet)
  local step0 = mw.now()
  while true do
    local vb, err = it()
    if prog then prog:before() end
    if vb == nil then
      if err ~= nil then
        if prog then prog:clear() end
        rc = report(err, flags, cmd)
      end
      break
    end
    -- -CT: the time the iterator took for this varbind, one GETNEXT
    if cf.T then out:write(string.format("%f s: ", mw.now() - step0)) end
    if opts.format then
      out:write(vb)
      n = n + err -- the chunk's line count
      if prog then prog:tick(n, vb) end
    else
      print_vb(vb, flags)
      n = n + 1
      if prog then prog:tick(n, vb, flags) end
    end
    step0 = mw.now()
  end
  if prog then prog:clear() end
  if opts.end_of_mib then out:write("End of MIB\n") end
  local t1 = mw.now()
  if n == 0 and rc == 0 and not cf.I then
    -- like snmpwalk: nothing under the OID, so try the OID itself
    n = n + get_and_print(s, root, flags)
  end
  if cf.p then out:write("Variables found: ", n, "\n") end
  if cf.t then
    out:flush()
    io.stderr:write(string.format("Total traversal time = %f seconds\n", t1 - t0))
  end
  return rc
end

M.walk_cmd = walk_cmd

-- snmpset's argument checks (OID TYPE VALUE triples): the type letters
-- snmpset knows, and a value for each. Returns true, or nil after writing
-- net-snmp's message.
-- snmpset's letters, and n (NULL), which Debian's 5.9.3 snmpset sends too
local set_letters = "=iu3taosxdbIUFDn"

local function set_args_ok(rest)
  for i = 1, #rest, 3 do
    local t = rest[i + 1]
    if t == nil then
      io.stderr:write(rest[i], ": Needs type and value\n")
      return nil
    end
    local c = t:sub(1, 1)
    if c == "" or not set_letters:find(c, 1, true) then
      io.stderr:write(rest[i], ": Bad object type: ", c, "\n")
      return nil
    end
    if rest[i + 2] == nil then
      io.stderr:write(rest[i], ": Needs value\n")
      return nil
    end
  end
  return true
end

-- snmp_add_var's checks against the MIB: '=' takes the type from the MIB,
-- enum labels become numbers, and unless -Ir the type, range and size
-- must fit the object. Returns letter, value or nil, message detail.
local simple = {
  ["OBJECT IDENTIFIER"] = "OBJECT IDENTIFIER", ["OCTET STRING"] = "OCTET STRING", INTEGER = "INTEGER",
  NetworkAddress = "NetworkAddress", IpAddress = "IpAddress", Counter32 = "Counter32", Gauge32 = "Gauge32",
  TimeTicks = "Timeticks", Opaque = "Opaque", NULL = "Null", Counter64 = "Counter64", BITS = "BITS",
  NsapAddress = "NsapAddress", UInteger32 = "UInteger", Unsigned32 = "Unsigned32", Integer32 = "Integer32",
}
local from_mib = {
  INTEGER = "i", Integer32 = "i", Gauge32 = "u", Unsigned32 = "u", UInteger32 = "3", Counter32 = "c",
  Counter64 = "C", TimeTicks = "t", ["OCTET STRING"] = "s", BITS = "b", IpAddress = "a",
  ["OBJECT IDENTIFIER"] = "o",
}
local wanted = {
  i = { "INTEGER", INTEGER = true, Integer32 = true },
  u = { "Unsigned32", Gauge32 = true, Unsigned32 = true },
  ["3"] = { "UInteger32", UInteger32 = true },
  c = { "Counter32", Counter32 = true },
  C = { "Counter64", Counter64 = true },
  t = { "Timeticks", TimeTicks = true },
  a = { "IpAddress", IpAddress = true },
  o = { "OBJECT IDENTIFIER", ["OBJECT IDENTIFIER"] = true },
  s = { "OCTET STRING", ["OCTET STRING"] = true, BITS = true },
  b = { "BITS", BITS = true },
}
wanted.x, wanted.d = wanted.s, wanted.s

local function range_ok(ranges, n, what)
  if not ranges then return true end
  for _, r in ipairs(ranges) do
    if r[1] <= n and n <= r[2] then return true end
  end
  local parts = {}
  for _, r in ipairs(ranges) do
    parts[#parts + 1] = r[1] ~= r[2] and string.format("(%d..%d)", r[1], r[2]) or string.format("(%d)", r[1])
  end
  return nil, "Value out of range (" .. what .. " :: {" .. table.concat(parts, ", ") .. "})"
end

local function mib_value(oid, t, v, in_flags)
  in_flags = in_flags or ""
  local mib = package.loaded["moonwalk.mib"]
  local info = fmt.mib_active() and mib.info(oid) or nil
  local check = info and simple[info.type or ""] ~= nil and not in_flags:find("r", 1, true)
  local letter = t:sub(1, 1)
  if info and letter == "=" then letter = from_mib[info.type or ""] or "=" end
  if letter == "=" then return nil, 'Bad variable type ("=")' end
  local want = wanted[letter]
  if check and want and not want[info.type] then
    return nil, "Bad variable type (Type of attribute is " .. simple[info.type] .. ", not " .. want[1] .. ")"
  end
  local ranges = info and (info.ranges or info.sizes)
  if letter == "i" then
    if v == "" then return nil, "Bad value notation (" .. v .. ")" end
    local n = v:match("^[+-]?%d+$") and math.tointeger(tonumber(v))
    if not n then
      local enums = info and info.enum_list
      for _, e in ipairs(enums or {}) do
        if e.name == v then n = e.value break end
      end
      if not n and info and info.enums then
        for value, label in pairs(info.enums) do
          if label == v then n = value break end
        end
      end
      if not n then return nil, "Value out of range (" .. v .. ")" end
    end
    if check then
      local ok, err = range_ok(ranges, n, v)
      if not ok then return nil, err end
    end
    return "i", tostring(n)
  elseif letter == "s" and check then
    local hint = info.hint
    local ok, err
    if hint and not in_flags:find("h", 1, true) and hint:match("^%d*[at]$") then
      ok, err = range_ok(ranges, #v, "Value does not match DISPLAY-HINT")
    else
      ok, err = range_ok(ranges, #v, "Bad string length")
    end
    if not ok then return nil, err end
  elseif (letter == "x" or letter == "d") and check then
    local bytes = 0
    if letter == "x" then
      local bin = mw.fromhex(v)
      if not bin then return nil, "Bad value notation (" .. v .. ")" end
      bytes = #bin
    else
      for _ in v:gmatch("[^%s.:]+") do bytes = bytes + 1 end
    end
    local ok, err = range_ok(ranges, bytes, "Bad string length")
    if not ok then return nil, err end
  elseif letter == "b" and info and info.enums then
    local bits = {}
    for w in v:gmatch("[^ ,\t]+") do
      local n = math.tointeger(tonumber(w))
      if not n then
        for value, label in pairs(info.enums) do
          if label == w then n = value break end
        end
      end
      if not n then return nil, "Value out of range (" .. w .. ")" end
      bits[#bits + 1] = tostring(n)
    end
    return "b", table.concat(bits, " ")
  elseif (letter == "u" or letter == "t" or letter == "c" or letter == "3") and not v:match("^%d+$") then
    return nil, "Bad value notation (" .. v .. ")"
  end
  if letter == "3" then letter = "u" end
  return letter, v
end

M.set_args_ok = set_args_ok
M.mib_value = mib_value

local function set_cmd(s, rest, flags, in_flags)
  local vbs, failures = {}, 0
  for i = 1, #rest, 3 do
    local oid, t, v = rest[i], rest[i + 1], rest[i + 2]
    if not check_oids({ oid }, flags) then
      failures = failures + 1
    else
      local letter, val = mib_value(oid, t, v, in_flags or "")
      if not letter then
        io.stderr:write(oid, ": ", val, "\n")
        failures = failures + 1
      else
        vbs[#vbs + 1] = { oid, letter, val }
      end
    end
  end
  if failures > 0 then return 1 end
  local ok, res, err = pcall(s.set, s, vbs)
  if not ok then
    io.stderr:write(tostring(res):gsub("^[^:]*:%d+: ", ""), "\n")
    return 1
  end
  if not res then return report(err, flags, "set") end
  if not flags._quiet then
    for _, vb in ipairs(res) do print_vb(vb, flags) end
  end
  return 0
end

M.set_cmd = set_cmd

-- snmptable's -C: w, c, f and r take the next argument, whatever follows
-- the letter.
local function table_copt(c, rest, cf, take)
  local function valued(check)
    local v = take()
    if v == nil then
      io.stderr:write(usage_text("table"), "Bad -C", c, " option: no argument given\n")
      return nil, 1
    end
    local ok = check(v)
    if not ok then
      io.stderr:write(usage_text("table"), "Bad -C", c, " option: ", v, "\n")
      return nil, 1
    end
    return rest
  end
  if c == "w" then
    return valued(function(v) cf.w = args.atoi(v); return cf.w ~= 0 end)
  elseif c == "c" then
    return valued(function(v) local n = args.atoi(v); cf.cw = n - 1; return n > 2 end)
  elseif c == "r" then
    return valued(function(v) cf.r = args.atoi(v); return cf.r ~= 0 end)
  elseif c == "f" then
    return valued(function(v) cf.f = v; return true end)
  elseif c == "l" or c == "h" or c == "H" or c == "B" or c == "b" or c == "i" then
    cf[c] = true
    return rest
  end
  io.stderr:write("Bad option after -C: ", c, "\n", usage_text("table"))
  return nil, 1
end

M.table_copt = table_copt

return M
