/*
 * dbt's adapter as Jinja sees it (dbt_adapter.c): adapter and api,
 * statements run on the worker that renders, dispatch, the `dbt` macros.
 */
#ifndef FLOE_DBT_ADAPTER_H
#define FLOE_DBT_ADAPTER_H

#include "dbt_graph.h"

/* Register the adapter and api objects (with dbt_register_relations),
 * statement / load_result / run_query, and floe's own macros of the `dbt`
 * namespace (the .sql files of macros/: cross-database macros in DuckDB SQL) */
int dbt_register_adapter(floe_dbt *d);

#endif
