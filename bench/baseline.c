/*
 * Benchmark baseline: plain DuckDB (same pinned library as floe) running SQL
 * given on the command line, as a separate process like floe, so the ratio
 * floe/baseline compares like with like. Prints nothing but errors.
 * usage: floe-baseline "SQL" [more statements ...]
 */
#include <stdio.h>

#include <duckdb.h>

int main(int argc, char **argv)
{
	duckdb_database db;
	duckdb_connection con;
	int rc = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: floe-baseline SQL...\n");
		return 2;
	}
	if (duckdb_open(NULL, &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError) {
		fprintf(stderr, "cannot open duckdb\n");
		return 1;
	}
	for (int i = 1; i < argc && rc == 0; i++) {
		duckdb_result res;
		if (duckdb_query(con, argv[i], &res) == DuckDBError) {
			fprintf(stderr, "%s\n", duckdb_result_error(&res));
			rc = 1;
		}
		duckdb_destroy_result(&res);
	}
	duckdb_disconnect(&con);
	duckdb_close(&db);
	return rc;
}
