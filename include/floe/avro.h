/*
 * floe avro: Avro 1.11 object container files, written and read by floe's
 * own code (Debian's avro-c drops Iceberg's field-id attributes).
 *
 * Writing is a streaming encoder: the caller gives the writer schema as JSON
 * text (it is stored verbatim in `avro.schema`, so field-id, element-id,
 * logicalType and friends survive), then emits each record's values in
 * schema order with the floe_avro_put_* calls and ends each record with
 * floe_avro_writer_end_record(). The encoder does not check values against
 * the schema; the reader does when reading them back.
 *
 * Reading decodes any container file whose schema uses null, boolean, int,
 * long, float, double, bytes, string, record, enum, array, map, union and
 * fixed (named types may be referenced by name) into a tree of
 * floe_avro_value, allocated per record. Truncated or corrupt input
 * (bad magic, bad sync marker, varint overflow, lengths past the end,
 * unknown codec, deflate errors, union index out of range, depth > 64,
 * blocks over 64 MiB compressed or inflated, a record decoding to more than
 * 64 MiB of values, schemas of more than 10000 types, more than 4096 header
 * keys) is FLOE_ECORRUPT with a message naming what was wrong and the
 * block/record.
 */
#ifndef FLOE_AVRO_H
#define FLOE_AVRO_H

#include "floe/base.h"

typedef enum { FLOE_AVRO_NULL_CODEC = 0, FLOE_AVRO_DEFLATE = 1 } floe_avro_codec;

/* ---- raw binary encoding (Avro spec "Binary Encoding"), into a buffer ---- */
int floe_avro_encode_long(floe_buf *b, int64_t v); /* zigzag varint */
int floe_avro_encode_int(floe_buf *b, int32_t v);
int floe_avro_encode_bytes(floe_buf *b, const void *p, size_t n); /* long len + bytes */
int floe_avro_encode_string(floe_buf *b, const char *s);

/* ---- container file writer ---- */
typedef struct floe_avro_writer floe_avro_writer;

/*
 * Start a container file. schema_json is the writer schema (copied).
 * Metadata pairs added with floe_avro_writer_meta() before the first value
 * go into the header (avro.schema and avro.codec are written by the writer
 * itself, always, codec "null" or "deflate"). Free with
 * floe_avro_writer_free (also after floe_avro_writer_finish).
 */
int floe_avro_writer_new(floe_avro_writer **out, const char *schema_json, floe_avro_codec codec);
int floe_avro_writer_meta(floe_avro_writer *w, const char *key, const char *value);

/* Values of the current record, in schema order. */
int floe_avro_put_null(floe_avro_writer *w);
int floe_avro_put_bool(floe_avro_writer *w, bool v);
int floe_avro_put_int(floe_avro_writer *w, int32_t v);
int floe_avro_put_long(floe_avro_writer *w, int64_t v);
int floe_avro_put_float(floe_avro_writer *w, float v);
int floe_avro_put_double(floe_avro_writer *w, double v);
int floe_avro_put_bytes(floe_avro_writer *w, const void *p, size_t n);
int floe_avro_put_string(floe_avro_writer *w, const char *s);
int floe_avro_put_fixed(floe_avro_writer *w, const void *p, size_t n); /* no length */
/* Union branch index (0-based), followed by the branch's value if any. */
int floe_avro_put_union(floe_avro_writer *w, int branch);
/* Arrays and maps: one block of `count` items (omit when count == 0),
 * then the items, then floe_avro_put_array_end (writes the 0 terminator).
 * Map items are a string key followed by the value. */
int floe_avro_put_array_start(floe_avro_writer *w, int64_t count);
int floe_avro_put_array_end(floe_avro_writer *w);
/* Ends one record: counts it and flushes a block every ~64 KiB. */
int floe_avro_writer_end_record(floe_avro_writer *w);
/* Flush the last block; the finished file is then floe_avro_writer_data(). */
int floe_avro_writer_finish(floe_avro_writer *w);
const floe_buf *floe_avro_writer_data(const floe_avro_writer *w);
void floe_avro_writer_free(floe_avro_writer *w);

/* ---- decoded values ---- */
typedef enum {
	FLOE_AVRO_T_NULL,
	FLOE_AVRO_T_BOOLEAN,
	FLOE_AVRO_T_INT,
	FLOE_AVRO_T_LONG,
	FLOE_AVRO_T_FLOAT,
	FLOE_AVRO_T_DOUBLE,
	FLOE_AVRO_T_BYTES,
	FLOE_AVRO_T_STRING,
	FLOE_AVRO_T_RECORD,
	FLOE_AVRO_T_ENUM,
	FLOE_AVRO_T_ARRAY,
	FLOE_AVRO_T_MAP,
	FLOE_AVRO_T_FIXED
} floe_avro_type;

typedef struct floe_avro_value floe_avro_value;
struct floe_avro_value {
	floe_avro_type type; /* unions are resolved: this is the branch's type */
	int branch;          /* union branch index taken, -1 if not a union */
	union {
		bool b;
		int32_t i; /* INT and ENUM (symbol index) */
		int64_t l;
		float f;
		double d;
		struct {
			const uint8_t *ptr; /* BYTES, STRING (NUL-terminated), FIXED */
			size_t len;
		} bytes;
		struct {
			size_t count;
			const char **names;      /* RECORD: field names; MAP: keys */
			floe_avro_value **items; /* RECORD fields, ARRAY items, MAP values */
		} list;
	} u;
	const char *symbol; /* ENUM symbol name */
};

/* Field of a record by name; NULL if absent or v is not a record. */
const floe_avro_value *floe_avro_value_field(const floe_avro_value *v, const char *name);
/* NULL-safe helpers: false/0/NULL when the value is absent, null or another type. */
bool floe_avro_value_is_null(const floe_avro_value *v); /* true for NULL pointer too */
int floe_avro_value_get_long(const floe_avro_value *v, int64_t *out); /* INT or LONG */

/* ---- container file reader ---- */
typedef struct floe_avro_reader floe_avro_reader;

/* Open a container file held in memory (borrowed: data must outlive the
 * reader). Parses the header and the writer schema. `name` is used in
 * error messages (a path). Free with floe_avro_reader_free. */
int floe_avro_reader_open(floe_avro_reader **out, const void *data, size_t len, const char *name);
/* Header metadata value (NUL-terminated copy owned by the reader), or NULL. */
const char *floe_avro_reader_meta(const floe_avro_reader *r, const char *key);
/* The writer schema JSON text (owned by the reader). */
const char *floe_avro_reader_schema(const floe_avro_reader *r);
/* Next record: 1 and *out set (valid until the next call or free), 0 at the
 * end of the file, negative on error. */
int floe_avro_reader_next(floe_avro_reader *r, const floe_avro_value **out);
void floe_avro_reader_free(floe_avro_reader *r);

#endif
