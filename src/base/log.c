/*
 * Logging: the one way below the cli to put a line on the terminal. Lines go
 * to stderr; the level filter honours --quiet/--verbose, colour honours
 * NO_COLOR and non-TTY output.
 */
#include "floe/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static floe_log_level min_level = FLOE_LOG_INFO;

void floe_log_set_level(floe_log_level level)
{
	min_level = level;
}
floe_log_level floe_log_get_level(void)
{
	return min_level;
}

bool floe_log_color(void)
{
	const char *nc = getenv("NO_COLOR");
	return isatty(STDERR_FILENO) && (nc == NULL || *nc == '\0');
}

void floe_log(floe_log_level level, const char *fmt, ...)
{
	static const char *names[] = {"debug", "info", "warning", "error"};
	va_list ap;
	if (level < min_level || level > FLOE_LOG_ERROR)
		return;
	if (level != FLOE_LOG_INFO)
		fprintf(stderr, "%s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
