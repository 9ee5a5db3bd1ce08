/*
 * daemon_cgroup.c - a domain's cgroup: memory limit, cpu cap, freezing
 * (pause), cpu time, and killing everything in it.
 *
 * The host's cgroup version is found at start: v2 when
 * /sys/fs/cgroup/cgroup.controllers exists, else the v1 controllers
 * mounted under /sys/fs/cgroup/<controller>. Our cgroups live under a
 * directory of our own, xpv/<hash of the run directory>/dom<N>, so
 * instances with different XPV_RUNDIRs never touch each other's, and
 * nothing else on the host is changed.
 *
 *   what          v1 file (controller)              v2 file
 *   memory limit  memory.limit_in_bytes (memory)    memory.max
 *   vcpus (cap)   cpu.cfs_quota_us (cpu)            cpu.max
 *   pause         freezer.state (freezer)           cgroup.freeze
 *   cpu time      cpuacct.usage (cpuacct)           cpu.stat usage_usec
 *   weight, cap, pinning: daemon_sched.c, through cg_write
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

#define ROOT "/sys/fs/cgroup"
#define CFS_PERIOD_US 100000u

static bool v2;
static char base[64]; /* "xpv/<hash>" */

static const char *const v1_ctrls[] = { "memory", "cpu",     "cpuacct",
					"cpuset", "freezer", "pids" };
#define NR_V1 (sizeof(v1_ctrls) / sizeof(v1_ctrls[0]))

int cg_path(hv_domid_t domid, const char *ctrl, char *buf, size_t len)
{
	int n;

	if (v2)
		n = snprintf(buf, len, ROOT "/%s/dom%u", base, domid);
	else
		n = snprintf(buf, len, ROOT "/%s/%s/dom%u", ctrl, base, domid);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int write_str(const char *dir, const char *file, const char *val)
{
	char path[512];
	int fd, err = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	if (n != (ssize_t)strlen(val))
		err = n < 0 ? -errno : -EIO;
	close(fd);
	return err;
}

static int read_str(const char *dir, const char *file, char *buf, size_t len)
{
	char path[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int ctrl_write(hv_domid_t domid, const char *ctrl, const char *file,
		      const char *val)
{
	char dir[256];
	int err = cg_path(domid, ctrl, dir, sizeof(dir));

	return err ? err : write_str(dir, file, val);
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

int cg_init(const char *rundir)
{
	char real[4096];
	unsigned int i;

	v2 = access(ROOT "/cgroup.controllers", F_OK) == 0;
	if (!realpath(rundir, real))
		snprintf(real, sizeof(real), "%s", rundir);
	snprintf(base, sizeof(base), "xpv/%08x", hash(real));
	if (v2)
		return access(ROOT "/cgroup.procs", W_OK) == 0 ? 0 : -EACCES;
	for (i = 0; i < NR_V1; i++) {
		char p[128];

		snprintf(p, sizeof(p), ROOT "/%s/cgroup.procs", v1_ctrls[i]);
		if (access(p, W_OK) < 0)
			return -errno;
	}
	return 0;
}

/* v1 cpuset: a new cgroup starts with no cpus or mems; copy the parent's. */
static int inherit_cpuset(const char *dir)
{
	char parent[512], val[256];
	const char *files[] = { "cpuset.cpus", "cpuset.mems" };
	unsigned int i;
	int err;

	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = '\0';
	for (i = 0; i < 2; i++) {
		err = read_str(parent, files[i], val, sizeof(val));
		if (!err)
			err = write_str(dir, files[i], val);
		if (err)
			return err;
	}
	return 0;
}

/* mkdir -p of dir below `top`, each level set up as the controller needs. */
static int make_dirs(const char *top, const char *dir, bool cpuset)
{
	char p[512];
	size_t i;

	snprintf(p, sizeof(p), "%s", dir);
	for (i = strlen(top) + 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) == 0) {
			if (cpuset)
				inherit_cpuset(p);
		} else if (errno != EEXIST) {
			return -errno;
		}
		p[i] = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -errno;
	return cpuset ? inherit_cpuset(p) : 0;
}

static int enable_v2(void)
{
	char p[256];
	const char *ctl = "+memory +cpu +pids";

	/* Best effort: a controller the host does not offer stays off. */
	write_str(ROOT, "cgroup.subtree_control", ctl);
	snprintf(p, sizeof(p), ROOT "/xpv");
	write_str(p, "cgroup.subtree_control", ctl);
	snprintf(p, sizeof(p), ROOT "/%s", base);
	write_str(p, "cgroup.subtree_control", ctl);
	return 0;
}

int cg_create(hv_domid_t domid)
{
	char dir[256], top[128];
	unsigned int i;
	int err;

	if (v2) {
		cg_path(domid, NULL, dir, sizeof(dir));
		err = make_dirs(ROOT, dir, false);
		if (!err)
			err = enable_v2();
		return err;
	}
	for (i = 0; i < NR_V1; i++) {
		snprintf(top, sizeof(top), ROOT "/%s", v1_ctrls[i]);
		cg_path(domid, v1_ctrls[i], dir, sizeof(dir));
		err = make_dirs(top, dir, strcmp(v1_ctrls[i], "cpuset") == 0);
		if (err) {
			cg_destroy(domid);
			return err;
		}
	}
	return 0;
}

int cg_destroy(hv_domid_t domid)
{
	char dir[256];
	unsigned int i;
	int err = 0;

	if (v2) {
		cg_path(domid, NULL, dir, sizeof(dir));
		return rmdir(dir) < 0 && errno != ENOENT ? -errno : 0;
	}
	for (i = 0; i < NR_V1; i++) {
		cg_path(domid, v1_ctrls[i], dir, sizeof(dir));
		if (rmdir(dir) < 0 && errno != ENOENT)
			err = -errno;
	}
	return err;
}

/* At exit: remove our directory (and xpv/ if no other instance uses it). */
void cg_exit(void)
{
	char p[256];
	unsigned int i;

	for (i = 0; i < (v2 ? 1 : NR_V1); i++) {
		const char *c = v2 ? "" : v1_ctrls[i];

		snprintf(p, sizeof(p), ROOT "/%s%s%s", c, v2 ? "" : "/", base);
		rmdir(p);
		*strrchr(p, '/') = '\0';
		rmdir(p);
	}
}

int cg_attach(hv_domid_t domid, pid_t pid)
{
	char val[32];
	unsigned int i;
	int err;

	snprintf(val, sizeof(val), "%d", (int)pid);
	if (v2)
		return ctrl_write(domid, NULL, "cgroup.procs", val);
	for (i = 0; i < NR_V1; i++) {
		err = ctrl_write(domid, v1_ctrls[i], "cgroup.procs", val);
		if (err)
			return err;
	}
	return 0;
}

/*
 * v1 freezing is asynchronous: a task is frozen when it next leaves the
 * kernel. Running tasks get there at once, so we wait a little
 * (FREEZE_WAIT_MS) for the state to read FROZEN, which it normally does
 * within a millisecond or two. But a task asleep in the kernel in a wait
 * that is not freezable stays FREEZING as long as it sleeps, and a guest
 * chooses that: a process of it faulting on a page of its own FUSE file,
 * whose server (its other process, frozen) never answers. Waiting for it
 * would make xpv-hv wait as long as the guest likes (it once waited a
 * second per freeze, pause then failing), so we stop waiting: such a task
 * is stopped as surely, in the kernel, and freezes on its way out before
 * it runs a single instruction of the guest. Thawing is immediate.
 */
#define FREEZE_WAIT_MS 20

static int wait_frozen(hv_domid_t domid, const char *want)
{
	struct timespec ts = { 0, 1000 * 1000 };
	char dir[256], val[32];
	int i;

	cg_path(domid, "freezer", dir, sizeof(dir));
	for (i = 0; i < FREEZE_WAIT_MS; i++) {
		if (read_str(dir, "freezer.state", val, sizeof(val)) < 0)
			return -EIO;
		if (strncmp(val, want, strlen(want)) == 0)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 0; /* still FREEZING: see above */
}

int cg_freeze(hv_domid_t domid, bool frozen)
{
	const char *st = frozen ? "FROZEN" : "THAWED";
	int err;

	if (v2)
		return ctrl_write(domid, NULL, "cgroup.freeze",
				  frozen ? "1" : "0");
	err = ctrl_write(domid, "freezer", "freezer.state", st);
	return err ? err : wait_frozen(domid, st);
}

int cg_set_memory(hv_domid_t domid, uint64_t bytes)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)bytes);
	if (v2)
		return ctrl_write(domid, NULL, "memory.max", val);
	return ctrl_write(domid, "memory", "memory.limit_in_bytes", val);
}

int cg_write(hv_domid_t domid, const char *ctrl, const char *file,
	     const char *val)
{
	return ctrl_write(domid, ctrl, file, val);
}

bool cg_v2(void)
{
	return v2;
}

/* vcpus caps the domain's cpu time at that many cpus' worth. */
int cg_set_vcpus(hv_domid_t domid, uint32_t vcpus)
{
	char val[64];

	if (v2) {
		snprintf(val, sizeof(val), "%u %u", vcpus * CFS_PERIOD_US,
			 CFS_PERIOD_US);
		return ctrl_write(domid, NULL, "cpu.max", val);
	}
	snprintf(val, sizeof(val), "%u", vcpus * CFS_PERIOD_US);
	return ctrl_write(domid, "cpu", "cpu.cfs_quota_us", val);
}

int cg_set_pids(hv_domid_t domid, uint32_t max)
{
	char val[32];

	snprintf(val, sizeof(val), "%u", max);
	return ctrl_write(domid, v2 ? NULL : "pids", "pids.max", val);
}

static int read_procs(hv_domid_t domid, pid_t *pids, int max)
{
	char dir[256], path[300], line[32];
	int n = 0;
	FILE *f;

	cg_path(domid, v2 ? NULL : "freezer", dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (n < max && fgets(line, sizeof(line), f))
		pids[n++] = (pid_t)atoi(line);
	fclose(f);
	return n;
}

int cg_kill_all(hv_domid_t domid)
{
	pid_t pids[256];
	int n, i;

	if (v2 && ctrl_write(domid, NULL, "cgroup.kill", "1") == 0)
		return 0;
	n = read_procs(domid, pids, 256);
	for (i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	return n < 0 ? n : 0;
}

bool cg_empty(hv_domid_t domid)
{
	pid_t pid;
	int n = read_procs(domid, &pid, 1);

	if (n > 0)
		cg_kill_all(domid);
	return n <= 0;
}

/* The domids that have a directory under our base in any controller. */
static void find_leftovers(bool *found)
{
	unsigned int i;

	for (i = 0; i < (v2 ? 1 : NR_V1); i++) {
		char dir[256];
		struct dirent *e;
		unsigned int id;
		char tail;
		DIR *d;

		if (v2)
			snprintf(dir, sizeof(dir), ROOT "/%s", base);
		else
			snprintf(dir, sizeof(dir), ROOT "/%s/%s", v1_ctrls[i],
				 base);
		d = opendir(dir);
		if (!d)
			continue;
		while ((e = readdir(d)))
			if (sscanf(e->d_name, "dom%u%c", &id, &tail) == 1 &&
			    id > 0 && id < SIM_MAX_DOMS)
				found[id] = true;
		closedir(d);
	}
}

/* Kill what is left in a predecessor's domain cgroup (frozen, a paused
 * domain's tasks would not die until thawed; freezing first also stops
 * them forking meanwhile), up to a second (each round 10 ms, and at most
 * FREEZE_WAIT_MS more while a task cannot be frozen); how many were
 * found. */
static int kill_leftover(hv_domid_t domid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t pids[256];
	int found = read_procs(domid, pids, 256), i;

	for (i = 0; i < 30 && !cg_empty(domid); i++) {
		cg_freeze(domid, true);
		cg_kill_all(domid);
		cg_freeze(domid, false);
		nanosleep(&ts, NULL);
	}
	return found < 0 ? 0 : found;
}

void cg_remove_leftovers(void)
{
	bool found[SIM_MAX_DOMS] = { false };
	unsigned int id;

	find_leftovers(found);
	for (id = 1; id < SIM_MAX_DOMS; id++) {
		int n;

		if (!found[id])
			continue;
		n = kill_leftover((hv_domid_t)id);
		if (cg_destroy((hv_domid_t)id) == 0)
			hvd_log("dom%u: left by an xpv-hv that was killed: "
				"gone (%d processes killed, cgroup removed)",
				id, n);
		else
			hvd_log("dom%u: left by an xpv-hv that was killed: "
				"its cgroup could not be removed",
				id);
	}
}

uint64_t cg_cpu_ns(hv_domid_t domid)
{
	char dir[256], buf[512], *p;

	if (v2) {
		cg_path(domid, NULL, dir, sizeof(dir));
		if (read_str(dir, "cpu.stat", buf, sizeof(buf)) < 0)
			return 0;
		p = strstr(buf, "usage_usec ");
		return p ? strtoull(p + 11, NULL, 10) * 1000 : 0;
	}
	cg_path(domid, "cpuacct", dir, sizeof(dir));
	if (read_str(dir, "cpuacct.usage", buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}
