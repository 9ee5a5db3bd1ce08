/*
 * daemon_conn.c - xpv-hv's connections: reading a request, checking who
 * may send it, dispatching it, sending the reply.
 *
 * A connection that misbehaves at the transport level (a datagram too
 * short or too long, a reply it does not read) is closed; a request that
 * is merely wrong gets an error reply. Nothing a client sends can make the
 * daemon block or allocate without bound.
 *
 * Files. Closing a file can wait as long as whoever serves it likes: a
 * TCP socket with SO_LINGER waits for its FIN to be acknowledged, a file
 * of a FUSE mount waits at every close for its server to answer FLUSH
 * (uninterruptibly, once a signal came). A guest can make both. So we
 * never hold a file a domain made: every connection of a domain is a
 * socket pair we make ourselves (at exec, and at each CLONE, whose reply
 * carries the client's end), and our end refuses SCM_RIGHTS
 * (SO_PASSRIGHTS off, Linux 6.16): nothing a domain sends us carries a
 * file, and nothing queued on our end is the guest's when we close it.
 * Only dom0's connections, accepted on hv.sock, pass files to us (exec's
 * stdio, give_fd). On a kernel that cannot refuse them, no guest runs
 * (op_exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

static struct conn *graveyard;

bool conn_fds_refusable(void)
{
	int sv[2];
	bool ok;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	ok = sim_msg_refuse_fds(sv[0]) == 0;
	close(sv[0]);
	close(sv[1]);
	return ok;
}

int conn_socketpair(hv_domid_t domid, int *mine, int *theirs)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	err = sim_msg_refuse_fds(sv[0]);
	/* dom0's clones (its event channel handles) pass no files either,
	 * but dom0 may run where the kernel cannot refuse them. */
	if (err && domid != 0) {
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	*mine = sv[0];
	*theirs = sv[1];
	return 0;
}

struct conn *conn_add(int fd, hv_domid_t domid, bool root)
{
	struct epoll_event ee = { .events = EPOLLIN };
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->domid = domid;
	c->root = root;
	ee.data.ptr = c;
	if (epoll_ctl(hvd.epfd, EPOLL_CTL_ADD, fd, &ee) < 0) {
		free(c);
		return NULL;
	}
	c->next = hvd.conns;
	hvd.conns = c;
	return c;
}

#define PINLOG_BYTES (SIM_PINLOG_ENTRIES * sizeof(struct sim_pinlog_entry))

/* The connection's process is gone: release the grant pins it still held,
 * on domains that are still the ones it pinned. */
static void release_pins(struct conn *c)
{
	uint32_t i, n = 0;

	for (i = 0; i < SIM_PINLOG_ENTRIES; i++) {
		struct sim_pinlog_entry e = c->pinlog[i];
		struct domain *d;

		if (!e.gen)
			continue;
		d = dom_get(e.domid);
		if (!d || d->gen != e.gen || e.ref >= SIM_NR_GREFS)
			continue;
		sim_gnt_release(d->gnttab, d->active, e.ref, e.writable);
		n++;
	}
	if (n)
		hvd_log("dom0 client went away holding %u grant maps; released",
			n);
	munmap(c->pinlog, PINLOG_BYTES);
	c->pinlog = NULL;
}

static int op_pinlog(struct request *rq, struct reply *r)
{
	int fd;
	void *p;

	if (rq->c->pinlog)
		return -EBUSY;
	fd = memfd_create("xpv-pinlog", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, PINLOG_BYTES) < 0)
		goto fail;
	p = mmap(NULL, PINLOG_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	rq->c->pinlog = p;
	r->fds[0] = fd;
	r->close_fds[0] = true;
	return 0;
fail:
	close(fd);
	return -ENOMEM;
}

void conn_close(struct conn *c)
{
	struct conn **pp;
	struct domain *d;

	if (c->dead)
		return;
	c->dead = true;
	d = dom_get(c->domid);
	if (d)
		evtchn_conn_gone(d, c);
	if (c->pinlog)
		release_pins(c);
	epoll_ctl(hvd.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	for (pp = &hvd.conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	c->next = graveyard;
	graveyard = c;
}

/* Free what was closed during this loop iteration: epoll may still have
 * handed us events for it in the same batch. */
void conn_reap(void)
{
	while (graveyard) {
		struct conn *c = graveyard;

		graveyard = c->next;
		free(c);
	}
}

unsigned int conn_count(hv_domid_t domid)
{
	unsigned int n = 0;
	struct conn *c;

	for (c = hvd.conns; c; c = c->next)
		n += c->domid == domid;
	return n;
}

int reopen_ro(int fd)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = open(path, O_RDONLY | O_CLOEXEC);
	return r < 0 ? -errno : r;
}

/* The limiter of the lines a connection's domain can cause. */
static struct hvd_ratelimit *log_rl(hv_domid_t domid)
{
	struct domain *d = dom_get(domid);

	return d ? &d->log_rl : &hvd.log_rl;
}

/* A new connection of the caller's domain, made here: the reply carries
 * the client's end. */
static int op_clone(struct request *rq, struct reply *r)
{
	hv_domid_t domid = rq->c->domid;
	int mine, theirs, err;

	if (conn_count(domid) >= SIM_MAX_CONNS) {
		hvd_log_limited(log_rl(domid), "dom%u: too many connections",
				domid);
		return -EMFILE;
	}
	err = conn_socketpair(domid, &mine, &theirs);
	if (err)
		return err;
	if (!conn_add(mine, domid, false)) {
		close(mine);
		close(theirs);
		return -ENOMEM;
	}
	r->fds[0] = theirs;
	r->close_fds[0] = true;
	return 0;
}

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
		hvd_log_limited(log_rl(c->domid),
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

void conn_input(struct conn *c)
{
	static uint8_t buf[SIM_MSG_MAX] __attribute__((aligned(16)));
	struct reply r = { .fds = { -1, -1, -1, -1 } };
	struct sim_req req;
	struct request rq = { .c = c, .req = &req };
	int fds[SIM_MSG_FDS], err;
	ssize_t n;

	n = sim_msg_recv(c->fd, buf, sizeof(buf), fds, true);
	if (n == -EAGAIN)
		return;
	if (n < (ssize_t)sizeof(req)) {
		sim_close_fds(fds, SIM_MSG_FDS);
		conn_close(c);
		return;
	}
	memcpy(&req, buf, sizeof(req));
	/* Not a request at all (a reply looped back to us by a client that
	 * joined two of our connections, say): answering would feed the
	 * loop, so the connection goes. */
	if (req.op == 0 || req.op >= SIM_OP_MAX || !ops[req.op].fn) {
		sim_close_fds(fds, SIM_MSG_FDS);
		conn_close(c);
		return;
	}
	rq.tail = buf + sizeof(req);
	rq.tail_len = (size_t)n - sizeof(req);
	rq.fds = fds;
	err = dispatch(&rq, &r);
	sim_close_fds(fds, SIM_MSG_FDS);
	send_reply(c, &r, err);
}
