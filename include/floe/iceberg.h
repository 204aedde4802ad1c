/*
 * floe iceberg: the Iceberg v2 table model (spec: format/spec.md).
 *
 * - types and schemas (App. C JSON), with field ids
 * - table metadata: kept as the parsed JSON document (so fields written by
 *   other implementations survive a round trip) behind typed accessors
 * - commits expressed as the REST catalog protocol does: a JSON array of
 *   TableRequirement objects checked against the base metadata and a JSON
 *   array of TableUpdate objects applied to it (open-api
 *   rest-catalog-open-api.yaml). The same code serves the catalogs, the
 *   REST server and the REST client.
 * - manifests and manifest lists (App. A Avro, field ids of the spec)
 * - column bounds in the single-value binary form (App. D)
 * - snapshot production (append / overwrite) and scan planning
 *
 * Built on base, avro, storage and jansson. Knows no DuckDB and no HTTP.
 */
#ifndef FLOE_ICEBERG_H
#define FLOE_ICEBERG_H

#include <jansson.h>

#include "floe/avro.h"
#include "floe/base.h"
#include "floe/storage.h"

/* ======================= types and schemas ======================= */

typedef enum {
	FLOE_ICE_BOOLEAN,
	FLOE_ICE_INT,
	FLOE_ICE_LONG,
	FLOE_ICE_FLOAT,
	FLOE_ICE_DOUBLE,
	FLOE_ICE_DECIMAL,
	FLOE_ICE_DATE,
	FLOE_ICE_TIME,
	FLOE_ICE_TIMESTAMP,
	FLOE_ICE_TIMESTAMPTZ,
	FLOE_ICE_STRING,
	FLOE_ICE_UUID,
	FLOE_ICE_FIXED,
	FLOE_ICE_BINARY,
	FLOE_ICE_STRUCT,
	FLOE_ICE_LIST,
	FLOE_ICE_MAP
} floe_ice_kind;

typedef struct floe_ice_type floe_ice_type;

typedef struct {
	int id;
	char *name;
	bool required;
	floe_ice_type *type;
	char *doc; /* NULL when absent */
} floe_ice_field;

struct floe_ice_type {
	floe_ice_kind kind;
	int precision, scale; /* DECIMAL */
	int length;           /* FIXED */
	/* STRUCT */
	size_t nfields;
	floe_ice_field *fields;
	/* LIST */
	int element_id;
	bool element_required;
	floe_ice_type *element;
	/* MAP (keys are always required) */
	int key_id;
	floe_ice_type *key;
	int value_id;
	bool value_required;
	floe_ice_type *value;
};

typedef struct {
	int schema_id;
	floe_ice_type *root; /* kind STRUCT */
	size_t nidentifier;
	int *identifier_ids;
} floe_ice_schema;

/* Allocate an empty type of `kind` (caller frees with floe_ice_type_free). */
floe_ice_type *floe_ice_type_new(floe_ice_kind kind);
void floe_ice_type_free(floe_ice_type *t);
floe_ice_type *floe_ice_type_clone(const floe_ice_type *t);
/* Append a field to a STRUCT type; name is copied, type is taken over. */
int floe_ice_struct_add(floe_ice_type *st, int id, const char *name, bool required,
                        floe_ice_type *type);
bool floe_ice_type_is_primitive(const floe_ice_type *t);
/* Spec string of a primitive: "long", "decimal(9,2)", "fixed[16]"; written
 * into out (>= 32 bytes). Nested types give "struct", "list", "map". */
void floe_ice_type_string(const floe_ice_type *t, char *out, size_t outlen);

/* Schema JSON (spec App. C) <-> model. from_json validates ids, names,
 * required keys and type strings; errors name the offending field. */
int floe_ice_schema_from_json(floe_ice_schema **out, const json_t *j);
json_t *floe_ice_schema_to_json(const floe_ice_schema *s); /* new reference */
floe_ice_schema *floe_ice_schema_new(int schema_id, floe_ice_type *root /* taken */);
/*
 * The Parquet column name a writer gives an Iceberg field (spec, Appendix
 * A: columns are matched by field id; Java writes the name through
 * AvroSchemaUtil.makeCompatibleName, and readers that match by name, such
 * as icebird, expect it): the name itself when it is an Avro name
 * ([A-Za-z_][A-Za-z0-9_]*), else a leading digit gets a '_' in front and
 * every other character outside [A-Za-z0-9_] (each code point of UTF-8
 * text) becomes _x<HEX>. Caller frees; NULL on ENOMEM.
 */
char *floe_ice_parquet_name(const char *name);
floe_ice_schema *floe_ice_schema_clone(const floe_ice_schema *s);
void floe_ice_schema_free(floe_ice_schema *s);
/* Field with this id anywhere in the schema (nested too), or NULL. For list
 * elements and map keys/values there is no floe_ice_field: see find_type. */
const floe_ice_field *floe_ice_schema_find_field(const floe_ice_schema *s, int id);
/* Type carried by field id (struct fields, list elements, map keys/values). */
const floe_ice_type *floe_ice_schema_find_type(const floe_ice_schema *s, int id);
/* Highest field id used anywhere in the schema (0 if none). */
int floe_ice_schema_max_id(const floe_ice_schema *s);
/* Same fields, ids, names, types, requiredness (schema ids ignored). */
bool floe_ice_schema_equal(const floe_ice_schema *a, const floe_ice_schema *b);

/* ======================= table metadata ======================= */

typedef struct floe_ice_metadata floe_ice_metadata;

typedef struct {
	int64_t snapshot_id;
	int64_t parent_id; /* -1 when none */
	int64_t sequence_number;
	int64_t timestamp_ms;
	const char *manifest_list; /* borrowed from the metadata */
	const char *operation;     /* summary.operation, borrowed */
	int schema_id;             /* -1 when absent */
	const json_t *summary;     /* borrowed object of strings */
} floe_ice_snapshot;

/* Parse and validate metadata JSON (format-version 1 or 2; v1 is read as
 * the spec's upgrade rules say). `name` (the file location) goes into error
 * messages. Corrupt or incomplete JSON is FLOE_ECORRUPT naming the field. */
int floe_ice_metadata_parse(floe_ice_metadata **out, const char *text, size_t len,
                            const char *name);
/* Serialize as JSON text (compact, fields in spec order where we create
 * them). out must be initialised by the caller. */
int floe_ice_metadata_serialize(const floe_ice_metadata *m, floe_buf *out);
floe_ice_metadata *floe_ice_metadata_clone(const floe_ice_metadata *m);
void floe_ice_metadata_free(floe_ice_metadata *m);
/* The underlying JSON document (borrowed; do not modify). */
const json_t *floe_ice_metadata_json(const floe_ice_metadata *m);

int floe_ice_metadata_format_version(const floe_ice_metadata *m);
const char *floe_ice_metadata_uuid(const floe_ice_metadata *m);
const char *floe_ice_metadata_location(const floe_ice_metadata *m);
int64_t floe_ice_metadata_last_sequence_number(const floe_ice_metadata *m);
int64_t floe_ice_metadata_last_updated_ms(const floe_ice_metadata *m);
int floe_ice_metadata_last_column_id(const floe_ice_metadata *m);
int floe_ice_metadata_current_schema_id(const floe_ice_metadata *m);
/* -1 when the table has no current snapshot. */
int64_t floe_ice_metadata_current_snapshot_id(const floe_ice_metadata *m);
/* Property value or NULL (borrowed). */
const char *floe_ice_metadata_property(const floe_ice_metadata *m, const char *key);
/* Schema by id (-1 = current). New object: floe_ice_schema_free. */
int floe_ice_metadata_schema(const floe_ice_metadata *m, int schema_id, floe_ice_schema **out);
size_t floe_ice_metadata_snapshot_count(const floe_ice_metadata *m);
int floe_ice_metadata_snapshot_at(const floe_ice_metadata *m, size_t i, floe_ice_snapshot *out);
/* FLOE_ENOTFOUND when no such snapshot. */
int floe_ice_metadata_snapshot_by_id(const floe_ice_metadata *m, int64_t id,
                                     floe_ice_snapshot *out);
/* The snapshot that was current on main at time ts_ms (from snapshot-log;
 * falls back to snapshots by timestamp). FLOE_ENOTFOUND if none. */
int floe_ice_metadata_snapshot_as_of(const floe_ice_metadata *m, int64_t ts_ms, int64_t *id_out);

/* ======================= commits: requirements and updates ======================= */

/*
 * Check REST TableRequirement objects against base (NULL = the table does not
 * exist). Supported: assert-create, assert-table-uuid, assert-ref-snapshot-id
 * (snapshot-id null = ref must not exist), assert-last-assigned-field-id,
 * assert-current-schema-id, assert-last-assigned-partition-id,
 * assert-default-spec-id, assert-default-sort-order-id.
 * A failed requirement is FLOE_ECONFLICT with a message saying which;
 * an unknown or malformed one is FLOE_EINVAL.
 */
int floe_ice_requirements_check(const floe_ice_metadata *base, const json_t *requirements);

/*
 * Apply REST TableUpdate objects to base (NULL = create a new table from
 * nothing; the updates must then assign a uuid, add a schema, a spec, a sort
 * order and set the location) and return the new metadata. Supported actions:
 * assign-uuid, upgrade-format-version, add-schema, set-current-schema (-1 =
 * last added), add-spec, set-default-spec (-1), add-sort-order,
 * set-default-sort-order (-1), add-snapshot, set-snapshot-ref,
 * remove-snapshots, remove-snapshot-ref, set-location, set-properties,
 * remove-properties.
 * Bookkeeping done here, as the spec and the Java reference do it:
 * last-updated-ms = max(now_ms, previous), last-sequence-number, snapshot-log
 * when main moves, metadata-log += base_location (when base and
 * base_location are given; trimmed to write.metadata.previous-versions-max,
 * default 100), last-column-id / last-partition-id raised as needed.
 * Invalid updates (sequence number not increasing, unknown schema id, ref to
 * a missing snapshot) are FLOE_EINVAL.
 */
int floe_ice_updates_apply(floe_ice_metadata **out, const floe_ice_metadata *base,
                           const char *base_location, const json_t *updates, int64_t now_ms);

/* The updates that create a new unpartitioned, unsorted v2 table. New
 * reference. properties may be NULL. */
json_t *floe_ice_create_updates(const char *location, const floe_ice_schema *schema,
                                const json_t *properties);

/* ======================= data files, manifests, manifest lists ======================= */

typedef struct {
	int field_id;
	int64_t column_size; /* -1 = unknown */
	int64_t value_count; /* -1 = unknown */
	int64_t null_count;  /* -1 = unknown */
	int64_t nan_count;   /* -1 = unknown */
	uint8_t *lower;      /* NULL = no bound; owned */
	size_t lower_len;
	uint8_t *upper;
	size_t upper_len;
} floe_ice_column_stats;

typedef struct {
	int content;  /* 0 data, 1 position deletes, 2 equality deletes */
	char *path;   /* absolute URI; owned */
	char *format; /* "PARQUET"; owned */
	int64_t record_count;
	int64_t file_size;
	size_t nstats;
	floe_ice_column_stats *stats; /* owned */
} floe_ice_data_file;

typedef struct {
	int status;                   /* 0 EXISTING, 1 ADDED, 2 DELETED */
	int64_t snapshot_id;          /* -1 = null (inherit) */
	int64_t sequence_number;      /* -1 = null (inherit) */
	int64_t file_sequence_number; /* -1 = null (inherit) */
	floe_ice_data_file file;
} floe_ice_manifest_entry;

/* One partition field's summary in a manifest list entry (spec "Manifest
 * Lists", field 508). */
typedef struct {
	bool contains_null;
	int contains_nan; /* -1 = null (unknown), 0, 1 */
	uint8_t *lower;   /* NULL = null; owned */
	size_t lower_len;
	uint8_t *upper; /* NULL = null; owned */
	size_t upper_len;
} floe_ice_field_summary;

typedef struct {
	char *path; /* owned */
	int64_t length;
	int spec_id;
	int content; /* 0 data, 1 deletes */
	int64_t sequence_number;
	int64_t min_sequence_number;
	int64_t added_snapshot_id;
	int32_t added_files, existing_files, deleted_files;
	int64_t added_rows, existing_rows, deleted_rows;
	/* partitions (field 507), kept as read so that a manifest carried
	 * forward keeps them: partitions_null writes null, else the npartitions
	 * summaries (none for an unpartitioned spec, which zero-initialised
	 * entries are); owned */
	bool partitions_null;
	size_t npartitions;
	floe_ice_field_summary *partitions;
} floe_ice_manifest_file;

void floe_ice_data_file_dispose(floe_ice_data_file *f); /* frees members */
int floe_ice_data_file_copy(floe_ice_data_file *dst, const floe_ice_data_file *src);
void floe_ice_data_files_free(floe_ice_data_file *files, size_t n);
void floe_ice_manifest_entries_free(floe_ice_manifest_entry *e, size_t n);
void floe_ice_manifest_files_free(floe_ice_manifest_file *f, size_t n);

/*
 * Encode a manifest (unpartitioned, spec id 0) as an Avro container
 * (deflate) with the spec's header keys (schema, schema-id, partition-spec,
 * partition-spec-id, format-version, content) and the v2 manifest_entry
 * schema with every field id. Its content is "data" when every entry is a
 * data file, "deletes" when every entry is a delete file (content 1 or 2);
 * a mix is FLOE_EINVAL. out must be initialised by the caller.
 */
int floe_ice_manifest_encode(floe_buf *out, const floe_ice_schema *schema,
                             const floe_ice_manifest_entry *entries, size_t n);
/*
 * Decode a manifest. Sequence numbers and snapshot ids left null on ADDED
 * entries are inherited from the manifest list entry `mf` (spec: sequence
 * number inheritance); when mf is NULL they stay -1. Any partition spec is
 * accepted (partition values are not returned). A format-version header
 * other than 1 or 2 is FLOE_EUNSUPPORTED; negative counts or sizes, an
 * unknown status or content are FLOE_ECORRUPT.
 */
int floe_ice_manifest_decode(floe_ice_manifest_entry **out, size_t *n, const void *data, size_t len,
                             const char *name, const floe_ice_manifest_file *mf);
/* Encode a v2 manifest list with header keys snapshot-id,
 * parent-snapshot-id ("null" when parent_id < 0), sequence-number,
 * format-version. */
int floe_ice_manifest_list_encode(floe_buf *out, int64_t snapshot_id, int64_t parent_id,
                                  int64_t sequence_number, const floe_ice_manifest_file *files,
                                  size_t n);
/* Decode a manifest list (v1 or v2; another format-version header or an
 * encrypted manifest, key_metadata set, is FLOE_EUNSUPPORTED). Free with
 * floe_ice_manifest_files_free. */
int floe_ice_manifest_list_decode(floe_ice_manifest_file **out, size_t *n, const void *data,
                                  size_t len, const char *name);

/* ======================= bounds (spec App. D) ======================= */

/* Fixed-width little-endian forms: out must hold 8 bytes; returns length. */
size_t floe_ice_bound_bool(uint8_t *out, bool v);
size_t floe_ice_bound_i32(uint8_t *out, int32_t v); /* int, date */
size_t floe_ice_bound_i64(uint8_t *out, int64_t v); /* long, time, timestamp(tz) */
size_t floe_ice_bound_f32(uint8_t *out, float v);
size_t floe_ice_bound_f64(uint8_t *out, double v);
/* Decimal unscaled value as big-endian two's complement, fewest bytes;
 * out holds 16 bytes. */
size_t floe_ice_bound_decimal(uint8_t *out, __int128 unscaled);
/* A uuid column's bounds that hold both in the unsigned byte order and in
 * Java's (java.util.UUID: signed 64-bit halves), from the bounds of either
 * order: into lo and hi (16 bytes each), the bounds themselves or wider
 * ones; false when there are none (both must be left out). Manifests are
 * written with these. */
bool floe_ice_uuid_bounds(uint8_t lo[16], uint8_t hi[16], const uint8_t *lower, size_t lower_len,
                          const uint8_t *upper, size_t upper_len);
/* Truncated bounds for string (code points) and binary (bytes), App. D and
 * the Java reference's truncation: the lower bound is a prefix of at most
 * `width` units; the upper bound is a prefix whose last unit is incremented
 * (surrogates skipped). They return false when there is no bound (an upper
 * bound with nothing left to increment; a lower bound always exists); a
 * true return with *out_len 0 is the empty bound of an empty value. For
 * values within width the bounds are the value itself. Returned data is
 * written to out (capacity >= len + 4). */
bool floe_ice_truncate_string_lower(uint8_t *out, size_t *out_len, const char *s, size_t len,
                                    size_t width);
bool floe_ice_truncate_string_upper(uint8_t *out, size_t *out_len, const char *s, size_t len,
                                    size_t width);
bool floe_ice_truncate_binary_lower(uint8_t *out, size_t *out_len, const uint8_t *p, size_t len,
                                    size_t width);
bool floe_ice_truncate_binary_upper(uint8_t *out, size_t *out_len, const uint8_t *p, size_t len,
                                    size_t width);

/* ======================= snapshots and scans ======================= */

typedef enum { FLOE_ICE_OP_APPEND, FLOE_ICE_OP_OVERWRITE } floe_ice_op;

/*
 * Produce one snapshot on top of base's current main: writes the new
 * manifest (ADDED entries for `files`; for OVERWRITE also DELETED entries
 * for every live data file of the parent) and the manifest list into
 * <location>/metadata/ (an APPEND carries every manifest of the parent
 * forward, delete manifests included; an OVERWRITE drops the parent's
 * delete files with the data they applied to and counts them in the
 * summary's removed-* keys), and returns the REST requirements
 * (assert-table-uuid, assert-ref-snapshot-id main = parent) and updates
 * (optional add-schema + set-current-schema when new_schema is given and
 * differs from the current one, add-snapshot, set-snapshot-ref main).
 * Summary: operation, added-/deleted-/total- data files, records, files
 * size, plus `extra_summary` pairs. New references in *requirements and
 * *updates; *snapshot_id_out the new snapshot id. Only format-version 2
 * tables are written (FLOE_EUNSUPPORTED otherwise); a table whose
 * last-sequence-number cannot be incremented is FLOE_ECORRUPT.
 */
int floe_ice_snapshot_produce(json_t **requirements, json_t **updates, int64_t *snapshot_id_out,
                              const floe_ice_metadata *base, floe_ice_op op,
                              const floe_ice_data_file *files, size_t n,
                              const floe_ice_schema *new_schema, const json_t *extra_summary);

/* Live data files (status ADDED or EXISTING) of a snapshot, read through the
 * storage layer. snapshot_id -1 means current; a table without snapshot gives
 * zero files. A snapshot with live delete files (position or equality
 * deletes, as Spark, Trino and PyIceberg write them) is FLOE_EUNSUPPORTED,
 * naming the metadata and the counts: floe does not apply row-level deletes,
 * and its files alone would bring deleted rows back. Free with
 * floe_ice_data_files_free. */
int floe_ice_scan_files(floe_ice_data_file **out, size_t *n, const floe_ice_metadata *m,
                        int64_t snapshot_id);

/* ======================= views (view spec, format-version 1) ======================= */

/*
 * Iceberg view metadata (format/view-spec.md): view-uuid, format-version 1,
 * location, schemas, current-version-id, versions (each with its schema id,
 * summary, default-namespace and representations), version-log and
 * properties. Kept as the parsed JSON document, as table metadata is, so
 * that what other engines wrote (their dialects, properties) survives a new
 * version. A catalog only stores the files; building and reading them is
 * here. Not shared between threads while it is changed.
 */
typedef struct floe_ice_view floe_ice_view;

/* Parse and validate view metadata JSON; name (the file) is for errors.
 * FLOE_ECORRUPT when a required field is missing or wrong, or the current
 * version is not among the versions. Free with floe_ice_view_free. */
int floe_ice_view_parse(floe_ice_view **out, const char *text, size_t len, const char *name);
/* Add a version to base (NULL: a new view at `location`, a URI without a
 * trailing slash; ignored otherwise) and make it current: the SQL text in
 * `dialect` (e.g. "duckdb"), the schema of its result, the namespace its
 * single names resolve in (dotted levels). *out is new metadata, base is
 * not changed. Any allocation that fails fails the call (FLOE_ENOMEM). */
int floe_ice_view_add_version(floe_ice_view **out, const floe_ice_view *base, const char *location,
                              const char *ns, const char *sql, const char *dialect,
                              const floe_ice_schema *schema, int64_t now_ms);
/* Compact JSON text, appended to out. */
int floe_ice_view_serialize(const floe_ice_view *v, floe_buf *out);
void floe_ice_view_free(floe_ice_view *v);
/* Borrowed from the metadata. */
const char *floe_ice_view_uuid(const floe_ice_view *v);
const char *floe_ice_view_location(const floe_ice_view *v);
int64_t floe_ice_view_current_version_id(const floe_ice_view *v);
/* SQL of the current version: the representation in `dialect`, or else
 * the first SQL one (dialect NULL: the first). Borrowed; NULL when the
 * version has no SQL representation. */
const char *floe_ice_view_sql(const floe_ice_view *v, const char *dialect);
/* Schema of the current version; caller frees with floe_ice_schema_free. */
int floe_ice_view_schema(const floe_ice_view *v, floe_ice_schema **out);
/* The underlying JSON document (borrowed; do not modify). */
const json_t *floe_ice_view_json(const floe_ice_view *v);

#endif
