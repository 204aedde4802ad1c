#!/bin/bash
# dbt features on a small project of the suite: env_var in profiles.yml,
# unknown profile keys warned, seeds with quoted fields and CRLF, ephemeral
# models, external + format iceberg, pre-hooks and on-run-start, run_query,
# vars from the project and from --vars, a redefined materialization warned.
source "$(dirname "$0")/lib.sh"
P="$WORK/features"
cp -r "$FLOE_TESTS_DIR/resources/dbt_features" "$P"
export FEATURES_WH="$WORK/features_wh"
export FLOE_WAREHOUSE="$FEATURES_WH"
cd "$P"
floe deps >"$WORK/deps.out" 2>&1 && pass || fail "deps: $(cat "$WORK/deps.out")"
[ -f "$P/dbt_packages/my_utils/macros/utils.sql" ] && pass || fail "local package not installed"
rc=0
floe build --vars '{factor: 100}' >"$WORK/b.out" 2>&1 || rc=$?
assert_eq "build exit" 0 "$rc"
grep -q "unknown key 'unknown_thing'" "$WORK/b.out" && pass || fail "unknown profile key not warned"
grep -q "materialization table is defined in the project; floe uses its own" "$WORK/b.out" && pass || fail "materialization override not warned"
grep -q "Done. PASS=10 WARN=1 ERROR=0 SKIP=0 TOTAL=11" "$WORK/b.out" && pass || fail "summary: $(cat "$WORK/b.out")"
grep -q "WARN  test not_null_people_scored_maybe" "$WORK/b.out" && pass || fail "severity warn: $(grep not_null "$WORK/b.out")"
assert_eq "store_failures table" 1 "$(scalar 'SELECT count(*) FROM main_dbt_test__audit.not_null_people_scored_maybe')"
[ -f "$FEATURES_WH/catalog.db" ] && pass || fail "env_var warehouse not used"
assert_eq "seed quoted field" "b, quoted" "$(scalar 'SELECT name FROM main.people WHERE id = 2')"
assert_eq "hooks, ephemeral, vars" "500.0|42" "$(floe query --json 'SELECT scaled, answer FROM main.people_scored WHERE id = 2' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(Number(r.scaled).toFixed(1)+"|"+r.answer)})')"
assert_eq "run_query" "7|3" "$(floe query --json 'SELECT * FROM main.counts' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.from_run_query+"|"+r.people)})')"
expect_fail "ephemeral is no table" "people_ephemeral" floe show main.people_ephemeral
third_party_check main.people_scored
third_party_check main.people
# a view model is an Iceberg view in the catalog, resolvable by later readers
assert_eq "view via catalog" "3|B, QUOTED" "$(floe query --json "SELECT (SELECT count(*) FROM main.people_view) AS n, name FROM main.people_view WHERE id = 2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.n+"|"+r.name)})')"
assert_eq "view row" "VIEW" "$(sqlite3 "$FEATURES_WH/catalog.db" "SELECT iceberg_type FROM iceberg_tables WHERE table_name = 'people_view'")"
vmeta=$(sqlite3 "$FEATURES_WH/catalog.db" "SELECT metadata_location FROM iceberg_tables WHERE table_name = 'people_view'" | sed 's|^file://||')
node -e 'const m=require(process.argv[1]); const v=m.versions.find(x=>x["version-id"]===m["current-version-id"]); if (m["format-version"]!==1 || !m["view-uuid"] || v.representations[0].dialect!=="duckdb" || !m.schemas.some(s=>s["schema-id"]===v["schema-id"])) process.exit(1)' "$vmeta" && pass || fail "view metadata: $(cat "$vmeta")"
assert_eq "package macro" "HEY!" "$(scalar 'SELECT s FROM main.shouted')"
grep -qF "PASS  test my_utils_is_positive_shouted_n " "$WORK/b.out" && pass || fail "package generic test: $(grep is_positive "$WORK/b.out")"
printf 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.1.1\n' >"$P/packages.yml"
expect_fail "hub package offline" "needs a network download" floe deps
# incremental models: unique_key merges, no key appends, --full-refresh rebuilds
assert_eq "incremental first run" "3|10,11,12" "$(scalar "SELECT count(*) || '|' || string_agg(id::VARCHAR, ',' ORDER BY id) FROM main.events_inc")"
floe run --select 'events_inc events_append' --vars '{inc_batch: 2, factor: 100}' >/dev/null 2>&1
floe run --select 'events_inc events_append' --vars '{inc_batch: 2, factor: 100}' >/dev/null 2>&1
assert_eq "incremental merge by key" "6|10,11,12,20,21,22" "$(scalar "SELECT count(*) || '|' || string_agg(id::VARCHAR, ',' ORDER BY id) FROM main.events_inc")"
assert_eq "incremental append" "1,2,2" "$(scalar "SELECT string_agg(batch::VARCHAR, ',' ORDER BY batch) FROM main.events_append")"
assert_eq "incremental history" "append" "$(floe history main.events_append --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const h=JSON.parse(s);console.log(h[h.length-1].operation)})')"
floe run --select events_inc --full-refresh >/dev/null 2>&1
assert_eq "full refresh" "3" "$(scalar 'SELECT count(*) FROM main.events_inc')"
third_party_check main.events_inc
# a broken contract fails before anything is written
before=$(current_snapshot main.contracted)
echo "select 'one' as id, 'x' as label, 2 as extra" >"$P/models/contracted.sql"
rc=0
floe run --select contracted >"$WORK/out" 2>&1 || rc=$?
assert_eq "contract exit" 1 "$rc"
grep -q "contract of contracted is not met: id: declared integer, query gives VARCHAR; extra: in the query, not declared" "$WORK/out" && pass || fail "contract message: $(grep contract "$WORK/out")"
assert_eq "contract: table untouched" "$before" "$(current_snapshot main.contracted)"
finish
