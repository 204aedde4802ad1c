#!/bin/bash
# Hazards of the engine layer and the commit path: writes racing a drop and
# re-create or a schema change, view bodies that are not one SELECT, broken
# tables that must not break other statements, error messages naming the
# table, table properties checked when set, files of failed commit attempts.
source "$(dirname "$0")/lib.sh"

floe namespace create c >/dev/null

# stall_insert TABLE VALUE: start an INSERT whose query reads a FIFO; return
# once it has loaded the table's metadata and opened the FIFO (the writer's
# open blocks until then). The INSERT goes on when release_insert writes.
stall_insert() {
    rm -f "$WORK/fifo" && mkfifo "$WORK/fifo"
    "$FLOE" sql "INSERT INTO $1 SELECT * FROM read_csv('$WORK/fifo', columns = {'x': 'BIGINT'}, header = false, auto_detect = false)" \
        >"$WORK/ins.out" 2>"$WORK/ins.err" &
    INS_PID=$!
    exec 3>"$WORK/fifo"
}
release_insert() {
    echo "$1" >&3
    exec 3>&-
    INS_RC=0
    wait "$INS_PID" || INS_RC=$?
}

# --- 1. an INSERT racing drop + CREATE of the same name fails, and the new
# table does not get its rows
floe sql "CREATE TABLE c.t1 AS SELECT 1::BIGINT AS x" >/dev/null
stall_insert c.t1
floe drop c.t1 >/dev/null
floe sql "CREATE TABLE c.t1 AS SELECT 100::BIGINT AS x" >/dev/null
release_insert 7
assert_eq "insert racing a re-create fails" 1 "$INS_RC"
grep -qF "table c.t1 was dropped and re-created during the write" "$WORK/ins.err" && pass ||
    fail "re-create error: $(cat "$WORK/ins.err")"
assert_eq "re-created table keeps its own rows" "100" "$(scalar "SELECT string_agg(x::VARCHAR, ',' ORDER BY x) FROM c.t1")"

# --- 2. an INSERT racing a schema-changing CREATE OR REPLACE fails instead
# of landing as NULL rows
floe sql "CREATE TABLE c.t2 AS SELECT 1::BIGINT AS x" >/dev/null
stall_insert c.t2
floe sql "CREATE OR REPLACE TABLE c.t2 AS SELECT 'a' AS y" >/dev/null
release_insert 7
assert_eq "insert racing a schema change fails" 1 "$INS_RC"
grep -qF "schema of table c.t2 changed during the write" "$WORK/ins.err" && pass ||
    fail "schema change error: $(cat "$WORK/ins.err")"
assert_eq "no NULL rows landed" "1|0" "$(scalar "SELECT count(*)::VARCHAR || '|' || count(*) FILTER (WHERE y IS NULL)::VARCHAR FROM c.t2")"

# --- 7. a commit attempt that lost a race leaves no manifest list or
# manifest behind: the stalled INSERT's first attempt loses to another one
floe sql "CREATE TABLE c.t7 AS SELECT 1::BIGINT AS x" >/dev/null
stall_insert c.t7
floe sql "INSERT INTO c.t7 SELECT 2" >/dev/null
release_insert 3
assert_eq "racing inserts both land" "0|1,2,3" "$INS_RC|$(scalar "SELECT string_agg(x::VARCHAR, ',' ORDER BY x) FROM c.t7")"
meta7="$FLOE_WAREHOUSE/c/t7/metadata"
assert_eq "one manifest list per snapshot" 3 "$(ls "$meta7" | grep -c '^snap-.*\.avro$')"
assert_eq "one manifest per snapshot" 3 "$(ls "$meta7" | grep -c -- '-m0\.avro$')"

# --- 5. table properties floe reads are checked when set, naming the
# property; a bad value written by another engine fails the write naming it
expect_fail "negative target file size" "write.target-file-size-bytes must be an integer" \
    floe properties c.t7 --set write.target-file-size-bytes=-1
expect_fail "bad retry count" "commit.retry.num-retries" \
    floe properties c.t7 --set commit.retry.num-retries=lots
floe sql "INSERT INTO c.t7 SELECT 4" >/dev/null 2>&1 && pass || fail "write after refused properties"
floe properties c.t7 --set write.target-file-size-bytes=1048576 >/dev/null && pass || fail "valid size"
meta=$(metadata_of c.t7)
sed -i 's/"write.target-file-size-bytes":"1048576"/"write.target-file-size-bytes":"0"/' "$meta"
expect_fail "bad property at use" "write.target-file-size-bytes must be an integer from 1" \
    floe sql "INSERT INTO c.t7 SELECT 5"

finish
