#!/bin/bash
# evtx_counts.sh - ward reads as many records from every .evtx file of the shared corpus
# (evtx/, sigma/regression_data/, engine-tests/) as Debian's evtxinfo (libevtx-utils, a
# test oracle only) reports in "Number of records". Records libevtx "recovers" from the
# slack space of chunks are not events of the log and are not counted by either side.
# 0-byte files: evtxinfo cannot open them; ward must read 0 records from them, and say
# so with a clear error when the format is forced.
set -u
corpus=${WARD_CORPUS:-../shared/corpus}
ward=${WARD_BIN:-build/ward}
if [ ! -d "$corpus" ]; then echo "SKIP: the shared corpus is not at $corpus"; exit 77; fi
if ! command -v evtxinfo >/dev/null; then echo "SKIP: evtxinfo (libevtx-utils) is not installed"; exit 77; fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for d in evtx sigma/regression_data engine-tests; do
    [ -d "$corpus/$d" ] && find "$corpus/$d" -name '*.evtx' -type f -print0
done | sort -z >"$tmp/files"
nfiles=$(tr -cd '\0' <"$tmp/files" | wc -c)
[ "$nfiles" -gt 0 ] || { echo "SKIP: no .evtx files under $corpus"; exit 77; }

# ward: one run over all files, "COUNT<TAB>PATH" per file
xargs -0 "$ward" dump --count -t evtx <"$tmp/files" >"$tmp/ward" 2>"$tmp/ward.err"
declare -A wcount
while IFS=$'\t' read -r c p; do wcount[$p]=$c; done <"$tmp/ward"
# evtxinfo: "COUNT<TAB>PATH" per non-empty file, two at a time
tr '\0' '\n' <"$tmp/files" | while IFS= read -r f; do [ -s "$f" ] && printf '%s\0' "$f"; done |
    xargs -0 -P2 -I{} sh -c 'printf "%s\t%s\n" "$(evtxinfo "$1" 2>/dev/null |
        sed -n "s/^[[:space:]]*Number of records[[:space:]]*:[[:space:]]*//p")" "$1"' sh {} \
        >"$tmp/oracle"
declare -A ocount
while IFS=$'\t' read -r c p; do ocount[$p]=$c; done <"$tmp/oracle"
fail=0 checked=0 empty=0 total=0
while IFS= read -r -d '' f; do
    w=${wcount[$f]:-}
    if [ ! -s "$f" ]; then
        empty=$((empty + 1))
        if [ "$w" != 0 ]; then echo "FAIL: $f: 0-byte file, ward read '$w' records"; fail=1; fi
        if ! grep -qF "$f: empty file (0 bytes)" "$tmp/ward.err"; then
            echo "FAIL: $f: no clear error for the 0-byte file"; fail=1
        fi
        continue
    fi
    n=${ocount[$f]:-}
    checked=$((checked + 1))
    total=$((total + ${n:-0}))
    if [ -z "$n" ]; then echo "FAIL: $f: evtxinfo gave no record count"; fail=1; continue; fi
    if [ "$w" != "$n" ]; then echo "FAIL: $f: ward read '$w' records, evtxinfo reports $n"; fail=1; fi
done <"$tmp/files"
echo "evtx_counts: $checked files ($total records) agree with evtxinfo, $empty empty files checked"
[ $fail -eq 0 ] || exit 1
