/*
 * test-evtchn-stall.c - no guest can stall xpv-hv, a dom0 program or
 * xpv-xenstored through an event channel (run by test-evtchn-stall.sh,
 * which starts a private xpv-hv and xpv-xenstored; this process is dom0).
 *
 * Each attack is run by a real guest (evtchn-stall-guest) on the ends it
 * holds: O_NONBLOCK cleared, buffers filled, the stream shut down, urgent
 * data, an fd passed, its doorbell never read. On eventfd ports (before)
 * each of these stalled its victim for good. After each attack the
 * victims must answer within a deadline: a dom0 notify loop, a fresh
 * request to xpv-hv, a libxenstore write and read through xpv-xenstored.
 * The deadline is a bound on "never", not a timing: each runs in a child
 * process that is killed if it has not finished by then.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "tests/lib/check.h"
#include "tests/lib/domain.h"

/* "Still answers" means within this; a stalled victim never does. */
#define DEADLINE_MS 5000
#define NOTIFIES 10000

struct guest {
	hv_domid_t domid;
	int cmd; /* its stdin */
	int out; /* its stdout */
	char line[256];
};

static struct hv *hv;
static const char *guest_bin, *log_dir;
static bool refuses_fds;

/* --- Deadlines ------------------------------------------------------------ */

/*
 * Run fn(arg) in a child process: 0 when it returned 0 within
 * DEADLINE_MS, -ETIMEDOUT when it had to be killed, else -EIO.
 */
static int within_deadline(int (*fn)(void *), void *arg)
{
	long long end = check_now_ms() + DEADLINE_MS;
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(arg) == 0 ? 0 : 1);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (check_now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -ETIMEDOUT;
		}
		usleep(5000);
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

static const char *outcome(int r)
{
	return r == -ETIMEDOUT ? "stalled (killed after the deadline)" :
				 "failed";
}

/* A fresh connection to xpv-hv is answered. */
static int hv_answers(__attribute__((unused)) void *arg)
{
	struct hv_dominfo info;
	struct hv *h;
	int err = hv_open(&h, NULL, 0);

	if (err)
		return err;
	err = hv_domain_info(h, 0, &info);
	hv_close(h);
	return err;
}

/* A fresh libxenstore client writes and reads through xpv-xenstored. */
static int xenstored_answers(__attribute__((unused)) void *arg)
{
	struct xs_handle *xs = xs_open(0);
	char *got;
	int ok;

	if (!xs)
		return -errno;
	ok = xs_write(xs, XBT_NULL, "/evtchn-stall", "alive", 5);
	got = ok ? xs_read(xs, XBT_NULL, "/evtchn-stall", NULL) : NULL;
	ok = got && !strcmp(got, "alive");
	free(got);
	xs_close(xs);
	return ok ? 0 : -EIO;
}

/* A stalled victim would stall every step after this one: stop here. */
static void victims_answer(const char *attack, const char *after,
			   bool xenstored)
{
	char name[200];
	int r;

	snprintf(name, sizeof(name), "%s, %s: xpv-hv still answers", attack,
		 after);
	r = within_deadline(hv_answers, NULL);
	check(name, r == 0, "%s", outcome(r));
	if (!r && xenstored) {
		snprintf(name, sizeof(name),
			 "%s, %s: xpv-xenstored still answers", attack, after);
		r = within_deadline(xenstored_answers, NULL);
		check(name, r == 0, "%s", outcome(r));
	}
	if (r)
		exit(1);
}

/* --- Guests --------------------------------------------------------------- */

/* One line from the guest within the deadline; false on time-out. */
static bool read_line(struct guest *g)
{
	long long end = check_now_ms() + DEADLINE_MS;
	size_t n = 0;
	char c;

	for (;;) {
		struct pollfd p = { .fd = g->out, .events = POLLIN };
		long long left = end - check_now_ms();

		if (left <= 0 || poll(&p, 1, (int)left) != 1 ||
		    read(g->out, &c, 1) != 1)
			return false;
		if (c == '\n' || n == sizeof(g->line) - 1)
			break;
		g->line[n++] = c;
	}
	g->line[n] = '\0';
	return true;
}

/* Send a command; true when the guest answered "ok" (the rest of its
 * answer in g->line). */
static bool cmd(struct guest *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool cmd(struct guest *g, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(g->cmd, buf, (size_t)n) != n || !read_line(g))
		return false;
	if (strncmp(g->line, "ok", 2) != 0)
		return false;
	memmove(g->line, g->line + (g->line[2] ? 3 : 2),
		strlen(g->line) + 1 - (g->line[2] ? 3 : 2));
	return true;
}

static void start_guest(struct guest *g, struct xs_handle *xs)
{
	char *argv[] = { "evtchn-stall-guest", NULL };
	int in[2], out[2], fds[3];
	char log[512];

	snprintf(log, sizeof(log), "%s/evtchn-stall-guest.log", log_dir);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		check_fatal("pipe", errno);
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	g->domid = test_domain_exec(hv, guest_bin, argv, fds);
	close(in[0]);
	close(out[1]);
	close(fds[2]);
	g->cmd = in[1];
	g->out = out[0];
	if (xs) {
		test_domain_home(xs, g->domid);
		test_domain_introduce(hv, xs, g->domid);
	}
	if (hv_domain_unpause(hv, g->domid) < 0)
		check_fatal("unpausing the guest", EIO);
	if (!read_line(g) || strcmp(g->line, "ok ready") != 0)
		check_fatal("starting the guest", EIO);
}

static void stop_guest(struct guest *g, struct xs_handle *xs)
{
	if (xs)
		xs_release_domain(xs, g->domid);
	check("the attacker is destroyed", hv_domain_destroy(hv, g->domid) == 0,
	      NULL);
	close(g->cmd);
	close(g->out);
}

/* The guest poisons every end it holds; no fd may get through. */
static void poison(struct guest *g, const char *what)
{
	unsigned int sockets = 0, eventfds = 0, passed = 0;
	char name[160];
	bool ok = cmd(g, "poison") && sscanf(g->line, "%u %u %u", &sockets,
					     &eventfds, &passed) == 3;

	snprintf(name, sizeof(name), "%s: the guest poisons its ends", what);
	check(name, ok && sockets + eventfds > 0, "%s", g->line);
	if (!refuses_fds)
		return;
	snprintf(name, sizeof(name), "%s: no fd passes through a doorbell",
		 what);
	check(name, passed == 0, "%u went through", passed);
}

/* --- xpv-hv: a loopback channel -------------------------------------------- */

/*
 * The guest binds two ports of its own to each other, poisons both ends,
 * then unbinds one (xpv-hv kicks the other) and closes the handle (xpv-hv
 * closes the other). With eventfds, xpv-hv blocked in write() for good.
 */
static void loopback(const char *how)
{
	struct guest g;
	unsigned int a, b;
	char what[64];
	bool ok;

	snprintf(what, sizeof(what), "loopback, %s", how);
	start_guest(&g, NULL);
	ok = cmd(&g, "loopback") && sscanf(g.line, "%u %u", &a, &b) == 2;
	check("loopback: the guest binds two of its ports", ok, "%s", g.line);
	if (!strcmp(how, "shut down"))
		ok = cmd(&g, "shutdown");
	else
		poison(&g, what);
	/* Whether the guest hears back is its own affair. */
	cmd(&g, "unbind %u", b);
	victims_answer(what, "one end unbound", false);
	cmd(&g, "close");
	victims_answer(what, "closed", false);
	stop_guest(&g, NULL);
	victims_answer(what, "destroyed", false);
}

/* --- dom0: a notifier ---------------------------------------------------- */

struct notifier {
	struct hv_evtchn *ev;
	hv_port_t port;
};

static int notify_many(void *arg)
{
	struct notifier *n = arg;
	int i, err;

	for (i = 0; i < NOTIFIES; i++) {
		err = hv_evtchn_notify(n->ev, n->port);
		if (err)
			return err;
	}
	return 0;
}

/* Take what has fired; how many ports were reported. */
static int drain(struct hv_evtchn *ev)
{
	int port, n = 0;

	while ((port = hv_evtchn_pending(ev)) >= 0) {
		if (hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
			return -1;
		n++;
	}
	return n;
}

static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* A guest that shut its end down: the port is reported at most once,
 * then dom0's event fd goes quiet (no busy loop). */
static void after_shutdown(struct notifier *n)
{
	int fd = hv_evtchn_fd(n->ev), reported;

	readable(fd, 200);
	reported = drain(n->ev);
	check("dom0 notifier, shut down: reported at most once", reported <= 1,
	      "%d times", reported);
	check("dom0 notifier, shut down: dom0's event fd goes quiet",
	      !readable(fd, 200), "still readable");
}

static void dom0_notifier(void)
{
	struct notifier n = { .ev = hv_evtchn_open(hv) };
	struct guest g;
	int p, r;

	if (!n.ev)
		check_fatal("hv_evtchn_open", errno);
	start_guest(&g, NULL);
	p = hv_evtchn_alloc_unbound(n.ev, g.domid);
	check("dom0 notifier: dom0 offers a port", p > 0, "%d", p);
	n.port = (hv_port_t)p;
	check("dom0 notifier: the guest binds it", cmd(&g, "bind %d", p), "%s",
	      g.line);
	r = hv_evtchn_notify(n.ev, n.port);
	check("dom0 notifier: dom0 notifies the guest", r == 0, "%d", r);
	poison(&g, "dom0 notifier");
	r = within_deadline(notify_many, &n);
	check("dom0 notifier, poisoned: 10000 notifies return", r == 0, "%s",
	      outcome(r));
	drain(n.ev);
	check("dom0 notifier, shut down: the guest shuts its ends",
	      cmd(&g, "shutdown"), "%s", g.line);
	r = within_deadline(notify_many, &n);
	check("dom0 notifier, shut down: 10000 notifies return", r == 0, "%s",
	      outcome(r));
	after_shutdown(&n);
	r = hv_evtchn_unbind(n.ev, n.port);
	check("dom0 notifier: dom0 unbinds", r == 0, "%d", r);
	victims_answer("dom0 notifier", "unbound", false);
	hv_evtchn_close(n.ev);
	stop_guest(&g, NULL);
	victims_answer("dom0 notifier", "guest destroyed", false);
}

/* --- xpv-xenstored: the store port and a request --------------------------- */

/*
 * The guest poisons the ends of its store port, then puts a request on
 * its ring and notifies: xenstored answers on the ring and notifies back.
 * With eventfds, xenstored blocked in that notify and served no one.
 */
static void xenstored(struct xs_handle *xs, const char *how)
{
	struct guest g;
	char what[64];

	snprintf(what, sizeof(what), "xenstored, %s", how);
	start_guest(&g, xs);
	check("xenstored: the guest attaches its store port", cmd(&g, "store"),
	      "%s", g.line);
	if (!strcmp(how, "shut down"))
		check("xenstored: the guest shuts its ends",
		      cmd(&g, "shutdown"), "%s", g.line);
	else
		poison(&g, what);
	cmd(&g, "storereq");
	victims_answer(what, "a request", true);
	cmd(&g, "storereq");
	victims_answer(what, "another", true);
	stop_guest(&g, xs);
	victims_answer(what, "destroyed", true);
}

static bool kernel_refuses_fds(void)
{
	int sv[2], off = 0;
	bool ok;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	/* SO_PASSRIGHTS, Linux 6.16 */
	ok = setsockopt(sv[0], SOL_SOCKET, 83, &off, sizeof(off)) == 0;
	close(sv[0]);
	close(sv[1]);
	return ok;
}

int main(int argc, char **argv)
{
	struct xs_handle *xs;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s GUEST-PROGRAM LOG-DIR\n", argv[0]);
		return 2;
	}
	guest_bin = argv[1];
	log_dir = argv[2];
	signal(SIGPIPE, SIG_IGN);
	refuses_fds = kernel_refuses_fds();
	if (!refuses_fds)
		printf("note: this kernel cannot refuse fds on a socket "
		       "(SO_PASSRIGHTS, Linux 6.16); that attack is not "
		       "checked\n");
	err = hv_open(&hv, NULL, 0);
	if (err)
		check_fatal("hv_open", -err);
	xs = xs_open(0);
	if (!xs)
		check_fatal("xs_open", errno);
	loopback("poisoned");
	loopback("shut down");
	dom0_notifier();
	xenstored(xs, "poisoned");
	xenstored(xs, "shut down");
	xs_close(xs);
	hv_close(hv);
	printf("%d failed\n", check_failures);
	return check_failures ? 1 : 0;
}
