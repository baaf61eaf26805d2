#!/bin/bash
# The README's promise checked on a fresh machine: a minimal Debian 12 with
# only gcc, make and git, in a chroot.
#
#   bash scripts/fresh-check.sh        (as root; CI runs it from .ci/run)
#
# Once, it builds the pristine root (debootstrap --variant=minbase bookworm,
# from the Debian mirror this machine's apt uses, plus gcc, make and git) and
# keeps it in $FRESH_CACHE (default /var/cache/moonwalk-fresh), under a name
# that changes with the package list below, so a changed list builds anew.
# Each run copies that root, clones the committed HEAD of this repository
# into it and, inside it (/proc, /sys and /dev mounted, and unmounted on
# every way out):
#   1. `make run` as the README writes it: the demo must print, poll and
#      receive a trap within 10 minutes; it is then stopped;
#   2. `make test` as the README writes it: its closing line must be
#      "N passed, 0 failed";
#   3. `make install PREFIX=/opt/mw`, then from another directory
#      /opt/mw/bin/moonwalk get and walk with MIB names against snmpd on
#      loopback, and plain lua5.4 with the LUA_PATH the README gives; then
#      the rock installed the README's way, its moonwalk command and plain
#      lua5.4 (no environment) the same way.
# The chroot shares this machine's network: everything it starts listens on
# loopback ports it picks. It copies in what a machine's own set-up gives
# (resolv.conf, apt's sources and settings, local CA certificates), and
# lets dpkg skip its fsyncs there (the root is thrown away).
# FRESH_KEEP=1 keeps the run's root afterwards (for a look inside).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${FRESH_CACHE:-/var/cache/moonwalk-fresh}
SUITE=bookworm
VARIANT=minbase
BASE_PKGS="gcc make git"     # what the README assumes a machine has
MIN=60

t_start=$(date +%s)
say() { printf 'fresh-check: %s\n' "$*" >&2; }
die() { say "FAILED: $*"; exit 1; }
elapsed() { echo $(( $(date +%s) - $1 )); }

[ "$(id -u)" = 0 ] || die "needs root (chroot, mount)"
# Everything mounted here stays in a private mount namespace of this
# script: the machine's own mount table never sees it, and it goes with the
# script however it ends.
if [ -z "${FRESH_NS:-}" ]; then
    FRESH_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
sh "$here/scripts/deps.sh" fresh    # debootstrap

# The Debian mirror apt uses here, for the suite (deb822 .sources or
# one-line .list files).
mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '
            function flush() { if (uri != "" && ok) { print uri; found = 1; exit } uri = ""; ok = 0 }
            /^[ \t]*$/ { flush(); next }
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
            /^Enabled: *no/ { uri = ""; ok = 0 }
            END { if (!found) flush() }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        awk -v suite="$SUITE" '$1 == "deb" { u = 2; if ($2 ~ /^\[/) while ($u !~ /\]$/) u++; if ($2 ~ /^\[/) u++;
                                if ($(u + 1) == suite) print $u }' "$f"
    done
}
MIRROR=$(mirror | grep -E '^https?://' | head -1 || true)
[ -n "$MIRROR" ] || die "no Debian mirror for $SUITE in /etc/apt/sources.list*"

# ---------------------------------------------------------------------
# The cached base
# ---------------------------------------------------------------------
key=$(printf '%s %s %s %s v1' "$SUITE" "$VARIANT" "$BASE_PKGS" "$MIRROR" | sha256sum | cut -c1-16)
base="$CACHE/base-$key"
mkdir -p "$CACHE"
if [ ! -f "$base/.complete" ]; then
    t=$(date +%s)
    say "building the base root ($VARIANT $SUITE + $BASE_PKGS from $MIRROR)"
    for old in "$CACHE"/base-*; do
        [ -e "$old" ] && ! mountpoint -q "$old/proc" && rm -rf --one-file-system "$old"
    done
    debootstrap --variant="$VARIANT" --include="${BASE_PKGS// /,}" "$SUITE" "$base" "$MIRROR" \
        > "$CACHE/debootstrap.log" 2>&1 || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap"; }
    rm -rf "$base"/var/cache/apt/archives/*.deb "$base"/var/lib/apt/lists/*
    touch "$base/.complete"
    say "base built in $(elapsed "$t") s"
else
    say "base root from the cache ($base)"
fi

# ---------------------------------------------------------------------
# This run's root, and leaving it clean on every way out
# ---------------------------------------------------------------------
root=$(mktemp -d "$CACHE/run.XXXXXX")
mounts=()
cleanup() {
    local rc=$? p r
    trap - EXIT INT TERM
    # whatever still runs in the root (the demo, test peers)
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null || true)
        case "$r" in "$root"|"$root"/*) kill -9 "${p#/proc/}" 2>/dev/null || true ;; esac
    done
    sleep 0.2
    local i
    for (( i = ${#mounts[@]} - 1; i >= 0; i-- )); do
        umount -R "${mounts[i]}" 2>/dev/null || umount -lR "${mounts[i]}" 2>/dev/null || true
    done
    if grep -q " $root/" /proc/mounts; then
        say "still mounted under $root: left in place"
    elif [ "${FRESH_KEEP:-0}" = 1 ]; then
        say "kept $root"
    else
        rm -rf --one-file-system "$root"
    fi
    say "took $(elapsed "$t_start") s in all"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

t=$(date +%s)
cp -a "$base/." "$root/"
rm -f "$root/.complete"
# the machine's own set-up: name resolution, apt's sources and settings,
# locally trusted certificate authorities
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
rm -f "$root/etc/apt/sources.list" "$root"/etc/apt/sources.list.d/*
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cp "$f" "$root$f"
done
for f in /etc/apt/apt.conf.d/*; do [ -f "$f" ] && cp "$f" "$root/etc/apt/apt.conf.d/"; done
for f in /usr/share/keyrings/*.gpg; do [ -f "$root$f" ] || cp "$f" "$root/usr/share/keyrings/"; done
if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -R /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
# dpkg without an fsync per file: the root is thrown away after the run,
# and on a busy disk the fsyncs of ~1000 packages take most of the time
echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/fresh-check-unsafe-io"
head=$(git -C "$here" rev-parse HEAD)
git clone -q "$here" "$root/root/moonwalk"
git -C "$root/root/moonwalk" checkout -q "$head"
say "root copied and HEAD ${head:0:12} cloned in $(elapsed "$t") s"

# The root is a mount point of its own, as a machine's / is: inside, the
# mount table then has a "/" line (the host-resource tables of snmpd and of
# the agent list the filesystems from it), and /etc/mtab points at it as
# on an installed Debian.
mount --bind "$root" "$root"; mounts+=("$root")
[ -e "$root/etc/mtab" ] || ln -s ../proc/self/mounts "$root/etc/mtab"
mount -t proc proc "$root/proc"; mounts+=("$root/proc")
mount -t sysfs sysfs "$root/sys"; mounts+=("$root/sys")
mount --rbind /dev "$root/dev"; mount --make-rslave "$root/dev"; mounts+=("$root/dev")

# in_root CMD: runs CMD with sh in the root as root, with a plain login
# environment
in_root() {
    chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/sh \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 TERM=dumb \
        /bin/sh -c "$1"
}
# waits for a pattern in a file inside the root, up to N seconds
wait_for() {
    local pattern=$1 file=$root$2 limit=$3 t0
    t0=$(date +%s)
    while [ $(( $(date +%s) - t0 )) -lt "$limit" ]; do
        grep -q -- "$pattern" "$file" 2>/dev/null && return 0
        sleep 1
    done
    return 1
}

# ---------------------------------------------------------------------
# 1. make run
# ---------------------------------------------------------------------
say "1. make run"
t=$(date +%s)
chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 TERM=dumb setsid /bin/sh -c 'cd /root/moonwalk && exec make run' \
    > "$root/tmp/run.log" 2>&1 < /dev/null &
runpid=$!
ok=1
wait_for "moonwalk demo" /tmp/run.log $((10 * MIN)) || ok=0
t_demo=$(elapsed "$t")
[ $ok = 1 ] && say "   the demo printed after $t_demo s"
left=$(( 10 * MIN - t_demo )); [ $left -gt 0 ] || left=1
[ $ok = 1 ] && { wait_for "poll #2" /tmp/run.log "$left" || ok=0; }
[ $ok = 1 ] && { wait_for "TRAP linkDown" /tmp/run.log "$(( left > 60 ? left : 60 ))" || ok=0; }
kill -INT -- -"$runpid" 2>/dev/null || true
for _ in $(seq 1 30); do kill -0 "$runpid" 2>/dev/null || break; sleep 1; done
kill -0 "$runpid" 2>/dev/null && { kill -9 -- -"$runpid" 2>/dev/null || true; ok=0; say "   the demo did not stop on SIGINT"; }
wait "$runpid" 2>/dev/null || true
if [ $ok = 0 ]; then
    tail -30 "$root/tmp/run.log" >&2
    die "make run: the demo did not print, poll and get a trap within 10 minutes"
fi
grep -q "stopped" "$root/tmp/run.log" || { tail -5 "$root/tmp/run.log" >&2; die "make run: no clean stop"; }
say "   make run: polled and received a trap; stopped ($(elapsed "$t") s)"

# ---------------------------------------------------------------------
# 2. make test
# ---------------------------------------------------------------------
say "2. make test"
t=$(date +%s)
in_root 'cd /root/moonwalk && timeout 3600 make test' > "$root/tmp/test.log" 2>&1 || true
t_test=$(elapsed "$t")
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$root/tmp/test.log" | tail -1 || true)
if ! printf '%s\n' "$last" | grep -qE '^[1-9][0-9]* passed, 0 failed$'; then
    grep -E '^(FAIL|ERROR)' "$root/tmp/test.log" | head -40 >&2 || true
    tail -40 "$root/tmp/test.log" >&2
    die "make test: closing line '${last:-none}'"
fi
say "   make test: $last ($t_test s)"

# ---------------------------------------------------------------------
# 3. make install, the rock, and plain lua5.4
# ---------------------------------------------------------------------
say "3. make install PREFIX=/opt/mw and the rock"
t=$(date +%s)
in_root 'cd /root/moonwalk && make install PREFIX=/opt/mw' > "$root/tmp/install.log" 2>&1 \
    || { tail -20 "$root/tmp/install.log" >&2; die "make install PREFIX=/opt/mw"; }

# snmpd on a free loopback port, with a private config and state
port=$(in_root "LUA_CPATH='/opt/mw/lib/lua/5.4/?.so;;' lua5.4 -e 'print(require(\"moonwalk.core\").free_udp_port(\"v4\"))'")
[ -n "$port" ] || die "no free port"
in_root "mkdir -p /tmp/snmpd && printf 'agentAddress udp:127.0.0.1:$port\nrocommunity public 127.0.0.1\nsysName fresh\n' > /tmp/snmpd/snmpd.conf &&
    MIBS= snmpd -C -c /tmp/snmpd/snmpd.conf --persistentDir=/tmp/snmpd -p /tmp/snmpd/pid -Lf /tmp/snmpd/log -m ''"
for _ in $(seq 1 50); do [ -s "$root/tmp/snmpd/pid" ] && break; sleep 0.1; done
[ -s "$root/tmp/snmpd/pid" ] || die "snmpd did not start"
sleep 0.5

# check NAME OUTPUT PATTERN: OUTPUT must match the extended regex PATTERN
check() {
    if ! printf '%s\n' "$2" | grep -qE -- "$3"; then
        printf '%s\n' "$2" | head -20 >&2
        die "$1: no line matching '$3'"
    fi
    say "   ok: $1"
}
# the same three checks for an installed command and module
#   $1: label, $2: the moonwalk command, $3: environment for plain lua5.4
check_install() {
    local out
    out=$(in_root "cd /tmp && $2 get -v2c -c public 127.0.0.1:$port SNMPv2-MIB::sysName.0 sysDescr.0" 2>&1) || true
    check "$1: moonwalk get with MIB names" "$out" '^SNMPv2-MIB::sysName\.0 = STRING: fresh$'
    out=$(in_root "cd /tmp && $2 walk -v2c -c public 127.0.0.1:$port IF-MIB::ifDescr" 2>&1) || true
    check "$1: moonwalk walk with MIB names" "$out" '^IF-MIB::ifDescr\.1 = STRING: lo$'
    out=$(in_root "cd /tmp && $3 lua5.4 -e '
        local mw = require \"moonwalk\"
        assert(mw.mib.load(\"IF-MIB\"))
        local s = mw.session { peer = \"127.0.0.1:$port\", community = \"public\" }
        mw.run(function()
          local vbs = assert(s:get { \"SNMPv2-MIB::sysName.0\", \"IF-MIB::ifDescr.1\" })
          for _, vb in ipairs(vbs) do print(mw.mib.name(vb.oid) .. \" = \" .. vb.value) end
        end)'" 2>&1) || true
    check "$1: plain lua5.4 with MIB names" "$out" '^IF-MIB::ifDescr\.1 = lo$'
    if [ "$(printf '%s\n' "$out" | wc -l)" -ne 2 ]; then
        printf '%s\n' "$out" | head -20 >&2
        die "$1: plain lua5.4 printed more than its two lines"
    fi
}
check_install "make install" /opt/mw/bin/moonwalk \
    "LUA_PATH='/opt/mw/share/lua/5.4/?.lua;/opt/mw/share/lua/5.4/?/init.lua;;' LUA_CPATH='/opt/mw/lib/lua/5.4/?.so;;'"

# the rock, as the README installs it
in_root 'cd /root/moonwalk && sh scripts/deps.sh rock && luarocks --lua-version 5.4 make' > "$root/tmp/rock.log" 2>&1 \
    || { tail -20 "$root/tmp/rock.log" >&2; die "luarocks make"; }
grep -q "is now installed" "$root/tmp/rock.log" || die "luarocks make did not install"
check_install "the rock" moonwalk ""
say "   install and rock checks done ($(elapsed "$t") s)"

say "PASSED: first make run until the demo printed ${t_demo} s; first make test ${t_test} s"
