/*
 * Private declarations of the dbt project code: the node graph (loaded in
 * dbt_load.c), the Jinja context (dbt_context.c), selection
 * (dbt_select.c), the runner (dbt_run.c), the artifacts
 * (dbt_artifacts.c), dbt's test names (dbt_names.c) and dbt-duckdb's
 * external materialization (dbt_external.c).
 */
#ifndef FLOE_DBT_INTERNAL_H
#define FLOE_DBT_INTERNAL_H

#include "floe/dbt.h"
#include "floe/engine.h"
#include "floe/jinja.h"

#include "dbt_yaml.h"

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
	floe_engine *engine;
	floe_catalog *catalog;
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

/* dbt_load.c: a new node (unique id <kind>.<project>.<name>); NULL on
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

/* dbt_props.c: one properties file (models:, seeds:, analyses:, sources:
 * with their generic tests, exposures:) */
int dbt_load_properties(floe_dbt *d, const char *rel, const json_t *doc);

/* dbt_run.c: the DuckDB connection and catalog handle of the calling
 * worker thread (the main ones outside a run) */
floe_engine *dbt_engine(floe_dbt *d);
floe_catalog *dbt_catalog(floe_dbt *d);
/* start opening DuckDB on a thread (the profile is read); open_runtime
 * takes the result. dbt_engine_opened waits for an opening nobody took
 * and frees its engine (floe_dbt_free). */
void dbt_engine_open_start(floe_dbt *d);
void dbt_engine_opened(floe_dbt *d);
/* "schema"."alias" of a node, quoted; caller frees (NULL on ENOMEM) */
char *dbt_relation(const dbt_node *n);
/* the node's materialization: seed, test, source, or the model's (view
 * default) */
const char *dbt_mat(const dbt_node *n);

/* dbt_select.c: mark the nodes `command` runs under --select/--exclude */
int dbt_select_nodes(floe_dbt *d, const char *command);

/* dbt_names.c: dbt's names of generic tests. Python's str() / repr() of
 * a YAML value appended to b. */
int dbt_py_str(floe_buf *b, const json_t *v);
int dbt_py_repr(floe_buf *b, const json_t *v);
/* short (compiled file, alias) and full (name, fqn, unique id) name of a
 * generic test: test_type is the test's name with "source_" and the
 * package prefixed as dbt does ("dbt_utils_expression_is_true"), target
 * the model's name or "<source>_<table>", kwargs the test's keyword
 * arguments including column_name (and model, left out). Caller frees. */
int dbt_generic_test_names(char **short_name, char **full_name, const char *test_type,
                           const char *target, const json_t *kwargs);
/* test.<project>.<name>.<hash>: the hash of the name and the test's
 * metadata {namespace (NULL for none), name, kwargs}. Caller frees. */
int dbt_test_unique_id(char **out, const char *project, const char *name, const char *ns,
                       const char *test_name, const json_t *kwargs);

/* names and config values that become parts of paths (dbt_names.c).
 * dbt_check_identifier: a project or package name as dbt-core validates
 * it (letters, digits, '_', not starting with a digit). dbt_check_path_part:
 * a name used as one file or folder name (an alias, a schema, a test's
 * name): not empty, '.' or '..', no '/' or '\\'. dbt_check_subdir: a
 * folder of the project (target-path, packages-install-path, log-path):
 * relative, no '..' part, not the project itself. Each sets FLOE_EINVAL
 * naming file, field and value. dbt_path_inside: rel is relative and has
 * no '..' part (so joined to a folder it stays inside it). */
int dbt_check_identifier(const char *file, const char *field, const char *value);
int dbt_check_path_part(const char *file, const char *field, const char *value);
int dbt_check_subdir(const char *file, const char *field, const char *value);
bool dbt_path_inside(const char *rel);

/* dbt_external.c: dbt-duckdb's external materialization */
typedef struct {
	char *format;   /* parquet, csv or json (what the view reads) */
	char *path;     /* absolute local path written (a file, or a folder) */
	char *options;  /* COPY options */
	char *read_sql; /* select * from read_<format>('<location>', ...) */
	bool partitioned;
} dbt_external;
/* format: iceberg or table_format: iceberg: an Iceberg table */
bool dbt_external_is_iceberg(const dbt_node *n);
/* where and how an external model is written (renders Jinja: call with
 * the Jinja lock held); dbt_external_free after */
int dbt_external_plan(floe_dbt *d, dbt_node *n, dbt_external *x);
void dbt_external_free(dbt_external *x);
/* write n->compiled to the plan's location; *view_sql (caller frees) is
 * the view that reads it back. Sets n->rows. */
int dbt_external_write(floe_dbt *d, dbt_node *n, const dbt_external *x, char **view_sql);
/* the file:// location a new Iceberg table of an external model gets, or
 * NULL for the catalog's default (renders Jinja: Jinja lock held) */
int dbt_external_iceberg_location(floe_dbt *d, dbt_node *n, char **uri);

/* dbt_artifacts.c: target/run_results.json and target/manifest.json */
int dbt_write_artifacts(floe_dbt *d, const char *command, double elapsed);

#endif
