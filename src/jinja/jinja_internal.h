/*
 * Private declarations of the Jinja interpreter: the AST (jinja_parse.c),
 * the interpreter state (jinja_eval.c), value semantics (jinja_value.c)
 * and the built-ins (jinja_lib.c, jinja_modules.c, jinja_datetime.c).
 */
#ifndef FLOE_JINJA_INTERNAL_H
#define FLOE_JINJA_INTERNAL_H

#include "floe/jinja.h"

#define JJ_MAX_ARGS 64
#define JJ_MAX_SCOPES 256
#define JJ_MAX_DEPTH 64
/* nesting the parser accepts: expressions (parentheses, brackets, unary
 * operators, conditional expressions) and blocks (if, for, macro, ...);
 * Jinja's own recursive parser stops near this depth on Python's
 * recursion limit */
#define JJ_MAX_NEST 100
/* evaluation depth across macro calls (a long chain a ~ b ~ c ... is one
 * level per operator), so that no template exhausts the C stack */
#define JJ_MAX_EVAL 1000
/* nesting of values (lists and dicts) a template may build, so that
 * printing, comparing, copying and freeing them stays within the stack */
#define JJ_MAX_VALUE_DEPTH 200
/* the largest string (and rendered output) and list a template may
 * make: a result past them is an error, never a shorter one */
#define JJ_MAX_STR ((size_t)256 << 20)
#define JJ_MAX_STR_TEXT "256 MiB"
#define JJ_MAX_ITEMS 1000000
#define JJ_STR_(x) #x
#define JJ_STR(x) JJ_STR_(x) /* a limit's digits, for messages */

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
	int height;     /* levels of the tree below and with this node */
	json_t *lit;    /* JE_LIT (owned by the template's lits) */
	char *name;     /* JE_NAME, JE_ATTR, JE_FILTER, JE_TEST */
	const char *op; /* JE_BIN */
	bool negate;    /* JE_TEST */
	jj_expr *a, *b, *c;
	size_t nargs;
	jj_expr *args[JJ_MAX_ARGS];
	char *kwnames[JJ_MAX_ARGS]; /* NULL for positional, "*" / "**" for spreads */
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

/* ---- interpreter state (jinja_eval.c) ---- */

typedef struct {
	char *name;
	char *cls; /* NULL: a global function; else a method of that class */
	floe_jinja_fn fn;
	void *ud;
} jj_fn;

typedef struct {
	char *name;
	jj_node *def;
	const char *pkg; /* interned in floe_jinja.pkgs; NULL: the root project */
	const jj_template *tpl;
} jj_macro;

/* an active {% call %} block: caller() renders its body where it stood */
typedef struct {
	const jj_node *node;
	int scope_top, scope_base;
	const char *pkg;
	const jj_template *tpl;
} jj_caller;

struct floe_jinja {
	json_t *globals;
	json_t *undef; /* what a variable set to an undefined value holds */
	jj_fn *fns;
	size_t nfns;
	jj_macro *macros;
	size_t nmacros;
	json_t *macro_index; /* name -> [macro indexes], in load order */
	jj_template **tpls;
	size_t ntpls;
	json_t *docs;
	char **pkgs; /* package names macros were loaded under */
	size_t npkgs;
	char *root; /* the root project's name */
	/* render state */
	json_t *scopes[JJ_MAX_SCOPES];
	int nscopes;
	int scope_base; /* a macro sees scopes from here up (and run_scope) */
	int run_scope;  /* the top-level scope of the running template, -1 none */
	const jj_template *run_tpl;
	const char *cur_pkg; /* package of the executing macro (NULL root) */
	const jj_template *cur_tpl;
	const char *tname;
	int depth;      /* macro calls being rendered */
	int eval_depth; /* expressions being evaluated */
	json_t *ret;
	bool returned;
	jj_caller callers[JJ_MAX_DEPTH];
	int ncallers;
	void *ctx; /* the embedder's (floe_jinja_set_context) */
};

/* callables: objects carrying the marker key */
#define JJ_MARK "\x01jj"
enum { JJ_K_FN = 1, JJ_K_MACRO = 2, JJ_K_CALLER = 3 };
json_t *jj_callable(int kind, size_t idx);
bool jj_is_callable(const json_t *v, int *kind, size_t *idx);

/* errors "template:line: message"; fmt has up to two %s */
int jj_error(floe_jinja *j, int line, const char *fmt, const char *a);
int jj_error2(floe_jinja *j, int line, const char *fmt, const char *a, const char *b);
/* call a callable with positional arguments (kwargs may be NULL) */
int jj_call(json_t **out, floe_jinja *j, int line, const json_t *callee, json_t *args);
int jj_call_kw(json_t **out, floe_jinja *j, int line, const json_t *callee, json_t *args,
               json_t *kwargs);

/* ---- values (jinja_value.c) ---- */

/* true for the hidden keys of objects that stand for Python objects */
bool jj_hidden(const char *key);
/* the sequence of an object with FLOE_JINJA_SEQ (borrowed), else NULL */
json_t *jj_seq(const json_t *v);
/* what a template iterates over v gives (new array; NULL if not iterable) */
json_t *jj_items(const json_t *v);
/* number of items (strings: bytes; objects: visible keys or the sequence) */
size_t jj_length(const json_t *v);
int jj_put_value(floe_buf *b, const json_t *v, bool repr);
json_t *jj_to_string(const json_t *v);
/* true when v nests lists and dicts deeper than limit levels, or holds
 * `self` (may be NULL): a value that may not be stored (in self) */
bool jj_too_deep(const json_t *v, const json_t *self, int limit);
/* a plain JSON copy: hidden keys dropped, objects with a text form become
 * that text */
json_t *jj_plain(const json_t *v);
/* the string built in b (begun with floe_buf_init(b, JJ_MAX_STR); rc:
 * the first failed put, or 0) as a new value in *out, else the error
 * naming the template, line and `what` made it too long; frees b */
int jj_buf_string(json_t **out, floe_jinja *j, int line, const char *what, floe_buf *b, int rc);
bool jj_num(const json_t *v, double *d);
bool jj_equal(const json_t *a, const json_t *b);
int jj_compare(floe_jinja *j, int line, const json_t *a, const json_t *b, int *out);
bool jj_contains(const json_t *hay, const json_t *needle);
int jj_binop(json_t **out, floe_jinja *j, int line, const char *op, json_t *a, json_t *b);
/* Python's str/list/dict methods; FLOE_ENOTFOUND (no error set) when self
 * has no such method */
int jj_method(json_t **out, floe_jinja *j, int line, json_t *self, const char *m, json_t *args,
              json_t *kwargs);

/* ---- built-ins (jinja_lib.c, jinja_modules.c) ---- */

int jj_filter(json_t **out, floe_jinja *j, int line, const char *name, json_t *v, json_t *args,
              json_t *kwargs);
int jj_test(bool *out, floe_jinja *j, int line, const char *name, const json_t *v,
            const json_t *args);
int jj_builtins(floe_jinja *j);
int jj_modules(floe_jinja *j);  /* modules.re, then jj_datetime */
int jj_datetime(floe_jinja *j); /* modules.datetime, modules.pytz */

#endif
