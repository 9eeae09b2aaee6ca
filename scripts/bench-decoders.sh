#!/bin/sh
# bench-decoders.sh BUILD_DIR - MB/s and events/s of every log decoder of issue 7 (syslog,
# auditd, CEF, LEEF, Zeek TSV and JSON, web and Squid access logs, NetFlow, Suricata EVE,
# CloudTrail) over samples repeated in memory, with a memchr baseline.
# Env: BENCH_MB (size per decoder, default 64), BENCH_ROUNDS (default 3, best shown).
set -eu
build=${1:-build}
if [ ! -x "$build/bench_decoders" ]; then
    echo "bench-decoders: $build/bench_decoders is not built (make build)" >&2
    exit 1
fi
"$build/bench_decoders" "${BENCH_ROUNDS:-3}"
