/*
 * The statistics of a Parquet file's column chunks, read from its footer:
 * the FileMetaData at the end of the file (its length and "PAR1" in the
 * last 8 bytes), in Thrift's compact protocol. Only what the bounds that
 * RETURN_STATS leaves out need is kept: per row group and leaf column the
 * value count, the null count, and the min/max values with their exactness
 * flags. Everything else is skipped, bounded in depth and by the buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine_internal.h"

#define MAX_FOOTER ((size_t)64 << 20)
#define MAX_DEPTH 32

/* compact protocol types */
enum {
	T_STOP,
	T_TRUE,
	T_FALSE,
	T_I8,
	T_I16,
	T_I32,
	T_I64,
	T_DOUBLE,
	T_BINARY,
	T_LIST,
	T_SET,
	T_MAP,
	T_STRUCT
};

typedef struct {
	const uint8_t *p, *end;
	bool bad;
} rd;

static uint64_t varint(rd *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (r->p >= r->end) {
			r->bad = true;
			return 0;
		}
		uint8_t b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

static int64_t zigzag(rd *r)
{
	uint64_t v = varint(r);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* A field header: its type (T_STOP at the end of a struct) and id. */
static int field(rd *r, int16_t *id)
{
	uint8_t b;
	if (r->p >= r->end) {
		r->bad = true;
		return T_STOP;
	}
	b = *r->p++;
	if (b == 0)
		return T_STOP;
	if (b >> 4)
		*id = (int16_t)(*id + (b >> 4));
	else
		*id = (int16_t)zigzag(r);
	return b & 0x0f;
}

/* A list (or set) header: element type and count. */
static size_t list_head(rd *r, int *type)
{
	uint64_t n;
	uint8_t b;
	if (r->p >= r->end) {
		r->bad = true;
		return 0;
	}
	b = *r->p++;
	*type = b & 0x0f;
	n = b >> 4;
	if (n == 15)
		n = varint(r);
	if (n > (uint64_t)(r->end - r->p)) /* every element takes a byte at least */
		r->bad = true;
	return r->bad ? 0 : (size_t)n;
}

static void skip(rd *r, int type, int depth);

static void skip_binary(rd *r)
{
	uint64_t n = varint(r);
	if (n > (uint64_t)(r->end - r->p))
		r->bad = true;
	else
		r->p += n;
}

static void skip_struct(rd *r, int depth)
{
	int16_t id = 0;
	int t;
	while (!r->bad && (t = field(r, &id)) != T_STOP)
		skip(r, t, depth + 1);
}

static void skip(rd *r, int type, int depth)
{
	if (depth > MAX_DEPTH) {
		r->bad = true;
		return;
	}
	switch (type) {
	case T_TRUE:
	case T_FALSE: break; /* a struct field's value is in its type */
	case T_I8:
		if (r->p < r->end)
			r->p++;
		else
			r->bad = true;
		break;
	case T_I16:
	case T_I32:
	case T_I64: varint(r); break;
	case T_DOUBLE:
		if (r->end - r->p >= 8)
			r->p += 8;
		else
			r->bad = true;
		break;
	case T_BINARY: skip_binary(r); break;
	case T_LIST:
	case T_SET: {
		int et;
		size_t n = list_head(r, &et);
		for (size_t i = 0; !r->bad && i < n; i++) {
			if (et == T_TRUE || et == T_FALSE) /* a list's booleans are bytes */
				skip(r, T_I8, depth + 1);
			else
				skip(r, et, depth + 1);
		}
		break;
	}
	case T_MAP: {
		uint64_t n = varint(r);
		uint8_t kv;
		if (n == 0)
			break;
		if (r->p >= r->end || n > (uint64_t)(r->end - r->p)) {
			r->bad = true;
			break;
		}
		kv = *r->p++;
		for (uint64_t i = 0; !r->bad && i < n; i++) {
			skip(r, kv >> 4, depth + 1);
			skip(r, kv & 0x0f, depth + 1);
		}
		break;
	}
	case T_STRUCT: skip_struct(r, depth); break;
	default: r->bad = true;
	}
}

static void binary(rd *r, const uint8_t **v, size_t *len)
{
	uint64_t n = varint(r);
	if (n > (uint64_t)(r->end - r->p)) {
		r->bad = true;
		return;
	}
	*v = r->p;
	*len = (size_t)n;
	r->p += n;
}

/* Statistics: 3 null_count, 5 max_value, 6 min_value, 7/8 exactness */
static void statistics(rd *r, floe_pq_chunk *c)
{
	int16_t id = 0;
	int t;
	while (!r->bad && (t = field(r, &id)) != T_STOP) {
		if (id == 3 && t == T_I64) {
			c->null_count = zigzag(r);
			c->has_null_count = true;
		} else if (id == 5 && t == T_BINARY) {
			binary(r, &c->max, &c->max_len);
		} else if (id == 6 && t == T_BINARY) {
			binary(r, &c->min, &c->min_len);
		} else if (id == 7 && (t == T_TRUE || t == T_FALSE)) {
			c->max_exact = t == T_TRUE;
		} else if (id == 8 && (t == T_TRUE || t == T_FALSE)) {
			c->min_exact = t == T_TRUE;
		} else {
			skip(r, t, 2);
		}
	}
}

/* ColumnMetaData: 5 num_values, 12 statistics */
static void column_meta(rd *r, floe_pq_chunk *c)
{
	int16_t id = 0;
	int t;
	while (!r->bad && (t = field(r, &id)) != T_STOP) {
		if (id == 5 && t == T_I64)
			c->num_values = zigzag(r);
		else if (id == 12 && t == T_STRUCT)
			statistics(r, c);
		else
			skip(r, t, 2);
	}
}

/* ColumnChunk: 3 meta_data */
static void column_chunk(rd *r, floe_pq_chunk *c)
{
	int16_t id = 0;
	int t;
	c->num_values = -1;
	while (!r->bad && (t = field(r, &id)) != T_STOP) {
		if (id == 3 && t == T_STRUCT)
			column_meta(r, c);
		else
			skip(r, t, 1);
	}
}

static int parse(floe_pq_footer *f, const char *path)
{
	rd r = {(const uint8_t *)f->raw.ptr, (const uint8_t *)f->raw.ptr + f->raw.len, false};
	int16_t id = 0;
	int t;
	while (!r.bad && (t = field(&r, &id)) != T_STOP) {
		int et;
		size_t ngroups;
		if (id != 4 || t != T_LIST) {
			skip(&r, t, 0);
			continue;
		}
		ngroups = list_head(&r, &et);
		if (et != T_STRUCT)
			r.bad = true;
		for (size_t g = 0; !r.bad && g < ngroups; g++) {
			int16_t gid = 0;
			int gt;
			while (!r.bad && (gt = field(&r, &gid)) != T_STOP) {
				int ct;
				size_t ncols;
				floe_pq_chunk *grown;
				if (gid != 1 || gt != T_LIST) {
					skip(&r, gt, 1);
					continue;
				}
				ncols = list_head(&r, &ct);
				if (ct != T_STRUCT || ncols == 0 ||
				    (f->n > 0 && ncols != f->ncols)) {
					r.bad = true;
					break;
				}
				f->ncols = ncols;
				grown = floe_realloc(f->chunks, (f->n + ncols) * sizeof(*grown));
				if (grown == NULL)
					return FLOE_ENOMEM;
				f->chunks = grown;
				memset(f->chunks + f->n, 0, ncols * sizeof(*grown));
				for (size_t c = 0; !r.bad && c < ncols; c++)
					column_chunk(&r, &f->chunks[f->n + c]);
				f->n += ncols;
				f->ngroups++;
			}
		}
	}
	if (r.bad)
		return floe_error_set(FLOE_EENGINE, "%s: unreadable Parquet footer", path);
	return 0;
}

int floe_pq_footer_read(floe_pq_footer *f, const char *uri)
{
	char *path = floe_storage_local_path(uri);
	uint8_t tail[8];
	struct stat st;
	uint32_t len;
	int fd = -1, rc = 0;
	memset(f, 0, sizeof(*f));
	if (path == NULL)
		return floe_error_code();
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		rc = floe_error_set(FLOE_EIO, "cannot read %s: %s", path, strerror(errno));
		goto done;
	}
	if (st.st_size < 12 || pread(fd, tail, 8, st.st_size - 8) != 8 ||
	    memcmp(tail + 4, "PAR1", 4) != 0) {
		rc = floe_error_set(FLOE_EENGINE, "%s: not a Parquet file", path);
		goto done;
	}
	len = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 |
	      (uint32_t)tail[3] << 24;
	if (len == 0 || len > MAX_FOOTER || (off_t)len > st.st_size - 12) {
		rc = floe_error_set(FLOE_EENGINE, "%s: bad Parquet footer length %u", path, len);
		goto done;
	}
	if ((rc = floe_buf_grow(&f->raw, len)) != 0)
		goto done;
	if (pread(fd, f->raw.ptr, len, st.st_size - 8 - (off_t)len) != (ssize_t)len) {
		rc = floe_error_set(FLOE_EIO, "cannot read the footer of %s", path);
		goto done;
	}
	f->raw.len = len;
	rc = parse(f, path);
done:
	if (fd >= 0)
		close(fd);
	if (rc)
		floe_pq_footer_free(f);
	floe_free(path);
	return rc;
}

int floe_pq_footer_parse(floe_pq_footer *f, const void *data, size_t len, const char *what)
{
	int rc;
	memset(f, 0, sizeof(*f));
	if ((rc = floe_buf_put(&f->raw, data, len)) == 0)
		rc = parse(f, what);
	if (rc)
		floe_pq_footer_free(f);
	return rc;
}

void floe_pq_footer_free(floe_pq_footer *f)
{
	floe_buf_free(&f->raw);
	floe_free(f->chunks);
	memset(f, 0, sizeof(*f));
}
