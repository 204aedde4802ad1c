/*
 * The database side of dbt's Jinja context, on floe's DuckDB: the adapter
 * and api objects (get_columns_in_relation, get_relation, drop_relation,
 * dispatch, ...), statement / load_result / run_query run on the
 * connection of the worker that renders, and the `dbt` namespace of
 * cross-database macros: floe's own DuckDB versions of dbt's type_*,
 * dateadd, datediff, concat, hash, date_spine, ... (the .sql files of macros/,
 * embedded at build time), each dispatched so that a project's
 * duckdb__<name> overrides it. The objects themselves are dbt_relation.c's.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbt_adapter.h"
#include "dbt_relation.h"
#include "dbt_runtime.h"

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* macros/context.sql and macros/cross_db.sql, one NUL-terminated text
 * made at build time (macros/embed.cmake) */
extern const char dbt_builtin_macros[];

/* ---- running SQL: adapter.execute, statement, run_query, load_result ---- */

/* Run sql on the connection of the worker rendering: fetch gives its rows
 * as a table, else it only runs. The SQL may change DuckDB's catalog, so
 * it runs under the project's ddl_mu. *table and *response are new
 * references. */
static int run_sql(floe_jinja *j, const char *sql, bool fetch, json_t **table, json_t **response)
{
	dbt_worker *w = dbt_worker_of(j);
	floe_engine_rows *r = NULL;
	int rc;
	*table = *response = NULL;
	if (w->engine == NULL)
		return floe_error_set(FLOE_EINVAL, "no database connection for this command");
	pthread_mutex_lock(&w->d->ddl_mu);
	rc = fetch ? floe_engine_query_rows(w->engine, sql, 0, &r)
	           : floe_engine_exec(w->engine, sql);
	pthread_mutex_unlock(&w->d->ddl_mu);
	if (rc == 0) {
		*table = dbt_agate_table(r);
		*response = json_pack("{s:s,s:s,s:s,s:s,s:I}", FLOE_JINJA_CLASS, "AdapterResponse",
		                      FLOE_JINJA_TEXT, "OK", "_message", "OK", "code", "OK",
		                      "rows_affected", (json_int_t)(r ? r->nrows : 0));
		if (*table == NULL || *response == NULL)
			rc = FLOE_ENOMEM;
	}
	floe_engine_rows_free(r);
	if (rc) {
		json_decref(*table);
		json_decref(*response);
		*table = *response = NULL;
	}
	return rc;
}

static int store(floe_dbt *d, const char *name, json_t *response, json_t *table)
{
	json_t *data = json_array(), *row, *res;
	size_t i;
	json_array_foreach(json_object_get(table, FLOE_JINJA_SEQ), i, row)
	    json_array_append(data, json_object_get(row, FLOE_JINJA_SEQ));
	res = json_pack("{s:O,s:o,s:O}", "response", response ? response : json_null(), "data",
	                data, "table", table ? table : json_null());
	if (res == NULL || json_object_set_new(d->results, name, res))
		return FLOE_ENOMEM;
	return 0;
}

/* adapter.execute(sql, auto_begin=False, fetch=False) -> (response, table) */
static int fn_execute(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                      void *ud)
{
	const char *sql = str_or(json_array_get(args, 0), NULL);
	const json_t *fetch = json_object_get(kwargs, "fetch");
	json_t *table = NULL, *response = NULL;
	int rc;
	(void)ud;
	if (fetch == NULL)
		fetch = json_array_get(args, 2);
	if (sql == NULL)
		return floe_error_set(FLOE_EINVAL, "adapter.execute() needs SQL text");
	if ((rc = run_sql(j, sql, floe_jinja_truthy(fetch), &table, &response)) != 0)
		return rc;
	*out = json_pack("[oo]", response, table);
	return *out ? 0 : FLOE_ENOMEM;
}

/* the primitive of the `statement` macro: run the call block's SQL and
 * keep the result for load_result(name) */
static int fn_statement_run(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                            void *ud)
{
	floe_dbt *d = ud;
	const char *name = str_or(json_array_get(args, 0), NULL);
	const char *sql = str_or(json_array_get(args, 1), NULL);
	json_t *table = NULL, *response = NULL;
	int rc;
	(void)kwargs;
	*out = json_string("");
	if (d->parsing || sql == NULL)
		return 0;
	if (dbt_worker_of(j)->engine == NULL) { /* floe compile: no database, no result */
		floe_log(FLOE_LOG_DEBUG, "statement %s not run: no database connection",
		         name ? name : "");
		return 0;
	}
	rc = run_sql(j, sql, floe_jinja_truthy(json_array_get(args, 2)), &table, &response);
	if (rc == 0 && name)
		rc = store(d, name, response, table);
	json_decref(table);
	json_decref(response);
	return rc;
}

static int fn_store_result(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                           void *ud)
{
	floe_dbt *d = ud;
	const char *name = str_or(json_array_get(args, 0), NULL);
	const json_t *response = json_object_get(kwargs, "response");
	const json_t *table = json_object_get(kwargs, "agate_table");
	(void)j;
	if (response == NULL)
		response = json_array_get(args, 1);
	if (table == NULL)
		table = json_array_get(args, 2);
	*out = json_string("");
	if (name == NULL)
		return floe_error_set(FLOE_EINVAL, "store_result() needs a name");
	return store(d, name, (json_t *)response, (json_t *)table);
}

static int fn_load_result(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	floe_dbt *d = ud;
	const char *name = str_or(json_array_get(args, 0), NULL);
	const json_t *v = name ? json_object_get(d->results, name) : NULL;
	(void)j;
	(void)kwargs;
	*out = json_incref(v ? (json_t *)v : json_null());
	return 0;
}

/* run_query(sql): an agate table; none while parsing (execute is false) */
static int fn_run_query(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	floe_dbt *d = ud;
	const char *sql = str_or(json_array_get(args, 0), NULL);
	json_t *response = NULL;
	int rc;
	(void)kwargs;
	if (d->parsing || dbt_worker_of(j)->engine == NULL) {
		*out = json_null();
		return 0;
	}
	if (sql == NULL)
		return floe_error_set(FLOE_EINVAL, "run_query() needs SQL text");
	rc = run_sql(j, sql, true, out, &response);
	json_decref(response);
	return rc;
}

/* ---- the adapter object ---- */

static const char *rel_part(const json_t *rel, const char *part)
{
	return str_or(json_object_get(rel, part), NULL);
}

/* adapter.get_columns_in_relation(relation): [] while parsing or when the
 * relation does not exist */
static int fn_get_columns(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	floe_dbt *d = ud;
	dbt_worker *w = dbt_worker_of(j);
	const json_t *rel = json_array_get(args, 0);
	const char *text = json_is_string(rel)
	                       ? json_string_value(rel)
	                       : str_or(json_object_get(rel, FLOE_JINJA_TEXT), NULL);
	floe_engine_rows *r = NULL;
	char *sql;
	int rc;
	(void)kwargs;
	*out = json_array();
	if (*out == NULL)
		return FLOE_ENOMEM;
	if (d->parsing || w->engine == NULL || text == NULL)
		return 0;
	if ((sql = floe_asprintf("DESCRIBE SELECT * FROM %s", text)) == NULL)
		return FLOE_ENOMEM;
	rc = floe_engine_query_rows(w->engine, sql, 0, &r);
	floe_free(sql);
	if (rc) { /* no such relation: no columns, as dbt's adapters answer */
		floe_log(FLOE_LOG_DEBUG, "get_columns_in_relation(%s): %s", text,
		         floe_error_message());
		floe_error_clear();
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < r->nrows; i++) {
		json_t *col =
		    dbt_column_value(r->rows[i][0] ? r->rows[i][0] : "",
		                     r->rows[i][1] ? r->rows[i][1] : "VARCHAR", NULL, NULL, NULL);
		if (col == NULL || json_array_append_new(*out, col))
			rc = FLOE_ENOMEM;
	}
	floe_engine_rows_free(r);
	return rc;
}

/* the type of schema.name in this session: "table", "view" or NULL; a
 * catalog table this run has not read yet is exposed first */
static int relation_type(dbt_worker *w, const char *schema, const char *name, const char **type)
{
	floe_engine_rows *r = NULL;
	floe_buf b = FLOE_BUF_INIT;
	int rc;
	*type = NULL;
	/* a catalog table is a table, though this run reads it through a view */
	if ((rc = floe_catalog_table_exists(w->catalog, schema, name)) == 1) {
		*type = "table";
		return 0;
	}
	if (rc < 0)
		return rc;
	/* a table of this run whose commit is still being made */
	if (floe_table_is_kept(w->engine, schema, name)) {
		*type = "table";
		return 0;
	}
	floe_buf_puts(&b, "SELECT table_type FROM information_schema.tables WHERE table_schema = ");
	floe_buf_put_sql_string(&b, schema);
	floe_buf_puts(&b, " AND table_name = ");
	floe_buf_put_sql_string(&b, name);
	rc = b.ptr ? floe_engine_query_rows(w->engine, b.ptr, 1, &r) : FLOE_ENOMEM;
	if (rc == 0 && r->nrows == 1)
		*type = r->rows[0][0] && strcmp(r->rows[0][0], "VIEW") == 0 ? "view" : "table";
	floe_engine_rows_free(r);
	floe_buf_free(&b);
	return rc;
}

/* adapter.get_relation(database, schema, identifier): the relation, or
 * none when it does not exist */
static int fn_get_relation(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                           void *ud)
{
	floe_dbt *d = ud;
	dbt_worker *w = dbt_worker_of(j);
	static const char *names[] = {"database", "schema", "identifier"};
	const char *v[3], *type = NULL;
	int rc = 0;
	for (size_t i = 0; i < 3; i++) {
		const json_t *x = json_object_get(kwargs, names[i]);
		v[i] = str_or(x ? x : json_array_get(args, i), NULL);
	}
	*out = json_null();
	if (d->parsing || w->engine == NULL || v[1] == NULL || v[2] == NULL)
		return 0;
	if ((rc = relation_type(w, v[1], v[2], &type)) != 0)
		return rc;
	if (type) {
		*out = dbt_relation_value(v[0] ? v[0] : "memory", v[1], v[2], type);
		rc = *out ? 0 : FLOE_ENOMEM;
	}
	return rc;
}

/* adapter.drop_relation(relation): a catalog table or view is dropped from
 * the catalog (its files stay, as an Iceberg drop without purge leaves
 * them), and a view from this run's DuckDB */
static int fn_drop_relation(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                            void *ud)
{
	floe_dbt *d = ud;
	dbt_worker *w = dbt_worker_of(j);
	const json_t *rel = json_array_get(args, 0);
	const char *schema = rel_part(rel, "schema"), *name = rel_part(rel, "identifier");
	int rc = 0;
	(void)kwargs;
	*out = json_null();
	if (d->parsing || w->engine == NULL || schema == NULL || name == NULL)
		return 0;
	pthread_mutex_lock(&d->ddl_mu);
	rc = floe_catalog_table_exists(w->catalog, schema, name);
	if (rc == 1) {
		rc = floe_table_drop(w->engine, w->catalog, schema, name, false);
	} else if (rc == 0) {
		rc = floe_catalog_drop_view(w->catalog, schema, name);
		if (rc == FLOE_ENOTFOUND || rc == FLOE_EUNSUPPORTED) { /* none in the catalog */
			floe_error_clear();
			rc = 0;
		}
		if (rc == 0)
			rc = floe_engine_drop_view(w->engine, schema, name);
	}
	pthread_mutex_unlock(&d->ddl_mu);
	return rc;
}

/* adapter.load_relation(relation) */
static int fn_load_relation(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                            void *ud)
{
	const json_t *rel = json_array_get(args, 0);
	json_t *a = json_pack("[s?s?s?]", rel_part(rel, "database"), rel_part(rel, "schema"),
	                      rel_part(rel, "identifier"));
	int rc = a ? fn_get_relation(out, j, a, kwargs, ud) : FLOE_ENOMEM;
	json_decref(a);
	return rc;
}

/* adapter.quote(identifier): DuckDB's quoted identifier */
static int fn_quote(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	const char *v = str_or(json_array_get(args, 0), NULL);
	floe_buf b = FLOE_BUF_INIT;
	(void)j;
	(void)kwargs;
	(void)ud;
	if (v == NULL)
		return floe_error_set(FLOE_EINVAL, "adapter.quote() needs a string");
	floe_buf_put_sql_ident(&b, v);
	*out = json_string(b.ptr);
	floe_buf_free(&b);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_adapter_type(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                           void *ud)
{
	(void)j;
	(void)args;
	(void)kwargs;
	(void)ud;
	*out = json_string("duckdb");
	return 0;
}

/* adapter.check_schema_exists(database, schema) */
static int fn_schema_exists(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                            void *ud)
{
	floe_dbt *d = ud;
	dbt_worker *w = dbt_worker_of(j);
	const char *schema = str_or(json_array_get(args, 1), NULL);
	int rc;
	(void)kwargs;
	*out = json_false();
	if (d->parsing || schema == NULL || w->catalog == NULL)
		return 0;
	rc = floe_catalog_namespace_exists(w->catalog, schema);
	if (rc < 0)
		return rc;
	*out = json_boolean(rc == 1);
	return 0;
}

/* the packages to search for adapter.dispatch(name, namespace), as dbt
 * does: the project's `dispatch:` search_order for that namespace, else
 * the root project then the package, else the current context */
static json_t *search_packages(floe_dbt *d, const char *ns)
{
	const json_t *cfg = json_object_get(d->project, "dispatch"), *e;
	size_t i;
	json_array_foreach(cfg, i, e)
	{
		const char *m = str_or(json_object_get(e, "macro_namespace"), NULL);
		const json_t *order = json_object_get(e, "search_order");
		if (ns && m && strcmp(m, ns) == 0 && json_is_array(order))
			return json_incref((json_t *)order);
	}
	if (ns) {
		const json_t *p;
		json_array_foreach(d->packages, i, p) if (strcmp(json_string_value(p), ns) ==
		                                          0) return json_pack("[ss]",
		                                                              d->project_name, ns);
	}
	return json_pack("[n]");
}

static int fn_dispatch(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	floe_dbt *d = ud;
	static const char *prefixes[] = {"duckdb__", "default__"};
	const json_t *nsv = json_object_get(kwargs, "macro_namespace");
	const char *name = str_or(json_array_get(args, 0), NULL), *ns;
	json_t *order, *p;
	floe_buf tried = FLOE_BUF_INIT;
	size_t i;
	int rc;
	if (nsv == NULL)
		nsv = json_array_get(args, 1);
	ns = str_or(nsv, NULL);
	if (name == NULL)
		return floe_error_set(FLOE_EINVAL, "adapter.dispatch() needs a macro name");
	if (strchr(name, '.'))
		return floe_error_set(FLOE_EINVAL,
		                      "adapter.dispatch('%s'): a macro name has no '.'; give the "
		                      "package as macro_namespace",
		                      name);
	if ((order = search_packages(d, ns)) == NULL)
		return FLOE_ENOMEM;
	*out = NULL;
	json_array_foreach(order, i, p)
	{
		for (size_t k = 0; k < 2 && *out == NULL; k++) {
			char *m = floe_asprintf("%s%s", prefixes[k], name);
			if (m == NULL)
				break;
			if (json_is_string(p)) {
				*out = floe_jinja_package_macro(j, json_string_value(p), m);
				floe_buf_printf(&tried, "%s'%s.%s'", tried.len ? ", " : "",
				                json_string_value(p), m);
			} else {
				*out = floe_jinja_lookup(j, m);
				floe_buf_printf(&tried, "%s'%s'", tried.len ? ", " : "", m);
			}
			floe_free(m);
		}
		if (*out)
			break;
	}
	json_decref(order);
	rc = *out ? 0
	          : floe_error_set(FLOE_EINVAL,
	                           "no macro named '%s' found within namespace '%s' (searched %s)",
	                           name, ns ? ns : "None", tried.ptr ? tried.ptr : "nothing");
	floe_buf_free(&tried);
	return rc;
}

/* the `dbt` package: macros/context.sql, then macros/cross_db.sql */
static int load_builtins(floe_dbt *d)
{
	return floe_jinja_load_package_macros(d->jinja, dbt_builtin_macros, "<floe dbt macros>",
	                                      "dbt");
}

/* a global object `pkg` with every macro of that package */
static int namespace_object(floe_dbt *d, const char *pkg)
{
	json_t *ns = json_object();
	int rc = ns ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < floe_jinja_macro_count(d->jinja); i++) {
		const char *p = floe_jinja_macro_package(d->jinja, i);
		const char *m = floe_jinja_macro_name(d->jinja, i);
		json_t *v;
		if (p == NULL || strcmp(p, pkg) != 0)
			continue;
		v = floe_jinja_package_macro(d->jinja, pkg, m);
		if (v == NULL || json_object_set_new(ns, m, v))
			rc = FLOE_ENOMEM;
	}
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, pkg, ns);
	json_decref(ns);
	return rc;
}

int dbt_register_adapter(floe_dbt *d)
{
	static const struct {
		const char *name;
		floe_jinja_fn fn;
	} fns[] = {
	    {"adapter.dispatch", fn_dispatch},
	    {"adapter.get_columns_in_relation", fn_get_columns},
	    {"adapter.get_relation", fn_get_relation},
	    {"adapter.load_relation", fn_load_relation},
	    {"adapter.drop_relation", fn_drop_relation},
	    {"load_relation", fn_load_relation},
	    {"adapter.quote", fn_quote},
	    {"adapter.type", fn_adapter_type},
	    {"adapter.execute", fn_execute},
	    {"adapter.check_schema_exists", fn_schema_exists},
	    {"_floe_statement", fn_statement_run},
	    {"store_result", fn_store_result},
	    {"load_result", fn_load_result},
	    {"run_query", fn_run_query},
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(fns) / sizeof(fns[0]); i++)
		rc = floe_jinja_register(d->jinja, fns[i].name, fns[i].fn, d);
	if (rc == 0)
		rc = dbt_register_relations(d);
	if (rc == 0)
		rc = load_builtins(d);
	if (rc == 0)
		rc = namespace_object(d, "dbt");
	return rc;
}
