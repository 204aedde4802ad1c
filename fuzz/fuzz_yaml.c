/*
 * libFuzzer driver for the YAML reader (floe_yaml_parse: libyaml events
 * into jansson values, anchors and aliases resolved, scalars typed), which
 * reads every dbt_project.yml, profiles.yml, packages.yml and properties
 * file. Today in src/project/yaml.c with its declaration in
 * include/floe/project.h; when the project layer splits, it is
 * src/dbt/yaml.c (the function keeps its name; fuzz/CMakeLists.txt finds
 * the file in either place). Built by fuzz/CMakeLists.txt; run by CTest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "floe/base.h"

/* the one function this driver needs, declared here so that the driver
 * does not depend on which header holds it */
int floe_yaml_parse(json_t **out, const char *text, size_t len, const char *name);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	floe_base_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = NULL;
	if (floe_yaml_parse(&v, (const char *)data, size, "fuzz.yml") == 0) {
		/* what a caller does next: walk and print it */
		char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
		free(s);
	}
	json_decref(v);
	floe_error_clear();
	return 0;
}
