/*
 * Shared declarations of the floe command line: the parsed arguments, the
 * lazily opened catalog and engine, output helpers and the verbs.
 */
#ifndef FLOE_CLI_H
#define FLOE_CLI_H

#include "floe/engine.h"

#define CLI_MAX_ARGS 64

typedef struct {
	const char *name; /* "--as-of" */
	bool has_value;
	const char *help;
} cli_opt;

typedef struct {
	size_t npos;
	const char *pos[CLI_MAX_ARGS];
	size_t nopt;
	const char *opt_name[CLI_MAX_ARGS];
	const char *opt_value[CLI_MAX_ARGS]; /* NULL for flags */
} cli_args;

typedef struct {
	const char *warehouse;
	const char *catalog_uri;
	bool json;
	int threads;
	floe_catalog *cat;
	floe_engine *eng;
} floe_cli;

typedef struct {
	const char *name;
	const char *usage;
	const char *summary;
	const cli_opt *opts;
	int (*run)(floe_cli *cli, const cli_args *args);
	const cli_opt *more_opts; /* further options (NULL for none) */
} cli_cmd;

/* option lookup: value (or "" for a present flag), NULL when absent */
const char *cli_opt_get(const cli_args *a, const char *name);
bool cli_flag(const cli_args *a, const char *name);
int cli_catalog(floe_cli *cli, floe_catalog **out);
int cli_engine(floe_cli *cli, floe_engine **out);
/* usage error: message, exit code 2 */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CLI_EUSAGE 1000

/* Exit codes of floe, one per kind of failure a script may act on (listed
 * in `floe --help` and README.md; keep them stable). */
enum {
	CLI_EXIT_OK = 0,
	CLI_EXIT_FAILURE = 1,  /* bad input, a SQL error, failed dbt nodes, corrupt file */
	CLI_EXIT_USAGE = 2,    /* bad verb, option or argument */
	CLI_EXIT_NOTFOUND = 3, /* FLOE_ENOTFOUND */
	CLI_EXIT_CONFLICT = 4, /* FLOE_EEXISTS, FLOE_ECONFLICT, FLOE_EBUSY */
	CLI_EXIT_IO = 5,       /* FLOE_EIO, FLOE_ECATALOG */
	CLI_EXIT_INTERNAL = 6  /* FLOE_ENOMEM, a code floe does not know */
};
/* The exit code of a failure with this code (CLI_EUSAGE or FLOE_E*). */
int cli_exit_code(int code);

/* output.c */
void cli_print_rows(const floe_engine_rows *r);
void cli_print_json(json_t *j); /* steals the reference */
/* The one error line of a failed command on stderr, "floe: error: MSG"
 * (DuckDB's advice sections cut, its lines joined with " | "). */
void cli_print_error(const char *msg);
/* The error as JSON on stdout, for --json:
 * {"error": {"code": "ENOTFOUND", "message": "MSG"}}, the code being
 * floe_error_name(code), or "EUSAGE" for CLI_EUSAGE; MSG as on stderr. */
void cli_print_json_error(int code, const char *msg);
double cli_seconds_since(int64_t start_us);
void cli_status(const char *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* sqlsplit.c: split a script into statements (quote- and comment-aware) */
int cli_sql_split(char ***out, size_t *n, const char *sql);
/* Index just past the ')' matching the '(' at sql[open], skipping strings,
 * quoted identifiers and comments; 0 when it is not closed. */
size_t cli_sql_group_end(const char *sql, size_t open);
void cli_sql_free(char **v, size_t n);

/* verbs */
int cmd_namespace(floe_cli *cli, const cli_args *a);
int cmd_load(floe_cli *cli, const cli_args *a);
int cmd_sql(floe_cli *cli, const cli_args *a);
int cmd_query(floe_cli *cli, const cli_args *a);
int cmd_tables(floe_cli *cli, const cli_args *a);
int cmd_show(floe_cli *cli, const cli_args *a);
int cmd_history(floe_cli *cli, const cli_args *a);
int cmd_drop(floe_cli *cli, const cli_args *a);
int cmd_generate(floe_cli *cli, const cli_args *a);
int cmd_properties(floe_cli *cli, const cli_args *a);
int cmd_dbt_seed(floe_cli *cli, const cli_args *a);
int cmd_dbt_run(floe_cli *cli, const cli_args *a);
int cmd_dbt_test(floe_cli *cli, const cli_args *a);
int cmd_dbt_build(floe_cli *cli, const cli_args *a);
int cmd_dbt_compile(floe_cli *cli, const cli_args *a);
int cmd_dbt_ls(floe_cli *cli, const cli_args *a);
int cmd_dbt_debug(floe_cli *cli, const cli_args *a);
int cmd_dbt_clean(floe_cli *cli, const cli_args *a);
int cmd_dbt_deps(floe_cli *cli, const cli_args *a);

#endif
