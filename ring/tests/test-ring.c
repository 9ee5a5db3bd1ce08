/*
 * test-ring - the generic shared ring (ring/ring.h): index wrap-around at
 * 2^32, full and empty, notification hold-off, the final-check race,
 * hostile producer indices, multi-page sizes, and two threads moving
 * millions of checksummed requests and responses with eventfd
 * notifications (a lost wakeup shows as a time-out).
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "ring/blkif.h"
#include "ring/netif.h"
#include "ring/ring.h"
#include "tests/lib/check.h"

/* A test request: 8-aligned, not a multiple of 16, bigger than the
 * response, like most real protocols. */
struct treq {
	uint64_t seq;
	uint32_t payload[10];
	uint32_t sum;
};

struct trsp {
	uint64_t seq;
	uint32_t sum;
};

struct rings {
	struct xpv_sring *s;
	struct xpv_front_ring f;
	struct xpv_back_ring b;
	size_t bytes;
};

static uint32_t checksum(const struct treq *r)
{
	uint32_t h = 2166136261u;
	size_t i;

	h = (h ^ (uint32_t)r->seq) * 16777619u;
	h = (h ^ (uint32_t)(r->seq >> 32)) * 16777619u;
	for (i = 0; i < sizeof(r->payload) / sizeof(r->payload[0]); i++)
		h = (h ^ r->payload[i]) * 16777619u;
	return h;
}

static void fill(struct treq *r, uint64_t seq)
{
	size_t i;

	r->seq = seq;
	for (i = 0; i < sizeof(r->payload) / sizeof(r->payload[0]); i++)
		r->payload[i] = (uint32_t)(seq * 2654435761u + i * 40503u);
	r->sum = checksum(r);
}

/* Set up a ring of 2^order pages, both ends attached at index start. */
static int rings_init(struct rings *r, unsigned int order, uint32_t start)
{
	r->bytes = xpv_ring_bytes(order);
	r->s = aligned_alloc(XPV_RING_PAGE_SIZE, r->bytes);
	if (!r->s)
		return -ENOMEM;
	memset(r->s, 0xa5, r->bytes);
	xpv_sring_init(r->s);
	r->s->req_prod = r->s->rsp_prod = start;
	r->s->req_event = r->s->rsp_event = start + 1;
	if (xpv_front_ring_attach(&r->f, r->s, r->bytes, sizeof(struct treq),
				  sizeof(struct trsp), start) < 0 ||
	    xpv_back_ring_attach(&r->b, r->s, r->bytes, sizeof(struct treq),
				 sizeof(struct trsp), start) < 0) {
		free(r->s);
		return -EINVAL;
	}
	return 0;
}

static void rings_free(struct rings *r)
{
	free(r->s);
}

/* Produce n requests numbered from seq; returns how many fitted. */
static unsigned int produce(struct rings *r, uint64_t seq, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct treq *slot = xpv_front_next_request(&r->f);

		if (!slot)
			break;
		fill(slot, seq + i);
	}
	return i;
}

/* Consume every published request and answer each; returns how many, or
 * -EIO. */
static int serve(struct rings *r)
{
	int n = xpv_back_peek_requests(&r->b, NULL);
	int i;

	for (i = 0; i < n; i++) {
		struct treq req;
		struct trsp *rsp;

		xpv_back_take_request(&r->b, &req);
		rsp = xpv_back_next_response(&r->b);
		if (!rsp)
			return -EPROTO;
		rsp->seq = req.seq;
		rsp->sum = checksum(&req) == req.sum ? req.sum : 0;
	}
	return n;
}

/* --- cases --------------------------------------------------------------- */

static void test_sizes(void)
{
	/* (4096 - 64) / 56 = 72 -> 64 slots; order 4: 65472/56 = 1169 -> 1024 */
	CHECK(xpv_ring_entries(4096, sizeof(struct treq),
			       sizeof(struct trsp)) == 64);
	CHECK(xpv_ring_entries(65536, sizeof(struct treq),
			       sizeof(struct trsp)) == 1024);
	CHECK(xpv_ring_entries(64, 8, 8) == 0);
	CHECK(xpv_ring_entries(72, 8, 8) == 1);
	CHECK(xpv_blkif_ring_entries(0) == 32);
	CHECK(xpv_blkif_ring_entries(4) == 512);
	CHECK(xpv_ring_rounddown_pow2(0x80000001u) == 0x80000000u);
	CHECK(xpv_ring_rounddown_pow2(1) == 1);
}

static void test_attach_refuses_tiny_ring(void)
{
	struct xpv_front_ring f;
	struct xpv_back_ring b;
	char buf[128] __attribute__((aligned(8)));

	CHECK(xpv_front_ring_attach(&f, (struct xpv_sring *)buf, 100, 64, 8,
				    0) == -EINVAL);
	CHECK(xpv_back_ring_attach(&b, (struct xpv_sring *)buf, 64, 8, 8, 0) ==
	      -EINVAL);
}

static void test_full_and_empty(void)
{
	struct rings r;
	unsigned int n;

	if (rings_init(&r, 0, 0) < 0) {
		CHECK(!"setup");
		return;
	}
	CHECK(xpv_front_free_requests(&r.f) == r.f.nr_ents);
	CHECK(xpv_back_peek_requests(&r.b, NULL) == 0);
	CHECK(xpv_front_peek_responses(&r.f, NULL) == 0);
	n = produce(&r, 0, r.f.nr_ents + 5);
	CHECK(n == r.f.nr_ents);
	CHECK(xpv_front_full(&r.f));
	CHECK(xpv_front_next_request(&r.f) == NULL);
	/* not yet pushed: the back end sees nothing */
	CHECK(xpv_back_peek_requests(&r.b, NULL) == 0);
	xpv_front_push_requests(&r.f);
	CHECK(xpv_back_peek_requests(&r.b, NULL) == (int)r.f.nr_ents);
	CHECK(serve(&r) == (int)r.f.nr_ents);
	/* still full for the front end until it consumes the responses */
	CHECK(xpv_front_full(&r.f));
	xpv_back_push_responses(&r.b);
	CHECK(xpv_front_peek_responses(&r.f, NULL) == (int)r.f.nr_ents);
	while (xpv_front_peek_responses(&r.f, NULL) > 0) {
		struct trsp rsp;

		xpv_front_take_response(&r.f, &rsp);
	}
	CHECK(xpv_front_free_requests(&r.f) == r.f.nr_ents);
	CHECK(xpv_back_next_response(&r.b) == NULL);
	rings_free(&r);
}

/* Run traffic across index 2^32 and check every response's sequence. */
static void test_wrap_at_2_32(void)
{
	struct rings r;
	uint64_t sent = 0, got = 0;
	int round;

	if (rings_init(&r, 0, 0xffffffffu - 100) < 0) {
		CHECK(!"setup");
		return;
	}
	for (round = 0; round < 50; round++) {
		sent += produce(&r, sent, 7 + round % 13);
		xpv_front_push_requests(&r.f);
		CHECK(serve(&r) >= 0);
		xpv_back_push_responses(&r.b);
		while (xpv_front_peek_responses(&r.f, NULL) > 0) {
			struct trsp rsp;

			xpv_front_take_response(&r.f, &rsp);
			CHECK(rsp.seq == got);
			CHECK(rsp.sum != 0);
			got++;
		}
	}
	CHECK(got == sent);
	CHECK(r.f.req_prod_pvt < 1000); /* it did wrap */
	CHECK(xpv_front_free_requests(&r.f) == r.f.nr_ents);
	rings_free(&r);
}

/* The producer notifies only when the consumer asked, and once. */
static void test_notify_hold_off(void)
{
	struct rings r;

	if (rings_init(&r, 0, 0) < 0) {
		CHECK(!"setup");
		return;
	}
	/* fresh ring: req_event 1, the first request is notified */
	produce(&r, 0, 1);
	CHECK(xpv_front_push_requests_and_check_notify(&r.f));
	/* the back end has not re-armed: no more events */
	produce(&r, 1, 3);
	CHECK(!xpv_front_push_requests_and_check_notify(&r.f));
	/* pushing nothing new never notifies */
	CHECK(!xpv_front_push_requests_and_check_notify(&r.f));
	CHECK(serve(&r) == 4);
	/* the back end re-arms: next request notifies */
	CHECK(xpv_back_final_check_for_requests(&r.b) == 0);
	CHECK(r.s->req_event == 5);
	produce(&r, 4, 2);
	CHECK(xpv_front_push_requests_and_check_notify(&r.f));
	/* a consumer batching: wants an event only at the 8th next request */
	CHECK(serve(&r) == 2);
	r.s->req_event = r.b.req_cons + 8;
	produce(&r, 6, 7);
	CHECK(!xpv_front_push_requests_and_check_notify(&r.f));
	produce(&r, 13, 1);
	CHECK(xpv_front_push_requests_and_check_notify(&r.f));
	/* a push crossing the event index in one batch notifies once */
	CHECK(serve(&r) == 8);
	CHECK(xpv_back_final_check_for_requests(&r.b) == 0);
	produce(&r, 14, 5);
	CHECK(xpv_front_push_requests_and_check_notify(&r.f));
	/* responses: the front end asked at rsp_event 1 */
	CHECK(xpv_back_push_responses_and_check_notify(&r.b));
	CHECK(serve(&r) == 5);
	CHECK(!xpv_back_push_responses_and_check_notify(&r.b));
	rings_free(&r);
}

/*
 * The race the final check closes, its steps interleaved by hand: the back
 * end finds the ring empty, the front end pushes (no event: req_event is
 * stale), and only then the back end re-arms. Had it slept after re-arming
 * it would sleep with a request waiting; its second look finds it. The
 * threaded lock-step test below catches a final check without that look.
 */
static void test_final_check_race(void)
{
	struct rings r;

	if (rings_init(&r, 0, 0) < 0) {
		CHECK(!"setup");
		return;
	}
	produce(&r, 0, 1);
	CHECK(xpv_front_push_requests_and_check_notify(&r.f));
	CHECK(serve(&r) == 1);
	/* back end: ring looks empty ... */
	CHECK(xpv_back_peek_requests(&r.b, NULL) == 0);
	/* ... front end pushes now: req_event is still 1, no event */
	produce(&r, 1, 1);
	CHECK(!xpv_front_push_requests_and_check_notify(&r.f));
	/* ... back end re-arms and looks again: the request is found */
	xpv_back_arm_request_event(&r.b);
	CHECK(r.s->req_event == r.b.req_cons + 1);
	CHECK(xpv_back_peek_requests(&r.b, NULL) == 1);
	/* and the whole final check says the same */
	CHECK(xpv_back_final_check_for_requests(&r.b) == 1);
	CHECK(serve(&r) == 1);
	/* the other order: re-armed first, then the push notifies */
	CHECK(xpv_back_final_check_for_requests(&r.b) == 0);
	produce(&r, 2, 1);
	CHECK(xpv_front_push_requests_and_check_notify(&r.f));
	/* same on the response side */
	CHECK(serve(&r) == 1);
	CHECK(xpv_back_push_responses_and_check_notify(&r.b));
	CHECK(xpv_front_peek_responses(&r.f, NULL) == 3);
	r.f.rsp_cons += 3;
	CHECK(xpv_front_peek_responses(&r.f, NULL) == 0);
	produce(&r, 3, 1);
	xpv_front_push_requests(&r.f);
	CHECK(serve(&r) == 1);
	CHECK(!xpv_back_push_responses_and_check_notify(&r.b));
	CHECK(xpv_front_final_check_for_responses(&r.f) == 1);
	rings_free(&r);
}

/*
 * The same race, landing exactly inside the final check: the consumer's
 * view of the ring is made read-only, so its re-arm store faults; the
 * fault handler publishes the producer's index through a second, writable
 * mapping of the same memory and lets the store proceed. The push thus
 * happens after the final check's first look and before its re-arm, with
 * the producer seeing the stale event index; only the second look saves
 * the consumer from sleeping on a waiting entry.
 */
static struct {
	void *cons_view;
	uint32_t *index; /* in the producer's view */
	uint32_t value;
	int fired;
} inject;

static void publish_on_fault(int sig __attribute__((unused)),
			     siginfo_t *si __attribute__((unused)),
			     void *uc __attribute__((unused)))
{
	mprotect(inject.cons_view, XPV_RING_PAGE_SIZE, PROT_READ | PROT_WRITE);
	__atomic_store_n(inject.index, inject.value, __ATOMIC_RELEASE);
	inject.fired++;
}

struct two_views {
	struct xpv_sring *p; /* producer of requests (front end) */
	struct xpv_sring *c; /* back end */
};

static int two_views_map(struct two_views *v)
{
	int fd = memfd_create("test-ring", MFD_CLOEXEC);

	v->p = v->c = MAP_FAILED;
	if (fd < 0 || ftruncate(fd, XPV_RING_PAGE_SIZE) < 0)
		goto fail;
	v->p = mmap(NULL, XPV_RING_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	v->c = mmap(NULL, XPV_RING_PAGE_SIZE, PROT_READ | PROT_WRITE,
		    MAP_SHARED, fd, 0);
	if (v->p == MAP_FAILED || v->c == MAP_FAILED)
		goto fail;
	close(fd);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	if (v->p != MAP_FAILED)
		munmap(v->p, XPV_RING_PAGE_SIZE);
	if (v->c != MAP_FAILED)
		munmap(v->c, XPV_RING_PAGE_SIZE);
	return -errno;
}

/* Call a final check with the push injected into its window; returns its
 * result. view is the mapping the final check writes through. */
static int final_check_with_push(struct two_views *v __attribute__((unused)),
				 void *view, uint32_t *index, uint32_t value,
				 int (*check)(void *ring), void *ring)
{
	struct sigaction sa = { .sa_sigaction = publish_on_fault,
				.sa_flags = SA_SIGINFO },
			 old;
	int n;

	inject.cons_view = view;
	inject.index = index;
	inject.value = value;
	inject.fired = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old);
	mprotect(view, XPV_RING_PAGE_SIZE, PROT_READ);
	n = check(ring);
	mprotect(view, XPV_RING_PAGE_SIZE, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, &old, NULL);
	return n;
}

static int back_final_check(void *ring)
{
	return xpv_back_final_check_for_requests(ring);
}

static int front_final_check(void *ring)
{
	return xpv_front_final_check_for_responses(ring);
}

static void test_final_check_window(void)
{
	struct xpv_front_ring f;
	struct xpv_back_ring b;
	struct two_views v;
	struct trsp *rsp;
	struct treq req;

	if (two_views_map(&v) < 0) {
		CHECK(!"memfd mapping");
		return;
	}
	xpv_sring_init(v.p);
	xpv_front_ring_attach(&f, v.p, XPV_RING_PAGE_SIZE, sizeof(struct treq),
			      sizeof(struct trsp), 0);
	xpv_back_ring_attach(&b, v.c, XPV_RING_PAGE_SIZE, sizeof(struct treq),
			     sizeof(struct trsp), 0);
	/* one request answered, so that req_event (1) is now stale */
	fill(xpv_front_next_request(&f), 0);
	CHECK(xpv_front_push_requests_and_check_notify(&f));
	CHECK(xpv_back_peek_requests(&b, NULL) == 1);
	xpv_back_take_request(&b, &req);
	/* the next request is written, its index published in the window */
	fill(xpv_front_next_request(&f), 1);
	CHECK(final_check_with_push(&v, v.c, &v.p->req_prod, 2,
				    back_final_check, &b) == 1);
	CHECK(inject.fired == 1);
	/* the producer, pushing then, saw no request for an event */
	CHECK(!xpv_ring_need_notify(1, 2, 1));
	/* the same for responses: answer request 0 in the window */
	CHECK(xpv_front_peek_responses(&f, NULL) == 0);
	rsp = xpv_back_next_response(&b);
	if (!rsp) {
		CHECK(!"no response slot");
		goto out;
	}
	rsp->seq = 0;
	CHECK(final_check_with_push(&v, v.p, &v.c->rsp_prod, 1,
				    front_final_check, &f) == 1);
	CHECK(inject.fired == 1);
out:
	munmap(v.p, XPV_RING_PAGE_SIZE);
	munmap(v.c, XPV_RING_PAGE_SIZE);
}

/* A producer index claiming more than the ring holds is reported, not
 * looped over; a plausible one is accepted. */
static void test_hostile_request_prod(void)
{
	struct rings r;
	uint32_t n;

	if (rings_init(&r, 0, 0xfffffff0u) < 0) {
		CHECK(!"setup");
		return;
	}
	n = r.b.nr_ents;
	r.s->req_prod = r.b.req_cons + n + 1;
	CHECK(xpv_back_peek_requests(&r.b, NULL) == -EIO);
	CHECK(xpv_back_final_check_for_requests(&r.b) == -EIO);
	r.s->req_prod = r.b.req_cons + 0x80000000u;
	CHECK(xpv_back_peek_requests(&r.b, NULL) == -EIO);
	r.s->req_prod = r.b.req_cons - 1; /* went backwards */
	CHECK(xpv_back_peek_requests(&r.b, NULL) == -EIO);
	r.s->req_prod = r.b.req_cons + n; /* a full ring is fine */
	CHECK(xpv_back_peek_requests(&r.b, NULL) == (int)n);
	/* with 3 requests consumed but unanswered, only n - 3 more fit */
	r.b.req_cons += 3;
	r.s->req_prod = r.b.req_cons + n - 3;
	CHECK(xpv_back_peek_requests(&r.b, NULL) == (int)n - 3);
	r.s->req_prod = r.b.req_cons + n - 2;
	CHECK(xpv_back_peek_requests(&r.b, NULL) == -EIO);
	rings_free(&r);
}

static void test_hostile_response_prod(void)
{
	struct rings r;

	if (rings_init(&r, 0, 0xfffffffau) < 0) {
		CHECK(!"setup");
		return;
	}
	/* no request outstanding: any response is impossible */
	r.s->rsp_prod = r.f.rsp_cons + 1;
	CHECK(xpv_front_peek_responses(&r.f, NULL) == -EIO);
	CHECK(xpv_front_final_check_for_responses(&r.f) == -EIO);
	produce(&r, 0, 4);
	xpv_front_push_requests(&r.f);
	r.s->rsp_prod = r.f.rsp_cons + 4;
	CHECK(xpv_front_peek_responses(&r.f, NULL) == 4);
	r.s->rsp_prod = r.f.rsp_cons + 5;
	CHECK(xpv_front_peek_responses(&r.f, NULL) == -EIO);
	r.s->rsp_prod = r.f.rsp_cons - 1;
	CHECK(xpv_front_peek_responses(&r.f, NULL) == -EIO);
	rings_free(&r);
}

/* A request copied out does not change when the peer rewrites the slot. */
static void test_copy_is_private(void)
{
	struct rings r;
	struct treq req;
	xpv_ring_idx_t prod = 0;

	if (rings_init(&r, 0, 0) < 0) {
		CHECK(!"setup");
		return;
	}
	produce(&r, 42, 1);
	xpv_front_push_requests(&r.f);
	CHECK(xpv_back_peek_requests(&r.b, &prod) == 1);
	CHECK(prod == 1);
	xpv_back_copy_request(&r.b, r.b.req_cons, &req);
	memset(xpv_sring_slot(r.s, r.b.nr_ents, r.b.slot_size, 0), 0xff,
	       sizeof(req));
	CHECK(req.seq == 42 && req.sum == checksum(&req));
	rings_free(&r);
}

/* Every order a blkif ring may have works end to end. */
static void test_multi_page(void)
{
	unsigned int order;

	for (order = 0; order <= 4; order++) {
		struct rings r;
		uint64_t got = 0;
		unsigned int n;

		if (rings_init(&r, order, 0) < 0) {
			CHECK(!"setup");
			return;
		}
		CHECK(r.f.nr_ents ==
		      xpv_ring_rounddown_pow2((r.bytes - 64) / 56));
		n = produce(&r, 0, r.f.nr_ents);
		CHECK(n == r.f.nr_ents);
		xpv_front_push_requests(&r.f);
		CHECK(serve(&r) == (int)n);
		xpv_back_push_responses(&r.b);
		while (xpv_front_peek_responses(&r.f, NULL) > 0) {
			struct trsp rsp;

			xpv_front_take_response(&r.f, &rsp);
			CHECK(rsp.seq == got++ && rsp.sum != 0);
		}
		CHECK(got == n);
		/* the last slot ends inside the ring's pages */
		CHECK((char *)xpv_sring_slot(r.s, r.f.nr_ents, r.f.slot_size,
					     n - 1) +
			      r.f.slot_size <=
		      (char *)r.s + r.bytes);
		rings_free(&r);
	}
}

/* --- two threads ------------------------------------------------------- */

#define DUO_TOTAL 4000000u
#define DUO_LOCKSTEP_TOTAL 300000u
#define DUO_WAIT_MS 5000 /* longer than any honest stall: a lost wakeup */

struct duo {
	struct rings r;
	int req_efd; /* front -> back events */
	int rsp_efd; /* back -> front events */
	uint64_t total;
	unsigned int max_batch;
	bool lockstep; /* each batch answered before the next is sent */
	const char *error; /* first failure, by either thread */
	uint64_t req_events, rsp_events;
};

/* The two threads share only the ring, the eventfds and this. */
static void set_error(struct duo *d, const char *why)
{
	const char *none = NULL;

	__atomic_compare_exchange_n(&d->error, &none, why, false,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

static const char *get_error(struct duo *d)
{
	return __atomic_load_n(&d->error, __ATOMIC_SEQ_CST);
}

/* Sleep until the peer's event; false on time-out (a lost wakeup). */
static int wait_event(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t v;

	if (poll(&p, 1, DUO_WAIT_MS) != 1)
		return 0;
	return read(fd, &v, sizeof(v)) == sizeof(v);
}

static void notify(int fd, uint64_t *count)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) == sizeof(one))
		(*count)++;
}

static void *duo_back(void *arg)
{
	struct duo *d = arg;
	uint64_t served = 0;

	while (served < d->total && !get_error(d)) {
		int n = serve(&d->r);

		if (n < 0) {
			set_error(d, "back end: broken ring");
			break;
		}
		served += n;
		if (xpv_back_push_responses_and_check_notify(&d->r.b))
			notify(d->rsp_efd, &d->rsp_events);
		if (n > 0 || served == d->total)
			continue;
		n = xpv_back_final_check_for_requests(&d->r.b);
		if (n == 0 && !wait_event(d->req_efd))
			set_error(d, "back end: lost wakeup (timed out)");
	}
	return NULL;
}

/* Take every published response; checks each; returns the count or -1. */
static int duo_collect(struct duo *d, uint64_t *got)
{
	int n = xpv_front_peek_responses(&d->r.f, NULL);
	int i;

	if (n < 0) {
		set_error(d, "front end: broken ring");
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct trsp rsp;
		struct treq want;

		xpv_front_take_response(&d->r.f, &rsp);
		fill(&want, *got);
		if (rsp.seq != *got || rsp.sum != want.sum) {
			set_error(d, "front end: wrong or corrupted response");
			return -1;
		}
		(*got)++;
	}
	return n;
}

static void duo_front(struct duo *d)
{
	uint64_t sent = 0, got = 0;
	unsigned int batch = 1;

	while (got < d->total && !get_error(d)) {
		uint64_t left = d->total - sent;
		unsigned int want = left < batch ? (unsigned int)left : batch;
		int n;

		if (!d->lockstep || got == sent) {
			sent += produce(&d->r, sent, want);
			batch = batch % d->max_batch + 1;
		}
		if (xpv_front_push_requests_and_check_notify(&d->r.f))
			notify(d->req_efd, &d->req_events);
		n = duo_collect(d, &got);
		if (n != 0 || (sent < d->total && !xpv_front_full(&d->r.f) &&
			       (!d->lockstep || got == sent)))
			continue;
		n = xpv_front_final_check_for_responses(&d->r.f);
		if (n == 0 && !wait_event(d->rsp_efd))
			set_error(d, "front end: lost wakeup (timed out)");
	}
}

/*
 * Streaming: the front end keeps the ring as full as it can, batches of 1
 * to 32. Lock-step: it waits for every response of a batch (1 to 8)
 * before sending the next, so that each side sleeps often; a missed
 * event then stalls both sides and shows as a time-out.
 */
static void run_two_threads(uint64_t total, unsigned int max_batch,
			    bool lockstep)
{
	struct duo d = { .total = total,
			 .max_batch = max_batch,
			 .lockstep = lockstep };
	struct timespec t0, t1;
	pthread_t back;
	double secs;

	if (rings_init(&d.r, 0, 0xffffffffu - 1000) < 0) {
		CHECK(!"setup");
		return;
	}
	d.req_efd = eventfd(0, EFD_CLOEXEC);
	d.rsp_efd = eventfd(0, EFD_CLOEXEC);
	CHECK(d.req_efd >= 0 && d.rsp_efd >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (pthread_create(&back, NULL, duo_back, &d) != 0) {
		CHECK(!"pthread_create");
		goto out;
	}
	duo_front(&d);
	if (get_error(&d)) /* let a waiting back end see it and stop */
		notify(d.req_efd, &d.req_events);
	pthread_join(back, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (d.error)
		printf("  %s\n", d.error);
	CHECK(d.error == NULL);
	CHECK(d.r.f.rsp_cons - (0xffffffffu - 1000) == (uint32_t)total);
	printf("  %s: %llu requests and responses in %.2f s (%.2f M/s), "
	       "%llu + %llu events\n",
	       lockstep ? "lock-step" : "streaming", (unsigned long long)total,
	       secs, total / secs / 1e6, (unsigned long long)d.req_events,
	       (unsigned long long)d.rsp_events);
out:
	close(d.req_efd);
	close(d.rsp_efd);
	rings_free(&d.r);
}

static void test_two_threads(void)
{
	run_two_threads(DUO_TOTAL, 32, false);
	run_two_threads(DUO_LOCKSTEP_TOTAL, 8, true);
}

/* The Microsoft RSS verification vector (IPv4 66.9.149.187:2794 ->
 * 161.142.100.80:1766 under the standard 40-byte key). */
static void test_toeplitz_vector(void)
{
	static const uint8_t key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
		0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
		0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
		0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	static const uint8_t tuple[12] = { 66,	9,  149,  187,	161,  142,
					   100, 80, 0x0a, 0xea, 0x06, 0xe6 };

	CHECK(xpv_netif_toeplitz_hash(key, sizeof(key), tuple, 8) ==
	      0x323e8fc2);
	CHECK(xpv_netif_toeplitz_hash(key, sizeof(key), tuple, 12) ==
	      0x51ccc178);
	CHECK(xpv_netif_toeplitz_hash(key, sizeof(key), tuple, 0) == 0);
}

/* --- the table ----------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
	{ "ring sizes (__RING_SIZE)", test_sizes },
	{ "attach refuses a ring with no slot", test_attach_refuses_tiny_ring },
	{ "full and empty", test_full_and_empty },
	{ "indices wrap at 2^32", test_wrap_at_2_32 },
	{ "notify only when the peer asked", test_notify_hold_off },
	{ "final check closes the sleep race", test_final_check_race },
	{ "final check sees a push inside its window",
	  test_final_check_window },
	{ "hostile request producer index", test_hostile_request_prod },
	{ "hostile response producer index", test_hostile_response_prod },
	{ "copied request is private", test_copy_is_private },
	{ "multi-page rings, order 0 to 4", test_multi_page },
	{ "netif Toeplitz hash, RSS test vector", test_toeplitz_vector },
	{ "two threads, checksummed, eventfd", test_two_threads },
};

int main(void)
{
	size_t i;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
		check_case(tests[i].name, tests[i].fn);
	return check_done();
}
