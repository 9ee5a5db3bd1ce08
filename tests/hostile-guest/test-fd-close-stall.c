/*
 * test-fd-close-stall - a guest hands xpv-hv (or dom0) a file whose close
 * never returns (docs/hv.md, "Security"; the guest is fd-stall-guest.c):
 *
 *   - a TCP socket with SO_LINGER {1, INT_MAX} and a FIN that cannot
 *     leave: the last close waits for ever (SIGTERM does not end the
 *     wait: xpv-hv reads its signals from a signalfd, so none is pending);
 *   - a file of the guest's own FUSE mount whose server never answers
 *     FLUSH: every close waits, and after SIGKILL uninterruptibly (D).
 *
 * The guest attaches each to a request on every AF_UNIX socket it holds
 * (its connections to xpv-hv, the doorbell of dom0's port it bound), and
 * parks each in a socket of its own that it gives xpv-hv with CLONE.
 * Every attempt must be refused by the kernel (the receiving ends refuse
 * files), xpv-hv must answer dom0 within PROBE_MS after each, and SIGTERM
 * must still end it within TERM_DEADLINE_MS with nothing left.
 *
 * Root only (namespaces, cgroups). Exit 0 pass, 77 skip, else fail.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"
#include "tests/hostile-guest/driver.h"

/* How long xpv-hv may take to answer dom0 after an attack: a deadline,
 * not a measurement (it answers in well under a millisecond). */
#define PROBE_MS 5000
/* The bound a SIGTERM must be acted on within (test-hv-restart's). */
#define TERM_DEADLINE_MS 3000

static struct hv *hv;
static struct hg tcp = { .in = -1, .out = -1 }, fuse = { .in = -1, .out = -1 };
static struct hv_evtchn *ev;

/* Whether a fresh dom0 process gets an answer from xpv-hv about domain
 * id within PROBE_MS. In a child, so that a daemon that never answers
 * cannot hold up the test. */
static bool answers(hv_domid_t id)
{
	struct hv_dominfo info;
	int status, waited;
	pid_t pid = fork();

	if (pid == 0) {
		struct hv *h;
		char why[256];

		alarm(PROBE_MS / 1000 + 5);
		_exit(hv_open(&h, why, sizeof(why)) == 0 &&
				      hv_domain_info(h, id, &info) == 0 ?
			      0 :
			      1);
	}
	if (pid < 0)
		return false;
	for (waited = 0; waited < PROBE_MS; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return false;
}

/* Bind the guest to a port of dom0's, so that it holds the sending end of
 * dom0's doorbell too. */
static int bind_to_dom0(struct hg *g)
{
	int port = hv_evtchn_alloc_unbound(ev, g->id);

	REQUIRE(port > 0, "alloc_unbound: %s", strerror(-port));
	REQUIRE(hg_cmd(g, "bind 0 %d", port) == 0, "bind: %s", g->line);
	return 0;
}

/* Give file fd of guest g away on every socket it holds: refused on each
 * (its first connection, its hv and event channel connections, dom0's
 * doorbell), and xpv-hv still answers. */
static int give_everywhere(struct hg *g, long fd, const char *keep)
{
	long sockets, sent, refused;

	REQUIRE(hg_cmd(g, "every %ld %s", fd, keep) == 0, "every: %s", g->line);
	sockets = hg_field(g, 0);
	sent = hg_field(g, 1);
	refused = hg_field(g, 2);
	printf("    %ld of its %ld unix sockets refused the file\n", refused,
	       sockets);
	REQUIRE(answers(g->id), "xpv-hv did not answer in %d ms", PROBE_MS);
	REQUIRE(sent == 0, "%ld sockets took the file: %s", sent, g->line);
	REQUIRE(refused >= 4, "refused on %ld sockets only: %s", refused,
		g->line);
	return 0;
}

/* Park file fd in a socket pair of the guest's and give one end to xpv-hv
 * with CLONE: refused too. */
static int give_parked(struct hg *g, long fd, const char *keep)
{
	REQUIRE(hg_cmd(g, "park %ld %s", fd, keep) == 0, "park: %s", g->line);
	REQUIRE(hg_field(g, 0) == -EPERM, "CLONE with a socket: %ld",
		hg_field(g, 0));
	REQUIRE(answers(g->id), "xpv-hv did not answer in %d ms", PROBE_MS);
	return 0;
}

static int t_linger(void)
{
	struct hg_start s = { .program = "fd-stall-guest" };
	long fd;

	REQUIRE(hg_start(hv, &tcp, &s) == 0, "starting the guest");
	if (bind_to_dom0(&tcp))
		return 1;
	REQUIRE(hg_cmd(&tcp, "linger") == 0, "linger: %s", tcp.line);
	/* Dropped: a receiver's close would be the last. */
	if (give_everywhere(&tcp, hg_field(&tcp, 0), "drop"))
		return 1;
	REQUIRE(hg_cmd(&tcp, "linger") == 0, "linger: %s", tcp.line);
	fd = hg_field(&tcp, 0);
	return give_parked(&tcp, fd, "drop");
}

static int t_fuse(void)
{
	struct hg_start s = { .program = "fd-stall-guest", .fuse = true };
	long fd;

	REQUIRE(hg_start(hv, &fuse, &s) == 0, "starting the guest");
	if (bind_to_dom0(&fuse))
		return 1;
	REQUIRE(hg_cmd(&fuse, "fuse") == 0, "fuse: %s", fuse.line);
	fd = hg_field(&fuse, 0);
	/* Kept: FLUSH comes at every close, not only the last. */
	if (give_everywhere(&fuse, fd, "keep"))
		return 1;
	return give_parked(&fuse, fd, "keep");
}

/* Both guests still hold their files (the FUSE server holding its
 * FLUSHes): SIGTERM ends xpv-hv in time, and their processes go. */
static int t_sigterm(void)
{
	int pids[256], n = 0, st;
	long long ms = 0;

	if (tcp.id)
		n += hg_cgroup_pids(tcp.id, pids + n, 128);
	if (fuse.id)
		n += hg_cgroup_pids(fuse.id, pids + n, 128);
	hv_evtchn_close(ev);
	ev = NULL;
	hv_close(hv);
	hv = NULL;
	st = harness_signal(SIGTERM, &ms);
	printf("    xpv-hv ended %lld ms after SIGTERM\n", ms);
	tcp.id = fuse.id = 0; /* gone with their hypervisor */
	hg_stop(NULL, &tcp);
	hg_stop(NULL, &fuse);
	REQUIRE(WIFEXITED(st) && WEXITSTATUS(st) == 0, "xpv-hv's status 0x%x",
		st);
	REQUIRE(ms <= TERM_DEADLINE_MS, "SIGTERM took %lld ms", ms);
	REQUIRE(n >= 4, "the guests' processes: %d", n);
	REQUIRE(hg_alive(pids, n) == 0, "%d of their %d processes remain",
		hg_alive(pids, n), n);
	return 0;
}

static const struct test_case cases[] = {
	{ "a lingering TCP socket: refused on every socket, and parked",
	  t_linger, true },
	{ "a file of its own FUSE mount: refused on every socket, and parked",
	  t_fuse, true },
	{ "SIGTERM ends xpv-hv in time with both guests holding their files",
	  t_sigterm, true },
};

int main(void)
{
	int r = hg_main_start(&hv);

	if (r)
		return r;
	ev = hv_evtchn_open(hv);
	if (!ev) {
		printf("FAIL: hv_evtchn_open: %s\n", strerror(errno));
		return 1;
	}
	return hg_main_finish(&hv, cases, sizeof(cases) / sizeof(cases[0]));
}
