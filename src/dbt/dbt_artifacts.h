/*
 * The artifacts of a run in target/ (dbt_artifacts.c): run results,
 * manifest, compiled SQL.
 */
#ifndef FLOE_DBT_ARTIFACTS_H
#define FLOE_DBT_ARTIFACTS_H

#include "dbt_graph.h"

/* target/run_results.json and target/manifest.json */
int dbt_write_artifacts(floe_dbt *d, const char *command, double elapsed);
/* target/compiled/<project>/<file> of a node (a generic test's in a
 * folder named after its properties file, as dbt writes it); never outside
 * target/compiled */
int dbt_write_compiled(floe_dbt *d, const dbt_node *n);

#endif
