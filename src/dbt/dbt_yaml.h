/*
 * YAML of a dbt project (dbt_project.yml, profiles.yml, properties files,
 * selectors.yml, packages.yml) read with libyaml into jansson values
 * (yaml.c). Part of the dbt layer, which DESIGN.md builds on libyaml.
 */
#ifndef FLOE_DBT_YAML_H
#define FLOE_DBT_YAML_H

#include <jansson.h>

#include "floe/base.h"

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

#endif
