/*
 * htab.c - the hash table of intrusive links (see htab.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/htab.h"

/* FNV-1a: fast on short path strings, good enough spread for chaining. */
static uint32_t hash(const char *key, uint32_t len)
{
	uint32_t h = 2166136261u;
	uint32_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 16777619u;
	}
	return h;
}

int htab_init(struct htab *t, size_t buckets)
{
	size_t n = 16;

	while (n < buckets)
		n *= 2;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets)
		return -ENOMEM;
	t->mask = n - 1;
	t->count = 0;
	return 0;
}

void htab_free(struct htab *t)
{
	free(t->buckets);
	t->buckets = NULL;
	t->count = 0;
}

/* The first entry from l on (l included) with this hash and key. */
static struct hlink *match(struct hlink *l, uint32_t h, const char *key,
			   uint32_t len)
{
	for (; l; l = l->next)
		if (l->hash == h && l->keylen == len &&
		    !memcmp(l->key, key, len))
			return l;
	return NULL;
}

struct hlink *htab_find(const struct htab *t, const char *key, uint32_t len)
{
	uint32_t h = hash(key, len);

	return match(t->buckets[h & t->mask], h, key, len);
}

struct hlink *htab_find_next(const struct hlink *l)
{
	return match(l->next, l->hash, l->key, l->keylen);
}

static void grow(struct htab *t)
{
	size_t n = (t->mask + 1) * 2, i;
	struct hlink **b = calloc(n, sizeof(*b)), *l, *next;

	/* Without memory we keep the longer chains: still correct. */
	if (!b)
		return;
	for (i = 0; i <= t->mask; i++) {
		for (l = t->buckets[i]; l; l = next) {
			next = l->next;
			l->next = b[l->hash & (n - 1)];
			b[l->hash & (n - 1)] = l;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->mask = n - 1;
}

void htab_insert(struct htab *t, struct hlink *l)
{
	struct hlink **b;

	l->hash = hash(l->key, l->keylen);
	if (t->count > t->mask)
		grow(t);
	b = &t->buckets[l->hash & t->mask];
	l->next = *b;
	*b = l;
	t->count++;
}

void htab_remove(struct htab *t, struct hlink *l)
{
	struct hlink **p = &t->buckets[l->hash & t->mask];

	for (; *p; p = &(*p)->next) {
		if (*p == l) {
			*p = l->next;
			t->count--;
			return;
		}
	}
}

void htab_walk(struct htab *t, void (*fn)(struct hlink *l, void *arg),
	       void *arg)
{
	struct hlink *l, *next;
	size_t i;

	for (i = 0; t->buckets && i <= t->mask; i++) {
		for (l = t->buckets[i]; l; l = next) {
			next = l->next;
			fn(l, arg);
		}
	}
}
