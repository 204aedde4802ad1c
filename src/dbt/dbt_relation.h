/*
 * dbt's relation, column and agate-table objects (dbt_relation.c).
 */
#ifndef FLOE_DBT_RELATION_H
#define FLOE_DBT_RELATION_H

#include "dbt_graph.h"

/* the relation object of a seed or model (ephemeral: its inlined SQL) */
json_t *dbt_node_relation(floe_dbt *d, const dbt_node *n);
/* a relation object for database.schema.identifier; type may be NULL */
json_t *dbt_relation_value(const char *database, const char *schema, const char *identifier,
                           const char *type);
/* a column object (dbt-adapters' Column): name, dtype and the sizes given
 * (each may be NULL); new reference, NULL on ENOMEM */
json_t *dbt_column_value(const char *name, const char *dtype, const json_t *char_size,
                         const json_t *precision, const json_t *scale);
/* an agate-like table of a query's rows (r may be NULL: no rows); new
 * reference, NULL on ENOMEM */
json_t *dbt_agate_table(const floe_engine_rows *r);
/* register api.Relation, api.Column and the relation, column and
 * agate.Table methods on d->jinja */
int dbt_register_relations(floe_dbt *d);

#endif
