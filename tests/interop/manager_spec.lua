-- The manager against net-snmp's real snmpd: Lua API and CLI, v1, v2c and
-- IPv6, with the CLI's output compared byte for byte with net-snmp's tools.
local mw = require "moonwalk"
local snmpd = require "snmpd"
local R = require "run"

local d

local OVERRIDES = {
  "override .1.3.6.1.4.1.99999.1.0 octet_str \"plain text\"",
  "override .1.3.6.1.4.1.99999.2.0 octet_str \"\"",
  "override .1.3.6.1.4.1.99999.3.0 integer -5",
  -- (snmpd's override takes neither counter64 nor ipaddress: those come
  -- from its own tables below)
  "override .1.3.6.1.4.1.99999.6.0 object_id .1.3.6.1.4.1.8072",
  "override .1.3.6.1.4.1.99999.7.0 timeticks 864000099",
  "override .1.3.6.1.4.1.99999.8.0 unsigned 4294967295",
  "override .1.3.6.1.4.1.99999.9.0 counter 4294967295",
  "override .1.3.6.1.4.1.99999.10.0 integer 2147483647",
  "override .1.3.6.1.4.1.99999.11.0 octet_str \"with \\\"quotes\\\" and \\\\ backslash\"",
  "override .1.3.6.1.4.1.99999.12.0 timeticks 8640000",
  "override .1.3.6.1.4.1.99999.13.0 timeticks 0",
}

-- A Counter64 that does not move, for output compared with net-snmp's from
-- two separate GETs (a live counter such as ifHCInOctets.1 changes with any
-- loopback traffic between them): snmpd's pass runs this script.
local C64 = ".1.3.6.1.4.1.99998.1.0"
local pass_script = os.tmpname()
do
  local f = assert(io.open(pass_script, "w"))
  f:write(string.format([[
if [ "$1" = -g ] && [ "$2" = %s ]; then printf '%%s\ncounter64\n%%s\n' %s 18446744073709551615; fi
]], C64, C64))
  f:close()
end

setup(function()
  local extra = { "pass .1.3.6.1.4.1.99998 /bin/sh " .. pass_script }
  for _, l in ipairs(OVERRIDES) do extra[#extra + 1] = l end
  d = snmpd.start { extra = extra }
end)

teardown(function()
  if d then d:cleanup() end
  os.remove(pass_script)
end)

local function within(fn)
  local res = table.pack(mw.run(fn))
  return table.unpack(res, 1, res.n)
end

describe("manager against snmpd (Lua API)", function()
  it("GET several objects, v2c", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", community = "public" }
      local vbs = assert(s:get { "1.3.6.1.2.1.1.5.0", "1.3.6.1.4.1.99999.3.0", "1.3.6.1.2.1.31.1.1.1.6.1",
                                 "1.3.6.1.2.1.4.20.1.1.127.0.0.1" })
      assert.equal(4, #vbs)
      assert.equal("1.3.6.1.2.1.1.5.0", vbs[1].oid)
      assert.equal("STRING", vbs[1].type)
      assert.equal("INTEGER", vbs[2].type)
      assert.equal(-5, vbs[2].value)
      assert.equal("Counter64", vbs[3].type) -- ifHCInOctets.1
      assert.equal("integer", math.type(vbs[3].value))
      assert.equal("IpAddress", vbs[4].type) -- ipAdEntAddr.127.0.0.1
      assert.equal("127.0.0.1", vbs[4].value)
    end)
  end)

  it("GET v1, and noSuchName as an error value with its index", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "1", community = "public" }
      local vbs = assert(s:get "1.3.6.1.4.1.99999.1.0")
      assert.equal("plain text", vbs[1].value)
      local none, err = s:get { "1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.99.0" }
      assert.is_nil(none)
      assert.equal("status", err.kind)
      assert.equal("noSuchName", err.status)
      assert.equal(2, err.index)
      assert.equal("1.3.6.1.2.1.1.99.0", err.oid)
    end)
  end)

  it("v2c exceptions come back as typed varbinds", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c" }
      local vbs = assert(s:get { "1.3.6.1.2.1.1.99.0", "1.3.6.1.2.1.1.5.1" })
      assert.equal("noSuchObject", vbs[1].type)
      assert.equal("noSuchInstance", vbs[2].type)
    end)
  end)

  it("GETNEXT and GETBULK", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c" }
      local vbs = assert(s:getnext "1.3.6.1.4.1.99999")
      assert.equal("1.3.6.1.4.1.99999.1.0", vbs[1].oid)
      local b = assert(s:getbulk({ "1.3.6.1.2.1.1.5.0", "1.3.6.1.4.1.99999" }, 1, 3))
      assert.equal(4, #b)
      assert.equal("1.3.6.1.2.1.1.6.0", b[1].oid)
      assert.equal("1.3.6.1.4.1.99999.1.0", b[2].oid)
      assert.equal("1.3.6.1.4.1.99999.3.0", b[4].oid)
    end)
  end)

  it("SET a writable object, then read it back", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", community = "private" }
      local vbs = assert(s:set { { "1.3.6.1.2.1.1.4.0", "s", "noc@example.net" } })
      assert.equal("noc@example.net", vbs[1].value)
      local back = assert(s:get "1.3.6.1.2.1.1.4.0")
      assert.equal("noc@example.net", back[1].value)
      assert(s:set { { oid = "1.3.6.1.2.1.1.4.0", type = "STRING", value = "ops" } })
      assert.equal("ops", assert(s:get "1.3.6.1.2.1.1.4.0")[1].value)
      assert(s:set { { "1.3.6.1.2.1.1.4.0", mw.OctetString("typed") } })
      assert.equal("typed", assert(s:get "1.3.6.1.2.1.1.4.0")[1].value)
    end)
  end)

  it("SET a read-only object gives notWritable with its index", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", community = "private" }
      local none, err = s:set { { "1.3.6.1.2.1.1.3.0", "t", 5 } }
      assert.is_nil(none)
      assert.equal("notWritable", err.status)
      assert.equal(1, err.index)
      assert.matches("notWritable", tostring(err))
    end)
  end)

  it("SET through a read-only community is refused (noAccess)", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", community = "public" }
      local none, err = s:set { { "1.3.6.1.2.1.1.4.0", "s", "x" } }
      assert.is_nil(none)
      assert.equal("noAccess", err.status)
    end)
  end)

  it("IPv6 get and walk", function()
    within(function()
      local s = mw.session { peer = d.agent6, version = "2c" }
      local vbs = assert(s:get "1.3.6.1.2.1.1.5.0")
      assert.equal("STRING", vbs[1].type)
      local n = 0
      for vb in s:bulkwalk "1.3.6.1.4.1.99999" do n = n + 1 end
      assert.equal(#OVERRIDES, n)
    end)
  end)

  it("walk and bulkwalk return the same varbinds", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c" }
      local a, b = {}, {}
      for vb in s:walk "1.3.6.1.2.1.1" do a[#a + 1] = vb.oid end
      for vb in s:bulkwalk("1.3.6.1.2.1.1", { max_repetitions = 7 }) do b[#b + 1] = vb.oid end
      assert.is_true(#a > 10)
      assert.same(a, b)
    end)
  end)

  it("walk v1 ends at noSuchName at the end of the MIB", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "1" }
      local n = 0
      for vb, err in s:walk "1.3.6.1.6.3.16.1.5" do
        assert.is_truthy(vb, err)
        n = n + 1
      end
      -- and walking past everything ends cleanly too
      local last
      for vb, err in s:walk "1.3.6.1.6.3.99" do last = vb or err end
      assert.is_nil(last)
    end)
  end)

  it("table fetch keyed by index, sparse-safe", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c" }
      local rows, order = assert(s:table "1.3.6.1.2.1.2.2")
      assert.is_true(#order >= 1)
      local first = rows[order[1]]
      assert.equal(tonumber(order[1]), first[1]) -- ifIndex column equals the index
      assert.is_string(first[2]) -- ifDescr
      local cols = assert(s:table { "1.3.6.1.2.1.2.2.1.2", "1.3.6.1.2.1.2.2.1.99" })
      assert.is_string(cols[order[1]][2])
      assert.is_nil(cols[order[1]][99])
    end)
  end)

  it("1,000 concurrent gets against one agent all finish", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", timeout = 2, retries = 3 }
      local tasks = {}
      for i = 1, 1000 do
        tasks[i] = mw.spawn(function() return s:get "1.3.6.1.2.1.1.5.0" end)
      end
      local results = mw.wait_all(tasks)
      local ok = 0
      for _, r in ipairs(results) do
        if r[1] and r[2] and r[2][1].type == "STRING" then ok = ok + 1 end
      end
      assert.equal(1000, ok)
    end)
  end)

  it("batch: one task sends 2,000 requests and gets every result in order", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", timeout = 2, retries = 3 }
      local silent = mw.session { peer = "127.0.0.1:" .. require("moonwalk.core").free_udp_port(),
                                  timeout = 0.2, retries = 0 }
      local list = {}
      for i = 1, 2000 do list[i] = { s, "get", { "1.3.6.1.2.1.1.5.0", "1.3.6.1.4.1.99999." .. (i % 13 + 1) .. ".0" } } end
      list[#list + 1] = { s, "getnext", { "1.3.6.1.4.1.99999" } }
      list[#list + 1] = { silent, "get", { "1.3.6.1.2.1.1.5.0" } }
      -- one snmpd drops part of a 2,000-datagram burst: pace it
      mw.set_max_inflight(100)
      local res = mw.batch(list)
      mw.set_max_inflight(0)
      assert.equal(2002, #res)
      for i = 1, 2000 do
        assert.is_nil(res[i].error)
        assert.equal("1.3.6.1.4.1.99999." .. (i % 13 + 1) .. ".0", res[i].varbinds[2].oid)
      end
      assert.equal("1.3.6.1.4.1.99999.1.0", res[2001].varbinds[1].oid)
      assert.equal("timeout", res[2002].error.kind)
    end)
  end)

  it("every answer names the OID asked for, over more distinct OIDs than the name caches hold", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", timeout = 2, retries = 3 }
      -- 1,500 names, in every spelling: text, text with a leading dot, OID
      -- objects; asked twice, once through batch and once task by task
      local names = {}
      for i = 1, 1500 do names[i] = "1.3.6.1.4.1.99999.50." .. i .. "." .. (i % 7) end
      local list = {}
      for i, name in ipairs(names) do
        local spelled = i % 3 == 0 and "." .. name or i % 3 == 1 and mw.oid(name) or name
        list[i] = { s, "get", { spelled } }
      end
      mw.set_max_inflight(100)
      for _ = 1, 2 do
        local res = mw.batch(list)
        for i, name in ipairs(names) do
          assert.is_nil(res[i].error)
          assert.equal(name, res[i].varbinds[1].oid)
          assert.equal("noSuchObject", res[i].varbinds[1].type)
        end
      end
      mw.set_max_inflight(0)
      local tasks = {}
      for w = 1, 50 do
        tasks[w] = mw.spawn(function()
          for i = w, #names, 50 do
            local vbs = assert(s:get(i % 2 == 0 and names[i] or "." .. names[i]))
            assert(vbs[1].oid == names[i], vbs[1].oid .. " for " .. names[i])
            local nxt = assert(s:getnext(names[i]))
            assert(nxt[1].oid ~= names[i])
          end
        end)
      end
      for _, r in ipairs(mw.wait_all(tasks)) do assert.is_true(r[1], tostring(r[2])) end
      -- sysName.0 still reads as itself between them
      local vbs = assert(s:get "1.3.6.1.2.1.1.5.0")
      assert.equal("1.3.6.1.2.1.1.5.0", vbs[1].oid)
    end)
  end)

  it("a burst of equal requests to one agent goes out in UDP GSO runs, and each is answered", function()
    within(function()
      local s = mw.session { peer = d.agent, version = "2c", timeout = 2, retries = 3 }
      assert(s:get "1.3.6.1.2.1.1.5.0")
      local before = mw.stats()
      local list = {}
      for i = 1, 200 do list[i] = { s, "get", { "1.3.6.1.4.1.99999." .. (i % 9 + 1) .. ".0" } } end
      local res = mw.batch(list)
      for i = 1, 200 do
        assert.is_nil(res[i].error)
        assert.equal("1.3.6.1.4.1.99999." .. (i % 9 + 1) .. ".0", res[i].varbinds[1].oid)
      end
      local after = mw.stats()
      -- requests of one size to one peer, queued together: the kernel got
      -- runs of them (in the first send at least), not one message each
      assert.is_true(after.gso_datagrams - before.gso_datagrams >= 2,
        "no GSO run: " .. (after.gso_datagrams - before.gso_datagrams))
      assert.is_true(after.sent - before.sent >= 200)
    end)
  end)

  it("a global in-flight limit queues the rest and everything completes", function()
    within(function()
      mw.set_max_inflight(4)
      local s = mw.session { peer = d.agent, version = "2c" }
      local before = mw.stats().queued
      local tasks = {}
      for i = 1, 50 do tasks[i] = mw.spawn(function() return s:get "1.3.6.1.2.1.1.5.0" end) end
      local st = mw.stats()
      assert.is_true(st.inflight <= 4)
      assert.is_true(st.waiting >= 40)
      for _, r in ipairs(mw.wait_all(tasks)) do assert.is_truthy(r[2]) end
      assert.equal(before + 46, mw.stats().queued)
      mw.set_max_inflight(0)
    end)
  end)
end)

-- Compares a full-tree walk of ours with two runs of net-snmp's tool
-- around it. A line that is the same in both of net-snmp's runs must be in
-- ours byte for byte, unless its value is driven by time (the subtrees
-- below); every line of ours must have an OID and type that net-snmp
-- printed, except process-table rows (the walker's own PID differs); and
-- ours has as many lines as one of net-snmp's runs.
local TIME_DRIVEN = {
  ".1.3.6.1.4.1.8072.1.5.3.1.3.",  -- nsCacheStatus: expires on a timer
  ".1.3.6.1.2.1.25.4.", ".1.3.6.1.2.1.25.5.", -- hrSWRun/Perf: processes
}
local function time_driven(oid)
  for _, p in ipairs(TIME_DRIVEN) do
    if oid:sub(1, #p) == p then return true end
  end
  return false
end

local function compare_walks(ours, theirs1, theirs2)
  local function lines(s)
    local t = {}
    for l in s:gmatch("[^\n]+") do t[#t + 1] = l end
    return t
  end
  local a, m, b = lines(theirs1), lines(ours), lines(theirs2)
  local function key(l)
    local oid, typ = l:match("^(%S+) = ([%a%d-]+:?)")
    return oid or l, typ or ""
  end
  local bset, known = {}, {}
  for _, l in ipairs(b) do bset[l] = true end
  for _, l in ipairs(a) do local o, t = key(l); known[o .. " " .. t] = true end
  for _, l in ipairs(b) do local o, t = key(l); known[o .. " " .. t] = true end
  local mset = {}
  for _, l in ipairs(m) do
    mset[l] = true
    local o, t = key(l)
    if not known[o .. " " .. t] and not time_driven(o) then
      return false, "line with an OID/type net-snmp never printed: " .. l
    end
  end
  local stable = 0
  for _, l in ipairs(a) do
    local o = key(l)
    if bset[l] and not time_driven(o) then
      stable = stable + 1
      if not mset[l] then return false, "missing stable line: " .. l end
    end
  end
  if #m ~= #a and #m ~= #b then
    return false, string.format("%d lines, net-snmp printed %d and %d", #m, #a, #b)
  end
  return true, stable
end

describe("CLI output is net-snmp's, byte for byte", function()
  local bin = os.getenv("MOONWALK_BIN") or "build/moonwalk"

  local function both(ours, theirs)
    local o1, e1, c1 = R.run(bin .. " " .. ours)
    local o2, e2, c2 = R.run(theirs)
    return { out = o1, err = e1, code = c1 }, { out = o2, err = e2, code = c2 }
  end

  it("get of every type, default and -On/-Oq/-Ov/-Ot/-OQ/-Ox/-Oa/-Of output", function()
    local oids = {}
    for i = 1, 13 do oids[#oids + 1] = ".1.3.6.1.4.1.99999." .. i .. ".0" end
    oids[#oids + 1] = C64                             -- Counter64 (fixed)
    oids[#oids + 1] = ".1.3.6.1.2.1.4.20.1.1.127.0.0.1" -- IpAddress
    oids[#oids + 1] = ".1.3.6.1.2.1.1.99.0"
    oids[#oids + 1] = ".1.3.6.1.2.1.1.5.1"
    local list = table.concat(oids, " ")
    for _, f in ipairs { "", "-On", "-Oq", "-Ov", "-Ot", "-OQ", "-Ox", "-Oa", "-Of", "-Oqv", "-Otq" } do
      local ours, theirs = both("get " .. f .. " -v2c -c public " .. d.agent .. " " .. list,
        "snmpget -m '' " .. f .. " -v2c -c public " .. d.agent .. " " .. list)
      assert.equal(theirs.out, ours.out, "flags " .. f)
      assert.equal(theirs.code, ours.code)
      if f == "" then assert.matches("99998.1.0 = Counter64: 18446744073709551615", theirs.out, 1, true) end
    end
  end)

  it("walk of the subtree of every type", function()
    for _, tool in ipairs { "walk", "bulkwalk" } do
      local ours, theirs = both(tool .. " -v2c -c public " .. d.agent .. " .1.3.6.1.4.1.99999",
        "snmp" .. tool .. " -m '' -v2c -c public " .. d.agent .. " .1.3.6.1.4.1.99999")
      assert.equal(theirs.out, ours.out)
      assert.equal(0, ours.code)
    end
  end)

  it("walk and bulkwalk of the full tree, -On, v2c and v1, IPv4 and IPv6", function()
    for _, case in ipairs {
      { "walk", "-v2c", d.agent }, { "bulkwalk", "-v2c", d.agent },
      { "walk", "-v1", d.agent }, { "bulkwalk", "-v2c", d.agent6 },
    } do
      local tool, ver, agent = case[1], case[2], case[3]
      local args = "-On " .. ver .. " -c public " .. agent .. " .1"
      -- a socket or process that lives only during our walk (anything else
      -- running on the machine) shows as a line net-snmp never printed:
      -- the three walks are taken again, up to three times
      local ok, info
      for _ = 1, 3 do
        local t1 = R.run("snmp" .. tool .. " -m '' " .. args)
        local o, e, c = R.run(bin .. " " .. tool .. " " .. args)
        local t2 = R.run("snmp" .. tool .. " -m '' " .. args)
        assert.equal(0, c, e)
        assert.is_true(#o > 10000)
        ok, info = compare_walks(o, t1, t2)
        if ok then break end
      end
      assert.is_true(ok, info)
      assert.is_true(info > 100, "too few stable lines compared")
    end
  end)

  it("the same number of lines as snmpwalk for the full tree", function()
    local args = "-On -v2c -c public " .. d.agent .. " .1.3.6.1.2.1.1"
    local t = R.run("snmpwalk -m '' " .. args)
    local o = R.run(bin .. " walk " .. args)
    local _, n1 = t:gsub("\n", "")
    local _, n2 = o:gsub("\n", "")
    assert.equal(n1, n2)
  end)

  it("walk ends with net-snmp's endOfMibView line", function()
    local args = "-On -v2c -c public " .. d.agent .. " .1.3.6.1.6.3.16"
    local t = R.run("snmpwalk -m '' " .. args)
    local o = R.run(bin .. " walk " .. args)
    assert.matches("No more variables left in this MIB View", t)
    assert.equal(t, o)
  end)

  it("walk of a single instance falls back to GET as snmpwalk does", function()
    local ours, theirs = both("walk -v2c -c public " .. d.agent .. " .1.3.6.1.2.1.1.5.0",
      "snmpwalk -m '' -v2c -c public " .. d.agent .. " .1.3.6.1.2.1.1.5.0")
    assert.equal(theirs.out, ours.out)
  end)

  it("getnext and bulkget", function()
    local ours, theirs = both("getnext -v2c -c public " .. d.agent .. " .1.3.6.1.4.1.99999 .1.3.6.1.4.1.99999.5.0",
      "snmpgetnext -m '' -v2c -c public " .. d.agent .. " .1.3.6.1.4.1.99999 .1.3.6.1.4.1.99999.5.0")
    assert.equal(theirs.out, ours.out)
    ours, theirs = both("bulkget -Cn1 -Cr4 -v2c -c public " .. d.agent .. " .1.3.6.1.2.1.1.4.0 .1.3.6.1.4.1.99999",
      "snmpbulkget -m '' -Cn1 -Cr4 -v2c -c public " .. d.agent .. " .1.3.6.1.2.1.1.4.0 .1.3.6.1.4.1.99999")
    assert.equal(theirs.out, ours.out)
  end)

  it("v1 error-status: message, failed object, retry without it, exit 2", function()
    local ours, theirs = both("get -v1 -c public " .. d.agent .. " .1.3.6.1.2.1.1.99.0 .1.3.6.1.2.1.1.5.0",
      "snmpget -m '' -v1 -c public " .. d.agent .. " .1.3.6.1.2.1.1.99.0 .1.3.6.1.2.1.1.5.0")
    assert.equal(theirs.out, ours.out)
    assert.equal(theirs.err, ours.err)
    assert.equal(2, theirs.code)
    assert.equal(2, ours.code)
  end)

  it("set: success output, and notWritable as snmpset prints it", function()
    local ours, theirs = both("set -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.6.0 s here",
      "snmpset -m '' -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.6.0 s here")
    -- sysLocation may be read-only on this snmpd; either way both agree
    assert.equal(theirs.out, ours.out)
    assert.equal(theirs.err, ours.err)
    assert.equal(theirs.code, ours.code)
    ours, theirs = both("set -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.4.0 s ops@example.net",
      "snmpset -m '' -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.4.0 s ops@example.net")
    assert.equal(theirs.out, ours.out)
    assert.equal(0, ours.code)
    ours, theirs = both("set -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.3.0 t 5",
      "snmpset -m '' -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.3.0 t 5")
    assert.equal(theirs.err, ours.err)
    assert.equal(theirs.code, ours.code)
    assert.equal(2, ours.code)
  end)

  it("timeout: message on stderr and exit 1", function()
    local port = require("moonwalk.core").free_udp_port()
    local ours, theirs = both("get -t 0.2 -r 1 -v2c -c public 127.0.0.1:" .. port .. " .1.3.6.1.2.1.1.5.0",
      "snmpget -m '' -t 0.2 -r 1 -v2c -c public 127.0.0.1:" .. port .. " .1.3.6.1.2.1.1.5.0")
    assert.equal("Timeout: No Response from 127.0.0.1:" .. port .. ".\n", theirs.err)
    assert.equal(theirs.err, ours.err)
    assert.equal(1, ours.code)
    ours, theirs = both("walk -t 0.2 -r 0 -v2c -c public 127.0.0.1:" .. port .. " .1.3.6.1.2.1.1",
      "snmpwalk -m '' -t 0.2 -r 0 -v2c -c public 127.0.0.1:" .. port .. " .1.3.6.1.2.1.1")
    assert.equal(theirs.err, ours.err)
    assert.equal(theirs.code, ours.code)
  end)

  it("bad OIDs and types are refused before anything is sent", function()
    local o, e, c = R.mw("get -v2c -c public " .. d.agent .. " 1.3.6.x")
    assert.equal(1, c)
    assert.matches("1.3.6.x", e)
    -- a type letter snmpset does not know, a value that is no number:
    -- snmpset's own words
    for _, a in ipairs { " .1.3.6.1.2.1.1.4.0 z foo", " .1.3.6.1.2.1.1.4.0 i notanumber" } do
      local ours, theirs = both("set -m '' -v2c -c private " .. d.agent .. a,
                                "snmpset -m '' -v2c -c private " .. d.agent .. a)
      assert.same(theirs, ours)
      assert.equal(1, ours.code)
    end
    o, e, c = R.mw("set -m '' -v2c -c private " .. d.agent .. " .1.3.6.1.2.1.1.4.0 z foo")
    assert.equal(".1.3.6.1.2.1.1.4.0: Bad object type: z\n", e)
    o, e, c = R.mw("get -v 5 -c public " .. d.agent .. " .1.3")
    assert.equal(1, c)
    assert.matches("Invalid version", e)
  end)
end)
