-- The tables the interop tests have the peers read, written by `floe sql`
-- into a fresh warehouse (tests/interop/interop.py runs this file, then the
-- appends and replaces that need their own statements).

CREATE SCHEMA ty;
CREATE SCHEMA ev;
CREATE SCHEMA odd;

-- Every type a query commonly yields; row 4 is NULL in every column.
-- TIME has a table of its own: Spark has no time type and refuses a table
-- that has one.
CREATE TABLE ty.matrix AS
SELECT * FROM (
  SELECT 1 AS id, true AS b,
    127::TINYINT AS i8, 32767::SMALLINT AS i16, 2147483647::INTEGER AS i32,
    9223372036854775807::BIGINT AS i64,
    99999999999999999999999999999999999999::HUGEINT AS i128,
    255::UTINYINT AS u8, 65535::USMALLINT AS u16, 4294967295::UINTEGER AS u32,
    18446744073709551615::UBIGINT AS u64,
    3.4028235e38::FLOAT AS f32, 1.7976931348623157e308::DOUBLE AS f64,
    99.99::DECIMAL(4,2) AS dec4, 123456789012.345678::DECIMAL(18,6) AS dec18,
    123456789012345678.91::DECIMAL(20,2) AS dec20,
    9999999999999999999999999999.9999999999::DECIMAL(38,10) AS dec38,
    'héllo wörld, 日本語, emoji 🎉' AS s, '\x00\x01binary\xFF'::BLOB AS bin,
    DATE '2024-02-29' AS d, TIMESTAMP '2024-02-29 23:59:59.999999' AS ts,
    TIMESTAMPTZ '2024-02-29 23:59:59.999999+00' AS tstz,
    UUID '00112233-4455-6677-8899-aabbccddeeff' AS u,
    [1, 2, 3]::INTEGER[] AS li, ['a', NULL, 'c'] AS ls,
    {'a': 1, 'b': 'x'} AS st,
    MAP {'k1': 1, 'k2': NULL}::MAP(VARCHAR, INTEGER) AS m,
    {'xs': [1.5, 2.5], 'inner': {'deep': 'y', 'when': DATE '2020-01-01'}} AS nest,
    [{'k': 1, 'v': ['p', 'q']}, {'k': 2, 'v': []}] AS lst_of_st,
    MAP {'a': [1, 2], 'b': []}::MAP(VARCHAR, BIGINT[]) AS map_of_li
  UNION ALL
  SELECT 2, false,
    (-128)::TINYINT, (-32768)::SMALLINT, (-2147483648)::INTEGER,
    (-9223372036854775808)::BIGINT,
    (-99999999999999999999999999999999999999)::HUGEINT,
    0::UTINYINT, 0::USMALLINT, 0::UINTEGER, 0::UBIGINT,
    (-1.17549435e-38)::FLOAT, (-2.2250738585072014e-308)::DOUBLE,
    (-99.99)::DECIMAL(4,2), (-0.000001)::DECIMAL(18,6),
    (-123456789012345678.91)::DECIMAL(20,2),
    (-0.0000000001)::DECIMAL(38,10),
    repeat('large ', 174763), ''::BLOB,
    DATE '0001-01-01', TIMESTAMP '1900-01-01 00:00:00',
    TIMESTAMPTZ '1969-12-31 23:59:59.999999+00',
    UUID 'ffffffff-ffff-ffff-ffff-ffffffffffff',
    []::INTEGER[], []::VARCHAR[],
    {'a': -1, 'b': ''},
    MAP {}::MAP(VARCHAR, INTEGER),
    {'xs': []::DOUBLE[], 'inner': {'deep': NULL, 'when': NULL}},
    []::STRUCT(k INTEGER, v VARCHAR[])[],
    MAP {}::MAP(VARCHAR, BIGINT[])
  UNION ALL
  SELECT 3, NULL,
    0::TINYINT, 0::SMALLINT, 0::INTEGER, 0::BIGINT, 0::HUGEINT,
    1::UTINYINT, 1::USMALLINT, 1::UINTEGER, 9223372036854775808::UBIGINT,
    'NaN'::FLOAT, '-0.0'::DOUBLE,
    0.00::DECIMAL(4,2), 0::DECIMAL(18,6), 0::DECIMAL(20,2), 0::DECIMAL(38,10),
    '', '\x00'::BLOB,
    DATE '9999-12-31', TIMESTAMP '2999-12-31 23:59:59',
    TIMESTAMPTZ '2038-01-19 03:14:08+00',
    UUID '00000000-0000-0000-0000-000000000000',
    [NULL]::INTEGER[], NULL,
    {'a': NULL, 'b': NULL},
    MAP {'only': 0}::MAP(VARCHAR, INTEGER),
    NULL,
    [NULL]::STRUCT(k INTEGER, v VARCHAR[])[],
    MAP {'n': NULL}::MAP(VARCHAR, BIGINT[])
  UNION ALL
  SELECT 4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL
);

CREATE TABLE ty.times AS
SELECT * FROM (VALUES (1, TIME '00:00:00'), (2, TIME '23:59:59.999999'),
                      (3, TIME '12:34:56.789'), (4, NULL)) t(id, tm);

-- float specials: infinities, NaN, signed zeros
CREATE TABLE ty.floats AS
SELECT id, x::DOUBLE AS d, x::FLOAT AS f
FROM (VALUES (1, 'inf'), (2, '-inf'), (3, 'nan'), (4, '-0.0'), (5, '0.0'),
             (6, '1e-45'), (7, NULL)) t(id, x);

-- names that are not identifiers
CREATE TABLE odd.names AS
SELECT 1 AS "with space", 'dot' AS "dot.ted", 2.5 AS "ünïcødé", 'jp' AS "日本語",
       3 AS "UPPER", 'dash' AS "a-b", 4 AS "1st",
       {'inner field': 5, 'x.y': 'z'} AS "struct col";

-- a table created from column definitions: no snapshot
CREATE TABLE ev.empty (a INTEGER, b VARCHAR, c DECIMAL(10,2), d TIMESTAMPTZ);

-- appends: one snapshot per statement
CREATE TABLE ev.appends AS SELECT i AS id, 'first' AS tag FROM range(3) t(i);
INSERT INTO ev.appends SELECT i, 'second' FROM range(3, 5) t(i);
INSERT INTO ev.appends SELECT i, 'third' FROM range(5, 6) t(i);
INSERT INTO ev.appends (tag, id) SELECT 'fourth', 100;

-- a replace that changes the schema: drops old_col, adds new_col, widens n
CREATE TABLE ev.replaced AS SELECT i AS id, i::INTEGER AS n, 'old' AS old_col FROM range(4) t(i);
INSERT INTO ev.replaced SELECT 10, 10, 'old too';
CREATE OR REPLACE TABLE ev.replaced AS SELECT id, n::BIGINT * 1000000000000 AS n, 'new' AS new_col FROM ev.replaced WHERE id % 2 = 0;

-- a replace with no rows: the current snapshot has no data files
CREATE TABLE ev.emptied AS SELECT 1 AS a;
CREATE OR REPLACE TABLE ev.emptied AS SELECT 1 AS a WHERE false;

-- strings and binaries at the edges of bound truncation (16 code points or
-- bytes), one row per data file so each value is its file's bounds
CREATE TABLE ty.strings AS SELECT 1 AS id, repeat('a', 20) AS s, repeat('\x01', 20)::BLOB AS b;
INSERT INTO ty.strings SELECT 2, repeat('x', 15) || chr(1114111) || 'yz', repeat('\xFF', 17)::BLOB;
INSERT INTO ty.strings SELECT 3, repeat(chr(1114111), 17), ('\x00' || repeat('\xFF', 16))::BLOB;
INSERT INTO ty.strings SELECT 4, repeat('b', 15) || chr(55295) || 'q', repeat('\x7F', 16)::BLOB;
INSERT INTO ty.strings SELECT 5, repeat('é', 20), repeat('\x80', 17)::BLOB;
INSERT INTO ty.strings SELECT 6, repeat('日本語', 6), ''::BLOB;
INSERT INTO ty.strings SELECT 7, repeat('🎉', 17), '\xFE\xFF'::BLOB;
INSERT INTO ty.strings SELECT 8, repeat('c', 16), repeat('\x02', 16)::BLOB;
INSERT INTO ty.strings SELECT 9, '', NULL;
INSERT INTO ty.strings SELECT 10, NULL, '\x00'::BLOB;
