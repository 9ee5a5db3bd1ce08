/*
 * xenbus_priv.h - the xenbus client's insides (private to frontend/xenbus*.c).
 *
 * A transport carries the bytes: a stream fd (xenbus_fd.c: /dev/xen/xenbus, a unix
 * socket) or a xenstore ring page with its event channel (xenbus_ring.c).
 *
 * Same error convention as xenbus.h: read and write return the bytes moved
 * (> 0), -EAGAIN when nothing can move now, or another -errno when the
 * transport is broken (-EPIPE: the peer went away; -EIO: the peer broke
 * the ring). None of them blocks except wait.
 */
#ifndef XPV_FRONTEND_XENBUS_PRIV_H
#define XPV_FRONTEND_XENBUS_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "frontend/xenbus.h"

struct xb_transport {
	ssize_t (*read)(void *priv, void *buf, size_t len);
	ssize_t (*write)(void *priv, const void *buf, size_t len);
	/* Tell the peer about what read/write moved since the last flush
	 * (a ring notifies its port once per batch, not per chunk). */
	int (*flush)(void *priv);
	/* Block until bytes may be read (or, with want_write, written) or
	 * timeout_ms passed (< 0: forever). 0, -ETIMEDOUT or -errno. */
	int (*wait)(void *priv, bool want_write, int timeout_ms);
	/* Pollable fd, readable when wait would return at once for input. */
	int (*fd)(void *priv);
	void (*close)(void *priv);
};

/* Build a handle on a transport; on failure t->close(priv) has been
 * called. */
struct xenbus *xenbus_new(const struct xb_transport *t, void *priv);

/* The sim guest's own ring (xenbus_ring.c), for xenbus_open(). */
struct xenbus *xenbus_open_self_ring(struct hv *hv);

/*
 * Send one request (type, tx, payload = the iov pieces concatenated) and
 * wait for its reply. On success *reply holds the reply payload, *len
 * bytes plus a NUL added here (caller frees). An XS_ERROR reply returns
 * the errno it names. -E2BIG when the payload exceeds XENSTORE_PAYLOAD_MAX.
 */
int xb_request(struct xenbus *xb, uint32_t type, xenbus_tx_t tx,
	       const struct iovec *iov, unsigned int niov, char **reply,
	       unsigned int *len);

#endif /* XPV_FRONTEND_XENBUS_PRIV_H */
