/*
 * netfront.c - one vif of the guest (netfront.h): opening it, its events,
 * following its backend.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "frontend/net/common.h"
#include "net/tap.h"

/* The vif's MAC from the toolstack's "mac" key; else one of Xen's OUI
 * (00:16:3e), as xl picks. */
static void read_mac(struct netfront *nf)
{
	char path[96], *v = NULL;
	unsigned int b[6], i;
	char tail;

	snprintf(path, sizeof(path), "%s/mac", nf->dir);
	if (!xenbus_read(nf->xb, XENBUS_TX_NONE, path, &v, NULL) &&
	    sscanf(v, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) == 6 &&
	    !(b[0] & 1)) {
		for (i = 0; i < 6; i++)
			nf->mac[i] = (uint8_t)b[i];
		free(v);
		return;
	}
	free(v);
	nf->mac[0] = 0x00;
	nf->mac[1] = 0x16;
	nf->mac[2] = 0x3e;
	for (i = 3; i < 6; i++)
		nf->mac[i] = (uint8_t)rand();
}

struct netfront *netfront_open(struct hv *hv, struct xenbus *xb,
			       const struct netfront_config *cfg)
{
	struct netfront *nf = calloc(1, sizeof(*nf));
	unsigned int i;

	if (!nf)
		return NULL;
	if (!cfg->dir || strlen(cfg->dir) >= sizeof(nf->dir) || !cfg->ifname ||
	    strlen(cfg->ifname) >= sizeof(nf->ifname) ||
	    cfg->ntap_fds > NETFRONT_MAX_QUEUES) {
		free(nf);
		errno = EINVAL;
		return NULL;
	}
	nf->hv = hv;
	nf->xb = xb;
	nf->cfg = *cfg;
	snprintf(nf->dir, sizeof(nf->dir), "%s", cfg->dir);
	snprintf(nf->ifname, sizeof(nf->ifname), "%s", cfg->ifname);
	nf->cfg.dir = nf->dir;
	nf->cfg.ifname = nf->ifname;
	for (i = 0; i < NETFRONT_MAX_QUEUES; i++)
		nf->tap_fds[i] = -1;
	for (i = 0; i < cfg->ntap_fds; i++)
		nf->tap_fds[i] = cfg->tap_fds[i];
	nf->ntaps = cfg->ntap_fds;
	nf->taps_handed_in = cfg->ntap_fds > 0;
	nf->cfg.tap_fds = NULL;
	nf->dev = xenbus_dev_open(hv, xb, nf->dir);
	if (!nf->dev) {
		free(nf);
		return NULL;
	}
	read_mac(nf);
	return nf;
}

void netfront_close(struct netfront *nf)
{
	unsigned int i;

	if (!nf)
		return;
	if (nf->nqueues)
		nf_disconnect(nf, 5000);
	xenbus_dev_close(nf->dev);
	for (i = 0; i < nf->ntaps; i++)
		close(nf->tap_fds[i]);
	free(nf);
}

int netfront_connect(struct netfront *nf, int timeout_ms)
{
	return nf_connect(nf, timeout_ms);
}

bool netfront_connected(const struct netfront *nf)
{
	return nf->nqueues > 0;
}

const char *netfront_token(const struct netfront *nf)
{
	return xenbus_dev_token(nf->dev);
}

const char *netfront_ifname(const struct netfront *nf)
{
	return nf->ifname;
}

int netfront_fds(struct netfront *nf, int *fds, uint32_t *events, void **ptrs,
		 unsigned int max)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(nf->dev);
	unsigned int n = 0, i;

	if (!nf->nqueues || !ev || max == 0)
		return 0;
	fds[n] = hv_evtchn_fd(ev);
	events[n] = EPOLLIN;
	ptrs[n++] = &nf->ev_mark;
	for (i = 0; i < nf->nqueues && n < max; i++) {
		fds[n] = nf->q[i].tap_fd;
		events[n] = EPOLLIN | EPOLLET;
		ptrs[n++] = &nf->q[i];
	}
	return (int)n;
}

/* What a queue can do now, within its budgets: 1 when work is left, 0,
 * or -EIO when the backend broke a ring. */
static int run_queue(struct nf_queue *q)
{
	int r;

	q->more = false;
	r = nf_tx_gc(q, false);
	if (r >= 0)
		r = nf_rx_poll(q, NF_BUDGET);
	if (r >= 0)
		r = nf_tx_from_tap(q, NF_BUDGET);
	if (r < 0)
		return -EIO;
	return q->more;
}

static int broken(struct netfront *nf, const struct nf_queue *q)
{
	fprintf(stderr,
		"netfront: %s: the backend broke a ring of queue %u (tx: "
		"requests to %u, answers %u to %u; rx: requests to %u, "
		"answers %u to %u); closing\n",
		nf->dir, q->id, q->tx.req_prod_pvt, q->tx.rsp_cons,
		q->tx.sring->rsp_prod, q->rx.req_prod_pvt, q->rx.rsp_cons,
		q->rx.sring->rsp_prod);
	nf_disconnect(nf, 5000);
	return -EIO;
}

int netfront_run(struct netfront *nf)
{
	unsigned int i;
	int r, more = 0;

	for (i = 0; i < nf->nqueues; i++) {
		r = run_queue(&nf->q[i]);
		if (r < 0)
			return broken(nf, &nf->q[i]);
		more |= r;
	}
	return more;
}

static void drain_ports(struct netfront *nf)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(nf->dev);
	int port;

	while ((port = hv_evtchn_pending(ev)) >= 0)
		if (hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
			break;
}

int netfront_event(struct netfront *nf, void *ptr)
{
	struct nf_queue *q = ptr;
	int r;

	if (!nf->nqueues)
		return 0;
	if (ptr == &nf->ev_mark) {
		drain_ports(nf);
		return netfront_run(nf);
	}
	q->tap_readable = true;
	r = run_queue(q);
	return r < 0 ? broken(nf, q) : r;
}

int netfront_backend_changed(struct netfront *nf, int timeout_ms)
{
	int state = xenbus_dev_backend_state(nf->dev), ret;

	if (state < 0)
		return state;
	if (nf->nqueues && (state == XPV_XENBUS_STATE_CLOSING ||
			    state == XPV_XENBUS_STATE_CLOSED ||
			    state == XPV_XENBUS_STATE_UNKNOWN)) {
		nf_disconnect(nf, timeout_ms);
		return 1;
	}
	if (!nf->nqueues && state == XPV_XENBUS_STATE_INIT_WAIT) {
		ret = nf_connect(nf, timeout_ms);
		if (ret)
			return ret;
		nf->gone.reconnects++;
		return 1;
	}
	return 0;
}

void netfront_stats(const struct netfront *nf, struct netfront_stats *s)
{
	unsigned int i;

	*s = nf->gone;
	for (i = 0; i < nf->nqueues; i++) {
		const struct netfront_stats *q = &nf->q[i].stats;

		s->tx_packets += q->tx_packets;
		s->tx_bytes += q->tx_bytes;
		s->tx_dropped += q->tx_dropped;
		s->rx_packets += q->rx_packets;
		s->rx_bytes += q->rx_bytes;
		s->rx_dropped += q->rx_dropped;
		s->rx_errors += q->rx_errors;
	}
}
