/*
 * node.c - the store operations of the wire protocol: READ, WRITE, MKDIR,
 * RM, DIRECTORY, DIRECTORY_PART, GET_PERMS, SET_PERMS.
 *
 * Semantics follow Xen 4.17 (tools/xenstore/xenstored_core.c): which
 * nodes are read (a transaction records them), the errno a refused client
 * sees (errno_from_parents: a node you may not see is indistinguishable
 * from one that is absent only if you may not read its parent either),
 * permission inheritance on creation, and watch events.
 *
 * Every check is made before anything changes, so a refused request
 * leaves the store as it was.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/db.h"
#include "xenstored/domain.h"
#include "xenstored/log.h"
#include "xenstored/node_int.h"
#include "xenstored/path.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

/* A node's record must stay under the entry-size quota (unprivileged). */
static int size_ok(const struct conn *c, uint32_t nperms, uint32_t vlen,
		   uint32_t clen)
{
	if (!conn_unprivileged(c))
		return 0;
	if (entry_size(nperms, vlen, clen) >= (size_t)quota.max_entry_size)
		return -ENOSPC;
	return 0;
}

/*
 * The memory quota: a change by an unprivileged connection may not take
 * the owner (unprivileged too) to --memory bytes of nodes. ENOMEM, as
 * Xen's domain_memory_add().
 */
static int mem_ok(const struct conn *c, uint32_t owner, long delta)
{
	if (!conn_unprivileged(c) || delta <= 0 || owner == 0 ||
	    owner == priv_domid)
		return 0;
	if (quota_memory(owner) + delta >= quota.memory_per_domain)
		return -ENOMEM;
	return 0;
}

/*
 * In a transaction, n is the transaction's private copy, which it counts
 * against c's domain's memory quota (transaction.c): before n grows in
 * place to these sizes, the growth must fit, as the copy cannot be put
 * back once changed.
 */
static int copy_may_grow(struct conn *c, const struct node *n, uint32_t nperms,
			 uint32_t vlen, uint32_t clen)
{
	size_t heap;

	if (!c->txn)
		return 0;
	heap = node_heap_for(n->namelen, nperms, node_cap(n->vcap, vlen),
			     node_cap(n->ccap, clen));
	return txn_room(c, (long)heap - (long)node_heap(n));
}

/*
 * A write refused by a quota on the node's record: in a transaction Xen's
 * write_node() has already marked the transaction failed, so its commit
 * will fail too.
 */
static int write_refused(struct conn *c, int err)
{
	if (err && c->txn)
		c->txn->fail = true;
	return err;
}

static bool fatal_errno(int err)
{
	return err == ENOMEM || err == ENOSPC;
}

/* Xen's errno_from_parents(): what the first existing ancestor lets c
 * know about a node it cannot get for the reason -err: -err itself, or
 * -EACCES. */
static int errno_from_parents(struct conn *c, const char *name, int err,
			      unsigned int perm)
{
	char parent[PATH_BUF];
	struct node *n = NULL;
	unsigned int pperm = XS_PERM_NONE;

	if (err == -ENOMEM)
		return err;
	strcpy(parent, name);
	do {
		path_parent(parent, parent, sizeof(parent));
		n = db_read(c, parent, strlen(parent));
		if (n)
			break;
		if (fatal_errno(errno))
			return -errno;
	} while (strcmp(parent, "/"));
	if (n)
		pperm = perm_for_conn(c, n->perms, n->nperms);
	return (pperm & perm) ? err : -EACCES;
}

/* Xen's get_node(): arg canonicalised into name (PATH_BUF); NULL and
 * errno set when c may not have it. */
static struct node *get_node(struct conn *c, const char *arg, char *name,
			     unsigned int perm)
{
	struct node *n;

	if (!arg || path_canonical(c, arg, name, PATH_BUF) ||
	    !path_valid(name)) {
		errno = EINVAL;
		return NULL;
	}
	n = db_read(c, name, strlen(name));
	if (n && (perm_for_conn(c, n->perms, n->nperms) & perm) != perm) {
		errno = EACCES;
		n = NULL;
	}
	if (!n && !fatal_errno(errno))
		errno = -errno_from_parents(c, name, -errno, perm);
	return n;
}

int do_read(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF];
	struct node *n = get_node(c, wire_onearg(p, len), name, XS_PERM_READ);

	if (!n)
		return -errno;
	return conn_reply(c, XPV_XS_READ, n->value, n->vlen);
}

int do_directory(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF];
	struct node *n = get_node(c, wire_onearg(p, len), name, XS_PERM_READ);

	if (!n)
		return -errno;
	return conn_reply(c, XPV_XS_DIRECTORY, n->children, n->clen);
}

int do_directory_part(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF], gen[24];
	unsigned int off, genlen, maxlen, n_len = 0;
	const char *child;
	struct node *n;

	if (wire_count_strings(p, len) != 2)
		return -EINVAL;
	n = get_node(c, p, name, XS_PERM_READ);
	if (!n)
		return -errno;
	off = atoi(p + strlen(p) + 1);
	genlen = snprintf(gen, sizeof(gen), "%" PRIu64, n->generation) + 1;
	/* Past the end: the generation and an empty string. */
	if (off >= n->clen)
		return conn_reply2(c, XPV_XS_DIRECTORY_PART, gen, genlen, "",
				   1);
	maxlen = XPV_XENSTORE_PAYLOAD_MAX - genlen - 1;
	child = n->children + off;
	while (n_len + strlen(child) < maxlen) {
		n_len += strlen(child) + 1;
		child += strlen(child) + 1;
		if (off + n_len == n->clen)
			break;
	}
	if (off + n_len == n->clen) {
		/* The last chunk ends with an extra NUL. */
		char buf[XPV_XENSTORE_PAYLOAD_MAX];

		memcpy(buf, n->children + off, n_len);
		buf[n_len] = '\0';
		return conn_reply2(c, XPV_XS_DIRECTORY_PART, gen, genlen, buf,
				   n_len + 1);
	}
	return conn_reply2(c, XPV_XS_DIRECTORY_PART, gen, genlen,
			   n->children + off, n_len);
}

int do_get_perms(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF], buf[XPV_XENSTORE_PAYLOAD_MAX];
	struct node *n = get_node(c, wire_onearg(p, len), name, XS_PERM_READ);
	int ret;

	if (!n)
		return -errno;
	ret = perms_format(n->perms, n->nperms, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return conn_reply(c, XPV_XS_GET_PERMS, buf, ret);
}

/* --- creating nodes -------------------------------------------------- */

/* Up to this many missing ancestors are created (a valid path has fewer:
 * every level costs at least two characters). */
#define MAX_LEVELS (XPV_XENSTORE_PAYLOAD_MAX / 2 + 2)

struct create {
	char path[PATH_BUF]; /* the leaf, cut at '/' for its ancestors */
	uint32_t ends[MAX_LEVELS]; /* ends[0]: leaf, ends[i]: i-th parent */
	unsigned int levels; /* missing nodes */
	struct node *parent; /* the first existing ancestor */
};

/* Find the missing ancestors of c->path (reading them as Xen's
 * construct_node() does). */
static int find_parent(struct conn *c, struct create *cr)
{
	uint32_t len = strlen(cr->path);
	char *slash;

	cr->levels = 0;
	for (;;) {
		cr->ends[cr->levels++] = len;
		slash = memrchr(cr->path + 1, '/', len > 1 ? len - 1 : 0);
		len = slash ? (uint32_t)(slash - cr->path) : 1;
		cr->parent = db_read(c, cr->path, len);
		if (cr->parent)
			return 0;
		if (errno != ENOENT || len == 1)
			return -errno;
	}
}

/* What a transaction's entries and copies of the new nodes, and its
 * parent's copy growing, will cost it (see copy_may_grow()). */
static long create_tx_cost(const struct create *cr, uint32_t vlen)
{
	const struct node *p = cr->parent;
	uint32_t i, child, base;
	long sum = 0;

	for (i = 0; i < cr->levels; i++) {
		child = i ? cr->ends[i - 1] - cr->ends[i] : 0;
		sum += txn_entry_cost(cr->ends[i], 0) +
		       node_heap_for(cr->ends[i], p->nperms,
				     node_cap(0, i ? 0 : vlen),
				     node_cap(0, child));
	}
	base = cr->ends[cr->levels - 1] -
	       (p->namelen == 1 ? 1 : p->namelen + 1);
	return sum +
	       (long)node_heap_for(p->namelen, p->nperms, p->vcap,
				   node_cap(p->ccap, p->clen + base + 1)) -
	       (long)node_heap(p);
}

/* The memory the new nodes will cost. */
static long create_cost(const struct create *cr, uint32_t vlen)
{
	uint32_t i, child;
	long sum = 0;

	for (i = 0; i < cr->levels; i++) {
		child = i ? cr->ends[i - 1] - cr->ends[i] : 0;
		sum += entry_memory(cr->ends[i], cr->parent->nperms,
				    i ? 0 : vlen, child);
	}
	return sum;
}

static int check_create(struct conn *c, struct create *cr, uint32_t vlen)
{
	const struct node *p = cr->parent;
	unsigned int i, entries;
	uint32_t base, child;
	int ret;

	if (!conn_unprivileged(c))
		return 0;
	/* Xen checks the count before each new node; in a transaction the
	 * global count does not move until commit. */
	entries = quota_entries(c->domid);
	if (entries + (c->txn ? 0 : cr->levels - 1) >=
	    (unsigned int)quota.nb_entry_per_domain)
		return -ENOSPC;
	for (i = 0; i < cr->levels; i++) {
		/* New node i has one child (the next lower), the leaf none. */
		child = i ? cr->ends[i - 1] - cr->ends[i] : 0;
		ret = size_ok(c, p->nperms, i ? 0 : vlen, child);
		if (ret)
			return write_refused(c, ret);
	}
	base = cr->ends[cr->levels - 1] -
	       (p->namelen == 1 ? 1 : p->namelen + 1);
	ret = size_ok(c, p->nperms, p->vlen, p->clen + base + 1);
	if (!ret)
		ret = mem_ok(c, c->domid, create_cost(cr, vlen) + base + 1);
	if (!ret && c->txn)
		ret = txn_room(c, create_tx_cost(cr, vlen));
	return write_refused(c, ret);
}

/* Undo build() after an allocation failure. */
static void unbuild(struct conn *c, struct create *cr, struct node **nodes,
		    bool parent_linked)
{
	unsigned int i;
	uint32_t start;

	for (i = 0; i < cr->levels; i++)
		if (nodes[i])
			db_discard(c, nodes[i]);
	if (parent_linked) {
		start = cr->parent->namelen == 1 ? 1 : cr->parent->namelen + 1;
		node_del_child(cr->parent, cr->path + start,
			       cr->ends[cr->levels - 1] - start);
	}
}

/*
 * Create the missing nodes: each inherits its parent's permissions, an
 * unprivileged creator becoming the owner. They are written bottom up,
 * the leaf first and the existing parent last, as Xen's create_node()
 * does (so generations count as Xen's do).
 */
static struct node *build(struct conn *c, struct create *cr, const char *val,
			  uint32_t vlen)
{
	struct node *parent = cr->parent, *nodes[MAX_LEVELS] = { NULL };
	struct xs_perm perms[parent->nperms ? parent->nperms : 1];
	unsigned int i, nperms = parent->nperms;
	uint32_t start;
	int ret = 0;

	memcpy(perms, parent->perms, nperms * sizeof(perms[0]));
	if (conn_unprivileged(c))
		perms[0].id = c->domid;
	for (i = 0; i < cr->levels && !ret; i++) {
		nodes[i] = db_create(c, cr->path, cr->ends[i], perms, nperms);
		if (!nodes[i])
			ret = -ENOMEM;
		else if (!i)
			ret = node_set_value(nodes[i], val, vlen);
		else
			ret = node_add_child(nodes[i],
					     cr->path + cr->ends[i] + 1,
					     cr->ends[i - 1] - cr->ends[i] - 1);
	}
	start = parent->namelen == 1 ? 1 : parent->namelen + 1;
	if (!ret)
		ret = node_add_child(parent, cr->path + start,
				     cr->ends[cr->levels - 1] - start);
	if (ret) {
		unbuild(c, cr, nodes, false);
		return NULL;
	}
	for (i = 0; i < cr->levels; i++)
		if (db_write(c, nodes[i]))
			break;
	if (i < cr->levels || db_write(c, parent)) {
		/* Only a transaction's bookkeeping can fail here; it is
		 * marked failed by our caller. */
		while (i < cr->levels)
			db_discard(c, nodes[i++]);
		return NULL;
	}
	return nodes[0];
}

static struct node *create_node(struct conn *c, const char *name,
				const char *val, uint32_t vlen, int *err)
{
	static struct create cr;
	struct node *n;

	strcpy(cr.path, name);
	*err = find_parent(c, &cr);
	if (!*err)
		*err = check_create(c, &cr, vlen);
	if (*err)
		return NULL;
	n = build(c, &cr, val, vlen);
	if (!n) {
		*err = -ENOMEM;
		if (c->txn)
			c->txn->fail = true;
	}
	return n;
}

int do_write(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF];
	uint32_t off, vlen;
	struct node *n;
	int ret;

	if (!wire_count_strings(p, len))
		return -EINVAL;
	off = strlen(p) + 1;
	vlen = len - off;
	n = get_node(c, p, name, XS_PERM_WRITE);
	if (!n) {
		if (errno != ENOENT)
			return -errno;
		n = create_node(c, name, p + off, vlen, &ret);
		if (!n)
			return ret;
	} else {
		ret = size_ok(c, n->nperms, vlen, n->clen);
		if (!ret)
			ret = mem_ok(c, n->perms[0].id,
				     (long)entry_memory(n->namelen, n->nperms,
							vlen, n->clen) -
					     (long)node_memory(n));
		if (!ret)
			ret = copy_may_grow(c, n, n->nperms, vlen, n->clen);
		ret = write_refused(c, ret);
		if (!ret)
			ret = node_set_value(n, p + off, vlen);
		if (!ret)
			ret = db_write(c, n);
		if (ret)
			return ret;
	}
	fire_watches(c, name, n, false, NULL, 0);
	return conn_ack(c, XPV_XS_WRITE);
}

int do_mkdir(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF];
	struct node *n;
	int ret;

	n = get_node(c, wire_onearg(p, len), name, XS_PERM_WRITE);
	/* Already there: fine, and no event. */
	if (!n) {
		if (errno != ENOENT)
			return -errno;
		n = create_node(c, name, NULL, 0, &ret);
		if (!n)
			return ret;
		fire_watches(c, name, n, false, NULL, 0);
	}
	return conn_ack(c, XPV_XS_MKDIR);
}

/* --- removing nodes -------------------------------------------------- */

/*
 * Remove n (whose path is in path[0..plen)) and everything below it, as
 * Xen's rm_node() walk does: each child in turn is removed (its subtree
 * first) and taken off n's child list, then n itself goes. Each removed
 * node fires its watches: the top one for any watch at or above it, the
 * nodes below only for watches exactly on them (delnode_sub()). A child
 * listed but not readable in this view stops the walk with EIO, what is
 * done staying done, as in Xen. path has room for PATH_BUF bytes.
 */
static int rm_tree(struct conn *c, struct node *n, char *path, uint32_t plen,
		   bool top)
{
	uint32_t l, clen;
	struct node *child;
	char *base;
	int ret;

	while (n->clen) {
		base = n->children;
		l = strlen(base);
		clen = plen + (plen != 1) + l;
		if (clen >= PATH_BUF)
			return -EIO;
		if (plen != 1)
			path[plen] = '/';
		memcpy(path + plen + (plen != 1), base, l);
		path[clen] = '\0';
		child = db_read(c, path, clen);
		if (!child)
			return fatal_errno(errno) ? -errno : -EIO;
		ret = rm_tree(c, child, path, clen, false);
		path[plen] = '\0';
		if (ret)
			return ret;
		node_del_child(n, base, l);
		ret = db_write(c, n);
		if (ret)
			return ret;
	}
	fire_watches(c, path, n, !top, NULL, 0);
	return db_delete(c, n);
}

int do_rm(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF], parent_name[PATH_BUF];
	struct node *n, *parent;
	int ret;

	n = get_node(c, wire_onearg(p, len), name, XS_PERM_WRITE);
	if (!n) {
		/* Already gone: fine, if the parent exists. */
		if (errno != ENOENT)
			return -errno;
		path_parent(name, parent_name, sizeof(parent_name));
		if (db_read(c, parent_name, strlen(parent_name)))
			return conn_ack(c, XPV_XS_RM);
		return fatal_errno(errno) ? -errno : -ENOENT;
	}
	if (!strcmp(name, "/"))
		return -EINVAL;
	path_parent(name, parent_name, sizeof(parent_name));
	parent = db_read(c, parent_name, strlen(parent_name));
	if (!parent)
		return fatal_errno(errno) ? -errno : -EINVAL;
	ret = rm_tree(c, n, name, strlen(name), true);
	if (ret)
		return ret;
	if (node_del_child(parent, path_base(name), strlen(path_base(name))))
		return -EIO;
	ret = db_write(c, parent);
	if (ret)
		return ret;
	return conn_ack(c, XPV_XS_RM);
}

/* --- permissions ----------------------------------------------------- */

static int set_special(struct conn *c, const char *name,
		       const struct xs_perm *perms, uint32_t num)
{
	struct special_perms *sp = perms_special(name);
	const unsigned int need = XS_PERM_WRITE | XS_PERM_OWNER;
	struct xs_perm *copy;

	if (!sp)
		return -EINVAL;
	if ((perm_for_conn(c, sp->p, sp->num) & need) != need)
		return -EACCES;
	copy = malloc(num * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, perms, num * sizeof(*copy));
	perms_special_replace(sp, copy, num);
	return conn_ack(c, XPV_XS_SET_PERMS);
}

int do_set_perms(struct conn *c, const char *p, unsigned int len)
{
	char name[PATH_BUF];
	unsigned int num = wire_count_strings(p, len);
	struct xs_perm perms[XPV_XENSTORE_PAYLOAD_MAX / 2], *old;
	uint32_t nold, old_owner;
	struct node *n;
	int ret;

	/* Each entry takes at least three bytes ("r0\0"). */
	if (num < 2 || num > XPV_XENSTORE_PAYLOAD_MAX / 3 + 1)
		return -EINVAL;
	num--;
	if (conn_unprivileged(c) && num > (unsigned int)quota.nb_perms_per_node)
		return -ENOSPC;
	if (perms_parse(p + strlen(p) + 1, num, perms))
		return -EINVAL;
	/* An owner that does not exist is refused (Xen 4.17, XSA-322). */
	if (!domain_exists(perms[0].id))
		return -ENOENT;
	if (p[0] == '@')
		return set_special(c, p, perms, num);
	n = get_node(c, p, name, XS_PERM_WRITE | XS_PERM_OWNER);
	if (!n)
		return -errno;
	/* Unprivileged domains may not give a node away. */
	if (conn_unprivileged(c) && perms[0].id != n->perms[0].id)
		return -EPERM;
	ret = size_ok(c, num, n->vlen, n->clen);
	if (!ret)
		ret = mem_ok(c, perms[0].id,
			     (long)entry_size(num, n->vlen, n->clen) -
				     (long)node_entry_size(n));
	if (!ret)
		ret = copy_may_grow(c, n, num, n->vlen, n->clen);
	if (ret)
		return write_refused(c, ret);
	nold = n->nperms;
	old = malloc(nold * sizeof(*old));
	if (!old)
		return -ENOMEM;
	memcpy(old, n->perms, nold * sizeof(*old));
	old_owner = n->perms[0].id;
	ret = node_set_perms(n, perms, num);
	if (!ret) {
		db_owner_changed(c, old_owner, perms[0].id);
		ret = db_write(c, n);
	}
	if (!ret)
		fire_watches(c, name, n, false, old, nold);
	free(old);
	return ret ? ret : conn_ack(c, XPV_XS_SET_PERMS);
}

int node_rm_internal(const char *path)
{
	char name[PATH_BUF], parent_name[PATH_BUF];
	struct node *n, *parent;
	int ret;

	if (strlen(path) >= PATH_BUF || !strcmp(path, "/"))
		return -EINVAL;
	strcpy(name, path);
	n = store_find(name, strlen(name));
	if (!n)
		return -ENOENT;
	path_parent(name, parent_name, sizeof(parent_name));
	parent = store_find(parent_name, strlen(parent_name));
	ret = rm_tree(NULL, n, name, strlen(name), true);
	if (ret || !parent)
		return ret;
	node_del_child(parent, path_base(name), strlen(path_base(name)));
	return db_write(NULL, parent);
}

/* --- forgetting a domain --------------------------------------------- */

struct forget {
	uint32_t domid;
	char **roots; /* top nodes of the subtrees the domain owns */
	size_t n, cap;
	bool lost; /* out of memory: some subtrees were not listed */
};

static bool owned(const struct node *n, uint32_t domid)
{
	return n->perms[0].id == domid;
}

/* A node the domain owns whose parent it does not own: its subtree goes. */
static void find_root(struct hlink *l, void *arg)
{
	struct forget *f = arg;
	struct node *n = node_of(l), *parent;
	char pname[PATH_BUF];
	size_t cap;
	char **r;

	if (n->namelen == 1 || !owned(n, f->domid))
		return;
	path_parent(n->name, pname, sizeof(pname));
	parent = store_find(pname, strlen(pname));
	if (parent && owned(parent, f->domid) && parent->namelen != 1)
		return;
	if (f->n == f->cap) {
		/* The capacity grows only with the array: a failed realloc
		 * must not leave it claiming room that is not there. */
		cap = f->cap ? f->cap * 2 : 16;
		r = realloc(f->roots, cap * sizeof(*r));
		if (!r) {
			f->lost = true;
			return;
		}
		f->roots = r;
		f->cap = cap;
	}
	f->roots[f->n] = strdup(n->name);
	if (f->roots[f->n])
		f->n++;
	else
		f->lost = true;
}

/* Other nodes stop naming the domain in their permission lists (it may
 * come back as a different guest under the same id). */
static void drop_perms(struct hlink *l, void *arg)
{
	struct node *n = node_of(l);
	uint32_t domid = *(uint32_t *)arg, i, j;

	for (i = j = 1; i < n->nperms; i++)
		if (n->perms[i].id != domid)
			n->perms[j++] = n->perms[i];
	if (j != n->nperms) {
		n->nperms = j;
		n->generation = ++store_generation;
		node_account(n, true);
	}
}

void node_forget_domain(unsigned int domid)
{
	struct forget f = { .domid = domid };
	size_t i;

	/* dom0 owns the tree's top: it is never released. */
	if (domid == 0)
		return;
	htab_walk(&store, find_root, &f);
	for (i = 0; i < f.n; i++) {
		node_rm_internal(f.roots[i]);
		free(f.roots[i]);
	}
	free(f.roots);
	if (f.lost)
		xs_log("domain %u released: out of memory, some of its nodes "
		       "remain",
		       domid);
	htab_walk(&store, drop_perms, &domid);
}
