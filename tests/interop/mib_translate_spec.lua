-- Names and OIDs against net-snmp's snmptranslate, for every node of every
-- module in the standard set (mibs/std) and in net-snmp's own MIBs
-- (/usr/share/snmp/mibs), plus the test modules in tests/fixtures/mibs.
local core = require "moonwalk.core"

local root = os.getenv("MOONWALK_ROOT") or "."
local STD = root .. "/mibs/std"
local NETSNMP = "/usr/share/snmp/mibs"
local FIX = root .. "/tests/fixtures/mibs"

local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function slurp(path)
  local f = io.open(path, "rb")
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

-- Runs snmptranslate on many arguments at once. It stops at the first
-- argument it cannot translate; that one gets its error line (stderr) and
-- the run resumes after it. Returns one entry per argument:
-- { out = "line" } or { err = "message" }.
local function translate(dirs, opts, args)
  local res = {}
  local errf = os.tmpname()
  local i = 1
  while i <= #args do
    local last = math.min(i + 299, #args)
    local q = {}
    for j = i, last do q[#q + 1] = shq(args[j]) end
    local cmd = string.format("snmptranslate -Pu -M %s -m ALL %s %s 2>%s", shq(dirs), opts,
                              table.concat(q, " "), errf)
    local f = assert(io.popen(cmd))
    local out = f:read("a")
    f:close()
    local n = 0
    for line in out:gmatch("([^\n]*)\n") do
      if line ~= "" then
        n = n + 1
        res[i + n - 1] = { out = line }
      end
    end
    if i + n - 1 < last then
      local lines = {}
      for l in slurp(errf):gmatch("[^\n]+") do lines[#lines + 1] = l end
      res[i + n] = { err = lines[#lines] }
      i = i + n + 1
    else
      i = last + 1
    end
  end
  os.remove(errf)
  return res
end

local function loaded(dirs)
  local m = core.mib_new()
  m:add_dirs(dirs)
  m:load("ALL")
  m:adopt()
  m:errors()
  return m
end

-- Compares two lists and reports the first differences.
local function same(label, ref, mine, args)
  local bad, shown = 0, {}
  for i = 1, #args do
    local r, g = ref[i], mine[i]
    local rs = r and (r.out or ("error: " .. tostring(r.err))) or "missing"
    local gs = g.out or ("error: " .. tostring(g.err))
    if rs ~= gs then
      bad = bad + 1
      if #shown < 5 then
        shown[#shown + 1] = string.format("%s\n   net-snmp: %s\n   moonwalk: %s", args[i], rs, gs)
      end
    end
  end
  assert(bad == 0, string.format("%s: %d of %d differ:\n%s", label, bad, #args,
                                 table.concat(shown, "\n")))
end

-- A valid instance suffix for a table column, from the types of its index
-- objects, so index decoding is exercised for every table.
local function instance_suffix(m, info)
  if not info.index then return nil end
  local arcs = {}
  for _, ix in ipairs(info.index) do
    local o = m:parse_oid(ix.name, "random")
    local it = o and m:node(o)
    if not it then return nil end
    local t = it.type
    if t == "INTEGER" or t == "Integer32" or t == "Unsigned32" or t == "Gauge32"
       or t == "UInteger32" or t == "TimeTicks" then
      local v = 7
      if it.enum_list then v = it.enum_list[1].value end
      if it.ranges then
        local lo, hi = it.ranges[1][1], it.ranges[1][2]
        if v < lo or v > hi then v = lo end
      end
      if v < 0 then v = 1 end
      arcs[#arcs + 1] = tostring(v)
    elseif t == "OCTET STRING" then
      local fixed = it.sizes and #it.sizes == 1 and it.sizes[1][1] == it.sizes[1][2] and it.sizes[1][1]
      local n = fixed or 3
      if not fixed and it.sizes and (n < it.sizes[1][1] or n > it.sizes[1][2]) then n = it.sizes[1][1] end
      if not fixed and not ix.implied then arcs[#arcs + 1] = tostring(n) end
      for k = 1, n do arcs[#arcs + 1] = tostring(96 + k) end
    elseif t == "IpAddress" then
      arcs[#arcs + 1] = "10.1.2.3"
    elseif t == "NetworkAddress" then
      arcs[#arcs + 1] = "1.10.1.2.3"
    elseif t == "OBJECT IDENTIFIER" then
      if not ix.implied then arcs[#arcs + 1] = "4" end
      arcs[#arcs + 1] = "1.3.6.1"
    else
      arcs[#arcs + 1] = "1"
    end
  end
  return table.concat(arcs, ".")
end

local sets = {
  { name = "the standard set (mibs/std)", dirs = STD },
  { name = "the standard set and net-snmp's MIBs", dirs = STD .. ":" .. NETSNMP },
  { name = "the test modules", dirs = STD .. ":" .. FIX .. ":" .. FIX .. "/sloppy" },
}

for _, set in ipairs(sets) do
  describe("MIB names against snmptranslate, " .. set.name, function()
    local m, oids, labels

    setup(function()
      m = loaded(set.dirs)
      oids, labels = m:report()
    end)

    it("builds the same tree (snmptranslate -To)", function()
      local f = assert(io.popen("snmptranslate -Pu -M " .. shq(set.dirs) .. " -m ALL -To 2>/dev/null"))
      local ref = {}
      for l in f:lines() do ref[#ref + 1] = l end
      f:close()
      assert.is_true(#ref > 200)
      assert.are.same(ref, oids)
    end)

    for _, form in ipairs { { "", "module" }, { "-Of", "full" }, { "-Os", "suffix" },
                            { "-On", "numeric" }, { "-Ou", "ucd" } } do
      it("names every OID as net-snmp does (" .. (form[1] ~= "" and form[1] or "default") .. ")", function()
        local ref = translate(set.dirs, form[1], oids)
        local mine = {}
        for i, o in ipairs(oids) do mine[i] = { out = m:format_oid(o, form[2]) } end
        same("OID -> name " .. form[2], ref, mine, oids)
      end)
    end

    it("describes every node as snmptranslate -Td does", function()
      for i = 1, #oids, 200 do
        local chunk = {}
        for j = i, math.min(i + 199, #oids) do chunk[#chunk + 1] = oids[j] end
        local f = assert(io.popen("snmptranslate -Pu -M " .. shq(set.dirs) .. " -m ALL -Td " ..
                                  table.concat(chunk, " ") .. " 2>/dev/null"))
        local ref = f:read("a")
        f:close()
        local mine = {}
        for _, o in ipairs(chunk) do
          mine[#mine + 1] = m:format_oid(o, "module") .. "\n" .. (m:describe(o) or "") .. "\n"
        end
        assert.are.equal(ref, table.concat(mine, "\n"))
      end
    end)

    it("finds the same OID for every MODULE::name", function()
      local names = {}
      for i, o in ipairs(oids) do
        names[i] = m:node(o).module .. "::" .. labels[i]
      end
      local ref = translate(set.dirs, "-On", names)
      local mine = {}
      for i, n in ipairs(names) do
        local o, e = m:parse_oid(n, "strict")
        mine[i] = o and { out = "." .. tostring(o) }
                    or { err = n .. ": Unknown Object Identifier" .. (e ~= "" and " (" .. e .. ")" or "") }
      end
      same("MODULE::name -> OID", ref, mine, names)
    end)

    it("finds the same OID for every bare name (-IR)", function()
      local ref = translate(set.dirs, "-IR -On", labels)
      local mine = {}
      for i, n in ipairs(labels) do
        local o = m:parse_oid(n, "random")
        mine[i] = o and { out = "." .. tostring(o) } or { err = "Unknown object identifier: " .. n }
      end
      same("name -> OID", ref, mine, labels)
    end)

    it("decodes table indexes as net-snmp does, and reads them back", function()
      local inst = {}
      for _, o in ipairs(oids) do
        local info = m:node(o)
        if info.access and info.access ~= "not-accessible" and info.index then
          local sfx = instance_suffix(m, info)
          if sfx then inst[#inst + 1] = o .. "." .. sfx end
        end
      end
      assert.is_true(#inst > 20)
      for _, form in ipairs { { "", "module" }, { "-Of", "full" }, { "-Os", "suffix" } } do
        local ref = translate(set.dirs, form[1], inst)
        local mine = {}
        for i, o in ipairs(inst) do mine[i] = { out = m:format_oid(o, form[2]) } end
        same("index decoding " .. form[2], ref, mine, inst)
      end
      -- our names for the instances, read back by both
      local names = {}
      for i, o in ipairs(inst) do names[i] = m:format_oid(o, "module") end
      local ref = translate(set.dirs, "-On", names)
      local mine = {}
      for i, n in ipairs(names) do
        local o, e = m:parse_oid(n, "strict")
        mine[i] = o and { out = "." .. tostring(o) }
                    or { err = n .. ": Unknown Object Identifier" .. (e ~= "" and " (" .. e .. ")" or "") }
      end
      same("index names -> OID", ref, mine, names)
    end)
  end)
end

describe("MIB names against snmptranslate, test modules", function()
  local dirs = STD .. ":" .. FIX
  local m

  setup(function()
    m = loaded(dirs)
  end)

  local cases = {
    ".1.3.6.1.4.1.99999.2.1.1.2.5.97.108.105.99.101",           -- string index
    ".1.3.6.1.4.1.99999.2.2.1.3.192.168.1.20.161",             -- IpAddress + integer
    ".1.3.6.1.4.1.99999.2.3.1.1.192.168.1.20.161",             -- AUGMENTS
    ".1.3.6.1.4.1.99999.2.4.1.3.0.26.43.60.77.94.107.101.121", -- fixed + IMPLIED
    ".1.3.6.1.4.1.99999.2.5.1.2.5.1.3.6.1.4",                  -- OID index
    ".1.3.6.1.4.1.99999.2.1.1.2.0",                            -- empty string
    ".1.3.6.1.4.1.99999.2.1.1.2.9.1.2",                        -- short index
    ".1.3.6.1.4.1.99999.1.7.0",
    ".1.3.6.1.4.1.99999.3.1",
  }
  for _, opts in ipairs { "", "-Of", "-Os", "-OS", "-Ob", "-OX", "-OE" } do
    it("prints instances as net-snmp does (" .. (opts ~= "" and opts or "default") .. ")", function()
      local ref = translate(dirs, opts, cases)
      local flags = opts:gsub("^%-O", "")
      local form = ({ f = "full", s = "suffix", S = "module" })[flags] or "module"
      local mine = {}
      for i, o in ipairs(cases) do
        mine[i] = { out = m:format_oid(o, form, flags) }
      end
      same("fixtures " .. opts, ref, mine, cases)
    end)
  end

  it("reads names with quoted, IpAddress and enum indexes", function()
    local names = {
      'MOONWALK-TEST-MIB::mwUserColour."alice"',
      "MOONWALK-TEST-MIB::mwPeerState.192.168.1.20.161",
      "MOONWALK-TEST-MIB::mwKeyOid.'abcdef'.\"key\"",
      "MOONWALK-TEST-MIB::mwMapValue.1.3.6.1",
      "MOONWALK-TEST-MIB::mwUserColour.\"way-too-long-name-for-the-size-limit-of-32\"",
      "MOONWALK-TEST-MIB::mwPeerState.192.168.1.300.1",
      "MOONWALK-TEST-MIB::nothingHere",
      "iso.org.dod.internet.private.enterprises.99999.1.7.0",
    }
    local ref = translate(dirs, "-On", names)
    local mine = {}
    for i, n in ipairs(names) do
      local o, e = m:parse_oid(n, "strict")
      mine[i] = o and { out = "." .. tostring(o) }
                  or { err = n .. ": Unknown Object Identifier" .. (e ~= "" and " (" .. e .. ")" or "") }
    end
    same("fixture names", ref, mine, names)
  end)
end)

describe("moonwalk translate", function()
  local bin = os.getenv("MOONWALK_BIN") or "build/moonwalk"

  local function run(cmd)
    local errf = os.tmpname()
    local f = assert(io.popen(cmd .. " 2>" .. errf .. "; echo \"rc=$?\""))
    local out = f:read("a")
    f:close()
    local err = slurp(errf)
    os.remove(errf)
    return out, err
  end

  for _, args in ipairs {
    "-m ALL -On IF-MIB::ifDescr.3",
    "-m ALL .1.3.6.1.2.1.2.2.1.2.3",
    "-m ALL -Of IF-MIB::ifOperStatus.2 SNMPv2-MIB::sysUpTime.0",
    "-m ALL -Td IF-MIB::ifOperStatus",
    "-m ALL -Td SNMP-VIEW-BASED-ACM-MIB::vacmAccessEntry",
    "-m ALL -Td MOONWALK-TEST-MIB::mwColour",
    "-m ALL -Td MOONWALK-TEST-MIB::mwPeerStatsEntry",
    "-m ALL -IR -On sysDescr.0 ifDescr.3",
    "-m ALL sysUpTime.0",
    "-m ALL -On IF-MIB::ifDescr.3 NOPE::x ifDescr",
    "-m ALL -IR nothingHere",
    "-m MOONWALK-TEST-MIB .1.3.6.1.4.1.99999.2.2.1.3.10.0.0.1.22",
    "-m NO-SUCH-MIB .1.3.6.1",
    -- the reports of -T: tree, ASCII dump, the OID reports, regex search
    "-m ALL -Tp",
    "-m ALL -Tp IF-MIB::ifTable",
    "-m ALL -Tp -w 40 IF-MIB::ifEntry",
    "-m ALL -Tp -w 60 MOONWALK-TEST-MIB::mwPeerStatsEntry",
    "-m ALL -Tp .1.3.6.1.2.1.2.2.1.8",
    "-m ALL -Tp NOPE::x",
    "-m ALL -Ta",
    "-m ALL -Tl",
    "-m ALL -To",
    "-m ALL -Ts",
    "-m ALL -Tz",
    "-m ALL -Tt",
    "-m ALL -Tlost",
    "-m ALL -Tl sysDescr.0",
    "-m ALL -TB ifIn",
    "-m ALL -TBd sysUp",
    "-m ALL -TB -On .*Status ifDescr",
    "-m ALL -TB nothingMatchesThis",
  } do
    it("prints what snmptranslate prints: " .. args, function()
      local dirs = shq(STD .. ":" .. FIX)
      local out, err = run(bin .. " translate -M " .. dirs .. " " .. args)
      local rout, rerr = run("snmptranslate -Pu -M " .. dirs .. " " .. args)
      assert.are.equal(rout, out)
      assert.are.equal(rerr, err)
    end)
  end
end)
