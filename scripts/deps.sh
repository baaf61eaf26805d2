#!/bin/sh
# Install every Debian package moonwalk's build, tests and benchmarks need.
# Idempotent: when everything is present it only runs dpkg-query once.
set -e
PKGS="build-essential pkg-config lua5.4 liblua5.4-dev libevent-dev libmbedtls-dev
lua-busted lua-cjson snmp snmpd snmptrapd libsnmp-dev clang libclang-rt-14-dev
prometheus influxdb socat luarocks curl bc time"
# host MIBs (src/app/host_*.c): netlink (libnl-route-3) and processes (libproc2)
PKGS="$PKGS libnl-3-dev libnl-route-3-dev libproc2-dev"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in
        *"install ok installed"*) ;;
        *) missing="$missing $p" ;;
    esac
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
here=$(cd "$(dirname "$0")/.." && pwd)
if [ -x "$here/scripts/fetch-mibs.sh" ]; then "$here/scripts/fetch-mibs.sh"; fi
exit 0
