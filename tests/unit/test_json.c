/*
 * floe_json_dump: JSON that is published (table metadata, manifests'
 * schemas) comes out whole or not at all, whichever allocation fails.
 * jansson's own json_dumps fails this test: it ignores a failed write of an
 * object key and returns text with the key missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "floe/base.h"

/* an object whose keys are long enough to make the output buffer grow
 * while a key is written */
static json_t *sample(void)
{
	json_t *o = json_object();
	char key[200];
	for (int i = 0; i < 40; i++) {
		memset(key, 'k', sizeof(key) - 8);
		snprintf(key + sizeof(key) - 8, 8, "%d", i);
		json_object_set_new(o, key, json_pack("{s:i, s:[s, f]}", "n", i, "v", "text", 1.5));
	}
	return o;
}

static void test_dump_whole_or_nothing(void **state)
{
	(void)state;
	json_t *o = sample();
	int failed = 0, whole = 0;
	assert_non_null(o);
	for (long n = 1; n < 10000; n++) {
		floe_buf b = FLOE_BUF_INIT;
		floe_fault_alloc_set(n);
		int rc = floe_json_dump(&b, o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		long left = floe_fault_alloc_left();
		floe_fault_alloc_set(0);
		if (rc != 0) {
			assert_int_equal(rc, FLOE_ENOMEM);
			assert_true(b.len == 0);
			failed++;
		} else {
			json_error_t err;
			json_t *back = json_loadb(b.ptr, b.len, 0, &err);
			assert_non_null(back); /* never invalid JSON */
			assert_true(json_equal(back, o));
			json_decref(back);
			whole++;
		}
		floe_buf_free(&b);
		if (left > 0) /* the fault was not reached: every N is covered */
			break;
	}
	assert_true(failed > 0);
	assert_true(whole > 0);
	json_decref(o);
}

static void test_dumps_string(void **state)
{
	(void)state;
	json_t *o = json_pack("{s:s, s:i}", "a", "b", "c", 1);
	char *s = floe_json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(s, "{\"a\":\"b\",\"c\":1}");
	floe_free(s);
	json_decref(o);
}

int main(void)
{
	floe_base_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dump_whole_or_nothing),
	    cmocka_unit_test(test_dumps_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
