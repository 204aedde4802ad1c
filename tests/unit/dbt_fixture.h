/* A small dbt project written into a temporary folder for the dbt unit
 * tests (test_dbt_select.c, test_dbt_graph.c):
 *
 *   seed raw_orders -> stg_orders ----------\
 *   source crm.customers -> stg_customers --> orders -> customers -> report
 *                                   \__________________/
 *
 * staging models are tagged nightly (dbt_project.yml), marts are tables
 * (report a view by its config), orders is tagged finance; tests: unique and
 * not_null on orders.id, relationships customers.id -> orders.customer_id
 * (two parents), not_null on the source, a singular test on orders. */
#ifndef FLOE_TEST_DBT_FIXTURE_H
#define FLOE_TEST_DBT_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fixture_files[][2] = {
    {"dbt_project.yml", "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\n"
                        "models:\n  shop:\n    staging:\n      +tags: ['nightly']\n"
                        "    marts:\n      +materialized: table\n"},
    {"profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
                     "      path: ignored.duckdb\n      schema: main\n"},
    {"seeds/raw_orders.csv", "id,customer_id,amount\n1,1,10\n"},
    {"models/staging/stg_orders.sql", "select * from {{ ref('raw_orders') }}\n"},
    {"models/staging/stg_customers.sql", "select * from {{ source('crm', 'customers') }}\n"},
    {"models/marts/orders.sql",
     "{{ config(tags=['finance']) }} select o.* from {{ ref('stg_orders') }} o join "
     "{{ ref('stg_customers') }} c on o.customer_id = c.id\n"},
    {"models/marts/customers.sql", "select c.*, (select count(*) from {{ ref('orders') }}) as n "
                                   "from {{ ref('stg_customers') }} c\n"},
    {"models/marts/report.sql", "{{ config(materialized='view') }} select * from "
                                "{{ ref('customers') }}\n"},
    {"tests/assert_positive.sql", "select * from {{ ref('orders') }} where amount < 0\n"},
    {"models/schema.yml",
     "version: 2\nsources:\n  - name: crm\n    tables:\n      - name: customers\n"
     "        columns:\n          - name: id\n            data_tests: [not_null]\n"
     "models:\n  - name: orders\n    columns:\n      - name: id\n"
     "        data_tests: [unique, not_null]\n  - name: customers\n    columns:\n"
     "      - name: id\n        data_tests:\n          - relationships:\n"
     "              to: ref('orders')\n              field: customer_id\n"},
};

/* write text to dir/rel, making its folders; 0 or -1 */
static int fixture_write(const char *dir, const char *rel, const char *text)
{
	char path[4096];
	FILE *f;
	int n = snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	for (char *p = path + strlen(dir) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* the project in a new temporary folder (the caller's, freed by
 * fixture_remove), or NULL */
static char *fixture_project(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = malloc(4096);
	if (dir == NULL ||
	    snprintf(dir, 4096, "%s/floe-dbt-unit.XXXXXX", tmp ? tmp : "/tmp") >= 4096 ||
	    mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(fixture_files) / sizeof(fixture_files[0]); i++)
		if (fixture_write(dir, fixture_files[i][0], fixture_files[i][1]) != 0) {
			free(dir);
			return NULL;
		}
	return dir;
}

static int fixture_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fixture_remove(char *dir)
{
	if (dir)
		nftw(dir, fixture_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

#endif
