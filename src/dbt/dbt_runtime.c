/*
 * The runtime of a dbt run: the handles each worker works with (its DuckDB
 * connection and catalog handle, dbt_worker), opening them (DuckDB on its
 * own thread while the project loads, the profile's settings on every
 * connection), the inputs a run reads without building them, the
 * namespaces it writes into, and the locks the workers share.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbt_external.h"
#include "dbt_names.h"
#include "dbt_runtime.h"

/* ---- the Jinja interpreter, one worker at a time ---- */

void dbt_jinja_lock(dbt_worker *w)
{
	pthread_mutex_lock(&w->d->jinja_mu);
	floe_jinja_set_context(w->d->jinja, w);
}

void dbt_jinja_unlock(dbt_worker *w)
{
	floe_jinja_set_context(w->d->jinja, &w->d->main);
	pthread_mutex_unlock(&w->d->jinja_mu);
}

dbt_worker *dbt_worker_of(floe_jinja *j)
{
	return floe_jinja_context(j);
}

/* ---- opening ---- */

/* the run's workers: --threads, else the profile's threads (1..16) */
int dbt_worker_count(floe_dbt *d)
{
	int w = d->opts.threads;
	if (w <= 0)
		w = (int)json_integer_value(json_object_get(d->output, "threads"));
	return w <= 0 ? 1 : w > 16 ? 16 : w;
}

/* DuckDB's threads: the profile's settings.threads, else the cores shared
 * out among the workers, so that W workers do not each drive a pool of
 * every core (2 workers on 2 cores with one DuckDB thread each built
 * bench/jaffle.sh's project 11-21% faster than with two) */
static int duckdb_threads(floe_dbt *d)
{
	const json_t *t = json_object_get(json_object_get(d->output, "settings"), "threads");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t n = 0;
	if (json_is_integer(t))
		return (int)json_integer_value(t);
	if (json_is_string(t) && floe_parse_i64(&n, json_string_value(t)) == 0 && n > 0)
		return (int)n;
	floe_error_clear();
	n = (cores > 0 ? cores : 1) / dbt_worker_count(d);
	return n < 1 ? 1 : (int)n;
}

/* The profile's DuckDB settings (dbt-duckdb's `settings:`) as SET
 * statements for every connection of the run; threads is set at open and
 * the s3_* keys belong to floe's storage, not DuckDB. NULL when none. */
static int settings_sql(floe_dbt *d, char **out)
{
	const json_t *s = json_object_get(d->output, "settings");
	floe_buf b = FLOE_BUF_INIT;
	const char *k;
	json_t *v;
	int rc = 0;
	*out = NULL;
	json_object_foreach((json_t *)s, k, v)
	{
		json_t *text =
		    json_is_string(v)    ? json_incref(v)
		    : json_is_integer(v) ? json_sprintf("%lld", (long long)json_integer_value(v))
		    : json_is_real(v)    ? json_sprintf("%.17g", json_real_value(v))
		    : json_is_boolean(v) ? json_string(json_is_true(v) ? "true" : "false")
		                         : NULL;
		if (strcmp(k, "threads") == 0 || floe_str_starts_with(k, "s3_")) {
			json_decref(text);
			continue;
		}
		if (!dbt_plain_identifier(k) || text == NULL) {
			json_decref(text);
			return floe_error_set(FLOE_EINVAL,
			                      "%s: settings key '%s' is not a DuckDB setting name",
			                      d->profile_path, k);
		}
		rc = floe_buf_printf(&b, "SET %s = ", k);
		if (rc == 0)
			rc = floe_buf_put_sql_string(&b, json_string_value(text));
		if (rc == 0)
			rc = floe_buf_puts(&b, "; ");
		json_decref(text);
		if (rc)
			break;
	}
	if (rc == 0 && b.len)
		*out = floe_buf_detach(&b, NULL);
	floe_buf_free(&b);
	return rc;
}

/* a connection of the run gets the profile's settings */
static int apply_settings(floe_dbt *d, floe_engine *e)
{
	char *sql = NULL;
	int rc = settings_sql(d, &sql);
	if (rc == 0 && sql && (rc = floe_engine_exec(e, sql)) != 0)
		floe_error_prefix("%s: settings: ", d->profile_path);
	floe_free(sql);
	return rc;
}

/* DuckDB opens on its own thread while the project loads (when asked
 * early), the catalog opens and the schemas are made: the open is the
 * longest step of a run's start */
struct engine_opening {
	floe_engine_options eo;
	floe_engine *engine;
	int rc;
	char *msg; /* the thread's error message, for the caller's thread */
	pthread_t th;
	bool threaded;
};

static void *open_engine(void *arg)
{
	engine_opening *o = arg;
	o->rc = floe_engine_open(&o->engine, &o->eo);
	if (o->rc)
		o->msg = floe_strdup(floe_error_message());
	floe_error_clear();
	return NULL;
}

void dbt_engine_open_start(floe_dbt *d)
{
	engine_opening *o;
	if (d->opening || (o = floe_calloc(1, sizeof(*o))) == NULL)
		return; /* opening already, or out of memory (dbt_runtime_open says so) */
	o->eo.threads = duckdb_threads(d);
	o->threaded = pthread_create(&o->th, NULL, open_engine, o) == 0;
	if (!o->threaded)
		open_engine(o);
	d->opening = o;
}

/* the opened engine, or NULL: with the error set if report */
static floe_engine *engine_take(floe_dbt *d, bool report)
{
	engine_opening *o = d->opening;
	floe_engine *e;
	if (o == NULL)
		return NULL;
	if (o->threaded)
		pthread_join(o->th, NULL);
	e = o->engine;
	if (o->rc && report)
		floe_error_set(o->rc, "%s", o->msg ? o->msg : "cannot open DuckDB");
	floe_free(o->msg);
	floe_free(o);
	d->opening = NULL;
	return e;
}

void dbt_engine_opened(floe_dbt *d)
{
	floe_engine_free(engine_take(d, false));
}

/* ---- execution ---- */

static int expose_if_exists(floe_dbt *d, const char *ns, const char *name)
{
	int rc = floe_catalog_table_exists(d->main.catalog, ns, name);
	if (rc <= 0)
		return rc;
	return floe_table_expose(d->main.engine, d->main.catalog, ns, name, -1);
}

/* A catalog view as a DuckDB view (its SQL reads its own inputs, which
 * the caller exposed first). FLOE_ENOTFOUND when there is no such view. */
static int expose_view(floe_dbt *d, const char *ns, const char *name)
{
	char *sql = NULL;
	int rc = floe_catalog_load_view(d->main.catalog, ns, name, &sql);
	/* the stored SQL is checked to be one SELECT before DuckDB runs it */
	if (rc == 0)
		rc = floe_engine_create_view(d->main.engine, ns, name, sql);
	floe_free(sql);
	return rc;
}

/* Make a node this run reads but does not build readable: a table is
 * exposed from its current snapshot, a view (and an external model's view
 * over its files) is created from the catalog after its own inputs, an
 * ephemeral model's inputs are exposed (it is inlined). done[] marks what
 * was handled. */
static int expose_node(floe_dbt *d, dbt_node *p, bool *done, int depth)
{
	const char *mat = dbt_mat(p);
	bool files = strcmp(mat, "external") == 0 && !dbt_external_is_iceberg(p);
	bool view = strcmp(mat, "view") == 0 || files, eph = strcmp(mat, "ephemeral") == 0;
	int rc = 0;
	if (done[p - d->nodes] || depth > 64)
		return 0;
	done[p - d->nodes] = true;
	/* a view reads its inputs; an external model's view reads its files */
	if ((view && !files) || eph)
		for (size_t k = 0; rc == 0 && k < p->nparents; k++) {
			dbt_node *q = &d->nodes[p->parents[k]];
			if (!q->selected)
				rc = expose_node(d, q, done, depth + 1);
		}
	if (rc || eph || p->schema == NULL)
		return rc;
	if (view) {
		rc = expose_view(d, p->schema, p->alias);
		if (rc == FLOE_ENOTFOUND || rc == FLOE_EUNSUPPORTED) { /* not built yet */
			floe_error_clear();
			rc = 0;
		}
		return rc;
	}
	return expose_if_exists(d, p->schema, p->alias);
}

/* Only what this run reads without building it first: inputs of selected
 * nodes that are not selected, and sources. Exposing every table of the
 * catalog costs a metadata and manifest read per table. */
static int expose_inputs(floe_dbt *d)
{
	bool *done = floe_calloc(d->nnodes + 1, sizeof(bool));
	int rc = done ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		if (!n->selected)
			continue;
		for (size_t k = 0; rc == 0 && k < n->nparents; k++) {
			dbt_node *p = &d->nodes[n->parents[k]];
			if (!p->selected)
				rc = expose_node(d, p, done, 0);
		}
	}
	floe_free(done);
	return rc;
}

int dbt_ensure_namespace(dbt_worker *w, const char *ns)
{
	int rc;
	pthread_mutex_lock(&w->d->ddl_mu);
	rc = floe_catalog_namespace_exists(w->catalog, ns);
	if (rc == 0)
		rc = floe_catalog_create_namespace(w->catalog, ns, NULL);
	if (rc == FLOE_EEXISTS) { /* another process made it meanwhile */
		floe_error_clear();
		rc = 0;
	}
	pthread_mutex_unlock(&w->d->ddl_mu);
	return rc < 0 ? rc : 0;
}

/* The namespaces of the seeds and models this run writes, made before its
 * first node as dbt makes its schemas, in one catalog transaction instead
 * of one per schema inside the run. Whatever fails here is left to the
 * node that needs the namespace, which reports it (dbt_ensure_namespace). */
static void create_schemas(floe_dbt *d)
{
	char **ns = floe_calloc(d->nnodes ? d->nnodes : 1, sizeof(char *));
	size_t n = 0;
	if (ns == NULL)
		return;
	for (size_t i = 0; i < d->nnodes; i++) {
		const dbt_node *m = &d->nodes[i];
		if (m->selected && m->schema &&
		    (m->kind == DBT_SEED ||
		     (m->kind == DBT_MODEL && strcmp(dbt_mat(m), "ephemeral") != 0)))
			ns[n++] = m->schema;
	}
	if (n > 0 && floe_catalog_ensure_namespaces(d->main.catalog, ns, n) != 0)
		floe_error_clear();
	floe_free(ns);
}

int dbt_runtime_open(floe_dbt *d, bool schemas)
{
	const char *wh = d->opts.warehouse;
	const char *cat = d->opts.catalog;
	char *whpath = NULL;
	int rc;
	if (wh == NULL)
		wh = json_string_value(json_object_get(d->output, "warehouse"));
	if (cat == NULL)
		cat = json_string_value(json_object_get(d->output, "catalog"));
	if (wh == NULL)
		wh = "warehouse";
	whpath = wh[0] == '/' || strstr(wh, "://") ? floe_strdup(wh)
	                                           : floe_asprintf("%s/%s", d->dir, wh);
	if (whpath == NULL)
		return FLOE_ENOMEM;
	d->wh_path = floe_strdup(whpath);
	d->cat_uri = cat ? floe_strdup(cat) : NULL;
	dbt_engine_open_start(d); /* unless it already is opening */
	rc = floe_catalog_open(&d->main.catalog, cat, whpath);
	floe_free(whpath);
	if (rc == 0 && schemas)
		create_schemas(d);
	if (rc) {
		dbt_engine_opened(d);
		return rc;
	}
	if ((d->main.engine = engine_take(d, true)) == NULL)
		return floe_error_code() ? floe_error_code() : FLOE_ENOMEM;
	rc = apply_settings(d, d->main.engine);
	if (rc == 0)
		rc = expose_inputs(d);
	return rc;
}

void *dbt_runtime_close(void *arg)
{
	floe_dbt *d = arg;
	floe_engine_free(d->main.engine);
	floe_catalog_free(d->main.catalog);
	return NULL;
}

/* ---- the further workers of a run ---- */

int dbt_worker_open(dbt_worker *w, floe_dbt *d)
{
	int rc;
	*w = (dbt_worker){.d = d};
	rc = floe_engine_connect(&w->engine, d->main.engine);
	if (rc == 0)
		rc = apply_settings(d, w->engine);
	if (rc == 0)
		rc = floe_catalog_open(&w->catalog, d->cat_uri, d->wh_path);
	if (rc)
		dbt_worker_close(w);
	return rc;
}

void dbt_worker_close(dbt_worker *w)
{
	floe_catalog_free(w->catalog);
	floe_engine_free(w->engine);
	w->catalog = NULL;
	w->engine = NULL;
}
