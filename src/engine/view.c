/*
 * Exposing a table snapshot to SQL: the view "<ns>"."<table>" over the
 * snapshot's data files through read_parquet(..., schema = MAP{field id:
 * {name, type, default_value}}), so top-level columns bind by Iceberg field
 * id, not by name (DUCKDB-FACTS.md sections 5 and 7). A table without data
 * files is a typed view with no rows.
 */
#include <string.h>

#include "engine_internal.h"

/* whether a view of this database was made in schema ns before (the
 * caller holds the mutex) */
static bool schema_listed(const floe_kept_set *k, const char *ns)
{
	for (size_t i = 0; i < k->nschemas; i++)
		if (strcmp(k->schemas[i], ns) == 0)
			return true;
	return false;
}

static bool schema_known(floe_engine *e, const char *ns)
{
	bool known;
	pthread_mutex_lock(&e->kept->mu);
	known = schema_listed(e->kept, ns);
	pthread_mutex_unlock(&e->kept->mu);
	return known;
}

static void schema_remember(floe_engine *e, const char *ns)
{
	floe_kept_set *k = e->kept;
	char **g, *s = NULL;
	pthread_mutex_lock(&k->mu);
	if (!schema_listed(k, ns)) {
		g = floe_realloc(k->schemas, (k->nschemas + 1) * sizeof(char *));
		if (g)
			k->schemas = g;
		if (g && (s = floe_strdup(ns)) != NULL)
			k->schemas[k->nschemas++] = s;
		else
			floe_error_clear(); /* out of memory: only a statement lost */
	}
	pthread_mutex_unlock(&k->mu);
}

static int put_view_head(floe_buf *b, const char *ns, const char *name, bool make_schema)
{
	int rc = 0;
	if (make_schema) {
		rc = floe_buf_puts(b, "CREATE SCHEMA IF NOT EXISTS ");
		if (rc == 0)
			rc = floe_buf_put_sql_ident(b, ns);
		if (rc == 0)
			rc = floe_buf_puts(b, "; ");
	}
	if (rc == 0)
		rc = floe_buf_puts(b, "CREATE OR REPLACE VIEW ");
	if (rc == 0)
		rc = floe_buf_put_sql_ident(b, ns);
	if (rc == 0)
		rc = floe_buf_putc(b, '.');
	if (rc == 0)
		rc = floe_buf_put_sql_ident(b, name);
	return rc ? rc : floe_buf_puts(b, " AS ");
}

static int put_files(floe_buf *b, const floe_ice_data_file *files, size_t n)
{
	int rc = floe_buf_puts(b, " FROM read_parquet([");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *path = floe_storage_local_path(files[i].path);
		if (path == NULL)
			rc = floe_error_code();
		if (rc == 0 && i)
			rc = floe_buf_puts(b, ", ");
		if (rc == 0)
			rc = floe_buf_put_sql_string(b, path);
		floe_free(path);
	}
	return rc ? rc : floe_buf_puts(b, "]");
}

int floe_engine_drop_view(floe_engine *e, const char *ns, const char *name)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc;
	floe_buf_puts(&b, "DROP VIEW IF EXISTS ");
	floe_buf_put_sql_ident(&b, ns);
	floe_buf_putc(&b, '.');
	floe_buf_put_sql_ident(&b, name);
	rc = b.ptr ? floe_engine_exec(e, b.ptr) : FLOE_ENOMEM;
	floe_buf_free(&b);
	return rc;
}

/* The schema is made only the first time (a statement per view saved);
 * should it have been dropped since (a hook, run_query), the view is made
 * again with it. */
int floe_engine_register_select(floe_engine *e, const char *ns, const char *name,
                                const char *select)
{
	floe_buf b = FLOE_BUF_INIT;
	bool known = schema_known(e, ns);
	int rc = put_view_head(&b, ns, name, !known);
	if (rc == 0)
		rc = floe_buf_puts(&b, select);
	if (rc == 0)
		rc = floe_engine_exec(e, b.ptr);
	if (rc && rc != FLOE_ENOMEM && known) {
		floe_buf_free(&b);
		floe_error_clear();
		rc = put_view_head(&b, ns, name, true);
		if (rc == 0)
			rc = floe_buf_puts(&b, select);
		if (rc == 0)
			rc = floe_engine_exec(e, b.ptr);
	}
	if (rc == 0)
		schema_remember(e, ns);
	floe_buf_free(&b);
	return rc;
}

/* floe_unreadable."<ns>.<name>"(msg := <message>): a table macro */
static int put_error_macro(floe_buf *b, const char *ns, const char *name, const char *message)
{
	char *key = floe_asprintf("%s.%s", ns, name);
	int rc = key ? floe_buf_puts(b, "CREATE OR REPLACE MACRO floe_unreadable.") : FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_buf_put_sql_ident(b, key);
	if (rc == 0)
		rc = floe_buf_puts(b, "(msg := ");
	if (rc == 0)
		rc = message ? floe_buf_put_sql_string(b, message) : floe_buf_puts(b, "NULL");
	if (rc == 0)
		rc = floe_buf_puts(b, message ? ") AS TABLE SELECT * FROM range(error(msg)::BIGINT)"
		                              : ") AS TABLE SELECT 1 AS \"error\"");
	floe_free(key);
	return rc;
}

/*
 * The view reads a table macro that raises the message while the view is
 * bound: every statement that reads the view fails with it, whichever
 * columns it names (count(*) and LIMIT 0 included), and no other
 * statement does. DuckDB binds a view when it is made and a macro with
 * parameters only when it is called, so the view is made over a harmless
 * macro that is then replaced.
 */
int floe_engine_register_error(floe_engine *e, const char *ns, const char *name,
                               const char *message)
{
	floe_buf b = FLOE_BUF_INIT;
	char *key = floe_asprintf("%s.%s", ns, name);
	int rc =
	    key ? floe_buf_puts(&b, "CREATE SCHEMA IF NOT EXISTS floe_unreadable; ") : FLOE_ENOMEM;
	if (rc == 0)
		rc = put_error_macro(&b, ns, name, NULL);
	if (rc == 0)
		rc = floe_engine_exec(e, b.ptr);
	floe_buf_reset(&b);
	if (rc == 0)
		rc = floe_buf_puts(&b, "SELECT * FROM floe_unreadable.");
	if (rc == 0)
		rc = floe_buf_put_sql_ident(&b, key);
	if (rc == 0)
		rc = floe_buf_puts(&b, "()");
	if (rc == 0)
		rc = floe_engine_register_select(e, ns, name, b.ptr);
	floe_buf_reset(&b);
	if (rc == 0)
		rc = put_error_macro(&b, ns, name, message);
	if (rc == 0)
		rc = floe_engine_exec(e, b.ptr);
	floe_buf_free(&b);
	floe_free(key);
	return rc;
}

int floe_engine_create_view(floe_engine *e, const char *ns, const char *name, const char *body)
{
	int rc = floe_engine_check_select(e, body);
	if (rc)
		return floe_error_prefix("view %s.%s: ", ns, name);
	return floe_engine_register_select(e, ns, name, body);
}

int floe_engine_register_table(floe_engine *e, const char *ns, const char *name,
                               const floe_ice_schema *schema, const floe_ice_data_file *files,
                               size_t n)
{
	floe_buf b = FLOE_BUF_INIT;
	const floe_ice_type *root = schema->root;
	int rc = 0;
	if (n == 0) {
		rc = floe_buf_puts(&b, "SELECT ");
		for (size_t i = 0; rc == 0 && i < root->nfields; i++) {
			char *ty = floe_engine_duckdb_type(root->fields[i].type);
			rc = ty ? floe_buf_printf(&b, "%sCAST(NULL AS %s) AS ", i ? ", " : "", ty)
			        : FLOE_ENOMEM;
			if (rc == 0)
				rc = floe_buf_put_sql_ident(&b, root->fields[i].name);
			floe_free(ty);
		}
		if (rc == 0)
			rc = floe_buf_puts(&b, " WHERE false");
	} else {
		rc = floe_buf_puts(&b, "SELECT ");
		for (size_t i = 0; rc == 0 && i < root->nfields; i++) {
			if (i)
				rc = floe_buf_puts(&b, ", ");
			if (rc == 0)
				rc = floe_buf_put_sql_ident(&b, root->fields[i].name);
		}
		if (rc == 0)
			rc = put_files(&b, files, n);
		if (rc == 0)
			rc = floe_buf_puts(&b, ", schema = MAP {");
		for (size_t i = 0; rc == 0 && i < root->nfields; i++) {
			char *ty = floe_engine_duckdb_type(root->fields[i].type);
			rc = ty ? floe_buf_printf(&b, "%s%d: {name: ", i ? ", " : "",
			                          root->fields[i].id)
			        : FLOE_ENOMEM;
			if (rc == 0)
				rc = floe_buf_put_sql_string(&b, root->fields[i].name);
			if (rc == 0)
				rc = floe_buf_puts(&b, ", type: ");
			if (rc == 0)
				rc = floe_buf_put_sql_string(&b, ty);
			if (rc == 0)
				rc = floe_buf_puts(&b, ", default_value: NULL}");
			floe_free(ty);
		}
		if (rc == 0)
			rc = floe_buf_puts(&b, "})");
	}
	if (rc == 0)
		rc = floe_engine_register_select(e, ns, name, b.ptr);
	floe_buf_free(&b);
	return rc;
}

int floe_engine_register_table_by_name(floe_engine *e, const char *ns, const char *name,
                                       const floe_ice_schema *schema,
                                       const floe_ice_data_file *files, size_t n, bool evolved)
{
	floe_buf b = FLOE_BUF_INIT;
	const floe_ice_type *root = schema->root;
	int rc;
	if (n == 0)
		return floe_engine_register_table(e, ns, name, schema, files, n);
	rc = floe_buf_puts(&b, "SELECT ");
	for (size_t i = 0; rc == 0 && i < root->nfields; i++) {
		const char *col = root->fields[i].name;
		if (i)
			rc = floe_buf_puts(&b, ", ");
		/* the files' column is the field's Parquet name */
		char *pq = floe_ice_parquet_name(col);
		if (pq == NULL)
			rc = FLOE_ENOMEM;
		if (rc == 0 && evolved) {
			char *ty = floe_engine_duckdb_type(root->fields[i].type);
			rc = ty ? floe_buf_puts(&b, "CAST(") : FLOE_ENOMEM;
			if (rc == 0)
				rc = floe_buf_put_sql_ident(&b, pq);
			if (rc == 0)
				rc = floe_buf_printf(&b, " AS %s) AS ", ty);
			floe_free(ty);
		} else if (rc == 0 && strcmp(pq, col) != 0) {
			rc = floe_buf_put_sql_ident(&b, pq);
			if (rc == 0)
				rc = floe_buf_puts(&b, " AS ");
		}
		floe_free(pq);
		if (rc == 0)
			rc = floe_buf_put_sql_ident(&b, col);
	}
	if (rc == 0)
		rc = put_files(&b, files, n);
	if (rc == 0)
		rc = floe_buf_puts(&b, evolved ? ", union_by_name = true)" : ")");
	if (rc == 0)
		rc = floe_engine_register_select(e, ns, name, b.ptr);
	floe_buf_free(&b);
	return rc;
}
