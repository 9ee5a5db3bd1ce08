/*
 * relay.c - xs-ring-relay: a domain's xenstore connection made a stream,
 * so that the differential test can drive a domU's ring like a socket.
 *
 *   xs-ring-relay sim
 *       inside a sim domain (started by hv_domain_exec): the domain's own
 *       store page and port from its start info, through hv/;
 *   xs-ring-relay file RINGFILE KICK NOTIFY
 *       for Debian's xenstored under the stand-in (standin.c): the page is
 *       the file the stand-in maps for the domain, the daemon is kicked by
 *       a byte written to the FIFO KICK, and pokes the FIFO NOTIFY.
 *
 * Bytes read from fd 0 go into the ring's req half; bytes from its rsp half
 * go to fd 1 (fd 0 and 1 may be one socket). The daemon's indices are
 * checked by ring/byte_ring.c; an impossible pair, or the daemon setting
 * the page's error field, ends the relay with exit 1. End of input on fd
 * 0 ends it with exit 0. The ring is also looked at every 20 ms, so that a
 * notification lost to a race costs time, never a hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ring/byte_ring.h"
#include "ring/xs_wire.h"

struct relay {
	struct xpv_xenstore_domain_interface *intf;
	struct xpv_byte_ring req, rsp;
	/* sim */
	struct hv *hv;
	struct hv_evtchn *ev;
	hv_port_t port;
	/* file */
	int kick, notify;
	/* Input read from fd 0 that the req ring had no room for yet. */
	char in[8192];
	size_t in_len, in_off;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "xs-ring-relay: %s: %s\n", what, strerror(err));
	exit(1);
}

static void attach_sim(struct relay *r)
{
	struct hv_start_info si;
	char why[256];
	int ret;

	ret = hv_open(&r->hv, why, sizeof(why));
	if (ret < 0) {
		fprintf(stderr, "xs-ring-relay: %s\n", why);
		exit(1);
	}
	ret = hv_domain_start_info(r->hv, HV_DOMID_SELF, &si);
	if (ret < 0)
		die("start info", -ret);
	r->intf =
		hv_foreign_map(r->hv, HV_DOMID_SELF, 1, &si.store_frame, true);
	if (!r->intf)
		die("mapping the store page", errno);
	r->ev = hv_evtchn_open(r->hv);
	if (!r->ev)
		die("event channel", errno);
	ret = hv_evtchn_bind_existing(r->ev, si.store_port);
	if (ret < 0)
		die("binding the store port", -ret);
	r->port = si.store_port;
	r->kick = r->notify = -1;
}

static void attach_file(struct relay *r, char **argv)
{
	int fd = open(argv[0], O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, HV_PAGE_SIZE) < 0)
		die(argv[0], errno);
	r->intf = mmap(NULL, HV_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);
	close(fd);
	if (r->intf == MAP_FAILED)
		die("mmap", errno);
	r->kick = open(argv[1], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	r->notify = open(argv[2], O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (r->kick < 0 || r->notify < 0)
		die("opening the FIFOs", errno);
}

static void kick(struct relay *r)
{
	if (r->ev) {
		if (hv_evtchn_notify(r->ev, r->port) < 0)
			fprintf(stderr, "relay: notify failed\n");
		return;
	}
	if (write(r->kick, "!", 1) < 0 && errno != EAGAIN)
		die("kick", errno);
}

/* Forget why we were woken: the ring says what happened. */
static void drain(struct relay *r)
{
	char buf[256];
	int port;

	if (r->ev) {
		while ((port = hv_evtchn_pending(r->ev)) >= 0)
			if (hv_evtchn_unmask(r->ev, (hv_port_t)port) < 0)
				break;
		return;
	}
	while (read(r->notify, buf, sizeof(buf)) > 0)
		;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("writing fd 1", errno);
		p += n;
		len -= (size_t)n;
	}
}

/* Move what can move both ways; true if an index moved. */
static bool pump(struct relay *r)
{
	char buf[XPV_XENSTORE_RING_SIZE];
	bool moved = false;
	int n;

	if (__atomic_load_n(&r->intf->error, __ATOMIC_ACQUIRE))
		die("the daemon set the ring's error field", EIO);
	while ((n = xpv_byte_ring_read(&r->rsp, buf, sizeof(buf))) > 0) {
		write_all(1, buf, (size_t)n);
		moved = true;
	}
	if (n < 0)
		die("rsp ring", -n);
	while (r->in_off < r->in_len) {
		n = xpv_byte_ring_write(&r->req, r->in + r->in_off,
					r->in_len - r->in_off);
		if (n < 0)
			die("req ring", -n);
		if (n == 0)
			break;
		r->in_off += (size_t)n;
		moved = true;
	}
	return moved;
}

static void run(struct relay *r)
{
	struct pollfd pfd[2] = {
		{ .fd = 0, .events = POLLIN },
		{ .fd = r->ev ? hv_evtchn_fd(r->ev) : r->notify,
		  .events = POLLIN },
	};
	ssize_t n;

	for (;;) {
		/* Read more input only once the last has gone in. */
		pfd[0].fd = r->in_off < r->in_len ? -1 : 0;
		if (poll(pfd, 2, 20) < 0 && errno != EINTR)
			die("poll", errno);
		drain(r);
		if (pfd[0].revents & (POLLIN | POLLHUP)) {
			n = read(0, r->in, sizeof(r->in));
			if (n == 0)
				exit(0);
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				die("reading fd 0", errno);
			r->in_len = n > 0 ? (size_t)n : 0;
			r->in_off = 0;
		}
		if (pump(r))
			kick(r);
	}
}

int main(int argc, char **argv)
{
	static struct relay r;

	if (argc == 2 && !strcmp(argv[1], "sim"))
		attach_sim(&r);
	else if (argc == 5 && !strcmp(argv[1], "file"))
		attach_file(&r, argv + 2);
	else {
		fprintf(stderr, "usage: xs-ring-relay sim\n"
				"       xs-ring-relay file RINGFILE KICK "
				"NOTIFY\n");
		return 2;
	}
	xpv_byte_ring_xenstore_req(&r.req, r.intf);
	xpv_byte_ring_xenstore_rsp(&r.rsp, r.intf);
	run(&r);
	return 0;
}
