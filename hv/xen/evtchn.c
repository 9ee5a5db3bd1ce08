/*
 * evtchn.c - event channels on Xen: one libxenevtchn handle (an open of
 * /dev/xen/evtchn) per hv_evtchn.
 *
 * Linux's evtchn device answers a port that is not bound through the same
 * fd inconsistently (notify and unbind: ENOTCONN; unmask: silently
 * ignored), so each handle keeps the list of ports it bound and refuses
 * any other with -ENOENT before the library is called. The fd is made
 * non-blocking so that hv_evtchn_pending() returns -EAGAIN instead of
 * sleeping (libxenevtchn opens it blocking). Status is EVTCHNOP_status on
 * DOMID_SELF through libxenctrl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/xen.h"

struct xen_evtchn {
	struct hv_evtchn ev; /* first: hv.c sees only this */
	xenevtchn_handle *xce;
	hv_port_t *ports;
	unsigned int nports, cap;
};

static struct xen_evtchn *to_xev(struct hv_evtchn *ev)
{
	return (struct xen_evtchn *)ev;
}

static int find_port(const struct xen_evtchn *xe, hv_port_t port)
{
	unsigned int i;

	for (i = 0; i < xe->nports; i++)
		if (xe->ports[i] == port)
			return (int)i;
	return -1;
}

/* Reserve room first, so that a port Xen gave us is never lost to ENOMEM. */
static int reserve_port(struct xen_evtchn *xe)
{
	unsigned int cap;
	hv_port_t *p;

	if (xe->nports < xe->cap)
		return 0;
	cap = xe->cap ? xe->cap * 2 : 8;
	p = realloc(xe->ports, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	xe->ports = p;
	xe->cap = cap;
	return 0;
}

/* Record a port the library just bound; a negative result passes through. */
static int bound(struct xen_evtchn *xe, xenevtchn_port_or_error_t port)
{
	if (port < 0)
		return errno ? -errno : -EIO;
	xe->ports[xe->nports++] = (hv_port_t)port;
	return (int)port;
}

static int check_own(struct xen_evtchn *xe, hv_port_t port)
{
	if (port == 0 || port >= XEN_MAX_PORTS)
		return -ERANGE;
	return find_port(xe, port) < 0 ? -ENOENT : 0;
}

struct hv_evtchn *xen_evtchn_open(struct hv *hv)
{
	struct xen_evtchn *xe = calloc(1, sizeof(*xe));
	int fd, flags, err;

	if (!xe)
		return NULL;
	xe->xce = xenevtchn_open(&xen_quiet_logger, 0);
	if (!xe->xce) {
		err = errno;
		goto fail;
	}
	fd = xenevtchn_fd(xe->xce);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		err = errno;
		goto fail;
	}
	xe->ev.hv = hv;
	xe->ev.fd = fd;
	return &xe->ev;
fail:
	if (xe->xce)
		xenevtchn_close(xe->xce);
	free(xe);
	errno = err;
	return NULL;
}

/* Closing the device unbinds every port bound through it (Linux evtchn). */
void xen_evtchn_close(struct hv_evtchn *ev)
{
	struct xen_evtchn *xe = to_xev(ev);

	xenevtchn_close(xe->xce);
	free(xe->ports);
	free(xe);
}

int xen_evtchn_alloc_unbound(struct hv_evtchn *ev, hv_domid_t remote)
{
	struct xen_evtchn *xe = to_xev(ev);
	int err = reserve_port(xe);

	if (err)
		return err;
	remote = xen_domid(to_xen(ev->hv), remote);
	return bound(xe, xenevtchn_bind_unbound_port(xe->xce, remote));
}

int xen_evtchn_bind_interdomain(struct hv_evtchn *ev, hv_domid_t remote,
				hv_port_t remote_port)
{
	struct xen_evtchn *xe = to_xev(ev);
	int err;

	if (remote_port == 0 || remote_port >= XEN_MAX_PORTS)
		return -ERANGE;
	err = reserve_port(xe);
	if (err)
		return err;
	remote = xen_domid(to_xen(ev->hv), remote);
	err = bound(xe,
		    xenevtchn_bind_interdomain(xe->xce, remote, remote_port));
	/* Xen: -EINVAL when the remote port is not allocated, not unbound,
	 * or not for us; the arguments were checked, so: no such port. */
	return err == -EINVAL ? -ENOENT : err;
}

int xen_evtchn_bind_virq(struct hv_evtchn *ev, unsigned int virq)
{
	struct xen_evtchn *xe = to_xev(ev);
	int err;

	if (virq >= NR_VIRQS)
		return -ERANGE;
	err = reserve_port(xe);
	if (err)
		return err;
	return bound(xe, xenevtchn_bind_virq(xe->xce, virq));
}

int xen_evtchn_unbind(struct hv_evtchn *ev, hv_port_t port)
{
	struct xen_evtchn *xe = to_xev(ev);
	int err = check_own(xe, port);
	int i;

	if (err)
		return err;
	if (xenevtchn_unbind(xe->xce, port) < 0)
		return -errno;
	i = find_port(xe, port);
	xe->nports--;
	xe->ports[i] = xe->ports[xe->nports];
	return 0;
}

int xen_evtchn_notify(struct hv_evtchn *ev, hv_port_t port)
{
	struct xen_evtchn *xe = to_xev(ev);
	int err = check_own(xe, port);

	if (err)
		return err;
	return xenevtchn_notify(xe->xce, port) < 0 ? -errno : 0;
}

int xen_evtchn_pending(struct hv_evtchn *ev)
{
	struct xen_evtchn *xe = to_xev(ev);
	xenevtchn_port_or_error_t port = xenevtchn_pending(xe->xce);

	if (port < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return (int)port;
}

int xen_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port)
{
	struct xen_evtchn *xe = to_xev(ev);
	int err = check_own(xe, port);

	if (err)
		return err;
	return xenevtchn_unmask(xe->xce, port) < 0 ? -errno : 0;
}

static int from_evtchnstat(uint32_t status)
{
	switch (status) {
	case EVTCHNSTAT_closed:
		return HV_EVTCHN_CLOSED;
	case EVTCHNSTAT_unbound:
		return HV_EVTCHN_UNBOUND;
	case EVTCHNSTAT_interdomain:
		return HV_EVTCHN_INTERDOMAIN;
	case EVTCHNSTAT_virq:
		return HV_EVTCHN_VIRQ;
	default:
		/* pirq and ipi ports are the kernel's, never an hv_evtchn's */
		return -EOPNOTSUPP;
	}
}

/* Any local port, not only this handle's: the question is Xen's state. */
int xen_evtchn_status(struct hv_evtchn *ev, hv_port_t port)
{
	struct hv_xen *x = to_xen(ev->hv);
	xc_evtchn_status_t st;

	if (port == 0 || port >= XEN_MAX_PORTS)
		return -ERANGE;
	memset(&st, 0, sizeof(st));
	st.dom = DOMID_SELF;
	st.port = port;
	if (xc_evtchn_status(x->xc, &st) < 0)
		return errno == EINVAL ? HV_EVTCHN_CLOSED : -errno;
	return from_evtchnstat(st.status);
}
