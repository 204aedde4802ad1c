/*
 * dbt's node selection (dbt_select.c): --select, --exclude, --selector,
 * --resource-type and indirect selection of tests.
 */
#ifndef FLOE_DBT_SELECT_H
#define FLOE_DBT_SELECT_H

#include "dbt_graph.h"

/* mark the nodes `command` runs under --select/--exclude */
int dbt_select_nodes(floe_dbt *d, const char *command);

#endif
