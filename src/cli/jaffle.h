/*
 * The Jaffle Shop raw data generator (floe's own, deterministic): the three
 * seed CSVs of the Jaffle Shop workload at any scale.
 */
#ifndef FLOE_CLI_JAFFLE_H
#define FLOE_CLI_JAFFLE_H

#include <stdint.h>

typedef struct {
	int64_t customers, orders, payments;
} floe_jaffle_counts;

/* Write raw_customers.csv, raw_orders.csv, raw_payments.csv into out_dir
 * (created if missing). scale 1 = 100 customers, 100 orders, ~110 payments;
 * scale N multiplies each by N. Deterministic: same scale -> same bytes. */
int floe_jaffle_generate(const char *out_dir, int64_t scale, floe_jaffle_counts *counts);

#endif
