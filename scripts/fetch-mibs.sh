#!/bin/sh
# Obtains the standard IETF/IANA MIB modules into mibs/std (not committed):
#   - the npm package net-snmp (lib/mibs/*): SNMPv2-SMI/TC/CONF/MIB, IF-MIB,
#     IANAifType-MIB, RFC1213-MIB, RFC1155-SMI, RFC-1212, RFC-1215, ...
#   - Debian's erlang-snmp (usr/lib/erlang/lib/snmp-*/mibs/*.mib): the
#     SNMP-FRAMEWORK/USM/VACM/TARGET/NOTIFICATION/COMMUNITY MIBs,
#     INET-ADDRESS-MIB, TRANSPORT-ADDRESS-MIB, ...
# Idempotent: once mibs/std/.complete exists it does nothing (a run that
# could reach only one source keeps what it got and tries again next time).
# Works on a fresh Debian 12 with only the Debian and npm registries, once
# scripts/deps.sh build has installed npm.
set -e
# the npm package's version: a new release may change the MIB files the
# tests compare with net-snmp
NET_SNMP_VERSION=3.29.2
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/mibs/std"
stamp="$dest/.complete"
[ -f "$stamp" ] && exit 0

complete=1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$dest"

# Debian first: erlang-snmp. Its files are older copies of a few of the
# npm ones, so the npm package is unpacked afterwards and wins.
if ! command -v apt-get >/dev/null 2>&1; then
    echo "fetch-mibs: apt-get not found; skipping erlang-snmp" >&2
    complete=0
else
    (
        cd "$tmp"
        if ! apt-get download erlang-snmp >/dev/null 2>&1; then
            if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
            $SUDO apt-get update -qq >/dev/null 2>&1 || true
            apt-get download erlang-snmp >/dev/null
        fi
        dpkg -x erlang-snmp_*.deb erl
    ) || { echo "fetch-mibs: could not obtain erlang-snmp" >&2; exit 1; }
    for f in "$tmp"/erl/usr/lib/erlang/lib/snmp-*/mibs/*.mib; do
        [ -f "$f" ] || continue
        b=$(basename "$f")
        case "$b" in OTP-*) continue ;; esac   # Erlang's own modules
        cp "$f" "$dest/$b"
    done
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "fetch-mibs: npm not found (sh scripts/deps.sh build installs it); skipping the net-snmp package" >&2
    complete=0
else
    (
        cd "$tmp"
        # the system's CA store, which Debian's npm does not read by itself
        ca=""
        [ -f /etc/ssl/certs/ca-certificates.crt ] && ca="--cafile=/etc/ssl/certs/ca-certificates.crt"
        npm pack "net-snmp@$NET_SNMP_VERSION" $ca --silent --no-update-notifier --no-fund --no-audit >/dev/null
        mkdir npm
        tar -xzf net-snmp-*.tgz -C npm
    ) || { echo "fetch-mibs: could not obtain the npm package net-snmp" >&2; exit 1; }
    for f in "$tmp"/npm/package/lib/mibs/*; do
        [ -f "$f" ] || continue
        cp "$f" "$dest/$(basename "$f")"
    done
fi

n=$(ls "$dest" | wc -l)
if [ "$n" -eq 0 ]; then
    echo "fetch-mibs: no MIB modules obtained" >&2
    exit 1
fi
# a partial set is kept but not stamped, so the next run tries again
[ "$complete" = 1 ] && date -u +%Y-%m-%dT%H:%M:%SZ > "$stamp"
echo "fetch-mibs: $n modules in mibs/std" >&2
exit 0
