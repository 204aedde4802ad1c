#!/bin/bash
# The hadoop-style `fs` catalog: metadata/vN.metadata.json + version-hint.text
# under the warehouse, the same verbs, the same third-party checks.
source "$(dirname "$0")/lib.sh"
export FLOE_CATALOG=fs:

floe namespace create seeds 2>/dev/null
floe generate jaffle --out "$WORK/data" 2>/dev/null
floe load seeds.raw_orders "$WORK/data/raw_orders.csv" 2>/dev/null
assert_eq "rows" 100 "$(scalar 'SELECT count(*) FROM seeds.raw_orders')"
floe load seeds.raw_orders "$WORK/data/raw_orders.csv" --append 2>/dev/null
assert_eq "rows after append" 200 "$(scalar 'SELECT count(*) FROM seeds.raw_orders')"
md="$FLOE_WAREHOUSE/seeds/raw_orders/metadata"
assert_eq "version hint" 2 "$(cat "$md/version-hint.text" | tr -d '\n')"
[ -f "$md/v1.metadata.json" ] && [ -f "$md/v2.metadata.json" ] && pass || fail "vN.metadata.json missing: $(ls "$md")"
assert_eq "tables" "seeds.raw_orders" "$(floe tables)"
third_party_check seeds.raw_orders
floe drop seeds.raw_orders --purge 2>/dev/null
expect_fail "dropped" "seeds.raw_orders" floe show seeds.raw_orders
finish
