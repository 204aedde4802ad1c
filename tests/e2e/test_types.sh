#!/bin/bash
# Every type a query or a CSV commonly yields lands in the Iceberg type the
# spec says, round trips through floe, and reads the same in icebird.
source "$(dirname "$0")/lib.sh"

floe namespace create ty 2>/dev/null
floe sql "CREATE TABLE ty.all AS SELECT
    i::TINYINT AS ti, i::SMALLINT AS si, i::INTEGER AS ii, i::BIGINT AS bi,
    (i * 1000000000000)::HUGEINT AS hi, i::UTINYINT AS ut, i::UINTEGER AS ui, i::UBIGINT AS ub,
    (i / 4)::DECIMAL(9,2) AS d9, (i / 3)::DECIMAL(18,4) AS d18, i::DECIMAL(38,0) AS d38,
    (i / 8)::FLOAT AS f, (i / 8)::DOUBLE AS dd, i % 2 = 0 AS b,
    'name ' || i AS s, ('x' || i)::BLOB AS bl,
    DATE '2024-01-01' + i::INTEGER AS dt, TIME '10:30:00' + INTERVAL (i) SECOND AS tm,
    TIMESTAMP '2024-01-15 10:30:00.123456' + INTERVAL (i) HOUR AS ts,
    TIMESTAMPTZ '2024-01-15 10:30:00+00' + INTERVAL (i) HOUR AS tz,
    TIMESTAMP_MS '2024-01-15 10:30:00.5' AS tms,
    gen_random_uuid() AS u,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i END AS maybe
  FROM range(1, 51) t(i)" 2>/dev/null
floe show ty.all --json >"$WORK/show.json"
got=$(node -e 'const s=require(process.argv[1]).schema; console.log(s.fields.map(f=>f.name+":"+(typeof f.type==="string"?f.type:f.type.type)).join(" "))' "$WORK/show.json")
assert_eq "iceberg types" "ti:int si:int ii:int bi:long hi:decimal(38,0) ut:int ui:long ub:decimal(38,0) d9:decimal(9,2) d18:decimal(18,4) d38:decimal(38,0) f:float dd:double b:boolean s:string bl:binary dt:date tm:time ts:timestamp tz:timestamptz tms:timestamp u:uuid maybe:long" "$got"
assert_eq "values round trip" "50|1275|50000000000000|12.50|2024-02-20|2024-01-17 12:30:00.123456|10" \
  "$(floe query --json "SELECT max(ti) AS a, sum(ii) AS b, max(hi) AS c, max(d9) AS d, max(dt) AS e, max(ts) AS f, count(*) - count(maybe) AS g FROM ty.all" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log([r.a,r.b,r.c,r.d.toFixed?r.d.toFixed(2):r.d,r.e,r.f,r.g].join("|"))})')"
third_party_check ty.all
# spec App. A: a decimal stored as fixed uses the minimum bytes for its
# precision (DuckDB writes FIXED[16] for every precision above 18)
f=$(floe query --json "SELECT file FROM glob('$FLOE_WAREHOUSE/ty/all/data/*.parquet')" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].file))')
assert_eq "fixed decimals use the minimum width" "" "$(floe query --json "SELECT name, precision, type_length FROM parquet_schema('$f') WHERE type = 'FIXED_LEN_BYTE_ARRAY' AND converted_type = 'DECIMAL' AND type_length <> (SELECT min(n) FROM range(1, 17) r(n) WHERE 2::DOUBLE ** (8 * n - 1) > 10::DOUBLE ** precision)" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(r=>r.name+":"+r.precision+":"+r.type_length).join(" ")))')"
floe sql "CREATE TABLE ty.simple AS SELECT i::INTEGER AS ii, i::BIGINT AS bi, (i/4)::DECIMAL(9,2) AS d9, (i/8)::DOUBLE AS dd, i % 2 = 0 AS b, 'name ' || i AS s, DATE '2024-01-01' + i::INTEGER AS dt, TIMESTAMP '2024-01-15 10:30:00' + INTERVAL (i) HOUR AS ts FROM range(1, 21) t(i)" 2>/dev/null
third_party_check ty.simple

floe sql "CREATE TABLE ty.ubig AS SELECT 18446744073709551615::UBIGINT AS u" 2>/dev/null
assert_eq "UBIGINT max round trips" "18446744073709551615" "$(scalar 'SELECT u::VARCHAR FROM ty.ubig')"

# float bounds: -0.0 precedes +0.0, whichever zero DuckDB's stats name
floe sql "CREATE TABLE ty.zero_lo AS SELECT x::DOUBLE AS d, x::FLOAT AS f FROM (VALUES ('0.0'), ('-0.0'), ('1.0')) t(x);
  CREATE TABLE ty.zero_hi AS SELECT x::DOUBLE AS d, x::FLOAT AS f FROM (VALUES ('-0.0'), ('0.0'), ('-1.0')) t(x)" 2>/dev/null
third_party_check ty.zero_lo
third_party_check ty.zero_hi

# empty strings/binaries are bounds; an upper bound that cannot be
# incremented leaves the lower one in place
floe sql "CREATE TABLE ty.edges AS SELECT x AS s, y::BLOB AS b FROM (VALUES ('', ''), ('b', 'b'), (repeat(chr(1114111), 17), 'a')) t(x, y)" 2>/dev/null
third_party_check ty.edges

# nested types: struct, list, map
floe sql "CREATE TABLE ty.nested AS SELECT i, {'a': i, 'b': 'x' || i} AS st, [i, i + 1] AS l, MAP {'k' || i: i} AS m FROM range(3) t(i)" 2>/dev/null
floe show ty.nested --json >"$WORK/nested.json"
assert_eq "nested types" "long struct list map" "$(node -e 'const s=require(process.argv[1]).schema; console.log(s.fields.map(f=>typeof f.type==="string"?f.type:f.type.type).join(" "))' "$WORK/nested.json")"
assert_eq "nested values" "2|x2|3" "$(floe query --json "SELECT st.a, st.b, l[2] AS l2 FROM ty.nested WHERE i = 2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.a+"|"+r.b+"|"+r.l2)})')"
third_party_check ty.nested

# DuckDB ARRAY(n), also nested, lands as an Iceberg list
floe sql "CREATE TABLE ty.arr AS SELECT i, [i, i + 1]::BIGINT[2] AS a, {'x': [i::INT]::INT[1]} AS st FROM range(3) t(i)" 2>/dev/null
assert_eq "array as list" "long list struct" "$(floe show ty.arr --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).schema.fields.map(f=>typeof f.type==="string"?f.type:f.type.type).join(" ")))')"
assert_eq "array values" "3|2" "$(floe query --json "SELECT a[2] AS a2, st.x[1] AS x FROM ty.arr WHERE i = 2" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log(r.a2+"|"+r.x)})')"
third_party_check ty.arr

# column names that are not Avro names: the Parquet columns carry Java's
# makeCompatibleName form, so readers that match by name (icebird) find them;
# floe reads them back under the Iceberg names, also after an append
floe sql "CREATE TABLE ty.names AS SELECT 1 AS \"Customer Name\", 2 AS \"2nd\", 'x' AS \"a-b\", 3 AS ok, 'é' AS \"café\"" 2>/dev/null
floe sql "INSERT INTO ty.names SELECT 4, 5, 'y', 6, 'è'" 2>/dev/null
f=$(ls "$FLOE_WAREHOUSE"/ty/names/data/*.parquet | head -1)
assert_eq "parquet names" "Customer_x20Name _2nd a_x2Db ok caf_xE9" "$(floe query --json "SELECT name FROM parquet_schema('$f') WHERE field_id IS NOT NULL ORDER BY field_id" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).map(r=>r.name).join(" ")))')"
assert_eq "names read back" "5|7|x,y|9|éè" "$(floe query --json "SELECT sum(\"Customer Name\") AS a, sum(\"2nd\") AS b, string_agg(\"a-b\", ',' ORDER BY ok) AS c, sum(ok) AS d, string_agg(\"café\", '' ORDER BY ok) AS e FROM ty.names" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s)[0];console.log([r.a,r.b,r.c,r.d,r.e].join("|"))})')"
third_party_check ty.names

# schema evolution by replace keeps field ids of columns that stay
floe sql "CREATE OR REPLACE TABLE ty.simple AS SELECT s, ii, 1.5::DOUBLE AS extra FROM ty.simple" 2>/dev/null
floe show ty.simple --json >"$WORK/evolved.json"
third_party_check ty.simple
assert_eq "ids kept on replace" "s:6 ii:1 extra:9" "$(node -e 'const s=require(process.argv[1]).schema; console.log(s.fields.map(f=>f.name+":"+f.id).join(" "))' "$WORK/evolved.json")"
finish
