/*
 * JSON output that cannot come out corrupt. jansson's dumper (2.14 and
 * upstream) ignores the result of writing an object's key, so a failed
 * growth of its own output buffer in the middle of a key, followed by a
 * write that succeeds, yields text with the key missing: invalid JSON that
 * a commit would publish as table metadata. Here the text goes into a floe
 * buffer whose first failure is remembered, so any failed write fails the
 * whole dump.
 */
#include <jansson.h>

#include "floe/base.h"

typedef struct {
	floe_buf *out;
	int rc;
} dump_sink;

static int sink_put(const char *text, size_t len, void *data)
{
	dump_sink *s = data;
	if (s->rc == 0)
		s->rc = floe_buf_put(s->out, text, len);
	return s->rc ? -1 : 0;
}

int floe_json_dump(floe_buf *out, const json_t *j, size_t flags)
{
	dump_sink s = {out, 0};
	size_t start = out->len;
	int rc = json_dump_callback(j, sink_put, &s, flags);
	if (rc == 0 && s.rc == 0)
		return 0;
	if (s.rc == 0) /* jansson's own failure (its loop check's allocation) */
		s.rc = floe_error_set(FLOE_ENOMEM, "cannot write JSON: out of memory");
	if (out->ptr && out->len > start) {
		out->len = start;
		out->ptr[start] = '\0';
	}
	return s.rc;
}

char *floe_json_dumps(const json_t *j, size_t flags)
{
	floe_buf b = FLOE_BUF_INIT;
	if (floe_json_dump(&b, j, flags) != 0) {
		floe_buf_free(&b);
		return NULL;
	}
	return floe_buf_detach(&b, NULL);
}
