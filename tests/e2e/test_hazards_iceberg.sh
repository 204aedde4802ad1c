#!/bin/bash
# Hazards of the iceberg, storage and base layers seen through the real
# binary: metadata of a format version floe does not read, sequence numbers
# and timestamps at the ends of int64, and an INSERT failing at sampled
# allocations (the table stays at its old or its new snapshot, readable).
source "$(dirname "$0")/lib.sh"

# edit_meta FILE JS-EXPRESSION: rewrite metadata JSON in place (m = doc);
# ids stay exact (63-bit numbers are kept as text)
edit_meta() {
    local head tail
    head='const fs = require("fs"); const f = process.argv[1];
const big = (s) => s.replace(/("[a-z-]*(?:id|number|ms)"\s*:\s*)(-?\d{16,})/g, "$1\"__$2\"");
const m = JSON.parse(big(fs.readFileSync(f, "utf8")));'
    tail='fs.writeFileSync(f, JSON.stringify(m).replace(/"__(-?\d+)"/g, "$1"));'
    node -e "$head
$2
$tail" "$1"
}

floe sql "CREATE SCHEMA h; CREATE TABLE h.t AS SELECT 1 AS a" 2>/dev/null
meta=$(metadata_of h.t)
cp "$meta" "$WORK/meta.bak"

# 1. format versions floe does not read are refused, naming file and version
for v in 3 0 4; do
    cp "$WORK/meta.bak" "$meta"
    edit_meta "$meta" "m[\"format-version\"] = $v;"
    expect_fail "format-version $v" "format-version $v is not supported" \
        floe query "SELECT * FROM h.t"
    expect_fail "format-version $v names the file" "$(basename "$meta")" floe show h.t
done

# 2. int64 edges: no next sequence number; a snapshot at INT64_MIN ms
cp "$WORK/meta.bak" "$meta"
edit_meta "$meta" 'm["last-sequence-number"] = "__9223372036854775807";'
expect_fail "last-sequence-number at INT64_MAX" "no next sequence number" \
    floe sql "INSERT INTO h.t SELECT 2"
cp "$WORK/meta.bak" "$meta"
edit_meta "$meta" 'm.snapshots[0]["timestamp-ms"] = "__-9223372036854775808"; m["snapshot-log"] = [];'
out=$(floe show h.t 2>&1) && pass || fail "show with a snapshot at INT64_MIN ms: $out"
if grep -q "runtime error\|Sanitizer" <<<"$out"; then fail "show at INT64_MIN: $out"; else pass; fi
cp "$WORK/meta.bak" "$meta"
assert_eq "restored" 1 "$(scalar "SELECT count(*) FROM h.t")"

# 3. an INSERT failing at sampled allocations: the table is at its old or
# its new snapshot and reads (leaks are another check: the sanitizer
# build's LSan is off here)
rows=1
for n in 1 2 3 5 8 13 21 34 55 89 144 233 377 610 987 1597 2584 4181 6765; do
    rc=0
    ASAN_OPTIONS=detect_leaks=0 FLOE_FAULT_ALLOC=$n floe sql "INSERT INTO h.t SELECT 2" \
        >/dev/null 2>"$WORK/fault.err" || rc=$?
    if grep -q "runtime error\|AddressSanitizer" "$WORK/fault.err"; then
        fail "FLOE_FAULT_ALLOC=$n: $(head -5 "$WORK/fault.err")"
    fi
    [ "$rc" -eq 0 ] && rows=$((rows + 1))
    got=$(scalar "SELECT count(*) FROM h.t")
    assert_eq "rows after FLOE_FAULT_ALLOC=$n (rc $rc)" "$rows" "$got"
done
# no empty or partial metadata file anywhere
for f in "$FLOE_WAREHOUSE"/h/t/metadata/*.metadata.json; do
    node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$f" 2>/dev/null &&
        pass || fail "unreadable metadata file $f"
done
finish
