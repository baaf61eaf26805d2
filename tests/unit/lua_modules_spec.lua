-- The Lua modules load without circles: the manager's session
-- (moonwalk.session) and its SNMPv3 security (moonwalk.v3) each load alone,
-- in a fresh Lua state, without loading the other; v3 reaches the session
-- only through the security object it returns.
local function loaded_after(mod)
  -- a fresh lua5.4 with the same paths as this run
  -- the C module is stood in for: only the Lua requires are looked at, and
  -- a fresh lua5.4 may not load a sanitizer build of it
  local code = ([[
    package.preload["moonwalk.core"] = function() return {} end
    local before = {}
    for k in pairs(package.loaded) do before[k] = true end
    require %q
    local out = {}
    for k in pairs(package.loaded) do
      if not before[k] and k:match("^moonwalk") then out[#out + 1] = k end
    end
    table.sort(out)
    io.write(table.concat(out, " "))
  ]]):format(mod)
  local p = assert(io.popen("lua5.4 -e '" .. code:gsub("'", "'\\''") .. "' 2>&1"))
  local out = p:read("a")
  local ok = p:close()
  assert(ok, out)
  local set = {}
  for name in out:gmatch("%S+") do set[name] = true end
  return set, out
end

describe("Lua module loading", function()
  it("moonwalk.session loads without moonwalk.v3", function()
    local set, out = loaded_after("moonwalk.session")
    assert.is_true(set["moonwalk.session"], out)
    assert.is_nil(set["moonwalk.v3"], out)
  end)

  it("moonwalk.v3 loads without moonwalk.session", function()
    local set, out = loaded_after("moonwalk.v3")
    assert.is_true(set["moonwalk.v3"], out)
    assert.is_nil(set["moonwalk.session"], out)
  end)

  it("a v3 session keeps its own C object: no stand-in, whether or not it has a user", function()
    local mw = require "moonwalk"
    local core = mw.core
    core.engine_init()
    local with = mw.session { peer = "127.0.0.1:1", version = "3", user = "ops" }
    local without = mw.session { peer = "127.0.0.1:1", version = "3" }
    local plain = mw.session { peer = "127.0.0.1:1", version = "2c" }
    local mt = getmetatable(plain._c)
    assert.equal(mt, getmetatable(with._c))
    assert.equal(mt, getmetatable(without._c))
    -- the user-less session refuses what would go out, as snmpget does
    mw.run(function()
      local vbs, err = without:get "1.3.6.1.2.1.1.5.0"
      assert.is_nil(vbs)
      assert.equal("usm", err.kind)
      assert.equal("No securityName specified", err.message)
      local v, werr = without:walk("1.3.6.1.2.1.1")()
      assert.is_nil(v)
      assert.equal("No securityName specified", werr.message)
      local ok, terr = without:trap { { "1.3.6.1.2.1.1.3.0", "t", 0 } }
      assert.is_nil(ok)
      assert.equal("No securityName specified", terr.message)
    end)
    with:close() without:close() plain:close()
  end)
end)
