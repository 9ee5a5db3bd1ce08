/*
 * main.c - xpv-guest (guest.h): bring the guest up, run init, serve its
 * console, shutdown requests, balloon and devices until init exits or
 * dom0 asks it to stop. One thread, one poll loop.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "frontend/guest/guest.h"
#include "frontend/xenbus.h"

void guest_log(struct guest *g, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "xpv-guest: ");

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		n = sizeof(line) - 3;
	fprintf(stderr, "%s\n", line);
	line[n++] = '\r';
	line[n++] = '\n';
	if (g->con.page)
		guest_console_write(g, line, n);
}

static void fatal(struct guest *g, const char *what, int err)
{
	guest_log(g, "%s: %s; crashing", what, strerror(-err));
	/* Should the shutdown fail, init's exit is a crash all the same. */
	if (g->hv &&
	    hv_domain_shutdown(g->hv, HV_DOMID_SELF, HV_SHUTDOWN_CRASH) < 0)
		guest_log(g, "shutting down failed; exiting");
	exit(1);
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void bring_up(struct guest *g)
{
	char why[256], slave[64];
	int ret = hv_open(&g->hv, why, sizeof(why));

	if (ret) {
		fprintf(stderr, "xpv-guest: %s\n", why);
		exit(1);
	}
	g->domid = hv_self(g->hv);
	ret = guest_console_open(g);
	if (ret)
		fatal(g, "cannot open the console ring", ret);
	g->xb = xenbus_open(g->hv);
	if (!g->xb)
		fatal(g, "cannot open the xenstore ring", -errno);
	g->sigfd = open_signals();
	if (g->sigfd < 0)
		fatal(g, "signalfd", -errno);
	ret = guest_control_start(g);
	ret = ret ?: guest_balloon_start(g);
	ret = ret ?: guest_devices_start(g);
	if (ret)
		fatal(g, "cannot watch the store", ret);
	guest_vbd_boot(g);
	ret = guest_console_pty(g, slave, sizeof(slave));
	if (ret)
		fatal(g, "cannot make the console's pty", ret);
	guest_log(g, "domain %u up; running %s", g->domid, g->init_argv[0]);
	ret = guest_init_start(g, slave);
	if (ret)
		fatal(g, "cannot start init", ret);
}

/* One of the guest's own watches fired (not a driver's). */
static void own_watch(struct guest *g, const char *token)
{
	if (!strcmp(token, GUEST_TOKEN_SHUTDOWN))
		guest_control_event(g);
	else if (!strcmp(token, GUEST_TOKEN_BALLOON))
		guest_balloon_event(g);
	else if (!strcmp(token, GUEST_TOKEN_DEVICES))
		guest_devices_event(g);
}

static void on_watch(struct guest *g)
{
	char *path, *token;

	while (xenbus_read_event(g->xb, &path, &token) == 0) {
		if (!guest_devices_relay_event(g, path, token))
			own_watch(g, token);
		free(path);
	}
}

static void on_signal(struct guest *g)
{
	struct signalfd_siginfo si;

	while (read(g->sigfd, &si, sizeof(si)) == sizeof(si))
		;
	if (guest_init_reap(g))
		guest_shutdown(g, HV_SHUTDOWN_POWEROFF);
}

static void serve(struct guest *g)
{
	enum { XB, CON, PTY, SIG, N };
	struct pollfd p[N + GUEST_MAX_DEVICES];
	unsigned int nrelays;

	for (;;) {
		p[XB] = (struct pollfd){ xenbus_event_fd(g->xb), POLLIN, 0 };
		p[CON] = (struct pollfd){ hv_evtchn_fd(g->con.ev), POLLIN, 0 };
		p[PTY] = (struct pollfd){ g->con.master,
					  guest_console_pty_events(g), 0 };
		p[SIG] = (struct pollfd){ g->sigfd, POLLIN, 0 };
		nrelays = guest_devices_relay_fds(g, p + N, GUEST_MAX_DEVICES);
		if (poll(p, N + nrelays, -1) < 0) {
			if (errno == EINTR)
				continue;
			fatal(g, "poll", -errno);
		}
		if (p[CON].revents)
			guest_console_event(g);
		if (p[PTY].revents & POLLIN)
			guest_console_pty_readable(g);
		if (p[XB].revents)
			on_watch(g);
		if (p[SIG].revents)
			on_signal(g);
		guest_devices_relay_serve(g, p + N, nrelays);
	}
}

int main(int argc, char **argv)
{
	static struct guest g;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		;
	if (i + 1 >= argc) {
		fprintf(stderr, "usage: xpv-guest -- INIT [ARG...]\n");
		return 2;
	}
	g.init_argv = argv + i + 1;
	bring_up(&g);
	serve(&g);
	return 0;
}
