#!/bin/sh
# bench-ioc-hunt.sh [BUILD_DIR] [COPIES] [PAIRS] - what one million indicators cost a real hunt.
#
# Whole `ward hunt -j 1` runs (the SigmaHQ Windows rules of the corpus, alerts as JSON lines
# to /dev/null) over COPIES (default 200) copies of the EVTX-ATTACK-SAMPLES JSON lines
# (8255 events each: 1.65M events by default), without and with `--intel` of N generated
# indicators (IOC_N, default 1000000; the generator of tests/bench/bench_ioc, or the list in
# IOC_LIST). CPU time (user + sys, /usr/bin/time) of each process; PAIRS (default 5) pairs,
# the order alternating inside each pair; the median of the pairs' figures. The same pairs
# over an empty input give the start-up (rules) and the indicators' loading (parse, compile),
# so the matching alone is told apart from the loading:
#
#   load included:  (with - without) / without                  the whole run, as a user sees it
#   load excluded:  (with - without - load) / (without - start-up)   per event, the hunt's own work
#
# The per-event costs are printed too (us/event of CPU: the hunt without indicators, the
# matching). WARD=path/to/ward measures another binary; WARD_BASE=path/to/ward measures a
# second one (e.g. an older build) in the same pairs, right before the first, for a
# before/after under the same load. Needs the shared corpus (WARD_CORPUS, default
# ../shared/corpus) and /usr/bin/time.
set -eu
build=${1:-build}
copies=${2:-200}
pairs=${3:-5}
n=${IOC_N:-1000000}
: "${WARD_CORPUS:=$(cd "$(dirname "$0")/.." && pwd)/../shared/corpus}"
ward=${WARD:-$build/ward}
[ -x "$ward" ] || { echo "bench-ioc-hunt: $ward is not built (make build)" >&2; exit 1; }
bins=$ward
if [ -n "${WARD_BASE:-}" ]; then
    [ -x "$WARD_BASE" ] || { echo "bench-ioc-hunt: $WARD_BASE is not executable" >&2; exit 1; }
    bins="$WARD_BASE $ward"
fi
[ -x /usr/bin/time ] || { echo "bench-ioc-hunt: needs /usr/bin/time" >&2; exit 1; }
events=$WARD_CORPUS/bench/evtx-attack-samples.jsonl
rules=$WARD_CORPUS/sigma/rules/windows
[ -f "$events" ] || { echo "bench-ioc-hunt: no $events (set WARD_CORPUS)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
list=${IOC_LIST:-}
if [ -z "$list" ]; then
    [ -x "$build/bench_ioc" ] || { echo "bench-ioc-hunt: $build/bench_ioc is not built" >&2; exit 1; }
    list=$tmp/iocs.txt
    WARD_BENCH_LIST=$list "$build/bench_ioc" - - "$n"
fi
ruleopt=
[ -d "$rules" ] && ruleopt="--rules $rules"
inputs=
i=0
while [ "$i" -lt "$copies" ]; do inputs="$inputs $events"; i=$((i + 1)); done
nev=$((copies * $(wc -l < "$events")))
: > "$tmp/empty.jsonl"

# cpu WARD OUTFILE ARGS...: one hunt, its user + sys CPU seconds appended to OUTFILE
cpu() {
    bin=$1
    out=$2
    shift 2
    # shellcheck disable=SC2086
    /usr/bin/time -f "%U %S" -o "$tmp/t" "$bin" hunt -j 1 $ruleopt --no-summary -f jsonl \
        -o /dev/null "$@" > /dev/null 2> "$tmp/err" || {
        echo "bench-ioc-hunt: $bin hunt failed:" >&2
        cat "$tmp/err" >&2
        exit 1
    }
    awk '{ printf "%.3f\n", $1 + $2 }' "$tmp/t" >> "$out"
}

echo "== ward hunt -j 1 over $copies copies of the EVTX samples ($nev events), with and without $(wc -l < "$list") indicators; CPU time, $pairs interleaved pairs"
b=0
for bin in $bins; do
    b=$((b + 1))
    for f in none ioc none0 ioc0; do : > "$tmp/$f.$b"; done
done
p=1
while [ "$p" -le "$pairs" ]; do
    b=0
    for bin in $bins; do
        b=$((b + 1))
        # shellcheck disable=SC2086
        if [ $((p % 2)) -eq 1 ]; then
            cpu "$bin" "$tmp/none0.$b" "$tmp/empty.jsonl"
            cpu "$bin" "$tmp/ioc0.$b" --intel "$list" "$tmp/empty.jsonl"
            cpu "$bin" "$tmp/none.$b" $inputs
            cpu "$bin" "$tmp/ioc.$b" --intel "$list" $inputs
        else
            cpu "$bin" "$tmp/ioc0.$b" --intel "$list" "$tmp/empty.jsonl"
            cpu "$bin" "$tmp/none0.$b" "$tmp/empty.jsonl"
            cpu "$bin" "$tmp/ioc.$b" --intel "$list" $inputs
            cpu "$bin" "$tmp/none.$b" $inputs
        fi
        printf "pair %d, %s: without %s s, with %s s; empty input: without %s s, with %s s\n" \
            "$p" "$bin" "$(tail -1 "$tmp/none.$b")" "$(tail -1 "$tmp/ioc.$b")" \
            "$(tail -1 "$tmp/none0.$b")" "$(tail -1 "$tmp/ioc0.$b")"
    done
    p=$((p + 1))
done
b=0
for bin in $bins; do
    b=$((b + 1))
    echo "-- $bin"
    paste "$tmp/none.$b" "$tmp/ioc.$b" "$tmp/none0.$b" "$tmp/ioc0.$b" | awk -v nev="$nev" '
    function median(a, k,   i, j, t) {
        for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { k++; nb[k] = $1; ib[k] = $2; ne[k] = $3
      incl[k] = 100 * ($2 - $1) / $1
      load[k] = $4 - $3
      excl[k] = 100 * ($2 - $1 - ($4 - $3)) / ($1 - $3)
      per[k] = 1e6 * ($2 - $1 - ($4 - $3)) / nev
      base[k] = 1e6 * ($1 - $3) / nev }
    END {
      printf "median CPU: hunt without indicators %.2f s, with %.2f s; start-up (rules) %.2f s, loading the indicators %.2f s\n",
          median(nb, k), median(ib, k), median(ne, k), median(load, k)
      printf "indicators, load included: %+.1f%% of the whole run (median of %d pairs)\n", median(incl, k), k
      printf "indicators, load excluded: %+.1f%% of the hunt'"'"'s work per event (median of %d pairs): matching %.2f us/event over %.2f us/event without\n",
          median(excl, k), k, median(per, k), median(base, k)
    }'
done
