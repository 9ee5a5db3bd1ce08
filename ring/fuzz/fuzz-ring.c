/*
 * fuzz-ring.c - libFuzzer target: ring/ring.h's front and back ends with
 * a hostile peer. The input writes whatever it likes into the shared page
 * (producer and event indices, slot bytes) between the steps our ends
 * take; our ends must never read or write outside the ring, never count
 * more entries than the ring can hold, and report an impossible producer
 * index as -EIO (after which that end stops, as a driver would close the
 * device).
 *
 * Input: one byte of geometry (bit 0: 2 pages instead of 1; bit 1: netif
 * tx sizes, 12/4 bytes, instead of blkif's 112/16), then steps, each an
 * op byte and its operands:
 *   0 u32     the peer sets req_prod
 *   1 u32     the peer sets rsp_prod
 *   2 u32     the peer sets req_event
 *   3 u32     the peer sets rsp_event
 *   4         our back end serves every request it can see
 *   5 k       our front end produces up to k requests and pushes them
 *   6         our front end consumes every response it can see
 *   7         both final checks
 *   8 off16 b the peer scribbles byte b anywhere in the page(s)
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ring/ring.h"

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *dst, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(dst, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

struct ends {
	struct xpv_sring *s;
	size_t bytes;
	struct xpv_front_ring f;
	struct xpv_back_ring b;
	bool front_broken, back_broken;
	uint8_t entry[128]; /* private copies */
};

/* An invariant of ours failed: make the fuzzer report it. */
static void check(bool ok)
{
	if (!ok)
		abort();
}

static void back_serve(struct ends *e)
{
	int n = xpv_back_peek_requests(&e->b, NULL);

	if (n < 0) {
		e->back_broken = true;
		return;
	}
	check((uint32_t)n <= e->b.nr_ents);
	while (n--) {
		void *rsp;

		xpv_back_take_request(&e->b, e->entry);
		rsp = xpv_back_next_response(&e->b);
		check(rsp != NULL);
		memset(rsp, 0x5a, e->b.rsp_size);
	}
	check(e->b.req_cons - e->b.rsp_prod_pvt <= e->b.nr_ents);
	xpv_back_push_responses_and_check_notify(&e->b);
}

static void front_produce(struct ends *e, uint8_t k)
{
	void *req;

	while (k-- && (req = xpv_front_next_request(&e->f)))
		memset(req, 0xa5, e->f.req_size);
	check(e->f.req_prod_pvt - e->f.rsp_cons <= e->f.nr_ents);
	xpv_front_push_requests_and_check_notify(&e->f);
}

static void front_consume(struct ends *e)
{
	int n = xpv_front_peek_responses(&e->f, NULL);

	if (n < 0) {
		e->front_broken = true;
		return;
	}
	check((uint32_t)n <= e->f.req_prod_pvt - e->f.rsp_cons);
	while (n--)
		xpv_front_take_response(&e->f, e->entry);
}

static void final_checks(struct ends *e)
{
	int n;

	if (!e->back_broken) {
		n = xpv_back_final_check_for_requests(&e->b);
		e->back_broken = n == -EIO;
		check(n == -EIO || (uint32_t)n <= e->b.nr_ents);
	}
	if (!e->front_broken) {
		n = xpv_front_final_check_for_responses(&e->f);
		e->front_broken = n == -EIO;
		check(n == -EIO || (uint32_t)n <= e->f.nr_ents);
	}
}

static void step(struct ends *e, struct input *in, uint8_t op)
{
	uint32_t v = 0;
	uint16_t off;
	uint8_t b;

	switch (op % 9) {
	case 0:
		if (take(in, &v, 4))
			e->s->req_prod = v;
		break;
	case 1:
		if (take(in, &v, 4))
			e->s->rsp_prod = v;
		break;
	case 2:
		if (take(in, &v, 4))
			e->s->req_event = v;
		break;
	case 3:
		if (take(in, &v, 4))
			e->s->rsp_event = v;
		break;
	case 4:
		if (!e->back_broken)
			back_serve(e);
		break;
	case 5:
		if (take(in, &b, 1) && !e->front_broken)
			front_produce(e, b);
		break;
	case 6:
		if (!e->front_broken)
			front_consume(e);
		break;
	case 7:
		final_checks(e);
		break;
	default:
		if (take(in, &off, 2) && take(in, &b, 1))
			((uint8_t *)e->s)[off % e->bytes] = b;
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct ends e = { 0 };
	size_t req = 112, rsp = 16;
	uint8_t geo, op;

	if (!take(&in, &geo, 1))
		return 0;
	if (geo & 2) {
		req = 12;
		rsp = 4;
	}
	e.bytes = xpv_ring_bytes(geo & 1);
	/* exactly the ring's size, so ASan sees any access past it */
	e.s = aligned_alloc(XPV_RING_PAGE_SIZE, e.bytes);
	if (!e.s)
		return 0;
	memset(e.s, 0, e.bytes);
	xpv_sring_init(e.s);
	if (xpv_front_ring_attach(&e.f, e.s, e.bytes, req, rsp, 0) < 0 ||
	    xpv_back_ring_attach(&e.b, e.s, e.bytes, req, rsp, 0) < 0)
		abort();
	while (take(&in, &op, 1))
		step(&e, &in, op);
	free(e.s);
	return 0;
}
