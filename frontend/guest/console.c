/*
 * console.c - the guest's console: the console ring page of its start
 * info (io/console.h) on one side, a pty on the other, as a Linux PV
 * guest's hvc0 is both the ring and a tty. Whatever init writes to its
 * terminal goes out to dom0's console daemon; what dom0 types comes in.
 *
 * Flow control: bytes read from the pty wait in `pending` while the out
 * ring is full, and the pty is not read again until dom0 made room (it
 * notifies after consuming). The ring's indices are dom0's to write too:
 * the byte ring checks them on every access (ring/byte_ring.h); a broken
 * ring stops the console, not the guest.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "frontend/guest/guest.h"

int guest_console_open(struct guest *g)
{
	struct guest_console *c = &g->con;
	struct hv_start_info si;
	int ret;

	c->master = -1;
	ret = hv_domain_start_info(g->hv, HV_DOMID_SELF, &si);
	if (ret)
		return ret;
	c->page = hv_foreign_map(g->hv, HV_DOMID_SELF, 1, &si.console_frame,
				 true);
	if (!c->page)
		return -errno;
	xpv_byte_ring_console_in(&c->in, c->page);
	xpv_byte_ring_console_out(&c->out, c->page);
	c->ev = hv_evtchn_open(g->hv);
	if (!c->ev)
		return -errno;
	ret = hv_evtchn_bind_existing(c->ev, si.console_port);
	if (ret < 0)
		return ret;
	c->port = ret;
	return 0;
}

int guest_console_pty(struct guest *g, char *buf, size_t len)
{
	struct guest_console *c = &g->con;
	struct termios t;

	c->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->master < 0)
		return -errno;
	if (grantpt(c->master) || unlockpt(c->master) ||
	    ptsname_r(c->master, buf, len))
		return -errno;
	/* A serial console's settings: a terminal, but no CR/LF games on
	 * output beyond what a tty does by default. */
	if (tcgetattr(c->master, &t) == 0) {
		t.c_oflag |= ONLCR;
		tcsetattr(c->master, TCSANOW, &t);
	}
	fcntl(c->master, F_SETFL, O_NONBLOCK);
	return 0;
}

/* Tell dom0 the rings moved. A notify fails only once the port is gone
 * (dom0's side closed): then there is no one to tell. */
static void notify(struct guest_console *c)
{
	if (hv_evtchn_notify(c->ev, c->port) < 0) {
		/* nothing to do: the bytes stay in the ring */
	}
}

/* Move pending bytes into the out ring; notify when any went. */
static void flush_out(struct guest *g)
{
	struct guest_console *c = &g->con;
	int n;

	if (!c->npending || !c->page)
		return;
	n = xpv_byte_ring_write(&c->out, c->pending, c->npending);
	if (n <= 0)
		return; /* full (or broken): wait for dom0's notify */
	memmove(c->pending, c->pending + n, c->npending - n);
	c->npending -= n;
	notify(c);
}

void guest_console_write(struct guest *g, const char *buf, size_t len)
{
	struct guest_console *c = &g->con;

	while (len) {
		size_t room = sizeof(c->pending) - c->npending;
		size_t n = len < room ? len : room;

		memcpy(c->pending + c->npending, buf, n);
		c->npending += n;
		buf += n;
		len -= n;
		flush_out(g);
		if (len && c->npending == sizeof(c->pending))
			return; /* nobody reads the console: drop, as a
				   kernel's log buffer would */
	}
}

/* Keyboard: what dom0 wrote into the in ring, to init's terminal. */
static void pull_in(struct guest *g)
{
	struct guest_console *c = &g->con;
	char buf[XPV_XENCONS_IN_SIZE];
	int n;

	while ((n = xpv_byte_ring_read(&c->in, buf, sizeof(buf))) > 0) {
		if (c->master >= 0 && write(c->master, buf, n) < 0)
			break; /* the line discipline is full: drop */
		notify(c);
	}
}

void guest_console_event(struct guest *g)
{
	struct guest_console *c = &g->con;
	int port;

	while ((port = hv_evtchn_pending(c->ev)) >= 0)
		if (hv_evtchn_unmask(c->ev, port) < 0)
			break; /* the console's ring still says what moved */
	pull_in(g);
	flush_out(g);
}

void guest_console_pty_readable(struct guest *g)
{
	struct guest_console *c = &g->con;
	ssize_t n;

	while (c->npending < sizeof(c->pending)) {
		n = read(c->master, c->pending + c->npending,
			 sizeof(c->pending) - c->npending);
		if (n <= 0)
			break; /* EAGAIN, or EIO: no slave open any more */
		c->npending += n;
		flush_out(g);
	}
}

short guest_console_pty_events(const struct guest *g)
{
	return g->con.npending < sizeof(g->con.pending) ? POLLIN : 0;
}
