/*
 * dbt node selection: --select / --exclude with dbt's syntax (names, tag:,
 * path:, resource_type:, + up/downstream, space = union, comma =
 * intersection) and which kinds each command runs.
 */
#include <stdio.h>
#include <string.h>

#include "dbt_internal.h"

/* ---- selection ---- */

static bool matches(floe_dbt *d, const dbt_node *n, const char *sel)
{
	if (floe_str_starts_with(sel, "tag:")) {
		const json_t *tags = json_object_get(n->config, "tags"), *t;
		size_t i;
		if (json_is_string(tags))
			return strcmp(json_string_value(tags), sel + 4) == 0;
		json_array_foreach(tags, i,
		                   t) if (floe_str_eq(json_string_value(t), sel + 4)) return true;
		return false;
	}
	if (floe_str_starts_with(sel, "path:"))
		return floe_str_starts_with(n->path, sel + 5);
	if (floe_str_starts_with(sel, "resource_type:"))
		return strcmp(sel + 14, n->kind == DBT_SEED    ? "seed"
		                        : n->kind == DBT_MODEL ? "model"
		                                               : "test") == 0;
	if (n->kind == DBT_TEST) /* tests follow their model */
		return n->test_model && strcmp(n->test_model, sel) == 0;
	(void)d;
	return strcmp(n->name, sel) == 0;
}

static void mark_up(floe_dbt *d, dbt_node *n, bool *sel)
{
	size_t i;
	json_t *dep;
	json_array_foreach(n->deps, i, dep)
	{
		dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
		if (p && !sel[p - d->nodes]) {
			sel[p - d->nodes] = true;
			mark_up(d, p, sel);
		}
	}
}

static void mark_down(floe_dbt *d, dbt_node *n, bool *sel)
{
	for (size_t i = 0; i < d->nnodes; i++) {
		size_t k;
		json_t *dep;
		if (sel[i])
			continue;
		json_array_foreach(d->nodes[i].deps, k, dep)
		{
			if (strcmp(json_string_value(dep), n->name) == 0) {
				sel[i] = true;
				mark_down(d, &d->nodes[i], sel);
				break;
			}
		}
	}
}

/* one selector (a+, +a, tag:x, ...) into sel[] */
static void select_one(floe_dbt *d, const char *word, bool *sel)
{
	char buf[512];
	size_t n = strlen(word);
	bool up = word[0] == '+', down = n > 0 && word[n - 1] == '+';
	snprintf(buf, sizeof(buf), "%.*s", (int)(n - up - down), word + up);
	for (size_t i = 0; i < d->nnodes; i++) {
		if (!matches(d, &d->nodes[i], buf))
			continue;
		sel[i] = true;
		if (up)
			mark_up(d, &d->nodes[i], sel);
		if (down)
			mark_down(d, &d->nodes[i], sel);
	}
}

/* space = union, comma = intersection (dbt's syntax) */
static int apply_selection(floe_dbt *d, const char *spec, bool *out)
{
	char *copy = floe_strdup(spec), *save = NULL, *tok;
	bool *acc = floe_calloc(d->nnodes + 1, sizeof(bool));
	bool *part = floe_calloc(d->nnodes + 1, sizeof(bool));
	if (copy == NULL || acc == NULL || part == NULL) {
		floe_free(copy);
		floe_free(acc);
		floe_free(part);
		return FLOE_ENOMEM;
	}
	for (tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *isave = NULL, *w;
		bool first = true;
		bool *inter = floe_calloc(d->nnodes + 1, sizeof(bool));
		if (inter == NULL)
			break;
		for (w = strtok_r(tok, ",", &isave); w; w = strtok_r(NULL, ",", &isave)) {
			memset(part, 0, d->nnodes * sizeof(bool));
			select_one(d, w, part);
			for (size_t i = 0; i < d->nnodes; i++)
				inter[i] = first ? part[i] : inter[i] && part[i];
			first = false;
		}
		for (size_t i = 0; i < d->nnodes; i++)
			acc[i] |= inter[i];
		floe_free(inter);
	}
	memcpy(out, acc, d->nnodes * sizeof(bool));
	floe_free(copy);
	floe_free(acc);
	floe_free(part);
	return 0;
}

int dbt_select_nodes(floe_dbt *d, const char *command)
{
	bool *sel = floe_calloc(d->nnodes + 1, sizeof(bool));
	bool *exc = floe_calloc(d->nnodes + 1, sizeof(bool));
	int rc = 0;
	if (sel == NULL || exc == NULL) {
		floe_free(sel);
		floe_free(exc);
		return FLOE_ENOMEM;
	}
	if (d->opts.select)
		rc = apply_selection(d, d->opts.select, sel);
	else
		for (size_t i = 0; i < d->nnodes; i++)
			sel[i] = true;
	if (rc == 0 && d->opts.exclude)
		rc = apply_selection(d, d->opts.exclude, exc);
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		bool kind_ok = strcmp(command, "build") == 0 || strcmp(command, "compile") == 0 ||
		               strcmp(command, "ls") == 0 ||
		               (strcmp(command, "seed") == 0 && n->kind == DBT_SEED) ||
		               (strcmp(command, "run") == 0 && n->kind == DBT_MODEL) ||
		               (strcmp(command, "test") == 0 && n->kind == DBT_TEST);
		if (n->kind == DBT_SOURCE || n->kind == DBT_ANALYSIS) /* never run */
			kind_ok = strcmp(command, "ls") == 0 ||
			          (n->kind == DBT_ANALYSIS && strcmp(command, "compile") == 0);
		n->selected = sel[i] && !exc[i] && !n->disabled && kind_ok;
	}
	floe_free(sel);
	floe_free(exc);
	return rc;
}
