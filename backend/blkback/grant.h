/*
 * grant.h - how the request path reaches the frontend's granted pages:
 * map (persistent grants, and the overflow of their cache) and copy
 * (indirect pages, and frontends without persistent grants).
 *
 * An ops table so that the fuzzer can stand a table of its own pages in
 * for the hypervisor; the daemon uses blkback_grants_hv (hv.h). Every
 * gref comes from the frontend: the implementation refuses what was not
 * granted to us (hv_grant_map / hv_grant_copy check each entry).
 */
#ifndef XPV_BLKBACK_GRANT_H
#define XPV_BLKBACK_GRANT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"

struct blkback_grants;

struct blkback_grant_ops {
	/* As hv_grant_map of the frontend's domain: NULL and errno. */
	void *(*map)(struct blkback_grants *g, unsigned int count,
		     const hv_gref_t *refs, bool writable);
	int (*unmap)(struct blkback_grants *g, void *addr, unsigned int count);
	/* As hv_grant_copy; the foreign sides' domid is filled in here. */
	int (*copy)(struct blkback_grants *g, unsigned int count,
		    struct hv_copy_seg *segs);
	void (*destroy)(struct blkback_grants *g);
};

struct blkback_grants {
	const struct blkback_grant_ops *ops;
	hv_domid_t domid; /* the frontend's */
};

/*
 * Grants of domain `from` through hv (map and copy need a privileged hv
 * on sim). Takes ownership of hv when own_hv (closed at destroy), so
 * that each queue thread has a handle of its own (hv.h: one thread per
 * handle). NULL and errno.
 */
struct blkback_grants *blkback_grants_hv(struct hv *hv, bool own_hv,
					 hv_domid_t from);

static inline void *blkback_grant_map(struct blkback_grants *g,
				      unsigned int count, const hv_gref_t *refs,
				      bool writable)
{
	return g->ops->map(g, count, refs, writable);
}

static inline int blkback_grant_unmap(struct blkback_grants *g, void *addr,
				      unsigned int count)
{
	return g->ops->unmap(g, addr, count);
}

static inline int blkback_grant_copy(struct blkback_grants *g,
				     unsigned int count,
				     struct hv_copy_seg *segs)
{
	return g->ops->copy(g, count, segs);
}

static inline void blkback_grants_destroy(struct blkback_grants *g)
{
	if (g)
		g->ops->destroy(g);
}

#endif /* XPV_BLKBACK_GRANT_H */
