/*
 * fuzz-hv-requests - libFuzzer target: what a hostile guest can send to
 * xpv-hv. The input is a series of datagrams (2-byte little-endian length,
 * then the bytes), each delivered on a connection of an unprivileged
 * domain and handled by the daemon's real request code (conn_input); the
 * replies are read and thrown away. A connection the daemon closes is
 * made again. The domain is made afresh for each input, without processes
 * or cgroups, so nothing here forks or touches the host.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

static struct conn dom0_conn = { .domid = 0 };
static hv_domid_t guest;

static int dom0_op(uint32_t op, uint32_t domid, uint64_t a, uint64_t b)
{
	struct sim_req req = { .op = op, .domid = domid, .a = a, .b = b };
	struct reply r = { .fds = { -1, -1, -1, -1 } };
	int fds[SIM_MSG_FDS] = { -1, -1, -1, -1 };
	struct request rq = { .c = &dom0_conn, .req = &req, .fds = fds };
	int err = op == SIM_OP_DOM_CREATE ? op_create(&rq, &r) :
					    op_destroy(&rq, &r);

	if (!err && op == SIM_OP_DOM_CREATE)
		guest = (hv_domid_t)r.rep.v[0];
	return err;
}

static int setup(void)
{
	hvd.epfd = epoll_create1(EPOLL_CLOEXEC);
	hvd.guest_epfd = epoll_create1(EPOLL_CLOEXEC);
	hvd.use_cgroups = false;
	hvd.quiet = true;
	hvd.dom0_pages = 64;
	if (hvd.epfd < 0 || hvd.guest_epfd < 0 || hvd_open_domtab() ||
	    dom_create_dom0())
		return -1;
	return 0;
}

/* Drain and drop every reply (and any fds it carried). */
static void drain(int fd)
{
	char buf[SIM_MSG_MAX];
	int fds[SIM_MSG_FDS];

	while (sim_msg_recv(fd, buf, sizeof(buf), fds, true) > 0)
		sim_close_fds(fds, SIM_MSG_FDS);
}

static struct conn *connect_guest(int *peer)
{
	int sv[2];
	struct conn *c;

	/* As xpv-hv makes a domain's connections: its end refuses files. */
	if (conn_socketpair(guest, &sv[0], &sv[1]))
		abort();
	c = conn_add(sv[0], guest, false);
	if (!c)
		abort();
	*peer = sv[1];
	return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct conn *c;
	int peer;

	if (!ready) {
		if (setup())
			abort();
		ready = true;
	}
	if (dom0_op(SIM_OP_DOM_CREATE, 0, 64, 1))
		abort();
	c = connect_guest(&peer);
	while (size >= 2) {
		size_t len = (size_t)data[0] | (size_t)data[1] << 8;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		if (send(peer, data, len, MSG_DONTWAIT) >= 0)
			conn_input(c);
		drain(peer);
		data += len;
		size -= len;
		if (c->dead) {
			close(peer);
			conn_reap();
			c = connect_guest(&peer);
		}
	}
	conn_close(c);
	conn_reap();
	close(peer);
	dom0_op(SIM_OP_DOM_DESTROY, guest, 0, 0);
	conn_reap();
	return 0;
}
