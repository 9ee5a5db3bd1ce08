/*
 * shared_msg.c - datagrams with file descriptors over SOCK_SEQPACKET, for
 * both ends of the sim protocol (proto.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hv/sim/proto.h"

int sim_msg_send(int sock, const void *hdr, size_t hdr_len, const void *tail,
		 size_t tail_len, const int *fds, int nfds, bool nonblock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SIM_MSG_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov[2] = {
		{ .iov_base = (void *)hdr, .iov_len = hdr_len },
		{ .iov_base = (void *)tail, .iov_len = tail_len },
	};
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = tail_len ? 2 : 1 };
	int sendfds[SIM_MSG_FDS], n = 0, i;
	ssize_t r;

	for (i = 0; i < nfds; i++) {
		if (fds[i] < 0)
			continue;
		if (n == SIM_MSG_FDS)
			return -E2BIG;
		sendfds[n++] = fds[i];
	}
	if (n) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		msg.msg_control = u.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), sendfds, sizeof(int) * n);
	}
	do
		r = sendmsg(sock, &msg,
			    MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return (size_t)r == hdr_len + tail_len ? 0 : -EIO;
}

/* Linux 6.16 (af_unix): whether the socket accepts SCM_RIGHTS. */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

int sim_msg_refuse_fds(int sock)
{
	int off = 0;

	return setsockopt(sock, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off)) <
			       0 ?
		       -errno :
		       0;
}

void sim_close_fds(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Take the fds out of every SCM_RIGHTS header: 0, or -E2BIG when there
 * were more than SIM_MSG_FDS (every one of them closed then: a message
 * that carries more than the protocol allows is refused, not cut). */
static int take_fds(struct msghdr *msg, int *fds)
{
	struct cmsghdr *c;
	int got = 0, err = 0;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t n, i;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (got < SIM_MSG_FDS) {
				fds[got++] = fd;
			} else {
				close(fd);
				err = -E2BIG;
			}
		}
	}
	if (err)
		sim_close_fds(fds, SIM_MSG_FDS);
	return err;
}

ssize_t sim_msg_recv(int sock, void *buf, size_t len, int *fds, bool nonblock)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * SIM_MSG_FDS * 2)];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = u.buf,
		.msg_controllen = sizeof(u.buf),
	};
	ssize_t r;
	int i, err;

	for (i = 0; i < SIM_MSG_FDS; i++)
		fds[i] = -1;
	do
		r = recvmsg(sock, &msg,
			    MSG_CMSG_CLOEXEC | (nonblock ? MSG_DONTWAIT : 0));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	err = take_fds(&msg, fds);
	if (!err && (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
		sim_close_fds(fds, SIM_MSG_FDS);
		err = -EMSGSIZE;
	}
	return err ? err : r;
}
