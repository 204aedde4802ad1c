/* Unit tests of dbt's node selection (dbt_select.c) through floe_dbt_list,
 * on the small project of dbt_fixture.h: graph operators with depth, @,
 * tag:, path:, source:, fqn wildcards, config.*, test_type:, intersection,
 * --exclude, --resource-type and indirect selection of tests. The expected
 * sets are what dbt-core selects for the same project. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dbt_fixture.h"
#include "floe/dbt.h"

static char *project;

static int setup(void **state)
{
	(void)state;
	project = fixture_project();
	return project ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fixture_remove(project);
	project = NULL;
	return 0;
}

/* the names `floe ls --output name` gives for these options (sorted by
 * unique id), joined by spaces */
static char *selected(const char *select, const char *exclude, const char *types,
                      const char *indirect)
{
	floe_dbt_options o;
	floe_dbt *d = NULL;
	floe_buf out = FLOE_BUF_INIT;
	size_t count = 0;
	char *names;
	memset(&o, 0, sizeof(o));
	o.project_dir = project;
	o.select = select;
	o.exclude = exclude;
	o.resource_types = types;
	o.indirect_selection = indirect;
	if (floe_dbt_load(&d, &o) != 0)
		fail_msg("load: %s", floe_error_message());
	if (floe_dbt_list(d, "name", NULL, &out, &count) != 0)
		fail_msg("list: %s", floe_error_message());
	floe_dbt_free(d);
	names = floe_buf_detach(&out, NULL);
	for (char *p = names; p && *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	return names ? names : strdup("");
}

static void expect(const char *select, const char *exclude, const char *types, const char *indirect,
                   const char *want)
{
	char *got = selected(select, exclude, types, indirect);
	if (strcmp(got, want) != 0)
		fail_msg("--select '%s' --exclude '%s' --resource-type '%s' --indirect-selection "
		         "'%s':\n  got  %s\n  want %s",
		         select ? select : "", exclude ? exclude : "", types ? types : "",
		         indirect ? indirect : "", got, want);
	floe_free(got);
}

#define TESTS_ON_ORDERS                                                                            \
	"assert_positive not_null_orders_id relationships_customers_id__customer_id__ref_orders_ " \
	"unique_orders_id"

static void test_all(void **state)
{
	(void)state;
	expect(NULL, NULL, NULL, NULL,
	       "customers orders report stg_customers stg_orders raw_orders crm.customers "
	       "assert_positive not_null_orders_id "
	       "relationships_customers_id__customer_id__ref_orders_ "
	       "source_not_null_crm_customers_id unique_orders_id");
}

static void test_graph_operators(void **state)
{
	(void)state;
	expect("orders", NULL, NULL, NULL, "orders " TESTS_ON_ORDERS);
	expect("+orders", NULL, NULL, NULL,
	       "orders stg_customers stg_orders raw_orders crm.customers assert_positive "
	       "not_null_orders_id relationships_customers_id__customer_id__ref_orders_ "
	       "source_not_null_crm_customers_id unique_orders_id");
	expect("1+orders", NULL, NULL, NULL, "orders stg_customers stg_orders " TESTS_ON_ORDERS);
	expect("orders+", NULL, NULL, NULL, "customers orders report " TESTS_ON_ORDERS);
	expect("orders+1", NULL, NULL, NULL, "customers orders " TESTS_ON_ORDERS);
	expect("1+stg_orders+1", NULL, NULL, NULL, "orders stg_orders raw_orders " TESTS_ON_ORDERS);
	/* @: the node, its descendants and every ancestor of those */
	expect("@stg_orders", NULL, NULL, NULL,
	       "customers orders report stg_customers stg_orders raw_orders crm.customers "
	       "assert_positive not_null_orders_id "
	       "relationships_customers_id__customer_id__ref_orders_ "
	       "source_not_null_crm_customers_id unique_orders_id");
}

static void test_methods(void **state)
{
	(void)state;
	expect("tag:nightly", NULL, NULL, NULL, "stg_customers stg_orders");
	expect("tag:finance", NULL, NULL, NULL, "orders " TESTS_ON_ORDERS);
	expect("path:models/staging", NULL, NULL, NULL, "stg_customers stg_orders");
	expect("source:crm", NULL, NULL, NULL, "crm.customers source_not_null_crm_customers_id");
	expect("source:crm+", NULL, NULL, NULL,
	       "customers orders report stg_customers crm.customers assert_positive "
	       "not_null_orders_id relationships_customers_id__customer_id__ref_orders_ "
	       "source_not_null_crm_customers_id unique_orders_id");
	expect("shop.marts.*", NULL, NULL, NULL, "customers orders report " TESTS_ON_ORDERS);
	expect("config.materialized:table", NULL, NULL, NULL, "customers orders " TESTS_ON_ORDERS);
	expect("test_type:singular", NULL, NULL, NULL, "assert_positive");
	expect("test_type:generic", NULL, NULL, NULL,
	       "not_null_orders_id relationships_customers_id__customer_id__ref_orders_ "
	       "source_not_null_crm_customers_id unique_orders_id");
}

static void test_set_operations(void **state)
{
	(void)state;
	expect("tag:nightly,stg_orders", NULL, NULL, NULL, "stg_orders");
	expect("stg_orders raw_orders", NULL, NULL, NULL, "stg_orders raw_orders");
	expect("tag:nightly", "stg_customers", NULL, NULL, "stg_orders");
	expect(NULL, NULL, "seed", NULL, "raw_orders");
	expect("+orders", NULL, "model", NULL, "orders stg_customers stg_orders");
}

/* a test is selected with its parents: eager (any of them), cautious
 * (all), buildable (all, or ancestors of what is selected), empty (none) */
static void test_indirect_selection(void **state)
{
	(void)state;
	expect("orders", NULL, NULL, "cautious",
	       "orders assert_positive not_null_orders_id unique_orders_id");
	expect("+orders", NULL, NULL, "buildable",
	       "orders stg_customers stg_orders raw_orders crm.customers assert_positive "
	       "not_null_orders_id source_not_null_crm_customers_id unique_orders_id");
	expect("orders", NULL, NULL, "empty", "orders");
	expect("customers orders", NULL, NULL, "cautious", "customers orders " TESTS_ON_ORDERS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all),
	    cmocka_unit_test(test_graph_operators),
	    cmocka_unit_test(test_methods),
	    cmocka_unit_test(test_set_operations),
	    cmocka_unit_test(test_indirect_selection),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
