#!/bin/sh
# bench-sigma.sh [BUILD_DIR] [MIN_EVENTS] - the Sigma matcher benchmark: every SigmaHQ
# Windows rule over the EVTX-ATTACK-SAMPLES JSON lines replayed to MIN_EVENTS (default one
# million) on one core. Needs the shared corpus (WARD_CORPUS, default ../shared/corpus).
set -eu
build=${1:-build}
min=${2:-1000000}
: "${WARD_CORPUS:=$(cd "$(dirname "$0")/.." && pwd)/../shared/corpus}"
export WARD_CORPUS
if [ ! -x "$build/bench_sigma" ]; then
    echo "bench-sigma: $build/bench_sigma is not built (make build)" >&2
    exit 1
fi
echo "== bench_sigma: SigmaHQ windows rules, >= $min events, one core"
# pin to one CPU when taskset is there, so the figure is a one-core figure
if command -v taskset >/dev/null 2>&1; then
    exec taskset -c 0 "$build/bench_sigma" -n "$min"
fi
exec "$build/bench_sigma" -n "$min"
