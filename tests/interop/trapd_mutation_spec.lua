-- Malformed input at volume: real notifications captured from net-snmp's
-- snmptrap and snmpinform (v1, v2c, v3 at every level), mutated 20,000
-- times (bytes flipped, lengths broken, cut short, bytes inserted) and
-- sent at the receiver. It never crashes, every datagram lands in exactly
-- one counter, and it still works afterwards.
local mw = require "moonwalk"
local core = require "moonwalk.core"
local td = require "snmptrapd"

local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local EID = "8000000005aabbccdd"
local USERS = { "ops:SHA:authpass123:AES:privpass123", "mon:MD5:authpass456", "md:MD5:authpass456:DES:privpass456",
                "guest" }

-- Runs each net-snmp command against a socket that records what it gets.
local function capture(cmds)
  local got = {}
  td.run(function()
    local sock = assert(core.udp_open("udp:127.0.0.1:0", function(data) got[#got + 1] = data end))
    for _, c in ipairs(cmds) do
      local rc = td.spawn(string.format(c, sock:port())):wait(10)
      assert(rc ~= nil, c)
    end
    assert.is_true(td.wait_until(function() return #got >= #cmds end))
    sock:close()
  end)
  return got
end

local function mutate(p)
  local b = { p:byte(1, -1) }
  for _ = 1, math.random(1, 3) do
    local r = math.random(1, 6)
    local i = math.random(1, #b)
    if r == 1 then
      b[i] = b[i] ~ (1 << math.random(0, 7))            -- a bit
    elseif r == 2 then
      b[i] = math.random(0, 255)                          -- a byte
    elseif r == 3 then
      for j = #b, math.random(1, #b), -1 do b[j] = nil end -- cut short
    elseif r == 4 then
      table.insert(b, i, math.random(0, 255))            -- an extra byte
    elseif r == 5 then
      b[i] = ({ 0x80, 0x81, 0x84, 0x85, 0xff, 0x00, 0x7f })[math.random(1, 7)] -- a length
    else
      for j = i, math.min(#b, i + 8) do b[j] = 0 end      -- zeroes
    end
    if #b == 0 then b[1] = 0x30 end
  end
  local out = {}
  for k = 1, #b, 4096 do out[#out + 1] = string.char(table.unpack(b, k, math.min(#b, k + 4095))) end
  return table.concat(out)
end

describe("trapd under mutated input", function()
  it("takes 20,000 mutated notifications without crashing, counting each once", function()
    local v3 = "-v 3 -e 0x8000000001020304"
    local base = capture{
      "snmptrap -v 1 -c public 127.0.0.1:%d 1.3.6.1.4.1.8072.2.3 10.0.0.1 6 17 55 1.3.6.1.2.1.1.5.0 s box",
      "snmptrap -v 2c -c public 127.0.0.1:%d 42 " .. LINKDOWN .. " 1.3.6.1.2.1.2.2.1.1.3 i 3 1.3.6.1.2.1.1.5.0 s box",
      "snmpinform -v 2c -c public -t 0.1 -r 0 127.0.0.1:%d 42 " .. LINKDOWN .. " 1.3.6.1.2.1.1.5.0 s box",
      "snmptrap " .. v3 .. " -u ops -l authPriv -a SHA -A authpass123 -x AES -X privpass123 127.0.0.1:%d 1 " .. LINKDOWN
        .. " 1.3.6.1.2.1.1.5.0 s box",
      "snmptrap " .. v3 .. " -u mon -l authNoPriv -a MD5 -A authpass456 127.0.0.1:%d 1 " .. LINKDOWN,
      "snmptrap " .. v3 .. " -u md -l authPriv -a MD5 -A authpass456 -x DES -X privpass456 127.0.0.1:%d 1 " .. LINKDOWN,
      "snmptrap " .. v3 .. " -u guest -l noAuthNoPriv 127.0.0.1:%d 1 " .. LINKDOWN,
      -- informs to the receiver's engine ID (-e: no discovery); snmpinform
      -- then sends boots and time 0, in the window of a receiver at boots 0
      "snmpinform -v 3 -e 0x" .. EID .. " -u ops -l authPriv -a SHA -A authpass123 -x AES -X privpass123 "
        .. "-t 0.1 -r 0 127.0.0.1:%d 1 " .. LINKDOWN,
      "snmpinform -v 3 -e 0x" .. EID .. " -u mon -l authNoPriv -a MD5 -A authpass456 -t 0.1 -r 0 127.0.0.1:%d 1 "
        .. LINKDOWN,
    }
    math.randomseed(20260101)
    td.with_rx({ community = "public", users = USERS, engine_id = EID, boots = 0, queue = 100000 }, function(rx)
      local handled = 0
      rx:on(function() handled = handled + 1 end)
      local s = assert(core.udp_open("udp:127.0.0.1:0", function() end))
      local addr = "udp:127.0.0.1:" .. rx.port
      -- the originals first: each is accepted
      for _, p in ipairs(base) do assert(s:send(addr, p)) end
      assert.is_true(td.wait_until(function() return handled == #base end))
      local sent = 0
      for i = 1, 20000 do
        if s:send(addr, mutate(base[i % #base + 1])) then sent = sent + 1 end
        if i % 500 == 0 then mw.sleep(0.005) end -- let the receiver read
      end
      assert.is_true(td.wait_until(function()
        local st = rx:stats()
        return st.packets + st.dropped_socket >= #base + sent
      end, 20))
      local st = rx:stats()
      assert.equal(#base + sent, st.packets + st.dropped_socket)
      assert.equal(st.packets, st.received + st.dropped_queue + st.parse_errors + st.snmpInvalidMsgs + st.bad_versions
        + st.wrong_pdu + st.malformed + st.auth_failures + st.unknown_engine_ids)
      assert.equal(st.auth_failures, st.bad_community + st.unknown_users + st.unsupported_levels + st.wrong_digests
        + st.decryption_errors + st.unknown_sec_models + st.not_in_time_window)
      assert.is_true(st.parse_errors > 1000)
      assert.is_true(td.wait_until(function() return rx:stats().handled == rx:stats().received end))
      -- and a real one still arrives
      local last
      rx:on({ oid = LINKDOWN, match = function(n) return n.varbinds[3] and n.varbinds[3].value == "after" end },
        function(n) last = n end)
      local rc = td.spawn(string.format("snmptrap -v 2c -c public 127.0.0.1:%d 7 %s 1.3.6.1.2.1.1.5.0 s after",
        rx.port, LINKDOWN)):wait(10)
      assert.equal(0, rc)
      assert.is_true(td.wait_until(function() return last ~= nil end))
      s:close()
    end)
  end)
end)
