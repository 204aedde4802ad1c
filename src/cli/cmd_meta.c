/*
 * The catalog verbs of the cli: namespace, tables, show, history, drop, and
 * `generate jaffle`. Each read verb prints a human table or, with --json, a
 * JSON document with stable field names.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jaffle.h"

static int parse_properties(json_t **out, const cli_args *a)
{
	json_t *props = json_object();
	if (props == NULL)
		return floe_error_set(FLOE_ENOMEM, "out of memory");
	for (size_t i = 0; i < a->nopt; i++) {
		const char *kv = a->opt_value[i], *eq;
		char *key;
		if (strcmp(a->opt_name[i], "--property") != 0)
			continue;
		eq = strchr(kv, '=');
		if (eq == NULL || eq == kv) {
			json_decref(props);
			return cli_usage_error("--property needs KEY=VALUE, got '%s'", kv);
		}
		key = floe_strndup(kv, (size_t)(eq - kv));
		if (key == NULL || json_object_set_new(props, key, json_string(eq + 1)) != 0) {
			floe_free(key);
			json_decref(props);
			return floe_error_set(FLOE_EINVAL, "bad property '%s' (not UTF-8?)", kv);
		}
		floe_free(key);
	}
	*out = props;
	return 0;
}

static json_t *string_array(char **v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, json_string(v[i]));
	return arr;
}

int cmd_namespace(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	const char *action = a->npos > 0 ? a->pos[0] : "list";
	const char *ns = a->npos > 1 ? a->pos[1] : NULL;
	json_t *props = NULL;
	char **v = NULL;
	size_t n = 0;
	int rc;
	if (a->npos > 2)
		return cli_usage_error("too many arguments");
	if (strcmp(action, "list") != 0 && ns == NULL)
		return cli_usage_error("namespace %s needs a NAME", action);
	if ((rc = cli_catalog(cli, &cat)) != 0)
		return rc;
	if (strcmp(action, "create") == 0) {
		if ((rc = parse_properties(&props, a)) != 0)
			return rc;
		rc = floe_catalog_create_namespace(cat, ns, props);
		if (rc == FLOE_EEXISTS && cli_flag(a, "--if-not-exists")) {
			floe_error_clear();
			rc = 0;
		} else if (rc == 0) {
			cli_status("OK", "created namespace %s", ns);
		}
	} else if (strcmp(action, "drop") == 0) {
		rc = floe_catalog_drop_namespace(cat, ns);
		if (rc == 0)
			cli_status("OK", "dropped namespace %s", ns);
	} else if (strcmp(action, "list") == 0) {
		rc = floe_catalog_list_namespaces(cat, ns, &v, &n);
		if (rc == 0 && cli->json)
			cli_print_json(string_array(v, n));
		else if (rc == 0)
			for (size_t i = 0; i < n; i++)
				printf("%s\n", v[i]);
		floe_catalog_strings_free(v, n);
	} else if (strcmp(action, "show") == 0) {
		rc = floe_catalog_namespace_properties(cat, ns, &props);
		if (rc == 0 && cli->json) {
			json_t *doc = json_pack("{s:s, s:O}", "namespace", ns, "properties", props);
			cli_print_json(doc);
		} else if (rc == 0) {
			const char *k;
			json_t *val;
			printf("namespace %s\n", ns);
			json_object_foreach(props, k, val)
			{
				printf("  %s = %s\n", k, json_string_value(val));
			}
		}
	} else {
		rc = cli_usage_error("unknown action '%s' (create, list, show, drop)", action);
	}
	json_decref(props);
	return rc;
}

int cmd_tables(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	char **nss = NULL;
	size_t nns = 0;
	json_t *out = json_array();
	int rc;
	if (a->npos > 1)
		return cli_usage_error("too many arguments");
	if (out == NULL)
		return FLOE_ENOMEM;
	rc = cli_catalog(cli, &cat);
	if (rc == 0 && a->npos == 1) {
		nss = floe_calloc(1, sizeof(char *));
		if (nss == NULL || (nss[0] = floe_strdup(a->pos[0])) == NULL)
			rc = FLOE_ENOMEM;
		nns = nss && nss[0] ? 1 : 0;
	} else if (rc == 0) {
		rc = floe_catalog_list_namespaces(cat, NULL, &nss, &nns);
	}
	/* walk namespaces depth-first, children appended as we go */
	for (size_t i = 0; rc == 0 && i < nns; i++) {
		char **t = NULL, **kids = NULL;
		size_t nt = 0, nk = 0;
		rc = floe_catalog_list_tables(cat, nss[i], &t, &nt);
		for (size_t k = 0; rc == 0 && k < nt; k++) {
			if (cli->json)
				json_array_append_new(
				    out, json_pack("{s:s,s:s}", "namespace", nss[i], "name", t[k]));
			else
				printf("%s.%s\n", nss[i], t[k]);
		}
		if (rc == 0)
			rc = floe_catalog_list_namespaces(cat, nss[i], &kids, &nk);
		if (rc == 0 && nk > 0) {
			char **grown = floe_realloc(nss, (nns + nk) * sizeof(char *));
			if (grown == NULL) {
				rc = FLOE_ENOMEM;
			} else {
				nss = grown;
				/* insert children right after i to keep depth-first order */
				memmove(nss + i + 1 + nk, nss + i + 1,
				        (nns - i - 1) * sizeof(char *));
				memcpy(nss + i + 1, kids, nk * sizeof(char *));
				nns += nk;
				floe_free(kids);
				kids = NULL;
				nk = 0;
			}
		}
		floe_catalog_strings_free(kids, nk);
		floe_catalog_strings_free(t, nt);
	}
	if (rc == 0 && cli->json) {
		cli_print_json(out);
		out = NULL;
	}
	json_decref(out);
	floe_catalog_strings_free(nss, nns);
	return rc;
}

static json_t *snapshot_json(const floe_ice_snapshot *s, bool current)
{
	json_t *j = json_object();
	json_object_set_new(j, "snapshot_id", json_integer(s->snapshot_id));
	json_object_set_new(j, "parent_id",
	                    s->parent_id >= 0 ? json_integer(s->parent_id) : json_null());
	json_object_set_new(j, "sequence_number", json_integer(s->sequence_number));
	json_object_set_new(j, "timestamp_ms", json_integer(s->timestamp_ms));
	json_object_set_new(j, "operation", json_string(s->operation ? s->operation : ""));
	json_object_set_new(j, "current", json_boolean(current));
	json_object_set_new(j, "manifest_list", json_string(s->manifest_list));
	json_object_set_new(j, "summary", json_deep_copy(s->summary));
	return j;
}

static int load(floe_cli *cli, const cli_args *a, floe_ice_metadata **m, char **loc, char **ns,
                char **name)
{
	floe_catalog *cat;
	int rc;
	if (a->npos != 1)
		return cli_usage_error("give one table as NS.TABLE");
	if ((rc = floe_catalog_split_ident(a->pos[0], ns, name)) != 0)
		return rc;
	rc = cli_catalog(cli, &cat);
	if (rc == 0)
		rc = floe_catalog_load_table(cat, *ns, *name, m, loc);
	return rc;
}

static void print_type(const floe_ice_type *t)
{
	char buf[64];
	if (floe_ice_type_is_primitive(t)) {
		floe_ice_type_string(t, buf, sizeof(buf));
		printf("%s", buf);
	} else if (t->kind == FLOE_ICE_LIST) {
		printf("list<");
		print_type(t->element);
		printf(">");
	} else if (t->kind == FLOE_ICE_MAP) {
		printf("map<");
		print_type(t->key);
		printf(", ");
		print_type(t->value);
		printf(">");
	} else {
		printf("struct<");
		for (size_t i = 0; i < t->nfields; i++) {
			printf("%s%s: ", i ? ", " : "", t->fields[i].name);
			print_type(t->fields[i].type);
		}
		printf(">");
	}
}

int cmd_show(floe_cli *cli, const cli_args *a)
{
	floe_ice_metadata *m = NULL;
	floe_ice_schema *s = NULL;
	char *loc = NULL, *ns = NULL, *name = NULL;
	floe_ice_snapshot snap;
	int64_t cur;
	int rc = load(cli, a, &m, &loc, &ns, &name);
	if (rc)
		goto done;
	if ((rc = floe_ice_metadata_schema(m, -1, &s)) != 0)
		goto done;
	cur = floe_ice_metadata_current_snapshot_id(m);
	if (cli->json) {
		json_t *j = json_object();
		const json_t *props = json_object_get(floe_ice_metadata_json(m), "properties");
		json_object_set_new(j, "namespace", json_string(ns));
		json_object_set_new(j, "name", json_string(name));
		json_object_set_new(j, "location", json_string(floe_ice_metadata_location(m)));
		json_object_set_new(j, "metadata_location", json_string(loc));
		json_object_set_new(j, "table_uuid", json_string(floe_ice_metadata_uuid(m)));
		json_object_set_new(j, "format_version",
		                    json_integer(floe_ice_metadata_format_version(m)));
		json_object_set_new(j, "current_snapshot_id",
		                    cur >= 0 ? json_integer(cur) : json_null());
		json_object_set_new(j, "snapshot_count",
		                    json_integer((json_int_t)floe_ice_metadata_snapshot_count(m)));
		json_object_set_new(j, "schema", floe_ice_schema_to_json(s));
		json_object_set_new(j, "properties", props ? json_deep_copy(props) : json_object());
		if (cur >= 0 && floe_ice_metadata_snapshot_by_id(m, cur, &snap) == 0)
			json_object_set_new(j, "current_snapshot", snapshot_json(&snap, true));
		cli_print_json(j);
		goto done;
	}
	printf("table      %s.%s\n", ns, name);
	printf("location   %s\n", floe_ice_metadata_location(m));
	printf("metadata   %s\n", loc);
	printf("uuid       %s\n", floe_ice_metadata_uuid(m));
	printf("format     v%d\n", floe_ice_metadata_format_version(m));
	if (cur >= 0 && floe_ice_metadata_snapshot_by_id(m, cur, &snap) == 0) {
		const char *rec = json_string_value(json_object_get(snap.summary, "total-records"));
		const char *fil =
		    json_string_value(json_object_get(snap.summary, "total-data-files"));
		printf("snapshot   %lld (%s, %s rows in %s files)\n", (long long)cur,
		       snap.operation ? snap.operation : "?", rec ? rec : "?", fil ? fil : "?");
	} else {
		printf("snapshot   none\n");
	}
	printf("schema     (id %d)\n", s->schema_id);
	for (size_t i = 0; i < s->root->nfields; i++) {
		const floe_ice_field *f = &s->root->fields[i];
		printf("  %3d  %-24s ", f->id, f->name);
		print_type(f->type);
		printf("%s\n", f->required ? " not null" : "");
	}
done:
	floe_ice_schema_free(s);
	floe_ice_metadata_free(m);
	floe_free(loc);
	floe_free(ns);
	floe_free(name);
	return rc;
}

int cmd_history(floe_cli *cli, const cli_args *a)
{
	floe_ice_metadata *m = NULL;
	char *loc = NULL, *ns = NULL, *name = NULL;
	json_t *arr = NULL;
	int rc = load(cli, a, &m, &loc, &ns, &name);
	int64_t cur;
	size_t n;
	if (rc)
		goto done;
	cur = floe_ice_metadata_current_snapshot_id(m);
	n = floe_ice_metadata_snapshot_count(m);
	arr = json_array();
	if (!cli->json)
		printf("%-20s %-20s %-23s %-10s %12s %12s\n", "snapshot_id", "parent_id",
		       "committed_at (UTC)", "operation", "added_rows", "total_rows");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		floe_ice_snapshot s;
		char ts[32], parent[24];
		const char *added, *total;
		if ((rc = floe_ice_metadata_snapshot_at(m, i, &s)) != 0)
			break;
		if (cli->json) {
			json_array_append_new(arr, snapshot_json(&s, s.snapshot_id == cur));
			continue;
		}
		floe_time_format_ms(s.timestamp_ms, ts);
		snprintf(parent, sizeof(parent), "%lld", (long long)s.parent_id);
		added = json_string_value(json_object_get(s.summary, "added-records"));
		total = json_string_value(json_object_get(s.summary, "total-records"));
		printf("%-20lld %-20s %-23s %-10s %12s %12s%s\n", (long long)s.snapshot_id,
		       s.parent_id >= 0 ? parent : "-", ts, s.operation ? s.operation : "?",
		       added ? added : "0", total ? total : "?",
		       s.snapshot_id == cur ? "  (current)" : "");
	}
	if (rc == 0 && cli->json) {
		cli_print_json(arr);
		arr = NULL;
	}
done:
	json_decref(arr);
	floe_ice_metadata_free(m);
	floe_free(loc);
	floe_free(ns);
	floe_free(name);
	return rc;
}

int cmd_drop(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	char *ns = NULL, *name = NULL;
	bool purge = cli_flag(a, "--purge");
	int rc;
	if (a->npos != 1)
		return cli_usage_error("give one table as NS.TABLE");
	if ((rc = floe_catalog_split_ident(a->pos[0], &ns, &name)) != 0)
		return rc;
	rc = cli_catalog(cli, &cat);
	if (rc == 0)
		rc = floe_catalog_drop_table(cat, ns, name, purge);
	if (rc == 0)
		cli_status("OK", "dropped %s.%s%s", ns, name,
		           purge ? " and deleted its files" : "");
	if (rc == FLOE_ENOTFOUND && !purge) { /* a view of that name, then */
		char *msg = floe_strdup(floe_error_message());
		int vrc = floe_catalog_drop_view(cat, ns, name);
		if (vrc == 0) {
			cli_status("OK", "dropped view %s.%s", ns, name);
			rc = 0;
		} else if (vrc == FLOE_ENOTFOUND || vrc == FLOE_EUNSUPPORTED) {
			floe_error_set(rc, "%s", msg ? msg : "not found"); /* the table's error */
		} else {
			rc = vrc;
		}
		floe_free(msg);
	}
	floe_free(ns);
	floe_free(name);
	return rc;
}

int cmd_generate(floe_cli *cli, const cli_args *a)
{
	const char *out = cli_opt_get(a, "--out");
	const char *sv = cli_opt_get(a, "--scale");
	int64_t scale = 1, t0 = floe_time_mono_us();
	floe_jaffle_counts counts;
	int rc;
	(void)cli;
	if (a->npos != 1 || strcmp(a->pos[0], "jaffle") != 0)
		return cli_usage_error("the only generator is 'jaffle'");
	if (sv != NULL && (floe_parse_i64(&scale, sv) != 0 || scale < 1 || scale > 1000000))
		return cli_usage_error("--scale needs a number from 1 to 1000000");
	if (out == NULL)
		out = "jaffle-data";
	rc = floe_jaffle_generate(out, scale, &counts);
	if (rc == 0)
		cli_status("OK",
		           "wrote %s/raw_customers.csv (%lld rows), raw_orders.csv (%lld), "
		           "raw_payments.csv (%lld) [%.2fs]",
		           out, (long long)counts.customers, (long long)counts.orders,
		           (long long)counts.payments, cli_seconds_since(t0));
	return rc;
}

/* floe properties NS.TABLE [--set K=V]... [--unset K]...: table properties
 * (e.g. write.target-file-size-bytes), changed with a REST-style commit. */
int cmd_properties(floe_cli *cli, const cli_args *a)
{
	floe_catalog *cat;
	floe_ice_metadata *m = NULL;
	json_t *set = json_object(), *unset = json_array(), *ups = json_array();
	char *ns = NULL, *name = NULL;
	int rc;
	if (a->npos != 1)
		return cli_usage_error("give one table as NS.TABLE");
	if (set == NULL || unset == NULL || ups == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < a->nopt; i++) {
		const char *v = a->opt_value[i], *eq;
		if (strcmp(a->opt_name[i], "--unset") == 0) {
			json_array_append_new(unset, json_string(v));
		} else if (strcmp(a->opt_name[i], "--set") == 0) {
			char *k;
			if ((eq = strchr(v, '=')) == NULL || eq == v) {
				rc = cli_usage_error("--set needs KEY=VALUE, got '%s'", v);
				goto done;
			}
			k = floe_strndup(v, (size_t)(eq - v));
			json_object_set_new(set, k ? k : "", json_string(eq + 1));
			floe_free(k);
		}
	}
	if ((rc = floe_catalog_split_ident(a->pos[0], &ns, &name)) != 0 ||
	    (rc = cli_catalog(cli, &cat)) != 0)
		goto done;
	if (json_object_size(set) > 0)
		json_array_append_new(
		    ups, json_pack("{s:s,s:O}", "action", "set-properties", "updates", set));
	if (json_array_size(unset) > 0)
		json_array_append_new(
		    ups, json_pack("{s:s,s:O}", "action", "remove-properties", "removals", unset));
	if (json_array_size(ups) > 0) {
		rc = floe_catalog_commit_table(cat, ns, name, NULL, ups, &m, NULL);
		if (rc == 0)
			cli_status("OK", "updated the properties of %s.%s", ns, name);
	} else {
		rc = floe_catalog_load_table(cat, ns, name, &m, NULL);
	}
	if (rc == 0) {
		const json_t *props = json_object_get(floe_ice_metadata_json(m), "properties");
		if (cli->json) {
			cli_print_json(props ? json_deep_copy(props) : json_object());
		} else {
			const char *k;
			json_t *v;
			json_object_foreach((json_t *)props, k, v)
			{
				printf("%s=%s\n", k, json_string_value(v));
			}
		}
	}
done:
	floe_ice_metadata_free(m);
	json_decref(set);
	json_decref(unset);
	json_decref(ups);
	floe_free(ns);
	floe_free(name);
	return rc;
}
