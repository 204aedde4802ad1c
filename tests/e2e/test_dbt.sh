#!/bin/bash
# dbt projects: examples/jaffle_shop builds into Iceberg tables whose marts
# and ddi results equal an independent plain-DuckDB computation over the same
# CSVs; icebird reads them; failing projects fail the way dbt does.
source "$(dirname "$0")/lib.sh"
unset FLOE_WAREHOUSE
P="$WORK/jaffle"
cp -r "$FLOE_SOURCE_DIR/examples/jaffle_shop" "$P"
rm -rf "$P/target" "$P/warehouse"
floe generate jaffle --out "$P/seeds" 2>/dev/null
cd "$P"
rc=0
floe build >"$WORK/build.out" 2>&1 || rc=$?
assert_eq "floe build exit" 0 "$rc"
grep -q "Done. PASS=29 WARN=0 ERROR=0 SKIP=0 TOTAL=29" "$WORK/build.out" && pass || fail "build summary: $(tail -3 "$WORK/build.out")"
grep -qE "^[0-9]+ of 29 OK    created sql table model staging\.stg_orders \.+ \[OK in [0-9.]+s\]$" "$WORK/build.out" && pass || fail "progress line format: $(grep stg_orders "$WORK/build.out")"
export FLOE_WAREHOUSE="$P/warehouse"
# independent nodes in parallel: the same result on 4 threads, twice
for r in 1 2; do
    rc=0
    floe build --threads 4 >"$WORK/build4.out" 2>&1 || rc=$?
    grep -q "Done. PASS=29 WARN=0 ERROR=0 SKIP=0 TOTAL=29" "$WORK/build4.out" && pass || fail "--threads 4 build $r: $(grep -E 'ERROR|Done' "$WORK/build4.out" | head -3)"
done

# independent computation over the CSVs (no model SQL, no Iceberg)
C="read_csv('$P/seeds/raw_customers.csv')"; O="read_csv('$P/seeds/raw_orders.csv')"; Y="read_csv('$P/seeds/raw_payments.csv')"
want=$(scalar "SELECT sum(amount) / 100.0 FROM $Y")
assert_eq "orders: total amount" "$(echo "$want" | sed 's/0*$//;s/\.$//')" "$(scalar 'SELECT sum(amount) FROM marts.orders' | sed 's/0*$//;s/\.$//')"
assert_eq "orders: per method" "$(scalar "SELECT sum(amount) FILTER (WHERE payment_method = 'coupon') / 100.0 FROM $Y" | sed 's/0*$//;s/\.$//')" "$(scalar 'SELECT sum(coupon_amount) FROM marts.orders' | sed 's/0*$//;s/\.$//')"
assert_eq "customers: rows" 100 "$(scalar 'SELECT count(*) FROM marts.customers')"
assert_eq "customers: lifetime value fingerprint" \
  "$(scalar "SELECT string_agg(c.id || ':' || coalesce(x.v, 0)::DECIMAL(18,2) || ':' || coalesce(x.n, 0), ',' ORDER BY c.id) FROM $C c LEFT JOIN (SELECT o.user_id, sum(p.amount) / 100.0 AS v, count(DISTINCT o.id) AS n FROM $O o LEFT JOIN $Y p ON p.order_id = o.id GROUP BY o.user_id) x ON x.user_id = c.id")" \
  "$(scalar "SELECT string_agg(customer_id || ':' || customer_lifetime_value::DECIMAL(18,2) || ':' || number_of_orders, ',' ORDER BY customer_id) FROM marts.customers")"
assert_eq "at_risk_customers" \
  "$(scalar "WITH l AS (SELECT user_id, max(order_date) AS last FROM $O GROUP BY user_id) SELECT string_agg(user_id::VARCHAR, ',' ORDER BY user_id) FROM l WHERE datediff('day', last, (SELECT max(order_date) FROM $O)) > 60")" \
  "$(scalar "SELECT string_agg(customer_id::VARCHAR, ',' ORDER BY customer_id) FROM ddi.at_risk_customers")"
assert_eq "rolling_30_day_orders" \
  "$(scalar "WITH d AS (SELECT o.order_date, count(DISTINCT o.id) AS n, coalesce(sum(p.amount), 0) / 100.0 AS a FROM $O o LEFT JOIN $Y p ON p.order_id = o.id GROUP BY o.order_date), r AS (SELECT x.order_date, sum(y.n) AS n, sum(y.a)::DECIMAL(18,2) AS a FROM d x JOIN d y ON y.order_date > x.order_date - 30 AND y.order_date <= x.order_date GROUP BY x.order_date ORDER BY x.order_date DESC LIMIT 50) SELECT string_agg(order_date || '=' || n || '/' || a, ',' ORDER BY order_date) FROM r")" \
  "$(scalar "SELECT string_agg(order_date || '=' || orders_30d || '/' || amount_30d, ',' ORDER BY order_date) FROM ddi.rolling_30_day_orders")"
assert_eq "rolling type" "DECIMAL(18,2)" "$(scalar 'SELECT typeof(amount_30d) FROM ddi.rolling_30_day_orders LIMIT 1')"
for t in marts.orders marts.customers ddi.at_risk_customers ddi.rolling_30_day_orders staging.stg_payments seeds.raw_orders; do
    third_party_check "$t"
done
# artifacts: dbt's schemas (ajv), 29 results, the graph in parent_map
node "$JS/check_artifacts.mjs" "$P" >"$WORK/art.out" 2>&1 && pass || fail "artifacts: $(cat "$WORK/art.out")"
node -e 'const r=require(process.argv[1]); if (r.results.length !== 29) process.exit(1)' "$P/target/run_results.json" && pass || fail "run_results.json"
node -e 'const m=require(process.argv[1]); const p=m.parent_map["model.jaffle_shop.customers"]; if (!p.includes("model.jaffle_shop.stg_orders")) process.exit(1)' "$P/target/manifest.json" && pass || fail "manifest parent_map"
node -e 'const m=require(process.argv[1]); if (!m.nodes["model.jaffle_shop.orders"].description.includes("amount paid with") || !m.docs["doc.jaffle_shop.orders"] || !m.exposures["exposure.jaffle_shop.revenue_dashboard"]) process.exit(1)' "$P/target/manifest.json" && pass || fail "docs, doc() and exposures in the manifest"
node -e 'const m=require(process.argv[1]); if (!m.nodes["model.jaffle_shop.orders"] || !m.metadata.dbt_schema_version.includes("manifest")) process.exit(1)' "$P/target/manifest.json" && pass || fail "manifest.json"
[ -f "$P/target/compiled/jaffle_shop/models/marts/orders.sql" ] && pass || fail "compiled SQL missing"
grep -q "Done. PASS=29" "$P/logs/dbt.log" && pass || fail "logs/dbt.log lacks the run"

# selection: stg_orders and what depends on it
floe ls --select stg_orders+ --resource-type model >"$WORK/ls.out" 2>/dev/null
assert_eq "selection" "jaffle_shop.ddi.at_risk_customers jaffle_shop.marts.customers jaffle_shop.marts.orders jaffle_shop.ddi.rolling_30_day_orders jaffle_shop.staging.stg_orders" \
  "$(tr '\n' ' ' <"$WORK/ls.out" | sed 's/ $//')"

# config() in a model adds its tags to the project's (dbt merges tags);
# compile writes the artifacts as dbt compile does
cp "$P/dbt_project.yml" "$WORK/proj.bak"
sed -i 's/^    staging:$/    staging:\n      +tags: [staging_layer]/' "$P/dbt_project.yml"
printf "{{ config(tags=['nightly']) }}\nselect 1 as x\n" >"$P/models/staging/tagged.sql"
assert_eq "tags add up" "jaffle_shop.staging.tagged" "$(floe ls --select 'tag:nightly,tag:staging_layer' 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
rm "$P/models/staging/tagged.sql"
cp "$WORK/proj.bak" "$P/dbt_project.yml"
rm -f "$P/target/run_results.json"
floe compile >/dev/null 2>&1 && pass || fail "compile"
node -e 'const r=require(process.argv[1]); if (r.args.which !== "compile" || r.results.length !== 29 || r.results.some(x => x.status !== "success")) process.exit(1)' "$P/target/run_results.json" && pass || fail "compile artifacts: $(head -c 300 "$P/target/run_results.json")"

# a selection keeps the edges through what it leaves out (dbt's subset
# graph): raw_orders -> stg_orders (not selected) -> orders, so a failing
# raw_orders skips orders, which keeps its snapshot
before=$(current_snapshot marts.orders)
cp "$P/seeds/raw_orders.csv" "$WORK/raw_orders.bak"
printf '1,2,3,4,5\n' >>"$P/seeds/raw_orders.csv"
rc=0
floe build --select "raw_orders orders" --threads 4 >"$WORK/sel.out" 2>&1 || rc=$?
assert_eq "transitive edge: exit" 1 "$rc"
grep -q "ERROR loaded seed file seeds.raw_orders " "$WORK/sel.out" && pass || fail "raw_orders should fail: $(cat "$WORK/sel.out")"
grep -q "SKIP  created sql table model marts.orders " "$WORK/sel.out" && pass || fail "orders not skipped through the unselected stg_orders: $(grep orders "$WORK/sel.out")"
assert_eq "transitive edge: orders untouched" "$before" "$(current_snapshot marts.orders)"
cp "$WORK/raw_orders.bak" "$P/seeds/raw_orders.csv"

# a failing model mid-DAG: ERROR, its descendants SKIP, tables keep their snapshot
before=$(current_snapshot marts.customers)
cp "$P/models/marts/orders.sql" "$WORK/orders.sql.bak"
echo "select nope from {{ ref('stg_orders') }}" >"$P/models/marts/orders.sql"
rc=0
floe run >"$WORK/run.out" 2>&1 || rc=$?
assert_eq "failing run exit" 1 "$rc"
grep -q "ERROR .*marts.orders" "$WORK/run.out" && pass || fail "no ERROR line: $(cat "$WORK/run.out")"
grep -q "SKIP .*ddi.rolling_30_day_orders" "$WORK/run.out" && pass || fail "no SKIP line"
grep -q "Done. PASS=4 WARN=0 ERROR=1 SKIP=2 TOTAL=7" "$WORK/run.out" && pass || fail "failing summary: $(tail -2 "$WORK/run.out")"
grep -q 'nope' "$WORK/run.out" && pass || fail "the SQL error is not shown"
assert_eq "customers rebuilt" 1 "$([ "$(current_snapshot marts.customers)" != "$before" ] && echo 1 || echo 0)"
cp "$WORK/orders.sql.bak" "$P/models/marts/orders.sql"

# DuckDB cannot start (it opens on its own thread): the error names the place
before=$(current_snapshot marts.customers)
expect_fail "no temporary directory" "cannot create a temporary directory in $WORK/absent: No such file or directory" env TMPDIR="$WORK/absent" "$FLOE" run
assert_eq "nothing written without DuckDB" "$before" "$(current_snapshot marts.customers)"

# errors before anything runs: missing ref, cycle, Jinja and YAML errors
echo "select * from {{ ref('does_not_exist') }}" >"$P/models/marts/broken.sql"
expect_fail "missing ref" "Compilation Error: Model 'model.jaffle_shop.broken' (models/marts/broken.sql) depends on a node named 'does_not_exist' which was not found" floe run
echo "select * from {{ ref('broken2') }}" >"$P/models/marts/broken.sql"
echo "select * from {{ ref('broken') }}" >"$P/models/marts/broken2.sql"
expect_fail "cycle" "dependency cycle" floe run
rm "$P/models/marts/broken2.sql"
printf 'select 1\n{%% if true %%}\nselect 2\n' >"$P/models/marts/broken.sql"
expect_fail "jinja error" "unexpected end of template, expected elif else endif" floe compile
grep -q "models/marts/broken.sql:[0-9]*: " "$WORK/err" && pass || fail "jinja error names no file:line"
rm "$P/models/marts/broken.sql"
cp "$P/dbt_project.yml" "$WORK/p.bak"
printf 'name: [unclosed\n' >"$P/dbt_project.yml"
expect_fail "bad yaml" "dbt_project.yml:" floe build
cp "$WORK/p.bak" "$P/dbt_project.yml"
# a failing test is FAIL and exit 1
cat >>"$P/models/schema.yml" <<'YAML'
  - name: stg_customers_bad
YAML
printf 'select * from {{ ref("raw_orders") }} where status = %s\n' "'returned'" >"$P/tests/no_returns.sql"
rc=0
floe test >"$WORK/test.out" 2>&1 || rc=$?
assert_eq "failing test exit" 1 "$rc"
grep -q "FAIL  test no_returns" "$WORK/test.out" && pass || fail "no FAIL line: $(grep no_returns "$WORK/test.out")"
rm "$P/tests/no_returns.sql"
# tests run side by side: one whose SQL fails is ERROR with
# its own message, and the others still get their own outcome
printf 'select nope_col from {{ ref("raw_orders") }}\n' >"$P/tests/broken_sql.sql"
printf 'select * from {{ ref("raw_orders") }} where status = %s\n' "'returned'" >"$P/tests/no_returns.sql"
rc=0
floe test >"$WORK/test2.out" 2>&1 || rc=$?
assert_eq "erroring test exit" 1 "$rc"
grep -q "ERROR test broken_sql " "$WORK/test2.out" && pass || fail "no ERROR line: $(grep broken_sql "$WORK/test2.out")"
grep -q "nope_col" "$WORK/test2.out" && pass || fail "the test's SQL error is not shown: $(cat "$WORK/test2.out")"
grep -q "FAIL  test no_returns " "$WORK/test2.out" && pass || fail "no FAIL line next to the error: $(grep no_returns "$WORK/test2.out")"
grep -q "PASS  test unique_stg_orders_order_id " "$WORK/test2.out" && pass || fail "passing test lost: $(grep unique_stg_orders "$WORK/test2.out")"
grep -qE "Done. PASS=[0-9]+ WARN=0 ERROR=2 SKIP=0 TOTAL=" "$WORK/test2.out" && pass || fail "summary: $(tail -1 "$WORK/test2.out")"
rm "$P/tests/broken_sql.sql" "$P/tests/no_returns.sql"

# in a build, a failing test of a model skips everything downstream of it
# (dbt's test edges); the skipped tables keep their snapshots
before=$(current_snapshot marts.orders)
before_pay=$(current_snapshot staging.stg_payments)
printf 'select * from {{ ref("stg_orders") }} where status = %s\n' "'returned'" >"$P/tests/no_returned_orders.sql"
rc=0
floe build >"$WORK/build_fail.out" 2>&1 || rc=$?
assert_eq "build with a failing test: exit" 1 "$rc"
grep -q "FAIL  test no_returned_orders" "$WORK/build_fail.out" && pass || fail "no FAIL line: $(cat "$WORK/build_fail.out")"
for m in marts.orders marts.customers ddi.at_risk_customers ddi.rolling_30_day_orders; do
    grep -q "SKIP  created sql table model $m " "$WORK/build_fail.out" && pass || fail "$m not skipped after the failing test: $(grep "$m" "$WORK/build_fail.out")"
done
grep -q "OK    created sql table model staging.stg_payments " "$WORK/build_fail.out" && pass || fail "stg_payments should still build"
grep -q "Done. PASS=15 WARN=0 ERROR=1 SKIP=14 TOTAL=30" "$WORK/build_fail.out" && pass || fail "summary: $(tail -1 "$WORK/build_fail.out")"
assert_eq "skipped model keeps its snapshot" "$before" "$(current_snapshot marts.orders)"
[ "$(current_snapshot staging.stg_payments)" != "$before_pay" ] && pass || fail "stg_payments was not rebuilt"
# floe run has no test edges: the same project runs every model
rc=0
floe run >"$WORK/run_nofail.out" 2>&1 || rc=$?
assert_eq "run ignores tests" 0 "$rc"
rm "$P/tests/no_returned_orders.sql"

# a commit the catalog refuses after the model's readers started on its
# result in memory: the model is ERROR with the catalog's message, every
# node that read it is SKIP whatever it computed, and nothing downstream
# is committed or left behind in its data directory
rc=0
floe build >"$WORK/build_ok.out" 2>&1 || rc=$?
assert_eq "build before the refused commit" 0 "$rc"
declare -A snap files
for t in staging.stg_orders marts.orders marts.customers ddi.at_risk_customers; do
    snap[$t]=$(current_snapshot "$t")
    files[$t]=$(ls "$P/warehouse/${t%%.*}/${t#*.}/data" | sort | tr '\n' ' ')
done
pay=$(current_snapshot staging.stg_payments)
sqlite3 "$P/warehouse/catalog.db" "CREATE TRIGGER refuse_stg_orders BEFORE UPDATE ON iceberg_tables WHEN NEW.table_name = 'stg_orders' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
rc=0
floe --verbose build >"$WORK/build_refused.out" 2>&1 || rc=$?
sqlite3 "$P/warehouse/catalog.db" "DROP TRIGGER refuse_stg_orders;"
assert_eq "build with a refused commit: exit" 1 "$rc"
grep -qE "ERROR created sql table model staging\.stg_orders " "$WORK/build_refused.out" && pass || fail "stg_orders not ERROR: $(grep 'model staging.stg_orders' "$WORK/build_refused.out")"
grep -q "refused by the test" "$WORK/build_refused.out" && pass || fail "the catalog's message is not shown: $(grep -i error "$WORK/build_refused.out" | head -3)"
# its readers did start on the kept result before the commit failed
grep -q "START test.jaffle_shop.unique_stg_orders_order_id" "$WORK/build_refused.out" && pass || fail "no test of stg_orders ran"
for m in marts.orders marts.customers ddi.at_risk_customers ddi.rolling_30_day_orders; do
    grep -q "SKIP  created sql table model $m " "$WORK/build_refused.out" && pass || fail "$m not skipped after the refused commit: $(grep "model $m" "$WORK/build_refused.out")"
done
for t in unique_stg_orders_order_id not_null_stg_orders_order_id; do
    grep -q "SKIP  test $t " "$WORK/build_refused.out" && pass || fail "test $t not skipped: $(grep " $t " "$WORK/build_refused.out")"
done
grep -q "OK    created sql table model staging.stg_payments " "$WORK/build_refused.out" && pass || fail "stg_payments should still build: $(grep stg_payments "$WORK/build_refused.out" | head -2)"
grep -qE "Done\. PASS=[0-9]+ WARN=0 ERROR=1 SKIP=[1-9][0-9]* TOTAL=29" "$WORK/build_refused.out" && pass || fail "summary: $(tail -1 "$WORK/build_refused.out")"
for t in staging.stg_orders marts.orders marts.customers ddi.at_risk_customers; do
    assert_eq "$t keeps its snapshot" "${snap[$t]}" "$(current_snapshot "$t")"
    assert_eq "$t: no data file left behind" "${files[$t]}" "$(ls "$P/warehouse/${t%%.*}/${t#*.}/data" | sort | tr '\n' ' ')"
done
[ "$(current_snapshot staging.stg_payments)" != "$pay" ] && pass || fail "stg_payments was not committed"
rc=0
floe build >"$WORK/build_after.out" 2>&1 || rc=$?
grep -q "Done. PASS=29 WARN=0 ERROR=0 SKIP=0 TOTAL=29" "$WORK/build_after.out" && pass || fail "build after the refused commit: $(tail -3 "$WORK/build_after.out")"
finish
