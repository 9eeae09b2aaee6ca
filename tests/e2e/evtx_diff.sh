#!/bin/bash
# evtx_diff.sh - differential test of ward's EVTX decoder against python3-evtx (a test
# oracle only): every field of every record must agree after the normalisations listed
# in tests/e2e/evtx_diff.py. python-evtx reads a few hundred records a second, so the
# suite checks a fixed subset: all of sigma/regression_data and engine-tests, and every
# 24th file (sorted by path) of evtx/. scripts/evtx-diff-full.sh runs every file.
set -u
corpus=${WARD_CORPUS:-../shared/corpus}
ward=${WARD_BIN:-build/ward}
src=${WARD_SRC:-.}
py=/usr/bin/python3
if [ ! -d "$corpus" ]; then echo "SKIP: the shared corpus is not at $corpus"; exit 77; fi
if ! "$py" -c 'import Evtx.Evtx' 2>/dev/null; then
    echo "SKIP: python3-evtx is not installed (apt-get install python3-evtx)"; exit 77
fi
{
    for d in sigma/regression_data engine-tests; do
        [ -d "$corpus/$d" ] && find "$corpus/$d" -name '*.evtx' -type f -size +0 -print0
    done | sort -z
    [ -d "$corpus/evtx" ] && find "$corpus/evtx" -name '*.evtx' -type f -size +0 -print0 |
        sort -z | awk -v RS='\0' -v ORS='\0' 'NR % 24 == 1'
} | xargs -0 "$py" "$src/tests/e2e/evtx_diff.py" "$ward"
