/*
 * client_maptab.c - the table of a handle's mappings (hv_grant_map and
 * hv_foreign_map results), found again by address at unmap.
 *
 * Hashed by page number, since a backend may hold a thousand persistent
 * grants mapped and unmaps one per request. One-page records are kept on
 * a short free list when unmapped, so that mapping and unmapping a grant
 * over and over allocates nothing (and so makes no system call, even
 * under a sanitizer's allocator).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hv/sim/client.h"

/* One-page records kept for reuse. */
#define SPARE_MAX 64u

static unsigned int bucket_of(const void *addr)
{
	return (unsigned int)(((uintptr_t)addr >> HV_PAGE_SHIFT) %
			      SIM_MAP_BUCKETS);
}

struct sim_mapping *sim_map_new(struct sim_hv *s, unsigned int count)
{
	struct sim_mapping *m;

	if (count == 1 && s->spare) {
		m = s->spare;
		s->spare = m->next;
		s->nspare--;
		memset(m, 0, sizeof(*m) + sizeof(m->pins[0]));
		m->cap = 1;
		return m;
	}
	m = calloc(1, sizeof(*m) + count * sizeof(m->pins[0]));
	if (m)
		m->cap = count;
	return m;
}

void sim_map_free(struct sim_hv *s, struct sim_mapping *m)
{
	if (m->cap == 1 && s->nspare < SPARE_MAX) {
		m->next = s->spare;
		s->spare = m;
		s->nspare++;
		return;
	}
	free(m);
}

void sim_map_free_spares(struct sim_hv *s)
{
	while (s->spare) {
		struct sim_mapping *m = s->spare;

		s->spare = m->next;
		free(m);
	}
	s->nspare = 0;
}

void sim_map_add(struct sim_hv *s, struct sim_mapping *m)
{
	struct sim_mapping **head = &s->maps[bucket_of(m->addr)];

	m->next = *head;
	*head = m;
}

bool sim_map_addr_used(const struct sim_hv *s, const void *addr)
{
	const struct sim_mapping *m;

	for (m = s->maps[bucket_of(addr)]; m; m = m->next)
		if (m->addr == addr)
			return true;
	return false;
}

struct sim_mapping *sim_map_take(struct sim_hv *s, void *addr,
				 unsigned int count, bool grant)
{
	struct sim_mapping **pp;

	for (pp = &s->maps[bucket_of(addr)]; *pp; pp = &(*pp)->next) {
		struct sim_mapping *m = *pp;

		if (m->addr != addr)
			continue;
		if (m->count != count || m->grant != grant)
			return NULL;
		*pp = m->next;
		return m;
	}
	return NULL;
}

struct sim_mapping *sim_map_take_any(struct sim_hv *s)
{
	unsigned int i;

	for (i = 0; i < SIM_MAP_BUCKETS; i++) {
		struct sim_mapping *m = s->maps[i];

		if (m) {
			s->maps[i] = m->next;
			return m;
		}
	}
	return NULL;
}
