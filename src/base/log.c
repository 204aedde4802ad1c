/*
 * Logging: the one way below the cli to put a line on the terminal. Lines go
 * to stderr; the level filter honours --quiet/--verbose, colour honours
 * NO_COLOR and non-TTY output.
 */
#include "floe/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static floe_log_level min_level = FLOE_LOG_INFO;
static FILE *log_file;

int floe_log_set_file(const char *path)
{
	char *dir, *slash;
	if (log_file) {
		fclose(log_file);
		log_file = NULL;
	}
	if (path == NULL)
		return 0;
	dir = floe_strdup(path);
	if (dir == NULL)
		return FLOE_ENOMEM;
	/* create the parent directories */
	for (slash = dir + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		mkdir(dir, 0777);
		*slash = '/';
	}
	floe_free(dir);
	log_file = fopen(path, "a");
	if (log_file == NULL)
		return floe_error_set(FLOE_EIO, "cannot open log file %s", path);
	return 0;
}

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
	if (log_file && level <= FLOE_LOG_ERROR) {
		char ts[32];
		floe_time_format_ms(floe_time_now_ms(), ts);
		fprintf(log_file, "%s [%s] ", ts, names[level]);
		va_start(ap, fmt);
		vfprintf(log_file, fmt, ap);
		va_end(ap);
		fputc('\n', log_file);
		fflush(log_file);
	}
	if (level < min_level || level > FLOE_LOG_ERROR)
		return;
	if (level != FLOE_LOG_INFO)
		fprintf(stderr, "%s: ", names[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
