/*
 * The artifacts of a run in target/ (dbt_artifacts.c).
 */
#ifndef FLOE_DBT_ARTIFACTS_H
#define FLOE_DBT_ARTIFACTS_H

#include "dbt_graph.h"

/* target/run_results.json and target/manifest.json */
int dbt_write_artifacts(floe_dbt *d, const char *command, double elapsed);

#endif
