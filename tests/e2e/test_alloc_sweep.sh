#!/bin/bash
# Allocation failure at every Nth allocation (FLOE_FAULT_ALLOC=N) of a
# CREATE TABLE AS and of an INSERT: the command either fails with the table
# at its previous snapshot and no data file added, or succeeds with the rows
# there; never a crash or a sanitizer report (run the suite under the
# sanitizer build). N runs from 1 until the command succeeds 8 times in a
# row; FLOE_SWEEP_STRIDE (default 3) samples it to keep the suite fast, 1
# sweeps every N. The checks read the catalog with sqlite3 and the files
# directly, so that each N costs one floe run.
source "$(dirname "$0")/lib.sh"

STRIDE=${FLOE_SWEEP_STRIDE:-7}
CAT="$FLOE_WAREHOUSE/catalog.db"
floe namespace create c >/dev/null
floe sql "CREATE TABLE c.base AS SELECT 1 AS i, 'one' AS s" >/dev/null

# clean NAME N: the command's stderr holds no crash or sanitizer report
clean() {
    if grep -qE "Sanitizer|runtime error|Segmentation|Aborted|core dumped" "$WORK/err"; then
        fail "$1 at N=$2: $(head -5 "$WORK/err")"
        return 1
    fi
}

# sweep NAME: FLOE_FAULT_ALLOC=N for N = 1, 1+STRIDE, ... until 8 successes
# in a row; the check_* functions judge each run
sweep() {
    local name=$1 n=1 ok_run=0 rc
    while [ "$ok_run" -lt 8 ] && [ "$n" -lt 20000 ]; do
        before_"$name"
        rc=0
        FLOE_FAULT_ALLOC=$n run_"$name" >/dev/null 2>"$WORK/err" || rc=$?
        clean "$name" "$n" || return
        # 0, or a clean failure: 6 is out of memory (internal), 1 another
        # error the fault caused on its way up
        if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 6 ]; then
            fail "$name at N=$n: exit $rc: $(head -3 "$WORK/err")"
            return
        fi
        [ -n "${SWEEP_TRACE:-}" ] && echo "$name N=$n rc=$rc $(head -c 120 "$WORK/err")" >&2 # debugging aid
        check_"$name" "$n" "$rc" || return
        if [ "$rc" -eq 0 ]; then ok_run=$((ok_run + 1)); else ok_run=0; fi
        n=$((n + STRIDE))
    done
    pass
}

data_files() { ls "$FLOE_WAREHOUSE/c/$1/data" 2>/dev/null | wc -l; }
pointer() { sqlite3 "$CAT" "SELECT metadata_location FROM iceberg_tables WHERE table_name = '$1'"; }
count_rows() { "$FLOE" query --json "SELECT count(*) AS n FROM c.$1" | sed -n 's/.*"n":\([0-9]*\).*/\1/p'; }

# --- CREATE TABLE AS: no table after a failure, all rows after a success
before_ctas() { :; }
run_ctas() { "$FLOE" sql "CREATE TABLE c.x AS SELECT range AS i, 'v' || range AS s FROM range(10)"; }
check_ctas() {
    local n=$1 rc=$2 got
    if [ "$rc" -eq 0 ]; then
        got=$(count_rows x)
        [ "$got" == 10 ] || { fail "ctas at N=$n: succeeded with [$got] rows"; return 1; }
        "$FLOE" drop c.x --purge >/dev/null
    elif [ -n "$(pointer x)" ]; then
        fail "ctas at N=$n: failed ($(head -1 "$WORK/err")) but c.x exists"
        return 1
    elif [ "$(data_files x)" -ne 0 ] && ! grep -q "outcome is unknown" "$WORK/err"; then
        fail "ctas at N=$n: failed but left $(data_files x) data files"
        return 1
    fi
    rm -rf "$FLOE_WAREHOUSE/c/x"
}
sweep ctas

# --- INSERT: the snapshot does not move after a failure; the rows are there
# after a success (then the table starts again from one snapshot, so that
# every run makes as many allocations)
fresh_base() {
    "$FLOE" drop c.base --purge >/dev/null
    "$FLOE" sql "CREATE TABLE c.base AS SELECT 1 AS i, 'one' AS s" >/dev/null
}
before_insert() {
    snap_before=$(pointer base)
    files_before=$(data_files base)
}
run_insert() { "$FLOE" sql "INSERT INTO c.base SELECT range, 'r' FROM range(3)"; }
check_insert() {
    local n=$1 rc=$2 got
    if [ "$rc" -eq 0 ]; then
        got=$(count_rows base)
        [ "$got" == 4 ] || { fail "insert at N=$n: succeeded, [$got] rows, want 4"; return 1; }
        fresh_base
    elif [ "$(pointer base)" != "$snap_before" ]; then
        fail "insert at N=$n: failed ($(head -1 "$WORK/err")) but the snapshot moved"
        return 1
    elif [ "$(data_files base)" -ne "$files_before" ] && ! grep -q "outcome is unknown" "$WORK/err"; then
        fail "insert at N=$n: failed but left a data file ($(head -1 "$WORK/err"))"
        return 1
    fi
}
sweep insert

assert_eq "rows after the sweep" 1 "$(scalar 'SELECT count(*) FROM c.base')"
finish
