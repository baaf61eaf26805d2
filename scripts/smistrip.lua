-- smistrip in Lua: extracts MIB modules from RFC text, as libsmi's
-- smistrip does (Debian's smitools does not ship it).
--
--   lua5.4 scripts/smistrip.lua -d DIR [-m MOD1:MOD2...] FILE|-
--
-- A module runs from its "NAME DEFINITIONS ::= BEGIN" line to its "END"
-- line (the BEGIN ... END of its MACROs nested inside). Page breaks inside it (the footer "... [Page N]", the form
-- feed, the "RFC NNNN  Title  Month Year" header and the blank lines
-- around them) are dropped, and the indentation of the DEFINITIONS line
-- is taken off every line. Each module wanted (all without -m) is written
-- to DIR/NAME. Prints the names written, one a line.
local dir, wanted, file = ".", nil, nil
local i = 1
while i <= #arg do
  local a = arg[i]
  if a == "-d" then i = i + 1; dir = arg[i]
  elseif a == "-m" then
    i = i + 1
    wanted = {}
    for m in arg[i]:gmatch("[^:]+") do wanted[m] = true end
  elseif a == "-v" or a == "-a" then -- smistrip's verbose / all: no-ops here
  else file = a end
  i = i + 1
end
if not file then
  io.stderr:write("usage: smistrip.lua -d DIR [-m MODULES] FILE|-\n")
  os.exit(1)
end

local f = file == "-" and io.stdin or assert(io.open(file, "rb"))
local text = f:read("a")
if f ~= io.stdin then f:close() end

local function is_footer(l) return l:match("%[[Pp]age [ivxlc%d]+%]%s*$") ~= nil end
local function is_header(l)
  return l:match("^RFC %d+") ~= nil and l:match("%u%l+ %d%d%d%d%s*$") ~= nil
    or l:match("^Internet[ -]Draft") ~= nil
end

local module, indent, lines, blanks, in_break
local depth -- MACRO ... ::= BEGIN ... END inside the module
local count = 0
for raw in (text .. "\n"):gmatch("([^\n]*)\n") do
  local l = raw:gsub("\r", ""):gsub("%s+$", "")
  local ff = l:find("\f", 1, true) ~= nil
  l = l:gsub("\f", "")
  if not module then
    local pre, name = l:match("^(%s*)([%a][%w-]*)%s+DEFINITIONS%s*::=%s*BEGIN$")
    if not name then pre, name = l:match("^(%s*)([%a][%w-]*)%s+PIB%-DEFINITIONS%s*::=%s*BEGIN$") end
    if name then
      module, indent, lines, blanks, in_break = name, #pre, { l:sub(#pre + 1) }, 0, false
      depth = 0
    end
  else
    if is_footer(l) then
      in_break = true
    elseif ff or (in_break and is_header(l)) then
      in_break = true
    elseif in_break and l == "" then
      -- blank lines of the page break
    else
      if l == "" then
        blanks = blanks + 1
      else
        if in_break then
          -- a page break in a run of blank lines keeps one blank at most
          if blanks > 1 then blanks = 1 end
          in_break = false
        end
        for _ = 1, blanks do lines[#lines + 1] = "" end
        blanks = 0
        local pre = l:match("^%s*")
        if #pre >= indent then l = l:sub(indent + 1) else l = l:sub(#pre + 1) end
        lines[#lines + 1] = l
        if l:match("^%s*BEGIN$") or l:match("::=%s*BEGIN$") then
          depth = depth + 1
        elseif l:match("^%s*END$") and depth > 0 then
          depth = depth - 1
        elseif l:match("^%s*END$") then
          if not wanted or wanted[module] then
            local out = assert(io.open(dir .. "/" .. module, "wb"))
            out:write(table.concat(lines, "\n"), "\n")
            out:close()
            print(module)
            count = count + 1
          end
          module = nil
        end
      end
    end
  end
end
os.exit(count > 0 and 0 or 1)
