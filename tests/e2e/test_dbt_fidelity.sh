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
# a run whose one node fails: its error line, and dbt's closing section
# ("Completed with 1 error, ..." naming the node) as the only other mention
expect_node_fail() {
    local what=$1 needle=$2 rc=0
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    [ "$rc" -ne 0 ] && pass || fail "$what: expected failure, got exit 0"
    grep -qF -- "$needle" "$WORK/err" && pass || fail "$what: stderr lacks [$needle]: $(cat "$WORK/err")"
    grep -q "^Completed with 1 error, 0 partial successes, and 0 warnings:" "$WORK/err" && pass || fail "$what: no closing section: $(cat "$WORK/err")"
    [ "$(grep -v '^Completed with' "$WORK/err" | grep -c 'error')" -le 1 ] && pass || fail "$what: more than one error line: $(cat "$WORK/err")"
}
ls_of() { floe ls "$@" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }
floe deps >/dev/null 2>&1 && pass || fail "deps"
# the source table exists before the project runs (dbt never builds sources)
floe sql "CREATE SCHEMA raw; CREATE TABLE raw.orders AS SELECT * FROM (VALUES (1, 1, 'placed', 10.0), (2, 2, 'shipped', 20.5), (3, 1, 'returned', 5.0)) t(id, customer_id, status, amount)" >/dev/null 2>&1 && pass || fail "source table"
rc=0
floe build >"$WORK/b.out" 2>&1 || rc=$?
assert_eq "build exit" 0 "$rc"
grep -q "Done. PASS=26 WARN=0 ERROR=0 SKIP=0 TOTAL=26" "$WORK/b.out" && pass || fail "summary: $(cat "$WORK/b.out")"

# dbt build's test edges: a model runs after the tests of what it reads
t_line=$(grep -n "test source_unique_shop_orders_id " "$WORK/b.out" | cut -d: -f1)
m_line=$(grep -n "view model main.stg_orders " "$WORK/b.out" | cut -d: -f1)
[ -n "$t_line" ] && [ -n "$m_line" ] && [ "$t_line" -lt "$m_line" ] && pass || fail "stg_orders ran before its source's tests"
t_line=$(grep -n "test unique_orders_order_id " "$WORK/b.out" | cut -d: -f1)
m_line=$(grep -n "model main.orders_parquet " "$WORK/b.out" | cut -d: -f1)
[ -n "$t_line" ] && [ -n "$m_line" ] && [ "$t_line" -lt "$m_line" ] && pass || fail "orders_parquet ran before the tests of orders"

# test names as dbt prints them, unique ids as dbt makes them (values from
# dbt-core's synthesize_generic_test_names / create_test_node on this project)
names=$(grep -o ' test [a-z_0-9]* ' "$WORK/b.out" | sed 's/^ test //; s/ $//' | sort | tr '\n' ' ')
assert_eq "test names" "accepted_values_orders_status__placed__shipped__completed__return_pending__returned assert_no_negative_amounts my_pkg_expression_is_true_orders_amount_0 not_null_customers_id not_null_orders_parquet_order_id orders_order_id_present relationships_orders_customer_id__id__ref_customers_ source_accepted_values_shop_orders_status__placed__shipped__returned source_not_null_shop_orders_id source_row_count_above_shop_orders_1 source_unique_shop_orders_id unique_customers_id unique_orders_order_id " "$names"
ids=$(node -e 'const m=require(process.argv[1]); console.log(Object.keys(m.nodes).filter(k=>k.startsWith("test.")).sort().join(" "))' "$P/target/manifest.json")
assert_eq "test unique ids" "test.fidelity.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3 test.fidelity.assert_no_negative_amounts test.fidelity.my_pkg_expression_is_true_orders_amount_0.4e3d58a215 test.fidelity.not_null_customers_id.422908bfae test.fidelity.not_null_orders_parquet_order_id.7d504b23b4 test.fidelity.orders_order_id_present.613b4a64ed test.fidelity.relationships_orders_customer_id__id__ref_customers_.4282b0c525 test.fidelity.source_accepted_values_shop_orders_status__placed__shipped__returned.12790243ab test.fidelity.source_not_null_shop_orders_id.5be7e9a27b test.fidelity.source_row_count_above_shop_orders_1.24bf38be3b test.fidelity.source_unique_shop_orders_id.58eb404101 test.fidelity.unique_customers_id.70f3d3fd20 test.fidelity.unique_orders_order_id.fed79b3a6e" "$ids"
# materialized: external as dbt-duckdb writes it: plain files at the
# location (default <external_root>/<alias>.<format>, external_root: out
# in the profile), read back through a view in this run and in the catalog
grep -qF "OK    created sql external model main.orders_parquet " "$WORK/b.out" && pass || fail "external progress line: $(grep orders_parquet "$WORK/b.out")"
for f in out/orders_parquet.parquet exports/orders.csv out/orders_json.json out/no_orders.parquet \
         out/orders_by_status/status=placed/data_0.parquet out/orders_by_status/status=shipped/data_0.parquet \
         out/orders_by_status/status=returned/data_0.parquet; do
    [ -f "$P/$f" ] && pass || fail "external file $f missing: $(cd "$P" && find out exports -type f 2>/dev/null)"
done
rows() { floe query --json --max-rows 0 "SELECT string_agg($2, ';' ORDER BY order_id) AS v FROM $1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].v))'; }
want=$(rows main.orders "order_id || ',' || customer_id || ',' || status || ',' || amount")
assert_eq "parquet file rows" "$want" "$(rows "read_parquet('$P/out/orders_parquet.parquet')" "order_id || ',' || customer_id || ',' || status || ',' || amount")"
assert_eq "parquet via the catalog view" "$want" "$(rows main.orders_parquet "order_id || ',' || customer_id || ',' || status || ',' || amount")"
assert_eq "csv file" "order_id|status 1|placed 2|shipped 3|returned" "$(tr '\n' ' ' <"$P/exports/orders.csv" | sed 's/ $//')"
assert_eq "csv via the view" "1,placed;2,shipped;3,returned" "$(rows main.orders_csv "order_id || ',' || status")"
assert_eq "json file" '{"order_id":1,"customer_name":"Ann"}' "$(head -1 "$P/out/orders_json.json")"
assert_eq "json via the view" "1,Ann;2,Bob;3,Ann" "$(rows main.orders_json "order_id || ',' || customer_name")"
assert_eq "partitioned via the view" "1,placed,10.0;2,shipped,20.5;3,returned,5.0" "$(rows main.orders_by_status "order_id || ',' || status || ',' || amount")"
# an empty result: one row of NULLs in the file (as dbt-duckdb writes it), none in the view
assert_eq "empty external: file" "1|1" "$(floe query --json "SELECT count(*) AS n, count(*) FILTER (WHERE order_id IS NULL) AS nulls FROM read_parquet('$P/out/no_orders.parquet')" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.n+"|"+r.nulls)})')"
assert_eq "empty external: view" "0" "$(scalar 'SELECT count(*) FROM main.no_orders')"
assert_eq "external read in the same run" "placed=1/10.0 returned=1/5.0 shipped=1/20.5" "$(floe query --json "SELECT string_agg(status || '=' || n || '/' || amount, ' ' ORDER BY status) AS v FROM main.order_totals" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].v))')"
assert_eq "external is a catalog view" "VIEW" "$(sqlite3 "$FIDELITY_WH/catalog.db" "SELECT iceberg_type FROM iceberg_tables WHERE table_name = 'orders_parquet'")"
assert_eq "later readers, from anywhere" "3" "$(cd / && scalar 'SELECT count(*) FROM main.orders_parquet')"
# format: iceberg / table_format: iceberg: Iceberg tables at the location
meta=$(metadata_of main.orders_ice)
case "$meta" in "$P/lake/orders_ice/metadata/"*.metadata.json) pass ;; *) fail "orders_ice metadata at $meta" ;; esac
[ -n "$(ls "$P/lake/orders_ice/data/"*.parquet 2>/dev/null)" ] && pass || fail "orders_ice data files not under its location"
meta=$(metadata_of main.orders_ice_root)
case "$meta" in "$P/out/orders_ice_root/metadata/"*.metadata.json) pass ;; *) fail "orders_ice_root metadata at $meta (external_root)" ;; esac
third_party_check main.orders_ice
third_party_check main.orders_ice_root
third_party_check main.order_totals
# an existing table keeps its location; the config naming another is warned
sed -i "s|location='lake/orders_ice'|location='lake/moved'|" "$P/models/exports/orders_ice.sql"
floe run -s orders_ice >"$WORK/ice.out" 2>&1
grep -qF "table main.orders_ice keeps its location file://$P/lake/orders_ice (the config names file://$P/lake/moved" "$WORK/ice.out" && pass || fail "location warning: $(cat "$WORK/ice.out")"
case "$(metadata_of main.orders_ice)" in "$P/lake/orders_ice/metadata/"*) pass ;; *) fail "orders_ice moved" ;; esac
[ ! -e "$P/lake/moved" ] && pass || fail "files written at the new location"
assert_eq "orders_ice snapshots" "2" "$(floe history main.orders_ice --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')"
sed -i "s|location='lake/moved'|location='lake/orders_ice'|" "$P/models/exports/orders_ice.sql"
# refused: an unknown format, an object store location
printf "{{ config(materialized='external', format='xlsx') }}\nselect 1 as a\n" >"$P/models/exports/bad_format.sql"
expect_node_fail "bad external format" "Invalid format: xlsx. Allowed formats are: csv, parquet, json" floe run -s bad_format
printf "{{ config(materialized='external', location='s3://bucket/x.parquet') }}\nselect 1 as a\n" >"$P/models/exports/bad_format.sql"
expect_node_fail "s3 external" "floe writes external models to local paths only" floe run -s bad_format
rm "$P/models/exports/bad_format.sql"

# seed configs: +delimiter, +column_types, +schema, +alias, +tags,
# +quote_columns, +enabled (dbt_project.yml and properties files)
assert_eq "seed schema, alias, delimiter, column_types" "01,placed,1;02,shipped,2;10,returned,3" "$(floe query --json "SELECT string_agg(code || ',' || label || ',' || rank, ';' ORDER BY code) AS v FROM main_lookups.statuses" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].v))')"
assert_eq "column_types type" "VARCHAR INTEGER" "$(floe query --json "SELECT typeof(code) || ' ' || typeof(rank) AS t FROM main_lookups.statuses LIMIT 1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].t))')"
assert_eq "seed tags" "fidelity.lookups.status_codes" "$(ls_of -s tag:lookup)"
assert_eq "quote_columns: true keeps the header" "order,group,SignupDate" "$(floe show main.people_quoted --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).schema.fields.map(f=>f.name).join(",")))')"
assert_eq "disabled seed not listed" "" "$(floe ls -s disabled_seed 2>/dev/null)"
expect_fail "disabled seed not loaded" "disabled_seed" floe show main.disabled_seed
third_party_check main_lookups.statuses
third_party_check main.people_quoted
printf 'Order ID,amount\n1,2\n' >"$P/seeds/bad_header.csv"
printf 'id,Name\n1,x\n' >"$P/seeds/plain_header.csv"
printf 'version: 2\nseeds:\n  - name: bad_header\n    config: {quote_columns: false}\n  - name: plain_header\n    config:\n      quote_columns: false\n      column_types: {nope: varchar}\n' >"$P/seeds/unquoted.yml"
expect_node_fail "quote_columns: false" "seeds/bad_header.csv: column 'Order ID' needs quoting, but quote_columns is false" floe seed -s bad_header
printf 'select,b\n1,2\n' >"$P/seeds/bad_header.csv"
rc=0
floe seed -s bad_header >"$WORK/s.out" 2>&1 || rc=$?
assert_eq "quote_columns: false, a keyword: exit" 1 "$rc"
grep -qF 'seeds/bad_header.csv: quote_columns is false: Parser Error: syntax error at or near "select"' "$WORK/s.out" && pass || fail "quote_columns: false, a keyword: $(cat "$WORK/s.out")"
floe seed -s plain_header >"$WORK/s.out" 2>&1 && pass || fail "plain header unquoted: $(cat "$WORK/s.out")"
grep -qF "seeds/plain_header.csv: column_types names 'nope', which the CSV does not have (ignored)" "$WORK/s.out" && pass || fail "column_types warning: $(cat "$WORK/s.out")"
assert_eq "unquoted names keep their case" "id,Name" "$(floe show main.plain_header --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).schema.fields.map(f=>f.name).join(",")))')"
rm "$P/seeds/bad_header.csv" "$P/seeds/plain_header.csv" "$P/seeds/unquoted.yml"

# analyses: compiled by floe compile into target/compiled, never run,
# listed by ls only when asked for
rm -rf "$P/target"
floe compile --vars '{top_n: 2}' >"$WORK/c.out" 2>&1 && pass || fail "compile: $(cat "$WORK/c.out")"
A="$P/target/compiled/fidelity/analyses/top_customers.sql"
[ -f "$A" ] && pass || fail "analysis not compiled: $(find "$P/target" -name '*.sql' | head)"
grep -q 'from "main"."orders"' "$A" && grep -q 'limit 2' "$A" && pass || fail "analysis SQL: $(cat "$A")"
assert_eq "compiled analysis runs" "Bob" "$(floe query --json "$(sed '/^--/d; s/limit 2/limit 1/' "$A")" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].customer_name))')"
assert_eq "ls analyses" "fidelity.analysis.top_customers" "$(ls_of --resource-type analysis)"
assert_eq "ls default leaves analyses out" "" "$(floe ls -s top_customers 2>/dev/null)"
floe build -s top_customers >"$WORK/a.out" 2>&1
grep -q "TOTAL=0" "$WORK/a.out" && pass || fail "an analysis must not run: $(tail -2 "$WORK/a.out")"

# manifest.json: dbt's schema (ajv), columns from the YAML, sources with
# their columns, sources in depends_on, the docs config on nodes
node "$JS/check_artifacts.mjs" "$P" >"$WORK/art.out" 2>&1 && pass || fail "artifacts: $(cat "$WORK/art.out")"
M="$P/target/manifest.json"
assert_eq "model columns" '{"name":"order_id","description":"Primary key.","meta":{"owner":"sales"},"data_type":"integer","constraints":[],"quote":null,"tags":["pk"],"granularity":null,"doc_blocks":[]}' "$(node -e 'const m=require(process.argv[1]); console.log(JSON.stringify(m.nodes["model.fidelity.orders"].columns.order_id))' "$M")"
assert_eq "column names" "order_id customer_id status" "$(node -e 'const m=require(process.argv[1]); console.log(Object.keys(m.nodes["model.fidelity.orders"].columns).join(" "))' "$M")"
assert_eq "source" "shop|orders|raw|orders|Raw tables loaded by the shop.|One row per order.|The order id.|integer|fidelity,staging,shop,orders" "$(node -e 'const s=require(process.argv[1]).sources["source.fidelity.shop.orders"]; console.log([s.source_name,s.name,s.schema,s.identifier,s.source_description,s.description,s.columns.id.description,s.columns.id.data_type,s.fqn].join("|"))' "$M")"
assert_eq "source in depends_on" "source.fidelity.shop.orders|shop.orders" "$(node -e 'const n=require(process.argv[1]).nodes["model.fidelity.stg_orders"]; console.log(n.depends_on.nodes.join(",")+"|"+n.sources.map(x=>x.join(".")).join(","))' "$M")"
assert_eq "source in the maps" "model.fidelity.stg_orders test.fidelity.source_accepted_values_shop_orders_status__placed__shipped__returned.12790243ab test.fidelity.source_not_null_shop_orders_id.5be7e9a27b test.fidelity.source_row_count_above_shop_orders_1.24bf38be3b test.fidelity.source_unique_shop_orders_id.58eb404101|0" "$(node -e 'const m=require(process.argv[1]); console.log(m.child_map["source.fidelity.shop.orders"].sort().join(" ")+"|"+m.parent_map["source.fidelity.shop.orders"].length)' "$M")"
assert_eq "docs config" "silver #cd7f32 null" "$(node -e 'const m=require(process.argv[1]).nodes; console.log([m["model.fidelity.stg_orders"].docs.node_color, m["seed.fidelity.customers"].docs.node_color, m["model.fidelity.orders"].docs.node_color].map(String).join(" "))' "$M")"
assert_eq "test metadata" "accepted_values|status|model.fidelity.orders|accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758|fidelity,marts,accepted_values_orders_status__placed__shipped__completed__return_pending__returned" "$(node -e 'const t=require(process.argv[1]).nodes["test.fidelity.accepted_values_orders_status__placed__shipped__completed__return_pending__returned.be6b5b5ec3"]; console.log([t.test_metadata.name,t.column_name,t.attached_node,t.alias,t.fqn].join("|"))' "$M")"

# names of 64 characters or more: compiled file (and alias) truncated + md5
C="$P/target/compiled/fidelity"
for f in models/marts/schema.yml/accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758.sql \
         models/staging/sources.yml/source_accepted_values_shop_or_d7e130a209d082d38ff11f15371de77a.sql \
         models/staging/sources.yml/source_unique_shop_orders_id.sql \
         seeds/props.yml/unique_customers_id.sql tests/assert_no_negative_amounts.sql; do
    [ -f "$C/$f" ] && pass || fail "compiled file $f missing: $(cd "$C" && find . -name '*.sql')"
done
grep -q '"raw"."orders"' "$C/models/staging/sources.yml/source_unique_shop_orders_id.sql" && pass || fail "source test reads the source table"

# failing rows in the source: the source's tests fail like model tests,
# and in a build (dbt's test edges) what reads the source is skipped
floe sql "INSERT INTO raw.orders VALUES (3, 3, 'lost', -1.0)" >/dev/null 2>&1
rc=0
floe build >"$WORK/b2.out" 2>&1 || rc=$?
assert_eq "failing build exit" 1 "$rc"
for t in source_unique_shop_orders_id source_accepted_values_shop_orders_status__placed__shipped__returned; do
    grep -qF "FAIL  test $t " "$WORK/b2.out" && pass || fail "$t should FAIL: $(grep -F "$t" "$WORK/b2.out")"
done
grep -qF "PASS  test source_row_count_above_shop_orders_1 " "$WORK/b2.out" && pass || fail "table-level source test"
for n in "created sql view model main.stg_orders" "created sql table model main.orders" "created sql external model main.orders_parquet" "test unique_orders_order_id"; do
    grep -qF "SKIP  $n " "$WORK/b2.out" && pass || fail "$n should be skipped after the failing source tests: $(grep -F "$n" "$WORK/b2.out")"
done
grep -qF "PASS  test unique_customers_id " "$WORK/b2.out" && pass || fail "seed tests run: $(grep customers_id "$WORK/b2.out")"
grep -q "Done. PASS=[0-9]* WARN=0 ERROR=2 SKIP=" "$WORK/b2.out" && pass || fail "failing build summary: $(tail -2 "$WORK/b2.out")"
# run and test separately have no test edges: the model tests see the rows;
# severity given at the top of a test entry (dbt's legacy form) is config
floe run >/dev/null 2>&1 && pass || fail "run with bad source rows"
rc=0
floe test >"$WORK/t2.out" 2>&1 || rc=$?
assert_eq "failing test exit" 1 "$rc"
for t in source_unique_shop_orders_id my_pkg_expression_is_true_orders_amount_0 assert_no_negative_amounts unique_orders_order_id; do
    grep -qF "FAIL  test $t " "$WORK/t2.out" && pass || fail "$t should FAIL: $(grep -F "$t" "$WORK/t2.out")"
done
grep -qF "WARN  test accepted_values_orders_status__placed__shipped__completed__return_pending__returned " "$WORK/t2.out" && pass || fail "legacy severity: $(grep accepted_values_orders "$WORK/t2.out")"
third_party_check main.orders
third_party_check main.customers

# selection as dbt selects (expected lists worked out from dbt-core's
# selector rules: eager indirect selection of tests, set operations)
assert_eq "ls default output" "fidelity.exports.no_orders fidelity.marts.order_totals fidelity.marts.orders fidelity.exports.orders_by_status fidelity.exports.orders_csv fidelity.exports.orders_ice fidelity.exports.orders_ice_root fidelity.exports.orders_json fidelity.exports.orders_parquet fidelity.staging.stg_orders fidelity.customers fidelity.people_quoted fidelity.lookups.status_codes source:fidelity.shop.orders" "$(ls_of --resource-type model --resource-type seed,source)"
assert_eq "a model and its tests" "orders accepted_values_orders_status__placed__shipped__completed__return_pending__returned assert_no_negative_amounts my_pkg_expression_is_true_orders_amount_0 orders_order_id_present relationships_orders_customer_id__id__ref_customers_ unique_orders_order_id" "$(ls_of -s orders --output name)"
assert_eq "eager: a test of any selected parent" "customers not_null_customers_id relationships_orders_customer_id__id__ref_customers_ unique_customers_id" "$(ls_of -s customers --output name)"
assert_eq "cautious: all parents" "customers not_null_customers_id unique_customers_id" "$(ls_of -s customers --indirect-selection cautious --output name)"
assert_eq "1+orders" "orders stg_orders customers" "$(ls_of -s 1+orders --resource-type model --resource-type seed --output name)"
assert_eq "orders+0" "orders" "$(ls_of -s orders+0 --resource-type model --output name)"
assert_eq "source children" "no_orders order_totals orders orders_by_status orders_csv orders_ice orders_ice_root orders_json orders_parquet stg_orders" "$(ls_of -s source:shop+ --resource-type model --output name)"
assert_eq "source and its tests" "source:fidelity.shop.orders fidelity.staging.source_accepted_values_shop_orders_status__placed__shipped__returned fidelity.staging.source_not_null_shop_orders_id fidelity.staging.source_row_count_above_shop_orders_1 fidelity.staging.source_unique_shop_orders_id" "$(ls_of -s source:shop.orders)"
assert_eq "test_type:singular" "assert_no_negative_amounts" "$(ls_of -s test_type:singular --output name)"
assert_eq "test_type:generic,source" "4" "$(floe ls -s test_type:generic,source:shop 2>/dev/null | wc -l)"
assert_eq "test_name" "accepted_values_orders_status__placed__shipped__completed__return_pending__returned source_accepted_values_shop_orders_status__placed__shipped__returned" "$(ls_of -s test_name:accepted_values --output name)"
assert_eq "config.materialized" "stg_orders" "$(ls_of -s config.materialized:view --output name)"
assert_eq "fqn wildcard" "order_totals orders" "$(ls_of -s 'fidelity.marts.*' --resource-type model --output name)"
assert_eq "folder wildcard" "stg_orders" "$(ls_of -s 'staging.*' --resource-type model --output name)"
assert_eq "path glob" "stg_orders" "$(ls_of -s 'path:models/staging/*.sql' --output name)"
# (the singular test is in tests/, selected because it tests orders)
assert_eq "path folder" "models/marts/order_totals.sql models/marts/orders.sql models/marts/schema.yml tests/assert_no_negative_amounts.sql" "$(floe ls -s path:models/marts --output path 2>/dev/null | sort -u | tr '\n' ' ' | sed 's/ $//')"
assert_eq "file" "orders" "$(ls_of -s file:orders.sql --resource-type model --output name)"
assert_eq "package" "customers people_quoted status_codes" "$(ls_of -s package:fidelity --resource-type seed --output name)"
assert_eq "tag" "order_totals orders" "$(ls_of -s tag:nightly --resource-type model --output name)"
assert_eq "@" "no_orders order_totals orders orders_by_status orders_csv orders_ice orders_ice_root orders_json orders_parquet stg_orders customers" "$(ls_of -s @stg_orders --resource-type model --resource-type seed --output name)"
assert_eq "intersection" "order_totals orders" "$(ls_of -s tag:nightly,config.materialized:table --resource-type model --output name)"
assert_eq "exclude takes the tests along" "stg_orders customers shop.orders not_null_customers_id source_accepted_values_shop_orders_status__placed__shipped__returned source_not_null_shop_orders_id source_row_count_above_shop_orders_1 source_unique_shop_orders_id unique_customers_id" "$(ls_of -s +orders --exclude orders --output name)"
assert_eq "--selector union/exclude" "order_totals orders" "$(ls_of --selector marts_no_tests --output name)"
assert_eq "--selector parents_depth" "orders stg_orders customers" "$(ls_of --selector upstream_of_orders --resource-type model,seed --output name)"
assert_eq "ls json" '{"name": "stg_orders", "resource_type": "model", "config.materialized": "view"}' "$(ls_of -s stg_orders --output json --output-keys 'name resource_type config.materialized')"
expect_fail "bad method" "'bogus' is not a valid method name" floe ls -s bogus:x
expect_fail "@ and +" "incompatible" floe ls -s @orders+
floe sql "CREATE OR REPLACE TABLE raw.orders AS SELECT * FROM raw.orders WHERE status <> 'lost'" >/dev/null 2>&1
rc=0
floe build -s orders >"$WORK/sel.out" 2>&1 || rc=$?
grep -q "Done. PASS=7 WARN=0 ERROR=0 SKIP=0 TOTAL=7" "$WORK/sel.out" && pass || fail "build -s orders: $(tail -3 "$WORK/sel.out")"
floe build --resource-type seed >"$WORK/sel.out" 2>&1
grep -q "Done. PASS=3 WARN=0 ERROR=0 SKIP=0 TOTAL=3" "$WORK/sel.out" && pass || fail "build --resource-type seed: $(tail -3 "$WORK/sel.out")"
# floe drop takes a view model's catalog view too
assert_eq "the view before the drop" "$(scalar 'SELECT count(*) FROM raw.orders')" "$(scalar 'SELECT count(*) FROM main.stg_orders')"
floe drop main.stg_orders >"$WORK/drop.out" 2>&1 && pass || fail "drop a view: $(cat "$WORK/drop.out")"
grep -q "dropped view main.stg_orders" "$WORK/drop.out" && pass || fail "drop a view: $(cat "$WORK/drop.out")"
expect_fail "the dropped view" "stg_orders" floe query "SELECT * FROM main.stg_orders"
expect_fail "drop what is not there" "table main.stg_orders does not exist" floe drop main.stg_orders
finish
