/*
 * Private declarations shared by the files of the engine layer.
 */
#ifndef FLOE_ENGINE_INTERNAL_H
#define FLOE_ENGINE_INTERNAL_H

#include <duckdb.h>

#include "floe/engine.h"

struct floe_engine {
	duckdb_database db;
	duckdb_connection con;
	bool db_open, con_open;
	char *temp_dir;
	bool own_temp;
	bool shared_db; /* a connection of another engine's database */
};

duckdb_connection floe_engine_connection(floe_engine *e);
/* FLOE_EENGINE with DuckDB's message, prefixed by what. */
int floe_engine_error(const char *what, const char *msg);
/* Run one query; on failure the result is destroyed and the error set. */
int floe_engine_query(floe_engine *e, const char *sql, duckdb_result *res);

#endif
