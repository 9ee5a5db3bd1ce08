/*
 * db.c - node access through a connection's view (see db.h).
 *
 * Outside a transaction the global store is read and changed in place.
 * Inside one, the first access of a path records it (transaction.c) with
 * a private copy of the node, and every later access of that path uses
 * the copy, as Xen's access_node()/transaction_prepend() do.
 */
#include <errno.h>
#include <stdlib.h>

#include "xenstored/conn_int.h"
#include "xenstored/db.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"

static void count(struct conn *c, uint32_t owner, int delta)
{
	if (c && c->txn)
		txn_count(c->txn, owner, delta);
	else
		quota_entries_add(owner, delta);
}

struct node *db_read(struct conn *c, const char *name, uint32_t len)
{
	struct node *global;
	struct txent *e;
	int ret;

	if (!c || !c->txn) {
		global = store_find(name, len);
		if (!global)
			errno = ENOENT;
		return global;
	}
	e = txn_entry(c->txn, name, len);
	if (!e) {
		ret = txn_record(c, name, len, store_find(name, len), true, &e);
		if (ret) {
			errno = -ret;
			return NULL;
		}
	}
	if (!e->node)
		errno = ENOENT;
	return e->node;
}

int db_write(struct conn *c, struct node *n)
{
	struct txent *e;
	int ret;

	n->generation = ++store_generation;
	if (!c || !c->txn) {
		node_account(n, true);
		if (store_find(n->name, n->namelen) != n)
			htab_insert(&store, &n->link);
		return 0;
	}
	e = txn_entry(c->txn, n->name, n->namelen);
	if (!e) {
		ret = txn_record(c, n->name, n->namelen,
				 store_find(n->name, n->namelen), false, &e);
		if (ret)
			return ret;
	}
	/* Counted before n replaces the old copy, so that a refused n stays
	 * the caller's. */
	ret = txn_charge(c, e, n);
	if (ret)
		return ret;
	if (e->node != n) {
		node_free(e->node);
		e->node = n;
	}
	e->modified = true;
	return 0;
}

struct node *db_create(struct conn *c, const char *name, uint32_t len,
		       const struct xs_perm *perms, uint32_t nperms)
{
	struct node *n = node_new(name, len, perms, nperms);

	if (n)
		count(c, perms[0].id, 1);
	return n;
}

void db_discard(struct conn *c, struct node *n)
{
	count(c, n->perms[0].id, -1);
	node_free(n);
}

int db_delete(struct conn *c, struct node *n)
{
	struct txent *e;

	count(c, n->perms[0].id, -1);
	store_generation++;
	if (!c || !c->txn) {
		node_account(n, false);
		htab_remove(&store, &n->link);
		node_free(n);
		return 0;
	}
	/* n came from db_read(), so its entry exists. */
	e = txn_entry(c->txn, n->name, n->namelen);
	if (!e)
		return -EIO;
	node_free(e->node);
	e->node = NULL;
	e->modified = true;
	/* Less to count: cannot fail. */
	return txn_charge(c, e, NULL);
}

void db_owner_changed(struct conn *c, uint32_t old_owner, uint32_t owner)
{
	if (old_owner == owner)
		return;
	count(c, old_owner, -1);
	count(c, owner, 1);
}
