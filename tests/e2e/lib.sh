# Shared helpers of the end-to-end tests: each test gets a fresh warehouse in
# a temporary directory (removed at exit) and drives the real floe binary.
set -euo pipefail
: "${FLOE:?FLOE must point at the floe binary}"
: "${FLOE_TESTS_DIR:?}"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/floe-e2e.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export FLOE_WAREHOUSE="$WORK/warehouse"
unset FLOE_CATALOG
export NO_COLOR=1
JS="$FLOE_TESTS_DIR/js"
failures=0
checks=0

floe() { "$FLOE" "$@"; }

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

pass() { checks=$((checks + 1)); }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    if [ "$2" == "$3" ]; then pass; else fail "$1: expected [$2], got [$3]"; fi
}

# scalar "SQL": the single value of a one-row, one-column query
scalar() {
    floe query --json "$1" | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  const rows = JSON.parse(s); const v = Object.values(rows[0])[0];
  console.log(v === null ? "NULL" : String(v)); });'
}

# expect_fail "DESCRIPTION" "EXPECTED STDERR SUBSTRING" CMD...: the command
# must exit non-zero with a one-line error containing the substring.
expect_fail() {
    local what=$1 needle=$2 rc=0
    shift 2
    "$@" >"$WORK/out" 2>"$WORK/err" || rc=$?
    if [ "$rc" -eq 0 ]; then
        fail "$what: expected failure, got exit 0"
        return
    fi
    if ! grep -qF -- "$needle" "$WORK/err"; then
        fail "$what: stderr lacks [$needle]: $(cat "$WORK/err")"
        return
    fi
    if grep -q "Sanitizer" "$WORK/err"; then
        fail "$what: sanitizer report: $(head -20 "$WORK/err")"
        return
    fi
    if [ "$(grep -c 'error' "$WORK/err")" -gt 1 ]; then
        fail "$what: more than one error line: $(cat "$WORK/err")"
        return
    fi
    pass
}

metadata_of() { floe show "$1" --json | node -e '
let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
  console.log(JSON.parse(s).metadata_location.replace(/^file:\/\//, "")); });'; }

# snapshot ids are 63-bit: read them as text, not through a JS number
current_snapshot() { floe show "$1" --json | sed -n 's/^  "current_snapshot_id": \([0-9-]*\|null\),$/\1/p'; }

# third_party_check NS.TABLE: icebird reads the table and must return the
# same rows as floe; avsc decodes every manifest list and manifest and the
# spec checks pass.
third_party_check() {
    local t=$1 meta
    meta=$(metadata_of "$t")
    if ! node "$JS/check_avro.mjs" "$meta" >"$WORK/avro.out" 2>&1; then
        fail "$t: spec check: $(cat "$WORK/avro.out")"
        return
    fi
    if ! node "$JS/read_table.mjs" "$meta" >"$WORK/icebird.jsonl" 2>"$WORK/icebird.err"; then
        fail "$t: icebird could not read it: $(cat "$WORK/icebird.err")"
        return
    fi
    floe query --json --max-rows 0 "SELECT * FROM $t" >"$WORK/floe.json"
    if ! node "$JS/compare_rows.mjs" "$WORK/icebird.jsonl" "$WORK/floe.json" >"$WORK/cmp.out" 2>&1; then
        fail "$t: icebird and floe disagree: $(cat "$WORK/cmp.out")"
        return
    fi
    pass
}

# lock_catalog: another process holds the SQLite catalog's write lock (for
# 60 s at most) until unlock_catalog; $locker is its pid
lock_catalog() {
    rm -f "$WORK/locked"
    python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(60)' "$FLOE_WAREHOUSE/catalog.db" "$WORK/locked" &
    locker=$!
    for _ in $(seq 50); do [ -e "$WORK/locked" ] && break; sleep 0.1; done
}
unlock_catalog() {
    kill "$locker" 2>/dev/null || true
    wait "$locker" 2>/dev/null || true
}

finish() {
    echo "$checks passed, $failures failed"
    [ "$failures" -eq 0 ]
}
