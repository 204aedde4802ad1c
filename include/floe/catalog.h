/*
 * floe catalog: where tables are registered. One interface, several
 * backends chosen by URI:
 *
 *   sqlite:PATH        Iceberg JDBC catalog layout in a SQLite file (default:
 *                      sqlite:<warehouse>/catalog.db)
 *   postgresql://user[:password]@host:port/db   (or postgres://)
 *                      the same layout in a PostgreSQL database (libpq's URI:
 *                      its query parameters pass to libpq; a password not in
 *                      the URI comes from PGPASSWORD or ~/.pgpass); data and
 *                      metadata files stay in the warehouse
 *   fs:                hadoop-style: <warehouse>/<ns...>/<table>/metadata/
 *                      vN.metadata.json + version-hint.text
 *
 * A URI may carry `?name=X` to choose the JDBC catalog_name (default "floe").
 * A handle is used by one thread at a time (each worker opens its own).
 * Namespaces are dotted strings ("a" or "a.b" for nested ones); a table is
 * (namespace, name). Commits are compare-and-swap on the metadata location;
 * built on the iceberg layer's requirements/updates.
 */
#ifndef FLOE_CATALOG_H
#define FLOE_CATALOG_H

#include "floe/iceberg.h"

typedef struct floe_catalog floe_catalog;

/* Open a catalog. warehouse is a directory or file:// URI (created if
 * missing). uri NULL = the default SQLite catalog. Opening writes nothing to
 * an existing sql catalog (readers take no lock a writer holds, and a file
 * or folder floe may not write is opened read-only); a missing or empty
 * catalog file (a PostgreSQL database without the catalog tables) is
 * created only when the warehouse holds no Iceberg metadata (else
 * FLOE_ECATALOG: the catalog is more likely lost than new). `?mode=ro`
 * opens read-only, `?mode=rw` never creates, `?mode=rwc` creates a missing
 * catalog whatever the warehouse holds. Free with floe_catalog_free. */
int floe_catalog_open(floe_catalog **out, const char *uri, const char *warehouse);
void floe_catalog_free(floe_catalog *c);
/* "sql" or "fs" */
const char *floe_catalog_kind(const floe_catalog *c);
/* The warehouse root as a file:// URI (borrowed). */
const char *floe_catalog_warehouse(const floe_catalog *c);
/* Default location of a new table: <warehouse>/<ns levels joined by />/<name>.
 * Caller frees. */
char *floe_catalog_default_location(const floe_catalog *c, const char *ns, const char *name);

/* ---- namespaces ---- */
/* properties: JSON object of strings, may be NULL. FLOE_EEXISTS if present.
 * A nested namespace needs its parent. */
int floe_catalog_create_namespace(floe_catalog *c, const char *ns, const json_t *properties);
/* Create those of the n namespaces that do not exist yet, without
 * properties, in one transaction where the backend has them (a dbt run
 * makes its schemas before its first node, as dbt does). A nested name
 * needs its parent to exist already. */
int floe_catalog_ensure_namespaces(floe_catalog *c, char *const *ns, size_t n);
/* 1 exists, 0 not, negative on error */
int floe_catalog_namespace_exists(floe_catalog *c, const char *ns);
/* Direct children of parent (NULL = top level) as full dotted names ("a.b"),
 * sorted. Free the array with
 * floe_catalog_strings_free. */
int floe_catalog_list_namespaces(floe_catalog *c, const char *parent, char ***out, size_t *n);
/* New reference to a JSON object of the namespace's properties. */
int floe_catalog_namespace_properties(floe_catalog *c, const char *ns, json_t **out);
/* set: object of key -> string; remove: array of keys; either may be NULL. */
int floe_catalog_update_namespace(floe_catalog *c, const char *ns, const json_t *set,
                                  const json_t *remove);
/* FLOE_EINVAL ("not empty") if it holds tables or child namespaces. */
int floe_catalog_drop_namespace(floe_catalog *c, const char *ns);

/* ---- tables ---- */
/* Table names of a namespace, sorted. FLOE_ENOTFOUND if the namespace is
 * missing. */
int floe_catalog_list_tables(floe_catalog *c, const char *ns, char ***out, size_t *n);
void floe_catalog_strings_free(char **v, size_t n);
/* 1 exists, 0 not, negative on error */
int floe_catalog_table_exists(floe_catalog *c, const char *ns, const char *name);
/* Load the current metadata. Both outputs optional (NULL to skip); caller
 * frees. FLOE_ENOTFOUND naming the table when absent. */
int floe_catalog_load_table(floe_catalog *c, const char *ns, const char *name,
                            floe_ice_metadata **meta, char **metadata_location);
/*
 * Create a table: requirements (may be NULL; assert-create is implied) and
 * updates as floe_ice_create_updates() gives them (plus optionally the first
 * snapshot). Writes the first metadata file and registers it.
 * FLOE_EEXISTS when the table exists; FLOE_ENOTFOUND when the namespace
 * does not; FLOE_EINVAL when a table or view of the namespace has the name
 * but for case, or the location is refused (floe_catalog_check_location).
 * Outputs optional.
 */
int floe_catalog_create_table(floe_catalog *c, const char *ns, const char *name,
                              const json_t *updates, floe_ice_metadata **meta,
                              char **metadata_location);
/*
 * Commit to an existing table: load the current metadata, check the
 * requirements, apply the updates, write the new metadata file and swap it
 * in only if the table is still at the version loaded (compare-and-swap).
 * A requirement that fails is FLOE_ECONFLICT (the caller rebuilds its
 * updates on the new version and retries); a lost swap with requirements
 * still holding is retried here a bounded number of times.
 * Outputs optional.
 */
int floe_catalog_commit_table(floe_catalog *c, const char *ns, const char *name,
                              const json_t *requirements, const json_t *updates,
                              floe_ice_metadata **meta, char **metadata_location);
/* A new table ns.name may be created at location (a URI): 0, or
 * FLOE_EINVAL when it is a file, a folder holding anything but the data/
 * and metadata/ folders a table dropped without purge leaves, the
 * warehouse or a folder holding it, or a location another table of the
 * catalog uses, holds or lies in. floe_catalog_create_table checks it;
 * a writer checks it first to write no data files where the table cannot
 * be. */
int floe_catalog_check_location(floe_catalog *c, const char *ns, const char *name,
                                const char *location);
/* Remove the table from the catalog. Reads no metadata: a table whose
 * metadata is missing or broken drops too. With purge also delete the
 * files its metadata reaches (the metadata files of its log, manifest
 * lists, manifests, data and delete files, statistics files; only those
 * under its location and not reached by another table of the catalog at
 * an overlapping location), then its data/ and metadata/ folders and the
 * location if they are empty. Once the table is dropped nothing fails: what
 * could not be read or deleted is logged as a warning. FLOE_ENOTFOUND when
 * there is no such table. */
int floe_catalog_drop_table(floe_catalog *c, const char *ns, const char *name, bool purge);

/* ---- views (sql catalog; Iceberg view spec, format-version 1, built by
 * the iceberg layer's floe_ice_view) ---- */
/* Create the view or add a version to it: SQL text (dialect duckdb) and the
 * schema of its result. FLOE_EEXISTS when a table has that name;
 * FLOE_EUNSUPPORTED on fs and V0 catalogs; FLOE_ECONFLICT when other
 * writers kept changing it. */
int floe_catalog_replace_view(floe_catalog *c, const char *ns, const char *name, const char *sql,
                              const floe_ice_schema *schema);
/* View names of a namespace (none on fs/V0 catalogs). */
int floe_catalog_list_views(floe_catalog *c, const char *ns, char ***out, size_t *n);
/* Remove the view from the catalog (its metadata files stay, as a table
 * dropped without purge keeps its files). FLOE_ENOTFOUND when there is no
 * such view; FLOE_EUNSUPPORTED on fs and V0 catalogs. */
int floe_catalog_drop_view(floe_catalog *c, const char *ns, const char *name);
/* SQL of the view's current version (its duckdb representation, else its
 * first SQL one); caller frees. FLOE_ENOTFOUND when there is no such view. */
int floe_catalog_load_view(floe_catalog *c, const char *ns, const char *name, char **sql);

/* Split "ns.sub.table" at the last dot into namespace and name (caller frees
 * both). FLOE_EINVAL when there is no dot. */
int floe_catalog_split_ident(const char *ident, char **ns, char **name);
/* Valid name of a `what` ("namespace", "table", "view"): 1 to 255
 * characters of [A-Za-z0-9_-]; a namespace may have several levels joined
 * by dots, a table or view name has no dot (no verb could name it).
 * Iceberg names are case-sensitive and DuckDB's are not: every create
 * also refuses a name that equals an existing one but for case. */
int floe_catalog_check_name(const char *what, const char *name);

#endif
