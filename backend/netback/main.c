/*
 * backend/netback/main.c - xpv-netback, the network backend daemon: one
 * process serving every vif of every domain (docs/network.md).
 *
 *   xpv-netback [--stats-dir DIR]
 *
 * It reaches xenstored through $XENSTORED_PATH (libxenstore) and the
 * hypervisor through hv_open() ($XPV_RUNDIR on sim). One thread, one
 * epoll set: the backend core's fd, a signalfd, and each connected
 * queue's event channel, TAP and timer fds. A queue that used its budget
 * with work left is run again before the next wait (which then does not
 * block), so that one busy vif cannot starve the others.
 *
 * Statistics go to DIR (default $XPV_RUNDIR/netback, else
 * /run/xpv/netback), one file per vif. SIGTERM or SIGINT ends it, leaving
 * every device as it is in the store and every TAP on its bridge: a new
 * xpv-netback takes them up again.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "backend/netback/netback.h"
#include "hv/hv.h"

#define NAME "xpv-netback"
#define MAX_EVENTS 64

/* Marks among the epoll events: the core's fd and the signalfd; every
 * other data.ptr is the data path's. */
static int core_mark, signal_mark;

static int add_fd(int epfd, int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int open_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * Until a signal, or the core cannot go on. The core is dispatched after
 * every other event of the batch: its disconnect and remove close fds and
 * free queues whose events may still be in evs[] (a frontend that
 * restarts while it rings its queues puts both in one batch), so the data
 * path's events are all handled while their sources still exist.
 */
static int run(struct xpv_backend *core, struct nb_ctx *ctx)
{
	struct epoll_event evs[MAX_EVENTS];
	bool busy = false, core_ready;
	int i, n, ret;

	for (;;) {
		n = epoll_wait(ctx->epfd, evs, MAX_EVENTS, busy ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		core_ready = false;
		for (i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &signal_mark)
				return 0;
			if (p == &core_mark)
				core_ready = true;
			else
				nb_ctx_event(ctx, p, evs[i].events);
		}
		if (core_ready) {
			ret = xpv_backend_dispatch(core);
			if (ret)
				return ret;
		}
		busy = nb_ctx_run_busy(ctx);
	}
}

static int serve(struct nb_ctx *ctx)
{
	struct xpv_backend *core;
	int sfd, ret;

	core = xpv_backend_open(NAME, hv_self(ctx->hv));
	if (!core) {
		fprintf(stderr,
			NAME ": cannot reach xenstored (%s); is "
			     "XENSTORED_PATH set?\n",
			strerror(errno));
		return -errno;
	}
	sfd = open_signals();
	ret = sfd < 0 ? sfd : add_fd(ctx->epfd, sfd, &signal_mark);
	if (!ret)
		ret = add_fd(ctx->epfd, xpv_backend_fd(core), &core_mark);
	if (!ret)
		ret = xpv_backend_add_class(core, "vif", &nb_vif_ops, ctx);
	if (!ret) {
		fprintf(stderr, NAME ": serving backend/vif\n");
		ret = run(core, ctx);
	}
	/* The devices stay in the store; their TAPs stay too. */
	ctx->keep_taps = true;
	xpv_backend_close(core);
	if (sfd >= 0)
		close(sfd);
	return ret;
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
	char why[256], stats[256];
	struct nb_ctx ctx;
	struct hv *hv;
	int epfd, ret;

	default_stats_dir(stats, sizeof(stats));
	if (argc == 3 && !strcmp(argv[1], "--stats-dir"))
		snprintf(stats, sizeof(stats), "%s", argv[2]);
	else if (argc != 1)
		return usage();
	signal(SIGPIPE, SIG_IGN);
	ret = hv_open(&hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, NAME ": %s\n", why);
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = epfd < 0 ? -errno : nb_ctx_init(&ctx, hv, epfd);
	if (!ret) {
		ret = nb_ctx_stats_dir(&ctx, stats);
		if (ret)
			fprintf(stderr, NAME ": statistics in %s: %s\n", stats,
				strerror(-ret));
		ret = serve(&ctx);
		nb_ctx_fini(&ctx);
	}
	if (ret)
		fprintf(stderr, NAME ": %s\n", strerror(-ret));
	if (epfd >= 0)
		close(epfd);
	hv_close(hv);
	return ret ? 1 : 0;
}
