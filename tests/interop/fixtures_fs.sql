-- The tables of the warehouse with floe's hadoop-style `fs` catalog
-- (metadata/vN.metadata.json and version-hint.text, no catalog database).

CREATE SCHEMA ev;

CREATE TABLE ev.kinds AS
SELECT i::INTEGER AS id, 'row ' || i AS s, (i / 8)::DECIMAL(9,3) AS dec,
       DATE '2024-01-01' + i::INTEGER AS d,
       TIMESTAMPTZ '2024-01-01 00:00:00+00' + INTERVAL (i) MINUTE AS tstz,
       [i, i + 1] AS li, {'a': i, 'b': 'x' || i} AS st, MAP {'k': i} AS m,
       CASE WHEN i % 3 = 0 THEN NULL ELSE i END AS maybe
FROM range(20) t(i);

CREATE TABLE ev.empty (a INTEGER, b VARCHAR);

CREATE TABLE ev.appends AS SELECT i AS id, 'first' AS tag FROM range(3) t(i);
INSERT INTO ev.appends SELECT i, 'second' FROM range(3, 5) t(i);
INSERT INTO ev.appends SELECT i, 'third' FROM range(5, 6) t(i);

CREATE TABLE ev.replaced AS SELECT i AS id, 'old' AS old_col FROM range(4) t(i);
CREATE OR REPLACE TABLE ev.replaced AS SELECT id, 'new' AS new_col FROM ev.replaced WHERE id < 2;
