/*
 * request.h - a blkif request taken off the ring: copied out of shared
 * memory once, then validated in its private copy, as Linux xen-blkback's
 * dispatch_rw_block_io / dispatch_discard_io check it.
 *
 * blkback_request_parse turns the ring slot's copy into a struct
 * blkback_req, checking everything but the segments of an indirect
 * request, which live in granted pages: blkback_request_load_indirect
 * copies them out (one grant copy per indirect page) and checks them.
 *
 * Both return 0 for a request to carry out, -EOPNOTSUPP for one to
 * answer BLKIF_RSP_EOPNOTSUPP, and another -errno for one to answer
 * BLKIF_RSP_ERROR (blkback_request_status maps them): a bad request is an
 * error for that request only. Whatever the verdict, id and operation are
 * set, for the response.
 */
#ifndef XPV_BLKBACK_REQUEST_H
#define XPV_BLKBACK_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/blkback/grant.h"
#include "ring/blkif.h"

/* What the request is, once decoded. */
enum blkback_op {
	BLKBACK_OP_READ,
	BLKBACK_OP_WRITE,
	BLKBACK_OP_FLUSH, /* flush-diskcache or barrier, maybe with data */
	BLKBACK_OP_DISCARD,
};

/* One segment: bytes [offset, offset + len) of the page gref names. */
struct blkback_seg {
	hv_gref_t gref;
	uint16_t offset;
	uint16_t len;
};

/* What the device and the advertised features allow. */
struct blkback_limits {
	uint64_t sectors; /* device size in 512-byte units */
	unsigned int sector_size; /* logical, 512..4096 */
	unsigned int max_indirect_segs; /* 0: indirect not advertised */
	bool readonly;
	bool flush; /* feature-flush-cache / feature-barrier */
	bool discard;
};

struct blkback_req {
	uint64_t id; /* echoed; any value */
	uint8_t operation; /* echoed: as on the ring, or an indirect one's indirect_op */
	enum blkback_op op;
	bool write_data; /* op FLUSH with segments: write them */
	uint16_t nr_segs;
	uint8_t nr_indirect; /* indirect pages to load */
	uint64_t sector; /* 512-byte units */
	uint64_t nr_sectors; /* of the whole request */
	hv_gref_t indirect[XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	struct blkback_seg *segs; /* caller's storage, room for max segs */
};

/*
 * Decode and check the private copy of a ring slot (the whole slot: the
 * caller copied it out of the ring first). req->segs must have room for
 * max(XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST, lim->max_indirect_segs).
 */
int blkback_request_parse(const void *slot, const struct blkback_limits *lim,
			  struct blkback_req *req);

/*
 * For an indirect request (req->nr_indirect > 0): copy its segments out of
 * the frontend's indirect pages into req->segs through g, using scratch
 * (one page per indirect page: XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST
 * pages) and check them and the sector range.
 */
int blkback_request_load_indirect(struct blkback_req *req,
				  const struct blkback_limits *lim,
				  struct blkback_grants *g, void *scratch);

/* The response status for a verdict of the two calls above. */
int16_t blkback_request_status(int verdict);

#endif /* XPV_BLKBACK_REQUEST_H */
