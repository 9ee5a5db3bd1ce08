/*
 * pgrant.c - the persistent grant cache (see pgrant.h).
 *
 * Entries live in one array of max; a hash table of bucket heads (chained
 * through entry indices) finds a gref; unused entries are on a doubly
 * linked LRU list, oldest first. NONE ends a chain or list.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "backend/blkback/pgrant.h"

#define NONE UINT32_MAX

struct pgrant {
	hv_gref_t gref;
	uint32_t users;
	uint32_t hnext; /* hash chain */
	uint32_t prev, next; /* LRU list, while users == 0 */
	void *addr; /* NULL: a free slot, in no hash chain */
};

struct blkback_pgrants {
	struct blkback_grants *g;
	struct pgrant *e;
	uint32_t *bucket;
	uint32_t nbuckets; /* power of two */
	uint32_t max, count;
	uint32_t mapped;
	uint32_t lru_head, lru_tail;
};

static uint32_t hash(const struct blkback_pgrants *pc, hv_gref_t gref)
{
	return (gref * 2654435761u) & (pc->nbuckets - 1);
}

static struct pgrant *lookup(struct blkback_pgrants *pc, hv_gref_t gref)
{
	uint32_t i;

	for (i = pc->bucket[hash(pc, gref)]; i != NONE; i = pc->e[i].hnext)
		if (pc->e[i].gref == gref)
			return &pc->e[i];
	return NULL;
}

static uint32_t index_of(const struct blkback_pgrants *pc,
			 const struct pgrant *p)
{
	return (uint32_t)(p - pc->e);
}

static void lru_remove(struct blkback_pgrants *pc, struct pgrant *p)
{
	if (p->prev != NONE)
		pc->e[p->prev].next = p->next;
	else
		pc->lru_head = p->next;
	if (p->next != NONE)
		pc->e[p->next].prev = p->prev;
	else
		pc->lru_tail = p->prev;
	p->prev = p->next = NONE;
}

static void lru_append(struct blkback_pgrants *pc, struct pgrant *p)
{
	uint32_t i = index_of(pc, p);

	p->prev = pc->lru_tail;
	p->next = NONE;
	if (pc->lru_tail != NONE)
		pc->e[pc->lru_tail].next = i;
	else
		pc->lru_head = i;
	pc->lru_tail = i;
}

static void hash_remove(struct blkback_pgrants *pc, struct pgrant *p)
{
	uint32_t *link = &pc->bucket[hash(pc, p->gref)];
	uint32_t i = index_of(pc, p);

	while (*link != i)
		link = &pc->e[*link].hnext;
	*link = p->hnext;
}

/* A free entry: a never used one, else the least recently used. */
static struct pgrant *take_entry(struct blkback_pgrants *pc)
{
	struct pgrant *p;

	if (pc->count < pc->max)
		return &pc->e[pc->count++];
	if (pc->lru_head == NONE)
		return NULL;
	p = &pc->e[pc->lru_head];
	lru_remove(pc, p);
	if (p->addr) {
		hash_remove(pc, p);
		blkback_grant_unmap(pc->g, p->addr, 1);
		p->addr = NULL;
		pc->mapped--;
	}
	return p;
}

/* Give back an entry take_entry handed out that could not be mapped. */
static void drop_entry(struct blkback_pgrants *pc, struct pgrant *p)
{
	uint32_t last = pc->count - 1;

	if (index_of(pc, p) == last) {
		pc->count--;
		return;
	}
	/* an evicted slot in the middle: keep it unused on the LRU list's
	 * head with a gref no lookup finds (it is in no hash chain) */
	p->users = 0;
	p->addr = NULL;
	p->prev = NONE;
	p->next = pc->lru_head;
	if (pc->lru_head != NONE)
		pc->e[pc->lru_head].prev = index_of(pc, p);
	else
		pc->lru_tail = index_of(pc, p);
	pc->lru_head = index_of(pc, p);
}

int blkback_pgrant_get(struct blkback_pgrants *pc, hv_gref_t gref, void **addr)
{
	struct pgrant *p = lookup(pc, gref);

	if (p) {
		if (p->users++ == 0)
			lru_remove(pc, p);
		*addr = p->addr;
		return 0;
	}
	p = take_entry(pc);
	if (!p)
		return -ENOSPC;
	p->addr = blkback_grant_map(pc->g, 1, &gref, true);
	if (!p->addr) {
		int err = errno ? -errno : -EFAULT;

		drop_entry(pc, p);
		return err;
	}
	pc->mapped++;
	p->gref = gref;
	p->users = 1;
	p->prev = p->next = NONE;
	p->hnext = pc->bucket[hash(pc, gref)];
	pc->bucket[hash(pc, gref)] = index_of(pc, p);
	*addr = p->addr;
	return 0;
}

void blkback_pgrant_put(struct blkback_pgrants *pc, hv_gref_t gref)
{
	struct pgrant *p = lookup(pc, gref);

	if (p && p->users > 0 && --p->users == 0)
		lru_append(pc, p);
}

unsigned int blkback_pgrants_count(const struct blkback_pgrants *pc)
{
	return pc->mapped;
}

struct blkback_pgrants *blkback_pgrants_create(struct blkback_grants *g,
					       unsigned int max)
{
	struct blkback_pgrants *pc = calloc(1, sizeof(*pc));
	uint32_t i;

	if (!pc || max == 0 || max > (1u << 20))
		goto fail;
	pc->g = g;
	pc->max = max;
	pc->nbuckets = 1;
	while (pc->nbuckets < max)
		pc->nbuckets <<= 1;
	pc->e = calloc(max, sizeof(*pc->e));
	pc->bucket = malloc(pc->nbuckets * sizeof(*pc->bucket));
	if (!pc->e || !pc->bucket)
		goto fail;
	for (i = 0; i < pc->nbuckets; i++)
		pc->bucket[i] = NONE;
	pc->lru_head = pc->lru_tail = NONE;
	return pc;
fail:
	if (pc) {
		free(pc->e);
		free(pc->bucket);
		free(pc);
	}
	errno = max == 0 || max > (1u << 20) ? EINVAL : ENOMEM;
	return NULL;
}

void blkback_pgrants_destroy(struct blkback_pgrants *pc)
{
	uint32_t i;

	if (!pc)
		return;
	for (i = 0; i < pc->count; i++)
		if (pc->e[i].addr)
			blkback_grant_unmap(pc->g, pc->e[i].addr, 1);
	free(pc->e);
	free(pc->bucket);
	free(pc);
}
