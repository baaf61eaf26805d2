-- Loaded by busted before any spec (scripts/run-tests.sh). In a SANITIZE=1
-- run, LD_PRELOAD carries the ASan runtime into this lua5.4 so that the
-- instrumented module can load; once it has loaded, drop LD_PRELOAD so the
-- programs the tests start (net-snmp's tools, curl, servers) run as they
-- are. The ASan build of moonwalk links its runtime itself.
if os.getenv("LD_PRELOAD") then
  require("moonwalk.core").unsetenv("LD_PRELOAD")
end
-- SANITIZE=1: the moonwalk programs the tests start run with leak
-- detection (see scripts/run-tests.sh); this lua5.4 does not.
local child_asan = os.getenv("MOONWALK_TEST_ASAN_OPTIONS")
if child_asan and child_asan ~= "" then
  require("moonwalk.core").setenv("ASAN_OPTIONS", child_asan)
end
