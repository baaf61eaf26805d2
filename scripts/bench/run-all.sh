#!/bin/sh
# run-all.sh - runs every benchmark script in scripts/bench/: each executable
# file here except this one, common.sh and C sources. Arguments are passed
# to every script. Exits non-zero when any of them failed.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
status=0
for f in "$dir"/*; do
    name=$(basename "$f")
    case "$name" in
    run-all.sh | common.sh | *.c | *.h | *.md) continue ;;
    esac
    [ -f "$f" ] && [ -x "$f" ] || continue
    if ! "$f" "$@"; then
        echo "run-all: $name failed" >&2
        status=1
    fi
    echo
done
exit $status
