/*
 * Names dbt gives its generic tests, made the way dbt-core makes them
 * (core/dbt/parser/generic_test_builders.py, synthesize_generic_test_names,
 * and schema_generic_tests.py, create_test_node), so that progress lines,
 * selection, compiled paths and unique ids of a project equal dbt's:
 *
 *   full name   <type>_<target>_<args>, the arguments sorted by name (model
 *               left out), each value (or the items of a list, the values of
 *               a mapping) as Python's str() gives it, every run of
 *               characters outside [0-9a-zA-Z_] replaced by '_', joined
 *               with "__"
 *   short name  the full name when it is shorter than 64 characters, else
 *               the first 30 characters of <type>_<target>, '_' and the md5
 *               hex of the full name (dbt's compiled file name and alias)
 *   unique id   test.<project>.<full name>.<last 10 hex digits of md5(full
 *               name + repr(metadata))>, where metadata is {namespace, name,
 *               kwargs} with every leaf turned into a string and mappings
 *               sorted by key, printed as Python's repr() prints it
 *
 * YAML values arrive as jansson values; Python's str()/repr() of them is
 * reproduced for what YAML can hold (None, bool, int, float, str, list,
 * dict).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbt_names.h"

/* Python's repr(float): the shortest digits that round-trip, in fixed
 * notation when the decimal exponent is in (-4, 16], else as 1e+16. */
static int put_float(floe_buf *b, double v)
{
	char digits[40], *e;
	int exp10, prec;
	if (isnan(v))
		return floe_buf_puts(b, "nan");
	if (isinf(v))
		return floe_buf_puts(b, v < 0 ? "-inf" : "inf");
	for (prec = 1; prec <= 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec - 1, v);
		if (strtod(digits, NULL) == v)
			break;
	}
	/* digits: [-]d[.ddd]e[+-]NN */
	e = strchr(digits, 'e');
	if (e == NULL)
		return floe_buf_puts(b, digits);
	{
		int64_t x = 0;
		if (floe_parse_i64(&x, e[1] == '+' ? e + 2 : e + 1) != 0 || x < -400 || x > 400)
			return floe_buf_puts(b, digits);
		exp10 = (int)x;
	}
	*e = '\0';
	{
		const char *p = digits;
		char mant[24];
		size_t n = 0;
		bool neg = *p == '-';
		if (neg)
			p++;
		for (; *p && n + 1 < sizeof(mant); p++)
			if (*p != '.')
				mant[n++] = *p;
		mant[n] = '\0';
		while (n > 1 && mant[n - 1] == '0')
			mant[--n] = '\0';
		if (neg)
			floe_buf_putc(b, '-');
		if (exp10 < -4 || exp10 >= 16) {
			/* scientific: d[.ddd]e[+-]XX (at least two exponent digits) */
			floe_buf_putc(b, mant[0]);
			if (n > 1)
				floe_buf_printf(b, ".%s", mant + 1);
			return floe_buf_printf(b, "e%c%02d", exp10 < 0 ? '-' : '+',
			                       exp10 < 0 ? -exp10 : exp10);
		}
		if (exp10 < 0) {
			floe_buf_puts(b, "0.");
			for (int i = 0; i < -exp10 - 1; i++)
				floe_buf_putc(b, '0');
			return floe_buf_puts(b, mant);
		}
		/* exp10 + 1 digits before the point */
		for (int i = 0; i <= exp10; i++)
			floe_buf_putc(b, (size_t)i < n ? mant[i] : '0');
		floe_buf_putc(b, '.');
		return floe_buf_puts(b, (size_t)exp10 + 1 < n ? mant + exp10 + 1 : "0");
	}
}

/* Python's repr(str): single quotes unless the text has ' and no ";
 * backslash, the quote, \t \n \r and other control characters escaped.
 * Non-ASCII text is printable in Python except the C1 controls, U+00A0
 * and U+00AD (escaped as \xNN, as Python does). */
static int put_repr_str(floe_buf *b, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
	const unsigned char *p = (const unsigned char *)s;
	floe_buf_putc(b, q);
	for (; *p; p++) {
		if (*p == '\\' || *p == (unsigned char)q) {
			floe_buf_putc(b, '\\');
			floe_buf_putc(b, (char)*p);
		} else if (*p == '\t') {
			floe_buf_puts(b, "\\t");
		} else if (*p == '\n') {
			floe_buf_puts(b, "\\n");
		} else if (*p == '\r') {
			floe_buf_puts(b, "\\r");
		} else if (*p < 0x20 || *p == 0x7f) {
			floe_buf_printf(b, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] != 0 &&
		           (p[1] < 0xa0 || p[1] == 0xa0 || p[1] == 0xad)) {
			floe_buf_printf(b, "\\x%02x", p[1]);
			p++;
		} else {
			floe_buf_putc(b, (char)*p);
		}
	}
	return floe_buf_putc(b, q);
}

static int put_py(floe_buf *b, const json_t *v, bool repr, int depth);

static int put_seq(floe_buf *b, const json_t *v, int depth)
{
	const json_t *x;
	const char *k;
	size_t i;
	if (json_is_array(v)) {
		floe_buf_putc(b, '[');
		json_array_foreach((json_t *)v, i, x)
		{
			if (i)
				floe_buf_puts(b, ", ");
			put_py(b, x, true, depth + 1);
		}
		return floe_buf_putc(b, ']');
	}
	floe_buf_putc(b, '{');
	i = 0;
	json_object_foreach((json_t *)v, k, x)
	{
		if (i++)
			floe_buf_puts(b, ", ");
		put_repr_str(b, k);
		floe_buf_puts(b, ": ");
		put_py(b, x, true, depth + 1);
	}
	return floe_buf_putc(b, '}');
}

static int put_py(floe_buf *b, const json_t *v, bool repr, int depth)
{
	if (depth > 64)
		return floe_error_set(FLOE_EINVAL, "test arguments nested too deeply");
	switch (json_typeof(v)) {
	case JSON_NULL: return floe_buf_puts(b, "None");
	case JSON_TRUE: return floe_buf_puts(b, "True");
	case JSON_FALSE: return floe_buf_puts(b, "False");
	case JSON_INTEGER: return floe_buf_printf(b, "%lld", (long long)json_integer_value(v));
	case JSON_REAL: return put_float(b, json_real_value(v));
	case JSON_STRING:
		return repr ? put_repr_str(b, json_string_value(v))
		            : floe_buf_puts(b, json_string_value(v));
	default: return put_seq(b, v, depth);
	}
}

int dbt_py_str(floe_buf *b, const json_t *v)
{
	return v ? put_py(b, v, false, 0) : floe_buf_puts(b, "None");
}

int dbt_py_repr(floe_buf *b, const json_t *v)
{
	return v ? put_py(b, v, true, 0) : floe_buf_puts(b, "None");
}

/* re.sub("[^0-9a-zA-Z_]+", "_", s) appended to b */
static void put_clean(floe_buf *b, const char *s, size_t len)
{
	bool run = false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		          (c >= 'A' && c <= 'Z') || c == '_';
		if (ok) {
			floe_buf_putc(b, c);
			run = false;
		} else if (!run) {
			floe_buf_putc(b, '_');
			run = true;
		}
	}
}

/* Python counts code points, not bytes */
static size_t utf8_len(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* bytes of the first `chars` code points of s[0..n) */
static size_t utf8_prefix(const char *s, size_t n, size_t chars)
{
	size_t i = 0, c = 0;
	for (; i < n; i++) {
		if (((unsigned char)s[i] & 0xc0) != 0x80 && c++ == chars)
			break;
	}
	return i;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* the keys of an object in code point order (Python's sorted()) */
static const char **sorted_keys(const json_t *o, size_t *n)
{
	const char **keys = floe_calloc(json_object_size(o) + 1, sizeof(char *));
	const char *k;
	json_t *v;
	*n = 0;
	if (keys == NULL)
		return NULL;
	json_object_foreach((json_t *)o, k, v) keys[(*n)++] = k;
	if (*n > 1)
		qsort(keys, *n, sizeof(char *), cmp_key);
	return keys;
}

/* one flattened argument value: str() of it, cleaned, after a "__" */
static int put_part(floe_buf *b, const json_t *part, bool *first)
{
	floe_buf s = FLOE_BUF_INIT;
	int rc = dbt_py_str(&s, part);
	if (rc == 0) {
		if (!*first)
			floe_buf_puts(b, "__");
		*first = false;
		put_clean(b, s.ptr ? s.ptr : "", s.len);
	}
	floe_buf_free(&s);
	return rc;
}

int dbt_generic_test_names(char **short_name, char **full_name, const char *test_type,
                           const char *target, const json_t *kwargs)
{
	floe_buf b = FLOE_BUF_INIT;
	size_t nk = 0;
	const char **keys = sorted_keys(kwargs, &nk);
	bool first = true;
	char *full = NULL;
	int rc = keys ? 0 : FLOE_ENOMEM;
	*short_name = NULL;
	*full_name = NULL;
	if (rc == 0)
		rc = floe_buf_printf(&b, "%s_%s_", test_type, target);
	for (size_t i = 0; rc == 0 && i < nk; i++) {
		const json_t *v = json_object_get(kwargs, keys[i]), *x;
		const char *k;
		size_t j;
		if (strcmp(keys[i], "model") == 0)
			continue;
		if (json_is_object(v)) {
			json_object_foreach((json_t *)v, k, x) if (rc == 0) rc =
			    put_part(&b, x, &first);
		} else if (json_is_array(v)) {
			json_array_foreach(v, j, x) if (rc == 0) rc = put_part(&b, x, &first);
		} else {
			rc = put_part(&b, v, &first);
		}
	}
	if (rc == 0 && (full = floe_buf_detach(&b, NULL)) == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0 && utf8_len(full, strlen(full)) >= 64) {
		/* the first 30 characters of "<type>_<target>", '_', md5 hex */
		char hex[33];
		size_t ident = strlen(test_type) + 1 + strlen(target);
		floe_md5_hex(full, strlen(full), hex);
		*short_name =
		    floe_asprintf("%.*s_%s", (int)utf8_prefix(full, ident, 30), full, hex);
	} else if (rc == 0) {
		*short_name = floe_strdup(full);
	}
	if (rc == 0 && *short_name == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0)
		*full_name = full;
	else
		floe_free(full);
	floe_buf_free(&b);
	floe_free(keys);
	return rc;
}

/* get_hashable_md(): leaves become str(), mappings sorted by key */
static json_t *hashable(const json_t *v, int depth)
{
	json_t *out;
	if (depth > 64)
		return NULL;
	if (json_is_object(v)) {
		size_t n = 0;
		const char **keys = sorted_keys(v, &n);
		out = keys ? json_object() : NULL;
		for (size_t i = 0; out && i < n; i++) {
			json_t *x = hashable(json_object_get(v, keys[i]), depth + 1);
			if (x == NULL || json_object_set_new(out, keys[i], x) != 0) {
				json_decref(out);
				out = NULL;
			}
		}
		floe_free(keys);
		return out;
	}
	if (json_is_array(v)) {
		const json_t *x;
		size_t i;
		out = json_array();
		json_array_foreach(v, i, x)
		{
			json_t *h = out ? hashable(x, depth + 1) : NULL;
			if (h == NULL || json_array_append_new(out, h) != 0) {
				json_decref(out);
				return NULL;
			}
		}
		return out;
	}
	{
		floe_buf b = FLOE_BUF_INIT;
		if (dbt_py_str(&b, v) != 0) {
			floe_buf_free(&b);
			return NULL;
		}
		out = json_stringn(b.ptr ? b.ptr : "", b.len);
		floe_buf_free(&b);
		return out;
	}
}

int dbt_test_unique_id(char **out, const char *project, const char *name, const char *ns,
                       const char *test_name, const json_t *kwargs)
{
	json_t *md =
	    json_pack("{s:s?,s:s,s:O}", "namespace", ns, "name", test_name, "kwargs", kwargs);
	json_t *h = md ? hashable(md, 0) : NULL;
	floe_buf b = FLOE_BUF_INIT;
	char hex[33];
	int rc = h ? 0 : FLOE_ENOMEM;
	*out = NULL;
	if (rc == 0)
		rc = floe_buf_puts(&b, name);
	if (rc == 0)
		rc = dbt_py_repr(&b, h);
	if (rc == 0) {
		floe_md5_hex(b.ptr, b.len, hex);
		*out = floe_asprintf("test.%s.%s.%s", project, name, hex + 22);
		if (*out == NULL)
			rc = FLOE_ENOMEM;
	}
	floe_buf_free(&b);
	json_decref(h);
	json_decref(md);
	return rc;
}

/* ---- names that become paths ---- */

/* dbt-core's Identifier (contracts/project.py, ^[^\d\W]\w*$): letters,
 * digits and '_', not starting with a digit. Bytes of multi-byte UTF-8
 * characters count as letters, as Python's \w takes most of them; none of
 * them is '/', '.' or '\\'. */
int dbt_check_identifier(const char *file, const char *field, const char *value)
{
	bool ok = value && value[0] != '\0' && !(value[0] >= '0' && value[0] <= '9');
	for (const char *p = value; ok && *p; p++) {
		unsigned char c = (unsigned char)*p;
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_' || c >= 0x80;
	}
	if (ok)
		return 0;
	return floe_error_set(FLOE_EINVAL,
	                      "%s: '%s' is not a valid %s: use letters, digits and underscores, "
	                      "not starting with a digit",
	                      file, value ? value : "", field);
}

int dbt_check_path_part(const char *file, const char *field, const char *value)
{
	bool ok = value && value[0] != '\0' && strcmp(value, ".") != 0 &&
	          strcmp(value, "..") != 0 && strpbrk(value, "/\\") == NULL;
	if (ok)
		return 0;
	return floe_error_set(FLOE_EINVAL,
	                      "%s: %s '%s' cannot name a file: it may not be empty, '.' or '..', "
	                      "nor hold '/' or '\\'",
	                      file, field, value ? value : "");
}

bool dbt_path_inside(const char *rel)
{
	const char *p = rel;
	if (rel == NULL || rel[0] == '\0' || rel[0] == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");
		if ((n == 2 && p[0] == '.' && p[1] == '.') || memchr(p, '\\', n) != NULL)
			return false;
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

int dbt_check_subdir(const char *file, const char *field, const char *value)
{
	const char *p = value;
	bool only_dots = true;
	for (; p && *p; p++)
		only_dots &= *p == '.' || *p == '/';
	if (value && dbt_path_inside(value) && !only_dots)
		return 0;
	return floe_error_set(FLOE_EINVAL,
	                      "%s: %s '%s' must be a folder inside the project (a relative path "
	                      "without '..')",
	                      file, field, value ? value : "");
}

bool dbt_plain_identifier(const char *s)
{
	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}
