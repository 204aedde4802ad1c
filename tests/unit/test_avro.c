/* Unit tests of the Avro layer: the binary encoding against known bytes,
 * container round trips with both codecs over many blocks, header metadata,
 * and corrupt or truncated input (every truncation point, flipped bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "floe/avro.h"

static const char *schema =
    "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\",\"field-id\":1},"
    "{\"name\":\"n\",\"type\":\"int\",\"field-id\":2},"
    "{\"name\":\"opt\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
    "{\"name\":\"s\",\"type\":\"string\",\"field-id\":4},"
    "{\"name\":\"b\",\"type\":\"bytes\",\"field-id\":5},"
    "{\"name\":\"ok\",\"type\":\"boolean\",\"field-id\":6},"
    "{\"name\":\"f\",\"type\":\"float\",\"field-id\":7},"
    "{\"name\":\"d\",\"type\":\"double\",\"field-id\":8},"
    "{\"name\":\"kv\",\"type\":{\"type\":\"array\",\"logicalType\":\"map\",\"items\":"
    "{\"type\":\"record\",\"name\":\"k9_v10\",\"fields\":[{\"name\":\"key\",\"type\":\"int\","
    "\"field-id\":9},{\"name\":\"value\",\"type\":\"long\",\"field-id\":10}]}},\"field-id\":11},"
    "{\"name\":\"again\",\"type\":[\"null\",\"k9_v10\"],\"default\":null,\"field-id\":12},"
    "{\"name\":\"fx\",\"type\":{\"type\":\"fixed\",\"name\":\"f4\",\"size\":4},\"field-id\":13},"
    "{\"name\":\"e\",\"type\":{\"type\":\"enum\",\"name\":\"color\",\"symbols\":[\"red\","
    "\"green\"]},\"field-id\":14},"
    "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"values\":\"string\"},\"field-id\":15}"
    "]}";

static void test_varint_bytes(void **state)
{
	struct {
		int64_t v;
		const char *bytes;
		size_t n;
	} cases[] = {{0, "\x00", 1},
	             {-1, "\x01", 1},
	             {1, "\x02", 1},
	             {-64, "\x7f", 1},
	             {64, "\x80\x01", 2},
	             {-65, "\x81\x01", 2},
	             {INT64_MAX, "\xfe\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10}};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		floe_buf b = FLOE_BUF_INIT;
		assert_int_equal(floe_avro_encode_long(&b, cases[i].v), 0);
		assert_int_equal(b.len, cases[i].n);
		assert_memory_equal(b.ptr, cases[i].bytes, cases[i].n);
		floe_buf_free(&b);
	}
}

static int write_records(floe_avro_writer *w, int n)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		char s[32];
		snprintf(s, sizeof(s), "row-%d", i);
		rc |= floe_avro_put_long(w, (int64_t)i * 1000000007LL);
		rc |= floe_avro_put_int(w, -i);
		if (i % 3 == 0) {
			rc |= floe_avro_put_union(w, 0);
		} else {
			rc |= floe_avro_put_union(w, 1);
			rc |= floe_avro_put_long(w, i);
		}
		rc |= floe_avro_put_string(w, s);
		rc |= floe_avro_put_bytes(w, "\x00\xff", 2);
		rc |= floe_avro_put_bool(w, i % 2);
		rc |= floe_avro_put_float(w, 1.5f);
		rc |= floe_avro_put_double(w, -0.25);
		rc |= floe_avro_put_array_start(w, 2);
		for (int k = 0; k < 2; k++) {
			rc |= floe_avro_put_int(w, 100 + k);
			rc |= floe_avro_put_long(w, (int64_t)i + k);
		}
		rc |= floe_avro_put_array_end(w);
		rc |= floe_avro_put_union(w, 1);
		rc |= floe_avro_put_int(w, 7);
		rc |= floe_avro_put_long(w, 8);
		rc |= floe_avro_put_fixed(w, "abcd", 4);
		rc |= floe_avro_put_int(w, i % 2);
		rc |= floe_avro_put_array_start(w, 1);
		rc |= floe_avro_put_string(w, "k");
		rc |= floe_avro_put_string(w, "v");
		rc |= floe_avro_put_array_end(w);
		rc |= floe_avro_writer_end_record(w);
	}
	return rc;
}

static void make_file(floe_buf *out, floe_avro_codec codec, int n)
{
	floe_avro_writer *w = NULL;
	assert_int_equal(floe_avro_writer_new(&w, schema, codec), 0);
	assert_int_equal(floe_avro_writer_meta(w, "format-version", "2"), 0);
	assert_int_equal(write_records(w, n), 0);
	assert_int_equal(floe_avro_writer_finish(w), 0);
	floe_buf_init(out, 0);
	assert_int_equal(
	    floe_buf_put(out, floe_avro_writer_data(w)->ptr, floe_avro_writer_data(w)->len), 0);
	floe_avro_writer_free(w);
}

static void roundtrip(floe_avro_codec codec)
{
	floe_buf f;
	floe_avro_reader *r = NULL;
	const floe_avro_value *v;
	int n = 5000, i = 0, rc;
	make_file(&f, codec, n);
	assert_int_equal(floe_avro_reader_open(&r, f.ptr, f.len, "t.avro"), 0);
	assert_string_equal(floe_avro_reader_meta(r, "format-version"), "2");
	assert_string_equal(floe_avro_reader_meta(r, "avro.codec"),
	                    codec == FLOE_AVRO_DEFLATE ? "deflate" : "null");
	assert_string_equal(floe_avro_reader_schema(r), schema); /* verbatim, field ids kept */
	while ((rc = floe_avro_reader_next(r, &v)) == 1) {
		int64_t l;
		const floe_avro_value *kv = floe_avro_value_field(v, "kv");
		const floe_avro_value *opt = floe_avro_value_field(v, "opt");
		char s[32];
		snprintf(s, sizeof(s), "row-%d", i);
		assert_int_equal(floe_avro_value_get_long(floe_avro_value_field(v, "id"), &l), 0);
		assert_true(l == (int64_t)i * 1000000007LL);
		assert_int_equal(floe_avro_value_field(v, "n")->u.i, -i);
		assert_true(i % 3 == 0 ? floe_avro_value_is_null(opt) : opt->u.l == i);
		assert_string_equal((const char *)floe_avro_value_field(v, "s")->u.bytes.ptr, s);
		assert_int_equal(floe_avro_value_field(v, "b")->u.bytes.len, 2);
		assert_int_equal(floe_avro_value_field(v, "ok")->u.b, i % 2);
		assert_true(floe_avro_value_field(v, "f")->u.f == 1.5f);
		assert_true(floe_avro_value_field(v, "d")->u.d == -0.25);
		assert_int_equal(kv->u.list.count, 2);
		assert_int_equal(floe_avro_value_field(kv->u.list.items[1], "key")->u.i, 101);
		assert_int_equal(
		    floe_avro_value_field(floe_avro_value_field(v, "again"), "value")->u.l, 8);
		assert_memory_equal(floe_avro_value_field(v, "fx")->u.bytes.ptr, "abcd", 4);
		assert_string_equal(floe_avro_value_field(v, "e")->symbol, i % 2 ? "green" : "red");
		assert_string_equal(floe_avro_value_field(v, "m")->u.list.names[0], "k");
		i++;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, n);
	floe_avro_reader_free(r);
	floe_buf_free(&f);
}

static void test_roundtrip_null(void **state)
{
	(void)state;
	roundtrip(FLOE_AVRO_NULL_CODEC);
}

static void test_roundtrip_deflate(void **state)
{
	(void)state;
	roundtrip(FLOE_AVRO_DEFLATE);
}

/* Read a whole file; returns 0 when it decodes, the error code otherwise. */
static int read_all(const void *p, size_t n, int *records)
{
	floe_avro_reader *r = NULL;
	const floe_avro_value *v;
	int rc = floe_avro_reader_open(&r, p, n, "bad.avro");
	*records = 0;
	while (rc == 0) {
		rc = floe_avro_reader_next(r, &v);
		if (rc != 1)
			break;
		(*records)++;
		rc = 0;
	}
	floe_avro_reader_free(r);
	return rc;
}

static void test_truncated_everywhere(void **state)
{
	floe_buf f;
	int recs;
	(void)state;
	make_file(&f, FLOE_AVRO_DEFLATE, 300);
	for (size_t cut = 0; cut < f.len; cut++) {
		int rc = read_all(f.ptr, cut, &recs);
		/* a cut exactly at a block end is a valid shorter file */
		if (rc == 0)
			assert_true(recs < 300);
		else
			assert_int_equal(rc, FLOE_ECORRUPT);
	}
	assert_int_equal(read_all(f.ptr, 3, &recs), FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "bad.avro"));
	floe_buf_free(&f);
}

static void test_flipped_bytes(void **state)
{
	floe_buf f;
	int recs;
	(void)state;
	make_file(&f, FLOE_AVRO_NULL_CODEC, 50);
	for (size_t i = 0; i < f.len; i += 7) {
		char saved = f.ptr[i];
		int rc;
		f.ptr[i] = (char)(saved ^ 0x5A);
		rc = read_all(f.ptr, f.len, &recs);
		if (!(rc == 0 || rc == FLOE_ECORRUPT))
			fail_msg("flip at %zu: rc %d: %s", i, rc, floe_error_message());
		f.ptr[i] = saved;
	}
	/* a wrong sync marker is named */
	f.ptr[f.len - 1] ^= 1;
	assert_int_equal(read_all(f.ptr, f.len, &recs), FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "sync marker"));
	floe_buf_free(&f);
}

static void test_bad_header(void **state)
{
	int recs;
	(void)state;
	assert_int_equal(read_all("Obj\x02", 4, &recs), FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "magic"));
	/* unknown codec */
	{
		floe_buf b = FLOE_BUF_INIT;
		floe_buf_put(&b, "Obj\x01", 4);
		floe_avro_encode_long(&b, 2);
		floe_avro_encode_string(&b, "avro.schema");
		floe_avro_encode_string(&b, "\"long\"");
		floe_avro_encode_string(&b, "avro.codec");
		floe_avro_encode_string(&b, "snappy");
		floe_avro_encode_long(&b, 0);
		floe_buf_put(&b, "0123456789abcdef", 16);
		assert_int_equal(read_all(b.ptr, b.len, &recs), FLOE_ECORRUPT);
		assert_non_null(strstr(floe_error_message(), "snappy"));
		floe_buf_free(&b);
	}
}

/* Hostile input that is not truncated but would make a small file cost
 * gigabytes or minutes: refused by the reader's limits. */
static void test_hostile_limits(void **state)
{
	int recs;
	(void)state;
	/* one record: an array of nulls in 1000 blocks of 10^6 items each
	 * (nulls take no bytes), then 1 MB of bytes that make each block's
	 * count look plausible: 10^9 items from a 1 MB file */
	{
		floe_avro_writer *w = NULL;
		static uint8_t pad[1 << 20];
		assert_int_equal(
		    floe_avro_writer_new(&w,
		                         "{\"type\":\"record\",\"name\":\"r\",\"fields\":["
		                         "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"items\":"
		                         "\"null\"}},{\"name\":\"pad\",\"type\":\"bytes\"}]}",
		                         FLOE_AVRO_NULL_CODEC),
		    0);
		for (int i = 0; i < 1000; i++)
			assert_int_equal(floe_avro_put_array_start(w, 1000000), 0);
		assert_int_equal(floe_avro_put_array_end(w), 0);
		assert_int_equal(floe_avro_put_bytes(w, pad, sizeof(pad)), 0);
		assert_int_equal(floe_avro_writer_end_record(w), 0);
		assert_int_equal(floe_avro_writer_finish(w), 0);
		assert_int_equal(
		    read_all(floe_avro_writer_data(w)->ptr, floe_avro_writer_data(w)->len, &recs),
		    FLOE_ECORRUPT);
		assert_non_null(strstr(floe_error_message(), "more than 64 MiB"));
		floe_avro_writer_free(w);
	}
	/* a header of 5000 metadata keys */
	{
		floe_buf b = FLOE_BUF_INIT;
		char key[16];
		floe_buf_put(&b, "Obj\x01", 4);
		floe_avro_encode_long(&b, 5001);
		floe_avro_encode_string(&b, "avro.schema");
		floe_avro_encode_string(&b, "\"long\"");
		for (int i = 0; i < 5000; i++) {
			snprintf(key, sizeof(key), "k%d", i);
			floe_avro_encode_string(&b, key);
			floe_avro_encode_string(&b, "");
		}
		floe_avro_encode_long(&b, 0);
		floe_buf_put(&b, "0123456789abcdef", 16);
		assert_int_equal(read_all(b.ptr, b.len, &recs), FLOE_ECORRUPT);
		assert_non_null(strstr(floe_error_message(), "header metadata count"));
		floe_buf_free(&b);
	}
	/* a schema of 20000 types */
	{
		floe_buf s = FLOE_BUF_INIT;
		floe_avro_writer *w = NULL;
		floe_buf_puts(&s, "{\"type\":\"record\",\"name\":\"r\",\"fields\":[");
		for (int i = 0; i < 20000; i++)
			floe_buf_printf(&s, "%s{\"name\":\"f%d\",\"type\":\"int\"}", i ? "," : "",
			                i);
		floe_buf_puts(&s, "]}");
		assert_int_equal(floe_avro_writer_new(&w, s.ptr, FLOE_AVRO_NULL_CODEC), 0);
		assert_int_equal(floe_avro_writer_finish(w), 0);
		assert_int_equal(
		    read_all(floe_avro_writer_data(w)->ptr, floe_avro_writer_data(w)->len, &recs),
		    FLOE_ECORRUPT);
		assert_non_null(strstr(floe_error_message(), "more than 10000 types"));
		floe_avro_writer_free(w);
		floe_buf_free(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_varint_bytes),      cmocka_unit_test(test_roundtrip_null),
	    cmocka_unit_test(test_roundtrip_deflate), cmocka_unit_test(test_truncated_everywhere),
	    cmocka_unit_test(test_flipped_bytes),     cmocka_unit_test(test_bad_header),
	    cmocka_unit_test(test_hostile_limits),
	};
	floe_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
