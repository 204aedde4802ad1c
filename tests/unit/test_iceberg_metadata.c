/* Unit tests of the Iceberg model: schema JSON for every type, metadata
 * parse/serialize round trips (unknown fields kept, corrupt input named),
 * REST-style requirements and updates (create, snapshots, metadata-log
 * trimming, commit conflicts), manifests and manifest lists (field ids,
 * header keys, inheritance) and snapshot production + scan planning. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "floe/iceberg.h"

static floe_ice_schema *small_schema(void)
{
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_type *dec = floe_ice_type_new(FLOE_ICE_DECIMAL);
	floe_ice_type *list = floe_ice_type_new(FLOE_ICE_LIST);
	dec->precision = 38;
	dec->scale = 2;
	list->element_id = 4;
	list->element = floe_ice_type_new(FLOE_ICE_STRING);
	floe_ice_struct_add(root, 1, "id", true, floe_ice_type_new(FLOE_ICE_LONG));
	floe_ice_struct_add(root, 2, "amount", false, dec);
	floe_ice_struct_add(root, 3, "tags", false, list);
	return floe_ice_schema_new(0, root);
}

static void test_schema_types_roundtrip(void **state)
{
	const char *text =
	    "{\"type\":\"struct\",\"schema-id\":3,\"fields\":["
	    "{\"id\":1,\"name\":\"a\",\"required\":true,\"type\":\"boolean\"},"
	    "{\"id\":2,\"name\":\"b\",\"required\":false,\"type\":\"int\"},"
	    "{\"id\":3,\"name\":\"c\",\"required\":false,\"type\":\"long\"},"
	    "{\"id\":4,\"name\":\"d\",\"required\":false,\"type\":\"float\"},"
	    "{\"id\":5,\"name\":\"e\",\"required\":false,\"type\":\"double\"},"
	    "{\"id\":6,\"name\":\"f\",\"required\":false,\"type\":\"decimal(9, 2)\"},"
	    "{\"id\":7,\"name\":\"g\",\"required\":false,\"type\":\"date\"},"
	    "{\"id\":8,\"name\":\"h\",\"required\":false,\"type\":\"time\"},"
	    "{\"id\":9,\"name\":\"i\",\"required\":false,\"type\":\"timestamp\"},"
	    "{\"id\":10,\"name\":\"j\",\"required\":false,\"type\":\"timestamptz\"},"
	    "{\"id\":11,\"name\":\"k\",\"required\":false,\"type\":\"string\"},"
	    "{\"id\":12,\"name\":\"l\",\"required\":false,\"type\":\"uuid\"},"
	    "{\"id\":13,\"name\":\"m\",\"required\":false,\"type\":\"fixed[16]\"},"
	    "{\"id\":14,\"name\":\"n\",\"required\":false,\"type\":\"binary\"},"
	    "{\"id\":15,\"name\":\"o\",\"required\":false,\"type\":{\"type\":\"map\",\"key-id\":16,"
	    "\"key\":\"string\",\"value-id\":17,\"value-required\":false,\"value\":{\"type\":"
	    "\"struct\",\"fields\":[{\"id\":18,\"name\":\"x\",\"required\":true,\"type\":"
	    "\"double\"}]}}}]}";
	json_t *j = json_loads(text, 0, NULL), *back;
	floe_ice_schema *s = NULL, *s2 = NULL;
	char buf[32];
	(void)state;
	assert_int_equal(floe_ice_schema_from_json(&s, j), 0);
	assert_int_equal(s->schema_id, 3);
	assert_int_equal(floe_ice_schema_max_id(s), 18);
	floe_ice_type_string(s->root->fields[5].type, buf, sizeof(buf));
	assert_string_equal(buf, "decimal(9,2)");
	floe_ice_type_string(s->root->fields[12].type, buf, sizeof(buf));
	assert_string_equal(buf, "fixed[16]");
	assert_int_equal(floe_ice_schema_find_type(s, 17)->kind, FLOE_ICE_STRUCT);
	assert_string_equal(floe_ice_schema_find_field(s, 18)->name, "x");
	back = floe_ice_schema_to_json(s);
	assert_int_equal(floe_ice_schema_from_json(&s2, back), 0);
	assert_true(floe_ice_schema_equal(s, s2));
	json_decref(back);
	json_decref(j);
	floe_ice_schema_free(s);
	floe_ice_schema_free(s2);
}

static void expect_bad_schema(const char *text, const char *needle)
{
	json_t *j = json_loads(text, 0, NULL);
	floe_ice_schema *s = NULL;
	assert_non_null(j);
	assert_int_equal(floe_ice_schema_from_json(&s, j), FLOE_ECORRUPT);
	assert_null(s);
	if (strstr(floe_error_message(), needle) == NULL)
		fail_msg("error '%s' lacks '%s'", floe_error_message(), needle);
	json_decref(j);
}

/* Parquet column names as Java's AvroSchemaUtil.makeCompatibleName writes them */
static void test_parquet_names(void **state)
{
	const char *cases[][2] = {{"ok_1", "ok_1"},
	                          {"_x", "_x"},
	                          {"Customer Name", "Customer_x20Name"},
	                          {"2nd", "_2nd"},
	                          {"a-b", "a_x2Db"},
	                          {"caf\xc3\xa9", "caf_xE9"},
	                          {"a.b", "a_x2Eb"},
	                          {"\xf0\x9f\x98\x80", "_x1F600"}};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = floe_ice_parquet_name(cases[i][0]);
		assert_non_null(got);
		assert_string_equal(got, cases[i][1]);
		floe_free(got);
	}
}

static void test_schema_invalid(void **state)
{
	(void)state;
	expect_bad_schema(
	    "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,"
	    "\"type\":\"long\"},{\"id\":1,\"name\":\"b\",\"required\":true,\"type\":"
	    "\"long\"}]}",
	    "duplicate id 1");
	expect_bad_schema(
	    "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,"
	    "\"type\":\"decimal(40,2)\"}]}",
	    "precision");
	expect_bad_schema("{\"type\":\"struct\",\"fields\":[{\"id\":1,\"required\":true,\"type\":"
	                  "\"long\"}]}",
	                  "without a name");
	expect_bad_schema(
	    "{\"type\":\"struct\",\"fields\":[{\"id\":1,\"name\":\"a\",\"required\":true,"
	    "\"type\":\"varchar\"}]}",
	    "unknown type 'varchar'");
}

static floe_ice_metadata *new_table(const char *location)
{
	floe_ice_schema *s = small_schema();
	json_t *props = json_pack("{s:s}", "write.metadata.previous-versions-max", "2");
	json_t *ups = floe_ice_create_updates(location, s, props);
	floe_ice_metadata *m = NULL;
	assert_int_equal(floe_ice_updates_apply(&m, NULL, NULL, ups, 1000), 0);
	json_decref(ups);
	json_decref(props);
	floe_ice_schema_free(s);
	return m;
}

static json_t *snapshot_updates(int64_t id, int64_t seq, int64_t ts)
{
	return json_pack("[{s:s,s:{s:I,s:I,s:I,s:s,s:{s:s}}},{s:s,s:s,s:s,s:I}]", "action",
	                 "add-snapshot", "snapshot", "snapshot-id", (json_int_t)id,
	                 "sequence-number", (json_int_t)seq, "timestamp-ms", (json_int_t)ts,
	                 "manifest-list", "file:///t/metadata/snap.avro", "summary", "operation",
	                 "append", "action", "set-snapshot-ref", "ref-name", "main", "type",
	                 "branch", "snapshot-id", (json_int_t)id);
}

static void test_create_and_snapshots(void **state)
{
	floe_ice_metadata *m = new_table("file:///t"), *m2 = NULL, *m3 = NULL, *m4 = NULL;
	json_t *u;
	int64_t id = 0;
	floe_ice_snapshot snap;
	(void)state;
	assert_int_equal(floe_ice_metadata_format_version(m), 2);
	assert_int_equal(floe_ice_metadata_last_column_id(m), 4);
	assert_true(floe_ice_metadata_current_snapshot_id(m) == -1);
	u = snapshot_updates(77, 1, 2000);
	assert_int_equal(floe_ice_updates_apply(&m2, m, "file:///t/metadata/v0.json", u, 3000), 0);
	json_decref(u);
	assert_true(floe_ice_metadata_current_snapshot_id(m2) == 77);
	assert_true(floe_ice_metadata_last_sequence_number(m2) == 1);
	assert_int_equal(floe_ice_metadata_snapshot_by_id(m2, 77, &snap), 0);
	assert_string_equal(snap.operation, "append");
	assert_int_equal(
	    json_array_size(json_object_get(floe_ice_metadata_json(m2), "snapshot-log")), 1);
	/* a sequence number that does not increase is refused */
	u = snapshot_updates(78, 1, 4000);
	assert_int_equal(floe_ice_updates_apply(&m3, m2, NULL, u, 5000), FLOE_EINVAL);
	json_decref(u);
	u = snapshot_updates(78, 2, 4000);
	assert_int_equal(floe_ice_updates_apply(&m3, m2, "file:///t/metadata/v1.json", u, 5000), 0);
	json_decref(u);
	u = snapshot_updates(79, 3, 6000);
	assert_int_equal(floe_ice_updates_apply(&m4, m3, "file:///t/metadata/v2.json", u, 100), 0);
	json_decref(u);
	/* metadata-log trimmed to previous-versions-max = 2; time never goes back */
	assert_int_equal(
	    json_array_size(json_object_get(floe_ice_metadata_json(m4), "metadata-log")), 2);
	assert_true(floe_ice_metadata_last_updated_ms(m4) == 5000);
	/* time travel through the snapshot log */
	assert_int_equal(floe_ice_metadata_snapshot_as_of(m4, 4500, &id), 0);
	assert_true(id == 78);
	assert_int_equal(floe_ice_metadata_snapshot_as_of(m4, 10, &id), FLOE_ENOTFOUND);
	floe_ice_metadata_free(m);
	floe_ice_metadata_free(m2);
	floe_ice_metadata_free(m3);
	floe_ice_metadata_free(m4);
}

static json_int_t log_id(const floe_ice_metadata *m, size_t i)
{
	const json_t *log = json_object_get(floe_ice_metadata_json(m), "snapshot-log");
	return json_integer_value(json_object_get(json_array_get(log, i), "snapshot-id"));
}

static void test_remove_snapshots_trims_log(void **state)
{
	floe_ice_metadata *m = new_table("file:///t"), *next = NULL;
	const json_t *log;
	json_t *u;
	(void)state;
	for (int64_t id = 1; id <= 4; id++) {
		u = snapshot_updates(id, id, 1000 * id);
		assert_int_equal(floe_ice_updates_apply(&next, m, NULL, u, 1000 * id), 0);
		json_decref(u);
		floe_ice_metadata_free(m);
		m = next;
	}
	/* [1, 2, 3, 4], remove 2: a log entry whose snapshot is gone removes the
	 * history before it too (Java's updateSnapshotLog), else time travel to
	 * a time between 2 and 3 would wrongly find 1: [3, 4] */
	u = json_pack("[{s:s,s:[i]}]", "action", "remove-snapshots", "snapshot-ids", 2);
	assert_int_equal(floe_ice_updates_apply(&next, m, NULL, u, 9000), 0);
	json_decref(u);
	floe_ice_metadata_free(m);
	m = next;
	log = json_object_get(floe_ice_metadata_json(m), "snapshot-log");
	assert_int_equal(json_array_size(log), 2);
	assert_true(log_id(m, 0) == 3 && log_id(m, 1) == 4);
	/* removing the newest entries' snapshots too empties it */
	u = json_pack("[{s:s,s:[i]}]", "action", "remove-snapshots", "snapshot-ids", 1);
	assert_int_equal(floe_ice_updates_apply(&next, m, NULL, u, 9000), 0);
	json_decref(u);
	assert_int_equal(
	    json_array_size(json_object_get(floe_ice_metadata_json(next), "snapshot-log")), 2);
	floe_ice_metadata_free(next);
	u = json_pack("[{s:s,s:[i,i]}]", "action", "remove-snapshots", "snapshot-ids", 3, 4);
	assert_int_equal(floe_ice_updates_apply(&next, m, NULL, u, 9000), 0);
	json_decref(u);
	assert_int_equal(
	    json_array_size(json_object_get(floe_ice_metadata_json(next), "snapshot-log")), 0);
	floe_ice_metadata_free(next);
	floe_ice_metadata_free(m);
}

static void test_requirements_conflict(void **state)
{
	floe_ice_metadata *m = new_table("file:///t"), *m2 = NULL;
	json_t *u = snapshot_updates(5, 1, 10);
	json_t *req_ok = json_pack("[{s:s,s:s,s:n}]", "type", "assert-ref-snapshot-id", "ref",
	                           "main", "snapshot-id");
	json_t *req_stale = json_pack("[{s:s,s:s,s:i}]", "type", "assert-ref-snapshot-id", "ref",
	                              "main", "snapshot-id", 4);
	json_t *req_uuid = json_pack("[{s:s,s:s}]", "type", "assert-table-uuid", "uuid", "nope");
	json_t *req_create = json_pack("[{s:s}]", "type", "assert-create");
	(void)state;
	assert_int_equal(floe_ice_requirements_check(m, req_ok), 0);
	assert_int_equal(floe_ice_updates_apply(&m2, m, NULL, u, 20), 0);
	/* after someone else's commit, the same requirement fails: retry needed */
	assert_int_equal(floe_ice_requirements_check(m2, req_ok), FLOE_ECONFLICT);
	assert_int_equal(floe_ice_requirements_check(m2, req_stale), FLOE_ECONFLICT);
	assert_non_null(strstr(floe_error_message(), "expected snapshot 4, found 5"));
	assert_int_equal(floe_ice_requirements_check(m2, req_uuid), FLOE_ECONFLICT);
	assert_int_equal(floe_ice_requirements_check(m2, req_create), FLOE_ECONFLICT);
	assert_int_equal(floe_ice_requirements_check(NULL, req_create), 0);
	json_decref(u);
	json_decref(req_ok);
	json_decref(req_stale);
	json_decref(req_uuid);
	json_decref(req_create);
	floe_ice_metadata_free(m);
	floe_ice_metadata_free(m2);
}

static void test_parse_roundtrip_and_corrupt(void **state)
{
	floe_ice_metadata *m = new_table("file:///t"), *p = NULL, *q = NULL;
	floe_buf b = FLOE_BUF_INIT, b2 = FLOE_BUF_INIT;
	json_t *root;
	char *text;
	(void)state;
	/* unknown fields of other writers survive */
	root = json_deep_copy(floe_ice_metadata_json(m));
	json_object_set_new(root, "x-other-writer", json_string("kept"));
	text = json_dumps(root, JSON_COMPACT);
	assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "m.json"), 0);
	assert_int_equal(floe_ice_metadata_serialize(p, &b), 0);
	floe_ice_metadata_free(p);
	p = NULL;
	assert_non_null(strstr(b.ptr, "x-other-writer"));
	assert_int_equal(floe_ice_metadata_parse(&q, b.ptr, b.len, "m.json"), 0);
	assert_int_equal(floe_ice_metadata_serialize(q, &b2), 0);
	assert_string_equal(b.ptr, b2.ptr);
	/* truncated JSON, missing fields, dangling references */
	assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text) / 2, "cut.json"),
	                 FLOE_ECORRUPT);
	assert_null(p);
	assert_non_null(strstr(floe_error_message(), "cut.json"));
	json_object_del(root, "table-uuid");
	free(text);
	text = json_dumps(root, JSON_COMPACT);
	assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "m.json"), FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "table-uuid"));
	json_object_set_new(root, "table-uuid", json_string("u"));
	json_object_set_new(root, "current-snapshot-id", json_integer(42));
	free(text);
	text = json_dumps(root, JSON_COMPACT);
	assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "m.json"), FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "names no snapshot"));
	free(text);
	json_decref(root);
	floe_buf_free(&b);
	floe_buf_free(&b2);
	floe_ice_metadata_free(m);
	floe_ice_metadata_free(q);
	{
		/* a v1 document loads */
		const char *v1 =
		    "{\"format-version\":1,\"location\":\"file:///v1\",\"last-updated-ms\":1,"
		    "\"last-column-id\":1,\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":"
		    "1,\"name\":\"a\",\"required\":false,\"type\":\"int\"}]},"
		    "\"partition-spec\":[]}";
		floe_ice_schema *s = NULL;
		assert_int_equal(floe_ice_metadata_parse(&p, v1, strlen(v1), "v1.json"), 0);
		assert_int_equal(floe_ice_metadata_schema(p, -1, &s), 0);
		assert_string_equal(s->root->fields[0].name, "a");
		floe_ice_schema_free(s);
		floe_ice_metadata_free(p);
	}
}

static void test_manifest_roundtrip(void **state)
{
	floe_ice_schema *s = small_schema();
	floe_ice_column_stats st[2] = {{1, 40, 10, 0, -1, NULL, 0, NULL, 0},
	                               {2, 50, 10, 2, -1, NULL, 0, NULL, 0}};
	floe_ice_manifest_entry e = {
	    1, 9, -1, -1, {0, "file:///t/data/a.parquet", "PARQUET", 10, 1234, 2, st}};
	floe_ice_manifest_file mf = {
	    "file:///t/metadata/m.avro", 0, 0, 0, 7, 7, 9, 1, 0, 0, 10, 0, 0, false, 0, NULL};
	floe_ice_manifest_entry *back = NULL;
	floe_ice_manifest_file *lback = NULL;
	floe_avro_reader *r = NULL;
	floe_buf b = FLOE_BUF_INIT, lb = FLOE_BUF_INIT;
	uint8_t lo[8], hi[8];
	size_t n = 0;
	json_t *sch;
	(void)state;
	st[0].lower = lo;
	st[0].lower_len = floe_ice_bound_i64(lo, -5);
	st[0].upper = hi;
	st[0].upper_len = floe_ice_bound_i64(hi, 500);
	assert_int_equal(floe_ice_manifest_encode(&b, s, &e, 1), 0);
	/* header keys of the spec and field ids in the Avro schema */
	assert_int_equal(floe_avro_reader_open(&r, b.ptr, b.len, "m.avro"), 0);
	assert_string_equal(floe_avro_reader_meta(r, "format-version"), "2");
	assert_string_equal(floe_avro_reader_meta(r, "content"), "data");
	assert_string_equal(floe_avro_reader_meta(r, "partition-spec"), "[]");
	assert_string_equal(floe_avro_reader_meta(r, "partition-spec-id"), "0");
	assert_non_null(floe_avro_reader_meta(r, "schema-id"));
	assert_non_null(strstr(floe_avro_reader_meta(r, "schema"), "\"amount\""));
	sch = json_loads(floe_avro_reader_schema(r), 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(
	                     json_array_get(json_object_get(sch, "fields"), 4), "field-id")),
	                 2);
	json_decref(sch);
	floe_avro_reader_free(r);
	/* decode with inheritance from the manifest list entry */
	assert_int_equal(floe_ice_manifest_decode(&back, &n, b.ptr, b.len, "m.avro", &mf), 0);
	assert_int_equal(n, 1);
	assert_true(back[0].sequence_number == 7 && back[0].file_sequence_number == 7);
	assert_true(back[0].snapshot_id == 9);
	assert_string_equal(back[0].file.path, "file:///t/data/a.parquet");
	assert_true(back[0].file.record_count == 10 && back[0].file.file_size == 1234);
	assert_int_equal(back[0].file.nstats, 2);
	assert_true(back[0].file.stats[1].null_count == 2);
	assert_memory_equal(back[0].file.stats[0].upper, hi, 8);
	floe_ice_manifest_entries_free(back, n);
	/* manifest list */
	mf.length = (int64_t)b.len;
	assert_int_equal(floe_ice_manifest_list_encode(&lb, 9, -1, 7, &mf, 1), 0);
	assert_int_equal(floe_avro_reader_open(&r, lb.ptr, lb.len, "l.avro"), 0);
	assert_string_equal(floe_avro_reader_meta(r, "parent-snapshot-id"), "null");
	assert_string_equal(floe_avro_reader_meta(r, "snapshot-id"), "9");
	assert_string_equal(floe_avro_reader_meta(r, "sequence-number"), "7");
	floe_avro_reader_free(r);
	assert_int_equal(floe_ice_manifest_list_decode(&lback, &n, lb.ptr, lb.len, "l.avro"), 0);
	assert_int_equal(n, 1);
	assert_true(lback[0].length == (int64_t)b.len && lback[0].added_rows == 10);
	floe_ice_manifest_files_free(lback, n);
	/* an EXISTING entry without sequence numbers is corrupt */
	e.status = 0;
	floe_buf_reset(&b);
	assert_int_equal(floe_ice_manifest_encode(&b, s, &e, 1), 0);
	assert_int_equal(floe_ice_manifest_decode(&back, &n, b.ptr, b.len, "m.avro", &mf),
	                 FLOE_ECORRUPT);
	floe_buf_free(&b);
	floe_buf_free(&lb);
	floe_ice_schema_free(s);
}

static floe_ice_metadata *commit_schema(floe_ice_metadata *m, floe_ice_op op, const char *path,
                                        int64_t rows, const floe_ice_schema *schema)
{
	floe_ice_data_file f = {0, (char *)path, "PARQUET", rows, 100, 0, NULL};
	json_t *req = NULL, *upd = NULL;
	floe_ice_metadata *next = NULL;
	int64_t sid;
	assert_int_equal(floe_ice_snapshot_produce(&req, &upd, &sid, m, op, &f, 1, schema, NULL),
	                 0);
	assert_int_equal(floe_ice_requirements_check(m, req), 0);
	assert_int_equal(
	    floe_ice_updates_apply(&next, m, "file:///x.json", upd, floe_time_now_ms()), 0);
	assert_true(floe_ice_metadata_current_snapshot_id(next) == sid);
	json_decref(req);
	json_decref(upd);
	floe_ice_metadata_free(m);
	return next;
}

static floe_ice_metadata *commit(floe_ice_metadata *m, floe_ice_op op, const char *path,
                                 int64_t rows)
{
	return commit_schema(m, op, path, rows, NULL);
}

/* A new table in a fresh temporary directory, whose path goes into dir
 * (the caller removes it). */
static floe_ice_metadata *temp_table(char *dir, size_t dirlen)
{
	const char *tmp = getenv("TMPDIR");
	char loc[300];
	snprintf(dir, dirlen, "%s/floe-ice-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(loc, sizeof(loc), "file://%s", dir);
	return new_table(loc);
}

/* The manifest list of the current snapshot (caller frees). */
static floe_ice_manifest_file *current_list(const floe_ice_metadata *m, size_t *n,
                                            floe_ice_snapshot *snap)
{
	floe_ice_manifest_file *mfs = NULL;
	floe_buf b;
	assert_int_equal(
	    floe_ice_metadata_snapshot_by_id(m, floe_ice_metadata_current_snapshot_id(m), snap), 0);
	assert_int_equal(floe_storage_read(&b, snap->manifest_list, 0), 0);
	assert_int_equal(floe_ice_manifest_list_decode(&mfs, n, b.ptr, b.len, "list"), 0);
	floe_buf_free(&b);
	return mfs;
}

/* Every manifest the current snapshot wrote names the snapshot's schema in
 * its header: schema-id and the schema JSON (spec "Manifests"). */
static void expect_manifest_schema_ids(const floe_ice_metadata *m, int want)
{
	floe_ice_snapshot snap;
	size_t n = 0, written = 0;
	floe_ice_manifest_file *mfs = current_list(m, &n, &snap);
	assert_int_equal(snap.schema_id, want);
	for (size_t i = 0; i < n; i++) {
		floe_avro_reader *r = NULL;
		json_t *sj;
		char id[16];
		floe_buf b;
		if (mfs[i].added_snapshot_id != snap.snapshot_id)
			continue;
		written++;
		assert_int_equal(floe_storage_read(&b, mfs[i].path, 0), 0);
		assert_int_equal(floe_avro_reader_open(&r, b.ptr, b.len, mfs[i].path), 0);
		snprintf(id, sizeof(id), "%d", want);
		assert_string_equal(floe_avro_reader_meta(r, "schema-id"), id);
		sj = json_loads(floe_avro_reader_meta(r, "schema"), 0, NULL);
		assert_int_equal(json_integer_value(json_object_get(sj, "schema-id")), want);
		json_decref(sj);
		floe_avro_reader_free(r);
		floe_buf_free(&b);
	}
	assert_true(written > 0);
	floe_ice_manifest_files_free(mfs, n);
}

static void test_manifest_schema_id_after_replace(void **state)
{
	char dir[256];
	floe_ice_metadata *m;
	floe_ice_schema *s2 = small_schema();
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	expect_manifest_schema_ids(m, 0);
	/* a replace with another schema: schema 1, ADDED and DELETED manifests
	 * both written with it; the caller's schema object says 0 (as
	 * floe_engine_describe's does) */
	floe_free(s2->root->fields[0].name);
	s2->root->fields[0].name = floe_strdup("renamed");
	m = commit_schema(m, FLOE_ICE_OP_OVERWRITE, "file:///d/b.parquet", 5, s2);
	assert_int_equal(floe_ice_metadata_current_schema_id(m), 1);
	expect_manifest_schema_ids(m, 1);
	/* the same schema again: still 1 */
	m = commit_schema(m, FLOE_ICE_OP_OVERWRITE, "file:///d/c.parquet", 5, s2);
	expect_manifest_schema_ids(m, 1);
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/d.parquet", 5);
	expect_manifest_schema_ids(m, 1);
	floe_ice_schema_free(s2);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

static void test_min_sequence_number_live_only(void **state)
{
	char dir[256];
	floe_ice_metadata *m;
	floe_ice_manifest_file *mfs;
	floe_ice_snapshot snap;
	size_t n = 0;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/b.parquet", 10);
	m = commit(m, FLOE_ICE_OP_OVERWRITE, "file:///d/c.parquet", 10);
	/* spec "Manifest Lists", field 516: the minimum data sequence number of
	 * the live files; the DELETED manifest (files of sequence 1 and 2) has
	 * none, so it gets the snapshot's own sequence number, as Java writes */
	mfs = current_list(m, &n, &snap);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_true(mfs[i].sequence_number == 3);
		assert_true(mfs[i].min_sequence_number == 3);
	}
	assert_int_equal(mfs[1].deleted_files, 2);
	floe_ice_manifest_files_free(mfs, n);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

/* Commit one file with the new snapshot's summary edited first: the totals
 * named in `drop` removed, `set` merged in (a table another engine wrote). */
static floe_ice_metadata *commit_edited(floe_ice_metadata *m, floe_ice_op op, const char *path,
                                        const char *const *drop, json_t *set)
{
	floe_ice_data_file f = {0, (char *)path, "PARQUET", 10, 100, 0, NULL};
	json_t *req = NULL, *upd = NULL, *u;
	floe_ice_metadata *next = NULL;
	int64_t sid;
	size_t i;
	assert_int_equal(floe_ice_snapshot_produce(&req, &upd, &sid, m, op, &f, 1, NULL, NULL), 0);
	json_array_foreach(upd, i, u)
	{
		json_t *sum = json_object_get(json_object_get(u, "snapshot"), "summary");
		for (size_t k = 0; sum && drop[k]; k++)
			json_object_del(sum, drop[k]);
		if (sum && set)
			json_object_update(sum, set);
	}
	assert_int_equal(floe_ice_updates_apply(&next, m, "file:///x.json", upd, 1), 0);
	json_decref(req);
	json_decref(upd);
	json_decref(set);
	floe_ice_metadata_free(m);
	return next;
}

static const char *current_summary(const floe_ice_metadata *m, const char *key)
{
	floe_ice_snapshot snap;
	assert_int_equal(
	    floe_ice_metadata_snapshot_by_id(m, floe_ice_metadata_current_snapshot_id(m), &snap),
	    0);
	return json_string_value(json_object_get(snap.summary, key));
}

static void test_totals_when_parent_lacks_them(void **state)
{
	static const char *const totals[] = {"total-data-files",
	                                     "total-records",
	                                     "total-files-size",
	                                     "total-delete-files",
	                                     "total-position-deletes",
	                                     "total-equality-deletes",
	                                     NULL};
	static const char *const none[] = {NULL};
	char dir[256];
	floe_ice_metadata *m;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	/* a first snapshot by an engine that writes no totals */
	m = commit_edited(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", totals, NULL);
	assert_null(current_summary(m, "total-records"));
	/* an append on it: the totals are unknown, so left out (Java's
	 * updateTotal), never "added only" */
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/b.parquet", 10);
	assert_string_equal(current_summary(m, "added-records"), "10");
	for (size_t k = 0; totals[k]; k++)
		if (current_summary(m, totals[k]) != NULL)
			fail_msg("%s written without the parent's", totals[k]);
	/* a parent that has them: carried forward, delete files included */
	m = commit_edited(m, FLOE_ICE_OP_APPEND, "file:///d/c.parquet", none,
	                  json_pack("{s:s,s:s,s:s}", "total-records", "100", "total-delete-files",
	                            "2", "total-position-deletes", "7"));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/d.parquet", 10);
	assert_string_equal(current_summary(m, "total-records"), "110");
	assert_string_equal(current_summary(m, "total-delete-files"), "2");
	assert_string_equal(current_summary(m, "total-position-deletes"), "7");
	/* an overwrite replaces every live file floe counted: exact again */
	m = commit_edited(m, FLOE_ICE_OP_APPEND, "file:///d/e.parquet", totals, NULL);
	m = commit(m, FLOE_ICE_OP_OVERWRITE, "file:///d/f.parquet", 10);
	assert_string_equal(current_summary(m, "total-records"), "10");
	assert_string_equal(current_summary(m, "total-data-files"), "1");
	assert_string_equal(current_summary(m, "total-delete-files"), "0");
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

static void test_snapshots_and_scan(void **state)
{
	char dir[256];
	floe_ice_metadata *m;
	floe_ice_data_file *files = NULL;
	floe_ice_snapshot snap;
	size_t n = 0;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/b.parquet", 20);
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), 0);
	assert_int_equal(n, 2);
	floe_ice_data_files_free(files, n);
	assert_int_equal(
	    floe_ice_metadata_snapshot_by_id(m, floe_ice_metadata_current_snapshot_id(m), &snap),
	    0);
	assert_string_equal(json_string_value(json_object_get(snap.summary, "total-records")),
	                    "30");
	m = commit(m, FLOE_ICE_OP_OVERWRITE, "file:///d/c.parquet", 5);
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(files[0].path, "file:///d/c.parquet");
	floe_ice_data_files_free(files, n);
	assert_int_equal(
	    floe_ice_metadata_snapshot_by_id(m, floe_ice_metadata_current_snapshot_id(m), &snap),
	    0);
	assert_string_equal(snap.operation, "overwrite");
	assert_string_equal(json_string_value(json_object_get(snap.summary, "deleted-records")),
	                    "30");
	assert_string_equal(json_string_value(json_object_get(snap.summary, "total-records")), "5");
	/* the first snapshot is still readable (time travel) */
	assert_int_equal(floe_ice_metadata_snapshot_at(m, 0, &snap), 0);
	assert_int_equal(floe_ice_scan_files(&files, &n, m, snap.snapshot_id), 0);
	assert_int_equal(n, 1);
	floe_ice_data_files_free(files, n);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_schema_types_roundtrip),
	    cmocka_unit_test(test_schema_invalid),
	    cmocka_unit_test(test_parquet_names),
	    cmocka_unit_test(test_create_and_snapshots),
	    cmocka_unit_test(test_remove_snapshots_trims_log),
	    cmocka_unit_test(test_requirements_conflict),
	    cmocka_unit_test(test_parse_roundtrip_and_corrupt),
	    cmocka_unit_test(test_manifest_roundtrip),
	    cmocka_unit_test(test_snapshots_and_scan),
	    cmocka_unit_test(test_manifest_schema_id_after_replace),
	    cmocka_unit_test(test_min_sequence_number_live_only),
	    cmocka_unit_test(test_totals_when_parent_lacks_them),
	};
	floe_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
