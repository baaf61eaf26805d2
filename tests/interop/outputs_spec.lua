-- The outputs against the real servers from Debian's packages, started
-- here on loopback: Prometheus scrapes mw.prometheus and we read the values
-- back through its HTTP API; InfluxDB 1.x receives line protocol over HTTP
-- and UDP and we query the points back.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local cjson = require "cjson"
local support = require "run"
local sh, write, sleep = support.sh, support.write, support.sleep

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function get_json(url)
  local body = sh("curl -s --max-time 5 '" .. url .. "'")
  local ok, v = pcall(cjson.decode, body)
  if ok then return v end
  return nil, body
end

local function wait_for(fn, limit, what)
  local deadline = core.now() + (limit or 20)
  while core.now() < deadline do
    local v = fn()
    if v then return v end
    sleep(0.2)
  end
  error("timed out waiting for " .. (what or "a condition"))
end

local function free_port() return core.free_udp_port("v4") end

local tmp
local pids = {}
local function bg(cmd)
  local pid = tonumber(sh(cmd .. " & echo $!"):match("(%d+)%s*$"))
  pids[#pids + 1] = pid
  return pid
end

setup(function()
  core.engine_init()
  tmp = sh("mktemp -d /tmp/moonwalk-out.XXXXXX"):gsub("%s+$", "")
end)

teardown(function()
  for _, pid in ipairs(pids) do os.execute("kill " .. pid .. " 2>/dev/null") end
  sleep(0.3)
  for _, pid in ipairs(pids) do os.execute("kill -9 " .. pid .. " 2>/dev/null") end
  if tmp then os.execute("rm -rf " .. tmp) end
end)

describe("Prometheus endpoint scraped by a real Prometheus", function()
  it("gauges, counters and labels set from Lua come back through the Prometheus API", function()
    local exporter = free_port()
    local web = free_port()
    write(tmp .. "/exporter.lua", string.format([[
      local mw = require "moonwalk"
      local prom = assert(mw.prometheus{ listen = "127.0.0.1:%d" })
      local temp = prom:gauge{ name = "mwtest_temperature_celsius", help = "A gauge", labels = { "room", "note" } }
      temp:set(21.5, { room = "lab", note = 'say "hi"\\there' })
      temp:set(-3, { room = "line\nbreak", note = "" })
      local big = prom:counter{ name = "mwtest_octets_total", help = "A Counter64 as read" }
      big:set(mw.Counter64("9007199254740993"))
      local ticks = prom:counter{ name = "mwtest_ticks_total", help = "Counted here" }
      mw.every(0.2, function() ticks:inc() end)
    ]], exporter))
    bg(string.format("cd %s && %s %s run exporter.lua >%s/exporter.log 2>&1", tmp, ENV, BIN, tmp))
    write(tmp .. "/prometheus.yml", string.format([[
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: moonwalk
    scrape_interval: 1s
    static_configs:
      - targets: ["127.0.0.1:%d"]
]], exporter))
    bg(string.format("prometheus --config.file=%s/prometheus.yml --storage.tsdb.path=%s/tsdb "
      .. "--web.listen-address=127.0.0.1:%d >%s/prometheus.log 2>&1", tmp, tmp, web, tmp))
    local api = string.format("http://127.0.0.1:%d/api/v1/query?query=", web)
    local function query(q)
      local v = get_json(api .. urlencode(q))
      if v and v.status == "success" and #v.data.result > 0 then return v.data.result end
    end
    -- the target is up once Prometheus has scraped it
    local up = wait_for(function()
      local r = query('up{job="moonwalk"}')
      return r and r[1].value[2] == "1" and r
    end, 25, "Prometheus to scrape the endpoint")
    assert.equal("127.0.0.1:" .. exporter, up[1].metric.instance)

    local temps = wait_for(function()
      local r = query("mwtest_temperature_celsius")
      return r and #r == 2 and r
    end, 10, "the gauge")
    table.sort(temps, function(a, b) return a.metric.room < b.metric.room end)
    assert.equal("lab", temps[1].metric.room)
    assert.equal('say "hi"\\there', temps[1].metric.note)
    assert.equal("21.5", temps[1].value[2])
    assert.equal("line\nbreak", temps[2].metric.room)
    assert.is_nil(temps[2].metric.note)  -- an empty label is no label
    assert.equal("-3", temps[2].value[2])

    local big = query("mwtest_octets_total")
    assert.equal("9007199254740992", big[1].value[2]) -- a float64 in Prometheus

    -- the counter counted between scrapes: Prometheus sees it grow
    local first = tonumber(query("mwtest_ticks_total")[1].value[2])
    local grown = wait_for(function()
      local r = query("mwtest_ticks_total")
      local v = r and tonumber(r[1].value[2])
      return v and v > first and v
    end, 10, "the counter to grow")
    assert.is_true(grown > first)
    local meta = get_json(string.format("http://127.0.0.1:%d/api/v1/metadata?metric=mwtest_ticks_total", web))
    if meta and meta.data and meta.data.mwtest_ticks_total then
      assert.equal("counter", meta.data.mwtest_ticks_total[1].type)
    end
  end)
end)

describe("InfluxDB line protocol into a real InfluxDB 1.x", function()
  local http, udp

  setup(function()
    http, udp = free_port(), free_port()
    local rpc = free_port()
    local d = tmp .. "/influx"
    os.execute("mkdir -p " .. d)
    write(d .. "/influxdb.conf", string.format([==[
reporting-disabled = true
bind-address = "127.0.0.1:%d"
[meta]
  dir = "%s/meta"
[data]
  dir = "%s/data"
  wal-dir = "%s/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:%d"
  log-enabled = false
[[udp]]
  enabled = true
  bind-address = "127.0.0.1:%d"
  database = "udpdb"
  batch-timeout = "100ms"
[monitor]
  store-enabled = false
]==], rpc, d, d, d, http, udp))
    bg(string.format("influxd -config %s/influxdb.conf >%s/influxd.log 2>&1", d, d))
    wait_for(function()
      return sh(string.format("curl -s -o /dev/null -w '%%{http_code}' http://127.0.0.1:%d/ping", http)) == "204"
    end, 20, "influxd")
    for _, db in ipairs { "httpdb", "udpdb" } do
      sh(string.format("curl -s -XPOST http://127.0.0.1:%d/query --data-urlencode 'q=CREATE DATABASE %s'", http, db))
    end
  end)

  local function influx_query(db, q)
    local v, raw = get_json(string.format("http://127.0.0.1:%d/query?db=%s&epoch=ns&q=%s", http, db, urlencode(q)))
    assert(v, raw)
    return v.results[1]
  end

  it("over HTTP: names, tags and strings that need escaping come back exactly", function()
    local ok, err = mw.run(function()
      local db = mw.influx { url = string.format("http://127.0.0.1:%d/write", http), db = "httpdb" }
      db:write("if traffic,x", {
        host = "r 1", ["if,name"] = "ge-0/0/1=x", empty = "",
      }, {
        ["in octets"] = 123, rate = 1.5, descr = 'say "hi" \\ bye, a=b', up = true,
        big = mw.Counter64("18446744073709551615"), neg = -42,
      }, 1700000000.123456)
      db:write("plain", { host = "r2" }, { v = 2 }, 1700000001)
      return db:flush()
    end)
    assert.is_true(ok, tostring(err))
    local res = influx_query("httpdb", 'SELECT * FROM "if traffic,x"')
    local s = assert(res.series, cjson.encode(res))[1]
    local row = {}
    for i, c in ipairs(s.columns) do row[c] = s.values[1][i] end
    assert.equal(1700000000123456000, math.tointeger(row.time))
    assert.equal("r 1", row.host)
    assert.equal("ge-0/0/1=x", row["if,name"])
    assert.equal(cjson.null, row.empty or cjson.null)
    assert.equal(123, row["in octets"])
    assert.equal(1.5, row.rate)
    assert.equal('say "hi" \\ bye, a=b', row.descr)
    assert.equal(true, row.up)
    assert.equal(-42, row.neg)
    assert.equal(18446744073709551615.0, row.big)
    -- integers stay integers: InfluxDB refuses to mix types in a field
    local types = influx_query("httpdb", 'SHOW FIELD KEYS FROM "if traffic,x"').series[1]
    local ft = {}
    for _, v in ipairs(types.values) do ft[v[1]] = v[2] end
    assert.equal("integer", ft["in octets"])
    assert.equal("float", ft.rate)
    assert.equal("string", ft.descr)
    assert.equal("boolean", ft.up)
    local plain = influx_query("httpdb", "SELECT v FROM plain").series[1]
    assert.equal(1700000001000000000, math.tointeger(plain.values[1][1]))
  end)

  it("over HTTP: a refused write comes back as an error", function()
    local ok, err = mw.run(function()
      local db = mw.influx { url = string.format("http://127.0.0.1:%d/write", http), db = "nosuchdb" }
      db:write("m", nil, { v = 1 })
      return db:flush()
    end)
    assert.is_nil(ok)
    assert.matches("HTTP 404", err)
  end)

  it("over UDP: many points in batched datagrams all arrive", function()
    local N = 600
    mw.run(function()
      local db = mw.influx { udp = "127.0.0.1:" .. udp, payload = 1400 }
      local t0 = 1700000000
      for i = 1, N do
        db:write("udp_points", { target = "10.0.0." .. (i % 7), slot = tostring(i % 3) },
          { i = i, label = "n=" .. i }, t0 + i)
      end
      assert(db:flush())
      assert.is_true(db.sent == N)
    end)
    local count = wait_for(function()
      local r = influx_query("udpdb", "SELECT count(i) FROM udp_points")
      local n = r.series and r.series[1].values[1][2]
      return n == N and n
    end, 15, "the UDP points")
    assert.equal(N, count)
    local r = influx_query("udpdb", "SELECT i, label, target FROM udp_points WHERE i = 77")
    local v = r.series[1].values[1]
    assert.equal(77, v[2])
    assert.equal("n=77", v[3])
    assert.equal("10.0.0.0", v[4])
  end)
end)
