/*
 * Data tests of a run: the SQL of the built-in generic tests (not_null,
 * unique, accepted_values, relationships), of project and package generic
 * tests and of singular tests; the failures query and the outcome it
 * gives (severity, warn_if, error_if); store_failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt_artifacts.h"
#include "dbt_context.h"
#include "dbt_runtime.h"
#include "dbt_tests.h"

int dbt_test_sql(floe_dbt *d, dbt_node *t, char **out)
{
	dbt_node *model = dbt_test_target(d, t);
	const char *col = t->test_column;
	const char *where = json_string_value(json_object_get(t->config, "where"));
	floe_buf b = FLOE_BUF_INIT;
	char *rel, *from;
	int rc = 0;
	*out = NULL;
	if (strcmp(t->test_kind, "singular") == 0) {
		*out = floe_strdup(t->compiled ? t->compiled : "");
		return *out ? 0 : FLOE_ENOMEM;
	}
	if (model == NULL)
		return floe_error_set(FLOE_EINVAL, "%s: test on unknown model %s", t->path,
		                      t->test_model    ? t->test_model
		                      : t->test_source ? t->test_source
		                                       : "?");
	rel = dbt_relation(model);
	/* {{ model }} as dbt renders it for a test with a where config */
	from = where ? floe_asprintf("(select * from %s where %s) dbt_subquery", rel, where)
	             : floe_strdup(rel ? rel : "");
	if (rel == NULL || from == NULL) {
		floe_free(rel);
		floe_free(from);
		return FLOE_ENOMEM;
	}
	/* the built-in tests' SQL as dbt-core's default__test_* macros render
	 * it (whitespace aside); the column as the test's column_name
	 * argument, quoted only with quote: true on the column */
	if (json_string_value(
	        json_object_get(json_object_get(t->test_meta, "kwargs"), "column_name")))
		col = json_string_value(
		    json_object_get(json_object_get(t->test_meta, "kwargs"), "column_name"));
	if (col == NULL)
		col = "";
	if (strcmp(t->test_kind, "not_null") == 0) {
		bool all = json_is_true(json_object_get(t->config, "store_failures"));
		floe_buf_printf(&b, "select %s\nfrom %s\nwhere %s is null", all ? "*" : col, from,
		                col);
	} else if (strcmp(t->test_kind, "unique") == 0) {
		floe_buf_printf(&b,
		                "select\n    %s as unique_field,\n    count(*) as n_records\n\n"
		                "from %s\nwhere %s is not null\ngroup by %s\nhaving count(*) > 1",
		                col, from, col, col);
	} else if (strcmp(t->test_kind, "accepted_values") == 0) {
		const json_t *vals = json_object_get(t->test_args, "values"), *v;
		bool quote = !json_is_false(json_object_get(t->test_args, "quote"));
		size_t i;
		floe_buf_printf(&b,
		                "with all_values as (\n\n    select\n        %s as value_field,\n"
		                "        count(*) as n_records\n\n    from %s\n    group by %s\n\n"
		                ")\n\nselect *\nfrom all_values\nwhere value_field not in (\n    ",
		                col, from, col);
		json_array_foreach(vals, i, v)
		{
			json_t *s = json_is_string(v)
			                ? json_incref((json_t *)v)
			                : json_sprintf("%lld", (long long)json_integer_value(v));
			if (i)
				floe_buf_puts(&b, ",");
			/* '{{ value }}': no escaping, as in dbt */
			floe_buf_printf(&b, quote ? "'%s'" : "%s", json_string_value(s));
			json_decref(s);
		}
		if (json_array_size(vals) == 0)
			floe_buf_puts(&b, "NULL");
		floe_buf_puts(&b, "\n)");
	} else if (strcmp(t->test_kind, "relationships") == 0) {
		const char *to = json_string_value(json_object_get(t->test_args, "to"));
		const char *field = json_string_value(json_object_get(t->test_args, "field"));
		char *to_rel = NULL;
		if (to && field) {
			/* the YAML gives an expression, e.g. ref('customers') */
			floe_buf tb = FLOE_BUF_INIT;
			char *expr = floe_asprintf("{{ %s }}", to);
			d->parsing = false;
			rc = expr ? floe_jinja_render(d->jinja, expr, t->path, &tb) : FLOE_ENOMEM;
			if (rc == 0)
				to_rel = floe_strdup(tb.ptr ? tb.ptr : "");
			floe_free(expr);
			floe_buf_free(&tb);
		}
		if (rc == 0 && to_rel == NULL)
			rc = floe_error_set(
			    FLOE_EINVAL, "%s: relationships test needs 'to' and 'field'", t->path);
		if (rc == 0)
			floe_buf_printf(
			    &b,
			    "with child as (\n    select %s as from_field\n    from %s\n"
			    "    where %s is not null\n),\n\nparent as (\n"
			    "    select %s as to_field\n    from %s\n)\n\nselect\n"
			    "    from_field\n\nfrom child\nleft join parent\n"
			    "    on child.from_field = parent.to_field\n\n"
			    "where parent.to_field is null",
			    col, from, col, field, to_rel);
		floe_free(to_rel);
	} else if (strcmp(t->test_kind, "singular") == 0) {
		floe_buf_puts(&b, t->compiled ? t->compiled : "");
	} else {
		/* a project or package generic test: its {% test %} macro */
		char *sql = NULL;
		rc = dbt_generic_test(d, t, false, &sql);
		if (rc == 0)
			floe_buf_puts(&b, sql);
		floe_free(sql);
	}
	floe_free(rel);
	floe_free(from);
	if (rc == 0)
		*out = floe_buf_detach(&b, NULL);
	floe_buf_free(&b);
	return rc;
}

/* dbt's test query: failures by fail_calc (count(*) by default) over the
 * failing rows (at most `limit`), compared with warn_if and error_if (!= 0
 * by default) */
char *dbt_test_count_sql(const dbt_node *t)
{
	const char *calc = json_string_value(json_object_get(t->config, "fail_calc"));
	const char *warn_if = json_string_value(json_object_get(t->config, "warn_if"));
	const char *error_if = json_string_value(json_object_get(t->config, "error_if"));
	const json_t *limit = json_object_get(t->config, "limit");
	char *f = floe_asprintf("coalesce(%s, 0)", calc ? calc : "count(*)"), *sql;
	char lim[48] = "";
	if (f == NULL)
		return NULL;
	if (json_is_integer(limit))
		snprintf(lim, sizeof(lim), " limit %lld", (long long)json_integer_value(limit));
	/* the aggregate once, its conditions on the result (the three-times
	 * form dbt writes is slower in DuckDB) */
	sql = floe_asprintf("select failures, failures %s as should_warn, failures %s as "
	                    "should_error from (select %s as failures from (%s\n%s) as dbt_test) "
	                    "as dbt_internal_test",
	                    warn_if ? warn_if : "!= 0", error_if ? error_if : "!= 0", f,
	                    t->compiled, lim);
	floe_free(f);
	return sql;
}

int dbt_test_outcome(dbt_node *t, const floe_engine_rows *r)
{
	const char *sev = json_string_value(json_object_get(t->config, "severity"));
	const char *warn_if = json_string_value(json_object_get(t->config, "warn_if"));
	const char *error_if = json_string_value(json_object_get(t->config, "error_if"));
	bool warn_only = sev && strcasecmp(sev, "warn") == 0, should_warn, should_error;
	char **row = r && r->nrows == 1 && r->ncols == 3 ? r->rows[0] : NULL;
	if (row == NULL)
		return floe_error_set(FLOE_EENGINE, "%s: the test query gave no failure count",
		                      t->path);
	t->rows = row[0] ? strtoll(row[0], NULL, 10) : 0;
	should_warn = row[1] && strcmp(row[1], "true") == 0;
	should_error = row[2] && strcmp(row[2], "true") == 0;
	t->status = !warn_only && should_error ? ST_FAIL : should_warn ? ST_WARN : ST_PASS;
	floe_free(t->message);
	t->message = NULL;
	if (t->status != ST_PASS) {
		t->message =
		    floe_asprintf("Got %lld result%s, configured to %s if %s", (long long)t->rows,
		                  t->rows == 1 ? "" : "s", t->status == ST_WARN ? "warn" : "fail",
		                  t->status == ST_WARN ? (warn_if ? warn_if : "!= 0")
		                                       : (error_if ? error_if : "!= 0"));
		if (t->message == NULL)
			return FLOE_ENOMEM;
	}
	return 0;
}

/* store_failures: the failing rows of a test land in an Iceberg table
 * <target schema>_dbt_test__audit.<test alias> (dbt's default schema). */
static int store_failures(dbt_worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	floe_write_result res;
	char *ns = floe_asprintf("%s_dbt_test__audit", d->target_schema);
	int rc = ns ? 0 : FLOE_ENOMEM;
	if (rc == 0)
		rc = dbt_ensure_namespace(w, ns);
	if (rc == 0)
		rc = floe_table_write(w->engine, w->catalog, ns, n->alias ? n->alias : n->name,
		                      n->compiled, FLOE_WRITE_REPLACE, &res);
	floe_free(ns);
	return rc < 0 ? rc : 0;
}

/* A test's SQL: a generic test's rendered from its macro, a singular
 * test's from its file; written to target/compiled */
static int prepare_test(dbt_worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	int rc;
	dbt_jinja_lock(w);
	if (strcmp(n->test_kind ? n->test_kind : "", "singular") != 0) {
		rc = dbt_test_sql(d, n, &n->compiled);
	} else {
		char *c = NULL;
		floe_free(n->compiled);
		n->compiled = NULL;
		rc = dbt_render(d, n, false, &n->compiled);
		if (rc == 0)
			rc = dbt_test_sql(d, n, &c);
		floe_free(n->compiled);
		n->compiled = c;
	}
	dbt_jinja_unlock(w);
	if (rc == 0 && n->compiled)
		rc = dbt_write_compiled(d, n);
	return rc;
}

/* A test's status from its failures row; its failing rows kept when asked */
static int finish_test(dbt_worker *w, dbt_node *n, const floe_engine_rows *r)
{
	int rc = dbt_test_outcome(n, r);
	if (rc == 0 && n->rows > 0 &&
	    floe_jinja_truthy(json_object_get(n->config, "store_failures")))
		rc = store_failures(w, n);
	return rc;
}

int dbt_run_test(dbt_worker *w, dbt_node *n)
{
	char *count_sql;
	floe_engine_rows *r = NULL;
	int rc = prepare_test(w, n);
	if (rc)
		return rc;
	count_sql = dbt_test_count_sql(n);
	rc = count_sql ? floe_engine_query_text(w->engine, count_sql, 1, &r) : FLOE_ENOMEM;
	floe_free(count_sql);
	if (rc == 0)
		rc = finish_test(w, n, r);
	floe_engine_rows_free(r);
	return rc;
}
