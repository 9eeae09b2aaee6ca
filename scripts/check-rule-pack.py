#!/usr/bin/env python3
"""check-rule-pack.py - validate ward's own Sigma rule pack (rules/) and its test files.

For every rules/**/NAME.yml it checks the structure ward's convention asks for (see
docs/rules.md): required keys, a unique UUID4 id, well-formed tags (attack.<tactic> and
attack.tNNNN[.nnn] with at least one technique), a valid level and status, a logsource with
a product, a detection with a condition, falsepositives, and a NAME.test.jsonl next to it
holding at least one positive test ({"match": true, "event": {...}}; Windows events in the
nested {"Event": ...} layout; events of other products are flat and name the logsource
their decoder would give them: {"match": true, "logsource": {"product": "linux", "service":
"sshd"}, "event": {...}}). Correlation rules (a `correlation:` section) and filters (a
`filter:` section) have no detection: their sections are checked, every rule they name must
be in the pack, and their NAME.test.jsonl is a sequence test (lines {"case": ...},
{"event": ..., "logsource"?, "filtered"?} and {"alert": {"group": ...}}, see docs/rules.md)
whose shape is checked here (a case first, at least one expected alert or, for a filter,
one event whose match must be dropped); `ward rules test` runs them. It then counts the
distinct ATT&CK techniques the pack covers.

With --eval it also runs a small reference matcher (a subset of Sigma: the modifiers and
conditions the pack uses) over each rule's test events, and over extra JSON-lines evidence
given with --events, printing hits per rule and per technique. The matcher is a cross-check
of the rules' logic while ward's own engine (`ward rules test`) is the authority.

usage: scripts/check-rule-pack.py [--rules DIR] [--eval] [--events FILE ...] [--quiet]
exit status: 0 when every rule passes, 1 otherwise.
"""
import argparse
import base64
import collections
import glob
import ipaddress
import json
import os
import re
import sys
import uuid

try:
    import yaml
except ImportError:  # python3-yaml is installed by scripts/install-deps.sh
    sys.exit("check-rule-pack: PyYAML is missing (apt-get install python3-yaml)")

REQUIRED = ["title", "id", "status", "description", "author", "date", "tags", "logsource",
            "detection", "falsepositives", "level"]
LEVELS = {"informational", "low", "medium", "high", "critical"}
STATUSES = {"stable", "test", "experimental", "deprecated", "unsupported"}
TACTICS = {"reconnaissance", "resource-development", "initial-access", "execution",
           "persistence", "privilege-escalation", "defense-evasion", "credential-access",
           "discovery", "lateral-movement", "collection", "command-and-control",
           "exfiltration", "impact"}
TAG_RE = re.compile(r"^attack\.(t\d{4}(\.\d{3})?|[gsc]\d{4}|[a-z-]+)$")
TECH_RE = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# ---- the reference matcher ----------------------------------------------------------------

SYSMON = "Microsoft-Windows-Sysmon/Operational"
# logsource category -> (channel, event ids) the category routes to (Sysmon and Security)
CATEGORY = {
    "process_creation": [(SYSMON, {1}), ("Security", {4688})],
    "network_connection": [(SYSMON, {3})],
    "file_change": [(SYSMON, {2})],
    "driver_load": [(SYSMON, {6})],
    "image_load": [(SYSMON, {7})],
    "create_remote_thread": [(SYSMON, {8})],
    "raw_access_thread": [(SYSMON, {9})],
    "process_access": [(SYSMON, {10})],
    "file_event": [(SYSMON, {11})],
    "registry_add": [(SYSMON, {12})],
    "registry_delete": [(SYSMON, {12})],
    "registry_set": [(SYSMON, {13})],
    "registry_rename": [(SYSMON, {14})],
    "registry_event": [(SYSMON, {12, 13, 14})],
    "create_stream_hash": [(SYSMON, {15})],
    "pipe_created": [(SYSMON, {17, 18})],
    "wmi_event": [(SYSMON, {19, 20, 21})],
    "dns_query": [(SYSMON, {22})],
    "file_delete": [(SYSMON, {23, 26})],
    "process_tampering": [(SYSMON, {25})],
    "ps_script": [("Microsoft-Windows-PowerShell/Operational", {4104})],
    "ps_module": [("Microsoft-Windows-PowerShell/Operational", {4103})],
    "ps_classic_start": [("Windows PowerShell", {400})],
    "ps_classic_provider_start": [("Windows PowerShell", {600})],
}
SERVICE = {
    "security": "Security",
    "system": "System",
    "application": "Application",
    "sysmon": SYSMON,
    "powershell": "Microsoft-Windows-PowerShell/Operational",
    "powershell-classic": "Windows PowerShell",
    "windefend": "Microsoft-Windows-Windows Defender/Operational",
    "bits-client": "Microsoft-Windows-Bits-Client/Operational",
    "taskscheduler": "Microsoft-Windows-TaskScheduler/Operational",
    "wmi": "Microsoft-Windows-WMI-Activity/Operational",
    "winrm": "Microsoft-Windows-WinRM/Operational",
    "terminalservices-localsessionmanager":
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    "codeintegrity-operational": "Microsoft-Windows-CodeIntegrity/Operational",
    "terminalservices-remoteconnectionmanager":
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    "msexchange-management": "MSExchange Management",
}
# Security 4688 carries the process fields under other names
FIELD_ALIAS_4688 = {"Image": "NewProcessName", "ParentImage": "ParentProcessName"}


def flatten(event):
    """The event's fields by their last name (EventData/UserData/System leaves)."""
    ev = event.get("Event", event)
    out = {}
    system = ev.get("System") or {}
    for k, v in system.items():
        if isinstance(v, dict):
            if "#text" in v:
                out[k] = v["#text"]
            attrs = v.get("#attributes") or {}
            for ak, av in attrs.items():
                out[k + "_" + ak] = av
                if k == "Provider" and ak == "Name":
                    out["Provider_Name"] = av
        else:
            out[k] = v

    def walk(node, name=""):
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(v, (dict, list)):
                    walk(v, k)
                elif k not in ("#attributes",):
                    out[k] = v
        elif isinstance(node, list):
            for i, x in enumerate(node):
                if isinstance(x, (dict, list)):
                    walk(x, name)
                else:
                    out[f"{name}.{i}"] = x
    for part in ("EventData", "UserData"):
        if part in ev and ev[part] is not None:
            walk(ev[part])
    return out


def routes(logsource, fields, given=None):
    if given:
        # a test event of a decoder that knows its logsource (syslog: linux / sshd ...)
        return all(given.get(k) == v for k, v in logsource.items() if k != "definition")
    if logsource.get("product") not in (None, "windows"):
        return False
    ch = str(fields.get("Channel", ""))
    try:
        eid = int(fields.get("EventID", -1))
    except (TypeError, ValueError):
        eid = -1
    cat = logsource.get("category")
    if cat:
        if cat not in CATEGORY:
            return False
        if not any(ch.lower() == c.lower() and eid in ids for c, ids in CATEGORY[cat]):
            return False
        if cat == "registry_delete" and not str(fields.get("EventType", "")).startswith("Delete"):
            return False
        if cat == "registry_add" and str(fields.get("EventType", "")) != "CreateKey":
            return False
        return True
    svc = logsource.get("service")
    if svc:
        want = SERVICE.get(svc)
        return want is not None and ch.lower() == want.lower()
    return True


def wildcard_re(pattern):
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*?\\":
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return "".join(out)


def b64_offsets(value):
    """The three base64 renderings of value at each offset (the Sigma base64offset)."""
    outs = []
    for shift in range(3):
        enc = base64.b64encode(b" " * shift + value.encode("utf-8")).decode()
        start = (0, 2, 3)[shift]
        trim = (0, 3, 2)[(len(value) + shift) % 3]
        outs.append(enc[start:len(enc) - trim])
    return outs


WINDASH = ["-", "/", "\u2013", "\u2014", "\u2015"]


def value_matches(actual, expected, mods):
    if expected is None:
        return actual is None or actual == ""
    if actual is None:
        return False
    a = str(actual)
    if isinstance(expected, bool):
        expected = "true" if expected else "false"
    if "cidr" in mods:
        try:
            return ipaddress.ip_address(a) in ipaddress.ip_network(str(expected), strict=False)
        except ValueError:
            return False
    if "re" in mods:
        flags = re.I if "i" in mods else 0
        return re.search(str(expected), a, flags) is not None
    for m in ("gt", "gte", "lt", "lte"):
        if m in mods:
            try:
                x, y = float(a), float(expected)
            except ValueError:
                return False
            return {"gt": x > y, "gte": x >= y, "lt": x < y, "lte": x <= y}[m]
    exp = str(expected)
    variants = [exp]
    if "windash" in mods:
        variants = []
        for d in WINDASH:
            variants.append(re.sub(r"^[-/]", d, exp) if exp[:1] in "-/" else exp)
            variants.append(exp.replace(" -", " " + d).replace(" /", " " + d))
        variants = list(dict.fromkeys(variants))
    if "base64offset" in mods:
        variants = [x for v in variants for x in b64_offsets(v)]
        mods = mods | {"contains"}
    for v in variants:
        pat = wildcard_re(v)
        if "contains" in mods:
            pat = ".*" + pat + ".*"
        elif "startswith" in mods:
            pat = pat + ".*"
        elif "endswith" in mods:
            pat = ".*" + pat
        if re.fullmatch(pat, a, re.I | re.S):
            return True
    return False


def field_matches(fields, key, expected, eid):
    name, *mods = key.split("|")
    mods = set(mods)
    if name not in fields and eid == 4688 and name in FIELD_ALIAS_4688:
        name = FIELD_ALIAS_4688[name]
    actual = fields.get(name)
    if "exists" in mods:
        return (name in fields) == bool(expected)
    values = expected if isinstance(expected, list) else [expected]
    if "all" in mods:
        return all(value_matches(actual, v, mods) for v in values)
    return any(value_matches(actual, v, mods) for v in values)


def search_matches(fields, search, eid):
    if isinstance(search, dict):
        return all(field_matches(fields, k, v, eid) for k, v in search.items())
    if isinstance(search, list):
        if all(isinstance(x, dict) for x in search):
            return any(search_matches(fields, x, eid) for x in search)
        text = [str(v) for v in fields.values() if v is not None]
        return any(value_matches(t, s, {"contains"}) for s in search for t in text)
    return False


def tokenize(cond):
    return re.findall(r"\(|\)|[^\s()]+", cond)


def eval_condition(cond, results):
    toks = tokenize(cond)
    pos = [0]

    def peek():
        return toks[pos[0]].lower() if pos[0] < len(toks) else None

    def take():
        pos[0] += 1
        return toks[pos[0] - 1]

    def names(pat):
        if pat == "them":
            return [n for n in results if not n.startswith("_")]
        rx = re.compile("^" + wildcard_re(pat) + "$")
        return [n for n in results if rx.match(n)]

    def primary():
        t = peek()
        if t == "(":
            take()
            v = orexpr()
            take()
            return v
        if t == "not":
            take()
            return not primary()
        if t in ("1", "all", "any"):
            q = take().lower()
            take()  # of
            sel = names(take())
            vals = [results[n] for n in sel]
            return all(vals) if q == "all" else any(vals)
        name = take()
        if name not in results:
            raise KeyError(f"condition names unknown search '{name}'")
        return results[name]

    def andexpr():
        v = primary()
        while peek() == "and":
            take()
            w = primary()
            v = v and w
        return v

    def orexpr():
        v = andexpr()
        while peek() == "or":
            take()
            w = andexpr()
            v = v or w
        return v

    return orexpr()


def rule_matches(rule, event, given=None):
    fields = flatten(event) if "Event" in event else dict(event)
    if not routes(rule.get("logsource") or {}, fields, given):
        return False
    try:
        eid = int(fields.get("EventID", -1))
    except (TypeError, ValueError):
        eid = -1
    det = rule["detection"]
    results = {k: search_matches(fields, v, eid) for k, v in det.items() if k != "condition"}
    conds = det["condition"] if isinstance(det["condition"], list) else [det["condition"]]
    return any(eval_condition(c, results) for c in conds)

# ---- structure checks ----------------------------------------------------------------------


def load_attack_ids(root):
    """Technique ids of ward's ATT&CK table (src/detect/attack_data.c), or None."""
    path = os.path.join(root, "src", "detect", "attack_data.c")
    try:
        with open(path, encoding="ascii") as f:
            text = f.read()
    except OSError:
        return None
    return set(re.findall(r'\{"(T\d{4}(?:\.\d{3})?)", "', text))


CORR_TYPES = {"event_count", "value_count", "temporal", "temporal_ordered", "value_sum",
              "value_avg", "value_percentile"}
TIMESPAN_RE = re.compile(r"^\d+[smhdw]$")


def rule_kind(rule):
    if isinstance(rule, dict) and "correlation" in rule:
        return "correlation"
    if isinstance(rule, dict) and "filter" in rule:
        return "filter"
    return "detection"


def check_correlation(rule, bad):
    c = rule.get("correlation")
    if not isinstance(c, dict):
        bad("correlation must be a mapping")
        return
    t = c.get("type")
    if t not in CORR_TYPES:
        bad(f"correlation type '{t}' is not one of {sorted(CORR_TYPES)}")
    if not isinstance(c.get("rules"), list) or not c["rules"]:
        bad("correlation needs a list of rules")
    if not TIMESPAN_RE.match(str(c.get("timespan", ""))):
        bad("correlation timespan must be like 5m, 1h")
    gb = c.get("group-by")
    if gb is not None and not isinstance(gb, list):
        bad("correlation group-by must be a list")
    cond = c.get("condition")
    if t not in ("temporal", "temporal_ordered") and not isinstance(cond, dict):
        bad(f"a {t} correlation needs a condition")
    if t in ("value_count", "value_sum", "value_avg", "value_percentile") and not (
            isinstance(cond, dict) and cond.get("field")):
        bad(f"a {t} correlation needs a condition field")


def check_filter(rule, bad):
    f = rule.get("filter")
    if not isinstance(f, dict):
        bad("filter must be a mapping")
        return
    if not isinstance(f.get("rules"), list) or not f["rules"]:
        bad("filter needs a list of rules")
    if "condition" not in f:
        bad("filter needs a condition")
    ls = rule.get("logsource") or {}
    if not isinstance(ls, dict) or not ls.get("product"):
        bad("logsource needs a product")


def check_rule(path, rule, ids, problems, attack_ids=None):
    def bad(msg):
        problems.append(f"{path}: {msg}")
    if not isinstance(rule, dict):
        bad("not a YAML mapping")
        return []
    kind = rule_kind(rule)
    required = REQUIRED
    if kind == "correlation":
        required = [k for k in REQUIRED if k not in ("logsource", "detection")] + ["correlation"]
        check_correlation(rule, bad)
    elif kind == "filter":
        required = [k for k in REQUIRED if k not in ("detection", "tags", "level")] + ["filter"]
        check_filter(rule, bad)
    for k in required:
        if k not in rule or rule[k] in (None, "", []):
            bad(f"missing required key '{k}'")
    rid = str(rule.get("id", ""))
    try:
        u = uuid.UUID(rid)
        if u.version != 4 or str(u) != rid:
            bad(f"id {rid} is not a lower-case UUID4")
    except ValueError:
        bad(f"id '{rid}' is not a UUID")
    if rid in ids:
        bad(f"id {rid} is also used by {ids[rid]}")
    ids[rid] = path
    if rule.get("author") != "ward project":
        bad("author must be 'ward project'")
    if kind != "filter" and str(rule.get("level")) not in LEVELS:
        bad(f"level '{rule.get('level')}' is not one of {sorted(LEVELS)}")
    if str(rule.get("status")) not in STATUSES:
        bad(f"status '{rule.get('status')}' is not one of {sorted(STATUSES)}")
    if not DATE_RE.match(str(rule.get("date", ""))):
        bad("date must be YYYY-MM-DD")
    if kind == "filter":
        if not isinstance(rule.get("falsepositives"), list):
            bad("falsepositives must be a list")
        return []
    techniques = []
    tactics = 0
    for t in rule.get("tags") or []:
        if not isinstance(t, str) or not TAG_RE.match(t):
            if not (isinstance(t, str) and re.match(r"^(cve|detection|car|tlp)\.", t)):
                bad(f"tag '{t}' is not well-formed")
            continue
        m = TECH_RE.match(t)
        if m:
            techniques.append(m.group(1).upper())
            if attack_ids is not None and m.group(1).upper() not in attack_ids:
                bad(f"tag '{t}' is not a technique of the ATT&CK table (src/detect/attack_data.c)")
        elif t[7:] in TACTICS:
            tactics += 1
        elif not re.match(r"^attack\.[gsc]\d{4}$", t):
            bad(f"tag '{t}' names no ATT&CK tactic")
    if not techniques:
        bad("no attack.tNNNN technique tag")
    if not tactics:
        bad("no attack.<tactic> tag")
    ls = rule.get("logsource") or {}
    if kind == "correlation":
        pass
    elif not isinstance(ls, dict) or not ls.get("product"):
        bad("logsource needs a product")
    elif not (ls.get("category") or ls.get("service")) and "Channel:" not in yaml.safe_dump(
            rule.get("detection")):
        # a channel the taxonomy has no service for: the detection must pick the Channel
        bad("logsource needs a category or a service (or the detection must select a Channel)")
    det = rule.get("detection")
    if kind == "correlation":
        pass
    elif not isinstance(det, dict) or "condition" not in det:
        bad("detection needs a condition")
    if not isinstance(rule.get("falsepositives"), list):
        bad("falsepositives must be a list")
    return techniques


def load_tests(path, problems, windows=True):
    tests = []
    if not os.path.exists(path):
        problems.append(f"{path}: missing test file")
        return tests
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{n}: invalid JSON: {e}")
                continue
            if not isinstance(obj, dict) or not isinstance(obj.get("match"), bool) \
                    or not isinstance(obj.get("event"), dict):
                problems.append(f"{path}:{n}: want {{\"match\": true|false, \"event\": {{...}}}}")
                continue
            if windows and "Event" not in obj["event"]:
                problems.append(f"{path}:{n}: event must be in the nested layout {{\"Event\": ...}}")
            if not windows and not isinstance(obj.get("logsource"), dict):
                problems.append(f"{path}:{n}: a non-Windows test event names its \"logsource\"")
            tests.append((n, obj))
    if not any(o["match"] for _, o in tests):
        problems.append(f"{path}: no positive test (\"match\": true)")
    return tests


def load_seq_tests(path, kind, problems):
    """The shape of a correlation's or filter's sequence test (ward rules test runs it)."""
    if not os.path.exists(path):
        problems.append(f"{path}: missing test file")
        return
    cases = positives = 0
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{n}: invalid JSON: {e}")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path}:{n}: want a JSON object")
                continue
            if "case" in obj:
                if not isinstance(obj["case"], str) or not obj["case"]:
                    problems.append(f"{path}:{n}: a case has a name: {{\"case\": \"...\"}}")
                cases += 1
                continue
            if not cases:
                problems.append(f"{path}:{n}: the first line must start a case")
                continue
            if "alert" in obj:
                a = obj["alert"]
                if kind != "correlation":
                    problems.append(f"{path}:{n}: an alert line in the test of a filter")
                elif not isinstance(a, dict) or not isinstance(a.get("group", {}), dict):
                    problems.append(f"{path}:{n}: want {{\"alert\": {{\"group\": {{...}}, ...}}}}")
                else:
                    positives += 1
                continue
            if not isinstance(obj.get("event"), dict):
                problems.append(f"{path}:{n}: neither a case, an event nor an alert")
                continue
            if "filtered" in obj:
                if kind != "filter" or not isinstance(obj["filtered"], bool):
                    problems.append(f"{path}:{n}: \"filtered\" is true or false, in a filter's test")
                elif obj["filtered"]:
                    positives += 1
    if not positives:
        problems.append(f"{path}: no case expects an alert" if kind == "correlation"
                        else f"{path}: no event expects its match to be dropped (\"filtered\": true)")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", default=os.path.join(os.path.dirname(here), "rules"))
    ap.add_argument("--eval", action="store_true", help="run the reference matcher on tests")
    ap.add_argument("--events", nargs="*", default=[], help="JSON-lines evidence to match")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    problems = []
    ids = {}
    attack_ids = load_attack_ids(os.path.dirname(here))
    techniques = collections.Counter()
    rules = []
    paths = sorted(glob.glob(os.path.join(args.rules, "**", "*.yml"), recursive=True))
    for path in paths:
        rel = os.path.relpath(path)
        try:
            with open(path, encoding="utf-8") as f:
                docs = list(yaml.safe_load_all(f))
        except yaml.YAMLError as e:
            problems.append(f"{rel}: YAML error: {e}")
            continue
        if len(docs) != 1:
            problems.append(f"{rel}: want exactly one YAML document, found {len(docs)}")
            continue
        rule = docs[0]
        techs = check_rule(rel, rule, ids, problems, attack_ids)
        for t in set(techs):
            techniques[t] += 1
        tests = []
        if rule_kind(rule) == "detection":
            product = ((rule.get("logsource") or {}).get("product") if isinstance(rule, dict)
                       else None)
            tests = load_tests(path[:-4] + ".test.jsonl", problems, product in (None, "windows"))
        elif rule_kind(rule) in ("correlation", "filter"):
            load_seq_tests(path[:-4] + ".test.jsonl", rule_kind(rule), problems)
        rules.append((rel, rule, techs, tests))

    # every rule a correlation or a filter names is in the pack (by id or name)
    known = set()
    for _rel, rule, _t, _x in rules:
        if isinstance(rule, dict):
            known.update(str(rule[k]) for k in ("id", "name") if rule.get(k))
    for rel, rule, _t, _x in rules:
        kind = rule_kind(rule)
        if kind == "detection":
            continue
        sec = rule.get(kind) or {}
        for ref in (sec.get("rules") or []) if isinstance(sec, dict) else []:
            if str(ref) not in known:
                problems.append(f"{rel}: {kind} names rule '{ref}', which is not in the pack")

    if args.eval:
        for rel, rule, _techs, tests in rules:
            if not isinstance(rule, dict) or "detection" not in rule:
                continue
            for n, t in tests:
                try:
                    got = rule_matches(rule, t["event"], t.get("logsource"))
                except Exception as e:  # noqa: BLE001 - report and go on
                    problems.append(f"{rel}: test line {n}: matcher error: {e}")
                    continue
                if got != t["match"]:
                    problems.append(f"{rel[:-4]}.test.jsonl:{n}: expected match={t['match']}, got {got}")

    if args.events:
        hits = collections.Counter()
        tech_hits = collections.Counter()
        total = 0
        for ev_path in args.events:
            with open(ev_path, encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    try:
                        ev = json.loads(line)
                    except json.JSONDecodeError:
                        continue
                    total += 1
                    matched = set()
                    for rel, rule, techs, _ in rules:
                        if isinstance(rule, dict) and "detection" in rule:
                            try:
                                if rule_matches(rule, ev):
                                    hits[rel] += 1
                                    matched.update(techs)
                            except Exception:  # noqa: BLE001
                                pass
                    for t in matched:
                        tech_hits[t] += 1
        print(f"events: {total}")
        for rel, _, _, _ in rules:
            print(f"  {hits[rel]:6d}  {rel}")
        print("hits per technique:")
        for t in sorted(techniques):
            print(f"  {tech_hits[t]:6d}  {t}")

    for p in problems:
        print("FAIL " + p)
    if not args.quiet or problems:
        print(f"rules: {len(rules)}, distinct techniques: {len(techniques)}, problems: {len(problems)}")
        if not args.quiet:
            print("techniques: " + " ".join(sorted(techniques)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
