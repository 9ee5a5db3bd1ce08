/*
 * qcow2-cache.c - the bounded caches of cluster-sized metadata tables
 * (L2 tables, refcount blocks).
 *
 * A hit is one array lookup: slot_of[key] names the slot, the key being
 * the table's index in its parent table (L1 index, refcount-table
 * index). A miss takes a free slot or the least recently used one; a
 * dirty victim is first made clean by the cache's `clean` hook, which
 * knows what writing it safely takes (see qcow2.c). The number of slots
 * never grows: memory stays bounded whatever the guest does.
 */
#include "backend/image/qcow2.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int qcow2_cache_init(struct qcow2_cache *c, unsigned n, size_t table_size,
		     uint64_t nkeys)
{
	unsigned i;

	c->n = n;
	c->t = calloc(n, sizeof(*c->t));
	c->slot_of = calloc(nkeys ? nkeys : 1, sizeof(*c->slot_of));
	c->nkeys = nkeys;
	if (!c->t || !c->slot_of)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (posix_memalign((void **)&c->t[i].data, 4096, table_size))
			return -ENOMEM;
	}
	return 0;
}

void qcow2_cache_free(struct qcow2_cache *c)
{
	unsigned i;

	for (i = 0; c->t && i < c->n; i++)
		free(c->t[i].data);
	free(c->t);
	free(c->slot_of);
	c->t = NULL;
	c->slot_of = NULL;
}

int qcow2_cache_grow_keys(struct qcow2_cache *c, uint64_t nkeys)
{
	uint32_t *s;

	if (nkeys <= c->nkeys)
		return 0;
	s = realloc(c->slot_of, nkeys * sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(s + c->nkeys, 0, (nkeys - c->nkeys) * sizeof(*s));
	c->slot_of = s;
	c->nkeys = nkeys;
	return 0;
}

bool qcow2_cache_dirty(const struct qcow2_cache *c)
{
	unsigned i;

	for (i = 0; i < c->n; i++) {
		if (c->t[i].valid && c->t[i].dirty)
			return true;
	}
	return false;
}

int qcow2_table_write(struct qcow2 *q, struct qcow2_table *t)
{
	int err = qcow2_write_meta(q, t->data, q->cluster_size, t->host_off);

	if (err)
		return err;
	t->dirty = false;
	t->fresh = false;
	return 0;
}

/* A free slot, else the least recently used one, made clean. */
static int take_slot(struct qcow2 *q, struct qcow2_cache *c,
		     struct qcow2_table **out)
{
	struct qcow2_table *victim = NULL;
	unsigned i;
	int err;

	for (i = 0; i < c->n; i++) {
		struct qcow2_table *t = &c->t[i];

		if (!t->valid) {
			victim = t;
			break;
		}
		if (!victim || t->used < victim->used)
			victim = t;
	}
	if (victim->valid && victim->dirty) {
		err = c->clean(q, victim);
		if (err)
			return err;
	}
	if (victim->valid)
		c->slot_of[victim->key] = 0;
	victim->valid = false;
	*out = victim;
	return 0;
}

static void install(struct qcow2_cache *c, struct qcow2_table *t, uint64_t key,
		    uint64_t host_off)
{
	t->key = key;
	t->host_off = host_off;
	t->valid = true;
	t->used = ++c->clock;
	c->slot_of[key] = (uint32_t)(t - c->t) + 1;
}

int qcow2_cache_get(struct qcow2 *q, struct qcow2_cache *c, uint64_t key,
		    uint64_t host_off, struct qcow2_table **out)
{
	uint32_t slot = c->slot_of[key];
	struct qcow2_table *t;
	int err;

	if (slot) {
		t = &c->t[slot - 1];
		t->used = ++c->clock;
		c->hits++;
		*out = t;
		return 0;
	}
	c->misses++;
	err = take_slot(q, c, &t);
	if (err)
		return err;
	err = img_pread_full(q->fd, t->data, q->cluster_size, host_off);
	if (err)
		return -EIO;
	t->dirty = false;
	t->fresh = false;
	install(c, t, key, host_off);
	*out = t;
	return 0;
}

int qcow2_cache_new(struct qcow2 *q, struct qcow2_cache *c, uint64_t key,
		    uint64_t host_off, struct qcow2_table **out)
{
	struct qcow2_table *t;
	int err;

	err = take_slot(q, c, &t);
	if (err)
		return err;
	memset(t->data, 0, q->cluster_size);
	t->dirty = true;
	t->fresh = true;
	install(c, t, key, host_off);
	*out = t;
	return 0;
}
