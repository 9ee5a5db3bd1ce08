/*
 * client_evtchn.c - event channels on sim.
 *
 * xpv-hv owns the port table; each port has a doorbell, a one-way stream
 * (shared_evtchn.c) whose receiving end is ours and whose sending end the
 * peer port's owner holds. A handle is its own connection to xpv-hv
 * (ports bound through it are unbound when it closes, as the daemon sees
 * the connection go) plus an epoll set over the receiving ends of its
 * ports (data = port), which is the fd hv_evtchn_fd gives.
 *
 * Notify is one send() on the peer's sending end, fetched from xpv-hv the
 * first time and cached with the port's generation in the domain's status
 * page (read-only here, written by xpv-hv). When the binding changes (the
 * peer closed, or bound anew) the generation moves and the next notify
 * fetches the new peer first. xpv-hv also rings our doorbell when the peer
 * goes away, so a poller wakes up and sees the port unbound.
 *
 * A binding has a page shared by its two owners only, with a pending
 * word for each end, as Xen's shared info has a pending bit per port: a
 * notify sets the peer's word and sends only when it was clear, and the
 * owner clears its own word before it hands the event to its caller. So
 * at most one byte per event taken sits in a doorbell, and the doorbell
 * needs draining only now and then (every DRAIN_EVERY events): taking an
 * event is the epoll_wait that finds it and nothing else. A peer that
 * ignores the words only fills its own channel's doorbell.
 *
 * Masking costs no system call in the common case. Ports sit in the epoll
 * set edge-triggered: each ring of the doorbell is one edge, whether or
 * not bytes were already queued. Taking an event marks the port masked
 * (here, in memory); hv_evtchn_unmask clears the mark. Only a port that
 * rings again while masked costs more: it is taken out of the epoll set
 * (so a peer that keeps ringing cannot keep us awake) with its bytes left
 * queued, and unmask puts it back, which reports it at once, as Xen
 * delivers at unmask an event sent while masked. A doorbell whose every
 * sender is gone or shut it (a hostile peer can do that to its own
 * channel) is reported once and then left out of the set for good.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hv/sim/client.h"

/* Events one hv_evtchn_pending looks at before saying -EAGAIN; each one
 * it passes over takes a port out of the epoll set, so this only bounds
 * the work of one call. */
#define PENDING_TRIES 64
/* Events taken between two drains of a port's doorbell: at most one byte
 * each from a sender that keeps to the pending words, far below what a
 * doorbell holds (about 280). */
#define DRAIN_EVERY 32

struct lport {
	int rx; /* our port's doorbell: readable when it fired */
	int peer; /* the peer port's sending end, or -1 */
	uint32_t *page; /* the binding's page, or NULL */
	uint32_t *mine, *theirs; /* its pending words: ours, the peer's */
	uint32_t gen; /* status generation peer and page were fetched at */
	unsigned int undrained; /* events taken since the last drain */
	bool bound; /* bound through this handle */
	bool masked; /* reported by pending, not unmasked yet */
	bool parked; /* out of the epoll set until unmask */
	bool hung_up; /* no sender left: out of the epoll set for good */
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

	if (!e)
		return hv_fail_ptr(-ENOMEM);
	for (i = 0; i < SIM_NR_PORTS; i++)
		e->ports[i].rx = e->ports[i].peer = -1;
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
	return hv_fail_ptr(err);
}

/* The binding's page and which of its words are whose (or none). */
static void set_binding(struct lport *p, int pagefd, uint64_t word)
{
	void *m = MAP_FAILED;

	if (p->page)
		munmap(p->page, HV_PAGE_SIZE);
	p->page = p->mine = p->theirs = NULL;
	if (pagefd >= 0 && word < 2)
		m = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 pagefd, 0);
	if (m == MAP_FAILED)
		return; /* without the words, every notify sends */
	p->page = m;
	p->mine = (uint32_t *)((char *)m + SIM_CHAN_WORD_OFFSET(word));
	p->theirs = (uint32_t *)((char *)m + SIM_CHAN_WORD_OFFSET(!word));
}

/* Closing the receiving end takes it out of the epoll set too. */
static void forget(struct sim_evtchn *e, hv_port_t port)
{
	struct lport *p = &e->ports[port];

	if (p->rx >= 0)
		close(p->rx);
	if (p->peer >= 0)
		close(p->peer);
	set_binding(p, -1, 0);
	memset(p, 0, sizeof(*p));
	p->rx = p->peer = -1;
}

/* Watch (again) a port's doorbell; one with bytes queued fires at once. */
static int watch(struct sim_evtchn *e, hv_port_t port)
{
	struct epoll_event ee = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };

	ee.data.u32 = port;
	if (epoll_ctl(e->head.fd, EPOLL_CTL_ADD, e->ports[port].rx, &ee) < 0)
		return -errno;
	e->ports[port].parked = false;
	return 0;
}

static void unwatch(struct sim_evtchn *e, hv_port_t port)
{
	epoll_ctl(e->head.fd, EPOLL_CTL_DEL, e->ports[port].rx, NULL);
	e->ports[port].parked = true;
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

/* Take a port the daemon just gave us, with its doorbell and the peer's
 * sending end. */
static int attach(struct sim_evtchn *e, const struct sim_rep *rep, int *fds)
{
	hv_port_t port = (hv_port_t)rep->v[0];
	struct lport *p;
	int err;

	if (port == 0 || port >= SIM_NR_PORTS || fds[0] < 0 ||
	    e->ports[port].bound) {
		sim_close_fds(fds, SIM_MSG_FDS);
		return -EPROTO;
	}
	p = &e->ports[port];
	p->rx = fds[0];
	err = watch(e, port);
	if (err) {
		p->rx = -1;
		sim_close_fds(fds, SIM_MSG_FDS);
		return err;
	}
	p->peer = fds[1];
	set_binding(p, fds[2], rep->v[2]);
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

/* The binding changed since we fetched the peer and the page: fetch them
 * again. */
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
	set_binding(p, fds[1], rep.v[2]);
	sim_close_fds(fds, SIM_MSG_FDS);
	p->gen = (uint32_t)rep.v[1];
	return 0;
}

/* Refresh if the binding changed; 0 or -errno. */
static int up_to_date(struct sim_evtchn *e, hv_port_t port, struct lport *p)
{
	const struct sim_port_status *st = status_of(e, port);

	if (__atomic_load_n(&st->gen, __ATOMIC_ACQUIRE) == p->gen)
		return 0;
	return refresh(e, port, p);
}

int sim_evtchn_notify(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);
	const struct sim_port_status *st;
	struct lport *p;
	int err;

	p = mine(e, port, &err);
	if (!p)
		return err;
	err = up_to_date(e, port, p);
	if (err)
		return err;
	st = status_of(e, port);
	if (__atomic_load_n(&st->state, __ATOMIC_RELAXED) == HV_EVTCHN_VIRQ)
		return -EINVAL;
	/* An unbound port drops the notification, as Xen's EVTCHNOP_send. */
	if (p->peer < 0)
		return 0;
	/* Pending already: the peer will see this one with the last. The
	 * exchange is also the barrier that orders the caller's ring writes
	 * before the peer's reads. */
	if (p->theirs && __atomic_exchange_n(p->theirs, 1, __ATOMIC_SEQ_CST))
		return 0;
	return sim_chan_kick(p->peer);
}

/* Drain now and then, and always a doorbell without pending words (only
 * xpv-hv rings those, or a peer that has not fetched them yet). A
 * doorbell no one can ring any more leaves the epoll set for good. */
static void drain(struct sim_evtchn *e, hv_port_t port, uint32_t events)
{
	struct lport *p = &e->ports[port];

	if (!(events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) && p->mine &&
	    ++p->undrained < DRAIN_EVERY)
		return;
	p->undrained = 0;
	if ((events & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) ||
	    sim_chan_drain(p->rx) < 0) {
		unwatch(e, port);
		p->hung_up = true;
	}
}

/*
 * A port of ours fired: take the event and mask the port. Our pending
 * word is cleared, so a notify sent from now on rings again; a binding
 * that changed is fetched anew first, or we would clear a word the peer
 * no longer looks at. The drain comes before the clear: a byte rung after
 * the clear belongs to an event not taken yet, and must stay queued, or a
 * port parked meanwhile (rang while masked) would come back at unmask
 * with nothing to report. What the drain takes was rung before the clear,
 * so this event covers it.
 */
static void take(struct sim_evtchn *e, hv_port_t port, uint32_t events)
{
	struct lport *p = &e->ports[port];
	bool fresh = up_to_date(e, port, p) == 0;

	drain(e, port, events);
	if (fresh && p->mine)
		__atomic_exchange_n(p->mine, 0, __ATOMIC_SEQ_CST);
	p->masked = true;
}

/* What one epoll event means: the port to report, or -EAGAIN when it is
 * none (stale, or rang again while masked: quiet until unmask). */
static int event_port(struct sim_evtchn *e, const struct epoll_event *ee)
{
	hv_port_t port = ee->data.u32;

	if (port == 0 || port >= SIM_NR_PORTS || !e->ports[port].bound)
		return -EAGAIN;
	if (e->ports[port].masked) {
		unwatch(e, port);
		return -EAGAIN;
	}
	take(e, port, ee->events);
	return (int)port;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The next port that fired within timeout_ms (0: now, < 0: for ever). */
static int next_port(struct sim_evtchn *e, int timeout_ms)
{
	long long end = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
	struct epoll_event ee;
	int i, n, port;

	for (i = 0; i < PENDING_TRIES; i++) {
		n = epoll_wait(e->head.fd, &ee, 1, timeout_ms);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EAGAIN;
		port = event_port(e, &ee);
		if (port >= 0)
			return port;
		if (timeout_ms > 0) {
			timeout_ms = (int)(end - now_ms());
			if (timeout_ms <= 0)
				return -EAGAIN;
		}
	}
	return -EAGAIN;
}

int sim_evtchn_pending(struct hv_evtchn *ev)
{
	return next_port(to_ev(ev), 0);
}

int sim_evtchn_wait(struct hv_evtchn *ev, int timeout_ms)
{
	return next_port(to_ev(ev), timeout_ms);
}

int sim_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);
	struct lport *p;
	int err;

	p = mine(e, port, &err);
	if (!p)
		return err;
	p->masked = false;
	if (p->parked && !p->hung_up)
		return watch(e, port);
	return 0;
}

int sim_evtchn_status(struct hv_evtchn *ev, hv_port_t port)
{
	struct sim_evtchn *e = to_ev(ev);

	if (port >= SIM_NR_PORTS)
		return -ERANGE;
	return __atomic_load_n(&status_of(e, port)->state, __ATOMIC_ACQUIRE);
}
