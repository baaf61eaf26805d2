-- The agent of scripts/bench/cluster: one moonwalk agent on 127.0.0.1:port=
-- answering targets= communities (c00001, c00002, ...), one per target.
local mw = require "moonwalk"
local opt = { targets = "3000" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end
local communities = {}
for i = 1, tonumber(opt.targets) do communities[i] = string.format("c%05d", i) end
assert(mw.agent { listen = { "udp:127.0.0.1:" .. opt.port }, communities = communities,
                  system = { name = "bench" } })
