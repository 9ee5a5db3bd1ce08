/*
 * conn_int.h - the connection as the core's handlers see it. Private to
 * the core: conn.c and the files that hold wire handlers (wire.h), which
 * reply through it; a transport's own code uses conn.h only.
 */
#ifndef XPV_XENSTORED_CONN_INT_H
#define XPV_XENSTORED_CONN_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring/xs_wire.h"
#include "xenstored/conn.h"

struct txn;
struct watch;

/* Input buffer: room for a few pipelined messages per read(). */
#define CONN_IBUF (4 * (sizeof(struct xpv_xsd_sockmsg) + 4096))

struct conn {
	struct conn *prev, *next; /* every connection, creation order */
	const struct conn_transport *t;
	void *priv;
	unsigned int id; /* for logs and traces */
	unsigned int domid;
	bool readonly;
	bool stalled;
	bool dead; /* destroyed while busy: freed when the call unwinds */
	bool on_dirty;
	bool want_out; /* told the transport we wait for output room */
	bool resume; /* input left unread to be fair: on the resume list */
	int busy;

	/* Input: bytes read but not yet dispatched. */
	uint32_t ilen;
	char ibuf[CONN_IBUF];

	/* Output: queued messages, written from ooff; obound is the start
	 * of the first message not yet fully written. */
	char *obuf;
	size_t olen, ocap, ooff, obound;
	unsigned int oreplies; /* replies (not events) not yet written */
	struct conn *dirty_next;
	struct conn *resume_next;

	/* The request being handled. */
	const struct xpv_xsd_sockmsg *req;
	struct txn *txn; /* its transaction, or NULL */

	struct txn *txns; /* open transactions, newest first */
	unsigned int ntxn;
	uint32_t next_txid;

	struct watch *watches, *watches_tail; /* registration order */
	unsigned int nwatch;
};

/* Every connection, in creation order (watch events go out in it). */
extern struct conn *conn_list;

/* Queue a message to conn (a reply copies the request's req_id/tx_id).
 * Returns 0 (also when the reply could not be queued: the connection is
 * then destroyed) or -E2BIG over XENSTORE_PAYLOAD_MAX, which the handler
 * returns for the dispatcher to answer. */
int conn_reply(struct conn *c, uint32_t type, const void *data, uint32_t len);
int conn_reply2(struct conn *c, uint32_t type, const void *a, uint32_t alen,
		const void *b, uint32_t blen);
int conn_ack(struct conn *c, uint32_t type);
int conn_error(struct conn *c, int err);
/* Queue a watch event "path\0token\0"; dropped if an identical event is
 * still queued (as Xen). */
void conn_event(struct conn *c, const char *path, const char *token);

/* Write out every connection's queued output (after events were queued
 * outside a request, e.g. by the domain transport). */
void conn_flush_all(void);
/* Go on with connections that stopped reading to let others in; true if
 * some still have more (the event loop's pending hook). */
bool conn_resume_all(void);

/* A connection speaking for a domain other than dom0 / the privileged
 * domain: permission checks and quotas apply to it. */
bool conn_unprivileged(const struct conn *c);
/* The implicit path for relative names: /local/domain/<domid>. */
int conn_home(const struct conn *c, char *buf, size_t len);

#endif /* XPV_XENSTORED_CONN_INT_H */
