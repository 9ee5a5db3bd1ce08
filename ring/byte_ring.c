/*
 * byte_ring.c - reading and writing xenstore and console byte rings; the
 * contract and the orderings are in byte_ring.h.
 */
#include <errno.h>
#include <string.h>

#include "ring/byte_ring.h"

int xpv_byte_ring_init(struct xpv_byte_ring *r, void *buf, uint32_t size,
		       uint32_t *cons, uint32_t *prod)
{
	if (size == 0 || (size & (size - 1)) != 0 || size > (1u << 30))
		return -EINVAL;
	r->buf = buf;
	r->size = size;
	r->cons = cons;
	r->prod = prod;
	return 0;
}

void xpv_byte_ring_xenstore_req(struct xpv_byte_ring *r,
				struct xpv_xenstore_domain_interface *intf)
{
	r->buf = intf->req;
	r->size = XPV_XENSTORE_RING_SIZE;
	r->cons = &intf->req_cons;
	r->prod = &intf->req_prod;
}

void xpv_byte_ring_xenstore_rsp(struct xpv_byte_ring *r,
				struct xpv_xenstore_domain_interface *intf)
{
	r->buf = intf->rsp;
	r->size = XPV_XENSTORE_RING_SIZE;
	r->cons = &intf->rsp_cons;
	r->prod = &intf->rsp_prod;
}

void xpv_byte_ring_console_in(struct xpv_byte_ring *r,
			      struct xpv_xencons_interface *intf)
{
	r->buf = intf->in;
	r->size = XPV_XENCONS_IN_SIZE;
	r->cons = &intf->in_cons;
	r->prod = &intf->in_prod;
}

void xpv_byte_ring_console_out(struct xpv_byte_ring *r,
			       struct xpv_xencons_interface *intf)
{
	r->buf = intf->out;
	r->size = XPV_XENCONS_OUT_SIZE;
	r->cons = &intf->out_cons;
	r->prod = &intf->out_prod;
}

/* prod - cons is the unread byte count; more than size cannot happen
 * unless a peer wrote garbage into an index. */
static int unread(const struct xpv_byte_ring *r, uint32_t cons, uint32_t prod)
{
	uint32_t n = prod - cons;

	return n > r->size ? -EIO : (int)n;
}

int xpv_byte_ring_readable(const struct xpv_byte_ring *r)
{
	uint32_t prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_RELAXED);

	return unread(r, cons, prod);
}

int xpv_byte_ring_writable(const struct xpv_byte_ring *r)
{
	uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(r->prod, __ATOMIC_RELAXED);
	int n = unread(r, cons, prod);

	return n < 0 ? n : (int)r->size - n;
}

/* Copy n bytes between the ring at masked offset off and flat memory, in
 * at most two pieces when the span wraps past the end of the buffer. */
static void copy_from_ring(const struct xpv_byte_ring *r, uint32_t off,
			   char *dst, uint32_t n)
{
	uint32_t first = r->size - off < n ? r->size - off : n;

	memcpy(dst, r->buf + off, first);
	memcpy(dst + first, r->buf, n - first);
}

static void copy_to_ring(const struct xpv_byte_ring *r, uint32_t off,
			 const char *src, uint32_t n)
{
	uint32_t first = r->size - off < n ? r->size - off : n;

	memcpy(r->buf + off, src, first);
	memcpy(r->buf, src + first, n - first);
}

int xpv_byte_ring_read(const struct xpv_byte_ring *r, void *dst, size_t len)
{
	/* Acquire: the bytes up to prod are read only after prod is seen. */
	uint32_t prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_RELAXED);
	int avail = unread(r, cons, prod);
	uint32_t n;

	if (avail < 0)
		return avail;
	n = len < (size_t)avail ? (uint32_t)len : (uint32_t)avail;
	if (n == 0)
		return 0;
	copy_from_ring(r, cons & (r->size - 1), dst, n);
	/* Release: our reads of the bytes finish before the producer may
	 * see their space as free and overwrite it. */
	__atomic_store_n(r->cons, cons + n, __ATOMIC_RELEASE);
	return (int)n;
}

int xpv_byte_ring_write(const struct xpv_byte_ring *r, const void *src,
			size_t len)
{
	/* Acquire: we overwrite freed space only after the consumer's reads
	 * of it, which its release of cons published. */
	uint32_t cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(r->prod, __ATOMIC_RELAXED);
	int used = unread(r, cons, prod);
	uint32_t space, n;

	if (used < 0)
		return used;
	space = r->size - (uint32_t)used;
	n = len < space ? (uint32_t)len : space;
	if (n == 0)
		return 0;
	copy_to_ring(r, prod & (r->size - 1), src, n);
	/* Release: the bytes are in place before the consumer sees prod. */
	__atomic_store_n(r->prod, prod + n, __ATOMIC_RELEASE);
	return (int)n;
}
