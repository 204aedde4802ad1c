#!/bin/bash
# Bad input and failures: each gives one clear error line naming the file,
# line, table or column, a non-zero exit, and leaves every table at its last
# good snapshot (asserted after each case).
source "$(dirname "$0")/lib.sh"

floe namespace create m 2>/dev/null
floe sql "CREATE TABLE m.t AS SELECT i, 'r' || i AS s FROM range(100) t(i)" 2>/dev/null
good=$(current_snapshot m.t)
still_good() {
    assert_eq "$1: snapshot unchanged" "$good" "$(current_snapshot m.t)"
    assert_eq "$1: rows unchanged" 100 "$(scalar 'SELECT count(*) FROM m.t')"
}
data_files() { find "$FLOE_WAREHOUSE/m/t/data" -name '*.parquet' | wc -l; }
files_before=$(data_files)

# malformed CSV: the error names the file and the line
printf 'id,name\n1,a\n2,b\n3,"unterminated\n4,d\n' >"$WORK/bad.csv"
expect_fail "malformed csv" "bad.csv" floe load m.csv "$WORK/bad.csv"
expect_fail "malformed csv left no table" "m.csv" floe show m.csv
# a bad row past DuckDB's sniffing sample: the error names the line
(printf 'id,name\n'; seq 1 30000 | sed 's/$/,x/'; printf '30001,y,z\n') >"$WORK/late.csv"
expect_fail "bad row late in the file" "Line: 30002" floe load m.late "$WORK/late.csv"
grep -q "late.csv" "$WORK/err" && pass || fail "late bad row: file not named: $(cat "$WORK/err")"
expect_fail "late bad row left no table" "m.late" floe show m.late
printf 'id,name\n1,a\n2,b,c\n' >"$WORK/bad2.csv"
expect_fail "extra column" "bad2.csv" floe load m.csv2 "$WORK/bad2.csv"
expect_fail "missing csv" "no such file" floe load m.x "$WORK/nope.csv"

# unknown table / namespace, table exists
expect_fail "unknown table" "m.nope" floe show m.nope
expect_fail "unknown table in query" "nope" floe query "SELECT * FROM m.nope"
expect_fail "unknown namespace" "namespace zz does not exist" floe sql "CREATE TABLE zz.t AS SELECT 1 AS a"
expect_fail "table exists" "already exists" floe sql "CREATE TABLE m.t AS SELECT 1 AS a"
still_good "exists"

# a type Iceberg cannot hold: the column and a working cast are named
expect_fail "interval column" '"d"' floe sql "CREATE TABLE m.iv AS SELECT INTERVAL 1 DAY AS d"
grep -q "INTERVAL" "$WORK/err" && grep -q "::" "$WORK/err" && pass || fail "interval: $(cat "$WORK/err")"
# CREATE TABLE with constraints an Iceberg table cannot keep: refused
expect_fail "primary key" "PRIMARY KEY constraint on id" floe sql "CREATE TABLE m.pk (id INTEGER PRIMARY KEY, b VARCHAR)"
expect_fail "primary key left no table" "m.pk" floe show m.pk
expect_fail "default value" 'column "b" has a DEFAULT' floe sql "CREATE TABLE m.df (id INTEGER, b INTEGER DEFAULT 3)"
expect_fail "ddl with an interval" '"d" has type INTERVAL' floe sql "CREATE TABLE m.ddl_iv (d INTERVAL)"
expect_fail "ddl table exists" "already exists" floe sql "CREATE TABLE m.t (a INTEGER)"
expect_fail "ddl in a missing namespace" "namespace zz does not exist" floe sql "CREATE TABLE zz.t (a INTEGER)"
still_good "ddl"

# full dotted field names must be unique (Java/PyIceberg reject the schema)
expect_fail "dotted name clash" '"a.b" AS a_b' floe sql "CREATE TABLE m.dots AS SELECT 1 AS \"a.b\", {'b': 2} AS a"
expect_fail "dotted name clash left no table" "m.dots" floe show m.dots
expect_fail "dotted name clash on replace" '"a.b"' floe sql "CREATE OR REPLACE TABLE m.t AS SELECT 1 AS \"a.b\", {'b': 2} AS a"
still_good "dotted names"
expect_fail "append of wrong width" "columns" floe sql "INSERT INTO m.t SELECT 1"
still_good "bad append"

# a failing query mid-write commits nothing and leaves no data files
expect_fail "failing query" "boom" floe sql "INSERT INTO m.t SELECT i, CASE WHEN i = 150000 THEN error('boom') ELSE 'x' END FROM range(300000) t(i)"
still_good "failing query"
assert_eq "no orphan data files" "$files_before" "$(data_files)"
# in a script, statements before the failing one stay committed
expect_fail "script stops at the failing statement" "statement 2 of 3" floe sql "CREATE TABLE m.a AS SELECT 1 AS x; INSERT INTO m.a SELECT error('bad'); INSERT INTO m.a SELECT 3"
assert_eq "first statement committed" 1 "$(scalar 'SELECT count(*) FROM m.a')"

# I/O faults at every write of an append: fail cleanly or succeed, never half
n=1
while :; do
    rc=0
    FLOE_FAULT_IO=$n "$FLOE" sql "INSERT INTO m.t SELECT 1000 + $n, 'f'" >/dev/null 2>"$WORK/err" || rc=$?
    if [ $rc -eq 0 ]; then break; fi
    if ! grep -q "injected I/O fault" "$WORK/err"; then fail "io fault $n: $(cat "$WORK/err")"; fi
    still_good "io fault $n"
    n=$((n + 1))
    [ $n -gt 50 ] && { fail "io faults never stopped failing"; break; }
done
[ $n -gt 1 ] && pass || fail "the write path passed no storage write through the fault seam"
assert_eq "rows after the last fault run" 101 "$(scalar 'SELECT count(*) FROM m.t')"
good=$(current_snapshot m.t)

# allocation faults: a sample of allocation numbers over a whole append
for n in 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597; do
    rc=0
    FLOE_FAULT_ALLOC=$n "$FLOE" sql "INSERT INTO m.t SELECT 5000, 'a'" >/dev/null 2>"$WORK/err" || rc=$?
    if [ $rc -ne 0 ]; then
        grep -q "out of memory" "$WORK/err" || fail "alloc fault $n: $(cat "$WORK/err")"
        assert_eq "alloc fault $n: snapshot unchanged" "$good" "$(current_snapshot m.t)"
    else
        good=$(current_snapshot m.t)
    fi
done
pass

# corrupt and truncated metadata / manifests: clear error naming the file
floe sql "CREATE TABLE m.c AS SELECT 1 AS a" 2>/dev/null
meta=$(metadata_of m.c)
cp "$meta" "$WORK/meta.bak"
printf '{"format-version": 2, "table-uuid": ' >"$meta"
expect_fail "truncated metadata" "$(basename "$meta")" floe query "SELECT * FROM m.c"
printf '{"format-version": 2}' >"$meta"
expect_fail "incomplete metadata" "table-uuid" floe show m.c
cp "$WORK/meta.bak" "$meta"
manifest=$(ls "$FLOE_WAREHOUSE"/m/c/metadata/*-m0.avro | head -1)
head -c 100 "$manifest" >"$WORK/trunc.avro" && cp "$WORK/trunc.avro" "$manifest"
expect_fail "truncated manifest" "$(basename "$manifest")" floe query "SELECT * FROM m.c"
list=$(ls "$FLOE_WAREHOUSE"/m/c/metadata/snap-*.avro | head -1)
printf 'garbage' >"$list"
expect_fail "corrupt manifest list" "$(basename "$list")" floe query "SELECT * FROM m.c"
floe drop m.c 2>/dev/null

# a locked catalog: another process holds the write lock past the timeout
# (the writer reads and writes its data files unhindered, and waits at its
# commit: the lock is held until the writer has failed)
lock_catalog
expect_fail "locked catalog" "locked" floe sql "INSERT INTO m.t SELECT 7000, 'l'"
unlock_catalog
assert_eq "locked: snapshot unchanged" "$good" "$(current_snapshot m.t)"

# a read-only catalog
expect_fail "read-only catalog" "read-only" floe --catalog "sqlite:$FLOE_WAREHOUSE/catalog.db?mode=ro" sql "INSERT INTO m.t SELECT 7001, 'r'"
assert_eq "read-only: snapshot unchanged" "$good" "$(current_snapshot m.t)"
assert_eq "read-only catalog still reads" 1 "$(floe --catalog "sqlite:$FLOE_WAREHOUSE/catalog.db?mode=ro" query --json 'SELECT count(*) AS n FROM m.a' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"

# every table left behind is still valid for a third-party reader
third_party_check m.t
third_party_check m.a

# usage errors exit 2
rc=0; floe load >/dev/null 2>&1 || rc=$?
assert_eq "usage exit code" 2 "$rc"
rc=0; floe query "SELECT 1" --bogus >/dev/null 2>"$WORK/usage.err" || rc=$?
assert_eq "unknown option exit code" 2 "$rc"
assert_eq "unknown option message" "floe: unknown option --bogus for query (see 'floe query --help')" "$(cat "$WORK/usage.err")"
rc=0; floe --bogus >/dev/null 2>"$WORK/usage.err" || rc=$?
assert_eq "unknown global option message" "floe: unknown option --bogus (see 'floe --help')" "$(cat "$WORK/usage.err")"
finish
