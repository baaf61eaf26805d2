-- Memory per in-flight request when one task fans out with mw.batch.
-- moonwalk run mw_mem_batch.lua PORT N
local mw = require "moonwalk"
local port, n = arg[1], tonumber(arg[2] or 10000)
local function rss()
  local f = io.open("/proc/self/statm")
  local _, res = f:read("n", "n")
  f:close()
  return res * 4096
end
local s = mw.session { peer = "127.0.0.1:" .. port, version = "2c", timeout = 30, retries = 0 }
mw.spawn(function() s:get "1.3.6.1.2.1.1.5.0" end)
mw.sleep(0.2)
local list = {}
for i = 1, n do list[i] = { s, "get", { "1.3.6.1.2.1.1.5.0" } } end
collectgarbage()
collectgarbage()
local before = rss()
mw.spawn(function() mw.batch(list) end)
mw.sleep(0.5)
local st = mw.stats()
local after = rss()
print(string.format("%.0f", (after - before) / n))
io.stderr:write(string.format("in flight %d; RSS +%d bytes (%.0f B/request)\n",
  st.inflight, after - before, (after - before) / n))
os.exit(0)
