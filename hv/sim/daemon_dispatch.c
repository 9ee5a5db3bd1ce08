/*
 * daemon_dispatch.c - xpv-hv's requests: reading one from a connection,
 * checking who may send it, dispatching it through ops[] to the op_*
 * functions of the other daemon files, sending the reply. Those files
 * call nothing back here.
 *
 * A connection that misbehaves at the transport level (a datagram too
 * short or too long, a reply it does not read) is closed; a request that
 * is merely wrong gets an error reply. Nothing a client sends can make the
 * daemon block or allocate without bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

/*
 * Work is counted in the system calls a request makes us do: its receive
 * and its reply, plus what its handler reports (reply.cost: a grant copy's
 * reads and writes of domain memory). A domain may spend TURN_BUDGET of
 * them per turn of the loop; a turn looks at up to TURN_BATCH ready
 * connections of the domains.
 */
#define TURN_REQUEST_COST 2u
#define TURN_BUDGET 64u
#define TURN_BATCH 64

enum { PRIV = 1 }; /* the op needs a dom0 connection */

static const struct {
	int (*fn)(struct request *rq, struct reply *r);
	int flags;
} ops[SIM_OP_MAX] = {
	[SIM_OP_HELLO] = { op_hello, 0 },
	[SIM_OP_CLONE] = { op_clone, 0 },
	[SIM_OP_MEM_ALLOC] = { op_mem_alloc, 0 },
	[SIM_OP_MEM_FREE] = { op_mem_free, 0 },
	[SIM_OP_DOM_FDS] = { op_dom_fds, PRIV },
	[SIM_OP_EVTCHN_ALLOC] = { op_evtchn_alloc, 0 },
	[SIM_OP_EVTCHN_BIND] = { op_evtchn_bind, 0 },
	[SIM_OP_EVTCHN_VIRQ] = { op_evtchn_virq, PRIV },
	[SIM_OP_EVTCHN_ADOPT] = { op_evtchn_adopt, 0 },
	[SIM_OP_EVTCHN_UNBIND] = { op_evtchn_unbind, 0 },
	[SIM_OP_EVTCHN_PEER] = { op_evtchn_peer, 0 },
	[SIM_OP_DOM_CREATE] = { op_create, PRIV },
	[SIM_OP_DOM_EXEC] = { op_exec, PRIV },
	[SIM_OP_DOM_DESTROY] = { op_destroy, PRIV },
	[SIM_OP_DOM_PAUSE] = { op_pause, PRIV },
	[SIM_OP_DOM_UNPAUSE] = { op_unpause, PRIV },
	[SIM_OP_DOM_SHUTDOWN] = { op_shutdown, 0 },
	[SIM_OP_DOM_SET_MAXMEM] = { op_set_maxmem, PRIV },
	[SIM_OP_DOM_SET_VCPUS] = { op_set_vcpus, PRIV },
	[SIM_OP_DOM_LIST] = { op_list, PRIV },
	[SIM_OP_DOM_INFO] = { op_info, 0 },
	[SIM_OP_DOM_START_INFO] = { op_start_info, 0 },
	[SIM_OP_GRANT_COPY] = { op_grant_copy, 0 },
	[SIM_OP_PINLOG] = { op_pinlog, PRIV },
	[SIM_OP_DOM_NS_FD] = { op_ns_fd, PRIV },
	[SIM_OP_DOM_GIVE_FD] = { op_give_fd, PRIV },
	[SIM_OP_TAKE_FD] = { op_take_fd, 0 },
	[SIM_OP_DOM_SCHED_GET] = { op_sched_get, PRIV },
	[SIM_OP_DOM_SCHED_SET] = { op_sched_set, PRIV },
	[SIM_OP_DOM_PIN] = { op_pin, PRIV },
};

static int dispatch(struct request *rq, struct reply *r)
{
	uint32_t op = rq->req->op;

	/* The first connection is shared by every process of the domain:
	 * a reply there could reach the wrong one, unless every reply is as
	 * good as any other, as CLONE's (a fresh connection of the domain). */
	if (rq->c->root && op != SIM_OP_CLONE)
		return -EPERM;
	if ((ops[op].flags & PRIV) && rq->c->domid != 0)
		return -EPERM;
	return ops[op].fn(rq, r);
}

static void send_reply(struct conn *c, struct reply *r, int err)
{
	int i;

	r->rep.err = err;
	if (!c->dead &&
	    sim_msg_send(c->fd, &r->rep, sizeof(r->rep), r->tail, r->tail_len,
			 r->fds, SIM_MSG_FDS, true) < 0) {
		hvd_log_limited(conn_log_rl(c->domid),
				"dom%u: a client does not read its replies; "
				"%s",
				c->domid, c->root ? "dropped" : "closing");
		/* A domain's first connection stays: its processes share
		 * it, and a clone that was not delivered goes by itself
		 * (its client end is closed below). */
		if (!c->root)
			conn_close(c);
	}
	for (i = 0; i < SIM_MSG_FDS; i++)
		if (r->close_fds[i] && r->fds[i] >= 0)
			close(r->fds[i]);
	if (r->free_tail)
		free(r->tail);
}

unsigned int conn_input(struct conn *c)
{
	static uint8_t buf[SIM_MSG_MAX] __attribute__((aligned(16)));
	struct reply r = { .fds = { -1, -1, -1, -1 } };
	struct sim_req req;
	struct request rq = { .c = c, .req = &req };
	int fds[SIM_MSG_FDS], err;
	ssize_t n;

	n = sim_msg_recv(c->fd, buf, sizeof(buf), fds, true);
	if (n == -EAGAIN)
		return TURN_REQUEST_COST;
	if (n < (ssize_t)sizeof(req)) {
		sim_close_fds(fds, SIM_MSG_FDS);
		conn_close(c);
		return TURN_REQUEST_COST;
	}
	memcpy(&req, buf, sizeof(req));
	/* Not a request at all (a reply looped back to us by a client that
	 * joined two of our connections, say): answering would feed the
	 * loop, so the connection goes. */
	if (req.op == 0 || req.op >= SIM_OP_MAX || !ops[req.op].fn) {
		sim_close_fds(fds, SIM_MSG_FDS);
		conn_close(c);
		return TURN_REQUEST_COST;
	}
	rq.tail = buf + sizeof(req);
	rq.tail_len = (size_t)n - sizeof(req);
	rq.fds = fds;
	err = dispatch(&rq, &r);
	sim_close_fds(fds, SIM_MSG_FDS);
	send_reply(c, &r, err);
	return TURN_REQUEST_COST + r.cost;
}

/*
 * One turn of the domains' connections. Each ready one is served one
 * request, as long as its domain has not spent TURN_BUDGET this turn;
 * the others stay ready (epoll is level-triggered) for the next turn.
 * dom0's connections are served before each turn (daemon.c), so a dom0
 * request waits at most one turn: at most TURN_BATCH requests, and from
 * each domain at most TURN_BUDGET plus one request's cost, however many
 * connections it has or however costly it makes its requests.
 */
void conn_serve_domains(void)
{
	static struct {
		uint32_t turn;
		unsigned int spent;
	} budget[SIM_MAX_DOMS];
	static uint32_t turn;
	struct epoll_event ev[TURN_BATCH];
	int n, i;

	turn++;
	n = epoll_wait(hvd.guest_epfd, ev, TURN_BATCH, 0);
	for (i = 0; i < n; i++) {
		struct conn *c = ev[i].data.ptr;
		hv_domid_t d = c->domid;

		if (c->dead || d >= SIM_MAX_DOMS)
			continue;
		if (budget[d].turn != turn) {
			budget[d].turn = turn;
			budget[d].spent = 0;
		}
		if (budget[d].spent < TURN_BUDGET)
			budget[d].spent += conn_input(c);
	}
}
