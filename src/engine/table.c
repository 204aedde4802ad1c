/*
 * Table operations of the engine layer: a query's result committed to an
 * Iceberg table (create, append, replace) and catalog tables exposed to SQL.
 *
 * Write path (DESIGN.md "Data flow"): describe the result (type mapping and
 * field ids), write Parquet files with DuckDB, produce a snapshot (manifest,
 * manifest list, REST-style requirements + updates), commit through the
 * catalog with compare-and-swap. A lost race is retried on top of the new
 * version; any failure removes the files written and commits nothing.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

/* DuckDB's default Parquet row group (COPY ... ROW_GROUP_SIZE) */
#define DUCKDB_ROW_GROUP_ROWS 122880

static void remove_files(floe_ice_data_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		floe_storage_delete(files[i].path);
}

static int64_t total_rows(const floe_ice_data_file *files, size_t n)
{
	int64_t r = 0;
	for (size_t i = 0; i < n; i++)
		r += files[i].record_count;
	return r;
}

/*
 * APPEND keeps the table's schema: the query's columns are matched by
 * position (as INSERT INTO does) and cast to the table's types.
 */
static int append_select(char **out, floe_engine *e, const char *query,
                         const floe_ice_schema *table, const char *ident)
{
	floe_ice_schema *got = NULL;
	char *sel = NULL;
	int next = 1, rc;
	floe_buf b = FLOE_BUF_INIT;
	*out = NULL;
	rc = floe_engine_describe(e, query, NULL, &next, &got, &sel);
	if (rc)
		goto done;
	if (got->root->nfields != table->root->nfields) {
		rc = floe_error_set(FLOE_EINVAL,
		                    "table %s has %zu columns but the query returns %zu", ident,
		                    table->root->nfields, got->root->nfields);
		goto done;
	}
	rc = floe_buf_puts(&b, "SELECT ");
	for (size_t i = 0; rc == 0 && i < table->root->nfields; i++) {
		const floe_ice_field *tf = &table->root->fields[i];
		char *ty = floe_engine_duckdb_type(tf->type);
		if (ty == NULL) {
			rc = floe_error_code();
			break;
		}
		rc = floe_buf_puts(&b, i ? ", CAST(" : "CAST(");
		if (rc == 0)
			rc = floe_buf_put_sql_ident(&b, got->root->fields[i].name);
		if (rc == 0)
			rc = floe_buf_printf(&b, " AS %s) AS ", ty);
		if (rc == 0)
			rc = floe_buf_put_sql_ident(&b, tf->name);
		floe_free(ty);
	}
	if (rc == 0)
		rc = floe_buf_printf(&b, " FROM (SELECT %s FROM (%s) AS q) AS q2", sel, query);
	if (rc == 0)
		*out = floe_buf_detach(&b, NULL);
done:
	floe_buf_free(&b);
	floe_free(sel);
	floe_ice_schema_free(got);
	return rc;
}

/* ---- commits: retries, outcomes and the files of lost attempts ---- */

/* The last error, kept across best-effort work that may set another. */
typedef struct {
	int code;
	char msg[1024];
} saved_error;

static void error_save(saved_error *e)
{
	e->code = floe_error_code();
	snprintf(e->msg, sizeof(e->msg), "%s", floe_error_message());
}

static int error_restore(const saved_error *e)
{
	return floe_error_set(e->code, "%s", e->msg);
}

/*
 * How long a write keeps rebuilding its snapshot on a new version after
 * losing a race: Iceberg's commit.retry.* table properties, read as Java
 * reads them (min/max wait between tries, total time, number of retries).
 * Java's defaults (4 retries, waits of 100 ms to 60 s, 30 minutes) suit a
 * long-lived service; a CLI among a few concurrent writers commits in a few
 * milliseconds, so floe waits less, bounds the retries by time only, and
 * FLOE_COMMIT_TIMEOUT_MS overrides the total for one process.
 */
typedef struct {
	int64_t num_retries; /* -1: bounded by time only */
	int64_t min_wait_ms, max_wait_ms, total_timeout_ms;
} retry_policy;

#define RETRY_MIN_WAIT_MS 2
#define RETRY_MAX_WAIT_MS 1000
#define RETRY_TOTAL_TIMEOUT_MS 60000

static int retry_policy_of(retry_policy *p, const floe_ice_metadata *m)
{
	static const struct {
		const char *key;
		size_t off;
	} props[] = {
	    {"commit.retry.num-retries", offsetof(retry_policy, num_retries)},
	    {"commit.retry.min-wait-ms", offsetof(retry_policy, min_wait_ms)},
	    {"commit.retry.max-wait-ms", offsetof(retry_policy, max_wait_ms)},
	    {"commit.retry.total-timeout-ms", offsetof(retry_policy, total_timeout_ms)},
	};
	const char *env = getenv("FLOE_COMMIT_TIMEOUT_MS");
	int rc;
	*p = (retry_policy){-1, RETRY_MIN_WAIT_MS, RETRY_MAX_WAIT_MS, RETRY_TOTAL_TIMEOUT_MS};
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		const char *v = floe_ice_metadata_property(m, props[i].key);
		if (v == NULL)
			continue;
		if ((rc = floe_ice_property_check(props[i].key, v)) != 0)
			return rc;
		floe_parse_i64((int64_t *)((char *)p + props[i].off), v);
	}
	if (env && *env && floe_ice_property_check("commit.retry.total-timeout-ms", env) != 0)
		return floe_error_prefix("FLOE_COMMIT_TIMEOUT_MS: ");
	if (env && *env)
		floe_parse_i64(&p->total_timeout_ms, env);
	if (p->max_wait_ms < p->min_wait_ms)
		p->max_wait_ms = p->min_wait_ms;
	return 0;
}

/* Full-jitter exponential backoff: a random wait up to min-wait * 2^tries
 * (capped at max-wait), so writers that collided spread out; never past
 * the deadline. */
static void backoff(const retry_policy *p, int attempt, int64_t deadline_us)
{
	int64_t cap_us = p->min_wait_ms * 1000, left = deadline_us - floe_time_mono_us();
	for (int i = 1; i < attempt && cap_us < p->max_wait_ms * 1000; i++)
		cap_us *= 2;
	if (cap_us > p->max_wait_ms * 1000)
		cap_us = p->max_wait_ms * 1000;
	if (cap_us > left)
		cap_us = left;
	if (cap_us > 0)
		floe_sleep_us((int64_t)(floe_random_u64() % (uint64_t)(cap_us + 1)));
}

/* The add-snapshot update of an attempt (borrowed), or NULL. */
static const json_t *added_snapshot(const json_t *updates)
{
	size_t i;
	const json_t *u;
	json_array_foreach(updates, i, u)
	{
		if (floe_str_eq(json_string_value(json_object_get(u, "action")), "add-snapshot"))
			return json_object_get(u, "snapshot");
	}
	return NULL;
}

/* Is uri a file directly in dir (a prefix ending in '/')? */
static bool inside(const char *uri, const char *dir)
{
	size_t n = strlen(dir);
	return uri && strncmp(uri, dir, n) == 0 && uri[n] != '\0' && strchr(uri + n, '/') == NULL;
}

/*
 * Remove what a lost commit attempt wrote: its manifest list and the
 * manifests it added (those the list says this snapshot added), read back
 * through the manifest-list decoder. Only files directly in the table's
 * metadata directory are touched. Only for attempts the catalog has not
 * published; best effort, the last error is kept.
 */
static void remove_attempt_files(const json_t *updates, const char *table_location)
{
	const json_t *snap = added_snapshot(updates);
	const char *list = json_string_value(json_object_get(snap, "manifest-list"));
	json_int_t sid = json_integer_value(json_object_get(snap, "snapshot-id"));
	char *dir = floe_asprintf("%s/metadata/", table_location);
	floe_ice_manifest_file *mfs = NULL;
	size_t n = 0;
	floe_buf b = FLOE_BUF_INIT;
	saved_error err;
	error_save(&err);
	if (dir == NULL || !inside(list, dir))
		goto done;
	if (floe_storage_read(&b, list, 0) == 0 &&
	    floe_ice_manifest_list_decode(&mfs, &n, b.ptr, b.len, list) == 0) {
		for (size_t i = 0; i < n; i++)
			if (mfs[i].added_snapshot_id == sid && inside(mfs[i].path, dir))
				floe_storage_delete(mfs[i].path);
	}
	floe_storage_delete(list);
done:
	floe_ice_manifest_files_free(mfs, n);
	floe_buf_free(&b);
	floe_free(dir);
	error_restore(&err);
}

/*
 * After a commit call failed other than by losing a race (an I/O or memory
 * error in the catalog), did snapshot sid of table uuid land? 1 yes, 0 no,
 * -1 unknown (the table cannot be read back). Read back, as Java checks an
 * unknown commit state; the last error is kept.
 */
static int landed(floe_catalog *c, const char *ns, const char *name, const char *uuid, int64_t sid)
{
	floe_ice_metadata *m = NULL;
	floe_ice_snapshot s;
	saved_error err;
	int rc, out;
	error_save(&err);
	rc = floe_catalog_load_table(c, ns, name, &m, NULL);
	if (rc == FLOE_ENOTFOUND)
		out = 0;
	else if (rc)
		out = -1;
	else if (!floe_str_eq(floe_ice_metadata_uuid(m), uuid))
		out = 0;
	else
		out = floe_ice_metadata_snapshot_by_id(m, sid, &s) == 0;
	floe_ice_metadata_free(m);
	error_restore(&err);
	return out;
}

/*
 * A failed commit of the attempt whose updates are upd: a lost race, a
 * failed requirement or an existing table (lost) published nothing, so its
 * files go;
 * any other error is checked by reading the table back: landed after all
 * (0 is returned, with a warning), not landed (files go), or unknown (files
 * stay and *unknown is set: the catalog may point at them).
 */
static int settle_failed(int rc, bool lost, floe_catalog *c, const char *ns, const char *name,
                         const char *uuid, const char *location, const json_t *upd, bool *unknown)
{
	int has;
	if (lost) {
		remove_attempt_files(upd, location);
		return rc;
	}
	has = landed(c, ns, name, uuid,
	             json_integer_value(json_object_get(added_snapshot(upd), "snapshot-id")));
	if (has == 1) {
		floe_log(FLOE_LOG_WARN, "table %s.%s: the commit landed, but: %s", ns, name,
		         floe_error_message());
		floe_error_clear();
		return 0;
	}
	if (has == 0)
		remove_attempt_files(upd, location);
	else
		*unknown = true;
	return rc;
}

/* Requirements a write adds to the snapshot's: the current schema is the
 * one its files were written against (an overwrite that brings new field
 * ids also needs last-column-id unchanged, or they could mean other
 * columns). */
static int require_schema(json_t *req, const floe_ice_metadata *base, bool new_ids)
{
	json_t *r = json_pack("{s:s,s:i}", "type", "assert-current-schema-id", "current-schema-id",
	                      floe_ice_metadata_current_schema_id(base));
	if (r == NULL || json_array_append_new(req, r) != 0)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	if (!new_ids)
		return 0;
	r = json_pack("{s:s,s:i}", "type", "assert-last-assigned-field-id",
	              "last-assigned-field-id", floe_ice_metadata_last_column_id(base));
	if (r == NULL || json_array_append_new(req, r) != 0)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	return 0;
}

/* What a write's files were written against, kept from its first base. */
typedef struct {
	char *uuid;
	floe_ice_schema *schema; /* the current schema then */
	int last_column_id;
} write_base;

static void write_base_dispose(write_base *w)
{
	floe_free(w->uuid);
	floe_ice_schema_free(w->schema);
}

static int write_base_of(write_base *w, const floe_ice_metadata *m)
{
	memset(w, 0, sizeof(*w));
	w->last_column_id = floe_ice_metadata_last_column_id(m);
	if ((w->uuid = floe_strdup(floe_ice_metadata_uuid(m))) == NULL)
		return FLOE_ENOMEM;
	return floe_ice_metadata_schema(m, -1, &w->schema);
}

/*
 * May a write whose files follow `wrote` (append: the schema it started
 * from; overwrite: its own schema, field ids of `from` kept) be rebuilt on
 * the table's new version m? Not when the table was dropped and re-created
 * (another table now has the name) nor when the current schema changed to
 * one the files' field ids do not follow (they would read as NULLs or as
 * other columns). Neither is retryable.
 */
static int check_rebuild(const floe_ice_metadata *m, const write_base *from,
                         const floe_ice_schema *wrote, const char *ns, const char *name)
{
	floe_ice_schema *now = NULL;
	bool ok;
	int rc;
	if (!floe_str_eq(floe_ice_metadata_uuid(m), from->uuid))
		return floe_error_set(FLOE_ECONFLICT,
		                      "table %s.%s was dropped and re-created during the write; "
		                      "nothing was committed",
		                      ns, name);
	if ((rc = floe_ice_metadata_schema(m, -1, &now)) != 0)
		return rc;
	if (wrote == NULL) /* append: the files follow the schema it started from */
		ok = floe_ice_schema_equal(now, from->schema);
	else
		ok = floe_ice_schema_equal(now, wrote) ||
		     (floe_ice_schema_equal(now, from->schema) &&
		      floe_ice_metadata_last_column_id(m) == from->last_column_id);
	if (!ok)
		rc = floe_error_set(FLOE_ECONFLICT,
		                    "the schema of table %s.%s changed during the write (schema "
		                    "%d is current, the write's files follow schema %d); nothing "
		                    "was committed: run the write again",
		                    ns, name, now->schema_id, from->schema->schema_id);
	floe_ice_schema_free(now);
	return rc;
}

/*
 * Commit files on top of the current version. A lost race rebuilds the
 * snapshot on the new version (reusing nothing but the data files; the
 * lost attempt's manifests are removed), with full-jitter backoff until
 * the table's retry budget is spent. *unknown: the last attempt's outcome
 * could not be told; nothing it may have published was removed.
 */
static int commit_files(floe_catalog *c, const char *ns, const char *name, floe_ice_metadata **base,
                        floe_ice_op op, const floe_ice_schema *schema,
                        const floe_ice_data_file *files, size_t n, floe_write_result *res,
                        bool *unknown)
{
	write_base from;
	retry_policy pol;
	int64_t t0 = floe_time_mono_us(), deadline;
	int rc = write_base_of(&from, *base);
	if (rc == 0)
		rc = retry_policy_of(&pol, *base);
	if (rc) {
		write_base_dispose(&from);
		return rc;
	}
	deadline = t0 + pol.total_timeout_ms * 1000;
	for (int attempt = 1;; attempt++) {
		json_t *req = NULL, *upd = NULL;
		bool new_ids = schema && floe_ice_schema_max_id(schema) > from.last_column_id;
		res->attempts = attempt;
		rc = floe_ice_snapshot_produce(&req, &upd, &res->snapshot_id, *base, op, files, n,
		                               schema, NULL);
		if (rc == 0)
			rc = require_schema(req, *base, new_ids);
		if (rc == 0)
			rc = floe_catalog_commit_table(c, ns, name, req, upd, NULL, NULL);
		if (rc && upd)
			rc = settle_failed(rc, rc == FLOE_ECONFLICT, c, ns, name, from.uuid,
			                   floe_ice_metadata_location(*base), upd, unknown);
		json_decref(req);
		json_decref(upd);
		if (rc != FLOE_ECONFLICT)
			break;
		if ((pol.num_retries >= 0 && attempt > pol.num_retries) ||
		    floe_time_mono_us() >= deadline) {
			rc = floe_error_set(
			    FLOE_ECONFLICT,
			    "gave up after %d conflicting concurrent commits in %.1f s "
			    "(commit.retry.total-timeout-ms %lld, commit.retry.num-retries %lld)",
			    attempt, (double)(floe_time_mono_us() - t0) / 1e6,
			    (long long)pol.total_timeout_ms, (long long)pol.num_retries);
			break;
		}
		/* someone else committed first: rebuild on the new version */
		floe_ice_metadata_free(*base);
		*base = NULL;
		backoff(&pol, attempt, deadline);
		rc = floe_catalog_load_table(c, ns, name, base, NULL);
		if (rc == FLOE_ENOTFOUND)
			rc = floe_error_set(FLOE_ECONFLICT,
			                    "table %s.%s was dropped during the write; nothing was "
			                    "committed",
			                    ns, name);
		if (rc == 0)
			rc = check_rebuild(*base, &from, schema, ns, name);
		if (rc)
			break;
	}
	write_base_dispose(&from);
	return rc;
}

/* Create the table and its first snapshot in one catalog call. */
static int create_with_files(floe_catalog *c, const char *ns, const char *name,
                             const char *location, const floe_ice_schema *schema,
                             const floe_ice_data_file *files, size_t n, floe_write_result *res,
                             bool *unknown)
{
	json_t *updates = floe_ice_create_updates(location, schema, NULL);
	json_t *req = NULL, *snap_updates = NULL;
	floe_ice_metadata *tmp = NULL;
	int rc;
	if (updates == NULL)
		return floe_error_code() ? floe_error_code() : FLOE_ENOMEM;
	rc = floe_ice_updates_apply(&tmp, NULL, NULL, updates, floe_time_now_ms());
	if (rc)
		goto done;
	rc = floe_ice_snapshot_produce(&req, &snap_updates, &res->snapshot_id, tmp,
	                               FLOE_ICE_OP_APPEND, files, n, NULL, NULL);
	if (rc)
		goto done;
	res->attempts = 1;
	if (json_array_extend(updates, snap_updates) != 0)
		rc = floe_error_set(FLOE_ENOMEM, "out of memory");
	else
		rc = floe_catalog_create_table(c, ns, name, updates, NULL, NULL);
	/* another table of that name: nothing was published */
	if (rc)
		rc = settle_failed(rc, rc == FLOE_EEXISTS, c, ns, name, floe_ice_metadata_uuid(tmp),
		                   location, snap_updates, unknown);
done:
	json_decref(req);
	json_decref(snap_updates);
	json_decref(updates);
	floe_ice_metadata_free(tmp);
	return rc;
}

/* ---- results kept in DuckDB (floe_write_options.keep_result) ---- */

/* "floe_results"."<ns>.<name>" */
static char *kept_table(const char *ns, const char *name)
{
	floe_buf b = FLOE_BUF_INIT;
	char *key = floe_asprintf("%s.%s", ns, name);
	int rc = key ? floe_buf_puts(&b, "\"floe_results\".") : FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_buf_put_sql_ident(&b, key);
	floe_free(key);
	if (rc) {
		floe_buf_free(&b);
		return NULL;
	}
	return floe_buf_detach(&b, NULL);
}

/* index of ns.name in the set, or -1 (caller holds the mutex) */
static long kept_find(const floe_kept_set *k, const char *ns, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->items[i].ns, ns) == 0 && strcmp(k->items[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* The view body of a kept result (caller frees), or NULL. */
static char *kept_body(floe_engine *e, const char *ns, const char *name)
{
	char *body = NULL;
	long i;
	pthread_mutex_lock(&e->kept->mu);
	if ((i = kept_find(e->kept, ns, name)) >= 0)
		body = floe_strdup(e->kept->items[i].body);
	pthread_mutex_unlock(&e->kept->mu);
	return body;
}

static int kept_put(floe_engine *e, const char *ns, const char *name, const char *body)
{
	floe_kept_set *k = e->kept;
	char *b = floe_strdup(body);
	int rc = 0;
	long i;
	if (b == NULL)
		return FLOE_ENOMEM;
	pthread_mutex_lock(&k->mu);
	if ((i = kept_find(k, ns, name)) >= 0) {
		floe_free(k->items[i].body);
		k->items[i].body = b;
	} else {
		floe_kept_result *g = floe_realloc(k->items, (k->n + 1) * sizeof(*g));
		char *n1 = floe_strdup(ns), *n2 = floe_strdup(name);
		if (g == NULL || n1 == NULL || n2 == NULL) {
			if (g)
				k->items = g;
			floe_free(n1);
			floe_free(n2);
			floe_free(b);
			rc = FLOE_ENOMEM;
		} else {
			k->items = g;
			k->items[k->n++] = (floe_kept_result){n1, n2, b};
		}
	}
	pthread_mutex_unlock(&k->mu);
	return rc;
}

/* Forget ns.name and drop its table (made: the table exists even if it is
 * not in the set yet); the last error is left alone. */
static void kept_drop(floe_engine *e, const char *ns, const char *name, bool made)
{
	floe_kept_set *k = e->kept;
	char *tbl = NULL, *sql = NULL;
	long i;
	pthread_mutex_lock(&k->mu);
	if ((i = kept_find(k, ns, name)) >= 0) {
		floe_free(k->items[i].ns);
		floe_free(k->items[i].name);
		floe_free(k->items[i].body);
		k->items[i] = k->items[--k->n];
		made = true;
	}
	pthread_mutex_unlock(&k->mu);
	if (made && (tbl = kept_table(ns, name)) != NULL)
		sql = floe_asprintf("DROP TABLE IF EXISTS %s", tbl);
	if (sql) {
		duckdb_result r;
		duckdb_query(floe_engine_connection(e), sql, &r);
		duckdb_destroy_result(&r);
	}
	floe_free(sql);
	floe_free(tbl);
}

/* The rows a CREATE TABLE AS reports (its Count), or -1. */
static int64_t created_rows(duckdb_result *res)
{
	duckdb_data_chunk ch = duckdb_fetch_chunk(*res);
	int64_t rows = -1;
	if (ch == NULL)
		return -1;
	if (duckdb_data_chunk_get_size(ch) == 1 && duckdb_data_chunk_get_column_count(ch) == 1) {
		duckdb_vector v = duckdb_data_chunk_get_vector(ch, 0);
		duckdb_logical_type t = duckdb_vector_get_column_type(v);
		if (duckdb_get_type_id(t) == DUCKDB_TYPE_BIGINT)
			rows = ((int64_t *)duckdb_vector_get_data(v))[0];
		duckdb_destroy_logical_type(&t);
	}
	duckdb_destroy_data_chunk(&ch);
	return rows;
}

/* Run the query into its kept table; *src is the SELECT that reads it,
 * *rows the rows it holds (-1 if DuckDB did not say). */
static int kept_make(floe_engine *e, const char *ns, const char *name, const char *query,
                     char **src, int64_t *rows)
{
	char *tbl = kept_table(ns, name), *sql = NULL;
	duckdb_result res;
	int rc = tbl ? 0 : FLOE_ENOMEM;
	*src = NULL;
	*rows = -1;
	pthread_mutex_lock(&e->kept->mu);
	if (rc == 0 && !e->kept->schema_made &&
	    (rc = floe_engine_exec(e, "CREATE SCHEMA IF NOT EXISTS floe_results")) == 0)
		e->kept->schema_made = true;
	pthread_mutex_unlock(&e->kept->mu);
	/* everything allocated before the table exists: nothing can fail after
	 * it is made and leave it behind unrecorded */
	if (rc == 0 &&
	    ((sql = floe_asprintf("CREATE OR REPLACE TABLE %s AS SELECT * FROM (%s\n) AS q", tbl,
	                          query)) == NULL ||
	     (*src = floe_asprintf("SELECT * FROM %s", tbl)) == NULL))
		rc = FLOE_ENOMEM;
	if (rc == 0 && (rc = floe_engine_query(e, sql, &res)) == 0) {
		*rows = created_rows(&res);
		duckdb_destroy_result(&res);
	}
	if (rc) {
		floe_free(*src);
		*src = NULL;
	}
	floe_free(sql);
	floe_free(tbl);
	return rc;
}

bool floe_table_is_kept(floe_engine *e, const char *ns, const char *name)
{
	bool kept;
	pthread_mutex_lock(&e->kept->mu);
	kept = kept_find(e->kept, ns, name) >= 0;
	pthread_mutex_unlock(&e->kept->mu);
	return kept;
}

int floe_table_release(floe_engine *e, floe_catalog *c, const char *ns, const char *name)
{
	char *body = kept_body(e, ns, name);
	int rc;
	if (body == NULL)
		return 0;
	floe_free(body);
	kept_drop(e, ns, name, false);
	if ((rc = floe_catalog_table_exists(c, ns, name)) == 1)
		return floe_table_expose(e, c, ns, name, -1);
	return rc < 0 ? rc : floe_engine_drop_view(e, ns, name);
}

int floe_table_drop(floe_engine *e, floe_catalog *c, const char *ns, const char *name, bool purge)
{
	int rc = floe_catalog_drop_table(c, ns, name, purge);
	if (rc)
		return rc;
	kept_drop(e, ns, name, false);
	/* the view, if this database has one; the catalog drop is what counts */
	if (floe_engine_drop_view(e, ns, name) != 0)
		floe_error_clear();
	return 0;
}

/* A write whose data files are written and whose commit is still to be
 * made (floe_write_options.pending) */
struct floe_table_pending {
	char *ns, *name, *location;
	floe_ice_metadata *base; /* the version it builds on; NULL: a new table */
	floe_ice_schema *schema;
	floe_ice_data_file *files;
	size_t nfiles;
	floe_write_mode mode;
};

static void pending_free(floe_table_pending *p)
{
	floe_free(p->ns);
	floe_free(p->name);
	floe_free(p->location);
	floe_ice_metadata_free(p->base);
	floe_ice_schema_free(p->schema);
	floe_ice_data_files_free(p->files, p->nfiles);
	floe_free(p);
}

/* The catalog commit of a write's files: a new table (*base NULL) or a
 * snapshot on *base (reloaded by a lost race); the data files stay whatever
 * happens. *unknown: the commit failed in a way that may have published
 * it, so the caller must keep the data files too. */
static int commit_write(floe_catalog *c, const char *ns, const char *name, const char *location,
                        floe_ice_metadata **base, const floe_ice_schema *schema,
                        const floe_ice_data_file *files, size_t nfiles, floe_write_mode mode,
                        floe_write_result *res, bool *unknown)
{
	bool append = mode == FLOE_WRITE_APPEND;
	int64_t t0 = floe_time_mono_us();
	int rc;
	if (*base == NULL)
		rc = create_with_files(c, ns, name, location, schema, files, nfiles, res, unknown);
	else
		rc = commit_files(c, ns, name, base,
		                  append ? FLOE_ICE_OP_APPEND : FLOE_ICE_OP_OVERWRITE,
		                  append ? NULL : schema, files, nfiles, res, unknown);
	if (rc && *unknown)
		floe_error_prefix("the commit's outcome is unknown (its files were kept): ");
	if (rc == 0) /* where a write's time goes (floe --verbose) */
		floe_log(FLOE_LOG_DEBUG, "%s.%s: commit %.1f ms (%d attempt%s)", ns, name,
		         (double)(floe_time_mono_us() - t0) / 1e3, res->attempts,
		         res->attempts == 1 ? "" : "s");
	return rc;
}

int floe_table_commit(floe_catalog *c, floe_table_pending *p, floe_write_result *res)
{
	bool unknown = false;
	int rc = commit_write(c, p->ns, p->name, p->location, &p->base, p->schema, p->files,
	                      p->nfiles, p->mode, res, &unknown);
	if (rc) {
		if (!unknown)
			remove_files(p->files, p->nfiles);
		floe_error_prefix("table %s.%s: ", p->ns, p->name);
		res->snapshot_id = -1;
	}
	pending_free(p);
	return rc;
}

void floe_table_abandon(floe_table_pending *p)
{
	if (p == NULL)
		return;
	remove_files(p->files, p->nfiles);
	pending_free(p);
}

/* Move what the commit needs into a pending write (NULL: out of memory,
 * and nothing moved). */
static floe_table_pending *pending_make(const char *ns, const char *name, char **location,
                                        floe_ice_metadata **base, floe_ice_schema **schema,
                                        floe_ice_data_file **files, size_t *nfiles,
                                        floe_write_mode mode)
{
	floe_table_pending *p = floe_calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->ns = floe_strdup(ns);
	p->name = floe_strdup(name);
	if (p->ns == NULL || p->name == NULL) {
		pending_free(p);
		return NULL;
	}
	p->location = *location;
	p->base = *base;
	p->schema = *schema;
	p->files = *files;
	p->nfiles = *nfiles;
	p->mode = mode;
	*location = NULL;
	*base = NULL;
	*schema = NULL;
	*files = NULL;
	*nfiles = 0;
	return p;
}

int floe_table_write(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                     const char *query, floe_write_mode mode, floe_write_result *res)
{
	return floe_table_write_with(e, c, ns, name, query, mode, NULL, res);
}

int floe_table_write_with(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                          const char *query, floe_write_mode mode, const floe_write_options *opts,
                          floe_write_result *res)
{
	floe_ice_metadata *base = NULL;
	floe_ice_schema *cur = NULL, *schema = NULL;
	floe_ice_data_file *files = NULL;
	size_t nfiles = 0;
	char *ident = NULL, *select = NULL, *full = NULL, *location = NULL, *data_dir = NULL;
	char *kept_src = NULL;
	const char *target;
	int64_t target_size = 128LL * 1024 * 1024;
	int rc, exists, next_id = 1;
	bool committed = false, unknown = false;
	bool keep = opts && opts->keep_result && mode != FLOE_WRITE_APPEND;
	int64_t t_start = floe_time_mono_us(), t_query = 0, t_files = 0, kept_rows = -1;

	res->snapshot_id = -1;
	res->rows = 0;
	res->files = 0;
	res->bytes = 0;
	res->attempts = 0;
	res->skipped = false;
	res->kept = false;
	if (opts && opts->pending)
		*opts->pending = NULL;
	ident = floe_asprintf("%s.%s", ns, name);
	if (ident == NULL)
		return FLOE_ENOMEM;
	exists = floe_catalog_table_exists(c, ns, name);
	if (exists < 0) {
		rc = exists;
		goto done;
	}
	if (exists && mode == FLOE_WRITE_CREATE) {
		rc = floe_error_set(FLOE_EEXISTS, "table %s already exists", ident);
		goto done;
	}
	if (exists && mode == FLOE_WRITE_CREATE_IF_ABSENT) {
		res->skipped = true;
		rc = 0;
		goto done;
	}
	if (!exists && mode == FLOE_WRITE_APPEND) {
		rc = floe_error_set(FLOE_ENOTFOUND, "table %s does not exist", ident);
		goto done;
	}
	if (!exists && (rc = floe_catalog_namespace_exists(c, ns)) <= 0) {
		if (rc == 0)
			rc = floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist", ns);
		goto done;
	}
	if (exists) {
		if ((rc = floe_catalog_load_table(c, ns, name, &base, NULL)) != 0)
			goto done;
		if ((rc = floe_ice_metadata_schema(base, -1, &cur)) != 0)
			goto done;
		location = floe_strdup(floe_ice_metadata_location(base));
		next_id = floe_ice_metadata_last_column_id(base) + 1;
		target = floe_ice_metadata_property(base, "write.target-file-size-bytes");
		if (target != NULL &&
		    (rc = floe_ice_property_check("write.target-file-size-bytes", target)) != 0)
			goto done;
		if (target != NULL)
			floe_parse_i64(&target_size, target);
	} else if (opts && opts->location) {
		const char *new_location = opts->location;
		/* trailing slashes would double in <location>/data */
		size_t len = strlen(new_location);
		while (len > 1 && new_location[len - 1] == '/')
			len--;
		location = floe_strndup(new_location, len);
	} else {
		location = floe_catalog_default_location(c, ns, name);
	}
	if (location == NULL) {
		rc = floe_error_code();
		goto done;
	}

	if (mode == FLOE_WRITE_APPEND) {
		rc = append_select(&full, e, query, cur, ident);
		if (rc == 0)
			schema = floe_ice_schema_clone(cur);
		if (rc == 0 && schema == NULL)
			rc = floe_error_code();
	} else {
		/* a kept result: the query runs once, into DuckDB; the rest reads it */
		if (keep && (rc = kept_make(e, ns, name, query, &kept_src, &kept_rows)) != 0)
			goto done;
		t_query = floe_time_mono_us();
		if (kept_src)
			query = kept_src;
		rc = floe_engine_describe(e, query, cur, &next_id, &schema, &select);
		if (rc == 0)
			full = floe_asprintf("SELECT %s FROM (%s) AS q", select, query);
		if (rc == 0 && full == NULL)
			rc = floe_error_code();
	}
	if (rc)
		goto done;

	data_dir = floe_storage_join(location, "data");
	if (data_dir == NULL) {
		rc = floe_error_code();
		goto done;
	}
	/* DuckDB rolls files only at row group ends: a kept result that fits
	 * one row group is one file, written as one (no directory mode) */
	if (kept_rows >= 0 && kept_rows <= DUCKDB_ROW_GROUP_ROWS)
		target_size = 0;
	rc = floe_engine_write_files(e, full, schema, data_dir, target_size, &files, &nfiles);
	if (rc)
		goto done;
	t_files = floe_time_mono_us();
	res->rows = total_rows(files, nfiles);
	res->files = nfiles;
	for (size_t i = 0; i < nfiles; i++)
		res->bytes += files[i].file_size;

	floe_log(FLOE_LOG_DEBUG, "%s: query into memory %.1f ms, data files %.1f ms", ident,
	         (double)((t_query ? t_query : t_start) - t_start) / 1e3,
	         (double)(t_files - (t_query ? t_query : t_start)) / 1e3);
	if (keep && opts->pending) {
		/* the commit is the caller's; readers see the kept result now */
		if ((rc = kept_put(e, ns, name, full)) != 0)
			goto done;
		res->kept = true;
		*opts->pending =
		    pending_make(ns, name, &location, &base, &schema, &files, &nfiles, mode);
		if (*opts->pending == NULL) {
			res->kept = false;
			rc = FLOE_ENOMEM;
		}
		goto done;
	}
	rc = commit_write(c, ns, name, location, &base, schema, files, nfiles, mode, res, &unknown);
	committed = rc == 0;
	/* readers of this engine's database now see the kept result, or (not
	 * kept) no longer an old one */
	if (committed && keep)
		res->kept = kept_put(e, ns, name, full) == 0;
	if (committed && !res->kept)
		floe_error_clear();
done:
	if (!res->kept && (kept_src || committed))
		kept_drop(e, ns, name, kept_src != NULL);
	if (rc && !committed && !unknown && files != NULL)
		remove_files(files, nfiles);
	if (rc)
		floe_error_prefix("table %s: ", ident ? ident : name);
	if (rc)
		res->snapshot_id = -1;
	floe_ice_data_files_free(files, nfiles);
	floe_ice_schema_free(schema);
	floe_ice_schema_free(cur);
	floe_ice_metadata_free(base);
	floe_free(data_dir);
	floe_free(location);
	floe_free(full);
	floe_free(select);
	floe_free(kept_src);
	floe_free(ident);
	return rc;
}

/* Name binding equals id binding when no field id ever had two names and no
 * name two ids across the table's schemas (floe writes each file with the
 * Iceberg names of its schema, as the spec's writers do). */
static bool names_stable(const floe_ice_metadata *m, bool *evolved)
{
	const json_t *schemas = json_object_get(floe_ice_metadata_json(m), "schemas"), *sj;
	floe_ice_schema *first = NULL;
	bool ok = true;
	size_t i;
	*evolved = json_array_size(schemas) > 1;
	json_array_foreach(schemas, i, sj)
	{
		floe_ice_schema *s = NULL;
		if (floe_ice_schema_from_json(&s, sj) != 0) {
			floe_error_clear();
			ok = false;
			break;
		}
		if (first == NULL) {
			first = s;
			continue;
		}
		for (size_t a = 0; ok && a < s->root->nfields; a++) {
			const floe_ice_field *fa = &s->root->fields[a];
			for (size_t k = 0; ok && k < first->root->nfields; k++) {
				const floe_ice_field *fk = &first->root->fields[k];
				if ((fa->id == fk->id) != (strcmp(fa->name, fk->name) == 0) ||
				    (fa->id == fk->id && !floe_ice_type_is_primitive(fa->type)))
					ok = false;
			}
		}
		floe_ice_schema_free(s);
	}
	/* nested types bind by name inside DuckDB in both paths; compare the
	 * top level only, and keep id binding whenever a nested field evolved */
	floe_ice_schema_free(first);
	return ok;
}

/* ---- scans that remember: a table exposed again after appends ---- */

/* files[0..n) without their column stats, appended to *out (NULL on out of
 * memory, with *out freed) */
static int files_append(floe_ice_data_file **out, size_t *nout, const floe_ice_data_file *files,
                        size_t n)
{
	floe_ice_data_file *g = floe_realloc(*out, (*nout + n + 1) * sizeof(*g));
	if (g == NULL)
		return FLOE_ENOMEM;
	*out = g;
	for (size_t i = 0; i < n; i++) {
		floe_ice_data_file *d = &g[*nout];
		memset(d, 0, sizeof(*d));
		d->content = files[i].content;
		d->record_count = files[i].record_count;
		d->file_size = files[i].file_size;
		if ((d->path = floe_strdup(files[i].path)) == NULL)
			return FLOE_ENOMEM;
		(*nout)++;
	}
	return 0;
}

/* Snapshots after `since` up to `sid`, all appends (else 0 of them): the
 * ids go to chain[], at most max. */
static size_t append_chain(const floe_ice_metadata *m, int64_t since, int64_t sid, int64_t *chain,
                           size_t max)
{
	size_t n = 0;
	while (sid != since) {
		floe_ice_snapshot s;
		if (n == max || sid < 0 || floe_ice_metadata_snapshot_by_id(m, sid, &s) != 0 ||
		    !floe_str_eq(s.operation, "append")) {
			floe_error_clear();
			return 0;
		}
		chain[n++] = sid;
		sid = s.parent_id;
	}
	return n;
}

static bool in_chain(const int64_t *chain, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (chain[i] == id)
			return true;
	return false;
}

/* Live files that the snapshots of chain added, from the manifests they
 * wrote (ADDED entries, and EXISTING ones of their files should a writer
 * have merged manifests), appended to *out. */
static int added_files(floe_ice_data_file **out, size_t *n, const char *manifest_list,
                       const int64_t *chain, size_t nchain)
{
	floe_ice_manifest_file *mfs = NULL;
	size_t nmf = 0;
	floe_buf b = FLOE_BUF_INIT;
	int rc = floe_storage_read(&b, manifest_list, 0);
	if (rc == 0)
		rc = floe_ice_manifest_list_decode(&mfs, &nmf, b.ptr, b.len, manifest_list);
	floe_buf_free(&b);
	for (size_t i = 0; rc == 0 && i < nmf; i++) {
		floe_ice_manifest_entry *ents = NULL;
		size_t ne = 0;
		if (mfs[i].content != 0 || !in_chain(chain, nchain, mfs[i].added_snapshot_id))
			continue;
		if ((rc = floe_storage_read(&b, mfs[i].path, 0)) == 0)
			rc = floe_ice_manifest_decode(&ents, &ne, b.ptr, b.len, mfs[i].path,
			                              &mfs[i]);
		floe_buf_free(&b);
		for (size_t k = 0; rc == 0 && k < ne; k++)
			if (ents[k].status != 2 && ents[k].file.content == 0 &&
			    in_chain(chain, nchain, ents[k].snapshot_id))
				rc = files_append(out, n, &ents[k].file, 1);
		floe_ice_manifest_entries_free(ents, ne);
	}
	floe_ice_manifest_files_free(mfs, nmf);
	return rc;
}

#define MEMO_CHAIN_MAX 256

/*
 * The live files of m's current snapshot: the memo of the table's last
 * exposure plus what the appends since added (the manifest list and the
 * manifests those appends wrote, not every manifest), or a full scan when
 * there is no memo or anything but appends happened since. A script that
 * writes a table and reads it again, or many writers appending to one
 * table, then read a few manifests per statement instead of all of them.
 */
static int scan_current(floe_engine *e, const char *ident, const floe_ice_metadata *m,
                        floe_ice_data_file **files, size_t *n)
{
	floe_kept_set *k = e->kept;
	int64_t sid = floe_ice_metadata_current_snapshot_id(m), since = -1;
	int64_t chain[MEMO_CHAIN_MAX];
	floe_ice_data_file *got = NULL, *memo = NULL;
	size_t ngot = 0, nmemo = 0, nchain = 0, i;
	floe_ice_snapshot snap;
	int rc = 0;
	*files = NULL;
	*n = 0;
	if (sid < 0)
		return 0;
	pthread_mutex_lock(&k->mu);
	for (i = 0; i < k->nmemos; i++)
		if (strcmp(k->memos[i].ident, ident) == 0)
			break;
	if (i < k->nmemos && floe_str_eq(k->memos[i].uuid, floe_ice_metadata_uuid(m))) {
		since = k->memos[i].snapshot_id;
		nchain = since == sid ? 0 : append_chain(m, since, sid, chain, MEMO_CHAIN_MAX);
		if (since == sid || nchain > 0)
			rc = files_append(&got, &ngot, k->memos[i].files, k->memos[i].n);
	}
	pthread_mutex_unlock(&k->mu);
	if (rc == 0 && (since == sid || nchain > 0)) {
		if (nchain > 0 && (rc = floe_ice_metadata_snapshot_by_id(m, sid, &snap)) == 0)
			rc = added_files(&got, &ngot, snap.manifest_list, chain, nchain);
	} else if (rc == 0) {
		floe_ice_data_files_free(got, ngot);
		got = NULL;
		ngot = 0;
		if ((rc = floe_ice_scan_files(&got, &ngot, m, -1)) != 0)
			got = NULL, ngot = 0;
	}
	if (rc) {
		floe_ice_data_files_free(got, ngot);
		return rc;
	}
	/* remember it (a memo that cannot be kept only costs a full scan) */
	if (files_append(&memo, &nmemo, got, ngot) == 0) {
		char *id = floe_strdup(ident), *uuid = floe_strdup(floe_ice_metadata_uuid(m));
		pthread_mutex_lock(&k->mu);
		for (i = 0; i < k->nmemos; i++)
			if (strcmp(k->memos[i].ident, ident) == 0)
				break;
		if (i == k->nmemos && id && uuid) {
			floe_scan_memo *g = floe_realloc(k->memos, (k->nmemos + 1) * sizeof(*g));
			if (g) {
				k->memos = g;
				g[k->nmemos++] = (floe_scan_memo){id, NULL, -1, NULL, 0};
				id = NULL;
			}
		}
		if (i < k->nmemos && uuid) {
			floe_free(k->memos[i].uuid);
			floe_ice_data_files_free(k->memos[i].files, k->memos[i].n);
			k->memos[i].uuid = uuid;
			k->memos[i].snapshot_id = sid;
			k->memos[i].files = memo;
			k->memos[i].n = nmemo;
			uuid = NULL;
			memo = NULL;
			nmemo = 0;
		}
		pthread_mutex_unlock(&k->mu);
		floe_free(id);
		floe_free(uuid);
	}
	floe_ice_data_files_free(memo, nmemo);
	floe_error_clear();
	*files = got;
	*n = ngot;
	return 0;
}

static int expose_at(floe_engine *e, const char *ns, const char *name, const floe_ice_metadata *m,
                     int64_t snapshot_id)
{
	floe_ice_snapshot snap;
	floe_ice_schema *schema = NULL;
	floe_ice_data_file *files = NULL;
	size_t n = 0;
	int rc, schema_id = -1;
	if (snapshot_id >= 0) {
		if ((rc = floe_ice_metadata_snapshot_by_id(m, snapshot_id, &snap)) != 0)
			return rc;
		schema_id = snap.schema_id;
	}
	rc = floe_ice_metadata_schema(m, schema_id, &schema);
	if (rc == FLOE_ENOTFOUND && schema_id >= 0)
		rc = floe_ice_metadata_schema(m, -1, &schema);
	if (rc == 0 && snapshot_id < 0) {
		char *ident = floe_asprintf("%s.%s", ns, name);
		rc = ident ? scan_current(e, ident, m, &files, &n) : FLOE_ENOMEM;
		floe_free(ident);
	} else if (rc == 0) {
		rc = floe_ice_scan_files(&files, &n, m, snapshot_id);
	}
	if (rc == 0) {
		bool evolved = false;
		if (names_stable(m, &evolved))
			rc = floe_engine_register_table_by_name(e, ns, name, schema, files, n,
			                                        evolved);
		else
			rc = floe_engine_register_table(e, ns, name, schema, files, n);
	}
	if (rc == 0)
		rc = floe_engine_note_table(e, ns, name, floe_ice_metadata_location(m));
	floe_ice_data_files_free(files, n);
	floe_ice_schema_free(schema);
	return rc;
}

int floe_table_expose(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                      int64_t snapshot_id)
{
	floe_ice_metadata *m = NULL;
	char *body = snapshot_id < 0 ? kept_body(e, ns, name) : NULL;
	int rc;
	if (body) { /* the current snapshot is the kept result */
		rc = floe_engine_register_select(e, ns, name, body);
		floe_free(body);
		return rc;
	}
	rc = floe_catalog_load_table(c, ns, name, &m, NULL);
	if (rc == 0)
		rc = expose_at(e, ns, name, m, snapshot_id);
	if (rc)
		floe_error_prefix("table %s.%s: ", ns, name);
	floe_ice_metadata_free(m);
	return rc;
}

/*
 * A table or view that cannot be read becomes a view that raises why when
 * a statement uses it, so that it fails only those statements (what is
 * "table ns.t cannot be read: ..."). Out of memory fails the command
 * instead: floe's own error, not what DuckDB would say of a missing view.
 */
static int expose_broken(floe_engine *e, const char *ns, const char *name, const char *what)
{
	char *msg;
	int rc = floe_error_code();
	if (rc == FLOE_ENOMEM)
		return rc;
	msg = floe_asprintf("%s %s.%s cannot be read: %s", what, ns, name, floe_error_message());
	if (msg == NULL)
		return FLOE_ENOMEM;
	floe_log(FLOE_LOG_DEBUG, "%s", msg);
	floe_error_clear();
	rc = floe_engine_register_error(e, ns, name, msg);
	floe_free(msg);
	return rc;
}

/* catalog views to create once every table is exposed */
typedef struct {
	char *ns, *name, *body;
} pending_view;

typedef struct {
	pending_view *v;
	size_t n;
} view_list;

static void view_list_dispose(view_list *vl)
{
	for (size_t i = 0; i < vl->n; i++) {
		floe_free(vl->v[i].ns);
		floe_free(vl->v[i].name);
		floe_free(vl->v[i].body);
	}
	floe_free(vl->v);
}

/* The views of ns, each body checked to be one SELECT: a view that cannot
 * be loaded or whose body is anything else is an error view at once. */
static int collect_views(floe_engine *e, floe_catalog *c, const char *ns, view_list *vl)
{
	char **names = NULL;
	size_t n = 0;
	int rc = floe_catalog_list_views(c, ns, &names, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *body = NULL;
		pending_view *g;
		rc = floe_catalog_load_view(c, ns, names[i], &body);
		if (rc == 0)
			rc = floe_engine_check_select(e, body);
		if (rc) {
			floe_free(body);
			rc = expose_broken(e, ns, names[i], "catalog view");
			continue;
		}
		g = floe_realloc(vl->v, (vl->n + 1) * sizeof(*g));
		if (g == NULL) {
			floe_free(body);
			rc = FLOE_ENOMEM;
			break;
		}
		vl->v = g;
		g[vl->n] = (pending_view){floe_strdup(ns), floe_strdup(names[i]), body};
		if (g[vl->n].ns == NULL || g[vl->n].name == NULL)
			rc = FLOE_ENOMEM;
		vl->n++;
	}
	floe_catalog_strings_free(names, n);
	return rc;
}

/* Views may read other views: create them in passes until none is left or
 * a pass makes no progress; those left (reading something missing) become
 * error views. */
static int create_views(floe_engine *e, view_list *vl)
{
	size_t left = vl->n;
	bool progress = true;
	int rc;
	while (left > 0 && progress) {
		progress = false;
		for (size_t i = 0; i < vl->n; i++) {
			pending_view *v = &vl->v[i];
			if (v->body == NULL)
				continue;
			rc = floe_engine_register_select(e, v->ns, v->name, v->body);
			if (rc == FLOE_ENOMEM)
				return rc;
			if (rc) {
				floe_error_clear();
				continue;
			}
			floe_free(v->body);
			v->body = NULL;
			left--;
			progress = true;
		}
	}
	for (size_t i = 0; i < vl->n; i++) {
		pending_view *v = &vl->v[i];
		/* once more, for its error */
		if (v->body == NULL || floe_engine_register_select(e, v->ns, v->name, v->body) == 0)
			continue;
		if ((rc = expose_broken(e, v->ns, v->name, "catalog view")) != 0)
			return rc;
	}
	return 0;
}

/* Expose the tables of ns and recurse into its children. A table that
 * cannot be read becomes an error view. */
static int expose_namespace(floe_engine *e, floe_catalog *c, const char *ns,
                            const floe_as_of *as_of, bool *snapshot_found, view_list *vl)
{
	char **tables = NULL, **children = NULL;
	size_t nt = 0, nc = 0;
	int rc = floe_catalog_list_tables(c, ns, &tables, &nt);
	for (size_t i = 0; rc == 0 && i < nt; i++) {
		floe_ice_metadata *m = NULL;
		int64_t snap = -1;
		rc = floe_catalog_load_table(c, ns, tables[i], &m, NULL);
		if (rc == 0 && as_of && as_of->snapshot_id >= 0) {
			floe_ice_snapshot s;
			if (floe_ice_metadata_snapshot_by_id(m, as_of->snapshot_id, &s) == 0) {
				snap = as_of->snapshot_id;
				*snapshot_found = true;
			}
			floe_error_clear();
		} else if (rc == 0 && as_of && as_of->as_of_ms >= 0) {
			rc = floe_ice_metadata_snapshot_as_of(m, as_of->as_of_ms, &snap);
			if (rc == FLOE_ENOTFOUND) { /* the table did not exist yet */
				floe_ice_metadata_free(m);
				floe_error_clear();
				rc = 0;
				continue;
			}
		}
		if (rc == 0)
			rc = expose_at(e, ns, tables[i], m, snap);
		if (rc)
			rc = expose_broken(e, ns, tables[i], "table");
		floe_ice_metadata_free(m);
	}
	if (rc == 0)
		rc = collect_views(e, c, ns, vl);
	if (rc == 0)
		rc = floe_catalog_list_namespaces(c, ns, &children, &nc);
	for (size_t i = 0; rc == 0 && i < nc; i++)
		rc = expose_namespace(e, c, children[i], as_of, snapshot_found, vl);
	floe_catalog_strings_free(tables, nt);
	floe_catalog_strings_free(children, nc);
	return rc;
}

int floe_table_expose_all(floe_engine *e, floe_catalog *c, const floe_as_of *as_of)
{
	char **top = NULL;
	size_t n = 0;
	bool found = false;
	view_list vl = {NULL, 0};
	int rc = floe_catalog_list_namespaces(c, NULL, &top, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = expose_namespace(e, c, top[i], as_of, &found, &vl);
	if (rc == 0)
		rc = create_views(e, &vl);
	view_list_dispose(&vl);
	floe_catalog_strings_free(top, n);
	if (rc == 0 && as_of && as_of->snapshot_id >= 0 && !found)
		rc = floe_error_set(FLOE_ENOTFOUND, "snapshot %lld not found in any table",
		                    (long long)as_of->snapshot_id);
	return rc;
}
