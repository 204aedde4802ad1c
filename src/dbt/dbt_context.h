/*
 * The Jinja context of a dbt project (dbt_context.c): ref, source,
 * config, var, env_var, execute, model, this, graph, flags; rendering a
 * node; generic tests called with their rendered arguments.
 */
#ifndef FLOE_DBT_CONTEXT_H
#define FLOE_DBT_CONTEXT_H

#include "dbt_graph.h"

/* register ref, source, config, ... on d->jinja; render a
 * node's SQL (parsing = collect ref/source/config only); *out is the
 * caller's (floe_free) */
int dbt_register_context(floe_dbt *d);
int dbt_render(floe_dbt *d, dbt_node *n, bool parsing, char **out);
/* move the config keys a generic test gives among its arguments
 * (severity, where, warn_if, error_if, fail_calc, ...) into its config */
void dbt_test_config_args(dbt_node *t);
/* the root project's macros as <project>.<macro>, as dbt allows */
int dbt_root_namespace(floe_dbt *d);
/* the `graph` context variable, once the nodes are loaded and resolved */
int dbt_set_graph(floe_dbt *d);
/* flags.WHICH for the command being run */
int dbt_set_command(floe_dbt *d, const char *command);
/* render env_var() calls inside the string values of a YAML document */
int dbt_render_env(json_t *doc, const char *name);

/* the SQL of a project or package generic test: its macro test_<name>
 * called with model, column_name and the rendered arguments (parsing:
 * execute is false, refs and config() are recorded on t) */
int dbt_generic_test(floe_dbt *d, dbt_node *t, bool parsing, char **out);

#endif
