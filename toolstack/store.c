/*
 * store.c - see store.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toolstack/store.h"

#define PATH_MAX_XS 3072 /* XENSTORE_ABS_PATH_MAX and then some */
#define VALUE_MAX 4096

static int path_of(char *buf, const char *dir, const char *key)
{
	int n = key ? snprintf(buf, PATH_MAX_XS, "%s/%s", dir, key) :
		      snprintf(buf, PATH_MAX_XS, "%s", dir);

	return n < 0 || n >= PATH_MAX_XS ? -ENAMETOOLONG : 0;
}

int xpv_tx_begin(struct xpv_tx *tx, struct xs_handle *xs)
{
	tx->xs = xs;
	tx->err = 0;
	tx->t = xs_transaction_start(xs);
	return tx->t == XBT_NULL ? -errno : 0;
}

int xpv_tx_end(struct xpv_tx *tx)
{
	bool abort = tx->err != 0;

	if (tx->t == XBT_NULL)
		return tx->err;
	if (!xs_transaction_end(tx->xs, tx->t, abort) && !abort)
		tx->err = -errno;
	tx->t = XBT_NULL;
	return tx->err;
}

static void write_value(struct xpv_tx *tx, const char *dir, const char *key,
			const char *value)
{
	char path[PATH_MAX_XS];

	if (tx->err)
		return;
	tx->err = path_of(path, dir, key);
	if (!tx->err && !xs_write(tx->xs, tx->t, path, value, strlen(value)))
		tx->err = -errno;
}

static __attribute__((format(printf, 4, 0))) void
tx_vwrite(struct xpv_tx *tx, const char *dir, const char *key, const char *fmt,
	  va_list ap)
{
	char value[VALUE_MAX];
	int n = vsnprintf(value, sizeof(value), fmt, ap);

	if (n < 0 || n >= (int)sizeof(value)) {
		tx->err = tx->err ?: -E2BIG;
		return;
	}
	write_value(tx, dir, key, value);
}

void xpv_tx_write(struct xpv_tx *tx, const char *dir, const char *key,
		  const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tx_vwrite(tx, dir, key, fmt, ap);
	va_end(ap);
}

void xpv_tx_set_perms(struct xpv_tx *tx, const char *dir, const char *key,
		      const struct xs_permissions *perms, unsigned int n)
{
	char path[PATH_MAX_XS];

	if (tx->err)
		return;
	tx->err = path_of(path, dir, key);
	if (!tx->err && !xs_set_permissions(tx->xs, tx->t, path,
					    (struct xs_permissions *)perms, n))
		tx->err = -errno;
}

void xpv_tx_mknod(struct xpv_tx *tx, const char *dir, const char *key,
		  const struct xs_permissions *perms, unsigned int n)
{
	write_value(tx, dir, key, "");
	xpv_tx_set_perms(tx, dir, key, perms, n);
}

void xpv_tx_rm(struct xpv_tx *tx, const char *dir, const char *key)
{
	char path[PATH_MAX_XS];

	if (tx->err)
		return;
	tx->err = path_of(path, dir, key);
	if (!tx->err && !xs_rm(tx->xs, tx->t, path) && errno != ENOENT)
		tx->err = -errno;
}

char *xpv_xs_read(struct xs_handle *xs, const char *dir, const char *key)
{
	char path[PATH_MAX_XS];
	unsigned int len;
	int ret = path_of(path, dir, key);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	return xs_read(xs, XBT_NULL, path, &len);
}

int xpv_xs_read_long(struct xs_handle *xs, const char *dir, const char *key,
		     long min, long max, long *out)
{
	char *v = xpv_xs_read(xs, dir, key), *end;
	long n;
	int ret = 0;

	if (!v)
		return -errno;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end)
		ret = -EINVAL;
	else if (n < min || n > max)
		ret = -ERANGE;
	else
		*out = n;
	free(v);
	return ret;
}

int xpv_xs_write(struct xs_handle *xs, const char *dir, const char *key,
		 const char *fmt, ...)
{
	struct xpv_tx tx = { .xs = xs, .t = XBT_NULL };
	va_list ap;

	va_start(ap, fmt);
	tx_vwrite(&tx, dir, key, fmt, ap);
	va_end(ap);
	return tx.err;
}

int xpv_xs_rm(struct xs_handle *xs, const char *dir, const char *key)
{
	struct xpv_tx tx = { .xs = xs, .t = XBT_NULL };

	xpv_tx_rm(&tx, dir, key);
	return tx.err;
}
