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

local M = {}

local usage = [[
USAGE: moonwalk %s [OPTIONS] AGENT TRAP-PARAMETERS

  -v 1 TRAP-PARAMETERS:
	 enterprise-oid agent trap-type specific-type uptime [OID TYPE VALUE]...
  or
  -v 2c|3 TRAP-PARAMETERS:
	 uptime trapoid [OID TYPE VALUE] ...
  -Ci  send an INFORM instead of a TRAP]]

local function err(msg, code)
  io.stderr:write(msg, "\n")
  return code or 1
end

local function check_oid(s)
  local ok, e = pcall(core.oid, s)
  if ok then return true end
  e = tostring(e):gsub("^bad argument #%d to '[^']*' %((.*)%)$", "%1")
  if e:find("Unknown Object Identifier", 1, true) then
    io.stderr:write(s, ": Unknown Object Identifier (Sub-id not found: (top) -> ", s, ")\n")
  else
    io.stderr:write(s, ": ", e, "\n")
  end
  return false
end

-- OID TYPE VALUE triples -> varbinds, or nil after printing the error
local function triples(rest, from)
  local vbs = {}
  local i = from
  while i <= #rest do
    local oid, t, v = rest[i], rest[i + 1], rest[i + 2]
    if not check_oid(oid) then return nil end
    if t == nil or v == nil then
      io.stderr:write(oid, ": Missing type/value for variable\n")
      return nil
    end
    if #t ~= 1 or not session_mod.letters[t] then
      io.stderr:write(oid, ": Bad variable type (\"", t, "\")\n")
      return nil
    end
    if t == "x" then v = v:gsub("%s", "") end
    vbs[#vbs + 1] = { oid, t, v }
    i = i + 3
  end
  return vbs
end

function M.main(argv, cmd)
  local prog = cmd or "trap"
  local o, rest = args.parse(argv)
  if not o then return err(rest .. "\n" .. usage:format(prog)) end
  if o.h then io.stderr:write(usage:format(prog), "\n") return 0 end
  if o.V then print("moonwalk " .. core.version) return 0 end
  if o.d then mw.log.set_level("debug") end
  -- snmptrap knows one -C letter, i (send an INFORM)
  local bad = o.C:match("[^i]")
  if bad then return err("Unknown flag passed to -C: " .. bad) end
  local cf = args.cflags(o.C)
  local inform = prog == "inform" or cf.i
  common.setup_mibs(o)
  if inform and not o.v then o.v = "2c" end
  local agent = table.remove(rest, 1)
  if not agent then return err("No hostname specified.\n" .. usage:format(prog)) end
  local so, serr = common.session_opts(o, agent)
  if not so then return err(serr) end
  if inform and so.version == "1" then return err("Cannot send INFORM as SNMPv1 PDU") end
  local t = { version = so.version }
  for k, v in pairs(so) do t[k] = v end
  local first
  if so.version == "1" then
    if #rest < 1 then return err("No enterprise oid\n" .. usage:format(prog)) end
    if #rest < 5 then return err("Missing parameters\n" .. usage:format(prog)) end
    local ent, addr, generic, specific, up = rest[1], rest[2], rest[3], rest[4], rest[5]
    if ent ~= "" and not check_oid(ent) then return 1 end
    t.enterprise = ent
    t.agent_addr = addr
    if addr ~= "" and not addr:match("^%d+%.%d+%.%d+%.%d+$") then
      return err("unknown host: " .. addr)
    end
    t.generic = math.tointeger(tonumber(generic))
    t.specific = math.tointeger(tonumber(specific))
    if not t.generic or not t.specific then return err("Invalid trap type or specific type\n" .. usage:format(prog)) end
    t.uptime = up
    first = 6
  else
    if #rest < 2 then return err("Missing trap-oid parameter\n" .. usage:format(prog)) end
    t.uptime = rest[1]
    if not check_oid(rest[2]) then return 1 end
    t.trap_oid = rest[2]
    first = 3
  end
  if t.uptime ~= "" and not math.tointeger(tonumber(t.uptime)) then
    return err("Invalid uptime: " .. t.uptime)
  end
  t.varbinds = triples(rest, first)
  if not t.varbinds then return 1 end
  local rc = 0
  local ok, perr = pcall(function()
    local done, e = mw.run(function()
      local res, e
      if inform then res, e = notify.inform(t) else res, e = notify.trap(t) end
      if not res then
        if e and e.kind == "timeout" then
          io.stderr:write("moonwalk ", prog, ": Timeout\n")
        else
          io.stderr:write("moonwalk ", prog, ": ", tostring(e and e.message or e), "\n")
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
