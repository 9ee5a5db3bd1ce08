/*
 * backend/netback/main.c - xpv-netback, the network backend daemon: one
 * process serving every vif of every domain (docs/network.md).
 *
 *   xpv-netback [--stats-dir DIR]
 *
 * It reaches xenstored through $XENSTORED_PATH (libxenstore) and the
 * hypervisor through hv_open() ($XPV_RUNDIR on sim). One thread, one
 * epoll set (the daemon skeleton's, backend/daemon.h): the backend core's
 * fd, a signalfd, and each connected queue's event channel, TAP and timer
 * fds. A queue that used its budget with work left is run again before
 * the next wait (which then does not block), so that one busy vif cannot
 * starve the others.
 *
 * Statistics go to DIR (default $XPV_RUNDIR/netback, else
 * /run/xpv/netback), one file per vif. SIGTERM or SIGINT ends it, leaving
 * every device as it is in the store and every TAP on its bridge: a new
 * xpv-netback takes them up again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/daemon.h"
#include "backend/netback/netback.h"

#define NAME "xpv-netback"

/* Every event but the core's and the signal's is the data path's. */
static void data_event(void *opaque, void *tag, uint32_t events)
{
	nb_ctx_event(opaque, tag, events);
}

/* Run the queues that used their budget with work left; true while any
 * still has some. */
static bool run_busy(void *opaque)
{
	return nb_ctx_run_busy(opaque);
}

static void default_stats_dir(char *buf, size_t size)
{
	const char *rundir = getenv("XPV_RUNDIR");

	snprintf(buf, size, "%s/netback",
		 rundir && *rundir ? rundir : "/run/xpv");
}

static int usage(void)
{
	fprintf(stderr, "usage: " NAME " [--stats-dir DIR]\n");
	return 2;
}

int main(int argc, char **argv)
{
	char stats[256];
	struct xpv_daemon d;
	struct nb_ctx ctx;
	const struct xpv_daemon_loop loop = { .event = data_event,
					      .busy = run_busy,
					      .opaque = &ctx };
	int ret;

	default_stats_dir(stats, sizeof(stats));
	if (argc == 3 && !strcmp(argv[1], "--stats-dir"))
		snprintf(stats, sizeof(stats), "%s", argv[2]);
	else if (argc != 1)
		return usage();
	if (xpv_daemon_open(&d, NAME))
		return 1;
	ret = nb_ctx_init(&ctx, d.hv, d.epfd);
	if (ret)
		return xpv_daemon_close(&d, ret);
	ret = nb_ctx_stats_dir(&ctx, stats);
	if (ret)
		fprintf(stderr, NAME ": statistics in %s: %s\n", stats,
			strerror(-ret));
	ret = xpv_backend_add_class(d.core, "vif", &nb_vif_ops, &ctx);
	if (!ret) {
		fprintf(stderr, NAME ": serving backend/vif\n");
		ret = xpv_daemon_run(&d, &loop);
	}
	/* The devices stay in the store; their TAPs stay too. */
	ctx.keep_taps = true;
	xpv_daemon_close_core(&d);
	nb_ctx_fini(&ctx);
	return xpv_daemon_close(&d, ret);
}
