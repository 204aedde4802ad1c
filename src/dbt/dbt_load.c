/*
 * Loading a dbt project (docs.getdbt.com: dbt_project.yml, profiles.yml,
 * properties files): project and profile, macros, seeds, models, schema
 * files with generic tests, singular tests, the config hierarchy
 * (+materialized, +schema, +alias, +tags, +enabled, ...), a parse render
 * of every node to collect ref/source/config, schema and alias resolution
 * and the graph checks (missing refs, cycles) before anything runs.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbt_context.h"
#include "dbt_names.h"
#include "dbt_props.h"
#include "dbt_runtime.h"
#include "dbt_yaml.h"

static int read_text(char **out, const char *path)
{
	floe_buf b;
	int rc = floe_storage_read(&b, path, 64u << 20);
	*out = NULL;
	if (rc)
		return rc;
	*out = floe_buf_detach(&b, NULL);
	return *out ? 0 : FLOE_ENOMEM;
}

/* ---- files ---- */

typedef struct {
	char **v;
	size_t n;
} strlist;

static int strlist_add(strlist *l, char *s)
{
	char **g;
	if (s == NULL)
		return FLOE_ENOMEM;
	g = floe_realloc(l->v, (l->n + 1) * sizeof(char *));
	if (g == NULL) {
		floe_free(s);
		return FLOE_ENOMEM;
	}
	l->v = g;
	l->v[l->n++] = s;
	return 0;
}

static void strlist_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		floe_free(l->v[i]);
	floe_free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* relative paths (to the project) of files under dir ending in ext */
static int find_files(strlist *out, const char *root, const char *dir, const char *ext, int depth)
{
	char *full = floe_asprintf("%s/%s", root, dir);
	DIR *d;
	struct dirent *de;
	int rc = 0;
	if (full == NULL)
		return FLOE_ENOMEM;
	d = depth < 32 ? opendir(full) : NULL;
	floe_free(full);
	if (d == NULL)
		return 0;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char *rel, *abs;
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		rel = floe_asprintf("%s/%s", dir, de->d_name);
		abs = rel ? floe_asprintf("%s/%s", root, rel) : NULL;
		if (abs == NULL) {
			floe_free(rel);
			rc = FLOE_ENOMEM;
			break;
		}
		if (stat(abs, &st) == 0 && S_ISDIR(st.st_mode))
			rc = find_files(out, root, rel, ext, depth + 1);
		else if (floe_str_ends_with(de->d_name, ext) && !S_ISREG(st.st_mode))
			/* reading a FIFO or a device would wait or never end */
			rc = floe_error_set(FLOE_EINVAL, "%s: not a regular file", rel);
		else if (floe_str_ends_with(de->d_name, ext))
			rc = strlist_add(out, floe_strdup(rel));
		floe_free(rel);
		floe_free(abs);
	}
	closedir(d);
	if (rc == 0 && depth == 0 && out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_str);
	return rc;
}

static const char *path_list(const json_t *project, const char *key, const char *dflt, size_t i)
{
	const json_t *v = json_object_get(project, key);
	if (json_is_array(v))
		return json_string_value(json_array_get(v, i));
	return i == 0 ? dflt : NULL;
}

static int set_fqn(floe_dbt *d, dbt_node *n, const char *rel, const char *root_dir)
{
	/* rel: models/staging/stg.sql -> [project, staging, stg]; analyses
	 * are under "analysis" (dbt's compiled path for them) */
	char *copy = floe_strdup(rel + strlen(root_dir) + (rel[strlen(root_dir)] == '/'));
	char *p, *slash;
	if (copy == NULL)
		return FLOE_ENOMEM;
	json_array_append_new(n->fqn, json_string(d->project_name));
	if (n->kind == DBT_ANALYSIS)
		json_array_append_new(n->fqn, json_string("analysis"));
	for (p = copy; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		json_array_append_new(n->fqn, json_string(p));
	}
	json_array_append_new(n->fqn, json_string(n->name));
	floe_free(copy);
	return 0;
}

static char *stem(const char *rel)
{
	const char *base = strrchr(rel, '/');
	const char *dot;
	base = base ? base + 1 : rel;
	dot = strrchr(base, '.');
	return floe_strndup(base, dot ? (size_t)(dot - base) : strlen(base));
}

static int load_nodes(floe_dbt *d, dbt_kind kind, const char *key, const char *dflt,
                      const char *ext, const char *section)
{
	int rc = 0;
	for (size_t i = 0; rc == 0; i++) {
		const char *dir = path_list(d->project, key, dflt, i);
		strlist files = {NULL, 0};
		if (dir == NULL)
			break;
		rc = find_files(&files, d->dir, dir, ext, 0);
		for (size_t k = 0; rc == 0 && k < files.n; k++) {
			char *name;
			dbt_node *n;
			if (kind == DBT_TEST &&
			    floe_str_starts_with(files.v[k] + strlen(dir), "/generic/")) {
				/* tests/generic/: generic test definitions, not tests */
				char *abs = floe_asprintf("%s/%s", d->dir, files.v[k]),
				     *text = NULL;
				rc = abs ? read_text(&text, abs) : FLOE_ENOMEM;
				if (rc == 0)
					rc = floe_jinja_load_macros(d->jinja, text, files.v[k]);
				floe_free(text);
				floe_free(abs);
				continue;
			}
			if ((name = stem(files.v[k])) == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			if (kind != DBT_TEST &&
			    dbt_find(d, kind == DBT_ANALYSIS ? DBT_ANALYSIS : (dbt_kind)-1, name) !=
			        NULL) {
				rc = floe_error_set(
				    FLOE_EINVAL,
				    "%s: a node named '%s' already exists (dbt names "
				    "must be unique)",
				    files.v[k], name);
				floe_free(name);
				break;
			}
			n = dbt_add_node(d, kind, name, files.v[k]);
			floe_free(name);
			if (n == NULL) {
				rc = FLOE_ENOMEM;
				break;
			}
			rc = set_fqn(d, n, files.v[k], dir);
			if (rc == 0 && section)
				dbt_project_config(d, n, section);
			if (rc == 0 && kind != DBT_SEED) {
				char *abs = floe_asprintf("%s/%s", d->dir, files.v[k]);
				rc = abs ? read_text(&n->raw, abs) : FLOE_ENOMEM;
				floe_free(abs);
			}
			if (kind == DBT_TEST)
				n->test_kind = floe_strdup("singular");
		}
		strlist_free(&files);
	}
	return rc;
}

/* the macros under a project's macro-paths, as package `pkg` (NULL: the
 * root project) */
static int load_macros_of(floe_dbt *d, const char *root, const json_t *project, const char *pkg)
{
	int rc = 0;
	for (size_t i = 0; rc == 0; i++) {
		const char *dir = path_list(project, "macro-paths", "macros", i);
		strlist files = {NULL, 0};
		if (dir == NULL)
			break;
		rc = find_files(&files, root, dir, ".sql", 0);
		for (size_t k = 0; rc == 0 && k < files.n; k++) {
			char *abs = floe_asprintf("%s/%s", root, files.v[k]), *text = NULL;
			rc = abs ? read_text(&text, abs) : FLOE_ENOMEM;
			if (rc == 0)
				rc = floe_jinja_load_package_macros(d->jinja, text, abs, pkg);
			floe_free(text);
			floe_free(abs);
		}
		strlist_free(&files);
	}
	return rc;
}

static int load_macros(floe_dbt *d)
{
	return load_macros_of(d, d->dir, d->project, NULL);
}

/* one package: its macros as package <name>, the global object <name>
 * holding them, and its vars as defaults */
static int load_package(floe_dbt *d, const char *root, const char *dirname)
{
	char *yml = floe_asprintf("%s/dbt_project.yml", root);
	json_t *proj = NULL, *ns = NULL;
	const char *pname;
	int rc = yml ? 0 : FLOE_ENOMEM;
	if (rc == 0 && floe_storage_exists(yml) == 1)
		rc = floe_yaml_load(&proj, yml);
	pname = json_string_value(json_object_get(proj, "name"));
	if (pname == NULL)
		pname = dirname;
	if (rc == 0)
		rc = dbt_check_identifier(proj ? yml : root, "package name", pname);
	if (rc == 0 && (ns = json_object()) == NULL)
		rc = FLOE_ENOMEM;
	if (rc == 0)
		rc = load_macros_of(d, root, json_is_object(proj) ? proj : NULL, pname);
	for (size_t i = 0; rc == 0 && i < floe_jinja_macro_count(d->jinja); i++) {
		const char *p = floe_jinja_macro_package(d->jinja, i);
		const char *m = floe_jinja_macro_name(d->jinja, i);
		json_t *v = p && strcmp(p, pname) == 0
		                ? floe_jinja_package_macro(d->jinja, pname, m)
		                : NULL;
		if (v && json_object_set_new(ns, m, v))
			rc = FLOE_ENOMEM;
	}
	if (rc == 0)
		rc = floe_jinja_set_global(d->jinja, pname, ns);
	if (rc == 0 && json_array_append_new(d->packages, json_string(pname)))
		rc = FLOE_ENOMEM;
	if (rc == 0 && json_is_object(json_object_get(proj, "vars")))
		rc = json_object_set(d->package_vars, pname, json_object_get(proj, "vars"))
		         ? FLOE_ENOMEM
		         : 0;
	if (rc == 0)
		floe_log(FLOE_LOG_DEBUG, "loaded package %s from %s", pname, root);
	json_decref(ns);
	json_decref(proj);
	floe_free(yml);
	return rc;
}

/* Packages as `dbt deps` leaves them in dbt_packages/<name> (in name
 * order): their macros (and generic tests) load before the project's and
 * are reachable as <package>.<macro>. */
static int load_packages(floe_dbt *d)
{
	const char *install =
	    json_string_value(json_object_get(d->project, "packages-install-path"));
	char *pdir = floe_asprintf("%s/%s", d->dir, install ? install : "dbt_packages");
	strlist names = {NULL, 0};
	DIR *dir;
	struct dirent *de;
	int rc = 0;
	if (pdir == NULL)
		return FLOE_ENOMEM;
	if ((dir = opendir(pdir)) == NULL) {
		floe_free(pdir);
		return 0;
	}
	while (rc == 0 && (de = readdir(dir)) != NULL)
		if (de->d_name[0] != '.')
			rc = strlist_add(&names, floe_strdup(de->d_name));
	closedir(dir);
	if (names.n)
		qsort(names.v, names.n, sizeof(char *), cmp_str);
	for (size_t i = 0; rc == 0 && i < names.n; i++) {
		char *root = floe_asprintf("%s/%s", pdir, names.v[i]);
		rc = root ? load_package(d, root, names.v[i]) : FLOE_ENOMEM;
		floe_free(root);
	}
	strlist_free(&names);
	floe_free(pdir);
	return rc;
}

/* docs blocks in .md files under the model paths (dbt's docs-paths default) */
static int load_docs(floe_dbt *d)
{
	int rc = 0;
	for (size_t i = 0; rc == 0; i++) {
		const char *dir = json_is_array(json_object_get(d->project, "docs-paths"))
		                      ? path_list(d->project, "docs-paths", NULL, i)
		                      : path_list(d->project, "model-paths", "models", i);
		strlist files = {NULL, 0};
		if (dir == NULL)
			break;
		rc = find_files(&files, d->dir, dir, ".md", 0);
		for (size_t k = 0; rc == 0 && k < files.n; k++) {
			char *abs = floe_asprintf("%s/%s", d->dir, files.v[k]), *text = NULL;
			rc = abs ? read_text(&text, abs) : FLOE_ENOMEM;
			if (rc == 0)
				rc = floe_jinja_load_macros(d->jinja, text, files.v[k]);
			floe_free(text);
			floe_free(abs);
		}
		strlist_free(&files);
	}
	return rc;
}

/* properties files: the YAML files under the model, seed and analysis
 * paths (each folder once) */
static int load_schema_files(floe_dbt *d)
{
	static const struct {
		const char *key, *dflt;
	} roots[] = {
	    {"model-paths", "models"}, {"seed-paths", "seeds"}, {"analysis-paths", "analyses"}};
	strlist seen = {NULL, 0};
	int rc = 0;
	for (size_t r = 0; rc == 0 && r < sizeof(roots) / sizeof(roots[0]); r++) {
		for (size_t i = 0; rc == 0; i++) {
			const char *dir = path_list(d->project, roots[r].key, roots[r].dflt, i);
			strlist files = {NULL, 0};
			bool dup = false;
			if (dir == NULL)
				break;
			for (size_t k = 0; k < seen.n; k++)
				dup |= strcmp(seen.v[k], dir) == 0;
			if (dup || (rc = strlist_add(&seen, floe_strdup(dir))) != 0)
				continue;
			rc = find_files(&files, d->dir, dir, ".yml", 0);
			if (rc == 0)
				rc = find_files(&files, d->dir, dir, ".yaml", 0);
			for (size_t k = 0; rc == 0 && k < files.n; k++) {
				char *abs = floe_asprintf("%s/%s", d->dir, files.v[k]);
				json_t *doc = NULL;
				rc = abs ? floe_yaml_load(&doc, abs) : FLOE_ENOMEM;
				if (rc == 0)
					rc = dbt_load_properties(d, files.v[k], doc);
				json_decref(doc);
				floe_free(abs);
			}
			strlist_free(&files);
		}
	}
	strlist_free(&seen);
	return rc;
}

/* ---- profile ---- */

static const char *known_output_keys[] = {"type",
                                          "path",
                                          "schema",
                                          "database",
                                          "threads",
                                          "extensions",
                                          "settings",
                                          "warehouse",
                                          "catalog",
                                          "attach",
                                          "plugins",
                                          "filesystems",
                                          "external_root",
                                          "use_credential_provider",
                                          "module_paths",
                                          "secrets",
                                          "disable_transactions",
                                          "retries",
                                          "keep_open",
                                          NULL};

static int load_profile(floe_dbt *d, const floe_dbt_options *o)
{
	const char *pname = json_string_value(json_object_get(d->project, "profile"));
	const char *home = getenv("HOME");
	char *candidates[3] = {NULL, NULL, NULL};
	json_t *profiles = NULL, *profile, *outputs;
	const char *target, *k;
	json_t *v;
	int rc = FLOE_ENOTFOUND;
	if (o->profiles_dir)
		candidates[0] = floe_asprintf("%s/profiles.yml", o->profiles_dir);
	candidates[1] = floe_asprintf("%s/profiles.yml", d->dir);
	if (home)
		candidates[2] = floe_asprintf("%s/.dbt/profiles.yml", home);
	for (int i = 0; i < 3 && rc == FLOE_ENOTFOUND; i++) {
		if (candidates[i] == NULL || floe_storage_exists(candidates[i]) != 1)
			continue;
		rc = floe_yaml_load(&profiles, candidates[i]);
		if (rc == 0)
			rc = dbt_render_env(profiles, candidates[i]);
		if (rc == 0)
			d->profile_path = floe_strdup(candidates[i]);
	}
	for (int i = 0; i < 3; i++)
		floe_free(candidates[i]);
	if (rc == FLOE_ENOTFOUND)
		return floe_error_set(
		    FLOE_ENOTFOUND, "no profiles.yml found (looked in --profiles-dir, the project "
		                    "directory and ~/.dbt)");
	if (rc) {
		json_decref(profiles);
		return rc;
	}
	profile = json_object_get(profiles, pname ? pname : "");
	if (!json_is_object(profile)) {
		json_decref(profiles);
		return floe_error_set(FLOE_ENOTFOUND, "%s: no profile named '%s'", d->profile_path,
		                      pname ? pname : "(dbt_project.yml has no profile)");
	}
	target = o->target ? o->target : json_string_value(json_object_get(profile, "target"));
	outputs = json_object_get(profile, "outputs");
	d->output = json_deep_copy(json_object_get(outputs, target ? target : "dev"));
	d->target_name = floe_strdup(target ? target : "dev");
	json_decref(profiles);
	if (!json_is_object(d->output))
		return floe_error_set(FLOE_ENOTFOUND, "%s: profile '%s' has no output '%s'",
		                      d->profile_path, pname, target ? target : "dev");
	json_object_foreach(d->output, k, v)
	{
		bool known = false;
		for (int i = 0; known_output_keys[i]; i++)
			known |= strcmp(k, known_output_keys[i]) == 0;
		if (!known)
			floe_log(FLOE_LOG_WARN, "%s: unknown key '%s' in output '%s' (ignored)",
			         d->profile_path, k, d->target_name);
	}
	{
		const char *type = json_string_value(json_object_get(d->output, "type"));
		if (type && strcmp(type, "duckdb") != 0)
			return floe_error_set(FLOE_EUNSUPPORTED,
			                      "%s: output type '%s' is not supported (floe runs "
			                      "dbt-duckdb profiles)",
			                      d->profile_path, type);
	}
	return 0;
}

/* A project's name and the folders floe writes into (target-path,
 * packages-install-path, log-path) as dbt validates them, and kept inside
 * the project: a name from dbt_project.yml becomes part of the paths floe
 * writes and deletes. */
static int check_project(const char *file, const json_t *project)
{
	static const char *const dirs[] = {"target-path", "packages-install-path", "log-path"};
	int rc = dbt_check_identifier(file, "project name",
	                              json_string_value(json_object_get(project, "name")));
	for (size_t i = 0; rc == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const json_t *v = json_object_get(project, dirs[i]);
		if (v && !json_is_string(v))
			rc = floe_error_set(FLOE_EINVAL, "%s: %s must be a string", file, dirs[i]);
		else if (v)
			rc = dbt_check_subdir(file, dirs[i], json_string_value(v));
	}
	return rc;
}

static int resolve_names(floe_dbt *d, dbt_node *n)
{
	const json_t *custom = json_object_get(n->config, "schema");
	const char *alias = json_string_value(json_object_get(n->config, "alias"));
	json_t *args, *res = NULL;
	int rc = 0;
	if (floe_jinja_has_macro(d->jinja, "generate_schema_name")) {
		json_t *node = json_pack("{s:s,s:s,s:O}", "name", n->name, "resource_type",
		                         dbt_kind_name(n->kind), "fqn", n->fqn);
		args = json_pack("[O,o]", custom ? custom : json_null(), node);
		rc = floe_jinja_call(&res, d->jinja, "generate_schema_name", args);
		json_decref(args);
		if (rc == 0) {
			json_t *s = json_is_string(res) ? res : NULL;
			char *trimmed = floe_strdup(s ? json_string_value(s) : d->target_schema);
			char *p = trimmed, *e;
			if (trimmed == NULL)
				rc = FLOE_ENOMEM;
			while (p && (*p == ' ' || *p == '\n' || *p == '\t'))
				p++;
			e = p ? p + strlen(p) : NULL;
			while (e && e > p && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t'))
				e--;
			if (rc == 0)
				n->schema = floe_strndup(p, (size_t)(e - p));
			floe_free(trimmed);
		}
		json_decref(res);
	} else if (json_is_string(custom)) {
		n->schema = floe_asprintf("%s_%s", d->target_schema, json_string_value(custom));
	} else {
		n->schema = floe_strdup(d->target_schema);
	}
	if (rc == 0)
		n->alias = floe_strdup(alias ? alias : n->name);
	if (rc == 0 && (n->schema == NULL || n->alias == NULL))
		rc = FLOE_ENOMEM;
	if (rc) {
		floe_error_prefix("%s: ", n->path);
		return rc;
	}
	/* both become folder and file names (the warehouse, external files) */
	if ((rc = dbt_check_path_part(n->path, "schema", n->schema)) == 0)
		rc = dbt_check_path_part(n->path, "alias", n->alias);
	return rc;
}

int floe_dbt_load(floe_dbt **out, const floe_dbt_options *o)
{
	floe_dbt *d = floe_calloc(1, sizeof(*d));
	char *path = NULL;
	int rc;
	*out = NULL;
	if (d == NULL)
		return FLOE_ENOMEM;
	pthread_mutex_init(&d->jinja_mu, NULL);
	pthread_mutex_init(&d->ddl_mu, NULL);
	d->main.d = d;
	d->opts = *o;
	d->dir = floe_strdup(o->project_dir ? o->project_dir : ".");
	d->sources = json_object();
	d->exposures = json_object();
	d->vars = json_object();
	d->packages = json_array();
	d->package_vars = json_object();
	d->results = json_object();
	d->index = json_object();
	if (d->dir == NULL || d->sources == NULL || d->vars == NULL || d->exposures == NULL ||
	    d->packages == NULL || d->package_vars == NULL || d->results == NULL ||
	    d->index == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	path = floe_asprintf("%s/dbt_project.yml", d->dir);
	if (path == NULL) {
		rc = FLOE_ENOMEM;
		goto done;
	}
	if ((rc = floe_yaml_load(&d->project, path)) != 0) {
		if (rc == FLOE_ENOTFOUND)
			rc =
			    floe_error_set(FLOE_ENOTFOUND, "%s not found: not a dbt project", path);
		goto done;
	}
	if ((rc = dbt_render_env(d->project, path)) != 0)
		goto done;
	if (!json_is_object(d->project) || !json_is_string(json_object_get(d->project, "name"))) {
		rc = floe_error_set(FLOE_EINVAL, "%s: 'name' is required", path);
		goto done;
	}
	if ((rc = check_project(path, d->project)) != 0)
		goto done;
	d->project_name = floe_strdup(json_string_value(json_object_get(d->project, "name")));
	if (json_is_object(json_object_get(d->project, "vars")))
		json_object_update(d->vars, json_object_get(d->project, "vars"));
	if (o->vars) {
		json_t *cli_vars = NULL;
		if ((rc = floe_yaml_parse(&cli_vars, o->vars, strlen(o->vars), "--vars")) != 0)
			goto done;
		if (!json_is_object(cli_vars)) {
			json_decref(cli_vars);
			rc = floe_error_set(FLOE_EINVAL, "--vars must be a YAML mapping");
			goto done;
		}
		json_object_update(d->vars, cli_vars);
		json_decref(cli_vars);
	}
	if ((rc = load_profile(d, o)) != 0)
		goto done;
	if (o->open_engine_early)
		dbt_engine_open_start(d);
	d->target_schema = floe_strdup(json_string_value(json_object_get(d->output, "schema"))
	                                   ? json_string_value(json_object_get(d->output, "schema"))
	                                   : "main");
	if ((rc = floe_jinja_new(&d->jinja)) == 0)
		floe_jinja_set_context(d->jinja, &d->main); /* dbt_worker_of */
	if (rc != 0 || (rc = dbt_register_context(d)) != 0 || (rc = load_packages(d)) != 0 ||
	    (rc = load_macros(d)) != 0 || (rc = dbt_root_namespace(d)) != 0)
		goto done;
	if ((rc = load_nodes(d, DBT_SEED, "seed-paths", "seeds", ".csv", "seeds")) != 0 ||
	    (rc = load_nodes(d, DBT_MODEL, "model-paths", "models", ".sql", "models")) != 0 ||
	    (rc = load_nodes(d, DBT_TEST, "test-paths", "tests", ".sql", NULL)) != 0 ||
	    (rc = load_nodes(d, DBT_ANALYSIS, "analysis-paths", "analyses", ".sql", "analyses")) !=
	        0 ||
	    (rc = load_docs(d)) != 0 || (rc = load_schema_files(d)) != 0)
		goto done;
	/* parse render: ref/source/config calls fill deps and config */
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		char *sql = NULL;
		/* a generic test has no text: its macro is called while parsing */
		if (n->kind == DBT_SEED || n->kind == DBT_SOURCE ||
		    (n->raw == NULL && n->kind != DBT_TEST))
			continue;
		rc = dbt_render(d, n, true, &sql);
		floe_free(sql);
	}
	/* disabled nodes drop out, and the tests of what is disabled */
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++)
		if (json_is_false(json_object_get(d->nodes[i].config, "enabled")))
			d->nodes[i].disabled = true;
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i], *target = dbt_test_target(d, n);
		if (target && target->disabled)
			n->disabled = true;
	}
	for (size_t i = 0; rc == 0 && i < d->nnodes; i++) {
		dbt_node *n = &d->nodes[i];
		if (n->kind == DBT_SEED || n->kind == DBT_MODEL || n->kind == DBT_ANALYSIS) {
			rc = resolve_names(d, n);
		} else if (n->kind == DBT_TEST) {
			/* dbt's alias of a test: config alias (the short name when the
			 * full one is too long), else its name */
			const char *alias = json_string_value(json_object_get(n->config, "alias"));
			n->alias = floe_strdup(alias ? alias : n->name);
			if (n->alias == NULL)
				rc = FLOE_ENOMEM;
		}
	}
	if (rc == 0)
		rc = dbt_graph_sort(d);
	if (rc == 0)
		rc = dbt_graph_link(d);
	if (rc == 0)
		rc = dbt_set_graph(d);
done:
	floe_free(path);
	if (rc) {
		floe_dbt_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

void floe_dbt_free(floe_dbt *d)
{
	if (d == NULL)
		return;
	dbt_graph_free(d);
	floe_jinja_free(d->jinja);
	dbt_engine_opened(d); /* an early open nobody took */
	floe_engine_free(d->main.engine);
	floe_catalog_free(d->main.catalog);
	json_decref(d->project);
	json_decref(d->output);
	json_decref(d->sources);
	json_decref(d->exposures);
	json_decref(d->vars);
	json_decref(d->packages);
	json_decref(d->package_vars);
	json_decref(d->results);
	json_decref(d->index);
	floe_free(d->dir);
	floe_free(d->project_name);
	floe_free(d->profile_path);
	floe_free(d->target_name);
	floe_free(d->target_schema);
	floe_free(d->cat_uri);
	floe_free(d->wh_path);
	pthread_mutex_destroy(&d->jinja_mu);
	pthread_mutex_destroy(&d->ddl_mu);
	floe_free(d);
}

/* ---- floe deps: local packages ---- */

/* Install one local package as dbt-core's LocalPinnedPackage does: a
 * symlink <install>/<name> to the package folder. What stood there is
 * replaced: a link is unlinked (its target is never touched), a folder
 * (an older copy) deleted, unless the package folder itself lies there.
 * The name has been checked, so dst is one entry of the install folder. */
static int install_link(const char *src, const char *dst, const char *file)
{
	char *real_src = realpath(src, NULL), *real_dst = NULL;
	struct stat st;
	int rc = 0;
	if (real_src == NULL) {
		rc = floe_error_set(FLOE_ENOTFOUND, "%s: cannot read package folder %s: %s", file,
		                    src, strerror(errno));
		goto done;
	}
	if (lstat(dst, &st) == 0 && S_ISLNK(st.st_mode)) {
		if (unlink(dst) != 0)
			rc = floe_error_set(FLOE_EIO, "cannot remove the link %s: %s", dst,
			                    strerror(errno));
	} else if (lstat(dst, &st) == 0) {
		size_t n;
		real_dst = realpath(dst, NULL);
		n = real_dst ? strlen(real_dst) : 0;
		if (real_dst == NULL || (strncmp(real_src, real_dst, n) == 0 &&
		                         (real_src[n] == '\0' || real_src[n] == '/')))
			rc = floe_error_set(FLOE_EINVAL,
			                    "%s: package folder %s lies in its install location %s",
			                    file, src, dst);
		else
			rc = floe_storage_delete_tree(dst);
	}
	if (rc == 0 && symlink(real_src, dst) != 0)
		rc = floe_error_set(FLOE_EIO, "cannot link %s to %s: %s", dst, real_src,
		                    strerror(errno));
done:
	free(real_dst); /* realpath's, from malloc */
	free(real_src);
	return rc;
}

/* the install folder: the project's packages-install-path (checked as
 * floe_dbt_load checks it), else dbt_packages */
static int install_dir(char **out, const char *project_dir)
{
	char *yml = floe_asprintf("%s/dbt_project.yml", project_dir);
	json_t *proj = NULL;
	const char *rel = NULL;
	int rc = yml ? 0 : FLOE_ENOMEM;
	*out = NULL;
	if (rc == 0 && floe_storage_exists(yml) == 1 && (rc = floe_yaml_load(&proj, yml)) == 0) {
		const json_t *v = json_object_get(proj, "packages-install-path");
		if (v && !json_is_string(v))
			rc = floe_error_set(FLOE_EINVAL,
			                    "%s: packages-install-path must be a string", yml);
		else if (v)
			rc = dbt_check_subdir(yml, "packages-install-path",
			                      (rel = json_string_value(v)));
	}
	if (rc == 0 &&
	    (*out = floe_asprintf("%s/%s", project_dir, rel ? rel : "dbt_packages")) == NULL)
		rc = FLOE_ENOMEM;
	json_decref(proj);
	floe_free(yml);
	return rc;
}

int floe_dbt_deps(const char *project_dir, int *installed)
{
	const char *dir = project_dir ? project_dir : ".";
	char *path = floe_asprintf("%s/packages.yml", dir), *install = NULL;
	json_t *doc = NULL;
	const json_t *p;
	size_t i;
	int rc;
	*installed = 0;
	if (path == NULL)
		return FLOE_ENOMEM;
	rc = floe_yaml_load(&doc, path);
	if (rc == FLOE_ENOTFOUND) {
		floe_error_clear();
		rc = 0;
	}
	if (rc == 0 && json_array_size(json_object_get(doc, "packages")) > 0 &&
	    (rc = install_dir(&install, dir)) == 0)
		rc = floe_storage_mkdirs(install);
	json_array_foreach(json_object_get(doc, "packages"), i, p)
	{
		const char *local = json_string_value(json_object_get(p, "local"));
		char *src, *proj, *dst;
		json_t *pp = NULL;
		const char *name;
		if (rc)
			break;
		if (local == NULL) {
			const char *what = json_object_get(p, "git")
			                       ? json_string_value(json_object_get(p, "git"))
			                       : json_string_value(json_object_get(p, "package"));
			rc = floe_error_set(
			    FLOE_EUNSUPPORTED,
			    "%s: package '%s' needs a network download (hub or git); "
			    "floe installs local: packages only: install it with dbt "
			    "deps or copy it into dbt_packages/",
			    path, what ? what : "?");
			break;
		}
		src = local[0] == '/' ? floe_strdup(local) : floe_asprintf("%s/%s", dir, local);
		proj = src ? floe_asprintf("%s/dbt_project.yml", src) : NULL;
		if (proj == NULL) {
			floe_free(src);
			rc = FLOE_ENOMEM;
			break;
		}
		rc = floe_yaml_load(&pp, proj);
		name = json_string_value(json_object_get(pp, "name"));
		if (rc == 0 && name == NULL)
			rc = floe_error_set(FLOE_EINVAL, "%s: 'name' is required", proj);
		/* the name is the folder it is installed as */
		if (rc == 0)
			rc = dbt_check_identifier(proj, "package name", name);
		dst = rc == 0 ? floe_asprintf("%s/%s", install, name) : NULL;
		if (rc == 0 && dst == NULL)
			rc = FLOE_ENOMEM;
		if (rc == 0)
			rc = install_link(src, dst, path);
		if (rc == 0) {
			(*installed)++;
			floe_log(FLOE_LOG_INFO, "Installed from %s: %s", local, name);
		}
		json_decref(pp);
		floe_free(dst);
		floe_free(proj);
		floe_free(src);
	}
	json_decref(doc);
	floe_free(install);
	floe_free(path);
	return rc;
}
