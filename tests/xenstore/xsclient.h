/*
 * xsclient.h - a minimal xenstore client speaking the wire protocol
 * (ring/xs_wire.h) directly on a unix socket, for the differential test and
 * the benchmark: no library between the test and the daemon, so what is
 * compared is exactly the bytes each daemon sent, and the client costs
 * next to nothing.
 *
 * A message received is whole: header plus payload (at most
 * XPV_XENSTORE_PAYLOAD_MAX bytes, plus a NUL the daemon did not send so
 * that payloads can be printed). All functions return 0 or -errno.
 */
#ifndef XPV_TESTS_XSCLIENT_H
#define XPV_TESTS_XSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "ring/xs_wire.h"

struct xsc_msg {
	struct xpv_xsd_sockmsg hdr;
	char body[XPV_XENSTORE_PAYLOAD_MAX + 1];
};

struct xsc {
	int fd;
	/* Bytes received but not yet returned as messages. */
	size_t have;
	char buf[2 *
		 (sizeof(struct xpv_xsd_sockmsg) + XPV_XENSTORE_PAYLOAD_MAX)];
};

/* Connect to the daemon's socket at path. */
int xsc_connect(struct xsc *c, const char *path);
void xsc_close(struct xsc *c);

/*
 * Send one message. len may exceed XPV_XENSTORE_PAYLOAD_MAX only in the
 * header (hdr_len), to test how a daemon treats a lie: the payload sent is
 * always the len bytes given.
 */
int xsc_send_raw(struct xsc *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		 uint32_t hdr_len, const void *payload, size_t len);
int xsc_send(struct xsc *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
	     const void *payload, size_t len);

/*
 * Receive the next message into m, waiting at most timeout_ms (-1: for
 * ever). -ETIMEDOUT when nothing whole came in time, -ECONNRESET when the
 * daemon closed the connection, -EPROTO when it sent a header with a
 * length over XPV_XENSTORE_PAYLOAD_MAX.
 */
int xsc_recv(struct xsc *c, struct xsc_msg *m, int timeout_ms);

/* True when a whole message is already buffered (xsc_recv won't block). */
int xsc_pending(const struct xsc *c);

/*
 * For a caller that polls many connections itself: xsc_read_ready reads
 * once what the socket has (call it when poll said POLLIN; 0 or -errno,
 * -ECONNRESET at end of stream), xsc_take returns the next whole buffered
 * message (0), -EAGAIN when there is none, -EPROTO as xsc_recv.
 */
int xsc_read_ready(struct xsc *c);
int xsc_take(struct xsc *c, struct xsc_msg *m);

/*
 * One request, its reply: send, then receive until the reply comes,
 * skipping watch events (counted in *events when events is not NULL).
 */
int xsc_call(struct xsc *c, uint32_t type, uint32_t tx_id, const void *payload,
	     size_t len, struct xsc_msg *reply, unsigned int *events);

#endif /* XPV_TESTS_XSCLIENT_H */
