/*
 * Splitting a SQL script into statements at top-level semicolons. This is a
 * lexer, not a parser (DESIGN.md: floe parses nothing beyond statement
 * heads): it only knows where strings ('...', E'...'), quoted identifiers
 * ("..."), dollar-quoted strings ($tag$...$tag$) and comments (-- and / * * /)
 * begin and end, so that a ';' inside them does not split (and a ')' inside
 * them does not close a group).
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"

static size_t skip_quoted(const char *s, size_t i, char q)
{
	for (i++; s[i]; i++) {
		if (s[i] == q) {
			if (s[i + 1] == q) {
				i++;
				continue;
			}
			return i + 1;
		}
	}
	return i;
}

static size_t skip_dollar(const char *s, size_t i)
{
	size_t j = i + 1, taglen;
	while (isalnum((unsigned char)s[j]) || s[j] == '_')
		j++;
	if (s[j] != '$')
		return i + 1;
	taglen = j - i + 1;
	for (j++; s[j]; j++)
		if (s[j] == '$' && strncmp(s + j, s + i, taglen) == 0)
			return j + taglen;
	return j;
}

static bool blank(const char *s, size_t a, size_t b)
{
	for (size_t i = a; i < b; i++)
		if (!isspace((unsigned char)s[i]))
			return false;
	return true;
}

static int push(char ***v, size_t *n, const char *s, size_t a, size_t b)
{
	char **nv;
	while (a < b && isspace((unsigned char)s[a]))
		a++;
	while (b > a && isspace((unsigned char)s[b - 1]))
		b--;
	if (a == b)
		return 0;
	nv = floe_realloc(*v, (*n + 1) * sizeof(char *));
	if (nv == NULL)
		return FLOE_ENOMEM;
	*v = nv;
	nv[*n] = floe_strndup(s + a, b - a);
	if (nv[*n] == NULL)
		return FLOE_ENOMEM;
	(*n)++;
	return 0;
}

/* past a string, quoted identifier, dollar-quoted string or comment that
 * starts at s[i]; i itself when none does */
static size_t skip_lexeme(const char *s, size_t i)
{
	char c = s[i];
	if (c == '\'' || c == '"')
		return skip_quoted(s, i, c);
	if (c == '$')
		return skip_dollar(s, i);
	if (c == '-' && s[i + 1] == '-') {
		while (s[i] && s[i] != '\n')
			i++;
		return i;
	}
	if (c == '/' && s[i + 1] == '*') {
		const char *end = strstr(s + i + 2, "*/");
		return end ? (size_t)(end - s) + 2 : strlen(s);
	}
	return i;
}

int cli_sql_split(char ***out, size_t *n, const char *s)
{
	size_t i = 0, start = 0;
	int rc = 0;
	*out = NULL;
	*n = 0;
	while (s[i] && rc == 0) {
		char c = s[i];
		size_t past = skip_lexeme(s, i);
		if (past != i) {
			i = past;
		} else if (c == ';') {
			if (!blank(s, start, i))
				rc = push(out, n, s, start, i);
			start = ++i;
		} else {
			i++;
		}
	}
	if (rc == 0 && !blank(s, start, i))
		rc = push(out, n, s, start, i);
	if (rc) {
		cli_sql_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

size_t cli_sql_group_end(const char *s, size_t open)
{
	size_t i = open + 1, depth = 1;
	while (s[i]) {
		char c = s[i];
		size_t past = skip_lexeme(s, i);
		if (past != i) {
			i = past;
		} else {
			if (c == '(')
				depth++;
			else if (c == ')' && --depth == 0)
				return i + 1;
			i++;
		}
	}
	return 0;
}

void cli_sql_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		floe_free(v[i]);
	floe_free(v);
}
