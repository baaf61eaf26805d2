-- The host's MIBs: net-snmp's snmpd and `moonwalk agent` on the same host,
-- walked with snmpbulkwalk. Under IF-MIB, IP-MIB (with IP-FORWARD-MIB),
-- ICMP, HOST-RESOURCES-MIB, UCD-SNMP-MIB, TCP-MIB and UDP-MIB both serve
-- the same names (deliberate differences listed
-- in the README are taken out here, each with its reason), static values
-- are identical, and counters only go up.
local core = require "moonwalk.core"
local snmpd = require "snmpd"
local support = require "run"
local write = support.write

local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"

local function sh(cmd)
  local d = os.tmpname()
  local ok, _, code = os.execute(string.format("(MIBS= %s) >%s.out 2>%s.err", cmd, d, d))
  local function slurp(p) local f = io.open(p) local s = f and f:read("a") or "" if f then f:close() end os.remove(p) return s end
  local out, err = slurp(d .. ".out"), slurp(d .. ".err")
  os.remove(d)
  return out, err, ok and 0 or code
end

local function start(args, script)
  local dir = os.tmpname()
  os.remove(dir)
  os.execute("mkdir -p " .. dir)
  local port = core.free_udp_port()
  local spath = ""
  if script then
    spath = dir .. "/objects.lua"
    write(spath, script)
  end
  local a = { dir = dir, port = port, peer = "127.0.0.1:" .. port }
  os.execute(string.format("MOONWALK_LUADIR=%s/lua %s agent --listen udp:127.0.0.1:%d --state %s %s %s >%s/log 2>&1 & echo $! >%s/pid",
    ROOT, BIN, port, dir, args, spath, dir, dir))
  local f = io.open(dir .. "/pid")
  a.pid = f:read("l")
  f:close()
  function a.log()
    local l = io.open(dir .. "/log")
    local text = l and l:read("a") or ""
    if l then l:close() end
    return text
  end
  function a.stop() os.execute("kill " .. a.pid .. " 2>/dev/null; sleep 0.05; rm -rf " .. dir) end
  for _ = 1, 200 do
    if a.log():find("listening on", 1, true) then return a end
    if a.log():find("moonwalk", 1, true) then break end
    os.execute("sleep 0.02")
  end
  local log = a.log()
  a.stop()
  error("agent did not start: " .. log)
end

-- snmpbulkwalk of a subtree: ordered list of names and name -> "TYPE: value"
local function walk(peer, subtree)
  local out, err, code = sh(string.format("snmpbulkwalk -v2c -c public -On -t 2 -r 1 -Cr50 %s %s", peer, subtree))
  assert(code == 0, err)
  local names, vals = {}, {}
  for l in out:gmatch("[^\n]+") do
    local o, v = l:match("^(%S+) = (.*)$")
    if o then
      names[#names + 1] = o
      vals[o] = v
    elseif #names > 0 then -- a value continued on the next line (long Hex-STRING)
      vals[names[#names]] = vals[names[#names]] .. "\n" .. l
    end
  end
  return names, vals
end

local function set_of(names, drop)
  local s = {}
  for _, n in ipairs(names) do
    if not (drop and drop(n)) then s[n] = true end
  end
  return s
end

-- Asserts two sets of names are equal, listing the differences.
local function same_names(a, b, what)
  local only_a, only_b = {}, {}
  for n in pairs(a) do if not b[n] then only_a[#only_a + 1] = n end end
  for n in pairs(b) do if not a[n] then only_b[#only_b + 1] = n end end
  table.sort(only_a)
  table.sort(only_b)
  assert(#only_a == 0 and #only_b == 0, string.format("%s: only in snmpd: %s; only in moonwalk: %s", what,
    table.concat(only_a, " ", 1, math.min(#only_a, 10)), table.concat(only_b, " ", 1, math.min(#only_b, 10))))
end

local function under(prefix)
  return function(n) return n:sub(1, #prefix + 1) == prefix .. "." end
end

-- Compares the values of the names under the given column prefixes.
local function same_values(va, vb, prefixes, what)
  local n = 0
  for name, v in pairs(va) do
    for _, p in ipairs(prefixes) do
      if name:sub(1, #p + 1) == p .. "." then
        assert.equal(v, vb[name], what .. " " .. name)
        n = n + 1
      end
    end
  end
  assert.is_true(n > 0, what .. ": nothing compared")
  return n
end

describe("interop: host MIBs of moonwalk agent against snmpd on the same host", function()
  local d, a
  setup(function()
    d = snmpd.start{ ipv6 = false, extra = { "disk /" } }
    a = start("-c public --disk / --host-cache 1")
  end)
  teardown(function()
    if a then a.stop() end
    if d then d:cleanup() end
  end)

  it("IF-MIB: ifNumber, ifTable, ifXTable and ifTableLastChange serve the same names", function()
    local na = walk(d.agent, ".1.3.6.1.2.1.2")
    local nb = walk(a.peer, ".1.3.6.1.2.1.2")
    assert.is_true(#na > 20, #na)
    same_names(set_of(na), set_of(nb), "IF-MIB interfaces")
    na = walk(d.agent, ".1.3.6.1.2.1.31")
    nb = walk(a.peer, ".1.3.6.1.2.1.31")
    same_names(set_of(na), set_of(nb), "IF-MIB ifMIBObjects")
  end)

  it("IF-MIB: static values are identical (ifDescr, ifType, ifMtu, ifSpeed, ifPhysAddress, ifName, ifHighSpeed...)", function()
    local _, va = walk(d.agent, ".1.3.6.1.2.1.2")
    local _, vb = walk(a.peer, ".1.3.6.1.2.1.2")
    same_values(va, vb, { ".1.3.6.1.2.1.2.1", ".1.3.6.1.2.1.2.2.1.1", ".1.3.6.1.2.1.2.2.1.2",
      ".1.3.6.1.2.1.2.2.1.3", ".1.3.6.1.2.1.2.2.1.4", ".1.3.6.1.2.1.2.2.1.5", ".1.3.6.1.2.1.2.2.1.6",
      ".1.3.6.1.2.1.2.2.1.7", ".1.3.6.1.2.1.2.2.1.8" }, "ifTable")
    _, va = walk(d.agent, ".1.3.6.1.2.1.31.1.1")
    _, vb = walk(a.peer, ".1.3.6.1.2.1.31.1.1")
    same_values(va, vb, { ".1.3.6.1.2.1.31.1.1.1.1", ".1.3.6.1.2.1.31.1.1.1.15",
      ".1.3.6.1.2.1.31.1.1.1.16", ".1.3.6.1.2.1.31.1.1.1.17", ".1.3.6.1.2.1.31.1.1.1.18" }, "ifXTable")
  end)

  it("IF-MIB: ifIndex is the kernel's ifindex", function()
    local _, vb = walk(a.peer, ".1.3.6.1.2.1.2.2.1.2")
    local n = 0
    for name, v in pairs(vb) do
      local idx = tonumber(name:match("%.(%d+)$"))
      local ifname = v:match('^STRING: "(.*)"$')
      local f = io.open("/sys/class/net/" .. ifname .. "/ifindex")
      if f then
        assert.equal(tonumber(f:read("l")), idx, ifname)
        f:close()
        n = n + 1
      end
    end
    assert.is_true(n > 0)
  end)

  it("HOST-RESOURCES-MIB: hrSystem, hrStorage, hrDevice, hrProcessor, hrNetwork and hrFS serve the same names", function()
    for _, sub in ipairs { ".1.3.6.1.2.1.25.1", ".1.3.6.1.2.1.25.2", ".1.3.6.1.2.1.25.3" } do
      local na = walk(d.agent, sub)
      local nb = walk(a.peer, sub)
      assert.is_true(#na > 0, sub)
      local sa = set_of(na)
      -- hrProcessorLoad: snmpd serves it only once it has a minute of samples
      local has_load = false
      for n in pairs(sa) do if under(".1.3.6.1.2.1.25.3.3.1.2")(n) then has_load = true end end
      local sb = set_of(nb, function(n) return not has_load and under(".1.3.6.1.2.1.25.3.3.1.2")(n) end)
      same_names(sa, sb, "HOST-RESOURCES-MIB " .. sub)
    end
  end)

  it("HOST-RESOURCES-MIB: static values are identical (hrStorageDescr, hrStorageSize, hrFSMountPoint, hrDeviceDescr...)", function()
    local _, va = walk(d.agent, ".1.3.6.1.2.1.25.2")
    local _, vb = walk(a.peer, ".1.3.6.1.2.1.25.2")
    same_values(va, vb, { ".1.3.6.1.2.1.25.2.2", ".1.3.6.1.2.1.25.2.3.1.1", ".1.3.6.1.2.1.25.2.3.1.2",
      ".1.3.6.1.2.1.25.2.3.1.3", ".1.3.6.1.2.1.25.2.3.1.4" }, "hrStorage")
    -- sizes that do not move: physical and virtual memory, buffers' size,
    -- swap, file systems (the cached, shared and available rows' sizes are
    -- their current amounts)
    for name, v in pairs(va) do
      local idx = tonumber(name:match("^%.1%.3%.6%.1%.2%.1%.25%.2%.3%.1%.5%.(%d+)$") or "")
      if idx and (idx == 1 or idx == 3 or idx == 6 or idx == 10 or idx > 30) then
        assert.equal(v, vb[name], "hrStorageSize " .. name)
      end
    end
    _, va = walk(d.agent, ".1.3.6.1.2.1.25.3")
    _, vb = walk(a.peer, ".1.3.6.1.2.1.25.3")
    same_values(va, vb, { ".1.3.6.1.2.1.25.3.2.1.1", ".1.3.6.1.2.1.25.3.2.1.2", ".1.3.6.1.2.1.25.3.2.1.3",
      ".1.3.6.1.2.1.25.3.2.1.4", ".1.3.6.1.2.1.25.3.2.1.5", ".1.3.6.1.2.1.25.3.3.1.1",
      ".1.3.6.1.2.1.25.3.4.1.1", ".1.3.6.1.2.1.25.3.8.1" }, "hrDevice/hrFS")
    _, va = walk(d.agent, ".1.3.6.1.2.1.25.1")
    _, vb = walk(a.peer, ".1.3.6.1.2.1.25.1")
    same_values(va, vb, { ".1.3.6.1.2.1.25.1.3", ".1.3.6.1.2.1.25.1.4", ".1.3.6.1.2.1.25.1.7" }, "hrSystem")
  end)

  it("HOST-RESOURCES-MIB: hrSWRunTable and hrSWRunPerfTable have the same columns and agree on init", function()
    -- processes come and go between two walks: compare the columns, and
    -- the row of process 1, which lives as long as the host
    local function columns(names)
      local s = {}
      for _, n in ipairs(names) do s[n:match("^(.*)%.%d+$")] = true end
      return s
    end
    local na, va = walk(d.agent, ".1.3.6.1.2.1.25.4")
    local nb, vb = walk(a.peer, ".1.3.6.1.2.1.25.4")
    same_names(columns(na), columns(nb), "hrSWRun columns")
    for col = 1, 7 do
      local n = ".1.3.6.1.2.1.25.4.2.1." .. col .. ".1"
      if col ~= 7 then assert.equal(va[n], vb[n], n) end
    end
    na = walk(d.agent, ".1.3.6.1.2.1.25.5")
    nb = walk(a.peer, ".1.3.6.1.2.1.25.5")
    same_names(columns(na), columns(nb), "hrSWRunPerf columns")
  end)

  it("UCD-SNMP-MIB: memory, dskTable, laTable and systemStats serve the same names", function()
    for _, sub in ipairs { ".1.3.6.1.4.1.2021.4", ".1.3.6.1.4.1.2021.9", ".1.3.6.1.4.1.2021.10",
                           ".1.3.6.1.4.1.2021.11" } do
      local na = walk(d.agent, sub)
      local nb = walk(a.peer, sub)
      assert.is_true(#na > 0, sub)
      local sa = set_of(na)
      -- ssSwapIn .. ssCpuIdle (3..11): snmpd serves them once it has a
      -- minute of samples
      local drop
      if sub == ".1.3.6.1.4.1.2021.11" and not sa[".1.3.6.1.4.1.2021.11.9.0"] then
        drop = function(n)
          local k = tonumber(n:match("^%.1%.3%.6%.1%.4%.1%.2021%.11%.(%d+)%.0$") or "")
          return k and k >= 3 and k <= 11
        end
      end
      same_names(sa, set_of(nb, drop), "UCD-SNMP-MIB " .. sub)
    end
  end)

  it("UCD-SNMP-MIB: static values are identical (memTotalReal, memTotalSwap, laNames, dskPath, dskTotal...)", function()
    local _, va = walk(d.agent, ".1.3.6.1.4.1.2021.4")
    local _, vb = walk(a.peer, ".1.3.6.1.4.1.2021.4")
    same_values(va, vb, { ".1.3.6.1.4.1.2021.4.1", ".1.3.6.1.4.1.2021.4.2", ".1.3.6.1.4.1.2021.4.3",
      ".1.3.6.1.4.1.2021.4.5", ".1.3.6.1.4.1.2021.4.12", ".1.3.6.1.4.1.2021.4.18",
      ".1.3.6.1.4.1.2021.4.20", ".1.3.6.1.4.1.2021.4.23" }, "memory")
    _, va = walk(d.agent, ".1.3.6.1.4.1.2021.9")
    _, vb = walk(a.peer, ".1.3.6.1.4.1.2021.9")
    same_values(va, vb, { ".1.3.6.1.4.1.2021.9.1.1", ".1.3.6.1.4.1.2021.9.1.2", ".1.3.6.1.4.1.2021.9.1.3",
      ".1.3.6.1.4.1.2021.9.1.4", ".1.3.6.1.4.1.2021.9.1.5", ".1.3.6.1.4.1.2021.9.1.6",
      ".1.3.6.1.4.1.2021.9.1.11", ".1.3.6.1.4.1.2021.9.1.12" }, "dskTable")
    _, va = walk(d.agent, ".1.3.6.1.4.1.2021.10")
    _, vb = walk(a.peer, ".1.3.6.1.4.1.2021.10")
    same_values(va, vb, { ".1.3.6.1.4.1.2021.10.1.1", ".1.3.6.1.4.1.2021.10.1.2",
      ".1.3.6.1.4.1.2021.10.1.4" }, "laTable")
  end)

  it("TCP-MIB and UDP-MIB: the same scalars and the same table columns", function()
    -- sockets open and close between two walks (the walkers' own): compare
    -- the scalars' names and the tables' columns
    local function shape(names)
      local s = {}
      for _, n in ipairs(names) do
        local col = n:match("^(%.1%.3%.6%.1%.2%.1%.%d+%.%d+%.1%.%d+)%.")
        s[col or n] = true
      end
      return s
    end
    for _, sub in ipairs { ".1.3.6.1.2.1.6", ".1.3.6.1.2.1.7" } do
      local na, va = walk(d.agent, sub)
      local nb, vb = walk(a.peer, sub)
      assert.is_true(#na > 4, sub)
      same_names(shape(na), shape(nb), sub)
      -- static scalars: tcpRtoAlgorithm, tcpRtoMin, tcpRtoMax, tcpMaxConn
      if sub == ".1.3.6.1.2.1.6" then
        same_values(va, vb, { ".1.3.6.1.2.1.6.1", ".1.3.6.1.2.1.6.2", ".1.3.6.1.2.1.6.3",
          ".1.3.6.1.2.1.6.4" }, "tcp")
      end
    end
    -- a listener both see: the agent's own UDP socket, in udpTable and
    -- udpEndpointTable, with its process
    local _, vb = walk(a.peer, ".1.3.6.1.2.1.7.7")
    local key = ".1.3.6.1.2.1.7.7.1.8.1.4.127.0.0.1." .. a.port .. ".1.4.0.0.0.0.0."
    local found
    for n, v in pairs(vb) do
      if n:sub(1, #key) == key then found = v end
    end
    assert.equal("Gauge32: " .. a.pid, found)
    local _, vu = walk(d.agent, ".1.3.6.1.2.1.7.5")
    assert.equal("INTEGER: " .. a.port, vu[".1.3.6.1.2.1.7.5.1.2.127.0.0.1." .. a.port])
  end)

  -- Walks subtree in both agents; neighbours may come and go between two
  -- walks, so a difference is looked at again once before it fails.
  local function both(sub)
    local na, va = walk(d.agent, sub)
    local nb, vb = walk(a.peer, sub)
    local sa, sb = set_of(na), set_of(nb)
    local same = true
    for n in pairs(sa) do if not sb[n] then same = false end end
    for n in pairs(sb) do if not sa[n] then same = false end end
    if not same then
      na, va = walk(d.agent, sub)
      nb, vb = walk(a.peer, sub)
    end
    return na, va, nb, vb
  end

  it("IP-MIB and IP-FORWARD-MIB: the same names (ipAddrTable, ipAddressTable, inetCidrRouteTable, ipSystemStatsTable, ipNetToPhysicalTable...)", function()
    local na, _, nb = both(".1.3.6.1.2.1.4")
    assert.is_true(#na > 100, #na)
    same_names(set_of(na), set_of(nb), "IP-MIB")
    -- each table is there, in both
    local sb = set_of(nb)
    for _, col in ipairs { ".1.3.6.1.2.1.4.1.0", ".1.3.6.1.2.1.4.20.1.2.127.0.0.1",
                           ".1.3.6.1.2.1.4.24.6.0", ".1.3.6.1.2.1.4.31.1.1.3.1",
                           ".1.3.6.1.2.1.4.34.1.3.1.4.127.0.0.1" } do
      assert.is_true(sb[col] ~= nil, col)
    end
  end)

  it("IP-MIB and IP-FORWARD-MIB: static values are identical (addresses, prefixes, ifIndex, routes, ipForwarding, ipDefaultTTL...)", function()
    local _, va, _, vb = both(".1.3.6.1.2.1.4")
    local n = 0
    for name, v in pairs(va) do
      -- counters and times move; ipAddressSpinLock is any value (TestAndIncr);
      -- a neighbour's state (reachable, stale, delay...) moves with traffic
      if not v:match("^Counter") and not v:match("^Timeticks") and name ~= ".1.3.6.1.2.1.4.33.0"
         and not under(".1.3.6.1.2.1.4.35.1.7")(name) then
        assert.equal(v, vb[name], name)
        n = n + 1
      end
    end
    assert.is_true(n > 50, n)
    -- the loopback's address: its mask, and its prefix in ipAddressTable
    assert.equal("IpAddress: 255.0.0.0", vb[".1.3.6.1.2.1.4.20.1.3.127.0.0.1"])
    assert.equal("OID: .1.3.6.1.2.1.4.32.1.5.1.1.4.127.0.0.0.8", vb[".1.3.6.1.2.1.4.34.1.5.1.4.127.0.0.1"])
  end)

  it("ICMP: the same scalars, icmpStatsTable and icmpMsgStatsTable rows", function()
    local na, _, nb = both(".1.3.6.1.2.1.5")
    assert.is_true(#na > 26, #na)
    same_names(set_of(na), set_of(nb), "ICMP")
  end)

  it("IP-MIB and ICMP counters only go up between two walks (Counter32 modulo 2^32)", function()
    local subs = { ".1.3.6.1.2.1.4", ".1.3.6.1.2.1.5" }
    local first = {}
    for _, s in ipairs(subs) do
      local _, v = walk(a.peer, s)
      for k, x in pairs(v) do first[k] = x end
    end
    os.execute("sleep 1.2") -- past --host-cache 1
    local n, grew = 0, 0
    for _, s in ipairs(subs) do
      local _, v = walk(a.peer, s)
      for k, x in pairs(v) do
        local t, num = x:match("^(Counter%d+): (%d+)$")
        local t0, num0 = (first[k] or ""):match("^(Counter%d+): (%d+)$")
        if t and t0 then
          assert.equal(t0, t, k)
          n = n + 1
          local d = math.tointeger(num) - math.tointeger(num0)
          if t == "Counter32" then d = d % (1 << 32) ; if d >= (1 << 31) then d = d - (1 << 32) end end
          assert.is_true(d >= 0, k .. ": " .. num0 .. " then " .. num)
          if d > 0 then grew = grew + 1 end
        end
      end
    end
    assert.is_true(n > 100, n)
    assert.is_true(grew > 0) -- the walks themselves are loopback traffic
  end)

  it("counters only go up between two walks", function()
    local subs = { ".1.3.6.1.2.1.2.2", ".1.3.6.1.2.1.31.1.1", ".1.3.6.1.4.1.2021.11", ".1.3.6.1.2.1.6",
                   ".1.3.6.1.2.1.7.1", ".1.3.6.1.2.1.7.4" }
    local first = {}
    for _, s in ipairs(subs) do
      local _, v = walk(a.peer, s)
      for k, x in pairs(v) do first[k] = x end
    end
    os.execute("sleep 1.2") -- past --host-cache 1
    local n, grew = 0, 0
    for _, s in ipairs(subs) do
      local _, v = walk(a.peer, s)
      for k, x in pairs(v) do
        local t, num = x:match("^(Counter%d+): (%d+)$")
        local t0, num0 = (first[k] or ""):match("^(Counter%d+): (%d+)$")
        if t and t0 then
          n = n + 1
          assert.is_true(tonumber(num) >= tonumber(num0), k .. ": " .. num0 .. " then " .. num)
          if tonumber(num) > tonumber(num0) then grew = grew + 1 end
        end
      end
    end
    assert.is_true(n > 50, n)
    assert.is_true(grew > 0) -- the walks themselves are loopback traffic
  end)

  it("values are read once per cache period, not per request", function()
    local q = string.format("snmpget -v2c -c public -On -t 2 -r 1 %s .1.3.6.1.2.1.31.1.1.1.6.1", a.peer)
    local b = start("-c public --host-mibs if --host-cache 30")
    local function get(peer)
      local out = sh(q:gsub(a.peer:gsub("%p", "%%%0"), peer))
      return out:match("Counter64: (%d+)")
    end
    local v1 = get(b.peer)
    local v2 = get(b.peer) -- loopback traffic in between; same snapshot
    b.stop()
    assert.is_not_nil(v1)
    assert.equal(v1, v2)
  end)
end)

describe("interop: choosing and overriding host MIBs", function()
  it("--host-mibs none serves none of them, --host-mibs if only IF-MIB", function()
    local a = start("-c public --host-mibs none")
    local out = sh(string.format("snmpgetnext -v2c -c public -On -t 2 -r 1 %s .1.3.6.1.2.1.2", a.peer))
    a.stop()
    assert.is_nil(out:match("^%.1%.3%.6%.1%.2%.1%.2%."), out)
    a = start("-c public --host-mibs if")
    local names = walk(a.peer, ".1.3.6.1.2.1.2")
    local hr = walk(a.peer, ".1.3.6.1.2.1.25")
    local ip = walk(a.peer, ".1.3.6.1.2.1.4")
    a.stop()
    assert.is_true(#names > 10)
    for _, n in ipairs(hr) do assert.is_nil(n:match("^%.1%.3%.6%.1%.2%.1%.25%."), n) end
    for _, n in ipairs(ip) do assert.is_nil(n:match("^%.1%.3%.6%.1%.2%.1%.4%."), n) end
    -- --host-mibs ip,icmp: IP-MIB and ICMP, and not IF-MIB
    a = start("-c public --host-mibs ip,icmp")
    ip = walk(a.peer, ".1.3.6.1.2.1.4")
    local icmp = walk(a.peer, ".1.3.6.1.2.1.5")
    names = walk(a.peer, ".1.3.6.1.2.1.2")
    a.stop()
    assert.is_true(#ip > 50 and #icmp > 26, #ip .. " " .. #icmp)
    for _, n in ipairs(names) do assert.is_nil(n:match("^%.1%.3%.6%.1%.2%.1%.2%."), n) end
  end)

  it("an unknown module name is refused at start-up with the list of known ones", function()
    local dir = os.tmpname()
    local _, err = sh(string.format("MOONWALK_LUADIR=%s/lua %s agent --listen udp:127.0.0.1:%d -c public --state %s.d --host-mibs if,bogus",
      ROOT, BIN, core.free_udp_port(), dir))
    os.execute("rm -rf " .. dir .. ".d; rm -f " .. dir)
    assert.matches('unknown host MIB module in "if,bogus" %(known: if,host,ucd,tcp,udp,ip,icmp%)', err)
  end)

  it("objects registered from Lua replace the built-in ones at the same OID (ifAlias, hrSystemNumUsers)", function()
    local a = start("-c public", [[
local mw = require "moonwalk"
agent:subtree{ oid = "1.3.6.1.2.1.31.1.1.1.18",
  get = function(s) if #s == 1 then return mw.OctetString("uplink " .. s[1]) end end,
  next = function(s)
    local i = (s and #s >= 1) and s[1] + 1 or 1
    if i <= 64 then return { i }, mw.OctetString("uplink " .. i) end
  end }
agent:scalar{ oid = "1.3.6.1.2.1.25.1.5", type = "Gauge32", value = 42 }
]])
    local out = sh(string.format("snmpget -v2c -c public -On -t 2 -r 1 %s .1.3.6.1.2.1.31.1.1.1.18.1 .1.3.6.1.2.1.25.1.5.0 .1.3.6.1.2.1.31.1.1.1.1.1", a.peer))
    local log = a.log()
    a.stop()
    assert.matches('%.1%.3%.6%.1%.2%.1%.31%.1%.1%.1%.18%.1 = STRING: "uplink 1"', out, nil, log)
    assert.matches("%.1%.3%.6%.1%.2%.1%.25%.1%.5%.0 = Gauge32: 42", out)
    assert.matches('%.1%.3%.6%.1%.2%.1%.31%.1%.1%.1%.1%.1 = STRING: "lo"', out)
  end)
end)
