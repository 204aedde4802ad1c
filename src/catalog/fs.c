/*
 * The `fs` catalog backend: hadoop-style tables under the warehouse, as the
 * original Jaffle lakehouse configured (spec: "File System Tables").
 * A namespace is a directory (`a.b` -> <wh>/a/b) with its properties in
 * `.floe-namespace.json`; a table is a directory holding
 * metadata/vN.metadata.json and metadata/version-hint.text. A commit creates
 * v<N+1> only if absent (link(2)), then rewrites the hint; readers trust the
 * hint but probe past it, in case a writer died between the two steps.
 * Dropping without purge removes the hint and the vN files (so the table is
 * gone) and keeps data and manifests.
 */
#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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

static bool is_table_dir(const char *p)
{
	char *hint = floe_asprintf("%s/metadata/version-hint.text", p);
	bool yes = hint && floe_storage_exists(hint) == 1;
	floe_free(hint);
	return yes;
}

static int ns_create(floe_catalog *c, const char *ns, const json_t *props)
{
	char *dir = ns_dir(c, ns), *file = NULL, *text = NULL;
	int rc;
	if (dir == NULL)
		return FLOE_ENOMEM;
	rc = floe_storage_mkdirs(dir);
	if (rc == 0 && props && json_object_size(props) > 0) {
		file = floe_asprintf("%s/%s", dir, NS_FILE);
		text = json_dumps(props, JSON_COMPACT | JSON_SORT_KEYS);
		rc = file && text ? floe_storage_write(file, text, strlen(text)) : FLOE_ENOMEM;
	}
	free(text);
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
		*out = json_loadb(b.ptr, b.len, 0, &err);
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
	if (set)
		json_object_update(props, (json_t *)set);
	json_array_foreach(remove, i, v) json_object_del(props, json_string_value(v));
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

static int ns_drop(floe_catalog *c, const char *ns)
{
	char *dir = ns_dir(c, ns);
	int rc;
	if (dir == NULL)
		return FLOE_ENOMEM;
	rc = floe_storage_delete_tree(dir);
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

/* Current version: the hint, then probe forward for files past it. */
static int current_version(const char *tdir, long *out)
{
	char *hint = floe_asprintf("%s/metadata/version-hint.text", tdir);
	floe_buf b;
	long v = 0;
	int rc;
	if (hint == NULL)
		return FLOE_ENOMEM;
	rc = floe_storage_read(&b, hint, 64);
	floe_free(hint);
	if (rc)
		return rc;
	if (sscanf(b.ptr ? b.ptr : "", "%ld", &v) != 1 || v < 1) {
		floe_buf_free(&b);
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s/metadata/version-hint.text is not a version", tdir);
	}
	floe_buf_free(&b);
	for (;;) {
		char *next = version_file(tdir, v + 1);
		int ex = next ? floe_storage_exists(next) : FLOE_ENOMEM;
		floe_free(next);
		if (ex < 0)
			return ex;
		if (ex == 0)
			break;
		v++;
	}
	*out = v;
	return 0;
}

static int tbl_current(floe_catalog *c, const char *ns, const char *name, char **loc)
{
	char *tdir = table_dir(c, ns, name);
	long v;
	int rc;
	*loc = NULL;
	if (tdir == NULL)
		return FLOE_ENOMEM;
	if (!is_table_dir(tdir)) {
		floe_free(tdir);
		return floe_error_set(FLOE_ENOTFOUND, "table %s.%s does not exist", ns, name);
	}
	rc = current_version(tdir, &v);
	if (rc == 0)
		*loc = version_file(tdir, v);
	if (rc == 0 && *loc == NULL)
		rc = FLOE_ENOMEM;
	floe_free(tdir);
	return rc;
}

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
		rc = floe_storage_write(hint, num, strlen(num));
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
	long v = 0;
	int rc;
	(void)table_loc;
	if (tdir == NULL)
		return FLOE_ENOMEM;
	{
		const char *base = strrchr(old_loc, '/');
		if (base == NULL || sscanf(base, "/v%ld.metadata.json", &v) != 1) {
			floe_free(tdir);
			return floe_error_set(FLOE_ECORRUPT, "%s is not a vN.metadata.json file",
			                      old_loc);
		}
	}
	rc = write_version(tdir, v + 1, json, loc_out);
	floe_free(tdir);
	return rc;
}

static int tbl_drop(floe_catalog *c, const char *ns, const char *name)
{
	char *tdir = table_dir(c, ns, name);
	long v = 0;
	int rc;
	if (tdir == NULL)
		return FLOE_ENOMEM;
	rc = current_version(tdir, &v);
	if (rc == 0) {
		char *hint = floe_asprintf("%s/metadata/version-hint.text", tdir);
		rc = hint ? floe_storage_delete(hint) : FLOE_ENOMEM;
		floe_free(hint);
		for (long k = 1; rc == 0 && k <= v; k++) {
			char *f = version_file(tdir, k);
			rc = f ? floe_storage_delete(f) : FLOE_ENOMEM;
			floe_free(f);
		}
	}
	floe_free(tdir);
	return rc;
}

static void fs_close(floe_catalog *c)
{
	(void)c;
}

const catalog_ops floe_catalog_fs_ops = {
    ns_create, NULL,        ns_exists,  ns_all,   ns_props, ns_update, ns_drop,
    tbl_list,  tbl_current, tbl_create, tbl_swap, tbl_drop, fs_close,
};
