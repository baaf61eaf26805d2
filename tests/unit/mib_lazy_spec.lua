-- MIB directories are read when a module is first looked up: a command
-- with numeric OIDs and no module to load (MIBS=, -m '') opens none of
-- their files; one that loads a module opens them. Seen with strace.
local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local R = require "run"

local MODULE = [[
LAZY-TEST-MIB DEFINITIONS ::= BEGIN
IMPORTS enterprises FROM SNMPv2-SMI;
lazyTest OBJECT IDENTIFIER ::= { enterprises 99977 }
lazyObject OBJECT IDENTIFIER ::= { lazyTest 1 }
END
]]

describe("MIB directories read on first use", function()
  local dir, trace

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir .. "/mibs")
    R.write(dir .. "/mibs/LAZY-TEST-MIB.txt", MODULE)
    trace = dir .. "/trace"
  end)
  teardown(function() os.execute("rm -rf " .. dir) end)

  local function traced(env, args)
    os.remove(trace)
    -- LeakSanitizer cannot run under ptrace: a sanitizer build checks for
    -- leaks in the other specs, not under strace
    local asan = os.getenv("ASAN_OPTIONS")
    if asan then env = env .. " ASAN_OPTIONS=" .. asan .. ":detect_leaks=0" end
    local out = R.sh(string.format("env %s strace -f -qq -e trace=openat -o %s %s %s",
      env, trace, BIN, args))
    return out, R.slurp(trace)
  end

  it("a numeric translate with MIBS= opens no file of the path", function()
    local out, t = traced("MIBS= MIBDIRS=+" .. dir .. "/mibs", "translate -On .1.3.6.1.4.1.99977.1")
    assert.equal(".1.3.6.1.4.1.99977.1\n", out)
    assert.is_truthy(t:find("openat", 1, true), "strace recorded nothing")
    assert.is_nil(t:find("LAZY-TEST-MIB.txt", 1, true))
  end)

  it("a numeric get with -m '' opens no file of the path", function()
    local out, t = traced("MIBDIRS=+" .. dir .. "/mibs",
      "get -m '' -v2c -c public -On -r 0 -t 0.1 127.0.0.1:9 .1.3.6.1.2.1.1.1.0")
    assert.matches("Timeout", out)
    assert.is_nil(t:find("LAZY-TEST-MIB.txt", 1, true))
  end)

  -- printing the answer asks whether a module is loaded: with none named,
  -- that is known without reading the path
  it("a numeric get with MIBS= that gets its answer opens no file of the path", function()
    local snmpd = require "snmpd"
    local d = snmpd.start { ipv6 = false }
    local ok, out, t = pcall(traced, "MIBS= MIBDIRS=+" .. dir .. "/mibs",
      "get -v2c -c public -On -r 1 -t 1 " .. d.agent .. " .1.3.6.1.2.1.1.5.0")
    d:stop()
    d:cleanup()
    assert(ok, out)
    assert.matches("^%.1%.3%.6%.1%.2%.1%.1%.5%.0 = STRING: ", out)
    assert.is_nil(t:find("LAZY-TEST-MIB.txt", 1, true))
  end)

  it("nothing to load: no cache file is read or written either", function()
    local cache = dir .. "/cache"
    local out = traced("MIBS= MOONWALK_MIB_CACHE=" .. cache .. " MIBDIRS=+" .. dir .. "/mibs",
      "translate -On .1.3.6.1.4.1.99977.1")
    assert.equal(".1.3.6.1.4.1.99977.1\n", out)
    assert.equal("", (R.run("ls -A " .. cache)))
  end)

  it("loading a module reads the path, and finds the module there", function()
    local out, t = traced("MIBS= MOONWALK_MIB_CACHE=off MIBDIRS=+" .. dir .. "/mibs", "translate -m LAZY-TEST-MIB -On LAZY-TEST-MIB::lazyObject")
    assert.equal(".1.3.6.1.4.1.99977.1\n", out)
    assert.is_truthy(t:find("LAZY-TEST-MIB.txt", 1, true))
  end)
end)
