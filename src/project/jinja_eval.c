/*
 * Jinja templates, second half: evaluation. Values are jansson values;
 * NULL stands for Jinja's "undefined". Callables (registered C functions,
 * macros, caller) are objects carrying a marker key. Python-like semantics
 * where dbt projects rely on them: truthiness, int/float arithmetic, string
 * and list concatenation, `in`, method calls on strings, lists and dicts,
 * loop variables, macros with defaults and keyword arguments, return().
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

#define MARK "\x01jj"
#define MAX_SCOPES 256
#define MAX_DEPTH 64
#define MAX_OUTPUT ((size_t)256 << 20)

enum { K_FN = 1, K_MACRO = 2, K_CALLER = 3 };

typedef struct {
	char *name;
	floe_jinja_fn fn;
	void *ud;
} jj_fn;

typedef struct {
	char *name;
	jj_node *def;
} jj_macro;

typedef struct {
	jj_node *body;
	int scope_depth;
} jj_caller;

struct floe_jinja {
	json_t *globals;
	jj_fn *fns;
	size_t nfns;
	jj_macro *macros;
	size_t nmacros;
	jj_template **tpls;
	size_t ntpls;
	json_t *docs;
	/* render state */
	json_t *scopes[MAX_SCOPES];
	int nscopes;
	const char *tname;
	int depth;
	json_t *ret;
	bool returned;
	jj_caller callers[MAX_DEPTH];
	int ncallers;
};

static int eval(json_t **out, floe_jinja *j, const jj_expr *e);
static int render_nodes(floe_jinja *j, const jj_node *n, floe_buf *out);

/* fmt is always one of this file's literals with two %s */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int rerr(floe_jinja *j, int line, const char *fmt, const char *a, const char *b)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
	return floe_error_set(FLOE_EINVAL, "%s:%d: %s", j->tname ? j->tname : "template", line,
	                      msg);
}
#pragma GCC diagnostic pop

static json_t *callable(int kind, size_t idx)
{
	return json_pack("{s:I}", MARK, (json_int_t)(kind << 24 | (int)idx));
}

static bool is_callable(const json_t *v, int *kind, size_t *idx)
{
	const json_t *m = json_is_object(v) ? json_object_get(v, MARK) : NULL;
	if (!json_is_integer(m))
		return false;
	*kind = (int)(json_integer_value(m) >> 24);
	*idx = (size_t)(json_integer_value(m) & 0xFFFFFF);
	return true;
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
	case JSON_OBJECT: return json_object_size(v) > 0;
	}
	return false;
}

/* ---- text form (what {{ }} prints), Python's str() ---- */

static int put_value(floe_buf *b, const json_t *v, bool repr)
{
	char num[64];
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
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return floe_buf_puts(b, num);
	case JSON_REAL: {
		double d = json_real_value(v);
		snprintf(num, sizeof(num), "%.17g", d);
		if (strtod(num, NULL) != d || strlen(num) > 15)
			snprintf(num, sizeof(num), "%.15g", d);
		if (!strpbrk(num, ".eEn"))
			strncat(num, ".0", sizeof(num) - strlen(num) - 1);
		return floe_buf_puts(b, num);
	}
	case JSON_STRING:
		if (!repr)
			return floe_buf_put(b, json_string_value(v), json_string_length(v));
		rc = floe_buf_putc(b, '\'');
		for (const char *s = json_string_value(v); rc == 0 && *s; s++)
			rc = *s == '\'' ? floe_buf_puts(b, "\\'") : floe_buf_putc(b, *s);
		return rc ? rc : floe_buf_putc(b, '\'');
	case JSON_ARRAY:
		rc = floe_buf_putc(b, '[');
		json_array_foreach(v, i, x)
		{
			if (rc == 0 && i)
				rc = floe_buf_puts(b, ", ");
			if (rc == 0)
				rc = put_value(b, x, true);
		}
		return rc ? rc : floe_buf_putc(b, ']');
	case JSON_OBJECT:
		rc = floe_buf_putc(b, '{');
		i = 0;
		json_object_foreach((json_t *)v, k, x)
		{
			json_t *ks = json_string(k);
			if (rc == 0 && i++)
				rc = floe_buf_puts(b, ", ");
			if (rc == 0)
				rc = put_value(b, ks, true);
			json_decref(ks);
			if (rc == 0)
				rc = floe_buf_puts(b, ": ");
			if (rc == 0)
				rc = put_value(b, x, true);
		}
		return rc ? rc : floe_buf_putc(b, '}');
	}
	return 0;
}

static json_t *to_string(const json_t *v)
{
	floe_buf b = FLOE_BUF_INIT;
	json_t *s;
	if (json_is_string(v))
		return json_incref((json_t *)v);
	put_value(&b, v, false);
	s = json_stringn(b.ptr ? b.ptr : "", b.len);
	floe_buf_free(&b);
	return s;
}

/* ---- scopes ---- */

static json_t *lookup(floe_jinja *j, const char *name)
{
	json_t *v;
	for (int i = j->nscopes - 1; i >= 0; i--)
		if ((v = json_object_get(j->scopes[i], name)) != NULL)
			return json_incref(v);
	if ((v = json_object_get(j->globals, name)) != NULL)
		return json_incref(v);
	for (size_t i = j->nmacros; i-- > 0;)
		if (strcmp(j->macros[i].name, name) == 0)
			return callable(K_MACRO, i);
	return NULL;
}

static int push_scope(floe_jinja *j, json_t *scope)
{
	if (j->nscopes == MAX_SCOPES) {
		json_decref(scope);
		return floe_error_set(FLOE_EINVAL, "%s: scopes nested too deeply", j->tname);
	}
	j->scopes[j->nscopes++] = scope;
	return 0;
}

static void pop_scope(floe_jinja *j)
{
	json_decref(j->scopes[--j->nscopes]);
}

static int set_var(floe_jinja *j, const char *name, json_t *v)
{
	json_t *top = j->nscopes ? j->scopes[j->nscopes - 1] : j->globals;
	return json_object_set_new(top, name, v ? v : json_null()) ? FLOE_ENOMEM : 0;
}

/* ---- numbers ---- */

static bool num(const json_t *v, double *d)
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

static bool equal(const json_t *a, const json_t *b)
{
	double x, y;
	if (a == NULL || b == NULL)
		return a == b;
	if (num(a, &x) && num(b, &y) && !json_is_boolean(a) == !json_is_boolean(b))
		return x == y;
	return json_equal((json_t *)a, (json_t *)b);
}

static int compare(floe_jinja *j, int line, const json_t *a, const json_t *b, int *out)
{
	double x, y;
	if (num(a, &x) && num(b, &y)) {
		*out = x < y ? -1 : x > y;
		return 0;
	}
	if (json_is_string(a) && json_is_string(b)) {
		*out = strcmp(json_string_value(a), json_string_value(b));
		return 0;
	}
	return rerr(j, line, "cannot compare these values%s%s", NULL, NULL);
}

static bool contains(const json_t *hay, const json_t *needle)
{
	size_t i;
	json_t *x;
	if (json_is_string(hay) && json_is_string(needle))
		return strstr(json_string_value(hay), json_string_value(needle)) != NULL;
	if (json_is_array(hay)) {
		json_array_foreach(hay, i, x) if (equal(x, needle)) return true;
		return false;
	}
	if (json_is_object(hay) && json_is_string(needle))
		return json_object_get(hay, json_string_value(needle)) != NULL;
	return false;
}

static int binop(json_t **out, floe_jinja *j, const jj_expr *e, json_t *a, json_t *b)
{
	const char *op = e->op;
	double x, y;
	int c;
	*out = NULL;
	if (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0) {
		bool eq = equal(a, b);
		*out = json_boolean(op[0] == '=' ? eq : !eq);
		return 0;
	}
	if (strcmp(op, "in") == 0 || strcmp(op, "not in") == 0) {
		bool in = contains(b, a);
		*out = json_boolean(op[0] == 'i' ? in : !in);
		return 0;
	}
	if (op[0] == '<' || op[0] == '>') {
		if (compare(j, e->line, a, b, &c))
			return floe_error_code();
		*out = json_boolean(strcmp(op, "<") == 0    ? c < 0
		                    : strcmp(op, "<=") == 0 ? c <= 0
		                    : strcmp(op, ">") == 0  ? c > 0
		                                            : c >= 0);
		return 0;
	}
	if (strcmp(op, "~") == 0) {
		floe_buf bb = FLOE_BUF_INIT;
		put_value(&bb, a, false);
		put_value(&bb, b, false);
		*out = json_stringn(bb.ptr ? bb.ptr : "", bb.len);
		floe_buf_free(&bb);
		return 0;
	}
	if (strcmp(op, "+") == 0 && json_is_string(a) && json_is_string(b)) {
		floe_buf bb = FLOE_BUF_INIT;
		floe_buf_puts(&bb, json_string_value(a));
		floe_buf_puts(&bb, json_string_value(b));
		*out = json_stringn(bb.ptr ? bb.ptr : "", bb.len);
		floe_buf_free(&bb);
		return 0;
	}
	if (strcmp(op, "+") == 0 && json_is_array(a) && json_is_array(b)) {
		*out = json_copy(a);
		json_array_extend(*out, b);
		return 0;
	}
	if (strcmp(op, "*") == 0 && json_is_string(a) && json_is_integer(b)) {
		floe_buf bb = FLOE_BUF_INIT;
		for (json_int_t k = 0; k < json_integer_value(b) && k < 100000; k++)
			floe_buf_puts(&bb, json_string_value(a));
		*out = json_stringn(bb.ptr ? bb.ptr : "", bb.len);
		floe_buf_free(&bb);
		return 0;
	}
	if (!num(a, &x) || !num(b, &y))
		return rerr(j, e->line, "operator '%s' needs numbers%s", op, NULL);
	if (both_int(a, b) && strcmp(op, "/") != 0 && strcmp(op, "**") != 0) {
		json_int_t p = ival(a), q = ival(b);
		if ((op[0] == '%' || strcmp(op, "//") == 0) && q == 0)
			return rerr(j, e->line, "division by zero%s%s", NULL, NULL);
		*out = json_integer(op[0] == '+'   ? p + q
		                    : op[0] == '-' ? p - q
		                    : op[0] == '*' ? p * q
		                    : op[0] == '%' ? ((p % q) + q) % q
		                                   : (p - (((p % q) + q) % q)) / q);
		return 0;
	}
	if ((op[0] == '/' || op[0] == '%') && y == 0)
		return rerr(j, e->line, "division by zero%s%s", NULL, NULL);
	*out = json_real(op[0] == '+'            ? x + y
	                 : op[0] == '-'          ? x - y
	                 : strcmp(op, "**") == 0 ? pow(x, y)
	                 : op[0] == '*'          ? x * y
	                 : strcmp(op, "//") == 0 ? floor(x / y)
	                 : op[0] == '/'          ? x / y
	                                         : fmod(x, y));
	if (strcmp(op, "**") == 0 && both_int(a, b) && y >= 0) {
		json_decref(*out);
		*out = json_integer((json_int_t)pow(x, y));
	}
	return 0;
}

/* ---- calls ---- */

static int call_value(json_t **out, floe_jinja *j, int line, const json_t *callee, const char *what,
                      json_t *args, json_t *kwargs);

static int render_macro(json_t **out, floe_jinja *j, const jj_node *def, json_t *args,
                        json_t *kwargs)
{
	json_t *scope = json_object(), *varargs = json_array(), *kw = json_copy(kwargs);
	floe_buf b = FLOE_BUF_INIT;
	const char *saved_name = j->tname;
	int rc;
	bool was_returned = j->returned;
	json_t *was_ret = j->ret;
	if (j->depth >= MAX_DEPTH) {
		json_decref(scope);
		json_decref(varargs);
		json_decref(kw);
		return rerr(j, def->line, "macro %s: calls nested too deeply%s", def->name, NULL);
	}
	for (size_t i = 0; i < def->nparams; i++) {
		json_t *v = NULL;
		if (i < json_array_size(args)) {
			v = json_incref(json_array_get(args, i));
		} else if ((v = json_object_get(kw, def->params[i])) != NULL) {
			json_incref(v);
			json_object_del(kw, def->params[i]);
		} else if (def->defaults[i]) {
			if ((rc = eval(&v, j, def->defaults[i])) != 0)
				goto fail;
		}
		json_object_set_new(scope, def->params[i], v ? v : json_null());
		if (v == NULL)
			json_object_del(scope, def->params[i]); /* undefined */
	}
	for (size_t i = def->nparams; i < json_array_size(args); i++)
		json_array_append(varargs, json_array_get(args, i));
	json_object_set(scope, "varargs", varargs);
	json_object_set(scope, "kwargs", kw);
	if ((rc = push_scope(j, scope)) != 0) {
		scope = NULL;
		goto fail;
	}
	scope = NULL;
	j->depth++;
	j->returned = false;
	j->ret = NULL;
	rc = render_nodes(j, def->body, &b);
	j->depth--;
	pop_scope(j);
	j->tname = saved_name;
	if (rc == 0) {
		if (j->returned)
			*out = j->ret ? j->ret : json_null();
		else
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
		j->ret = NULL;
	}
	j->returned = was_returned;
	j->ret = was_ret;
	floe_buf_free(&b);
	json_decref(varargs);
	json_decref(kw);
	return rc;
fail:
	json_decref(scope);
	json_decref(varargs);
	json_decref(kw);
	return rc;
}

static int call_value(json_t **out, floe_jinja *j, int line, const json_t *callee, const char *what,
                      json_t *args, json_t *kwargs)
{
	int kind;
	size_t idx;
	*out = NULL;
	if (callee == NULL)
		return rerr(j, line, "'%s' is undefined%s", what, NULL);
	if (!is_callable(callee, &kind, &idx))
		return rerr(j, line, "'%s' is not callable%s", what, NULL);
	if (kind == K_FN) {
		int rc = j->fns[idx].fn(out, j, args, kwargs, j->fns[idx].ud);
		if (rc)
			return floe_error_prefix("%s:%d: %s(): ", j->tname, line, j->fns[idx].name);
		if (*out == NULL)
			*out = json_null();
		return 0;
	}
	if (kind == K_MACRO)
		return render_macro(out, j, j->macros[idx].def, args, kwargs);
	if (kind == K_CALLER && (int)idx < j->ncallers) {
		floe_buf b = FLOE_BUF_INIT;
		int rc = render_nodes(j, j->callers[idx].body, &b);
		if (rc == 0)
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
		floe_buf_free(&b);
		return rc;
	}
	return rerr(j, line, "'%s' cannot be called here%s", what, NULL);
}

static int eval_args(floe_jinja *j, const jj_expr *e, size_t first, json_t **args, json_t **kwargs)
{
	*args = json_array();
	*kwargs = json_object();
	for (size_t i = first; i < e->nargs; i++) {
		json_t *v = NULL;
		int rc = eval(&v, j, e->args[i]);
		if (rc) {
			json_decref(*args);
			json_decref(*kwargs);
			return rc;
		}
		if (e->kwnames[i])
			json_object_set_new(*kwargs, e->kwnames[i], v ? v : json_null());
		else
			json_array_append_new(*args, v ? v : json_null());
	}
	return 0;
}

/* Methods on plain values: the Python str/list/dict methods dbt code uses. */
static int method(json_t **out, floe_jinja *j, int line, json_t *self, const char *m, json_t *args)
{
	const json_t *a0 = json_array_get(args, 0), *a1 = json_array_get(args, 1);
	*out = NULL;
	if (json_is_object(self)) {
		if (strcmp(m, "items") == 0 || strcmp(m, "keys") == 0 || strcmp(m, "values") == 0) {
			const char *k;
			json_t *v, *r = json_array();
			json_object_foreach(self, k, v)
			{
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
		if (strcmp(m, "get") == 0) {
			json_t *v = json_is_string(a0)
			                ? json_object_get(self, json_string_value(a0))
			                : NULL;
			*out = json_incref(v ? v : (a1 ? (json_t *)a1 : json_null()));
			return 0;
		}
		if (strcmp(m, "update") == 0 && json_is_object(a0)) {
			json_object_update(self, (json_t *)a0);
			*out = json_null();
			return 0;
		}
		if (strcmp(m, "pop") == 0 && json_is_string(a0)) {
			json_t *v = json_object_get(self, json_string_value(a0));
			*out = json_incref(v ? v : (a1 ? (json_t *)a1 : json_null()));
			json_object_del(self, json_string_value(a0));
			return 0;
		}
	}
	if (json_is_array(self)) {
		if (strcmp(m, "append") == 0 && a0) {
			json_array_append(self, (json_t *)a0);
			*out = json_null();
			return 0;
		}
		if (strcmp(m, "extend") == 0 && json_is_array(a0)) {
			json_array_extend(self, (json_t *)a0);
			*out = json_null();
			return 0;
		}
		if (strcmp(m, "pop") == 0 && json_array_size(self) > 0) {
			size_t i = json_array_size(self) - 1;
			*out = json_incref(json_array_get(self, i));
			json_array_remove(self, i);
			return 0;
		}
		if (strcmp(m, "index") == 0) {
			size_t i;
			json_t *v;
			json_array_foreach(self, i, v) if (equal(v, a0))
			{
				*out = json_integer((json_int_t)i);
				return 0;
			}
			return rerr(j, line, "value not in list%s%s", NULL, NULL);
		}
	}
	if (json_is_string(self)) {
		const char *s = json_string_value(self);
		size_t n = json_string_length(self);
		if (strcmp(m, "upper") == 0 || strcmp(m, "lower") == 0) {
			char *c = floe_strndup(s, n);
			if (c == NULL)
				return FLOE_ENOMEM;
			for (size_t i = 0; i < n; i++)
				c[i] = (char)(m[0] == 'u' ? toupper((unsigned char)c[i])
				                          : tolower((unsigned char)c[i]));
			*out = json_stringn(c, n);
			floe_free(c);
			return 0;
		}
		if (strcmp(m, "strip") == 0 || strcmp(m, "lstrip") == 0 ||
		    strcmp(m, "rstrip") == 0) {
			size_t a = 0, b = n;
			if (m[0] != 'r')
				while (a < b && isspace((unsigned char)s[a]))
					a++;
			if (m[0] != 'l')
				while (b > a && isspace((unsigned char)s[b - 1]))
					b--;
			*out = json_stringn(s + a, b - a);
			return 0;
		}
		if ((strcmp(m, "startswith") == 0 || strcmp(m, "endswith") == 0) &&
		    json_is_string(a0)) {
			*out = json_boolean(m[0] == 's'
			                        ? floe_str_starts_with(s, json_string_value(a0))
			                        : floe_str_ends_with(s, json_string_value(a0)));
			return 0;
		}
		if (strcmp(m, "split") == 0) {
			const char *sep = json_is_string(a0) ? json_string_value(a0) : " ";
			size_t sl = strlen(sep);
			json_t *r = json_array();
			const char *p = s;
			for (;;) {
				const char *q = sl ? strstr(p, sep) : NULL;
				if (q == NULL) {
					json_array_append_new(r, json_string(p));
					break;
				}
				json_array_append_new(r, json_stringn(p, (size_t)(q - p)));
				p = q + sl;
			}
			*out = r;
			return 0;
		}
		if (strcmp(m, "replace") == 0 && json_is_string(a0) && json_is_string(a1)) {
			floe_buf b = FLOE_BUF_INIT;
			const char *from = json_string_value(a0), *to = json_string_value(a1),
			           *p = s;
			size_t fl = strlen(from);
			while (fl && *p) {
				const char *q = strstr(p, from);
				if (q == NULL)
					break;
				floe_buf_put(&b, p, (size_t)(q - p));
				floe_buf_puts(&b, to);
				p = q + fl;
			}
			floe_buf_puts(&b, p);
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
			floe_buf_free(&b);
			return 0;
		}
		if (strcmp(m, "join") == 0 && json_is_array(a0)) {
			floe_buf b = FLOE_BUF_INIT;
			size_t i;
			json_t *v;
			json_array_foreach(a0, i, v)
			{
				if (i)
					floe_buf_puts(&b, s);
				put_value(&b, v, false);
			}
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
			floe_buf_free(&b);
			return 0;
		}
		if (strcmp(m, "format") == 0) { /* "{}".format(x): positional {} only */
			floe_buf b = FLOE_BUF_INIT;
			size_t ai = 0;
			for (const char *p = s; *p; p++) {
				if (p[0] == '{' && p[1] == '}') {
					put_value(&b, json_array_get(args, ai++), false);
					p++;
				} else {
					floe_buf_putc(&b, *p);
				}
			}
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
			floe_buf_free(&b);
			return 0;
		}
	}
	return rerr(j, line, "no method '%s' on this value%s", m, NULL);
}

int jj_filter(json_t **out, floe_jinja *j, int line, const char *name, json_t *v, json_t *args,
              json_t *kwargs);
int jj_test(bool *out, floe_jinja *j, int line, const char *name, const json_t *v,
            const json_t *args);

static int eval_call(json_t **out, floe_jinja *j, const jj_expr *e)
{
	json_t *args = NULL, *kwargs = NULL, *callee = NULL, *self = NULL;
	const char *what = e->a->kind == JE_NAME   ? e->a->name
	                   : e->a->kind == JE_ATTR ? e->a->name
	                                           : "?";
	int rc, kind;
	size_t idx;
	if ((rc = eval_args(j, e, 0, &args, &kwargs)) != 0)
		return rc;
	if (e->a->kind == JE_ATTR) {
		/* a method on a value, unless the attribute itself is callable */
		if ((rc = eval(&self, j, e->a->a)) != 0)
			goto done;
		callee =
		    json_is_object(self) ? json_incref(json_object_get(self, e->a->name)) : NULL;
		if (!is_callable(callee, &kind, &idx) && self != NULL) {
			rc = method(out, j, e->line, self, e->a->name, args);
			goto done;
		}
	} else {
		if ((rc = eval(&callee, j, e->a)) != 0)
			goto done;
	}
	rc = call_value(out, j, e->line, callee, what, args, kwargs);
done:
	json_decref(callee);
	json_decref(self);
	json_decref(args);
	json_decref(kwargs);
	return rc;
}

static int eval(json_t **out, floe_jinja *j, const jj_expr *e)
{
	json_t *a = NULL, *b = NULL;
	int rc = 0;
	*out = NULL;
	switch (e->kind) {
	case JE_LIT: *out = json_incref(e->lit); return 0;
	case JE_NAME: *out = lookup(j, e->name); return 0;
	case JE_ATTR:
		if ((rc = eval(&a, j, e->a)) != 0)
			return rc;
		if (json_is_object(a))
			*out = json_incref(json_object_get(a, e->name));
		else if (json_is_array(a) && isdigit((unsigned char)e->name[0]))
			*out = json_incref(json_array_get(a, (size_t)strtoul(e->name, NULL, 10)));
		json_decref(a);
		return 0;
	case JE_INDEX:
		if ((rc = eval(&a, j, e->a)) == 0 && (rc = eval(&b, j, e->b)) == 0) {
			if (json_is_object(a) && json_is_string(b)) {
				*out = json_incref(json_object_get(a, json_string_value(b)));
			} else if ((json_is_array(a) || json_is_string(a)) && json_is_integer(b)) {
				json_int_t i = json_integer_value(b);
				json_int_t n = json_is_array(a) ? (json_int_t)json_array_size(a)
				                                : (json_int_t)json_string_length(a);
				if (i < 0)
					i += n;
				if (i >= 0 && i < n)
					*out = json_is_array(a)
					           ? json_incref(json_array_get(a, (size_t)i))
					           : json_stringn(json_string_value(a) + i, 1);
			}
		}
		break;
	case JE_SLICE: {
		json_t *c = NULL;
		if ((rc = eval(&a, j, e->a)) == 0 && (!e->b || (rc = eval(&b, j, e->b)) == 0) &&
		    (!e->c || (rc = eval(&c, j, e->c)) == 0)) {
			json_int_t n = json_is_array(a)    ? (json_int_t)json_array_size(a)
			               : json_is_string(a) ? (json_int_t)json_string_length(a)
			                                   : 0;
			json_int_t lo = b ? json_integer_value(b) : 0,
			           hi = c ? json_integer_value(c) : n;
			if (lo < 0)
				lo += n;
			if (hi < 0)
				hi += n;
			lo = lo < 0 ? 0 : lo > n ? n : lo;
			hi = hi < lo ? lo : hi > n ? n : hi;
			if (json_is_string(a)) {
				*out = json_stringn(json_string_value(a) + lo, (size_t)(hi - lo));
			} else {
				*out = json_array();
				for (json_int_t i = lo; i < hi; i++)
					json_array_append(*out, json_array_get(a, (size_t)i));
			}
		}
		json_decref(c);
		break;
	}
	case JE_CALL: return eval_call(out, j, e);
	case JE_FILTER: {
		json_t *args = NULL, *kwargs = NULL;
		if ((rc = eval(&a, j, e->a)) == 0 &&
		    (rc = eval_args(j, e, 0, &args, &kwargs)) == 0) {
			rc = jj_filter(out, j, e->line, e->name, a, args, kwargs);
			json_decref(args);
			json_decref(kwargs);
		}
		break;
	}
	case JE_TEST: {
		json_t *args = NULL, *kwargs = NULL;
		bool r = false;
		if ((rc = eval(&a, j, e->a)) == 0 &&
		    (rc = eval_args(j, e, 0, &args, &kwargs)) == 0) {
			rc = jj_test(&r, j, e->line, e->name, a, args);
			json_decref(args);
			json_decref(kwargs);
		}
		if (rc == 0)
			*out = json_boolean(e->negate ? !r : r);
		break;
	}
	case JE_BIN:
		if (strcmp(e->op, "and") == 0 || strcmp(e->op, "or") == 0) {
			/* Python semantics: return the deciding operand */
			if ((rc = eval(&a, j, e->a)) != 0)
				return rc;
			if (floe_jinja_truthy(a) == (e->op[0] == 'o')) {
				*out = a ? a : json_null();
				return 0;
			}
			json_decref(a);
			return eval(out, j, e->b);
		}
		if ((rc = eval(&a, j, e->a)) == 0 && (rc = eval(&b, j, e->b)) == 0)
			rc = binop(out, j, e, a, b);
		break;
	case JE_NOT:
		if ((rc = eval(&a, j, e->a)) == 0)
			*out = json_boolean(!floe_jinja_truthy(a));
		break;
	case JE_NEG: {
		double d;
		if ((rc = eval(&a, j, e->a)) != 0)
			break;
		if (json_is_integer(a))
			*out = json_integer(-json_integer_value(a));
		else if (num(a, &d))
			*out = json_real(-d);
		else
			rc = rerr(j, e->line, "unary minus needs a number%s%s", NULL, NULL);
		break;
	}
	case JE_LIST:
		*out = json_array();
		for (size_t i = 0; rc == 0 && i < e->nargs; i++) {
			json_t *v = NULL;
			if ((rc = eval(&v, j, e->args[i])) == 0)
				json_array_append_new(*out, v ? v : json_null());
		}
		break;
	case JE_DICT:
		*out = json_object();
		for (size_t i = 0; rc == 0 && i + 1 < e->nargs; i += 2) {
			json_t *k = NULL, *v = NULL, *ks = NULL;
			if ((rc = eval(&k, j, e->args[i])) == 0 &&
			    (rc = eval(&v, j, e->args[i + 1])) == 0) {
				ks = to_string(k);
				json_object_set_new(*out, json_string_value(ks),
				                    v ? v : json_null());
				v = NULL;
			}
			json_decref(k);
			json_decref(v);
			json_decref(ks);
		}
		break;
	case JE_COND:
		if ((rc = eval(&a, j, e->b)) != 0)
			return rc;
		rc = floe_jinja_truthy(a) ? eval(out, j, e->a) : e->c ? eval(out, j, e->c) : 0;
		break;
	}
	json_decref(a);
	json_decref(b);
	if (rc) {
		json_decref(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- statements ---- */

static int out_value(floe_jinja *j, floe_buf *out, const json_t *v)
{
	int rc = put_value(out, v, false);
	if (rc == 0 && out->len > MAX_OUTPUT)
		rc = floe_error_set(FLOE_EINVAL, "%s: rendered output is too large", j->tname);
	return rc;
}

static int render_for(floe_jinja *j, const jj_node *n, floe_buf *out)
{
	json_t *it = NULL, *items, *loop = NULL, *scope;
	size_t count, done = 0;
	int rc = eval(&it, j, n->e);
	if (rc)
		return rc;
	if (json_is_object(it)) { /* iterating a dict gives its keys */
		const char *k;
		json_t *v;
		items = json_array();
		json_object_foreach(it, k, v) json_array_append_new(items, json_string(k));
	} else if (json_is_array(it)) {
		items = json_incref(it);
	} else if (json_is_string(it)) {
		items = json_array();
		for (size_t i = 0; i < json_string_length(it); i++)
			json_array_append_new(items, json_stringn(json_string_value(it) + i, 1));
	} else if (it == NULL || json_is_null(it)) {
		items = json_array();
	} else {
		json_decref(it);
		return rerr(j, n->line, "cannot iterate over this value%s%s", NULL, NULL);
	}
	json_decref(it);
	count = json_array_size(items);
	if ((scope = json_object()) == NULL || push_scope(j, scope) != 0) {
		json_decref(items);
		return FLOE_ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < count && !j->returned; i++) {
		json_t *v = json_array_get(items, i);
		if (n->nparams == 1) {
			json_object_set(scope, n->params[0], v);
		} else {
			for (size_t k = 0; k < n->nparams; k++)
				json_object_set(scope, n->params[k],
				                json_array_get(v, k) ? json_array_get(v, k)
				                                     : json_null());
		}
		if (n->e2) {
			json_t *c = NULL;
			if ((rc = eval(&c, j, n->e2)) != 0)
				break;
			bool keep = floe_jinja_truthy(c);
			json_decref(c);
			if (!keep)
				continue;
		}
		loop = json_pack("{s:I,s:I,s:b,s:b,s:I,s:I,s:I}", "index", (json_int_t)i + 1,
		                 "index0", (json_int_t)i, "first", i == 0, "last", i + 1 == count,
		                 "length", (json_int_t)count, "revindex", (json_int_t)(count - i),
		                 "revindex0", (json_int_t)(count - i - 1));
		json_object_set_new(scope, "loop", loop);
		rc = render_nodes(j, n->body, out);
		done++;
	}
	pop_scope(j);
	json_decref(items);
	if (rc == 0 && done == 0 && n->else_body)
		rc = render_nodes(j, n->else_body, out);
	return rc;
}

static int register_macro(floe_jinja *j, const jj_node *n)
{
	jj_macro *g = floe_realloc(j->macros, (j->nmacros + 1) * sizeof(*g));
	if (g == NULL)
		return FLOE_ENOMEM;
	j->macros = g;
	g[j->nmacros].name = floe_strdup(n->name);
	g[j->nmacros].def = (jj_node *)n;
	if (g[j->nmacros].name == NULL)
		return FLOE_ENOMEM;
	j->nmacros++;
	return 0;
}

static int render_nodes(floe_jinja *j, const jj_node *n, floe_buf *out)
{
	int rc = 0;
	for (; n && rc == 0 && !j->returned; n = n->next) {
		json_t *v = NULL;
		switch (n->kind) {
		case JN_TEXT: rc = floe_buf_put(out, n->text, n->len); break;
		case JN_OUT:
			if ((rc = eval(&v, j, n->e)) == 0)
				rc = out_value(j, out, v);
			break;
		case JN_IF:
			if ((rc = eval(&v, j, n->e)) != 0)
				break;
			rc = render_nodes(j, floe_jinja_truthy(v) ? n->body : n->else_body, out);
			break;
		case JN_FOR: rc = render_for(j, n, out); break;
		case JN_SET:
			if ((rc = eval(&v, j, n->e)) != 0)
				break;
			if (n->attr) { /* ns.attr = v (namespace objects) */
				json_t *ns = lookup(j, n->params[0]);
				if (json_is_object(ns))
					json_object_set(ns, n->attr, v ? v : json_null());
				else
					rc = rerr(j, n->line, "'%s' is not a namespace%s",
					          n->params[0], NULL);
				json_decref(ns);
			} else if (n->nparams == 1) {
				rc = set_var(j, n->params[0], json_incref(v));
			} else {
				for (size_t k = 0; rc == 0 && k < n->nparams; k++)
					rc = set_var(j, n->params[k],
					             json_incref(json_array_get(v, k)));
			}
			break;
		case JN_SETBLOCK: {
			floe_buf b = FLOE_BUF_INIT;
			if ((rc = render_nodes(j, n->body, &b)) == 0)
				rc = set_var(j, n->params[0],
				             json_stringn(b.ptr ? b.ptr : "", b.len));
			floe_buf_free(&b);
			break;
		}
		case JN_MACRO: rc = register_macro(j, n); break;
		case JN_MATERIALIZATION:
			floe_log(FLOE_LOG_WARN,
			         "%s:%d: materialization %s is defined in the project; floe uses "
			         "its own",
			         j->tname, n->line, n->name ? n->name : "?");
			break;
		case JN_DOCS: {
			floe_buf b = FLOE_BUF_INIT;
			if ((rc = render_nodes(j, n->body, &b)) == 0 && n->name)
				json_object_set_new(j->docs, n->name,
				                    json_stringn(b.ptr ? b.ptr : "", b.len));
			floe_buf_free(&b);
			break;
		}
		case JN_CALLBLOCK:
			if (j->ncallers == MAX_DEPTH) {
				rc = rerr(j, n->line, "call blocks nested too deeply%s%s", NULL,
				          NULL);
				break;
			}
			j->callers[j->ncallers].body = n->body;
			j->callers[j->ncallers].scope_depth = j->nscopes;
			{
				json_t *scope = json_object();
				json_object_set_new(scope, "caller",
				                    callable(K_CALLER, (size_t)j->ncallers));
				j->ncallers++;
				if ((rc = push_scope(j, scope)) == 0) {
					rc = eval(&v, j, n->e);
					pop_scope(j);
				}
				j->ncallers--;
			}
			if (rc == 0)
				rc = out_value(j, out, v);
			break;
		case JN_DO: rc = eval(&v, j, n->e); break;
		}
		json_decref(v);
	}
	return rc;
}

/* ---- public API ---- */

static int fn_return(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                     void *ud)
{
	json_decref(j->ret);
	j->ret = json_incref(json_array_get(args, 0));
	if (j->ret == NULL)
		j->ret = json_null();
	j->returned = true;
	*out = json_null();
	return 0;
}

int jj_builtins(floe_jinja *j);

int floe_jinja_new(floe_jinja **out)
{
	floe_jinja *j = floe_calloc(1, sizeof(*j));
	int rc;
	*out = NULL;
	if (j == NULL)
		return FLOE_ENOMEM;
	j->globals = json_object();
	j->docs = json_object();
	if (j->globals == NULL || j->docs == NULL) {
		floe_jinja_free(j);
		return FLOE_ENOMEM;
	}
	rc = floe_jinja_register(j, "return", fn_return, NULL);
	if (rc == 0)
		rc = jj_builtins(j);
	if (rc) {
		floe_jinja_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

void floe_jinja_free(floe_jinja *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nfns; i++)
		floe_free(j->fns[i].name);
	for (size_t i = 0; i < j->nmacros; i++)
		floe_free(j->macros[i].name);
	for (size_t i = 0; i < j->ntpls; i++)
		jj_template_free(j->tpls[i]);
	while (j->nscopes > 0)
		pop_scope(j);
	json_decref(j->ret);
	floe_free(j->fns);
	floe_free(j->macros);
	floe_free(j->tpls);
	json_decref(j->globals);
	json_decref(j->docs);
	floe_free(j);
}

int floe_jinja_register(floe_jinja *j, const char *name, floe_jinja_fn fn, void *userdata)
{
	jj_fn *g = floe_realloc(j->fns, (j->nfns + 1) * sizeof(*g));
	const char *dot = strchr(name, '.');
	json_t *c;
	if (g == NULL)
		return FLOE_ENOMEM;
	j->fns = g;
	if ((g[j->nfns].name = floe_strdup(name)) == NULL)
		return FLOE_ENOMEM;
	g[j->nfns].fn = fn;
	g[j->nfns].ud = userdata;
	c = callable(K_FN, j->nfns);
	j->nfns++;
	if (dot == NULL)
		return json_object_set_new(j->globals, name, c) ? FLOE_ENOMEM : 0;
	{
		char *obj = floe_strndup(name, (size_t)(dot - name));
		json_t *o = obj ? json_object_get(j->globals, obj) : NULL;
		int rc = 0;
		if (obj == NULL) {
			json_decref(c);
			return FLOE_ENOMEM;
		}
		if (!json_is_object(o)) {
			o = json_object();
			json_object_set_new(j->globals, obj, o);
		}
		if (json_object_set_new(o, dot + 1, c))
			rc = FLOE_ENOMEM;
		floe_free(obj);
		return rc;
	}
}

int floe_jinja_set_global(floe_jinja *j, const char *name, const json_t *value)
{
	return json_object_set_new(j->globals, name, json_deep_copy(value)) ? FLOE_ENOMEM : 0;
}

static int keep_template(floe_jinja *j, jj_template *t)
{
	jj_template **g = floe_realloc(j->tpls, (j->ntpls + 1) * sizeof(*g));
	if (g == NULL) {
		jj_template_free(t);
		return FLOE_ENOMEM;
	}
	j->tpls = g;
	g[j->ntpls++] = t;
	return 0;
}

static int run(floe_jinja *j, jj_template *t, floe_buf *out)
{
	const char *saved = j->tname;
	json_t *scope = json_object();
	int rc;
	j->tname = t->name;
	j->returned = false;
	if ((rc = push_scope(j, scope)) != 0)
		return rc;
	rc = render_nodes(j, t->root, out);
	pop_scope(j);
	j->returned = false;
	json_decref(j->ret);
	j->ret = NULL;
	j->tname = saved;
	return rc;
}

int floe_jinja_load_macros(floe_jinja *j, const char *text, const char *name)
{
	jj_template *t = NULL;
	floe_buf sink = FLOE_BUF_INIT;
	int rc = jj_parse(&t, text, name);
	if (rc)
		return rc;
	if ((rc = keep_template(j, t)) != 0)
		return rc;
	/* only the definitions: macros and docs blocks at the top level */
	for (jj_node *n = t->root; rc == 0 && n; n = n->next) {
		if (n->kind == JN_MACRO)
			rc = register_macro(j, n);
		else if (n->kind == JN_DOCS || n->kind == JN_MATERIALIZATION) {
			const char *saved = j->tname;
			jj_node *next = n->next;
			n->next = NULL;
			j->tname = t->name;
			rc = render_nodes(j, n, &sink);
			j->tname = saved;
			n->next = next;
		}
	}
	floe_buf_free(&sink);
	return rc;
}

bool floe_jinja_has_macro(const floe_jinja *j, const char *name)
{
	for (size_t i = 0; i < j->nmacros; i++)
		if (strcmp(j->macros[i].name, name) == 0)
			return true;
	return false;
}

int floe_jinja_render(floe_jinja *j, const char *text, const char *name, floe_buf *out)
{
	jj_template *t = NULL;
	int rc = jj_parse(&t, text, name);
	if (rc)
		return rc;
	/* kept alive: macros defined by this template may be called later */
	if ((rc = keep_template(j, t)) != 0)
		return rc;
	return run(j, t, out);
}

int floe_jinja_call(json_t **result, floe_jinja *j, const char *name, const json_t *args)
{
	return floe_jinja_call_kw(result, j, name, args, NULL);
}

/* for the built-ins in jinja_lib.c */
int jj_call(json_t **out, floe_jinja *j, int line, const json_t *callee, json_t *args)
{
	json_t *kw = json_object();
	int rc = call_value(out, j, line, callee, "filter", args, kw);
	json_decref(kw);
	return rc;
}

int jj_error(floe_jinja *j, int line, const char *fmt, const char *a)
{
	return rerr(j, line, fmt, a, NULL);
}

json_t *jj_to_string(const json_t *v)
{
	return to_string(v);
}
bool jj_equal(const json_t *a, const json_t *b)
{
	return equal(a, b);
}
int jj_compare(floe_jinja *j, int line, const json_t *a, const json_t *b, int *out)
{
	return compare(j, line, a, b, out);
}
json_t *jj_docs(floe_jinja *j)
{
	return j->docs;
}

json_t *floe_jinja_lookup(floe_jinja *j, const char *name)
{
	return lookup(j, name);
}

size_t floe_jinja_macro_count(const floe_jinja *j)
{
	return j->nmacros;
}
const char *floe_jinja_macro_name(const floe_jinja *j, size_t i)
{
	return i < j->nmacros ? j->macros[i].name : NULL;
}

int floe_jinja_call_kw(json_t **result, floe_jinja *j, const char *name, const json_t *args,
                       const json_t *kwargs)
{
	json_t *callee = lookup(j, name), *a = args ? json_copy((json_t *)args) : json_array();
	json_t *kw = kwargs ? json_copy((json_t *)kwargs) : json_object();
	const char *saved = j->tname;
	int rc;
	j->tname = name;
	rc = call_value(result, j, 0, callee, name, a, kw);
	j->tname = saved;
	json_decref(callee);
	json_decref(a);
	json_decref(kw);
	return rc;
}

const json_t *floe_jinja_docs(const floe_jinja *j)
{
	return j->docs;
}
