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

  it("varbinds give vb.name, vb:text() and tostring(vb) as the CLI prints them", function()
    local port = require("moonwalk.core").free_udp_port()
    local d = os.tmpname()
    os.remove(d)
    os.execute("mkdir -p " .. d)
    os.execute(string.format("%s agent --listen udp:127.0.0.1:%d -c public --sys-name vb-test >%s/log 2>&1 & echo $! >%s/pid",
      BIN, port, d, d))
    for _ = 1, 100 do
      if R.slurp(d .. "/log"):find("listening", 1, true) then break end
      os.execute("sleep 0.05")
    end
    local objects = "sysName.0 snmpEnableAuthenTraps.0 1.3.6.1.2.1.1.2.0"
    local out, err, code = run(([[
      local mw = require "moonwalk"
      mw.run(function()
        local s = mw.session{ peer = "127.0.0.1:PORT", community = "public", timeout = 1, retries = 1 }
        local vbs = assert(s:get{ "sysName.0", "snmpEnableAuthenTraps.0", "1.3.6.1.2.1.1.2.0" })
        for _, vb in ipairs(vbs) do
          print(vb.name, vb:text(), vb:text("e"), tostring(vb))
        end
        -- the plain fields are unchanged
        print(vbs[1].oid, vbs[1].type, vbs[1].value, rawget(vbs[1], "name"))
      end)
    ]]):gsub("PORT", tostring(port)))
    local cli = R.run(string.format("env -u MIBS %s get -v2c -c public 127.0.0.1:%d %s", BIN, port, objects))
    os.execute("kill $(cat " .. d .. "/pid); rm -rf " .. d)
    assert.equal(0, code, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal("SNMPv2-MIB::sysName.0\tSTRING: vb-test\tSTRING: vb-test\tSNMPv2-MIB::sysName.0 = STRING: vb-test", lines[1])
    assert.equal("SNMPv2-MIB::snmpEnableAuthenTraps.0\tINTEGER: disabled(2)\tINTEGER: 2\t"
      .. "SNMPv2-MIB::snmpEnableAuthenTraps.0 = INTEGER: disabled(2)", lines[2])
    assert.equal("1.3.6.1.2.1.1.5.0\tSTRING\tvb-test\tnil", lines[4])
    -- tostring(vb) is the CLI's line, for each of the three
    local mine = {}
    for i = 1, 3 do mine[i] = lines[i]:match("\t([^\t]*)$") end
    assert.equal(cli, table.concat(mine, "\n") .. "\n")
  end)

  it("s:table rows keep column numbers as keys after a MIB load, and answer to column names", function()
    local out, err, code = run [[
      local mw = require "moonwalk"
      local core = require "moonwalk.core"
      local port = core.free_udp_port()
      local a = mw.agent{ listen = "udp:127.0.0.1:" .. port, communities = { public = "ro" } }
      a:table{ oid = "1.3.6.1.2.1.2.2.1", index = "integer", columns = { [1] = "INTEGER", [2] = "STRING" },
        rows = { [1] = { [1] = 1, [2] = "lo" }, [2] = { [1] = 2, [2] = "eth0" } } }
      local function keys(row)
        local t = {}
        for k in pairs(row) do t[#t + 1] = tostring(k) end
        table.sort(t)
        return table.concat(t, ",")
      end
      mw.run(function()
        local s = mw.session{ peer = "127.0.0.1:" .. port, community = "public", timeout = 1, retries = 1 }
        local rows, order = assert(s:table("1.3.6.1.2.1.2.2"))
        print(table.concat(order, ","), keys(rows["2"]), rows["2"][2], rows["2"].ifDescr, rows["2"].sysName)
        mw.mib.load("IF-MIB")
        rows = assert(s:table("ifTable"))
        print(keys(rows["2"]), rows["2"][2], rows["2"]["IF-MIB::ifDescr"])
        rows = assert(s:table({ "ifDescr" }))
        print(keys(rows["1"]), rows["1"].ifDescr)
        mw.stop()
      end)
    ]]
    assert.equal(0, code, err)
    assert.equal("1,2\t1,2\teth0\teth0\tnil\n1,2\teth0\teth0\n2\tlo\n", out:gsub("[^\n]* info [^\n]*\n", ""))
  end)

  it("an unknown name is an error that names it", function()
    local out, err = run [[
      local mw = require "moonwalk"
      print(pcall(mw.oid, "noSuchThing.0"))
    ]]
    assert.matches("false\t.*noSuchThing%.0: Unknown Object Identifier", out .. err)
  end)
end)
