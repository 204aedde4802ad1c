/*
 * The allocation seam and the fault-injection counters. Every allocation
 * in floe passes here so that a test mode can make the Nth one fail
 * (SQLite's test_malloc habit); storage writes consult floe_fault_io_hit().
 * floe_base_init() routes jansson's allocations (every JSON document floe
 * builds or parses) through the same seam.
 */
#include "floe/base.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_long alloc_countdown = -1; /* -1: not read from env yet */
static atomic_long io_countdown = -1;
static _Thread_local int alloc_suspended; /* floe_fault_alloc_suspend depth */

static long env_count(const char *name)
{
	const char *s = getenv(name);
	int64_t v = 0;
	if (s == NULL || floe_parse_i64(&v, s) != 0 || v < 0)
		return 0;
	return (long)v;
}

static bool countdown_hit(atomic_long *c, const char *env)
{
	long v = atomic_load(c);
	if (v < 0) {
		long init = env_count(env);
		long expect = -1;
		atomic_compare_exchange_strong(c, &expect, init);
		v = atomic_load(c);
	}
	if (v == 0)
		return false;
	return atomic_fetch_sub(c, 1) == 1;
}

void floe_fault_alloc_set(long n)
{
	atomic_store(&alloc_countdown, n < 0 ? 0 : n);
}
long floe_fault_alloc_left(void)
{
	long v = atomic_load(&alloc_countdown);
	return v < 0 ? 0 : v;
}
void floe_fault_io_set(long n)
{
	atomic_store(&io_countdown, n < 0 ? 0 : n);
}
bool floe_fault_io_hit(void)
{
	return countdown_hit(&io_countdown, "FLOE_FAULT_IO");
}

static void *oom(void)
{
	floe_error_set(FLOE_ENOMEM, "out of memory");
	return NULL;
}

void floe_fault_alloc_suspend(void)
{
	alloc_suspended++;
}
void floe_fault_alloc_resume(void)
{
	if (alloc_suspended > 0)
		alloc_suspended--;
}

static bool alloc_fault(void)
{
	return alloc_suspended == 0 && countdown_hit(&alloc_countdown, "FLOE_FAULT_ALLOC");
}

void *floe_malloc(size_t n)
{
	void *p;
	if (alloc_fault())
		return oom();
	p = malloc(n ? n : 1);
	return p ? p : oom();
}

void *floe_calloc(size_t count, size_t size)
{
	void *p;
	if (alloc_fault())
		return oom();
	p = calloc(count ? count : 1, size ? size : 1);
	return p ? p : oom();
}

void *floe_realloc(void *old, size_t n)
{
	void *p;
	if (alloc_fault())
		return oom();
	p = realloc(old, n ? n : 1);
	return p ? p : oom();
}

void floe_free(void *p)
{
	free(p);
}

static void *json_malloc(size_t n)
{
	return floe_malloc(n);
}

void floe_base_init(void)
{
	/* floe_free is free(): memory jansson hands out (json_dumps) may still
	 * be released with free() by callers, and a document allocated before
	 * this call is freed correctly after it */
	json_set_alloc_funcs(json_malloc, floe_free);
}

char *floe_strndup(const char *s, size_t n)
{
	char *p = floe_malloc(n + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *floe_strdup(const char *s)
{
	return s ? floe_strndup(s, strlen(s)) : NULL;
}

char *floe_vasprintf(const char *fmt, va_list ap)
{
	va_list cp;
	int n;
	char *p;
	va_copy(cp, ap);
	n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		floe_error_set(FLOE_EINVAL, "bad format string");
		return NULL;
	}
	p = floe_malloc((size_t)n + 1);
	if (p == NULL)
		return NULL;
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *floe_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	p = floe_vasprintf(fmt, ap);
	va_end(ap);
	return p;
}
