/*
 * The arena of the base layer: a chain of chunks from which many small
 * allocations (a decoded Avro record, a template's syntax tree) are carved
 * and then released together.
 */
#include <string.h>

#include "floe/base.h"

struct floe_arena_chunk {
	floe_arena_chunk *next;
	size_t used, cap;
	_Alignas(16) char data[];
};

void floe_arena_init(floe_arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk = chunk_size ? chunk_size : 16384;
}

void *floe_arena_alloc(floe_arena *a, size_t n)
{
	floe_arena_chunk *c = a->head;
	n = (n + 15) & ~(size_t)15;
	if (c == NULL || c->cap - c->used < n) {
		size_t cap = n > a->chunk ? n : a->chunk;
		floe_arena_chunk *nc = floe_malloc(sizeof(floe_arena_chunk) + cap);
		if (nc == NULL)
			return NULL;
		nc->next = c;
		nc->used = 0;
		nc->cap = cap;
		a->head = c = nc;
	}
	c->used += n;
	return memset(c->data + c->used - n, 0, n);
}

void floe_arena_reset(floe_arena *a)
{
	floe_arena_chunk *c = a->head;
	while (c && c->next) {
		floe_arena_chunk *next = c->next;
		floe_free(c);
		c = next;
	}
	a->head = c;
	if (c)
		c->used = 0;
}

void floe_arena_free(floe_arena *a)
{
	floe_arena_reset(a);
	floe_free(a->head);
	a->head = NULL;
}
