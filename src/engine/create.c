/*
 * Creating a table from column definitions (`CREATE TABLE ns.t (a INT, b
 * VARCHAR)`), a table operation of the engine layer next to table.c's
 * writes. floe parses no SQL beyond statement heads (DESIGN.md): DuckDB
 * parses the definitions into a scratch temp table, whose columns then go
 * through the same describe (type mapping, casts, refusals) as a CTAS. An
 * Iceberg table keeps no constraints, defaults or generated columns, so
 * those are refused, naming the column, rather than silently dropped. The
 * new table has no snapshot, as a CREATE TABLE of other engines; a replace
 * of an existing table is an overwrite with no rows.
 */
#include <stdio.h>
#include <string.h>

#include "floe/engine.h"

/* The first constraint, DEFAULT or generated column of the scratch table,
 * as an error; 0 when there is none. */
static int refuse_constraints(floe_engine *e, const char *scratch, const char *ident)
{
	floe_engine_rows *cons = NULL, *defs = NULL;
	char *q1 = floe_asprintf(
	    "SELECT constraint_type, array_to_string(constraint_column_names, ', ') FROM "
	    "duckdb_constraints() WHERE database_name = 'temp' AND table_name = '%s' "
	    "ORDER BY constraint_index",
	    scratch);
	char *q2 = floe_asprintf("SELECT column_name FROM duckdb_columns() WHERE database_name = "
	                         "'temp' AND table_name = '%s' AND column_default IS NOT NULL "
	                         "ORDER BY column_index",
	                         scratch);
	int rc = q1 && q2 ? floe_engine_query_rows(e, q1, 1, &cons) : FLOE_ENOMEM;
	if (rc == 0 && cons->nrows > 0) {
		rc = floe_error_set(FLOE_EUNSUPPORTED,
		                    "table %s: an Iceberg table cannot keep the %s constraint on "
		                    "%s (floe writes no constraints): remove it",
		                    ident, cons->rows[0][0] ? cons->rows[0][0] : "?",
		                    cons->rows[0][1] ? cons->rows[0][1] : "?");
		goto done;
	}
	if (rc == 0)
		rc = floe_engine_query_rows(e, q2, 1, &defs);
	if (rc == 0 && defs->nrows > 0)
		rc = floe_error_set(FLOE_EUNSUPPORTED,
		                    "table %s: column \"%s\" has a DEFAULT or generated value, "
		                    "which an Iceberg table cannot keep: remove it",
		                    ident, defs->rows[0][0] ? defs->rows[0][0] : "?");
done:
	floe_engine_rows_free(defs);
	floe_engine_rows_free(cons);
	floe_free(q2);
	floe_free(q1);
	return rc;
}

/* Register the table with the schema of `query` and no snapshot. */
static int create_empty(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                        const char *query)
{
	floe_ice_schema *schema = NULL;
	char *select = NULL, *location = NULL;
	json_t *updates = NULL;
	int next_id = 1;
	int rc = floe_engine_describe(e, query, NULL, &next_id, &schema, &select);
	if (rc)
		goto done;
	if ((location = floe_catalog_default_location(c, ns, name)) == NULL) {
		rc = floe_error_code() ? floe_error_code() : FLOE_ENOMEM;
		goto done;
	}
	if ((updates = floe_ice_create_updates(location, schema, NULL)) == NULL) {
		rc = floe_error_code() ? floe_error_code() : FLOE_ENOMEM;
		goto done;
	}
	rc = floe_catalog_create_table(c, ns, name, updates, NULL, NULL);
done:
	json_decref(updates);
	floe_free(location);
	floe_free(select);
	floe_ice_schema_free(schema);
	return rc;
}

/* Drop the scratch table. An earlier failure (rc) keeps its message; a
 * failure of the drop itself is reported only when nothing else failed. */
static int drop_scratch(floe_engine *e, const char *scratch, int rc)
{
	char *saved = rc ? floe_strdup(floe_error_message()) : NULL;
	char *drop = floe_asprintf("DROP TABLE IF EXISTS temp.main.\"%s\"", scratch);
	int drc = drop ? floe_engine_exec(e, drop) : FLOE_ENOMEM;
	floe_free(drop);
	if (rc) {
		floe_error_set(rc, "%s", saved ? saved : "out of memory");
		drc = rc;
	}
	floe_free(saved);
	return drc;
}

int floe_table_create_columns(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                              const char *columns, floe_write_mode mode, floe_write_result *res)
{
	char scratch[48], *ident = floe_asprintf("%s.%s", ns, name), *sql = NULL, *query = NULL;
	bool made = false;
	uint8_t u[16];
	int rc, exists;

	*res = (floe_write_result){.snapshot_id = -1};
	if (ident == NULL)
		return FLOE_ENOMEM;
	if (mode == FLOE_WRITE_APPEND) {
		rc = floe_error_set(FLOE_EINVAL, "table %s: column definitions cannot append",
		                    ident);
		goto done;
	}
	if ((exists = floe_catalog_table_exists(c, ns, name)) < 0) {
		rc = exists;
		goto done;
	}
	if (exists && mode != FLOE_WRITE_REPLACE) {
		res->skipped = mode == FLOE_WRITE_CREATE_IF_ABSENT;
		rc = res->skipped ? 0
		                  : floe_error_set(FLOE_EEXISTS, "table %s already exists", ident);
		goto done;
	}
	if (!exists && (rc = floe_catalog_namespace_exists(c, ns)) <= 0) {
		if (rc == 0)
			rc = floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist", ns);
		goto done;
	}

	/* DuckDB parses the definitions into a scratch table of this connection */
	floe_uuid_v4(u);
	memcpy(scratch, "__floe_columns_", 16);
	for (int i = 0; i < 16; i++)
		snprintf(scratch + 15 + 2 * i, 3, "%02x", u[i]);
	sql = floe_asprintf("CREATE TEMP TABLE \"%s\" %s", scratch, columns);
	query = floe_asprintf("SELECT * FROM temp.main.\"%s\"", scratch);
	if (sql == NULL || query == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((rc = floe_engine_exec(e, sql)) != 0) {
		floe_error_prefix("table %s: ", ident);
		goto done;
	}
	made = true;
	if ((rc = refuse_constraints(e, scratch, ident)) != 0)
		goto done;
	if (exists) { /* REPLACE: an overwrite with no rows, history kept */
		rc = floe_table_write(e, c, ns, name, query, FLOE_WRITE_REPLACE, res);
		goto done;
	}
	rc = create_empty(e, c, ns, name, query);
	if (rc == FLOE_EEXISTS && mode == FLOE_WRITE_CREATE_IF_ABSENT) {
		floe_error_clear(); /* created concurrently */
		res->skipped = true;
		rc = 0;
	} else if (rc == 0) {
		res->attempts = 1;
	} else if (rc != FLOE_EEXISTS) {
		floe_error_prefix("table %s: ", ident);
	}
done:
	if (made)
		rc = drop_scratch(e, scratch, rc);
	floe_free(query);
	floe_free(sql);
	floe_free(ident);
	return rc;
}
