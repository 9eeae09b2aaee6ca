#!/bin/bash
# dump_json.sh - `ward dump` over JSON inputs of the shared corpus: the EVTX-as-JSON-Lines
# bench file, the pretty-printed regression events of SigmaHQ, a file with a corrupt line
# in the middle, the same as an array, and gzip-compressed JSON Lines.
set -u
corpus=${WARD_CORPUS:-../shared/corpus}
ward=${WARD_BIN:-build/ward}
bench="$corpus/bench/evtx-attack-samples.jsonl"
if [ ! -r "$bench" ] || [ ! -d "$corpus/sigma/regression_data" ]; then
    echo "SKIP: the shared corpus is not at $corpus (set WARD_CORPUS)"
    exit 77
fi
fail=0
bad() { echo "FAIL: $*"; fail=1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. the bench file: one event per line, 8255 of them, no errors
n=$("$ward" dump "$bench" 2>"$work/err" | wc -l)
rc=${PIPESTATUS[0]}
[ "$n" = 8255 ] || bad "evtx-attack-samples.jsonl gave $n events, expected 8255"
[ "$rc" = 0 ] || bad "evtx-attack-samples.jsonl: exit status $rc"
[ -s "$work/err" ] && bad "evtx-attack-samples.jsonl: messages on stderr: $(head -3 "$work/err")"
c=$("$ward" dump --count "$bench" | tail -1 | cut -f1)
[ "$c" = 8255 ] || bad "--count says $c"

# 2. the pretty-printed regression events: as many events as the file holds documents
#    (most hold one; a few hold several, as many as their .evtx has records). The oracle
#    is Python's json module; ward counts them all in one run with --count.
reg="$corpus/sigma/regression_data"
python3 - "$reg" >"$work/want.cnt" <<'PY'
import json, os, sys
for root, dirs, names in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in names:
        if not name.endswith(".json") or name.startswith("."):
            continue
        path = os.path.join(root, name)
        s = open(path, encoding="utf-8-sig").read()
        d, i, n = json.JSONDecoder(), 0, 0
        while True:
            while i < len(s) and s[i] in " \t\r\n":
                i += 1
            if i >= len(s):
                break
            _, i = d.raw_decode(s, i)
            n += 1
        print(f"{n}\t{path}")
PY
find "$reg" -name '*.json' -print0 | xargs -0 "$ward" dump --count >"$work/got.cnt" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || bad "regression_data: exit status $rc: $(head -3 "$work/err")"
grep -v "	total$" "$work/got.cnt" | sort -k2 >"$work/got.sorted"
sort -k2 "$work/want.cnt" >"$work/want.sorted"
files=$(wc -l <"$work/want.sorted")
single=$(grep -c '^1	' "$work/want.sorted")
[ "$files" -gt 100 ] || bad "only $files regression .json files found"
diff "$work/want.sorted" "$work/got.sorted" >"$work/cnt.diff" ||
    bad "regression_data: event counts differ: $(head -5 "$work/cnt.diff")"
echo "regression_data: $files files, $single with exactly one event, all counts right"
first=$(head -1 "$work/want.sorted" | cut -f2)
"$ward" dump --meta "$first" | grep -q '"_ward":{"path":".*","record":1,"line":1,"offset":0' ||
    bad "$first: --meta output lacks record/line/offset"

# 3. a corrupt line in the middle: reported with its line number, every other event printed
head -200 "$bench" >"$work/good.jsonl"
{
    head -99 "$work/good.jsonl"
    sed -n 100p "$work/good.jsonl" | cut -c1-250
    tail -n +101 "$work/good.jsonl"
} >"$work/cut.jsonl"
sed 100d "$work/good.jsonl" >"$work/without.jsonl"
"$ward" dump "$work/without.jsonl" >"$work/want.out" 2>/dev/null
"$ward" dump "$work/cut.jsonl" >"$work/got.out" 2>"$work/err"
rc=$?
[ "$rc" = 65 ] || bad "corrupt line: exit status $rc, expected 65"
grep -q "cut.jsonl:100:" "$work/err" || bad "corrupt line: stderr does not name line 100: $(cat "$work/err")"
[ "$(wc -l <"$work/got.out")" = 199 ] || bad "corrupt line: $(wc -l <"$work/got.out") events, expected 199"
cmp -s "$work/want.out" "$work/got.out" || bad "corrupt line: the other events differ"
# a garbage line and a trailing comma, too
{
    head -50 "$work/good.jsonl"
    echo 'this is not json'
    sed -n 51,150p "$work/good.jsonl"
    echo '{"a": 1,}'
    tail -n +151 "$work/good.jsonl"
} >"$work/two.jsonl"
"$ward" dump "$work/two.jsonl" >"$work/got2.out" 2>"$work/err2"
rc=$?
[ "$rc" = 65 ] || bad "two bad lines: exit status $rc"
grep -q "two.jsonl:51:1:" "$work/err2" || bad "two bad lines: line 51 not named: $(cat "$work/err2")"
grep -q "two.jsonl:152:9: trailing comma" "$work/err2" ||
    bad "two bad lines: line 152 not named: $(cat "$work/err2")"
"$ward" dump "$work/good.jsonl" >"$work/good.out"
cmp -s "$work/good.out" "$work/got2.out" || bad "two bad lines: the other events differ"

# 4. the same records as a pretty array, and gzip-compressed JSON Lines
python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
json.dump(recs, open(sys.argv[2], "w"), indent=2, ensure_ascii=False)
' "$work/good.jsonl" "$work/arr.json"
"$ward" dump "$work/arr.json" >"$work/arr.out" 2>"$work/err"
rc=$?
[ "$rc" = 0 ] || bad "array: exit status $rc: $(head -3 "$work/err")"
cmp -s "$work/good.out" "$work/arr.out" || bad "array: events differ from the JSON Lines form"
gzip -c "$work/good.jsonl" >"$work/good.jsonl.gz"
"$ward" dump "$work/good.jsonl.gz" >"$work/gz.out" 2>/dev/null
cmp -s "$work/good.out" "$work/gz.out" || bad "gzip: events differ"

[ "$fail" = 0 ] && echo "dump_json: ok"
exit "$fail"
