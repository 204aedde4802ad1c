/*
 * What the catalog checks before it creates something, common to both
 * backends: names that differ only in case (Iceberg's names are
 * case-sensitive, DuckDB's are not, so the second would be unreachable),
 * a new table's location (never a folder with other files, never one
 * another table of the catalog uses, holds or lies in), and whether a
 * warehouse without a catalog file already holds Iceberg tables.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "catalog_internal.h"

/* a warehouse walk looks this deep and at this many entries at most */
#define FIND_MAX_DEPTH 6
#define FIND_MAX_ENTRIES 20000

void catalog_entries_free(catalog_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++) {
		floe_free(e[i].ns);
		floe_free(e[i].name);
		floe_free(e[i].metadata_location);
	}
	floe_free(e);
}

char *catalog_location_of(const char *metadata_location)
{
	const char *slash = metadata_location ? strrchr(metadata_location, '/') : NULL;
	size_t len;
	if (slash == NULL)
		return NULL;
	len = (size_t)(slash - metadata_location);
	if (len < 10 || strncmp(slash - 9, "/metadata", 9) != 0)
		return NULL;
	return floe_strndup(metadata_location, len - 9);
}

static int clash(const char *what, const char *a, const char *b)
{
	return floe_error_set(FLOE_EINVAL,
	                      "%s %s differs only in case from %s, which exists: DuckDB names are "
	                      "case-insensitive, so one would hide the other",
	                      what, a, b);
}

int catalog_check_case(floe_catalog *c, const char *ns, const char *name, const char *what)
{
	char **v = NULL, **views = NULL;
	size_t n = 0, nv = 0;
	int rc;
	if (name == NULL) {
		if ((rc = c->ops->ns_all(c, &v, &n)) != 0)
			return rc;
		for (size_t i = 0; rc == 0 && i < n; i++)
			if (strcasecmp(v[i], ns) == 0 && strcmp(v[i], ns) != 0)
				rc = clash(what, ns, v[i]);
		floe_catalog_strings_free(v, n);
		return rc;
	}
	rc = c->ops->tbl_list(c, ns, &v, &n);
	if (rc == 0)
		rc = floe_catalog_list_views(c, ns, &views, &nv);
	for (size_t i = 0; rc == 0 && i < n + nv; i++) {
		const char *e = i < n ? v[i] : views[i - n];
		if (strcasecmp(e, name) == 0 && strcmp(e, name) != 0) {
			char *full = floe_asprintf("%s.%s", ns, name);
			char *other = floe_asprintf("%s %s.%s", i < n ? "table" : "view", ns, e);
			rc = full && other ? clash(what, full, other) : FLOE_ENOMEM;
			floe_free(full);
			floe_free(other);
		}
	}
	floe_catalog_strings_free(v, n);
	floe_catalog_strings_free(views, nv);
	return rc;
}

/* a's path is b's or lies under it */
static bool path_within(const char *a, const char *b)
{
	size_t n = strlen(b);
	while (n > 1 && b[n - 1] == '/')
		n--;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/* What a table dropped without purge leaves behind: a location holding
 * only data/ and metadata/ folders. Anything else in it is refused. */
static int check_folder(const char *path)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;
	if (stat(path, &st) != 0)
		return errno == ENOENT
		           ? 0
		           : floe_error_set(FLOE_EIO, "cannot stat %s: %s", path, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return floe_error_set(FLOE_EINVAL, "table location %s is a file, not a folder",
		                      path);
	if ((d = opendir(path)) == NULL)
		return floe_error_set(FLOE_EIO, "cannot list %s: %s", path, strerror(errno));
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strcmp(de->d_name, "data") == 0 || strcmp(de->d_name, "metadata") == 0) {
			char *sub = floe_asprintf("%s/%s", path, de->d_name);
			bool dir = sub && stat(sub, &st) == 0 && S_ISDIR(st.st_mode);
			floe_free(sub);
			if (dir)
				continue;
		}
		rc = floe_error_set(FLOE_EINVAL,
		                    "table location %s is not empty (it holds '%s'): a table needs "
		                    "a folder of its own, as a purge deletes what it owns there",
		                    path, de->d_name);
	}
	closedir(d);
	return rc;
}

int catalog_check_location(floe_catalog *c, const char *ns, const char *name, const char *loc)
{
	catalog_entry *e = NULL;
	size_t n = 0;
	char *path = floe_storage_local_path(loc), *wh = NULL;
	int rc = path ? 0 : floe_error_code();
	if (rc == 0 && (wh = floe_storage_local_path(c->warehouse)) == NULL)
		rc = floe_error_code();
	while (rc == 0 && strlen(path) > 1 &&
	       (floe_str_ends_with(path, "/") || floe_str_ends_with(path, "/.")))
		path[strlen(path) - (floe_str_ends_with(path, "/") ? 1 : 2)] = '\0';
	if (rc == 0 && path_within(wh, path))
		rc = floe_error_set(FLOE_EINVAL,
		                    "table location %s holds the warehouse %s: a table needs a "
		                    "folder of its own",
		                    path, wh);
	if (rc == 0)
		rc = c->ops->entries(c, &e, &n);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char *ol = e[i].is_view ? NULL : catalog_location_of(e[i].metadata_location);
		char *op = ol ? floe_storage_local_path(ol) : NULL;
		floe_error_clear();
		if (op && !(strcmp(e[i].ns, ns) == 0 && strcmp(e[i].name, name) == 0)) {
			if (strcmp(op, path) == 0)
				rc = floe_error_set(FLOE_EINVAL,
				                    "table location %s is in use by table %s.%s",
				                    path, e[i].ns, e[i].name);
			else if (path_within(path, op))
				rc = floe_error_set(
				    FLOE_EINVAL, "table location %s lies inside table %s.%s's (%s)",
				    path, e[i].ns, e[i].name, op);
			else if (path_within(op, path))
				rc = floe_error_set(FLOE_EINVAL,
				                    "table location %s holds table %s.%s (at %s)",
				                    path, e[i].ns, e[i].name, op);
		}
		floe_free(op);
		floe_free(ol);
	}
	if (rc == 0)
		rc = check_folder(path);
	catalog_entries_free(e, n);
	floe_free(wh);
	floe_free(path);
	return rc;
}

static bool has_metadata_json(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool yes = false;
	if (d == NULL)
		return false;
	while (!yes && (de = readdir(d)) != NULL)
		yes = floe_str_ends_with(de->d_name, ".metadata.json") ||
		      strcmp(de->d_name, "version-hint.text") == 0;
	closedir(d);
	return yes;
}

static char *find_in(const char *dir, int depth, long *budget)
{
	DIR *d;
	struct dirent *de;
	char *found = NULL;
	if (depth > FIND_MAX_DEPTH || (d = opendir(dir)) == NULL)
		return NULL;
	while (found == NULL && *budget > 0 && (de = readdir(d)) != NULL && --*budget > 0) {
		struct stat st;
		char *sub;
		if (de->d_name[0] == '.')
			continue;
		if ((sub = floe_asprintf("%s/%s", dir, de->d_name)) == NULL) {
			*budget = -1; /* out of memory: treated as found */
			break;
		}
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (strcmp(de->d_name, "metadata") == 0 && has_metadata_json(sub))
				found = floe_strdup(dir);
			else
				found = find_in(sub, depth + 1, budget);
		}
		floe_free(sub);
	}
	closedir(d);
	return found;
}

int catalog_find_table_metadata(char **out, const char *warehouse_dir)
{
	long budget = FIND_MAX_ENTRIES;
	*out = find_in(warehouse_dir, 0, &budget);
	if (budget >= 0)
		return 0;
	floe_free(*out);
	*out = NULL;
	return FLOE_ENOMEM;
}
