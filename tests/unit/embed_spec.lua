-- The Lua modules built into the binary (src/embed.c, scripts/embed-lua.lua):
-- a one-shot command loads them from memory, with no Lua tree on disk, and
-- MOONWALK_LUADIR still points the binary at other sources.
local R = require "run"
local bin = os.getenv("MOONWALK_BIN")

local tmpdir = R.tmpdir

describe("modules built into the binary", function()
  it("a copy of the binary with no Lua tree anywhere near it runs the CLI and scripts", function()
    local d = tmpdir()
    assert(os.execute(string.format("cp %s %s/moonwalk", bin, d)))
    R.write(d .. "/s.lua", [[
      local mw = require "moonwalk"
      local s = mw.session{ peer = "udp:127.0.0.1:9", version = "2c", community = "x" }
      print(type(s.get), mw.core ~= nil, require("moonwalk.cli") ~= nil)
    ]])
    -- LUA_PATH is cleared so the sources of this tree cannot be found
    local out, err, code = R.run(string.format("cd %s && env -u LUA_PATH ./moonwalk run s.lua", d))
    assert.equal("", err)
    assert.equal(0, code)
    assert.equal("function\ttrue\ttrue\n", out)
    out, err, code = R.run(string.format("cd %s && env -u LUA_PATH ./moonwalk translate -m '' -On .1.3.6.1.2.1.1", d))
    assert.equal(".1.3.6.1.2.1.1\n", out)
    assert.equal(0, code)
    os.execute("rm -rf " .. d)
  end)

  it("functions of a built-in module keep their file and line for tracebacks", function()
    local d = tmpdir()
    R.write(d .. "/s.lua", [[
      local mw = require "moonwalk"
      local i = debug.getinfo(mw.every, "S")
      print(i.short_src, i.linedefined > 0)
    ]])
    local out, err, code = R.run(string.format("%s run %s/s.lua", bin, d))
    assert.equal(0, code, err)
    assert.equal("moonwalk/runtime.lua\ttrue\n", out)
    os.execute("rm -rf " .. d)
  end)

  it("MOONWALK_LUADIR makes the binary load that tree instead of the built-in modules", function()
    local d = tmpdir()
    assert(os.execute(string.format("cp -R lua %s/lua", d)))
    local text = R.slurp(d .. "/lua/moonwalk/cli.lua")
    R.write(d .. "/lua/moonwalk/cli.lua", 'io.stdout:write("tree at MOONWALK_LUADIR\\n")\n' .. text)
    -- a copy of the binary with no Lua tree beside it: MOONWALK_LUADIR is
    -- where it looks (after the tree beside it and the installed one)
    assert(os.execute(string.format("mkdir -p %s/bin && cp %s %s/bin/moonwalk", d, bin, d)))
    local out = R.sh(string.format("env -u LUA_PATH MOONWALK_LUADIR=%s/lua %s/bin/moonwalk -V", d, d))
    assert.matches("tree at MOONWALK_LUADIR", out)
    out = R.sh(string.format("env -u LUA_PATH %s/bin/moonwalk -V", d))
    assert.is_nil(out:find("tree at MOONWALK_LUADIR", 1, true))
    os.execute("rm -rf " .. d)
  end)
end)
