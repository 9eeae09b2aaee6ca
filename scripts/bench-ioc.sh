#!/bin/sh
# bench-ioc.sh [BUILD_DIR] [N_INDICATORS] [HUNT_COPIES] - the indicator benchmark.
#
# 1. tests/bench/bench_ioc: N (default one million) generated indicators loaded and
#    compiled (time, memory); imported into a new case store and read back (what `ward
#    intel import` and `ward hunt --store` do); then the EVTX-ATTACK-SAMPLES JSON lines
#    decoded alone, with indicator matching, with the SigmaHQ Windows rules, and with both:
#    per-event costs of the detection pipeline alone (thread CPU time, best of 5).
# 2. The real `ward hunt -j 1 --intel` (the same N indicators) over HUNT_COPIES (default 12)
#    copies of the same file, sampled with perf: the share of the hunt workers' CPU spent in
#    ward_ioc_match_event, i.e. how much matching adds to the hunt without it. Without perf:
#    process CPU time (best of 3) of hunts with and without --intel, minus the same over an
#    empty file (start-up); on a loaded machine that difference is noisy. HUNT_COPIES=0
#    skips it.
# 3. scripts/bench-ioc-hunt.sh with the same list: whole `ward hunt -j 1` runs over
#    HUNT_CPU_COPIES (default 200) copies with and without the indicators, CPU time, median
#    of HUNT_CPU_PAIRS (default 5) interleaved pairs, the loading told apart from the
#    matching. HUNT_CPU_COPIES=0 skips it.
# Needs the shared corpus (WARD_CORPUS, default ../shared/corpus).
set -eu
build=${1:-build}
n=${2:-1000000}
copies=${3:-${HUNT_COPIES:-12}}
: "${WARD_CORPUS:=$(cd "$(dirname "$0")/.." && pwd)/../shared/corpus}"
if [ ! -x "$build/bench_ioc" ]; then
    echo "bench-ioc: $build/bench_ioc is not built (make build)" >&2
    exit 1
fi
events=$WARD_CORPUS/bench/evtx-attack-samples.jsonl
rules=$WARD_CORPUS/sigma/rules/windows
[ -d "$rules" ] || rules=-
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pin=
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"

echo "== bench_ioc: $n indicators over the EVTX samples (best of 5 passes)"
WARD_BENCH_LIST=$tmp/iocs.txt $pin "$build/bench_ioc" "$events" "$rules" "$n" 5

cpu_copies=${HUNT_CPU_COPIES:-200}
hunt_cpu() {
    [ "$cpu_copies" -gt 0 ] || return 0
    IOC_LIST=$tmp/iocs.txt WARD_CORPUS=$WARD_CORPUS "$(dirname "$0")/bench-ioc-hunt.sh" "$build" \
        "$cpu_copies" "${HUNT_CPU_PAIRS:-5}"
}
[ "$copies" -gt 0 ] || { hunt_cpu; exit 0; }
[ -x "$build/ward" ] || { echo "bench-ioc: $build/ward is not built" >&2; exit 1; }
inputs=
i=0
while [ $i -lt "$copies" ]; do inputs="$inputs $events"; i=$((i + 1)); done
ruleopt=
[ "$rules" != - ] && ruleopt="--rules $rules"
nev=$((copies * $(wc -l < "$events")))
# The real hunt: what share of the workers' CPU goes to matching the indicators. Sampled in
# one process (perf), so the load of a shared machine does not skew it as it skews two
# separate timings.
if command -v perf >/dev/null 2>&1 &&
    perf record -o "$tmp/perf.data" -F 999 --call-graph dwarf,8192 -- true >/dev/null 2>&1; then
    echo "== ward hunt -j 1 --intel ($n indicators) over $copies copies of the EVTX samples ($nev events), perf"
    for r in 1 2 3; do
    # shellcheck disable=SC2086
    perf record -o "$tmp/perf.data" -F 999 --call-graph dwarf,8192 -- "$build/ward" hunt -j 1 \
        $ruleopt --intel "$tmp/iocs.txt" --no-summary -f jsonl -o /dev/null $inputs \
        >/dev/null 2>"$tmp/perf.err" || true
    printf "run %s: " "$r"
    perf report -i "$tmp/perf.data" --children --sort symbol --stdio -g none 2>/dev/null |
        awk '$4 == "worker_main" { unit += $1 } $4 == "ward_ioc_match_event" { ioc += $1 }
             $4 == "ward_matcher_run" { sig += $1 }
             END { if (unit > ioc)
                 printf "hunt worker: %.1f%% of the samples; in it Sigma rules %.1f%%, indicators %.1f%%: matching the indicators adds %.1f%% to the worker without them\n",
                     unit, sig, ioc, 100 * ioc / (unit - ioc);
               else print "bench-ioc: no samples of the hunt worker (perf without DWARF unwinding?)" }'
    done
else
    echo "== ward hunt -j 1 over $copies copies, with and without the $n indicators (CPU time; noisy on a loaded machine)"
    : > "$tmp/empty.jsonl"
    cpu() {
        /usr/bin/time -f "%U %S" -o "$tmp/t" "$build/ward" hunt -j 1 $ruleopt --no-summary -f jsonl \
            -o /dev/null "$@" 2>/dev/null || true
        awk '{ printf "%.2f\n", $1 + $2 }' "$tmp/t"
    }
    : > "$tmp/none.empty"; : > "$tmp/none.big"; : > "$tmp/ioc.empty"; : > "$tmp/ioc.big"
    for r in 1 2 3; do
        cpu "$tmp/empty.jsonl" >> "$tmp/none.empty"
        # shellcheck disable=SC2086
        cpu $inputs >> "$tmp/none.big"
        cpu --intel "$tmp/iocs.txt" "$tmp/empty.jsonl" >> "$tmp/ioc.empty"
        # shellcheck disable=SC2086
        cpu --intel "$tmp/iocs.txt" $inputs >> "$tmp/ioc.big"
    done
    best() { sort -n | head -1; }
    ne=$(best < "$tmp/none.empty"); nb=$(best < "$tmp/none.big")
    ie=$(best < "$tmp/ioc.empty"); ib=$(best < "$tmp/ioc.big")
    awk -v ne="$ne" -v nb="$nb" -v ie="$ie" -v ib="$ib" -v nev="$nev" 'BEGIN {
        h = nb - ne; hi = ib - ie;
        printf "start-up: %.2f s, with the indicators %.2f s; hunt of %d events: %.2f s CPU, with indicators %.2f s: %+.1f%%\n",
            ne, ie, nev, h, hi, 100 * (hi - h) / h }'
fi
hunt_cpu
