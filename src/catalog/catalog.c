/*
 * The catalog front: opens a backend by URI, checks names, derives nested
 * namespace listings, and runs the commit algorithm shared by every backend:
 * load -> check requirements -> apply updates -> write the next metadata
 * file -> compare-and-swap, retried while only the swap was lost.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_internal.h"

/* the swap loop's default budget and longest wait (floe_catalog_commit_table) */
#define SWAP_TIMEOUT_MS 60000
#define SWAP_MAX_WAIT_US 100000

/* One rule for every name a verb, DuckDB and the files must all reach:
 * levels of [A-Za-z0-9_-], dots only between the levels of a namespace (a
 * table "a.b" could be named by no verb: ns.a.b is table b of ns.a). */
int floe_catalog_check_name(const char *what, const char *name)
{
	size_t len = name ? strlen(name) : 0, level = 0;
	bool dotted = strcmp(what, "namespace") == 0;
	if (len == 0 || len > 255)
		return floe_error_set(FLOE_EINVAL,
		                      "invalid %s name '%s': must be 1 to 255 characters", what,
		                      name ? name : "");
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];
		if (ch == '.' && !dotted)
			return floe_error_set(FLOE_EINVAL,
			                      "invalid %s name '%s': a %s name cannot contain '.' "
			                      "(NS.NAME could not name it)",
			                      what, name, what);
		if (ch == '.') {
			if (level == 0 || i + 1 == len)
				return floe_error_set(
				    FLOE_EINVAL, "invalid %s name '%s': empty level", what, name);
			level = 0;
			continue;
		}
		if (!(isalnum((unsigned char)ch) || ch == '_' || ch == '-'))
			return floe_error_set(FLOE_EINVAL,
			                      "invalid %s name '%s': only letters, digits, '_' and "
			                      "'-' are allowed",
			                      what, name);
		level++;
	}
	if (level == 0)
		return floe_error_set(FLOE_EINVAL, "invalid %s name '%s': empty level", what, name);
	return 0;
}

int floe_catalog_split_ident(const char *ident, char **ns, char **name)
{
	const char *dot = strrchr(ident, '.');
	int rc;
	*ns = *name = NULL;
	if (dot == NULL || dot == ident || dot[1] == '\0')
		return floe_error_set(
		    FLOE_EINVAL, "'%s' is not a table name of the form NAMESPACE.TABLE", ident);
	*ns = floe_strndup(ident, (size_t)(dot - ident));
	*name = floe_strdup(dot + 1);
	if (*ns == NULL || *name == NULL)
		rc = FLOE_ENOMEM;
	else if ((rc = floe_catalog_check_name("namespace", *ns)) == 0)
		rc = floe_catalog_check_name("table", *name);
	if (rc) {
		floe_free(*ns);
		floe_free(*name);
		*ns = *name = NULL;
	}
	return rc;
}

void floe_catalog_strings_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		floe_free(v[i]);
	floe_free(v);
}

static bool is_pg_uri(const char *spec)
{
	return floe_str_starts_with(spec, "postgresql://") ||
	       floe_str_starts_with(spec, "postgres://");
}

/* Take floe's options out of the URI's query (?name=X&mode=ro|rw|rwc:
 * the JDBC catalog_name, and SQLite's URI modes: read-only, read-write of
 * an existing catalog, read-write creating it when missing). Other options
 * stay in the URI of a PostgreSQL catalog (they are libpq's) and are an
 * error elsewhere. */
static int take_options(floe_catalog *c, char *spec, catalog_mode *mode)
{
	char *q = strchr(spec, '?'), *w;
	bool pg = is_pg_uri(spec);
	if (q == NULL)
		return 0;
	*q++ = '\0';
	w = q; /* the options kept are moved down to here */
	for (char *kv = q; kv && *kv;) {
		char *amp = strchr(kv, '&');
		if (amp)
			*amp++ = '\0';
		if (floe_str_starts_with(kv, "name=")) {
			floe_free(c->name);
			if ((c->name = floe_strdup(kv + 5)) == NULL)
				return FLOE_ENOMEM;
		} else if (strcmp(kv, "mode=ro") == 0) {
			*mode = CATALOG_RO;
		} else if (strcmp(kv, "mode=rw") == 0) {
			*mode = CATALOG_RW;
		} else if (strcmp(kv, "mode=rwc") == 0) {
			*mode = CATALOG_RWC;
		} else if (pg && *kv) {
			size_t len = strlen(kv);
			if (w != q)
				*w++ = '&';
			memmove(w, kv, len);
			w += len;
		} else if (*kv) {
			return floe_error_set(FLOE_EINVAL, "catalog URI option '%s' is unknown",
			                      kv);
		}
		kv = amp;
	}
	*w = '\0';
	if (w != q)
		q[-1] = '?';
	return 0;
}

int floe_catalog_open(floe_catalog **out, const char *uri, const char *warehouse)
{
	floe_catalog *c = floe_calloc(1, sizeof(*c));
	char *spec = NULL;
	catalog_mode mode = CATALOG_AUTO;
	int rc = 0;
	*out = NULL;
	if (c == NULL)
		return FLOE_ENOMEM;
	c->warehouse = floe_storage_file_uri(warehouse ? warehouse : "warehouse");
	if (c->warehouse == NULL) {
		rc = floe_error_code();
		goto done;
	}
	while (floe_str_ends_with(c->warehouse, "/") && strlen(c->warehouse) > 8)
		c->warehouse[strlen(c->warehouse) - 1] = '\0';
	if ((rc = floe_storage_mkdirs(c->warehouse)) != 0)
		goto done;
	spec = floe_strdup(uri ? uri : "sqlite:");
	if (spec == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((rc = take_options(c, spec, &mode)) != 0)
		goto done;
	if (c->name == NULL && (c->name = floe_strdup("floe")) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if (floe_str_starts_with(spec, "sqlite:") || is_pg_uri(spec)) {
		c->kind = "sql";
		c->ops = &floe_catalog_sql_ops;
	} else if (strcmp(spec, "fs:") == 0 || strcmp(spec, "fs://") == 0) {
		c->kind = "fs";
		c->ops = &floe_catalog_fs_ops;
	} else {
		rc = floe_error_set(FLOE_EINVAL,
		                    "catalog URI '%s' is not supported (sqlite:PATH, "
		                    "postgresql://HOST/DB or fs:)",
		                    uri);
		goto done;
	}
	rc = c->ops->open(c, spec, mode);
done:
	floe_free(spec);
	if (rc) {
		floe_catalog_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void floe_catalog_free(floe_catalog *c)
{
	if (c == NULL)
		return;
	if (c->ops && c->ops->close)
		c->ops->close(c);
	floe_free(c->warehouse);
	floe_free(c->name);
	floe_free(c);
}

const char *floe_catalog_kind(const floe_catalog *c)
{
	return c->kind;
}
const char *floe_catalog_warehouse(const floe_catalog *c)
{
	return c->warehouse;
}

char *floe_catalog_default_location(const floe_catalog *c, const char *ns, const char *name)
{
	char *path = floe_strdup(ns);
	char *loc;
	if (path == NULL)
		return NULL;
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '/';
	loc = floe_asprintf("%s/%s/%s", c->warehouse, path, name);
	floe_free(path);
	return loc;
}

/* ---- namespaces ---- */

static int parent_exists(floe_catalog *c, const char *ns)
{
	const char *dot = strrchr(ns, '.');
	char *parent;
	int rc;
	if (dot == NULL)
		return 0;
	if ((parent = floe_strndup(ns, (size_t)(dot - ns))) == NULL)
		return FLOE_ENOMEM;
	rc = c->ops->ns_exists(c, parent);
	if (rc == 0)
		rc = floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist (parent of %s)",
		                    parent, ns);
	floe_free(parent);
	return rc < 0 ? rc : 0;
}

int floe_catalog_create_namespace(floe_catalog *c, const char *ns, const json_t *properties)
{
	int rc = floe_catalog_check_name("namespace", ns);
	if (rc)
		return rc;
	if ((rc = parent_exists(c, ns)) != 0)
		return rc;
	if ((rc = c->ops->ns_exists(c, ns)) != 0)
		return rc < 0 ? rc
		              : floe_error_set(FLOE_EEXISTS, "namespace %s already exists", ns);
	if ((rc = catalog_check_case(c, ns, NULL, "namespace")) != 0)
		return rc;
	return c->ops->ns_create(c, ns, properties);
}

int floe_catalog_ensure_namespaces(floe_catalog *c, char *const *ns, size_t n)
{
	char **missing = floe_calloc(n ? n : 1, sizeof(char *));
	size_t nm = 0;
	int rc = missing ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		bool dup = false;
		for (size_t k = 0; k < nm; k++)
			dup |= strcmp(missing[k], ns[i]) == 0;
		if (dup || (rc = floe_catalog_check_name("namespace", ns[i])) != 0 ||
		    (rc = parent_exists(c, ns[i])) != 0)
			continue;
		if ((rc = c->ops->ns_exists(c, ns[i])) > 0) {
			rc = 0;
			continue;
		}
		for (size_t k = 0; rc == 0 && k < nm; k++)
			if (strcasecmp(missing[k], ns[i]) == 0)
				rc = floe_error_set(
				    FLOE_EINVAL,
				    "namespaces %s and %s differ only in case: DuckDB "
				    "names are case-insensitive, so one would hide "
				    "the other",
				    missing[k], ns[i]);
		if (rc == 0 && (rc = catalog_check_case(c, ns[i], NULL, "namespace")) == 0)
			missing[nm++] = ns[i];
	}
	if (rc == 0 && nm > 0 && c->ops->ns_create_many)
		rc = c->ops->ns_create_many(c, missing, nm);
	for (size_t i = 0; rc == 0 && !c->ops->ns_create_many && i < nm; i++) {
		rc = c->ops->ns_create(c, missing[i], NULL);
		if (rc == FLOE_EEXISTS) { /* made by another process meanwhile */
			floe_error_clear();
			rc = 0;
		}
	}
	floe_free(missing);
	return rc;
}

int floe_catalog_namespace_exists(floe_catalog *c, const char *ns)
{
	if (floe_catalog_check_name("namespace", ns) != 0)
		return floe_error_code();
	return c->ops->ns_exists(c, ns);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int floe_catalog_list_namespaces(floe_catalog *c, const char *parent, char ***out, size_t *n)
{
	char **all = NULL, **res = NULL;
	size_t nall = 0, nres = 0, plen = parent ? strlen(parent) : 0;
	int rc;
	*out = NULL;
	*n = 0;
	if (parent && (rc = c->ops->ns_exists(c, parent)) <= 0)
		return rc < 0
		           ? rc
		           : floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist", parent);
	if ((rc = c->ops->ns_all(c, &all, &nall)) != 0)
		return rc;
	res = floe_calloc(nall ? nall : 1, sizeof(char *));
	if (res == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < nall; i++) {
		const char *ns = all[i], *rest, *dot;
		char *child;
		bool dup = false;
		if (parent) {
			if (strncmp(ns, parent, plen) != 0 || ns[plen] != '.')
				continue;
			rest = ns + plen + 1;
		} else {
			rest = ns;
		}
		dot = strchr(rest, '.');
		child = floe_strndup(ns, dot ? (size_t)(dot - ns) : strlen(ns));
		if (child == NULL) {
			rc = FLOE_ENOMEM;
			goto done;
		}
		for (size_t k = 0; k < nres && !dup; k++)
			dup = strcmp(res[k], child) == 0;
		if (dup)
			floe_free(child);
		else
			res[nres++] = child;
	}
	if (nres > 1)
		qsort(res, nres, sizeof(char *), cmp_str);
done:
	floe_catalog_strings_free(all, nall);
	if (rc) {
		floe_catalog_strings_free(res, nres);
		return rc;
	}
	*out = res;
	*n = nres;
	return 0;
}

static int must_exist(floe_catalog *c, const char *ns)
{
	int rc = floe_catalog_namespace_exists(c, ns);
	if (rc == 0)
		return floe_error_set(FLOE_ENOTFOUND, "namespace %s does not exist", ns);
	return rc < 0 ? rc : 0;
}

int floe_catalog_namespace_properties(floe_catalog *c, const char *ns, json_t **out)
{
	int rc = must_exist(c, ns);
	return rc ? rc : c->ops->ns_props(c, ns, out);
}

int floe_catalog_update_namespace(floe_catalog *c, const char *ns, const json_t *set,
                                  const json_t *remove)
{
	int rc = must_exist(c, ns);
	return rc ? rc : c->ops->ns_update(c, ns, set, remove);
}

int floe_catalog_drop_namespace(floe_catalog *c, const char *ns)
{
	char **v = NULL;
	size_t n = 0;
	int rc = must_exist(c, ns);
	if (rc == 0)
		rc = c->ops->tbl_list(c, ns, &v, &n);
	if (rc == 0 && n == 0) {
		floe_catalog_strings_free(v, n);
		v = NULL;
		rc = floe_catalog_list_namespaces(c, ns, &v, &n);
	}
	if (rc == 0 && n > 0)
		rc = floe_error_set(FLOE_EINVAL, "namespace %s is not empty", ns);
	floe_catalog_strings_free(v, n);
	return rc ? rc : c->ops->ns_drop(c, ns);
}

/* ---- tables ---- */

int floe_catalog_list_tables(floe_catalog *c, const char *ns, char ***out, size_t *n)
{
	int rc = must_exist(c, ns);
	*out = NULL;
	*n = 0;
	if (rc == 0 && (rc = c->ops->tbl_list(c, ns, out, n)) == 0 && *n > 1)
		qsort(*out, *n, sizeof(char *), cmp_str);
	return rc;
}

int floe_catalog_table_exists(floe_catalog *c, const char *ns, const char *name)
{
	char *loc = NULL;
	int rc;
	if ((rc = floe_catalog_check_name("namespace", ns)) != 0 ||
	    (rc = floe_catalog_check_name("table", name)) != 0)
		return rc;
	rc = c->ops->tbl_current(c, ns, name, &loc);
	floe_free(loc);
	if (rc == FLOE_ENOTFOUND) {
		floe_error_clear();
		return 0;
	}
	return rc < 0 ? rc : 1;
}

static int load(floe_catalog *c, const char *ns, const char *name, floe_ice_metadata **meta,
                char **loc)
{
	floe_buf b;
	int rc;
	*meta = NULL;
	*loc = NULL;
	if ((rc = c->ops->tbl_current(c, ns, name, loc)) != 0)
		return rc;
	if ((rc = floe_storage_read(&b, *loc, 256u << 20)) == 0) {
		rc = floe_ice_metadata_parse(meta, b.ptr, b.len, *loc);
		floe_buf_free(&b);
	}
	if (rc) {
		floe_free(*loc);
		*loc = NULL;
	}
	return rc;
}

int floe_catalog_load_table(floe_catalog *c, const char *ns, const char *name,
                            floe_ice_metadata **meta, char **metadata_location)
{
	floe_ice_metadata *m = NULL;
	char *loc = NULL;
	int rc;
	if ((rc = floe_catalog_check_name("namespace", ns)) != 0 ||
	    (rc = floe_catalog_check_name("table", name)) != 0)
		return rc;
	rc = load(c, ns, name, &m, &loc);
	if (rc) {
		floe_free(loc);
		return rc;
	}
	if (meta)
		*meta = m;
	else
		floe_ice_metadata_free(m);
	if (metadata_location)
		*metadata_location = loc;
	else
		floe_free(loc);
	return 0;
}

int floe_catalog_create_table(floe_catalog *c, const char *ns, const char *name,
                              const json_t *updates, floe_ice_metadata **meta,
                              char **metadata_location)
{
	floe_ice_metadata *m = NULL;
	floe_buf b = FLOE_BUF_INIT;
	char *loc = NULL;
	int rc;
	if ((rc = floe_catalog_check_name("table", name)) != 0 || (rc = must_exist(c, ns)) != 0)
		return rc;
	if ((rc = floe_catalog_table_exists(c, ns, name)) != 0)
		return rc < 0
		           ? rc
		           : floe_error_set(FLOE_EEXISTS, "table %s.%s already exists", ns, name);
	if ((rc = catalog_check_case(c, ns, name, "table")) != 0)
		return rc;
	rc = floe_ice_updates_apply(&m, NULL, NULL, updates, floe_time_now_ms());
	if (rc == 0)
		rc = catalog_check_location(c, ns, name, floe_ice_metadata_location(m));
	if (rc == 0)
		rc = floe_ice_metadata_serialize(m, &b);
	if (rc == 0)
		rc = c->ops->tbl_create(c, ns, name, floe_ice_metadata_location(m), &b, &loc);
	floe_buf_free(&b);
	if (rc) {
		floe_ice_metadata_free(m);
		return floe_error_prefix("create table %s.%s: ", ns, name);
	}
	if (meta)
		*meta = m;
	else
		floe_ice_metadata_free(m);
	if (metadata_location)
		*metadata_location = loc;
	else
		floe_free(loc);
	return 0;
}

/* Full-jitter exponential backoff between compare-and-swap tries: a random
 * wait up to 1 ms * 2^tries, at most SWAP_MAX_WAIT_US and never past the
 * deadline. */
static void short_sleep(int attempt, int64_t deadline_us)
{
	int64_t cap = 1000, left = deadline_us - floe_time_mono_us();
	for (int i = 1; i < attempt && cap < SWAP_MAX_WAIT_US; i++)
		cap *= 2;
	if (cap > SWAP_MAX_WAIT_US)
		cap = SWAP_MAX_WAIT_US;
	if (cap > left)
		cap = left;
	if (cap > 0)
		floe_sleep_us((int64_t)(floe_random_u64() % (uint64_t)(cap + 1)));
}

/*
 * A lost swap whose requirements still hold is retried here, on the new
 * version, until the table's commit.retry.total-timeout-ms (or
 * FLOE_COMMIT_TIMEOUT_MS; SWAP_TIMEOUT_MS when neither is a valid number)
 * has passed since the first try: under many writers a count of tries runs
 * out while each try is quick.
 */
int floe_catalog_commit_table(floe_catalog *c, const char *ns, const char *name,
                              const json_t *requirements, const json_t *updates,
                              floe_ice_metadata **meta, char **metadata_location)
{
	int64_t t0 = floe_time_mono_us(), deadline = -1;
	int rc = 0, attempt;
	for (attempt = 1;; attempt++) {
		floe_ice_metadata *base = NULL, *next = NULL;
		floe_buf b = FLOE_BUF_INIT;
		char *old = NULL, *loc = NULL;
		rc = load(c, ns, name, &base, &old);
		if (rc == 0 && deadline < 0) {
			const char *env = getenv("FLOE_COMMIT_TIMEOUT_MS");
			const char *v =
			    env && *env
			        ? env
			        : floe_ice_metadata_property(base, "commit.retry.total-timeout-ms");
			int64_t ms = SWAP_TIMEOUT_MS;
			if (v && (floe_parse_i64(&ms, v) != 0 || ms < 0)) {
				floe_error_clear();
				ms = SWAP_TIMEOUT_MS;
			}
			deadline = t0 + ms * 1000;
		}
		if (rc == 0)
			rc = floe_ice_requirements_check(base, requirements);
		if (rc == 0)
			rc = floe_ice_updates_apply(&next, base, old, updates, floe_time_now_ms());
		if (rc == 0)
			rc = floe_ice_metadata_serialize(next, &b);
		if (rc == 0)
			rc = c->ops->tbl_swap(c, ns, name, old, floe_ice_metadata_location(base),
			                      &b, &loc);
		floe_buf_free(&b);
		floe_ice_metadata_free(base);
		floe_free(old);
		if (rc == 0) {
			if (meta)
				*meta = next;
			else
				floe_ice_metadata_free(next);
			if (metadata_location)
				*metadata_location = loc;
			else
				floe_free(loc);
			return 0;
		}
		floe_ice_metadata_free(next);
		floe_free(loc);
		if (rc != CATALOG_LOST_SWAP)
			return floe_error_prefix("commit to %s.%s: ", ns, name);
		if (floe_time_mono_us() >= deadline)
			break;
		short_sleep(attempt, deadline);
	}
	return floe_error_set(FLOE_ECONFLICT,
	                      "commit to %s.%s: lost %d compare-and-swap races in %.1f s", ns, name,
	                      attempt, (double)(floe_time_mono_us() - t0) / 1e6);
}

int floe_catalog_check_location(floe_catalog *c, const char *ns, const char *name,
                                const char *location)
{
	return catalog_check_location(c, ns, name, location);
}

/* Drop reads no metadata (a table whose metadata is missing or broken
 * drops as any other). A purge reads what it can before the row goes, and
 * drops only the version it read (a commit that lands meanwhile is read
 * again), so that it deletes what the dropped version reaches. */
/* a purge that keeps losing its conditional drop to writers drops
 * unconditionally after this many tries */
#define PURGE_DROP_ATTEMPTS 20

int floe_catalog_drop_table(floe_catalog *c, const char *ns, const char *name, bool purge)
{
	floe_ice_metadata *m = NULL;
	char *loc = NULL;
	int rc;
	if ((rc = floe_catalog_check_name("namespace", ns)) != 0 ||
	    (rc = floe_catalog_check_name("table", name)) != 0)
		return rc;
	if (!purge)
		return c->ops->tbl_drop(c, ns, name, NULL);
	for (int attempt = 1;; attempt++) {
		floe_buf b;
		rc = c->ops->tbl_current(c, ns, name, &loc);
		if (rc == FLOE_ENOTFOUND || rc == FLOE_ENOMEM)
			return rc;
		if (rc) { /* no metadata file to read */
			floe_log(FLOE_LOG_WARN, "%s.%s: %s", ns, name, floe_error_message());
			floe_error_clear();
		} else if ((rc = floe_storage_read(&b, loc, 256u << 20)) == 0) {
			rc = floe_ice_metadata_parse(&m, b.ptr, b.len, loc);
			floe_buf_free(&b);
		}
		if (rc) {
			floe_log(FLOE_LOG_WARN, "%s.%s: its metadata cannot be read (%s)", ns, name,
			         floe_error_message());
			floe_error_clear();
		}
		rc = c->ops->tbl_drop(c, ns, name, attempt < PURGE_DROP_ATTEMPTS ? loc : NULL);
		if (rc != CATALOG_LOST_SWAP)
			break;
		floe_ice_metadata_free(m);
		floe_free(loc);
		m = NULL;
		loc = NULL;
	}
	if (rc == 0)
		catalog_purge(c, ns, name, m, loc);
	floe_ice_metadata_free(m);
	floe_free(loc);
	return rc;
}

char *floe_catalog_next_metadata(const char *table_loc, const char *old_loc)
{
	long version = 0;
	uint8_t u[16];
	char uuid[37];
	if (old_loc) {
		const char *base = strrchr(old_loc, '/');
		char *end = NULL;
		base = base ? base + 1 : old_loc;
		version = strtol(base, &end, 10);
		if (end == base || *end != '-' || version < 0)
			version = 0;
		version++;
	}
	floe_uuid_v4(u);
	floe_uuid_format(u, uuid);
	return floe_asprintf("%s/metadata/%05ld-%s.metadata.json", table_loc, version, uuid);
}

int catalog_write_metadata(const char *loc, const floe_buf *json)
{
	int rc = floe_storage_write_new(loc, json->ptr, json->len);
	if (rc == 0 && (rc = floe_storage_sync(loc)) != 0)
		floe_storage_delete(loc);
	return rc;
}
