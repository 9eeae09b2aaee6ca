#!/bin/bash
# decode_hunt.sh - the telemetry decoders feed `ward hunt`: SigmaHQ rules of the linux,
# network (zeek, dns), cloud/aws and web sets run over corpus data and small logs written
# here, and the alerts that the data calls for come out, each from the expected decoder.
# Skipped when the binary has no hunt command or the corpus is absent.
set -u
W=${WARD_BIN:-build/ward}
C=${WARD_CORPUS:-../shared/corpus}
if ! "$W" hunt --help >/dev/null 2>&1; then
    echo "SKIP: this ward has no hunt command"
    exit 77
fi
R="$C/sigma/rules"
if [ ! -d "$R/linux" ] || [ ! -d "$C/otrf" ]; then
    echo "SKIP: SigmaHQ rules or OTRF data not found under $C (set WARD_CORPUS)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$C" "$tmp" <<'PY'
import sys, zipfile, glob, os
c, tmp = sys.argv[1:3]
for name in ["sh_binary_padding_dd", "ec2_proxy_s3_exfiltration"]:
    for z in glob.glob(os.path.join(c, "otrf", name, "*.zip")):
        zipfile.ZipFile(z).extractall(os.path.join(tmp, name))
PY
mkdir -p "$tmp/web"
printf '%s\n' '203.0.113.5 - - [10/Oct/2023:13:55:36 +0000] "GET /index.php?page=../../../../../../etc/passwd HTTP/1.1" 200 512 "-" "sqlmap/1.7#stable (https://sqlmap.org)"' >"$tmp/web/access.log"
printf '%s\n' '{"timestamp":"2023-10-10T13:55:36+0000","event_type":"http","src_ip":"10.0.0.5","dest_ip":"203.0.113.9","http":{"hostname":"x.example","url":"/a.php?cmd=whoami","http_user_agent":"sqlmap/1.7","http_method":"GET","status":200}}' >"$tmp/web/eve.json"
printf '%s\n' '1696945000.000 5 10.0.0.5 TCP_MISS/200 100 GET http://evil.example/payload.ps1 - DIRECT/198.51.100.4 text/plain' >"$tmp/web/access.squid"

# a file read (SYSCALL + PATH records) and an exec (EXECVE) of the audit log, joined by serial
mkdir -p "$tmp/audit"
cat >"$tmp/audit/audit.log" <<'LOG'
type=SYSCALL msg=audit(1700000000.2:3): syscall=2 exe="/usr/bin/cat" comm="cat"
type=CWD msg=audit(1700000000.2:3): cwd="/root"
type=PATH msg=audit(1700000000.2:3): item=0 name="/etc/login.defs" nametype=NORMAL
type=PROCTITLE msg=audit(1700000000.2:3): proctitle=636174002F6574632F6C6F67696E2E64656673
LOG

fail=0
pass=0
# expect RULES PATTERN FORMAT PATHS... : an alert whose title matches PATTERN, from FORMAT
expect() {
    local rules=$1 title=$2 fmt=$3
    shift 3
    local out
    out=$("$W" hunt -r "$rules" -f jsonl --no-summary "$@" 2>"$tmp/err")
    if printf '%s\n' "$out" | python3 -c "
import json, re, sys
title, fmt = sys.argv[1:3]
ok = any(re.search(title, a['rule']['title']) and a['source']['format'] == fmt
         for a in (json.loads(l) for l in sys.stdin if l.strip()))
sys.exit(0 if ok else 1)" "$title" "$fmt"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: no '$title' alert from $fmt ($(printf '%s\n' "$out" | grep -c .) alerts; $(head -c 300 "$tmp/err"))"
    fi
}
expect "$R/linux" "Binary Padding" auditd "$tmp/sh_binary_padding_dd"
expect "$R/linux" "Password Policy Discovery" auditd "$tmp/audit"
expect "$R/network" "DNS TXT Answer" eve "$C/network/attack-pcaps"
expect "$R/network/zeek" "BZAR" zeek-json "$C/network/zeek-wrccdc2018-brimdata/zeek-json/dce_rpc.json.gz"
expect "$R/cloud/aws" "AssumeRole" cloudtrail "$tmp/ec2_proxy_s3_exfiltration"
expect "$R/web" "Path Traversal" weblog "$tmp/web/access.log"
expect "$R/web" "Hack Tool User Agent" eve "$tmp/web/eve.json"
expect "$R/web" "Suspicious TLD|Download From Suspicious" squid "$tmp/web/access.squid"
# the OpenSSH brute force: every line decodes and hunting it raises no error
if "$W" hunt -r "$R/linux" -f jsonl --no-summary "$C/linux-logs" >/dev/null 2>"$tmp/err" &&
    ! grep -q "error" "$tmp/err"; then
    pass=$((pass + 1))
else
    fail=$((fail + 1))
    echo "FAIL: hunting linux-logs: $(head -c 300 "$tmp/err")"
fi
echo "decode_hunt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
