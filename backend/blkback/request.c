/*
 * request.c - decoding and checking one blkif request (see request.h).
 *
 * The verdicts follow Linux xen-blkback: an operation it does not know,
 * or a feature we did not advertise, is BLKIF_RSP_EOPNOTSUPP; a request
 * that is malformed (segment count, sectors within a page, range past the
 * end of the disk or wrapping around, a write to a read-only disk, a
 * grant we cannot use) is BLKIF_RSP_ERROR.
 */
#include <errno.h>
#include <string.h>

#include "backend/blkback/request.h"

#define SECTORS_PER_PAGE (XPV_RING_PAGE_SIZE >> 9)

union blkif_slot {
	struct xpv_blkif_request rw;
	struct xpv_blkif_request_discard discard;
	struct xpv_blkif_request_indirect indirect;
};

/* Sectors of a disk with lim's logical sector size that one must keep
 * aligned to, as a mask of 512-byte units. */
static uint64_t sector_mask(const struct blkback_limits *lim)
{
	return (lim->sector_size >> 9) - 1;
}

static int check_seg(const struct xpv_blkif_request_segment *in,
		     const struct blkback_limits *lim, struct blkback_seg *out)
{
	unsigned int nsec;

	if (in->last_sect >= SECTORS_PER_PAGE || in->first_sect > in->last_sect)
		return -EINVAL;
	nsec = in->last_sect - in->first_sect + 1u;
	if ((in->first_sect | nsec) & sector_mask(lim))
		return -EINVAL; /* misaligned for the disk's sector size */
	out->gref = in->gref;
	out->offset = (uint16_t)(in->first_sect << 9);
	out->len = (uint16_t)(nsec << 9);
	return 0;
}

static int check_range(const struct blkback_req *req,
		       const struct blkback_limits *lim)
{
	if (req->sector & sector_mask(lim))
		return -EINVAL;
	if (req->sector > lim->sectors ||
	    req->nr_sectors > lim->sectors - req->sector)
		return -ERANGE; /* past the end, or wrapping around */
	return 0;
}

/* Check segments already in req->segs' wire form, summing the sectors. */
static int take_segs(struct blkback_req *req,
		     const struct xpv_blkif_request_segment *seg,
		     const struct blkback_limits *lim)
{
	unsigned int i;
	int ret;

	req->nr_sectors = 0;
	for (i = 0; i < req->nr_segs; i++) {
		ret = check_seg(&seg[i], lim, &req->segs[i]);
		if (ret)
			return ret;
		req->nr_sectors += req->segs[i].len >> 9;
	}
	return check_range(req, lim);
}

static int parse_rw(const struct xpv_blkif_request *r,
		    const struct blkback_limits *lim, struct blkback_req *req)
{
	req->op = r->operation == XPV_BLKIF_OP_READ ? BLKBACK_OP_READ :
						      BLKBACK_OP_WRITE;
	req->nr_segs = r->nr_segments;
	req->sector = r->sector_number;
	if (req->nr_segs == 0 ||
	    req->nr_segs > XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return -EINVAL;
	if (req->op == BLKBACK_OP_WRITE && lim->readonly)
		return -EROFS;
	return take_segs(req, r->seg, lim);
}

/* A flush or barrier: every write before it durable before the answer;
 * with segments it also writes them (blkfront's FUA/preflush writes). */
static int parse_flush(const struct xpv_blkif_request *r,
		       const struct blkback_limits *lim,
		       struct blkback_req *req)
{
	req->op = BLKBACK_OP_FLUSH;
	req->nr_segs = r->nr_segments;
	req->sector = r->sector_number;
	if (!lim->flush)
		return -EOPNOTSUPP;
	if (req->nr_segs > XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST)
		return -EINVAL;
	if (lim->readonly)
		return -EROFS;
	req->write_data = req->nr_segs > 0;
	if (!req->write_data)
		return 0;
	return take_segs(req, r->seg, lim);
}

static int parse_discard(const struct xpv_blkif_request_discard *r,
			 const struct blkback_limits *lim,
			 struct blkback_req *req)
{
	req->op = BLKBACK_OP_DISCARD;
	req->sector = r->sector_number;
	req->nr_sectors = r->nr_sectors;
	if (!lim->discard || (r->flag & XPV_BLKIF_DISCARD_SECURE))
		return -EOPNOTSUPP; /* discard-secure is not advertised */
	if (lim->readonly)
		return -EROFS;
	if (req->nr_sectors & sector_mask(lim))
		return -EINVAL;
	return check_range(req, lim);
}

static int parse_indirect(const struct xpv_blkif_request_indirect *r,
			  const struct blkback_limits *lim,
			  struct blkback_req *req)
{
	unsigned int i;

	/* Answered with its indirect_op, as Linux's xen-blkback does:
	 * Linux's blkfront refuses a response saying INDIRECT ("response
	 * has wrong operation") and stops using the disk. */
	req->operation = r->indirect_op;
	if (!lim->max_indirect_segs)
		return -EOPNOTSUPP;
	if (r->indirect_op != XPV_BLKIF_OP_READ &&
	    r->indirect_op != XPV_BLKIF_OP_WRITE)
		return -EINVAL;
	req->op = r->indirect_op == XPV_BLKIF_OP_READ ? BLKBACK_OP_READ :
							BLKBACK_OP_WRITE;
	req->nr_segs = r->nr_segments;
	req->sector = r->sector_number;
	if (req->nr_segs == 0 || req->nr_segs > lim->max_indirect_segs)
		return -EINVAL;
	if (req->op == BLKBACK_OP_WRITE && lim->readonly)
		return -EROFS;
	req->nr_indirect = (uint8_t)((req->nr_segs +
				      XPV_BLKIF_SEGS_PER_INDIRECT_FRAME - 1) /
				     XPV_BLKIF_SEGS_PER_INDIRECT_FRAME);
	if (req->nr_indirect > XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST)
		return -EINVAL;
	for (i = 0; i < req->nr_indirect; i++)
		req->indirect[i] = r->indirect_grefs[i];
	return 0;
}

int blkback_request_parse(const void *slot, const struct blkback_limits *lim,
			  struct blkback_req *req)
{
	union blkif_slot s;
	struct blkback_seg *segs = req->segs;

	memcpy(&s, slot, sizeof(s));
	memset(req, 0, sizeof(*req));
	req->segs = segs;
	req->id = s.rw.id;
	req->operation = s.rw.operation;
	switch (s.rw.operation) {
	case XPV_BLKIF_OP_READ:
	case XPV_BLKIF_OP_WRITE:
		return parse_rw(&s.rw, lim, req);
	case XPV_BLKIF_OP_WRITE_BARRIER:
	case XPV_BLKIF_OP_FLUSH_DISKCACHE:
		return parse_flush(&s.rw, lim, req);
	case XPV_BLKIF_OP_DISCARD:
		return parse_discard(&s.discard, lim, req);
	case XPV_BLKIF_OP_INDIRECT:
		return parse_indirect(&s.indirect, lim, req);
	default:
		return -EOPNOTSUPP;
	}
}

int blkback_request_load_indirect(struct blkback_req *req,
				  const struct blkback_limits *lim,
				  struct blkback_grants *g, void *scratch)
{
	struct hv_copy_seg cs[XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	const size_t per_page = XPV_BLKIF_SEGS_PER_INDIRECT_FRAME;
	const size_t seg_size = sizeof(struct xpv_blkif_request_segment);
	size_t left = req->nr_segs;
	unsigned int i;

	memset(cs, 0, sizeof(cs));
	for (i = 0; i < req->nr_indirect; i++) {
		size_t n = left < per_page ? left : per_page;

		cs[i].src.foreign = true;
		cs[i].src.ref = req->indirect[i];
		cs[i].dst.local = (uint8_t *)scratch + i * XPV_RING_PAGE_SIZE;
		cs[i].len = (uint16_t)(n * seg_size);
		left -= n;
	}
	if (blkback_grant_copy(g, req->nr_indirect, cs) < 0)
		return -EFAULT;
	for (i = 0; i < req->nr_indirect; i++)
		if (cs[i].status)
			return -EFAULT; /* a gref not granted to us */
	/* The segments of page i follow those of page i-1 in scratch only if
	 * each page is full, which every page but the last is. */
	return take_segs(req, scratch, lim);
}

int16_t blkback_request_status(int verdict)
{
	if (verdict == 0)
		return XPV_BLKIF_RSP_OKAY;
	if (verdict == -EOPNOTSUPP)
		return XPV_BLKIF_RSP_EOPNOTSUPP;
	return XPV_BLKIF_RSP_ERROR;
}
