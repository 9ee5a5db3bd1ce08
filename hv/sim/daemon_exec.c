/*
 * daemon_exec.c - SIM_OP_DOM_EXEC: start a domain's init, a child of
 * xpv-hv in namespaces of its own (by default user, mount, pid, uts, ipc
 * and net), in the world daemon_world.c builds, placed in the domain's
 * cgroup before it runs a single instruction of the guest program, with
 * the domain's first connection as XPV_HV_FD.
 *
 * The child, step by step (a sync socket between it and xpv-hv):
 *
 *   1. cloned into a new mount and pid namespace, still the host's root:
 *      it keeps only the fds the guest gets and builds its world
 *      (daemon_world.c), ending in its own root;
 *   2. becomes the domain's host uid, SIM_UID_BASE + 65536 * domid, and
 *      unshares a user namespace owned by that uid with the remaining
 *      namespaces (uts, ipc, net, and a mount namespace whose copy locks
 *      every mount of step 1); tells xpv-hv how it went;
 *   3. xpv-hv writes its id maps (0..65535 in it = that uid range on the
 *      host), moves it into the domain's cgroup and says go; a paused
 *      domain's cgroup is frozen, so what follows runs once it is unpaused;
 *   4. it becomes root of its namespace, sets the hostname dom<N>, takes
 *      back the resource limits xpv-hv was started with, opens its own
 *      /dev/null for the stdio its creator did not pass, installs its
 *      seccomp filter and execs the init with exactly the environment its
 *      creator named (and XPV_HV_FD=3).
 *
 * Owning its user namespace as that uid, not as root, makes the kernel
 * charge what is counted per user along the chain of namespaces
 * (inotify instances and watches, user and mount namespaces, posix
 * message queues, processes) to the domain's host uid instead of the
 * host's root.
 *
 * The program is opened here, by root, before the child gives up its
 * privileges, and run with execveat() on that fd: it need not be inside
 * the guest's root, and a path that does not exist is an error for the
 * caller, not a domain that dies at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

#define SIM_UID_BASE 0x10000000u
#define STACK_SIZE (256 * 1024)
/* How long the child may take to build its world (normally a few ms). */
#define SETUP_MS 10000

/* The child's fds from step 1 on: stdio on 0-2, then these. */
#define CONN_FD 3 /* the domain's first connection, XPV_HV_FD */
#define EXE_FD 4 /* the program, close-on-exec */
#define SYNC_FD 5 /* to xpv-hv, close-on-exec, closed before the exec */

/* An exec request, parsed (proto.h struct sim_exec). */
struct exec_req {
	const char *path, *root;
	char **argv; /* NULL-ended */
	char **envp; /* NULL-ended, XPV_HV_FD=3 last */
	char **ro_dirs; /* NULL-ended, or NULL */
	int stdio[3]; /* -1: the guest's own /dev/null */
	bool fuse; /* its own /dev/fuse */
};

struct child_args {
	hv_domid_t domid;
	int ns; /* CLONE_NEW* of the domain */
	int conn, exe, sync; /* xpv-hv's numbers, placed by the child */
	const struct exec_req *x;
	struct world world;
};

/* What the child tells xpv-hv after step 2. */
struct setup_result {
	int err;
	struct world_error e;
};

static uid_t host_uid(hv_domid_t domid)
{
	return SIM_UID_BASE + 65536u * domid;
}

/* --- the child -------------------------------------------------------- */

/* Keep only the fds the guest gets (and the sync socket), at their
 * numbers; a stdio slot not passed stays closed until /dev/null fills it. */
static int place_fds(const struct child_args *a)
{
	int high[6], i;

	for (i = 0; i < 3; i++)
		high[i] = a->x->stdio[i] < 0 ?
				  -1 :
				  fcntl(a->x->stdio[i], F_DUPFD, 10);
	high[CONN_FD] = fcntl(a->conn, F_DUPFD, 10);
	high[EXE_FD] = fcntl(a->exe, F_DUPFD_CLOEXEC, 10);
	high[SYNC_FD] = fcntl(a->sync, F_DUPFD_CLOEXEC, 10);
	for (i = 0; i < 6; i++) {
		if (i < 3 && a->x->stdio[i] < 0) {
			close(i);
			continue;
		}
		if (high[i] < 0 ||
		    dup3(high[i], i, i >= EXE_FD ? O_CLOEXEC : 0) < 0)
			return -EBADF;
	}
	return syscall(SYS_close_range, SYNC_FD + 1u, ~0u, 0u) < 0 ? -errno : 0;
}

/* Step 2: the domain's host uid, owning a user namespace of its own. */
static int enter_user_ns(const struct child_args *a)
{
	uid_t uid = host_uid(a->domid);
	int rest = a->ns &
		   (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET);

	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -errno;
	return unshare(CLONE_NEWUSER | rest) < 0 ? -errno : 0;
}

static void setup(const struct child_args *a, struct setup_result *res)
{
	res->err = place_fds(a);
	if (res->err) {
		snprintf(res->e.what, sizeof(res->e.what), "placing its fds");
		return;
	}
	if (a->ns & CLONE_NEWNS) {
		res->err = world_build(&a->world, &res->e);
		if (res->err)
			return;
	}
	if (a->ns & CLONE_NEWUSER) {
		res->err = enter_user_ns(a);
		if (res->err)
			snprintf(res->e.what, sizeof(res->e.what),
				 "entering its user namespace");
	}
}

/*
 * A seccomp filter refusing io_setup(2) with ENOSYS, as a kernel without
 * AIO would: the kernel's AIO contexts count against fs.aio-max-nr, one
 * number for the whole host with no per-user or cgroup bound, so a guest
 * could take them all from dom0. Guests have their rings and io_uring.
 * Every ABI of x86-64 is covered (native, x32, i386).
 */
static int deny_aio(void)
{
#if defined(__x86_64__)
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 6),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_setup, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40000000u | 543u, 2, 3),
		/* i386: io_setup is 245 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 245, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
#else
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
#endif
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]),
				   .filter = f };

	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0 ?
		       -errno :
		       0;
}

/* The stdio its creator did not pass: the guest's own /dev/null. */
static int fill_stdio(const struct child_args *a)
{
	int i, fd;

	for (i = 0; i < 3; i++) {
		if (a->x->stdio[i] >= 0)
			continue;
		fd = open("/dev/null", O_RDWR);
		if (fd < 0)
			return -errno;
		if (fd != i && (dup2(fd, i) < 0 || close(fd) < 0))
			return -errno;
	}
	return 0;
}

/* Step 4, up to the exec; exits on any failure (a crash to xpv-hv). */
static void become_guest(const struct child_args *a)
{
	char host[32];
	sigset_t none;

	if ((a->ns & CLONE_NEWUSER) &&
	    (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 ||
	     setresuid(0, 0, 0) < 0))
		_exit(126);
	/* A domain does not outlive its hypervisor (set after the uid
	 * changes, which clear it). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (a->ns & CLONE_NEWUTS) {
		snprintf(host, sizeof(host), "dom%u", a->domid);
		if (sethostname(host, strlen(host)) < 0)
			_exit(126);
	}
	/* Our own fd limit was raised for the ports of every domain; the
	 * guest gets the one we were given. Zero: never raised (the fuzzer). */
	if (hvd.guest_nofile.rlim_max)
		setrlimit(RLIMIT_NOFILE, &hvd.guest_nofile);
	if (fill_stdio(a) < 0 || deny_aio() < 0)
		_exit(126);
	setsid();
	/* xpv-hv blocks the signals it reads from a signalfd. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
}

static int child(void *arg)
{
	const struct child_args *a = arg;
	struct setup_result res = { 0 };
	char go;

	setup(a, &res);
	if (send(SYNC_FD, &res, sizeof(res), MSG_NOSIGNAL) != sizeof(res) ||
	    res.err)
		_exit(126);
	if (recv(SYNC_FD, &go, 1, 0) != 1)
		_exit(126);
	close(SYNC_FD);
	become_guest(a);
	syscall(SYS_execveat, EXE_FD, "", a->x->argv, a->x->envp,
		AT_EMPTY_PATH);
	if (errno == ENOENT) {
		/* A #! script: its interpreter opens /dev/fd/EXE_FD, which a
		 * close-on-exec fd would no longer be (execveat(2)). */
		fcntl(EXE_FD, F_SETFD, 0);
		syscall(SYS_execveat, EXE_FD, "", a->x->argv, a->x->envp,
			AT_EMPTY_PATH);
	}
	_exit(127);
}

/* --- xpv-hv's side ---------------------------------------------------- */

static int write_file(pid_t pid, const char *name, const char *text)
{
	char path[64];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		err = -errno;
	close(fd);
	return err;
}

static int map_ids(pid_t pid, hv_domid_t domid)
{
	char map[64];
	int err;

	snprintf(map, sizeof(map), "0 %u 65536\n", host_uid(domid));
	err = write_file(pid, "uid_map", map);
	if (!err)
		err = write_file(pid, "gid_map", map);
	return err;
}

/* The child's word on steps 1 and 2 (bounded: it runs only our code). */
static int setup_result(struct domain *d, int sync)
{
	struct pollfd p = { .fd = sync, .events = POLLIN };
	struct setup_result res;

	if (poll(&p, 1, SETUP_MS) != 1 ||
	    recv(sync, &res, sizeof(res), MSG_DONTWAIT) != sizeof(res))
		return -EIO;
	if (res.err) {
		res.e.what[sizeof(res.e.what) - 1] = '\0';
		hvd_log("dom%u: cannot start its init: %s: %s", d->domid,
			res.e.what, strerror(-res.err));
	}
	return res.err;
}

/* Clone the init and take it through steps 1-3; its pid, or -errno. */
static pid_t start_init(struct domain *d, struct child_args *a)
{
	int sync[2], err = 0, flags = a->ns;
	char *stack;
	pid_t pid;

	/* With a user namespace, only mount and pid are made as root (to
	 * build the world); the rest is made by the domain's own user. */
	if (a->ns & CLONE_NEWUSER)
		flags = a->ns & (CLONE_NEWNS | CLONE_NEWPID);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0)
		return -errno;
	a->sync = sync[1];
	stack = malloc(STACK_SIZE);
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	pid = clone(child, stack + STACK_SIZE, flags | SIGCHLD, a);
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	close(sync[1]);
	sync[1] = -1;
	err = setup_result(d, sync[0]);
	if (!err && (a->ns & CLONE_NEWUSER))
		err = map_ids(pid, d->domid);
	if (!err && d->has_cgroup)
		err = cg_attach(d->domid, pid);
	if (!err && send(sync[0], "g", 1, MSG_NOSIGNAL) != 1)
		err = -errno;
	/* On failure the SIGCHLD path reaps it; d->init is not set yet. */
	if (err)
		kill(pid, SIGKILL);
out:
	free(stack);
	close(sync[0]);
	if (sync[1] >= 0)
		close(sync[1]);
	return err ? err : pid;
}

static pid_t exec_domain(struct domain *d, const struct exec_req *x,
			 int conn_fd)
{
	struct child_args a = {
		.domid = d->domid,
		.ns = hvd.ns_flags,
		.conn = conn_fd,
		.x = x,
		.world = {
			.root = x->root,
			.ro_dirs = x->ro_dirs,
			.tmpfs_bytes = d->max_kb * 1024,
			.uid = (hvd.ns_flags & CLONE_NEWUSER) ?
				       host_uid(d->domid) : 0,
			.stage = hvd.rundir,
			.proc = (hvd.ns_flags & CLONE_NEWPID) != 0,
			.fuse = x->fuse,
		},
	};
	pid_t pid;

	a.exe = open(x->path, O_PATH | O_CLOEXEC);
	if (a.exe < 0)
		return -errno;
	pid = start_init(d, &a);
	close(a.exe);
	return pid;
}

/* --- the request ------------------------------------------------------ */

/* An absolute path none of whose components is empty, . or .., and not
 * "/" itself. */
static bool clean_abs_path(const char *p)
{
	const char *c = p;

	if (p[0] != '/' || !p[1])
		return false;
	while (*c == '/') {
		const char *end = strchrnul(c + 1, '/');
		size_t n = (size_t)(end - c - 1);

		if (n == 0 || (n == 1 && c[1] == '.') ||
		    (n == 2 && c[1] == '.' && c[2] == '.'))
			return false;
		c = end;
	}
	return true;
}

/* The next of the tail's strings, or NULL when none is left. */
static char *next_str(const uint8_t *tail, size_t len, size_t *off)
{
	char *s = (char *)tail + *off;
	const void *nul;

	if (*off >= len)
		return NULL;
	nul = memchr(s, '\0', len - *off);
	if (!nul)
		return NULL;
	*off = (size_t)((const uint8_t *)nul - tail) + 1;
	return s;
}

/* n strings of the tail into a NULL-ended list with room for `spare`. */
static char **take_list(const uint8_t *tail, size_t len, size_t *off,
			unsigned int n, unsigned int spare, int *err)
{
	char **list = calloc(n + spare + 1, sizeof(*list));
	unsigned int i;

	if (!list) {
		*err = -ENOMEM;
		return NULL;
	}
	for (i = 0; i < n; i++) {
		list[i] = next_str(tail, len, off);
		if (!list[i]) {
			free(list);
			*err = -EINVAL;
			return NULL;
		}
	}
	return list;
}

static void free_req(struct exec_req *x)
{
	free(x->argv);
	free(x->envp);
	free(x->ro_dirs);
}

/* The init's environment: what its creator named, less any XPV_HV_FD,
 * plus ours. The list has room for one more. */
static void set_hv_fd(char **envp)
{
	unsigned int i, k = 0;

	for (i = 0; envp[i]; i++)
		if (strncmp(envp[i], "XPV_HV_FD=", 10) != 0)
			envp[k++] = envp[i];
	envp[k++] = "XPV_HV_FD=3";
	envp[k] = NULL;
}

static int check_req(const struct exec_req *x)
{
	unsigned int i;

	if (!x->path[0] || !x->argv[0] || (x->root && !clean_abs_path(x->root)))
		return -EINVAL;
	for (i = 0; x->ro_dirs && x->ro_dirs[i]; i++)
		if (!clean_abs_path(x->ro_dirs[i]))
			return -EINVAL;
	return 0;
}

static int parse_strings(const struct sim_exec *h, const uint8_t *tail,
			 size_t len, struct exec_req *x)
{
	size_t off = sizeof(*h);
	int err = 0;

	x->path = next_str(tail, len, &off);
	if (x->path && h->has_root)
		x->root = next_str(tail, len, &off);
	if (!x->path || (h->has_root && !x->root))
		return -EINVAL;
	x->argv = take_list(tail, len, &off, h->argc, 0, &err);
	if (x->argv)
		x->envp = take_list(tail, len, &off, h->envc, 1, &err);
	if (x->envp && h->nro)
		x->ro_dirs = take_list(tail, len, &off, h->nro, 0, &err);
	if (err)
		return err;
	/* Every byte accounted for: nothing after the last string. */
	return off == len ? 0 : -EINVAL;
}

/* The request's stdio: the fds that came, in the slots its mask names. */
static int take_stdio(const struct sim_exec *h, const int *fds,
		      struct exec_req *x)
{
	unsigned int i, k = 0;

	for (i = 0; i < 3; i++) {
		x->stdio[i] = -1;
		if (!(h->stdio & (1u << i)))
			continue;
		if (k >= SIM_MSG_FDS || fds[k] < 0)
			return -EBADF;
		x->stdio[i] = fds[k++];
	}
	return k < SIM_MSG_FDS && fds[k] >= 0 ? -EBADF : 0;
}

static int parse_exec(const struct request *rq, struct exec_req *x)
{
	struct sim_exec h;
	int err;

	memset(x, 0, sizeof(*x));
	if (rq->tail_len < sizeof(h))
		return -EINVAL;
	memcpy(&h, rq->tail, sizeof(h));
	if (h.argc == 0 || h.envc > SIM_EXEC_MAX_ENV ||
	    h.nro > HV_EXEC_MAX_RO_DIRS || h.has_root > 1 ||
	    (h.has_root && h.nro) || h.stdio > 7 || (h.flags & ~SIM_EXEC_FLAGS))
		return -EINVAL;
	x->fuse = (h.flags & SIM_EXEC_FUSE) != 0;
	err = parse_strings(&h, rq->tail, rq->tail_len, x);
	if (!err)
		err = check_req(x);
	if (!err)
		err = take_stdio(&h, rq->fds, x);
	if (!err)
		set_hv_fd(x->envp);
	return err;
}

int op_exec(struct request *rq, struct reply *r __attribute__((unused)))
{
	struct exec_req x;
	struct domain *d;
	int sv[2], err;
	pid_t pid;

	if (rq->req->domid == 0 || rq->req->domid == HV_DOMID_SELF)
		return -ERANGE;
	/* A guest could hand us files whose close never returns
	 * (daemon_conn.c): said in the log at start. */
	if (!hvd.fds_refusable)
		return -EOPNOTSUPP;
	d = dom_target(rq->c, rq->req->domid, &err);
	if (!d)
		return err;
	if (d->init || d->shutdown)
		return -EBUSY;
	err = parse_exec(rq, &x);
	if (err)
		goto out;
	if (access(x.path, X_OK) < 0) {
		err = -errno;
		goto out;
	}
	err = conn_socketpair(d->domid, &sv[0], &sv[1]);
	if (err)
		goto out;
	pid = exec_domain(d, &x, sv[1]);
	close(sv[1]);
	if (pid < 0 || !conn_add(sv[0], d->domid, true)) {
		err = pid < 0 ? (int)pid : -ENOMEM;
		close(sv[0]);
		if (pid > 0)
			kill(pid, SIGKILL);
		goto out;
	}
	d->init = pid;
	hvd_log("dom%u: init %s is pid %d", d->domid, x.path, (int)pid);
	err = 0;
out:
	free_req(&x);
	return err;
}
