/*
 * db.h - node access as a connection sees it: the global store outside a
 * transaction, the transaction's private view inside one (c->txn).
 *
 * Every read and change goes through here, so that a transaction records
 * exactly what Xen's access_node() records (transaction.c relies on it),
 * and the per-domain node counts stay right.
 *
 * A node returned by db_read() may be changed in place by the caller and
 * then must be passed to db_write(); it stays valid until the next
 * db_delete() of it or the end of the request.
 */
#ifndef XPV_XENSTORED_DB_H
#define XPV_XENSTORED_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstored/store.h"

struct conn;

/* NULL with errno ENOENT (no such node in this view), ENOSPC (the
 * transaction's node quota), ENOMEM. */
struct node *db_read(struct conn *c, const char *name, uint32_t len);
/* n changed (or is new: db_create() made it): give it a new generation
 * and make it visible in this view. */
int db_write(struct conn *c, struct node *n);
/* A new node for name, perms copied, not yet visible: db_write() it, or
 * db_discard() it on error. Counts one node for perms[0].id. */
struct node *db_create(struct conn *c, const char *name, uint32_t len,
		       const struct xs_perm *perms, uint32_t nperms);
void db_discard(struct conn *c, struct node *n);
/* Remove n (not its children) from this view; n is freed. */
int db_delete(struct conn *c, struct node *n);
/* The owner of n changes from old_owner (node counts follow). */
void db_owner_changed(struct conn *c, uint32_t old_owner, uint32_t owner);

#endif /* XPV_XENSTORED_DB_H */
