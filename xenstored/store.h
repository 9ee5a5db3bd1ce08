/*
 * store.h - the node records of the store and the hash tables that hold
 * them.
 *
 * A node is addressed by its full path ("/local/domain/1/name"). It holds
 * its value (binary, any length up to the wire payload), its permission
 * list (first entry: owner and default for others), a generation count
 * (the global counter's value when it was last changed, used by
 * transactions to detect conflicts), and its children as a packed list of
 * NUL-terminated names in creation order, exactly the payload Xen sends
 * for XS_DIRECTORY (so that reply is one copy, and the order matches
 * Xen's byte for byte).
 *
 * A struct store is a hash table of nodes keyed by full path, open
 * chaining, grown at load 1. The global store is one; each transaction
 * keeps its own private copies of the nodes it touched in another
 * (transaction.c). Lookups never allocate.
 *
 * Pointer functions return NULL and set errno (ENOMEM); int functions 0 or
 * -errno.
 */
#ifndef XPV_XENSTORED_STORE_H
#define XPV_XENSTORED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A permission entry, as Xen's struct xs_permissions. */
struct xs_perm {
	uint32_t id; /* domid */
	uint32_t perms; /* XS_PERM_* bits */
};

#define XS_PERM_NONE 0x00
#define XS_PERM_READ 0x01
#define XS_PERM_WRITE 0x02
#define XS_PERM_OWNER 0x08

/* No node has this generation: it stands for "did not exist". */
#define NO_GENERATION UINT64_MAX

/* Hash chain link; a node (or a transaction's entry) embeds one. */
struct hlink {
	struct hlink *next;
	const char *key;
	uint32_t keylen;
	uint32_t hash;
};

struct htab {
	struct hlink **buckets;
	size_t mask; /* buckets - 1 (a power of two minus one) */
	size_t count;
};

struct node {
	struct hlink link; /* key: name */
	uint64_t generation;
	uint32_t nperms;
	struct xs_perm *perms;
	char *value;
	uint32_t vlen, vcap;
	char *children; /* "a\0b\0" */
	uint32_t clen, ccap;
	/* Memory accounted for this node (global store only), and to whom. */
	uint32_t acct, acct_owner;
	uint32_t namelen;
	char name[];
};

uint32_t store_hash(const char *key, uint32_t len);

int htab_init(struct htab *t, size_t buckets);
void htab_free(struct htab *t);
struct hlink *htab_find(const struct htab *t, const char *key, uint32_t len);
/* Insert l (whose key/keylen are set; hash is computed here). */
int htab_insert(struct htab *t, struct hlink *l);
void htab_remove(struct htab *t, struct hlink *l);
/* Call fn on every entry; fn may remove the entry it is given. */
void htab_walk(struct htab *t, void (*fn)(struct hlink *l, void *arg),
	       void *arg);

/* A new node: no value, no children, perms copied. Free with node_free. */
struct node *node_new(const char *name, uint32_t namelen,
		      const struct xs_perm *perms, uint32_t nperms);
/* A deep copy (for a transaction). */
struct node *node_dup(const struct node *n);
void node_free(struct node *n);

int node_set_value(struct node *n, const void *val, uint32_t len);
int node_set_perms(struct node *n, const struct xs_perm *perms, uint32_t num);
/* Append base (one path component) to the child list. */
int node_add_child(struct node *n, const char *base, uint32_t len);
/* Remove base from the child list; -ENOENT if absent. */
int node_del_child(struct node *n, const char *base, uint32_t len);
/* Xen's record size of a node, checked against the entry-size quota. */
size_t node_entry_size(const struct node *n);
/* The memory a node costs its owner: its record and its path. */
size_t node_memory(const struct node *n);
/* Re-account n (in the global store) to its owner; 0 forgets it. */
void node_account(struct node *n, bool present);

static inline struct node *node_of(struct hlink *l)
{
	return l ? (struct node *)((char *)l - offsetof(struct node, link)) :
		   NULL;
}

/* The global store: nodes as every connection outside a transaction sees
 * them, and the global generation counter. */
extern struct htab store;
extern uint64_t store_generation;

/* Create the store with Xen's initial nodes: /, /tool, /tool/xenstored. */
int store_init(void);
void store_exit(void);
static inline struct node *store_find(const char *name, uint32_t len)
{
	return node_of(htab_find(&store, name, len));
}

#endif /* XPV_XENSTORED_STORE_H */
