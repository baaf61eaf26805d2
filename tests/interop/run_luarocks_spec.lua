-- `luarocks make` builds and installs the module from the rockspec into a
-- private tree; plain lua5.4 then requires it, and the installed command
-- runs a script. The build runs in a copy of the source tree, so nothing is
-- left in build/ (a later `luarocks make` there builds for its own prefix).
local ROOT = os.getenv("PWD")

local function sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

local function rockspec()
  local p = io.popen("ls " .. ROOT .. "/moonwalk-*.rockspec")
  local name = p:read("l")
  p:close()
  return name
end

describe("the rockspec", function()
  local tree
  setup(function() tree = (sh("mktemp -d /tmp/moonwalk-rock.XXXXXX")):gsub("%s+$", "") end)
  teardown(function() if tree then os.execute("rm -rf " .. tree) end end)

  it("lists every Lua module of the source tree", function()
    local spec = assert(io.open(rockspec())):read("a")
    local files = sh("cd " .. ROOT .. " && git ls-files 'lua/*.lua'")
    for f in files:gmatch("[^\n]+") do
      assert.truthy(spec:find('"' .. f .. '"', 1, true), f .. " is missing from " .. rockspec())
    end
  end)

  it("luarocks make installs a module that plain Lua 5.4 can use", function()
    -- a plain build, as a user's: not the sanitizer build a `make test
    -- SANITIZE=1` around this run would pass down through MAKEFLAGS (plain
    -- lua5.4 cannot load an ASan module)
    local had_build = os.execute("test -e " .. ROOT .. "/build/luarocks")
    local src = tree .. "/src"
    local _, cp = sh(string.format("mkdir -p %s && cd %s && git ls-files -z | xargs -0 cp --parents -t %s "
      .. "&& if [ -d mibs ]; then cp -a mibs %s/; fi", src, ROOT, src, src))
    assert.equal(0, cp)
    local out, code = sh(string.format("cd %s && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SANITIZE "
      .. "luarocks --lua-version 5.4 make --tree %s %s", src, tree, rockspec():match("[^/]+$")))
    assert.equal(0, code, out)
    assert.matches("is now installed", out)
    os.execute("rm -rf " .. src)
    if not had_build then
      assert.is_not_true(os.execute("test -e " .. ROOT .. "/build/luarocks"), "the rock build wrote into build/")
    end
    local env = string.format('eval "$(luarocks --lua-version 5.4 path --tree %s)" && cd /tmp && ', tree)
    local got, c2 = sh(env .. [[lua5.4 -e '
      local mw = require "moonwalk"
      assert(package.searchpath("moonwalk.runtime", package.path):find("]] .. tree .. [[", 1, true))
      assert(package.searchpath("moonwalk.core", package.cpath):find("]] .. tree .. [[", 1, true))
      print(mw.version, mw.oid("1.3.6.1.2.1.1.3.0"), mw.run(function() mw.sleep(0.01) return "tasks" end))']])
    assert.equal(0, c2, got)
    assert.matches("^0%.%d+%.%d+\t1%.3%.6%.1%.2%.1%.1%.3%.0\ttasks\n$", got)
    local f = assert(io.open(tree .. "/hello.lua", "w"))
    f:write('local mw = require "moonwalk"\nmw.after(0.05, function() print("hello from " .. arg[1]) end)\n')
    f:close()
    local ran, c3 = sh(env .. tree .. "/bin/moonwalk run " .. tree .. "/hello.lua -- rock")
    assert.equal(0, c3, ran)
    assert.equal("hello from rock\n", ran)
  end)

  it("installs a moonwalk command that needs no environment, and the MIB modules", function()
    -- the tree of the test before: no `luarocks path`, no MOONWALK_* variables
    local plain = "cd / && env -u LUA_PATH -u LUA_PATH_5_4 -u LUA_CPATH -u LUA_CPATH_5_4 -u MOONWALK_LUADIR "
      .. "-u MOONWALK_MIBDIR -u MIBS -u MIBDIRS "
    local got, c = sh(plain .. tree .. "/bin/moonwalk translate -On IF-MIB::ifDescr")
    assert.equal(0, c, got)
    assert.equal(".1.3.6.1.2.1.2.2.1.2\n", got)
    -- plain lua5.4 loads IF-MIB from the rock's own MIBs, quietly
    local env = string.format('eval "$(luarocks --lua-version 5.4 path --tree %s)" && ', tree)
    local out, c2 = sh(plain .. "sh -c '" .. env .. [=[lua5.4 -e "
      local mw = require [[moonwalk]]
      print(mw.mib.load([[IF-MIB]]), mw.mib.name([[1.3.6.1.2.1.2.2.1.2.1]]))"']=])
    assert.equal(0, c2, out)
    assert.equal("true\tIF-MIB::ifDescr.1\n", out)
  end)
end)
