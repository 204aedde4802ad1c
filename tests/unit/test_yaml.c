/* Unit tests of the YAML loader: typing of plain scalars as dbt files use
 * them, quoted strings, nesting, anchors and merge keys, and errors that
 * name the file, line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "floe/project.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dbt_project_shape),
	    cmocka_unit_test(test_anchors_and_empty),
	    cmocka_unit_test(test_errors_name_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
