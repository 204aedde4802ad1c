#!/bin/bash
# Hazards of the catalog layer, as a user meets them: a purge deletes only
# what the table owns; a table's location is a folder of its own; an fs
# namespace drop leaves other files alone; names that differ only in case,
# or that no verb can address, are refused; a broken table drops; readers
# neither wait for a writer nor need write access; a lost catalog file is
# an error, not a new empty catalog; an fs table whose hint lags behind (a
# writer killed between its two steps) still reads, commits and drops.
source "$(dirname "$0")/lib.sh"

# fresh WAREHOUSE: each part on a warehouse of its own, with table m.a
fresh() {
    export FLOE_WAREHOUSE="$WORK/$1"
    WH="$FLOE_WAREHOUSE" DB="$FLOE_WAREHOUSE/catalog.db"
    floe namespace create m 2>/dev/null
    floe sql "CREATE TABLE m.a AS SELECT 1 AS x" 2>/dev/null
}

location_of() { floe show "$1" --json | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  console.log(JSON.parse(s).location.replace(/^file:\/\//, "")); });'; }

# --- 1. purge deletes what the table's metadata reaches, nothing else
fresh purge
floe sql "CREATE TABLE m.p AS SELECT range AS i FROM range(10)" 2>/dev/null
floe sql "INSERT INTO m.p SELECT 10" 2>/dev/null
loc=$(location_of m.p)
echo "a user's notes" >"$loc/notes.txt"
echo "no metadata reaches this" >"$loc/data/stray.parquet"
rc=0
floe drop m.p --purge >"$WORK/out" 2>"$WORK/err" || rc=$?
assert_eq "purge exit" 0 "$rc"
[ -f "$loc/notes.txt" ] && [ -f "$loc/data/stray.parquet" ] && pass ||
    fail "purge deleted files the table does not own: $(find "$loc" 2>&1)"
assert_eq "purge deleted the table's own files" "" \
    "$(find "$loc" -name '*.avro' -o -name '*.metadata.json' -o -name 'data_*' 2>&1)"
grep -q "kept its location" "$WORK/err" && pass || fail "no warning about what was kept: $(cat "$WORK/err")"
expect_fail "purged table is gone" "m.p" floe show m.p

# a catalog row pointing at another table's metadata (a foreign pointer, or
# two tables at one location): the purge keeps what the other table reaches
ameta=$(sqlite3 "$DB" "SELECT metadata_location FROM iceberg_tables WHERE table_name = 'a'")
sqlite3 "$DB" "INSERT INTO iceberg_tables VALUES ('floe', 'm', 'twin', '$ameta', NULL, 'TABLE')"
rc=0
floe drop m.twin --purge >/dev/null 2>"$WORK/err" || rc=$?
assert_eq "purge of a table sharing files: exit" 0 "$rc"
assert_eq "the table sharing the files still reads" 1 "$(scalar 'SELECT count(*) FROM m.a')"

# metadata whose location is the warehouse root: only the table's files go
floe sql "CREATE TABLE m.w AS SELECT 1 AS x" 2>/dev/null
wmeta=$(metadata_of m.w)
sed -i "s|\"location\":\"[^\"]*\"|\"location\":\"file://$WH\"|" "$wmeta"
assert_eq "metadata now names the warehouse" "$WH" "$(location_of m.w)"
floe drop m.w --purge >/dev/null 2>&1
[ -f "$DB" ] && pass || fail "purge deleted the catalog"
assert_eq "other tables survive a purge at the warehouse root" 1 "$(scalar 'SELECT count(*) FROM m.a')"
[ ! -e "$wmeta" ] && pass || fail "purge left the table's metadata file"

# a purge while another writer adds files to the folder: the drop is done,
# so it succeeds and says what it kept
floe sql "CREATE TABLE m.busy AS SELECT range AS i FROM range(1000)" 2>/dev/null
bloc=$(location_of m.busy)
(i=0; while [ ! -e "$WORK/stop" ] && [ $i -lt 20000 ]; do : >"$bloc/data/w$i" 2>/dev/null; i=$((i + 1)); done) &
writer=$!
rc=0
floe drop m.busy --purge >/dev/null 2>"$WORK/err" || rc=$?
touch "$WORK/stop"
wait $writer || true
assert_eq "purge beside a writer: exit" 0 "$rc"
expect_fail "purged beside a writer: gone" "m.busy" floe show m.busy

# --- 1b. a new table's location must be a folder of its own
P="$WORK/proj"
mkdir -p "$P/models" "$P/lake"
printf 'name: hz\nversion: "1.0"\nconfig-version: 2\nprofile: hz\n' >"$P/dbt_project.yml"
printf 'hz:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: hz.duckdb\n      threads: 1\n' >"$P/profiles.yml"
ice() { printf "{{ config(materialized='external', format='iceberg', location='%s') }}\nselect 1 as a\n" "$2" >"$P/models/$1.sql"; }
ice in_project .
ice in_warehouse "$WH"
ice one lake/one
ice twin lake/one
ice nested lake/one/inner
echo "a file" >"$P/lake/notes.txt"
ice in_lake lake
build() { (cd "$P" && floe build --select "$1" >"$WORK/b.out" 2>&1) || true; }
build in_project
grep -q "table location $P is not empty" "$WORK/b.out" && pass || fail "a table at the project folder: $(cat "$WORK/b.out")"
[ -f "$P/dbt_project.yml" ] && [ -z "$(ls "$P/data" 2>/dev/null)" ] && pass || fail "files written at the project folder"
build one
grep -q "PASS=1 WARN=0 ERROR=0" "$WORK/b.out" && pass || fail "one: $(cat "$WORK/b.out")"
build in_warehouse
grep -q "holds the warehouse" "$WORK/b.out" && pass || fail "a table at the warehouse: $(cat "$WORK/b.out")"
build twin
grep -q "is in use by table main.one" "$WORK/b.out" && pass || fail "two tables at one location: $(cat "$WORK/b.out")"
build nested
grep -q "lies inside table main.one" "$WORK/b.out" && pass || fail "a table inside another: $(cat "$WORK/b.out")"
build in_lake
grep -q "holds table main.one" "$WORK/b.out" && pass || fail "a table around another: $(cat "$WORK/b.out")"

# --- 2. fs: a namespace folder holding other files is not dropped
FS="$WORK/fswh"
fsfloe() { floe --catalog fs: --warehouse "$FS" "$@"; }
fsfloe namespace create docs 2>/dev/null
echo "id" >"$FS/docs/readme.csv"
expect_fail "fs namespace with other files" "not empty" fsfloe namespace drop docs
[ -f "$FS/docs/readme.csv" ] && pass || fail "namespace drop deleted a file that is no table"
rm "$FS/docs/readme.csv"
fsfloe namespace drop docs 2>/dev/null
[ ! -e "$FS/docs" ] && pass || fail "empty fs namespace not dropped"

# --- 3. one rule for names: case clashes and unaddressable names refused
fresh names
floe sql "CREATE TABLE m.Good AS SELECT 1 AS x" 2>/dev/null
expect_fail "table differing only in case" "m.good differs only in case from table m.Good" \
    floe sql "CREATE TABLE m.good AS SELECT 2 AS x"
expect_fail "table name with a dot" "cannot contain '.'" floe sql 'CREATE TABLE m."a.b" AS SELECT 1 AS x'
expect_fail "namespace differing only in case" "namespace M differs only in case from m" \
    floe namespace create M
assert_eq "one table Good" "m.Good" "$(floe tables m | grep -i good)"
fsfloe namespace create k 2>/dev/null
fsfloe sql "CREATE TABLE k.T AS SELECT 1 AS x" 2>/dev/null
expect_fail "fs: table differing only in case" "differs only in case" \
    fsfloe sql "CREATE TABLE k.t AS SELECT 1 AS x"

# --- 4. a broken table drops
fresh broken
for t in trunc missing nul foreign; do floe sql "CREATE TABLE m.$t AS SELECT 1 AS x" 2>/dev/null; done
head -c 20 "$(metadata_of m.trunc)" >"$WORK/t" && cp "$WORK/t" "$(metadata_of m.trunc)"
rm "$(metadata_of m.missing)"
sqlite3 "$DB" "UPDATE iceberg_tables SET metadata_location = NULL WHERE table_name = 'nul'"
sqlite3 "$DB" "UPDATE iceberg_tables SET metadata_location = 's3://elsewhere/v1.metadata.json' WHERE table_name = 'foreign'"
for t in trunc nul; do
    rc=0
    floe drop m.$t >/dev/null 2>"$WORK/err" || rc=$?
    assert_eq "drop of broken m.$t" "0" "$rc"
done
mloc=$(sqlite3 "$DB" "SELECT metadata_location FROM iceberg_tables WHERE table_name = 'missing'" | sed 's|^file://||')
for t in missing foreign; do
    rc=0
    floe drop m.$t --purge >/dev/null 2>"$WORK/err" || rc=$?
    assert_eq "drop --purge of broken m.$t" 0 "$rc"
done
grep -q "cannot be read" "$WORK/err" && pass || fail "purge of an unreadable table says nothing: $(cat "$WORK/err")"
assert_eq "broken tables gone" "" "$(sqlite3 "$DB" "SELECT table_name FROM iceberg_tables WHERE table_name IN ('trunc', 'missing', 'nul', 'foreign')")"

# --- 5. readers never wait for a writer, nor need write access
fresh readers
floe sql "CREATE TABLE m.Good AS SELECT 1 AS x" 2>/dev/null
python3 - "$DB" "$WORK/locked" <<'EOF' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE iceberg_tables SET catalog_name = catalog_name WHERE 0")
open(sys.argv[2], "w").close()
time.sleep(8)
c.execute("ROLLBACK")
EOF
locker=$!
for _ in $(seq 50); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
t0=$(date +%s%N)
assert_eq "tables while a writer holds the lock" "m.Good" "$(floe tables m 2>&1 | grep Good)"
assert_eq "query while a writer holds the lock" 1 "$(scalar 'SELECT count(*) FROM m.a' 2>&1)"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -lt 4000 ] && pass || fail "readers waited for the writer: ${ms} ms"
wait $locker || true

# another user's warehouse, which this user may read but not write
if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    chmod 755 "$WORK"
    # the build may lie in a folder only its owner can enter (a private
    # temporary clone): the other user runs a copy of floe and its DuckDB
    mkdir -p "$WORK/bin/lib"
    cp "$FLOE" "$WORK/bin/floe"
    cp "$(ldd "$FLOE" | awk '/libduckdb/ { print $3 }')" "$WORK/bin/lib/"
    chmod -R a+rX "$WORK/bin"
    ro() { (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/ \
        LD_LIBRARY_PATH="$WORK/bin/lib" "$WORK/bin/floe" --warehouse "$WH" "$@"); }
    assert_eq "tables of a read-only warehouse" "m.Good" "$(ro tables m 2>&1 | grep Good)"
    assert_eq "query of a read-only warehouse" 1 "$(ro query --json 'SELECT count(*) AS n FROM m.a' 2>&1 | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{console.log(JSON.parse(s)[0].n)}catch(e){console.log(s)}})')"
    expect_fail "write to a read-only warehouse" "m.a" ro sql "INSERT INTO m.a SELECT 2"
    assert_eq "read-only: nothing written" 1 "$(scalar 'SELECT count(*) FROM m.a')"
else
    echo "(setpriv cannot switch users here: read-only warehouse not checked)"
fi

# --- 6. a lost catalog file is an error, not a new empty catalog
fresh lost
cp "$DB" "$WORK/catalog.bak"
rm -f "$DB" "$DB-wal" "$DB-shm"
expect_fail "deleted catalog" "does not exist, but the warehouse holds Iceberg tables" floe tables
[ ! -e "$DB" ] && pass || fail "a new catalog was made beside the tables"
: >"$DB"
expect_fail "zero-byte catalog" "is an empty file, but the warehouse holds Iceberg tables" floe tables
assert_eq "zero-byte catalog left alone" 0 "$(stat -c %s "$DB")"
rm -f "$DB"
floe --catalog "sqlite:$DB?mode=rwc" namespace list >/dev/null 2>&1 && pass || fail "mode=rwc did not make a catalog"
expect_fail "mode=rw never creates" "mode=rw creates none" floe --catalog "sqlite:$WORK/none.db?mode=rw" tables
cp "$WORK/catalog.bak" "$DB"
rm -f "$DB-wal" "$DB-shm"
assert_eq "restored catalog reads" 1 "$(scalar 'SELECT count(*) FROM m.a')"
assert_eq "a new warehouse gets a catalog" "" "$(floe --warehouse "$WORK/new" tables 2>&1)"

# --- 7. fs: a writer killed between linking vN and writing the hint
fsfloe sql "CREATE TABLE k.V AS SELECT 1 AS x" 2>/dev/null
md="$FS/k/V/metadata"
fsfloe sql "INSERT INTO k.V SELECT 2" 2>/dev/null
rm "$md/version-hint.text"
assert_eq "fs: no hint, the highest version reads" 2 "$(fsfloe query --json 'SELECT count(*) AS n FROM k.V' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"
echo garbage >"$md/version-hint.text"
assert_eq "fs: garbage hint, the highest version reads" 2 "$(fsfloe query --json 'SELECT count(*) AS n FROM k.V' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"
: >"$md/v3.metadata.json" # a version another writer has not finished
fsfloe sql "INSERT INTO k.V SELECT 3" 2>/dev/null
[ -s "$md/v4.metadata.json" ] && pass || fail "fs: commit did not go after the highest version: $(ls "$md")"
assert_eq "fs: hint after the commit" 4 "$(cat "$md/version-hint.text")"
assert_eq "fs: rows after the commit" 3 "$(fsfloe query --json 'SELECT count(*) AS n FROM k.V' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"
# killed while creating: v1 linked, no hint yet
fsfloe sql "CREATE TABLE k.half AS SELECT 1 AS x" 2>/dev/null
rm "$FS/k/half/metadata/version-hint.text"
assert_eq "fs: a table without its first hint is listed" "k.half" "$(fsfloe tables k | grep half)"
expect_fail "fs: a table without its first hint exists" "already exists" fsfloe sql "CREATE TABLE k.half AS SELECT 1 AS x"
fsfloe drop k.half --purge >/dev/null 2>&1 && pass || fail "fs: a table without its first hint does not drop"
[ ! -e "$FS/k/half" ] && pass || fail "fs: purge left $(find "$FS/k/half")"
ls "$md" | grep -q '^v[0-9]*\.metadata\.json\.' && fail "fs: temp files left: $(ls "$md")" || pass
find "$FS" -name 'v*.metadata.json' -size 0 | grep -v '/k/V/metadata/v3.metadata.json' | grep -q . &&
    fail "fs: zero-byte metadata: $(find "$FS" -name 'v*.metadata.json' -size 0)" || pass

finish
