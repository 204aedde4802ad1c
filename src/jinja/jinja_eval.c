/*
 * Jinja templates, second half: evaluation. Values are jansson values
 * (jinja_value.c); NULL stands for Jinja's "undefined". Callables
 * (registered C functions, macros, caller) are objects carrying a marker
 * key. Macros belong to a package and to the template that defined them;
 * a name resolves as dbt resolves it (locals, the same template's macros,
 * the root project's macros, the context, dbt's own macros, the current
 * package, any package). Calls take positional, keyword, *list and
 * **dict arguments; macros see only their parameters, varargs, kwargs and
 * caller; objects with a class get the methods registered for it.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

#define BUILTIN_PKG "dbt"

static int eval(json_t **out, floe_jinja *j, const jj_expr *e);
static int render_nodes(floe_jinja *j, const jj_node *n, floe_buf *out);

/* fmt is always one of this layer's literals with at most two %s */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
int jj_error2(floe_jinja *j, int line, const char *fmt, const char *a, const char *b)
{
	char msg[512];
	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
	return floe_error_set(FLOE_EINVAL, "%s:%d: %s", j->tname ? j->tname : "template", line,
	                      msg);
}
#pragma GCC diagnostic pop

int jj_error(floe_jinja *j, int line, const char *fmt, const char *a)
{
	return jj_error2(j, line, fmt, a, NULL);
}

json_t *jj_callable(int kind, size_t idx)
{
	return json_pack("{s:I}", JJ_MARK, (json_int_t)(kind << 24 | (int)idx));
}

bool jj_is_callable(const json_t *v, int *kind, size_t *idx)
{
	const json_t *m = json_is_object(v) ? json_object_get(v, JJ_MARK) : NULL;
	if (!json_is_integer(m))
		return false;
	*kind = (int)(json_integer_value(m) >> 24);
	*idx = (size_t)(json_integer_value(m) & 0xFFFFFF);
	return true;
}

/* ---- packages and macro lookup ---- */

/* the interned name of a package (added when `add`); NULL for the root */
static const char *intern_pkg(floe_jinja *j, const char *pkg, bool add)
{
	char **g;
	if (pkg == NULL || (j->root && strcmp(pkg, j->root) == 0))
		return NULL;
	for (size_t i = 0; i < j->npkgs; i++)
		if (strcmp(j->pkgs[i], pkg) == 0)
			return j->pkgs[i];
	if (!add || (g = floe_realloc(j->pkgs, (j->npkgs + 1) * sizeof(*g))) == NULL)
		return NULL;
	j->pkgs = g;
	if ((g[j->npkgs] = floe_strdup(pkg)) == NULL)
		return NULL;
	return g[j->npkgs++];
}

enum { IN_TEMPLATE, IN_PACKAGE, ANYWHERE };

/* the newest macro of that name matching the rule, or -1 */
static long find_macro(const floe_jinja *j, const char *name, int rule, const char *pkg)
{
	const json_t *ix = json_object_get(j->macro_index, name);
	for (size_t k = json_array_size(ix); k-- > 0;) {
		size_t i = (size_t)json_integer_value(json_array_get(ix, k));
		const jj_macro *m = &j->macros[i];
		if (rule == ANYWHERE || (rule == IN_PACKAGE && m->pkg == pkg) ||
		    (rule == IN_TEMPLATE && m->tpl == j->cur_tpl))
			return (long)i;
	}
	return -1;
}

static json_t *lookup(floe_jinja *j, const char *name)
{
	const char *builtin = intern_pkg(j, BUILTIN_PKG, false);
	json_t *v;
	long m;
	for (int i = j->nscopes - 1; i >= j->scope_base; i--)
		if ((v = json_object_get(j->scopes[i], name)) != NULL)
			return v == j->undef ? NULL : json_incref(v);
	/* a macro also sees the top level of its own template */
	if (j->run_scope >= 0 && j->run_scope < j->scope_base && j->cur_tpl == j->run_tpl &&
	    (v = json_object_get(j->scopes[j->run_scope], name)) != NULL)
		return v == j->undef ? NULL : json_incref(v);
	if (j->cur_tpl && (m = find_macro(j, name, IN_TEMPLATE, NULL)) >= 0)
		return jj_callable(JJ_K_MACRO, (size_t)m);
	/* the root project's macros override the context (dbt's builtins.ref) */
	if ((m = find_macro(j, name, IN_PACKAGE, NULL)) >= 0)
		return jj_callable(JJ_K_MACRO, (size_t)m);
	if ((v = json_object_get(j->globals, name)) != NULL)
		return json_incref(v);
	if ((builtin && (m = find_macro(j, name, IN_PACKAGE, builtin)) >= 0) ||
	    (j->cur_pkg && (m = find_macro(j, name, IN_PACKAGE, j->cur_pkg)) >= 0) ||
	    (m = find_macro(j, name, ANYWHERE, NULL)) >= 0)
		return jj_callable(JJ_K_MACRO, (size_t)m);
	return NULL;
}

/* ---- scopes ---- */

static int push_scope(floe_jinja *j, json_t *scope)
{
	if (scope == NULL)
		return FLOE_ENOMEM;
	if (j->nscopes == JJ_MAX_SCOPES) {
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

/* {% set %}: an undefined value stays undefined (it prints nothing) */
static int set_var(floe_jinja *j, const char *name, json_t *v)
{
	json_t *top = j->nscopes ? j->scopes[j->nscopes - 1] : j->globals;
	return json_object_set_new(top, name, v ? v : json_incref(j->undef)) ? FLOE_ENOMEM : 0;
}

/* ---- calls ---- */

static int call_value(json_t **out, floe_jinja *j, int line, const json_t *callee, const char *what,
                      json_t *args, json_t *kwargs, int caller);

/* bind a macro's parameters: positional, then by name, then defaults */
static int bind_params(floe_jinja *j, const jj_node *def, json_t *scope, json_t *args, json_t *kw)
{
	json_t *varargs = json_array();
	int rc = 0;
	if (varargs == NULL)
		return FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < def->nparams; i++) {
		json_t *v = NULL;
		if (i < json_array_size(args)) {
			v = json_incref(json_array_get(args, i));
			json_object_del(kw, def->params[i]);
		} else if ((v = json_object_get(kw, def->params[i])) != NULL) {
			json_incref(v);
			json_object_del(kw, def->params[i]);
		} else if (def->defaults[i]) {
			rc = eval(&v, j, def->defaults[i]);
		}
		/* a parameter not given is undefined, and still hides outer names */
		json_object_set_new(scope, def->params[i], v ? v : json_incref(j->undef));
	}
	for (size_t i = def->nparams; i < json_array_size(args); i++)
		json_array_append(varargs, json_array_get(args, i));
	json_object_set_new(scope, "varargs", varargs);
	json_object_set(scope, "kwargs", kw);
	return rc;
}

static int render_macro(json_t **out, floe_jinja *j, const jj_macro *m, json_t *args,
                        json_t *kwargs, int caller)
{
	const jj_node *def = m->def;
	json_t *scope = json_object(), *kw = json_copy(kwargs);
	floe_buf b = FLOE_BUF_INIT;
	const char *saved_name = j->tname, *saved_pkg = j->cur_pkg;
	const jj_template *saved_tpl = j->cur_tpl;
	int saved_base = j->scope_base, rc;
	bool was_returned = j->returned;
	json_t *was_ret = j->ret;
	if (scope == NULL || kw == NULL) {
		rc = FLOE_ENOMEM;
		goto fail;
	}
	if (j->depth >= JJ_MAX_DEPTH) {
		rc = jj_error(j, def->line, "macro %s: calls nested too deeply", def->name);
		goto fail;
	}
	/* a macro sees its own template, not the caller's locals */
	j->scope_base = j->nscopes;
	j->cur_pkg = m->pkg;
	j->cur_tpl = m->tpl;
	j->tname = m->tpl ? m->tpl->name : saved_name;
	if (caller >= 0)
		json_object_set_new(scope, "caller", jj_callable(JJ_K_CALLER, (size_t)caller));
	if ((rc = bind_params(j, def, scope, args, kw)) != 0)
		goto fail;
	rc = push_scope(j, scope);
	scope = NULL;
	if (rc)
		goto fail;
	j->depth++;
	j->returned = false;
	j->ret = NULL;
	rc = render_nodes(j, def->body, &b);
	j->depth--;
	pop_scope(j);
	if (rc == 0) {
		if (j->returned)
			*out = j->ret ? j->ret : json_null();
		else
			*out = json_stringn(b.ptr ? b.ptr : "", b.len);
		j->ret = NULL;
	}
	json_decref(j->ret);
	j->returned = was_returned;
	j->ret = was_ret;
fail:
	j->scope_base = saved_base;
	j->cur_pkg = saved_pkg;
	j->cur_tpl = saved_tpl;
	j->tname = saved_name;
	floe_buf_free(&b);
	json_decref(scope);
	json_decref(kw);
	return rc;
}

/* caller(): the call block's body, rendered where the block stood (its
 * scopes, not the called macro's), with `{% call(a, b) %}` parameters */
static int run_caller(json_t **out, floe_jinja *j, size_t idx, json_t *args)
{
	const jj_caller *c = &j->callers[idx];
	int hidden = j->nscopes - c->scope_top, saved_base = j->scope_base, rc;
	const char *saved_pkg = j->cur_pkg, *saved_name = j->tname;
	const jj_template *saved_tpl = j->cur_tpl;
	json_t **keep = floe_calloc((size_t)(hidden > 0 ? hidden : 1), sizeof(json_t *));
	json_t *scope = json_object();
	floe_buf b = FLOE_BUF_INIT;
	if (keep == NULL || scope == NULL || hidden < 0) {
		floe_free(keep);
		json_decref(scope);
		return FLOE_ENOMEM;
	}
	for (size_t i = 0; i < c->node->nparams; i++)
		json_object_set(scope, c->node->params[i],
		                json_array_get(args, i) ? json_array_get(args, i) : json_null());
	memcpy(keep, j->scopes + c->scope_top, (size_t)hidden * sizeof(json_t *));
	j->nscopes = c->scope_top;
	j->scope_base = c->scope_base;
	j->cur_pkg = c->pkg;
	j->cur_tpl = c->tpl;
	j->tname = c->tpl ? c->tpl->name : saved_name;
	if ((rc = push_scope(j, scope)) == 0) {
		rc = render_nodes(j, c->node->body, &b);
		pop_scope(j);
	}
	memcpy(j->scopes + c->scope_top, keep, (size_t)hidden * sizeof(json_t *));
	j->nscopes = c->scope_top + hidden;
	j->scope_base = saved_base;
	j->cur_pkg = saved_pkg;
	j->cur_tpl = saved_tpl;
	j->tname = saved_name;
	if (rc == 0 && (*out = json_stringn(b.ptr ? b.ptr : "", b.len)) == NULL)
		rc = FLOE_ENOMEM;
	floe_buf_free(&b);
	floe_free(keep);
	return rc;
}

static int call_value(json_t **out, floe_jinja *j, int line, const json_t *callee, const char *what,
                      json_t *args, json_t *kwargs, int caller)
{
	int kind;
	size_t idx;
	*out = NULL;
	if (callee == NULL)
		return jj_error(j, line, "'%s' is undefined", what);
	if (!jj_is_callable(callee, &kind, &idx))
		return jj_error(j, line, "'%s' is not callable", what);
	if (kind == JJ_K_FN && idx < j->nfns) {
		int rc = j->fns[idx].fn(out, j, args, kwargs, j->fns[idx].ud);
		if (rc) {
			json_decref(*out);
			*out = NULL;
			return floe_error_prefix("%s:%d: %s(): ", j->tname, line, j->fns[idx].name);
		}
		if (*out == NULL)
			*out = json_null();
		return 0;
	}
	if (kind == JJ_K_MACRO && idx < j->nmacros)
		return render_macro(out, j, &j->macros[idx], args, kwargs, caller);
	if (kind == JJ_K_CALLER && (int)idx < j->ncallers)
		return run_caller(out, j, idx, args);
	return jj_error(j, line, "'%s' cannot be called here", what);
}

/* arguments: positional, name=value, *list and **dict */
static int eval_args(floe_jinja *j, const jj_expr *e, json_t **args, json_t **kwargs)
{
	int rc = 0;
	*args = json_array();
	*kwargs = json_object();
	if (*args == NULL || *kwargs == NULL)
		rc = FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < e->nargs; i++) {
		const char *kw = e->kwnames[i];
		json_t *v = NULL;
		if ((rc = eval(&v, j, e->args[i])) != 0)
			break;
		if (kw && strcmp(kw, "*") == 0) {
			json_t *items = jj_items(v);
			if (items == NULL)
				rc = jj_error(j, e->line, "*%s is not a sequence", "argument");
			else
				json_array_extend(*args, items);
			json_decref(items);
			json_decref(v);
		} else if (kw && strcmp(kw, "**") == 0) {
			const char *k;
			json_t *x;
			if (v != NULL && !json_is_object(v))
				rc = jj_error(j, e->line, "**%s is not a mapping", "argument");
			else
				json_object_foreach(v, k, x) if (!jj_hidden(k))
				    json_object_set(*kwargs, k, x);
			json_decref(v);
		} else if (kw) {
			json_object_set_new(*kwargs, kw, v ? v : json_null());
		} else {
			json_array_append_new(*args, v ? v : json_null());
		}
	}
	if (rc) {
		json_decref(*args);
		json_decref(*kwargs);
		*args = *kwargs = NULL;
	}
	return rc;
}

/* a method registered for the object's class */
static const jj_fn *class_method(const floe_jinja *j, const json_t *self, const char *m)
{
	const char *cls = json_is_object(self)
	                      ? json_string_value(json_object_get(self, FLOE_JINJA_CLASS))
	                      : NULL;
	for (size_t i = 0; cls && i < j->nfns; i++)
		if (j->fns[i].cls && strcmp(j->fns[i].cls, cls) == 0 &&
		    strcmp(j->fns[i].name, m) == 0)
			return &j->fns[i];
	return NULL;
}

static int call_method(json_t **out, floe_jinja *j, const jj_expr *e, json_t *self, json_t *args,
                       json_t *kwargs)
{
	const jj_fn *f = class_method(j, self, e->a->name);
	int rc;
	if (f) {
		json_t *all = json_pack("[O]", self);
		if (all == NULL)
			return FLOE_ENOMEM;
		json_array_extend(all, args);
		rc = f->fn(out, j, all, kwargs, f->ud);
		json_decref(all);
		if (rc) {
			json_decref(*out);
			*out = NULL;
			floe_error_prefix("%s:%d: %s(): ", j->tname, e->line, e->a->name);
		} else if (*out == NULL) {
			*out = json_null();
		}
		return rc;
	}
	rc = jj_method(out, j, e->line, self, e->a->name, args, kwargs);
	if (rc == FLOE_ENOTFOUND) {
		json_decref(*out);
		*out = NULL;
		return jj_error(j, e->line, "no method '%s' on this value", e->a->name);
	}
	return rc;
}

/* an operator on an object whose class defines it (__add__, __lt__, ...:
 * datetimes); FLOE_ENOTFOUND when it does not */
static int class_binop(json_t **out, floe_jinja *j, const jj_expr *e, json_t *a, json_t *b)
{
	static const char *ops[][2] = {{"+", "__add__"}, {"-", "__sub__"}, {"<", "__lt__"},
	                               {"<=", "__le__"}, {">", "__gt__"},  {">=", "__ge__"},
	                               {"==", "__eq__"}, {"!=", "__eq__"}};
	const jj_fn *f = NULL;
	json_t *args;
	int rc;
	for (size_t i = 0; f == NULL && i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(e->op, ops[i][0]) == 0)
			f = class_method(j, a, ops[i][1]);
	if (f == NULL)
		return FLOE_ENOTFOUND;
	if ((args = json_pack("[OO]", a, b ? b : json_null())) == NULL)
		return FLOE_ENOMEM;
	rc = f->fn(out, j, args, NULL, f->ud);
	json_decref(args);
	if (rc)
		return floe_error_prefix("%s:%d: ", j->tname, e->line);
	if (strcmp(e->op, "!=") == 0) {
		bool eq = floe_jinja_truthy(*out);
		json_decref(*out);
		*out = json_boolean(!eq);
	}
	return 0;
}

static int eval_call(json_t **out, floe_jinja *j, const jj_expr *e, int caller)
{
	json_t *args = NULL, *kwargs = NULL, *callee = NULL, *self = NULL;
	const char *what = e->a->kind == JE_NAME || e->a->kind == JE_ATTR ? e->a->name : "?";
	int rc, kind;
	size_t idx;
	*out = NULL;
	if ((rc = eval_args(j, e, &args, &kwargs)) != 0)
		return rc;
	if (e->a->kind == JE_ATTR) {
		/* a method on a value, unless the attribute itself is callable */
		if ((rc = eval(&self, j, e->a->a)) != 0)
			goto done;
		callee = json_is_object(self) && !jj_hidden(e->a->name)
		             ? json_incref(json_object_get(self, e->a->name))
		             : NULL;
		if (!jj_is_callable(callee, &kind, &idx) && self != NULL) {
			rc = call_method(out, j, e, self, args, kwargs);
			goto done;
		}
	} else if ((rc = eval(&callee, j, e->a)) != 0) {
		goto done;
	}
	rc = call_value(out, j, e->line, callee, what, args, kwargs, caller);
done:
	json_decref(callee);
	json_decref(self);
	json_decref(args);
	json_decref(kwargs);
	return rc;
}

static json_t *index_value(const json_t *a, const json_t *b)
{
	json_t *seq = jj_seq(a);
	if (json_is_object(a) && json_is_string(b))
		return jj_hidden(json_string_value(b))
		           ? NULL
		           : json_incref(json_object_get(a, json_string_value(b)));
	if (json_is_object(a) && !(seq && json_is_integer(b))) {
		/* dict literals key by text: {relation: []}[relation], {1: x}[1] */
		json_t *k = jj_to_string(b), *v;
		v = k ? json_object_get(a, json_string_value(k)) : NULL;
		json_decref(k);
		return v ? json_incref(v) : NULL;
	}
	if (seq)
		a = seq;
	if ((json_is_array(a) || json_is_string(a)) && json_is_integer(b)) {
		json_int_t i = json_integer_value(b);
		json_int_t n = json_is_array(a) ? (json_int_t)json_array_size(a)
		                                : (json_int_t)json_string_length(a);
		if (i < 0)
			i += n;
		if (i >= 0 && i < n)
			return json_is_array(a) ? json_incref(json_array_get(a, (size_t)i))
			                        : json_stringn(json_string_value(a) + i, 1);
	}
	return NULL;
}

static json_t *attr_value(const json_t *a, const char *name)
{
	json_t *v = json_is_object(a) && !jj_hidden(name) ? json_object_get(a, name) : NULL;
	if (v)
		return json_incref(v);
	if (isdigit((unsigned char)name[0])) { /* x.0 */
		json_t *ix = json_integer((json_int_t)strtol(name, NULL, 10));
		v = index_value(a, ix);
		json_decref(ix);
	}
	return v;
}

static int eval_slice(json_t **out, floe_jinja *j, const jj_expr *e)
{
	json_t *a = NULL, *b = NULL, *c = NULL, *seq;
	int rc;
	if ((rc = eval(&a, j, e->a)) == 0 && (!e->b || (rc = eval(&b, j, e->b)) == 0) &&
	    (!e->c || (rc = eval(&c, j, e->c)) == 0)) {
		json_t *s = (seq = jj_seq(a)) != NULL ? seq : a;
		json_int_t n = json_is_array(s)    ? (json_int_t)json_array_size(s)
		               : json_is_string(s) ? (json_int_t)json_string_length(s)
		                                   : 0;
		json_int_t lo = json_is_integer(b) ? json_integer_value(b) : 0,
		           hi = json_is_integer(c) ? json_integer_value(c) : n;
		if (lo < 0)
			lo += n;
		if (hi < 0)
			hi += n;
		lo = lo < 0 ? 0 : lo > n ? n : lo;
		hi = hi < lo ? lo : hi > n ? n : hi;
		if (json_is_string(s)) {
			*out = json_stringn(json_string_value(s) + lo, (size_t)(hi - lo));
		} else {
			*out = json_array();
			for (json_int_t i = lo; i < hi; i++)
				json_array_append(*out, json_array_get(s, (size_t)i));
		}
	}
	json_decref(a);
	json_decref(b);
	json_decref(c);
	return rc;
}

static int eval_expr(json_t **out, floe_jinja *j, const jj_expr *e);

/* every evaluation goes through here: the depth (JJ_MAX_EVAL, counted
 * across macro calls) bounds the C stack whatever the template */
static int eval(json_t **out, floe_jinja *j, const jj_expr *e)
{
	int rc;
	*out = NULL;
	if (j->eval_depth >= JJ_MAX_EVAL)
		return jj_error(j, e->line,
		                "expression nested too deeply (more than " JJ_STR(
		                    JJ_MAX_EVAL) " levels, counting macro calls)",
		                NULL);
	j->eval_depth++;
	rc = eval_expr(out, j, e);
	j->eval_depth--;
	return rc;
}

static int eval_expr(json_t **out, floe_jinja *j, const jj_expr *e)
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
		*out = attr_value(a, e->name);
		json_decref(a);
		return 0;
	case JE_INDEX:
		if ((rc = eval(&a, j, e->a)) == 0 && (rc = eval(&b, j, e->b)) == 0)
			*out = index_value(a, b);
		break;
	case JE_SLICE: return eval_slice(out, j, e);
	case JE_CALL: return eval_call(out, j, e, -1);
	case JE_FILTER: {
		json_t *args = NULL, *kwargs = NULL;
		if ((rc = eval(&a, j, e->a)) == 0 && (rc = eval_args(j, e, &args, &kwargs)) == 0) {
			rc = jj_filter(out, j, e->line, e->name, a, args, kwargs);
			json_decref(args);
			json_decref(kwargs);
		}
		break;
	}
	case JE_TEST: {
		json_t *args = NULL, *kwargs = NULL;
		bool r = false;
		if ((rc = eval(&a, j, e->a)) == 0 && (rc = eval_args(j, e, &args, &kwargs)) == 0) {
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
		if ((rc = eval(&a, j, e->a)) == 0 && (rc = eval(&b, j, e->b)) == 0 &&
		    (rc = class_binop(out, j, e, a, b)) == FLOE_ENOTFOUND)
			rc = jj_binop(out, j, e->line, e->op, a, b);
		break;
	case JE_NOT:
		if ((rc = eval(&a, j, e->a)) == 0)
			*out = json_boolean(!floe_jinja_truthy(a));
		break;
	case JE_NEG: {
		double d;
		if ((rc = eval(&a, j, e->a)) != 0)
			break;
		if (json_is_integer(a) && json_integer_value(a) == (json_int_t)LLONG_MIN)
			rc = jj_error(
			    j, e->line,
			    "integer overflow in unary minus (floe's integers are 64-bit)", NULL);
		else if (json_is_integer(a))
			*out = json_integer(-json_integer_value(a));
		else if (jj_num(a, &d))
			*out = json_real(-d);
		else
			rc = jj_error(j, e->line, "unary minus needs a number", NULL);
		break;
	}
	case JE_LIST:
		*out = json_array();
		for (size_t i = 0; rc == 0 && i < e->nargs; i++) {
			json_t *v = NULL;
			if ((rc = eval(&v, j, e->args[i])) == 0)
				json_array_append_new(*out, v ? v : json_null());
		}
		if (rc == 0 && jj_too_deep(*out, NULL, JJ_MAX_VALUE_DEPTH))
			rc = jj_error(
			    j, e->line,
			    "a list nested more than " JJ_STR(JJ_MAX_VALUE_DEPTH) " levels deep",
			    NULL);
		break;
	case JE_DICT:
		*out = json_object();
		for (size_t i = 0; rc == 0 && i + 1 < e->nargs; i += 2) {
			json_t *k = NULL, *v = NULL, *ks = NULL;
			if ((rc = eval(&k, j, e->args[i])) == 0 &&
			    (rc = eval(&v, j, e->args[i + 1])) == 0) {
				ks = jj_to_string(k);
				json_object_set_new(*out, json_string_value(ks),
				                    v ? v : json_null());
				v = NULL;
			}
			json_decref(k);
			json_decref(v);
			json_decref(ks);
		}
		if (rc == 0 && jj_too_deep(*out, NULL, JJ_MAX_VALUE_DEPTH))
			rc = jj_error(
			    j, e->line,
			    "a dict nested more than " JJ_STR(JJ_MAX_VALUE_DEPTH) " levels deep",
			    NULL);
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

/* what a template renders, capped as every string it makes is */
static int out_check(floe_jinja *j, int line, const floe_buf *out, int rc)
{
	if (rc == 0 && out->len > JJ_MAX_STR)
		rc = jj_error(j, line,
		              "the rendered output would be longer than " JJ_MAX_STR_TEXT
		              " (floe's limit)",
		              NULL);
	return rc;
}

static int out_value(floe_jinja *j, int line, floe_buf *out, const json_t *v)
{
	return out_check(j, line, out, jj_put_value(out, v, false));
}

static int render_for(floe_jinja *j, const jj_node *n, floe_buf *out)
{
	json_t *it = NULL, *items, *loop = NULL, *scope;
	size_t count, done = 0;
	int rc = eval(&it, j, n->e);
	if (rc)
		return rc;
	items = jj_items(it);
	json_decref(it);
	if (items == NULL)
		return jj_error(j, n->line, "cannot iterate over this value", NULL);
	count = json_array_size(items);
	if ((rc = push_scope(j, json_object())) != 0) {
		json_decref(items);
		return rc;
	}
	scope = j->scopes[j->nscopes - 1];
	for (size_t i = 0; rc == 0 && i < count && !j->returned; i++) {
		json_t *v = json_array_get(items, i);
		/* as in Jinja, what one iteration sets is gone in the next */
		json_object_clear(scope);
		if (n->nparams == 1) {
			json_object_set(scope, n->params[0], v);
		} else {
			json_t *parts = jj_items(v);
			for (size_t k = 0; k < n->nparams; k++)
				json_object_set(scope, n->params[k],
				                json_array_get(parts, k) ? json_array_get(parts, k)
				                                         : json_null());
			json_decref(parts);
		}
		if (n->e2) {
			json_t *c = NULL;
			bool keep;
			if ((rc = eval(&c, j, n->e2)) != 0)
				break;
			keep = floe_jinja_truthy(c);
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

static int register_macro(floe_jinja *j, const jj_node *n, const jj_template *tpl, const char *pkg)
{
	jj_macro *g = floe_realloc(j->macros, (j->nmacros + 1) * sizeof(*g));
	json_t *ix;
	if (g == NULL)
		return FLOE_ENOMEM;
	j->macros = g;
	g[j->nmacros].name = floe_strdup(n->name);
	g[j->nmacros].def = (jj_node *)n;
	g[j->nmacros].tpl = tpl;
	g[j->nmacros].pkg = pkg;
	if (g[j->nmacros].name == NULL)
		return FLOE_ENOMEM;
	ix = json_object_get(j->macro_index, n->name);
	if (ix == NULL) {
		ix = json_array();
		if (json_object_set_new(j->macro_index, n->name, ix))
			return FLOE_ENOMEM;
	}
	if (json_array_append_new(ix, json_integer((json_int_t)j->nmacros)))
		return FLOE_ENOMEM;
	j->nmacros++;
	return 0;
}

static int render_set(floe_jinja *j, const jj_node *n, json_t *v)
{
	int rc = 0;
	if (n->attr) { /* ns.attr = v (namespace objects) */
		json_t *ns = lookup(j, n->params[0]);
		if (json_is_object(ns) && jj_too_deep(v, ns, JJ_MAX_VALUE_DEPTH - 1))
			rc = jj_error(j, n->line,
			              "set %s: the value would nest more than " JJ_STR(
			                  JJ_MAX_VALUE_DEPTH) " levels deep or hold the namespace",
			              n->params[0]);
		else if (json_is_object(ns))
			json_object_set(ns, n->attr, v ? v : json_null());
		else
			rc = jj_error(j, n->line, "'%s' is not a namespace", n->params[0]);
		json_decref(ns);
	} else if (n->nparams == 1) {
		rc = set_var(j, n->params[0], json_incref(v));
	} else {
		json_t *parts = jj_items(v);
		for (size_t k = 0; rc == 0 && k < n->nparams; k++)
			rc = set_var(j, n->params[k], json_incref(json_array_get(parts, k)));
		json_decref(parts);
	}
	return rc;
}

static int render_callblock(floe_jinja *j, const jj_node *n, floe_buf *out)
{
	jj_caller *c;
	json_t *v = NULL;
	int rc;
	if (j->ncallers == JJ_MAX_DEPTH)
		return jj_error(j, n->line, "call blocks nested too deeply", NULL);
	if (n->e == NULL || n->e->kind != JE_CALL)
		return jj_error(j, n->line, "{%% call %%} needs a macro call", NULL);
	c = &j->callers[j->ncallers];
	c->node = n;
	c->scope_top = j->nscopes;
	c->scope_base = j->scope_base;
	c->pkg = j->cur_pkg;
	c->tpl = j->cur_tpl;
	j->ncallers++;
	rc = eval_call(&v, j, n->e, j->ncallers - 1);
	j->ncallers--;
	if (rc == 0)
		rc = out_value(j, n->line, out, v);
	json_decref(v);
	return rc;
}

static int render_nodes(floe_jinja *j, const jj_node *n, floe_buf *out)
{
	int rc = 0;
	for (; n && rc == 0 && !j->returned; n = n->next) {
		json_t *v = NULL;
		switch (n->kind) {
		case JN_TEXT:
			rc = out_check(j, n->line, out, floe_buf_put(out, n->text, n->len));
			break;
		case JN_OUT:
			if ((rc = eval(&v, j, n->e)) == 0)
				rc = out_value(j, n->line, out, v);
			break;
		case JN_IF: {
			/* an elif chain is followed here, not by recursion */
			const jj_node *c = n;
			while ((rc = eval(&v, j, c->e)) == 0 && !floe_jinja_truthy(v) &&
			       c->else_body && c->else_body->kind == JN_IF &&
			       c->else_body->next == NULL) {
				json_decref(v);
				v = NULL;
				c = c->else_body;
			}
			if (rc == 0)
				rc = render_nodes(j, floe_jinja_truthy(v) ? c->body : c->else_body,
				                  out);
			break;
		}
		case JN_FOR: rc = render_for(j, n, out); break;
		case JN_SET:
			if ((rc = eval(&v, j, n->e)) == 0)
				rc = render_set(j, n, v);
			break;
		case JN_SETBLOCK: {
			floe_buf b = FLOE_BUF_INIT;
			if ((rc = render_nodes(j, n->body, &b)) == 0)
				rc = set_var(j, n->params[0],
				             json_stringn(b.ptr ? b.ptr : "", b.len));
			floe_buf_free(&b);
			break;
		}
		case JN_MACRO: rc = register_macro(j, n, j->cur_tpl, j->cur_pkg); break;
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
		case JN_CALLBLOCK: rc = render_callblock(j, n, out); break;
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
	(void)kwargs;
	(void)ud;
	json_decref(j->ret);
	j->ret = json_incref(json_array_get(args, 0));
	if (j->ret == NULL)
		j->ret = json_null();
	j->returned = true;
	*out = json_null();
	return 0;
}

int floe_jinja_new(floe_jinja **out)
{
	floe_jinja *j = floe_calloc(1, sizeof(*j));
	int rc;
	*out = NULL;
	if (j == NULL)
		return FLOE_ENOMEM;
	j->run_scope = -1;
	j->globals = json_object();
	j->undef = json_pack("{s:b}", "\x01undefined", 1);
	j->docs = json_object();
	j->macro_index = json_object();
	if (j->globals == NULL || j->docs == NULL || j->macro_index == NULL || j->undef == NULL) {
		floe_jinja_free(j);
		return FLOE_ENOMEM;
	}
	rc = floe_jinja_register(j, "return", fn_return, NULL);
	if (rc == 0)
		rc = jj_builtins(j);
	if (rc == 0)
		rc = jj_modules(j);
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
	for (size_t i = 0; i < j->nfns; i++) {
		floe_free(j->fns[i].name);
		floe_free(j->fns[i].cls);
	}
	for (size_t i = 0; i < j->nmacros; i++)
		floe_free(j->macros[i].name);
	for (size_t i = 0; i < j->ntpls; i++)
		jj_template_free(j->tpls[i]);
	for (size_t i = 0; i < j->npkgs; i++)
		floe_free(j->pkgs[i]);
	while (j->nscopes > 0)
		pop_scope(j);
	json_decref(j->ret);
	floe_free(j->fns);
	floe_free(j->macros);
	floe_free(j->tpls);
	floe_free(j->pkgs);
	floe_free(j->root);
	json_decref(j->macro_index);
	json_decref(j->undef);
	json_decref(j->globals);
	json_decref(j->docs);
	floe_free(j);
}

static int add_fn(floe_jinja *j, const char *cls, const char *name, floe_jinja_fn fn, void *ud)
{
	jj_fn *g = floe_realloc(j->fns, (j->nfns + 1) * sizeof(*g));
	if (g == NULL)
		return FLOE_ENOMEM;
	j->fns = g;
	g[j->nfns].name = floe_strdup(name);
	g[j->nfns].cls = cls ? floe_strdup(cls) : NULL;
	g[j->nfns].fn = fn;
	g[j->nfns].ud = ud;
	if (g[j->nfns].name == NULL || (cls && g[j->nfns].cls == NULL)) {
		floe_free(g[j->nfns].name);
		floe_free(g[j->nfns].cls);
		return FLOE_ENOMEM;
	}
	j->nfns++;
	return 0;
}

int floe_jinja_register(floe_jinja *j, const char *name, floe_jinja_fn fn, void *userdata)
{
	json_t *obj = j->globals, *c;
	char *path = floe_strdup(name), *part, *dot;
	int rc;
	if (path == NULL)
		return FLOE_ENOMEM;
	if ((rc = add_fn(j, NULL, name, fn, userdata)) != 0)
		goto done;
	/* "a.b.c": the function lives in nested objects of the globals */
	for (part = path; (dot = strchr(part, '.')) != NULL; part = dot + 1) {
		json_t *o;
		*dot = '\0';
		o = json_object_get(obj, part);
		if (!json_is_object(o)) { /* a callable may carry members too */
			o = json_object();
			if (json_object_set_new(obj, part, o)) {
				rc = FLOE_ENOMEM;
				goto done;
			}
		}
		obj = o;
	}
	c = jj_callable(JJ_K_FN, j->nfns - 1);
	if (json_object_set_new(obj, part, c))
		rc = FLOE_ENOMEM;
done:
	floe_free(path);
	return rc;
}

int floe_jinja_register_method(floe_jinja *j, const char *cls, const char *name, floe_jinja_fn fn,
                               void *userdata)
{
	return add_fn(j, cls, name, fn, userdata);
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
	const char *saved = j->tname, *saved_pkg = j->cur_pkg;
	const jj_template *saved_run = j->run_tpl, *saved_tpl = j->cur_tpl;
	int saved_scope = j->run_scope, saved_base = j->scope_base, rc;
	j->tname = t->name;
	j->returned = false;
	j->scope_base = j->nscopes;
	if ((rc = push_scope(j, json_object())) == 0) {
		j->run_scope = j->nscopes - 1;
		j->run_tpl = j->cur_tpl = t;
		j->cur_pkg = NULL;
		rc = render_nodes(j, t->root, out);
		pop_scope(j);
	}
	j->returned = false;
	json_decref(j->ret);
	j->ret = NULL;
	j->tname = saved;
	j->cur_pkg = saved_pkg;
	j->cur_tpl = saved_tpl;
	j->run_tpl = saved_run;
	j->run_scope = saved_scope;
	j->scope_base = saved_base;
	return rc;
}

int floe_jinja_load_package_macros(floe_jinja *j, const char *text, const char *name,
                                   const char *pkg)
{
	jj_template *t = NULL;
	floe_buf sink = FLOE_BUF_INIT;
	const char *ipkg = intern_pkg(j, pkg, true);
	int rc;
	if (ipkg == NULL && pkg && !(j->root && strcmp(pkg, j->root) == 0))
		return FLOE_ENOMEM;
	if ((rc = jj_parse(&t, text, name)) != 0)
		return rc;
	if ((rc = keep_template(j, t)) != 0)
		return rc;
	/* only the definitions: macros and docs blocks at the top level */
	for (jj_node *n = t->root; rc == 0 && n; n = n->next) {
		if (n->kind == JN_MACRO)
			rc = register_macro(j, n, t, ipkg);
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

int floe_jinja_load_macros(floe_jinja *j, const char *text, const char *name)
{
	return floe_jinja_load_package_macros(j, text, name, NULL);
}

void floe_jinja_set_context(floe_jinja *j, void *ctx)
{
	j->ctx = ctx;
}

void *floe_jinja_context(const floe_jinja *j)
{
	return j->ctx;
}

int floe_jinja_set_root(floe_jinja *j, const char *name)
{
	char *r = floe_strdup(name);
	if (r == NULL)
		return FLOE_ENOMEM;
	floe_free(j->root);
	j->root = r;
	return 0;
}

json_t *floe_jinja_package_macro(floe_jinja *j, const char *pkg, const char *name)
{
	const char *ipkg = intern_pkg(j, pkg, false);
	long m;
	if (ipkg == NULL && pkg && !(j->root && strcmp(pkg, j->root) == 0))
		return NULL; /* no macros were loaded for that package */
	m = find_macro(j, name, IN_PACKAGE, ipkg);
	return m >= 0 ? jj_callable(JJ_K_MACRO, (size_t)m) : NULL;
}

bool floe_jinja_has_macro(const floe_jinja *j, const char *name)
{
	return find_macro(j, name, ANYWHERE, NULL) >= 0;
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

int floe_jinja_eval(json_t **result, floe_jinja *j, const char *expr, const char *name)
{
	char *text = floe_asprintf("{{ %s }}", expr);
	jj_template *t = NULL;
	const char *saved = j->tname;
	int rc;
	*result = NULL;
	if (text == NULL)
		return FLOE_ENOMEM;
	rc = jj_parse(&t, text, name);
	floe_free(text);
	if (rc)
		return rc;
	if (t->root == NULL || t->root->kind != JN_OUT || t->root->next != NULL) {
		rc = floe_error_set(FLOE_EINVAL, "%s: expected one expression", name);
	} else {
		j->tname = t->name;
		rc = eval(result, j, t->root->e);
		j->tname = saved;
		if (rc == 0 && *result == NULL)
			*result = json_null(); /* undefined */
	}
	jj_template_free(t);
	return rc;
}

int floe_jinja_call(json_t **result, floe_jinja *j, const char *name, const json_t *args)
{
	return floe_jinja_call_kw(result, j, name, args, NULL);
}

int jj_call_kw(json_t **out, floe_jinja *j, int line, const json_t *callee, json_t *args,
               json_t *kwargs)
{
	json_t *kw = kwargs ? json_incref(kwargs) : json_object();
	int rc = call_value(out, j, line, callee, "function", args, kw, -1);
	json_decref(kw);
	return rc;
}

int jj_call(json_t **out, floe_jinja *j, int line, const json_t *callee, json_t *args)
{
	return jj_call_kw(out, j, line, callee, args, NULL);
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

const char *floe_jinja_macro_package(const floe_jinja *j, size_t i)
{
	return i < j->nmacros ? j->macros[i].pkg : NULL;
}

int floe_jinja_call_value(json_t **result, floe_jinja *j, const json_t *callee, const json_t *args,
                          const json_t *kwargs)
{
	json_t *a = args ? json_copy((json_t *)args) : json_array();
	json_t *kw = kwargs ? json_copy((json_t *)kwargs) : json_object();
	int rc = call_value(result, j, 0, callee, "value", a, kw, -1);
	json_decref(a);
	json_decref(kw);
	return rc;
}

int floe_jinja_call_kw(json_t **result, floe_jinja *j, const char *name, const json_t *args,
                       const json_t *kwargs)
{
	json_t *callee = lookup(j, name), *a = args ? json_copy((json_t *)args) : json_array();
	json_t *kw = kwargs ? json_copy((json_t *)kwargs) : json_object();
	const char *saved = j->tname;
	int rc;
	j->tname = name;
	rc = call_value(result, j, 0, callee, name, a, kw, -1);
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
