/*
 * blk-hostile.c - a hostile blkfront, as a sim guest: it connects
 * device/vbd/51712 properly, then sends what a seeded generator makes of
 * the blkif protocol (random operations and segment counts, sectors past
 * the end and wrapping, grefs never granted or granted read-only, indirect
 * pages full of garbage, whole slots of random bytes, floods of the full
 * ring), and at the end a producer index past the ring. What it checks of
 * the backend: every batch is answered within 5 s (no hang), no answer
 * carries an id that is not in flight, a well-formed request mixed in
 * still works, and the impossible index gets the device closed with an
 * `error` node.
 *
 * With "mq", it first offers multi-queue connects that fail part-way:
 * for every N from 2 to the backend's multi-queue-max-queues and every
 * queue i < N, queue i without keys, with a ring never granted, or with
 * a port not offered to dom0 (the others sane, so the backend has
 * started queues 0..i-1 when i fails), then N = max + 1. Each must get
 * the device closed with an `error` naming the fault, and the device
 * must connect again after it.
 *
 *   xpv-blk-hostile SEED ROUNDS [mq]
 * Prints "hostile: done failures=N sent=N answered=N".
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/xenbus_dev.h"
#include "ring/blkif.h"

#define DEV "device/vbd/51712"
#define DATA 16

static int failures;
static unsigned long sent, answered;

struct hostile {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	struct xenbus_dev_ring ring;
	struct xpv_front_ring fr;
	uint8_t *data, *ind;
	hv_gref_t data_refs[DATA], ind_ref, ro_ref;
	uint8_t inflight[65536 / 8]; /* ids sent, by the low 16 bits */
	uint64_t rng;
};

static void say_fail(const char *what)
{
	printf("FAIL %s\n", what);
	fflush(stdout);
	failures++;
}

static uint32_t rnd(struct hostile *h)
{
	h->rng ^= h->rng << 13;
	h->rng ^= h->rng >> 7;
	h->rng ^= h->rng << 17;
	return (uint32_t)(h->rng >> 16);
}

static hv_gref_t any_gref(struct hostile *h)
{
	switch (rnd(h) % 4) {
	case 0:
		return rnd(h); /* anything */
	case 1:
		return h->ro_ref; /* granted read-only */
	case 2:
		return h->ind_ref;
	default:
		return h->data_refs[rnd(h) % DATA];
	}
}

static void random_segs(struct hostile *h, struct xpv_blkif_request_segment *s,
			unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		s[i].gref = any_gref(h);
		s[i].first_sect = (uint8_t)(rnd(h) % 10);
		s[i].last_sect = (uint8_t)(rnd(h) % 10);
	}
}

static uint64_t any_sector(struct hostile *h)
{
	switch (rnd(h) % 4) {
	case 0:
		return UINT64_MAX - rnd(h) % 16;
	case 1:
		return ((uint64_t)rnd(h) << 32) | rnd(h);
	default:
		return rnd(h) % 4096;
	}
}

/* One request of the generator's choosing, with id. */
static void make(struct hostile *h, void *slot, uint64_t id)
{
	union {
		struct xpv_blkif_request rw;
		struct xpv_blkif_request_discard d;
		struct xpv_blkif_request_indirect in;
		uint8_t raw[sizeof(struct xpv_blkif_request)];
	} u;
	unsigned int i, kind = rnd(h) % 6;

	memset(&u, 0, sizeof(u));
	if (kind == 0) { /* random bytes */
		for (i = 0; i < sizeof(u.raw); i++)
			u.raw[i] = (uint8_t)rnd(h);
	} else if (kind == 1 || kind == 5) { /* read/write, maybe fine */
		u.rw.operation = (uint8_t)(rnd(h) % 2);
		u.rw.nr_segments =
			(uint8_t)(kind == 5 ? 1 + rnd(h) % 11 : rnd(h) % 14);
		u.rw.sector_number = kind == 5 ? rnd(h) % 4096 : any_sector(h);
		if (kind == 5)
			for (i = 0; i < u.rw.nr_segments; i++)
				u.rw.seg[i] = (struct xpv_blkif_request_segment){
					h->data_refs[rnd(h) % DATA], 0, 7
				};
		else
			random_segs(h, u.rw.seg, 11);
	} else if (kind == 2) { /* indirect, its page garbage */
		u.in.operation = XPV_BLKIF_OP_INDIRECT;
		u.in.indirect_op = (uint8_t)(rnd(h) % 4);
		u.in.nr_segments = (uint16_t)(rnd(h) % 300);
		u.in.sector_number = any_sector(h);
		for (i = 0; i < 8; i++)
			u.in.indirect_grefs[i] = i == 0 ? h->ind_ref :
							  any_gref(h);
		random_segs(h, (void *)h->ind, 512);
	} else if (kind == 3) {
		u.d.operation = XPV_BLKIF_OP_DISCARD;
		u.d.flag = (uint8_t)(rnd(h) % 2);
		u.d.sector_number = any_sector(h);
		u.d.nr_sectors = rnd(h) % 3 ? rnd(h) % 64 : any_sector(h);
	} else { /* flush, barrier, unknown */
		u.rw.operation = (uint8_t)(2 + rnd(h) % 6);
		u.rw.nr_segments = (uint8_t)(rnd(h) % 3);
		random_segs(h, u.rw.seg, 2);
	}
	u.rw.id = id;
	memcpy(slot, &u, sizeof(u));
}

static int wait_answers(struct hostile *h, unsigned int outstanding)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(h->dev);
	struct pollfd pfd = { .fd = hv_evtchn_fd(ev), .events = POLLIN };
	struct xpv_blkif_response rsp;
	int n, port, spins = 0;

	while (outstanding > 0) {
		n = xpv_front_final_check_for_responses(&h->fr);
		if (n < 0)
			return n;
		while (n-- > 0) {
			xpv_front_take_response(&h->fr, &rsp);
			if (!(h->inflight[(rsp.id & 0xffff) / 8] &
			      (1u << (rsp.id % 8))))
				say_fail("an answer for an id not in flight");
			h->inflight[(rsp.id & 0xffff) / 8] &=
				(uint8_t) ~(1u << (rsp.id % 8));
			outstanding--;
			answered++;
		}
		if (!outstanding)
			break;
		if (poll(&pfd, 1, 100) == 0 && ++spins > 50)
			return -ETIMEDOUT;
		while ((port = hv_evtchn_pending(ev)) >= 0)
			if (hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
				return -EIO;
	}
	return 0;
}

static int batch(struct hostile *h, uint64_t *next_id)
{
	unsigned int n = 0;

	while (!xpv_front_full(&h->fr)) {
		uint64_t id = (*next_id)++ & 0xffff;

		make(h, xpv_front_next_request(&h->fr), id);
		h->inflight[id / 8] |= (uint8_t)(1u << (id % 8));
		n++;
		if (rnd(h) % 4 == 0)
			break; /* sometimes a partial batch */
	}
	sent += n;
	if (xpv_front_push_requests_and_check_notify(&h->fr) &&
	    hv_evtchn_notify(xenbus_dev_evtchn(h->dev),
			     (hv_port_t)h->ring.port) < 0)
		return -EIO;
	return wait_answers(h, n);
}

/* A producer index past the ring: the backend must close the device. */
static void break_ring(struct hostile *h)
{
	char err[128];
	int st;

	__atomic_store_n(&h->fr.sring->req_prod,
			 h->fr.rsp_cons + h->fr.nr_ents + 7, __ATOMIC_RELEASE);
	if (hv_evtchn_notify(xenbus_dev_evtchn(h->dev),
			     (hv_port_t)h->ring.port) < 0) {
		say_fail("notifying the backend of the broken ring");
		return;
	}
	st = xenbus_dev_wait(h->dev,
			     XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING) |
				     XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED),
			     10000);
	if (st < 0)
		say_fail("the broken ring did not close the device");
	else if (xenbus_dev_backend_error(h->dev, err, sizeof(err)))
		say_fail("no error node for the broken ring");
	else
		printf("ok closed: %s\n", err);
}

/* --- multi-queue connects that fail part-way ---------------------------- */

enum mq_fault { MQ_NO_KEYS, MQ_BAD_REF, MQ_BAD_PORT, MQ_FAULTS, MQ_NONE };

#define MQ_UNGRANTED 65000u /* a gref this guest never granted */
#define MQ_UNOFFERED 3000u /* + the round: ports this guest never offered */
#define MQ_WAIT_MS 10000

struct mq_keys {
	struct xenbus_dev_key kv[2 + 2 * XENBUS_DEV_MAX_RINGS];
	char names[XENBUS_DEV_MAX_RINGS][2][32];
	char values[XENBUS_DEV_MAX_RINGS][2][16];
	char nq[16];
	unsigned int n;
};

/* A granted ring and an offered port for queue q, its keys into k
 * unless `fault` says otherwise. */
static int mq_queue(struct hostile *h, struct mq_keys *k, unsigned int q,
		    enum mq_fault fault, unsigned int round)
{
	hv_gref_t ref;
	void *ring = xenbus_dev_grant_ring(h->dev, 0, &ref);
	int port;

	if (!ring)
		return -errno;
	xpv_sring_init(ring);
	port = xenbus_dev_alloc_port(h->dev);
	if (port < 0)
		return port;
	if (fault == MQ_NO_KEYS)
		return 0;
	if (fault == MQ_BAD_REF)
		ref = MQ_UNGRANTED;
	if (fault == MQ_BAD_PORT)
		port = (int)(MQ_UNOFFERED + round);
	snprintf(k->names[q][0], sizeof(k->names[q][0]), "queue-%u/ring-ref",
		 q);
	snprintf(k->values[q][0], sizeof(k->values[q][0]), "%u", ref);
	snprintf(k->names[q][1], sizeof(k->names[q][1]),
		 "queue-%u/event-channel", q);
	snprintf(k->values[q][1], sizeof(k->values[q][1]), "%d", port);
	k->kv[k->n++] =
		(struct xenbus_dev_key){ k->names[q][0], k->values[q][0] };
	k->kv[k->n++] =
		(struct xenbus_dev_key){ k->names[q][1], k->values[q][1] };
	return 0;
}

/* Remove what an earlier round left (a queue's directory, the number
 * of queues): a key left over is not a missing key. Absent is fine; a
 * store that fails says so at the publish that follows. */
static void mq_forget(struct hostile *h, const char *what)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", xenbus_dev_dir(h->dev), what);
	(void)xenbus_rm(h->xb, 0, path);
}

/* n queues, queue `bad` with `fault` (the others sane), Initialised. */
static int mq_publish(struct hostile *h, unsigned int n, unsigned int bad,
		      enum mq_fault fault, unsigned int round)
{
	struct mq_keys k = { .n = 0 };
	char dir[16];
	unsigned int q;
	int ret = 0;

	snprintf(k.nq, sizeof(k.nq), "%u", n);
	k.kv[k.n++] = (struct xenbus_dev_key){ "multi-queue-num-queues", k.nq };
	k.kv[k.n++] = (struct xenbus_dev_key){ "protocol", "x86_64-abi" };
	for (q = 0; q < n && q < XENBUS_DEV_MAX_RINGS && !ret; q++) {
		snprintf(dir, sizeof(dir), "queue-%u", q);
		mq_forget(h, dir);
		ret = mq_queue(h, &k, q, q == bad ? fault : MQ_NONE, round);
	}
	return ret   ?:
		       xenbus_dev_publish(h->dev, k.kv, k.n,
					  XPV_XENBUS_STATE_INITIALISED);
}

static void mq_fail(const char *what, const char *how, const char *detail)
{
	printf("FAIL %s: %s %s\n", what, how, detail);
	fflush(stdout);
	failures++;
}

/* One connect that must fail: the device closed, its error naming
 * `want`, and closed cleanly on our side so that the next one starts
 * from InitWait. 0, or -errno when the backend stopped answering. */
static int mq_round(struct hostile *h, unsigned int n, unsigned int bad,
		    enum mq_fault fault, unsigned int round, const char *want)
{
	char err[160], what[240];
	int st = xenbus_dev_switch(h->dev, XPV_XENBUS_STATE_INITIALISING);

	if (!st)
		st = xenbus_dev_wait(
			h->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
			MQ_WAIT_MS);
	if (st >= 0)
		st = mq_publish(h, n, bad, fault, round);
	if (!st)
		st = xenbus_dev_wait(
			h->dev,
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED) |
				XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING) |
				XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED),
			MQ_WAIT_MS);
	snprintf(what, sizeof(what), "%u queues, queue %u fault %d", n, bad,
		 (int)fault);
	if (st < 0) {
		mq_fail(what, "no answer", strerror(-st));
		return st;
	}
	if (st == XPV_XENBUS_STATE_CONNECTED)
		mq_fail(what, "connected", "");
	else if (xenbus_dev_backend_error(h->dev, err, sizeof(err)) ||
		 !strstr(err, want))
		mq_fail(what, "the error node does not say", want);
	st = xenbus_dev_disconnect(h->dev, MQ_WAIT_MS);
	if (st < 0)
		mq_fail(what, "closing", strerror(-st));
	return st;
}

/* What the backend's error says for a fault of queue q. */
static void mq_want(enum mq_fault fault, unsigned int q, unsigned int round,
		    char *buf, size_t size)
{
	if (fault == MQ_NO_KEYS)
		snprintf(buf, size, "reading queue-%u/ring-ref", q);
	else if (fault == MQ_BAD_REF)
		snprintf(buf, size, "mapping the ring");
	else
		snprintf(buf, size, "binding event channel %u",
			 MQ_UNOFFERED + round);
}

static int mq_attacks(struct hostile *h)
{
	unsigned long max = 0;
	unsigned int n, q, f, round = 0, done = 0;
	char want[64];
	int ret = xenbus_dev_wait(
		h->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
		MQ_WAIT_MS); /* the backend publishes its limits by then */

	if (ret >= 0)
		ret = xenbus_dev_read_backend_uint(h->dev,
						   "multi-queue-max-queues",
						   XENBUS_DEV_MAX_RINGS - 1,
						   &max);
	if (ret || max < 2) {
		printf("FAIL multi-queue-max-queues: %lu (%s)\n", max,
		       strerror(-ret));
		failures++;
		return ret ?: -EOPNOTSUPP;
	}
	for (n = 2; n <= max && !ret; n++)
		for (q = 0; q < n && !ret; q++)
			for (f = 0; f < MQ_FAULTS && !ret; f++, round++) {
				mq_want(f, q, round, want, sizeof(want));
				ret = mq_round(h, n, q, f, round, want);
				done++;
			}
	if (!ret)
		ret = mq_round(h, (unsigned int)max + 1, max + 1, MQ_NONE,
			       round, "multi-queue-num-queues");
	mq_forget(h, "multi-queue-num-queues");
	printf("hostile: %u failing multi-queue connects (max %lu), then %lu\n",
	       done, max, max + 1);
	fflush(stdout);
	return ret;
}

static int setup(struct hostile *h, struct xenbus *xb)
{
	const struct xenbus_dev_key keys[] = {
		{ "feature-persistent", "1" },
		{ "protocol", "x86_64-abi" },
	};
	hv_domid_t be;
	int ret;

	if (!h->dev)
		h->dev = xenbus_dev_open(h->hv, xb, DEV);
	if (!h->dev)
		return -errno;
	be = xenbus_dev_backend_id(h->dev);
	h->data = hv_share_pages(h->hv, be, DATA, true, h->data_refs);
	h->ind = hv_share_pages(h->hv, be, 1, false, &h->ind_ref);
	if (!h->data || !h->ind ||
	    !hv_share_pages(h->hv, be, 1, false, &h->ro_ref))
		return -errno;
	ret = xenbus_dev_connect_ring(h->dev, 0, keys, 2, 10000, &h->ring);
	if (ret)
		return ret;
	return xpv_blkif_front_attach(&h->fr, h->ring.sring, 0);
}

int main(int argc, char **argv)
{
	struct hostile h = { 0 };
	struct xenbus *xb;
	uint64_t next_id = 0;
	unsigned long rounds, r;
	char why[256];
	int ret;

	if (argc != 3 && !(argc == 4 && !strcmp(argv[3], "mq")))
		return 2;
	h.rng = strtoull(argv[1], NULL, 10) * 2654435761u + 1;
	rounds = strtoul(argv[2], NULL, 10);
	if (hv_open(&h.hv, why, sizeof(why))) {
		printf("FAIL hv_open: %s\n", why);
		return 1;
	}
	xb = h.xb = xenbus_open(h.hv);
	ret = xb ? 0 : -errno;
	if (!ret && argc == 4) {
		h.dev = xenbus_dev_open(h.hv, xb, DEV);
		ret = h.dev ? mq_attacks(&h) : -errno;
	}
	ret = ret ?: setup(&h, xb);
	if (ret) {
		printf("FAIL connect: %s\n", strerror(-ret));
		failures++;
	}
	for (r = 0; !ret && r < rounds; r++) {
		ret = batch(&h, &next_id);
		if (ret) {
			printf("FAIL round %lu: %s\n", r, strerror(-ret));
			failures++;
		}
	}
	if (!ret)
		break_ring(&h);
	printf("hostile: done failures=%d sent=%lu answered=%lu\n", failures,
	       sent, answered);
	fflush(stdout);
	return failures ? 1 : 0;
}
