/*
 * Jinja values: what templates print ({{ }} is Python's str()), truthiness,
 * equality and ordering, `in`, the binary operators, and the Python
 * str/list/dict methods dbt code calls. Values are jansson values; objects
 * with hidden keys (FLOE_JINJA_CLASS, FLOE_JINJA_TEXT, FLOE_JINJA_SEQ)
 * stand for Python objects such as relations and agate rows: they print as
 * their text, iterate as their sequence, and hide those keys everywhere.
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

bool jj_hidden(const char *key)
{
	return key[0] == '\x01';
}

json_t *jj_seq(const json_t *v)
{
	json_t *s = json_is_object(v) ? json_object_get(v, FLOE_JINJA_SEQ) : NULL;
	return json_is_array(s) ? s : NULL;
}

static const char *text_of(const json_t *v)
{
	return json_is_object(v) ? json_string_value(json_object_get(v, FLOE_JINJA_TEXT)) : NULL;
}

json_t *jj_items(const json_t *v)
{
	json_t *r;
	if (json_is_array(v))
		return json_incref((json_t *)v);
	if (jj_seq(v))
		return json_incref(jj_seq(v));
	if (json_is_object(v)) { /* iterating a dict gives its keys */
		const char *k;
		json_t *x;
		r = json_array();
		json_object_foreach((json_t *)v, k, x) if (!jj_hidden(k))
		    json_array_append_new(r, json_string(k));
		return r;
	}
	if (json_is_string(v)) {
		r = json_array();
		for (size_t i = 0; i < json_string_length(v); i++)
			json_array_append_new(r, json_stringn(json_string_value(v) + i, 1));
		return r;
	}
	if (v == NULL || json_is_null(v))
		return json_array();
	return NULL;
}

size_t jj_length(const json_t *v)
{
	size_t n = 0;
	const char *k;
	json_t *x;
	if (json_is_string(v))
		return json_string_length(v);
	if (json_is_array(v))
		return json_array_size(v);
	if (jj_seq(v))
		return json_array_size(jj_seq(v));
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, x) n += !jj_hidden(k);
	return n;
}

bool floe_jinja_truthy(const json_t *v)
{
	if (v == NULL)
		return false;
	switch (json_typeof(v)) {
	case JSON_NULL:
	case JSON_FALSE: return false;
	case JSON_TRUE: return true;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_OBJECT:
		/* sequences (agate tables, rows) by their length; other Python
		 * objects (relations, callables) are true */
		return jj_seq(v) ? json_array_size(jj_seq(v)) > 0 : json_object_size(v) > 0;
	}
	return false;
}

/* ---- text form (what {{ }} prints), Python's str() ---- */

static int put_real(floe_buf *b, double d)
{
	char num[64];
	snprintf(num, sizeof(num), "%.17g", d);
	if (strtod(num, NULL) != d || strlen(num) > 15)
		snprintf(num, sizeof(num), "%.15g", d);
	if (!strpbrk(num, ".eEn"))
		strncat(num, ".0", sizeof(num) - strlen(num) - 1);
	return floe_buf_puts(b, num);
}

static int put_list(floe_buf *b, const json_t *v)
{
	size_t i;
	json_t *x;
	int rc = floe_buf_putc(b, '[');
	json_array_foreach(v, i, x)
	{
		if (rc == 0 && i)
			rc = floe_buf_puts(b, ", ");
		if (rc == 0)
			rc = jj_put_value(b, x, true);
	}
	return rc ? rc : floe_buf_putc(b, ']');
}

int jj_put_value(floe_buf *b, const json_t *v, bool repr)
{
	size_t i;
	const char *k;
	json_t *x;
	int rc = 0;
	if (v == NULL)
		return 0; /* undefined prints nothing */
	switch (json_typeof(v)) {
	case JSON_NULL: return floe_buf_puts(b, "None");
	case JSON_TRUE: return floe_buf_puts(b, "True");
	case JSON_FALSE: return floe_buf_puts(b, "False");
	case JSON_INTEGER: return floe_buf_printf(b, "%lld", (long long)json_integer_value(v));
	case JSON_REAL: return put_real(b, json_real_value(v));
	case JSON_STRING:
		if (!repr)
			return floe_buf_put(b, json_string_value(v), json_string_length(v));
		rc = floe_buf_putc(b, '\'');
		for (const char *s = json_string_value(v); rc == 0 && *s; s++)
			rc = *s == '\'' ? floe_buf_puts(b, "\\'") : floe_buf_putc(b, *s);
		return rc ? rc : floe_buf_putc(b, '\'');
	case JSON_ARRAY: return put_list(b, v);
	case JSON_OBJECT:
		if (text_of(v))
			return floe_buf_puts(b, text_of(v));
		if (jj_seq(v))
			return put_list(b, jj_seq(v));
		rc = floe_buf_putc(b, '{');
		i = 0;
		json_object_foreach((json_t *)v, k, x)
		{
			json_t *ks;
			if (jj_hidden(k))
				continue;
			ks = json_string(k);
			if (rc == 0 && i++)
				rc = floe_buf_puts(b, ", ");
			if (rc == 0)
				rc = jj_put_value(b, ks, true);
			json_decref(ks);
			if (rc == 0)
				rc = floe_buf_puts(b, ": ");
			if (rc == 0)
				rc = jj_put_value(b, x, true);
		}
		return rc ? rc : floe_buf_putc(b, '}');
	}
	return 0;
}

bool jj_too_deep(const json_t *v, const json_t *self, int limit)
{
	const char *k;
	json_t *x;
	size_t i;
	if (!json_is_array(v) && !json_is_object(v))
		return false;
	if (limit <= 0 || v == self)
		return true;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) if (jj_too_deep(x, self, limit - 1)) return true;
	} else {
		json_object_foreach((json_t *)v, k,
		                    x) if (jj_too_deep(x, self, limit - 1)) return true;
	}
	return false;
}

json_t *jj_to_string(const json_t *v)
{
	floe_buf b = FLOE_BUF_INIT;
	json_t *s;
	if (json_is_string(v))
		return json_incref((json_t *)v);
	jj_put_value(&b, v, false);
	s = json_stringn(b.ptr ? b.ptr : "", b.len);
	floe_buf_free(&b);
	return s;
}

json_t *jj_plain(const json_t *v)
{
	size_t i;
	const char *k;
	json_t *x, *r;
	if (text_of(v))
		return json_string(text_of(v));
	if (jj_seq(v))
		return jj_plain(jj_seq(v));
	if (json_is_array(v)) {
		r = json_array();
		json_array_foreach(v, i, x) json_array_append_new(r, jj_plain(x));
		return r;
	}
	if (json_is_object(v)) {
		r = json_object();
		json_object_foreach((json_t *)v, k, x) if (!jj_hidden(k))
		    json_object_set_new(r, k, jj_plain(x));
		return r;
	}
	return v ? json_incref((json_t *)v) : json_null();
}

/* ---- numbers, comparison ---- */

bool jj_num(const json_t *v, double *d)
{
	if (json_is_integer(v)) {
		*d = (double)json_integer_value(v);
		return true;
	}
	if (json_is_real(v)) {
		*d = json_real_value(v);
		return true;
	}
	if (json_is_boolean(v)) {
		*d = json_is_true(v);
		return true;
	}
	return false;
}

static bool both_int(const json_t *a, const json_t *b)
{
	return (json_is_integer(a) || json_is_boolean(a)) &&
	       (json_is_integer(b) || json_is_boolean(b));
}

static json_int_t ival(const json_t *v)
{
	return json_is_boolean(v) ? json_is_true(v) : json_integer_value(v);
}

bool jj_equal(const json_t *a, const json_t *b)
{
	double x, y;
	if (a == NULL || b == NULL)
		return a == b;
	if (jj_num(a, &x) && jj_num(b, &y) && !json_is_boolean(a) == !json_is_boolean(b))
		return x == y;
	if (json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (size_t i = 0; i < json_array_size(a); i++)
			if (!jj_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	}
	return json_equal((json_t *)a, (json_t *)b);
}

int jj_compare(floe_jinja *j, int line, const json_t *a, const json_t *b, int *out)
{
	double x, y;
	if (jj_num(a, &x) && jj_num(b, &y)) {
		*out = x < y ? -1 : x > y;
		return 0;
	}
	if (json_is_string(a) && json_is_string(b)) {
		*out = strcmp(json_string_value(a), json_string_value(b));
		return 0;
	}
	if (json_is_array(a) && json_is_array(b)) { /* tuples: element-wise */
		size_t n = json_array_size(a) < json_array_size(b) ? json_array_size(a)
		                                                   : json_array_size(b);
		for (size_t i = 0; i < n; i++) {
			if (jj_compare(j, line, json_array_get(a, i), json_array_get(b, i), out))
				return floe_error_code();
			if (*out)
				return 0;
		}
		*out = json_array_size(a) < json_array_size(b)   ? -1
		       : json_array_size(a) > json_array_size(b) ? 1
		                                                 : 0;
		return 0;
	}
	return jj_error(j, line, "cannot compare these values", NULL);
}

bool jj_contains(const json_t *hay, const json_t *needle)
{
	size_t i;
	json_t *x;
	if (json_is_string(hay) && json_is_string(needle))
		return strstr(json_string_value(hay), json_string_value(needle)) != NULL;
	if (json_is_array(hay)) {
		json_array_foreach(hay, i, x) if (jj_equal(x, needle)) return true;
		return false;
	}
	if (json_is_object(hay) && json_is_string(needle))
		return !jj_hidden(json_string_value(needle)) &&
		       json_object_get(hay, json_string_value(needle)) != NULL;
	if (json_is_object(hay) && needle && !json_is_null(needle)) {
		/* dict literals key by text (a relation, a number) */
		json_t *k = jj_to_string(needle);
		bool in = k && json_object_get(hay, json_string_value(k)) != NULL;
		json_decref(k);
		return in;
	}
	return false;
}

int jj_buf_string(json_t **out, floe_jinja *j, int line, const char *what, floe_buf *b, int rc)
{
	*out = NULL;
	if (rc == 0 && b->len > JJ_MAX_STR)
		rc = FLOE_EINVAL;
	if (rc == 0 && (*out = json_stringn(b->ptr ? b->ptr : "", b->len)) == NULL)
		rc = FLOE_ENOMEM;
	else if (rc && rc != FLOE_ENOMEM)
		rc = jj_error(j, line,
		              "%s: the string would be longer than " JJ_MAX_STR_TEXT
		              " (floe's limit for a string)",
		              what);
	floe_buf_free(b);
	return rc;
}

static int concat(json_t **out, floe_jinja *j, int line, const char *op, const json_t *a,
                  const json_t *b)
{
	floe_buf bb;
	int rc = 0;
	floe_buf_init(&bb, JJ_MAX_STR);
	/* two strings: too long is known before anything is copied */
	if (json_is_string(a) && json_is_string(b) &&
	    json_string_length(a) > JJ_MAX_STR - json_string_length(b))
		rc = FLOE_EINVAL;
	if (rc == 0 && (rc = jj_put_value(&bb, a, false)) == 0)
		rc = jj_put_value(&bb, b, false);
	return jj_buf_string(out, j, line, op, &bb, rc);
}

/* s * n and list * n as Python repeats them (n < 1: empty); a result past
 * JJ_MAX_STR / JJ_MAX_ITEMS is an error */
static int repeat(json_t **out, floe_jinja *j, int line, const json_t *v, json_int_t n)
{
	size_t len = json_is_string(v) ? json_string_length(v) : json_array_size(v);
	size_t count = n > 0 ? (size_t)n : 0;
	size_t limit = json_is_string(v) ? JJ_MAX_STR : JJ_MAX_ITEMS;
	floe_buf b;
	int rc = 0;
	if (len && (n > 0 && (uint64_t)n > (uint64_t)(limit / len)))
		return jj_error(j, line,
		                json_is_string(v)
		                    ? "'*': the string would be longer than " JJ_MAX_STR_TEXT
		                      " (floe's limit for a string)"
		                    : "'*': the list would have more than " JJ_STR(
		                          JJ_MAX_ITEMS) " items (floe's limit)",
		                NULL);
	if (json_is_array(v)) {
		*out = json_array();
		for (size_t k = 0; *out && rc == 0 && k < count; k++)
			rc = json_array_extend(*out, (json_t *)v) ? FLOE_ENOMEM : 0;
		if (*out == NULL || rc) {
			json_decref(*out);
			*out = NULL;
			return FLOE_ENOMEM;
		}
		return 0;
	}
	floe_buf_init(&b, JJ_MAX_STR);
	if (len && count)
		rc = floe_buf_grow(&b, len * count);
	for (size_t k = 0; rc == 0 && k < count; k++)
		rc = floe_buf_put(&b, json_string_value(v), len);
	return jj_buf_string(out, j, line, "'*'", &b, rc);
}

/* integer + - * // % as Python computes them; a result outside 64 bits
 * is an error (Python's integers have no such bound; floe's do) */
static int int_op(json_t **out, floe_jinja *j, int line, const char *op, json_int_t p, json_int_t q)
{
	long long r = 0;
	bool over = false;
	if ((op[0] == '%' || strcmp(op, "//") == 0) && q == 0)
		return jj_error(j, line, "division by zero", NULL);
	if (op[0] == '+')
		over = __builtin_add_overflow((long long)p, (long long)q, &r);
	else if (op[0] == '-')
		over = __builtin_sub_overflow((long long)p, (long long)q, &r);
	else if (op[0] == '*')
		over = __builtin_mul_overflow((long long)p, (long long)q, &r);
	else if (q == -1) { /* LLONG_MIN // -1 overflows, and % -1 is undefined in C */
		over = op[0] == '/' && p == (json_int_t)LLONG_MIN;
		r = op[0] == '%' || over ? 0 : -p;
	} else { /* Python's floor division and modulo: the sign of q */
		json_int_t m = p % q, d = p / q;
		if (m != 0 && (m < 0) != (q < 0)) {
			m += q;
			d -= 1;
		}
		r = op[0] == '%' ? m : d;
	}
	if (over)
		return jj_error(j, line, "integer overflow in '%s' (floe's integers are 64-bit)",
		                op);
	*out = json_integer((json_int_t)r);
	return *out ? 0 : FLOE_ENOMEM;
}

int jj_binop(json_t **out, floe_jinja *j, int line, const char *op, json_t *a, json_t *b)
{
	double x, y;
	int c;
	*out = NULL;
	if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
		bool eq = jj_equal(a, b);
		*out = json_boolean(op[0] == '=' ? eq : !eq);
		return 0;
	}
	if (strcmp(op, "in") == 0 || strcmp(op, "not in") == 0) {
		bool in = jj_contains(b, a);
		*out = json_boolean(op[0] == 'i' ? in : !in);
		return 0;
	}
	if (op[0] == '<' || op[0] == '>') {
		if (jj_compare(j, line, a, b, &c))
			return floe_error_code();
		*out = json_boolean(strcmp(op, "<") == 0    ? c < 0
		                    : strcmp(op, "<=") == 0 ? c <= 0
		                    : strcmp(op, ">") == 0  ? c > 0
		                                            : c >= 0);
		return 0;
	}
	if (strcmp(op, "~") == 0 ||
	    (strcmp(op, "+") == 0 && json_is_string(a) && json_is_string(b)))
		return concat(out, j, line, op[0] == '~' ? "'~'" : "'+'", a, b);
	if (strcmp(op, "+") == 0 && json_is_array(a) && json_is_array(b)) {
		if (json_array_size(a) + json_array_size(b) > JJ_MAX_ITEMS)
			return jj_error(j, line,
			                "'+': the list would have more than " JJ_STR(
			                    JJ_MAX_ITEMS) " items (floe's limit)",
			                NULL);
		*out = json_copy(a);
		if (*out == NULL || json_array_extend(*out, b) != 0)
			return FLOE_ENOMEM;
		return 0;
	}
	if (strcmp(op, "*") == 0 && (json_is_string(a) || json_is_array(a)) && json_is_integer(b))
		return repeat(out, j, line, a, json_integer_value(b));
	if (strcmp(op, "*") == 0 && json_is_integer(a) && (json_is_string(b) || json_is_array(b)))
		return repeat(out, j, line, b, json_integer_value(a));
	if (!jj_num(a, &x) || !jj_num(b, &y))
		return jj_error(j, line, "operator '%s' needs numbers", op);
	if (both_int(a, b) && strcmp(op, "/") != 0 && strcmp(op, "**") != 0)
		return int_op(out, j, line, op, ival(a), ival(b));
	if ((op[0] == '/' || op[0] == '%') && y == 0)
		return jj_error(j, line, "division by zero", NULL);
	if (strcmp(op, "**") == 0 && both_int(a, b) && y >= 0) {
		double r = pow(x, y);
		if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
			return jj_error(
			    j, line, "integer overflow in '%s' (floe's integers are 64-bit)", op);
		*out = json_integer((json_int_t)r);
		return 0;
	}
	*out = json_real(op[0] == '+'            ? x + y
	                 : op[0] == '-'          ? x - y
	                 : strcmp(op, "**") == 0 ? pow(x, y)
	                 : op[0] == '*'          ? x * y
	                 : strcmp(op, "//") == 0 ? floor(x / y)
	                 : op[0] == '/'          ? x / y
	                                         : fmod(x, y));
	return 0;
}

/* ---- methods ---- */

static int dict_method(json_t **out, json_t *self, const char *m, json_t *args)
{
	const json_t *a0 = json_array_get(args, 0), *a1 = json_array_get(args, 1);
	const char *k;
	json_t *v, *r;
	if (strcmp(m, "values") == 0 && jj_seq(self)) {
		*out = json_copy(jj_seq(self));
		return 0;
	}
	if (strcmp(m, "items") == 0 || strcmp(m, "keys") == 0 || strcmp(m, "values") == 0) {
		r = json_array();
		json_object_foreach(self, k, v)
		{
			if (jj_hidden(k))
				continue;
			if (m[0] == 'i')
				json_array_append_new(r, json_pack("[sO]", k, v));
			else if (m[0] == 'k')
				json_array_append_new(r, json_string(k));
			else
				json_array_append(r, v);
		}
		*out = r;
		return 0;
	}
	if (strcmp(m, "get") == 0 || strcmp(m, "pop") == 0 || strcmp(m, "setdefault") == 0) {
		const char *key = json_string_value(a0);
		v = key && !jj_hidden(key) ? json_object_get(self, key) : NULL;
		*out = json_incref(v ? v : (a1 ? (json_t *)a1 : json_null()));
		if (key && m[0] == 'p')
			json_object_del(self, key);
		else if (key && m[0] == 's' && v == NULL)
			json_object_set(self, key, *out);
		return 0;
	}
	if (strcmp(m, "update") == 0 && json_is_object(a0)) {
		json_object_update(self, (json_t *)a0);
		*out = json_null();
		return 0;
	}
	if (strcmp(m, "copy") == 0) {
		*out = json_copy(self);
		return 0;
	}
	return FLOE_ENOTFOUND;
}

static int list_method(json_t **out, floe_jinja *j, int line, json_t *self, const char *m,
                       json_t *args)
{
	const json_t *a0 = json_array_get(args, 0), *a1 = json_array_get(args, 1);
	size_t i, n = json_array_size(self);
	json_t *v;
	*out = json_null();
	if (strcmp(m, "append") == 0 && a0)
		return json_array_append(self, (json_t *)a0) ? FLOE_ENOMEM : 0;
	if (strcmp(m, "extend") == 0) {
		json_t *items = jj_items(a0);
		int rc = items ? json_array_extend(self, items) : 0;
		json_decref(items);
		return rc ? FLOE_ENOMEM : 0;
	}
	if (strcmp(m, "insert") == 0 && json_is_integer(a0) && a1) {
		json_int_t at = json_integer_value(a0);
		if (at < 0)
			at += (json_int_t)n;
		at = at < 0 ? 0 : at > (json_int_t)n ? (json_int_t)n : at;
		return json_array_insert(self, (size_t)at, (json_t *)a1) ? FLOE_ENOMEM : 0;
	}
	if (strcmp(m, "pop") == 0 && n > 0) {
		json_int_t at = json_is_integer(a0) ? json_integer_value(a0) : -1;
		if (at < 0)
			at += (json_int_t)n;
		if (at < 0 || at >= (json_int_t)n)
			return jj_error(j, line, "pop index out of range", NULL);
		*out = json_incref(json_array_get(self, (size_t)at));
		json_array_remove(self, (size_t)at);
		return 0;
	}
	if (strcmp(m, "index") == 0 || strcmp(m, "remove") == 0 || strcmp(m, "count") == 0) {
		json_int_t count = 0;
		json_array_foreach(self, i, v)
		{
			if (!jj_equal(v, a0))
				continue;
			if (m[0] == 'c') {
				count++;
				continue;
			}
			if (m[0] == 'i')
				*out = json_integer((json_int_t)i);
			else
				json_array_remove(self, i);
			return 0;
		}
		if (m[0] == 'c') {
			*out = json_integer(count);
			return 0;
		}
		return jj_error(j, line, "value not in list", NULL);
	}
	if (strcmp(m, "copy") == 0) {
		*out = json_copy(self);
		return 0;
	}
	return FLOE_ENOTFOUND;
}

static json_t *strip(const char *s, size_t n, const char *m, const json_t *chars)
{
	const char *set = json_string_value(chars);
	size_t a = 0, b = n;
#define STRIPPED(c) (set ? strchr(set, (c)) != NULL : isspace((unsigned char)(c)))
	if (m[0] != 'r')
		while (a < b && STRIPPED(s[a]))
			a++;
	if (m[0] != 'l')
		while (b > a && STRIPPED(s[b - 1]))
			b--;
#undef STRIPPED
	return json_stringn(s + a, b - a);
}

static json_t *split(const char *s, const json_t *sep_v, const json_t *max_v)
{
	json_t *r = json_array();
	json_int_t max = json_is_integer(max_v) ? json_integer_value(max_v) : -1;
	if (!json_is_string(sep_v)) { /* split on runs of whitespace */
		const char *p = s;
		while (*p) {
			const char *q;
			while (*p && isspace((unsigned char)*p))
				p++;
			if (*p == '\0')
				break;
			if (max >= 0 && (json_int_t)json_array_size(r) == max) {
				json_array_append_new(r, json_string(p));
				break;
			}
			for (q = p; *q && !isspace((unsigned char)*q); q++)
				;
			json_array_append_new(r, json_stringn(p, (size_t)(q - p)));
			p = q;
		}
		return r;
	}
	{
		const char *sep = json_string_value(sep_v), *p = s;
		size_t sl = strlen(sep);
		for (;;) {
			const char *q = sl ? strstr(p, sep) : NULL;
			if (q == NULL || (max >= 0 && (json_int_t)json_array_size(r) == max)) {
				json_array_append_new(r, json_string(p));
				break;
			}
			json_array_append_new(r, json_stringn(p, (size_t)(q - p)));
			p = q + sl;
		}
	}
	return r;
}

/* s with every `from` replaced by `to` into b (begun capped); the first
 * failed put */
static int replace_all(floe_buf *b, const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), len = strlen(s), hits = 0;
	int rc = 0;
	/* the result's length first: too long is an error before any copy */
	for (const char *q = s; fl && (q = strstr(q, from)) != NULL; q += fl)
		hits++;
	if (tl > fl && hits > (JJ_MAX_STR - len) / (tl - fl))
		return FLOE_EINVAL;
	while (rc == 0 && fl && *s) {
		const char *q = strstr(s, from);
		if (q == NULL)
			break;
		if ((rc = floe_buf_put(b, s, (size_t)(q - s))) == 0)
			rc = floe_buf_puts(b, to);
		s = q + fl;
	}
	return rc ? rc : floe_buf_puts(b, s);
}

/* "{} and {0} and {name}".format(...) */
static int format(floe_buf *b, const char *s, const json_t *args, const json_t *kwargs)
{
	size_t ai = 0;
	int rc = 0;
	for (const char *p = s; rc == 0 && *p; p++) {
		const char *close = p[0] == '{' && p[1] != '{' ? strchr(p, '}') : NULL;
		if (p[0] == '{' && p[1] == '{') {
			rc = floe_buf_putc(b, '{');
			p++;
		} else if (p[0] == '}' && p[1] == '}') {
			rc = floe_buf_putc(b, '}');
			p++;
		} else if (close) {
			size_t n = (size_t)(close - p - 1);
			char key[64];
			const json_t *v;
			if (n >= sizeof(key))
				n = sizeof(key) - 1;
			memcpy(key, p + 1, n);
			key[n] = '\0';
			if (n == 0)
				v = json_array_get(args, ai++);
			else if (isdigit((unsigned char)key[0]))
				v = json_array_get(args, strtoul(key, NULL, 10));
			else
				v = json_object_get(kwargs, key);
			rc = jj_put_value(b, v, false);
			p = close;
		} else {
			rc = floe_buf_putc(b, *p);
		}
	}
	return rc;
}

static json_t *map_chars(const char *s, size_t n, const char *m)
{
	char *c = floe_strndup(s, n);
	bool start = true;
	json_t *r;
	if (c == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)c[i];
		if (m[0] == 'u')
			c[i] = (char)toupper(ch);
		else if (m[0] == 'l')
			c[i] = (char)tolower(ch);
		else { /* title, capitalize */
			c[i] = (char)(start && isalpha(ch) ? toupper(ch) : tolower(ch));
			if (m[0] == 't')
				start = !isalpha(ch);
			else if (isalpha(ch))
				start = false;
		}
	}
	r = json_stringn(c, n);
	floe_free(c);
	return r;
}

static bool all_chars(const char *s, int (*pred)(int))
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!pred((unsigned char)*s))
			return false;
	return true;
}

static int str_method(json_t **out, floe_jinja *j, int line, json_t *self, const char *m,
                      json_t *args, json_t *kwargs)
{
	floe_buf b;
	const char *s = json_string_value(self);
	size_t n = json_string_length(self);
	const json_t *a0 = json_array_get(args, 0), *a1 = json_array_get(args, 1);
	if (strcmp(m, "upper") == 0 || strcmp(m, "lower") == 0 || strcmp(m, "title") == 0 ||
	    strcmp(m, "capitalize") == 0)
		*out = map_chars(s, n, m);
	else if (strcmp(m, "strip") == 0 || strcmp(m, "lstrip") == 0 || strcmp(m, "rstrip") == 0)
		*out = strip(s, n, m, a0);
	else if ((strcmp(m, "startswith") == 0 || strcmp(m, "endswith") == 0) &&
	         (json_is_string(a0) || json_is_array(a0))) {
		bool yes = false;
		size_t i;
		json_t *p;
		json_t *list = json_is_array(a0) ? json_incref((json_t *)a0) : json_pack("[O]", a0);
		json_array_foreach(list, i, p) if (json_is_string(p)) yes |=
		    m[0] == 's' ? floe_str_starts_with(s, json_string_value(p))
		                : floe_str_ends_with(s, json_string_value(p));
		json_decref(list);
		*out = json_boolean(yes);
	} else if (strcmp(m, "split") == 0)
		*out = split(s, a0, a1);
	else if (strcmp(m, "replace") == 0 && json_is_string(a0) && json_is_string(a1)) {
		floe_buf_init(&b, JJ_MAX_STR);
		return jj_buf_string(
		    out, j, line, "replace()", &b,
		    replace_all(&b, s, json_string_value(a0), json_string_value(a1)));
	} else if (strcmp(m, "join") == 0) {
		json_t *items = jj_items(a0), *v;
		size_t i;
		int rc = 0;
		floe_buf_init(&b, JJ_MAX_STR);
		json_array_foreach(items, i, v)
		{
			if (rc == 0 && i)
				rc = floe_buf_puts(&b, s);
			if (rc == 0)
				rc = jj_put_value(&b, v, false);
		}
		json_decref(items);
		return jj_buf_string(out, j, line, "join()", &b, rc);
	} else if (strcmp(m, "format") == 0) {
		floe_buf_init(&b, JJ_MAX_STR);
		return jj_buf_string(out, j, line, "format()", &b, format(&b, s, args, kwargs));
	} else if ((strcmp(m, "find") == 0 || strcmp(m, "count") == 0) && json_is_string(a0)) {
		const char *needle = json_string_value(a0), *q = strstr(s, needle);
		json_int_t c = 0;
		for (const char *p = s; *needle && (p = strstr(p, needle)) != NULL;
		     p += strlen(needle))
			c++;
		*out = json_integer(m[0] == 'c' ? c : q ? (json_int_t)(q - s) : -1);
	} else if (strcmp(m, "isdigit") == 0)
		*out = json_boolean(all_chars(s, isdigit));
	else if (strcmp(m, "isalpha") == 0)
		*out = json_boolean(all_chars(s, isalpha));
	else if (strcmp(m, "isalnum") == 0)
		*out = json_boolean(all_chars(s, isalnum));
	else if (strcmp(m, "isupper") == 0 || strcmp(m, "islower") == 0) {
		bool cased = false, ok = true;
		for (const char *p = s; *p; p++)
			if (isalpha((unsigned char)*p)) {
				cased = true;
				ok &= m[2] == 'u' ? isupper((unsigned char)*p) != 0
				                  : islower((unsigned char)*p) != 0;
			}
		*out = json_boolean(cased && ok);
	} else
		return FLOE_ENOTFOUND;
	return *out ? 0 : FLOE_ENOMEM;
}

int jj_method(json_t **out, floe_jinja *j, int line, json_t *self, const char *m, json_t *args,
              json_t *kwargs)
{
	*out = NULL;
	/* what a list or dict method stores in self: bounded in depth, and
	 * never self itself (printing a cycle would never end) */
	if ((json_is_array(self) &&
	     (strcmp(m, "append") == 0 || strcmp(m, "insert") == 0 || strcmp(m, "extend") == 0)) ||
	    (json_is_object(self) && (strcmp(m, "update") == 0 || strcmp(m, "setdefault") == 0))) {
		size_t i;
		json_t *a;
		json_array_foreach(args, i, a) if (
		    jj_too_deep(
		        a, self,
		        JJ_MAX_VALUE_DEPTH -
		            1)) return jj_error(j, line,
		                                "%s(): the value would nest more than " JJ_STR(
		                                    JJ_MAX_VALUE_DEPTH) " levels deep or hold the "
		                                                        "object it is stored in",
		                                m);
	}
	if (json_is_object(self))
		return dict_method(out, self, m, args);
	if (json_is_array(self))
		return list_method(out, j, line, self, m, args);
	if (json_is_string(self))
		return str_method(out, j, line, self, m, args, kwargs);
	return FLOE_ENOTFOUND;
}
