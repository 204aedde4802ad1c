/*
 * Local-disk implementation of the storage layer (file:// and plain paths).
 * Writes go to a temp file in the target directory and are renamed into
 * place, or (write-new) to an unnamed O_TMPFILE file that link(2) names,
 * so a crash never leaves a partial file under its final name. Durability is a separate barrier
 * (floe_storage_sync: syncfs(2) of the filesystem), taken once per commit
 * instead of an fsync per file.
 */

#include "floe/storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *floe_storage_local_path(const char *uri)
{
	if (floe_str_starts_with(uri, "file://"))
		return floe_strdup(uri + 7);
	/* file:/x, as Java's Hadoop Path writes a local URI (RFC 8089 allows
	 * both forms) */
	if (floe_str_starts_with(uri, "file:/"))
		return floe_strdup(uri + 5);
	if (strstr(uri, "://") != NULL) {
		floe_error_set(FLOE_EUNSUPPORTED, "storage scheme of '%s' is not supported", uri);
		return NULL;
	}
	return floe_strdup(uri);
}

char *floe_storage_file_uri(const char *path)
{
	char cwd[PATH_MAX];
	if (floe_str_starts_with(path, "file://") || strstr(path, "://"))
		return floe_strdup(path);
	if (floe_str_starts_with(path, "file:/"))
		return floe_asprintf("file://%s", path + 5);
	if (path[0] == '/')
		return floe_asprintf("file://%s", path);
	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		floe_error_set(FLOE_EIO, "getcwd failed: %s", strerror(errno));
		return NULL;
	}
	if (strcmp(path, ".") == 0)
		return floe_asprintf("file://%s", cwd);
	if (floe_str_starts_with(path, "./"))
		path += 2;
	return floe_asprintf("file://%s/%s", cwd, path);
}

char *floe_storage_join(const char *base, const char *rel)
{
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	while (*rel == '/')
		rel++;
	return floe_asprintf("%.*s/%s", (int)n, base, rel);
}

static int io_error(const char *what, const char *path)
{
	int e = errno;
	return floe_error_set(e == ENOENT ? FLOE_ENOTFOUND : FLOE_EIO, "%s %s: %s", what, path,
	                      strerror(e));
}

int floe_storage_read(floe_buf *out, const char *uri, size_t max)
{
	char *path = floe_storage_local_path(uri);
	int fd = -1, rc = 0;
	struct stat st;
	floe_buf_init(out, max ? max : ((size_t)1 << 30));
	if (path == NULL)
		return floe_error_code();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = io_error("cannot read", path);
		goto done;
	}
	if ((uint64_t)st.st_size > out->max) {
		rc = floe_error_set(FLOE_EINVAL, "%s is larger than %zu bytes", path, out->max);
		goto done;
	}
	if ((rc = floe_buf_grow(out, (size_t)st.st_size)) != 0) {
		floe_error_prefix("%s: ", path);
		goto done;
	}
	for (;;) {
		ssize_t got;
		size_t room = out->max - out->len;
		char probe;
		if (room == 0) {
			/* at the cap: one more byte means the file is too large */
			got = read(fd, &probe, 1);
			if (got > 0) {
				rc = floe_error_set(FLOE_EINVAL, "%s is larger than %zu bytes",
				                    path, out->max);
				goto done;
			}
			if (got == 0)
				break;
		} else {
			if ((rc = floe_buf_grow(out, room < 65536 ? room : 65536)) != 0) {
				floe_error_prefix("%s: ", path);
				goto done;
			}
			got = read(fd, out->ptr + out->len, room < 65536 ? room : 65536);
		}
		if (got < 0) {
			if (errno == EINTR)
				continue;
			rc = io_error("cannot read", path);
			goto done;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
	}
	if ((rc = floe_buf_grow(out, 0)) != 0)
		goto done;
	out->ptr[out->len] = '\0';
done:
	if (fd >= 0)
		close(fd);
	if (rc)
		floe_buf_free(out);
	floe_free(path);
	return rc;
}

static int mkdirs_path(char *path)
{
	struct stat st;
	char *p;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			int rc = io_error("cannot create directory", path);
			*p = '/';
			return rc;
		}
		*p = '/';
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return io_error("cannot create directory", path);
	return 0;
}

int floe_storage_mkdirs(const char *uri)
{
	char *path = floe_storage_local_path(uri);
	int rc;
	if (path == NULL)
		return floe_error_code();
	rc = mkdirs_path(path);
	floe_free(path);
	return rc;
}

static int parent_dirs(const char *path)
{
	char *dir = floe_strdup(path);
	char *slash;
	int rc = 0;
	if (dir == NULL)
		return FLOE_ENOMEM;
	slash = strrchr(dir, '/');
	if (slash != NULL && slash != dir) {
		*slash = '\0';
		rc = mkdirs_path(dir);
	}
	floe_free(dir);
	return rc;
}

/* Write data to fd (an open, empty file). */
static int write_all(int fd, const char *name, const void *data, size_t len)
{
	const char *p = data;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return io_error("cannot write", name);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Create file (which must not exist) holding data; removed again on
 * failure. FLOE_EEXISTS if it exists. */
static int create_file(const char *file, const void *data, size_t len)
{
	int fd, rc;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? floe_error_set(FLOE_EEXISTS, "%s already exists", file)
		                       : io_error("cannot write", file);
	rc = write_all(fd, file, data, len);
	if (close(fd) != 0 && rc == 0)
		rc = io_error("cannot close", file);
	if (rc)
		unlink(file);
	return rc;
}

/* Write data to a fresh temp file next to path (whose directory exists);
 * returns its name. */
static int named_temp(char **tmp_out, const char *path, const void *data, size_t len)
{
	char *tmp;
	uint8_t rnd[8];
	int rc;
	*tmp_out = NULL;
	floe_random_bytes(rnd, sizeof(rnd));
	tmp = floe_asprintf("%s.tmp-%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1], rnd[2], rnd[3],
	                    rnd[4], rnd[5]);
	if (tmp == NULL)
		return FLOE_ENOMEM;
	if ((rc = create_file(tmp, data, len)) != 0) {
		floe_free(tmp);
		return rc;
	}
	*tmp_out = tmp;
	return 0;
}

/* The same, creating parent directories, through the I/O fault seam. */
static int write_temp(char **tmp_out, const char *path, const void *data, size_t len)
{
	int rc;
	*tmp_out = NULL;
	if (floe_fault_io_hit())
		return floe_error_set(FLOE_EIO, "cannot write %s: injected I/O fault", path);
	if ((rc = parent_dirs(path)) != 0)
		return rc;
	return named_temp(tmp_out, path, data, len);
}

int floe_storage_write(const char *uri, const void *data, size_t len)
{
	char *path = floe_storage_local_path(uri);
	char *tmp = NULL;
	int rc;
	if (path == NULL)
		return floe_error_code();
	rc = write_temp(&tmp, path, data, len);
	if (rc == 0 && rename(tmp, path) != 0) {
		rc = io_error("cannot rename into", path);
		unlink(tmp);
	}
	floe_free(tmp);
	floe_free(path);
	return rc;
}

int floe_storage_update(const char *uri, const void *data, size_t len)
{
	char *path = floe_storage_local_path(uri);
	struct stat st;
	bool same = false;
	if (path == NULL)
		return floe_error_code();
	/* only a file of the same size is read to compare */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size == len) {
		floe_buf old;
		if (floe_storage_read(&old, path, len ? len : 1) == 0) {
			same = old.len == len && (len == 0 || memcmp(old.ptr, data, len) == 0);
			floe_buf_free(&old);
		} else {
			floe_error_clear(); /* unreadable: written afresh below */
		}
	}
	floe_free(path);
	return same ? 0 : floe_storage_write(uri, data, len);
}

/* syncfs(2) of the filesystem holding path (or its nearest existing
 * ancestor directory) */
static int sync_fs_of(const char *path)
{
	char *dir = floe_strdup(path);
	int fd = -1, rc = 0;
	if (dir == NULL)
		return FLOE_ENOMEM;
	if (floe_fault_io_hit()) {
		rc = floe_error_set(FLOE_EIO, "cannot sync %s: injected I/O fault", path);
		goto done;
	}
	while ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		char *slash = strrchr(dir, '/');
		if ((errno != ENOENT && errno != ENOTDIR) || slash == NULL) {
			rc = io_error("cannot open for sync", dir);
			goto done;
		}
		if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	if (syncfs(fd) != 0)
		rc = io_error("cannot sync", dir);
done:
	if (fd >= 0)
		close(fd);
	floe_free(dir);
	return rc;
}

int floe_storage_sync(const char *uri)
{
	char *path = floe_storage_local_path(uri);
	int rc;
	if (path == NULL)
		return floe_error_code();
	rc = sync_fs_of(path);
	floe_free(path);
	return rc;
}

/* link(2) from to path: the create-if-absent step */
static int link_new(const char *from, const char *path, int flags)
{
	if (linkat(AT_FDCWD, from, AT_FDCWD, path, flags) == 0)
		return 0;
	if (errno == EEXIST)
		return floe_error_set(FLOE_EEXISTS, "%s already exists", path);
	return io_error("cannot create", path);
}

/*
 * Create path (which must not exist) holding data, atomically: the name
 * appears complete or not at all, whatever kills the process. The content
 * goes to an unnamed file (O_TMPFILE) in the target directory, which
 * link(2) then names; nothing is left behind on any failure. Filesystems
 * without O_TMPFILE get a named temp file, linked and then unlinked.
 * `synced`: syncfs(2) before the name appears.
 */
static int create_atomic(const char *path, const void *data, size_t len, bool synced)
{
	char *dir = NULL, *slash, *tmp = NULL;
	char proc[64];
	int fd = -1, rc;
	if (floe_fault_io_hit())
		return floe_error_set(FLOE_EIO, "cannot write %s: injected I/O fault", path);
	if ((rc = parent_dirs(path)) != 0)
		return rc;
	if ((dir = floe_strdup(path)) == NULL)
		return FLOE_ENOMEM;
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	fd = open(slash ? dir : ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	/* naming it goes through /proc/self/fd: without /proc, a named temp */
	if (fd >= 0 && access("/proc/self/fd", X_OK) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		/* no O_TMPFILE here (EOPNOTSUPP, EISDIR, EINVAL): a named temp,
		 * linked and unlinked (a kill in between leaves the temp name) */
		rc = named_temp(&tmp, path, data, len);
		if (rc == 0 && synced)
			rc = sync_fs_of(tmp);
		if (rc == 0)
			rc = link_new(tmp, path, 0);
		if (tmp)
			unlink(tmp);
		goto done;
	}
	if ((rc = write_all(fd, path, data, len)) != 0)
		goto done;
	if (synced && floe_fault_io_hit()) {
		rc = floe_error_set(FLOE_EIO, "cannot sync %s: injected I/O fault", path);
		goto done;
	}
	if (synced && syncfs(fd) != 0) {
		rc = io_error("cannot sync", path);
		goto done;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	rc = link_new(proc, path, AT_SYMLINK_FOLLOW);
done:
	if (fd >= 0)
		close(fd);
	floe_free(tmp);
	floe_free(dir);
	return rc;
}

int floe_storage_write_new(const char *uri, const void *data, size_t len)
{
	char *path = floe_storage_local_path(uri);
	int rc;
	if (path == NULL)
		return floe_error_code();
	rc = create_atomic(path, data, len, false);
	floe_free(path);
	return rc;
}

int floe_storage_write_new_synced(const char *uri, const void *data, size_t len)
{
	char *path = floe_storage_local_path(uri);
	int rc;
	if (path == NULL)
		return floe_error_code();
	rc = create_atomic(path, data, len, true);
	floe_free(path);
	return rc;
}

int floe_storage_exists(const char *uri)
{
	char *path = floe_storage_local_path(uri);
	struct stat st;
	int rc;
	if (path == NULL)
		return floe_error_code();
	if (stat(path, &st) == 0)
		rc = 1;
	else if (errno == ENOENT || errno == ENOTDIR)
		rc = 0;
	else
		rc = io_error("cannot stat", path);
	floe_free(path);
	return rc;
}

int floe_storage_size(int64_t *out, const char *uri)
{
	char *path = floe_storage_local_path(uri);
	struct stat st;
	int rc = 0;
	if (path == NULL)
		return floe_error_code();
	if (stat(path, &st) != 0)
		rc = io_error("cannot stat", path);
	else
		*out = (int64_t)st.st_size;
	floe_free(path);
	return rc;
}

int floe_storage_delete(const char *uri)
{
	char *path = floe_storage_local_path(uri);
	int rc = 0;
	if (path == NULL)
		return floe_error_code();
	if (floe_fault_io_hit())
		rc = floe_error_set(FLOE_EIO, "cannot delete %s: injected I/O fault", path);
	else if (unlink(path) != 0 && errno != ENOENT)
		rc = io_error("cannot delete", path);
	floe_free(path);
	return rc;
}

int floe_storage_delete_prefixed(const char *uri, const char *prefix)
{
	char *path = floe_storage_local_path(uri);
	size_t plen = strlen(prefix);
	struct dirent *de;
	DIR *d;
	int rc = 0;
	if (path == NULL)
		return floe_error_code();
	if ((d = opendir(path)) == NULL) {
		if (errno != ENOENT)
			rc = io_error("cannot list", path);
		floe_free(path);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		char *file;
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		if ((file = floe_asprintf("%s/%s", path, de->d_name)) == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		if (unlink(file) != 0 && errno != ENOENT && rc == 0)
			rc = io_error("cannot delete", file);
		floe_free(file);
	}
	closedir(d);
	floe_free(path);
	return rc;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	return (flag == FTW_DP ? rmdir(p) : unlink(p)) != 0 && errno != ENOENT ? -1 : 0;
}

int floe_storage_delete_tree(const char *uri)
{
	char *path = floe_storage_local_path(uri);
	int rc = 0;
	struct stat st;
	if (path == NULL)
		return floe_error_code();
	if (stat(path, &st) == 0 && nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		rc = io_error("cannot delete", path);
	floe_free(path);
	return rc;
}
