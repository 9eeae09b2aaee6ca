#!/bin/sh
# bench-json.sh BUILD_DIR - benchmark of the JSON event reader over ~1 GB of JSON Lines,
# made under /tmp by replicating the corpus bench file (deleted afterwards). Prints MB/s,
# events/s and peak RSS, with a read()+memchr baseline from the same run.
# Env: WARD_CORPUS (default ../shared/corpus), BENCH_JSON_MB (default 1000),
#      BENCH_ROUNDS (default 3; the best round is shown).
set -eu
build=${1:-build}
corpus=${WARD_CORPUS:-../shared/corpus}
src="$corpus/bench/evtx-attack-samples.jsonl"
mb=${BENCH_JSON_MB:-1000}
rounds=${BENCH_ROUNDS:-3}
if [ ! -r "$src" ]; then
    echo "SKIP: bench-json: $src is absent (set WARD_CORPUS)"
    exit 0
fi
if [ ! -x "$build/bench_json" ]; then
    echo "bench-json: $build/bench_json is not built (make build)" >&2
    exit 1
fi
work=$(mktemp -d /tmp/ward-bench-json.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
big="$work/evtx-attack-samples-x.jsonl"
size=$(wc -c <"$src")
copies=$(( (mb * 1000000 + size - 1) / size ))
echo "bench-json: writing $copies copies of $src to $big"
i=0
while [ "$i" -lt "$copies" ]; do
    cat "$src"
    i=$((i + 1))
done >"$big"
"$build/bench_json" "$big" "$rounds"
