/* Unit tests of the iceberg layer against tables other engines write and
 * against hostile input: delete manifests (scan planning refuses live
 * deletes; an append carries them forward, partition summaries included;
 * an overwrite drops them), format versions floe does not read, sequence
 * numbers and counts at the end of int64, and the commit path under an
 * allocation failure at every N (nothing half-built, nothing leaked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "floe/iceberg.h"

static floe_ice_schema *one_column(void)
{
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_ice_struct_add(root, 1, "id", false, floe_ice_type_new(FLOE_ICE_LONG));
	return floe_ice_schema_new(0, root);
}

static floe_ice_metadata *new_table(const char *location)
{
	floe_ice_schema *s = one_column();
	json_t *ups = floe_ice_create_updates(location, s, NULL);
	floe_ice_metadata *m = NULL;
	assert_non_null(ups);
	assert_int_equal(floe_ice_updates_apply(&m, NULL, NULL, ups, 1000), 0);
	json_decref(ups);
	floe_ice_schema_free(s);
	return m;
}

static floe_ice_metadata *temp_table(char *dir, size_t dirlen)
{
	const char *tmp = getenv("TMPDIR");
	char loc[300];
	snprintf(dir, dirlen, "%s/floe-icem-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(loc, sizeof(loc), "file://%s", dir);
	return new_table(loc);
}

static floe_ice_metadata *commit(floe_ice_metadata *m, floe_ice_op op, const char *path,
                                 int64_t rows)
{
	floe_ice_data_file f = {0, (char *)path, "PARQUET", rows, 100, 0, NULL};
	json_t *req = NULL, *upd = NULL;
	floe_ice_metadata *next = NULL;
	int64_t sid;
	assert_int_equal(floe_ice_snapshot_produce(&req, &upd, &sid, m, op, &f, 1, NULL, NULL), 0);
	assert_int_equal(floe_ice_requirements_check(m, req), 0);
	assert_int_equal(floe_ice_updates_apply(&next, m, "file:///x.json", upd, 5000), 0);
	json_decref(req);
	json_decref(upd);
	floe_ice_metadata_free(m);
	return next;
}

static floe_ice_manifest_file *current_list(const floe_ice_metadata *m, size_t *n)
{
	floe_ice_manifest_file *mfs = NULL;
	floe_ice_snapshot snap;
	floe_buf b;
	assert_int_equal(
	    floe_ice_metadata_snapshot_by_id(m, floe_ice_metadata_current_snapshot_id(m), &snap),
	    0);
	assert_int_equal(floe_storage_read(&b, snap.manifest_list, 0), 0);
	assert_int_equal(floe_ice_manifest_list_decode(&mfs, n, b.ptr, b.len, "list"), 0);
	floe_buf_free(&b);
	return mfs;
}

static const char *current_summary(const floe_ice_metadata *m, const char *key)
{
	floe_ice_snapshot snap;
	assert_int_equal(
	    floe_ice_metadata_snapshot_by_id(m, floe_ice_metadata_current_snapshot_id(m), &snap),
	    0);
	return json_string_value(json_object_get(snap.summary, key));
}

static const uint8_t part_lower[3] = {1, 2, 3};

/*
 * Commit, as another engine would, a snapshot that adds one delete file
 * (content 1 position deletes, 2 equality deletes) in a delete manifest of
 * its own, with the given entry status, on top of the current snapshot
 * whose manifests it keeps. The delete manifest's list entry carries a
 * partition summary, which must survive being carried forward.
 */
static floe_ice_metadata *commit_delete(floe_ice_metadata *m, const char *dir, int content,
                                        int status, int64_t rows)
{
	floe_ice_schema *s = NULL;
	floe_ice_manifest_entry e = {
	    status,
	    -1,
	    -1,
	    -1,
	    {content, "file:///d/deletes.parquet", "PARQUET", rows, 50, 0, NULL}};
	floe_ice_manifest_file *mfs, *list;
	floe_ice_field_summary sum = {true, 0, (uint8_t *)part_lower, 3, NULL, 0};
	floe_buf b = FLOE_BUF_INIT, lb = FLOE_BUF_INIT;
	char mpath[400], lpath[400];
	int64_t sid = 4242 + floe_ice_metadata_last_sequence_number(m);
	int64_t seq = floe_ice_metadata_last_sequence_number(m) + 1;
	int64_t parent = floe_ice_metadata_current_snapshot_id(m);
	size_t n = 0;
	json_t *u;
	floe_ice_metadata *next = NULL;
	assert_int_equal(floe_ice_metadata_schema(m, -1, &s), 0);
	if (status != 1) { /* EXISTING and DELETED entries carry their numbers */
		e.snapshot_id = sid;
		e.sequence_number = e.file_sequence_number = seq;
	}
	assert_int_equal(floe_ice_manifest_encode(&b, s, &e, 1), 0);
	snprintf(mpath, sizeof(mpath), "file://%s/metadata/del-%lld.avro", dir, (long long)seq);
	assert_int_equal(floe_storage_write(mpath, b.ptr, b.len), 0);
	mfs = current_list(m, &n);
	list = calloc(n + 1, sizeof(*list));
	memcpy(list, mfs, n * sizeof(*list));
	list[n] = (floe_ice_manifest_file){
	    mpath,       (int64_t)b.len, 0, 1, seq, seq,   sid, status == 1,
	    status == 0, status == 2,    0, 0, 0,   false, 1,   &sum};
	assert_int_equal(floe_ice_manifest_list_encode(&lb, sid, parent, seq, list, n + 1), 0);
	snprintf(lpath, sizeof(lpath), "file://%s/metadata/snap-del-%lld.avro", dir,
	         (long long)seq);
	assert_int_equal(floe_storage_write(lpath, lb.ptr, lb.len), 0);
	u = json_pack("[{s:s,s:{s:I,s:I,s:I,s:I,s:s,s:{s:s}}},{s:s,s:s,s:s,s:I}]", "action",
	              "add-snapshot", "snapshot", "snapshot-id", (json_int_t)sid,
	              "parent-snapshot-id", (json_int_t)parent, "sequence-number", (json_int_t)seq,
	              "timestamp-ms", (json_int_t)4000, "manifest-list", lpath, "summary",
	              "operation", "delete", "action", "set-snapshot-ref", "ref-name", "main",
	              "type", "branch", "snapshot-id", (json_int_t)sid);
	assert_int_equal(floe_ice_updates_apply(&next, m, "file:///y.json", u, 4000), 0);
	json_decref(u);
	free(list);
	floe_ice_manifest_files_free(mfs, n);
	floe_buf_free(&b);
	floe_buf_free(&lb);
	floe_ice_schema_free(s);
	floe_ice_metadata_free(m);
	return next;
}

static size_t delete_manifests(const floe_ice_manifest_file *mfs, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += mfs[i].content == 1;
	return k;
}

/* Scan planning refuses live position deletes; an append keeps the delete
 * manifest (and its list entry as it was); an overwrite drops it. */
static void test_position_deletes(void **state)
{
	char dir[256];
	floe_ice_metadata *m;
	floe_ice_data_file *files = NULL;
	floe_ice_manifest_file *mfs;
	size_t n = 0;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	m = commit_delete(m, dir, 1, 1, 3);
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), FLOE_EUNSUPPORTED);
	assert_null(files);
	assert_non_null(strstr(floe_error_message(), "position deletes"));
	assert_non_null(strstr(floe_error_message(), "1 live delete files"));
	assert_non_null(strstr(floe_error_message(), dir)); /* names the table */
	/* an append carries the delete manifest forward unchanged */
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/b.parquet", 10);
	mfs = current_list(m, &n);
	assert_int_equal(n, 3);
	assert_int_equal(delete_manifests(mfs, n), 1);
	for (size_t i = 0; i < n; i++) {
		if (mfs[i].content != 1)
			continue;
		assert_true(mfs[i].sequence_number == 2 && mfs[i].added_files == 1);
		assert_false(mfs[i].partitions_null);
		assert_int_equal(mfs[i].npartitions, 1);
		assert_true(mfs[i].partitions[0].contains_null);
		assert_int_equal(mfs[i].partitions[0].contains_nan, 0);
		assert_int_equal(mfs[i].partitions[0].lower_len, 3);
		assert_memory_equal(mfs[i].partitions[0].lower, part_lower, 3);
		assert_null(mfs[i].partitions[0].upper);
	}
	floe_ice_manifest_files_free(mfs, n);
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), FLOE_EUNSUPPORTED);
	/* an overwrite of the whole table: the deleted rows' files and the
	 * delete file go together */
	m = commit(m, FLOE_ICE_OP_OVERWRITE, "file:///d/c.parquet", 5);
	mfs = current_list(m, &n);
	assert_int_equal(delete_manifests(mfs, n), 0);
	floe_ice_manifest_files_free(mfs, n);
	assert_string_equal(current_summary(m, "removed-delete-files"), "1");
	assert_string_equal(current_summary(m, "removed-position-deletes"), "3");
	assert_string_equal(current_summary(m, "deleted-data-files"), "2");
	assert_string_equal(current_summary(m, "total-delete-files"), "0");
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), 0);
	assert_int_equal(n, 1);
	assert_string_equal(files[0].path, "file:///d/c.parquet");
	floe_ice_data_files_free(files, n);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

static void test_equality_deletes(void **state)
{
	char dir[256];
	floe_ice_metadata *m;
	floe_ice_data_file *files = NULL;
	size_t n = 0;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	m = commit_delete(m, dir, 2, 0, 4); /* an EXISTING equality delete file */
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), FLOE_EUNSUPPORTED);
	assert_non_null(strstr(floe_error_message(), "1 equality deletes files, 4 rows"));
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

/* A delete manifest whose entries are all DELETED holds no live delete:
 * the table reads. */
static void test_deleted_delete_files_read(void **state)
{
	char dir[256];
	floe_ice_metadata *m;
	floe_ice_data_file *files = NULL;
	size_t n = 0;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	m = commit_delete(m, dir, 1, 2, 3);
	assert_int_equal(floe_ice_scan_files(&files, &n, m, -1), 0);
	assert_int_equal(n, 1);
	floe_ice_data_files_free(files, n);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

static char *metadata_text(const floe_ice_metadata *m, const char *key, json_t *value)
{
	json_t *root = json_deep_copy(floe_ice_metadata_json(m));
	char *text;
	json_object_set_new(root, key, value);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	return text;
}

static void test_format_versions(void **state)
{
	floe_ice_metadata *m = new_table("file:///t"), *p = NULL;
	static const int bad[] = {0, 3, 4, -1};
	floe_avro_writer *w = NULL;
	floe_ice_manifest_entry *e = NULL;
	floe_ice_manifest_file *mf = NULL;
	size_t n = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = metadata_text(m, "format-version", json_integer(bad[i]));
		char want[64];
		assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "v.metadata.json"),
		                 FLOE_EUNSUPPORTED);
		assert_null(p);
		snprintf(want, sizeof(want), "format-version %d is not supported", bad[i]);
		assert_non_null(strstr(floe_error_message(), want));
		assert_non_null(strstr(floe_error_message(), "v.metadata.json"));
		free(text);
	}
	/* a v1 snapshot listing its manifests inline */
	{
		const char *v1 =
		    "{\"format-version\":1,\"location\":\"file:///v1\",\"last-updated-ms\":1,"
		    "\"last-column-id\":1,\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":"
		    "1,\"name\":\"a\",\"required\":false,\"type\":\"int\"}]},"
		    "\"partition-spec\":[],\"current-snapshot-id\":5,\"snapshots\":[{"
		    "\"snapshot-id\":5,\"timestamp-ms\":1,\"manifests\":[\"file:///m.avro\"]}]}";
		assert_int_equal(floe_ice_metadata_parse(&p, v1, strlen(v1), "v1.json"),
		                 FLOE_EUNSUPPORTED);
		assert_non_null(strstr(floe_error_message(), "inline"));
	}
	/* a v1 table reads but is not written */
	{
		const char *v1 =
		    "{\"format-version\":1,\"location\":\"file:///v1\",\"last-updated-ms\":1,"
		    "\"last-column-id\":1,\"schema\":{\"type\":\"struct\",\"fields\":[{\"id\":"
		    "1,\"name\":\"a\",\"required\":false,\"type\":\"int\"}]}}";
		json_t *req = NULL, *upd = NULL;
		int64_t sid;
		assert_int_equal(floe_ice_metadata_parse(&p, v1, strlen(v1), "v1.json"), 0);
		assert_int_equal(floe_ice_snapshot_produce(&req, &upd, &sid, p, FLOE_ICE_OP_APPEND,
		                                           NULL, 0, NULL, NULL),
		                 FLOE_EUNSUPPORTED);
		assert_null(upd);
		floe_ice_metadata_free(p);
		p = NULL;
	}
	/* manifests and manifest lists of a format floe does not read */
	assert_int_equal(floe_avro_writer_new(
	                     &w, "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":[]}",
	                     FLOE_AVRO_NULL_CODEC),
	                 0);
	assert_int_equal(floe_avro_writer_meta(w, "format-version", "3"), 0);
	assert_int_equal(floe_avro_writer_finish(w), 0);
	assert_int_equal(floe_ice_manifest_decode(&e, &n, floe_avro_writer_data(w)->ptr,
	                                          floe_avro_writer_data(w)->len, "m3.avro", NULL),
	                 FLOE_EUNSUPPORTED);
	assert_non_null(strstr(floe_error_message(), "m3.avro: manifest format-version '3'"));
	assert_int_equal(floe_ice_manifest_list_decode(&mf, &n, floe_avro_writer_data(w)->ptr,
	                                               floe_avro_writer_data(w)->len, "l3.avro"),
	                 FLOE_EUNSUPPORTED);
	assert_non_null(strstr(floe_error_message(), "l3.avro: manifest list format-version"));
	floe_avro_writer_free(w);
	floe_ice_metadata_free(m);
}

/* Sequence numbers and counts at the end of int64: refused with an error,
 * no signed overflow (UBSan runs this in the sanitizer build). */
static void test_int64_edges(void **state)
{
	char dir[256];
	floe_ice_metadata *m = new_table("file:///t"), *p = NULL;
	char *text;
	json_t *req = NULL, *upd = NULL;
	int64_t sid, id = 0;
	(void)state;
	text = metadata_text(m, "last-sequence-number", json_integer(INT64_MAX));
	assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "max.json"), 0);
	assert_int_equal(
	    floe_ice_snapshot_produce(&req, &upd, &sid, p, FLOE_ICE_OP_APPEND, NULL, 0, NULL, NULL),
	    FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "last-sequence-number"));
	assert_null(upd);
	floe_ice_metadata_free(p);
	free(text);
	text = metadata_text(m, "last-sequence-number", json_integer(-5));
	assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "neg.json"),
	                 FLOE_ECORRUPT);
	free(text);
	/* a snapshot at INT64_MIN ms reads, and time travel does not overflow */
	{
		json_t *snaps = json_pack("[{s:I,s:I,s:I,s:s,s:{s:s}}]", "snapshot-id",
		                          (json_int_t)9, "sequence-number", (json_int_t)1,
		                          "timestamp-ms", (json_int_t)INT64_MIN, "manifest-list",
		                          "file:///l.avro", "summary", "operation", "append");
		json_t *root = json_deep_copy(floe_ice_metadata_json(m));
		json_object_set_new(root, "snapshots", snaps);
		json_object_set_new(root, "current-snapshot-id", json_integer(9));
		json_object_set_new(root, "last-sequence-number", json_integer(1));
		text = json_dumps(root, JSON_COMPACT);
		json_decref(root);
		assert_int_equal(floe_ice_metadata_parse(&p, text, strlen(text), "min.json"), 0);
		assert_int_equal(floe_ice_metadata_snapshot_as_of(p, INT64_MIN, &id), 0);
		assert_true(id == 9);
		assert_int_equal(floe_ice_metadata_snapshot_as_of(p, INT64_MAX, &id), 0);
		floe_ice_metadata_free(p);
		free(text);
	}
	floe_ice_metadata_free(m);
	/* record counts whose sum overflows: the overwrite refuses */
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", INT64_MAX);
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/b.parquet", INT64_MAX);
	assert_int_equal(floe_ice_snapshot_produce(&req, &upd, &sid, m, FLOE_ICE_OP_OVERWRITE, NULL,
	                                           0, NULL, NULL),
	                 FLOE_ECORRUPT);
	assert_non_null(strstr(floe_error_message(), "overflow"));
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

/* Remove the files of <dir>/metadata that are not among the first `keep`
 * names of `names` and return how many there were: the files of the last
 * attempt. */
static size_t remove_new_files(const char *dir, char **names, size_t keep)
{
	char path[400], full[800];
	DIR *d;
	struct dirent *de;
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL) {
		bool old = de->d_name[0] == '.';
		for (size_t i = 0; !old && i < keep; i++)
			old = strcmp(names[i], de->d_name) == 0;
		if (old)
			continue;
		snprintf(full, sizeof(full), "%s/%s", path, de->d_name);
		assert_int_equal(unlink(full), 0);
		n++;
	}
	closedir(d);
	return n;
}

static size_t list_files(const char *dir, char **names, size_t max)
{
	char path[400];
	DIR *d;
	struct dirent *de;
	size_t n = 0;
	snprintf(path, sizeof(path), "%s/metadata", dir);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && n < max)
			names[n++] = strdup(de->d_name);
	closedir(d);
	return n;
}

/* One commit of the write path, as the engine and catalog run it: parse
 * the base metadata, produce a snapshot, check and apply it, serialize the
 * result and plan a scan of it. */
static int commit_path(const char *text, floe_ice_op op, size_t *nfiles, bool *produced)
{
	floe_ice_metadata *base = NULL, *next = NULL, *again = NULL;
	floe_ice_data_file f = {0, "file:///d/new.parquet", "PARQUET", 7, 100, 0, NULL};
	floe_ice_data_file *files = NULL;
	json_t *req = NULL, *upd = NULL;
	floe_buf b = FLOE_BUF_INIT;
	int64_t sid;
	int rc;
	*nfiles = 0;
	*produced = false;
	rc = floe_ice_metadata_parse(&base, text, strlen(text), "base.json");
	if (rc == 0)
		rc = floe_ice_snapshot_produce(&req, &upd, &sid, base, op, &f, 1, NULL, NULL);
	if (rc == 0) {
		/* the updates hold the snapshot and the ref that makes it current */
		*produced = true;
		size_t i;
		json_t *u;
		int snap = 0, ref = 0;
		json_array_foreach(upd, i, u)
		{
			const char *a = json_string_value(json_object_get(u, "action"));
			snap += floe_str_eq(a, "add-snapshot");
			ref += floe_str_eq(a, "set-snapshot-ref");
		}
		assert_int_equal(snap, 1);
		assert_int_equal(ref, 1);
		rc = floe_ice_requirements_check(base, req);
	}
	/* updates.c is swept apart (it is another module's): here it runs
	 * without injected failures */
	floe_fault_alloc_suspend();
	if (rc == 0)
		rc = floe_ice_updates_apply(&next, base, "file:///base.json", upd, 9000);
	floe_fault_alloc_resume();
	if (rc == 0)
		rc = floe_ice_metadata_serialize(next, &b);
	if (rc == 0)
		rc = floe_ice_metadata_parse(&again, b.ptr, b.len, "next.json");
	if (rc == 0)
		rc = floe_ice_scan_files(&files, nfiles, again, -1);
	floe_ice_data_files_free(files, *nfiles);
	floe_buf_free(&b);
	json_decref(req);
	json_decref(upd);
	floe_ice_metadata_free(again);
	floe_ice_metadata_free(next);
	floe_ice_metadata_free(base);
	return rc;
}

/*
 * The commit path with the Nth allocation failing, for every N until a run
 * no longer reaches the failure: each run fails cleanly (a negative code,
 * no file of the attempt left behind) or succeeds whole; LSan (sanitizer
 * build) reports any leak on the way. Runs on a table with a carried
 * delete manifest (append) and on one being overwritten.
 */
static void test_commit_path_alloc_faults(void **state)
{
	char dir[256];
	char *names[64];
	floe_ice_metadata *m;
	floe_buf b = FLOE_BUF_INIT;
	size_t nnames, nfiles;
	(void)state;
	m = temp_table(dir, sizeof(dir));
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/a.parquet", 10);
	m = commit_delete(m, dir, 1, 2, 3); /* a delete manifest, all DELETED */
	m = commit(m, FLOE_ICE_OP_APPEND, "file:///d/b.parquet", 10);
	assert_int_equal(floe_ice_metadata_serialize(m, &b), 0);
	nnames = list_files(dir, names, 64);
	for (int op = 0; op < 2; op++) {
		long n, failed = 0;
		for (n = 1;; n++) {
			bool produced;
			size_t extra;
			int rc;
			floe_fault_alloc_set(n);
			rc = commit_path(b.ptr, op ? FLOE_ICE_OP_OVERWRITE : FLOE_ICE_OP_APPEND,
			                 &nfiles, &produced);
			if (floe_fault_alloc_left() > 0) { /* never reached: done */
				floe_fault_alloc_set(0);
				assert_int_equal(rc, 0);
				remove_new_files(dir, names, nnames);
				break;
			}
			floe_fault_alloc_set(0);
			extra = remove_new_files(dir, names, nnames);
			if (rc == 0) {
				if (nfiles != (size_t)(op ? 1 : 3))
					fail_msg("N=%ld op=%d: %zu files in the scan", n, op,
					         nfiles);
				continue;
			}
			failed++;
			assert_true(rc < 0);
			assert_true(floe_error_message()[0] != '\0');
			/* a failed produce leaves none of its files behind; after
			 * it, its manifests and list stay (unreferenced) */
			if (!produced)
				assert_int_equal(extra, 0);
			else if (extra != (size_t)(op ? 3 : 2))
				fail_msg("N=%ld op=%d: %zu files left after: %s", n, op, extra,
				         floe_error_message());
		}
		assert_true(failed > 50); /* the sweep reached deep into the path */
	}
	for (size_t i = 0; i < nnames; i++)
		free(names[i]);
	floe_buf_free(&b);
	floe_ice_metadata_free(m);
	assert_int_equal(floe_storage_delete_tree(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_position_deletes),
	    cmocka_unit_test(test_equality_deletes),
	    cmocka_unit_test(test_deleted_delete_files_read),
	    cmocka_unit_test(test_format_versions),
	    cmocka_unit_test(test_int64_edges),
	    cmocka_unit_test(test_commit_path_alloc_faults),
	};
	floe_base_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
