#!/bin/bash
# floe benchmarks (BENCHMARKS.md). Ratios against plain DuckDB running the
# same SQL in the same run, medians of REPS repetitions, interleaved so that
# machine noise hits both sides alike.
# usage: bench/run.sh [path/to/floe]   (make bench)
set -euo pipefail
floe=$(realpath "${1:-build/floe}")
bin=$(dirname "$floe")
base="$bin/floe-baseline"
measure="$bin/floe-measure"
REPS=${REPS:-5}
ROWS=${ROWS:-10000000}
W=$(mktemp -d "${TMPDIR:-/tmp}/floe-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export FLOE_WAREHOUSE="$W/wh" NO_COLOR=1

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
Q="SELECT i, i % 1000 AS k, 'item-' || (i % 10000) AS s, i * 0.5 AS d FROM range($ROWS) t(i)"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
echo "rows: $ROWS, repetitions: $REPS"
"$floe" namespace create bench --if-not-exists 2>/dev/null

: >"$W/wf"; : >"$W/wb"
for r in $(seq "$REPS"); do
    "$measure" "$floe" sql "CREATE OR REPLACE TABLE bench.big AS $Q" | cut -d' ' -f1 >>"$W/wf"
    rm -f "$W/base.parquet"
    "$measure" "$base" "COPY ($Q) TO '$W/base.parquet' (FORMAT parquet, COMPRESSION zstd)" | cut -d' ' -f1 >>"$W/wb"
done
wf=$(median <"$W/wf"); wb=$(median <"$W/wb")
echo "write: floe ${wf} ms, duckdb COPY ${wb} ms, ratio $(awk -v a="$wf" -v b="$wb" 'BEGIN {printf "%.3f", a/b}')"

# the files of the current snapshot: the newest total-data-files files
cur=$("$floe" show bench.big --json | grep -o '"current_snapshot_id": [0-9]*' | grep -o '[0-9]*$')
list=$(ls -t "$FLOE_WAREHOUSE"/bench/big/data/*.parquet | head -n "$("$floe" show bench.big --json | sed -n 's/.*"total-data-files": "\([0-9]*\)".*/\1/p' | head -1)" | sed "s/.*/'&'/" | paste -sd,)
AGG="count(*), sum(i), avg(d), max(s), count(DISTINCT k)"
: >"$W/sf"; : >"$W/sb"
for r in $(seq "$REPS"); do
    "$measure" "$floe" query "SELECT $AGG FROM bench.big" | cut -d' ' -f1 >>"$W/sf"
    "$measure" "$base" "SELECT $AGG FROM read_parquet([$list])" | cut -d' ' -f1 >>"$W/sb"
done
sf=$(median <"$W/sf"); sb=$(median <"$W/sb")
echo "scan: floe ${sf} ms, duckdb read_parquet ${sb} ms, ratio $(awk -v a="$sf" -v b="$sb" 'BEGIN {printf "%.3f", a/b}') (snapshot $cur, $(echo "$list" | tr ',' '\n' | wc -l) files)"

for scale in 1 1000; do
    "$floe" generate jaffle --scale "$scale" --out "$W/j$scale" 2>/dev/null
    "$floe" namespace create "j$scale" --if-not-exists 2>/dev/null
    : >"$W/jl"
    for r in $(seq "$REPS"); do
        tot=0; rss=0
        for t in raw_customers raw_orders raw_payments; do
            read -r ms kib < <("$measure" "$floe" load "j$scale.$t" "$W/j$scale/$t.csv" --replace)
            tot=$(awk -v a="$tot" -v b="$ms" 'BEGIN {print a+b}')
            [ "$kib" -gt "$rss" ] && rss=$kib
        done
        echo "$tot $rss" >>"$W/jl"
    done
    jt=$(cut -d' ' -f1 "$W/jl" | median); jr=$(cut -d' ' -f2 "$W/jl" | sort -n | tail -1)
    echo "jaffle load scale $scale: ${jt} ms for the three tables (median), peak RSS $((jr / 1024)) MiB"
done
