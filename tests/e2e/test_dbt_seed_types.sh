#!/bin/bash
# Seed column types as dbt infers them (agate's type tester and the
# adapter's convert_*_type, as tests/dbt_diff checks against dbt itself):
# the Iceberg types floe writes for tests/resources/dbt_seed_types, and a
# model whose enforced contract declares integer on a seed's id.
source "$(dirname "$0")/lib.sh"
P="$WORK/seed_types"
cp -r "$FLOE_TESTS_DIR/resources/dbt_seed_types" "$P"
export SEED_TYPES_WH="$FLOE_WAREHOUSE"
cd "$P"
rc=0
floe build >"$WORK/b.out" 2>&1 || rc=$?
assert_eq "build exit" 0 "$rc"
grep -q "Done. PASS=9 WARN=0 ERROR=0 SKIP=0 TOTAL=9" "$WORK/b.out" && pass || fail "summary: $(cat "$WORK/b.out")"
types() {
    floe show "$1" --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      console.log(JSON.parse(s).schema.fields.map(f=>f.name+":"+f.type).join(" "))})'
}
assert_eq "tricky" "id:int amount:int ratio:double flag:boolean day:date ts:timestamp iso_ts:timestamp name:string empty_col:int mixed:string null_text:string zip:int big:int whole_float:double sci:double" "$(types main.tricky)"
assert_eq "more_types" "id:int ts_frac:string short_date:date bad_date:string bools:boolean neg_whole:int zero_frac:int padded:int upper_e:int iso_zone:timestamp spaced_dt:timestamp" "$(types main.more_types)"
assert_eq "overrides (column_types)" "id:int code:string price:decimal(10,2) note:string" "$(types main.overrides)"
assert_eq "semicolons (delimiter)" "id:int share:double label:string" "$(types main.semicolons)"
assert_eq "plain_names (quote_columns: false)" "Id:int AmountDue:double flag:boolean" "$(types main.plain_names)"
# values as dbt-duckdb's COPY reads them into those types
assert_eq "zip loses its zeros as in dbt" "1234,42,12345" "$(scalar "SELECT string_agg(zip::VARCHAR, ',' ORDER BY id) FROM main.tricky")"
assert_eq "null text stays text" "null,NULL,foo" "$(scalar "SELECT string_agg(coalesce(null_text, 'NULL'), ',' ORDER BY id) FROM main.tricky")"
assert_eq "overridden code keeps its zeros" "007,042" "$(scalar "SELECT string_agg(code, ',' ORDER BY id) FROM main.overrides")"
# the contract declares integer on the seed's id
grep -q "OK    created sql table model main.contracted " "$WORK/b.out" && pass || fail "contracted: $(cat "$WORK/b.out")"
finish
