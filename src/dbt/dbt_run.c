/*
 * Running a dbt project: the materializations (seed, table, view,
 * incremental, ephemeral; dbt-duckdb's external as files read through a
 * view, or with format iceberg / table_format iceberg as Iceberg tables),
 * generic and singular tests, dbt-style progress lines and the artifacts
 * in target/ (run_results.json, manifest.json, compiled SQL).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dbt_adapter.h"
#include "dbt_artifacts.h"
#include "dbt_context.h"
#include "dbt_external.h"
#include "dbt_names.h"
#include "dbt_runtime.h"
#include "dbt_select.h"

/* ---- generic tests as SQL returning failing rows ---- */

static int test_sql(floe_dbt *d, dbt_node *t, char **out)
{
	dbt_node *model = dbt_test_target(d, t);
	const char *col = t->test_column;
	const char *where = json_string_value(json_object_get(t->config, "where"));
	floe_buf b = FLOE_BUF_INIT;
	char *rel, *from;
	int rc = 0;
	*out = NULL;
	if (strcmp(t->test_kind, "singular") == 0) {
		*out = floe_strdup(t->compiled ? t->compiled : "");
		return *out ? 0 : FLOE_ENOMEM;
	}
	if (model == NULL)
		return floe_error_set(FLOE_EINVAL, "%s: test on unknown model %s", t->path,
		                      t->test_model    ? t->test_model
		                      : t->test_source ? t->test_source
		                                       : "?");
	rel = dbt_relation(model);
	from = where ? floe_asprintf("(select * from %s where %s) as m", rel, where)
	             : floe_asprintf("%s as m", rel);
	if (rel == NULL || from == NULL) {
		floe_free(rel);
		floe_free(from);
		return FLOE_ENOMEM;
	}
	if (strcmp(t->test_kind, "not_null") == 0) {
		floe_buf_printf(&b, "select * from %s where \"%s\" is null", from, col ? col : "");
	} else if (strcmp(t->test_kind, "unique") == 0) {
		floe_buf_printf(
		    &b,
		    "select \"%s\" as unique_field, count(*) as n_records from %s where "
		    "\"%s\" is not null group by \"%s\" having count(*) > 1",
		    col, from, col, col);
	} else if (strcmp(t->test_kind, "accepted_values") == 0) {
		const json_t *vals = json_object_get(t->test_args, "values"), *v;
		bool quote = !json_is_false(json_object_get(t->test_args, "quote"));
		size_t i;
		floe_buf_printf(&b,
		                "select \"%s\" as value_field, count(*) as n_records from %s where "
		                "\"%s\" not in (",
		                col, from, col);
		json_array_foreach(vals, i, v)
		{
			json_t *s = json_is_string(v)
			                ? json_incref((json_t *)v)
			                : json_sprintf("%lld", (long long)json_integer_value(v));
			if (i)
				floe_buf_puts(&b, ", ");
			if (quote)
				floe_buf_put_sql_string(&b, json_string_value(s));
			else
				floe_buf_puts(&b, json_string_value(s));
			json_decref(s);
		}
		if (json_array_size(vals) == 0)
			floe_buf_puts(&b, "NULL");
		floe_buf_printf(&b, ") group by \"%s\"", col);
	} else if (strcmp(t->test_kind, "relationships") == 0) {
		const char *to = json_string_value(json_object_get(t->test_args, "to"));
		const char *field = json_string_value(json_object_get(t->test_args, "field"));
		char *to_rel = NULL;
		if (to && field) {
			/* the YAML gives an expression, e.g. ref('customers') */
			floe_buf tb = FLOE_BUF_INIT;
			char *expr = floe_asprintf("{{ %s }}", to);
			d->parsing = false;
			rc = expr ? floe_jinja_render(d->jinja, expr, t->path, &tb) : FLOE_ENOMEM;
			if (rc == 0)
				to_rel = floe_strdup(tb.ptr ? tb.ptr : "");
			floe_free(expr);
			floe_buf_free(&tb);
		}
		if (rc == 0 && to_rel == NULL)
			rc = floe_error_set(
			    FLOE_EINVAL, "%s: relationships test needs 'to' and 'field'", t->path);
		if (rc == 0)
			floe_buf_printf(
			    &b,
			    "select c.\"%s\" as from_field from (select \"%s\" from %s "
			    "where \"%s\" is not null) as c left join %s as p on c.\"%s\" "
			    "= p.\"%s\" where p.\"%s\" is null",
			    col, col, from, col, to_rel, col, field, field);
		floe_free(to_rel);
	} else if (strcmp(t->test_kind, "singular") == 0) {
		floe_buf_puts(&b, t->compiled ? t->compiled : "");
	} else {
		/* a project or package generic test: its {% test %} macro */
		char *sql = NULL;
		rc = dbt_generic_test(d, t, false, &sql);
		if (rc == 0)
			floe_buf_puts(&b, sql);
		floe_free(sql);
	}
	floe_free(rel);
	floe_free(from);
	if (rc == 0)
		*out = floe_buf_detach(&b, NULL);
	floe_buf_free(&b);
	return rc;
}

/* read_csv of a seed: RFC 4180, the header, the configured delimiter */
static int seed_read_csv(floe_buf *q, floe_dbt *d, const dbt_node *n, const json_t *types)
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
	if (rc == 0 && json_object_size(types) > 0) {
		rc = floe_buf_puts(q, ", types = {");
		json_object_foreach((json_t *)types, k, v)
		{
			if (!first)
				floe_buf_puts(q, ", ");
			first = false;
			floe_buf_put_sql_string(q, k);
			floe_buf_puts(q, ": ");
			floe_buf_put_sql_string(q, json_string_value(v) ? json_string_value(v)
			                                                : "VARCHAR");
		}
		floe_buf_puts(q, "}");
	}
	if (rc == 0)
		rc = floe_buf_puts(q, ")");
	floe_free(abs);
	return rc;
}

/* The query loading a seed (dbt-duckdb's seed: the CSV's header names the
 * columns). column_types override the sniffed types of the columns they
 * name (as in dbt, names the CSV lacks are ignored, with a warning);
 * quote_columns: false creates the columns unquoted, so a header that is
 * no plain identifier is an error, as dbt's unquoted DDL would be. */
static int seed_query(dbt_worker *w, dbt_node *n, char **out)
{
	floe_dbt *d = w->d;
	const json_t *types = json_object_get(n->config, "column_types");
	bool unquoted = json_is_false(json_object_get(n->config, "quote_columns"));
	floe_buf q = FLOE_BUF_INIT, base = FLOE_BUF_INIT;
	floe_engine_rows *cols = NULL;
	json_t *known = json_object();
	char *describe = NULL;
	int rc = known ? seed_read_csv(&base, d, n, NULL) : FLOE_ENOMEM;
	*out = NULL;
	if (rc == 0 && (json_object_size(types) > 0 || unquoted)) {
		describe =
		    floe_asprintf("SELECT column_name FROM (DESCRIBE SELECT * FROM %s)", base.ptr);
		rc = describe ? floe_engine_query_rows(w->engine, describe, 0, &cols) : FLOE_ENOMEM;
	}
	if (rc == 0 && json_is_object(types)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)types, k, v)
		{
			bool found = false;
			for (size_t i = 0; i < cols->nrows; i++)
				found |= floe_str_eq(cols->rows[i][0], k);
			if (found)
				json_object_set(known, k, v);
			else
				floe_log(FLOE_LOG_WARN,
				         "%s: column_types names '%s', which the CSV does not have "
				         "(ignored)",
				         n->path, k);
		}
	}
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
			rc = seed_read_csv(&q, d, n, known);
	}
	if (rc == 0 && (*out = floe_buf_detach(&q, NULL)) == NULL)
		rc = FLOE_ENOMEM;
	floe_buf_free(&q);
	floe_buf_free(&base);
	floe_engine_rows_free(cols);
	json_decref(known);
	floe_free(describe);
	return rc;
}

static void status_line(floe_dbt *d, size_t idx, size_t total, const dbt_node *n, const char *what)
{
	static const char *names[] = {"", "OK", "WARN", "ERROR", "SKIP", "FAIL"};
	char label[300];
	int w;
	if (n->kind == DBT_TEST)
		snprintf(label, sizeof(label), "%s %s", what, n->name);
	else
		snprintf(label, sizeof(label), "%s %s.%s", what, n->schema, n->alias);
	w = 60 - (int)strlen(label);
	{
		const char *st =
		    n->status == ST_PASS && n->kind == DBT_TEST ? "PASS" : names[n->status];
		floe_log(FLOE_LOG_INFO, "%zu of %zu %-5s %s %.*s [%s in %.2fs]", idx, total, st,
		         label, w > 3 ? w : 3,
		         "............................................................", st,
		         n->seconds);
	}
	if ((n->status == ST_ERROR || n->status == ST_FAIL || n->status == ST_WARN) && n->message)
		floe_log(FLOE_LOG_INFO, "  %s", n->message);
	(void)d;
}

/* target/compiled/<project>/<file>; a generic test's file is named after
 * the test (dbt's short name) inside a folder named after its properties
 * file, as dbt writes it */
static int write_compiled(floe_dbt *d, const dbt_node *n)
{
	const char *tp = json_string_value(json_object_get(d->project, "target-path"));
	bool generic = n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0;
	char *rel = generic ? floe_asprintf("%s/%s/%s.sql", d->project_name, n->path,
	                                    n->compiled_name ? n->compiled_name : n->name)
	                    : floe_asprintf("%s/%s", d->project_name, n->path);
	char *p = rel ? floe_asprintf("%s/%s/compiled/%s", d->dir, tp ? tp : "target", rel) : NULL;
	int rc = p ? 0 : FLOE_ENOMEM;
	/* the names in it were checked when the project loaded; a path of a
	 * model folder outside the project (model-paths: ../x) still is not
	 * written outside target/compiled */
	if (rc == 0 && !dbt_path_inside(rel))
		rc = floe_error_set(FLOE_EINVAL,
		                    "%s: the compiled file %s would lie outside %s/compiled (a "
		                    "model, test or analysis path with '..')",
		                    n->path, rel, tp ? tp : "target");
	if (rc == 0)
		rc = floe_storage_update(p, n->compiled ? n->compiled : "",
		                         n->compiled ? strlen(n->compiled) : 0);
	floe_free(p);
	floe_free(rel);
	return rc;
}

/* A node is skipped when what it reads errored or was skipped, and in a
 * build when a test gating it failed or errored (a warning does not) */
static bool upstream_failed(floe_dbt *d, const dbt_node *n)
{
	for (size_t i = 0; i < n->nparents; i++) {
		const dbt_node *p = &d->nodes[n->parents[i]];
		if (p->status == ST_ERROR || p->status == ST_SKIP)
			return true;
	}
	for (size_t i = 0; i < n->ngates; i++) {
		dbt_status st = d->nodes[n->gates[i]].status;
		if (st == ST_ERROR || st == ST_FAIL || st == ST_SKIP)
			return true;
	}
	return false;
}

/* is `a` an ancestor of `n`? (breadth first; mark[] and queue[] are
 * scratch of nnodes entries, mark compared with the stamp) */
static bool reads(floe_dbt *d, size_t n, size_t a, unsigned *mark, unsigned stamp, size_t *queue)
{
	size_t head = 0, tail = 0;
	queue[tail++] = n;
	mark[n] = stamp;
	while (head < tail) {
		const dbt_node *x = &d->nodes[queue[head++]];
		for (size_t i = 0; i < x->nparents; i++) {
			size_t p = x->parents[i];
			if (p == a)
				return true;
			if (mark[p] != stamp) {
				mark[p] = stamp;
				queue[tail++] = p;
			}
		}
	}
	return false;
}

static int add_gate(dbt_node *n, size_t t)
{
	size_t *g;
	for (size_t k = 0; k < n->ngates; k++)
		if (n->gates[k] == t)
			return 0;
	g = floe_realloc(n->gates, (n->ngates + 1) * sizeof(size_t));
	if (g == NULL)
		return FLOE_ENOMEM;
	n->gates = g;
	n->gates[n->ngates++] = t;
	return 0;
}

/* The selected nodes n reads through unselected ones gate it, as dbt keeps
 * the transitive edges of a selection (a -> b -> c with b left out: c
 * still runs after a, and not when a fails). */
static int through_unselected(floe_dbt *d, dbt_node *n, size_t at, unsigned *mark, unsigned stamp,
                              int depth)
{
	const dbt_node *x = &d->nodes[at];
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < x->nparents && depth < 512; i++) {
		size_t p = x->parents[i];
		if (mark[p] == stamp)
			continue;
		mark[p] = stamp;
		if (d->nodes[p].selected)
			rc = at == (size_t)(n - d->nodes) ? 0 : add_gate(n, p);
		else
			rc = through_unselected(d, n, p, mark, stamp, depth + 1);
	}
	return rc;
}

static int transitive_gates(floe_dbt *d)
{
	unsigned *mark = floe_calloc(d->nnodes + 1, sizeof(unsigned)), stamp = 0;
	int rc = mark ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++)
		if (d->nodes[i].selected)
			rc = through_unselected(d, &d->nodes[i], i, mark, ++stamp, 0);
	floe_free(mark);
	return rc;
}

/* dbt build's test edges (dbt-core Linker.add_test_edges): a selected test
 * gates each selected model or seed that reads directly one of the nodes
 * it tests and, directly or not, all of them; the gated node runs after
 * the test and is skipped when the test fails. */
static int build_gates(floe_dbt *d)
{
	size_t n = d->nnodes, *nkids = floe_calloc(n + 1, sizeof(size_t));
	size_t **kids = floe_calloc(n + 1, sizeof(size_t *)),
	       *queue = floe_calloc(n + 1, sizeof(size_t));
	unsigned *mark = floe_calloc(n + 1, sizeof(unsigned)), stamp = 0;
	int rc = nkids && kids && queue && mark ? 0 : FLOE_ENOMEM;
	/* the selected models and seeds reading each node */
	for (size_t c = 0; rc == 0 && c < n; c++) {
		const dbt_node *cn = &d->nodes[c];
		if (!cn->selected || (cn->kind != DBT_MODEL && cn->kind != DBT_SEED))
			continue;
		for (size_t k = 0; rc == 0 && k < cn->nparents; k++) {
			size_t p = cn->parents[k],
			       *g = floe_realloc(kids[p], (nkids[p] + 1) * sizeof(size_t));
			if (g == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			kids[p] = g;
			kids[p][nkids[p]++] = c;
		}
	}
	for (size_t t = 0; rc == 0 && t < n; t++) {
		const dbt_node *tn = &d->nodes[t];
		if (tn->kind != DBT_TEST || !tn->selected)
			continue;
		for (size_t j = 0; rc == 0 && j < tn->nparents; j++) {
			size_t p = tn->parents[j];
			for (size_t k = 0; rc == 0 && k < nkids[p]; k++) {
				size_t c = kids[p][k];
				bool all = true;
				/* strictly downstream of every tested node (a node the
				 * test reads must not wait for it) */
				for (size_t o = 0; all && o < tn->nparents; o++)
					all = tn->parents[o] != c &&
					      (tn->parents[o] == p ||
					       reads(d, c, tn->parents[o], mark, ++stamp, queue));
				if (all)
					rc = add_gate(&d->nodes[c], t);
			}
		}
	}
	for (size_t i = 0; kids && i < n; i++)
		floe_free(kids[i]);
	floe_free(kids);
	floe_free(nkids);
	floe_free(queue);
	floe_free(mark);
	return rc;
}

/* The error as one line: DuckDB's advice sections cut, lines joined. */
static void fail_node(dbt_node *n, dbt_status st)
{
	static const char *cuts[] = {"\nPossible fixes", "\nThe search space", "\n  file = "};
	const char *msg = floe_error_message();
	size_t len = strlen(msg);
	floe_buf b = FLOE_BUF_INIT;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		const char *c = strstr(msg, cuts[i]);
		if (c && (size_t)(c - msg) < len)
			len = (size_t)(c - msg);
	}
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len; i++)
		if (msg[i] == '\n')
			floe_buf_puts(&b, " | ");
		else
			floe_buf_putc(&b, msg[i]);
	n->status = st;
	floe_free(n->message);
	n->message = floe_buf_detach(&b, NULL);
	floe_error_clear();
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
	if (bad.len)
		rc = floe_error_set(FLOE_EINVAL, "contract of %s is not met: %s", n->name, bad.ptr);
	floe_buf_free(&bad);
	floe_engine_rows_free(r);
	return rc;
}

/* store_failures: the failing rows of a test land in an Iceberg table
 * <target schema>_dbt_test__audit.<test alias> (dbt's default schema). */
static int store_failures(dbt_worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	floe_write_result res;
	char *ns = floe_asprintf("%s_dbt_test__audit", d->target_schema);
	int rc = ns ? 0 : FLOE_ENOMEM;
	if (rc == 0)
		rc = dbt_ensure_namespace(w, ns);
	if (rc == 0)
		rc = floe_table_write(w->engine, w->catalog, ns, n->alias ? n->alias : n->name,
		                      n->compiled, FLOE_WRITE_REPLACE, &res);
	floe_free(ns);
	return rc < 0 ? rc : 0;
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
	q = floe_asprintf("SELECT * FROM %s AS t WHERE NOT EXISTS (SELECT 1 FROM (%s\n) AS n "
	                  "WHERE %s) UNION ALL BY NAME SELECT * FROM (%s\n) AS n",
	                  rel, *query, cond.ptr ? cond.ptr : "false", *query);
	if (q == NULL)
		rc = FLOE_ENOMEM;
	else {
		floe_free(*query);
		*query = q;
		*mode = FLOE_WRITE_REPLACE;
	}
	floe_buf_free(&cond);
	floe_free(rel);
	return rc;
}

static int run_hooks(dbt_worker *w, dbt_node *n, const json_t *hooks, const char *what);
static const json_t *hook_config(const dbt_node *n, const char *dash, const char *under);

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

static void each_input(floe_dbt *d, const dbt_node *n, void (*fn)(floe_dbt *, dbt_node *, void *),
                       void *arg, int depth);

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
	each_input(d, n, add_input_bytes, &sum, 0);
	return sum >= 0 && sum <= KEEP_SMALL_INPUTS;
}

/* A test's SQL: a generic test's rendered from its macro, a singular
 * test's from its file; written to target/compiled */
static int prepare_test(dbt_worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	int rc;
	dbt_jinja_lock(w);
	if (strcmp(n->test_kind ? n->test_kind : "", "singular") != 0) {
		rc = test_sql(d, n, &n->compiled);
	} else {
		char *c = NULL;
		floe_free(n->compiled);
		n->compiled = NULL;
		rc = dbt_render(d, n, false, &n->compiled);
		if (rc == 0)
			rc = test_sql(d, n, &c);
		floe_free(n->compiled);
		n->compiled = c;
	}
	dbt_jinja_unlock(w);
	if (rc == 0 && n->compiled)
		rc = write_compiled(d, n);
	return rc;
}

/* A test's status from its failures row; its failing rows kept when asked */
static int finish_test(dbt_worker *w, dbt_node *n, const floe_engine_rows *r)
{
	int rc = dbt_test_outcome(n, r);
	if (rc == 0 && n->rows > 0 &&
	    floe_jinja_truthy(json_object_get(n->config, "store_failures")))
		rc = store_failures(w, n);
	return rc;
}

static int run_test(dbt_worker *w, dbt_node *n)
{
	char *count_sql;
	floe_engine_rows *r = NULL;
	int rc = prepare_test(w, n);
	if (rc)
		return rc;
	count_sql = dbt_test_count_sql(n);
	rc = count_sql ? floe_engine_query_text(w->engine, count_sql, 1, &r) : FLOE_ENOMEM;
	floe_free(count_sql);
	if (rc == 0)
		rc = finish_test(w, n, r);
	floe_engine_rows_free(r);
	return rc;
}

/* Does n's table write leave its commit pending (floe_write_options)?
 * A seed or table model whose result is kept for its readers and that has
 * no post-hook (a post-hook runs after the commit). */
static bool defers_commit(floe_dbt *d, dbt_node *n)
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
static int run_node(dbt_worker *w, dbt_node *n, floe_table_pending **pending)
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
		return run_test(w, n);
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
		rc = write_compiled(d, n);
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
			rc = run_hooks(w, n, hook_config(n, "pre-hook", "pre_hook"), "pre-hook");
		if (rc == 0 && files)
			rc = dbt_external_write(w, n, &ext, &view_sql);
		if (rc == 0)
			rc = make_view(w, n, files ? view_sql : n->compiled);
		if (rc == 0 && hook_config(n, "post-hook", "post_hook"))
			rc = run_hooks(w, n, hook_config(n, "post-hook", "post_hook"), "post-hook");
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
		rc = run_hooks(w, n, hook_config(n, "pre-hook", "pre_hook"), "pre-hook");
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
		rc = run_hooks(w, n, hook_config(n, "post-hook", "post_hook"), "post-hook");
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
static int run_hooks(dbt_worker *w, dbt_node *n, const json_t *hooks, const char *what)
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

static const json_t *hook_config(const dbt_node *n, const char *dash, const char *under)
{
	const json_t *h = json_object_get(n->config, dash);
	return h ? h : json_object_get(n->config, under);
}

/* dbt's words for what was done: "created sql <materialization> model" */
static const char *what_of(const dbt_node *n, char *buf, size_t size)
{
	const char *m = dbt_mat(n);
	if (n->kind == DBT_SEED)
		return "loaded seed file";
	if (n->kind == DBT_TEST)
		return "test";
	if (strcmp(m, "ephemeral") == 0)
		return "compiled ephemeral model";
	snprintf(buf, size, "created sql %s model", m);
	return buf;
}

/* ---- scheduling: nodes run when their selected inputs are done, on up
 * to `threads` workers (dbt's --threads / the profile's threads) ---- */

/* ---- kept results: a table's result stays in DuckDB while selected nodes
 * still read it; a large one (or one past the budget) is released, read
 * from its data files again, once its last reader is done ---- */

/* FLOE_KEEP_MB: data-file MiB of all results kept at once (default 256;
 * 0: keep none); a result over a sixteenth of it counts as large */
static int64_t keep_budget(void)
{
	const char *s = getenv("FLOE_KEEP_MB");
	int64_t mb = 256;
	if (s && (floe_parse_i64(&mb, s) != 0 || mb < 0)) {
		floe_log(FLOE_LOG_WARN, "FLOE_KEEP_MB='%s' is not a number of MiB; using 256", s);
		mb = 256;
	}
	return mb << 20;
}

/* Call fn on every table node n reads: its deps, looking through
 * ephemeral and view models (their SQL reads their own inputs). */
static void each_input(floe_dbt *d, const dbt_node *n, void (*fn)(floe_dbt *, dbt_node *, void *),
                       void *arg, int depth)
{
	for (size_t i = 0; i < n->nparents; i++) {
		dbt_node *p = &d->nodes[n->parents[i]];
		const char *m = dbt_mat(p);
		if ((strcmp(m, "ephemeral") == 0 || strcmp(m, "view") == 0) && depth < 64)
			each_input(d, p, fn, arg, depth + 1);
		else
			fn(d, p, arg);
	}
}

static void add_reader(floe_dbt *d, dbt_node *p, void *arg)
{
	(void)d;
	(void)arg;
	p->readers++;
}

static void count_readers(floe_dbt *d, bool keep)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		d->nodes[i].readers = 0;
		d->nodes[i].kept = false;
	}
	for (size_t i = 0; keep && i < d->nnodes; i++)
		if (d->nodes[i].selected)
			each_input(d, &d->nodes[i], add_reader, NULL, 0);
}

/*
 * Where a node of the run is (worker.state[], under worker.mu). A seed or
 * table whose commit is left pending (defers_commit) is READABLE once its
 * kept result is in DuckDB and its data files are written: the committer
 * thread commits it, in the order the nodes became READABLE, while the
 * workers go on. Only nodes that commit nothing before what they read is
 * committed start on a READABLE input (starts_early): tests that store no
 * failures and tables whose own commit is pending. Such a node becomes
 * READABLE too and is finished by the committer after its inputs: when
 * one of them failed to commit it is SKIP whatever it computed, and a
 * pending commit of its own is abandoned. So a run commits, and reports,
 * what it would have without the overlap.
 */
enum { NODE_WAITING, NODE_RUNNING, NODE_DONE, NODE_READABLE };

typedef struct {
	dbt_node **items; /* READABLE nodes in the order they became so */
	size_t head, tail;
} commit_queue;

typedef struct {
	floe_dbt *d;
	floe_dbt_summary *sum;
	size_t total, *done_count;
	int *state;          /* NODE_* of each node */
	size_t *remaining;   /* selected nodes not DONE */
	commit_queue *queue; /* NULL: every node commits on its worker */
	int64_t *kept_bytes; /* of the results kept now */
	int64_t keep_budget;
	pthread_mutex_t *mu; /* the fields above and each node's run state */
	pthread_cond_t *cv;  /* a node is done or readable, or the queue grew */
	dbt_worker h;        /* this thread's connection and catalog handle */
} worker;

/* may n start while an input of it is READABLE, not DONE? */
static bool starts_early(worker *w, dbt_node *n)
{
	if (w->queue == NULL)
		return false;
	if (n->kind == DBT_TEST)
		return !floe_jinja_truthy(json_object_get(n->config, "store_failures"));
	return defers_commit(w->d, n);
}

/* may n start? Each input DONE, or READABLE when n starts early (asked
 * only once every input is one of the two: what starts_early reads of
 * them is written by now) */
static bool inputs_done(worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	bool readable = false;
	for (size_t i = 0; i < n->nparents + n->ngates; i++) {
		size_t k = i < n->nparents ? n->parents[i] : n->gates[i - n->nparents];
		if (i < n->nparents && !d->nodes[k].selected)
			continue;
		if (w->state[k] == NODE_READABLE)
			readable = true;
		else if (w->state[k] != NODE_DONE)
			return false;
	}
	return !readable || starts_early(w, n);
}

/* is every input of n DONE (its outcome final)? */
static bool inputs_final(worker *w, const dbt_node *n)
{
	for (size_t i = 0; i < n->nparents; i++)
		if (w->d->nodes[n->parents[i]].selected && w->state[n->parents[i]] != NODE_DONE)
			return false;
	for (size_t i = 0; i < n->ngates; i++)
		if (w->state[n->gates[i]] != NODE_DONE)
			return false;
	return true;
}

typedef struct {
	worker *w;
	dbt_node **release;
	size_t n;
} done_reading;

/* n is done: one reader less for each input (under w->mu); collect the
 * kept results to release */
static void drop_reader(floe_dbt *d, dbt_node *p, void *arg)
{
	done_reading *dr = arg;
	(void)d;
	if (--p->readers > 0 || !p->kept)
		return;
	/* past 64 at once the rest stay kept (correct, only memory) */
	if ((p->bytes >= dr->w->keep_budget / 16 || *dr->w->kept_bytes > dr->w->keep_budget) &&
	    dr->n < 64) {
		p->kept = false;
		*dr->w->kept_bytes -= p->bytes;
		dr->release[dr->n++] = p;
	}
}

static void release_inputs(worker *w, dbt_node *n)
{
	dbt_node *rel[64];
	done_reading dr = {w, rel, 0};
	pthread_mutex_lock(w->mu);
	if (n->kept)
		*w->kept_bytes += n->bytes;
	each_input(w->d, n, drop_reader, &dr, 0);
	pthread_mutex_unlock(w->mu);
	for (size_t i = 0; i < dr.n; i++) {
		pthread_mutex_lock(&w->d->ddl_mu);
		if (floe_table_release(w->h.engine, w->h.catalog, rel[i]->schema, rel[i]->alias) !=
		    0) {
			floe_log(FLOE_LOG_WARN, "%s: %s", rel[i]->unique_id, floe_error_message());
			floe_error_clear();
		} else {
			floe_log(FLOE_LOG_DEBUG, "%s: result released from memory (%lld bytes)",
			         rel[i]->unique_id, (long long)rel[i]->bytes);
		}
		pthread_mutex_unlock(&w->d->ddl_mu);
	}
}

/* n's outcome is final: counted, reported, DONE (called without worker.mu) */
static void finish_node(worker *w, dbt_node *n)
{
	char what[64];
	floe_dbt *d = w->d;
	release_inputs(w, n);
	pthread_mutex_lock(w->mu);
	switch (n->status) {
	case ST_SKIP: w->sum->skip++; break;
	case ST_ERROR:
	case ST_FAIL: w->sum->error++; break;
	case ST_WARN: w->sum->warn++; break;
	default: w->sum->pass++;
	}
	n->seconds = (double)(floe_time_mono_us() - n->started_us) / 1e6;
	(*w->done_count)++;
	status_line(d, *w->done_count, w->total, n, what_of(n, what, sizeof(what)));
	w->state[n - d->nodes] = NODE_DONE;
	(*w->remaining)--;
	pthread_cond_broadcast(w->cv);
	pthread_mutex_unlock(w->mu);
}

/* SKIP whatever n computed (under worker.mu) */
static void skip_node(dbt_node *n)
{
	n->status = ST_SKIP;
	floe_free(n->message);
	n->message = NULL;
}

static void run_one(worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	floe_table_pending *pending = NULL;
	int rc = 0;
	n->started_us = floe_time_mono_us();
	pthread_mutex_lock(w->mu);
	bool skip = upstream_failed(d, n);
	pthread_mutex_unlock(w->mu);
	floe_log(FLOE_LOG_DEBUG, "START %s", n->unique_id);
	if (!skip)
		rc = run_node(&w->h, n, w->queue ? &pending : NULL);
	if (skip)
		n->status = ST_SKIP;
	else if (rc != 0)
		fail_node(n, ST_ERROR);
	pthread_mutex_lock(w->mu);
	if (w->queue && (pending || !inputs_final(w, n))) {
		/* the committer finishes it, after its inputs */
		n->pending = pending;
		w->queue->items[w->queue->tail++] = n;
		w->state[n - d->nodes] = NODE_READABLE;
		pthread_cond_broadcast(w->cv);
		pthread_mutex_unlock(w->mu);
		return;
	}
	if (!skip && upstream_failed(d, n)) /* an input's commit failed meanwhile */
		skip_node(n);
	pthread_mutex_unlock(w->mu);
	finish_node(w, n);
}

/* The committer: READABLE nodes in order, each once all it read is DONE
 * (those became READABLE before it). */
static void commit_one(worker *w, dbt_node *n)
{
	floe_dbt *d = w->d;
	bool failed;
	int rc = 0;
	pthread_mutex_lock(w->mu);
	failed = upstream_failed(d, n);
	pthread_mutex_unlock(w->mu);
	if (failed) { /* what it read is not committed: neither is it */
		floe_table_abandon(n->pending);
		pthread_mutex_lock(w->mu); /* workers read the status */
		skip_node(n);
		pthread_mutex_unlock(w->mu);
	} else if (n->pending) {
		floe_write_result res = {0};
		rc = floe_table_commit(w->h.catalog, n->pending, &res);
		if (rc) {
			pthread_mutex_lock(w->mu);
			fail_node(n, ST_ERROR);
			pthread_mutex_unlock(w->mu);
		}
	}
	if (n->pending && (failed || rc)) {
		/* readers of this database see the table's last commit again */
		pthread_mutex_lock(&d->ddl_mu);
		if (floe_table_release(w->h.engine, w->h.catalog, n->schema, n->alias) != 0) {
			floe_log(FLOE_LOG_WARN, "%s: %s", n->unique_id, floe_error_message());
			floe_error_clear();
		}
		pthread_mutex_unlock(&d->ddl_mu);
		n->kept = false;
	}
	n->pending = NULL;
	finish_node(w, n);
}

static void *commit_work(void *arg)
{
	worker *w = arg;
	pthread_mutex_lock(w->mu);
	for (;;) {
		dbt_node *n;
		if (w->queue->head == w->queue->tail) {
			if (*w->remaining == 0)
				break;
			pthread_cond_wait(w->cv, w->mu);
			continue;
		}
		n = w->queue->items[w->queue->head++];
		pthread_mutex_unlock(w->mu);
		commit_one(w, n);
		pthread_mutex_lock(w->mu);
	}
	pthread_mutex_unlock(w->mu);
	return NULL;
}

static void *work(void *arg)
{
	worker *w = arg;
	floe_dbt *d = w->d;
	pthread_mutex_lock(w->mu);
	for (;;) {
		dbt_node *next = NULL;
		bool pending = false;
		/* in dependency order; a ready test first (tests are short and
		 * unblock the nodes that wait for them) */
		for (size_t oi = 0; oi < d->nnodes; oi++) {
			dbt_node *n = &d->nodes[d->order[oi]];
			if (!n->selected || w->state[n - d->nodes] == NODE_DONE)
				continue;
			pending = true;
			if (w->state[n - d->nodes] == NODE_WAITING &&
			    (next == NULL || n->kind == DBT_TEST) && inputs_done(w, n)) {
				next = n;
				if (n->kind == DBT_TEST)
					break;
			}
		}
		if (!pending)
			break;
		if (next == NULL) {
			pthread_cond_wait(w->cv, w->mu);
			continue;
		}
		w->state[next - d->nodes] = NODE_RUNNING;
		/* decided once: what its inputs' sizes say now (and starts_early
		 * said) holds for the whole node */
		next->defers = w->queue && defers_commit(d, next);
		pthread_mutex_unlock(w->mu);
		run_one(w, next);
		pthread_mutex_lock(w->mu);
	}
	pthread_mutex_unlock(w->mu);
	return NULL;
}

static int schedule(floe_dbt *d, floe_dbt_summary *sum, size_t total)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	int threads = dbt_worker_count(d);
	size_t done = 0, remaining = total;
	worker w[17], *cw = NULL; /* the workers, then the committer */
	pthread_t tid[17];
	int64_t kept_bytes = 0, budget = keep_budget();
	int *state = floe_calloc(d->nnodes + 1, sizeof(int));
	commit_queue queue = {floe_calloc(d->nnodes + 1, sizeof(dbt_node *)), 0, 0};
	int rc = 0, started = 0;
	if (state == NULL || queue.items == NULL) {
		floe_free(state);
		floe_free(queue.items);
		return FLOE_ENOMEM;
	}
	count_readers(d, budget > 0);
	for (int i = 0; i <= threads; i++) {
		w[i] = (worker){.d = d,
		                .sum = sum,
		                .total = total,
		                .done_count = &done,
		                .state = state,
		                .remaining = &remaining,
		                .kept_bytes = &kept_bytes,
		                .keep_budget = budget,
		                .mu = &mu,
		                .cv = &cv};
		if (i == 0) {
			w[i].h = d->main;
			continue;
		}
		rc = dbt_worker_open(&w[i].h, d);
		if (rc && i == threads) { /* every node commits on its worker */
			floe_log(FLOE_LOG_DEBUG, "no committer thread: %s", floe_error_message());
			floe_error_clear();
			rc = 0;
			break;
		}
		if (rc) { /* run on the workers we have */
			floe_log(FLOE_LOG_WARN, "running on %d thread%s: %s", i, i == 1 ? "" : "s",
			         floe_error_message());
			floe_error_clear();
			rc = 0;
			threads = i;
			break;
		}
		if (i == threads)
			cw = &w[i];
	}
	/* a table's commit waits on storage, not on a core: the committer
	 * makes it while the workers go on */
	if (cw) {
		cw->queue = &queue;
		if (pthread_create(&tid[threads], NULL, commit_work, cw) != 0) {
			dbt_worker_close(&cw->h);
			cw = NULL;
		}
	}
	for (int i = 0; cw && i < threads; i++)
		w[i].queue = &queue;
	for (int i = 1; i < threads; i++)
		if (pthread_create(&tid[i], NULL, work, &w[i]) == 0)
			started = i;
		else
			break;
	work(&w[0]);
	for (int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	if (cw) {
		pthread_join(tid[threads], NULL);
		dbt_worker_close(&cw->h);
	}
	for (int i = 1; i < threads; i++)
		dbt_worker_close(&w[i].h);
	floe_free(queue.items);
	floe_free(state);
	pthread_mutex_destroy(&mu);
	pthread_cond_destroy(&cv);
	return rc;
}

int floe_dbt_execute(floe_dbt *d, const char *command, floe_dbt_summary *sum)
{
	pthread_t closer;
	bool closing;
	size_t total = 0;
	int64_t t0 = floe_time_mono_us();
	int rc;
	memset(sum, 0, sizeof(*sum));
	if (strcmp(command, "ls") == 0)
		return floe_error_set(FLOE_EINVAL, "ls lists nodes with floe_dbt_list");
	if ((rc = dbt_select_nodes(d, command)) != 0 || (rc = dbt_set_command(d, command)) != 0)
		return rc;
	for (size_t i = 0; i < d->nnodes; i++)
		total += d->nodes[i].selected;
	if (strcmp(command, "compile") == 0) {
		/* as dbt compile: introspective queries (star, get_column_values,
		 * run_query) read the warehouse */
		rc = dbt_runtime_open(d, false);
		if (rc == 0)
			rc = floe_table_expose_all(d->main.engine, d->main.catalog, NULL);
		for (size_t oi = 0; rc == 0 && oi < d->nnodes; oi++) {
			dbt_node *n = &d->nodes[d->order[oi]];
			if (n->selected && n->kind == DBT_SEED)
				n->status = ST_PASS; /* nothing to compile */
			if (!n->selected || n->kind == DBT_SEED)
				continue;
			rc = n->kind == DBT_TEST && strcmp(n->test_kind, "singular") != 0
			         ? test_sql(d, n, &n->compiled)
			         : dbt_render(d, n, false, &n->compiled);
			if (rc == 0)
				rc = write_compiled(d, n);
			if (rc == 0)
				n->status = ST_PASS;
		}
		/* dbt compile writes the artifacts too */
		if (rc == 0)
			rc = dbt_write_artifacts(d, command,
			                         (double)(floe_time_mono_us() - t0) / 1e6);
		if (rc == 0)
			floe_log(FLOE_LOG_INFO, "Compiled %zu nodes into %s/target/compiled", total,
			         d->dir);
		return rc;
	}
	{
		char *logp = floe_asprintf("%s/logs/dbt.log", d->dir);
		if (logp)
			floe_log_set_file(logp);
		floe_free(logp);
		floe_log(FLOE_LOG_DEBUG, "floe %s in %s", command, d->dir);
	}
	if ((rc = dbt_runtime_open(d, true)) != 0)
		return rc;
	floe_log(FLOE_LOG_INFO, "Running with floe 0.1.0 on project %s, target %s", d->project_name,
	         d->target_name);
	if (json_object_get(d->project, "on-run-start") &&
	    (rc = run_hooks(&d->main, NULL, json_object_get(d->project, "on-run-start"),
	                    "on-run-start")) != 0)
		return rc;
	if ((rc = transitive_gates(d)) != 0 ||
	    (strcmp(command, "build") == 0 && (rc = build_gates(d)) != 0))
		return rc;
	rc = schedule(d, sum, total);
	if (rc)
		return rc;
	sum->total = (int)total;
	if (json_object_get(d->project, "on-run-end") &&
	    run_hooks(&d->main, NULL, json_object_get(d->project, "on-run-end"), "on-run-end") !=
	        0) {
		floe_log(FLOE_LOG_ERROR, "%s", floe_error_message());
		sum->error++;
	}
	/* nothing reads DuckDB or the catalog any more: they close (DuckDB
	 * frees its memory and removes its temporary directory, SQLite
	 * checkpoints its log) while the artifacts are written */
	closing = pthread_create(&closer, NULL, dbt_runtime_close, d) == 0;
	rc = dbt_write_artifacts(d, command, (double)(floe_time_mono_us() - t0) / 1e6);
	if (closing) {
		pthread_join(closer, NULL);
		d->main.engine = NULL;
		d->main.catalog = NULL;
	}
	floe_log(FLOE_LOG_INFO, "Done. PASS=%d WARN=%d ERROR=%d SKIP=%d TOTAL=%d", sum->pass,
	         sum->warn, sum->error, sum->skip, sum->total);
	floe_log_set_file(NULL);
	return rc;
}
