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

typedef struct {
	pthread_mutex_t mu;
	floe_kept_result *items;
	size_t n;
	bool schema_made; /* "floe_results" exists in DuckDB */
	char **schemas;   /* schemas this database's views were made in */
	size_t nschemas;
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
/* FLOE_EENGINE with DuckDB's message, prefixed by what. */
int floe_engine_error(const char *what, const char *msg);
/* The view "<ns>"."<name>" AS select (its schema created if missing). */
int floe_engine_register_select(floe_engine *e, const char *ns, const char *name,
                                const char *select);
/* Run one query; on failure the result is destroyed and the error set. */
int floe_engine_query(floe_engine *e, const char *sql, duckdb_result *res);

#endif
