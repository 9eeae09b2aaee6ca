#!/bin/bash
# intel_store.sh - threat intelligence in the case store: `ward intel import` of the
# corpus' STIX 2.1 examples and MISP events records exactly the values an independent
# count (intel_expect.py) finds, reports every indicator it cannot load by its id (and keeps
# it in the store), never duplicates on re-import (it refreshes last_seen), lists and
# removes by source; `ward hunt --store` then finds planted indicators (values that occur in
# the corpus logs, chosen by Python) in exactly the events a Python scan finds them in,
# records them as observables of the incidents, and `ward case verify` still holds.
set -u
ward=${WARD_BIN:?WARD_BIN not set}
src=${WARD_SRC:-.}
corpus=${WARD_CORPUS:-../shared/corpus}
ti=$corpus/threat-intel
ssh=$corpus/linux-logs/loghub/OpenSSH/OpenSSH_2k.log
bench=$corpus/bench/evtx-attack-samples.jsonl
for d in "$ti/stix21-oasis-examples/examples" "$ti/misp-pymisp-fixtures"; do
    [ -d "$d" ] || { echo "SKIP: $d not found"; exit 77; }
done
for f in "$ssh" "$bench"; do
    [ -f "$f" ] || { echo "SKIP: $f not found"; exit 77; }
done
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
command -v sqlite3 >/dev/null || { echo "SKIP: sqlite3 shell missing"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
check() { if [ "$2" = "$3" ]; then ok; else bad "$1: got '$2', expected '$3'"; fi; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
db=$tmp/case.db
q() { sqlite3 "$db" "$1"; }
T1=2026-01-01T00:00:00Z
T2=2026-02-01T00:00:00Z

mapfile -t stix < <(find "$ti/stix21-oasis-examples/examples" -name '*.json' | sort)
mapfile -t misp < <(python3 "$src/tests/e2e/intel_expect.py" --select $(find "$ti/misp-pymisp-fixtures" -name '*.json' | sort))
[ ${#stix[@]} -gt 3 ] && ok || bad "too few STIX example files (${#stix[@]})"
[ ${#misp[@]} -gt 5 ] && ok || bad "too few MISP event files (${#misp[@]})"

# --- import: counts equal the independent count; every indicator not loaded is reported ---
imp() { # name files...
    local name=$1; shift
    python3 "$src/tests/e2e/intel_expect.py" "$@" > "$tmp/$name.expect" || { bad "$name: expect script"; return; }
    WARD_NOW=$T1 "$ward" intel import --store "$db" --json "$@" > "$tmp/$name.got" 2> "$tmp/$name.err"
    local rc=$?
    check "$name: import exit status (unsupported patterns do not fail it)" "$rc" 0
    # the loader's own view of the same files, for the store's row count
    "$ward" intel check --list "$@" 2>/dev/null | tail -n +2 > "$tmp/$name.list"
    python3 - "$tmp/$name.expect" "$tmp/$name.got" "$tmp/$name.list" "$name" <<'PY'
import json, os, sys
exp = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2])); name = sys.argv[4]
errs = []
for t, n in exp["values"].items():
    if got["values"].get(t) != n:
        errs.append(f"values[{t}]: ward {got['values'].get(t)}, expected {n}")
for k in ("total", "indicators", "loaded", "partial"):
    if got[k] != exp[k]:
        errs.append(f"{k}: ward {got[k]}, expected {exp[k]}")
probs = [p for p in got["problems"] if p["kind"] != "file-error"]
ids = {p.get("id") for p in probs}
missing = [i for i in exp["not_loaded"] if i is not None and i not in ids]
if missing:
    errs.append(f"not reported: {missing[:5]} ({len(missing)})")
if len(probs) != len(exp["not_loaded"]):
    errs.append(f"problems: ward {len(probs)}, expected {len(exp['not_loaded'])}")
if got["file_errors"]:
    errs.append(f"file errors: {got['file_errors']}")
# per file: the per-type counts add up to the file's values
for f in got["files"]:
    if sum(f["types"].values()) != f["values"]:
        errs.append(f"{f['path']}: per-type counts {f['types']} do not add up to {f['values']}")
# first import into an empty store (per name): new == distinct (source, id, type, value)
rows = set()
for line in open(sys.argv[3], encoding="utf-8", errors="surrogateescape"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    v = json.loads(line)
    rows.add((os.path.basename(v["source"]), v.get("id", ""), v["type"], v["value"]))
if got["new"] != len(rows):
    errs.append(f"new rows: ward {got['new']}, expected {len(rows)} distinct values")
if got["new"] + got["updated"] != got["total"]:
    errs.append(f"new {got['new']} + updated {got['updated']} != total {got['total']}")
print(f"{name}: {got['total']} values, {got['new']} rows, {len(probs)} reported not loaded")
json.dump({"rows": len(rows), "not_loaded": [i for i in exp["not_loaded"] if i]},
          open(sys.argv[2] + ".sum", "w"))
for e in errs:
    print(f"FAIL {name}: {e}", file=sys.stderr)
sys.exit(1 if errs else 0)
PY
    [ $? = 0 ] && ok || bad "$name: import differs from the independent count"
}
imp stix "${stix[@]}"
rows_stix=$(python3 -c "import json;print(json.load(open('$tmp/stix.got.sum'))['rows'])")
check "rows after the STIX import" "$(q 'SELECT count(*) FROM indicators')" "$rows_stix"
imp misp "${misp[@]}"
rows_misp=$(python3 -c "import json;print(json.load(open('$tmp/misp.got.sum'))['rows'])")
rows=$((rows_stix + rows_misp))
check "rows after the MISP import" "$(q 'SELECT count(*) FROM indicators')" "$rows"
[ "$rows" -gt 10 ] && ok || bad "too few indicators imported ($rows)"
check "one journal entry per imported file" "$(q "SELECT count(*) FROM journal WHERE action = 'intel.import'")" $((${#stix[@]} + ${#misp[@]}))
check "imports recorded" "$(q 'SELECT count(*) FROM intel_imports')" $((${#stix[@]} + ${#misp[@]}))

# the problems are kept in the store, by id
"$ward" intel list --store "$db" --problems --format json > "$tmp/problems.json"
python3 - "$tmp/problems.json" "$tmp/stix.got.sum" "$tmp/misp.got.sum" <<'PY'
import json, sys
ids = {p.get("id") for p in json.load(open(sys.argv[1]))}
want = set(json.load(open(sys.argv[2]))["not_loaded"]) | set(json.load(open(sys.argv[3]))["not_loaded"])
miss = want - ids
if miss or not want:
    print(f"FAIL: problems not kept in the store: {sorted(miss)[:5]} ({len(miss)} of {len(want)})", file=sys.stderr)
    sys.exit(1)
PY
[ $? = 0 ] && ok || bad "stored problems"
nprob=$(q 'SELECT count(*) FROM intel_problems')
[ "$nprob" -gt 0 ] && ok || bad "no problems recorded"
# the text report names unsupported STIX indicators by id with a reason
id1=$(python3 -c "import json;print(json.load(open('$tmp/stix.got.sum'))['not_loaded'][0])")
WARD_NOW=$T1 "$ward" intel check "${stix[@]}" > "$tmp/check.txt" 2>&1
grep -q "unsupported: $id1: " "$tmp/check.txt" && ok || bad "text report does not name $id1"

# --- re-import: no duplicates, last_seen refreshed, first_seen kept ---
WARD_NOW=$T2 "$ward" intel import --store "$db" --json "${stix[@]}" "${misp[@]}" > "$tmp/again.json" 2>/dev/null
check "re-import exit status" "$?" 0
check "rows after re-import" "$(q 'SELECT count(*) FROM indicators')" "$rows"
check "re-import: problems not duplicated" "$(q 'SELECT count(*) FROM intel_problems')" "$nprob"
check "re-import: new rows" "$(python3 -c "import json;print(json.load(open('$tmp/again.json'))['new'])")" 0
"$ward" intel list --store "$db" --format json > "$tmp/list.json"
python3 - "$tmp/list.json" "$rows" "$T1" "$T2" <<'PY'
import json, sys
items = json.load(open(sys.argv[1])); rows = int(sys.argv[2]); t1, t2 = sys.argv[3:5]
errs = []
if len(items) != rows:
    errs.append(f"list: {len(items)} items, expected {rows}")
bad_fs = [i for i in items if i["first_seen"] != t1]
bad_ls = [i for i in items if i["last_seen"] != t2]
if bad_fs: errs.append(f"{len(bad_fs)} first_seen changed, e.g. {bad_fs[0]}")
if bad_ls: errs.append(f"{len(bad_ls)} last_seen not refreshed, e.g. {bad_ls[0]}")
if len({(i["source"], i.get("id", ""), i["type"], i["value"]) for i in items}) != len(items):
    errs.append("duplicate rows")
for e in errs:
    print("FAIL:", e, file=sys.stderr)
sys.exit(1 if errs else 0)
PY
[ $? = 0 ] && ok || bad "list after re-import"

# --- list --format csv is re-importable: the same rows, context and all ---
"$ward" intel list --store "$db" --format csv > "$tmp/all.csv"
"$ward" intel import --store "$tmp/copy.db" "$tmp/all.csv" > /dev/null 2>&1
check "csv re-import exit status" "$?" 0
cols="type, value, source, source_id, tlp, confidence, valid_from, valid_until, labels, flags"
sqlite3 "$db" "SELECT $cols FROM indicators ORDER BY 1, 2, 3, 4" > "$tmp/rows.a"
sqlite3 "$tmp/copy.db" "SELECT $cols FROM indicators ORDER BY 1, 2, 3, 4" > "$tmp/rows.b"
[ -s "$tmp/rows.a" ] && cmp -s "$tmp/rows.a" "$tmp/rows.b" && ok || bad "csv round trip differs: $(diff "$tmp/rows.a" "$tmp/rows.b" | head -3)"

# --- list filters, csv, remove ---
n4=$(q "SELECT count(*) FROM indicators WHERE type = 'ipv4'")
check "list --type ipv4" "$("$ward" intel list --store "$db" --type ipv4 --format csv | tail -n +2 | wc -l)" "$n4"
src1=$(q "SELECT source FROM indicators GROUP BY source ORDER BY count(*) DESC LIMIT 1")
n1=$(q "SELECT count(*) FROM indicators WHERE source = '$src1'")
check "list --source" "$("$ward" intel list --store "$db" --source "$src1" --format jsonl | wc -l)" "$n1"
"$ward" intel remove --store "$db" --source "$src1" > "$tmp/remove.txt"
check "remove exit status" "$?" 0
grep -q "removed $n1 indicators" "$tmp/remove.txt" && ok || bad "remove output: $(cat "$tmp/remove.txt")"
check "rows after remove" "$(q 'SELECT count(*) FROM indicators')" $((rows - n1))
check "removed source gone" "$(q "SELECT count(*) FROM indicators WHERE source = '$src1'")" 0
check "remove journaled" "$(q "SELECT count(*) FROM journal WHERE action = 'intel.remove'")" 1
"$ward" intel remove --store "$db" > /dev/null 2>&1
check "remove without --source is a usage error" "$?" 64

# --- hunt --store: planted indicators found, as observables ---
python3 - "$tmp" "$ssh" "$bench" <<'PY' || { echo "FAIL: planting script"; exit 1; }
import collections, json, re, sys
tmp, ssh, bench = sys.argv[1:4]
lines = open(ssh, encoding="utf-8", errors="replace").read().splitlines()
ips = collections.Counter(m for l in lines for m in re.findall(r"Failed password for .* from ([0-9.]+) port", l))
(ip1, _), (ip2, _) = ips.most_common(2)
hashes = []
for line in open(bench, encoding="utf-8"):
    ed = (json.loads(line).get("Event") or {}).get("EventData") or {}
    h = ed.get("Hashes") if isinstance(ed, dict) else None
    if isinstance(h, str) and "SHA256=" in h:
        hashes.append(dict(kv.split("=", 1) for kv in h.split(",") if "=" in kv)["SHA256"].lower())
sha = collections.Counter(hashes).most_common(1)[0][0]
decoy = "198.51.100.201"
with open(f"{tmp}/planted.txt", "w") as f:
    f.write(f"# planted\n{ip1}\n{decoy}\n")
bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000a1", "objects": [
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-0000000000a2",
     "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z", "name": "planted",
     "pattern_type": "stix", "valid_from": "2000-01-01T00:00:00Z", "confidence": 90,
     "pattern": f"[file:hashes.'SHA-256' = '{sha}'] OR [ipv4-addr:value = '{ip2}']"}]}
json.dump(bundle, open(f"{tmp}/planted.stix.json", "w"))
def word(v):
    return re.compile(r"(?<![A-Za-z0-9_.-])" + re.escape(v) + r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])", re.I)
def strings(o):
    if isinstance(o, dict):
        for v in o.values(): yield from strings(v)
    elif isinstance(o, list):
        for v in o: yield from strings(v)
    elif isinstance(o, str):
        yield o
exp = {}
for v in (ip1, ip2):
    rx = word(v)
    exp[v] = sorted(i + 1 for i, l in enumerate(lines) if rx.search(l))
rx = word(sha)
recs = []
for i, line in enumerate(open(bench, encoding="utf-8")):
    if any(rx.search(s) for s in strings(json.loads(line))):
        recs.append(i + 1)
exp[sha] = recs
json.dump({"expect": exp, "decoy": decoy}, open(f"{tmp}/planted.expect", "w"))
for v, r in exp.items():
    print(f"planted {v}: {len(r)} events")
PY
hdb=$tmp/hunt.db
"$ward" intel import --store "$hdb" "$tmp/planted.txt" "$tmp/planted.stix.json" > /dev/null 2>&1
check "planted import" "$?" 0
"$ward" hunt --store "$hdb" --format jsonl --no-summary -j 2 "$ssh" "$bench" > "$tmp/hunt.jsonl" 2> "$tmp/hunt.err"
check "hunt --store exit status" "$?" 0
grep -q "intel: 4 indicators from the store" "$tmp/hunt.err" && ok || bad "hunt does not say how many indicators the store gave: $(head -3 "$tmp/hunt.err")"
python3 - "$tmp/planted.expect" "$tmp/hunt.jsonl" <<'PY'
import collections, json, sys
exp = json.load(open(sys.argv[1]))
got = collections.defaultdict(set)
for line in open(sys.argv[2]):
    a = json.loads(line)
    if a["rule"]["id"] != "ward-intel-match":
        continue
    got[a["intel"]["indicator"]].add(a["source"]["record"])
errs = []
for v, recs in exp["expect"].items():
    if not recs:
        errs.append(f"{v}: planted but occurs nowhere (test bug)")
    if sorted(got.get(v, ())) != recs:
        errs.append(f"{v}: hunt found {len(got.get(v, ()))} events, expected {len(recs)}")
if exp["decoy"] in got:
    errs.append("the decoy matched")
extra = set(got) - set(exp["expect"])
if extra:
    errs.append(f"unexpected indicators: {sorted(extra)}")
for e in errs:
    print("FAIL:", e, file=sys.stderr)
print(f"hunt --store: {sum(len(r) for r in got.values())} events with planted indicators")
sys.exit(1 if errs else 0)
PY
[ $? = 0 ] && ok || bad "hunt --store did not find the planted indicators exactly"
for v in $(python3 -c "import json;print(' '.join(json.load(open('$tmp/planted.expect'))['expect']))"); do
    n=$(sqlite3 "$hdb" "SELECT count(*) FROM observables WHERE value = '$v'")
    [ "$n" -ge 1 ] && ok || bad "planted $v is not an observable"
done
# --no-store-intel: no intel alert at all
cp "$hdb" "$tmp/hunt3.db"
"$ward" hunt --store "$tmp/hunt3.db" --no-store-intel --format jsonl --no-summary "$ssh" > "$tmp/hunt3.jsonl" 2> "$tmp/hunt3.err"
check "--no-store-intel: intel alerts" "$(grep -c ward-intel-match "$tmp/hunt3.jsonl")" 0
grep -q "from the store" "$tmp/hunt3.err" && bad "--no-store-intel still loaded the store's intel" || ok
"$ward" case verify --store "$hdb" > "$tmp/verify.txt" 2>&1
check "case verify after the hunt" "$?" 0
"$ward" case verify --store "$db" > "$tmp/verify2.txt" 2>&1
check "case verify after imports and removal" "$?" 0

echo "intel_store: $pass passed, $fail failed"
[ $fail = 0 ]
