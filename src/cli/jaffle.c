/*
 * Deterministic Jaffle Shop raw data: customers, orders and payments CSVs
 * shaped like the classic dbt example (first name + last initial, five order
 * statuses skewed towards completed, four payment methods skewed towards
 * credit cards, amounts in cents, orders over 2018-01-01 .. 2018-04-09).
 * A fixed-seed splitmix64 generator makes the same scale give the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "floe/storage.h"
#include "jaffle.h"

static const char *first_names[] = {
    "Michael",  "Shawn",  "Kathleen", "Jimmy",    "Katherine", "Sarah", "Martin",  "Frank",
    "Jennifer", "Henry",  "Fred",     "Amy",      "Kathleen",  "Steve", "Teresa",  "Amanda",
    "Kimberly", "Johnny", "Virginia", "Anna",     "Willie",    "Sean",  "Mildred", "David",
    "Gerald",   "Joan",   "Patrick",  "Harold",   "Lori",      "Aaron", "Andrea",  "Brenda",
    "Carlos",   "Diane",  "Edward",   "Emma",     "Gloria",    "Helen", "Irene",   "Jack",
    "Janet",    "Jason",  "Julia",    "Karen",    "Larry",     "Laura", "Linda",   "Lisa",
    "Mark",     "Mary",   "Nancy",    "Nicholas", "Paul",      "Peter", "Rachel",  "Ruth",
    "Samuel",   "Scott",  "Thomas",   "Walter"};

static const char *statuses[] = {"placed", "shipped", "completed", "return_pending", "returned"};
/* cumulative weights out of 100 */
static const int status_w[] = {10, 20, 87, 92, 100};
static const char *methods[] = {"credit_card", "coupon", "bank_transfer", "gift_card"};
static const int method_w[] = {55, 75, 95, 100};

typedef struct {
	uint64_t s;
} prng;

static uint64_t next_u64(prng *p)
{
	uint64_t z = (p->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int64_t below(prng *p, int64_t n)
{
	return (int64_t)(next_u64(p) % (uint64_t)n);
}

static int pick(prng *p, const int *cum, int n)
{
	int r = (int)below(p, 100);
	for (int i = 0; i < n; i++)
		if (r < cum[i])
			return i;
	return n - 1;
}

/* 2018-01-01 plus d days, as YYYY-MM-DD (d < 365) */
static void date_str(char out[16], int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int m = 0;
	while (d >= mdays[m]) {
		d -= mdays[m];
		m++;
	}
	snprintf(out, 16, "2018-%02d-%02d", (m + 1) % 100, (d + 1) % 100);
}

static int flush_to(const char *dir, const char *name, floe_buf *b)
{
	char *path = floe_asprintf("%s/%s", dir, name);
	int rc = path ? floe_storage_write(path, b->ptr ? b->ptr : "", b->len) : FLOE_ENOMEM;
	floe_free(path);
	floe_buf_reset(b);
	return rc;
}

int floe_jaffle_generate(const char *out_dir, int64_t scale, floe_jaffle_counts *counts)
{
	prng p = {20180101};
	floe_buf b = FLOE_BUF_INIT;
	int64_t customers = 100 * scale, orders = 100 * scale, pid = 0;
	int rc;
	if (scale < 1)
		return floe_error_set(FLOE_EINVAL, "jaffle: scale must be at least 1");
	if ((rc = floe_storage_mkdirs(out_dir)) != 0)
		return rc;
	rc = floe_buf_puts(&b, "id,first_name,last_name\n");
	for (int64_t i = 1; rc == 0 && i <= customers; i++)
		rc = floe_buf_printf(
		    &b, "%lld,%s,%c.\n", (long long)i,
		    first_names[below(&p, (int64_t)(sizeof(first_names) / sizeof(first_names[0])))],
		    (char)('A' + below(&p, 26)));
	if (rc == 0)
		rc = flush_to(out_dir, "raw_customers.csv", &b);
	if (rc == 0)
		rc = floe_buf_puts(&b, "id,user_id,order_date,status\n");
	for (int64_t i = 1; rc == 0 && i <= orders; i++) {
		char d[16];
		/* orders arrive in date order, as in the original data */
		date_str(d, (int)((i - 1) * 99 / orders));
		rc = floe_buf_printf(&b, "%lld,%lld,%s,%s\n", (long long)i,
		                     (long long)(1 + below(&p, customers)), d,
		                     statuses[pick(&p, status_w, 5)]);
	}
	if (rc == 0)
		rc = flush_to(out_dir, "raw_orders.csv", &b);
	if (rc == 0)
		rc = floe_buf_puts(&b, "id,order_id,payment_method,amount\n");
	for (int64_t o = 1; rc == 0 && o <= orders; o++) {
		int parts = below(&p, 10) == 0 ? 2 : 1; /* ~10% of orders split */
		for (int k = 0; rc == 0 && k < parts; k++) {
			int m = pick(&p, method_w, 4);
			int64_t amount = m == 1 ? below(&p, 6) * 100 : below(&p, 3001);
			rc = floe_buf_printf(&b, "%lld,%lld,%s,%lld\n", (long long)++pid,
			                     (long long)o, methods[m], (long long)amount);
		}
	}
	if (rc == 0)
		rc = flush_to(out_dir, "raw_payments.csv", &b);
	floe_buf_free(&b);
	if (rc == 0 && counts) {
		counts->customers = customers;
		counts->orders = orders;
		counts->payments = pid;
	}
	return rc;
}
