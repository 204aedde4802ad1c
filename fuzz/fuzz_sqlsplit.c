/*
 * libFuzzer driver for the SQL statement splitter of the cli
 * (src/cli/sqlsplit.c: cli_sql_split and cli_sql_group_end), the lexer
 * that decides which statements of a `floe sql` script floe recognises and
 * which go to DuckDB. Besides memory errors it checks what the splitter
 * promises: pieces are trimmed, non-empty, and come from the script in
 * order; a group's end is past its '(' and at a ')'. Built by
 * fuzz/CMakeLists.txt (tests/fuzz.cmake); run by CTest.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = floe_strndup((const char *)data, size); /* stops at a NUL, as argv does */
	char **v = NULL;
	size_t n = 0;
	if (sql == NULL)
		return 0;
	if (cli_sql_split(&v, &n, sql) == 0) {
		const char *at = sql;
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(v[i]);
			const char *p = strstr(at, v[i]);
			if (len == 0 || isspace((unsigned char)v[i][0]) ||
			    isspace((unsigned char)v[i][len - 1]) || p == NULL)
				abort();
			at = p + len;
		}
		cli_sql_free(v, n);
	}
	for (const char *p = strchr(sql, '('); p; p = strchr(p + 1, '(')) {
		size_t open = (size_t)(p - sql), end = cli_sql_group_end(sql, open);
		if (end != 0 && (end <= open + 1 || end > strlen(sql) || sql[end - 1] != ')'))
			abort();
	}
	floe_free(sql);
	return 0;
}
