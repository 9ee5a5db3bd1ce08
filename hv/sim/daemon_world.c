/*
 * daemon_world.c - a domain's world: the file system its init sees.
 *
 * Built by the init's own process before it runs anything of the guest
 * (daemon_exec.c): just cloned into a new mount namespace and pid
 * namespace, still the host's root, so every host path resolves as dom0
 * sees it. The process then drops to the domain's host uid and enters a
 * user namespace of its own, whose mount namespace is a copy of this one.
 * Copying mounts into a namespace owned by a less privileged user locks
 * them (the kernel sets MNT_LOCKED and locks the read-only, nosuid, nodev
 * and atime flags): the guest can neither unmount nor remount what it was
 * given, and the /proc mounted here cannot be unmounted at all.
 *
 *   /              the minimal root: an empty tmpfs, read-only, or the
 *                  directory named at exec (nosuid, nodev)
 *   /usr           the host's, read-only, nosuid, nodev: programs,
 *                  libraries, interpreters, so dynamically linked programs
 *                  and #! scripts run
 *   /bin /sbin /lib /lib32 /lib64 /libx32
 *                  as the host has them: the same links (into /usr on a
 *                  merged-/usr host), or directories read-only
 *   /etc/ld.so.cache  the host's, read-only: the dynamic loader's index
 *                  (the rest of /etc stays hidden: accounts, host names,
 *                  keys, configuration are none of a guest's business)
 *   ro_dirs        read-only, nosuid, nodev, at the same path
 *   /proc          proc of the domain's own pid namespace
 *   /dev           a read-only tmpfs with the host's null, zero, full,
 *                  random, urandom and tty bound in; pts, the guest's own
 *                  devpts instance (at most WORLD_MAX_PTYS ptys), ptmx a
 *                  link to pts/ptmx; fd, stdin, stdout, stderr links;
 *                  with w->fuse, fuse: a node of the guest's own (below)
 *   /dev/shm /tmp  tmpfs of at most the domain's memory each, owned by the
 *                  guest's root, mode 1777
 *
 * Nothing else of the host is there: no /home, /root, /var, /run, /sys,
 * /opt, /work. Once assembled on a staging directory (visible only in this
 * mount namespace), pivot_root makes it the root and the old root is
 * detached, so no unmount can uncover anything of the host. Every mount
 * lives in the domain's namespaces only: when its last process is gone,
 * so is all of it (its /tmp and /dev/shm included); a SIGKILLed xpv-hv
 * leaves none of it on the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

/* Host directories at the top of a root that may be links into /usr. */
static const char *const top_dirs[] = { "bin",	 "sbin",  "lib",
					"lib32", "lib64", "libx32" };
#define NR_TOP (sizeof(top_dirs) / sizeof(top_dirs[0]))

/* The device nodes a guest gets: harmless ones every program expects. */
static const char *const dev_nodes[] = { "null",   "zero",    "full",
					 "random", "urandom", "tty" };
#define NR_DEVS (sizeof(dev_nodes) / sizeof(dev_nodes[0]))

#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

/* What is taken of the host, before anything is mounted over it. */
struct host_trees {
	int root; /* the named root, or -1 */
	int usr, ldcache;
	int top[NR_TOP]; /* a directory's tree, or -1 */
	char top_link[NR_TOP][256]; /* or a link's target, or "" */
	int ro[HV_EXEC_MAX_RO_DIRS];
	int dev[NR_DEVS];
};

/* Note the step that failed, for xpv-hv's log; returns err (-errno). */
static int note(struct world_error *e, int err, const char *what,
		const char *arg)
{
	snprintf(e->what, sizeof(e->what), "%s %s", what, arg ? arg : "");
	return err;
}

/* A detached copy of the host's tree at path (with what is mounted below
 * it), with attrs set on all of it; -errno. */
static int take_tree(const char *path, unsigned int attrs, bool recursive)
{
	struct mount_attr ma = { .attr_set = attrs };
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	int fd = open_tree(AT_FDCWD, path,
			   OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rec);

	if (fd < 0)
		return -errno;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | rec, &ma, sizeof(ma)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Put a taken tree at where (relative to the new root); closes it. */
static int attach(int tree, const char *where)
{
	int err = 0;

	if (move_mount(tree, "", AT_FDCWD, where, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		err = -errno;
	close(tree);
	return err;
}

static void init_trees(struct host_trees *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	t->root = t->usr = t->ldcache = -1;
	for (i = 0; i < NR_TOP; i++)
		t->top[i] = -1;
	for (i = 0; i < HV_EXEC_MAX_RO_DIRS; i++)
		t->ro[i] = -1;
	for (i = 0; i < NR_DEVS; i++)
		t->dev[i] = -1;
}

/* /bin, /lib...: the same link, or the directory read-only, or nothing. */
static int take_top(struct host_trees *t, unsigned int i)
{
	char path[64];
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/%s", top_dirs[i]);
	if (lstat(path, &st) < 0)
		return 0;
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, t->top_link[i], sizeof(t->top_link[i]) - 1);
		if (n < 0)
			return -errno;
		t->top_link[i][n] = '\0';
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return 0;
	t->top[i] = take_tree(path, RO_ATTRS, true);
	return t->top[i] < 0 ? t->top[i] : 0;
}

static int take_minimal(const struct world *w, struct host_trees *t,
			struct world_error *e)
{
	unsigned int i;
	int err;

	t->usr = take_tree("/usr", RO_ATTRS, true);
	if (t->usr < 0)
		return note(e, t->usr, "taking", "/usr");
	for (i = 0; i < NR_TOP; i++) {
		err = take_top(t, i);
		if (err)
			return note(e, err, "taking", top_dirs[i]);
	}
	/* Without the cache the loader still searches its default paths. */
	t->ldcache = take_tree("/etc/ld.so.cache", RO_ATTRS | MOUNT_ATTR_NOEXEC,
			       false);
	for (i = 0; w->ro_dirs && w->ro_dirs[i]; i++) {
		t->ro[i] = take_tree(w->ro_dirs[i], RO_ATTRS, true);
		if (t->ro[i] < 0)
			return note(e, t->ro[i], "taking", w->ro_dirs[i]);
	}
	return 0;
}

static int take_host(const struct world *w, struct host_trees *t,
		     struct world_error *e)
{
	char path[64];
	unsigned int i;
	int err;

	for (i = 0; i < NR_DEVS; i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		t->dev[i] = take_tree(
			path, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, false);
		if (t->dev[i] < 0)
			return note(e, t->dev[i], "taking", path);
	}
	if (!w->root)
		return take_minimal(w, t, e);
	t->root =
		take_tree(w->root, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, true);
	err = t->root;
	return err < 0 ? note(e, err, "taking", w->root) : 0;
}

static void drop_trees(struct host_trees *t)
{
	unsigned int i;

	if (t->root >= 0)
		close(t->root);
	if (t->usr >= 0)
		close(t->usr);
	if (t->ldcache >= 0)
		close(t->ldcache);
	for (i = 0; i < NR_TOP; i++)
		if (t->top[i] >= 0)
			close(t->top[i]);
	for (i = 0; i < HV_EXEC_MAX_RO_DIRS; i++)
		if (t->ro[i] >= 0)
			close(t->ro[i]);
	for (i = 0; i < NR_DEVS; i++)
		if (t->dev[i] >= 0)
			close(t->dev[i]);
	init_trees(t);
}

/* An empty file to mount a file on. */
static int make_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* mkdir -p of a path relative to the current directory. */
static int make_path(const char *rel)
{
	char p[4096];
	size_t i;

	if (snprintf(p, sizeof(p), "%s", rel) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (i = 1; p[i]; i++) {
		if (p[i] != '/')
			continue;
		p[i] = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		p[i] = '/';
	}
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* Make the mount point where (a file for a file's tree, else a directory)
 * and put the taken tree there; the tree is used up either way. */
static int place(int *tree, const char *where, bool file)
{
	int fd = *tree, err;

	*tree = -1;
	err = file ? make_file(where) : make_path(where);
	if (!err)
		return attach(fd, where);
	close(fd);
	return err;
}

static int tmpfs(const char *where, const char *opts)
{
	return mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0 ?
		       -errno :
		       0;
}

/* A tmpfs the guest may fill up to the domain's memory: /tmp, /dev/shm. */
static int guest_tmpfs(const struct world *w, const char *where)
{
	char opts[128];

	snprintf(opts, sizeof(opts),
		 "size=%llu,nr_inodes=%u,mode=1777,uid=%u,gid=%u",
		 (unsigned long long)w->tmpfs_bytes, WORLD_TMPFS_INODES,
		 (unsigned int)w->uid, (unsigned int)w->uid);
	return tmpfs(where, opts);
}

/* /bin, /lib...: the host's links, or its directories read-only. */
static int place_top(struct host_trees *t, struct world_error *e)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_TOP; i++) {
		if (t->top_link[i][0] &&
		    symlink(t->top_link[i], top_dirs[i]) < 0)
			return note(e, -errno, "linking", top_dirs[i]);
		if (t->top[i] < 0)
			continue;
		err = place(&t->top[i], top_dirs[i], false);
		if (err)
			return note(e, err, "mounting", top_dirs[i]);
	}
	return 0;
}

static int populate_minimal(const struct world *w, struct host_trees *t,
			    struct world_error *e)
{
	static const char *const dirs[] = { "etc", "proc", "dev", "tmp" };
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(dirs[i], 0755) < 0)
			return note(e, -errno, "mkdir", dirs[i]);
	/* /tmp before the host's directories: one that lives under the
	 * host's /tmp (a tree cloned there) is bound onto the guest's /tmp,
	 * not hidden under it. */
	if (guest_tmpfs(w, "tmp"))
		return note(e, -errno, "mounting", "/tmp");
	err = place(&t->usr, "usr", false);
	if (err)
		return note(e, err, "mounting", "/usr");
	err = place_top(t, e);
	if (err)
		return err;
	if (t->ldcache >= 0) {
		err = place(&t->ldcache, "etc/ld.so.cache", true);
		if (err)
			return note(e, err, "mounting", "/etc/ld.so.cache");
	}
	for (i = 0; w->ro_dirs && w->ro_dirs[i]; i++) {
		/* Absolute (checked by daemon_exec.c): under our root. */
		err = place(&t->ro[i], w->ro_dirs[i] + 1, false);
		if (err)
			return note(e, err, "mounting", w->ro_dirs[i]);
	}
	return 0;
}

/* A named root must offer the mount points; we never write into it. */
static int check_named(struct world_error *e)
{
	static const char *const dirs[] = { "proc", "dev", "tmp" };
	struct stat st;
	unsigned int i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (stat(dirs[i], &st) < 0)
			return note(e, -errno, "the named root has no",
				    dirs[i]);
		if (!S_ISDIR(st.st_mode))
			return note(e, -ENOTDIR,
				    "the named root has no directory", dirs[i]);
	}
	return 0;
}

static int dev_links(void)
{
	static const char *const links[][2] = {
		{ "pts/ptmx", "dev/ptmx" },
		{ "/proc/self/fd", "dev/fd" },
		{ "/proc/self/fd/0", "dev/stdin" },
		{ "/proc/self/fd/1", "dev/stdout" },
		{ "/proc/self/fd/2", "dev/stderr" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return -errno;
	return 0;
}

/*
 * The guest's own FUSE device (hv_exec.fuse), for its kernel to serve its
 * disks as files (docs/block.md). Not the host's /dev/fuse bound in: that
 * one is root's, mode 0600, and must stay so. A node of the same device
 * (FUSE_MINOR of the misc major, linux/miscdevice.h) is made here, as the
 * host's root, owned by the guest's root, mode 0600. /dev is mounted
 * nodev, so the node is bound onto itself with nodev cleared: of /dev's
 * own files it alone is a device. What opening it allows is a FUSE mount
 * in the guest's own mount namespace (its user namespace owns it), which
 * no process of dom0 enters.
 */
static int make_fuse(const struct world *w)
{
	struct mount_attr ma = {
		.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
		.attr_clr = MOUNT_ATTR_NODEV,
	};
	int tree;

	if (mknod("dev/fuse", S_IFCHR | 0600, makedev(10, 229)) < 0 ||
	    chown("dev/fuse", w->uid, w->uid) < 0)
		return -errno;
	tree = open_tree(AT_FDCWD, "dev/fuse",
			 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return -errno;
	if (mount_setattr(tree, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0) {
		int err = -errno;

		close(tree);
		return err;
	}
	return attach(tree, "dev/fuse");
}

static int build_dev(const struct world *w, struct host_trees *t,
		     struct world_error *e)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	char path[64], opts[96];
	unsigned int i;
	int err;

	if (tmpfs("dev", "size=64k,nr_inodes=64,mode=0755"))
		return note(e, -errno, "mounting", "/dev");
	for (i = 0; i < NR_DEVS; i++) {
		snprintf(path, sizeof(path), "dev/%s", dev_nodes[i]);
		err = place(&t->dev[i], path, true);
		if (err)
			return note(e, err, "mounting", path);
	}
	if (mkdir("dev/pts", 0755) < 0 || mkdir("dev/shm", 0755) < 0)
		return note(e, -errno, "mkdir", "/dev/pts or /dev/shm");
	snprintf(opts, sizeof(opts),
		 "newinstance,ptmxmode=0666,mode=0620,max=%u", WORLD_MAX_PTYS);
	if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, opts))
		return note(e, -errno, "mounting", "/dev/pts");
	if (guest_tmpfs(w, "dev/shm"))
		return note(e, -errno, "mounting", "/dev/shm");
	if (dev_links())
		return note(e, -errno, "linking in", "/dev");
	if (w->fuse) {
		err = make_fuse(w);
		if (err)
			return note(e, err, "making", "/dev/fuse");
	}
	if (mount_setattr(AT_FDCWD, "dev", 0, &ro, sizeof(ro)) < 0)
		return note(e, -errno, "making read-only", "/dev");
	return 0;
}

/* The staged root becomes "/", the old one is detached: nothing of the
 * host lies under any mount of the guest. */
static int enter_root(struct world_error *e)
{
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return note(e, -errno, "pivot_root", NULL);
	if (umount2(".", MNT_DETACH) < 0)
		return note(e, -errno, "detaching", "the host's root");
	if (chdir("/") < 0)
		return note(e, -errno, "chdir", "/");
	return 0;
}

static int assemble(const struct world *w, struct host_trees *t,
		    struct world_error *e)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	int err;

	if (w->root) {
		err = attach(t->root, w->stage);
		t->root = -1;
		if (err)
			return note(e, err, "mounting", w->root);
	} else if (tmpfs(w->stage, "size=1m,nr_inodes=256,mode=0755")) {
		return note(e, -errno, "mounting", "the root");
	}
	if (chdir(w->stage) < 0)
		return note(e, -errno, "chdir", w->stage);
	err = w->root ? check_named(e) : populate_minimal(w, t, e);
	if (!err)
		err = build_dev(w, t, e);
	if (!err && w->proc &&
	    mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		err = note(e, -errno, "mounting", "/proc");
	if (!err && w->root && guest_tmpfs(w, "tmp"))
		err = note(e, -errno, "mounting", "/tmp");
	if (!err && !w->root &&
	    mount_setattr(AT_FDCWD, ".", 0, &ro, sizeof(ro)) < 0)
		err = note(e, -errno, "making read-only", "the root");
	return err;
}

int world_build(const struct world *w, struct world_error *e)
{
	struct host_trees t;
	int err;

	init_trees(&t);
	/* Nothing mounted here may reach the host's namespace. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return note(e, -errno, "making private", "/");
	err = take_host(w, &t, e);
	if (!err)
		err = assemble(w, &t, e);
	drop_trees(&t);
	return err ? err : enter_root(e);
}
