/*
 * blkfront.c - the block frontend (see blkfront.h).
 *
 * Every request has a record (struct bf_req) whose index is its blkif id;
 * there are as many as the largest connection the options allow has ring
 * slots, so a request never waits for a record without a slot too. Each
 * record owns one indirect page, granted once. Data lives in the pool,
 * granted once: a request takes a run of its pages, or (direct) names the
 * pages of a caller's buffer lent from the pool.
 *
 * The backend is not trusted either: a response's id must name a record
 * in flight on that ring, else it is ignored; an impossible response
 * producer index ends the connection (then reconnect and replay).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/blkfront.h"
#include "frontend/xenbus_dev.h"
#include "ring/blkif.h"
#include "ring/ring_poll.h"

#define MAX_QUEUES 4u
#define PAGE XPV_RING_PAGE_SIZE
#define SECTORS_PER_PAGE (PAGE >> 9)
/* 2 MiB: Linux's gntalloc lets a process grant 1024 pages in all */
#define DEFAULT_POOL 512u
/* The largest polling bound before a sleep (opts.poll_us). */
#define MAX_POLL_US 1000u

struct bf_queue {
	struct xpv_front_ring fr;
	int port;
	bool kick; /* pushed since the last notify check */
};

struct bf_req {
	uint8_t op; /* XPV_BLKIF_OP_* */
	bool busy, on_ring;
	bool answered; /* a leader's own part, waiting for the others */
	bool direct; /* its pages are a caller's buffer: no copy, not freed */
	uint16_t queue;
	uint64_t sector, nr_sectors;
	uint32_t len; /* bytes of data */
	void *buf; /* the caller's */
	blkfront_done_fn done;
	void *arg;
	int32_t pool_first;
	uint32_t npages;
	uint64_t seq; /* order of first submission, for a replay */
	uint32_t next_free;
	/* an I/O larger than one request is split into parts: each part
	 * names the first (its leader), which counts the parts not yet
	 * answered and keeps the first error */
	uint32_t leader;
	uint32_t parts;
	int gstatus;
};

struct blkfront {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	struct blkfront_opts o;
	struct blkfront_info info;
	struct bf_queue q[MAX_QUEUES];
	unsigned int nq, next_q;
	bool connected;
	struct bf_req *reqs;
	uint32_t nreqs, free_head;
	unsigned int inflight;
	uint64_t poll_backoff_until; /* CLOCK_MONOTONIC ns (spin_for_responses) */
	uint64_t seq;
	uint8_t *pool;
	hv_gref_t *pool_refs;
	uint64_t *pool_used;
	uint32_t *lent; /* pages of the buffer lent at each page, else 0 */
	uint8_t *ind; /* one page per record */
	hv_gref_t *ind_refs;
};

/* --- the pool ------------------------------------------------------------ */

static bool pool_bit(const struct blkfront *bf, uint32_t i)
{
	return bf->pool_used[i / 64] & (1ull << (i % 64));
}

static void pool_mark(struct blkfront *bf, uint32_t first, uint32_t n,
		      bool used)
{
	uint32_t i;

	for (i = first; i < first + n; i++) {
		if (used)
			bf->pool_used[i / 64] |= 1ull << (i % 64);
		else
			bf->pool_used[i / 64] &= ~(1ull << (i % 64));
	}
}

static int pool_alloc(struct blkfront *bf, uint32_t n)
{
	uint32_t i, run = 0;

	for (i = 0; i < bf->o.pool_pages; i++) {
		run = pool_bit(bf, i) ? 0 : run + 1;
		if (run == n) {
			pool_mark(bf, i + 1 - n, n, true);
			return (int)(i + 1 - n);
		}
	}
	return -EBUSY;
}

/* The highest free run of n pages at or above page floor (lent buffers
 * gather at the top). */
static int pool_alloc_top(struct blkfront *bf, uint32_t n, uint32_t floor)
{
	uint32_t i, run = 0;

	for (i = bf->o.pool_pages; i-- > floor;) {
		run = pool_bit(bf, i) ? 0 : run + 1;
		if (run == n) {
			pool_mark(bf, i, n, true);
			return (int)i;
		}
	}
	return -EBUSY;
}

/* --- buffers lent to the caller ----------------------------------------- */

/*
 * Lent buffers are taken from the top of the pool and never reach its
 * lowest max_io bytes, where requests take their runs from the bottom
 * up: a copied request of any size still finds room once those in
 * flight are answered, however much is lent.
 */
void *blkfront_buffer_alloc(struct blkfront *bf, size_t len)
{
	uint32_t n = (uint32_t)((len + PAGE - 1) / PAGE);
	uint32_t keep = (uint32_t)(bf->info.max_io / PAGE);
	int first = len && n <= bf->o.pool_pages ? pool_alloc_top(bf, n, keep) :
						   -1;

	if (first < 0) {
		errno = ENOMEM;
		return NULL;
	}
	bf->lent[first] = n;
	return bf->pool + (size_t)first * PAGE;
}

/* The pool page buf starts, or -1 if it does not start one. */
static int32_t pool_page_of(const struct blkfront *bf, const void *buf)
{
	uintptr_t at = (uintptr_t)buf, base = (uintptr_t)bf->pool;

	if (!buf || at < base || (at - base) % PAGE ||
	    (at - base) / PAGE >= bf->o.pool_pages)
		return -1;
	return (int32_t)((at - base) / PAGE);
}

size_t blkfront_buffer_len(const struct blkfront *bf, const void *buf)
{
	int32_t first = pool_page_of(bf, buf);

	return first < 0 ? 0 : (size_t)bf->lent[first] * PAGE;
}

void blkfront_buffer_free(struct blkfront *bf, void *buf)
{
	int32_t first = pool_page_of(bf, buf);

	if (first < 0 || !bf->lent[first])
		return;
	pool_mark(bf, (uint32_t)first, bf->lent[first], false);
	bf->lent[first] = 0;
}

/*
 * The first page of len bytes at buf when they lie in one lent buffer,
 * starting on one of its pages; else -1 (the I/O is copied). A lent
 * buffer's pages are found by walking back to its first page.
 */
static int32_t direct_page(const struct blkfront *bf, const void *buf,
			   size_t len)
{
	int32_t page = pool_page_of(bf, buf), first;

	if (page < 0 || !len)
		return -1;
	for (first = page; first >= 0 && !bf->lent[first]; first--)
		if (!pool_bit(bf, (uint32_t)first))
			return -1; /* a free page: not in a buffer */
	if (first < 0 || (uint64_t)(page - first) * PAGE + len >
				 (uint64_t)bf->lent[first] * PAGE)
		return -1;
	return page;
}

/* --- records ---------------------------------------------------------------- */

static struct bf_req *req_alloc(struct blkfront *bf)
{
	struct bf_req *r;

	if (bf->free_head == UINT32_MAX)
		return NULL;
	r = &bf->reqs[bf->free_head];
	bf->free_head = r->next_free;
	memset(r, 0, sizeof(*r));
	r->busy = true;
	r->pool_first = -1;
	r->leader = UINT32_MAX;
	return r;
}

static uint32_t req_id(const struct blkfront *bf, const struct bf_req *r)
{
	return (uint32_t)(r - bf->reqs);
}

static void req_free(struct blkfront *bf, struct bf_req *r)
{
	if (r->pool_first >= 0 && !r->direct)
		pool_mark(bf, (uint32_t)r->pool_first, r->npages, false);
	r->busy = false;
	r->next_free = bf->free_head;
	bf->free_head = req_id(bf, r);
}

static uint8_t *req_data(struct blkfront *bf, const struct bf_req *r)
{
	return bf->pool + (size_t)r->pool_first * PAGE;
}

/* --- putting a request on a ring ------------------------------------------ */

static void fill_segs(struct blkfront *bf, const struct bf_req *r,
		      struct xpv_blkif_request_segment *seg)
{
	uint64_t left = r->len >> 9;
	uint32_t i;

	for (i = 0; i < r->npages; i++) {
		uint64_t n = left < SECTORS_PER_PAGE ? left : SECTORS_PER_PAGE;

		seg[i].gref = bf->pool_refs[r->pool_first + (int32_t)i];
		seg[i].first_sect = 0;
		seg[i].last_sect = (uint8_t)(n - 1);
		left -= n;
	}
}

static void build(struct blkfront *bf, const struct bf_req *r, void *slot)
{
	union {
		struct xpv_blkif_request rw;
		struct xpv_blkif_request_discard d;
		struct xpv_blkif_request_indirect in;
	} u;

	memset(&u, 0, sizeof(u));
	if (r->op == XPV_BLKIF_OP_DISCARD) {
		u.d.operation = r->op;
		u.d.id = req_id(bf, r);
		u.d.sector_number = r->sector;
		u.d.nr_sectors = r->nr_sectors;
	} else if (r->npages > XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		u.in.operation = XPV_BLKIF_OP_INDIRECT;
		u.in.indirect_op = r->op;
		u.in.nr_segments = (uint16_t)r->npages;
		u.in.id = req_id(bf, r);
		u.in.sector_number = r->sector;
		u.in.indirect_grefs[0] = bf->ind_refs[req_id(bf, r)];
		fill_segs(bf, r,
			  (void *)(bf->ind + (size_t)req_id(bf, r) * PAGE));
	} else {
		u.rw.operation = r->op;
		u.rw.nr_segments = (uint8_t)r->npages;
		u.rw.id = req_id(bf, r);
		u.rw.sector_number = r->sector;
		fill_segs(bf, r, u.rw.seg);
	}
	memcpy(slot, &u, sizeof(struct xpv_blkif_request));
}

/* The queue with the most free slots, round robin among equals. */
static struct bf_queue *pick_queue(struct blkfront *bf, uint16_t *index)
{
	unsigned int i, best = 0, best_free = 0;

	for (i = 0; i < bf->nq; i++) {
		unsigned int k = (bf->next_q + i) % bf->nq;
		unsigned int f = xpv_front_free_requests(&bf->q[k].fr);

		if (f > best_free) {
			best = k;
			best_free = f;
		}
	}
	if (!best_free)
		return NULL;
	bf->next_q = (best + 1) % bf->nq;
	*index = (uint16_t)best;
	return &bf->q[best];
}

static int push(struct blkfront *bf, struct bf_req *r)
{
	struct bf_queue *q;
	uint16_t qi;

	if (!bf->connected)
		return 0; /* sent at the reconnection */
	q = pick_queue(bf, &qi);
	if (!q)
		return -EBUSY;
	/* published at the next kick, which also decides on the notify */
	build(bf, r, xpv_front_next_request(&q->fr));
	q->kick = true;
	r->queue = qi;
	r->on_ring = true;
	return 0;
}

/* Free ring slots (as many as there are records while disconnected:
 * everything waits for the reconnection then). */
static unsigned int room(struct blkfront *bf)
{
	unsigned int i, n = 0;

	if (!bf->connected)
		return bf->nreqs;
	for (i = 0; i < bf->nq; i++)
		n += xpv_front_free_requests(&bf->q[i].fr);
	return n;
}

/* A record and its pool pages for len bytes (the caller's from page
 * direct on, when it is not -1), or NULL (-EBUSY). */
static struct bf_req *take_part(struct blkfront *bf, size_t len, int32_t direct)
{
	uint32_t npages = (uint32_t)((len + PAGE - 1) / PAGE);
	int first = direct >= 0 ? direct : npages ? pool_alloc(bf, npages) : -1;
	struct bf_req *r;

	if (npages && first < 0)
		return NULL;
	r = req_alloc(bf);
	if (!r) {
		if (first >= 0 && direct < 0)
			pool_mark(bf, (uint32_t)first, npages, false);
		return NULL;
	}
	r->direct = direct >= 0;
	r->pool_first = first;
	r->npages = npages;
	r->len = (uint32_t)len;
	return r;
}

static int submit(struct blkfront *bf, uint8_t op, uint64_t off,
		  const void *wbuf, void *rbuf, size_t len,
		  blkfront_done_fn done, void *arg)
{
	size_t max = bf->info.max_io, n = len ? (len + max - 1) / max : 1;
	int32_t direct = direct_page(bf, wbuf ? wbuf : rbuf, len);
	struct bf_req *part[64] = { NULL };
	size_t i, at;

	if ((off | len) & 511 || (op != XPV_BLKIF_OP_FLUSH_DISKCACHE && !len))
		return -EINVAL;
	if (n > 64)
		return -E2BIG;
	if (room(bf) < n)
		return -EBUSY;
	for (i = 0; i < n; i++) {
		/* max_io is whole pages: each part starts on a page */
		part[i] = take_part(
			bf, len - i * max < max ? len - i * max : max,
			direct < 0 ? -1 : direct + (int32_t)(i * max / PAGE));
		if (!part[i]) {
			while (i-- > 0)
				req_free(bf, part[i]);
			return -EBUSY;
		}
	}
	for (i = 0, at = 0; i < n; at += part[i]->len, i++) {
		struct bf_req *r = part[i];

		r->op = op;
		r->sector = (off + at) >> 9;
		r->buf = rbuf ? (uint8_t *)rbuf + at : NULL;
		r->seq = bf->seq++;
		if (n > 1)
			r->leader = req_id(bf, part[0]);
		if (wbuf && !r->direct) {
			memcpy(req_data(bf, r), (const uint8_t *)wbuf + at,
			       r->len);
			bf->info.copied += r->len;
		}
		bf->inflight++;
	}
	part[0]->done = done;
	part[0]->arg = arg;
	part[0]->parts = (uint32_t)n;
	for (i = 0; i < n; i++)
		push(bf, part[i]); /* room was checked */
	return 0;
}

int blkfront_read(struct blkfront *bf, uint64_t off, void *buf, size_t len,
		  blkfront_done_fn done, void *arg)
{
	return submit(bf, XPV_BLKIF_OP_READ, off, NULL, buf, len, done, arg);
}

int blkfront_write(struct blkfront *bf, uint64_t off, const void *buf,
		   size_t len, blkfront_done_fn done, void *arg)
{
	if (bf->info.readonly)
		return -EROFS;
	return submit(bf, XPV_BLKIF_OP_WRITE, off, buf, NULL, len, done, arg);
}

int blkfront_flush(struct blkfront *bf, blkfront_done_fn done, void *arg)
{
	if (!bf->info.flush)
		return -EOPNOTSUPP;
	return submit(bf, XPV_BLKIF_OP_FLUSH_DISKCACHE, 0, NULL, NULL, 0, done,
		      arg);
}

int blkfront_discard(struct blkfront *bf, uint64_t off, uint64_t len,
		     blkfront_done_fn done, void *arg)
{
	struct bf_req *r;

	if (!bf->info.discard)
		return -EOPNOTSUPP;
	if ((off | len) & 511 || !len)
		return -EINVAL;
	if (!room(bf) || !(r = req_alloc(bf)))
		return -EBUSY;
	r->parts = 1;
	r->op = XPV_BLKIF_OP_DISCARD;
	r->sector = off >> 9;
	r->nr_sectors = len >> 9;
	r->done = done;
	r->arg = arg;
	r->seq = bf->seq++;
	bf->inflight++;
	return push(bf, r);
}

int blkfront_kick(struct blkfront *bf)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(bf->dev);
	unsigned int i;

	for (i = 0; i < bf->nq && bf->connected; i++) {
		struct bf_queue *q = &bf->q[i];

		if (!q->kick)
			continue;
		q->kick = false;
		if (xpv_front_push_requests_and_check_notify(&q->fr)) {
			int err = hv_evtchn_notify(ev, (hv_port_t)q->port);

			if (err)
				return err;
		}
	}
	return 0;
}

/* --- completions -------------------------------------------------------- */

static int status_of(int16_t st)
{
	return st == XPV_BLKIF_RSP_OKAY	      ? 0 :
	       st == XPV_BLKIF_RSP_EOPNOTSUPP ? -EOPNOTSUPP :
						-EIO;
}

static void complete(struct blkfront *bf, struct bf_req *r, int status)
{
	struct bf_req *lead = r->leader == UINT32_MAX ? r :
							&bf->reqs[r->leader];
	blkfront_done_fn done;
	void *arg;

	if (!status && r->op == XPV_BLKIF_OP_READ && r->buf && !r->direct) {
		memcpy(r->buf, req_data(bf, r), r->len);
		bf->info.copied += r->len;
	}
	if (status && !lead->gstatus)
		lead->gstatus = status;
	r->answered = true;
	if (r != lead) {
		req_free(bf, r);
		bf->inflight--;
	}
	if (--lead->parts > 0)
		return; /* the leader waits for its other parts */
	done = lead->done;
	arg = lead->arg;
	status = lead->gstatus;
	req_free(bf, lead);
	bf->inflight--;
	if (done)
		done(arg, status);
}

/* Take every answer on queue qi; -EIO when its index is impossible. */
static int take_responses(struct blkfront *bf, unsigned int qi)
{
	struct bf_queue *q = &bf->q[qi];
	struct xpv_blkif_response rsp;
	int n, done = 0;

	while ((n = xpv_front_final_check_for_responses(&q->fr)) > 0) {
		while (n-- > 0) {
			struct bf_req *r;

			xpv_front_take_response(&q->fr, &rsp);
			if (rsp.id >= bf->nreqs)
				continue; /* not ours: ignored */
			r = &bf->reqs[rsp.id];
			if (!r->busy || !r->on_ring || r->queue != qi)
				continue;
			r->on_ring = false;
			complete(bf, r, status_of(rsp.status));
			done++;
		}
	}
	return n < 0 ? -EIO : done;
}

static int take_all(struct blkfront *bf, bool *broken)
{
	unsigned int i;
	int n, total = 0;

	for (i = 0; i < bf->nq && bf->connected; i++) {
		n = take_responses(bf, i);
		if (n < 0)
			*broken = true;
		else
			total += n;
	}
	return total;
}

/* --- the handshake ------------------------------------------------------- */

struct keys {
	struct xenbus_dev_key k[80];
	char v[80][64];
	unsigned int n;
};

static void key(struct keys *ks, const char *k, const char *fmt,
		unsigned long v)
{
	snprintf(ks->v[ks->n], sizeof(ks->v[0]), fmt, v);
	ks->k[ks->n].key = strdup(k);
	ks->k[ks->n].value = ks->v[ks->n];
	ks->n++;
}

static void free_keys(struct keys *ks)
{
	unsigned int i;

	for (i = 0; i < ks->n; i++)
		free((char *)ks->k[i].key);
}

static unsigned long backend_uint(struct blkfront *bf, const char *k,
				  unsigned long max, unsigned long dflt)
{
	unsigned long v;

	return xenbus_dev_read_backend_uint(bf->dev, k, max, &v) ? dflt : v;
}

/* One queue's ring and port, its keys under prefix ("" or "queue-N/"). */
static int make_queue(struct blkfront *bf, unsigned int i, unsigned int order,
		      struct keys *ks)
{
	hv_gref_t refs[1u << XENBUS_DEV_MAX_RING_ORDER];
	char prefix[24] = "", name[64];
	struct xpv_sring *s;
	unsigned int p;
	int port;

	if (bf->nq > 1)
		snprintf(prefix, sizeof(prefix), "queue-%u/", i);
	s = xenbus_dev_grant_ring(bf->dev, order, refs);
	if (!s)
		return -errno;
	xpv_sring_init(s);
	if (xpv_blkif_front_attach(&bf->q[i].fr, s, order))
		return -EINVAL;
	port = xenbus_dev_alloc_port(bf->dev);
	if (port < 0)
		return port;
	bf->q[i].port = port;
	bf->q[i].kick = false;
	if (order == 0) {
		snprintf(name, sizeof(name), "%sring-ref", prefix);
		key(ks, name, "%lu", refs[0]);
	}
	for (p = 0; order && p < (1u << order); p++) {
		snprintf(name, sizeof(name), "%sring-ref%u", prefix, p);
		key(ks, name, "%lu", refs[p]);
	}
	snprintf(name, sizeof(name), "%sevent-channel", prefix);
	key(ks, name, "%lu", (unsigned long)port);
	return 0;
}

static void read_features(struct blkfront *bf)
{
	struct blkfront_info *in = &bf->info;
	unsigned long info = backend_uint(bf, "info", 0xffff, 0);
	unsigned long segs, sectors;

	in->sectors = xenbus_dev_read_backend_uint(bf->dev, "sectors", ~0ul,
						   &sectors) ?
			      0 :
			      sectors;
	in->sector_size =
		(unsigned int)backend_uint(bf, "sector-size", 4096, 512);
	in->readonly = info & XPV_VDISK_READONLY;
	in->flush = backend_uint(bf, "feature-flush-cache", 1, 0) ||
		    backend_uint(bf, "feature-barrier", 1, 0);
	in->discard = backend_uint(bf, "feature-discard", 1, 0);
	segs = bf->o.no_indirect ?
		       0 :
		       backend_uint(bf, "feature-max-indirect-segments", 65536,
				    0);
	if (segs > XPV_BLKIF_SEGS_PER_INDIRECT_FRAME)
		segs = XPV_BLKIF_SEGS_PER_INDIRECT_FRAME; /* one page each */
	in->max_indirect = segs > XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST ?
				   (unsigned int)segs :
				   0;
	in->persistent = !bf->o.no_persistent &&
			 backend_uint(bf, "feature-persistent", 1, 0);
	in->max_io = (size_t)(in->max_indirect ?:
				      XPV_BLKIF_MAX_SEGMENTS_PER_REQUEST) *
		     PAGE;
	if (in->max_io > (size_t)bf->o.pool_pages * PAGE)
		in->max_io = (size_t)bf->o.pool_pages * PAGE;
}

static int publish(struct blkfront *bf, unsigned int order)
{
	struct keys *ks = calloc(1, sizeof(*ks));
	unsigned int i;
	int ret = ks ? 0 : -ENOMEM;

	for (i = 0; !ret && i < bf->nq; i++)
		ret = make_queue(bf, i, order, ks);
	if (!ret) {
		if (order)
			key(ks, "ring-page-order", "%lu", order);
		if (bf->nq > 1)
			key(ks, "multi-queue-num-queues", "%lu", bf->nq);
		key(ks, "feature-persistent", "%lu", !bf->o.no_persistent);
		ks->k[ks->n].key = strdup("protocol");
		ks->k[ks->n].value = "x86_64-abi";
		ks->n++;
		ret = xenbus_dev_publish(bf->dev, ks->k, ks->n,
					 XPV_XENBUS_STATE_INITIALISED);
	}
	if (ks)
		free_keys(ks);
	free(ks);
	return ret;
}

static int bf_connect(struct blkfront *bf)
{
	unsigned long max_order, max_q;
	unsigned int order;
	int st, ret;

	ret = xenbus_dev_switch(bf->dev, XPV_XENBUS_STATE_INITIALISING);
	if (ret)
		return ret;
	st = xenbus_dev_wait(bf->dev,
			     XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
			     bf->o.timeout_ms);
	if (st < 0)
		return st;
	max_order = backend_uint(bf, "max-ring-page-order", 16, 0);
	max_q = backend_uint(bf, "multi-queue-max-queues", 64, 1);
	order = bf->o.ring_order < max_order ? bf->o.ring_order :
					       (unsigned int)max_order;
	bf->nq = bf->o.queues < max_q ? bf->o.queues : (unsigned int)max_q;
	if (bf->nq < 1)
		bf->nq = 1;
	ret = publish(bf, order);
	if (ret)
		return ret;
	st = xenbus_dev_wait(
		bf->dev,
		XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED) |
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING) |
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED),
		bf->o.timeout_ms);
	if (st < 0)
		return st;
	if (st != XPV_XENBUS_STATE_CONNECTED)
		return -ECONNREFUSED;
	read_features(bf);
	bf->info.queues = bf->nq;
	bf->info.ring_order = order;
	ret = xenbus_dev_switch(bf->dev, XPV_XENBUS_STATE_CONNECTED);
	if (!ret)
		bf->connected = true;
	return ret;
}

/* Send again, in their first order, the requests not answered. */
static int replay(struct blkfront *bf)
{
	uint64_t last = 0;
	bool first = true;
	uint32_t i, best;
	int ret;

	for (;;) {
		best = UINT32_MAX;
		for (i = 0; i < bf->nreqs; i++) {
			const struct bf_req *r = &bf->reqs[i];

			if (r->busy && !r->on_ring && !r->answered &&
			    (first || r->seq > last) &&
			    (best == UINT32_MAX || r->seq < bf->reqs[best].seq))
				best = i;
		}
		if (best == UINT32_MAX)
			return 0;
		ret = push(bf, &bf->reqs[best]);
		if (ret)
			return ret;
		last = bf->reqs[best].seq;
		first = false;
	}
}

static int reconnect(struct blkfront *bf)
{
	bool broken = false;
	uint32_t i;
	int ret;

	take_all(bf, &broken); /* what the old backend answered counts */
	bf->connected = false;
	for (i = 0; i < bf->nreqs; i++)
		bf->reqs[i].on_ring = false;
	if (xenbus_dev_disconnect(bf->dev, bf->o.timeout_ms))
		fprintf(stderr, "blkfront: %s: disconnect incomplete\n",
			xenbus_dev_dir(bf->dev));
	ret = bf_connect(bf);
	if (ret)
		return ret;
	bf->info.reconnects++;
	ret = replay(bf);
	blkfront_kick(bf);
	return ret;
}

/* --- polling --------------------------------------------------------------- */

/* Watch events: the backend's state. True when it left Connected. */
static bool backend_left(struct blkfront *bf)
{
	char *path, *token;
	bool ours = false;
	int st;

	while (xenbus_read_event(bf->xb, &path, &token) == 0) {
		ours |= !strcmp(token, xenbus_dev_token(bf->dev));
		free(path); /* and token: one allocation */
	}
	if (!ours)
		return false;
	st = xenbus_dev_backend_state(bf->dev);
	return st != XPV_XENBUS_STATE_CONNECTED;
}

/* At most one look a port: a look that finds none costs a system call,
 * and an event that comes later wakes the next poll again. */
static void drain_evtchn(struct blkfront *bf)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(bf->dev);
	unsigned int i;
	int port;

	for (i = 0; i < bf->nq; i++) {
		port = hv_evtchn_pending(ev);
		if (port < 0)
			break;
		if (hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
			break; /* the device is going: its ring says so */
	}
}

/* Whether the store's fd has an event, without waiting. */
static bool store_ready(struct blkfront *bf)
{
	struct pollfd p = { .fd = xenbus_event_fd(bf->xb), .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Whether a ring has a response (or a broken index) to take. */
static bool responses_waiting(const struct blkfront *bf)
{
	unsigned int i;

	for (i = 0; i < bf->nq; i++)
		if (xpv_front_peek_responses(&bf->q[i].fr, NULL) != 0)
			return true;
	return false;
}

static bool responses_ready(void *bf)
{
	return responses_waiting(bf);
}

/*
 * Look at the rings' rsp_prod for at most opts.poll_us before sleeping:
 * a sleep costs a wake-up across vCPUs and a wait on the run queue when
 * the backend answers, often tens of microseconds (docs/block.md,
 * "Polling"). Only with requests in flight: an idle device never spins.
 * Polling pays only while a CPU is free for the backend: it yields
 * between looks, and a poll that lost its CPU to another thread stops
 * polling for a while (ring/ring_poll.h).
 */
static bool spin_for_responses(struct blkfront *bf)
{
	if (!bf->o.poll_us || !bf->inflight || !bf->connected)
		return false;
	return xpv_ring_poll(responses_ready, bf, bf->o.poll_us,
			     &bf->poll_backoff_until);
}

int blkfront_poll(struct blkfront *bf, int timeout_ms)
{
	struct pollfd pfd[2];
	bool broken = false, store = false;
	int n;

	blkfront_kick(bf);
	/* Called by an event loop whose poll saw an fd ready (blkfront_fds):
	 * take the notifications, or the fd stays ready; and look at the
	 * store if its fd is the one (a restarted backend) */
	if (timeout_ms == 0) {
		drain_evtchn(bf);
		store = store_ready(bf);
	}
	n = take_all(bf, &broken);
	if (!n && !broken && timeout_ms != 0 && spin_for_responses(bf))
		n = take_all(bf, &broken);
	if (!n && !broken && timeout_ms != 0) {
		pfd[0].fd = hv_evtchn_fd(xenbus_dev_evtchn(bf->dev));
		pfd[0].events = POLLIN;
		pfd[1].fd = xenbus_event_fd(bf->xb);
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, timeout_ms) < 0 && errno != EINTR)
			return -errno;
		if (pfd[0].revents)
			drain_evtchn(bf);
		n = take_all(bf, &broken);
		/* the store only when it has something: each look at it is a
		 * system call */
		store = pfd[1].revents != 0;
	}
	if (broken || (store && backend_left(bf)) || !bf->connected) {
		int ret = reconnect(bf);

		if (ret)
			return ret == -ETIMEDOUT ? -ENOTCONN : ret;
	}
	return n;
}

void blkfront_fds(const struct blkfront *bf, int fds[2])
{
	fds[0] = hv_evtchn_fd(xenbus_dev_evtchn(bf->dev));
	fds[1] = xenbus_event_fd(bf->xb);
}

unsigned int blkfront_inflight(const struct blkfront *bf)
{
	return bf->inflight;
}

void blkfront_get_info(const struct blkfront *bf, struct blkfront_info *info)
{
	*info = bf->info;
}

/* --- opening and closing -------------------------------------------------- */

static int alloc_records(struct blkfront *bf)
{
	hv_domid_t be = xenbus_dev_backend_id(bf->dev);
	uint32_t i;

	bf->nreqs = bf->o.queues * xpv_blkif_ring_entries(bf->o.ring_order);
	bf->reqs = calloc(bf->nreqs, sizeof(*bf->reqs));
	bf->pool_refs = calloc(bf->o.pool_pages, sizeof(*bf->pool_refs));
	bf->pool_used = calloc((bf->o.pool_pages + 63) / 64, 8);
	bf->lent = calloc(bf->o.pool_pages, sizeof(*bf->lent));
	bf->ind_refs = calloc(bf->nreqs, sizeof(*bf->ind_refs));
	if (!bf->reqs || !bf->pool_refs || !bf->pool_used || !bf->lent ||
	    !bf->ind_refs)
		return -ENOMEM;
	bf->pool = hv_share_pages(bf->hv, be, bf->o.pool_pages, true,
				  bf->pool_refs);
	/* writable although the backend only reads them: a backend with
	 * persistent grants maps every grant writable (Linux xen-blkback
	 * does, indirect pages included) */
	bf->ind = hv_share_pages(bf->hv, be, bf->nreqs, true, bf->ind_refs);
	if (!bf->pool || !bf->ind)
		return -errno;
	for (i = 0; i < bf->nreqs; i++)
		bf->reqs[i].next_free = i + 1 < bf->nreqs ? i + 1 : UINT32_MAX;
	bf->free_head = 0;
	return 0;
}

static void free_all(struct blkfront *bf)
{
	/* A page dom0 still maps stays granted (and ours) until the domain
	 * goes: nothing more to do about it here. */
	if (bf->pool && hv_unshare_pages(bf->hv, bf->pool, bf->o.pool_pages))
		bf->pool = NULL;
	if (bf->ind && hv_unshare_pages(bf->hv, bf->ind, bf->nreqs))
		bf->ind = NULL;
	if (bf->dev)
		xenbus_dev_close(bf->dev);
	free(bf->reqs);
	free(bf->pool_refs);
	free(bf->pool_used);
	free(bf->lent);
	free(bf->ind_refs);
	free(bf);
}

struct blkfront *blkfront_open(struct hv *hv, struct xenbus *xb,
			       const char *dir,
			       const struct blkfront_opts *opts)
{
	struct blkfront *bf = calloc(1, sizeof(*bf));
	int ret;

	if (!bf)
		return NULL;
	bf->hv = hv;
	bf->xb = xb;
	if (opts)
		bf->o = *opts;
	bf->o.queues = bf->o.queues ?: 1;
	if (bf->o.queues > MAX_QUEUES)
		bf->o.queues = MAX_QUEUES;
	if (bf->o.ring_order > XENBUS_DEV_MAX_RING_ORDER)
		bf->o.ring_order = XENBUS_DEV_MAX_RING_ORDER;
	bf->o.pool_pages = bf->o.pool_pages ?: DEFAULT_POOL;
	bf->o.timeout_ms = bf->o.timeout_ms ?: 10000;
	if (bf->o.poll_us > MAX_POLL_US)
		bf->o.poll_us = MAX_POLL_US;
	bf->dev = xenbus_dev_open(hv, xb, dir);
	ret = bf->dev ? alloc_records(bf) : -errno;
	if (!ret)
		ret = bf_connect(bf);
	if (ret) {
		free_all(bf);
		errno = -ret;
		return NULL;
	}
	return bf;
}

void blkfront_close(struct blkfront *bf)
{
	long long spins = 0;

	if (!bf)
		return;
	while (bf->inflight && bf->connected && spins++ < 100)
		if (blkfront_poll(bf, 100) < 0)
			break;
	if (xenbus_dev_disconnect(bf->dev, bf->o.timeout_ms))
		fprintf(stderr, "blkfront: %s: close incomplete\n",
			xenbus_dev_dir(bf->dev));
	free_all(bf);
}

/* --- synchronous helpers ---------------------------------------------------- */

static void sync_done(void *arg, int status)
{
	int *st = arg;

	*st = status;
}

static int wait_for(struct blkfront *bf, int *st)
{
	int ret;

	blkfront_kick(bf);
	while (*st == 1) {
		ret = blkfront_poll(bf, 1000);
		if (ret < 0)
			return ret;
	}
	return *st;
}

/* What the synchronous helpers send at once: several requests' worth
 * (split by submit), at most half the pool. */
static size_t sync_chunk(const struct blkfront *bf)
{
	size_t chunk = bf->info.max_io * 8,
	       half = (size_t)bf->o.pool_pages * PAGE / 2;

	return chunk < half ? chunk : half;
}

/* In chunks, one after the other. */
int blkfront_pread(struct blkfront *bf, void *buf, size_t len, uint64_t off)
{
	size_t done, n;
	int st, ret = 0;

	for (done = 0; !ret && done < len; done += n) {
		n = len - done < sync_chunk(bf) ? len - done : sync_chunk(bf);
		st = 1;
		ret = blkfront_read(bf, off + done, (uint8_t *)buf + done, n,
				    sync_done, &st);
		ret = ret ?: wait_for(bf, &st);
	}
	return ret;
}

int blkfront_pwrite(struct blkfront *bf, const void *buf, size_t len,
		    uint64_t off)
{
	size_t done, n;
	int st, ret = 0;

	for (done = 0; !ret && done < len; done += n) {
		n = len - done < sync_chunk(bf) ? len - done : sync_chunk(bf);
		st = 1;
		ret = blkfront_write(bf, off + done,
				     (const uint8_t *)buf + done, n, sync_done,
				     &st);
		ret = ret ?: wait_for(bf, &st);
	}
	return ret;
}

int blkfront_sync(struct blkfront *bf)
{
	int st = 1, ret = blkfront_flush(bf, sync_done, &st);

	return ret ?: wait_for(bf, &st);
}
