/*
 * floe engine: DuckDB through its stable C API (duckdb.h, 1.4 LTS).
 *
 * - run SQL and collect results as text (human output) or JSON rows
 * - describe a query's result as an Iceberg schema (type mapping, with the
 *   casts DuckDB needs before writing: DUCKDB-FACTS.md section 4)
 * - write a query's result as Parquet data files with Iceberg field ids,
 *   through COPY ... (FORMAT parquet, FIELD_IDS, RETURN_STATS), and turn the
 *   returned statistics into Iceberg column metrics and bounds
 * - expose a table snapshot to SQL as the view "<ns>"."<table>" over its data
 *   files, binding top-level columns by field id
 * - table operations (create, append, replace) combining the above with
 *   the catalog: write files, produce a snapshot, commit, retry on conflict
 *
 * Nothing here prints: results are returned; progress goes through floe_log.
 */
#ifndef FLOE_ENGINE_H
#define FLOE_ENGINE_H

#include "floe/catalog.h"
#include "floe/iceberg.h"

typedef struct floe_engine floe_engine;

typedef struct {
	int threads;              /* 0 = DuckDB's default (cores) */
	const char *memory_limit; /* NULL = DuckDB's default */
	const char *temp_dir;     /* spill directory; NULL = a private dir under /tmp */
} floe_engine_options;

/* Open an in-memory DuckDB with floe's settings (TimeZone UTC, no extension
 * autoload, explicit temp directory). opts may be NULL. */
int floe_engine_open(floe_engine **out, const floe_engine_options *opts);
void floe_engine_free(floe_engine *e);
/* A second connection to the same database (views and macros are shared,
 * temp tables are not), for running nodes on several threads. Free it with
 * floe_engine_free before its parent. */
int floe_engine_connect(floe_engine **out, floe_engine *parent);

/* Run one or more statements, discarding results. DuckDB's message goes
 * into the error (FLOE_EENGINE). */
int floe_engine_exec(floe_engine *e, const char *sql);

/* A query result as text. NULL cells are SQL NULLs. */
typedef struct {
	size_t ncols;
	char **names;
	char **types; /* DuckDB type names, e.g. "BIGINT" */
	size_t nrows;
	char ***rows;   /* rows[r][c] */
	bool truncated; /* more rows than max_rows existed */
} floe_engine_rows;

/* Run one statement and collect up to max_rows rows (0 = no limit) as text.
 * Free with floe_engine_rows_free. */
int floe_engine_query_rows(floe_engine *e, const char *sql, size_t max_rows,
                           floe_engine_rows **out);
/* A SELECT's rows as text in one bind (floe_engine_query_rows binds twice
 * to name the query's own column types; here types[] says VARCHAR). For
 * queries run many times, such as a dbt test's failure count. */
int floe_engine_query_text(floe_engine *e, const char *select, size_t max_rows,
                           floe_engine_rows **out);
void floe_engine_rows_free(floe_engine_rows *r);
/* Run one SELECT-like statement and append its rows to out as a JSON array
 * of objects (DuckDB's to_json per row: numbers stay numbers). */
int floe_engine_query_json(floe_engine *e, const char *sql, floe_buf *out);

/*
 * The Iceberg schema of a query's result. Field ids come from `base`
 * where a top-level column of the same name exists there (append/replace
 * keeps ids), else fresh ids from *next_id (advanced). *select_out is a
 * SELECT list over the query's columns with the casts floe applies before
 * writing (HUGEINT -> DECIMAL(38,0), unsigned -> wider, TINYINT/SMALLINT ->
 * INTEGER, TIMESTAMP_S/MS/NS -> TIMESTAMP, ENUM -> VARCHAR, ...).
 * A column with no Iceberg type (INTERVAL, TIMETZ, UNION, BIT, ...) is
 * FLOE_EUNSUPPORTED naming the column and a cast that would work.
 * base may be NULL. Caller frees both outputs.
 */
int floe_engine_describe(floe_engine *e, const char *query, const floe_ice_schema *base,
                         int *next_id, floe_ice_schema **schema_out, char **select_out);

/*
 * Write the result of `query` (already cast as describe() said) into
 * Parquet files in the local directory data_dir (created), zstd, split at
 * target_file_size bytes, with Parquet field ids from schema, and return
 * one data file per non-empty Parquet file with record count, exact size
 * and column metrics (value/null counts, sizes, bounds in App. D form,
 * strings truncated to 16 code points). File paths are file:// URIs.
 * On failure every file this call wrote is removed.
 */
int floe_engine_write_files(floe_engine *e, const char *query, const floe_ice_schema *schema,
                            const char *data_dir_uri, int64_t target_file_size,
                            floe_ice_data_file **files, size_t *n);

/*
 * Create (or replace) the view "<ns>"."<name>" over the data files of a
 * snapshot: read_parquet([...], schema=MAP{field id: {name, type}}) so
 * top-level columns bind by field id; a table with no files becomes a typed
 * empty view. The DuckDB schema "<ns>" is created when missing.
 */
int floe_engine_register_table(floe_engine *e, const char *ns, const char *name,
                               const floe_ice_schema *schema, const floe_ice_data_file *files,
                               size_t n);

/*
 * The same view, binding columns by name: only for files whose Parquet
 * column names are known to equal the Iceberg names of the same field ids
 * (the caller checks the table's schema history: no id ever had another
 * name, no name another id). DuckDB scans a file read with schema= on one
 * thread (DUCKDB-FACTS.md section 5); by name it scans row groups in
 * parallel. evolved: the table has had several schemas, so columns may be
 * missing from older files (union_by_name) or have narrower types (cast).
 */
int floe_engine_register_table_by_name(floe_engine *e, const char *ns, const char *name,
                                       const floe_ice_schema *schema,
                                       const floe_ice_data_file *files, size_t n, bool evolved);

/*
 * Is sql exactly one SELECT (WITH ... SELECT, VALUES, FROM-first, set
 * operations, parenthesised)? Parsed only, never bound or run: 0, or
 * FLOE_EINVAL saying why not. A catalog view's body is checked with it
 * before DuckDB sees it, since every reader would run what it holds.
 */
int floe_engine_check_select(floe_engine *e, const char *sql);

/* Create (or replace) the view "<ns>"."<name>" AS body, a catalog view's
 * SQL: FLOE_EINVAL (nothing run) unless body is one SELECT. The DuckDB
 * schema "<ns>" is created when missing. */
int floe_engine_create_view(floe_engine *e, const char *ns, const char *name, const char *body);

/* Drop the view "<ns>"."<name>" of this engine's database, if it has one. */
int floe_engine_drop_view(floe_engine *e, const char *ns, const char *name);

/* DuckDB type name of an Iceberg type ("BIGINT", "DECIMAL(38,0)",
 * "STRUCT(a INTEGER)", ...). Caller frees. */
char *floe_engine_duckdb_type(const floe_ice_type *t);

/* ======================= table operations ======================= */

typedef enum {
	FLOE_WRITE_CREATE,           /* table must not exist */
	FLOE_WRITE_CREATE_IF_ABSENT, /* no-op if it exists */
	FLOE_WRITE_REPLACE,          /* create, or overwrite keeping history */
	FLOE_WRITE_APPEND            /* table must exist */
} floe_write_mode;

typedef struct {
	int64_t snapshot_id; /* -1 when nothing was committed */
	int64_t rows;
	size_t files;
	int64_t bytes; /* total size of the data files written */
	int attempts;  /* commit attempts */
	bool skipped;  /* CREATE_IF_ABSENT on an existing table */
	bool kept;     /* the result is kept in DuckDB (floe_write_options) */
} floe_write_result;

/* Options of floe_table_write_with; zero (or NULL) means the defaults. */
typedef struct {
	/*
	 * Keep the result in DuckDB (not for APPEND): the query runs once into
	 * a table of the engine's database, the data files are written from
	 * that table, and after the commit floe_table_expose(ns.name, current)
	 * on any connection of the database reads it instead of the data
	 * files, until floe_table_release(). A dbt run does this for a model
	 * that later nodes read: the query is planned once and its readers
	 * read memory, as dbt-duckdb's own tables are.
	 */
	bool keep_result;
	/* The location a table created by this call gets (NULL: the catalog's
	 * default, <warehouse>/<ns>/<name>). An existing table keeps the one
	 * it has; compare with floe_ice_metadata_location() to tell. The fs
	 * catalog takes only its default location (FLOE_EUNSUPPORTED). */
	const char *location;
	/*
	 * With keep_result: stop once the data files are written and hand the
	 * commit to the caller (*pending), who calls floe_table_commit() or
	 * floe_table_abandon() later, from any thread, with any handle on the
	 * same catalog. Meanwhile floe_table_expose(ns.name, current) reads the
	 * kept result, and the catalog still holds the table's last snapshot.
	 * Without keep_result (or for APPEND) the write commits and *pending
	 * is NULL. A dbt run lets a model's readers start while its commit
	 * waits on storage.
	 */
	struct floe_table_pending **pending;
} floe_write_options;

typedef struct floe_table_pending floe_table_pending;

/*
 * Run `query` and commit its result to table ns.name in one snapshot
 * (append, or overwrite for REPLACE of an existing table; the schema is
 * evolved to the query's when it changes). Data files go under
 * <table location>/data/. A failure at any step commits nothing and removes
 * the files this call wrote (a commit whose outcome cannot be told keeps
 * them, and says so). A lost race is retried on the new version with
 * full-jitter backoff within the table's commit.retry.* budget (60 s by
 * default; FLOE_COMMIT_TIMEOUT_MS overrides the total), then FLOE_ECONFLICT;
 * a table dropped and re-created, or whose current schema changed to one
 * the files do not follow, is FLOE_ECONFLICT at once.
 */
int floe_table_write(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                     const char *query, floe_write_mode mode, floe_write_result *res);
/* floe_table_write with options (opts may be NULL). */
int floe_table_write_with(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                          const char *query, floe_write_mode mode, const floe_write_options *opts,
                          floe_write_result *res);
/* Commit a write that floe_table_write_with left pending; res gets the
 * snapshot id and attempts (rows, files, bytes and kept were set by the
 * write). A failure commits nothing and removes the write's data files;
 * its kept result stays until floe_table_release(). p is freed either
 * way. DuckDB is not touched: any thread may commit. */
int floe_table_commit(floe_catalog *c, floe_table_pending *p, floe_write_result *res);
/* Give up a pending write: its data files are removed and p is freed (the
 * kept result stays until floe_table_release()). */
void floe_table_abandon(floe_table_pending *p);

/* Does this engine's database keep a result of table ns.name (committed
 * or pending)? */
bool floe_table_is_kept(floe_engine *e, const char *ns, const char *name);
/* Drop the kept result of ns.name, if there is one, and expose the table
 * from its data files again, or drop its view when the catalog has no
 * such table (a pending write given up). 0 also when nothing was kept. */
int floe_table_release(floe_engine *e, floe_catalog *c, const char *ns, const char *name);
/* Drop table ns.name from the catalog (purge: its files too), its view in
 * this engine's database and any kept result of it. */
int floe_table_drop(floe_engine *e, floe_catalog *c, const char *ns, const char *name, bool purge);

/*
 * CREATE TABLE ns.name (column definitions): `columns` is the parenthesised
 * definition list in DuckDB's syntax, which DuckDB parses; the column types
 * map to Iceberg types as a query's would (floe_engine_describe). A new
 * table has the schema and no snapshot; REPLACE of an existing one commits
 * an overwrite with no rows and the new schema; CREATE_IF_ABSENT of an
 * existing one is res->skipped. Constraints (PRIMARY KEY, NOT NULL, UNIQUE,
 * CHECK, FOREIGN KEY), DEFAULT and generated columns have no Iceberg form
 * and are FLOE_EUNSUPPORTED, naming the column. APPEND is FLOE_EINVAL.
 */
int floe_table_create_columns(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                              const char *columns, floe_write_mode mode, floe_write_result *res);

/* Register one table as a view at snapshot_id (-1 = current; a kept result
 * of the table when there is one). */
int floe_table_expose(floe_engine *e, floe_catalog *c, const char *ns, const char *name,
                      int64_t snapshot_id);

/* How to pick the snapshot of each table when exposing the catalog. */
typedef struct {
	int64_t snapshot_id; /* -1: not used */
	int64_t as_of_ms;    /* -1: not used */
} floe_as_of;

/*
 * Register every table of the catalog (all namespaces, nested ones as
 * "a.b") as a view: the current snapshot, or per `as_of` the given snapshot
 * (for the table that has it) / the snapshot current at a time (tables
 * created later are left out), then every catalog view whose SQL is one
 * SELECT. A table or view that cannot be read (metadata missing or
 * corrupt, a data file missing, a view body that is not one SELECT) becomes
 * a view raising why in the statements that read it; the others work.
 * FLOE_ENOTFOUND when as_of names a snapshot no table has. as_of may be
 * NULL.
 */
int floe_table_expose_all(floe_engine *e, floe_catalog *c, const floe_as_of *as_of);

#endif
