/*
 * daemon_exec.c - start a domain's init: a child of xpv-hv in new
 * namespaces (by default user, mount, pid, uts, ipc and net), placed in
 * the domain's cgroup before it runs a single instruction of the guest
 * program, with the domain's first connection as XPV_HV_FD.
 *
 * In its user namespace the guest's root is host uid SIM_UID_BASE +
 * 65536 * domid (65536 ids mapped), so the guest owns nothing of the host:
 * not hv.sock (root, 0600), not another domain's files. The child waits on
 * a pipe until the parent has written its id maps and moved it into the
 * cgroup; a paused domain's cgroup is frozen, so the exec happens only
 * once the domain is unpaused.
 *
 * The program is opened here, by root, before the child gives up its
 * privileges, and run with execveat() on that fd: the guest's root may
 * not even be able to look the path up (a tree under /root, mode 0700),
 * and a path that does not exist is an error for the caller, not a domain
 * that dies at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

#define SIM_UID_BASE 0x10000000u
#define STACK_SIZE (256 * 1024)

extern char **environ;

struct child_args {
	hv_domid_t domid;
	int sync; /* read end: one byte means go */
	int sync_w; /* the write end, closed in the child */
	int conn;
	int exe; /* O_PATH fd of the program, opened by xpv-hv */
	const int *stdio;
	char *const *argv;
	int ns;
};

static void setup_ns(const struct child_args *a)
{
	char host[32];

	if (a->ns & CLONE_NEWUSER) {
		/* The maps are written: become the namespace's root. */
		if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 ||
		    setresuid(0, 0, 0) < 0)
			_exit(126);
	}
	/* A domain does not outlive its hypervisor (set after the uid change,
	 * which clears it). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (a->ns & CLONE_NEWUTS) {
		snprintf(host, sizeof(host), "dom%u", a->domid);
		if (sethostname(host, strlen(host)) < 0)
			_exit(126);
	}
	if (a->ns & CLONE_NEWNS) {
		/* Our mounts stay ours; a /proc that shows our pid space. */
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
		if (a->ns & CLONE_NEWPID)
			mount("proc", "/proc", "proc",
			      MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
}

/* The program's fd, kept close-on-exec at this number until the exec. */
#define EXE_FD 4

/* Put stdin/out/err, the connection (as fd 3) and the program (as
 * EXE_FD) in place, close all else. */
static void setup_fds(const struct child_args *a)
{
	int conn = a->conn, exe, i;

	/* Move everything above 4 first so the dup2s below cannot clobber. */
	conn = fcntl(conn, F_DUPFD, 10);
	exe = fcntl(a->exe, F_DUPFD_CLOEXEC, 10);
	for (i = 0; i < 3; i++) {
		int fd = fcntl(a->stdio[i], F_DUPFD, 10);

		if (fd < 0 || dup2(fd, i) < 0)
			_exit(126);
	}
	if (conn < 0 || dup2(conn, 3) < 0)
		_exit(126);
	if (exe < 0 || dup3(exe, EXE_FD, O_CLOEXEC) < 0)
		_exit(126);
	syscall(SYS_close_range, EXE_FD + 1u, ~0u, 0u);
}

static int child(void *arg)
{
	const struct child_args *a = arg;
	char go = 0;

	close(a->sync_w);
	if (read(a->sync, &go, 1) != 1)
		_exit(127);
	/* Our own fd limit was raised for the ports of every domain; the
	 * guest gets the one we were given. Zero: never raised (the fuzzer). */
	if (hvd.guest_nofile.rlim_max)
		setrlimit(RLIMIT_NOFILE, &hvd.guest_nofile);
	setup_ns(a);
	setup_fds(a);
	setsid();
	/* xpv-hv blocks the signals it reads from a signalfd. */
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	setenv("XPV_HV_FD", "3", 1);
	syscall(SYS_execveat, EXE_FD, "", a->argv, environ, AT_EMPTY_PATH);
	if (errno == ENOENT) {
		/* A #! script: its interpreter opens /dev/fd/EXE_FD, which a
		 * close-on-exec fd would no longer be (execveat(2)). */
		fcntl(EXE_FD, F_SETFD, 0);
		syscall(SYS_execveat, EXE_FD, "", a->argv, environ,
			AT_EMPTY_PATH);
	}
	_exit(127);
}

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

	snprintf(map, sizeof(map), "0 %u 65536\n",
		 SIM_UID_BASE + 65536u * domid);
	err = write_file(pid, "uid_map", map);
	if (!err)
		err = write_file(pid, "gid_map", map);
	return err;
}

pid_t exec_domain(struct domain *d, const char *path, char *const argv[],
		  const int stdio[3], int conn_fd)
{
	struct child_args a = {
		.domid = d->domid,
		.conn = conn_fd,
		.exe = -1,
		.stdio = stdio,
		.argv = argv,
		.ns = hvd.ns_flags,
	};
	int sync[2], err = 0;
	char *stack;
	pid_t pid;

	a.exe = open(path, O_PATH | O_CLOEXEC);
	if (a.exe < 0)
		return -errno;
	if (pipe2(sync, O_CLOEXEC) < 0) {
		err = -errno;
		close(a.exe);
		return err;
	}
	a.sync = sync[0];
	a.sync_w = sync[1];
	stack = malloc(STACK_SIZE);
	if (!stack) {
		err = -ENOMEM;
		goto out;
	}
	pid = clone(child, stack + STACK_SIZE, hvd.ns_flags | SIGCHLD, &a);
	if (pid < 0) {
		err = -errno;
		goto out;
	}
	if (hvd.ns_flags & CLONE_NEWUSER)
		err = map_ids(pid, d->domid);
	if (!err && d->has_cgroup)
		err = cg_attach(d->domid, pid);
	if (!err && write(sync[1], "g", 1) != 1)
		err = -errno;
	if (err) {
		kill(pid, SIGKILL);
		/* The SIGCHLD path reaps it; d->init is not set yet. */
	}
out:
	free(stack);
	close(sync[0]);
	close(sync[1]);
	close(a.exe);
	return err ? err : pid;
}
