/*
 * test-guest-world - a hostile guest tries to reach the host's world from
 * its own (docs/hv.md, "A guest's world" and "Security"). Each case starts
 * hostile-world-guest (world-guest.c) as a domain's init on a private
 * xpv-hv and runs one attack from inside it; the case passes when the
 * attack fails and what the guest saw is only its own.
 *
 * The driver runs in a mount namespace of its own (so the named-root case
 * can bind /usr into a directory without touching the host's mounts), as
 * root: sim guests need xpv-hv's namespaces and cgroups. Exit 0 pass, 77
 * skip (not root), else fail.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hv/hv.h"
#include "hv/tests/harness.h"
#include "tests/hostile-guest/driver.h"

#define WORLD_MAX_PTYS 16 /* daemon.h */

/* What xpv-hv's own environment holds, which no guest may see. */
#define HV_SECRET "XPV_TEST_HV_SECRET=the-hypervisor-s-own"

static struct hv *hv;

/* Run one attack on a fresh guest started as s says. */
static int with_guest(const struct hg_start *s, int (*attack)(struct hg *))
{
	struct hg g;
	int r = hg_start(hv, &g, s);

	if (r == 0)
		r = attack(&g);
	hg_stop(hv, &g);
	return r;
}

static const struct hg_start plain;

/* --- /proc and unmounting ------------------------------------------ */

/* Paths of the host a guest must not see. */
static const char *const host_paths[] = {
	"/work", "/root", "/home",	   "/var",	 "/run",
	"/sys",	 "/opt",  "/etc/hostname", "/etc/passwd"
};

static int sees_nothing_of_host(struct hg *g)
{
	unsigned int i;

	/* Our own name is in our cmdline: visible only through a /proc of
	 * the host's pid namespace. */
	REQUIRE(hg_cmd(g, "procscan test-guest-world") == 0, "procscan: %s",
		g->line);
	REQUIRE(hg_field(g, 1) == 0, "a host process is visible: %s", g->line);
	REQUIRE(hg_field(g, 0) > 0 && hg_field(g, 0) <= 4,
		"the guest sees %ld processes", hg_field(g, 0));
	for (i = 0; i < sizeof(host_paths) / sizeof(host_paths[0]); i++) {
		REQUIRE(hg_cmd(g, "exists %s", host_paths[i]) == 0, "exists");
		REQUIRE(hg_field(g, 0) == 0, "the guest sees the host's %s",
			host_paths[i]);
	}
	return 0;
}

static int unmount_proc(struct hg *g)
{
	int r;

	if (sees_nothing_of_host(g))
		return 1;
	r = hg_cmd(g, "umount /proc");
	REQUIRE(r == -EINVAL || r == -EPERM, "umount /proc: %d", r);
	r = hg_cmd(g, "umountall");
	REQUIRE(r == 0, "umountall: %s", g->line);
	return sees_nothing_of_host(g);
}

static int t_proc(void)
{
	return with_guest(&plain, unmount_proc);
}

static int remount_writable(struct hg *g)
{
	static const char *const ro[] = { "/usr", "/", "/dev",
					  "/etc/ld.so.cache" };
	unsigned int i;
	int r;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		r = hg_cmd(g, "remount %s rw", ro[i]);
		REQUIRE(r < 0, "remount %s rw: %s", ro[i], g->line);
		r = hg_cmd(g, "setattr %s", ro[i]);
		REQUIRE(r < 0, "mount_setattr %s rw: %s", ro[i], g->line);
	}
	r = hg_cmd(g, "remount /tmp size=1g");
	REQUIRE(r < 0, "/tmp grown: %s", g->line);
	r = hg_cmd(g, "remount /dev/pts max=4096");
	REQUIRE(r < 0, "/dev/pts grown: %s", g->line);
	r = hg_cmd(g, "write /usr/hostile");
	REQUIRE(r == -EROFS, "write to /usr: %d", r);
	r = hg_cmd(g, "write /hostile");
	REQUIRE(r == -EROFS, "write to /: %d", r);
	return 0;
}

static int t_locked(void)
{
	return with_guest(&plain, remount_writable);
}

/* --- environment and stdio ------------------------------------------- */

static int env_exact(struct hg *g)
{
	REQUIRE(hg_cmd(g, "env") == 0, "env: %s", g->line);
	REQUIRE(strcmp(g->line, "ok\tGUEST=named\tXPV_HV_FD=3") == 0,
		"the init's environment: \"%s\"", g->line);
	return 0;
}

static int t_env(void)
{
	/* Its creator names GUEST and a bogus XPV_HV_FD; xpv-hv's own
	 * environment holds HV_SECRET, ours too. */
	char *envp[] = { "GUEST=named", "XPV_HV_FD=99", NULL };
	struct hg_start s = { .envp = envp };

	return with_guest(&s, env_exact);
}

static int fds_exact(struct hg *g)
{
	char want[128];

	REQUIRE(hg_cmd(g, "fds") == 0, "fds: %s", g->line);
	/* 0, 1: the stdio pairs we made for it; 2: its own /dev/null (1:3);
	 * 3: its connection; nothing else. */
	snprintf(want, sizeof(want), "ok 0:s%ld 1:s%ld 2:c1:3 3:s", g->in_ino,
		 g->out_ino);
	REQUIRE(strncmp(g->line, want, strlen(want)) == 0 &&
			!strchr(g->line + strlen(want), ' '),
		"its fds: \"%s\", want \"%s<ino>\"", g->line, want);
	return 0;
}

static int t_fds(void)
{
	return with_guest(&plain, fds_exact);
}

static int stdio_of_dom0(struct hg *g)
{
	int before1 = fcntl(1, F_GETFL), before2 = fcntl(2, F_GETFL);

	/* The run directory's name is in xpv-hv's log and in our stdout
	 * and stderr (main printed it): reopening any of them would show
	 * it. */
	REQUIRE(hg_cmd(g, "reopen %s", harness_rundir()) == 0, "reopen: %s",
		g->line);
	REQUIRE(hg_field(g, 0) > 0, "nothing could be reopened: %s", g->line);
	REQUIRE(hg_field(g, 1) == 0, "dom0's output read back: %s", g->line);
	REQUIRE(hg_cmd(g, "setfl") == 0, "setfl: %s", g->line);
	REQUIRE(fcntl(1, F_GETFL) == before1 && fcntl(2, F_GETFL) == before2,
		"our stdout/stderr flags changed");
	return 0;
}

static int t_stdio(void)
{
	return with_guest(&plain, stdio_of_dom0);
}

/* --- host directories, /tmp and /dev/shm ---------------------------- */

static long long memcg_usage(hv_domid_t id)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	long long v = -1;
	FILE *f;

	harness_cgroup_dir("memory", id, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", dir);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int host_dirs(struct hg *g)
{
	static const char *const dirs[] = { "/tmp", "/var/tmp", "/dev/shm",
					    "/run/lock" };
	char name[64], path[PATH_MAX];
	unsigned int i;
	int r;

	snprintf(name, sizeof(name), "xpv-hostile-%d", (int)getpid());
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		r = hg_cmd(g, "write %s/%s", dirs[i], name);
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		REQUIRE(access(path, F_OK) != 0,
			"the guest wrote the host's %s", path);
		/* Its own /tmp and /dev/shm take it; the others are not
		 * there and cannot be made (read-only root and /dev). */
		if (strcmp(dirs[i], "/tmp") == 0 ||
		    strcmp(dirs[i], "/dev/shm") == 0)
			REQUIRE(r == 0, "its own %s: %s", dirs[i], g->line);
		else
			REQUIRE(r == -ENOENT || r == -EROFS, "%s: %d", dirs[i],
				r);
	}
	return 0;
}

static int t_host_dirs(void)
{
	return with_guest(&plain, host_dirs);
}

/* A 16 MiB guest writes 64 MiB to each: it gets its memory's worth, the
 * host none, and its memory cgroup pays for what it wrote. */
static int fill_tmpfs(struct hg *g)
{
	static const char *const dirs[] = { "/tmp", "/dev/shm" };
	long long before = memcg_usage(g->id), wrote = 0;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		REQUIRE(hg_cmd(g, "fill %s/fill 64", dirs[i]) == 0, "fill: %s",
			g->line);
		REQUIRE(hg_field(g, 1) == ENOSPC,
			"%s did not stop at its size: %s", dirs[i], g->line);
		REQUIRE(hg_field(g, 0) <= HG_MEMORY_KB * 1024LL &&
				hg_field(g, 0) >=
					HG_MEMORY_KB * 1024LL - (1 << 20),
			"%s took %ld bytes", dirs[i], hg_field(g, 0));
		wrote += hg_field(g, 0);
	}
	if (before >= 0) {
		long long after = memcg_usage(g->id);

		printf("    memory cgroup: %lld -> %lld bytes after %lld "
		       "written to tmpfs\n",
		       before, after, wrote);
		REQUIRE(after - before >= wrote - (2 << 20),
			"tmpfs pages not charged to the domain: %lld -> %lld",
			before, after);
	}
	return 0;
}

static int t_fill(void)
{
	return with_guest(&plain, fill_tmpfs);
}

/* --- domain id reuse ------------------------------------------------- */

static int t_domid_reuse(void)
{
	struct hg_start s = { .domid = 7 };
	int pids[64], n = 0;
	struct hg a, b;
	int r;

	r = hg_start(hv, &a, &s);
	if (!r && (hg_cmd(&a, "leave /tmp/left secret-of-a") ||
		   hg_cmd(&a, "leave /dev/shm/left secret-of-a") ||
		   hg_cmd(&a, "spawn")))
		r = 1;
	/* Its init and the process it spawned, seen from the host. */
	if (!r && (n = hg_cgroup_pids(a.id, pids, 64)) < 2)
		r = 1;
	hg_stop(hv, &a);
	REQUIRE(r == 0, "domain 7's first guest (%d processes): %s", n, a.line);
	REQUIRE(hg_alive(pids, n) == 0,
		"processes of domain 7 outlive its destroy");
	r = hg_start(hv, &b, &s);
	if (!r) {
		int t = hg_cmd(&b, "look /tmp/left"),
		    m = hg_cmd(&b, "look /dev/shm/left");

		if (t != -ENOENT || m != -ENOENT) {
			printf("    the next domain 7 reads: /tmp %d, /dev/shm "
			       "%d: %s\n",
			       t, m, b.line);
			r = 1;
		}
	}
	hg_stop(hv, &b);
	return r;
}

/* --- its own /dev/fuse ------------------------------------------------ */

/* Does dom0's mountinfo hold a mount whose source is `source`? */
static bool host_has_source(const char *source)
{
	char line[4096], src[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		found = dash && sscanf(dash, " - %*s %4095s", src) == 1 &&
			!strcmp(src, source);
	}
	if (f)
		fclose(f);
	return found;
}

static int own_fuse(struct hg *g)
{
	struct stat host;

	REQUIRE(hg_cmd(g, "statnode /dev/fuse") == 0, "statnode: %s", g->line);
	REQUIRE(!strcmp(g->line, "ok 20600 0 10:229"),
		"the guest's /dev/fuse: %s (want its root's, 0600, 10:229)",
		g->line);
	REQUIRE(hg_cmd(g, "mknod /dev/null2") != 0 &&
			hg_cmd(g, "mknod /tmp/null2") != 0,
		"the guest made a device node: %s", g->line);
	REQUIRE(hg_cmd(g, "fuse /tmp") == 0, "fuse mount: %s", g->line);
	REQUIRE(hg_cmd(g, "mounted /tmp") == 0 && hg_field(g, 0) == 1 &&
			strstr(g->line, " fuse"),
		"the guest's mount: %s", g->line);
	REQUIRE(!host_has_source("world-guest"), "dom0 sees the guest's mount");
	REQUIRE(stat("/dev/fuse", &host) == 0 && host.st_uid == 0 &&
			(host.st_mode & 07777) == 0600,
		"the host's /dev/fuse changed: %o uid %u", host.st_mode,
		host.st_uid);
	REQUIRE(hg_cmd(g, "release") == 0, "release: %s", g->line);
	return 0;
}

static int no_fuse(struct hg *g)
{
	REQUIRE(hg_cmd(g, "exists /dev/fuse") == 0 && hg_field(g, 0) == 0,
		"a guest not given FUSE has /dev/fuse");
	return 0;
}

static int t_fuse(void)
{
	const struct hg_start with = { .fuse = true };

	return with_guest(&plain, no_fuse) ?: with_guest(&with, own_fuse);
}

/* --- ptys, AIO, inotify ---------------------------------------------- */

static int own_ptys(struct hg *g)
{
	struct stat host;
	char want[64];

	REQUIRE(stat("/dev/pts", &host) == 0, "stat /dev/pts");
	REQUIRE(hg_cmd(g, "statdev /dev/pts") == 0, "statdev: %s", g->line);
	snprintf(want, sizeof(want), "ok %u:%u", major(host.st_dev),
		 minor(host.st_dev));
	REQUIRE(strcmp(g->line, want) != 0,
		"the guest's /dev/pts is the host's");
	REQUIRE(hg_cmd(g, "ptmx 100") == 0, "ptmx: %s", g->line);
	REQUIRE(hg_field(g, 0) == WORLD_MAX_PTYS && hg_field(g, 1) == ENOSPC,
		"ptys opened: %s", g->line);
	return hg_cmd(g, "release") == 0 ? 0 : 1;
}

static int t_ptys(void)
{
	return with_guest(&plain, own_ptys);
}

static int no_aio(struct hg *g)
{
	int r = hg_cmd(g, "aio");

	REQUIRE(r == -ENOSYS, "io_setup in a guest: %d", r);
	return 0;
}

static int t_aio(void)
{
	return with_guest(&plain, no_aio);
}

/* inotify instances count per user along the namespaces' owners: the
 * guest's are the domain's host uid's, so root keeps its own. */
static int inotify_own_count(struct hg *g)
{
	int fd;

	REQUIRE(hg_cmd(g, "inotify 100000") == 0, "inotify: %s", g->line);
	REQUIRE(hg_field(g, 1) == EMFILE,
		"not stopped by the per-user limit: %s", g->line);
	fd = inotify_init1(IN_CLOEXEC);
	REQUIRE(fd >= 0,
		"dom0 cannot make an inotify instance (%s) while the "
		"guest holds %ld",
		strerror(errno), hg_field(g, 0));
	close(fd);
	return hg_cmd(g, "release") == 0 ? 0 : 1;
}

static int t_inotify(void)
{
	int fd = inotify_init1(IN_CLOEXEC);

	if (fd < 0) {
		printf("    root has no inotify instance left here: %s\n",
		       strerror(errno));
		return 77;
	}
	close(fd);
	return with_guest(&plain, inotify_own_count);
}

/* --- a named root, read-only directories ----------------------------- */

static char named_root[] = "/tmp/xpv-world-root.XXXXXX";

static int mk(const char *sub, mode_t mode)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", named_root, sub);
	return mkdir(p, mode);
}

/* A root with its mount points, /usr bound in (in our private mount
 * namespace, which xpv-hv shares), the host's /bin, /lib... links, a
 * marker, a directory the domain owns, and a device node. */
static int make_named_root(uid_t owner)
{
	static const char *const links[] = { "bin", "lib", "lib64", "sbin" };
	char p[PATH_MAX], target[256];
	unsigned int i;
	FILE *f;

	REQUIRE(mkdtemp(named_root) && chmod(named_root, 0755) == 0, "mkdtemp");
	REQUIRE(!mk("proc", 0755) && !mk("dev", 0755) && !mk("tmp", 0755) &&
			!mk("usr", 0755) && !mk("data", 0755),
		"mkdir");
	snprintf(p, sizeof(p), "%s/usr", named_root);
	REQUIRE(mount("/usr", p, NULL, MS_BIND | MS_REC, NULL) == 0,
		"bind /usr: %s", strerror(errno));
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char host[64];
		ssize_t n;

		snprintf(host, sizeof(host), "/%s", links[i]);
		n = readlink(host, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		snprintf(p, sizeof(p), "%s/%s", named_root, links[i]);
		REQUIRE(symlink(target, p) == 0, "symlink");
	}
	snprintf(p, sizeof(p), "%s/marker", named_root);
	f = fopen(p, "w");
	REQUIRE(f && fputs("named-root\n", f) >= 0 && fclose(f) == 0, "marker");
	snprintf(p, sizeof(p), "%s/data", named_root);
	REQUIRE(chown(p, owner, owner) == 0, "chown");
	snprintf(p, sizeof(p), "%s/nulldev", named_root);
	REQUIRE(mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0, "mknod");
	return 0;
}

static void remove_named_root(void)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/usr", named_root);
	umount2(p, MNT_DETACH);
	snprintf(p, sizeof(p), "rm -rf '%s'", named_root);
	if (system(p) != 0)
		printf("    could not remove %s\n", named_root);
}

static int in_named_root(struct hg *g)
{
	char p[PATH_MAX];
	struct stat st;
	int r;

	REQUIRE(hg_cmd(g, "look /marker") == 0 &&
			!strcmp(g->line, "ok named-root"),
		"the named root's marker: %s", g->line);
	REQUIRE(hg_cmd(g, "write /data/mine") == 0, "its own directory: %s",
		g->line);
	snprintf(p, sizeof(p), "%s/data/mine", named_root);
	REQUIRE(stat(p, &st) == 0 && st.st_uid == hg_uid(g->id),
		"the file it wrote, on the host");
	r = hg_cmd(g, "write /hostile");
	REQUIRE(r == -EACCES, "write to the root's top (root's, 0755): %d", r);
	r = hg_cmd(g, "look /nulldev");
	REQUIRE(r == -EACCES, "a device node in the named root opened: %d", r);
	REQUIRE(hg_cmd(g, "look /proc/self/comm") == 0, "its /proc: %s",
		g->line);
	return sees_nothing_of_host(g);
}

static int t_named_root(void)
{
	struct hg_start s = { .domid = 9, .root = named_root };
	struct hg g;
	int r;

	r = make_named_root(hg_uid(s.domid));
	if (!r)
		r = with_guest(&s, in_named_root);
	if (!r) {
		/* Without its mount points it is refused, not half built. */
		char p[PATH_MAX];
		struct hv_domain_config cfg = { .memory_kb = HG_MEMORY_KB,
						.vcpus = 1 };

		snprintf(p, sizeof(p), "%s/tmp", named_root);
		rmdir(p);
		memset(&g, 0, sizeof(g));
		REQUIRE(hv_domain_create(hv, &cfg, &g.id) == 0, "create");
		r = hg_exec(hv, &g, &s, -1, -1);
		REQUIRE(hv_domain_destroy(hv, g.id) == 0, "destroy");
		if (r != -ENOENT)
			printf("    a root without /tmp: %d\n", r);
		r = r == -ENOENT ? 0 : 1;
	}
	remove_named_root();
	return r;
}

static char bin_dir[PATH_MAX];

static int ro_dir(struct hg *g)
{
	int r;

	REQUIRE(hg_cmd(g, "exists %s/hostile-world-guest", bin_dir) == 0 &&
			hg_field(g, 0) == 1,
		"the read-only directory is not there: %s", g->line);
	r = hg_cmd(g, "write %s/hostile", bin_dir);
	REQUIRE(r == -EROFS, "write to a read-only directory: %d", r);
	return 0;
}

static int t_ro_dirs(void)
{
	char *dirs[] = { bin_dir, NULL };
	struct hg_start s = { .ro_dirs = dirs };

	snprintf(bin_dir, sizeof(bin_dir), "%s",
		 harness_bin("hostile-world-guest"));
	if (!realpath(dirname(bin_dir), bin_dir))
		return 1;
	return with_guest(&s, ro_dir);
}

static const struct test_case cases[] = {
	{ "unmounting /proc (or anything) uncovers nothing of the host", t_proc,
	  true },
	{ "mounts a guest was given cannot be remounted writable or larger",
	  t_locked, true },
	{ "the init's environment is exactly the one its creator named", t_env,
	  true },
	{ "the init has its three stdio fds and its connection, no more", t_fds,
	  true },
	{ "reopening its stdio through /proc/self/fd reads nothing of dom0's",
	  t_stdio, true },
	{ "the host's /tmp, /var/tmp, /dev/shm, /run/lock are out of reach",
	  t_host_dirs, true },
	{ "its /tmp and /dev/shm stop at its memory, charged to its cgroup",
	  t_fill, true },
	{ "domain id reuse: nothing of the old domain, no process of its uid",
	  t_domid_reuse, true },
	{ "its ptys are its own devpts instance, at most 16", t_ptys, true },
	{ "io_setup is refused (fs.aio-nr is host-wide)", t_aio, true },
	{ "its inotify instances count against its uid, not root's", t_inotify,
	  true },
	{ "a root named at exec: its own files, nodev, and nothing else",
	  t_named_root, true },
	{ "a read-only directory of the host at the same path", t_ro_dirs,
	  true },
	{ "/dev/fuse only when given: its root's node, mounts only in its "
	  "namespace",
	  t_fuse, true },
};

/* Our own mount namespace, so the named root's binds stay ours. */
static int private_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

int main(void)
{
	char why[256];
	int err, r;

	r = hg_need_root();
	if (r)
		return r;
	err = private_mounts();
	if (err) {
		printf("FAIL: a private mount namespace: %s\n", strerror(-err));
		return 1;
	}
	putenv(HV_SECRET);
	err = harness_start();
	if (err) {
		printf("FAIL: starting xpv-hv: %s\n", strerror(-err));
		return 1;
	}
	/* What a guest would find if it could read our output back. */
	printf("# run directory %s\n", harness_rundir());
	fprintf(stderr, "# run directory %s\n", harness_rundir());
	fflush(stdout);
	err = hv_open(&hv, why, sizeof(why));
	if (err) {
		printf("FAIL: %s\n", why);
		return 1;
	}
	return hg_main_finish(&hv, cases, sizeof(cases) / sizeof(cases[0]));
}
