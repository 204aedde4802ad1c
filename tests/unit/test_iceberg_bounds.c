/* Unit tests of Iceberg bound serialization (spec Appendix D) for every
 * type floe writes, and of string/binary truncation (truncate(16)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "floe/iceberg.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__})

static void test_fixed_width(void **state)
{
	uint8_t b[16];
	(void)state;
	assert_int_equal(floe_ice_bound_bool(b, true), 1);
	assert_int_equal(b[0], 1);
	assert_int_equal(floe_ice_bound_i32(b, 100), 4); /* int, date */
	assert_memory_equal(b, BYTES(0x64, 0, 0, 0), 4);
	assert_int_equal(floe_ice_bound_i32(b, -1), 4);
	assert_memory_equal(b, BYTES(0xff, 0xff, 0xff, 0xff), 4);
	assert_int_equal(floe_ice_bound_i64(b, 1705314600123456LL), 8); /* timestamp µs */
	assert_memory_equal(b, BYTES(0x40, 0x7c, 0xf8, 0x7e, 0xf9, 0x0e, 0x06, 0x00), 8);
	assert_int_equal(floe_ice_bound_f32(b, 1.0f), 4);
	assert_memory_equal(b, BYTES(0x00, 0x00, 0x80, 0x3f), 4);
	assert_int_equal(floe_ice_bound_f64(b, -2.0), 8);
	assert_memory_equal(b, BYTES(0, 0, 0, 0, 0, 0, 0x00, 0xc0), 8);
	assert_int_equal(floe_ice_bound_f64(b, -0.0), 8);
	assert_memory_equal(b, BYTES(0, 0, 0, 0, 0, 0, 0, 0x80), 8);
}

static void test_decimal(void **state)
{
	uint8_t b[16];
	(void)state;
	assert_int_equal(floe_ice_bound_decimal(b, 0), 1);
	assert_memory_equal(b, BYTES(0x00), 1);
	assert_int_equal(floe_ice_bound_decimal(b, 127), 1);
	assert_memory_equal(b, BYTES(0x7f), 1);
	assert_int_equal(floe_ice_bound_decimal(b, 128), 2);
	assert_memory_equal(b, BYTES(0x00, 0x80), 2);
	assert_int_equal(floe_ice_bound_decimal(b, -1), 1);
	assert_memory_equal(b, BYTES(0xff), 1);
	assert_int_equal(floe_ice_bound_decimal(b, -128), 1);
	assert_memory_equal(b, BYTES(0x80), 1);
	assert_int_equal(floe_ice_bound_decimal(b, -129), 2);
	assert_memory_equal(b, BYTES(0xff, 0x7f), 2);
	assert_int_equal(floe_ice_bound_decimal(b, 1234), 2); /* 12.34 as decimal(4,2) */
	assert_memory_equal(b, BYTES(0x04, 0xd2), 2);
	{
		__int128 big = (__int128)1 << 100;
		assert_int_equal(floe_ice_bound_decimal(b, big), 13);
		assert_int_equal(b[0], 0x10);
	}
}

static void test_string_truncation(void **state)
{
	uint8_t out[64];
	size_t n = 0;
	const char *abc = "abcdefghijklmnopqrstuvwxyz";
	(void)state;
	/* short strings are their own bounds */
	floe_ice_truncate_string_lower(out, &n, "abc", 3, 16);
	assert_int_equal(n, 3);
	floe_ice_truncate_string_upper(out, &n, "abc", 3, 16);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "abc", 3);
	/* long: lower is a prefix, upper a prefix with the last char incremented */
	floe_ice_truncate_string_lower(out, &n, abc, 26, 16);
	assert_int_equal(n, 16);
	assert_memory_equal(out, "abcdefghijklmnop", 16);
	floe_ice_truncate_string_upper(out, &n, abc, 26, 16);
	assert_int_equal(n, 16);
	assert_memory_equal(out, "abcdefghijklmnoq", 16);
	/* multi-byte: 3 code points "ééé" width 2 -> never cut inside a sequence */
	floe_ice_truncate_string_lower(out, &n, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, 2);
	assert_int_equal(n, 4);
	floe_ice_truncate_string_upper(out, &n, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, 2);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\xc3\xa9\xc3\xaa", 4); /* é -> ê */
	/* U+D7FF increments past the surrogates to U+E000 */
	floe_ice_truncate_string_upper(out, &n,
	                               "a\xed\x9f\xbf"
	                               "b",
	                               5, 2);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "a\xee\x80\x80", 4);
	/* U+10FFFF cannot be incremented: the previous code point is */
	floe_ice_truncate_string_upper(out, &n,
	                               "a\xf4\x8f\xbf\xbf"
	                               "b",
	                               6, 2);
	assert_int_equal(n, 1);
	assert_memory_equal(out, "b", 1);
	/* nothing incrementable: no upper bound */
	assert_false(floe_ice_truncate_string_upper(out, &n,
	                                            "\xf4\x8f\xbf\xbf\xf4\x8f\xbf\xbf"
	                                            "x",
	                                            9, 2));
	/* the empty string is a bound (of zero bytes), on both sides */
	assert_true(floe_ice_truncate_string_lower(out, &n, "", 0, 16));
	assert_int_equal(n, 0);
	assert_true(floe_ice_truncate_string_upper(out, &n, "", 0, 16));
	assert_int_equal(n, 0);
}

static void test_binary_truncation(void **state)
{
	uint8_t out[64], in[20];
	size_t n = 0;
	(void)state;
	memset(in, 0xff, sizeof(in));
	in[3] = 0x10;
	floe_ice_truncate_binary_lower(out, &n, in, 20, 16);
	assert_int_equal(n, 16);
	floe_ice_truncate_binary_upper(out, &n, in, 20, 16);
	assert_int_equal(n, 4); /* last byte < FF is at index 3: incremented, rest dropped */
	assert_int_equal(out[3], 0x11);
	memset(in, 0xff, sizeof(in));
	assert_false(floe_ice_truncate_binary_upper(out, &n, in, 20, 16)); /* all FF: none */
	assert_true(floe_ice_truncate_binary_upper(out, &n, in, 5, 16));
	assert_int_equal(n, 5); /* short value is its own bound */
	assert_true(floe_ice_truncate_binary_lower(out, &n, in, 0, 16));
	assert_int_equal(n, 0); /* empty value: an empty bound */
	assert_true(floe_ice_truncate_binary_upper(out, &n, in, 0, 16));
	assert_int_equal(n, 0);
}

/* 16 bytes from 32 hex digits */
static void uuid_bytes(uint8_t *out, const char *hex)
{
	for (int i = 0; i < 16; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void test_uuid_bounds(void **state)
{
	uint8_t lo[16], hi[16], a[16], b[16], want[16];
	(void)state;
	/* straddling 80000000-...: Java (signed halves) would read lower > upper */
	uuid_bytes(a, "00112233445566778899aabbccddeeff");
	uuid_bytes(b, "ffffffffffffffffffffffffffffffff");
	assert_false(floe_ice_uuid_bounds(lo, hi, a, 16, b, 16));
	/* the same, in Java's order (signed minimum first) */
	assert_false(floe_ice_uuid_bounds(lo, hi, b, 16, a, 16));
	/* equal high halves, low halves of one sign: the bounds themselves */
	uuid_bytes(a, "0123456789abcdef8000000000000001");
	uuid_bytes(b, "0123456789abcdefffffffffffffff00");
	assert_true(floe_ice_uuid_bounds(lo, hi, a, 16, b, 16));
	assert_memory_equal(lo, a, 16);
	assert_memory_equal(hi, b, 16);
	/* equal high halves, low halves of both signs: the neighbouring highs */
	uuid_bytes(a, "0123456789abcdef0000000000000001");
	assert_true(floe_ice_uuid_bounds(lo, hi, a, 16, b, 16));
	uuid_bytes(want, "0123456789abcdeeffffffffffffffff");
	assert_memory_equal(lo, want, 16);
	uuid_bytes(want, "0123456789abcdf00000000000000000");
	assert_memory_equal(hi, want, 16);
	/* different high halves of one sign (time-ordered v7 uuids): widened */
	uuid_bytes(a, "9190c1d2e3f47a0b8c0d0e0f10111213");
	uuid_bytes(b, "9190c1d2e4007a0bbc0d0e0f10111213");
	assert_true(floe_ice_uuid_bounds(lo, hi, a, 16, b, 16));
	uuid_bytes(want, "9190c1d2e3f47a0affffffffffffffff");
	assert_memory_equal(lo, want, 16);
	uuid_bytes(want, "9190c1d2e4007a0c0000000000000000");
	assert_memory_equal(hi, want, 16);
	/* widening would leave the sign half: none */
	uuid_bytes(a, "00000000000000000000000000000000");
	uuid_bytes(b, "00000000000000010000000000000000");
	assert_false(floe_ice_uuid_bounds(lo, hi, a, 16, b, 16));
	uuid_bytes(a, "7ffffffffffffffe0000000000000000");
	uuid_bytes(b, "7fffffffffffffff0000000000000000");
	assert_false(floe_ice_uuid_bounds(lo, hi, a, 16, b, 16));
	/* but one value is its own bound, wherever it is */
	assert_true(floe_ice_uuid_bounds(lo, hi, b, 16, b, 16));
	assert_memory_equal(lo, b, 16);
	/* one bound missing, or not 16 bytes: none */
	assert_false(floe_ice_uuid_bounds(lo, hi, NULL, 0, b, 16));
	assert_false(floe_ice_uuid_bounds(lo, hi, a, 15, b, 16));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixed_width),       cmocka_unit_test(test_decimal),
	    cmocka_unit_test(test_string_truncation), cmocka_unit_test(test_binary_truncation),
	    cmocka_unit_test(test_uuid_bounds),
	};
	floe_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
