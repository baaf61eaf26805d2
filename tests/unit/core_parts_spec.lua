-- The C bindings: each binding file (src/lua/l_<part>.c) fills a table of
-- its own, the module moonwalk.core.<part>; moonwalk.core (mw.core) is
-- their union, made in src/lua/l_core.c, where a name two parts define is
-- an error at load. The parts a one-shot get does not call open together
-- on first use.
local core = require "moonwalk.core"

-- part -> a few of the names its file defines
local PARTS = {
  oid = { "oid", "is_oid", "oid_cmp" },               -- l_oid.c
  codec = { "encode", "decode", "tohex" },            -- l_codec.c
  loop = { "engine_init", "now", "sleep", "stats" },  -- l_engine.c
  task = { "budget", "resume", "term_guard" },        -- l_task.c
  session = { "session", "batch" },                   -- l_session.c
  usm = { "usm_sign", "usm_keys", "usm_stats" },      -- l_usm.c
  mib = { "mib_new", "mib_cache_load" },              -- l_mib.c
  agent = { "agent_new", "host_mibs_available" },     -- l_agent.c
  receiver = { "receiver" },                          -- l_receiver.c
  http = { "http_request", "http_listen" },           -- l_http.c
  udp = { "udp_open" },                               -- l_udp.c
  v3 = { "v3_attach", "v3_stats", "usm_msg_check" },  -- l_v3.c
  sys = { "syslog", "getpid", "isatty" },             -- l_sys.c
  fmt = { "fmt_value", "fmt_oid" },                   -- l_fmt.c
  alloc = { "memory", "memory_limit" },               -- l_alloc.c
  paths = { "mibdir", "prefix" },                     -- l_paths.c (strings)
  snmpengine = { "snmpengine", "local_engine" },      -- l_snmpengine.c
  nats = { "nats_cluster", "nats_stream" },           -- l_nats.c
}

describe("moonwalk.core and its parts", function()
  it("each binding file's functions are a module of their own, and only those", function()
    for part, names in pairs(PARTS) do
      local t = require("moonwalk.core." .. part)
      assert.is_table(t, part)
      for _, n in ipairs(names) do
        assert.equal(part == "paths" and "string" or "function", type(t[n]), part .. "." .. n)
      end
      for other, onames in pairs(PARTS) do
        if other ~= part then
          for _, n in ipairs(onames) do assert.is_nil(t[n], part .. " has " .. other .. "'s " .. n) end
        end
      end
    end
  end)

  it("moonwalk.core is the union of the parts, each name from exactly one part", function()
    local owner, count = {}, 0
    for name, t in pairs(package.loaded) do
      if type(name) == "string" and name:find("^moonwalk%.core%.") then
        local part = name:sub(#"moonwalk.core." + 1)
        assert.is_truthy(PARTS[part], "a part this spec does not know: " .. part)
        for k, v in pairs(t) do
          assert.is_nil(owner[k], k .. " in " .. part .. " and in " .. tostring(owner[k]))
          owner[k] = part
          count = count + 1
          assert.equal(v, core[k], k)
        end
      end
    end
    for part in pairs(PARTS) do assert.is_table(package.loaded["moonwalk.core." .. part], part) end
    -- and nothing else, but the version and the harness's environment calls
    local extra = {}
    for k in pairs(core) do
      if not owner[k] then extra[#extra + 1] = k end
    end
    table.sort(extra)
    assert.same({ "setenv", "unsetenv", "version" }, extra)
    assert.is_true(count > 80)
  end)

  describe("opened afresh", function()
    -- moonwalk.core and its parts as the first require makes them, in this
    -- state: the modules are taken out and put back after each case
    local LATER = { "usm", "agent", "receiver", "http", "udp", "v3", "snmpengine", "nats" }
    local saved
    before_each(function()
      saved = {}
      for k, v in pairs(package.loaded) do
        if k == "moonwalk.core" or k:find("^moonwalk%.core%.") then saved[k] = v end
      end
      for k in pairs(saved) do package.loaded[k] = nil end
    end)
    after_each(function()
      for k in pairs(package.loaded) do
        if k == "moonwalk.core" or k:find("^moonwalk%.core%.") then package.loaded[k] = nil end
      end
      for k, v in pairs(saved) do package.loaded[k] = v end
    end)

    local function later_open()
      local n = 0
      for _, part in ipairs(LATER) do
        if package.loaded["moonwalk.core." .. part] then n = n + 1 end
      end
      return n
    end

    it("the later parts open together at the first name of theirs", function()
      local c = require "moonwalk.core"
      assert.equal(0, later_open())
      assert.is_function(rawget(c, "oid"))
      assert.is_nil(rawget(c, "usm_keys"))
      assert.is_nil(rawget(c, "agent_new"))
      assert.is_function(c.usm_keys) -- the first name of a later part
      assert.equal(#LATER, later_open())
      assert.is_function(rawget(c, "agent_new"))
      assert.is_nil(getmetatable(c))
      assert.is_nil(c.no_such_name)
      for _, part in ipairs(LATER) do
        for _, n in ipairs(PARTS[part]) do assert.equal(package.loaded["moonwalk.core." .. part][n], c[n]) end
      end
    end)

    it("a script of moonwalk run sees every part's names", function()
      local R = require "run"
      local d = R.tmpdir()
      finally(function() os.execute("rm -rf " .. d) end)
      R.write(d .. "/s.lua", [[
        local c = require "moonwalk.core"
        print(type(c.udp_open), type(c.agent_new), type(c.nats_stream), type(c.budget),
          type(require("moonwalk.core.v3").v3_attach))
      ]])
      local out, err, code = R.run(string.format("%s run %s/s.lua",
        os.getenv("MOONWALK_BIN") or "build/moonwalk", d))
      assert.equal(0, code, err)
      -- (budget is the host's own, kept from scripts)
      assert.equal("function\tfunction\tfunction\tnil\tfunction\n", out)
    end)

    it("and at the first require of one of them", function()
      local c = require "moonwalk.core"
      local v3 = require "moonwalk.core.v3"
      assert.is_function(v3.v3_attach)
      assert.is_nil(v3.usm_keys)
      assert.equal(#LATER, later_open())
      assert.equal(v3.v3_attach, rawget(c, "v3_attach"))
      assert.is_function(rawget(c, "http_request"))
      assert.is_nil(getmetatable(c))
      -- a harness that puts package.loaded back after each file (busted's
      -- insulation) takes the parts out while moonwalk.core stays: a
      -- require then gives the part's own table again
      local agent = package.loaded["moonwalk.core.agent"]
      package.loaded["moonwalk.core.agent"] = nil
      assert.equal(agent, require "moonwalk.core.agent")
      assert.is_function(agent.agent_new)
    end)
  end)
end)
