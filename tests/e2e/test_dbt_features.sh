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
rc=0
floe build --vars '{factor: 100}' >"$WORK/out" 2>&1 || rc=$?
assert_eq "build exit" 0 "$rc"
grep -q "unknown key 'unknown_thing'" "$WORK/out" && pass || fail "unknown profile key not warned"
grep -q "materialization table is defined in the project; floe uses its own" "$WORK/out" && pass || fail "materialization override not warned"
grep -q "Done. PASS=4 WARN=0 ERROR=0 SKIP=0 TOTAL=4" "$WORK/out" && pass || fail "summary: $(cat "$WORK/out")"
[ -f "$FEATURES_WH/catalog.db" ] && pass || fail "env_var warehouse not used"
assert_eq "seed quoted field" "b, quoted" "$(scalar 'SELECT name FROM main.people WHERE id = 2')"
assert_eq "hooks, ephemeral, vars" "500.0|42" "$(floe query --json 'SELECT scaled, answer FROM main.people_scored WHERE id = 2' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(Number(r.scaled).toFixed(1)+"|"+r.answer)})')"
assert_eq "run_query" "7|3" "$(floe query --json 'SELECT * FROM main.counts' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.from_run_query+"|"+r.people)})')"
expect_fail "ephemeral is no table" "people_ephemeral" floe show main.people_ephemeral
third_party_check main.people_scored
third_party_check main.people
finish
