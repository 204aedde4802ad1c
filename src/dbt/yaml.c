/*
 * YAML to JSON with libyaml's event parser, for dbt_project.yml,
 * profiles.yml and schema files. Plain scalars are typed (booleans, null,
 * integers, floats) as YAML 1.1 resolves them; quoted scalars stay strings.
 * Anchors are remembered and aliases resolved to copies. Input is bounded
 * before it is trusted: the document's size, its nesting (aliases
 * included), the number of anchors, and what aliases expand to (nodes and
 * string bytes, counted before anything is copied), so an alias bomb
 * ("billion laughs") is an error naming the file rather than memory
 * exhausted; PyYAML has no such bound, Go's yaml.v3 refuses excessive
 * aliasing likewise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "floe/storage.h"

#include "dbt_yaml.h"

#define MAX_DEPTH 100
#define MAX_ANCHORS 1024
#define MAX_BYTES ((size_t)64 << 20)       /* a document */
#define MAX_ALIAS_NODES ((size_t)1000000)  /* values made by aliases */
#define MAX_ALIAS_BYTES ((size_t)64 << 20) /* string bytes made by aliases */

typedef struct {
	yaml_parser_t p;
	const char *name;
	char *anchor_names[MAX_ANCHORS];
	json_t *anchor_values[MAX_ANCHORS];
	size_t nanchors;
	size_t alias_nodes, alias_bytes; /* made by aliases so far */
} ctx;

static int parse_error(ctx *c)
{
	return floe_error_set(FLOE_EINVAL, "%s:%zu:%zu: YAML error: %s%s%s", c->name,
	                      c->p.problem_mark.line + 1, c->p.problem_mark.column + 1,
	                      c->p.problem ? c->p.problem : "invalid document",
	                      c->p.context ? " " : "", c->p.context ? c->p.context : "");
}

static json_t *scalar_value(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	char *end;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return json_stringn(s, n);
	if (n == 0 || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0)
		return json_null();
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 || strcasecmp(s, "on") == 0)
		return json_true();
	if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 || strcasecmp(s, "off") == 0)
		return json_false();
	if ((s[0] >= '0' && s[0] <= '9') || ((s[0] == '-' || s[0] == '+') && n > 1)) {
		long long v;
		double d;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && *end == '\0')
			return json_integer(v);
		errno = 0;
		d = strtod(s, &end);
		if (errno == 0 && *end == '\0' && strchr(s, 'x') == NULL)
			return json_real(d);
	}
	return json_stringn(s, n);
}

static int remember(ctx *c, const yaml_char_t *anchor, json_t *v)
{
	if (anchor == NULL)
		return 0;
	if (c->nanchors == MAX_ANCHORS)
		return floe_error_set(FLOE_EINVAL, "%s: too many YAML anchors", c->name);
	c->anchor_names[c->nanchors] = floe_strdup((const char *)anchor);
	if (c->anchor_names[c->nanchors] == NULL)
		return FLOE_ENOMEM;
	c->anchor_values[c->nanchors++] = json_incref(v);
	return 0;
}

static int node(ctx *c, yaml_event_t *ev, json_t **out, int depth);

/* Add what a copy of v makes to the alias budget; false as soon as the
 * budget or the nesting (levels: v's collections below `depth`) is passed,
 * before anything is copied. Recursion is bounded by the depth check. */
static bool alias_cost(ctx *c, const json_t *v, int depth)
{
	const char *k;
	json_t *x;
	size_t i;
	if (++c->alias_nodes > MAX_ALIAS_NODES)
		return false;
	if (json_is_string(v)) {
		c->alias_bytes += json_string_length(v);
		return c->alias_bytes <= MAX_ALIAS_BYTES;
	}
	if (!json_is_array(v) && !json_is_object(v))
		return true;
	if (depth > MAX_DEPTH)
		return false;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x) if (!alias_cost(c, x, depth + 1)) return false;
	} else {
		json_object_foreach((json_t *)v, k, x)
		{
			c->alias_bytes += strlen(k);
			if (!alias_cost(c, x, depth + 1))
				return false;
		}
	}
	return true;
}

static int next(ctx *c, yaml_event_t *ev)
{
	return yaml_parser_parse(&c->p, ev) ? 0 : parse_error(c);
}

static int collection(ctx *c, yaml_event_t *start, json_t **out, int depth)
{
	bool map = start->type == YAML_MAPPING_START_EVENT;
	json_t *v = map ? json_object() : json_array();
	int rc = 0;
	if (depth > MAX_DEPTH) {
		json_decref(v);
		return floe_error_set(FLOE_EINVAL, "%s:%zu: YAML nested too deeply", c->name,
		                      start->start_mark.line + 1);
	}
	rc = remember(c, map ? start->data.mapping_start.anchor : start->data.sequence_start.anchor,
	              v);
	for (;;) {
		yaml_event_t ev;
		json_t *key = NULL, *val = NULL;
		if (rc || (rc = next(c, &ev)) != 0)
			break;
		if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (!map) {
			rc = node(c, &ev, &val, depth + 1);
			yaml_event_delete(&ev);
			if (rc == 0)
				json_array_append_new(v, val);
			continue;
		}
		{
			size_t line = ev.start_mark.line + 1;
			rc = node(c, &ev, &key, depth + 1);
			yaml_event_delete(&ev);
			if (rc == 0 && !json_is_string(key) && !json_is_integer(key) &&
			    !json_is_boolean(key))
				rc = floe_error_set(FLOE_EINVAL,
				                    "%s:%zu: a mapping key must be a scalar",
				                    c->name, line);
			if (rc == 0 && (rc = next(c, &ev)) == 0) {
				rc = node(c, &ev, &val, depth + 1);
				yaml_event_delete(&ev);
			}
			if (rc == 0) {
				char num[32];
				const char *k = json_string_value(key);
				if (json_is_integer(key)) {
					snprintf(num, sizeof(num), "%lld",
					         (long long)json_integer_value(key));
					k = num;
				} else if (json_is_boolean(key)) {
					k = json_is_true(key) ? "true" : "false";
				}
				if (strcmp(k, "<<") == 0 && json_is_object(val))
					json_object_update_missing(v, val); /* merge key */
				else
					json_object_set(v, k, val);
			}
			json_decref(key);
			json_decref(val);
		}
	}
	if (rc) {
		json_decref(v);
		return rc;
	}
	*out = v;
	return 0;
}

static int node(ctx *c, yaml_event_t *ev, json_t **out, int depth)
{
	*out = NULL;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		*out = scalar_value(ev);
		if (*out == NULL)
			return floe_error_set(FLOE_EINVAL, "%s:%zu: YAML scalar is not valid UTF-8",
			                      c->name, ev->start_mark.line + 1);
		return remember(c, ev->data.scalar.anchor, *out);
	case YAML_ALIAS_EVENT:
		for (size_t i = c->nanchors; i-- > 0;)
			if (strcmp(c->anchor_names[i], (const char *)ev->data.alias.anchor) == 0) {
				if (!alias_cost(c, c->anchor_values[i], depth))
					return floe_error_set(
					    FLOE_EINVAL,
					    "%s:%zu: YAML alias *%s expands too far: aliases may "
					    "make at most %zu values and %zu MiB of text, nested "
					    "at "
					    "most %d deep (an alias bomb?)",
					    c->name, ev->start_mark.line + 1, ev->data.alias.anchor,
					    MAX_ALIAS_NODES, MAX_ALIAS_BYTES >> 20, MAX_DEPTH);
				*out = json_deep_copy(c->anchor_values[i]);
				return *out ? 0 : FLOE_ENOMEM;
			}
		return floe_error_set(FLOE_EINVAL, "%s:%zu: unknown YAML alias *%s", c->name,
		                      ev->start_mark.line + 1, ev->data.alias.anchor);
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT: return collection(c, ev, out, depth);
	default:
		return floe_error_set(FLOE_EINVAL, "%s:%zu: unexpected YAML event", c->name,
		                      ev->start_mark.line + 1);
	}
}

int floe_yaml_parse(json_t **out, const char *text, size_t len, const char *name)
{
	ctx c;
	yaml_event_t ev;
	json_t *doc = NULL;
	int rc = 0;
	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.name = name ? name : "yaml";
	if (len > MAX_BYTES)
		return floe_error_set(FLOE_EINVAL,
		                      "%s: YAML document of %zu bytes: floe reads at most %zu MiB",
		                      c.name, len, MAX_BYTES >> 20);
	if (!yaml_parser_initialize(&c.p))
		return floe_error_set(FLOE_ENOMEM, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&c.p, (const unsigned char *)text, len);
	/* stream start, document start (or stream end for an empty input) */
	while (rc == 0 && doc == NULL) {
		if ((rc = next(&c, &ev)) != 0)
			break;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			doc = json_null();
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT || ev.type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			doc = json_null();
			break;
		}
		rc = node(&c, &ev, &doc, 0);
		yaml_event_delete(&ev);
	}
	for (size_t i = 0; i < c.nanchors; i++) {
		floe_free(c.anchor_names[i]);
		json_decref(c.anchor_values[i]);
	}
	yaml_parser_delete(&c.p);
	if (rc) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return 0;
}

int floe_yaml_load(json_t **out, const char *path)
{
	floe_buf b;
	struct stat st;
	int rc;
	*out = NULL;
	/* a FIFO or a device would make the read wait or never end */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return floe_error_set(FLOE_EINVAL, "%s: not a regular file", path);
	if ((rc = floe_storage_read(&b, path, MAX_BYTES)) != 0)
		return rc;
	rc = floe_yaml_parse(out, b.ptr ? b.ptr : "", b.len, path);
	floe_buf_free(&b);
	return rc;
}
