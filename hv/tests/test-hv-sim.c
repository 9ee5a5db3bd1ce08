/*
 * test-hv-sim - the multi-domain cases of the sim platform, with real
 * processes: a private xpv-hv, guests created with hv_domain_create and
 * started with hv_domain_exec of hv-test-guest (guest.c), which obeys
 * commands on its stdin. This process is dom0.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/sim/daemon.h" /* SIM_MAX_CONNS, HVD_LOG_BURST */
#include "hv/sim/proto.h"
#include "hv/tests/harness.h"
#include "tests/lib/console.h"

/* How long an answer that should come at once may take: only a failure
 * waits this long, so it is generous (two loaded CPUs, sanitizers). */
#define REPLY_WAIT_MS 30000

static struct hv *hv;

struct guest {
	hv_domid_t id;
	int in; /* the guest's stdin */
	int out; /* the guest's stdout */
	char line[512];
};

/* One line from the guest (within REPLY_WAIT_MS), without its newline. */
static int read_line(struct guest *g)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { .fd = g->out, .events = POLLIN };
		char c;

		if (poll(&p, 1, REPLY_WAIT_MS) != 1)
			return -ETIMEDOUT;
		if (read(g->out, &c, 1) != 1)
			return -EPIPE;
		if (c == '\n' || n == sizeof(g->line) - 1)
			break;
		g->line[n++] = c;
	}
	g->line[n] = '\0';
	return 0;
}

/* Send a command; returns 0 ("ok", the rest in g->line) or the guest's
 * negative errno ("err N"), or a transport error. */
static int cmd(struct guest *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int cmd(struct guest *g, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n, err;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	buf[n++] = '\n';
	if (write(g->in, buf, (size_t)n) != n)
		return -EPIPE;
	err = read_line(g);
	if (err)
		return err;
	if (strncmp(g->line, "ok", 2) == 0) {
		memmove(g->line, g->line + (g->line[2] ? 3 : 2),
			strlen(g->line) + 1 - (g->line[2] ? 3 : 2));
		return 0;
	}
	if (sscanf(g->line, "err %d", &n) == 1)
		return n;
	return -EPROTO;
}

/* The number the guest answered. */
static long num(const struct guest *g)
{
	return strtol(g->line, NULL, 10);
}

/* Start `program` (hv-test-guest or a copy of it) as a new domain's init. */
static int start_guest_program(struct guest *g, uint64_t kb,
			       const char *program)
{
	struct hv_domain_config cfg = { .memory_kb = kb, .vcpus = 1 };
	char path[PATH_MAX];
	char *argv[] = { "hv-test-guest", NULL };
	int in[2], out[2], fds[3], err;

	memset(g, 0, sizeof(*g));
	err = hv_domain_create(hv, &cfg, &g->id);
	REQUIRE(err == 0, "create: %s", strerror(-err));
	REQUIRE(hv_stdio_pair(&in[1], &in[0]) == 0 &&
			hv_stdio_pair(&out[0], &out[1]) == 0,
		"stdio pairs");
	fds[0] = in[0];
	fds[1] = out[1];
	fds[2] = test_console("    guest: ");
	snprintf(path, sizeof(path), "%s", program);
	err = hv_domain_exec(
		hv, g->id,
		&(struct hv_exec){ .path = path, .argv = argv, .stdio = fds });
	close(in[0]);
	close(out[1]);
	if (fds[2] >= 0)
		close(fds[2]);
	g->in = in[1];
	g->out = out[0];
	REQUIRE(err == 0, "exec: %s", strerror(-err));
	err = hv_domain_unpause(hv, g->id);
	REQUIRE(err == 0, "unpause: %s", strerror(-err));
	err = read_line(g);
	REQUIRE(err == 0 && strcmp(g->line, "ready") == 0,
		"guest did not start: %d %s", err, g->line);
	return 0;
}

static int start_guest(struct guest *g, uint64_t kb)
{
	return start_guest_program(g, kb, harness_bin("hv-test-guest"));
}

static void stop_guest(struct guest *g)
{
	if (!g->id)
		return;
	if (hv_domain_destroy(hv, g->id) < 0)
		printf("    dom%u could not be destroyed\n", g->id);
	close(g->in);
	close(g->out);
	g->id = 0;
}

static bool fires(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Most cases need one or two guests; they are made fresh per case. */
static struct guest ga, gb;

static int two_guests(void)
{
	if (start_guest(&ga, 16384))
		return 1;
	return start_guest(&gb, 16384);
}

static void stop_all(void)
{
	stop_guest(&ga);
	stop_guest(&gb);
}

static int identity(void)
{
	REQUIRE(cmd(&ga, "self") == 0, "self");
	REQUIRE(num(&ga) == ga.id, "guest thinks it is dom%ld, not dom%u",
		num(&ga), ga.id);
	REQUIRE(strstr(ga.line, " 0"), "guest is privileged: %s", ga.line);
	REQUIRE(cmd(&ga, "list") == -EPERM, "guest listed domains");
	REQUIRE(cmd(&ga, "create") == -EPERM, "guest created a domain");
	REQUIRE(cmd(&ga, "destroy %u", gb.id) == -EPERM,
		"guest destroyed another");
	REQUIRE(cmd(&ga, "startinfo %u", gb.id) == -EPERM,
		"guest read another's start info");
	REQUIRE(cmd(&ga, "startinfo %u", HV_DOMID_SELF) == 0, "own start info");
	return 0;
}

static int t_identity(void)
{
	int r = two_guests();

	if (!r)
		r = identity();
	stop_all();
	return r;
}

static int grant_to_dom0(void)
{
	hv_gref_t ref;
	char *map;

	REQUIRE(cmd(&ga, "share 0 w") == 0, "share");
	ref = (hv_gref_t)num(&ga);
	map = hv_grant_map(hv, ga.id, 1, &ref, true);
	REQUIRE(map, "dom0 map of the guest's grant: %s", strerror(errno));
	strcpy(map, "from-dom0");
	REQUIRE(cmd(&ga, "peek 0 9") == 0 && strcmp(ga.line, "from-dom0") == 0,
		"guest reads '%s'", ga.line);
	REQUIRE(cmd(&ga, "poke 100 from-guest") == 0, "poke");
	REQUIRE(strcmp(map + 100, "from-guest") == 0, "dom0 reads '%s'",
		map + 100);
	/* End access while mapped is refused until the unmap. */
	REQUIRE(cmd(&ga, "end") == -EBUSY, "guest ended a mapped grant");
	REQUIRE(hv_grant_unmap(hv, map, 1) == 0, "unmap");
	REQUIRE(cmd(&ga, "end") == 0, "end after unmap: %s", ga.line);
	map = hv_grant_map(hv, ga.id, 1, &ref, false);
	REQUIRE(!map && errno == ENOENT, "ended grant still mappable");
	/* Read-only: refused for write, fine for read. */
	REQUIRE(cmd(&ga, "share 0 r") == 0, "share ro");
	ref = (hv_gref_t)num(&ga);
	map = hv_grant_map(hv, ga.id, 1, &ref, true);
	REQUIRE(!map && errno == EPERM, "read-only grant mapped for write");
	map = hv_grant_map(hv, ga.id, 1, &ref, false);
	REQUIRE(map, "read-only map: %s", strerror(errno));
	hv_grant_unmap(hv, map, 1);
	return 0;
}

/* Run body with one fresh guest (ga), and stop everything after it. */
static int with_one_guest(int (*body)(void))
{
	int r = start_guest(&ga, 16384);

	if (!r)
		r = body();
	stop_all();
	return r;
}

static int t_grant_to_dom0(void)
{
	return with_one_guest(grant_to_dom0);
}

static int guest_to_guest(void)
{
	hv_gref_t ref;

	REQUIRE(cmd(&ga, "share %u w", gb.id) == 0, "A shares to B");
	ref = (hv_gref_t)num(&ga);
	REQUIRE(cmd(&gb, "map %u %u", ga.id, ref) == -EOPNOTSUPP,
		"unprivileged map is not -EOPNOTSUPP");
	REQUIRE(cmd(&gb, "copyto %u %u hello-from-B", ga.id, ref) == 0,
		"B's grant copy into A's page");
	REQUIRE(cmd(&ga, "peek 0 12") == 0 &&
			strcmp(ga.line, "hello-from-B") == 0,
		"A reads '%s'", ga.line);
	REQUIRE(cmd(&ga, "poke 0 back-to-B") == 0, "poke");
	REQUIRE(cmd(&gb, "copyfrom %u %u 9", ga.id, ref) == 0 &&
			strcmp(gb.line, "back-to-B") == 0,
		"B copies out '%s'", gb.line);
	/* Not B's: granted to dom0, never granted, out of range. */
	REQUIRE(cmd(&ga, "share 0 w") == 0, "A shares to dom0");
	ref = (hv_gref_t)num(&ga);
	REQUIRE(cmd(&gb, "copyfrom %u %u 4", ga.id, ref) == -EPERM,
		"B copied from a grant to dom0");
	REQUIRE(cmd(&gb, "copyfrom %u 3000 4", ga.id) == -ENOENT,
		"B copied from a gref never granted");
	REQUIRE(cmd(&gb, "copyfrom %u %u 4", ga.id, 1u << 30) == -ERANGE,
		"B copied from a gref out of range");
	REQUIRE(cmd(&gb, "copyfrom 999 8 4") == -ESRCH,
		"B copied from no domain");
	/* Memory of others: never, whatever the frame. */
	REQUIRE(cmd(&gb, "fmap %u 0", ga.id) == -EPERM, "B mapped A's memory");
	REQUIRE(cmd(&gb, "fmap 0 0") == -EPERM, "B mapped dom0's memory");
	REQUIRE(cmd(&gb, "fmap %u 0", HV_DOMID_SELF) == 0, "B maps its own");
	REQUIRE(cmd(&gb, "fmap %u 100000", HV_DOMID_SELF) == -ERANGE,
		"B mapped beyond its memory");
	return 0;
}

static int t_guest_to_guest(void)
{
	int r = two_guests();

	if (!r)
		r = guest_to_guest();
	stop_all();
	return r;
}

static int evtchn_guest(struct hv_evtchn *ev)
{
	int port, gport;

	port = hv_evtchn_alloc_unbound(ev, ga.id);
	REQUIRE(port > 0, "alloc: %d", port);
	/* Offered to A: B may not bind it. */
	REQUIRE(cmd(&gb, "bind 0 %d", port) == -EPERM, "B bound A's port");
	REQUIRE(cmd(&ga, "bind 0 %d", port) == 0, "A binds: %s", ga.line);
	gport = (int)num(&ga);
	/* Binding fires the new port once, as on Xen. */
	REQUIRE(cmd(&ga, "wait 2000") == 0 && num(&ga) == gport,
		"bind did not fire the guest's port: %s", ga.line);
	REQUIRE(cmd(&ga, "notify %d", gport) == 0, "guest notify");
	REQUIRE(fires(hv_evtchn_fd(ev), REPLY_WAIT_MS), "dom0 not woken");
	REQUIRE(hv_evtchn_pending(ev) == port, "pending");
	REQUIRE(hv_evtchn_unmask(ev, (hv_port_t)port) == 0, "unmask");
	REQUIRE(hv_evtchn_notify(ev, (hv_port_t)port) == 0, "dom0 notify");
	REQUIRE(cmd(&ga, "wait 2000") == 0 && num(&ga) == gport,
		"guest not woken: %s", ga.line);
	/* A port offered to nobody in particular is not B's either. */
	REQUIRE(cmd(&gb, "bind 0 %d", port) == -EBUSY, "B bound a bound port");
	REQUIRE(cmd(&gb, "bind %u 1", ga.id) == -EPERM,
		"B bound A's start-info port");
	return 0;
}

static int t_evtchn_guest(void)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	int r = two_guests();

	if (!r)
		r = evtchn_guest(ev);
	stop_all();
	hv_evtchn_close(ev);
	return r;
}

static int start_info(struct hv_evtchn *ev)
{
	struct hv_start_info si;
	char *ring;
	int port;

	REQUIRE(hv_domain_start_info(hv, ga.id, &si) == 0, "start info");
	REQUIRE(si.domid == ga.id && si.nr_pages == 16384 / 4, "si fields");
	REQUIRE(si.store_frame < si.nr_pages &&
			si.console_frame < si.nr_pages &&
			si.store_frame != si.console_frame,
		"frames %llu %llu", (unsigned long long)si.store_frame,
		(unsigned long long)si.console_frame);
	REQUIRE(hv_evtchn_status(ev, 0) >= 0, "status");
	ring = hv_foreign_map(hv, ga.id, 1, &si.store_frame, true);
	REQUIRE(ring, "dom0 foreign map of the store page: %s",
		strerror(errno));
	REQUIRE(ring[0] == 0, "store page not zeroed");
	REQUIRE(cmd(&ga, "storepoke hi-store") == 0, "storepoke");
	REQUIRE(strcmp(ring, "hi-store") == 0, "dom0 reads '%s'", ring);
	hv_foreign_unmap(hv, ring, 1);
	REQUIRE(cmd(&ga, "existing %u", si.store_port) == 0, "bind_existing");
	REQUIRE(cmd(&ga, "existing %u", si.store_port) == -EBUSY,
		"second bind_existing");
	port = hv_evtchn_bind_interdomain(ev, ga.id, si.store_port);
	REQUIRE(port > 0, "dom0 bind to the store port: %d", port);
	REQUIRE(fires(hv_evtchn_fd(ev), REPLY_WAIT_MS) &&
			hv_evtchn_pending(ev) == port,
		"bind did not fire dom0's port");
	REQUIRE(hv_evtchn_unmask(ev, (hv_port_t)port) == 0, "unmask");
	REQUIRE(hv_evtchn_notify(ev, (hv_port_t)port) == 0, "notify");
	REQUIRE(cmd(&ga, "wait 2000") == 0 && num(&ga) == (long)si.store_port,
		"guest not woken on its store port: %s", ga.line);
	REQUIRE(cmd(&ga, "notify %u", si.store_port) == 0, "guest notify");
	REQUIRE(fires(hv_evtchn_fd(ev), REPLY_WAIT_MS), "dom0 not woken");
	return 0;
}

static int t_start_info(void)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	int r = start_guest(&ga, 16384);

	if (!r)
		r = start_info(ev);
	stop_all();
	hv_evtchn_close(ev);
	return r;
}

/* Fire VIRQ_DOM_EXC by what `how` does to the guest, check the reason. */
static int exc(struct hv_evtchn *ev, const char *how, uint32_t reason)
{
	struct hv_dominfo info;
	int virq = hv_evtchn_bind_virq(ev, HV_VIRQ_DOM_EXC);
	char buf[64];

	REQUIRE(virq > 0, "bind virq: %d", virq);
	REQUIRE(!fires(hv_evtchn_fd(ev), 0), "virq fired early");
	snprintf(buf, sizeof(buf), "%s\n", how);
	REQUIRE(write(ga.in, buf, strlen(buf)) > 0, "write");
	REQUIRE(fires(hv_evtchn_fd(ev), REPLY_WAIT_MS),
		"VIRQ_DOM_EXC did not fire");
	REQUIRE(hv_evtchn_pending(ev) == virq, "pending is not the virq");
	REQUIRE(hv_domain_info(hv, ga.id, &info) == 0, "info");
	REQUIRE(info.flags & HV_DOMINF_SHUTDOWN, "not shut down: 0x%x",
		info.flags);
	REQUIRE(info.shutdown_reason == reason, "reason %u, want %u",
		info.shutdown_reason, reason);
	return 0;
}

static int t_shutdown(void)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	int r = start_guest(&ga, 16384);

	if (!r)
		r = exc(ev, "shutdown 1", HV_SHUTDOWN_REBOOT);
	stop_all();
	hv_evtchn_close(ev);
	return r;
}

static int t_crash(void)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	int r = start_guest(&ga, 16384);

	if (!r)
		r = exc(ev, "exit 3", HV_SHUTDOWN_CRASH);
	stop_all();
	hv_evtchn_close(ev);
	return r;
}

static uint64_t cpu_ns(hv_domid_t id)
{
	struct hv_dominfo info;

	return hv_domain_info(hv, id, &info) == 0 ? info.cpu_time_ns : 0;
}

/* Whether the guest runs: its cpu time grows 10 ms past from. Polled up
 * to REPLY_WAIT_MS rather than measured over a fixed sleep, which a
 * loaded machine may not give it. */
static bool runs(hv_domid_t id, uint64_t from)
{
	int waited;

	for (waited = 0; waited < REPLY_WAIT_MS; waited += 50) {
		if (cpu_ns(id) > from + 10000000)
			return true;
		usleep(50000);
	}
	return false;
}

static int pause_freezes(void)
{
	struct hv_dominfo info;
	uint64_t t0, t2, t3;

	REQUIRE(write(ga.in, "spin\n", 5) == 5, "write");
	t0 = cpu_ns(ga.id);
	REQUIRE(runs(ga.id, t0), "spinning guest used %llu ns",
		(unsigned long long)(cpu_ns(ga.id) - t0));
	REQUIRE(hv_domain_pause(hv, ga.id) == 0, "pause");
	REQUIRE(hv_domain_info(hv, ga.id, &info) == 0 &&
			(info.flags & HV_DOMINF_PAUSED) &&
			!(info.flags & HV_DOMINF_RUNNING),
		"flags 0x%x", info.flags);
	t2 = cpu_ns(ga.id);
	usleep(300000);
	t3 = cpu_ns(ga.id);
	REQUIRE(t3 - t2 < 2000000, "paused guest used %llu ns",
		(unsigned long long)(t3 - t2));
	REQUIRE(hv_domain_unpause(hv, ga.id) == 0, "unpause");
	REQUIRE(runs(ga.id, t3), "unpaused guest does not run");
	return 0;
}

static int t_pause(void)
{
	return with_one_guest(pause_freezes);
}

static void cg_dir(const char *ctrl, hv_domid_t id, char *buf, size_t len)
{
	harness_cgroup_dir(ctrl, id, buf, len);
}

static long long read_ll(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int max_memory(void)
{
	struct hv_dominfo info;
	char dir[PATH_MAX];

	cg_dir("memory", ga.id, dir, sizeof(dir));
	REQUIRE(read_ll(dir, "memory.limit_in_bytes") ==
			(16384 + 65536) * 1024LL,
		"initial limit %lld", read_ll(dir, "memory.limit_in_bytes"));
	REQUIRE(hv_domain_set_max_memory(hv, ga.id, 32768) == 0, "set");
	REQUIRE(read_ll(dir, "memory.limit_in_bytes") ==
			(32768 + 65536) * 1024LL,
		"limit %lld", read_ll(dir, "memory.limit_in_bytes"));
	REQUIRE(hv_domain_info(hv, ga.id, &info) == 0 &&
			info.max_memory_kb == 32768 && info.memory_kb == 16384,
		"info %llu %llu", (unsigned long long)info.max_memory_kb,
		(unsigned long long)info.memory_kb);
	cg_dir("pids", ga.id, dir, sizeof(dir));
	REQUIRE(read_ll(dir, "pids.max") == SIM_MAX_PIDS, "pids.max %lld",
		read_ll(dir, "pids.max"));
	REQUIRE(hv_domain_set_vcpus(hv, ga.id, 2) == 0, "vcpus");
	cg_dir("cpu", ga.id, dir, sizeof(dir));
	REQUIRE(read_ll(dir, "cpu.cfs_quota_us") == 200000, "quota %lld",
		read_ll(dir, "cpu.cfs_quota_us"));
	REQUIRE(hv_domain_info(hv, ga.id, &info) == 0 && info.vcpus == 2,
		"vcpus %u", info.vcpus);
	return 0;
}

static int t_max_memory(void)
{
	int r;

	if (access("/sys/fs/cgroup/memory/cgroup.procs", F_OK) != 0) {
		printf("    no cgroup v1 memory controller here\n");
		return 77;
	}
	r = start_guest(&ga, 16384);
	if (!r)
		r = max_memory();
	stop_all();
	return r;
}

static int read_text(const char *dir, const char *file, char *buf, size_t len)
{
	char path[PATH_MAX + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f || !fgets(buf, (int)len, f))
		buf[0] = '\0';
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf[0] ? 0 : -1;
}

static int sched_and_pin(void)
{
	struct hv_sched_credit s = { 0, 0 }, w0 = { 0, 0 };
	struct hv_sched_credit big = { 256, HV_SCHED_CAP_MAX + 1 };
	char cpu[PATH_MAX], cpuset[PATH_MAX], cpus[64];

	cg_dir("cpu", ga.id, cpu, sizeof(cpu));
	cg_dir("cpuset", ga.id, cpuset, sizeof(cpuset));
	REQUIRE(hv_domain_sched_get(hv, ga.id, &s) == 0 && s.weight == 256 &&
			s.cap == 0,
		"default %u %u", s.weight, s.cap);
	s = (struct hv_sched_credit){ 512, 50 };
	REQUIRE(hv_domain_sched_set(hv, ga.id, &s) == 0, "set");
	REQUIRE(read_ll(cpu, "cpu.shares") == 2048, "shares %lld",
		read_ll(cpu, "cpu.shares"));
	REQUIRE(read_ll(cpu, "cpu.cfs_quota_us") == 50000, "quota %lld",
		read_ll(cpu, "cpu.cfs_quota_us"));
	/* The cap stays the bound when vcpus would allow more. */
	REQUIRE(hv_domain_set_vcpus(hv, ga.id, 2) == 0, "vcpus");
	REQUIRE(read_ll(cpu, "cpu.cfs_quota_us") == 50000, "capped quota %lld",
		read_ll(cpu, "cpu.cfs_quota_us"));
	s = (struct hv_sched_credit){ 65535, 0 };
	REQUIRE(hv_domain_sched_set(hv, ga.id, &s) == 0, "uncap");
	REQUIRE(read_ll(cpu, "cpu.cfs_quota_us") == 200000 &&
			read_ll(cpu, "cpu.shares") == 65535 * 4,
		"uncapped %lld %lld", read_ll(cpu, "cpu.cfs_quota_us"),
		read_ll(cpu, "cpu.shares"));
	REQUIRE(hv_domain_sched_get(hv, ga.id, &s) == 0 && s.weight == 65535 &&
			s.cap == 0,
		"get %u %u", s.weight, s.cap);
	REQUIRE(hv_domain_sched_set(hv, ga.id, &w0) == -EINVAL, "weight 0");
	REQUIRE(hv_domain_sched_set(hv, ga.id, &big) == -EINVAL, "cap too big");
	REQUIRE(hv_domain_sched_set(hv, 0, &s) == -ERANGE, "dom0");
	REQUIRE(hv_domain_pin(hv, ga.id, 1) == 0, "pin 0");
	REQUIRE(read_text(cpuset, "cpuset.cpus", cpus, sizeof(cpus)) == 0 &&
			!strcmp(cpus, "0"),
		"cpuset.cpus %s", cpus);
	REQUIRE(hv_domain_pin(hv, ga.id, 0) == -EINVAL, "empty mask");
	REQUIRE(hv_domain_pin(hv, ga.id, 1ull << 63) == -EINVAL, "cpu 63");
	REQUIRE(read_text(cpuset, "cpuset.cpus", cpus, sizeof(cpus)) == 0 &&
			!strcmp(cpus, "0"),
		"cpuset.cpus after refusals %s", cpus);
	return 0;
}

static int t_sched(void)
{
	int r;

	if (access("/sys/fs/cgroup/cpuset/cgroup.procs", F_OK) != 0) {
		printf("    no cgroup v1 cpu and cpuset controllers here\n");
		return 77;
	}
	r = start_guest(&ga, 16384);
	if (!r)
		r = sched_and_pin();
	stop_all();
	return r;
}

/* How many of a process's fds are domain memories. */
static int memfds_of(pid_t pid)
{
	char dir[64], path[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t l;

		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		l = readlink(path, target, sizeof(target) - 1);
		if (l <= 0)
			continue;
		target[l] = '\0';
		n += strncmp(target, "/memfd:xpv-mem", 14) == 0;
	}
	closedir(d);
	return n;
}

static int destroy_releases(struct hv_evtchn *ev, struct hv_evtchn *exc)
{
	char dir[PATH_MAX];
	hv_gref_t ref;
	hv_frame_t f0 = 0;
	long long pid;
	int port, memfds;
	char *map;

	REQUIRE(hv_evtchn_bind_virq(exc, HV_VIRQ_DOM_EXC) > 0, "virq");
	REQUIRE(cmd(&ga, "share 0 w") == 0, "share");
	ref = (hv_gref_t)num(&ga);
	map = hv_grant_map(hv, ga.id, 1, &ref, true);
	REQUIRE(map, "map");
	port = hv_evtchn_alloc_unbound(ev, ga.id);
	REQUIRE(port > 0 && cmd(&ga, "bind 0 %d", port) == 0, "bind");
	cg_dir("freezer", ga.id, dir, sizeof(dir));
	pid = read_ll(dir, "cgroup.procs");
	REQUIRE(pid > 0, "no process in the domain's cgroup");
	memfds = memfds_of(harness_hv_pid());
	REQUIRE(hv_domain_destroy(hv, ga.id) == 0, "destroy");
	close(ga.in);
	close(ga.out);
	REQUIRE(memfds_of(harness_hv_pid()) == memfds - 1,
		"xpv-hv still holds the memory: %d",
		memfds_of(harness_hv_pid()));
	REQUIRE(access(dir, F_OK) != 0, "cgroup %s still there", dir);
	REQUIRE(kill((pid_t)pid, 0) < 0 && errno == ESRCH,
		"guest process %lld alive", pid);
	REQUIRE(fires(hv_evtchn_fd(ev), REPLY_WAIT_MS),
		"peer port's poll not woken");
	REQUIRE(hv_evtchn_status(ev, (hv_port_t)port) == HV_EVTCHN_UNBOUND,
		"peer port not unbound");
	REQUIRE(fires(hv_evtchn_fd(exc), REPLY_WAIT_MS),
		"VIRQ_DOM_EXC not fired");
	REQUIRE(!hv_grant_map(hv, ga.id, 1, &ref, false) && errno == ESRCH,
		"map after destroy: %s", strerror(errno));
	REQUIRE(!hv_foreign_map(hv, ga.id, 1, &f0, false) && errno == ESRCH,
		"foreign map after destroy");
	REQUIRE(hv_domain_destroy(hv, ga.id) == -ESRCH, "second destroy");
	REQUIRE(hv_grant_unmap(hv, map, 1) == 0, "unmap of an old mapping");
	/* Our last use of it gone, we hold only dom0's own memory. */
	REQUIRE(memfds_of(getpid()) == 1, "dom0 still holds %d memories",
		memfds_of(getpid()));
	ga.id = 0;
	return 0;
}

static int t_destroy(void)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv), *exc = hv_evtchn_open(hv);
	int r = start_guest(&ga, 16384);

	if (!r)
		r = destroy_releases(ev, exc);
	stop_all();
	hv_evtchn_close(ev);
	hv_evtchn_close(exc);
	return r;
}

static int t_list(void)
{
	struct hv_dominfo info[8];
	int n, r = two_guests();

	if (!r) {
		n = hv_domain_list(hv, info, 8);
		r = !(n == 3 && info[0].domid == 0 && info[1].domid == ga.id &&
		      info[2].domid == gb.id &&
		      (info[1].flags & HV_DOMINF_RUNNING) &&
		      info[1].memory_kb == 16384 && info[1].vcpus == 1);
		if (r)
			printf("    list gave %d entries\n", n);
	}
	stop_all();
	return r;
}

/* A dom0 process (a backend) that maps a grant and is killed. */
static pid_t mapper(hv_domid_t dom, hv_gref_t ref, int ready)
{
	struct hv *h;
	pid_t pid = fork();
	char why[256];
	void *map;

	if (pid != 0)
		return pid;
	if (hv_open(&h, why, sizeof(why)) < 0)
		_exit(1);
	map = hv_grant_map(h, dom, 1, &ref, true);
	if (!map || write(ready, "m", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int killed_mapper(void)
{
	int p[2], i, r = -1;
	hv_gref_t ref;
	pid_t pid;
	char c;

	REQUIRE(cmd(&ga, "share 0 w") == 0, "share");
	ref = (hv_gref_t)num(&ga);
	REQUIRE(pipe(p) == 0, "pipe");
	pid = mapper(ga.id, ref, p[1]);
	close(p[1]);
	i = (int)read(p[0], &c, 1);
	close(p[0]);
	REQUIRE(pid > 0 && i == 1, "the mapper did not map");
	REQUIRE(cmd(&ga, "end") == -EBUSY, "end while the mapper holds it");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	for (i = 0; i < 100 && r != 0; i++) {
		r = cmd(&ga, "end");
		if (r)
			usleep(20000);
	}
	REQUIRE(r == 0, "end after the mapper was killed: %d", r);
	return 0;
}

static int t_killed_mapper(void)
{
	return with_one_guest(killed_mapper);
}

/* A dom0 process that dies in the middle of a grant copy: its local
 * destination is a read-only page, so the copy faults while the source
 * grant is pinned. */
static pid_t copier(hv_domid_t dom, hv_gref_t ref)
{
	struct hv_copy_seg seg = { .len = 16 };
	struct hv *h;
	pid_t pid = fork();
	char why[256];
	void *ro;

	if (pid != 0)
		return pid;
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED || hv_open(&h, why, sizeof(why)) < 0)
		_exit(1);
	seg.src = (struct hv_copy_ptr){ .foreign = true,
					.domid = dom,
					.ref = ref };
	seg.dst.local = ro;
	/* The kernel's SIGSEGV, not a sanitizer's report and exit. */
	signal(SIGSEGV, SIG_DFL);
	/* SIGSEGV inside; a return means the copy did not fault */
	_exit(hv_grant_copy(h, 1, &seg) == 0 ? 2 : 3);
}

static int killed_copier(void)
{
	int status = 0, waited, r = -1;
	hv_gref_t ref;
	pid_t pid;

	REQUIRE(cmd(&ga, "share 0 w") == 0, "share");
	ref = (hv_gref_t)num(&ga);
	pid = copier(ga.id, ref);
	REQUIRE(pid > 0 && waitpid(pid, &status, 0) == pid, "copier");
	REQUIRE(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV,
		"the copier did not fault in the copy (status %#x)", status);
	/* xpv-hv releases the pin once it sees the connection go. */
	for (waited = 0; waited < REPLY_WAIT_MS && r != 0; waited += 20) {
		r = cmd(&ga, "end");
		if (r)
			usleep(20000);
	}
	REQUIRE(r == 0, "end after the copier died: %d", r);
	return 0;
}

static int t_killed_copier(void)
{
	return with_one_guest(killed_copier);
}

/* --- the daemon's protocol, spoken raw by a hostile client --- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/hv.sock",
		 harness_rundir());
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send one datagram, return the reply's err, or 1 if the connection was
 * closed instead. */
static int raw_call(int fd, const void *msg, size_t len)
{
	struct sim_rep rep;
	char buf[SIM_MSG_MAX];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (send(fd, msg, len, MSG_NOSIGNAL) != (ssize_t)len)
		return 1;
	if (poll(&p, 1, REPLY_WAIT_MS) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)sizeof(rep))
		return 1;
	memcpy(&rep, buf, sizeof(rep));
	return rep.err;
}

static int hostile_protocol(int fd, hv_domid_t id)
{
	char *argv[] = { "init", NULL };
	struct hv_exec x = { .path = "/nonexistent/init", .argv = argv };
	struct {
		struct sim_req req;
		char tail[64];
	} m;
	struct hv_dominfo info[4];
	int r;

	memset(&m, 0, sizeof(m));
	m.req.op = SIM_OP_DOM_EXEC;
	m.req.domid = id;
	memcpy(m.tail, "/bin/true", 9); /* no NUL anywhere */
	REQUIRE(raw_call(fd, &m, sizeof(m.req) + 9) == -EINVAL,
		"exec, unterminated");
	REQUIRE(hv_domain_exec(hv, id, &x) == -ENOENT,
		"exec of a missing program");
	m.req.op = SIM_OP_GRANT_COPY;
	m.req.a = 2; /* segments announced, none sent */
	REQUIRE(raw_call(fd, &m, sizeof(m.req) + 8) == -EINVAL, "copy, short");
	m.req.a = 1000; /* more than one request may carry */
	REQUIRE(raw_call(fd, &m, sizeof(m.req) + 8) == -E2BIG,
		"copy, too many");
	m.req.op = SIM_OP_DOM_LIST;
	m.req.a = ~0ull;
	r = raw_call(fd, &m, sizeof(m.req));
	REQUIRE(r == 0, "list with a huge max: %d", r);
	m.req.op = SIM_OP_EVTCHN_UNBIND;
	m.req.a = ~0ull;
	REQUIRE(raw_call(fd, &m, sizeof(m.req)) == -ERANGE, "unbind huge port");
	m.req.op = SIM_OP_MEM_ALLOC;
	m.req.a = ~0ull;
	REQUIRE(raw_call(fd, &m, sizeof(m.req)) == -ERANGE, "alloc huge");
	m.req.op = SIM_OP_MEM_FREE;
	m.req.a = ~0ull - 1;
	m.req.b = 4;
	REQUIRE(raw_call(fd, &m, sizeof(m.req)) == -ERANGE, "free wrapping");
	/* A datagram too short to be a request closes that connection, and
	 * so does one that is not a request (replies never look like one). */
	REQUIRE(raw_call(fd, &m, 3) == 1, "short datagram kept the connection");
	close(fd);
	fd = raw_connect();
	m.req.op = 9999;
	REQUIRE(raw_call(fd, &m, sizeof(m.req)) == 1, "unknown op answered");
	close(fd);
	/* and nothing else is hurt. */
	REQUIRE(hv_domain_list(hv, info, 4) >= 1, "daemon stopped serving");
	return 0;
}

/* xpv-hv's cpu time in clock ticks. */
static long long hv_ticks(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)harness_hv_pid());
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	p = p ? strrchr(buf, ')') : NULL;
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (long long)(ut + st);
}

static int clone_self(void)
{
	long long t0, t1;

	/* Our end of every connection refuses files: the kernel says no. */
	REQUIRE(cmd(&ga, "cloneself") == -EPERM, "send: %s", ga.line);
	REQUIRE(cmd(&ga, "clonepair") == -EPERM, "send pair: %s", ga.line);
	usleep(100000);
	t0 = hv_ticks();
	usleep(500000);
	t1 = hv_ticks();
	REQUIRE(t0 >= 0 && t1 - t0 < 10, "xpv-hv busy: %lld ticks in 0.5 s",
		t1 - t0);
	REQUIRE(cmd(&ga, "self") == 0 && num(&ga) == ga.id, "guest unserved");
	return 0;
}

static int t_clone_self(void)
{
	return with_one_guest(clone_self);
}

/* The status page is the daemon's: a guest holding its fd cannot make it
 * writable by reopening it (nor by mapping it shared). */
static int t_status_readonly(void)
{
	int r = start_guest(&ga, 16384), err;

	if (r)
		return r;
	err = cmd(&ga, "statuswrite");
	stop_all();
	REQUIRE(err == -EPERM, "a guest wrote its status page: %d", err);
	return 0;
}

/* rawalloc in the guest: the first frame, or -errno. */
static long alloc_at(unsigned int n, unsigned int times)
{
	int err = cmd(&ga, "rawalloc %u %u", n, times);

	return err ? err : num(&ga);
}

/*
 * Frame allocation is first fit, across the bitmap's words, and a request
 * that cannot be met costs the daemon little even in a domain of 64 GiB
 * (16M frames; the two at the top are the start-info rings, so no run of
 * all but one frame exists).
 */
static int mem_first_fit(void)
{
	const unsigned int frames = 16u << 20;
	long long t0, t1;

	REQUIRE(alloc_at(70, 1) == 0, "70 frames at %ld", alloc_at(70, 1));
	REQUIRE(alloc_at(1, 1) == 70, "next frame");
	REQUIRE(alloc_at(64, 1) == 71, "a run across a word boundary");
	REQUIRE(cmd(&ga, "rawfree 0 70") == 0, "free the first 70");
	REQUIRE(alloc_at(60, 1) == 0, "first fit into the hole");
	REQUIRE(alloc_at(10, 1) == 60, "the rest of the hole");
	REQUIRE(alloc_at(1, 1) == 135, "past what is used");
	t0 = hv_ticks();
	REQUIRE(alloc_at(frames - 1, 50) == -ENOMEM, "an impossible run");
	t1 = hv_ticks();
	REQUIRE(t0 >= 0 && t1 - t0 < 30,
		"50 impossible allocations took %lld ticks of xpv-hv", t1 - t0);
	return 0;
}

static int t_mem_first_fit(void)
{
	int r = start_guest(&ga, 64ull << 20);

	if (!r)
		r = mem_first_fit();
	stop_all();
	return r;
}

/*
 * A guest has at most SIM_GUEST_MAX_PORTS ports (xl's default
 * max_event_channels), the two start-info ports included: then -ENOSPC,
 * and dom0 is still served. Closing the handle gives them back.
 */
static int port_limit(struct hv_evtchn *ev)
{
	int got, err, p;

	REQUIRE(cmd(&ga, "portflood 0") == 0, "flood: %s", ga.line);
	REQUIRE(sscanf(ga.line, "%d %d", &got, &err) == 2, "reply %s", ga.line);
	REQUIRE(got == (int)SIM_GUEST_MAX_PORTS - 2 && err == -ENOSPC,
		"%d ports, then %d", got, err);
	REQUIRE(cmd(&ga, "self") == 0, "guest unserved");
	p = hv_evtchn_alloc_unbound(ev, ga.id);
	REQUIRE(p > 0, "dom0's own ports refused: %d", p);
	REQUIRE(hv_evtchn_unbind(ev, (hv_port_t)p) == 0, "unbind");
	return 0;
}

/* How many fds a process has open. */
static int fd_count(pid_t pid)
{
	char dir[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Fds a guest attaches to its requests never reach xpv-hv: the kernel
 * refuses them on every connection (the first and clones, with 3 and with
 * 30 fds), the guest is still served, and the daemon holds no more fds
 * afterwards than before. */
static int fds_passed(void)
{
	unsigned int refused, sent;
	int before, after, i;

	/* The guest's event channel connection is a clone xpv-hv adds in
	 * its own time: a request on it (a port, kept to the end) makes sure
	 * it is counted before, not after. */
	REQUIRE(cmd(&ga, "alloc 0") == 0, "alloc: %s", ga.line);
	before = fd_count(harness_hv_pid());

	REQUIRE(cmd(&ga, "fdspam 50") == 0, "spam: %s", ga.line);
	REQUIRE(sscanf(ga.line, "%u %u", &refused, &sent) == 2 &&
			refused == 101 && sent == 0,
		"refused %u, sent %u of 101", refused, sent);
	REQUIRE(cmd(&ga, "self") == 0, "guest unserved");
	/* The daemon sees each closed connection go in its own time. */
	for (i = 0; i < 100; i++) {
		after = fd_count(harness_hv_pid());
		if (after <= before)
			break;
		usleep(10000);
	}
	REQUIRE(after == before, "xpv-hv holds %d fds, %d before", after,
		before);
	return 0;
}

static int t_fds_passed(void)
{
	return with_one_guest(fds_passed);
}

/* A guest that floods its first connection with CLONEs and reads no
 * reply: the replies xpv-hv cannot queue are dropped with the clones they
 * carried, the connection stays (the guest gets a clone after), and the
 * daemon holds no more fds than before once the guest closed what it
 * took. */
static int root_flood(void)
{
	int before, after = -1, i;

	REQUIRE(cmd(&ga, "alloc 0") == 0, "alloc: %s", ga.line);
	before = fd_count(harness_hv_pid());
	REQUIRE(cmd(&ga, "rootflood 3000") == 0, "flood: %s", ga.line);
	printf("    it took %ld replies of 3000\n", num(&ga));
	REQUIRE(num(&ga) < 3000, "every reply was queued: nothing tested");
	REQUIRE(cmd(&ga, "self") == 0, "guest unserved");
	for (i = 0; i < 100; i++) {
		after = fd_count(harness_hv_pid());
		if (after <= before)
			break;
		usleep(10000);
	}
	REQUIRE(after == before, "xpv-hv holds %d fds, %d before", after,
		before);
	return 0;
}

static int t_root_flood(void)
{
	return with_one_guest(root_flood);
}

/* A number from a /proc file: the first after `key` (whole file if key
 * is NULL). -1 if none. */
static long long proc_number(const char *path, const char *key, int skip)
{
	char buf[8192], *p;
	long long v = -1;
	size_t n;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = key ? strstr(buf, key) : buf;
	if (!p)
		return -1;
	p += key ? strlen(key) : 0;
	while (skip-- > 0)
		strtoll(p, &p, 10);
	sscanf(p, "%lld", &v);
	return v;
}

/* Whether a process of ours may raise its hard fd limit to n (it needs
 * CAP_SYS_RESOURCE, which a container may withhold from root). */
static bool may_raise_to(long long n)
{
	struct rlimit rl = { (rlim_t)n, (rlim_t)n };
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(setrlimit(RLIMIT_NOFILE, &rl) == 0 ? 0 : 1);
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

/* The fds a few guests at their limits hold must not exhaust xpv-hv's:
 * it takes the kernel's own limit (fs.nr_open) where it may, else all
 * its hard limit allows. */
static int t_fd_limit(void)
{
	char path[64];
	long long most = proc_number("/proc/sys/fs/nr_open", NULL, 0);
	long long soft, hard;
	struct rlimit mine;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)harness_hv_pid());
	/* "Max open files   <soft>   <hard>   files" */
	soft = proc_number(path, "Max open files", 0);
	hard = proc_number(path, "Max open files", 1);
	REQUIRE(getrlimit(RLIMIT_NOFILE, &mine) == 0, "getrlimit");
	REQUIRE(soft == hard, "soft limit %lld below the hard %lld", soft,
		hard);
	if (may_raise_to(most))
		REQUIRE(hard == most, "hard fd limit %lld, not fs.nr_open %lld",
			hard, most);
	else
		REQUIRE(hard == (long long)mine.rlim_max,
			"hard fd limit %lld, not ours %llu", hard,
			(unsigned long long)mine.rlim_max);
	return 0;
}

static int t_port_limit(void)
{
	struct hv_evtchn *ev = hv_evtchn_open(hv);
	int r = ev ? start_guest(&ga, 16384) : 1;

	if (!r)
		r = port_limit(ev);
	hv_evtchn_close(ev);
	stop_all();
	return r;
}

/* How many lines of xpv-hv's log contain text. */
static int log_lines(const char *text)
{
	char path[PATH_MAX], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/hv.log", harness_rundir());
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, text) != NULL;
	fclose(f);
	return n;
}

/* A guest asking for 300 connections over its limit, each refused with a
 * log line it caused: the log gets a burst of them, not 300. */
static int log_limited(void)
{
	char text[64];
	int n;

	snprintf(text, sizeof(text), "dom%u: too many connections", ga.id);
	REQUIRE(cmd(&ga, "connflood %u %u", SIM_MAX_CONNS + 300u,
		    SIM_MAX_CONNS) == 0,
		"flood: %s", ga.line);
	usleep(500000);
	n = log_lines(text);
	REQUIRE(n >= 1, "the limit was never hit (%d lines)", n);
	REQUIRE(n <= (int)HVD_LOG_BURST, "%d log lines from one guest in 0.5 s",
		n);
	REQUIRE(cmd(&ga, "self") == 0 && num(&ga) == ga.id, "guest unserved");
	return 0;
}

static int t_log_limited(void)
{
	return with_one_guest(log_limited);
}

/*
 * The guest's root is an unprivileged host uid: it may not be able to look
 * up the program's path (a build tree under /root, mode 0700). xpv-hv
 * opens the program itself, so such a guest still starts (a bug once made
 * `make demo` fail in a fresh clone under /root).
 */
/* Copy hv-test-guest to dir, or write a #! script there that plays its
 * part for the "self" command (its domid from the hostname xpv-hv gave
 * it, "dom<N>"), reaching nothing outside dir but /bin/sh. */
static int place_program(const char *dir, bool script, char *prog, size_t len)
{
	char copy[PATH_MAX * 2];
	FILE *f;

	snprintf(prog, len, "%s/%s", dir, script ? "init.sh" : "hv-test-guest");
	if (!script) {
		snprintf(copy, sizeof(copy), "cp '%s' '%s'",
			 harness_bin("hv-test-guest"), prog);
		return system(copy) == 0 ? 0 : -EIO;
	}
	f = fopen(prog, "w");
	if (!f)
		return -errno;
	fprintf(f,
		"#!/bin/sh\necho ready\nread c\n"
		"h=$(cat /proc/sys/kernel/hostname)\necho \"ok ${h#dom} 0\"\n"
		"read c\n");
	fclose(f);
	return chmod(prog, 0755) == 0 ? 0 : -errno;
}

static int run_placed_program(bool script)
{
	char dir[] = "/tmp/xpv-hv-test-XXXXXX", prog[PATH_MAX];
	int r;

	if (!mkdtemp(dir)) /* mode 0700, owned by root */
		return -errno;
	r = place_program(dir, script, prog, sizeof(prog));
	if (r == 0)
		r = start_guest_program(&ga, 16384, prog);
	if (r == 0)
		r = cmd(&ga, "self") == 0 && num(&ga) == ga.id ? 0 : 1;
	stop_guest(&ga);
	unlink(prog);
	rmdir(dir);
	return r;
}

/*
 * The guest's root is an unprivileged host uid: it may not be able to look
 * up the program's path (a build tree under /root, mode 0700). xpv-hv
 * opens the program itself, so such a guest still starts (a bug once made
 * `make demo` fail in a fresh clone under /root); a #! script too.
 */
static int t_exec_unreachable_path(void)
{
	int r = run_placed_program(false);

	REQUIRE(r == 0, "a guest from a 0700 directory did not run: %d", r);
	r = run_placed_program(true);
	REQUIRE(r == 0, "a #! script from a 0700 directory did not run: %d", r);
	return 0;
}

/* An exec request of header h and the strings (NULs included) given. */
static int raw_exec(int fd, hv_domid_t id, struct sim_exec h,
		    const char *strings, size_t len)
{
	struct {
		struct sim_req req;
		struct sim_exec h;
		char s[256];
	} m = { .req = { .op = SIM_OP_DOM_EXEC, .domid = id }, .h = h };

	memcpy(m.s, strings, len);
	return raw_call(fd, &m, sizeof(m.req) + sizeof(m.h) + len);
}

/* Malformed exec requests get an error, and the domain no init. */
static int hostile_exec(int fd, hv_domid_t id)
{
	static const char ok[] = "/bin/true\0true\0";
	static const struct {
		const char *what;
		struct sim_exec h;
		const char *s;
		size_t len;
		int err;
	} bad[] = {
		{ "no argv[0]", { .argc = 0 }, ok, sizeof(ok) - 1, -EINVAL },
		{ "more strings announced than sent",
		  { .argc = 3 },
		  ok,
		  sizeof(ok) - 1,
		  -EINVAL },
		{ "bytes after the last string",
		  { .argc = 1 },
		  ok,
		  sizeof(ok),
		  -EINVAL },
		{ "stdin announced, no fd sent",
		  { .argc = 1, .stdio = 1 },
		  ok,
		  sizeof(ok) - 1,
		  -EBADF },
		{ "stdio bits beyond the three",
		  { .argc = 1, .stdio = 8 },
		  ok,
		  sizeof(ok) - 1,
		  -EINVAL },
		{ "too many environment entries",
		  { .argc = 1, .envc = 2000 },
		  ok,
		  sizeof(ok) - 1,
		  -EINVAL },
		{ "an unknown flag",
		  { .argc = 1, .flags = 0x80 },
		  ok,
		  sizeof(ok) - 1,
		  -EINVAL },
		{ "a relative read-only directory",
		  { .argc = 1, .nro = 1 },
		  "/bin/true\0true\0usr\0",
		  20,
		  -EINVAL },
		{ "a read-only directory with ..",
		  { .argc = 1, .nro = 1 },
		  "/bin/true\0true\0/usr/../etc\0",
		  28,
		  -EINVAL },
		{ "the host's / as the root",
		  { .argc = 1, .has_root = 1 },
		  "/bin/true\0/\0true\0",
		  17,
		  -EINVAL },
		{ "a root and read-only directories",
		  { .argc = 1, .has_root = 1, .nro = 1 },
		  "/bin/true\0/srv\0true\0/usr\0",
		  25,
		  -EINVAL },
	};
	struct hv_dominfo info;
	unsigned int i;
	int r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = raw_exec(fd, id, bad[i].h, bad[i].s, bad[i].len);
		REQUIRE(r == bad[i].err, "exec, %s: %d", bad[i].what, r);
	}
	/* Still a domain without an init: a good exec works. */
	r = raw_exec(fd, id, (struct sim_exec){ .argc = 1 }, ok,
		     sizeof(ok) - 1);
	REQUIRE(r == 0, "a good exec after the bad ones: %d", r);
	REQUIRE(hv_domain_info(hv, id, &info) == 0, "info");
	return 0;
}

/* A HELLO with n copies of fd attached on a fresh dom0 connection: 1
 * answered, 0 the connection closed on us, else -errno. */
static int hello_with(int fd, int n)
{
	struct sim_req req = { .op = SIM_OP_HELLO };
	union {
		char buf[CMSG_SPACE(sizeof(int) * (SIM_MSG_FDS + 1))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &req, .iov_len = sizeof(req) };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = CMSG_SPACE(sizeof(int) * n) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	struct pollfd p = { .events = POLLIN };
	char buf[SIM_MSG_MAX];
	int c = raw_connect(), i, r;

	if (c < 0)
		return c;
	memset(&u, 0, sizeof(u));
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
	for (i = 0; i < n; i++)
		memcpy(CMSG_DATA(cm) + i * sizeof(int), &fd, sizeof(int));
	p.fd = c;
	r = sendmsg(c, &msg, MSG_NOSIGNAL) < 0 ? -errno :
	    poll(&p, 1, REPLY_WAIT_MS) != 1    ? -ETIMEDOUT :
	    recv(c, buf, sizeof(buf), 0) > 0   ? 1 :
						 0;
	close(c);
	return r;
}

/* A message carries at most SIM_MSG_FDS fds: one more and it is refused
 * (its connection closed), not cut down to the limit. */
static int t_fds_one_too_many(void)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC), at, over;

	REQUIRE(fd >= 0, "open: %s", strerror(errno));
	at = hello_with(fd, SIM_MSG_FDS);
	over = hello_with(fd, SIM_MSG_FDS + 1);
	close(fd);
	REQUIRE(at == 1, "%d fds: %d, not answered", SIM_MSG_FDS, at);
	REQUIRE(over == 0, "%d fds: %d, not refused", SIM_MSG_FDS + 1, over);
	return 0;
}

static int t_hostile_protocol(void)
{
	struct hv_domain_config cfg = { .memory_kb = 4096, .vcpus = 1 };
	int fd = raw_connect(), r;
	hv_domid_t id;

	REQUIRE(fd >= 0, "connect");
	REQUIRE(hv_domain_create(hv, &cfg, &id) == 0, "create");
	r = hostile_protocol(fd, id); /* closes fd */
	if (!r) {
		/* A connection of its own: hostile_protocol's end closed. */
		fd = raw_connect();
		REQUIRE(fd >= 0, "connect");
		r = hostile_exec(fd, id);
		close(fd);
	}
	REQUIRE(hv_domain_destroy(hv, id) == 0, "destroy");
	return r;
}

/* A sim domain's kernel is hv_domain_exec's: a config naming a PV kernel
 * (the xen platform's build) is refused, and no domain is made. */
static int t_create_kernel_refused(void)
{
	struct hv_domain_config cfg = { .memory_kb = 4096,
					.vcpus = 1,
					.kernel = "/boot/vmlinuz" };
	struct hv_dominfo before[64], after[64];
	hv_domid_t id = 0;
	int n0 = hv_domain_list(hv, before, 64), n1, err;

	err = hv_domain_create(hv, &cfg, &id);
	n1 = hv_domain_list(hv, after, 64);
	REQUIRE(err == -EINVAL, "create with a kernel: %d, not -EINVAL", err);
	REQUIRE(n0 > 0 && n1 == n0, "domains before %d, after %d", n0, n1);
	return 0;
}

static const struct test_case cases[] = {
	{ "a config naming a PV kernel is refused on sim",
	  t_create_kernel_refused, true },
	{ "a guest is the domain its connection says, and unprivileged",
	  t_identity, true },
	{ "guest grants, dom0 maps and writes, guest reads; end refused "
	  "while mapped; read-only refused for write",
	  t_grant_to_dom0, true },
	{ "guest B copies through A's grant; never another's grant or memory",
	  t_guest_to_guest, true },
	{ "event channel dom0<->guest wakes both; port not offered refused",
	  t_evtchn_guest, true },
	{ "start info: store page foreign-mapped, store port bound both ends",
	  t_start_info, true },
	{ "guest shutdown reaches dom0 by VIRQ_DOM_EXC with the reason",
	  t_shutdown, true },
	{ "guest init exiting is a crash, VIRQ_DOM_EXC fires", t_crash, true },
	{ "pause freezes a busy guest, unpause resumes it", t_pause, true },
	{ "set_max_memory and set_vcpus change the cgroup; pids.max is set",
	  t_max_memory, true },
	{ "sched_set moves cpu.shares and the quota (cap with vcpus), pin "
	  "cpuset.cpus; bad values refused",
	  t_sched, true },
	{ "destroy releases memory, cgroup, processes, ports, mappings",
	  t_destroy, true },
	{ "domain list: dom0 and the guests with their figures", t_list, true },
	{ "a program in a directory the guest cannot search still starts",
	  t_exec_unreachable_path, true },
	{ "hostile requests get errors, a bad datagram closes only its "
	  "connection",
	  t_hostile_protocol, true },
	{ "a message with one fd more than the protocol allows is refused",
	  t_fds_one_too_many, true },
	{ "a dom0 mapper killed with a grant mapped: the pin is released",
	  t_killed_mapper, true },
	{ "a dom0 copier that dies mid-copy: the pin is released",
	  t_killed_copier, true },
	{ "a guest cannot join two daemon connections (no reply loop)",
	  t_clone_self, true },
	{ "log lines a guest causes are rate-limited", t_log_limited, true },
	{ "a guest cannot reopen its status page writable", t_status_readonly,
	  true },
	{ "fds a guest attaches to requests never reach xpv-hv", t_fds_passed,
	  true },
	{ "CLONEs flooding a first connection: replies dropped, not it",
	  t_root_flood, true },
	{ "a guest's ports are limited to xl's default, dom0's are not",
	  t_port_limit, true },
	{ "xpv-hv's fd limit: the kernel's where allowed, else its hard one",
	  t_fd_limit, true },
	{ "frame allocation: first fit; an impossible one is cheap",
	  t_mem_first_fit, true },
};

int main(void)
{
	char why[512] = "";
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (harness_xen()) {
		printf("test-hv-sim needs the sim platform\n");
		return 77;
	}
	err = harness_start();
	if (err) {
		printf("cannot start xpv-hv: %s\n", strerror(-err));
		return 1;
	}
	err = hv_open(&hv, why, sizeof(why));
	if (err) {
		printf("hv_open: %s\n", why);
		return 1;
	}
	err = harness_run(cases, sizeof(cases) / sizeof(cases[0]));
	hv_close(hv);
	return harness_finish() ? 1 : err;
}
