#!/usr/bin/env bash
# sigma_cli.sh - `ward rules check|list|explain|test` and `ward match` on rules and events
# written here: exit codes, file:line reasons, the JSON hit lines, both engines agreeing.
set -u
BIN=${WARD_BIN:-build/ward}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() { # check NAME CONDITION...
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fails=$((fails + 1)); fi
}

mkdir -p "$tmp/rules/sub"
cat >"$tmp/rules/whoami.yml" <<'Y'
title: Whoami Execution
id: 0d1a2b3c-0000-4000-8000-000000000001
status: test
level: medium
tags: [attack.discovery, attack.t1033]
logsource:
    product: windows
    category: process_creation
detection:
    selection:
        Image|endswith: '\whoami.exe'
    filter:
        User|contains: 'SYSTEM'
    condition: selection and not filter
Y
cat >"$tmp/rules/sub/two.yml" <<'Y'
title: Encoded PowerShell
id: 0d1a2b3c-0000-4000-8000-000000000002
level: high
logsource: {product: windows, category: process_creation}
detection:
    sel:
        CommandLine|contains|windash: ' -enc '
    condition: sel
---
title: Broken Modifier
id: 0d1a2b3c-0000-4000-8000-000000000003
logsource: {product: windows, category: process_creation}
detection:
    sel:
        CommandLine|foo: x
    condition: sel
---
title: Unknown Logsource
id: 0d1a2b3c-0000-4000-8000-000000000004
logsource: {product: nosuchproduct}
detection:
    sel: {A: b}
    condition: sel
Y
cat >"$tmp/events.jsonl" <<'J'
{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1,"TimeCreated":{"#attributes":{"SystemTime":"2024-05-01T10:00:00Z"}}},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","User":"CORP\\bob","CommandLine":"whoami /all"}}}
{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe","User":"NT AUTHORITY\\SYSTEM"}}}
{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":1},"EventData":{"Image":"C:\\p\\powershell.exe","CommandLine":"powershell /enc AAAA"}}}
{"Event":{"System":{"Channel":"Security","EventID":{"#text":4688}},"EventData":{"NewProcessName":"C:\\Windows\\System32\\whoami.exe","SubjectUserName":"alice"}}}
{"Event":{"System":{"Channel":"Microsoft-Windows-Sysmon/Operational","EventID":11},"EventData":{"Image":"C:\\Windows\\System32\\whoami.exe"}}}
J

# rules check: rejected rules with file:line and reason, counts, exit 1
"$BIN" rules check "$tmp/rules" >"$tmp/check.out" 2>&1
rc=$?
check "check exits 1 when a rule is rejected" test $rc -eq 1
check "check names file:line and reason" grep -q "sub/two.yml:15: \[0d1a2b3c-0000-4000-8000-000000000003\] field 'CommandLine': unknown modifier 'foo'" "$tmp/check.out"
check "check names the unknown logsource" grep -q "product 'nosuchproduct' is not in the taxonomy" "$tmp/check.out"
check "check counts" grep -q "2 files, 4 documents: 3 rules parsed" "$tmp/check.out"
check "check groups reasons" grep -q "rejections by reason:" "$tmp/check.out"
"$BIN" rules check "$tmp/rules/whoami.yml" >"$tmp/check2.out" 2>&1
check "check exits 0 when all compile" test $? -eq 0
"$BIN" rules check --engine reference "$tmp/rules" >"$tmp/check3.out" 2>&1
check "check --engine reference" test $? -eq 1
"$BIN" rules check /nonexistent/dir >"$tmp/check4.out" 2>&1
check "check of a missing path fails" test $? -eq 1

# rules list
"$BIN" rules list "$tmp/rules" >"$tmp/list.out" 2>/dev/null
check "list prints each rule" test "$(wc -l <"$tmp/list.out")" -eq 3
check "list shows level and logsource" grep -q "medium	windows/-/process_creation	Whoami Execution" "$tmp/list.out"

# ward match: both engines, same hits
for engine in fast reference; do
    "$BIN" match --engine $engine --rules "$tmp/rules/whoami.yml" --rules "$tmp/rules/sub" \
        "$tmp/events.jsonl" >"$tmp/match.$engine" 2>"$tmp/match.$engine.err"
    check "match ($engine) exits 65: some rules were rejected" test $? -eq 65
    check "match ($engine) reports rejections" grep -q "unknown modifier 'foo'" "$tmp/match.$engine.err"
    check "match ($engine): 3 hits" test "$(wc -l <"$tmp/match.$engine")" -eq 3
done
check "engines agree" cmp -s "$tmp/match.fast" "$tmp/match.reference"
python3 - "$tmp/match.fast" "$tmp/events.jsonl" <<'PY'
import json, sys
hits = [json.loads(l) for l in open(sys.argv[1])]
got = sorted((h["rule"]["title"], h["source"]["record"]) for h in hits)
want = [("Encoded PowerShell", 3), ("Whoami Execution", 1), ("Whoami Execution", 4)]
assert got == want, got
h = [h for h in hits if h["source"]["record"] == 1][0]
assert h["rule"]["id"] == "0d1a2b3c-0000-4000-8000-000000000001"
assert h["rule"]["level"] == "medium" and h["rule"]["tags"] == ["attack.discovery", "attack.t1033"]
assert h["source"]["path"] == sys.argv[2] and h["source"]["line"] == 1
assert h["timestamp"].startswith("2024-05-01T10:00:00")
assert h["event"]["Event.EventData.User"] == "CORP\\bob"
assert h["event"]["Event.System.EventID"] == 1
PY
check "match JSON lines carry rule, source, timestamp and event" test $? -eq 0
"$BIN" match --rules "$tmp/rules/whoami.yml" --count "$tmp/events.jsonl" >"$tmp/count.out"
check "match --count" grep -q "^0d1a2b3c-0000-4000-8000-000000000001	2	Whoami Execution" "$tmp/count.out"
"$BIN" match --rules "$tmp/rules/sub/two.yml" "$tmp/events.jsonl" >/dev/null 2>&1
check "match exits 65 with rejected rules" test $? -eq 65
printf '{"Event":{"System":{"Channel":"System","EventID":7045}}}\n' >"$tmp/none.jsonl"
"$BIN" match --rules "$tmp/rules/whoami.yml" "$tmp/none.jsonl" >/dev/null 2>&1
check "match exits 1 without hits" test $? -eq 1
"$BIN" match "$tmp/events.jsonl" >/dev/null 2>&1
check "match without --rules is a usage error" test $? -eq 64

# rules explain
"$BIN" rules explain "$tmp/rules/whoami.yml" "$tmp/events.jsonl" >"$tmp/explain.out"
check "explain exits 0 when some event matched" test $? -eq 0
check "explain shows the values that matched" grep -q '+ "\*\\\\whoami.exe"' "$tmp/explain.out"
check "explain shows the filter" grep -q "filter => true" "$tmp/explain.out"
check "explain shows logsource misses" grep -q "logsource: no match" "$tmp/explain.out"
check "explain counts" grep -q "2 of 5 events matched" "$tmp/explain.out"
"$BIN" rules explain --rules "$tmp/rules" "Encoded PowerShell" "$tmp/events.jsonl" >"$tmp/explain2.out"
check "explain finds a rule by title" grep -q "1 of 5 events matched" "$tmp/explain2.out"

# rules test: NAME.yml + NAME.test.jsonl
mkdir -p "$tmp/pack"
cp "$tmp/rules/whoami.yml" "$tmp/pack/whoami.yml"
{
    printf '{"match": true, "event": %s}\n' "$(sed -n 1p "$tmp/events.jsonl")"
    printf '{"match": false, "event": %s}\n' "$(sed -n 2p "$tmp/events.jsonl")"
    printf '{"match": true, "event": %s}\n' "$(sed -n 4p "$tmp/events.jsonl")"
} >"$tmp/pack/whoami.test.jsonl"
"$BIN" rules test "$tmp/pack" >"$tmp/test.out"
check "rules test passes" test $? -eq 0
check "rules test summary" grep -q "^1 passed, 0 failed" "$tmp/test.out"
"$BIN" rules test --engine reference "$tmp/pack" >/dev/null
check "rules test (reference) passes" test $? -eq 0
printf '{"match": true, "event": %s}\n' "$(sed -n 2p "$tmp/events.jsonl")" >>"$tmp/pack/whoami.test.jsonl"
"$BIN" rules test "$tmp/pack" >"$tmp/test2.out"
check "rules test fails on a wrong expectation" test $? -eq 1
check "rules test says which line" grep -q "line 4: expected a match, got no match" "$tmp/test2.out"

# help
"$BIN" rules --help | grep -q "usage: ward rules check"
check "rules --help" test $? -eq 0
"$BIN" match --help | grep -q "usage: ward match"
check "match --help" test $? -eq 0

echo "$fails failed"
[ $fails -eq 0 ]
