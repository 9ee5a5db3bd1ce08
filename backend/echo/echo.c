/*
 * backend/echo/echo.c - the echo backend's ops and data path.
 *
 * The ring indices are the frontend's: each is read once per pass by
 * ring.h, which refuses an impossible producer index (-EIO); a request is
 * copied out of the shared page before it is looked at. A frontend that
 * breaks the ring gets its device closed (xpv_backend_fatal), and only
 * that device.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "backend/echo/echo.h"
#include "backend/echo/protocol.h"
#include "hv/hv.h"
#include "ring/ring.h"

struct echo_dev {
	struct echo_backend *be;
	struct xpv_backend_dev *dev;
	struct hv_evtchn *ev;
	int port; /* local port, -1 when not bound */
	void *ring_page;
	unsigned int npages;
	struct xpv_back_ring ring;
	bool broken; /* the frontend broke the ring: serve no more */
	unsigned long served; /* since the last connect */
};

static int echo_probe(struct xpv_backend_dev *dev)
{
	static const struct xpv_backend_key features[] = {
		{ "max-ring-page-order", "2" },
		{ "feature-echo", "1" },
	};
	struct echo_dev *d = calloc(1, sizeof(*d));

	_Static_assert(ECHO_MAX_RING_ORDER == 2, "max-ring-page-order above");
	if (!d)
		return -ENOMEM;
	d->be = xpv_backend_dev_opaque(dev);
	d->dev = dev;
	d->port = -1;
	xpv_backend_dev_set_priv(dev, d);
	return xpv_backend_write_keys(dev, features, 2);
}

static void echo_remove(struct xpv_backend_dev *dev)
{
	free(xpv_backend_dev_priv(dev));
	xpv_backend_dev_set_priv(dev, NULL);
}

static int map_ring(struct echo_dev *d)
{
	hv_gref_t refs[1u << ECHO_MAX_RING_ORDER];
	struct xpv_sring *s;
	int n;

	n = xpv_backend_read_ring_refs(d->dev, NULL, "ring-ref",
				       ECHO_MAX_RING_ORDER, refs);
	if (n < 0) {
		xpv_backend_fatal(d->dev, n, "reading ring-ref");
		return n;
	}
	d->ring_page = hv_grant_map(d->be->hv, xpv_backend_dev_domid(d->dev),
				    (unsigned int)n, refs, true);
	if (!d->ring_page) {
		n = -errno;
		xpv_backend_fatal(d->dev, n, "mapping the ring");
		return n;
	}
	d->npages = (unsigned int)n;
	s = d->ring_page;
	/* Start where the last backend stopped: a backend restarted under a
	 * connected frontend answers what it left (an index the frontend
	 * lies about only breaks its own ring, which peek refuses). */
	return xpv_back_ring_attach(
		&d->ring, s, (size_t)n * HV_PAGE_SIZE,
		sizeof(struct echo_request), sizeof(struct echo_response),
		__atomic_load_n(&s->rsp_prod, __ATOMIC_ACQUIRE));
}

static int bind_port(struct echo_dev *d)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = d };
	hv_port_t remote;
	int ret;

	ret = xpv_backend_read_port(d->dev, NULL, "event-channel", &remote);
	if (ret) {
		xpv_backend_fatal(d->dev, ret, "reading event-channel");
		return ret;
	}
	d->ev = hv_evtchn_open(d->be->hv);
	if (!d->ev)
		return -errno;
	d->port = hv_evtchn_bind_interdomain(
		d->ev, xpv_backend_dev_domid(d->dev), remote);
	if (d->port < 0) {
		xpv_backend_fatal(d->dev, d->port, "binding event channel %u",
				  remote);
		return d->port;
	}
	if (epoll_ctl(d->be->epfd, EPOLL_CTL_ADD, hv_evtchn_fd(d->ev), &ev))
		return -errno;
	return 0;
}

static int echo_connect(struct xpv_backend_dev *dev)
{
	struct echo_dev *d = xpv_backend_dev_priv(dev);
	int ret;

	d->broken = false;
	d->served = 0;
	ret = map_ring(d);
	if (!ret)
		ret = bind_port(d);
	if (ret)
		return ret;
	echo_backend_serve(d); /* what a previous backend left unanswered */
	return 0;
}

/* Idempotent, and undoes any part of a connect. */
static void echo_disconnect(struct xpv_backend_dev *dev)
{
	struct echo_dev *d = xpv_backend_dev_priv(dev);

	if (d->ev) {
		epoll_ctl(d->be->epfd, EPOLL_CTL_DEL, hv_evtchn_fd(d->ev),
			  NULL);
		hv_evtchn_close(d->ev); /* unbinds the port */
		d->ev = NULL;
		d->port = -1;
	}
	if (d->ring_page) {
		if (hv_grant_unmap(d->be->hv, d->ring_page, d->npages))
			xpv_backend_log(dev, "unmapping its ring failed");
		d->ring_page = NULL;
		xpv_backend_log(dev, "disconnected; served %lu requests",
				d->served);
	}
}

static void answer(const struct echo_request *req, struct echo_response *rsp)
{
	rsp->id = req->id;
	rsp->status = 0;
	rsp->value = ECHO_ANSWER(req->value);
}

/* Answer every request on the ring; -EIO when the frontend broke it. */
static int serve_ring(struct echo_dev *d)
{
	struct echo_request req;
	int n;

	while ((n = xpv_back_final_check_for_requests(&d->ring)) > 0) {
		while (n-- > 0) {
			xpv_back_take_request(&d->ring, &req);
			answer(&req, xpv_back_next_response(&d->ring));
			d->served++;
			d->be->served++;
		}
		if (xpv_back_push_responses_and_check_notify(&d->ring) &&
		    hv_evtchn_notify(d->ev, (hv_port_t)d->port) < 0)
			xpv_backend_log(d->dev, "cannot notify the frontend");
	}
	return n;
}

void echo_backend_serve(struct echo_dev *d)
{
	int port;

	while ((port = hv_evtchn_pending(d->ev)) >= 0)
		if (hv_evtchn_unmask(d->ev, (hv_port_t)port) < 0)
			break; /* it stays masked: the ring is still served */
	if (d->broken || !d->ring_page)
		return;
	if (serve_ring(d) < 0) {
		d->broken = true;
		xpv_backend_fatal(d->dev, -EIO,
				  "the frontend broke the ring protocol");
	}
}

const struct xpv_backend_ops echo_backend_ops = {
	.probe = echo_probe,
	.connect = echo_connect,
	.disconnect = echo_disconnect,
	.remove = echo_remove,
	.hotplug = XPV_HOTPLUG_NONE,
};
