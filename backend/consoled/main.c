/*
 * main.c - xpv-consoled (consoled.h): the daemon around the consoles.
 *
 *   xpv-consoled [--log-dir DIR]
 *
 * It reaches xenstored through $XENSTORED_PATH and the hypervisor through
 * hv_open(); console logs go to DIR/console/ (DIR: --log-dir, else
 * $XPV_LOGDIR, else /var/log/xpv). The daemon skeleton (backend/daemon.h)
 * holds the epoll set, with the backend core's fd, a signalfd and each
 * console's event channel and pty: SIGTERM or SIGINT ends it. When
 * $XPV_READY_FD names an fd (xpv up), "READY\n" is written there once it
 * serves, and the fd closed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/consoled/consoled.h"
#include "backend/daemon.h"

#define NAME "xpv-consoled"

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

/* An event of a console's ring or pty: tag is its struct cons_fd. */
static void serve_event(void *opaque __attribute__((unused)), void *tag,
			uint32_t events __attribute__((unused)))
{
	consoled_serve(tag);
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
	const struct xpv_daemon_loop loop = { .event = serve_event };
	struct xpv_daemon d;
	int ret = parse_args(argc, argv, &cd);

	if (ret)
		return ret > 0 ? 0 : 2;
	if (xpv_daemon_open(&d, NAME))
		return 1;
	cd.hv = d.hv;
	cd.epfd = d.epfd;
	ret = xpv_backend_add_class(d.core, "console", &consoled_ops, &cd);
	if (!ret) {
		fprintf(stderr,
			NAME ": serving backend/console; logs in "
			     "%s/console\n",
			cd.logdir);
		say_ready();
		ret = xpv_daemon_run(&d, &loop);
	}
	return xpv_daemon_close(&d, ret);
}
