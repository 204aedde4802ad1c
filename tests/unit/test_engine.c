/* Unit tests of the engine layer against the real DuckDB: type mapping and
 * casts, refused types, Parquet files with field ids and Iceberg metrics,
 * views binding by field id, no leftovers after a failing query, and
 * tables created at a given location. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/engine_internal.h"
#include "floe/engine.h"

static floe_engine *eng;
static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/floe-eng-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	return floe_engine_open(&eng, NULL);
}

static int teardown(void **state)
{
	(void)state;
	floe_engine_free(eng);
	return floe_storage_delete_tree(dir);
}

static char *scalar(const char *sql)
{
	floe_engine_rows *r = NULL;
	char *v;
	if (floe_engine_query_rows(eng, sql, 0, &r) != 0)
		fail_msg("%s: %s", sql, floe_error_message());
	assert_int_equal(r->nrows, 1);
	v = floe_strdup(r->rows[0][0] ? r->rows[0][0] : "NULL");
	floe_engine_rows_free(r);
	return v;
}

static void test_describe_types(void **state)
{
	floe_ice_schema *s = NULL;
	char *sel = NULL, buf[64];
	int next = 1;
	const char *want[] = {"int",           "int",           "long",         "long",
	                      "decimal(38,0)", "decimal(38,0)", "decimal(9,2)", "decimal(38,4)",
	                      "float",         "double",        "boolean",      "string",
	                      "string",        "binary",        "date",         "time",
	                      "timestamp",     "timestamp",     "timestamptz",  "uuid"};
	(void)state;
	assert_int_equal(
	    floe_engine_describe(
	        eng,
	        "SELECT 1::TINYINT a, 1::USMALLINT b, 1::UINTEGER c, 1::BIGINT d, "
	        "1::UBIGINT e, 1::HUGEINT f, 1::DECIMAL(9,2) g, 1::DECIMAL(20,4) h, "
	        "1::FLOAT i, 1::DOUBLE j, true k, 'x' l, 'x'::ENUM('x') m, 'x'::BLOB n, "
	        "DATE '2024-01-01' o, TIME '10:00' p, TIMESTAMP_MS '2024-01-01' q, "
	        "TIMESTAMP '2024-01-01' r, TIMESTAMPTZ '2024-01-01' s, uuid() t",
	        NULL, &next, &s, &sel),
	    0);
	assert_int_equal(s->root->nfields, 20);
	for (size_t i = 0; i < 20; i++) {
		floe_ice_type_string(s->root->fields[i].type, buf, sizeof(buf));
		if (strcmp(buf, want[i]) != 0)
			fail_msg("column %zu: %s, expected %s", i, buf, want[i]);
		assert_int_equal(s->root->fields[i].id, (int)i + 1);
	}
	assert_non_null(strstr(sel, "CAST(\"e\" AS DECIMAL(38,0)) AS \"e\""));
	assert_non_null(strstr(sel, "CAST(\"f\" AS DECIMAL(38,0)) AS \"f\""));
	assert_non_null(strstr(sel, "CAST(\"q\" AS TIMESTAMP) AS \"q\""));
	assert_non_null(strstr(sel, "CAST(\"m\" AS VARCHAR) AS \"m\""));
	floe_free(sel);
	floe_ice_schema_free(s);
}

static void test_describe_nested_and_reuse(void **state)
{
	floe_ice_schema *base = NULL, *s = NULL;
	char *sel = NULL;
	int next = 1;
	(void)state;
	assert_int_equal(
	    floe_engine_describe(eng,
	                         "SELECT 1 AS id, {'a': 1, 'b': 'x'} AS st, [1, 2] AS l, "
	                         "MAP {'k': 1} AS m",
	                         NULL, &next, &base, &sel),
	    0);
	floe_free(sel);
	assert_int_equal(base->root->fields[1].type->kind, FLOE_ICE_STRUCT);
	assert_int_equal(base->root->fields[2].type->kind, FLOE_ICE_LIST);
	assert_int_equal(base->root->fields[3].type->kind, FLOE_ICE_MAP);
	assert_int_equal(floe_ice_schema_max_id(base), next - 1);
	/* the same names keep their ids, a new column gets the next id */
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT 'n' AS extra, 2 AS id", base, &next, &s, &sel), 0);
	assert_int_equal(s->root->fields[1].id, 1);
	assert_int_equal(s->root->fields[0].id, floe_ice_schema_max_id(base) + 1);
	floe_free(sel);
	floe_ice_schema_free(s);
	floe_ice_schema_free(base);
}

static void test_describe_array_as_list(void **state)
{
	floe_ice_schema *s = NULL;
	char *sel = NULL;
	int next = 1;
	(void)state;
	/* DuckDB's COPY takes no nested FIELD_IDS for ARRAY(n): cast to a list */
	assert_int_equal(floe_engine_describe(eng,
	                                      "SELECT [1, 2]::BIGINT[2] AS a, {'x': [1]::INT[1]} "
	                                      "AS st, 3 AS plain",
	                                      NULL, &next, &s, &sel),
	                 0);
	assert_int_equal(s->root->fields[0].type->kind, FLOE_ICE_LIST);
	assert_int_equal(s->root->fields[0].type->element->kind, FLOE_ICE_LONG);
	assert_non_null(strstr(sel, "CAST(\"a\" AS BIGINT[]) AS \"a\""));
	assert_non_null(strstr(sel, "CAST(\"st\" AS STRUCT(\"x\" INTEGER[])) AS \"st\""));
	assert_null(strstr(sel, "CAST(\"plain\""));
	floe_free(sel);
	floe_ice_schema_free(s);
}

static void test_refused_types(void **state)
{
	floe_ice_schema *s = NULL;
	char *sel = NULL;
	int next = 1;
	(void)state;
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT INTERVAL 1 DAY AS d", NULL, &next, &s, &sel),
	    FLOE_EUNSUPPORTED);
	assert_non_null(strstr(floe_error_message(), "\"d\" has type INTERVAL"));
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT TIMETZ '10:00+02' AS t", NULL, &next, &s, &sel),
	    FLOE_EUNSUPPORTED);
	assert_non_null(strstr(floe_error_message(), "TIMETZ"));
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT nope FROM range(1)", NULL, &next, &s, &sel),
	    FLOE_EENGINE);
	assert_null(s);
}

static void test_full_names_unique(void **state)
{
	floe_ice_schema *s = NULL;
	char *sel = NULL;
	int next = 1;
	(void)state;
	/* a top-level "a.b" next to struct a{b}: Java's IndexByName rejects the
	 * schema ("multiple fields for name a.b"), so floe refuses to write it */
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT 1 AS \"a.b\", {'b': 2} AS a", NULL, &next, &s, &sel),
	    FLOE_EINVAL);
	assert_null(s);
	assert_non_null(strstr(floe_error_message(), "\"a.b\""));
	assert_non_null(strstr(floe_error_message(), "AS a_b"));
	/* list elements and map keys/values have full names too */
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT [1] AS l, 2 AS \"l.element\"", NULL, &next, &s, &sel),
	    FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "l.element"));
	assert_int_equal(floe_engine_describe(eng, "SELECT MAP {'k': 1} AS m, 2 AS \"m.value\"",
	                                      NULL, &next, &s, &sel),
	                 FLOE_EINVAL);
	/* dots are fine while the full names stay unique */
	assert_int_equal(
	    floe_engine_describe(eng, "SELECT 1 AS \"a.b\", {'c': 2} AS a", NULL, &next, &s, &sel),
	    0);
	floe_free(sel);
	floe_ice_schema_free(s);
}

static const floe_ice_column_stats *stats_of(const floe_ice_data_file *f, int id)
{
	for (size_t i = 0; i < f->nstats; i++)
		if (f->stats[i].field_id == id)
			return &f->stats[i];
	return NULL;
}

static void test_write_files_and_view(void **state)
{
	const char *q =
	    "SELECT i::INTEGER AS i, CASE WHEN i % 10 = 0 THEN NULL ELSE 'name ' || i END "
	    "AS s, (i / 4)::DECIMAL(9,2) AS d, TIMESTAMP '2024-01-01' + INTERVAL (i) "
	    "SECOND AS ts, CASE WHEN i = 5 THEN 'NaN'::DOUBLE ELSE i / 2 END AS f, "
	    "repeat('z', 20) AS long_s, [i, i] AS l FROM range(1, 101) t(i)";
	floe_ice_schema *s = NULL;
	floe_ice_data_file *files = NULL;
	char *sel = NULL, *full, *uri = floe_asprintf("file://%s/data", dir), *v;
	const floe_ice_column_stats *c;
	int next = 1;
	size_t n = 0;
	int64_t size;
	(void)state;
	assert_int_equal(floe_engine_describe(eng, q, NULL, &next, &s, &sel), 0);
	full = floe_asprintf("SELECT %s FROM (%s) AS q", sel, q);
	assert_int_equal(floe_engine_write_files(eng, full, s, uri, 0, &files, &n), 0);
	assert_int_equal(n, 1);
	assert_true(files[0].record_count == 100);
	assert_int_equal(floe_storage_size(&size, files[0].path), 0);
	assert_true(size == files[0].file_size);
	c = stats_of(&files[0], 1); /* i: 1..100 */
	assert_non_null(c);
	assert_true(c->value_count == 100 && c->null_count == 0);
	assert_memory_equal(c->lower, ((uint8_t[]){1, 0, 0, 0}), 4);
	assert_memory_equal(c->upper, ((uint8_t[]){100, 0, 0, 0}), 4);
	c = stats_of(&files[0], 2); /* s: 10 NULLs */
	assert_true(c->null_count == 10);
	assert_memory_equal(c->lower, "name 1", 6);
	c = stats_of(&files[0], 3); /* decimal 0.25 .. 25.00 -> unscaled 25 .. 2500 */
	assert_int_equal(c->lower_len, 1);
	assert_int_equal(c->lower[0], 25);
	assert_memory_equal(c->upper, ((uint8_t[]){0x09, 0xc4}), 2);
	c = stats_of(&files[0], 4); /* timestamp µs since epoch */
	{
		uint8_t want[8];
		floe_ice_bound_i64(want, 1704067201000000LL);
		assert_memory_equal(c->lower, want, 8);
	}
	c = stats_of(&files[0], 5); /* NaN present: no NaN count claimed, bounds not NaN */
	assert_true(c->nan_count == -1);
	c = stats_of(&files[0], 6); /* 20 x 'z': truncated to 16, upper incremented */
	assert_int_equal(c->lower_len, 16);
	assert_int_equal(c->upper_len, 16);
	assert_int_equal(c->upper[15], '{');
	c = stats_of(&files[0], 8); /* list element: no counts, no bounds */
	assert_non_null(c);
	assert_true(c->value_count == -1 && c->lower == NULL);
	/* field ids are in the Parquet file */
	{
		char *path = floe_storage_local_path(files[0].path);
		char *sql =
		    floe_asprintf("SELECT string_agg(name || ':' || field_id, ',' ORDER BY "
		                  "field_id) FROM parquet_schema('%s') WHERE field_id IS NOT "
		                  "NULL",
		                  path);
		v = scalar(sql);
		assert_string_equal(v, "i:1,s:2,d:3,ts:4,f:5,long_s:6,l:7,element:8");
		floe_free(v);
		floe_free(sql);
		floe_free(path);
	}
	/* a view binds by id: rename column 1 in the schema and it still reads */
	floe_free(s->root->fields[0].name);
	s->root->fields[0].name = floe_strdup("renamed");
	assert_int_equal(floe_engine_register_table(eng, "ns", "t", s, files, n), 0);
	v = scalar("SELECT sum(renamed) FROM ns.t");
	assert_string_equal(v, "5050");
	floe_free(v);
	assert_int_equal(floe_engine_register_table(eng, "ns", "empty", s, NULL, 0), 0);
	v = scalar("SELECT count(*) FROM ns.empty");
	assert_string_equal(v, "0");
	floe_free(v);
	v = scalar("SELECT typeof(d) FROM ns.empty UNION ALL SELECT 'x' LIMIT 1");
	floe_free(v);
	/* the schema is made once per database; dropped behind the engine's
	 * back, it is made again */
	assert_int_equal(floe_engine_exec(eng, "DROP SCHEMA ns CASCADE"), 0);
	assert_int_equal(floe_engine_register_table(eng, "ns", "t", s, files, n), 0);
	v = scalar("SELECT sum(renamed) FROM ns.t");
	assert_string_equal(v, "5050");
	floe_free(v);
	floe_ice_data_files_free(files, n);
	floe_free(full);
	floe_free(sel);
	floe_free(uri);
	floe_ice_schema_free(s);
}

/* Write q's result and return its one data file (caller frees). */
static floe_ice_data_file *write_one(const char *q, const char *sub, floe_ice_schema **schema)
{
	floe_ice_data_file *files = NULL;
	char *sel = NULL, *full, *uri = floe_asprintf("file://%s/%s", dir, sub);
	int next = 1;
	size_t n = 0;
	assert_int_equal(floe_engine_describe(eng, q, NULL, &next, schema, &sel), 0);
	full = floe_asprintf("SELECT %s FROM (%s) AS q", sel, q);
	assert_int_equal(floe_engine_write_files(eng, full, *schema, uri, 0, &files, &n), 0);
	assert_int_equal(n, 1);
	floe_free(full);
	floe_free(sel);
	floe_free(uri);
	return files;
}

static void test_float_bounds_signed_zero(void **state)
{
	/* spec, "Data File Fields": -0.0 precedes +0.0; DuckDB reports whichever
	 * zero it saw, so a zero lower bound must be -0.0 and a zero upper +0.0 */
	static const uint8_t dneg0[8] = {0, 0, 0, 0, 0, 0, 0, 0x80}, dpos0[8] = {0};
	static const uint8_t fneg0[4] = {0, 0, 0, 0x80}, fpos0[4] = {0};
	floe_ice_schema *s = NULL;
	floe_ice_data_file *f;
	(void)state;
	f = write_one(
	    "SELECT x::DOUBLE AS d, x::FLOAT AS f FROM (VALUES ('0.0'), ('-0.0'), ('1.0')) t(x)",
	    "z1", &s);
	assert_int_equal(stats_of(f, 1)->lower_len, 8);
	assert_memory_equal(stats_of(f, 1)->lower, dneg0, 8);
	assert_memory_equal(stats_of(f, 2)->lower, fneg0, 4);
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
	f = write_one(
	    "SELECT x::DOUBLE AS d, x::FLOAT AS f FROM (VALUES ('-0.0'), ('0.0'), ('-1.0')) t(x)",
	    "z2", &s);
	assert_int_equal(stats_of(f, 1)->upper_len, 8);
	assert_memory_equal(stats_of(f, 1)->upper, dpos0, 8);
	assert_memory_equal(stats_of(f, 2)->upper, fpos0, 4);
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
}

static void test_bounds_kept_independently(void **state)
{
	floe_ice_schema *s = NULL;
	floe_ice_data_file *f;
	const floe_ice_column_stats *c;
	(void)state;
	/* an empty minimum is a valid lower bound (zero bytes), not "none" */
	f = write_one("SELECT x AS s, x::BLOB AS b FROM (VALUES (''), ('b')) t(x)", "e1", &s);
	c = stats_of(f, 1);
	assert_non_null(c->lower);
	assert_int_equal(c->lower_len, 0);
	assert_non_null(c->upper);
	assert_int_equal(c->upper_len, 1);
	assert_int_equal(c->upper[0], 'b');
	c = stats_of(f, 2);
	assert_non_null(c->lower);
	assert_int_equal(c->lower_len, 0);
	assert_non_null(c->upper);
	assert_memory_equal(c->upper, "b", 1);
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
	/* only empty strings: both bounds are the empty string */
	f = write_one("SELECT '' AS s FROM range(3)", "e2", &s);
	c = stats_of(f, 1);
	assert_true(c->lower != NULL && c->lower_len == 0);
	assert_true(c->upper != NULL && c->upper_len == 0);
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
	/* an upper bound that cannot be incremented (17 x U+10FFFF, longer than
	 * 16 code points) is left out; the lower bound stays */
	f = write_one("SELECT x AS s FROM (VALUES ('a'), (repeat(chr(1114111), 17))) t(x)", "e3",
	              &s);
	c = stats_of(f, 1);
	assert_non_null(c->lower);
	assert_int_equal(c->lower_len, 1);
	assert_int_equal(c->lower[0], 'a');
	assert_null(c->upper);
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
}

/* The footer reader on what DuckDB wrote (row groups, chunks, counts), and
 * on every truncation and on byte flips of it: an error or a result, never
 * a read outside the buffer (the sanitizer build checks that). */
static void test_footer_reader(void **state)
{
	floe_ice_schema *s = NULL;
	floe_ice_data_file *f;
	floe_pq_footer ft;
	floe_buf raw;
	uint64_t x = 88172645463325252ULL;
	size_t len;
	(void)state;
	f = write_one("SELECT i, i % 2 = 0 AS b, (i * 1.5)::DECIMAL(38,1) AS d, 'v' || i AS s "
	              "FROM range(250000) t(i)",
	              "ft", &s);
	assert_int_equal(floe_pq_footer_read(&ft, f->path), 0);
	assert_int_equal(ft.ncols, 4);
	assert_int_equal(ft.ngroups, 3); /* 122880-row groups */
	assert_true(ft.chunks[0].num_values == 122880 && ft.chunks[0].has_null_count);
	assert_true(ft.chunks[0].null_count == 0);
	assert_true(ft.chunks[2 * 4 + 1].min_len == 1 && ft.chunks[2 * 4 + 1].max[0] == 1);
	assert_int_equal(ft.chunks[4 + 2].min_len, 16);
	floe_buf_init(&raw, 0);
	assert_int_equal(floe_buf_put(&raw, ft.raw.ptr, ft.raw.len), 0);
	floe_pq_footer_free(&ft);
	len = raw.len;
	for (size_t cut = 0; cut < len; cut++) {
		if (floe_pq_footer_parse(&ft, raw.ptr, cut, "cut") == 0)
			floe_pq_footer_free(&ft);
		floe_error_clear();
	}
	for (int k = 0; k < 4000; k++) {
		size_t at;
		uint8_t old;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		at = (size_t)(x % len);
		old = (uint8_t)raw.ptr[at];
		raw.ptr[at] = (char)(x >> 32);
		if (floe_pq_footer_parse(&ft, raw.ptr, len, "flipped") == 0)
			floe_pq_footer_free(&ft);
		floe_error_clear();
		raw.ptr[at] = (char)old;
	}
	floe_buf_free(&raw);
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
}

static void test_footer_bounds(void **state)
{
	floe_ice_schema *s = NULL;
	floe_ice_data_file *f;
	const floe_ice_column_stats *c;
	uint8_t want[16];
	size_t n;
	(void)state;
	/* RETURN_STATS has no min/max for BOOLEAN and DECIMAL(P > 18): they come
	 * from the footer, over 3 row groups, the first one all NULL for d */
	f = write_one("SELECT i % 3 = 0 AS b, CASE WHEN i < 130000 THEN NULL ELSE (i - "
	              "200000)::DECIMAL(38,2) END AS d, true AS t, i::HUGEINT AS h, "
	              "NULL::BOOLEAN AS nb FROM range(300000) t(i)",
	              "fb", &s);
	c = stats_of(f, 1);
	assert_true(c->lower_len == 1 && c->lower[0] == 0);
	assert_true(c->upper_len == 1 && c->upper[0] == 1);
	c = stats_of(f, 2);
	n = floe_ice_bound_decimal(want, -7000000); /* -70000.00 */
	assert_int_equal(c->lower_len, n);
	assert_memory_equal(c->lower, want, n);
	n = floe_ice_bound_decimal(want, 9999900); /* 99999.00 */
	assert_int_equal(c->upper_len, n);
	assert_memory_equal(c->upper, want, n);
	assert_true(c->null_count == 130000);
	c = stats_of(f, 3);
	assert_true(c->lower_len == 1 && c->lower[0] == 1 && c->upper[0] == 1);
	c = stats_of(f, 4);
	assert_true(c->lower_len == 1 && c->lower[0] == 0);
	n = floe_ice_bound_decimal(want, 299999);
	assert_memory_equal(c->upper, want, n);
	c = stats_of(f, 5); /* all NULL: no bounds */
	assert_true(c == NULL || (c->lower == NULL && c->upper == NULL));
	floe_ice_data_files_free(f, 1);
	floe_ice_schema_free(s);
}

static void test_failed_write_leaves_nothing(void **state)
{
	floe_ice_schema *s = NULL, *s1 = NULL;
	floe_ice_data_file *files = NULL, *kept = NULL;
	char *sel = NULL, *sel1 = NULL, *uri = floe_asprintf("file://%s/fail", dir), *v, *sql;
	int next = 1, next1 = 1;
	size_t n = 0, nkept = 0;
	const char *q = "SELECT i, CASE WHEN i = 150000 THEN error('boom') ELSE 'x' END AS s FROM "
	                "range(300000) t(i)";
	(void)state;
	/* a file of an earlier write in the same data directory */
	assert_int_equal(floe_engine_describe(eng, "SELECT 1 AS i", NULL, &next1, &s1, &sel1), 0);
	assert_int_equal(floe_engine_write_files(eng, "SELECT 1 AS i", s1, uri, 0, &kept, &nkept),
	                 0);
	assert_int_equal(nkept, 1);
	assert_int_equal(floe_engine_describe(eng, q, NULL, &next, &s, &sel), 0);
	/* rolled files (complete ones and the partial one), then one file:
	 * neither leaves anything of its own behind, nor touches the other */
	for (int64_t size = 1024; size >= 0; size -= 1024) {
		assert_int_equal(floe_engine_write_files(eng, q, s, uri, size, &files, &n),
		                 FLOE_EENGINE);
		assert_non_null(strstr(floe_error_message(), "boom"));
		sql = floe_asprintf("SELECT count(*) FROM glob('%s/fail/**')", dir);
		v = scalar(sql);
		assert_string_equal(v, "1");
		floe_free(v);
		floe_free(sql);
		assert_int_equal(floe_storage_exists(kept[0].path), 1);
	}
	floe_ice_data_files_free(kept, nkept);
	floe_free(sel);
	floe_free(sel1);
	floe_free(uri);
	floe_ice_schema_free(s);
	floe_ice_schema_free(s1);
}

/* floe_write_options.location: a new table at the given location (metadata and
 * data under it); an existing one keeps its own; the fs catalog refuses a
 * location outside its layout */
static void test_write_at_location(void **state)
{
	floe_catalog *c = NULL, *fs = NULL;
	floe_ice_metadata *m = NULL;
	floe_write_result res;
	char *wh = floe_asprintf("%s/wh", dir), *loc = floe_asprintf("file://%s/elsewhere/t/", dir);
	char *want = floe_asprintf("file://%s/elsewhere/t", dir), *mloc = NULL;
	char *other = floe_asprintf("file://%s/other", dir), *fswh = floe_asprintf("%s/fswh", dir);
	(void)state;
	assert_int_equal(floe_catalog_open(&c, NULL, wh), 0);
	assert_int_equal(floe_catalog_create_namespace(c, "ns", NULL), 0);
	assert_int_equal(floe_table_write_with(eng, c, "ns", "t", "SELECT 1 AS a",
	                                       FLOE_WRITE_REPLACE,
	                                       &(floe_write_options){.location = loc}, &res),
	                 0);
	assert_int_equal(floe_catalog_load_table(c, "ns", "t", &m, &mloc), 0);
	assert_string_equal(floe_ice_metadata_location(m), want);
	assert_true(floe_str_starts_with(mloc, want));
	assert_non_null(strstr(mloc, "/elsewhere/t/metadata/"));
	floe_ice_metadata_free(m);
	floe_free(mloc);
	m = NULL;
	mloc = NULL;
	/* a second write with another location appends to the same table */
	assert_int_equal(floe_table_write_with(eng, c, "ns", "t", "SELECT 2 AS a",
	                                       FLOE_WRITE_APPEND,
	                                       &(floe_write_options){.location = other}, &res),
	                 0);
	assert_int_equal(floe_catalog_load_table(c, "ns", "t", &m, NULL), 0);
	assert_string_equal(floe_ice_metadata_location(m), want);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_exists(other), 0);
	/* fs: only the warehouse layout */
	assert_int_equal(floe_catalog_open(&fs, "fs:", fswh), 0);
	assert_int_equal(floe_catalog_create_namespace(fs, "ns", NULL), 0);
	assert_int_equal(floe_table_write_with(eng, fs, "ns", "t", "SELECT 1 AS a",
	                                       FLOE_WRITE_REPLACE,
	                                       &(floe_write_options){.location = loc}, &res),
	                 FLOE_EUNSUPPORTED);
	assert_non_null(strstr(floe_error_message(), "needs the sql catalog"));
	assert_int_equal(floe_catalog_table_exists(fs, "ns", "t"), 0);
	floe_catalog_free(fs);
	floe_catalog_free(c);
	floe_free(wh);
	floe_free(loc);
	floe_free(want);
	floe_free(other);
	floe_free(fswh);
}

static void test_query_json(void **state)
{
	floe_buf b = FLOE_BUF_INIT;
	(void)state;
	assert_int_equal(
	    floe_engine_query_json(eng, "SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, NULL", &b), 0);
	assert_string_equal(b.ptr, "[{\"a\":1,\"b\":\"x\"},{\"a\":2,\"b\":null}]");
	floe_buf_free(&b);
	assert_int_equal(floe_engine_exec(eng, "CREATE TABLE x AS SELECT 1; SELECT * FROM nope"),
	                 FLOE_EENGINE);
	assert_non_null(strstr(floe_error_message(), "statement 2"));
}

/* A catalog view's body must be one SELECT (of any shape); anything else
 * is refused before DuckDB runs it. */
static void test_check_select(void **state)
{
	static const char *ok[] = {"SELECT 1",
	                           "SELECT 1;",
	                           "VALUES (1), (2)",
	                           "(SELECT 1)",
	                           "WITH a AS (SELECT 1 AS x) SELECT * FROM a",
	                           "SELECT 1 UNION ALL SELECT 2",
	                           "FROM range(3)",
	                           "SELECT * FROM no_such_table -- bound only when used"};
	static const char *bad[] = {"SELECT 1; SELECT 2",
	                            "SELECT 1; COPY (SELECT 1) TO 'x.csv'",
	                            "COPY (SELECT 1) TO 'x.csv'",
	                            "CREATE TABLE t AS SELECT 1",
	                            "INSERT INTO t VALUES (1)",
	                            "SELECT (",
	                            "",
	                            "ATTACH 'x.db'"};
	char *v;
	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (floe_engine_check_select(eng, ok[i]) != 0)
			fail_msg("%s: %s", ok[i], floe_error_message());
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (floe_engine_check_select(eng, bad[i]) != FLOE_EINVAL)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(floe_engine_create_view(eng, "vs", "bad", "SELECT 1; DROP TABLE x"),
	                 FLOE_EINVAL);
	assert_non_null(strstr(floe_error_message(), "view vs.bad"));
	assert_int_equal(floe_engine_create_view(eng, "vs", "good", "VALUES (7)"), 0);
	v = scalar("SELECT * FROM vs.good");
	assert_string_equal(v, "7");
	floe_free(v);
}

/* An unreadable table's view fails every statement that reads it, with its
 * message, whatever it selects; other statements are not affected. */
static void test_error_view(void **state)
{
	static const char *uses[] = {"SELECT * FROM ev.t", "SELECT count(*) FROM ev.t",
	                             "SELECT x FROM ev.t", "SELECT 1 FROM ev.t LIMIT 0",
	                             "SELECT 1 WHERE EXISTS (SELECT 1 FROM ev.t)"};
	floe_engine_rows *r = NULL;
	char *v;
	(void)state;
	assert_int_equal(
	    floe_engine_register_error(eng, "ev", "t", "table ev.t cannot be read: it's gone"), 0);
	for (size_t i = 0; i < sizeof(uses) / sizeof(uses[0]); i++) {
		if (floe_engine_query_rows(eng, uses[i], 0, &r) == 0)
			fail_msg("no error: %s", uses[i]);
		assert_non_null(
		    strstr(floe_error_message(), "table ev.t cannot be read: it's gone"));
	}
	v = scalar("SELECT 42");
	assert_string_equal(v, "42");
	floe_free(v);
	/* exposed again once it can be read */
	assert_int_equal(floe_engine_register_select(eng, "ev", "t", "SELECT 5 AS x"), 0);
	v = scalar("SELECT x FROM ev.t");
	assert_string_equal(v, "5");
	floe_free(v);
}

/* A kept result: the query runs once into DuckDB, the table's view reads
 * it with the Iceberg types until release, a failing rewrite keeps the last
 * good one, and a write that keeps nothing forgets the old one. */
static void test_kept_result(void **state)
{
	floe_catalog *cat = NULL;
	floe_write_result res;
	floe_write_options keep = {.keep_result = true};
	char *wh = floe_asprintf("%s/kept", dir), *v;
	(void)state;
	assert_int_equal(floe_catalog_open(&cat, NULL, wh), 0);
	assert_int_equal(floe_catalog_create_namespace(cat, "k", NULL), 0);
	assert_int_equal(floe_table_write_with(eng, cat, "k", "t",
	                                       "SELECT i, i::HUGEINT * 2 AS h FROM range(10) t(i)",
	                                       FLOE_WRITE_REPLACE, &keep, &res),
	                 0);
	assert_true(res.kept && res.rows == 10 && res.bytes > 0);
	assert_int_equal(floe_table_expose(eng, cat, "k", "t", -1), 0);
	v = scalar("SELECT sum(h) || ' ' || any_value(typeof(h)) FROM k.t");
	assert_string_equal(v, "90 DECIMAL(38,0)");
	floe_free(v);
	v = scalar("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'k' AND view_name = "
	           "'t' AND sql LIKE "
	           "'%floe_results%'");
	assert_string_equal(v, "1");
	floe_free(v);
	/* a failing rewrite: the kept result is still the committed one */
	assert_int_not_equal(floe_table_write_with(eng, cat, "k", "t", "SELECT error('no') AS i",
	                                           FLOE_WRITE_REPLACE, &keep, &res),
	                     0);
	assert_int_equal(floe_table_expose(eng, cat, "k", "t", -1), 0);
	v = scalar("SELECT sum(h) FROM k.t");
	assert_string_equal(v, "90");
	floe_free(v);
	/* release: the view reads the data files again */
	assert_int_equal(floe_table_release(eng, cat, "k", "t"), 0);
	v = scalar("SELECT (SELECT count(*) FROM duckdb_tables() WHERE schema_name = "
	           "'floe_results') || ' ' || (SELECT count(*) FROM duckdb_views() WHERE "
	           "schema_name = 'k' AND view_name = 't' AND sql LIKE '%read_parquet%')");
	assert_string_equal(v, "0 1");
	floe_free(v);
	/* kept again, then an append (never kept) makes it stale: forgotten */
	assert_int_equal(floe_table_write_with(eng, cat, "k", "t",
	                                       "SELECT i, i::HUGEINT * 2 AS h FROM range(10) t(i)",
	                                       FLOE_WRITE_REPLACE, &keep, &res),
	                 0);
	assert_int_equal(floe_table_write_with(eng, cat, "k", "t", "SELECT 100, 1000",
	                                       FLOE_WRITE_APPEND, &keep, &res),
	                 0);
	assert_false(res.kept);
	assert_int_equal(floe_table_expose(eng, cat, "k", "t", -1), 0);
	v = scalar("SELECT sum(h) || ' ' || (SELECT count(*) FROM duckdb_tables() WHERE "
	           "schema_name = 'floe_results') FROM k.t");
	assert_string_equal(v, "1090 0");
	floe_free(v);
	floe_catalog_free(cat);
	floe_free(wh);
}

/* entries of a directory (-1: it cannot be read) */
static int entries(const char *path)
{
	DIR *dh = opendir(path);
	struct dirent *de;
	int n = 0;
	if (dh == NULL)
		return -1;
	while ((de = readdir(dh)) != NULL)
		n += de->d_name[0] != '.';
	closedir(dh);
	return n;
}

/* A pending write: readers see the kept result while the catalog still
 * holds the last commit; the commit publishes it, on another catalog
 * handle; an abandoned one leaves no file and the view reads the last
 * commit again (or, for a table never committed, no view is left). */
static void test_pending_write(void **state)
{
	floe_catalog *cat = NULL, *cat2 = NULL;
	floe_table_pending *p = NULL;
	floe_write_result res;
	floe_write_options defer = {.keep_result = true, .pending = &p};
	char *wh = floe_asprintf("%s/pending", dir), *data = floe_asprintf("%s/p/t/data", wh), *v;
	(void)state;
	assert_int_equal(floe_catalog_open(&cat, NULL, wh), 0);
	assert_int_equal(floe_catalog_open(&cat2, NULL, wh), 0);
	assert_int_equal(floe_catalog_create_namespace(cat, "p", NULL), 0);
	/* a new table: nothing in the catalog until the commit */
	assert_int_equal(floe_table_write_with(eng, cat, "p", "t",
	                                       "SELECT range AS i FROM range(5)",
	                                       FLOE_WRITE_REPLACE, &defer, &res),
	                 0);
	assert_non_null(p);
	assert_true(res.kept && res.rows == 5 && res.snapshot_id == -1);
	assert_int_equal(floe_catalog_table_exists(cat, "p", "t"), 0);
	assert_true(floe_table_is_kept(eng, "p", "t"));
	assert_int_equal(entries(data), 1);
	assert_int_equal(floe_table_expose(eng, cat, "p", "t", -1), 0);
	v = scalar("SELECT sum(i) FROM p.t");
	assert_string_equal(v, "10");
	floe_free(v);
	assert_int_equal(floe_table_commit(cat2, p, &res), 0);
	assert_true(res.snapshot_id > 0);
	assert_int_equal(floe_catalog_table_exists(cat, "p", "t"), 1);
	/* a rewrite abandoned: its file goes, the view reads the commit again */
	assert_int_equal(floe_table_write_with(eng, cat, "p", "t", "SELECT 7 AS i",
	                                       FLOE_WRITE_REPLACE, &defer, &res),
	                 0);
	assert_int_equal(entries(data), 2);
	floe_table_abandon(p);
	assert_int_equal(entries(data), 1);
	assert_int_equal(floe_table_release(eng, cat, "p", "t"), 0);
	v = scalar("SELECT sum(i) FROM p.t");
	assert_string_equal(v, "10");
	floe_free(v);
	/* a commit that fails removes its file: the table was dropped meanwhile */
	assert_int_equal(floe_table_write_with(eng, cat, "p", "t", "SELECT 8 AS i",
	                                       FLOE_WRITE_REPLACE, &defer, &res),
	                 0);
	assert_int_equal(floe_catalog_drop_table(cat, "p", "t", false), 0);
	assert_int_not_equal(floe_table_commit(cat2, p, &res), 0);
	assert_non_null(strstr(floe_error_message(), "table p.t: "));
	floe_error_clear();
	assert_int_equal(entries(data), 1);
	/* the table is gone from the catalog: releasing drops its view */
	assert_int_equal(floe_table_release(eng, cat, "p", "t"), 0);
	v = scalar("SELECT count(*) FROM duckdb_views() WHERE schema_name = 'p'");
	assert_string_equal(v, "0");
	floe_free(v);
	assert_false(floe_table_is_kept(eng, "p", "t"));
	/* without keep_result nothing is left pending */
	defer.keep_result = false;
	assert_int_equal(floe_table_write_with(eng, cat, "p", "u", "SELECT 1 AS i",
	                                       FLOE_WRITE_REPLACE, &defer, &res),
	                 0);
	assert_null(p);
	assert_true(res.snapshot_id > 0);
	floe_catalog_free(cat2);
	floe_catalog_free(cat);
	floe_free(data);
	floe_free(wh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_describe_types),
	    cmocka_unit_test(test_describe_nested_and_reuse),
	    cmocka_unit_test(test_describe_array_as_list),
	    cmocka_unit_test(test_refused_types),
	    cmocka_unit_test(test_full_names_unique),
	    cmocka_unit_test(test_write_files_and_view),
	    cmocka_unit_test(test_float_bounds_signed_zero),
	    cmocka_unit_test(test_bounds_kept_independently),
	    cmocka_unit_test(test_footer_reader),
	    cmocka_unit_test(test_footer_bounds),
	    cmocka_unit_test(test_failed_write_leaves_nothing),
	    cmocka_unit_test(test_write_at_location),
	    cmocka_unit_test(test_query_json),
	    cmocka_unit_test(test_check_select),
	    cmocka_unit_test(test_error_view),
	    cmocka_unit_test(test_kept_result),
	    cmocka_unit_test(test_pending_write),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
