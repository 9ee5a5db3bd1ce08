/*
 * shared_evtchn.c - the transport of an event channel port on sim: a
 * one-way AF_UNIX stream, the "doorbell" of the port.
 *
 * Why a socket, and why this one. A port's sending end is handed to its
 * peer, which may be a hostile guest, while the owner (dom0, xenstored)
 * and xpv-hv use the same ends. The rule is that nothing a guest does to
 * what it holds may make dom0 or xpv-hv wait:
 *   - an eventfd fails it: O_NONBLOCK belongs to the open file
 *     description the guest shares, so the guest clears it and fills the
 *     counter, and the next write() by anyone blocks for ever (an eventfd
 *     cannot be reopened as a new description, and RWF_NOWAIT is refused
 *     on eventfds);
 *   - a pipe fails it even with per-call flags: pipe_read and pipe_write
 *     hold the pipe's mutex across the copy to or from user memory, so a
 *     guest reading into a page that faults slowly holds up our write;
 *   - an AF_UNIX stream passes: every send here carries MSG_DONTWAIT
 *     (and MSG_NOSIGNAL) and every receive MSG_DONTWAIT, flags of the call
 *     that no one else can change; the sender takes only spinlocks of the
 *     receiving socket, never the mutex the receiver holds while copying.
 *
 * What the holder of a sending end can still do, and why it is harmless:
 *   - fill the stream (or shrink SO_SNDBUF): a send then fails with
 *     EAGAIN, which means the port already has an event waiting: success;
 *   - shut the stream down, or close it: the receiver sees end of file,
 *     reports the port once and stops watching it (client_evtchn.c);
 *   - send urgent data: SO_OOBINLINE makes it ordinary bytes;
 *   - pass file descriptors: refused (SO_PASSRIGHTS off on both ends).
 *     Accepted, they would sit in the receiver's queue and be closed by
 *     it, and closing a file can block (a socket with SO_LINGER set);
 *   - write backwards: the receiving end is shut for writing at birth.
 * Bytes carry nothing: a port fired when its receiving end is readable.
 * One receive drains up to SIM_CHAN_DRAIN of them, so notifications
 * coalesce as an eventfd's counter did.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/sim/shared.h"

/* Linux 6.16 (af_unix): whether the socket accepts SCM_RIGHTS. */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

static bool passrights_off(int fd)
{
	int off = 0;

	return setsockopt(fd, SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off)) ==
	       0;
}

int sim_chan_pair(int *rx, int *tx, bool *fds_refused)
{
	int sv[2], on = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0,
		       sv) < 0)
		return -errno;
	if (shutdown(sv[0], SHUT_WR) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_OOBINLINE, &on, sizeof(on)) < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	*fds_refused = passrights_off(sv[0]) && passrights_off(sv[1]);
	*rx = sv[0];
	*tx = sv[1];
	return 0;
}

int sim_chan_page(void)
{
	int fd = memfd_create("xpv-evtchn-binding",
			      MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int err;

	if (fd < 0)
		return -errno;
	/* Sealed: no holder can shrink it under the other's mapping. */
	if (ftruncate(fd, HV_PAGE_SIZE) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) <
		    0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int sim_chan_kick(int tx)
{
	static const char bell = 1;

	if (send(tx, &bell, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1)
		return 0;
	switch (errno) {
	case EAGAIN: /* the stream is full: an event is waiting already */
	case EPIPE: /* the receiver is gone or the stream was shut */
	case ECONNRESET:
		return 0;
	default:
		return -errno;
	}
}

int sim_chan_drain(int rx)
{
	char buf[SIM_CHAN_DRAIN];
	ssize_t n = recv(rx, buf, sizeof(buf), MSG_DONTWAIT);

	if (n > 0 || (n < 0 && errno == EAGAIN))
		return 0;
	return n == 0 ? -EPIPE : -errno;
}
