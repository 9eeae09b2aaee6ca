#!/bin/sh
# fuzz-run.sh BUILD_DIR SECONDS - runs every fuzz target for SECONDS, seeded from
# tests/fuzz/seeds/<target>/ (and corpus files a target's seed script names). Fails when a
# target finds a crash, leak or timeout.
# tests/fuzz/seeds/<target>.corpus lists seed files by their path in the shared corpus
# ($WARD_CORPUS, default ../shared/corpus), one a line ('#' comments); those present are
# copied into the run's temporary directory. tests/fuzz/seeds/<target>.max_len holds the
# target's largest input in bytes (default 65536).
set -eu
build=$1
secs=${2:-30}
status=0
for bin in "$build"/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin")
    work=$(mktemp -d)
    seeds="tests/fuzz/seeds/$name"
    set -- "$work"
    [ -d "$seeds" ] && set -- "$@" "$seeds"
    if [ -f "$seeds.corpus" ]; then
        mkdir "$work/corpus-seeds"
        grep -v '^#' "$seeds.corpus" | while IFS= read -r f; do
            src="${WARD_CORPUS:-../shared/corpus}/$f"
            if [ -n "$f" ] && [ -f "$src" ]; then
                cp "$src" "$work/corpus-seeds/$(echo "$f" | tr '/ ' '__')"
            fi
        done
        set -- "$@" "$work/corpus-seeds"
    fi
    max_len=65536
    [ -f "$seeds.max_len" ] && max_len=$(cat "$seeds.max_len")
    echo "fuzz: $name for ${secs}s"
    if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
        -print_final_stats=0 -artifact_prefix="$work/" "$@" >"$work/log" 2>&1; then
        echo "fuzz: $name FAILED"; tail -40 "$work/log"; status=1
        ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* 2>/dev/null || true
    else
        grep -E '^Done [0-9]+ runs' "$work/log" | tail -1 || true
    fi
    rm -rf "$work"
done
exit $status
