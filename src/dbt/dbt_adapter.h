/*
 * dbt's adapter objects as Jinja sees them (dbt_adapter.c).
 */
#ifndef FLOE_DBT_ADAPTER_H
#define FLOE_DBT_ADAPTER_H

#include "dbt_graph.h"

/* relation, column and agate objects; adapter, api,
 * statement / load_result / run_query and floe's own macros of the `dbt`
 * namespace (cross-database macros in DuckDB SQL) */
int dbt_register_adapter(floe_dbt *d);
/* the relation object of a seed or model (ephemeral: its inlined SQL) */
json_t *dbt_node_relation(floe_dbt *d, const dbt_node *n);
/* a relation object for database.schema.identifier; type may be NULL */
json_t *dbt_relation_value(const char *database, const char *schema, const char *identifier,
                           const char *type);

#endif
