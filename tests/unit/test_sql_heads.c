/* Unit tests of the statement heads floe recognises (DESIGN.md: "no SQL
 * parser of floe's own beyond statement heads"): CREATE [OR REPLACE] TABLE
 * [IF NOT EXISTS] name AS q, CREATE TABLE name (definitions), INSERT INTO
 * name [(cols)] q, DROP TABLE, CREATE SCHEMA, reads, and what is refused.
 * The head parser is private to src/cli/cmd_sql.c, so this file includes it
 * (and links the other cli sources, with their main() renamed). Also the
 * script splitter of src/cli/sqlsplit.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "cli/cmd_sql.c"

static void check(const char *sql, head_kind kind, const char *ns, const char *name,
                  const char *query)
{
	sql_head h;
	parse_head(&h, sql);
	if (h.kind != kind)
		fail_msg("%s: kind %d, want %d", sql, (int)h.kind, (int)kind);
	if (ns)
		assert_string_equal(h.ns ? h.ns : "(null)", ns);
	else if (kind != H_OTHER && kind != H_READ && h.ns != NULL)
		fail_msg("%s: namespace %s, want none", sql, h.ns);
	if (name)
		assert_string_equal(h.name ? h.name : "(null)", name);
	if (query)
		assert_string_equal(h.query ? h.query : "(null)", query);
	head_dispose(&h);
}

static void test_create_table_as(void **state)
{
	sql_head h;
	(void)state;
	check("CREATE TABLE a.t AS SELECT 1", H_CTAS, "a", "t", "SELECT 1");
	check("create or replace table a.t as select 1", H_CTAS, "a", "t", "select 1");
	check("  CREATE   OR  REPLACE TABLE \"My NS\".\"T\"\"x\" AS\n select 2", H_CTAS, "My NS",
	      "T\"x", "select 2");
	check("CREATE TABLE IF NOT EXISTS a.b.t AS SELECT 1", H_CTAS, "a.b", "t", "SELECT 1");
	check("CREATE TABLE t AS SELECT 1", H_CTAS, NULL, "t", "SELECT 1");
	parse_head(&h, "CREATE OR REPLACE TABLE a.t AS SELECT 1");
	assert_true(h.or_replace);
	assert_false(h.if_not_exists);
	head_dispose(&h);
	parse_head(&h, "CREATE TABLE IF NOT EXISTS a.t AS SELECT 1");
	assert_false(h.or_replace);
	assert_true(h.if_not_exists);
	head_dispose(&h);
	/* not a head floe knows: DuckDB gets the statement as it is */
	check("CREATE OR TABLE a.t AS SELECT 1", H_OTHER, NULL, NULL, NULL);
	check("CREATE TEMP TABLE t AS SELECT 1", H_OTHER, NULL, NULL, NULL);
	check("CREATE VIEW a.v AS SELECT 1", H_OTHER, NULL, NULL, NULL);
	check("CREATE TABLE a.t", H_OTHER, NULL, NULL, NULL);
}

static void test_create_table_columns(void **state)
{
	(void)state;
	check("CREATE TABLE a.t (id INTEGER, name VARCHAR)", H_CREATE_COLS, "a", "t",
	      "(id INTEGER, name VARCHAR)");
	check("CREATE TABLE a.t (s VARCHAR DEFAULT ')') ", H_CREATE_COLS, "a", "t", NULL);
	check("CREATE TABLE a.t (id INTEGER) AS SELECT 1", H_CREATE_BAD, "a", "t", NULL);
	check("CREATE TABLE a.t (id INTEGER", H_OTHER, NULL, NULL, NULL);
}

static void test_insert(void **state)
{
	sql_head h;
	(void)state;
	check("INSERT INTO a.t SELECT 1", H_INSERT, "a", "t", "SELECT 1");
	check("insert into a.t values (1)", H_INSERT, "a", "t", "values (1)");
	check("INSERT INTO a.t (SELECT 1)", H_INSERT, "a", "t", "(SELECT 1)");
	parse_head(&h, "INSERT INTO a.t (b, a) SELECT 1, 2");
	assert_int_equal(h.kind, H_INSERT);
	assert_string_equal(h.columns, "b, a");
	assert_string_equal(h.query, "SELECT 1, 2");
	head_dispose(&h);
	check("INSERT a.t SELECT 1", H_OTHER, NULL, NULL, NULL);
}

static void test_other_heads(void **state)
{
	sql_head h;
	(void)state;
	check("DROP TABLE a.t", H_DROP, "a", "t", NULL);
	parse_head(&h, "DROP TABLE IF EXISTS a.t");
	assert_int_equal(h.kind, H_DROP);
	assert_true(h.if_exists);
	head_dispose(&h);
	check("DROP TABLE a.t CASCADE", H_OTHER, NULL, NULL, NULL);
	check("CREATE SCHEMA a", H_SCHEMA, "a", NULL, NULL);
	check("CREATE SCHEMA IF NOT EXISTS a.b", H_SCHEMA, "a.b", NULL, NULL);
	check("SELECT * FROM a.t", H_READ, NULL, NULL, NULL);
	check("with x as (select 1) select * from x", H_READ, NULL, NULL, NULL);
	check("(SELECT 1)", H_READ, NULL, NULL, NULL);
	check("UPDATE a.t SET x = 1", H_UNSUPPORTED, "a", "t", NULL);
	check("DELETE FROM a.t", H_UNSUPPORTED, "a", "t", NULL);
	check("ALTER TABLE a.t ADD COLUMN c INT", H_UNSUPPORTED, "a", "t", NULL);
	check("UPDATE t SET x = 1", H_OTHER, NULL, NULL, NULL); /* DuckDB's own table */
}

static void test_split(void **state)
{
	char **v = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(cli_sql_split(&v, &n,
	                               "select ';' as a; select \"x;y\" from t -- c;\n;"
	                               " /* ; */ select $t$;$t$;;  "),
	                 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "select ';' as a");
	assert_non_null(strstr(v[1], "select \"x;y\" from t"));
	assert_non_null(strstr(v[2], "select $t$;$t$"));
	cli_sql_free(v, n);
	assert_int_equal(cli_sql_group_end("(a, ')', (b)) x", 0), 13);
	assert_int_equal(cli_sql_group_end("(a", 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_table_as), cmocka_unit_test(test_create_table_columns),
	    cmocka_unit_test(test_insert),          cmocka_unit_test(test_other_heads),
	    cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
