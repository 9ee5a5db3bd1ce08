/*
 * store.c - node records and the store (see store.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xenstored/quota.h"
#include "xenstored/store.h"

struct htab store;
uint64_t store_generation;

struct node *node_new(const char *name, uint32_t namelen,
		      const struct xs_perm *perms, uint32_t nperms)
{
	struct node *n = calloc(1, sizeof(*n) + namelen + 1);

	if (!n)
		return NULL;
	memcpy(n->name, name, namelen);
	n->namelen = namelen;
	n->link.key = n->name;
	n->link.keylen = namelen;
	n->generation = NO_GENERATION;
	if (node_set_perms(n, perms, nperms)) {
		free(n);
		errno = ENOMEM;
		return NULL;
	}
	return n;
}

struct node *node_dup(const struct node *src)
{
	struct node *n =
		node_new(src->name, src->namelen, src->perms, src->nperms);

	if (!n)
		return NULL;
	n->generation = src->generation;
	/* A copy is accounted only once it enters the global store. */
	if (node_set_value(n, src->value, src->vlen) ||
	    (src->clen && !(n->children = malloc(src->clen)))) {
		node_free(n);
		errno = ENOMEM;
		return NULL;
	}
	if (src->clen)
		memcpy(n->children, src->children, src->clen);
	n->clen = n->ccap = src->clen;
	return n;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	free(n->perms);
	free(n->value);
	free(n->children);
	free(n);
}

/* Grow *buf to hold need bytes, doubling, so repeated writes of similar
 * sizes reuse the buffer. */
uint32_t node_cap(uint32_t cap, uint32_t need)
{
	uint32_t n = cap ? cap : 16;

	if (need <= cap)
		return cap;
	while (n < need)
		n *= 2;
	return n;
}

static int reserve(char **buf, uint32_t *cap, uint32_t need)
{
	uint32_t n = node_cap(*cap, need);
	char *p;

	if (n == *cap)
		return 0;
	p = realloc(*buf, n);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

int node_set_value(struct node *n, const void *val, uint32_t len)
{
	int ret = reserve(&n->value, &n->vcap, len);

	if (ret)
		return ret;
	if (len)
		memmove(n->value, val, len);
	n->vlen = len;
	return 0;
}

int node_set_perms(struct node *n, const struct xs_perm *perms, uint32_t num)
{
	struct xs_perm *p;

	if (num == n->nperms && perms == n->perms)
		return 0;
	p = malloc((num ? num : 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memcpy(p, perms, num * sizeof(*p));
	free(n->perms);
	n->perms = p;
	n->nperms = num;
	return 0;
}

int node_add_child(struct node *n, const char *base, uint32_t len)
{
	int ret = reserve(&n->children, &n->ccap, n->clen + len + 1);

	if (ret)
		return ret;
	memcpy(n->children + n->clen, base, len);
	n->children[n->clen + len] = '\0';
	n->clen += len + 1;
	return 0;
}

int node_del_child(struct node *n, const char *base, uint32_t len)
{
	uint32_t off = 0, l;

	while (off < n->clen) {
		l = strlen(n->children + off);
		if (l == len && !memcmp(n->children + off, base, len)) {
			memmove(n->children + off, n->children + off + l + 1,
				n->clen - off - l - 1);
			n->clen -= l + 1;
			return 0;
		}
		off += l + 1;
	}
	return -ENOENT;
}

size_t node_entry_size(const struct node *n)
{
	return entry_size(n->nperms, n->vlen, n->clen);
}

size_t node_memory(const struct node *n)
{
	return entry_memory(n->namelen, n->nperms, n->vlen, n->clen);
}

size_t node_heap_for(uint32_t namelen, uint32_t nperms, uint32_t vcap,
		     uint32_t ccap)
{
	return sizeof(struct node) + namelen + 1 + vcap + ccap +
	       (nperms ? nperms : 1) * sizeof(struct xs_perm);
}

size_t node_heap(const struct node *n)
{
	return node_heap_for(n->namelen, n->nperms, n->vcap, n->ccap);
}

void node_account(struct node *n, bool present)
{
	if (n->acct)
		quota_memory_add(n->acct_owner, -(long)n->acct);
	n->acct = present ? node_memory(n) : 0;
	n->acct_owner = n->perms[0].id;
	if (n->acct)
		quota_memory_add(n->acct_owner, n->acct);
}

static int add_initial(const char *name, const char *child)
{
	static const struct xs_perm none0 = { 0, XS_PERM_NONE };
	struct node *n = node_new(name, strlen(name), &none0, 1);

	if (!n)
		return -ENOMEM;
	if (child && node_add_child(n, child, strlen(child))) {
		node_free(n);
		return -ENOMEM;
	}
	n->generation = ++store_generation;
	node_account(n, true);
	htab_insert(&store, &n->link);
	return 0;
}

int store_init(void)
{
	int ret = htab_init(&store, 4096);

	if (ret)
		return ret;
	if (add_initial("/", "tool") || add_initial("/tool", "xenstored") ||
	    add_initial("/tool/xenstored", NULL))
		return -ENOMEM;
	return 0;
}

static void free_one(struct hlink *l, void *arg __attribute__((unused)))
{
	node_free(node_of(l));
}

void store_exit(void)
{
	if (store.buckets)
		htab_walk(&store, free_one, NULL);
	htab_free(&store);
}
