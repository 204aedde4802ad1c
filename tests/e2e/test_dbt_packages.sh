#!/bin/bash
# dbt packages the way dbt_utils and dbt_expectations are written, on a
# small project of the suite with two packages of its own in dbt_packages/:
# adapter.dispatch with the project's dispatch search order and duckdb__
# implementations, a root override, **kwargs forwarded by a generic test,
# adapter.get_columns_in_relation, floe's dbt.* cross-database macros,
# statement/load_result, run_query's agate table, generic tests with
# keyword arguments (one of them failing).
source "$(dirname "$0")/lib.sh"
P="$WORK/pkgs"
cp -r "$FLOE_TESTS_DIR/resources/dbt_packages" "$P"
export PKGS_WH="$WORK/pkgs_wh"
export FLOE_WAREHOUSE="$PKGS_WH"
cd "$P"

# json_row "SQL" "JS expression over row r": one line from the first row
json_row() {
    floe query --json "$1" | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const r = JSON.parse(s)[0]; console.log(eval(process.argv[1])); });' "$2"
}

rc=0
floe build >"$WORK/b.out" 2>&1 || rc=$?
assert_eq "build exit (one test fails)" 1 "$rc"
grep -q "Done. PASS=11 WARN=2 ERROR=1 SKIP=0 TOTAL=14" "$WORK/b.out" && pass || fail "summary: $(tail -4 "$WORK/b.out")"
grep -q "FAIL  test pkgkit_all_at_least_amounts_amount__25 " "$WORK/b.out" && pass || fail "failing test: $(grep all_at_least "$WORK/b.out")"
grep -q "Got 2 results, configured to fail if != 0" "$WORK/b.out" && pass || fail "failing test count: $(grep -A1 FAIL "$WORK/b.out")"
grep -q "WARN  test at_least_25_error_if_3 " "$WORK/b.out" && pass || fail "error_if: $(grep all_at_least "$WORK/b.out")"
grep -q "Got 2 results, configured to warn if != 0" "$WORK/b.out" && pass || fail "error_if message: $(grep -A1 WARN "$WORK/b.out")"
grep -A1 "WARN  test pkgkit_total_excess_amounts_35__amount " "$WORK/b.out" | grep -q "Got 5 results, configured to warn if != 0" && pass || fail "fail_calc: $(grep -A1 total_excess "$WORK/b.out")"
for t in pkgkit_all_at_least_amounts_amount__10 pkgkit_rows_between_query_demo_1__1 pkgkit_rows_between_spine_4__4 ids_without_gaps_amounts_id; do
    grep -q "PASS  test $t " "$WORK/b.out" && pass || fail "$t: $(grep "$t" "$WORK/b.out")"
done
# the forwarded **kwargs reach the dispatched body
grep -q 'where amount < 25' "$P/target/compiled/pkgs_demo/models/schema.yml/pkgkit_all_at_least_amounts_amount__25.sql" && pass || fail "compiled test: $(cat "$P"/target/compiled/pkgs_demo/models/schema.yml/pkgkit_all_at_least_amounts_amount__25.sql)"

# dispatch: the project's override, then pkgshim (dispatch config), then
# pkgkit's duckdb__ over its default__
assert_eq "dispatch order" "root:a|shim:B|duckdb:c|root:n" \
    "$(json_row 'SELECT * FROM main.kit_demo' 'r.label + "|" + r.shout + "|" + r.plain + "|" + r.root_namespace')"
assert_eq "cross-database macros" "x-y|2024-02-02|60|42|bbf42229d75389dbff3d6e7d230263d4|null|b" \
    "$(json_row 'SELECT * FROM main.kit_demo' '[r.concatenated, r.three_days_later, r.days_between, r.as_text, r.hashed, r.not_a_number, r.second_part].map(String).join("|")')"
assert_eq "get_columns_in_relation" '1|"id" /* INTEGER */, "kind" /* VARCHAR string */, "happened_on" /* DATE */' \
    "$(json_row 'SELECT * FROM main.columns_demo ORDER BY id' 'r.id + "|" + r.listed')"
assert_eq "columns_demo has no amount" "id,kind,happened_on,listed" \
    "$(json_row 'SELECT * FROM main.columns_demo ORDER BY id' 'Object.keys(r).join(",")')"
assert_eq "statement, load_result and agate" "4|40|id+kind|10|click+view+buy|view|click|4" \
    "$(json_row 'SELECT * FROM main.query_demo' '[r.n, r.top, r.columns, r.id_sum, r.kinds, r.second_kind, r.first_kind, r.n_rows].join("|")')"
assert_eq "date_spine" "4|2024-01-01 00:00:00|2024-01-04 00:00:00" \
    "$(scalar "SELECT count(*) || '|' || min(date_day) || '|' || max(date_day) FROM main.spine")"
assert_eq "context" 'context_demo|"main"."context_demo"|events|seed.pkgs_demo.events|build|36|"t"' \
    "$(json_row 'SELECT * FROM main.context_demo' '[r.me, r.this_rel, r.ref_ident, r.amounts_deps, r.which, r.id_len, r.only_identifier].join("|")')"

# the same on four threads, and a compile that reads the warehouse
rc=0
floe build --threads 4 >"$WORK/b4.out" 2>&1 || rc=$?
grep -q "Done. PASS=11 WARN=2 ERROR=1 SKIP=0 TOTAL=14" "$WORK/b4.out" && pass || fail "--threads 4: $(tail -4 "$WORK/b4.out")"
floe compile >"$WORK/c.out" 2>&1 && pass || fail "compile: $(cat "$WORK/c.out")"
grep -q '"kind" /\* VARCHAR string \*/' "$P/target/compiled/pkgs_demo/models/columns_demo.sql" && pass || fail "compiled introspection: $(cat "$P/target/compiled/pkgs_demo/models/columns_demo.sql")"

# a dispatch nothing answers names what it searched
echo "select {{ adapter.dispatch('nothere', 'pkgkit')() }} as x" >"$P/models/bad_dispatch.sql"
rc=0
floe run --select bad_dispatch >"$WORK/bad.out" 2>&1 || rc=$?
assert_eq "bad dispatch exit" 1 "$rc"
grep -q "no macro named 'nothere' found within namespace 'pkgkit' (searched 'pkgs_demo.duckdb__nothere', 'pkgs_demo.default__nothere', 'pkgshim.duckdb__nothere', 'pkgshim.default__nothere', 'pkgkit.duckdb__nothere', 'pkgkit.default__nothere')" "$WORK/bad.out" && pass || fail "bad dispatch message: $(cat "$WORK/bad.out")"
finish
