/*
 * The SQLite driver of the `sql` catalog (sqldrv.h): a catalog file in WAL
 * mode with a busy handler, so that several processes commit to one file
 * and readers are WAL readers that never wait for a writer. Opening writes
 * nothing to an existing catalog; a file floe may not write (or its
 * folder) is opened read-only, and immutable when not even SQLite's shared
 * memory file can be made. A missing or empty file is made only when the
 * caller's may_create allows it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "sqldrv.h"

#define BUSY_TIMEOUT_MS 5000

struct sqldrv_conn {
	sqlite3 *db;
	char *path;
	bool rw;
	int last_ext; /* extended result code of the last failure */
};

struct sqldrv_rows {
	sqldrv_conn *conn;
	sqlite3_stmt *st;
};

static int db_error(sqldrv_conn *k, int src, const char *what)
{
	int ext = k->db ? sqlite3_extended_errcode(k->db) : src;
	const char *msg = k->db ? sqlite3_errmsg(k->db) : sqlite3_errstr(src);
	k->last_ext = (src & 0xFF) == SQLITE_BUSY || (src & 0xFF) == SQLITE_LOCKED ? src : ext;
	if ((src & 0xFF) == SQLITE_BUSY || (src & 0xFF) == SQLITE_LOCKED)
		return floe_error_set(FLOE_EBUSY, "catalog %s is locked by another process (%s)",
		                      k->path, what);
	if ((src & 0xFF) == SQLITE_READONLY || (ext & 0xFF) == SQLITE_READONLY)
		return floe_error_set(FLOE_ECATALOG, "catalog %s is read-only: %s (%s)", k->path,
		                      msg, what);
	return floe_error_set(FLOE_ECATALOG, "catalog %s: %s (%s)", k->path, msg, what);
}

static int prepare(sqldrv_conn *k, sqlite3_stmt **out, const char *sql, int n,
                   const char *const *params)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(k->db, sql, -1, &st, NULL);
	*out = NULL;
	if (rc != SQLITE_OK)
		return db_error(k, rc, "prepare");
	for (int i = 0; i < n; i++) {
		rc = params[i] ? sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT)
		               : sqlite3_bind_null(st, i + 1);
		if (rc != SQLITE_OK) {
			rc = db_error(k, rc, "bind");
			sqlite3_finalize(st);
			return rc;
		}
	}
	*out = st;
	return 0;
}

static int lite_exec(sqldrv_conn *k, const char *sql, int n, const char *const *params,
                     int64_t *changes)
{
	sqlite3_stmt *st = NULL;
	int rc = prepare(k, &st, sql, n, params);
	if (rc)
		return rc;
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return db_error(k, rc, "write");
	if (changes)
		*changes = sqlite3_changes(k->db);
	return 0;
}

static int lite_query(sqldrv_conn *k, sqldrv_rows **out, const char *sql, int n,
                      const char *const *params)
{
	sqldrv_rows *r = floe_calloc(1, sizeof(*r));
	int rc;
	*out = NULL;
	if (r == NULL)
		return FLOE_ENOMEM;
	if ((rc = prepare(k, &r->st, sql, n, params)) != 0) {
		floe_free(r);
		return rc;
	}
	r->conn = k;
	*out = r;
	return 0;
}

static int lite_step(sqldrv_rows *r)
{
	int rc = sqlite3_step(r->st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_error(r->conn, rc, "read");
}

static const char *lite_text(sqldrv_rows *r, int col)
{
	return (const char *)sqlite3_column_text(r->st, col);
}

static int64_t lite_int64(sqldrv_rows *r, int col)
{
	return sqlite3_column_int64(r->st, col);
}

static void lite_finish(sqldrv_rows *r)
{
	if (r == NULL)
		return;
	sqlite3_finalize(r->st);
	floe_free(r);
}

static int lite_begin(sqldrv_conn *k)
{
	return lite_exec(k, "BEGIN IMMEDIATE", 0, NULL, NULL);
}

static int lite_commit(sqldrv_conn *k)
{
	return lite_exec(k, "COMMIT", 0, NULL, NULL);
}

static void lite_rollback(sqldrv_conn *k)
{
	if (!sqlite3_get_autocommit(k->db))
		sqlite3_exec(k->db, "ROLLBACK", NULL, NULL, NULL);
}

static int lite_columns(sqldrv_conn *k, const char *table, char ***out, size_t *n)
{
	sqldrv_rows *r = NULL;
	char **v = NULL;
	size_t cnt = 0;
	int rc = lite_query(k, &r, "SELECT name FROM pragma_table_info(?)", 1, &table);
	*out = NULL;
	*n = 0;
	while (rc == 0 && (rc = lite_step(r)) == 1) {
		char **g = floe_realloc(v, (cnt + 1) * sizeof(char *));
		if (g == NULL || (g[cnt] = floe_strdup(lite_text(r, 0))) == NULL) {
			v = g ? g : v;
			rc = FLOE_ENOMEM;
			break;
		}
		v = g;
		cnt++;
		rc = 0;
	}
	lite_finish(r);
	if (rc) {
		floe_catalog_strings_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static bool lite_unique(const sqldrv_conn *k)
{
	return k->last_ext == SQLITE_CONSTRAINT_PRIMARYKEY ||
	       k->last_ext == SQLITE_CONSTRAINT_UNIQUE;
}

static bool lite_busy(const sqldrv_conn *k)
{
	return (k->last_ext & 0xFF) == SQLITE_BUSY || (k->last_ext & 0xFF) == SQLITE_LOCKED;
}

static const char *lite_display(const sqldrv_conn *k)
{
	return k->path;
}

static bool lite_writable(const sqldrv_conn *k)
{
	return k->rw;
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

/* WAL mode, so that readers never wait for a writer. Only a catalog in
 * another mode (a file Java's JdbcCatalog made) is switched, and only when
 * that needs no wait: a switch that would block is left to a later open. */
static void use_wal(sqldrv_conn *k)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;
	if (prepare(k, &st, "PRAGMA journal_mode", 0, NULL) == 0) {
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
			wal = strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
		sqlite3_finalize(st);
	}
	if (!wal) {
		sqlite3_busy_handler(k->db, NULL, NULL);
		lite_exec(k, "PRAGMA journal_mode=WAL", 0, NULL, NULL);
		sqlite3_busy_handler(k->db, busy_wait, NULL);
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
static int open_immutable(sqldrv_conn *k)
{
	floe_buf u = FLOE_BUF_INIT;
	int rc = floe_buf_puts(&u, "file:");
	for (const char *p = k->path; rc == 0 && *p; p++)
		rc = (*p == '?' || *p == '#' || *p == '%') ? floe_buf_printf(&u, "%%%02X", *p)
		                                           : floe_buf_putc(&u, *p);
	if (rc == 0)
		rc = floe_buf_puts(&u, "?immutable=1");
	if (rc == 0) {
		sqlite3_close(k->db);
		k->db = NULL;
		rc = sqlite3_open_v2(u.ptr, &k->db,
		                     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_FULLMUTEX,
		                     NULL);
		rc = rc == SQLITE_OK ? 0 : db_error(k, rc, "open");
	}
	floe_buf_free(&u);
	return rc;
}

/* A read of the schema: the first thing that needs the file and, in WAL
 * mode, its shared memory. */
static int probe(sqldrv_conn *k)
{
	return lite_exec(k, "SELECT count(*) FROM sqlite_master", 0, NULL, NULL);
}

static void lite_close(sqldrv_conn *k)
{
	if (k == NULL)
		return;
	sqlite3_close(k->db);
	floe_free(k->path);
	floe_free(k);
}

/*
 * Open without writing: an existing catalog is only read until a statement
 * writes (no write transaction, no schema change, no lock a reader would
 * wait on), and opened read-only when the file or its folder is not
 * writable or the mode says ro.
 */
static int lite_open(sqldrv_conn **out, const sqldrv_open_args *a)
{
	sqldrv_conn *k = floe_calloc(1, sizeof(*k));
	struct stat sb;
	bool missing, empty;
	int flags, rc;
	*out = NULL;
	if (k == NULL || (k->path = floe_strdup(a->location)) == NULL) {
		floe_free(k);
		return FLOE_ENOMEM;
	}
	missing = stat(k->path, &sb) != 0;
	empty = !missing && sb.st_size == 0;
	k->rw = a->mode != CATALOG_RO && (missing || writable(k->path));
	flags = k->rw ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	if (missing && errno != ENOENT) {
		rc = floe_error_set(FLOE_ECATALOG, "catalog %s: %s", k->path, strerror(errno));
		goto done;
	}
	if ((missing || empty) &&
	    (rc = a->may_create(a->arg, k->path,
	                        missing ? "does not exist" : "is an empty file")) != 0)
		goto done;
	if (missing)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(k->path, &k->db, flags | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		rc = db_error(k, rc, "open");
		goto done;
	}
	sqlite3_busy_handler(k->db, busy_wait, NULL);
	if (k->rw)
		use_wal(k);
	rc = probe(k);
	if (rc && !k->rw &&
	    (sqlite3_errcode(k->db) == SQLITE_CANTOPEN ||
	     sqlite3_errcode(k->db) == SQLITE_READONLY)) {
		floe_error_clear();
		if ((rc = open_immutable(k)) == 0)
			rc = probe(k);
	}
done:
	if (rc) {
		lite_close(k);
		return rc;
	}
	*out = k;
	return 0;
}

const sqldrv floe_sqldrv_sqlite = {
    .name = "sqlite",
    .open = lite_open,
    .close = lite_close,
    .display = lite_display,
    .writable = lite_writable,
    .exec = lite_exec,
    .query = lite_query,
    .step = lite_step,
    .text = lite_text,
    .int64 = lite_int64,
    .finish = lite_finish,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .columns = lite_columns,
    .unique_violation = lite_unique,
    .busy = lite_busy,
};
