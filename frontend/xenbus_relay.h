/*
 * xenbus_relay.h - one xenstore connection shared by several clients, as
 * Linux's /dev/xen/xenbus shares the kernel's: each client speaks the wire
 * protocol (io/xs_wire.h) on a stream of its own (one end of a
 * socketpair; xenbus_open_fd() on the other end makes it an ordinary
 * xenbus handle), and the relay forwards its requests over the one handle
 * and hands it back its replies and its own watch events.
 *
 * A domain has one xenstore ring. On sim the guest's kernel (xpv-guest)
 * owns it; a driver that runs in a thread of its own (the vbd server of
 * frontend/guest/vbd.c) gets a relay, so that blkfront, which expects a
 * handle serving it alone, runs there unchanged.
 *
 *   r = xenbus_relay_new(xb, fd, "vbd/51712:");
 *   poll xenbus_relay_fd(r) for POLLIN -> xenbus_relay_serve(r)
 *   for each event read from xb: xenbus_relay_event(r, path, token)
 *   xenbus_relay_free(r)
 *
 * The owner of xb calls all of these from the thread that uses xb.
 * Requests are forwarded one at a time and wait for their reply (as
 * every xb request does). Watch tokens are prefixed on the shared
 * connection and the prefix removed on the way back, so events reach the
 * client that asked for them and only it. Forwarded are the requests
 * Linux's xenbus_dev_frontend forwards (read, write, mkdir, rm,
 * directory and directory-part, permissions, transactions, watches,
 * the domain path); any other type is answered EINVAL, since it would act
 * on the shared connection (XS_RESET_WATCHES would drop everyone's
 * watches). When the client goes, its watches are removed and its open
 * transactions aborted.
 *
 * Error convention: int functions return 0 or -errno; pointer functions
 * return NULL and set errno.
 */
#ifndef XPV_FRONTEND_XENBUS_RELAY_H
#define XPV_FRONTEND_XENBUS_RELAY_H

#include <stdbool.h>

#include "frontend/xenbus.h"

struct xenbus_relay;

/* Watches and transactions one client may hold at once (ENOSPC beyond). */
#define XENBUS_RELAY_MAX_WATCHES 32u
#define XENBUS_RELAY_MAX_TX 16u

/*
 * A relay for the client at the other end of fd, a connected stream
 * socket (the relay owns it from now on, also when this fails). prefix
 * (at most 32 bytes) marks the client's watch tokens on xb; no two relays
 * of one xb may share a prefix, nor may the owner's own tokens start with
 * one.
 */
struct xenbus_relay *xenbus_relay_new(struct xenbus *xb, int fd,
				      const char *prefix);

/* Remove the client's watches, abort its transactions, close its fd. */
void xenbus_relay_free(struct xenbus_relay *r);

/* The client's stream, to poll for POLLIN. */
int xenbus_relay_fd(const struct xenbus_relay *r);

/*
 * Forward what the client sent, one request after the other, and send
 * back each reply (an error of xb's, as -EIO when it is dead, goes back
 * as an XS_ERROR). 0; -EPIPE when the client hung up, broke the framing
 * or stopped reading its replies: then free the relay.
 */
int xenbus_relay_serve(struct xenbus_relay *r);

/* A watch event read from xb: true when it was the client's (it got it,
 * or lost it with its connection); false when it is someone else's. */
bool xenbus_relay_event(struct xenbus_relay *r, const char *path,
			const char *token);

#endif /* XPV_FRONTEND_XENBUS_RELAY_H */
