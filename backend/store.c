/*
 * backend/store.c - reading and writing a device's nodes.
 *
 * A frontend's directory belongs to the guest, which may write anything
 * there at any moment: a 4 KiB string where a number belongs, "0x10",
 * "-1", "99999999999999999999", a NUL in the middle. Each value is read
 * once into private memory, its length bounded, and only then parsed,
 * strictly; a caller gets a number already checked against the maximum it
 * advertised, before any shift, multiply or allocation depends on it
 * (blkback's "Buggy or malicious guest" check on ring-page-order).
 *
 * Writes into the backend directory go through a transaction that first
 * checks the directory still exists: a plain write after the toolstack
 * removed a device would bring its directory back, and leave it behind
 * for good (Linux's xenbus_switch_state does the same check).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "backend/core.h"

/* Transactions that keep conflicting are given up after this many tries
 * (another writer would have to win every time). */
#define TX_TRIES 16

int store_path(const struct xpv_backend_dev *dev, enum xpv_backend_side side,
	       const char *key, char *buf, size_t size)
{
	const char *dir = side == XPV_FRONTEND ? dev->fe : dev->path;
	int n;

	if (!*dir)
		return -ENOENT; /* no frontend known yet */
	n = snprintf(buf, size, "%s/%s", dir, key);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int store_read(struct xpv_backend *be, const char *path, size_t max,
	       char **value, unsigned int *len)
{
	unsigned int n;
	char *v = xs_read(be->xs, XBT_NULL, path, &n);

	if (!v)
		return -errno;
	if (n > max) {
		free(v);
		return -E2BIG;
	}
	*value = v; /* libxenstore NUL-terminates what it returns */
	if (len)
		*len = n;
	return 0;
}

int store_exists(struct xpv_backend *be, const char *path)
{
	unsigned int n;
	char *v = xs_read(be->xs, XBT_NULL, path, &n);

	if (v) {
		free(v);
		return 1;
	}
	return errno == ENOENT ? 0 : -errno;
}

/* The decimal form of a number is never longer than this. */
#define UINT_TEXT_MAX 24u

int xpv_backend_read_uint(struct xpv_backend_dev *dev,
			  enum xpv_backend_side side, const char *key,
			  unsigned long max, unsigned long *value)
{
	char path[CORE_PATH_MAX], *v = NULL;
	unsigned int len = 0;
	int ret;

	ret = store_path(dev, side, key, path, sizeof(path));
	if (!ret)
		ret = store_read(dev->be, path, UINT_TEXT_MAX, &v, &len);
	if (ret == -E2BIG)
		return -ERANGE; /* too many digits for any number we take */
	if (ret)
		return ret;
	ret = strlen(v) == len ? xpv_xenbus_parse_uint(v, max, value) : -EINVAL;
	free(v);
	return ret;
}

static bool printable(const char *v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	return true;
}

int xpv_backend_read_str(struct xpv_backend_dev *dev,
			 enum xpv_backend_side side, const char *key, char *buf,
			 size_t size)
{
	char path[CORE_PATH_MAX], *v = NULL;
	unsigned int len = 0;
	int ret;

	if (size == 0)
		return -EINVAL;
	ret = store_path(dev, side, key, path, sizeof(path));
	if (!ret)
		ret = store_read(dev->be, path, size - 1, &v, &len);
	if (ret)
		return ret;
	if (printable(v, len))
		memcpy(buf, v, len + 1);
	else
		ret = -EINVAL;
	free(v);
	return ret;
}

static int key_in(const char *dir, const char *name, char *buf, size_t size)
{
	int n = dir ? snprintf(buf, size, "%s/%s", dir, name) :
		      snprintf(buf, size, "%s", name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int read_gref(struct xpv_backend_dev *dev, const char *key,
		     hv_gref_t *ref)
{
	unsigned long v;
	int ret = xpv_backend_read_uint(dev, XPV_FRONTEND, key, (hv_gref_t)-1,
					&v);

	if (!ret)
		*ref = (hv_gref_t)v;
	return ret;
}

int xpv_backend_read_gref(struct xpv_backend_dev *dev, const char *dir,
			  const char *name, hv_gref_t *ref)
{
	char key[CORE_PATH_MAX];
	int ret = key_in(dir, name, key, sizeof(key));

	return ret ?: read_gref(dev, key, ref);
}

int xpv_backend_read_port(struct xpv_backend_dev *dev, const char *dir,
			  const char *name, hv_port_t *port)
{
	char key[CORE_PATH_MAX];
	unsigned long v;
	int ret = key_in(dir, name, key, sizeof(key));

	if (!ret)
		ret = xpv_backend_read_uint(dev, XPV_FRONTEND, key,
					    (hv_port_t)-1, &v);
	if (!ret)
		*port = (hv_port_t)v;
	return ret;
}

/* ring-page-order, or -ENOENT for a frontend that does not use it. */
static int read_ring_order(struct xpv_backend_dev *dev, unsigned int max_order,
			   unsigned int *order)
{
	unsigned long v;
	int ret = xpv_backend_read_uint(dev, XPV_FRONTEND, "ring-page-order",
					max_order, &v);

	if (!ret)
		*order = (unsigned int)v;
	return ret;
}

int xpv_backend_read_ring_refs(struct xpv_backend_dev *dev, const char *dir,
			       const char *name, unsigned int max_order,
			       hv_gref_t *refs)
{
	char key[CORE_PATH_MAX], ref_name[64];
	unsigned int order, i;
	int ret;

	if (max_order > XPV_BACKEND_MAX_RING_ORDER)
		return -EINVAL;
	ret = read_ring_order(dev, max_order, &order);
	if (ret == -ENOENT) {
		ret = key_in(dir, name, key, sizeof(key));
		return ret ?: read_gref(dev, key, &refs[0]) ?: 1;
	}
	if (ret)
		return ret;
	for (i = 0; i < (1u << order); i++) {
		snprintf(ref_name, sizeof(ref_name), "%s%u", name, i);
		ret = key_in(dir, ref_name, key, sizeof(key));
		if (!ret)
			ret = read_gref(dev, key, &refs[i]);
		if (ret)
			return ret;
	}
	return (int)(1u << order);
}

int xpv_backend_read_num_queues(struct xpv_backend_dev *dev, unsigned int max)
{
	unsigned long v;
	int ret = xpv_backend_read_uint(dev, XPV_FRONTEND,
					"multi-queue-num-queues", max, &v);

	if (ret == -ENOENT)
		return 1;
	if (ret)
		return ret;
	return v == 0 ? -ERANGE : (int)v;
}

int xpv_backend_queue_dir(unsigned int n, char *buf, size_t size)
{
	int len = snprintf(buf, size, "queue-%u", n);

	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

/* One try of the transaction: -ENOENT if the directory is gone. */
static int write_keys_once(struct xpv_backend_dev *dev,
			   const struct xpv_backend_key *keys, unsigned int n)
{
	struct xs_handle *xs = dev->be->xs;
	char path[CORE_PATH_MAX];
	unsigned int i, len;
	xs_transaction_t t;
	char *v;
	int ret = 0;

	t = xs_transaction_start(xs);
	if (t == XBT_NULL)
		return -errno;
	v = xs_read(xs, t, dev->path, &len);
	if (!v)
		ret = -errno;
	free(v);
	for (i = 0; !ret && i < n; i++) {
		ret = store_path(dev, XPV_BACKEND, keys[i].key, path,
				 sizeof(path));
		if (!ret && !xs_write(xs, t, path, keys[i].value,
				      strlen(keys[i].value)))
			ret = -errno;
	}
	if (ret) {
		xs_transaction_end(xs, t, true);
		return ret;
	}
	return xs_transaction_end(xs, t, false) ? 0 : -errno;
}

int xpv_backend_write_keys(struct xpv_backend_dev *dev,
			   const struct xpv_backend_key *keys, unsigned int n)
{
	int tries = TX_TRIES, ret;

	do
		ret = write_keys_once(dev, keys, n);
	while (ret == -EAGAIN && --tries > 0);
	return ret;
}

int xpv_backend_printf(struct xpv_backend_dev *dev, const char *key,
		       const char *fmt, ...)
{
	char value[XPV_BACKEND_VALUE_MAX];
	struct xpv_backend_key kv = { key, value };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -E2BIG;
	return xpv_backend_write_keys(dev, &kv, 1);
}
