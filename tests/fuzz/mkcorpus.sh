#!/bin/sh
# Converts the net-snmp packet fixtures (tests/fixtures/*.hex) into binary
# seeds in tests/fuzz/corpus/, one file per fixture, named after it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fix="$here/../fixtures"
out="$here/corpus"
mkdir -p "$out"
for f in "$fix"/*.hex; do
    name=$(basename "$f" .hex)
    tr -d ' \t\r\n' < "$f" | xxd -r -p > "$out/$name.bin"
done
echo "$(ls "$out" | wc -l) seeds in $out"
