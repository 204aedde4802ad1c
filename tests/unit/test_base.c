/* Unit tests of the base layer: errors, buffer caps, parsing, time, uuid,
 * murmur3 (spec Appendix B values), md5 (RFC 1321 test suite) and the
 * allocation fault seam. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "floe/base.h"

static void test_error_set_and_prefix(void **state)
{
	(void)state;
	assert_int_equal(floe_error_set(FLOE_ENOTFOUND, "table %s not found", "a.b"),
	                 FLOE_ENOTFOUND);
	floe_error_prefix("loading: ");
	assert_string_equal(floe_error_message(), "loading: table a.b not found");
	assert_int_equal(floe_error_code(), FLOE_ENOTFOUND);
	floe_error_clear();
	assert_string_equal(floe_error_message(), "");
}

/* Context never changes the code the failing layer set (the cli's exit
 * code and JSON error name come from it): nested prefixes, a message cut
 * at its limit, and every code. A prefix without any error is EINVAL. */
static void test_error_prefix_keeps_code(void **state)
{
	static const int codes[] = {FLOE_ENOMEM,  FLOE_EINVAL,    FLOE_EIO,      FLOE_ENOTFOUND,
	                            FLOE_EEXISTS, FLOE_ECONFLICT, FLOE_ECORRUPT, FLOE_EUNSUPPORTED,
	                            FLOE_EENGINE, FLOE_EBUSY,     FLOE_ECATALOG};
	char big[2000];
	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		floe_error_set(codes[i], "inner");
		assert_int_equal(floe_error_prefix("b: "), codes[i]);
		assert_int_equal(floe_error_prefix("a: "), codes[i]);
		assert_string_equal(floe_error_message(), "a: b: inner");
		assert_int_equal(floe_error_prefix("%s", big), codes[i]);
		assert_int_equal(floe_error_code(), codes[i]);
		assert_true(strlen(floe_error_message()) < 1024);
		assert_string_not_equal(floe_error_name(codes[i]), "EUNKNOWN");
	}
	floe_error_clear();
	assert_int_equal(floe_error_prefix("ctx: "), FLOE_EINVAL);
	assert_string_equal(floe_error_message(), "ctx: ");
	floe_error_clear();
}

static void test_buf_cap(void **state)
{
	floe_buf b;
	(void)state;
	floe_buf_init(&b, 8);
	assert_int_equal(floe_buf_puts(&b, "abcd"), 0);
	assert_int_equal(floe_buf_printf(&b, "%d", 123), 0);
	assert_string_equal(b.ptr, "abcd123");
	assert_int_equal(floe_buf_puts(&b, "xy"), FLOE_EINVAL);
	/* the failed put took everything with it: nothing truncated survives */
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_int_equal(floe_buf_error(&b), FLOE_EINVAL);
	floe_buf_reset(&b);
	assert_int_equal(floe_buf_error(&b), 0);
	assert_int_equal(floe_buf_put_sql_string(&b, "it's"), 0);
	assert_string_equal(b.ptr, "'it''s'");
	floe_buf_free(&b);
}

/* The cap is the largest length: exactly max bytes fit, one more does not,
 * whichever put gets there (put, putc, printf, grow). */
static void test_buf_cap_exact(void **state)
{
	floe_buf b = FLOE_BUF_INIT_MAX(5);
	(void)state;
	assert_int_equal(floe_buf_put(&b, "abcde", 5), 0);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.ptr, "abcde");
	assert_int_equal(floe_buf_put(&b, "", 0), 0); /* nothing more is fine */
	assert_int_equal(floe_buf_putc(&b, 'f'), FLOE_EINVAL);
	assert_int_equal(floe_buf_error(&b), FLOE_EINVAL);
	floe_buf_free(&b);
	assert_int_equal(b.max, 5); /* free keeps the cap */
	assert_int_equal(floe_buf_printf(&b, "%s", "abcdef"), FLOE_EINVAL);
	assert_null(b.ptr);
	floe_buf_reset(&b);
	assert_int_equal(floe_buf_printf(&b, "%s", "abcd"), 0);
	assert_int_equal(floe_buf_grow(&b, 1), 0);
	assert_int_equal(floe_buf_grow(&b, 2), FLOE_EINVAL);
	assert_int_equal(floe_buf_put(&b, "e", 1), FLOE_EINVAL); /* still failed */
	floe_buf_free(&b);
	/* a size that wraps around is refused, not trusted */
	floe_buf_init(&b, 0);
	assert_int_equal(floe_buf_puts(&b, "x"), 0);
	assert_int_equal(floe_buf_grow(&b, SIZE_MAX), FLOE_EINVAL);
	assert_int_equal(floe_buf_grow(&b, FLOE_BUF_DEFAULT_MAX), FLOE_EINVAL);
	floe_buf_free(&b);
}

/* After a failed put every later put fails with the first code, the
 * content stays empty and detach refuses: a statement with a piece missing
 * cannot come out of it, even when only the last put is checked. */
static void test_buf_put_after_failure(void **state)
{
	floe_buf b = FLOE_BUF_INIT_MAX(16);
	size_t len = 99;
	(void)state;
	assert_int_equal(floe_buf_puts(&b, "DELETE FROM t "), 0);
	assert_int_equal(floe_buf_puts(&b, "WHERE id = 1"), FLOE_EINVAL);
	floe_error_clear();
	assert_int_equal(floe_buf_puts(&b, ";"), FLOE_EINVAL);
	assert_int_equal(floe_error_code(), FLOE_EINVAL); /* restated */
	assert_int_equal(floe_buf_putc(&b, 'x'), FLOE_EINVAL);
	assert_int_equal(floe_buf_printf(&b, "%d", 1), FLOE_EINVAL);
	assert_int_equal(floe_buf_put_sql_ident(&b, "a"), FLOE_EINVAL);
	assert_int_equal(floe_buf_put_sql_string(&b, "a"), FLOE_EINVAL);
	assert_int_equal(floe_buf_grow(&b, 0), FLOE_EINVAL);
	assert_null(b.ptr);
	assert_int_equal(b.len, 0);
	assert_null(floe_buf_detach(&b, &len));
	assert_int_equal(len, 0);
	assert_int_equal(floe_buf_error(&b), FLOE_EINVAL); /* detach keeps it failed */
	floe_buf_free(&b);
	assert_int_equal(floe_buf_error(&b), 0);
	/* a fresh buffer detaches "" when empty */
	{
		char *s = floe_buf_detach(&b, &len);
		assert_non_null(s);
		assert_string_equal(s, "");
		assert_int_equal(len, 0);
		floe_free(s);
	}
}

/* FLOE_FAULT_ALLOC in the middle of a sequence of puts: from the failed
 * allocation on, the buffer is empty and failed, whatever comes after;
 * every N up to the number of allocations the sequence makes. */
static void test_buf_alloc_fault_sweep(void **state)
{
	long n;
	(void)state;
	for (n = 1;; n++) {
		floe_buf b = FLOE_BUF_INIT_MAX(1 << 20);
		int first = 0, rc;
		long left;
		floe_fault_alloc_set(n);
		for (int i = 0; i < 200; i++) {
			rc = i % 3 == 0   ? floe_buf_printf(&b, "%d,", i)
			     : i % 3 == 1 ? floe_buf_put_sql_string(&b, "o'clock")
			                  : floe_buf_puts(&b, "0123456789abcdefghij");
			if (rc && first == 0)
				first = rc;
			if (first) {
				assert_int_equal(rc, FLOE_ENOMEM);
				assert_null(b.ptr);
				assert_int_equal(b.len, 0);
			}
		}
		left = floe_fault_alloc_left();
		floe_fault_alloc_set(0);
		if (left > 0) { /* the sequence ended before the Nth allocation */
			assert_int_equal(first, 0);
			assert_non_null(b.ptr);
			floe_buf_free(&b);
			break;
		}
		assert_int_equal(first, FLOE_ENOMEM);
		assert_int_equal(floe_buf_error(&b), FLOE_ENOMEM);
		assert_null(floe_buf_detach(&b, NULL));
		floe_buf_free(&b);
	}
	assert_true(n > 5); /* the sequence grew the buffer several times */
}

static void test_parse_i64(void **state)
{
	int64_t v = 0;
	(void)state;
	assert_int_equal(floe_parse_i64(&v, "-9223372036854775808"), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(floe_parse_i64(&v, "12x"), FLOE_EINVAL);
	assert_int_equal(floe_parse_i64(&v, "99999999999999999999"), FLOE_EINVAL);
	assert_int_equal(floe_parse_i64(&v, ""), FLOE_EINVAL);
}

static void test_time_parse(void **state)
{
	int64_t ms = 0;
	char out[32];
	(void)state;
	assert_int_equal(floe_time_parse_ms(&ms, "1970-01-01"), 0);
	assert_true(ms == 0);
	assert_int_equal(floe_time_parse_ms(&ms, "2026-01-01 10:00:00.5"), 0);
	assert_true(ms == 1767261600500LL);
	floe_time_format_ms(ms, out);
	assert_string_equal(out, "2026-01-01 10:00:00.500");
	floe_time_format_ms(-1, out);
	assert_string_equal(out, "1969-12-31 23:59:59.999");
	/* no signed overflow, no uninitialised struct tm at the extremes */
	floe_time_format_ms(INT64_MIN, out);
	assert_string_equal(out, "@-9223372036854775808 ms");
	floe_time_format_ms(INT64_MAX, out);
	assert_string_equal(out, "@9223372036854775807 ms");
	assert_int_equal(floe_time_parse_ms(&ms, "2026-13-01"), FLOE_EINVAL);
	assert_int_equal(floe_time_parse_ms(&ms, "yesterday"), FLOE_EINVAL);
}

static void test_uuid(void **state)
{
	uint8_t u[16], v[16];
	char s[37];
	(void)state;
	floe_uuid_v4(u);
	floe_uuid_format(u, s);
	assert_int_equal(strlen(s), 36);
	assert_int_equal(s[14], '4');
	assert_int_equal(floe_uuid_parse(v, s), 0);
	assert_memory_equal(u, v, 16);
	assert_int_equal(floe_uuid_parse(v, "zz"), FLOE_EINVAL);
}

static void test_murmur3_spec_values(void **state)
{
	/* Iceberg spec Appendix B: hash of long 34 and of string "iceberg" */
	uint8_t le34[8] = {34, 0, 0, 0, 0, 0, 0, 0};
	(void)state;
	assert_int_equal(floe_murmur3_32(le34, 8, 0), 2017239379u);
	assert_int_equal(floe_murmur3_32("iceberg", 7, 0), 1210000089u);
}

static void test_md5_rfc1321(void **state)
{
	/* RFC 1321, appendix A.5: the test suite */
	static const char *const v[][2] = {
	    {"", "d41d8cd98f00b204e9800998ecf8427e"},
	    {"a", "0cc175b9c0f1b6a831c399e269772661"},
	    {"abc", "900150983cd24fb0d6963f7d28e17f72"},
	    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	     "d174ab98d277d9f5a5611c2c9f419d9f"},
	    {"1234567890123456789012345678901234567890123456789012345678901234567890123456"
	     "7890",
	     "57edf4a22be3c955ac49da2e2107b67a"},
	};
	char hex[33];
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		floe_md5_hex(v[i][0], strlen(v[i][0]), hex);
		assert_string_equal(hex, v[i][1]);
	}
}

static void test_md5_streaming(void **state)
{
	/* any split of the input gives the one-shot digest, across block and
	 * padding boundaries (55, 56, 63, 64, 65 bytes) */
	char text[200], one[33], hex[33];
	static const char digits[] = "0123456789abcdef";
	(void)state;
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	for (size_t len = 0; len <= sizeof(text); len += (len < 70 ? 1 : 13)) {
		floe_md5_hex(text, len, one);
		for (size_t cut = 0; cut <= len; cut += 7) {
			floe_md5_ctx c;
			uint8_t d[16];
			floe_md5_init(&c);
			floe_md5_update(&c, text, cut);
			floe_md5_update(&c, text + cut, len - cut);
			floe_md5_final(&c, d);
			for (int k = 0; k < 16; k++) {
				hex[2 * k] = digits[d[k] >> 4];
				hex[2 * k + 1] = digits[d[k] & 15];
			}
			hex[32] = '\0';
			assert_string_equal(hex, one);
		}
	}
	/* a dbt generic test name (its unique id hashes such strings) */
	floe_md5_hex(
	    "accepted_values_orders_status__placed__shipped__completed__return_pending__returned",
	    83, hex);
	assert_string_equal(hex, "1ce6ab157c285f7cd2ac656013faf758");
}

static void test_alloc_fault(void **state)
{
	void *p;
	(void)state;
	floe_fault_alloc_set(2);
	p = floe_malloc(10);
	assert_non_null(p);
	floe_free(p);
	assert_null(floe_malloc(10));
	assert_int_equal(floe_error_code(), FLOE_ENOMEM);
	p = floe_malloc(10); /* fails once only */
	assert_non_null(p);
	floe_free(p);
	floe_fault_alloc_set(0);
}

/* jansson allocates through the seam once floe_base_init ran */
static void test_json_through_seam(void **state)
{
	json_t *o;
	(void)state;
	floe_base_init();
	floe_fault_alloc_set(1);
	o = json_object();
	assert_null(o);
	assert_int_equal(floe_error_code(), FLOE_ENOMEM);
	floe_fault_alloc_set(0);
	o = json_pack("{s:[i]}", "a", 1);
	assert_non_null(o);
	json_decref(o);
}

static void test_arena(void **state)
{
	floe_arena a;
	char *p, *q, *big;
	(void)state;
	floe_arena_init(&a, 64);
	p = floe_arena_alloc(&a, 10);
	q = floe_arena_alloc(&a, 10);
	assert_non_null(p);
	assert_non_null(q);
	assert_true(((uintptr_t)p % 16) == 0 && ((uintptr_t)q % 16) == 0);
	assert_true(q != p);
	memset(p, 'x', 10);
	big = floe_arena_alloc(&a, 1000); /* larger than a chunk: its own chunk */
	assert_non_null(big);
	assert_int_equal(big[999], 0); /* zeroed */
	floe_arena_reset(&a);
	p = floe_arena_alloc(&a, 10);
	assert_non_null(p);
	assert_int_equal(p[0], 0);
	floe_fault_alloc_set(1);
	assert_null(floe_arena_alloc(&a, 5000));
	assert_int_equal(floe_error_code(), FLOE_ENOMEM);
	floe_fault_alloc_set(0);
	floe_arena_free(&a);
}

static long long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* The log file rotates once it has reached its limit: the full file
 * becomes .1, the backups shift, the oldest goes; a smaller one grows. */
static void test_log_rotation(void **state)
{
	char dir[] = "/tmp/floe-test-log-XXXXXX", path[80], b[96];
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/logs/dbt.log", dir);
	assert_int_equal(floe_log_set_file(path), 0);
	floe_log(FLOE_LOG_DEBUG, "first");
	assert_int_equal(floe_log_set_file(NULL), 0);
	assert_true(file_size(path) > 0);
	/* under the limit: appended to */
	assert_int_equal(truncate(path, FLOE_LOG_FILE_MAX_BYTES - 1), 0);
	assert_int_equal(floe_log_set_file(path), 0);
	floe_log(FLOE_LOG_DEBUG, "second");
	assert_int_equal(floe_log_set_file(NULL), 0);
	assert_true(file_size(path) > FLOE_LOG_FILE_MAX_BYTES);
	snprintf(b, sizeof(b), "%s.1", path);
	assert_int_equal(file_size(b), -1);
	/* at the limit, with every backup there: each moves up one */
	for (int i = 1; i <= FLOE_LOG_FILE_BACKUPS; i++) {
		FILE *f;
		snprintf(b, sizeof(b), "%s.%d", path, i);
		assert_non_null(f = fopen(b, "w"));
		fprintf(f, "%*d", i, i); /* backup i is i bytes long */
		fclose(f);
	}
	long long full = file_size(path);
	assert_int_equal(floe_log_set_file(path), 0);
	floe_log(FLOE_LOG_DEBUG, "third");
	assert_int_equal(floe_log_set_file(NULL), 0);
	assert_true(file_size(path) > 0 && file_size(path) < 200);
	snprintf(b, sizeof(b), "%s.1", path);
	assert_int_equal(file_size(b), full);
	for (int i = 2; i <= FLOE_LOG_FILE_BACKUPS; i++) {
		snprintf(b, sizeof(b), "%s.%d", path, i);
		assert_int_equal(file_size(b), i - 1);
	}
	snprintf(b, sizeof(b), "%s.%d", path, FLOE_LOG_FILE_BACKUPS + 1);
	assert_int_equal(file_size(b), -1);
	for (int i = 1; i <= FLOE_LOG_FILE_BACKUPS; i++) {
		snprintf(b, sizeof(b), "%s.%d", path, i);
		unlink(b);
	}
	unlink(path);
	snprintf(b, sizeof(b), "%s/logs", dir);
	rmdir(b);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_set_and_prefix),
	    cmocka_unit_test(test_error_prefix_keeps_code),
	    cmocka_unit_test(test_buf_cap),
	    cmocka_unit_test(test_buf_cap_exact),
	    cmocka_unit_test(test_buf_put_after_failure),
	    cmocka_unit_test(test_buf_alloc_fault_sweep),
	    cmocka_unit_test(test_parse_i64),
	    cmocka_unit_test(test_time_parse),
	    cmocka_unit_test(test_uuid),
	    cmocka_unit_test(test_murmur3_spec_values),
	    cmocka_unit_test(test_md5_rfc1321),
	    cmocka_unit_test(test_md5_streaming),
	    cmocka_unit_test(test_alloc_fault),
	    cmocka_unit_test(test_json_through_seam),
	    cmocka_unit_test(test_arena),
	    cmocka_unit_test(test_log_rotation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
