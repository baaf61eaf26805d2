-- HTTP from a script: mw.http_request, on the same loop as SNMP.
--
--   moonwalk run examples/http_fetch.lua -- url=http://127.0.0.1:8080/ [post=http://127.0.0.1:8080/in]
--
-- mw.http_request{ url =, method = "GET", body =, headers = {}, timeout = 10 }
-- waits (so it runs inside a task: mw.run, mw.spawn, mw.every, a handler)
-- and returns status, body, headers (a table of the response headers), or
-- nil, err when no response came (connection refused or reset, timeout,
-- name not resolved). A 4xx/5xx answer is a response: check the status.
-- Plain http:// only; names are resolved without blocking. Methods: GET,
-- POST, PUT, DELETE, HEAD.
--
-- Here: GET url and print what came back; with post=, send a JSON summary
-- of that answer there (what a script does to feed a web hook).
local mw = require "moonwalk"

local opt = { url = "http://127.0.0.1:8080/" }
for _, a in ipairs(arg or {}) do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if k then opt[k] = v end
end

local ok = mw.run(function()
  local status, body, headers = mw.http_request { url = opt.url, timeout = 5 }
  if not status then
    io.stderr:write("GET ", opt.url, ": ", body, "\n")
    return false
  end
  print(string.format("GET %s: HTTP %d, %s, %d bytes", opt.url, status,
    headers["Content-Type"] or "no content type", #body))
  print("body: " .. (body:match("[^\n]*")))
  if opt.post then
    local summary = mw.json.encode { url = opt.url, status = status, bytes = #body }
    local pst, pbody = mw.http_request { method = "POST", url = opt.post, body = summary,
                                         headers = { ["Content-Type"] = "application/json" }, timeout = 5 }
    if not pst then
      io.stderr:write("POST ", opt.post, ": ", pbody, "\n")
      return false
    end
    print(string.format("POST %s: HTTP %d: %s", opt.post, pst, pbody))
  end
  return status >= 200 and status < 300
end)
os.exit(ok and 0 or 1)
