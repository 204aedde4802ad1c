/*
 * floe project layer: what a dbt-style project needs before anything runs.
 *
 * - YAML (dbt_project.yml, profiles.yml, schema files) read with libyaml
 *   into jansson values
 * - a Jinja interpreter for the subset dbt projects use: {{ }}, {% %}, {# #},
 *   whitespace control, if/elif/else, for with loop, set (incl. block set),
 *   macro with defaults, keyword, *list and **dict arguments, call/caller,
 *   do, filters and tests, macros grouped by package, the Python methods
 *   and modules (re, datetime) dbt packages use, and functions the caller
 *   registers (ref, source, config, var ...)
 *
 * Values are jansson values (null, bool, integer, real, string, array,
 * object); callables are objects carrying an internal marker key, and
 * Python objects are objects with hidden keys (FLOE_JINJA_CLASS below).
 * Built on base and jansson; the dbt graph and runner come on top of this.
 */
#ifndef FLOE_PROJECT_H
#define FLOE_PROJECT_H

#include <jansson.h>

#include "floe/engine.h"

/* ======================= YAML ======================= */

/*
 * Parse one YAML document into JSON: mappings become objects (keys must be
 * scalars), sequences arrays, plain scalars are typed as YAML 1.1 core does
 * for what dbt files use (true/false/yes/no/on/off, null/~/empty, integers,
 * floats), quoted scalars stay strings. Anchors and aliases are resolved.
 * An empty document is JSON null. Errors are FLOE_EINVAL naming
 * `name:line:column` and what libyaml expected. New reference in *out.
 */
int floe_yaml_parse(json_t **out, const char *text, size_t len, const char *name);
/* Read and parse a file (FLOE_ENOTFOUND when absent). */
int floe_yaml_load(json_t **out, const char *path);

/* ======================= Jinja ======================= */

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

/* ======================= dbt projects ======================= */

typedef struct floe_dbt floe_dbt;

typedef struct {
	const char *project_dir;  /* NULL = current directory */
	const char *profiles_dir; /* NULL = project dir, then ~/.dbt */
	const char *target;       /* NULL = the profile's default */
	const char *vars;         /* YAML/JSON mapping given with --vars, or NULL */
	const char *select;       /* dbt selection syntax, or NULL for all */
	const char *exclude;
	int threads; /* 0 = the profile's */
	bool full_refresh;
	const char *warehouse; /* overrides the profile's warehouse */
	const char *catalog;   /* overrides the profile's catalog */
	const char *selector;  /* a selectors.yml selector, or NULL */
	/* --resource-type / --exclude-resource-type: names separated by
	 * spaces or commas (model, seed, test, source, analysis, default,
	 * all), or NULL */
	const char *resource_types;
	const char *exclude_resource_types;
	const char *indirect_selection; /* eager (NULL), cautious, buildable, empty */
	/* start opening DuckDB on its own thread as soon as the profile is
	 * read, for a command that runs nodes (build, run, seed, test): the
	 * open then overlaps loading the project */
	bool open_engine_early;
} floe_dbt_options;

/* Load a project: dbt_project.yml, profiles.yml, macros, seeds, models,
 * schema files and tests; render every node once to collect ref/source/
 * config, resolve schemas and aliases (the project's generate_schema_name
 * when it has one), and check the graph (missing refs, cycles) before
 * anything runs. Errors name the file (and line for YAML/Jinja). */
int floe_dbt_load(floe_dbt **out, const floe_dbt_options *opts);
void floe_dbt_free(floe_dbt *d);

typedef struct {
	int pass, warn, error, skip, total;
} floe_dbt_summary;

/* floe deps: install the packages.yml entries given as `local:` into
 * dbt_packages/; hub and git packages are an error saying they need the
 * network. *installed counts what was copied. */
int floe_dbt_deps(const char *project_dir, int *installed);

/* Run "seed", "run", "test", "build" or "compile" over the selected
 * nodes in dependency order, printing dbt-style progress lines through
 * floe_log. A failing node is ERROR and its descendants SKIP; every table
 * keeps its last good snapshot. Writes target/run_results.json and
 * target/manifest.json. Returns 0 when the command ran (check the summary
 * for failures), negative when it could not run. */
int floe_dbt_execute(floe_dbt *d, const char *command, floe_dbt_summary *summary);

/* floe ls as dbt ls: the selected nodes sorted by unique id, one line
 * each, appended to out. output: "selector" (NULL; the fqn joined by dots,
 * source:<package>.<source>.<table> for sources), "name", "path" (the file
 * it is defined in) or "json" (one object per line with dbt's keys, or
 * with output_keys, names separated by spaces or commas, dotted ones
 * reaching into config). *count is the number of lines. */
int floe_dbt_list(floe_dbt *d, const char *output, const char *output_keys, floe_buf *out,
                  size_t *count);

#endif
