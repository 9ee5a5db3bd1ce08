/*
 * store.h - the node records of the store, and the store: the hash table
 * (htab.h) of the nodes every connection sees outside a transaction.
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
 * The store is a hash table of nodes keyed by full path; each transaction
 * keeps its own private copies of the nodes it touched in another
 * (transaction.c).
 *
 * Pointer functions return NULL and set errno (ENOMEM); int functions 0 or
 * -errno.
 */
#ifndef XPV_XENSTORED_STORE_H
#define XPV_XENSTORED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenstored/htab.h"

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
/*
 * The size of a node's record as Xen counts it (its data.dsize: struct
 * xs_tdb_record_hdr, 24 bytes on x86_64, then 8 bytes per permission, the
 * value and the child list), checked against the entry-size quota; and
 * the memory a node costs its owner, its record and its path. The
 * entry_* forms give the sizes a node would have.
 */
static inline size_t entry_size(uint32_t nperms, uint32_t vlen, uint32_t clen)
{
	return 24 + (size_t)nperms * 8 + vlen + clen;
}

static inline size_t entry_memory(uint32_t namelen, uint32_t nperms,
				  uint32_t vlen, uint32_t clen)
{
	return entry_size(nperms, vlen, clen) + namelen;
}

size_t node_entry_size(const struct node *n);
size_t node_memory(const struct node *n);
/* The heap a node takes (its struct, name, buffers): what a private copy
 * costs the daemon. node_heap_for() gives it for a node of these sizes;
 * node_cap() the capacity a value or child buffer of cap bytes has once
 * grown to hold need (buffers grow by doubling and never shrink). */
size_t node_heap(const struct node *n);
size_t node_heap_for(uint32_t namelen, uint32_t nperms, uint32_t vcap,
		     uint32_t ccap);
uint32_t node_cap(uint32_t cap, uint32_t need);
/* Re-account n (in the global store) to its owner; 0 forgets it. */
void node_account(struct node *n, bool present);

static inline struct node *node_of(struct hlink *l)
{
	return l ? container_of(l, struct node, link) : NULL;
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
