#!/bin/bash
# Hostile dbt input: names that would make paths, templates and YAML that
# would exhaust the stack or memory, and odd inputs to floe load. Each is
# one clear error naming the file (and line), and nothing outside the
# project's own target/, logs/ and dbt_packages/ is written or deleted.
source "$(dirname "$0")/lib.sh"
P="$WORK/proj"

# a fresh small project in $P
new_project() {
    rm -rf "$P"
    mkdir -p "$P/models"
    printf 'name: hz\nprofile: hz\n' >"$P/dbt_project.yml"
    printf 'hz:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n' >"$P/profiles.yml"
    printf 'select 1 as x\n' >"$P/models/m.sql"
}

# a folder beside the project that no name may reach
mkdir -p "$WORK/victim"
echo keep >"$WORK/victim/file"
victim_intact() {
    assert_eq "$1: folder beside the project untouched" "keep" "$(cat "$WORK/victim/file" 2>/dev/null)"
    rm -rf "$WORK/victim"
    mkdir -p "$WORK/victim"
    echo keep >"$WORK/victim/file"
}

# ---- names that become paths ----

# a local package whose name climbs out of dbt_packages/
new_project
mkdir -p "$P/pkg/macros"
printf 'name: "../../victim"\n' >"$P/pkg/dbt_project.yml"
printf '{%% macro hi() %%}hi{%% endmacro %%}\n' >"$P/pkg/macros/m.sql"
printf 'packages:\n  - local: pkg\n' >"$P/packages.yml"
cd "$P"
expect_fail "package name with ../" "pkg/dbt_project.yml: '../../victim' is not a valid package name" floe deps
victim_intact "deps"
expect_fail "package name with ../ again" "is not a valid package name" floe deps
victim_intact "deps twice"

# a good local package is a symlink, as dbt deps makes it; deps again
# replaces the link and never empties the package folder
printf 'name: kit\n' >"$P/pkg/dbt_project.yml"
floe deps >"$WORK/deps.out" 2>&1 && pass || fail "deps: $(cat "$WORK/deps.out")"
[ -L "$P/dbt_packages/kit" ] && pass || fail "local package not a symlink: $(ls -la "$P/dbt_packages")"
floe deps >"$WORK/deps.out" 2>&1 && pass || fail "deps again: $(cat "$WORK/deps.out")"
[ -f "$P/pkg/macros/m.sql" ] && pass || fail "deps again emptied the package folder"
printf 'select {{ kit.hi() }} as x\n' >"$P/models/m.sql"
floe compile >"$WORK/c.out" 2>&1 && pass || fail "compile with the linked package: $(cat "$WORK/c.out")"
# a package folder inside its own install location is not deleted
printf 'packages:\n  - local: dbt_packages/inner\n' >"$P/packages.yml"
rm "$P/dbt_packages/kit"
mkdir -p "$P/dbt_packages/inner/macros"
printf 'name: inner\n' >"$P/dbt_packages/inner/dbt_project.yml"
expect_fail "package in its install location" "lies in its install location" floe deps
[ -f "$P/dbt_packages/inner/dbt_project.yml" ] && pass || fail "the package folder was deleted"
# packages-install-path outside the project
printf 'packages:\n  - local: pkg\n' >"$P/packages.yml"
printf 'name: hz\nprofile: hz\npackages-install-path: ../victim\n' >"$P/dbt_project.yml"
expect_fail "packages-install-path outside" "packages-install-path '../victim' must be a folder inside the project" floe deps
victim_intact "packages-install-path"

# a project name or target-path with ../ would write compiled SQL outside target/
new_project
cd "$P"
printf 'name: "../../../victim"\nprofile: hz\n' >"$P/dbt_project.yml"
expect_fail "project name with ../" "dbt_project.yml: '../../../victim' is not a valid project name" floe compile
[ ! -e "$WORK/victim/models" ] && pass || fail "compiled SQL written beside the project"
printf 'name: 1hz\nprofile: hz\n' >"$P/dbt_project.yml"
expect_fail "project name starting with a digit" "'1hz' is not a valid project name" floe ls
for key in target-path log-path packages-install-path; do
    printf 'name: hz\nprofile: hz\n%s: ../victim\n' "$key" >"$P/dbt_project.yml"
    expect_fail "$key outside" "$key '../victim' must be a folder inside the project" floe compile
    printf 'name: hz\nprofile: hz\n%s: /tmp\n' "$key" >"$P/dbt_project.yml"
    expect_fail "$key absolute" "$key '/tmp' must be a folder inside the project" floe compile
done
victim_intact "project paths"

# an alias or schema is a file or folder name (external files, the warehouse)
new_project
cd "$P"
printf "{{ config(materialized='external', alias='../../victim/file') }}\nselect 1 as x\n" >"$P/models/m.sql"
expect_fail "alias with ../" "models/m.sql: alias '../../victim/file' cannot name a file" floe run
victim_intact "alias"
printf "{{ config(schema='../x') }}\nselect 1 as x\n" >"$P/models/m.sql"
expect_fail "schema with /" "models/m.sql: schema 'main_../x' cannot name a file" floe ls
# a test's own name is its compiled file's name
printf 'select 1 as x\n' >"$P/models/m.sql"
printf 'models:\n  - name: m\n    columns:\n      - name: x\n        tests:\n          - not_null:\n              name: "../../../../victim/t"\n' >"$P/models/schema.yml"
expect_fail "test name with /" "models/schema.yml: test name '../../../../victim/t' cannot name a file" floe compile
victim_intact "test name"
rm "$P/models/schema.yml"
# a model folder outside the project is read, but its compiled SQL is not
# written outside target/compiled
mkdir -p "$WORK/shared/models"
printf 'select 2 as y\n' >"$WORK/shared/models/s.sql"
printf 'name: hz\nprofile: hz\nmodel-paths: ["models", "../shared/models"]\n' >"$P/dbt_project.yml"
rc=0
floe compile >"$WORK/c.out" 2>&1 || rc=$?
assert_eq "compile of a model outside the project: exit" 1 "$rc"
grep -q "would lie outside target/compiled" "$WORK/c.out" && pass || fail "outside model path: $(cat "$WORK/c.out")"
[ -z "$(find "$WORK" -path "$P" -prune -o -name s.sql -newer "$WORK/shared/models/s.sql" -print)" ] && pass || fail "compiled SQL written outside target/"

# ---- templates ----

# 15,000 nested parentheses or brackets, a macro calling itself: an error
# naming the file and line, not a crash
new_project
cd "$P"
for open_close in "( )" "[ ]"; do
    set -- $open_close
    { printf 'select 1 as x\n{{ '; head -c 15000 /dev/zero | tr '\0' "$1"; printf 1; head -c 15000 /dev/zero | tr '\0' "$2"; printf ' }}\n'; } >"$P/models/deep.sql"
    expect_fail "15000 nested $1" "models/deep.sql:2: expression nested too deeply" floe ls
done
printf '{%% macro again() %%}{{ again() }}{%% endmacro %%}\nselect {{ again() }}\n' >"$P/models/deep.sql"
expect_fail "macro calling itself" "macro again: calls nested too deeply" floe ls
# a string past floe's limit is an error, not a shorter string
printf "select 1 as x\n-- {{ ('x' * 1000000) * 1000 }}\n" >"$P/models/deep.sql"
expect_fail "huge string repetition" "models/deep.sql:2: '*': the string would be longer than 256 MiB" floe ls
printf "select length('{{ 'ab' * 150000 }}') as n\n" >"$P/models/deep.sql"
floe compile >"$WORK/c.out" 2>&1 && pass || fail "compile of a long repetition: $(cat "$WORK/c.out")"
assert_eq "repetition beyond 100,000 is not cut" 300023 "$(wc -c <"$P/target/compiled/hz/models/deep.sql")"

# a FIFO among the models or properties files is an error, not a wait
mkfifo "$P/models/f.sql"
expect_fail "FIFO model" "models/f.sql: not a regular file" timeout 20 "$FLOE" ls
rm "$P/models/f.sql"
mkfifo "$P/models/f.yml"
expect_fail "FIFO properties file" "models/f.yml: not a regular file" timeout 20 "$FLOE" ls
rm "$P/models/f.yml"

# ---- YAML ----

# an alias bomb in a properties file: an error naming the file, in little
# memory (the subshell's limit keeps a regression from taking the machine)
new_project
cd "$P"
{
    echo 'a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'
    for i in $(seq 1 12); do
        printf 'a%d: &a%d [' "$i" "$i"
        for k in 1 2 3 4 5 6 7 8 9; do printf '%s*a%d' "$([ "$k" = 1 ] || echo ', ')" $((i - 1)); done
        echo ']'
    done
    printf 'models:\n  - name: m\n'
} >"$P/models/bomb.yml"
# (not under AddressSanitizer, which reserves terabytes of address space)
limit="ulimit -v 2000000;"
if ldd "$FLOE" 2>/dev/null | grep -q libasan; then limit=""; fi
expect_fail "YAML alias bomb" "models/bomb.yml:7: YAML alias *a5 expands too far" bash -c "$limit"' "$FLOE" ls'
rm "$P/models/bomb.yml"
# anchors as dbt projects use them still work
printf 'cols: &cols\n  - name: x\n    tests: [not_null]\nmodels:\n  - name: m\n    columns: *cols\n' >"$P/models/schema.yml"
assert_eq "anchors in a properties file" "hz.m
hz.not_null_m_x" "$(floe ls 2>&1)"
rm "$P/models/schema.yml"

# ---- floe load: regular files, or an explicit glob ----

cd "$WORK"
floe namespace create ld >/dev/null 2>&1
mkdir -p "$WORK/csvs"
printf 'a,b\n1,2\n' >"$WORK/csvs/one.csv"
printf 'b,a\n4,3\n' >"$WORK/csvs/two.csv"
expect_fail "load of a directory" "load $WORK/csvs/: a directory, not a CSV file (to load every CSV in it, give a glob such as '$WORK/csvs/*.csv')" floe load ld.dir "$WORK/csvs/"
expect_fail "directory loaded nothing" "ld.dir" floe show ld.dir
mkfifo "$WORK/fifo"
expect_fail "load of a FIFO" "load $WORK/fifo: not a regular file (a FIFO)" timeout 20 "$FLOE" load ld.fifo "$WORK/fifo"
expect_fail "load of /dev/zero" "load /dev/zero: not a regular file (a device)" floe load ld.zero /dev/zero
expect_fail "glob without a match" "no file matches" floe load ld.none "$WORK/csvs/*.tsv"
# an explicit glob loads every file it matches, columns matched by name
floe load ld.glob "$WORK/csvs/*.csv" >/dev/null 2>&1 && pass || fail "load of a glob"
assert_eq "glob rows by column name" "1:2,3:4" "$(scalar "SELECT string_agg(a || ':' || b, ',' ORDER BY a) FROM ld.glob")"
# a file failing late in a glob is named, not the pattern
(printf 'a,b\n'; seq 1 30000 | sed 's/$/,x/'; printf '30001,y,z\n') >"$WORK/csvs/three.csv"
expect_fail "failing file of a glob" "load $WORK/csvs/three.csv: " floe load ld.bad "$WORK/csvs/*.csv"
grep -q "Line: 30002" "$WORK/err" && pass || fail "failing file: line not named: $(cat "$WORK/err")"
expect_fail "glob of files without a header" "files without a header load one at a time" floe load --no-header ld.nh "$WORK/csvs/*.csv"

# floe clean removes a project's target/ and logs/, and nothing of a folder
# that is no dbt project
mkdir -p "$WORK/notproj/target" "$WORK/notproj/logs"
echo mine >"$WORK/notproj/target/mine"
expect_fail "clean outside a project" "not a dbt project" floe clean --project-dir "$WORK/notproj"
[ -f "$WORK/notproj/target/mine" ] && pass || fail "clean deleted a folder it did not create"

finish
