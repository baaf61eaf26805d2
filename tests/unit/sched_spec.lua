-- Tasks, timers and the loop.
local mw = require "moonwalk"
local R = require "run"

local function capture_logs()
  local lines = {}
  local old = mw.log.set_sink(function(level, l) lines[#lines + 1] = l end)
  return lines, function() mw.log.set_sink(old) end
end

describe("tasks and timers", function()
  it("run returns what the task returns", function()
    assert.same({ 1, "two" }, { mw.run(function() return 1, "two" end) })
  end)

  it("sleep pauses a task and others run meanwhile", function()
    local order = {}
    mw.run(function()
      local a = mw.spawn(function() mw.sleep(0.05); order[#order + 1] = "slow" end)
      local b = mw.spawn(function() mw.sleep(0.01); order[#order + 1] = "fast" end)
      mw.wait_all { a, b }
    end)
    assert.same({ "fast", "slow" }, order)
  end)

  it("sleep lasts about as long as asked", function()
    local took = mw.run(function()
      local t0 = mw.now()
      mw.sleep(0.1)
      return mw.now() - t0
    end)
    assert.is_true(took >= 0.095)
  end)

  it("after runs once, later", function()
    local hits = {}
    mw.run(function()
      local t = mw.after(0.02, function(x) hits[#hits + 1] = x end, "late")
      hits[#hits + 1] = "now"
      t:wait()
    end)
    assert.same({ "now", "late" }, hits)
  end)

  it("every runs each period as its own task until cancelled", function()
    local n = 0
    mw.run(function()
      local h = mw.every(0.02, function() n = n + 1 end)
      mw.sleep(0.11)
      h:cancel()
    end)
    assert.is_true(n >= 4 and n <= 7, "ran " .. n .. " times")
  end)

  it("wait_all gathers results in order", function()
    local res = mw.run(function()
      local ts = {}
      for i = 1, 5 do ts[i] = mw.spawn(function() mw.sleep(0.01 * (6 - i)); return i * i end) end
      return mw.wait_all(ts)
    end)
    for i = 1, 5 do
      assert.is_true(res[i][1])
      assert.equal(i * i, res[i][2])
    end
  end)

  it("a raising task is logged with its traceback and the loop carries on", function()
    local lines, restore = capture_logs()
    local after = false
    mw.run(function()
      local bad = mw.spawn(function() mw.sleep(0.01); error("boom in handler") end)
      local good = mw.spawn(function() mw.sleep(0.03); after = true end)
      local ok, err = bad:wait()
      assert.is_false(ok)
      assert.matches("boom in handler", err)
      good:wait()
    end)
    restore()
    assert.is_true(after)
    local text = table.concat(lines, "\n")
    assert.matches("boom in handler", text)
    assert.matches("stack traceback", text)
  end)

  it("run returns when its task is done, even with other tasks alive", function()
    local h
    local t0 = mw.now()
    mw.run(function() h = mw.every(0.05, function() end) end)
    -- had run waited for the repeating task it would never return; the
    -- bound only tells that from a slow machine
    assert.is_true(mw.now() - t0 < 5)
    h:cancel()
  end)

  it("calls that wait refuse to run outside a task", function()
    local ok, err = pcall(mw.sleep, 0.01)
    assert.is_false(ok)
    assert.matches("inside a task", err)
  end)
end)

describe("expected failures and misuse", function()
  it("misuse of the API raises", function()
    assert.has_error(function() mw.session {} end)
    assert.has_error(function() mw.session { peer = "127.0.0.1", version = "4" } end)
    assert.has_error(function() mw.session { peer = "127.0.0.1", timeout = -1 } end)
    mw.run(function()
      local s = mw.session { peer = "127.0.0.1:9" }
      assert.has_error(function() s:get(42) end)
      assert.has_error(function() s:get "1.3.6.x" end)
      assert.has_error(function() s:set { { "1.3.6.1", "q", 1 } } end)
      assert.has_error(function() s:set { { "1.3.6.1", "i", "abc" } } end)
      assert.has_error(function() s:set { { "1.3.6.1", "i", 2 ^ 40 } } end)
    end)
  end)

  it("an unknown host is an error value, not a raise", function()
    mw.run(function()
      local s = mw.session { peer = "no-such-host.invalid:161", timeout = 0.2, retries = 0 }
      local vbs, err = s:get "1.3.6.1.2.1.1.5.0"
      assert.is_nil(vbs)
      assert.equal("resolve", err.kind)
      assert.matches("Unknown host", tostring(err))
    end)
  end)

  it("hostnames are resolved without blocking (localhost)", function()
    mw.run(function()
      local s = mw.session { peer = "localhost:9", timeout = 0.1, retries = 0 }
      local vbs, err = s:get "1.3.6.1.2.1.1.5.0"
      assert.is_nil(vbs)
      assert.equal("timeout", err.kind)
    end)
  end)

  it("peer spellings: udp:, udp6:, brackets and bare hosts", function()
    local P = require("moonwalk.session").parse_peer
    assert.same({ "127.0.0.1", 161 }, { P("127.0.0.1") })
    assert.same({ "127.0.0.1", 1161, "udp" }, { P("udp:127.0.0.1:1161") })
    assert.same({ "::1", 1161, "udp6" }, { P("udp6:[::1]:1161") })
    assert.same({ "::1", 161, "udp6" }, { P("[::1]") })
    assert.same({ "host.example", 162 }, { P("host.example:162") })
    assert.has_error(function() P("tcp:1.2.3.4") end)
  end)
end)

describe("moonwalk run", function()
  local function script(text)
    local p = os.tmpname() .. ".lua"
    local f = assert(io.open(p, "w"))
    f:write(text)
    f:close()
    return p
  end

  it("runs a script on the loop and exits when nothing is left", function()
    local p = script [[
      local mw = require "moonwalk"
      mw.after(0.05, function() print("later") end)
      print("now")
    ]]
    local out, err, code = R.mw("run " .. p)
    os.remove(p)
    assert.equal("now\nlater\n", out)
    assert.equal(0, code, err)
  end)

  it("a load-time error is fatal and names file and line", function()
    local p = script "local x = 1\nthis is bad\n"
    local out, err, code = R.mw("run " .. p)
    os.remove(p)
    assert.equal(1, code)
    assert.matches(p:gsub("%p", "%%%0") .. ":2:", err)
  end)

  it("exits cleanly on SIGINT and SIGTERM", function()
    for _, sig in ipairs { "INT", "TERM" } do
      local p = script [[
        local mw = require "moonwalk"
        mw.every(0.05, function() end)
        print("started")
        io.stdout:flush()
      ]]
      local bin = os.getenv("MOONWALK_BIN") or "build/moonwalk"
      local out, err, code = R.run(string.format(
        "%s run %s & pid=$!; sleep 0.4; kill -%s $pid; wait $pid", bin, p, sig))
      os.remove(p)
      assert.equal("started\n", out)
      assert.equal(0, code, err)
    end
  end)
end)
