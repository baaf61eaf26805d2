-- moonwalk: SNMP for Lua 5.4. The C half is moonwalk.core; this file
-- gathers the API, parts of it loaded on first use (see the end).
local core = require "moonwalk.core"

local M = { core = core, version = core.version }

M.oid = core.oid
M.is_oid = core.is_oid
M.encode = core.encode
M.decode = core.decode
M.tohex = core.tohex
M.fromhex = core.fromhex

-- Typed values (mw.Integer32(5), mw.OctetString("x"), ..., mw.Value):
-- moonwalk.value, taken on first use below.

-- Tasks, timers and the loop
local sched = require "moonwalk.sched"
M.spawn = sched.spawn
M.every = sched.every
M.after = sched.after
M.sleep = sched.sleep
M.wait_all = sched.wait_all
M.run = sched.run
M.loop = sched.loop
M.stop = sched.stop
M.now = core.now
M.time = core.time

M.log = require "moonwalk.log"

-- Manager
local session = require "moonwalk.session"
M.session = session.new
M.batch = session.batch
M.Error = session.Error

-- Engine counters (sent, retransmits, timeouts, parse_errors, unknown_ids, ...)
function M.stats() core.engine_init(); return core.stats() end
-- Global limit on requests in flight; the rest wait in FIFO order.
function M.set_max_inflight(n) core.engine_init(); core.set_max_inflight(n) end

-- Engine IDs as lowercase hex
function M.hex(s) return core.tohex(s) end

-- HTTP client on the loop (waits, so inside a task):
-- http_request{ url =, method = "GET", body =, headers = {}, timeout = 10 }
-- -> status, body, headers | nil, err
-- (core.http_request, taken on first use below: the C parts it belongs to
-- open on first use too)

-- The process's local SNMP engine (v3 traps from mw.trap carry its engine
-- ID, boots and time); with { engine_id =, boots =, state = DIR, file = }
-- it is restarted first, keeping its ID and boots in DIR.
function M.local_engine(opts) return core.local_engine(opts) end

-- Names work wherever an OID does, with no mw.mib.load first: the first
-- name loads the MIB layer (and its default modules, as the CLI does),
-- which then resolves it and every later one.
core.mib_set_resolver(function(name)
  local mib = require "moonwalk.mib"   -- installs its own resolver
  local o, err = mib.oid(name)
  if o then return o end
  return nil, err
end)

-- Varbinds are plain tables {oid=, type=, value=}; what needs the MIBs is
-- computed when asked, exactly as the CLI prints it:
--   vb.name        "IF-MIB::ifDescr.3" (numeric when no module names it)
--   vb:text([flags])   the value part: "STRING: eth0", "INTEGER: up(1)";
--                  flags are -O letters ("v", "e", "U", ...)
--   tostring(vb)   the whole line: "IF-MIB::ifDescr.3 = STRING: eth0"
local Varbind = { __name = "moonwalk.varbind" }
local function fmt_with_mibs()
  require "moonwalk.mib"
  return require "moonwalk.fmt"
end
function Varbind.text(vb, flags)
  local fmt = fmt_with_mibs()
  return fmt.value(vb, fmt.flags(flags))
end
function Varbind.__index(vb, k)
  if k == "name" then
    local fmt = fmt_with_mibs()
    return fmt.oid(rawget(vb, "oid"), fmt.flags(""))
  end
  if k == "text" then return Varbind.text end
  return nil
end
function Varbind.__tostring(vb)
  local fmt = fmt_with_mibs()
  return fmt.varbind(vb, fmt.flags(""))
end
core.set_varbind_meta(Varbind)
M.Varbind = Varbind

-- Parts loaded on first use; the typed values are the names of
-- moonwalk.value (tests/unit/startup_spec.lua checks the two lists agree)
local VALUES = { Value = true, u64tostring = true, Integer32 = true, Integer = true, OctetString = true,
  ObjectIdentifier = true, IpAddress = true, Counter32 = true, Gauge32 = true, Unsigned32 = true,
  TimeTicks = true, Opaque = true, Counter64 = true, Null = true }
setmetatable(M, { __index = function(t, k)
  local parts = { mib = "moonwalk.mib", agent = "moonwalk.agent", trapd = "moonwalk.trapd",
                  trap = "moonwalk.notify", inform = "moonwalk.notify", json = "moonwalk.json",
                  prometheus = "moonwalk.prometheus", influx = "moonwalk.influx", shard = "moonwalk.shard",
                  rate = "moonwalk.rate", cluster = "moonwalk.cluster", output = "moonwalk.output" }
  if k == "http_request" then
    rawset(t, k, core.http_request)
    return core.http_request
  end
  if VALUES[k] then
    local v = require("moonwalk.value")[k]
    rawset(t, k, v)
    return v
  end
  local mod = parts[k]
  if not mod then return nil end
  local ok, m = pcall(require, mod)
  if not ok then
    if tostring(m):find("module '" .. mod .. "' not found", 1, true) then return nil end
    error(m, 2)
  end
  local v = m
  if k == "trap" or k == "inform" or k == "agent" or k == "trapd" or k == "shard" then v = m[k] or m end
  rawset(t, k, v)
  return v
end })

return M
