/*
 * The materializations of a run (dbt_materialize.c).
 */
#ifndef FLOE_DBT_MATERIALIZE_H
#define FLOE_DBT_MATERIALIZE_H

#include "dbt_graph.h"

/* Run a node on w: render it, write its compiled SQL, build it as its
 * materialization says (a test: dbt_run_test), with its hooks. pending
 * (NULL: commit in place) gets the commit of a table write that defers it
 * (n->defers, from dbt_defers_commit when it started): the node's readers
 * may start on its kept result while the caller commits. */
int dbt_run_node(dbt_worker *w, dbt_node *n, floe_table_pending **pending);
/* Does n's table write leave its commit pending? A seed or table model
 * whose result is kept for its readers (small inputs) and that has no
 * post-hook (a post-hook runs after the commit). */
bool dbt_defers_commit(floe_dbt *d, dbt_node *n);
/* Run hooks (a string or a list of strings, or {sql: ...}): each rendered
 * with n as `this` (n may be NULL: on-run-start / on-run-end) and run on
 * w's connection; `what` names them in errors. */
int dbt_run_hooks(dbt_worker *w, dbt_node *n, const json_t *hooks, const char *what);

#endif
