/*
 * The catalog backend interface: what the `sql` (SQLite, JDBC layout) and
 * `fs` (hadoop) backends implement. catalog.c holds what is common: URI
 * parsing, names, and the commit algorithm on top of `swap`.
 */
#ifndef FLOE_CATALOG_INTERNAL_H
#define FLOE_CATALOG_INTERNAL_H

#include <sqlite3.h>

#include "floe/catalog.h"

/* a compare-and-swap that lost to another writer (not an error to report) */
#define CATALOG_LOST_SWAP 1

typedef struct {
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
	int (*tbl_drop)(floe_catalog *c, const char *ns, const char *name);
	void (*close)(floe_catalog *c);
} catalog_ops;

struct floe_catalog {
	const catalog_ops *ops;
	const char *kind;
	char *warehouse; /* file:// URI, no trailing slash */
	char *name;      /* JDBC catalog_name */
	char *path;      /* sqlite file path (sql) */
	sqlite3 *db;
	bool has_type_column;
};

extern const catalog_ops floe_catalog_sql_ops;
extern const catalog_ops floe_catalog_fs_ops;

int floe_catalog_sql_open(floe_catalog *c, bool read_only);
/* next metadata file name for the sql layout: NNNNN-<uuid>.metadata.json */
char *floe_catalog_next_metadata(const char *table_loc, const char *old_loc);

#endif
