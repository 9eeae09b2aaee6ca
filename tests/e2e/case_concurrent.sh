#!/bin/bash
# case_concurrent.sh - two processes write one store at once and lose nothing: two bulk
# alert writers, and two CLI loops adding notes to one incident, all at the same time.
set -u
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3   # the system python starts fastest
: "${WARD_BIN:?}"
HELPER="$(dirname "$WARD_BIN")/test_store_stress"
[ -x "$HELPER" ] || { echo "SKIP: $HELPER not built"; exit 77; }
tmp=$(mktemp -d /tmp/ward-e2e-conc.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/c.db"
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

"$HELPER" --bulk "$db" 10 seed 10 || exit 1          # the store and INC-0001 exist first
notes() { for i in $(seq 1 15); do "$WARD_BIN" case note INC-0001 "$1 note $i" -d "$db" --actor "$1" >/dev/null || echo "note $1 $i failed"; done; }
"$HELPER" --bulk "$db" 400 a 20 & p1=$!
"$HELPER" --bulk "$db" 400 b 20 & p2=$!
notes x >"$tmp/x" 2>&1 & p3=$!
notes y >"$tmp/y" 2>&1 & p4=$!
wait $p1 && wait $p2 && ok "bulk writers finished" || bad "a bulk writer failed"
wait $p3; wait $p4
[ ! -s "$tmp/x" ] && [ ! -s "$tmp/y" ] && ok "all notes written" || { bad "notes failed"; cat "$tmp/x" "$tmp/y"; }

"$WARD_BIN" metrics -d "$db" --format json >"$tmp/m" || bad "metrics"
"$PY" -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["events"]==810, m["events"]' "$tmp/m" &&
    ok "810 alerts counted" || bad "alerts lost: $(cat "$tmp/m")"
"$WARD_BIN" case show INC-0001 -d "$db" --format json >"$tmp/s" || bad "show"
"$PY" -c 'import json,sys; c=json.load(open(sys.argv[1])); n=[x for x in c["notes"]]; assert len(n)==30, len(n)' "$tmp/s" &&
    ok "30 notes" || bad "notes lost"
"$WARD_BIN" case verify -d "$db" >"$tmp/v" && ok "verify: $(tr '\n' ' ' <"$tmp/v")" || { bad "verify"; cat "$tmp/v"; }

[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "case_concurrent: all passed"
