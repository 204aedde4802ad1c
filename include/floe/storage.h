/*
 * floe storage ("file io"): one interface over the places Iceberg files live.
 * Locations are URIs: `file:///abs/path` or a plain absolute/relative path
 * (treated as local). s3:// arrives with the S3 issue. Every write-type call
 * passes the I/O fault seam (floe_fault_io_hit) so tests can make it fail.
 */
#ifndef FLOE_STORAGE_H
#define FLOE_STORAGE_H

#include "floe/base.h"

/* Local path for a `file://` URI or plain path. Caller frees. NULL + error
 * for unsupported schemes. */
char *floe_storage_local_path(const char *uri);
/* Absolute `file://` URI for a local path (made absolute against the CWD). */
char *floe_storage_file_uri(const char *path);
/* Join a base location and a relative part with exactly one '/'. */
char *floe_storage_join(const char *base, const char *rel);

/* Read a whole file into out (initialised by the callee; free with
 * floe_buf_free). max caps the size (0 = 1 GiB). FLOE_ENOTFOUND if absent. */
int floe_storage_read(floe_buf *out, const char *uri, size_t max);
/*
 * Durability: writes are atomic (readers never see a partial file) but not
 * durable on their own; floe_storage_sync() is the barrier a commit takes
 * before it publishes anything (one syncfs(2) per commit instead of an
 * fsync per file), so that after a power loss a committed table never
 * points at a file that did not reach the disk.
 */
/* Write a whole file, creating parent directories: written to a temp name
 * and renamed into place, so readers never see a partial file. */
int floe_storage_write(const char *uri, const void *data, size_t len);
/* floe_storage_write unless uri already holds exactly these bytes, in which
 * case nothing is touched (artifacts rewritten on every run, such as a dbt
 * project's compiled SQL: an unchanged file costs a read, not a new inode
 * and a rename over the old one). */
int floe_storage_update(const char *uri, const void *data, size_t len);
/* Create a file that must not exist yet (FLOE_EEXISTS if it does), creating
 * parent directories, atomically: the name appears with the whole content
 * or not at all, whatever kills the process (an unnamed O_TMPFILE file in
 * the target directory, then link(2); a named temp file, linked and
 * removed, where the filesystem has no O_TMPFILE). Not durable on its own:
 * the commit's floe_storage_sync() comes before anything references it. */
int floe_storage_write_new(const char *uri, const void *data, size_t len);
/* Like floe_storage_write_new with the barrier first: the file's content
 * and everything written before it on its filesystem are on disk before
 * the name appears (syncfs(2) before link(2)), for a commit that is itself
 * a file, as in hadoop tables. */
int floe_storage_write_new_synced(const char *uri, const void *data, size_t len);
/* Make every file written so far on uri's filesystem durable (the commit
 * barrier). Passes the I/O fault seam. */
int floe_storage_sync(const char *uri);
/* 1 if exists, 0 if not, negative on error. */
int floe_storage_exists(const char *uri);
/* Size in bytes of an existing file. */
int floe_storage_size(int64_t *out, const char *uri);
int floe_storage_mkdirs(const char *uri);
/* Delete one file; absent is not an error. */
int floe_storage_delete(const char *uri);
/* Delete the files directly in directory uri whose names start with
 * prefix (the files of one failed write); an absent directory is fine. */
int floe_storage_delete_prefixed(const char *uri, const char *prefix);
/* Delete a directory tree (drop --purge, DuckDB's temporary directory). */
int floe_storage_delete_tree(const char *uri);

#endif
