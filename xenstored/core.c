/*
 * core.c - what the core offers the domain transport (see core.h):
 * the shared hypervisor handle and forgetting a released domain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/core.h"
#include "xenstored/log.h"
#include "xenstored/node_int.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/store.h"

static struct hv *core_hv_handle;

struct hv *core_hv(void)
{
	return core_hv_handle;
}

void core_set_hv(struct hv *hv)
{
	core_hv_handle = hv;
}

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

void core_forget_domain(unsigned int domid)
{
	struct forget f = { .domid = domid };
	struct conn *c = conn_find_domain(domid);
	size_t i;

	if (c)
		conn_destroy(c);
	if (domid != 0) {
		htab_walk(&store, find_root, &f);
		for (i = 0; i < f.n; i++) {
			node_rm_internal(f.roots[i]);
			free(f.roots[i]);
		}
		free(f.roots);
		if (f.lost)
			xs_log("domain %u released: out of memory, some of its "
			       "nodes remain",
			       domid);
		htab_walk(&store, drop_perms, &domid);
	}
	perms_forget(domid);
	quota_forget(domid);
	conn_flush_all();
}
