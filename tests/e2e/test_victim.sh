#!/bin/bash
# Nothing outside what floe owns is touched: folders of precious files lie
# beside and above the warehouse and the dbt project, and inside both; every
# verb and every dbt config that takes a path or a name is pointed at them.
# Afterwards every precious file is intact (same names, same bytes).
source "$(dirname "$0")/lib.sh"

# the test's own records live outside $WORK, which is a victim too
SUMS=$(mktemp -d "${TMPDIR:-/tmp}/floe-victim-sums.XXXXXX")
trap 'rm -rf "$WORK" "$SUMS"' EXIT
VICTIM="$WORK/victim"
P="$WORK/proj"
WH="$WORK/wh"
export FLOE_WAREHOUSE="$WH"

plant() { # plant DIR: a few precious files, one in a subfolder
    mkdir -p "$1/sub"
    echo "precious $1" >"$1/precious.txt"
    echo "deep $1" >"$1/sub/deep.txt"
    printf 'PAR1' >"$1/data.parquet"
}
plant "$VICTIM"
plant "$WORK"
mkdir -p "$P/models" "$WH"
plant "$P/keep"
plant "$WH/keep"
echo "readme" >"$P/README.md"
echo "wh note" >"$WH/NOTE.txt"

snapshot() { (cd "$WORK" && find . -path ./wh/catalog.db -prune -o -type f -name '*' -print0 |
    grep -zE '(precious\.txt|deep\.txt|data\.parquet|README\.md|NOTE\.txt)$' |
    sort -z | xargs -0 sha256sum); }
snapshot >"$SUMS/before"
intact() {
    if snapshot | cmp -s - "$SUMS/before"; then pass; else
        fail "$1: precious files changed: $(snapshot | diff "$SUMS/before" - | head -5 | tr '\n' ' ')"
        # put them back so the next check judges its own case
        plant "$VICTIM"; plant "$WORK"; plant "$P/keep"; plant "$WH/keep"
        echo "readme" >"$P/README.md"; echo "wh note" >"$WH/NOTE.txt"
        [ -z "${FS_WH:-}" ] || { mkdir -p "$FS_WH/ns"; echo "precious ns" >"$FS_WH/ns/precious.txt"; }
    fi
}

profile() { mkdir -p "$P/models"; cat >"$P/profiles.yml" <<EOF
victim:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: ':memory:'
      threads: 1
      warehouse: "$WH"
EOF
}
profile
project() { # project NAME [EXTRA YAML]
    profile
    printf 'name: %s\nversion: "1.0"\nprofile: victim\n%s\n' "$1" "${2:-}" >"$P/dbt_project.yml"
}
model() { mkdir -p "$P/models"; printf '%s\n' "$2" >"$P/models/$1.sql"; }
build() { (cd "$P" && floe build "$@" >"$WORK/build.out" 2>&1); }

# ---- dbt external Iceberg tables at a location that is not floe's ----
project victim
for loc in "$VICTIM" "$P" "." "$WH" "$WORK" "keep"; do
    rm -f "$P/models/"*.sql
    project victim
    model ext "{{ config(materialized='external', format='iceberg', location='$loc') }} select 1 as i"
    build || true
    (cd "$P" && floe drop main.ext --purge >/dev/null 2>&1) || true
    intact "external iceberg at [$loc], built and purged"
done
rm -f "$P/models/"*.sql

# two tables may not share one location: purging one never breaks the other
model a "{{ config(materialized='external', format='iceberg', location='lake/shared') }} select 1 as i"
model b "{{ config(materialized='external', format='iceberg', location='lake/shared') }} select 2 as i"
build || true
if (cd "$P" && floe show main.a >/dev/null 2>&1 && floe show main.b >/dev/null 2>&1); then
    fail "two tables were created at one location"
else
    pass
fi
rm -f "$P/models/"*.sql

# ---- a catalog view whose SQL is a script: a dbt run that reads it ----
project victim
rm -f "$P/models/"*.sql
model v "{{ config(materialized='view') }} select 1 as i"
model m "{{ config(materialized='table') }} select * from {{ ref('v') }}"
build || fail "build of a view and a table over it: $(tail -3 "$WORK/build.out")"
vmeta=$(sqlite3 "$WH/catalog.db" "SELECT metadata_location FROM iceberg_tables WHERE table_name = 'v'" | sed 's|^file://||')
node -e '
const fs = require("fs"); const [f, v] = process.argv.slice(1);
const m = JSON.parse(fs.readFileSync(f, "utf8"));
for (const ver of m.versions) for (const r of ver.representations)
  r.sql = "select 1 as i; COPY (SELECT 42) TO \x27" + v + "/precious.txt\x27 (FORMAT csv)";
fs.writeFileSync(f, JSON.stringify(m));' "$vmeta" "$VICTIM"
build --select m || true
intact "a dbt run reading a catalog view whose SQL is a script"
rm -f "$P/models/"*.sql

# ---- names that would become paths ----
project "../victim"
model m "select 1 as i"
(cd "$P" && floe compile >/dev/null 2>&1) && fail "a project named ../victim compiled" || pass
intact "project name ../victim"
project "victim"

mkdir -p "$WORK/pkg/macros"
printf 'name: "../victim"\nversion: "1.0"\nconfig-version: 2\n' >"$WORK/pkg/dbt_project.yml"
printf 'packages:\n  - local: ../pkg\n' >"$P/packages.yml"
(cd "$P" && floe deps >/dev/null 2>&1) && fail "a package named ../victim installed" || pass
(cd "$P" && floe deps >/dev/null 2>&1) || true
intact "package name ../victim"
rm -f "$P/packages.yml"

# install, target, log and clean paths pointed at the victim folder
project victim "packages-install-path: ../victim
target-path: ../victim
log-path: ../victim
clean-targets: ['../victim', '$VICTIM']"
printf 'name: "pkg"\nversion: "1.0"\nconfig-version: 2\n' >"$WORK/pkg/dbt_project.yml"
printf 'packages:\n  - local: ../pkg\n' >"$P/packages.yml"
for verb in deps compile build clean deps; do
    (cd "$P" && floe $verb >/dev/null 2>&1) || true
    intact "paths of the project at the victim folder: floe $verb"
done
rm -f "$P/packages.yml"
project victim

# ---- the fs catalog: a namespace folder that holds other files ----
FS_WH="$WORK/fs_wh"
mkdir -p "$FS_WH"
floe --warehouse "$FS_WH" --catalog fs: namespace create ns >/dev/null
echo "precious ns" >"$FS_WH/ns/precious.txt"
snapshot >"$SUMS/before"
floe --warehouse "$FS_WH" --catalog fs: namespace drop ns >/dev/null 2>&1 &&
    fail "fs: a namespace folder of other files was dropped" || pass
intact "fs namespace drop"

# ---- purge trusts no path from metadata ----
floe namespace create ns >/dev/null
floe sql "CREATE TABLE ns.t AS SELECT 1 AS i" >/dev/null
floe sql "INSERT INTO ns.t VALUES (2)" >/dev/null
meta=$(metadata_of ns.t)
# a metadata log that names files outside the table
node -e '
const fs = require("fs"); const [f, v] = process.argv.slice(1);
const m = JSON.parse(fs.readFileSync(f, "utf8"));
m["metadata-log"].push({"timestamp-ms": 1, "metadata-file": "file://" + v + "/precious.txt"});
m["metadata-log"].push({"timestamp-ms": 2, "metadata-file": v + "/sub/deep.txt"});
m["statistics"] = [{"snapshot-id": m["current-snapshot-id"], "statistics-path": v + "/data.parquet",
  "file-size-in-bytes": 4, "file-footer-size-in-bytes": 4, "blob-metadata": []}];
fs.writeFileSync(f, JSON.stringify(m));' "$meta" "$VICTIM"
floe drop ns.t --purge >/dev/null 2>&1 || true
intact "purge of a table whose metadata names files outside it"

# ---- a table whose location is the warehouse root, by hand ----
floe sql "CREATE TABLE ns.w AS SELECT 1 AS i" >/dev/null
meta=$(metadata_of ns.w)
node -e '
const fs = require("fs"); const [f, w] = process.argv.slice(1);
const m = JSON.parse(fs.readFileSync(f, "utf8")); m.location = "file://" + w;
fs.writeFileSync(f, JSON.stringify(m));' "$meta" "$WH"
floe drop ns.w --purge >/dev/null 2>&1 || true
intact "purge of a table whose location is the warehouse root"

finish
