/* Unit tests of the dbt graph module (dbt_graph.c) on the project of
 * dbt_fixture.h: look-ups by name, unique id and source key, a test's
 * target, parents, the topological order, the inputs of a node through
 * views, and a dependency cycle refused when the project loads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "dbt/dbt_graph.h"
#include "dbt_fixture.h"

static floe_dbt *load(const char *dir)
{
	floe_dbt_options o;
	floe_dbt *d = NULL;
	memset(&o, 0, sizeof(o));
	o.project_dir = dir;
	if (floe_dbt_load(&d, &o) != 0)
		fail_msg("load: %s", floe_error_message());
	return d;
}

static void test_lookups(void **state)
{
	char *dir = fixture_project();
	floe_dbt *d;
	dbt_node *orders, *src, *t = NULL;
	(void)state;
	assert_non_null(dir);
	d = load(dir);
	orders = dbt_find(d, (dbt_kind)-1, "orders");
	assert_non_null(orders);
	assert_int_equal(orders->kind, DBT_MODEL);
	assert_string_equal(orders->unique_id, "model.shop.orders");
	assert_ptr_equal(dbt_index_get(d, "u:", "model.shop.orders"), orders);
	assert_ptr_equal(dbt_find(d, DBT_SEED, "raw_orders"),
	                 dbt_find(d, (dbt_kind)-1, "raw_orders"));
	assert_null(dbt_find(d, DBT_SEED, "orders"));
	assert_null(dbt_find(d, (dbt_kind)-1, "nosuch"));
	src = dbt_index_get(d, "s:", "crm.customers");
	assert_non_null(src);
	assert_int_equal(src->kind, DBT_SOURCE);
	assert_string_equal(dbt_kind_name(src->kind), "source");
	assert_string_equal(dbt_mat(orders), "table");
	assert_string_equal(dbt_mat(dbt_find(d, DBT_MODEL, "report")), "view");
	assert_string_equal(dbt_mat(dbt_find(d, DBT_MODEL, "stg_orders")), "view");
	for (size_t i = 0; i < d->nnodes; i++)
		if (d->nodes[i].kind == DBT_TEST &&
		    strcmp(d->nodes[i].name, "unique_orders_id") == 0)
			t = &d->nodes[i];
	assert_non_null(t);
	assert_ptr_equal(dbt_test_target(d, t), orders);
	assert_null(dbt_test_target(d, orders));
	floe_dbt_free(d);
	fixture_remove(dir);
}

static void test_order_and_parents(void **state)
{
	char *dir = fixture_project();
	floe_dbt *d;
	size_t *pos;
	const dbt_node *orders;
	(void)state;
	assert_non_null(dir);
	d = load(dir);
	pos = calloc(d->nnodes, sizeof(size_t));
	assert_non_null(pos);
	for (size_t k = 0; k < d->nnodes; k++)
		pos[d->order[k]] = k;
	/* every ref comes before the node that makes it */
	for (size_t i = 0; i < d->nnodes; i++) {
		size_t k;
		json_t *dep;
		json_array_foreach(d->nodes[i].deps, k, dep)
		{
			const dbt_node *p = dbt_find(d, (dbt_kind)-1, json_string_value(dep));
			assert_non_null(p);
			assert_true(pos[p - d->nodes] < pos[i]);
		}
	}
	orders = dbt_find(d, DBT_MODEL, "orders");
	assert_int_equal(orders->nparents, 2);
	for (size_t k = 0; k < orders->nparents; k++) {
		const char *name = d->nodes[orders->parents[k]].name;
		assert_true(strcmp(name, "stg_orders") == 0 || strcmp(name, "stg_customers") == 0);
	}
	free(pos);
	floe_dbt_free(d);
	fixture_remove(dir);
}

static void count_input(floe_dbt *d, dbt_node *p, void *arg)
{
	(void)d;
	if (p->kind == DBT_SEED || p->kind == DBT_SOURCE)
		(*(int *)arg)++;
}

/* orders reads its staging views, which read the seed and the source */
static void test_each_input(void **state)
{
	char *dir = fixture_project();
	floe_dbt *d;
	int tables = 0;
	(void)state;
	assert_non_null(dir);
	d = load(dir);
	dbt_each_input(d, dbt_find(d, DBT_MODEL, "orders"), count_input, &tables, 0);
	assert_int_equal(tables, 2);
	floe_dbt_free(d);
	fixture_remove(dir);
}

static void test_cycle(void **state)
{
	char *dir = fixture_project();
	floe_dbt_options o;
	floe_dbt *d = NULL;
	(void)state;
	assert_non_null(dir);
	assert_int_equal(fixture_write(dir, "models/staging/stg_orders.sql",
	                               "select * from {{ ref('customers') }}\n"),
	                 0);
	memset(&o, 0, sizeof(o));
	o.project_dir = dir;
	assert_int_equal(floe_dbt_load(&d, &o), FLOE_EINVAL);
	assert_null(d);
	assert_non_null(strstr(floe_error_message(), "dependency cycle"));
	floe_error_clear();
	fixture_remove(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lookups),
	    cmocka_unit_test(test_order_and_parents),
	    cmocka_unit_test(test_each_input),
	    cmocka_unit_test(test_cycle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
