/*
 * dbt properties files (docs.getdbt.com "About properties"): the YAML
 * files beside models, seeds and analyses with `models:`, `seeds:`,
 * `analyses:` (config, description, columns), `sources:` (each table a
 * source node, with columns) and `exposures:`; and the generic tests
 * (`data_tests:` / `tests:`) they attach to models, seeds, source tables
 * and their columns, parsed the way dbt-core's TestBuilder parses them
 * (test_name/name/description keys, `arguments:`, config keys given at the
 * top level, namespaced package tests) and named as dbt names them
 * (dbt_names.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt_context.h"
#include "dbt_names.h"
#include "dbt_props.h"

/* dbt-core TestBuilder.CONFIG_ARGS: keys of a test entry that are config */
static const char *const config_args[] = {
    "severity", "tags",     "enabled",   "where",          "limit",
    "warn_if",  "error_if", "fail_calc", "store_failures", "store_failures_as",
    "meta",     "database", "schema",    "alias",          NULL};

/* what a generic test is attached to */
typedef struct {
	const char *file;    /* the properties file */
	dbt_kind kind;       /* DBT_MODEL/DBT_SEED (a ref) or DBT_SOURCE */
	const char *name;    /* the model or seed; the source table */
	const char *source;  /* the source's name (sources) */
	const char *display; /* the resource in messages */
} test_target;

/* Render '{{ doc(...) }}' and other Jinja in a description in place. */
static int render_description(floe_dbt *d, json_t *obj, const char *rel)
{
	const char *desc = json_string_value(json_object_get(obj, "description"));
	floe_buf b = FLOE_BUF_INIT;
	int rc;
	if (desc == NULL || (strstr(desc, "{{") == NULL && strstr(desc, "{%") == NULL))
		return 0;
	rc = floe_jinja_render(d->jinja, desc, rel, &b);
	if (rc == 0)
		rc =
		    json_object_set_new(obj, "description", json_stringn(b.ptr ? b.ptr : "", b.len))
		        ? FLOE_ENOMEM
		        : 0;
	floe_buf_free(&b);
	return rc;
}

/* the resource's own entry, with descriptions (its columns' too) rendered */
static int copy_entry(floe_dbt *d, json_t **out, const json_t *entry, const char *rel)
{
	json_t *copy = json_deep_copy(entry), *c;
	size_t i;
	int rc = copy ? render_description(d, copy, rel) : FLOE_ENOMEM;
	json_array_foreach(json_object_get(copy, "columns"), i, c) if (rc == 0 && json_is_object(c))
	    rc = render_description(d, c, rel);
	if (rc) {
		json_decref(copy);
		return rc;
	}
	json_decref(*out);
	*out = copy;
	return 0;
}

/* [project, folders of the file below its root folder, name...]: dbt
 * strips the first path component of the properties file and its name */
static int fqn_of_file(json_t *fqn, const char *project, const char *rel)
{
	const char *p = strchr(rel, '/'), *slash;
	if (json_array_append_new(fqn, json_string(project)))
		return FLOE_ENOMEM;
	for (p = p ? p + 1 : rel; (slash = strchr(p, '/')) != NULL; p = slash + 1)
		if (json_array_append_new(fqn, json_stringn(p, (size_t)(slash - p))))
			return FLOE_ENOMEM;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static dbt_node *find_unique_id(floe_dbt *d, const char *id)
{
	return dbt_index_get(d, "u:", id);
}

/* Test arguments that look like ref(...) / source(...) name inputs the
 * test reads (relationships' `to`): rendered while parsing, they record
 * the dependency (dbt's add_rendered_test_kwargs does the same). */
static int collect_kwarg_refs(floe_dbt *d, dbt_node *n, const json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	int rc = 0;
	if (depth > 16)
		return 0;
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		while (*s == ' ')
			s++;
		if (floe_str_starts_with(s, "ref(") || floe_str_starts_with(s, "source(")) {
			char *expr = floe_asprintf("{{ %s }}", s);
			floe_buf b = FLOE_BUF_INIT;
			if (expr == NULL)
				return FLOE_ENOMEM;
			d->parsing = true;
			d->current = n;
			rc = floe_jinja_render(d->jinja, expr, n->path, &b);
			d->current = NULL;
			d->parsing = false;
			floe_buf_free(&b);
			floe_free(expr);
		}
		return rc;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, x) if (rc == 0 && strcmp(k, "column_name") != 0)
		    rc = collect_kwarg_refs(d, n, x, depth + 1);
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) if (rc == 0) rc =
		    collect_kwarg_refs(d, n, x, depth + 1);
	}
	return rc;
}

/* Split a test entry into its name and a copy of its arguments (dbt-core
 * TestBuilder.extract_test_args): "unique", {unique: {...}} or
 * {test_name: unique, ...}; `arguments:` merged into the top level. */
static int extract_test(const test_target *tt, const json_t *t, char **name, json_t **args)
{
	const json_t *a = NULL;
	*name = NULL;
	*args = NULL;
	if (json_is_string(t)) {
		*name = floe_strdup(json_string_value(t));
		*args = json_object();
	} else if (json_is_object(t) && json_is_string(json_object_get(t, "test_name"))) {
		*name = floe_strdup(json_string_value(json_object_get(t, "test_name")));
		*args = json_deep_copy(t);
		json_object_del(*args, "test_name");
	} else if (json_is_object(t) && json_object_size(t) == 1) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)t, k, v)
		{
			a = v;
			*name = floe_strdup(k);
		}
		if (!json_is_object(a) && !json_is_null(a)) {
			floe_free(*name);
			*name = NULL;
			return floe_error_set(FLOE_EINVAL,
			                      "%s: the arguments of a test of %s must be a mapping",
			                      tt->file, tt->display);
		}
		*args = json_is_object(a) ? json_deep_copy(a) : json_object();
	} else {
		return floe_error_set(FLOE_EINVAL,
		                      "%s: a test of %s must be a name or a mapping with exactly "
		                      "one key (the test's name) or a test_name key",
		                      tt->file, tt->display);
	}
	if (*name == NULL || *args == NULL) {
		floe_free(*name);
		json_decref(*args);
		*name = NULL;
		*args = NULL;
		return FLOE_ENOMEM;
	}
	a = json_object_get(*args, "arguments");
	if (json_is_object(a)) {
		json_t *keep = json_incref((json_t *)a);
		json_object_del(*args, "arguments");
		json_object_update(*args, keep);
		json_decref(keep);
	}
	return 0;
}

/* namespace.name of a test: both [A-Za-z_][0-9A-Za-z_]* */
static bool valid_ident(const char *s, size_t n)
{
	if (n == 0 ||
	    !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/* Config keys of the entry (top-level ones first, then those under
 * config:), strings with Jinja rendered, null values dropped. */
static int test_config(floe_dbt *d, const test_target *tt, json_t *args, json_t **out)
{
	json_t *cfg = json_object(), *nested = json_object_get(args, "config");
	int rc = cfg ? 0 : FLOE_ENOMEM;
	const char *k;
	json_t *v;
	void *tmp;
	*out = NULL;
	for (int i = 0; rc == 0 && config_args[i]; i++) {
		json_t *val = json_incref(json_object_get(args, config_args[i]));
		json_object_del(args, config_args[i]);
		if (!floe_jinja_truthy(val) && json_is_object(nested)) {
			json_decref(val);
			val = json_incref(json_object_get(nested, config_args[i]));
			json_object_del(nested, config_args[i]);
		}
		if (val && !json_is_null(val))
			json_object_set(cfg, config_args[i], val);
		json_decref(val);
	}
	if (rc == 0 && json_is_object(nested))
		json_object_update(cfg, nested);
	json_object_del(args, "config");
	json_object_foreach_safe(cfg, tmp, k, v)
	{
		const char *s = json_string_value(v);
		floe_buf b = FLOE_BUF_INIT;
		if (rc || s == NULL || (strstr(s, "{{") == NULL && strstr(s, "{%") == NULL))
			continue;
		rc = floe_jinja_render(d->jinja, s, tt->file, &b);
		if (rc == 0)
			json_object_set_new(cfg, k, json_stringn(b.ptr ? b.ptr : "", b.len));
		floe_buf_free(&b);
	}
	if (rc == 0)
		*out = cfg;
	else
		json_decref(cfg);
	return rc;
}

/* tags as a sorted list without duplicates: the test's, its column's and
 * those the project's data_tests config gave */
static void merge_tags(json_t *config, const json_t *more)
{
	const json_t *lists[2] = {json_object_get(config, "tags"), more}, *v;
	const char **all =
	    floe_calloc(json_array_size(lists[0]) + json_array_size(more) + 3, sizeof(char *));
	json_t *out = json_array();
	size_t n = 0, i;
	for (int l = 0; all && out && l < 2; l++) {
		if (json_is_string(lists[l]))
			all[n++] = json_string_value(lists[l]);
		json_array_foreach(lists[l], i, v) if (json_is_string(v)) all[n++] =
		    json_string_value(v);
	}
	if (all && out) {
		if (n > 1)
			qsort(all, n, sizeof(char *), cmp_str);
		for (i = 0; i < n; i++)
			if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
				json_array_append_new(out, json_string(all[i]));
		json_object_set(config, "tags", out);
	}
	json_decref(out);
	floe_free(all);
}

/* One generic test of a model, seed or source table (column may be NULL:
 * a test of the whole resource). */
static int add_generic_test(floe_dbt *d, const test_target *tt, const json_t *column,
                            const json_t *entry)
{
	char *tname = NULL, *short_name = NULL, *full_name = NULL, *uid = NULL, *type = NULL;
	json_t *args = NULL, *cfg = NULL, *kwargs = NULL, *col_tags = NULL;
	const char *dot, *bare, *col = json_string_value(json_object_get(column, "name"));
	char *ns = NULL;
	dbt_node *n, *dup;
	int rc = extract_test(tt, entry, &tname, &args);
	if (rc)
		goto done;
	if (column && col == NULL) {
		rc = floe_error_set(FLOE_EINVAL, "%s: a column of %s has no name", tt->file,
		                    tt->display);
		goto done;
	}
	dot = strchr(tname, '.');
	bare = dot ? dot + 1 : tname;
	if (!valid_ident(bare, strlen(bare)) ||
	    (dot && !valid_ident(tname, (size_t)(dot - tname)))) {
		rc = floe_error_set(FLOE_EINVAL, "%s: test name '%s' of %s is not [package.]name",
		                    tt->file, tname, tt->display);
		goto done;
	}
	if (dot && (ns = floe_strndup(tname, (size_t)(dot - tname))) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if (json_object_get(args, "model")) {
		rc = floe_error_set(FLOE_EINVAL,
		                    "%s: a test of %s may not have an argument named 'model'",
		                    tt->file, tt->display);
		goto done;
	}
	if (col) {
		/* quote: true on the column: the name is quoted in the test (and
		 * in its name) */
		json_t *q = json_object_get(column, "quote");
		json_object_set_new(args, "column_name",
		                    json_is_true(q) ? json_sprintf("\"%s\"", col)
		                                    : json_string(col));
		col_tags = json_deep_copy(json_object_get(column, "tags"));
		if (json_is_string(col_tags)) {
			json_t *one = json_pack("[o]", col_tags);
			col_tags = one;
		}
		if (json_is_array(json_object_get(json_object_get(column, "config"), "tags")))
			json_array_extend(
			    col_tags ? col_tags : (col_tags = json_array()),
			    json_object_get(json_object_get(column, "config"), "tags"));
	}
	if ((rc = test_config(d, tt, args, &cfg)) != 0)
		goto done;
	kwargs = json_deep_copy(args);
	json_object_del(kwargs, "description");
	json_object_del(kwargs, "name");
	if (kwargs == NULL ||
	    json_object_set_new(
	        kwargs, "model",
	        tt->kind == DBT_SOURCE
	            ? json_sprintf("{{ get_where_subquery(source('%s', '%s')) }}", tt->source,
	                           tt->name)
	            : json_sprintf("{{ get_where_subquery(ref('%s')) }}", tt->name))) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if (json_is_string(json_object_get(args, "name"))) {
		/* a name given in the YAML replaces the synthesized one; it
		 * names the compiled file */
		if ((rc = dbt_check_path_part(tt->file, "test name",
		                              json_string_value(json_object_get(args, "name")))) !=
		    0)
			goto done;
		full_name = floe_strdup(json_string_value(json_object_get(args, "name")));
		short_name = full_name ? floe_strdup(full_name) : NULL;
		if (short_name == NULL)
			rc = FLOE_ENOMEM;
	} else {
		char *target = tt->kind == DBT_SOURCE ? floe_asprintf("%s_%s", tt->source, tt->name)
		                                      : floe_strdup(tt->name);
		type = floe_asprintf("%s%s%s%s", ns ? ns : "", ns ? "_" : "",
		                     tt->kind == DBT_SOURCE ? "source_" : "", bare);
		rc = target && type
		         ? dbt_generic_test_names(&short_name, &full_name, type, target, kwargs)
		         : FLOE_ENOMEM;
		floe_free(target);
		if (rc == 0 && strcmp(short_name, full_name) != 0 && !json_object_get(cfg, "alias"))
			json_object_set_new(cfg, "alias", json_string(short_name));
	}
	if (rc == 0)
		rc = dbt_test_unique_id(&uid, d->project_name, full_name, ns, bare, kwargs);
	if (rc)
		goto done;
	if ((dup = find_unique_id(d, uid)) != NULL) {
		rc = floe_error_set(FLOE_EINVAL,
		                    "%s: dbt found two tests with the name \"%s\" defined on %s%s%s"
		                    "%s: give one of them a name: (%s, %s)",
		                    tt->file, full_name, col ? "column \"" : "", col ? col : "",
		                    col ? "\" of " : "", tt->display, uid, dup->path);
		goto done;
	}
	if ((n = dbt_add_node(d, DBT_TEST, full_name, tt->file)) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	floe_free(n->unique_id);
	n->unique_id = uid;
	uid = NULL;
	if ((rc = dbt_index_put(d, "u:", n->unique_id, n)) != 0)
		goto done;
	n->compiled_name = short_name;
	short_name = NULL;
	n->test_kind = tname;
	tname = NULL;
	/* a column test's column, or column_name given among a model test's
	 * arguments (dbt passes it to the macro either way) */
	if (col == NULL && json_is_string(json_object_get(args, "column_name")))
		col = json_string_value(json_object_get(args, "column_name"));
	n->test_column = col ? floe_strdup(col) : NULL;
	n->test_args = json_deep_copy(args);
	json_object_del(n->test_args, "column_name");
	json_object_del(n->test_args, "description");
	json_object_del(n->test_args, "name");
	n->test_meta = json_pack("{s:s?,s:s,s:O}", "namespace", ns, "name", bare, "kwargs", kwargs);
	n->yaml = json_pack("{s:s}", "description",
	                    json_string_value(json_object_get(args, "description"))
	                        ? json_string_value(json_object_get(args, "description"))
	                        : "");
	if ((rc = fqn_of_file(n->fqn, d->project_name, tt->file)) != 0 ||
	    json_array_append_new(n->fqn, json_string(n->name))) {
		rc = rc ? rc : FLOE_ENOMEM;
		goto done;
	}
	if (tt->kind == DBT_SOURCE) {
		n->test_source = floe_asprintf("%s.%s", tt->source, tt->name);
		json_array_append_new(n->sources,
		                      json_string(n->test_source ? n->test_source : ""));
	} else {
		n->test_model = floe_strdup(tt->name);
		/* a test runs after its model (and after what it refers to) */
		json_array_append_new(n->deps, json_string(tt->name));
	}
	if (n->test_kind == NULL || n->test_args == NULL || n->test_meta == NULL ||
	    (col && n->test_column == NULL) ||
	    (tt->kind == DBT_SOURCE ? n->test_source == NULL : n->test_model == NULL)) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	/* project config (data_tests: / tests: by fqn), then the test's own */
	dbt_project_config(d, n, "data_tests");
	dbt_project_config(d, n, "tests");
	{
		json_t *project_tags = json_incref(json_object_get(n->config, "tags"));
		json_object_update(n->config, cfg);
		json_object_del(n->config, "tags");
		merge_tags(n->config, project_tags);
		merge_tags(n->config, json_object_get(cfg, "tags"));
		merge_tags(n->config, col_tags);
		json_decref(project_tags);
	}
	dbt_test_config_args(n);
	rc = collect_kwarg_refs(d, n, n->test_args, 0);
done:
	floe_free(tname);
	floe_free(short_name);
	floe_free(full_name);
	floe_free(uid);
	floe_free(type);
	floe_free(ns);
	json_decref(args);
	json_decref(cfg);
	json_decref(kwargs);
	json_decref(col_tags);
	return rc;
}

static const json_t *tests_of(const json_t *entry)
{
	const json_t *t = json_object_get(entry, "data_tests");
	return t ? t : json_object_get(entry, "tests");
}

/* the tests of a resource and of its columns */
static int add_tests(floe_dbt *d, const test_target *tt, const json_t *entry)
{
	const json_t *c, *t;
	size_t i, k;
	int rc = 0;
	json_array_foreach(json_object_get(entry, "columns"), i, c)
	{
		json_array_foreach(tests_of(c), k, t) if (rc == 0) rc =
		    add_generic_test(d, tt, c, t);
	}
	json_array_foreach(tests_of(entry), k, t) if (rc == 0) rc =
	    add_generic_test(d, tt, NULL, t);
	return rc;
}

/* models:, seeds:, analyses: entries */
static int load_resources(floe_dbt *d, const char *rel, const json_t *list, dbt_kind kind,
                          const char *what)
{
	size_t i;
	const json_t *m;
	int rc = 0;
	json_array_foreach(list, i, m)
	{
		const char *name = json_string_value(json_object_get(m, "name"));
		dbt_node *node = name ? dbt_find(d, kind, name) : NULL;
		test_target tt = {rel, kind, name, NULL, name};
		if (node == NULL) {
			floe_log(FLOE_LOG_WARN, "%s: %s '%s' has properties but no file", rel, what,
			         name ? name : "?");
			continue;
		}
		if (json_is_object(json_object_get(m, "config")))
			dbt_config_merge(node->config, json_object_get(m, "config"));
		/* tags given beside config apply as config */
		if (json_object_get(m, "tags")) {
			json_t *tags = json_pack("{s:O}", "tags", json_object_get(m, "tags"));
			if (tags == NULL)
				return FLOE_ENOMEM;
			dbt_config_merge(node->config, tags);
			json_decref(tags);
		}
		if ((rc = copy_entry(d, &node->yaml, m, rel)) != 0)
			return rc;
		floe_free(node->patch_path);
		node->patch_path = floe_strdup(rel);
		if (kind != DBT_ANALYSIS && (rc = add_tests(d, &tt, m)) != 0)
			return rc;
	}
	return 0;
}

/* sources: each table a source node (source.<project>.<source>.<table>),
 * with its tests */
static int load_sources(floe_dbt *d, const char *rel, const json_t *list)
{
	size_t i, k;
	const json_t *src, *t;
	int rc = 0;
	json_array_foreach(list, i, src)
	{
		const char *sname = json_string_value(json_object_get(src, "name"));
		const char *schema = json_string_value(json_object_get(src, "schema"));
		const json_t *scfg = json_object_get(src, "config");
		if (sname == NULL)
			return floe_error_set(FLOE_EINVAL, "%s: a source without a name", rel);
		json_array_foreach(json_object_get(src, "tables"), k, t)
		{
			const char *tn = json_string_value(json_object_get(t, "name"));
			const char *ident = json_string_value(json_object_get(t, "identifier"));
			char *key = NULL, *display = NULL;
			dbt_node *n;
			test_target tt;
			if (tn == NULL)
				return floe_error_set(FLOE_EINVAL,
				                      "%s: a table of source '%s' has no name", rel,
				                      sname);
			key = floe_asprintf("%s.%s", sname, tn);
			if (key == NULL)
				return FLOE_ENOMEM;
			if (json_object_get(d->sources, key)) {
				rc = floe_error_set(
				    FLOE_EINVAL,
				    "%s: source table %s is defined twice (dbt found two "
				    "sources with the name \"%s\")",
				    rel, key, key);
				floe_free(key);
				return rc;
			}
			json_object_set_new(d->sources, key,
			                    json_pack("{s:s,s:s}", "schema",
			                              schema ? schema : sname, "identifier",
			                              ident ? ident : tn));
			n = dbt_add_node(d, DBT_SOURCE, tn, rel);
			display = floe_asprintf("source %s", key);
			floe_free(key);
			if (n == NULL || display == NULL) {
				floe_free(display);
				return FLOE_ENOMEM;
			}
			floe_free(n->unique_id);
			n->unique_id = floe_asprintf("source.%s.%s.%s", d->project_name, sname, tn);
			n->source_name = floe_strdup(sname);
			n->schema = floe_strdup(schema ? schema : sname);
			n->alias = floe_strdup(ident ? ident : tn);
			rc = n->unique_id && n->source_name && n->schema && n->alias ? 0
			                                                             : FLOE_ENOMEM;
			if (rc == 0)
				rc = dbt_index_put(d, "u:", n->unique_id, n);
			if (rc == 0) {
				char *skey = floe_asprintf("%s.%s", sname, tn);
				rc = skey ? dbt_index_put(d, "s:", skey, n) : FLOE_ENOMEM;
				floe_free(skey);
			}
			if (rc == 0)
				rc = fqn_of_file(n->fqn, d->project_name, rel);
			if (rc == 0 && (json_array_append_new(n->fqn, json_string(sname)) ||
			                json_array_append_new(n->fqn, json_string(tn))))
				rc = FLOE_ENOMEM;
			if (rc == 0) {
				dbt_project_config(d, n, "sources");
				if (json_is_object(scfg))
					dbt_config_merge(n->config, scfg);
				if (json_is_object(json_object_get(t, "config")))
					dbt_config_merge(n->config, json_object_get(t, "config"));
				rc = copy_entry(d, &n->yaml, t, rel);
			}
			if (rc == 0) {
				json_t *sd = json_object_get(src, "description");
				json_object_set_new(n->yaml, "source_description",
				                    json_string(json_string_value(sd)
				                                    ? json_string_value(sd)
				                                    : ""));
				tt = (test_target){rel, DBT_SOURCE, tn, sname, display};
				rc = add_tests(d, &tt, t);
			}
			floe_free(display);
			if (rc)
				return rc;
		}
	}
	return 0;
}

static int load_exposures(floe_dbt *d, const char *rel, const json_t *list)
{
	size_t i;
	const json_t *e;
	json_array_foreach(list, i, e)
	{
		const char *en = json_string_value(json_object_get(e, "name"));
		char *id;
		if (en == NULL)
			return floe_error_set(FLOE_EINVAL, "%s: an exposure without a name", rel);
		id = floe_asprintf("exposure.%s.%s", d->project_name, en);
		if (id == NULL)
			return FLOE_ENOMEM;
		json_object_set_new(d->exposures, id,
		                    json_pack("{s:s,s:s,s:s,s:O?,s:O?,s:s}", "name", en,
		                              "unique_id", id, "resource_type", "exposure", "owner",
		                              json_object_get(e, "owner"), "depends_on",
		                              json_object_get(e, "depends_on"),
		                              "original_file_path", rel));
		floe_free(id);
	}
	return 0;
}

int dbt_load_properties(floe_dbt *d, const char *rel, const json_t *doc)
{
	int rc;
	if (doc == NULL || json_is_null(doc))
		return 0;
	if (!json_is_object(doc))
		return floe_error_set(FLOE_EINVAL, "%s: a properties file must be a mapping", rel);
	if ((rc = load_resources(d, rel, json_object_get(doc, "models"), DBT_MODEL, "model")) !=
	        0 ||
	    (rc = load_resources(d, rel, json_object_get(doc, "seeds"), DBT_SEED, "seed")) != 0 ||
	    (rc = load_resources(d, rel, json_object_get(doc, "analyses"), DBT_ANALYSIS,
	                         "analysis")) != 0 ||
	    (rc = load_sources(d, rel, json_object_get(doc, "sources"))) != 0)
		return rc;
	return load_exposures(d, rel, json_object_get(doc, "exposures"));
}
