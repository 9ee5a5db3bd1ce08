/*
 * queue.c - one queue's ring: requests taken off it in order, each copied
 * out of the shared slot once and checked in its private copy, handed to
 * io.c, and answered when done; completions reaped from the io_uring;
 * responses pushed and the frontend notified once per batch.
 *
 * Bounds: a request holds a struct pending from the moment it is taken
 * until it is answered, and there are exactly as many as the ring has
 * slots: the ring protocol itself (xpv_back_peek_requests) refuses a
 * producer index that claims more. Everything else a queue allocates is
 * sized here, at creation, from the ring order and the advertised limits.
 *
 * Share: at most q->max_inflight requests are taken and not answered;
 * the rest wait on the ring (the frontend's own queue) until answers
 * make room, so one frontend cannot fill the kernel's queue ahead of
 * another's.
 *
 * Order: requests start in ring order. One that cannot start yet (the
 * bounce pool is full, or it is a flush waiting for the data in flight)
 * is held as q->stalled, and nothing after it is taken until it starts.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backend/blkback/queue.h"

/* --- answering --------------------------------------------------------- */

void blkback_answer(struct blkback_queue *q, struct pending *p)
{
	struct xpv_blkif_response rsp = {
		.id = p->req.id,
		.operation = p->req.operation,
		.status = blkback_request_status(p->verdict),
	};
	void *slot = xpv_back_next_response(&q->ring);

	/* never NULL: p was taken from the ring and not yet answered */
	memcpy(slot, &rsp, sizeof(rsp));
	if (q->rlog)
		blkback_rlog_answered(q->rlog, (uint32_t)(p - q->pend),
				      q->ring.rsp_prod_pvt - 1);
	if (rsp.status == XPV_BLKIF_RSP_EOPNOTSUPP)
		stat_add(&q->stats.unsupported, 1);
	else if (rsp.status != XPV_BLKIF_RSP_OKAY)
		stat_add(&q->stats.errors, 1);
	p->next_free = q->free_list;
	q->free_list = p;
	q->inflight--;
	stat_add(&q->stats.inflight, (uint64_t)-1);
	q->answered = true;
}

static void push_responses(struct blkback_queue *q)
{
	bool notify;

	if (!q->answered)
		return;
	q->answered = false;
	notify = xpv_back_push_responses_and_check_notify(&q->ring);
	if (q->rlog)
		blkback_rlog_pushed(q->rlog);
	if (notify && q->c.notify)
		q->c.notify(q->c.opaque);
}

/* --- taking requests --------------------------------------------------- */

static void mark_broken(struct blkback_queue *q, const char *why)
{
	if (q->broken)
		return;
	q->broken = true;
	if (q->c.broken)
		q->c.broken(q->c.opaque, why);
}

/* Record p in use for a request checked from its copy in slot. */
static struct pending *fill_record(struct blkback_queue *q, struct pending *p,
				   const void *slot)
{
	q->inflight++;
	stat_add(&q->stats.inflight, 1);
	p->verdict = blkback_request_parse(slot, &q->lim, &p->req);
	p->sqes = 0;
	p->bounce_first = -1;
	p->pg_held = 0;
	p->tmp_map = NULL;
	p->niov = 0;
	p->nw = 0;
	return p;
}

/* The next free record, for a request checked from its copy in slot. */
static struct pending *take_record(struct blkback_queue *q, const void *slot)
{
	struct pending *p = q->free_list;

	q->free_list = p->next_free;
	return fill_record(q, p, slot);
}

static struct pending *take_one(struct blkback_queue *q)
{
	uint8_t slot[sizeof(struct xpv_blkif_request)];
	uint32_t e = (uint32_t)(q->free_list - q->pend);
	xpv_ring_idx_t idx = q->ring.req_cons;

	/* the log entry of an answer not yet pushed is still needed */
	if (q->rlog && blkback_rlog_unpushed(q->rlog, e))
		push_responses(q);
	xpv_back_take_request(&q->ring, slot);
	if (q->rlog)
		blkback_rlog_taken(q->rlog, e, idx, slot);
	return take_record(q, slot);
}

/* A request a killed daemon took and never answered: from its log, in
 * ring order, before anything new. Record e is log entry e, so replay e
 * takes record e itself, kept off the free list until then
 * (setup_rlog): a replay answered at once goes back to the head of the
 * free list, and taking the head for the next replay would answer the
 * wrong entry and leave the right one TAKEN in the log for good. */
static struct pending *take_replay(struct blkback_queue *q)
{
	uint32_t e = q->replayed++;

	return fill_record(q, &q->pend[e], blkback_rlog_request(q->rlog, e));
}

/* Start a request, or hold it; false when it is held. */
static bool start(struct blkback_queue *q, struct pending *p)
{
	if (!blkback_io_ready(q, p)) {
		q->stalled = p;
		return false;
	}
	q->stalled = NULL;
	blkback_io_start(q, p);
	return q->stalled == NULL;
}

/* Full share: the next answer (a completion wakes the queue) makes
 * room; the ring's req_event need not be re-armed meanwhile. */
static bool at_share(const struct blkback_queue *q)
{
	return q->inflight >= q->max_inflight;
}

/*
 * When to hand the kernel what is prepared (an io_uring_enter, about
 * 1 us). A frontend's batch arrives when the disk has just answered the
 * last one (fio at iodepth 32 answers and resubmits 32 at once), so the
 * disk sits idle until it gets the first request: while it holds fewer
 * than SUBMIT_AT_ONCE of this queue's requests, each goes at once. Then
 * it has work, and every SUBMIT_EARLY SQEs go together while this thread
 * still copies, checks and maps the rest: a batch of 32 costs about 8
 * io_uring_enter instead of 1. Quiet machine, medians of 9 repetitions,
 * 4 KiB randread b/a 0.84, 0.83, 0.81 with every 8 alone against 0.85,
 * 0.86, 0.87; randwrite 0.77, 0.79, 0.81 against 0.90, 0.86, 0.84
 * (docs/performance.md, 2026-12-05 11:50-12:03 UTC); one at a time
 * throughout measured no better and costs a system call per request.
 */
#define SUBMIT_AT_ONCE 4u
#define SUBMIT_EARLY 8u

/* Requests whose I/O the kernel holds: prepared, less the SQEs still in
 * the SQ. A request of several SQEs makes it an underestimate, which only
 * makes a submission come sooner. */
static unsigned int held_by_kernel(const struct blkback_queue *q,
				   unsigned int ready)
{
	return q->data_inflight > ready ? q->data_inflight - ready : 0;
}

static void submit_early(struct blkback_queue *q)
{
	unsigned int ready = io_uring_sq_ready(&q->uring);
	unsigned int batch =
		held_by_kernel(q, ready) < SUBMIT_AT_ONCE ? 1 : SUBMIT_EARLY;

	if (ready >= batch)
		io_uring_submit(&q->uring);
}

static void take_requests(struct blkback_queue *q)
{
	int n;

	if (q->stalled && !start(q, q->stalled))
		return;
	while (q->replayed < q->replays)
		if (!start(q, take_replay(q)))
			return;
	for (;;) {
		if (at_share(q))
			return;
		/* a polling thread looks again soon: the frontend need not
		 * notify meanwhile */
		n = q->spinning ? xpv_back_peek_requests(&q->ring, NULL) :
				  xpv_back_final_check_for_requests(&q->ring);
		if (n < 0) {
			mark_broken(q, "the frontend's request producer index "
				       "is past what the ring can hold");
			return;
		}
		if (n == 0)
			return;
		q->worked = true;
		while (n-- > 0 && !at_share(q)) {
			if (!start(q, take_one(q)))
				return;
			submit_early(q);
		}
	}
}

/* --- completions -------------------------------------------------------- */

static void complete_sqe(struct blkback_queue *q, uint64_t ud, int res)
{
	struct pending *p = &q->pend[(ud >> 32) - 1];
	uint32_t expect = (uint32_t)ud;

	if (res != (int)expect && !p->verdict)
		p->verdict = res < 0 ? res : -EIO; /* short: an error too */
	if (--p->sqes == 0)
		blkback_io_complete(q, p);
}

static void arm_poll(struct blkback_queue *q, int fd, uint64_t ud)
{
	struct io_uring_sqe *sqe = blkback_io_sqe(q);

	if (!sqe)
		return; /* cannot happen: the ring has room for both polls */
	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data64(sqe, ud);
}

static void on_control(struct blkback_queue *q, uint64_t ud)
{
	uint64_t v;

	if (ud == UD_STOP) {
		if (read(q->stop_fd, &v, sizeof(v)) < 0) {
			/* nothing to do: stopping is level, not counted */
		}
		q->stopping = true;
		return;
	}
	if (q->c.on_evtchn)
		q->c.on_evtchn(q->c.opaque);
	arm_poll(q, q->c.evtchn_fd, UD_EVTCHN);
}

static void reap(struct blkback_queue *q)
{
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	io_uring_for_each_cqe(&q->uring, head, cqe)
	{
		uint64_t ud = io_uring_cqe_get_data64(cqe);

		n++;
		if (ud & UD_CONTROL)
			on_control(q, ud);
		else
			complete_sqe(q, ud, cqe->res);
	}
	io_uring_cq_advance(&q->uring, n);
	q->worked |= n > 0;
}

bool blkback_queue_has_work(const struct blkback_queue *q)
{
	if (io_uring_cq_ready(&q->uring))
		return true;
	/* a full share, a broken ring or a stop leave the ring alone:
	 * what is on it is not work for this turn */
	if (q->broken || q->stopping || at_share(q) || q->stalled)
		return false;
	return xpv_back_peek_requests(&q->ring, NULL) != 0 ||
	       q->replayed < q->replays;
}

int blkback_queue_poll(struct blkback_queue *q, bool wait)
{
	int ret;

	q->worked = false;
	if (!q->broken && !q->stopping)
		take_requests(q);
	push_responses(q);
	if (wait && !io_uring_cq_ready(&q->uring))
		ret = io_uring_submit_and_wait(&q->uring, 1);
	else
		ret = io_uring_submit(&q->uring);
	if (ret < 0 && ret != -EINTR && ret != -EBUSY && ret != -EAGAIN)
		return ret;
	reap(q);
	push_responses(q);
	if (q->pc)
		__atomic_store_n(&q->stats.pgrants,
				 blkback_pgrants_count(q->pc),
				 __ATOMIC_RELAXED);
	return (int)q->inflight;
}

unsigned int blkback_queue_replays(const struct blkback_queue *q)
{
	return q->replays;
}

bool blkback_queue_broken(const struct blkback_queue *q)
{
	return q->broken;
}

void blkback_queue_stats(const struct blkback_queue *q,
			 struct blkback_stats *out)
{
	const uint64_t *src = (const uint64_t *)&q->stats;
	uint64_t *dst = (uint64_t *)out;
	size_t i;

	for (i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

/* --- creation ----------------------------------------------------------- */

static int alloc_pending(struct blkback_queue *q)
{
	size_t iov_per = q->max_segs;
	uint32_t i;

	q->npend = q->ring.nr_ents;
	q->max_inflight = q->c.max_inflight && q->c.max_inflight < q->npend ?
				  q->c.max_inflight :
				  q->npend;
	q->pend = calloc(q->npend, sizeof(*q->pend));
	q->seg_store =
		calloc((size_t)q->npend * q->max_segs, sizeof(*q->seg_store));
	q->iov_store =
		calloc((size_t)q->npend * iov_per, sizeof(*q->iov_store));
	q->copy_segs = calloc(q->max_segs, sizeof(*q->copy_segs));
	q->ext = calloc(BLKBACK_MAX_EXTENTS, sizeof(*q->ext));
	q->slices =
		calloc(q->max_segs + BLKBACK_MAX_EXTENTS, sizeof(*q->slices));
	q->scratch = aligned_alloc(XPV_RING_PAGE_SIZE,
				   XPV_BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST *
					   XPV_RING_PAGE_SIZE);
	if (!q->pend || !q->seg_store || !q->iov_store || !q->copy_segs ||
	    !q->scratch || !q->ext || !q->slices)
		return -ENOMEM;
	for (i = 0; i < q->npend; i++) {
		q->pend[i].req.segs = q->seg_store + (size_t)i * q->max_segs;
		q->pend[i].iov = q->iov_store + (size_t)i * iov_per;
		q->pend[i].bounce_first = -1;
		q->pend[i].next_free = i + 1 < q->npend ? &q->pend[i + 1] :
							  NULL;
	}
	q->free_list = q->pend;
	return 0;
}

static unsigned int uring_entries(const struct blkback_queue *q)
{
	unsigned int n = 64;

	/* a request takes at most extents + 2 SQEs (a barrier's fsyncs);
	 * submitting when full keeps the in-flight count below the CQ's
	 * 2 x entries, as IORING_FEAT_NODROP also covers */
	while (n < 2 * q->ring.nr_ents + 2)
		n <<= 1;
	return n;
}

static int setup_uring(struct blkback_queue *q)
{
	struct iovec pool;
	int ret = io_uring_queue_init(uring_entries(q), &q->uring, 0);

	if (ret < 0)
		return ret;
	q->uring_ready = true;
	if (!q->c.persistent) {
		pool.iov_base = q->bounce.base;
		pool.iov_len = (size_t)q->bounce.pages * XPV_RING_PAGE_SIZE;
		/* registered buffers save a page pin per I/O; without the
		 * memlock allowance plain reads and writes do */
		q->fixed = io_uring_register_buffers(&q->uring, &pool, 1) == 0;
	}
	q->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->stop_fd < 0)
		return -errno;
	arm_poll(q, q->stop_fd, UD_STOP);
	if (q->c.evtchn_fd >= 0)
		arm_poll(q, q->c.evtchn_fd, UD_EVTCHN);
	return 0;
}

static int setup_grants(struct blkback_queue *q)
{
	unsigned int max = q->c.max_pgrants ?: BLKBACK_DEFAULT_MAX_PGRANTS;

	if (q->c.persistent) {
		q->pc = blkback_pgrants_create(q->c.grants, max);
		return q->pc ? 0 : -errno;
	}
	return blkback_bounce_init(&q->bounce, BLKBACK_BOUNCE_PAGES);
}

static void set_limits(struct blkback_queue *q)
{
	const struct img_info *info = &q->info;

	img_get_info(q->c.img, &q->info);
	q->lim.sectors = info->size >> 9;
	q->lim.sector_size = info->logical_block;
	q->lim.max_indirect_segs = q->c.max_indirect_segs;
	q->lim.readonly = info->read_only;
	q->lim.flush = !info->read_only;
	q->lim.discard = !info->read_only && info->discard_granularity > 0;
	q->max_segs = q->c.max_indirect_segs >
				      XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST ?
			      q->c.max_indirect_segs :
			      XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST;
}

/*
 * The log as a killed daemon left it; the ring's private indices then
 * are where that daemon stopped. Refused: -errno, and which check
 * refused it in the config's resume_refused.
 */
static int resume_rlog(struct blkback_queue *q)
{
	const char *why = "the daemon keeps no resume log";
	struct blkback_replay rp;

	if (q->c.resume_log)
		q->rlog = blkback_rlog_resume(q->c.resume_log, q->ring.nr_ents,
					      q->c.sring, &rp, &why);
	if (!q->rlog) {
		if (q->c.resume_refused)
			*q->c.resume_refused = why;
		return q->c.resume_log ? -errno : -EINVAL;
	}
	q->ring.req_cons = rp.req_cons;
	q->ring.rsp_prod_pvt = rp.rsp_prod;
	q->replays = rp.n;
	/* records 0..n-1 wait for their replays (take_replay); the free
	 * list runs in record order */
	q->free_list = rp.n < q->npend ? &q->pend[rp.n] : NULL;
	return 0;
}

/* The log, fresh or as a killed daemon left it. */
static int setup_rlog(struct blkback_queue *q)
{
	if (q->c.resume)
		return resume_rlog(q);
	/* without it the queue works; only a restart cannot resume */
	if (q->c.resume_log)
		q->rlog = blkback_rlog_create(q->c.resume_log, q->ring.nr_ents,
					      0);
	return 0;
}

static bool config_ok(const struct blkback_queue_config *c)
{
	return c->grants && c->img && c->sring &&
	       c->ring_order <= BLKBACK_MAX_RING_PAGE_ORDER &&
	       c->max_indirect_segs <= BLKBACK_MAX_INDIRECT_SEGMENTS;
}

struct blkback_queue *blkback_queue_create(const struct blkback_queue_config *c)
{
	struct blkback_queue *q;
	int ret;

	if (!config_ok(c)) {
		errno = EINVAL;
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->c = *c;
	q->stop_fd = -1;
	ret = xpv_blkif_back_attach(&q->ring, c->sring, c->ring_order);
	if (!ret) {
		set_limits(q);
		ret = alloc_pending(q);
	}
	ret = ret ?: setup_rlog(q);
	ret = ret ?: setup_grants(q);
	ret = ret ?: setup_uring(q);
	if (ret) {
		q->c.grants = NULL; /* the caller keeps it on failure */
		blkback_queue_destroy(q);
		errno = -ret;
		return NULL;
	}
	return q;
}

/* Let what was submitted finish: its buffers are about to go. */
static void drain(struct blkback_queue *q)
{
	q->stopping = true;
	while (q->uring_ready && q->data_inflight > 0)
		if (blkback_queue_poll(q, true) < 0)
			break;
	/* held, never started: answer it as failed, unless the log keeps
	 * it for the next daemon on this ring */
	if (q->stalled && !q->rlog) {
		q->stalled->verdict = -ESHUTDOWN;
		blkback_answer(q, q->stalled);
		q->stalled = NULL;
	}
	push_responses(q);
}

void blkback_queue_destroy(struct blkback_queue *q)
{
	if (!q)
		return;
	if (q->thread_started)
		blkback_queue_stop(q);
	drain(q);
	if (q->uring_ready)
		io_uring_queue_exit(&q->uring);
	if (q->stop_fd >= 0)
		close(q->stop_fd);
	blkback_pgrants_destroy(q->pc);
	blkback_bounce_fini(&q->bounce);
	blkback_grants_destroy(q->c.grants);
	blkback_rlog_close(q->rlog, false);
	free(q->pend);
	free(q->seg_store);
	free(q->iov_store);
	free(q->copy_segs);
	free(q->ext);
	free(q->slices);
	free(q->scratch);
	free(q);
}
