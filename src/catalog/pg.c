/*
 * The PostgreSQL driver of the `sql` catalog (sqldrv.h), through libpq.
 * The catalog URI is libpq's: postgresql://user[:password]@host:port/db
 * (or postgres://) with libpq's own query parameters; a password not in the
 * URI comes from PGPASSWORD or ~/.pgpass, as libpq finds it. Parameters are
 * sent as text ($1, $2, ... in place of the interface's `?`). Statements
 * run at READ COMMITTED: a compare-and-swap UPDATE that waits for another
 * writer's row lock re-reads the row and changes nothing when it moved, so
 * exactly one of any number of racing writers wins. A lock not had within
 * LOCK_TIMEOUT_MS is FLOE_EBUSY, as SQLite's busy timeout is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "sqldrv.h"

#define LOCK_TIMEOUT_OPTION "-c lock_timeout=5000"
#define CONNECT_TIMEOUT_S "10"
#define MAX_PARAMS 16
#define TEXT_OID 25

struct sqldrv_conn {
	PGconn *pg;
	char *display; /* the URI without its password */
	bool rw;
	char state[6]; /* SQLSTATE of the last failure */
};

struct sqldrv_rows {
	sqldrv_conn *conn;
	PGresult *res;
	int row, nrows;
};

static void quiet(void *arg, const char *message)
{
	(void)arg; /* notices ("relation already exists, skipping") are not errors */
	(void)message;
}

static bool state_is(const sqldrv_conn *k, const char *s)
{
	return strcmp(k->state, s) == 0;
}

static bool pg_busy(const sqldrv_conn *k)
{
	/* lock_not_available, serialization_failure, deadlock_detected */
	return state_is(k, "55P03") || state_is(k, "40001") || state_is(k, "40P01");
}

static bool pg_unique(const sqldrv_conn *k)
{
	return state_is(k, "23505");
}

/* The message of a failed result (res NULL: of the connection), with
 * its trailing newline cut. */
static int pg_error(sqldrv_conn *k, const PGresult *res, const char *what)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int len;
	if (msg == NULL)
		msg = PQerrorMessage(k->pg);
	len = (int)strcspn(msg, "\n");
	snprintf(k->state, sizeof(k->state), "%s", st ? st : "");
	if (pg_busy(k))
		return floe_error_set(FLOE_EBUSY,
		                      "catalog %s is locked by another process (%s: %.*s)",
		                      k->display, what, len, msg);
	if (state_is(k, "25006"))
		return floe_error_set(FLOE_ECATALOG, "catalog %s is read-only: %.*s (%s)",
		                      k->display, len, msg, what);
	return floe_error_set(FLOE_ECATALOG, "catalog %s: %.*s (%s)", k->display, len, msg, what);
}

/* The interface's `?` as $1, $2, ... (outside quoted strings and names). */
static int placeholders(floe_buf *out, const char *sql, int n)
{
	char quote = 0;
	int next = 1, rc = 0;
	for (const char *p = sql; rc == 0 && *p; p++) {
		if (quote) {
			quote = *p == quote ? 0 : quote;
			rc = floe_buf_putc(out, *p);
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
			rc = floe_buf_putc(out, *p);
		} else if (*p == '?') {
			rc = floe_buf_printf(out, "$%d", next++);
		} else {
			rc = floe_buf_putc(out, *p);
		}
	}
	if (rc == 0 && next - 1 != n)
		rc = floe_error_set(FLOE_EINVAL, "catalog SQL has %d parameters, %d given",
		                    next - 1, n);
	return rc;
}

static int run(sqldrv_conn *k, PGresult **out, const char *sql, int n, const char *const *params,
               const char *what)
{
	floe_buf q = FLOE_BUF_INIT;
	Oid types[MAX_PARAMS];
	PGresult *res;
	ExecStatusType st;
	int rc;
	*out = NULL;
	if (n > MAX_PARAMS)
		return floe_error_set(FLOE_EINVAL, "catalog SQL has more than %d parameters",
		                      MAX_PARAMS);
	if ((rc = placeholders(&q, sql, n)) != 0) {
		floe_buf_free(&q);
		return rc;
	}
	for (int i = 0; i < n; i++)
		types[i] = TEXT_OID;
	res = PQexecParams(k->pg, q.ptr, n, types, params, NULL, NULL, 0);
	floe_buf_free(&q);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		*out = res;
		return 0;
	}
	rc = pg_error(k, res, what);
	PQclear(res);
	return rc;
}

static int pg_exec(sqldrv_conn *k, const char *sql, int n, const char *const *params,
                   int64_t *changes)
{
	PGresult *res = NULL;
	int rc = run(k, &res, sql, n, params, "write");
	if (rc == 0 && changes)
		*changes = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return rc;
}

static int pg_query(sqldrv_conn *k, sqldrv_rows **out, const char *sql, int n,
                    const char *const *params)
{
	sqldrv_rows *r = floe_calloc(1, sizeof(*r));
	int rc;
	*out = NULL;
	if (r == NULL)
		return FLOE_ENOMEM;
	if ((rc = run(k, &r->res, sql, n, params, "read")) != 0) {
		floe_free(r);
		return rc;
	}
	r->conn = k;
	r->row = -1;
	r->nrows = PQntuples(r->res);
	*out = r;
	return 0;
}

static int pg_step(sqldrv_rows *r)
{
	if (r->row < r->nrows)
		r->row++;
	return r->row < r->nrows ? 1 : 0;
}

static const char *pg_text(sqldrv_rows *r, int col)
{
	if (r->row < 0 || r->row >= r->nrows || col >= PQnfields(r->res) ||
	    PQgetisnull(r->res, r->row, col))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

static int64_t pg_int(sqldrv_rows *r, int col)
{
	const char *s = pg_text(r, col);
	if (s == NULL)
		return 0;
	if (strcmp(s, "t") == 0) /* a boolean */
		return 1;
	return strtoll(s, NULL, 10);
}

static void pg_finish(sqldrv_rows *r)
{
	if (r == NULL)
		return;
	PQclear(r->res);
	floe_free(r);
}

static int pg_begin(sqldrv_conn *k)
{
	return pg_exec(k, "BEGIN", 0, NULL, NULL);
}

/* COMMIT of a transaction that failed is a ROLLBACK, not an error. */
static int pg_commit(sqldrv_conn *k)
{
	PGresult *res = NULL;
	int rc = run(k, &res, "COMMIT", 0, NULL, "commit");
	if (rc == 0 && strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = floe_error_set(FLOE_ECATALOG, "catalog %s: the transaction was rolled back",
		                    k->display);
	PQclear(res);
	return rc;
}

static void pg_rollback(sqldrv_conn *k)
{
	if (PQtransactionStatus(k->pg) != PQTRANS_IDLE)
		PQclear(PQexec(k->pg, "ROLLBACK"));
}

static int pg_columns(sqldrv_conn *k, const char *table, char ***out, size_t *n)
{
	sqldrv_rows *r = NULL;
	char **v = NULL;
	size_t cnt = 0;
	int rc = pg_query(k, &r,
	                  "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(?) AND "
	                  "attnum > 0 AND NOT attisdropped ORDER BY attnum",
	                  1, &table);
	*out = NULL;
	*n = 0;
	while (rc == 0 && pg_step(r) == 1) {
		char **g = floe_realloc(v, (cnt + 1) * sizeof(char *));
		if (g == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		v = g;
		if ((v[cnt] = floe_strdup(pg_text(r, 0) ? pg_text(r, 0) : "")) == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		cnt++;
	}
	pg_finish(r);
	if (rc) {
		floe_catalog_strings_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static const char *pg_display(const sqldrv_conn *k)
{
	return k->display;
}

static bool pg_writable(const sqldrv_conn *k)
{
	return k->rw;
}

/* postgresql://[user@][host][:port]/[db]: what messages may show. */
static int make_display(sqldrv_conn *k, const char *uri)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(uri, &err);
	const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;
	if (opts == NULL) {
		int rc =
		    err ? floe_error_set(FLOE_EINVAL, "catalog URI is not a PostgreSQL URI: %.*s",
		                         (int)strcspn(err, "\n"), err)
		        : floe_error_set(FLOE_ENOMEM, "out of memory");
		PQfreemem(err);
		return rc;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (o->val == NULL || *o->val == '\0')
			continue;
		if (strcmp(o->keyword, "user") == 0)
			user = o->val;
		else if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "port") == 0)
			port = o->val;
		else if (strcmp(o->keyword, "dbname") == 0)
			db = o->val;
	}
	k->display =
	    floe_asprintf("postgresql://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "",
	                  host ? host : "", port ? ":" : "", port ? port : "", db ? db : "");
	PQconninfoFree(opts);
	return k->display ? 0 : FLOE_ENOMEM;
}

static void pg_close(sqldrv_conn *k)
{
	if (k == NULL)
		return;
	PQfinish(k->pg);
	floe_free(k->display);
	floe_free(k);
}

/* Connect (libpq reads the password from the URI, PGPASSWORD or .pgpass);
 * a read-only catalog is a session whose transactions are read-only. The
 * catalog does not exist yet when its iceberg_tables table does not. */
static int pg_open(sqldrv_conn **out, const sqldrv_open_args *a)
{
	/* ours first: what the URI names overrides them */
	const char *keys[] = {"connect_timeout", "options", "fallback_application_name", "dbname",
	                      NULL};
	const char *vals[] = {CONNECT_TIMEOUT_S, LOCK_TIMEOUT_OPTION, "floe", a->location, NULL};
	sqldrv_conn *k = floe_calloc(1, sizeof(*k));
	char **cols = NULL;
	size_t ncols = 0;
	int rc;
	*out = NULL;
	if (k == NULL)
		return FLOE_ENOMEM;
	k->rw = a->mode != CATALOG_RO;
	if ((rc = make_display(k, a->location)) != 0)
		goto done;
	if ((k->pg = PQconnectdbParams(keys, vals, 1)) == NULL) {
		rc = floe_error_set(FLOE_ENOMEM, "out of memory");
		goto done;
	}
	if (PQstatus(k->pg) != CONNECTION_OK) {
		const char *msg = PQerrorMessage(k->pg);
		rc = floe_error_set(FLOE_ECATALOG, "catalog %s: cannot connect: %.*s", k->display,
		                    (int)strcspn(msg, "\n"), msg);
		goto done;
	}
	PQsetNoticeProcessor(k->pg, quiet, NULL);
	if (!k->rw &&
	    (rc = pg_exec(k, "SET default_transaction_read_only = on", 0, NULL, NULL)) != 0)
		goto done;
	if ((rc = pg_columns(k, "iceberg_tables", &cols, &ncols)) == 0 && ncols == 0)
		rc = a->may_create(a->arg, k->display, "has no catalog tables");
	floe_catalog_strings_free(cols, ncols);
done:
	if (rc) {
		pg_close(k);
		return rc;
	}
	*out = k;
	return 0;
}

const sqldrv floe_sqldrv_pg = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .display = pg_display,
    .writable = pg_writable,
    .exec = pg_exec,
    .query = pg_query,
    .step = pg_step,
    .text = pg_text,
    .int64 = pg_int,
    .finish = pg_finish,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .columns = pg_columns,
    .unique_violation = pg_unique,
    .busy = pg_busy,
};
