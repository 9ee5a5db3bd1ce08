/*
 * backend/daemon.c - the backend daemons' shared skeleton (daemon.h): open
 * hv, the epoll set, the signalfd and the core; run the loop; close.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "backend/daemon.h"

#define MAX_EVENTS 64

int xpv_daemon_watch(struct xpv_daemon *d, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
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
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int open_core(struct xpv_daemon *d)
{
	int err;

	d->core = xpv_backend_open(d->name, hv_self(d->hv));
	if (d->core)
		return 0;
	err = errno ? errno : EIO;
	fprintf(stderr,
		"%s: cannot reach xenstored (%s); is XENSTORED_PATH set?\n",
		d->name, strerror(err));
	return -err;
}

/* The fds after hv; logs what failed. */
static int open_fds(struct xpv_daemon *d)
{
	int ret;

	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = d->epfd < 0 ? -errno : 0;
	if (!ret) {
		d->signal_fd = open_signals();
		ret = d->signal_fd < 0 ? d->signal_fd : 0;
	}
	ret = ret ?: xpv_daemon_watch(d, d->signal_fd, &d->signal_fd);
	if (ret) {
		fprintf(stderr, "%s: %s\n", d->name, strerror(-ret));
		return ret;
	}
	ret = open_core(d);
	return ret ?: xpv_daemon_watch(d, xpv_backend_fd(d->core), &d->core);
}

int xpv_daemon_open(struct xpv_daemon *d, const char *name)
{
	char why[256];
	int ret;

	*d = (struct xpv_daemon){ .name = name, .epfd = -1, .signal_fd = -1 };
	ret = hv_open(&d->hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "%s: %s\n", name, why);
		return ret;
	}
	ret = open_fds(d);
	if (ret)
		xpv_daemon_close(d, 0);
	return ret;
}

/* Read the signal, so that a later run waits for the next one; 1. */
static int take_signal(struct xpv_daemon *d)
{
	struct signalfd_siginfo si;

	if (read(d->signal_fd, &si, sizeof(si)) < 0) {
		/* another reader took it: it still ends this run */
	}
	return 1;
}

/*
 * One batch. 1: a signal came; 0: go on; -errno: the core cannot go on.
 * *busy says whether the daemon has work left.
 */
static int handle_batch(struct xpv_daemon *d,
			const struct xpv_daemon_loop *loop,
			const struct epoll_event *evs, int n, bool *busy)
{
	bool core_ready = false;
	int i, ret;

	for (i = 0; i < n; i++) {
		void *tag = evs[i].data.ptr;

		if (tag == &d->signal_fd)
			return take_signal(d);
		if (tag == &d->core)
			core_ready = true;
		else
			loop->event(loop->opaque, tag, evs[i].events);
	}
	if (core_ready) {
		ret = xpv_backend_dispatch(d->core);
		if (ret)
			return ret;
		if (loop->dispatched)
			loop->dispatched(loop->opaque);
	}
	*busy = loop->busy && loop->busy(loop->opaque);
	return 0;
}

int xpv_daemon_run(struct xpv_daemon *d, const struct xpv_daemon_loop *loop)
{
	struct epoll_event evs[MAX_EVENTS];
	bool busy = false;
	int n, ret;

	for (;;) {
		n = epoll_wait(d->epfd, evs, MAX_EVENTS, busy ? 0 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		ret = handle_batch(d, loop, evs, n, &busy);
		if (ret)
			return ret > 0 ? 0 : ret;
	}
}

void xpv_daemon_close_core(struct xpv_daemon *d)
{
	if (d->core)
		xpv_backend_close(d->core);
	d->core = NULL;
}

int xpv_daemon_close(struct xpv_daemon *d, int ret)
{
	xpv_daemon_close_core(d);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->epfd >= 0)
		close(d->epfd);
	hv_close(d->hv);
	d->signal_fd = d->epfd = -1;
	d->hv = NULL;
	if (ret)
		fprintf(stderr, "%s: %s\n", d->name, strerror(-ret));
	return ret ? 1 : 0;
}
