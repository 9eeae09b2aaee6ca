#!/bin/bash
# case_tamper.sh - editing, deleting or cutting journal rows by hand makes `ward case verify`
# fail (exit 1) and name the first entry that does not hold.
set -u
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3   # the system python starts fastest
: "${WARD_BIN:?}" "${WARD_SRC:?}"
FIXTURE="$(dirname "$WARD_BIN")/test_store_golden"
[ -x "$FIXTURE" ] || { echo "SKIP: $FIXTURE not built"; exit 77; }
"$PY" -c 'import sqlite3' 2>/dev/null || { echo "SKIP: python3 with sqlite3 needed to edit the store"; exit 77; }
cd "$WARD_SRC" || exit 1
tmp=$(mktemp -d /tmp/ward-e2e-tamper.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
sql() { "$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); r=c.execute(sys.argv[2]).fetchall(); c.commit(); print("\n".join("|".join(map(str,x)) for x in r))' "$@"; }
fresh() { rm -f "$1"*; "$FIXTURE" --make-fixture "$1" || exit 1; }

db="$tmp/t.db"
fresh "$db"
"$WARD_BIN" case verify -d "$db" >"$tmp/out" && ok "fresh store verifies" || { bad "fresh store fails"; cat "$tmp/out"; }

# 1. change the text of a note's journal entry (the reason of a status change)
seq=$(sql "$db" "SELECT seq FROM journal WHERE action = 'status' AND detail LIKE '%WS01 isolated%'")
sql "$db" "UPDATE journal SET detail = replace(detail, 'WS01 isolated', 'nothing done') WHERE seq = $seq" >/dev/null
"$WARD_BIN" case verify -d "$db" >"$tmp/out"; rc=$?
[ $rc -eq 1 ] && ok "edited entry: exit 1" || bad "edited entry: exit $rc"
grep -q "FAILED at entry $seq " "$tmp/out" && ok "names entry $seq" || { bad "does not name $seq"; cat "$tmp/out"; }
"$WARD_BIN" case verify -d "$db" --format json >"$tmp/j"
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert v["ok"] is False and v["first_bad_entry"]==int(sys.argv[2])' "$tmp/j" "$seq" &&
    ok "json names entry $seq" || bad "json verify"

# 2. change the actor and re-hash that entry (without the key, the next link breaks)
fresh "$db"
seq=$(sql "$db" "SELECT min(seq) FROM journal WHERE actor = 'alice.analyst'")
sql "$db" "UPDATE journal SET actor = 'mallory', hash = '$(printf %064d 0)' WHERE seq = $seq" >/dev/null
"$WARD_BIN" case verify -d "$db" >"$tmp/out"
grep -q "FAILED at entry $seq " "$tmp/out" && ok "changed actor: names $seq" || { bad "changed actor"; cat "$tmp/out"; }

# 3. delete an entry in the middle
fresh "$db"
sql "$db" "DELETE FROM journal WHERE seq = 10" >/dev/null
"$WARD_BIN" case verify -d "$db" >"$tmp/out"; rc=$?
[ $rc -eq 1 ] && grep -q "FAILED at entry 11 " "$tmp/out" && ok "deleted entry 10: names 11" || { bad "deleted entry"; cat "$tmp/out"; }

# 4. cut the tail
fresh "$db"
last=$(sql "$db" "SELECT max(seq) FROM journal")
sql "$db" "DELETE FROM journal WHERE seq >= $((last - 1))" >/dev/null
"$WARD_BIN" case verify -d "$db" >"$tmp/out"; rc=$?
[ $rc -eq 1 ] && grep -q "FAILED at entry $((last - 1)) " "$tmp/out" && ok "cut tail: names $((last - 1))" || { bad "cut tail"; cat "$tmp/out"; }

# 5. a counter changed behind the store's back
fresh "$db"
sql "$db" "UPDATE incidents SET event_count = event_count + 5 WHERE id = 2" >/dev/null
"$WARD_BIN" case verify -d "$db" >"$tmp/out"; rc=$?
[ $rc -eq 1 ] && grep -q "first INC-0002" "$tmp/out" && ok "counter: names INC-0002" || { bad "counter"; cat "$tmp/out"; }

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "case_tamper: all passed"
