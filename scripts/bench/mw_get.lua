-- GET rate with N requests in flight: moonwalk run mw_get.lua PEER N SECONDS
local mw = require "moonwalk"
local peer, n, secs = arg[1], tonumber(arg[2]), tonumber(arg[3])
local s = mw.session { peer = peer, version = "2c", timeout = 1, retries = 0,
                        max_inflight = false } -- the in-flight count is the one asked for, not the default window of 64
local count, errors = 0, 0
local t0 = mw.now()
local stop = t0 + secs
local tasks = {}
for i = 1, n do
  tasks[i] = mw.spawn(function()
    local get = s.get
    while mw.now() < stop do
      if get(s, "1.3.6.1.2.1.1.5.0") then count = count + 1 else errors = errors + 1 end
    end
  end)
end
mw.wait_all(tasks)
local t = mw.now() - t0
print(string.format("%.0f", count / t))
io.stderr:write(string.format("moonwalk: %d responses, %d errors in %.2fs\n", count, errors, t))
