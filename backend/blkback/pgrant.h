/*
 * pgrant.h - the persistent grants of one queue: a bounded cache of
 * single-page writable maps of the frontend's grants, as Linux
 * xen-blkback keeps them (feature-persistent).
 *
 * A frontend that negotiated persistent grants reuses a fixed set of
 * grefs for its data; mapping each once saves a map and an unmap per
 * request. The cache holds at most max entries; an entry that no request
 * is using is on an LRU list, and a miss when the cache is full evicts
 * (unmaps) the least recently used one. When every entry is in use the
 * caller maps that page for the one request (blkback_pgrant_get returns
 * -ENOSPC), so a frontend using more grants than the cache holds costs
 * itself speed, never dom0 memory.
 */
#ifndef XPV_BLKBACK_PGRANT_H
#define XPV_BLKBACK_PGRANT_H

#include <stdint.h>

#include "backend/blkback/grant.h"

struct blkback_pgrants;

/* A cache of at most max maps through g. NULL and errno. */
struct blkback_pgrants *blkback_pgrants_create(struct blkback_grants *g,
					       unsigned int max);
/* Unmaps every entry; entries must not be in use. */
void blkback_pgrants_destroy(struct blkback_pgrants *pc);

/*
 * The page of gref, mapped writable, its use counted: 0 and *addr, or
 * -ENOSPC (cache full, all in use) or -errno of the map (a grant we may
 * not use).
 */
int blkback_pgrant_get(struct blkback_pgrants *pc, hv_gref_t gref, void **addr);
/* Drop one use of gref taken by blkback_pgrant_get. */
void blkback_pgrant_put(struct blkback_pgrants *pc, hv_gref_t gref);

/* Entries mapped now. */
unsigned int blkback_pgrants_count(const struct blkback_pgrants *pc);

#endif /* XPV_BLKBACK_PGRANT_H */
