-- SNMPv3 for manager sessions. mw.session{version = "3", ...} calls
-- attach(), which checks the settings (misuse raises, with net-snmp's
-- words where it has them) and returns the session's security object: the
-- USM state in C, user and level, engine_id() and engine_time(), and the
-- refusal message when requests cannot go out (no user). This module does
-- not know moonwalk.session: the session uses the object through those
-- fields and methods only. Discovery,
-- timeliness, protection and the checks on what comes back run in C
-- (src/app/v3.c) for every request, so requests look the same as v2c ones
-- from Lua. Reports come back as errors of kind "report" whose message is
-- net-snmp's ("Unknown user name", "Authentication failure (incorrect
-- password, community or key)", ...) and whose status is the counter's
-- name ("usmStatsUnknownUserNames", ...).
--
--   local s = mw.session{ peer = "10.0.0.1", version = "3", user = "ops",
--     level = "authPriv", auth = "SHA-256", auth_pass = "...", priv = "AES",
--     priv_pass = "...", context = "", engine_id = nil }
--   local eid = s:engine_id()          -- binary; mw.hex(eid) to print
local core = require "moonwalk.core"

local M = {}

-- net-snmp's spellings for -l (snmp_parse_args), case-insensitive
local levels = {
  noauthnopriv = 0, ["1"] = 0, nanp = 0,
  authnopriv = 1, ["2"] = 1, anp = 1,
  authpriv = 3, ["3"] = 3, ap = 3,
}
local level_names = { [0] = "noAuthNoPriv", [1] = "authNoPriv", [3] = "authPriv" }

-- Is v a security level net-snmp accepts (noAuthNoPriv, 1, nanp, ...)?
function M.level_known(v)
  return levels[tostring(v):lower()] ~= nil
end

local function parse_level(v)
  if v == nil then return nil end
  local l = levels[tostring(v):lower()]
  if not l then
    error(string.format("unknown security level '%s' (noAuthNoPriv, authNoPriv or authPriv)", tostring(v)), 4)
  end
  return l
end

local function check_name(kind, name, info, list)
  if name == nil then return nil end
  if type(name) ~= "string" or not info(name) then
    error(string.format("unknown %s protocol '%s' (%s)", kind, tostring(name), table.concat(list(), ", ")), 4)
  end
  return name
end

local function check_bytes(opts, k, what)
  local v = opts[k]
  if v ~= nil and type(v) ~= "string" then error(k .. " must be a string (" .. what .. ")", 4) end
  return v
end

local MIN_PASS = 8 -- RFC 3414 11.2

local function check_pass(p, what)
  if p ~= nil and #p < MIN_PASS then
    error(string.format("the %s pass phrase is below the length requirements of the USM (min=%d)",
      what, MIN_PASS), 4)
  end
end

-- The security object of one session.
local Security = {}
Security.__index = Security
Security.__name = "moonwalk.v3.security"

-- sec:engine_id() -> the agent's engine ID (binary), discovered if needed,
-- or nil, kind, message, status (the raw failure of the discovery probe);
-- the session must be resolved
function Security:engine_id()
  local h = self._h
  local eid = h:engine_id()
  if eid then return eid end
  -- a GET without varbinds is a discovery probe: the report that answers
  -- it teaches the engine ID and completes it
  local _, kind, msg, status = self._c:get({})
  eid = h:engine_id()
  if eid then return eid end
  return nil, kind, msg, status
end

-- sec:engine_time() -> boots, time of the agent as estimated now | nil
function Security:engine_time()
  return self._h:engine_time()
end

-- attach(c, opts, peer_key): c is the session's C object, peer_key names
-- the peer for the engine cache shared by sessions to it. Returns the
-- security object: { user =, level =, refusal = message or nil }.
function M.attach(c, opts, peer_key)
  local user = check_bytes(opts, "user", "the USM user name")
  if user and #user > 32 then error("user name longer than 32 octets", 3) end
  local auth = check_name("authentication", opts.auth, core.usm_auth_info, core.usm_auth_names)
  local priv = check_name("privacy", opts.priv, core.usm_priv_info, core.usm_priv_names)
  local auth_pass = check_bytes(opts, "auth_pass", "the authentication pass phrase")
  local priv_pass = check_bytes(opts, "priv_pass", "the privacy pass phrase")
  local am = check_bytes(opts, "auth_master_key", "binary")
  local pm = check_bytes(opts, "priv_master_key", "binary")
  local al = check_bytes(opts, "auth_local_key", "binary")
  local pl = check_bytes(opts, "priv_local_key", "binary")
  local eid = check_bytes(opts, "engine_id", "binary; mw.fromhex for hex")
  local ceid = check_bytes(opts, "context_engine_id", "binary; mw.fromhex for hex")
  local context = check_bytes(opts, "context", "the context name")
  local level = parse_level(opts.level)
  local has_auth = auth_pass or am or al
  local has_priv = priv_pass or pm or pl
  if level == nil then
    level = (has_priv or priv) and 3 or (has_auth or auth) and 1 or 0
  end
  check_pass(auth_pass, "authentication")
  check_pass(priv_pass, "privacy")
  if level >= 1 then
    auth = auth or "MD5" -- net-snmp's defaults
    if not has_auth then
      error(string.format("security level %s needs an authentication pass phrase (auth_pass, -A) or key (-3m, -3k)",
        level_names[level]), 3)
    end
    local hl = core.usm_auth_info(auth).hash_len
    for k, v in pairs { auth_master_key = am, auth_local_key = al } do
      if #v ~= hl then error(string.format("%s must be %d bytes for %s", k, hl, auth), 3) end
    end
    if pm and #pm ~= hl then error(string.format("priv_master_key must be %d bytes for %s", hl, auth), 3) end
  end
  if level == 3 then
    priv = priv or "DES"
    if not has_priv then
      error("security level authPriv needs a privacy pass phrase (priv_pass, -X) or key (-3M, -3K)", 3)
    end
    local kl = core.usm_priv_info(priv).key_len
    if pl and #pl < kl then error(string.format("priv_local_key must be at least %d bytes for %s", kl, priv), 3) end
  end
  if eid and (#eid < 5 or #eid > 32) then error("engine_id must be 5 to 32 octets", 3) end
  if ceid and #ceid > 32 then error("context_engine_id must be at most 32 octets", 3) end
  local sec = setmetatable({ user = user, level = level_names[level], _c = c }, Security)
  sec._h = core.v3_attach(c, {
    user = user or "", level = level, auth = level >= 1 and auth or nil,
    priv = level == 3 and priv or nil,
    auth_pass = auth_pass, priv_pass = priv_pass, auth_master_key = am, priv_master_key = pm,
    auth_local_key = al, priv_local_key = pl, engine_id = eid, context_engine_id = ceid,
    context = context or "", peer = peer_key, local_engine = opts.local_engine,
    engine_boots = opts.engine_boots, engine_time = opts.engine_time,
  })
  -- requests of a session without a user fail as snmpget does; discovery
  -- (engine_id) still works
  if not user then sec.refusal = "No securityName specified" end
  return sec
end

-- Counters of messages the manager dropped (usmStatsWrongDigests, ...),
-- and discoveries, resyncs and reports seen.
function M.stats()
  return core.v3_stats()
end

return M
