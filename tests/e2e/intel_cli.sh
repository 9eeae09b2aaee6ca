#!/bin/bash
# intel_cli.sh - `ward intel` on files written here: a MISP feed directory (manifest.json,
# event files, hashes.csv), exit statuses of check (missing file, syntax error, --strict),
# --json and --list output, match with --count and without --intel.
set -u
ward=${WARD_BIN:?WARD_BIN not set}
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# a MISP feed: two events listed in the manifest, one listed but missing
mkdir "$tmp/feed"
cat > "$tmp/feed/manifest.json" <<'J'
{"11111111-1111-4111-8111-111111111111": {"info": "one", "Tag": [{"name": "tlp:green"}]},
 "22222222-2222-4222-8222-222222222222": {"info": "two"},
 "33333333-3333-4333-8333-333333333333": {"info": "missing"}}
J
cat > "$tmp/feed/11111111-1111-4111-8111-111111111111.json" <<'J'
{"Event": {"uuid": "11111111-1111-4111-8111-111111111111", "info": "one",
  "Tag": [{"name": "tlp:green"}],
  "Attribute": [{"type": "ip-dst", "value": "198.51.100.20", "uuid": "a-1", "to_ids": true},
                {"type": "url", "value": "http://c2.example.net/gate.php", "uuid": "a-2"}]}}
J
cat > "$tmp/feed/22222222-2222-4222-8222-222222222222.json" <<'J'
{"Event": {"uuid": "22222222-2222-4222-8222-222222222222", "info": "two",
  "Object": [{"name": "file", "Attribute": [
     {"type": "sha256", "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "uuid": "b-1"},
     {"type": "filename", "value": "evil.exe", "uuid": "b-2"}]}]}}
J
printf 'd41d8cd98f00b204e9800998ecf8427e,11111111-1111-4111-8111-111111111111\n' > "$tmp/feed/hashes.csv"
out=$("$ward" intel check --json "$tmp/feed"); rc=$?
[ $rc = 1 ] && ok || bad "feed with a missing event file: exit $rc, expected 1"
echo "$out" | python3 -c "
import json,sys
d=json.load(sys.stdin)
assert d['total']==3, d['total']
assert d['values']['ipv4']==1 and d['values']['url']==1 and d['values']['sha256']==1, d['values']
assert d['unsupported']==1 and d['file_errors']==1, d
ids={p.get('id') for p in d['problems']}
assert 'b-2' in ids, ids
assert any('33333333' in p['source'] for p in d['problems'] if p['kind']=='file-error')
" && ok || bad "feed counts: $out"
# the feed's TLP comes from the event's tags
"$ward" intel check --list "$tmp/feed" 2>/dev/null | grep '"198.51.100.20"' | grep -q '"tlp":"green"' \
    && ok || bad "TLP from the event tag"

# exit statuses
"$ward" intel check "$tmp/nope.json" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "missing file: exit $rc, expected 1"
printf '{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator","id":"indicator--1","pattern":"[ipv4-addr:value = ","pattern_type":"stix"}]}' > "$tmp/syntax.json"
"$ward" intel check "$tmp/syntax.json" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "pattern syntax error: exit $rc, expected 1"
printf '{"type":"bundle","id":"bundle--2","objects":[{"type":"indicator","id":"indicator--2","pattern":"[file:name = '"'"'x.exe'"'"'] OR [ipv4-addr:value = '"'"'192.0.2.9'"'"']","pattern_type":"stix"}]}' > "$tmp/part.json"
"$ward" intel check "$tmp/part.json" >/dev/null 2>&1; rc=$?
[ $rc = 0 ] && ok || bad "unsupported part: exit $rc, expected 0"
"$ward" intel check --strict "$tmp/part.json" >/dev/null 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "--strict with an unsupported part: exit $rc, expected 1"
"$ward" intel check "$tmp/part.json" | grep -q "1 of 2 comparisons loaded" && ok || bad "partial report"

# match
printf '{"ts":"2024-05-01T10:00:00Z","dst":"192.0.2.9","url":"http://C2.example.net/gate.php"}\n{"ts":"2024-05-01T10:00:01Z","x":"nothing"}\n' > "$tmp/ev.jsonl"
"$ward" intel match "$tmp/ev.jsonl" >/dev/null 2>&1; rc=$?
[ $rc = 64 ] && ok || bad "match without --intel: exit $rc, expected 64"
n=$("$ward" intel match --intel "$tmp/part.json" --intel "$tmp/feed" "$tmp/ev.jsonl" 2>/dev/null | wc -l)
[ "$n" = 2 ] && ok || bad "match: $n hits, expected 2 (the address and the URL)"
"$ward" intel match --count --intel "$tmp/part.json" "$tmp/ev.jsonl" 2>/dev/null | grep -q "^1	total" \
    && ok || bad "match --count"

# validity: published after the event (retro by default: found; strict: not), expired before it
printf '{"type":"bundle","id":"bundle--3","objects":[{"type":"indicator","id":"indicator--3","pattern":"[ipv4-addr:value = '"'"'192.0.2.9'"'"']","pattern_type":"stix","valid_from":"2030-01-01T00:00:00Z"},{"type":"indicator","id":"indicator--4","pattern":"[url:value = '"'"'http://c2.example.net/gate.php'"'"']","pattern_type":"stix","valid_from":"2019-01-01T00:00:00Z","valid_until":"2020-01-01T00:00:00Z"}]}' > "$tmp/valid.json"
n=$("$ward" intel match --intel "$tmp/valid.json" "$tmp/ev.jsonl" 2>/dev/null | wc -l)
[ "$n" = 1 ] && ok || bad "validity retro: $n hits, expected 1 (the address; the URL expired)"
n=$("$ward" intel match --validity strict --intel "$tmp/valid.json" "$tmp/ev.jsonl" 2>/dev/null | wc -l)
[ "$n" = 0 ] && ok || bad "validity strict: $n hits, expected 0"
n=$("$ward" intel match --validity ignore --intel "$tmp/valid.json" "$tmp/ev.jsonl" 2>/dev/null | wc -l)
[ "$n" = 2 ] && ok || bad "validity ignore: $n hits, expected 2"

echo "intel_cli: $pass passed, $fail failed"
[ $fail = 0 ]
