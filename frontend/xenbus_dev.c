/*
 * frontend/xenbus_dev.c - the frontend's half of the XenbusState
 * handshake (xenbus_dev.h). The order of each step, and why, is in the
 * header; docs/backend.md has both halves side by side.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/xenbus_dev.h"
#include "ring/ring.h"

#define PATH_MAX_LEN 256u
#define TOKEN_PREFIX "xbdev:"
#define TX_TRIES 16

struct granted {
	void *addr;
	unsigned int npages;
};

struct xenbus_dev {
	struct hv *hv;
	struct xenbus *xb;
	char dir[PATH_MAX_LEN];
	char backend[PATH_MAX_LEN];
	char backend_state[PATH_MAX_LEN + 8];
	char token[PATH_MAX_LEN + 8];
	hv_domid_t backend_id;
	struct hv_evtchn *ev;
	struct granted rings[XENBUS_DEV_MAX_RINGS];
	unsigned int nrings;
};

/* path's value, at most max bytes and no NUL inside, into *value. */
static int read_bounded(struct xenbus *xb, const char *path, unsigned int max,
			char **value)
{
	unsigned int len;
	int ret = xenbus_read(xb, XENBUS_TX_NONE, path, value, &len);

	if (ret)
		return ret;
	if (len > max || strlen(*value) != len) {
		free(*value);
		return len > max ? -E2BIG : -EINVAL;
	}
	return 0;
}

static int read_uint(struct xenbus *xb, const char *path, unsigned long max,
		     unsigned long *value)
{
	char *v;
	int ret = read_bounded(xb, path, 24, &v);

	if (ret == -E2BIG)
		return -ERANGE;
	if (ret)
		return ret;
	ret = xpv_xenbus_parse_uint(v, max, value);
	free(v);
	return ret;
}

static int key_path(const char *dir, const char *key, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s/%s", dir, key);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int find_backend(struct xenbus_dev *dev)
{
	char path[PATH_MAX_LEN + 16], *be;
	unsigned long id;
	int ret;

	ret = key_path(dev->dir, "backend-id", path, sizeof(path));
	if (!ret)
		ret = read_uint(dev->xb, path, HV_DOMID_FIRST_RESERVED - 1,
				&id);
	if (!ret)
		ret = key_path(dev->dir, "backend", path, sizeof(path));
	if (!ret)
		ret = read_bounded(dev->xb, path, PATH_MAX_LEN - 1, &be);
	if (ret)
		return ret;
	if (be[0] != '/')
		ret = -EINVAL;
	else
		snprintf(dev->backend, sizeof(dev->backend), "%s", be);
	free(be);
	dev->backend_id = (hv_domid_t)id;
	return ret;
}

struct xenbus_dev *xenbus_dev_open(struct hv *hv, struct xenbus *xb,
				   const char *dir)
{
	struct xenbus_dev *dev;
	int ret = -EINVAL;

	if (strlen(dir) >= PATH_MAX_LEN) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->hv = hv;
	dev->xb = xb;
	snprintf(dev->dir, sizeof(dev->dir), "%s", dir);
	snprintf(dev->token, sizeof(dev->token), TOKEN_PREFIX "%s", dir);
	ret = find_backend(dev);
	if (!ret) {
		snprintf(dev->backend_state, sizeof(dev->backend_state),
			 "%s/state", dev->backend);
		ret = xenbus_watch(xb, dev->backend_state, dev->token);
	}
	if (ret) {
		free(dev);
		errno = -ret;
		return NULL;
	}
	return dev;
}

/* Unshare every ring and close the ports; a ring the backend still maps
 * cannot be taken back (-EBUSY) and is left granted. */
static int release(struct xenbus_dev *dev)
{
	int ret = 0, err;

	while (dev->nrings > 0) {
		struct granted *g = &dev->rings[--dev->nrings];

		err = hv_unshare_pages(dev->hv, g->addr, g->npages);
		ret = ret ?: err;
	}
	if (dev->ev) {
		hv_evtchn_close(dev->ev);
		dev->ev = NULL;
	}
	return ret;
}

void xenbus_dev_close(struct xenbus_dev *dev)
{
	if (!dev)
		return;
	release(dev);
	xenbus_unwatch(dev->xb, dev->backend_state, dev->token);
	free(dev);
}

const char *xenbus_dev_dir(const struct xenbus_dev *dev)
{
	return dev->dir;
}

const char *xenbus_dev_backend(const struct xenbus_dev *dev)
{
	return dev->backend;
}

hv_domid_t xenbus_dev_backend_id(const struct xenbus_dev *dev)
{
	return dev->backend_id;
}

const char *xenbus_dev_token(const struct xenbus_dev *dev)
{
	return dev->token;
}

struct hv_evtchn *xenbus_dev_evtchn(const struct xenbus_dev *dev)
{
	return dev->ev;
}

/* --- States ------------------------------------------------------------- */

int xenbus_dev_backend_state(struct xenbus_dev *dev)
{
	unsigned long v;
	int ret = read_uint(dev->xb, dev->backend_state, XPV_XENBUS_STATE_MAX,
			    &v);

	if (ret == -ENOENT)
		return XPV_XENBUS_STATE_UNKNOWN;
	if (ret)
		return ret == -EINVAL || ret == -ERANGE ? -EBADMSG : ret;
	return (int)v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain_events(struct xenbus *xb)
{
	char *path, *token;

	while (xenbus_read_event(xb, &path, &token) == 0)
		free(path);
}

int xenbus_dev_wait(struct xenbus_dev *dev, unsigned int states, int timeout_ms)
{
	struct pollfd pfd = { .fd = xenbus_event_fd(dev->xb),
			      .events = POLLIN };
	long long deadline = now_ms() + timeout_ms;
	int state, n;

	for (;;) {
		drain_events(dev->xb);
		state = xenbus_dev_backend_state(dev);
		if (state >= 0 && (states & XENBUS_STATE_BIT(state)))
			return state;
		if (state < 0 && state != -EBADMSG)
			return state;
		n = poll(&pfd, 1,
			 timeout_ms < 0 ? -1 : (int)(deadline - now_ms()));
		if (n == 0 || (timeout_ms >= 0 && now_ms() >= deadline))
			return -ETIMEDOUT;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

int xenbus_dev_read_backend_uint(struct xenbus_dev *dev, const char *key,
				 unsigned long max, unsigned long *value)
{
	char path[PATH_MAX_LEN * 2];
	int ret = key_path(dev->backend, key, path, sizeof(path));

	return ret ?: read_uint(dev->xb, path, max, value);
}

int xenbus_dev_backend_error(struct xenbus_dev *dev, char *buf,
			     unsigned int size)
{
	char path[PATH_MAX_LEN * 2], *v;
	int ret = key_path(dev->backend, "error", path, sizeof(path));

	if (!ret)
		ret = read_bounded(dev->xb, path, size - 1, &v);
	if (ret)
		return ret;
	memcpy(buf, v, strlen(v) + 1);
	free(v);
	return 0;
}

int xenbus_dev_switch(struct xenbus_dev *dev, enum xpv_xenbus_state state)
{
	return xenbus_dev_publish(dev, NULL, 0, state);
}

/* --- Resources ---------------------------------------------------------- */

void *xenbus_dev_grant_ring(struct xenbus_dev *dev, unsigned int order,
			    hv_gref_t *refs)
{
	struct granted *g;
	void *addr;

	if (order > XENBUS_DEV_MAX_RING_ORDER ||
	    dev->nrings == XENBUS_DEV_MAX_RINGS) {
		errno = order > XENBUS_DEV_MAX_RING_ORDER ? EINVAL : ENOSPC;
		return NULL;
	}
	addr = hv_share_pages(dev->hv, dev->backend_id, 1u << order, true,
			      refs);
	if (!addr)
		return NULL;
	g = &dev->rings[dev->nrings++];
	g->addr = addr;
	g->npages = 1u << order;
	return addr;
}

int xenbus_dev_alloc_port(struct xenbus_dev *dev)
{
	if (!dev->ev) {
		dev->ev = hv_evtchn_open(dev->hv);
		if (!dev->ev)
			return -errno;
	}
	return hv_evtchn_alloc_unbound(dev->ev, dev->backend_id);
}

static int publish_once(struct xenbus_dev *dev,
			const struct xenbus_dev_key *keys, unsigned int n,
			enum xpv_xenbus_state state)
{
	char path[PATH_MAX_LEN * 2], value[16];
	xenbus_tx_t tx;
	unsigned int i;
	int ret;

	ret = xenbus_transaction_start(dev->xb, &tx);
	if (ret)
		return ret;
	for (i = 0; !ret && i < n; i++) {
		ret = key_path(dev->dir, keys[i].key, path, sizeof(path));
		if (!ret)
			ret = xenbus_write_str(dev->xb, tx, path,
					       keys[i].value);
	}
	snprintf(value, sizeof(value), "%d", state);
	if (!ret)
		ret = key_path(dev->dir, "state", path, sizeof(path));
	if (!ret)
		ret = xenbus_write_str(dev->xb, tx, path, value);
	if (ret) {
		xenbus_transaction_end(dev->xb, tx, false);
		return ret;
	}
	return xenbus_transaction_end(dev->xb, tx, true);
}

int xenbus_dev_publish(struct xenbus_dev *dev,
		       const struct xenbus_dev_key *keys, unsigned int n,
		       enum xpv_xenbus_state state)
{
	int tries = TX_TRIES, ret;

	do
		ret = publish_once(dev, keys, n, state);
	while (ret == -EAGAIN && --tries > 0);
	return ret;
}

/* --- The whole handshake ------------------------------------------------- */

/* Room for ring-ref0..15, ring-page-order, event-channel and the caller's
 * keys. */
#define RING_KEYS (XENBUS_DEV_MAX_RINGS + 2)
#define MAX_EXTRA_KEYS 32u

struct ring_keys {
	struct xenbus_dev_key kv[RING_KEYS + MAX_EXTRA_KEYS];
	char names[1u << XENBUS_DEV_MAX_RING_ORDER][24];
	char values[RING_KEYS][16];
	unsigned int n;
};

static void add_key(struct ring_keys *k, const char *key, const char *value)
{
	k->kv[k->n].key = key;
	k->kv[k->n].value = value;
	k->n++;
}

static void ring_keys(struct ring_keys *k, const struct xenbus_dev_ring *r)
{
	unsigned int i, v = 0;

	k->n = 0;
	if (r->order == 0) {
		snprintf(k->values[v], sizeof(k->values[v]), "%u", r->refs[0]);
		add_key(k, "ring-ref", k->values[v++]);
	} else {
		snprintf(k->values[v], sizeof(k->values[v]), "%u", r->order);
		add_key(k, "ring-page-order", k->values[v++]);
		for (i = 0; i < (1u << r->order); i++) {
			snprintf(k->names[i], sizeof(k->names[i]), "ring-ref%u",
				 i);
			snprintf(k->values[v], sizeof(k->values[v]), "%u",
				 r->refs[i]);
			add_key(k, k->names[i], k->values[v++]);
		}
	}
	snprintf(k->values[v], sizeof(k->values[v]), "%d", r->port);
	add_key(k, "event-channel", k->values[v]);
}

/* A multi-page ring only as large as the backend's max-ring-page-order. */
static int check_order(struct xenbus_dev *dev, unsigned int order)
{
	unsigned long max;
	int ret;

	if (order == 0)
		return 0;
	ret = xenbus_dev_read_backend_uint(dev, "max-ring-page-order", 255,
					   &max);
	if (ret == -ENOENT)
		return -EOPNOTSUPP;
	if (ret)
		return ret;
	return order > max ? -EOPNOTSUPP : 0;
}

static int make_ring(struct xenbus_dev *dev, unsigned int order,
		     struct xenbus_dev_ring *r)
{
	int ret = check_order(dev, order);

	if (ret)
		return ret;
	r->order = order;
	r->sring = xenbus_dev_grant_ring(dev, order, r->refs);
	if (!r->sring)
		return -errno;
	xpv_sring_init(r->sring);
	r->port = xenbus_dev_alloc_port(dev);
	return r->port < 0 ? r->port : 0;
}

#define CLOSED_OR_GONE                                \
	(XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING) | \
	 XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED) |  \
	 XENBUS_STATE_BIT(XPV_XENBUS_STATE_UNKNOWN))

int xenbus_dev_connect_ring(struct xenbus_dev *dev, unsigned int order,
			    const struct xenbus_dev_key *keys, unsigned int n,
			    int timeout_ms, struct xenbus_dev_ring *ring)
{
	struct ring_keys k;
	unsigned int i;
	int ret;

	if (n > MAX_EXTRA_KEYS)
		return -E2BIG;
	ret = xenbus_dev_switch(dev, XPV_XENBUS_STATE_INITIALISING);
	if (!ret)
		ret = xenbus_dev_wait(
			dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
			timeout_ms);
	if (ret >= 0)
		ret = make_ring(dev, order, ring);
	if (ret)
		return ret;
	ring_keys(&k, ring);
	for (i = 0; i < n; i++)
		add_key(&k, keys[i].key, keys[i].value);
	ret = xenbus_dev_publish(dev, k.kv, k.n, XPV_XENBUS_STATE_INITIALISED);
	if (!ret)
		ret = xenbus_dev_wait(
			dev,
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED) |
				CLOSED_OR_GONE,
			timeout_ms);
	if (ret < 0)
		return ret;
	if (ret != XPV_XENBUS_STATE_CONNECTED)
		return -ECONNREFUSED;
	return xenbus_dev_switch(dev, XPV_XENBUS_STATE_CONNECTED);
}

int xenbus_dev_disconnect(struct xenbus_dev *dev, int timeout_ms)
{
	int ret, err;

	ret = xenbus_dev_switch(dev, XPV_XENBUS_STATE_CLOSING);
	if (!ret)
		ret = xenbus_dev_wait(dev, CLOSED_OR_GONE, timeout_ms);
	if (ret >= 0)
		ret = xenbus_dev_switch(dev, XPV_XENBUS_STATE_CLOSED);
	if (!ret)
		ret = xenbus_dev_wait(
			dev,
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED) |
				XENBUS_STATE_BIT(XPV_XENBUS_STATE_UNKNOWN),
			timeout_ms);
	err = release(dev);
	return ret < 0 ? ret : err;
}
