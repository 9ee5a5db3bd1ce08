/*
 * store.h - the toolstack's xenstore helpers: a transaction whose first
 * error sticks (so a layout is written as a plain list of writes, and
 * checked once at the end, as libxl writes its own), and reads that
 * parse what dom0 or a guest left.
 *
 * Every path is "<dir>/<key>" (key may be NULL for dir itself, or hold
 * slashes). Values written are formatted with printf.
 */
#ifndef XPV_TOOLSTACK_STORE_H
#define XPV_TOOLSTACK_STORE_H

#include <stdbool.h>
#include <xenstore.h>

struct xpv_tx {
	struct xs_handle *xs;
	xs_transaction_t t;
	int err; /* the first -errno, 0 while all went well */
};

/* Start a transaction (t = XBT_NULL to write outside one: no begin). */
int xpv_tx_begin(struct xpv_tx *tx, struct xs_handle *xs);
/*
 * Commit, or abort when an error stuck. Returns 0, the stuck error, or
 * -EAGAIN when the commit conflicted: redo the transaction from begin.
 */
int xpv_tx_end(struct xpv_tx *tx);

void xpv_tx_write(struct xpv_tx *tx, const char *dir, const char *key,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An empty node with these permissions (libxl__xs_mknod). */
void xpv_tx_mknod(struct xpv_tx *tx, const char *dir, const char *key,
		  const struct xs_permissions *perms, unsigned int n);
void xpv_tx_set_perms(struct xpv_tx *tx, const char *dir, const char *key,
		      const struct xs_permissions *perms, unsigned int n);
/* Remove a subtree; absent is not an error. */
void xpv_tx_rm(struct xpv_tx *tx, const char *dir, const char *key);

/* The value of dir/key (malloc'd), or NULL with errno set. */
char *xpv_xs_read(struct xs_handle *xs, const char *dir, const char *key);
/* The value as a decimal in [min, max]: -ENOENT, -EINVAL or -ERANGE. */
int xpv_xs_read_long(struct xs_handle *xs, const char *dir, const char *key,
		     long min, long max, long *out);
/* Write one value outside a transaction. */
int xpv_xs_write(struct xs_handle *xs, const char *dir, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Remove a subtree outside a transaction; absent is not an error. */
int xpv_xs_rm(struct xs_handle *xs, const char *dir, const char *key);

#endif
