-- What a one-shot command's start-up leaves out (scripts/bench/startup):
-- libm until the first math call, the names of the built-in modules'
-- locals, collections while the modules load, the session methods a get
-- does not call, a page fault for each 4 KiB of Lua heap. Each with what
-- must not change for it: libm's results, file and line in errors, the
-- collector's pace once a command runs, the methods themselves.
local R = require "run"
local bin = os.getenv("MOONWALK_BIN") or "build/moonwalk"

local tmpdir = R.tmpdir

-- a sanitizer's runtime library brings libm with it
local sanitized = R.sh("ldd " .. bin):find("libasan", 1, true) ~= nil
  or (os.getenv("LD_PRELOAD") or ""):find("libasan", 1, true) ~= nil

-- whether the kernel gives huge pages to madvise(MADV_HUGEPAGE)
local mode = R.slurp("/sys/kernel/mm/transparent_hugepage/enabled")
local thp_offered = mode:find("[always]", 1, true) or mode:find("[madvise]", 1, true)

-- `moonwalk ARGS` under strace, tracing CALLS (with MIBS=): its output,
-- error and exit code, and the trace; LeakSanitizer cannot run under ptrace
local function traced(d, calls, args)
  local env = "MIBS="
  local asan = os.getenv("ASAN_OPTIONS")
  if asan then env = env .. " ASAN_OPTIONS=" .. asan .. ":detect_leaks=0" end
  local out, err, code = R.run(string.format("env %s strace -qq -e trace=%s -o %s/t %s %s",
    env, calls, d, bin, args))
  return out, err, code, R.slurp(d .. "/t")
end

-- the lengths of the ranges mapped ahead (MADV_POPULATE_WRITE) in trace T
-- that lie in [lo, hi), in the order they were mapped
local function populated(t, lo, hi)
  local lens = {}
  for at, len in t:gmatch("madvise%((0x%x+), (%d+), MADV_POPULATE_WRITE%)") do
    at, len = tonumber(at), tonumber(len)
    if at >= lo and at + len <= hi then lens[#lens + 1] = len end
  end
  return lens
end

-- a get of sysName.0 from a snmpd of its own, under strace tracing CALLS:
-- the trace, once the get has printed the answer
local function traced_get(d, calls)
  local snmpd = require "snmpd"
  local peer = snmpd.start { ipv6 = false }
  finally(function() peer:stop() end)
  local out, err, code, t = traced(d, calls, "get -v2c -c public -On " .. peer.agent .. " 1.3.6.1.2.1.1.5.0")
  assert.equal(0, code, err)
  assert.is_truthy(out:find("^%.1%.3%.6%.1%.2%.1%.1%.5%.0 = STRING: "), out)
  return t
end

-- the brk and madvise calls of `moonwalk --version`, and where the heap
-- starts (brk(NULL))
local function start_trace(d)
  local _, _, _, t = traced(d, "brk,madvise", "--version")
  return t, tonumber(t:match("brk%(NULL%)%s*= (0x%x+)"))
end

describe("one-shot start-up", function()
  local d
  before_each(function() d = tmpdir() end)
  after_each(function() os.execute("rm -rf " .. d) end)

  it("the binary does not need libm: math opens it on first use and gives libm's own results", function()
    local needed = R.sh("readelf -d " .. bin)
    assert.matches("NEEDED.-libc%.so", needed)
    assert.is_nil(needed:find("libm.so", 1, true))
    -- the operands are read at run time: a constant expression would be
    -- folded (and libm called) while the script compiles
    R.write(d .. "/m.lua", [[
      local function libm()
        local f = assert(io.open("/proc/self/maps"))
        local s = f:read("a")
        f:close()
        return s:find("libm%.so") ~= nil
      end
      local before = libm()
      local n = function(s) return tonumber(s) end
      local v = { math.sin(n"0.5"), math.cos(n"0.5"), math.tan(n"0.5"), math.asin(n"0.3"),
        math.acos(n"0.3"), math.atan(n"1", n"2"), math.exp(n"1.7"), math.log(n"3"),
        math.log(n"8", n"2"), math.log(n"100", n"10"), math.log(n"7", n"3"),
        math.fmod(n"7.5", n"2"), n"2.5" ^ n"0.3", math.sqrt(n"2"), n"-7.25" % n"2" }
      for i, x in ipairs(v) do v[i] = string.format("%a", x) end
      print(before, libm())
      print(table.concat(v, " "))
    ]])
    local out, err, code = R.run(string.format("%s run %s/m.lua", bin, d))
    assert.equal(0, code, err)
    local flags, values = out:match("^(.-)\n(.-)\n$")
    -- the same script in the system's Lua, which links libm
    local ref = R.sh(string.format("lua5.4 %s/m.lua", d)):match("\n(.-)\n$")
    assert.equal(ref, values)
    assert.equal(15, select(2, values:gsub("%S+", "")))
    if not sanitized then assert.equal("false\ttrue", flags) end
  end)

  it("built-in modules keep their lines, not the names of their locals", function()
    -- parse(nil) fails at its first look at its argument: `#args`
    local line = 0
    for l in io.lines("lua/moonwalk/cli/args.lua") do
      line = line + 1
      if l:find("while i <= #args do", 1, true) then break end
    end
    R.write(d .. "/s.lua", [[
      local mw = require "moonwalk"
      local f = require("moonwalk.cli.args").parse
      local lines = 0
      for _ in pairs(debug.getinfo(f, "L").activelines) do lines = lines + 1 end
      print(lines > 0, debug.getinfo(f, "S").short_src)
      print(pcall(f, nil))
    ]])
    local out, err, code = R.run(string.format("env -u MOONWALK_LUADIR %s run %s/s.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("true\tmoonwalk/cli/args.lua\n"
      .. "false\tmoonwalk/cli/args.lua:" .. line .. ": attempt to get length of a nil value\n", out)
    -- from the source tree the message names the local too
    out, err, code = R.run(string.format("MOONWALK_LUADIR=lua %s run %s/s.lua", bin, d))
    assert.equal(0, code, err)
    assert.matches("args.lua:" .. line .. ": attempt to get length of a nil value (local 'args')\n", out, 1, true)
  end)

  it("a command runs with the collector's default pace, whatever the start-up did", function()
    -- with its default pause (200) the collector lets the heap grow to
    -- twice what survived the last cycle, then collects
    R.write(d .. "/gc.lua", [[
      local live = {}
      for i = 1, 20000 do live[i] = { i } end
      collectgarbage("collect")
      local base, peak = collectgarbage("count"), 0
      for i = 1, 300000 do
        local t = { i, i }
        if i % 64 == 0 then peak = math.max(peak, collectgarbage("count")) end
      end
      print(string.format("%.2f", peak / base), #live)
    ]])
    local out, err, code = R.run(string.format("%s run %s/gc.lua", bin, d))
    assert.equal(0, code, err)
    local ratio = tonumber(out:match("^([%d.]+)\t20000\n$"))
    assert.is_true(ratio ~= nil and ratio > 1.5 and ratio <= 2.5, out)
  end)

  it("the session methods a get does not call load with the first of them", function()
    R.write(d .. "/s.lua", [[
      local mw = require "moonwalk"
      local s = mw.session{ peer = "udp:127.0.0.1:9", version = "2c", community = "x",
        timeout = 0.05, retries = 0 }
      local before = package.loaded["moonwalk.session.more"] ~= nil
      -- a set's misuse raises from the caller's line, first call or not
      local function misuse() local r = s:set(42) return r end
      local ok, err = pcall(misuse)
      print(before, package.loaded["moonwalk.session.more"] ~= nil, err)
      ok, err = pcall(misuse)
      print(err)
      local vbs, werr = s:walk_all("1.3.6.1.2.1.1")
      print(vbs, werr and werr.kind)
    ]])
    local out, err, code = R.run(string.format("%s run %s/s.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("false\ttrue\t" .. d .. "/s.lua:6: set expects a list of varbinds\n"
      .. d .. "/s.lua:6: set expects a list of varbinds\n"
      .. "nil\ttimeout\n", out)
  end)

  it("a get does not load the walk, set and snmptable parts of the tools; a walk does", function()
    -- port 9 (discard) on loopback: nothing answers, both time out
    R.write(d .. "/cli.lua", [[
      local snmp = require "moonwalk.cli.snmp"
      local base = { "-v2c", "-c", "public", "-t", "0.05", "-r", "0", "127.0.0.1:9" }
      local function argv(oid) local a = { table.unpack(base) } a[#a + 1] = oid return a end
      local rc = snmp.main(argv("1.3.6.1.2.1.1.1.0"), "get")
      print(rc, package.loaded["moonwalk.cli.snmp.more"] ~= nil)
      rc = snmp.main(argv("1.3.6.1.2.1.1"), "walk")
      print(rc, package.loaded["moonwalk.cli.snmp.more"] ~= nil)
    ]])
    local out, err, code = R.run(string.format("MIBS= %s run %s/cli.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("1\tfalse\n1\ttrue\n", out)
    assert.equal("Timeout: No Response from 127.0.0.1:9.\nTimeout: No Response from 127.0.0.1:9\n", err)
  end)

  it("a get makes no typed value: moonwalk.value loads at the first one, and moonwalk gives all its names", function()
    R.write(d .. "/v.lua", [[
      local before = package.loaded["moonwalk.value"] ~= nil
      local mw = require "moonwalk"
      local snmp = require "moonwalk.cli.snmp"
      local rc = snmp.main({ "-v2c", "-c", "public", "-t", "0.05", "-r", "0", "-On", "127.0.0.1:9",
        "1.3.6.1.2.1.1.1.0" }, "get")
      print(before, rc, package.loaded["moonwalk.value"] ~= nil)
      print(mw.Integer32(5), mw.Counter64("18446744073709551615"), mw.u64tostring(-1))
      local n = 0
      for k, v in pairs(require "moonwalk.value") do
        assert(mw[k] == v, k)
        n = n + 1
      end
      print(n, package.loaded["moonwalk.value"] ~= nil)
    ]])
    local out, err, code = R.run(string.format("MIBS= %s run %s/v.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("false\t1\tfalse\nINTEGER: 5\tCounter64: 18446744073709551615\t18446744073709551615\n"
      .. "14\ttrue\n", out)
  end)

  it("a get whose module list names nothing loads no MIB layer; its first name loads it with the command's settings", function()
    -- two modules of their own: one in a directory snmp.conf's mibdirs
    -- adds, one in a directory -M adds; snmp.conf also sets
    -- hexOutputLength, and -Ih is on the command line
    os.execute(string.format("mkdir -p %s/conf %s/confmibs %s/optmibs", d, d, d))
    local function module(name, label, arc)
      return string.format("%s DEFINITIONS ::= BEGIN\nIMPORTS enterprises FROM SNMPv2-SMI;\n"
        .. "%s OBJECT IDENTIFIER ::= { enterprises %d }\nEND\n", name, label, arc)
    end
    R.write(d .. "/confmibs/START-CONF-MIB.txt", module("START-CONF-MIB", "startConf", 99971))
    R.write(d .. "/optmibs/START-OPT-MIB.txt", module("START-OPT-MIB", "startOpt", 99972))
    R.write(d .. "/conf/snmp.conf", "mibdirs +" .. d .. "/confmibs\nhexOutputLength 4\n")
    R.write(d .. "/cli.lua", [[
      local snmp = require "moonwalk.cli.snmp"
      local argv = { "-v2c", "-c", "public", "-t", "0.05", "-r", "0", ... }
      local rc = snmp.main(argv, "get")
      local mib = package.loaded["moonwalk.mib"]
      if not mib then print(rc, false) return end
      local od, path = mib.output_defaults, mib.path()
      print(rc, true, path:find("/confmibs", 1, true) ~= nil, path:find("/optmibs", 1, true) ~= nil,
        od.hex_line_len, od.no_hint, tostring(mib.oid("START-OPT-MIB::startOpt")))
    ]])
    local function run(args)
      return R.run(string.format("MIBS= SNMPCONFPATH=%s/conf %s run %s/cli.lua -- %s", d, bin, d, args))
    end
    local timeout = "Timeout: No Response from 127.0.0.1:9.\n"
    local out, err, code = run("-On 127.0.0.1:9 1.3.6.1.2.1.1.1.0")
    assert.equal(0, code, err)
    assert.equal("1\tfalse\n", out)
    assert.equal(timeout, err)
    out, err, code = run(string.format("-M +%s/optmibs -Ih -On 127.0.0.1:9 .1.3.6.1.2.1.1.1.0 "
      .. "START-CONF-MIB::startConf.0 START-OPT-MIB::startOpt.1", d))
    assert.equal(0, code, err)
    assert.equal("1\ttrue\ttrue\ttrue\t4\ttrue\t1.3.6.1.4.1.99972\n", out)
    assert.equal(timeout, err)
  end)

  it("the heap's first growth is mapped at once, and none of it is given back", function()
    -- malloc's pad is set before the first malloc: set after it, the
    -- first growth was mapped at the default pad, then trimmed to the
    -- pad set by the next free
    local t, heap = start_trace(d)
    assert.is_truthy(t:find("brk(NULL)", 1, true), "strace recorded nothing")
    local lowered, top = false, nil
    for addr in t:gmatch("brk%((0x%x+)%)") do
      local a = tonumber(addr)
      if top and a < top then lowered = true end
      top = a
    end
    assert.is_false(lowered, t)
    -- (the binary's bss, below the heap, and the stack, far above it, are
    -- the next tests')
    local heap_ahead = populated(t, heap, heap + (64 << 20))
    if sanitized then
      assert.equal(0, #heap_ahead, t) -- malloc for every block, nothing mapped ahead
    else
      assert.is_true(#heap_ahead >= 1, t)
      -- a pad of 256 KiB: what a get's C side takes, its socket's read
      -- buffer with it (the next test)
      assert.is_true(heap_ahead[1] >= 192 * 1024 and heap_ahead[1] <= 288 * 1024, t)
    end
  end)

  it("a get's heap grows once, mapped at once, and the event loop reads no environment", function()
    -- the engine, the socket and its 64 KiB read buffer fit in the first
    -- growth: with the old pad the buffer made a second one, unmapped,
    -- whose pages came a fault each. libevent looked up four of its
    -- EVENT_* variables, with four getuid-like calls each (to refuse them
    -- to setuid programs); told to ignore them, it still looks up one
    -- (EVENT_SHOW_METHOD, which the flag does not cover).
    local t = traced_get(d, "brk,getuid,geteuid,getgid,getegid")
    local ids = 0
    for _ in t:gmatch("get%a*id%(") do ids = ids + 1 end
    assert.is_true(ids <= 4, t)
    local top, growths = nil, 0
    for addr in t:gmatch("brk%((0x%x+)%)") do
      local a = tonumber(addr)
      if top and a > top then growths = growths + 1 end
      top = a
    end
    -- (a sanitizer's allocator does not grow the heap with brk)
    if not sanitized then
      assert.is_truthy(top, t)
      assert.equal(0, growths, t) -- the first brk(addr) is the first growth
    end
  end)

  it("the stack a command grows into is mapped in one call at start", function()
    -- the pages below main's frame: a get took a fault on each of three
    -- (path buffers, the dynamic linker's save area, a snprintf)
    R.write(d .. "/stack.lua", [[
      for l in io.lines("/proc/self/maps") do
        local lo, hi = l:match("^(%x+)%-(%x+) .*%[stack%]")
        if lo then print(tonumber(lo, 16), tonumber(hi, 16)) end
      end
    ]])
    local out, err, code, t = traced(d, "madvise", "run " .. d .. "/stack.lua")
    assert.equal(0, code, err)
    local lo, hi = out:match("^(%d+)\t(%d+)\n$")
    assert.is_truthy(lo, out)
    lo, hi = tonumber(lo), tonumber(hi)
    assert.same(sanitized and {} or { 32 * 1024 }, populated(t, lo, hi))
  end)

  it("the binary's bss is mapped in one call at start, and holds no v3 buffers", function()
    -- the range from nm's __bss_start and _end, in whole pages; the load
    -- address is a multiple of a page, so its length is the same at run time
    local syms = {}
    for addr, name in R.sh("nm " .. bin):gmatch("(%x+) %a (%S+)") do syms[name] = tonumber(addr, 16) end
    assert.is_truthy(syms.__bss_start and syms._end, "nm found no __bss_start or _end")
    local function up(a) return (a + 4095) // 4096 * 4096 end
    local len = up(syms._end) - up(syms.__bss_start)
    -- 256 KiB of v3 scratch buffers are allocated with the first v3 session
    assert.is_true(len > 64 * 1024 and len < 256 * 1024, tostring(len))
    local t, heap = start_trace(d)
    assert.is_truthy(heap, t)
    -- sanitizer builds map nothing ahead
    assert.same(sanitized and {} or { len }, populated(t, 0, heap))
  end)

  it("the binary's relative relocations are packed, where the toolchain can", function()
    -- DT_RELR (glibc 2.36, binutils 2.38): the dynamic linker reads a few
    -- hundred bytes at start, not 41 KiB of Elf64_Rela; the probe is the
    -- Makefile's
    local can = os.execute("printf 'int main(void){return 0;}\\n' | cc -x c -o /dev/null "
      .. "-Wl,-z,pack-relative-relocs - 2>/dev/null")
    local dyn = R.sh("readelf -d " .. bin)
    assert.equal(can and true or false, dyn:find("(RELR)", 1, true) ~= nil, dyn)
    if can then
      local rela = tonumber(dyn:match("%(RELASZ%)%s+(%d+) %(bytes%)") or "0")
      assert.is_true(rela < 4096, dyn)
    end
  end)

  it("a get's engine and socket start small: no region of their own to map", function()
    -- the read batch (4 MiB), the send queue (256 KiB), the table of
    -- requests (65536 chains) and the decode target (4096 varbinds) come
    -- at their full size only when the traffic asks for them (net_spec);
    -- a get maps no anonymous region of 128 KiB or more (malloc's
    -- threshold) but the Lua heap's arena (4 MiB, halved at once)
    local t = traced_get(d, "mmap")
    local big = {}
    for len in t:gmatch("mmap%(NULL, (%d+), [^\n]*MAP_ANONYMOUS") do
      if tonumber(len) >= 128 * 1024 then big[#big + 1] = tonumber(len) end
    end
    if not sanitized then
      assert.same(thp_offered and { 4 * 1024 * 1024 } or {}, big)
    end
  end)

  it("the Lua heap's first 2 MiB are one region advised for a huge page", function()
    -- a mapping of 2048 kB with the "hg" flag (MADV_HUGEPAGE) in smaps;
    -- whether the kernel then backs it with one page is its choice
    R.write(d .. "/thp.lua", [[
      local f = assert(io.open("/proc/self/smaps"))
      local size, found = nil, 0
      for l in f:lines() do
        local kb = l:match("^Size:%s+(%d+) kB")
        if kb then size = tonumber(kb) end
        local flags = l:match("^VmFlags:(.*)$")
        if flags and size == 2048 and (" " .. flags .. " "):find(" hg ", 1, true) then found = found + 1 end
      end
      f:close()
      print(found)
    ]])
    local out, err, code = R.run(string.format("%s run %s/thp.lua", bin, d))
    assert.equal(0, code, err)
    -- sanitizer builds give every block to malloc, so that it sees each one
    assert.equal((thp_offered and not sanitized) and "1\n" or "0\n", out)
    out, err, code = R.run(string.format("MOONWALK_HUGEPAGES=0 %s run %s/thp.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("0\n", out)
  end)
end)

describe("the host MIBs' libraries", function()
  local d
  before_each(function() d = R.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. d) end)

  -- agents serving host MIB lists in turn, each answering a get of one
  -- of its objects; what /proc/self/maps shows of libnl-route-3 and
  -- libproc2 at the start and after each agent
  local script = [[
    local mw = require "moonwalk"
    local core = require "moonwalk.core"
    local function mapped()
      local f = assert(io.open("/proc/self/maps"))
      local s = f:read("a")
      f:close()
      return string.format("nl=%s proc=%s", s:find("libnl%-route%-3") ~= nil, s:find("libproc2") ~= nil)
    end
    print("start", mapped())
    local gets = {}
    for _, t in ipairs{ { "tcp,udp,icmp", "1.3.6.1.2.1.6.1.0" }, { "if", "1.3.6.1.2.1.2.1.0" },
                        { "host", "1.3.6.1.2.1.25.1.1.0" } } do
      local port = core.free_udp_port()
      local ok, err = pcall(mw.agent, { listen = "udp:127.0.0.1:" .. port,
        communities = { public = "ro" }, host_mibs = t[1] })
      print(t[1], ok and mapped() or err)
      if ok then gets[#gets + 1] = { port, t[2] } end
    end
    mw.run(function()
      for _, g in ipairs(gets) do
        local s = mw.session{ peer = "127.0.0.1:" .. g[1], community = "public", timeout = 1, retries = 1 }
        local vbs = assert(s:get(g[2]))
        print(vbs[1].oid, vbs[1].type)
      end
      mw.stop()
    end)
  ]]

  it("are not linked: an agent opens each when it first serves a module that needs it", function()
    local needed = R.sh("readelf -d " .. bin)
    for _, lib in ipairs{ "libnl", "libproc2", "libsystemd" } do
      assert.is_nil(needed:find(lib, 1, true), lib)
    end
    R.write(d .. "/h.lua", script)
    local out, err, code = R.run(string.format("%s run %s/h.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("start\tnl=false proc=false\n"
      .. "tcp,udp,icmp\tnl=false proc=false\n"
      .. "if\tnl=true proc=false\n"
      .. "host\tnl=true proc=true\n"
      .. "1.3.6.1.2.1.6.1.0\tINTEGER\n"
      .. "1.3.6.1.2.1.2.1.0\tINTEGER\n"
      .. "1.3.6.1.2.1.25.1.1.0\tTimeticks\n", out)
  end)

  it("that cannot be opened make a clear error for the modules that need them, and only for those", function()
    -- the loader finds this file first (LD_LIBRARY_PATH) and refuses it
    R.write(d .. "/libnl-route-3.so.200", "not a library\n")
    R.write(d .. "/h.lua", script)
    local out, err, code = R.run(string.format("LD_LIBRARY_PATH=%s %s run %s/h.lua", d, bin, d))
    assert.equal(0, code, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal(6, #lines, out)
    assert.equal("start\tnl=false proc=false", lines[1])
    assert.equal("tcp,udp,icmp\tnl=false proc=false", lines[2])
    assert.matches('^if\t.-agent: cannot register host MIBs "if" %('
      .. d:gsub("%p", "%%%0") .. "/libnl%-route%-3%.so%.200: [^)]+%)$", lines[3])
    -- libproc2 is there: the modules that need only it, or neither, work
    assert.equal("host\tnl=false proc=true", lines[4])
    assert.equal("1.3.6.1.2.1.6.1.0\tINTEGER", lines[5])
    assert.equal("1.3.6.1.2.1.25.1.1.0\tTimeticks", lines[6])
    -- the command's default, every module: refused whole, before any is made
    -- (bounded: an agent that started would serve until stopped)
    out, err, code = R.run(string.format("LD_LIBRARY_PATH=%s timeout 10 %s agent --listen udp:127.0.0.1:%d -c public",
      d, bin, require("moonwalk.core").free_udp_port()))
    assert.equal(1, code, out)
    assert.matches('agent: cannot register host MIBs "all" %(' .. d:gsub("%p", "%%%0")
      .. "/libnl%-route%-3%.so%.200: ", err)
  end)
end)
