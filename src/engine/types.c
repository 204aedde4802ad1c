/*
 * Type mapping between DuckDB and Iceberg (ICEBERG-NOTES.md section 6,
 * DUCKDB-FACTS.md section 4): every DuckDB type a query commonly yields maps
 * to the Iceberg type that holds it, with a cast where DuckDB's Parquet
 * writer would otherwise be lossy or non-conforming (HUGEINT is written as
 * DOUBLE, unsigned types carry UINT annotations, TIMESTAMP_MS/NS change the
 * unit, DECIMAL(19..37) is written as FIXED[16], so it and UBIGINT become
 * DECIMAL(38)). Types Iceberg cannot hold are refused with the column named
 * and a cast that would work, and so is a result whose full dotted field
 * names repeat (Iceberg readers index fields by them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"

typedef struct {
	floe_ice_type *ice;
	char *cast; /* DuckDB type to cast to, or NULL when none is needed */
} mapped;

/* DuckDB type name of an Iceberg type. */
static int duck_type(floe_buf *b, const floe_ice_type *t)
{
	int rc = 0;
	switch (t->kind) {
	case FLOE_ICE_BOOLEAN: return floe_buf_puts(b, "BOOLEAN");
	case FLOE_ICE_INT: return floe_buf_puts(b, "INTEGER");
	case FLOE_ICE_LONG: return floe_buf_puts(b, "BIGINT");
	case FLOE_ICE_FLOAT: return floe_buf_puts(b, "FLOAT");
	case FLOE_ICE_DOUBLE: return floe_buf_puts(b, "DOUBLE");
	case FLOE_ICE_DECIMAL: return floe_buf_printf(b, "DECIMAL(%d,%d)", t->precision, t->scale);
	case FLOE_ICE_DATE: return floe_buf_puts(b, "DATE");
	case FLOE_ICE_TIME: return floe_buf_puts(b, "TIME");
	case FLOE_ICE_TIMESTAMP: return floe_buf_puts(b, "TIMESTAMP");
	case FLOE_ICE_TIMESTAMPTZ: return floe_buf_puts(b, "TIMESTAMPTZ");
	case FLOE_ICE_STRING: return floe_buf_puts(b, "VARCHAR");
	case FLOE_ICE_UUID: return floe_buf_puts(b, "UUID");
	case FLOE_ICE_FIXED:
	case FLOE_ICE_BINARY: return floe_buf_puts(b, "BLOB");
	case FLOE_ICE_LIST: rc = duck_type(b, t->element); return rc ? rc : floe_buf_puts(b, "[]");
	case FLOE_ICE_MAP:
		rc = floe_buf_puts(b, "MAP(");
		if (rc == 0)
			rc = duck_type(b, t->key);
		if (rc == 0)
			rc = floe_buf_puts(b, ", ");
		if (rc == 0)
			rc = duck_type(b, t->value);
		return rc ? rc : floe_buf_puts(b, ")");
	case FLOE_ICE_STRUCT:
		rc = floe_buf_puts(b, "STRUCT(");
		for (size_t i = 0; rc == 0 && i < t->nfields; i++) {
			if (i)
				rc = floe_buf_puts(b, ", ");
			if (rc == 0)
				rc = floe_buf_put_sql_ident(b, t->fields[i].name);
			if (rc == 0)
				rc = floe_buf_putc(b, ' ');
			if (rc == 0)
				rc = duck_type(b, t->fields[i].type);
		}
		return rc ? rc : floe_buf_puts(b, ")");
	}
	return 0;
}

char *floe_engine_duckdb_type(const floe_ice_type *t)
{
	floe_buf b = FLOE_BUF_INIT;
	if (duck_type(&b, t) != 0) {
		floe_buf_free(&b);
		return NULL;
	}
	return floe_buf_detach(&b, NULL);
}

static int unsupported(const char *col, const char *type, const char *hint)
{
	return floe_error_set(FLOE_EUNSUPPORTED,
	                      "column \"%s\" has type %s, which Iceberg cannot store; cast it, "
	                      "e.g. \"%s\"%s",
	                      col, type, col, hint);
}

/* Fresh ids for nested parts; reuse those of `base` when its shape matches. */
static int next(int *next_id)
{
	return (*next_id)++;
}

static int map_type(floe_ice_type **out, bool *needs_cast, duckdb_logical_type lt,
                    const floe_ice_type *base, int *next_id, const char *col)
{
	duckdb_type id = duckdb_get_type_id(lt);
	floe_ice_kind kind;
	floe_ice_type *t = NULL;
	int rc = 0;
	*out = NULL;
	switch (id) {
	case DUCKDB_TYPE_BOOLEAN: kind = FLOE_ICE_BOOLEAN; break;
	case DUCKDB_TYPE_TINYINT:
	case DUCKDB_TYPE_SMALLINT:
	case DUCKDB_TYPE_UTINYINT:
	case DUCKDB_TYPE_USMALLINT: *needs_cast = true; /* fall through */
	case DUCKDB_TYPE_INTEGER: kind = FLOE_ICE_INT; break;
	case DUCKDB_TYPE_UINTEGER: *needs_cast = true; /* fall through */
	case DUCKDB_TYPE_BIGINT: kind = FLOE_ICE_LONG; break;
	case DUCKDB_TYPE_UBIGINT:
	case DUCKDB_TYPE_HUGEINT:
	case DUCKDB_TYPE_UHUGEINT:
		/* decimal(38,0): DuckDB writes every precision above 18 as FIXED[16],
		 * which is the minimum width (spec App. A) only for 38, so UBIGINT
		 * widens like DECIMAL(19..37) below. Values >= 10^38 fail at write
		 * time with DuckDB's conversion error. */
		*needs_cast = true;
		t = floe_ice_type_new(FLOE_ICE_DECIMAL);
		if (t == NULL)
			return FLOE_ENOMEM;
		t->precision = 38;
		t->scale = 0;
		*out = t;
		return 0;
	case DUCKDB_TYPE_FLOAT: kind = FLOE_ICE_FLOAT; break;
	case DUCKDB_TYPE_DOUBLE: kind = FLOE_ICE_DOUBLE; break;
	case DUCKDB_TYPE_DECIMAL: {
		int w = duckdb_decimal_width(lt), s = duckdb_decimal_scale(lt);
		if ((t = floe_ice_type_new(FLOE_ICE_DECIMAL)) == NULL)
			return FLOE_ENOMEM;
		if (w > 18 && w < 38) { /* FIXED[16] conforms only at precision 38 */
			*needs_cast = true;
			w = 38;
		}
		t->precision = w;
		t->scale = s;
		*out = t;
		return 0;
	}
	case DUCKDB_TYPE_DATE: kind = FLOE_ICE_DATE; break;
	case DUCKDB_TYPE_TIME: kind = FLOE_ICE_TIME; break;
	case DUCKDB_TYPE_TIMESTAMP_S:
	case DUCKDB_TYPE_TIMESTAMP_MS:
	case DUCKDB_TYPE_TIMESTAMP_NS: *needs_cast = true; /* fall through */
	case DUCKDB_TYPE_TIMESTAMP: kind = FLOE_ICE_TIMESTAMP; break;
	case DUCKDB_TYPE_TIMESTAMP_TZ: kind = FLOE_ICE_TIMESTAMPTZ; break;
	case DUCKDB_TYPE_ENUM:
	case DUCKDB_TYPE_BIT:
	case DUCKDB_TYPE_BIGNUM: *needs_cast = true; /* fall through */
	case DUCKDB_TYPE_VARCHAR: kind = FLOE_ICE_STRING; break;
	case DUCKDB_TYPE_BLOB: kind = FLOE_ICE_BINARY; break;
	case DUCKDB_TYPE_UUID: kind = FLOE_ICE_UUID; break;
	case DUCKDB_TYPE_INTERVAL:
		return unsupported(col, "INTERVAL",
		                   "::VARCHAR\" or \"epoch(" /* continued */
		                   "...) AS seconds\"");
	case DUCKDB_TYPE_TIME_TZ: return unsupported(col, "TIMETZ", "::TIME\" (drops the offset)");
	case DUCKDB_TYPE_UNION: return unsupported(col, "UNION", "::VARCHAR\"");
	case DUCKDB_TYPE_LIST:
	case DUCKDB_TYPE_ARRAY: {
		duckdb_logical_type child = id == DUCKDB_TYPE_LIST
		                                ? duckdb_list_type_child_type(lt)
		                                : duckdb_array_type_child_type(lt);
		const floe_ice_type *bchild =
		    base && base->kind == FLOE_ICE_LIST ? base->element : NULL;
		/* COPY refuses nested FIELD_IDS for ARRAY(n): cast it to a list */
		if (id == DUCKDB_TYPE_ARRAY)
			*needs_cast = true;
		if ((t = floe_ice_type_new(FLOE_ICE_LIST)) == NULL) {
			duckdb_destroy_logical_type(&child);
			return FLOE_ENOMEM;
		}
		t->element_id = bchild ? base->element_id : next(next_id);
		t->element_required = false;
		rc = map_type(&t->element, needs_cast, child, bchild, next_id, col);
		duckdb_destroy_logical_type(&child);
		break;
	}
	case DUCKDB_TYPE_MAP: {
		duckdb_logical_type k = duckdb_map_type_key_type(lt);
		duckdb_logical_type v = duckdb_map_type_value_type(lt);
		bool same = base && base->kind == FLOE_ICE_MAP;
		if ((t = floe_ice_type_new(FLOE_ICE_MAP)) != NULL) {
			t->key_id = same ? base->key_id : next(next_id);
			t->value_id = same ? base->value_id : next(next_id);
			t->value_required = false;
			rc =
			    map_type(&t->key, needs_cast, k, same ? base->key : NULL, next_id, col);
			if (rc == 0)
				rc = map_type(&t->value, needs_cast, v, same ? base->value : NULL,
				              next_id, col);
		} else {
			rc = FLOE_ENOMEM;
		}
		duckdb_destroy_logical_type(&k);
		duckdb_destroy_logical_type(&v);
		break;
	}
	case DUCKDB_TYPE_STRUCT: {
		idx_t n = duckdb_struct_type_child_count(lt);
		if ((t = floe_ice_type_new(FLOE_ICE_STRUCT)) == NULL)
			return FLOE_ENOMEM;
		for (idx_t i = 0; rc == 0 && i < n; i++) {
			char *name = duckdb_struct_type_child_name(lt, i);
			duckdb_logical_type ct = duckdb_struct_type_child_type(lt, i);
			const floe_ice_field *bf = NULL;
			floe_ice_type *ft = NULL;
			for (size_t k = 0;
			     base && base->kind == FLOE_ICE_STRUCT && k < base->nfields; k++)
				if (strcmp(base->fields[k].name, name) == 0)
					bf = &base->fields[k];
			{
				int fid = bf ? bf->id : next(next_id);
				rc = map_type(&ft, needs_cast, ct, bf ? bf->type : NULL, next_id,
				              col);
				if (rc == 0 &&
				    (rc = floe_ice_struct_add(t, fid, name, false, ft)) != 0)
					floe_ice_type_free(ft);
			}
			duckdb_free(name);
			duckdb_destroy_logical_type(&ct);
		}
		break;
	}
	default: {
		char *alias = duckdb_logical_type_get_alias(lt);
		char tn[32];
		snprintf(tn, sizeof(tn), "%s (DuckDB type %d)", alias ? alias : "an unknown type",
		         (int)id);
		duckdb_free(alias);
		return unsupported(col, tn, "::VARCHAR\"");
	}
	}
	if (t == NULL && rc == 0) {
		if ((t = floe_ice_type_new(kind)) == NULL)
			return FLOE_ENOMEM;
	}
	if (rc) {
		floe_ice_type_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

/* ---- unique full names ---- */

typedef struct {
	char *name; /* full dotted name: "a.b", "l.element", "m.value" */
	size_t col; /* top-level column it belongs to */
} full_name;

typedef struct {
	full_name *v;
	size_t n, cap;
} name_list;

static int add_names(name_list *l, const char *prefix, const char *name, const floe_ice_type *t,
                     size_t col)
{
	char *full = prefix ? floe_asprintf("%s.%s", prefix, name) : floe_strdup(name);
	int rc = 0;
	if (full == NULL)
		return FLOE_ENOMEM;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		full_name *g = floe_realloc(l->v, cap * sizeof(*g));
		if (g == NULL) {
			floe_free(full);
			return FLOE_ENOMEM;
		}
		l->v = g;
		l->cap = cap;
	}
	l->v[l->n].name = full;
	l->v[l->n++].col = col;
	if (t->kind == FLOE_ICE_STRUCT) {
		for (size_t i = 0; rc == 0 && i < t->nfields; i++)
			rc = add_names(l, full, t->fields[i].name, t->fields[i].type, col);
	} else if (t->kind == FLOE_ICE_LIST) {
		rc = add_names(l, full, "element", t->element, col);
	} else if (t->kind == FLOE_ICE_MAP) {
		rc = add_names(l, full, "key", t->key, col);
		if (rc == 0)
			rc = add_names(l, full, "value", t->value, col);
	}
	return rc;
}

static int by_name(const void *a, const void *b)
{
	const full_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->col > y->col) - (x->col < y->col);
}

/*
 * Iceberg readers index every field by its full dotted name (Java's
 * IndexByName: "a.b" for child b of struct a, "l.element", "m.key",
 * "m.value") and reject a schema where two fields share one ("multiple
 * fields for name"), e.g. a column "a.b" next to a struct a with a child b.
 * Refuse such a result before anything is written, naming the columns.
 */
static int check_full_names(const floe_ice_type *root)
{
	name_list l = {NULL, 0, 0};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < root->nfields; i++)
		rc = add_names(&l, NULL, root->fields[i].name, root->fields[i].type, i);
	if (rc == 0 && l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	for (size_t i = 1; rc == 0 && i < l.n; i++) {
		const char *a, *b, *ren;
		char *alias;
		if (strcmp(l.v[i - 1].name, l.v[i].name) != 0)
			continue;
		a = root->fields[l.v[i - 1].col].name;
		b = root->fields[l.v[i].col].name;
		/* suggest renaming the column whose own name has the dot */
		ren = strchr(b, '.') || !strchr(a, '.') ? b : a;
		alias = floe_strdup(ren);
		for (char *p = alias; p && *p; p++)
			if (*p == '.')
				*p = '_';
		if (l.v[i - 1].col == l.v[i].col)
			rc = floe_error_set(FLOE_EINVAL,
			                    "column \"%s\" has two fields named \"%s\", which "
			                    "Iceberg readers reject: rename one",
			                    a, l.v[i].name);
		else
			rc =
			    floe_error_set(FLOE_EINVAL,
			                   "columns \"%s\" and \"%s\" both give the field name "
			                   "\"%s\", which Iceberg readers reject: rename one, e.g. "
			                   "\"%s\" AS %s",
			                   a, b, l.v[i].name, ren, alias ? alias : "a_new_name");
		floe_free(alias);
	}
	for (size_t i = 0; i < l.n; i++)
		floe_free(l.v[i].name);
	floe_free(l.v);
	return rc;
}

int floe_engine_describe(floe_engine *e, const char *query, const floe_ice_schema *base,
                         int *next_id, floe_ice_schema **schema_out, char **select_out)
{
	duckdb_prepared_statement ps = NULL;
	floe_ice_type *root = floe_ice_type_new(FLOE_ICE_STRUCT);
	floe_buf sel = FLOE_BUF_INIT;
	char *wrapped = floe_asprintf("SELECT * FROM (%s\n) AS floe_q", query);
	idx_t ncols;
	int rc = 0;
	*schema_out = NULL;
	*select_out = NULL;
	if (root == NULL || wrapped == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if (duckdb_prepare(e->con, wrapped, &ps) == DuckDBError) {
		rc = floe_engine_error("", duckdb_prepare_error(ps));
		goto done;
	}
	ncols = duckdb_prepared_statement_column_count(ps);
	for (idx_t c = 0; rc == 0 && c < ncols; c++) {
		char *name = (char *)duckdb_prepared_statement_column_name(ps, c);
		duckdb_logical_type lt = duckdb_prepared_statement_column_logical_type(ps, c);
		const floe_ice_field *bf = NULL;
		floe_ice_type *t = NULL;
		bool cast = false;
		int fid;
		for (size_t k = 0; base && k < base->root->nfields; k++)
			if (strcmp(base->root->fields[k].name, name) == 0)
				bf = &base->root->fields[k];
		if (name == NULL || *name == '\0') {
			rc = floe_error_set(FLOE_EINVAL, "column %llu of the query has no name",
			                    (unsigned long long)c + 1);
			duckdb_destroy_logical_type(&lt);
			break;
		}
		fid = bf ? bf->id : next(next_id);
		rc = map_type(&t, &cast, lt, bf ? bf->type : NULL, next_id, name);
		duckdb_destroy_logical_type(&lt);
		if (rc) {
			duckdb_free(name);
			break;
		}
		/* a nested type whose shape changed gets fresh ids; simple rule:
		 * reuse only when the kinds agree */
		if ((rc = floe_ice_struct_add(root, fid, name, false, t)) != 0) {
			floe_ice_type_free(t);
			duckdb_free(name);
			break;
		}
		if (c)
			rc = floe_buf_puts(&sel, ", ");
		if (rc == 0 && cast) {
			char *ty = floe_engine_duckdb_type(t);
			rc = ty ? floe_buf_puts(&sel, "CAST(") : FLOE_ENOMEM;
			if (rc == 0)
				rc = floe_buf_put_sql_ident(&sel, name);
			if (rc == 0)
				rc = floe_buf_printf(&sel, " AS %s) AS ", ty);
			floe_free(ty);
		}
		if (rc == 0)
			rc = floe_buf_put_sql_ident(&sel, name);
		duckdb_free(name);
	}
	if (rc == 0 && ncols == 0)
		rc = floe_error_set(FLOE_EINVAL, "the query returns no columns");
	if (rc == 0)
		rc = check_full_names(root);
	if (rc == 0) {
		*schema_out = floe_ice_schema_new(0, root);
		root = NULL;
		if (*schema_out == NULL)
			rc = FLOE_ENOMEM;
	}
	if (rc == 0)
		*select_out = floe_buf_detach(&sel, NULL);
done:
	if (ps)
		duckdb_destroy_prepare(&ps);
	floe_ice_type_free(root);
	floe_buf_free(&sel);
	floe_free(wrapped);
	if (rc) {
		floe_ice_schema_free(*schema_out);
		*schema_out = NULL;
	}
	return rc;
}
