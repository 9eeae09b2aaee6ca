#!/bin/sh
# bench-hunt.sh BUILD_DIR - `ward hunt` with every SigmaHQ Windows rule over the EVTX attack
# samples and over the bench JSON Lines file replicated to >= 1,000,000 events, with 1 and
# 2 threads: events/s, MB/s and peak RSS, next to a decode-only baseline (`ward dump
# --count`) in the same run. The replicated file is written under /tmp and removed.
set -eu
build=${1:-build}
ward="$build/ward"
corpus=${WARD_CORPUS:-../shared/corpus}
if [ ! -d "$corpus/evtx" ]; then echo "SKIP: no corpus at $corpus"; exit 0; fi
rules="$corpus/sigma/rules/windows"
samples="$corpus/evtx/EVTX-ATTACK-SAMPLES"
big=$(mktemp /tmp/ward-bench-hunt-XXXXXX.jsonl)
trap 'rm -f "$big"' EXIT
i=0
while [ $i -lt 122 ]; do cat "$corpus/bench/evtx-attack-samples.jsonl"; i=$((i + 1)); done > "$big"

python3 - "$ward" "$rules" "$samples" "$big" <<'PY'
import os, sys, time, subprocess, json
ward, rules, samples, big = sys.argv[1:]
def run(args):
    t0 = time.monotonic()
    pid = os.fork()
    if pid == 0:
        out = os.open("/tmp/ward-bench-hunt.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(out, 1); os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
        os.execv(ward, [ward] + args)
    _, status, ru = os.wait4(pid, 0)
    wall = time.monotonic() - t0
    return wall, ru.ru_maxrss / 1024, ru.ru_utime + ru.ru_stime, os.waitstatus_to_exitcode(status)
def size(p):
    if os.path.isfile(p): return os.path.getsize(p)
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(p) for f in fs if f.endswith(".evtx"))
for name, path in (("EVTX samples", samples), ("JSONL x122", big)):
    wall, rss, cpu, rc = run(["dump", "--count", path])
    events = int(open("/tmp/ward-bench-hunt.out").read().split()[-2])
    mb = size(path) / 1e6
    print(f"{name}: {events} events, {mb:.1f} MB")
    print(f"  baseline decode only (dump --count): {events / wall:12.0f} events/s  {mb / wall:8.1f} MB/s  peak RSS {rss:6.1f} MiB")
    for threads in (1, 2):
        wall, rss, cpu, rc = run(["hunt", "-r", rules, "-j", str(threads), "--format", "json", path])
        s = json.load(open("/tmp/ward-bench-hunt.out"))["summary"]
        print(f"  hunt -j {threads}: {s['events'] / s['seconds']:12.0f} events/s  {mb / s['seconds']:8.1f} MB/s"
              f"  (hunt phase {s['seconds']:.2f} s, whole run {wall:.2f} s incl. rule compile)  peak RSS {rss:6.1f} MiB  alerts {s['alerts']}")
os.unlink("/tmp/ward-bench-hunt.out")
PY
