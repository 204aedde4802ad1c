/*
 * The catalog backend interface: what the `sql` (the JDBC layout over a SQL
 * driver: SQLite or PostgreSQL) and `fs` (hadoop) backends implement.
 * catalog.c holds what is common: URI parsing, names, and the commit
 * algorithm on top of `swap`; view.c the view front over the view ops.
 * A backend keeps its own state behind `backend`.
 */
#ifndef FLOE_CATALOG_INTERNAL_H
#define FLOE_CATALOG_INTERNAL_H

#include "floe/catalog.h"

/* a compare-and-swap that lost to another writer (not an error to report) */
#define CATALOG_LOST_SWAP 1

/* One row of the catalog: a table or a view and its current metadata file
 * (NULL when the row has none or it cannot be found). */
typedef struct {
	char *ns, *name, *metadata_location;
	bool is_view;
} catalog_entry;

void catalog_entries_free(catalog_entry *e, size_t n);

/* How a sql catalog file may be opened (the URI's ?mode=): AUTO creates a
 * missing catalog only in a warehouse that holds no Iceberg metadata. */
typedef enum { CATALOG_AUTO, CATALOG_RO, CATALOG_RW, CATALOG_RWC } catalog_mode;

typedef struct {
	/* Connect to the catalog named by spec (the URI without floe's own
	 * options) and set c->backend; on failure close is still called. */
	int (*open)(floe_catalog *c, const char *spec, catalog_mode mode);
	int (*ns_create)(floe_catalog *c, const char *ns, const json_t *props);
	/* create these namespaces, none of which existed when checked, in one
	 * transaction (one that exists by now is skipped); NULL: one by one */
	int (*ns_create_many)(floe_catalog *c, char *const *ns, size_t n);
	int (*ns_exists)(floe_catalog *c, const char *ns);
	/* every namespace name known (any level); the caller derives children */
	int (*ns_all)(floe_catalog *c, char ***out, size_t *n);
	int (*ns_props)(floe_catalog *c, const char *ns, json_t **out);
	int (*ns_update)(floe_catalog *c, const char *ns, const json_t *set, const json_t *remove);
	int (*ns_drop)(floe_catalog *c, const char *ns);
	int (*tbl_list)(floe_catalog *c, const char *ns, char ***out, size_t *n);
	/* current metadata location; FLOE_ENOTFOUND when absent */
	int (*tbl_current)(floe_catalog *c, const char *ns, const char *name, char **loc);
	/* write the first metadata file and register it; FLOE_EEXISTS */
	int (*tbl_create)(floe_catalog *c, const char *ns, const char *name, const char *table_loc,
	                  const floe_buf *json, char **loc_out);
	/* write the next metadata file and swap it in if the current one is
	 * still old_loc; CATALOG_LOST_SWAP when another writer won */
	int (*tbl_swap)(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
	                const char *table_loc, const floe_buf *json, char **loc_out);
	/* remove the table from the catalog without reading its metadata;
	 * FLOE_ENOTFOUND when there is no such table; with expect_loc only if
	 * it is still at that metadata file (CATALOG_LOST_SWAP otherwise) */
	int (*tbl_drop)(floe_catalog *c, const char *ns, const char *name, const char *expect_loc);
	/* every table and view of the catalog, any namespace */
	int (*entries)(floe_catalog *c, catalog_entry **out, size_t *n);
	/* ---- views: FLOE_EUNSUPPORTED where the backend has none ---- */
	/* the metadata location of view ns.name; FLOE_ENOTFOUND when there
	 * is no view of that name, FLOE_EEXISTS when a table has it */
	int (*view_current)(floe_catalog *c, const char *ns, const char *name, char **loc);
	/* write json as the view's next metadata file under view_loc and
	 * register it: a new view when old_loc is NULL (FLOE_EEXISTS when the
	 * name is taken), else swapped in if the view is still at old_loc
	 * (CATALOG_LOST_SWAP when another writer won) */
	int (*view_replace)(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
	                    const char *view_loc, const floe_buf *json, char **loc_out);
	/* view names of a namespace, any order (none where there are none) */
	int (*view_list)(floe_catalog *c, const char *ns, char ***out, size_t *n);
	/* FLOE_ENOTFOUND when there is no such view */
	int (*view_drop)(floe_catalog *c, const char *ns, const char *name);
	/* release c->backend (also after a failed open) */
	void (*close)(floe_catalog *c);
} catalog_ops;

/* What every backend shares; the rest is the backend's, behind `backend`. */
struct floe_catalog {
	const catalog_ops *ops;
	const char *kind; /* "sql" or "fs" */
	char *warehouse;  /* file:// URI, no trailing slash */
	char *name;       /* JDBC catalog_name */
	void *backend;
};

extern const catalog_ops floe_catalog_sql_ops;
extern const catalog_ops floe_catalog_fs_ops;

/* Write json to a new metadata file loc (never over an existing one) and
 * take the durability barrier, so that the file and everything it
 * references are on disk before a catalog row points at it; the file is
 * removed again when the barrier fails. */
int catalog_write_metadata(const char *loc, const floe_buf *json);
/* *out: a folder under the warehouse (at most a few levels down) whose
 * `metadata` folder holds *.metadata.json or a version hint: the
 * warehouse has Iceberg tables. NULL when none; caller frees. */
int catalog_find_table_metadata(char **out, const char *warehouse_dir);
/* The names (tables and views) of namespace ns, or the namespaces when name
 * is NULL: FLOE_EEXISTS naming both when one equals `name` (or ns) but for
 * case (DuckDB's names are case-insensitive, Iceberg's are not). */
int catalog_check_case(floe_catalog *c, const char *ns, const char *name, const char *what);
/* A new table ns.name may be created at loc: FLOE_EINVAL when loc is a
 * file, a folder holding anything but the data/ and metadata/ folders a
 * table dropped without purge leaves, the warehouse or a folder holding
 * it, or a location another table of the catalog uses, holds or lies in. */
int catalog_check_location(floe_catalog *c, const char *ns, const char *name, const char *loc);
/* Delete what the table's metadata reaches (drop --purge); warnings are
 * logged, nothing here fails the drop. m and metadata_location may be NULL
 * when they could not be read. */
void catalog_purge(floe_catalog *c, const char *ns, const char *name, const floe_ice_metadata *m,
                   const char *metadata_location);
/* The table location a metadata file at <loc>/metadata/<file> implies, or
 * NULL; caller frees. */
char *catalog_location_of(const char *metadata_location);
/* next metadata file name for the sql layout: NNNNN-<uuid>.metadata.json */
char *floe_catalog_next_metadata(const char *table_loc, const char *old_loc);

#endif
