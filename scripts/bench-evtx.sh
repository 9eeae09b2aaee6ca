#!/bin/sh
# bench-evtx.sh BUILD_DIR - EVTX decoding speed over every .evtx file of the shared corpus
# (evtx/, sigma/regression_data/, engine-tests/): ward's decoder (tests/bench/bench_evtx,
# one thread, from files and from memory) against Debian's evtxexport (libevtx-utils,
# XML output, the baseline) over the same files in the same run. Prints records/s, MB/s
# and the ratio. On a shared machine, compare the per-CPU-second figures.
set -eu
build=${1:-build}
corpus=${WARD_CORPUS:-../shared/corpus}
rounds=${BENCH_ROUNDS:-10}
if [ ! -d "$corpus" ]; then echo "bench-evtx: SKIP: no corpus at $corpus"; exit 0; fi
list=$(mktemp)
trap 'rm -f "$list"' EXIT
for d in evtx sigma/regression_data engine-tests; do
    [ -d "$corpus/$d" ] && find "$corpus/$d" -name '*.evtx' -type f -size +0 -print0
done >"$list"
files=$(tr -cd '\0' <"$list" | wc -c)
bytes=$(xargs -0 cat <"$list" | wc -c)
echo "bench-evtx: $files files, $bytes bytes, $rounds rounds"
out=$("$build/bench_evtx" -r "$rounds" "$corpus/evtx" "$corpus/sigma/regression_data" \
    "$corpus/engine-tests")
echo "$out"
"$build/bench_evtx" -m -r "$rounds" "$corpus/evtx" "$corpus/sigma/regression_data" \
    "$corpus/engine-tests"
# records per round and ward's rates (from files)
records=$(echo "$out" | sed -n 's/.*rounds: \([0-9]*\) records.*/\1/p')
records=$((records / rounds))
ward_wall=$(echo "$out" | sed -n 's/^ward evtx: \([0-9]*\) records\/s.*/\1/p')
ward_cpu=$(echo "$out" | sed -n 's/.*; \([0-9]*\) records\/s, [0-9.]* MB\/s per CPU second.*/\1/p')
if ! command -v evtxexport >/dev/null; then
    echo "bench-evtx: evtxexport (libevtx-utils) not installed: no baseline"
    exit 0
fi
# baseline: one evtxexport run over the same files (XML output), wall clock and CPU time
t0=$(date +%s%N)
cpu=$( { /usr/bin/time -f '%U %S' sh -c 'xargs -0 -n1 evtxexport -f xml <"$1" >/dev/null 2>&1' \
    sh "$list"; } 2>&1 | tail -1)
t1=$(date +%s%N)
awk -v r="$records" -v ns=$((t1 - t0)) -v cpu="$cpu" -v b="$bytes" -v ww="$ward_wall" \
    -v wc="$ward_cpu" 'BEGIN {
    split(cpu, c, " "); cs = c[1] + c[2]; s = ns / 1e9;
    printf "evtxexport -f xml: %d records in %.2f s: %.0f records/s, %.1f MB/s (wall clock); ", r, s, r / s, b / 1e6 / s;
    if (cs > 0) printf "%.0f records/s per CPU second\n", r / cs; else printf "\n";
    printf "ratio ward/evtxexport: %.1fx (wall clock)", ww / (r / s);
    if (cs > 0 && wc > 0) printf ", %.1fx (per CPU second)", wc / (r / cs);
    printf "\n" }'
