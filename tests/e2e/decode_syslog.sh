#!/bin/bash
# decode_syslog.sh - the syslog decoder end to end: RFC 3164 / 5424 / octet counting on small
# inputs written here, and the OpenSSH and auth logs of the shared corpus (every line decodes,
# the 520 failed-password lines give user, source address and port).
set -u
W=${WARD_BIN:-build/ward}
C=${WARD_CORPUS:-../shared/corpus}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0
check() { # name, condition result (0 ok)
    if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi
}

# RFC 5424 with structured data and escapes, and octet-counted framing
printf '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\"ication" eventID="1011"] An application event\n' >"$tmp/a.log"
printf '%s' '81 <34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - su root failed on /dev/pts/839 <13>1 2024-01-02T03:04:05Z h p 1 - - hi' >"$tmp/b.log"
"$W" dump -m "$tmp/a.log" >"$tmp/a.json"
check "5424 exit" $?
python3 - "$tmp/a.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 1, e
e = e[0]
assert e["facility"] == "local4" and e["severity"] == "notice", e
assert e["hostname"] == "mymachine.example.com" and e["program"] == "evntslog", e
assert e["msgid"] == "ID47", e
assert e["sd.exampleSDID@32473.eventSource"] == 'Appl"ication', e
assert e["message"] == "An application event", e
assert e["_ward"]["time"] == "2003-10-11T22:14:15.003000Z", e
PY
check "5424 fields" $?
"$W" dump -t syslog "$tmp/b.log" >"$tmp/b.json"
check "octet counting exit" $?
python3 - "$tmp/b.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 2, e
assert e[0]["message"] == "su root failed on /dev/pts/8" and e[0]["hostname"] == "mymachine", e
assert e[1]["message"] == "hi" and e[1]["pid"] == 1, e
PY
check "octet counting fields" $?

ssh="$C/linux-logs/loghub/OpenSSH/OpenSSH_2k.log"
auth="$C/linux-logs/beats-system-auth/test.log"
if [ -f "$ssh" ] && [ -f "$auth" ]; then
    "$W" dump "$ssh" >"$tmp/ssh.json"
    check "OpenSSH log decodes without errors" $?
    python3 - "$tmp/ssh.json" "$ssh" <<'PY'
import json, re, sys
events = [json.loads(l) for l in open(sys.argv[1])]
lines = [l for l in open(sys.argv[2]) if l.strip()]
assert len(events) == len(lines) == 2000, (len(events), len(lines))
rx = re.compile(r"Failed password for (invalid user )?(.+?) from (\S+) port (\d+)")
want = [rx.search(l) for l in lines]
failed = [(e, m) for e, m in zip(events, want) if m]
assert len(failed) == 520, len(failed)
for e, m in failed:
    assert e.get("action") == "failed" and e.get("auth_method") == "password", e
    assert e.get("user") == m.group(2), (e, m.group(0))
    assert e.get("src_ip") == m.group(3), e
    assert e.get("src_port") == int(m.group(4)), e
    assert e.get("program") == "sshd" and e.get("hostname") == "LabSZ", e
got = sum(1 for e in events if e.get("action") == "failed" and e.get("auth_method") == "password")
assert got == 520, got
print("openssh: 520 failed-password events with user, src_ip, src_port")
PY
    check "OpenSSH 520 failed-password events" $?
    "$W" dump "$auth" >"$tmp/auth.json"
    check "auth log decodes without errors" $?
    python3 - "$tmp/auth.json" <<'PY'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 10, len(e)
assert e[0]["action"] == "accepted" and e[0]["auth_method"] == "publickey" and e[0]["user"] == "vagrant", e[0]
assert e[2]["action"] == "invalid_user" and e[2]["user"] == "test", e[2]
assert e[4]["command"] == "/bin/ls" and e[4]["target_user"] == "root" and e[4]["user"] == "vagrant", e[4]
assert e[7]["action"] == "sudo_denied" and e[7]["user"] == "tsg", e[7]
assert e[9]["action"] == "user_added" and e[9]["user"] == "apache" and e[9]["uid"] == 48, e[9]
PY
    check "auth log fields" $?
else
    echo "SKIP: corpus OpenSSH/auth logs not found under $C (set WARD_CORPUS)"
fi
echo "decode_syslog: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
