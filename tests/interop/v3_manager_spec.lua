-- SNMPv3 manager against net-snmp's snmpd: one USM user per combination
-- of {MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512} x {none, DES, AES,
-- AES-192, AES-256}. moonwalk's get/walk/bulkwalk output is compared line
-- by line with snmpget/snmpwalk/snmpbulkwalk -On (sysUpTime.0, which moves
-- between the two runs, by OID and type only); wrong password, unknown
-- user and a level the user does not have give net-snmp's errors; snmpd
-- restarted (engine boots + 1) under a live session.
local mw = require "moonwalk"
local snmpd = require "snmpd"
local R = require "run"

local AUTHS = { "MD5", "SHA", "SHA-224", "SHA-256", "SHA-384", "SHA-512" }
local PRIVS = { "none", "DES", "AES", "AES-192", "AES-256" }
local AP, PP = "authpass123", "privpass123"
local SUBTREE = ".1.3.6.1.2.1.1"
local UPTIME = ".1.3.6.1.2.1.1.3.0"

local function uname(a, p) return ("u-" .. a .. "-" .. p):lower() end

local function user_lines()
  local l = {}
  for _, a in ipairs(AUTHS) do
    for _, p in ipairs(PRIVS) do
      local u = uname(a, p)
      if p == "none" then
        l[#l + 1] = string.format('createUser %s %s "%s"', u, a, AP)
        l[#l + 1] = "rouser " .. u .. " auth"
      else
        l[#l + 1] = string.format('createUser %s %s "%s" %s "%s"', u, a, AP, p, PP)
        l[#l + 1] = "rouser " .. u .. " priv"
      end
    end
  end
  l[#l + 1] = 'createUser authonly SHA "' .. AP .. '"'
  l[#l + 1] = "rouser authonly auth"
  return l
end

-- net-snmp style USM options for a user
local function usm_args(a, p, over)
  over = over or {}
  local u = over.user or uname(a, p)
  local args = { "-v3", "-u", u, "-a", a, "-A", over.auth_pass or AP }
  if p == "none" then
    args[#args + 1] = "-l authNoPriv"
  else
    for _, x in ipairs { "-l authPriv", "-x", p, "-X", over.priv_pass or PP } do args[#args + 1] = x end
  end
  return table.concat(args, " ")
end

local function netsnmp(tool, args)
  return R.run("MIBS= " .. tool .. " -m '' " .. args)
end

-- Lines of both outputs must match; sysUpTime.0 only by OID and type.
local function same_lines(ours, theirs)
  local a, b = {}, {}
  for l in ours:gmatch("[^\n]+") do a[#a + 1] = l end
  for l in theirs:gmatch("[^\n]+") do b[#b + 1] = l end
  assert.equal(#b, #a)
  assert.is_true(#a > 0)
  for i = 1, #b do
    if b[i]:sub(1, #UPTIME + 3) == UPTIME .. " = " then
      assert.equal(b[i]:match("^(%S+ = %S+)"), a[i]:match("^(%S+ = %S+)"))
    else
      assert.equal(b[i], a[i])
    end
  end
end

local d

setup(function()
  d = snmpd.start { extra = user_lines() }
end)

teardown(function()
  if d then d:cleanup() end
end)

describe("v3 against snmpd: every auth/priv pair", function()
  for _, a in ipairs(AUTHS) do
    for _, p in ipairs(PRIVS) do
      it(a .. "/" .. p .. ": get and bulkwalk print what snmpget and snmpbulkwalk print", function()
        local args = usm_args(a, p) .. " -On " .. d.agent
        local objs = " .1.3.6.1.2.1.1.1.0 .1.3.6.1.2.1.1.2.0 .1.3.6.1.2.1.1.5.0"
        local out, err, code = R.mw("get " .. args .. objs)
        local nout, nerr, ncode = netsnmp("snmpget", args .. objs)
        assert.equal(nerr, err)
        assert.equal(ncode, code)
        assert.equal(0, code)
        assert.equal(nout, out)
        out, err, code = R.mw("bulkwalk " .. args .. " " .. SUBTREE)
        nout, nerr, ncode = netsnmp("snmpbulkwalk", args .. " " .. SUBTREE)
        assert.equal(nerr, err)
        assert.equal(0, code)
        assert.equal(ncode, code)
        same_lines(out, nout)
      end)
    end
  end

  it("walk (GETNEXT) prints what snmpwalk prints, SHA-512/AES-256 and MD5/DES", function()
    for _, ap in ipairs { { "SHA-512", "AES-256" }, { "MD5", "DES" } } do
      local args = usm_args(ap[1], ap[2]) .. " -On " .. d.agent .. " " .. SUBTREE
      local out, err, code = R.mw("walk " .. args)
      local nout, nerr, ncode = netsnmp("snmpwalk", args)
      assert.equal(nerr, err)
      assert.equal(ncode, code)
      same_lines(out, nout)
    end
  end)

  it("Lua API: 30 sessions at once, each gets sysName.0 and walks the subtree", function()
    local nout = netsnmp("snmpbulkwalk", usm_args("SHA", "AES") .. " -On " .. d.agent .. " " .. SUBTREE)
    local want = select(2, nout:gsub("\n", "\n"))
    local done = 0
    mw.run(function()
      local tasks = {}
      for _, a in ipairs(AUTHS) do
        for _, p in ipairs(PRIVS) do
          tasks[#tasks + 1] = mw.spawn(function()
            local s = mw.session { peer = d.agent, version = "3", user = uname(a, p), auth = a,
              auth_pass = AP, priv = p ~= "none" and p or nil, priv_pass = p ~= "none" and PP or nil }
            local vbs = assert(s:get "1.3.6.1.2.1.1.5.0")
            assert.equal("STRING", vbs[1].type)
            local all = assert(s:walk_all "1.3.6.1.2.1.1")
            assert.equal(want, #all)
            done = done + 1
          end)
        end
      end
      mw.wait_all(tasks)
    end)
    assert.equal(30, done)
  end)

  it("-e (engine ID given, no discovery), -3m and -3k keys give the same output as net-snmp", function()
    local eid = mw.hex(assert(mw.run(function()
      return mw.session { peer = d.agent, version = "3" }:engine_id()
    end)))
    local c = mw.core
    local mk = mw.hex(c.usm_password_to_key("SHA-256", AP))
    local mkp = mw.hex(c.usm_password_to_key("SHA-256", PP))
    local lk = assert(c.usm_keys("SHA-256", "AES", AP, PP, mw.fromhex(eid)))
    local u = " -v3 -u u-sha-256-aes -l authPriv -a SHA-256 -x AES -On "
    for _, extra in ipairs {
      "-A " .. AP .. " -X " .. PP .. " -e " .. eid,
      "-3m " .. mk .. " -3M " .. mkp,
      "-e " .. eid .. " -3k " .. mw.hex(lk.auth_key) .. " -3K " .. mw.hex(lk.priv_key),
    } do
      local args = u .. extra .. " " .. d.agent .. " .1.3.6.1.2.1.1.5.0"
      local out, err, code = R.mw("get" .. args)
      local nout, nerr, ncode = netsnmp("snmpget", args)
      assert.equal(nerr, err)
      assert.equal(0, ncode)
      assert.equal(ncode, code)
      assert.equal(nout, out)
    end
  end)

  it("-Z BOOTS,TIME and -3Z, with and without -e: requests go out as snmpget sends them", function()
    local eid, boots, etime
    mw.run(function()
      local s = mw.session { peer = d.agent, version = "3" }
      eid = mw.hex(assert(s:engine_id()))
      boots, etime = s:engine_time()
    end)
    assert.is_true(boots >= 1)
    -- -d dumps every packet sent: with -e the request goes out with boots
    -- and time 0 (snmpget's requests do not use -Z's values then), the
    -- agent's notInTimeWindow report resynchronises, and the request is
    -- sent again. Both tools, the same count and the same answer.
    local function sends(tool, args)
      local out, err, code
      if tool == "moonwalk" then out, err, code = R.mw("get " .. args)
      else out, err, code = netsnmp("snmpget", args) end
      local _, n = (out .. err):gsub("Sending %d+ bytes to", "")
      return n, code, out:match("[^\n]*STRING[^\n]*")
    end
    local base = usm_args("SHA-256", "AES") .. " -d -On "
    local tail = " " .. d.agent .. " .1.3.6.1.2.1.1.5.0"
    for _, case in ipairs {
      { "-e " .. eid, 2 },
      { "-e " .. eid .. " -Z " .. boots .. "," .. (etime + 1), 2 },
      { "-e " .. eid .. " -3Z " .. boots .. "," .. (etime + 1), 2 },
      -- no -e: discovery, then -Z's values replace the agent's: the
      -- agent's own go through at once, zeros take a resynchronisation
      { "-Z " .. boots .. "," .. (etime + 1), 2 },
      { "-Z 0,5", 3 },
      { "-Z 0,0", 2 }, -- zeros are no values (snmpv3_engineID_probe)
    } do
      local n, code, line = sends("moonwalk", base .. case[1] .. tail)
      local nn, ncode, nline = sends("net-snmp", base .. case[1] .. tail)
      assert.equal(case[2], nn, "net-snmp, " .. case[1])
      assert.equal(case[2], n, "moonwalk, " .. case[1])
      assert.equal(0, code)
      assert.equal(ncode, code)
      assert.is_not_nil(line)
      assert.equal(nline, line)
    end
  end)

  it("IPv6: an authPriv session over udp6", function()
    local args = usm_args("SHA-256", "AES") .. " -On " .. d.agent6 .. " .1.3.6.1.2.1.1.5.0"
    local out, _, code = R.mw("get " .. args)
    local nout = netsnmp("snmpget", args)
    assert.equal(0, code)
    assert.equal(nout, out)
  end)
end)

describe("v3 against snmpd: errors as net-snmp prints them", function()
  local obj = " .1.3.6.1.2.1.1.5.0"

  local function same_error(tool, cmd, args, want)
    local out, err, code = R.mw(cmd .. " " .. args)
    local nout, nerr, ncode = netsnmp(tool, args)
    assert.equal(want, nerr)
    assert.equal(nerr, err)
    assert.equal(nout, out)
    assert.equal(ncode, code)
    assert.equal(1, code)
  end

  it("wrong authentication pass phrase: Authentication failure", function()
    local args = usm_args("SHA-256", "AES", { auth_pass = "wrongpass1" }) .. " " .. d.agent .. obj
    same_error("snmpget", "get", args, "snmpget: Authentication failure (incorrect password, community or key)\n")
  end)

  it("unknown user: Unknown user name", function()
    local args = usm_args("SHA", "AES", { user = "nosuchuser" }) .. " " .. d.agent .. obj
    same_error("snmpget", "get", args, "snmpget: Unknown user name\n")
  end)

  it("a level the user does not have: Unsupported security level", function()
    local args = usm_args("SHA", "AES", { user = "authonly" }) .. " " .. d.agent .. obj
    same_error("snmpget", "get", args, "snmpget: Unsupported security level\n")
  end)

  it("the same three errors from walk and bulkwalk", function()
    for _, t in ipairs { { "snmpwalk", "walk" }, { "snmpbulkwalk", "bulkwalk" } } do
      same_error(t[1], t[2], usm_args("SHA-256", "AES", { auth_pass = "wrongpass1" }) .. " " .. d.agent .. " " .. SUBTREE,
        t[1] .. ": Authentication failure (incorrect password, community or key)\n")
      same_error(t[1], t[2], usm_args("SHA", "AES", { user = "nosuchuser" }) .. " " .. d.agent .. " " .. SUBTREE,
        t[1] .. ": Unknown user name\n")
      same_error(t[1], t[2], usm_args("SHA", "AES", { user = "authonly" }) .. " " .. d.agent .. " " .. SUBTREE,
        t[1] .. ": Unsupported security level\n")
    end
  end)

  it("wrong privacy pass phrase: snmpd drops the request, both time out", function()
    local args = "-t 0.3 -r 0 " .. usm_args("SHA", "AES", { priv_pass = "wrongpriv1" }) .. " " .. d.agent .. obj
    same_error("snmpget", "get", args, "Timeout: No Response from " .. d.agent .. ".\n")
  end)

  it("Lua API: the report's kind, message and counter", function()
    mw.run(function()
      local s = mw.session { peer = d.agent, version = "3", user = "u-sha-aes", auth = "SHA",
                             auth_pass = "wrongpass1", priv = "AES", priv_pass = PP }
      local vbs, err = s:get "1.3.6.1.2.1.1.5.0"
      assert.is_nil(vbs)
      assert.equal("report", err.kind)
      assert.equal("Authentication failure (incorrect password, community or key)", err.message)
      assert.equal("usmStatsWrongDigests", err.status)
    end)
  end)
end)

describe("v3 command line: bad settings are refused as snmpget refuses them", function()
  local cases = {
    "-u x -e zz", "-u x -e 0102", "-u x -E zz", "-u x -l authNoPriv -a SHA -3m zz",
    "-u x -l authNoPriv -a SHA -3k 01g2", "-u x -l foo", "-u x -a FOO -A " .. AP,
    "-u x -l authPriv -a SHA -A " .. AP .. " -x FOO -X " .. PP,
  }
  for _, args in ipairs(cases) do
    it(args, function()
      local cmd = "-v3 -t 0.1 -r 0 " .. args .. " 127.0.0.1:9 .1.3.6.1.2.1.1.5.0"
      local out, err, code = R.mw("get " .. cmd)
      local _, nerr = netsnmp("snmpget", cmd)
      assert.equal("", out)
      -- the message, then the usage text, as snmpget (which names itself)
      assert.equal(nerr:match("^[^\n]*\n"), err:match("^[^\n]*\n"))
      assert.equal(nerr:gsub("USAGE: snmpget ", "USAGE: moonwalk get "):gsub("\n  Version:  [^\n]*", "")
        :gsub("\n    %(default: [^\n]*%)", ""),
        (err:gsub("\n  Version:  [^\n]*", ""):gsub("\n    %(default: [^\n]*%)", "")))
      assert.equal(1, code)
    end)
  end

  it("a pass phrase under 8 characters is refused before anything is sent", function()
    local cmd = "-v3 -u x -l authNoPriv -a SHA -A short 127.0.0.1:9 .1.3.6.1.2.1.1.5.0"
    local _, err, code = R.mw("get " .. cmd)
    local _, nerr = netsnmp("snmpget", cmd)
    assert.equal("Error: passphrase chosen is below the length requirements of the USM (min=8).\n"
      .. "snmpget:  (The supplied password length is too short.)\n"
      .. "Error generating a key (Ku) from the supplied authentication pass phrase. \n", err)
    assert.equal(nerr, err)
    assert.equal(1, code)
  end)

  it("no user: snmpget's message", function()
    local _, err, code = R.mw("get -v3 -t 0.1 -r 0 " .. d.agent .. " .1.3.6.1.2.1.1.5.0")
    local _, nerr = netsnmp("snmpget", "-v3 -t 0.1 -r 0 " .. d.agent .. " .1.3.6.1.2.1.1.5.0")
    assert.equal("snmpget: No securityName specified\n", nerr)
    assert.equal(nerr, err)
    assert.equal(1, code)
  end)
end)

describe("v3 against snmpd: engine ID", function()
  it("moonwalk engineid prints snmpEngineID.0 in lowercase hex, with no credentials", function()
    local out, err, code = R.mw("engineid " .. d.agent)
    assert.equal("", err)
    assert.equal(0, code)
    local nout = netsnmp("snmpget", "-v2c -c public -On -Ox " .. d.agent .. " .1.3.6.1.6.3.10.2.1.1.0")
    local hexs = nout:match("Hex%-STRING: (.-)%s*$"):gsub("%s", ""):lower()
    assert.equal(hexs .. "\n", out)
    out, err, code = R.mw("engineid " .. d.agent6)
    assert.equal(hexs .. "\n", out)
  end)

  it("moonwalk engineid of a silent agent times out like net-snmp", function()
    local port = mw.core.free_udp_port()
    local _, err, code = R.mw("engineid -t 0.2 -r 1 127.0.0.1:" .. port)
    assert.equal("Timeout: No Response from 127.0.0.1:" .. port .. ".\n", err)
    assert.equal(1, code)
  end)
end)

describe("v3 against snmpd: engine boots", function()
  it("snmpd restarted (engine boots + 1): the same session resynchronises by itself", function()
    local e = snmpd.start { ipv6 = false, extra = {
      'createUser boots SHA-256 "' .. AP .. '" AES "' .. PP .. '"', "rouser boots priv" } }
    local ok, perr = pcall(mw.run, function()
      local v3 = require "moonwalk.v3"
      local s = mw.session { peer = e.agent, version = "3", user = "boots", auth = "SHA-256",
                             auth_pass = AP, priv = "AES", priv_pass = PP, timeout = 0.5, retries = 4 }
      local eid = s:engine_id()
      assert(s:get "1.3.6.1.2.1.1.5.0")
      local boots1 = s:engine_time()
      local resyncs = v3.stats().resyncs
      e:restart()
      local vbs, err = s:get "1.3.6.1.2.1.1.5.0"
      assert.is_nil(err)
      assert.equal("STRING", vbs[1].type)
      local boots2 = s:engine_time()
      assert.equal(boots1 + 1, boots2)
      assert.equal(eid, s:engine_id())
      assert.equal(resyncs + 1, v3.stats().resyncs)
      -- and a walk after it, without another resync
      assert(s:walk_all "1.3.6.1.2.1.1")
      assert.equal(resyncs + 1, v3.stats().resyncs)
    end)
    e:cleanup()
    assert(ok, perr)
  end)
end)
