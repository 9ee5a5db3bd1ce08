/*
 * test-stdio-stall - a guest makes its stdout write wait in a page fault
 * it controls (a page of its own FUSE file whose READ its server holds;
 * the guest is fd-stall-guest.c). On a pipe the writer holds the pipe's
 * mutex across that fault, and dom0's read of the other end, even a
 * non-blocking one, waits for it uninterruptibly (D state) as long as the
 * guest likes. dom0's ends are hv_stdio_pair's (docs/hv.md, "Security"):
 * a socket's sender copies before it takes any lock of the receiver.
 *
 *   - while a child of the guest is stuck in such a write, the guest's
 *     own answer on the same stdout still reaches dom0;
 *   - a non-blocking read by dom0 returns within READ_MS;
 *   - the guest answers again afterwards.
 *
 * Root only (namespaces, cgroups). Exit 0 pass, 77 skip, else fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"
#include "tests/hostile-guest/driver.h"

/* How long a non-blocking read may take: a deadline, not a measurement
 * (it takes microseconds; on a pipe it takes as long as the guest likes). */
#define READ_MS 5000

static struct hv *hv;

/* Whether a non-blocking read of fd returns within READ_MS. In a child:
 * one stuck on a pipe's mutex cannot be killed (the guest's destroy frees
 * it, hg_stop). */
static bool read_returns(int fd)
{
	int status, waited;
	pid_t pid = fork();

	if (pid == 0) {
		char buf[8192];

		fcntl(fd, F_SETFL, O_NONBLOCK);
		_exit(read(fd, buf, sizeof(buf)) >= 0 || errno == EAGAIN ? 0 :
									   1);
	}
	if (pid < 0)
		return false;
	for (waited = 0; waited < READ_MS; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0;
		usleep(10000);
	}
	return false; /* reaped by the SIGCHLD default once freed */
}

static int t_fault_write(void)
{
	struct hg g = { .in = -1, .out = -1 };
	struct hg_start s = { .program = "fd-stall-guest", .fuse = true };
	int r = 1;

	if (hg_start(hv, &g, &s))
		goto out;
	if (hg_cmd(&g, "faultwrite") != 0) {
		printf("    its answer with a writer stuck: %s\n", g.line);
		goto out;
	}
	if (!read_returns(g.out)) {
		printf("    dom0's non-blocking read did not return in %d ms\n",
		       READ_MS);
		goto out;
	}
	if (hg_cmd(&g, "ping") != 0) {
		printf("    no answer afterwards: %s\n", g.line);
		goto out;
	}
	r = 0;
out:
	hg_stop(hv, &g);
	return r;
}

static const struct test_case cases[] = {
	{ "a guest's stdout write stuck in a fault it controls stalls no "
	  "dom0 reader",
	  t_fault_write, true },
};

int main(void)
{
	int r = hg_main_start(&hv);

	if (r)
		return r;
	return hg_main_finish(&hv, cases, sizeof(cases) / sizeof(cases[0]));
}
