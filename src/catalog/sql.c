/*
 * The `sql` catalog backend: the table layout of Iceberg's JDBC catalog
 * (iceberg_tables, iceberg_namespace_properties; ICEBERG-NOTES.md section
 * 8), so that other implementations can open the same catalog, written once
 * over the SQL driver interface (sqldrv.h): SQLite (sqlite.c) and
 * PostgreSQL (pg.c) differ only in their drivers. Commits are a
 * compare-and-swap UPDATE on metadata_location (one statement, so one
 * transaction): the row count says who won. Views are rows with iceberg_type = 'VIEW' (the V1
 * layout); a V0 catalog (no iceberg_type column, as older JdbcCatalogs made
 * it) holds tables only. The tables are created only when missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqldrv.h"

typedef struct {
	const sqldrv *drv;
	sqldrv_conn *conn;
	bool has_type_column;
} jdbc;

/* the open's may_create: mode and where to look */
typedef struct {
	floe_catalog *c;
	catalog_mode mode;
} create_check;

static jdbc *J(floe_catalog *c)
{
	return c->backend;
}

static const char *display(floe_catalog *c)
{
	return J(c)->drv->display(J(c)->conn);
}

static int exec(floe_catalog *c, const char *sql, int n, const char *const *p, int64_t *changes)
{
	return J(c)->drv->exec(J(c)->conn, sql, n, p, changes);
}

static int query(floe_catalog *c, sqldrv_rows **out, const char *sql, int n, const char *const *p)
{
	return J(c)->drv->query(J(c)->conn, out, sql, n, p);
}

static int begin(floe_catalog *c)
{
	return J(c)->drv->begin(J(c)->conn);
}

/* Commit when rc is 0, else roll back; the result of the transaction. */
static int end(floe_catalog *c, int rc)
{
	if (rc == 0)
		rc = J(c)->drv->commit(J(c)->conn);
	if (rc)
		J(c)->drv->rollback(J(c)->conn);
	return rc;
}

static bool unique_violation(floe_catalog *c)
{
	return J(c)->drv->unique_violation(J(c)->conn);
}

static const char *type_filter(floe_catalog *c)
{
	return J(c)->has_type_column ? " AND (iceberg_type = 'TABLE' OR iceberg_type IS NULL)" : "";
}

/* The first column of every row. */
static int collect(floe_catalog *c, sqldrv_rows *r, char ***out, size_t *n)
{
	const sqldrv *d = J(c)->drv;
	char **v = NULL;
	size_t cnt = 0;
	int rc;
	*out = NULL;
	*n = 0;
	while ((rc = d->step(r)) == 1) {
		const char *s = d->text(r, 0);
		char **g = floe_realloc(v, (cnt + 1) * sizeof(char *));
		if (g == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		v = g;
		if ((v[cnt] = floe_strdup(s ? s : "")) == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		cnt++;
	}
	d->finish(r);
	if (rc) {
		floe_catalog_strings_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int query_strings(floe_catalog *c, const char *sql, int n, const char *const *p, char ***out,
                         size_t *cnt)
{
	sqldrv_rows *r = NULL;
	int rc = query(c, &r, sql, n, p);
	*out = NULL;
	*cnt = 0;
	return rc ? rc : collect(c, r, out, cnt);
}

/* ---- opening ---- */

/* A catalog that does not exist yet is made only where that loses
 * nothing: in a warehouse without Iceberg metadata, or when the URI says
 * mode=rwc. Elsewhere it is more likely lost (deleted, truncated, another
 * database) than new, and a new empty catalog would hide every table
 * beside it. */
static int may_create(void *arg, const char *name, const char *what)
{
	const create_check *cc = arg;
	char *wh, *found = NULL;
	int rc;
	if (cc->mode == CATALOG_RO || cc->mode == CATALOG_RW)
		return floe_error_set(FLOE_ENOTFOUND, "catalog %s %s (mode=%s creates none)", name,
		                      what, cc->mode == CATALOG_RO ? "ro" : "rw");
	if (cc->mode == CATALOG_RWC)
		return 0;
	if ((wh = floe_storage_local_path(cc->c->warehouse)) == NULL)
		return floe_error_code();
	rc = catalog_find_table_metadata(&found, wh);
	floe_free(wh);
	if (rc || found == NULL)
		return rc;
	floe_error_set(FLOE_ECATALOG,
	               "catalog %s %s, but the warehouse holds Iceberg tables (%s): restore "
	               "the catalog, or open it with ?mode=rwc to start an empty catalog "
	               "beside them",
	               name, what, found);
	floe_free(found);
	return FLOE_ECATALOG;
}

/* The catalog's two tables in one transaction (the V1 layout: with
 * iceberg_type). Another process may make them at the same time: when
 * that is why this failed, they are there now. */
static int create_schema(floe_catalog *c)
{
	int rc = begin(c);
	if (rc == 0)
		rc = exec(
		    c,
		    "CREATE TABLE IF NOT EXISTS iceberg_tables ("
		    "catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, "
		    "table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), "
		    "previous_metadata_location VARCHAR(1000), iceberg_type VARCHAR(5), "
		    "PRIMARY KEY (catalog_name, table_namespace, table_name))",
		    0, NULL, NULL);
	if (rc == 0)
		rc = exec(c,
		          "CREATE TABLE IF NOT EXISTS iceberg_namespace_properties ("
		          "catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL, "
		          "property_key VARCHAR(255), property_value VARCHAR(1000), "
		          "PRIMARY KEY (catalog_name, namespace, property_key))",
		          0, NULL, NULL);
	return end(c, rc);
}

/* How many columns each of the catalog's tables has (0: missing), and
 * whether iceberg_tables has iceberg_type. */
static int read_schema(floe_catalog *c, size_t *ntables, size_t *nprops)
{
	const sqldrv *d = J(c)->drv;
	char **v = NULL;
	int rc = d->columns(J(c)->conn, "iceberg_tables", &v, ntables);
	J(c)->has_type_column = false;
	for (size_t i = 0; rc == 0 && i < *ntables; i++)
		if (strcmp(v[i], "iceberg_type") == 0)
			J(c)->has_type_column = true;
	floe_catalog_strings_free(v, *ntables);
	if (rc == 0 &&
	    (rc = d->columns(J(c)->conn, "iceberg_namespace_properties", &v, nprops)) == 0)
		floe_catalog_strings_free(v, *nprops);
	return rc;
}

/* sqlite:PATH (sqlite: alone: <warehouse>/catalog.db) */
static char *sqlite_path(floe_catalog *c, const char *spec)
{
	const char *p = spec + 7;
	char *wh, *path;
	if (floe_str_starts_with(p, "//"))
		p += 2;
	if (*p != '\0')
		return floe_strdup(p);
	wh = floe_storage_local_path(c->warehouse);
	path = wh ? floe_asprintf("%s/catalog.db", wh) : NULL;
	floe_free(wh);
	return path;
}

static int sql_open(floe_catalog *c, const char *spec, catalog_mode mode)
{
	jdbc *j = floe_calloc(1, sizeof(*j));
	create_check cc = {c, mode};
	sqldrv_open_args a = {.mode = mode, .may_create = may_create, .arg = &cc};
	char *path = NULL;
	size_t nt = 0, np = 0;
	int rc;
	if ((c->backend = j) == NULL)
		return FLOE_ENOMEM;
	if (floe_str_starts_with(spec, "sqlite:")) {
		j->drv = &floe_sqldrv_sqlite;
		if ((a.location = path = sqlite_path(c, spec)) == NULL)
			return FLOE_ENOMEM;
	} else {
		j->drv = &floe_sqldrv_pg;
		a.location = spec;
	}
	rc = j->drv->open(&j->conn, &a);
	floe_free(path);
	if (rc == 0)
		rc = read_schema(c, &nt, &np);
	if (rc || (nt > 0 && np > 0))
		return rc;
	if (!j->drv->writable(j->conn))
		return floe_error_set(
		    FLOE_ECATALOG,
		    "catalog %s has no iceberg_tables and "
		    "iceberg_namespace_properties tables (read-only: not created)",
		    display(c));
	if ((rc = create_schema(c)) != 0) {
		if (!unique_violation(c) && !j->drv->busy(j->conn))
			return rc;
		floe_error_clear(); /* made by another process meanwhile? */
	}
	if ((rc = read_schema(c, &nt, &np)) == 0 && (nt == 0 || np == 0))
		rc = floe_error_set(FLOE_ECATALOG, "catalog %s: its tables could not be created",
		                    display(c));
	return rc;
}

static void sql_close(floe_catalog *c)
{
	jdbc *j = c->backend;
	if (j == NULL)
		return;
	if (j->conn)
		j->drv->close(j->conn);
	floe_free(j);
	c->backend = NULL;
}

/* ---- namespaces ---- */

#define INSERT_PROPERTY                                                                            \
	"INSERT INTO iceberg_namespace_properties (catalog_name, namespace, property_key, "        \
	"property_value) VALUES (?, ?, ?, ?)"

static int ns_create(floe_catalog *c, const char *ns, const json_t *props)
{
	const char *k;
	json_t *v;
	const char *p[4] = {c->name, ns, "exists", "true"};
	int rc = begin(c);
	if (rc)
		return rc;
	rc = exec(c, INSERT_PROPERTY, 4, p, NULL);
	if (rc && unique_violation(c))
		rc = floe_error_set(FLOE_EEXISTS, "namespace %s already exists", ns);
	if (props)
		json_object_foreach((json_t *)props, k, v)
		{
			if (rc || strcmp(k, "exists") == 0)
				continue;
			p[2] = k;
			p[3] = json_is_string(v) ? json_string_value(v) : "";
			rc = exec(c, INSERT_PROPERTY, 4, p, NULL);
		}
	return end(c, rc);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ns_create_many(floe_catalog *c, char *const *ns, size_t n)
{
	/* in one order, so that two transactions inserting the same names
	 * never wait for each other crosswise */
	char **sorted = floe_calloc(n ? n : 1, sizeof(char *));
	int rc = sorted ? begin(c) : FLOE_ENOMEM;
	if (sorted) {
		memcpy(sorted, ns, n * sizeof(char *));
		qsort(sorted, n, sizeof(char *), cmp_str);
	}
	if (rc) {
		floe_free(sorted);
		return rc;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *p[4] = {c->name, sorted[i], "exists", "true"};
		/* another process may have made it since it was checked */
		rc = exec(c, INSERT_PROPERTY " ON CONFLICT DO NOTHING", 4, p, NULL);
	}
	floe_free(sorted);
	return end(c, rc);
}

/* A namespace exists when it has properties or a table lies in it or in a
 * namespace below it (compared case-sensitively, as Iceberg names are:
 * LIKE would not be everywhere). */
static int ns_exists(floe_catalog *c, const char *ns)
{
	sqldrv_rows *r = NULL;
	const char *p[6] = {c->name, ns, c->name, ns, ns, ns};
	int rc = query(c, &r,
	               "SELECT 1 FROM iceberg_namespace_properties WHERE catalog_name = ? AND "
	               "namespace = ? UNION ALL SELECT 1 FROM iceberg_tables WHERE catalog_name = "
	               "? AND (table_namespace = ? OR substr(table_namespace, 1, length(?) + 1) = "
	               "? || '.') LIMIT 1",
	               6, p);
	if (rc == 0)
		rc = J(c)->drv->step(r);
	if (r)
		J(c)->drv->finish(r);
	return rc;
}

static int ns_all(floe_catalog *c, char ***out, size_t *n)
{
	const char *p[2] = {c->name, c->name};
	return query_strings(c,
	                     "SELECT namespace FROM iceberg_namespace_properties WHERE "
	                     "catalog_name = ? UNION SELECT table_namespace FROM iceberg_tables "
	                     "WHERE catalog_name = ?",
	                     2, p, out, n);
}

static int ns_props(floe_catalog *c, const char *ns, json_t **out)
{
	const sqldrv *d = J(c)->drv;
	sqldrv_rows *r = NULL;
	const char *p[2] = {c->name, ns};
	json_t *obj = json_object();
	int rc;
	if (obj == NULL)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	rc = query(c, &r,
	           "SELECT property_key, property_value FROM iceberg_namespace_properties WHERE "
	           "catalog_name = ? AND namespace = ? AND property_key <> 'exists' ORDER BY 1",
	           2, p);
	while (rc == 0 && (rc = d->step(r)) == 1) {
		const char *k = d->text(r, 0), *v = d->text(r, 1);
		rc = k && json_object_set_new(obj, k, json_string(v ? v : "")) != 0
		         ? floe_error_set(FLOE_ENOMEM,
		                          "namespace %s: property '%s' cannot be "
		                          "held (out of memory or not UTF-8)",
		                          ns, k)
		         : 0;
	}
	if (r)
		d->finish(r);
	if (rc) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

static int ns_update(floe_catalog *c, const char *ns, const json_t *set, const json_t *remove)
{
	const char *k;
	json_t *v;
	size_t i;
	int rc = begin(c);
	if (rc)
		return rc;
	json_array_foreach(remove, i, v)
	{
		const char *p[3] = {c->name, ns, json_string_value(v)};
		if (rc == 0 && p[2] && strcmp(p[2], "exists") != 0)
			rc = exec(
			    c,
			    "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND "
			    "namespace = ? AND property_key = ?",
			    3, p, NULL);
	}
	if (set)
		json_object_foreach((json_t *)set, k, v)
		{
			const char *p[4] = {c->name, ns, k, json_string_value(v)};
			if (rc == 0)
				rc = exec(c,
				          INSERT_PROPERTY
				          " ON CONFLICT (catalog_name, namespace, "
				          "property_key) DO UPDATE SET property_value = "
				          "excluded.property_value",
				          4, p, NULL);
		}
	return end(c, rc);
}

static int ns_drop(floe_catalog *c, const char *ns)
{
	const char *p[2] = {c->name, ns};
	return exec(
	    c, "DELETE FROM iceberg_namespace_properties WHERE catalog_name = ? AND namespace = ?",
	    2, p, NULL);
}

/* ---- tables ---- */

static int tbl_list(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	const char *p[2] = {c->name, ns};
	char sql[300];
	snprintf(sql, sizeof(sql),
	         "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND "
	         "table_namespace = ?%s",
	         type_filter(c));
	return query_strings(c, sql, 2, p, out, n);
}

/* The row of ns.name: its metadata location and whether it is a view.
 * FLOE_ENOTFOUND when there is none, FLOE_ECORRUPT when it has no
 * location. */
static int row(floe_catalog *c, const char *ns, const char *name, const char *filter, char **loc,
               bool *is_view)
{
	const sqldrv *d = J(c)->drv;
	sqldrv_rows *r = NULL;
	const char *p[3] = {c->name, ns, name};
	char sql[400];
	int rc;
	*loc = NULL;
	snprintf(sql, sizeof(sql),
	         "SELECT metadata_location, %s FROM iceberg_tables WHERE catalog_name = ? AND "
	         "table_namespace = ? AND table_name = ?%s",
	         J(c)->has_type_column ? "CASE WHEN iceberg_type = 'VIEW' THEN 1 ELSE 0 END" : "0",
	         filter);
	if ((rc = query(c, &r, sql, 3, p)) != 0)
		return rc;
	rc = d->step(r);
	if (rc == 1 && d->text(r, 0) != NULL) {
		*is_view = d->int64(r, 1) != 0;
		*loc = floe_strdup(d->text(r, 0));
		rc = *loc ? 0 : FLOE_ENOMEM;
	} else if (rc == 1) {
		rc = floe_error_set(FLOE_ECORRUPT, "%s %s.%s has no metadata location",
		                    d->int64(r, 1) ? "view" : "table", ns, name);
	} else if (rc == 0) {
		rc = floe_error_set(FLOE_ENOTFOUND, "table %s.%s does not exist", ns, name);
	}
	d->finish(r);
	return rc;
}

static int tbl_current(floe_catalog *c, const char *ns, const char *name, char **loc)
{
	bool is_view;
	return row(c, ns, name, type_filter(c), loc, &is_view);
}

static int tbl_create(floe_catalog *c, const char *ns, const char *name, const char *table_loc,
                      const floe_buf *json, char **loc_out)
{
	char *loc = floe_catalog_next_metadata(table_loc, NULL);
	const char *p[4] = {c->name, ns, name, loc};
	int rc;
	if (loc == NULL)
		return FLOE_ENOMEM;
	if ((rc = catalog_write_metadata(loc, json)) != 0) {
		floe_free(loc);
		return rc;
	}
	rc = exec(c,
	          J(c)->has_type_column
	              ? "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
	                "metadata_location, previous_metadata_location, iceberg_type) VALUES "
	                "(?, ?, ?, ?, NULL, 'TABLE')"
	              : "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
	                "metadata_location, previous_metadata_location) VALUES (?, ?, ?, ?, NULL)",
	          4, p, NULL);
	if (rc && unique_violation(c))
		rc = floe_error_set(FLOE_EEXISTS, "table %s.%s already exists", ns, name);
	if (rc) {
		floe_storage_delete(loc);
		floe_free(loc);
		return rc;
	}
	*loc_out = loc;
	return 0;
}

/* The compare-and-swap: the row moves from old_loc to loc only if it is
 * still at old_loc; one row changed is a win. One UPDATE statement, a
 * transaction of its own (one round trip to a server): a writer that
 * waits for another's row lock re-reads the row and finds it moved. */
static int swap_row(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
                    const char *loc, const char *filter)
{
	const char *p[6] = {loc, old_loc, c->name, ns, name, old_loc};
	int64_t changed = 0;
	char sql[400];
	int rc;
	snprintf(sql, sizeof(sql),
	         "UPDATE iceberg_tables SET metadata_location = ?, previous_metadata_location = ? "
	         "WHERE catalog_name = ? AND table_namespace = ? AND table_name = ? AND "
	         "metadata_location = ?%s",
	         filter);
	rc = exec(c, sql, 6, p, &changed);
	return rc == 0 && changed != 1 ? CATALOG_LOST_SWAP : rc;
}

static int tbl_swap(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
                    const char *table_loc, const floe_buf *json, char **loc_out)
{
	char *loc = floe_catalog_next_metadata(table_loc, old_loc);
	int rc;
	if (loc == NULL)
		return FLOE_ENOMEM;
	if ((rc = catalog_write_metadata(loc, json)) == 0)
		rc = swap_row(c, ns, name, old_loc, loc, type_filter(c));
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
	int64_t changed = 0;
	char sql[400];
	int rc;
	snprintf(sql, sizeof(sql),
	         "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? AND "
	         "table_name = ?%s%s",
	         type_filter(c), expect_loc ? " AND metadata_location = ?" : "");
	rc = exec(c, sql, expect_loc ? 4 : 3, p, &changed);
	if (rc || changed == 1)
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
	const sqldrv *d = J(c)->drv;
	sqldrv_rows *r = NULL;
	const char *p[1] = {c->name};
	catalog_entry *v = NULL;
	size_t cnt = 0;
	int rc;
	*out = NULL;
	*n = 0;
	rc = query(c, &r,
	           J(c)->has_type_column
	               ? "SELECT table_namespace, table_name, metadata_location, CASE WHEN "
	                 "iceberg_type = 'VIEW' THEN 1 ELSE 0 END FROM iceberg_tables WHERE "
	                 "catalog_name = ?"
	               : "SELECT table_namespace, table_name, metadata_location, 0 FROM "
	                 "iceberg_tables WHERE catalog_name = ?",
	           1, p);
	while (rc == 0 && (rc = d->step(r)) == 1) {
		catalog_entry *g = floe_realloc(v, (cnt + 1) * sizeof(*v));
		const char *ns = d->text(r, 0), *name = d->text(r, 1), *ml = d->text(r, 2);
		if (g == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		v = g;
		memset(&v[cnt], 0, sizeof(*v));
		v[cnt].ns = floe_strdup(ns ? ns : "");
		v[cnt].name = floe_strdup(name ? name : "");
		v[cnt].metadata_location = ml ? floe_strdup(ml) : NULL;
		v[cnt].is_view = d->int64(r, 3) != 0;
		cnt++;
		rc = !v[cnt - 1].ns || !v[cnt - 1].name || (ml && !v[cnt - 1].metadata_location)
		         ? FLOE_ENOMEM
		         : 0;
	}
	if (r)
		d->finish(r);
	if (rc) {
		catalog_entries_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* ---- views: rows with iceberg_type = 'VIEW', as Iceberg's JDBC catalog
 * stores them (the V1 layout) ---- */

static int need_views(floe_catalog *c)
{
	if (!J(c)->has_type_column)
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "catalog %s has the V0 layout (no iceberg_type column): it "
		                      "cannot hold views",
		                      display(c));
	return 0;
}

static int view_current(floe_catalog *c, const char *ns, const char *name, char **loc)
{
	bool is_view = false;
	int rc = need_views(c);
	if (rc == 0)
		rc = row(c, ns, name, "", loc, &is_view);
	if (rc == FLOE_ENOTFOUND)
		return floe_error_set(FLOE_ENOTFOUND, "view %s.%s does not exist", ns, name);
	if (rc == 0 && !is_view) {
		floe_free(*loc);
		*loc = NULL;
		return floe_error_set(FLOE_EEXISTS, "%s.%s is a table, not a view", ns, name);
	}
	return rc;
}

static int view_replace(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
                        const char *view_loc, const floe_buf *json, char **loc_out)
{
	char *loc = NULL;
	int rc = need_views(c);
	if (rc)
		return rc;
	if ((loc = floe_catalog_next_metadata(view_loc, old_loc)) == NULL)
		return FLOE_ENOMEM;
	if ((rc = catalog_write_metadata(loc, json)) == 0 && old_loc) {
		rc = swap_row(c, ns, name, old_loc, loc, " AND iceberg_type = 'VIEW'");
	} else if (rc == 0) {
		const char *p[4] = {c->name, ns, name, loc};
		rc = exec(
		    c,
		    "INSERT INTO iceberg_tables (catalog_name, table_namespace, table_name, "
		    "metadata_location, previous_metadata_location, iceberg_type) VALUES (?, ?, "
		    "?, ?, NULL, 'VIEW')",
		    4, p, NULL);
		if (rc && unique_violation(c))
			rc = floe_error_set(FLOE_EEXISTS, "%s.%s already exists", ns, name);
	}
	if (rc) {
		floe_storage_delete(loc);
		floe_free(loc);
		return rc;
	}
	*loc_out = loc;
	return 0;
}

static int view_list(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	const char *p[2] = {c->name, ns};
	*out = NULL;
	*n = 0;
	if (!J(c)->has_type_column)
		return 0; /* a V0 catalog holds no views */
	return query_strings(c,
	                     "SELECT table_name FROM iceberg_tables WHERE catalog_name = ? AND "
	                     "table_namespace = ? AND iceberg_type = 'VIEW'",
	                     2, p, out, n);
}

static int view_drop(floe_catalog *c, const char *ns, const char *name)
{
	const char *p[3] = {c->name, ns, name};
	int64_t changed = 0;
	int rc = need_views(c);
	if (rc == 0)
		rc = exec(
		    c,
		    "DELETE FROM iceberg_tables WHERE catalog_name = ? AND table_namespace = ? "
		    "AND table_name = ? AND iceberg_type = 'VIEW'",
		    3, p, &changed);
	if (rc == 0 && changed != 1)
		rc = floe_error_set(FLOE_ENOTFOUND, "view %s.%s does not exist", ns, name);
	return rc;
}

const catalog_ops floe_catalog_sql_ops = {
    .open = sql_open,
    .ns_create = ns_create,
    .ns_create_many = ns_create_many,
    .ns_exists = ns_exists,
    .ns_all = ns_all,
    .ns_props = ns_props,
    .ns_update = ns_update,
    .ns_drop = ns_drop,
    .tbl_list = tbl_list,
    .tbl_current = tbl_current,
    .tbl_create = tbl_create,
    .tbl_swap = tbl_swap,
    .tbl_drop = tbl_drop,
    .entries = entries,
    .view_current = view_current,
    .view_replace = view_replace,
    .view_list = view_list,
    .view_drop = view_drop,
    .close = sql_close,
};
