-- Names without ceremony: a script uses MIB names wherever an OID goes,
-- with no mw.mib.load first (lua/moonwalk/init.lua loads the MIB layer on
-- the first name, with the default modules, as the CLI does).
local R = require "run"
local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"

local function run(script)
  local f = os.tmpname()
  R.write(f, script)
  -- a fresh process, MIBS unset: the default modules
  local out, err, code = R.run("env -u MIBS " .. BIN .. " run " .. f)
  os.remove(f)
  return out, err, code
end

describe("names without mw.mib.load", function()
  it("mw.oid, session gets and walks take MIB names in a fresh process", function()
    local out, err, code = run [[
      local mw = require "moonwalk"
      local core = require "moonwalk.core"
      print(package.loaded["moonwalk.mib"] == nil)         -- not loaded yet
      print(tostring(mw.oid("IF-MIB::ifDescr.1")), tostring(mw.oid("sysName.0")))
      local port = core.free_udp_port()
      mw.agent{ listen = "udp:127.0.0.1:" .. port, communities = { public = "ro" },
                system = { name = "by-name" } }
      mw.run(function()
        local s = mw.session{ peer = "127.0.0.1:" .. port, community = "public", timeout = 1, retries = 1 }
        local vbs = assert(s:get "sysName.0")
        print(vbs[1].oid, vbs[1].value)
        local n = 0
        for vb in s:walk("system") do n = n + 1 end
        print(n > 3)
        mw.stop()
      end)
    ]]
    assert.equal(0, code, err)
    assert.equal("true\n1.3.6.1.2.1.2.2.1.2.1\t1.3.6.1.2.1.1.5.0\n1.3.6.1.2.1.1.5.0\tby-name\ntrue\n", out)
  end)

  it("an unknown name is an error that names it", function()
    local out, err = run [[
      local mw = require "moonwalk"
      print(pcall(mw.oid, "noSuchThing.0"))
    ]]
    assert.matches("false\t.*noSuchThing%.0: Unknown Object Identifier", out .. err)
  end)
end)
