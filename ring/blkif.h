/*
 * blkif.h - the block device ring protocol of xen/io/blkif.h.
 *
 * The front end puts requests on a generic ring (ring/ring.h) whose slots
 * hold a struct xpv_blkif_request (or, by operation, its discard or
 * indirect form, which share the slot) and the back end answers each with
 * a struct xpv_blkif_response carrying the request's id. Data moves
 * through granted pages named by the segments: sectors first_sect to
 * last_sect (inclusive, 512-byte units unless feature-large-sector-size)
 * of each page. An indirect request names up to
 * XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST granted pages, each holding
 * XPV_BLKIF_SEGS_PER_INDIRECT_FRAME segments.
 *
 * Layouts are Xen's for the compiling architecture (x86_64: request 112
 * bytes, response 16); the x86_32 layout of a 32-bit guest is not handled
 * here.
 */
#ifndef XPV_RING_BLKIF_H
#define XPV_RING_BLKIF_H

#include <stdint.h>

#include "ring/ring.h"

typedef uint16_t xpv_blkif_vdev_t; /* blkif_vdev_t */
typedef uint64_t xpv_blkif_sector_t; /* blkif_sector_t */

/* operation */
#define XPV_BLKIF_OP_READ 0
#define XPV_BLKIF_OP_WRITE 1
#define XPV_BLKIF_OP_WRITE_BARRIER 2 /* feature-barrier */
#define XPV_BLKIF_OP_FLUSH_DISKCACHE 3 /* feature-flush-cache */
#define XPV_BLKIF_OP_RESERVED_1 4 /* was used by blktap */
#define XPV_BLKIF_OP_DISCARD 5 /* feature-discard */
#define XPV_BLKIF_OP_INDIRECT 6 /* feature-max-indirect-segments */

#define XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST 11
#define XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST 8

/* discard flag */
#define XPV_BLKIF_DISCARD_SECURE (1 << 0)

/* status */
#define XPV_BLKIF_RSP_EOPNOTSUPP -2
#define XPV_BLKIF_RSP_ERROR -1
#define XPV_BLKIF_RSP_OKAY 0

/* "info" key bits */
#define XPV_VDISK_CDROM 0x1
#define XPV_VDISK_REMOVABLE 0x2
#define XPV_VDISK_READONLY 0x4

struct xpv_blkif_request_segment {
	xpv_grant_ref_t gref; /* the I/O page */
	uint8_t first_sect, last_sect; /* inclusive, within the page */
};

struct xpv_blkif_request {
	uint8_t operation; /* XPV_BLKIF_OP_* */
	uint8_t nr_segments;
	xpv_blkif_vdev_t handle;
	uint64_t id; /* the front end's, echoed in the response */
	xpv_blkif_sector_t sector_number;
	struct xpv_blkif_request_segment seg[XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST];
};

/* The request when operation == XPV_BLKIF_OP_DISCARD. */
struct xpv_blkif_request_discard {
	uint8_t operation;
	uint8_t flag; /* XPV_BLKIF_DISCARD_SECURE or 0 */
	xpv_blkif_vdev_t handle;
	uint64_t id;
	xpv_blkif_sector_t sector_number;
	uint64_t nr_sectors;
};

/* The request when operation == XPV_BLKIF_OP_INDIRECT. */
struct xpv_blkif_request_indirect {
	uint8_t operation;
	uint8_t indirect_op; /* XPV_BLKIF_OP_READ or _WRITE */
	uint16_t nr_segments;
	uint64_t id;
	xpv_blkif_sector_t sector_number;
	xpv_blkif_vdev_t handle;
	xpv_grant_ref_t indirect_grefs[XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
#ifdef __i386__
	uint64_t pad; /* as Xen: 64 bytes on i386 too */
#endif
};

struct xpv_blkif_response {
	uint64_t id;
	uint8_t operation;
	int16_t status; /* XPV_BLKIF_RSP_* */
};

/* Segments one indirect page holds (not a Xen constant: derived from the
 * page and segment sizes, as blkif.h describes). */
#define XPV_BLKIF_SEGS_PER_INDIRECT_FRAME \
	(XPV_RING_PAGE_SIZE / sizeof(struct xpv_blkif_request_segment))

/* Slots of a blkif ring of 2^order pages. */
static inline uint32_t xpv_blkif_ring_entries(unsigned int order)
{
	return xpv_ring_entries(xpv_ring_bytes(order),
				sizeof(struct xpv_blkif_request),
				sizeof(struct xpv_blkif_response));
}

/* Attach the front/back end to a blkif ring of 2^order pages; see
 * xpv_front_ring_attach. */
static inline int xpv_blkif_front_attach(struct xpv_front_ring *r,
					 struct xpv_sring *s,
					 unsigned int order)
{
	return xpv_front_ring_attach(r, s, xpv_ring_bytes(order),
				     sizeof(struct xpv_blkif_request),
				     sizeof(struct xpv_blkif_response), 0);
}

static inline int xpv_blkif_back_attach(struct xpv_back_ring *r,
					struct xpv_sring *s, unsigned int order)
{
	return xpv_back_ring_attach(r, s, xpv_ring_bytes(order),
				    sizeof(struct xpv_blkif_request),
				    sizeof(struct xpv_blkif_response), 0);
}

#endif /* XPV_RING_BLKIF_H */
