-- Our v3 originator (mw.trap/mw.inform and moonwalk trap|inform with -v 3)
-- into net-snmp's snmptrapd and into our own receiver.
local mw = require "moonwalk"
local td = require "snmptrapd"
local R = require "run"

local BIN = os.getenv("MOONWALK_BIN") or "build/moonwalk"
local LINKDOWN = "1.3.6.1.6.3.1.1.5.3"
local APASS, PPASS = "authpass123", "privpass123"
local SENDER_EID = "80000000050102030405060708"

describe("moonwalk v3 -> net-snmp snmptrapd", function()
  local d
  setup(function()
    d = td.start{ extra = {
      -- a v3 trap's keys are localised for the sender's engine ID; an
      -- inform's for snmptrapd's own
      "createUser -e 0x" .. SENDER_EID .. " ops SHA-256 authpass123 AES privpass123",
      "createUser ops SHA-256 authpass123 AES privpass123",
    } }
  end)
  teardown(function() if d then d:cleanup() end end)

  it("moonwalk trap -v 3 (authPriv, -e) and inform -v 3 (after discovery) arrive", function()
    local v3 = "-v 3 -u ops -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123"
    local rc, out, err = td.spawn(string.format("%s trap %s -e %s %s 11 %s 1.3.6.1.2.1.1.5.0 s 'v3 trap from moonwalk'",
      BIN, v3, SENDER_EID, d.addr, LINKDOWN)):wait(10)
    assert.same({ 0, "", "" }, { rc, out, err })
    rc, out, err = td.spawn(string.format("%s inform %s %s 12 %s 1.3.6.1.2.1.1.5.0 s 'v3 inform from moonwalk'",
      BIN, v3, d.addr, LINKDOWN)):wait(10)
    assert.same({ 0, "", "" }, { rc, out, err })
    local log = assert(d:wait_for("v3 trap from moonwalk"), d:log())
    assert.matches("iso.3.6.1.2.1.1.3.0 = Timeticks: (11) 0:00:00.11\tiso.3.6.1.6.3.1.1.4.1.0 = OID: iso.3.6.1.6.3.1.1.5.3\t"
      .. "iso.3.6.1.2.1.1.5.0 = STRING: \"v3 trap from moonwalk\"", log, 1, true)
    log = assert(d:wait_for("v3 inform from moonwalk"), d:log())
    assert.matches("iso.3.6.1.2.1.1.3.0 = Timeticks: (12) 0:00:00.12", log, 1, true)
  end)

  it("trap -v 3 -e EID -Z BOOTS,TIME sends under those, as snmptrap (-3Z too)", function()
    td.run(function()
      local core = mw.core
      local got = {}
      local sock = assert(core.udp_open("udp:127.0.0.1:0", function(data) got[#got + 1] = data end))
      local port = sock:port()
      local v3 = "-v 3 -u ops -l authNoPriv -a SHA-256 -A authpass123 -e " .. SENDER_EID
      for i, z in ipairs { "-Z 7,1000", "-3Z 9,4242" } do
        for _, tool in ipairs { "snmptrap", BIN .. " trap" } do
          local rc, out, err = td.spawn(string.format("%s %s %s 127.0.0.1:%d 11 %s", tool, v3, z, port, LINKDOWN)):wait(10)
          assert.same({ 0, "", "" }, { rc, out, err })
        end
        assert.is_true(td.wait_until(function() return #got == 2 * i end))
        local boots, time = z:match("(%d+),(%d+)")
        for k = 2 * i - 1, 2 * i do
          local m = assert(mw.decode(got[k]))
          assert.equal(SENDER_EID, mw.hex(m.engine_id))
          assert.equal(tonumber(boots), m.engine_boots)
          assert.is_true(m.engine_time >= tonumber(time) and m.engine_time <= tonumber(time) + 2, m.engine_time)
        end
      end
      sock:close()
    end)
  end)

  -- acknowledgements whose digest does not verify (a relay flips a bit of
  -- each authenticated reply's digest): snmpinform and moonwalk inform
  -- print one "Authentication failed for USER" per reply, then time out
  it("inform -v 3: an acknowledgement with a wrong digest is reported as snmpinform does", function()
    local dir = td.tmpdir()
    local port = d.addr:match(":(%d+)$")
    -- --grace 1: the relay's task waits for ever, SIGTERM ends it 1 s later
    local ph = io.popen(string.format("MIBS= %s run --grace 1 tests/support/digest_proxy.lua -- %s >%s/port 2>%s/err & echo $!",
      BIN, port, dir, dir))
    local pid = ph:read("l")
    ph:close()
    local relay
    for _ = 1, 50 do
      relay = tonumber(td.slurp(dir .. "/port") or "")
      if relay then break end
      os.execute("sleep 0.1")
    end
    local ok, why = pcall(function()
      assert.is_number(relay)
      local args = string.format("-v 3 -u ops -l authPriv -a SHA-256 -A authpass123 -x AES -X privpass123 -t 0.3 -r 2 "
        .. "127.0.0.1:%d 13 %s 1.3.6.1.2.1.1.5.0 s 'v3 inform through the relay'", relay, LINKDOWN)
      local function run(cmd)
        local out = dir .. "/out"
        local rc = select(3, os.execute(cmd .. " >" .. out .. " 2>" .. out .. ".err"))
        return rc, td.slurp(out), td.slurp(out .. ".err")
      end
      local nrc, nout, nerr = run("snmpinform " .. args)
      local mrc, mout, merr = run(BIN .. " inform " .. args)
      assert.same({ nrc, nout }, { mrc, mout })
      -- the discovery's Report is not authenticated; each of the 3 tries
      -- of the inform gets an acknowledgement that fails: 3 lines from both
      local _, nn = nerr:gsub("Authentication failed for ops\n", "")
      local _, mn = merr:gsub("Authentication failed for ops\n", "")
      assert.same({ 3, 3 }, { nn, mn }, nerr .. merr)
      -- then the timeout (net-snmp appends the text of the last decoding
      -- error it saw; a deliberate difference, see the README)
      assert.matches("\nsnmpinform: Timeout %(", nerr)
      assert.equal(("Authentication failed for ops\n"):rep(3) .. "snmpinform: Timeout\n", merr)
    end)
    local gone = R.stop_term(pid)
    local log = td.slurp(dir .. "/err") or ""
    os.execute("rm -rf " .. dir)
    assert(ok, why)
    assert(gone, "the relay was still running 5 s after SIGTERM (killed); its log:\n" .. log)
  end)
end)

local USERS = {
  { name = "sha-aes", auth = "SHA", priv = "AES" },
  { name = "sha256-aes256", auth = "SHA-256", priv = "AES-256" },
  { name = "md5-des", auth = "MD5", priv = "DES" },
}

local function v3args(u)
  return string.format("-v 3 -u %s -a %s -A %s -l authPriv -x %s -X %s", u.name, u.auth, APASS, u.priv, PPASS)
end

local function collect(rx)
  local notes = {}
  rx:on(function(n) notes[#notes + 1] = n end)
  return notes
end

describe("moonwalk v3 trap|inform -> moonwalk trapd", function()
  it("arrive, traps with the sender's engine ID, informs after discovery", function()
    td.with_rx({ users = { "sha-aes:SHA:" .. APASS .. ":AES:" .. PPASS, "sha256-aes256:SHA-256:" .. APASS .. ":AES-256:" .. PPASS,
                       "md5-des:MD5:" .. APASS .. ":DES:" .. PPASS }, engine_id = "8000000005aabbccdd" },
    function(rx)
      local notes = collect(rx)
      local peer = "127.0.0.1:" .. rx.port
      local base = { peer = peer, version = "3", user = "sha-aes", level = "authPriv", auth = "SHA",
                     auth_pass = APASS, priv = "AES", priv_pass = PPASS, trap_oid = LINKDOWN }
      local function with(t) local o = {} for k, v in pairs(base) do o[k] = v end for k, v in pairs(t) do o[k] = v end return o end
      assert(mw.trap(with{ engine_id = mw.fromhex("8000000005010203040506"), varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "t1" } } }))
      assert(mw.trap(with{ varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "t2" } } }))
      local vbs, err = mw.inform(with{ timeout = 1, varbinds = { { "1.3.6.1.2.1.1.5.0", "s", "i1" } } })
      assert(vbs, err and err.message)
      local rc, out, e2 = td.spawn(string.format("%s trap %s -e 80000000050a0b0c0d %s '' %s 1.3.6.1.2.1.1.5.0 s t3",
        BIN, v3args(USERS[2]), peer, LINKDOWN)):wait(10)
      assert.same({ 0, "", "" }, { rc, out, e2 })
      rc, out, e2 = td.spawn(string.format("%s inform %s %s '' %s 1.3.6.1.2.1.1.5.0 s i2",
        BIN, v3args(USERS[3]), peer, LINKDOWN)):wait(10)
      assert.same({ 0, "", "" }, { rc, out, e2 })
      assert.is_true(td.wait_until(function() return #notes == 5 end))
      local by = {}
      for _, n in ipairs(notes) do by[n.varbinds[3].value] = n end
      assert.equal("8000000005010203040506", by.t1.engine_id)
      assert.equal("authPriv", by.t1.security_level)
      assert.equal(mw.hex(require("moonwalk.notify").engine_id()), by.t2.engine_id)
      assert.equal("inform", by.i1.type)
      assert.equal("8000000005aabbccdd", by.i1.engine_id)
      assert.equal("80000000050a0b0c0d", by.t3.engine_id)
      assert.equal("sha256-aes256", by.t3.user)
      assert.equal("md5-des", by.i2.user)
      assert.equal("inform", by.i2.type)
      -- a wrong password: the receiver reports it, the inform fails
      local nv, ierr = mw.inform(with{ auth_pass = "wrongpass123", timeout = 0.5, retries = 0 })
      assert.is_nil(nv)
      assert.truthy(ierr)
      assert.is_true(rx:stats().wrong_digests >= 1)
      assert.equal(5, #notes)
    end)
  end)
end)
