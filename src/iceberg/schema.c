/*
 * Iceberg types and schemas (spec: "Schemas and Data Types", Appendix C
 * "JSON serialization"): the type model, type strings, schema JSON in both
 * directions with validation, and lookups by field id.
 */
#include <stdio.h>
#include <string.h>

#include "floe/iceberg.h"

static const struct {
	const char *name;
	floe_ice_kind kind;
} prim_names[] = {
    {"boolean", FLOE_ICE_BOOLEAN},
    {"int", FLOE_ICE_INT},
    {"long", FLOE_ICE_LONG},
    {"float", FLOE_ICE_FLOAT},
    {"double", FLOE_ICE_DOUBLE},
    {"date", FLOE_ICE_DATE},
    {"time", FLOE_ICE_TIME},
    {"timestamp", FLOE_ICE_TIMESTAMP},
    {"timestamptz", FLOE_ICE_TIMESTAMPTZ},
    {"string", FLOE_ICE_STRING},
    {"uuid", FLOE_ICE_UUID},
    {"binary", FLOE_ICE_BINARY},
};

floe_ice_type *floe_ice_type_new(floe_ice_kind kind)
{
	floe_ice_type *t = floe_calloc(1, sizeof(*t));
	if (t)
		t->kind = kind;
	return t;
}

void floe_ice_type_free(floe_ice_type *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nfields; i++) {
		floe_free(t->fields[i].name);
		floe_free(t->fields[i].doc);
		floe_ice_type_free(t->fields[i].type);
	}
	floe_free(t->fields);
	floe_ice_type_free(t->element);
	floe_ice_type_free(t->key);
	floe_ice_type_free(t->value);
	floe_free(t);
}

floe_ice_type *floe_ice_type_clone(const floe_ice_type *t)
{
	floe_ice_type *c;
	if (t == NULL)
		return NULL;
	if ((c = floe_ice_type_new(t->kind)) == NULL)
		return NULL;
	*c = *t;
	c->fields = NULL;
	c->nfields = 0;
	c->element = c->key = c->value = NULL;
	for (size_t i = 0; i < t->nfields; i++) {
		const floe_ice_field *f = &t->fields[i];
		floe_ice_type *ft = floe_ice_type_clone(f->type);
		if (ft == NULL || floe_ice_struct_add(c, f->id, f->name, f->required, ft) != 0) {
			floe_ice_type_free(ft);
			goto fail;
		}
		if (f->doc && (c->fields[i].doc = floe_strdup(f->doc)) == NULL)
			goto fail;
	}
	if ((t->element && (c->element = floe_ice_type_clone(t->element)) == NULL) ||
	    (t->key && (c->key = floe_ice_type_clone(t->key)) == NULL) ||
	    (t->value && (c->value = floe_ice_type_clone(t->value)) == NULL))
		goto fail;
	return c;
fail:
	floe_ice_type_free(c);
	return NULL;
}

int floe_ice_struct_add(floe_ice_type *st, int id, const char *name, bool required,
                        floe_ice_type *type)
{
	floe_ice_field *f = floe_realloc(st->fields, (st->nfields + 1) * sizeof(*f));
	if (f == NULL)
		return FLOE_ENOMEM;
	st->fields = f;
	f += st->nfields;
	memset(f, 0, sizeof(*f));
	if ((f->name = floe_strdup(name)) == NULL)
		return FLOE_ENOMEM;
	f->id = id;
	f->required = required;
	f->type = type;
	st->nfields++;
	return 0;
}

bool floe_ice_type_is_primitive(const floe_ice_type *t)
{
	return t->kind != FLOE_ICE_STRUCT && t->kind != FLOE_ICE_LIST && t->kind != FLOE_ICE_MAP;
}

void floe_ice_type_string(const floe_ice_type *t, char *out, size_t outlen)
{
	for (size_t i = 0; i < sizeof(prim_names) / sizeof(prim_names[0]); i++)
		if (prim_names[i].kind == t->kind) {
			snprintf(out, outlen, "%s", prim_names[i].name);
			return;
		}
	switch (t->kind) {
	case FLOE_ICE_DECIMAL:
		snprintf(out, outlen, "decimal(%d,%d)", t->precision, t->scale);
		return;
	case FLOE_ICE_FIXED: snprintf(out, outlen, "fixed[%d]", t->length); return;
	case FLOE_ICE_STRUCT: snprintf(out, outlen, "struct"); return;
	case FLOE_ICE_LIST: snprintf(out, outlen, "list"); return;
	default: snprintf(out, outlen, "map"); return;
	}
}

/* ---- JSON -> model ---- */

static int type_from_json(floe_ice_type **out, const json_t *j, const char *ctx, int depth);

static int bad(const char *ctx, const char *what)
{
	return floe_error_set(FLOE_ECORRUPT, "schema: %s: %s", ctx, what);
}

static int prim_from_string(floe_ice_type **out, const char *s, const char *ctx)
{
	int p = 0, sc = 0, len = 0, n = 0;
	for (size_t i = 0; i < sizeof(prim_names) / sizeof(prim_names[0]); i++)
		if (strcmp(s, prim_names[i].name) == 0) {
			*out = floe_ice_type_new(prim_names[i].kind);
			return *out ? 0 : FLOE_ENOMEM;
		}
	if (sscanf(s, "decimal(%d,%d)%n", &p, &sc, &n) == 2 ||
	    sscanf(s, "decimal(%d, %d)%n", &p, &sc, &n) == 2) {
		if (s[n] != '\0' || p < 1 || p > 38 || sc < 0 || sc > p)
			return bad(ctx, "decimal precision must be 1..38 and scale 0..precision");
		if ((*out = floe_ice_type_new(FLOE_ICE_DECIMAL)) == NULL)
			return FLOE_ENOMEM;
		(*out)->precision = p;
		(*out)->scale = sc;
		return 0;
	}
	if (sscanf(s, "fixed[%d]%n", &len, &n) == 1 && s[n] == '\0' && len > 0) {
		if ((*out = floe_ice_type_new(FLOE_ICE_FIXED)) == NULL)
			return FLOE_ENOMEM;
		(*out)->length = len;
		return 0;
	}
	return floe_error_set(FLOE_ECORRUPT, "schema: %s: unknown type '%s'", ctx, s);
}

static int get_id(int *out, const json_t *j, const char *key, const char *ctx)
{
	const json_t *v = json_object_get(j, key);
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > INT32_MAX)
		return floe_error_set(FLOE_ECORRUPT,
		                      "schema: %s: '%s' must be a non-negative integer", ctx, key);
	*out = (int)json_integer_value(v);
	return 0;
}

static int struct_from_json(floe_ice_type **out, const json_t *j, const char *ctx, int depth)
{
	const json_t *fields = json_object_get(j, "fields");
	floe_ice_type *st = floe_ice_type_new(FLOE_ICE_STRUCT);
	size_t i;
	const json_t *f;
	int rc = 0;
	if (st == NULL)
		return FLOE_ENOMEM;
	if (!json_is_array(fields)) {
		rc = bad(ctx, "struct without a 'fields' array");
		goto done;
	}
	json_array_foreach(fields, i, f)
	{
		const char *name = json_string_value(json_object_get(f, "name"));
		const json_t *req = json_object_get(f, "required");
		const char *doc = json_string_value(json_object_get(f, "doc"));
		floe_ice_type *ft = NULL;
		char fctx[300];
		int id;
		if (name == NULL || *name == '\0') {
			rc = bad(ctx, "field without a name");
			goto done;
		}
		snprintf(fctx, sizeof(fctx), "field '%s'", name);
		if ((rc = get_id(&id, f, "id", fctx)) != 0)
			goto done;
		if (!json_is_boolean(req)) {
			rc = bad(fctx, "'required' must be true or false");
			goto done;
		}
		for (size_t k = 0; k < st->nfields; k++)
			if (strcmp(st->fields[k].name, name) == 0) {
				rc = bad(fctx, "duplicate field name");
				goto done;
			}
		if ((rc = type_from_json(&ft, json_object_get(f, "type"), fctx, depth + 1)) != 0)
			goto done;
		if ((rc = floe_ice_struct_add(st, id, name, json_is_true(req), ft)) != 0) {
			floe_ice_type_free(ft);
			goto done;
		}
		if (doc && (st->fields[st->nfields - 1].doc = floe_strdup(doc)) == NULL) {
			rc = FLOE_ENOMEM;
			goto done;
		}
	}
done:
	if (rc) {
		floe_ice_type_free(st);
		return rc;
	}
	*out = st;
	return 0;
}

static int type_from_json(floe_ice_type **out, const json_t *j, const char *ctx, int depth)
{
	const char *kind;
	floe_ice_type *t = NULL;
	int rc = 0;
	*out = NULL;
	if (depth > 64)
		return bad(ctx, "types nested too deeply");
	if (json_is_string(j))
		return prim_from_string(out, json_string_value(j), ctx);
	kind = json_string_value(json_object_get(j, "type"));
	if (kind == NULL)
		return bad(ctx, "type is neither a string nor an object with 'type'");
	if (strcmp(kind, "struct") == 0)
		return struct_from_json(out, j, ctx, depth);
	if (strcmp(kind, "list") == 0) {
		if ((t = floe_ice_type_new(FLOE_ICE_LIST)) == NULL)
			return FLOE_ENOMEM;
		rc = get_id(&t->element_id, j, "element-id", ctx);
		if (rc == 0 && !json_is_boolean(json_object_get(j, "element-required")))
			rc = bad(ctx, "list without 'element-required'");
		if (rc == 0) {
			t->element_required = json_is_true(json_object_get(j, "element-required"));
			rc = type_from_json(&t->element, json_object_get(j, "element"), ctx,
			                    depth + 1);
		}
	} else if (strcmp(kind, "map") == 0) {
		if ((t = floe_ice_type_new(FLOE_ICE_MAP)) == NULL)
			return FLOE_ENOMEM;
		rc = get_id(&t->key_id, j, "key-id", ctx);
		if (rc == 0)
			rc = get_id(&t->value_id, j, "value-id", ctx);
		if (rc == 0 && !json_is_boolean(json_object_get(j, "value-required")))
			rc = bad(ctx, "map without 'value-required'");
		if (rc == 0) {
			t->value_required = json_is_true(json_object_get(j, "value-required"));
			rc = type_from_json(&t->key, json_object_get(j, "key"), ctx, depth + 1);
		}
		if (rc == 0)
			rc = type_from_json(&t->value, json_object_get(j, "value"), ctx, depth + 1);
	} else {
		return floe_error_set(FLOE_ECORRUPT, "schema: %s: unknown type '%s'", ctx, kind);
	}
	if (rc) {
		floe_ice_type_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* Collect every id; duplicates are an error. */
static int check_ids(const floe_ice_type *t, int *ids, size_t *n, size_t cap)
{
	int add[3];
	size_t nadd = 0;
	int rc = 0;
	if (t->kind == FLOE_ICE_STRUCT) {
		for (size_t i = 0; rc == 0 && i < t->nfields; i++) {
			for (size_t k = 0; k < *n; k++)
				if (ids[k] == t->fields[i].id)
					return floe_error_set(FLOE_ECORRUPT,
					                      "schema: field '%s': duplicate id %d",
					                      t->fields[i].name, t->fields[i].id);
			if (*n >= cap)
				return bad("schema", "too many fields");
			ids[(*n)++] = t->fields[i].id;
			rc = check_ids(t->fields[i].type, ids, n, cap);
		}
		return rc;
	}
	if (t->kind == FLOE_ICE_LIST)
		add[nadd++] = t->element_id;
	if (t->kind == FLOE_ICE_MAP) {
		add[nadd++] = t->key_id;
		add[nadd++] = t->value_id;
	}
	for (size_t a = 0; a < nadd; a++) {
		for (size_t k = 0; k < *n; k++)
			if (ids[k] == add[a])
				return floe_error_set(FLOE_ECORRUPT, "schema: duplicate id %d",
				                      add[a]);
		if (*n >= cap)
			return bad("schema", "too many fields");
		ids[(*n)++] = add[a];
	}
	if (t->element)
		rc = check_ids(t->element, ids, n, cap);
	if (rc == 0 && t->key)
		rc = check_ids(t->key, ids, n, cap);
	if (rc == 0 && t->value)
		rc = check_ids(t->value, ids, n, cap);
	return rc;
}

static bool avro_char(unsigned char c, bool first)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (!first && c >= '0' && c <= '9');
}

/* one UTF-8 code point starting at s[*i] (a bad byte counts as itself) */
static uint32_t next_code_point(const unsigned char *s, size_t *i)
{
	unsigned char c = s[*i];
	int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
	uint32_t cp = extra == 3 ? c & 0x07 : extra == 2 ? c & 0x0F : extra == 1 ? c & 0x1F : c;
	size_t k = 1;
	for (; k <= (size_t)extra && (s[*i + k] & 0xC0) == 0x80; k++)
		cp = (cp << 6) | (s[*i + k] & 0x3F);
	if (k <= (size_t)extra) { /* truncated sequence: the lead byte alone */
		cp = c;
		k = 1;
	}
	*i += k;
	return cp;
}

char *floe_ice_parquet_name(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	floe_buf b = FLOE_BUF_INIT;
	bool valid = avro_char(s[0], true);
	int rc = 0;
	for (size_t i = 1; valid && s[i]; i++)
		valid = avro_char(s[i], false);
	if (valid)
		return floe_strdup(name);
	for (size_t i = 0; rc == 0 && s[i];) {
		if (avro_char(s[i], i == 0)) {
			rc = floe_buf_putc(&b, (char)s[i++]);
		} else if (i == 0 && s[i] >= '0' && s[i] <= '9') {
			rc = floe_buf_putc(&b, '_');
			if (rc == 0)
				rc = floe_buf_putc(&b, (char)s[i++]);
		} else {
			uint32_t cp = next_code_point(s, &i);
			rc = floe_buf_printf(&b, "_x%X", (unsigned)cp);
		}
	}
	if (rc == 0 && b.len == 0)
		rc = floe_buf_puts(&b, "_");
	if (rc) {
		floe_buf_free(&b);
		return NULL;
	}
	return floe_buf_detach(&b, NULL);
}

floe_ice_schema *floe_ice_schema_new(int schema_id, floe_ice_type *root)
{
	floe_ice_schema *s = floe_calloc(1, sizeof(*s));
	if (s == NULL) {
		floe_ice_type_free(root);
		return NULL;
	}
	s->schema_id = schema_id;
	s->root = root;
	return s;
}

int floe_ice_schema_from_json(floe_ice_schema **out, const json_t *j)
{
	floe_ice_type *root = NULL;
	floe_ice_schema *s;
	const json_t *sid = json_object_get(j, "schema-id"), *idf;
	int *ids = NULL, rc;
	size_t n = 0, i;
	*out = NULL;
	if (!json_is_object(j))
		return bad("schema", "not a JSON object");
	if ((rc = struct_from_json(&root, j, "schema", 0)) != 0)
		return rc;
	if ((ids = floe_malloc(sizeof(int) * 100000)) == NULL) {
		floe_ice_type_free(root);
		return FLOE_ENOMEM;
	}
	rc = check_ids(root, ids, &n, 100000);
	floe_free(ids);
	if (rc) {
		floe_ice_type_free(root);
		return rc;
	}
	if ((s = floe_ice_schema_new(json_is_integer(sid) ? (int)json_integer_value(sid) : 0,
	                             root)) == NULL)
		return FLOE_ENOMEM;
	idf = json_object_get(j, "identifier-field-ids");
	if (json_array_size(idf) > 0) {
		json_t *v;
		s->identifier_ids = floe_calloc(json_array_size(idf), sizeof(int));
		if (s->identifier_ids == NULL) {
			floe_ice_schema_free(s);
			return FLOE_ENOMEM;
		}
		json_array_foreach(idf, i, v) s->identifier_ids[s->nidentifier++] =
		    (int)json_integer_value(v);
	}
	*out = s;
	return 0;
}

/* Set o[k] = v, taking v over (freed when it cannot be set, or when o is
 * NULL); false on failure. Callers chain `ok = put(...) && ok` so every
 * value is consumed whatever failed before. */
static bool put(json_t *o, const char *k, json_t *v)
{
	if (o == NULL || v == NULL) {
		json_decref(v);
		return false;
	}
	return json_object_set_new(o, k, v) == 0;
}

static bool append(json_t *a, json_t *v)
{
	if (a == NULL || v == NULL) {
		json_decref(v);
		return false;
	}
	return json_array_append_new(a, v) == 0;
}

/* NULL (with FLOE_ENOMEM set) when any part cannot be built: a schema is
 * never returned with a field missing. */
static json_t *type_to_json(const floe_ice_type *t)
{
	char buf[64];
	json_t *j;
	bool ok;
	if (floe_ice_type_is_primitive(t)) {
		floe_ice_type_string(t, buf, sizeof(buf));
		j = json_string(buf);
		if (j == NULL)
			floe_error_set(FLOE_ENOMEM, "out of memory");
		return j;
	}
	j = json_object();
	ok = j != NULL;
	if (t->kind == FLOE_ICE_STRUCT) {
		json_t *fields = json_array();
		ok = put(j, "type", json_string("struct")) && ok;
		for (size_t i = 0; fields && i < t->nfields; i++) {
			const floe_ice_field *f = &t->fields[i];
			json_t *fj = json_object();
			ok = put(fj, "id", json_integer(f->id)) && ok;
			ok = put(fj, "name", json_string(f->name)) && ok;
			ok = put(fj, "required", json_boolean(f->required)) && ok;
			ok = put(fj, "type", type_to_json(f->type)) && ok;
			if (f->doc)
				ok = put(fj, "doc", json_string(f->doc)) && ok;
			ok = append(fields, fj) && ok;
		}
		ok = put(j, "fields", fields) && ok;
	} else if (t->kind == FLOE_ICE_LIST) {
		ok = put(j, "type", json_string("list")) && ok;
		ok = put(j, "element-id", json_integer(t->element_id)) && ok;
		ok = put(j, "element", type_to_json(t->element)) && ok;
		ok = put(j, "element-required", json_boolean(t->element_required)) && ok;
	} else {
		ok = put(j, "type", json_string("map")) && ok;
		ok = put(j, "key-id", json_integer(t->key_id)) && ok;
		ok = put(j, "key", type_to_json(t->key)) && ok;
		ok = put(j, "value-id", json_integer(t->value_id)) && ok;
		ok = put(j, "value", type_to_json(t->value)) && ok;
		ok = put(j, "value-required", json_boolean(t->value_required)) && ok;
	}
	if (!ok) {
		json_decref(j);
		floe_error_set(FLOE_ENOMEM, "out of memory");
		return NULL;
	}
	return j;
}

json_t *floe_ice_schema_to_json(const floe_ice_schema *s)
{
	json_t *j = json_object(), *body = type_to_json(s->root), *idf = NULL;
	bool ok = j != NULL && body != NULL;
	ok = put(j, "type", json_string("struct")) && ok;
	ok = put(j, "schema-id", json_integer(s->schema_id)) && ok;
	if (s->nidentifier) {
		idf = json_array();
		for (size_t i = 0; idf && i < s->nidentifier; i++)
			ok = append(idf, json_integer(s->identifier_ids[i])) && ok;
		ok = put(j, "identifier-field-ids", idf) && ok;
	}
	ok = ok && json_object_set(j, "fields", json_object_get(body, "fields")) == 0;
	json_decref(body);
	if (!ok) {
		json_decref(j);
		floe_error_set(FLOE_ENOMEM, "out of memory");
		return NULL;
	}
	return j;
}

floe_ice_schema *floe_ice_schema_clone(const floe_ice_schema *s)
{
	floe_ice_type *root = floe_ice_type_clone(s->root);
	floe_ice_schema *c;
	if (root == NULL)
		return NULL;
	if ((c = floe_ice_schema_new(s->schema_id, root)) == NULL)
		return NULL;
	if (s->nidentifier) {
		c->identifier_ids = floe_calloc(s->nidentifier, sizeof(int));
		if (c->identifier_ids == NULL) {
			floe_ice_schema_free(c);
			return NULL;
		}
		memcpy(c->identifier_ids, s->identifier_ids, s->nidentifier * sizeof(int));
		c->nidentifier = s->nidentifier;
	}
	return c;
}

void floe_ice_schema_free(floe_ice_schema *s)
{
	if (s == NULL)
		return;
	floe_ice_type_free(s->root);
	floe_free(s->identifier_ids);
	floe_free(s);
}

static const floe_ice_field *find_field(const floe_ice_type *t, int id)
{
	const floe_ice_field *f = NULL;
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < t->nfields && f == NULL; i++) {
		if (t->fields[i].id == id)
			return &t->fields[i];
		f = find_field(t->fields[i].type, id);
	}
	if (f == NULL)
		f = find_field(t->element, id);
	if (f == NULL)
		f = find_field(t->key, id);
	if (f == NULL)
		f = find_field(t->value, id);
	return f;
}

const floe_ice_field *floe_ice_schema_find_field(const floe_ice_schema *s, int id)
{
	return find_field(s->root, id);
}

static const floe_ice_type *find_type(const floe_ice_type *t, int id)
{
	const floe_ice_type *r = NULL;
	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < t->nfields && r == NULL; i++) {
		if (t->fields[i].id == id)
			return t->fields[i].type;
		r = find_type(t->fields[i].type, id);
	}
	if (t->kind == FLOE_ICE_LIST && t->element_id == id)
		return t->element;
	if (t->kind == FLOE_ICE_MAP && t->key_id == id)
		return t->key;
	if (t->kind == FLOE_ICE_MAP && t->value_id == id)
		return t->value;
	if (r == NULL)
		r = find_type(t->element, id);
	if (r == NULL)
		r = find_type(t->key, id);
	if (r == NULL)
		r = find_type(t->value, id);
	return r;
}

const floe_ice_type *floe_ice_schema_find_type(const floe_ice_schema *s, int id)
{
	return find_type(s->root, id);
}

static int max_id(const floe_ice_type *t)
{
	int m = 0, v;
	if (t == NULL)
		return 0;
	for (size_t i = 0; i < t->nfields; i++) {
		if (t->fields[i].id > m)
			m = t->fields[i].id;
		if ((v = max_id(t->fields[i].type)) > m)
			m = v;
	}
	if (t->kind == FLOE_ICE_LIST && t->element_id > m)
		m = t->element_id;
	if (t->kind == FLOE_ICE_MAP) {
		if (t->key_id > m)
			m = t->key_id;
		if (t->value_id > m)
			m = t->value_id;
	}
	if ((v = max_id(t->element)) > m)
		m = v;
	if ((v = max_id(t->key)) > m)
		m = v;
	if ((v = max_id(t->value)) > m)
		m = v;
	return m;
}

int floe_ice_schema_max_id(const floe_ice_schema *s)
{
	return max_id(s->root);
}

static bool type_equal(const floe_ice_type *a, const floe_ice_type *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->kind != b->kind || a->precision != b->precision || a->scale != b->scale ||
	    a->length != b->length || a->nfields != b->nfields)
		return false;
	for (size_t i = 0; i < a->nfields; i++) {
		const floe_ice_field *x = &a->fields[i], *y = &b->fields[i];
		if (x->id != y->id || x->required != y->required || strcmp(x->name, y->name) != 0 ||
		    !type_equal(x->type, y->type))
			return false;
	}
	if (a->kind == FLOE_ICE_LIST &&
	    (a->element_id != b->element_id || a->element_required != b->element_required))
		return false;
	if (a->kind == FLOE_ICE_MAP && (a->key_id != b->key_id || a->value_id != b->value_id ||
	                                a->value_required != b->value_required))
		return false;
	return type_equal(a->element, b->element) && type_equal(a->key, b->key) &&
	       type_equal(a->value, b->value);
}

bool floe_ice_schema_equal(const floe_ice_schema *a, const floe_ice_schema *b)
{
	return type_equal(a->root, b->root);
}
