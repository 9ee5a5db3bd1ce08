/*
 * transaction.h - xenstore transactions (see the design note at the top of
 * transaction.c).
 *
 * int functions return 0 or -errno.
 */
#ifndef XPV_XENSTORED_TRANSACTION_H
#define XPV_XENSTORED_TRANSACTION_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstored/store.h"

struct conn;

/* One node a transaction has touched. */
struct txent {
	struct hlink link; /* key: name */
	struct txent *next; /* first-access order */
	struct node *node; /* private copy; NULL: absent in this view */
	uint64_t gen0; /* generation at first access (NO_GENERATION) */
	bool check; /* first access was a read: check gen0 at commit */
	bool modified;
	bool fire, exact; /* a watch event is due at commit */
	struct xs_perm *perms0; /* permissions at first access (watches) */
	uint32_t nperms0;
	size_t charged; /* bytes counted to the transaction's domain */
	char name[];
};

struct txdelta {
	uint32_t domid;
	int delta;
};

struct txn {
	struct txn *next; /* the connection's open transactions */
	uint32_t id;
	struct htab tab;
	struct txent *head, *tail;
	unsigned int nodes; /* entries, against --transaction-nodes */
	bool fail; /* an internal error: commit must not happen */
	bool node_created;
	struct txdelta *deltas; /* per-domain change of node count */
	unsigned int ndeltas, cdeltas;
	uint32_t domid; /* whose memory quota the entries count against */
	size_t charged; /* the sum of the entries' charged */
};

/* XS_TRANSACTION_START and XS_TRANSACTION_END are handled here (wire.h). */
/* The transaction id of conn's request, NULL for 0; -ENOENT if unknown. */
int txn_lookup(struct conn *c, uint32_t id, struct txn **out);
/* Abort every open transaction of conn. */
void txn_abort_all(struct conn *c);

/* The entry of name in t, or NULL. */
struct txent *txn_entry(struct txn *t, const char *name, uint32_t len);
/* Record a first access of name (node is the global node or NULL): a
 * private copy is made. read: the access is a read (checked at commit).
 * The entry counts against the connection's memory quota.
 * -ENOSPC over the per-transaction node quota, -ENOMEM (also over the
 * memory quota). */
int txn_record(struct conn *c, const char *name, uint32_t len,
	       const struct node *global, bool read, struct txent **out);
/* What an entry for a name of len bytes costs without its copy (nperms0:
 * the permissions it keeps of the global node, 0 for a new node). */
size_t txn_entry_cost(uint32_t len, uint32_t nperms0);
/* Whether more bytes of c's transaction fit its domain's memory quota
 * (privileged connections: always): 0 or -ENOMEM. Handlers ask before
 * they grow a private copy in place, as the copy cannot be put back. */
int txn_room(struct conn *c, long more);
/* Count e at what it costs with copy as its private node (NULL: none)
 * against the memory quota of c's domain, before copy replaces e->node.
 * -ENOMEM (and the transaction spoilt) when that would take an
 * unprivileged domain to the quota; nothing is then counted. */
int txn_charge(struct conn *c, struct txent *e, const struct node *copy);
/* Count a change of domid's node count inside t. */
void txn_count(struct txn *t, uint32_t domid, int delta);
/* A watch event for name is due at commit (exact: name only). */
void txn_queue_watch(struct txn *t, const char *name, bool exact);

#endif /* XPV_XENSTORED_TRANSACTION_H */
