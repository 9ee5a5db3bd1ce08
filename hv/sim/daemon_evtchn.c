/*
 * daemon_evtchn.c - xpv-hv's event channel tables, one per domain, as
 * Xen's event_channel.c keeps them: ports are allocated unbound for a
 * named remote domain, bound by that domain only, and when one end closes
 * the other goes back to unbound (EVTCHNOP_close).
 *
 * Each port has a doorbell (shared_evtchn.c): a one-way stream whose
 * receiving end goes to the port's owner and whose sending end goes to
 * the peer port's owner at bind, so notification never passes through
 * here. We keep the sending end for the port's life, to kick the owner
 * ourselves (never waiting, whatever the peer did to it), and the
 * receiving end only of a start-info port, to hand it to its next owner.
 * A binding also has a page of its own (shared_evtchn.c), mapped by the
 * two owners only: a pending word for each end, which lets a notify skip
 * the send while the other end has not taken the last one. Every change
 * of a port bumps its generation in the domain's status page; a client
 * that cached a peer's sending end or the binding's page sees the bump
 * and asks again.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

#define NR_VIRQS 24u

static void set_status(struct domain *d, uint32_t port)
{
	struct sim_port_status *st = &d->status[port];

	st->remote_dom = d->ports[port].rdom;
	__atomic_store_n(&st->state, d->ports[port].state, __ATOMIC_RELEASE);
	__atomic_fetch_add(&st->gen, 1, __ATOMIC_RELEASE);
}

/* Wake the owner of a port. Never waits: a full doorbell means an event
 * is waiting already, a shut one that its peer silenced it. */
static void kick(struct port *pt)
{
	int err = pt->tx >= 0 ? sim_chan_kick(pt->tx) : 0;

	if (err)
		hvd_log("kicking a port: %s", strerror(-err));
}

static int open_doorbell(struct port *pt)
{
	static bool warned;
	bool fds_refused;
	int err = sim_chan_pair(&pt->rx, &pt->tx, &fds_refused);

	if (!err && !fds_refused && !warned) {
		hvd_log("this kernel cannot refuse file descriptors on event "
			"channels (SO_PASSRIGHTS, Linux 6.16): a guest can "
			"make dom0 close its files");
		warned = true;
	}
	return err;
}

static void close_doorbell(struct port *pt)
{
	if (pt->rx >= 0)
		close(pt->rx);
	if (pt->tx >= 0)
		close(pt->tx);
	pt->rx = pt->tx = -1;
}

/* A binding ends: its page goes (both ports named the one fd). */
static void end_binding(struct port *pt, struct port *peer)
{
	if (peer && peer->pagefd == pt->pagefd)
		peer->pagefd = -1;
	if (pt->pagefd >= 0)
		close(pt->pagefd);
	pt->pagefd = -1;
}

int evtchn_alloc(struct domain *d, hv_domid_t remote, struct conn *owner)
{
	uint32_t p;
	int err;

	if (d->domid != 0 && d->nports >= SIM_GUEST_MAX_PORTS)
		return -ENOSPC;
	for (p = 1; p < SIM_NR_PORTS; p++) {
		struct port *pt = &d->ports[p];

		if (pt->state != HV_EVTCHN_CLOSED)
			continue;
		err = open_doorbell(pt);
		if (err)
			return err;
		pt->state = HV_EVTCHN_UNBOUND;
		pt->rdom = remote;
		pt->rport = 0;
		pt->owner = owner;
		pt->builder = false;
		d->nports++;
		set_status(d, p);
		return (int)p;
	}
	return -ENOSPC;
}

void evtchn_close_port(struct domain *d, uint32_t port)
{
	struct port *pt = &d->ports[port];

	if (pt->state == HV_EVTCHN_INTERDOMAIN) {
		struct domain *rd = dom_get(pt->rdom);
		struct port *rp = NULL;

		/* Only a peer that still names this port as its own. */
		if (rd && pt->rport < SIM_NR_PORTS &&
		    rd->ports[pt->rport].state == HV_EVTCHN_INTERDOMAIN &&
		    rd->ports[pt->rport].rdom == d->domid &&
		    rd->ports[pt->rport].rport == port) {
			rp = &rd->ports[pt->rport];
			/* The peer may be bound again by our domain. */
			rp->state = HV_EVTCHN_UNBOUND;
			rp->rdom = d->domid;
			rp->rport = 0;
			set_status(rd, pt->rport);
			kick(rp);
		}
		end_binding(pt, rp);
	}
	if (pt->state != HV_EVTCHN_CLOSED)
		d->nports--;
	close_doorbell(pt);
	pt->state = HV_EVTCHN_CLOSED;
	pt->owner = NULL;
	pt->builder = false;
	pt->rport = 0;
	set_status(d, port);
}

void evtchn_conn_gone(struct domain *d, struct conn *c)
{
	uint32_t p;

	for (p = 1; p < SIM_NR_PORTS; p++) {
		if (d->ports[p].owner != c)
			continue;
		if (d->ports[p].builder)
			d->ports[p].owner = NULL;
		else
			evtchn_close_port(d, p);
	}
}

void evtchn_close_all(struct domain *d)
{
	uint32_t p;

	for (p = 1; p < SIM_NR_PORTS; p++)
		if (d->ports[p].state != HV_EVTCHN_CLOSED)
			evtchn_close_port(d, p);
}

/* Only dom0 may bind VIRQ_DOM_EXC, so only its table has VIRQ ports. */
void evtchn_fire_virq(void)
{
	struct domain *d = hvd.doms[0];
	uint32_t p;

	for (p = 1; d && p < SIM_NR_PORTS; p++)
		if (d->ports[p].state == HV_EVTCHN_VIRQ)
			kick(&d->ports[p]);
}

/* The sending end of an interdomain port's peer, or -1. */
static int peer_tx(const struct port *pt)
{
	struct domain *rd;

	if (pt->state != HV_EVTCHN_INTERDOMAIN || pt->rport >= SIM_NR_PORTS)
		return -1;
	rd = dom_get(pt->rdom);
	return rd ? rd->ports[pt->rport].tx : -1;
}

/*
 * Reply with the port, its generation, its receiving end and the peer's
 * sending end. A port bound through a handle keeps its receiving end
 * there only: ours goes once sent (one fd per port here, not two). A
 * start-info port's stays, for whoever attaches it next.
 */
static int give(struct domain *d, uint32_t port, struct reply *r)
{
	struct port *pt = &d->ports[port];

	r->rep.v[0] = port;
	r->rep.v[1] = __atomic_load_n(&d->status[port].gen, __ATOMIC_ACQUIRE);
	r->rep.v[2] = pt->word;
	r->fds[0] = pt->rx;
	r->fds[1] = peer_tx(pt);
	r->fds[2] = pt->pagefd;
	if (!pt->builder) {
		r->close_fds[0] = true;
		pt->rx = -1;
	}
	return 0;
}

int op_evtchn_alloc(struct request *rq, struct reply *r)
{
	struct domain *d = dom_get(rq->c->domid);
	uint32_t remote = rq->req->domid;
	int port;

	if (!d)
		return -ESRCH;
	if (remote == HV_DOMID_SELF)
		remote = d->domid;
	if (remote >= SIM_MAX_DOMS)
		return -ERANGE;
	port = evtchn_alloc(d, (hv_domid_t)remote, rq->c);
	if (port < 0)
		return port;
	return give(d, (uint32_t)port, r);
}

/* The remote port a bind names, or NULL with *err: Xen's checks in
 * evtchn_bind_interdomain. */
static struct port *bindable(struct domain *d, struct request *rq,
			     struct domain **rdp, int *err)
{
	uint32_t remote = rq->req->domid;
	uint64_t rport = rq->req->a;
	struct domain *rd;
	struct port *rp;

	if (remote == HV_DOMID_SELF)
		remote = d->domid;
	*err = -ERANGE;
	if (remote >= SIM_MAX_DOMS || rport >= SIM_NR_PORTS)
		return NULL;
	rd = dom_get((hv_domid_t)remote);
	*err = -ESRCH;
	if (!rd || rd->dying)
		return NULL;
	rp = &rd->ports[rport];
	*err = -ENOENT;
	if (rport == 0 || rp->state == HV_EVTCHN_CLOSED)
		return NULL;
	*err = -EBUSY;
	if (rp->state != HV_EVTCHN_UNBOUND)
		return NULL;
	*err = -EPERM;
	if (rp->rdom != d->domid)
		return NULL;
	*rdp = rd;
	return rp;
}

int op_evtchn_bind(struct request *rq, struct reply *r)
{
	struct domain *d = dom_get(rq->c->domid), *rd = NULL;
	struct port *rp;
	int lp, err, page;

	if (!d)
		return -ESRCH;
	rp = bindable(d, rq, &rd, &err);
	if (!rp)
		return err;
	page = sim_chan_page();
	if (page < 0)
		return page;
	lp = evtchn_alloc(d, rd->domid, rq->c);
	if (lp < 0) {
		close(page);
		return lp;
	}
	d->ports[lp].state = HV_EVTCHN_INTERDOMAIN;
	d->ports[lp].rport = (uint32_t)rq->req->a;
	rp->state = HV_EVTCHN_INTERDOMAIN;
	rp->rdom = d->domid;
	rp->rport = (uint32_t)lp;
	/* One page per binding, a pending word for each end. */
	d->ports[lp].pagefd = rp->pagefd = page;
	d->ports[lp].word = 1;
	rp->word = 0;
	set_status(d, (uint32_t)lp);
	set_status(rd, (uint32_t)rq->req->a);
	/* Events sent to the port while it was unbound are lost; like Xen's
	 * evtchn_bind_interdomain, make up for them by firing the new local
	 * port once. */
	kick(&d->ports[lp]);
	return give(d, (uint32_t)lp, r);
}

int op_evtchn_virq(struct request *rq, struct reply *r)
{
	struct domain *d = dom_get(rq->c->domid);
	uint64_t virq = rq->req->a;
	int port;

	if (!d)
		return -ESRCH;
	if (virq >= NR_VIRQS)
		return -ERANGE;
	if (virq != HV_VIRQ_DOM_EXC)
		return -EOPNOTSUPP;
	port = evtchn_alloc(d, d->domid, rq->c);
	if (port < 0)
		return port;
	d->ports[port].state = HV_EVTCHN_VIRQ;
	set_status(d, (uint32_t)port);
	return give(d, (uint32_t)port, r);
}

/* A port of the caller's domain, owned by the caller's connection. */
static struct port *owned(struct request *rq, struct domain **dp, int *err)
{
	struct domain *d = dom_get(rq->c->domid);
	uint64_t port = rq->req->a;

	*err = -ESRCH;
	if (!d)
		return NULL;
	*err = -ERANGE;
	if (port >= SIM_NR_PORTS)
		return NULL;
	*err = -ENOENT;
	if (port == 0 || d->ports[port].state == HV_EVTCHN_CLOSED ||
	    d->ports[port].owner != rq->c)
		return NULL;
	*dp = d;
	return &d->ports[port];
}

int op_evtchn_adopt(struct request *rq, struct reply *r)
{
	struct domain *d = dom_get(rq->c->domid);
	uint64_t port = rq->req->a;
	struct port *pt;

	if (!d)
		return -ESRCH;
	if (port >= SIM_NR_PORTS)
		return -ERANGE;
	pt = &d->ports[port];
	if (port == 0 || pt->state == HV_EVTCHN_CLOSED)
		return -ENOENT;
	if (!pt->builder)
		return -EPERM;
	if (pt->owner)
		return -EBUSY;
	pt->owner = rq->c;
	return give(d, (uint32_t)port, r);
}

int op_evtchn_unbind(struct request *rq,
		     struct reply *r __attribute__((unused)))
{
	struct domain *d = NULL;
	int err;
	struct port *pt = owned(rq, &d, &err);

	if (!pt)
		return err;
	if (pt->builder)
		pt->owner = NULL;
	else
		evtchn_close_port(d, (uint32_t)rq->req->a);
	return 0;
}

int op_evtchn_peer(struct request *rq, struct reply *r)
{
	struct domain *d = NULL;
	int err;
	struct port *pt = owned(rq, &d, &err);

	if (!pt)
		return err;
	r->rep.v[0] = pt->state;
	r->rep.v[1] =
		__atomic_load_n(&d->status[rq->req->a].gen, __ATOMIC_ACQUIRE);
	r->rep.v[2] = pt->word;
	/* The peer's sending end and the binding's page: the caller has its
	 * own doorbell. */
	r->fds[0] = peer_tx(pt);
	r->fds[1] = pt->pagefd;
	return 0;
}
