/*
 * The `fs` catalog backend: hadoop-style tables under the warehouse, as the
 * original Jaffle lakehouse configured (spec: "File System Tables").
 * A namespace is a directory (`a.b` -> <wh>/a/b) with its properties in
 * `.floe-namespace.json`; a table is a directory holding
 * metadata/vN.metadata.json and metadata/version-hint.text. A commit links
 * v<N+1> (complete or absent under its final name) only if absent, then
 * rewrites the hint, which is only a hint: as Iceberg's Hadoop tables do,
 * readers start at it and probe upward, and list the folder when it is
 * missing, garbage or names no file, so a writer killed between the two
 * steps leaves a table that reads, commits and drops. A namespace folder
 * is dropped only when it holds nothing but its properties file.
 * Dropping without purge removes the hint and the vN files (so the table is
 * gone) and keeps data and manifests.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_internal.h"

#define NS_FILE ".floe-namespace.json"

static char *ns_dir(floe_catalog *c, const char *ns)
{
	char *rel = floe_strdup(ns), *path, *wh;
	if (rel == NULL)
		return NULL;
	for (char *p = rel; *p; p++)
		if (*p == '.')
			*p = '/';
	wh = floe_storage_local_path(c->warehouse);
	path = wh ? floe_asprintf("%s/%s", wh, rel) : NULL;
	floe_free(wh);
	floe_free(rel);
	return path;
}

static char *table_dir(floe_catalog *c, const char *ns, const char *name)
{
	char *d = ns_dir(c, ns), *t;
	if (d == NULL)
		return NULL;
	t = floe_asprintf("%s/%s", d, name);
	floe_free(d);
	return t;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* v<N>.metadata.json -> N; -1 for any other name */
static long version_of(const char *fname)
{
	char *end = NULL;
	long v;
	if (fname[0] != 'v' || fname[1] < '0' || fname[1] > '9')
		return -1;
	v = strtol(fname + 1, &end, 10);
	return v >= 1 && strcmp(end, ".metadata.json") == 0 ? v : -1;
}

/* The highest vN.metadata.json in the table's metadata folder (0: none).
 * No allocation: an out-of-memory must not make a table look absent. */
static void list_versions(const char *tdir, long *max)
{
	char md[PATH_MAX];
	struct dirent *de;
	DIR *d;
	*max = 0;
	if (snprintf(md, sizeof(md), "%s/metadata", tdir) >= (int)sizeof(md) ||
	    (d = opendir(md)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		long v = version_of(de->d_name);
		if (v > *max)
			*max = v;
	}
	closedir(d);
}

/* A table: a hint, or (a writer killed before it wrote its first hint)
 * a version file. */
static bool is_table_dir(const char *p)
{
	char hint[PATH_MAX];
	struct stat st;
	long max = 0;
	if (snprintf(hint, sizeof(hint), "%s/metadata/version-hint.text", p) < (int)sizeof(hint) &&
	    stat(hint, &st) == 0)
		return true;
	list_versions(p, &max);
	return max > 0;
}

static int ns_create(floe_catalog *c, const char *ns, const json_t *props)
{
	char *dir = ns_dir(c, ns), *file = NULL, *text = NULL;
	int rc;
	if (dir == NULL)
		return FLOE_ENOMEM;
	if (is_table_dir(dir))
		rc = floe_error_set(FLOE_EINVAL, "namespace %s: %s is a table's folder", ns, dir);
	else
		rc = floe_storage_mkdirs(dir);
	if (rc == 0 && props && json_object_size(props) > 0) {
		file = floe_asprintf("%s/%s", dir, NS_FILE);
		text = floe_json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
		rc = file && text ? floe_storage_write(file, text, strlen(text)) : FLOE_ENOMEM;
	}
	floe_free(text);
	floe_free(file);
	floe_free(dir);
	return rc;
}

static int ns_exists(floe_catalog *c, const char *ns)
{
	char *dir = ns_dir(c, ns);
	int yes;
	if (dir == NULL)
		return FLOE_ENOMEM;
	yes = is_dir(dir) && !is_table_dir(dir);
	floe_free(dir);
	return yes;
}

static int push(char ***v, size_t *n, const char *s)
{
	char **g = floe_realloc(*v, (*n + 1) * sizeof(char *));
	if (g == NULL)
		return FLOE_ENOMEM;
	*v = g;
	if ((g[*n] = floe_strdup(s)) == NULL)
		return FLOE_ENOMEM;
	(*n)++;
	return 0;
}

/* Walk the warehouse: directories that are not tables (nor metadata/data of
 * one) are namespaces. */
static int walk(const char *dir, const char *prefix, char ***v, size_t *n, int depth)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;
	if (depth > 16 || (d = opendir(dir)) == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *sub, *name;
		if (de->d_name[0] == '.' || floe_catalog_check_name("namespace", de->d_name) != 0) {
			floe_error_clear();
			continue;
		}
		if ((sub = floe_asprintf("%s/%s", dir, de->d_name)) == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		if (is_dir(sub) && !is_table_dir(sub)) {
			name = prefix ? floe_asprintf("%s.%s", prefix, de->d_name)
			              : floe_strdup(de->d_name);
			rc = name ? push(v, n, name) : FLOE_ENOMEM;
			if (rc == 0)
				rc = walk(sub, name, v, n, depth + 1);
			floe_free(name);
		}
		floe_free(sub);
	}
	closedir(d);
	return rc;
}

static int ns_all(floe_catalog *c, char ***out, size_t *n)
{
	char *wh = floe_storage_local_path(c->warehouse);
	int rc;
	*out = NULL;
	*n = 0;
	if (wh == NULL)
		return FLOE_ENOMEM;
	rc = walk(wh, NULL, out, n, 0);
	floe_free(wh);
	if (rc) {
		floe_catalog_strings_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static int ns_props(floe_catalog *c, const char *ns, json_t **out)
{
	char *dir = ns_dir(c, ns), *file;
	floe_buf b;
	int rc;
	*out = NULL;
	if (dir == NULL)
		return FLOE_ENOMEM;
	file = floe_asprintf("%s/%s", dir, NS_FILE);
	floe_free(dir);
	if (file == NULL)
		return FLOE_ENOMEM;
	rc = floe_storage_read(&b, file, 1u << 20);
	if (rc == FLOE_ENOTFOUND) {
		floe_error_clear();
		*out = json_object();
		rc = 0;
	} else if (rc == 0) {
		json_error_t err;
		floe_fault_alloc_suspend(); /* jansson's lexer: see floe_fault_alloc_suspend */
		*out = json_loadb(b.ptr, b.len, 0, &err);
		floe_fault_alloc_resume();
		if (*out == NULL || !json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = floe_error_set(FLOE_ECORRUPT, "%s: not a JSON object", file);
		}
		floe_buf_free(&b);
	}
	floe_free(file);
	return rc;
}

static int ns_update(floe_catalog *c, const char *ns, const json_t *set, const json_t *remove)
{
	json_t *props = NULL, *v;
	size_t i;
	int rc = ns_props(c, ns, &props);
	if (rc)
		return rc;
	if (set && json_object_update(props, (json_t *)set) != 0)
		rc = floe_error_set(FLOE_ENOMEM, "out of memory");
	json_array_foreach(remove, i, v)
	{
		if (json_is_string(v))
			json_object_del(props, json_string_value(v));
	}
	if (rc == 0)
		rc = ns_create(c, ns, props);
	if (rc == 0 && json_object_size(props) == 0) {
		char *dir = ns_dir(c, ns),
		     *file = dir ? floe_asprintf("%s/%s", dir, NS_FILE) : NULL;
		rc = file ? floe_storage_delete(file) : FLOE_ENOMEM;
		floe_free(file);
		floe_free(dir);
	}
	json_decref(props);
	return rc;
}

/* Only an empty folder (but for the properties file) is dropped, as
 * Hadoop's catalog refuses a non-empty one: files that are no table are
 * not the catalog's to delete. */
static int ns_drop(floe_catalog *c, const char *ns)
{
	char *dir = ns_dir(c, ns), *file = NULL;
	struct dirent *de;
	DIR *d;
	int rc = 0;
	if (dir == NULL)
		return FLOE_ENOMEM;
	if ((d = opendir(dir)) == NULL) {
		rc = floe_error_set(FLOE_EIO, "cannot list %s", dir);
		goto done;
	}
	while (rc == 0 && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, NS_FILE) != 0)
			rc = floe_error_set(FLOE_EINVAL,
			                    "namespace %s is not empty: its folder %s holds '%s'",
			                    ns, dir, de->d_name);
	closedir(d);
	if (rc == 0 && (file = floe_asprintf("%s/%s", dir, NS_FILE)) == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_storage_delete(file);
	if (rc == 0 && rmdir(dir) != 0)
		rc = floe_error_set(FLOE_EIO, "cannot remove %s: %s", dir, strerror(errno));
done:
	floe_free(file);
	floe_free(dir);
	return rc;
}

static int tbl_list(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	char *dir = ns_dir(c, ns);
	DIR *d;
	struct dirent *de;
	int rc = 0;
	*out = NULL;
	*n = 0;
	if (dir == NULL)
		return FLOE_ENOMEM;
	if ((d = opendir(dir)) != NULL) {
		while (rc == 0 && (de = readdir(d)) != NULL) {
			char *sub;
			if (de->d_name[0] == '.')
				continue;
			if ((sub = floe_asprintf("%s/%s", dir, de->d_name)) == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			if (is_table_dir(sub))
				rc = push(out, n, de->d_name);
			floe_free(sub);
		}
		closedir(d);
	}
	floe_free(dir);
	if (rc) {
		floe_catalog_strings_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

static char *version_file(const char *tdir, long v)
{
	return floe_asprintf("file://%s/metadata/v%ld.metadata.json", tdir, v);
}

/* size of version v's file; -1 when absent */
static int64_t version_size(const char *tdir, long v)
{
	char *f = floe_asprintf("%s/metadata/v%ld.metadata.json", tdir, v);
	struct stat st;
	int64_t size = f && stat(f, &st) == 0 ? (int64_t)st.st_size : -1;
	floe_free(f);
	return size;
}

/*
 * The table's versions, as Iceberg's Hadoop tables find them: start at the
 * hint and probe upward for v<N+1>...; a missing or garbage hint, or one
 * naming no file, means listing the folder. *present is the highest file
 * (the next commit is *present + 1); *complete the highest non-empty one
 * at or below it (what readers take: a file another writer has not
 * finished is skipped). The hint is only a hint.
 */
static int find_versions(const char *tdir, long *complete, long *present)
{
	char *hint = floe_asprintf("%s/metadata/version-hint.text", tdir);
	floe_buf b = FLOE_BUF_INIT;
	long v = 0;
	int rc;
	if (hint == NULL)
		return FLOE_ENOMEM;
	rc = floe_storage_read(&b, hint, 64);
	floe_free(hint);
	if (rc == 0 && b.ptr) {
		char *end = NULL;
		v = strtol(b.ptr, &end, 10);
		while (end && (*end == '\n' || *end == '\r' || *end == ' '))
			end++;
		if (end == b.ptr || (end && *end != '\0') || v < 1 || version_size(tdir, v) < 0)
			v = 0;
	}
	floe_buf_free(&b);
	floe_error_clear();
	if (v == 0)
		list_versions(tdir, &v);
	while (v > 0 && version_size(tdir, v + 1) >= 0)
		v++;
	*present = v;
	while (v > 0 && version_size(tdir, v) <= 0)
		v--;
	*complete = v;
	if (v == 0)
		return floe_error_set(FLOE_ECORRUPT, "%s/metadata has no complete vN.metadata.json",
		                      tdir);
	return 0;
}

static int tbl_current(floe_catalog *c, const char *ns, const char *name, char **loc)
{
	char *tdir = table_dir(c, ns, name);
	long v, top;
	int rc;
	*loc = NULL;
	if (tdir == NULL)
		return FLOE_ENOMEM;
	if (!is_table_dir(tdir)) {
		floe_free(tdir);
		return floe_error_set(FLOE_ENOTFOUND, "table %s.%s does not exist", ns, name);
	}
	rc = find_versions(tdir, &v, &top);
	if (rc == 0)
		*loc = version_file(tdir, v);
	if (rc == 0 && *loc == NULL)
		rc = FLOE_ENOMEM;
	floe_free(tdir);
	return rc;
}

/* Link v's file (atomic: complete or absent under its final name), then
 * point the hint at it. The link is the commit: a hint that cannot be
 * written is warned about, not a failed commit (readers probe past it). */
static int write_version(const char *tdir, long v, const floe_buf *json, char **loc_out)
{
	char *loc = version_file(tdir, v);
	char *hint = floe_asprintf("%s/metadata/version-hint.text", tdir);
	char num[24];
	int rc;
	if (loc == NULL || hint == NULL) {
		floe_free(loc);
		floe_free(hint);
		return FLOE_ENOMEM;
	}
	rc = floe_storage_write_new_synced(loc, json->ptr, json->len);
	if (rc == FLOE_EEXISTS) {
		floe_error_clear();
		rc = CATALOG_LOST_SWAP;
	}
	if (rc == 0) {
		snprintf(num, sizeof(num), "%ld", v);
		if (floe_storage_write(hint, num, strlen(num)) != 0) {
			floe_log(FLOE_LOG_WARN, "%s (readers find v%ld without it)",
			         floe_error_message(), v);
			floe_error_clear();
		}
	}
	floe_free(hint);
	if (rc) {
		floe_free(loc);
		return rc;
	}
	*loc_out = loc;
	return 0;
}

static int tbl_create(floe_catalog *c, const char *ns, const char *name, const char *table_loc,
                      const floe_buf *json, char **loc_out)
{
	char *tdir = table_dir(c, ns, name);
	char *dflt = floe_catalog_default_location(c, ns, name);
	int rc = 0;
	if (tdir == NULL || dflt == NULL) {
		floe_free(tdir);
		floe_free(dflt);
		return FLOE_ENOMEM;
	}
	/* hadoop layout: the table is where the warehouse path says */
	if (table_loc && strcmp(table_loc, dflt) != 0)
		rc = floe_error_set(FLOE_EUNSUPPORTED,
		                    "table %s.%s: the fs catalog keeps a table at %s; a location "
		                    "elsewhere (%s) needs the sql catalog",
		                    ns, name, dflt, table_loc);
	floe_free(dflt);
	if (rc == 0)
		rc = write_version(tdir, 1, json, loc_out);
	if (rc == CATALOG_LOST_SWAP)
		rc = floe_error_set(FLOE_EEXISTS, "table %s.%s already exists", ns, name);
	floe_free(tdir);
	return rc;
}

static int tbl_swap(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
                    const char *table_loc, const floe_buf *json, char **loc_out)
{
	char *tdir = table_dir(c, ns, name);
	const char *base = strrchr(old_loc, '/');
	long v = base ? version_of(base + 1) : -1, cur = 0, top = 0;
	int rc;
	(void)table_loc;
	if (tdir == NULL)
		return FLOE_ENOMEM;
	if (v < 1)
		rc = floe_error_set(FLOE_ECORRUPT, "%s is not a vN.metadata.json file", old_loc);
	else
		rc = find_versions(tdir, &cur, &top);
	/* compare-and-swap: still at v, the next file after any unfinished one */
	if (rc == 0)
		rc = cur != v ? CATALOG_LOST_SWAP : write_version(tdir, top + 1, json, loc_out);
	floe_free(tdir);
	return rc;
}

/* what a drop removes: the version files and the hint (and their temp
 * files, from writers that died) */
static bool catalog_file(const char *fname)
{
	const char *tmp = strstr(fname, ".tmp-");
	char *plain = tmp ? floe_strndup(fname, (size_t)(tmp - fname)) : NULL;
	const char *f = plain ? plain : fname;
	bool yes = version_of(f) > 0 || strcmp(f, "version-hint.text") == 0;
	floe_free(plain);
	return yes;
}

static int tbl_drop(floe_catalog *c, const char *ns, const char *name, const char *expect_loc)
{
	char *tdir = table_dir(c, ns, name), *md = NULL, *cur = NULL;
	struct dirent *de;
	DIR *d = NULL;
	int rc = 0;
	if (tdir == NULL)
		return FLOE_ENOMEM;
	if (!is_table_dir(tdir)) {
		rc = floe_error_set(FLOE_ENOTFOUND, "table %s.%s does not exist", ns, name);
		goto done;
	}
	if (expect_loc && tbl_current(c, ns, name, &cur) == 0 && strcmp(cur, expect_loc) != 0) {
		rc = CATALOG_LOST_SWAP;
		goto done;
	}
	floe_error_clear();
	if ((md = floe_asprintf("%s/metadata", tdir)) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((d = opendir(md)) == NULL) {
		rc = floe_error_set(FLOE_EIO, "cannot list %s", md);
		goto done;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *f;
		if (!catalog_file(de->d_name))
			continue;
		f = floe_asprintf("%s/%s", md, de->d_name);
		rc = f ? floe_storage_delete(f) : FLOE_ENOMEM;
		floe_free(f);
	}
done:
	if (d)
		closedir(d);
	floe_free(cur);
	floe_free(md);
	floe_free(tdir);
	return rc;
}

static int entries(floe_catalog *c, catalog_entry **out, size_t *n)
{
	char **nss = NULL, **t = NULL;
	size_t nns = 0, nt = 0, cnt = 0;
	catalog_entry *v = NULL;
	int rc = ns_all(c, &nss, &nns);
	for (size_t i = 0; rc == 0 && i < nns; i++) {
		if ((rc = tbl_list(c, nss[i], &t, &nt)) != 0)
			break;
		for (size_t k = 0; rc == 0 && k < nt; k++) {
			catalog_entry *g = floe_realloc(v, (cnt + 1) * sizeof(*v));
			if (g == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			v = g;
			memset(&v[cnt], 0, sizeof(*v));
			v[cnt].ns = floe_strdup(nss[i]);
			v[cnt].name = t[k];
			t[k] = NULL;
			if (tbl_current(c, nss[i], v[cnt].name, &v[cnt].metadata_location) != 0)
				floe_error_clear(); /* a broken table: no location */
			cnt++;
			if (v[cnt - 1].ns == NULL)
				rc = FLOE_ENOMEM;
		}
		floe_catalog_strings_free(t, nt);
		t = NULL;
		nt = 0;
	}
	floe_catalog_strings_free(nss, nns);
	if (rc) {
		catalog_entries_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* Nothing to connect to: the warehouse is the catalog. */
static int fs_open(floe_catalog *c, const char *spec, catalog_mode mode)
{
	(void)c;
	(void)spec;
	(void)mode;
	return 0;
}

static void fs_close(floe_catalog *c)
{
	(void)c;
}

/* Views: the hadoop layout has no place for them. */
static int no_views(void)
{
	return floe_error_set(FLOE_EUNSUPPORTED, "views need the sql catalog");
}

static int view_current(floe_catalog *c, const char *ns, const char *name, char **loc)
{
	*loc = NULL;
	return no_views();
}

static int view_replace(floe_catalog *c, const char *ns, const char *name, const char *old_loc,
                        const char *view_loc, const floe_buf *json, char **loc_out)
{
	return no_views();
}

static int view_list(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	*out = NULL;
	*n = 0;
	return 0;
}

static int view_drop(floe_catalog *c, const char *ns, const char *name)
{
	return no_views();
}

const catalog_ops floe_catalog_fs_ops = {
    .open = fs_open,
    .ns_create = ns_create,
    .ns_create_many = NULL,
    .ns_exists = ns_exists,
    .ns_all = ns_all,
    .ns_props = ns_props,
    .ns_update = ns_update,
    .ns_drop = ns_drop,
    .tbl_list = tbl_list,
    .tbl_current = tbl_current,
    .tbl_create = tbl_create,
    .tbl_swap = tbl_swap,
    .tbl_drop = tbl_drop,
    .entries = entries,
    .view_current = view_current,
    .view_replace = view_replace,
    .view_list = view_list,
    .view_drop = view_drop,
    .close = fs_close,
};
