/*
 * io.c - a checked request's data path: its grants resolved to buffers,
 * its I/O submitted on the queue's io_uring, and once every SQE of it
 * completed, its buffers released and the request answered.
 *
 * Buffers, by what the frontend negotiated:
 *   - persistent grants: each segment's page from the queue's cache of
 *     maps (pgrant.c), the I/O straight into the frontend's pages; a
 *     request the full cache cannot take is mapped for itself;
 *   - otherwise grant copy: a run of the bounce pool (bounce.c), filled
 *     from the frontend's pages before a write and copied to them after a
 *     read (hv_grant_copy: no system call for dom0 on sim).
 * Segments that follow each other in memory become one iovec; a request
 * becomes one SQE per data extent the image layer maps it to (raw: one;
 * a read of what qcow2 never allocated: none, zeros).
 *
 * A flush (or barrier) starts only when no data I/O of the queue is in
 * flight, so every write taken before it has completed and was recorded
 * (img_write_done); then img_flush makes them durable, with the image's
 * metadata, before the answer. With data it is write then flush, and a
 * barrier flushes before the write too.
 */
#include <errno.h>
#include <string.h>

#include "backend/blkback/queue.h"

struct io_uring_sqe *blkback_io_sqe(struct blkback_queue *q)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&q->uring);

	if (!sqe) {
		io_uring_submit(&q->uring);
		sqe = io_uring_get_sqe(&q->uring);
	}
	return sqe;
}

static uint32_t index_of(const struct blkback_queue *q, const struct pending *p)
{
	return (uint32_t)(p - q->pend);
}

static uint64_t user_data(const struct blkback_queue *q,
			  const struct pending *p, uint32_t expect)
{
	return ((uint64_t)index_of(q, p) + 1) << 32 | expect;
}

static uint64_t req_bytes(const struct pending *p)
{
	return p->req.nr_sectors << 9;
}

static bool is_read(const struct pending *p)
{
	return p->req.op == BLKBACK_OP_READ;
}

static void add_iov(struct pending *p, void *base, size_t len)
{
	struct iovec *last = p->niov ? &p->iov[p->niov - 1] : NULL;

	if (last && (uint8_t *)last->iov_base + last->iov_len == base) {
		last->iov_len += len; /* contiguous: merged */
		return;
	}
	p->iov[p->niov].iov_base = base;
	p->iov[p->niov].iov_len = len;
	p->niov++;
}

/* --- persistent grants ------------------------------------------------ */

static void release_persistent(struct blkback_queue *q, struct pending *p)
{
	uint16_t i;

	for (i = 0; i < p->pg_held; i++)
		blkback_pgrant_put(q->pc, p->req.segs[i].gref);
	p->pg_held = 0;
	if (p->tmp_map)
		blkback_grant_unmap(q->c.grants, p->tmp_map, p->tmp_count);
	p->tmp_map = NULL;
	p->tmp_count = 0;
}

/* The cache is full of pages in use: map this request's pages for it. */
static int map_temporary(struct blkback_queue *q, struct pending *p)
{
	hv_gref_t refs[BLKBACK_MAX_INDIRECT_SEGMENTS];
	uint16_t i;

	for (i = 0; i < p->req.nr_segs; i++)
		refs[i] = p->req.segs[i].gref;
	p->tmp_map = blkback_grant_map(q->c.grants, p->req.nr_segs, refs,
				       is_read(p));
	if (!p->tmp_map)
		return -EFAULT;
	p->tmp_count = p->req.nr_segs;
	p->niov = 0;
	for (i = 0; i < p->req.nr_segs; i++)
		add_iov(p,
			(uint8_t *)p->tmp_map + (size_t)i * XPV_RING_PAGE_SIZE +
				p->req.segs[i].offset,
			p->req.segs[i].len);
	return 0;
}

static int resolve_persistent(struct blkback_queue *q, struct pending *p)
{
	uint16_t i;
	void *page;
	int ret;

	p->niov = 0;
	for (i = 0; i < p->req.nr_segs; i++) {
		const struct blkback_seg *s = &p->req.segs[i];

		ret = blkback_pgrant_get(q->pc, s->gref, &page);
		if (ret) {
			release_persistent(q, p);
			return ret == -ENOSPC ? map_temporary(q, p) : -EFAULT;
		}
		p->pg_held = i + 1;
		add_iov(p, (uint8_t *)page + s->offset, s->len);
	}
	return 0;
}

/* --- grant copy through the bounce pool ------------------------------- */

static uint8_t *bounce_addr(struct blkback_queue *q, struct pending *p)
{
	return q->bounce.base + (size_t)p->bounce_first * XPV_RING_PAGE_SIZE;
}

/* Copy the request's segments between the frontend and its bounce run:
 * to_guest after a read, from the guest before a write. */
static int copy_segments(struct blkback_queue *q, struct pending *p,
			 bool to_guest)
{
	struct hv_copy_seg *cs = q->copy_segs;
	uint8_t *buf = bounce_addr(q, p);
	uint16_t i;

	memset(cs, 0, p->req.nr_segs * sizeof(*cs));
	for (i = 0; i < p->req.nr_segs; i++) {
		const struct blkback_seg *s = &p->req.segs[i];
		struct hv_copy_ptr *guest = to_guest ? &cs[i].dst : &cs[i].src;
		struct hv_copy_ptr *local = to_guest ? &cs[i].src : &cs[i].dst;

		guest->foreign = true;
		guest->ref = s->gref;
		guest->offset = s->offset;
		local->local = buf;
		cs[i].len = s->len;
		buf += s->len;
	}
	if (blkback_grant_copy(q->c.grants, p->req.nr_segs, cs) < 0)
		return -EFAULT;
	for (i = 0; i < p->req.nr_segs; i++)
		if (cs[i].status)
			return -EFAULT;
	return 0;
}

static int resolve_copy(struct blkback_queue *q, struct pending *p)
{
	uint32_t pages = (uint32_t)((req_bytes(p) + XPV_RING_PAGE_SIZE - 1) /
				    XPV_RING_PAGE_SIZE);
	int first = blkback_bounce_alloc(&q->bounce, pages);

	if (first < 0)
		return first == -ENOSPC ? -EAGAIN : first;
	p->bounce_first = first;
	p->bounce_pages = pages;
	p->niov = 0;
	add_iov(p, bounce_addr(q, p), req_bytes(p));
	return is_read(p) ? 0 : copy_segments(q, p, false);
}

static void release_buffers(struct blkback_queue *q, struct pending *p)
{
	if (p->bounce_first >= 0)
		blkback_bounce_free(&q->bounce, (uint32_t)p->bounce_first,
				    p->bounce_pages);
	p->bounce_first = -1;
	if (q->pc)
		release_persistent(q, p);
}

static int resolve(struct blkback_queue *q, struct pending *p)
{
	return q->c.persistent ? resolve_persistent(q, p) : resolve_copy(q, p);
}

/* --- submitting ------------------------------------------------------- */

/* iov entries [*at, ...) covering len bytes from byte *skip of p->iov[*at],
 * written at out; advances the cursor. Returns how many. */
static unsigned int slice_iov(struct pending *p, unsigned int *at, size_t *skip,
			      uint64_t len, struct iovec *out)
{
	unsigned int n = 0;

	while (len > 0 && *at < p->niov) {
		const struct iovec *v = &p->iov[*at];
		size_t take = v->iov_len - *skip;

		if (take > len)
			take = len;
		out[n].iov_base = (uint8_t *)v->iov_base + *skip;
		out[n].iov_len = take;
		n++;
		len -= take;
		*skip += take;
		if (*skip == v->iov_len) {
			(*at)++;
			*skip = 0;
		}
	}
	return n;
}

/* Where the request's bytes are: q->ext[0..n). A write allocates what it
 * needs and holds an img_write per mapping call until finish_writes. */
static int map_extents(struct blkback_queue *q, struct pending *p, bool write,
		       unsigned int *n)
{
	uint64_t off = p->req.sector << 9, len = req_bytes(p), done = 0;
	unsigned int total = 0, k;
	int r;

	while (done < len) {
		if (total == BLKBACK_MAX_EXTENTS ||
		    (write && p->nw == BLKBACK_MAX_WRITES))
			return -EIO; /* fragmented past what we take */
		if (write)
			r = img_map_write(q->c.img, off + done, len - done,
					  q->ext + total,
					  BLKBACK_MAX_EXTENTS - total,
					  &p->w[p->nw]);
		else
			r = img_map_read(q->c.img, off + done, len - done,
					 q->ext + total,
					 BLKBACK_MAX_EXTENTS - total);
		if (r <= 0)
			return r < 0 ? r : -EIO;
		p->nw += write;
		for (k = total; k < total + (unsigned int)r; k++)
			done += q->ext[k].len;
		total += (unsigned int)r;
	}
	*n = total;
	return 0;
}

static void zero_iov(const struct iovec *iov, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		memset(iov[i].iov_base, 0, iov[i].iov_len);
}

static void prep_data(struct blkback_queue *q, struct pending *p,
		      struct io_uring_sqe *sqe, const struct img_extent *e,
		      const struct iovec *iov, unsigned int n, bool write)
{
	bool fixed = q->fixed && p->bounce_first >= 0 && n == 1;

	if (fixed && write)
		io_uring_prep_write_fixed(sqe, e->fd, iov->iov_base,
					  (unsigned int)iov->iov_len,
					  e->host_off, 0);
	else if (fixed)
		io_uring_prep_read_fixed(sqe, e->fd, iov->iov_base,
					 (unsigned int)iov->iov_len,
					 e->host_off, 0);
	else if (write)
		io_uring_prep_writev(sqe, e->fd, iov, n, e->host_off);
	else
		io_uring_prep_readv(sqe, e->fd, iov, n, e->host_off);
	io_uring_sqe_set_data64(sqe, user_data(q, p, (uint32_t)e->len));
}

/*
 * One SQE per data extent; a read's zero extents are zeroed here. A
 * request of one extent uses its own iovecs; one of several uses the
 * queue's slices, submitted at once so that they can serve the next.
 */
static int submit_data(struct blkback_queue *q, struct pending *p, bool write)
{
	unsigned int n = 0, i, at = 0, k;
	struct iovec *out = q->slices;
	size_t skip = 0;
	int ret = map_extents(q, p, write, &n);

	for (i = 0; !ret && i < n; i++) {
		const struct img_extent *e = &q->ext[i];
		const struct iovec *v = n == 1 ? p->iov : out;
		struct io_uring_sqe *sqe;

		k = n == 1 ? p->niov : slice_iov(p, &at, &skip, e->len, out);
		out += n == 1 ? 0 : k;
		if (e->kind == IMG_EXT_ZERO) {
			zero_iov(v, k);
			continue;
		}
		sqe = blkback_io_sqe(q);
		if (!sqe) {
			ret = -EBUSY;
			break;
		}
		prep_data(q, p, sqe, e, v, k, write);
		p->sqes++;
	}
	if (n > 1 && p->sqes)
		io_uring_submit(&q->uring);
	return ret;
}

/* A flush's data (blkfront's FUA write) is written first; the flush
 * itself (img_flush) runs when the request finishes. A barrier flushes
 * before its write too. */
static int submit_flush(struct blkback_queue *q, struct pending *p)
{
	int ret;

	if (!p->req.write_data)
		return 0;
	if (p->req.operation == XPV_BLKIF_OP_WRITE_BARRIER) {
		ret = img_flush(q->c.img);
		if (ret)
			return ret;
	}
	return submit_data(q, p, true);
}

static int submit(struct blkback_queue *q, struct pending *p)
{
	switch (p->req.op) {
	case BLKBACK_OP_READ:
		return submit_data(q, p, false);
	case BLKBACK_OP_WRITE:
		return submit_data(q, p, true);
	case BLKBACK_OP_FLUSH:
		return submit_flush(q, p);
	case BLKBACK_OP_DISCARD:
		/* synchronous (a hole punched, or clusters freed): rare */
		return img_discard(q->c.img, p->req.sector << 9, req_bytes(p));
	}
	return -EINVAL;
}

/* --- finishing ---------------------------------------------------------- */

/* Tell the image layer each mapped write ended, exactly once. */
static void finish_writes(struct blkback_queue *q, struct pending *p)
{
	uint8_t i;

	for (i = 0; i < p->nw; i++)
		if (img_write_done(q->c.img, &p->w[i], p->verdict) &&
		    !p->verdict)
			p->verdict = -EIO;
	p->nw = 0;
}

/* Nothing of p is in flight: its data to the guest, its writes recorded,
 * a flush made durable, its buffers released, the answer. */
static void finish(struct blkback_queue *q, struct pending *p)
{
	if (!p->verdict && p->bounce_first >= 0 && is_read(p))
		p->verdict = copy_segments(q, p, true);
	finish_writes(q, p);
	if (!p->verdict && p->req.op == BLKBACK_OP_FLUSH)
		p->verdict = img_flush(q->c.img);
	release_buffers(q, p);
	blkback_answer(q, p);
}

static void count(struct blkback_queue *q, const struct pending *p)
{
	struct blkback_stats *s = &q->stats;

	switch (p->req.op) {
	case BLKBACK_OP_READ:
		stat_add(&s->rd_req, 1);
		stat_add(&s->rd_sect, p->req.nr_sectors);
		break;
	case BLKBACK_OP_WRITE:
		stat_add(&s->wr_req, 1);
		stat_add(&s->wr_sect, p->req.nr_sectors);
		break;
	case BLKBACK_OP_FLUSH:
		stat_add(&s->flush_req, 1);
		stat_add(&s->wr_sect, p->req.nr_sectors);
		break;
	case BLKBACK_OP_DISCARD:
		stat_add(&s->discard_req, 1);
		break;
	}
}

bool blkback_io_ready(const struct blkback_queue *q, const struct pending *p)
{
	if (p->verdict || p->req.op != BLKBACK_OP_FLUSH)
		return true;
	return q->data_inflight == 0;
}

static bool has_data(const struct pending *p)
{
	return p->req.op == BLKBACK_OP_READ || p->req.op == BLKBACK_OP_WRITE ||
	       (p->req.op == BLKBACK_OP_FLUSH && p->req.write_data);
}

void blkback_io_start(struct blkback_queue *q, struct pending *p)
{
	int ret = 0;

	if (p->req.nr_indirect && !p->verdict)
		p->verdict = blkback_request_load_indirect(
			&p->req, &q->lim, q->c.grants, q->scratch);
	if (p->verdict ||
	    (p->req.op == BLKBACK_OP_DISCARD && p->req.nr_sectors == 0)) {
		blkback_answer(q, p);
		return;
	}
	if (has_data(p))
		ret = resolve(q, p);
	if (ret == -EAGAIN) {
		q->stalled = p; /* the bounce pool is full: retried later */
		p->req.nr_indirect = 0; /* its segments are loaded */
		stat_add(&q->stats.stalls, 1);
		return;
	}
	if (!ret)
		ret = submit(q, p);
	p->verdict = ret;
	if (!ret)
		count(q, p);
	if (p->sqes > 0) {
		/* finished at its last completion, when nothing of it can
		 * still touch its buffers */
		q->data_inflight++;
		return;
	}
	finish(q, p);
}

void blkback_io_complete(struct blkback_queue *q, struct pending *p)
{
	q->data_inflight--;
	finish(q, p);
}
