/*
 * The node model of a dbt project and the floe_dbt handle that holds it
 * (dbt_graph.c): nodes, the index by name / unique id / source key, the
 * config hierarchy, parents and topological order. The other dbt modules
 * build on this one.
 */
#ifndef FLOE_DBT_GRAPH_H
#define FLOE_DBT_GRAPH_H

#include <pthread.h>

#include "floe/dbt.h"
#include "floe/engine.h"
#include "floe/jinja.h"

typedef enum {
	DBT_SEED = 0,
	DBT_MODEL = 1,
	DBT_TEST = 2,
	DBT_SOURCE = 3,  /* a table of a sources: block; never runs */
	DBT_ANALYSIS = 4 /* analysis-paths: compiled, never run */
} dbt_kind;

typedef enum { ST_NONE, ST_PASS, ST_WARN, ST_ERROR, ST_SKIP, ST_FAIL } dbt_status;

typedef struct {
	dbt_kind kind;
	char *name;
	char *path; /* relative to the project */
	char *unique_id;
	char *raw; /* SQL text (models, singular tests) */
	json_t *config;
	json_t *deps;    /* names of nodes this one refs */
	json_t *sources; /* "source.table" names */
	json_t *fqn;
	json_t *yaml;     /* the properties entry (descriptions rendered), if any */
	char *patch_path; /* the properties file of a model/seed/analysis */
	char *schema, *alias;
	char *compiled;
	bool disabled, selected;
	/* graph: indexes into floe_dbt.nodes of what this node reads (refs,
	 * sources, a test's model or source), set once loading is done */
	size_t *parents;
	size_t nparents;
	/* floe build: the tests this node waits for (dbt's test edges) */
	size_t *gates;
	size_t ngates;
	/* sources */
	char *source_name;
	/* tests */
	char *test_kind;     /* unique, not_null, ..., dbt_utils.x, singular */
	char *test_model;    /* the model or seed a generic test is on */
	char *test_source;   /* "source.table" a generic test is on */
	char *test_column;   /* unquoted */
	json_t *test_args;   /* the test's arguments (no model, column_name) */
	json_t *test_meta;   /* dbt's test_metadata: namespace, name, kwargs */
	char *compiled_name; /* compiled file name (dbt's short name) */
	/* run state */
	dbt_status status;
	double seconds;
	char *message;
	int64_t rows;
	int readers;                 /* selected nodes still to read this one's result */
	bool kept;                   /* its result is kept in DuckDB for them */
	int64_t bytes;               /* size of the data files it wrote */
	int64_t started_us;          /* when it started (floe_time_mono_us) */
	bool defers;                 /* its table's commit is left pending */
	floe_table_pending *pending; /* that commit, still to be made */
} dbt_node;

typedef struct engine_opening engine_opening;

/*
 * What one worker of a run works with (dbt_runtime.c): its own DuckDB
 * connection and catalog handle. A worker passes it to whatever it calls;
 * Jinja functions find the worker that renders with dbt_worker_of. Never
 * shared between threads; the main thread's is floe_dbt.main.
 */
typedef struct {
	floe_dbt *d;
	floe_engine *engine;   /* NULL while parsing, and in a compile before the open */
	floe_catalog *catalog; /* NULL likewise */
} dbt_worker;

struct floe_dbt {
	floe_dbt_options opts;
	engine_opening *opening; /* DuckDB opening on its own thread, or NULL */
	char *dir;
	json_t *project;
	char *project_name;
	char *profile_path;
	json_t *output; /* the profile's chosen output */
	char *target_name;
	char *target_schema;
	json_t *vars;
	json_t *sources;   /* "src.table" -> {schema, identifier} */
	json_t *exposures; /* manifest exposures by unique id */
	dbt_node *nodes;
	size_t nnodes;
	size_t *order; /* topological order, indexes into nodes */
	floe_jinja *jinja;
	dbt_worker main; /* the main thread's handles, the run's first worker */
	/* jinja_mu: the Jinja interpreter and what rendering reads and writes
	 * (current, parsing, results, the `this` global); ddl_mu: changes of
	 * DuckDB's catalog (schemas, views, exposed and kept tables), which two
	 * connections may not make at once, and namespace creation in the
	 * warehouse catalog. A worker holding jinja_mu may take ddl_mu, never
	 * the other way round. */
	pthread_mutex_t jinja_mu, ddl_mu;
	char *cat_uri, *wh_path; /* to open one catalog handle per worker */
	json_t *index;     /* "n:<seed or model>", "u:<unique id>", "s:<src>.<table>" -> index */
	dbt_node *current; /* node being rendered */
	bool parsing;
	/* Jinja context state (dbt_context.c, dbt_adapter.c) */
	json_t *packages;     /* names of the installed packages */
	json_t *package_vars; /* package name -> vars of its dbt_project.yml */
	json_t *results;      /* statement name -> load_result() value */
	char invocation_id[37];
};

/* a new node (unique id <kind>.<project>.<name>); NULL on
 * ENOMEM. May move d->nodes. */
dbt_node *dbt_add_node(floe_dbt *d, dbt_kind kind, const char *name, const char *path);
/* look-ups by name, unique id or "source.table" key (prefix "n:", "u:",
 * "s:"): dbt_index_put after the key is final; NULL when absent */
int dbt_index_put(floe_dbt *d, const char *prefix, const char *key, const dbt_node *n);
dbt_node *dbt_index_get(floe_dbt *d, const char *prefix, const char *key);
/* the node's config from the `section` tree of dbt_project.yml (models,
 * seeds, data_tests, sources) along its fqn */
void dbt_project_config(floe_dbt *d, dbt_node *n, const char *section);
/* merge config values into config as dbt does: tags accumulate, meta
 * mappings merge, everything else replaces */
void dbt_config_merge(json_t *config, const json_t *more);
/* "seed", "model", "test", "source", "analysis" */
const char *dbt_kind_name(dbt_kind kind);
/* the model, seed or source a generic test is on (NULL for singular) */
dbt_node *dbt_test_target(floe_dbt *d, const dbt_node *t);

/* the seed or model (kind -1), or the node of that kind, named name; NULL
 * when there is none */
dbt_node *dbt_find(floe_dbt *d, dbt_kind kind, const char *name);

/* "schema"."alias" of a node, quoted; caller frees (NULL on ENOMEM) */
char *dbt_relation(const dbt_node *n);
/* the node's materialization: seed, test, source, or the model's (view
 * default) */
const char *dbt_mat(const dbt_node *n);

/* Call fn on every table node n reads: its parents, looking through
 * ephemeral and view models (their SQL reads their own inputs). */
void dbt_each_input(floe_dbt *d, const dbt_node *n, void (*fn)(floe_dbt *, dbt_node *, void *),
                    void *arg, int depth);

/* each node's parents as indexes (its refs, its sources, a test's target),
 * once every node is loaded */
int dbt_graph_link(floe_dbt *d);
/* d->order: the nodes in topological order; FLOE_EINVAL naming a
 * dependency cycle or a ref to a node that does not exist */
int dbt_graph_sort(floe_dbt *d);
/* free the nodes and the order (floe_dbt_free) */
void dbt_graph_free(floe_dbt *d);

#endif
