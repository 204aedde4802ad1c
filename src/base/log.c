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

/* A log file that has reached FLOE_LOG_FILE_MAX_BYTES moves to <path>.1,
 * <path>.1 to <path>.2, ..., and the oldest (<path>.5) goes, as dbt's
 * rotating log handler keeps dbt.log (10 MB, 5 backups). */
static void rotate(const char *path)
{
	struct stat st;
	size_t len = strlen(path) + 4;
	char *from = floe_malloc(len), *to = floe_malloc(len);
	if (stat(path, &st) == 0 && st.st_size >= FLOE_LOG_FILE_MAX_BYTES && from && to) {
		for (int i = FLOE_LOG_FILE_BACKUPS; i >= 1; i--) {
			snprintf(to, len, "%s.%d", path, i);
			if (i > 1)
				snprintf(from, len, "%s.%d", path, i - 1);
			else
				snprintf(from, len, "%s", path);
			rename(from, to); /* a backup that is not there: nothing to move */
		}
	}
	floe_free(from);
	floe_free(to);
}

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
	rotate(path);
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
