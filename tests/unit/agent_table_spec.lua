-- Agent tables kept in index order (Agent:table without rows=): the table
-- object (set, remove, get, replace, #, pairs), GET/GETNEXT/GETBULK from
-- it, walks while rows change, replace seen whole or not at all, a million
-- rows, and rows created and destroyed by SET (RowStatus), through
-- agent:process and through net-snmp's snmpset against `moonwalk agent`.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local log = require "moonwalk.log"

local ENT = "1.3.6.1.4.1.99999"
local T = ENT .. ".2.1"

local function new_agent(opts)
  opts = opts or {}
  opts.listen = opts.listen or "udp:127.0.0.1:0"
  opts.communities = opts.communities or { public = "ro", private = "rw" }
  return mw.agent(opts)
end

local function req(a, pdu, community)
  pdu.request_id = pdu.request_id or 77
  local vbs = {}
  for i, v in ipairs(pdu.varbinds or {}) do
    vbs[i] = type(v) == "string" and { oid = v, type = "NULL" } or v
  end
  pdu.varbinds = vbs
  local raw = assert(mw.encode { version = 1, community = community or "public", pdu = pdu })
  local m = assert(mw.decode(assert(a:process(raw))))
  return m.pdu
end

local function get(a, oids) return req(a, { type = "get", varbinds = oids }) end
local function getnext(a, oids) return req(a, { type = "getnext", varbinds = oids }) end
local function bulk(a, oid, mr)
  return req(a, { type = "getbulk", non_repeaters = 0, max_repetitions = mr, varbinds = { oid } })
end
local function set(a, vbs) return req(a, { type = "set", varbinds = vbs }, "private") end

local function under(oid, root) return oid:sub(1, #root + 1) == root .. "." end

-- GETNEXT walk of root: list of "suffix=value"
local function walk(a, root)
  local out, cur = {}, root
  while true do
    local vb = getnext(a, { cur }).varbinds[1]
    if vb.type == "endOfMibView" or not under(vb.oid, root) then break end
    out[#out + 1] = vb.oid:sub(#root + 2) .. "=" .. tostring(vb.value)
    cur = vb.oid
  end
  return out
end

local function arcs_of(s)
  local t = {}
  for x in s:gmatch("%d+") do t[#t + 1] = tonumber(x) end
  return t
end

local function arcs_less(a, b)
  for i = 1, math.min(#a, #b) do
    if a[i] ~= b[i] then return a[i] < b[i] end
  end
  return #a < #b
end

describe("agent table object (no rows=)", function()
  local a
  before_each(function() a = new_agent() end)
  after_each(function() a:close() end)

  it("set, get, remove, # and iteration in index order", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "STRING" } }
    for _, i in ipairs { 30, 4, 17, 1, 200, 5 } do t:set(i, { [2] = "r" .. i }) end
    assert.equal(6, #t)
    assert.equal(T, tostring(t.oid))
    t:set(17, { [2] = "again" })
    assert.equal(6, #t)
    assert.equal("again", t:get(17)[2])
    assert.is_nil(t:get(18))
    local order = {}
    for index, row in t:pairs() do order[#order + 1] = index .. ":" .. row[2] end
    assert.same({ "1:r1", "4:r4", "5:r5", "17:again", "30:r30", "200:r200" }, order)
    local viapairs = {}
    for index in pairs(t) do viapairs[#viapairs + 1] = index end
    assert.same({ 1, 4, 5, 17, 30, 200 }, viapairs)
    assert.equal("r4", t:remove(4)[2])
    assert.is_nil(t:remove(4))
    assert.equal(5, #t)
    assert.same({ "2.1=r1", "2.5=r5", "2.17=again", "2.30=r30", "2.200=r200" }, walk(a, T))
  end)

  it("the order stays right through many insertions and removals (blocks split and merge)", function()
    local t = a:table { oid = T, index = { "integer", "string" }, columns = { [2] = "INTEGER" } }
    local model, rnd = {}, 99
    local function random(n)
      rnd = (rnd * 1103515245 + 12345) % 2147483648
      return rnd % n + 1
    end
    for step = 1, 30000 do
      local i, s = random(3000), tostring(random(3))
      local k = i .. "/" .. s
      if random(3) == 1 and step > 10000 then
        assert.is_true(model[k] == t:remove({ i, s }))
        model[k] = nil
      else
        local row = { [2] = step }
        t:set({ i, s }, row)
        model[k] = row
      end
    end
    local keys = {}
    for k in pairs(model) do keys[#keys + 1] = k end
    table.sort(keys, function(x, y)
      local xi, xs = x:match("^(%d+)/(.*)$")
      local yi, ys = y:match("^(%d+)/(.*)$")
      xi, yi = tonumber(xi), tonumber(yi)
      if xi ~= yi then return xi < yi end
      return #xs < #ys or (#xs == #ys and xs < ys)
    end)
    assert.equal(#keys, #t)
    local n = 0
    for index, row in t:pairs() do
      n = n + 1
      assert.equal(keys[n], index[1] .. "/" .. index[2])
      assert.equal(model[keys[n]], row)
    end
    assert.equal(#keys, n)
  end)

  it("a bad index raises in set and gives nil in get and remove", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "STRING" } }
    assert.has_error(function() t:set("x", { [2] = "a" }) end)
    assert.has_error(function() t:set(-1, { [2] = "a" }) end)
    assert.has_error(function() t:set(1, "not a row") end)
    assert.is_nil(t:get("x"))
    assert.is_nil(t:remove({}))
    assert.equal(0, #t)
  end)

  it("sparse rows: holes are skipped, GET of a hole is noSuchInstance", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "STRING", [3] = "Counter32" } }
    t:set(10, { [2] = "ten", [3] = 100 })
    t:set(2, { [2] = "two" })
    t:set(7, { [3] = 70 })
    assert.same({ "2.2=two", "2.10=ten", "3.7=70", "3.10=100" }, walk(a, T))
    assert.equal("noSuchInstance", get(a, { T .. ".3.2" }).varbinds[1].type)
    assert.equal("noSuchInstance", get(a, { T .. ".9.2" }).varbinds[1].type)
    assert.equal("noSuchInstance", get(a, { T .. ".2" }).varbinds[1].type)
    assert.equal(100, get(a, { T .. ".3.10" }).varbinds[1].value)
  end)

  it("column getters, cells by column name, and typed values", function()
    local t = a:table { oid = T, index = "integer", columns = {
      [2] = { type = "STRING", name = "descr" },
      [3] = { type = "Counter64", get = function(row, index) return row.base + index end },
      [4] = "OID", [5] = "IpAddress" } }
    t:set(1, { descr = "eth0", base = 1000, [4] = "1.3.6.1.2", [5] = "10.0.0.1" })
    t:set(2, { [2] = "eth1", base = 2000, [4] = { type = "OID", value = "1.3.9" } })
    assert.same({ "2.1=eth0", "2.2=eth1", "3.1=1001", "3.2=2002", "4.1=1.3.6.1.2", "4.2=1.3.9",
      "5.1=10.0.0.1" }, walk(a, T))
  end)

  it("string, IMPLIED string, fixed-length, OID, IpAddress and two-part indexes", function()
    local s = a:table { oid = ENT .. ".3.1", index = "string", columns = { [2] = "INTEGER" } }
    local i = a:table { oid = ENT .. ".4.1", index = "implied string", columns = { [2] = "INTEGER" } }
    local f = a:table { oid = ENT .. ".5.1", index = { { type = "string", length = 2 } }, columns = { [2] = "INTEGER" } }
    local o = a:table { oid = ENT .. ".6.1", index = "oid", columns = { [2] = "INTEGER" } }
    local m = a:table { oid = ENT .. ".7.1", index = { "ipaddress", "integer" }, columns = { [3] = "STRING" } }
    for k, v in pairs { ab = 1, b = 2, abc = 3 } do
      s:set(k, { [2] = v })
      i:set(k, { [2] = v })
    end
    f:set("ab", { [2] = 1 })
    assert.has_error(function() f:set("abc", { [2] = 1 }) end)
    o:set("1.3.6", { [2] = 1 })
    o:set(core.oid("1.3"), { [2] = 2 })
    m:set({ "10.0.0.2", 1 }, { [3] = "b" })
    m:set({ "10.0.0.1", 9 }, { [3] = "a" })
    assert.same({ "2.1.98=2", "2.2.97.98=1", "2.3.97.98.99=3" }, walk(a, ENT .. ".3.1"))
    assert.same({ "2.97.98=1", "2.97.98.99=3", "2.98=2" }, walk(a, ENT .. ".4.1"))
    assert.same({ "2.97.98=1" }, walk(a, ENT .. ".5.1"))
    assert.same({ "2.2.1.3=2", "2.3.1.3.6=1" }, walk(a, ENT .. ".6.1"))
    assert.same({ "3.10.0.0.1.9=a", "3.10.0.0.2.1=b" }, walk(a, ENT .. ".7.1"))
    assert.equal(3, get(a, { ENT .. ".4.1.2.97.98.99" }).varbinds[1].value)
    assert.equal(3, i:get("abc")[2])
    assert.equal("a", m:get({ "10.0.0.1", 9 })[3])
    local order = {}
    for index in i:pairs() do order[#order + 1] = index end
    assert.same({ "ab", "abc", "b" }, order)
  end)

  it("a cell of the wrong type is genErr, logged once", function()
    local lines = {}
    local old = log.set_sink(function(_, line) lines[#lines + 1] = line end)
    local t = a:table { oid = T, columns = { [2] = "INTEGER" } }
    t:set(1, { [2] = "x" })
    assert.equal(5, get(a, { T .. ".2.1" }).error_status)
    assert.equal(5, getnext(a, { T }).error_status)
    log.set_sink(old)
    assert.equal(1, #lines)
  end)

  it("a walk during concurrent changes returns each index at most once and in increasing order", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "INTEGER", [3] = "INTEGER" } }
    local rnd = 12345
    local function random(n)
      rnd = (rnd * 1103515245 + 12345) % 2147483648
      return rnd % n + 1
    end
    for i = 1, 2000, 2 do t:set(i, { [2] = i, [3] = i }) end
    for _, mr in ipairs { 1, 7, 50 } do
      local seen, prev, cur, steps = {}, nil, T, 0
      while true do
        local p = bulk(a, cur, mr)
        local stop = false
        for _, vb in ipairs(p.varbinds) do
          if vb.type == "endOfMibView" or not under(vb.oid, T) then stop = true break end
          local arcs = arcs_of(vb.oid)
          assert.is_nil(seen[vb.oid], vb.oid)
          seen[vb.oid] = true
          if prev then assert.is_true(arcs_less(prev, arcs), vb.oid) end
          prev = arcs
          cur = vb.oid
        end
        if stop then break end
        steps = steps + 1
        -- between two steps another task adds, changes and removes rows
        for _ = 1, 20 do
          local i = random(2200)
          if random(3) == 1 then t:remove(i) else t:set(i, { [2] = i, [3] = -i }) end
        end
      end
      assert.is_true(steps > 10)
    end
  end)

  it("replace is seen whole or not at all by a walk step", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "STRING" } }
    local function generation(g)
      local rows = {}
      for i = 1, 300 do rows[i * 2 + g % 2] = { [2] = "gen" .. g } end
      return rows
    end
    t:replace(generation(0))
    local cur, g, steps = T, 0, 0
    while true do
      local p = bulk(a, cur, 40)
      local gens, stop = {}, false
      for _, vb in ipairs(p.varbinds) do
        if vb.type == "endOfMibView" or not under(vb.oid, T) then stop = true break end
        gens[vb.value] = true
        cur = vb.oid
      end
      local n = 0
      for _ in pairs(gens) do n = n + 1 end
      assert.is_true(n <= 1, "a step saw two generations")
      if stop then break end
      steps = steps + 1
      g = g + 1
      t:replace(generation(g))
      assert.equal(300, #t)
    end
    assert.is_true(steps >= 7)
  end)

  it("replace with a bad row raises and leaves the table as it was", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "STRING" } }
    t:replace { [1] = { [2] = "a" }, [2] = { [2] = "b" } }
    assert.has_error(function() t:replace { [1] = { [2] = "x" }, bad = { [2] = "y" } } end)
    assert.has_error(function() t:replace { [1] = "not a row" } end)
    assert.equal(2, #t)
    assert.same({ "2.1=a", "2.2=b" }, walk(a, T))
    t:replace { { index = 9, [2] = "z" } }
    assert.same({ "2.9=z" }, walk(a, T))
    t:replace {}
    assert.equal(0, #t)
    assert.same({}, walk(a, T))
  end)

  it("a getter that changes the table during a walk step does not break the walk", function()
    local t
    t = a:table { oid = T, index = "integer", columns = { [2] = { type = "INTEGER", get = function(row, index)
      if index % 10 == 0 and index <= 100 then
        t:remove(index + 1)
        t:set(index + 1000, { keep = true })
        return nil -- a hole
      end
      return row.v
    end } } }
    for i = 1, 100 do t:set(i, { v = i }) end
    local got = walk(a, T)
    local last = 0
    for _, s in ipairs(got) do
      local i = tonumber(s:match("^2%.(%d+)="))
      assert.is_true(i > last)
      last = i
    end
    assert.is_true(#got > 80)
  end)

  it("1,000,000 rows load and answer GET, GETNEXT and GETBULK", function()
    local t = a:table { oid = T, index = "integer", columns = { [2] = "INTEGER", [3] = "STRING" } }
    local rows = {}
    for i = 1, 1000000 do rows[i] = { [2] = i } end
    t:replace(rows)
    rows = nil
    assert.equal(1000000, #t)
    assert.equal(777777, get(a, { T .. ".2.777777" }).varbinds[1].value)
    assert.equal("noSuchInstance", get(a, { T .. ".2.1000001" }).varbinds[1].type)
    local vb = getnext(a, { T .. ".2.999999" }).varbinds[1]
    assert.equal(T .. ".2.1000000", vb.oid)
    vb = getnext(a, { T .. ".2.1000000" }).varbinds[1]
    assert.is_false(under(vb.oid, T)) -- column 3 is empty: past the table
    local p = bulk(a, T .. ".2.500000", 10)
    assert.equal(10, #p.varbinds)
    assert.equal(T .. ".2.500010", p.varbinds[10].oid)
    -- changes of a few rows in the big table
    t:set(2000000, { [2] = 2, [3] = "last" })
    t:remove(1)
    assert.equal(1000000, #t)
    assert.equal(T .. ".2.2", getnext(a, { T }).varbinds[1].oid)
    assert.equal("last", getnext(a, { T .. ".3" }).varbinds[1].value)
    assert.is_true(t:stats().bytes < 40 * 1000000)
  end)
end)

describe("agent table object: SET and RowStatus", function()
  local a, t, created, destroyed
  before_each(function()
    a = new_agent()
    created, destroyed = {}, {}
    t = a:table { oid = T, index = "integer",
      columns = { [2] = { type = "STRING", name = "descr", access = "rw" },
        [3] = { type = "INTEGER", access = "rw", check = function(v) return v >= 0 end },
        [4] = "Counter32", [9] = "RowStatus" },
      on_create = function(index) created[#created + 1] = index end,
      on_destroy = function(index) destroyed[#destroyed + 1] = index end }
    t:set(1, { descr = "one", [3] = 1, [4] = 10, [9] = 1 })
    a:scalar { oid = ENT .. ".1.1", type = "INTEGER", value = 0, access = "rw",
      set = function(v) return v ~= 99 end }
  end)
  after_each(function() a:close() end)

  local function S(col, idx, typ, v) return { oid = T .. "." .. col .. "." .. idx, type = typ, value = v } end

  it("a SET changes a cell of an existing row; wrongType and check failures refused", function()
    assert.equal(0, set(a, { S(2, 1, "STRING", "uno") }).error_status)
    assert.equal("uno", t:get(1).descr)
    assert.equal(7, set(a, { S(2, 1, "INTEGER", 5) }).error_status)
    assert.equal(10, set(a, { S(3, 1, "INTEGER", -5) }).error_status)
    assert.equal(17, set(a, { S(4, 1, "Counter32", 5) }).error_status)
    assert.equal(1, t:get(1)[3])
  end)

  it("createAndGo creates the row with the other cells of the same SET; destroy removes it", function()
    local p = set(a, { S(2, 7, "STRING", "seven"), S(9, 7, "INTEGER", 4), S(3, 7, "INTEGER", 70) })
    assert.equal(0, p.error_status)
    assert.equal(2, #t)
    assert.equal("seven", t:get(7).descr)
    assert.equal(70, t:get(7)[3])
    assert.equal(1, t:get(7)[9])
    assert.same({ 7 }, created)
    assert.same({ "2.1=one", "2.7=seven", "3.1=1", "3.7=70", "4.1=10", "9.1=1", "9.7=1" }, walk(a, T))
    assert.equal(0, set(a, { S(9, 7, "INTEGER", 6) }).error_status)
    assert.is_nil(t:get(7))
    assert.same({ 7 }, destroyed)
    assert.equal(0, set(a, { S(9, 7, "INTEGER", 6) }).error_status) -- destroying a missing row
  end)

  it("createAndWait gives notInService; active and notInService switch an existing row", function()
    assert.equal(0, set(a, { S(9, 5, "INTEGER", 5) }).error_status)
    assert.equal(2, get(a, { T .. ".9.5" }).varbinds[1].value)
    assert.equal(0, set(a, { S(9, 5, "INTEGER", 1) }).error_status)
    assert.equal(1, t:get(5)[9])
  end)

  it("refusals: cell of a missing row, createAndGo of an existing row, bad RowStatus values", function()
    local p = set(a, { S(2, 8, "STRING", "x") })
    assert.equal(18, p.error_status) -- inconsistentName
    assert.equal(1, p.error_index)
    assert.equal(12, set(a, { S(9, 1, "INTEGER", 4) }).error_status) -- inconsistentValue
    assert.equal(12, set(a, { S(9, 8, "INTEGER", 1) }).error_status)
    assert.equal(10, set(a, { S(9, 1, "INTEGER", 3) }).error_status) -- notReady cannot be set
    assert.equal(10, set(a, { S(9, 1, "INTEGER", 7) }).error_status)
    assert.equal(12, set(a, { S(9, 1, "INTEGER", 6), S(2, 1, "STRING", "y") }).error_status)
    assert.equal(1, #t)
    assert.same({}, created)
  end)

  it("a SET that fails after creating or destroying a row leaves the table as it was", function()
    -- the scalar's setter refuses 99: commitFailed after the row varbinds committed
    local p = set(a, { S(9, 3, "INTEGER", 4), S(2, 3, "STRING", "three"), { oid = ENT .. ".1.1.0", type = "INTEGER", value = 99 } })
    assert.equal(14, p.error_status)
    assert.is_nil(t:get(3))
    assert.equal(1, #t)
    p = set(a, { S(9, 1, "INTEGER", 6), { oid = ENT .. ".1.1.0", type = "INTEGER", value = 99 } })
    assert.equal(14, p.error_status)
    assert.equal("one", t:get(1).descr)
    assert.same({ "2.1=one", "3.1=1", "4.1=10", "9.1=1" }, walk(a, T))
    assert.same({}, created)
    assert.same({}, destroyed)
  end)
end)

describe("agent table object: net-snmp tools against `moonwalk agent`", function()
  local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
  local dir, port, pid

  local function sh(cmd)
    local p = io.popen("(MIBS= " .. cmd .. ") 2>&1")
    local out = p:read("a")
    local ok = p:close()
    return out, ok
  end

  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    os.execute("mkdir -p " .. dir)
    port = core.free_udp_port()
    local f = assert(io.open(dir .. "/objects.lua", "w"))
    f:write([[
local t = agent:table{ oid = "1.3.6.1.4.1.99999.2.1", index = "integer",
  columns = { [2] = { type = "STRING", access = "rw" }, [3] = "Counter32", [9] = "RowStatus" } }
for i = 1, 3000 do t:set(i, { [2] = "if" .. i, [3] = i, [9] = 1 }) end
]])
    f:close()
    os.execute(string.format("MOONWALK_LUADIR=lua %s agent --listen udp:127.0.0.1:%d -c public --rwcommunity private %s/objects.lua >%s/log 2>&1 & echo $! >%s/pid",
      BIN, port, dir, dir, dir))
    local pf = io.open(dir .. "/pid")
    pid = pf:read("l")
    pf:close()
    for _ = 1, 200 do
      local l = io.open(dir .. "/log")
      local text = l and l:read("a") or ""
      if l then l:close() end
      if text:find("listening on", 1, true) then break end
      os.execute("sleep 0.02")
    end
  end)
  teardown(function() os.execute("kill " .. pid .. " 2>/dev/null; sleep 0.05; rm -rf " .. dir) end)

  local function tool(cmd, rest)
    return sh(string.format("%s -t 1 -r 1 127.0.0.1:%d %s", cmd, port, rest))
  end

  it("snmpbulkwalk returns every row in order", function()
    local out, ok = tool("snmpbulkwalk -v2c -c public -On -Cr50", "." .. T .. ".3")
    assert.is_true(ok, out)
    local n, last = 0, 0
    for i in out:gmatch("%.3%.(%d+) = Counter32: ") do
      n = n + 1
      assert.is_true(tonumber(i) > last)
      last = tonumber(i)
    end
    assert.equal(3000, n)
  end)

  it("snmpset createAndGo with a cell creates a row, destroy removes it", function()
    local out, ok = tool("snmpset -v2c -c private -On", "." .. T .. ".9.5000 i 4 ." .. T .. ".2.5000 s new")
    assert.is_true(ok, out)
    assert.matches("." .. T .. ".9.5000 = INTEGER: 4", out, 1, true)
    out = tool("snmpget -v2c -c public -On", "." .. T .. ".2.5000 ." .. T .. ".9.5000")
    assert.matches('.' .. T .. '.2.5000 = STRING: "new"', out, 1, true)
    assert.matches('.' .. T .. '.9.5000 = INTEGER: 1', out, 1, true)
    out, ok = tool("snmpset -v2c -c private -On", "." .. T .. ".9.5000 i 6")
    assert.is_true(ok, out)
    out = tool("snmpget -v2c -c public -On", "." .. T .. ".9.5000")
    assert.matches("No Such Instance", out, 1, true)
    out, ok = tool("snmpset -v2c -c private -On", "." .. T .. ".2.6000 s x")
    assert.is_not_true(ok)
    assert.matches("Reason: inconsistentName", out, 1, true)
  end)
end)
