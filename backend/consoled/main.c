/*
 * main.c - xpv-consoled (consoled.h): the daemon around the consoles.
 *
 *   xpv-consoled [--log-dir DIR]
 *
 * It reaches xenstored through $XENSTORED_PATH and the hypervisor through
 * hv_open(); console logs go to DIR/console/ (DIR: --log-dir, else
 * $XPV_LOGDIR, else /var/log/xpv). One epoll set holds the backend core's
 * fd, each console's event channel and pty, and a signalfd: SIGTERM or
 * SIGINT ends it. When $XPV_READY_FD names an fd (xpv up), "READY\n" is
 * written there once it serves, and the fd closed.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "backend/consoled/consoled.h"
#include "hv/hv.h"

#define NAME "xpv-consoled"
#define MAX_EVENTS 64

static int signal_mark; /* the signalfd's epoll tag */

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
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &set, SFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static void say_ready(void)
{
	const char *v = getenv("XPV_READY_FD");
	int fd = v ? atoi(v) : -1;

	if (fd <= 2)
		return;
	if (write(fd, "READY\n", 6) != 6)
		fprintf(stderr, NAME ": cannot say READY: %s\n",
			strerror(errno));
	close(fd);
	unsetenv("XPV_READY_FD");
}

/*
 * Until a signal, or the core cannot go on. The core is dispatched after
 * every other event of the batch: removing a console closes its fds and
 * frees the struct cons_fd their events point at, and those events may
 * be further on in evs[].
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
				consoled_serve(evs[i].data.ptr);
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

static int serve(struct consoled *cd)
{
	struct xpv_backend *core;
	int sfd, ret;

	core = xpv_backend_open(NAME, hv_self(cd->hv));
	if (!core) {
		fprintf(stderr,
			NAME ": cannot reach xenstored (%s); is "
			     "XENSTORED_PATH set?\n",
			strerror(errno));
		return -errno;
	}
	sfd = open_signals();
	ret = sfd < 0 ? sfd : add_fd(cd->epfd, sfd, &signal_mark);
	ret = ret ?: add_fd(cd->epfd, xpv_backend_fd(core), NULL);
	ret = ret ?: xpv_backend_add_class(core, "console", &consoled_ops, cd);
	if (!ret) {
		fprintf(stderr,
			NAME ": serving backend/console; logs in "
			     "%s/console\n",
			cd->logdir);
		say_ready();
		ret = run(core, cd->epfd);
	}
	xpv_backend_close(core);
	if (sfd >= 0)
		close(sfd);
	return ret;
}

static int parse_args(int argc, char **argv, struct consoled *cd)
{
	static const struct option opts[] = {
		{ "log-dir", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = getenv("XPV_LOGDIR");
	int opt;

	if (!dir || !*dir)
		dir = "/var/log/xpv";
	while ((opt = getopt_long(argc, argv, "l:h", opts, NULL)) != -1) {
		if (opt == 'l') {
			dir = optarg;
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: " NAME " [--log-dir DIR]\n");
			return opt == 'h' ? 1 : -EINVAL;
		}
	}
	if (optind != argc || strlen(dir) >= sizeof(cd->logdir)) {
		fprintf(stderr, "usage: " NAME " [--log-dir DIR]\n");
		return -EINVAL;
	}
	snprintf(cd->logdir, sizeof(cd->logdir), "%s", dir);
	return 0;
}

int main(int argc, char **argv)
{
	static struct consoled cd = { .epfd = -1 };
	char why[256];
	int ret = parse_args(argc, argv, &cd);

	if (ret)
		return ret > 0 ? 0 : 2;
	ret = hv_open(&cd.hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, NAME ": %s\n", why);
		return 1;
	}
	cd.epfd = epoll_create1(EPOLL_CLOEXEC);
	ret = cd.epfd < 0 ? -errno : serve(&cd);
	if (ret)
		fprintf(stderr, NAME ": %s\n", strerror(-ret));
	if (cd.epfd >= 0)
		close(cd.epfd);
	hv_close(cd.hv);
	return ret ? 1 : 0;
}
