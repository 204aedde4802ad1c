/*
 * A growable byte buffer with a hard cap (curl's dynbuf habit): every buffer
 * that grows from input says how large it may become, and refuses rather
 * than truncates past that. The first failed put frees the buffer and makes
 * every later put fail, so that a caller that checks only its last put (or
 * the detach) can never use, or run as SQL, a string with a piece missing.
 */
#include "floe/base.h"

#include <stdio.h>
#include <string.h>

void floe_buf_init(floe_buf *b, size_t max)
{
	b->ptr = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->err = 0;
}

/* Free the memory and remember the first failure; returns code. */
static int fail(floe_buf *b, int code)
{
	floe_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = code;
	return code;
}

/* The code of an earlier failure, restated as the last error when
 * something else has replaced it since. */
static int failed_before(const floe_buf *b)
{
	if (floe_error_code() != b->err)
		floe_error_set(b->err, "an earlier write to this buffer failed (%s)",
		               floe_error_name(b->err));
	return b->err;
}

int floe_buf_grow(floe_buf *b, size_t extra)
{
	size_t max = b->max ? b->max : FLOE_BUF_DEFAULT_MAX;
	size_t need, cap;
	char *p;
	if (b->err)
		return failed_before(b);
	if (extra > max || b->len > max - extra)
		return fail(b, floe_error_set(FLOE_EINVAL,
		                              "buffer would exceed its limit of %zu bytes", max));
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	p = floe_realloc(b->ptr, cap);
	if (p == NULL)
		return fail(b, FLOE_ENOMEM);
	b->ptr = p;
	b->cap = cap;
	return 0;
}

int floe_buf_put(floe_buf *b, const void *data, size_t len)
{
	int rc = floe_buf_grow(b, len);
	if (rc)
		return rc;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int floe_buf_puts(floe_buf *b, const char *s)
{
	return floe_buf_put(b, s, strlen(s));
}
int floe_buf_putc(floe_buf *b, char c)
{
	return floe_buf_put(b, &c, 1);
}

int floe_buf_printf(floe_buf *b, const char *fmt, ...)
{
	va_list ap, cp;
	int n, rc;
	if (b->err)
		return failed_before(b);
	va_start(ap, fmt);
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		va_end(ap);
		return fail(b, floe_error_set(FLOE_EINVAL, "bad format string"));
	}
	rc = floe_buf_grow(b, (size_t)n);
	if (rc == 0) {
		vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
		b->len += (size_t)n;
	}
	va_end(ap);
	return rc;
}

int floe_buf_error(const floe_buf *b)
{
	return b->err;
}

void floe_buf_reset(floe_buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void floe_buf_free(floe_buf *b)
{
	floe_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

char *floe_buf_detach(floe_buf *b, size_t *len_out)
{
	char *p = b->ptr;
	if (len_out)
		*len_out = 0;
	if (b->err) {
		failed_before(b);
		return NULL;
	}
	if (p == NULL && (p = floe_strdup("")) == NULL)
		return NULL;
	if (len_out)
		*len_out = b->len;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}

static int put_quoted(floe_buf *b, const char *s, char q)
{
	int rc = floe_buf_putc(b, q);
	for (; rc == 0 && *s; s++) {
		if (*s == q)
			rc = floe_buf_putc(b, q);
		if (rc == 0)
			rc = floe_buf_putc(b, *s);
	}
	return rc ? rc : floe_buf_putc(b, q);
}

int floe_buf_put_sql_string(floe_buf *b, const char *s)
{
	return put_quoted(b, s, '\'');
}
int floe_buf_put_sql_ident(floe_buf *b, const char *s)
{
	return put_quoted(b, s, '"');
}
