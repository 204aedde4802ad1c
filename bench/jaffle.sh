#!/bin/bash
# bench/jaffle: `floe build` of examples/jaffle_shop (3 seeds, 7 models, 19
# tests into Iceberg tables) vs plain DuckDB running the same compiled SQL
# in one process and writing each seed and model to Parquet. Same run,
# interleaved, medians of REPS repetitions, at raw-data scale 1 and 1000.
# usage: [REPS=10] [SCALES="1 1000"] bench/jaffle.sh [path/to/floe]
set -euo pipefail
floe=$(realpath "${1:-build/floe}")
bin=$(dirname "$floe")
root=$(cd "$(dirname "$0")/.." && pwd)
REPS=${REPS:-10}
W=$(mktemp -d "${TMPDIR:-/tmp}/floe-bench-jaffle.XXXXXX")
trap 'rm -rf "$W"' EXIT
export NO_COLOR=1
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

P="$W/jaffle_shop"
cp -r "$root/examples/jaffle_shop" "$P"
rm -rf "$P/warehouse" "$P/target"
models="staging.stg_customers:models/staging/stg_customers.sql staging.stg_orders:models/staging/stg_orders.sql
staging.stg_payments:models/staging/stg_payments.sql marts.orders:models/marts/orders.sql
marts.customers:models/marts/customers.sql ddi.at_risk_customers:models/ddi/at_risk_customers.sql
ddi.rolling_30_day_orders:models/ddi/rolling_30_day_orders.sql"

for scale in ${SCALES:-1 1000}; do
    "$floe" generate jaffle --scale "$scale" --out "$P/seeds" >/dev/null 2>&1
    (cd "$P" && "$floe" build >/dev/null 2>&1) # compiles target/compiled
    sql="CREATE SCHEMA seeds; CREATE SCHEMA staging; CREATE SCHEMA marts; CREATE SCHEMA ddi;"
    for s in raw_customers raw_orders raw_payments; do
        sql="$sql CREATE TABLE seeds.$s AS SELECT * FROM read_csv('$P/seeds/$s.csv', header = true);"
        sql="$sql COPY seeds.$s TO '$W/out/$s.parquet' (FORMAT parquet, COMPRESSION zstd);"
    done
    for m in $models; do
        rel=${m%%:*}; file=${m#*:}
        sql="$sql CREATE TABLE $rel AS $(cat "$P/target/compiled/jaffle_shop/$file");"
        sql="$sql COPY $rel TO '$W/out/${rel#*.}.parquet' (FORMAT parquet, COMPRESSION zstd);"
    done
    # every test: generic ones compile under models/<file>.yml/, singular ones
    # under tests/; the count must match what floe lists
    ntests=0
    for t in "$P"/target/compiled/jaffle_shop/models/*.yml/*.sql "$P"/target/compiled/jaffle_shop/tests/*.sql; do
        [ -f "$t" ] || continue
        sql="$sql SELECT count(*) FROM ($(cat "$t")) AS t;"
        ntests=$((ntests + 1))
    done
    want=$(cd "$P" && "$floe" ls --resource-type test 2>/dev/null | wc -l)
    [ "$ntests" -eq "$want" ] || { echo "baseline has $ntests test queries, the project $want" >&2; exit 1; }
    : >"$W/f"; : >"$W/b"; : >"$W/r"
    for r in $(seq "$REPS"); do
        rm -rf "$P/warehouse" "$W/out"; mkdir -p "$W/out"
        read -r ms kib < <(cd "$P" && "$bin/floe-measure" "$floe" build)
        echo "$ms" >>"$W/f"; echo "$kib" >>"$W/r"
        rm -rf "$W/out"; mkdir -p "$W/out"
        "$bin/floe-measure" "$bin/floe-baseline" "$sql" >"$W/m" || { echo "baseline failed" >&2; FLOE_BENCH_VERBOSE=1 "$bin/floe-baseline" "$sql"; exit 1; }
        cut -d' ' -f1 "$W/m" >>"$W/b"
        [ "$(ls "$W/out" | wc -l)" -eq 10 ] || { echo "baseline wrote $(ls "$W/out" | wc -l) files" >&2; exit 1; }
    done
    f=$(median <"$W/f"); b=$(median <"$W/b"); rss=$(sort -n "$W/r" | tail -1)
    echo "jaffle build scale $scale: floe ${f} ms, plain DuckDB ${b} ms, ratio $(awk -v a="$f" -v b="$b" 'BEGIN {printf "%.3f", a/b}'), floe peak RSS $((rss / 1024)) MiB"
done
