-- moonwalk translate [OPTIONS] NAME|OID...: snmptranslate's behaviour and
-- output. Called as require("moonwalk.cli.translate").main(args) with the
-- arguments after the command name; returns the exit status.
local mib = require "moonwalk.mib"

local M = {}

local function usage(out)
  out:write([[
USAGE: translate [OPTIONS] OID [OID]...

  Version:  ]] .. (require("moonwalk.core").version or "") .. [[

OPTIONS:
  -h			display this help message
  -V			display package version number
  -m MIB[:...]		load given list of MIBs (ALL loads everything)
  -M DIR[:...]		look in given list of directories for MIBs
  -D			debugging output (ignored)
  -w WIDTH		set width of tree and detail output
  -T TRANSOPTS		Set various options controlling report produced:
			  B:  print all matching objects for a regex search
			  d:  print full details of the given OID
			  p:  print tree format symbol table
			  a:  print ASCII format symbol table
			  l:  enable labeled OID report
			  o:  enable OID report
			  s:  enable dotted symbolic report
			  z:  enable MIB child OID report
			  t:  enable alternate format symbolic suffix report
  -P MIBOPTS		Toggle various defaults controlling mib parsing (ignored)
  -O OUTOPTS		Toggle various defaults controlling output display:
			  b:  do not break OID indexes down
			  E:  escape quotes in string indices
			  f:  print full OIDs on output
			  n:  print OIDs numerically
			  s:  print only last symbolic element of OID
			  S:  print MIB module-id plus last element
			  u:  print OIDs using UCD-style prefix suppression
			  X:  extended index format
  -I INOPTS		Toggle various defaults controlling input parsing:
			  b:  do best/regex matching to find a MIB node
			  R:  do random access to OID labels
]])
end

-- getopt for "-Xvalue" and "-X value"; returns opts list and operands.
local with_arg = { m = true, M = true, O = true, T = true, I = true, P = true,
                   w = true, D = false, L = true }

local function parse_args(args)
  local opts, rest = {}, {}
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then
      for j = i + 1, #args do rest[#rest + 1] = args[j] end
      break
    elseif a:sub(1, 1) == "-" and #a > 1 and not a:match("^%-[%d.]") then
      local j = 2
      while j <= #a do
        local c = a:sub(j, j)
        if with_arg[c] then
          local v = a:sub(j + 1)
          if v == "" then
            i = i + 1
            v = args[i]
            if v == nil then return nil, "option requires an argument -- '" .. c .. "'" end
          end
          opts[#opts + 1] = { c, v }
          break
        elseif c == "D" then
          opts[#opts + 1] = { c, a:sub(j + 1) }
          break
        else
          opts[#opts + 1] = { c }
        end
        j = j + 1
      end
    else
      rest[#rest + 1] = a
    end
    i = i + 1
  end
  return opts, rest
end

function M.main(args, out, err)
  -- the dispatcher passes the command name second; streams are for tests
  if io.type(out) ~= "file" then out = io.stdout end
  if io.type(err) ~= "file" then err = io.stderr end
  local opts, names = parse_args(args or {})
  if not opts then
    err:write(names, "\n")
    usage(err)
    return 1
  end
  local dirs, mods, oflags, describe, width = nil, nil, "", false, 1000000
  local random, regex = false, false
  local print_kind, report, find_all = 0, "", false
  for _, o in ipairs(opts) do
    local c, v = o[1], o[2]
    if c == "h" then
      usage(err)
      return 1
    elseif c == "V" then
      err:write("moonwalk version: ", require("moonwalk.core").version or "", "\n")
      return 0
    elseif c == "m" then
      mods = v
    elseif c == "M" then
      dirs = dirs and (v:match("^[+-]") and dirs .. ":" .. v:sub(2) or v) or v
    elseif c == "O" then
      for ch in v:gmatch(".") do
        if not ("0abeEfnqQsStTuUvxX"):find(ch, 1, true) then
          err:write("Unknown OID option to -O: ", ch, ".\n")
          usage(err)
          return 1
        end
      end
      oflags = oflags .. v
    elseif c == "T" then
      for ch in v:gmatch(".") do
        if ch == "d" then
          describe = true
        elseif ch == "B" then
          find_all = true
        elseif ch == "p" then
          print_kind = 1
        elseif ch == "a" then
          print_kind = 2
        elseif ("loszt"):find(ch, 1, true) then
          print_kind = 3
          if not report:find(ch, 1, true) then report = report .. ch end
        else
          err:write("Invalid -T<lostpad> character: ", ch, "\n")
          usage(err)
          return 1
        end
      end
    elseif c == "I" then
      for ch in v:gmatch(".") do
        if ch == "R" then random = not random
        elseif ch == "b" then regex = not regex
        elseif not ("hru"):find(ch, 1, true) then
          err:write("Unknown OID option to -I: ", ch, ".\n")
          usage(err)
          return 1
        end
      end
    elseif c == "w" then
      width = tonumber(v)
      if not width or width <= 0 then
        err:write("Invalid width specification: ", v, "\n")
        return 1
      end
    elseif c == "P" or c == "D" or c == "L" then
      -- parser toggles and debugging: accepted, no effect
    else
      err:write("invalid option: -", c, "\n")
      usage(err)
      return 1
    end
  end

  -- snmp.conf: its MIB directives, and its messages for bad lines
  local cfg = require("moonwalk.cli.common").load_conf("snmptranslate")
  mib.reset()
  mib.setup { dirs = dirs, modules = mods }
  local e = mib.errors()
  if e ~= "" then err:write(e) end
  cfg.finish()
  -- the output toggles of snmp.conf (printNumericOids, oidOutputFormat,
  -- ...) are set after the options, as init_snmp sets them
  oflags = require("moonwalk.cli.conf").output(cfg, oflags)

  if #names == 0 then
    if print_kind == 1 then
      out:write(mib.tree(nil, width) or "")
    elseif print_kind == 2 then
      out:write(mib.ascii_dump())
    elseif print_kind == 3 then
      out:write(mib.oid_report(report))
    else
      usage(err)
      return 1
    end
    return 0
  end
  local form = mib.output_options(oflags)
  for i, name in ipairs(names) do
    local oid, detail
    if find_all and not random then
      -- -TB: every match of the first argument, then stop (as snmptranslate)
      local list = mib.wild_all(name)
      if #list == 0 then
        err:write('Unable to find a matching object identifier for "', name, '"\n')
        return 1
      end
      for _, o in ipairs(list) do
        out:write(mib.name(o, form), "\n")
        if describe then
          local d = mib.describe(o, width)
          if d then out:write(d, "\n") end
        end
      end
      return 0
    end
    if random then
      oid = mib.oid(name, "random")
      if not oid then
        err:write("Unknown object identifier: ", name, "\n")
        require("moonwalk.cli.common").hint_missing(name)
        return 2
      end
    elseif regex then
      oid = mib.oid(name, "wild")
      if not oid then
        err:write('Unable to find a matching object identifier for "', name, '"\n')
        return 1
      end
    else
      oid, detail = mib.oid(name, "strict")
      if not oid then
        e = mib.errors()
        if e ~= "" then err:write(e) end
        err:write(detail, "\n")
        require("moonwalk.cli.common").hint_missing(name)
        return 2
      end
    end
    e = mib.errors()
    if e ~= "" then err:write(e) end
    if print_kind == 1 then
      local t = mib.tree(oid, width)
      if not t then
        err:write('Unable to find a matching object identifier for "', name, '"\n')
        return 1
      end
      out:write(t)
    else
      out:write(mib.name(oid, form), "\n")
      if describe then
        local d = mib.describe(oid, width)
        if d then out:write(d, "\n") end
      end
    end
    if i < #names then out:write("\n") end
  end
  return 0
end

return M
