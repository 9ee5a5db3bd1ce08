/*
 * driver.c - dom0's side of hostile-world-guest (contract in driver.h).
 */
#include "tests/hostile-guest/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/tests/harness.h"

#define REPLY_MS 20000

static int read_line(struct hg *g)
{
	size_t n = 0;

	while (n < sizeof(g->line) - 1) {
		struct pollfd p = { .fd = g->out, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, REPLY_MS) != 1)
			return -ETIMEDOUT;
		r = read(g->out, g->line + n, 1);
		if (r <= 0)
			return -EPIPE;
		if (g->line[n] == '\n')
			break;
		n++;
	}
	g->line[n] = '\0';
	return 0;
}

int hg_cmd(struct hg *g, const char *fmt, ...)
{
	char buf[8192];
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(buf) - 1)
		return -E2BIG;
	buf[n++] = '\n';
	if (write(g->in, buf, (size_t)n) != n)
		return -EPIPE;
	err = read_line(g);
	if (err)
		return err;
	if (strncmp(g->line, "ok", 2) == 0)
		return 0;
	if (sscanf(g->line, "err %d", &n) == 1)
		return n;
	return -EPROTO;
}

long hg_field(const struct hg *g, int i)
{
	const char *p = g->line + 2;
	char *end;
	long v = 0;

	for (; i >= 0; i--) {
		v = strtol(p, &end, 10);
		p = end;
	}
	return v;
}

static long ino_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (long)st.st_ino : -1;
}

bool hg_guests_run(void)
{
	int sv[2], off = 0;
	bool ok;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	ok = setsockopt(sv[0], SOL_SOCKET, 83 /* SO_PASSRIGHTS */, &off,
			sizeof(off)) == 0;
	close(sv[0]);
	close(sv[1]);
	return ok;
}

int hg_need_root(void)
{
	if (geteuid() == 0)
		return 0;
	printf("skip: sim guests need root (namespaces, cgroups)\n");
	return 77;
}

int hg_main_start(struct hv **hv)
{
	char why[256];
	int err = hg_need_root();

	if (err)
		return err;
	if (!hg_guests_run()) {
		printf("skip: this kernel has no SO_PASSRIGHTS (Linux 6.16): "
		       "xpv-hv runs no guest\n");
		return 77;
	}
	err = harness_start();
	if (err) {
		printf("FAIL: starting xpv-hv: %s\n", strerror(-err));
		return 1;
	}
	err = hv_open(hv, why, sizeof(why));
	if (err) {
		printf("FAIL: hv_open: %s\n", why);
		return 1;
	}
	return 0;
}

int hg_main_finish(struct hv **hv, const struct test_case *cases,
		   unsigned int n)
{
	int r = harness_run(cases, n);

	if (hv) {
		hv_close(*hv);
		*hv = NULL;
	}
	return harness_finish() || r;
}

int hg_exec(struct hv *hv, struct hg *g, const struct hg_start *s, int in_fd,
	    int out_fd)
{
	const char *prog = s->program ? s->program : "hostile-world-guest";
	char *argv[] = { (char *)prog, NULL };
	int stdio[3] = { in_fd, out_fd, -1 };
	struct hv_exec x = { .path = harness_bin(prog),
			     .argv = argv,
			     .envp = s->envp,
			     .stdio = stdio,
			     .root = s->root,
			     .ro_dirs = s->ro_dirs,
			     .fuse = s->fuse };

	return hv_domain_exec(hv, g->id, &x);
}

int hg_start(struct hv *hv, struct hg *g, const struct hg_start *s)
{
	struct hv_domain_config cfg = { .domid = s->domid,
					.memory_kb = HG_MEMORY_KB,
					.vcpus = 1 };
	int in, out, err;

	memset(g, 0, sizeof(*g));
	g->in = g->out = -1;
	err = hv_domain_create(hv, &cfg, &g->id);
	REQUIRE(err == 0, "create: %s", strerror(-err));
	/* Never pipes: a guest could hold their mutex (hv.h). */
	REQUIRE(hv_stdio_pair(&g->in, &in) == 0 &&
			hv_stdio_pair(&g->out, &out) == 0,
		"stdio pairs");
	g->in_ino = ino_of(in);
	g->out_ino = ino_of(out);
	err = hg_exec(hv, g, s, in, out);
	close(in);
	close(out);
	REQUIRE(err == 0, "exec: %s", strerror(-err));
	if (s->paused)
		return 0;
	err = hv_domain_unpause(hv, g->id);
	REQUIRE(err == 0, "unpause: %s", strerror(-err));
	err = read_line(g);
	REQUIRE(err == 0 && strcmp(g->line, "ready") == 0,
		"guest did not start: %d %s", err, g->line);
	return 0;
}

void hg_stop(struct hv *hv, struct hg *g)
{
	if (g->id && hv_domain_destroy(hv, g->id) < 0)
		printf("    dom%u could not be destroyed\n", g->id);
	if (g->in >= 0)
		close(g->in);
	if (g->out >= 0)
		close(g->out);
	g->id = 0;
	g->in = g->out = -1;
}

int hg_cgroup_pids(hv_domid_t id, int *pids, int max)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int n = 0;
	FILE *f;

	harness_cgroup_dir("freezer", id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (n < max && fscanf(f, "%d", &pids[n]) == 1)
		n++;
	fclose(f);
	return n;
}

/* Whether pid runs: it exists and is no zombie. */
static bool runs(int pid)
{
	char path[64], buf[512], *close_paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	close_paren = strrchr(buf, ')');
	return close_paren && close_paren[1] == ' ' && close_paren[2] != 'Z';
}

int hg_alive(const int *pids, int n)
{
	int i, alive = 0;

	for (i = 0; i < n; i++)
		alive += runs(pids[i]);
	return alive;
}
