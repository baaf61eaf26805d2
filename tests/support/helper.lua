-- Loaded by busted before any spec (scripts/run-tests.sh). In a SANITIZE=1
-- run, LD_PRELOAD carries the ASan runtime into this lua5.4 so that the
-- instrumented module can load; once it has loaded, drop LD_PRELOAD so the
-- programs the tests start (net-snmp's tools, curl, servers) run as they
-- are. The ASan build of moonwalk links its runtime itself.
if os.getenv("LD_PRELOAD") then
  require("moonwalk.core").unsetenv("LD_PRELOAD")
end
