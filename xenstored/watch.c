/*
 * watch.c - watches (see watch.h).
 *
 * Watches hang off their connection in registration order, and sit in one
 * index of all watches keyed by path. A change of /a/b/c looks up "/",
 * "/a", "/a/b" and "/a/b/c" in the index (only "/a/b/c" for an exact
 * event), so its cost grows with the depth of the path and the watches
 * that fire, not with the number of watches in the daemon (Xen scans them
 * all). The matches are delivered in the order Xen's scan would produce:
 * by connection, then by registration.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/conn_int.h"
#include "xenstored/log.h"
#include "xenstored/path.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/transaction.h"
#include "xenstored/watch.h"
#include "xenstored/wire.h"

static void event_for(struct conn *c, const struct watch *w, const char *name);

static struct htab watch_index;
static uint64_t next_seq;

static void watch_unalloc(struct watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

/* A watch in the index: unlink it and free it. */
static void watch_free(struct watch *w)
{
	htab_remove(&watch_index, &w->link);
	watch_unalloc(w);
}

static int index_add(struct watch *w)
{
	int ret;

	if (!watch_index.buckets) {
		ret = htab_init(&watch_index, 256);
		if (ret)
			return ret;
	}
	w->link.key = w->path;
	w->link.keylen = w->plen;
	htab_insert(&watch_index, &w->link);
	return 0;
}

/* path as the watch stores it: special names as given, others
 * canonical; *relative says whether events must strip the home again. */
static int watch_path(const struct conn *c, const char *path, char *canon,
		      bool *relative)
{
	int ret;

	*relative = false;
	if (path[0] == '@') {
		if (strlen(path) > XPV_XENSTORE_REL_PATH_MAX)
			return -EINVAL;
		strcpy(canon, path);
		return 0;
	}
	*relative = path[0] != '/';
	ret = path_canonical(c, path, canon, PATH_BUF);
	if (ret)
		return ret;
	return path_valid(canon) ? 0 : -EINVAL;
}

/* A watch not yet linked anywhere (freed with watch_unalloc), or NULL. */
static struct watch *watch_alloc(const char *path, const char *token)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		watch_unalloc(w);
		return NULL;
	}
	w->plen = strlen(path);
	return w;
}

static int watch_add(struct conn *c, const char *path, const char *token)
{
	char canon[PATH_BUF];
	struct watch *w;
	bool relative;
	int ret;

	ret = watch_path(c, path, canon, &relative);
	if (ret)
		return ret;
	for (w = c->watches; w; w = w->next)
		if (!strcmp(w->path, canon) && !strcmp(w->token, token))
			return -EEXIST;
	/* Xen compares with ">": one more than the quota is allowed. */
	if (conn_unprivileged(c) &&
	    c->nwatch > (unsigned int)quota.nb_watch_per_domain)
		return -E2BIG;
	w = watch_alloc(canon, token);
	if (!w)
		return -ENOMEM;
	w->conn = c;
	w->seq = next_seq++;
	if (relative) {
		/* Events drop the home again (event_for). */
		char home[32];

		w->strip = conn_home(c, home, sizeof(home));
	}
	ret = index_add(w);
	if (ret) {
		watch_unalloc(w);
		return ret;
	}
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

static int watch_remove(struct conn *c, const char *path, const char *token)
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

int do_watch(struct conn *c, const char *p, unsigned int len)
{
	const char *path, *token;

	/* Exactly two strings, as Xen's get_strings() == 2. */
	if (wire_count_strings(p, len) != 2 ||
	    wire_two_args(p, len, &path, &token))
		return -EINVAL;
	return watch_add(c, path, token);
}

int do_unwatch(struct conn *c, const char *p, unsigned int len)
{
	const char *path, *token;

	if (wire_count_strings(p, len) != 2 ||
	    wire_two_args(p, len, &path, &token))
		return -EINVAL;
	return watch_remove(c, path, token);
}

/* Xen's XS_RESET_WATCHES drops the connection's transactions too. */
int do_reset_watches(struct conn *c, const char *p __attribute__((unused)),
		     unsigned int len __attribute__((unused)))
{
	watch_remove_all(c);
	txn_abort_all(c);
	return conn_ack(c, XPV_XS_RESET_WATCHES);
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

/* The watches a change fires, gathered from the watch_index. */
static struct watch **matches;
static size_t nmatches, cmatches;

static void collect(const char *key, uint32_t len)
{
	struct watch **m;
	struct hlink *l;

	for (l = htab_find(&watch_index, key, len); l; l = htab_find_next(l)) {
		if (nmatches == cmatches) {
			size_t n = cmatches ? cmatches * 2 : 64;

			m = realloc(matches, n * sizeof(*m));
			if (!m) {
				xs_log_rl("watch: out of memory, events lost");
				return;
			}
			matches = m;
			cmatches = n;
		}
		matches[nmatches++] = container_of(l, struct watch, link);
	}
}

/* Every watch at name or above it ("/" covers everything, "@" names
 * included, as Xen's is_child()). */
static void collect_covering(const char *name, size_t nlen)
{
	size_t i;

	collect("/", 1);
	if (name[0] == '@') {
		collect(name, nlen);
		return;
	}
	for (i = 1; i < nlen; i++)
		if (name[i] == '/')
			collect(name, i);
	if (nlen > 1)
		collect(name, nlen);
}

static int by_conn_then_seq(const void *a, const void *b)
{
	const struct watch *x = *(const struct watch *const *)a;
	const struct watch *y = *(const struct watch *const *)b;

	if (x->conn->id != y->conn->id)
		return x->conn->id < y->conn->id ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void fire_watches(struct conn *origin, const char *name, struct node *node,
		  bool exact, const struct xs_perm *perms, uint32_t nperms)
{
	size_t nlen = strlen(name), i;
	struct conn *last = NULL;
	bool allowed = false;
	struct watch *w;

	if (origin && origin->txn) {
		txn_queue_watch(origin->txn, name, exact);
		return;
	}
	if (!watch_index.buckets || !watch_index.count)
		return;
	nmatches = 0;
	if (exact)
		collect(name, nlen);
	else
		collect_covering(name, nlen);
	if (nmatches > 1)
		qsort(matches, nmatches, sizeof(*matches), by_conn_then_seq);
	for (i = 0; i < nmatches; i++) {
		w = matches[i];
		if (w->conn != last) {
			last = w->conn;
			allowed = !last->dead &&
				  (name[0] == '@' ?
					   special_permitted(last, name) :
					   permitted(last, name, node, perms,
						     nperms));
		}
		if (allowed)
			event_for(last, w, name);
	}
}

void watch_fire_special(const char *special)
{
	/* Exact: a watch on "/" does not see them (Xen fires them so). */
	fire_watches(NULL, special, NULL, true, NULL, 0);
	conn_flush_all();
}

void watch_exit(void)
{
	htab_free(&watch_index);
	free(matches);
	matches = NULL;
	nmatches = cmatches = 0;
}
