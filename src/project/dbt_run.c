/*
 * Running a dbt project: the Jinja context (ref, source, config, var,
 * env_var, this, target, is_incremental, run_query), node selection, the
 * materializations (seed, table, view, ephemeral; dbt-duckdb's external
 * with format iceberg and table_format iceberg land as Iceberg tables),
 * generic and singular tests, dbt-style progress lines and the artifacts
 * in target/ (run_results.json, manifest.json, compiled SQL).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dbt_internal.h"

/* ---- per-thread runtime: each worker has its own DuckDB connection and
 * catalog handle; Jinja and namespace creation are serialized ---- */

static _Thread_local floe_engine *tl_engine;
static _Thread_local floe_catalog *tl_catalog;
static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;

static floe_engine *eng_of(floe_dbt *d)
{
	return tl_engine ? tl_engine : d->engine;
}
static floe_catalog *cat_of(floe_dbt *d)
{
	return tl_catalog ? tl_catalog : d->catalog;
}

/* ---- Jinja context ---- */

static char *relation(const dbt_node *n)
{
	floe_buf b = FLOE_BUF_INIT;
	floe_buf_put_sql_ident(&b, n->schema ? n->schema : "main");
	floe_buf_putc(&b, '.');
	floe_buf_put_sql_ident(&b, n->alias ? n->alias : n->name);
	return floe_buf_detach(&b, NULL);
}

static const char *mat_of(const dbt_node *n)
{
	const char *m = json_string_value(json_object_get(n->config, "materialized"));
	if (n->kind == DBT_SEED)
		return "seed";
	if (n->kind == DBT_TEST)
		return "test";
	return m ? m : "view";
}

static int fn_ref(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	floe_dbt *d = ud;
	size_t n = json_array_size(args);
	const char *name = json_string_value(json_array_get(args, n >= 2 ? 1 : 0));
	dbt_node *target;
	(void)j;
	if (name == NULL)
		return floe_error_set(FLOE_EINVAL, "ref() needs a model name");
	if (d->parsing) {
		if (d->current)
			json_array_append_new(d->current->deps, json_string(name));
		*out = json_string(name);
		return 0;
	}
	target = dbt_find(d, (dbt_kind)-1, name);
	if (target == NULL)
		return floe_error_set(FLOE_EINVAL, "ref('%s'): no such model or seed", name);
	if (strcmp(mat_of(target), "ephemeral") == 0) {
		*out = json_pack("s++", "(", target->compiled ? target->compiled : "select 1", ")");
		return 0;
	}
	{
		char *r = relation(target);
		*out = r ? json_string(r) : NULL;
		floe_free(r);
	}
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_source(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	floe_dbt *d = ud;
	const char *src = json_string_value(json_array_get(args, 0));
	const char *tbl = json_string_value(json_array_get(args, 1));
	char *key;
	const json_t *e;
	floe_buf b = FLOE_BUF_INIT;
	(void)j;
	if (src == NULL || tbl == NULL)
		return floe_error_set(FLOE_EINVAL, "source() needs a source and a table name");
	key = floe_asprintf("%s.%s", src, tbl);
	if (key == NULL)
		return FLOE_ENOMEM;
	e = json_object_get(d->sources, key);
	if (d->parsing && d->current)
		json_array_append_new(d->current->sources, json_string(key));
	floe_free(key);
	if (e == NULL)
		return floe_error_set(FLOE_EINVAL,
		                      "source('%s', '%s') is not defined in any sources: "
		                      "block",
		                      src, tbl);
	floe_buf_put_sql_ident(&b, json_string_value(json_object_get(e, "schema")));
	floe_buf_putc(&b, '.');
	floe_buf_put_sql_ident(&b, json_string_value(json_object_get(e, "identifier")));
	*out = json_string(b.ptr);
	floe_buf_free(&b);
	return 0;
}

static int fn_config(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	floe_dbt *d = ud;
	(void)j;
	if (d->parsing && d->current) {
		json_object_update(d->current->config, (json_t *)kwargs);
		if (json_is_object(json_array_get(args, 0)))
			json_object_update(d->current->config, json_array_get(args, 0));
	}
	*out = json_string("");
	return 0;
}

static int fn_var(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	floe_dbt *d = ud;
	const char *name = json_string_value(json_array_get(args, 0));
	const json_t *v = name ? json_object_get(d->vars, name) : NULL;
	(void)j;
	if (v == NULL) {
		const json_t *dflt = json_array_get(args, 1);
		if (dflt == NULL)
			return floe_error_set(FLOE_EINVAL,
			                      "var('%s') is not defined (dbt_project.yml "
			                      "vars: or --vars)",
			                      name ? name : "?");
		v = dflt;
	}
	*out = json_incref((json_t *)v);
	return 0;
}

static int fn_env_var(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                      void *ud)
{
	const char *name = json_string_value(json_array_get(args, 0));
	const char *v = name ? getenv(name) : NULL;
	(void)j;
	(void)ud;
	if (v == NULL) {
		const json_t *dflt = json_array_get(args, 1);
		if (dflt == NULL)
			return floe_error_set(FLOE_EINVAL,
			                      "env_var('%s') is not set and has no default",
			                      name ? name : "?");
		*out = json_incref((json_t *)dflt);
		return 0;
	}
	*out = json_string(v);
	return 0;
}

/* is_incremental(): an incremental model whose table exists, without
 * --full-refresh (false while parsing, as in dbt) */
static int fn_is_incremental(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                             void *ud)
{
	floe_dbt *d = ud;
	dbt_node *n = d->current;
	bool yes = false;
	(void)j;
	if (!d->parsing && n && n->kind == DBT_MODEL && strcmp(mat_of(n), "incremental") == 0 &&
	    !d->opts.full_refresh && n->schema)
		yes = floe_catalog_table_exists(cat_of(d), n->schema, n->alias) == 1;
	floe_error_clear();
	*out = json_boolean(yes);
	return 0;
}

static int fn_doc(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	const char *name = json_string_value(json_array_get(args, json_array_size(args) - 1));
	const json_t *text = name ? json_object_get(floe_jinja_docs(j), name) : NULL;
	(void)kwargs;
	(void)ud;
	if (text == NULL)
		return floe_error_set(FLOE_EINVAL, "doc('%s'): no docs block of that name",
		                      name ? name : "?");
	*out = json_incref((json_t *)text);
	return 0;
}

/* run_query(sql): rows as a list of objects (columns by name), like agate
 * rows enough for {% for row in results %}; during parsing it returns none */
static int fn_run_query(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	floe_dbt *d = ud;
	const char *sql = json_string_value(json_array_get(args, 0));
	floe_buf b = FLOE_BUF_INIT;
	json_error_t err;
	int rc;
	if (d->parsing || eng_of(d) == NULL) {
		*out = json_null();
		return 0;
	}
	if (sql == NULL)
		return floe_error_set(FLOE_EINVAL, "run_query() needs SQL text");
	rc = floe_engine_query_json(eng_of(d), sql, &b);
	if (rc == 0) {
		*out = json_loadb(b.ptr, b.len, 0, &err);
		if (*out == NULL)
			rc = floe_error_set(FLOE_EENGINE, "run_query: %s", err.text);
	}
	floe_buf_free(&b);
	return rc;
}

static int fn_dispatch(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	/* adapter.dispatch('name', 'package') gives the macro dbt would pick:
	 * duckdb__name, default__name or name */
	const char *name = json_string_value(json_array_get(args, 0));
	const char *pfx[] = {"duckdb__", "default__", ""};
	(void)ud;
	(void)kwargs;
	for (int i = 0; name && i < 3; i++) {
		char *m = floe_asprintf("%s%s", pfx[i], name);
		if (m == NULL)
			return FLOE_ENOMEM;
		if (floe_jinja_has_macro(j, m)) {
			*out = floe_jinja_lookup(j, m);
			floe_free(m);
			return *out ? 0 : FLOE_ENOMEM;
		}
		floe_free(m);
	}
	return floe_error_set(FLOE_EINVAL, "adapter.dispatch: no macro for '%s'",
	                      name ? name : "?");
}

int dbt_register_context(floe_dbt *d)
{
	json_t *target =
	    json_pack("{s:s,s:s,s:s,s:I,s:s,s:s}", "name", d->target_name, "schema",
	              d->target_schema, "type", "duckdb", "threads",
	              (json_int_t)(d->opts.threads ? d->opts.threads : 1), "profile_name",
	              json_string_value(json_object_get(d->project, "profile"))
	                  ? json_string_value(json_object_get(d->project, "profile"))
	                  : "",
	              "database", "memory");
	int rc = target ? floe_jinja_set_global(d->jinja, "target", target) : FLOE_ENOMEM;
	json_t *pn = json_string(d->project_name);
	json_decref(target);
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "project_name", pn);
	json_decref(pn);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "ref", fn_ref, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "source", fn_source, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "config", fn_config, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "var", fn_var, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "env_var", fn_env_var, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "is_incremental", fn_is_incremental, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "doc", fn_doc, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "run_query", fn_run_query, d);
	if (rc == 0)
		rc = floe_jinja_register(d->jinja, "adapter.dispatch", fn_dispatch, d);
	return rc;
}

/* ---- generic tests as SQL returning failing rows ---- */

static int test_sql(floe_dbt *d, dbt_node *t, char **out)
{
	dbt_node *model = dbt_find(d, (dbt_kind)-1, t->test_model);
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
		                      t->test_model ? t->test_model : "?");
	rel = relation(model);
	from = where ? floe_asprintf("(select * from %s where %s) as m", rel, where)
	             : floe_asprintf("%s as m", rel);
	if (rel == NULL || from == NULL) {
		floe_free(rel);
		floe_free(from);
		return FLOE_ENOMEM;
	}
	if (strcmp(t->test_kind, "not_null") == 0) {
		floe_buf_printf(&b, "select * from %s where \"%s\" is null", from, col ? col : "");
	} else if (strcmp(t->test_kind, "unique") == 0) {
		floe_buf_printf(
		    &b,
		    "select \"%s\" as unique_field, count(*) as n_records from %s where "
		    "\"%s\" is not null group by \"%s\" having count(*) > 1",
		    col, from, col, col);
	} else if (strcmp(t->test_kind, "accepted_values") == 0) {
		const json_t *vals = json_object_get(t->test_args, "values"), *v;
		bool quote = !json_is_false(json_object_get(t->test_args, "quote"));
		size_t i;
		floe_buf_printf(&b,
		                "select \"%s\" as value_field, count(*) as n_records from %s where "
		                "\"%s\" not in (",
		                col, from, col);
		json_array_foreach(vals, i, v)
		{
			json_t *s = json_is_string(v)
			                ? json_incref((json_t *)v)
			                : json_sprintf("%lld", (long long)json_integer_value(v));
			if (i)
				floe_buf_puts(&b, ", ");
			if (quote)
				floe_buf_put_sql_string(&b, json_string_value(s));
			else
				floe_buf_puts(&b, json_string_value(s));
			json_decref(s);
		}
		if (json_array_size(vals) == 0)
			floe_buf_puts(&b, "NULL");
		floe_buf_printf(&b, ") group by \"%s\"", col);
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
			    "select c.\"%s\" as from_field from (select \"%s\" from %s "
			    "where \"%s\" is not null) as c left join %s as p on c.\"%s\" "
			    "= p.\"%s\" where p.\"%s\" is null",
			    col, col, from, col, to_rel, col, field, field);
		floe_free(to_rel);
	} else if (strcmp(t->test_kind, "singular") == 0) {
		floe_buf_puts(&b, t->compiled ? t->compiled : "");
	} else {
		/* a project or package generic test: {% test name(model, column_name) %} */
		/* dbt_utils.expression_is_true -> test_expression_is_true */
		const char *dot = strrchr(t->test_kind, '.');
		char *macro = floe_asprintf("test_%s", dot ? dot + 1 : t->test_kind);
		if (macro && floe_jinja_has_macro(d->jinja, macro)) {
			/* generic tests take model, column_name and their arguments by name */
			json_t *kw = json_deep_copy(t->test_args), *res = NULL;
			json_object_set_new(kw, "model", json_string(rel));
			if (col)
				json_object_set_new(kw, "column_name", json_string(col));
			d->parsing = false;
			rc = floe_jinja_call_kw(&res, d->jinja, macro, NULL, kw);
			if (rc == 0)
				floe_buf_puts(&b,
				              json_string_value(res) ? json_string_value(res) : "");
			json_decref(kw);
			json_decref(res);
		} else {
			rc = floe_error_set(FLOE_EUNSUPPORTED, "%s: unknown generic test '%s'",
			                    t->path, t->test_kind);
		}
		floe_free(macro);
	}
	floe_free(rel);
	floe_free(from);
	if (rc == 0)
		*out = floe_buf_detach(&b, NULL);
	floe_buf_free(&b);
	return rc;
}

/* ---- rendering ---- */

int dbt_render(floe_dbt *d, dbt_node *n, bool parsing, char **out)
{
	floe_buf b = FLOE_BUF_INIT;
	json_t *this_rel = NULL;
	int rc;
	*out = NULL;
	d->parsing = parsing;
	d->current = n;
	if (!parsing) {
		char *r = relation(n);
		this_rel = r ? json_string(r) : NULL;
		floe_free(r);
		if (this_rel)
			floe_jinja_set_global(d->jinja, "this", this_rel);
		json_decref(this_rel);
	}
	rc = floe_jinja_render(d->jinja, n->raw ? n->raw : "", n->path, &b);
	d->current = NULL;
	d->parsing = false;
	if (rc == 0)
		*out = floe_buf_detach(&b, NULL);
	floe_buf_free(&b);
	return rc;
}

/* ---- selection ---- */

static bool matches(floe_dbt *d, const dbt_node *n, const char *sel)
{
	if (floe_str_starts_with(sel, "tag:")) {
		const json_t *tags = json_object_get(n->config, "tags"), *t;
		size_t i;
		if (json_is_string(tags))
			return strcmp(json_string_value(tags), sel + 4) == 0;
		json_array_foreach(tags, i,
		                   t) if (floe_str_eq(json_string_value(t), sel + 4)) return true;
		return false;
	}
	if (floe_str_starts_with(sel, "path:"))
		return floe_str_starts_with(n->path, sel + 5);
	if (floe_str_starts_with(sel, "resource_type:"))
		return strcmp(sel + 14, n->kind == DBT_SEED    ? "seed"
		                        : n->kind == DBT_MODEL ? "model"
		                                               : "test") == 0;
	if (n->kind == DBT_TEST) /* tests follow their model */
		return n->test_model && strcmp(n->test_model, sel) == 0;
	(void)d;
	return strcmp(n->name, sel) == 0;
}

static void mark_up(floe_dbt *d, dbt_node *n, bool *sel)
{
	size_t i;
	json_t *dep;
	json_array_foreach(n->deps, i, dep)
	{
		dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
		if (p && !sel[p - d->nodes]) {
			sel[p - d->nodes] = true;
			mark_up(d, p, sel);
		}
	}
}

static void mark_down(floe_dbt *d, dbt_node *n, bool *sel)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		size_t k;
		json_t *dep;
		if (sel[i])
			continue;
		json_array_foreach(d->nodes[i].deps, k, dep)
		{
			if (strcmp(json_string_value(dep), n->name) == 0) {
				sel[i] = true;
				mark_down(d, &d->nodes[i], sel);
				break;
			}
		}
	}
}

/* one selector (a+, +a, tag:x, ...) into sel[] */
static void select_one(floe_dbt *d, const char *word, bool *sel)
{
	char buf[512];
	size_t n = strlen(word);
	bool up = word[0] == '+', down = n > 0 && word[n - 1] == '+';
	snprintf(buf, sizeof(buf), "%.*s", (int)(n - up - down), word + up);
	for (size_t i = 0; i < d->nnodes; i++) {
		if (!matches(d, &d->nodes[i], buf))
			continue;
		sel[i] = true;
		if (up)
			mark_up(d, &d->nodes[i], sel);
		if (down)
			mark_down(d, &d->nodes[i], sel);
	}
}

/* space = union, comma = intersection (dbt's syntax) */
static int apply_selection(floe_dbt *d, const char *spec, bool *out)
{
	char *copy = floe_strdup(spec), *save = NULL, *tok;
	bool *acc = floe_calloc(d->nnodes + 1, sizeof(bool));
	bool *part = floe_calloc(d->nnodes + 1, sizeof(bool));
	if (copy == NULL || acc == NULL || part == NULL) {
		floe_free(copy);
		floe_free(acc);
		floe_free(part);
		return FLOE_ENOMEM;
	}
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *isave = NULL, *w;
		bool first = true;
		bool *inter = floe_calloc(d->nnodes + 1, sizeof(bool));
		if (inter == NULL)
			break;
		for (w = strtok_r(tok, ",", &isave); w; w = strtok_r(NULL, ",", &isave)) {
			memset(part, 0, d->nnodes * sizeof(bool));
			select_one(d, w, part);
			for (size_t i = 0; i < d->nnodes; i++)
				inter[i] = first ? part[i] : inter[i] && part[i];
			first = false;
		}
		for (size_t i = 0; i < d->nnodes; i++)
			acc[i] |= inter[i];
		floe_free(inter);
	}
	memcpy(out, acc, d->nnodes * sizeof(bool));
	floe_free(copy);
	floe_free(acc);
	floe_free(part);
	return 0;
}

static int select_nodes(floe_dbt *d, const char *command)
{
	bool *sel = floe_calloc(d->nnodes + 1, sizeof(bool));
	bool *exc = floe_calloc(d->nnodes + 1, sizeof(bool));
	int rc = 0;
	if (sel == NULL || exc == NULL) {
		floe_free(sel);
		floe_free(exc);
		return FLOE_ENOMEM;
	}
	if (d->opts.select)
		rc = apply_selection(d, d->opts.select, sel);
	else
		for (size_t i = 0; i < d->nnodes; i++)
			sel[i] = true;
	if (rc == 0 && d->opts.exclude)
		rc = apply_selection(d, d->opts.exclude, exc);
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		bool kind_ok = strcmp(command, "build") == 0 || strcmp(command, "compile") == 0 ||
		               strcmp(command, "ls") == 0 ||
		               (strcmp(command, "seed") == 0 && n->kind == DBT_SEED) ||
		               (strcmp(command, "run") == 0 && n->kind == DBT_MODEL) ||
		               (strcmp(command, "test") == 0 && n->kind == DBT_TEST);
		n->selected = sel[i] && !exc[i] && !n->disabled && kind_ok;
	}
	floe_free(sel);
	floe_free(exc);
	return rc;
}

/* ---- execution ---- */

static int expose_if_exists(floe_dbt *d, const char *ns, const char *name)
{
	int rc = floe_catalog_table_exists(cat_of(d), ns, name);
	if (rc <= 0)
		return rc;
	return floe_table_expose(eng_of(d), cat_of(d), ns, name, -1);
}

/* Only the tables this run reads without building them first: inputs of
 * selected nodes that are not selected, and sources. Exposing every table
 * of the catalog costs a metadata and manifest read per table. */
static int expose_inputs(floe_dbt *d)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		size_t k;
		json_t *dep;
		if (!n->selected)
			continue;
		json_array_foreach(n->deps, k, dep)
		{
			dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
			if (rc == 0 && p && !p->selected && p->schema &&
			    strcmp(mat_of(p), "ephemeral") != 0 && strcmp(mat_of(p), "view") != 0)
				rc = expose_if_exists(d, p->schema, p->alias);
		}
		json_array_foreach(n->sources, k, dep)
		{
			const json_t *e = json_object_get(d->sources, json_string_value(dep));
			if (rc == 0 && e)
				rc = expose_if_exists(
				    d, json_string_value(json_object_get(e, "schema")),
				    json_string_value(json_object_get(e, "identifier")));
		}
	}
	return rc;
}

static int open_runtime(floe_dbt *d)
{
	const char *wh = d->opts.warehouse;
	const char *cat = d->opts.catalog;
	char *whpath = NULL;
	floe_engine_options eo = {d->opts.threads, NULL, NULL};
	int rc;
	if (wh == NULL)
		wh = json_string_value(json_object_get(d->output, "warehouse"));
	if (cat == NULL)
		cat = json_string_value(json_object_get(d->output, "catalog"));
	if (wh == NULL)
		wh = "warehouse";
	whpath = wh[0] == '/' || strstr(wh, "://") ? floe_strdup(wh)
	                                           : floe_asprintf("%s/%s", d->dir, wh);
	if (whpath == NULL)
		return FLOE_ENOMEM;
	d->wh_path = floe_strdup(whpath);
	d->cat_uri = cat ? floe_strdup(cat) : NULL;
	rc = floe_catalog_open(&d->catalog, cat, whpath);
	floe_free(whpath);
	if (rc == 0)
		rc = floe_engine_open(&d->engine, &eo);
	if (rc == 0)
		rc = expose_inputs(d);
	return rc;
}

static int ensure_namespace(floe_dbt *d, const char *ns)
{
	int rc;
	pthread_mutex_lock(&run_mu);
	rc = floe_catalog_namespace_exists(cat_of(d), ns);
	if (rc == 0)
		rc = floe_catalog_create_namespace(cat_of(d), ns, NULL);
	if (rc == FLOE_EEXISTS) { /* another process made it meanwhile */
		floe_error_clear();
		rc = 0;
	}
	pthread_mutex_unlock(&run_mu);
	return rc < 0 ? rc : 0;
}

static bool is_iceberg_external(const dbt_node *n)
{
	const char *fmt = json_string_value(json_object_get(n->config, "format"));
	const char *tf = json_string_value(json_object_get(n->config, "table_format"));
	return (fmt && strcmp(fmt, "iceberg") == 0) || (tf && strcmp(tf, "iceberg") == 0);
}

static int seed_query(floe_dbt *d, dbt_node *n, char **out)
{
	floe_buf q = FLOE_BUF_INIT;
	char *abs = floe_asprintf("%s/%s", d->dir, n->path);
	const json_t *types = json_object_get(n->config, "column_types");
	const char *delim = json_string_value(json_object_get(n->config, "delimiter"));
	int rc = abs ? 0 : FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_buf_puts(&q, "SELECT * FROM read_csv(");
	if (rc == 0)
		rc = floe_buf_put_sql_string(&q, abs);
	if (rc == 0)
		rc = floe_buf_puts(&q, ", header = true, quote = '\"', escape = '\"', delim = ");
	if (rc == 0)
		rc = floe_buf_put_sql_string(&q, delim ? delim : ",");
	if (rc == 0 && json_object_size(types) > 0) {
		const char *k;
		json_t *v;
		bool first = true;
		rc = floe_buf_puts(&q, ", types = {");
		json_object_foreach((json_t *)types, k, v)
		{
			if (!first)
				floe_buf_puts(&q, ", ");
			first = false;
			floe_buf_put_sql_string(&q, k);
			floe_buf_puts(&q, ": ");
			floe_buf_put_sql_string(&q, json_string_value(v) ? json_string_value(v)
			                                                 : "VARCHAR");
		}
		floe_buf_puts(&q, "}");
	}
	if (rc == 0)
		rc = floe_buf_puts(&q, ")");
	floe_free(abs);
	if (rc == 0)
		*out = floe_buf_detach(&q, NULL);
	floe_buf_free(&q);
	return rc;
}

static void status_line(floe_dbt *d, size_t idx, size_t total, const dbt_node *n, const char *what)
{
	static const char *names[] = {"", "OK", "WARN", "ERROR", "SKIP", "FAIL"};
	char label[300];
	int w;
	if (n->kind == DBT_TEST)
		snprintf(label, sizeof(label), "%s %s", what, n->name);
	else
		snprintf(label, sizeof(label), "%s %s.%s", what, n->schema, n->alias);
	w = 60 - (int)strlen(label);
	{
		const char *st =
		    n->status == ST_PASS && n->kind == DBT_TEST ? "PASS" : names[n->status];
		floe_log(FLOE_LOG_INFO, "%zu of %zu %-5s %s %.*s [%s in %.2fs]", idx, total, st,
		         label, w > 3 ? w : 3,
		         "............................................................", st,
		         n->seconds);
	}
	if ((n->status == ST_ERROR || n->status == ST_FAIL || n->status == ST_WARN) && n->message)
		floe_log(FLOE_LOG_INFO, "  %s", n->message);
	(void)d;
}

static int write_compiled(floe_dbt *d, const dbt_node *n)
{
	const char *tp = json_string_value(json_object_get(d->project, "target-path"));
	char *p = floe_asprintf(
	    "%s/%s/compiled/%s/%s", d->dir, tp ? tp : "target", d->project_name,
	    n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0 ? n->name : n->path);
	int rc;
	if (p == NULL)
		return FLOE_ENOMEM;
	if (n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0) {
		char *q = floe_asprintf("%s.sql", p);
		floe_free(p);
		p = q;
		if (p == NULL)
			return FLOE_ENOMEM;
	}
	rc = floe_storage_write(p, n->compiled ? n->compiled : "",
	                        n->compiled ? strlen(n->compiled) : 0);
	floe_free(p);
	return rc;
}

static bool upstream_failed(floe_dbt *d, const dbt_node *n)
{
	size_t i;
	json_t *dep;
	json_array_foreach(n->deps, i, dep)
	{
		dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
		if (p && (p->status == ST_ERROR || p->status == ST_SKIP))
			return true;
	}
	if (n->kind == DBT_TEST && n->test_model) {
		dbt_node *m = dbt_find(d, (dbt_kind)-1, n->test_model);
		if (m && (m->status == ST_ERROR || m->status == ST_SKIP))
			return true;
	}
	return false;
}

/* The error as one line: DuckDB's advice sections cut, lines joined. */
static void fail_node(dbt_node *n, dbt_status st)
{
	static const char *cuts[] = {"\nPossible fixes", "\nThe search space", "\n  file = "};
	const char *msg = floe_error_message();
	size_t len = strlen(msg);
	floe_buf b = FLOE_BUF_INIT;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const char *c = strstr(msg, cuts[i]);
		if (c && (size_t)(c - msg) < len)
			len = (size_t)(c - msg);
	}
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n')
			floe_buf_puts(&b, " | ");
		else
			floe_buf_putc(&b, msg[i]);
	n->status = st;
	floe_free(n->message);
	n->message = floe_buf_detach(&b, NULL);
	floe_error_clear();
}

/* contract: {enforced: true}: the query's columns must be the declared
 * ones, in order, with the declared data_type (compared as DuckDB renders
 * the type, case-insensitively). Checked before anything is written. */
static int check_contract(floe_dbt *d, dbt_node *n)
{
	const json_t *contract = json_object_get(n->config, "contract");
	const json_t *cols = json_object_get(n->yaml, "columns"), *c;
	char *sql;
	floe_engine_rows *r = NULL;
	floe_buf bad = FLOE_BUF_INIT;
	size_t i;
	int rc;
	if (!json_is_true(json_object_get(contract, "enforced")))
		return 0;
	sql = floe_asprintf("SELECT column_name, column_type FROM (DESCRIBE (%s\n))", n->compiled);
	if (sql == NULL)
		return FLOE_ENOMEM;
	rc = floe_engine_query_rows(eng_of(d), sql, 0, &r);
	floe_free(sql);
	if (rc)
		return rc;
	json_array_foreach(cols, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *type = json_string_value(json_object_get(c, "data_type"));
		bool found = false;
		for (size_t k = 0; name && k < r->nrows; k++) {
			if (strcasecmp(r->rows[k][0], name) != 0)
				continue;
			found = true;
			if (type && strcasecmp(r->rows[k][1], type) != 0)
				floe_buf_printf(&bad, "%s%s: declared %s, query gives %s",
				                bad.len ? "; " : "", name, type, r->rows[k][1]);
		}
		if (name && !found)
			floe_buf_printf(&bad, "%s%s: declared, missing from the query",
			                bad.len ? "; " : "", name);
	}
	for (size_t k = 0; k < r->nrows; k++) {
		bool declared = false;
		json_array_foreach(cols, i, c) declared |=
		    floe_str_eq(json_string_value(json_object_get(c, "name")), r->rows[k][0]);
		if (!declared)
			floe_buf_printf(&bad, "%s%s: in the query, not declared",
			                bad.len ? "; " : "", r->rows[k][0]);
	}
	if (bad.len)
		rc = floe_error_set(FLOE_EINVAL, "contract of %s is not met: %s", n->name, bad.ptr);
	floe_buf_free(&bad);
	floe_engine_rows_free(r);
	return rc;
}

/* store_failures: the failing rows of a test land in an Iceberg table
 * <target schema>_dbt_test__audit.<test name> (dbt's default schema). */
static int store_failures(floe_dbt *d, dbt_node *n)
{
	floe_write_result res;
	char *ns = floe_asprintf("%s_dbt_test__audit", d->target_schema);
	int rc = ns ? 0 : FLOE_ENOMEM;
	if (rc == 0)
		rc = ensure_namespace(d, ns);
	if (rc == 0)
		rc = floe_table_write(eng_of(d), cat_of(d), ns, n->name, n->compiled,
		                      FLOE_WRITE_REPLACE, &res);
	floe_free(ns);
	return rc < 0 ? rc : 0;
}

/* An incremental model on an existing table: without unique_key the new
 * rows are appended (a new append snapshot); with unique_key the table is
 * rewritten as its rows whose key is not in the new rows plus the new rows
 * (one overwrite snapshot, history kept). */
static int incremental_query(floe_dbt *d, dbt_node *n, char **query, floe_write_mode *mode)
{
	const json_t *key = json_object_get(n->config, "unique_key"), *k;
	char *rel = relation(n), *q = NULL;
	floe_buf cond = FLOE_BUF_INIT;
	size_t i;
	int rc = 0;
	if (rel == NULL)
		return FLOE_ENOMEM;
	pthread_mutex_lock(&run_mu);
	rc = floe_table_expose(eng_of(d), cat_of(d), n->schema, n->alias, -1);
	pthread_mutex_unlock(&run_mu);
	if (rc) {
		floe_free(rel);
		return rc;
	}
	if (key == NULL || json_is_null(key)) {
		*mode = FLOE_WRITE_APPEND;
		floe_free(rel);
		return 0;
	}
	if (json_is_string(key)) {
		floe_buf_printf(&cond, "n.\"%s\" = t.\"%s\"", json_string_value(key),
		                json_string_value(key));
	} else {
		json_array_foreach(key, i, k)
		    floe_buf_printf(&cond, "%sn.\"%s\" = t.\"%s\"", i ? " AND " : "",
		                    json_string_value(k), json_string_value(k));
	}
	q = floe_asprintf("SELECT * FROM %s AS t WHERE NOT EXISTS (SELECT 1 FROM (%s\n) AS n "
	                  "WHERE %s) UNION ALL BY NAME SELECT * FROM (%s\n) AS n",
	                  rel, *query, cond.ptr ? cond.ptr : "false", *query);
	if (q == NULL)
		rc = FLOE_ENOMEM;
	else {
		floe_free(*query);
		*query = q;
		*mode = FLOE_WRITE_REPLACE;
	}
	floe_buf_free(&cond);
	floe_free(rel);
	(void)d;
	return rc;
}

static int run_hooks(floe_dbt *d, dbt_node *n, const json_t *hooks, const char *what);
static const json_t *hook_config(const dbt_node *n, const char *dash, const char *under);

static int run_node(floe_dbt *d, dbt_node *n)
{
	floe_write_result res;
	char *query = NULL;
	const char *mat = mat_of(n);
	int rc = 0;
	pthread_mutex_lock(&run_mu); /* Jinja is not thread-safe */
	if (n->kind != DBT_SEED && strcmp(n->test_kind ? n->test_kind : "", "singular") != 0 &&
	    n->kind == DBT_TEST) {
		rc = test_sql(d, n, &n->compiled);
	} else if (n->kind != DBT_SEED) {
		floe_free(n->compiled);
		n->compiled = NULL;
		rc = dbt_render(d, n, false, &n->compiled);
		if (rc == 0 && n->kind == DBT_TEST) {
			char *c = NULL;
			rc = test_sql(d, n, &c);
			floe_free(n->compiled);
			n->compiled = c;
		}
	}
	pthread_mutex_unlock(&run_mu);
	if (rc == 0 && n->compiled)
		rc = write_compiled(d, n);
	if (rc)
		return rc;
	if (n->kind == DBT_TEST) {
		char *count_sql =
		    floe_asprintf("select count(*) from (%s\n) as dbt_test", n->compiled);
		floe_engine_rows *r = NULL;
		const char *sev = json_string_value(json_object_get(n->config, "severity"));
		rc = count_sql ? floe_engine_query_rows(eng_of(d), count_sql, 1, &r) : FLOE_ENOMEM;
		floe_free(count_sql);
		if (rc == 0) {
			n->rows = r->nrows && r->rows[0][0] ? strtoll(r->rows[0][0], NULL, 10) : 0;
			if (n->rows == 0) {
				n->status = ST_PASS;
			} else {
				n->status = sev && strcasecmp(sev, "warn") == 0 ? ST_WARN : ST_FAIL;
				floe_free(n->message);
				n->message =
				    floe_asprintf("Got %lld result%s, configured to %s if != 0",
				                  (long long)n->rows, n->rows == 1 ? "" : "s",
				                  n->status == ST_WARN ? "warn" : "fail");
			}
		}
		floe_engine_rows_free(r);
		if (rc == 0 && n->rows > 0 &&
		    floe_jinja_truthy(json_object_get(n->config, "store_failures")))
			rc = store_failures(d, n);
		return rc;
	}
	if ((rc = ensure_namespace(d, n->schema)) != 0)
		return rc;
	if (n->kind == DBT_SEED) {
		rc = seed_query(d, n, &query);
	} else if (strcmp(mat, "ephemeral") == 0) {
		n->status = ST_PASS;
		return 0;
	} else if (strcmp(mat, "view") == 0) {
		/* a DuckDB view for this run's later models, and an Iceberg view in
		 * the catalog (its SQL and schema) for every later reader */
		char *rel = relation(n);
		char *sql =
		    rel ? floe_asprintf("CREATE SCHEMA IF NOT EXISTS \"%s\"; CREATE OR REPLACE "
		                        "VIEW %s AS %s",
		                        n->schema, rel, n->compiled)
		        : NULL;
		floe_ice_schema *vs = NULL;
		char *sel = NULL;
		int next_id = 1;
		pthread_mutex_lock(&run_mu);
		rc = sql ? floe_engine_exec(eng_of(d), sql) : FLOE_ENOMEM;
		if (rc == 0)
			rc =
			    floe_engine_describe(eng_of(d), n->compiled, NULL, &next_id, &vs, &sel);
		if (rc == 0) {
			rc = floe_catalog_replace_view(cat_of(d), n->schema, n->alias, n->compiled,
			                               vs);
			if (rc == FLOE_EUNSUPPORTED) {
				floe_log(FLOE_LOG_WARN, "%s: view kept for this run only: %s",
				         n->path, floe_error_message());
				floe_error_clear();
				rc = 0;
			}
		}
		pthread_mutex_unlock(&run_mu);
		floe_ice_schema_free(vs);
		floe_free(sel);
		floe_free(sql);
		floe_free(rel);
		n->status = rc ? ST_ERROR : ST_PASS;
		return rc;
	} else if (strcmp(mat, "table") == 0 || strcmp(mat, "incremental") == 0 ||
	           (strcmp(mat, "external") == 0)) {
		if (strcmp(mat, "external") == 0 && !is_iceberg_external(n))
			floe_log(
			    FLOE_LOG_WARN,
			    "%s: materialized external with format '%s' is written as an Iceberg "
			    "table",
			    n->path,
			    json_string_value(json_object_get(n->config, "format"))
			        ? json_string_value(json_object_get(n->config, "format"))
			        : "parquet");
		rc = check_contract(d, n);
		if (rc == 0 && (query = floe_strdup(n->compiled)) == NULL)
			rc = FLOE_ENOMEM;
	} else {
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "%s: materialization '%s' is not supported", n->path, mat);
	}
	if (rc == 0 && hook_config(n, "pre-hook", "pre_hook"))
		rc = run_hooks(d, n, hook_config(n, "pre-hook", "pre_hook"), "pre-hook");
	if (rc == 0) {
		floe_write_mode mode = FLOE_WRITE_REPLACE;
		if (strcmp(mat, "incremental") == 0 && !d->opts.full_refresh &&
		    floe_catalog_table_exists(cat_of(d), n->schema, n->alias) == 1)
			rc = incremental_query(d, n, &query, &mode);
		if (rc == 0)
			rc = floe_table_write(eng_of(d), cat_of(d), n->schema, n->alias, query,
			                      mode, &res);
	}
	if (rc == 0) {
		/* DuckDB catalog changes (schemas, views) from two connections at
		 * once conflict: serialize them */
		pthread_mutex_lock(&run_mu);
		rc = floe_table_expose(eng_of(d), cat_of(d), n->schema, n->alias, -1);
		pthread_mutex_unlock(&run_mu);
	}
	if (rc == 0 && hook_config(n, "post-hook", "post_hook"))
		rc = run_hooks(d, n, hook_config(n, "post-hook", "post_hook"), "post-hook");
	if (rc == 0) {
		n->rows = res.rows;
		n->status = ST_PASS;
	}
	floe_free(query);
	return rc;
}

/* Run hooks (a string or a list of strings): rendered with the node as
 * `this`, executed in DuckDB. dbt's config key is pre-hook / post-hook
 * (pre_hook / post_hook in config() calls). */
static int run_hooks(floe_dbt *d, dbt_node *n, const json_t *hooks, const char *what)
{
	size_t i;
	const json_t *h;
	json_t *list =
	    json_is_string(hooks) ? json_pack("[O]", hooks) : json_incref((json_t *)hooks);
	int rc = 0;
	json_array_foreach(list, i, h)
	{
		const char *sql = json_string_value(h);
		floe_buf b = FLOE_BUF_INIT;
		if (json_is_object(h))
			sql = json_string_value(json_object_get(h, "sql"));
		if (sql == NULL)
			continue;
		pthread_mutex_lock(&run_mu);
		if (n) {
			char *r = relation(n);
			json_t *rel = r ? json_string(r) : NULL;
			if (rel)
				floe_jinja_set_global(d->jinja, "this", rel);
			json_decref(rel);
			floe_free(r);
		}
		rc = floe_jinja_render(d->jinja, sql, what, &b);
		pthread_mutex_unlock(&run_mu);
		if (rc == 0 && b.len > 0)
			rc = floe_engine_exec(eng_of(d), b.ptr);
		if (rc)
			floe_error_prefix("%s: ", what);
		floe_buf_free(&b);
		if (rc)
			break;
	}
	json_decref(list);
	return rc;
}

static const json_t *hook_config(const dbt_node *n, const char *dash, const char *under)
{
	const json_t *h = json_object_get(n->config, dash);
	return h ? h : json_object_get(n->config, under);
}

static const char *what_of(const dbt_node *n)
{
	const char *m = mat_of(n);
	if (n->kind == DBT_SEED)
		return "loaded seed file";
	if (n->kind == DBT_TEST)
		return "test";
	if (strcmp(m, "view") == 0)
		return "created sql view model";
	if (strcmp(m, "ephemeral") == 0)
		return "compiled ephemeral model";
	return "created sql table model";
}

static const char *kind_name(const dbt_node *n)
{
	return n->kind == DBT_SEED ? "seed" : n->kind == DBT_MODEL ? "model" : "test";
}

/* A manifest node with the fields of dbt's manifest v12 schema that floe
 * knows (docs.getdbt.com "Manifest JSON file"). */
static json_t *manifest_node(floe_dbt *d, const dbt_node *n, json_t *dep_ids)
{
	json_t *o = json_object(), *refs = json_array(), *tags;
	char *rel = n->schema ? relation(n) : NULL;
	size_t i;
	json_t *dep;
	json_array_foreach(n->deps, i, dep) json_array_append_new(
	    refs, json_pack("{s:O,s:n,s:n}", "name", dep, "package", "version"));
	tags = json_object_get(n->config, "tags");
	json_object_set_new(o, "database", json_string("memory"));
	json_object_set_new(o, "schema", json_string(n->schema ? n->schema : d->target_schema));
	json_object_set_new(o, "name", json_string(n->name));
	json_object_set_new(o, "resource_type", json_string(kind_name(n)));
	json_object_set_new(o, "package_name", json_string(d->project_name));
	json_object_set_new(o, "path", json_string(n->path));
	json_object_set_new(o, "original_file_path", json_string(n->path));
	json_object_set_new(o, "unique_id", json_string(n->unique_id));
	json_object_set_new(o, "fqn", json_incref(n->fqn));
	json_object_set_new(o, "alias", json_string(n->alias ? n->alias : n->name));
	json_object_set_new(o, "checksum", json_pack("{s:s,s:s}", "name", "none", "checksum", ""));
	json_object_set_new(o, "config", json_deep_copy(n->config));
	json_object_set_new(o, "tags", json_is_array(tags) ? json_deep_copy(tags) : json_array());
	json_object_set_new(
	    o, "description",
	    json_string(json_string_value(json_object_get(n->yaml, "description"))
	                    ? json_string_value(json_object_get(n->yaml, "description"))
	                    : ""));
	json_object_set_new(o, "columns", json_object());
	json_object_set_new(o, "meta", json_object());
	json_object_set_new(o, "relation_name", rel ? json_string(rel) : json_null());
	json_object_set_new(o, "raw_code", json_string(n->raw ? n->raw : ""));
	json_object_set_new(o, "language", json_string("sql"));
	json_object_set_new(o, "refs", refs);
	json_object_set_new(o, "sources", json_array());
	json_object_set_new(o, "depends_on", json_pack("{s:[],s:O}", "macros", "nodes", dep_ids));
	json_object_set_new(o, "compiled", json_boolean(n->compiled != NULL));
	json_object_set_new(o, "compiled_code",
	                    n->compiled ? json_string(n->compiled) : json_null());
	floe_free(rel);
	return o;
}

static int write_artifacts(floe_dbt *d, const char *command, double elapsed)
{
	const char *tp = json_string_value(json_object_get(d->project, "target-path"));
	json_t *results = json_array(), *nodes = json_object(), *run, *manifest;
	json_t *parents = json_object(), *children = json_object();
	char *p1 = floe_asprintf("%s/%s/run_results.json", d->dir, tp ? tp : "target");
	char *p2 = floe_asprintf("%s/%s/manifest.json", d->dir, tp ? tp : "target");
	char *t1 = NULL, *t2 = NULL;
	char now[32];
	int rc = 0;
	floe_time_format_ms(floe_time_now_ms(), now);
	for (size_t i = 0; i < d->nnodes; i++)
		json_object_set_new(children, d->nodes[i].unique_id, json_array());
	for (size_t i = 0; i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		static const char *st[] = {"", "success", "warn", "error", "skipped", "fail"};
		const char *status =
		    n->status == ST_PASS && n->kind == DBT_TEST ? "pass" : st[n->status];
		json_t *dep_ids = json_array(), *dep;
		size_t k;
		char *rel = n->schema ? relation(n) : NULL;
		json_array_foreach(n->deps, k, dep)
		{
			dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
			if (p == NULL)
				continue;
			json_array_append_new(dep_ids, json_string(p->unique_id));
			json_array_append_new(json_object_get(children, p->unique_id),
			                      json_string(n->unique_id));
		}
		json_object_set(parents, n->unique_id, dep_ids);
		json_object_set_new(nodes, n->unique_id, manifest_node(d, n, dep_ids));
		json_decref(dep_ids);
		if (n->selected)
			json_array_append_new(
			    results,
			    json_pack("{s:s,s:[],s:s,s:f,s:{},s:s?,s:I,s:s,s:b,s:s?,s:s?}",
			              "status", n->status ? status : "skipped", "timing",
			              "thread_id", "Thread-1", "execution_time", n->seconds,
			              "adapter_response", "message", n->message, "failures",
			              (json_int_t)(n->kind == DBT_TEST ? n->rows : 0), "unique_id",
			              n->unique_id, "compiled", n->compiled != NULL,
			              "compiled_code", n->compiled, "relation_name", rel));
		floe_free(rel);
	}
	run = json_pack("{s:{s:s,s:s,s:s},s:o,s:f,s:{s:s}}", "metadata", "dbt_schema_version",
	                "https://schemas.getdbt.com/dbt/run-results/v6.json", "dbt_version",
	                "floe-0.1.0", "generated_at", now, "results", results, "elapsed_time",
	                elapsed, "args", "which", command);
	manifest = json_pack(
	    "{s:{s:s,s:s,s:s,s:s},s:o,s:{},s:{},s:{},s:{},s:{},s:{},s:{},s:{},"
	    "s:o,s:o,s:{},s:{},s:{},s:{}}",
	    "metadata", "dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json",
	    "dbt_version", "floe-0.1.0", "generated_at", now, "project_name", d->project_name,
	    "nodes", nodes, "sources", "macros", "docs", "exposures", "metrics", "groups",
	    "selectors", "disabled", "parent_map", parents, "child_map", children, "group_map",
	    "saved_queries", "semantic_models", "unit_tests");
	if (manifest) {
		json_t *docs = json_object();
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)floe_jinja_docs(d->jinja), k, v)
		{
			char *id = floe_asprintf("doc.%s.%s", d->project_name, k);
			if (id)
				json_object_set_new(docs, id,
				                    json_pack("{s:s,s:s,s:O}", "name", k,
				                              "unique_id", id, "block_contents",
				                              v));
			floe_free(id);
		}
		json_object_set_new(manifest, "docs", docs);
		json_object_set(manifest, "exposures", d->exposures);
	}
	if (run)
		t1 = json_dumps(run, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (manifest)
		t2 = json_dumps(manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (p1 == NULL || p2 == NULL || t1 == NULL || t2 == NULL)
		rc = floe_error_set(FLOE_ENOMEM, "cannot build the run artifacts");
	if (rc == 0)
		rc = floe_storage_write(p1, t1, strlen(t1));
	if (rc == 0)
		rc = floe_storage_write(p2, t2, strlen(t2));
	free(t1);
	free(t2);
	floe_free(p1);
	floe_free(p2);
	json_decref(run);
	json_decref(manifest);
	return rc;
}

/* ---- scheduling: nodes run when their selected inputs are done, on up
 * to `threads` workers (dbt's --threads / the profile's threads) ---- */

typedef struct {
	floe_dbt *d;
	floe_dbt_summary *sum;
	size_t total, *done_count;
	int *state; /* 0 waiting, 1 running, 2 done */
	pthread_mutex_t *mu;
	pthread_cond_t *cv;
	floe_engine *eng;
	floe_catalog *cat;
} worker;

static bool inputs_done(floe_dbt *d, const dbt_node *n, const int *state)
{
	size_t i;
	json_t *dep;
	json_array_foreach(n->deps, i, dep)
	{
		dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
		if (p && p->selected && state[p - d->nodes] != 2)
			return false;
	}
	return true;
}

static void run_one(worker *w, dbt_node *n)
{
	int64_t s0 = floe_time_mono_us();
	floe_dbt *d = w->d;
	dbt_status st;
	int rc = 0;
	pthread_mutex_lock(w->mu);
	bool skip = upstream_failed(d, n);
	pthread_mutex_unlock(w->mu);
	if (!skip)
		rc = run_node(d, n);
	pthread_mutex_lock(w->mu);
	if (skip) {
		n->status = ST_SKIP;
		w->sum->skip++;
	} else if (rc != 0) {
		fail_node(n, ST_ERROR);
		w->sum->error++;
	} else if ((st = n->status) == ST_WARN) {
		w->sum->warn++;
	} else if (st == ST_FAIL) {
		w->sum->error++;
	} else {
		w->sum->pass++;
	}
	n->seconds = (double)(floe_time_mono_us() - s0) / 1e6;
	(*w->done_count)++;
	status_line(d, *w->done_count, w->total, n, what_of(n));
	w->state[n - d->nodes] = 2;
	pthread_cond_broadcast(w->cv);
	pthread_mutex_unlock(w->mu);
}

static void *work(void *arg)
{
	worker *w = arg;
	floe_dbt *d = w->d;
	tl_engine = w->eng;
	tl_catalog = w->cat;
	pthread_mutex_lock(w->mu);
	for (;;) {
		dbt_node *next = NULL;
		bool pending = false;
		for (size_t oi = 0; oi < d->nnodes && next == NULL; oi++) {
			dbt_node *n = &d->nodes[d->order[oi]];
			if (!n->selected || w->state[n - d->nodes] == 2)
				continue;
			pending = true;
			if (w->state[n - d->nodes] == 0 && inputs_done(d, n, w->state))
				next = n;
		}
		if (!pending)
			break;
		if (next == NULL) {
			pthread_cond_wait(w->cv, w->mu);
			continue;
		}
		w->state[next - d->nodes] = 1;
		pthread_mutex_unlock(w->mu);
		run_one(w, next);
		pthread_mutex_lock(w->mu);
	}
	pthread_mutex_unlock(w->mu);
	tl_engine = NULL;
	tl_catalog = NULL;
	return NULL;
}

static int schedule(floe_dbt *d, floe_dbt_summary *sum, size_t total)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	int threads = d->opts.threads;
	size_t done = 0;
	worker w[16];
	pthread_t tid[16];
	int *state = floe_calloc(d->nnodes + 1, sizeof(int));
	int rc = 0, started = 0;
	if (state == NULL)
		return FLOE_ENOMEM;
	if (threads <= 0)
		threads = (int)json_integer_value(json_object_get(d->output, "threads"));
	if (threads <= 0)
		threads = 1;
	if (threads > 16)
		threads = 16;
	for (int i = 0; i < threads; i++) {
		w[i] = (worker){d, sum, total, &done, state, &mu, &cv, NULL, NULL};
		if (i == 0) {
			w[i].eng = d->engine;
			w[i].cat = d->catalog;
			continue;
		}
		rc = floe_engine_connect(&w[i].eng, d->engine);
		if (rc == 0)
			rc = floe_catalog_open(&w[i].cat, d->cat_uri, d->wh_path);
		if (rc) { /* run on the workers we have */
			floe_log(FLOE_LOG_WARN, "running on %d thread%s: %s", i, i == 1 ? "" : "s",
			         floe_error_message());
			floe_engine_free(w[i].eng);
			floe_error_clear();
			rc = 0;
			threads = i;
			break;
		}
	}
	if (rc == 0) {
		for (int i = 1; i < threads; i++)
			if (pthread_create(&tid[i], NULL, work, &w[i]) == 0)
				started = i;
			else
				break;
		work(&w[0]);
		for (int i = 1; i <= started; i++)
			pthread_join(tid[i], NULL);
	}
	for (int i = 1; i < threads; i++) {
		floe_catalog_free(w[i].cat);
		floe_engine_free(w[i].eng);
	}
	floe_free(state);
	pthread_mutex_destroy(&mu);
	pthread_cond_destroy(&cv);
	return rc;
}

int floe_dbt_execute(floe_dbt *d, const char *command, floe_dbt_summary *sum)
{
	size_t total = 0;
	int64_t t0 = floe_time_mono_us();
	int rc;
	memset(sum, 0, sizeof(*sum));
	if ((rc = select_nodes(d, command)) != 0)
		return rc;
	for (size_t i = 0; i < d->nnodes; i++)
		total += d->nodes[i].selected;
	if (strcmp(command, "ls") == 0) {
		for (size_t i = 0; i < d->nnodes; i++)
			if (d->nodes[i].selected)
				floe_log(FLOE_LOG_INFO, "%s", d->nodes[i].unique_id);
		return 0;
	}
	if (strcmp(command, "compile") == 0) {
		for (size_t oi = 0; rc == 0 && oi < d->nnodes; oi++) {
			dbt_node *n = &d->nodes[d->order[oi]];
			if (!n->selected || n->kind == DBT_SEED)
				continue;
			rc = n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0
			         ? test_sql(d, n, &n->compiled)
			         : dbt_render(d, n, false, &n->compiled);
			if (rc == 0)
				rc = write_compiled(d, n);
		}
		if (rc == 0)
			floe_log(FLOE_LOG_INFO, "Compiled %zu nodes into %s/target/compiled", total,
			         d->dir);
		return rc;
	}
	{
		char *logp = floe_asprintf("%s/logs/dbt.log", d->dir);
		if (logp)
			floe_log_set_file(logp);
		floe_free(logp);
		floe_log(FLOE_LOG_DEBUG, "floe %s in %s", command, d->dir);
	}
	if ((rc = open_runtime(d)) != 0)
		return rc;
	floe_log(FLOE_LOG_INFO, "Running with floe 0.1.0 on project %s, target %s", d->project_name,
	         d->target_name);
	if (json_object_get(d->project, "on-run-start") &&
	    (rc = run_hooks(d, NULL, json_object_get(d->project, "on-run-start"),
	                    "on-run-start")) != 0)
		return rc;
	rc = schedule(d, sum, total);
	if (rc)
		return rc;
	sum->total = (int)total;
	if (json_object_get(d->project, "on-run-end") &&
	    run_hooks(d, NULL, json_object_get(d->project, "on-run-end"), "on-run-end") != 0) {
		floe_log(FLOE_LOG_ERROR, "%s", floe_error_message());
		sum->error++;
	}
	rc = write_artifacts(d, command, (double)(floe_time_mono_us() - t0) / 1e6);
	floe_log(FLOE_LOG_INFO, "Done. PASS=%d WARN=%d ERROR=%d SKIP=%d TOTAL=%d", sum->pass,
	         sum->warn, sum->error, sum->skip, sum->total);
	floe_log_set_file(NULL);
	return rc;
}

/* dbt renders env_var() inside dbt_project.yml and profiles.yml; floe does
 * it for string values that call env_var (other Jinja in those files, such
 * as hooks, is rendered when it runs). */
static int render_env_values(floe_jinja *j, json_t *v, const char *name)
{
	size_t i;
	const char *k;
	json_t *x;
	int rc = 0;
	if (json_is_object(v)) {
		json_object_foreach(v, k, x)
		{
			if (json_is_string(x) && strstr(json_string_value(x), "env_var")) {
				floe_buf b = FLOE_BUF_INIT;
				rc = floe_jinja_render(j, json_string_value(x), name, &b);
				if (rc == 0)
					json_object_set_new(
					    v, k, json_stringn(b.ptr ? b.ptr : "", b.len));
				floe_buf_free(&b);
			} else {
				rc = render_env_values(j, x, name);
			}
			if (rc)
				return rc;
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
		{
			if (json_is_string(x) && strstr(json_string_value(x), "env_var")) {
				floe_buf b = FLOE_BUF_INIT;
				rc = floe_jinja_render(j, json_string_value(x), name, &b);
				if (rc == 0)
					json_array_set_new(v, i,
					                   json_stringn(b.ptr ? b.ptr : "", b.len));
				floe_buf_free(&b);
			} else {
				rc = render_env_values(j, x, name);
			}
			if (rc)
				return rc;
		}
	}
	return rc;
}

int dbt_render_env(json_t *doc, const char *name)
{
	floe_jinja *j = NULL;
	int rc = floe_jinja_new(&j);
	if (rc == 0)
		rc = floe_jinja_register(j, "env_var", fn_env_var, NULL);
	if (rc == 0)
		rc = render_env_values(j, doc, name);
	floe_jinja_free(j);
	return rc;
}
