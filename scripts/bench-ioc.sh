#!/bin/sh
# bench-ioc.sh [BUILD_DIR] [N_INDICATORS] - the indicator benchmark: N (default one million)
# generated indicators loaded and compiled, then the EVTX-ATTACK-SAMPLES JSON lines decoded
# alone, with indicator matching, with the SigmaHQ Windows rules, and with both (the hunt's
# case). Needs the shared corpus (WARD_CORPUS, default ../shared/corpus).
set -eu
build=${1:-build}
n=${2:-1000000}
: "${WARD_CORPUS:=$(cd "$(dirname "$0")/.." && pwd)/../shared/corpus}"
if [ ! -x "$build/bench_ioc" ]; then
    echo "bench-ioc: $build/bench_ioc is not built (make build)" >&2
    exit 1
fi
rules=$WARD_CORPUS/sigma/rules/windows
[ -d "$rules" ] || rules=-
echo "== bench_ioc: $n indicators over the EVTX samples (best of 5 passes)"
if command -v taskset >/dev/null 2>&1; then
    exec taskset -c 0 "$build/bench_ioc" "$WARD_CORPUS/bench/evtx-attack-samples.jsonl" "$rules" "$n" 5
fi
exec "$build/bench_ioc" "$WARD_CORPUS/bench/evtx-attack-samples.jsonl" "$rules" "$n" 5
