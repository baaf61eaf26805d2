-- The compiled MIB cache (src/mib/mibcache.c): a set restored from the
-- cache answers as the parsed one did, a stale or damaged cache is never
-- used, MOONWALK_MIB_CACHE=off writes nothing.
local core = require "moonwalk.core"
local R = require "run"

local root = R.sh("pwd"):gsub("\n$", "")
local STD = root .. "/mibs/std"
local NETSNMP = "/usr/share/snmp/mibs"
local FIX = root .. "/tests/fixtures/mibs"
local BIN = os.getenv("MOONWALK_BIN") or (root .. "/build/moonwalk")

local function shq(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local tmpdir = R.tmpdir

local function parsed(dirs, names)
  local m = core.mib_new()
  m:add_dirs(dirs)
  for _, n in ipairs(names) do m:load(n) end
  m:adopt()
  return m
end

local function files(dir)
  local t = {}
  local p = io.popen("ls -A " .. shq(dir) .. " 2>/dev/null")
  for l in p:lines() do t[#t + 1] = l end
  p:close()
  return t
end

-- Everything a set can say: each node's OID, name, -Td text and parse
-- back from MODULE::name, the reports, the module list.
local function everything(m)
  local oids, labels = m:report()
  local t = { #oids }
  for i, o in ipairs(oids) do
    local oid = core.oid(o)
    t[#t + 1] = o .. " " .. labels[i] .. " " .. m:format_oid(oid)
    t[#t + 1] = m:format_oid(oid, "full") .. " " .. m:format_oid(oid, "suffix")
    t[#t + 1] = m:describe(oid) or "-"
    local back = m:parse_oid(m:format_oid(oid))
    t[#t + 1] = back and tostring(back) or "?"
  end
  t[#t + 1] = m:tree() or ""
  t[#t + 1] = m:ascii_dump()
  t[#t + 1] = m:oid_report("l") .. m:oid_report("o") .. m:oid_report("s") .. m:oid_report("t")
  for _, mod in ipairs(m:modules()) do
    t[#t + 1] = mod.name .. " " .. mod.file .. " " .. tostring(mod.loaded)
  end
  for _, name in ipairs { "ifDescr", "IF-MIB::ifTable", "sysUpTime.0", "ifEntry.ifIndex.3",
                          "nothingLikeThis", "SNMPv2-MIB::snmp.99", "MOONWALK-TEST-MIB::mwPeerState.192.168.1.20.161" } do
    local o, detail = m:parse_oid(name)
    t[#t + 1] = name .. " -> " .. (o and m:format_oid(o) or ("nil " .. tostring(detail)))
  end
  return table.concat(t, "\n")
end

describe("MIB compiled cache", function()
  local sets = {
    { name = "mibs/std", dirs = STD, names = { "ALL" } },
    { name = "mibs/std and net-snmp's MIBs", dirs = STD .. ":" .. NETSNMP, names = { "ALL" } },
    { name = "the test modules (with errors)", dirs = STD .. ":" .. FIX .. ":" .. FIX .. "/sloppy",
      names = { "ALL" } },
    { name = "a few modules by name", dirs = STD, names = { "IF-MIB", "SNMPv2-MIB", "NO-SUCH-MIB" } },
  }
  for _, set in ipairs(sets) do
    it("a restored set answers as the parsed one, " .. set.name, function()
      local d = tmpdir()
      local file, key = d .. "/c.mibc", "k " .. set.dirs
      local cold = parsed(set.dirs, set.names)
      assert.is_true(cold:cache_save(file, key))
      local warm, why = core.mib_cache_load(file, key)
      assert.is_truthy(warm, why)
      assert.are.equal(cold:errors(), warm:errors())
      assert.are.equal(cold:error_count(), warm:error_count())
      assert.are.equal(everything(cold), everything(warm))
      os.execute("rm -rf " .. shq(d))
    end)
  end

  it("is used in place, and moved when its address is taken (the same file twice)", function()
    local d = tmpdir()
    local dirs = STD .. ":" .. FIX
    local cold = parsed(dirs, { "ALL" })
    assert.is_true(cold:cache_save(d .. "/c.mibc", "k"))
    local first, why1 = core.mib_cache_load(d .. "/c.mibc", "k")
    local second, why2 = core.mib_cache_load(d .. "/c.mibc", "k")
    assert.are.equal("ok", why1)
    assert.are.equal("ok: relocated", why2)
    local want = everything(cold)
    assert.are.equal(want, everything(first))
    assert.are.equal(want, everything(second))
    -- what one changes (descriptions read, search marks) the other does not see
    first:close()
    assert.are.equal(want, everything(second))
    os.execute("rm -rf " .. shq(d))
  end)

  it("a restored set that loads more modules parses again and ends as a parsed one", function()
    local d = tmpdir()
    local dirs = STD .. ":" .. FIX
    local cold = parsed(dirs, { "IF-MIB" })
    assert.is_true(cold:cache_save(d .. "/c.mibc", "k"))
    local warm = assert(core.mib_cache_load(d .. "/c.mibc", "k"))
    warm:errors()
    cold:errors()
    assert.is_true(cold:load("MOONWALK-TEST-MIB"))
    assert.is_true(warm:load("MOONWALK-TEST-MIB"))
    cold:adopt()
    warm:adopt()
    assert.are.equal(cold:errors(), warm:errors())
    assert.are.equal(everything(cold), everything(warm))
    os.execute("rm -rf " .. shq(d))
  end)

  describe("is stale", function()
    local d, mibs, file
    before_each(function()
      d = tmpdir()
      mibs = d .. "/mibs"
      file = d .. "/cache/c.mibc"
      assert(os.execute("mkdir -p " .. shq(mibs) .. " && cp " .. shq(STD) .. "/*.mib " ..
                        shq(FIX) .. "/MOONWALK-TEST-MIB.txt " .. shq(mibs)))
      local m = parsed(mibs, { "ALL" })
      assert.is_true(m:cache_save(file, "k"))
      assert.is_truthy(core.mib_cache_load(file, "k"))
    end)
    after_each(function() os.execute("rm -rf " .. shq(d)) end)

    local function stale()
      local m, why = core.mib_cache_load(file, "k")
      assert.is_nil(m)
      assert.matches("^stale", why)
    end

    it("when a file changed (same size, new mtime)", function()
      assert(os.execute("touch -d '2001-01-01 00:00:00' " .. shq(mibs .. "/IF-MIB.mib")))
      stale()
    end)
    it("when a file changed (new size)", function()
      local f = assert(io.open(mibs .. "/MOONWALK-TEST-MIB.txt", "a"))
      f:write("\n-- more\n")
      f:close()
      stale()
    end)
    it("when a file was removed", function()
      os.remove(mibs .. "/MOONWALK-TEST-MIB.txt")
      stale()
    end)
    it("when a file was added to a directory of the path", function()
      R.write(mibs .. "/NEW-MIB.txt", "NEW-MIB DEFINITIONS ::= BEGIN\nEND\n")
      stale()
    end)
    it("when the path (or the modules asked for) changed: another key", function()
      local m, why = core.mib_cache_load(file, "k2")
      assert.is_nil(m)
      assert.matches("^stale", why)
    end)
  end)

  describe("is ignored when damaged", function()
    local d, file, good
    before_each(function()
      d = tmpdir()
      file = d .. "/c.mibc"
      assert.is_true(parsed(STD, { "IF-MIB" }):cache_save(file, "k"))
      good = R.slurp(file)
    end)
    after_each(function() os.execute("rm -rf " .. shq(d)) end)

    local function corrupt(text)
      R.write(file, text)
      local m, why = core.mib_cache_load(file, "k")
      assert.is_nil(m)
      assert.matches("^corrupt", why)
    end

    it("truncated", function() corrupt(good:sub(1, #good // 2)) end)
    it("truncated inside the header", function() corrupt(good:sub(1, 20)) end)
    it("empty", function() corrupt("") end)
    it("with a wrong magic", function() corrupt("X" .. good:sub(2)) end)
    it("with a damaged header", function()
      corrupt(good:sub(1, 40) .. string.char((good:byte(41) + 1) % 256) .. good:sub(42))
    end)
    it("with garbage in place of the file", function() corrupt(string.rep("\0\1garbage", 5000)) end)
  end)

  describe("through moonwalk translate", function()
    local names = { "ifDescr", "IF-MIB::ifTable", "sysUpTime.0", ".1.3.6.1.2.1.2.2.1.2.7",
                    "SNMPv2-MIB::sysORDescr", "ipForwarding", "tcpConnState", "snmpInPkts",
                    "ifXTable", "hrStorageDescr" }
    -- MIBS unset (the test runner sets it empty): the default module list,
    -- as a user without MIBS gets it, is what gets cached; an empty list
    -- reads neither the path nor the cache
    local function translate(env, args)
      local out, err, code = R.run("env -u MIBS " .. env .. " " .. shq(BIN) .. " translate " .. args)
      return out .. "\n" .. err .. "\n" .. code
    end
    local function all(env)
      local t = {}
      for _, n in ipairs(names) do
        t[#t + 1] = translate(env, "-m ALL " .. shq(n))
        t[#t + 1] = translate(env, "-m ALL -On " .. shq(n))
        t[#t + 1] = translate(env, "-m ALL -Td " .. shq(n))
        t[#t + 1] = translate(env, "-Td " .. shq(n))
      end
      t[#t + 1] = translate(env, "-m ALL -Tp")
      t[#t + 1] = translate(env, "-M " .. shq(STD .. ":" .. FIX .. "/sloppy") .. " -m ALL -Tl")
      return table.concat(t, "\n")
    end

    it("a warm start prints what a cold one prints; off writes nothing", function()
      local d = tmpdir()
      -- (HOME is part of the default path: it stays as it is)
      local cold = all("MOONWALK_MIB_CACHE=off XDG_CACHE_HOME=" .. shq(d .. "/x"))
      assert.are.same({}, files(d))
      local env = "MOONWALK_MIB_CACHE=" .. shq(d .. "/c")
      local first = all(env)
      local written = files(d .. "/c")
      assert.is_true(#written >= 3)
      local warm = all(env)
      assert.are.same(written, files(d .. "/c"))
      assert.are.equal(cold, first)
      assert.are.equal(cold, warm)
      os.execute("rm -rf " .. shq(d))
    end)

    it("writes under XDG_CACHE_HOME/moonwalk, else ~/.cache/moonwalk", function()
      local d = tmpdir()
      translate("MOONWALK_MIB_CACHE= HOME=" .. shq(d .. "/h") .. " XDG_CACHE_HOME=" .. shq(d .. "/x"), "ifDescr")
      assert.is_true(#files(d .. "/x/moonwalk") == 1)
      translate("MOONWALK_MIB_CACHE= HOME=" .. shq(d .. "/h") .. " XDG_CACHE_HOME=", "ifDescr")
      assert.is_true(#files(d .. "/h/.cache/moonwalk") == 1)
      os.execute("rm -rf " .. shq(d))
    end)

    it("a damaged cache file is replaced by a good one", function()
      local d = tmpdir()
      local env = "MOONWALK_MIB_CACHE=" .. shq(d)
      local cold = translate("MOONWALK_MIB_CACHE=off", "-m ALL -Td ifDescr")
      assert.are.equal(cold, translate(env, "-m ALL -Td ifDescr"))
      local f = files(d)
      assert.are.equal(1, #f)
      R.write(d .. "/" .. f[1], "garbage")
      assert.are.equal(cold, translate(env, "-m ALL -Td ifDescr"))
      assert.is_true(#R.slurp(d .. "/" .. f[1]) > 1000)
      assert.is_truthy(core.mib_cache_load(d .. "/" .. f[1], "x") == nil)
      os.execute("rm -rf " .. shq(d))
    end)
  end)
end)
