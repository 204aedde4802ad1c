/*
 * The thread-local "last error" of floe (libgit2's habit): one code and one
 * line of text, set by the layer that failed and prefixed with context by
 * its callers. Only the cli prints it.
 */
#include "floe/base.h"

#include <stdio.h>
#include <string.h>

#define MSG_MAX 1024

static _Thread_local int err_code;
static _Thread_local char err_msg[MSG_MAX];

int floe_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
	va_end(ap);
	err_code = code;
	return code;
}

int floe_error_prefix(const char *fmt, ...)
{
	char head[MSG_MAX];
	char old[MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	size_t hl;
	memcpy(old, err_msg, sizeof(old));
	hl = strlen(head);
	memcpy(err_msg, head, hl + 1);
	if (hl + 1 < sizeof(err_msg))
		memcpy(err_msg + hl, old, strnlen(old, sizeof(err_msg) - hl - 1));
	err_msg[sizeof(err_msg) - 1] = '\0';
	err_msg[hl + strnlen(old, sizeof(err_msg) - hl - 1)] = '\0';
	if (err_code == 0)
		err_code = FLOE_EINVAL;
	return err_code;
}

const char *floe_error_message(void)
{
	return err_msg;
}
int floe_error_code(void)
{
	return err_code;
}

void floe_error_clear(void)
{
	err_code = 0;
	err_msg[0] = '\0';
}

const char *floe_error_name(int code)
{
	switch (code) {
	case FLOE_OK: return "OK";
	case FLOE_ENOMEM: return "ENOMEM";
	case FLOE_EINVAL: return "EINVAL";
	case FLOE_EIO: return "EIO";
	case FLOE_ENOTFOUND: return "ENOTFOUND";
	case FLOE_EEXISTS: return "EEXISTS";
	case FLOE_ECONFLICT: return "ECONFLICT";
	case FLOE_ECORRUPT: return "ECORRUPT";
	case FLOE_EUNSUPPORTED: return "EUNSUPPORTED";
	case FLOE_EENGINE: return "EENGINE";
	case FLOE_EBUSY: return "EBUSY";
	case FLOE_ECATALOG: return "ECATALOG";
	default: return "EUNKNOWN";
	}
}
