/*
 * Iceberg view metadata (format/view-spec.md, format-version 1): parsed and
 * validated, and built one version at a time. The document is kept as JSON,
 * as table metadata is, so that the fields, dialects and properties other
 * engines wrote survive a new version written here. Catalogs store these
 * files and swap their locations; they never look inside.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "floe/iceberg.h"

struct floe_ice_view {
	json_t *root;
};

static int corrupt(const char *name, const char *what)
{
	return floe_error_set(FLOE_ECORRUPT, "%s: view metadata %s", name ? name : "view", what);
}

static const json_t *version_by_id(const json_t *root, json_int_t id)
{
	const json_t *v;
	size_t i;
	json_array_foreach(json_object_get(root, "versions"), i, v)
	{
		if (json_integer_value(json_object_get(v, "version-id")) == id)
			return v;
	}
	return NULL;
}

static const json_t *current_version(const json_t *root)
{
	return version_by_id(root, json_integer_value(json_object_get(root, "current-version-id")));
}

/* View spec "View Metadata", "Versions", "Version log": the required fields
 * with their types; the current version must be listed and have a schema. */
static int validate(const json_t *root, const char *name)
{
	const json_t *fv = json_object_get(root, "format-version"), *v, *props, *cur;
	size_t i;
	bool found = false;
	if (!json_is_object(root))
		return corrupt(name, "is not a JSON object");
	if (!json_is_integer(fv))
		return corrupt(name, "has no integer format-version");
	if (json_integer_value(fv) != 1)
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "%s: view format-version %lld is not supported (1 is)",
		                      name ? name : "view", (long long)json_integer_value(fv));
	if (!json_is_string(json_object_get(root, "view-uuid")))
		return corrupt(name, "has no view-uuid");
	if (!json_is_string(json_object_get(root, "location")))
		return corrupt(name, "has no location");
	if (!json_is_integer(json_object_get(root, "current-version-id")))
		return corrupt(name, "has no current-version-id");
	if (!json_is_array(json_object_get(root, "schemas")) ||
	    !json_is_array(json_object_get(root, "versions")) ||
	    !json_is_array(json_object_get(root, "version-log")))
		return corrupt(name, "lacks schemas, versions or version-log");
	props = json_object_get(root, "properties");
	if (props && !json_is_object(props))
		return corrupt(name, "has properties that are not an object");
	json_array_foreach(json_object_get(root, "schemas"), i, v)
	{
		if (!json_is_object(v) || !json_is_integer(json_object_get(v, "schema-id")))
			return corrupt(name, "has a schema without schema-id");
	}
	json_array_foreach(json_object_get(root, "versions"), i, v)
	{
		if (!json_is_object(v) || !json_is_integer(json_object_get(v, "version-id")) ||
		    !json_is_integer(json_object_get(v, "schema-id")) ||
		    !json_is_integer(json_object_get(v, "timestamp-ms")) ||
		    !json_is_object(json_object_get(v, "summary")) ||
		    !json_is_array(json_object_get(v, "representations")) ||
		    !json_is_array(json_object_get(v, "default-namespace")))
			return corrupt(name, "has a version without its required fields");
	}
	json_array_foreach(json_object_get(root, "version-log"), i, v)
	{
		if (!json_is_integer(json_object_get(v, "timestamp-ms")) ||
		    !json_is_integer(json_object_get(v, "version-id")))
			return corrupt(name, "has a version-log entry without its fields");
	}
	if ((cur = current_version(root)) == NULL)
		return corrupt(name, "has no current version among its versions");
	json_array_foreach(json_object_get(root, "schemas"), i, v)
	{
		found |= json_integer_value(json_object_get(v, "schema-id")) ==
		         json_integer_value(json_object_get(cur, "schema-id"));
	}
	return found ? 0 : corrupt(name, "has no schema for its current version");
}

int floe_ice_view_parse(floe_ice_view **out, const char *text, size_t len, const char *name)
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
		                      "%s: view metadata is not valid JSON: %s (line %d)",
		                      name ? name : "view", err.text, err.line);
	if ((rc = validate(root, name)) != 0) {
		json_decref(root);
		return rc;
	}
	if ((*out = floe_calloc(1, sizeof(**out))) == NULL) {
		json_decref(root);
		return FLOE_ENOMEM;
	}
	(*out)->root = root;
	return 0;
}

void floe_ice_view_free(floe_ice_view *v)
{
	if (v == NULL)
		return;
	json_decref(v->root);
	floe_free(v);
}

/* The empty document of a new view: spec order, no version yet. */
static json_t *new_root(const char *location)
{
	json_t *root = json_object();
	uint8_t u[16];
	char uuid[37];
	bool ok = root != NULL;
	floe_uuid_v4(u);
	floe_uuid_format(u, uuid);
	ok = ok && json_object_set_new(root, "view-uuid", json_string(uuid)) == 0;
	ok = ok && json_object_set_new(root, "format-version", json_integer(1)) == 0;
	ok = ok && json_object_set_new(root, "location", json_string(location)) == 0;
	ok = ok && json_object_set_new(root, "current-version-id", json_integer(0)) == 0;
	ok = ok && json_object_set_new(root, "properties", json_object()) == 0;
	ok = ok && json_object_set_new(root, "versions", json_array()) == 0;
	ok = ok && json_object_set_new(root, "schemas", json_array()) == 0;
	ok = ok && json_object_set_new(root, "version-log", json_array()) == 0;
	if (!ok) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* Highest integer `key` of the array's objects (0 when none). */
static json_int_t max_id(const json_t *arr, const char *key)
{
	json_int_t max = 0;
	const json_t *v;
	size_t i;
	json_array_foreach(arr, i, v)
	{
		json_int_t id = json_integer_value(json_object_get(v, key));
		if (id > max)
			max = id;
	}
	return max;
}

/* The namespace's levels as a JSON array ("a.b" -> ["a","b"]). */
static json_t *ns_levels(const char *ns)
{
	json_t *arr = json_array();
	const char *p = ns;
	while (arr && *p) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		if (json_array_append_new(arr, json_stringn(p, len)) != 0) {
			json_decref(arr);
			return NULL;
		}
		p += len + (dot ? 1 : 0);
	}
	return arr;
}

static json_t *new_version(json_int_t id, json_int_t schema_id, const char *ns, const char *sql,
                           const char *dialect, int64_t now_ms)
{
	json_t *ver = json_object(), *summary = json_object(), *reps = json_array();
	json_t *rep = json_object();
	bool ok = ver && summary && reps && rep;
	ok = ok && json_object_set_new(summary, "engine-name", json_string("floe")) == 0;
	ok = ok && json_object_set_new(summary, "engine-version", json_string("0.1.0")) == 0;
	ok = ok && json_object_set_new(rep, "type", json_string("sql")) == 0;
	ok = ok && json_object_set_new(rep, "sql", json_string(sql)) == 0;
	ok = ok && json_object_set_new(rep, "dialect", json_string(dialect)) == 0;
	ok = ok && json_array_append(reps, rep) == 0;
	ok = ok && json_object_set_new(ver, "version-id", json_integer(id)) == 0;
	ok = ok && json_object_set_new(ver, "timestamp-ms", json_integer(now_ms)) == 0;
	ok = ok && json_object_set_new(ver, "schema-id", json_integer(schema_id)) == 0;
	ok = ok && json_object_set(ver, "summary", summary) == 0;
	ok = ok && json_object_set_new(ver, "default-namespace", ns_levels(ns)) == 0;
	ok = ok && json_object_set(ver, "representations", reps) == 0;
	json_decref(rep);
	json_decref(reps);
	json_decref(summary);
	if (!ok) {
		json_decref(ver);
		return NULL;
	}
	return ver;
}

int floe_ice_view_add_version(floe_ice_view **out, const floe_ice_view *base, const char *location,
                              const char *ns, const char *sql, const char *dialect,
                              const floe_ice_schema *schema, int64_t now_ms)
{
	json_t *root = base ? json_deep_copy(base->root) : new_root(location);
	json_t *sj = NULL, *ver = NULL, *log = NULL;
	json_int_t vid, sid;
	bool ok = root != NULL;
	*out = NULL;
	if (ok) {
		json_t *schemas = json_object_get(root, "schemas");
		vid = max_id(json_object_get(root, "versions"), "version-id") + 1;
		sid = json_array_size(schemas) ? max_id(schemas, "schema-id") + 1 : 0;
		sj = floe_ice_schema_to_json(schema);
		ok = sj && json_object_set_new(sj, "schema-id", json_integer(sid)) == 0;
		ok = ok && (ver = new_version(vid, sid, ns, sql, dialect, now_ms)) != NULL;
		ok = ok && (log = json_object()) != NULL;
		ok = ok && json_object_set_new(log, "timestamp-ms", json_integer(now_ms)) == 0;
		ok = ok && json_object_set_new(log, "version-id", json_integer(vid)) == 0;
		ok = ok && json_array_append(schemas, sj) == 0;
		ok = ok && json_array_append(json_object_get(root, "versions"), ver) == 0;
		ok = ok && json_array_append(json_object_get(root, "version-log"), log) == 0;
		ok = ok && json_object_set_new(root, "current-version-id", json_integer(vid)) == 0;
	}
	json_decref(sj);
	json_decref(ver);
	json_decref(log);
	if (ok && (*out = floe_calloc(1, sizeof(**out))) == NULL)
		ok = false;
	if (!ok) {
		json_decref(root);
		return floe_error_set(FLOE_ENOMEM,
		                      "view metadata cannot be built (out of memory, or its SQL is "
		                      "not UTF-8)");
	}
	(*out)->root = root;
	return 0;
}

int floe_ice_view_serialize(const floe_ice_view *v, floe_buf *out)
{
	if (floe_json_dump(out, v->root, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return floe_error_prefix("cannot serialize view metadata: ");
	return 0;
}

const char *floe_ice_view_uuid(const floe_ice_view *v)
{
	return json_string_value(json_object_get(v->root, "view-uuid"));
}

const char *floe_ice_view_location(const floe_ice_view *v)
{
	return json_string_value(json_object_get(v->root, "location"));
}

int64_t floe_ice_view_current_version_id(const floe_ice_view *v)
{
	return json_integer_value(json_object_get(v->root, "current-version-id"));
}

const char *floe_ice_view_sql(const floe_ice_view *v, const char *dialect)
{
	const json_t *r;
	const char *first = NULL;
	size_t i;
	json_array_foreach(json_object_get(current_version(v->root), "representations"), i, r)
	{
		const char *type = json_string_value(json_object_get(r, "type"));
		const char *sql = json_string_value(json_object_get(r, "sql"));
		const char *d = json_string_value(json_object_get(r, "dialect"));
		if (type == NULL || strcmp(type, "sql") != 0 || sql == NULL)
			continue;
		if (dialect && d && strcasecmp(d, dialect) == 0)
			return sql;
		if (first == NULL)
			first = sql;
	}
	return first;
}

int floe_ice_view_schema(const floe_ice_view *v, floe_ice_schema **out)
{
	json_int_t sid = json_integer_value(json_object_get(current_version(v->root), "schema-id"));
	const json_t *s;
	size_t i;
	*out = NULL;
	json_array_foreach(json_object_get(v->root, "schemas"), i, s)
	{
		if (json_integer_value(json_object_get(s, "schema-id")) == sid)
			return floe_ice_schema_from_json(out, s);
	}
	return floe_error_set(FLOE_ECORRUPT, "view metadata has no schema %lld", (long long)sid);
}

const json_t *floe_ice_view_json(const floe_ice_view *v)
{
	return v->root;
}
