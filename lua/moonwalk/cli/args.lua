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

return A
