/*
 * The materializations of a run: seed (a CSV through DuckDB's read_csv),
 * table, view (a DuckDB view and an Iceberg view), incremental (append, or
 * rewrite by unique_key), ephemeral (inlined), dbt-duckdb's external
 * (files read through a view, or an Iceberg table); contracts, pre- and
 * post-hooks, and whether a table's result is kept for its readers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbt_relation.h"
#include "dbt_artifacts.h"
#include "dbt_context.h"
#include "dbt_external.h"
#include "dbt_materialize.h"
#include "dbt_names.h"
#include "dbt_runtime.h"
#include "dbt_tests.h"

static const json_t *hook_config(const dbt_node *n, const char *dash, const char *under)
{
	const json_t *h = json_object_get(n->config, dash);
	return h ? h : json_object_get(n->config, under);
}

/* read_csv of a seed: RFC 4180, the header, the configured delimiter;
 * types (an object of column name -> type) for the columns it names, or
 * every column as VARCHAR when all_varchar */
static int seed_read_csv(floe_buf *q, floe_dbt *d, const dbt_node *n, const json_t *types,
                         bool all_varchar)
{
	const char *delim = json_string_value(json_object_get(n->config, "delimiter"));
	char *abs = floe_asprintf("%s/%s", d->dir, n->path);
	const char *k;
	json_t *v;
	bool first = true;
	int rc = abs ? 0 : FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_buf_puts(q, "read_csv(");
	if (rc == 0)
		rc = floe_buf_put_sql_string(q, abs);
	if (rc == 0)
		/* skip = 0: the sniffer may otherwise skip rows up to one it likes
		 * and read the rest under that "header", silently */
		rc = floe_buf_puts(
		    q, ", header = true, skip = 0, quote = '\"', escape = '\"', delim = ");
	if (rc == 0)
		rc = floe_buf_put_sql_string(q, delim ? delim : ",");
	if (rc == 0 && all_varchar)
		rc = floe_buf_puts(q, ", all_varchar = true");
	if (rc == 0 && json_object_size(types) > 0) {
		rc = floe_buf_puts(q, ", types = {");
		json_object_foreach((json_t *)types, k, v)
		{
			if (rc == 0 && !first)
				rc = floe_buf_puts(q, ", ");
			first = false;
			if (rc == 0)
				rc = floe_buf_put_sql_string(q, k);
			if (rc == 0)
				rc = floe_buf_puts(q, ": ");
			if (rc == 0)
				rc = floe_buf_put_sql_string(
				    q, json_string_value(v) ? json_string_value(v) : "VARCHAR");
		}
		if (rc == 0)
			rc = floe_buf_puts(q, "}");
	}
	if (rc == 0)
		rc = floe_buf_puts(q, ")");
	floe_free(abs);
	return rc;
}

/*
 * Seed column types as dbt infers them: agate's TypeTester over every row
 * with dbt's testers in dbt's order (dbt_common.clients.agate_helper:
 * Integer, which never accepts a CSV string; Number; Date "%Y-%m-%d";
 * DateTime "%Y-%m-%d %H:%M:%S"; ISODateTime; Boolean "true"/"false";
 * Text), each accepting '' and 'null' (any case, after strip) as null;
 * the first tester every value of the column passes wins. The adapter
 * turns the agate type into a column type (convert_number_type: float8
 * when a value has decimal places after Decimal.normalize(), else
 * integer). Here every tester is a SQL predicate over the CSV read as
 * VARCHAR, all columns in one aggregate query:
 *  - Number: Python's Decimal syntax (digits with an optional fraction and
 *    exponent, inf, nan) after agate's strip of '%', a leading '-', the
 *    currency symbols and the ',' group separators (dbt then fails to load
 *    "1,000" or "$5" into the integer column, as floe's read does);
 *  - Date/DateTime: the regular expressions of Python's strptime for those
 *    formats (one-digit months, days and times accepted) and a real date;
 *  - ISODateTime: isodate's calendar dates (YYYY-MM-DD, YYYYMMDD) with 'T'
 *    and a time (hh[:mm[:ss]][.f]) and zone; isodate's week and ordinal
 *    dates become VARCHAR here (dbt's COPY would not read them as
 *    timestamps either);
 *  - Boolean: after removing ','.
 * DuckDB then reads the CSV with those types for every column, as
 * dbt-duckdb's COPY FROM fills the table it created with them.
 */
#define SEED_WS "[[:space:]]"
#define SEED_CURRENCY                                                                              \
	"[\u060b$\u0192\u17db\u00a5\u20a1\u20b1\u00a3\u20ac\u00a2\ufdfc\u20aa\u20a9\u20ad\u20ae"   \
	"\u20a6\u0e3f\u20a4\u20ab]"
#define SEED_NUMBER_RE                                                                             \
	"(?i)%*-?" SEED_CURRENCY "*" SEED_WS                                                       \
	"*[+-]?(([0-9,]*[0-9][0-9,]*(\\.[0-9,]*)?|,*\\.[0-9,]*[0-9]"                               \
	"[0-9,]*)(e[+-]?,*[0-9][0-9,]*)?|inf|infinity|s?nan[0-9]*)" SEED_WS "*" SEED_CURRENCY      \
	"*%*"
#define SEED_DATE_RE "[0-9]{4}-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12][0-9]|0[1-9]|[1-9]| [1-9])"
#define SEED_YMD(src, re)                                                                          \
	"(TRY(make_date(TRY_CAST(regexp_extract(" src ", '" re "', 1) AS INTEGER), "               \
	"TRY_CAST(regexp_extract(" src ", '" re "', 2) AS INTEGER), "                              \
	"TRY_CAST(trim(regexp_extract(" src ", '" re "', 3)) AS INTEGER))) IS NOT NULL AND "       \
	"TRY_CAST(regexp_extract(" src ", '" re "', 1) AS INTEGER) >= 1)"

enum { SEED_TESTS = 6 };

/* the aggregates testing column i: @s stands for s<i> (the value stripped
 * of whitespace), @r for r<i> (as read), @n / @e / @m for n_s<i>, e_s<i>
 * and m_s<i> (the number with the group separators removed, its exponent
 * and its mantissa's digits) */
static const char seed_tests_template[] =
    /* Number */
    "coalesce(bool_and(@s IS NULL OR lower(@s) IN ('', 'null') OR "
    "regexp_full_match(@s, '" SEED_NUMBER_RE "')), true), "
    /* a Number with decimal places (Decimal.normalize() drops trailing
     * zeros; zero, inf and nan have none) */
    "coalesce(bool_or(regexp_full_match(@s, '" SEED_NUMBER_RE "') AND "
    "ltrim(@m, '0') <> '' AND length(split_part(@n, '.', 2)) - "
    "coalesce(TRY_CAST(substr(@e, 2) AS BIGINT), 0) - "
    "(length(@m) - length(rtrim(@m, '0'))) > 0), false), "
    /* Date */
    "coalesce(bool_and(@s IS NULL OR lower(@s) IN ('', 'null') OR "
    "(regexp_full_match(@s, '" SEED_DATE_RE "') AND " SEED_YMD(
        "@s",
        "^([0-9]+)-([0-9]+)-( ?[0-9]+)") ")), true), "
                                         /* DateTime */
                                         "coalesce(bool_and(@s IS NULL OR lower(@s) IN ('', "
                                         "'null') OR "
                                         "(regexp_full_match(@s, '" SEED_DATE_RE SEED_WS
                                         "+(2[0-3]|[01][0-9]|[0-9]):([0-5][0-9]|[0-9]):([0-5][0-9]|"
                                         "[0-9])') AND " SEED_YMD(
                                             "@s",
                                             "^([0-9]+)-([0-9]+)-( ?[0-9]+)") ")), true), "
                                                                              /* ISODateTime */
                                                                              "coalesce(bool_and(@"
                                                                              "s IS NULL OR "
                                                                              "lower(@s) IN ('', "
                                                                              "'null') OR "
                                                                              "(regexp_full_match(@"
                                                                              "s, "
                                                                              "'([0-9]{4}-[0-9]{2}-"
                                                                              "[0-9]{2}|[0-9]{8})T("
                                                                              "[01][0-9]|2[0-3])"
                                                                              "(:?[0-5][0-9](:?[0-"
                                                                              "5][0-9])?)?([.,][0-"
                                                                              "9]+)?(Z|[+-][0-9]{2}"
                                                                              "(:?[0-9]{2})?)?') "
                                                                              "AND " SEED_YMD(
                                                                                  "@s",
                                                                                  "^([0-9]{4})-?(["
                                                                                  "0-9]{2})-?([0-9]"
                                                                                  "{2})T") ")), "
                                                                                           "true), "
                                                                                           /* Boolean
                                                                                            */
                                                                                           "coalesc"
                                                                                           "e(bool_"
                                                                                           "and(@r "
                                                                                           "IS "
                                                                                           "NULL "
                                                                                           "OR "
                                                                                           "lower("
                                                                                           "trim("
                                                                                           "replace"
                                                                                           "(@r, "
                                                                                           "',', "
                                                                                           "''))) "
                                                                                           "IN "
                                                                                           "('', "
                                                                                           "'null',"
                                                                                           " 'true'"
                                                                                           ", "
                                                                                           "'false'"
                                                                                           ")), "
                                                                                           "true)";

static int seed_tests_sql(floe_buf *q, size_t i)
{
	int rc = 0;
	for (const char *p = seed_tests_template; rc == 0 && *p; p++) {
		if (*p != '@') {
			rc = floe_buf_putc(q, *p);
			continue;
		}
		p++;
		if (*p == 's' || *p == 'r')
			rc = floe_buf_printf(q, "%c%zu", *p, i);
		else
			rc = floe_buf_printf(q, "%c_s%zu", *p, i);
	}
	return rc;
}

/* the per-row values column col (number i) is tested on: s<i>, stripped
 * of whitespace as agate strips, and r<i>, as read */
static int seed_row_sql(floe_buf *q, size_t i, const char *col)
{
	int rc = floe_buf_puts(q, i ? ", regexp_replace(" : "regexp_replace(");
	if (rc == 0)
		rc = floe_buf_put_sql_ident(q, col);
	if (rc == 0)
		rc = floe_buf_printf(q, ", '^" SEED_WS "+|" SEED_WS "+$', '', 'g') AS s%zu, ", i);
	if (rc == 0)
		rc = floe_buf_put_sql_ident(q, col);
	if (rc == 0)
		rc = floe_buf_printf(q, " AS r%zu", i);
	return rc;
}

static int seed_infer_types(dbt_worker *w, dbt_node *n, const floe_engine_rows *cols,
                            const json_t *overrides, json_t *types)
{
	floe_buf q = FLOE_BUF_INIT;
	floe_engine_rows *res = NULL;
	size_t ncols = cols->nrows;
	int rc = floe_buf_puts(&q, "SELECT ");
	for (size_t i = 0; rc == 0 && i < ncols; i++) {
		rc = floe_buf_puts(&q, i ? ", " : "");
		if (rc == 0)
			rc = seed_tests_sql(&q, i);
	}
	if (rc == 0)
		rc = floe_buf_puts(&q, " FROM (SELECT *");
	for (size_t i = 0; rc == 0 && i < ncols; i++)
		rc = floe_buf_printf(&q, ", replace(n_s%zu, '.', '') AS m_s%zu", i, i);
	if (rc == 0)
		rc = floe_buf_puts(&q, " FROM (SELECT *");
	for (size_t i = 0; rc == 0 && i < ncols; i++)
		rc = floe_buf_printf(&q,
		                     ", regexp_extract(replace(s%zu, ',', ''), "
		                     "'([0-9]+\\.?[0-9]*|\\.[0-9]+)(e[+-]?[0-9]+)?', "
		                     "1) AS n_s%zu, regexp_extract(lower(replace(s%zu, ',', '')), "
		                     "'([0-9]+\\.?[0-9]*|\\.[0-9]+)(e[+-]?[0-9]+)?', 2) AS e_s%zu",
		                     i, i, i, i);
	if (rc == 0)
		rc = floe_buf_puts(&q, " FROM (SELECT ");
	for (size_t i = 0; rc == 0 && i < ncols; i++)
		rc = seed_row_sql(&q, i, cols->rows[i][0]);
	if (rc == 0)
		rc = floe_buf_puts(&q, " FROM ");
	if (rc == 0)
		rc = seed_read_csv(&q, w->d, n, NULL, true);
	if (rc == 0)
		rc = floe_buf_puts(&q, ")))");
	if (rc == 0)
		rc = floe_engine_query_rows(w->engine, q.ptr, 1, &res);
	if (rc != 0)
		floe_error_prefix("%s: inferring the seed's column types: ", n->path);
	for (size_t i = 0; rc == 0 && i < ncols; i++) {
		const char *name = cols->rows[i][0];
		char **t = res->rows[0] + i * SEED_TESTS;
		const char *type;
		json_t *over = json_object_get(overrides, name);
		if (over) {
			rc = json_object_set(types, name, over) ? FLOE_ENOMEM : 0;
			continue;
		}
		if (floe_str_eq(t[0], "true"))
			type = floe_str_eq(t[1], "true") ? "DOUBLE" : "INTEGER";
		else if (floe_str_eq(t[2], "true"))
			type = "DATE";
		else if (floe_str_eq(t[3], "true") || floe_str_eq(t[4], "true"))
			type = "TIMESTAMP";
		else if (floe_str_eq(t[5], "true"))
			type = "BOOLEAN";
		else
			type = "VARCHAR";
		rc = json_object_set_new(types, name, json_string(type)) ? FLOE_ENOMEM : 0;
	}
	floe_engine_rows_free(res);
	floe_buf_free(&q);
	return rc;
}

/* The query loading a seed (dbt-duckdb's seed: the CSV's header names the
 * columns, typed as dbt infers them, see above). column_types override
 * the inferred types of the columns they name (as in dbt, names the CSV
 * lacks are ignored, with a warning); quote_columns: false creates the
 * columns unquoted, so a header that is no plain identifier is an error,
 * as dbt's unquoted DDL would be. */
static int seed_query(dbt_worker *w, dbt_node *n, char **out)
{
	floe_dbt *d = w->d;
	const json_t *overrides = json_object_get(n->config, "column_types");
	bool unquoted = json_is_false(json_object_get(n->config, "quote_columns"));
	floe_buf q = FLOE_BUF_INIT, base = FLOE_BUF_INIT;
	floe_engine_rows *cols = NULL;
	json_t *types = json_object();
	char *describe = NULL;
	int rc = types ? seed_read_csv(&base, d, n, NULL, true) : FLOE_ENOMEM;
	*out = NULL;
	if (rc == 0) {
		describe =
		    floe_asprintf("SELECT column_name FROM (DESCRIBE SELECT * FROM %s)", base.ptr);
		rc = describe ? floe_engine_query_rows(w->engine, describe, 0, &cols) : FLOE_ENOMEM;
	}
	if (rc == 0 && json_is_object(overrides)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)overrides, k, v)
		{
			bool found = false;
			for (size_t i = 0; i < cols->nrows; i++)
				found |= floe_str_eq(cols->rows[i][0], k);
			if (!found)
				floe_log(FLOE_LOG_WARN,
				         "%s: column_types names '%s', which the CSV does not have "
				         "(ignored)",
				         n->path, k);
		}
	}
	if (rc == 0)
		rc = seed_infer_types(w, n, cols, json_is_object(overrides) ? overrides : NULL,
		                      types);
	for (size_t i = 0; rc == 0 && unquoted && i < cols->nrows; i++)
		if (!dbt_plain_identifier(cols->rows[i][0]))
			rc = floe_error_set(
			    FLOE_EINVAL,
			    "%s: column '%s' needs quoting, but quote_columns is false", n->path,
			    cols->rows[i][0]);
	if (rc == 0 && unquoted) {
		/* the DDL dbt would run: a reserved word fails here as it would there */
		floe_buf_puts(&q, "CREATE OR REPLACE TEMP TABLE floe_seed_probe (");
		for (size_t i = 0; i < cols->nrows; i++)
			floe_buf_printf(&q, "%s%s VARCHAR", i ? ", " : "", cols->rows[i][0]);
		rc = floe_buf_puts(&q, "); DROP TABLE floe_seed_probe");
		if (rc == 0 && (rc = floe_engine_exec(w->engine, q.ptr)) != 0)
			floe_error_prefix("%s: quote_columns is false: ", n->path);
		floe_buf_reset(&q);
	}
	if (rc == 0) {
		floe_buf_reset(&base);
		rc = floe_buf_puts(&q, "SELECT ");
		if (rc == 0 && unquoted) {
			/* the columns as unquoted identifiers (keywords fail here) */
			for (size_t i = 0; i < cols->nrows; i++) {
				floe_buf_puts(&q, i ? ", " : "");
				floe_buf_put_sql_ident(&q, cols->rows[i][0]);
				floe_buf_printf(&q, " AS %s", cols->rows[i][0]);
			}
		} else if (rc == 0) {
			rc = floe_buf_puts(&q, "*");
		}
		if (rc == 0)
			rc = floe_buf_puts(&q, " FROM ");
		if (rc == 0)
			rc = seed_read_csv(&q, d, n, types, false);
	}
	if (rc == 0 && (*out = floe_buf_detach(&q, NULL)) == NULL)
		rc = FLOE_ENOMEM;
	floe_buf_free(&q);
	floe_buf_free(&base);
	floe_engine_rows_free(cols);
	json_decref(types);
	floe_free(describe);
	return rc;
}

/* contract: {enforced: true}: the query's columns must be the declared
 * ones, in order, with the declared data_type (compared as DuckDB renders
 * the type, case-insensitively). Checked before anything is written. */
static int check_contract(dbt_worker *w, dbt_node *n)
{
	const json_t *contract = json_object_get(n->config, "contract");
	const json_t *cols = json_object_get(n->yaml, "columns"), *c;
	char *sql;
	floe_engine_rows *r = NULL;
	floe_buf bad = FLOE_BUF_INIT;
	size_t i;
	int rc;
	if (!json_is_true(json_object_get(contract, "enforced")))
		return 0;
	sql = floe_asprintf("SELECT column_name, column_type FROM (DESCRIBE (%s\n))", n->compiled);
	if (sql == NULL)
		return FLOE_ENOMEM;
	rc = floe_engine_query_rows(w->engine, sql, 0, &r);
	floe_free(sql);
	if (rc)
		return rc;
	json_array_foreach(cols, i, c)
	{
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *type = json_string_value(json_object_get(c, "data_type"));
		bool found = false;
		for (size_t k = 0; name && k < r->nrows; k++) {
			if (strcasecmp(r->rows[k][0], name) != 0)
				continue;
			found = true;
			if (type && strcasecmp(r->rows[k][1], type) != 0)
				floe_buf_printf(&bad, "%s%s: declared %s, query gives %s",
				                bad.len ? "; " : "", name, type, r->rows[k][1]);
		}
		if (name && !found)
			floe_buf_printf(&bad, "%s%s: declared, missing from the query",
			                bad.len ? "; " : "", name);
	}
	for (size_t k = 0; k < r->nrows; k++) {
		bool declared = false;
		json_array_foreach(cols, i, c) declared |=
		    floe_str_eq(json_string_value(json_object_get(c, "name")), r->rows[k][0]);
		if (!declared)
			floe_buf_printf(&bad, "%s%s: in the query, not declared",
			                bad.len ? "; " : "", r->rows[k][0]);
	}
	if (floe_buf_error(&bad)) /* a failed buffer is empty: never a met contract */
		rc = floe_buf_error(&bad);
	else if (bad.len)
		rc = floe_error_set(FLOE_EINVAL, "contract of %s is not met: %s", n->name, bad.ptr);
	floe_buf_free(&bad);
	floe_engine_rows_free(r);
	return rc;
}

/* An incremental model on an existing table: without unique_key the new
 * rows are appended (a new append snapshot); with unique_key the table is
 * rewritten as its rows whose key is not in the new rows plus the new rows
 * (one overwrite snapshot, history kept). */
static int incremental_query(dbt_worker *w, dbt_node *n, char **query, floe_write_mode *mode)
{
	const json_t *key = json_object_get(n->config, "unique_key"), *k;
	char *rel = dbt_relation(n), *q = NULL;
	floe_buf cond = FLOE_BUF_INIT;
	size_t i;
	int rc = 0;
	if (rel == NULL)
		return FLOE_ENOMEM;
	pthread_mutex_lock(&w->d->ddl_mu);
	rc = floe_table_expose(w->engine, w->catalog, n->schema, n->alias, -1);
	pthread_mutex_unlock(&w->d->ddl_mu);
	if (rc) {
		floe_free(rel);
		return rc;
	}
	if (key == NULL || json_is_null(key)) {
		*mode = FLOE_WRITE_APPEND;
		floe_free(rel);
		return 0;
	}
	if (json_is_string(key)) {
		floe_buf_printf(&cond, "n.\"%s\" = t.\"%s\"", json_string_value(key),
		                json_string_value(key));
	} else {
		json_array_foreach(key, i, k)
		    floe_buf_printf(&cond, "%sn.\"%s\" = t.\"%s\"", i ? " AND " : "",
		                    json_string_value(k), json_string_value(k));
	}
	/* a failed condition buffer must not become "false" (every old row
	 * kept next to its replacement) */
	rc = floe_buf_error(&cond);
	if (rc == 0) {
		q = floe_asprintf(
		    "SELECT * FROM %s AS t WHERE NOT EXISTS (SELECT 1 FROM (%s\n) AS n "
		    "WHERE %s) UNION ALL BY NAME SELECT * FROM (%s\n) AS n",
		    rel, *query, cond.ptr ? cond.ptr : "false", *query);
		if (q == NULL)
			rc = FLOE_ENOMEM;
	}
	if (rc == 0) {
		floe_free(*query);
		*query = q;
		*mode = FLOE_WRITE_REPLACE;
	}
	floe_buf_free(&cond);
	floe_free(rel);
	return rc;
}

/* The node as a view over `sql`: a DuckDB view for this run's later
 * models, and an Iceberg view in the catalog (its SQL and schema) for
 * every later reader (view models, external files). */
static int make_view(dbt_worker *w, dbt_node *n, const char *sql)
{
	char *rel = dbt_relation(n);
	char *ddl = rel ? floe_asprintf("CREATE SCHEMA IF NOT EXISTS \"%s\"; CREATE OR REPLACE "
	                                "VIEW %s AS %s",
	                                n->schema, rel, sql)
	                : NULL;
	floe_ice_schema *vs = NULL;
	char *sel = NULL;
	int next_id = 1, rc;
	pthread_mutex_lock(&w->d->ddl_mu);
	rc = ddl ? floe_engine_exec(w->engine, ddl) : FLOE_ENOMEM;
	if (rc == 0)
		rc = floe_engine_describe(w->engine, sql, NULL, &next_id, &vs, &sel);
	if (rc == 0) {
		rc = floe_catalog_replace_view(w->catalog, n->schema, n->alias, sql, vs);
		if (rc == FLOE_EUNSUPPORTED) {
			floe_log(FLOE_LOG_WARN, "%s: view kept for this run only: %s", n->path,
			         floe_error_message());
			floe_error_clear();
			rc = 0;
		}
	}
	pthread_mutex_unlock(&w->d->ddl_mu);
	floe_ice_schema_free(vs);
	floe_free(sel);
	floe_free(ddl);
	floe_free(rel);
	return rc;
}

/* An existing Iceberg table keeps its location (Iceberg tables do not
 * move): say so when the config names another one. */
static void warn_kept_location(dbt_worker *w, const dbt_node *n, const char *wanted)
{
	floe_ice_metadata *m = NULL;
	if (wanted == NULL || floe_catalog_table_exists(w->catalog, n->schema, n->alias) != 1 ||
	    floe_catalog_load_table(w->catalog, n->schema, n->alias, &m, NULL) != 0) {
		floe_error_clear();
		return;
	}
	if (strcmp(floe_ice_metadata_location(m), wanted) != 0)
		floe_log(FLOE_LOG_WARN,
		         "%s: table %s.%s keeps its location %s (the config names %s; an existing "
		         "Iceberg table does not move)",
		         n->path, n->schema, n->alias, floe_ice_metadata_location(m), wanted);
	floe_ice_metadata_free(m);
}

/* Keeping a result pays where per-statement costs dominate, on small data:
 * planning the query once and reading memory beat streaming the query into
 * Parquet below about this much input; above it the extra materialization
 * costs more than it saves (bench/jaffle.sh at raw scales 1, 100, 1000). */
#define KEEP_SMALL_INPUTS ((int64_t)128 << 10)

static void add_input_bytes(floe_dbt *d, dbt_node *p, void *arg)
{
	int64_t *sum = arg;
	(void)d;
	/* only inputs this run wrote know their size */
	if (*sum < 0 || p->status != ST_PASS || (p->kind != DBT_SEED && p->kind != DBT_MODEL))
		*sum = -1;
	else
		*sum += p->bytes;
}

/* a seed's CSV, or all the inputs of a model, small enough to keep */
static bool small_inputs(floe_dbt *d, dbt_node *n)
{
	int64_t sum = 0;
	if (n->kind == DBT_SEED) {
		char *csv = floe_asprintf("%s/%s", d->dir, n->path);
		bool ok = csv && floe_storage_size(&sum, csv) == 0;
		floe_free(csv);
		floe_error_clear();
		return ok && sum <= KEEP_SMALL_INPUTS;
	}
	if (n->nparents == 0)
		return false; /* nothing says how large it is */
	dbt_each_input(d, n, add_input_bytes, &sum, 0);
	return sum >= 0 && sum <= KEEP_SMALL_INPUTS;
}

/* Does n's table write leave its commit pending (floe_write_options)?
 * A seed or table model whose result is kept for its readers and that has
 * no post-hook (a post-hook runs after the commit). */
bool dbt_defers_commit(floe_dbt *d, dbt_node *n)
{
	const char *m = dbt_mat(n);
	if (n->kind == DBT_MODEL && strcmp(m, "table") != 0 &&
	    !(strcmp(m, "external") == 0 && dbt_external_is_iceberg(n)))
		return false;
	return (n->kind == DBT_SEED || n->kind == DBT_MODEL) && n->readers > 0 &&
	       hook_config(n, "post-hook", "post_hook") == NULL && small_inputs(d, n);
}

/* Run a node. pending (NULL: commit in place) gets the commit of a table
 * write that defers it (n->defers, from defers_commit when it started):
 * the node's readers may start on its kept result while the caller
 * commits. */
int dbt_run_node(dbt_worker *w, dbt_node *n, floe_table_pending **pending)
{
	floe_dbt *d = w->d;
	floe_write_result res;
	char *query = NULL, *location = NULL, *view_sql = NULL;
	const char *mat = dbt_mat(n);
	bool external = n->kind == DBT_MODEL && strcmp(mat, "external") == 0;
	bool files = external && !dbt_external_is_iceberg(n);
	dbt_external ext;
	int rc = 0;
	if (n->kind == DBT_TEST)
		return dbt_run_test(w, n);
	memset(&ext, 0, sizeof(ext));
	dbt_jinja_lock(w);
	if (n->kind != DBT_SEED) {
		floe_free(n->compiled);
		n->compiled = NULL;
		rc = dbt_render(d, n, false, &n->compiled);
	}
	/* external models: where the files (or the Iceberg table) go */
	if (rc == 0 && files)
		rc = dbt_external_plan(d, n, &ext);
	else if (rc == 0 && external)
		rc = dbt_external_iceberg_location(d, n, &location);
	dbt_jinja_unlock(w);
	if (rc == 0 && n->compiled)
		rc = dbt_write_compiled(d, n);
	if (rc) {
		dbt_external_free(&ext);
		floe_free(location);
		return rc;
	}
	if ((rc = dbt_ensure_namespace(w, n->schema)) != 0) {
		dbt_external_free(&ext);
		floe_free(location);
		return rc;
	}
	if (n->kind == DBT_SEED) {
		rc = seed_query(w, n, &query);
	} else if (strcmp(mat, "ephemeral") == 0) {
		n->status = ST_PASS;
		return 0;
	} else if (strcmp(mat, "view") == 0 || files) {
		if (hook_config(n, "pre-hook", "pre_hook"))
			rc =
			    dbt_run_hooks(w, n, hook_config(n, "pre-hook", "pre_hook"), "pre-hook");
		if (rc == 0 && files)
			rc = dbt_external_write(w, n, &ext, &view_sql);
		if (rc == 0)
			rc = make_view(w, n, files ? view_sql : n->compiled);
		if (rc == 0 && hook_config(n, "post-hook", "post_hook"))
			rc = dbt_run_hooks(w, n, hook_config(n, "post-hook", "post_hook"),
			                   "post-hook");
		n->status = rc ? ST_ERROR : ST_PASS;
		dbt_external_free(&ext);
		floe_free(view_sql);
		return rc;
	} else if (strcmp(mat, "table") == 0 || strcmp(mat, "incremental") == 0 || external) {
		rc = check_contract(w, n);
		if (rc == 0 && (query = floe_strdup(n->compiled)) == NULL)
			rc = FLOE_ENOMEM;
	} else {
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "%s: materialization '%s' is not supported", n->path, mat);
	}
	if (rc == 0 && hook_config(n, "pre-hook", "pre_hook"))
		rc = dbt_run_hooks(w, n, hook_config(n, "pre-hook", "pre_hook"), "pre-hook");
	if (rc == 0) {
		floe_write_mode mode = FLOE_WRITE_REPLACE;
		if (strcmp(mat, "incremental") == 0 && !d->opts.full_refresh &&
		    floe_catalog_table_exists(w->catalog, n->schema, n->alias) == 1)
			rc = incremental_query(w, n, &query, &mode);
		warn_kept_location(w, n, location);
		if (rc == 0) {
			/* later nodes of this run read the result from memory */
			floe_write_options wo = {
			    .keep_result = n->defers || (n->readers > 0 && small_inputs(d, n)),
			    .location = location,
			    .pending = pending && n->defers ? pending : NULL};
			rc = floe_table_write_with(w->engine, w->catalog, n->schema, n->alias,
			                           query, mode, &wo, &res);
		}
		if (rc == 0) {
			n->kept = res.kept;
			n->bytes = res.bytes;
			if (n->kept)
				floe_log(FLOE_LOG_DEBUG, "%s: result kept in memory for %d readers",
				         n->unique_id, n->readers);
		}
	}
	if (rc == 0) {
		/* DuckDB catalog changes (schemas, views) from two connections at
		 * once conflict: serialize them */
		pthread_mutex_lock(&d->ddl_mu);
		rc = floe_table_expose(w->engine, w->catalog, n->schema, n->alias, -1);
		pthread_mutex_unlock(&d->ddl_mu);
	}
	if (rc == 0 && hook_config(n, "post-hook", "post_hook"))
		rc = dbt_run_hooks(w, n, hook_config(n, "post-hook", "post_hook"), "post-hook");
	if (rc == 0) {
		n->rows = res.rows;
		n->status = ST_PASS;
	}
	floe_free(query);
	floe_free(location);
	return rc;
}

/* Run hooks (a string or a list of strings): rendered with the node as
 * `this`, executed in DuckDB. dbt's config key is pre-hook / post-hook
 * (pre_hook / post_hook in config() calls). */
int dbt_run_hooks(dbt_worker *w, dbt_node *n, const json_t *hooks, const char *what)
{
	floe_dbt *d = w->d;
	size_t i;
	const json_t *h;
	json_t *list =
	    json_is_string(hooks) ? json_pack("[O]", hooks) : json_incref((json_t *)hooks);
	int rc = 0;
	json_array_foreach(list, i, h)
	{
		const char *sql = json_string_value(h);
		floe_buf b = FLOE_BUF_INIT;
		if (json_is_object(h))
			sql = json_string_value(json_object_get(h, "sql"));
		if (sql == NULL)
			continue;
		dbt_jinja_lock(w);
		if (n) { /* `this` is the node's relation object, as in dbt */
			json_t *rel = dbt_node_relation(d, n);
			if (rel)
				floe_jinja_set_global(d->jinja, "this", rel);
			json_decref(rel);
		}
		rc = floe_jinja_render(d->jinja, sql, what, &b);
		dbt_jinja_unlock(w);
		if (rc == 0 && b.len > 0)
			rc = floe_engine_exec(w->engine, b.ptr);
		if (rc)
			floe_error_prefix("%s: ", what);
		floe_buf_free(&b);
		if (rc)
			break;
	}
	json_decref(list);
	return rc;
}
