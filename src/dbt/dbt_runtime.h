/*
 * The runtime of a dbt run (dbt_runtime.c): the handles of its workers
 * (dbt_worker, declared with the project in dbt_graph.h), opening and
 * closing them, the inputs and namespaces of a run, and the project's
 * Jinja lock.
 */
#ifndef FLOE_DBT_RUNTIME_H
#define FLOE_DBT_RUNTIME_H

#include "dbt_graph.h"

/* start opening DuckDB on a thread (the profile is read);
 * dbt_runtime_open takes the result. dbt_engine_opened waits for an
 * opening nobody took and frees its engine (floe_dbt_free). */
void dbt_engine_open_start(floe_dbt *d);
void dbt_engine_opened(floe_dbt *d);

/* Open d->main: the catalog, DuckDB (from the early open, else opened
 * now) with the profile's settings; expose what the run reads without
 * building it (inputs of selected nodes that are not selected). schemas:
 * first create the namespaces of the seeds and models it writes.
 * dbt_runtime_close frees d->main's handles (a thread function: d is the
 * floe_dbt; returns NULL). */
int dbt_runtime_open(floe_dbt *d, bool schemas);
void *dbt_runtime_close(void *d);

/* the run's workers: --threads, else the profile's threads (1..16) */
int dbt_worker_count(floe_dbt *d);
/* A further worker: its own connection to d->main's DuckDB (with the
 * profile's settings) and its own catalog handle. dbt_worker_close frees
 * them (w itself is the caller's). */
int dbt_worker_open(dbt_worker *w, floe_dbt *d);
void dbt_worker_close(dbt_worker *w);

/* Take the project's Jinja interpreter for w (floe_dbt.jinja_mu); while
 * held, the Jinja functions see w (dbt_worker_of). dbt_jinja_unlock
 * gives it back; the main worker is what they see outside a lock. */
void dbt_jinja_lock(dbt_worker *w);
void dbt_jinja_unlock(dbt_worker *w);
/* the worker rendering with j (borrowed; never NULL once the project's
 * interpreter is made) */
dbt_worker *dbt_worker_of(floe_jinja *j);

/* Create namespace ns in w's catalog unless it exists (under
 * floe_dbt.ddl_mu; one made meanwhile by another process is fine). */
int dbt_ensure_namespace(dbt_worker *w, const char *ns);

#endif
