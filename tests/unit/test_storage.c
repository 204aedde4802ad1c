/* Unit tests of the local storage layer: URIs, atomic writes, write-new
 * (create-if-absent) races, updates that skip unchanged files, reads with
 * caps, deletes, the commit barrier and the I/O fault seam. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "floe/storage.h"

static char dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "%s/floe-storage-XXXXXX",
	         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return floe_storage_delete_tree(dir);
}

static char *path(const char *rel)
{
	return floe_asprintf("%s/%s", dir, rel);
}

static void test_uris(void **state)
{
	char *p, *u, *j;
	(void)state;
	p = floe_storage_local_path("file:///a/b");
	assert_string_equal(p, "/a/b");
	floe_free(p);
	/* Java's Hadoop Path writes local files as file:/x */
	p = floe_storage_local_path("file:/tmp/t/metadata/v1.json");
	assert_string_equal(p, "/tmp/t/metadata/v1.json");
	floe_free(p);
	u = floe_storage_file_uri("file:/tmp/t");
	assert_string_equal(u, "file:///tmp/t");
	floe_free(u);
	assert_null(floe_storage_local_path("gs://bucket/x"));
	assert_int_equal(floe_error_code(), FLOE_EUNSUPPORTED);
	u = floe_storage_file_uri("/x/y");
	assert_string_equal(u, "file:///x/y");
	floe_free(u);
	j = floe_storage_join("file:///w/", "/data/f.parquet");
	assert_string_equal(j, "file:///w/data/f.parquet");
	floe_free(j);
}

static void test_write_read_roundtrip(void **state)
{
	char *p = path("deep/er/file.json");
	char *uri = floe_asprintf("file://%s", p);
	floe_buf b;
	int64_t size = 0;
	(void)state;
	assert_int_equal(floe_storage_write(uri, "hello", 5), 0);
	assert_int_equal(floe_storage_exists(uri), 1);
	assert_int_equal(floe_storage_size(&size, uri), 0);
	assert_true(size == 5);
	assert_int_equal(floe_storage_read(&b, p, 0), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.ptr, "hello", 5);
	floe_buf_free(&b);
	/* over the cap: refused, not truncated */
	assert_int_not_equal(floe_storage_read(&b, p, 3), 0);
	/* overwrite is atomic: the new content replaces the old */
	assert_int_equal(floe_storage_write(p, "bye", 3), 0);
	assert_int_equal(floe_storage_read(&b, p, 0), 0);
	assert_string_equal(b.ptr, "bye");
	floe_buf_free(&b);
	assert_int_equal(floe_storage_delete(p), 0);
	assert_int_equal(floe_storage_exists(p), 0);
	assert_int_equal(floe_storage_delete(p), 0); /* absent is fine */
	assert_int_equal(floe_storage_read(&b, p, 0), FLOE_ENOTFOUND);
	assert_non_null(strstr(floe_error_message(), "file.json"));
	floe_free(uri);
	floe_free(p);
}

static void test_write_new_refuses_existing(void **state)
{
	char *p = path("v1.metadata.json");
	floe_buf b;
	(void)state;
	assert_int_equal(floe_storage_write_new(p, "one", 3), 0);
	assert_int_equal(floe_storage_write_new(p, "two", 3), FLOE_EEXISTS);
	assert_int_equal(floe_storage_read(&b, p, 0), 0);
	assert_string_equal(b.ptr, "one");
	floe_buf_free(&b);
	floe_free(p);
}

/* Files in the test directory whose name starts with prefix. */
static int count_prefixed(const char *prefix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

/* A writer killed in the middle of write-new (here by SIGXFSZ once the file
 * passes RLIMIT_FSIZE, a deterministic kill) leaves no file under the
 * final name, not even a partial or empty one, and no temp file either;
 * the name can then be created. */
static void test_write_new_killed_midway(void **state)
{
	const char *names[2] = {"00001-killed.metadata.json", "v9.metadata.json"};
	(void)state;
	for (int synced = 0; synced < 2; synced++) {
		char *p = path(names[synced]);
		size_t len = 1 << 16;
		char *data = calloc(1, len);
		int status = 0;
		pid_t pid;
		assert_non_null(data);
		memset(data, '{', len);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct rlimit lim = {4096, 4096};
			signal(SIGXFSZ, SIG_DFL);
			setrlimit(RLIMIT_FSIZE, &lim);
			if (synced)
				floe_storage_write_new_synced(p, data, len);
			else
				floe_storage_write_new(p, data, len);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
		assert_int_equal(floe_storage_exists(p), 0);
		assert_int_equal(count_prefixed(names[synced]), 0);
		assert_int_equal(floe_storage_write_new(p, data, len), 0);
		assert_int_equal(floe_storage_write_new(p, data, len), FLOE_EEXISTS);
		free(data);
		floe_free(p);
	}
}

/* update: the same bytes leave the file alone (same inode, nothing
 * written), other bytes replace it, an absent file is created */
static void test_update_only_when_changed(void **state)
{
	char *p = path("compiled/model.sql");
	struct stat before, after;
	floe_buf b;
	(void)state;
	assert_int_equal(floe_storage_update(p, "select 1", 8), 0);
	assert_int_equal(stat(p, &before), 0);
	assert_int_equal(floe_storage_update(p, "select 1", 8), 0);
	assert_int_equal(stat(p, &after), 0);
	assert_true(before.st_ino == after.st_ino);
	assert_int_equal(floe_storage_update(p, "select 2", 8), 0); /* same size */
	assert_int_equal(floe_storage_read(&b, p, 0), 0);
	assert_string_equal(b.ptr, "select 2");
	floe_buf_free(&b);
	assert_int_equal(floe_storage_update(p, "", 0), 0);
	assert_int_equal(floe_storage_read(&b, p, 0), 0);
	assert_int_equal(b.len, 0);
	floe_buf_free(&b);
	assert_int_equal(floe_storage_update(p, "", 0), 0);
	floe_free(p);
}

static void test_io_fault_leaves_nothing(void **state)
{
	char *p = path("faulty.json");
	(void)state;
	floe_fault_io_set(1);
	assert_int_equal(floe_storage_write(p, "x", 1), FLOE_EIO);
	assert_non_null(strstr(floe_error_message(), "injected I/O fault"));
	assert_int_equal(floe_storage_exists(p), 0);
	floe_fault_io_set(1);
	assert_int_equal(floe_storage_write_new(p, "x", 1), FLOE_EIO);
	assert_int_equal(floe_storage_exists(p), 0);
	assert_int_equal(floe_storage_write(p, "x", 1), 0); /* only once */
	floe_fault_io_set(0);
	floe_free(p);
}

/* The commit barrier: syncs the filesystem of a path that may not exist yet
 * (its nearest existing ancestor), passes the fault seam, and a synced
 * write-new publishes nothing when the barrier fails. */
static void test_sync_barrier(void **state)
{
	char *p = path("not/yet/there/v2.metadata.json"), *q = path("v3.metadata.json");
	char *uri = floe_asprintf("file://%s", dir);
	floe_buf b;
	(void)state;
	assert_int_equal(floe_storage_sync(p), 0);
	assert_int_equal(floe_storage_sync(uri), 0);
	floe_fault_io_set(1);
	assert_int_equal(floe_storage_sync(dir), FLOE_EIO);
	assert_non_null(strstr(floe_error_message(), "cannot sync"));
	floe_fault_io_set(2); /* the temp write passes, the barrier fails */
	assert_int_equal(floe_storage_write_new_synced(q, "three", 5), FLOE_EIO);
	assert_int_equal(floe_storage_exists(q), 0);
	floe_fault_io_set(0);
	assert_int_equal(floe_storage_write_new_synced(q, "three", 5), 0);
	assert_int_equal(floe_storage_write_new_synced(q, "again", 5), FLOE_EEXISTS);
	assert_int_equal(floe_storage_read(&b, q, 0), 0);
	assert_string_equal(b.ptr, "three");
	floe_buf_free(&b);
	floe_free(uri);
	floe_free(q);
	floe_free(p);
}

static void test_delete_tree(void **state)
{
	char *a = path("t/data/a.parquet"), *b = path("t/metadata/m.avro"), *t = path("t");
	(void)state;
	assert_int_equal(floe_storage_write(a, "a", 1), 0);
	assert_int_equal(floe_storage_write(b, "b", 1), 0);
	assert_int_equal(floe_storage_delete_tree(t), 0);
	assert_int_equal(floe_storage_exists(t), 0);
	assert_int_equal(floe_storage_delete_tree(t), 0); /* absent is fine */
	floe_free(a);
	floe_free(b);
	floe_free(t);
}

int main(void)
{
	floe_base_init();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uris),
	    cmocka_unit_test(test_write_new_killed_midway),
	    cmocka_unit_test(test_write_read_roundtrip),
	    cmocka_unit_test(test_write_new_refuses_existing),
	    cmocka_unit_test(test_update_only_when_changed),
	    cmocka_unit_test(test_io_fault_leaves_nothing),
	    cmocka_unit_test(test_sync_barrier),
	    cmocka_unit_test(test_delete_tree),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
