/*
 * Private declarations of the Jinja interpreter: the AST (jinja_parse.c)
 * and the interpreter state (jinja_eval.c).
 */
#ifndef FLOE_JINJA_INTERNAL_H
#define FLOE_JINJA_INTERNAL_H

#include "floe/project.h"

#define JJ_MAX_ARGS 64

typedef enum {
	JE_LIT,
	JE_NAME,
	JE_ATTR,
	JE_INDEX,
	JE_SLICE,
	JE_CALL,
	JE_FILTER,
	JE_TEST,
	JE_BIN,
	JE_NOT,
	JE_NEG,
	JE_LIST,
	JE_DICT,
	JE_COND
} jj_expr_kind;

typedef struct jj_expr jj_expr;
struct jj_expr {
	jj_expr_kind kind;
	int line;
	json_t *lit;    /* JE_LIT (owned by the template's lits) */
	char *name;     /* JE_NAME, JE_ATTR, JE_FILTER, JE_TEST */
	const char *op; /* JE_BIN */
	bool negate;    /* JE_TEST */
	jj_expr *a, *b, *c;
	size_t nargs;
	jj_expr *args[JJ_MAX_ARGS];
	char *kwnames[JJ_MAX_ARGS]; /* NULL for positional */
};

typedef enum {
	JN_TEXT,
	JN_OUT,
	JN_IF,
	JN_FOR,
	JN_SET,
	JN_SETBLOCK,
	JN_MACRO,
	JN_CALLBLOCK,
	JN_DO,
	JN_DOCS,
	JN_MATERIALIZATION
} jj_node_kind;

typedef struct jj_node jj_node;
struct jj_node {
	jj_node_kind kind;
	int line;
	jj_node *next;
	const char *text; /* JN_TEXT */
	size_t len;
	jj_expr *e, *e2;
	char *name; /* macro / docs name */
	char *attr; /* set ns.attr */
	size_t nparams;
	char *params[JJ_MAX_ARGS]; /* macro params, for/set targets */
	jj_expr *defaults[JJ_MAX_ARGS];
	jj_node *body, *else_body;
};

typedef struct {
	char *name;
	char *src;
	jj_node *root;
	floe_arena arena;
	json_t **lits;
	size_t nlits;
} jj_template;

void *jj_alloc(jj_template *t, size_t n);
int jj_parse(jj_template **out, const char *text, const char *name);
void jj_template_free(jj_template *t);

#endif
