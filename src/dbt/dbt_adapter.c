/*
 * The database side of dbt's Jinja context, on floe's DuckDB: relation
 * objects (what ref, source, this and api.Relation.create give: they
 * render as "schema"."identifier" and have dbt's attributes and methods),
 * column objects (adapter.get_columns_in_relation), agate-like tables
 * (run_query, load_result: rows by position and name, columns with
 * values()), the adapter and api objects, statement/load_result, and the
 * `dbt` namespace of cross-database macros: floe's own DuckDB versions of
 * dbt's type_*, dateadd, datediff, concat, hash, date_spine, ... each
 * dispatched so that a project's duckdb__<name> overrides it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbt_adapter.h"
#include "dbt_runtime.h"

/* ---- relations ---- */

/* an ephemeral model's relation renders as its inlined SQL, whatever its
 * policies */
#define INLINE_SQL                                                                                 \
	"\x01"                                                                                     \
	"inline"

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

/* "schema"."identifier" (and the database when the include policy says so) */
static int relation_text(json_t *rel)
{
	const json_t *inc = json_object_get(rel, "include_policy");
	const json_t *quo = json_object_get(rel, "quote_policy");
	static const char *parts[] = {"database", "schema", "identifier"};
	const char *inline_sql = str_or(json_object_get(rel, INLINE_SQL), NULL);
	floe_buf b = FLOE_BUF_INIT;
	int rc = inline_sql ? floe_buf_puts(&b, inline_sql) : 0;
	for (size_t i = 0; rc == 0 && !inline_sql && i < 3; i++) {
		const char *v = str_or(json_object_get(rel, parts[i]), NULL);
		if (v == NULL || v[0] == '\0' || json_is_false(json_object_get(inc, parts[i])))
			continue;
		if (b.len)
			rc = floe_buf_putc(&b, '.');
		if (rc == 0)
			rc = json_is_false(json_object_get(quo, parts[i]))
			         ? floe_buf_puts(&b, v)
			         : floe_buf_put_sql_ident(&b, v);
	}
	if (rc == 0 &&
	    json_object_set_new(rel, FLOE_JINJA_TEXT, json_stringn(b.ptr ? b.ptr : "", b.len)) != 0)
		rc = FLOE_ENOMEM;
	floe_buf_free(&b);
	return rc;
}

json_t *dbt_relation_value(const char *database, const char *schema, const char *identifier,
                           const char *type)
{
	json_t *rel = json_pack(
	    "{s:s,s:s?,s:s?,s:s?,s:s?,s:s?,s:b,s:b,s:b,s:{s:s},s:{s:b,s:b,s:b},s:{s:b,s:b,s:b}}",
	    FLOE_JINJA_CLASS, "relation", "database", database, "schema", schema, "identifier",
	    identifier, "name", identifier, "type", type, "is_table",
	    type && strcmp(type, "table") == 0, "is_view", type && strcmp(type, "view") == 0,
	    "is_cte", type && strcmp(type, "cte") == 0, "metadata", "type", "DuckDBRelation",
	    "include_policy", "database", 0, "schema", 1, "identifier", 1, "quote_policy",
	    "database", 1, "schema", 1, "identifier", 1);
	if (rel && relation_text(rel) != 0) {
		json_decref(rel);
		rel = NULL;
	}
	return rel;
}

json_t *dbt_node_relation(floe_dbt *d, const dbt_node *n)
{
	const char *mat = dbt_mat(n);
	json_t *rel;
	(void)d;
	if (strcmp(mat, "ephemeral") == 0) {
		/* floe inlines ephemeral models as a subquery */
		char *sql = floe_asprintf("(%s)", n->compiled ? n->compiled : "select 1");
		rel = sql ? dbt_relation_value(NULL, NULL, n->name, "cte") : NULL;
		if (rel && (json_object_set_new(rel, INLINE_SQL, json_string(sql)) ||
		            relation_text(rel) != 0)) {
			json_decref(rel);
			rel = NULL;
		}
		floe_free(sql);
		return rel;
	}
	return dbt_relation_value("memory", n->schema ? n->schema : "main",
	                          n->alias ? n->alias : n->name,
	                          strcmp(mat, "view") == 0 ? "view" : "table");
}

/* relation.include(database=, schema=, identifier=) and .quote(...) */
static int rel_policy(json_t **out, const json_t *args, const json_t *kwargs, const char *policy)
{
	static const char *parts[] = {"database", "schema", "identifier"};
	json_t *rel = json_deep_copy(json_array_get(args, 0)), *p;
	if (rel == NULL)
		return FLOE_ENOMEM;
	p = json_object_get(rel, policy);
	for (size_t i = 0; i < 3; i++) {
		const json_t *v = json_object_get(kwargs, parts[i]);
		if (v == NULL)
			v = json_array_get(args, i + 1);
		if (json_is_boolean(v))
			json_object_set(p, parts[i], (json_t *)v);
	}
	if (relation_text(rel) != 0) {
		json_decref(rel);
		return FLOE_ENOMEM;
	}
	*out = rel;
	return 0;
}

static int fn_rel_include(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	(void)j;
	(void)ud;
	return rel_policy(out, args, kwargs, "include_policy");
}

static int fn_rel_quote(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	(void)j;
	(void)ud;
	return rel_policy(out, args, kwargs, "quote_policy");
}

static int fn_rel_render(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                         void *ud)
{
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_incref(json_object_get(json_array_get(args, 0), FLOE_JINJA_TEXT));
	return *out ? 0 : floe_error_set(FLOE_EINVAL, "render(): not a relation");
}

/* relation.incorporate(path={...}, type=...) and .replace_path(...) */
static int fn_rel_incorporate(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                              void *ud)
{
	const json_t *path = json_object_get(kwargs, "path");
	const json_t *type = json_object_get(kwargs, "type");
	const char *k;
	json_t *v, *rel = json_deep_copy(json_array_get(args, 0));
	(void)j;
	(void)ud;
	if (rel == NULL)
		return FLOE_ENOMEM;
	if (path == NULL)
		path = kwargs; /* replace_path(schema=...) */
	json_object_foreach((json_t *)path, k, v)
	{
		if (strcmp(k, "database") == 0 || strcmp(k, "schema") == 0 ||
		    strcmp(k, "identifier") == 0)
			json_object_set(rel, k, v);
		if (strcmp(k, "identifier") == 0)
			json_object_set(rel, "name", v);
	}
	if (json_is_string(type)) {
		json_object_set(rel, "type", (json_t *)type);
		json_object_set_new(rel, "is_table",
		                    json_boolean(strcmp(json_string_value(type), "table") == 0));
		json_object_set_new(rel, "is_view",
		                    json_boolean(strcmp(json_string_value(type), "view") == 0));
	}
	if (relation_text(rel) != 0) {
		json_decref(rel);
		return FLOE_ENOMEM;
	}
	*out = rel;
	return 0;
}

static int fn_relation_create(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                              void *ud)
{
	static const char *names[] = {"database", "schema", "identifier", "type"};
	const char *v[4];
	(void)j;
	(void)ud;
	for (size_t i = 0; i < 4; i++) {
		const json_t *x = json_object_get(kwargs, names[i]);
		v[i] = str_or(x ? x : json_array_get(args, i), NULL);
	}
	*out = dbt_relation_value(v[0], v[1], v[2], v[3]);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_ephemeral_prefix(json_t **out, floe_jinja *j, const json_t *args,
                               const json_t *kwargs, void *ud)
{
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_pack("s+", "__dbt__cte__", str_or(json_array_get(args, 0), ""));
	return *out ? 0 : FLOE_ENOMEM;
}

/* ---- columns (dbt-adapters' Column, with dbt-duckdb's type lists) ---- */

static bool in_list(const char *dtype, const char *const *list)
{
	for (; *list; list++)
		if (strcasecmp(dtype, *list) == 0)
			return true;
	return false;
}

static const char *const string_types[] = {"text", "character varying", "character", "varchar",
                                           NULL};
static const char *const float_types[] = {"real", "float", "float4", "float8", "double", NULL};
static const char *const numeric_types[] = {"numeric", "decimal", NULL};
static const char *const integer_types[] = {
    "tinyint",   "smallint", "integer", "bigint", "hugeint", "utinyint",
    "usmallint", "uinteger", "ubigint", "int1",   "int2",    "int4",
    "int8",      "short",    "int",     "signed", "long",    NULL};

static json_t *column_value(const char *name, const char *dtype, const json_t *char_size,
                            const json_t *precision, const json_t *scale)
{
	floe_buf q = FLOE_BUF_INIT;
	char *data_type;
	json_t *col;
	if (in_list(dtype, string_types))
		data_type = floe_asprintf(
		    "character varying(%lld)",
		    json_is_integer(char_size) ? (long long)json_integer_value(char_size) : 256LL);
	else if (in_list(dtype, numeric_types) && json_is_integer(precision) &&
	         json_is_integer(scale))
		data_type =
		    floe_asprintf("%s(%lld,%lld)", dtype, (long long)json_integer_value(precision),
		                  (long long)json_integer_value(scale));
	else
		data_type = floe_strdup(dtype);
	floe_buf_putc(&q, '"');
	floe_buf_puts(&q, name);
	floe_buf_putc(&q, '"');
	col = data_type && q.ptr
	          ? json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O?,s:O?,s:O?}", FLOE_JINJA_CLASS,
	                      "column", "name", name, "column", name, "dtype", dtype, "data_type",
	                      data_type, "quoted", q.ptr, "char_size", char_size,
	                      "numeric_precision", precision, "numeric_scale", scale)
	          : NULL;
	floe_free(data_type);
	floe_buf_free(&q);
	return col;
}

static const char *col_dtype(const json_t *args)
{
	return str_or(json_object_get(json_array_get(args, 0), "dtype"), "");
}

/* is_string(), is_float(), is_numeric(), is_integer(), is_number() */
static int fn_col_is(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	const char *what = ud, *t = col_dtype(args);
	bool yes;
	(void)j;
	(void)kwargs;
	if (strcmp(what, "string") == 0)
		yes = in_list(t, string_types);
	else if (strcmp(what, "float") == 0)
		yes = in_list(t, float_types);
	else if (strcmp(what, "numeric") == 0)
		yes = in_list(t, numeric_types);
	else if (strcmp(what, "integer") == 0)
		yes = in_list(t, integer_types);
	else
		yes = in_list(t, integer_types) || in_list(t, float_types) ||
		      in_list(t, numeric_types);
	*out = json_boolean(yes);
	return 0;
}

static int fn_col_string_size(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                              void *ud)
{
	const json_t *size = json_object_get(json_array_get(args, 0), "char_size");
	(void)j;
	(void)kwargs;
	(void)ud;
	if (!in_list(col_dtype(args), string_types))
		return floe_error_set(FLOE_EINVAL, "called string_size() on a non-string column");
	*out = json_integer(json_is_integer(size) ? json_integer_value(size) : 256);
	return 0;
}

static int fn_col_literal(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	json_t *v = json_array_get(args, 1);
	floe_buf b = FLOE_BUF_INIT;
	(void)j;
	(void)kwargs;
	(void)ud;
	if (json_is_string(v))
		floe_buf_puts(&b, json_string_value(v));
	else if (json_is_integer(v))
		floe_buf_printf(&b, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		floe_buf_printf(&b, "%.17g", json_real_value(v));
	floe_buf_printf(&b, "::%s",
	                str_or(json_object_get(json_array_get(args, 0), "data_type"), "text"));
	*out = json_string(b.ptr);
	floe_buf_free(&b);
	return *out ? 0 : FLOE_ENOMEM;
}

/* api.Column(name, dtype, char_size, numeric_precision, numeric_scale) */
static int fn_column_new(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                         void *ud)
{
	static const char *names[] = {"column", "dtype", "char_size", "numeric_precision",
	                              "numeric_scale"};
	const json_t *v[5];
	(void)j;
	(void)ud;
	for (size_t i = 0; i < 5; i++) {
		v[i] = json_array_get(args, i);
		if (v[i] == NULL)
			v[i] = json_object_get(kwargs, names[i]);
	}
	if (!json_is_string(v[0]) || !json_is_string(v[1]))
		return floe_error_set(FLOE_EINVAL, "api.Column() needs a name and a type");
	*out = column_value(json_string_value(v[0]), json_string_value(v[1]), v[2], v[3], v[4]);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_translate_type(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                             void *ud)
{
	const char *t = str_or(json_array_get(args, 0), "");
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_string(strcasecmp(t, "string") == 0 ? "TEXT" : t);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_numeric_type(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                           void *ud)
{
	const json_t *p = json_array_get(args, 1), *s = json_array_get(args, 2);
	const char *t = str_or(json_array_get(args, 0), "numeric");
	(void)j;
	(void)kwargs;
	(void)ud;
	if (json_is_integer(p) && json_is_integer(s))
		*out = json_sprintf("%s(%lld,%lld)", t, (long long)json_integer_value(p),
		                    (long long)json_integer_value(s));
	else
		*out = json_string(t);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_string_type(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	const json_t *n = json_array_get(args, 0);
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_sprintf("character varying(%lld)",
	                    json_is_integer(n) ? (long long)json_integer_value(n) : 256LL);
	return *out ? 0 : FLOE_ENOMEM;
}

/* ---- agate-like tables ---- */

static json_t *typed_cell(const char *text, const char *type)
{
	char *end;
	if (text == NULL)
		return json_null();
	if (strcasecmp(type, "BOOLEAN") == 0)
		return json_boolean(strcasecmp(text, "true") == 0);
	if (in_list(type, integer_types)) {
		long long v;
		errno = 0;
		v = strtoll(text, &end, 10);
		if (*end == '\0' && end != text && errno == 0)
			return json_integer(v);
	}
	if (in_list(type, integer_types) || in_list(type, float_types) ||
	    strncasecmp(type, "DECIMAL", 7) == 0) {
		double v = strtod(text, &end);
		if (*end == '\0' && end != text)
			return json_real(v);
	}
	return json_string(text);
}

static const char *agate_type(const char *duck)
{
	if (strcasecmp(duck, "BOOLEAN") == 0)
		return "Boolean";
	if (in_list(duck, integer_types) || in_list(duck, float_types) ||
	    strncasecmp(duck, "DECIMAL", 7) == 0)
		return "Number";
	if (strcasecmp(duck, "DATE") == 0)
		return "Date";
	if (strncasecmp(duck, "TIMESTAMP", 9) == 0)
		return "DateTime";
	return "Text";
}

/* rows (objects that are also sequences), columns (a mapping that is also
 * a sequence of columns, each a sequence of its values), column_names */
static json_t *agate_table(const floe_engine_rows *r)
{
	json_t *rows = json_array(), *names = json_array(), *types = json_array();
	json_t *cols =
	    json_pack("{s:s,s:[]}", FLOE_JINJA_CLASS, "agate.MappedSequence", FLOE_JINJA_SEQ);
	json_t *table = NULL;
	size_t ncols = r ? r->ncols : 0, nrows = r ? r->nrows : 0;
	if (rows == NULL || names == NULL || types == NULL || cols == NULL)
		goto done;
	for (size_t c = 0; c < ncols; c++) {
		json_t *col =
		    json_pack("{s:s,s:s,s:s,s:[]}", FLOE_JINJA_CLASS, "agate.Column", "name",
		              r->names[c], "data_type", agate_type(r->types[c]), FLOE_JINJA_SEQ);
		if (col == NULL)
			goto done;
		json_array_append_new(names, json_string(r->names[c]));
		json_array_append_new(types, json_string(agate_type(r->types[c])));
		json_array_append(json_object_get(cols, FLOE_JINJA_SEQ), col);
		json_object_set_new(cols, r->names[c], col);
	}
	for (size_t i = 0; i < nrows; i++) {
		json_t *row =
		    json_pack("{s:s,s:[]}", FLOE_JINJA_CLASS, "agate.Row", FLOE_JINJA_SEQ);
		if (row == NULL)
			goto done;
		for (size_t c = 0; c < ncols; c++) {
			json_t *v = typed_cell(r->rows[i][c], r->types[c]);
			json_array_append(json_object_get(row, FLOE_JINJA_SEQ), v);
			json_array_append(
			    json_object_get(json_object_get(cols, r->names[c]), FLOE_JINJA_SEQ), v);
			json_object_set_new(row, r->names[c], v);
		}
		json_array_append_new(rows, row);
	}
	table = json_pack("{s:s,s:O,s:O,s:O,s:O,s:O}", FLOE_JINJA_CLASS, "agate.Table",
	                  FLOE_JINJA_SEQ, rows, "rows", rows, "columns", cols, "column_names",
	                  names, "column_types", types);
done:
	json_decref(rows);
	json_decref(names);
	json_decref(types);
	json_decref(cols);
	return table;
}

/* values of a row joined by " | ", for print_table() */
static char *joined(const json_t *values)
{
	floe_buf b = FLOE_BUF_INIT;
	size_t i;
	const json_t *v;
	json_array_foreach(values, i, v)
	{
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_ENCODE_ANY);
		if (i)
			floe_buf_puts(&b, " | ");
		floe_buf_puts(&b, json_is_string(v) ? json_string_value(v) : s ? s : "");
		free(s);
	}
	floe_buf_putc(&b, '\0');
	return floe_buf_detach(&b, NULL);
}

static int fn_print_table(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	const json_t *t = json_array_get(args, 0), *row;
	char *line = joined(json_object_get(t, "column_names"));
	size_t i;
	(void)j;
	(void)kwargs;
	(void)ud;
	floe_log(FLOE_LOG_INFO, "%s", line ? line : "");
	floe_free(line);
	json_array_foreach(json_object_get(t, FLOE_JINJA_SEQ), i, row)
	{
		line = joined(json_object_get(row, FLOE_JINJA_SEQ));
		floe_log(FLOE_LOG_INFO, "%s", line ? line : "");
		floe_free(line);
	}
	*out = json_null();
	return 0;
}

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
		*table = agate_table(r);
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
		    column_value(r->rows[i][0] ? r->rows[i][0] : "",
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

/* ---- the `dbt` namespace: floe's cross-database macros for DuckDB ---- */

/* Each entry becomes `name(params)`, which dispatches like dbt's own
 * (adapter.dispatch(name, 'dbt'): a project's duckdb__name wins), and
 * `duckdb__name(params)` with floe's DuckDB SQL. */
static const struct {
	const char *sig, *body;
} cross_db[] = {
    {"type_string()", "{{ return('text') }}"},
    {"type_timestamp()", "{{ return('timestamp') }}"},
    {"type_float()", "{{ return('float') }}"},
    {"type_numeric()", "{{ return('numeric(28,6)') }}"},
    {"type_bigint()", "{{ return('bigint') }}"},
    {"type_int()", "{{ return('integer') }}"},
    {"type_boolean()", "{{ return('boolean') }}"},
    {"current_timestamp()", "now()"},
    {"any_value(expression)", "any_value({{ expression }})"},
    {"bool_or(expression)", "bool_or({{ expression }})"},
    {"cast(field, type)", "cast({{ field }} as {{ type }})"},
    {"safe_cast(field, type)", "try_cast({{ field }} as {{ type }})"},
    {"cast_bool_to_text(field)", "cast({{ field }} as text)"},
    {"concat(fields)", "{{ fields | join(' || ') }}"},
    {"hash(field)", "md5(cast({{ field }} as text))"},
    {"length(expression)", "length({{ expression }})"},
    {"position(substring_text, string_text)",
     "position({{ substring_text }} in {{ string_text }})"},
    {"replace(field, old_chars, new_chars)",
     "replace({{ field }}, {{ old_chars }}, {{ new_chars }})"},
    {"right(string_text, length_expression)", "right({{ string_text }}, {{ length_expression }})"},
    {"split_part(string_text, delimiter_text, part_number)",
     "split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})"},
    {"string_literal(value)", "'{{ value }}'"},
    {"escape_single_quotes(expression)", "{{ expression | replace(\"'\", \"''\") }}"},
    {"except()", "except"},
    {"intersect()", "intersect"},
    {"equals(expr1, expr2)", "({{ expr1 }} = {{ expr2 }})"},
    {"date(year, month, day)", "make_date({{ year }}, {{ month }}, {{ day }})"},
    {"date_trunc(datepart, date)", "date_trunc('{{ datepart }}', {{ date }})"},
    /* DuckDB's to_<unit>s() intervals; a quarter is three months */
    {"dateadd(datepart, interval, from_date_or_timestamp)",
     "{%- set unit = datepart | lower | trim -%}"
     "{%- set n = 'cast(' ~ interval ~ ' as bigint)' -%}"
     /* a quoted literal has no type in DuckDB: a timestamp here */
     "{%- set start = from_date_or_timestamp | string | trim -%}"
     "{%- if start.startswith(\"'\") and start.endswith(\"'\") -%}"
     "{%- set start = 'cast(' ~ start ~ ' as timestamp)' -%}{%- endif -%}"
     "({{ start }} + "
     "{%- if unit == 'quarter' %} to_months(3 * {{ n }})"
     "{%- else %} to_{{ unit }}s({{ n }}){% endif %})"},
    {"datediff(first_date, second_date, datepart)",
     "date_diff('{{ datepart | lower | trim }}', cast({{ first_date }} as timestamp), "
     "cast({{ second_date }} as timestamp))"},
    {"last_day(date, datepart)",
     "cast({{ dbt.dateadd(datepart, 1, dbt.date_trunc(datepart, date)) }} - to_days(1) as date)"},
    {"listagg(measure, delimiter_text=\"','\", order_by_clause=none, limit_num=none)",
     "{%- set order = (' ' ~ order_by_clause) if order_by_clause else '' -%}"
     "{%- if limit_num -%}"
     "array_to_string(list_slice(array_agg({{ measure }}{{ order }}), 1, {{ limit_num }}), "
     "{{ delimiter_text }})"
     "{%- else -%}string_agg({{ measure }}, {{ delimiter_text }}{{ order }}){%- endif -%}"},
    {"array_construct(inputs=[], data_type='integer')",
     "{%- if inputs | length > 0 -%}[{{ inputs | join(', ') }}]"
     "{%- else -%}cast([] as {{ data_type }}[]){%- endif -%}"},
    {"array_append(array, new_element)", "list_append({{ array }}, {{ new_element }})"},
    {"array_concat(array_1, array_2)", "list_concat({{ array_1 }}, {{ array_2 }})"},
    /* the smallest n with 2**n >= upper_bound */
    {"get_powers_of_two(upper_bound)",
     "{%- if upper_bound <= 0 -%}"
     "{{ exceptions.raise_compiler_error('get_powers_of_two: the bound must be positive') }}"
     "{%- endif -%}"
     "{%- set ns = namespace(n=0) -%}"
     "{%- for i in range(64) if ns.n == 0 and 2 ** i >= upper_bound -%}"
     "{%- set ns.n = i -%}{%- endfor -%}"
     "{{ return(ns.n) }}"},
    {"generate_series(upper_bound)",
     "select range as generated_number from range(1, {{ upper_bound }} + 1)"},
    {"get_intervals_between(start_date, end_date, datepart)",
     "{%- call statement('get_intervals_between', fetch_result=True) -%}"
     "select {{ dbt.datediff(start_date, end_date, datepart) }}"
     "{%- endcall -%}"
     "{%- set r = load_result('get_intervals_between') -%}"
     "{{ return(r['data'][0][0] if r and r['data'] else 1) }}"},
    {"date_spine(datepart, start_date, end_date)",
     "select * from (select {{ dbt.dateadd(datepart, 'generated_number - 1', start_date) }} "
     "as date_{{ datepart }} from ("
     "{{ dbt.generate_series(dbt.get_intervals_between(start_date, end_date, datepart)) }}"
     ") as series) as spine where date_{{ datepart }} <= {{ end_date }}"},
};

/* context macros that are Jinja in dbt too: statement runs its call block
 * once execute is true */
static const char context_macros[] =
    "{% macro statement(name=none, fetch_result=false, auto_begin=true, language='sql') -%}"
    "{%- if execute -%}{%- do _floe_statement(name, caller(), fetch_result) -%}{%- endif -%}"
    "{%- endmacro %}\n"
    "{% macro should_store_failures() -%}"
    "{%- set v = config.get('store_failures') -%}"
    "{{ return(flags.STORE_FAILURES if v is none else v) }}"
    "{%- endmacro %}\n"
    "{% macro should_full_refresh() -%}"
    "{%- set v = config.get('full_refresh') -%}"
    "{{ return(flags.FULL_REFRESH if v is none else v) }}"
    "{%- endmacro %}\n"
    "{% macro get_where_subquery(relation) -%}"
    "{%- set where = config.get('where') -%}"
    "{%- if where -%}{{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') "
    "dbt_subquery') }}"
    "{%- else -%}{{ return(relation) }}{%- endif -%}"
    "{%- endmacro %}\n";

/* the argument names of "a, b='x', c=none" (commas inside quotes or
 * brackets do not split) */
static void param_names(floe_buf *b, const char *params)
{
	int depth = 0;
	char quote = 0;
	bool in_default = false;
	for (const char *p = params; *p; p++) {
		if (quote) {
			quote = *p == quote ? 0 : quote;
			continue;
		}
		if (*p == '\'' || *p == '"')
			quote = *p;
		else if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if (*p == ')' || *p == ']' || *p == '}')
			depth--;
		else if (*p == ',' && depth == 0) {
			in_default = false;
			floe_buf_puts(b, ", ");
		} else if (*p == '=' && depth == 0)
			in_default = true;
		else if (!in_default && depth == 0 && *p != ' ')
			floe_buf_putc(b, *p);
	}
}

static int load_builtins(floe_dbt *d)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc;
	floe_buf_puts(&b, context_macros);
	for (size_t i = 0; i < sizeof(cross_db) / sizeof(cross_db[0]); i++) {
		const char *sig = cross_db[i].sig, *open = strchr(sig, '(');
		size_t nlen = (size_t)(open - sig);
		char *params = floe_strndup(open + 1, strlen(open + 1) - 1);
		if (params == NULL) {
			floe_buf_free(&b);
			return FLOE_ENOMEM;
		}
		floe_buf_printf(&b, "{%% macro %s %%}{{ return(adapter.dispatch('%.*s', 'dbt')(",
		                sig, (int)nlen, sig);
		param_names(&b, params);
		floe_buf_printf(
		    &b, ")) }}{%% endmacro %%}\n{%% macro duckdb__%s %%}%s{%% endmacro %%}\n", sig,
		    cross_db[i].body);
		floe_free(params);
	}
	rc = b.ptr ? floe_jinja_load_package_macros(d->jinja, b.ptr, "<floe dbt macros>", "dbt")
	           : FLOE_ENOMEM;
	floe_buf_free(&b);
	return rc;
}

/* api.Column.create(name, label_or_dtype) */
static int fn_column_create(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                            void *ud)
{
	const char *name = str_or(json_array_get(args, 0), NULL);
	const char *t = str_or(json_array_get(args, 1), NULL);
	(void)j;
	(void)kwargs;
	(void)ud;
	if (name == NULL || t == NULL)
		return floe_error_set(FLOE_EINVAL, "api.Column.create() needs a name and a type");
	*out = column_value(name, strcasecmp(t, "string") == 0 ? "TEXT" : t, NULL, NULL, NULL);
	return *out ? 0 : FLOE_ENOMEM;
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
	    {"api.Relation.create", fn_relation_create},
	    {"api.Relation.add_ephemeral_prefix", fn_ephemeral_prefix},
	    {"api.Column", fn_column_new},
	    {"api.Column.translate_type", fn_translate_type},
	    {"api.Column.numeric_type", fn_numeric_type},
	    {"api.Column.string_type", fn_string_type},
	    {"api.Column.create", fn_column_create},
	    {"_floe_statement", fn_statement_run},
	    {"store_result", fn_store_result},
	    {"load_result", fn_load_result},
	    {"run_query", fn_run_query},
	};
	static const struct {
		const char *cls, *name;
		floe_jinja_fn fn;
		const char *ud;
	} methods[] = {
	    {"relation", "include", fn_rel_include, NULL},
	    {"relation", "quote", fn_rel_quote, NULL},
	    {"relation", "render", fn_rel_render, NULL},
	    {"relation", "incorporate", fn_rel_incorporate, NULL},
	    {"relation", "replace_path", fn_rel_incorporate, NULL},
	    {"column", "is_string", fn_col_is, "string"},
	    {"column", "is_number", fn_col_is, "number"},
	    {"column", "is_numeric", fn_col_is, "numeric"},
	    {"column", "is_float", fn_col_is, "float"},
	    {"column", "is_integer", fn_col_is, "integer"},
	    {"column", "string_size", fn_col_string_size, NULL},
	    {"column", "literal", fn_col_literal, NULL},
	    {"agate.Table", "print_table", fn_print_table, NULL},
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(fns) / sizeof(fns[0]); i++)
		rc = floe_jinja_register(d->jinja, fns[i].name, fns[i].fn, d);
	for (size_t i = 0; rc == 0 && i < sizeof(methods) / sizeof(methods[0]); i++)
		rc = floe_jinja_register_method(d->jinja, methods[i].cls, methods[i].name,
		                                methods[i].fn, (void *)methods[i].ud);
	if (rc == 0)
		rc = load_builtins(d);
	if (rc == 0)
		rc = namespace_object(d, "dbt");
	return rc;
}
