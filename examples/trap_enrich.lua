-- Trap handler: enriches a linkDown with a GET of ifDescr from the agent
-- that sent it, and forwards it as one JSON line.
--
--   moonwalk run examples/trap_enrich.lua -- listen=udp:0.0.0.0:162 agent_port=161
--
-- For each linkDown (1.3.6.1.6.3.1.1.5.3, or its SNMPv1 form) the handler
-- takes ifIndex from the trap's varbinds, asks the sender for ifDescr and
-- ifAlias of that interface, and writes
--   {"event":"linkDown","source":"10.0.0.1","ifIndex":3,"ifDescr":"eth2",...}
-- to stdout (or appends it to `out=FILE`, or POSTs it to `forward=URL`).
-- When the agent does not answer, the event still goes out, with
-- "enrich_error" set. Other notifications are written as they came.
--
-- Options (key=value after --): listen, community (public, for traps and
-- for the GET), agent_port (161), out, forward.
local mw = require "moonwalk"

local opt = { listen = "udp:127.0.0.1:1162", community = "public", agent_port = "161" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local IFINDEX = "1.3.6.1.2.1.2.2.1.1."
local IFDESCR = "1.3.6.1.2.1.2.2.1.2."
local IFALIAS = "1.3.6.1.2.1.31.1.1.1.18."
local IFOPER = "1.3.6.1.2.1.2.2.1.8."

local out = mw.json.lines(opt.out)

local function forward(event)
  if opt.forward then
    local status, body = mw.core.http_request {
      method = "POST", url = opt.forward, body = mw.json.encode(event),
      headers = { ["Content-Type"] = "application/json" }, timeout = 5,
    }
    if not status or status >= 300 then
      mw.log.warn("forwarding to %s failed: %s", opt.forward, tostring(status or body))
    end
  else
    assert(out:write(event))
  end
end

-- one session per agent, made on first use
local sessions = {}
local function session_for(addr)
  local s = sessions[addr]
  if not s then
    local peer = addr:find(":", 1, true) and ("udp6:[" .. addr .. "]:" .. opt.agent_port)
      or (addr .. ":" .. opt.agent_port)
    s = mw.session { peer = peer, community = opt.community, timeout = 1, retries = 1 }
    sessions[addr] = s
  end
  return s
end

local rx = assert(mw.trapd { listen = opt.listen, community = opt.community, stats_interval = 0 })

rx:on(LINKDOWN, function(n)
  local event = { event = "linkDown", source = n.source, time = n.time, version = n.version,
                  uptime = n.uptime }
  for _, vb in ipairs(n.varbinds) do
    local idx = vb.oid:match("^" .. IFINDEX:gsub("%.", "%%.") .. "(%d+)$")
    if idx then event.ifIndex = vb.value end
    local oper = vb.oid:match("^" .. IFOPER:gsub("%.", "%%.") .. "(%d+)$")
    if oper then event.ifOperStatus = vb.value end
  end
  if event.ifIndex then
    local vbs, err = session_for(n.source):get { IFDESCR .. event.ifIndex, IFALIAS .. event.ifIndex }
    if vbs then
      if vbs[1].type == "STRING" then event.ifDescr = vbs[1].value end
      if vbs[2].type == "STRING" and vbs[2].value ~= "" then event.ifAlias = vbs[2].value end
    else
      event.enrich_error = tostring(err)
    end
  else
    event.enrich_error = "no ifIndex in the trap"
  end
  forward(event)
end)

rx:default(function(n)
  forward { event = "notification", source = n.source, trap_oid = n.trap_oid, time = n.time,
            varbinds = n.varbinds }
end)

mw.log.info("waiting for traps on %s", table.concat(rx:addresses(), ", "))
