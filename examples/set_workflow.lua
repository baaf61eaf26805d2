-- SET workflow: read, change, verify, and roll back on failure.
--
--   moonwalk run examples/set_workflow.lua -- peer=127.0.0.1:161 community=private \
--       set=1.3.6.1.2.1.1.4.0:s:noc@example.net set=1.3.6.1.2.1.1.6.0:s:Lab-2
--
-- The changes are applied one at a time, in order (as a change plan on a
-- device usually is: each step may depend on the one before). For each:
--   1. read the current value (kept for the rollback),
--   2. SET the new value,
--   3. read it back and compare.
-- When a SET fails or the value read back differs, the steps already
-- applied are undone in reverse order with their old values, and each undo
-- is verified too. Exit status: 0 changed, 1 rolled back, 2 rollback
-- incomplete (the device needs a person).
--
-- Options (key=value after --): peer, community (private), version (2c),
-- set=OID:TYPE:VALUE (repeatable; TYPE is a net-snmp letter: i u t a o s x
-- d c C, or a type name), timeout (2).
local mw = require "moonwalk"

local opt = { peer = "127.0.0.1:161", community = "private", version = "2c", timeout = "2" }
local plan = {}
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k == "set" then
    local oid, typ, val = v:match("^([^:]+):([^:]+):(.*)$")
    if not oid then error("set=OID:TYPE:VALUE expected, got " .. v, 0) end
    plan[#plan + 1] = { oid = oid, type = typ, value = val }
  elseif k then
    opt[k] = v
  end
end
if #plan == 0 then error("nothing to do: give set=OID:TYPE:VALUE", 0) end

local s = mw.session { peer = opt.peer, community = opt.community, version = opt.version,
                       timeout = tonumber(opt.timeout), retries = 1 }

local function say(fmt, ...) print(string.format(fmt, ...)) io.stdout:flush() end

local function read(oid)
  local vbs, err = s:get { oid }
  if not vbs then return nil, err end
  local vb = vbs[1]
  if vb.type == "noSuchObject" or vb.type == "noSuchInstance" then
    return nil, vb.type
  end
  return vb
end

-- the value as the agent returns it, for comparing with what we wrote
local function same(vb, step)
  local want = step.value
  if vb.type == "INTEGER" or vb.type == "Gauge32" or vb.type == "Counter32" or vb.type == "Timeticks"
     or vb.type == "Counter64" then
    return vb.value == math.tointeger(tonumber(want))
  elseif vb.type == "STRING" and step.type == "x" then
    return mw.tohex(vb.value) == want:gsub("[%s:]", ""):lower()
  end
  return tostring(vb.value) == tostring(want)
end

local function set(oid, typ, value)
  local vbs, err = s:set { { oid, typ, value } }
  if not vbs then return nil, err end
  return true
end

local done = {}   -- steps applied: { step, old varbind }

local function rollback(reason)
  say("FAILED: %s", reason)
  say("rolling back %d step(s)", #done)
  local clean = true
  for i = #done, 1, -1 do
    local step, old = done[i][1], done[i][2]
    local ok, err = set(step.oid, old.type, old.value)
    local back = ok and read(step.oid)
    if ok and back and back.value == old.value then
      say("undo   %s = %s: ok", step.oid, tostring(old.value))
    else
      clean = false
      say("undo   %s = %s: FAILED (%s)", step.oid, tostring(old.value), tostring(err or "value differs"))
    end
  end
  say(clean and "result: rolled back" or "result: ROLLBACK INCOMPLETE")
  return clean and 1 or 2
end

for _, step in ipairs(plan) do
  local old, err = read(step.oid)
  if not old then return rollback(string.format("cannot read %s: %s", step.oid, tostring(err))) end
  say("read   %s = %s", step.oid, tostring(old.value))
  local ok, serr = set(step.oid, step.type, step.value)
  if not ok then
    return rollback(string.format("set %s = %s: %s", step.oid, step.value, tostring(serr)))
  end
  done[#done + 1] = { step, old }
  say("set    %s = %s: ok", step.oid, step.value)
  local now, rerr = read(step.oid)
  if not now then return rollback(string.format("cannot read %s back: %s", step.oid, tostring(rerr))) end
  if not same(now, step) then
    return rollback(string.format("%s reads back as %s, not %s", step.oid, tostring(now.value), step.value))
  end
  say("verify %s: ok", step.oid)
end
say("result: changed %d object(s)", #done)
return 0
