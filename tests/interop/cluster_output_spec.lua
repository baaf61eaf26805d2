-- mw.output.nats against a real nats-server (lua/moonwalk/output.lua):
-- results published as JSON on their subjects into a JetStream stream,
-- read back by a consumer of that stream.
local nats = require "nats"
local R = require "run"

local ROOT = os.getenv("PWD")
local BIN = os.getenv("MOONWALK_BIN") or (ROOT .. "/build/moonwalk")
local ENV = "MOONWALK_LUADIR=" .. ROOT .. "/lua MIBS= "

local SCRIPT = [[
local mw = require "moonwalk"
local core = require "moonwalk.core"
local c = mw.cluster()
local out = mw.output.nats { subject = "moonwalk.poll.{job}.{target}" }
for i = 1, 3 do
  assert(out:write { job = "ifmib", target = "10.0.0." .. i, time = 1700000000 + i,
    values = { ifInOctets = mw.Counter64(1000 * i), sysName = "r" .. i } })
end
local got = {}
local reader
reader = core.nats_stream { servers = c.conn.servers, stream = "moonwalk_poll",
  subjects = { "moonwalk.poll.>" }, consume = "moonwalk.poll.>", durable = "check",
  on_event = function(kind, slot, data, delivered, id, subject)
    if kind ~= "msg" then return end
    reader:ack(slot)
    got[#got + 1] = subject .. " " .. data
    if #got == 3 then
      table.sort(got)
      print(table.concat(got, "\n"))
      -- the acknowledgements of the publishes may come after the messages
      mw.spawn(function()
        while out:stats().stored < 3 do mw.sleep(0.05) end
        local s = out:stats()
        print("stored " .. s.stored .. " dropped " .. s.dropped)
        io.stdout:flush()
        os.exit(0)
      end)
    end
  end }
mw.after(30, function() print("timeout") os.exit(1) end)
]]

describe("mw.output.nats (nats-server -js)", function()
  it("publishes each result as JSON on its subject into the stream", function()
    local server = nats.start {}
    local dir = R.sh("mktemp -d /tmp/moonwalk-output.XXXXXX"):gsub("%s+$", "")
    R.write(dir .. "/out.lua", SCRIPT)
    local out, err, code = R.run(string.format("cd %s && %s%s run --cluster %s --cluster-id o %s/out.lua",
      ROOT, ENV, BIN, server.url, dir))
    server:cleanup()
    os.execute("rm -rf " .. dir)
    assert.equal(0, code, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    assert.equal(4, #lines, out)
    local cjson = require "cjson"
    for i = 1, 3 do
      local subject, body = lines[i]:match("^(%S+) (.*)$")
      assert.equal("moonwalk.poll.ifmib.10_0_0_" .. i, subject)
      local r = cjson.decode(body)
      assert.equal("ifmib", r.job)
      assert.equal("10.0.0." .. i, r.target)
      assert.equal(1700000000 + i, r.time)
      assert.equal("r" .. i, r.values.sysName)
      assert.equal(1000 * i, tonumber(r.values.ifInOctets))
    end
    assert.equal("stored 3 dropped 0", lines[4])
  end)
end)
