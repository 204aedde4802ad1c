/*
 * The Python modules dbt's Jinja context exposes as `modules`, as far as
 * dbt packages use them: modules.re (match, search, fullmatch, sub,
 * findall, split, escape; Python patterns translated to POSIX extended
 * regular expressions with glibc's \w \s \b); modules.datetime and
 * modules.pytz are in jinja_datetime.c.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

#define RE_IGNORECASE 2
#define RE_MULTILINE 8

/* ---- modules.re ---- */

/* Python's pattern syntax -> POSIX ERE: \d classes, (?:...), lazy
 * quantifiers (taken as greedy) */
static char *translate(const char *p)
{
	floe_buf b = FLOE_BUF_INIT;
	for (; *p; p++) {
		if (p[0] == '\\' && p[1]) {
			switch (p[1]) {
			case 'd': floe_buf_puts(&b, "[0-9]"); break;
			case 'D': floe_buf_puts(&b, "[^0-9]"); break;
			case 'A': floe_buf_putc(&b, '^'); break;
			case 'Z':
			case 'z': floe_buf_putc(&b, '$'); break;
			default: floe_buf_put(&b, p, 2); break;
			}
			p++;
		} else if (p[0] == '(' && p[1] == '?' && p[2] == ':') {
			floe_buf_putc(&b, '(');
			p += 2;
		} else if (p[0] == '?' && b.len > 0 &&
		           (b.ptr[b.len - 1] == '*' || b.ptr[b.len - 1] == '+' ||
		            b.ptr[b.len - 1] == '?' || b.ptr[b.len - 1] == '}')) {
			continue; /* lazy quantifier */
		} else {
			floe_buf_putc(&b, *p);
		}
	}
	floe_buf_putc(&b, '\0');
	return floe_buf_detach(&b, NULL);
}

static int compile(regex_t *re, const json_t *pattern, const json_t *flags)
{
	char *p;
	int rc, cflags = REG_EXTENDED;
	json_int_t f = json_is_integer(flags) ? json_integer_value(flags) : 0;
	if (!json_is_string(pattern))
		return floe_error_set(FLOE_EINVAL, "modules.re: the pattern must be a string");
	if ((p = translate(json_string_value(pattern))) == NULL)
		return FLOE_ENOMEM;
	if (f & RE_IGNORECASE)
		cflags |= REG_ICASE;
	if (f & RE_MULTILINE)
		cflags |= REG_NEWLINE;
	rc = regcomp(re, p, cflags);
	floe_free(p);
	if (rc != 0)
		return floe_error_set(FLOE_EINVAL, "modules.re: invalid pattern '%s'",
		                      json_string_value(pattern));
	return 0;
}

/* a match object: prints as the match, groups by position */
static json_t *match_object(const char *s, const regmatch_t *m, size_t n)
{
	json_t *groups = json_array(), *o;
	for (size_t i = 0; i < n; i++)
		json_array_append_new(
		    groups, m[i].rm_so < 0
		                ? json_null()
		                : json_stringn(s + m[i].rm_so, (size_t)(m[i].rm_eo - m[i].rm_so)));
	o = json_pack("{s:s,s:O,s:o}", FLOE_JINJA_CLASS, "re.Match", FLOE_JINJA_TEXT,
	              json_array_get(groups, 0), FLOE_JINJA_SEQ, groups);
	return o;
}

static int re_find(json_t **out, const json_t *args, const json_t *kwargs, int mode)
{
	const json_t *pat = json_array_get(args, 0), *str = json_array_get(args, 1);
	const json_t *flags = json_array_get(args, 2);
	regex_t re;
	regmatch_t m[10];
	const char *s = json_string_value(str);
	int rc;
	if (flags == NULL)
		flags = json_object_get(kwargs, "flags");
	if (s == NULL)
		return floe_error_set(FLOE_EINVAL, "modules.re: the subject must be a string");
	if ((rc = compile(&re, pat, flags)) != 0)
		return rc;
	*out = json_null();
	if (regexec(&re, s, 10, m, 0) == 0) {
		bool ok = mode == 0 || (mode == 1 && m[0].rm_so == 0) ||
		          (mode == 2 && m[0].rm_so == 0 && (size_t)m[0].rm_eo == strlen(s));
		if (ok)
			*out = match_object(s, m, re.re_nsub + 1 < 10 ? re.re_nsub + 1 : 10);
	}
	regfree(&re);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_re_search(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	(void)j;
	(void)ud;
	return re_find(out, args, kwargs, 0);
}

static int fn_re_match(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	(void)j;
	(void)ud;
	return re_find(out, args, kwargs, 1);
}

static int fn_re_fullmatch(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                           void *ud)
{
	(void)j;
	(void)ud;
	return re_find(out, args, kwargs, 2);
}

/* the replacement text with \1..\9 and \g<n> group references */
static void put_repl(floe_buf *b, const char *repl, const char *s, const regmatch_t *m, size_t n)
{
	for (const char *r = repl; *r; r++) {
		size_t g = SIZE_MAX;
		if (r[0] == '\\' && isdigit((unsigned char)r[1])) {
			g = (size_t)(r[1] - '0');
			r++;
		} else if (r[0] == '\\' && r[1] == 'g' && r[2] == '<' &&
		           isdigit((unsigned char)r[3]) && r[4] == '>') {
			g = (size_t)(r[3] - '0');
			r += 4;
		} else if (r[0] == '\\' && r[1] == '\\') {
			floe_buf_putc(b, '\\');
			r++;
			continue;
		}
		if (g == SIZE_MAX)
			floe_buf_putc(b, *r);
		else if (g < n && m[g].rm_so >= 0)
			floe_buf_put(b, s + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
	}
}

/* sub (repl given), findall (repl NULL, collecting), split (splitting) */
static int re_scan(json_t **out, const json_t *args, const json_t *kwargs, int mode)
{
	const json_t *pat = json_array_get(args, 0);
	const json_t *repl = mode == 0 ? json_array_get(args, 1) : NULL;
	const json_t *str = json_array_get(args, mode == 0 ? 2 : 1);
	const json_t *count_v = mode == 0 ? json_array_get(args, 3) : json_array_get(args, 2);
	const json_t *flags = json_object_get(kwargs, "flags");
	json_int_t count = json_is_integer(count_v) ? json_integer_value(count_v) : 0, done = 0;
	const char *s = json_string_value(str), *p;
	floe_buf b = FLOE_BUF_INIT;
	regex_t re;
	regmatch_t m[10];
	json_t *list = NULL;
	int rc, eflags = 0;
	if (count_v == NULL)
		count =
		    json_integer_value(json_object_get(kwargs, mode == 2 ? "maxsplit" : "count"));
	if (s == NULL || (mode == 0 && !json_is_string(repl)))
		return floe_error_set(FLOE_EINVAL, "modules.re: expected string arguments");
	if ((rc = compile(&re, pat, flags)) != 0)
		return rc;
	if (mode != 0 && (list = json_array()) == NULL) {
		regfree(&re);
		return FLOE_ENOMEM;
	}
	p = s;
	while ((count == 0 || done < count) && regexec(&re, p, 10, m, eflags) == 0) {
		size_t n = re.re_nsub + 1 < 10 ? re.re_nsub + 1 : 10;
		floe_buf_put(&b, p, (size_t)m[0].rm_so);
		if (mode == 0) {
			put_repl(&b, json_string_value(repl), p, m, n);
		} else if (mode == 1) {
			size_t g = n > 1 ? 1 : 0;
			json_array_append_new(
			    list, json_stringn(p + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so)));
		} else {
			json_array_append_new(list, json_stringn(b.ptr ? b.ptr : "", b.len));
			floe_buf_reset(&b);
		}
		done++;
		if (m[0].rm_eo == m[0].rm_so) { /* empty match: step over a character */
			if (p[m[0].rm_eo] == '\0')
				break;
			floe_buf_putc(&b, p[m[0].rm_eo]);
			p += m[0].rm_eo + 1;
		} else {
			p += m[0].rm_eo;
		}
		eflags = REG_NOTBOL;
	}
	regfree(&re);
	if (mode == 1) {
		*out = list;
	} else {
		floe_buf_puts(&b, p);
		if (mode == 0) {
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
		} else {
			json_array_append_new(list, json_stringn(b.ptr ? b.ptr : "", b.len));
			*out = list;
		}
	}
	floe_buf_free(&b);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_re_sub(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	(void)j;
	(void)ud;
	return re_scan(out, args, kwargs, 0);
}

static int fn_re_findall(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                         void *ud)
{
	(void)j;
	(void)ud;
	return re_scan(out, args, kwargs, 1);
}

static int fn_re_split(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	(void)j;
	(void)ud;
	return re_scan(out, args, kwargs, 2);
}

static int fn_re_escape(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	const char *s = json_string_value(json_array_get(args, 0));
	floe_buf b = FLOE_BUF_INIT;
	(void)j;
	(void)kwargs;
	(void)ud;
	for (; s && *s; s++) {
		if (!isalnum((unsigned char)*s) && *s != '_' && (unsigned char)*s < 0x80)
			floe_buf_putc(&b, '\\');
		floe_buf_putc(&b, *s);
	}
	*out = json_stringn(b.ptr ? b.ptr : "", b.len);
	floe_buf_free(&b);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_match_group(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                          void *ud)
{
	const json_t *g = json_array_get(args, 1);
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_incref(json_array_get(jj_seq(json_array_get(args, 0)),
	                                  json_is_integer(g) ? (size_t)json_integer_value(g) : 0));
	return 0;
}

static int fn_match_groups(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                           void *ud)
{
	const json_t *seq = jj_seq(json_array_get(args, 0));
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_array();
	for (size_t i = 1; i < json_array_size(seq); i++)
		json_array_append(*out, json_array_get(seq, i));
	return 0;
}

int jj_modules(floe_jinja *j)
{
	static const struct {
		const char *name;
		floe_jinja_fn fn;
	} fns[] = {
	    {"modules.re.match", fn_re_match},         {"modules.re.search", fn_re_search},
	    {"modules.re.fullmatch", fn_re_fullmatch}, {"modules.re.sub", fn_re_sub},
	    {"modules.re.findall", fn_re_findall},     {"modules.re.split", fn_re_split},
	    {"modules.re.escape", fn_re_escape},
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(fns) / sizeof(fns[0]); i++)
		rc = floe_jinja_register(j, fns[i].name, fns[i].fn, NULL);
	if (rc == 0)
		rc = floe_jinja_register_method(j, "re.Match", "group", fn_match_group, NULL);
	if (rc == 0)
		rc = floe_jinja_register_method(j, "re.Match", "groups", fn_match_groups, NULL);
	if (rc == 0) {
		json_t *re = json_object_get(json_object_get(j->globals, "modules"), "re");
		json_object_set_new(re, "I", json_integer(RE_IGNORECASE));
		json_object_set_new(re, "IGNORECASE", json_integer(RE_IGNORECASE));
		json_object_set_new(re, "M", json_integer(RE_MULTILINE));
		json_object_set_new(re, "MULTILINE", json_integer(RE_MULTILINE));
	}
	if (rc == 0)
		rc = jj_datetime(j);
	return rc;
}
