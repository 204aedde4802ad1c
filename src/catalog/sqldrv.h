/*
 * The SQL driver interface under the `sql` catalog: the Iceberg JDBC
 * catalog layout (sql.c) is written once against it, and each database
 * (SQLite in sqlite.c, PostgreSQL in pg.c) is a driver. A driver knows how
 * to reach its database, run a statement with positional text parameters
 * and read rows back, and how to tell a unique-key violation and a lock it
 * could not get from other failures; it knows nothing of the catalog's
 * tables except when asked whether they exist.
 *
 * SQL given to a driver uses `?` for parameters (each used once, numbered
 * by position) and the dialect SQLite and PostgreSQL share: standard DDL and
 * DML, `INSERT ... ON CONFLICT`, `substr`, `length`, `||`, `coalesce`.
 *
 * Every call returns 0 (or 1 for a row) or a negative FLOE_E* code with the
 * message set, naming the catalog as display() does: FLOE_EBUSY when a lock
 * could not be had in time, FLOE_ECATALOG otherwise. A connection is used
 * by one thread at a time.
 */
#ifndef FLOE_CATALOG_SQLDRV_H
#define FLOE_CATALOG_SQLDRV_H

#include "catalog_internal.h"

typedef struct sqldrv_conn sqldrv_conn;
typedef struct sqldrv_rows sqldrv_rows;

typedef struct {
	/* sqlite: a file path; postgresql: a postgresql:// URI (libpq's
	 * parameters kept, floe's taken out) */
	const char *location;
	catalog_mode mode;
	/* Called when the catalog does not exist yet (no file, an empty file,
	 * no catalog tables), before anything is created: 0 lets the open go
	 * on and the caller create the tables. display names the catalog;
	 * what says what was found ("does not exist"). */
	int (*may_create)(void *arg, const char *display, const char *what);
	void *arg;
} sqldrv_open_args;

typedef struct {
	const char *name; /* "sqlite", "postgresql" */
	/* Connect without writing (an existing catalog is only read until a
	 * statement writes). *out is freed with close. */
	int (*open)(sqldrv_conn **out, const sqldrv_open_args *args);
	void (*close)(sqldrv_conn *conn);
	/* How messages name the catalog: a path, a URI without its password. */
	const char *(*display)(const sqldrv_conn *conn);
	/* false when the catalog was opened read-only (mode=ro, or a file
	 * this user may not write) */
	bool (*writable)(const sqldrv_conn *conn);
	/* Run a statement that returns no rows; params[i] NULL binds NULL.
	 * *changes (may be NULL) gets the rows it inserted, updated or
	 * deleted. */
	int (*exec)(sqldrv_conn *conn, const char *sql, int n, const char *const *params,
	            int64_t *changes);
	/* Run a query; read its rows with step and the column accessors,
	 * then finish it (always, also after an error of step). */
	int (*query)(sqldrv_conn *conn, sqldrv_rows **out, const char *sql, int n,
	             const char *const *params);
	/* 1: a row is there; 0: no more rows; negative on error */
	int (*step)(sqldrv_rows *rows);
	/* The column of the current row as text, NULL for SQL NULL (borrowed
	 * until the next step or finish). */
	const char *(*text)(sqldrv_rows *rows, int col);
	int64_t (*int64)(sqldrv_rows *rows, int col);
	void (*finish)(sqldrv_rows *rows);
	/* A write transaction: begin takes the write lock where the database
	 * has one (SQLite's BEGIN IMMEDIATE), so that a transaction never
	 * fails half way for a lock. */
	int (*begin)(sqldrv_conn *conn);
	int (*commit)(sqldrv_conn *conn);
	/* Ends a failed transaction; keeps the message of the failure. */
	void (*rollback)(sqldrv_conn *conn);
	/* The column names of a table, in order (none when it does not exist).
	 * Free with floe_catalog_strings_free. */
	int (*columns)(sqldrv_conn *conn, const char *table, char ***out, size_t *n);
	/* What the last failed call met: a duplicate primary or unique key;
	 * a lock or a conflicting transaction (the work may be retried). */
	bool (*unique_violation)(const sqldrv_conn *conn);
	bool (*busy)(const sqldrv_conn *conn);
} sqldrv;

extern const sqldrv floe_sqldrv_sqlite;
extern const sqldrv floe_sqldrv_pg;

#endif
