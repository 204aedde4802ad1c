/*
 * drop --purge: delete the files a table owns, as Iceberg's own drop does
 * (CatalogUtil.dropTableData): every metadata file of the metadata log and
 * the current one, every snapshot's manifest list, every manifest, every
 * data and delete file they list, the statistics files. A path from
 * metadata is not trusted: only files under the table's location are
 * deleted, and none that another table of the catalog at an overlapping
 * location reaches. Then the table's data/ and metadata/ folders and the
 * location itself go if they are empty; nothing else is touched. A purge
 * runs after the table left the catalog, so what it cannot do is warned
 * about, never an error of the drop.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog_internal.h"

/* warnings of one kind printed one by one; the rest are counted */
#define WARN_EACH 5

/* ---- a set of strings (open addressing; owns its strings) ---- */

typedef struct {
	char **slot;
	size_t cap, len;
} strset;

static void set_free(strset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		floe_free(s->slot[i]);
	floe_free(s->slot);
	memset(s, 0, sizeof(*s));
}

static size_t set_pos(const strset *s, const char *v)
{
	size_t i = floe_murmur3_32(v, strlen(v), 0) & (s->cap - 1);
	while (s->slot[i] && strcmp(s->slot[i], v) != 0)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static bool set_has(const strset *s, const char *v)
{
	return s->cap > 0 && s->slot[set_pos(s, v)] != NULL;
}

/* 1 added, 0 present, FLOE_ENOMEM */
static int set_add(strset *s, const char *v)
{
	size_t i;
	if (s->len * 2 >= s->cap) {
		strset g = {floe_calloc(s->cap ? s->cap * 2 : 64, sizeof(char *)),
		            s->cap ? s->cap * 2 : 64, 0};
		if (g.slot == NULL)
			return FLOE_ENOMEM;
		for (size_t k = 0; k < s->cap; k++)
			if (s->slot[k]) {
				g.slot[set_pos(&g, s->slot[k])] = s->slot[k];
				g.len++;
			}
		floe_free(s->slot);
		*s = g;
	}
	i = set_pos(s, v);
	if (s->slot[i])
		return 0;
	if ((s->slot[i] = floe_strdup(v)) == NULL)
		return FLOE_ENOMEM;
	s->len++;
	return 1;
}

/* ---- what one table's metadata reaches ---- */

typedef struct {
	const char *table; /* "ns.name", for messages */
	int unreadable;    /* manifest lists and manifests that could not be read */
} reach_ctx;

static void warn_unreadable(reach_ctx *r, const char *what)
{
	if (++r->unreadable <= WARN_EACH)
		floe_log(FLOE_LOG_WARN, "%s: cannot read %s (%s): the files it lists are kept",
		         r->table, what, floe_error_message());
	floe_error_clear();
}

static int add_manifest(strset *out, reach_ctx *r, const floe_ice_manifest_file *mf)
{
	floe_ice_manifest_entry *e = NULL;
	floe_buf b;
	size_t n = 0;
	int rc = set_add(out, mf->path);
	if (rc <= 0)
		return rc; /* read already, or ENOMEM */
	if ((rc = floe_storage_read(&b, mf->path, 0)) == 0) {
		rc = floe_ice_manifest_decode(&e, &n, b.ptr, b.len, mf->path, NULL);
		floe_buf_free(&b);
	}
	if (rc == FLOE_ENOMEM)
		return rc;
	if (rc) {
		warn_unreadable(r, mf->path);
		return 0;
	}
	for (size_t i = 0; rc >= 0 && i < n; i++)
		if (e[i].file.path)
			rc = set_add(out, e[i].file.path);
	floe_ice_manifest_entries_free(e, n);
	return rc < 0 ? rc : 0;
}

static int add_manifest_list(strset *out, reach_ctx *r, const char *path)
{
	floe_ice_manifest_file *mf = NULL;
	floe_buf b;
	size_t n = 0;
	int rc = set_add(out, path);
	if (rc <= 0)
		return rc;
	if ((rc = floe_storage_read(&b, path, 0)) == 0) {
		rc = floe_ice_manifest_list_decode(&mf, &n, b.ptr, b.len, path);
		floe_buf_free(&b);
	}
	if (rc == FLOE_ENOMEM)
		return rc;
	if (rc) {
		warn_unreadable(r, path);
		return 0;
	}
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (mf[i].path)
			rc = add_manifest(out, r, &mf[i]);
	floe_ice_manifest_files_free(mf, n);
	return rc;
}

/* the `key` string of each object of the metadata's array `array` */
static int add_paths(strset *out, const floe_ice_metadata *m, const char *array, const char *key)
{
	const json_t *v;
	size_t i;
	int rc = 0;
	json_array_foreach(json_object_get(floe_ice_metadata_json(m), array), i, v)
	{
		const char *p = json_string_value(json_object_get(v, key));
		if (rc >= 0 && p)
			rc = set_add(out, p);
	}
	return rc < 0 ? rc : 0;
}

static int reach(strset *out, reach_ctx *r, const floe_ice_metadata *m, const char *loc)
{
	int rc = loc ? set_add(out, loc) : 0;
	if (rc >= 0 && m)
		rc = add_paths(out, m, "metadata-log", "metadata-file");
	if (rc >= 0 && m)
		rc = add_paths(out, m, "statistics", "statistics-path");
	if (rc >= 0 && m)
		rc = add_paths(out, m, "partition-statistics", "statistics-path");
	for (size_t i = 0; rc >= 0 && m && i < floe_ice_metadata_snapshot_count(m); i++) {
		floe_ice_snapshot s;
		if (floe_ice_metadata_snapshot_at(m, i, &s) == 0 && s.manifest_list)
			rc = add_manifest_list(out, r, s.manifest_list);
		floe_error_clear();
	}
	return rc < 0 ? rc : 0;
}

/* ---- the purge ---- */

/* path is dir or lies under it */
static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1);
}

/* The files of tables at an overlapping location (sharing it, or a
 * metadata pointer into it) go into keep; false when one of them cannot be
 * read, so that nothing under the location is known to be only ours. */
static bool keep_others(floe_catalog *c, const char *lpath, strset *keep)
{
	catalog_entry *e = NULL;
	size_t n = 0;
	bool ok = true;
	if (c->ops->entries(c, &e, &n) != 0) {
		floe_log(FLOE_LOG_WARN, "cannot list the catalog's tables (%s)",
		         floe_error_message());
		floe_error_clear();
		return false;
	}
	for (size_t i = 0; ok && i < n; i++) {
		char *ol = catalog_location_of(e[i].metadata_location), *op = NULL, *mp = NULL;
		floe_ice_metadata *m = NULL;
		floe_buf b;
		bool overlap;
		if (e[i].metadata_location == NULL)
			continue;
		op = ol ? floe_storage_local_path(ol) : NULL;
		mp = floe_storage_local_path(e[i].metadata_location);
		floe_error_clear();
		overlap =
		    (op && (under(op, lpath) || under(lpath, op))) || (mp && under(mp, lpath));
		if (overlap && e[i].is_view) {
			ok = set_add(keep, e[i].metadata_location) >= 0;
		} else if (overlap) {
			int rc = floe_storage_read(&b, e[i].metadata_location, 256u << 20);
			if (rc == 0) {
				rc = floe_ice_metadata_parse(&m, b.ptr, b.len,
				                             e[i].metadata_location);
				floe_buf_free(&b);
			}
			if (rc == 0) {
				char *t = floe_asprintf("%s.%s", e[i].ns, e[i].name);
				reach_ctx r = {t ? t : e[i].name, 0};
				rc = reach(keep, &r, m, e[i].metadata_location);
				ok = rc == 0 && r.unreadable == 0;
				floe_free(t);
			} else {
				ok = false;
			}
			if (!ok)
				floe_log(
				    FLOE_LOG_WARN,
				    "table %s.%s shares the location %s and its files cannot all "
				    "be read (%s): no file is deleted",
				    e[i].ns, e[i].name, lpath, floe_error_message());
			floe_error_clear();
			floe_ice_metadata_free(m);
		}
		floe_free(mp);
		floe_free(op);
		floe_free(ol);
	}
	catalog_entries_free(e, n);
	return ok;
}

/* Remove dir and the folders under it that are empty (bottom-up, never a
 * file, never through a symbolic link). */
static void remove_empty(const char *dir, int depth)
{
	DIR *d;
	struct dirent *de;
	if (depth > 16 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		struct stat st;
		char *sub;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((sub = floe_asprintf("%s/%s", dir, de->d_name)) == NULL)
			break;
		if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
			remove_empty(sub, depth + 1);
		floe_free(sub);
	}
	closedir(d);
	rmdir(dir);
}

typedef struct {
	const char *table;
	const char *lreal; /* the location, symbolic links resolved */
	size_t deleted, outside, failed;
} purge_ctx;

static void delete_one(purge_ctx *p, const char *uri)
{
	char *path = floe_storage_local_path(uri), *slash;
	char parent[PATH_MAX];
	if (path == NULL || (slash = strrchr(path, '/')) == NULL || slash[1] == '\0' ||
	    strcmp(slash + 1, ".") == 0 || strcmp(slash + 1, "..") == 0) {
		if (++p->outside <= WARN_EACH)
			floe_log(FLOE_LOG_WARN, "%s: kept %s: not a local file path", p->table,
			         uri);
		goto done;
	}
	*slash = '\0';
	if (realpath(path[0] ? path : "/", parent) == NULL) {
		if (errno != ENOENT && errno != ENOTDIR && ++p->failed <= WARN_EACH)
			floe_log(FLOE_LOG_WARN, "%s: cannot delete %s: %s", p->table, uri,
			         strerror(errno));
		goto done; /* absent: nothing to delete */
	}
	*slash = '/';
	if (!under(parent, p->lreal)) {
		if (++p->outside <= WARN_EACH)
			floe_log(FLOE_LOG_WARN,
			         "%s: kept %s: it lies outside the table's location %s", p->table,
			         uri, p->lreal);
		goto done;
	}
	if (floe_storage_delete(path) != 0) {
		if (++p->failed <= WARN_EACH)
			floe_log(FLOE_LOG_WARN, "%s: %s", p->table, floe_error_message());
	} else {
		p->deleted++;
	}
done:
	floe_error_clear();
	floe_free(path);
}

void catalog_purge(floe_catalog *c, const char *ns, const char *name, const floe_ice_metadata *m,
                   const char *metadata_location)
{
	char *table = floe_asprintf("%s.%s", ns, name), *loc = NULL, *lpath = NULL, *sub = NULL;
	char lreal[PATH_MAX];
	strset files = {0}, keep = {0};
	reach_ctx r = {NULL, 0};
	purge_ctx p = {NULL, lreal, 0, 0, 0};
	struct stat st;
	if (table == NULL)
		goto nomem;
	r.table = p.table = table;
	loc =
	    m ? floe_strdup(floe_ice_metadata_location(m)) : catalog_location_of(metadata_location);
	if (loc == NULL) {
		floe_log(FLOE_LOG_WARN, "%s: its location is unknown: no file was deleted", table);
		goto done;
	}
	if ((lpath = floe_storage_local_path(loc)) == NULL ||
	    realpath(lpath, lreal) == NULL) { /* gone already, or not local */
		floe_error_clear();
		goto done;
	}
	if (reach(&files, &r, m, metadata_location) != 0)
		goto nomem;
	if (r.unreadable > WARN_EACH)
		floe_log(FLOE_LOG_WARN, "%s: %d more files could not be read", table,
		         r.unreadable - WARN_EACH);
	if (!keep_others(c, lpath, &keep))
		goto done;
	for (size_t i = 0; i < files.cap; i++)
		if (files.slot[i] && !set_has(&keep, files.slot[i]))
			delete_one(&p, files.slot[i]);
	if (p.outside > WARN_EACH || p.failed > WARN_EACH)
		floe_log(FLOE_LOG_WARN,
		         "%s: %zu more files kept (outside its location or not deletable)", table,
		         (p.outside > WARN_EACH ? p.outside - WARN_EACH : 0) +
		             (p.failed > WARN_EACH ? p.failed - WARN_EACH : 0));
	if ((sub = floe_asprintf("%s/data", lreal)) != NULL)
		remove_empty(sub, 0);
	floe_free(sub);
	if ((sub = floe_asprintf("%s/metadata", lreal)) != NULL)
		remove_empty(sub, 0);
	if (rmdir(lreal) != 0 && errno != ENOENT && stat(lreal, &st) == 0)
		floe_log(FLOE_LOG_WARN,
		         "%s: kept its location %s: it holds files its metadata does not reach",
		         table, lreal);
	floe_log(FLOE_LOG_DEBUG, "%s: purge deleted %zu files", table, p.deleted);
	goto done;
nomem:
	floe_log(FLOE_LOG_WARN, "%s: out of memory: its files were not deleted",
	         table ? table : ns);
done:
	floe_error_clear();
	set_free(&files);
	set_free(&keep);
	floe_free(sub);
	floe_free(lpath);
	floe_free(loc);
	floe_free(table);
}
