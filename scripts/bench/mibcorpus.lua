-- mibcorpus.lua DIR [N]: writes N (default 1200) synthetic vendor MIB
-- modules into DIR, for scripts/bench/mibload: each has a MODULE-IDENTITY,
-- textual conventions, scalars, two tables with indexes and enums,
-- notifications and conformance groups, with descriptions of the length
-- vendor MIBs have. Modules import from SNMPv2-SMI/TC/CONF and from the
-- module before them, so loading all of them also exercises IMPORTS.
-- Deterministic: the same N gives the same files.
local dir, n = arg[1], tonumber(arg[2] or 1200)
assert(dir, "usage: mibcorpus.lua DIR [N]")
os.execute("mkdir -p '" .. dir .. "'")
local words = { "the", "value", "of", "this", "object", "indicates", "number", "packets",
  "received", "interface", "when", "agent", "configured", "table", "entry", "state",
  "operational", "administrative", "counter", "since", "last", "reset", "device",
  "port", "module", "errors", "discarded", "because", "buffer", "exhausted" }
local seed = 12345
local function rnd(k)
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed % k + 1
end
local function text(nwords)
  local t = {}
  for i = 1, nwords do
    t[i] = words[rnd(#words)]
    if i % 12 == 0 then t[i] = t[i] .. "\n            " end
  end
  return table.concat(t, " ") .. "."
end
for m = 1, n do
  local name = string.format("BENCH-VENDOR%04d-MIB", m)
  local p = string.format("bv%d", m)
  local o = {}
  local function w(s) o[#o + 1] = s end
  w(name .. " DEFINITIONS ::= BEGIN\n\nIMPORTS\n")
  w("    MODULE-IDENTITY, OBJECT-TYPE, NOTIFICATION-TYPE, enterprises,\n")
  w("    Integer32, Counter32, Counter64, Gauge32, TimeTicks, IpAddress\n        FROM SNMPv2-SMI\n")
  w("    TEXTUAL-CONVENTION, DisplayString, RowStatus, TruthValue\n        FROM SNMPv2-TC\n")
  w("    MODULE-COMPLIANCE, OBJECT-GROUP, NOTIFICATION-GROUP\n        FROM SNMPv2-CONF")
  if m > 1 then
    w(string.format("\n    bv%dRoot FROM BENCH-VENDOR%04d-MIB", m - 1, m - 1))
  end
  w(";\n\n")
  w(string.format('%sRoot MODULE-IDENTITY\n    LAST-UPDATED "202601010000Z"\n    ORGANIZATION "Bench %d"\n', p, m))
  w(string.format('    CONTACT-INFO "noc@example.invalid"\n    DESCRIPTION\n        "%s"\n', text(80)))
  w(string.format("    ::= { enterprises %d }\n\n", 50000 + m))
  w(string.format("%sStatus ::= TEXTUAL-CONVENTION\n    STATUS current\n    DESCRIPTION\n        \"%s\"\n", p:gsub("^%l", string.upper), text(40)))
  w("    SYNTAX INTEGER { up(1), down(2), testing(3), unknown(4), dormant(5) }\n\n")
  local objs = {}
  for s = 1, 8 do
    local on = string.format("%sScalar%d", p, s)
    objs[#objs + 1] = on
    w(string.format("%s OBJECT-TYPE\n    SYNTAX %s\n    MAX-ACCESS read-only\n    STATUS current\n", on,
      ({ "Integer32", "Counter32", "Gauge32", "DisplayString", "TimeTicks", "Counter64", "IpAddress", "TruthValue" })[s]))
    w(string.format('    DESCRIPTION\n        "%s"\n    ::= { %sRoot %d }\n\n', text(50), p, s))
  end
  for t = 1, 2 do
    local tn = string.format("%sTable%d", p, t)
    local en = string.format("%sEntry%d", p, t)
    local Et = en:gsub("^%l", string.upper)
    w(string.format('%s OBJECT-TYPE\n    SYNTAX SEQUENCE OF %s\n    MAX-ACCESS not-accessible\n    STATUS current\n    DESCRIPTION\n        "%s"\n    ::= { %sRoot %d }\n\n',
      tn, Et, text(40), p, 10 + t))
    w(string.format('%s OBJECT-TYPE\n    SYNTAX %s\n    MAX-ACCESS not-accessible\n    STATUS current\n    DESCRIPTION\n        "%s"\n    INDEX { %sIndex%d }\n    ::= { %s 1 }\n\n',
      en, Et, text(20), p, t, tn))
    local cols = {}
    for c = 1, 12 do
      cols[c] = string.format("%sCol%dx%d", p, t, c)
    end
    cols[1] = string.format("%sIndex%d", p, t)
    w(Et .. " ::= SEQUENCE {\n")
    local syn = { "Integer32", "DisplayString", "Counter64", "Counter32", "Gauge32", "RowStatus",
      p:gsub("^%l", string.upper) .. "Status", "Integer32", "TimeTicks", "IpAddress", "TruthValue", "Counter64" }
    for c = 1, 12 do
      w(string.format("    %s %s%s\n", cols[c], syn[c]:gsub("^Integer32$", "Integer32"), c < 12 and "," or ""))
    end
    w("}\n\n")
    for c = 1, 12 do
      local s = syn[c]
      if c == 1 then s = "Integer32 (1..2147483647)" end
      objs[#objs + 1] = cols[c]
      w(string.format('%s OBJECT-TYPE\n    SYNTAX %s\n    MAX-ACCESS %s\n    STATUS current\n    DESCRIPTION\n        "%s"\n    ::= { %s %d }\n\n',
        cols[c], s, c == 1 and "not-accessible" or (c == 6 and "read-create" or "read-only"), text(45), en, c))
    end
  end
  w(string.format('%sNotifs OBJECT IDENTIFIER ::= { %sRoot 20 }\n\n', p, p))
  w(string.format('%sAlarm NOTIFICATION-TYPE\n    OBJECTS { %sScalar1, %sScalar2 }\n    STATUS current\n    DESCRIPTION\n        "%s"\n    ::= { %sNotifs 1 }\n\n',
    p, p, p, text(30), p))
  w(string.format('%sConf OBJECT IDENTIFIER ::= { %sRoot 30 }\n\n', p, p))
  local acc = {}
  for _, on in ipairs(objs) do
    if not on:match("Index") then acc[#acc + 1] = on end
  end
  w(string.format('%sGroup OBJECT-GROUP\n    OBJECTS { %s }\n    STATUS current\n    DESCRIPTION\n        "%s"\n    ::= { %sConf 1 }\n\n',
    p, table.concat(acc, ", "), text(20), p))
  w(string.format('%sNotifGroup NOTIFICATION-GROUP\n    NOTIFICATIONS { %sAlarm }\n    STATUS current\n    DESCRIPTION\n        "%s"\n    ::= { %sConf 2 }\n\n',
    p, p, text(20), p))
  w(string.format('%sCompliance MODULE-COMPLIANCE\n    STATUS current\n    DESCRIPTION\n        "%s"\n    MODULE\n        MANDATORY-GROUPS { %sGroup, %sNotifGroup }\n    ::= { %sConf 3 }\n\nEND\n',
    p, text(20), p, p, p))
  local f = assert(io.open(string.format("%s/%s.txt", dir, name), "w"))
  f:write(table.concat(o))
  f:close()
end
