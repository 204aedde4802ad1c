/*
 * dbt-duckdb's external materialization (dbt_external.c).
 */
#ifndef FLOE_DBT_EXTERNAL_H
#define FLOE_DBT_EXTERNAL_H

#include "dbt_graph.h"

typedef struct {
	char *format;   /* parquet, csv or json (what the view reads) */
	char *path;     /* absolute local path written (a file, or a folder) */
	char *options;  /* COPY options */
	char *read_sql; /* select * from read_<format>('<location>', ...) */
	bool partitioned;
} dbt_external;
/* format: iceberg or table_format: iceberg: an Iceberg table */
bool dbt_external_is_iceberg(const dbt_node *n);
/* where and how an external model is written (renders Jinja: call with
 * the Jinja lock held); dbt_external_free after */
int dbt_external_plan(floe_dbt *d, dbt_node *n, dbt_external *x);
void dbt_external_free(dbt_external *x);
/* write n->compiled to the plan's location on w's connection; *view_sql (caller frees) is
 * the view that reads it back. Sets n->rows. */
int dbt_external_write(dbt_worker *w, dbt_node *n, const dbt_external *x, char **view_sql);
/* the file:// location a new Iceberg table of an external model gets, or
 * NULL for the catalog's default (renders Jinja: Jinja lock held) */
int dbt_external_iceberg_location(floe_dbt *d, dbt_node *n, char **uri);

#endif
