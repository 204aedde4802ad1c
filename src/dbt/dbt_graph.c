/*
 * The graph of a dbt project: its nodes (seeds, models, tests, sources,
 * analyses), the index that finds them by name, unique id or source key,
 * the config hierarchy of dbt_project.yml, the parents of each node and the
 * topological order. Every other dbt module builds on this one; it calls
 * none of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt_graph.h"

/* ---- nodes and look-ups ---- */

const char *dbt_kind_name(dbt_kind kind)
{
	static const char *kinds[] = {"seed", "model", "test", "source", "analysis"};
	return (unsigned)kind < 5 ? kinds[kind] : "?";
}

int dbt_index_put(floe_dbt *d, const char *prefix, const char *key, const dbt_node *n)
{
	char *k = floe_asprintf("%s%s", prefix, key);
	int rc = k ? 0 : FLOE_ENOMEM;
	if (rc == 0 && json_object_set_new(d->index, k, json_integer((json_int_t)(n - d->nodes))))
		rc = FLOE_ENOMEM;
	floe_free(k);
	return rc;
}

dbt_node *dbt_index_get(floe_dbt *d, const char *prefix, const char *key)
{
	char buf[512];
	char *k = NULL;
	const json_t *v;
	int len = snprintf(buf, sizeof(buf), "%s%s", prefix, key);
	if (len < 0)
		return NULL;
	if ((size_t)len >= sizeof(buf) && (k = floe_asprintf("%s%s", prefix, key)) == NULL)
		return NULL;
	v = json_object_get(d->index, k ? k : buf);
	floe_free(k);
	return v && (size_t)json_integer_value(v) < d->nnodes ? &d->nodes[json_integer_value(v)]
	                                                      : NULL;
}

dbt_node *dbt_add_node(floe_dbt *d, dbt_kind kind, const char *name, const char *path)
{
	dbt_node *g = floe_realloc(d->nodes, (d->nnodes + 1) * sizeof(*g));
	dbt_node *n;
	if (g == NULL)
		return NULL;
	d->nodes = g;
	n = &g[d->nnodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	d->nnodes++; /* floe_dbt_free frees what was made even on failure */
	n->name = floe_strdup(name);
	n->path = floe_strdup(path ? path : "");
	n->unique_id = floe_asprintf("%s.%s.%s", dbt_kind_name(kind), d->project_name, name);
	n->config = json_object();
	n->deps = json_array();
	n->sources = json_array();
	n->fqn = json_array();
	if (n->name == NULL || n->path == NULL || n->unique_id == NULL || n->config == NULL ||
	    n->deps == NULL || n->sources == NULL || n->fqn == NULL)
		return NULL;
	/* tests and sources get their unique id (and index entry) later */
	if ((kind == DBT_SEED || kind == DBT_MODEL) && dbt_index_put(d, "n:", name, n) != 0)
		return NULL;
	if (kind != DBT_TEST && kind != DBT_SOURCE && dbt_index_put(d, "u:", n->unique_id, n) != 0)
		return NULL;
	return n;
}

dbt_node *dbt_find(floe_dbt *d, dbt_kind kind, const char *name)
{
	if (name == NULL)
		return NULL;
	if ((int)kind < 0 || kind == DBT_SEED || kind == DBT_MODEL) {
		dbt_node *n = dbt_index_get(d, "n:", name);
		return n && ((int)kind < 0 || n->kind == kind) ? n : NULL;
	}
	for (size_t i = 0; i < d->nnodes; i++)
		if ((int)kind < 0 ? d->nodes[i].kind == DBT_SEED || d->nodes[i].kind == DBT_MODEL
		                  : d->nodes[i].kind == kind)
			if (strcmp(d->nodes[i].name, name) == 0)
				return &d->nodes[i];
	return NULL;
}

/* tags accumulate and meta merges along the hierarchy (dbt's config
 * merge); other keys replace */
static void config_set(json_t *config, const char *key, json_t *v)
{
	json_t *old = json_object_get(config, key);
	if (strcmp(key, "tags") == 0 && old && !json_is_null(v)) {
		json_t *all = json_is_array(old) ? json_deep_copy(old) : json_pack("[O]", old);
		json_t *add = json_is_array(v) ? json_incref(v) : json_pack("[O]", v), *t;
		size_t i, k;
		json_array_foreach(add, i, t)
		{
			bool seen = false;
			json_t *o;
			json_array_foreach(all, k, o) seen |= json_equal(o, t);
			if (!seen)
				json_array_append(all, t);
		}
		json_decref(add);
		if (all)
			json_object_set_new(config, key, all);
		return;
	}
	if (strcmp(key, "meta") == 0 && json_is_object(old) && json_is_object(v)) {
		json_t *m = json_deep_copy(old);
		json_object_update(m, v);
		json_object_set_new(config, key, m);
		return;
	}
	json_object_set(config, key, v);
}

void dbt_config_merge(json_t *config, const json_t *more)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)more, k, v) config_set(config, k, v);
}

/* dbt config hierarchy: the project-level tree along the node's fqn
 * ([project, folders..., name]); keys with '+' always apply, plain keys
 * apply unless they name a child */
static void apply_tree(json_t *config, const json_t *tree, const json_t *fqn, size_t level)
{
	const char *k, *part;
	json_t *v;
	if (!json_is_object(tree))
		return;
	json_object_foreach((json_t *)tree, k, v)
	{
		if (k[0] == '+')
			config_set(config, k + 1, v);
		else if (!json_is_object(v) || strcmp(k, "docs") == 0 || strcmp(k, "meta") == 0 ||
		         strcmp(k, "column_types") == 0 || strcmp(k, "contract") == 0 ||
		         strcmp(k, "persist_docs") == 0)
			config_set(config, k, v);
	}
	part = json_string_value(json_array_get(fqn, level));
	if (part)
		apply_tree(config, json_object_get(tree, part), fqn, level + 1);
}

void dbt_project_config(floe_dbt *d, dbt_node *n, const char *section)
{
	apply_tree(n->config, json_object_get(d->project, section), n->fqn, 0);
}

dbt_node *dbt_test_target(floe_dbt *d, const dbt_node *t)
{
	if (t->kind != DBT_TEST)
		return NULL;
	if (t->test_model)
		return dbt_find(d, (dbt_kind)-1, t->test_model);
	if (t->test_source)
		return dbt_index_get(d, "s:", t->test_source);
	return NULL;
}

/* "schema"."alias" of a seed or model, quoted */
char *dbt_relation(const dbt_node *n)
{
	floe_buf b = FLOE_BUF_INIT;
	floe_buf_put_sql_ident(&b, n->schema ? n->schema : "main");
	floe_buf_putc(&b, '.');
	floe_buf_put_sql_ident(&b, n->alias ? n->alias : n->name);
	return floe_buf_detach(&b, NULL);
}

const char *dbt_mat(const dbt_node *n)
{
	const char *m = json_string_value(json_object_get(n->config, "materialized"));
	if (n->kind == DBT_SEED)
		return "seed";
	if (n->kind == DBT_TEST)
		return "test";
	if (n->kind == DBT_SOURCE)
		return "source";
	return m ? m : "view";
}

/* ---- edges and order ---- */

static dbt_node *find_source(floe_dbt *d, const char *key)
{
	return dbt_index_get(d, "s:", key);
}

/* each node's parents as indexes: its refs, its sources, a test's target */
int dbt_graph_link(floe_dbt *d)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		size_t k, cap = json_array_size(n->deps) + json_array_size(n->sources);
		json_t *v;
		n->parents = floe_calloc(cap + 1, sizeof(size_t));
		if (n->parents == NULL)
			return FLOE_ENOMEM;
		json_array_foreach(n->deps, k, v)
		{
			dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(v));
			bool seen = false;
			for (size_t j = 0; p && j < n->nparents; j++)
				seen |= n->parents[j] == (size_t)(p - d->nodes);
			if (p && !seen)
				n->parents[n->nparents++] = (size_t)(p - d->nodes);
		}
		json_array_foreach(n->sources, k, v)
		{
			dbt_node *p = find_source(d, json_string_value(v));
			bool seen = false;
			for (size_t j = 0; p && j < n->nparents; j++)
				seen |= n->parents[j] == (size_t)(p - d->nodes);
			if (p && !seen)
				n->parents[n->nparents++] = (size_t)(p - d->nodes);
		}
	}
	return 0;
}

/* ---- parse render: collect refs, sources, config ---- */

static int visit(floe_dbt *d, size_t i, int *state, size_t *order, size_t *k)
{
	dbt_node *n = &d->nodes[i];
	size_t di;
	json_t *dep;
	if (state[i] == 2)
		return 0;
	if (state[i] == 1)
		return floe_error_set(FLOE_EINVAL, "dependency cycle through %s (%s)", n->unique_id,
		                      n->path);
	state[i] = 1;
	json_array_foreach(n->deps, di, dep)
	{
		dbt_node *target = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
		int rc;
		if (target == NULL) {
			/* dbt's words: "Model 'model.p.x' (models/x.sql) depends on ..." */
			const char *kind = dbt_kind_name(n->kind);
			return floe_error_set(
			    FLOE_EINVAL,
			    "Compilation Error: %c%s '%s' (%s) depends on a node named '%s' which "
			    "was not found",
			    kind[0] - 'a' + 'A', kind + 1, n->unique_id, n->path,
			    json_string_value(dep));
		}
		if ((rc = visit(d, (size_t)(target - d->nodes), state, order, k)) != 0)
			return rc;
	}
	state[i] = 2;
	order[(*k)++] = i;
	return 0;
}

int dbt_graph_sort(floe_dbt *d)
{
	int *state = floe_calloc(d->nnodes ? d->nnodes : 1, sizeof(int));
	size_t k = 0;
	int rc = 0;
	d->order = floe_calloc(d->nnodes ? d->nnodes : 1, sizeof(size_t));
	if (state == NULL || d->order == NULL) {
		floe_free(state);
		return FLOE_ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++)
		rc = visit(d, i, state, d->order, &k);
	floe_free(state);
	return rc;
}

void dbt_graph_free(floe_dbt *d)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		floe_free(n->name);
		floe_free(n->path);
		floe_free(n->unique_id);
		floe_free(n->raw);
		floe_free(n->schema);
		floe_free(n->alias);
		floe_free(n->compiled);
		floe_free(n->test_column);
		floe_free(n->test_kind);
		floe_free(n->test_model);
		floe_free(n->test_source);
		floe_free(n->compiled_name);
		floe_free(n->source_name);
		floe_free(n->patch_path);
		floe_free(n->parents);
		floe_free(n->gates);
		json_decref(n->test_meta);
		floe_free(n->message);
		json_decref(n->config);
		json_decref(n->deps);
		json_decref(n->sources);
		json_decref(n->fqn);
		json_decref(n->test_args);
		json_decref(n->yaml);
	}
	floe_free(d->nodes);
	floe_free(d->order);
	d->nodes = NULL;
	d->order = NULL;
	d->nnodes = 0;
}

/* Call fn on every table node n reads: its deps, looking through
 * ephemeral and view models (their SQL reads their own inputs). */
void dbt_each_input(floe_dbt *d, const dbt_node *n, void (*fn)(floe_dbt *, dbt_node *, void *),
                    void *arg, int depth)
{
	for (size_t i = 0; i < n->nparents; i++) {
		dbt_node *p = &d->nodes[n->parents[i]];
		const char *m = dbt_mat(p);
		if ((strcmp(m, "ephemeral") == 0 || strcmp(m, "view") == 0) && depth < 64)
			dbt_each_input(d, p, fn, arg, depth + 1);
		else
			fn(d, p, arg);
	}
}
