/*
 * client_conn.c - talking to xpv-hv (client.h): one request and its reply,
 * a private connection of the same domain and its closing, mapping an fd
 * xpv-hv handed over. Every client_*.c file uses these; client.c, which
 * holds the ops table pointing at those files, does too, so they are
 * here rather than there.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/sim/client.h"

int sim_rpc(int sock, const struct sim_req *req, const void *tail,
	    size_t tail_len, const int *fds, int nfds, struct sim_rep *rep,
	    void *rtail, size_t rtail_len, size_t *rtail_got, int *rfds)
{
	size_t cap = sizeof(struct sim_rep) + rtail_len;
	int got_fds[SIM_MSG_FDS];
	struct sim_rep r;
	char *buf;
	ssize_t n;
	int err;

	err = sim_msg_send(sock, req, sizeof(*req), tail, tail_len, fds, nfds,
			   false);
	if (err)
		return err;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	n = sim_msg_recv(sock, buf, cap, got_fds, false);
	if (n < (ssize_t)sizeof(r)) {
		err = n < 0 ? (int)n : -EPIPE;
		sim_close_fds(got_fds, SIM_MSG_FDS);
		goto out;
	}
	memcpy(&r, buf, sizeof(r));
	if (rep)
		*rep = r;
	if (rtail)
		memcpy(rtail, buf + sizeof(r), (size_t)n - sizeof(r));
	if (rtail_got)
		*rtail_got = (size_t)n - sizeof(r);
	if (rfds)
		memcpy(rfds, got_fds, sizeof(got_fds));
	else
		sim_close_fds(got_fds, SIM_MSG_FDS);
	err = r.err;
out:
	free(buf);
	return err;
}

void *sim_map_fd(int fd, uint64_t first, size_t n, bool writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *p = mmap(NULL, n * HV_PAGE_SIZE, prot, MAP_SHARED, fd,
		       (off_t)(first * HV_PAGE_SIZE));

	return p == MAP_FAILED ? NULL : p;
}

/* A fresh private connection of the domain behind sock: xpv-hv makes it
 * and hands us our end (it never takes a socket of ours). */
int sim_clone_conn(int sock)
{
	struct sim_req req = { .op = SIM_OP_CLONE };
	int fds[SIM_MSG_FDS], fd, err;

	err = sim_rpc(sock, &req, NULL, 0, NULL, 0, NULL, NULL, 0, NULL, fds);
	if (err)
		return err;
	fd = fds[0];
	fds[0] = -1;
	sim_close_fds(fds, SIM_MSG_FDS);
	return fd >= 0 ? fd : -EPROTO;
}

void sim_close_conn(int sock)
{
	struct pollfd p = { .fd = sock, .events = POLLIN };
	char c;

	/* Our end-of-stream makes xpv-hv close its end, which we then see. */
	if (shutdown(sock, SHUT_WR) == 0 && poll(&p, 1, 2000) == 1)
		while (recv(sock, &c, 1, MSG_DONTWAIT) > 0)
			;
	close(sock);
}
