#!/usr/bin/env python3
"""intel_expect.py - an independent count of the indicators in STIX 2.1 and MISP files,
written without ward's code, for the intel end-to-end tests.

Usage: intel_expect.py FILE...   prints one JSON object:
  {"files": [...], "values": {type: n}, "indicators": n, "loaded": n, "partial": n,
   "not_loaded": [ids of indicators/attributes not loaded whole]}

Rules (ward's documented behaviour, docs/intel.md):
- STIX: an indicator's pattern is matchable when it is an OR of observations, each an OR
  of comparisons `path = 'v'`, `path IN ('v', ...)` or (addresses) `path ISSUBSET 'cidr'`
  on ipv4-addr:value, ipv6-addr:value, domain-name:value, url:value, email-addr:value,
  file:hashes.(MD5|SHA-1|SHA-256|SHA-512); anything under AND / FOLLOWEDBY / a qualifier,
  NOT, other operators or paths is not; revoked indicators and non-stix pattern types are
  not loaded. A value must be valid for its type.
- MISP: attributes of Event.Attribute and Event.Object[].Attribute with a matchable type;
  deleted attributes are not loaded.
"""
import ipaddress
import json
import re
import sys

TYPES = ["ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "sha512", "email"]
HEXLEN = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}


def valid_domain(v):
    if v.startswith("*."):
        v = v[2:]
    if v.endswith("."):
        v = v[:-1]
    if not v or len(v.encode()) > 253:
        return False
    labels = v.split(".")
    if len(labels) < 2 or any(not l or len(l.encode()) > 63 for l in labels):
        return False
    if not all(re.fullmatch(r"[A-Za-z0-9_\-\x80-\U0010ffff]+", l) for l in labels):
        return False
    return any(c.isalpha() or ord(c) > 127 for c in v)


def ip_family(v):
    v = v.strip()
    try:
        if "/" in v:
            addr, pfx = v.split("/", 1)
            if not pfx.isdigit():
                return None
            net = ipaddress.ip_network(v, strict=False)
            return net.version
        return ipaddress.ip_address(v.split("%")[0]).version
    except ValueError:
        return None


def valid(t, v):
    v = v.strip()
    if t in HEXLEN:
        return len(v) == HEXLEN[t] and re.fullmatch(r"[0-9A-Fa-f]+", v) is not None
    if t == "ipv4":
        return ip_family(v) == 4
    if t == "ipv6":
        return ip_family(v) == 6
    if t == "domain":
        return valid_domain(v)
    if t == "url":
        return re.match(r"^[A-Za-z0-9+.\-]{1,31}://[^/?#]+", v) is not None and not re.search(r"\s", v)
    if t == "email":
        if v.count("@") != 1 or re.search(r"[\s<>,]", v):
            return False
        local, dom = v.split("@")
        return bool(local) and valid_domain(dom)
    return False


STIX_PATHS = {
    "ipv4-addr:value": "ipv4", "ipv6-addr:value": "ipv6", "domain-name:value": "domain",
    "url:value": "url", "email-addr:value": "email", "file:hashes.md5": "md5",
    "file:hashes.sha-1": "sha1", "file:hashes.sha1": "sha1", "file:hashes.sha-256": "sha256",
    "file:hashes.sha256": "sha256", "file:hashes.sha-512": "sha512", "file:hashes.sha512": "sha512",
    "network-traffic:dst_ref.value": "addr", "network-traffic:src_ref.value": "addr",
    "email-message:from_ref.value": "email", "email-message:sender_ref.value": "email",
}

STR = r"'(?:[^'\\]|\\.)*'"
CMP = re.compile(r"\s*([a-z0-9\-]+:[A-Za-z0-9_.'\-]+)\s+(=|==|ISSUBSET|IN)\s+(" + STR + r"|\((?:\s*" + STR + r"\s*,?)+\))\s*")


def unq(s):
    return re.sub(r"\\(.)", r"\1", s[1:-1])


def stix_leaves(pattern):
    """Returns a list of (type, value) or None for each comparison when the pattern is an OR
    of simple observations, else None (not matchable as a whole)."""
    p = pattern.strip()
    # observations at the top level: [ ... ] OR [ ... ]
    obs = []
    i = 0
    while True:
        while i < len(p) and p[i].isspace():
            i += 1
        if i >= len(p) or p[i] != "[":
            return None
        # find the closing bracket outside quotes
        j, q = i + 1, False
        while j < len(p):
            if p[j] == "\\" and q:
                j += 2
                continue
            if p[j] == "'":
                q = not q
            elif p[j] == "]" and not q:
                break
            j += 1
        if j >= len(p):
            return None
        obs.append(p[i + 1:j])
        i = j + 1
        rest = p[i:].lstrip()
        if not rest:
            break
        if not rest.startswith("OR "):
            return None  # AND, FOLLOWEDBY, qualifiers
        i = len(p) - len(rest) + 2
    leaves = []
    for o in obs:
        parts = re.split(r"\s+(OR|AND)\s+(?=(?:[^']*'[^']*')*[^']*$)", o)
        if "AND" in parts[1::2]:
            leaves += [None] * (len(parts) // 2 + 1)
            continue
        for c in parts[0::2]:
            m = CMP.fullmatch(c)
            if not m:
                leaves.append(None)
                continue
            path = re.sub(r"'", "", m.group(1)).lower()
            t = STIX_PATHS.get(path)
            op, val = m.group(2), m.group(3)
            vals = [unq(x) for x in re.findall(STR, val)] if op == "IN" else [unq(val)]
            for v in vals:
                if t is None or (op == "ISSUBSET" and t not in ("ipv4", "ipv6", "addr")):
                    leaves.append(None)
                else:
                    if t == "addr":  # an address of either family, or a name
                        fam = ip_family(v)
                        t = {4: "ipv4", 6: "ipv6"}.get(fam) or ("domain" if valid_domain(v) else "ipv4")
                    leaves.append((t, v))
    return leaves


MISP = {
    "ip-src": ["ip"], "ip-dst": ["ip"], "ip-src|port": ["ip", None], "ip-dst|port": ["ip", None],
    "domain": ["domain"], "hostname": ["domain"], "hostname|port": ["domain", None],
    "domain|ip": ["domain", "ip"], "url": ["url"], "md5": ["md5"], "sha1": ["sha1"],
    "sha256": ["sha256"], "sha512": ["sha512"], "filename|md5": [None, "md5"],
    "filename|sha1": [None, "sha1"], "filename|sha256": [None, "sha256"],
    "filename|sha512": [None, "sha512"], "malware-sample": [None, "md5"], "email": ["email"],
    "email-src": ["email"], "email-dst": ["email"], "email-reply-to": ["email"],
}


def misp_attrs(ev):
    for a in ev.get("Attribute", []) or []:
        yield a
    for o in ev.get("Object", []) or []:
        for a in o.get("Attribute", []) or []:
            yield a


def misp_events(d):
    if isinstance(d, list):
        for x in d:
            yield from misp_events(x)
    elif isinstance(d, dict):
        if "response" in d and isinstance(d["response"], list):
            yield from misp_events(d["response"])
        elif "Event" in d and isinstance(d["Event"], dict):
            yield d["Event"]
        elif "Attribute" in d or "Object" in d:
            yield d


def is_intel(path):
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (ValueError, UnicodeDecodeError):
        return False
    if isinstance(d, dict) and d.get("type") == "bundle":
        return True
    return any(True for ev in misp_events(d) for _ in misp_attrs(ev))


def main():
    if sys.argv[1:2] == ["--select"]:
        for p in sys.argv[2:]:
            if is_intel(p):
                print(p)
        return
    values = {t: 0 for t in TYPES}
    indicators = loaded = partial = 0
    not_loaded = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
        if isinstance(d, dict) and (d.get("type") == "bundle" or "objects" in d):
            for o in d.get("objects", []):
                if o.get("type") != "indicator":
                    continue
                indicators += 1
                if o.get("revoked") or o.get("pattern_type", "stix") != "stix" or "pattern" not in o:
                    not_loaded.append(o.get("id"))
                    continue
                leaves = stix_leaves(o["pattern"]) or [None]
                good = 0
                for lf in leaves:
                    if lf and valid(lf[0], lf[1]):
                        values[lf[0]] += 1
                        good += 1
                if good == len(leaves):
                    loaded += 1
                else:
                    if good:
                        partial += 1
                    not_loaded.append(o.get("id"))
            continue
        for ev in misp_events(d):
            for a in misp_attrs(ev):
                indicators += 1
                t, v = a.get("type", ""), a.get("value")
                kinds = MISP.get(t)
                if a.get("deleted") in (True, "1", 1) or not kinds or not isinstance(v, str):
                    not_loaded.append(a.get("uuid"))
                    continue
                parts = v.split("|", 1) if len(kinds) == 2 else [v]
                if len(parts) != len(kinds):
                    not_loaded.append(a.get("uuid"))
                    continue
                want = got = 0
                for k, pv in zip(kinds, parts):
                    if k is None:
                        continue
                    want += 1
                    if k == "ip":
                        fam = ip_family(pv)
                        k = {4: "ipv4", 6: "ipv6"}.get(fam)
                        if not k:
                            continue
                    if valid(k, pv):
                        values[k] += 1
                        got += 1
                if got == want:
                    loaded += 1
                else:
                    if got:
                        partial += 1
                    not_loaded.append(a.get("uuid"))
    print(json.dumps({"values": values, "total": sum(values.values()), "indicators": indicators,
                      "loaded": loaded, "partial": partial, "not_loaded": not_loaded}))


if __name__ == "__main__":
    main()
