/*
 * floe command line: parses the verb and its options, runs it, prints the
 * result or the one-line error. The only layer that prints.
 *
 * Global options (any verb, anywhere on the line): --warehouse DIR,
 * --catalog URI, --json, --quiet, --verbose, --threads N, --help.
 * Environment: FLOE_WAREHOUSE, FLOE_CATALOG.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_opt global_opts[] = {
    {"--warehouse", true, "warehouse directory (default ./warehouse or $FLOE_WAREHOUSE)"},
    {"--catalog", true,
     "catalog URI: sqlite:PATH (default <warehouse>/catalog.db) or fs: ($FLOE_CATALOG)"},
    {"--json", false, "machine-readable JSON output (read verbs)"},
    {"--quiet", false, "only errors on stderr"},
    {"--verbose", false, "debug logging"},
    {"--threads", true, "DuckDB threads (default: cores)"},
    {"--help", false, "show help"},
    {NULL, false, NULL}};

static const cli_opt ns_opts[] = {
    {"--property", true, "KEY=VALUE property for create (repeatable)"},
    {"--if-not-exists", false, "create: no error when it exists"},
    {NULL, false, NULL}};
static const cli_opt load_opts[] = {
    {"--replace", false, "replace the table's contents (new snapshot, history kept)"},
    {"--append", false, "append to an existing table"},
    {"--delimiter", true, "field delimiter (default: detected)"},
    {"--no-header", false, "the file has no header line"},
    {NULL, false, NULL}};
static const cli_opt sql_opts[] = {{"--file", true, "read the SQL script from a file"},
                                   {NULL, false, NULL}};
static const cli_opt query_opts[] = {
    {"--as-of-snapshot", true, "read the table that has this snapshot as of it"},
    {"--as-of", true, "read every table as it was at 'YYYY-MM-DD HH:MM:SS' (UTC)"},
    {"--max-rows", true, "print at most N rows (default 1000; 0 = all)"},
    {NULL, false, NULL}};
static const cli_opt drop_opts[] = {{"--purge", false, "also delete the table's files"},
                                    {NULL, false, NULL}};
static const cli_opt gen_opts[] = {{"--scale", true, "scale factor (default 1)"},
                                   {"--out", true, "output directory (default ./jaffle-data)"},
                                   {NULL, false, NULL}};
static const cli_opt no_opts[] = {{NULL, false, NULL}};
static const cli_opt dbt_opts[] = {
    {"--project-dir", true, "the dbt project (default: current directory)"},
    {"--profiles-dir", true, "where profiles.yml is (default: project dir, then ~/.dbt)"},
    {"--target", true, "the profile output to use"},
    {"--vars", true, "YAML mapping overriding vars, e.g. '{x: 1}'"},
    {"--select", true,
     "nodes to run (dbt syntax: name, 2+name, name+1, @name, tag:, path:, source:, "
     "config.k:v, test_type:, fqn wildcards; repeatable)"},
    {"--exclude", true, "nodes to leave out (same syntax; repeatable)"},
    {"--selector", true, "a selector of selectors.yml"},
    {"--resource-type", true,
     "only these resource types (model, seed, test, source, analysis, all; repeatable)"},
    {"--exclude-resource-type", true, "leave these resource types out (repeatable)"},
    {"--indirect-selection", true,
     "tests of selected nodes: eager (default), cautious, buildable, empty"},
    {"--full-refresh", false, "rebuild incremental models from scratch"},
    {NULL, false, NULL}};
/* ls: the dbt options and these */
static const cli_opt ls_opts[] = {
    {"--output", true, "selector (default), name, path or json"},
    {"--output-keys", true, "json keys to print (e.g. 'name config.materialized')"},
    {NULL, false, NULL}};
static const cli_opt prop_opts[] = {{"--set", true, "KEY=VALUE to set (repeatable)"},
                                    {"--unset", true, "KEY to remove (repeatable)"},
                                    {NULL, false, NULL}};

static const cli_cmd commands[] = {
    {"namespace", "namespace create|list|show|drop [NAME] [--property K=V]",
     "manage namespaces (nested ones as a.b)", ns_opts, cmd_namespace, NULL},
    {"load", "load NS.TABLE FILE.csv [--replace|--append] [--delimiter C] [--no-header]",
     "load a CSV file into an Iceberg table (DuckDB reads the CSV)", load_opts, cmd_load, NULL},
    {"sql", "sql \"STATEMENTS\" | sql --file SCRIPT.sql",
     "run SQL; CREATE [OR REPLACE] TABLE ns.t AS / INSERT INTO ns.t write Iceberg tables", sql_opts,
     cmd_sql, NULL},
    {"query", "query \"SELECT ...\" [--as-of-snapshot ID | --as-of TIME] [--max-rows N]",
     "query Iceberg tables (as ns.table) with DuckDB", query_opts, cmd_query, NULL},
    {"tables", "tables [NAMESPACE]", "list tables", no_opts, cmd_tables, NULL},
    {"show", "show NS.TABLE", "show a table: location, schema, current snapshot", no_opts, cmd_show,
     NULL},
    {"history", "history NS.TABLE", "list a table's snapshots", no_opts, cmd_history, NULL},
    {"drop", "drop NS.TABLE [--purge]", "drop a table (with --purge delete its files) or a view",
     drop_opts, cmd_drop, NULL},
    {"properties", "properties NS.TABLE [--set K=V]... [--unset K]...",
     "show or change table properties (e.g. write.target-file-size-bytes)", prop_opts,
     cmd_properties, NULL},
    {"seed", "seed [--select S] [--project-dir DIR]", "load a dbt project's seeds", dbt_opts,
     cmd_dbt_seed, NULL},
    {"run", "run [--select S] [--exclude S] [--vars Y]", "build a dbt project's models", dbt_opts,
     cmd_dbt_run, NULL},
    {"test", "test [--select S]", "run a dbt project's tests", dbt_opts, cmd_dbt_test, NULL},
    {"build", "build [--select S] [--exclude S] [--target T] [--vars Y]",
     "seeds, models and tests of a dbt project in DAG order", dbt_opts, cmd_dbt_build, NULL},
    {"compile", "compile [--select S]", "render a dbt project's SQL into target/compiled", dbt_opts,
     cmd_dbt_compile, NULL},
    {"ls", "ls [--select S] [--resource-type T] [--output selector|name|path|json]",
     "list a dbt project's nodes (as dbt ls)", ls_opts, cmd_dbt_ls, dbt_opts},
    {"debug", "debug [--project-dir DIR]", "check a dbt project and its profile", dbt_opts,
     cmd_dbt_debug, NULL},
    {"deps", "deps [--project-dir DIR]", "install local: packages of packages.yml", dbt_opts,
     cmd_dbt_deps, NULL},
    {"clean", "clean [--project-dir DIR]", "remove target/ and logs/", dbt_opts, cmd_dbt_clean,
     NULL},
    {"generate", "generate jaffle [--scale N] [--out DIR]",
     "write the Jaffle Shop raw CSVs (deterministic)", gen_opts, cmd_generate, NULL},
    {NULL, NULL, NULL, NULL, NULL, NULL}};

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	floe_error_set(FLOE_EINVAL, "%s", msg);
	return CLI_EUSAGE;
}

const char *cli_opt_get(const cli_args *a, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->nopt; i++)
		if (strcmp(a->opt_name[i], name) == 0)
			v = a->opt_value[i] ? a->opt_value[i] : "";
	return v;
}

bool cli_flag(const cli_args *a, const char *name)
{
	return cli_opt_get(a, name) != NULL;
}

int cli_catalog(floe_cli *cli, floe_catalog **out)
{
	if (cli->cat == NULL) {
		int rc = floe_catalog_open(&cli->cat, cli->catalog_uri, cli->warehouse);
		if (rc)
			return rc;
	}
	*out = cli->cat;
	return 0;
}

int cli_engine(floe_cli *cli, floe_engine **out)
{
	if (cli->eng == NULL) {
		floe_engine_options o = {cli->threads, NULL, NULL};
		int rc = floe_engine_open(&cli->eng, &o);
		if (rc)
			return rc;
	}
	*out = cli->eng;
	return 0;
}

static const cli_opt *find_opt(const cli_opt *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return opts;
	return NULL;
}

static void print_opts(const cli_opt *o)
{
	for (; o && o->name; o++)
		printf("  %-20s %s\n", o->has_value ? o->name : o->name, o->help);
}

static void print_help(const cli_cmd *cmd)
{
	if (cmd) {
		printf("usage: floe %s\n\n%s\n\noptions:\n", cmd->usage, cmd->summary);
		print_opts(cmd->opts);
		print_opts(cmd->more_opts);
		printf("\nglobal options:\n");
		print_opts(global_opts);
		return;
	}
	printf("floe - dbt-style SQL on DuckDB into Apache Iceberg tables\n\n"
	       "usage: floe <verb> [options]\n\nverbs:\n");
	for (const cli_cmd *c = commands; c->name; c++)
		printf("  %-10s %s\n", c->name, c->summary);
	printf("\nglobal options:\n");
	print_opts(global_opts);
	printf("\n'floe <verb> --help' shows a verb's options.\n");
	printf("\nexit codes:\n"
	       "  0  success\n"
	       "  1  failure: bad input, a SQL error, failed dbt nodes, a corrupt file\n"
	       "  2  usage: unknown verb or option, missing or extra argument\n"
	       "  3  not found: table, namespace, view, file, snapshot\n"
	       "  4  conflict: already exists, a concurrent commit won, catalog locked\n"
	       "  5  I/O: storage or catalog database failed\n"
	       "  6  internal: out of memory, or an error floe does not classify\n"
	       "\nWith --json a failure also prints {\"error\": {\"code\": \"ENOTFOUND\", "
	       "\"message\": \"...\"}} on stdout.\n");
}

/* Split argv into positionals and options checked against the verb's and
 * the global option tables. Accepts --opt VALUE and --opt=VALUE. */
/* --name or --name=value; SQL that starts with a "-- comment" is not */
static bool looks_like_option(const char *arg)
{
	size_t i = 2;
	if (arg[0] != '-' || arg[1] != '-' || !isalpha((unsigned char)arg[2]))
		return false;
	while (isalnum((unsigned char)arg[i]) || arg[i] == '-' || arg[i] == '_')
		i++;
	return arg[i] == '\0' || arg[i] == '=';
}

static int parse_args(cli_args *a, const cli_cmd *cmd, int argc, char **argv, int start)
{
	bool options_end = false;
	memset(a, 0, sizeof(*a));
	for (int i = start; i < argc; i++) {
		const char *arg = argv[i];
		const cli_opt *o;
		char name[64];
		const char *eq;
		if (!options_end && strcmp(arg, "--") == 0) { /* the rest is arguments */
			options_end = true;
			continue;
		}
		if (!options_end && strcmp(arg, "-h") == 0) {
			arg = "--help";
		} else if (!options_end && strcmp(arg, "-s") == 0) {
			arg = "--select";
		} else if (!options_end && strcmp(arg, "-q") == 0) {
			arg = "--quiet";
		} else if (options_end || !looks_like_option(arg)) {
			if (a->npos >= CLI_MAX_ARGS)
				return cli_usage_error("too many arguments");
			a->pos[a->npos++] = arg;
			continue;
		}
		eq = strchr(arg, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq ? (size_t)(eq - arg) : strlen(arg)),
		         arg);
		o = find_opt(global_opts, name);
		if (o == NULL && cmd)
			o = find_opt(cmd->opts, name);
		if (o == NULL && cmd)
			o = find_opt(cmd->more_opts, name);
		if (o == NULL)
			return cli_usage_error("unknown option %s%s%s (see 'floe %s%s--help')",
			                       name, cmd ? " for " : "", cmd ? cmd->name : "",
			                       cmd ? cmd->name : "", cmd ? " " : "");
		if (a->nopt >= CLI_MAX_ARGS)
			return cli_usage_error("too many options");
		a->opt_name[a->nopt] = o->name;
		if (o->has_value) {
			if (eq)
				a->opt_value[a->nopt] = eq + 1;
			else if (i + 1 < argc)
				a->opt_value[a->nopt] = argv[++i];
			else
				return cli_usage_error("option %s needs a value", o->name);
		} else if (eq) {
			return cli_usage_error("option %s takes no value", o->name);
		}
		a->nopt++;
	}
	return 0;
}

int cli_exit_code(int code)
{
	switch (code) {
	case FLOE_OK: return CLI_EXIT_OK;
	case CLI_EUSAGE: return CLI_EXIT_USAGE;
	case FLOE_ENOTFOUND: return CLI_EXIT_NOTFOUND;
	case FLOE_EEXISTS:
	case FLOE_ECONFLICT:
	case FLOE_EBUSY: return CLI_EXIT_CONFLICT;
	case FLOE_EIO:
	case FLOE_ECATALOG: return CLI_EXIT_IO;
	case FLOE_EINVAL:
	case FLOE_ECORRUPT:
	case FLOE_EUNSUPPORTED:
	case FLOE_EENGINE: return CLI_EXIT_FAILURE;
	default: return CLI_EXIT_INTERNAL; /* FLOE_ENOMEM, a code floe lacks */
	}
}

/* The code a verb failed with: the one it returned, which its callers
 * kept (floe_error_prefix keeps it too); the last error's when the verb
 * returned something that is not a code. */
static int failure_code(int rc)
{
	if (rc == CLI_EUSAGE || (rc < 0 && strcmp(floe_error_name(rc), "EUNKNOWN") != 0))
		return rc;
	return floe_error_code() < 0 ? floe_error_code() : FLOE_EINVAL;
}

/* --json anywhere before "--": errors found before the options are parsed
 * are JSON documents too */
static bool wants_json(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return true;
	return false;
}

/* A usage error: "floe: MSG" on stderr, or with the verb whose usage to
 * show "floe VERB: MSG" and its usage line; with --json also the JSON error. */
static int usage_failure(bool json, const cli_cmd *usage_of, const char *msg)
{
	if (usage_of)
		fprintf(stderr, "floe %s: %s\nusage: floe %s\n", usage_of->name, msg,
		        usage_of->usage);
	else
		fprintf(stderr, "floe: %s\n", msg);
	if (json)
		cli_print_json_error(CLI_EUSAGE, msg);
	return CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
	floe_cli cli = {0};
	cli_args args;
	const cli_cmd *cmd = NULL;
	const char *v;
	bool json = wants_json(argc, argv);
	int rc, verb_at = 0;
	floe_base_init();

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-') {
			verb_at = i;
			break;
		}
		if (find_opt(global_opts, argv[i]) && find_opt(global_opts, argv[i])->has_value)
			i++;
	}
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("floe 0.1.0 (DuckDB engine, Iceberg format v2)\n");
		return 0;
	}
	if (verb_at > 0) {
		for (const cli_cmd *c = commands; c->name; c++)
			if (strcmp(c->name, argv[verb_at]) == 0)
				cmd = c;
		if (cmd == NULL) {
			char msg[256];
			snprintf(msg, sizeof(msg), "unknown verb '%s' (see 'floe --help')",
			         argv[verb_at]);
			return usage_failure(json, NULL, msg);
		}
	}
	/* parse everything but the verb itself */
	if (verb_at > 0) {
		char *saved = argv[verb_at];
		for (int i = verb_at; i + 1 < argc; i++)
			argv[i] = argv[i + 1];
		rc = parse_args(&args, cmd, argc - 1, argv, 1);
		for (int i = argc - 1; i > verb_at; i--)
			argv[i] = argv[i - 1];
		argv[verb_at] = saved;
	} else {
		rc = parse_args(&args, NULL, argc, argv, 1);
	}
	if (rc)
		return usage_failure(json, NULL, floe_error_message());
	if (cmd == NULL || cli_flag(&args, "--help")) {
		print_help(cmd);
		return cmd == NULL && !cli_flag(&args, "--help") ? CLI_EXIT_USAGE : CLI_EXIT_OK;
	}

	cli.warehouse = cli_opt_get(&args, "--warehouse");
	if (cli.warehouse == NULL)
		cli.warehouse = getenv("FLOE_WAREHOUSE");
	if (cli.warehouse == NULL || *cli.warehouse == '\0')
		cli.warehouse = "warehouse";
	cli.catalog_uri = cli_opt_get(&args, "--catalog");
	if (cli.catalog_uri == NULL)
		cli.catalog_uri = getenv("FLOE_CATALOG");
	if (cli.catalog_uri != NULL && *cli.catalog_uri == '\0')
		cli.catalog_uri = NULL;
	cli.json = cli_flag(&args, "--json");
	if (cli_flag(&args, "--quiet"))
		floe_log_set_level(FLOE_LOG_ERROR);
	if (cli_flag(&args, "--verbose"))
		floe_log_set_level(FLOE_LOG_DEBUG);
	if ((v = cli_opt_get(&args, "--threads")) != NULL) {
		int64_t t;
		if (floe_parse_i64(&t, v) != 0 || t < 1 || t > 1024)
			return usage_failure(json, NULL, "--threads needs a number from 1 to 1024");
		cli.threads = (int)t;
	}

	rc = cmd->run(&cli, &args);
	if (rc == CLI_EUSAGE) {
		rc = usage_failure(cli.json, cmd, floe_error_message());
	} else if (rc != 0) {
		int code = failure_code(rc);
		cli_print_error(floe_error_message());
		if (cli.json)
			cli_print_json_error(code, floe_error_message());
		rc = cli_exit_code(code);
	}
	floe_engine_free(cli.eng);
	floe_catalog_free(cli.cat);
	return rc;
}
