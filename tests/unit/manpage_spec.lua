-- doc/moonwalk.1 against the program: every long option that the trapd,
-- agent and run commands list in their help is documented, and the exit
-- statuses the page gives are the ones the commands return.
local R = require "run"
local ROOT = os.getenv("MOONWALK_ROOT") or "."
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")

local function page()
  local f = assert(io.open(ROOT .. "/doc/moonwalk.1"))
  local s = f:read("a")
  f:close()
  -- roff escapes the dashes: "\-\-listen" is "--listen"
  return (s:gsub("\\%-", "-"))
end

local function section(text, name)
  return text:match("\n%.SH " .. name .. "\n(.-)\n%.SH ") or ""
end

describe("moonwalk(1)", function()
  local man = page()

  for _, c in ipairs {
    { "trapd", "trapd -h", "TRAPD OPTIONS" },
    { "agent", "agent --help", "AGENT OPTIONS" },
    { "run", "run --help", "RUN OPTIONS" },
  } do
    it("documents every option of " .. c[1] .. " in its section", function()
      local out, err, code = R.run(BIN .. " " .. c[2])
      assert.equal(0, code)
      local help = out .. err
      local sec = section(man, c[3])
      assert.is_true(#sec > 0, c[3] .. " section")
      local n = 0
      for opt in help:gmatch("%f[%-%w]%-%-[%a][%w-]*") do
        if opt ~= "--help" then
          n = n + 1
          -- "--max-memory" in the section itself, or as shared with run
          local found = sec:find(opt, 1, true) or (sec:find("As for", 1, true) and section(man, "RUN OPTIONS"):find(opt, 1, true))
          assert.is_truthy(found, c[1] .. ": " .. opt .. " is not documented")
        end
      end
      assert.is_true(n > 3)
    end)
  end

  it("gives the exit statuses the commands return", function()
    local exit = section(man, "EXIT STATUS")
    assert.matches("2 when the\nagent answered with an error status", exit)
    assert.matches("translate\n0 on success, 2 when a name is not found", exit:gsub("%.B ", ""))
    -- usage error, unknown name (translate), unknown command
    local _, _, c1 = R.run("env -u MIBS " .. BIN .. " get -v2c -c public -t x 127.0.0.1:9 sysName.0")
    assert.equal(1, c1)
    local _, _, c2 = R.run("env -u MIBS " .. BIN .. " translate -IR noSuchNameAnywhere")
    assert.equal(2, c2)
    local _, _, c3 = R.run(BIN .. " nosuchcommand")
    assert.equal(1, c3)
    local _, _, c4 = R.run("env -u MIBS " .. BIN .. " get -H")
    assert.equal(0, c4)
    -- -h and --help: the usage text, exit 1 (as net-snmp's tools)
    assert.matches("%-h.-exit 1", exit:gsub("\\", ""))
    for _, a in ipairs { "get -h", "walk --help", "translate -h", "translate -H" } do
      local _, _, c = R.run("env -u MIBS " .. BIN .. " " .. a)
      assert.equal(1, c, a)
    end
    local _, _, cv = R.run("env -u MIBS " .. BIN .. " get -V")
    assert.equal(0, cv)
    local _, _, c5 = R.run(BIN .. " agent --no-such-option")
    assert.equal(1, c5)
    local f = os.tmpname()
    R.write(f, "return 7\n")
    local _, _, c6 = R.run(BIN .. " run " .. f)
    os.remove(f)
    assert.equal(7, c6)
  end)
end)
