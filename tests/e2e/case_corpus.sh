#!/bin/bash
# case_corpus.sh - hunting the EVTX attack samples of the shared corpus into a store: far
# fewer incidents than alerts, every alert that joined an incident says which entities it
# shares with it, the reports render, and editing a journal row by hand makes
# `ward case verify` fail and name that row. Skips without the corpus or `ward hunt`.
set -u
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3   # the system python starts fastest
: "${WARD_BIN:?}"
samples="${WARD_CORPUS:-../shared/corpus}/evtx/EVTX-ATTACK-SAMPLES"
[ -d "$samples" ] || { echo "SKIP: no corpus at $samples (set WARD_CORPUS)"; exit 77; }
"$WARD_BIN" hunt --help >/dev/null 2>&1 || { echo "SKIP: this build has no 'ward hunt'"; exit 77; }
"$PY" -c 'import sqlite3' 2>/dev/null || { echo "SKIP: python3 with sqlite3 needed"; exit 77; }
tmp=$(mktemp -d /tmp/ward-e2e-corpus.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
db="$tmp/corpus.db"

"$WARD_BIN" hunt -j 2 --format jsonl -o "$tmp/alerts.jsonl" "$samples" 2>"$tmp/hunt.err"
n=$(wc -l <"$tmp/alerts.jsonl")
[ "$n" -gt 100 ] && ok "hunt: $n alerts" || { bad "hunt gave $n alerts"; tail -3 "$tmp/hunt.err"; }
"$WARD_BIN" case import "$tmp/alerts.jsonl" -d "$db" 2>"$tmp/imp.err" && ok "import: $(cat "$tmp/imp.err")" ||
    { bad "import failed"; cat "$tmp/imp.err"; }
"$PY" - "$db" "$n" <<'PY' && ok "far fewer incidents than alerts, each explained" || bad "grouping"
import json, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
alerts = int(sys.argv[2])
inc = c.execute("SELECT count(*) FROM incidents").fetchone()[0]
events = c.execute("SELECT sum(event_count) FROM incidents").fetchone()[0]
assert events == alerts, (events, alerts)
assert inc * 4 <= alerts, f"{inc} incidents for {alerts} alerts"
# every alert row but the first of its incident joined through shared entities
for (detail,) in c.execute("SELECT detail FROM journal j WHERE action = 'alert.add' AND seq >"
                           " (SELECT min(seq) FROM journal o WHERE o.incident_id = j.incident_id"
                           " AND o.action = 'alert.add')"):
    d = json.loads(detail)
    assert d.get("shared"), d
# an incident's entities are what its alerts share: each has at least one entity
assert c.execute("SELECT count(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM entities e"
                 " WHERE e.incident_id = i.id) AND i.alert_count > 1").fetchone()[0] == 0
print(f"{alerts} alerts -> {inc} incidents")
PY
big=$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT id FROM incidents ORDER BY alert_count DESC LIMIT 1").fetchone()[0])' "$db")
for f in md html json; do
    "$WARD_BIN" report "$big" -d "$db" --format $f -o "$tmp/r.$f" && [ -s "$tmp/r.$f" ] || bad "report $f"
done
"$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/r.json" && ok "report json parses" || bad "report json"
"$WARD_BIN" attack-layer -d "$db" -o "$tmp/layer.json" && "$PY" -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["techniques"]) > 20' "$tmp/layer.json" &&
    ok "attack layer" || bad "attack layer"
"$WARD_BIN" metrics -d "$db" >/dev/null || bad "metrics"
"$WARD_BIN" case verify -d "$db" >/dev/null && ok "verify before tampering" || bad "verify"

# edit one journal row by hand: verify fails and names it
seq=$("$PY" - "$db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
seq = c.execute("SELECT seq FROM journal WHERE action = 'alert.add' ORDER BY seq LIMIT 1 OFFSET 100").fetchone()[0]
c.execute("UPDATE journal SET detail = replace(detail, '\"level\":\"', '\"level\":\"x') WHERE seq = ?", (seq,))
c.commit()
print(seq)
PY
)
"$WARD_BIN" case verify -d "$db" >"$tmp/v"; rc=$?
[ $rc -eq 1 ] && grep -q "FAILED at entry $seq " "$tmp/v" && ok "tampered entry $seq named" || { bad "tamper not named ($rc)"; cat "$tmp/v"; }
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "case_corpus: all passed"
