/*
 * The dbt verbs: floe seed | run | test | build | compile | ls | debug |
 * clean, over a dbt project (the current directory or --project-dir).
 * Progress lines come from the dbt layer through floe_log; exit 1 when
 * any node errored or a test failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "floe/dbt.h"

/* An option given several times (--select a --select b) is one list, as
 * dbt reads repeated selection options: the values joined by spaces. */
typedef struct {
	char *select, *exclude, *types, *exclude_types;
} joined_opts;

static int join_opt(char **out, const cli_args *a, const char *name)
{
	floe_buf b = FLOE_BUF_INIT;
	*out = NULL;
	for (size_t i = 0; i < a->nopt; i++)
		if (strcmp(a->opt_name[i], name) == 0 && a->opt_value[i])
			if (floe_buf_printf(&b, "%s%s", b.len ? " " : "", a->opt_value[i]) != 0) {
				floe_buf_free(&b);
				return FLOE_ENOMEM;
			}
	if (b.len)
		*out = floe_buf_detach(&b, NULL);
	floe_buf_free(&b);
	return 0;
}

static void joined_free(joined_opts *j)
{
	floe_free(j->select);
	floe_free(j->exclude);
	floe_free(j->types);
	floe_free(j->exclude_types);
}

/* j holds the joined option values the project keeps pointing at: free it
 * after the project */
static int load_project(floe_dbt **out, floe_cli *cli, const cli_args *a, joined_opts *j,
                        bool runs_nodes)
{
	floe_dbt_options o;
	int rc;
	memset(&o, 0, sizeof(o));
	memset(j, 0, sizeof(*j));
	if ((rc = join_opt(&j->select, a, "--select")) != 0 ||
	    (rc = join_opt(&j->exclude, a, "--exclude")) != 0 ||
	    (rc = join_opt(&j->types, a, "--resource-type")) != 0 ||
	    (rc = join_opt(&j->exclude_types, a, "--exclude-resource-type")) != 0)
		return rc;
	o.project_dir = cli_opt_get(a, "--project-dir");
	o.profiles_dir = cli_opt_get(a, "--profiles-dir");
	o.target = cli_opt_get(a, "--target");
	o.vars = cli_opt_get(a, "--vars");
	o.select = j->select;
	o.exclude = j->exclude;
	o.selector = cli_opt_get(a, "--selector");
	o.resource_types = j->types;
	o.exclude_resource_types = j->exclude_types;
	o.indirect_selection = cli_opt_get(a, "--indirect-selection");
	o.threads = cli->threads;
	o.full_refresh = cli_flag(a, "--full-refresh");
	/* as dbt's flags: the option, else its environment variable, over the
	 * profile's value */
	o.warehouse = cli_opt_get(a, "--warehouse");
	if (o.warehouse == NULL && getenv("FLOE_WAREHOUSE") && *getenv("FLOE_WAREHOUSE"))
		o.warehouse = getenv("FLOE_WAREHOUSE");
	o.catalog = cli_opt_get(a, "--catalog");
	if (o.catalog == NULL && getenv("FLOE_CATALOG") && *getenv("FLOE_CATALOG"))
		o.catalog = getenv("FLOE_CATALOG");
	o.open_engine_early = runs_nodes;
	if (a->npos > 0)
		return cli_usage_error("unexpected argument '%s'", a->pos[0]);
	return floe_dbt_load(out, &o);
}

static int run_verb(floe_cli *cli, const cli_args *a, const char *verb)
{
	floe_dbt *d = NULL;
	floe_dbt_summary s;
	joined_opts j;
	int rc = load_project(&d, cli, a, &j, strcmp(verb, "compile") != 0);
	if (rc == 0)
		rc = floe_dbt_execute(d, verb, &s);
	if (rc == 0 && (s.error > 0))
		rc = floe_error_set(FLOE_EINVAL, "%d of %d nodes failed (see above)", s.error,
		                    s.total);
	floe_dbt_free(d);
	joined_free(&j);
	return rc;
}

int cmd_dbt_seed(floe_cli *cli, const cli_args *a)
{
	return run_verb(cli, a, "seed");
}
int cmd_dbt_run(floe_cli *cli, const cli_args *a)
{
	return run_verb(cli, a, "run");
}
int cmd_dbt_test(floe_cli *cli, const cli_args *a)
{
	return run_verb(cli, a, "test");
}
int cmd_dbt_build(floe_cli *cli, const cli_args *a)
{
	return run_verb(cli, a, "build");
}
int cmd_dbt_compile(floe_cli *cli, const cli_args *a)
{
	return run_verb(cli, a, "compile");
}
/* dbt ls: the lines go to stdout, ready to pipe (as dbt prints them even
 * with --quiet) */
int cmd_dbt_ls(floe_cli *cli, const cli_args *a)
{
	floe_dbt *d = NULL;
	floe_buf out = FLOE_BUF_INIT;
	joined_opts j;
	size_t n = 0;
	int rc = load_project(&d, cli, a, &j, false);
	if (rc == 0)
		rc = floe_dbt_list(d, cli_opt_get(a, "--output"), cli_opt_get(a, "--output-keys"),
		                   &out, &n);
	if (rc == 0 && out.len)
		fwrite(out.ptr, 1, out.len, stdout);
	floe_buf_free(&out);
	floe_dbt_free(d);
	joined_free(&j);
	return rc;
}

int cmd_dbt_debug(floe_cli *cli, const cli_args *a)
{
	floe_dbt *d = NULL;
	joined_opts j;
	int rc = load_project(&d, cli, a, &j, false);
	if (rc == 0)
		cli_status("OK", "project, profile and graph load; all checks passed");
	floe_dbt_free(d);
	joined_free(&j);
	return rc;
}

int cmd_dbt_clean(floe_cli *cli, const cli_args *a)
{
	const char *dir = cli_opt_get(a, "--project-dir");
	const char *targets[] = {"target", "logs"};
	char *yml = floe_asprintf("%s/dbt_project.yml", dir ? dir : ".");
	int found = yml ? floe_storage_exists(yml) : FLOE_ENOMEM;
	(void)cli;
	/* only a project's own folders: --project-dir naming some other
	 * folder must not lose its target/ and logs/ */
	if (found != 1) {
		int rc =
		    found < 0
		        ? found
		        : floe_error_set(FLOE_ENOTFOUND,
		                         "%s not found: not a dbt project, nothing removed", yml);
		floe_free(yml);
		return rc;
	}
	floe_free(yml);
	for (size_t i = 0; i < 2; i++) {
		char *p = floe_asprintf("%s/%s", dir ? dir : ".", targets[i]);
		int rc = p ? floe_storage_delete_tree(p) : FLOE_ENOMEM;
		floe_free(p);
		if (rc)
			return rc;
	}
	cli_status("OK", "removed target/ and logs/");
	return 0;
}

int cmd_dbt_deps(floe_cli *cli, const cli_args *a)
{
	int n = 0, rc;
	(void)cli;
	rc = floe_dbt_deps(cli_opt_get(a, "--project-dir"), &n);
	if (rc == 0)
		cli_status("OK", "%d package%s installed into dbt_packages/", n, n == 1 ? "" : "s");
	return rc;
}
