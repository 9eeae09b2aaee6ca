#!/usr/bin/env python3
"""gen-attack.py - derive ward's compact MITRE ATT&CK table from a STIX 2.1 bundle.

Reads the ATT&CK Enterprise bundle (the compact techniques/tactics bundle of the shared
corpus by default) and writes src/detect/attack_data.c: every tactic (TA id, short name,
display name, kill-chain order) and every technique and sub-technique (id, name, tactics
as a bit set in kill-chain order, revoked/deprecated flags, the id it was revoked by).

The output is deterministic (sorted by id, no timestamps), so re-running the script over
the same bundle gives the same file. Only facts (ids, names, tactic membership) are kept.

usage: scripts/gen-attack.py [--bundle FILE] [--full FILE] [--version V] [--out FILE]
  --bundle  STIX 2.1 bundle with attack-pattern, x-mitre-tactic, x-mitre-matrix objects
            (.json or .json.gz); default $WARD_CORPUS (or ../shared/corpus)/mitre-attack/
            enterprise-attack-v18.1-techniques-tactics-stix21.json
  --full    optional full bundle: its revoked-by relationships give "replaced by" ids
            (default: the .min.json.gz next to --bundle when present)
  --version ATT&CK version string written to the table (default: taken from the file name)
  --out     output path (default src/detect/attack_data.c); "-" writes to stdout
"""
import argparse
import gzip
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DEFAULT_DIR = os.path.join(os.environ.get("WARD_CORPUS") or os.path.join(ROOT, "..", "shared", "corpus"),
                           "mitre-attack")
DEFAULT_BUNDLE = "enterprise-attack-v18.1-techniques-tactics-stix21.json"
DEFAULT_FULL = "enterprise-attack-v18.1-stix21-converted.min.json.gz"
ID_RE = re.compile(r"^T\d{4}(\.\d{3})?$")
TA_RE = re.compile(r"^TA\d{4}$")


def load(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or doc.get("type") != "bundle" or "objects" not in doc:
        sys.exit(f"gen-attack: {path}: not a STIX bundle")
    return doc["objects"]


def attack_id(obj):
    for ref in obj.get("external_references") or []:
        if ref.get("source_name") == "mitre-attack" and ref.get("external_id"):
            return ref["external_id"]
    return None


def c_str(s):
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif o < 0x20:
            out.append("\\%03o" % o)
        elif o < 0x80:
            out.append(ch)
        else:  # UTF-8 bytes as octal escapes: the C file stays ASCII
            out.extend("\\%03o" % b for b in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'


def build(objects, full_objects):
    tactics = {}
    matrix = None
    for o in objects:
        if o.get("type") == "x-mitre-tactic":
            tid = attack_id(o)
            if not tid or not TA_RE.match(tid):
                continue
            tactics[o["id"]] = {
                "id": tid,
                "short": o.get("x_mitre_shortname", ""),
                "name": o.get("name", ""),
                "deprecated": bool(o.get("x_mitre_deprecated") or o.get("revoked")),
            }
        elif o.get("type") == "x-mitre-matrix" and matrix is None:
            matrix = o
    if matrix is None:
        sys.exit("gen-attack: no x-mitre-matrix object: cannot order the tactics")
    ordered = []
    for ref in matrix.get("tactic_refs", []):
        if ref in tactics:
            ordered.append(tactics[ref])
    # tactics not in the matrix (none in v18.1) go last, by id
    rest = sorted((t for k, t in tactics.items() if k not in matrix.get("tactic_refs", [])),
                  key=lambda t: t["id"])
    ordered.extend(rest)
    if len(ordered) > 32:
        sys.exit("gen-attack: more than 32 tactics: the bit set is too small")
    order = {t["short"]: i for i, t in enumerate(ordered)}

    by_stix = {}
    techniques = []
    for o in objects:
        if o.get("type") != "attack-pattern":
            continue
        tid = attack_id(o)
        if not tid or not ID_RE.match(tid):
            continue
        mask = 0
        for p in o.get("kill_chain_phases") or []:
            if p.get("kill_chain_name") == "mitre-attack" and p.get("phase_name") in order:
                mask |= 1 << order[p["phase_name"]]
        t = {
            "id": tid,
            "name": o.get("name", ""),
            "mask": mask,
            "revoked": bool(o.get("revoked")),
            "deprecated": bool(o.get("x_mitre_deprecated")),
            "sub": "." in tid,
            "replaced_by": None,
        }
        by_stix[o["id"]] = t
        techniques.append(t)

    # revoked-by relationships (full bundle) say which technique replaced a revoked one
    ap_ids = {o["id"]: attack_id(o) for o in full_objects if o.get("type") == "attack-pattern"}
    for o in full_objects:
        if o.get("type") == "relationship" and o.get("relationship_type") == "revoked-by":
            src = by_stix.get(o.get("source_ref"))
            dst = ap_ids.get(o.get("target_ref"))
            if src and dst and ID_RE.match(dst):
                src["replaced_by"] = dst

    seen = set()
    for t in techniques:
        if t["id"] in seen:
            sys.exit(f"gen-attack: duplicate technique id {t['id']}")
        seen.add(t["id"])
    techniques.sort(key=lambda t: t["id"])
    return ordered, techniques


def render(ordered, techniques, version, source):
    n_active = sum(1 for t in techniques if not t["revoked"] and not t["deprecated"])
    n_sub = sum(1 for t in techniques if t["sub"] and not t["revoked"] and not t["deprecated"])
    lines = []
    w = lines.append
    w("/*")
    w(" * attack_data.c - MITRE ATT&CK Enterprise table: tactics and techniques (ids, names,")
    w(" * tactics, revoked/deprecated flags). GENERATED by scripts/gen-attack.py from")
    for part in source:
        w(f" *   {part}")
    w(" * Do not edit by hand: re-run the script.")
    w(f" * {len(ordered)} tactics, {len(techniques)} techniques ({n_active} active, of which"
      f" {n_sub} sub-techniques).")
    w(" * ATT&CK is a registered trademark of The MITRE Corporation.")
    w(" */")
    w('#include "detect/attack_int.h"')
    w("")
    w("/* clang-format off */")
    w(f'const char ward_attack_builtin_version[] = {c_str(version)};')
    w("")
    w("/* in kill-chain order (the order of the Enterprise matrix) */")
    w("const struct ward_attack_tactic ward_attack_builtin_tactics[] = {")
    for i, t in enumerate(ordered):
        w(f"    {{{c_str(t['id'])}, {c_str(t['short'])}, {c_str(t['name'])}, {i}}},")
    w("};")
    w(f"const size_t ward_attack_builtin_tactic_count = {len(ordered)};")
    w("")
    w("/* sorted by id (strcmp order); tactics: bit i = ward_attack_builtin_tactics[i] */")
    w("const struct ward_attack_technique ward_attack_builtin_techniques[] = {")
    for t in techniques:
        flags = []
        if t["sub"]:
            flags.append("WARD_ATTACK_SUB")
        if t["revoked"]:
            flags.append("WARD_ATTACK_REVOKED")
        if t["deprecated"]:
            flags.append("WARD_ATTACK_DEPRECATED")
        fl = " | ".join(flags) if flags else "0"
        rb = c_str(t["replaced_by"]) if t["replaced_by"] else "NULL"
        w(f"    {{{c_str(t['id'])}, {c_str(t['name'])}, 0x{t['mask']:04x}u, {fl}, {rb}}},")
    w("};")
    w(f"const size_t ward_attack_builtin_technique_count = {len(techniques)};")
    w("")
    w("const struct ward_attack_db ward_attack_builtin_db = {")
    w(f"    ward_attack_builtin_tactics, {len(ordered)}, ward_attack_builtin_techniques,"
      f" {len(techniques)},")
    w("    ward_attack_builtin_version, NULL,")
    w("};")
    w("/* clang-format on */")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", default=os.path.join(DEFAULT_DIR, DEFAULT_BUNDLE))
    ap.add_argument("--full", default=None)
    ap.add_argument("--version", default=None)
    ap.add_argument("--out", default=os.path.join(ROOT, "src", "detect", "attack_data.c"))
    args = ap.parse_args()

    objects = load(args.bundle)
    full = args.full
    if full is None:
        cand = os.path.join(os.path.dirname(args.bundle), DEFAULT_FULL)
        full = cand if os.path.exists(cand) else ""
    full_objects = load(full) if full else objects
    version = args.version
    if version is None:
        m = re.search(r"-v(\d+(?:\.\d+)*)", os.path.basename(args.bundle))
        version = m.group(1) if m else "unknown"
    ordered, techniques = build(objects, full_objects)
    source = [os.path.basename(args.bundle)]
    if full and full != args.bundle:
        source.append("(revoked-by relationships from " + os.path.basename(full) + ")")
    text = render(ordered, techniques, version, source)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        print(f"gen-attack: wrote {args.out}: ATT&CK {version}, {len(ordered)} tactics, "
              f"{len(techniques)} techniques", file=sys.stderr)


if __name__ == "__main__":
    main()
