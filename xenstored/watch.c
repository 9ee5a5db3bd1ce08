/*
 * watch.c - watches (see watch.h).
 *
 * Watches hang off their connection in registration order; a change scans
 * every connection's watches with a prefix test, as Xen does. The scan is
 * cheap next to the event it produces; docs/xenstore.md gives figures.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/core.h"
#include "xenstored/path.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"

static void event_for(struct conn *c, const struct watch *w, const char *name);

static void watch_free(struct watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

int watch_add(struct conn *c, const char *path, const char *token)
{
	char canon[PATH_BUF];
	struct watch *w;
	bool relative = false;
	int ret;

	if (path[0] == '@') {
		if (strlen(path) > XPV_XENSTORE_REL_PATH_MAX)
			return -EINVAL;
		strcpy(canon, path);
	} else {
		relative = path[0] != '/';
		ret = path_canonical(c, path, canon, sizeof(canon));
		if (ret)
			return ret;
		if (!path_valid(canon))
			return -EINVAL;
	}
	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->path, canon) && !strcmp(w->token, token))
			return -EEXIST;
	/* Xen compares with ">": one more than the quota is allowed. */
	if (conn_unprivileged(c) &&
	    c->nwatch > (unsigned int)quota.nb_watch_per_domain)
		return -E2BIG;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(canon)) || !(w->token = strdup(token))) {
		if (w)
			watch_free(w);
		return -ENOMEM;
	}
	w->plen = strlen(canon);
	if (relative)
		w->strip = conn_home(c, canon, sizeof(canon));
	if (c->watches_tail)
		c->watches_tail->next = w;
	else
		c->watches = w;
	c->watches_tail = w;
	c->nwatch++;
	ret = conn_ack(c, XPV_XS_WATCH);
	if (ret)
		return ret;
	/* The initial event, not tied to the request (Xen fires it too). */
	event_for(c, w, w->path);
	return 0;
}

int watch_remove(struct conn *c, const char *path, const char *token)
{
	char canon[PATH_BUF];
	struct watch *w, *prev = NULL;
	int ret;

	ret = path_canonical(c, path, canon, sizeof(canon));
	if (ret)
		return ret;
	for (w = c->watches; w; prev = w, w = w->next) {
		if (strcmp(w->path, canon) || strcmp(w->token, token))
			continue;
		if (prev)
			prev->next = w->next;
		else
			c->watches = w->next;
		if (c->watches_tail == w)
			c->watches_tail = prev;
		c->nwatch--;
		watch_free(w);
		return conn_ack(c, XPV_XS_UNWATCH);
	}
	return -ENOENT;
}

void watch_remove_all(struct conn *c)
{
	struct watch *w;

	while ((w = c->watches)) {
		c->watches = w->next;
		watch_free(w);
	}
	c->watches_tail = NULL;
	c->nwatch = 0;
}

/* name is w's path or below it ("/" covers everything). */
static bool covers(const struct watch *w, const char *name, size_t nlen)
{
	if (w->plen == 1 && w->path[0] == '/')
		return true;
	if (nlen < w->plen || memcmp(name, w->path, w->plen))
		return false;
	return name[w->plen] == '/' || name[w->plen] == '\0';
}

static bool readable(const struct conn *c, const struct node *n)
{
	return n && (perm_for_conn(c, n->perms, n->nperms) & XS_PERM_READ);
}

/* Xen's watch_permitted(): the old permissions, the node, or its parent
 * must let c read. */
static bool permitted(const struct conn *c, const char *name, struct node *node,
		      const struct xs_perm *perms, uint32_t nperms)
{
	char parent[PATH_BUF];

	if (perms && (perm_for_conn(c, perms, nperms) & XS_PERM_READ))
		return true;
	/* Even a privileged watcher gets nothing for a node that neither
	 * had permissions before nor exists now (one a transaction created
	 * and removed again), as in Xen. */
	if (!node)
		node = store_find(name, strlen(name));
	if (!node)
		return false;
	if (!conn_unprivileged(c) || readable(c, node))
		return true;
	if (path_parent(name, parent, sizeof(parent)))
		return false;
	return readable(c, store_find(parent, strlen(parent)));
}

static bool special_permitted(const struct conn *c, const char *name)
{
	struct special_perms *sp = perms_special(name);

	return sp && (perm_for_conn(c, sp->p, sp->num) & XS_PERM_READ);
}

static void event_for(struct conn *c, const struct watch *w, const char *name)
{
	const char *p = name;

	if (w->strip) {
		p += w->strip;
		if (*p == '/')
			p++;
	}
	conn_event(c, p, w->token);
}

void fire_watches(struct conn *origin, const char *name, struct node *node,
		  bool exact, const struct xs_perm *perms, uint32_t nperms)
{
	size_t nlen = strlen(name);
	const struct watch *w;
	struct conn *c;

	if (origin && origin->txn) {
		txn_queue_watch(origin->txn, name, exact);
		return;
	}
	for (c = conn_list; c; c = c->next) {
		if (!c->watches || c->dead)
			continue;
		if (name[0] == '@' ? !special_permitted(c, name) :
				     !permitted(c, name, node, perms, nperms))
			continue;
		for (w = c->watches; w; w = w->next) {
			if (exact ? !strcmp(name, w->path) :
				    covers(w, name, nlen))
				event_for(c, w, name);
		}
	}
}

void core_fire_special(const char *special, unsigned int domid)
{
	fire_watches(NULL, special, NULL, false, NULL, 0);
	conn_flush_all();
}
