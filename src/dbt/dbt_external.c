/*
 * dbt-duckdb's `external` materialization (its README, "Writing to
 * external files", and macros/materializations/external.sql): the model's
 * result written as plain files with DuckDB's COPY, read back through a
 * view.
 *
 *   location   config `location`, else <external_root>/<alias>.<format>
 *              (no extension when options.partition_by is set);
 *              external_root comes from the profile output, default "."
 *              (both relative to the project)
 *   format     config `format`, else the location's extension (csv,
 *              parquet, json), else parquet
 *   options    config `options` (plus top-level `format` and `delimiter`)
 *              as DuckDB COPY options, rendered as dbt-duckdb renders them
 *              (header 1 for csv, partition_by lists in parentheses, the
 *              text options quoted)
 *   reading    a view select * from read_parquet/read_csv/read_json of the
 *              location (globbed for partition_by / per_thread_output),
 *              with parquet_read_options / csv_read_options /
 *              json_read_options; an empty result is written as one row of
 *              NULLs which the view filters out, as dbt-duckdb does
 *
 * floe keeps the view in the catalog (an Iceberg view whose SQL reads the
 * files by absolute path), so later runs and readers see it too.
 * `format: iceberg` / `table_format: iceberg` are floe's: the model is an
 * Iceberg table, created at `iceberg_location` / `location` /
 * <external_root>/<alias> when the config or profile names one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbt_external.h"
#include "dbt_names.h"

bool dbt_external_is_iceberg(const dbt_node *n)
{
	const char *fmt = json_string_value(json_object_get(n->config, "format"));
	const char *tf = json_string_value(json_object_get(n->config, "table_format"));
	return (fmt && strcasecmp(fmt, "iceberg") == 0) || (tf && strcasecmp(tf, "iceberg") == 0);
}

void dbt_external_free(dbt_external *x)
{
	floe_free(x->format);
	floe_free(x->path);
	floe_free(x->options);
	floe_free(x->read_sql);
	memset(x, 0, sizeof(*x));
}

/* a config string with Jinja in it rendered (caller holds the Jinja lock) */
static int render_str(floe_dbt *d, dbt_node *n, const char *s, char **out)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc = 0;
	*out = NULL;
	if (strstr(s, "{{") == NULL && strstr(s, "{%") == NULL) {
		*out = floe_strdup(s);
		return *out ? 0 : FLOE_ENOMEM;
	}
	rc = floe_jinja_render(d->jinja, s, n->path, &b);
	if (rc == 0 && (*out = floe_strndup(b.ptr ? b.ptr : "", b.len)) == NULL)
		rc = FLOE_ENOMEM;
	floe_buf_free(&b);
	return rc;
}

/* An absolute local path for a location relative to the project (file://
 * URIs and absolute paths as they are). Object stores are refused: DuckDB
 * has no S3 here and floe's storage writes local files. */
static int local_location(floe_dbt *d, const dbt_node *n, const char *loc, char **out)
{
	char *joined = NULL, *uri = NULL;
	int rc = 0;
	*out = NULL;
	if (strstr(loc, "://") && !floe_str_starts_with(loc, "file://"))
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "%s: external location %s: floe writes external models to "
		                      "local paths only",
		                      n->path, loc);
	if (floe_str_starts_with(loc, "file://") || loc[0] == '/')
		joined = floe_strdup(loc);
	else
		joined =
		    floe_asprintf("%s/%s", d->dir, floe_str_starts_with(loc, "./") ? loc + 2 : loc);
	uri = joined ? floe_storage_file_uri(joined) : NULL;
	*out = uri ? floe_storage_local_path(uri) : NULL;
	if (*out == NULL)
		rc = floe_error_code() ? floe_error_code() : FLOE_ENOMEM;
	floe_free(joined);
	floe_free(uri);
	return rc;
}

static const char *external_root(const floe_dbt *d)
{
	const char *r = json_string_value(json_object_get(d->output, "external_root"));
	return r ? r : ".";
}

/* what the option's value prints as in COPY (...): Python's str() */
static int put_value(floe_buf *b, const json_t *v)
{
	return json_is_string(v) ? floe_buf_puts(b, json_string_value(v)) : dbt_py_str(b, v);
}

/* dbt-duckdb's external_write_options() */
static int write_options(floe_buf *b, json_t *opts, const char *location)
{
	const char *k;
	json_t *v;
	bool first = true;
	int rc = 0;
	if (!json_object_get(opts, "format")) {
		const char *base = strrchr(location, '/'), *dot;
		base = base ? base + 1 : location;
		dot = strrchr(base, '.');
		json_object_set_new(opts, "format",
		                    json_string(dot && dot > base                    ? dot + 1
		                                : json_object_get(opts, "delimiter") ? "csv"
		                                                                     : "parquet"));
		if (dot && dot > base) { /* the extension, lowercased */
			char *low = floe_strdup(dot + 1);
			for (char *p = low; p && *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			if (low)
				json_object_set_new(opts, "format", json_string(low));
			floe_free(low);
		}
	}
	if (floe_str_eq(json_string_value(json_object_get(opts, "format")), "csv") &&
	    !json_object_get(opts, "header"))
		json_object_set_new(opts, "header", json_integer(1));
	if (json_is_string(json_object_get(opts, "partition_by"))) {
		const char *p = json_string_value(json_object_get(opts, "partition_by"));
		if (strchr(p, ',') && p[0] != '(')
			json_object_set_new(opts, "partition_by", json_sprintf("(%s)", p));
	}
	json_object_foreach(opts, k, v)
	{
		bool text = strcasecmp(k, "delimiter") == 0 || strcasecmp(k, "quote") == 0 ||
		            strcasecmp(k, "escape") == 0 || strcasecmp(k, "null") == 0;
		if (!first)
			floe_buf_puts(b, ", ");
		first = false;
		if (text && !(json_is_string(v) && json_string_value(v)[0] == '\'')) {
			floe_buf_printf(b, "%s '", k);
			put_value(b, v);
			rc = floe_buf_putc(b, '\'');
		} else {
			floe_buf_printf(b, "%s ", k);
			rc = put_value(b, v);
		}
	}
	return rc;
}

/* dbt-duckdb's external_read_location(): a glob over the partition
 * folders or the per-thread files */
static char *read_location(const char *path, const json_t *opts)
{
	const json_t *pb = json_object_get(opts, "partition_by");
	floe_buf b = FLOE_BUF_INIT;
	if (!floe_jinja_truthy(pb) &&
	    !floe_jinja_truthy(json_object_get(opts, "per_thread_output")))
		return floe_strdup(path);
	floe_buf_printf(&b, "%s/*", path);
	if (floe_jinja_truthy(pb)) {
		floe_buf s = FLOE_BUF_INIT;
		put_value(&s, pb);
		for (const char *p = s.ptr; p && *p; p++)
			if (*p == ',')
				floe_buf_puts(&b, "/*");
		floe_buf_puts(&b, "/*");
		floe_buf_free(&s);
	}
	floe_buf_printf(&b, ".%s", json_string_value(json_object_get(opts, "format")));
	return floe_buf_detach(&b, NULL);
}

int dbt_external_plan(floe_dbt *d, dbt_node *n, dbt_external *x)
{
	const json_t *cfg_opts = json_object_get(n->config, "options");
	const char *cfg_format = json_string_value(json_object_get(n->config, "format"));
	const char *cfg_loc = json_string_value(json_object_get(n->config, "location"));
	static const char *const read_fn[] = {"parquet", "read_parquet", "parquet_read_options",
	                                      "csv",     "read_csv",     "csv_read_options",
	                                      "json",    "read_json",    "json_read_options"};
	json_t *opts = NULL, *ropts = NULL;
	char *loc = NULL, *glob = NULL;
	floe_buf b = FLOE_BUF_INIT;
	const char *k;
	json_t *v;
	int rc = 0, f = -1;
	memset(x, 0, sizeof(*x));
	if (cfg_opts && !json_is_object(cfg_opts))
		return floe_error_set(FLOE_EINVAL, "%s: the options argument must be a dictionary",
		                      n->path);
	opts = cfg_opts ? json_deep_copy(cfg_opts) : json_object();
	if (opts == NULL)
		return FLOE_ENOMEM;
	json_object_foreach(opts, k, v)
	{
		char *r = NULL;
		if (rc == 0 && json_is_string(v) &&
		    (rc = render_str(d, n, json_string_value(v), &r)) == 0)
			json_object_set_new(opts, k, json_string(r));
		floe_free(r);
	}
	if (rc == 0 && cfg_format)
		json_object_set_new(opts, "format", json_string(cfg_format));
	if (rc == 0 && json_object_get(n->config, "delimiter"))
		json_object_set(opts, "delimiter", json_object_get(n->config, "delimiter"));
	/* location */
	if (rc == 0 && cfg_loc) {
		rc = render_str(d, n, cfg_loc, &loc);
	} else if (rc == 0) {
		bool partitioned = json_object_get(cfg_opts, "partition_by") &&
		                   !json_is_null(json_object_get(cfg_opts, "partition_by"));
		loc = partitioned ? floe_asprintf("%s/%s", external_root(d), n->alias)
		                  : floe_asprintf("%s/%s.%s", external_root(d), n->alias,
		                                  cfg_format ? cfg_format : "parquet");
		if (loc == NULL)
			rc = FLOE_ENOMEM;
	}
	/* the format the view reads: configured, else the location's extension */
	if (rc == 0) {
		const char *fmt = cfg_format;
		const char *dot = strrchr(loc, '.');
		if (fmt == NULL)
			fmt = dot ? dot + 1 : "parquet";
		for (int i = 0; i < 3; i++)
			if (strcasecmp(fmt, read_fn[3 * i]) == 0)
				f = i;
		if (f < 0 && cfg_format)
			rc = floe_error_set(
			    FLOE_EINVAL,
			    "%s: Invalid format: %s. Allowed formats are: csv, parquet, "
			    "json (and iceberg, a table in the catalog)",
			    n->path, cfg_format);
		if (f < 0)
			f = 0;
	}
	if (rc == 0)
		rc = local_location(d, n, loc, &x->path);
	if (rc == 0)
		rc = write_options(&b, opts, x->path);
	if (rc == 0 && (x->options = floe_buf_detach(&b, NULL)) == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0 && (glob = read_location(x->path, opts)) == NULL)
		rc = FLOE_ENOMEM;
	/* select * from read_x('<location>', <read options>) */
	if (rc == 0) {
		const json_t *given = json_object_get(n->config, read_fn[3 * f + 2]);
		ropts = json_is_object(given) ? json_incref((json_t *)given)
		                              : (f == 0 ? json_pack("{s:b}", "union_by_name", false)
		                                        : json_pack("{s:b}", "auto_detect", true));
		floe_buf_printf(&b, "select * from %s(", read_fn[3 * f + 1]);
		floe_buf_put_sql_string(&b, glob);
		json_object_foreach(ropts, k, v)
		{
			floe_buf_printf(&b, ", %s=", k);
			if (json_is_string(v))
				floe_buf_put_sql_string(&b, json_string_value(v));
			else
				dbt_py_str(&b, v);
		}
		rc = floe_buf_putc(&b, ')');
		if (rc == 0 && (x->read_sql = floe_buf_detach(&b, NULL)) == NULL)
			rc = FLOE_ENOMEM;
	}
	if (rc == 0) {
		x->format = floe_strdup(read_fn[3 * f]);
		x->partitioned = json_object_get(opts, "partition_by") != NULL;
		if (x->format == NULL)
			rc = FLOE_ENOMEM;
	}
	if (rc)
		dbt_external_free(x);
	floe_buf_free(&b);
	json_decref(opts);
	json_decref(ropts);
	floe_free(loc);
	floe_free(glob);
	return rc;
}

int dbt_external_iceberg_location(floe_dbt *d, dbt_node *n, char **uri)
{
	const char *loc = json_string_value(json_object_get(n->config, "iceberg_location"));
	const char *root = json_string_value(json_object_get(d->output, "external_root"));
	char *rendered = NULL, *deflt = NULL, *path = NULL;
	int rc = 0;
	*uri = NULL;
	if (loc == NULL)
		loc = json_string_value(json_object_get(n->config, "location"));
	if (loc == NULL && root == NULL)
		return 0; /* the catalog's default location */
	if (loc == NULL) {
		if ((deflt = floe_asprintf("%s/%s", root, n->alias)) == NULL)
			return FLOE_ENOMEM;
		loc = deflt;
	}
	rc = render_str(d, n, loc, &rendered);
	if (rc == 0)
		rc = local_location(d, n, rendered, &path);
	if (rc == 0 && (*uri = floe_storage_file_uri(path)) == NULL)
		rc = floe_error_code() ? floe_error_code() : FLOE_ENOMEM;
	floe_free(rendered);
	floe_free(deflt);
	floe_free(path);
	return rc;
}

/* the columns of the written result, for the view's NULL-row filter */
static int result_columns(floe_engine *e, const char *tmp, floe_engine_rows **cols)
{
	char *sql = floe_asprintf("SELECT column_name FROM (DESCRIBE %s)", tmp);
	int rc = sql ? floe_engine_query_rows(e, sql, 0, cols) : FLOE_ENOMEM;
	floe_free(sql);
	return rc;
}

int dbt_external_write(dbt_worker *w, dbt_node *n, const dbt_external *x, char **view_sql)
{
	static const char tmp[] = "\"floe_external__dbt_tmp\"";
	floe_engine *e = w->engine;
	floe_engine_rows *r = NULL, *cols = NULL;
	floe_buf b = FLOE_BUF_INIT;
	char *dir = NULL, *slash;
	int64_t count = 0;
	int rc;
	*view_sql = NULL;
	/* the result in a temporary table (this connection's own) */
	rc = floe_buf_printf(&b, "CREATE OR REPLACE TEMP TABLE %s AS %s\n", tmp, n->compiled);
	if (rc == 0)
		rc = floe_engine_exec(e, b.ptr);
	floe_buf_reset(&b);
	if (rc == 0 && (rc = floe_buf_printf(&b, "SELECT count(*) FROM %s", tmp)) == 0)
		rc = floe_engine_query_rows(e, b.ptr, 1, &r);
	if (rc == 0 && r->nrows && r->rows[0][0])
		rc = floe_parse_i64(&count, r->rows[0][0]);
	floe_buf_reset(&b);
	/* an empty result is written as one row of NULLs (dbt-duckdb) */
	if (rc == 0 && count == 0 &&
	    (rc = floe_buf_printf(&b, "INSERT INTO %s DEFAULT VALUES", tmp)) == 0)
		rc = floe_engine_exec(e, b.ptr);
	floe_buf_reset(&b);
	/* COPY does not make the folder a file (or the partition folder) goes
	 * into */
	dir = floe_strdup(x->path);
	if (rc == 0 && dir == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0 && (slash = strrchr(dir, '/')) != NULL && slash > dir) {
		*slash = '\0';
		rc = floe_storage_mkdirs(dir);
	}
	if (rc == 0) {
		floe_buf_printf(&b, "COPY %s TO ", tmp);
		floe_buf_put_sql_string(&b, x->path);
		rc = floe_buf_printf(&b, " (%s)", x->options);
	}
	if (rc == 0)
		rc = floe_engine_exec(e, b.ptr);
	if (rc == 0 && count == 0)
		rc = result_columns(e, tmp, &cols);
	floe_buf_reset(&b);
	if (rc == 0) {
		floe_buf_puts(&b, x->read_sql);
		if (count == 0) {
			floe_buf_puts(&b, " where 1");
			for (size_t i = 0; i < cols->nrows; i++) {
				floe_buf_puts(&b, " AND ");
				floe_buf_put_sql_ident(&b, cols->rows[i][0]);
				floe_buf_puts(&b, " is not NULL");
			}
		}
		if ((*view_sql = floe_buf_detach(&b, NULL)) == NULL)
			rc = FLOE_ENOMEM;
	}
	{
		/* the temporary table goes whatever happened */
		int drc =
		    floe_engine_exec(e, "DROP TABLE IF EXISTS temp.\"floe_external__dbt_tmp\"");
		if (rc == 0)
			rc = drc;
	}
	if (rc == 0)
		n->rows = count;
	if (rc)
		floe_error_prefix("%s: external %s at %s: ", n->path, x->format, x->path);
	floe_engine_rows_free(r);
	floe_engine_rows_free(cols);
	floe_buf_free(&b);
	floe_free(dir);
	return rc;
}
