/*
 * backend/echo/main.c - xpv-echoback, the echo device's backend daemon:
 * one process serving every echo device of every domain, as blkback and
 * netback serve theirs.
 *
 *   xpv-echoback
 *
 * It reaches xenstored through $XENSTORED_PATH (libxenstore) and the
 * hypervisor through hv_open() ($XPV_RUNDIR on sim). The daemon skeleton
 * (backend/daemon.h) holds the epoll set, with the backend core's fd, a
 * signalfd and each connected device's event channel fd: SIGTERM or
 * SIGINT ends it, leaving every device as it is in the store, so a new
 * xpv-echoback reconnects to the same rings.
 */
#include <stdio.h>

#include "backend/daemon.h"
#include "backend/echo/echo.h"

#define NAME "xpv-echoback"

/* An event of a device's event channel: tag is its struct echo_dev. */
static void serve_event(void *opaque __attribute__((unused)), void *tag,
			uint32_t events __attribute__((unused)))
{
	echo_backend_serve(tag);
}

int main(int argc, char **argv __attribute__((unused)))
{
	struct echo_backend eb = { .epfd = -1 };
	const struct xpv_daemon_loop loop = { .event = serve_event };
	struct xpv_daemon d;
	int ret;

	if (argc != 1) {
		fprintf(stderr, "usage: " NAME "\n");
		return 2;
	}
	if (xpv_daemon_open(&d, NAME))
		return 1;
	eb.hv = d.hv;
	eb.epfd = d.epfd;
	ret = xpv_backend_add_class(d.core, "echo", &echo_backend_ops, &eb);
	if (!ret) {
		fprintf(stderr, NAME ": serving backend/echo\n");
		ret = xpv_daemon_run(&d, &loop);
	}
	xpv_daemon_close_core(&d);
	fprintf(stderr, NAME ": stopped; served %lu requests in all\n",
		eb.served);
	return xpv_daemon_close(&d, ret);
}
