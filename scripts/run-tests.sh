#!/bin/sh
# Runs every busted spec (or those given) with Lua 5.4 and the module built
# in $MOONWALK_BUILD. Prints "N passed, N failed" last; exits non-zero on
# any failure or when no test ran.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
B=${MOONWALK_BUILD:-build}
cd "$root"
export LUA_PATH="$root/lua/?.lua;$root/lua/?/init.lua;$root/tests/support/?.lua;;"
export LUA_CPATH="$root/$B/lua/?.so;;"
export MOONWALK_BIN="$root/$B/moonwalk"
export MIBS=
# net-snmp's tools keep persistent state (engine boots, users) and read
# config from system paths: give each run its own, so runs never see each
# other's state or this machine's configuration.
state=$(mktemp -d /tmp/moonwalk-netsnmp.XXXXXX)
mkdir -p "$state/persist" "$state/conf"
export SNMP_PERSISTENT_DIR="$state/persist"
export SNMPCONFPATH="$state/conf"
# The compiled MIB cache goes to this run's directory, never to ~/.cache
# (MOONWALK_MIB_CACHE=off or =DIR from the caller is kept: a second run
# with the same DIR runs every spec on warm caches).
export MOONWALK_MIB_CACHE="${MOONWALK_MIB_CACHE:-$state/mibcache}"
if [ "${SANITIZE:-}" = 1 ]; then
    asan=$(gcc -print-file-name=libasan.so)
    ubsan=$(gcc -print-file-name=libubsan.so)
    export LD_PRELOAD="$asan $ubsan"
    # lua5.4 running busted is not ours: no leak check in that process.
    # The moonwalk programs the tests start get leak detection, and write
    # every report (leaks, and errors of processes that run in the
    # background) to $san_dir: each report there fails the run.
    export ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1"
    san_dir=$(mktemp -d /tmp/moonwalk-asan.XXXXXX)
    export MOONWALK_TEST_ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:log_path=$san_dir/report"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
fi
specs="$*"
[ -n "$specs" ] || specs="tests/unit tests/interop"
out=$(mktemp)
busted --lua=lua5.4 --helper="$root/tests/support/helper.lua" -o "$root/tests/support/summary.lua" --pattern=_spec $specs 2>&1 | tee "$out"
unset LD_PRELOAD
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
rm -f "$out"
rm -rf "$state"
if [ -z "$line" ]; then
    echo "0 passed, 1 failed"
    exit 1
fi
p=${line%% passed*}
f=${line#*passed, }; f=${f%% failed*}
if [ -n "${san_dir:-}" ]; then
    n=0
    for r in "$san_dir"/report*; do
        [ -f "$r" ] || continue
        n=$((n + 1))
        echo "sanitizer report from a moonwalk process ($r):"
        cat "$r"
    done
    rm -rf "$san_dir"
    if [ "$n" -gt 0 ]; then
        f=$((f + n))
        echo "$n sanitizer report(s) from moonwalk processes"
        echo "$p passed, $f failed"
    fi
fi
[ "$f" = 0 ] && [ "$p" -gt 0 ] && exit 0
exit 1
