/*
 * pgrant.c - persistent grants: the buffers of a frontend that promised
 * to reuse them (`feature-persistent`, as blkif names it; our netfront
 * grants its pages once per connection) stay mapped in dom0 from their
 * first use to the disconnect, so that tx writes the TAP straight from
 * the guest's pages and rx reads the TAP straight into them: no grant
 * copy, no pin and unpin per segment.
 *
 * A frontend that did not promise it never gets a grant held: Linux's
 * netfront ends access to its grants after each packet, which a mapping
 * we kept would make fail.
 *
 * The table is open-addressed on (ref, writable), NB_PGRANT_SLOTS slots
 * for at most NB_PGRANT_MAX mappings per queue: a frontend that shows us
 * more distinct grants than that has the rest copied, as any other. A
 * grant that cannot be mapped (not ours, read-only for a write) is not
 * remembered: that packet is copied, and the copy fails as it should.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend/netback/common.h"

static uint32_t hash(hv_gref_t ref, bool writable)
{
	return ((ref * 2u + writable) * 0x9E3779B1u) >> (32 - NB_PGRANT_BITS);
}

int nb_pgrants_init(struct nb_pgrants *pg, bool on)
{
	pg->n = 0;
	pg->on = on;
	pg->tab = NULL;
	if (!on)
		return 0;
	pg->tab = calloc(NB_PGRANT_SLOTS, sizeof(*pg->tab));
	return pg->tab ? 0 : -ENOMEM;
}

void nb_pgrants_fini(struct nb_queue *q)
{
	struct nb_pgrants *pg = &q->pg;
	unsigned int i;

	for (i = 0; pg->tab && i < NB_PGRANT_SLOTS; i++)
		if (pg->tab[i].addr)
			hv_grant_unmap(q->vif->ctx->hv, pg->tab[i].addr, 1);
	free(pg->tab);
	pg->tab = NULL;
	pg->n = 0;
	pg->on = false;
}

uint8_t *nb_pgrant_get(struct nb_queue *q, hv_gref_t ref, bool writable)
{
	struct nb_pgrants *pg = &q->pg;
	uint32_t i = hash(ref, writable), step;
	struct nb_pgrant *e;

	for (step = 0; step < NB_PGRANT_SLOTS; step++) {
		e = &pg->tab[(i + step) & (NB_PGRANT_SLOTS - 1)];
		if (!e->addr)
			break;
		if (e->ref == ref && e->writable == writable)
			return e->addr;
	}
	if (step == NB_PGRANT_SLOTS || pg->n >= NB_PGRANT_MAX)
		return NULL;
	e->addr = hv_grant_map(q->vif->ctx->hv, q->vif->cfg.domid, 1, &ref,
			       writable);
	if (!e->addr)
		return NULL;
	e->ref = ref;
	e->writable = writable;
	pg->n++;
	return e->addr;
}
