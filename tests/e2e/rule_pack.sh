#!/usr/bin/env bash
# rule_pack.sh - ward's own rule pack (rules/) keeps its convention and its tests pass:
# the structure check of scripts/check-rule-pack.py (required keys, unique UUID4 ids,
# well-formed ATT&CK tags that exist in the table, a test file with a positive test) with
# its reference cross-check, then ward's own engine: every rule compiles, and
# `ward rules test` passes with both engines (the correlations' and filters' sequence tests
# included). With the shared corpus present, the pack
# must also fire on the EVTX attack samples across at least 40 ATT&CK techniques.
set -u
src=${WARD_SRC:-.}
ward=${WARD_BIN:-$src/build/ward}
corpus=${WARD_CORPUS:-$src/../shared/corpus}
fail=0
note() { printf '%s\n' "$*"; }
bad() { printf 'FAIL: %s\n' "$*"; fail=1; }

# Rules whose test the fast engine does not pass yet, for a reason outside the rule (kept
# short; each entry says why). The reference engine must still pass them.
known_fast_gaps=(
  # the fast engine does not resolve Event.UserData.*.<field> (the reference engine does)
  "rules/windows/builtin/terminalservices/rdp_connection_from_loopback.yml"
  "rules/windows/builtin/wmi/wmi_eventlog_clear_attempt.yml"
)

if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
  out=$(cd "$src" && /usr/bin/python3 scripts/check-rule-pack.py --rules rules --eval 2>&1) ||
    bad "check-rule-pack.py: $out"
  note "$(printf '%s\n' "$out" | grep '^rules:')"
  rules=$(printf '%s\n' "$out" | sed -n 's/^rules: \([0-9]*\),.*/\1/p')
  techs=$(printf '%s\n' "$out" | sed -n 's/.*distinct techniques: \([0-9]*\),.*/\1/p')
  [ "${rules:-0}" -ge 50 ] || bad "only ${rules:-0} rules (want >= 50)"
  [ "${techs:-0}" -ge 40 ] || bad "only ${techs:-0} distinct techniques (want >= 40)"
else
  bad "/usr/bin/python3 with PyYAML is missing: run scripts/install-deps.sh"
fi

if [ ! -x "$ward" ]; then
  echo "SKIP: ward binary not found at $ward"
  exit 77
fi

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
(cd "$src" && "$ward" rules check -q rules) || bad "ward rules check rejected rules"
(cd "$src" && "$ward" rules test -e reference rules) >"$tmp/ref" 2>&1 ||
  bad "ward rules test -e reference: $(grep -v '^ok' "$tmp/ref")"
(cd "$src" && "$ward" rules test rules) >"$tmp/fast" 2>&1
while IFS= read -r line; do
  case "$line" in
  FAIL*)
    path=${line#FAIL }
    path=${path%%:*}
    known=0
    for k in "${known_fast_gaps[@]}"; do [ "$k" = "$path" ] && known=1; done
    if [ $known = 1 ]; then note "known fast-engine gap: $line"; else bad "ward rules test: $line"; fi
    ;;
  esac
done <"$tmp/fast"
tail -n 1 "$tmp/fast"

samples="$corpus/bench/evtx-attack-samples.jsonl"
if [ -f "$samples" ]; then
  hits=$("$ward" match --rules "$src/rules" --no-event "$samples" 2>/dev/null)
  nrules=$(printf '%s\n' "$hits" | grep -o '"id":"[^"]*"' | sort -u | grep -c .)
  ntech=$(printf '%s\n' "$hits" | grep -o '"attack\.t[0-9.]*"' | sort -u | grep -c .)
  note "corpus: $nrules rules fired, $ntech distinct techniques on $samples"
  [ "$nrules" -ge 80 ] || bad "only $nrules rules fired on the EVTX attack samples (want >= 80)"
  [ "$ntech" -ge 40 ] || bad "only $ntech techniques detected on the EVTX attack samples (want >= 40)"
else
  note "note: $samples absent, corpus recall check skipped"
fi

[ $fail = 0 ] && echo "rule_pack: ok"
exit $fail
