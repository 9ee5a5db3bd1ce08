/*
 * xenbus_ring.c - the xenbus client over the domain's xenstore ring page
 * (io/xs_wire.h struct xenstore_domain_interface; docs/misc/
 * xenstore-ring.txt) and its event channel: requests go into req, replies
 * and watch events come out of rsp. The daemon's indices are read once per
 * call and checked by ring/byte_ring.c; an impossible pair, or the daemon
 * raising the ring's error field, kills the handle with -EIO.
 *
 * The port is notified once per batch (flush), after the indices moved,
 * not once per chunk.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "frontend/xenbus_priv.h"
#include "hv/hv.h"
#include "ring/byte_ring.h"
#include "ring/xs_wire.h"

struct ring_priv {
	struct xpv_xenstore_domain_interface *intf;
	struct xpv_byte_ring req, rsp;
	struct hv_evtchn *ev;
	hv_port_t port;
	bool moved; /* an index moved since the last notify */
	/* Set when xenbus_open() mapped and bound them itself. */
	struct hv *hv;
	bool owned;
};

static int broken(const struct ring_priv *p)
{
	uint32_t err = __atomic_load_n(&p->intf->error, __ATOMIC_ACQUIRE);

	return err != XPV_XENSTORE_ERROR_NONE ? -EIO : 0;
}

/* Consume the port's pending state so its fd stops being readable; the
 * ring itself says what happened. */
static void drain_events(struct ring_priv *p)
{
	int port;

	while ((port = hv_evtchn_pending(p->ev)) >= 0)
		if (hv_evtchn_unmask(p->ev, (hv_port_t)port) < 0)
			break; /* the port is gone: the ring is all there is */
}

static ssize_t ring_read(void *priv, void *buf, size_t len)
{
	struct ring_priv *p = priv;
	int n;

	drain_events(p);
	if (broken(p))
		return -EIO;
	n = xpv_byte_ring_read(&p->rsp, buf, len);
	if (n == 0)
		return -EAGAIN;
	if (n > 0)
		p->moved = true;
	return n;
}

static ssize_t ring_write(void *priv, const void *buf, size_t len)
{
	struct ring_priv *p = priv;
	int n;

	if (broken(p))
		return -EIO;
	n = xpv_byte_ring_write(&p->req, buf, len);
	if (n == 0)
		return -EAGAIN;
	if (n > 0)
		p->moved = true;
	return n;
}

static int ring_flush(void *priv)
{
	struct ring_priv *p = priv;

	if (!p->moved)
		return 0;
	p->moved = false;
	return hv_evtchn_notify(p->ev, p->port);
}

static int ring_wait(void *priv, bool want_write __attribute__((unused)),
		     int timeout_ms)
{
	struct ring_priv *p = priv;
	struct pollfd pfd = { .fd = hv_evtchn_fd(p->ev), .events = POLLIN };
	int n;

	/* The daemon signals after producing replies and after consuming
	 * requests, so one wait serves both directions. */
	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int ring_fd(void *priv)
{
	return hv_evtchn_fd(((struct ring_priv *)priv)->ev);
}

static void ring_close(void *priv)
{
	struct ring_priv *p = priv;

	if (p->owned) {
		hv_evtchn_close(p->ev);
		hv_foreign_unmap(p->hv, p->intf, 1);
	}
	free(p);
}

static const struct xb_transport ring_transport = {
	.read = ring_read,
	.write = ring_write,
	.flush = ring_flush,
	.wait = ring_wait,
	.fd = ring_fd,
	.close = ring_close,
};

static struct ring_priv *ring_priv_new(void *page, struct hv_evtchn *ev,
				       uint32_t port)
{
	struct ring_priv *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->intf = page;
	xpv_byte_ring_xenstore_req(&p->req, p->intf);
	xpv_byte_ring_xenstore_rsp(&p->rsp, p->intf);
	p->ev = ev;
	p->port = port;
	return p;
}

struct xenbus *xenbus_open_ring(void *page, struct hv_evtchn *ev, uint32_t port)
{
	struct ring_priv *p;

	if (!page || !ev) {
		errno = EINVAL;
		return NULL;
	}
	p = ring_priv_new(page, ev, port);
	if (!p)
		return NULL;
	return xenbus_new(&ring_transport, p);
}

struct xenbus *xenbus_open_self_ring(struct hv *hv)
{
	struct hv_start_info si;
	struct hv_evtchn *ev = NULL;
	struct ring_priv *p;
	void *page = NULL;
	int ret;

	ret = hv_domain_start_info(hv, HV_DOMID_SELF, &si);
	if (ret < 0)
		goto fail;
	page = hv_foreign_map(hv, HV_DOMID_SELF, 1, &si.store_frame, true);
	if (!page) {
		ret = -errno;
		goto fail;
	}
	ev = hv_evtchn_open(hv);
	if (!ev) {
		ret = -errno;
		goto fail;
	}
	ret = hv_evtchn_bind_existing(ev, si.store_port);
	if (ret < 0)
		goto fail;
	p = ring_priv_new(page, ev, si.store_port);
	if (!p) {
		ret = -ENOMEM;
		goto fail;
	}
	p->hv = hv;
	p->owned = true;
	return xenbus_new(&ring_transport, p);
fail:
	if (ev)
		hv_evtchn_close(ev);
	if (page)
		hv_foreign_unmap(hv, page, 1);
	errno = -ret;
	return NULL;
}
