#!/bin/sh
# Install what floe needs to build and test on Debian 12: Debian packages via
# apt-get (only those missing), DuckDB via scripts/fetch-duckdb.sh, and with
# --test strace, clang (the fuzz drivers) and the pinned npm test tools
# under tests/.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
pkgs="build-essential cmake pkg-config zlib1g-dev libjansson-dev libsqlite3-dev \
libpq-dev libcmocka-dev libyaml-dev sqlite3 nodejs npm ca-certificates"
# the crash tests kill floe at every system call through strace; the fuzz
# drivers need clang (Debian's brings libFuzzer, libclang-rt-*-dev); the
# PostgreSQL catalog test runs a throwaway server
[ "${1:-}" = "--test" ] && pkgs="$pkgs strace clang postgresql"
missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        # node/npm may come from elsewhere than Debian; accept them if present
        case $p in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    echo "setup: installing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
"$root/scripts/fetch-duckdb.sh" "$root/third_party/duckdb"
if [ "${1:-}" = "--test" ]; then
    if [ ! -d "$root/tests/node_modules" ] ||
       [ "$root/tests/package-lock.json" -nt "$root/tests/node_modules/.package-lock.json" ]; then
        (cd "$root/tests" && npm ci --silent --no-audit --no-fund)
    fi
fi
