/*
 * ring.h - Xen's generic shared request/response ring (xen/io/ring.h),
 * written as plain functions over a ring whose entry size is a parameter.
 *
 * Layout, byte-for-byte Xen's: a shared ring (struct xpv_sring) spans one
 * or more whole pages; a 64-byte header holds the four indices, then an
 * array of nr_ents slots, each as big as the larger of the request and the
 * response (Xen's union <name>_sring_entry). nr_ents is Xen's __RING_SIZE:
 * (bytes - 64) / slot size, rounded down to a power of two, so a
 * multi-page ring (ring-page-order N) is just bytes = 4096 << N.
 *
 * Indices are free-running uint32_t counters; a slot is idx & (nr_ents-1).
 * Differences of indices are taken modulo 2^32, so wrap-around at 2^32 is
 * harmless as long as no difference exceeds nr_ents.
 *
 * Notification hold-off: the consumer writes in req_event (rsp_event) the
 * index of the next entry it wants an event for; the producer notifies
 * only when its push moves the producer index past that value. A consumer
 * that finds the ring empty re-arms the event and looks once more (the
 * "final check"), which closes the race with a producer pushing between
 * the consumer's last look and the re-arm.
 *
 * Hostile peers: everything in the shared page may be written by the other
 * side at any time. Each producer index is read once per peek, checked
 * against what the ring can hold (xpv_back_peek_requests,
 * xpv_front_peek_responses return -EIO for an impossible index: the ring
 * is broken and should be disconnected), and entries are copied out of
 * shared memory before being looked at (xpv_back_copy_request,
 * xpv_front_copy_response). Event indices written by the peer only decide
 * whether we notify, so a bad one costs at most a spurious or missing
 * event for that peer.
 *
 * Barriers: the __atomic builtins below carry the orderings Xen's ring.h
 * gets from xen_wmb/xen_rmb/xen_mb; each says why at its use.
 *
 * A front ring and a back ring are private to one thread each; the shared
 * ring between them may be used by two threads or processes at once.
 */
#ifndef XPV_RING_RING_H
#define XPV_RING_RING_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The page size of ring protocols, whatever the host's (XEN_PAGE_SHIFT). */
#define XPV_RING_PAGE_SHIFT 12
#define XPV_RING_PAGE_SIZE (1u << XPV_RING_PAGE_SHIFT)

typedef uint32_t xpv_ring_idx_t; /* RING_IDX */

/* One step of a busy wait on a shared index: tells the CPU (and, in a
 * VM, the hypervisor's pause-loop exiting) that this thread spins. */
static inline void xpv_ring_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}
typedef uint32_t xpv_grant_ref_t; /* grant_ref_t (xen/grant_table.h) */

/* The shared page(s): Xen's struct <name>_sring with the entry array
 * untyped. */
struct xpv_sring {
	xpv_ring_idx_t req_prod, req_event;
	xpv_ring_idx_t rsp_prod, rsp_event;
	union {
		struct {
			uint8_t smartpoll_active;
		} netif;
		struct {
			uint8_t msg;
		} tapif_user;
		uint8_t pvt_pad[4];
	} pvt;
	uint8_t pad[44];
	/* nr_ents slots of slot_size bytes, 8-byte aligned as Xen's union
	 * of request and response is on x86_64 */
	uint8_t ring[] __attribute__((aligned(8)));
};

#define XPV_SRING_HEADER_SIZE 64u

/* The front end's private view: it produces requests, consumes responses. */
struct xpv_front_ring {
	xpv_ring_idx_t req_prod_pvt; /* next request slot to fill */
	xpv_ring_idx_t rsp_cons; /* next response to consume */
	uint32_t nr_ents;
	uint32_t req_size, rsp_size, slot_size;
	struct xpv_sring *sring;
};

/* The back end's private view: it consumes requests, produces responses. */
struct xpv_back_ring {
	xpv_ring_idx_t rsp_prod_pvt; /* next response slot to fill */
	xpv_ring_idx_t req_cons; /* next request to consume */
	uint32_t nr_ents;
	uint32_t req_size, rsp_size, slot_size;
	struct xpv_sring *sring;
};

/* --- Sizes ------------------------------------------------------------- */

static inline uint32_t xpv_ring_rounddown_pow2(uint32_t x)
{
	if (x == 0)
		return 0;
	return 1u << (31 - __builtin_clz(x));
}

/* Slot size of a ring carrying req_size-byte requests and rsp_size-byte
 * responses: the size of Xen's union of the two, as long as the larger
 * size is a multiple of the smaller type's alignment, true of every Xen
 * protocol (test-ring-abi checks blkif's and netif's). */
static inline uint32_t xpv_ring_slot_size(size_t req_size, size_t rsp_size)
{
	return (uint32_t)(req_size > rsp_size ? req_size : rsp_size);
}

/*
 * Number of slots of a ring of ring_bytes bytes (Xen's __RING_SIZE /
 * __CONST_RING_SIZE): a power of two, or 0 when not even one fits.
 */
static inline uint32_t xpv_ring_entries(size_t ring_bytes, size_t req_size,
					size_t rsp_size)
{
	size_t slot = xpv_ring_slot_size(req_size, rsp_size);

	if (slot == 0 || ring_bytes < XPV_SRING_HEADER_SIZE + slot)
		return 0;
	return xpv_ring_rounddown_pow2(
		(uint32_t)((ring_bytes - XPV_SRING_HEADER_SIZE) / slot));
}

/* Bytes of a ring of 2^order pages (ring-page-order). */
static inline size_t xpv_ring_bytes(unsigned int order)
{
	return (size_t)XPV_RING_PAGE_SIZE << order;
}

/* --- Attaching --------------------------------------------------------- */

/*
 * Reset the shared indices of a fresh ring (SHARED_RING_INIT): the
 * front end does this before granting the pages. Event indices start at 1
 * so that the very first entry each way is notified.
 */
static inline void xpv_sring_init(struct xpv_sring *s)
{
	s->req_prod = 0;
	s->rsp_prod = 0;
	s->req_event = 1;
	s->rsp_event = 1;
	memset(s->pvt.pvt_pad, 0, sizeof(s->pvt.pvt_pad));
	memset(s->pad, 0, sizeof(s->pad));
}

/*
 * Attach a front ring to ring_bytes of shared ring starting at index start
 * (FRONT_RING_ATTACH; start 0 is FRONT_RING_INIT). Returns 0, or -EINVAL
 * when not one slot fits.
 */
static inline int xpv_front_ring_attach(struct xpv_front_ring *r,
					struct xpv_sring *s, size_t ring_bytes,
					size_t req_size, size_t rsp_size,
					xpv_ring_idx_t start)
{
	uint32_t n = xpv_ring_entries(ring_bytes, req_size, rsp_size);

	if (n == 0)
		return -EINVAL;
	r->req_prod_pvt = start;
	r->rsp_cons = start;
	r->nr_ents = n;
	r->req_size = (uint32_t)req_size;
	r->rsp_size = (uint32_t)rsp_size;
	r->slot_size = xpv_ring_slot_size(req_size, rsp_size);
	r->sring = s;
	return 0;
}

/* Same for the back end (BACK_RING_ATTACH; start 0 is BACK_RING_INIT). */
static inline int xpv_back_ring_attach(struct xpv_back_ring *r,
				       struct xpv_sring *s, size_t ring_bytes,
				       size_t req_size, size_t rsp_size,
				       xpv_ring_idx_t start)
{
	uint32_t n = xpv_ring_entries(ring_bytes, req_size, rsp_size);

	if (n == 0)
		return -EINVAL;
	r->rsp_prod_pvt = start;
	r->req_cons = start;
	r->nr_ents = n;
	r->req_size = (uint32_t)req_size;
	r->rsp_size = (uint32_t)rsp_size;
	r->slot_size = xpv_ring_slot_size(req_size, rsp_size);
	r->sring = s;
	return 0;
}

/* Address of the slot index idx lands in (RING_GET_REQUEST/RESPONSE). */
static inline void *xpv_sring_slot(struct xpv_sring *s, uint32_t nr_ents,
				   uint32_t slot_size, xpv_ring_idx_t idx)
{
	return s->ring + (size_t)(idx & (nr_ents - 1)) * slot_size;
}

/*
 * Copy slot idx out of shared memory into dst (size bytes), so that the
 * caller validates and uses a private copy the peer cannot change under it
 * (RING_COPY_REQUEST). The compiler barrier after the copy forbids the
 * compiler from re-reading the shared slot in place of dst later.
 */
static inline void xpv_sring_copy_out(void *dst, const void *slot, size_t size)
{
	memcpy(dst, slot, size);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* --- Front end: producing requests ------------------------------------- */

/* Free request slots (RING_FREE_REQUESTS). */
static inline uint32_t xpv_front_free_requests(const struct xpv_front_ring *r)
{
	return r->nr_ents - (r->req_prod_pvt - r->rsp_cons);
}

static inline bool xpv_front_full(const struct xpv_front_ring *r)
{
	return xpv_front_free_requests(r) == 0;
}

/*
 * The next free request slot, to be filled by the caller; it is published
 * by the next push. NULL when the ring is full (every slot awaits a
 * response).
 */
static inline void *xpv_front_next_request(struct xpv_front_ring *r)
{
	void *slot;

	if (xpv_front_full(r))
		return NULL;
	slot = xpv_sring_slot(r->sring, r->nr_ents, r->slot_size,
			      r->req_prod_pvt);
	r->req_prod_pvt++;
	return slot;
}

/* Publish the requests filled so far, without deciding on a notify
 * (RING_PUSH_REQUESTS). */
static inline void xpv_front_push_requests(struct xpv_front_ring *r)
{
	/* Release (xen_wmb): the back end sees the requests' contents before
	 * it sees the producer index that covers them. */
	__atomic_store_n(&r->sring->req_prod, r->req_prod_pvt,
			 __ATOMIC_RELEASE);
}

/*
 * Whether a producer that moved its index from old_prod to new_prod must
 * notify a consumer that asked for an event at index event: true when
 * event lies in (old_prod, new_prod], computed modulo 2^32.
 */
static inline bool xpv_ring_need_notify(xpv_ring_idx_t old_prod,
					xpv_ring_idx_t new_prod,
					xpv_ring_idx_t event)
{
	return (xpv_ring_idx_t)(new_prod - event) <
	       (xpv_ring_idx_t)(new_prod - old_prod);
}

/*
 * Publish the requests filled so far and say whether the back end asked to
 * be notified of them (RING_PUSH_REQUESTS_AND_CHECK_NOTIFY). The caller
 * sends the event when this returns true.
 */
static inline bool
xpv_front_push_requests_and_check_notify(struct xpv_front_ring *r)
{
	struct xpv_sring *s = r->sring;
	xpv_ring_idx_t old = __atomic_load_n(&s->req_prod, __ATOMIC_RELAXED);
	xpv_ring_idx_t new = r->req_prod_pvt;

	/* Release (xen_wmb): requests visible before the new index. */
	__atomic_store_n(&s->req_prod, new, __ATOMIC_RELEASE);
	/* Full fence (xen_mb): the new index must be visible before we read
	 * req_event, else we may read a stale event while the back end,
	 * having re-armed it, reads our stale index: both would sleep. The
	 * back end's final check has the mirror fence. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xpv_ring_need_notify(
		old, new, __atomic_load_n(&s->req_event, __ATOMIC_RELAXED));
}

/* --- Front end: consuming responses ------------------------------------ */

/*
 * Read the back end's response producer index once and check it: returns
 * the number of unconsumed responses (>= 0), their end in *prod, or -EIO
 * when the index is impossible (more responses than requests
 * outstanding: RING_RESPONSE_PROD_OVERFLOW), meaning the back end is
 * broken or hostile and the ring must not be used further.
 */
static inline int xpv_front_peek_responses(const struct xpv_front_ring *r,
					   xpv_ring_idx_t *prod)
{
	/* Acquire (xen_rmb): the responses are read after the index that
	 * covers them. */
	xpv_ring_idx_t p =
		__atomic_load_n(&r->sring->rsp_prod, __ATOMIC_ACQUIRE);
	uint32_t n = p - r->rsp_cons;

	if (n > r->req_prod_pvt - r->rsp_cons)
		return -EIO;
	if (prod)
		*prod = p;
	return (int)n;
}

/* Copy response idx (rsp_cons <= idx < the peeked prod) into rsp, which
 * holds rsp_size bytes. */
static inline void xpv_front_copy_response(const struct xpv_front_ring *r,
					   xpv_ring_idx_t idx, void *rsp)
{
	xpv_sring_copy_out(
		rsp, xpv_sring_slot(r->sring, r->nr_ents, r->slot_size, idx),
		r->rsp_size);
}

/* Copy the next response (one the last peek counted) and consume it. */
static inline void xpv_front_take_response(struct xpv_front_ring *r, void *rsp)
{
	xpv_front_copy_response(r, r->rsp_cons, rsp);
	r->rsp_cons++;
}

/* Ask for an event when the next response is pushed (see
 * xpv_back_arm_request_event). */
static inline void xpv_front_arm_response_event(struct xpv_front_ring *r)
{
	__atomic_store_n(&r->sring->rsp_event, r->rsp_cons + 1,
			 __ATOMIC_RELAXED);
	/* Full fence (xen_mb): the event request is visible before we read
	 * rsp_prod again; pairs with the fence in
	 * xpv_back_push_responses_and_check_notify. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Before sleeping: ask for an event at the next response and look once
 * more (RING_FINAL_CHECK_FOR_RESPONSES). Returns the number of unconsumed
 * responses (0: safe to sleep, the back end will notify), or -EIO as
 * xpv_front_peek_responses.
 */
static inline int xpv_front_final_check_for_responses(struct xpv_front_ring *r)
{
	int n = xpv_front_peek_responses(r, NULL);

	if (n != 0)
		return n;
	xpv_front_arm_response_event(r);
	return xpv_front_peek_responses(r, NULL);
}

/* --- Back end: consuming requests -------------------------------------- */

/*
 * Read the front end's request producer index once and check it: returns
 * the number of unconsumed requests (>= 0), their end in *prod, or -EIO
 * when the index is impossible, i.e. claims more unconsumed requests than
 * there are free slots (RING_REQUEST_PROD_OVERFLOW; an index that went
 * backwards counts as a huge number). The ring is then broken: the caller
 * stops using it rather than looping over garbage.
 */
static inline int xpv_back_peek_requests(const struct xpv_back_ring *r,
					 xpv_ring_idx_t *prod)
{
	/* Acquire (xen_rmb): requests are read after the index covering
	 * them. */
	xpv_ring_idx_t p =
		__atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
	uint32_t n = p - r->req_cons;
	uint32_t room = r->nr_ents - (r->req_cons - r->rsp_prod_pvt);

	if (n > room)
		return -EIO;
	if (prod)
		*prod = p;
	return (int)n;
}

/* Copy request idx (req_cons <= idx < the peeked prod) into req, which
 * holds req_size bytes. */
static inline void xpv_back_copy_request(const struct xpv_back_ring *r,
					 xpv_ring_idx_t idx, void *req)
{
	xpv_sring_copy_out(
		req, xpv_sring_slot(r->sring, r->nr_ents, r->slot_size, idx),
		r->req_size);
}

/* Copy the next request (one the last peek counted) and consume it. */
static inline void xpv_back_take_request(struct xpv_back_ring *r, void *req)
{
	xpv_back_copy_request(r, r->req_cons, req);
	r->req_cons++;
}

/*
 * Ask for an event when the next request is pushed: the middle step of the
 * final check, for callers that must look again themselves.
 */
static inline void xpv_back_arm_request_event(struct xpv_back_ring *r)
{
	__atomic_store_n(&r->sring->req_event, r->req_cons + 1,
			 __ATOMIC_RELAXED);
	/* Full fence (xen_mb): the event request is visible before we read
	 * req_prod again; pairs with the fence in
	 * xpv_front_push_requests_and_check_notify. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Before sleeping: ask for an event at the next request and look once
 * more (RING_FINAL_CHECK_FOR_REQUESTS). Returns the number of unconsumed
 * requests (0: safe to sleep), or -EIO as xpv_back_peek_requests.
 */
static inline int xpv_back_final_check_for_requests(struct xpv_back_ring *r)
{
	int n = xpv_back_peek_requests(r, NULL);

	if (n != 0)
		return n;
	xpv_back_arm_request_event(r);
	return xpv_back_peek_requests(r, NULL);
}

/* --- Back end: producing responses ------------------------------------- */

/*
 * The next response slot, to be filled by the caller and published by the
 * next push. A response reuses the slot of a consumed request, so its
 * request must have been copied out first. NULL when every consumed
 * request already has its response.
 */
static inline void *xpv_back_next_response(struct xpv_back_ring *r)
{
	void *slot;

	if (r->rsp_prod_pvt == r->req_cons)
		return NULL;
	slot = xpv_sring_slot(r->sring, r->nr_ents, r->slot_size,
			      r->rsp_prod_pvt);
	r->rsp_prod_pvt++;
	return slot;
}

/* Publish the responses filled so far (RING_PUSH_RESPONSES). */
static inline void xpv_back_push_responses(struct xpv_back_ring *r)
{
	/* Release (xen_wmb): responses visible before the index. */
	__atomic_store_n(&r->sring->rsp_prod, r->rsp_prod_pvt,
			 __ATOMIC_RELEASE);
}

/* Publish and say whether the front end asked to be notified
 * (RING_PUSH_RESPONSES_AND_CHECK_NOTIFY). */
static inline bool
xpv_back_push_responses_and_check_notify(struct xpv_back_ring *r)
{
	struct xpv_sring *s = r->sring;
	xpv_ring_idx_t old = __atomic_load_n(&s->rsp_prod, __ATOMIC_RELAXED);
	xpv_ring_idx_t new = r->rsp_prod_pvt;

	/* Release (xen_wmb): responses visible before the new index. */
	__atomic_store_n(&s->rsp_prod, new, __ATOMIC_RELEASE);
	/* Full fence (xen_mb): new index visible before reading rsp_event;
	 * pairs with xpv_front_final_check_for_responses. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return xpv_ring_need_notify(
		old, new, __atomic_load_n(&s->rsp_event, __ATOMIC_RELAXED));
}

#endif /* XPV_RING_RING_H */
