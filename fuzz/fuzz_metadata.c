/*
 * libFuzzer driver for the Iceberg metadata parser and the manifest and
 * manifest list decoders (floe_ice_metadata_parse, floe_ice_manifest_decode,
 * floe_ice_manifest_list_decode): the readers of files other engines write.
 * The first byte picks the parser, the rest is the file.
 * Built by fuzz/CMakeLists.txt (tests/fuzz.cmake), run by CTest; longer:
 *   build/fuzz/fuzz_metadata -max_total_time=300 -rss_limit_mb=2048 NEW_DIR fuzz/corpus/metadata
 */
#include <stddef.h>
#include <stdint.h>

#include "floe/iceberg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0: {
		floe_ice_metadata *m = NULL;
		floe_buf out = FLOE_BUF_INIT_MAX(64 << 20); /* far more than the input */
		if (floe_ice_metadata_parse(&m, (const char *)data + 1, size - 1, "fuzz") == 0) {
			floe_ice_schema *s = NULL;
			floe_ice_metadata_serialize(m, &out);
			if (floe_ice_metadata_schema(m, -1, &s) == 0)
				floe_ice_schema_free(s);
		}
		floe_buf_free(&out);
		floe_ice_metadata_free(m);
		break;
	}
	case 1: {
		floe_ice_manifest_entry *e = NULL;
		size_t n = 0;
		if (floe_ice_manifest_decode(&e, &n, data + 1, size - 1, "fuzz", NULL) == 0)
			floe_ice_manifest_entries_free(e, n);
		break;
	}
	default: {
		floe_ice_manifest_file *f = NULL;
		size_t n = 0;
		if (floe_ice_manifest_list_decode(&f, &n, data + 1, size - 1, "fuzz") == 0)
			floe_ice_manifest_files_free(f, n);
		break;
	}
	}
	return 0;
}
