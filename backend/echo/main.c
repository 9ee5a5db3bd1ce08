/*
 * backend/echo/main.c - xpv-echoback, the echo device's backend daemon:
 * one process serving every echo device of every domain, as blkback and
 * netback serve theirs.
 *
 *   xpv-echoback
 *
 * It reaches xenstored through $XENSTORED_PATH (libxenstore) and the
 * hypervisor through hv_open() ($XPV_RUNDIR on sim). One epoll set holds
 * the backend core's fd, each connected device's event channel fd, and a
 * signalfd: SIGTERM or SIGINT ends it, leaving every device as it is in
 * the store, so a new xpv-echoback reconnects to the same rings.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "backend/echo/echo.h"
#include "backend/xenbus.h"
#include "hv/hv.h"

#define NAME "xpv-echoback"
#define MAX_EVENTS 64

/* Marks the signalfd among the epoll events; the core's fd has NULL. */
static int signal_mark;

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
 * every other event of the batch: its disconnect and remove close a
 * device's event channel and free the device its events point at, and
 * those may be further on in evs[].
 */
static int run(struct xpv_backend *core, int epfd)
{
	struct epoll_event evs[MAX_EVENTS];
	bool core_ready;
	int i, n, ret;

	for (;;) {
		n = epoll_wait(epfd, evs, MAX_EVENTS, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		core_ready = false;
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == &signal_mark)
				return 0;
			if (evs[i].data.ptr)
				echo_backend_serve(evs[i].data.ptr);
			else
				core_ready = true;
		}
		if (core_ready) {
			ret = xpv_backend_dispatch(core);
			if (ret)
				return ret;
		}
	}
}

static int serve(struct echo_backend *eb)
{
	struct xpv_backend *core;
	int sfd, ret;

	core = xpv_backend_open(NAME, hv_self(eb->hv));
	if (!core) {
		fprintf(stderr,
			NAME ": cannot reach xenstored (%s); is "
			     "XENSTORED_PATH set?\n",
			strerror(errno));
		return -errno;
	}
	sfd = open_signals();
	ret = sfd < 0 ? sfd : add_fd(eb->epfd, sfd, &signal_mark);
	if (!ret)
		ret = add_fd(eb->epfd, xpv_backend_fd(core), NULL);
	if (!ret)
		ret = xpv_backend_add_class(core, "echo", &echo_backend_ops,
					    eb);
	if (!ret) {
		fprintf(stderr, NAME ": serving backend/echo\n");
		ret = run(core, eb->epfd);
	}
	xpv_backend_close(core);
	if (sfd >= 0)
		close(sfd);
	fprintf(stderr, NAME ": stopped; served %lu requests in all\n",
		eb->served);
	return ret;
}

int main(int argc, char **argv __attribute__((unused)))
{
	struct echo_backend eb = { .epfd = -1 };
	char why[256];
	int ret;

	if (argc != 1) {
		fprintf(stderr, "usage: " NAME "\n");
		return 2;
	}
	ret = hv_open(&eb.hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, NAME ": %s\n", why);
		return 1;
	}
	eb.epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = eb.epfd < 0 ? -errno : serve(&eb);
	if (ret)
		fprintf(stderr, NAME ": %s\n", strerror(-ret));
	if (eb.epfd >= 0)
		close(eb.epfd);
	hv_close(eb.hv);
	return ret ? 1 : 0;
}
