/*
 * Data tests of a run (dbt_tests.c).
 */
#ifndef FLOE_DBT_TESTS_H
#define FLOE_DBT_TESTS_H

#include "dbt_graph.h"

/* The SQL returning a test's failing rows: a built-in generic test's
 * query, a project or package generic test's macro, a singular test's
 * compiled file (renders Jinja: Jinja lock held). *out is the caller's
 * (floe_free). */
int dbt_test_sql(floe_dbt *d, dbt_node *t, char **out);
/* a test's failures query over its compiled SQL: failures (fail_calc,
 * count(*) by default), should_warn and should_error (warn_if / error_if,
 * != 0 by default); caller frees */
char *dbt_test_count_sql(const dbt_node *t);
/* the test's rows, status (severity) and message from that query's row */
int dbt_test_outcome(dbt_node *t, const floe_engine_rows *r);
/* Run a test on w: its SQL written to target/compiled, its failures
 * counted, its status set (and its failing rows stored when asked). */
int dbt_run_test(dbt_worker *w, dbt_node *n);

#endif
