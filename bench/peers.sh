#!/bin/bash
# bench/peers: floe against Spark (Iceberg Java), PyIceberg and DuckDB's
# iceberg extension on one 10M-row table, read and write, in one run
# (bench/peers.py says what each side does). Needs the interop tools
# (scripts/setup-interop.sh, .interop/).
# usage: [REPS=3] [ROWS=10000000] bench/peers.sh [path/to/floe]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
floe=$(realpath "${1:-build/floe}")
py="$root/.interop/venv/bin/python"
[ -x "$py" ] || { echo "bench/peers: run scripts/setup-interop.sh first" >&2; exit 1; }
exec "$py" "$root/bench/peers.py" "$floe"
