/*
 * Private declarations shared by the files of the engine layer.
 */
#ifndef FLOE_ENGINE_INTERNAL_H
#define FLOE_ENGINE_INTERNAL_H

#include <duckdb.h>
#include <pthread.h>

#include "floe/engine.h"

/*
 * Results kept in DuckDB by floe_table_write_with(keep_result): one table
 * "floe_results"."<ns>.<name>" per table, and the view body that exposes it
 * with the Iceberg types. Shared by every connection of one database (the
 * engine that opened it owns it), hence the mutex.
 */
typedef struct {
	char *ns, *name;
	char *body; /* SELECT <casts> FROM "floe_results"."<ns>.<name>" */
} floe_kept_result;

/* An exposed table's local directory ("/.../ns/t/"), to name the table in
 * DuckDB errors that name one of its files. */
typedef struct {
	char *ident; /* "ns.t" */
	char *dir;
} floe_table_dir;

/* The live data files of a table's snapshot, as last exposed: exposing
 * the table again after appends reads only the manifests they added. */
typedef struct {
	char *ident, *uuid;
	int64_t snapshot_id;
	floe_ice_data_file *files; /* paths and counts; no column stats */
	size_t n;
} floe_scan_memo;

typedef struct {
	pthread_mutex_t mu;
	floe_kept_result *items;
	size_t n;
	bool schema_made; /* "floe_results" exists in DuckDB */
	char **schemas;   /* schemas this database's views were made in */
	size_t nschemas;
	floe_table_dir *tables; /* tables this database's views read */
	size_t ntables;
	floe_scan_memo *memos; /* one per table exposed at its current snapshot */
	size_t nmemos;
} floe_kept_set;

struct floe_engine {
	duckdb_database db;
	duckdb_connection con;
	bool db_open, con_open;
	char *temp_dir;
	bool own_temp;
	bool shared_db;      /* a connection of another engine's database */
	floe_kept_set *kept; /* owned unless shared_db */
};

duckdb_connection floe_engine_connection(floe_engine *e);

/*
 * Check the value of a table property floe reads (write.target-file-size-
 * bytes, write.metadata.previous-versions-max, commit.retry.*): an integer
 * within the property's bounds, else FLOE_EINVAL naming the property and
 * the bounds; other properties are not checked. Defined in
 * src/iceberg/updates.c, which checks set-properties with it; its
 * declaration belongs in floe/iceberg.h.
 */
int floe_ice_property_check(const char *key, const char *value);
/* FLOE_EENGINE with DuckDB's message, prefixed by what. */
int floe_engine_error(const char *what, const char *msg);
/* The view "<ns>"."<name>" AS select (its schema created if missing). */
int floe_engine_register_select(floe_engine *e, const char *ns, const char *name,
                                const char *select);
/* The view "<ns>"."<name>" that raises `message` in every statement that
 * reads it (a table macro floe_unreadable."<ns>.<name>" calling error()
 * while the view is bound): what an unreadable table or view becomes, so
 * that it fails only the statements that use it. */
int floe_engine_register_error(floe_engine *e, const char *ns, const char *name,
                               const char *message);
/* Remember that table ns.name lives at location (a URI), so that DuckDB
 * errors naming one of its files name the table too. */
int floe_engine_note_table(floe_engine *e, const char *ns, const char *name, const char *location);
/* Run one query; on failure the result is destroyed and the error set. */
int floe_engine_query(floe_engine *e, const char *sql, duckdb_result *res);

/* ---- a Parquet file's footer (footer.c) ---- */

/* One column chunk's statistics; min/max point into the footer. */
typedef struct {
	int64_t num_values; /* -1 if absent */
	int64_t null_count;
	bool has_null_count;
	const uint8_t *min, *max; /* plain-encoded values, NULL if absent */
	size_t min_len, max_len;
	bool min_exact, max_exact;
} floe_pq_chunk;

typedef struct {
	floe_buf raw;          /* the FileMetaData */
	floe_pq_chunk *chunks; /* ngroups x ncols, row group by row group */
	size_t ngroups, ncols, n;
} floe_pq_footer;

/* Read the footer of the local Parquet file at uri (the chunks in leaf
 * column order); free with floe_pq_footer_free. */
int floe_pq_footer_read(floe_pq_footer *f, const char *uri);
/* The same from a FileMetaData in memory (what names it in errors). */
int floe_pq_footer_parse(floe_pq_footer *f, const void *data, size_t len, const char *what);
void floe_pq_footer_free(floe_pq_footer *f);

#endif
