/*
 * Terminal output of the cli: result tables (psql-like), JSON documents and
 * dbt-style status lines ("OK  created seeds.raw_orders ... [0.04s]").
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* Display width of a UTF-8 string (code points; good enough for tables). */
static size_t text_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

static void pad(size_t n)
{
	while (n--)
		fputc(' ', stdout);
}

void cli_print_rows(const floe_engine_rows *r)
{
	size_t *w = floe_calloc(r->ncols ? r->ncols : 1, sizeof(size_t));
	if (w == NULL)
		return;
	for (size_t c = 0; c < r->ncols; c++) {
		w[c] = text_width(r->names[c]);
		for (size_t i = 0; i < r->nrows; i++) {
			const char *cell = r->rows[i][c] ? r->rows[i][c] : "NULL";
			size_t cw = text_width(cell);
			if (cw > w[c])
				w[c] = cw;
		}
	}
	for (size_t c = 0; c < r->ncols; c++) {
		printf("%s %s", c ? " |" : "", r->names[c]);
		pad(w[c] - text_width(r->names[c]));
	}
	printf("\n");
	for (size_t c = 0; c < r->ncols; c++) {
		printf("%s", c ? "-+-" : "-");
		for (size_t k = 0; k < w[c]; k++)
			fputc('-', stdout);
	}
	printf("-\n");
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t c = 0; c < r->ncols; c++) {
			const char *cell = r->rows[i][c] ? r->rows[i][c] : "NULL";
			printf("%s %s", c ? " |" : "", cell);
			pad(w[c] - text_width(cell));
		}
		printf("\n");
	}
	printf("(%zu row%s%s)\n", r->nrows, r->nrows == 1 ? "" : "s",
	       r->truncated ? ", more not shown: use --max-rows" : "");
	floe_free(w);
}

void cli_print_json(json_t *j)
{
	if (j != NULL) {
		json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
	}
	json_decref(j);
}

double cli_seconds_since(int64_t start_us)
{
	return (double)(floe_time_mono_us() - start_us) / 1e6;
}

void cli_status(const char *status, const char *fmt, ...)
{
	va_list ap;
	bool color = floe_log_color();
	const char *on = "", *off = "";
	if (floe_log_get_level() > FLOE_LOG_INFO)
		return;
	if (color) {
		on = strcmp(status, "OK") == 0 ? "\033[32m" : "\033[31m";
		off = "\033[0m";
	}
	fprintf(stderr, "%s%-5s%s ", on, status, off);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
