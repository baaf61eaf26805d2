-- net-snmp style option parsing (snmp_parse_args): single-letter options,
-- values attached (-v2c) or separate (-v 2c), repeated -O/-C letters
-- accumulate. Stops at the first argument that is not an option.
local A = {}

local with_value = {
  v = true, c = true, t = true, r = true, m = true, M = true, O = true, I = true,
  P = true, L = true, e = true, E = true, n = true, u = true, l = true, a = true,
  A = true, x = true, X = true, Z = true, T = true, C = true, s = true, S = true,
  k = true, K = true, y = true, Y = true, ["3"] = true,
}

-- parse(args, extra) -> opts, rest | nil, message
-- extra: table of additional options: name -> true (takes a value) or false.
-- Long options (--name=value or --name value) are accepted when listed in
-- extra as "--name".
function A.parse(args, extra)
  extra = extra or {}
  local o = { O = "", C = "", _long = {} }
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then i = i + 1 break end
    if a:sub(1, 2) == "--" then
      local name, val = a:match("^%-%-([^=]+)=(.*)$")
      name = name or a:sub(3)
      local spec = extra["--" .. name]
      if spec == nil then return nil, "Invalid option: " .. a end
      if spec then
        if not val then
          i = i + 1
          val = args[i]
          if val == nil then return nil, "option --" .. name .. " needs a value" end
        end
        local list = o._long[name] or {}
        list[#list + 1] = val
        o._long[name] = list
      else
        o._long[name] = true
      end
      i = i + 1
    elseif a:sub(1, 1) == "-" and #a > 1 then
      local letter = a:sub(2, 2)
      local takes = with_value[letter]
      if extra[letter] ~= nil then takes = extra[letter] end
      if takes then
        local val = a:sub(3)
        if val == "" then
          i = i + 1
          val = args[i]
          if val == nil then return nil, "option -" .. letter .. " needs a value" end
        end
        if letter == "O" or letter == "C" then
          o[letter] = o[letter] .. val
        elseif letter == "3" then
          o["3" .. val:sub(1, 1)] = val:sub(2) ~= "" and val:sub(2) or nil
          if val:sub(2) == "" then
            i = i + 1
            o["3" .. val:sub(1, 1)] = args[i]
          end
        else
          o[letter] = val
          local list = o["_" .. letter] or {}
          list[#list + 1] = val
          o["_" .. letter] = list
        end
      else
        o[letter] = true
        -- bundled flags: -dq is not a net-snmp habit; treat the rest as value
        if #a > 2 then o[letter] = a:sub(3) end
      end
      i = i + 1
    else
      break
    end
  end
  local rest = {}
  for j = i, #args do rest[#rest + 1] = args[j] end
  return o, rest
end

-- Letter flags inside -C with an optional number: -Cr10 -> {r=10}
function A.cflags(s)
  local t = {}
  local i = 1
  while i <= #s do
    local c = s:sub(i, i)
    local num = s:match("^%d+", i + 1)
    if num then
      t[c] = tonumber(num)
      i = i + 1 + #num
    else
      t[c] = true
      i = i + 1
    end
  end
  return t
end

-- The options snmp_parse_args knows, in getopt's notation.
A.NETSNMP_OPTS = "Y:VhHm:M:O:I:P:D:dv:r:t:c:Z:e:E:n:u:l:x:X:a:A:p:T:-:3:L:s:"

-- GNU getopt as net-snmp's tools use it (glibc, with permutation): options
-- may follow the agent and the OIDs, "--" ends them, "-" alone is an
-- argument. optstring lists the letters, ':' after those that take a
-- value. on_opt(letter, value, take, peek) is called for each option in
-- order; take() hands out the next argument (net-snmp's argv[optind++],
-- for -Cw 80 and -CE OID) and peek() shows it without taking it
-- (argv[optind], for -Z's old "-Z BOOTS TIME" form). on_opt returns nil
-- to go on, or a result to stop with. Returns the non-option arguments, or
-- nil and on_opt's result, or nil and { bad = letter, missing = true|nil }
-- for getopt's own errors.
-- posix: stop at the first argument that is not an option, as with
-- POSIXLY_CORRECT (snmpset sets it, so that values such as -5 pass).
function A.getopt(argv, optstring, on_opt, posix)
  local spec = {}
  for i = 1, #optstring do
    local c = optstring:sub(i, i)
    if c ~= ":" then spec[c] = optstring:sub(i + 1, i + 1) == ":" end
  end
  local rest = {}
  local i = 1
  local function take()
    i = i + 1
    return argv[i]
  end
  local function peek() return argv[i + 1] end
  while i <= #argv do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, #argv do rest[#rest + 1] = argv[j] end
      break
    elseif a:sub(1, 1) ~= "-" or a == "-" then
      if posix then
        for j = i, #argv do rest[#rest + 1] = argv[j] end
        break
      end
      rest[#rest + 1] = a
    else
      local k = 2
      while k <= #a do
        local c = a:sub(k, k)
        local takes = spec[c]
        if takes == nil then return nil, { bad = c } end
        if takes then
          local val = a:sub(k + 1)
          if val == "" then
            i = i + 1
            val = argv[i]
            if val == nil then return nil, { bad = c, missing = true } end
          end
          local r = on_opt(c, val, take, peek)
          if r ~= nil then return nil, r end
          break
        end
        local r = on_opt(c, nil, take)
        if r ~= nil then return nil, r end
        k = k + 1
      end
    end
    i = i + 1
  end
  return rest
end

-- strtol(s, 0) as the -Cr/-Cn parsers use it: the number at the start of
-- s (decimal, 0x hex or 0 octal, after blanks and a sign) and the text
-- after it, or nil when no digits start s.
function A.strtol(s)
  local ws, sign, body = s:match("^(%s*)([+-]?)(.*)$")
  local n, len
  local hex = body:match("^0[xX](%x+)")
  if hex then
    n, len = tonumber(hex, 16), 2 + #hex
  else
    local oct = body:match("^0([0-7]*)")
    if oct then
      n, len = (oct == "" and 0 or tonumber(oct, 8)), 1 + #oct
    else
      local dec = body:match("^%d+")
      if not dec then return nil end
      n, len = tonumber(dec), #dec
    end
  end
  if sign == "-" then n = -n end
  return n, s:sub(#ws + #sign + len + 1)
end

-- atoi: the leading decimal number of s, 0 when there is none.
function A.atoi(s)
  local n = (s or ""):match("^%s*([+-]?%d+)")
  return n and math.tointeger(tonumber(n)) or 0
end

return A
