/*
 * transaction.c - xenstore transactions.
 *
 * Design (the rules are Xen 4.17's, tools/xenstore/xenstored_transaction.c;
 * the data structure is ours).
 *
 * Every node carries a generation: the value of the global counter G,
 * incremented, when the node was last written. A transaction keeps, per
 * path it touched, an entry (struct txent) in its own hash table:
 *   - gen0, the node's generation at the first access (NO_GENERATION when
 *     the node did not exist then), and whether that first access was a
 *     read (then gen0 is checked at commit);
 *   - a private copy of the node, or NULL for "absent in this view". All
 *     later reads and writes of the path inside the transaction use the
 *     copy, so the transaction sees a consistent snapshot of everything it
 *     touched, plus its own changes. Paths it never touched are read from
 *     the global store at first access: like Xen, the snapshot is taken
 *     lazily, per node.
 * Nothing global changes until commit. Commit succeeds only if every
 * checked entry's node still has generation gen0 (or is still absent);
 * otherwise the client gets EAGAIN and retries. Then every modified entry
 * replaces (or deletes) the global node, in first-access order, with a new
 * generation, and the watch events queued for it fire.
 *
 * Because handlers read a node before changing it (as Xen's do), a write
 * is checked too: two transactions writing the same node conflict, the
 * later commit fails.
 *
 * Worked examples (g(X): generation of X, G: global counter):
 * 1. T1 reads A, writes B. I: g(A)=1, g(B)=2, G=3.
 *    T1 reads A: gen0(A)=1. T1 reads B (before writing it): gen0(B)=2,
 *    writes B in its copy. Commit: g(A)=1, g(B)=2 unchanged: B replaced,
 *    g(B)=4.
 * 2. Conflicting write. T1 reads A (gen0 1); another client writes A
 *    (g(A)=4); T1 commits: g(A)=4 != 1 -> EAGAIN, nothing applied.
 * 3. Conflicting delete. T1 reads A (gen0 1); A is removed (absent, i.e.
 *    NO_GENERATION); T1 commits: EAGAIN.
 * 4. Creation race. T1 reads missing C (gen0 NO_GENERATION) and creates
 *    it; another client creates C; T1 commits: C exists now -> EAGAIN.
 * 5. Two transactions: T1 reads A, writes B; T2 reads B, writes A. T1
 *    commits first (A, B unchanged) and changes g(B); T2's check of B
 *    fails: EAGAIN.
 *
 * A transaction's DIRECTORY reply comes from its copy of the parent, whose
 * child list it changed as it created and removed children, so it lists
 * children in the order Xen does.
 *
 * Why a read keeps a copy, not only its generation: Xen 4.17 does the
 * same (access_node() writes a node read in a transaction into its TDB as
 * "<transaction generation>/<path>"), so a transaction whose node changed
 * under it goes on reading the node as it first saw it (value, children,
 * permissions, existence) until its commit fails with EAGAIN. A generation
 * alone would answer those requests from the new global node instead:
 * different replies from Xen's, on the transactions Xen's own test and
 * the differential test drive.
 *
 * Memory: so that copies cannot be the way around the memory quota, every
 * entry counts against the quota of the transaction's domain (Xen counts
 * its transaction nodes to the connection's domain too, get_acc_domid())
 * at what it costs the daemon: txn_entry_cost() plus its copy's heap
 * (node_heap()). txn_record() counts a first access, txn_charge() a copy
 * that db_write() or db_delete() puts in or takes out; both refuse with
 * ENOMEM, spoiling the transaction, what would take an unprivileged
 * domain to its quota (">=", as for its nodes). A handler about to grow a
 * copy in place asks txn_room() first, as a changed copy cannot be put
 * back. So a domain's nodes and open transactions together stay under
 * --memory, however many transactions read however many nodes; ending a
 * transaction gives its bytes back (txn_free()). Xen differs past the
 * quota: it takes a read's copy unchecked and then stops reading the
 * domain's ring until its memory falls, which with the transactions still
 * open it never does by itself; we refuse the access, so the domain can
 * end its transactions and go on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

static void txent_free(struct txent *e)
{
	node_free(e->node);
	free(e->perms0);
	free(e);
}

static void txn_free(struct txn *t)
{
	struct txent *e, *next;

	for (e = t->head; e; e = next) {
		next = e->next;
		txent_free(e);
	}
	quota_memory_add(t->domid, -(long)t->charged);
	htab_free(&t->tab);
	free(t->deltas);
	free(t);
}

static void unlink_txn(struct conn *c, struct txn *t)
{
	struct txn **p;

	for (p = &c->txns; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			c->ntxn--;
			return;
		}
	}
}

int txn_lookup(struct conn *c, uint32_t id, struct txn **out)
{
	struct txn *t;

	*out = NULL;
	if (!id)
		return 0;
	for (t = c->txns; t; t = t->next) {
		if (t->id == id) {
			*out = t;
			return 0;
		}
	}
	return -ENOENT;
}

int do_transaction_start(struct conn *c, const char *p __attribute__((unused)),
			 unsigned int len __attribute__((unused)))
{
	struct txn *t, *exists;
	char idstr[16];
	int n;

	/* No nested transactions. */
	if (c->txn)
		return -EBUSY;
	/* Xen compares with ">": one more than the quota is allowed. */
	if (conn_unprivileged(c) &&
	    c->ntxn > (unsigned int)quota.max_transaction)
		return -ENOSPC;
	t = calloc(1, sizeof(*t));
	if (!t || htab_init(&t->tab, 16)) {
		free(t);
		return -ENOMEM;
	}
	/* Ids count up per connection from 1, never 0, skipping live ones. */
	do {
		t->id = c->next_txid++;
	} while (!t->id || (txn_lookup(c, t->id, &exists), exists));
	/* A transaction takes a generation, as in Xen (only the count of
	 * them shows: DIRECTORY_PART's generation string). */
	store_generation++;
	t->domid = c->domid;
	t->next = c->txns;
	c->txns = t;
	c->ntxn++;
	n = snprintf(idstr, sizeof(idstr), "%u", t->id);
	return conn_reply(c, XPV_XS_TRANSACTION_START, idstr, n + 1);
}

struct txent *txn_entry(struct txn *t, const char *name, uint32_t len)
{
	struct hlink *l = htab_find(&t->tab, name, len);

	return l ? container_of(l, struct txent, link) : NULL;
}

size_t txn_entry_cost(uint32_t len, uint32_t nperms0)
{
	/* The entry, its name, its permissions, its share of the hash
	 * table (which doubles at load 1: at most two buckets an entry). */
	return sizeof(struct txent) + len + 1 +
	       nperms0 * sizeof(struct xs_perm) + 2 * sizeof(struct hlink *);
}

static size_t txent_cost(const struct txent *e, const struct node *copy)
{
	return txn_entry_cost(e->link.keylen, e->nperms0) +
	       (copy ? node_heap(copy) : 0);
}

int txn_room(struct conn *c, long more)
{
	if (more <= 0 || !conn_unprivileged(c))
		return 0;
	/* ">=", as Xen's domain_memory_add() and mem_ok() in node.c. */
	if (quota_memory(c->txn->domid) + more >= quota.memory_per_domain)
		return -ENOMEM;
	return 0;
}

int txn_charge(struct conn *c, struct txent *e, const struct node *copy)
{
	struct txn *t = c->txn;
	size_t cost = txent_cost(e, copy);
	long delta = (long)cost - (long)e->charged;

	if (txn_room(c, delta)) {
		t->fail = true;
		return -ENOMEM;
	}
	quota_memory_add(t->domid, delta);
	t->charged += delta;
	e->charged = cost;
	return 0;
}

/* What txn_record() will count: the entry, and for a read of an
 * existing node its copy (node_dup() sizes the value buffer as
 * node_set_value() does, the child list exactly). */
static size_t record_cost(uint32_t len, const struct node *global, bool read)
{
	if (!global)
		return txn_entry_cost(len, 0);
	return txn_entry_cost(len, global->nperms) +
	       (read ? node_heap_for(global->namelen, global->nperms,
				     node_cap(0, global->vlen), global->clen) :
		       0);
}

int txn_record(struct conn *c, const char *name, uint32_t len,
	       const struct node *global, bool read, struct txent **out)
{
	struct txn *t = c->txn;
	struct txent *e;

	/* Over the quota the transaction is spoilt too, as in Xen. */
	if (conn_unprivileged(c) &&
	    t->nodes >= (unsigned int)quota.trans_nodes) {
		t->fail = true;
		return -ENOSPC;
	}
	/* Refused before anything is allocated: a domain at its quota
	 * retrying costs no allocations. */
	if (txn_room(c, record_cost(len, global, read))) {
		t->fail = true;
		return -ENOMEM;
	}
	e = calloc(1, sizeof(*e) + len + 1);
	if (!e)
		goto nomem;
	memcpy(e->name, name, len);
	e->link.key = e->name;
	e->link.keylen = len;
	e->gen0 = global ? global->generation : NO_GENERATION;
	e->check = read;
	if (global && read && !(e->node = node_dup(global)))
		goto nomem;
	if (global) {
		e->perms0 = malloc(global->nperms * sizeof(*e->perms0));
		if (!e->perms0)
			goto nomem;
		memcpy(e->perms0, global->perms,
		       global->nperms * sizeof(*e->perms0));
		e->nperms0 = global->nperms;
	}
	if (txn_charge(c, e, e->node)) {
		txent_free(e);
		return -ENOMEM;
	}
	htab_insert(&t->tab, &e->link);
	if (t->tail)
		t->tail->next = e;
	else
		t->head = e;
	t->tail = e;
	t->nodes++;
	*out = e;
	return 0;
nomem:
	if (e)
		txent_free(e);
	t->fail = true;
	return -ENOMEM;
}

void txn_count(struct txn *t, uint32_t domid, int delta)
{
	struct txdelta *d;
	unsigned int i;

	for (i = 0; i < t->ndeltas; i++) {
		if (t->deltas[i].domid == domid) {
			t->deltas[i].delta += delta;
			return;
		}
	}
	if (t->ndeltas == t->cdeltas) {
		unsigned int n = t->cdeltas ? t->cdeltas * 2 : 4;

		d = realloc(t->deltas, n * sizeof(*d));
		if (!d) {
			t->fail = true;
			return;
		}
		t->deltas = d;
		t->cdeltas = n;
	}
	t->deltas[t->ndeltas++] = (struct txdelta){ domid, delta };
	if (delta > 0)
		t->node_created = true;
}

void txn_queue_watch(struct txn *t, const char *name, bool exact)
{
	struct txent *e = txn_entry(t, name, strlen(name));

	if (!e) {
		t->fail = true;
		return;
	}
	/* A subtree event replaces an exact one, not the other way round. */
	if (!e->fire) {
		e->fire = true;
		e->exact = exact;
	} else if (!exact) {
		e->exact = false;
	}
}

static bool conflicts(const struct txn *t)
{
	const struct txent *e;
	const struct node *n;

	for (e = t->head; e; e = e->next) {
		if (!e->check)
			continue;
		n = store_find(e->name, e->link.keylen);
		if ((n ? n->generation : NO_GENERATION) != e->gen0)
			return true;
	}
	return false;
}

/* Xen checks the node quota at commit only if the transaction created a
 * node, and with ">=" against the final count. */
static int check_quota(struct conn *c, const struct txn *t)
{
	unsigned int i;
	long cnt;

	if (!t->node_created || !conn_unprivileged(c))
		return 0;
	for (i = 0; i < t->ndeltas; i++) {
		cnt = (long)quota_entries(t->deltas[i].domid) +
		      t->deltas[i].delta;
		if (t->deltas[i].domid != 0 &&
		    t->deltas[i].domid != priv_domid &&
		    cnt >= quota.nb_entry_per_domain)
			return -ENOSPC;
	}
	return 0;
}

static void apply(struct conn *c, struct txent *e)
{
	struct node *cur = store_find(e->name, e->link.keylen);

	if (cur) {
		quota_entries_add(cur->perms[0].id, -1);
		node_account(cur, false);
		htab_remove(&store, &cur->link);
		node_free(cur);
	}
	if (e->node) {
		e->node->generation = ++store_generation;
		e->node->acct = 0;
		node_account(e->node, true);
		htab_insert(&store, &e->node->link);
		quota_entries_add(e->node->perms[0].id, 1);
		e->node = NULL;
	}
	if (e->fire)
		fire_watches(c, e->name, NULL, e->exact, e->perms0, e->nperms0);
}

static int commit(struct conn *c, struct txn *t)
{
	struct txent *e;
	int ret;

	if (t->fail)
		return -ENOMEM;
	if (conflicts(t))
		return -EAGAIN;
	ret = check_quota(c, t);
	if (ret)
		return ret;
	for (e = t->head; e; e = e->next)
		if (e->modified)
			apply(c, e);
	return 0;
}

int do_transaction_end(struct conn *c, const char *p, unsigned int len)
{
	const char *arg = wire_onearg(p, len);
	struct txn *t = c->txn;
	int ret = 0;

	if (!arg || (strcmp(arg, "T") && strcmp(arg, "F")))
		return -EINVAL;
	if (!t)
		return -ENOENT;
	unlink_txn(c, t);
	/* Watches fire as the connection's own changes, outside any
	 * transaction. */
	c->txn = NULL;
	if (arg[0] == 'T')
		ret = commit(c, t);
	txn_free(t);
	if (ret)
		return ret;
	return conn_ack(c, XPV_XS_TRANSACTION_END);
}

void txn_abort_all(struct conn *c)
{
	struct txn *t;

	while ((t = c->txns)) {
		unlink_txn(c, t);
		if (c->txn == t)
			c->txn = NULL;
		txn_free(t);
	}
}
