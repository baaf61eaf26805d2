-- Runs a command, capturing stdout, stderr and the exit code.
local R = {}

local function slurp(p)
  local f = io.open(p)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
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

-- moonwalk itself (the build under test)
function R.mw(args)
  return R.run((os.getenv("MOONWALK_BIN") or "build/moonwalk") .. " " .. args)
end

return R
