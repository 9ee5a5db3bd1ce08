/*
 * daemon_conn.c - xpv-hv's connections: making one (at exec, and for
 * SIM_OP_CLONE), its pin log (SIM_OP_PINLOG), closing it and releasing
 * what it held. Reading and answering its requests is daemon_dispatch.c's.
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

/* dom0's connections are served as soon as they are ready, the domains'
 * a turn at a time (conn_serve_domains). */
static int epoll_set(hv_domid_t domid)
{
	return domid == 0 ? hvd.epfd : hvd.guest_epfd;
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
	if (epoll_ctl(epoll_set(domid), EPOLL_CTL_ADD, fd, &ee) < 0) {
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

int op_pinlog(struct request *rq, struct reply *r)
{
	int fd, err;
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
	err = -errno;
	close(fd);
	return err;
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
	epoll_ctl(epoll_set(c->domid), EPOLL_CTL_DEL, c->fd, NULL);
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

struct hvd_ratelimit *conn_log_rl(hv_domid_t domid)
{
	struct domain *d = dom_get(domid);

	return d ? &d->log_rl : &hvd.log_rl;
}

/* A new connection of the caller's domain, made here: the reply carries
 * the client's end. */
int op_clone(struct request *rq, struct reply *r)
{
	hv_domid_t domid = rq->c->domid;
	int mine, theirs, err;

	if (conn_count(domid) >= SIM_MAX_CONNS) {
		hvd_log_limited(conn_log_rl(domid),
				"dom%u: too many connections", domid);
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
