/*
 * floe jinja layer: a Jinja interpreter for the subset dbt projects use:
 * {{ }}, {% %}, {# #}, whitespace control, if/elif/else, for with loop, set
 * (incl. block set), macro with defaults, keyword, *list and **dict
 * arguments, call/caller, do, filters and tests, macros grouped by package,
 * the Python methods and modules (re, datetime) dbt packages use, and
 * functions the embedder registers (dbt's ref, source, config, var ...).
 *
 * Values are jansson values (null, bool, integer, real, string, array,
 * object); callables are objects carrying an internal marker key, and
 * Python objects are objects with hidden keys (FLOE_JINJA_CLASS below).
 * Built on base and jansson; it knows nothing of dbt or DuckDB.
 *
 * Threads: an interpreter is not thread-safe; one thread at a time may use
 * it (and the values it returns are the caller's).
 */
#ifndef FLOE_JINJA_H
#define FLOE_JINJA_H

#include <jansson.h>
#include <stdbool.h>

#include "floe/base.h"

typedef struct floe_jinja floe_jinja;

/*
 * A function callable from templates. args: array of positional values;
 * kwargs: object of keyword values (both borrowed). Return a new reference
 * in *result (json_null() for "nothing"), or a negative code with the error
 * set. userdata is what was given at registration.
 */
typedef int (*floe_jinja_fn)(json_t **result, floe_jinja *j, const json_t *args,
                             const json_t *kwargs, void *userdata);

/* A new interpreter with the built-in filters, tests and functions (range,
 * dict, list, zip, namespace, log (to floe_log), exceptions.raise_compiler_error,
 * return). Free with floe_jinja_free. */
int floe_jinja_new(floe_jinja **out);
void floe_jinja_free(floe_jinja *j);
/*
 * The embedder's context of the evaluation at hand (dbt: the worker that
 * renders, with its database connection), for the functions it registered:
 * they read it with floe_jinja_context. Borrowed: the interpreter never
 * frees it; NULL until set.
 */
void floe_jinja_set_context(floe_jinja *j, void *ctx);
void *floe_jinja_context(const floe_jinja *j);

/* Register a global function (replaces an existing one of that name). The
 * name may be dotted ("adapter.dispatch", "api.Relation.create") to live
 * inside nested objects. */
int floe_jinja_register(floe_jinja *j, const char *name, floe_jinja_fn fn, void *userdata);

/*
 * Objects standing for Python objects (relations, columns, agate tables)
 * are JSON objects with hidden keys, which templates never see when they
 * iterate, print, index or serialize the object:
 *   FLOE_JINJA_CLASS  class name (string): obj.m(...) calls the function
 *                     registered with floe_jinja_register_method for it
 *   FLOE_JINJA_TEXT   text form (string): what {{ obj }} and ~ print
 *   FLOE_JINJA_SEQ    an array: the object is also a sequence (for loops,
 *                     obj[0], length, obj.values()), like an agate row
 */
#define FLOE_JINJA_CLASS                                                                           \
	"\x01"                                                                                     \
	"cls"
#define FLOE_JINJA_TEXT                                                                            \
	"\x01"                                                                                     \
	"str"
#define FLOE_JINJA_SEQ                                                                             \
	"\x01"                                                                                     \
	"seq"
/* Register method `name` of class `cls`: fn gets the object as args[0]. */
int floe_jinja_register_method(floe_jinja *j, const char *cls, const char *name, floe_jinja_fn fn,
                               void *userdata);
/* Set a global variable (value copied). Dotted names are not split. */
int floe_jinja_set_global(floe_jinja *j, const char *name, const json_t *value);
/* Load macros from a template (its output is discarded), making every
 * {% macro %} it defines callable from later renders. `name` is used in
 * errors. */
int floe_jinja_load_macros(floe_jinja *j, const char *text, const char *name);
/*
 * The same for the macros of package `pkg` (NULL or the root's name: the
 * root project). Unqualified names resolve as in dbt: a template's own
 * macros, the root project's macros (they override context functions),
 * the context, the macros of package "dbt" (floe's built-ins), then the
 * package of the executing macro, then any package.
 */
int floe_jinja_load_package_macros(floe_jinja *j, const char *text, const char *name,
                                   const char *pkg);
/* Name the root project (its macros are found first). */
int floe_jinja_set_root(floe_jinja *j, const char *name);
/* Macro `name` of package `pkg` (NULL: the root) as a callable value (new
 * reference), or NULL when that package has none. */
json_t *floe_jinja_package_macro(floe_jinja *j, const char *pkg, const char *name);
/* Loaded macros, in load order (for namespacing a package's macros). */
size_t floe_jinja_macro_count(const floe_jinja *j);
const char *floe_jinja_macro_name(const floe_jinja *j, size_t i);
const char *floe_jinja_macro_package(const floe_jinja *j, size_t i); /* NULL: root */
/* true if a macro of that name has been loaded */
bool floe_jinja_has_macro(const floe_jinja *j, const char *name);
/*
 * Render a template. The output (NUL-terminated) is appended to out.
 * Errors are FLOE_EINVAL "name:line: message" (syntax: what was expected;
 * runtime: undefined call, bad filter, type errors).
 */
int floe_jinja_render(floe_jinja *j, const char *text, const char *name, floe_buf *out);
/* Evaluate one Jinja expression (the inside of {{ }}), keeping its value
 * (a relation stays an object); undefined gives null. New reference. */
int floe_jinja_eval(json_t **result, floe_jinja *j, const char *expr, const char *name);
/* Call a loaded macro or registered function by name with positional args
 * (array, may be NULL); result as a new reference. */
int floe_jinja_call(json_t **result, floe_jinja *j, const char *name, const json_t *args);

/* The value of a global, macro or function by name (callables included),
 * as a new reference, or NULL when undefined. */
json_t *floe_jinja_lookup(floe_jinja *j, const char *name);

/* The same with keyword arguments (object, may be NULL). */
int floe_jinja_call_kw(json_t **result, floe_jinja *j, const char *name, const json_t *args,
                       const json_t *kwargs);

/* Call a callable value (from floe_jinja_lookup or floe_jinja_package_macro,
 * or an argument a template passed); result as a new reference. */
int floe_jinja_call_value(json_t **result, floe_jinja *j, const json_t *callee, const json_t *args,
                          const json_t *kwargs);

/* Docs blocks ({% docs name %}...{% enddocs %}) seen so far: an object of
 * name -> text (borrowed). */
const json_t *floe_jinja_docs(const floe_jinja *j);

/* Truthiness as Jinja defines it (undefined/null/false/0/""/[]/{} false). */
bool floe_jinja_truthy(const json_t *v);

#endif
