-- A Prometheus endpoint: metrics set from Lua, served in the text
-- exposition format (version 0.0.4) by libevent's evhttp.
--
--   local prom = mw.prometheus{ listen = "127.0.0.1:9100" }   -- path "/metrics"
--   local up = prom:gauge{ name = "snmp_up", help = "Agent answers", labels = { "target" } }
--   up:set(1, { target = "r1" })
--   local octets = prom:counter{ name = "if_in_octets_total", help = "...", labels = { "target", "ifName" } }
--   octets:set(123456, { target = "r1", ifName = "eth0" })   -- an SNMP counter as read
--   octets:inc(10, { ... })                                  -- or counted here
--   octets:labels{ target = "r1", ifName = "eth0" }:set(5)   -- a bound series
--   octets:remove{ target = "r1", ifName = "eth0" }          -- drops a series
--
-- Calling mw.prometheus again with the same listen address gives the same
-- endpoint and metrics (so a reload keeps them); declaring a metric again
-- with the same name and type gives the existing one. Unless
-- engine_stats = false, the endpoint also exports the SNMP engine's
-- counters (moonwalk_snmp_*).
local core = require "moonwalk.core"
local sched = require "moonwalk.sched"

local M = {}

local CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

local function check_name(name)
  if type(name) ~= "string" or not name:match("^[%a_:][%w_:]*$") then
    error(string.format("bad metric name %q", tostring(name)), 3)
  end
end

local function check_label(name)
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") or name:sub(1, 2) == "__" then
    error(string.format("bad label name %q", tostring(name)), 4)
  end
end

local function esc_help(s)
  return (s:gsub("\\", "\\\\"):gsub("\n", "\\n"))
end

local function esc_label(s)
  return (s:gsub('[\\"\n]', { ["\\"] = "\\\\", ['"'] = '\\"', ["\n"] = "\\n" }))
end

-- number -> text as Prometheus parses it
local function fmt_value(v, unsigned)
  if math.type(v) == "integer" then
    if v < 0 and unsigned then
      return string.format("%.17g", (v >> 1) * 2.0 + (v & 1))
    end
    return string.format("%d", v)
  end
  if v ~= v then return "NaN" end
  if v == math.huge then return "+Inf" end
  if v == -math.huge then return "-Inf" end
  local s = string.format("%.15g", v)
  if tonumber(s) ~= v then s = string.format("%.17g", v) end
  return s
end
M.format_value = fmt_value

local function plain(v)
  if type(v) == "table" and getmetatable(v) and getmetatable(v).__name == "moonwalk.value" then
    v = v.value
  end
  if type(v) == "boolean" then return v and 1 or 0 end
  if type(v) ~= "number" then error("metric values must be numbers, got " .. type(v), 4) end
  return v
end

local Metric = {}
Metric.__index = Metric

-- series key and the rendered label set, in a stable order
function Metric:_series(labels)
  labels = labels or {}
  local names = self.label_names
  local parts, key = {}, {}
  if names then
    for k in pairs(labels) do
      if not self.label_set[k] then
        error(string.format("metric %s has no label %q", self.name, tostring(k)), 4)
      end
    end
  else
    names = {}
    for k in pairs(labels) do
      check_label(k)
      names[#names + 1] = k
    end
    table.sort(names)
  end
  for _, k in ipairs(names) do
    local v = labels[k]
    if v == nil then v = "" end
    v = tostring(v)
    key[#key + 1] = k .. "\0" .. v
    if v ~= "" then parts[#parts + 1] = k .. '="' .. esc_label(v) .. '"' end
  end
  local k = table.concat(key, "\1")
  local s = self.series[k]
  if not s then
    s = { text = #parts > 0 and ("{" .. table.concat(parts, ",") .. "}") or "", value = 0 }
    self.series[k] = s
    self.order[#self.order + 1] = k
  end
  return s, k
end

-- set(value [, labels])
function Metric:set(v, labels)
  v = plain(v)
  local s = self:_series(labels)
  s.value = v
  return self
end

-- inc([n [, labels]]): n defaults to 1; counters only go up.
function Metric:inc(n, labels)
  if type(n) == "table" and labels == nil and not getmetatable(n) then n, labels = 1, n end
  n = plain(n or 1)
  if self.type == "counter" and n < 0 then error("a counter cannot go down", 2) end
  local s = self:_series(labels)
  s.value = s.value + n
  return self
end

function Metric:dec(n, labels)
  if self.type == "counter" then error("a counter cannot go down", 2) end
  if type(n) == "table" and labels == nil then n, labels = 1, n end
  return self:inc(-(n or 1), labels)
end

function Metric:get(labels)
  local _, k = self:_series(labels)
  return self.series[k].value
end

function Metric:remove(labels)
  local _, k = self:_series(labels)
  self.series[k] = nil
  for i, x in ipairs(self.order) do
    if x == k then table.remove(self.order, i) break end
  end
end

function Metric:reset()
  self.series, self.order = {}, {}
end

-- labels(tbl) -> a series bound to those labels, with set/inc/dec/get
function Metric:labels(labels)
  local m = self
  return {
    set = function(_, v) return m:set(v, labels) end,
    inc = function(_, n) return m:inc(n or 1, labels) end,
    dec = function(_, n) return m:dec(n or 1, labels) end,
    get = function() return m:get(labels) end,
  }
end

function Metric:_render(out)
  if #self.order == 0 then return end
  if self.help then out[#out + 1] = "# HELP " .. self.name .. " " .. esc_help(self.help) end
  out[#out + 1] = "# TYPE " .. self.name .. " " .. self.type
  local unsigned = self.type == "counter"
  for _, k in ipairs(self.order) do
    local s = self.series[k]
    out[#out + 1] = self.name .. s.text .. " " .. fmt_value(s.value, unsigned)
  end
end

local Registry = {}
Registry.__index = Registry

local function metric(self, kind, spec, help, labels)
  if type(spec) == "string" then spec = { name = spec, help = help, labels = labels } end
  if type(spec) ~= "table" then error(kind .. " expects {name=, help=, labels=}", 3) end
  check_name(spec.name)
  local m = self.metrics[spec.name]
  if m then
    if m.type ~= kind then
      error(string.format("metric %s is already a %s", spec.name, m.type), 3)
    end
    if spec.help then m.help = spec.help end
    return m
  end
  m = setmetatable({ name = spec.name, help = spec.help, type = kind, series = {}, order = {} }, Metric)
  if spec.labels then
    m.label_names, m.label_set = {}, {}
    for _, l in ipairs(spec.labels) do
      check_label(l)
      m.label_names[#m.label_names + 1] = l
      m.label_set[l] = true
    end
  end
  self.metrics[spec.name] = m
  return m
end

function Registry:gauge(spec, help, labels) return metric(self, "gauge", spec, help, labels) end
function Registry:counter(spec, help, labels) return metric(self, "counter", spec, help, labels) end

function Registry:metric(name) return self.metrics[name] end

local engine_counters = {
  { "sent", "moonwalk_snmp_requests_sent_total", "SNMP messages sent (first transmissions)" },
  { "retransmits", "moonwalk_snmp_retransmits_total", "SNMP requests sent again after a timeout" },
  { "timeouts", "moonwalk_snmp_timeouts_total", "SNMP requests that got no answer" },
  { "received", "moonwalk_snmp_received_total", "SNMP messages received" },
  { "parse_errors", "moonwalk_snmp_parse_errors_total", "Received messages that could not be parsed" },
}

function Registry:_engine_stats(out)
  local ok, st = pcall(core.stats)
  if not ok or type(st) ~= "table" then st = {} end
  for _, e in ipairs(engine_counters) do
    if st[e[1]] then
      out[#out + 1] = "# HELP " .. e[2] .. " " .. e[3]
      out[#out + 1] = "# TYPE " .. e[2] .. " counter"
      out[#out + 1] = e[2] .. " " .. fmt_value(st[e[1]])
    end
  end
  if st.inflight then
    out[#out + 1] = "# HELP moonwalk_snmp_inflight SNMP requests waiting for an answer"
    out[#out + 1] = "# TYPE moonwalk_snmp_inflight gauge"
    out[#out + 1] = "moonwalk_snmp_inflight " .. fmt_value(st.inflight)
  end
  self:_cluster_stats(out)
end

-- the cluster of this process (moonwalk run --cluster), when there is one
function Registry:_cluster_stats(out)
  local cl = package.loaded["moonwalk.cluster"]
  local c = cl and cl.active
  if not c or c.closed then return end
  local st = c:stats()
  for _, e in ipairs(cl.series) do
    if st[e[1]] ~= nil then
      out[#out + 1] = "# HELP " .. e[2] .. " " .. e[4]
      out[#out + 1] = "# TYPE " .. e[2] .. " " .. e[3]
      out[#out + 1] = e[2] .. " " .. fmt_value(st[e[1]])
    end
  end
end

-- render() -> the exposition text
function Registry:render()
  local names = {}
  for n in pairs(self.metrics) do names[#names + 1] = n end
  table.sort(names)
  local out = {}
  for _, n in ipairs(names) do self.metrics[n]:_render(out) end
  if self.engine_stats then self:_engine_stats(out) end
  out[#out + 1] = ""
  return table.concat(out, "\n")
end

function Registry:_handle(method, path)
  if path == self.path then
    self.scrapes = self.scrapes + 1
    return 200, CONTENT_TYPE, method == "HEAD" and "" or self:render()
  elseif path == "/" then
    return 200, "text/html; charset=utf-8",
      '<html><head><title>moonwalk</title></head><body><h1>moonwalk</h1><p><a href="'
      .. self.path .. '">Metrics</a></p></body></html>\n'
  end
  return 404, "text/plain; charset=utf-8", "not found\n"
end

function Registry:port() return self.server and self.server:port() end

function Registry:close()
  if self.server then
    self.server:close()
    self.server = nil
    sched.release()
  end
end

local function parse_listen(s)
  local h6, p6 = s:match("^%[(.+)%]:(%d+)$")
  if h6 then return h6, tonumber(p6) end
  local h, p = s:match("^(.*):(%d+)$")
  if h then return (h == "" and "0.0.0.0" or h), tonumber(p) end
  if s:match("^%d+$") then return "0.0.0.0", tonumber(s) end
  return nil
end

-- registry(opts) without a listener: render() it yourself.
function M.registry(opts)
  opts = opts or {}
  return setmetatable({
    metrics = {}, path = opts.path or "/metrics", scrapes = 0,
    engine_stats = opts.engine_stats ~= false,
  }, Registry)
end

local function open(opts)
  local host, port = parse_listen(opts.listen)
  if not host then error(string.format("bad listen address %q (host:port)", opts.listen), 4) end
  core.engine_init()
  local reg = M.registry(opts)
  local srv, err = core.http_listen(host, port, function(method, path)
    return reg:_handle(method, path)
  end)
  if not srv then return nil, err end
  reg.server = srv
  reg.listen = opts.listen
  sched.hold()
  return reg
end

-- new{ listen = "host:port", path = "/metrics", engine_stats = true }
-- -> registry | nil, err
local by_listen = {}
function M.new(opts)
  if type(opts) == "string" then opts = { listen = opts } end
  if type(opts) ~= "table" or type(opts.listen) ~= "string" then
    error("prometheus expects {listen = \"host:port\"}", 2)
  end
  local key = "prometheus " .. opts.listen
  local rt = package.loaded["moonwalk.runtime"]
  if rt then
    return rt.claim(key, function() return open(opts) end, function(r) r:close() end)
  end
  local r = by_listen[key]
  if r and r.server then return r end
  local err
  r, err = open(opts)
  if not r then return nil, err end
  by_listen[key] = r
  return r
end

return setmetatable(M, { __call = function(_, opts) return M.new(opts) end })
