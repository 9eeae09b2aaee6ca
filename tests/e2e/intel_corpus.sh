#!/bin/bash
# intel_corpus.sh - `ward intel check` over the corpus' STIX 2.1 examples and MISP events:
# the values loaded per type, the indicators loaded whole and in part, and the set of
# indicators not loaded must equal an independent count (intel_expect.py, plain Python
# over the same files); every indicator not loaded must be reported with its id.
set -u
ward=${WARD_BIN:?WARD_BIN not set}
src=${WARD_SRC:-.}
corpus=${WARD_CORPUS:-../shared/corpus}
ti=$corpus/threat-intel
if [ ! -d "$ti/stix21-oasis-examples/examples" ] || [ ! -d "$ti/misp-pymisp-fixtures" ]; then
    echo "SKIP: threat-intel corpus not found under $corpus"; exit 77
fi
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

compare() { # name files...
    local name=$1; shift
    python3 "$src/tests/e2e/intel_expect.py" "$@" > "$tmp/$name.expect" || { bad "$name: expect script"; return; }
    "$ward" intel check --json "$@" > "$tmp/$name.got" 2> "$tmp/$name.err"
    local rc=$?
    [ $rc -le 1 ] && ok || bad "$name: ward intel check exit $rc"
    python3 - "$tmp/$name.expect" "$tmp/$name.got" "$name" <<'PY'
import json, sys
exp = json.load(open(sys.argv[1])); got = json.load(open(sys.argv[2])); name = sys.argv[3]
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
    errs.append(f"problems: ward {len(probs)}, expected {len(exp['not_loaded'])} indicators not loaded")
if got["file_errors"]:
    errs.append(f"file errors: {got['file_errors']}")
print(f"{name}: {got['total']} values from {got['indicators']} indicators, "
      f"{len(probs)} reported not loaded")
for e in errs:
    print(f"FAIL {name}: {e}", file=sys.stderr)
sys.exit(1 if errs else 0)
PY
    [ $? = 0 ] && ok || bad "$name: counts differ from the independent count"
}

mapfile -t stix < <(find "$ti/stix21-oasis-examples/examples" -name '*.json' | sort)
mapfile -t misp < <(python3 "$src/tests/e2e/intel_expect.py" --select $(find "$ti/misp-pymisp-fixtures" -name '*.json' | sort))
[ ${#stix[@]} -gt 3 ] && ok || bad "too few STIX example files (${#stix[@]})"
[ ${#misp[@]} -gt 5 ] && ok || bad "too few MISP event files (${#misp[@]})"
compare stix "${stix[@]}"
compare misp "${misp[@]}"

# every STIX indicator of the examples is accounted for: loaded whole, or reported
n_ind=$(python3 -c "
import json,sys
print(sum(1 for p in sys.argv[1:] for o in json.load(open(p)).get('objects',[]) if o.get('type')=='indicator'))" "${stix[@]}")
got_ind=$(python3 -c "import json;print(json.load(open('$tmp/stix.got'))['indicators'])")
[ "$n_ind" = "$got_ind" ] && ok || bad "STIX indicators: ward $got_ind, files hold $n_ind"

echo "intel_corpus: $pass passed, $fail failed"
[ $fail = 0 ]
