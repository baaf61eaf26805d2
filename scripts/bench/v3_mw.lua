-- moonwalk's side of scripts/bench/v3, against snmpd, v2c or SNMPv3
-- authPriv (SHA-256/AES-128, user "bench" as scripts/bench/v3 makes it):
--   moonwalk run v3_mw.lua get  PEER 2c|3 N SECONDS       N GETs in flight
--   moonwalk run v3_mw.lua walk PEER 2c|3 MAXREP SECONDS  bulk walks of
--                                                         .1.3.6.1.2.1
-- Prints "RATE CPU_US": requests (or varbinds) per second and this
-- process's CPU time per request (or varbind) in microseconds.
local mw = require "moonwalk"
local mode, peer, version, n, secs = arg[1], arg[2], arg[3], tonumber(arg[4]), tonumber(arg[5])

local opts = { peer = peer, version = version, timeout = 1, retries = 1 }
if version == "3" then
  opts.user, opts.level = "bench", "authPriv"
  opts.auth, opts.auth_pass = "SHA-256", "benchauth1"
  opts.priv, opts.priv_pass = "AES", "benchpriv1"
else
  opts.community = "public"
end

local count, walks, errors = 0, 0, 0
local t0, c0
mw.run(function()
  local s = mw.session(opts)
  if version == "3" then assert(s:engine_id()) end -- discovery before the clock starts
  assert(s:get "1.3.6.1.2.1.1.5.0")
  t0, c0 = mw.now(), os.clock()
  local stop = t0 + secs
  if mode == "get" then
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
  else
    while mw.now() < stop do
      for vb in s:bulkwalk("1.3.6.1.2.1", { max_repetitions = n }) do
        if not vb then errors = errors + 1 break end
        count = count + 1
      end
      walks = walks + 1
    end
  end
end)
local t, cpu = mw.now() - t0, os.clock() - c0
print(string.format("%.0f %.1f", count / t, count > 0 and cpu * 1e6 / count or 0))
io.stderr:write(string.format("v3_mw %s v%s: %d %s, %d walks, %d errors in %.2fs, %.2fs CPU\n",
  mode, version, count, mode == "get" and "responses" or "varbinds", walks, errors, t, cpu))
