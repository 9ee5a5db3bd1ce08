/*
 * harness.c - a private xpv-hv per test program, and the case runner.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/tests/harness.h"

static pid_t hv_pid;
static pid_t owner; /* forked children must not stop the daemon */
static char rundir[PATH_MAX];

bool harness_xen(void)
{
	const char *p = getenv("XPV_PLATFORM");

	return p && strcmp(p, "xen") == 0;
}

const char *harness_bin(const char *name)
{
	static char path[PATH_MAX];
	const char *bin = getenv("BIN");
	char self[PATH_MAX];
	ssize_t n;

	if (bin && *bin) {
		snprintf(path, sizeof(path), "%s/%s", bin, name);
		return path;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return name;
	self[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dirname(self), name);
	return path;
}

void harness_cgroup_dir(const char *ctrl, unsigned int id, char *buf,
			size_t len)
{
	char real[PATH_MAX];
	const char *s;
	uint32_t h = 2166136261u;

	if (!realpath(rundir, real))
		snprintf(real, sizeof(real), "%s", rundir);
	for (s = real; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	snprintf(buf, len, "/sys/fs/cgroup/%s/xpv/%08x/dom%u", ctrl, h, id);
}

pid_t harness_hv_pid(void)
{
	return hv_pid;
}

const char *harness_rundir(void)
{
	return rundir;
}

static bool can_connect(const char *sock)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	bool ok;

	if (strlen(sock) >= sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void rm_rundir(void)
{
	char cmd[PATH_MAX + 16];

	if (!rundir[0] || strncmp(rundir, "/tmp/", 5) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", rundir);
}

/* Stop xpv-hv; its exit status, or -1 when it had to be killed. */
static int stop_hv(void)
{
	int i, st = 0;

	if (hv_pid <= 0)
		return 0;
	kill(hv_pid, SIGTERM);
	for (i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(hv_pid, &st, WNOHANG) == hv_pid)
			break;
		nanosleep(&ts, NULL);
	}
	if (i == 500) {
		kill(hv_pid, SIGKILL);
		waitpid(hv_pid, &st, 0);
		st = -1;
	}
	hv_pid = 0;
	return st;
}

void harness_stop(void)
{
	if (getpid() != owner)
		return;
	stop_hv();
	rm_rundir();
	rundir[0] = '\0';
}

int harness_finish(void)
{
	char cmd[PATH_MAX + 64];
	int st;

	if (harness_xen() || getpid() != owner)
		return 0;
	st = stop_hv();
	if (st != 0) {
		/* A sanitizer report or a crash of the daemon fails the test. */
		printf("xpv-hv did not exit cleanly (status 0x%x); its log:\n",
		       st);
		fflush(stdout);
		snprintf(cmd, sizeof(cmd), "tail -n 40 '%s/hv.log'", rundir);
		if (system(cmd) != 0)
			printf("(no log)\n");
	}
	harness_stop();
	return st != 0;
}

static void on_signal(int sig)
{
	harness_stop();
	signal(sig, SIG_DFL);
	raise(sig);
}

#define MAX_EXTRA 8

static pid_t spawn_hv(char *const extra[])
{
	char log[PATH_MAX + 16], *argv[5 + MAX_EXTRA] = { 0 };
	const char *hv = harness_bin("xpv-hv");
	unsigned int i, n = 0;
	pid_t pid;

	argv[n++] = (char *)hv;
	argv[n++] = "--foreground";
	argv[n++] = "--rundir";
	argv[n++] = rundir;
	for (i = 0; extra && extra[i] && i < MAX_EXTRA; i++)
		argv[n++] = extra[i];
	fflush(NULL);
	pid = fork();
	if (pid != 0)
		return pid;
	/* Appended: a restarted xpv-hv's log follows its predecessor's. */
	snprintf(log, sizeof(log), "%s/hv.log", rundir);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd >= 0)
		dup2(fd, 2);
	/* A test that crashes must not leave its hypervisor behind. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	execv(hv, argv);
	_exit(127);
}

int harness_spawn(char *const extra[])
{
	char sock[PATH_MAX + 16];
	int i;

	hv_pid = spawn_hv(extra);
	if (hv_pid < 0)
		return -errno;
	snprintf(sock, sizeof(sock), "%s/hv.sock", rundir);
	for (i = 0; i < 500; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (can_connect(sock))
			return 0;
		if (waitpid(hv_pid, NULL, WNOHANG) == hv_pid) {
			hv_pid = 0;
			return -ECHILD;
		}
		nanosleep(&ts, NULL);
	}
	return -ETIMEDOUT;
}

int harness_signal(int sig, long long *ms)
{
	struct timespec t0, t1;
	int st = -1, i;

	if (hv_pid <= 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(hv_pid, sig);
	for (i = 0; i < 1000; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		if (waitpid(hv_pid, &st, WNOHANG) == hv_pid)
			break;
		nanosleep(&ts, NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (i == 1000) {
		kill(hv_pid, SIGKILL);
		waitpid(hv_pid, &st, 0);
	}
	if (ms)
		*ms = (t1.tv_sec - t0.tv_sec) * 1000LL +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000;
	hv_pid = 0;
	return st;
}

int harness_start(void)
{
	return harness_start_args(NULL);
}

int harness_start_args(char *const extra[])
{
	if (harness_xen())
		return 0;
	owner = getpid();
	snprintf(rundir, sizeof(rundir), "/tmp/xpv-hv-test.XXXXXX");
	if (!mkdtemp(rundir))
		return -errno;
	chmod(rundir, 0755);
	setenv("XPV_RUNDIR", rundir, 1);
	unsetenv("XPV_HV_FD");
	atexit(harness_stop);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	return harness_spawn(extra);
}

int harness_run(const struct test_case *cases, unsigned int n)
{
	unsigned int i, failed = 0, skipped = 0;

	for (i = 0; i < n; i++) {
		int r;

		if (cases[i].sim_only && harness_xen()) {
			printf("skip - %s (sim only)\n", cases[i].name);
			skipped++;
			continue;
		}
		fflush(stdout);
		r = cases[i].fn();
		if (r == 77) {
			printf("skip - %s\n", cases[i].name);
			skipped++;
			continue;
		}
		check(cases[i].name, r == 0, NULL);
		failed += r != 0;
	}
	printf("%u cases: %u passed, %u failed, %u skipped\n", n,
	       n - failed - skipped, failed, skipped);
	return check_failures ? 1 : 0;
}
