/*
 * dbt run artifacts in target/: run_results.json (schema v6) and
 * manifest.json (schema v12) with the fields floe knows.
 */
#include <stdlib.h>
#include <string.h>

#include "dbt_internal.h"

static const char *kind_name(const dbt_node *n)
{
	return dbt_kind_name(n->kind);
}

/* A manifest node with the fields of dbt's manifest v12 schema that floe
 * knows (docs.getdbt.com "Manifest JSON file"). */
static json_t *manifest_node(floe_dbt *d, const dbt_node *n, json_t *dep_ids)
{
	json_t *o = json_object(), *refs = json_array(), *tags;
	char *rel = n->schema ? dbt_relation(n) : NULL;
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

int dbt_write_artifacts(floe_dbt *d, const char *command, double elapsed)
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
		char *rel;
		if (n->kind == DBT_SOURCE)
			continue;
		rel = n->schema ? dbt_relation(n) : NULL;
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
