-- InfluxDB line protocol, sent over UDP or HTTP.
--
--   local db = mw.influx{ url = "http://127.0.0.1:8086/write?db=snmp" }
--   local db = mw.influx{ udp = "127.0.0.1:8089" }
--   db:write("ifTraffic", { host = "r1", ifName = "ge-0/0/1" },
--            { inOctets = 123, rate = 1.5e6, descr = "uplink" } [, time])
--   db:flush()     -- in a task; otherwise points go out within `interval`
--
-- Points are buffered and sent in batches: at most `batch` lines per HTTP
-- POST (5000) or as many as fit in `payload` bytes per datagram (1400),
-- at the latest `interval` seconds (1.0) after the first buffered point.
-- time is in seconds (mw.time()); without it the server stamps the point.
--
-- Escaping follows the line protocol reference: in measurements commas
-- and spaces are escaped; in tag keys, tag values and field keys commas,
-- equals signs and spaces; string field values are quoted with double
-- quotes and backslashes escaped. The protocol has no escape for line
-- breaks outside string fields, so they become spaces there. Tags with an
-- empty value are left out, as the protocol requires. Integers are written
-- with the i suffix; Counter64 values above 2^63-1 (negative Lua
-- integers) as floats; NaN and infinities, which InfluxDB refuses, make
-- write() raise.
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"
local log = require "moonwalk.log"

local M = {}

local function nolines(s) return (s:gsub("[\r\n]", " ")) end

local function esc_measurement(s)
  return (nolines(s):gsub("[, ]", "\\%0"))
end

local function esc_key(s)
  return (nolines(s):gsub("[,= ]", "\\%0"))
end

local function esc_string(s)
  return '"' .. s:gsub('[\\"]', "\\%0") .. '"'
end

local function fmt_float(v)
  if v ~= v or v == math.huge or v == -math.huge then
    error("InfluxDB cannot store NaN or infinity", 4)
  end
  local s = string.format("%.15g", v)
  if tonumber(s) ~= v then s = string.format("%.17g", v) end
  return s
end

local function u64float(v) return (v >> 1) * 2.0 + (v & 1) end

local function field_value(v)
  local t = type(v)
  if t == "table" and getmetatable(v) and getmetatable(v).__name == "moonwalk.value" then
    if v.type == "Counter64" and math.type(v.value) == "integer" and v.value < 0 then
      return fmt_float(u64float(v.value))
    end
    v = v.value
    t = type(v)
  end
  if t == "number" then
    if math.type(v) == "integer" then return string.format("%di", v) end
    return fmt_float(v)
  elseif t == "boolean" then
    return v and "true" or "false"
  elseif t == "string" then
    return esc_string(v)
  end
  error("field values must be numbers, booleans or strings, got " .. t, 4)
end

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do
    if type(k) ~= "string" then error("tag and field names must be strings", 4) end
    ks[#ks + 1] = k
  end
  table.sort(ks)
  return ks
end

-- line(measurement, tags, fields [, time]) -> one line of line protocol
function M.line(measurement, tags, fields, time)
  if type(measurement) ~= "string" or measurement == "" then error("measurement name expected", 2) end
  if type(fields) ~= "table" then error("fields table expected", 2) end
  local parts = { esc_measurement(measurement) }
  if tags then
    for _, k in ipairs(sorted_keys(tags)) do
      local v = tags[k]
      if v ~= nil and v ~= "" then
        parts[#parts + 1] = "," .. esc_key(k) .. "=" .. esc_key(tostring(v))
      end
    end
  end
  local fs = {}
  for _, k in ipairs(sorted_keys(fields)) do
    if k == "" then error("empty field name", 2) end
    fs[#fs + 1] = esc_key(k) .. "=" .. field_value(fields[k])
  end
  if #fs == 0 then error("a point needs at least one field", 2) end
  parts[#parts + 1] = " " .. table.concat(fs, ",")
  if time ~= nil then
    if type(time) ~= "number" then error("time must be seconds (a number)", 2) end
    -- microseconds are exact in a double for current dates; ns for the wire
    parts[#parts + 1] = string.format(" %d000", math.floor(time * 1e6 + 0.5))
  end
  return table.concat(parts)
end

local Writer = {}
Writer.__index = Writer

local function open(opts)
  local self = setmetatable({
    buf = {}, size = 0, sent = 0, dropped = 0, errors = 0,
    batch = opts.batch or 5000,
    payload = opts.payload or 1400,
    interval = opts.interval or 1.0,
    timeout = opts.timeout or 5,
  }, Writer)
  if opts.url then
    local url = opts.url
    if opts.db and not url:find("[?&]db=") then
      url = url .. (url:find("?", 1, true) and "&" or "?") .. "db=" .. opts.db
    end
    if not url:find("[?&]precision=") then
      url = url .. (url:find("?", 1, true) and "&" or "?") .. "precision=ns"
    end
    self.url = url
    self.headers = { ["Content-Type"] = "text/plain; charset=utf-8" }
    if opts.token then self.headers.Authorization = "Token " .. opts.token end
  elseif opts.udp then
    local host, port = tostring(opts.udp):match("^(.*):(%d+)$")
    if not host then error("udp needs \"host:port\"", 3) end
    core.engine_init()
    local family = host:find(":", 1, true) and "udp6:[::]:0" or "0.0.0.0:0"
    local sock, err = core.udp_open(family, function() end)
    if not sock then return nil, err end
    self.sock, self.dest = sock, opts.udp
  else
    error("influx needs url= (HTTP) or udp= (\"host:port\")", 3)
  end
  return self
end

-- new{ url= | udp=, db=, batch=, payload=, interval=, timeout=, token= }
function M.new(opts)
  if type(opts) ~= "table" then error("influx expects a table", 2) end
  local key = "influx " .. tostring(opts.url or opts.udp)
  local rt = package.loaded["moonwalk.runtime"]
  if rt then
    return rt.claim(key, function() return open(opts) end, function(w) w:close() end)
  end
  return open(opts)
end

-- write(measurement, tags, fields [, time]) -> true
function Writer:write(measurement, tags, fields, time)
  if self.closed then error("writer is closed", 2) end
  local line = M.line(measurement, tags, fields, time)
  local buf = self.buf
  buf[#buf + 1] = line
  self.size = self.size + #line + 1
  if self.sock then
    if self.size >= self.payload then self:_send_udp() end
  elseif #buf >= self.batch then
    self:_schedule(0)
  end
  if #self.buf > 0 then self:_schedule(self.interval) end
  return true
end

-- one datagram per run of lines that fits in payload bytes
function Writer:_send_udp()
  local buf = self.buf
  self.buf, self.size = {}, 0
  local chunk, n = {}, 0
  local function send()
    if #chunk == 0 then return end
    local ok, err = self.sock:send(self.dest, table.concat(chunk, "\n") .. "\n")
    if ok then self.sent = self.sent + #chunk
    else
      self.errors = self.errors + 1
      self.dropped = self.dropped + #chunk
      log.warn("influx udp %s: %s", self.dest, tostring(err))
    end
    chunk, n = {}, 0
  end
  for _, line in ipairs(buf) do
    if n > 0 and n + #line + 1 > self.payload then send() end
    chunk[#chunk + 1] = line
    n = n + #line + 1
  end
  send()
  return true
end

function Writer:_post(lines)
  local status, body = core.http_request {
    method = "POST", url = self.url, body = table.concat(lines, "\n") .. "\n",
    headers = self.headers, timeout = self.timeout,
  }
  if status and status >= 200 and status < 300 then
    self.sent = self.sent + #lines
    return true
  end
  self.errors = self.errors + 1
  self.dropped = self.dropped + #lines
  local err = status and string.format("HTTP %d: %s", status, (body or ""):gsub("%s+$", "")) or body
  return nil, err
end

-- flush() -> true | nil, err. Over HTTP it waits, so call it in a task.
function Writer:flush()
  if #self.buf == 0 then return true end
  if self.sock then return self:_send_udp() end
  local okall, lasterr = true, nil
  while #self.buf > 0 do
    local lines = {}
    local buf = self.buf
    table.move(buf, 1, math.min(#buf, self.batch), 1, lines)
    self.buf = table.move(buf, #lines + 1, #buf, 1, {})
    self.size = 0
    local ok, err = self:_post(lines)
    if not ok then okall, lasterr = false, err end
  end
  if not okall then return nil, lasterr end
  return true
end

-- a flush `delay` seconds from now, unless one is already due
function Writer:_schedule(delay)
  if self.pending then return end
  self.pending = true
  sched.spawn(function()
    if delay > 0 then core.sleep(delay) end
    self.pending = false
    local ok, err = self:flush()
    if not ok then log.warn("influx %s: %s", self.url or self.dest, tostring(err)) end
  end)
end

-- close(): sends what is buffered (over HTTP only when called in a task).
function Writer:close()
  if self.closed then return end
  if self.sock or coroutine.isyieldable() then
    local ok, err = self:flush()
    if not ok then log.warn("influx %s: %s", self.url or self.dest, tostring(err)) end
  elseif #self.buf > 0 then
    log.warn("influx %s: %d point(s) not sent at close", self.url, #self.buf)
  end
  if self.sock then self.sock:close() end
  self.closed = true
end

return setmetatable(M, { __call = function(_, opts) return M.new(opts) end })
