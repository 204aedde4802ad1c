/*
 * libFuzzer driver for the Parquet footer reader (floe_pq_footer_parse in
 * src/engine/footer.c): the Thrift compact-protocol FileMetaData of data
 * files other writers may have made, from which floe takes column bounds.
 * The input is the FileMetaData itself (what sits before the footer's
 * length and "PAR1"). Built by fuzz/CMakeLists.txt; run by CTest.
 */
#include <stddef.h>
#include <stdint.h>

#include "engine/engine_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	floe_pq_footer f;
	size_t sum = 0;
	if (floe_pq_footer_parse(&f, data, size, "fuzz") != 0)
		return 0;
	/* every chunk's bounds lie inside the footer the parser was given */
	for (size_t i = 0; i < f.n; i++) {
		const floe_pq_chunk *c = &f.chunks[i];
		if (c->min)
			for (size_t k = 0; k < c->min_len; k++)
				sum += c->min[k];
		if (c->max)
			for (size_t k = 0; k < c->max_len; k++)
				sum += c->max[k];
	}
	(void)sum;
	floe_pq_footer_free(&f);
	return 0;
}
