-- SNMPv2 notification parameters -> SNMPv1 Trap-PDU fields, as RFC 3584
-- section 3.2 says. The one mapping the originator (mw.trap, moonwalk
-- trap) and the agent's notifications (agent:notify) both use.
--
--   local v1, err = require("moonwalk.v1trap").from_v2(trap_oid, varbinds,
--                                                       { agent_addr =, uptime = })
--   -> { enterprise = "1.3.6...", agent_addr = "a.b.c.d", generic_trap = 0..6,
--        specific_trap = n, timestamp = uptime }  (the fields s:trap takes)
--   or nil, err when a varbind is a Counter64.
--
-- varbinds are the notification's own (without sysUpTime.0 and
-- snmpTrapOID.0), in any form s:set takes. The rules:
--  * snmpTrapOID is one of the standard traps (snmpTraps.1 to .6, coldStart
--    to egpNeighborLoss): generic-trap = the last arc - 1, specific-trap 0,
--    enterprise = the value of an snmpTrapEnterprise.0 varbind if there is
--    one, else snmpTraps;
--  * otherwise: generic-trap 6 (enterpriseSpecific), specific-trap = the
--    last arc, enterprise = snmpTrapOID without its last arc, and without
--    the one before it too when that one is 0 (enterprise.0.specific, the
--    form RFC 3584 3.1 gives a v1 trap); snmpTrapEnterprise.0 is ignored;
--  * agent-addr: opts.agent_addr, else this host's IPv4 address (the
--    notification goes out over UDP/IP), else 0.0.0.0;
--  * time-stamp: opts.uptime (sysUpTime), 0 when not given;
--  * the variable-bindings stay as they are, but a Counter64 one cannot be
--    sent in SNMPv1: then there is no translation (nil, err).
local core = require "moonwalk.core"

local M = {}

M.SNMPTRAPS = "1.3.6.1.6.3.1.1.5"
M.SNMPTRAPENTERPRISE0 = "1.3.6.1.6.3.1.1.4.3.0"
local SNMPTRAPS_ARCS = 9

local function vb_parts(vb)
  local oid = vb.oid or vb[1]
  local t, v = vb.type, vb.value
  if t == nil then
    local second = vb[2]
    if type(second) == "table" and second.type then t, v = second.type, second.value
    else t, v = second, vb[3] end
  end
  return oid, t, v
end

local function is_counter64(t)
  return t == "C" or (type(t) == "string" and #t > 1 and core.type_tag(t) == 0x46)
end

function M.from_v2(trap_oid, varbinds, opts)
  opts = opts or {}
  local t = core.oid(trap_oid)
  local n = #t
  for i, vb in ipairs(varbinds or {}) do
    local _, ty = vb_parts(vb)
    if is_counter64(ty) then
      return nil, string.format("varbind %d is a Counter64, which an SNMPv1 trap cannot carry (RFC 3584 3.2)", i)
    end
  end
  local v1 = { timestamp = opts.uptime or 0 }
  local agent = opts.agent_addr
  if agent == nil or agent == "" then agent = core.local_ipv4() or "0.0.0.0" end
  v1.agent_addr = agent
  if n == SNMPTRAPS_ARCS + 1 and tostring(t:sub(1, SNMPTRAPS_ARCS)) == M.SNMPTRAPS and t[n] >= 1 and t[n] <= 6 then
    local ent
    for _, vb in ipairs(varbinds or {}) do
      local o, _, v = vb_parts(vb)
      if o and tostring(core.oid(o)) == M.SNMPTRAPENTERPRISE0 and v ~= nil then ent = tostring(core.oid(v)) end
    end
    v1.enterprise = ent or M.SNMPTRAPS
    v1.generic_trap = t[n] - 1
    v1.specific_trap = 0
    return v1
  end
  if n < 2 then error("trap OID " .. tostring(t) .. " is too short for an SNMPv1 trap", 2) end
  v1.generic_trap = 6
  v1.specific_trap = t[n]
  v1.enterprise = tostring(t:sub(1, (n >= 3 and t[n - 1] == 0) and n - 2 or n - 1))
  return v1
end

return M
