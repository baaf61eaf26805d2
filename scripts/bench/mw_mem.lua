-- Memory per in-flight request: N requests outstanding at a silent peer.
-- moonwalk run mw_mem.lua PORT N
local mw = require "moonwalk"
local port, n = arg[1], tonumber(arg[2] or 10000)
local function rss()
  local f = io.open("/proc/self/statm")
  local _, res = f:read("n", "n")
  f:close()
  return res * 4096
end
collectgarbage()
collectgarbage()
local s = mw.session { peer = "127.0.0.1:" .. port, version = "2c", timeout = 30, retries = 0 }
-- warm up the engine (socket buffers, first allocations)
mw.spawn(function() s:get "1.3.6.1.2.1.1.5.0" end)
mw.sleep(0.2)
collectgarbage()
local before = rss()
local kb = collectgarbage("count")
for i = 1, n do
  mw.spawn(function() s:get "1.3.6.1.2.1.1.5.0" end)
end
mw.sleep(0.5)
local st = mw.stats()
local after = rss()
print(string.format("%.0f", (after - before) / n))
io.stderr:write(string.format("in flight %d; RSS +%d bytes (%.0f B/request); Lua heap +%.0f B/request\n",
  st.inflight, after - before, (after - before) / n, (collectgarbage("count") - kb) * 1024 / n))
os.exit(0)
