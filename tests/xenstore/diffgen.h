/*
 * diffgen.h - the seeded random stream of xenstore requests that the
 * differential test sends to two daemons.
 *
 * The stream is a function of the seed and of the replies seen so far
 * (which the harness feeds back with diffgen_result(): both daemons must
 * have given the same reply, or the test has already failed). It mixes
 * every request type with wrong ones: bad paths, missing nodes, malformed
 * payloads, bad and stale transaction ids, unknown types, header lengths
 * over the limit. Requests go to one of several connections, each of which
 * may hold several open transactions, so that transactions of different
 * connections conflict, or not, in every interleaving.
 *
 * Transactions are named by handles, not by the ids a daemon allocates:
 * handle h is the h-th TRANSACTION_START of the run, and the harness maps
 * it to each daemon's own id (see differential.c).
 */
#ifndef XPV_TESTS_DIFFGEN_H
#define XPV_TESTS_DIFFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ring/xs_wire.h"

#define DIFF_CONNS 3 /* dom0 connections (unix socket) per daemon */
#define DIFF_MAX_DOMUS 3 /* optional domU connections, numbered after them */
#define DIFF_MAX_CONNS (DIFF_CONNS + DIFF_MAX_DOMUS)
#define DIFF_TX_OPEN 4 /* open transactions per connection, at most */
#define DIFF_TX_STALE 4 /* ended transactions remembered per connection */
#define DIFF_WATCHES 8 /* watches remembered per connection */

/* How an op names its transaction. */
enum diff_tx_kind {
	DIFF_TX_NONE, /* tx_id 0 */
	DIFF_TX_HANDLE, /* a handle: open, or stale (ended) */
	DIFF_TX_LITERAL, /* a literal id that no daemon ever allocated */
};

struct diff_op {
	unsigned int conn;
	uint32_t type;
	enum diff_tx_kind tx_kind;
	uint32_t tx; /* handle or literal id */
	/* For TRANSACTION_START, the handle the new transaction will get. */
	uint32_t new_handle;
	/*
	 * Not NULL for a request on which Debian's xenstored 4.17 has a known
	 * bug (docs/xenstore-conformance.md): the error name Xen's
	 * documentation calls for. Such a request is not sent to a daemon
	 * marked as the reference; the others must answer this error.
	 */
	const char *ref_bug_expect;
	/* Header length: len, except in ops that lie about it. */
	uint32_t hdr_len;
	size_t len;
	char payload[XPV_XENSTORE_PAYLOAD_MAX];
};

struct diffgen;

/*
 * A generator for seed; NULL and errno on failure. diffgen_free frees.
 * With ndomus domUs (ids in domus[]), requests go to connections
 * DIFF_CONNS.. DIFF_CONNS + ndomus - 1 too, each a domU's ring, which
 * cannot be reconnected: no request that makes a daemon drop a
 * connection goes there, nor XS_RELEASE of a domU. Without, the stream is
 * the same as it always was.
 */
struct diffgen *diffgen_new(uint64_t seed, const unsigned int *domus,
			    unsigned int ndomus);
void diffgen_free(struct diffgen *g);

/* The next request. */
void diffgen_next(struct diffgen *g, struct diff_op *op);

/*
 * What the request got (the reply both daemons agreed on): reply type and
 * payload (NUL-terminated). closed: the daemons dropped the connection
 * instead (then every transaction and watch of that connection is gone).
 */
void diffgen_result(struct diffgen *g, const struct diff_op *op,
		    uint32_t reply_type, const char *body, bool closed);

#endif /* XPV_TESTS_DIFFGEN_H */
