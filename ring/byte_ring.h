/*
 * byte_ring.h - the byte-stream rings of the xenstore and console pages.
 *
 * A byte ring is a power-of-two buffer and two free-running uint32_t
 * indices in shared memory: the producer writes at prod & (size - 1) and
 * advances prod, the consumer reads at cons & (size - 1) and advances cons
 * (MASK_XENSTORE_IDX, MASK_XENCONS_IDX). prod - cons, modulo 2^32, is the
 * number of unread bytes; it can never exceed size.
 *
 * Both indices live in memory the peer can write. Every call reads each
 * index once and checks prod - cons <= size; an impossible pair is
 * reported as -EIO (the ring is broken: xenstored sets
 * XENSTORE_ERROR_RINGIDX and drops the connection) and nothing is copied.
 * No call blocks or loops on the peer.
 *
 * Ordering, as Linux's xenbus ring code and xenstored: data is written
 * before prod is published (release store) and read after prod is seen
 * (acquire load); cons is published after the data was read (release) and
 * read before the slots it frees are overwritten (acquire).
 *
 * Notification is not part of this: after a read or write that moved an
 * index, the caller signals the peer's event channel.
 *
 * One reader and one writer per direction; a struct xpv_byte_ring is the
 * caller's, describing one direction.
 */
#ifndef XPV_RING_BYTE_RING_H
#define XPV_RING_BYTE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "ring/console.h"
#include "ring/xs_wire.h"

struct xpv_byte_ring {
	char *buf; /* shared */
	uint32_t size; /* a power of two */
	uint32_t *cons; /* shared */
	uint32_t *prod; /* shared */
};

/* The four rings of the two pages, by who produces (see the headers). */
void xpv_byte_ring_xenstore_req(struct xpv_byte_ring *r,
				struct xpv_xenstore_domain_interface *intf);
void xpv_byte_ring_xenstore_rsp(struct xpv_byte_ring *r,
				struct xpv_xenstore_domain_interface *intf);
void xpv_byte_ring_console_in(struct xpv_byte_ring *r,
			      struct xpv_xencons_interface *intf);
void xpv_byte_ring_console_out(struct xpv_byte_ring *r,
			       struct xpv_xencons_interface *intf);

/*
 * Any other ring: size must be a power of two, at most 2^30. Returns 0 or
 * -EINVAL.
 */
int xpv_byte_ring_init(struct xpv_byte_ring *r, void *buf, uint32_t size,
		       uint32_t *cons, uint32_t *prod);

/* Bytes ready to read (>= 0), or -EIO when the indices are impossible. */
int xpv_byte_ring_readable(const struct xpv_byte_ring *r);
/* Bytes of free space (>= 0), or -EIO when the indices are impossible. */
int xpv_byte_ring_writable(const struct xpv_byte_ring *r);

/*
 * Copy up to len unread bytes into dst and consume them. Returns the count
 * copied (0 when the ring is empty), or -EIO (nothing consumed).
 */
int xpv_byte_ring_read(const struct xpv_byte_ring *r, void *dst, size_t len)
	__attribute__((warn_unused_result));
/*
 * Copy up to len bytes from src into free space and publish them. Returns
 * the count copied (0 when the ring is full), or -EIO (nothing written).
 */
int xpv_byte_ring_write(const struct xpv_byte_ring *r, const void *src,
			size_t len) __attribute__((warn_unused_result));

#endif /* XPV_RING_BYTE_RING_H */
