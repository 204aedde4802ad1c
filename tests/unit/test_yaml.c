/* Unit tests of the YAML loader: typing of plain scalars as dbt files use
 * them, quoted strings, nesting, anchors and merge keys, and errors that
 * name the file, line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dbt/dbt_yaml.h"

static void test_dbt_project_shape(void **state)
{
	const char *y = "name: 'jaffle_shop'\n"
	                "version: '1.0.0'\n"
	                "config-version: 2\n"
	                "profile: jaffle\n"
	                "model-paths: [\"models\"]\n"
	                "vars:\n  start: 2018-01-01\n  ratio: 0.5\n  flag: yes\n  empty:\n"
	                "models:\n  jaffle_shop:\n    +materialized: table\n    staging:\n"
	                "      +materialized: view\n      +enabled: false\n";
	json_t *j = NULL;
	(void)state;
	assert_int_equal(floe_yaml_parse(&j, y, strlen(y), "dbt_project.yml"), 0);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "jaffle_shop");
	assert_string_equal(json_string_value(json_object_get(j, "version")), "1.0.0");
	assert_int_equal(json_integer_value(json_object_get(j, "config-version")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(j, "model-paths"), 0)),
	                    "models");
	{
		json_t *vars = json_object_get(j, "vars");
		assert_string_equal(json_string_value(json_object_get(vars, "start")),
		                    "2018-01-01");
		assert_true(json_real_value(json_object_get(vars, "ratio")) == 0.5);
		assert_true(json_is_true(json_object_get(vars, "flag")));
		assert_true(json_is_null(json_object_get(vars, "empty")));
	}
	{
		json_t *st = json_object_get(
		    json_object_get(json_object_get(j, "models"), "jaffle_shop"), "staging");
		assert_string_equal(json_string_value(json_object_get(st, "+materialized")),
		                    "view");
		assert_true(json_is_false(json_object_get(st, "+enabled")));
	}
	json_decref(j);
}

static void test_anchors_and_empty(void **state)
{
	const char *y = "base: &b\n  type: duckdb\n  threads: 4\n"
	                "dev:\n  <<: *b\n  threads: 1\n"
	                "list: [*b]\n";
	json_t *j = NULL;
	(void)state;
	assert_int_equal(floe_yaml_parse(&j, y, strlen(y), "profiles.yml"), 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "dev"), "type")),
	                    "duckdb");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "dev"), "threads")),
	                 1);
	assert_int_equal(json_array_size(json_object_get(j, "list")), 1);
	json_decref(j);
	assert_int_equal(floe_yaml_parse(&j, "", 0, "empty.yml"), 0);
	assert_true(json_is_null(j));
	json_decref(j);
}

static void test_errors_name_place(void **state)
{
	const char *y = "models:\n  - name: a\n   bad: [1, 2\n";
	json_t *j = NULL;
	(void)state;
	assert_int_equal(floe_yaml_parse(&j, y, strlen(y), "schema.yml"), FLOE_EINVAL);
	assert_null(j);
	assert_non_null(strstr(floe_error_message(), "schema.yml:"));
	assert_non_null(strstr(floe_error_message(), "YAML error"));
	assert_int_equal(floe_yaml_parse(&j, "a: *nope\n", 9, "x.yml"), FLOE_EINVAL);
	assert_int_equal(floe_yaml_load(&j, "/nonexistent/dbt_project.yml"), FLOE_ENOTFOUND);
}

static int parse_text(json_t **j, const floe_buf *b, const char *name)
{
	return floe_yaml_parse(j, b->ptr, b->len, name);
}

/* an alias bomb ("billion laughs"): nine aliases of nine aliases ... would
 * make 9^12 strings; it is refused, naming the file and line, before
 * anything is copied */
static void test_alias_bomb(void **state)
{
	floe_buf b = FLOE_BUF_INIT;
	json_t *j = NULL;
	(void)state;
	floe_buf_puts(&b, "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
	for (int i = 1; i < 12; i++) {
		floe_buf_printf(&b, "a%d: &a%d [", i, i);
		for (int k = 0; k < 9; k++)
			floe_buf_printf(&b, "%s*a%d", k ? ", " : "", i - 1);
		floe_buf_puts(&b, "]\n");
	}
	assert_int_equal(parse_text(&j, &b, "schema.yml"), FLOE_EINVAL);
	assert_null(j);
	assert_non_null(strstr(floe_error_message(), "schema.yml:"));
	assert_non_null(strstr(floe_error_message(), "expands too far"));
	floe_buf_free(&b);
	/* one long string aliased many times */
	floe_buf_puts(&b, "x: &x ");
	for (int i = 0; i < 100000; i++)
		floe_buf_puts(&b, "0123456789");
	floe_buf_puts(&b, "\nl: [");
	for (int i = 0; i < 100; i++)
		floe_buf_puts(&b, i ? ", *x" : "*x");
	floe_buf_puts(&b, "]\n");
	assert_int_equal(parse_text(&j, &b, "big.yml"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "big.yml:2: YAML alias *x expands too far"));
	floe_buf_free(&b);
	/* aliases nesting a deep value deeper than the limit */
	floe_buf_puts(&b, "a: &a ");
	for (int i = 0; i < 90; i++)
		floe_buf_putc(&b, '[');
	floe_buf_putc(&b, '1');
	for (int i = 0; i < 90; i++)
		floe_buf_putc(&b, ']');
	floe_buf_puts(&b, "\nb: [[[[[[[[[[[[*a]]]]]]]]]]]]\n");
	assert_int_equal(parse_text(&j, &b, "deep.yml"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "deep.yml:2:"));
	floe_buf_free(&b);
	/* what dbt files do with anchors still works: one column list used by
	 * a thousand models */
	floe_buf_puts(&b,
	              "cols: &cols [{name: a, tests: [not_null, unique]}, {name: b}]\nmodels:\n");
	for (int i = 0; i < 1000; i++)
		floe_buf_printf(&b, "  - {name: m%d, columns: *cols}\n", i);
	assert_int_equal(parse_text(&j, &b, "ok.yml"), 0);
	assert_int_equal(json_array_size(json_object_get(j, "models")), 1000);
	json_decref(j);
	floe_buf_free(&b);
}

static void test_size_and_depth(void **state)
{
	floe_buf b = FLOE_BUF_INIT;
	json_t *j = NULL;
	(void)state;
	assert_int_equal(floe_yaml_parse(&j, "a: 1\n", (size_t)65 << 20, "huge.yml"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "huge.yml: YAML document of"));
	for (int i = 0; i < 5000; i++)
		floe_buf_putc(&b, '[');
	assert_int_equal(parse_text(&j, &b, "nest.yml"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "nest.yml:1: YAML nested too deeply"));
	floe_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dbt_project_shape), cmocka_unit_test(test_anchors_and_empty),
	    cmocka_unit_test(test_errors_name_place), cmocka_unit_test(test_alias_bomb),
	    cmocka_unit_test(test_size_and_depth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
