/*
 * Properties files of a dbt project (dbt_props.c).
 */
#ifndef FLOE_DBT_PROPS_H
#define FLOE_DBT_PROPS_H

#include "dbt_graph.h"

/* one properties file (models:, seeds:, analyses:, sources:
 * with their generic tests, exposures:) */
int dbt_load_properties(floe_dbt *d, const char *rel, const json_t *doc);

#endif
