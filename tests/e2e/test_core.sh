#!/bin/bash
# Core end-to-end flow: generated Jaffle CSVs loaded as Iceberg tables, SQL
# over them, CTAS, append, overwrite, time travel, history and drop; every
# table written is read back by icebird and checked against the spec.
source "$(dirname "$0")/lib.sh"

floe generate jaffle --scale 1 --out "$WORK/data" 2>/dev/null
floe namespace create seeds 2>/dev/null
for t in raw_customers raw_orders raw_payments; do
    floe load "seeds.$t" "$WORK/data/$t.csv" 2>/dev/null
done
assert_eq "customers" 100 "$(scalar 'SELECT count(*) FROM seeds.raw_customers')"
assert_eq "orders" 100 "$(scalar 'SELECT count(*) FROM seeds.raw_orders')"
payments=$(($(wc -l <"$WORK/data/raw_payments.csv") - 1))
assert_eq "payments" "$payments" "$(scalar 'SELECT count(*) FROM seeds.raw_payments')"
# the same aggregate straight over the CSV must agree
csv_sum=$(scalar "SELECT sum(amount) FROM read_csv('$WORK/data/raw_payments.csv')")
assert_eq "sum(amount)" "$csv_sum" "$(scalar 'SELECT sum(amount) FROM seeds.raw_payments')"
assert_eq "join" "$payments" "$(scalar 'SELECT count(*) FROM seeds.raw_orders o JOIN seeds.raw_payments p ON p.order_id = o.id')"
# types as DuckDB inferred them, mapped to Iceberg
floe show seeds.raw_orders --json >"$WORK/show.json"
types=$(node -e 'const s=require(process.argv[1]).schema; console.log(s.fields.map(f=>f.name+":"+f.type).join(","))' "$WORK/show.json")
assert_eq "raw_orders schema" "id:long,user_id:long,order_date:date,status:string" "$types"

for t in raw_customers raw_orders raw_payments; do third_party_check "seeds.$t"; done

# tables and namespaces listing
assert_eq "tables" "seeds.raw_customers seeds.raw_orders seeds.raw_payments" "$(floe tables | tr '\n' ' ' | sed 's/ $//')"

# CTAS of a big table, then append = a new snapshot
floe namespace create marts 2>/dev/null
floe sql "CREATE TABLE marts.big AS SELECT i, i % 7 AS k, 'v' || i AS s FROM range(200000) t(i)" 2>/dev/null
s1=$(current_snapshot marts.big)
floe sql "INSERT INTO marts.big SELECT i, i % 7, 'w' || i FROM range(200000, 250000) t(i)" 2>/dev/null
s2=$(current_snapshot marts.big)
assert_eq "rows after append" 250000 "$(scalar 'SELECT count(*) FROM marts.big')"
assert_eq "sum after append" "31249875000" "$(scalar 'SELECT sum(i) FROM marts.big')"
if [ "$s1" == "$s2" ]; then fail "append did not make a new snapshot"; else pass; fi
# time travel: by snapshot id and by time
assert_eq "as of first snapshot" 200000 "$(floe query --json --as-of-snapshot "$s1" 'SELECT count(*) AS n FROM marts.big' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"
sleep 0.05
floe sql "CREATE OR REPLACE TABLE marts.big AS SELECT i, 'x' AS s2 FROM range(10) t(i)" 2>/dev/null
s3=$(current_snapshot marts.big)
assert_eq "rows after replace" 10 "$(scalar 'SELECT count(*) FROM marts.big')"
assert_eq "history keeps all" 3 "$(floe history marts.big --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).length))')"
assert_eq "old snapshot still readable" 250000 "$(floe query --json --as-of-snapshot "$s2" 'SELECT count(*) AS n FROM marts.big' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"
ts=$(floe history marts.big --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const h=JSON.parse(s);const d=new Date(h[1].timestamp_ms);console.log(d.toISOString().replace("T"," ").replace("Z",""))})')
assert_eq "as of time" 250000 "$(floe query --json --as-of "$ts" 'SELECT count(*) AS n FROM marts.big' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].n))')"
assert_eq "operation of replace" overwrite "$(floe history marts.big --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[2].operation))')"
third_party_check marts.big

# INSERT with a column list: missing columns are NULL
floe sql "INSERT INTO marts.big (s2, i) VALUES ('y', 99)" 2>/dev/null
assert_eq "insert column list" "99|y" "$(floe query --json "SELECT i, s2 FROM marts.big WHERE i = 99" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.i+"|"+r.s2)})')"

# nested namespaces and a multi-statement script with a DuckDB-local table
floe namespace create marts.finance 2>/dev/null
floe sql "CREATE TEMP TABLE scratch AS SELECT 1 AS a; CREATE TABLE marts.finance.t AS SELECT a + 1 AS b FROM scratch; SELECT 1" >/dev/null 2>&1
assert_eq "nested namespace table" 2 "$(scalar 'SELECT b FROM "marts.finance".t')"
assert_eq "namespace list" "marts.finance" "$(floe namespace list marts)"

# an append on a snapshot without total-* (as another engine may write
# it): the totals are unknown, so left out rather than "added only"
floe sql "CREATE TABLE marts.foreign AS SELECT 1 AS a" 2>/dev/null
sed -i -E 's/"total-[a-z-]+": ?"[0-9]+",//g' "$(metadata_of marts.foreign)"
floe sql "INSERT INTO marts.foreign SELECT 2" 2>/dev/null
assert_eq "no totals after a parent without them" "" "$(floe show marts.foreign --json | grep -o '"total-records": "[0-9]*"' | head -1)"
third_party_check marts.foreign

# CREATE TABLE with column definitions: an empty Iceberg table (no
# snapshot) with the types mapped as a CTAS maps them; rows come later
floe sql "CREATE TABLE marts.ddl (id INTEGER, name VARCHAR, /* a ) in a comment */ amount DECIMAL(10, 2), tags VARCHAR[2], n BIGINT)" 2>/dev/null
floe show marts.ddl --json >"$WORK/ddl.json"
assert_eq "ddl schema" "id:int name:string amount:decimal(10,2) tags:list n:long" "$(node -e 'const s=require(process.argv[1]).schema; console.log(s.fields.map(f=>f.name+":"+(typeof f.type==="string"?f.type:f.type.type)).join(" "))' "$WORK/ddl.json")"
assert_eq "ddl table has no snapshot" "null" "$(current_snapshot marts.ddl)"
assert_eq "ddl table reads empty" 0 "$(scalar 'SELECT count(*) FROM marts.ddl')"
node "$JS/check_avro.mjs" "$(metadata_of marts.ddl)" >"$WORK/avro.out" 2>&1 && pass || fail "ddl spec check: $(cat "$WORK/avro.out")"
floe sql "CREATE TABLE IF NOT EXISTS marts.ddl (other INTEGER)" 2>/dev/null && pass || fail "ddl IF NOT EXISTS on an existing table failed"
assert_eq "IF NOT EXISTS kept the table" "null" "$(current_snapshot marts.ddl)"
floe sql "INSERT INTO marts.ddl VALUES (1, 'a', 2.5, ['x', 'y'], 7); INSERT INTO marts.ddl (name, id, tags) VALUES ('b', 2, ['z'])" 2>/dev/null
assert_eq "ddl rows" "2|2.5" "$(floe query --json "SELECT count(*) AS n, sum(amount) AS s FROM marts.ddl" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.n+"|"+r.s)})')"
third_party_check marts.ddl
# one-part names and TEMP tables stay DuckDB's
floe sql "CREATE TABLE scratch_ddl (a INTEGER); CREATE TEMP TABLE tmp_ddl (b INTEGER); INSERT INTO scratch_ddl VALUES (1); SELECT * FROM scratch_ddl, tmp_ddl" >/dev/null 2>&1
assert_eq "local ddl made no catalog table" "" "$(floe tables | grep -c ddl_ | sed 's/^0$//')"

# drop, then purge removes the files
loc=$(floe show marts.big --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).location.replace(/^file:\/\//,"")))')
floe drop marts.big 2>/dev/null
expect_fail "dropped table is gone" "marts.big" floe show marts.big
if [ -d "$loc/data" ]; then pass; else fail "drop without purge removed data"; fi
floe sql "CREATE TABLE marts.gone AS SELECT 1 AS a" 2>/dev/null
loc=$(floe show marts.gone --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).location.replace(/^file:\/\//,"")))')
floe drop marts.gone --purge 2>/dev/null
if [ -e "$loc" ]; then fail "purge left $loc"; else pass; fi

# table properties: write.target-file-size-bytes splits the data files
floe sql "CREATE TABLE marts.split AS SELECT 1 AS i, 'x' AS s" 2>/dev/null
floe properties marts.split --set write.target-file-size-bytes=200000 --set owner=me 2>/dev/null >/dev/null
assert_eq "properties" "owner=me write.target-file-size-bytes=200000" "$(floe properties marts.split | sort | tr '\n' ' ' | sed 's/ $//')"
floe sql "INSERT INTO marts.split SELECT i, md5(i::VARCHAR) FROM range(300000) t(i)" 2>/dev/null
files=$(floe show marts.split --json | sed -n 's/.*"added-data-files": "\([0-9]*\)".*/\1/p' | head -1)
[ "${files:-0}" -gt 1 ] && pass || fail "target file size not honoured: $files files"
assert_eq "split rows" 300001 "$(scalar 'SELECT count(*) FROM marts.split')"
third_party_check marts.split
floe properties marts.split --unset owner 2>/dev/null >/dev/null
assert_eq "unset property" "write.target-file-size-bytes=200000" "$(floe properties marts.split)"

# --help lists every verb
for v in namespace load sql query tables show history drop generate properties; do
    if floe --help | grep -q "^  $v "; then pass; else fail "--help lacks $v"; fi
    floe "$v" --help >/dev/null || fail "floe $v --help failed"
done
finish
