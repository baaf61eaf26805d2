-- `make install PREFIX=...` into any prefix after any earlier build: the
-- binary finds its Lua files and MIBs next to itself, the compiled-in PREFIX
-- follows PREFIX, and plain lua5.4 finds the installed module.
local support = require "run"
local sh, write = support.sh, support.write

local ROOT = os.getenv("PWD")

local function run(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

describe("make install", function()
  local tmp
  setup(function() tmp = sh("mktemp -d /tmp/moonwalk-inst.XXXXXX"):gsub("%s+$", "") end)
  teardown(function() if tmp then os.execute("rm -rf " .. tmp) end end)

  -- a plain build of our own (not the sanitizer one a `make test SANITIZE=1`
  -- would pass down), started from the objects of build/ when there are some
  local function install(prefix)
    return run(string.format("cd %s && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE "
      .. "make -s -j2 NODEPS=1 B=%s/b PREFIX=%s install", ROOT, tmp, prefix))
  end

  it("into a second PREFIX after a first installs a binary built for the second", function()
    os.execute(string.format("mkdir -p %s/b && [ -d %s/build/obj ] && cp -a %s/build/obj %s/b/ 2>/dev/null", tmp, ROOT, ROOT, tmp))
    local out, code = install(tmp .. "/p1")
    assert.equal(0, code, out)
    out, code = install(tmp .. "/p2")
    assert.equal(0, code, out)
    write(tmp .. "/where.lua", [[
      local core = require "moonwalk.core"
      print(core.prefix, core.mibdir, package.searchpath("moonwalk.cli", package.path))
    ]])
    local got, c = run(string.format("cd /tmp && env -u MOONWALK_LUADIR -u MOONWALK_MIBDIR %s/p2/bin/moonwalk run %s/where.lua", tmp, tmp))
    assert.equal(0, c, got)
    assert.equal(string.format("%s/p2\t%s/p2/share/moonwalk/mibs\t%s/p2/bin/../share/lua/5.4/moonwalk/cli.lua\n", tmp, tmp, tmp), got)
  end)

  it("gives a binary that finds its Lua files and MIBs next to itself, even moved", function()
    local out, code = install(tmp .. "/p4")
    assert.equal(0, code, out)
    os.execute(string.format("rm -rf %s/p1 %s/p2 && mv %s/p4 %s/moved", tmp, tmp, tmp, tmp))
    local got, c = run(string.format("cd / && env -u MOONWALK_LUADIR -u MOONWALK_MIBDIR -u MIBS -u MIBDIRS "
      .. "%s/moved/bin/moonwalk translate -On IF-MIB::ifDescr", tmp))
    assert.equal(0, c, got)
    assert.equal(".1.3.6.1.2.1.2.2.1.2\n", got)
  end)

  it("puts the module where plain lua5.4 finds it (LUA_PATH and LUA_CPATH as the README says)", function()
    local p = tmp .. "/moved"
    local got, c = run(string.format([[cd / && env -u MIBS -u MIBDIRS -u MOONWALK_MIBDIR LUA_PATH='%s/share/lua/5.4/?.lua;%s/share/lua/5.4/?/init.lua;;' ]]
      .. [[LUA_CPATH='%s/lib/lua/5.4/?.so;;' lua5.4 -e '
        local mw = require "moonwalk"
        assert(mw.mib.load("IF-MIB"))
        print(mw.mib.oid("IF-MIB::ifDescr"), package.searchpath("moonwalk", package.path))']], p, p, p))
    assert.equal(0, c, got)
    assert.equal(string.format("1.3.6.1.2.1.2.2.1.2\t%s/share/lua/5.4/moonwalk/init.lua\n", p), got)
  end)
end)
