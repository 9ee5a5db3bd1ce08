/*
 * console.c - `xpv console DOMAIN`, as xl console (Xen's
 * tools/console/client): the console daemon (xpv-consoled, or
 * xenconsoled on Xen) gives each domain's console a pty and writes its
 * path in /local/domain/N/console/tty; this opens it, puts our terminal
 * in raw mode and copies both ways until Ctrl-] (0x1d), which detaches
 * and leaves the domain running.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "toolstack/domains.h"
#include "toolstack/store.h"
#include "toolstack/util.h"

#define ESCAPE_CHAR 0x1d /* Ctrl-] */
#define TTY_TIMEOUT_MS 5000

/* The pty's path, once the console daemon has published it. */
static char *wait_tty(struct xpv *x, unsigned int domid)
{
	long long deadline = xpv_now_ms() + TTY_TIMEOUT_MS;
	char home[64], *tty;

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	for (;;) {
		tty = xpv_xs_read(xpv_xs(x), home, "console/tty");
		if (tty && !strncmp(tty, "/dev/pts/", 9))
			return tty;
		free(tty);
		if (xpv_now_ms() > deadline)
			return NULL;
		xpv_sleep_ms(20);
	}
}

static int write_all(int fd, const char *buf, ssize_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -errno;
		buf += w;
		n -= w;
	}
	return 0;
}

/* Copy until Ctrl-] on stdin, end of input, or the pty closing. */
static int relay(int tty)
{
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN },
			       { .fd = tty, .events = POLLIN } };
	char buf[4096];

	for (;;) {
		ssize_t n;
		char *esc;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents) {
			n = read(tty, buf, sizeof(buf));
			if (n <= 0)
				return 0; /* the domain's console went away */
			write_all(1, buf, n);
		}
		if (p[0].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0)
				return 0;
			esc = memchr(buf, ESCAPE_CHAR, n);
			if (esc)
				n = esc - buf;
			if (write_all(tty, buf, n) < 0)
				return 0;
			if (esc)
				return 0;
		}
	}
}

int xpv_cmd_console(struct xpv *x, int argc, char **argv)
{
	struct termios saved, raw;
	unsigned int domid;
	bool raw_mode = false;
	char *path;
	int tty, ret;

	while (xpv_getopt(argc, argv, "t:h", NULL, "console") != -1)
		;
	if (argc - optind != 1)
		return xpv_usage("console");
	if (xpv_domain_find(x, argv[optind], &domid))
		return 1;
	path = wait_tty(x, domid);
	if (!path) {
		xpv_err("domain %u has no console pty (console/tty); is "
			"xpv-consoled running? (xpv status)",
			domid);
		return 1;
	}
	tty = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0) {
		xpv_err("cannot open domain %u's console %s: %s", domid, path,
			strerror(errno));
		free(path);
		return 1;
	}
	free(path);
	if (isatty(0) && tcgetattr(0, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		raw_mode = tcsetattr(0, TCSAFLUSH, &raw) == 0;
	}
	ret = relay(tty);
	if (raw_mode)
		tcsetattr(0, TCSAFLUSH, &saved);
	close(tty);
	return ret ? 1 : 0;
}
