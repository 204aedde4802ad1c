/*
 * The dbt verbs: floe seed | run | test | build | compile | ls | debug |
 * clean, over a dbt project (the current directory or --project-dir).
 * Progress lines come from the project layer through floe_log; exit 1 when
 * any node errored or a test failed.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "floe/project.h"

static int load_project(floe_dbt **out, floe_cli *cli, const cli_args *a)
{
	floe_dbt_options o;
	memset(&o, 0, sizeof(o));
	o.project_dir = cli_opt_get(a, "--project-dir");
	o.profiles_dir = cli_opt_get(a, "--profiles-dir");
	o.target = cli_opt_get(a, "--target");
	o.vars = cli_opt_get(a, "--vars");
	o.select = cli_opt_get(a, "--select");
	o.exclude = cli_opt_get(a, "--exclude");
	o.threads = cli->threads;
	o.full_refresh = cli_flag(a, "--full-refresh");
	o.warehouse = cli_opt_get(a, "--warehouse");
	o.catalog = cli_opt_get(a, "--catalog");
	if (a->npos > 0)
		return cli_usage_error("unexpected argument '%s'", a->pos[0]);
	return floe_dbt_load(out, &o);
}

static int run_verb(floe_cli *cli, const cli_args *a, const char *verb)
{
	floe_dbt *d = NULL;
	floe_dbt_summary s;
	int rc = load_project(&d, cli, a);
	if (rc == 0)
		rc = floe_dbt_execute(d, verb, &s);
	if (rc == 0 && (s.error > 0))
		rc = floe_error_set(FLOE_EINVAL, "%d of %d nodes failed (see above)", s.error,
		                    s.total);
	floe_dbt_free(d);
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
int cmd_dbt_ls(floe_cli *cli, const cli_args *a)
{
	return run_verb(cli, a, "ls");
}

int cmd_dbt_debug(floe_cli *cli, const cli_args *a)
{
	floe_dbt *d = NULL;
	int rc = load_project(&d, cli, a);
	if (rc == 0)
		cli_status("OK", "project, profile and graph load; all checks passed");
	floe_dbt_free(d);
	return rc;
}

int cmd_dbt_clean(floe_cli *cli, const cli_args *a)
{
	const char *dir = cli_opt_get(a, "--project-dir");
	const char *targets[] = {"target", "logs"};
	(void)cli;
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
