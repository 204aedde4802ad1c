/*
 * dbt's names (dbt_names.c): the names and unique ids dbt gives generic
 * tests, Python's str()/repr() of YAML values, and the checks of names and
 * folders that become parts of paths. Depends on nothing else of dbt.
 */
#ifndef FLOE_DBT_NAMES_H
#define FLOE_DBT_NAMES_H

#include <jansson.h>
#include <stdbool.h>

#include "floe/base.h"

/* dbt's names of generic tests. Python's str() / repr() of
 * a YAML value appended to b. */
int dbt_py_str(floe_buf *b, const json_t *v);
int dbt_py_repr(floe_buf *b, const json_t *v);
/* short (compiled file, alias) and full (name, fqn, unique id) name of a
 * generic test: test_type is the test's name with "source_" and the
 * package prefixed as dbt does ("dbt_utils_expression_is_true"), target
 * the model's name or "<source>_<table>", kwargs the test's keyword
 * arguments including column_name (and model, left out). Caller frees. */
int dbt_generic_test_names(char **short_name, char **full_name, const char *test_type,
                           const char *target, const json_t *kwargs);
/* test.<project>.<name>.<hash>: the hash of the name and the test's
 * metadata {namespace (NULL for none), name, kwargs}. Caller frees. */
int dbt_test_unique_id(char **out, const char *project, const char *name, const char *ns,
                       const char *test_name, const json_t *kwargs);

/* names and config values that become parts of paths (dbt_names.c).
 * dbt_check_identifier: a project or package name as dbt-core validates
 * it (letters, digits, '_', not starting with a digit). dbt_check_path_part:
 * a name used as one file or folder name (an alias, a schema, a test's
 * name): not empty, '.' or '..', no '/' or '\\'. dbt_check_subdir: a
 * folder of the project (target-path, packages-install-path, log-path):
 * relative, no '..' part, not the project itself. Each sets FLOE_EINVAL
 * naming file, field and value. dbt_path_inside: rel is relative and has
 * no '..' part (so joined to a folder it stays inside it). */
int dbt_check_identifier(const char *file, const char *field, const char *value);
int dbt_check_path_part(const char *file, const char *field, const char *value);
int dbt_check_subdir(const char *file, const char *field, const char *value);
bool dbt_path_inside(const char *rel);
/* a plain SQL identifier: a letter or '_', then letters, digits or '_' */
bool dbt_plain_identifier(const char *s);

#endif
