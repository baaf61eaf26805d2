-- moonwalk.users: the one reading of a USM user given as text or a table,
-- for the agent, the receiver and their command lines:
--   "NAME"                                  noAuthNoPriv
--   "NAME:AUTH:AUTHPASS"                    authNoPriv
--   "NAME:AUTH:AUTHPASS:PRIV:PRIVPASS"      authPriv
--   { name=, auth=, auth_pass=, priv=, priv_pass=, access=, level=, view= }
-- parse(u) -> a table with those fields, or nil and the error.
local M = {}

function M.parse(u)
  if type(u) == "table" then
    local t = {}
    for k, v in pairs(u) do t[k] = v end
    t.name = u.name or u[1]
    if type(t.name) ~= "string" or t.name == "" then return nil, "user name missing" end
    return t
  end
  if type(u) ~= "string" then
    return nil, "a user is \"NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS]\" or a table"
  end
  local parts = {}
  for p in (u .. ":"):gmatch("(.-):") do parts[#parts + 1] = p end
  if parts[1] == "" then return nil, "user name missing in " .. u end
  if #parts ~= 1 and #parts ~= 3 and #parts ~= 5 then
    return nil, "bad user " .. u .. " (NAME:AUTH:AUTHPASS[:PRIV:PRIVPASS])"
  end
  return { name = parts[1], auth = parts[2] or "NONE", auth_pass = parts[3], priv = parts[4],
           priv_pass = parts[5] }
end

return M
