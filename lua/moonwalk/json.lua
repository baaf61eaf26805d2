-- JSON and JSON lines, encoded by lua-cjson.
--
--   mw.json.encode(v) -> text        mw.json.decode(text) -> v
--   local out = mw.json.lines()      -- stdout; or lines("file.jsonl"),
--                                    -- lines(io.stderr), lines(function(line) ... end)
--   out:write{ event = "linkDown", ifIndex = 3 }   -- one object per line
--
-- Before cjson sees a value it is made JSON-safe: typed values
-- (mw.Counter64(...), varbind values) become their plain value; integers
-- of 10^14 and more become decimal strings (cjson prints numbers with 14
-- significant digits, and JSON readers hold numbers as doubles, which are
-- exact only to 2^53; Counter64 values above 2^63 come out unsigned), and
-- byte strings that are not UTF-8 become "0x" followed by lowercase hex.
local cjson = require "cjson"
local core = require "moonwalk.core"

local M = {}

local codec = cjson.new()
codec.encode_invalid_numbers("null")
codec.encode_sparse_array(true)

local BIG = 100000000000000 -- 10^14

local function u64(v)
  if v >= 0 then return tostring(v) end
  local q = (v >> 1) // 5
  return tostring(q) .. tostring(v - q * 10)
end

local function safe(v, depth, seen)
  local t = type(v)
  if t == "number" then
    if math.type(v) == "integer" and (v >= BIG or v <= -BIG) then
      return v < 0 and tostring(v) or u64(v)
    end
    return v
  elseif t == "string" then
    if utf8.len(v) then return v end
    return "0x" .. core.tohex(v)
  elseif t == "table" then
    local mt = getmetatable(v)
    if mt and mt.__name == "moonwalk.value" then
      if v.type == "Counter64" and math.type(v.value) == "integer" then
        local n = v.value
        if n < 0 or n >= BIG then return u64(n) end
        return n
      end
      return safe(v.value, depth, seen)
    end
    if mt and mt.__name == "moonwalk.oid" or core.is_oid(v) then return tostring(v) end
    if seen[v] then error("cannot encode a table that contains itself", 0) end
    if depth > 100 then error("tables nested too deep to encode", 0) end
    seen[v] = true
    local out = {}
    for k, x in pairs(v) do
      local kk = k
      if type(k) == "string" and not utf8.len(k) then kk = "0x" .. core.tohex(k) end
      out[kk] = safe(x, depth + 1, seen)
    end
    seen[v] = nil
    return out
  elseif t == "userdata" then
    if core.is_oid(v) then return tostring(v) end
    return tostring(v)
  end
  return v
end
M.safe = function(v) return safe(v, 0, {}) end

-- encode(v) -> text (raises on values JSON cannot hold, such as functions)
function M.encode(v)
  return codec.encode(safe(v, 0, {}))
end

-- decode(text) -> value | nil, err
function M.decode(s)
  local ok, v = pcall(codec.decode, s)
  if not ok then return nil, v end
  return v
end

M.null = cjson.null

local Lines = {}
Lines.__index = Lines

-- lines([target]) -> writer. target: nil (stdout), a file handle, a path
-- (opened for appending) or a function called with each line (no "\n").
function M.lines(target)
  local self = setmetatable({ count = 0 }, Lines)
  if target == nil then
    self.file = io.stdout
  elseif type(target) == "string" then
    local f, err = io.open(target, "a")
    if not f then return nil, err end
    f:setvbuf("line")
    self.file, self.owned = f, true
  elseif type(target) == "function" then
    self.fn = target
  elseif io.type(target) == "file" then
    self.file = target
  else
    error("json.lines expects a path, a file or a function", 2)
  end
  return self
end

-- writer:write(obj) -> true | nil, err
function Lines:write(obj)
  local ok, line = pcall(M.encode, obj)
  if not ok then return nil, line end
  self.count = self.count + 1
  if self.fn then
    self.fn(line)
    return true
  end
  local w, err = self.file:write(line, "\n")
  if not w then return nil, err end
  self.file:flush()
  return true
end

function Lines:close()
  if self.owned and self.file then self.file:close() end
  self.file = nil
end

return M
