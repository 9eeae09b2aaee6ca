#!/bin/sh
# install-deps.sh - installs the Debian packages ward needs to build and test, and nothing
# else. Idempotent: when everything is present it says so and does nothing.
# Usage: scripts/install-deps.sh [--check]   (--check: only report, exit 1 if missing)
set -eu

# build tools and libraries (runtime: the -dev packages pull the shared libraries)
PKGS="build-essential cmake ninja-build pkg-config clang clang-format libclang-rt-14-dev
libyaml-dev libvectorscan-dev libpcre2-dev libsqlite3-dev zlib1g-dev libzstd-dev libssl-dev
libmicrohttpd-dev libcurl4-openssl-dev"
# test tools and oracles only (never linked): libevtx (evtxinfo, evtxexport), python3-evtx,
# PyYAML for the rule-pack check, the sqlite3 shell for the store tests
PKGS="$PKGS libevtx-utils python3 python3-evtx python3-yaml sqlite3"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "install-deps: all $(echo $PKGS | wc -w) packages present"
    exit 0
fi
if [ "${1:-}" = "--check" ]; then
    echo "install-deps: missing:$missing"
    exit 1
fi
echo "install-deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
echo "install-deps: done"
