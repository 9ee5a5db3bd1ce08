/*
 * grant.c - the frontend's grants through hv.h (see grant.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "backend/blkback/grant.h"

struct hv_grants {
	struct blkback_grants g;
	struct hv *hv;
	bool own_hv;
};

static struct hv_grants *to_hv(struct blkback_grants *g)
{
	return (struct hv_grants *)g;
}

static void *hv_map(struct blkback_grants *g, unsigned int count,
		    const hv_gref_t *refs, bool writable)
{
	return hv_grant_map(to_hv(g)->hv, g->domid, count, refs, writable);
}

static int hv_unmap(struct blkback_grants *g, void *addr, unsigned int count)
{
	return hv_grant_unmap(to_hv(g)->hv, addr, count);
}

static int hv_copy(struct blkback_grants *g, unsigned int count,
		   struct hv_copy_seg *segs)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		if (segs[i].src.foreign)
			segs[i].src.domid = g->domid;
		if (segs[i].dst.foreign)
			segs[i].dst.domid = g->domid;
	}
	return hv_grant_copy(to_hv(g)->hv, count, segs);
}

static void hv_destroy(struct blkback_grants *g)
{
	struct hv_grants *h = to_hv(g);

	if (h->own_hv)
		hv_close(h->hv);
	free(h);
}

static const struct blkback_grant_ops hv_grant_ops = {
	.map = hv_map,
	.unmap = hv_unmap,
	.copy = hv_copy,
	.destroy = hv_destroy,
};

struct blkback_grants *blkback_grants_hv(struct hv *hv, bool own_hv,
					 hv_domid_t from)
{
	struct hv_grants *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->g.ops = &hv_grant_ops;
	h->g.domid = from;
	h->hv = hv;
	h->own_hv = own_hv;
	return &h->g;
}
