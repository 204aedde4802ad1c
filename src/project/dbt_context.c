/*
 * The Jinja context of a dbt project: ref, source, config, var, env_var,
 * is_incremental, doc, run_query, adapter.dispatch and the target, plus
 * rendering a node and env_var() in dbt_project.yml / profiles.yml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt_internal.h"

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
	if (strcmp(dbt_mat(target), "ephemeral") == 0) {
		*out = json_pack("s++", "(", target->compiled ? target->compiled : "select 1", ")");
		return 0;
	}
	{
		char *r = dbt_relation(target);
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
	if (!d->parsing && n && n->kind == DBT_MODEL && strcmp(dbt_mat(n), "incremental") == 0 &&
	    !d->opts.full_refresh && n->schema)
		yes = floe_catalog_table_exists(dbt_catalog(d), n->schema, n->alias) == 1;
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
	if (d->parsing || dbt_engine(d) == NULL) {
		*out = json_null();
		return 0;
	}
	if (sql == NULL)
		return floe_error_set(FLOE_EINVAL, "run_query() needs SQL text");
	rc = floe_engine_query_json(dbt_engine(d), sql, &b);
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
		char *r = dbt_relation(n);
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
