/* Unit tests of the catalog layer on both backends (SQLite in the JDBC
 * layout, hadoop fs): namespaces (one by one and ensured in a batch),
 * tables, commits with compare-and-swap, conflicts between two handles, the
 * exact JDBC table layout and a V0 file without iceberg_type; view
 * metadata. With FLOE_TEST_PG_URI set (tests/e2e/test_catalog_pg.sh sets
 * it) the backend-independent tests run on that PostgreSQL database
 * instead, whose catalog tables they drop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <libpq-fe.h>
#include <cmocka.h>

#include "floe/catalog.h"

static char dir[64];
static const char *uri;
static bool fs; /* the fs catalog (no views) */

static int setup_sql(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/floe-cat-XXXXXX");
	uri = NULL;
	fs = false;
	return mkdtemp(dir) ? 0 : -1;
}

static int setup_fs(void **state)
{
	int rc = setup_sql(state);
	uri = "fs:";
	fs = true;
	return rc;
}

/* An empty PostgreSQL catalog: the JDBC tables of FLOE_TEST_PG_URI's
 * database dropped (the pg e2e test sets it for a throwaway server). */
static int reset_pg(void)
{
	PGconn *pg = PQconnectdb(uri);
	PGresult *r = PQexec(pg, "SET client_min_messages = warning; DROP TABLE IF EXISTS "
	                         "iceberg_tables, iceberg_namespace_properties");
	int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
	if (rc)
		fprintf(stderr, "reset: %s", PQerrorMessage(pg));
	PQclear(r);
	PQfinish(pg);
	return rc;
}

static int setup_pg(void **state)
{
	int rc = setup_sql(state);
	uri = getenv("FLOE_TEST_PG_URI");
	return rc ? rc : reset_pg();
}

static int teardown(void **state)
{
	(void)state;
	return floe_storage_delete_tree(dir);
}

static json_t *create_updates(floe_catalog *c, const char *ns, const char *name)
{
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_schema *s;
	char *loc = floe_catalog_default_location(c, ns, name);
	json_t *u;
	floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
	s = floe_ice_schema_new(0, root);
	u = floe_ice_create_updates(loc, s, NULL);
	floe_ice_schema_free(s);
	floe_free(loc);
	return u;
}

/* files under path, any depth (-1 when it is no folder) */
static int count_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char sub[1024];
		int k;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		k = count_files(sub);
		n += k < 0 ? 1 : k;
	}
	closedir(d);
	return n;
}

/* the updates of a snapshot on top of m, with the REST requirements */
static void snapshot_change(const floe_ice_metadata *m, json_t **req, json_t **upd)
{
	int64_t sid;
	assert_int_equal(
	    floe_ice_snapshot_produce(req, upd, &sid, m, FLOE_ICE_OP_APPEND, NULL, 0, NULL, NULL),
	    0);
}

static void test_namespaces(void **state)
{
	floe_catalog *c = NULL;
	char **v = NULL;
	size_t n = 0;
	json_t *props = json_pack("{s:s}", "owner", "data-team"), *got = NULL;
	json_t *set = json_pack("{s:s}", "x", "1"), *rm = json_pack("[s]", "owner");
	(void)state;
	assert_int_equal(floe_catalog_open(&c, uri, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "seeds", props), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "seeds", NULL), FLOE_EEXISTS);
	assert_int_equal(floe_catalog_create_namespace(c, "a.b", NULL), FLOE_ENOTFOUND);
	assert_int_equal(floe_catalog_create_namespace(c, "marts", NULL), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "marts.finance", NULL), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "bad name", NULL), FLOE_EINVAL);
	assert_int_equal(floe_catalog_namespace_exists(c, "marts.finance"), 1);
	assert_int_equal(floe_catalog_namespace_exists(c, "nope"), 0);
	assert_int_equal(floe_catalog_list_namespaces(c, NULL, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "marts");
	assert_string_equal(v[1], "seeds");
	floe_catalog_strings_free(v, n);
	assert_int_equal(floe_catalog_list_namespaces(c, "marts", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "marts.finance");
	floe_catalog_strings_free(v, n);
	assert_int_equal(floe_catalog_namespace_properties(c, "seeds", &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "owner")), "data-team");
	json_decref(got);
	assert_int_equal(floe_catalog_update_namespace(c, "seeds", set, rm), 0);
	assert_int_equal(floe_catalog_namespace_properties(c, "seeds", &got), 0);
	assert_null(json_object_get(got, "owner"));
	assert_string_equal(json_string_value(json_object_get(got, "x")), "1");
	json_decref(got);
	assert_int_equal(floe_catalog_drop_namespace(c, "marts"), FLOE_EINVAL); /* not empty */
	assert_int_equal(floe_catalog_drop_namespace(c, "marts.finance"), 0);
	assert_int_equal(floe_catalog_drop_namespace(c, "marts"), 0);
	assert_int_equal(floe_catalog_namespace_exists(c, "marts"), 0);
	json_decref(props);
	json_decref(set);
	json_decref(rm);
	floe_catalog_free(c);
}

/* ensure_namespaces: the missing ones made (duplicates once), existing ones
 * left with their properties, a bad name or a missing parent an error */
static void test_ensure_namespaces(void **state)
{
	floe_catalog *c = NULL, *other = NULL;
	char *want[] = {"staging", "seeds", "staging", "marts", "marts.finance"};
	char *bad[] = {"ddi", "bad name"}, *orphan[] = {"x.y"};
	char **v = NULL;
	size_t n = 0;
	json_t *props = json_pack("{s:s}", "owner", "data-team"), *got = NULL;
	(void)state;
	assert_int_equal(floe_catalog_open(&c, uri, dir), 0);
	assert_int_equal(floe_catalog_open(&other, uri, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "seeds", props), 0);
	assert_int_equal(floe_catalog_ensure_namespaces(c, want, 4), 0);
	assert_int_equal(floe_catalog_list_namespaces(other, NULL, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0], "marts");
	assert_string_equal(v[1], "seeds");
	assert_string_equal(v[2], "staging");
	floe_catalog_strings_free(v, n);
	assert_int_equal(floe_catalog_namespace_properties(other, "seeds", &got), 0);
	assert_string_equal(json_string_value(json_object_get(got, "owner")), "data-team");
	json_decref(got);
	/* nested once its parent is there; again is a no-op */
	assert_int_equal(floe_catalog_ensure_namespaces(c, want, 5), 0);
	assert_int_equal(floe_catalog_namespace_exists(other, "marts.finance"), 1);
	assert_int_equal(floe_catalog_ensure_namespaces(other, want, 5), 0);
	assert_int_equal(floe_catalog_ensure_namespaces(c, bad, 2), FLOE_EINVAL);
	assert_int_equal(floe_catalog_ensure_namespaces(c, orphan, 1), FLOE_ENOTFOUND);
	assert_int_equal(floe_catalog_namespace_exists(c, "x.y"), 0);
	assert_int_equal(floe_catalog_ensure_namespaces(c, NULL, 0), 0);
	json_decref(props);
	floe_catalog_free(other);
	floe_catalog_free(c);
}

static void test_tables_and_commits(void **state)
{
	floe_catalog *c = NULL, *c2 = NULL;
	floe_ice_metadata *m = NULL, *m2 = NULL;
	json_t *u, *req = NULL, *upd = NULL, *req2 = NULL, *upd2 = NULL;
	char *loc = NULL, *loc2 = NULL, **v = NULL;
	size_t n = 0;
	(void)state;
	assert_int_equal(floe_catalog_open(&c, uri, dir), 0);
	assert_int_equal(floe_catalog_open(&c2, uri, dir), 0);
	u = create_updates(c, "seeds", "t");
	assert_int_equal(floe_catalog_create_table(c, "seeds", "t", u, NULL, NULL), FLOE_ENOTFOUND);
	assert_non_null(strstr(floe_error_message(), "seeds"));
	assert_int_equal(floe_catalog_create_namespace(c, "seeds", NULL), 0);
	assert_int_equal(floe_catalog_create_table(c, "seeds", "t", u, NULL, &loc), 0);
	assert_int_equal(floe_catalog_create_table(c, "seeds", "t", u, NULL, NULL), FLOE_EEXISTS);
	json_decref(u);
	assert_int_equal(floe_catalog_table_exists(c, "seeds", "t"), 1);
	assert_int_equal(floe_catalog_list_tables(c, "seeds", &v, &n), 0);
	assert_int_equal(n, 1);
	floe_catalog_strings_free(v, n);

	/* both handles load the same version; the first commit wins, the
	 * second fails its requirement and leaves the table as the first left it */
	assert_int_equal(floe_catalog_load_table(c, "seeds", "t", &m, NULL), 0);
	assert_int_equal(floe_catalog_load_table(c2, "seeds", "t", &m2, NULL), 0);
	snapshot_change(m, &req, &upd);
	snapshot_change(m2, &req2, &upd2);
	assert_int_equal(floe_catalog_commit_table(c, "seeds", "t", req, upd, NULL, &loc2), 0);
	assert_int_equal(floe_catalog_commit_table(c2, "seeds", "t", req2, upd2, NULL, NULL),
	                 FLOE_ECONFLICT);
	floe_free(loc);
	assert_int_equal(floe_catalog_load_table(c2, "seeds", "t", NULL, &loc), 0);
	assert_string_equal(loc, loc2);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_catalog_load_table(c2, "seeds", "t", &m, NULL), 0);
	assert_int_equal(
	    json_array_size(json_object_get(floe_ice_metadata_json(m), "metadata-log")), 1);
	assert_int_equal(floe_ice_metadata_snapshot_count(m), 1);
	floe_free(loc);
	floe_free(loc2);
	json_decref(req);
	json_decref(upd);
	json_decref(req2);
	json_decref(upd2);
	floe_ice_metadata_free(m);
	floe_ice_metadata_free(m2);

	/* drop and purge */
	m = NULL;
	assert_int_equal(floe_catalog_load_table(c, "seeds", "t", &m, NULL), 0);
	{
		char *tl = floe_storage_local_path(floe_ice_metadata_location(m));
		assert_int_equal(floe_catalog_drop_table(c, "seeds", "t", true), 0);
		/* what is left is what no metadata reaches: the manifest list
		 * of c2's lost commit (a snapshot without files has no manifest) */
		assert_int_equal(count_files(tl), 1);
		assert_int_equal(floe_storage_delete_tree(tl), 0);
		floe_free(tl);
	}
	assert_int_equal(floe_catalog_load_table(c, "seeds", "t", NULL, NULL), FLOE_ENOTFOUND);
	assert_non_null(strstr(floe_error_message(), "seeds.t"));
	floe_ice_metadata_free(m);
	floe_catalog_free(c);
	floe_catalog_free(c2);
}

static void test_jdbc_layout(void **state)
{
	floe_catalog *c = NULL;
	sqlite3 *db;
	sqlite3_stmt *st;
	char path[128], cols[512] = "";
	json_t *u;
	(void)state;
	snprintf(path, sizeof(path), "%s/catalog.db", dir);
	/* a V0 file as Java's JdbcCatalog creates it: no iceberg_type column */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT "
	                              "NULL, table_namespace VARCHAR(255) NOT NULL, table_name "
	                              "VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), "
	                              "previous_metadata_location VARCHAR(1000), PRIMARY KEY "
	                              "(catalog_name, table_namespace, table_name))",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(floe_catalog_open(&c, NULL, dir), 0);
	assert_string_equal(floe_catalog_kind(c), "sql");
	assert_int_equal(floe_catalog_create_namespace(c, "ns", NULL), 0);
	u = create_updates(c, "ns", "t");
	assert_int_equal(floe_catalog_create_table(c, "ns", "t", u, NULL, NULL), 0);
	json_decref(u);
	assert_int_equal(floe_catalog_table_exists(c, "ns", "t"), 1);
	floe_catalog_free(c);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT group_concat(name, ',') FROM "
	                                    "pragma_table_info('iceberg_namespace_properties')",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(cols, sizeof(cols), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	assert_string_equal(cols, "catalog_name,namespace,property_key,property_value");
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT catalog_name, table_namespace, table_name, "
	                                    "metadata_location, previous_metadata_location FROM "
	                                    "iceberg_tables",
	                                    -1, &st, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "floe");
	assert_string_equal((const char *)sqlite3_column_text(st, 1), "ns");
	assert_string_equal((const char *)sqlite3_column_text(st, 2), "t");
	assert_non_null(strstr((const char *)sqlite3_column_text(st, 3), "/ns/t/metadata/00000-"));
	assert_null(sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_names(void **state)
{
	char *ns = NULL, *name = NULL;
	(void)state;
	assert_int_equal(floe_catalog_split_ident("a.b.c", &ns, &name), 0);
	assert_string_equal(ns, "a.b");
	assert_string_equal(name, "c");
	floe_free(ns);
	floe_free(name);
	assert_int_equal(floe_catalog_split_ident("nodot", &ns, &name), FLOE_EINVAL);
	assert_int_equal(floe_catalog_split_ident("a..b", &ns, &name), FLOE_EINVAL);
	assert_int_equal(floe_catalog_check_name("table", "x;drop"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "x;drop"));
}

/* Views (sql catalog): versions, list, load; drop removes the view and
 * only a view; the fs catalog has none. */
static void test_views(void **state)
{
	floe_catalog *c = NULL;
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_schema *s;
	json_t *u;
	char **names = NULL, *sql = NULL;
	size_t n = 0;
	(void)state;
	floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
	s = floe_ice_schema_new(0, root);
	assert_int_equal(floe_catalog_open(&c, uri, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "v", NULL), 0);
	if (fs) {
		assert_int_equal(floe_catalog_replace_view(c, "v", "w", "SELECT 1 AS id", s),
		                 FLOE_EUNSUPPORTED);
		assert_int_equal(floe_catalog_drop_view(c, "v", "w"), FLOE_EUNSUPPORTED);
		floe_error_clear();
		goto done;
	}
	assert_int_equal(floe_catalog_replace_view(c, "v", "w", "SELECT 1 AS id", s), 0);
	assert_int_equal(floe_catalog_replace_view(c, "v", "w", "SELECT 2 AS id", s), 0);
	assert_int_equal(floe_catalog_load_view(c, "v", "w", &sql), 0);
	assert_string_equal(sql, "SELECT 2 AS id");
	floe_free(sql);
	u = create_updates(c, "v", "t");
	assert_int_equal(floe_catalog_create_table(c, "v", "t", u, NULL, NULL), 0);
	json_decref(u);
	assert_int_equal(floe_catalog_list_views(c, "v", &names, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "w");
	floe_free(names[0]);
	floe_free(names);
	/* a table is not dropped as a view */
	assert_int_equal(floe_catalog_drop_view(c, "v", "t"), FLOE_ENOTFOUND);
	assert_int_equal(floe_catalog_table_exists(c, "v", "t"), 1);
	assert_int_equal(floe_catalog_drop_view(c, "v", "w"), 0);
	assert_int_equal(floe_catalog_list_views(c, "v", &names, &n), 0);
	assert_int_equal(n, 0);
	floe_free(names);
	assert_int_equal(floe_catalog_drop_view(c, "v", "w"), FLOE_ENOTFOUND);
	assert_non_null(strstr(floe_error_message(), "view v.w does not exist"));
	floe_error_clear();
done:
	floe_ice_schema_free(s);
	floe_catalog_free(c);
}

/* One rule for names: a name equal to another but for case is refused
 * (DuckDB would see one of them), so is a table or view name with a dot. */
static void test_name_case(void **state)
{
	floe_catalog *c = NULL;
	char *batch[2] = {"x", "X"};
	json_t *u;
	(void)state;
	assert_int_equal(floe_catalog_open(&c, uri, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "seeds", NULL), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "Seeds", NULL), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "Seeds differs only in case from seeds"));
	assert_int_equal(floe_catalog_ensure_namespaces(c, batch, 2), FLOE_EINVAL);
	assert_int_equal(floe_catalog_ensure_namespaces(c, batch + 1, 1), 0);
	assert_int_equal(floe_catalog_ensure_namespaces(c, batch, 1), FLOE_EINVAL);
	u = create_updates(c, "seeds", "t");
	assert_int_equal(floe_catalog_create_table(c, "seeds", "t", u, NULL, NULL), 0);
	json_decref(u);
	u = create_updates(c, "seeds", "T");
	assert_int_equal(floe_catalog_create_table(c, "seeds", "T", u, NULL, NULL), FLOE_EINVAL);
	assert_non_null(
	    strstr(floe_error_message(), "seeds.T differs only in case from table seeds.t"));
	json_decref(u);
	u = create_updates(c, "seeds", "a.b");
	assert_int_equal(floe_catalog_create_table(c, "seeds", "a.b", u, NULL, NULL), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "cannot contain '.'"));
	json_decref(u);
	if (!fs) { /* views: sql catalog only */
		floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
		floe_ice_schema *s;
		floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
		s = floe_ice_schema_new(0, root);
		assert_int_equal(floe_catalog_replace_view(c, "seeds", "T", "SELECT 1 AS id", s),
		                 FLOE_EINVAL);
		assert_int_equal(floe_catalog_replace_view(c, "seeds", "v.w", "SELECT 1 AS id", s),
		                 FLOE_EINVAL);
		assert_int_equal(floe_catalog_replace_view(c, "seeds", "v", "SELECT 1 AS id", s),
		                 0);
		u = create_updates(c, "seeds", "V");
		assert_int_equal(floe_catalog_create_table(c, "seeds", "V", u, NULL, NULL),
		                 FLOE_EINVAL);
		assert_non_null(strstr(floe_error_message(), "view seeds.v"));
		json_decref(u);
		floe_ice_schema_free(s);
	}
	floe_catalog_free(c);
}

/* create updates for ns.name at an explicit location */
static json_t *updates_at(const char *loc)
{
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_schema *s;
	json_t *u;
	floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
	s = floe_ice_schema_new(0, root);
	u = floe_ice_create_updates(loc, s, NULL);
	floe_ice_schema_free(s);
	return u;
}

static int create_at(floe_catalog *c, const char *name, const char *rel)
{
	char loc[256];
	json_t *u;
	int rc;
	snprintf(loc, sizeof(loc), "file://%s/%s", dir, rel);
	u = updates_at(loc);
	rc = floe_catalog_create_table(c, "ns", name, u, NULL, NULL);
	json_decref(u);
	return rc;
}

/* A table's location is a folder of its own (sql catalog: the fs one
 * keeps every table at its warehouse path). */
static void test_locations(void **state)
{
	floe_catalog *c = NULL;
	char path[256];
	(void)state;
	assert_int_equal(floe_catalog_open(&c, NULL, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "ns", NULL), 0);
	assert_int_equal(create_at(c, "one", "lake/one"), 0);
	assert_int_equal(create_at(c, "two", "lake/one"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "in use by table ns.one"));
	assert_int_equal(create_at(c, "two", "lake/one/inner"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "lies inside table ns.one"));
	assert_int_equal(create_at(c, "two", "lake"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "holds table ns.one"));
	assert_int_equal(create_at(c, "two", "."), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "holds the warehouse"));
	snprintf(path, sizeof(path), "file://%s/other/notes.txt", dir);
	assert_int_equal(floe_storage_write(path, "x", 1), 0);
	assert_int_equal(create_at(c, "two", "other"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "holds 'notes.txt'"));
	assert_int_equal(create_at(c, "two", "other/notes.txt"), FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "is a file"));
	/* what a table dropped without purge leaves is no obstacle */
	assert_int_equal(floe_catalog_drop_table(c, "ns", "one", false), 0);
	assert_int_equal(create_at(c, "two", "lake/one"), 0);
	assert_int_equal(floe_catalog_drop_table(c, "ns", "one", false), FLOE_ENOTFOUND);
	floe_catalog_free(c);
}

/* A table whose catalog row has no metadata location, or whose metadata
 * file is gone, drops, with and without purge. */
static void test_drop_broken(void **state)
{
	floe_catalog *c = NULL;
	sqlite3 *db;
	char path[256];
	json_t *u;
	(void)state;
	assert_int_equal(floe_catalog_open(&c, NULL, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "ns", NULL), 0);
	for (int i = 0; i < 3; i++) {
		const char *name = i == 0 ? "nul" : i == 1 ? "gone" : "foreign";
		u = create_updates(c, "ns", name);
		assert_int_equal(floe_catalog_create_table(c, "ns", name, u, NULL, NULL), 0);
		json_decref(u);
	}
	snprintf(path, sizeof(path), "%s/catalog.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "UPDATE iceberg_tables SET metadata_location = NULL WHERE "
	                              "table_name = 'nul'; UPDATE iceberg_tables SET "
	                              "metadata_location = 's3://b/x.metadata.json' WHERE "
	                              "table_name = 'foreign'",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	{
		char *loc = NULL;
		assert_int_equal(floe_catalog_load_table(c, "ns", "gone", NULL, &loc), 0);
		assert_int_equal(floe_storage_delete(loc), 0);
		floe_free(loc);
	}
	assert_int_equal(floe_catalog_table_exists(c, "ns", "nul"), FLOE_ECORRUPT);
	assert_int_equal(floe_catalog_drop_table(c, "ns", "nul", false), 0);
	assert_int_equal(floe_catalog_drop_table(c, "ns", "gone", true), 0);
	assert_int_equal(floe_catalog_drop_table(c, "ns", "foreign", true), 0);
	snprintf(path, sizeof(path), "%s/ns/gone", dir);
	assert_int_equal(floe_storage_exists(path), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(floe_catalog_table_exists(c, "ns",
		                                           i == 0   ? "nul"
		                                           : i == 1 ? "gone"
		                                                    : "foreign"),
		                 0);
	floe_catalog_free(c);
}

/* fs: the hint is only a hint. A table without one (a writer killed before
 * its first hint), with a garbage one, or with an unfinished (empty) file
 * past the last version still loads, commits after the highest file and
 * drops. */
static void test_fs_versions(void **state)
{
	floe_catalog *c = NULL;
	floe_ice_metadata *m = NULL;
	json_t *u, *req = NULL, *upd = NULL;
	char md[256], f[300], *loc = NULL;
	(void)state;
	assert_int_equal(floe_catalog_open(&c, "fs:", dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "ns", NULL), 0);
	u = create_updates(c, "ns", "t");
	assert_int_equal(floe_catalog_create_table(c, "ns", "t", u, NULL, NULL), 0);
	json_decref(u);
	snprintf(md, sizeof(md), "%s/ns/t/metadata", dir);
	snprintf(f, sizeof(f), "%s/version-hint.text", md);
	assert_int_equal(floe_storage_delete(f), 0);
	assert_int_equal(floe_catalog_table_exists(c, "ns", "t"), 1);
	assert_int_equal(floe_catalog_create_namespace(c, "ns.t", NULL), FLOE_EINVAL);
	assert_int_equal(floe_storage_write(f, "garbage", 7), 0);
	assert_int_equal(floe_catalog_load_table(c, "ns", "t", &m, &loc), 0);
	assert_non_null(strstr(loc, "/v1.metadata.json"));
	floe_free(loc);
	snprintf(f, sizeof(f), "%s/v2.metadata.json", md);
	assert_int_equal(floe_storage_write(f, "", 0), 0);
	snapshot_change(m, &req, &upd);
	assert_int_equal(floe_catalog_commit_table(c, "ns", "t", req, upd, NULL, &loc), 0);
	assert_non_null(strstr(loc, "/v3.metadata.json"));
	floe_free(loc);
	assert_int_equal(floe_catalog_load_table(c, "ns", "t", NULL, &loc), 0);
	assert_non_null(strstr(loc, "/v3.metadata.json"));
	floe_free(loc);
	assert_int_equal(floe_catalog_drop_table(c, "ns", "t", false), 0);
	assert_int_equal(floe_catalog_table_exists(c, "ns", "t"), 0);
	json_decref(req);
	json_decref(upd);
	floe_ice_metadata_free(m);
	floe_catalog_free(c);
}

/* A missing or empty catalog file beside Iceberg tables is an error, not a
 * new empty catalog; ?mode=rwc makes one; a new warehouse gets one. */
static void test_lost_catalog(void **state)
{
	floe_catalog *c = NULL;
	char path[256], rwc[300];
	json_t *u;
	(void)state;
	assert_int_equal(floe_catalog_open(&c, NULL, dir), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "ns", NULL), 0);
	u = create_updates(c, "ns", "t");
	assert_int_equal(floe_catalog_create_table(c, "ns", "t", u, NULL, NULL), 0);
	json_decref(u);
	floe_catalog_free(c);
	snprintf(path, sizeof(path), "%s/catalog.db", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(floe_catalog_open(&c, NULL, dir), FLOE_ECATALOG);
	assert_non_null(strstr(floe_error_message(), "does not exist, but the warehouse holds"));
	assert_int_equal(floe_storage_exists(path), 0);
	assert_int_equal(floe_storage_write(path, "", 0), 0);
	assert_int_equal(floe_catalog_open(&c, NULL, dir), FLOE_ECATALOG);
	assert_non_null(strstr(floe_error_message(), "is an empty file"));
	snprintf(rwc, sizeof(rwc), "sqlite:%s?mode=rw", path);
	assert_int_equal(floe_catalog_open(&c, rwc, dir), FLOE_ENOTFOUND);
	snprintf(rwc, sizeof(rwc), "sqlite:%s?mode=rwc", path);
	assert_int_equal(floe_catalog_open(&c, rwc, dir), 0);
	assert_int_equal(floe_catalog_namespace_exists(c, "ns"), 0);
	floe_catalog_free(c);
}

/* Item by item, every allocation of namespace, view, table, drop and purge
 * calls fails once: each call returns 0 or FLOE_ENOMEM, and leaks nothing
 * (the sanitizer build checks). */
static void test_alloc_faults(void **state)
{
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_schema *s;
	(void)state;
	floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
	s = floe_ice_schema_new(0, root);
	for (long n = 1; n < 2000; n++) {
		floe_catalog *c = NULL;
		json_t *props = json_pack("{s:s}", "owner", "me"), *got = NULL, *u = NULL;
		int rc, steps = 0;
		floe_storage_delete_tree(dir);
		if (uri && !fs)
			assert_int_equal(reset_pg(), 0);
		floe_fault_alloc_set(n);
		rc = floe_catalog_open(&c, uri, dir);
		if (rc == 0 && ++steps)
			rc = floe_catalog_create_namespace(c, "ns", props);
		if (rc == 0 && ++steps)
			rc = floe_catalog_namespace_properties(c, "ns", &got);
		if (rc == 0 && !fs && ++steps)
			rc = floe_catalog_replace_view(c, "ns", "v", "SELECT 1 AS id", s);
		if (rc == 0 && ++steps) {
			char *loc = floe_catalog_default_location(c, "ns", "t");
			u = loc ? floe_ice_create_updates(loc, s, NULL) : NULL;
			rc = u ? floe_catalog_create_table(c, "ns", "t", u, NULL, NULL)
			       : FLOE_ENOMEM;
			floe_free(loc);
		}
		if (rc == 0 && ++steps)
			rc = floe_catalog_drop_table(c, "ns", "t", true);
		floe_fault_alloc_set(0);
		if (rc != 0 && rc != FLOE_ENOMEM)
			fail_msg("fault %ld, step %d: %d %s", n, steps, rc, floe_error_message());
		floe_error_clear();
		json_decref(got);
		json_decref(u);
		json_decref(props);
		floe_catalog_free(c);
		if (rc == 0 && steps >= (fs ? 4 : 5))
			break; /* past the last allocation */
	}
	floe_ice_schema_free(s);
}

/* View metadata (iceberg layer, view spec v1): a new view and a second
 * version, read back; what other engines wrote survives; broken documents
 * are refused; every allocation that fails fails the build of a version. */
static void test_view_metadata(void **state)
{
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_schema *s, *got = NULL;
	floe_ice_view *v1 = NULL, *v2 = NULL, *back = NULL, *bad = NULL;
	floe_buf b = FLOE_BUF_INIT;
	const json_t *j, *ver;
	(void)state;
	floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
	s = floe_ice_schema_new(0, root);
	assert_int_equal(floe_ice_view_add_version(&v1, NULL, "file:///w/ns/v", "a.b", "SELECT 1",
	                                           "duckdb", s, 1000),
	                 0);
	assert_int_equal(floe_ice_view_current_version_id(v1), 1);
	assert_int_equal(
	    floe_ice_view_add_version(&v2, v1, NULL, "a.b", "SELECT 2", "duckdb", s, 2000), 0);
	assert_int_equal(floe_ice_view_current_version_id(v1), 1); /* base unchanged */
	assert_int_equal(floe_ice_view_serialize(v2, &b), 0);
	assert_int_equal(floe_ice_view_parse(&back, b.ptr, b.len, "v.json"), 0);
	assert_string_equal(floe_ice_view_uuid(back), floe_ice_view_uuid(v1));
	assert_string_equal(floe_ice_view_location(back), "file:///w/ns/v");
	assert_int_equal(floe_ice_view_current_version_id(back), 2);
	assert_string_equal(floe_ice_view_sql(back, "duckdb"), "SELECT 2");
	assert_int_equal(floe_ice_view_schema(back, &got), 0);
	assert_true(floe_ice_schema_equal(got, s));
	j = floe_ice_view_json(back);
	assert_int_equal(json_integer_value(json_object_get(j, "format-version")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "versions")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "schemas")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "version-log")), 2);
	assert_true(json_is_object(json_object_get(j, "properties")));
	ver = json_array_get(json_object_get(j, "versions"), 1);
	assert_int_equal(json_integer_value(json_object_get(ver, "schema-id")), 1);
	assert_int_equal(json_integer_value(json_object_get(ver, "timestamp-ms")), 2000);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(ver, "default-namespace"), 1)), "b");
	assert_string_equal(
	    json_string_value(json_object_get(
	        json_array_get(json_object_get(ver, "representations"), 0), "dialect")),
	    "duckdb");
	floe_buf_free(&b);
	floe_ice_schema_free(got);
	floe_ice_view_free(back);
	/* another engine's view: its dialect is preferred only when asked */
	{
		const char *spark =
		    "{\"view-uuid\":\"u\",\"format-version\":1,\"location\":\"s3://b/v\","
		    "\"current-version-id\":1,\"properties\":{\"comment\":\"c\"},\"versions\":[{"
		    "\"version-id\":1,\"timestamp-ms\":1,\"schema-id\":1,\"summary\":{},"
		    "\"default-namespace\":[\"d\"],\"representations\":[{\"type\":\"sql\","
		    "\"sql\":\"SELECT s\",\"dialect\":\"spark\"},{\"type\":\"sql\",\"sql\":"
		    "\"SELECT t\",\"dialect\":\"trino\"}]}],\"schemas\":[{\"schema-id\":1,"
		    "\"type\":\"struct\",\"fields\":[]}],\"version-log\":[{\"timestamp-ms\":1,"
		    "\"version-id\":1}]}";
		assert_int_equal(floe_ice_view_parse(&back, spark, strlen(spark), "s.json"), 0);
		assert_string_equal(floe_ice_view_sql(back, "trino"), "SELECT t");
		assert_string_equal(floe_ice_view_sql(back, "duckdb"), "SELECT s");
		floe_ice_view_free(v2);
		assert_int_equal(
		    floe_ice_view_add_version(&v2, back, NULL, "d", "SELECT 3", "duckdb", s, 5), 0);
		j = floe_ice_view_json(v2);
		assert_string_equal(
		    json_string_value(json_object_get(json_object_get(j, "properties"), "comment")),
		    "c");
		assert_int_equal(floe_ice_view_current_version_id(v2), 2);
		/* the new schema gets an id none has */
		assert_int_equal(
		    json_integer_value(json_object_get(
		        json_array_get(json_object_get(j, "schemas"), 1), "schema-id")),
		    2);
		floe_ice_view_free(back);
	}
	/* refused: not JSON, another format-version, no current version */
	assert_int_equal(floe_ice_view_parse(&bad, "{", 1, "x"), FLOE_ECORRUPT);
	assert_int_equal(floe_ice_view_parse(&bad, "{\"format-version\":2}", 20, "x"),
	                 FLOE_EUNSUPPORTED);
	{
		const char *nocur = "{\"view-uuid\":\"u\",\"format-version\":1,\"location\":\"l\","
		                    "\"current-version-id\":3,\"versions\":[],\"schemas\":[],"
		                    "\"version-log\":[]}";
		assert_int_equal(floe_ice_view_parse(&bad, nocur, strlen(nocur), "x"),
		                 FLOE_ECORRUPT);
		assert_non_null(strstr(floe_error_message(), "no current version"));
	}
	assert_null(bad);
	floe_error_clear();
	for (long n = 1; n < 200; n++) {
		floe_ice_view *out = NULL;
		int rc;
		floe_fault_alloc_set(n);
		rc = floe_ice_view_add_version(&out, v2, NULL, "d", "SELECT 4", "duckdb", s, 6);
		floe_fault_alloc_set(0);
		assert_true(rc == 0 || rc == FLOE_ENOMEM);
		assert_true((rc == 0) == (out != NULL));
		floe_ice_view_free(out);
		floe_error_clear();
		if (rc == 0)
			break;
	}
	floe_ice_view_free(v1);
	floe_ice_view_free(v2);
	floe_ice_schema_free(s);
}

/* The tests that hold for every backend, on PostgreSQL */
static const struct CMUnitTest pg_tests[] = {
    cmocka_unit_test_setup_teardown(test_namespaces, setup_pg, teardown),
    cmocka_unit_test_setup_teardown(test_ensure_namespaces, setup_pg, teardown),
    cmocka_unit_test_setup_teardown(test_tables_and_commits, setup_pg, teardown),
    cmocka_unit_test_setup_teardown(test_views, setup_pg, teardown),
    cmocka_unit_test_setup_teardown(test_name_case, setup_pg, teardown),
    cmocka_unit_test_setup_teardown(test_alloc_faults, setup_pg, teardown),
};

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_namespaces, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_namespaces, setup_fs, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_namespaces, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_ensure_namespaces, setup_fs, teardown),
	    cmocka_unit_test_setup_teardown(test_tables_and_commits, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_tables_and_commits, setup_fs, teardown),
	    cmocka_unit_test_setup_teardown(test_jdbc_layout, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_views, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_views, setup_fs, teardown),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_view_metadata),
	    cmocka_unit_test_setup_teardown(test_name_case, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_name_case, setup_fs, teardown),
	    cmocka_unit_test_setup_teardown(test_locations, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_drop_broken, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_fs_versions, setup_fs, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_catalog, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_faults, setup_sql, teardown),
	    cmocka_unit_test_setup_teardown(test_alloc_faults, setup_fs, teardown),
	};
	floe_base_init(); /* jansson through the allocation seam too */
	if (getenv("FLOE_TEST_PG_URI"))
		return cmocka_run_group_tests_name("catalog on PostgreSQL", pg_tests, NULL, NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
