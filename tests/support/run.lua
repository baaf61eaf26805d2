-- Runs commands and handles files for the specs: run() captures stdout,
-- stderr and the exit code; sh() returns stdout and stderr together.
local R = {}

-- sh(cmd) -> what it printed (stdout and stderr)
function R.sh(cmd)
  local p = io.popen(cmd .. " 2>&1")
  local out = p:read("a")
  p:close()
  return out
end

-- slurp(path) -> the file's text, or "" when it cannot be read
function R.slurp(path)
  local f = io.open(path)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end
local slurp = R.slurp

function R.write(path, text)
  local f = assert(io.open(path, "w"))
  f:write(text)
  f:close()
end

function R.sleep(s) os.execute("sleep " .. s) end

-- tmpdir() -> the path of a new empty directory (the caller removes it)
function R.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute("mkdir -p '" .. d:gsub("'", "'\\''") .. "'"))
  return d
end

function R.run(cmd)
  local d = os.tmpname()
  os.remove(d)
  os.execute("mkdir -p " .. d)
  local ok, how, code = os.execute(string.format("( %s ) >%s/out 2>%s/err", cmd, d, d))
  local out, err = slurp(d .. "/out"), slurp(d .. "/err")
  os.execute("rm -rf " .. d)
  if ok then code = 0 end
  if how == "signal" then code = 128 + code end
  return out, err, code
end

-- stop(pid [, sig [, seconds]]) -> gone: sends sig (default KILL) and
-- waits up to seconds (20) for the process to be gone (true if it is)
function R.stop(pid, sig, seconds)
  if not pid then return true end
  os.execute(string.format("kill -%s %s 2>/dev/null", sig or "KILL", pid))
  local deadline = os.time() + (seconds or 20)
  local alive
  repeat
    alive = os.execute("kill -0 " .. pid .. " 2>/dev/null")
    if alive then os.execute("sleep 0.05") end
  until not alive or os.time() > deadline
  return not alive
end

-- stop_term(pid [, seconds]) -> gone: SIGTERM, and the process must be
-- gone within seconds (5); one that is not is killed (nothing is left
-- behind) and false is returned
function R.stop_term(pid, seconds)
  if R.stop(pid, "TERM", seconds or 5) then return true end
  R.stop(pid, "KILL")
  return false
end

-- moonwalk itself (the build under test)
function R.mw(args)
  return R.run((os.getenv("MOONWALK_BIN") or "build/moonwalk") .. " " .. args)
end

return R
