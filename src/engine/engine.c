/*
 * DuckDB through its stable C API: opening an in-memory database with
 * floe's settings (DUCKDB-FACTS.md "What floe should do about it" 2), running
 * scripts statement by statement, and collecting results as text or JSON.
 * Only the non-deprecated chunk API is used.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_internal.h"

int floe_engine_error(const char *what, const char *msg)
{
	return floe_error_set(FLOE_EENGINE, "%s%s", what ? what : "",
	                      msg ? msg : "DuckDB reported an unknown error");
}

duckdb_connection floe_engine_connection(floe_engine *e)
{
	return e->con;
}

/* ---- which table a DuckDB error is about ---- */

int floe_engine_note_table(floe_engine *e, const char *ns, const char *name, const char *location)
{
	floe_kept_set *k = e->kept;
	char *dir = floe_storage_local_path(location), *ident = NULL, *d = NULL;
	int rc = 0;
	size_t i;
	if (dir == NULL || (d = floe_asprintf("%s/", dir)) == NULL ||
	    (ident = floe_asprintf("%s.%s", ns, name)) == NULL)
		rc = FLOE_ENOMEM;
	pthread_mutex_lock(&k->mu);
	for (i = 0; rc == 0 && i < k->ntables; i++)
		if (strcmp(k->tables[i].ident, ident) == 0)
			break;
	if (rc == 0 && i < k->ntables) {
		floe_free(k->tables[i].dir);
		k->tables[i].dir = d;
		d = NULL;
	} else if (rc == 0) {
		floe_table_dir *g = floe_realloc(k->tables, (k->ntables + 1) * sizeof(*g));
		if (g == NULL) {
			rc = FLOE_ENOMEM;
		} else {
			k->tables = g;
			k->tables[k->ntables++] = (floe_table_dir){ident, d};
			ident = d = NULL;
		}
	}
	pthread_mutex_unlock(&k->mu);
	floe_free(ident);
	floe_free(d);
	floe_free(dir);
	return rc;
}

/* DuckDB's error, with the table named when the message names a file in
 * one that this database exposes (a data file missing or corrupt). */
static int engine_error(floe_engine *e, const char *what, const char *msg)
{
	floe_kept_set *k = e->kept;
	const char *ident = NULL;
	int rc = floe_engine_error(what, msg);
	if (msg == NULL || k == NULL)
		return rc;
	pthread_mutex_lock(&k->mu);
	for (size_t i = 0; i < k->ntables && ident == NULL; i++)
		if (strstr(msg, k->tables[i].dir) != NULL)
			ident = k->tables[i].ident;
	if (ident)
		floe_error_set(rc, "table %s: %s%s", ident, what ? what : "", msg);
	pthread_mutex_unlock(&k->mu);
	return rc;
}

int floe_engine_open(floe_engine **out, const floe_engine_options *opts)
{
	floe_engine *e = floe_calloc(1, sizeof(*e));
	duckdb_config cfg = NULL;
	char *err = NULL, num[16];
	int rc = 0;
	*out = NULL;
	if (e == NULL)
		return FLOE_ENOMEM;
	if (opts && opts->temp_dir) {
		e->temp_dir = floe_strdup(opts->temp_dir);
	} else {
		const char *tmp = getenv("TMPDIR");
		e->temp_dir = floe_asprintf("%s/floe-duckdb-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (e->temp_dir && mkdtemp(e->temp_dir) == NULL) {
			rc = floe_error_set(FLOE_EIO,
			                    "cannot create a temporary directory in %s: %s",
			                    tmp && *tmp ? tmp : "/tmp", strerror(errno));
			goto done;
		}
		e->own_temp = true;
	}
	if (e->temp_dir == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if (duckdb_create_config(&cfg) == DuckDBError) {
		rc = floe_error_set(FLOE_ENOMEM, "duckdb: cannot create a config");
		goto done;
	}
	duckdb_set_config(cfg, "autoinstall_known_extensions", "false");
	duckdb_set_config(cfg, "autoload_known_extensions", "false");
	duckdb_set_config(cfg, "temp_directory", e->temp_dir);
	if (opts && opts->threads > 0) {
		snprintf(num, sizeof(num), "%d", opts->threads);
		duckdb_set_config(cfg, "threads", num);
	}
	if (opts && opts->memory_limit)
		duckdb_set_config(cfg, "memory_limit", opts->memory_limit);
	if (duckdb_open_ext(NULL, &e->db, cfg, &err) == DuckDBError) {
		rc = floe_engine_error("cannot open DuckDB: ", err);
		duckdb_free(err);
		goto done;
	}
	e->db_open = true;
	if (duckdb_connect(e->db, &e->con) == DuckDBError) {
		rc = floe_error_set(FLOE_EENGINE, "cannot connect to DuckDB");
		goto done;
	}
	e->con_open = true;
	if ((e->kept = floe_calloc(1, sizeof(*e->kept))) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	pthread_mutex_init(&e->kept->mu, NULL);
	rc = floe_engine_exec(e, "SET GLOBAL TimeZone = 'UTC'");
done:
	if (cfg)
		duckdb_destroy_config(&cfg);
	if (rc) {
		floe_engine_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int floe_engine_connect(floe_engine **out, floe_engine *parent)
{
	floe_engine *e = floe_calloc(1, sizeof(*e));
	*out = NULL;
	if (e == NULL)
		return FLOE_ENOMEM;
	e->db = parent->db;
	e->shared_db = true;
	e->kept = parent->kept;
	if (duckdb_connect(e->db, &e->con) == DuckDBError) {
		floe_free(e);
		return floe_error_set(FLOE_EENGINE, "cannot open another DuckDB connection");
	}
	e->con_open = true;
	*out = e;
	return 0;
}

void floe_engine_free(floe_engine *e)
{
	if (e == NULL)
		return;
	if (e->con_open)
		duckdb_disconnect(&e->con);
	if (e->db_open && !e->shared_db)
		duckdb_close(&e->db);
	if (e->kept && !e->shared_db) {
		for (size_t i = 0; i < e->kept->n; i++) {
			floe_free(e->kept->items[i].ns);
			floe_free(e->kept->items[i].name);
			floe_free(e->kept->items[i].body);
		}
		floe_free(e->kept->items);
		for (size_t i = 0; i < e->kept->nschemas; i++)
			floe_free(e->kept->schemas[i]);
		floe_free(e->kept->schemas);
		for (size_t i = 0; i < e->kept->ntables; i++) {
			floe_free(e->kept->tables[i].ident);
			floe_free(e->kept->tables[i].dir);
		}
		floe_free(e->kept->tables);
		for (size_t i = 0; i < e->kept->nmemos; i++) {
			floe_free(e->kept->memos[i].ident);
			floe_free(e->kept->memos[i].uuid);
			floe_ice_data_files_free(e->kept->memos[i].files, e->kept->memos[i].n);
		}
		floe_free(e->kept->memos);
		pthread_mutex_destroy(&e->kept->mu);
		floe_free(e->kept);
	}
	if (e->own_temp && e->temp_dir)
		floe_storage_delete_tree(e->temp_dir);
	floe_free(e->temp_dir);
	floe_free(e);
}

int floe_engine_exec(floe_engine *e, const char *sql)
{
	duckdb_extracted_statements ex = NULL;
	idx_t n = duckdb_extract_statements(e->con, sql, &ex);
	int rc = 0;
	if (n == 0) {
		const char *msg = duckdb_extract_statements_error(ex);
		rc = msg ? floe_engine_error("", msg) : 0;
		duckdb_destroy_extracted(&ex);
		return rc;
	}
	for (idx_t i = 0; i < n && rc == 0; i++) {
		duckdb_prepared_statement ps = NULL;
		duckdb_result res;
		char prefix[48] = "";
		if (n > 1)
			snprintf(prefix, sizeof(prefix),
			         "statement %llu: ", (unsigned long long)i + 1);
		if (duckdb_prepare_extracted_statement(e->con, ex, i, &ps) == DuckDBError) {
			rc = engine_error(e, prefix, duckdb_prepare_error(ps));
		} else if (duckdb_execute_prepared(ps, &res) == DuckDBError) {
			rc = engine_error(e, prefix, duckdb_result_error(&res));
			duckdb_destroy_result(&res);
		} else {
			duckdb_destroy_result(&res);
		}
		duckdb_destroy_prepare(&ps);
	}
	duckdb_destroy_extracted(&ex);
	return rc;
}

int floe_engine_query(floe_engine *e, const char *sql, duckdb_result *res)
{
	if (duckdb_query(e->con, sql, res) == DuckDBError) {
		int rc = engine_error(e, "", duckdb_result_error(res));
		duckdb_destroy_result(res);
		return rc;
	}
	return 0;
}

/* ---- text results ---- */

static char *cell_text(duckdb_type t, duckdb_vector v, idx_t row)
{
	void *data = duckdb_vector_get_data(v);
	char buf[64];
	switch (t) {
	case DUCKDB_TYPE_VARCHAR: {
		duckdb_string_t *s = (duckdb_string_t *)data + row;
		return floe_strndup(duckdb_string_t_data(s), duckdb_string_t_length(*s));
	}
	case DUCKDB_TYPE_BOOLEAN: return floe_strdup(((bool *)data)[row] ? "true" : "false");
	case DUCKDB_TYPE_TINYINT: snprintf(buf, sizeof(buf), "%d", ((int8_t *)data)[row]); break;
	case DUCKDB_TYPE_SMALLINT: snprintf(buf, sizeof(buf), "%d", ((int16_t *)data)[row]); break;
	case DUCKDB_TYPE_INTEGER: snprintf(buf, sizeof(buf), "%d", ((int32_t *)data)[row]); break;
	case DUCKDB_TYPE_BIGINT:
		snprintf(buf, sizeof(buf), "%lld", (long long)((int64_t *)data)[row]);
		break;
	case DUCKDB_TYPE_UBIGINT:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)((uint64_t *)data)[row]);
		break;
	case DUCKDB_TYPE_UINTEGER: snprintf(buf, sizeof(buf), "%u", ((uint32_t *)data)[row]); break;
	case DUCKDB_TYPE_DOUBLE: snprintf(buf, sizeof(buf), "%.17g", ((double *)data)[row]); break;
	case DUCKDB_TYPE_FLOAT: snprintf(buf, sizeof(buf), "%.9g", ((float *)data)[row]); break;
	default: return floe_strdup("?");
	}
	return floe_strdup(buf);
}

static int collect_rows(duckdb_result *res, size_t max_rows, floe_engine_rows *r, bool names)
{
	idx_t ncols = duckdb_column_count(res);
	duckdb_type *types = NULL;
	duckdb_data_chunk ch;
	size_t cap = 0;
	int rc = 0;
	if (names) {
		r->ncols = ncols;
		r->names = floe_calloc(ncols ? ncols : 1, sizeof(char *));
		r->types = floe_calloc(ncols ? ncols : 1, sizeof(char *));
		if (r->names == NULL || r->types == NULL)
			return FLOE_ENOMEM;
		for (idx_t c = 0; c < ncols; c++) {
			r->names[c] = floe_strdup(duckdb_column_name(res, c));
			r->types[c] = floe_strdup("VARCHAR");
			if (r->names[c] == NULL || r->types[c] == NULL)
				return FLOE_ENOMEM;
		}
	}
	types = floe_calloc(ncols ? ncols : 1, sizeof(duckdb_type));
	if (types == NULL)
		return FLOE_ENOMEM;
	for (idx_t c = 0; c < ncols; c++)
		types[c] = duckdb_column_type(res, c);
	while (rc == 0 && (ch = duckdb_fetch_chunk(*res)) != NULL) {
		idx_t n = duckdb_data_chunk_get_size(ch);
		for (idx_t i = 0; rc == 0 && i < n; i++) {
			char **row;
			if (max_rows && r->nrows >= max_rows) {
				r->truncated = true;
				break;
			}
			if (r->nrows == cap) {
				char ***g;
				cap = cap ? cap * 2 : 64;
				if ((g = floe_realloc(r->rows, cap * sizeof(char **))) == NULL) {
					rc = FLOE_ENOMEM;
					break;
				}
				r->rows = g;
			}
			row = floe_calloc(ncols ? ncols : 1, sizeof(char *));
			if (row == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			r->rows[r->nrows++] = row;
			for (idx_t c = 0; c < ncols; c++) {
				duckdb_vector v = duckdb_data_chunk_get_vector(ch, c);
				if (!duckdb_validity_row_is_valid(duckdb_vector_get_validity(v), i))
					continue;
				if ((row[c] = cell_text(types[c], v, i)) == NULL) {
					rc = FLOE_ENOMEM;
					break;
				}
			}
		}
		duckdb_destroy_data_chunk(&ch);
		if (r->truncated)
			break;
	}
	floe_free(types);
	return rc;
}

/* DuckDB's name for the type of a result column (DECIMAL with its width
 * and scale); caller frees */
static char *column_type_name(duckdb_prepared_statement ps, idx_t c)
{
	duckdb_logical_type lt = duckdb_prepared_statement_column_logical_type(ps, c);
	const char *n = "VARCHAR";
	char *out;
	switch (duckdb_get_type_id(lt)) {
	case DUCKDB_TYPE_BOOLEAN: n = "BOOLEAN"; break;
	case DUCKDB_TYPE_TINYINT: n = "TINYINT"; break;
	case DUCKDB_TYPE_SMALLINT: n = "SMALLINT"; break;
	case DUCKDB_TYPE_INTEGER: n = "INTEGER"; break;
	case DUCKDB_TYPE_BIGINT: n = "BIGINT"; break;
	case DUCKDB_TYPE_HUGEINT: n = "HUGEINT"; break;
	case DUCKDB_TYPE_UTINYINT: n = "UTINYINT"; break;
	case DUCKDB_TYPE_USMALLINT: n = "USMALLINT"; break;
	case DUCKDB_TYPE_UINTEGER: n = "UINTEGER"; break;
	case DUCKDB_TYPE_UBIGINT: n = "UBIGINT"; break;
	case DUCKDB_TYPE_FLOAT: n = "FLOAT"; break;
	case DUCKDB_TYPE_DOUBLE: n = "DOUBLE"; break;
	case DUCKDB_TYPE_DATE: n = "DATE"; break;
	case DUCKDB_TYPE_TIME: n = "TIME"; break;
	case DUCKDB_TYPE_TIMESTAMP: n = "TIMESTAMP"; break;
	case DUCKDB_TYPE_TIMESTAMP_TZ: n = "TIMESTAMP WITH TIME ZONE"; break;
	case DUCKDB_TYPE_INTERVAL: n = "INTERVAL"; break;
	case DUCKDB_TYPE_UUID: n = "UUID"; break;
	case DUCKDB_TYPE_BLOB: n = "BLOB"; break;
	case DUCKDB_TYPE_LIST: n = "LIST"; break;
	case DUCKDB_TYPE_STRUCT: n = "STRUCT"; break;
	case DUCKDB_TYPE_MAP: n = "MAP"; break;
	case DUCKDB_TYPE_DECIMAL: {
		out = floe_asprintf("DECIMAL(%u,%u)", duckdb_decimal_width(lt),
		                    duckdb_decimal_scale(lt));
		duckdb_destroy_logical_type(&lt);
		return out;
	}
	default: break;
	}
	duckdb_destroy_logical_type(&lt);
	return floe_strdup(n);
}

int floe_engine_query_rows(floe_engine *e, const char *sql, size_t max_rows, floe_engine_rows **out)
{
	floe_engine_rows *r = floe_calloc(1, sizeof(*r));
	duckdb_prepared_statement ps = NULL;
	duckdb_result res;
	char *wrapped = NULL, **types = NULL;
	idx_t ntypes = 0;
	int rc;
	*out = NULL;
	if (r == NULL)
		return FLOE_ENOMEM;
	/* For SELECT-like statements DuckDB itself renders every value as text. */
	if (duckdb_prepare(e->con, sql, &ps) == DuckDBError) {
		rc = engine_error(e, "", duckdb_prepare_error(ps));
		duckdb_destroy_prepare(&ps);
		floe_engine_rows_free(r);
		return rc;
	}
	if (duckdb_prepared_statement_type(ps) == DUCKDB_STATEMENT_TYPE_SELECT &&
	    duckdb_prepared_statement_column_count(ps) > 0) {
		wrapped =
		    floe_asprintf("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (%s\n) AS floe_q", sql);
		/* the text keeps the type names of the query, not VARCHAR */
		ntypes = duckdb_prepared_statement_column_count(ps);
		types = floe_calloc(ntypes, sizeof(char *));
		for (idx_t c = 0; types && c < ntypes; c++)
			types[c] = column_type_name(ps, c);
	}
	duckdb_destroy_prepare(&ps);
	if (wrapped && duckdb_query(e->con, wrapped, &res) == DuckDBSuccess) {
		rc = collect_rows(&res, max_rows, r, true);
		duckdb_destroy_result(&res);
	} else {
		if (wrapped)
			duckdb_destroy_result(&res);
		rc = floe_engine_query(e, sql, &res);
		if (rc == 0) {
			rc = collect_rows(&res, max_rows, r, true);
			duckdb_destroy_result(&res);
		}
	}
	floe_free(wrapped);
	for (idx_t c = 0; rc == 0 && types && c < ntypes && c < r->ncols; c++) {
		if (types[c] == NULL)
			continue;
		floe_free(r->types[c]);
		r->types[c] = types[c];
		types[c] = NULL;
	}
	for (idx_t c = 0; types && c < ntypes; c++)
		floe_free(types[c]);
	floe_free(types);
	if (rc) {
		floe_engine_rows_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int floe_engine_query_text(floe_engine *e, const char *select, size_t max_rows,
                           floe_engine_rows **out)
{
	floe_engine_rows *r = floe_calloc(1, sizeof(*r));
	char *wrapped =
	    floe_asprintf("SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (%s\n) AS floe_q", select);
	duckdb_result res;
	int rc = r && wrapped ? floe_engine_query(e, wrapped, &res) : FLOE_ENOMEM;
	if (rc == 0) {
		rc = collect_rows(&res, max_rows, r, true);
		duckdb_destroy_result(&res);
	}
	floe_free(wrapped);
	if (rc) {
		floe_engine_rows_free(r);
		r = NULL;
	}
	*out = r;
	return rc;
}

void floe_engine_rows_free(floe_engine_rows *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t c = 0; c < r->ncols; c++)
			floe_free(r->rows[i][c]);
		floe_free(r->rows[i]);
	}
	for (size_t c = 0; c < r->ncols; c++) {
		if (r->names)
			floe_free(r->names[c]);
		if (r->types)
			floe_free(r->types[c]);
	}
	floe_free(r->rows);
	floe_free(r->names);
	floe_free(r->types);
	floe_free(r);
}

int floe_engine_query_json(floe_engine *e, const char *sql, floe_buf *out)
{
	char *wrapped =
	    floe_asprintf("SELECT CAST(to_json(floe_q) AS VARCHAR) FROM (%s\n) AS floe_q", sql);
	duckdb_result res;
	duckdb_data_chunk ch;
	bool first = true;
	int rc;
	if (wrapped == NULL)
		return FLOE_ENOMEM;
	rc = floe_engine_query(e, wrapped, &res);
	floe_free(wrapped);
	if (rc)
		return rc;
	rc = floe_buf_putc(out, '[');
	while (rc == 0 && (ch = duckdb_fetch_chunk(res)) != NULL) {
		idx_t n = duckdb_data_chunk_get_size(ch);
		duckdb_vector v = duckdb_data_chunk_get_vector(ch, 0);
		duckdb_string_t *s = duckdb_vector_get_data(v);
		for (idx_t i = 0; rc == 0 && i < n; i++) {
			if (!first)
				rc = floe_buf_putc(out, ',');
			first = false;
			if (rc == 0)
				rc = floe_buf_put(out, duckdb_string_t_data(&s[i]),
				                  duckdb_string_t_length(s[i]));
		}
		duckdb_destroy_data_chunk(&ch);
	}
	if (rc == 0)
		rc = floe_buf_putc(out, ']');
	duckdb_destroy_result(&res);
	return rc;
}

/* ---- view bodies ---- */

int floe_engine_check_select(floe_engine *e, const char *sql)
{
	duckdb_extracted_statements ex = NULL;
	idx_t n = duckdb_extract_statements(e->con, sql, &ex);
	floe_engine_rows *r = NULL;
	floe_buf q = FLOE_BUF_INIT;
	int rc = 0;
	if (n != 1) {
		const char *msg = n == 0 ? duckdb_extract_statements_error(ex) : NULL;
		rc = msg ? floe_error_set(FLOE_EINVAL, "it does not parse: %s", msg)
		         : floe_error_set(FLOE_EINVAL, "it is %llu statements, not one SELECT",
		                          (unsigned long long)n);
	}
	duckdb_destroy_extracted(&ex);
	if (rc)
		return rc;
	/* json_serialize_sql parses without binding and takes SELECTs only
	 * (WITH, VALUES, FROM-first, set operations, parentheses) */
	rc = floe_buf_puts(&q, "SELECT j->>'error', json_array_length(j->'statements') FROM "
	                       "(SELECT json_serialize_sql(");
	if (rc == 0)
		rc = floe_buf_put_sql_string(&q, sql);
	if (rc == 0)
		rc = floe_buf_puts(&q, ")::JSON AS j)");
	if (rc == 0)
		rc = floe_engine_query_text(e, q.ptr, 1, &r);
	if (rc == 0 && (r->nrows != 1 || r->ncols != 2 || !floe_str_eq(r->rows[0][0], "false") ||
	                !floe_str_eq(r->rows[0][1], "1")))
		rc = floe_error_set(FLOE_EINVAL, "it is not one SELECT statement");
	floe_engine_rows_free(r);
	floe_buf_free(&q);
	return rc;
}
