#!/bin/sh
# Builds the full IETF and IANA MIB sets into mibs/ietf and mibs/iana (not
# committed), as Debian's snmp-mibs-downloader would into
# /usr/share/snmp/mibs: its package (component non-free) carries 265 RFC
# texts and 13 IANA MIBs and the list of modules in each; the modules are
# extracted with scripts/smistrip.lua (libsmi's smistrip is not packaged)
# and patched with the package's rfcmibs.diff.
#
# The package comes through a throw-away sources list naming bookworm
# non-free; the system's own apt configuration is not changed.
# Idempotent: once mibs/ietf/.complete exists it does nothing.
# Once built, moonwalk's default MIB path includes both directories
# (before mibs/std, whose modules win), so IP-MIB, TCP-MIB, UDP-MIB,
# HOST-RESOURCES-MIB, NOTIFICATION-LOG-MIB, DISMAN-EVENT-MIB, ... load by
# default as they do for a net-snmp user.
set -e
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")/.." && pwd)
ietf="$here/mibs/ietf"
iana="$here/mibs/iana"
stamp="$ietf/.complete"
[ -f "$stamp" ] && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "fetch-ietf-mibs: apt-get not found" >&2; exit 1; }
command -v lua5.4 >/dev/null 2>&1 || { echo "fetch-ietf-mibs: lua5.4 not found" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
echo "deb [signed-by=$keyring] $MIRROR $SUITE non-free" > "$tmp/sources.list"
apt_opts="-o Dir::Etc::SourceList=$tmp/sources.list -o Dir::Etc::SourceParts=/dev/null
 -o Dir::State::Lists=$tmp/lists -o Dir::Cache=$tmp/cache -o Debug::NoLocking=1"
# shellcheck disable=SC2086
apt-get $apt_opts update >/dev/null 2>&1 || { echo "fetch-ietf-mibs: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$tmp" && apt-get $apt_opts download snmp-mibs-downloader >/dev/null 2>&1) \
    || { echo "fetch-ietf-mibs: could not download snmp-mibs-downloader" >&2; exit 1; }
dpkg -x "$tmp"/snmp-mibs-downloader_*.deb "$tmp/pkg"
src="$tmp/pkg/usr/share/snmp/mibs-downloader"
conf="$tmp/pkg/etc/snmp-mibs-downloader"

mkdir -p "$tmp/ietf" "$tmp/iana" "$tmp/texts"
# IETF: "NUMBER  MODULE[:MODULE...]" per RFC text
for f in "$src"/mibrfcs/*.gz; do gzip -dc "$f" > "$tmp/texts/$(basename "$f" .gz)"; done
grep -v '^#' "$conf/rfclist" | while read -r num mods; do
    [ -n "$num" ] || continue
    lua5.4 "$here/scripts/smistrip.lua" -d "$tmp/ietf" -m "$mods" "$tmp/texts/rfc$num.txt" >/dev/null \
        || echo "fetch-ietf-mibs: nothing from rfc$num ($mods)" >&2
done
# the package's fixes of the RFCs' modules. The diff was made against
# libsmi's smistrip, which keeps part of some modules' indentation and
# drops the blank lines of a page break; smistrip.lua takes the
# DEFINITIONS line's indentation off every line and keeps one blank, so
# three hunks find no context: MIP-MIB's two (its IMPORTS name
# experimental where mib-2 is used; mipSecNotifcationsGroup, misspelt),
# TCPIPX-MIB's (enterprises is not imported) and PPP-LCP-MIB's second
# (pppLinkStatusRemoteMRU's range ends at 2^31). They are made here by
# hand, and any other hunk that fails is named.
patch -l -f -d "$tmp/ietf" < "$conf/rfcmibs.diff" > "$tmp/patch.log" 2>&1 || true
fix() { # FILE SED-SCRIPT: one of the three hunks, once
    [ -f "$tmp/ietf/$1.rej" ] || return 0
    sed -i "$2" "$tmp/ietf/$1"
    rm -f "$tmp/ietf/$1.rej"
}
fix MIP-MIB '4s/IpAddress, experimental,$/IpAddress, mib-2,/; s/^mipSecNotifcationsGroup NOTIFICATION-GROUP$/mipSecNotificationsGroup NOTIFICATION-GROUP/'
fix TCPIPX-MIB '/^IMPORTS$/a\        enterprises\n                FROM RFC1155-SMI'
fix PPP-LCP-MIB '/^pppLinkStatusRemoteMRU /,/SYNTAX/s/INTEGER(1\.\.2147483648)/INTEGER(1..2147483647)/'
for r in "$tmp/ietf"/*.rej; do
    [ -f "$r" ] && echo "fetch-ietf-mibs: rfcmibs.diff: $(basename "$r" .rej) not fixed (see the .rej)" >&2
done
rm -f "$tmp/ietf"/*.orig "$tmp/ietf"/*.rej
# IANA: "FILE  MODULE" per file
grep -v '^#' "$conf/ianalist" | while read -r file mods; do
    [ -n "$file" ] || continue
    gzip -dc "$src/mibiana/$file.gz" > "$tmp/texts/$file"
    lua5.4 "$here/scripts/smistrip.lua" -d "$tmp/iana" -m "$mods" "$tmp/texts/$file" >/dev/null \
        || echo "fetch-ietf-mibs: nothing from $file ($mods)" >&2
done

mkdir -p "$ietf" "$iana"
cp "$tmp/ietf"/* "$ietf/"
cp "$tmp/iana"/* "$iana/"
date -u +%Y-%m-%dT%H:%M:%SZ > "$stamp"
echo "fetch-ietf-mibs: $(ls "$ietf" | wc -l) modules in mibs/ietf, $(ls "$iana" | wc -l) in mibs/iana" >&2
