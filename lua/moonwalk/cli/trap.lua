-- moonwalk trap|inform: snmptrap and snmpinform.
--
--   moonwalk trap -v 1 -c COMMUNITY AGENT ENTERPRISE AGENT-ADDR GENERIC SPECIFIC UPTIME [OID TYPE VALUE]...
--   moonwalk trap -v 2c|3 ... AGENT UPTIME TRAP-OID [OID TYPE VALUE]...
--   moonwalk inform ... AGENT UPTIME TRAP-OID [OID TYPE VALUE]...   (or trap -Ci)
--
-- An empty UPTIME ('') sends the host's uptime, an empty ENTERPRISE
-- .1.3.6.1.4.1.3.1.1 and an empty AGENT-ADDR this host's address, as
-- snmptrap does. AGENT's port defaults to 162.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local args = require "moonwalk.cli.args"
local common = require "moonwalk.cli.common"
local session_mod = require "moonwalk.session"
local notify = require "moonwalk.notify"
local usage_mod = require "moonwalk.cli.usage"

local M = {}


local function err(msg, code)
  io.stderr:write(msg, "\n")
  return code or 1
end

-- snmp_parse_oid's errors, as the other tools print them
local function check_oid(s)
  return require("moonwalk.cli.snmp").check_oids({ s }, {})
end

-- OID TYPE VALUE triples -> varbinds, or nil after printing the error;
-- the values are checked against the MIB as snmptrap checks them (as
-- snmpset does), unless -Ir
local function triples(rest, from, in_flags)
  local snmp = require "moonwalk.cli.snmp"
  local vbs = {}
  local i = from
  while i <= #rest do
    local oid, t, v = rest[i], rest[i + 1], rest[i + 2]
    if t == nil or v == nil then
      io.stderr:write(oid, ": Missing type/value for variable\n")
      return nil
    end
    if not check_oid(oid) then return nil end
    if t ~= "=" and (#t ~= 1 or not session_mod.letters[t]) then
      io.stderr:write(oid, ": Bad variable type (\"", t, "\")\n")
      return nil
    end
    local letter, val = snmp.mib_value(oid, t, v, in_flags)
    if not letter then
      io.stderr:write(oid, ": ", val, "\n")
      return nil
    end
    t, v = letter, val
    if t == "x" then v = v:gsub("%s", "") end
    vbs[#vbs + 1] = { oid, t, v }
    i = i + 3
  end
  return vbs
end

function M.main(argv, cmd)
  local prog = cmd or "trap"
  local snmp = require "moonwalk.cli.snmp"
  local conf = require "moonwalk.cli.conf"
  local o, rest, cf = snmp.parse(argv, prog)
  if not o then return rest end
  local cfg = common.load_conf(snmp.tools[prog])
  common.setup_mibs(o)
  cfg.finish()
  conf.apply(cfg, o)
  if o.d then core.udp_dump(true) end
  local inform = prog == "inform" or cf.i
  -- no -v and no defVersion: version 3, as snmptrap and snmpinform
  if not o.v then o.v = "3" end
  local agent = table.remove(rest, 1)
  if not agent then return err("No hostname specified.\n" .. usage_mod.text(prog):sub(1, -2)) end
  local so, serr = common.session_opts(o, agent)
  if not so then return err(serr .. "\n" .. usage_mod.text(prog):sub(1, -2)) end
  if not common.v3_keys_ok(so, inform and "snmpinform" or "snmptrap") then return 1 end
  if so.version ~= "3" and not o.c then
    return err("No community name specified.\n" .. usage_mod.text(prog):sub(1, -2))
  end
  if so.version == "3" and not so.user then
    -- snmpinform goes on with an empty name (its discovery times out)
    if not inform then return err("snmptrap: No securityName specified") end
    so.user = ""
  end
  if inform and so.version == "1" then return err("Cannot send INFORM as SNMPv1 PDU") end
  local t = { version = so.version }
  for k, v in pairs(so) do t[k] = v end
  local first
  if so.version == "1" then
    local missing = { "No enterprise oid", "Missing agent parameter", "Missing generic-trap parameter",
                      "Missing specific-trap parameter", "Missing uptime parameter" }
    if #rest < 5 then return err(missing[#rest + 1] .. "\n" .. usage_mod.text(prog):sub(1, -2)) end
    local ent, addr, generic, specific, up = rest[1], rest[2], rest[3], rest[4], rest[5]
    if ent ~= "" and not check_oid(ent) then
      io.stderr:write(usage_mod.text(prog))
      return 1
    end
    t.enterprise = ent
    t.agent_addr = addr
    if addr ~= "" and not addr:match("^%d+%.%d+%.%d+%.%d+$") then
      return err("unknown host: " .. addr)
    end
    -- atoi, as snmptrap reads them
    t.generic = args.atoi(generic)
    t.specific = args.atoi(specific)
    t.uptime = up
    first = 6
  else
    if #rest < 1 then return err("Missing up-time parameter\n" .. usage_mod.text(prog):sub(1, -2)) end
    if #rest < 2 then return err("Missing trap-oid parameter\n" .. usage_mod.text(prog):sub(1, -2)) end
    t.uptime = rest[1]
    if not check_oid(rest[2]) then return 1 end
    t.trap_oid = rest[2]
    first = 3
  end
  -- atol, as snmptrap reads it
  if t.uptime ~= "" then t.uptime = tostring(args.atoi(t.uptime)) end
  t.varbinds = triples(rest, first, o.I)
  if not t.varbinds then return 1 end
  local rc = 0
  local ok, perr = pcall(function()
    local done, e = mw.run(function()
      local res, e
      if inform and so.version == "3" then
        -- an acknowledgement whose digest fails: one line each, as
        -- snmpinform's usm_process_in_msg logs them
        local v3 = require "moonwalk.v3"
        local seen = v3.stats().usmStatsWrongDigests or 0
        res, e = notify.inform(t)
        for _ = seen + 1, v3.stats().usmStatsWrongDigests or 0 do
          io.stderr:write("Authentication failed for ", so.user, "\n")
        end
      elseif inform then
        res, e = notify.inform(t)
      else
        res, e = notify.trap(t)
      end
      if not res then
        -- snmp_sess_perror("snmpinform" / "snmptrap")
        local who = inform and "snmpinform" or "snmptrap"
        if e and e.kind == "timeout" then
          io.stderr:write(who, ": Timeout\n")
        else
          io.stderr:write(who, ": ", tostring(e and e.message or e), "\n")
        end
        rc = 1
      end
      return true
    end)
    if not done then error(e or "stopped", 0) end
  end)
  if not ok then
    io.stderr:write("moonwalk ", prog, ": ", tostring(perr):gsub("^[^:]*:%d+: ", ""), "\n")
    return 1
  end
  return rc
end

return M
