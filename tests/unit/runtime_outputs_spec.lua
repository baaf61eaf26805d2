-- The output formats byte for byte: JSON lines (lua-cjson underneath),
-- InfluxDB line protocol escaping, Prometheus text exposition.
local mw = require "moonwalk"
local cjson = require "cjson"

describe("mw.json", function()
  it("encodes with cjson and decodes back", function()
    local v = mw.json.decode(mw.json.encode { a = 1, b = "x\ny", c = { 1, 2, 3 }, d = true })
    assert.same({ a = 1, b = "x\ny", c = { 1, 2, 3 }, d = true }, v)
  end)

  it("keeps big integers exact as decimal strings, Counter64 unsigned", function()
    local v = cjson.decode(mw.json.encode {
      small = 99999999999999, big = 100000000000000, c64 = mw.Counter64("18446744073709551615"),
      c64small = mw.Counter64(5), gauge = mw.Gauge32(7),
    })
    assert.equal(99999999999999, v.small)
    assert.equal("100000000000000", v.big)
    assert.equal("18446744073709551615", v.c64)
    assert.equal(5, v.c64small)
    assert.equal(7, v.gauge)
  end)

  it("writes bytes that are not UTF-8 as hex", function()
    local v = cjson.decode(mw.json.encode { mac = "\x00\x1b\x21\xff\xfe\x01", name = "caf\xc3\xa9" })
    assert.equal("0x001b21fffe01", v.mac)
    assert.equal("café", v.name)
  end)

  it("writes one object per line", function()
    local lines = {}
    local out = mw.json.lines(function(l) lines[#lines + 1] = l end)
    assert(out:write { n = 1 })
    assert(out:write { n = 2, s = "a\nb" })
    assert.equal(2, #lines)
    assert.is_nil(lines[2]:find("\n", 1, true))
    assert.equal(2, cjson.decode(lines[2]).n)
    local none, err = out:write { f = print }
    assert.is_nil(none)
    assert.matches("function", err)
  end)
end)

describe("mw.influx.line", function()
  local line = mw.influx.line
  it("escapes measurement, tags, field keys and string values per the spec", function()
    assert.equal([[cpu\,total\ load,host\ name=r\ 1,if\,x=a\=b f\ 1=1i,s="say \"hi\" \\ ok"]],
      line("cpu,total load", { ["host name"] = "r 1", ["if,x"] = "a=b" }, { ["f 1"] = 1, s = 'say "hi" \\ ok' }))
  end)
  it("sorts tags, leaves out empty ones, types the fields", function()
    assert.equal("m,a=1,b=2 b=true,f=1.5,i=-3i,u=1.8446744073709552e+19",
      line("m", { b = "2", a = 1, e = "" }, { i = -3, f = 1.5, b = true, u = mw.Counter64("18446744073709551615") }))
  end)
  it("writes the time in nanoseconds", function()
    assert.equal("m v=1i 1700000000123456000", line("m", nil, { v = 1 }, 1700000000.123456))
  end)
  it("turns line breaks outside strings into spaces", function()
    assert.equal('m,t=a\\ b v="x\ny"', line("m", { t = "a\nb" }, { v = "x\ny" }))
  end)
  it("refuses points InfluxDB would refuse", function()
    assert.has_error(function() line("m", nil, {}) end)
    assert.has_error(function() line("m", nil, { v = 0 / 0 }) end)
    assert.has_error(function() line("", nil, { v = 1 }) end)
  end)
end)

describe("mw.prometheus text format", function()
  it("renders families sorted, with HELP and TYPE, escaped labels and values", function()
    local reg = mw.prometheus.registry { engine_stats = false }
    local g = reg:gauge { name = "b_gauge", help = "multi\nline \\ help", labels = { "x", "y" } }
    g:set(1.5, { x = 'q"uote', y = "back\\slash" })
    g:set(2, { x = "nl\nx" })
    local c = reg:counter("a_total", "a counter")
    c:inc()
    c:inc(2)
    reg:gauge("c_special"):set(0 / 0)
    reg:gauge("d_inf"):set(-math.huge)
    reg:counter("e_total"):set(mw.Counter64("18446744073709551615"))
    reg:gauge("f_empty") -- no series: not rendered
    assert.equal(table.concat({
      "# HELP a_total a counter",
      "# TYPE a_total counter",
      "a_total 3",
      "# HELP b_gauge multi\\nline \\\\ help",
      "# TYPE b_gauge gauge",
      'b_gauge{x="q\\"uote",y="back\\\\slash"} 1.5',
      'b_gauge{x="nl\\nx"} 2',
      "# TYPE c_special gauge",
      "c_special NaN",
      "# TYPE d_inf gauge",
      "d_inf -Inf",
      "# TYPE e_total counter",
      "e_total 1.8446744073709552e+19",
      "",
    }, "\n"), reg:render())
  end)

  it("refuses bad names, unknown labels and counters going down", function()
    local reg = mw.prometheus.registry()
    assert.has_error(function() reg:gauge("1bad") end)
    local g = reg:gauge { name = "g", labels = { "a" } }
    assert.has_error(function() g:set(1, { b = "x" }) end)
    local c = reg:counter("c_total")
    assert.has_error(function() c:inc(-1) end)
    assert.has_error(function() reg:gauge("c_total") end)
    assert.equal(c, reg:counter("c_total"))
  end)
end)

describe("moonwalk run --stats", function()
  local R = require "run"
  it("logs the SNMP engine's counters every period and at exit, and does not keep the process alive", function()
    local dir = R.sh("mktemp -d /tmp/moonwalk-stats.XXXXXX"):gsub("%s+$", "")
    finally(function() os.execute("rm -rf " .. dir) end)
    R.write(dir .. "/s.lua", [[
local mw = require "moonwalk"
local s = mw.session { peer = "127.0.0.1:9", community = "public", timeout = 0.1, retries = 0 }
local n, h = 0, nil
h = mw.every(0.2, function()
  n = n + 1
  if n == 1 then s:get("1.3.6.1.2.1.1.5.0") end
  if n >= 5 then h:cancel() end
end)
]])
    local out, err, code = R.mw("run --stats=0.3 " .. dir .. "/s.lua")
    assert.equal(0, code, err)
    assert.equal("", out)
    assert.matches("info  stats: snmp sent=1 retransmits=0 timeouts=1 received=0 parse_errors=0 inflight=0\n", err)
    assert.matches("info  stats at exit: snmp sent=1 retransmits=0 timeouts=1 ", err)
    -- no cluster: no NATS, no cluster part
    assert.is_nil(err:find("cluster", 1, true))
    local _, err2, code2 = R.mw("run --stats=soon " .. dir .. "/s.lua")
    assert.equal(1, code2)
    assert.matches("moonwalk run: %-%-stats needs seconds", err2)
  end)
end)
