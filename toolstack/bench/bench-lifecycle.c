/*
 * bench-lifecycle.c - `make bench-lifecycle`: what a domain costs to
 * create and to destroy with `xpv`, as a user runs it, beside the floors
 * measured in the same run.
 *
 *   bench-lifecycle [RUNS]        (in an instance of its own: see below)
 *
 * With 1, 10 and 50 domains already running, RUNS times (default 20):
 *   create   `xpv create` started -> the guest's init runs (a process of
 *            the domain's cgroup whose name is the init's, "sleep")
 *   command  `xpv create` started -> it returned (domain built, devices
 *            connected, monitor started)
 *   destroy  `xpv destroy` started -> it returned, with every resource
 *            gone (checked after: no cgroup, no process, no store node)
 * Floors, in the same run:
 *   hv       hv_domain_create + hv_domain_exec + unpause -> the same init
 *            runs (the hypervisor alone: no store, toolstack or guest
 *            kernel)
 *   process  a bare process started in new user, mount, pid, uts, ipc
 *            and net namespaces and a cgroup of its own -> it runs sleep
 * Printed: median and 90th percentile in ms, and the ratio of create's
 * median to the hv floor's. Nothing here passes or fails.
 *
 * The caller (toolstack/bench/bench-lifecycle.sh) makes a private
 * XPV_RUNDIR and runs `xpv up` first; BIN names build/bin.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "toolstack/util.h"

#define MAX_RUNS 200
#define INIT_TIMEOUT_MS 20000

static const char *bin;
static char cfg_path[4096];

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* Run build/bin/xpv with args, quietly; its exit status. */
static int xpv(char *const args[])
{
	char prog[4200];
	char *argv[16] = { prog };
	int i, status;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/xpv", bin);
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execv(prog, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- Finding a domain's init from the host ------------------------------ */

/* Whether a process of the cgroup dir runs the program named name. */
static bool cgroup_runs(const char *dir, const char *name)
{
	char path[4200];
	bool found = false;
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	while (f && !found && fscanf(f, "%d", &pid) == 1)
		found = xpv_process_is(pid, name);
	if (f)
		fclose(f);
	return found;
}

/* The memory cgroup of a child of xpv-hv in .../dom<domid>. */
static int domain_cgroup(pid_t hv, unsigned int domid, char *dir, size_t len)
{
	char path[128], line[512], want[32];
	FILE *ch;
	int pid, found = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)hv,
		 (int)hv);
	snprintf(want, sizeof(want), "/dom%u", domid);
	ch = fopen(path, "re");
	while (ch && found && fscanf(ch, "%d", &pid) == 1) {
		FILE *cg;

		snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
		cg = fopen(path, "re");
		while (cg && found && fgets(line, sizeof(line), cg)) {
			char *p = strstr(line, ":memory:");
			size_t n;

			line[strcspn(line, "\n")] = '\0';
			n = strlen(line);
			if (!p || n < strlen(want) ||
			    strcmp(line + n - strlen(want), want))
				continue;
			snprintf(dir, len, "/sys/fs/cgroup/memory%s", p + 8);
			found = 0;
		}
		if (cg)
			fclose(cg);
	}
	if (ch)
		fclose(ch);
	return found;
}

static unsigned int domid_by_name(const char *name)
{
	char cmd[4400], out[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "%s/xpv list 2>/dev/null | awk '$1 == \"%s\" { print $2 }'",
		 bin, name);
	p = popen(cmd, "r");
	if (p && !fgets(out, sizeof(out), p))
		out[0] = '\0';
	if (p)
		pclose(p);
	return strtoul(out, NULL, 10);
}

static pid_t hv_pid(void)
{
	char path[4200];
	const char *run = getenv("XPV_RUNDIR");
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/xpv-hv.pid", run ? run : "/run/xpv");
	f = fopen(path, "re");
	if (f && fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	return pid;
}

/* Until the domain's init runs "sleep"; its time, or < 0. */
static double wait_init(unsigned int domid, double start)
{
	char dir[4200];
	pid_t hv = hv_pid();

	while (now_ms() - start < INIT_TIMEOUT_MS) {
		if (domain_cgroup(hv, domid, dir, sizeof(dir)) == 0 &&
		    cgroup_runs(dir, "sleep"))
			return now_ms() - start;
		sleep_us(200);
	}
	return -1;
}

/* --- The measured operations ------------------------------------------------- */

struct sample {
	double v[MAX_RUNS];
	int n;
};

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(struct sample *s, double p)
{
	int i;

	if (!s->n)
		return -1;
	qsort(s->v, s->n, sizeof(double), cmp);
	i = (int)(p * (s->n - 1) + 0.5);
	return s->v[i];
}

static void add(struct sample *s, double v)
{
	if (s->n < MAX_RUNS && v >= 0)
		s->v[s->n++] = v;
}

static int create_named(const char *name, double *cmd_ms, double *init_ms)
{
	char namearg[128];
	char *args[] = { "create", "-q", cfg_path, namearg, NULL };
	double start = now_ms();
	unsigned int domid;

	snprintf(namearg, sizeof(namearg), "name=\"%s\"", name);
	if (xpv(args))
		return -1;
	*cmd_ms = now_ms() - start;
	domid = domid_by_name(name);
	if (!domid)
		return -1;
	*init_ms = wait_init(domid, start);
	return *init_ms < 0 ? -1 : (int)domid;
}

static double destroy_named(const char *name, unsigned int domid)
{
	char *args[] = { "destroy", (char *)name, NULL };
	char dir[4200];
	double start = now_ms(), t;

	if (xpv(args))
		return -1;
	t = now_ms() - start;
	/* Every resource gone: checked, not timed (destroy returned). */
	if (domain_cgroup(hv_pid(), domid, dir, sizeof(dir)) == 0)
		fprintf(stderr, "bench: domain %u's cgroup is still there\n",
			domid);
	return t;
}

/* The hypervisor alone: create, exec sleep, unpause, see it run. */
static double hv_floor(struct hv *hv)
{
	struct hv_domain_config c = { .memory_kb = 32 * 1024, .vcpus = 1 };
	char *argv[] = { "sleep", "1000", NULL };
	struct hv_exec x = { .path = "/bin/sleep", .argv = argv };
	double start = now_ms(), t;
	hv_domid_t domid;

	if (hv_domain_create(hv, &c, &domid))
		return -1;
	if (hv_domain_exec(hv, domid, &x) || hv_domain_unpause(hv, domid)) {
		if (hv_domain_destroy(hv, domid) < 0)
			fprintf(stderr, "domain %u is left behind\n", domid);
		return -1;
	}
	t = wait_init(domid, start);
	if (hv_domain_destroy(hv, domid) < 0)
		return -1;
	return t;
}

/* Kill every process of a cgroup and wait until it is empty. */
static void empty_cgroup(const char *dir)
{
	char path[4200];
	bool any = true;
	FILE *f;
	int pid;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	while (any) {
		any = false;
		f = fopen(path, "re");
		while (f && fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			any = true;
		}
		if (f)
			fclose(f);
		if (any)
			sleep_us(1000);
	}
}

/* The floor's child: into the cgroup, new namespaces, then the sleeper
 * as pid 1 of its pid namespace. */
static void floor_child(const char *procs)
{
	char pid_text[16];
	int fd = open(procs, O_WRONLY), null = open("/dev/null", O_RDWR);

	snprintf(pid_text, sizeof(pid_text), "%d", (int)getpid());
	if (fd < 0 || write(fd, pid_text, strlen(pid_text)) < 0)
		_exit(125);
	close(fd);
	dup2(null, 0);
	dup2(null, 1);
	dup2(null, 2);
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS |
		    CLONE_NEWIPC | CLONE_NEWNET))
		_exit(126);
	if (fork() == 0)
		execl("/bin/sleep", "sleep", "1000", (char *)NULL);
	_exit(0);
}

/* A bare process in the namespaces of a domain and a cgroup. */
static double process_floor(void)
{
	const char *cg = "/sys/fs/cgroup/memory/xpv-bench-floor";
	char procs[128];
	double start, t = -1;
	int status;
	pid_t pid;

	mkdir(cg, 0755);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	start = now_ms();
	pid = fork();
	if (pid == 0)
		floor_child(procs);
	while (pid > 0 && now_ms() - start < INIT_TIMEOUT_MS) {
		if (cgroup_runs(cg, "sleep")) {
			t = now_ms() - start;
			break;
		}
		sleep_us(200);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	empty_cgroup(cg);
	rmdir(cg);
	return t;
}

/* --- The run ------------------------------------------------------------------ */

static int fill_to(int running, int want)
{
	char name[32];
	double a, b;

	for (; running < want; running++) {
		snprintf(name, sizeof(name), "bg%d", running);
		if (create_named(name, &a, &b) < 0) {
			fprintf(stderr, "bench: cannot create %s\n", name);
			return -1;
		}
	}
	return running;
}

static void report(const char *what, struct sample *s, double floor)
{
	double med = pct(s, 0.5);

	printf("  %-30s %8.1f %8.1f", what, med, pct(s, 0.9));
	if (floor > 0)
		printf("   %5.1fx", med / floor);
	putchar('\n');
}

static void level(int running, int runs, struct hv *hv)
{
	struct sample create = { 0 }, cmd = { 0 }, destroy = { 0 }, hvf = { 0 },
		      proc = { 0 };
	char name[32];
	double c, i, hv_med;
	int r, domid;

	for (r = 0; r < runs; r++) {
		snprintf(name, sizeof(name), "run%d", r);
		domid = create_named(name, &c, &i);
		if (domid < 0) {
			fprintf(stderr, "bench: create %s failed\n", name);
			continue;
		}
		add(&cmd, c);
		add(&create, i);
		add(&destroy, destroy_named(name, domid));
		add(&hvf, hv_floor(hv));
		add(&proc, process_floor());
	}
	hv_med = pct(&hvf, 0.5);
	printf("\nwith %d domains running (%d runs; ms)      median      p90   /hv floor\n",
	       running, create.n);
	report("create -> init runs", &create, hv_med);
	report("xpv create returns", &cmd, hv_med);
	report("destroy -> all gone", &destroy, 0);
	report("floor: hv create+exec", &hvf, 0);
	report("floor: bare process in ns+cg", &proc, 0);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const int levels[] = { 1, 10, 50 };
	int runs = argc > 1 ? atoi(argv[1]) : 20, running = 0;
	const char *run = getenv("XPV_RUNDIR");
	struct hv *hv;
	char why[256];
	unsigned int l;

	bin = getenv("BIN");
	if (!bin || !run || runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: BIN=... XPV_RUNDIR=... "
				"bench-lifecycle [RUNS]\n");
		return 2;
	}
	snprintf(cfg_path, sizeof(cfg_path), "%s/bench.cfg", run);
	if (hv_open(&hv, why, sizeof(why))) {
		fprintf(stderr, "bench: %s\n", why);
		return 1;
	}
	printf("bench-lifecycle: %d runs per level; a domain is 32 MiB, "
	       "1 vcpu, init `sleep 1000', its console on xpv-consoled\n",
	       runs);
	for (l = 0; l < sizeof(levels) / sizeof(*levels); l++) {
		running = fill_to(running, levels[l]);
		if (running < 0)
			break;
		level(running, runs, hv);
	}
	hv_close(hv);
	return running < 0;
}
