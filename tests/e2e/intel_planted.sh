#!/bin/bash
# intel_planted.sh - planted indicators: values that occur in the corpus logs (an attacker
# address of the OpenSSH log, a /24 around another one, a public address, a SHA-256 and an
# MD5 of the EVTX samples' Sysmon Hashes, a DNS name's parent domain from a Suricata EVE
# log) are written into STIX, MISP, CSV and plain-list intel files together with decoys
# that occur nowhere; `ward intel match` must find every planted indicator in exactly the
# events an independent Python scan finds it in, and no decoy.
set -u
ward=${WARD_BIN:?WARD_BIN not set}
corpus=${WARD_CORPUS:-../shared/corpus}
bench=$corpus/bench/evtx-attack-samples.jsonl
ssh=$corpus/linux-logs/loghub/OpenSSH/OpenSSH_2k.log
eve=$corpus/network/attack-pcaps/evtx-attack-samples_dns_txt_c2.eve.generated.json
for f in "$bench" "$ssh" "$eve"; do
    [ -f "$f" ] || { echo "SKIP: $f not found"; exit 77; }
done
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# the OpenSSH log through a syslog decoder when ward has one, else as JSON lines of its text
if "$ward" dump --count "$ssh" >/dev/null 2>&1; then
    sshin=$ssh
else
    python3 -c "
import json,sys
for l in open(sys.argv[1], encoding='utf-8', errors='replace'):
    print(json.dumps({'message': l.rstrip('\n')}))" "$ssh" > "$tmp/openssh.jsonl"
    sshin=$tmp/openssh.jsonl
fi

python3 - "$tmp" "$bench" "$sshin" "$eve" <<'PY' || { echo "FAIL: planting script"; exit 1; }
import collections, ipaddress, json, re, sys
tmp, bench, sshin, eve = sys.argv[1:5]

def records(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    dec = json.JSONDecoder()
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if i >= len(text):
            break
        if path == sshin and not path.endswith(".jsonl"):  # decoded by ward: one line each
            return [[l] for l in text.splitlines() if l.strip()]
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    return [list(strings(o)) for o in out]

def strings(o):
    if isinstance(o, dict):
        for v in o.values():
            yield from strings(v)
    elif isinstance(o, list):
        for v in o:
            yield from strings(v)
    elif isinstance(o, str):
        yield o

ev = {p: records(p) for p in (bench, sshin, eve)}

# --- pick values -------------------------------------------------------------------------
ssh_ips = collections.Counter(m for r in ev[sshin] for s in r
                              for m in re.findall(r"Failed password for .* from ([0-9.]+) port", s))
(ip1, _), (ip2, _) = ssh_ips.most_common(2)
net2 = str(ipaddress.ip_network(ip2 + "/24", strict=False))
dst = collections.Counter()
hashes = []
for line in open(bench, encoding="utf-8"):
    d = json.loads(line)
    ed = d.get("Event", {}).get("EventData") or {}
    if isinstance(ed, dict):
        ip = ed.get("DestinationIp")
        if ip and ipaddress.ip_address(ip).is_global:
            dst[ip] += 1
        h = ed.get("Hashes")
        if isinstance(h, str) and "SHA256=" in h and "MD5=" in h:
            hashes.append(dict(kv.split("=", 1) for kv in h.split(",") if "=" in kv))
pub_ip = dst.most_common(1)[0][0]
sha256 = hashes[0]["SHA256"]
md5 = next(h["MD5"] for h in hashes if h["MD5"] != hashes[0]["MD5"])
names = collections.Counter()
for line in open(eve, encoding="utf-8"):
    d = json.loads(line)
    q = (d.get("dns") or {}).get("rrname")
    if isinstance(q, str) and q.count(".") >= 2:
        names[q] += 1
qname = names.most_common(1)[0][0]
parent = qname.split(".", 1)[1]

decoys = {"ipv4": "203.0.113.77", "sha256": "ab" * 32, "domain": "decoy-never-seen.example"}

# --- intel files in four formats ------------------------------------------------------------
bundle = {"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": [
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000002",
     "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z",
     "name": "planted hash", "pattern_type": "stix", "valid_from": "2000-01-01T00:00:00Z",
     "pattern": f"[file:hashes.'SHA-256' = '{sha256.lower()}'] OR [file:hashes.'SHA-256' = '{decoys['sha256']}']"},
    {"type": "indicator", "spec_version": "2.1", "id": "indicator--00000000-0000-4000-8000-000000000003",
     "created": "2020-01-01T00:00:00Z", "modified": "2020-01-01T00:00:00Z",
     "name": "planted range", "pattern_type": "stix", "valid_from": "2000-01-01T00:00:00Z",
     "pattern": f"[ipv4-addr:value ISSUBSET '{net2}']"}]}
json.dump(bundle, open(f"{tmp}/planted.stix.json", "w"))
misp = {"Event": {"uuid": "00000000-0000-4000-8000-000000000010", "info": "planted", "Attribute": [
    {"uuid": "00000000-0000-4000-8000-000000000011", "type": "ip-src", "value": ip1, "to_ids": True},
    {"uuid": "00000000-0000-4000-8000-000000000012", "type": "ip-dst", "value": decoys["ipv4"], "to_ids": True}],
    "Object": [{"name": "file", "Attribute": [
        {"uuid": "00000000-0000-4000-8000-000000000013", "type": "filename|md5", "value": "x.exe|" + md5}]}]}}
json.dump(misp, open(f"{tmp}/planted.misp.json", "w"))
with open(f"{tmp}/planted.csv", "w") as f:
    f.write("type,value,source,tlp,confidence\n")
    f.write(f"ip-dst,{pub_ip},planted-csv,amber,60\n")
with open(f"{tmp}/planted.txt", "w") as f:
    f.write("# plain list\n" + parent.replace(".", "[.]", 1) + "\n" + decoys["domain"] + "\n")

# --- independent expectation: events holding each value -------------------------------------
def count(path, pred):
    return sum(1 for strs in ev[path] if any(pred(s) for s in strs))

def word(v):
    rx = re.compile(r"(?<![A-Za-z0-9_.-])" + re.escape(v) + r"(?![A-Za-z0-9_-]|\.[A-Za-z0-9])", re.I)
    return lambda s: rx.search(s) is not None

def in_net(net):
    n = ipaddress.ip_network(net)
    def p(s):
        for m in re.findall(r"(?<![0-9.])(\d{1,3}(?:\.\d{1,3}){3})(?![0-9.]*\d)", s):
            try:
                if ipaddress.ip_address(m) in n:
                    return True
            except ValueError:
                pass
        return False
    return p

def domain(v):
    rx = re.compile(r"(?<![A-Za-z0-9_.-])(?:[A-Za-z0-9_-]+\.)*" + re.escape(v) + r"\.?(?![A-Za-z0-9_-]|\.[A-Za-z0-9])", re.I)
    return lambda s: rx.search(s) is not None

expect = {}
for val, pred in ((ip1, word(ip1)), (net2, in_net(net2)), (pub_ip, word(pub_ip)),
                  (sha256.lower(), word(sha256)), (md5.lower(), word(md5)), (parent.lower(), domain(parent))):
    expect[val] = {p: count(p, pred) for p in ev if count(p, pred)}
json.dump({"expect": expect, "decoys": list(decoys.values())}, open(f"{tmp}/expect.json", "w"))
for v, e in expect.items():
    print(f"planted {v}: {sum(e.values())} events")
PY

"$ward" intel match --intel "$tmp/planted.stix.json" --intel "$tmp/planted.misp.json" \
    --intel "$tmp/planted.csv" --intel "$tmp/planted.txt" "$bench" "$sshin" "$eve" \
    > "$tmp/hits.jsonl" 2> "$tmp/match.err"
rc=$?
python3 - "$tmp/expect.json" "$tmp/hits.jsonl" "$rc" <<'PY'
import collections, json, sys
exp = json.load(open(sys.argv[1])); rc = int(sys.argv[3])
got = collections.defaultdict(lambda: collections.defaultdict(set))
for line in open(sys.argv[2]):
    h = json.loads(line)
    got[h["indicator"]["value"]][h["event"]["path"]].add(h["event"]["record"])
errs = []
if rc != 0:
    errs.append(f"ward intel match exit {rc}")
for v, per in exp["expect"].items():
    if not per:
        errs.append(f"{v}: planted but occurs nowhere (test bug)")
    g = {p: len(r) for p, r in got.get(v, {}).items()}
    if g != per:
        errs.append(f"{v}: ward found {g}, expected {per}")
for d in exp["decoys"]:
    if d in got:
        errs.append(f"decoy {d} matched")
extra = set(got) - set(exp["expect"])
if extra:
    errs.append(f"unexpected indicators hit: {sorted(extra)}")
for e in errs:
    print("FAIL:", e, file=sys.stderr)
print(f"intel_planted: {len(exp['expect'])} planted indicators, {len(errs)} failures")
sys.exit(1 if errs else 0)
PY
