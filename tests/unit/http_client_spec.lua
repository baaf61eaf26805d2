-- mw.http_request gives its connection back whatever the outcome: a
-- request to a port where nothing listens (connection refused) used to
-- keep its connection for ever (libevent's free-on-completion does not
-- cover a failed connect), about 1.4 KiB a request, so a poller writing to
-- an InfluxDB that is down grew without bound.
local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local R = require "run"

describe("mw.http_request", function()
  it("5,000 refused requests leave the resident size where it was", function()
    local script = os.tmpname()
    R.write(script, [[
      local mw = require "moonwalk"
      local port = require("moonwalk.core").free_udp_port()
      local function rss()
        for l in io.lines("/proc/self/status") do
          local kb = l:match("^VmRSS:%s+(%d+)")
          if kb then return tonumber(kb) end
        end
      end
      local url = "http://127.0.0.1:" .. port .. "/"
      -- warm up: allocator pools, DNS base, the first connections
      for _ = 1, 500 do assert(mw.http_request { url = url } == nil) end
      collectgarbage()
      local before = rss()
      local failed = 0
      for _ = 1, 5000 do
        local code, err = mw.http_request { url = url }
        if code == nil and err:match("connection refused") then failed = failed + 1 end
      end
      collectgarbage()
      print(failed, rss() - before)
    ]])
    -- a sanitizer build keeps freed blocks in quarantine, which would show
    -- as growth: without it, its leak check still applies
    local env = ""
    local asan = os.getenv("ASAN_OPTIONS")
    if asan then env = "env ASAN_OPTIONS=" .. asan .. ":quarantine_size_mb=0 " end
    local out = R.sh(env .. BIN .. " run " .. script)
    os.remove(script)
    local failed, grew = out:match("^(%d+)%s+(%-?%d+)")
    assert.is_truthy(failed, out)
    assert.equal(5000, tonumber(failed))
    -- a leaked connection per request would be about 7 MB here
    assert.is_true(tonumber(grew) < 2048, "resident size grew by " .. grew .. " KiB")
  end)
end)
