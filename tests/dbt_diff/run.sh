#!/bin/sh
# CTest's entry to the differential runner: installs dbt (scripts/setup-dbt.sh,
# cached) and compares the named projects of tests/dbt_diff/projects.yml.
# usage: FLOE=build/floe run.sh PROJECT...
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=$(sh "$root/scripts/setup-dbt.sh" | tail -n 1)
exec "$venv/bin/python" -B "$root/tests/dbt_diff/diff.py" --floe "${FLOE:?FLOE must point at floe}" "$@"
