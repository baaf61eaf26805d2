-- The notification originator: mw.trap{...} and mw.inform{...}.
--
--   mw.trap{ peer = "udp:10.0.0.5:162", version = "2c", community = "public",
--            trap_oid = "1.3.6.1.6.3.1.1.5.3",
--            varbinds = { { "1.3.6.1.2.1.2.2.1.1.3", "i", 3 } } }
--   local vbs, err = mw.inform{ ..., timeout = 1, retries = 3 }   -- in a task
--
-- Fields: peer (port 162 unless given), version ("1", "2c", "3"),
-- community, timeout, retries, the v3 session fields (user, level, auth,
-- auth_pass, priv, priv_pass, engine_id, context, ...), uptime (TimeTicks;
-- default: the host's uptime, as snmptrap), trap_oid, varbinds (as for
-- s:set), and for v1: enterprise, agent_addr, generic, specific (when only
-- trap_oid is given they are derived from it as RFC 3584 3.2 says: see
-- moonwalk.v1trap). session = an existing session instead of the
-- connection fields.
--
-- trap returns true or nil, err (it is sent once); inform waits for the
-- acknowledgement, retrying, and returns the Response varbinds or nil, err.
-- A v3 trap is sent from this side's engine, which is authoritative for
-- it: the process's local engine (mw.local_engine(): its engine ID, boots
-- and time; N.engine_id() is its ID), or the engine given as local_engine
-- (agent:local_engine(), core.snmpengine{...}), or, with engine_id
-- (binary), under that engine ID. A v3 inform discovers the receiver's
-- engine ID, as the receiver is authoritative.
local core = require "moonwalk.core"
local session = require "moonwalk.session"
local v1trap = require "moonwalk.v1trap"

local N = {}

local SYSUPTIME0 = "1.3.6.1.2.1.1.3.0"
local TRAPOID0 = "1.3.6.1.6.3.1.1.4.1.0"
local TRAPENTERPRISE0 = "1.3.6.1.6.3.1.1.4.3.0"
local SNMPTRAPS = "1.3.6.1.6.3.1.1.5"
N.DEFAULT_ENTERPRISE = "1.3.6.1.4.1.3.1.1" -- snmptrap's default for an empty enterprise

local started = core.now()

-- The host's uptime in centiseconds (what snmptrap sends for ''), or the
-- process's when /proc is not there.
function N.uptime()
  local f = io.open("/proc/uptime")
  if f then
    local s = f:read("n")
    f:close()
    if s then return math.floor(s * 100) % 4294967296 end
  end
  return math.floor((core.now() - started) * 100)
end

local conn_fields = { "peer", "host", "port", "version", "community", "timeout", "retries", "user",
  "level", "auth", "auth_pass", "priv", "priv_pass", "engine_id", "context_engine_id", "context",
  "auth_master_key", "priv_master_key", "auth_local_key", "priv_local_key", "engine_boots",
  "engine_time", "local_engine" }

local sessions = setmetatable({}, { __mode = "v" })

local function has_port(peer)
  if peer:match("^%a+6?:") then peer = peer:gsub("^%a+6?:", "") end
  if peer:match("^%[.*%]:%d+$") then return true end
  if select(2, peer:gsub(":", "")) > 1 then return false end -- bare IPv6
  return peer:match(":%d+$") ~= nil
end

local function session_for(opts)
  if opts.session then return opts.session end
  local peer = opts.peer or opts.host
  if type(peer) ~= "string" then error("needs peer = \"host[:port]\"", 4) end
  local so, key = {}, {}
  for _, k in ipairs(conn_fields) do
    local v = opts[k]
    if v ~= nil then
      so[k] = v
      key[#key + 1] = k .. "=" .. tostring(v)
    end
  end
  if not so.port and not has_port(peer) then so.port = 162 end
  local k = table.concat(key, "\0")
  local s = sessions[k]
  if not s then
    s = session.new(so)
    sessions[k] = s
  end
  return s
end

local function version_of(opts)
  local v = opts.version
  if opts.session then v = ({ [0] = "1", [1] = "2c", [3] = "3" })[opts.session.version] end
  v = tostring(v or "2c")
  if v == "2" then v = "2c" end
  if v ~= "1" and v ~= "2c" and v ~= "3" then error("unknown SNMP version " .. v, 4) end
  return v
end

local function user_varbinds(opts)
  local vbs = opts.varbinds or {}
  if type(vbs) ~= "table" then error("varbinds must be a list", 4) end
  local out = {}
  for i, vb in ipairs(vbs) do out[i] = vb end
  return out
end

local function oid_str(x, what)
  local ok, o = pcall(core.oid, x)
  if not ok then error(string.format("bad %s: %s", what, tostring(o)), 5) end
  return tostring(o)
end

-- v1 fields from a v2 trap OID (RFC 3584 3.2, moonwalk.v1trap):
-- { enterprise =, generic =, specific = }.
function N.v1_from_trap_oid(trap_oid, vbs)
  local v1, err = v1trap.from_v2(trap_oid, vbs, { agent_addr = "0.0.0.0" })
  if not v1 then return nil, err end
  return { enterprise = v1.enterprise, generic = v1.generic_trap, specific = v1.specific_trap }
end

-- The engine ID v3 traps from this process carry when no other engine is
-- given: the process's local engine's (RFC 3414 1.5.1: the sender of a
-- trap is the authoritative engine).
function N.engine_id()
  return assert(core.local_engine()):id()
end

local function build(opts, inform)
  if type(opts) ~= "table" then error((inform and "inform" or "trap") .. " expects a table", 3) end
  local version = version_of(opts)
  if inform and version == "1" then error("Cannot send INFORM as SNMPv1 PDU", 3) end
  local vbs = user_varbinds(opts)
  local uptime = opts.uptime
  if uptime == nil or uptime == "" then uptime = N.uptime() end
  uptime = math.tointeger(tonumber(uptime))
  if not uptime or uptime < 0 or uptime > 0xFFFFFFFF then error("uptime must be TimeTicks (0..2^32-1)", 3) end
  local s = session_for(opts)
  if version == "1" then
    local v1 = {}
    if opts.trap_oid and opts.generic == nil and opts.enterprise == nil then
      local err
      v1, err = N.v1_from_trap_oid(opts.trap_oid, vbs)
      if not v1 then return nil, err end
    end
    local ent = opts.enterprise or v1.enterprise
    if ent == nil or ent == "" then ent = N.DEFAULT_ENTERPRISE end
    local agent = opts.agent_addr
    if agent == nil or agent == "" then agent = core.local_ipv4() or "0.0.0.0" end
    local generic = math.tointeger(tonumber(opts.generic or v1.generic or 6))
    local specific = math.tointeger(tonumber(opts.specific or v1.specific or 0))
    if not generic or generic < 0 or generic > 6 then error("generic must be 0..6", 3) end
    if not specific then error("specific must be an integer", 3) end
    return s, vbs, { enterprise = oid_str(ent, "enterprise"), agent_addr = agent, generic_trap = generic,
                     specific_trap = specific, timestamp = uptime }
  end
  if opts.trap_oid == nil then error("needs trap_oid", 3) end
  local all = { { SYSUPTIME0, "Timeticks", uptime }, { TRAPOID0, "OID", oid_str(opts.trap_oid, "trap_oid") } }
  for _, vb in ipairs(vbs) do all[#all + 1] = vb end
  return s, all
end

function N.trap(opts)
  local s, vbs, v1 = build(opts, false)
  if not s then return nil, vbs end
  return s:trap(vbs, v1)
end

function N.inform(opts)
  local s, vbs = build(opts, true)
  return s:inform(vbs)
end

-- The process's local engine (see the top); with opts { engine_id =,
-- boots =, state = DIR, file = NAME } it is restarted first (nil, err on
-- failure: a corrupt or unwritable state file).
function N.local_engine(opts)
  return core.local_engine(opts)
end

return N
