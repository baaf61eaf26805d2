-- Lua API bulk walk: varbinds decoded and delivered per second.
-- moonwalk run mw_walk.lua PEER MAXREP [SUBTREE]
local mw = require "moonwalk"
local peer, mr, subtree = arg[1], tonumber(arg[2] or 50), arg[3] or "1.3.6.1.2.1.99.1"
local s = mw.session { peer = peer, version = "2c", timeout = 1, retries = 1 }
local t0 = mw.now()
local n = 0
for vb, err in s:bulkwalk(subtree, { max_repetitions = mr }) do
  if not vb then error(tostring(err)) end
  n = n + 1
end
local t = mw.now() - t0
print(string.format("%.0f", n / t))
io.stderr:write(string.format("moonwalk Lua walk: %d varbinds in %.3fs\n", n, t))
