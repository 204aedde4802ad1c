/*
 * Jinja built-ins: the filters and tests of Jinja's documentation that dbt
 * projects use (join, length, lower, upper, trim, replace, default, map,
 * list, selectattr, ...) and the global functions range, dict, zip,
 * namespace, set, print, log, tojson, fromjson, exceptions.warn and
 * exceptions.raise_compiler_error.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

static json_t *str_map(const json_t *v, int (*f)(int))
{
	json_t *s = jj_to_string(v);
	char *c = floe_strdup(json_string_value(s));
	json_t *r;
	json_decref(s);
	if (c == NULL)
		return NULL;
	for (char *p = c; *p; p++)
		*p = (char)f((unsigned char)*p);
	r = json_string(c);
	floe_free(c);
	return r;
}

/* attribute path "a.b" of an item (objects only) */
static const json_t *attr_of(const json_t *v, const char *path)
{
	char part[256];
	while (v && path && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		if (json_is_object(v) && !jj_hidden(part))
			v = json_object_get(v, part);
		else if (jj_seq(v) && isdigit((unsigned char)part[0]))
			v = json_array_get(jj_seq(v), (size_t)strtoul(part, NULL, 10));
		else if (json_is_array(v) && isdigit((unsigned char)part[0]))
			v = json_array_get(v, (size_t)strtoul(part, NULL, 10));
		else
			return NULL;
		path = dot ? dot + 1 : NULL;
	}
	return v;
}

/* attribute='a.b' or attribute=0 of map, sort, join, sum, ... */
static const char *attr_arg(const json_t *kwargs, char buf[32])
{
	const json_t *a = json_object_get(kwargs, "attribute");
	if (json_is_integer(a)) {
		snprintf(buf, 32, "%lld", (long long)json_integer_value(a));
		return buf;
	}
	return json_string_value(a);
}

static json_t *as_list(const json_t *v)
{
	json_t *l = jj_items(v);
	return l ? l : json_array();
}

/* the values of a list without repeats, in first-seen order (new ref) */
static json_t *distinct(const json_t *l)
{
	json_t *out = json_array(), *x, *y;
	size_t i, k;
	json_array_foreach(l, i, x)
	{
		bool seen = false;
		json_array_foreach(out, k, y) seen |= jj_equal(x, y);
		if (!seen && json_array_append(out, x) != 0) {
			json_decref(out);
			return NULL;
		}
	}
	return out;
}

static int sort_list(floe_jinja *j, int line, json_t *list, const char *attr, bool reverse)
{
	size_t n = json_array_size(list);
	/* insertion sort: lists in templates are small */
	for (size_t i = 1; i < n; i++) {
		for (size_t k = i; k > 0; k--) {
			const json_t *a = json_array_get(list, k - 1), *b = json_array_get(list, k);
			int c;
			if (attr) {
				a = attr_of(a, attr);
				b = attr_of(b, attr);
			}
			if (jj_compare(j, line, a, b, &c))
				return floe_error_code();
			if (reverse ? c >= 0 : c <= 0)
				break;
			{
				json_t *x = json_incref(json_array_get(list, k - 1));
				json_array_set(list, k - 1, json_array_get(list, k));
				json_array_set_new(list, k, x);
			}
		}
	}
	return 0;
}

int jj_filter(json_t **out, floe_jinja *j, int line, const char *name, json_t *v, json_t *args,
              json_t *kwargs)
{
	const json_t *a0 = json_array_get(args, 0), *a1 = json_array_get(args, 1);
	size_t i;
	json_t *x;
	char abuf[32];
	*out = NULL;
	if (strcmp(name, "default") == 0 || strcmp(name, "d") == 0) {
		bool boolean =
		    floe_jinja_truthy(a1) || floe_jinja_truthy(json_object_get(kwargs, "boolean"));
		bool use = v == NULL || (boolean && !floe_jinja_truthy(v));
		if (!use)
			*out = json_incref(v);
		else
			*out = a0 ? json_incref((json_t *)a0) : json_string("");
		return 0;
	}
	if (strcmp(name, "length") == 0 || strcmp(name, "count") == 0) {
		*out = json_integer((json_int_t)jj_length(v));
		return 0;
	}
	if (strcmp(name, "lower") == 0) {
		*out = str_map(v, tolower);
		return 0;
	}
	if (strcmp(name, "upper") == 0) {
		*out = str_map(v, toupper);
		return 0;
	}
	if (strcmp(name, "string") == 0) {
		*out = jj_to_string(v);
		return 0;
	}
	if (strcmp(name, "trim") == 0 || strcmp(name, "strip") == 0) {
		json_t *s = jj_to_string(v);
		const char *p = json_string_value(s);
		size_t a = 0, b = strlen(p);
		while (a < b && isspace((unsigned char)p[a]))
			a++;
		while (b > a && isspace((unsigned char)p[b - 1]))
			b--;
		*out = json_stringn(p + a, b - a);
		json_decref(s);
		return 0;
	}
	if (strcmp(name, "capitalize") == 0 || strcmp(name, "title") == 0) {
		json_t *s = jj_to_string(v);
		char *c = floe_strdup(json_string_value(s));
		bool start = true;
		json_decref(s);
		if (c == NULL)
			return FLOE_ENOMEM;
		for (char *p = c; *p; p++) {
			bool alpha = isalpha((unsigned char)*p);
			*p = (char)(start && alpha ? toupper((unsigned char)*p)
			                           : tolower((unsigned char)*p));
			if (name[0] == 't')
				start = !alpha;
			else if (alpha)
				start = false;
		}
		*out = json_string(c);
		floe_free(c);
		return 0;
	}
	if (strcmp(name, "replace") == 0) {
		json_t *s = jj_to_string(v), *from = jj_to_string(a0), *to = jj_to_string(a1);
		floe_buf b;
		const char *p = json_string_value(s), *f = json_string_value(from);
		size_t fl = strlen(f);
		int rc = 0;
		floe_buf_init(&b, JJ_MAX_STR);
		while (rc == 0 && fl && *p) {
			const char *q = strstr(p, f);
			if (q == NULL)
				break;
			if ((rc = floe_buf_put(&b, p, (size_t)(q - p))) == 0)
				rc = floe_buf_puts(&b, json_string_value(to));
			p = q + fl;
		}
		if (rc == 0)
			rc = floe_buf_puts(&b, p);
		json_decref(s);
		json_decref(from);
		json_decref(to);
		return jj_buf_string(out, j, line, "replace", &b, rc);
	}
	if (strcmp(name, "join") == 0) {
		json_t *list = as_list(v);
		const char *attr = attr_arg(kwargs, abuf);
		floe_buf b;
		json_t *sep = a0 ? jj_to_string(a0) : json_string("");
		int rc = 0;
		floe_buf_init(&b, JJ_MAX_STR);
		json_array_foreach(list, i, x)
		{
			json_t *s = jj_to_string(attr ? attr_of(x, attr) : x);
			if (rc == 0 && i)
				rc = floe_buf_puts(&b, json_string_value(sep));
			if (rc == 0)
				rc = floe_buf_puts(&b, json_string_value(s));
			json_decref(s);
		}
		json_decref(sep);
		json_decref(list);
		return jj_buf_string(out, j, line, "join", &b, rc);
	}
	if (strcmp(name, "list") == 0) {
		json_t *l = as_list(v);
		*out = json_copy(l);
		json_decref(l);
		return 0;
	}
	if (strcmp(name, "first") == 0 || strcmp(name, "last") == 0) {
		json_t *l = as_list(v);
		size_t n = json_array_size(l);
		if (n)
			*out = json_incref(json_array_get(l, name[0] == 'f' ? 0 : n - 1));
		json_decref(l);
		return 0;
	}
	if (strcmp(name, "reverse") == 0) {
		json_t *l = as_list(v);
		if (json_is_string(v)) {
			size_t n = json_string_length(v);
			char *c = floe_strndup(json_string_value(v), n);
			for (size_t k = 0; c && k < n / 2; k++) {
				char t = c[k];
				c[k] = c[n - 1 - k];
				c[n - 1 - k] = t;
			}
			*out = c ? json_stringn(c, n) : NULL;
			floe_free(c);
		} else {
			*out = json_array();
			for (size_t k = json_array_size(l); k-- > 0;)
				json_array_append(*out, json_array_get(l, k));
		}
		json_decref(l);
		return 0;
	}
	if (strcmp(name, "sort") == 0) {
		json_t *l = as_list(v);
		int rc;
		*out = json_copy(l);
		json_decref(l);
		rc = sort_list(j, line, *out, attr_arg(kwargs, abuf),
		               floe_jinja_truthy(json_object_get(kwargs, "reverse")) ||
		                   floe_jinja_truthy(a0));
		return rc;
	}
	if (strcmp(name, "unique") == 0) {
		json_t *l = as_list(v);
		*out = distinct(l);
		json_decref(l);
		return *out ? 0 : FLOE_ENOMEM;
	}
	if (strcmp(name, "sum") == 0 || strcmp(name, "max") == 0 || strcmp(name, "min") == 0) {
		json_t *l = as_list(v);
		const char *attr = attr_arg(kwargs, abuf);
		double s = 0;
		bool ints = true;
		const json_t *best = NULL;
		json_array_foreach(l, i, x)
		{
			const json_t *e = attr ? attr_of(x, attr) : x;
			if (name[1] == 'u') {
				ints &= json_is_integer(e);
				s += json_is_integer(e) ? (double)json_integer_value(e)
				                        : json_real_value(e);
			} else {
				int c = 0;
				if (best && jj_compare(j, line, e, best, &c)) {
					json_decref(l);
					return floe_error_code();
				}
				if (best == NULL || (name[1] == 'a' ? c > 0 : c < 0))
					best = e;
			}
		}
		*out = name[1] == 'u' ? (ints ? json_integer((json_int_t)s) : json_real(s))
		                      : (best ? json_incref((json_t *)best) : NULL);
		json_decref(l);
		return 0;
	}
	if (strcmp(name, "int") == 0 || strcmp(name, "float") == 0) {
		double d = 0;
		if (json_is_integer(v))
			d = (double)json_integer_value(v);
		else if (json_is_real(v))
			d = json_real_value(v);
		else if (json_is_string(v))
			d = strtod(json_string_value(v), NULL);
		else if (json_is_boolean(v))
			d = json_is_true(v);
		*out = name[0] == 'i' ? json_integer((json_int_t)d) : json_real(d);
		return 0;
	}
	if (strcmp(name, "abs") == 0) {
		*out = json_is_integer(v) ? json_integer(llabs(json_integer_value(v)))
		                          : json_real(fabs(json_real_value(v)));
		return 0;
	}
	if (strcmp(name, "round") == 0) {
		double d = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
		double p = pow(10, json_is_integer(a0) ? (double)json_integer_value(a0) : 0);
		*out = json_real(round(d * p) / p);
		return 0;
	}
	if (strcmp(name, "tojson") == 0) {
		json_t *p = jj_plain(v);
		char *s = json_dumps(p, JSON_ENCODE_ANY | JSON_COMPACT | JSON_SORT_KEYS);
		*out = json_string(s ? s : "null");
		free(s);
		json_decref(p);
		return 0;
	}
	if (strcmp(name, "items") == 0 || strcmp(name, "dictsort") == 0) {
		const char *k;
		*out = json_array();
		if (json_is_object(v))
			json_object_foreach(v, k, x) if (!jj_hidden(k))
			    json_array_append_new(*out, json_pack("[sO]", k, x));
		return name[0] == 'd' ? sort_list(j, line, *out, "0", false) : 0;
	}
	if (strcmp(name, "map") == 0 || strcmp(name, "select") == 0 ||
	    strcmp(name, "reject") == 0 || strcmp(name, "selectattr") == 0 ||
	    strcmp(name, "rejectattr") == 0) {
		json_t *l = as_list(v);
		const char *attr = attr_arg(kwargs, abuf);
		bool is_map = name[0] == 'm', is_attr = strstr(name, "attr") != NULL;
		bool want = name[0] == 's';
		int rc = 0;
		*out = json_array();
		json_array_foreach(l, i, x)
		{
			if (is_map) {
				json_t *r = NULL, *fargs;
				if (attr) {
					const json_t *e = attr_of(x, attr);
					json_array_append(*out, e ? (json_t *)e : json_null());
					continue;
				}
				/* map('filter', args...) */
				fargs = json_array();
				for (size_t k = 1; k < json_array_size(args); k++)
					json_array_append(fargs, json_array_get(args, k));
				rc = jj_filter(&r, j, line,
				               json_string_value(a0) ? json_string_value(a0) : "",
				               x, fargs, kwargs);
				json_decref(fargs);
				if (rc)
					break;
				json_array_append_new(*out, r ? r : json_null());
			} else {
				const json_t *subject =
				    is_attr ? attr_of(x, json_string_value(a0)) : x;
				const json_t *tname = is_attr ? a1 : a0;
				json_t *targs = json_array();
				bool r = floe_jinja_truthy(subject);
				for (size_t k = is_attr ? 2 : 1; k < json_array_size(args); k++)
					json_array_append(targs, json_array_get(args, k));
				if (json_is_string(tname))
					rc = jj_test(&r, j, line, json_string_value(tname), subject,
					             targs);
				json_decref(targs);
				if (rc)
					break;
				if (r == want)
					json_array_append(*out, x);
			}
		}
		json_decref(l);
		return rc;
	}
	if (strcmp(name, "batch") == 0 && json_is_integer(a0) && json_integer_value(a0) > 0) {
		json_t *l = as_list(v), *cur = NULL;
		*out = json_array();
		json_array_foreach(l, i, x)
		{
			if (i % (size_t)json_integer_value(a0) == 0) {
				cur = json_array();
				json_array_append_new(*out, cur);
			}
			json_array_append(cur, x);
		}
		json_decref(l);
		return 0;
	}
	if (strcmp(name, "indent") == 0 || strcmp(name, "wordwrap") == 0 ||
	    strcmp(name, "safe") == 0 || strcmp(name, "e") == 0 || strcmp(name, "escape") == 0) {
		*out = v ? json_incref(v) : json_string(""); /* SQL: no HTML escaping */
		return 0;
	}
	return jj_error(j, line, "unknown filter '%s'", name);
}

int jj_test(bool *out, floe_jinja *j, int line, const char *name, const json_t *v,
            const json_t *args)
{
	const json_t *a0 = json_array_get(args, 0);
	*out = false;
	if (strcmp(name, "defined") == 0)
		*out = v != NULL;
	else if (strcmp(name, "undefined") == 0)
		*out = v == NULL;
	else if (strcmp(name, "none") == 0)
		*out = json_is_null(v);
	else if (strcmp(name, "true") == 0)
		*out = json_is_true(v);
	else if (strcmp(name, "false") == 0)
		*out = json_is_false(v);
	else if (strcmp(name, "boolean") == 0)
		*out = json_is_boolean(v);
	else if (strcmp(name, "string") == 0)
		*out = json_is_string(v);
	else if (strcmp(name, "number") == 0)
		*out = json_is_number(v);
	else if (strcmp(name, "integer") == 0)
		*out = json_is_integer(v);
	else if (strcmp(name, "float") == 0)
		*out = json_is_real(v);
	else if (strcmp(name, "mapping") == 0)
		*out = json_is_object(v);
	else if (strcmp(name, "sequence") == 0 || strcmp(name, "iterable") == 0)
		*out = json_is_array(v) || json_is_string(v) || json_is_object(v);
	else if (strcmp(name, "callable") == 0)
		*out = jj_is_callable(v, &(int){0}, &(size_t){0});
	else if (strcmp(name, "even") == 0 || strcmp(name, "odd") == 0)
		*out = json_is_integer(v) && (json_integer_value(v) % 2 == 0) == (name[0] == 'e');
	else if (strcmp(name, "divisibleby") == 0)
		*out = json_is_integer(v) && json_is_integer(a0) && json_integer_value(a0) != 0 &&
		       json_integer_value(v) % json_integer_value(a0) == 0;
	else if (strcmp(name, "eq") == 0 || strcmp(name, "equalto") == 0 || strcmp(name, "==") == 0)
		*out = jj_equal(v, a0);
	else if (strcmp(name, "ne") == 0 || strcmp(name, "!=") == 0)
		*out = !jj_equal(v, a0);
	else if (strcmp(name, "in") == 0) {
		size_t i;
		json_t *x;
		if (json_is_array(a0))
			json_array_foreach(a0, i, x) *out |= jj_equal(v, x);
		else if (json_is_object(a0) && json_is_string(v))
			*out = json_object_get(a0, json_string_value(v)) != NULL;
		else if (json_is_string(a0) && json_is_string(v))
			*out = strstr(json_string_value(a0), json_string_value(v)) != NULL;
	} else if (strcmp(name, "gt") == 0 || strcmp(name, "lt") == 0 || strcmp(name, "ge") == 0 ||
	           strcmp(name, "le") == 0 || strcmp(name, "greaterthan") == 0 ||
	           strcmp(name, "lessthan") == 0) {
		int c;
		if (jj_compare(j, line, v, a0, &c))
			return floe_error_code();
		*out = name[0] == 'g' ? (name[1] == 'e' && name[2] == '\0' ? c >= 0 : c > 0)
		                      : (name[1] == 'e' && name[2] == '\0' ? c <= 0 : c < 0);
	} else if (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0) {
		const char *s = json_string_value(v);
		*out = s != NULL;
		for (; s && *s; s++)
			if (isalpha((unsigned char)*s) &&
			    (name[0] == 'l' ? !islower((unsigned char)*s)
			                    : !isupper((unsigned char)*s)))
				*out = false;
	} else {
		return jj_error(j, line, "unknown test '%s'", name);
	}
	return 0;
}

static int fn_range(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	json_int_t a = 0, b, step = 1;
	size_t n = json_array_size(args);
	if (n == 1) {
		b = json_integer_value(json_array_get(args, 0));
	} else {
		a = json_integer_value(json_array_get(args, 0));
		b = json_integer_value(json_array_get(args, 1));
		if (n > 2)
			step = json_integer_value(json_array_get(args, 2));
	}
	if (step == 0)
		return floe_error_set(FLOE_EINVAL, "range() step must not be zero");
	*out = json_array();
	for (json_int_t i = a; step > 0 ? i < b : i > b; i += step) {
		if (json_array_size(*out) >= 1000000)
			return floe_error_set(FLOE_EINVAL, "range() longer than 1000000");
		json_array_append_new(*out, json_integer(i));
	}
	return 0;
}

static int fn_dict(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	*out = json_is_object(json_array_get(args, 0)) ? json_copy(json_array_get(args, 0))
	                                               : json_object();
	json_object_update(*out, (json_t *)kwargs);
	return 0;
}

static int fn_zip(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	size_t n = SIZE_MAX, i, k;
	json_t *a;
	json_array_foreach(args, i, a) if (json_array_size(a) < n) n = json_array_size(a);
	*out = json_array();
	for (k = 0; k < n && json_array_size(args); k++) {
		json_t *t = json_array();
		json_array_foreach(args, i, a) json_array_append(t, json_array_get(a, k));
		json_array_append_new(*out, t);
	}
	return 0;
}

static int fn_namespace(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	*out = json_copy((json_t *)kwargs);
	return 0;
}

static int fn_log(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	json_t *s = jj_to_string(json_array_get(args, 0));
	bool info = floe_jinja_truthy(json_array_get(args, 1)) ||
	            floe_jinja_truthy(json_object_get(kwargs, "info"));
	floe_log(info ? FLOE_LOG_INFO : FLOE_LOG_DEBUG, "%s", json_string_value(s));
	json_decref(s);
	*out = json_string("");
	return 0;
}

static int fn_raise(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	json_t *s = jj_to_string(json_array_get(args, 0));
	int rc = floe_error_set(FLOE_EINVAL, "compilation error: %s", json_string_value(s));
	json_decref(s);
	return rc;
}

/* set(iterable): Python sets have no order; floe's are sorted lists
 * without duplicates, so two sets compare equal as lists */
static int fn_set(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	json_t *items = jj_items(json_array_get(args, 0));
	(void)kwargs;
	(void)ud;
	if (items == NULL)
		return floe_error_set(FLOE_EINVAL, "set() needs an iterable");
	*out = distinct(items);
	json_decref(items);
	if (*out == NULL)
		return FLOE_ENOMEM;
	if (sort_list(j, 0, *out, NULL, false) != 0)
		floe_error_clear(); /* mixed types: keep the first-seen order */
	return 0;
}

static int fn_print(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	floe_buf b = FLOE_BUF_INIT;
	size_t i;
	json_t *x;
	(void)j;
	(void)kwargs;
	(void)ud;
	json_array_foreach(args, i, x)
	{
		if (i)
			floe_buf_putc(&b, ' ');
		jj_put_value(&b, x, false);
	}
	floe_log(FLOE_LOG_INFO, "%s", b.ptr ? b.ptr : "");
	floe_buf_free(&b);
	*out = json_null();
	return 0;
}

static int fn_warn(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	json_t *s = jj_to_string(json_array_get(args, 0));
	(void)kwargs;
	(void)ud;
	floe_log(FLOE_LOG_WARN, "%s: %s", j->tname ? j->tname : "template", json_string_value(s));
	json_decref(s);
	*out = json_string("");
	return 0;
}

static int fn_tojson(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	(void)ud;
	return jj_filter(out, j, 0, "tojson", json_array_get(args, 0), (json_t *)args,
	                 (json_t *)kwargs);
}

static int fn_fromjson(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	const char *s = json_string_value(json_array_get(args, 0));
	json_error_t err;
	(void)j;
	(void)kwargs;
	(void)ud;
	if (s == NULL)
		return floe_error_set(FLOE_EINVAL, "fromjson() needs a string");
	*out = json_loads(s, JSON_DECODE_ANY, &err);
	if (*out == NULL)
		return floe_error_set(FLOE_EINVAL, "fromjson(): %s", err.text);
	return 0;
}

int jj_builtins(floe_jinja *j)
{
	static const struct {
		const char *name;
		floe_jinja_fn fn;
	} fns[] = {{"range", fn_range},
	           {"dict", fn_dict},
	           {"zip", fn_zip},
	           {"namespace", fn_namespace},
	           {"log", fn_log},
	           {"exceptions.raise_compiler_error", fn_raise},
	           {"exceptions.warn", fn_warn},
	           {"set", fn_set},
	           {"print", fn_print},
	           {"tojson", fn_tojson},
	           {"fromjson", fn_fromjson}};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(fns) / sizeof(fns[0]); i++)
		rc = floe_jinja_register(j, fns[i].name, fns[i].fn, NULL);
	return rc;
}
