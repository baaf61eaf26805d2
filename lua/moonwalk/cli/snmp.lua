-- moonwalk get|getnext|bulkget|walk|bulkwalk|set|table: the net-snmp tools.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local fmt = require "moonwalk.fmt"
local args = require "moonwalk.cli.args"
local common = require "moonwalk.cli.common"
local session_mod = require "moonwalk.session"
-- the usage texts and snmptable are loaded when needed: a plain get does
-- not pay for them at start-up
local function usage_text(cmd) return require("moonwalk.cli.usage").text(cmd) end
local conf = require "moonwalk.cli.conf"

local M = {}

local out = io.stdout

local function print_vb(vb, flags)
  out:write(fmt.varbind(vb, flags), "\n")
end

-- "Error in packet" as the tools print it: snmpget without the period;
-- the failed object only for a non-zero error index (empty when the
-- reply has no varbind there), fprint_objid's newline after it.
local function errpacket(err, flags, dot)
  io.stderr:write("Error in packet", dot and "." or "", "\nReason: ", err.reason or err.message, "\n")
  if err.index and err.index > 0 then
    io.stderr:write("Failed object: ", err.oid and (fmt.oid(err.oid, flags) .. "\n") or "", "\n")
  end
end

-- the net-snmp tool each command stands for, as it names itself in errors
local tools = {
  get = "snmpget", getnext = "snmpgetnext", bulkget = "snmpbulkget", walk = "snmpwalk",
  bulkwalk = "snmpbulkwalk", set = "snmpset", table = "snmptable", trap = "snmptrap",
  inform = "snmpinform",
}
M.tools = tools

local function report(err, flags, cmd)
  if err.kind == "report" or err.kind == "usm" then
    -- SNMPv3 reports and USM errors: "snmpget: Unknown user name"
    io.stderr:write(tools[cmd] or cmd, ": ", err.message, "\n")
    return 1
  elseif err.kind == "timeout" then
    -- snmpget and snmpgetnext end the line with a period, the others not
    if cmd ~= "get" and cmd ~= "getnext" then
      io.stderr:write((err.message:gsub("%.$", "")), "\n")
    else
      io.stderr:write(err.message, "\n")
    end
    return 1
  elseif err.kind == "status" then
    errpacket(err, flags, cmd ~= "get")
    -- snmpgetnext exits 2 only when the error names a varbind
    if cmd == "getnext" and not (err.index and err.index > 0) then return 0 end
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
      if err:find("Unknown Object Identifier", 1, true) then io.stderr:write(common.module_errors(s)) end
      if err:sub(1, #s + 27) == s .. ": Unknown Object Identifier" then
        -- the MIB layer's words, as snmp_parse_oid's
        io.stderr:write(err, "\n")
      elseif err:find("Unknown Object Identifier", 1, true) then
        -- net-snmp names the first label it could not find
        io.stderr:write(s, ": Unknown Object Identifier (Sub-id not found: (top) -> ", s:match("^[^.]*"), ")\n")
      else
        io.stderr:write(s, ": ", err, "\n")
      end
      if err:find("Unknown Object Identifier", 1, true) then common.hint_missing(s) end
      return false
    end
  end
  return true
end

-- GET / GETNEXT with net-snmp's fix-up: on an error-status, print it,
-- drop the failed varbind and ask again for the rest.
local function get_like(s, method, oids, flags, nofix)
  local rc = 0
  while #oids > 0 do
    local vbs, err = s[method](s, oids)
    if vbs then
      for _, vb in ipairs(vbs) do print_vb(vb, flags) end
      return rc
    end
    rc = report(err, flags, method)
    if nofix then return rc end
    if err.kind ~= "status" or not err.index or err.index < 1 or err.index > #oids then return rc end
    table.remove(oids, err.index)
  end
  return rc
end


-- snmp_get_and_print: a GET whose answer is printed whatever it holds
-- (v2c exceptions too); nothing on an error-status. Returns the count.
local function get_and_print(s, root, flags)
  local vbs = s:get(root)
  if not vbs then return 0 end
  for _, vb in ipairs(vbs) do print_vb(vb, flags) end
  return #vbs
end

M.check_oids = check_oids

-- walk, set and snmptable's -C letters are in moonwalk.cli.snmp.more,
-- loaded by the first command that needs them: a get does not read them
local function more() return require "moonwalk.cli.snmp.more" end
function M.mib_value(...) return more().mib_value(...) end
M._internal = { report = report, print_vb = print_vb, get_and_print = get_and_print,
                usage_text = usage_text }



-- The -C letters of each tool, as its optProc reads them. Each handler
-- gets the rest of the -C text, the flags so far and take() (the next
-- argument); it returns the text left to read, or nil, rc to stop (its
-- message written).
local function unknown_c(tool)
  return function(c)
    io.stderr:write("Unknown flag passed to -C: ", c, "\n")
    return nil, 1
  end
end

local function toggle(cf, c) cf[c] = not cf[c] or nil end

local function bulk_number(cmd)
  -- n and r take a number right after them (strtol); none is a usage error
  return function(c, rest, cf)
    local n, after = args.strtol(rest)
    if not n then
      io.stderr:write(usage_text(cmd))
      return nil, 1
    end
    cf[c] = n
    -- blank after the number: the rest of this -C is ignored
    if after:match("^%s") then return "" end
    return after
  end
end

local ctools = {
  get = { f = toggle }, getnext = { f = toggle },
  walk = { i = toggle, I = toggle, p = toggle, c = toggle, t = toggle, T = toggle,
           E = function(c, rest, cf, take) cf.E = take(); return rest end },
  bulkwalk = { c = toggle, i = toggle, p = toggle, n = bulk_number "bulkwalk", r = bulk_number "bulkwalk" },
  bulkget = { n = bulk_number "bulkget", r = bulk_number "bulkget" },
  set = { q = toggle },
  trap = { i = toggle }, inform = { i = toggle },
}

local out_letters = "0abeEfnqQsStTuUvxX"
local in_letters = "bhrRu"
local mib_letters = "ucdewWR"

-- strtoul(s, 10) as -Z reads its numbers, kept to what an engine's
-- boots and time can hold (0 to 2147483647): the number and the text
-- after it, or nil when no digits start s.
local function strtoul(s)
  local ws, sign, digits = s:match("^(%s*)([+-]?)(%d*)")
  if digits == "" then return nil end
  local n = math.tointeger(tonumber(digits)) or math.maxinteger
  if sign == "-" then n = (-n) % 4294967296 end
  return math.min(n, 2147483647), s:sub(#ws + #sign + #digits + 1)
end

-- atof as net-snmp reads -t: the leading number, 0 when there is none
local function atof(s)
  local n = s:match("^%s*[+-]?0[xX]%x+") or s:match("^%s*[+-]?%d*%.?%d+[eE][+-]?%d+") or s:match("^%s*[+-]?%d+%.?%d*")
    or s:match("^%s*[+-]?%.%d+")
  return n and tonumber(n) or 0
end

-- snmp_parse_args for one tool: options anywhere (GNU getopt), checked
-- as net-snmp checks them, each error with net-snmp's message and usage.
-- Returns o, rest, cf, or nil, rc.
function M.parse(argv, cmd)
  local o = { O = "", C = "", I = "", P = "", D = {} }
  local cf = {}
  local function use(msg)
    if msg then io.stderr:write(msg) end
    io.stderr:write(usage_text(cmd))
    return 1
  end
  local ctool = ctools[cmd]
  local on_opt
  on_opt = function(c, v, take, peek)
    if c == "-" then
      local name = v:match("^[^=]*")
      if name:lower() == "help" then return use() end
      if name:lower() == "version" then
        io.stderr:write("moonwalk version: ", core.version, "\n")
        return 0
      end
      o._long = o._long or {}
      o._long[#o._long + 1] = v
    elseif c == "V" then
      io.stderr:write("moonwalk version: ", core.version, "\n")
      return 0
    elseif c == "h" then
      return use()
    elseif c == "H" then
      -- net-snmp reads the files first (init_snmp), so their errors show
      common.load_conf(tools[cmd]).finish()
      io.stderr:write(conf.help(tools[cmd]))
      return 0
    elseif c == "O" then
      local i = 1
      while i <= #v do
        local l = v:sub(i, i)
        if l == "p" then
          -- -Op PRECISION: the rest of the text, or the next argument
          o.precision = v:sub(i + 1) ~= "" and v:sub(i + 1) or take()
          break
        end
        if not out_letters:find(l, 1, true) then
          return use("Unknown output option passed to -O: " .. l .. ".\n")
        end
        o.O = o.O .. l
        i = i + 1
      end
    elseif c == "I" then
      for i = 1, #v do
        local l = v:sub(i, i)
        if l == "s" or l == "S" then
          o["I" .. l] = v:sub(i + 1) ~= "" and v:sub(i + 1) or take()
          break
        end
        if not in_letters:find(l, 1, true) then
          return use("Unknown input option passed to -I: " .. l .. ".\n")
        end
        o.I = o.I .. l
      end
    elseif c == "P" then
      for l in v:gmatch(".") do
        if not mib_letters:find(l, 1, true) then
          return use("Unknown parsing option passed to -P: " .. l .. ".\n")
        end
      end
      o.P = o.P .. v
    elseif c == "v" then
      local lv = v:lower()
      if v ~= "1" and lv ~= "2c" and lv ~= "3" then
        return use("Invalid version specified after -v flag: " .. v .. "\n")
      end
      o.v = lv
    elseif c == "p" then
      return use("Warning: -p option is no longer used - specify the remote host as HOST:PORT\n")
    elseif c == "T" then
      if not v:find("=", 1, true) then return use("-T expects a NAME=VALUE pair.\n") end
      o.T = v
    elseif c == "t" then
      if atof(v) * 1000000 // 1 <= 0 then
        return use("Invalid timeout in seconds after -t flag.\n")
      end
      o.t = tostring(atof(v))
    elseif c == "r" then
      if args.atoi(v) < 0 or not v:match("^%d") then
        return use("Invalid number of retries after -r flag.\n")
      end
      o.r = tostring(args.atoi(v))
    elseif c == "L" then
      local l = v:sub(1, 1)
      if not ("eonfsEONFS"):find(l, 1, true) or l == "" then
        return use("Unknown logging option passed to -L: " .. l .. ".\n")
      end
      o.L = v
    elseif c == "D" then
      -- debug_register_tokens: moonwalk has no debug tokens of its own
      for tok in v:gmatch("[^,]+") do
        if tok ~= "ALL" then io.stderr:write("registered debug token ", tok, ", 1\n") end
      end
      o.D[#o.D + 1] = v
    elseif c == "d" then
      o.d = true
    elseif c == "3" then
      -- snmpv3_options: -3X VALUE, -3XVALUE or -3X=VALUE; the letters of
      -- the plain options are read as those options, with their checks
      local l = v:sub(1, 1)
      local val = v:sub(2):gsub("^=", "", 1):gsub("^%s+", "")
      if val == "" then
        val = take()
        if val == nil then return use("Missing argument after SNMPv3 '-3" .. l .. "' option.\n") end
      end
      if ("mMkK"):find(l, 1, true) and l ~= "" then
        o["3" .. l] = val
      elseif ("ZeEnulaAxX"):find(l, 1, true) and l ~= "" then
        return on_opt(l, val, take, peek)
      else
        return use("Unknown SNMPv3 option passed to -3: " .. l .. ".\n")
      end
    elseif c == "C" then
      if cmd == "table" then
        local r = v
        while r ~= "" do
          local l = r:sub(1, 1)
          local left, rc = more().table_copt(l, r:sub(2), cf, take)
          if not left then return rc end
          r = left
        end
      else
        if not ctool then
          io.stderr:write(tools[cmd] or cmd, ": invalid option -- 'C'\n")
          return use()
        end
        local r = v
        while r ~= "" do
          local l = r:sub(1, 1)
          local h = ctool[l]
          if not h then return select(2, unknown_c()(l)) end
          if h == toggle then
            toggle(cf, l)
            r = r:sub(2)
          else
            local left, rc = h(l, r:sub(2), cf, take)
            if not left then return rc end
            r = left
          end
        end
      end
      o.C = o.C .. v
    elseif c == "Z" then
      -- BOOTS,TIME; or the old "-Z BOOTS TIME", where TIME is read from
      -- the next argument and still left there (net-snmp's argv[optind])
      local boots, after = strtoul(v)
      if not boots then return use("Need engine boots value after -3Z flag.\n") end
      local time
      if after:sub(1, 1) == "," then
        time = strtoul(after:sub(2))
        if not time then return use('Need engine time after "-3Z engineBoot,".\n') end
      else
        local nxt = peek()
        time = nxt and strtoul(nxt)
        if not time then return use('Need engine time after "-Z engineBoot".\n') end
      end
      o.engine_boots, o.engine_time = boots, time
    else
      -- the rest keep their value as given: -c -m -M -u -l -a -A -x -X -e -E -n -L -s -Y
      o[c] = v
      local list = o["_" .. c] or {}
      list[#list + 1] = v
      o["_" .. c] = list
    end
    return nil
  end
  local rest, err = args.getopt(argv, args.NETSNMP_OPTS .. "C:", on_opt, cmd == "set" or cmd == "trap" or cmd == "inform")
  if not rest then
    if type(err) == "number" then return nil, err end
    local tool = tools[cmd] or cmd
    if err.missing then
      io.stderr:write(tool, ": option requires an argument -- '", err.bad, "'\n")
    else
      io.stderr:write(tool, ": invalid option -- '", err.bad, "'\n")
    end
    return nil, use()
  end
  return o, rest, cf
end

function M.main(argv, cmd)
  local o, rest, cf = M.parse(argv, cmd)
  if not o then return rest end
  local cfg = common.load_conf(tools[cmd])
  common.setup_mibs(o, true)
  cfg.finish()
  conf.apply(cfg, o)
  common.output_defaults(o, cfg, cmd == "table")
  if cmd == "walk" or cmd == "bulkwalk" then
    -- snmpwalk.conf's toggles are set after the options, as net-snmp's
    for l, on in pairs(cfg.walk_c) do cf[l] = on or nil end
  end
  if o.d then core.udp_dump(true) end
  local flags = fmt.flags(o.O)
  if cf.q and cmd == "set" then flags._quiet = true end
  -- net-snmp's default version is 3 (no defVersion in snmp.conf)
  o.v = o.v or "3"
  local agent = table.remove(rest, 1)
  if not agent then
    io.stderr:write("No hostname specified.\n", usage_text(cmd))
    return 1
  end
  agent = conf.with_port(agent, cfg.values.defaultport)
  if (o.v == "1" or o.v == "2c") and not o.c then
    io.stderr:write("No community name specified.\n", usage_text(cmd))
    return 1
  end
  if cmd == "table" and #rest ~= 1 then
    io.stderr:write("Must have exactly one table name\n", usage_text(cmd))
    return 1
  end
  if (cmd == "get" or cmd == "getnext" or cmd == "set") and #rest == 0 then
    io.stderr:write("Missing object name\n", usage_text(cmd))
    return 1
  end
  if cmd == "set" and not more().set_args_ok(rest) then return 1 end
  if cmd == "bulkget" and #rest < (cf.n or 0) then
    io.stderr:write("snmpbulkget: need more objects than <nonrep>\n")
    return 1
  end
  if cmd == "walk" and cf.E then
    if not check_oids({ cf.E }, flags) then return 1 end
    cf.E = core.oid(cf.E)
  end
  local so, serr = common.session_opts(o, agent)
  if not so then io.stderr:write(serr, "\n", usage_text(cmd)); return 1 end
  if not common.v3_keys_ok(so, tools[cmd]) then return 1 end
  if cmd == "bulkget" or cmd == "bulkwalk" then
    if so.version == "1" then
      io.stderr:write(cmd == "bulkget" and "snmpbulkget" or "snmpbulkwalk",
        ": Cannot send V2 PDU on V1 session\n")
      return 1
    end
  end
  -- snmpwalk and snmpbulkwalk read the first OID only
  if (cmd == "walk" or cmd == "bulkwalk") and #rest > 1 then rest = { rest[1] } end
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
      if so.version == "3" and not so.engine_id then
        -- discovery first, as snmp_open's probe: a silent agent fails it
        -- with the tool's "Timeout" before any request is made
        local eid, derr = s:engine_id()
        if not eid and derr.kind == "timeout" then
          io.stderr:write(tools[cmd], ": Timeout\n")
          rc = 1
          return
        end
      end
      if so.version == "3" then s = common.digest_warnings(s, so.user or "") end
      if cmd == "get" then
        rc = get_like(s, "get", rest, flags, cf.f)
      elseif cmd == "getnext" then
        rc = get_like(s, "getnext", rest, flags, cf.f)
      elseif cmd == "bulkget" then
        local vbs, err2 = s:getbulk(rest, cf.n or 0, cf.r or 10)
        if not vbs then rc = report(err2, flags, cmd) return end
        for _, vb in ipairs(vbs) do print_vb(vb, flags) end
      elseif cmd == "walk" or cmd == "bulkwalk" then
        rc = more().walk_cmd(s, cmd, rest[1] or "1.3.6.1.2.1", flags, cf, (o.L or ""):match("^[nN]") ~= nil)
      elseif cmd == "set" then
        rc = more().set_cmd(s, rest, flags, o.I)
      elseif cmd == "table" then
        cf.v1 = so.version == "1"
        rc = require("moonwalk.cli.table").run(s, rest[1], o.O, cf, agent)
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
