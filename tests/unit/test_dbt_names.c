/* Unit tests of dbt's generic test names (dbt_names.c): the full and short
 * names and unique ids dbt-core gives the same tests (the expected values
 * come from dbt-core's synthesize_generic_test_names and create_test_node
 * run on the same arguments), and Python's str()/repr() of YAML values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dbt/dbt_names.h"

typedef struct {
	const char *project, *type, *name, *ns, *target, *kwargs;
	const char *short_name, *full_name, *unique_id;
} name_case;

static const name_case cases[] = {
    {"jaffle_shop", "accepted_values", "accepted_values", NULL, "orders",
     "{\"values\": [\"placed\", \"shipped\", \"completed\", \"return_pending\", \"returned\"], "
     "\"column_name\": \"status\", \"model\": \"{{ get_where_subquery(ref('orders')) }}\"}",
     "accepted_values_orders_1ce6ab157c285f7cd2ac656013faf758",
     "accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
     "test.jaffle_shop.accepted_values_orders_status__placed__shipped__completed__return_pending_"
     "_returned.be6b5b5ec3"},
    {"jaffle_shop", "relationships", "relationships", NULL, "orders",
     "{\"to\": \"ref('customers')\", \"field\": \"customer_id\", \"column_name\": "
     "\"customer_id\", \"model\": \"{{ get_where_subquery(ref('orders')) }}\"}",
     "relationships_orders_customer_id__customer_id__ref_customers_",
     "relationships_orders_customer_id__customer_id__ref_customers_",
     "test.jaffle_shop.relationships_orders_customer_id__customer_id__ref_customers_.c6ec7f58f2"},
    {"jaffle_shop", "dbt_utils_expression_is_true", "expression_is_true", "dbt_utils", "orders",
     "{\"expression\": \"amount > 0\", \"model\": \"{{ get_where_subquery(ref('orders')) }}\"}",
     "dbt_utils_expression_is_true_orders_amount_0", "dbt_utils_expression_is_true_orders_amount_0",
     "test.jaffle_shop.dbt_utils_expression_is_true_orders_amount_0.5789afd631"},
    /* numbers, booleans and null as Python prints them */
    {"p", "accepted_values", "accepted_values", NULL, "t",
     "{\"values\": [1, 2.5, true, null, 1e20, 0.0001, 1e-05, 100.0], \"quote\": false, "
     "\"column_name\": \"n\", \"model\": \"{{ get_where_subquery(ref('t')) }}\"}",
     "accepted_values_t_7f2292238337fbb44f8b802d0fd78c34",
     "accepted_values_t_n__False__1__2_5__True__None__1e_20__0_0001__1e_05__100_0",
     "test.p.accepted_values_t_n__False__1__2_5__True__None__1e_20__0_0001__1e_05__100_0."
     "193ee8a374"},
    /* a mapping argument: its values; a list inside it: Python's str() */
    {"p", "my_test", "my_test", NULL, "t",
     "{\"opts\": {\"b\": \"x y\", \"a\": [1, \"two\"]}, \"flag\": false, \"column_name\": "
     "\"c\", \"model\": \"{{ get_where_subquery(ref('t')) }}\"}",
     "my_test_t_c__False__x_y___1_two_", "my_test_t_c__False__x_y___1_two_",
     "test.p.my_test_t_c__False__x_y___1_two_.7787bdb90f"},
    {"p", "source_not_null", "not_null", NULL, "jaffle_shop_orders",
     "{\"column_name\": \"id\", \"model\": \"{{ get_where_subquery(source('jaffle_shop', "
     "'orders')) }}\"}",
     "source_not_null_jaffle_shop_orders_id", "source_not_null_jaffle_shop_orders_id",
     "test.p.source_not_null_jaffle_shop_orders_id.f924998b13"},
    /* repr() of both quotes, a backslash and a tab */
    {"p", "dbt_utils_expression_is_true", "expression_is_true", "dbt_utils", "t",
     "{\"expression\": \"status = 'x' and note != \\\"q\\\\z\\\"\\ttab\", \"model\": \"{{ "
     "get_where_subquery(ref('t')) }}\"}",
     "dbt_utils_expression_is_true_t_status_x_and_note_q_z_tab",
     "dbt_utils_expression_is_true_t_status_x_and_note_q_z_tab",
     "test.p.dbt_utils_expression_is_true_t_status_x_and_note_q_z_tab.0b4c8953b9"},
    /* 64 characters or more: code points, not bytes */
    {"p", "unique", "unique", NULL,
     "m\xc3\xb6"
     "del_with_a_rather_long_name_\xc3\xbcn\xc3\xaf"
     "code",
     "{\"column_name\": \"identifier_column_\xc3\xa4\", \"model\": \"{{ "
     "get_where_subquery(ref('m\xc3\xb6"
     "del_with_a_rather_long_name_\xc3\xbcn\xc3\xaf"
     "code')) }}\"}",
     "unique_m\xc3\xb6"
     "del_with_a_rather_lon_1c3ac4137abbf52480fe3b8a35e4970b",
     "unique_m\xc3\xb6"
     "del_with_a_rather_long_name_\xc3\xbcn\xc3\xaf"
     "code_identifier_column__",
     "test.p.unique_m\xc3\xb6"
     "del_with_a_rather_long_name_\xc3\xbcn\xc3\xaf"
     "code_identifier_column__.e7be546233"},
    /* no arguments: the trailing '_' stays */
    {"p", "at_least_one", "at_least_one", "dbt_utils", "t",
     "{\"model\": \"{{ get_where_subquery(ref('t')) }}\"}", "at_least_one_t_", "at_least_one_t_",
     "test.p.at_least_one_t_.2808937d73"},
};

static void test_names_as_dbt(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const name_case *c = &cases[i];
		json_error_t err;
		json_t *kw = json_loads(c->kwargs, 0, &err);
		char *s = NULL, *f = NULL, *id = NULL;
		assert_non_null(kw);
		assert_int_equal(dbt_generic_test_names(&s, &f, c->type, c->target, kw), 0);
		assert_string_equal(s, c->short_name);
		assert_string_equal(f, c->full_name);
		assert_int_equal(dbt_test_unique_id(&id, c->project, f, c->ns, c->name, kw), 0);
		assert_string_equal(id, c->unique_id);
		floe_free(s);
		floe_free(f);
		floe_free(id);
		json_decref(kw);
	}
}

static void check_str(const char *json, const char *want_str, const char *want_repr)
{
	json_error_t err;
	json_t *v = json_loads(json, JSON_DECODE_ANY, &err);
	floe_buf b = FLOE_BUF_INIT;
	assert_non_null(v);
	assert_int_equal(dbt_py_str(&b, v), 0);
	assert_string_equal(b.ptr, want_str);
	floe_buf_reset(&b);
	assert_int_equal(dbt_py_repr(&b, v), 0);
	assert_string_equal(b.ptr, want_repr);
	floe_buf_free(&b);
	json_decref(v);
}

static void test_python_str_repr(void **state)
{
	(void)state;
	check_str("null", "None", "None");
	check_str("true", "True", "True");
	check_str("-7", "-7", "-7");
	check_str("0.1", "0.1", "0.1");
	check_str("1e16", "1e+16", "1e+16");
	check_str("1e15", "1000000000000000.0", "1000000000000000.0");
	check_str("-0.00001", "-1e-05", "-1e-05");
	check_str("123.456", "123.456", "123.456");
	check_str("\"it's\"", "it's", "\"it's\"");
	check_str("\"a'b\\\"c\"", "a'b\"c", "'a\\'b\"c'");
	check_str("\"\\u0001\\n\"", "\x01\n", "'\\x01\\n'");
	check_str("\"\xc3\xa9\xc2\xa0\"", "\xc3\xa9\xc2\xa0", "'\xc3\xa9\\xa0'");
	check_str("[1, \"a\", [null]]", "[1, 'a', [None]]", "[1, 'a', [None]]");
	check_str("{\"k\": false, \"j\": {\"x\": 1.5}}", "{'k': False, 'j': {'x': 1.5}}",
	          "{'k': False, 'j': {'x': 1.5}}");
}

/* names that become paths: dbt's identifiers for projects and packages,
 * one file name for aliases, schemas and test names, a folder inside the
 * project for target-path and friends */
static void test_path_names(void **state)
{
	static const char *ok_ids[] = {"jaffle_shop", "_x", "A1", "caf\xc3\xa9"};
	static const char *bad_ids[] = {"", "1abc", "../x", "a-b", "a.b", "a b", "a/b"};
	static const char *ok_parts[] = {"orders", "main_staging", "a.b", "..x", "x y"};
	static const char *bad_parts[] = {"", ".", "..", "../x", "a/b", "a\\b", "/"};
	static const char *ok_dirs[] = {"target", "build/out", "./target", "a/./b", "x..y"};
	static const char *bad_dirs[] = {"",     ".",         "./",   "/tmp",
	                                 "../x", "a/../../b", "a/..", "a\\b"};
	(void)state;
	for (size_t i = 0; i < sizeof(ok_ids) / sizeof(ok_ids[0]); i++)
		assert_int_equal(dbt_check_identifier("p.yml", "project name", ok_ids[i]), 0);
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
		assert_int_equal(dbt_check_identifier("p.yml", "project name", bad_ids[i]),
		                 FLOE_EINVAL);
		assert_non_null(strstr(floe_error_message(), "p.yml: '"));
		assert_non_null(strstr(floe_error_message(), "is not a valid project name"));
	}
	assert_int_equal(dbt_check_identifier("p.yml", "package name", NULL), FLOE_EINVAL);
	for (size_t i = 0; i < sizeof(ok_parts) / sizeof(ok_parts[0]); i++)
		assert_int_equal(dbt_check_path_part("m.sql", "alias", ok_parts[i]), 0);
	for (size_t i = 0; i < sizeof(bad_parts) / sizeof(bad_parts[0]); i++) {
		assert_int_equal(dbt_check_path_part("m.sql", "alias", bad_parts[i]), FLOE_EINVAL);
		assert_non_null(strstr(floe_error_message(), "m.sql: alias '"));
	}
	for (size_t i = 0; i < sizeof(ok_dirs) / sizeof(ok_dirs[0]); i++)
		assert_int_equal(dbt_check_subdir("p.yml", "target-path", ok_dirs[i]), 0);
	for (size_t i = 0; i < sizeof(bad_dirs) / sizeof(bad_dirs[0]); i++) {
		assert_int_equal(dbt_check_subdir("p.yml", "target-path", bad_dirs[i]),
		                 FLOE_EINVAL);
		assert_non_null(
		    strstr(floe_error_message(), "must be a folder inside the project"));
	}
	assert_true(dbt_path_inside("hz/models/m.sql"));
	assert_false(dbt_path_inside("hz/../../m.sql"));
	assert_false(dbt_path_inside("/abs/m.sql"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names_as_dbt),
	    cmocka_unit_test(test_python_str_repr),
	    cmocka_unit_test(test_path_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
