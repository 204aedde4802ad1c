/*
 * dbt node selection (docs.getdbt.com "Node selection syntax", dbt-core's
 * graph/selector*.py): --select / --exclude / --selector over the graph of
 * seeds, models, tests, sources and analyses.
 *
 *   criterion   [@][N+][method[.arg...]:]value[+N]
 *   methods     fqn (the default; a path-looking value is path:, a
 *               *.sql/.csv/.py one file:), tag, source, path, file,
 *               package, config.<key>, test_name, test_type,
 *               resource_type, group, access (state and result need a
 *               previous run's artifacts: refused)
 *   set ops     space = union, comma = intersection, --exclude =
 *               difference; selectors.yml definitions (union,
 *               intersection, exclude, method/value, selector references)
 *   tests       indirect selection, eager by default (a test is selected
 *               when any node it tests is), cautious, buildable, empty
 *
 * Then the command's resource types (run: models, test: tests, ...) and
 * --resource-type filter what was selected; disabled nodes are never part
 * of the graph.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dbt_names.h"
#include "dbt_select.h"
#include "dbt_yaml.h"

#define MAX_SPEC_DEPTH 32

typedef enum { IND_EAGER, IND_CAUTIOUS, IND_BUILDABLE, IND_EMPTY } indirect_mode;

/* the graph as selection sees it: enabled nodes, children lists */
typedef struct {
	floe_dbt *d;
	size_t n;
	size_t **kids;
	size_t *nkids;
	indirect_mode mode;
} graph;

/* a selected set (bool per node) with its indirectly selected tests */
typedef struct {
	bool *direct, *indirect;
} selset;

static int graph_open(graph *g, floe_dbt *d)
{
	memset(g, 0, sizeof(*g));
	g->d = d;
	g->n = d->nnodes;
	g->kids = floe_calloc(g->n + 1, sizeof(size_t *));
	g->nkids = floe_calloc(g->n + 1, sizeof(size_t));
	if (g->kids == NULL || g->nkids == NULL)
		return FLOE_ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		dbt_node *c = &d->nodes[i];
		if (c->disabled)
			continue;
		for (size_t k = 0; k < c->nparents; k++) {
			size_t p = c->parents[k];
			size_t *grown =
			    floe_realloc(g->kids[p], (g->nkids[p] + 1) * sizeof(size_t));
			if (grown == NULL)
				return FLOE_ENOMEM;
			g->kids[p] = grown;
			g->kids[p][g->nkids[p]++] = i;
		}
	}
	return 0;
}

static void graph_close(graph *g)
{
	for (size_t i = 0; g->kids && i < g->n; i++)
		floe_free(g->kids[i]);
	floe_free(g->kids);
	floe_free(g->nkids);
}

static bool *set_new(const graph *g)
{
	return floe_calloc(g->n + 1, sizeof(bool));
}

static void selset_free(selset *s)
{
	floe_free(s->direct);
	floe_free(s->indirect);
	s->direct = s->indirect = NULL;
}

/* ---- graph walks: ancestors / descendants up to a depth (-1 = all) ---- */

static int walk(const graph *g, bool *out, const bool *from, int depth, bool up)
{
	size_t *frontier = floe_calloc(g->n + 1, sizeof(size_t)), nf = 0;
	size_t *next = floe_calloc(g->n + 1, sizeof(size_t));
	bool *seen = set_new(g);
	int rc = frontier && next && seen ? 0 : FLOE_ENOMEM;
	for (size_t i = 0; rc == 0 && i < g->n; i++)
		if (from[i]) {
			frontier[nf++] = i;
			seen[i] = true;
		}
	for (int level = 0; rc == 0 && nf > 0 && (depth < 0 || level < depth); level++) {
		size_t nn = 0;
		for (size_t f = 0; f < nf; f++) {
			const dbt_node *n = &g->d->nodes[frontier[f]];
			size_t cnt = up ? n->nparents : g->nkids[frontier[f]];
			for (size_t k = 0; k < cnt; k++) {
				size_t x = up ? n->parents[k] : g->kids[frontier[f]][k];
				if (seen[x] || g->d->nodes[x].disabled)
					continue;
				seen[x] = true;
				out[x] = true;
				next[nn++] = x;
			}
		}
		memcpy(frontier, next, nn * sizeof(size_t));
		nf = nn;
	}
	floe_free(frontier);
	floe_free(next);
	floe_free(seen);
	return rc;
}

/* ---- methods ---- */

static bool glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, FNM_NOESCAPE) == 0;
}

/* dbt's is_selected_node: the fqn's last part equals the selector, or the
 * selector's dotted parts are a prefix of the (dot-flattened) fqn up to a
 * part with a wildcard, from which the rest is matched as one pattern */
static bool fqn_match(const json_t *fqn, size_t from, const char *sel)
{
	size_t nf = json_array_size(fqn);
	floe_buf flat = FLOE_BUF_INIT;
	char *selcopy = NULL;
	bool ok = false;
	const char *parts[256], *sparts[256];
	size_t np = 0, ns = 0;
	char *fcopy = NULL;
	if (nf <= from)
		return false;
	if (strcmp(json_string_value(json_array_get(fqn, nf - 1)), sel) == 0)
		return true;
	for (size_t i = from; i < nf; i++) {
		if (i > from)
			floe_buf_putc(&flat, '.');
		floe_buf_puts(&flat, json_string_value(json_array_get(fqn, i)));
	}
	fcopy = floe_buf_detach(&flat, NULL);
	selcopy = floe_strdup(sel);
	if (fcopy == NULL || selcopy == NULL)
		goto done;
	for (char *p = fcopy, *dot; np < 256; p = dot + 1) {
		parts[np++] = p;
		if ((dot = strchr(p, '.')) == NULL)
			break;
		*dot = '\0';
	}
	for (char *p = selcopy, *dot; ns < 256; p = dot + 1) {
		sparts[ns++] = p;
		if ((dot = strchr(p, '.')) == NULL)
			break;
		*dot = '\0';
	}
	if (np < ns)
		goto done;
	ok = true;
	for (size_t i = 0; i < ns; i++) {
		if (strpbrk(sparts[i], "*?[]")) {
			/* the rest of the fqn against the rest of the selector */
			floe_buf a = FLOE_BUF_INIT, b = FLOE_BUF_INIT;
			for (size_t k = i; k < np; k++)
				floe_buf_printf(&a, "%s%s", k > i ? "." : "", parts[k]);
			for (size_t k = i; k < ns; k++)
				floe_buf_printf(&b, "%s%s", k > i ? "." : "", sparts[k]);
			ok = a.ptr && b.ptr && glob(b.ptr, a.ptr);
			floe_buf_free(&a);
			floe_buf_free(&b);
			break;
		}
		if (strcmp(parts[i], sparts[i]) != 0) {
			ok = false;
			break;
		}
	}
done:
	floe_free(fcopy);
	floe_free(selcopy);
	return ok;
}

/* Path.glob(pattern) relative to the project matched without the disk:
 * segment by segment, '**' spanning any number of folders */
static bool path_glob(const char *pat, const char *path)
{
	const char *ps = strchr(pat, '/'), *ss = strchr(path, '/');
	size_t pl = ps ? (size_t)(ps - pat) : strlen(pat);
	size_t sl = ss ? (size_t)(ss - path) : strlen(path);
	char pseg[512], sseg[512];
	if (pl == 2 && strncmp(pat, "**", 2) == 0) {
		if (ps == NULL)
			return true;
		if (path_glob(ps + 1, path))
			return true;
		return ss != NULL && path_glob(pat, ss + 1);
	}
	if (pl >= sizeof(pseg) || sl >= sizeof(sseg))
		return false;
	memcpy(pseg, pat, pl);
	pseg[pl] = '\0';
	memcpy(sseg, path, sl);
	sseg[sl] = '\0';
	if (!glob(pseg, sseg))
		return false;
	if (ps == NULL)
		return ss == NULL;
	return ss != NULL && path_glob(ps + 1, ss + 1);
}

/* the file itself, or a folder above it, matches */
static bool path_or_parent(const char *pat, const char *path)
{
	char buf[1024];
	size_t n = strlen(path);
	if (path_glob(pat, path))
		return true;
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, path, n + 1);
	for (char *slash; (slash = strrchr(buf, '/')) != NULL;) {
		*slash = '\0';
		if (path_glob(pat, buf))
			return true;
	}
	return false;
}

static const json_t *node_tags(const dbt_node *n)
{
	return json_object_get(n->config, "tags");
}

/* the value dbt would see for config.<key>: floe's config, with dbt's
 * defaults for the keys selection commonly uses */
static json_t *config_value(const dbt_node *n, const char *path)
{
	char *copy = floe_strdup(path), *p, *dot;
	const json_t *v = n->config;
	json_t *out = NULL;
	if (copy == NULL)
		return NULL;
	for (p = copy; v && p; p = dot ? dot + 1 : NULL) {
		dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		v = json_object_get(v, p);
	}
	if (v)
		out = json_incref((json_t *)v);
	else if (strcmp(path, "materialized") == 0 && n->kind != DBT_SOURCE)
		out = json_string(n->kind == DBT_ANALYSIS ? "view" : dbt_mat(n));
	else if (strcmp(path, "enabled") == 0)
		out = json_true();
	else if (strcmp(path, "severity") == 0 && n->kind == DBT_TEST)
		out = json_string("ERROR");
	floe_free(copy);
	return out;
}

static bool config_eq(const json_t *v, const char *sel, bool nocase)
{
	if (json_is_string(v))
		return nocase ? strcasecmp(json_string_value(v), sel) == 0
		              : strcmp(json_string_value(v), sel) == 0;
	if (json_is_true(v))
		return strcasecmp(sel, "true") == 0;
	if (json_is_false(v))
		return strcasecmp(sel, "false") == 0;
	return false;
}

typedef struct {
	char *raw;
	char *method; /* "fqn", "tag", "config", ... */
	char *args;   /* after the method's first dot ("materialized"), or NULL */
	char *value;
	bool at, parents, children;
	int pdepth, cdepth; /* -1: unlimited */
} criterion;

/* Does node n match one criterion's method and value? */
static int method_match(floe_dbt *d, const dbt_node *n, const criterion *c, bool *out)
{
	const char *m = c->method, *v = c->value;
	*out = false;
	if (strcmp(m, "fqn") == 0) {
		*out =
		    n->kind != DBT_SOURCE && (fqn_match(n->fqn, 0, v) || fqn_match(n->fqn, 1, v));
	} else if (strcmp(m, "tag") == 0) {
		const json_t *tags = node_tags(n), *t;
		size_t i;
		if (json_is_string(tags))
			*out = glob(v, json_string_value(tags));
		json_array_foreach(tags, i, t) if (json_is_string(t) &&
		                                   glob(v, json_string_value(t))) *out = true;
	} else if (strcmp(m, "source") == 0) {
		/* source_name[.table] or package.source_name.table, globs */
		char parts[3][256] = {"", "", ""};
		const char *pk = "*", *src, *tbl = "*";
		int np = 0;
		for (const char *p = v; np < 4; np++) {
			size_t len = strcspn(p, ".");
			if (np == 3)
				return floe_error_set(FLOE_EINVAL,
				                      "invalid source selector '%s': sources are "
				                      "source_name, source_name.table or "
				                      "package.source_name.table",
				                      v);
			snprintf(parts[np], sizeof(parts[np]), "%.*s", (int)len, p);
			if (p[len] == '\0') {
				np++;
				break;
			}
			p += len + 1;
		}
		src = parts[0];
		if (np == 2)
			tbl = parts[1];
		if (np == 3) {
			pk = parts[0];
			src = parts[1];
			tbl = parts[2];
		}
		*out = n->kind == DBT_SOURCE && glob(pk, d->project_name) &&
		       glob(src, n->source_name) && glob(tbl, n->name);
	} else if (strcmp(m, "path") == 0) {
		char pat[1024];
		size_t len;
		snprintf(pat, sizeof(pat), "%s", floe_str_starts_with(v, "./") ? v + 2 : v);
		len = strlen(pat);
		while (len > 1 && pat[len - 1] == '/')
			pat[--len] = '\0';
		*out = path_or_parent(pat, n->path) ||
		       (n->patch_path && path_glob(pat, n->patch_path));
	} else if (strcmp(m, "file") == 0) {
		const char *base = strrchr(n->path, '/');
		char stem[512];
		const char *dot;
		base = base ? base + 1 : n->path;
		dot = strrchr(base, '.');
		snprintf(stem, sizeof(stem), "%.*s", (int)(dot ? dot - base : (long)strlen(base)),
		         base);
		*out = glob(v, base) || glob(v, stem);
	} else if (strcmp(m, "package") == 0) {
		*out = glob(strcmp(v, "this") == 0 ? d->project_name : v, d->project_name);
	} else if (strcmp(m, "config") == 0) {
		json_t *val;
		bool nocase;
		if (c->args == NULL)
			return floe_error_set(FLOE_EINVAL,
			                      "selector '%s': config needs a key "
			                      "(config.materialized:table)",
			                      c->raw);
		val = config_value(n, c->args);
		nocase = strcmp(c->args, "severity") == 0;
		if (json_is_array(val)) {
			const json_t *x;
			size_t i;
			json_array_foreach(val, i, x) if (config_eq(x, v, nocase)) *out = true;
		} else {
			*out = config_eq(val, v, nocase);
		}
		json_decref(val);
	} else if (strcmp(m, "test_name") == 0) {
		const char *tn = json_string_value(json_object_get(n->test_meta, "name"));
		*out = n->kind == DBT_TEST && tn && glob(v, tn);
	} else if (strcmp(m, "test_type") == 0) {
		bool singular = n->kind == DBT_TEST && strcmp(n->test_kind, "singular") == 0;
		bool generic = n->kind == DBT_TEST && !singular;
		if (strcmp(v, "generic") == 0 || strcmp(v, "schema") == 0)
			*out = generic;
		else if (strcmp(v, "singular") == 0)
			*out = singular;
		else if (strcmp(v, "data") == 0)
			*out = generic || singular;
		else if (strcmp(v, "unit") != 0)
			return floe_error_set(
			    FLOE_EINVAL,
			    "invalid test type selector %s: expected \"generic\", "
			    "\"singular\", \"unit\", or \"data\"",
			    v);
	} else if (strcmp(m, "resource_type") == 0) {
		static const char *known[] = {
		    "model",       "seed",     "test",   "source",    "analysis",
		    "snapshot",    "exposure", "metric", "unit_test", "semantic_model",
		    "saved_query", "function", NULL};
		bool valid = false;
		for (int i = 0; known[i]; i++)
			valid |= strcmp(known[i], v) == 0;
		if (!valid)
			return floe_error_set(FLOE_EINVAL, "invalid resource_type selector \"%s\"",
			                      v);
		*out = strcmp(v, dbt_kind_name(n->kind)) == 0;
	} else if (strcmp(m, "group") == 0) {
		const char *grp = json_string_value(json_object_get(n->config, "group"));
		*out = grp && glob(v, grp);
	} else if (strcmp(m, "access") == 0) {
		const char *acc = json_string_value(json_object_get(n->config, "access"));
		*out = n->kind == DBT_MODEL && strcmp(v, acc ? acc : "protected") == 0;
	} else if (strcmp(m, "exposure") == 0 || strcmp(m, "metric") == 0 ||
	           strcmp(m, "semantic_model") == 0 || strcmp(m, "saved_query") == 0 ||
	           strcmp(m, "unit_test") == 0 || strcmp(m, "version") == 0) {
		*out = false; /* floe has no such nodes in its graph */
	} else if (strcmp(m, "state") == 0 || strcmp(m, "result") == 0 ||
	           strcmp(m, "source_status") == 0) {
		return floe_error_set(FLOE_EUNSUPPORTED,
		                      "selector '%s': the %s method compares with a previous "
		                      "run's artifacts (--state), which floe does not support",
		                      c->raw, m);
	} else {
		return floe_error_set(FLOE_EINVAL, "selector '%s': '%s' is not a valid method name",
		                      c->raw, m);
	}
	return 0;
}

static void criterion_free(criterion *c)
{
	floe_free(c->raw);
	floe_free(c->method);
	floe_free(c->args);
	floe_free(c->value);
}

static bool is_word(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.';
}

/* [@][N+][method[.args]:]value[+N] (dbt's RAW_SELECTOR_PATTERN) */
static int criterion_parse(criterion *c, const char *raw)
{
	const char *p = raw, *end = raw + strlen(raw), *colon;
	memset(c, 0, sizeof(*c));
	c->pdepth = c->cdepth = -1;
	if ((c->raw = floe_strdup(raw)) == NULL)
		return FLOE_ENOMEM;
	if (*p == '@') {
		c->at = true;
		p++;
	}
	{
		const char *q = p;
		while (*q >= '0' && *q <= '9')
			q++;
		if (*q == '+') {
			c->parents = true;
			if (q > p) {
				int64_t v;
				if (floe_parse_i64n(&v, p, (size_t)(q - p)) != 0 || v > 1000000)
					return floe_error_set(FLOE_EINVAL,
					                      "selector '%s': bad depth", raw);
				c->pdepth = (int)v;
			}
			p = q + 1;
		}
	}
	{
		/* trailing +N: the last '+' followed only by digits */
		const char *q = end;
		while (q > p && q[-1] >= '0' && q[-1] <= '9')
			q--;
		if (q > p && q[-1] == '+') {
			c->children = true;
			if (q < end) {
				int64_t v;
				if (floe_parse_i64n(&v, q, (size_t)(end - q)) != 0 || v > 1000000)
					return floe_error_set(FLOE_EINVAL,
					                      "selector '%s': bad depth", raw);
				c->cdepth = (int)v;
			}
			end = q - 1;
		}
	}
	if (c->at && c->children)
		return floe_error_set(FLOE_EINVAL,
		                      "invalid node spec %s - \"@\" prefix and \"+\" suffix are "
		                      "incompatible",
		                      raw);
	colon = memchr(p, ':', (size_t)(end - p));
	if (colon && colon > p) {
		bool word = true;
		for (const char *q = p; q < colon; q++)
			word &= is_word(*q);
		if (!word)
			colon = NULL;
	} else {
		colon = NULL;
	}
	if (colon) {
		const char *dot = memchr(p, '.', (size_t)(colon - p));
		c->method = floe_strndup(p, (size_t)((dot ? dot : colon) - p));
		c->args = dot ? floe_strndup(dot + 1, (size_t)(colon - dot - 1)) : NULL;
		c->value = floe_strndup(colon + 1, (size_t)(end - colon - 1));
		if (c->method == NULL || c->value == NULL || (dot && c->args == NULL))
			return FLOE_ENOMEM;
	} else {
		/* dbt's default method: a path, a file, else the fqn */
		c->value = floe_strndup(p, (size_t)(end - p));
		if (c->value == NULL)
			return FLOE_ENOMEM;
		if (strchr(c->value, '/'))
			c->method = floe_strdup("path");
		else if (floe_str_ends_with(c->value, ".sql") ||
		         floe_str_ends_with(c->value, ".py") ||
		         floe_str_ends_with(c->value, ".csv") ||
		         floe_str_ends_with(c->value, ".SQL") ||
		         floe_str_ends_with(c->value, ".CSV"))
			c->method = floe_strdup("file");
		else
			c->method = floe_strdup("fqn");
		if (c->method == NULL)
			return FLOE_ENOMEM;
	}
	return 0;
}

/* tests whose parents the set holds: eager takes a test when any is
 * selected; cautious when all are; buildable when all are selected or
 * ancestors of what is; the rest are kept aside as indirect */
static int expand_tests(const graph *g, bool *direct, bool *indirect)
{
	bool *base = set_new(g), *anc = NULL;
	int rc = base ? 0 : FLOE_ENOMEM;
	if (rc == 0)
		memcpy(base, direct, g->n * sizeof(bool));
	if (rc == 0 && g->mode == IND_BUILDABLE) {
		anc = set_new(g);
		rc = anc ? walk(g, anc, base, -1, true) : FLOE_ENOMEM;
		for (size_t i = 0; rc == 0 && i < g->n; i++)
			anc[i] |= base[i] || g->d->nodes[i].kind == DBT_SOURCE;
	}
	for (size_t i = 0; rc == 0 && i < g->n; i++) {
		if (!base[i])
			continue;
		for (size_t k = 0; k < g->nkids[i]; k++) {
			size_t t = g->kids[i][k];
			const dbt_node *tn = &g->d->nodes[t];
			bool all = true, allb = true;
			if (tn->kind != DBT_TEST || direct[t])
				continue;
			for (size_t p = 0; p < tn->nparents; p++) {
				all &= base[tn->parents[p]];
				allb &= anc ? anc[tn->parents[p]] : false;
			}
			if (g->mode == IND_EAGER || all || (g->mode == IND_BUILDABLE && allb))
				direct[t] = true;
			else
				indirect[t] = true;
		}
	}
	floe_free(base);
	floe_free(anc);
	return rc;
}

static int eval_criterion(const graph *g, const char *raw, selset *out, bool warn_empty)
{
	criterion c;
	bool *hit = NULL, *extra = NULL;
	bool any = false;
	int rc = criterion_parse(&c, raw);
	out->direct = out->indirect = NULL;
	if (rc)
		goto done;
	hit = set_new(g);
	extra = set_new(g);
	out->direct = set_new(g);
	out->indirect = set_new(g);
	if (hit == NULL || extra == NULL || out->direct == NULL || out->indirect == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	for (size_t i = 0; rc == 0 && i < g->n; i++) {
		if (g->d->nodes[i].disabled)
			continue;
		rc = method_match(g->d, &g->d->nodes[i], &c, &hit[i]);
		any |= hit[i];
	}
	if (rc)
		goto done;
	if (!any && warn_empty)
		floe_log(FLOE_LOG_WARN,
		         "The selection criterion '%s' does not match any enabled nodes", raw);
	if (c.at) {
		/* the descendants, and the ancestors of all of them */
		bool *down = set_new(g);
		rc = down ? walk(g, down, hit, -1, false) : FLOE_ENOMEM;
		for (size_t i = 0; rc == 0 && i < g->n; i++)
			down[i] |= hit[i];
		if (rc == 0)
			rc = walk(g, extra, down, -1, true);
		for (size_t i = 0; rc == 0 && i < g->n; i++)
			extra[i] |= down[i];
		floe_free(down);
	}
	if (rc == 0 && c.parents)
		rc = walk(g, extra, hit, c.pdepth, true);
	if (rc == 0 && c.children)
		rc = walk(g, extra, hit, c.cdepth, false);
	for (size_t i = 0; rc == 0 && i < g->n; i++)
		out->direct[i] = hit[i] || extra[i];
	if (rc == 0 && g->mode != IND_EMPTY)
		rc = expand_tests(g, out->direct, out->indirect);
done:
	if (rc)
		selset_free(out);
	floe_free(hit);
	floe_free(extra);
	criterion_free(&c);
	return rc;
}

typedef enum { OP_UNION, OP_INTERSECT, OP_DIFF } set_op;

/* combine the parts as dbt's SelectionUnion / Intersection / Difference:
 * direct sets and direct|indirect sets separately, then indirect tests
 * whose parents all ended up selected join (cautious, buildable) */
static int combine(const graph *g, set_op op, selset *parts, size_t n, selset *out)
{
	int rc = 0;
	out->direct = set_new(g);
	out->indirect = set_new(g);
	if (out->direct == NULL || out->indirect == NULL) {
		selset_free(out);
		return FLOE_ENOMEM;
	}
	for (size_t i = 0; i < g->n; i++) {
		bool dsel = op != OP_UNION, isel = op != OP_UNION;
		if (n == 0)
			dsel = isel = false;
		for (size_t k = 0; k < n; k++) {
			bool d = parts[k].direct[i], ind = d || parts[k].indirect[i];
			if (op == OP_UNION) {
				dsel |= d;
				isel |= ind;
			} else if (op == OP_INTERSECT) {
				dsel &= d;
				isel &= ind;
			} else if (k > 0) {
				dsel &= !d;
				isel &= !ind;
			} else {
				dsel = d;
				isel = ind;
			}
		}
		out->direct[i] = dsel;
		out->indirect[i] = isel && !dsel;
	}
	if (g->mode == IND_CAUTIOUS || g->mode == IND_BUILDABLE) {
		bool *anc = set_new(g);
		rc = anc ? 0 : FLOE_ENOMEM;
		if (rc == 0 && g->mode == IND_BUILDABLE)
			rc = walk(g, anc, out->direct, -1, true);
		for (size_t i = 0; rc == 0 && i < g->n; i++) {
			const dbt_node *t = &g->d->nodes[i];
			bool all = true;
			if (!out->indirect[i])
				continue;
			for (size_t p = 0; p < t->nparents; p++)
				all &= out->direct[t->parents[p]] || anc[t->parents[p]];
			if (all) {
				out->direct[i] = true;
				out->indirect[i] = false;
			}
		}
		floe_free(anc);
	}
	if (rc)
		selset_free(out);
	return rc;
}

/* a CLI selection: space = union of comma = intersections */
static int eval_cli(const graph *g, const char *spec, selset *out, bool warn_empty)
{
	char *copy = floe_strdup(spec);
	selset *unions = NULL;
	size_t nu = 0;
	int rc = copy ? 0 : FLOE_ENOMEM;
	for (char *p = copy; rc == 0 && p && *p;) {
		char *word, *comma;
		selset *grown, *inter = NULL;
		size_t ni = 0;
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		word = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
		for (char *w = word; rc == 0 && w; w = comma ? comma + 1 : NULL) {
			selset *gi = floe_realloc(inter, (ni + 1) * sizeof(selset));
			comma = strchr(w, ',');
			if (comma)
				*comma = '\0';
			if (gi == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			inter = gi;
			rc = eval_criterion(g, w, &inter[ni], warn_empty);
			if (rc == 0)
				ni++;
		}
		grown = rc == 0 ? floe_realloc(unions, (nu + 1) * sizeof(selset)) : NULL;
		if (rc == 0 && grown == NULL)
			rc = FLOE_ENOMEM;
		if (rc == 0) {
			unions = grown;
			rc = combine(g, OP_INTERSECT, inter, ni, &unions[nu]);
			if (rc == 0)
				nu++;
		}
		for (size_t i = 0; i < ni; i++)
			selset_free(&inter[i]);
		floe_free(inter);
	}
	if (rc == 0)
		rc = combine(g, OP_UNION, unions, nu, out);
	for (size_t i = 0; i < nu; i++)
		selset_free(&unions[i]);
	floe_free(unions);
	floe_free(copy);
	return rc;
}

/* ---- selectors.yml (docs.getdbt.com "YAML Selectors") ---- */

static int eval_definition(const graph *g, const json_t *sels, const json_t *def, selset *out,
                           int depth);

static const json_t *find_selector(const json_t *sels, const char *name)
{
	size_t i;
	const json_t *s;
	json_array_foreach(
	    sels, i,
	    s) if (floe_str_eq(json_string_value(json_object_get(s, "name")), name)) return s;
	return NULL;
}

/* a list of definitions, one of them possibly {exclude: [...]} */
static int eval_set(const graph *g, const json_t *sels, const json_t *list, set_op op, selset *out,
                    int depth)
{
	size_t n = json_array_size(list), k = 0, i;
	selset *parts = floe_calloc(n + 1, sizeof(selset)), inc = {NULL, NULL}, exc = {NULL, NULL};
	const json_t *excl = NULL, *x;
	int rc = parts ? 0 : FLOE_ENOMEM;
	if (rc == 0 && !json_is_array(list))
		rc = floe_error_set(FLOE_EINVAL, "selectors.yml: union/intersection needs a list");
	json_array_foreach(list, i, x)
	{
		if (rc)
			break;
		if (json_is_object(x) && json_object_get(x, "exclude")) {
			if (excl)
				rc =
				    floe_error_set(FLOE_EINVAL, "selectors.yml: you cannot provide "
				                                "multiple exclude arguments to the "
				                                "same selector set operator");
			excl = json_object_get(x, "exclude");
			continue;
		}
		rc = eval_definition(g, sels, x, &parts[k], depth + 1);
		if (rc == 0)
			k++;
	}
	if (rc == 0)
		rc = combine(g, op, parts, k, excl ? &inc : out);
	if (rc == 0 && excl) {
		rc = eval_set(g, sels, excl, OP_UNION, &exc, depth + 1);
		if (rc == 0) {
			selset two[2] = {inc, exc};
			rc = combine(g, OP_DIFF, two, 2, out);
		}
	}
	for (size_t j = 0; j < k; j++)
		selset_free(&parts[j]);
	floe_free(parts);
	selset_free(&inc);
	selset_free(&exc);
	return rc;
}

/* {method: m, value: v, parents: true, children_depth: 2, ...} or {m: v}
 * as the criterion string it stands for */
static int definition_spec(const json_t *def, floe_buf *b)
{
	const char *method = NULL;
	const json_t *value = NULL;
	if (json_object_size(def) == 1) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)def, k, v)
		{
			method = k;
			value = v;
		}
	} else {
		method = json_string_value(json_object_get(def, "method"));
		value = json_object_get(def, "value");
	}
	if (method == NULL || value == NULL)
		return floe_error_set(FLOE_EINVAL, "selectors.yml: expected either 1 key or else "
		                                   "\"method\" and \"value\" keys");
	if (floe_jinja_truthy(json_object_get(def, "childrens_parents")))
		floe_buf_putc(b, '@');
	if (floe_jinja_truthy(json_object_get(def, "parents"))) {
		if (json_is_integer(json_object_get(def, "parents_depth")))
			floe_buf_printf(
			    b, "%lld",
			    (long long)json_integer_value(json_object_get(def, "parents_depth")));
		floe_buf_putc(b, '+');
	}
	floe_buf_printf(b, "%s:", method);
	if (json_is_string(value))
		floe_buf_puts(b, json_string_value(value));
	else
		dbt_py_str(b, value);
	if (floe_jinja_truthy(json_object_get(def, "children"))) {
		floe_buf_putc(b, '+');
		if (json_is_integer(json_object_get(def, "children_depth")))
			floe_buf_printf(
			    b, "%lld",
			    (long long)json_integer_value(json_object_get(def, "children_depth")));
	}
	return 0;
}

static int eval_definition(const graph *g, const json_t *sels, const json_t *def, selset *out,
                           int depth)
{
	floe_buf b = FLOE_BUF_INIT;
	int rc;
	if (depth > MAX_SPEC_DEPTH)
		return floe_error_set(FLOE_EINVAL, "selectors.yml: definitions nested too deeply "
		                                   "(or a selector refers to itself)");
	if (json_is_string(def))
		return eval_criterion(g, json_string_value(def), out, false);
	if (!json_is_object(def))
		return floe_error_set(FLOE_EINVAL,
		                      "selectors.yml: expected to find union, intersection, str or "
		                      "dict");
	if (json_object_get(def, "union"))
		return eval_set(g, sels, json_object_get(def, "union"), OP_UNION, out, depth);
	if (json_object_get(def, "intersection"))
		return eval_set(g, sels, json_object_get(def, "intersection"), OP_INTERSECT, out,
		                depth);
	if (floe_str_eq(json_string_value(json_object_get(def, "method")), "selector")) {
		const char *name = json_string_value(json_object_get(def, "value"));
		const json_t *s = name ? find_selector(sels, name) : NULL;
		if (s == NULL)
			return floe_error_set(
			    FLOE_EINVAL,
			    "selectors.yml: existing selector definition for %s not "
			    "found",
			    name ? name : "?");
		return eval_definition(g, sels, json_object_get(s, "definition"), out, depth + 1);
	}
	{
		/* method/value, with an optional exclude beside it */
		json_t *base = json_deep_copy(def);
		const json_t *excl = json_object_get(def, "exclude");
		selset inc = {NULL, NULL}, exc = {NULL, NULL};
		json_object_del(base, "exclude");
		rc = base ? definition_spec(base, &b) : FLOE_ENOMEM;
		json_decref(base);
		if (rc == 0)
			rc = eval_criterion(g, b.ptr, excl ? &inc : out, false);
		if (rc == 0 && excl) {
			rc = eval_set(g, sels, excl, OP_UNION, &exc, depth + 1);
			if (rc == 0) {
				selset two[2] = {inc, exc};
				rc = combine(g, OP_DIFF, two, 2, out);
			}
		}
		selset_free(&inc);
		selset_free(&exc);
		floe_buf_free(&b);
		return rc;
	}
}

static int eval_selector(const graph *g, floe_dbt *d, const char *name, selset *out, bool *found)
{
	char *path = floe_asprintf("%s/selectors.yml", d->dir);
	json_t *doc = NULL;
	const json_t *sels, *s = NULL;
	int rc = path ? 0 : FLOE_ENOMEM;
	*found = false;
	out->direct = out->indirect = NULL;
	if (rc == 0 && floe_storage_exists(path) == 1)
		rc = floe_yaml_load(&doc, path);
	else if (rc == 0 && name)
		rc = floe_error_set(FLOE_ENOTFOUND, "--selector %s: %s not found", name, path);
	sels = json_object_get(doc, "selectors");
	if (rc == 0 && name) {
		if ((s = find_selector(sels, name)) == NULL)
			rc = floe_error_set(FLOE_ENOTFOUND, "%s: no selector named '%s'", path,
			                    name);
	} else if (rc == 0) {
		/* no --select: a selector with default: true is the selection */
		size_t i;
		const json_t *x;
		json_array_foreach(sels, i, x) if (json_is_true(json_object_get(x, "default"))) s =
		    x;
	}
	if (rc == 0 && s) {
		*found = true;
		rc = eval_definition(g, sels, json_object_get(s, "definition"), out, 0);
		if (rc)
			floe_error_prefix("%s: selector %s: ", path,
			                  json_string_value(json_object_get(s, "name")));
	}
	json_decref(doc);
	floe_free(path);
	return rc;
}

/* ---- what each command runs ---- */

/* --resource-type / --exclude-resource-type values: a list of names
 * ("default" and "all" stand for dbt's sets) */
static bool type_listed(const char *list, dbt_kind k, bool for_ls)
{
	char word[64];
	const char *p = list;
	while (p && *p) {
		size_t n;
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, " ,");
		if (n == 0)
			break;
		snprintf(word, sizeof(word), "%.*s", (int)n, p);
		if (strcmp(word, dbt_kind_name(k)) == 0 || strcmp(word, "all") == 0 ||
		    (strcmp(word, "default") == 0 && (k != DBT_ANALYSIS || !for_ls)))
			return true;
		p += n;
	}
	return false;
}

static int check_types(const char *list, const char *opt)
{
	static const char *known[] = {
	    "model",       "seed",     "test",    "source",    "analysis",
	    "snapshot",    "exposure", "metric",  "unit_test", "semantic_model",
	    "saved_query", "function", "default", "all",       NULL};
	const char *p = list;
	while (p && *p) {
		size_t n;
		bool ok = false;
		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, " ,");
		if (n == 0)
			break;
		for (int i = 0; known[i]; i++)
			ok |= strlen(known[i]) == n && strncmp(known[i], p, n) == 0;
		if (!ok)
			return floe_error_set(FLOE_EINVAL,
			                      "%s: '%.*s' is not a resource type (model, "
			                      "seed, test, source, analysis, ...)",
			                      opt, (int)n, p);
		p += n;
	}
	return 0;
}

static bool command_runs(const char *command, const dbt_node *n)
{
	if (strcmp(command, "ls") == 0)
		return true;
	if (n->kind == DBT_SOURCE)
		return false;
	if (strcmp(command, "compile") == 0)
		return true;
	if (n->kind == DBT_ANALYSIS)
		return false;
	if (strcmp(command, "build") == 0)
		return true;
	return (strcmp(command, "seed") == 0 && n->kind == DBT_SEED) ||
	       (strcmp(command, "run") == 0 && n->kind == DBT_MODEL) ||
	       (strcmp(command, "test") == 0 && n->kind == DBT_TEST);
}

int dbt_select_nodes(floe_dbt *d, const char *command)
{
	const floe_dbt_options *o = &d->opts;
	graph g;
	selset inc = {NULL, NULL}, exc = {NULL, NULL};
	bool from_selector = false, for_ls = strcmp(command, "ls") == 0;
	int rc;
	rc = graph_open(&g, d);
	if (rc == 0 && o->indirect_selection) {
		static const char *modes[] = {"eager", "cautious", "buildable", "empty"};
		bool ok = false;
		for (int i = 0; i < 4; i++)
			if (strcmp(o->indirect_selection, modes[i]) == 0) {
				g.mode = (indirect_mode)i;
				ok = true;
			}
		if (!ok)
			rc = floe_error_set(FLOE_EINVAL,
			                    "--indirect-selection: '%s' is not eager, cautious, "
			                    "buildable or empty",
			                    o->indirect_selection);
	}
	if (rc == 0 && o->selector && (o->select || o->exclude))
		rc = floe_error_set(FLOE_EINVAL,
		                    "--selector cannot be combined with --select or --exclude");
	if (rc == 0)
		rc = check_types(o->resource_types, "--resource-type");
	if (rc == 0)
		rc = check_types(o->exclude_resource_types, "--exclude-resource-type");
	if (rc == 0 && o->select)
		rc = eval_cli(&g, o->select, &inc, true);
	else if (rc == 0 && (o->selector || !o->exclude))
		rc = eval_selector(&g, d, o->selector, &inc, &from_selector);
	if (rc == 0 && inc.direct == NULL)
		rc = eval_cli(&g, "fqn:* source:*", &inc, false); /* dbt's default: everything */
	if (rc == 0 && o->exclude)
		rc = eval_cli(&g, o->exclude, &exc, true);
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		bool type_ok = command_runs(command, n);
		if (o->resource_types)
			type_ok = type_ok && type_listed(o->resource_types, n->kind, for_ls);
		else if (for_ls && n->kind == DBT_ANALYSIS)
			type_ok = false; /* dbt ls lists analyses only when asked */
		if (o->exclude_resource_types)
			type_ok =
			    type_ok && !type_listed(o->exclude_resource_types, n->kind, false);
		n->selected =
		    inc.direct[i] && !(exc.direct && exc.direct[i]) && !n->disabled && type_ok;
	}
	selset_free(&inc);
	selset_free(&exc);
	graph_close(&g);
	return rc;
}
