#!/bin/bash
# dbt runs keep a result made from small inputs in DuckDB while later nodes
# read it (through ephemeral and view models too) and release a large one
# once its readers are done: the results are the same whether results are
# kept, released early (FLOE_KEEP_MB=1) or never kept (FLOE_KEEP_MB=0), and
# the Iceberg tables are what a third-party reader sees.
source "$(dirname "$0")/lib.sh"
unset FLOE_WAREHOUSE
P="$WORK/memory"
cp -r "$FLOE_TESTS_DIR/resources/dbt_memory" "$P"
cd "$P"
export FLOE_WAREHOUSE="$P/warehouse"

# what the models must give, computed by DuckDB alone
R="(SELECT i, i % 7 AS k, 'row ' || i AS label FROM range(300000) t(i))"
want_agg=$(scalar "SELECT string_agg(k || ':' || n || ':' || s, ',' ORDER BY k) FROM (SELECT k, count(*) AS n, sum(i) AS s FROM $R GROUP BY k)")
want_view=$(scalar "SELECT count(*) || '|' || max(label) FROM $R WHERE k = 0")
want_eph=$(scalar "SELECT count(*) || '|' || sum(i) FROM $R WHERE k = 1")

check_results() {
    assert_eq "$1: big_agg" "$want_agg" "$(scalar "SELECT string_agg(k || ':' || n || ':' || s, ',' ORDER BY k) FROM main.big_agg")"
    assert_eq "$1: from_view" "$want_view" "$(scalar "SELECT n || '|' || top FROM main.from_view")"
    assert_eq "$1: from_ephemeral" "$want_eph" "$(scalar "SELECT n || '|' || s FROM main.from_ephemeral")"
}

for keep in default 1 0; do
    rc=0
    if [ "$keep" = default ]; then
        floe --verbose build >"$WORK/b.out" 2>&1 || rc=$?
    else
        FLOE_KEEP_MB=$keep floe --verbose build >"$WORK/b.out" 2>&1 || rc=$?
    fi
    assert_eq "build ($keep) exit" 0 "$rc"
    grep -q "Done. PASS=12 WARN=0 ERROR=0 SKIP=0 TOTAL=12" "$WORK/b.out" && pass || fail "build ($keep): $(tail -3 "$WORK/b.out")"
    check_results "$keep"
    kept=$(grep -c "result kept in memory" "$WORK/b.out" || true)
    released=$(grep -c "result released from memory" "$WORK/b.out" || true)
    case $keep in
    default) # the seed (small CSV) and big (small input; 7 readers, with the view,
        # the ephemeral and their readers); not big_agg (its input is large)
        assert_eq "kept by default" 2 "$kept"
        grep -q "model.memory.big: result kept in memory for 7 readers" "$WORK/b.out" && pass || fail "big not kept: $(grep kept "$WORK/b.out")"
        assert_eq "nothing released below the budget" 0 "$released" ;;
    1) # big's data files pass 1 MiB / 16: released once its last reader is done
        assert_eq "kept with a small budget" 2 "$kept"
        grep -q "model.memory.big: result released from memory" "$WORK/b.out" && pass || fail "big not released: $(grep -E 'kept|released' "$WORK/b.out")" ;;
    0)
        assert_eq "nothing kept with FLOE_KEEP_MB=0" 0 "$kept" ;;
    esac
done
for t in main.nums main.big main.big_agg main.from_view main.from_ephemeral; do third_party_check "$t"; done
assert_eq "profile settings" "2.0 GiB|1" "$(scalar "SELECT memory_limit || '|' || threads FROM main.settings_seen")"
assert_eq "history of big" 3 "$(floe history main.big --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')"

# a failing reader of a kept result: ERROR, the kept table is no reason for
# another failure, and the tables keep their snapshots
before=$(current_snapshot main.big_agg)
echo "select k, count(*) as n, sum(nope) as s from {{ ref('big') }} group by k" >"$P/models/big_agg.sql"
rc=0
floe build >"$WORK/f.out" 2>&1 || rc=$?
assert_eq "failing reader exit" 1 "$rc"
grep -q "Done. PASS=9 WARN=0 ERROR=1 SKIP=2 TOTAL=12" "$WORK/f.out" && pass || fail "failing reader: $(grep -E 'ERROR|Done' "$WORK/f.out")"
assert_eq "failing reader: snapshot kept" "$before" "$(current_snapshot main.big_agg)"
check_results "after a failure"
finish
