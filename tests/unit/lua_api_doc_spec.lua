-- doc/lua-api.md cannot drift from the code: every public function of the
-- moonwalk module, its parts and its classes is documented there, and every
-- mw.* function documented there exists.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local R = require "run"

local root = os.getenv("MOONWALK_ROOT") or "."
local doc = R.slurp(root .. "/doc/lua-api.md")

local function callable(v)
  if type(v) == "function" then return true end
  local mt = type(v) == "table" and getmetatable(v)
  return mt and mt.__call ~= nil or false
end

local function public(t)
  local names = {}
  for k, v in pairs(t) do
    if type(k) == "string" and k:sub(1, 1) ~= "_" and callable(v) then names[#names + 1] = k end
  end
  table.sort(names)
  return names
end

local function documented(q) return doc:find("`" .. q .. "(", 1, true) ~= nil end

describe("doc/lua-api.md", function()
  it("exists and documents every public function", function()
    assert.is_true(#doc > 1000)
    for _, p in ipairs { "mib", "json", "prometheus", "influx", "shard", "rate", "agent", "trapd", "trap", "inform", "output" } do
      local _ = mw[p]      -- the parts loaded on first use
    end
    local missing = {}
    local function check(prefix, t)
      for _, k in ipairs(public(t)) do
        if not documented(prefix .. k) then missing[#missing + 1] = prefix .. k end
      end
    end
    check("mw.", mw)
    for _, p in ipairs { "mib", "json", "prometheus", "influx", "shard", "log", "output" } do
      assert.is_table(mw[p], p)
      check("mw." .. p .. ".", mw[p])
    end
    core.engine_init()
    local s = mw.session { peer = "127.0.0.1:9", community = "x" }
    check("session:", getmetatable(s).__index)
    -- a v3 session has methods of its own (engine ID discovery)
    local s3 = mw.session { peer = "127.0.0.1:9", version = "3", user = "u", level = "authPriv",
                            auth = "SHA", auth_pass = "authpass1", priv = "AES", priv_pass = "privpass1" }
    check("session:", s3)
    check("rate:", getmetatable(mw.rate()).__index)
    local a = mw.agent { listen = "udp:127.0.0.1:" .. core.free_udp_port(), communities = "public" }
    check("agent:", getmetatable(a).__index)
    -- the table object (Agent:table without rows): a userdata whose
    -- __index is a C closure over its methods table
    local tbl = a:table { oid = "1.3.6.1.4.1.99999.3.1", index = "integer", columns = { [2] = "STRING" } }
    local _, methods = debug.getupvalue(getmetatable(tbl).__index, 1)
    assert.is_table(methods)
    check("rowtable:", methods)
    a:close()
    local rx = assert(mw.trapd { listen = "udp:127.0.0.1:" .. core.free_udp_port(), community = "public" })
    check("receiver:", getmetatable(rx).__index)
    rx:close()
    check("task:", require("moonwalk.sched").spawn and getmetatable(mw.spawn(function() end)).__index or {})
    assert.same({}, missing)
  end)

  it("names no mw.* function that does not exist", function()
    local gone = {}
    for q in doc:gmatch("`(mw%.[%w_%.]+)%(") do
      local v = mw
      for part in q:sub(4):gmatch("[^%.]+") do v = type(v) == "table" and v[part] or nil end
      if not callable(v) then gone[#gone + 1] = q end
    end
    assert.same({}, gone)
  end)
end)
