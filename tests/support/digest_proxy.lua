-- A UDP relay between the tools and snmpd that breaks the digest of each
-- authenticated SNMPv3 reply (it flips a bit of msgAuthenticationParameters)
-- and passes everything else unchanged. Run with `moonwalk run` and the
-- agent's port as argument; prints the relay's port.
local core = require "moonwalk.core"
local agent = "udp:127.0.0.1:" .. assert(tonumber((...)), "agent port")

-- at a tag: the index of the value and its length (nil past the end)
local function tlv(b, i)
  local n = b:byte(i + 1)
  if not n then return nil end
  if n < 0x80 then return i + 2, n end
  local k, len = n & 0x7F, 0
  for j = 1, k do len = len * 256 + (b:byte(i + 1 + j) or 0) end
  return i + 2 + k, len
end

-- the index of the digest's first byte in an authenticated v3 message, or nil
local function digest_at(b)
  local i = tlv(b, 1)                                 -- SNMPv3Message
  if not i or b:sub(i, i + 2) ~= "\x02\x01\x03" then return nil end
  i = tlv(b, i + 3)                                   -- msgGlobalData
  local v, n
  for _ = 1, 2 do v, n = tlv(b, i); if not v then return nil end; i = v + n end -- msgID, msgMaxSize
  v, n = tlv(b, i)                                    -- msgFlags
  if not v or (b:byte(v) or 0) & 1 == 0 then return nil end
  i = v + n
  v, n = tlv(b, i); if not v then return nil end      -- msgSecurityModel
  i = v + n
  v = tlv(b, i); if not v then return nil end         -- msgSecurityParameters
  i = tlv(b, v); if not i then return nil end         -- UsmSecurityParameters
  for _ = 1, 4 do v, n = tlv(b, i); if not v then return nil end; i = v + n end -- engine, boots, time, user
  v, n = tlv(b, i)                                    -- msgAuthenticationParameters
  if v and n > 0 and v <= #b then return v end
  return nil
end

local front
local backs = {} -- client address -> its socket toward the agent
front = assert(core.udp_open("udp:127.0.0.1:0", function(data, client)
  local back = backs[client]
  if not back then
    back = assert(core.udp_open("udp:127.0.0.1:0", function(reply)
      local at = digest_at(reply)
      if at then
        reply = reply:sub(1, at - 1) .. string.char(reply:byte(at) ~ 1) .. reply:sub(at + 1)
      end
      front:send("udp:" .. client, reply)
    end))
    backs[client] = back
  end
  back:send(agent, data)
end))
io.stdout:write(front:port(), "\n")
io.stdout:flush()
-- the loop runs while a task waits: one that waits for ever (until killed)
local mw = require "moonwalk"
mw.spawn(function() while true do mw.sleep(3600) end end)
