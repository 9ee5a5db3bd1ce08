/*
 * main.c - xpv-blkback, dom0's block backend daemon: one process serving
 * every vbd and qdisk device of every domain (docs/block.md).
 *
 *   xpv-blkback [--stats FILE] [--max-queues N] [--no-direct]
 *
 * It reaches xenstored through $XENSTORED_PATH (libxenstore) and the
 * hypervisor through hv_open() ($XPV_RUNDIR on sim). The main thread runs
 * the backend core (handshakes) in the daemon skeleton's epoll set
 * (backend/daemon.h) with its signalfd, the eventfd on which queues
 * report a broken ring, and a 1 s timer that rewrites the statistics file
 * (default $XPV_RUNDIR/blkback.stats); every queue has a thread of its
 * own. SIGTERM or SIGINT ends it,
 * leaving every device as it is in the store.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "backend/blkback/vbd.h"
#include "backend/daemon.h"

#define NAME "xpv-blkback"

/* The main loop's own fds besides the skeleton's; each is its own tag. */
struct main_fds {
	struct blkback *bb; /* its wake_fd */
	int timer_fd;
};

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

static void main_event(void *opaque, void *tag,
		       uint32_t events __attribute__((unused)))
{
	struct main_fds *m = opaque;

	if (tag == &m->bb->wake_fd) {
		drain_fd(m->bb->wake_fd);
		blkback_check_broken(m->bb);
	} else {
		drain_fd(m->timer_fd);
		blkback_write_stats(m->bb);
	}
}

static void write_stats(void *opaque)
{
	struct main_fds *m = opaque;

	blkback_write_stats(m->bb);
}

/* Until a signal, or the core cannot go on. */
static int serve(struct xpv_daemon *d, struct main_fds *m)
{
	const struct xpv_daemon_loop loop = { .event = main_event,
					      .dispatched = write_stats,
					      .opaque = m };
	struct blkback *bb = m->bb;
	int ret;

	bb->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (bb->wake_fd < 0)
		return -errno;
	m->timer_fd = open_timer();
	ret = m->timer_fd < 0 ? m->timer_fd : 0;
	ret = ret ?: xpv_daemon_watch(d, m->timer_fd, &m->timer_fd);
	ret = ret ?: xpv_daemon_watch(d, bb->wake_fd, &bb->wake_fd);
	ret = ret   ?:
		      xpv_backend_add_class(bb->core, "vbd", &blkback_vbd_ops,
					    bb);
	ret = ret   ?:
		      xpv_backend_add_class(bb->core, "qdisk", &blkback_vbd_ops,
					    bb);
	if (ret)
		return ret;
	fprintf(stderr, NAME ": serving backend/vbd and backend/qdisk\n");
	return xpv_daemon_run(d, &loop);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: " NAME " [--stats FILE] [--max-queues N] [--no-direct]"
		" [--poll-us N]\n");
}

/* A polling bound in microseconds, 0 (never) to BLKBACK_MAX_POLL_US. */
static int parse_poll_us(const char *s, unsigned int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > BLKBACK_MAX_POLL_US)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static int parse_args(struct blkback *bb, int argc, char **argv, char *stats,
		      size_t size)
{
	static const struct option opts[] = {
		{ "stats", required_argument, NULL, 's' },
		{ "max-queues", required_argument, NULL, 'q' },
		{ "no-direct", no_argument, NULL, 'd' },
		{ "poll-us", required_argument, NULL, 'p' },
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
		case 'p':
			if (parse_poll_us(optarg, &bb->poll_us))
				return -EINVAL;
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
	struct main_fds m = { .bb = &bb, .timer_fd = -1 };
	struct xpv_daemon d;
	char stats[512];
	int ret;

	bb.max_queues = default_queues();
	bb.poll_us = BLKBACK_DEFAULT_POLL_US;
	/* the environment first, so that the option wins */
	if (getenv("XPV_BLKBACK_POLL_US") &&
	    parse_poll_us(getenv("XPV_BLKBACK_POLL_US"), &bb.poll_us)) {
		fprintf(stderr, NAME ": XPV_BLKBACK_POLL_US: 0 to %d\n",
			BLKBACK_MAX_POLL_US);
		return 2;
	}
	if (parse_args(&bb, argc, argv, stats, sizeof(stats))) {
		usage();
		return 2;
	}
	bb.stats_path = stats;
	bb.rundir = getenv("XPV_RUNDIR") ?: "/run/xpv";
	if (xpv_daemon_open(&d, NAME))
		return 1;
	bb.hv = d.hv;
	bb.core = d.core;
	ret = serve(&d, &m);
	bb.stopping = true;
	xpv_daemon_close_core(&d); /* the queues' threads end */
	unlink(stats);
	if (m.timer_fd >= 0)
		close(m.timer_fd);
	if (bb.wake_fd >= 0)
		close(bb.wake_fd);
	return xpv_daemon_close(&d, ret);
}
