/*
 * The Jinja context of a dbt project: ref, source, config, var, env_var,
 * is_incremental, doc, builtins, execute, flags, invocation_id, target,
 * model and this (the database side is in dbt_adapter.c); rendering a
 * node, calling a generic test's macro with its rendered arguments, and
 * env_var() in dbt_project.yml / profiles.yml.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dbt_adapter.h"
#include "dbt_context.h"
#include "dbt_relation.h"
#include "dbt_runtime.h"

static int fn_ref(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	floe_dbt *d = ud;
	size_t n = json_array_size(args);
	const char *name = json_string_value(json_array_get(args, n >= 2 ? 1 : 0));
	dbt_node *target;
	(void)j;
	(void)kwargs;
	if (name == NULL)
		return floe_error_set(FLOE_EINVAL, "ref() needs a model name");
	if (d->parsing) {
		/* names are resolved after parsing: a relation of the bare name */
		if (d->current)
			json_array_append_new(d->current->deps, json_string(name));
		*out = dbt_relation_value(NULL, NULL, name, NULL);
		return *out ? 0 : FLOE_ENOMEM;
	}
	target = dbt_find(d, (dbt_kind)-1, name);
	if (target == NULL)
		return floe_error_set(FLOE_EINVAL, "ref('%s'): no such model or seed", name);
	*out = dbt_node_relation(d, target);
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
	(void)j;
	(void)kwargs;
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
	*out = dbt_relation_value("memory", json_string_value(json_object_get(e, "schema")),
	                          json_string_value(json_object_get(e, "identifier")), "table");
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_config(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	floe_dbt *d = ud;
	(void)j;
	if (d->parsing && d->current) {
		/* as dbt merges: tags add up, meta merges, the rest replaces */
		dbt_config_merge(d->current->config, kwargs);
		if (json_is_object(json_array_get(args, 0)))
			dbt_config_merge(d->current->config, json_array_get(args, 0));
	}
	*out = json_string("");
	return 0;
}

/* var(name, default): --vars, the root project's vars, then the vars of
 * the packages' dbt_project.yml files (their defaults) */
static int fn_var(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	floe_dbt *d = ud;
	const char *name = json_string_value(json_array_get(args, 0));
	const json_t *v = name ? json_object_get(d->vars, name) : NULL;
	(void)j;
	(void)kwargs;
	if (v == NULL && name) {
		const char *k;
		json_t *pv;
		json_object_foreach(d->package_vars, k, pv) if (v == NULL)
		{
			/* the root may scope a package's var as vars: {pkg: {name: ...}} */
			const json_t *scoped = json_object_get(json_object_get(d->vars, k), name);
			v = scoped ? scoped : json_object_get(pv, name);
		}
	}
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
	if (!d->parsing && n && n->kind == DBT_MODEL && strcmp(dbt_mat(n), "incremental") == 0 &&
	    !d->opts.full_refresh && n->schema)
		yes =
		    floe_catalog_table_exists(dbt_worker_of(j)->catalog, n->schema, n->alias) == 1;
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

/* config.get(key, default) and config.require(key) on the node's config */
static int fn_config_get(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                         void *ud)
{
	floe_dbt *d = ud;
	const char *key = json_string_value(json_array_get(args, 0));
	const json_t *v = key && d->current ? json_object_get(d->current->config, key) : NULL;
	const json_t *dflt = json_array_get(args, 1);
	(void)j;
	if (dflt == NULL)
		dflt = json_object_get(kwargs, "default");
	*out = json_incref((json_t *)(v ? v : dflt ? dflt : json_null()));
	return 0;
}

static int fn_config_require(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                             void *ud)
{
	floe_dbt *d = ud;
	const char *key = json_string_value(json_array_get(args, 0));
	const json_t *v = key && d->current ? json_object_get(d->current->config, key) : NULL;
	(void)j;
	(void)kwargs;
	if (v == NULL)
		return floe_error_set(FLOE_EINVAL, "config '%s' is required and not set",
		                      key ? key : "?");
	*out = json_incref((json_t *)v);
	return 0;
}

/* execute, flags, invocation_id, run_started_at and builtins.* */
static int register_globals(floe_dbt *d)
{
	static const struct {
		const char *name;
		floe_jinja_fn fn;
	} fns[] = {
	    {"builtins.ref", fn_ref},
	    {"builtins.source", fn_source},
	    {"builtins.config", fn_config},
	    {"config.get", fn_config_get},
	    {"config.require", fn_config_require},
	};
	uint8_t u[16];
	time_t now = time(NULL);
	struct tm tm;
	char started[40];
	json_t *flags, *id, *start;
	json_t *graph = json_pack("{s:{},s:{},s:{}}", "nodes", "sources", "exposures");
	int rc = floe_jinja_set_root(d->jinja, d->project_name);
	for (size_t i = 0; rc == 0 && i < sizeof(fns) / sizeof(fns[0]); i++)
		rc = floe_jinja_register(d->jinja, fns[i].name, fns[i].fn, d);
	floe_uuid_v4(u);
	floe_uuid_format(u, d->invocation_id);
	gmtime_r(&now, &tm);
	strftime(started, sizeof(started), "%Y-%m-%d %H:%M:%S+00:00", &tm);
	flags = json_pack("{s:s,s:b,s:b,s:b}", "WHICH", "build", "FULL_REFRESH",
	                  d->opts.full_refresh, "STORE_FAILURES", 0, "WARN_ERROR", 0);
	id = json_string(d->invocation_id);
	/* a datetime value (jinja_modules.c gives it strftime) */
	start = json_pack("{s:s,s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:s}", FLOE_JINJA_CLASS, "datetime",
	                  FLOE_JINJA_TEXT, started, "year", tm.tm_year + 1900, "month",
	                  tm.tm_mon + 1, "day", tm.tm_mday, "hour", tm.tm_hour, "minute", tm.tm_min,
	                  "second", tm.tm_sec, "microsecond", 0, "tzinfo", "UTC");
	if (rc == 0 && (flags == NULL || id == NULL || start == NULL || graph == NULL))
		rc = FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "flags", flags);
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "invocation_id", id);
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "run_started_at", start);
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "execute", json_false());
	if (rc == 0) /* filled in once parsing is done (dbt_set_graph) */
		rc = floe_jinja_set_global(d->jinja, "graph", graph);
	json_decref(graph);
	json_decref(flags);
	json_decref(id);
	json_decref(start);
	return rc;
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
		rc = register_globals(d);
	if (rc == 0)
		rc = dbt_register_adapter(d);
	return rc;
}

/* ---- rendering ---- */

/* the `model` of the context: the node as dbt's graph describes it */
static json_t *node_object(floe_dbt *d, const dbt_node *n)
{
	const json_t *tags = json_object_get(n->config, "tags");
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:O,s:s?,s:s?,s:s,s:o,s:s,s:{s:O}}",
	                 "unique_id", n->unique_id ? n->unique_id : n->name, "name", n->name,
	                 "resource_type", dbt_kind_name(n->kind), "package_name", d->project_name,
	                 "path", n->path, "original_file_path", n->path, "fqn", n->fqn, "config",
	                 n->config, "schema", n->schema, "alias", n->alias, "database", "memory",
	                 "tags", json_is_array(tags) ? json_incref((json_t *)tags) : json_array(),
	                 "raw_code", n->raw ? n->raw : "", "depends_on", "nodes", n->deps);
}

int dbt_root_namespace(floe_dbt *d)
{
	json_t *ns = json_object(), *existing = floe_jinja_lookup(d->jinja, d->project_name);
	int rc = ns ? 0 : FLOE_ENOMEM;
	/* a name the context already has (a package, `dbt`) stays as it is */
	if (existing && !json_is_object(existing))
		goto done;
	for (size_t i = 0; rc == 0 && i < floe_jinja_macro_count(d->jinja); i++) {
		const char *m = floe_jinja_macro_name(d->jinja, i);
		json_t *v;
		if (floe_jinja_macro_package(d->jinja, i) != NULL)
			continue;
		v = floe_jinja_package_macro(d->jinja, NULL, m);
		if (v == NULL || json_object_set_new(ns, m, v))
			rc = FLOE_ENOMEM;
	}
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, d->project_name, ns);
done:
	json_decref(existing);
	json_decref(ns);
	return rc;
}

/* `graph`: nodes by unique id (depends_on naming unique ids) and sources */
int dbt_set_graph(floe_dbt *d)
{
	json_t *graph = json_pack("{s:{},s:{},s:{}}", "nodes", "sources", "exposures");
	json_t *nodes = json_object_get(graph, "nodes"),
	       *sources = json_object_get(graph, "sources");
	const char *k;
	json_t *e;
	int rc = graph ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		json_t *o, *ids, *dep;
		size_t k2;
		if (n->kind == DBT_SOURCE) /* graph.sources, below */
			continue;
		o = node_object(d, n);
		ids = json_array();
		if (o == NULL || ids == NULL) {
			json_decref(o);
			json_decref(ids);
			rc = FLOE_ENOMEM;
			break;
		}
		json_array_foreach(n->deps, k2, dep)
		{
			const dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
			if (p)
				json_array_append_new(ids, json_string(p->unique_id));
		}
		json_object_set_new(json_object_get(o, "depends_on"), "nodes", ids);
		if (n->kind == DBT_TEST && n->test_kind && strcmp(n->test_kind, "singular") != 0) {
			const char *dot = strrchr(n->test_kind, '.');
			json_t *meta = json_pack(
			    "{s:s,s:O,s:s?}", "name", dot ? dot + 1 : n->test_kind, "kwargs",
			    n->test_args ? n->test_args : json_null(), "namespace", NULL);
			if (meta && dot)
				json_object_set_new(
				    meta, "namespace",
				    json_stringn(n->test_kind, (size_t)(dot - n->test_kind)));
			json_object_set_new(o, "test_metadata", meta ? meta : json_null());
		}
		if (json_object_set_new(nodes, n->unique_id, o))
			rc = FLOE_ENOMEM;
	}
	json_object_foreach(d->sources, k, e)
	{
		const char *dot = strchr(k, '.');
		char *id = floe_asprintf("source.%s.%s", d->project_name, k);
		json_t *o = id && dot ? json_pack("{s:s,s:s,s:s%,s:s,s:O,s:O,s:s}", "unique_id", id,
		                                  "resource_type", "source", "source_name", k,
		                                  (size_t)(dot - k), "name", dot + 1, "schema",
		                                  json_object_get(e, "schema"), "identifier",
		                                  json_object_get(e, "identifier"), "package_name",
		                                  d->project_name)
		                      : NULL;
		if (rc == 0 && (o == NULL || json_object_set_new(sources, id, o)))
			rc = FLOE_ENOMEM;
		floe_free(id);
	}
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "graph", graph);
	json_decref(graph);
	return rc;
}

/* per node: execute, model, this, and a fresh set of statement results */
static int enter_node(floe_dbt *d, dbt_node *n, bool parsing)
{
	json_t *model = node_object(d, n), *rel = NULL;
	int rc = model ? 0 : FLOE_ENOMEM;
	d->parsing = parsing;
	d->current = n;
	json_decref(d->results);
	d->results = json_object();
	if (rc == 0 && d->results == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "execute", json_boolean(!parsing));
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, "model", model);
	if (rc == 0 && n->kind != DBT_TEST) {
		rel = dbt_node_relation(d, n);
		rc = rel ? floe_jinja_set_global(d->jinja, "this", rel) : FLOE_ENOMEM;
	}
	json_decref(rel);
	json_decref(model);
	return rc;
}

static void leave_node(floe_dbt *d)
{
	d->current = NULL;
	d->parsing = false;
	/* hooks and other late renders run with execute true */
	floe_jinja_set_global(d->jinja, "execute", json_true());
}

/* dbt renders a test argument that looks like ref(...), source(...),
 * var(...), env_var(...) or doc(...) as an expression keeping its value,
 * and other strings as templates; column_name stays as written */
static bool looks_like_call(const char *s)
{
	static const char *fns[] = {"env_var", "ref", "var", "source", "doc"};
	size_t n;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	for (size_t i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		const char *p = s;
		if (strncmp(p, fns[i], strlen(fns[i])) != 0)
			continue;
		p += strlen(fns[i]);
		while (*p == ' ')
			p++;
		if (*p != '(')
			continue;
		n = strlen(p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\n' || p[n - 1] == '\t'))
			n--;
		return n > 2 && p[n - 1] == ')';
	}
	return false;
}

static int render_arg(floe_dbt *d, const json_t *v, const char *where, json_t **out)
{
	size_t i;
	const char *k;
	json_t *x;
	int rc = 0;
	*out = NULL;
	if (json_is_string(v) && looks_like_call(json_string_value(v)))
		return floe_jinja_eval(out, d->jinja, json_string_value(v), where);
	if (json_is_string(v) &&
	    (strstr(json_string_value(v), "{{") || strstr(json_string_value(v), "{%"))) {
		floe_buf b = FLOE_BUF_INIT;
		rc = floe_jinja_render(d->jinja, json_string_value(v), where, &b);
		if (rc == 0 && (*out = json_stringn(b.ptr ? b.ptr : "", b.len)) == NULL)
			rc = FLOE_ENOMEM;
		floe_buf_free(&b);
		return rc;
	}
	if (json_is_array(v)) {
		*out = json_array();
		json_array_foreach(v, i, x)
		{
			json_t *r = NULL;
			if (rc == 0 && (rc = render_arg(d, x, where, &r)) == 0)
				json_array_append_new(*out, r);
		}
	} else if (json_is_object(v)) {
		*out = json_object();
		json_object_foreach((json_t *)v, k, x)
		{
			json_t *r = NULL;
			if (rc == 0 && (rc = render_arg(d, x, where, &r)) == 0)
				json_object_set_new(*out, k, r);
		}
	} else {
		*out = json_incref((json_t *)v);
	}
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* the macro of a generic test: dbt_utils.x is dbt_utils' test_x, a bare
 * name the project's (or any package's) test_x */
static json_t *test_macro(floe_dbt *d, const char *kind)
{
	const char *dot = strrchr(kind, '.');
	char *pkg = dot ? floe_strndup(kind, (size_t)(dot - kind)) : NULL;
	char *name = floe_asprintf("test_%s", dot ? dot + 1 : kind);
	json_t *m = NULL;
	if (name && (dot == NULL || pkg))
		m = pkg ? floe_jinja_package_macro(d->jinja, pkg, name)
		        : floe_jinja_lookup(d->jinja, name);
	floe_free(pkg);
	floe_free(name);
	return m;
}

/* model: the relation, or dbt's subquery when the test has a where config */
static json_t *test_model_arg(floe_dbt *d, const dbt_node *t, const dbt_node *model)
{
	const char *where = json_string_value(json_object_get(t->config, "where"));
	json_t *rel = dbt_node_relation(d, model), *sub;
	if (rel == NULL || where == NULL)
		return rel;
	sub = json_sprintf("(select * from %s where %s) dbt_subquery",
	                   json_string_value(json_object_get(rel, FLOE_JINJA_TEXT)), where);
	json_decref(rel);
	return sub;
}

int dbt_generic_test(floe_dbt *d, dbt_node *t, bool parsing, char **out)
{
	dbt_node *model = dbt_test_target(d, t); /* a model, seed or source */
	json_t *macro = test_macro(d, t->test_kind), *kwargs = NULL, *res = NULL, *saved = NULL;
	json_t *m = NULL;
	int rc = 0;
	*out = NULL;
	if (macro == NULL || model == NULL) {
		if (parsing) /* floe's own tests (unique, ...) have no macro */
			goto done;
		rc = model == NULL
		         ? floe_error_set(FLOE_EINVAL, "%s: test on unknown model %s", t->path,
		                          t->test_model    ? t->test_model
		                          : t->test_source ? t->test_source
		                                           : "?")
		         : floe_error_set(FLOE_EUNSUPPORTED, "%s: unknown generic test '%s'",
		                          t->path, t->test_kind);
		goto done;
	}
	if ((rc = enter_node(d, t, parsing)) != 0)
		goto done;
	/* config() in the test's macro is a default: the YAML config wins */
	if (parsing && (saved = json_deep_copy(t->config)) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((rc = render_arg(d, t->test_args, t->path, &kwargs)) != 0)
		goto done;
	if (!json_is_object(kwargs) || (m = test_model_arg(d, t, model)) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	json_object_set_new(kwargs, "model", m);
	if (t->test_column)
		json_object_set_new(kwargs, "column_name", json_string(t->test_column));
	rc = floe_jinja_call_value(&res, d->jinja, macro, NULL, kwargs);
	if (rc == 0)
		*out = floe_strdup(json_is_string(res) ? json_string_value(res) : "");
	if (rc == 0 && *out == NULL)
		rc = FLOE_ENOMEM;
	if (saved)
		json_object_update(t->config, saved);
done:
	if (parsing && rc) {
		/* the run renders it again and reports the error on the test */
		floe_log(FLOE_LOG_DEBUG, "%s: parsing test %s: %s", t->path, t->name,
		         floe_error_message());
		floe_error_clear();
		rc = 0;
	}
	leave_node(d);
	json_decref(saved);
	json_decref(res);
	json_decref(kwargs);
	json_decref(macro);
	return rc;
}

void dbt_test_config_args(dbt_node *t)
{
	/* dbt's generic-test builder takes these as config wherever they stand */
	static const char *keys[] = {
	    "severity", "tags",     "enabled",   "where",          "limit",
	    "warn_if",  "error_if", "fail_calc", "store_failures", "store_failures_as",
	    "meta",     "database", "schema",    "alias"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(t->test_args, keys[i]);
		if (v == NULL)
			continue;
		if (json_object_get(t->config, keys[i]) == NULL)
			json_object_set(t->config, keys[i], v);
		json_object_del(t->test_args, keys[i]);
	}
}

int dbt_set_command(floe_dbt *d, const char *command)
{
	json_t *flags = floe_jinja_lookup(d->jinja, "flags");
	int rc = 0;
	if (json_is_object(flags) && json_object_set_new(flags, "WHICH", json_string(command)))
		rc = FLOE_ENOMEM;
	json_decref(flags);
	return rc;
}

int dbt_render(floe_dbt *d, dbt_node *n, bool parsing, char **out)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc;
	*out = NULL;
	if (n->kind == DBT_TEST && n->raw == NULL && n->test_kind &&
	    strcmp(n->test_kind, "singular") != 0) {
		if (!parsing)
			return floe_error_set(FLOE_EINVAL, "%s: generic test %s has no SQL text",
			                      n->path, n->name);
		rc = dbt_generic_test(d, n, true, out);
		floe_free(*out);
		*out = rc == 0 ? floe_strdup("") : NULL;
		return rc == 0 && *out == NULL ? FLOE_ENOMEM : rc;
	}
	rc = enter_node(d, n, parsing);
	if (rc == 0)
		rc = floe_jinja_render(d->jinja, n->raw ? n->raw : "", n->path, &b);
	leave_node(d);
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
