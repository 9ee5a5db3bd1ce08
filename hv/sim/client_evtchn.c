/*
 * client_evtchn.c - event channels on sim.
 *
 * xpv-hv owns the port table; each port has an eventfd. A handle is its
 * own connection to xpv-hv (ports bound through it are unbound when it
 * closes, as the daemon sees the connection go) plus an epoll fd over the
 * eventfds of its ports (data = port), which is the fd hv_evtchn_fd gives.
 * EPOLLONESHOT is the mask: hv_evtchn_pending reports a port once and
 * hv_evtchn_unmask re-arms it.
 *
 * Notify is one write() to the peer port's eventfd, fetched from xpv-hv
 * the first time and cached with the port's generation in the domain's
 * status page (read-only here, written by xpv-hv). When the binding
 * changes (the peer closed, or bound anew) the generation moves and the
 * next notify fetches the new peer first. xpv-hv also kicks our eventfd
 * when the peer goes away, so a poller wakes up and sees the port unbound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hv/sim/client.h"

struct lport {
	int efd; /* our port's eventfd: readable when it fired */
	int peer; /* the peer port's eventfd, or -1 */
	uint32_t gen; /* status generation peer was fetched at */
	bool bound; /* bound through this handle */
};

struct sim_evtchn {
	struct hv_evtchn head;
	int sock;
	struct lport ports[SIM_NR_PORTS];
};

static struct sim_evtchn *to_ev(struct hv_evtchn *ev)
{
	return (struct sim_evtchn *)ev;
}

static const struct sim_port_status *status_of(struct sim_evtchn *e,
					       hv_port_t port)
{
	return &to_sim(e->head.hv)->status[port];
}

struct hv_evtchn *sim_evtchn_open(struct hv *hv)
{
	struct sim_evtchn *e = calloc(1, sizeof(*e));
	unsigned int i;
	int err;

	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < SIM_NR_PORTS; i++)
		e->ports[i].efd = e->ports[i].peer = -1;
	e->head.hv = hv;
	e->head.fd = epoll_create1(EPOLL_CLOEXEC);
	if (e->head.fd < 0) {
		err = -errno;
		goto fail;
	}
	e->sock = sim_clone_conn(to_sim(hv)->sock);
	if (e->sock < 0) {
		err = e->sock;
		close(e->head.fd);
		goto fail;
	}
	return &e->head;
fail:
	free(e);
	errno = -err;
	return NULL;
}

static void forget(struct sim_evtchn *e, hv_port_t port)
{
	struct lport *p = &e->ports[port];

	if (p->efd >= 0) {
		epoll_ctl(e->head.fd, EPOLL_CTL_DEL, p->efd, NULL);
		close(p->efd);
	}
	if (p->peer >= 0)
		close(p->peer);
	p->efd = p->peer = -1;
	p->bound = false;
}

void sim_evtchn_close(struct hv_evtchn *ev)
{
	struct sim_evtchn *e = to_ev(ev);
	unsigned int i;

	for (i = 0; i < SIM_NR_PORTS; i++)
		if (e->ports[i].bound)
			forget(e, i);
	/* xpv-hv unbinds our ports when it sees this connection close; wait
	 * until it has, so that close is as synchronous as on Xen. */
	sim_close_conn(e->sock);
	close(e->head.fd);
	free(e);
}

/* Take a port the daemon just gave us, with its eventfds. */
static int attach(struct sim_evtchn *e, const struct sim_rep *rep, int *fds)
{
	struct epoll_event ee = { .events = EPOLLIN | EPOLLONESHOT };
	hv_port_t port = (hv_port_t)rep->v[0];
	struct lport *p;

	if (port == 0 || port >= SIM_NR_PORTS || fds[0] < 0 ||
	    e->ports[port].bound) {
		sim_close_fds(fds, SIM_MSG_FDS);
		return -EPROTO;
	}
	p = &e->ports[port];
	ee.data.u32 = port;
	if (epoll_ctl(e->head.fd, EPOLL_CTL_ADD, fds[0], &ee) < 0) {
		int err = -errno;

		sim_close_fds(fds, SIM_MSG_FDS);
		return err;
	}
	p->efd = fds[0];
	p->peer = fds[1];
	p->gen = (uint32_t)rep->v[1];
	p->bound = true;
	fds[0] = fds[1] = -1;
	sim_close_fds(fds, SIM_MSG_FDS);
	return (int)port;
}

static int bind_op(struct sim_evtchn *e, uint32_t op, uint32_t domid,
		   uint64_t a)
{
	struct sim_req req = { .op = op, .domid = domid, .a = a };
	struct sim_rep rep;
	int fds[SIM_MSG_FDS], err;

	err = sim_rpc(e->sock, &req, NULL, 0, NULL, 0, &rep, NULL, 0, NULL,
		      fds);
	if (err)
		return err;
	return attach(e, &rep, fds);
}

int sim_evtchn_alloc_unbound(struct hv_evtchn *ev, hv_domid_t remote)
{
	return bind_op(to_ev(ev), SIM_OP_EVTCHN_ALLOC, remote, 0);
}

int sim_evtchn_bind_interdomain(struct hv_evtchn *ev, hv_domid_t remote,
				hv_port_t remote_port)
{
	return bind_op(to_ev(ev), SIM_OP_EVTCHN_BIND, remote, remote_port);
}

int sim_evtchn_bind_virq(struct hv_evtchn *ev, unsigned int virq)
{
	return bind_op(to_ev(ev), SIM_OP_EVTCHN_VIRQ, 0, virq);
}

int sim_evtchn_bind_existing(struct hv_evtchn *ev, hv_port_t port)
{
	return bind_op(to_ev(ev), SIM_OP_EVTCHN_ADOPT, 0, port);
}

static struct lport *mine(struct sim_evtchn *e, hv_port_t port, int *err)
{
	if (port >= SIM_NR_PORTS) {
		*err = -ERANGE;
		return NULL;
	}
	if (!e->ports[port].bound) {
		*err = -ENOENT;
		return NULL;
	}
	return &e->ports[port];
}

int sim_evtchn_unbind(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);
	struct sim_req req = { .op = SIM_OP_EVTCHN_UNBIND, .a = port };
	int err;

	if (!mine(e, port, &err))
		return err;
	err = sim_rpc(e->sock, &req, NULL, 0, NULL, 0, NULL, NULL, 0, NULL,
		      NULL);
	forget(e, port);
	return err;
}

/* The binding changed since we fetched the peer: fetch it again. */
static int refresh(struct sim_evtchn *e, hv_port_t port, struct lport *p)
{
	struct sim_req req = { .op = SIM_OP_EVTCHN_PEER, .a = port };
	struct sim_rep rep;
	int fds[SIM_MSG_FDS], err;

	err = sim_rpc(e->sock, &req, NULL, 0, NULL, 0, &rep, NULL, 0, NULL,
		      fds);
	if (err)
		return err;
	if (p->peer >= 0)
		close(p->peer);
	p->peer = fds[0];
	fds[0] = -1;
	sim_close_fds(fds, SIM_MSG_FDS);
	p->gen = (uint32_t)rep.v[1];
	return 0;
}

int sim_evtchn_notify(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);
	const struct sim_port_status *st;
	uint64_t one = 1;
	struct lport *p;
	int err;

	p = mine(e, port, &err);
	if (!p)
		return err;
	st = status_of(e, port);
	if (__atomic_load_n(&st->gen, __ATOMIC_ACQUIRE) != p->gen) {
		err = refresh(e, port, p);
		if (err)
			return err;
	}
	if (__atomic_load_n(&st->state, __ATOMIC_RELAXED) == HV_EVTCHN_VIRQ)
		return -EINVAL;
	/* An unbound port drops the notification, as Xen's EVTCHNOP_send. */
	if (p->peer < 0)
		return 0;
	if (write(p->peer, &one, sizeof(one)) < 0 && errno != EAGAIN)
		return -errno;
	return 0;
}

int sim_evtchn_pending(struct hv_evtchn *ev)
{
	struct sim_evtchn *e = to_ev(ev);
	struct epoll_event ee;
	uint64_t v;
	hv_port_t port;
	int n;

	n = epoll_wait(e->head.fd, &ee, 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EAGAIN;
	port = ee.data.u32;
	if (port >= SIM_NR_PORTS || e->ports[port].efd < 0)
		return -EAGAIN;
	if (read(e->ports[port].efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	return (int)port;
}

int sim_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);
	struct epoll_event ee = { .events = EPOLLIN | EPOLLONESHOT };
	struct lport *p;
	int err;

	p = mine(e, port, &err);
	if (!p)
		return err;
	ee.data.u32 = port;
	if (epoll_ctl(e->head.fd, EPOLL_CTL_MOD, p->efd, &ee) < 0)
		return -errno;
	return 0;
}

int sim_evtchn_status(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);

	if (port >= SIM_NR_PORTS)
		return -ERANGE;
	return __atomic_load_n(&status_of(e, port)->state, __ATOMIC_ACQUIRE);
}
