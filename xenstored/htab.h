/*
 * htab.h - a hash table of intrusive links keyed by byte strings.
 *
 * An object that sits in a table embeds a struct hlink and sets its key
 * before inserting it; container_of() gets the object back. Open chaining,
 * grown at load 1; lookups never allocate, and an insert never fails
 * (without memory to grow, the chains just get longer). Several entries
 * may share a key (the watch index: one per watch of a path).
 *
 * The store's nodes (store.h), a transaction's entries (transaction.h)
 * and the index of all watches (watch.c) are such tables.
 */
#ifndef XPV_XENSTORED_HTAB_H
#define XPV_XENSTORED_HTAB_H

#include <stddef.h>
#include <stdint.h>

/* The object of type `type` whose member `member` is at ptr. */
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr)-offsetof(type, member)))

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

/* At least `buckets` buckets (0 or -ENOMEM); htab_free() frees them, not
 * the entries. */
int htab_init(struct htab *t, size_t buckets);
void htab_free(struct htab *t);

/* The first entry with this key, then the next with the same key. */
struct hlink *htab_find(const struct htab *t, const char *key, uint32_t len);
struct hlink *htab_find_next(const struct hlink *l);

/* Insert l, whose key and keylen are set (its hash is computed here). */
void htab_insert(struct htab *t, struct hlink *l);
void htab_remove(struct htab *t, struct hlink *l);

/* Call fn on every entry; fn may remove the entry it is given. */
void htab_walk(struct htab *t, void (*fn)(struct hlink *l, void *arg),
	       void *arg);

#endif /* XPV_XENSTORED_HTAB_H */
