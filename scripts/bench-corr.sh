#!/bin/sh
# bench-corr.sh [BUILD_DIR] [N] - the correlation engine's state under N (default one
# million) distinct group keys: matches/s, the engine's state in MB and per group, peak RSS,
# with every group alive and with the default cap (tests/bench/bench_corr.c). No corpus needed.
set -eu
build=${1:-build}
n=${2:-1000000}
if [ ! -x "$build/bench_corr" ]; then
    echo "bench-corr: $build/bench_corr is not built (make build)" >&2
    exit 1
fi
exec "$build/bench_corr" "$n"
