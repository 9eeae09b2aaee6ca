#!/bin/bash
# hunt_validity.sh - `ward hunt --validity retro|strict|ignore` applies the validity windows
# of indicators at each event's time, the same way as `ward intel match --validity`, for
# indicators from files (--intel) and from the case store (--store, `ward intel import`):
# one indicator not yet valid at the events' time, one expired before them, one valid, and
# one that expires between two events with the same value.
set -u
ward=${WARD_BIN:?WARD_BIN not set}
src=${WARD_SRC:-.}
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

ind() { # id value valid_from [valid_until]
    printf '{"type":"indicator","spec_version":"2.1","id":"indicator--%s","created":"2019-01-01T00:00:00Z","modified":"2019-01-01T00:00:00Z","pattern":"[ipv4-addr:value = '"'"'%s'"'"']","pattern_type":"stix","valid_from":"%s"%s}' \
        "$1" "$2" "$3" "${4:+,\"valid_until\":\"$4\"}"
}
{
    printf '{"type":"bundle","id":"bundle--00000000-0000-4000-8000-000000000001","objects":['
    ind 00000000-0000-4000-8000-00000000000a 192.0.2.10 2030-01-01T00:00:00Z; printf ,
    ind 00000000-0000-4000-8000-00000000000b 192.0.2.11 2019-01-01T00:00:00Z 2020-01-01T00:00:00Z; printf ,
    ind 00000000-0000-4000-8000-00000000000c 192.0.2.12 2024-01-01T00:00:00Z 2025-01-01T00:00:00Z; printf ,
    ind 00000000-0000-4000-8000-00000000000d 192.0.2.13 2024-01-01T00:00:00Z 2024-06-01T00:00:00Z
    printf ']}\n'
} > "$tmp/intel.json"
cat > "$tmp/ev.jsonl" <<'J'
{"ts":"2024-05-01T10:00:00Z","src_ip":"192.0.2.10","msg":"not yet valid"}
{"ts":"2024-05-01T10:00:01Z","src_ip":"192.0.2.11","msg":"expired"}
{"ts":"2024-05-01T10:00:02Z","src_ip":"192.0.2.12","msg":"valid"}
{"ts":"2024-05-01T10:00:03Z","src_ip":"192.0.2.13","msg":"valid until June"}
{"ts":"2024-07-01T10:00:00Z","src_ip":"192.0.2.13","msg":"after June"}
J
"$ward" intel check "$tmp/intel.json" >/dev/null 2>&1 && ok || bad "the test bundle does not load"

# the indicator values hit by the alerts of intel, in time order, one per line
hits() { # output of ward hunt -f jsonl
    python3 -c '
import json, sys
for line in sys.stdin:
    a = json.loads(line)
    if a["rule"]["id"] == "ward-intel-match":
        print(a["timestamp"][:10], a["intel"]["indicator"])
'
}
declare -A want
want[retro]="2024-05-01 192.0.2.10,2024-05-01 192.0.2.12,2024-05-01 192.0.2.13,"
want[strict]="2024-05-01 192.0.2.12,2024-05-01 192.0.2.13,"
want[ignore]="2024-05-01 192.0.2.10,2024-05-01 192.0.2.11,2024-05-01 192.0.2.12,2024-05-01 192.0.2.13,2024-07-01 192.0.2.13,"

# the same bundle in a store
"$ward" intel import --store "$tmp/base.db" "$tmp/intel.json" >/dev/null 2>&1 && ok || bad "intel import"

for mode in default retro strict ignore; do
    opt=(--validity "$mode"); exp=${want[$mode]:-}
    [ "$mode" = default ] && { opt=(); exp=${want[retro]}; }
    got=$("$ward" hunt -r "$src/rules/linux" -f jsonl --no-summary -j 1 "${opt[@]}" --intel "$tmp/intel.json" "$tmp/ev.jsonl" 2>"$tmp/err" | hits | tr '\n' ,)
    [ "$got" = "$exp" ] && ok || bad "--intel, validity $mode: got '$got', expected '$exp' ($(head -c 300 "$tmp/err"))"
    cp "$tmp/base.db" "$tmp/$mode.db"
    got=$("$ward" hunt -r "$src/rules/linux" -f jsonl --no-summary -j 1 "${opt[@]}" --store "$tmp/$mode.db" "$tmp/ev.jsonl" 2>"$tmp/err" | hits | tr '\n' ,)
    [ "$got" = "$exp" ] && ok || bad "--store, validity $mode: got '$got', expected '$exp' ($(head -c 300 "$tmp/err"))"
    # and the intel match command agrees, on the same file
    n=$("$ward" intel match "${opt[@]}" --intel "$tmp/intel.json" "$tmp/ev.jsonl" 2>/dev/null | wc -l)
    [ "$n" = "$(printf '%s' "$exp" | tr -cd , | wc -c)" ] && ok || bad "intel match, validity $mode: $n hits"
done

"$ward" hunt --validity sometimes --intel "$tmp/intel.json" "$tmp/ev.jsonl" >/dev/null 2>&1; rc=$?
[ $rc = 64 ] && ok || bad "--validity sometimes: exit $rc, expected 64"
"$ward" hunt --help | grep -q -- "--validity MODE" && ok || bad "--validity is not in hunt --help"

echo "hunt_validity: $pass passed, $fail failed"
[ $fail = 0 ]
