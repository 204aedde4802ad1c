/*
 * Snapshot production and scan planning (spec: "Snapshots", "Manifest
 * Lists", "Scan Planning"; ICEBERG-NOTES.md section 7). An append writes a
 * manifest of ADDED entries and a manifest list that carries the parent's
 * manifests forward unchanged; an overwrite writes the ADDED manifest plus
 * one of DELETED entries for every live file of the parent. The result is a
 * REST-style list of requirements and updates for the catalog to commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe/iceberg.h"
#include "iceberg_internal.h"

static int read_list(floe_ice_manifest_file **out, size_t *n, const char *uri)
{
	floe_buf b;
	int rc = floe_storage_read(&b, uri, 0);
	if (rc)
		return rc;
	rc = floe_ice_manifest_list_decode(out, n, b.ptr, b.len, uri);
	floe_buf_free(&b);
	return rc;
}

static int read_manifest(floe_ice_manifest_entry **out, size_t *n, const floe_ice_manifest_file *mf)
{
	floe_buf b;
	int rc = floe_storage_read(&b, mf->path, 0);
	if (rc)
		return rc;
	rc = floe_ice_manifest_decode(out, n, b.ptr, b.len, mf->path, mf);
	floe_buf_free(&b);
	return rc;
}

typedef struct {
	int64_t files, records, bytes;
} totals;

/* Live delete files of a snapshot, by kind (data_file content 1 and 2). */
typedef struct {
	totals pos, eq;
} delete_totals;

/* t += one file; counts read from others' manifests are checked, never
 * trusted to stay within 64 bits */
static int count_file(totals *t, const floe_ice_data_file *f, const char *name)
{
	if (__builtin_add_overflow(t->files, 1, &t->files) ||
	    __builtin_add_overflow(t->records, f->record_count, &t->records) ||
	    __builtin_add_overflow(t->bytes, f->file_size, &t->bytes))
		return floe_error_set(FLOE_ECORRUPT,
		                      "%s: record counts or file sizes overflow 64 bits", name);
	return 0;
}

/*
 * Live entries (ADDED/EXISTING) of a snapshot's data files, and the counts
 * of its live delete files in *dels. Every manifest is read, delete
 * manifests too: one whose entries are all DELETED holds no live delete.
 */
static int live_entries(floe_ice_manifest_entry **out, size_t *n, const char *manifest_list,
                        delete_totals *dels)
{
	floe_ice_manifest_file *mfs = NULL;
	floe_ice_manifest_entry *all = NULL;
	size_t nmf = 0, cnt = 0, cap = 0;
	int rc = read_list(&mfs, &nmf, manifest_list);
	memset(dels, 0, sizeof(*dels));
	for (size_t i = 0; rc == 0 && i < nmf; i++) {
		floe_ice_manifest_entry *e = NULL;
		size_t ne = 0, k;
		if ((rc = read_manifest(&e, &ne, &mfs[i])) != 0)
			break;
		for (k = 0; rc == 0 && k < ne; k++) {
			if (e[k].status == 2)
				continue;
			if (e[k].file.content != 0) {
				rc = count_file(e[k].file.content == 1 ? &dels->pos : &dels->eq,
				                &e[k].file, mfs[i].path);
				continue;
			}
			if (cnt == cap) {
				floe_ice_manifest_entry *g;
				cap = cap ? cap * 2 : 16;
				if ((g = floe_realloc(all, cap * sizeof(*all))) == NULL) {
					rc = FLOE_ENOMEM;
					break;
				}
				all = g;
			}
			all[cnt++] = e[k]; /* moves the file's memory */
			memset(&e[k].file, 0, sizeof(e[k].file));
		}
		floe_ice_manifest_entries_free(e, ne); /* what was not moved */
	}
	floe_ice_manifest_files_free(mfs, nmf);
	if (rc) {
		floe_ice_manifest_entries_free(all, cnt);
		return rc;
	}
	*out = all;
	*n = cnt;
	return 0;
}

static int deletes_unsupported(const floe_ice_metadata *m, int64_t snapshot_id,
                               const delete_totals *d)
{
	const char *name = floe_ice_metadata_name(m);
	char where[600];
	if (name != NULL)
		snprintf(where, sizeof(where), "%s", name);
	else
		snprintf(where, sizeof(where), "table at %s", floe_ice_metadata_location(m));
	return floe_error_set(FLOE_EUNSUPPORTED,
	                      "%s: snapshot %lld has %lld live delete files (%lld position "
	                      "deletes files, %lld rows; %lld equality deletes files, %lld "
	                      "rows): floe cannot apply row-level deletes yet, and its data files "
	                      "alone would bring deleted rows back",
	                      where, (long long)snapshot_id,
	                      (long long)(d->pos.files + d->eq.files), (long long)d->pos.files,
	                      (long long)d->pos.records, (long long)d->eq.files,
	                      (long long)d->eq.records);
}

int floe_ice_scan_files(floe_ice_data_file **out, size_t *n, const floe_ice_metadata *m,
                        int64_t snapshot_id)
{
	floe_ice_snapshot snap;
	floe_ice_manifest_entry *e = NULL;
	floe_ice_data_file *files;
	delete_totals dels;
	size_t ne = 0;
	int rc;
	*out = NULL;
	*n = 0;
	if (snapshot_id < 0)
		snapshot_id = floe_ice_metadata_current_snapshot_id(m);
	if (snapshot_id < 0)
		return 0;
	if ((rc = floe_ice_metadata_snapshot_by_id(m, snapshot_id, &snap)) != 0)
		return rc;
	if ((rc = live_entries(&e, &ne, snap.manifest_list, &dels)) != 0)
		return rc;
	if (dels.pos.files > 0 || dels.eq.files > 0) {
		floe_ice_manifest_entries_free(e, ne);
		return deletes_unsupported(m, snapshot_id, &dels);
	}
	files = floe_calloc(ne ? ne : 1, sizeof(*files));
	if (files == NULL) {
		floe_ice_manifest_entries_free(e, ne);
		return FLOE_ENOMEM;
	}
	for (size_t i = 0; i < ne; i++)
		files[i] = e[i].file; /* move */
	floe_free(e);
	*out = files;
	*n = ne;
	return 0;
}

/* ---- producing a snapshot ---- */

static int64_t fresh_snapshot_id(const floe_ice_metadata *m)
{
	for (;;) {
		floe_ice_snapshot s;
		int64_t id = (int64_t)(floe_random_u64() & (uint64_t)INT64_MAX);
		if (id != 0 && floe_ice_metadata_snapshot_by_id(m, id, &s) != 0) {
			floe_error_clear();
			return id;
		}
	}
}

static char *new_uuid(void)
{
	uint8_t u[16];
	char s[37];
	floe_uuid_v4(u);
	floe_uuid_format(u, s);
	return floe_strdup(s);
}

/* Write one manifest and describe it for the manifest list. */
static int write_manifest(floe_ice_manifest_file *mf, char **written, const char *metadir,
                          const char *uuid, int idx, const floe_ice_schema *schema,
                          const floe_ice_manifest_entry *e, size_t n, int64_t snapshot_id,
                          int64_t seq)
{
	floe_buf b = FLOE_BUF_INIT;
	char rel[80];
	int rc;
	memset(mf, 0, sizeof(*mf));
	snprintf(rel, sizeof(rel), "%s-m%d.avro", uuid, idx);
	mf->path = floe_storage_join(metadir, rel);
	if (mf->path == NULL)
		return FLOE_ENOMEM;
	rc = floe_ice_manifest_encode(&b, schema, e, n);
	if (rc == 0)
		rc = floe_storage_write(mf->path, b.ptr, b.len);
	if (rc == 0 && (*written = floe_strdup(mf->path)) == NULL) {
		floe_storage_delete(mf->path);
		rc = FLOE_ENOMEM;
	}
	mf->length = (int64_t)b.len;
	mf->spec_id = 0;
	mf->content = 0;
	mf->sequence_number = seq;
	mf->min_sequence_number = seq;
	mf->added_snapshot_id = snapshot_id;
	for (size_t i = 0; i < n; i++) {
		if (e[i].status == 1) {
			mf->added_files++;
			mf->added_rows += e[i].file.record_count;
		} else if (e[i].status == 0) {
			mf->existing_files++;
			mf->existing_rows += e[i].file.record_count;
		} else {
			mf->deleted_files++;
			mf->deleted_rows += e[i].file.record_count;
		}
		/* minimum data sequence number of the live files (spec "Manifest
		 * Lists", field 516): ADDED ones inherit seq, DELETED ones do not
		 * count; with no live file it stays seq, as Java writes it */
		if (e[i].status == 0 && e[i].sequence_number >= 0 &&
		    e[i].sequence_number < mf->min_sequence_number)
			mf->min_sequence_number = e[i].sequence_number;
	}
	floe_buf_free(&b);
	return rc;
}

/* summary[key] = v as a string; false on failure */
static bool set_num(json_t *summary, const char *key, int64_t v, bool always)
{
	char s[24];
	if (!always && v == 0)
		return true;
	snprintf(s, sizeof(s), "%lld", (long long)v);
	return json_object_set_new(summary, key, json_string(s)) == 0;
}

static int add_totals(totals *t, const floe_ice_data_file *f, size_t n)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = count_file(t, &f[i], "new data files");
	return rc;
}

/* One total-* key, as Java's SnapshotProducer.updateTotal: a base plus
 * added minus removed. The base is `known` when floe counted it (no parent:
 * 0; an overwrite replaces every live file of the parent, which it read),
 * else the parent's own total; a parent without a valid one (a table
 * another engine wrote) leaves the total unknown and the key out, as does
 * a negative result. */
static bool set_total(json_t *summary, const char *key, const floe_ice_snapshot *parent,
                      const int64_t *known, int64_t added, int64_t removed)
{
	int64_t base;
	if (known) {
		base = *known;
	} else {
		const char *v = json_string_value(json_object_get(parent->summary, key));
		if (v == NULL || floe_parse_i64(&base, v) != 0 || base < 0) {
			floe_error_clear();
			return true;
		}
	}
	if (base > INT64_MAX - added || base + added - removed < 0)
		return true;
	return set_num(summary, key, base + added - removed, true);
}

/* The snapshot summary (spec App. F); NULL with FLOE_ENOMEM set when any
 * key cannot be set: a summary is never committed with a key missing. */
static json_t *make_summary(floe_ice_op op, const totals *added, const totals *removed,
                            const delete_totals *dels, const floe_ice_snapshot *parent,
                            const totals *parent_live, const json_t *extra)
{
	json_t *s = json_object();
	/* an overwrite carries none of the parent's manifests (delete files
	 * included): every total is floe's own count */
	bool known = parent == NULL || op == FLOE_ICE_OP_OVERWRITE, ok = s != NULL;
	const int64_t zero = 0;
	const char *k;
	json_t *v;
	if (!ok)
		return NULL;
	ok = ok && json_object_set_new(
	               s, "operation",
	               json_string(op == FLOE_ICE_OP_APPEND ? "append" : "overwrite")) == 0;
	ok = ok && set_num(s, "added-data-files", added->files, false);
	ok = ok && set_num(s, "added-records", added->records, false);
	ok = ok && set_num(s, "added-files-size", added->bytes, false);
	ok = ok && set_num(s, "deleted-data-files", removed->files, false);
	ok = ok && set_num(s, "deleted-records", removed->records, false);
	ok = ok && set_num(s, "removed-files-size", removed->bytes, false);
	ok = ok && set_num(s, "removed-delete-files", dels->pos.files + dels->eq.files, false);
	ok = ok && set_num(s, "removed-position-deletes", dels->pos.records, false);
	ok = ok && set_num(s, "removed-equality-deletes", dels->eq.records, false);
	ok = ok && set_total(s, "total-data-files", parent, known ? &parent_live->files : NULL,
	                     added->files, removed->files);
	ok = ok && set_total(s, "total-records", parent, known ? &parent_live->records : NULL,
	                     added->records, removed->records);
	ok = ok && set_total(s, "total-files-size", parent, known ? &parent_live->bytes : NULL,
	                     added->bytes, removed->bytes);
	/* floe adds no delete files; an append keeps the parent's, an
	 * overwrite removes them all */
	ok = ok && set_total(s, "total-delete-files", parent, known ? &zero : NULL, 0, 0);
	ok = ok && set_total(s, "total-position-deletes", parent, known ? &zero : NULL, 0, 0);
	ok = ok && set_total(s, "total-equality-deletes", parent, known ? &zero : NULL, 0, 0);
	ok = ok && json_object_set_new(s, "engine-name", json_string("floe")) == 0;
	ok = ok && json_object_set_new(s, "engine-version", json_string("0.1.0")) == 0;
	if (extra)
		json_object_foreach((json_t *)extra, k, v) ok = ok && json_object_set(s, k, v) == 0;
	if (!ok) {
		json_decref(s);
		floe_error_set(FLOE_ENOMEM, "out of memory building the snapshot summary");
		return NULL;
	}
	return s;
}

/* The schema id the updates will give new_schema: an equal existing one, or
 * max + 1 (the rule floe_ice_updates_apply follows); FLOE_ENOMEM when the
 * existing schemas cannot be compared. */
static int schema_id_for(const floe_ice_metadata *base, const floe_ice_schema *s, bool *is_new)
{
	const json_t *schemas = json_object_get(floe_ice_metadata_json(base), "schemas"), *e;
	int max = -1;
	size_t i;
	json_array_foreach(schemas, i, e)
	{
		floe_ice_schema *have = NULL;
		int id = (int)json_integer_value(json_object_get(e, "schema-id"));
		if (id > max)
			max = id;
		int rc = floe_ice_schema_from_json(&have, e);
		if (rc == 0 && floe_ice_schema_equal(have, s) &&
		    have->nidentifier == s->nidentifier) {
			floe_ice_schema_free(have);
			*is_new = false;
			return id;
		}
		floe_ice_schema_free(have);
		if (rc == FLOE_ENOMEM)
			return rc; /* not "no equal schema" */
	}
	floe_error_clear();
	*is_new = true;
	return max + 1;
}

int floe_ice_snapshot_produce(json_t **requirements, json_t **updates, int64_t *snapshot_id_out,
                              const floe_ice_metadata *base, floe_ice_op op,
                              const floe_ice_data_file *files, size_t n,
                              const floe_ice_schema *new_schema, const json_t *extra_summary)
{
	floe_ice_snapshot parent_snap, *parent = NULL;
	floe_ice_manifest_file *parent_mfs = NULL, mfs[2];
	floe_ice_manifest_file *list = NULL;
	floe_ice_manifest_entry *added = NULL, *gone = NULL;
	floe_ice_schema *cur = NULL, *mschema = NULL;
	size_t nparent_mfs = 0, ngone = 0, nlist = 0, nmfs = 0;
	char *written[3] = {NULL, NULL, NULL};
	char *uuid = NULL, *metadir = NULL, *list_path = NULL;
	totals t_added = {0, 0, 0}, t_removed = {0, 0, 0}, t_parent = {0, 0, 0};
	json_t *snap = NULL, *upd = NULL, *req = NULL, *summary = NULL;
	floe_buf b = FLOE_BUF_INIT;
	delete_totals dels;
	int64_t parent_id = floe_ice_metadata_current_snapshot_id(base);
	int64_t seq = floe_ice_metadata_last_sequence_number(base);
	int64_t sid = fresh_snapshot_id(base), now = floe_time_now_ms();
	int schema_id, rc;
	bool schema_new = false, ok;
	char rel[96];

	*requirements = *updates = NULL;
	memset(mfs, 0, sizeof(mfs));
	memset(&dels, 0, sizeof(dels));
	if (floe_ice_metadata_format_version(base) != 2)
		return floe_error_set(
		    FLOE_EUNSUPPORTED,
		    "table at %s is format-version %d: floe writes format-version "
		    "2 tables only",
		    floe_ice_metadata_location(base), floe_ice_metadata_format_version(base));
	/* the next sequence number; the spec's is a long, and a table at the
	 * end of it (or corrupt) cannot take another snapshot */
	if (seq < 0 || seq == INT64_MAX)
		return floe_error_set(
		    FLOE_ECORRUPT,
		    "table at %s: last-sequence-number %lld leaves no next sequence "
		    "number",
		    floe_ice_metadata_location(base), (long long)seq);
	seq++;
	if ((rc = floe_ice_metadata_schema(base, -1, &cur)) != 0)
		goto done;
	if (new_schema && !floe_ice_schema_equal(new_schema, cur)) {
		if ((schema_id = schema_id_for(base, new_schema, &schema_new)) < 0) {
			rc = schema_id;
			goto done;
		}
	} else {
		schema_id = cur->schema_id;
	}
	/* every manifest this snapshot writes carries the snapshot's schema and
	 * its id in the header (spec "Manifests"), whatever id the caller's
	 * schema object has */
	mschema = floe_ice_schema_clone(new_schema ? new_schema : cur);
	if (mschema == NULL) {
		rc = floe_error_set(FLOE_ENOMEM, "out of memory");
		goto done;
	}
	mschema->schema_id = schema_id;
	if (parent_id >= 0) {
		if ((rc = floe_ice_metadata_snapshot_by_id(base, parent_id, &parent_snap)) != 0)
			goto done;
		parent = &parent_snap;
	}
	uuid = new_uuid();
	metadir = floe_storage_join(floe_ice_metadata_location(base), "metadata");
	if (uuid == NULL || metadir == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}

	/* ADDED entries for the new files */
	if (n > 0) {
		added = floe_calloc(n, sizeof(*added));
		if (added == NULL) {
			rc = FLOE_ENOMEM;
			goto done;
		}
		for (size_t i = 0; i < n; i++) {
			added[i].status = 1;
			added[i].snapshot_id = sid;
			added[i].sequence_number = -1; /* inherited (spec) */
			added[i].file_sequence_number = -1;
			added[i].file = files[i]; /* borrowed: not freed below */
		}
		if ((rc = add_totals(&t_added, files, n)) != 0)
			goto done;
		rc = write_manifest(&mfs[nmfs], &written[0], metadir, uuid, 0, mschema, added, n,
		                    sid, seq);
		nmfs++;
		if (rc)
			goto done;
	}
	if (parent) {
		if (op == FLOE_ICE_OP_APPEND) {
			rc = read_list(&parent_mfs, &nparent_mfs, parent->manifest_list);
		} else {
			/* every live data file becomes a DELETED entry; the parent's
			 * delete files go with the rows they deleted */
			rc = live_entries(&gone, &ngone, parent->manifest_list, &dels);
			for (size_t i = 0; rc == 0 && i < ngone; i++) {
				gone[i].status = 2;
				gone[i].snapshot_id = sid;
				rc = count_file(&t_removed, &gone[i].file, parent->manifest_list);
			}
			if (rc == 0 && (__builtin_add_overflow(t_removed.bytes, dels.pos.bytes,
			                                       &t_removed.bytes) ||
			                __builtin_add_overflow(t_removed.bytes, dels.eq.bytes,
			                                       &t_removed.bytes)))
				rc =
				    floe_error_set(FLOE_ECORRUPT, "%s: file sizes overflow 64 bits",
				                   parent->manifest_list);
			if (rc == 0 && ngone > 0) {
				rc = write_manifest(&mfs[nmfs], &written[1], metadir, uuid, 1,
				                    mschema, gone, ngone, sid, seq);
				nmfs++;
			}
			t_parent = t_removed;
		}
		if (rc)
			goto done;
	}

	/* manifest list: new manifests first, then the parent's (append) */
	nlist = nmfs + nparent_mfs;
	list = floe_calloc(nlist ? nlist : 1, sizeof(*list));
	if (list == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	memcpy(list, mfs, nmfs * sizeof(*list));
	if (nparent_mfs)
		memcpy(list + nmfs, parent_mfs, nparent_mfs * sizeof(*list));
	rc = floe_ice_manifest_list_encode(&b, sid, parent_id, seq, list, nlist);
	if (rc)
		goto done;
	snprintf(rel, sizeof(rel), "snap-%lld-1-%s.avro", (long long)sid, uuid);
	if ((list_path = floe_storage_join(metadir, rel)) == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((rc = floe_storage_write(list_path, b.ptr, b.len)) != 0)
		goto done;
	if ((written[2] = floe_strdup(list_path)) == NULL) {
		floe_storage_delete(list_path);
		rc = FLOE_ENOMEM;
		goto done;
	}

	/* Every JSON value below is checked: an update list with the snapshot
	 * but without the ref that makes it current (or a snapshot without
	 * its summary) is never returned. json_pack's "o" takes its value
	 * over even when packing fails. */
	summary = make_summary(op, &t_added, &t_removed, &dels, parent, &t_parent, extra_summary);
	if (summary == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	snap = json_pack("{s:I,s:I,s:I,s:s,s:o,s:i}", "snapshot-id", (json_int_t)sid,
	                 "sequence-number", (json_int_t)seq, "timestamp-ms", (json_int_t)now,
	                 "manifest-list", list_path, "summary", summary, "schema-id", schema_id);
	summary = NULL;
	upd = json_array();
	ok = snap != NULL && upd != NULL;
	if (ok && parent_id >= 0)
		ok = json_object_set_new(snap, "parent-snapshot-id", json_integer(parent_id)) == 0;
	if (ok && schema_new) {
		json_t *sj = floe_ice_schema_to_json(new_schema);
		int last = floe_ice_metadata_last_column_id(base);
		if (floe_ice_schema_max_id(new_schema) > last)
			last = floe_ice_schema_max_id(new_schema);
		ok = sj != NULL &&
		     json_object_set_new(sj, "schema-id", json_integer(schema_id)) == 0;
		if (!ok)
			json_decref(sj);
		ok = ok && json_array_append_new(upd, json_pack("{s:s,s:o,s:i}", "action",
		                                                "add-schema", "schema", sj,
		                                                "last-column-id", last)) == 0;
		ok = ok && json_array_append_new(upd, json_pack("{s:s,s:i}", "action",
		                                                "set-current-schema", "schema-id",
		                                                -1)) == 0;
	} else if (ok && schema_id != cur->schema_id) {
		ok = json_array_append_new(upd,
		                           json_pack("{s:s,s:i}", "action", "set-current-schema",
		                                     "schema-id", schema_id)) == 0;
	}
	ok = ok && json_array_append_new(upd, json_pack("{s:s,s:O}", "action", "add-snapshot",
	                                                "snapshot", snap)) == 0;
	ok = ok &&
	     json_array_append_new(upd, json_pack("{s:s,s:s,s:s,s:I}", "action", "set-snapshot-ref",
	                                          "ref-name", "main", "type", "branch",
	                                          "snapshot-id", (json_int_t)sid)) == 0;
	if (ok)
		req = json_pack("[{s:s,s:s},{s:s,s:s,s:o}]", "type", "assert-table-uuid", "uuid",
		                floe_ice_metadata_uuid(base), "type", "assert-ref-snapshot-id",
		                "ref", "main", "snapshot-id",
		                parent_id >= 0 ? json_integer(parent_id) : json_null());
	if (!ok || req == NULL) {
		rc = floe_error_set(FLOE_ENOMEM, "out of memory building the commit's updates");
		goto done;
	}
	*requirements = req;
	*updates = upd;
	*snapshot_id_out = sid;
	req = upd = NULL;
done:
	if (rc) {
		for (int i = 0; i < 3; i++)
			if (written[i])
				floe_storage_delete(written[i]);
	}
	for (int i = 0; i < 3; i++)
		floe_free(written[i]);
	json_decref(summary);
	json_decref(snap);
	json_decref(upd);
	json_decref(req);
	floe_buf_free(&b);
	for (size_t i = 0; i < nmfs; i++)
		floe_free(mfs[i].path);
	floe_free(list);
	floe_ice_manifest_files_free(parent_mfs, nparent_mfs);
	floe_free(added);
	floe_ice_manifest_entries_free(gone, ngone);
	floe_ice_schema_free(mschema);
	floe_ice_schema_free(cur);
	floe_free(list_path);
	floe_free(metadir);
	floe_free(uuid);
	return rc;
}
