#!/bin/bash
# dbt fidelity on a small project of the suite (tests/resources/dbt_fidelity):
# what a dbt-duckdb user expects to behave exactly as in dbt. Generic test
# names, unique ids and compiled paths as dbt makes them; tests on sources
# and seeds.
source "$(dirname "$0")/lib.sh"
P="$WORK/fidelity"
cp -r "$FLOE_TESTS_DIR/resources/dbt_fidelity" "$P"
export FIDELITY_WH="$WORK/fidelity_wh"
export FLOE_WAREHOUSE="$FIDELITY_WH"
cd "$P"
floe deps >/dev/null 2>&1 && pass || fail "deps"
# the source table exists before the project runs (dbt never builds sources)
floe sql "CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT * FROM (VALUES (1, 1, 'placed', 10.0), (2, 2, 'shipped', 20.5), (3, 1, 'returned', 5.0)) t(id, customer_id, status, amount)" >/dev/null 2>&1 && pass || fail "source table"
rc=0
floe build >"$WORK/b.out" 2>&1 || rc=$?
assert_eq "build exit" 0 "$rc"
grep -q "Done. PASS=15 WARN=0 ERROR=0 SKIP=0 TOTAL=15" "$WORK/b.out" && pass || fail "summary: $(cat "$WORK/b.out")"

# test names as dbt prints them, unique ids as dbt makes them (values from
# dbt-core's synthesize_generic_test_names / create_test_node on this project)
names=$(grep -o ' test [a-z_0-9]* ' "$WORK/b.out" | sed 's/^ test //; s/ $//' | sort | tr '\n' ' ')
assert_eq "test names" "accepted_values_orders_status__placed__shipped__completed__return_pending__returned assert_no_negative_amounts my_pkg_expression_is_true_orders_amount_0 not_null_customers_id orders_order_id_present relationships_orders_customer_id__id__ref_customers_ source_accepted_values_shop_orders_status__placed__shipped__returned source_not_null_shop_orders_id source_row_count_above_shop_orders_1 source_unique_shop_orders_id unique_customers_id unique_orders_order_id " "$names"
ids=$(node -e 'const m=require(process.argv[1]); console.log(Object.keys(m.nodes).filter(k=>k.startsWith("test.")).sort().join(" "))' "$P/target/manifest.json")
assert_eq "test unique ids" "test.fidelity.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3 test.fidelity.assert_no_negative_amounts test.fidelity.my_pkg_expression_is_true_orders_amount_0.4e3d58a215 test.fidelity.not_null_customers_id.422908bfae test.fidelity.orders_order_id_present.613b4a64ed test.fidelity.relationships_orders_customer_id__id__ref_customers_.4282b0c525 test.fidelity.source_accepted_values_shop_orders_status__placed__shipped__returned.12790243ab test.fidelity.source_not_null_shop_orders_id.5be7e9a27b test.fidelity.source_row_count_above_shop_orders_1.24bf38be3b test.fidelity.source_unique_shop_orders_id.58eb404101 test.fidelity.unique_customers_id.70f3d3fd20 test.fidelity.unique_orders_order_id.fed79b3a6e" "$ids"
# names of 64 characters or more: compiled file (and alias) truncated + md5
C="$P/target/compiled/fidelity"
for f in models/marts/schema.yml/accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758.sql \
         models/staging/sources.yml/source_accepted_values_shop_or_d7e130a209d082d38ff11f15371de77a.sql \
         models/staging/sources.yml/source_unique_shop_orders_id.sql \
         seeds/props.yml/unique_customers_id.sql tests/assert_no_negative_amounts.sql; do
    [ -f "$C/$f" ] && pass || fail "compiled file $f missing: $(cd "$C" && find . -name '*.sql')"
done
grep -q '"raw"."orders"' "$C/models/staging/sources.yml/source_unique_shop_orders_id.sql" && pass || fail "source test reads the source table"

# failing rows in the source: the source's tests fail like model tests;
# severity given at the top of a test entry (dbt's legacy form) is config
floe sql "INSERT INTO raw.orders VALUES (3, 3, 'lost', -1.0)" >/dev/null 2>&1
rc=0
floe build >"$WORK/b2.out" 2>&1 || rc=$?
assert_eq "failing build exit" 1 "$rc"
for t in source_unique_shop_orders_id source_accepted_values_shop_orders_status__placed__shipped__returned my_pkg_expression_is_true_orders_amount_0 assert_no_negative_amounts unique_orders_order_id; do
    grep -qF "FAIL  test $t " "$WORK/b2.out" && pass || fail "$t should FAIL: $(grep -F "$t" "$WORK/b2.out")"
done
grep -qF "WARN  test accepted_values_orders_status__placed__shipped__completed__return_pending__returned " "$WORK/b2.out" && pass || fail "legacy severity: $(grep accepted_values_orders "$WORK/b2.out")"
grep -qF "PASS  test source_row_count_above_shop_orders_1 " "$WORK/b2.out" && pass || fail "table-level source test"
third_party_check main.orders
third_party_check main.customers
finish
