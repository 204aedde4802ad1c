/*
 * dbt's relation, column and agate-table objects as Jinja sees them, on
 * floe's DuckDB: relations (what ref, source, this and api.Relation.create
 * give: they render as "schema"."identifier" and have dbt's attributes and
 * methods), columns (dbt-adapters' Column with dbt-duckdb's type lists:
 * adapter.get_columns_in_relation, api.Column), and agate-like tables
 * (run_query, load_result: rows by position and name, columns with
 * values()). Pure values: no database is touched here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbt_relation.h"

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

json_t *dbt_column_value(const char *name, const char *dtype, const json_t *char_size,
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
	*out = dbt_column_value(json_string_value(v[0]), json_string_value(v[1]), v[2], v[3], v[4]);
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
json_t *dbt_agate_table(const floe_engine_rows *r)
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
	*out = dbt_column_value(name, strcasecmp(t, "string") == 0 ? "TEXT" : t, NULL, NULL, NULL);
	return *out ? 0 : FLOE_ENOMEM;
}

int dbt_register_relations(floe_dbt *d)
{
	static const struct {
		const char *name;
		floe_jinja_fn fn;
	} fns[] = {
	    {"api.Relation.create", fn_relation_create},
	    {"api.Relation.add_ephemeral_prefix", fn_ephemeral_prefix},
	    {"api.Column", fn_column_new},
	    {"api.Column.translate_type", fn_translate_type},
	    {"api.Column.numeric_type", fn_numeric_type},
	    {"api.Column.string_type", fn_string_type},
	    {"api.Column.create", fn_column_create},
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
	return rc;
}
