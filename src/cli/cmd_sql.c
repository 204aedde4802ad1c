/*
 * The SQL verbs: `floe sql` (scripts whose CREATE TABLE ns.t AS / INSERT INTO
 * ns.t statements write Iceberg tables), `floe query` (read-only, with time
 * travel) and `floe load` (CSV -> table, DuckDB reads the CSV: a regular file,
 * or the regular files an explicit glob matches).
 *
 * floe recognises only statement heads (DESIGN.md): CREATE [OR REPLACE]
 * TABLE [IF NOT EXISTS] name AS q, CREATE ... TABLE ... name (column
 * definitions), INSERT INTO name [(cols)] q, DROP TABLE [IF EXISTS] name,
 * CREATE SCHEMA [IF NOT EXISTS] name. The query q and the column
 * definitions go to DuckDB untouched. Names with a namespace (a.t, a.b.t)
 * are catalog tables; one-part names and TEMP tables stay DuckDB-local
 * (scratch work).
 */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef enum {
	H_OTHER,
	H_CTAS,
	H_CREATE_COLS, /* CREATE TABLE name (column definitions) */
	H_CREATE_BAD,  /* CREATE TABLE name (...) followed by more */
	H_INSERT,
	H_DROP,
	H_SCHEMA,
	H_READ,
	H_UNSUPPORTED
} head_kind;

typedef struct {
	head_kind kind;
	bool or_replace, if_not_exists, if_exists;
	char *ns; /* namespace ("a.b") or NULL for one-part names */
	char *name;
	char *columns;     /* INSERT column list text inside ( ), or NULL */
	const char *query; /* rest of the statement after the head (for
	                      H_CREATE_COLS: the definitions, from the '(') */
} sql_head;

typedef struct {
	const char *s;
	size_t i;
} lexer;

static void skip_space(lexer *lx)
{
	for (;;) {
		while (isspace((unsigned char)lx->s[lx->i]))
			lx->i++;
		if (lx->s[lx->i] == '-' && lx->s[lx->i + 1] == '-') {
			while (lx->s[lx->i] && lx->s[lx->i] != '\n')
				lx->i++;
		} else if (lx->s[lx->i] == '/' && lx->s[lx->i + 1] == '*') {
			const char *end = strstr(lx->s + lx->i + 2, "*/");
			lx->i = end ? (size_t)(end - lx->s) + 2 : strlen(lx->s);
		} else {
			return;
		}
	}
}

/* Consume keyword kw (case-insensitive, whole word). */
static bool keyword(lexer *lx, const char *kw)
{
	size_t n = strlen(kw);
	skip_space(lx);
	if (strncasecmp(lx->s + lx->i, kw, n) != 0)
		return false;
	if (isalnum((unsigned char)lx->s[lx->i + n]) || lx->s[lx->i + n] == '_')
		return false;
	lx->i += n;
	return true;
}

/* One identifier part, bare or "quoted"; returns a fresh string or NULL. */
static char *ident_part(lexer *lx)
{
	floe_buf b = FLOE_BUF_INIT;
	const char *s = lx->s;
	skip_space(lx);
	if (s[lx->i] == '"') {
		size_t i = lx->i + 1;
		for (; s[i]; i++) {
			if (s[i] == '"') {
				if (s[i + 1] != '"')
					break;
				i++;
			}
			if (floe_buf_putc(&b, s[i]))
				goto fail;
		}
		if (s[i] != '"' || b.len == 0)
			goto fail;
		lx->i = i + 1;
		return floe_buf_detach(&b, NULL);
	}
	if (!(isalpha((unsigned char)s[lx->i]) || s[lx->i] == '_'))
		return NULL;
	{
		size_t start = lx->i;
		while (isalnum((unsigned char)s[lx->i]) || s[lx->i] == '_' || s[lx->i] == '$')
			lx->i++;
		return floe_strndup(s + start, lx->i - start);
	}
fail:
	floe_buf_free(&b);
	return NULL;
}

/* A dotted name: the last part is the table, the rest the namespace. */
static bool qualified_name(lexer *lx, sql_head *h)
{
	char *parts[8];
	size_t n = 0;
	bool ok = false;
	floe_buf ns = FLOE_BUF_INIT;
	for (;;) {
		if (n == 8 || (parts[n] = ident_part(lx)) == NULL)
			goto done;
		n++;
		if (lx->s[lx->i] != '.')
			break;
		lx->i++;
	}
	for (size_t k = 0; k + 1 < n; k++)
		if (floe_buf_printf(&ns, "%s%s", k ? "." : "", parts[k]))
			goto done;
	h->name = floe_strdup(parts[n - 1]);
	h->ns = n > 1 ? floe_buf_detach(&ns, NULL) : NULL;
	ok = h->name != NULL;
done:
	for (size_t k = 0; k < n; k++)
		floe_free(parts[k]);
	floe_buf_free(&ns);
	return ok;
}

static void head_dispose(sql_head *h)
{
	floe_free(h->ns);
	floe_free(h->name);
	floe_free(h->columns);
	memset(h, 0, sizeof(*h));
}

static void parse_head(sql_head *h, const char *sql)
{
	lexer lx = {sql, 0};
	memset(h, 0, sizeof(*h));
	h->kind = H_OTHER;
	skip_space(&lx);
	if (keyword(&lx, "SELECT") || keyword(&lx, "WITH") || keyword(&lx, "FROM") ||
	    keyword(&lx, "VALUES") || keyword(&lx, "DESCRIBE") || keyword(&lx, "SHOW") ||
	    keyword(&lx, "SUMMARIZE") || keyword(&lx, "EXPLAIN") || keyword(&lx, "PRAGMA") ||
	    keyword(&lx, "TABLE") || sql[lx.i] == '(') {
		h->kind = H_READ;
		return;
	}
	lx.i = 0;
	if (keyword(&lx, "CREATE")) {
		if (keyword(&lx, "OR")) {
			if (!keyword(&lx, "REPLACE"))
				return;
			h->or_replace = true;
		}
		if (keyword(&lx, "SCHEMA")) {
			if (keyword(&lx, "IF") && !(keyword(&lx, "NOT") && keyword(&lx, "EXISTS")))
				return;
			h->if_not_exists = lx.s[lx.i - 1] == 's' || lx.s[lx.i - 1] == 'S';
			if (qualified_name(&lx, h)) {
				/* CREATE SCHEMA a.b: the whole dotted name is the namespace */
				if (h->ns) {
					char *full = floe_asprintf("%s.%s", h->ns, h->name);
					floe_free(h->ns);
					h->ns = full;
				} else {
					h->ns = h->name;
					h->name = NULL;
				}
				skip_space(&lx);
				h->kind = lx.s[lx.i] == '\0' ? H_SCHEMA : H_OTHER;
			}
			return;
		}
		if (!keyword(&lx, "TABLE"))
			return;
		if (keyword(&lx, "IF")) {
			if (!(keyword(&lx, "NOT") && keyword(&lx, "EXISTS")))
				return;
			h->if_not_exists = true;
		}
		if (!qualified_name(&lx, h))
			return;
		skip_space(&lx);
		if (lx.s[lx.i] == '(') { /* column definitions, parsed by DuckDB */
			size_t end = cli_sql_group_end(sql, lx.i);
			if (end == 0)
				return;
			h->query = sql + lx.i;
			lx.i = end;
			skip_space(&lx);
			h->kind = lx.s[lx.i] == '\0' ? H_CREATE_COLS : H_CREATE_BAD;
			return;
		}
		if (!keyword(&lx, "AS"))
			return;
		skip_space(&lx);
		h->query = sql + lx.i;
		h->kind = H_CTAS;
		return;
	}
	if (keyword(&lx, "INSERT")) {
		if (!keyword(&lx, "INTO") || !qualified_name(&lx, h))
			return;
		skip_space(&lx);
		if (lx.s[lx.i] == '(') {
			/* a column list, unless this is a parenthesised query */
			lexer peek = {sql, lx.i + 1};
			if (!(keyword(&peek, "SELECT") || keyword(&peek, "WITH"))) {
				const char *close = strchr(sql + lx.i, ')');
				if (close == NULL)
					return;
				h->columns =
				    floe_strndup(sql + lx.i + 1, (size_t)(close - sql) - lx.i - 1);
				lx.i = (size_t)(close - sql) + 1;
			}
		}
		skip_space(&lx);
		h->query = sql + lx.i;
		h->kind = H_INSERT;
		return;
	}
	if (keyword(&lx, "DROP")) {
		if (!keyword(&lx, "TABLE"))
			return;
		if (keyword(&lx, "IF")) {
			if (!keyword(&lx, "EXISTS"))
				return;
			h->if_exists = true;
		}
		if (qualified_name(&lx, h)) {
			skip_space(&lx);
			h->kind = lx.s[lx.i] == '\0' ? H_DROP : H_OTHER;
		}
		return;
	}
	if (keyword(&lx, "UPDATE") || keyword(&lx, "ALTER") ||
	    (keyword(&lx, "DELETE") && keyword(&lx, "FROM"))) {
		if (keyword(&lx, "TABLE")) { /* ALTER TABLE */
		}
		if (qualified_name(&lx, h) && h->ns != NULL)
			h->kind = H_UNSUPPORTED;
	}
}

/* INSERT INTO t (b, a) q: reorder q's columns to the table's, NULL for the
 * columns not listed. */
static int insert_columns_query(char **out, floe_catalog *cat, const sql_head *h)
{
	floe_ice_metadata *m = NULL;
	floe_ice_schema *s = NULL;
	char **cols = NULL;
	size_t ncols = 0;
	floe_buf b = FLOE_BUF_INIT;
	int rc = floe_catalog_load_table(cat, h->ns, h->name, &m, NULL);
	*out = NULL;
	if (rc == 0)
		rc = floe_ice_metadata_schema(m, -1, &s);
	if (rc)
		goto done;
	/* the column list is split like a script, with ',' as separator */
	{
		char *copy = floe_strdup(h->columns);
		lexer lx = {copy ? copy : "", 0};
		for (;;) {
			char *part = ident_part(&lx);
			char **nv;
			if (part == NULL) {
				rc = floe_error_set(FLOE_EINVAL,
				                    "bad column list in INSERT INTO %s.%s", h->ns,
				                    h->name);
				break;
			}
			nv = floe_realloc(cols, (ncols + 1) * sizeof(char *));
			if (nv == NULL) {
				floe_free(part);
				rc = FLOE_ENOMEM;
				break;
			}
			cols = nv;
			cols[ncols++] = part;
			skip_space(&lx);
			if (lx.s[lx.i] == ',') {
				lx.i++;
				continue;
			}
			if (lx.s[lx.i] != '\0')
				rc = floe_error_set(FLOE_EINVAL,
				                    "bad column list in INSERT INTO %s.%s", h->ns,
				                    h->name);
			break;
		}
		floe_free(copy);
	}
	if (rc)
		goto done;
	for (size_t k = 0; k < ncols; k++) {
		bool found = false;
		for (size_t f = 0; f < s->root->nfields; f++)
			found |= strcmp(s->root->fields[f].name, cols[k]) == 0;
		if (!found) {
			rc = floe_error_set(FLOE_EINVAL, "table %s.%s has no column \"%s\"", h->ns,
			                    h->name, cols[k]);
			goto done;
		}
	}
	rc = floe_buf_puts(&b, "SELECT ");
	for (size_t f = 0; rc == 0 && f < s->root->nfields; f++) {
		const char *name = s->root->fields[f].name;
		bool listed = false;
		for (size_t k = 0; k < ncols; k++)
			listed |= strcmp(name, cols[k]) == 0;
		if (f)
			rc = floe_buf_puts(&b, ", ");
		if (rc == 0)
			rc = listed ? floe_buf_put_sql_ident(&b, name) : floe_buf_puts(&b, "NULL");
		if (rc == 0)
			rc = floe_buf_puts(&b, " AS ");
		if (rc == 0)
			rc = floe_buf_put_sql_ident(&b, name);
	}
	if (rc == 0)
		rc = floe_buf_printf(&b, " FROM (%s) AS q(", h->query);
	for (size_t k = 0; rc == 0 && k < ncols; k++) {
		if (k)
			rc = floe_buf_puts(&b, ", ");
		if (rc == 0)
			rc = floe_buf_put_sql_ident(&b, cols[k]);
	}
	if (rc == 0)
		rc = floe_buf_puts(&b, ")");
	if (rc == 0)
		*out = floe_buf_detach(&b, NULL);
done:
	for (size_t k = 0; k < ncols; k++)
		floe_free(cols[k]);
	floe_free(cols);
	floe_buf_free(&b);
	floe_ice_schema_free(s);
	floe_ice_metadata_free(m);
	return rc;
}

static void report_write(const char *verb, const char *ns, const char *name,
                         const floe_write_result *r, int64_t t0)
{
	if (r->skipped) {
		cli_status("SKIP", "%s.%s exists [%.2fs]", ns, name, cli_seconds_since(t0));
		return;
	}
	cli_status("OK", "%s %s.%s: %lld rows in %zu file%s, snapshot %lld [%.2fs]", verb, ns, name,
	           (long long)r->rows, r->files, r->files == 1 ? "" : "s",
	           (long long)r->snapshot_id, cli_seconds_since(t0));
}

static int print_query(floe_cli *cli, floe_engine *eng, const char *sql, size_t max_rows)
{
	int rc;
	if (cli->json) {
		floe_buf b = FLOE_BUF_INIT;
		rc = floe_engine_query_json(eng, sql, &b);
		if (rc == 0)
			printf("%s\n", b.ptr ? b.ptr : "[]");
		floe_buf_free(&b);
	} else {
		floe_engine_rows *r = NULL;
		rc = floe_engine_query_rows(eng, sql, max_rows, &r);
		if (rc == 0)
			cli_print_rows(r);
		floe_engine_rows_free(r);
	}
	return rc;
}

/* Tables written by earlier statements of a script are re-exposed lazily,
 * before the next statement runs: a failure there then fails a statement that
 * has not done anything yet, never one whose commit already landed. Nor can
 * remembering which tables those are fail after a commit: when the list is
 * full (or memory ran out) every table is exposed again instead. */
static char *stale[64];
static size_t nstale;
static bool stale_all;

static void mark_stale(const char *ns, const char *name)
{
	char *s =
	    nstale < sizeof(stale) / sizeof(stale[0]) ? floe_asprintf("%s.%s", ns, name) : NULL;
	if (s == NULL) {
		floe_error_clear();
		stale_all = true;
		return;
	}
	stale[nstale++] = s;
}

static void clear_stale(void)
{
	for (size_t i = 0; i < nstale; i++)
		floe_free(stale[i]);
	nstale = 0;
	stale_all = false;
}

static int refresh_stale(floe_catalog *cat, floe_engine *eng)
{
	int rc = 0;
	if (stale_all) {
		clear_stale();
		return floe_table_expose_all(eng, cat, NULL);
	}
	for (size_t i = 0; rc == 0 && i < nstale; i++) {
		char *ns = NULL, *name = NULL;
		rc = floe_catalog_split_ident(stale[i], &ns, &name);
		if (rc == 0)
			rc = floe_table_expose(eng, cat, ns, name, -1);
		floe_free(ns);
		floe_free(name);
	}
	clear_stale();
	return rc;
}

static int run_statement(floe_cli *cli, floe_catalog *cat, floe_engine *eng, const char *sql)
{
	sql_head h;
	floe_write_result res;
	int64_t t0 = floe_time_mono_us();
	char *query = NULL;
	int rc = 0;
	/* a head cut short by a failed allocation would send a catalog write
	 * to DuckDB as a local statement */
	floe_error_clear();
	parse_head(&h, sql);
	if (floe_error_code() == FLOE_ENOMEM) {
		head_dispose(&h);
		return FLOE_ENOMEM;
	}
	if ((h.kind == H_CTAS || h.kind == H_CREATE_COLS || h.kind == H_CREATE_BAD ||
	     h.kind == H_INSERT || h.kind == H_DROP) &&
	    h.ns == NULL)
		h.kind = H_OTHER; /* one-part name: a DuckDB-local table */
	switch (h.kind) {
	case H_CREATE_COLS:
		rc = floe_table_create_columns(eng, cat, h.ns, h.name, h.query,
		                               h.or_replace      ? FLOE_WRITE_REPLACE
		                               : h.if_not_exists ? FLOE_WRITE_CREATE_IF_ABSENT
		                                                 : FLOE_WRITE_CREATE,
		                               &res);
		if (rc == 0 && res.snapshot_id < 0 && !res.skipped)
			cli_status("OK", "created %s.%s (empty) [%.2fs]", h.ns, h.name,
			           cli_seconds_since(t0));
		else if (rc == 0)
			report_write("replaced", h.ns, h.name, &res, t0);
		if (rc == 0 && !res.skipped)
			mark_stale(h.ns, h.name);
		break;
	case H_CREATE_BAD:
		rc = floe_error_set(FLOE_EUNSUPPORTED,
		                    "CREATE TABLE %s.%s: a column list followed by more is not "
		                    "supported: give either the column definitions or AS query "
		                    "(with the column names as aliases in the query)",
		                    h.ns, h.name);
		break;
	case H_CTAS:
		rc = floe_table_write(eng, cat, h.ns, h.name, h.query,
		                      h.or_replace      ? FLOE_WRITE_REPLACE
		                      : h.if_not_exists ? FLOE_WRITE_CREATE_IF_ABSENT
		                                        : FLOE_WRITE_CREATE,
		                      &res);
		if (rc == 0)
			report_write(h.or_replace ? "replaced" : "created", h.ns, h.name, &res, t0);
		if (rc == 0 && !res.skipped)
			mark_stale(h.ns, h.name);
		break;
	case H_INSERT:
		if (h.columns != NULL)
			rc = insert_columns_query(&query, cat, &h);
		if (rc == 0)
			rc = floe_table_write(eng, cat, h.ns, h.name, query ? query : h.query,
			                      FLOE_WRITE_APPEND, &res);
		if (rc == 0)
			report_write("inserted into", h.ns, h.name, &res, t0);
		if (rc == 0)
			mark_stale(h.ns, h.name);
		break;
	case H_DROP:
		rc = floe_table_drop(eng, cat, h.ns, h.name, false);
		if (rc == FLOE_ENOTFOUND && h.if_exists) {
			floe_error_clear();
			rc = 0;
		} else if (rc == 0) {
			cli_status("OK", "dropped %s.%s [%.2fs]", h.ns, h.name,
			           cli_seconds_since(t0));
		}
		break;
	case H_SCHEMA:
		rc = floe_catalog_create_namespace(cat, h.ns, NULL);
		if (rc == FLOE_EEXISTS && h.if_not_exists) {
			floe_error_clear();
			rc = 0;
		} else if (rc == 0) {
			cli_status("OK", "created namespace %s", h.ns);
		}
		break;
	case H_UNSUPPORTED:
		rc = floe_error_set(FLOE_EUNSUPPORTED,
		                    "UPDATE, DELETE and ALTER on Iceberg table %s.%s are not "
		                    "supported yet: use CREATE OR REPLACE TABLE ... AS SELECT",
		                    h.ns, h.name);
		break;
	case H_READ: rc = print_query(cli, eng, sql, 1000); break;
	case H_OTHER: rc = floe_engine_exec(eng, sql); break;
	}
	floe_free(query);
	head_dispose(&h);
	return rc;
}

static int read_script(char **out, const char *path)
{
	floe_buf b;
	int rc = floe_storage_read(&b, path, 64u << 20);
	if (rc)
		return rc;
	*out = floe_buf_detach(&b, NULL);
	return *out ? 0 : FLOE_ENOMEM;
}

int cmd_sql(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	floe_engine *eng;
	char *script = NULL, **stmts = NULL;
	size_t n = 0;
	const char *file = cli_opt_get(a, "--file");
	int rc;
	if ((file == NULL) == (a->npos != 1) || a->npos > 1)
		return cli_usage_error("give the SQL as one argument or with --file");
	if (file != NULL && (rc = read_script(&script, file)) != 0)
		return rc;
	rc = cli_catalog(cli, &cat);
	if (rc == 0)
		rc = cli_engine(cli, &eng);
	if (rc == 0)
		rc = floe_table_expose_all(eng, cat, NULL);
	if (rc == 0)
		rc = cli_sql_split(&stmts, &n, script ? script : a->pos[0]);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = refresh_stale(cat, eng);
		if (rc == 0)
			rc = run_statement(cli, cat, eng, stmts[i]);
		if (rc && n > 1)
			floe_error_prefix("statement %zu of %zu: ", i + 1, n);
	}
	clear_stale();
	cli_sql_free(stmts, n);
	floe_free(script);
	return rc;
}

int cmd_query(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	floe_engine *eng;
	floe_as_of as_of = {-1, -1};
	const char *v;
	int64_t max_rows = 1000;
	char **stmts = NULL;
	size_t n = 0;
	int rc;
	if (a->npos != 1)
		return cli_usage_error("give the query as one argument");
	if ((v = cli_opt_get(a, "--as-of-snapshot")) != NULL &&
	    (floe_parse_i64(&as_of.snapshot_id, v) != 0 || as_of.snapshot_id <= 0))
		return cli_usage_error("--as-of-snapshot needs a snapshot id, got '%s'", v);
	if ((v = cli_opt_get(a, "--as-of")) != NULL) {
		if (as_of.snapshot_id > 0)
			return cli_usage_error("--as-of and --as-of-snapshot exclude each other");
		if (floe_time_parse_ms(&as_of.as_of_ms, v) != 0)
			return cli_usage_error("%s", floe_error_message());
	}
	if ((v = cli_opt_get(a, "--max-rows")) != NULL &&
	    (floe_parse_i64(&max_rows, v) != 0 || max_rows < 0))
		return cli_usage_error("--max-rows needs a number >= 0");
	rc = cli_catalog(cli, &cat);
	if (rc == 0)
		rc = cli_engine(cli, &eng);
	if (rc == 0)
		rc = floe_table_expose_all(eng, cat, &as_of);
	if (rc == 0)
		rc = cli_sql_split(&stmts, &n, a->pos[0]);
	if (rc == 0 && n == 0)
		rc = cli_usage_error("the query is empty");
	/* earlier statements (SET, temp views) run silently; the last prints */
	for (size_t i = 0; rc == 0 && i + 1 < n; i++)
		rc = floe_engine_exec(eng, stmts[i]);
	if (rc == 0)
		rc = print_query(cli, eng, stmts[n - 1], (size_t)max_rows);
	cli_sql_free(stmts, n);
	return rc;
}

/* ---- floe load: the input files ---- */

typedef struct {
	char **v;
	size_t n;
} load_files;

static void load_files_free(load_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		floe_free(f->v[i]);
	floe_free(f->v);
	f->v = NULL;
	f->n = 0;
}

static int load_files_add(load_files *f, const char *path)
{
	char **g = floe_realloc(f->v, (f->n + 1) * sizeof(char *));
	if (g == NULL)
		return FLOE_ENOMEM;
	f->v = g;
	if ((f->v[f->n] = floe_strdup(path)) == NULL)
		return FLOE_ENOMEM;
	f->n++;
	return 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* A path floe load may read: an existing regular file (a link to one is
 * fine). A directory, FIFO or device is an error naming it: DuckDB would
 * read every CSV of a directory, wait forever on a FIFO, and find no file
 * in /dev/zero. */
static int check_input(const char *path, const char *pattern)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return floe_error_set(errno == ENOENT ? FLOE_ENOTFOUND : FLOE_EIO,
		                      "cannot read %s: %s", path,
		                      errno == ENOENT ? "no such file" : strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			n--;
		return floe_error_set(FLOE_EINVAL,
		                      "load %s: a directory, not a CSV file (to load every CSV in "
		                      "it, give a glob such as '%.*s/*.csv')",
		                      path, (int)n, path);
	}
	if (!S_ISREG(st.st_mode))
		return floe_error_set(FLOE_EINVAL, "load %s: not a regular file (a %s)", path,
		                      S_ISFIFO(st.st_mode)                         ? "FIFO"
		                      : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "device"
		                      : S_ISSOCK(st.st_mode)                       ? "socket"
		                                             : "special file");
	/* DuckDB would expand these again, and read other files */
	if (pattern && has_glob(path))
		return floe_error_set(FLOE_EINVAL,
		                      "load %s: the name (matched by %s) holds glob characters "
		                      "(* ? [): rename the file",
		                      path, pattern);
	return 0;
}

/* The files of floe load's argument: one regular file, or, when the
 * argument is a glob (* ? [), the regular files it matches, sorted. */
static int load_inputs(load_files *f, const char *local)
{
	glob_t g;
	int rc = 0, grc;
	if (!has_glob(local))
		return (rc = check_input(local, NULL)) != 0 ? rc : load_files_add(f, local);
	memset(&g, 0, sizeof(g));
	grc = glob(local, GLOB_ERR, NULL, &g);
	if (grc == GLOB_NOMATCH)
		rc = floe_error_set(FLOE_ENOTFOUND, "cannot read %s: no file matches", local);
	else if (grc == GLOB_NOSPACE)
		rc = FLOE_ENOMEM;
	else if (grc != 0)
		rc = floe_error_set(FLOE_EIO, "cannot read %s: %s", local, strerror(errno));
	for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
		if ((rc = check_input(g.gl_pathv[i], local)) == 0)
			rc = load_files_add(f, g.gl_pathv[i]);
	globfree(&g);
	return rc;
}

/* read_csv(<files>, <options>): RFC 4180 by default, since the sniffer may
 * otherwise pick a dialect (no quoting, skipped rows) under which a
 * malformed file parses */
static int csv_source(floe_buf *q, const load_files *f, size_t only, const cli_args *a)
{
	const char *delim = cli_opt_get(a, "--delimiter");
	int rc = floe_buf_puts(q, "read_csv(");
	bool list = only == SIZE_MAX && f->n > 1;
	if (rc == 0 && list)
		rc = floe_buf_putc(q, '[');
	for (size_t i = 0; rc == 0 && i < f->n; i++) {
		if (only != SIZE_MAX && i != only)
			continue;
		if (list && i > 0)
			rc = floe_buf_puts(q, ", ");
		if (rc == 0)
			rc = floe_buf_put_sql_string(q, f->v[i]);
	}
	if (rc == 0 && list)
		rc = floe_buf_putc(q, ']');
	if (rc == 0)
		rc = floe_buf_printf(q, ", header = %s, skip = 0, quote = '\"', escape = '\"'",
		                     cli_flag(a, "--no-header") ? "false" : "true");
	/* several files: their columns matched by the header's names (DuckDB
	 * would otherwise take the first file's names and match the others'
	 * columns by position) */
	if (rc == 0 && list)
		rc = floe_buf_puts(q, ", union_by_name = true");
	if (rc == 0)
		rc = floe_buf_puts(q, ", delim = ");
	if (rc == 0)
		rc = floe_buf_put_sql_string(q, delim ? delim : ",");
	return rc ? rc : floe_buf_puts(q, ")");
}

/* A load of several files failed: read each alone to name the one that
 * fails, with its own error. 0 when none fails alone (the files differ
 * from each other, say in their columns). */
static int failing_file(floe_engine *eng, const load_files *f, const cli_args *a)
{
	for (size_t i = 0; i < f->n; i++) {
		floe_buf q = FLOE_BUF_INIT;
		int rc = floe_buf_puts(&q, "SELECT count(*) FROM ");
		if (rc == 0)
			rc = csv_source(&q, f, i, a);
		if (rc == 0)
			rc = floe_engine_exec(eng, q.ptr);
		floe_buf_free(&q);
		if (rc) {
			floe_error_prefix("load %s: ", f->v[i]);
			return rc;
		}
	}
	return 0;
}

int cmd_load(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	floe_engine *eng = NULL;
	floe_write_result res;
	floe_buf q = FLOE_BUF_INIT;
	load_files files = {NULL, 0};
	char *ns = NULL, *name = NULL, *local = NULL;
	bool replace = cli_flag(a, "--replace"), append = cli_flag(a, "--append");
	int64_t t0 = floe_time_mono_us();
	int rc;
	if (a->npos != 2)
		return cli_usage_error("give the table and the CSV file");
	if (replace && append)
		return cli_usage_error("--replace and --append exclude each other");
	if ((rc = floe_catalog_split_ident(a->pos[0], &ns, &name)) != 0)
		return rc;
	local = floe_storage_local_path(a->pos[1]);
	if (local == NULL) {
		rc = floe_error_code();
		goto done;
	}
	if ((rc = load_inputs(&files, local)) != 0)
		goto done;
	if (files.n > 1 && cli_flag(a, "--no-header")) {
		rc = cli_usage_error("%s matches %zu files: files without a header load one at a "
		                     "time (their columns are matched by the header's names)",
		                     local, files.n);
		goto done;
	}
	rc = floe_buf_puts(&q, "SELECT * FROM ");
	if (rc == 0)
		rc = csv_source(&q, &files, SIZE_MAX, a);
	if (rc == 0)
		rc = cli_catalog(cli, &cat);
	if (rc == 0)
		rc = cli_engine(cli, &eng);
	if (rc == 0)
		rc = floe_table_write(eng, cat, ns, name, q.ptr,
		                      replace  ? FLOE_WRITE_REPLACE
		                      : append ? FLOE_WRITE_APPEND
		                               : FLOE_WRITE_CREATE,
		                      &res);
	if (rc == FLOE_EEXISTS) {
		floe_error_set(FLOE_EEXISTS,
		               "load %s: table %s.%s already exists: use --replace or --append",
		               local, ns, name);
	} else if (rc && eng && files.n > 1) {
		/* name the file that fails, not the pattern */
		char *first = floe_strdup(floe_error_message());
		int frc = failing_file(eng, &files, a);
		if (frc)
			rc = frc;
		else if (first)
			floe_error_set(rc, "load %s (%zu files): %s", local, files.n, first);
		floe_free(first);
	} else if (rc) {
		floe_error_prefix("load %s: ", local);
	}
	if (rc == 0)
		report_write(replace  ? "loaded (replace)"
		             : append ? "loaded (append)"
		                      : "loaded",
		             ns, name, &res, t0);
done:
	load_files_free(&files);
	floe_buf_free(&q);
	floe_free(local);
	floe_free(ns);
	floe_free(name);
	return rc;
}
