#!/bin/bash
# case_kill.sh - a process killed with SIGKILL in the middle of a large import leaves a
# store that passes PRAGMA integrity_check, whose journal chain holds and whose counters
# agree with its alerts (only whole batches are in).
set -u
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3   # the system python starts fastest
: "${WARD_BIN:?}"
HELPER="$(dirname "$WARD_BIN")/test_store_stress"
[ -x "$HELPER" ] || { echo "SKIP: $HELPER not built"; exit 77; }
tmp=$(mktemp -d /tmp/ward-e2e-kill.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/k.db"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

for round in 1 2; do
    "$HELPER" --bulk "$db" 5000000 "r$round" 250 & pid=$!
    # let it write a while (at least a few batches), then kill it mid-import
    for i in $(seq 1 100); do
        sleep 0.05
        n=$("$WARD_BIN" metrics -d "$db" --format json 2>/dev/null | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
        [ "${n:-0}" -ge $((round * 500)) ] && break
    done
    kill -KILL $pid
    wait $pid 2>/dev/null
    "$WARD_BIN" case verify -d "$db" >"$tmp/v"; rc=$?
    [ $rc -eq 0 ] && ok "round $round: $(tr '\n' ' ' <"$tmp/v")" || { bad "round $round: verify exit $rc"; cat "$tmp/v"; }
    "$PY" - "$db" <<'PY' && ok "round $round: integrity_check ok, whole batches" || bad "round $round: store inconsistent"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
alerts = c.execute("SELECT coalesce(sum(count),0) FROM alerts").fetchone()[0]
inc = c.execute("SELECT coalesce(sum(event_count),0) FROM incidents").fetchone()[0]
adds = c.execute("SELECT count(*) FROM journal WHERE action='alert.add'").fetchone()[0]
rows = c.execute("SELECT count(*) FROM alerts").fetchone()[0]
assert alerts == inc and rows == adds, (alerts, inc, rows, adds)
assert alerts % 250 == 0 and alerts > 0, alerts
print("alerts", alerts)
PY
done
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "case_kill: all passed"
