#!/bin/bash
# The sql catalog on PostgreSQL: a throwaway server (initdb into a temporary
# folder, run as an unprivileged user, on a free 127.0.0.1 port) holds the
# JDBC tables; data and metadata files stay in the local warehouse. Checks
# the password sources (URI, PGPASSWORD, .pgpass) and that no message shows
# the password, namespaces, tables (create, commit, read, drop --purge),
# views of a dbt run, the case rule, a read-only open, the lost-catalog
# check, the JDBC layout, and 8 processes x 25 INSERTs into one table
# (exactly 200 appends and 200 rows); and the catalog unit tests that hold
# for every backend, run on the server (FLOE_TEST_PG_URI). Skipped only when the PostgreSQL
# server binaries are not installed (scripts/setup.sh --test installs them).
source "$(dirname "$0")/lib.sh"

pgbin=""
for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && pgbin=$d
done
if [ -z "$pgbin" ]; then
    echo "SKIP: no PostgreSQL server binaries (/usr/lib/postgresql/*/bin: install postgresql)"
    exit 0
fi

# postgres refuses to run as root: the cluster belongs to nobody then
PG=$(mktemp -d "${TMPDIR:-/tmp}/floe-pg.XXXXXX")
if [ "$(id -u)" -eq 0 ]; then
    chown 65534:65534 "$PG"
    as_pg() { (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$PG" "$@"); }
else
    as_pg() { (cd / && env HOME="$PG" "$@"); }
fi
stop_pg() {
    [ -f "$PG/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$PG/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$PG" "$WORK"
}
trap stop_pg EXIT

PW=s3cret-pw
echo "$PW" >"$PG/pw"
chmod 644 "$PG/pw"
as_pg "$pgbin/initdb" -D "$PG/data" -U floe --pwfile="$PG/pw" --auth-host=scram-sha-256 --auth-local=trust --locale=C -E UTF8 >"$PG/initdb.log" 2>&1 ||
    { cat "$PG/initdb.log"; exit 1; }
mkdir "$PG/sock" && chown --reference="$PG/data" "$PG/sock"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg "$pgbin/pg_ctl" -D "$PG/data" -l "$PG/server.log" -w -t 30 \
    -o "-h 127.0.0.1 -p $port -k $PG/sock -c fsync=off -c synchronous_commit=off -c max_connections=60" \
    start >/dev/null || { cat "$PG/server.log"; exit 1; }
psql() { PGPASSWORD=$PW "$pgbin/psql" -X -q -t -A -h 127.0.0.1 -p "$port" -U floe "$@"; }
for db in cat other unit; do
    psql -d postgres -c "CREATE DATABASE $db" || { fail "create database $db"; finish; exit 1; }
done

# --- the catalog unit tests that hold for every backend, on this server
#     (through its socket, where it trusts its users: connecting is quick)
unit="$(dirname "$FLOE")/tests/test_catalog"
if [ -x "$unit" ]; then
    t0=$(date +%s)
    FLOE_TEST_PG_URI="postgresql://floe@/unit?host=$PG/sock&port=$port" "$unit" >"$WORK/unit.out" 2>&1 &&
        pass || fail "unit tests on PostgreSQL: $(grep -B1 -A3 'ERROR\|FAILED' "$WORK/unit.out" | head -30)"
    echo "(catalog unit tests on PostgreSQL: $(($(date +%s) - t0)) s)"
else
    echo "(no $unit: the unit tests on PostgreSQL not run)"
fi

URI="postgresql://floe:$PW@127.0.0.1:$port/cat"
export FLOE_CATALOG=$URI

# --- passwords: in the URI, PGPASSWORD, .pgpass; a wrong one is an error
#     that names the catalog and never shows a password
floe namespace create seeds >/dev/null 2>&1 && pass || fail "namespace create: password in the URI"
FLOE_CATALOG="postgres://floe@127.0.0.1:$port/cat" PGPASSWORD=$PW floe namespace create marts >/dev/null 2>&1 && pass || fail "PGPASSWORD"
printf '127.0.0.1:%s:cat:floe:%s\n' "$port" "$PW" >"$WORK/.pgpass"
chmod 600 "$WORK/.pgpass"
FLOE_CATALOG="postgresql://floe@127.0.0.1:$port/cat" PGPASSFILE="$WORK/.pgpass" floe namespace create marts.finance >/dev/null 2>&1 && pass || fail ".pgpass"
expect_fail "wrong password" "postgresql://floe@127.0.0.1:$port/cat: cannot connect" \
    env FLOE_CATALOG="postgresql://floe:wrong-pw@127.0.0.1:$port/cat" "$FLOE" tables
grep -q "wrong-pw" "$WORK/err" && fail "the password is shown: $(cat "$WORK/err")" || pass
assert_eq "namespaces" "marts seeds" "$(floe namespace list 2>&1 | tr '\n' ' ' | sed 's/ $//')"
floe namespace show marts.finance >/dev/null 2>&1 && pass || fail "nested namespace"

# --- tables: create, append, overwrite, read, history, drop --purge
floe sql "CREATE TABLE seeds.t AS SELECT range AS i FROM range(3)" >/dev/null 2>&1
floe sql "INSERT INTO seeds.t SELECT 10" >/dev/null 2>&1
assert_eq "rows after an append" 4 "$(scalar 'SELECT count(*) FROM seeds.t')"
floe sql "CREATE OR REPLACE TABLE seeds.t AS SELECT 7 AS i" >/dev/null 2>&1
assert_eq "rows after an overwrite" 7 "$(scalar 'SELECT sum(i) FROM seeds.t')"
assert_eq "snapshots" 3 "$(floe history seeds.t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')"
meta=$(metadata_of seeds.t)
[ -f "$meta" ] && [[ "$meta" == "$FLOE_WAREHOUSE/seeds/t/metadata/00002-"* ]] && pass || fail "metadata in the local warehouse: $meta"
assert_eq "the row points at it" "file://$meta" "$(psql -d cat -c "SELECT metadata_location FROM iceberg_tables WHERE table_namespace = 'seeds' AND table_name = 't'")"
third_party_check seeds.t
expect_fail "table that differs only in case" "differs only in case" floe sql "CREATE TABLE seeds.T AS SELECT 1 AS i"
expect_fail "namespace that differs only in case" "differs only in case" floe namespace create Seeds
expect_fail "namespace not empty" "not empty" floe namespace drop seeds
floe sql "CREATE TABLE seeds.gone AS SELECT 1 AS i" >/dev/null 2>&1
gone=$(dirname "$(dirname "$(metadata_of seeds.gone)")")
floe drop seeds.gone --purge >/dev/null 2>&1 && pass || fail "drop --purge"
[ ! -e "$gone" ] && pass || fail "purged files remain: $(find "$gone")"
assert_eq "tables" "seeds.t" "$(floe tables seeds 2>&1)"

# --- the JDBC layout (V1: with iceberg_type), catalog_name from ?name=
assert_eq "iceberg_tables columns" "catalog_name,table_namespace,table_name,metadata_location,previous_metadata_location,iceberg_type" \
    "$(psql -d cat -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'iceberg_tables'")"
assert_eq "iceberg_namespace_properties columns" "catalog_name,namespace,property_key,property_value" \
    "$(psql -d cat -c "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'iceberg_namespace_properties'")"
assert_eq "previous_metadata_location" "t" \
    "$(psql -d cat -c "SELECT previous_metadata_location LIKE '%/00001-%' FROM iceberg_tables WHERE table_name = 't'")"
floe --catalog "$URI?name=second" namespace create s2 >/dev/null 2>&1
assert_eq "a second catalog_name" "second" "$(psql -d cat -c "SELECT DISTINCT catalog_name FROM iceberg_namespace_properties WHERE namespace = 's2'")"
assert_eq "the first catalog does not see it" "marts seeds" "$(floe namespace list 2>&1 | tr '\n' ' ' | sed 's/ $//')"

# --- read-only, and a catalog database without tables beside a warehouse
#     that holds some
expect_fail "write through mode=ro" "read-only" floe --catalog "$URI?mode=ro" sql "INSERT INTO seeds.t SELECT 8"
assert_eq "mode=ro reads" 7 "$(FLOE_CATALOG="$URI?mode=ro" scalar 'SELECT sum(i) FROM seeds.t')"
OTHER="postgresql://floe:$PW@127.0.0.1:$port/other"
expect_fail "lost catalog" "has no catalog tables, but the warehouse holds Iceberg tables" floe --catalog "$OTHER" tables
assert_eq "nothing created in it" "0" "$(psql -d other -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'iceberg%'")"
expect_fail "mode=rw never creates" "mode=rw creates none" floe --catalog "$OTHER?mode=rw" tables
floe --catalog "$OTHER?mode=rwc" tables >/dev/null 2>&1 && pass || fail "mode=rwc"
assert_eq "mode=rwc created the tables" "2" "$(psql -d other -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'iceberg%'")"

# --- views: a dbt run's view model is an Iceberg view in the catalog
P="$WORK/proj"
mkdir -p "$P/models"
printf 'name: pgv\nversion: "1.0"\nconfig-version: 2\nprofile: pgv\n' >"$P/dbt_project.yml"
printf 'pgv:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: pgv.duckdb\n      threads: 2\n' >"$P/profiles.yml"
echo "{{ config(materialized='table') }} SELECT 1 AS id UNION ALL SELECT 2" >"$P/models/base.sql"
echo "{{ config(materialized='view') }} SELECT id * 10 AS x FROM {{ ref('base') }}" >"$P/models/v.sql"
rc=0
(cd "$P" && floe build >"$WORK/b.out" 2>&1) || rc=$?
assert_eq "dbt build" 0 "$rc"
assert_eq "the view row" "VIEW" "$(psql -d cat -c "SELECT iceberg_type FROM iceberg_tables WHERE table_name = 'v'")"
assert_eq "the view reads" 30 "$(scalar 'SELECT sum(x) FROM main.v')"
vmeta=$(psql -d cat -c "SELECT metadata_location FROM iceberg_tables WHERE table_name = 'v'")
node -e '
const m = JSON.parse(require("fs").readFileSync(process.argv[1].replace(/^file:\/\//, ""), "utf8"));
const v = m.versions.find((x) => x["version-id"] === m["current-version-id"]);
const ok = m["format-version"] === 1 && m["view-uuid"] && v && v.representations[0].dialect === "duckdb" &&
  m.schemas.some((s) => s["schema-id"] === v["schema-id"]) && m["version-log"].length === m.versions.length;
process.exit(ok ? 0 : 1);' "$vmeta" && pass || fail "view metadata: $(cat "${vmeta#file://}")"
(cd "$P" && floe run --select v >/dev/null 2>&1) && pass || fail "a second version of the view"
assert_eq "a second version" "t" "$(psql -d cat -c "SELECT metadata_location LIKE '%/metadata/00001-%' FROM iceberg_tables WHERE table_name = 'v'")"
expect_fail "table named as a view but for case" "differs only in case" floe sql "CREATE TABLE main.V AS SELECT 1 AS i"
floe drop main.v >/dev/null 2>&1 && pass || fail "drop the view"
assert_eq "the view is gone" "0" "$(psql -d cat -c "SELECT count(*) FROM iceberg_tables WHERE table_name = 'v'")"

# --- concurrent writers: 8 processes x 25 INSERTs into one table
floe namespace create c >/dev/null 2>&1
floe sql "CREATE TABLE c.t AS SELECT 0 AS w, 0 AS i WHERE false" >/dev/null 2>&1
writer() {
    local w=$1
    for i in $(seq 1 25); do
        "$FLOE" sql "INSERT INTO c.t SELECT $w, $i" >/dev/null 2>>"$WORK/writer$w.err" ||
            echo "writer $w insert $i failed" >>"$WORK/failed"
    done
}
t0=$(date +%s)
for w in 1 2 3 4 5 6 7 8; do writer $w & done
wait
echo "(8 x 25 concurrent INSERTs: $(($(date +%s) - t0)) s)"
[ -s "$WORK/failed" ] && fail "$(head -3 "$WORK/failed") $(tail -3 "$WORK"/writer*.err)" || pass
assert_eq "rows" 200 "$(scalar 'SELECT count(*) FROM c.t')"
assert_eq "distinct rows" 200 "$(scalar 'SELECT count(DISTINCT (w, i)) FROM c.t')"
assert_eq "appends in history" 200 "$(floe history c.t --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).filter(x=>x.operation==="append").length - 1))')"
finish
