/*
 * Jinja templates, first half: lexing and parsing into an AST (Jinja's
 * template designer documentation: delimiters {{ }}, {% %}, {# #} with '-'
 * whitespace control; expressions with Python-like precedence). The AST is
 * allocated from one arena per template and freed at once. Evaluation is in
 * jinja_eval.c.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jinja_internal.h"

/* ---- arena ---- */

void *jj_alloc(jj_template *t, size_t n)
{
	return floe_arena_alloc(&t->arena, n);
}

static char *jj_strndup(jj_template *t, const char *s, size_t n)
{
	char *p = jj_alloc(t, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void jj_template_free(jj_template *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nlits; i++)
		json_decref(t->lits[i]);
	floe_free(t->lits);
	floe_arena_free(&t->arena);
	floe_free(t->name);
	floe_free(t);
}

/* ---- expression tokens ---- */

typedef enum { T_END, T_NAME, T_NUM, T_STR, T_OP } tok_kind;

typedef struct {
	tok_kind kind;
	const char *s; /* into the source (T_STR: decoded copy in the arena) */
	size_t n;
} tok;

typedef struct {
	jj_template *t;
	const char *src; /* the tag's inner text */
	size_t len, pos;
	int line;
	tok cur;
	int err;
	int depth; /* nesting of the expression being parsed */
} lexer;

static int perr(lexer *lx, const char *fmt, const char *what)
{
	if (lx->err == 0)
		lx->err = floe_error_set(FLOE_EINVAL, "%s:%d: %s%s", lx->t->name, lx->line, fmt,
		                         what ? what : "");
	return lx->err;
}

/* one level deeper into an expression: false (the error set) past
 * JJ_MAX_NEST, so that no input exhausts the stack; leave() after */
static bool enter(lexer *lx)
{
	if (lx->depth < JJ_MAX_NEST) {
		lx->depth++;
		return true;
	}
	perr(lx, "expression nested too deeply (more than " JJ_STR(JJ_MAX_NEST) " levels)", NULL);
	return false;
}

static void leave(lexer *lx)
{
	lx->depth--;
}

static void advance(lexer *lx)
{
	const char *s = lx->src;
	static const char *ops[] = {"**", "//", "==", "!=", "<=", ">=", "(", ")", "[",
	                            "]",  "{",  "}",  ",",  ".",  ":",  "|", "=", "<",
	                            ">",  "+",  "-",  "*",  "/",  "%",  "~"};
	while (lx->pos < lx->len && isspace((unsigned char)s[lx->pos])) {
		if (s[lx->pos] == '\n')
			lx->line++;
		lx->pos++;
	}
	lx->cur.s = s + lx->pos;
	lx->cur.n = 0;
	if (lx->pos >= lx->len) {
		lx->cur.kind = T_END;
		return;
	}
	if (isalpha((unsigned char)s[lx->pos]) || s[lx->pos] == '_') {
		size_t st = lx->pos;
		while (lx->pos < lx->len &&
		       (isalnum((unsigned char)s[lx->pos]) || s[lx->pos] == '_'))
			lx->pos++;
		lx->cur.kind = T_NAME;
		lx->cur.n = lx->pos - st;
		return;
	}
	if (isdigit((unsigned char)s[lx->pos])) {
		size_t st = lx->pos;
		while (lx->pos < lx->len &&
		       (isdigit((unsigned char)s[lx->pos]) || s[lx->pos] == '_' ||
		        (s[lx->pos] == '.' && lx->pos + 1 < lx->len &&
		         isdigit((unsigned char)s[lx->pos + 1])) ||
		        ((s[lx->pos] == 'e' || s[lx->pos] == 'E') && lx->pos + 1 < lx->len &&
		         (isdigit((unsigned char)s[lx->pos + 1]) || s[lx->pos + 1] == '-'))))
			lx->pos++;
		lx->cur.kind = T_NUM;
		lx->cur.n = lx->pos - st;
		return;
	}
	if (s[lx->pos] == '\'' || s[lx->pos] == '"') {
		char q = s[lx->pos++];
		floe_buf b = FLOE_BUF_INIT;
		while (lx->pos < lx->len && s[lx->pos] != q) {
			char ch = s[lx->pos++];
			if (ch == '\\' && lx->pos < lx->len) {
				/* Python keeps the backslash of unknown escapes ('\d') */
				char e = s[lx->pos++];
				if (e == 'n' || e == 't' || e == 'r')
					ch = e == 'n' ? '\n' : e == 't' ? '\t' : '\r';
				else if (e == '\\' || e == '\'' || e == '"')
					ch = e;
				else {
					floe_buf_putc(&b, '\\');
					ch = e;
				}
			}
			floe_buf_putc(&b, ch);
		}
		if (lx->pos >= lx->len) {
			floe_buf_free(&b);
			perr(lx, "unterminated string literal", NULL);
			lx->cur.kind = T_END;
			return;
		}
		lx->pos++;
		lx->cur.kind = T_STR;
		lx->cur.s = jj_strndup(lx->t, b.ptr ? b.ptr : "", b.len);
		lx->cur.n = b.len;
		floe_buf_free(&b);
		return;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i]);
		if (lx->pos + n <= lx->len && memcmp(s + lx->pos, ops[i], n) == 0) {
			lx->cur.kind = T_OP;
			lx->cur.n = n;
			lx->pos += n;
			return;
		}
	}
	perr(lx, "unexpected character in expression: ", (char[]){s[lx->pos], 0});
	lx->cur.kind = T_END;
}

static bool is_op(const lexer *lx, const char *op)
{
	return lx->cur.kind == T_OP && lx->cur.n == strlen(op) &&
	       memcmp(lx->cur.s, op, lx->cur.n) == 0;
}

static bool is_name(const lexer *lx, const char *name)
{
	return lx->cur.kind == T_NAME && lx->cur.n == strlen(name) &&
	       memcmp(lx->cur.s, name, lx->cur.n) == 0;
}

static bool accept_op(lexer *lx, const char *op)
{
	if (!is_op(lx, op))
		return false;
	advance(lx);
	return true;
}

static bool accept_name(lexer *lx, const char *name)
{
	if (!is_name(lx, name))
		return false;
	advance(lx);
	return true;
}

static int expect_op(lexer *lx, const char *op)
{
	if (accept_op(lx, op))
		return 0;
	return perr(lx, "expected ", op);
}

static jj_expr *new_expr(lexer *lx, jj_expr_kind k)
{
	jj_expr *e = jj_alloc(lx->t, sizeof(*e));
	if (e) {
		e->kind = k;
		e->line = lx->line;
	} else {
		lx->err = FLOE_ENOMEM;
	}
	return e;
}

static char *take_name(lexer *lx)
{
	char *n;
	if (lx->cur.kind != T_NAME) {
		perr(lx, "expected a name", NULL);
		return NULL;
	}
	n = jj_strndup(lx->t, lx->cur.s, lx->cur.n);
	advance(lx);
	return n;
}

static int add_lit(jj_template *t, json_t *v)
{
	json_t **g = floe_realloc(t->lits, (t->nlits + 1) * sizeof(json_t *));
	if (g == NULL) {
		json_decref(v);
		return FLOE_ENOMEM;
	}
	t->lits = g;
	t->lits[t->nlits++] = v;
	return 0;
}

static jj_expr *parse_expr(lexer *lx);
static jj_expr *parse_or(lexer *lx);

/* e's height from its children's. A chain (a ~ b ~ ..., a.b.c..., x|f|g)
 * grows without recursion in the parser but is evaluated recursively:
 * past JJ_MAX_EVAL levels it could never be evaluated, so it is refused
 * here, before it costs memory. */
static jj_expr *measured(lexer *lx, jj_expr *e)
{
	int h = 0;
	if (e == NULL || lx->err)
		return NULL;
	h = e->a && e->a->height > h ? e->a->height : h;
	h = e->b && e->b->height > h ? e->b->height : h;
	h = e->c && e->c->height > h ? e->c->height : h;
	for (size_t i = 0; i < e->nargs; i++)
		h = e->args[i] && e->args[i]->height > h ? e->args[i]->height : h;
	e->height = h + 1;
	if (e->height > JJ_MAX_EVAL) {
		perr(lx, "expression nested too deeply (more than " JJ_STR(JJ_MAX_EVAL) " levels)",
		     NULL);
		return NULL;
	}
	return e;
}

/* ( args ) after a callee: positional and name=value arguments */
static int parse_args(lexer *lx, jj_expr *call)
{
	while (!lx->err && !is_op(lx, ")")) {
		jj_expr *arg;
		char *kw = NULL;
		if (is_op(lx, "*") || is_op(lx, "**")) {
			/* f(*list, **dict): spread into the positional or keyword
			 * arguments; the marker is a name no keyword can have */
			kw = jj_strndup(lx->t, lx->cur.s, lx->cur.n);
			advance(lx);
			if (kw == NULL)
				return lx->err = FLOE_ENOMEM;
		} else if (lx->cur.kind == T_NAME) {
			/* look ahead for name= (not ==) */
			size_t save_pos = lx->pos;
			tok save = lx->cur;
			int save_line = lx->line;
			char *name = jj_strndup(lx->t, lx->cur.s, lx->cur.n);
			advance(lx);
			if (is_op(lx, "=")) {
				advance(lx);
				kw = name;
			} else {
				lx->pos = save_pos;
				lx->cur = save;
				lx->line = save_line;
			}
		}
		arg = parse_expr(lx);
		if (arg == NULL)
			return lx->err ? lx->err : perr(lx, "expected an argument", NULL);
		if (call->nargs == JJ_MAX_ARGS)
			return perr(lx, "too many arguments", NULL);
		call->args[call->nargs] = arg;
		call->kwnames[call->nargs] = kw;
		call->nargs++;
		if (!accept_op(lx, ","))
			break;
	}
	return expect_op(lx, ")");
}

static jj_expr *parse_primary(lexer *lx)
{
	jj_expr *e = NULL;
	if (lx->err)
		return NULL;
	if (lx->cur.kind == T_NUM) {
		char buf[64];
		size_t n = lx->cur.n < 63 ? lx->cur.n : 63, k = 0;
		json_t *v;
		for (size_t i = 0; i < n; i++)
			if (lx->cur.s[i] != '_')
				buf[k++] = lx->cur.s[i];
		buf[k] = '\0';
		v = strpbrk(buf, ".eE") ? json_real(strtod(buf, NULL))
		                        : json_integer(strtoll(buf, NULL, 10));
		advance(lx);
		if ((e = new_expr(lx, JE_LIT)) == NULL || add_lit(lx->t, v) != 0)
			return NULL;
		e->lit = v;
	} else if (lx->cur.kind == T_STR) {
		floe_buf b = FLOE_BUF_INIT;
		json_t *v;
		/* adjacent string literals concatenate */
		while (lx->cur.kind == T_STR) {
			floe_buf_put(&b, lx->cur.s, lx->cur.n);
			advance(lx);
		}
		v = json_stringn(b.ptr ? b.ptr : "", b.len);
		floe_buf_free(&b);
		if (v == NULL) {
			perr(lx, "string literal is not valid UTF-8", NULL);
			return NULL;
		}
		if ((e = new_expr(lx, JE_LIT)) == NULL || add_lit(lx->t, v) != 0)
			return NULL;
		e->lit = v;
	} else if (lx->cur.kind == T_NAME) {
		json_t *v = NULL;
		if (is_name(lx, "true") || is_name(lx, "True"))
			v = json_true();
		else if (is_name(lx, "false") || is_name(lx, "False"))
			v = json_false();
		else if (is_name(lx, "none") || is_name(lx, "None"))
			v = json_null();
		if (v) {
			advance(lx);
			if ((e = new_expr(lx, JE_LIT)) == NULL || add_lit(lx->t, v) != 0)
				return NULL;
			e->lit = v;
		} else {
			if ((e = new_expr(lx, JE_NAME)) == NULL)
				return NULL;
			e->name = take_name(lx);
		}
	} else if (accept_op(lx, "(")) {
		e = parse_expr(lx);
		if (e && accept_op(lx, ",")) { /* a tuple: treated as a list */
			jj_expr *l = new_expr(lx, JE_LIST);
			if (l == NULL)
				return NULL;
			l->args[l->nargs++] = e;
			while (!lx->err && !is_op(lx, ")")) {
				if (l->nargs == JJ_MAX_ARGS) {
					perr(lx, "tuple too long", NULL);
					return NULL;
				}
				l->args[l->nargs++] = parse_expr(lx);
				if (!accept_op(lx, ","))
					break;
			}
			e = l;
		}
		if (expect_op(lx, ")"))
			return NULL;
	} else if (accept_op(lx, "[")) {
		if ((e = new_expr(lx, JE_LIST)) == NULL)
			return NULL;
		while (!lx->err && !is_op(lx, "]")) {
			if (e->nargs == JJ_MAX_ARGS) {
				perr(lx, "list literal too long", NULL);
				return NULL;
			}
			e->args[e->nargs++] = parse_expr(lx);
			if (!accept_op(lx, ","))
				break;
		}
		if (expect_op(lx, "]"))
			return NULL;
	} else if (accept_op(lx, "{")) {
		if ((e = new_expr(lx, JE_DICT)) == NULL)
			return NULL;
		while (!lx->err && !is_op(lx, "}")) {
			if (e->nargs + 2 > JJ_MAX_ARGS) {
				perr(lx, "dict literal too long", NULL);
				return NULL;
			}
			e->args[e->nargs++] = parse_expr(lx);
			if (expect_op(lx, ":"))
				return NULL;
			e->args[e->nargs++] = parse_expr(lx);
			if (!accept_op(lx, ","))
				break;
		}
		if (expect_op(lx, "}"))
			return NULL;
	} else {
		perr(lx, "expected an expression", NULL);
		return NULL;
	}
	return lx->err ? NULL : measured(lx, e);
}

static jj_expr *parse_postfix(lexer *lx)
{
	jj_expr *e = parse_primary(lx);
	while (e && !lx->err) {
		if (accept_op(lx, ".")) {
			jj_expr *a = new_expr(lx, JE_ATTR);
			if (a == NULL)
				return NULL;
			a->a = e;
			if (lx->cur.kind == T_NUM) { /* x.0 */
				a->name = jj_strndup(lx->t, lx->cur.s, lx->cur.n);
				advance(lx);
			} else {
				a->name = take_name(lx);
			}
			e = measured(lx, a);
		} else if (accept_op(lx, "[")) {
			jj_expr *ix = new_expr(lx, JE_INDEX);
			if (ix == NULL)
				return NULL;
			ix->a = e;
			if (!is_op(lx, ":"))
				ix->b = parse_expr(lx);
			if (accept_op(lx, ":")) { /* slice a[b:c] */
				ix->kind = JE_SLICE;
				if (!is_op(lx, "]"))
					ix->c = parse_expr(lx);
			}
			if (expect_op(lx, "]"))
				return NULL;
			e = measured(lx, ix);
		} else if (accept_op(lx, "(")) {
			jj_expr *c = new_expr(lx, JE_CALL);
			if (c == NULL)
				return NULL;
			c->a = e;
			if (parse_args(lx, c))
				return NULL;
			e = measured(lx, c);
		} else {
			break;
		}
	}
	return lx->err ? NULL : e;
}

static jj_expr *parse_unary(lexer *lx)
{
	jj_expr *e = NULL;
	if (accept_op(lx, "-")) {
		if (!enter(lx))
			return NULL;
		e = new_expr(lx, JE_NEG);
		if (e)
			e->a = parse_unary(lx);
		leave(lx);
		return e && e->a ? measured(lx, e) : NULL;
	}
	if (accept_op(lx, "+")) {
		if (!enter(lx))
			return NULL;
		e = parse_unary(lx);
		leave(lx);
		return e;
	}
	return parse_postfix(lx);
}

/* filters bind tighter than arithmetic: x|f + 1 is (x|f) + 1 */
static jj_expr *parse_filtered(lexer *lx)
{
	jj_expr *e = parse_unary(lx);
	while (e && !lx->err && accept_op(lx, "|")) {
		jj_expr *f = new_expr(lx, JE_FILTER);
		if (f == NULL)
			return NULL;
		f->a = e;
		f->name = take_name(lx);
		while (f->name && accept_op(lx, ".")) { /* dotted filter names */
			char *part = take_name(lx);
			char *joined =
			    part ? jj_alloc(lx->t, strlen(f->name) + strlen(part) + 2) : NULL;
			if (joined == NULL)
				return NULL;
			snprintf(joined, strlen(f->name) + strlen(part) + 2, "%s.%s", f->name,
			         part);
			f->name = joined;
		}
		if (accept_op(lx, "(") && parse_args(lx, f))
			return NULL;
		e = measured(lx, f);
	}
	return lx->err ? NULL : e;
}

static jj_expr *binary(lexer *lx, jj_expr *l, const char *op, jj_expr *(*rhs)(lexer *))
{
	jj_expr *e = new_expr(lx, JE_BIN);
	if (e == NULL || l == NULL)
		return NULL;
	e->a = l;
	e->op = op;
	e->b = rhs(lx);
	return e->b ? measured(lx, e) : NULL;
}

static jj_expr *parse_pow(lexer *lx)
{
	jj_expr *e = parse_filtered(lx);
	while (e && is_op(lx, "**")) {
		advance(lx);
		e = binary(lx, e, "**", parse_filtered);
	}
	return e;
}

static jj_expr *parse_mul(lexer *lx)
{
	jj_expr *e = parse_pow(lx);
	static const char *ops[] = {"*", "//", "/", "%"};
	while (e && !lx->err) {
		const char *op = NULL;
		for (size_t i = 0; i < 4 && op == NULL; i++)
			if (is_op(lx, ops[i]))
				op = ops[i];
		if (op == NULL)
			break;
		advance(lx);
		e = binary(lx, e, op, parse_pow);
	}
	return e;
}

static jj_expr *parse_add(lexer *lx)
{
	jj_expr *e = parse_mul(lx);
	while (e && !lx->err && (is_op(lx, "+") || is_op(lx, "-"))) {
		const char *op = is_op(lx, "+") ? "+" : "-";
		advance(lx);
		e = binary(lx, e, op, parse_mul);
	}
	return e;
}

static jj_expr *parse_concat(lexer *lx)
{
	jj_expr *e = parse_add(lx);
	while (e && !lx->err && accept_op(lx, "~"))
		e = binary(lx, e, "~", parse_add);
	return e;
}

static jj_expr *parse_compare(lexer *lx)
{
	jj_expr *e = parse_concat(lx);
	static const char *ops[] = {"==", "!=", "<=", ">=", "<", ">"};
	while (e && !lx->err) {
		const char *op = NULL;
		for (size_t i = 0; i < 6 && op == NULL; i++)
			if (is_op(lx, ops[i]))
				op = ops[i];
		if (op) {
			advance(lx);
			e = binary(lx, e, op, parse_concat);
		} else if (accept_name(lx, "in")) {
			e = binary(lx, e, "in", parse_concat);
		} else if (is_name(lx, "not") && lx->pos < lx->len) {
			/* "not in" */
			size_t save_pos = lx->pos;
			tok save = lx->cur;
			advance(lx);
			if (accept_name(lx, "in")) {
				e = binary(lx, e, "not in", parse_concat);
			} else {
				lx->pos = save_pos;
				lx->cur = save;
				break;
			}
		} else if (accept_name(lx, "is")) {
			jj_expr *t = new_expr(lx, JE_TEST);
			if (t == NULL)
				return NULL;
			t->a = e;
			t->negate = accept_name(lx, "not");
			if (is_name(lx, "none") || is_name(lx, "None")) {
				t->name = "none";
				advance(lx);
			} else if (is_name(lx, "true") || is_name(lx, "True")) {
				t->name = "true";
				advance(lx);
			} else if (is_name(lx, "false") || is_name(lx, "False")) {
				t->name = "false";
				advance(lx);
			} else {
				t->name = take_name(lx);
			}
			if (accept_op(lx, "(")) {
				if (parse_args(lx, t))
					return NULL;
			} else if (lx->cur.kind == T_NUM || lx->cur.kind == T_STR ||
			           (lx->cur.kind == T_NAME && !is_name(lx, "and") &&
			            !is_name(lx, "or") && !is_name(lx, "else") &&
			            !is_name(lx, "if"))) {
				t->args[t->nargs++] = parse_concat(lx); /* "is divisibleby 3" */
			}
			e = measured(lx, t);
		} else {
			break;
		}
	}
	return lx->err ? NULL : e;
}

static jj_expr *parse_not(lexer *lx)
{
	if (accept_name(lx, "not")) {
		jj_expr *e;
		if (!enter(lx))
			return NULL;
		e = new_expr(lx, JE_NOT);
		if (e)
			e->a = parse_not(lx);
		leave(lx);
		return e && e->a ? measured(lx, e) : NULL;
	}
	return parse_compare(lx);
}

static jj_expr *parse_and(lexer *lx)
{
	jj_expr *e = parse_not(lx);
	while (e && !lx->err && accept_name(lx, "and"))
		e = binary(lx, e, "and", parse_not);
	return e;
}

static jj_expr *parse_or(lexer *lx)
{
	jj_expr *e = parse_and(lx);
	while (e && !lx->err && accept_name(lx, "or"))
		e = binary(lx, e, "or", parse_and);
	return e;
}

static jj_expr *parse_expr(lexer *lx)
{
	jj_expr *e;
	if (!enter(lx))
		return NULL;
	e = parse_or(lx);
	if (e && !lx->err && accept_name(lx, "if")) { /* a if cond else b */
		jj_expr *c = new_expr(lx, JE_COND);
		if (c) {
			c->a = e;
			c->b = parse_or(lx);
			if (accept_name(lx, "else"))
				c->c = parse_expr(lx);
		}
		e = measured(lx, c);
	}
	leave(lx);
	return lx->err ? NULL : e;
}

/* ---- template structure ---- */

typedef struct {
	jj_template *t;
	const char *s;
	size_t len, pos;
	int line;
	bool strip_next; /* the previous tag ended with '-' */
	int err;
	int depth; /* blocks open around the body being parsed */
} tparser;

static int line_of(const char *s, size_t from, size_t to, int line)
{
	for (size_t i = from; i < to; i++)
		if (s[i] == '\n')
			line++;
	return line;
}

static jj_node *new_node(tparser *p, jj_node_kind k, int line)
{
	jj_node *n = jj_alloc(p->t, sizeof(*n));
	if (n) {
		n->kind = k;
		n->line = line;
	} else {
		p->err = FLOE_ENOMEM;
	}
	return n;
}

static void append(jj_node **head, jj_node **tail, jj_node *n)
{
	if (*tail)
		(*tail)->next = n;
	else
		*head = n;
	*tail = n;
}

static int terr(tparser *p, int line, const char *msg, const char *what)
{
	if (p->err == 0)
		p->err = floe_error_set(FLOE_EINVAL, "%s:%d: %s%s", p->t->name, line, msg,
		                        what ? what : "");
	return p->err;
}

/* Parse nodes until one of the end tags (space separated words) is met;
 * *end gets the lexer positioned after that tag's keyword. */
static jj_node *parse_body(tparser *p, const char *ends, char **end_word, lexer *end_lx);

static int parse_tag(tparser *p, jj_node **out, const char *inner, size_t n, int line,
                     const char *ends, char **end_word, lexer *end_lx, bool *ended);

static jj_node *parse_body(tparser *p, const char *ends, char **end_word, lexer *end_lx)
{
	jj_node *head = NULL, *tail = NULL;
	while (!p->err && p->pos < p->len) {
		const char *s = p->s;
		size_t start = p->pos;
		const char *open = NULL;
		size_t i;
		for (i = p->pos; i + 1 < p->len; i++)
			if (s[i] == '{' &&
			    (s[i + 1] == '{' || s[i + 1] == '%' || s[i + 1] == '#')) {
				open = s + i;
				break;
			}
		{
			size_t text_end = open ? i : p->len;
			bool lstrip = open && i + 2 < p->len && s[i + 2] == '-';
			size_t a = start, b = text_end;
			if (p->strip_next)
				while (a < b && isspace((unsigned char)s[a]))
					a++;
			if (lstrip)
				while (b > a && isspace((unsigned char)s[b - 1]))
					b--;
			if (b > a) {
				jj_node *t = new_node(p, JN_TEXT, p->line);
				if (t == NULL)
					return NULL;
				t->text = s + a;
				t->len = b - a;
				append(&head, &tail, t);
			}
			p->line = line_of(s, start, text_end, p->line);
			p->strip_next = false;
			if (open == NULL) {
				p->pos = p->len;
				break;
			}
		}
		{
			char kind = s[i + 1];
			const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
			size_t from = i + 2, to;
			const char *c = NULL;
			int tag_line = p->line;
			if (from < p->len && (s[from] == '-' || s[from] == '+'))
				from++;
			for (size_t k = from; k + 1 < p->len; k++) {
				if (kind != '#' && (s[k] == '\'' || s[k] == '"')) {
					/* a string literal may hold the closing delimiter, as in
					 * config(post_hook="grant ... {{ this }}") */
					char q = s[k];
					for (k++; k < p->len && s[k] != q; k++)
						if (s[k] == '\\')
							k++;
					continue;
				}
				if (s[k] == close[0] && s[k + 1] == close[1]) {
					c = s + k;
					break;
				}
			}
			if (c == NULL) {
				terr(p, tag_line, "unclosed tag, expected ", close);
				return NULL;
			}
			to = (size_t)(c - s);
			p->line = line_of(s, i, to + 2, p->line);
			p->pos = to + 2;
			if (to > from && s[to - 1] == '-') {
				p->strip_next = true;
				to--;
			} else if (to > from && s[to - 1] == '+') {
				to--;
			}
			if (kind == '#')
				continue;
			if (kind == '{') {
				lexer lx = {p->t, s + from, to - from, 0, tag_line, {0}, 0, 0};
				jj_node *o = new_node(p, JN_OUT, tag_line);
				if (o == NULL)
					return NULL;
				advance(&lx);
				o->e = parse_expr(&lx);
				if (lx.err == 0 && lx.cur.kind != T_END)
					perr(&lx, "unexpected text after the expression", NULL);
				if (lx.err) {
					p->err = lx.err;
					return NULL;
				}
				append(&head, &tail, o);
				continue;
			}
			{
				jj_node *nd = NULL;
				bool ended = false;
				if (parse_tag(p, &nd, s + from, to - from, tag_line, ends, end_word,
				              end_lx, &ended))
					return NULL;
				if (ended)
					return head ? head : new_node(p, JN_TEXT, tag_line);
				if (nd)
					append(&head, &tail, nd);
			}
		}
	}
	if (!p->err && ends) {
		terr(p, p->line, "unexpected end of template, expected ", ends);
		return NULL;
	}
	return head;
}

static bool word_in(const char *w, const char *list)
{
	size_t n = strlen(w);
	for (const char *p = list; p && *p;) {
		const char *sp = strchr(p, ' ');
		size_t m = sp ? (size_t)(sp - p) : strlen(p);
		if (m == n && strncmp(p, w, n) == 0)
			return true;
		p = sp ? sp + 1 : NULL;
	}
	return false;
}

/* a child body ending at one of `ends`; returns the word that ended it */
static jj_node *sub_body(tparser *p, const char *ends, char **word, lexer *lx)
{
	jj_node *b;
	*word = NULL;
	if (p->depth >= JJ_MAX_NEST) {
		terr(p, p->line,
		     "blocks nested too deeply (more than " JJ_STR(JJ_MAX_NEST) " levels)", NULL);
		return NULL;
	}
	p->depth++;
	b = parse_body(p, ends, word, lx);
	p->depth--;
	if (p->err)
		return NULL;
	if (*word == NULL) {
		terr(p, p->line, "expected ", ends);
		return NULL;
	}
	return b;
}

static int parse_params(lexer *lx, jj_node *m)
{
	if (!accept_op(lx, "("))
		return perr(lx, "expected ( after the macro name", NULL);
	while (!lx->err && !is_op(lx, ")")) {
		if (m->nparams == JJ_MAX_ARGS)
			return perr(lx, "too many parameters", NULL);
		m->params[m->nparams] = take_name(lx);
		if (accept_op(lx, "="))
			m->defaults[m->nparams] = parse_expr(lx);
		m->nparams++;
		if (!accept_op(lx, ","))
			break;
	}
	return lx->err ? lx->err : expect_op(lx, ")");
}

static int parse_tag(tparser *p, jj_node **out, const char *inner, size_t n, int line,
                     const char *ends, char **end_word, lexer *end_lx, bool *ended)
{
	lexer lx = {p->t, inner, n, 0, line, {0}, 0, 0};
	char *word, *w2 = NULL;
	jj_node *nd = NULL;
	*out = NULL;
	advance(&lx);
	if (lx.cur.kind != T_NAME)
		return terr(p, line, "expected a tag name", NULL);
	word = jj_strndup(p->t, lx.cur.s, lx.cur.n);
	if (word == NULL)
		return p->err = FLOE_ENOMEM;
	advance(&lx);
	if (ends && word_in(word, ends)) {
		*end_word = word;
		*end_lx = lx;
		*ended = true;
		return 0;
	}
	if (strcmp(word, "if") == 0) {
		jj_node *cur;
		nd = cur = new_node(p, JN_IF, line);
		if (nd == NULL)
			return p->err;
		cur->e = parse_expr(&lx);
		for (;;) {
			lexer tl;
			if (lx.err)
				return p->err = lx.err;
			cur->body = sub_body(p, "elif else endif", &w2, &tl);
			if (p->err)
				return p->err;
			if (strcmp(w2, "elif") == 0) {
				jj_node *e = new_node(p, JN_IF, tl.line);
				if (e == NULL)
					return p->err;
				e->e = parse_expr(&tl);
				lx = tl;
				cur->else_body = e;
				cur = e;
				continue;
			}
			if (strcmp(w2, "else") == 0) {
				cur->else_body = sub_body(p, "endif", &w2, &tl);
				if (p->err)
					return p->err;
			}
			break;
		}
	} else if (strcmp(word, "for") == 0) {
		lexer tl;
		nd = new_node(p, JN_FOR, line);
		if (nd == NULL)
			return p->err;
		nd->params[nd->nparams++] = take_name(&lx);
		while (accept_op(&lx, ",") && nd->nparams < JJ_MAX_ARGS)
			nd->params[nd->nparams++] = take_name(&lx);
		if (!accept_name(&lx, "in"))
			return terr(p, line, "expected 'in' in the for tag", NULL);
		nd->e = parse_or(&lx);
		if (accept_name(&lx, "if"))
			nd->e2 = parse_or(&lx);
		accept_name(&lx, "recursive");
		if (lx.err)
			return p->err = lx.err;
		nd->body = sub_body(p, "else endfor", &w2, &tl);
		if (p->err)
			return p->err;
		if (strcmp(w2, "else") == 0) {
			nd->else_body = sub_body(p, "endfor", &w2, &tl);
			if (p->err)
				return p->err;
		}
	} else if (strcmp(word, "set") == 0) {
		lexer tl;
		nd = new_node(p, JN_SET, line);
		if (nd == NULL)
			return p->err;
		nd->params[nd->nparams++] = take_name(&lx);
		if (accept_op(&lx, ".")) { /* ns.attr = value */
			nd->attr = take_name(&lx);
		}
		while (accept_op(&lx, ",") && nd->nparams < JJ_MAX_ARGS)
			nd->params[nd->nparams++] = take_name(&lx);
		if (accept_op(&lx, "=")) {
			nd->e = parse_expr(&lx);
		} else {
			nd->kind = JN_SETBLOCK;
			nd->body = sub_body(p, "endset", &w2, &tl);
			if (p->err)
				return p->err;
		}
	} else if (strcmp(word, "macro") == 0 || strcmp(word, "test") == 0 ||
	           strcmp(word, "materialization") == 0) {
		lexer tl;
		const char *end = word[0] == 'm' && word[1] == 'a' && word[2] == 'c' ? "endmacro"
		                  : word[0] == 't'                                   ? "endtest"
		                                   : "endmaterialization";
		nd = new_node(p, JN_MACRO, line);
		if (nd == NULL)
			return p->err;
		nd->name = take_name(&lx);
		if (strcmp(word, "test") == 0 && nd->name) { /* generic test: test_<name> */
			char *full = jj_alloc(p->t, strlen(nd->name) + 6);
			if (full == NULL)
				return p->err = FLOE_ENOMEM;
			snprintf(full, strlen(nd->name) + 6, "test_%s", nd->name);
			nd->name = full;
		}
		if (strcmp(word, "materialization") == 0) {
			nd->kind = JN_MATERIALIZATION;
			while (lx.cur.kind != T_END && !lx.err)
				advance(&lx); /* ", adapter='duckdb'" */
		} else if (parse_params(&lx, nd)) {
			return p->err = lx.err;
		}
		nd->body = sub_body(p, end, &w2, &tl);
		if (p->err)
			return p->err;
	} else if (strcmp(word, "call") == 0) {
		lexer tl;
		nd = new_node(p, JN_CALLBLOCK, line);
		if (nd == NULL)
			return p->err;
		if (is_op(&lx, "(")) /* call(args) name(...) */
			parse_params(&lx, nd);
		nd->e = parse_expr(&lx);
		nd->body = sub_body(p, "endcall", &w2, &tl);
		if (p->err)
			return p->err;
	} else if (strcmp(word, "do") == 0) {
		nd = new_node(p, JN_DO, line);
		if (nd)
			nd->e = parse_expr(&lx);
	} else if (strcmp(word, "docs") == 0) {
		lexer tl;
		nd = new_node(p, JN_DOCS, line);
		if (nd == NULL)
			return p->err;
		nd->name = take_name(&lx);
		nd->body = sub_body(p, "enddocs", &w2, &tl);
		if (p->err)
			return p->err;
	} else if (strcmp(word, "raw") == 0) {
		/* everything up to {% endraw %} is text */
		const char *s = p->s;
		size_t k;
		nd = new_node(p, JN_TEXT, line);
		if (nd == NULL)
			return p->err;
		for (k = p->pos; k + 1 < p->len; k++) {
			if (s[k] == '{' && s[k + 1] == '%') {
				size_t q = k + 2;
				while (q < p->len && (s[q] == ' ' || s[q] == '-'))
					q++;
				if (strncmp(s + q, "endraw", 6) == 0)
					break;
			}
		}
		nd->text = s + p->pos;
		nd->len = k - p->pos;
		p->line = line_of(s, p->pos, k, p->line);
		{
			const char *c = strstr(s + k, "%}");
			if (k + 1 >= p->len || c == NULL)
				return terr(p, line, "expected ", "endraw");
			p->pos = (size_t)(c - s) + 2;
		}
		*out = nd;
		return 0;
	} else {
		return terr(p, line, "unknown tag ", word);
	}
	if (lx.err)
		return p->err = lx.err;
	if (nd == NULL)
		return p->err ? p->err : FLOE_ENOMEM;
	*out = nd;
	return 0;
}

int jj_parse(jj_template **out, const char *text, const char *name)
{
	jj_template *t = floe_calloc(1, sizeof(*t));
	tparser p;
	*out = NULL;
	if (t == NULL)
		return FLOE_ENOMEM;
	floe_arena_init(&t->arena, 16384);
	t->name = floe_strdup(name ? name : "template");
	if (t->name == NULL) {
		floe_free(t);
		return FLOE_ENOMEM;
	}
	/* text nodes point into the source: keep a copy with the AST */
	t->src = jj_strndup(t, text, strlen(text));
	if (t->src == NULL) {
		jj_template_free(t);
		return FLOE_ENOMEM;
	}
	memset(&p, 0, sizeof(p));
	p.t = t;
	p.s = t->src;
	p.len = strlen(t->src);
	p.line = 1;
	t->root = parse_body(&p, NULL, NULL, NULL);
	if (p.err) {
		jj_template_free(t);
		return p.err;
	}
	*out = t;
	return 0;
}
