-- agent_table.lua - per-varbind cost of GETBULK on agent tables, measured
-- inside one process with agent:process (no network, no load generator):
-- the built-in snmp group, tables kept in index order of 100, 10,000 and
-- 1,000,000 rows, and a 100-row table of the rows= form. Run by
-- scripts/bench/agent with `moonwalk run`.
local mw = require "moonwalk"
local a = assert(mw.agent{ listen = "udp:127.0.0.1:0", communities = { public = "ro" } })
local function make(oid, n, legacy)
  local rows = {}
  for i = 1, n do rows[i] = { [2] = "port " .. i, [3] = i * 1000 } end
  local spec = { oid = oid, index = "integer", columns = { [2] = "STRING", [3] = "Counter32" } }
  if legacy then spec.rows = rows end
  local t = a:table(spec)
  if not legacy then t:replace(rows) end
end
make("1.3.6.1.4.1.99999.3.1", 100)
make("1.3.6.1.4.1.99999.4.1", 10000)
make("1.3.6.1.4.1.99999.5.1", 1000000)
make("1.3.6.1.4.1.99999.7.1", 100, true)
local results = {}
local function run(name, oid, n)
  local raw = assert(mw.encode { version = 1, community = "public", pdu = { type = "getbulk",
    request_id = 1, non_repeaters = 0, max_repetitions = 25, varbinds = { { oid = oid, type = "NULL" } } } })
  local t0 = os.clock()
  for _ = 1, n do a:process(raw) end
  local dt = os.clock() - t0
  results[name] = n * 25 / dt
  print(string.format("%-44s %12.0f   (%.2f us/varbind)", name, n * 25 / dt, dt / (n * 25) * 1e6))
end
print(string.format("%-44s %12s", "in-process GETBULK x25 (agent:process)", "varbinds/s"))
run("built-in snmp group", "1.3.6.1.2.1.11", 20000)
run("100-row table", "1.3.6.1.4.1.99999.3.1.2", 20000)
run("10000-row table", "1.3.6.1.4.1.99999.4.1.2.5000", 20000)
run("1000000-row table", "1.3.6.1.4.1.99999.5.1.2.500000", 20000)
run("100-row table, rows= form", "1.3.6.1.4.1.99999.7.1.2", 2000)
local function verdict(ok) return ok and "met" or "NOT met" end
local r100, r1m, b = results["100-row table"], results["1000000-row table"], results["built-in snmp group"]
print(string.format("  per-varbind cost 1M rows / 100 rows: %.2fx (goal <= 1.5x): %s", r100 / r1m, verdict(r100 / r1m <= 1.5)))
print(string.format("  100-row table: %.0f vb/s (goal >= 1000000): %s; %.2fx the built-ins (goal >= 0.33x): %s",
  r100, verdict(r100 >= 1e6), r100 / b, verdict(r100 * 3 >= b)))
a:close()
