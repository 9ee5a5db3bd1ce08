/*
 * test-backend-daemon.c - the daemon skeleton (backend/daemon.h) against a
 * real xpv-hv and xpv-xenstored (started by test-backend-daemon.sh, which
 * sets $XENSTORED_PATH and $XPV_RUNDIR).
 *
 * Each case runs the real loop until what it checks has happened and the
 * case sends itself SIGTERM, which must end the run with 0; a loop that
 * blocked where it must not is ended by alarm() (the test then fails).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <xenstore.h>

#include "backend/daemon.h"
#include "tests/lib/check.h"

#define NAME "test-backend-daemon"
#define CLASS "dtest"
#define DOMID 5
#define BE_DIR "/local/domain/0/backend/" CLASS "/5/0"
#define FE_DIR "/local/domain/5/device/" CLASS "/0"
#define CASE_SECONDS 20

/* What the loop and the core called, in order: "event probe ...". */
static char trail[256];
static int efd = -1;
static int busy_calls;

static void note(const char *what)
{
	size_t len = strlen(trail);

	snprintf(trail + len, sizeof(trail) - len, "%s%s", len ? " " : "",
		 what);
}

static void stop_soon(void)
{
	kill(getpid(), SIGTERM); /* blocked: it goes to the signalfd */
}

static int t_probe(struct xpv_backend_dev *dev __attribute__((unused)))
{
	note("probe");
	stop_soon();
	return 0;
}

static int t_connect(struct xpv_backend_dev *dev __attribute__((unused)))
{
	return -EAGAIN;
}

static void t_nothing(struct xpv_backend_dev *dev __attribute__((unused)))
{
}

static const struct xpv_backend_ops ops = {
	.probe = t_probe,
	.connect = t_connect,
	.disconnect = t_nothing,
	.remove = t_nothing,
	.hotplug = XPV_HOTPLUG_NONE,
};

static void on_event(void *opaque, void *tag,
		     uint32_t events __attribute__((unused)))
{
	uint64_t v;

	note(tag == opaque ? "event" : "stranger");
	if (read(efd, &v, sizeof(v)) < 0)
		note("unreadable");
}

static void on_dispatched(void *opaque __attribute__((unused)))
{
	note("dispatched");
}

/* Work left for three batches, then stop. */
static bool on_busy(void *opaque __attribute__((unused)))
{
	if (++busy_calls < 3)
		return true;
	stop_soon();
	return false;
}

static void write_node(struct xs_handle *xs, const char *path,
		       const char *value)
{
	if (!xs_write(xs, XBT_NULL, path, value, (unsigned int)strlen(value)))
		check_fatal(path, errno);
}

/* A device the core will probe: the toolstack's keys and a frontend. */
static void add_device(void)
{
	struct xs_handle *xs = xs_open(0);

	if (!xs)
		check_fatal("xs_open", errno);
	write_node(xs, FE_DIR "/state", "1");
	write_node(xs, BE_DIR "/frontend", FE_DIR);
	write_node(xs, BE_DIR "/frontend-id", "5");
	write_node(xs, BE_DIR "/online", "1");
	write_node(xs, BE_DIR "/state", "1");
	xs_close(xs);
}

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, CASE_SECONDS * 1000) == 1;
}

static void case_no_xenstored(void)
{
	const char *path = getenv("XENSTORED_PATH");
	char *saved = strdup(path ? path : "");
	struct xpv_daemon d;
	int ret;

	setenv("XENSTORED_PATH", "/nonexistent/xs.sock", 1);
	ret = xpv_daemon_open(&d, NAME);
	setenv("XENSTORED_PATH", saved, 1);
	free(saved);
	EXPECT(ret < 0, "open without xenstored: %d", ret);
	EXPECT(d.core == NULL && d.epfd == -1 && d.hv == NULL,
	       "left open: core %p epfd %d hv %p", (void *)d.core, d.epfd,
	       (void *)d.hv);
}

/* The core's fd is readable before ours, so it comes first in the batch
 * (epoll hands ready fds out in the order they became ready); ours is
 * handled first all the same, then the core, then dispatched. */
static void case_core_last(void)
{
	static int tag;
	struct xpv_daemon_loop loop = { .event = on_event,
					.dispatched = on_dispatched,
					.opaque = &tag };
	struct xpv_daemon d;
	int ret;

	if (xpv_daemon_open(&d, NAME))
		check_fatal("xpv_daemon_open", EIO);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0 || xpv_daemon_watch(&d, efd, &tag))
		check_fatal("eventfd", errno);
	add_device();
	if (xpv_backend_add_class(d.core, CLASS, &ops, NULL))
		check_fatal("xpv_backend_add_class", EIO);
	CHECK(readable(xpv_backend_fd(d.core)));
	if (write(efd, &(uint64_t){ 1 }, 8) != 8)
		check_fatal("eventfd write", errno);
	trail[0] = '\0';
	alarm(CASE_SECONDS);
	ret = xpv_daemon_run(&d, &loop);
	alarm(0);
	EXPECT(ret == 0, "run: %d", ret);
	EXPECT(!strcmp(trail, "event probe dispatched"), "order: %s", trail);
	EXPECT(xpv_daemon_close(&d, 0) == 0, "exit status");
	close(efd);
	efd = -1;
}

/* After one event, busy says work is left: the waits after it must not
 * block (nothing else is ready), and busy is asked after every batch. The
 * signal of the earlier run was consumed: this one does not end at once. */
static void case_busy(void)
{
	static int tag;
	struct xpv_daemon_loop loop = { .event = on_event,
					.busy = on_busy,
					.opaque = &tag };
	struct xpv_daemon d;
	int ret;

	if (xpv_daemon_open(&d, NAME))
		check_fatal("xpv_daemon_open", EIO);
	efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0 || xpv_daemon_watch(&d, efd, &tag))
		check_fatal("eventfd", errno);
	trail[0] = '\0';
	busy_calls = 0;
	alarm(CASE_SECONDS);
	ret = xpv_daemon_run(&d, &loop);
	alarm(0);
	EXPECT(ret == 0, "run: %d", ret);
	EXPECT(busy_calls == 3, "busy asked %d times", busy_calls);
	EXPECT(!strcmp(trail, "event"), "events: %s", trail);
	EXPECT(xpv_daemon_close(&d, -EIO) == 1, "exit status after -EIO");
	close(efd);
	efd = -1;
}

int main(void)
{
	check_case("open without xenstored fails, all closed",
		   case_no_xenstored);
	check_case("the daemon's events first, then the core, then dispatched",
		   case_core_last);
	check_case("busy: the wait does not block while work is left",
		   case_busy);
	return check_done();
}
