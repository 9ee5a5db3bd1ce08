/*
 * main.c - xpv-blkback, dom0's block backend daemon: one process serving
 * every vbd and qdisk device of every domain (docs/block.md).
 *
 *   xpv-blkback [--stats FILE] [--max-queues N] [--no-direct]
 *
 * It reaches xenstored through $XENSTORED_PATH (libxenstore) and the
 * hypervisor through hv_open() ($XPV_RUNDIR on sim). The main thread runs
 * the backend core (handshakes) in one epoll set with a signalfd, the
 * eventfd on which queues report a broken ring, and a 1 s timer that
 * rewrites the statistics file (default $XPV_RUNDIR/blkback.stats);
 * every queue has a thread of its own. SIGTERM or SIGINT ends it,
 * leaving every device as it is in the store.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "backend/blkback/vbd.h"

#define NAME "xpv-blkback"

enum { EV_CORE, EV_SIGNAL, EV_WAKE, EV_TIMER };

static int add_fd(int epfd, int fd, uint64_t what)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = what };

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

static int open_timer(void)
{
	struct itimerspec its = { .it_interval = { 1, 0 },
				  .it_value = { 1, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0)
		return -errno;
	timerfd_settime(fd, 0, &its, NULL);
	return fd;
}

static void drain_fd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* nothing was pending: a spurious wake-up */
	}
}

/* Until a signal, or the core cannot go on. */
static int run(struct blkback *bb, int epfd, int timer_fd)
{
	struct epoll_event evs[16];
	int i, n, ret;

	for (;;) {
		n = epoll_wait(epfd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			switch (evs[i].data.u64) {
			case EV_SIGNAL:
				return 0;
			case EV_WAKE:
				drain_fd(bb->wake_fd);
				blkback_check_broken(bb);
				break;
			case EV_TIMER:
				drain_fd(timer_fd);
				blkback_write_stats(bb);
				break;
			default:
				ret = xpv_backend_dispatch(bb->core);
				if (ret)
					return ret;
				blkback_write_stats(bb);
			}
		}
	}
}

static int serve(struct blkback *bb)
{
	int epfd, sfd = -1, tfd = -1, ret;

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	sfd = open_signals();
	tfd = open_timer();
	ret = sfd < 0 ? sfd : tfd < 0 ? tfd : 0;
	ret = ret ?: add_fd(epfd, sfd, EV_SIGNAL);
	ret = ret ?: add_fd(epfd, tfd, EV_TIMER);
	ret = ret ?: add_fd(epfd, bb->wake_fd, EV_WAKE);
	ret = ret ?: add_fd(epfd, xpv_backend_fd(bb->core), EV_CORE);
	ret = ret   ?:
		      xpv_backend_add_class(bb->core, "vbd", &blkback_vbd_ops,
					    bb);
	ret = ret   ?:
		      xpv_backend_add_class(bb->core, "qdisk", &blkback_vbd_ops,
					    bb);
	if (!ret) {
		fprintf(stderr,
			NAME ": serving backend/vbd and backend/qdisk\n");
		ret = run(bb, epfd, tfd);
	}
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	close(epfd);
	return ret;
}

static void usage(void)
{
	fprintf(stderr, "usage: " NAME
			" [--stats FILE] [--max-queues N] [--no-direct]\n");
}

static int parse_args(struct blkback *bb, int argc, char **argv, char *stats,
		      size_t size)
{
	static const struct option opts[] = {
		{ "stats", required_argument, NULL, 's' },
		{ "max-queues", required_argument, NULL, 'q' },
		{ "no-direct", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = getenv("XPV_RUNDIR");
	long q;
	int c;

	snprintf(stats, size, "%s/blkback.stats", rundir ? rundir : "/run/xpv");
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			snprintf(stats, size, "%s", optarg);
			break;
		case 'q':
			q = strtol(optarg, NULL, 10);
			if (q < 1 || q > BLKBACK_MAX_QUEUES)
				return -EINVAL;
			bb->max_queues = (unsigned int)q;
			break;
		case 'd':
			bb->direct = false;
			break;
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

static unsigned int default_queues(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1		      ? 1 :
	       n > BLKBACK_MAX_QUEUES ? BLKBACK_MAX_QUEUES :
					(unsigned int)n;
}

int main(int argc, char **argv)
{
	struct blkback bb = { .direct = true, .wake_fd = -1 };
	char why[256], stats[512];
	int ret;

	bb.max_queues = default_queues();
	if (parse_args(&bb, argc, argv, stats, sizeof(stats))) {
		usage();
		return 2;
	}
	bb.stats_path = stats;
	ret = hv_open(&bb.hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, NAME ": %s\n", why);
		return 1;
	}
	bb.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	bb.core = xpv_backend_open(NAME, hv_self(bb.hv));
	if (!bb.core)
		fprintf(stderr,
			NAME ": cannot reach xenstored (%s); is "
			     "XENSTORED_PATH set?\n",
			strerror(errno));
	ret = !bb.core ? -EIO : bb.wake_fd < 0 ? -errno : serve(&bb);
	if (bb.core)
		xpv_backend_close(bb.core);
	unlink(stats);
	if (ret)
		fprintf(stderr, NAME ": %s\n", strerror(-ret));
	if (bb.wake_fd >= 0)
		close(bb.wake_fd);
	hv_close(bb.hv);
	return ret ? 1 : 0;
}
