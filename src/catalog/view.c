/*
 * The view front of the catalog: Iceberg views (view spec, format-version
 * 1) whose metadata the iceberg layer builds and reads (floe_ice_view); a
 * backend only stores the metadata files and swaps their locations (the
 * view ops of catalog_ops). The sql catalog has them; fs has none.
 */
#include <stdlib.h>
#include <string.h>

#include "catalog_internal.h"

/* a lost swap of a view's pointer is retried this often */
#define MAX_VIEW_ATTEMPTS 10
#define VIEW_METADATA_MAX (64u << 20)

static int read_view(floe_ice_view **out, const char *loc)
{
	floe_buf b;
	int rc = floe_storage_read(&b, loc, VIEW_METADATA_MAX);
	if (rc == 0) {
		rc = floe_ice_view_parse(out, b.ptr, b.len, loc);
		floe_buf_free(&b);
	}
	return rc;
}

static int check_names(const char *ns, const char *name)
{
	int rc = floe_catalog_check_name("namespace", ns);
	return rc ? rc : floe_catalog_check_name("view", name);
}

/* One attempt: the next version on top of what is current (or the first),
 * swapped in if nothing changed meanwhile (CATALOG_LOST_SWAP otherwise). */
static int replace_once(floe_catalog *c, const char *ns, const char *name, const char *sql,
                        const floe_ice_schema *schema)
{
	floe_ice_view *base = NULL, *next = NULL;
	floe_buf b = FLOE_BUF_INIT;
	char *old = NULL, *vloc = NULL, *loc = NULL;
	int rc = c->ops->view_current(c, ns, name, &old);
	if (rc == FLOE_ENOTFOUND) {
		floe_error_clear();
		rc = catalog_check_case(c, ns, name, "view");
		if (rc == 0 && (vloc = floe_catalog_default_location(c, ns, name)) == NULL)
			rc = FLOE_ENOMEM;
	} else if (rc == 0) {
		rc = read_view(&base, old);
	}
	if (rc == 0)
		rc = floe_ice_view_add_version(&next, base, vloc, ns, sql, "duckdb", schema,
		                               floe_time_now_ms());
	if (rc == 0)
		rc = floe_ice_view_serialize(next, &b);
	if (rc == 0)
		rc = c->ops->view_replace(c, ns, name, old, floe_ice_view_location(next), &b, &loc);
	floe_free(loc);
	floe_buf_free(&b);
	floe_ice_view_free(next);
	floe_ice_view_free(base);
	floe_free(vloc);
	floe_free(old);
	return rc;
}

int floe_catalog_replace_view(floe_catalog *c, const char *ns, const char *name, const char *sql,
                              const floe_ice_schema *schema)
{
	int rc;
	if ((rc = check_names(ns, name)) != 0)
		return rc;
	if ((rc = floe_catalog_namespace_exists(c, ns)) <= 0)
		return rc < 0 ? rc
		              : floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist", ns);
	for (int attempt = 1; attempt <= MAX_VIEW_ATTEMPTS; attempt++)
		if ((rc = replace_once(c, ns, name, sql, schema)) != CATALOG_LOST_SWAP)
			return rc;
	return floe_error_set(FLOE_ECONFLICT, "view %s.%s changed concurrently", ns, name);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int floe_catalog_list_views(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	int rc = c->ops->view_list(c, ns, out, n);
	if (rc == 0 && *n > 1)
		qsort(*out, *n, sizeof(char *), cmp_str);
	return rc;
}

int floe_catalog_drop_view(floe_catalog *c, const char *ns, const char *name)
{
	int rc = check_names(ns, name);
	return rc ? rc : c->ops->view_drop(c, ns, name);
}

int floe_catalog_load_view(floe_catalog *c, const char *ns, const char *name, char **sql_out)
{
	floe_ice_view *v = NULL;
	char *loc = NULL;
	const char *sql;
	int rc;
	*sql_out = NULL;
	if ((rc = check_names(ns, name)) != 0)
		return rc;
	rc = c->ops->view_current(c, ns, name, &loc);
	if (rc == FLOE_EEXISTS) /* a table */
		rc = floe_error_set(FLOE_ENOTFOUND, "view %s.%s does not exist", ns, name);
	if (rc == 0)
		rc = read_view(&v, loc);
	if (rc == 0 && (sql = floe_ice_view_sql(v, "duckdb")) == NULL)
		rc = floe_error_set(FLOE_ECORRUPT,
		                    "%s: view metadata has no SQL for its current version", loc);
	else if (rc == 0 && (*sql_out = floe_strdup(sql)) == NULL)
		rc = FLOE_ENOMEM;
	floe_ice_view_free(v);
	floe_free(loc);
	return rc;
}
