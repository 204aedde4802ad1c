/*
 * Private declarations of the dbt project code: the node graph (loaded in
 * dbt_load.c), the Jinja context (dbt_context.c), selection
 * (dbt_select.c), the runner (dbt_run.c) and the artifacts
 * (dbt_artifacts.c).
 */
#ifndef FLOE_DBT_INTERNAL_H
#define FLOE_DBT_INTERNAL_H

#include "floe/project.h"

typedef enum { DBT_SEED = 0, DBT_MODEL = 1, DBT_TEST = 2 } dbt_kind;

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
	json_t *yaml; /* the model's properties entry, if any */
	char *schema, *alias;
	char *compiled;
	bool disabled, selected;
	/* tests */
	char *test_kind; /* unique, not_null, ..., singular (owned) */
	const char *test_model;
	char *test_column;
	json_t *test_args;
	/* run state */
	dbt_status status;
	double seconds;
	char *message;
	int64_t rows;
	int readers;   /* selected nodes still to read this one's result */
	bool kept;     /* its result is kept in DuckDB for them */
	int64_t bytes; /* size of the data files it wrote */
} dbt_node;

struct floe_dbt {
	floe_dbt_options opts;
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
	floe_engine *engine;
	floe_catalog *catalog;
	char *cat_uri, *wh_path; /* to open one catalog handle per worker */
	dbt_node *current;       /* node being rendered */
	bool parsing;
	/* Jinja context state (dbt_context.c, dbt_adapter.c) */
	json_t *packages;     /* names of the installed packages */
	json_t *package_vars; /* package name -> vars of its dbt_project.yml */
	json_t *results;      /* statement name -> load_result() value */
	char invocation_id[37];
};

/* dbt_context.c: register ref, source, config, ... on d->jinja; render a
 * node's SQL (parsing = collect ref/source/config only); *out is the
 * caller's (floe_free) */
int dbt_register_context(floe_dbt *d);
int dbt_render(floe_dbt *d, dbt_node *n, bool parsing, char **out);
/* move the config keys a generic test gives among its arguments
 * (severity, where, warn_if, error_if, fail_calc, ...) into its config */
void dbt_test_config_args(dbt_node *t);
/* a test's failures query over its compiled SQL: failures (fail_calc,
 * count(*) by default), should_warn and should_error (warn_if / error_if,
 * != 0 by default); caller frees */
char *dbt_test_count_sql(const dbt_node *t);
/* the test's rows, status (severity) and message from that query's row */
int dbt_test_outcome(dbt_node *t, const floe_engine_rows *r);
/* the root project's macros as <project>.<macro>, as dbt allows */
int dbt_root_namespace(floe_dbt *d);
/* the `graph` context variable, once the nodes are loaded and resolved */
int dbt_set_graph(floe_dbt *d);
/* flags.WHICH for the command being run */
int dbt_set_command(floe_dbt *d, const char *command);
/* render env_var() calls inside the string values of a YAML document */
int dbt_render_env(json_t *doc, const char *name);
dbt_node *dbt_find(floe_dbt *d, dbt_kind kind, const char *name); /* kind -1: seed or model */

/* dbt_adapter.c: relation, column and agate objects; adapter, api,
 * statement / load_result / run_query and floe's own macros of the `dbt`
 * namespace (cross-database macros in DuckDB SQL) */
int dbt_register_adapter(floe_dbt *d);
/* the relation object of a seed or model (ephemeral: its inlined SQL) */
json_t *dbt_node_relation(floe_dbt *d, const dbt_node *n);
/* a relation object for database.schema.identifier; type may be NULL */
json_t *dbt_relation_value(const char *database, const char *schema, const char *identifier,
                           const char *type);
/* the SQL of a project or package generic test: its macro test_<name>
 * called with model, column_name and the rendered arguments (parsing:
 * execute is false, refs and config() are recorded on t) */
int dbt_generic_test(floe_dbt *d, dbt_node *t, bool parsing, char **out);

/* dbt_run.c: the DuckDB connection and catalog handle of the calling
 * worker thread (the main ones outside a run) */
floe_engine *dbt_engine(floe_dbt *d);
floe_catalog *dbt_catalog(floe_dbt *d);
/* "schema"."alias" of a node, quoted; caller frees (NULL on ENOMEM) */
char *dbt_relation(const dbt_node *n);
/* the node's materialization: seed, test, or the model's (view default) */
const char *dbt_mat(const dbt_node *n);

/* dbt_select.c: mark the nodes `command` runs under --select/--exclude */
int dbt_select_nodes(floe_dbt *d, const char *command);

/* dbt_artifacts.c: target/run_results.json and target/manifest.json */
int dbt_write_artifacts(floe_dbt *d, const char *command, double elapsed);

#endif
