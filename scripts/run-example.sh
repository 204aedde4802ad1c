#!/bin/sh
# `make run`: generate the Jaffle Shop raw data, load it as three Iceberg
# tables in namespace `seeds` of the default catalog (SQLite in ./warehouse),
# run one aggregate query over them and say where the tables are; then build
# the dbt project examples/jaffle_shop into Iceberg tables.
set -eu
floe=${1:-build/floe}
root=$(cd "$(dirname "$0")/.." && pwd)
case $floe in /*) ;; *) floe="$(pwd)/$floe" ;; esac
cd "$root"
data=example-data
"$floe" generate jaffle --scale 1 --out "$data"
"$floe" namespace create seeds --if-not-exists
for t in raw_customers raw_orders raw_payments; do
    "$floe" load "seeds.$t" "$data/$t.csv" --replace
done
echo
echo "Revenue by order status (amounts in dollars):"
"$floe" query "
SELECT o.status,
       count(DISTINCT o.id)                 AS orders,
       count(DISTINCT o.user_id)            AS customers,
       round(sum(p.amount) / 100.0, 2)      AS revenue
FROM seeds.raw_orders o
JOIN seeds.raw_payments p ON p.order_id = o.id
GROUP BY o.status
ORDER BY revenue DESC"
echo
echo "Tables (Iceberg v2, catalog $root/warehouse/catalog.db):"
for t in raw_customers raw_orders raw_payments; do
    "$floe" show "seeds.$t" --json | sed -n 's/^  "metadata_location": "\(.*\)",$/  seeds.'"$t"' -> \1/p'
done

echo
echo "Building the dbt project examples/jaffle_shop (seeds, staging, marts, ddi):"
"$floe" generate jaffle --scale 1 --out examples/jaffle_shop/seeds >/dev/null 2>&1
(cd examples/jaffle_shop && "$floe" build)
echo
echo "At-risk customers (ddi.at_risk_customers, Iceberg table in examples/jaffle_shop/warehouse):"
"$floe" --warehouse examples/jaffle_shop/warehouse query \
    "SELECT customer_id, first_name, last_name, most_recent_order, days_since_last_order
     FROM ddi.at_risk_customers ORDER BY days_since_last_order DESC LIMIT 5"
