-- Walks and GETBULK: every option, against one agent.
--
--   moonwalk run examples/walk_options.lua -- peer=127.0.0.1:161 community=public
--
-- s:walk(root, opts)      GETNEXT, one varbind per request (works with v1)
-- s:bulkwalk(root, opts)  GETBULK, opts.max_repetitions varbinds per request
--                         (default: the session's max_repetitions, 10)
-- s:walk_all(root, opts)  a whole walk as a list, or nil, err
-- s:getbulk(oids, non_repeaters, max_repetitions)
--                         one GETBULK: the first non_repeaters OIDs get one
--                         GETNEXT each, the others max_repetitions each
-- Walk options:
--   max_repetitions = n   (bulkwalk) varbinds asked for per request
--   adaptive = false      (bulkwalk) by default a request that times out or
--                         answers tooBig is sent again with max_repetitions
--                         halved, down to 1, and the walk goes on at that
--                         size; adaptive = false ends the walk with the error
--   exceptions = true     keep endOfMibView / noSuchObject / noSuchInstance
--                         varbinds (left out by default)
--   non_increasing = "allow"  accept an agent that returns OIDs out of order
--                         (loops are still detected); default "error"
--   format = "-O letters" chunks of net-snmp's output lines instead of varbinds
--   budget = n            at most n varbinds (output lines with format); a walk
--                         cut there fails with err.kind "budget";
--                         a bulk walk asks for no more than the budget leaves,
--                         and walk_all returns nil, err with err.varbinds
--   end_oid = OID         the walk ends before this name instead of at the
--                         end of root's subtree (snmpwalk -CE); it may lie
--                         past the subtree
-- A walk's iterator gives varbinds, then nil; called directly, a failed
-- walk gives nil, err; in a for, the failure is raised (pcall it, or call
-- the iterator yourself, to go on). The agent side has its own limits: mw.agent{ max_repetitions = n }
-- caps the varbinds one GETBULK answers (100 by default, as net-snmp), and
-- budget = n the Lua instructions one getter may run.
local mw = require "moonwalk"

local opt = { peer = "127.0.0.1:161", community = "public", root = "1.3.6.1.2.1.1" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local s = mw.session { peer = opt.peer, community = opt.community, max_repetitions = 10 }

local function count(iter)
  local n, last = 0, nil
  while true do
    local vb, err = iter()
    if vb == nil then
      if err then return nil, err end
      return n, last
    end
    n, last = n + 1, vb
  end
end

mw.run(function()
  -- the same subtree three ways: same varbinds, fewer requests
  local sent = mw.stats().sent
  local n1 = assert(count(s:walk(opt.root)))
  local walk_req = mw.stats().sent - sent
  sent = mw.stats().sent
  local n2 = assert(count(s:bulkwalk(opt.root, { max_repetitions = 25 })))
  local bulk_req = mw.stats().sent - sent
  print(string.format("walk: %d varbinds in %d requests", n1, walk_req))
  print(string.format("bulkwalk max_repetitions=25: %d varbinds in %d requests", n2, bulk_req))
  local all = assert(s:walk_all(opt.root))
  print(string.format("walk_all: %d varbinds", #all))

  -- one GETBULK: sysDescr once (non-repeater), then 3 of the ifDescr column
  local vbs = assert(s:getbulk({ "1.3.6.1.2.1.1.1", "1.3.6.1.2.1.2.2.1.2" }, 1, 3))
  for i, vb in ipairs(vbs) do print(string.format("getbulk %d: %s", i, vb.oid)) end
  -- the same, options in the list
  vbs = assert(s:getbulk { "1.3.6.1.2.1.1.1", "1.3.6.1.2.1.2.2.1.2", non_repeaters = 1, max_repetitions = 3 })
  print(string.format("getbulk (options in the list): %d varbinds", #vbs))

  -- past the end of the agent's MIB: the endOfMibView varbind is kept
  local _, last = count(s:bulkwalk("2.999", { exceptions = true }))
  print("exceptions: last varbind " .. tostring(last and last.type))

  -- adaptive (the default) and not: the same walk here, as nothing is too big
  local n3 = assert(count(s:bulkwalk(opt.root, { max_repetitions = 1000, adaptive = false })))
  print(string.format("bulkwalk adaptive=false: %d varbinds", n3))

  -- budget: at most 5 varbinds, then the walk says it was cut
  local got = 0
  local cut = select(2, pcall(function()
    for _ in s:bulkwalk(opt.root, { budget = 5 }) do got = got + 1 end
  end))
  print(string.format("budget=5: %d varbinds, then %s (%s)", got, cut.kind, cut.message))
  local _, berr = s:walk_all(opt.root, { budget = 3 })
  print(string.format("walk_all budget=3: %d varbinds kept in err.varbinds", #berr.varbinds))

  -- end_oid: from sysDescr up to (not including) sysName
  local upto = assert(s:walk_all(opt.root, { bulk = false, end_oid = "1.3.6.1.2.1.1.5" }))
  print(string.format("end_oid: %d varbinds, the last %s", #upto, upto[#upto].oid))

  -- output lines as the CLI prints them
  local lines = 0
  for chunk, nlines in s:walk(opt.root, { format = "-On" }) do
    if not chunk then error(nlines) end
    lines = lines + nlines
    if lines == nlines then io.write("format: ", (chunk:match("[^\n]+")), "\n") end
  end
end)
