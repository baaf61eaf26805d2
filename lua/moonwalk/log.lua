-- Structured logs with levels, to stderr (or syslog when the CLI asks).
local L = {}
local levels = { debug = 10, info = 20, warn = 30, error = 40, off = 100 }
local threshold = levels[os.getenv("MOONWALK_LOG") or ""] or levels.info
local sink = function(level, line) io.stderr:write(line, "\n") end

L.levels = levels

function L.set_level(name)
  assert(levels[name], "unknown log level " .. tostring(name))
  threshold = levels[name]
end

function L.level() for k, v in pairs(levels) do if v == threshold then return k end end end

function L.enabled(level) return levels[level] >= threshold end

-- sink(level, line): replaces where lines go (syslog, a test buffer).
function L.set_sink(fn) local old = sink; sink = fn; return old end

local function emit(level, fmt, ...)
  if levels[level] < threshold then return end
  local ok, msg = pcall(string.format, fmt, ...)
  if not ok then msg = tostring(fmt) end
  sink(level, string.format("%s %-5s %s", os.date("!%Y-%m-%dT%H:%M:%SZ"), level, msg))
end

for name in pairs(levels) do
  if name ~= "off" then
    L[name] = function(fmt, ...) return emit(name, fmt, ...) end
  end
end

return L
