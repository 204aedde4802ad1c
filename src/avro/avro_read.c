/*
 * Avro 1.11 object container file reader: parses the header and the writer
 * schema (JSON, via jansson) into a schema tree, then decodes each record
 * into a floe_avro_value tree allocated from a per-record arena, freed at
 * the next record. Every length and count is checked against the bytes
 * left before it is trusted; any inconsistency is FLOE_ECORRUPT naming the
 * file, block and record.
 */
#include <jansson.h>
#include <string.h>
#include <zlib.h>

#include "floe/avro.h"

#define MAX_DEPTH 64
#define MAX_BLOCK ((size_t)64 << 20)  /* a block, compressed or inflated */
#define MAX_RECORD ((size_t)64 << 20) /* the decoded values of one record */
#define MAX_SCHEMA_NODES 10000        /* Iceberg's schemas have ~100 */
#define MAX_META 4096                 /* header metadata pairs */

/* ---- schema tree ---- */
typedef struct sch sch;
struct sch {
	floe_avro_type type;
	bool is_union;
	char *name;   /* named types */
	size_t n;     /* record fields, union branches, enum symbols */
	char **names; /* record field names / enum symbols */
	sch **kids;   /* record field types / union branches; [0] = items/values */
	size_t fixed_size;
};

typedef struct {
	sch **all; /* every node, for freeing */
	size_t nall, cap;
} sch_pool;

struct floe_avro_reader {
	const uint8_t *data;
	size_t len;
	size_t pos;
	char *name;
	char *schema_text;
	char **meta_keys;
	char **meta_vals;
	size_t nmeta;
	bool deflate;
	uint8_t sync[16];
	sch *root;
	sch_pool pool;
	/* current block */
	uint8_t *inflated;
	const uint8_t *blk;
	size_t blk_len, blk_pos;
	int64_t blk_left;
	int64_t block_no, record_no;
	floe_arena arena; /* the current record's values */
	size_t rec_bytes; /* allocated from it for the current record */
};

static int corrupt(floe_avro_reader *r, const char *what);

/* The current record's memory, capped: items that take no bytes in the
 * file (nulls, empty records) cannot make a small file decode into
 * gigabytes. NULL with the error set (FLOE_ECORRUPT past the cap). */
static void *arena_alloc(floe_avro_reader *r, size_t n)
{
	if (n > MAX_RECORD - r->rec_bytes) {
		corrupt(r, "record decodes to more than 64 MiB");
		return NULL;
	}
	r->rec_bytes += n;
	return floe_arena_alloc(&r->arena, n);
}

static int corrupt(floe_avro_reader *r, const char *what)
{
	if (r->block_no > 0)
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s: corrupt Avro file: block %lld, record %lld: %s", r->name,
		                      (long long)r->block_no, (long long)r->record_no, what);
	return floe_error_set(FLOE_ECORRUPT, "%s: corrupt Avro file: %s", r->name, what);
}

/* ---- schema parsing ---- */

static sch *sch_new(sch_pool *p, floe_avro_type t)
{
	sch *s;
	if (p->nall == MAX_SCHEMA_NODES) {
		floe_error_set(FLOE_ECORRUPT, "Avro schema has more than %d types",
		               MAX_SCHEMA_NODES);
		return NULL;
	}
	if (p->nall == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		sch **grown = floe_realloc(p->all, ncap * sizeof(sch *));
		if (grown == NULL)
			return NULL;
		p->all = grown;
		p->cap = ncap;
	}
	if ((s = floe_calloc(1, sizeof(sch))) == NULL)
		return NULL;
	p->all[p->nall++] = s;
	s->type = t;
	return s;
}

static void pool_free(sch_pool *p)
{
	for (size_t i = 0; i < p->nall; i++) {
		sch *s = p->all[i];
		for (size_t k = 0; s->names && k < s->n; k++)
			floe_free(s->names[k]);
		floe_free(s->names);
		floe_free(s->kids);
		floe_free(s->name);
		floe_free(s);
	}
	floe_free(p->all);
	p->all = NULL;
	p->nall = p->cap = 0;
}

static const struct {
	const char *name;
	floe_avro_type t;
} primitives[] = {{"null", FLOE_AVRO_T_NULL},   {"boolean", FLOE_AVRO_T_BOOLEAN},
                  {"int", FLOE_AVRO_T_INT},     {"long", FLOE_AVRO_T_LONG},
                  {"float", FLOE_AVRO_T_FLOAT}, {"double", FLOE_AVRO_T_DOUBLE},
                  {"bytes", FLOE_AVRO_T_BYTES}, {"string", FLOE_AVRO_T_STRING}};

static sch *find_named(sch_pool *p, const char *name)
{
	for (size_t i = 0; i < p->nall; i++) {
		const char *n = p->all[i]->name;
		const char *dot;
		if (n == NULL)
			continue;
		if (strcmp(n, name) == 0)
			return p->all[i];
		dot = strrchr(n, '.');
		if (dot && strcmp(dot + 1, name) == 0)
			return p->all[i];
	}
	return NULL;
}

static int parse_schema(floe_avro_reader *r, const json_t *j, sch **out, int depth);

static int set_name(floe_avro_reader *r, sch *s, const json_t *j)
{
	const char *n = json_string_value(json_object_get(j, "name"));
	const char *ns = json_string_value(json_object_get(j, "namespace"));
	if (n == NULL)
		return corrupt(r, "named type without a name in the schema");
	s->name = ns && !strchr(n, '.') ? floe_asprintf("%s.%s", ns, n) : floe_strdup(n);
	return s->name ? 0 : FLOE_ENOMEM;
}

static int parse_complex(floe_avro_reader *r, const json_t *j, sch **out, int depth)
{
	const char *type = json_string_value(json_object_get(j, "type"));
	sch *s = NULL;
	int rc = 0;
	if (type == NULL) /* {"type": {...}} or {"type": [...]} */
		return parse_schema(r, json_object_get(j, "type"), out, depth + 1);
	if (strcmp(type, "record") == 0 || strcmp(type, "error") == 0) {
		const json_t *fields = json_object_get(j, "fields");
		size_t n = json_array_size(fields);
		if (!json_is_array(fields))
			return corrupt(r, "record without fields in the schema");
		if ((s = sch_new(&r->pool, FLOE_AVRO_T_RECORD)) == NULL)
			return floe_error_code();
		if ((rc = set_name(r, s, j)) != 0)
			return rc;
		s->names = floe_calloc(n ? n : 1, sizeof(char *));
		s->kids = floe_calloc(n ? n : 1, sizeof(sch *));
		if (s->names == NULL || s->kids == NULL)
			return FLOE_ENOMEM;
		s->n = n;
		for (size_t i = 0; i < n && rc == 0; i++) {
			const json_t *f = json_array_get(fields, i);
			const char *fname = json_string_value(json_object_get(f, "name"));
			if (fname == NULL)
				return corrupt(r, "record field without a name in the schema");
			if ((s->names[i] = floe_strdup(fname)) == NULL)
				return FLOE_ENOMEM;
			rc = parse_schema(r, json_object_get(f, "type"), &s->kids[i], depth + 1);
		}
	} else if (strcmp(type, "enum") == 0) {
		const json_t *syms = json_object_get(j, "symbols");
		size_t n = json_array_size(syms);
		if ((s = sch_new(&r->pool, FLOE_AVRO_T_ENUM)) == NULL)
			return floe_error_code();
		if ((rc = set_name(r, s, j)) != 0)
			return rc;
		s->names = floe_calloc(n ? n : 1, sizeof(char *));
		if (s->names == NULL)
			return FLOE_ENOMEM;
		s->n = n;
		for (size_t i = 0; i < n; i++) {
			const char *sym = json_string_value(json_array_get(syms, i));
			if (sym == NULL)
				return corrupt(r, "enum symbol is not a string");
			if ((s->names[i] = floe_strdup(sym)) == NULL)
				return FLOE_ENOMEM;
		}
	} else if (strcmp(type, "array") == 0 || strcmp(type, "map") == 0) {
		bool arr = type[0] == 'a';
		if ((s = sch_new(&r->pool, arr ? FLOE_AVRO_T_ARRAY : FLOE_AVRO_T_MAP)) == NULL)
			return floe_error_code();
		if ((s->kids = floe_calloc(1, sizeof(sch *))) == NULL)
			return FLOE_ENOMEM;
		rc = parse_schema(r, json_object_get(j, arr ? "items" : "values"), &s->kids[0],
		                  depth + 1);
	} else if (strcmp(type, "fixed") == 0) {
		json_int_t size = json_integer_value(json_object_get(j, "size"));
		if ((s = sch_new(&r->pool, FLOE_AVRO_T_FIXED)) == NULL)
			return floe_error_code();
		if ((rc = set_name(r, s, j)) != 0)
			return rc;
		if (size < 0 || size > (1 << 20))
			return corrupt(r, "fixed size out of range in the schema");
		s->fixed_size = (size_t)size;
	} else {
		/* a primitive written as {"type": "long", "logicalType": ...} */
		return parse_schema(r, json_object_get(j, "type"), out, depth + 1);
	}
	*out = s;
	return rc;
}

static int parse_schema(floe_avro_reader *r, const json_t *j, sch **out, int depth)
{
	if (depth > MAX_DEPTH)
		return corrupt(r, "schema nested too deeply");
	if (json_is_string(j)) {
		const char *name = json_string_value(j);
		sch *named;
		for (size_t i = 0; i < sizeof(primitives) / sizeof(primitives[0]); i++)
			if (strcmp(name, primitives[i].name) == 0) {
				*out = sch_new(&r->pool, primitives[i].t);
				return *out ? 0 : floe_error_code();
			}
		if ((named = find_named(&r->pool, name)) == NULL)
			return corrupt(r, "schema references an unknown type");
		*out = named;
		return 0;
	}
	if (json_is_array(j)) {
		size_t n = json_array_size(j);
		sch *u = sch_new(&r->pool, FLOE_AVRO_T_NULL);
		int rc = 0;
		if (u == NULL)
			return floe_error_code();
		if (n == 0)
			return corrupt(r, "empty union in the schema");
		u->is_union = true;
		u->n = n;
		if ((u->kids = floe_calloc(n, sizeof(sch *))) == NULL)
			return FLOE_ENOMEM;
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = parse_schema(r, json_array_get(j, i), &u->kids[i], depth + 1);
		*out = u;
		return rc;
	}
	if (json_is_object(j))
		return parse_complex(r, j, out, depth);
	return corrupt(r, "schema is not valid Avro");
}

/* ---- low-level reads over a bounded span ---- */

typedef struct {
	const uint8_t *p;
	size_t len, pos;
} span;

static int read_long(floe_avro_reader *r, span *s, int64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		uint8_t b;
		if (s->pos >= s->len)
			return corrupt(r, "value runs past the end of the data");
		b = s->p[s->pos++];
		if (shift == 63 && (b & 0x7E))
			return corrupt(r, "variable-length integer overflows 64 bits");
		v |= (uint64_t)(b & 0x7F) << shift;
		if (!(b & 0x80)) {
			*out = (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
			return 0;
		}
	}
	return corrupt(r, "variable-length integer longer than 10 bytes");
}

static int read_len(floe_avro_reader *r, span *s, size_t *out)
{
	int64_t n;
	int rc = read_long(r, s, &n);
	if (rc)
		return rc;
	if (n < 0 || (uint64_t)n > s->len - s->pos)
		return corrupt(r, "length runs past the end of the data");
	*out = (size_t)n;
	return 0;
}

/* ---- value decoding ---- */

static int decode(floe_avro_reader *r, span *s, const sch *t, floe_avro_value **out, int depth);

static int decode_items(floe_avro_reader *r, span *s, const sch *t, floe_avro_value *v, int depth)
{
	size_t cap = 0;
	bool map = t->type == FLOE_AVRO_T_MAP;
	for (;;) {
		int64_t count;
		int rc = read_long(r, s, &count);
		if (rc)
			return rc;
		if (count == 0)
			return 0;
		if (count < 0) { /* negative count: a byte size follows */
			int64_t bytes;
			if ((rc = read_long(r, s, &bytes)) != 0)
				return rc;
			if (count == INT64_MIN)
				return corrupt(r, "bad block count");
			count = -count;
		}
		if ((uint64_t)count > s->len - s->pos + 1)
			return corrupt(r, "array or map count exceeds the data left");
		if (v->u.list.count + (size_t)count > cap) {
			/* geometric: many small blocks must not copy quadratically */
			size_t ncap = v->u.list.count + (size_t)count;
			if (ncap < cap * 2)
				ncap = cap * 2;
			floe_avro_value **items = arena_alloc(r, ncap * sizeof(*items));
			const char **names = map ? arena_alloc(r, ncap * sizeof(char *)) : NULL;
			if (items == NULL || (map && names == NULL))
				return floe_error_code();
			if (v->u.list.count) {
				memcpy(items, v->u.list.items, v->u.list.count * sizeof(*items));
				if (map)
					memcpy(names, v->u.list.names,
					       v->u.list.count * sizeof(char *));
			}
			v->u.list.items = items;
			v->u.list.names = names;
			cap = ncap;
		}
		for (int64_t i = 0; i < count; i++) {
			size_t k = v->u.list.count;
			if (map) {
				size_t n = 0;
				char *key;
				if ((rc = read_len(r, s, &n)) != 0)
					return rc;
				if ((key = arena_alloc(r, n + 1)) == NULL)
					return floe_error_code();
				memcpy(key, s->p + s->pos, n);
				key[n] = '\0';
				s->pos += n;
				v->u.list.names[k] = key;
			}
			if ((rc = decode(r, s, t->kids[0], &v->u.list.items[k], depth + 1)) != 0)
				return rc;
			v->u.list.count++;
		}
	}
}

static int decode(floe_avro_reader *r, span *s, const sch *t, floe_avro_value **out, int depth)
{
	floe_avro_value *v;
	int branch = -1, rc = 0;
	if (depth > MAX_DEPTH)
		return corrupt(r, "value nested too deeply");
	if (t->is_union) {
		int64_t b;
		if ((rc = read_long(r, s, &b)) != 0)
			return rc;
		if (b < 0 || (uint64_t)b >= t->n)
			return corrupt(r, "union branch index out of range");
		branch = (int)b;
		t = t->kids[b];
		if (t->is_union)
			return corrupt(r, "union directly inside a union");
	}
	if ((v = arena_alloc(r, sizeof(*v))) == NULL)
		return floe_error_code();
	v->type = t->type;
	v->branch = branch;
	*out = v;
	switch (t->type) {
	case FLOE_AVRO_T_NULL: return 0;
	case FLOE_AVRO_T_BOOLEAN:
		if (s->pos >= s->len)
			return corrupt(r, "boolean runs past the end of the data");
		if (s->p[s->pos] > 1)
			return corrupt(r, "boolean is neither 0 nor 1");
		v->u.b = s->p[s->pos++] == 1;
		return 0;
	case FLOE_AVRO_T_INT:
	case FLOE_AVRO_T_ENUM: {
		int64_t l;
		if ((rc = read_long(r, s, &l)) != 0)
			return rc;
		if (l < INT32_MIN || l > INT32_MAX)
			return corrupt(r, "int out of range");
		v->u.i = (int32_t)l;
		if (t->type == FLOE_AVRO_T_ENUM) {
			if (l < 0 || (uint64_t)l >= t->n)
				return corrupt(r, "enum index out of range");
			v->symbol = t->names[l];
		}
		return 0;
	}
	case FLOE_AVRO_T_LONG: return read_long(r, s, &v->u.l);
	case FLOE_AVRO_T_FLOAT:
	case FLOE_AVRO_T_DOUBLE: {
		size_t n = t->type == FLOE_AVRO_T_FLOAT ? 4 : 8;
		uint64_t u = 0;
		if (s->len - s->pos < n)
			return corrupt(r, "floating point value runs past the end of the data");
		for (size_t i = 0; i < n; i++)
			u |= (uint64_t)s->p[s->pos + i] << (8 * i);
		s->pos += n;
		if (n == 4) {
			uint32_t u32 = (uint32_t)u;
			memcpy(&v->u.f, &u32, 4);
		} else {
			memcpy(&v->u.d, &u, 8);
		}
		return 0;
	}
	case FLOE_AVRO_T_BYTES:
	case FLOE_AVRO_T_STRING:
	case FLOE_AVRO_T_FIXED: {
		size_t n = 0;
		uint8_t *p;
		if (t->type == FLOE_AVRO_T_FIXED) {
			n = t->fixed_size;
			if (s->len - s->pos < n)
				return corrupt(r, "fixed value runs past the end of the data");
		} else if ((rc = read_len(r, s, &n)) != 0) {
			return rc;
		}
		if ((p = arena_alloc(r, n + 1)) == NULL)
			return floe_error_code();
		memcpy(p, s->p + s->pos, n);
		p[n] = 0;
		s->pos += n;
		v->u.bytes.ptr = p;
		v->u.bytes.len = n;
		return 0;
	}
	case FLOE_AVRO_T_RECORD:
		v->u.list.count = t->n;
		v->u.list.names = (const char **)t->names;
		v->u.list.items = arena_alloc(r, (t->n ? t->n : 1) * sizeof(floe_avro_value *));
		if (v->u.list.items == NULL)
			return floe_error_code();
		for (size_t i = 0; i < t->n && rc == 0; i++)
			rc = decode(r, s, t->kids[i], &v->u.list.items[i], depth + 1);
		return rc;
	case FLOE_AVRO_T_ARRAY:
	case FLOE_AVRO_T_MAP: return decode_items(r, s, t, v, depth);
	}
	return corrupt(r, "unknown type");
}

/* ---- header and blocks ---- */

static int inflate_raw(floe_avro_reader *r, const uint8_t *in, size_t len)
{
	z_stream zs;
	size_t cap = len < MAX_BLOCK / 4 ? len * 4 + 1024 : MAX_BLOCK, used = 0;
	uint8_t *out = NULL;
	int zr = Z_OK, rc = 0;
	memset(&zs, 0, sizeof(zs));
	if (inflateInit2(&zs, -15) != Z_OK)
		return floe_error_set(FLOE_ENOMEM, "%s: inflateInit failed", r->name);
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)len;
	while (zr != Z_STREAM_END) {
		uint8_t *grown;
		if (used == MAX_BLOCK) {
			rc = corrupt(r, "deflated block expands beyond 64 MiB");
			break;
		}
		if (cap > MAX_BLOCK)
			cap = MAX_BLOCK;
		grown = floe_realloc(out, cap);
		if (grown == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		out = grown;
		zs.next_out = out + used;
		zs.avail_out = (uInt)(cap - used);
		zr = inflate(&zs, Z_NO_FLUSH);
		used = zs.total_out;
		if (zr == Z_STREAM_END)
			break;
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			rc = corrupt(r, "deflate data is invalid");
			break;
		}
		if (zr == Z_BUF_ERROR && zs.avail_in == 0) {
			rc = corrupt(r, "deflate data is truncated");
			break;
		}
		cap *= 2;
	}
	inflateEnd(&zs);
	if (rc) {
		floe_free(out);
		return rc;
	}
	floe_free(r->inflated);
	r->inflated = out;
	r->blk = out;
	r->blk_len = used;
	return 0;
}

static int read_header(floe_avro_reader *r)
{
	span s = {r->data, r->len, 0};
	const char *codec = NULL;
	json_t *schema = NULL;
	json_error_t jerr;
	int rc;
	if (r->len < 4 || memcmp(r->data, "Obj\x01", 4) != 0)
		return corrupt(r, "not an Avro object container file (bad magic)");
	s.pos = 4;
	for (;;) {
		int64_t count;
		if ((rc = read_long(r, &s, &count)) != 0)
			return rc;
		if (count == 0)
			break;
		if (count < 0) {
			int64_t bytes;
			if ((rc = read_long(r, &s, &bytes)) != 0)
				return rc;
			count = count == INT64_MIN ? 0 : -count;
		}
		if ((uint64_t)count > s.len - s.pos || (uint64_t)count > MAX_META - r->nmeta)
			return corrupt(r, "header metadata count exceeds the file or the limit");
		for (int64_t i = 0; i < count; i++) {
			size_t kn = 0, vn = 0;
			char **keys, **vals;
			if ((rc = read_len(r, &s, &kn)) != 0)
				return rc;
			keys = floe_realloc(r->meta_keys, (r->nmeta + 1) * sizeof(char *));
			if (keys == NULL)
				return FLOE_ENOMEM;
			r->meta_keys = keys;
			vals = floe_realloc(r->meta_vals, (r->nmeta + 1) * sizeof(char *));
			if (vals == NULL)
				return FLOE_ENOMEM;
			r->meta_vals = vals;
			keys[r->nmeta] = floe_strndup((const char *)s.p + s.pos, kn);
			vals[r->nmeta] = NULL;
			r->nmeta++;
			if (keys[r->nmeta - 1] == NULL)
				return FLOE_ENOMEM;
			s.pos += kn;
			if ((rc = read_len(r, &s, &vn)) != 0)
				return rc;
			if ((vals[r->nmeta - 1] = floe_strndup((const char *)s.p + s.pos, vn)) ==
			    NULL)
				return FLOE_ENOMEM;
			s.pos += vn;
		}
	}
	if (s.len - s.pos < 16)
		return corrupt(r, "header has no sync marker");
	memcpy(r->sync, s.p + s.pos, 16);
	s.pos += 16;
	r->pos = s.pos;
	codec = floe_avro_reader_meta(r, "avro.codec");
	if (codec == NULL || strcmp(codec, "null") == 0)
		r->deflate = false;
	else if (strcmp(codec, "deflate") == 0)
		r->deflate = true;
	else
		return floe_error_set(FLOE_ECORRUPT, "%s: unsupported Avro codec '%s'", r->name,
		                      codec);
	if (floe_avro_reader_meta(r, "avro.schema") == NULL)
		return corrupt(r, "header has no avro.schema");
	if ((r->schema_text = floe_strdup(floe_avro_reader_meta(r, "avro.schema"))) == NULL)
		return FLOE_ENOMEM;
	floe_fault_alloc_suspend(); /* jansson's lexer: see floe_fault_alloc_suspend */
	schema = json_loads(r->schema_text, JSON_DECODE_ANY, &jerr);
	floe_fault_alloc_resume();
	if (schema == NULL)
		return floe_error_set(FLOE_ECORRUPT, "%s: avro.schema is not valid JSON: %s",
		                      r->name, jerr.text);
	rc = parse_schema(r, schema, &r->root, 0);
	json_decref(schema);
	return rc;
}

int floe_avro_reader_open(floe_avro_reader **out, const void *data, size_t len, const char *name)
{
	floe_avro_reader *r = floe_calloc(1, sizeof(*r));
	int rc;
	*out = NULL;
	if (r == NULL)
		return FLOE_ENOMEM;
	r->data = data;
	r->len = len;
	floe_arena_init(&r->arena, 65536);
	r->name = floe_strdup(name ? name : "avro");
	if (r->name == NULL) {
		floe_free(r);
		return FLOE_ENOMEM;
	}
	rc = read_header(r);
	if (rc) {
		floe_avro_reader_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

const char *floe_avro_reader_meta(const floe_avro_reader *r, const char *key)
{
	for (size_t i = 0; i < r->nmeta; i++)
		if (strcmp(r->meta_keys[i], key) == 0)
			return r->meta_vals[i];
	return NULL;
}

const char *floe_avro_reader_schema(const floe_avro_reader *r)
{
	return r->schema_text;
}

static int next_block(floe_avro_reader *r)
{
	span s = {r->data, r->len, r->pos};
	int64_t count, size;
	int rc;
	if ((rc = read_long(r, &s, &count)) != 0)
		return rc;
	if ((rc = read_long(r, &s, &size)) != 0)
		return rc;
	r->block_no++;
	r->record_no = 0;
	if (count <= 0 || size < 0 || (uint64_t)size > MAX_BLOCK)
		return corrupt(r, "bad block header");
	if ((uint64_t)size + 16 > s.len - s.pos)
		return corrupt(r, "block runs past the end of the file (truncated?)");
	if (memcmp(s.p + s.pos + size, r->sync, 16) != 0)
		return corrupt(r, "sync marker does not match");
	if (r->deflate) {
		if ((rc = inflate_raw(r, s.p + s.pos, (size_t)size)) != 0)
			return rc;
	} else {
		r->blk = s.p + s.pos;
		r->blk_len = (size_t)size;
	}
	if ((uint64_t)count > r->blk_len + 1)
		return corrupt(r, "block record count exceeds its size");
	r->blk_pos = 0;
	r->blk_left = count;
	r->pos = s.pos + (size_t)size + 16;
	return 0;
}

int floe_avro_reader_next(floe_avro_reader *r, const floe_avro_value **out)
{
	span s;
	floe_avro_value *v = NULL;
	int rc;
	*out = NULL;
	floe_arena_reset(&r->arena);
	r->rec_bytes = 0;
	if (r->blk_left == 0) {
		if (r->blk != NULL && r->blk_pos != r->blk_len)
			return corrupt(r, "trailing bytes after the last record of the block");
		if (r->pos == r->len)
			return 0;
		if ((rc = next_block(r)) != 0)
			return rc;
	}
	s.p = r->blk;
	s.len = r->blk_len;
	s.pos = r->blk_pos;
	r->record_no++;
	if ((rc = decode(r, &s, r->root, &v, 0)) != 0)
		return rc;
	r->blk_pos = s.pos;
	r->blk_left--;
	*out = v;
	return 1;
}

void floe_avro_reader_free(floe_avro_reader *r)
{
	if (r == NULL)
		return;
	floe_arena_free(&r->arena);
	for (size_t i = 0; i < r->nmeta; i++) {
		floe_free(r->meta_keys[i]);
		floe_free(r->meta_vals[i]);
	}
	floe_free(r->meta_keys);
	floe_free(r->meta_vals);
	floe_free(r->inflated);
	floe_free(r->schema_text);
	floe_free(r->name);
	pool_free(&r->pool);
	floe_free(r);
}

const floe_avro_value *floe_avro_value_field(const floe_avro_value *v, const char *name)
{
	if (v == NULL || v->type != FLOE_AVRO_T_RECORD)
		return NULL;
	for (size_t i = 0; i < v->u.list.count; i++)
		if (strcmp(v->u.list.names[i], name) == 0)
			return v->u.list.items[i];
	return NULL;
}

bool floe_avro_value_is_null(const floe_avro_value *v)
{
	return v == NULL || v->type == FLOE_AVRO_T_NULL;
}

int floe_avro_value_get_long(const floe_avro_value *v, int64_t *out)
{
	if (v != NULL && v->type == FLOE_AVRO_T_LONG) {
		*out = v->u.l;
		return 0;
	}
	if (v != NULL && v->type == FLOE_AVRO_T_INT) {
		*out = v->u.i;
		return 0;
	}
	return FLOE_EINVAL;
}
