/*
 * dbt run artifacts in target/: run_results.json (schema v6) and
 * manifest.json (schema v12) with the fields floe knows, and the compiled
 * SQL of each node in target/compiled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt_artifacts.h"
#include "dbt_names.h"
#include "dbt_select.h"

static const char *kind_name(const dbt_node *n)
{
	return dbt_kind_name(n->kind);
}

static json_t *string_or(const json_t *v, const char *dflt)
{
	return json_string(json_is_string(v) ? json_string_value(v) : dflt);
}

/* tags as a list (a single string is a list of one) */
static json_t *tag_list(const json_t *a, const json_t *b)
{
	json_t *out = json_array();
	const json_t *lists[2] = {a, b}, *t;
	size_t i;
	for (int l = 0; out && l < 2; l++) {
		if (json_is_string(lists[l]))
			json_array_append(out, (json_t *)lists[l]);
		json_array_foreach(lists[l], i, t) if (json_is_string(t))
		    json_array_append(out, (json_t *)t);
	}
	return out;
}

/* columns: of the properties entry as dbt's ColumnInfo, keyed by name */
static json_t *columns_of(const json_t *yaml)
{
	json_t *out = json_object();
	const json_t *c;
	size_t i;
	json_array_foreach(json_object_get(yaml, "columns"), i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		const json_t *cfg = json_object_get(c, "config");
		const json_t *meta = json_object_get(c, "meta");
		json_t *m = json_is_object(meta) ? json_deep_copy(meta) : json_object();
		const json_t *cons = json_object_get(c, "constraints");
		if (name == NULL || out == NULL) {
			json_decref(m);
			continue;
		}
		if (json_is_object(json_object_get(cfg, "meta")))
			json_object_update(m, json_object_get(cfg, "meta"));
		json_object_set_new(
		    out, name,
		    json_pack(
		        "{s:s,s:o,s:o,s:O,s:o,s:O,s:o,s:n,s:[]}", "name", name, "description",
		        string_or(json_object_get(c, "description"), ""), "meta", m, "data_type",
		        json_is_string(json_object_get(c, "data_type"))
		            ? json_object_get(c, "data_type")
		            : json_null(),
		        "constraints", json_is_array(cons) ? json_deep_copy(cons) : json_array(),
		        "quote",
		        json_is_boolean(json_object_get(c, "quote")) ? json_object_get(c, "quote")
		                                                     : json_null(),
		        "tags", tag_list(json_object_get(c, "tags"), json_object_get(cfg, "tags")),
		        "granularity", "doc_blocks"));
	}
	return out;
}

/* dbt's path: below the resource folder for files (models/a/b.sql ->
 * a/b.sql, analyses/c.sql -> analysis/c.sql), the compiled file name for
 * generic tests */
static char *dbt_path(const dbt_node *n)
{
	const char *slash = strchr(n->path, '/');
	if (n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0)
		return floe_asprintf("%s.sql", n->compiled_name ? n->compiled_name : n->name);
	if (n->kind == DBT_SOURCE || slash == NULL)
		return floe_strdup(n->path);
	if (n->kind == DBT_ANALYSIS)
		return floe_asprintf("analysis/%s", slash + 1);
	return floe_strdup(slash + 1);
}

/* A manifest node with the fields of dbt's manifest v12 schema that floe
 * knows (docs.getdbt.com "Manifest JSON file"). */
/* a node's config as dbt's config classes hold it: tags a list, a
 * contract with alias_types (true unless set) */
static json_t *as_dbt_config(json_t *c)
{
	if (c && json_is_string(json_object_get(c, "tags")))
		json_object_set_new(c, "tags", json_pack("[O]", json_object_get(c, "tags")));
	if (c && json_is_object(json_object_get(c, "contract")) &&
	    !json_object_get(json_object_get(c, "contract"), "alias_types")) {
		json_t *contract = json_deep_copy(json_object_get(c, "contract"));
		json_object_set_new(contract, "alias_types", json_true());
		json_object_set_new(c, "contract", contract);
	}
	return c;
}

static json_t *manifest_node(floe_dbt *d, const dbt_node *n, json_t *dep_ids)
{
	json_t *o = json_object(), *refs = json_array(), *srcs = json_array(), *meta, *docs;
	char *rel = n->schema && n->kind != DBT_TEST && n->kind != DBT_ANALYSIS &&
	                    strcmp(dbt_mat(n), "ephemeral") != 0
	                ? dbt_relation(n)
	                : NULL;
	char *path = dbt_path(n),
	     *patch =
	         n->patch_path ? floe_asprintf("%s://%s", d->project_name, n->patch_path) : NULL;
	char *audit =
	    n->kind == DBT_TEST ? floe_asprintf("%s_dbt_test__audit", d->target_schema) : NULL;
	size_t i;
	json_t *dep;
	json_array_foreach(n->deps, i, dep) json_array_append_new(
	    refs, json_pack("{s:O,s:n,s:n}", "name", dep, "package", "version"));
	json_array_foreach(n->sources, i, dep)
	{
		const char *key = json_string_value(dep), *dot = strchr(key, '.');
		if (dot)
			json_array_append_new(
			    srcs, json_pack("[s%,s]", key, (size_t)(dot - key), dot + 1));
	}
	meta = json_is_object(json_object_get(n->yaml, "meta"))
	           ? json_deep_copy(json_object_get(n->yaml, "meta"))
	           : json_object();
	if (json_is_object(json_object_get(n->config, "meta")))
		json_object_update(meta, json_object_get(n->config, "meta"));
	docs = json_pack("{s:b,s:n}", "show", true, "node_color");
	if (json_is_object(json_object_get(n->config, "docs")))
		json_object_update(docs, json_object_get(n->config, "docs"));
	json_object_set_new(o, "database", json_string("memory"));
	json_object_set_new(o, "schema",
	                    json_string(audit       ? audit
	                                : n->schema ? n->schema
	                                            : d->target_schema));
	json_object_set_new(o, "name", json_string(n->name));
	json_object_set_new(o, "resource_type", json_string(kind_name(n)));
	json_object_set_new(o, "package_name", json_string(d->project_name));
	json_object_set_new(o, "path", path ? json_string(path) : json_null());
	json_object_set_new(o, "original_file_path", json_string(n->path));
	json_object_set_new(o, "unique_id", json_string(n->unique_id));
	json_object_set_new(o, "fqn", json_incref(n->fqn));
	json_object_set_new(o, "alias", json_string(n->alias ? n->alias : n->name));
	json_object_set_new(o, "checksum", json_pack("{s:s,s:s}", "name", "none", "checksum", ""));
	json_object_set_new(o, "config", as_dbt_config(json_deep_copy(n->config)));
	json_object_set_new(o, "tags", tag_list(json_object_get(n->config, "tags"), NULL));
	json_object_set_new(o, "description",
	                    string_or(json_object_get(n->yaml, "description"), ""));
	json_object_set_new(o, "columns", columns_of(n->yaml));
	json_object_set_new(o, "meta", meta);
	json_object_set_new(o, "docs", docs);
	json_object_set_new(o, "patch_path", patch ? json_string(patch) : json_null());
	json_object_set_new(o, "relation_name", rel ? json_string(rel) : json_null());
	json_object_set_new(o, "raw_code", json_string(n->raw ? n->raw : ""));
	json_object_set_new(o, "language", json_string("sql"));
	json_object_set_new(o, "refs", refs);
	json_object_set_new(o, "sources", srcs);
	json_object_set_new(o, "depends_on", json_pack("{s:[],s:O}", "macros", "nodes", dep_ids));
	json_object_set_new(o, "compiled", json_boolean(n->compiled != NULL));
	json_object_set_new(o, "compiled_code",
	                    n->compiled ? json_string(n->compiled) : json_null());
	if (n->kind == DBT_TEST && n->test_meta) {
		dbt_node *target = dbt_test_target(d, n);
		json_object_set(o, "test_metadata", n->test_meta);
		json_object_set_new(o, "column_name",
		                    n->test_column ? json_string(n->test_column) : json_null());
		json_object_set_new(o, "attached_node",
		                    target && target->kind != DBT_SOURCE
		                        ? json_string(target->unique_id)
		                        : json_null());
		json_object_set_new(o, "file_key_name",
		                    target ? json_sprintf("%s.%s",
		                                          target->kind == DBT_SOURCE ? "sources"
		                                          : target->kind == DBT_SEED ? "seeds"
		                                                                     : "models",
		                                          target->kind == DBT_SOURCE
		                                              ? target->source_name
		                                              : target->name)
		                           : json_null());
	}
	floe_free(rel);
	floe_free(path);
	floe_free(patch);
	floe_free(audit);
	return o;
}

/* A source table as dbt's manifest has it (sources map) */
static json_t *manifest_source(floe_dbt *d, const dbt_node *n)
{
	char *rel = dbt_relation(n);
	json_t *meta = json_is_object(json_object_get(n->yaml, "meta"))
	                   ? json_deep_copy(json_object_get(n->yaml, "meta"))
	                   : json_object();
	json_t *o = json_pack(
	    "{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:o,s:o,s:s,s:{},s:o,s:n,s:n,s:o,s:o,s:o,"
	    "s:{},s:o,s:o,s:n,s:{},s:s?}",
	    "database", "memory", "schema", n->schema, "name", n->name, "resource_type", "source",
	    "package_name", d->project_name, "path", n->path, "original_file_path", n->path,
	    "unique_id", n->unique_id, "fqn", n->fqn, "source_name", n->source_name,
	    "source_description", string_or(json_object_get(n->yaml, "source_description"), ""),
	    "loader", string_or(json_object_get(n->yaml, "loader"), ""), "identifier", n->alias,
	    "quoting", "loaded_at_field",
	    json_is_string(json_object_get(n->yaml, "loaded_at_field"))
	        ? json_incref(json_object_get(n->yaml, "loaded_at_field"))
	        : json_null(),
	    "freshness", "external", "description",
	    string_or(json_object_get(n->yaml, "description"), ""), "columns", columns_of(n->yaml),
	    "meta", meta, "source_meta", "tags", tag_list(json_object_get(n->config, "tags"), NULL),
	    "config", json_deep_copy(n->config), "patch_path", "unrendered_config", "relation_name",
	    rel);
	if (o)
		json_object_set_new(json_object_get(o, "config"), "enabled",
		                    json_boolean(!n->disabled));
	floe_free(rel);
	return o;
}

int dbt_write_artifacts(floe_dbt *d, const char *command, double elapsed)
{
	const char *tp = json_string_value(json_object_get(d->project, "target-path"));
	json_t *results = json_array(), *nodes = json_object(), *run, *manifest;
	json_t *parents = json_object(), *children = json_object();
	json_t *sources = json_object(), *disabled = json_object();
	char *p1 = floe_asprintf("%s/%s/run_results.json", d->dir, tp ? tp : "target");
	char *p2 = floe_asprintf("%s/%s/manifest.json", d->dir, tp ? tp : "target");
	char *t1 = NULL, *t2 = NULL;
	char now[32];
	int rc = 0;
	floe_time_format_ms(floe_time_now_ms(), now);
	for (size_t i = 0; i < d->nnodes; i++)
		if (!d->nodes[i].disabled)
			json_object_set_new(children, d->nodes[i].unique_id, json_array());
	for (size_t i = 0; i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		static const char *st[] = {"", "success", "warn", "error", "skipped", "fail"};
		/* compile only compiles: dbt calls every node it did a success */
		const char *status = strcmp(command, "compile") == 0 && n->status == ST_PASS
		                         ? "success"
		                     : n->status == ST_PASS && n->kind == DBT_TEST ? "pass"
		                                                                   : st[n->status];
		json_t *dep_ids = json_array();
		char *rel;
		for (size_t k = 0; k < n->nparents; k++) {
			dbt_node *p = &d->nodes[n->parents[k]];
			json_array_append_new(dep_ids, json_string(p->unique_id));
			if (!n->disabled)
				json_array_append_new(json_object_get(children, p->unique_id),
				                      json_string(n->unique_id));
		}
		if (n->disabled) {
			/* dbt keeps disabled nodes apart, a list per unique id */
			json_t *one = n->kind == DBT_SOURCE ? manifest_source(d, n)
			                                    : manifest_node(d, n, dep_ids);
			json_object_set_new(disabled, n->unique_id, json_pack("[o]", one));
			json_decref(dep_ids);
			continue;
		}
		json_object_set(parents, n->unique_id, dep_ids);
		if (n->kind == DBT_SOURCE) {
			json_object_set_new(sources, n->unique_id, manifest_source(d, n));
			json_decref(dep_ids);
			continue;
		}
		json_object_set_new(nodes, n->unique_id, manifest_node(d, n, dep_ids));
		json_decref(dep_ids);
		rel = n->schema && n->kind != DBT_TEST ? dbt_relation(n) : NULL;
		/* failures: the failing rows of a test that ran, null otherwise */
		bool counted =
		    n->kind == DBT_TEST &&
		    (n->status == ST_PASS || n->status == ST_WARN || n->status == ST_FAIL);
		if (n->selected)
			json_array_append_new(
			    results,
			    json_pack("{s:s,s:[],s:s,s:f,s:{},s:s?,s:o,s:s,s:b,s:s?,s:s?}",
			              "status", n->status ? status : "skipped", "timing",
			              "thread_id", "Thread-1", "execution_time", n->seconds,
			              "adapter_response", "message", n->message, "failures",
			              counted ? json_integer((json_int_t)n->rows) : json_null(),
			              "unique_id", n->unique_id, "compiled", n->compiled != NULL,
			              "compiled_code", n->compiled, "relation_name", rel));
		floe_free(rel);
	}
	run = json_pack("{s:{s:s,s:s,s:s},s:o,s:f,s:{s:s}}", "metadata", "dbt_schema_version",
	                "https://schemas.getdbt.com/dbt/run-results/v6.json", "dbt_version",
	                "floe-0.1.0", "generated_at", now, "results", results, "elapsed_time",
	                elapsed, "args", "which", command);
	manifest = json_pack(
	    "{s:{s:s,s:s,s:s,s:s},s:o,s:o,s:{},s:{},s:{},s:{},s:{},s:{},s:o,"
	    "s:o,s:o,s:{},s:{},s:{},s:{}}",
	    "metadata", "dbt_schema_version", "https://schemas.getdbt.com/dbt/manifest/v12.json",
	    "dbt_version", "floe-0.1.0", "generated_at", now, "project_name", d->project_name,
	    "nodes", nodes, "sources", sources, "macros", "docs", "exposures", "metrics", "groups",
	    "selectors", "disabled", disabled, "parent_map", parents, "child_map", children,
	    "group_map", "saved_queries", "semantic_models", "unit_tests");
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

/* ---- floe ls ---- */

/* the node's config as dbt shows it: its defaults, then floe's values */
static json_t *full_config(const dbt_node *n)
{
	json_t *c = json_pack("{s:b,s:O?,s:O?,s:n,s:[],s:{}}", "enabled", !n->disabled, "alias",
	                      json_object_get(n->config, "alias"), "schema",
	                      json_object_get(n->config, "schema"), "database", "tags", "meta");
	if (c && n->kind != DBT_SOURCE)
		json_object_set_new(c, "materialized",
		                    json_string(n->kind == DBT_ANALYSIS ? "view" : dbt_mat(n)));
	if (c && n->kind == DBT_TEST && !json_object_get(n->config, "severity"))
		json_object_set_new(c, "severity", json_string("ERROR"));
	if (c)
		json_object_update(c, n->config);
	return as_dbt_config(c);
}

static int cmp_node_id(const void *a, const void *b)
{
	const dbt_node *x = *(const dbt_node *const *)a, *y = *(const dbt_node *const *)b;
	return strcmp(x->unique_id, y->unique_id);
}

/* dbt ls --output json: the allowed keys in dbt's field order */
static json_t *ls_json(floe_dbt *d, const dbt_node *n)
{
	json_t *o = json_object(), *nodes = json_array(), *tags;
	for (size_t i = 0; nodes && i < n->nparents; i++)
		json_array_append_new(nodes, json_string(d->nodes[n->parents[i]].unique_id));
	tags = json_object_get(n->config, "tags");
	json_object_set_new(o, "name", json_string(n->name));
	json_object_set_new(o, "resource_type", json_string(dbt_kind_name(n->kind)));
	json_object_set_new(o, "package_name", json_string(d->project_name));
	json_object_set_new(o, "original_file_path", json_string(n->path));
	json_object_set_new(o, "unique_id", json_string(n->unique_id));
	if (n->kind == DBT_SOURCE) {
		json_object_set_new(o, "source_name", json_string(n->source_name));
	} else {
		json_object_set_new(o, "alias", json_string(n->alias ? n->alias : n->name));
		json_object_set_new(o, "config", full_config(n));
	}
	json_object_set_new(o, "tags",
	                    json_is_array(tags)    ? json_deep_copy(tags)
	                    : json_is_string(tags) ? json_pack("[O]", tags)
	                                           : json_array());
	if (n->kind == DBT_SOURCE)
		json_object_set_new(o, "config", full_config(n));
	else if (n->kind == DBT_SEED)
		json_object_set_new(o, "depends_on", json_pack("{s:[]}", "macros"));
	else
		json_object_set_new(o, "depends_on",
		                    json_pack("{s:[],s:O}", "macros", "nodes", nodes));
	json_decref(nodes);
	return o;
}

/* --output-keys: only those keys (a dotted one reaches into the object) */
static json_t *pick_keys(const json_t *all, const char *keys)
{
	json_t *o = json_object();
	const char *p = keys;
	while (o && p && *p) {
		char key[256];
		size_t len;
		const json_t *v = all;
		while (*p == ' ' || *p == ',')
			p++;
		len = strcspn(p, " ,");
		if (len == 0)
			break;
		snprintf(key, sizeof(key), "%.*s", (int)len, p);
		p += len;
		for (char *k = key, *dot; v && k; k = dot ? dot + 1 : NULL) {
			if ((dot = strchr(k, '.')) != NULL)
				*dot = '\0';
			v = json_object_get(v, k);
			if (dot)
				*dot = '.';
		}
		if (v)
			json_object_set(o, key, (json_t *)v);
	}
	return o;
}

int floe_dbt_list(floe_dbt *d, const char *output, const char *output_keys, floe_buf *out,
                  size_t *count)
{
	const dbt_node **sel = floe_calloc(d->nnodes + 1, sizeof(*sel));
	size_t n = 0;
	int rc = sel ? dbt_select_nodes(d, "ls") : FLOE_ENOMEM;
	*count = 0;
	if (rc == 0 && output && strcmp(output, "selector") != 0 && strcmp(output, "name") != 0 &&
	    strcmp(output, "path") != 0 && strcmp(output, "json") != 0)
		rc = floe_error_set(FLOE_EINVAL,
		                    "--output: '%s' is not selector, name, path or json", output);
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++)
		if (d->nodes[i].selected)
			sel[n++] = &d->nodes[i];
	if (rc == 0 && n > 1)
		qsort(sel, n, sizeof(*sel), cmp_node_id);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const dbt_node *x = sel[i];
		if (output == NULL || strcmp(output, "selector") == 0) {
			if (x->kind == DBT_SOURCE) {
				rc = floe_buf_printf(out, "source:%s.%s.%s\n", d->project_name,
				                     x->source_name, x->name);
			} else {
				size_t k;
				json_t *part;
				json_array_foreach(x->fqn, k, part) rc = floe_buf_printf(
				    out, "%s%s", k ? "." : "", json_string_value(part));
				if (rc == 0)
					rc = floe_buf_putc(out, '\n');
			}
		} else if (strcmp(output, "name") == 0) {
			rc = x->kind == DBT_SOURCE
			         ? floe_buf_printf(out, "%s.%s\n", x->source_name, x->name)
			         : floe_buf_printf(out, "%s\n", x->name);
		} else if (strcmp(output, "path") == 0) {
			rc = floe_buf_printf(out, "%s\n", x->path);
		} else {
			json_t *all = ls_json(d, x),
			       *o = output_keys ? pick_keys(all, output_keys) : all;
			char *text =
			    o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) : NULL;
			rc = text ? floe_buf_printf(out, "%s\n", text) : FLOE_ENOMEM;
			free(text);
			if (o != all)
				json_decref(o);
			json_decref(all);
		}
	}
	if (rc == 0) {
		*count = n;
		if (n == 0)
			floe_log(FLOE_LOG_WARN, "No nodes selected!");
	}
	floe_free(sel);
	return rc;
}

/* target/compiled/<project>/<file>; a generic test's file is named after
 * the test (dbt's short name) inside a folder named after its properties
 * file, as dbt writes it */
int dbt_write_compiled(floe_dbt *d, const dbt_node *n)
{
	const char *tp = json_string_value(json_object_get(d->project, "target-path"));
	bool generic = n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0;
	char *rel = generic ? floe_asprintf("%s/%s/%s.sql", d->project_name, n->path,
	                                    n->compiled_name ? n->compiled_name : n->name)
	                    : floe_asprintf("%s/%s", d->project_name, n->path);
	char *p = rel ? floe_asprintf("%s/%s/compiled/%s", d->dir, tp ? tp : "target", rel) : NULL;
	int rc = p ? 0 : FLOE_ENOMEM;
	/* the names in it were checked when the project loaded; a path of a
	 * model folder outside the project (model-paths: ../x) still is not
	 * written outside target/compiled */
	if (rc == 0 && !dbt_path_inside(rel))
		rc = floe_error_set(FLOE_EINVAL,
		                    "%s: the compiled file %s would lie outside %s/compiled (a "
		                    "model, test or analysis path with '..')",
		                    n->path, rel, tp ? tp : "target");
	if (rc == 0)
		rc = floe_storage_update(p, n->compiled ? n->compiled : "",
		                         n->compiled ? strlen(n->compiled) : 0);
	floe_free(p);
	floe_free(rel);
	return rc;
}
