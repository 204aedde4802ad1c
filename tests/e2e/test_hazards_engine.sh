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
assert_eq "insert racing a re-create fails (exit 4, conflict)" 4 "$INS_RC"
grep -qF "table c.t1 was dropped and re-created during the write" "$WORK/ins.err" && pass ||
    fail "re-create error: $(cat "$WORK/ins.err")"
assert_eq "re-created table keeps its own rows" "100" "$(scalar "SELECT string_agg(x::VARCHAR, ',' ORDER BY x) FROM c.t1")"

# --- 2. an INSERT racing a schema-changing CREATE OR REPLACE fails instead
# of landing as NULL rows
floe sql "CREATE TABLE c.t2 AS SELECT 1::BIGINT AS x" >/dev/null
stall_insert c.t2
floe sql "CREATE OR REPLACE TABLE c.t2 AS SELECT 'a' AS y" >/dev/null
release_insert 7
assert_eq "insert racing a schema change fails (exit 4, conflict)" 4 "$INS_RC"
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

# make_view NS NAME SQL: a catalog view row and metadata file as another
# writer of the catalog could leave them
make_view() {
    local f="$WORK/view_$2.json" sql
    sql=$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$3")
    cat >"$f" <<JSON
{"view-uuid":"00000000-0000-4000-8000-00000000000$RANDOM","format-version":1,"location":"file://$WORK/v",
 "current-version-id":1,"versions":[{"version-id":1,"timestamp-ms":1,"schema-id":0,
 "summary":{"engine-name":"test"},"representations":[{"type":"sql","sql":$sql,"dialect":"duckdb"}],
 "default-namespace":["$1"]}],"version-log":[],"schemas":[{"type":"struct","schema-id":0,"fields":[]}],"properties":{}}
JSON
    sqlite3 "$FLOE_WAREHOUSE/catalog.db" "INSERT INTO iceberg_tables VALUES ('floe', '$1', '$2', 'file://$f', NULL, 'VIEW')"
}

# --- 3. a view's SQL is exactly one SELECT: a stored script is never run by
# readers, and the view fails only the queries that use it
floe namespace create v >/dev/null
make_view v evil "SELECT 1 AS one; COPY (SELECT 'owned') TO '$WORK/owned.csv'"
make_view v evil2 "COPY (SELECT 'owned') TO '$WORK/owned2.csv'"
make_view v good "WITH a AS (SELECT 1 AS x) SELECT x FROM a UNION ALL VALUES (2)"
make_view v on_good "SELECT sum(x) AS s FROM v.good"
assert_eq "other queries run" 42 "$(scalar 'SELECT 42')"
assert_eq "a script view ran nothing" "no" "$([ -e "$WORK/owned.csv" ] || [ -e "$WORK/owned2.csv" ] && echo yes || echo no)"
expect_fail "script view used" "catalog view v.evil cannot be read: it is 2 statements, not one SELECT" \
    floe query "SELECT * FROM v.evil"
expect_fail "COPY view used" "catalog view v.evil2 cannot be read: it is not one SELECT" \
    floe query "SELECT count(*) FROM v.evil2"
assert_eq "WITH/UNION/VALUES view, and a view on it" 3 "$(scalar 'SELECT s FROM v.on_good')"
assert_eq "no file written by any reader" "no" "$([ -e "$WORK/owned.csv" ] || [ -e "$WORK/owned2.csv" ] && echo yes || echo no)"
sqlite3 "$FLOE_WAREHOUSE/catalog.db" "DELETE FROM iceberg_tables WHERE iceberg_type = 'VIEW'"

# --- 4. one unreadable table fails only the statements that use it
floe namespace create b >/dev/null
for t in ok nometa trunc nodata nodata2 nullloc foreign; do
    floe sql "CREATE TABLE b.$t AS SELECT range AS x FROM range(3)" >/dev/null
done
floe sql "INSERT INTO b.nodata SELECT 10; INSERT INTO b.nodata2 SELECT 10" >/dev/null
rm "$(metadata_of b.nometa)"
meta=$(metadata_of b.trunc) && head -c 100 "$meta" >"$meta.tmp" && mv "$meta.tmp" "$meta"
# a view lists the newest file first: DuckDB misses the older one only when
# it scans, the newer one already when the view is made
rm "$(ls -tr "$FLOE_WAREHOUSE"/b/nodata/data/*.parquet | head -1)"
rm "$(ls -t "$FLOE_WAREHOUSE"/b/nodata2/data/*.parquet | head -1)"
sqlite3 "$FLOE_WAREHOUSE/catalog.db" "UPDATE iceberg_tables SET metadata_location = NULL WHERE table_name = 'nullloc';
  UPDATE iceberg_tables SET metadata_location = 'file:///etc/hostname' WHERE table_name = 'foreign'"
assert_eq "query of a good table" 3 "$(scalar 'SELECT count(*) FROM b.ok')"
floe sql "CREATE TABLE b.new AS SELECT * FROM b.ok" >/dev/null && pass || fail "sql beside broken tables"
assert_eq "script beside broken tables" 3 "$(scalar 'SELECT count(*) FROM b.new')"
for t in nometa trunc nullloc foreign; do
    expect_fail "broken $t, count" "table b.$t cannot be read" floe query "SELECT count(*) FROM b.$t"
done
for t in nodata nodata2; do
    expect_fail "missing data file of $t names the table" "table b.$t" \
        floe query "SELECT sum(x) FROM b.$t"
    grep -q "data_.*parquet" "$WORK/err" && pass || fail "missing data file not named: $(cat "$WORK/err")"
done

finish
