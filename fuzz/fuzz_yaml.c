/*
 * libFuzzer driver for the YAML reader (floe_yaml_parse in src/dbt/yaml.c:
 * libyaml events into jansson values, anchors and aliases resolved,
 * scalars typed), which reads every dbt_project.yml, profiles.yml,
 * packages.yml, selectors.yml and properties file. Built by
 * fuzz/CMakeLists.txt (tests/fuzz.cmake); run by CTest.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dbt/dbt_yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
