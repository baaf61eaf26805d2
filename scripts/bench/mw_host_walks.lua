-- Whole host tree bulk walks, for scripts/bench/agent's host section:
-- moonwalk run mw_host_walks.lua PEER WALKS MAXREP
-- Walks IF-MIB, IP-MIB (with IP-FORWARD-MIB), ICMP, TCP-MIB, UDP-MIB, HOST-RESOURCES-MIB and
-- UCD-SNMP-MIB WALKS times, one after
-- the other; prints the varbinds of the last walk and the wall time.
local mw = require "moonwalk"
local peer, walks, mr = arg[1], tonumber(arg[2] or 1000), tonumber(arg[3] or 50)
local trees = { "1.3.6.1.2.1.2", "1.3.6.1.2.1.4", "1.3.6.1.2.1.5", "1.3.6.1.2.1.6", "1.3.6.1.2.1.7",
                "1.3.6.1.2.1.25", "1.3.6.1.2.1.31", "1.3.6.1.4.1.2021" }
local s = mw.session { peer = peer, version = "2c", community = "public", timeout = 2, retries = 2 }
local t0 = mw.now()
local n
for _ = 1, walks do
  n = 0
  for _, t in ipairs(trees) do
    for vb, err in s:bulkwalk(t, { max_repetitions = mr }) do
      if not vb then error(tostring(err)) end
      n = n + 1
    end
  end
end
print(string.format("%d %.3f", n, mw.now() - t0))
