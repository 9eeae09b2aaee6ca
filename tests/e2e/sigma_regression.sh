#!/usr/bin/env bash
# sigma_regression.sh - every SigmaHQ regression test (regression_data/**/info.yml) through
# the real CLI: `ward match --rules RULES... EVENTS...` must report a hit of each test's
# rule on that test's event file (and on the .evtx copy of the event through the EVTX
# decoder, when ward has it), with both engines (reference and fast).
# Nothing is skipped: a test without a rule or an event file fails.
set -u
BIN=${WARD_BIN:-build/ward}
SIGMA=${WARD_CORPUS:-../shared/corpus}/sigma
if [ ! -d "$SIGMA/regression_data" ]; then
    echo "SKIP: the Sigma corpus is not at $SIGMA (set WARD_CORPUS)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the tests: id, event kind (json, or syslog for .raw lines), rule file, event file
python3 - "$SIGMA" "$tmp" <<'PY' || exit 1
import os, re, sys
sigma, tmp = sys.argv[1], sys.argv[2]
ids = {}
for d in ("rules", "rules-emerging-threats", "rules-threat-hunting"):
    for root, _, files in os.walk(os.path.join(sigma, d)):
        for f in files:
            if f.endswith((".yml", ".yaml")):
                p = os.path.join(root, f)
                m = re.search(r"^id:\s*(\S+)", open(p, encoding="utf-8").read(), re.M)
                if m:
                    ids.setdefault(m.group(1), p)
tests, bad = [], 0
for root, _, files in os.walk(os.path.join(sigma, "regression_data")):
    if "info.yml" not in files:
        continue
    text = open(os.path.join(root, "info.yml"), encoding="utf-8").read()
    m = re.search(r"rule_metadata:\s*\n\s*-\s*id:\s*(\S+)", text)
    rid = m.group(1) if m else None
    ev = [f for f in sorted(files) if f.endswith(".json")]
    kind = "json"
    if not ev:
        ev, kind = [f for f in sorted(files) if f.endswith(".raw")], "syslog"
    if not rid or rid not in ids or not ev:
        print("FAIL %s: rule %s, event files %s" % (root, rid, ev))
        bad += 1
        continue
    tests.append((rid, kind, ids[rid], os.path.join(root, ev[0])))
    # the same event as EVTX, when there is one: the EVTX decoder must give the same answer
    evtx = [f for f in sorted(files) if f.endswith(".evtx")]
    if evtx:
        tests.append((rid, "evtx", ids[rid], os.path.join(root, evtx[0])))
with open(os.path.join(tmp, "tests"), "w") as f:
    for t in sorted(tests):
        f.write("\t".join(t) + "\n")
print("%d regression tests (+%d EVTX copies), %d without rule or event"
      % (len([t for t in tests if t[1] != "evtx"]) + bad, len([t for t in tests if t[1] == "evtx"]), bad))
sys.exit(1 if bad else 0)
PY
cut -f3 "$tmp/tests" | sort -u >"$tmp/rules"
"$BIN" dump --list-formats >"$tmp/formats"
rule_args=()
while IFS= read -r r; do rule_args+=(--rules "$r"); done <"$tmp/rules"
fail=0
for engine in reference fast; do
    : >"$tmp/hits.$engine"
    kinds="json syslog"
    "$BIN" dump --list-formats | grep -q '^evtx ' && kinds="$kinds evtx"
    for kind in $kinds; do
        awk -F'\t' -v k=$kind '$2 == k {print $4}' "$tmp/tests" >"$tmp/ev"
        [ -s "$tmp/ev" ] || continue
        mapfile -t evs <"$tmp/ev"
        "$BIN" match --engine $engine --no-event -t $kind "${rule_args[@]}" "${evs[@]}" \
            >>"$tmp/hits.$engine" 2>"$tmp/err"
        rc=$?
        if [ $rc -ne 0 ]; then
            echo "FAIL: ward match ($engine, $kind) exited $rc:"
            sed 's/^/    /' "$tmp/err"
            fail=1
        fi
    done
done
python3 - "$tmp" <<'PY' || fail=1
import json, sys
tmp = sys.argv[1]
tests = [l.rstrip("\n").split("\t") for l in open(tmp + "/tests")]
have_evtx = any(l.startswith("evtx") for l in open(tmp + "/formats"))
if not have_evtx:
    tests = [t for t in tests if t[1] != "evtx"]
ok = {}
for engine in ("reference", "fast"):
    hits = set()
    for line in open("%s/hits.%s" % (tmp, engine)):
        h = json.loads(line)
        hits.add((h["rule"]["id"], h["source"]["path"]))
    ok[engine] = 0
    for rid, kind, rule, ev in tests:
        if (rid, ev) in hits:
            ok[engine] += 1
        else:
            print("FAIL (%s): %s did not fire on %s" % (engine, rule, ev))
n = len(tests)
nevtx = len([t for t in tests if t[1] == "evtx"])
print("regression tests: %d (%d of them EVTX copies); reference engine %d passed, fast engine %d passed"
      % (n, nevtx, ok["reference"], ok["fast"]))
sys.exit(0 if n - nevtx >= 164 and ok["reference"] == n and ok["fast"] == n else 1)
PY
exit $fail
