/*
 * Terminal output of the cli: result tables (psql-like), JSON documents,
 * dbt-style status lines ("OK  created seeds.raw_orders ... [0.04s]") and
 * the one error of a failed command (a line on stderr, a JSON document).
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

/* msg on one line: DuckDB's multi-line messages are cut before their
 * advice sections and their remaining lines joined with " | ". Into b
 * (capped); 0 or the buffer's failure. */
static int one_line(floe_buf *b, const char *msg)
{
	static const char *cuts[] = {"\nPossible fixes", "\nThe search space",
	                             "\n  file = ", "\nCandidate bindings"};
	size_t n = strlen(msg);
	int rc = 0;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const char *c = strstr(msg, cuts[i]);
		if (c && (size_t)(c - msg) < n)
			n = (size_t)(c - msg);
	}
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (msg[i] == '\n') {
			while (i + 1 < n && msg[i + 1] == '\n')
				i++;
			rc = floe_buf_puts(b, " | ");
		} else {
			rc = floe_buf_putc(b, msg[i]);
		}
	}
	return rc ? rc : floe_buf_put(b, "", 0);
}

/* Room for the longest last error (1 KiB) with every byte a line break. */
#define ERROR_LINE_MAX 4096

void cli_print_error(const char *msg)
{
	floe_buf b = FLOE_BUF_INIT_MAX(ERROR_LINE_MAX);
	/* out of memory: the message as it is beats none */
	fprintf(stderr, "floe: error: %s\n", one_line(&b, msg) == 0 ? b.ptr : msg);
	floe_buf_free(&b);
}

void cli_print_json_error(int code, const char *msg)
{
	floe_buf b = FLOE_BUF_INIT_MAX(ERROR_LINE_MAX);
	const char *name = code == CLI_EUSAGE ? "EUSAGE" : floe_error_name(code);
	json_t *doc = json_pack("{s:{s:s,s:s}}", "error", "code", name, "message",
	                        one_line(&b, msg) == 0 ? b.ptr : msg);
	if (doc == NULL) /* no memory for JSON: the same document, by hand */
		printf("{\n  \"error\": {\n    \"code\": \"%s\",\n    \"message\": \"out of "
		       "memory\"\n  }\n}\n",
		       name);
	cli_print_json(doc);
	floe_buf_free(&b);
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
