/* Unit tests of the Jinja interpreter on the constructs dbt projects use:
 * expressions, filters, tests, if/for/set, macros with keyword arguments,
 * call/caller, whitespace control, return(), registered functions, and
 * errors that name the template line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "floe/jinja.h"

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

static void test_call_arguments(void **state)
{
	(void)state;
	/* *list and **dict spread into positional and keyword arguments */
	expect("{% macro f(a, b=2) %}{{ a }}-{{ b }}-{{ kwargs | tojson }}{% endmacro %}"
	       "{{ f(*[1, 3]) }} {{ f(**{'a': 5, 'c': 6}) }} {{ f(1, **{'b': 9}) }}",
	       "1-3-{} 5-2-{\"c\":6} 1-9-{}");
	/* a macro passes its unnamed keyword arguments on, as dbt's generic tests do */
	expect("{% macro inner(model, at_least) %}{{ model }}>={{ at_least }}"
	       "{{ kwargs.get('column_name') }}{% endmacro %}"
	       "{% macro outer(model) %}{{ inner(model, **kwargs) }}{% endmacro %}"
	       "{{ outer('t', at_least=0.5, column_name='c') }}",
	       "t>=0.5c");
	expect("{{ ['a', 'b'] | join(*[', ']) }}", "a, b");
	expect_error("{{ range(*5) }}", "is not a sequence");
	expect_error("{{ dict(**[1]) }}", "is not a mapping");
}

static void test_scopes(void **state)
{
	(void)state;
	/* a macro sees its template's top level, not its caller's locals */
	expect("{% set x = 'top' %}{% macro m() %}{{ x }}|{{ y is defined }}{% endmacro %}"
	       "{% for y in [1] %}{{ m() }}{% endfor %}",
	       "top|False");
	/* caller() renders the block where it stands, with call(params) */
	expect("{% macro wrap(v) %}[{{ caller(v * 2) }}]{% endmacro %}{% set v = 'outer' %}"
	       "{% call(n) wrap(21) %}{{ v }}:{{ n }}{% endcall %}",
	       "[outer:42]");
	/* a set inside a for loop does not leak out, nor into the next iteration */
	expect("{% set n = 1 %}{% for i in [5] %}{% set n = i %}{% endfor %}{{ n }}", "1");
	expect("{% set l = [] %}{% for i in [1, 2] %}{% set l = l.append(i) %}{% endfor %}{{ l }}",
	       "[1, 2]");
	/* a parameter not passed is undefined and hides a macro of that name */
	expect("{% macro group_by(n) %}gb{% endmacro %}"
	       "{% macro m(group_by) %}[{{ group_by is defined }}{{ group_by }}]{% endmacro %}{{ "
	       "m() }}",
	       "[False]");
	/* a variable set to an undefined value is undefined, not None */
	expect("{% set p = 'x' if false %}[{{ p }}]{{ p is defined }}", "[]False");
}

static int upper_schema(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	const char *s = json_string_value(json_object_get(json_array_get(args, 0), "schema"));
	(void)j;
	(void)ud;
	*out = json_pack("s+", s ? s : "",
	                 json_string_value(json_object_get(kwargs, "suffix"))
	                     ? json_string_value(json_object_get(kwargs, "suffix"))
	                     : "");
	return 0;
}

static void test_objects(void **state)
{
	json_t *rel =
	    json_pack("{s:s,s:s,s:s,s:{s:s}}", FLOE_JINJA_CLASS, "relation", FLOE_JINJA_TEXT,
	              "\"s\".\"t\"", "schema", "s", "metadata", "type", "DuckDBRelation");
	json_t *row = json_pack("{s:[i,s],s:i,s:s}", FLOE_JINJA_SEQ, 1, "a", "id", 1, "name", "a");
	json_t *empty = json_pack("{s:[]}", FLOE_JINJA_SEQ);
	(void)state;
	assert_int_equal(floe_jinja_set_global(jj, "rel", rel), 0);
	assert_int_equal(floe_jinja_set_global(jj, "row", row), 0);
	assert_int_equal(floe_jinja_set_global(jj, "empty", empty), 0);
	assert_int_equal(floe_jinja_register_method(jj, "relation", "shout", upper_schema, NULL),
	                 0);
	/* a relation prints as its text, is a mapping, has attributes and methods */
	expect("{{ rel }} {{ rel ~ '!' }} {{ rel.schema }} {{ rel.shout(suffix='?') }} "
	       "{{ rel is mapping }} {{ rel.get('metadata', {}).get('type', "
	       "'').endswith('Relation') }}",
	       "\"s\".\"t\" \"s\".\"t\"! s s? True True");
	expect("{{ rel | tojson }} {{ rel.keys() | list }}",
	       "\"\\\"s\\\".\\\"t\\\"\" ['schema', 'metadata']");
	/* an agate-like row: by position, by name, iterates its values */
	expect("{{ row[0] }} {{ row['name'] }} {{ row.name }} {{ row[-1] }} "
	       "{% for v in row %}{{ v }};{% endfor %} {{ row | length }} {{ row.values() }}",
	       "1 a a a 1;a; 2 [1, 'a']");
	expect("{{ 'yes' if empty else 'no' }} {{ empty | length }} {{ 'yes' if rel else 'no' }}",
	       "no 0 yes");
	expect_error("{{ rel.nomethod() }}", "no method 'nomethod' on this value");
	/* an expression keeps its value (what dbt does with ref(...) test arguments) */
	{
		json_t *v = NULL;
		assert_int_equal(floe_jinja_eval(&v, jj, "rel", "args.yml"), 0);
		assert_string_equal(json_string_value(json_object_get(v, "schema")), "s");
		json_decref(v);
		assert_int_equal(floe_jinja_eval(&v, jj, "[1, 2] + [3]", "args.yml"), 0);
		assert_int_equal(json_array_size(v), 3);
		json_decref(v);
		assert_int_equal(floe_jinja_eval(&v, jj, "nothing_here", "args.yml"), 0);
		assert_true(json_is_null(v));
		assert_int_not_equal(floe_jinja_eval(&v, jj, "1 +", "args.yml"), 0);
		assert_non_null(strstr(floe_error_message(), "args.yml:1: expected an expression"));
	}
	json_decref(rel);
	json_decref(row);
	json_decref(empty);
}

static int fake_fn(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	(void)j;
	(void)args;
	(void)kwargs;
	*out = json_string(ud);
	return 0;
}

static void test_packages(void **state)
{
	json_t *m, *r = NULL;
	(void)state;
	assert_int_equal(floe_jinja_set_root(jj, "proj"), 0);
	assert_int_equal(floe_jinja_register(jj, "greet", fake_fn, "function"), 0);
	assert_int_equal(floe_jinja_load_package_macros(
	                     jj,
	                     "{% macro helper() %}p1{% endmacro %}"
	                     "{% macro uses() %}{{ helper() }}/{{ dbt_only() }}{% endmacro %}",
	                     "p1/macros/a.sql", "p1"),
	                 0);
	assert_int_equal(floe_jinja_load_package_macros(jj, "{% macro helper() %}p2{% endmacro %}",
	                                                "p2/macros/a.sql", "p2"),
	                 0);
	assert_int_equal(
	    floe_jinja_load_package_macros(jj, "{% macro dbt_only() %}builtin{% endmacro %}",
	                                   "builtin.sql", "dbt"),
	    0);
	/* a macro calls its own template's macros; packages stay apart */
	expect("{{ uses() }}", "p1/builtin");
	m = floe_jinja_package_macro(jj, "p2", "helper");
	assert_non_null(m);
	assert_int_equal(floe_jinja_call_value(&r, jj, m, NULL, NULL), 0);
	assert_string_equal(json_string_value(r), "p2");
	json_decref(r);
	json_decref(m);
	assert_null(floe_jinja_package_macro(jj, "p3", "helper"));
	assert_null(floe_jinja_package_macro(jj, "p2", "uses"));
	expect("{{ greet() }}", "function");
	/* a root project macro overrides a context function (dbt's builtins.ref) */
	assert_int_equal(floe_jinja_load_macros(jj, "{% macro greet() %}macro{% endmacro %}",
	                                        "macros/greet.sql"),
	                 0);
	expect("{{ greet() }} {{ helper() }}", "macro p2");
	m = floe_jinja_package_macro(jj, "proj", "greet");
	assert_non_null(m);
	json_decref(m);
	assert_string_equal(floe_jinja_macro_package(jj, 0), "p1");
	assert_null(floe_jinja_macro_package(jj, floe_jinja_macro_count(jj) - 1));
}

static void test_python_builtins(void **state)
{
	(void)state;
	expect("{{ set(['b', 'a', 'b']) }} {{ set(['a', 'b']) == set(['b', 'a']) }}",
	       "['a', 'b'] True");
	expect("{{ 'a,b,,c'.split(',') }} {{ 'x  y '.split() }} {{ 'a.b.c'.split('.', 1) }}",
	       "['a', 'b', '', 'c'] ['x', 'y'] ['a', 'b.c']");
	expect(
	    "{{ '{} is {name}, {0}'.format(1, name='one') }} {{ '\"q\"'.strip('\"') }} "
	    "{{ 'abc'.startswith(('x', 'a')) }} {{ 'hello world'.title() }} {{ 'abc'.find('c') }}",
	    "1 is one, 1 q True Hello World 2");
	expect("{% set l = [3, 1] %}{% do l.insert(0, 9) %}{% do l.remove(1) %}{{ l }} "
	       "{{ l.pop(0) }} {{ l }} {{ [1, 2, 1].count(1) }}",
	       "[9, 3] 9 [3] 2");
	expect("{% set d = {} %}{{ d.setdefault('k', 5) }}{{ d.setdefault('k', 6) }} {{ d }}",
	       "55 {'k': 5}");
	/* Python keeps unknown escapes in string literals */
	expect("{{ '\\d+' }} {{ 'a\\tb' }}", "\\d+ a\tb");
	expect("{{ modules.re.sub('[ -]+', '_', 'a b-c') }} "
	       "{{ modules.re.match('^[a-z]+$', 'abc') is not none }} "
	       "{{ modules.re.match('[0-9]', 'abc') is none }} "
	       "{{ modules.re.search('\\d+', 'ab12c').group(0) }} "
	       "{{ modules.re.findall('[0-9]', 'a1b2') }} "
	       "{{ modules.re.sub('^([a-z])', '_\\1', 'xy') }}",
	       "a_b_c True True 12 ['1', '2'] _xy");
	expect("{{ modules.datetime.datetime(2024, 1, 2, 3, 4, 5) }} "
	       "{{ modules.datetime.date(2024, 3, 1).strftime('%Y/%m/%d %a') }} "
	       "{{ modules.datetime.datetime(year=2024, month=5, day=6).isoformat() }} "
	       "{{ modules.datetime.datetime.now().year > 2000 }}",
	       "2024-01-02 03:04:05 2024/03/01 Fri 2024-05-06T00:00:00 True");
	expect_error("{{ modules.datetime.date(2024, 13, 1) }}", "value out of range");
	/* datetime arithmetic and comparison, as dbt projects write it */
	expect("{% set d = modules.datetime.datetime(2024, 3, 1, 12, 30) %}"
	       "{{ d - modules.datetime.timedelta(days=1) }}|"
	       "{{ d.replace(hour=0, minute=0) + modules.datetime.timedelta(hours=36) }}|"
	       "{{ modules.datetime.date(2024, 1, 1) - modules.datetime.timedelta(365) }}|"
	       "{{ d - modules.datetime.datetime(2024, 2, 28) }}|"
	       "{{ d > modules.datetime.datetime(2024, 2, 28) }} {{ d == d }} {{ d != d }}|"
	       "{{ modules.datetime.date(2024, 3, 4).weekday() }}"
	       "{{ modules.datetime.timedelta(minutes=90).total_seconds() }}",
	       "2024-02-29 12:30:00|2024-03-02 12:00:00|2023-01-01|2 days, 12:30:00|"
	       "True True False|05400.0");
	expect_error("{{ modules.datetime.date(2024, 1, 1) + 1 }}", "unsupported operand types");
}

/* a tag ends at its delimiter outside string literals: hooks written as
 * config(post_hook="... {{ this }} ...") hold one inside a string */
static void test_delimiters_in_strings(void **state)
{
	(void)state;
	expect("{{ 'a }} b' }}", "a }} b");
	expect("{{ \"x {{ y }} z\" | upper }}", "X {{ Y }} Z");
	expect("{% set s = 'it''s %} here' %}{{ s }}", "its %} here");
	expect("{{ 'q\\'}}' }}", "q'}}");
	expect("{# a 'comment }} #}ok", "ok");
	expect_error("{{ 'unterminated }}", "unclosed tag");
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

/* text made of `n` copies of `unit` between head and tail (caller frees) */
static char *repeated(const char *head, const char *unit, size_t n, const char *mid,
                      const char *unit2, const char *tail)
{
	floe_buf b = FLOE_BUF_INIT;
	floe_buf_puts(&b, head);
	for (size_t i = 0; i < n; i++)
		floe_buf_puts(&b, unit);
	floe_buf_puts(&b, mid);
	for (size_t i = 0; unit2 && i < n; i++)
		floe_buf_puts(&b, unit2);
	floe_buf_puts(&b, tail);
	return floe_buf_detach(&b, NULL);
}

static void expect_error_owned(char *tpl, const char *needle)
{
	expect_error(tpl, needle);
	floe_free(tpl);
}

/* hostile nesting is an error naming the template and line, never a
 * crash of the stack */
static void test_nesting_limits(void **state)
{
	(void)state;
	expect_error_owned(repeated("\n{{ ", "(", 15000, "1", ")", " }}"),
	                   "bad.sql:2: expression nested too deeply (more than 100 levels)");
	expect_error_owned(repeated("{{ ", "[", 15000, "1", "]", " }}"),
	                   "bad.sql:1: expression nested too deeply");
	expect_error_owned(repeated("{{ ", "-", 300000, "1", NULL, " }}"),
	                   "expression nested too deeply");
	expect_error_owned(repeated("{{ ", "not ", 300000, "1", NULL, " }}"),
	                   "expression nested too deeply");
	expect_error_owned(repeated("{{ ", "1 if 0 else ", 20000, "2", NULL, " }}"),
	                   "expression nested too deeply");
	expect_error_owned(repeated("{{ 1", " + 1", 300000, "", NULL, " }}"),
	                   "bad.sql:1: expression nested too deeply (more than 1000 levels");
	expect_error_owned(repeated("{{ x", ".a", 300000, "", NULL, " }}"),
	                   "expression nested too deeply");
	expect_error_owned(repeated("", "{% if 1 %}", 20000, "", "{% endif %}", ""),
	                   "bad.sql:1: blocks nested too deeply (more than 100 levels)");
	/* what real templates nest still works: 90 parentheses, a long elif
	 * chain, a chain of 500 operators */
	{
		char *t = repeated("{{ ", "(", 90, "7", ")", " }}");
		expect(t, "7");
		floe_free(t);
		t = repeated("{% if 0 %}", "{% elif 0 %}", 20000, "{% else %}ok{% endif %}", NULL,
		             "");
		expect(t, "ok");
		floe_free(t);
		t = repeated("{{ 0", " + 1", 500, "", NULL, " }}");
		expect(t, "500");
		floe_free(t);
	}
	/* a macro calling itself forever, directly or through a call block */
	expect_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
	             "macro f: calls nested too deeply");
	expect_error("{% macro g() %}{% call g() %}x{% endcall %}{% endmacro %}{{ g() }}",
	             "nested too deeply");
	/* values nested without end, or holding themselves */
	expect_error("{% set ns = namespace(x=[]) %}{% for i in range(100000) %}"
	             "{% set ns.x = [ns.x] %}{% endfor %}",
	             "more than 200 levels deep");
	expect_error("{% set a = [] %}{% set ns = namespace(x=a) %}{% for i in range(250) %}"
	             "{% set y = [] %}{% do ns.x.append(y) %}{% set ns.x = y %}{% endfor %}"
	             "{{ [a] }}",
	             "bad.sql:1: a list nested more than 200 levels deep");
	expect_error("{% set a = [] %}{% set b = [a] %}{% do a.append(b) %}{{ a }}",
	             "append(): the value would nest more than 200 levels deep or hold the object");
	expect_error("{% set d = {} %}{% do d.update({'me': d}) %}", "update(): ");
	expect_error("{% set ns = namespace(x=1) %}{% set ns.x = [ns] %}{{ ns }}",
	             "or hold the namespace");
}

/* results past floe's size limits are errors naming the line, never a
 * shorter string */
static void test_size_limits(void **state)
{
	floe_buf b = FLOE_BUF_INIT;
	(void)state;
	assert_int_equal(floe_jinja_render(jj, "{{ 'ab' * 150000 }}", "t.sql", &b), 0);
	assert_int_equal(b.len, 300000);
	floe_buf_free(&b);
	expect("{{ 3 * 'ab' }} {{ [1, 2] * 2 }} {{ 'x' * 0 }}{{ 'x' * -1 }} {{ [1] * 0 }}",
	       "ababab [1, 2, 1, 2]  []");
	expect_error("\n{{ ('x' * 1000000) * 1000 }}",
	             "bad.sql:2: '*': the string would be longer than 256 MiB");
	expect_error("{{ 'x' * 9223372036854775807 }}", "'*': the string would be longer");
	expect_error("{{ [1, 2] * 600000 }}", "'*': the list would have more than 1000000 items");
	expect_error("{% set s = namespace(v='x' * 1000000) %}{% for i in range(10) %}"
	             "{% set s.v = s.v ~ s.v %}{% endfor %}",
	             "bad.sql:1: '~': the string would be longer than 256 MiB");
	expect_error("{{ range(600000) | list + range(600000) | list }}",
	             "'+': the list would have more than 1000000 items");
	expect_error("{{ ('x' * 1000) | replace('x', 'y' * 300000) }}",
	             "replace: the string would be longer");
	expect_error("{{ ('x' * 1000).replace('x', 'y' * 300000) }}",
	             "replace(): the string would be longer");
	expect_error("{{ range(300) | join('z' * 1000000) }}", "join: the string would be longer");
	expect_error("{{ ('z' * 1000000).join(range(300)) }}",
	             "join(): the string would be longer");
	expect_error("{{ ('{0}' * 300).format('w' * 1000000) }}",
	             "format(): the string would be longer");
	expect_error("{% for i in range(300) %}{{ 'o' * 1000000 }}{% endfor %}",
	             "bad.sql:1: the rendered output would be longer than 256 MiB");
	/* 64-bit integers: overflow is an error, not a wrapped number */
	expect(
	    "{{ -7 // 2 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 7 // -2 }} {{ -9223372036854775807 - 1 }}",
	    "-4 2 -2 -4 -9223372036854775808");
	expect_error("{{ 9223372036854775807 + 1 }}", "integer overflow in '+'");
	expect_error("{{ -9223372036854775807 - 2 }}", "integer overflow in '-'");
	expect_error("{{ 4294967296 * 4294967296 }}", "integer overflow in '*'");
	expect_error("{{ 2 ** 64 }}", "integer overflow in '**'");
	expect_error("{{ (-9223372036854775807 - 1) // -1 }}", "integer overflow in '//'");
	expect_error("{{ -(-9223372036854775807 - 1) }}", "integer overflow in unary minus");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_expressions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_filters_and_tests, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_statements, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_macros, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_registered_functions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_call_arguments, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_objects, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_packages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_python_builtins, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_delimiters_in_strings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nesting_limits, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_size_limits, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
