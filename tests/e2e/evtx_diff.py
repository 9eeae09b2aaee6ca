#!/usr/bin/python3
"""evtx_diff.py - differential test of ward's EVTX decoder against python3-evtx (an oracle
used only by tests, never at run time).

usage: evtx_diff.py WARD_BIN [--max-seconds N] [--json] FILE.evtx...

For each file, every record is rendered as XML by python-evtx, parsed, and flattened
with ward's rules (see docs/internals/evtx.md); `ward dump` gives ward's fields. Both
must have the same keys and, after the normalisations below, the same values.

Normalisations (python-evtx renders some types differently from Windows/ward):
- numbers: ward's JSON numbers compare with python's decimal text by value (floats
  within 1e-6 relative);
- booleans: ward true/false, python True/False;
- GUIDs: python "{lowercase}", ward UPPERCASE without braces;
- FILETIME/SYSTEMTIME: python "2019-04-27 15:57:25.868864" (fraction dropped when 0),
  ward "2019-04-27T15:57:25.868864Z": compared as instants within 10 microseconds
  (python-evtx rounds through a float, ward truncates the 100 ns ticks);
- hex integers: python zero-pads ("0x0000000000000000"), ward does not ("0x0");
- binary: python base64, ward uppercase hex;
- XML namespace declarations (xmlns attributes) are not compared: the XML parser on
  the python side consumes them;
- line ends: XML parsing turns CR LF into LF, so ward's text is compared the same way;
- text: trimmed on both sides (ward trims like the evtx_dump JSON), and python drops
  XML-restricted control characters, so they are dropped from ward's text too;
- an optional substitution without value: python renders the attribute as "" and an
  empty element as "", ward leaves the attribute out and renders the element as null;
- string arrays: python renders "<string>a</string>\\n...", ward a.0, a.1 ...; python
  puts empty items out of order, so items that agree as a multiset are accepted;
- records python-evtx cannot render (it raises) are counted as oracle failures, not
  compared.
"""
import base64
import datetime
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import Evtx.Evtx as evtx

RESTRICTED = re.compile('[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F]')
GUID_RE = re.compile(r'^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$')
PY_TIME = re.compile(r'^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?Z?$')
STRARR = re.compile(r'<string>(.*?)</string>\n', re.S)


def local(tag):
    return tag.split('}', 1)[1] if tag.startswith('{') else tag


def flatten(el, path, out):
    """ward's flattening of an XML element (python side)."""
    attrs = {}
    for k, v in el.attrib.items():
        k = local(k)
        if v == '':
            continue  # optional substitution without value (ward drops it)
        attrs[k] = v
    children = list(el)
    text = (el.text or '')
    if local(el.tag) == 'Data' and 'Name' in attrs:
        attrs.pop('Name')
    if not attrs and not children:
        out[path] = text if text.strip() != '' else None
        return
    for k, v in attrs.items():
        out[path + '.#attributes.' + k] = v
    keys = []
    for c in children:
        name = local(c.tag)
        if name == 'Data' and c.attrib.get('Name'):
            name = c.attrib['Name']
        keys.append(name)
    for i, c in enumerate(children):
        k = keys[i]
        if keys.count(k) > 1:
            k = k + '.' + str(keys[:i].count(k))
        flatten(c, path + '.' + k, out)
    if text.strip():
        out[path + '.#text'] = text


def norm_py(v):
    if v is None:
        return None
    return RESTRICTED.sub('', v.replace('\r\n', '\n').replace('\r', '\n')).strip()


def expand_arrays(py, wr):
    """python's string arrays become indexed keys. python-evtx puts empty items of a
    string array out of order (its pattern skips leading NULs), so when the items agree
    as a multiset, ward's order is taken."""
    out = {}
    for k, v in py.items():
        if isinstance(v, str) and v.startswith('<string>'):
            items = [norm_py(it) for it in STRARR.findall(v + ('' if v.endswith('\n') else '\n'))]
            mine = []
            while f'{k}.{len(mine)}' in wr:
                w = wr[f'{k}.{len(mine)}']
                mine.append(norm_py(w) if isinstance(w, str) else w)
            if len(mine) == len(items) and sorted(map(str, mine)) == sorted(map(str, items)):
                items = mine
            for i, it in enumerate(items):
                out[k + '.' + str(i)] = it
        else:
            out[k] = v
    return out


def to_instant(s):
    """microseconds since the epoch of a time text, or None."""
    m = PY_TIME.match(s)
    if not m:
        return None
    frac = (m.group(3) or '.0')[1:7].ljust(6, '0')
    try:
        d = datetime.datetime.strptime(m.group(1) + ' ' + m.group(2), '%Y-%m-%d %H:%M:%S')
    except ValueError:
        return None
    return int((d - datetime.datetime(1970, 1, 1)).total_seconds()) * 1000000 + int(frac)


def same(wv, pv):
    if pv is None or pv == '':
        return wv is None or wv == ''
    if wv is None:
        return False
    if isinstance(wv, bool):
        return pv.lower() == str(wv).lower()
    if isinstance(wv, (int, float)):
        try:
            if isinstance(wv, int) and re.fullmatch(r'-?\d+', pv):
                return int(pv) == wv
            f = float(pv)
            return f == wv or abs(f - wv) <= 1e-6 * max(abs(f), abs(wv))
        except ValueError:
            return False
    wv = RESTRICTED.sub('', wv.replace('\r\n', '\n').replace('\r', '\n')).strip()
    if wv == pv:
        return True
    g1, g2 = GUID_RE.match(wv), GUID_RE.match(pv)
    if g1 and g2:
        return g1.group(1).upper() == g2.group(1).upper()
    if wv.startswith('0x') and pv.startswith('0x'):
        try:
            return int(wv, 16) == int(pv, 16)
        except ValueError:
            return False
    t1, t2 = to_instant(wv), to_instant(pv)
    if t1 is not None and t2 is not None:
        return abs(t1 - t2) <= 10  # python-evtx converts through a float
    try:
        if re.fullmatch(r'[0-9A-F]+', wv) and base64.b64decode(pv).hex().upper() == wv:
            return True
    except (ValueError, TypeError):
        pass
    return False


def main():
    args = sys.argv[1:]
    ward = args.pop(0)
    max_seconds = None
    if args and args[0] == '--max-seconds':
        max_seconds = float(args[1])
        args = args[2:]
    start = time.time()
    files = records = oracle_fail = mismatched = 0
    fields = 0
    shown = 0
    diff_keys = {}
    for path in args:
        if max_seconds and time.time() - start > max_seconds:
            print(f'time budget reached after {files} files')
            break
        out = subprocess.run([ward, 'dump', '-t', 'evtx', path], capture_output=True, text=True)
        ward_recs = [json.loads(line) for line in out.stdout.splitlines()]
        files += 1
        py_recs = []
        try:
            with evtx.Evtx(path) as log:
                for rec in log.records():
                    try:
                        py_recs.append(rec.xml())
                    except Exception:  # noqa: BLE001 - the oracle failed on this record
                        py_recs.append(None)
        except Exception:  # noqa: BLE001
            oracle_fail += 1
            continue
        if len(py_recs) != len(ward_recs):
            print(f'{path}: {len(ward_recs)} records from ward, {len(py_recs)} from python-evtx')
            mismatched += 1
            continue
        for i, (xml, wr) in enumerate(zip(py_recs, ward_recs)):
            records += 1
            if xml is None:
                oracle_fail += 1
                continue
            try:
                root = ET.fromstring(xml)
            except ET.ParseError:
                oracle_fail += 1
                continue
            py = {}
            flatten(root, local(root.tag), py)
            py = {k: norm_py(v) for k, v in expand_arrays(py, wr).items()}
            diffs = []
            for k in sorted(set(py) | set(wr)):
                if '#attributes.xmlns' in k:
                    continue  # XML namespaces: the XML parser consumes them
                if k not in wr or k not in py:
                    if k not in wr and py.get(k) in (None, ''):
                        continue
                    diffs.append(f'  {k}: python={py.get(k, "<absent>")!r} '
                                 f'ward={wr.get(k, "<absent>")!r}')
                elif not same(wr[k], py[k]):
                    diffs.append(f'  {k}: python={py[k]!r:.200} ward={wr[k]!r:.200}')
                fields += 1
            for d in diffs:
                key = d.split(': ', 1)[0].strip()
                diff_keys[key] = diff_keys.get(key, 0) + 1
            if diffs:
                mismatched += 1
                if shown < 20:
                    shown += 1
                    print(f'{path} record {i + 1}:')
                    print('\n'.join(diffs[:8]))
    took = time.time() - start
    for k, n in sorted(diff_keys.items(), key=lambda kv: -kv[1])[:20]:
        print(f'  {n:6d} records differ at {k}')
    print(f'evtx_diff: {files} files, {records} records, {fields} fields compared, '
          f'{mismatched} records differ, {oracle_fail} records python-evtx could not render '
          f'({took:.1f}s)')
    return 1 if mismatched else 0


if __name__ == '__main__':
    sys.exit(main())
