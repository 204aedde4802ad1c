#!/bin/bash
# Relations as dbt gives them to hooks and macros: `this` in a post-hook is
# the node's relation (schema, identifier, its text), adapter.drop_relation
# drops a seed from the catalog (as dbt_utils' own project does) and a view
# model too, adapter.get_relation of a seed of the run is a table, and a
# model-level generic test gets the column_name given among its arguments.
source "$(dirname "$0")/lib.sh"
P="$WORK/relations"
cp -r "$FLOE_TESTS_DIR/resources/dbt_relations" "$P"
export FLOE_WAREHOUSE="$P/warehouse" HOOK_OUT="$WORK/hook.csv"
cd "$P"
rc=0
floe build >"$WORK/b.out" 2>&1 || rc=$?
assert_eq "build exit" 0 "$rc"
grep -q "Done. PASS=8 WARN=0 ERROR=0 SKIP=0 TOTAL=8" "$WORK/b.out" && pass || fail "summary: $(cat "$WORK/b.out")"
# (the relation's text is "main"."hooked", quoted again by the CSV writer)
assert_eq "this in a post-hook" 'main,hooked,"""main"".""hooked""",2' "$(cat "$HOOK_OUT" 2>/dev/null)"
expect_fail "dropped by adapter.drop_relation" "main.to_drop" floe show main.to_drop
expect_fail "a view dropped by adapter.drop_relation" "dropped_view" floe query "SELECT * FROM main.dropped_view"
assert_eq "the other seed stays" 1 "$(scalar 'SELECT count(*) FROM main.stays')"
grep -q "PASS  test not_null_hooked_x " "$WORK/b.out" && pass || fail "model-level not_null: $(grep not_null "$WORK/b.out")"
grep -q "PASS  test positive_hooked_x " "$WORK/b.out" && pass || fail "model-level generic test: $(grep positive "$WORK/b.out")"
grep -q '"x" is null\|x is null' "$P/target/compiled/relations/models/schema.yml/not_null_hooked_x.sql" && pass || fail "compiled not_null: $(cat "$P"/target/compiled/relations/models/schema.yml/not_null_hooked_x.sql)"
assert_eq "get_relation of a seed of this run" "table 1" "$(scalar "SELECT stays_type || ' ' || n FROM main.reads_stays")"
# the same while the seed's commit is still being made: a catalog trigger
# holds its row back for a while, and the model that reads the seed starts
# meanwhile on a free worker, reading it from memory
rm -rf "$P/warehouse"
floe tables >/dev/null 2>&1
sqlite3 "$P/warehouse/catalog.db" "CREATE TRIGGER slow_stays BEFORE INSERT ON iceberg_tables WHEN NEW.table_name = 'stays' BEGIN SELECT length(hex(randomblob(30000000))); END;"
rc=0
floe --verbose build --threads 4 >"$WORK/b4.out" 2>&1 || rc=$?
assert_eq "build during a slow commit: exit" 0 "$rc"
assert_eq "get_relation of a seed being committed" "table 1" "$(scalar "SELECT stays_type || ' ' || n FROM main.reads_stays")"
# FLOE_WAREHOUSE (as --warehouse) puts a dbt run's tables elsewhere
rc=0
FLOE_WAREHOUSE="$WORK/elsewhere" floe seed --select stays >"$WORK/s.out" 2>&1 || rc=$?
assert_eq "seed into FLOE_WAREHOUSE: exit" 0 "$rc"
assert_eq "the seed is in FLOE_WAREHOUSE" "main.stays" "$(floe --warehouse "$WORK/elsewhere" tables 2>&1)"
third_party_check main.hooked
finish
