CREATE SCHEMA m; -- comment; with a semicolon
CREATE OR REPLACE TABLE m.t AS SELECT 'a;b' AS s, "q;""x" AS i FROM (SELECT 1 AS "q;""x");
/* block ; comment */ INSERT INTO m.t (s, i) SELECT E'it\'s;', $tag$ dollar ; $tag$;
SELECT $$a;b$$, (SELECT count(*) FROM (VALUES (1), (2)) v(x) WHERE x IN (1, (2)));
;;
DROP TABLE m.t
