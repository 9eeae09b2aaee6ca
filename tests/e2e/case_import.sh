#!/bin/bash
# case_import.sh - `ward case import` of alert JSON lines: repeats counted on one alert,
# alerts sharing an entity grouped into one incident, unrelated ones apart, entities and
# observables from the events, the event kept verbatim, bad lines reported (exit 65) while
# the rest is imported; then a large import killed with SIGKILL leaves a consistent store.
set -u
PY=/usr/bin/python3; [ -x "$PY" ] || PY=python3   # the system python starts fastest
: "${WARD_BIN:?}"
tmp=$(mktemp -d /tmp/ward-e2e-import.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }
db="$tmp/i.db"
cat >"$tmp/alerts.jsonl" <<'JSONL'
{"timestamp":"2026-03-01T10:00:00Z","host":"WS01","rule":{"id":"r-ps","title":"Encoded PowerShell","level":"high","tags":["attack.execution","attack.t1059.001"]},"attack":{"tactics":["execution"],"techniques":[{"id":"T1059.001","name":"PowerShell"}]},"source":{"path":"Security.evtx","record":12},"event":{"Event":{"System":{"Computer":"WS01","EventID":4688},"EventData":{"SubjectUserName":"alice","CommandLine":"powershell.exe -enc AAAA C:\\Temp\\x.ps1","NewProcessName":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","Hashes":"SHA256=9F914D42706FE215501044ACD85A32D58AAEF1419D404FDDFA5D3B48F66CCD9F,IMPHASH=00000000000000000000000000000000"}}}}
{"timestamp":"2026-03-01T10:00:10Z","host":"WS01","rule":{"id":"r-ps","title":"Encoded PowerShell","level":"high"},"attack":{"tactics":["execution"],"techniques":[{"id":"T1059.001","name":"PowerShell"}]},"event":{"Event":{"System":{"Computer":"WS01","EventID":4688},"EventData":{"SubjectUserName":"alice","CommandLine":"powershell.exe -enc AAAA C:\\Temp\\x.ps1","NewProcessName":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe","Hashes":"SHA256=9F914D42706FE215501044ACD85A32D58AAEF1419D404FDDFA5D3B48F66CCD9F"}}}}
{"timestamp":"2026-03-01T10:05:00Z","rule":{"id":"r-logon","title":"Logon from unusual address","level":"critical"},"attack":{"tactics":["lateral-movement"],"techniques":["T1021"]},"event":{"Event.System.Computer":"DC01","Event.EventData.TargetUserName":"alice","Event.EventData.IpAddress":"::ffff:10.0.0.7"}}
{"timestamp":"2026-03-01T11:00:00Z","host":"WEB02","rule":{"id":"r-web","title":"Web shell","level":"high"},"event":{"src_ip":"203.0.113.9","user":"www-data","url":"http://evil.example.net/s.php"}}
not json at all
{"rule":{"title":"an alert without a rule id"}}
JSONL
"$WARD_BIN" case import "$tmp/alerts.jsonl" -d "$db" 2>"$tmp/err"; rc=$?
[ $rc -eq 65 ] && ok "bad lines: exit 65" || bad "import exit $rc"
grep -q "alerts.jsonl:5" "$tmp/err" && ok "bad line named" || { bad "bad line not named"; cat "$tmp/err"; }
grep -q "imported 4 alerts: 3 new, 1 repeats; 2 incidents opened" "$tmp/err" && ok "summary" || { bad "summary"; cat "$tmp/err"; }
"$WARD_BIN" case show INC-0001 -d "$db" --format json --events >"$tmp/s" || bad "show"
"$PY" - "$tmp/s" <<'PY' && ok "INC-0001: grouped by user alice, dedup, observables, verbatim event" || bad "INC-0001 content"
import json, sys
c = json.load(open(sys.argv[1]))
i = c["incident"]
assert i["alerts"] == 2 and i["events"] == 3 and i["severity"] == "critical", i
assert i["tactics"] == ["execution", "lateral-movement"] or sorted(i["tactics"]) == ["execution", "lateral-movement"], i
a = c["alerts"][0]
assert a["count"] == 2 and a["event"]["Event"]["System"]["EventID"] == 4688, a
obs = {(o["type"], o["value"]) for o in c["observables"]}
for want in [("user", "alice"), ("host", "ws01"), ("host", "dc01"), ("ip", "10.0.0.7"),
             ("hash", "9f914d42706fe215501044acd85a32d58aaef1419d404fddfa5d3b48f66ccd9f"),
             ("file", "C:\\Temp\\x.ps1")]:
    assert want in obs, (want, obs)
assert not any(v.startswith("00000000") for t, v in obs), obs
shared = [j for j in c["journal"] if j["action"] == "alert.add" and "shared" in j["detail"]]
assert shared and "user:alice" in shared[0]["detail"]["shared"], shared
PY
"$WARD_BIN" case list -d "$db" --format json >"$tmp/l"
"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1])); assert len(v)==2 and v[1]["title"].startswith("Web shell on WEB02"), v' "$tmp/l" &&
    ok "WEB02 apart" || bad "list: $(cat "$tmp/l")"
# importing the same file again: repeats within the window are counted, nothing new opens
"$WARD_BIN" case import "$tmp/alerts.jsonl" -d "$db" 2>"$tmp/err"
grep -q "0 new, 4 repeats; 0 incidents opened" "$tmp/err" && ok "re-import counted as repeats" || { bad "re-import"; cat "$tmp/err"; }
"$WARD_BIN" case verify -d "$db" >/dev/null && ok "verify" || bad "verify"
"$WARD_BIN" case import "$tmp/absent.jsonl" -d "$db" 2>/dev/null; rc=$?
[ $rc -eq 66 ] && ok "missing file: 66" || bad "missing file: $rc"

# a large import killed with SIGKILL
big="$tmp/big.jsonl"
awk 'BEGIN { for (i = 0; i < 60000; i++) printf "{\"timestamp\":%d,\"host\":\"h%d\",\"rule\":{\"id\":\"r%d\",\"title\":\"rule %d\",\"level\":\"medium\"},\"event\":{\"user\":\"u%d\",\"src_ip\":\"10.%d.%d.%d\"}}\n", 1767225600 + i * 30, i % 40, i % 11, i % 11, i % 9, int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >"$big"
kdb="$tmp/k.db"
"$WARD_BIN" case import "$big" -d "$kdb" --batch 300 2>/dev/null & pid=$!
for i in $(seq 1 200); do
    sleep 0.05
    n=$("$WARD_BIN" metrics -d "$kdb" --format json 2>/dev/null | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
    [ "${n:-0}" -ge 900 ] && break
done
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
"$WARD_BIN" case verify -d "$kdb" >"$tmp/v" && ok "killed import: $(tr '\n' ' ' <"$tmp/v")" || { bad "killed import: verify"; cat "$tmp/v"; }
"$PY" - "$kdb" <<'PY' && ok "killed import: integrity_check ok, whole batches" || bad "killed import: inconsistent"
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
ev = c.execute("SELECT coalesce(sum(count),0) FROM alerts").fetchone()[0]
assert ev == c.execute("SELECT coalesce(sum(event_count),0) FROM incidents").fetchone()[0]
assert ev > 0 and ev % 300 == 0, ev
print("alerts in:", ev)
PY
[ $fails -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "case_import: all passed"
