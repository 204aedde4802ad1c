#!/bin/sh
# Install dbt-core and dbt-duckdb (tests/dbt_diff/requirements.txt, pinned with
# hashes) into the git-ignored venv .interop/dbt-venv, for the differential
# runner tests/dbt_diff/diff.py. Idempotent: the venv carries a stamp, the
# sha256 of the requirements file, and is left alone while it matches.
# Prints the venv's path last. Needs python3 (3.9 or later) with venv.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
req="$root/tests/dbt_diff/requirements.txt"
venv="${FLOE_DBT_VENV:-$root/.interop/dbt-venv}"
want=$(sha256sum "$req" | cut -d' ' -f1)
mkdir -p "$(dirname "$venv")"
# one installer at a time (CTest runs the runner's tests in parallel)
exec 9>"$venv.lock"
flock 9
if [ -x "$venv/bin/dbt" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$want" ]; then
    echo "$venv"
    exit 0
fi
if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "setup-dbt: installing python3-venv" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
fi
echo "setup-dbt: creating $venv" >&2
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check \
    --no-deps --require-hashes -r "$req" >&2
echo "$want" >"$venv/.stamp"
echo "$venv"
