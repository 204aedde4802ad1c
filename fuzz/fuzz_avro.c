/*
 * libFuzzer driver for the Avro reader (floe_avro_reader_open/next), the
 * parser that reads manifests and manifest lists written by anyone.
 * Built by fuzz/CMakeLists.txt (tests/fuzz.cmake), run by CTest; longer:
 *   build/fuzz/fuzz_avro -max_total_time=300 -rss_limit_mb=2048 NEW_DIR fuzz/corpus/avro
 */
#include <stddef.h>
#include <stdint.h>

#include "floe/avro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	floe_avro_reader *r = NULL;
	const floe_avro_value *v;
	int n = 0;
	if (floe_avro_reader_open(&r, data, size, "fuzz") == 0) {
		while (n++ < 100000 && floe_avro_reader_next(r, &v) == 1)
			(void)floe_avro_value_field(v, "data_file");
	}
	floe_avro_reader_free(r);
	return 0;
}
