/*
 * Manifests and manifest lists (spec: "Manifests", "Manifest Lists",
 * Appendix A "Avro" and "Sequence Number Inheritance"). Encoding writes the
 * v2 schemas with every field id the spec assigns and the header keys
 * readers rely on; decoding reads fields by name from the writer's schema,
 * so manifests of other writers (extra fields, partitioned specs) load too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe/iceberg.h"

#define MAP_FIELD(name, id, kid, vid, vtype)                                                       \
	"{\"name\":\"" name "\",\"field-id\":" #id ",\"default\":null,\"type\":[\"null\","         \
	"{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{\"type\":\"record\",\"name\":"     \
	"\"k" #kid "_v" #vid                                                                       \
	"\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":" #kid                     \
	"},{\"name\":\"value\",\"type\":\"" vtype "\",\"field-id\":" #vid "}]}}]}"

static const char entry_schema[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,"
    "\"field-id\":1},"
    "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,"
    "\"field-id\":3},"
    "{\"name\":\"file_sequence_number\",\"type\":[\"null\",\"long\"],\"default\":"
    "null,"
    "\"field-id\":4},"
    "{\"name\":\"data_file\",\"field-id\":2,\"type\":{\"type\":\"record\","
    "\"name\":\"r2\","
    "\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100},"
    "{\"name\":\"file_format\",\"type\":\"string\",\"field-id\":101},"
    "{\"name\":\"partition\",\"field-id\":102,\"type\":{\"type\":\"record\","
    "\"name\":\"r102\","
    "\"fields\":[]}},"
    "{\"name\":\"record_count\",\"type\":\"long\",\"field-id\":103},"
    "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"field-id\":104}"
    "," MAP_FIELD("column_sizes", 108, 117, 118, "long") "," MAP_FIELD("value_counts", 109, 119, 120, "long") "," MAP_FIELD(
        "null_value_counts", 110, 121, 122,
        "long") "," MAP_FIELD("nan_value_counts", 137, 138, 139,
                              "long") "," MAP_FIELD("lower_"
                                                    "bounds",
                                                    125, 126, 127,
                                                    "bytes") "," MAP_FIELD("upper_bounds", 128, 129,
                                                                           130,
                                                                           "bytes") ","
                                                                                    "{\"name\":"
                                                                                    "\"key_"
                                                                                    "metadata\","
                                                                                    "\"type\":["
                                                                                    "\"null\","
                                                                                    "\"bytes\"],"
                                                                                    "\"default\":"
                                                                                    "null,\"field-"
                                                                                    "id\":131},"
                                                                                    "{\"name\":"
                                                                                    "\"split_"
                                                                                    "offsets\","
                                                                                    "\"type\":["
                                                                                    "\"null\",{"
                                                                                    "\"type\":"
                                                                                    "\"array\","
                                                                                    "\"items\":"
                                                                                    "\"long\","
                                                                                    "\"element-"
                                                                                    "id\":133}],"
                                                                                    "\"default\":"
                                                                                    "null,\"field-"
                                                                                    "id\":132},"
                                                                                    "{\"name\":"
                                                                                    "\"equality_"
                                                                                    "ids\","
                                                                                    "\"type\":["
                                                                                    "\"null\",{"
                                                                                    "\"type\":"
                                                                                    "\"array\","
                                                                                    "\"items\":"
                                                                                    "\"int\","
                                                                                    "\"element-"
                                                                                    "id\":136}],"
                                                                                    "\"default\":"
                                                                                    "null,\"field-"
                                                                                    "id\":135},"
                                                                                    "{\"name\":"
                                                                                    "\"sort_order_"
                                                                                    "id\",\"type\":"
                                                                                    "[\"null\","
                                                                                    "\"int\"],"
                                                                                    "\"default\":"
                                                                                    "null,\"field-"
                                                                                    "id\":140}"
                                                                                    "]}}]}";

static const char list_schema[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"field-id\":500},"
    "{\"name\":\"manifest_length\",\"type\":\"long\",\"field-id\":501},"
    "{\"name\":\"partition_spec_id\",\"type\":\"int\",\"field-id\":502},"
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":517},"
    "{\"name\":\"sequence_number\",\"type\":\"long\",\"field-id\":515},"
    "{\"name\":\"min_sequence_number\",\"type\":\"long\",\"field-id\":516},"
    "{\"name\":\"added_snapshot_id\",\"type\":\"long\",\"field-id\":503},"
    "{\"name\":\"added_files_count\",\"type\":\"int\",\"field-id\":504},"
    "{\"name\":\"existing_files_count\",\"type\":\"int\",\"field-id\":505},"
    "{\"name\":\"deleted_files_count\",\"type\":\"int\",\"field-id\":506},"
    "{\"name\":\"added_rows_count\",\"type\":\"long\",\"field-id\":512},"
    "{\"name\":\"existing_rows_count\",\"type\":\"long\",\"field-id\":513},"
    "{\"name\":\"deleted_rows_count\",\"type\":\"long\",\"field-id\":514},"
    "{\"name\":\"partitions\",\"type\":[\"null\",{\"type\":\"array\",\"element-id\":508,"
    "\"items\":{\"type\":\"record\",\"name\":\"r508\",\"fields\":["
    "{\"name\":\"contains_null\",\"type\":\"boolean\",\"field-id\":509},"
    "{\"name\":\"contains_nan\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"field-id\":518},"
    "{\"name\":\"lower_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":510},"
    "{\"name\":\"upper_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":511}"
    "]}}],\"default\":null,\"field-id\":507},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":519}"
    "]}";

/* ---- data file helpers ---- */

void floe_ice_data_file_dispose(floe_ice_data_file *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->nstats; i++) {
		floe_free(f->stats[i].lower);
		floe_free(f->stats[i].upper);
	}
	floe_free(f->stats);
	floe_free(f->path);
	floe_free(f->format);
	memset(f, 0, sizeof(*f));
}

int floe_ice_data_file_copy(floe_ice_data_file *dst, const floe_ice_data_file *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->content = src->content;
	dst->record_count = src->record_count;
	dst->file_size = src->file_size;
	dst->path = floe_strdup(src->path);
	dst->format = floe_strdup(src->format ? src->format : "PARQUET");
	if (dst->path == NULL || dst->format == NULL)
		goto fail;
	if (src->nstats) {
		dst->stats = floe_calloc(src->nstats, sizeof(floe_ice_column_stats));
		if (dst->stats == NULL)
			goto fail;
		dst->nstats = src->nstats;
		for (size_t i = 0; i < src->nstats; i++) {
			floe_ice_column_stats *d = &dst->stats[i];
			*d = src->stats[i];
			d->lower = d->upper = NULL;
			if (src->stats[i].lower &&
			    (d->lower = floe_malloc(src->stats[i].lower_len + 1)) == NULL)
				goto fail;
			if (src->stats[i].upper &&
			    (d->upper = floe_malloc(src->stats[i].upper_len + 1)) == NULL)
				goto fail;
			if (d->lower)
				memcpy(d->lower, src->stats[i].lower, d->lower_len);
			if (d->upper)
				memcpy(d->upper, src->stats[i].upper, d->upper_len);
		}
	}
	return 0;
fail:
	floe_ice_data_file_dispose(dst);
	return FLOE_ENOMEM;
}

void floe_ice_data_files_free(floe_ice_data_file *files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		floe_ice_data_file_dispose(&files[i]);
	floe_free(files);
}

void floe_ice_manifest_entries_free(floe_ice_manifest_entry *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		floe_ice_data_file_dispose(&e[i].file);
	floe_free(e);
}

static void partitions_dispose(floe_ice_manifest_file *f)
{
	for (size_t i = 0; i < f->npartitions; i++) {
		floe_free(f->partitions[i].lower);
		floe_free(f->partitions[i].upper);
	}
	floe_free(f->partitions);
	f->partitions = NULL;
	f->npartitions = 0;
}

void floe_ice_manifest_files_free(floe_ice_manifest_file *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++) {
		floe_free(f[i].path);
		partitions_dispose(&f[i]);
	}
	floe_free(f);
}

/* ---- encoding ---- */

static int put_opt_long(floe_avro_writer *w, int64_t v)
{
	int rc;
	if (v < 0)
		return floe_avro_put_union(w, 0);
	rc = floe_avro_put_union(w, 1);
	return rc ? rc : floe_avro_put_long(w, v);
}

typedef enum { M_SIZE, M_VALUES, M_NULLS, M_NANS, M_LOWER, M_UPPER } metric;

/* The bound a manifest gets for one column: as given, except a uuid
 * column's, which are floe_ice_uuid_bounds of the given ones (bounds that
 * hold in the unsigned and in Java's signed order, or none). false = none;
 * *p may point into tmp. */
static bool bound_of(const floe_ice_column_stats *s, const floe_ice_schema *schema, bool upper,
                     uint8_t tmp[16], const uint8_t **p, size_t *len)
{
	const floe_ice_type *t = floe_ice_schema_find_type(schema, s->field_id);
	if (t != NULL && t->kind == FLOE_ICE_UUID) {
		uint8_t lo[16], hi[16];
		if (!floe_ice_uuid_bounds(lo, hi, s->lower, s->lower_len, s->upper, s->upper_len))
			return false;
		memcpy(tmp, upper ? hi : lo, 16);
		*p = tmp;
		*len = 16;
		return true;
	}
	*p = upper ? s->upper : s->lower;
	*len = upper ? s->upper_len : s->lower_len;
	return *p != NULL;
}

static bool has_metric(const floe_ice_column_stats *s, const floe_ice_schema *schema, metric m)
{
	uint8_t tmp[16];
	const uint8_t *p;
	size_t len;
	switch (m) {
	case M_SIZE: return s->column_size >= 0;
	case M_VALUES: return s->value_count >= 0;
	case M_NULLS: return s->null_count >= 0;
	case M_NANS: return s->nan_count >= 0;
	default: return bound_of(s, schema, m == M_UPPER, tmp, &p, &len);
	}
}

static int put_metric_map(floe_avro_writer *w, const floe_ice_data_file *f,
                          const floe_ice_schema *schema, metric m)
{
	int64_t n = 0;
	int rc;
	for (size_t i = 0; i < f->nstats; i++)
		n += has_metric(&f->stats[i], schema, m);
	if (n == 0)
		return floe_avro_put_union(w, 0);
	rc = floe_avro_put_union(w, 1);
	if (rc == 0)
		rc = floe_avro_put_array_start(w, n);
	for (size_t i = 0; rc == 0 && i < f->nstats; i++) {
		const floe_ice_column_stats *s = &f->stats[i];
		uint8_t tmp[16];
		const uint8_t *p = NULL;
		size_t len = 0;
		if (!has_metric(s, schema, m))
			continue;
		rc = floe_avro_put_int(w, s->field_id);
		if (rc)
			break;
		switch (m) {
		case M_SIZE: rc = floe_avro_put_long(w, s->column_size); break;
		case M_VALUES: rc = floe_avro_put_long(w, s->value_count); break;
		case M_NULLS: rc = floe_avro_put_long(w, s->null_count); break;
		case M_NANS: rc = floe_avro_put_long(w, s->nan_count); break;
		case M_LOWER:
		case M_UPPER:
			bound_of(s, schema, m == M_UPPER, tmp, &p, &len);
			rc = floe_avro_put_bytes(w, p, len);
			break;
		}
	}
	return rc ? rc : floe_avro_put_array_end(w);
}

static int put_entry(floe_avro_writer *w, const floe_ice_schema *schema,
                     const floe_ice_manifest_entry *e)
{
	const floe_ice_data_file *f = &e->file;
	int rc = floe_avro_put_int(w, e->status);
	if (rc == 0)
		rc = put_opt_long(w, e->snapshot_id);
	if (rc == 0)
		rc = put_opt_long(w, e->sequence_number);
	if (rc == 0)
		rc = put_opt_long(w, e->file_sequence_number);
	if (rc == 0)
		rc = floe_avro_put_int(w, f->content);
	if (rc == 0)
		rc = floe_avro_put_string(w, f->path);
	if (rc == 0)
		rc = floe_avro_put_string(w, f->format ? f->format : "PARQUET");
	/* partition: empty record r102 encodes to nothing */
	if (rc == 0)
		rc = floe_avro_put_long(w, f->record_count);
	if (rc == 0)
		rc = floe_avro_put_long(w, f->file_size);
	for (metric m = M_SIZE; rc == 0 && m <= M_UPPER; m++)
		rc = put_metric_map(w, f, schema, m);
	for (int i = 0; rc == 0 && i < 4; i++) /* key_metadata, split_offsets, equality_ids,
	                                           sort_order_id: null */
		rc = floe_avro_put_union(w, 0);
	return rc ? rc : floe_avro_writer_end_record(w);
}

static int finish_into(floe_buf *out, floe_avro_writer *w, int rc)
{
	if (rc == 0)
		rc = floe_avro_writer_finish(w);
	if (rc == 0) {
		const floe_buf *data = floe_avro_writer_data(w);
		rc = floe_buf_put(out, data->ptr, data->len);
	}
	floe_avro_writer_free(w);
	return rc;
}

int floe_ice_manifest_encode(floe_buf *out, const floe_ice_schema *schema,
                             const floe_ice_manifest_entry *entries, size_t n)
{
	floe_avro_writer *w = NULL;
	json_t *sj = floe_ice_schema_to_json(schema);
	char *stext = sj ? floe_json_dumps(sj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	char sid[16];
	int rc;
	json_decref(sj);
	if (stext == NULL)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	bool deletes = n > 0 && entries[0].file.content != 0;
	snprintf(sid, sizeof(sid), "%d", schema->schema_id);
	/* spec "Manifests": one manifest holds data files or delete files */
	for (size_t i = 0; i < n; i++)
		if ((entries[i].file.content != 0) != deletes) {
			floe_free(stext);
			return floe_error_set(
			    FLOE_EINVAL, "a manifest holds data files or delete files, not both");
		}
	rc = floe_avro_writer_new(&w, entry_schema, FLOE_AVRO_DEFLATE);
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "schema", stext);
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "schema-id", sid);
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "partition-spec", "[]");
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "partition-spec-id", "0");
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "format-version", "2");
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "content", deletes ? "deletes" : "data");
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = put_entry(w, schema, &entries[i]);
	floe_free(stext);
	if (rc) {
		floe_avro_writer_free(w);
		return rc;
	}
	return finish_into(out, w, rc);
}

static int put_opt_bytes(floe_avro_writer *w, const uint8_t *p, size_t n)
{
	int rc;
	if (p == NULL)
		return floe_avro_put_union(w, 0);
	rc = floe_avro_put_union(w, 1);
	return rc ? rc : floe_avro_put_bytes(w, p, n);
}

/* field 507: null, or one r508 summary per partition field (an empty array
 * for an unpartitioned spec) */
static int put_partitions(floe_avro_writer *w, const floe_ice_manifest_file *f)
{
	int rc;
	if (f->partitions_null)
		return floe_avro_put_union(w, 0);
	rc = floe_avro_put_union(w, 1);
	if (rc == 0 && f->npartitions > 0)
		rc = floe_avro_put_array_start(w, (int64_t)f->npartitions);
	for (size_t i = 0; rc == 0 && i < f->npartitions; i++) {
		const floe_ice_field_summary *p = &f->partitions[i];
		rc = floe_avro_put_bool(w, p->contains_null);
		if (rc == 0)
			rc = floe_avro_put_union(w, p->contains_nan < 0 ? 0 : 1);
		if (rc == 0 && p->contains_nan >= 0)
			rc = floe_avro_put_bool(w, p->contains_nan == 1);
		if (rc == 0)
			rc = put_opt_bytes(w, p->lower, p->lower_len);
		if (rc == 0)
			rc = put_opt_bytes(w, p->upper, p->upper_len);
	}
	return rc ? rc : floe_avro_put_array_end(w);
}

int floe_ice_manifest_list_encode(floe_buf *out, int64_t snapshot_id, int64_t parent_id,
                                  int64_t sequence_number, const floe_ice_manifest_file *files,
                                  size_t n)
{
	floe_avro_writer *w = NULL;
	char sid[24], pid[24], seq[24];
	int rc;
	snprintf(sid, sizeof(sid), "%lld", (long long)snapshot_id);
	snprintf(pid, sizeof(pid), "%lld", (long long)parent_id);
	snprintf(seq, sizeof(seq), "%lld", (long long)sequence_number);
	rc = floe_avro_writer_new(&w, list_schema, FLOE_AVRO_DEFLATE);
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "snapshot-id", sid);
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "parent-snapshot-id", parent_id >= 0 ? pid : "null");
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "sequence-number", seq);
	if (rc == 0)
		rc = floe_avro_writer_meta(w, "format-version", "2");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const floe_ice_manifest_file *f = &files[i];
		rc = floe_avro_put_string(w, f->path);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->length);
		if (rc == 0)
			rc = floe_avro_put_int(w, f->spec_id);
		if (rc == 0)
			rc = floe_avro_put_int(w, f->content);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->sequence_number);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->min_sequence_number);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->added_snapshot_id);
		if (rc == 0)
			rc = floe_avro_put_int(w, f->added_files);
		if (rc == 0)
			rc = floe_avro_put_int(w, f->existing_files);
		if (rc == 0)
			rc = floe_avro_put_int(w, f->deleted_files);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->added_rows);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->existing_rows);
		if (rc == 0)
			rc = floe_avro_put_long(w, f->deleted_rows);
		if (rc == 0)
			rc = put_partitions(w, f);
		if (rc == 0) /* key_metadata */
			rc = floe_avro_put_union(w, 0);
		if (rc == 0)
			rc = floe_avro_writer_end_record(w);
	}
	if (rc) {
		floe_avro_writer_free(w);
		return rc;
	}
	return finish_into(out, w, rc);
}

/* ---- decoding ---- */

/* The format-version header key of a manifest or manifest list: absent
 * (v1 writers), "1" or "2" are read; anything else is refused. */
static int check_format_version(const floe_avro_reader *r, const char *name, const char *what)
{
	const char *v = floe_avro_reader_meta(r, "format-version");
	if (v == NULL || strcmp(v, "1") == 0 || strcmp(v, "2") == 0)
		return 0;
	return floe_error_set(FLOE_EUNSUPPORTED,
	                      "%s: %s format-version '%.20s' is not supported (floe reads format "
	                      "versions 1 and 2)",
	                      name, what, v);
}

static int req_long(const floe_avro_value *rec, const char *field, const char *name, int64_t *out)
{
	if (floe_avro_value_get_long(floe_avro_value_field(rec, field), out) != 0)
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s: required field '%s' is missing or not a number", name,
		                      field);
	return 0;
}

static int64_t opt_long(const floe_avro_value *rec, const char *field)
{
	int64_t v;
	return floe_avro_value_get_long(floe_avro_value_field(rec, field), &v) == 0 ? v : -1;
}

static const char *req_string(const floe_avro_value *rec, const char *field)
{
	const floe_avro_value *v = floe_avro_value_field(rec, field);
	return v && v->type == FLOE_AVRO_T_STRING ? (const char *)v->u.bytes.ptr : NULL;
}

static floe_ice_column_stats *stats_for(floe_ice_data_file *f, int id)
{
	floe_ice_column_stats *s;
	for (size_t i = 0; i < f->nstats; i++)
		if (f->stats[i].field_id == id)
			return &f->stats[i];
	s = floe_realloc(f->stats, (f->nstats + 1) * sizeof(*s));
	if (s == NULL)
		return NULL;
	f->stats = s;
	s += f->nstats++;
	memset(s, 0, sizeof(*s));
	s->field_id = id;
	s->column_size = s->value_count = s->null_count = s->nan_count = -1;
	return s;
}

static int read_metric_map(floe_ice_data_file *f, const floe_avro_value *rec, const char *field,
                           metric m)
{
	const floe_avro_value *arr = floe_avro_value_field(rec, field);
	if (arr == NULL || arr->type != FLOE_AVRO_T_ARRAY)
		return 0;
	for (size_t i = 0; i < arr->u.list.count; i++) {
		const floe_avro_value *kv = arr->u.list.items[i];
		const floe_avro_value *v = floe_avro_value_field(kv, "value");
		int64_t key, num = -1;
		floe_ice_column_stats *s;
		if (floe_avro_value_get_long(floe_avro_value_field(kv, "key"), &key) != 0 ||
		    v == NULL)
			continue;
		if ((s = stats_for(f, (int)key)) == NULL)
			return FLOE_ENOMEM;
		if (m == M_LOWER || m == M_UPPER) {
			uint8_t *p;
			if (v->type != FLOE_AVRO_T_BYTES)
				continue;
			if ((p = floe_malloc(v->u.bytes.len + 1)) == NULL)
				return FLOE_ENOMEM;
			memcpy(p, v->u.bytes.ptr, v->u.bytes.len);
			if (m == M_LOWER) {
				floe_free(s->lower);
				s->lower = p;
				s->lower_len = v->u.bytes.len;
			} else {
				floe_free(s->upper);
				s->upper = p;
				s->upper_len = v->u.bytes.len;
			}
			continue;
		}
		floe_avro_value_get_long(v, &num);
		if (m == M_SIZE)
			s->column_size = num;
		else if (m == M_VALUES)
			s->value_count = num;
		else if (m == M_NULLS)
			s->null_count = num;
		else
			s->nan_count = num;
	}
	return 0;
}

static int decode_entry(floe_ice_manifest_entry *e, const floe_avro_value *rec, const char *name,
                        const floe_ice_manifest_file *mf)
{
	const floe_avro_value *df = floe_avro_value_field(rec, "data_file");
	const char *path, *fmt;
	int64_t status, content = 0;
	int rc;
	memset(e, 0, sizeof(*e));
	if ((rc = req_long(rec, "status", name, &status)) != 0)
		return rc;
	if (status < 0 || status > 2)
		return floe_error_set(FLOE_ECORRUPT, "%s: manifest entry status %lld is invalid",
		                      name, (long long)status);
	e->status = (int)status;
	e->snapshot_id = opt_long(rec, "snapshot_id");
	e->sequence_number = opt_long(rec, "sequence_number");
	e->file_sequence_number = opt_long(rec, "file_sequence_number");
	if (df == NULL || df->type != FLOE_AVRO_T_RECORD)
		return floe_error_set(FLOE_ECORRUPT, "%s: manifest entry has no data_file", name);
	path = req_string(df, "file_path");
	fmt = req_string(df, "file_format");
	if (path == NULL || fmt == NULL)
		return floe_error_set(FLOE_ECORRUPT, "%s: data_file lacks file_path or file_format",
		                      name);
	floe_avro_value_get_long(floe_avro_value_field(df, "content"), &content);
	if (content < 0 || content > 2)
		return floe_error_set(FLOE_ECORRUPT, "%s: data_file content %lld of %s is invalid",
		                      name, (long long)content, path);
	e->file.content = (int)content;
	if ((rc = req_long(df, "record_count", name, &e->file.record_count)) != 0 ||
	    (rc = req_long(df, "file_size_in_bytes", name, &e->file.file_size)) != 0)
		return rc;
	if (e->file.record_count < 0 || e->file.file_size < 0)
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s: data_file %s has a negative record count or size", name,
		                      path);
	e->file.path = floe_strdup(path);
	e->file.format = floe_strdup(fmt);
	if (e->file.path == NULL || e->file.format == NULL)
		return FLOE_ENOMEM;
	if ((rc = read_metric_map(&e->file, df, "column_sizes", M_SIZE)) != 0 ||
	    (rc = read_metric_map(&e->file, df, "value_counts", M_VALUES)) != 0 ||
	    (rc = read_metric_map(&e->file, df, "null_value_counts", M_NULLS)) != 0 ||
	    (rc = read_metric_map(&e->file, df, "nan_value_counts", M_NANS)) != 0 ||
	    (rc = read_metric_map(&e->file, df, "lower_bounds", M_LOWER)) != 0 ||
	    (rc = read_metric_map(&e->file, df, "upper_bounds", M_UPPER)) != 0)
		return rc;
	/* sequence number inheritance (spec): only ADDED entries inherit */
	if (mf != NULL) {
		if (e->snapshot_id < 0)
			e->snapshot_id = mf->added_snapshot_id;
		if (e->status == 1 && e->sequence_number < 0)
			e->sequence_number = mf->sequence_number;
		if (e->status == 1 && e->file_sequence_number < 0)
			e->file_sequence_number = mf->sequence_number;
	}
	if (e->status != 1 && mf != NULL && e->sequence_number < 0)
		return floe_error_set(FLOE_ECORRUPT, "%s: %s entry for %s has no sequence number",
		                      name, e->status == 0 ? "EXISTING" : "DELETED", path);
	return 0;
}

int floe_ice_manifest_decode(floe_ice_manifest_entry **out, size_t *n, const void *data, size_t len,
                             const char *name, const floe_ice_manifest_file *mf)
{
	floe_avro_reader *r = NULL;
	floe_ice_manifest_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	const floe_avro_value *rec;
	int rc;
	*out = NULL;
	*n = 0;
	rc = floe_avro_reader_open(&r, data, len, name);
	if (rc == 0)
		rc = check_format_version(r, name, "manifest");
	while (rc == 0 && (rc = floe_avro_reader_next(r, &rec)) == 1) {
		if (cnt == cap) {
			floe_ice_manifest_entry *g;
			cap = cap ? cap * 2 : 16;
			if ((g = floe_realloc(v, cap * sizeof(*v))) == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			v = g;
		}
		rc = decode_entry(&v[cnt], rec, name, mf);
		cnt++;
	}
	floe_avro_reader_free(r);
	if (rc < 0) {
		floe_ice_manifest_entries_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int copy_opt_bytes(uint8_t **out, size_t *len, const floe_avro_value *v)
{
	*out = NULL;
	*len = 0;
	if (v == NULL || v->type != FLOE_AVRO_T_BYTES)
		return 0;
	if ((*out = floe_malloc(v->u.bytes.len + 1)) == NULL)
		return FLOE_ENOMEM;
	memcpy(*out, v->u.bytes.ptr, v->u.bytes.len);
	*len = v->u.bytes.len;
	return 0;
}

/* field 507 as read, so that carrying the manifest forward keeps it */
static int read_partitions(floe_ice_manifest_file *f, const floe_avro_value *arr, const char *name)
{
	if (arr == NULL || arr->type != FLOE_AVRO_T_ARRAY) {
		f->partitions_null = true;
		return 0;
	}
	if (arr->u.list.count == 0)
		return 0;
	f->partitions = floe_calloc(arr->u.list.count, sizeof(*f->partitions));
	if (f->partitions == NULL)
		return FLOE_ENOMEM;
	for (size_t i = 0; i < arr->u.list.count; i++) {
		const floe_avro_value *e = arr->u.list.items[i];
		const floe_avro_value *cn = floe_avro_value_field(e, "contains_null");
		const floe_avro_value *nan = floe_avro_value_field(e, "contains_nan");
		floe_ice_field_summary *p = &f->partitions[f->npartitions];
		int rc;
		if (cn == NULL || cn->type != FLOE_AVRO_T_BOOLEAN)
			return floe_error_set(FLOE_ECORRUPT,
			                      "%s: partition summary of %s lacks contains_null",
			                      name, f->path);
		f->npartitions++;
		p->contains_null = cn->u.b;
		p->contains_nan = nan && nan->type == FLOE_AVRO_T_BOOLEAN ? nan->u.b : -1;
		if ((rc = copy_opt_bytes(&p->lower, &p->lower_len,
		                         floe_avro_value_field(e, "lower_bound"))) != 0 ||
		    (rc = copy_opt_bytes(&p->upper, &p->upper_len,
		                         floe_avro_value_field(e, "upper_bound"))) != 0)
			return rc;
	}
	return 0;
}

int floe_ice_manifest_list_decode(floe_ice_manifest_file **out, size_t *n, const void *data,
                                  size_t len, const char *name)
{
	floe_avro_reader *r = NULL;
	floe_ice_manifest_file *v = NULL;
	size_t cnt = 0, cap = 0;
	const floe_avro_value *rec;
	int rc;
	*out = NULL;
	*n = 0;
	rc = floe_avro_reader_open(&r, data, len, name);
	if (rc == 0)
		rc = check_format_version(r, name, "manifest list");
	while (rc == 0 && (rc = floe_avro_reader_next(r, &rec)) == 1) {
		floe_ice_manifest_file *f;
		const char *path = req_string(rec, "manifest_path");
		int64_t tmp;
		if (cnt == cap) {
			floe_ice_manifest_file *g;
			cap = cap ? cap * 2 : 8;
			if ((g = floe_realloc(v, cap * sizeof(*v))) == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			v = g;
		}
		f = &v[cnt++];
		memset(f, 0, sizeof(*f));
		if (path == NULL) {
			rc = floe_error_set(FLOE_ECORRUPT,
			                    "%s: manifest list entry lacks manifest_path", name);
			break;
		}
		if ((f->path = floe_strdup(path)) == NULL) {
			rc = FLOE_ENOMEM;
			break;
		}
		if ((rc = req_long(rec, "manifest_length", name, &f->length)) != 0 ||
		    (rc = req_long(rec, "added_snapshot_id", name, &f->added_snapshot_id)) != 0)
			break;
		f->spec_id = (int)(opt_long(rec, "partition_spec_id") < 0
		                       ? 0
		                       : opt_long(rec, "partition_spec_id"));
		f->content = (int)(opt_long(rec, "content") < 0 ? 0 : opt_long(rec, "content"));
		if (opt_long(rec, "content") > 1) {
			rc = floe_error_set(FLOE_ECORRUPT, "%s: manifest %s has content %lld", name,
			                    path, (long long)opt_long(rec, "content"));
			break;
		}
		if (!floe_avro_value_is_null(floe_avro_value_field(rec, "key_metadata"))) {
			rc = floe_error_set(
			    FLOE_EUNSUPPORTED,
			    "%s: manifest %s is encrypted (key_metadata); floe reads "
			    "unencrypted tables only",
			    name, path);
			break;
		}
		if ((rc = read_partitions(f, floe_avro_value_field(rec, "partitions"), name)) != 0)
			break;
		f->sequence_number = opt_long(rec, "sequence_number");
		f->min_sequence_number = opt_long(rec, "min_sequence_number");
		if (f->sequence_number < 0)
			f->sequence_number = 0; /* v1 list: sequence number 0 */
		if (f->min_sequence_number < 0)
			f->min_sequence_number = 0;
		tmp = opt_long(rec, "added_files_count");
		f->added_files = (int32_t)(tmp < 0 ? 0 : tmp);
		tmp = opt_long(rec, "existing_files_count");
		f->existing_files = (int32_t)(tmp < 0 ? 0 : tmp);
		tmp = opt_long(rec, "deleted_files_count");
		f->deleted_files = (int32_t)(tmp < 0 ? 0 : tmp);
		f->added_rows = opt_long(rec, "added_rows_count");
		f->existing_rows = opt_long(rec, "existing_rows_count");
		f->deleted_rows = opt_long(rec, "deleted_rows_count");
	}
	floe_avro_reader_free(r);
	if (rc < 0) {
		floe_ice_manifest_files_free(v, cnt);
		return rc;
	}
	*out = v;
	*n = cnt;
	return 0;
}
