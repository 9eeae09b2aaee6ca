#!/bin/bash
# cli.sh - the command line contract: --help and --version, `ward help CMD`, --help on
# every subcommand (listed by `ward --help`), sysexits codes for usage errors, and dump's
# behaviour on missing and empty input.
set -u
ward=${WARD_BIN:?WARD_BIN not set}
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_rc() { # expected-rc description command...
    local want=$1 what=$2; shift 2
    "$@" >/dev/null 2>&1; local rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$what: exit $rc, expected $want"; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

expect_rc 0 "ward --help" "$ward" --help
expect_rc 0 "ward --version" "$ward" --version
"$ward" --version | grep -Eq '^ward [0-9]+\.[0-9]+\.[0-9]+$' && ok || bad "--version format"
expect_rc 64 "no command" "$ward"
expect_rc 64 "unknown command" "$ward" frobnicate
expect_rc 64 "unknown global option" "$ward" --frob
expect_rc 64 "help for unknown command" "$ward" help frobnicate

cmds=$("$ward" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
[ -n "$cmds" ] && ok || bad "no commands listed in ward --help"
for c in $cmds; do
    out=$("$ward" "$c" --help 2>&1); rc=$?
    [ $rc = 0 ] && ok || bad "ward $c --help: exit $rc"
    echo "$out" | grep -q "^usage: ward $c" && ok || bad "ward $c --help has no usage line"
    [ "$("$ward" help "$c")" = "$out" ] && ok || bad "ward help $c differs from ward $c --help"
    expect_rc 64 "ward $c --no-such-option" "$ward" "$c" --no-such-option
done

# dump: missing input -> 66, empty file -> 0 events and exit 0, stdin works
expect_rc 66 "dump of a missing file" "$ward" dump "$tmp/missing.json"
: > "$tmp/empty.json"
out=$("$ward" dump "$tmp/empty.json"); rc=$?
[ $rc = 0 ] && [ -z "$out" ] && ok || bad "dump of an empty file: rc=$rc out=$out"
expect_rc 64 "dump --format bogus" "$ward" dump --format bogus "$tmp/empty.json"
expect_rc 64 "dump --input-format bogus" "$ward" dump --input-format bogus "$tmp/empty.json"
"$ward" dump --list-formats | grep -q . && ok || bad "dump --list-formats lists nothing"

echo "cli: $pass passed, $fail failed"
[ $fail = 0 ]
