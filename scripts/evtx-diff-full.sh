#!/bin/bash
# evtx-diff-full.sh [WARD_BIN] - the differential test of ward's EVTX decoder against
# python3-evtx over every non-empty .evtx file of the shared corpus (about a minute;
# the test suite runs a subset, see tests/e2e/evtx_diff.sh).
set -eu
cd "$(dirname "$0")/.."
ward=${1:-build/ward}
corpus=${WARD_CORPUS:-../shared/corpus}
find "$corpus" -name '*.evtx' -type f -size +0 -print0 | sort -z |
    xargs -0 /usr/bin/python3 tests/e2e/evtx_diff.py "$ward"
