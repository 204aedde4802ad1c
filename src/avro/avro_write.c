/*
 * Avro 1.11 binary encoding and object container file writer (Avro spec,
 * "Binary Encoding" and "Object Container Files"). The writer streams
 * values in schema order into the current block and flushes a block of
 * records (optionally raw-deflated) every ~64 KiB. The schema text is
 * stored verbatim in `avro.schema` so Iceberg's field-id attributes survive.
 */
#include <string.h>
#include <zlib.h>

#include "floe/avro.h"

#define BLOCK_TARGET (64 * 1024)

typedef struct {
	char *key;
	char *value;
} meta_pair;

struct floe_avro_writer {
	char *schema;
	floe_avro_codec codec;
	meta_pair *meta;
	size_t nmeta;
	uint8_t sync[16];
	bool header_done;
	floe_buf out;   /* the whole file */
	floe_buf block; /* encoded records of the current block */
	int64_t block_records;
};

int floe_avro_encode_long(floe_buf *b, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	uint8_t tmp[10];
	size_t n = 0;
	do {
		uint8_t byte = (uint8_t)(z & 0x7F);
		z >>= 7;
		tmp[n++] = (uint8_t)(byte | (z ? 0x80 : 0));
	} while (z);
	return floe_buf_put(b, tmp, n);
}

int floe_avro_encode_int(floe_buf *b, int32_t v)
{
	return floe_avro_encode_long(b, v);
}

int floe_avro_encode_bytes(floe_buf *b, const void *p, size_t n)
{
	int rc = floe_avro_encode_long(b, (int64_t)n);
	return rc ? rc : floe_buf_put(b, p, n);
}

int floe_avro_encode_string(floe_buf *b, const char *s)
{
	return floe_avro_encode_bytes(b, s, strlen(s));
}

int floe_avro_writer_new(floe_avro_writer **out, const char *schema_json, floe_avro_codec codec)
{
	floe_avro_writer *w = floe_calloc(1, sizeof(*w));
	*out = NULL;
	if (w == NULL)
		return FLOE_ENOMEM;
	w->schema = floe_strdup(schema_json);
	if (w->schema == NULL) {
		floe_free(w);
		return FLOE_ENOMEM;
	}
	w->codec = codec;
	floe_buf_init(&w->out, 0);
	floe_buf_init(&w->block, 0);
	floe_random_bytes(w->sync, sizeof(w->sync));
	*out = w;
	return 0;
}

int floe_avro_writer_meta(floe_avro_writer *w, const char *key, const char *value)
{
	meta_pair *m;
	if (w->header_done)
		return floe_error_set(FLOE_EINVAL, "avro: metadata after the first record");
	m = floe_realloc(w->meta, (w->nmeta + 1) * sizeof(*m));
	if (m == NULL)
		return FLOE_ENOMEM;
	w->meta = m;
	m[w->nmeta].key = floe_strdup(key);
	m[w->nmeta].value = floe_strdup(value);
	if (m[w->nmeta].key == NULL || m[w->nmeta].value == NULL) {
		floe_free(m[w->nmeta].key);
		floe_free(m[w->nmeta].value);
		return FLOE_ENOMEM;
	}
	w->nmeta++;
	return 0;
}

static int write_header(floe_avro_writer *w)
{
	floe_buf *b = &w->out;
	int rc = floe_buf_put(b, "Obj\x01", 4);
	if (rc == 0)
		rc = floe_avro_encode_long(b, (int64_t)w->nmeta + 2);
	if (rc == 0)
		rc = floe_avro_encode_string(b, "avro.schema");
	if (rc == 0)
		rc = floe_avro_encode_string(b, w->schema);
	if (rc == 0)
		rc = floe_avro_encode_string(b, "avro.codec");
	if (rc == 0)
		rc = floe_avro_encode_string(b, w->codec == FLOE_AVRO_DEFLATE ? "deflate" : "null");
	for (size_t i = 0; rc == 0 && i < w->nmeta; i++) {
		rc = floe_avro_encode_string(b, w->meta[i].key);
		if (rc == 0)
			rc = floe_avro_encode_string(b, w->meta[i].value);
	}
	if (rc == 0)
		rc = floe_avro_encode_long(b, 0);
	if (rc == 0)
		rc = floe_buf_put(b, w->sync, sizeof(w->sync));
	if (rc == 0)
		w->header_done = true;
	return rc;
}

static int begin(floe_avro_writer *w)
{
	return w->header_done ? 0 : write_header(w);
}

/* Raw DEFLATE (RFC 1951), as the Avro spec's deflate codec asks. */
static int deflate_raw(floe_buf *out, const char *in, size_t len)
{
	z_stream zs;
	int rc = 0, zr;
	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return floe_error_set(FLOE_ENOMEM, "avro: deflateInit failed");
	rc = floe_buf_grow(out, deflateBound(&zs, (uLong)len) + 16);
	if (rc == 0) {
		zs.next_in = (Bytef *)in;
		zs.avail_in = (uInt)len;
		zs.next_out = (Bytef *)out->ptr + out->len;
		zs.avail_out = (uInt)(out->cap - out->len - 1);
		zr = deflate(&zs, Z_FINISH);
		if (zr != Z_STREAM_END)
			rc = floe_error_set(FLOE_EIO, "avro: deflate failed (%d)", zr);
		else
			out->len += zs.total_out;
	}
	deflateEnd(&zs);
	return rc;
}

static int flush_block(floe_avro_writer *w)
{
	floe_buf z = FLOE_BUF_INIT;
	const char *data = w->block.ptr;
	size_t len = w->block.len;
	int rc = 0;
	if (w->block_records == 0)
		return 0;
	if (w->codec == FLOE_AVRO_DEFLATE) {
		rc = deflate_raw(&z, w->block.ptr, w->block.len);
		data = z.ptr;
		len = z.len;
	}
	if (rc == 0)
		rc = floe_avro_encode_long(&w->out, w->block_records);
	if (rc == 0)
		rc = floe_avro_encode_long(&w->out, (int64_t)len);
	if (rc == 0)
		rc = floe_buf_put(&w->out, data, len);
	if (rc == 0)
		rc = floe_buf_put(&w->out, w->sync, sizeof(w->sync));
	floe_buf_free(&z);
	floe_buf_reset(&w->block);
	w->block_records = 0;
	return rc;
}

#define PUT(expr)                                                                                  \
	do {                                                                                       \
		int rc_ = begin(w);                                                                \
		return rc_ ? rc_ : (expr);                                                         \
	} while (0)

int floe_avro_put_null(floe_avro_writer *w)
{
	PUT(0);
}
int floe_avro_put_bool(floe_avro_writer *w, bool v)
{
	PUT(floe_buf_putc(&w->block, v ? 1 : 0));
}
int floe_avro_put_int(floe_avro_writer *w, int32_t v)
{
	PUT(floe_avro_encode_int(&w->block, v));
}
int floe_avro_put_long(floe_avro_writer *w, int64_t v)
{
	PUT(floe_avro_encode_long(&w->block, v));
}

int floe_avro_put_float(floe_avro_writer *w, float v)
{
	uint8_t b[4];
	uint32_t u;
	memcpy(&u, &v, 4);
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	PUT(floe_buf_put(&w->block, b, 4));
}

int floe_avro_put_double(floe_avro_writer *w, double v)
{
	uint8_t b[8];
	uint64_t u;
	memcpy(&u, &v, 8);
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(u >> (8 * i));
	PUT(floe_buf_put(&w->block, b, 8));
}

int floe_avro_put_bytes(floe_avro_writer *w, const void *p, size_t n)
{
	PUT(floe_avro_encode_bytes(&w->block, p, n));
}

int floe_avro_put_string(floe_avro_writer *w, const char *s)
{
	PUT(floe_avro_encode_string(&w->block, s));
}

int floe_avro_put_fixed(floe_avro_writer *w, const void *p, size_t n)
{
	PUT(floe_buf_put(&w->block, p, n));
}

int floe_avro_put_union(floe_avro_writer *w, int branch)
{
	PUT(floe_avro_encode_long(&w->block, branch));
}

int floe_avro_put_array_start(floe_avro_writer *w, int64_t count)
{
	PUT(count > 0 ? floe_avro_encode_long(&w->block, count) : 0);
}

int floe_avro_put_array_end(floe_avro_writer *w)
{
	PUT(floe_avro_encode_long(&w->block, 0));
}

int floe_avro_writer_end_record(floe_avro_writer *w)
{
	int rc = begin(w);
	if (rc)
		return rc;
	w->block_records++;
	return w->block.len >= BLOCK_TARGET ? flush_block(w) : 0;
}

int floe_avro_writer_finish(floe_avro_writer *w)
{
	int rc = begin(w);
	return rc ? rc : flush_block(w);
}

const floe_buf *floe_avro_writer_data(const floe_avro_writer *w)
{
	return &w->out;
}

void floe_avro_writer_free(floe_avro_writer *w)
{
	if (w == NULL)
		return;
	for (size_t i = 0; i < w->nmeta; i++) {
		floe_free(w->meta[i].key);
		floe_free(w->meta[i].value);
	}
	floe_free(w->meta);
	floe_free(w->schema);
	floe_buf_free(&w->out);
	floe_buf_free(&w->block);
	floe_free(w);
}
