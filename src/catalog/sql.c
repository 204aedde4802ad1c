/*
 * The `sql` catalog backend on SQLite, in the table layout of Iceberg's JDBC
 * catalog (iceberg_tables, iceberg_namespace_properties; ICEBERG-NOTES.md
 * section 8) so that other implementations can open the same file. Commits
 * are a compare-and-swap UPDATE on metadata_location. WAL mode and a busy
 * timeout let several processes commit to one file; readers are WAL readers
 * that never wait for a writer: opening writes nothing to an existing
 * catalog, and a catalog floe may not write is opened read-only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_internal.h"

#define BUSY_TIMEOUT_MS 5000

static int db_error(floe_catalog *c, int src, const char *what)
{
	int ext = sqlite3_extended_errcode(c->db);
	if (src == SQLITE_BUSY || src == SQLITE_LOCKED)
		return floe_error_set(FLOE_EBUSY, "catalog %s is locked by another process (%s)",
		                      c->path, what);
	if (src == SQLITE_READONLY || (ext & 0xFF) == SQLITE_READONLY)
		return floe_error_set(FLOE_ECATALOG, "catalog %s is read-only: %s (%s)", c->path,
		                      sqlite3_errmsg(c->db), what);
	return floe_error_set(FLOE_ECATALOG, "catalog %s: %s (%s)", c->path, sqlite3_errmsg(c->db),
	                      what);
}

/* Prepare, bind text parameters (NULL binds NULL), and step once. Returns
 * SQLITE_ROW/SQLITE_DONE through *step; the statement is finalized unless
 * out is given. */
static int run(floe_catalog *c, sqlite3_stmt **out, const char *sql, int n, const char **params)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return db_error(c, rc, "prepare");
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
	if (out) {
		*out = st;
		return 0;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(c, rc, "write");
	return 0;
}

/* SQLite's own busy handler sleeps 1, 2, 5, 10, ... ms between tries; a
 * dbt run's workers commit to one file at once and each holds the lock
 * for well under a millisecond, so try again after 100 us at first, then
 * back off to 1 and 10 ms, until BUSY_TIMEOUT_MS have passed. */
static int busy_wait(void *arg, int count)
{
	/* what the tries before this one slept */
	int64_t slept = count <= 20   ? count * 100LL
	                : count <= 40 ? 2000 + (count - 20) * 1000LL
	                              : 22000 + (count - 40) * 10000LL;
	(void)arg;
	if (slept >= BUSY_TIMEOUT_MS * 1000LL)
		return 0;
	floe_sleep_us(count < 20 ? 100 : count < 40 ? 1000 : 10000);
	return 1;
}

static const char *type_filter(const floe_catalog *c)
{
	return c->has_type_column ? " AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)" : "";
}

/* The catalog's two tables in one (synchronous) transaction: a new
 * catalog, or one whose file (a V0 one of Java's) lacks the namespace
 * table. */
static int create_schema(floe_catalog *c)
{
	int rc = run(c, NULL, "BEGIN IMMEDIATE", 0, NULL);
	if (rc)
		return rc;
	rc = run(c, NULL,
	         "CREATE TABLE IF NOT EXISTS iceberg_tables ("
	         "catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, "
	         "table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), "
	         "previous_metadata_location VARCHAR(1000), iceberg_type VARCHAR(5), "
	         "PRIMARY KEY (catalog_name, table_namespace, table_name))",
	         0, NULL);
	if (rc == 0)
		rc = run(c, NULL,
		         "CREATE TABLE IF NOT EXISTS iceberg_namespace_properties ("
		         "catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL, "
		         "property_key VARCHAR(255), property_value VARCHAR(1000), "
		         "PRIMARY KEY (catalog_name, namespace, property_key))",
		         0, NULL);
	if (rc == 0)
		rc = run(c, NULL, "COMMIT", 0, NULL);
	if (rc)
		run(c, NULL, "ROLLBACK", 0, NULL);
	return rc;
}

/* How many of the catalog's two tables the file has (a read). */
static int schema_tables(floe_catalog *c, int *n)
{
	sqlite3_stmt *st = NULL;
	int rc = run(c, &st,
	             "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
	             "('iceberg_tables', 'iceberg_namespace_properties')",
	             0, NULL);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	*n = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_error(c, rc, "read schema");
}

/* WAL mode, so that readers never wait for a writer. Only a catalog in
 * another mode (a file Java's JdbcCatalog made) is switched, and only when
 * that needs no wait: a switch that would block is left to a later open. */
static void use_wal(floe_catalog *c)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;
	if (run(c, &st, "PRAGMA journal_mode", 0, NULL) == 0) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
	}
	if (!wal) {
		sqlite3_busy_handler(c->db, NULL, NULL);
		run(c, NULL, "PRAGMA journal_mode=WAL", 0, NULL);
		sqlite3_busy_handler(c->db, busy_wait, NULL);
	}
	floe_error_clear();
}

/* The file and its folder may be written (WAL needs both: the -wal and
 * -shm files live beside the catalog). */
static bool writable(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int len = slash == NULL   ? snprintf(dir, sizeof(dir), ".")
	          : slash == path ? snprintf(dir, sizeof(dir), "/")
	                          : snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (len < 0 || (size_t)len >= sizeof(dir))
		return true; /* SQLite will tell */
	return access(path, W_OK) == 0 && access(dir, W_OK) == 0;
}

/* A WAL catalog in a folder floe may not write, with no -shm file left by
 * a writer, can only be read as immutable (SQLite cannot make the shared
 * memory file): there is no writer at the moment. */
static int open_immutable(floe_catalog *c)
{
	floe_buf u = FLOE_BUF_INIT;
	int rc = floe_buf_puts(&u, "file:");
	for (const char *p = c->path; rc == 0 && *p; p++)
		rc = (*p == '?' || *p == '#' || *p == '%') ? floe_buf_printf(&u, "%%%02X", *p)
		                                           : floe_buf_putc(&u, *p);
	if (rc == 0)
		rc = floe_buf_puts(&u, "?immutable=1");
	if (rc == 0) {
		sqlite3_close(c->db);
		c->db = NULL;
		rc = sqlite3_open_v2(u.ptr, &c->db,
		                     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX,
		                     NULL);
		rc = rc == SQLITE_OK ? 0 : db_error(c, rc, "open");
	}
	floe_buf_free(&u);
	return rc;
}

/* A catalog file that is missing or empty is made only where that loses
 * nothing: in a warehouse without Iceberg metadata, or when the URI says
 * mode=rwc. Elsewhere it is more likely lost (deleted, truncated) than
 * new, and a new empty catalog would hide every table beside it. */
static int may_create(floe_catalog *c, catalog_mode mode, bool missing)
{
	char *wh, *found = NULL;
	int rc;
	const char *what = missing ? "does not exist" : "is an empty file";
	if (mode == CATALOG_RO || mode == CATALOG_RW)
		return floe_error_set(FLOE_ENOTFOUND, "catalog %s %s (mode=%s creates none)",
		                      c->path, what, mode == CATALOG_RO ? "ro" : "rw");
	if (mode == CATALOG_RWC)
		return 0;
	if ((wh = floe_storage_local_path(c->warehouse)) == NULL)
		return floe_error_code();
	rc = catalog_find_table_metadata(&found, wh);
	floe_free(wh);
	if (rc || found == NULL)
		return rc;
	floe_error_set(FLOE_ECATALOG,
	               "catalog %s %s, but the warehouse holds Iceberg tables (%s): restore "
	               "the catalog file, or open it with ?mode=rwc to start an empty catalog "
	               "beside them",
	               c->path, what, found);
	floe_free(found);
	return FLOE_ECATALOG;
}

/*
 * Open without writing: an existing catalog is only read until a verb
 * writes (no write transaction, no schema change, no lock a reader would
 * wait on), and opened read-only when the file or its folder is not
 * writable or the URI says mode=ro.
 */
int floe_catalog_sql_open(floe_catalog *c, catalog_mode mode)
{
	sqlite3_stmt *st = NULL;
	struct stat sb;
	bool missing = stat(c->path, &sb) != 0, empty = !missing && sb.st_size == 0;
	bool rw = mode != CATALOG_RO && (missing || writable(c->path));
	int flags = rw ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY, ntables = 0, rc;
	if (missing && errno != ENOENT)
		return floe_error_set(FLOE_ECATALOG, "catalog %s: %s", c->path, strerror(errno));
	if ((missing || empty) && (rc = may_create(c, mode, missing)) != 0)
		return rc;
	if (missing)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(c->path, &c->db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK)
		return db_error(c, rc, "open");
	sqlite3_busy_handler(c->db, busy_wait, NULL);
	if (rw)
		use_wal(c);
	rc = schema_tables(c, &ntables);
	if (rc && !rw &&
	    (sqlite3_errcode(c->db) == SQLITE_CANTOPEN ||
	     sqlite3_errcode(c->db) == SQLITE_READONLY)) {
		floe_error_clear();
		if ((rc = open_immutable(c)) == 0)
			rc = schema_tables(c, &ntables);
	}
	if (rc)
		return rc;
	if (ntables < 2 && rw && (rc = create_schema(c)) != 0)
		return rc;
	if (ntables < 2 && !rw)
		return floe_error_set(
		    FLOE_ECATALOG,
		    "catalog %s has no iceberg_tables and "
		    "iceberg_namespace_properties tables (read-only: not created)",
		    c->path);
	/* a V0 layout (as Java's JdbcCatalog creates it) has no iceberg_type */
	if ((rc = run(c, &st, "SELECT name FROM pragma_table_info('iceberg_tables')", 0, NULL)) !=
	    0)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), "iceberg_type") == 0)
			c->has_type_column = true;
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(c, rc, "read schema");
}

static void sql_close(floe_catalog *c)
{
	sqlite3_close(c->db);
	c->db = NULL;
}

static int ns_create(floe_catalog *c, const char *ns, const json_t *props)
{
	const char *k;
	json_t *v;
	const char *p[4] = {c->name, ns, "exists", "true"};
	int rc = run(c, NULL, "BEGIN IMMEDIATE", 0, NULL);
	if (rc)
		return rc;
	rc = run(c, NULL,
	         "INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, "
	         "property_value) VALUES (?, ?, ?, ?)",
	         4, p);
	if (props)
		json_object_foreach((json_t *)props, k, v)
		{
			if (rc || strcmp(k, "exists") == 0)
				continue;
			p[2] = k;
			p[3] = json_is_string(v) ? json_string_value(v) : "";
			rc = run(
			    c, NULL,
			    "INSERT INTO iceberg_namespace_properties (catalog_name, namespace, "
			    "property_key, property_value) VALUES (?, ?, ?, ?)",
			    4, p);
		}
	run(c, NULL, rc ? "ROLLBACK" : "COMMIT", 0, NULL);
	return rc;
}

static int ns_create_many(floe_catalog *c, char *const *ns, size_t n)
{
	int rc = run(c, NULL, "BEGIN IMMEDIATE", 0, NULL);
	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *p[4] = {c->name, ns[i], "exists", "true"};
		/* another process may have made it since it was checked */
		rc = run(c, NULL,
		         "INSERT OR IGNORE INTO iceberg_namespace_properties (catalog_name, "
		         "namespace, property_key, property_value) VALUES (?, ?, ?, ?)",
		         4, p);
	}
	run(c, NULL, rc ? "ROLLBACK" : "COMMIT", 0, NULL);
	return rc;
}

/* A namespace exists when it has properties or a table lies in it or in a
 * namespace below it (compared case-sensitively, as Iceberg names are:
 * SQLite's LIKE would not be). */
static int ns_exists(floe_catalog *c, const char *ns)
{
	sqlite3_stmt *st = NULL;
	const char *p[3] = {c->name, ns, c->name};
	int rc = run(c, &st,
	             "SELECT 1 FROM iceberg_namespace_properties WHERE catalog_name = ?1 AND "
	             "namespace = ?2 UNION ALL SELECT 1 FROM iceberg_tables WHERE catalog_name = "
	             "?3 AND (table_namespace = ?2 OR substr(table_namespace, 1, length(?2) + 1) "
	             "= ?2 || '.') LIMIT 1",
	             3, p);
	if (rc == 0) {
		rc = sqlite3_step(st);
		rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_error(c, rc, "read");
	}
	sqlite3_finalize(st);
	return rc;
}

static int collect(floe_catalog *c, sqlite3_stmt *st, char ***out, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char **g = floe_realloc(v, (cnt + 1) * sizeof(char *));
		if (g == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		v = g;
		if ((v[cnt] = floe_strdup((const char *)sqlite3_column_text(st, 0))) == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		cnt++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		floe_catalog_strings_free(v, cnt);
		return rc == FLOE_ENOMEM ? rc : db_error(c, rc, "read");
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int ns_all(floe_catalog *c, char ***out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	const char *p[1] = {c->name};
	int rc = run(c, &st,
	             "SELECT namespace FROM iceberg_namespace_properties WHERE catalog_name = ?1 "
	             "UNION SELECT table_namespace FROM iceberg_tables WHERE catalog_name = ?1",
	             1, p);
	return rc ? rc : collect(c, st, out, n);
}

static int ns_props(floe_catalog *c, const char *ns, json_t **out)
{
	sqlite3_stmt *st = NULL;
	const char *p[2] = {c->name, ns};
	json_t *obj = json_object();
	int rc;
	if (obj == NULL)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	rc = run(c, &st,
	         "SELECT property_key, property_value FROM iceberg_namespace_properties WHERE "
	         "catalog_name = ? AND namespace = ? AND property_key <> 'exists' ORDER BY 1",
	         2, p);
	if (rc) {
		json_decref(obj);
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		if (k && json_object_set_new(obj, k, json_string(v ? v : "")) != 0) {
			rc = floe_error_set(FLOE_ENOMEM,
			                    "namespace %s: property '%s' cannot be "
			                    "held (out of memory or not UTF-8)",
			                    ns, k);
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(obj);
		return rc < 0 ? rc : db_error(c, rc, "read");
	}
	*out = obj;
	return 0;
}

static int ns_update(floe_catalog *c, const char *ns, const json_t *set, const json_t *remove)
{
	const char *k;
	json_t *v;
	size_t i;
	int rc = run(c, NULL, "BEGIN IMMEDIATE", 0, NULL);
	if (rc)
		return rc;
	json_array_foreach(remove, i, v)
	{
		const char *p[3] = {c->name, ns, json_string_value(v)};
		if (rc == 0 && p[2] && strcmp(p[2], "exists") != 0)
			rc = run(
			    c, NULL,
			    "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND "
			    "namespace = ? AND property_key = ?",
			    3, p);
	}
	if (set)
		json_object_foreach((json_t *)set, k, v)
		{
			const char *p[4] = {c->name, ns, k, json_string_value(v)};
			if (rc == 0)
				rc = run(c, NULL,
				         "INSERT OR REPLACE INTO iceberg_namespace_properties "
				         "(catalog_name, namespace, property_key, property_value) "
				         "VALUES (?, ?, ?, ?)",
				         4, p);
		}
	run(c, NULL, rc ? "ROLLBACK" : "COMMIT", 0, NULL);
	return rc;
}

static int ns_drop(floe_catalog *c, const char *ns)
{
	const char *p[2] = {c->name, ns};
	return run(
	    c, NULL,
	    "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?", 2,
	    p);
}

static int tbl_list(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	const char *p[2] = {c->name, ns};
	char sql[300];
	int rc;
	snprintf(sql, sizeof(sql),
	         "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND "
	         "table_namespace = ?%s",
	         type_filter(c));
	rc = run(c, &st, sql, 2, p);
	return rc ? rc : collect(c, st, out, n);
}

static int tbl_current(floe_catalog *c, const char *ns, const char *name, char **loc)
{
	sqlite3_stmt *st = NULL;
	const char *p[3] = {c->name, ns, name};
	char sql[300];
	int rc;
	*loc = NULL;
	snprintf(sql, sizeof(sql),
	         "SELECT metadata_location FROM iceberg_tables WHERE catalog_name = ? AND "
	         "table_namespace = ? AND table_name = ?%s",
	         type_filter(c));
	if ((rc = run(c, &st, sql, 3, p)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
		*loc = floe_strdup((const char *)sqlite3_column_text(st, 0));
		rc = *loc ? 0 : FLOE_ENOMEM;
	} else if (rc == SQLITE_ROW) {
		rc =
		    floe_error_set(FLOE_ECORRUPT, "table %s.%s has no metadata location", ns, name);
	} else if (rc == SQLITE_DONE) {
		rc = floe_error_set(FLOE_ENOTFOUND, "table %s.%s does not exist", ns, name);
	} else {
		rc = db_error(c, rc, "read");
	}
	sqlite3_finalize(st);
	return rc;
}

static int tbl_create(floe_catalog *c, const char *ns, const char *name, const char *table_loc,
                      const floe_buf *json, char **loc_out)
{
	char *loc = floe_catalog_next_metadata(table_loc, NULL);
	const char *p[4] = {c->name, ns, name, loc};
	int rc;
	if (loc == NULL)
		return FLOE_ENOMEM;
	/* the metadata file and everything it references on disk before the
	 * row that publishes it */
	if ((rc = floe_storage_write_new(loc, json->ptr, json->len)) != 0) {
		floe_free(loc);
		return rc;
	}
	if ((rc = floe_storage_sync(loc)) != 0) {
		floe_storage_delete(loc);
		floe_free(loc);
		return rc;
	}
	rc = run(c, NULL,
	         c->has_type_column
	             ? "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
	               "metadata_location, previous_metadata_location, iceberg_type) VALUES "
	               "(?, ?, ?, ?, NULL, 'TABLE')"
	             : "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
	               "metadata_location, previous_metadata_location) VALUES (?, ?, ?, ?, NULL)",
	         4, p);
	if (rc && sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_PRIMARYKEY)
		rc = floe_error_set(FLOE_EEXISTS, "table %s.%s already exists", ns, name);
	if (rc) {
		floe_storage_delete(loc);
		floe_free(loc);
		return rc;
	}
	*loc_out = loc;
	return 0;
}

static int tbl_swap(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
                    const char *table_loc, const floe_buf *json, char **loc_out)
{
	char *loc = floe_catalog_next_metadata(table_loc, old_loc);
	const char *p[6] = {loc, old_loc, c->name, ns, name, old_loc};
	char sql[400];
	int rc;
	if (loc == NULL)
		return FLOE_ENOMEM;
	if ((rc = floe_storage_write_new(loc, json->ptr, json->len)) != 0) {
		floe_free(loc);
		return rc;
	}
	if ((rc = floe_storage_sync(loc)) != 0) {
		floe_storage_delete(loc);
		floe_free(loc);
		return rc;
	}
	snprintf(sql, sizeof(sql),
	         "UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ? "
	         "WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND "
	         "metadata_location = ?%s",
	         type_filter(c));
	rc = run(c, NULL, sql, 6, p);
	if (rc == 0 && sqlite3_changes(c->db) != 1)
		rc = CATALOG_LOST_SWAP;
	if (rc) {
		floe_storage_delete(loc);
		floe_free(loc);
		return rc;
	}
	*loc_out = loc;
	return 0;
}

static int tbl_drop(floe_catalog *c, const char *ns, const char *name, const char *expect_loc)
{
	const char *p[4] = {c->name, ns, name, expect_loc};
	char *loc = NULL;
	char sql[400];
	int rc;
	snprintf(sql, sizeof(sql),
	         "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND "
	         "table_name = ?%s%s",
	         type_filter(c), expect_loc ? " AND metadata_location = ?" : "");
	rc = run(c, NULL, sql, expect_loc ? 4 : 3, p);
	if (rc || sqlite3_changes(c->db) == 1)
		return rc;
	/* nothing deleted: gone, or moved on from expect_loc */
	rc = expect_loc ? tbl_current(c, ns, name, &loc) : FLOE_ENOTFOUND;
	floe_free(loc);
	if (rc == FLOE_ENOTFOUND)
		return floe_error_set(FLOE_ENOTFOUND, "table %s.%s does not exist", ns, name);
	if (rc == 0 || rc == FLOE_ECORRUPT) {
		floe_error_clear();
		return CATALOG_LOST_SWAP;
	}
	return rc;
}

static int entries(floe_catalog *c, catalog_entry **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	const char *p[1] = {c->name};
	catalog_entry *v = NULL;
	size_t cnt = 0;
	int rc;
	*out = NULL;
	*n = 0;
	rc = run(c, &st,
	         c->has_type_column
	             ? "SELECT table_namespace, table_name, metadata_location, iceberg_type = "
	               "'VIEW' FROM iceberg_tables WHERE catalog_name = ?"
	             : "SELECT table_namespace, table_name, metadata_location, 0 FROM "
	               "iceberg_tables WHERE catalog_name = ?",
	         1, p);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		catalog_entry *g = floe_realloc(v, (cnt + 1) * sizeof(*v));
		const char *ml = (const char *)sqlite3_column_text(st, 2);
		if (g == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		v = g;
		memset(&v[cnt], 0, sizeof(*v));
		v[cnt].ns = floe_strdup((const char *)sqlite3_column_text(st, 0));
		v[cnt].name = floe_strdup((const char *)sqlite3_column_text(st, 1));
		v[cnt].metadata_location = ml ? floe_strdup(ml) : NULL;
		v[cnt].is_view = sqlite3_column_int(st, 3) != 0;
		cnt++;
		if (!v[cnt - 1].ns || !v[cnt - 1].name || (ml && !v[cnt - 1].metadata_location)) {
			rc = FLOE_ENOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		catalog_entries_free(v, cnt);
		return rc == FLOE_ENOMEM ? rc : db_error(c, rc, "read");
	}
	*out = v;
	*n = cnt;
	return 0;
}

const catalog_ops floe_catalog_sql_ops = {
    ns_create, ns_create_many, ns_exists,  ns_all,   ns_props, ns_update, ns_drop,
    tbl_list,  tbl_current,    tbl_create, tbl_swap, tbl_drop, entries,   sql_close,
};

/* ---- views (Iceberg view spec, format-version 1), sql catalog only:
 * rows with iceberg_type = 'VIEW', as Iceberg's JDBC catalog stores them ---- */

static int need_views(floe_catalog *c)
{
	if (c->db == NULL)
		return floe_error_set(FLOE_EUNSUPPORTED, "views need the sql catalog");
	if (!c->has_type_column)
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "catalog %s has the V0 layout (no iceberg_type column): it "
		                      "cannot hold views",
		                      c->path);
	return 0;
}

static int view_current(floe_catalog *c, const char *ns, const char *name, char **loc, char **type)
{
	sqlite3_stmt *st = NULL;
	const char *p[3] = {c->name, ns, name};
	int rc;
	*loc = NULL;
	*type = NULL;
	if ((rc = run(
	         c, &st,
	         "SELECT metadata_location, coalesce(iceberg_type, 'TABLE') FROM iceberg_tables "
	         "WHERE catalog_name = ? AND table_namespace = ? AND table_name = ?",
	         3, p)) != 0)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) == NULL) {
		rc = floe_error_set(FLOE_ECORRUPT, "%s.%s has no metadata location", ns, name);
	} else if (rc == SQLITE_ROW) {
		*loc = floe_strdup((const char *)sqlite3_column_text(st, 0));
		*type = floe_strdup((const char *)sqlite3_column_text(st, 1));
		rc = *loc && *type ? 0 : FLOE_ENOMEM;
	} else {
		rc = rc == SQLITE_DONE ? 0 : db_error(c, rc, "read");
	}
	sqlite3_finalize(st);
	return rc;
}

/* Append version `version` (its schema *sj, taken over, SQL and
 * namespace) to the view metadata and make it current. Nothing is added
 * when something cannot be made: FLOE_ENOMEM. */
static int add_view_version(json_t *meta, json_t **sj, const char *ns, const char *sql,
                            json_int_t version, int64_t now)
{
	json_t *nsarr = json_array(), *ver = NULL, *log = NULL;
	json_t *schemas = json_object_get(meta, "schemas");
	json_t *versions = json_object_get(meta, "versions");
	json_t *vlog = json_object_get(meta, "version-log");
	const char *p = ns;
	int rc = nsarr && json_is_array(schemas) && json_is_array(versions) && json_is_array(vlog)
	             ? 0
	             : FLOE_ENOMEM;
	while (rc == 0 && *p) { /* the namespace's levels */
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (json_array_append_new(nsarr, json_stringn(p, len)) != 0)
			rc = FLOE_ENOMEM;
		p += len + (dot ? 1 : 0);
	}
	if (rc == 0)
		ver = json_pack("{s:I,s:I,s:I,s:{s:s,s:s},s:[{s:s,s:s,s:s}],s:O}", "version-id",
		                version, "timestamp-ms", (json_int_t)now, "schema-id", version - 1,
		                "summary", "engine-name", "floe", "engine-version", "0.1.0",
		                "representations", "type", "sql", "sql", sql, "dialect", "duckdb",
		                "default-namespace", nsarr);
	if (rc == 0)
		log =
		    json_pack("{s:I,s:I}", "timestamp-ms", (json_int_t)now, "version-id", version);
	if (rc == 0 && (ver == NULL || log == NULL))
		rc = FLOE_ENOMEM;
	/* once the first append succeeded the rest are of the same kind; a
	 * failure still leaves meta to be freed, never written */
	if (rc == 0 && json_array_append(schemas, *sj) != 0)
		rc = FLOE_ENOMEM;
	if (rc == 0 &&
	    (json_array_append(versions, ver) != 0 || json_array_append(vlog, log) != 0 ||
	     json_object_set_new(meta, "current-version-id", json_integer(version)) != 0))
		rc = FLOE_ENOMEM;
	json_decref(ver);
	json_decref(log);
	json_decref(nsarr);
	json_decref(*sj);
	*sj = NULL;
	return rc ? floe_error_set(FLOE_ENOMEM, "view metadata: out of memory") : 0;
}

int floe_catalog_replace_view(floe_catalog *c, const char *ns, const char *name, const char *sql,
                              const floe_ice_schema *schema)
{
	char *old = NULL, *type = NULL, *loc = NULL, *text = NULL, *vloc = NULL;
	json_t *meta = NULL, *sj = NULL;
	floe_buf b;
	int64_t now = floe_time_now_ms();
	json_int_t version = 1;
	int rc;
	if ((rc = need_views(c)) != 0 || (rc = floe_catalog_check_name("namespace", ns)) != 0 ||
	    (rc = floe_catalog_check_name("view", name)) != 0)
		return rc;
	if ((rc = floe_catalog_namespace_exists(c, ns)) <= 0)
		return rc < 0 ? rc
		              : floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist", ns);
	if ((rc = view_current(c, ns, name, &old, &type)) != 0)
		goto done;
	if (type && strcmp(type, "VIEW") != 0) {
		rc = floe_error_set(FLOE_EEXISTS, "%s.%s is a table, not a view", ns, name);
		goto done;
	}
	if (old) {
		json_error_t err;
		if ((rc = floe_storage_read(&b, old, 64u << 20)) != 0)
			goto done;
		meta = json_loadb(b.ptr, b.len, 0, &err);
		floe_buf_free(&b);
		if (meta == NULL) {
			rc = floe_error_set(FLOE_ECORRUPT, "%s: view metadata is not JSON: %s", old,
			                    err.text);
			goto done;
		}
		version = json_integer_value(json_object_get(meta, "current-version-id")) + 1;
		if (!json_is_string(json_object_get(meta, "location"))) {
			rc =
			    floe_error_set(FLOE_ECORRUPT, "%s: view metadata has no location", old);
			goto done;
		}
	} else {
		uint8_t u[16];
		char uuid[37];
		if ((rc = catalog_check_case(c, ns, name, "view")) != 0)
			goto done;
		floe_uuid_v4(u);
		floe_uuid_format(u, uuid);
		if ((vloc = floe_catalog_default_location(c, ns, name)) == NULL) {
			rc = FLOE_ENOMEM;
			goto done;
		}
		meta = json_pack("{s:s,s:i,s:s,s:i,s:[],s:[],s:[],s:{}}", "view-uuid", uuid,
		                 "format-version", 1, "location", vloc, "current-version-id", 0,
		                 "versions", "version-log", "schemas", "properties");
	}
	sj = floe_ice_schema_to_json(schema);
	if (meta == NULL || sj == NULL ||
	    json_object_set_new(sj, "schema-id", json_integer(version - 1)) != 0) {
		rc = floe_error_set(FLOE_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = add_view_version(meta, &sj, ns, sql, version, now)) != 0)
		goto done;
	text = json_dumps(meta, JSON_COMPACT | JSON_PRESERVE_ORDER);
	loc = floe_catalog_next_metadata(json_string_value(json_object_get(meta, "location")), old);
	if (text == NULL || loc == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((rc = floe_storage_write_new(loc, text, strlen(text))) != 0)
		goto done;
	if ((rc = floe_storage_sync(loc)) != 0) {
		floe_storage_delete(loc);
		goto done;
	}
	if (old) {
		const char *p[6] = {loc, old, c->name, ns, name, old};
		rc = run(
		    c, NULL,
		    "UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location "
		    "= ? WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND "
		    "metadata_location = ? AND iceberg_type = 'VIEW'",
		    6, p);
		if (rc == 0 && sqlite3_changes(c->db) != 1)
			rc = floe_error_set(FLOE_ECONFLICT, "view %s.%s changed concurrently", ns,
			                    name);
	} else {
		const char *p[4] = {c->name, ns, name, loc};
		rc = run(
		    c, NULL,
		    "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
		    "metadata_location, previous_metadata_location, iceberg_type) VALUES (?, ?, "
		    "?, ?, NULL, 'VIEW')",
		    4, p);
	}
	if (rc)
		floe_storage_delete(loc);
done:
	free(text);
	json_decref(sj);
	json_decref(meta);
	floe_free(loc);
	floe_free(vloc);
	floe_free(old);
	floe_free(type);
	return rc;
}

int floe_catalog_list_views(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	const char *p[2] = {c->name, ns};
	int rc;
	*out = NULL;
	*n = 0;
	if (c->db == NULL || !c->has_type_column)
		return 0; /* no views in fs or V0 catalogs */
	rc = run(
	    c, &st,
	    "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = "
	    "? AND iceberg_type = 'VIEW' ORDER BY table_name",
	    2, p);
	return rc ? rc : collect(c, st, out, n);
}

int floe_catalog_drop_view(floe_catalog *c, const char *ns, const char *name)
{
	const char *p[3] = {c->name, ns, name};
	int rc = need_views(c);
	if (rc == 0)
		rc =
		    run(c, NULL,
		        "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? "
		        "AND table_name = ? AND iceberg_type = 'VIEW'",
		        3, p);
	if (rc == 0 && sqlite3_changes(c->db) != 1)
		rc = floe_error_set(FLOE_ENOTFOUND, "view %s.%s does not exist", ns, name);
	return rc;
}

int floe_catalog_load_view(floe_catalog *c, const char *ns, const char *name, char **sql_out)
{
	char *loc = NULL, *type = NULL;
	json_t *meta = NULL;
	floe_buf b;
	int rc;
	*sql_out = NULL;
	if ((rc = need_views(c)) != 0 || (rc = view_current(c, ns, name, &loc, &type)) != 0)
		goto done;
	if (loc == NULL || strcmp(type, "VIEW") != 0) {
		rc = floe_error_set(FLOE_ENOTFOUND, "view %s.%s does not exist", ns, name);
		goto done;
	}
	if ((rc = floe_storage_read(&b, loc, 64u << 20)) == 0) {
		json_error_t err;
		meta = json_loadb(b.ptr, b.len, 0, &err);
		floe_buf_free(&b);
	}
	if (rc == 0) {
		json_int_t cur = json_integer_value(json_object_get(meta, "current-version-id"));
		const json_t *v;
		size_t i;
		json_array_foreach(json_object_get(meta, "versions"), i, v)
		{
			const json_t *r;
			size_t k;
			if (json_integer_value(json_object_get(v, "version-id")) != cur)
				continue;
			json_array_foreach(json_object_get(v, "representations"), k, r)
			{
				if (*sql_out == NULL && json_is_string(json_object_get(r, "sql")))
					*sql_out = floe_strdup(
					    json_string_value(json_object_get(r, "sql")));
			}
		}
		if (*sql_out == NULL)
			rc = floe_error_set(FLOE_ECORRUPT,
			                    "%s: view metadata has no SQL for its current "
			                    "version",
			                    loc);
	}
done:
	json_decref(meta);
	floe_free(loc);
	floe_free(type);
	return rc;
}
