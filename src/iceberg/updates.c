/*
 * Commits in the form of the Iceberg REST catalog protocol
 * (open-api/rest-catalog-open-api.yaml: TableRequirement, TableUpdate):
 * requirements are checked against the base metadata, updates are applied
 * to a copy of it, with the bookkeeping the spec asks for (sequence numbers,
 * snapshot-log, metadata-log, last-updated-ms, last-column-id). The catalogs,
 * and later the REST server and client, all commit through this code.
 */
#include <string.h>

#include "floe/iceberg.h"
#include "iceberg_internal.h"

int floe_ice_property_check(const char *key, const char *value);

/* jansson's mutations fail only when memory runs out (or when given the
 * NULL of a constructor that did): every one fails the update. */
static int oom(void)
{
	return floe_error_set(FLOE_ENOMEM, "out of memory");
}

static int put(json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v) == 0 ? 0 : oom();
}

static int push(json_t *a, json_t *v)
{
	return json_array_append_new(a, v) == 0 ? 0 : oom();
}

/* ---- table properties floe reads ---- */

static const struct {
	const char *key;
	int64_t min, max;
} checked_props[] = {
    /* Parquet files roll at row group ends: a byte up to a terabyte */
    {"write.target-file-size-bytes", 1, 1LL << 40},
    {"write.metadata.previous-versions-max", 1, 1000000},
    {"commit.retry.num-retries", 0, 1000000},
    {"commit.retry.min-wait-ms", 0, 3600000},
    {"commit.retry.max-wait-ms", 0, 3600000},
    {"commit.retry.total-timeout-ms", 0, 86400000},
};

int floe_ice_property_check(const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(checked_props) / sizeof(checked_props[0]); i++) {
		int64_t v;
		if (strcmp(key, checked_props[i].key) != 0)
			continue;
		if (value == NULL || floe_parse_i64(&v, value) != 0 || v < checked_props[i].min ||
		    v > checked_props[i].max)
			return floe_error_set(FLOE_EINVAL,
			                      "table property %s must be an integer from %lld to "
			                      "%lld, not '%s'",
			                      key, (long long)checked_props[i].min,
			                      (long long)checked_props[i].max, value ? value : "");
		return 0;
	}
	return 0;
}

static const json_t *ref_of(const json_t *root, const char *name)
{
	return json_object_get(json_object_get(root, "refs"), name);
}

static int check_one(const json_t *root, const json_t *r)
{
	const char *type = json_string_value(json_object_get(r, "type"));
	if (type == NULL)
		return floe_error_set(FLOE_EINVAL, "requirement without a type");
	if (strcmp(type, "assert-create") == 0)
		return root ? floe_error_set(FLOE_ECONFLICT,
		                             "requirement failed: table already exists")
		            : 0;
	if (root == NULL)
		return floe_error_set(FLOE_ECONFLICT, "requirement failed: table does not exist");
	if (strcmp(type, "assert-table-uuid") == 0) {
		const char *want = json_string_value(json_object_get(r, "uuid"));
		const char *got = json_string_value(json_object_get(root, "table-uuid"));
		if (!floe_str_eq(want, got))
			return floe_error_set(FLOE_ECONFLICT,
			                      "requirement failed: table uuid is %s, expected %s",
			                      got ? got : "?", want ? want : "?");
		return 0;
	}
	if (strcmp(type, "assert-ref-snapshot-id") == 0) {
		const char *ref = json_string_value(json_object_get(r, "ref"));
		const json_t *want = json_object_get(r, "snapshot-id");
		const json_t *have = ref ? ref_of(root, ref) : NULL;
		if (ref == NULL)
			return floe_error_set(FLOE_EINVAL, "assert-ref-snapshot-id without ref");
		if (have == NULL && strcmp(ref, "main") == 0 &&
		    json_integer_value(json_object_get(root, "current-snapshot-id")) >= 0 &&
		    json_is_integer(json_object_get(root, "current-snapshot-id")))
			have = root; /* v1 tables may lack refs: current-snapshot-id is main */
		if (want == NULL || json_is_null(want)) {
			if (have != NULL)
				return floe_error_set(FLOE_ECONFLICT,
				                      "requirement failed: branch %s was created "
				                      "concurrently",
				                      ref);
			return 0;
		}
		{
			json_int_t got =
			    have == root
			        ? json_integer_value(json_object_get(root, "current-snapshot-id"))
			        : json_integer_value(json_object_get(have, "snapshot-id"));
			if (have == NULL)
				return floe_error_set(FLOE_ECONFLICT,
				                      "requirement failed: branch %s is missing",
				                      ref);
			if (got != json_integer_value(want))
				return floe_error_set(
				    FLOE_ECONFLICT,
				    "requirement failed: branch %s has changed: expected "
				    "snapshot %lld, found %lld",
				    ref, (long long)json_integer_value(want), (long long)got);
		}
		return 0;
	}
	{
		static const struct {
			const char *type, *req_key, *meta_key;
		} ints[] = {
		    {"assert-last-assigned-field-id", "last-assigned-field-id", "last-column-id"},
		    {"assert-current-schema-id", "current-schema-id", "current-schema-id"},
		    {"assert-last-assigned-partition-id", "last-assigned-partition-id",
		     "last-partition-id"},
		    {"assert-default-spec-id", "default-spec-id", "default-spec-id"},
		    {"assert-default-sort-order-id", "default-sort-order-id",
		     "default-sort-order-id"},
		};
		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
			json_int_t want, got;
			if (strcmp(type, ints[i].type) != 0)
				continue;
			want = json_integer_value(json_object_get(r, ints[i].req_key));
			got = json_integer_value(json_object_get(root, ints[i].meta_key));
			if (want != got)
				return floe_error_set(
				    FLOE_ECONFLICT, "requirement failed: %s is %lld, expected %lld",
				    ints[i].meta_key, (long long)got, (long long)want);
			return 0;
		}
	}
	return floe_error_set(FLOE_EINVAL, "unknown requirement type '%s'", type);
}

int floe_ice_requirements_check(const floe_ice_metadata *base, const json_t *requirements)
{
	size_t i;
	const json_t *r;
	if (requirements == NULL)
		return 0;
	if (!json_is_array(requirements))
		return floe_error_set(FLOE_EINVAL, "requirements must be a JSON array");
	json_array_foreach(requirements, i, r)
	{
		int rc = check_one(base ? base->root : NULL, r);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- updates ---- */

typedef struct {
	json_t *root;
	json_int_t last_schema, last_spec, last_order; /* ids added in this list */
	bool main_moved;
	bool snapshots_removed;
} apply_ctx;

/* The array root[key], made when missing; NULL (error set) when out of
 * memory. */
static json_t *arr(json_t *root, const char *key)
{
	json_t *a = json_object_get(root, key);
	if (!json_is_array(a)) {
		a = json_array();
		if (put(root, key, a) != 0)
			return NULL;
	}
	return a;
}

static json_int_t max_id_in(const json_t *a, const char *key)
{
	json_int_t m = -1;
	size_t i;
	const json_t *e;
	json_array_foreach(a, i, e) if (json_integer_value(json_object_get(e, key)) > m) m =
	    json_integer_value(json_object_get(e, key));
	return m;
}

static const json_t *find_in(const json_t *a, const char *key, json_int_t id)
{
	size_t i;
	const json_t *e;
	json_array_foreach(a, i, e) if (json_is_integer(json_object_get(e, key)) &&
	                                json_integer_value(json_object_get(e, key)) == id) return e;
	return NULL;
}

static bool same_fields(const json_t *a, const json_t *b)
{
	return json_equal(json_object_get(a, "fields"), json_object_get(b, "fields"));
}

/* add-schema / add-spec / add-sort-order: reuse an equal one, else assign
 * max + 1 (the Java reference's rule). Returns the id used. */
static int add_versioned(apply_ctx *c, const char *list_key, const char *id_key, const json_t *obj,
                         json_int_t *id_out)
{
	json_t *a = arr(c->root, list_key), *copy;
	size_t i;
	const json_t *e;
	if (a == NULL)
		return FLOE_ENOMEM;
	if (!json_is_object(obj))
		return floe_error_set(FLOE_EINVAL, "update needs a %s object", id_key);
	json_array_foreach(a, i, e)
	{
		if (same_fields(e, obj) &&
		    json_equal(json_object_get(e, "identifier-field-ids"),
		               json_object_get(obj, "identifier-field-ids"))) {
			*id_out = json_integer_value(json_object_get(e, id_key));
			return 0;
		}
	}
	copy = json_deep_copy(obj);
	if (copy == NULL)
		return oom();
	*id_out = max_id_in(a, id_key) + 1;
	if (put(copy, id_key, json_integer(*id_out)) != 0) {
		json_decref(copy);
		return FLOE_ENOMEM;
	}
	return push(a, copy);
}

static int apply_schema(apply_ctx *c, const json_t *u)
{
	const json_t *schema = json_object_get(u, "schema");
	floe_ice_schema *parsed = NULL;
	json_int_t id, last;
	int rc = floe_ice_schema_from_json(&parsed, schema);
	if (rc)
		return floe_error_prefix("add-schema: ");
	last = json_integer_value(json_object_get(u, "last-column-id"));
	if (floe_ice_schema_max_id(parsed) > last)
		last = floe_ice_schema_max_id(parsed);
	floe_ice_schema_free(parsed);
	if ((rc = add_versioned(c, "schemas", "schema-id", schema, &id)) != 0)
		return rc;
	c->last_schema = id;
	if (last > json_integer_value(json_object_get(c->root, "last-column-id")))
		return put(c->root, "last-column-id", json_integer(last));
	return 0;
}

static int set_current(apply_ctx *c, const json_t *u, const char *u_key, const char *list_key,
                       const char *id_key, const char *meta_key, json_int_t last)
{
	json_int_t id = json_integer_value(json_object_get(u, u_key));
	if (id == -1)
		id = last;
	if (id < 0 || find_in(json_object_get(c->root, list_key), id_key, id) == NULL)
		return floe_error_set(FLOE_EINVAL, "%s: no %s with id %lld", u_key, list_key,
		                      (long long)id);
	return put(c->root, meta_key, json_integer(id));
}

static int add_snapshot(apply_ctx *c, const json_t *u)
{
	const json_t *s = json_object_get(u, "snapshot");
	json_int_t id = json_integer_value(json_object_get(s, "snapshot-id"));
	json_int_t seq = json_integer_value(json_object_get(s, "sequence-number"));
	json_int_t last = json_integer_value(json_object_get(c->root, "last-sequence-number"));
	if (!json_is_object(s) || !json_is_integer(json_object_get(s, "snapshot-id")) ||
	    !json_is_string(json_object_get(s, "manifest-list")) ||
	    !json_is_object(json_object_get(s, "summary")))
		return floe_error_set(FLOE_EINVAL, "add-snapshot: incomplete snapshot");
	if (id <= 0)
		return floe_error_set(FLOE_EINVAL, "add-snapshot: snapshot id must be positive");
	if (find_in(json_object_get(c->root, "snapshots"), "snapshot-id", id))
		return floe_error_set(FLOE_EINVAL, "add-snapshot: snapshot %lld already exists",
		                      (long long)id);
	if (json_integer_value(json_object_get(c->root, "format-version")) >= 2 && seq <= last)
		return floe_error_set(FLOE_EINVAL,
		                      "add-snapshot: sequence number %lld is not above the "
		                      "table's last sequence number %lld",
		                      (long long)seq, (long long)last);
	if (push(arr(c->root, "snapshots"), json_deep_copy(s)) != 0)
		return FLOE_ENOMEM;
	if (seq > last)
		return put(c->root, "last-sequence-number", json_integer(seq));
	return 0;
}

static int set_ref(apply_ctx *c, const json_t *u)
{
	const char *name = json_string_value(json_object_get(u, "ref-name"));
	const char *type = json_string_value(json_object_get(u, "type"));
	json_int_t id = json_integer_value(json_object_get(u, "snapshot-id"));
	const json_t *snap = find_in(json_object_get(c->root, "snapshots"), "snapshot-id", id);
	json_t *refs = json_object_get(c->root, "refs"), *ref;
	const char *k;
	json_t *v;
	if (name == NULL || type == NULL)
		return floe_error_set(FLOE_EINVAL, "set-snapshot-ref needs ref-name and type");
	if (snap == NULL)
		return floe_error_set(FLOE_EINVAL, "set-snapshot-ref: snapshot %lld does not exist",
		                      (long long)id);
	if (!json_is_object(refs) && put(c->root, "refs", refs = json_object()) != 0)
		return FLOE_ENOMEM;
	if ((ref = json_object()) == NULL)
		return oom();
	if (put(ref, "snapshot-id", json_integer(id)) != 0 ||
	    put(ref, "type", json_string(type)) != 0) {
		json_decref(ref);
		return FLOE_ENOMEM;
	}
	json_object_foreach((json_t *)u, k, v)
	{
		if (strcmp(k, "action") && strcmp(k, "ref-name") && strcmp(k, "snapshot-id") &&
		    strcmp(k, "type") && json_object_set(ref, k, v) != 0) {
			json_decref(ref);
			return oom();
		}
	}
	if (put(refs, name, ref) != 0)
		return FLOE_ENOMEM;
	if (strcmp(name, "main") == 0) {
		if (put(c->root, "current-snapshot-id", json_integer(id)) != 0 ||
		    push(arr(c->root, "snapshot-log"),
		         json_pack("{s:I,s:I}", "timestamp-ms",
		                   json_integer_value(json_object_get(snap, "timestamp-ms")),
		                   "snapshot-id", id)) != 0)
			return FLOE_ENOMEM;
		c->main_moved = true;
	}
	return 0;
}

static int remove_snapshots(apply_ctx *c, const json_t *u)
{
	const json_t *ids = json_object_get(u, "snapshot-ids");
	json_t *snaps = arr(c->root, "snapshots"), *refs = json_object_get(c->root, "refs");
	size_t i;
	const json_t *idv;
	if (snaps == NULL)
		return FLOE_ENOMEM;
	json_array_foreach(ids, i, idv)
	{
		json_int_t id = json_integer_value(idv);
		const char *k;
		json_t *v, *tmp;
		for (size_t s = json_array_size(snaps); s-- > 0;)
			if (json_integer_value(
			        json_object_get(json_array_get(snaps, s), "snapshot-id")) == id)
				json_array_remove(snaps, s);
		json_object_foreach_safe(refs, tmp, k, v)
		{
			if (json_integer_value(json_object_get(v, "snapshot-id")) == id) {
				if (strcmp(k, "main") == 0)
					json_object_del(c->root, "current-snapshot-id");
				json_object_del(refs, k);
			}
		}
	}
	c->snapshots_removed = true;
	return 0;
}

/* After remove-snapshots, the snapshot log keeps only the history after its
 * last entry whose snapshot is gone, as Java's updateSnapshotLog does: with
 * [s1, s2, s3] and s2 removed, [s1, s3] would claim s1 was current until s3
 * was, so time travel to between s2 and s3 would read the wrong snapshot. */
static void trim_snapshot_log(json_t *root)
{
	json_t *log = json_object_get(root, "snapshot-log");
	const json_t *snaps = json_object_get(root, "snapshots");
	size_t keep_from = 0;
	for (size_t i = 0; i < json_array_size(log); i++) {
		json_t *id = json_object_get(json_array_get(log, i), "snapshot-id");
		if (!json_is_integer(id) ||
		    find_in(snaps, "snapshot-id", json_integer_value(id)) == NULL)
			keep_from = i + 1;
	}
	for (size_t i = 0; i < keep_from; i++)
		json_array_remove(log, 0);
}

static int apply_one(apply_ctx *c, const json_t *u)
{
	const char *action = json_string_value(json_object_get(u, "action"));
	json_t *root = c->root;
	json_int_t id;
	int rc;
	if (action == NULL)
		return floe_error_set(FLOE_EINVAL, "update without an action");
	if (strcmp(action, "assign-uuid") == 0) {
		const char *uuid = json_string_value(json_object_get(u, "uuid"));
		if (uuid == NULL)
			return floe_error_set(FLOE_EINVAL, "assign-uuid without uuid");
		return put(root, "table-uuid", json_string(uuid));
	} else if (strcmp(action, "upgrade-format-version") == 0) {
		json_int_t v = json_integer_value(json_object_get(u, "format-version"));
		if (v < 1 || v > 2)
			return floe_error_set(FLOE_EUNSUPPORTED,
			                      "format version %lld is not supported", (long long)v);
		if (v < json_integer_value(json_object_get(root, "format-version")))
			return floe_error_set(FLOE_EINVAL, "cannot downgrade the format version");
		return put(root, "format-version", json_integer(v));
	} else if (strcmp(action, "add-schema") == 0) {
		return apply_schema(c, u);
	} else if (strcmp(action, "set-current-schema") == 0) {
		return set_current(c, u, "schema-id", "schemas", "schema-id", "current-schema-id",
		                   c->last_schema);
	} else if (strcmp(action, "add-spec") == 0) {
		const json_t *spec = json_object_get(u, "spec");
		size_t i;
		const json_t *f;
		if ((rc = add_versioned(c, "partition-specs", "spec-id", spec, &id)) != 0)
			return rc;
		c->last_spec = id;
		json_array_foreach(json_object_get(spec, "fields"), i, f)
		{
			json_int_t fid = json_integer_value(json_object_get(f, "field-id"));
			if (fid > json_integer_value(json_object_get(root, "last-partition-id")) &&
			    put(root, "last-partition-id", json_integer(fid)) != 0)
				return FLOE_ENOMEM;
		}
	} else if (strcmp(action, "set-default-spec") == 0) {
		return set_current(c, u, "spec-id", "partition-specs", "spec-id", "default-spec-id",
		                   c->last_spec);
	} else if (strcmp(action, "add-sort-order") == 0) {
		if ((rc = add_versioned(c, "sort-orders", "order-id",
		                        json_object_get(u, "sort-order"), &id)) != 0)
			return rc;
		c->last_order = id;
	} else if (strcmp(action, "set-default-sort-order") == 0) {
		return set_current(c, u, "sort-order-id", "sort-orders", "order-id",
		                   "default-sort-order-id", c->last_order);
	} else if (strcmp(action, "add-snapshot") == 0) {
		return add_snapshot(c, u);
	} else if (strcmp(action, "set-snapshot-ref") == 0) {
		return set_ref(c, u);
	} else if (strcmp(action, "remove-snapshots") == 0) {
		return remove_snapshots(c, u);
	} else if (strcmp(action, "remove-snapshot-ref") == 0) {
		const char *name = json_string_value(json_object_get(u, "ref-name"));
		if (name && strcmp(name, "main") == 0)
			json_object_del(root, "current-snapshot-id");
		if (name)
			json_object_del(json_object_get(root, "refs"), name);
	} else if (strcmp(action, "set-location") == 0) {
		const char *loc = json_string_value(json_object_get(u, "location"));
		if (loc == NULL)
			return floe_error_set(FLOE_EINVAL, "set-location without location");
		return put(root, "location", json_string(loc));
	} else if (strcmp(action, "set-properties") == 0) {
		const json_t *upd = json_object_get(u, "updates");
		json_t *props = json_object_get(root, "properties");
		const char *k;
		json_t *v;
		if (!json_is_object(upd))
			return floe_error_set(FLOE_EINVAL,
			                      "set-properties needs an updates object");
		/* properties are strings (spec); those floe reads must make sense */
		json_object_foreach((json_t *)upd, k, v)
		{
			if (!json_is_string(v))
				return floe_error_set(FLOE_EINVAL,
				                      "table property %s must be a string", k);
			if ((rc = floe_ice_property_check(k, json_string_value(v))) != 0)
				return rc;
		}
		if (!json_is_object(props) && put(root, "properties", props = json_object()) != 0)
			return FLOE_ENOMEM;
		if (json_object_update(props, (json_t *)upd) != 0)
			return oom();
	} else if (strcmp(action, "remove-properties") == 0) {
		size_t i;
		const json_t *k;
		json_array_foreach(json_object_get(u, "removals"), i, k)
		    json_object_del(json_object_get(root, "properties"), json_string_value(k));
	} else {
		return floe_error_set(FLOE_EUNSUPPORTED, "table update '%s' is not supported",
		                      action);
	}
	return 0;
}

static json_t *empty_v2(void)
{
	return json_pack("{s:i,s:s,s:s,s:i,s:i,s:i,s:[],s:i,s:[],s:i,s:i,s:[],s:i,s:{}}",
	                 "format-version", 2, "table-uuid", "", "location", "",
	                 "last-sequence-number", 0, "last-updated-ms", 0, "last-column-id", 0,
	                 "schemas", "current-schema-id", -1, "partition-specs", "default-spec-id",
	                 -1, "last-partition-id", 999, "sort-orders", "default-sort-order-id", -1,
	                 "properties");
}

static int trim_metadata_log(json_t *root)
{
	const char *key = "write.metadata.previous-versions-max";
	const json_t *maxv = json_object_get(json_object_get(root, "properties"), key);
	int64_t max = 100;
	json_t *log = json_object_get(root, "metadata-log");
	int rc;
	if (maxv && (rc = floe_ice_property_check(key, json_string_value(maxv))) != 0)
		return rc;
	if (maxv)
		floe_parse_i64(&max, json_string_value(maxv));
	while (json_array_size(log) > (size_t)max)
		json_array_remove(log, 0);
	return 0;
}

int floe_ice_updates_apply(floe_ice_metadata **out, const floe_ice_metadata *base,
                           const char *base_location, const json_t *updates, int64_t now_ms)
{
	apply_ctx c = {NULL, -1, -1, -1, false, false};
	size_t i;
	const json_t *u;
	int rc = 0;
	*out = NULL;
	if (!json_is_array(updates))
		return floe_error_set(FLOE_EINVAL, "updates must be a JSON array");
	c.root = base ? json_deep_copy(base->root) : empty_v2();
	if (c.root == NULL)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	json_array_foreach(updates, i, u)
	{
		if ((rc = apply_one(&c, u)) != 0)
			goto done;
	}
	if (c.snapshots_removed)
		trim_snapshot_log(c.root);
	if (base == NULL) {
		const char *uuid = json_string_value(json_object_get(c.root, "table-uuid"));
		const char *loc = json_string_value(json_object_get(c.root, "location"));
		if (uuid == NULL || *uuid == '\0' || loc == NULL || *loc == '\0' ||
		    json_integer_value(json_object_get(c.root, "current-schema-id")) < 0 ||
		    json_integer_value(json_object_get(c.root, "default-spec-id")) < 0 ||
		    json_integer_value(json_object_get(c.root, "default-sort-order-id")) < 0) {
			rc = floe_error_set(FLOE_EINVAL,
			                    "a new table needs a uuid, a location, a schema, a "
			                    "partition spec and a sort order");
			goto done;
		}
	}
	if (base && base_location &&
	    (rc = push(arr(c.root, "metadata-log"),
	               json_pack("{s:I,s:s}", "timestamp-ms",
	                         (json_int_t)floe_ice_metadata_last_updated_ms(base),
	                         "metadata-file", base_location))) != 0)
		goto done;
	if ((rc = trim_metadata_log(c.root)) != 0)
		goto done;
	if (base && now_ms < floe_ice_metadata_last_updated_ms(base))
		now_ms = floe_ice_metadata_last_updated_ms(base);
	if ((rc = put(c.root, "last-updated-ms", json_integer(now_ms))) != 0)
		goto done;
	rc = floe_ice_metadata_validate(c.root, "new table metadata");
	if (rc)
		rc = floe_error_set(FLOE_EINVAL, "%s", floe_error_message());
done:
	if (rc) {
		json_decref(c.root);
		return rc;
	}
	*out = floe_ice_metadata_wrap(c.root);
	return *out ? 0 : FLOE_ENOMEM;
}

json_t *floe_ice_create_updates(const char *location, const floe_ice_schema *schema,
                                const json_t *properties)
{
	uint8_t u[16];
	char uuid[37];
	json_t *sj = floe_ice_schema_to_json(schema), *ups;
	if (sj == NULL)
		return NULL;
	if (put(sj, "schema-id", json_integer(0)) != 0) {
		json_decref(sj);
		return NULL;
	}
	floe_uuid_v4(u);
	floe_uuid_format(u, uuid);
	ups = json_pack("[{s:s,s:s},{s:s,s:i},{s:s,s:o,s:i},{s:s,s:i},"
	                "{s:s,s:{s:i,s:[]}},{s:s,s:i},{s:s,s:{s:i,s:[]}},{s:s,s:i},{s:s,s:s}]",
	                "action", "assign-uuid", "uuid", uuid, "action", "upgrade-format-version",
	                "format-version", 2, "action", "add-schema", "schema", sj, "last-column-id",
	                floe_ice_schema_max_id(schema), "action", "set-current-schema", "schema-id",
	                -1, "action", "add-spec", "spec", "spec-id", 0, "fields", "action",
	                "set-default-spec", "spec-id", -1, "action", "add-sort-order", "sort-order",
	                "order-id", 0, "fields", "action", "set-default-sort-order",
	                "sort-order-id", -1, "action", "set-location", "location", location);
	if (ups && properties && json_object_size(properties) > 0 &&
	    push(ups, json_pack("{s:s,s:O}", "action", "set-properties", "updates", properties)) !=
	        0) {
		json_decref(ups);
		return NULL;
	}
	if (ups == NULL)
		oom();
	return ups;
}
