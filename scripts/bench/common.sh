# common.sh - helpers for the scripts in scripts/bench/ (sourced, not run).
#
#   bench_root         the repository root
#   bench_out DIR      creates and prints build/bench/DIR (a scratch dir)
#   bench_need CMD...  exits with a message when a command is missing
#   bench_cc           the C compiler to use (CC, else gcc)
#   bench_header TITLE prints a title line with the date and host CPU

bench_root=$(cd "$(dirname "$0")/../.." && pwd)
export MIBS=

bench_out() {
    d="$bench_root/build/bench/$1"
    mkdir -p "$d"
    echo "$d"
}

bench_need() {
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || {
            echo "$(basename "$0"): needs $c (run scripts/deps.sh)" >&2
            exit 2
        }
    done
}

bench_cc() {
    echo "${CC:-gcc}"
}

bench_header() {
    cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
    echo "== $1 ($(date -u +%Y-%m-%dT%H:%MZ), ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo ?) cores)"
}
