#!/bin/sh
# Regenerates the seed corpora (usage: mkcorpus.sh BUILD_DIR, as
# `make -C tests/fuzz corpus` calls it):
#   corpus/        the net-snmp packet fixtures (tests/fixtures/*.hex), one
#                  binary seed per fixture, named after it (fuzz_msg, and
#                  fuzz_agent / fuzz_usm too)
#   corpus-agent/  requests for fuzz_agent's configuration, written by the
#                  target itself (its engine ID and keys): every version,
#                  community and user, signed and with an all-zero MAC
#   corpus-usm/    a v3 request for every (auth, priv) pair, by fuzz_usm
#   corpus-cli/    CLI argument vectors, one argument a line
# fuzz_mib reads corpus-mib/ (regressions), tests/fixtures/mibs and mibs/std.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../../build/fuzz}
fix="$here/../fixtures"

out="$here/corpus"
mkdir -p "$out"
for f in "$fix"/*.hex; do
    name=$(basename "$f" .hex)
    tr -d ' \t\r\n' < "$f" | xxd -r -p > "$out/$name.bin"
done
echo "$(ls "$out" | wc -l) seeds in $out"

for t in agent usm; do
    rm -rf "$here/corpus-$t"
    mkdir -p "$here/corpus-$t"
    MW_FUZZ_MKSEEDS="$here/corpus-$t" "$bin/fuzz_$t"
    echo "$(ls "$here/corpus-$t" | wc -l) seeds in $here/corpus-$t"
done

out="$here/corpus-cli"
rm -rf "$out"
mkdir -p "$out"
# one seed: its arguments separated by '|'
seed() { printf '%s' "$2" | tr '|' '\n' > "$out/$1"; }
seed get-v2c '-v2c|-c|public|127.0.0.1:161|1.3.6.1.2.1.1.1.0|.1.3.6.1.2.1.1.3.0'
seed get-v1 '-v|1|-c|secret|-t|0.5|-r|2|localhost|iso.3.6.1.2.1.1.5.0'
seed v3-authpriv '-v|3|-l|authPriv|-u|admin|-a|SHA-256|-A|authpass123|-x|AES|-X|privpass123|-e|0x80001f8880aabbccdd|-n|ctx|udp:127.0.0.1:1161|1.3.6.1.2.1.1.4.0|s|hello'
seed v3-keys '-v3|-lauthNoPriv|-uu|-aMD5|-3k|0x0102030405060708090a0b0c0d0e0f10|-3m|00112233445566778899aabbccddeeff|-E|8000000001|host|1.3'
seed v3-bad '-v|3|-l|authpriv|-a|SHA-1024|-x|ROT13|-e|0x80|host|1.3.6'
seed set-all 'private@host|1.3.6.1.4.1.1.1.0|i|-42|1.3.6.1.4.1.1.2.0|u|4294967295|1.3.6.1.4.1.1.3.0|t|100|1.3.6.1.4.1.1.4.0|a|10.0.0.1|1.3.6.1.4.1.1.5.0|o|1.3.6.1.4.1|1.3.6.1.4.1.1.6.0|s|text'
seed set-hex 'host|1.3.6.1.4.1.1.7.0|x|0A 0b:0C|1.3.6.1.4.1.1.8.0|d|1.2.255|1.3.6.1.4.1.1.9.0|n|x|1.3.6.1.4.1.1.10.0|c|7|1.3.6.1.4.1.1.11.0|C|18446744073709551615'
seed set-opaque 'host|1.3.6.1.4.1.1.12.0|b|1 3,9|1.3.6.1.4.1.1.13.0|U|18446744073709551615|1.3.6.1.4.1.1.14.0|I|-9223372036854775808|1.3.6.1.4.1.1.15.0|F|1.5e10|1.3.6.1.4.1.1.16.0|D|-0.25'
seed output-opts '-On|-OqvU|-Oe|-Cr10|-Cc|-Cp|-Ci|-CE|1.3.6.1.2.1.2.2.1|-m|ALL|-M|/nonexistent|--|host|1.3.6.1.2.1'
seed long-opts '--grace=5|--listen|udp:127.0.0.1:0|--json|--user|name|-d|-D|ALL|host|1.3.6.1.2.1.1'
seed bad-oids "host|1.3.6.1.2.1.1.4294967296|.1..3|1.3.6.1.2.1.1.1.0.|sysDescr.0|IF-MIB::ifDescr.1|1.3.-1|$(printf '0.%.0s' $(seq 1 130))0"
# found by fuzz_cli: a BITS bit number that asked for a 5 GB string
seed regress-bits-huge 'host|1.3.6.1.4.1.1.12.0|b|1 3,42949672950'
echo "$(ls "$out" | wc -l) seeds in $out"
