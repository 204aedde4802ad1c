/* Unit tests of the Jinja interpreter on the constructs dbt projects use:
 * expressions, filters, tests, if/for/set, macros with keyword arguments,
 * call/caller, whitespace control, return(), registered functions, and
 * errors that name the template line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "floe/project.h"

static floe_jinja *jj;

static int setup(void **state)
{
	(void)state;
	return floe_jinja_new(&jj);
}

static int teardown(void **state)
{
	(void)state;
	floe_jinja_free(jj);
	return 0;
}

static void expect(const char *tpl, const char *want)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc = floe_jinja_render(jj, tpl, "t.sql", &b);
	if (rc != 0)
		fail_msg("render of [%s] failed: %s", tpl, floe_error_message());
	if (strcmp(b.ptr ? b.ptr : "", want) != 0)
		fail_msg("render of [%s]: got [%s], want [%s]", tpl, b.ptr ? b.ptr : "", want);
	floe_buf_free(&b);
}

static void expect_error(const char *tpl, const char *needle)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc = floe_jinja_render(jj, tpl, "bad.sql", &b);
	floe_buf_free(&b);
	if (rc == 0)
		fail_msg("render of [%s] should fail", tpl);
	if (strstr(floe_error_message(), needle) == NULL)
		fail_msg("error [%s] lacks [%s]", floe_error_message(), needle);
}

static void test_expressions(void **state)
{
	(void)state;
	expect("{{ 1 + 2 * 3 }}", "7");
	expect("{{ 7 // 2 }} {{ 7 / 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ -3 }}", "3 3.5 1 1024 -3");
	expect("{{ 'a' ~ 1 ~ none }}", "a1None");
	expect("{{ 'ab' + 'cd' }} {{ [1] + [2] }}", "abcd [1, 2]");
	expect("{{ 1 < 2 and 'x' in 'xyz' and 3 not in [1, 2] }}", "True");
	expect("{{ 'yes' if 0 else 'no' }} {{ none or 'fallback' }}", "no fallback");
	expect("{{ {'a': 1, 'b': [1, 2]}['b'][1] }} {{ [1, 2, 3][-1] }} {{ 'hello'[1:3] }}",
	       "2 3 el");
	expect("{{ undefined_thing }}|{{ (undefined_thing is defined) }}", "|False");
	expect("{{ 'A,B'.lower().split(',') }} {{ '  x '.strip() }} {{ 'a-b'.replace('-', '_') }}",
	       "['a', 'b'] x a_b");
	expect(
	    "{{ {'k': 'v'}.get('k') }} {{ {'k': 'v'}.get('z', 'd') }} {{ ', '.join(['a', 'b']) }}",
	    "v d a, b");
}

static void test_filters_and_tests(void **state)
{
	(void)state;
	expect("{{ ['a', 'b'] | join(', ') }} {{ 'abc' | length }} {{ 'ABC' | lower }}",
	       "a, b 3 abc");
	expect("{{ x | default('d') }} {{ '' | default('e', true) }} {{ ' t ' | trim | upper }}",
	       "d e T");
	expect("{{ [{'n': 'a'}, {'n': 'b'}] | map(attribute='n') | join }}", "ab");
	expect("{{ [1, 2, 3, 4] | select('even') | list }} {{ [3, 1, 2] | sort }}",
	       "[2, 4] [1, 2, 3]");
	expect(
	    "{{ [{'n': 1, 'k': true}, {'n': 2, 'k': false}] | selectattr('k') | map(attribute='n') "
	    "| list }}",
	    "[1]");
	expect("{{ [1, 1, 2] | unique | list }} {{ [1, 2] | first }} {{ [1, 2] | last }} {{ "
	       "['x','y'] | map('upper') | join('') }}",
	       "[1, 2] 1 2 XY");
	expect(
	    "{{ 3 is odd }} {{ none is none }} {{ 'a' is string }} {{ 6 is divisibleby 3 }} {{ 1 "
	    "is not number }}",
	    "True True True True False");
	expect("{{ {'b': 1, 'a': 2} | dictsort | first | first }} {{ [1.5, 2.5] | sum }}", "a 4.0");
}

static void test_statements(void **state)
{
	(void)state;
	expect("{% if x %}a{% elif 1 %}b{% else %}c{% endif %}", "b");
	expect("{% for i in range(3) %}{{ i }}{% if not loop.last %},{% endif %}{% endfor %}",
	       "0,1,2");
	expect("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}",
	       "a=1;b=2;");
	expect("{% for x in [] %}x{% else %}empty{% endfor %}", "empty");
	expect("{% set xs = ['p', 'q'] %}{% set n = xs | length %}{{ n }}{{ xs[0] }}", "2p");
	expect("{% set block %}in {{ 'side' }}{% endset %}[{{ block }}]", "[in side]");
	expect(
	    "{% set ns = namespace(total=0) %}{% for i in [1, 2, 3] %}{% set ns.total = ns.total + "
	    "i %}{% endfor %}{{ ns.total }}",
	    "6");
	expect("{% set l = [] %}{% do l.append(1) %}{% do l.append(2) %}{{ l }}", "[1, 2]");
	expect("a  {%- if true -%}  b  {%- endif -%}  c", "abc");
	expect("{# a comment #}x{% raw %}{{ not rendered }}{% endraw %}", "x{{ not rendered }}");
}

static void test_macros(void **state)
{
	(void)state;
	expect("{% macro cents_to_dollars(col, scale=2) -%}\n"
	       "round({{ col }} / 100, {{ scale }})\n"
	       "{%- endmacro %}"
	       "{{ cents_to_dollars('amount') }} {{ cents_to_dollars('x', scale=4) }}",
	       "round(amount / 100, 2) round(x / 100, 4)");
	expect("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}",
	       "<body>");
	expect(
	    "{% macro pick(a) %}{{ return(a * 2) }}{% endmacro %}{% set v = pick(21) %}{{ v + 0 }}",
	    "42");
	expect("{% macro kw() %}{{ kwargs.x }}{{ varargs | length }}{% endmacro %}{{ kw(1, 2, "
	       "x='k') }}",
	       "k2");
	/* macros loaded from a macro file are callable later */
	assert_int_equal(floe_jinja_load_macros(jj,
	                                        "{% macro generate_schema_name(custom, node) -%}"
	                                        "{{ custom if custom else 'main' }}"
	                                        "{%- endmacro %}",
	                                        "macros/schema.sql"),
	                 0);
	assert_true(floe_jinja_has_macro(jj, "generate_schema_name"));
	expect("{{ generate_schema_name('marts', none) }}/{{ generate_schema_name(none, none) }}",
	       "marts/main");
	{
		json_t *args = json_pack("[s,n]", "staging"), *r = NULL;
		assert_int_equal(floe_jinja_call(&r, jj, "generate_schema_name", args), 0);
		assert_string_equal(json_string_value(r), "staging");
		json_decref(r);
		json_decref(args);
	}
}

static int fake_ref(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	(void)j;
	(void)kwargs;
	*out = json_pack("s+", (const char *)ud, json_string_value(json_array_get(args, 0)));
	return 0;
}

static void test_registered_functions(void **state)
{
	json_t *target = json_pack("{s:s,s:s}", "name", "dev", "schema", "main");
	(void)state;
	assert_int_equal(floe_jinja_register(jj, "ref", fake_ref, "staging."), 0);
	assert_int_equal(floe_jinja_register(jj, "adapter.quote", fake_ref, "q:"), 0);
	assert_int_equal(floe_jinja_set_global(jj, "target", target), 0);
	expect(
	    "select * from {{ ref('stg_orders') }} -- {{ target.name }} {{ adapter.quote('x') }}",
	    "select * from staging.stg_orders -- dev q:x");
	json_decref(target);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("line1\n{% if x %}never closed",
	             "bad.sql:2: unexpected end of template, expected elif else endif");
	expect_error("{{ 1 + }}", "bad.sql:1: expected an expression");
	expect_error("\n\n{{ nope() }}", "bad.sql:3: 'nope' is undefined");
	expect_error("{{ 'x' | nofilter }}", "unknown filter 'nofilter'");
	expect_error("{% frobnicate %}", "unknown tag frobnicate");
	expect_error("{{ 1 / 0 }}", "division by zero");
	expect_error("{{ exceptions.raise_compiler_error('bad config') }}",
	             "compilation error: bad config");
	expect_error("{{ x", "unclosed tag");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_expressions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters_and_tests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_macros, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_registered_functions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
