/*
 * services.c - `xpv up`, `xpv down`, `xpv status`: dom0's daemons.
 *
 * The table below is the order they start in (each needs the ones above
 * it) and stop in (reversed). A daemon is started with its output
 * appended to its log, in one of two ways:
 *   - detaching (xpv-hv, xpv-xenstored): the process we fork exits once
 *     the daemon is ready and the daemon writes its pid file, so waiting
 *     for that exit is waiting for readiness;
 *   - in the foreground (the backends): we write its pid file, and it
 *     says "READY\n" on the fd named by $XPV_READY_FD once it serves (a
 *     daemon that does not know the convention is taken as started when
 *     it is still alive after READY_GRACE_MS, or closed the fd).
 * `up` holds $XPV_RUNDIR/services.lock, so two `xpv create` at once do
 * not both start xenstored.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "toolstack/domains.h"
#include "toolstack/services.h"
#include "toolstack/util.h"

#define START_TIMEOUT_MS 10000
#define STOP_TIMEOUT_MS 10000
#define MAX_ARGS 16
#define READY_GRACE_MS 1000

struct service {
	const char *name;
	bool sim_only; /* the embedded hypervisor: not on real Xen */
	bool optional; /* started when built; absent is not an error */
	bool foreground; /* else it detaches when ready */
	/* Fill argv (after argv[0]) for the detaching mode. */
	void (*args)(const struct xpv *x, const char *pidfile, char **argv,
		     char *buf, size_t len);
	/* The socket that must exist once it is up, or NULL. */
	void (*socket)(const struct xpv *x, char *buf, size_t len);
};

static void hv_args(const struct xpv *x, const char *pidfile, char **argv,
		    char *buf __attribute__((unused)),
		    size_t len __attribute__((unused)))
{
	argv[1] = "--rundir";
	argv[2] = (char *)x->rundir;
	argv[3] = "--pid-file";
	argv[4] = (char *)pidfile;
}

static void hv_socket(const struct xpv *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s/hv.sock", x->rundir);
}

/* xenstored's daemon mode sends its stderr to /dev/null: --log instead. */
static void xenstored_args(const struct xpv *x, const char *pidfile,
			   char **argv, char *buf, size_t len)
{
	snprintf(buf, len, "%s/xpv-xenstored.log", x->logdir);
	argv[1] = "--socket";
	argv[2] = (char *)x->xs_path;
	argv[3] = "--pid-file";
	argv[4] = (char *)pidfile;
	argv[5] = "--log";
	argv[6] = buf;
}

static void xenstored_socket(const struct xpv *x, char *buf, size_t len)
{
	snprintf(buf, len, "%s", x->xs_path);
}

/* The backends: xenstore, hv and the log directory come from the
 * environment (XENSTORED_PATH, XPV_RUNDIR, XPV_LOGDIR). */
static void backend_args(const struct xpv *x __attribute__((unused)),
			 const char *pidfile __attribute__((unused)),
			 char **argv __attribute__((unused)),
			 char *buf __attribute__((unused)),
			 size_t len __attribute__((unused)))
{
}

static const struct service services[] = {
	{ "xpv-hv", true, false, false, hv_args, hv_socket },
	{ "xpv-xenstored", false, false, false, xenstored_args,
	  xenstored_socket },
	{ "xpv-consoled", false, true, true, backend_args, NULL },
	{ "xpv-blkback", false, true, true, backend_args, NULL },
	{ "xpv-netback", false, true, true, backend_args, NULL },
};

#define NSERVICES (sizeof(services) / sizeof(services[0]))

static void pid_path(const struct xpv *x, const struct service *s, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/%s.pid", x->rundir, s->name);
}

static void log_path(const struct xpv *x, const struct service *s, char *buf,
		     size_t len)
{
	snprintf(buf, len, "%s/%s.log", x->logdir, s->name);
}

static bool applies(const struct service *s)
{
	return !s->sim_only || xpv_platform_sim();
}

static bool built(const struct xpv *x, const struct service *s)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", x->bindir, s->name);
	return access(path, X_OK) == 0;
}

/* The pid of s if it runs (its pid file names a live process of that
 * name), else 0. */
static pid_t running_pid(const struct xpv *x, const struct service *s)
{
	char path[PATH_MAX + 64];
	long pid;

	pid_path(x, s, path, sizeof(path));
	if (xpv_read_long_file(path, &pid) || pid <= 0)
		return 0;
	return xpv_process_is(pid, s->name) ? pid : 0;
}

/* The child: output to the log, a session of its own, then the daemon. */
static void exec_service(const struct xpv *x, const struct service *s,
			 const char *pidfile, int logfd)
{
	char prog[PATH_MAX + 64], buf[PATH_MAX + 64];
	char *argv[MAX_ARGS] = { prog };
	int null = open("/dev/null", O_RDONLY);

	snprintf(prog, sizeof(prog), "%s/%s", x->bindir, s->name);
	s->args(x, pidfile, argv, buf, sizeof(buf));
	if (null < 0 || dup2(null, 0) < 0 || dup2(logfd, 1) < 0 ||
	    dup2(logfd, 2) < 0)
		_exit(127);
	setsid();
	execv(prog, argv);
	fprintf(stderr, "xpv: cannot run %s: %s\n", prog, strerror(errno));
	_exit(127);
}

/*
 * A foreground daemon: READY on the pipe, or the pipe closed, or alive
 * after the grace period. 0 when started; -EIO when it exited.
 */
static int wait_ready(pid_t pid, int fd)
{
	long long start = xpv_now_ms();
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[16];
	int status;

	while (xpv_now_ms() - start < START_TIMEOUT_MS) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -EIO;
		if (poll(&p, 1, 10) > 0) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n > 0 && !strncmp(buf, "READY", 5))
				return 0;
			if (n <= 0)
				break; /* closed: no word coming */
		}
		if (xpv_now_ms() - start >= READY_GRACE_MS)
			break; /* it does not know the convention */
	}
	xpv_sleep_ms(20);
	return waitpid(pid, &status, WNOHANG) == pid ? -EIO : 0;
}

/* Wait for the detaching process; 0 once it exited 0 in time. */
static int wait_detached(pid_t pid)
{
	long long deadline = xpv_now_ms() + START_TIMEOUT_MS;
	int status;

	while (xpv_now_ms() < deadline) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ?
				       0 :
				       -EIO;
		if (r < 0)
			return -errno;
		xpv_sleep_ms(5);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -ETIMEDOUT;
}

static void show_log_tail(const struct xpv *x, const struct service *s)
{
	char path[PATH_MAX + 64];

	log_path(x, s, path, sizeof(path));
	fprintf(stderr, "xpv: the end of %s:\n", path);
	xpv_print_tail(stderr, path, 10);
}

/* Fork the daemon; for a foreground one, *ready is the read end of the
 * pipe it says READY on. */
static pid_t spawn(const struct xpv *x, const struct service *s,
		   const char *pidfile, int logfd, int *ready)
{
	char fdname[16];
	int p[2] = { -1, -1 };
	pid_t pid;

	*ready = -1;
	if (s->foreground) {
		if (pipe(p) < 0)
			return -1;
		fcntl(p[0], F_SETFD, FD_CLOEXEC);
		snprintf(fdname, sizeof(fdname), "%d", p[1]);
		setenv("XPV_READY_FD", fdname, 1);
	}
	pid = fork();
	if (pid == 0)
		exec_service(x, s, pidfile, logfd);
	if (s->foreground) {
		unsetenv("XPV_READY_FD");
		close(p[1]);
		*ready = p[0];
	}
	return pid;
}

static int start_service(struct xpv *x, const struct service *s)
{
	char pidfile[PATH_MAX + 64], log[PATH_MAX + 64], sock[PATH_MAX + 64];
	char pidtext[16];
	int logfd, ready, ret;
	pid_t pid;

	pid_path(x, s, pidfile, sizeof(pidfile));
	log_path(x, s, log, sizeof(log));
	unlink(pidfile);
	logfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (logfd < 0) {
		xpv_err("cannot open %s: %s", log, strerror(errno));
		return -errno;
	}
	pid = spawn(x, s, pidfile, logfd, &ready);
	close(logfd);
	if (pid < 0) {
		if (ready >= 0)
			close(ready);
		return -errno;
	}
	if (s->foreground) {
		snprintf(pidtext, sizeof(pidtext), "%d\n", (int)pid);
		ret = wait_ready(pid, ready);
		close(ready);
		if (!ret)
			ret = xpv_write_file(pidfile, pidtext);
	} else {
		ret = wait_detached(pid);
	}
	if (!ret && s->socket) {
		s->socket(x, sock, sizeof(sock));
		if (access(sock, F_OK))
			ret = -ENOENT;
	}
	if (!ret && !running_pid(x, s))
		ret = -ESRCH;
	if (ret) {
		xpv_err("%s did not start (%s)", s->name,
			ret == -ETIMEDOUT ? "not ready within 10 s" :
			ret == -ENOENT	  ? "no socket" :
			ret == -ESRCH	  ? "no pid file" :
					    "it failed");
		show_log_tail(x, s);
	}
	return ret;
}

/* What xen-init-dom0 writes for dom0 on Xen. */
static int init_dom0(struct xpv *x)
{
	struct xs_handle *xs = xpv_xs(x);

	if (!xs)
		return -EIO;
	if (!xs_write(xs, XBT_NULL, "/local/domain/0/name", "Domain-0", 8) ||
	    !xs_write(xs, XBT_NULL, "/local/domain/0/domid", "0", 1)) {
		xpv_err("cannot write dom0's name in xenstore: %s",
			strerror(errno));
		return -errno;
	}
	return 0;
}

static int up_locked(struct xpv *x, bool quiet)
{
	unsigned int i;
	int ret;

	for (i = 0; i < NSERVICES; i++) {
		const struct service *s = &services[i];
		pid_t pid;

		if (!applies(s) || (s->optional && !built(x, s)))
			continue;
		pid = running_pid(x, s);
		if (pid)
			continue;
		ret = start_service(x, s);
		if (ret)
			return ret;
		if (!strcmp(s->name, "xpv-xenstored")) {
			ret = init_dom0(x);
			if (ret)
				return ret;
		}
		if (!quiet)
			printf("started %s (pid %d, log %s/%s.log)\n", s->name,
			       (int)running_pid(x, s), x->logdir, s->name);
	}
	return 0;
}

int xpv_services_up(struct xpv *x, bool quiet)
{
	char lock[PATH_MAX + 32];
	int fd, ret;

	ret = xpv_mkdir_p(x->rundir, 0755);
	if (!ret)
		ret = xpv_mkdir_p(x->logdir, 0755);
	if (ret) {
		xpv_err("cannot make %s and %s: %s", x->rundir, x->logdir,
			strerror(-ret));
		return ret;
	}
	snprintf(lock, sizeof(lock), "%s/services.lock", x->rundir);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX) < 0) {
		xpv_err("cannot lock %s: %s", lock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	ret = up_locked(x, quiet);
	close(fd);
	return ret;
}

static const struct service *service_named(const char *name)
{
	unsigned int i;

	for (i = 0; i < NSERVICES; i++)
		if (!strcmp(services[i].name, name))
			return &services[i];
	return NULL;
}

bool xpv_service_running(struct xpv *x, const char *name)
{
	const struct service *s = service_named(name);

	return s && running_pid(x, s) != 0;
}

bool xpv_service_built(struct xpv *x, const char *name)
{
	const struct service *s = service_named(name);

	return s && built(x, s);
}

bool xpv_services_running(struct xpv *x)
{
	unsigned int i;

	for (i = 0; i < NSERVICES; i++) {
		const struct service *s = &services[i];

		if (applies(s) && !s->optional && !running_pid(x, s))
			return false;
	}
	return true;
}

static int stop_service(const struct xpv *x, const struct service *s,
			bool quiet)
{
	char path[PATH_MAX + 64];
	pid_t pid = running_pid(x, s);
	long long deadline = xpv_now_ms() + STOP_TIMEOUT_MS;

	if (!pid)
		return 0;
	kill(pid, SIGTERM);
	while (xpv_process_alive(pid) && xpv_now_ms() < deadline)
		xpv_sleep_ms(10);
	if (xpv_process_alive(pid)) {
		xpv_err("%s (pid %d) did not stop within 10 s of SIGTERM; "
			"killed",
			s->name, (int)pid);
		kill(pid, SIGKILL);
	}
	pid_path(x, s, path, sizeof(path));
	unlink(path);
	if (!quiet)
		printf("stopped %s (pid %d)\n", s->name, (int)pid);
	return 0;
}

int xpv_cmd_up(struct xpv *x, int argc, char **argv)
{
	while (xpv_getopt(argc, argv, "h", NULL, "up") != -1)
		;
	if (optind != argc)
		return xpv_usage("up");
	if (xpv_services_up(x, false))
		return 1;
	printf("dom0's services are up (runtime %s, logs %s)\n", x->rundir,
	       x->logdir);
	return 0;
}

int xpv_cmd_down(struct xpv *x, int argc, char **argv)
{
	unsigned int i;

	while (xpv_getopt(argc, argv, "h", NULL, "down") != -1)
		;
	if (optind != argc)
		return xpv_usage("down");
	if (running_pid(x, &services[0]) || !applies(&services[0]))
		if (running_pid(x, &services[1]))
			xpv_destroy_all(x);
	if (x->xs) {
		xs_close(x->xs);
		x->xs = NULL;
	}
	for (i = NSERVICES; i-- > 0;)
		stop_service(x, &services[i], false);
	return 0;
}

int xpv_cmd_status(struct xpv *x, int argc, char **argv)
{
	unsigned int i;
	int ret = 0;

	while (xpv_getopt(argc, argv, "h", NULL, "status") != -1)
		;
	if (optind != argc)
		return xpv_usage("status");
	printf("%-16s %-22s %s\n", "Service", "State", "Log");
	for (i = 0; i < NSERVICES; i++) {
		const struct service *s = &services[i];
		char state[32], log[PATH_MAX + 64];
		pid_t pid = running_pid(x, s);

		if (!applies(s))
			snprintf(state, sizeof(state), "not used (xen)");
		else if (pid)
			snprintf(state, sizeof(state), "running (pid %d)",
				 (int)pid);
		else if (s->optional && !built(x, s))
			snprintf(state, sizeof(state), "not built");
		else
			snprintf(state, sizeof(state), "stopped");
		if (applies(s) && !pid && (!s->optional || built(x, s)))
			ret = 1;
		log_path(x, s, log, sizeof(log));
		printf("%-16s %-22s %s\n", s->name, state, log);
	}
	return ret;
}
