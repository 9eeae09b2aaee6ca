#!/bin/bash
# decode_corpus.sh - ward dump over the telemetry of the shared corpus: Zeek JSON (gzip) and
# TSV, Suricata EVE, the OTRF auditd, Zeek and CloudTrail samples (unzipped into a temporary
# directory), and the Linux auth logs. Every file must be detected as the right format and
# decode with zero errors; event counts must match the records in the files.
set -u
W=${WARD_BIN:-build/ward}
C=${WARD_CORPUS:-../shared/corpus}
if [ ! -d "$C/network" ] || [ ! -d "$C/otrf" ]; then
    echo "SKIP: corpus network/ and otrf/ not found under $C (set WARD_CORPUS)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$C" "$tmp" <<'PY'
import sys, zipfile, glob, os
c, tmp = sys.argv[1:3]
for name in ["sh_arp_cache", "sh_binary_padding_dd", "metasploit_logonpasswords_lsass_memory_dump_zeek_logs",
             "ec2_proxy_s3_exfiltration"]:
    for z in glob.glob(os.path.join(c, "otrf", name, "*.zip")):
        zipfile.ZipFile(z).extractall(os.path.join(tmp, name))
PY
python3 - "$W" "$C" "$tmp" <<'PY'
import glob, gzip, json, os, subprocess, sys
w, c, tmp = sys.argv[1:4]

def records(path):
    """Records in a file as the format counts them (lines, minus Zeek headers)."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rt", errors="replace") as f:
        text = f.read()
    if text.lstrip().startswith("["):
        return len(json.loads(text))
    return sum(1 for l in text.splitlines() if l.strip() and not l.startswith("#"))

checks = []  # (glob, format, product, how to count: "lines" or a number)
checks.append((c + "/network/zeek-wrccdc2018-brimdata/zeek-json/*.json.gz", "zeek-json", "zeek", "lines"))
checks.append((c + "/network/suricata-eve-frankhassanabad/samples/*/alerts-only.json", "eve", "suricata", "lines"))
checks.append((c + "/network/attack-pcaps/*.eve.generated.json", "eve", "suricata", "lines"))
checks.append((c + "/network/suricata-verify-subset/tests/**/eve.generated.json", "eve", "suricata", "lines"))
checks.append((tmp + "/metasploit_logonpasswords_lsass_memory_dump_zeek_logs/**/*.log", "zeek", "zeek", "lines"))
checks.append((tmp + "/sh_arp_cache/**/*.log", "auditd", "linux", 2))
checks.append((tmp + "/sh_binary_padding_dd/**/*.log", "auditd", "linux", 1))
checks.append((tmp + "/ec2_proxy_s3_exfiltration/**/*.json", "cloudtrail", "aws", "lines"))
checks.append((c + "/linux-logs/loghub/OpenSSH/OpenSSH_2k.log", "syslog", "linux", "lines"))
checks.append((c + "/linux-logs/beats-system-auth/test.log", "syslog", "linux", "lines"))

passed = failed = 0
totals = {}
for pattern, fmt, product, count in checks:
    files = sorted(glob.glob(pattern, recursive=True))
    if not files:
        print("FAIL: no files for", pattern); failed += 1; continue
    for f in files:
        # all events counted (errors would show on stderr), the first ones looked at
        p = subprocess.run([w, "dump", "--count", f], capture_output=True, text=True)
        got = int(p.stdout.split()[0]) if p.stdout.strip() else -1
        want = records(f) if count == "lines" else count
        problems = []
        if p.returncode != 0 or p.stderr.strip():
            problems.append("exit %d: %s" % (p.returncode, p.stderr.strip()[:300]))
        if got != want:
            problems.append("%d events, expected %d" % (got, want))
        p = subprocess.run([w, "dump", "-m", "-n", "50", f], capture_output=True, text=True)
        evs = [json.loads(l) for l in p.stdout.splitlines()]
        bad = [e["_ward"]["format"] for e in evs if e["_ward"]["format"] != fmt]
        if bad:
            problems.append("format %s, expected %s" % (bad[0], fmt))
        if evs and all("time" not in e["_ward"] for e in evs):
            problems.append("no event has a time")
        if problems:
            failed += 1
            print("FAIL: %s: %s" % (os.path.relpath(f, c) if f.startswith(c) else os.path.basename(f), "; ".join(problems)))
        else:
            passed += 1
        totals[fmt] = totals.get(fmt, 0) + max(got, 0)
print("events by format:", ", ".join("%s %d" % kv for kv in sorted(totals.items())))
print("decode_corpus: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
