#!/bin/bash
# case_lifecycle.sh - a whole incident lifecycle through the CLI: alerts in the store (the
# deterministic fixture), then triage, assignment, notes, tasks, observables, evidence with
# custody and verification, containment to closure, refused moves, reopen, merge, the
# timeline, list/show in table and JSON, reports (compared with the golden files), metrics,
# the ATT&CK layer and the journal check.
set -u
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3   # the system python starts fastest
: "${WARD_BIN:?}" "${WARD_SRC:?}"
FIXTURE="$(dirname "$WARD_BIN")/test_store_golden"
[ -x "$FIXTURE" ] || { echo "SKIP: $FIXTURE not built"; exit 77; }
cd "$WARD_SRC" || exit 1
tmp=$(mktemp -d /tmp/ward-e2e-case.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
# expect STATUS CMD... : runs ward, checks the exit status, keeps stdout in $tmp/out
expect() {
    local want=$1; shift
    "$WARD_BIN" "$@" >"$tmp/out" 2>"$tmp/err"
    local got=$?
    if [ "$got" = "$want" ]; then ok "ward $* -> $got"; else
        bad "ward $* -> $got, expected $want"; cat "$tmp/err"; fi
}
contains() { grep -q -- "$2" "$1" && ok "$1 has '$2'" || { bad "$1 lacks '$2'"; cat "$1"; }; }

db="$tmp/case.db"
export WARD_STORE="$db" WARD_ACTOR="carol"
"$FIXTURE" --make-fixture "$db" || { echo "FAIL: fixture"; exit 1; }

# reports of the fixture equal the golden files
for f in md html json; do
    WARD_NOW=2026-03-03T00:00:00Z "$WARD_BIN" report INC-0001 --format $f -o "$tmp/r.$f"
    cmp -s "$tmp/r.$f" "tests/golden/report-inc1.$f" && ok "report $f matches golden" ||
        { bad "report $f differs from golden"; diff "$tmp/r.$f" "tests/golden/report-inc1.$f" | head; }
done
"$WARD_BIN" metrics --format json >"$tmp/m.json" && cmp -s "$tmp/m.json" tests/golden/metrics.json &&
    ok "metrics json matches golden" || bad "metrics json differs"
"$WARD_BIN" attack-layer -o "$tmp/layer.json" && cmp -s "$tmp/layer.json" tests/golden/attack-layer.json &&
    ok "attack layer matches golden" || bad "attack layer differs"
"$PY" -c 'import json,sys; l=json.load(open(sys.argv[1])); assert l["domain"]=="enterprise-attack" and len(l["techniques"])==5' "$tmp/layer.json" &&
    ok "layer is valid JSON with 5 techniques" || bad "layer JSON"

# list filters
expect 0 case list --severity critical --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [x["id"] for x in v]==["INC-0001"], v' "$tmp/out" &&
    ok "list --severity" || bad "list --severity"
expect 0 case list --status closed --since 2026-03-01 --until 2026-03-02 --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [x["id"] for x in v]==["INC-0001","INC-0002"], v' "$tmp/out" &&
    ok "list --status --since --until" || bad "list --status --since --until"
expect 0 case list --assignee alice.analyst -n 5
contains "$tmp/out" "INC-0001"
expect 64 case list --severity extreme
expect 0 case observable search WS01 --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [x["incident"] for x in v]==["INC-0001","INC-0003"], v' "$tmp/out" &&
    ok "observable search across incidents" || bad "observable search"
expect 1 case observable search 192.0.2.200
expect 65 case observable search not-an-ip --type ip

# the lifecycle of INC-0003 (new, one alert) through the CLI
expect 0 case list
contains "$tmp/out" "INC-0003  new"
expect 0 case list --open --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert [x["id"] for x in v]==["INC-0003"], v' "$tmp/out" &&
    ok "list --open json" || bad "list --open json"
expect 1 case status INC-0003 contain          # new -> contain is not allowed
contains "$tmp/err" "allowed: triage, closed"
expect 64 case status INC-0003 bogus
expect 0 case status INC-0003 triage --reason "looks real"
expect 0 case assign 3 dave
expect 0 case note INC-0003 carol found net user /domain in the shell history
expect 0 case task add INC-0003 Check carol\'s other logons --assignee dave
tid=$(sed -n 's/.*task \([0-9]*\) added.*/\1/p' "$tmp/out")
[ -n "$tid" ] && ok "task id $tid" || bad "no task id printed"
expect 0 case task start INC-0003 "$tid"
expect 0 case task done INC-0003 "$tid"
expect 66 case task done INC-0003 1                # task 1 belongs to INC-0001
expect 66 case task done INC-0003 9
expect 0 case observable add INC-0003 ip 198.51.100.23 --note "C2 seen in proxy"
expect 0 case observable add INC-0003 hash D41D8CD98F00B204E9800998ECF8427E
expect 65 case observable add INC-0003 ip 999.1.1.1
expect 65 case observable add INC-0003 hash nothex
expect 64 case observable add INC-0003 email a@b.c
expect 0 case observable list INC-0003 --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert any(o["value"]=="d41d8cd98f00b204e9800998ecf8427e" for o in v)' "$tmp/out" &&
    ok "hash normalised" || bad "hash not normalised"
printf 'disk image bytes\n' >"$tmp/disk.img"
expect 64 case evidence add INC-0003 "$tmp/disk.img"   # --reason is required
expect 0 case evidence add INC-0003 "$tmp/disk.img" --reason "image of WS01's disk"
expect 0 case evidence custody INC-0003 2 transferred --reason "to the forensic lab"
expect 0 case evidence verify INC-0003
contains "$tmp/out" "OK"
expect 0 case evidence list INC-0003 --format json
sha=$(sha256sum "$tmp/disk.img" | cut -d' ' -f1)
contains "$tmp/out" "$sha"
contains "$tmp/out" '"action":"transferred"'
echo tampered >>"$tmp/disk.img"
expect 1 case evidence verify INC-0003
contains "$tmp/out" "FAILED"
expect 0 case status INC-0003 assess
expect 0 case status INC-0003 contain
expect 1 case close INC-0003 --resolution r --root-cause c --lessons l   # contain -> closed refused
expect 0 case status INC-0003 eradicate
expect 0 case status INC-0003 recover
expect 0 case status INC-0003 learn
expect 64 case close INC-0003 --resolution "done" </dev/null
expect 0 case close INC-0003 --resolution "account disabled" --root-cause "reused password" --lessons "enforce MFA"
expect 1 case status INC-0003 triage                          # closed: use reopen
expect 64 case reopen INC-0003
expect 0 case reopen INC-0003 --reason "new activity"
expect 0 case show INC-0003 --format json --events
"$PY" - "$tmp/out" <<'EOF' && ok "show json" || bad "show json"
import json, sys
c = json.load(open(sys.argv[1]))
i = c["incident"]
assert i["status"] == "triage" and i["assignee"] == "dave", i
assert i["acknowledged_at"] and i["contained_at"], i
acts = [j["action"] for j in c["journal"]]
assert acts.count("status") == 6 and "close" in acts and "reopen" in acts, acts
assert all(j["actor"] == "carol" for j in c["journal"] if not j["action"].startswith(("incident.open", "alert.")))
assert c["tasks"][0]["state"] == "done"
assert len(c["evidence"][0]["custody"]) == 4, c["evidence"]
assert c["alerts"][0].get("event") is None
EOF
expect 0 case timeline INC-0003
contains "$tmp/out" "status learn -> closed\|closed: account disabled"
expect 0 case timeline INC-0003 --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); t=[x["time"] for x in v]; assert t==sorted(t) and len(v)>10' "$tmp/out" &&
    ok "timeline sorted" || bad "timeline not sorted"
expect 0 report INC-0003 --format html -o "$tmp/inc3.html"
contains "$tmp/inc3.html" "<h2>Lessons learned</h2>"
contains "$tmp/inc3.html" "enforce MFA"

# merge INC-0003 into INC-0001 (reopened first: closed incidents take no merges)
expect 1 case merge INC-0003 INC-0001
expect 0 case reopen INC-0001 --reason "related activity"
expect 0 case merge INC-0003 INC-0001
expect 0 case show INC-0001 --format json
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["incident"]["alerts"]==4 and len(c["evidence"])==2' "$tmp/out" &&
    ok "merged into INC-0001" || bad "merge"
expect 0 case list --format json
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert "INC-0003" not in [x["id"] for x in v]' "$tmp/out" &&
    ok "merged incident hidden" || bad "merged incident listed"
expect 0 case list --all
contains "$tmp/out" "INC-0003"

# metrics, the journal, help
expect 0 metrics --since 2026-01-01 --until 2027-01-01
contains "$tmp/out" "MTTR"
expect 0 case verify
contains "$tmp/out" "hash chain intact"
for c in list show status assign note task observable evidence timeline merge close reopen verify import; do
    "$WARD_BIN" case $c --help >"$tmp/h" 2>&1 && grep -q "usage: ward case $c" "$tmp/h" ||
        bad "ward case $c --help"
done
for c in report metrics attack-layer case; do
    "$WARD_BIN" $c --help | grep -q "usage: ward $c" || bad "ward $c --help"
done
expect 66 case list -d "$tmp/absent.db"
[ ! -e "$tmp/absent.db" ] && ok "absent store not created" || bad "absent store created"

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "case_lifecycle: all passed"
