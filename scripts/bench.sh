#!/bin/sh
# bench.sh BUILD_DIR - runs every scripts/bench-*.sh benchmark with the given build.
set -eu
build=${1:-build}
dir=$(dirname "$0")
status=0
for b in "$dir"/bench-*.sh; do
    [ -f "$b" ] || continue
    echo "== $(basename "$b")"
    sh "$b" "$build" || status=1
done
exit $status
