/*
 * Iceberg table metadata (spec: "Table Metadata", Appendix C). The parsed
 * JSON document is kept whole, so fields written by other implementations
 * survive a load/commit round trip; typed accessors read it. Parsing
 * validates the v2 required fields and their cross references.
 */
#include <stdlib.h>
#include <string.h>

#include "floe/iceberg.h"
#include "iceberg_internal.h"

floe_ice_metadata *floe_ice_metadata_wrap(json_t *root)
{
	floe_ice_metadata *m = floe_calloc(1, sizeof(*m));
	if (m == NULL) {
		json_decref(root);
		return NULL;
	}
	m->root = root;
	return m;
}

static int missing(const char *name, const char *field, const char *what)
{
	return floe_error_set(FLOE_ECORRUPT, "%s: table metadata field '%s' %s", name, field, what);
}

static bool find_by_int(const json_t *arr, const char *key, json_int_t v)
{
	size_t i;
	const json_t *e;
	json_array_foreach(arr, i, e) if (json_integer_value(json_object_get(e, key)) == v &&
	                                  json_is_integer(json_object_get(e, key))) return true;
	return false;
}

/* root[key] = v, taking v over; false (v freed) on failure */
static bool put(json_t *root, const char *key, json_t *v)
{
	if (v == NULL)
		return false;
	return json_object_set_new(root, key, v) == 0;
}

/* v1 metadata: lift the singular schema / partition-spec into the v2 lists
 * (spec: "Table Metadata" upgrade notes). Every change is checked: a
 * half-upgraded document is never returned. */
static int upgrade_v1(json_t *root, const char *name)
{
	json_t *schema = json_object_get(root, "schema");
	bool ok = true;
	if (!json_is_array(json_object_get(root, "schemas")) && json_is_object(schema)) {
		json_t *copy = json_deep_copy(schema);
		json_int_t id = 0;
		if (copy == NULL)
			goto oom;
		if (json_is_integer(json_object_get(copy, "schema-id")))
			id = json_integer_value(json_object_get(copy, "schema-id"));
		else if (!put(copy, "schema-id", json_integer(0)))
			ok = false;
		ok = ok && put(root, "current-schema-id", json_integer(id));
		/* "o" takes copy over even when packing fails */
		ok = put(root, "schemas", json_pack("[o]", copy)) && ok;
	}
	if (ok && !json_is_array(json_object_get(root, "partition-specs"))) {
		json_t *fields = json_object_get(root, "partition-spec");
		if (fields != NULL && !json_is_array(fields))
			return floe_error_set(FLOE_ECORRUPT,
			                      "%s: table metadata field 'partition-spec' is not an "
			                      "array",
			                      name);
		ok = put(root, "partition-specs",
		         fields ? json_pack("[{s:i,s:O}]", "spec-id", 0, "fields", fields)
		                : json_pack("[{s:i,s:[]}]", "spec-id", 0, "fields"));
		ok = ok && put(root, "default-spec-id", json_integer(0));
	}
	if (ok && !json_is_integer(json_object_get(root, "last-partition-id")))
		ok = put(root, "last-partition-id", json_integer(999));
	if (ok && !json_is_array(json_object_get(root, "sort-orders"))) {
		ok = put(root, "sort-orders", json_pack("[{s:i,s:[]}]", "order-id", 0, "fields"));
		ok = ok && put(root, "default-sort-order-id", json_integer(0));
	}
	if (ok && !json_is_integer(json_object_get(root, "last-sequence-number")))
		ok = put(root, "last-sequence-number", json_integer(0));
	if (ok && !json_is_string(json_object_get(root, "table-uuid"))) {
		uint8_t u[16];
		char s[37];
		floe_uuid_v4(u);
		floe_uuid_format(u, s);
		ok = put(root, "table-uuid", json_string(s));
	}
	if (ok)
		return 0;
oom:
	return floe_error_set(FLOE_ENOMEM, "%s: out of memory upgrading v1 table metadata", name);
}

int floe_ice_metadata_validate(const json_t *root, const char *name)
{
	static const char *ints[] = {"last-sequence-number", "last-updated-ms", "last-column-id",
	                             "current-schema-id",    "default-spec-id", "last-partition-id",
	                             "default-sort-order-id"};
	const json_t *cur;
	json_int_t sid;
	json_int_t version;
	if (!json_is_integer(json_object_get(root, "format-version")))
		return missing(name, "format-version", "is missing or not an integer");
	version = json_integer_value(json_object_get(root, "format-version"));
	if (version < 1 || version > 2)
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "%s: table format-version %lld is not supported (floe reads "
		                      "format versions 1 and 2)",
		                      name, (long long)version);
	if (!json_is_string(json_object_get(root, "table-uuid")))
		return missing(name, "table-uuid", "is missing or not a string");
	if (!json_is_string(json_object_get(root, "location")))
		return missing(name, "location", "is missing or not a string");
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!json_is_integer(json_object_get(root, ints[i])))
			return missing(name, ints[i], "is missing or not an integer");
	if (!json_is_array(json_object_get(root, "schemas")) ||
	    json_array_size(json_object_get(root, "schemas")) == 0)
		return missing(name, "schemas", "is missing or empty");
	if (!json_is_array(json_object_get(root, "partition-specs")))
		return missing(name, "partition-specs", "is missing");
	if (!json_is_array(json_object_get(root, "sort-orders")))
		return missing(name, "sort-orders", "is missing");
	if (json_integer_value(json_object_get(root, "last-sequence-number")) < 0)
		return missing(name, "last-sequence-number", "is negative");
	sid = json_integer_value(json_object_get(root, "current-schema-id"));
	if (!find_by_int(json_object_get(root, "schemas"), "schema-id", sid))
		return floe_error_set(FLOE_ECORRUPT, "%s: current-schema-id %lld names no schema",
		                      name, (long long)sid);
	if (!find_by_int(json_object_get(root, "partition-specs"), "spec-id",
	                 json_integer_value(json_object_get(root, "default-spec-id"))))
		return missing(name, "default-spec-id", "names no partition spec");
	cur = json_object_get(root, "current-snapshot-id");
	if (json_is_integer(cur) && json_integer_value(cur) >= 0 &&
	    !find_by_int(json_object_get(root, "snapshots"), "snapshot-id",
	                 json_integer_value(cur)))
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s: current-snapshot-id %lld names no snapshot", name,
		                      (long long)json_integer_value(cur));
	if (cur != NULL && !json_is_integer(cur) && !json_is_null(cur))
		return missing(name, "current-snapshot-id", "is not an integer");
	{
		size_t i;
		const json_t *s;
		const json_t *snaps = json_object_get(root, "snapshots");
		if (snaps != NULL && !json_is_array(snaps))
			return missing(name, "snapshots", "is not an array");
		json_array_foreach(snaps, i, s)
		{
			/* v1 allowed a snapshot to list its manifests inline */
			if (!json_is_string(json_object_get(s, "manifest-list")) &&
			    json_is_array(json_object_get(s, "manifests")))
				return floe_error_set(
				    FLOE_EUNSUPPORTED,
				    "%s: snapshot %lld lists its manifests inline (v1 'manifests' "
				    "field); floe reads snapshots with a manifest list only",
				    name,
				    (long long)json_integer_value(
				        json_object_get(s, "snapshot-id")));
			if (version >= 2 && !json_is_integer(json_object_get(s, "sequence-number")))
				return missing(name, "snapshots",
				               "has a snapshot without sequence-number");
			if (!json_is_integer(json_object_get(s, "snapshot-id")) ||
			    !json_is_integer(json_object_get(s, "timestamp-ms")) ||
			    !json_is_string(json_object_get(s, "manifest-list")))
				return missing(name, "snapshots", "has an incomplete snapshot");
		}
	}
	return 0;
}

int floe_ice_metadata_parse(floe_ice_metadata **out, const char *text, size_t len, const char *name)
{
	json_error_t err;
	json_t *root;
	int rc;
	*out = NULL;
	floe_fault_alloc_suspend(); /* jansson's lexer: see floe_fault_alloc_suspend */
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
	floe_fault_alloc_resume();
	if (root == NULL)
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s: table metadata is not valid JSON: %s (line %d)", name,
		                      err.text, err.line);
	if (!json_is_object(root)) {
		json_decref(root);
		return floe_error_set(FLOE_ECORRUPT, "%s: table metadata is not a JSON object",
		                      name);
	}
	if (json_is_integer(json_object_get(root, "format-version")) &&
	    json_integer_value(json_object_get(root, "format-version")) == 1 &&
	    (rc = upgrade_v1(root, name)) != 0) {
		json_decref(root);
		return rc;
	}
	if ((rc = floe_ice_metadata_validate(root, name)) != 0) {
		json_decref(root);
		return rc;
	}
	if ((*out = floe_ice_metadata_wrap(root)) == NULL)
		return FLOE_ENOMEM;
	if (name != NULL && ((*out)->name = floe_strdup(name)) == NULL) {
		floe_ice_metadata_free(*out);
		*out = NULL;
		return FLOE_ENOMEM;
	}
	return 0;
}

int floe_ice_metadata_serialize(const floe_ice_metadata *m, floe_buf *out)
{
	if (floe_json_dump(out, m->root, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return floe_error_prefix("cannot serialize table metadata: ");
	return 0;
}

floe_ice_metadata *floe_ice_metadata_clone(const floe_ice_metadata *m)
{
	json_t *copy = json_deep_copy(m->root);
	floe_ice_metadata *c;
	if (copy == NULL) {
		floe_error_set(FLOE_ENOMEM, "out of memory");
		return NULL;
	}
	if ((c = floe_ice_metadata_wrap(copy)) != NULL && m->name != NULL &&
	    (c->name = floe_strdup(m->name)) == NULL) {
		floe_ice_metadata_free(c);
		return NULL;
	}
	return c;
}

const char *floe_ice_metadata_name(const floe_ice_metadata *m)
{
	return m->name;
}

void floe_ice_metadata_free(floe_ice_metadata *m)
{
	if (m == NULL)
		return;
	json_decref(m->root);
	floe_free(m->name);
	floe_free(m);
}

const json_t *floe_ice_metadata_json(const floe_ice_metadata *m)
{
	return m->root;
}

static json_int_t geti(const floe_ice_metadata *m, const char *key, json_int_t dflt)
{
	const json_t *v = json_object_get(m->root, key);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

int floe_ice_metadata_format_version(const floe_ice_metadata *m)
{
	return (int)geti(m, "format-version", 2);
}
const char *floe_ice_metadata_uuid(const floe_ice_metadata *m)
{
	return json_string_value(json_object_get(m->root, "table-uuid"));
}
const char *floe_ice_metadata_location(const floe_ice_metadata *m)
{
	return json_string_value(json_object_get(m->root, "location"));
}
int64_t floe_ice_metadata_last_sequence_number(const floe_ice_metadata *m)
{
	return geti(m, "last-sequence-number", 0);
}
int64_t floe_ice_metadata_last_updated_ms(const floe_ice_metadata *m)
{
	return geti(m, "last-updated-ms", 0);
}
int floe_ice_metadata_last_column_id(const floe_ice_metadata *m)
{
	return (int)geti(m, "last-column-id", 0);
}
int floe_ice_metadata_current_schema_id(const floe_ice_metadata *m)
{
	return (int)geti(m, "current-schema-id", 0);
}
int64_t floe_ice_metadata_current_snapshot_id(const floe_ice_metadata *m)
{
	json_int_t v = geti(m, "current-snapshot-id", -1);
	return v < 0 ? -1 : v;
}

const char *floe_ice_metadata_property(const floe_ice_metadata *m, const char *key)
{
	return json_string_value(json_object_get(json_object_get(m->root, "properties"), key));
}

int floe_ice_metadata_schema(const floe_ice_metadata *m, int schema_id, floe_ice_schema **out)
{
	size_t i;
	const json_t *s;
	*out = NULL;
	if (schema_id < 0)
		schema_id = floe_ice_metadata_current_schema_id(m);
	json_array_foreach(json_object_get(m->root, "schemas"), i, s)
	{
		if (json_integer_value(json_object_get(s, "schema-id")) == schema_id)
			return floe_ice_schema_from_json(out, s);
	}
	return floe_error_set(FLOE_ENOTFOUND, "table has no schema with id %d", schema_id);
}

size_t floe_ice_metadata_snapshot_count(const floe_ice_metadata *m)
{
	return json_array_size(json_object_get(m->root, "snapshots"));
}

static void fill_snapshot(const json_t *s, floe_ice_snapshot *out)
{
	const json_t *parent = json_object_get(s, "parent-snapshot-id");
	const json_t *sid = json_object_get(s, "schema-id");
	out->snapshot_id = json_integer_value(json_object_get(s, "snapshot-id"));
	out->parent_id = json_is_integer(parent) ? json_integer_value(parent) : -1;
	out->sequence_number = json_integer_value(json_object_get(s, "sequence-number"));
	out->timestamp_ms = json_integer_value(json_object_get(s, "timestamp-ms"));
	out->manifest_list = json_string_value(json_object_get(s, "manifest-list"));
	out->summary = json_object_get(s, "summary");
	out->operation = json_string_value(json_object_get(out->summary, "operation"));
	out->schema_id = json_is_integer(sid) ? (int)json_integer_value(sid) : -1;
}

int floe_ice_metadata_snapshot_at(const floe_ice_metadata *m, size_t i, floe_ice_snapshot *out)
{
	const json_t *s = json_array_get(json_object_get(m->root, "snapshots"), i);
	if (s == NULL)
		return floe_error_set(FLOE_ENOTFOUND, "no snapshot at index %zu", i);
	fill_snapshot(s, out);
	return 0;
}

int floe_ice_metadata_snapshot_by_id(const floe_ice_metadata *m, int64_t id, floe_ice_snapshot *out)
{
	size_t i;
	const json_t *s;
	json_array_foreach(json_object_get(m->root, "snapshots"), i, s)
	{
		if (json_integer_value(json_object_get(s, "snapshot-id")) == id) {
			fill_snapshot(s, out);
			return 0;
		}
	}
	return floe_error_set(FLOE_ENOTFOUND, "snapshot %lld not found", (long long)id);
}

int floe_ice_metadata_snapshot_as_of(const floe_ice_metadata *m, int64_t ts_ms, int64_t *id_out)
{
	const json_t *log = json_object_get(m->root, "snapshot-log"), *e;
	int64_t best = -1, best_ts = INT64_MIN;
	size_t i;
	if (json_array_size(log) == 0)
		log = json_object_get(m->root, "snapshots");
	json_array_foreach(log, i, e)
	{
		int64_t ts = json_integer_value(json_object_get(e, "timestamp-ms"));
		if (ts <= ts_ms && ts >= best_ts) {
			best_ts = ts;
			best = json_integer_value(json_object_get(e, "snapshot-id"));
		}
	}
	if (best < 0)
		return floe_error_set(FLOE_ENOTFOUND, "no snapshot at or before that time");
	*id_out = best;
	return 0;
}
