-- Storms: 100,000 traps sent as fast as a sender process can at the
-- receiver. It survives, its memory stays bounded, and every trap sent is
-- accounted for: received + dropped (queue full, or the socket's receive
-- buffer full, as the kernel counts it) = sent.
local mw = require "moonwalk"
local td = require "snmptrapd"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local N = 100000

local SENDER = [[
local core = require "moonwalk.core"
local mw = require "moonwalk"
local port, n, out = tonumber(arg[1]), tonumber(arg[2]), arg[3]
local s = assert(core.udp_open("udp:127.0.0.1:0", function() end))
local pkts = {}
for i = 1, 16 do
  pkts[i] = assert(mw.encode{ version = 1, community = "public", pdu = { type = "trap", request_id = i, varbinds = {
    { oid = "1.3.6.1.2.1.1.3.0", type = "Timeticks", value = i },
    { oid = "1.3.6.1.6.3.1.1.4.1.0", type = "OID", value = "1.3.6.1.6.3.1.1.5.3" },
    { oid = "1.3.6.1.2.1.2.2.1.1." .. i, type = "INTEGER", value = i },
    { oid = "1.3.6.1.2.1.1.5.0", type = "STRING", value = "storm" } } } })
end
local addr = "udp:127.0.0.1:" .. port
local sent = 0
for i = 1, n do
  if s:send(addr, pkts[i % 16 + 1]) then sent = sent + 1 end
end
local f = assert(io.open(out, "w"))
f:write(sent, "\n")
f:close()
]]

local function rss_kb()
  for l in io.lines("/proc/self/status") do
    local v = l:match("^VmRSS:%s+(%d+)")
    if v then return tonumber(v) end
  end
end

-- Memory now against a baseline. The Lua heap: what stays live after a full
-- collection must not grow (no notification is retained), and its peak,
-- sampled from the handlers during the storm, may exceed the baseline only
-- by what the collector's pace allows (the default pause of 200 lets the
-- heap reach twice the live set before a cycle starts, so the allowance
-- grows with whatever earlier specs left live) plus 32 MB. The process's
-- RSS too, except under AddressSanitizer, whose quarantine of freed blocks
-- (hundreds of MB) is not the receiver's memory.
local peak_lua = 0
local function sample() local c = collectgarbage("count") if c > peak_lua then peak_lua = c end end
local function mem() collectgarbage() peak_lua = 0 return { lua = collectgarbage("count"), rss = rss_kb() } end
local function assert_bounded(before)
  sample()
  local peak = peak_lua - before.lua
  assert.is_true(peak < before.lua + 32 * 1024,
    "the Lua heap peaked " .. math.floor(peak) .. " kB above a live set of " .. math.floor(before.lua) .. " kB")
  collectgarbage()
  local kept = collectgarbage("count") - before.lua
  assert.is_true(kept < 4 * 1024, "the Lua heap kept " .. math.floor(kept) .. " kB after a full collection")
  if os.getenv("SANITIZE") ~= "1" then
    local grew = rss_kb() - before.rss
    assert.is_true(grew < 64 * 1024, "memory grew by " .. grew .. " kB")
  end
end

-- Sends N traps from another process; returns how many the socket took.
local function storm(rx, dir)
  local p = td.spawn(string.format("%s run %s/sender.lua %d %d %s/sent", BIN, dir, rx.port, N, dir))
  local rc, out, err = p:wait(60)
  assert.same({ 0, "", "" }, { rc, out, err })
  return tonumber(td.slurp(dir .. "/sent"))
end

describe("trapd storm", function()
  local dir
  setup(function()
    dir = td.tmpdir()
    td.write(dir .. "/sender.lua", SENDER)
  end)
  teardown(function() os.execute("rm -rf " .. dir) end)

  it("survives 100,000 traps with a counting handler: received + dropped = sent", function()
    td.with_rx({ community = "public" }, function(rx)
      local count = 0
      rx:on(function()
        count = count + 1
        if count % 1000 == 0 then sample() end
      end)
      local before = mem()
      local sent = storm(rx, dir)
      assert.is_true(sent > N * 0.99, "the sender could not send: " .. tostring(sent))
      assert.is_true(td.wait_until(function()
        local s = rx:stats()
        return s.received + s.dropped >= sent and s.queue_len == 0 and s.active_tasks == 0
      end, 20))
      local s = rx:stats()
      assert.equal(sent, s.received + s.dropped)
      assert.equal(s.received, s.handled)
      assert.equal(s.received, count)
      assert.equal(0, s.parse_errors)
      assert.is_true(s.queue_peak <= 10000)
      assert_bounded(before)
      -- and it still works
      local last
      rx:on("1.3.6.1.6.3.1.1.5.1", function(n) last = n end)
      assert(mw.trap{ peer = "127.0.0.1:" .. rx.port, community = "public", trap_oid = "1.3.6.1.6.3.1.1.5.1" })
      assert.is_true(td.wait_until(function() return last ~= nil end))
    end)
  end)

  it("with slow handlers, the bounded queue overflows and memory stays bounded", function()
    td.with_rx({ community = "public", queue = 2000, max_tasks = 100 }, function(rx)
      local done, running, peak = 0, 0, 0
      rx:on(function()
        running = running + 1
        if running > peak then peak = running end
        mw.sleep(0.05)
        running = running - 1
        done = done + 1
        if done % 100 == 0 then sample() end
      end)
      local before = mem()
      local sent = storm(rx, dir)
      assert.is_true(sent > N * 0.99, "the sender could not send: " .. tostring(sent))
      assert.is_true(td.wait_until(function() return rx:stats().received + rx:stats().dropped >= sent end, 20))
      local mid = rx:stats()
      assert.is_true(mid.queue_len <= 2000)
      assert.is_true(mid.dropped_queue > 0)
      assert_bounded(before)
      assert.is_true(td.wait_until(function()
        local s = rx:stats()
        return s.queue_len == 0 and s.active_tasks == 0
      end, 20))
      local s = rx:stats()
      assert.equal(sent, s.received + s.dropped)
      assert.equal(s.received, done)
      assert.equal(100, peak)
      assert.equal(2000, s.queue_peak)
    end)
  end)
end)
