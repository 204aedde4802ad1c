/*
 * floe dbt layer: dbt projects (YAML config, graph, selection,
 * materializations, seeds, tests, artifacts) run on the engine and stored
 * through the catalog. This header is what the cli needs: load a project,
 * run a command over it, list its nodes, install its packages.
 * Built on jinja, libyaml, engine and catalog.
 *
 * Threads: a floe_dbt is used by one thread at a time; floe_dbt_execute
 * runs its own workers inside.
 */
#ifndef FLOE_DBT_H
#define FLOE_DBT_H

#include <stdbool.h>

#include "floe/base.h"

typedef struct floe_dbt floe_dbt;

typedef struct {
	const char *project_dir;  /* NULL = current directory */
	const char *profiles_dir; /* NULL = project dir, then ~/.dbt */
	const char *target;       /* NULL = the profile's default */
	const char *vars;         /* YAML/JSON mapping given with --vars, or NULL */
	const char *select;       /* dbt selection syntax, or NULL for all */
	const char *exclude;
	int threads; /* 0 = the profile's */
	bool full_refresh;
	const char *warehouse; /* overrides the profile's warehouse */
	const char *catalog;   /* overrides the profile's catalog */
	const char *selector;  /* a selectors.yml selector, or NULL */
	/* --resource-type / --exclude-resource-type: names separated by
	 * spaces or commas (model, seed, test, source, analysis, default,
	 * all), or NULL */
	const char *resource_types;
	const char *exclude_resource_types;
	const char *indirect_selection; /* eager (NULL), cautious, buildable, empty */
	/* start opening DuckDB on its own thread as soon as the profile is
	 * read, for a command that runs nodes (build, run, seed, test): the
	 * open then overlaps loading the project */
	bool open_engine_early;
} floe_dbt_options;

/* Load a project: dbt_project.yml, profiles.yml, macros, seeds, models,
 * schema files and tests; render every node once to collect ref/source/
 * config, resolve schemas and aliases (the project's generate_schema_name
 * when it has one), and check the graph (missing refs, cycles) before
 * anything runs. Errors name the file (and line for YAML/Jinja). */
int floe_dbt_load(floe_dbt **out, const floe_dbt_options *opts);
void floe_dbt_free(floe_dbt *d);

typedef struct {
	int pass, warn, error, skip, total;
} floe_dbt_summary;

/* floe deps: install the packages.yml entries given as `local:` into
 * dbt_packages/; hub and git packages are an error saying they need the
 * network. *installed counts what was copied. */
int floe_dbt_deps(const char *project_dir, int *installed);

/* Run "seed", "run", "test", "build" or "compile" over the selected
 * nodes in dependency order, printing dbt-style progress lines through
 * floe_log. A failing node is ERROR and its descendants SKIP; every table
 * keeps its last good snapshot. Writes target/run_results.json and
 * target/manifest.json. Returns 0 when the command ran (check the summary
 * for failures), negative when it could not run. */
int floe_dbt_execute(floe_dbt *d, const char *command, floe_dbt_summary *summary);

/* floe ls as dbt ls: the selected nodes sorted by unique id, one line
 * each, appended to out. output: "selector" (NULL; the fqn joined by dots,
 * source:<package>.<source>.<table> for sources), "name", "path" (the file
 * it is defined in) or "json" (one object per line with dbt's keys, or
 * with output_keys, names separated by spaces or commas, dotted ones
 * reaching into config). *count is the number of lines. */
int floe_dbt_list(floe_dbt *d, const char *output, const char *output_keys, floe_buf *out,
                  size_t *count);

#endif
