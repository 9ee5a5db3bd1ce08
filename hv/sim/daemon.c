/*
 * daemon.c - xpv-hv: options, the dom0 socket, the event loop.
 *
 *   xpv-hv [--rundir DIR] [--foreground] [--pid-file F]
 *          [--namespaces LIST] [--no-cgroups] [--dom0-memory MIB]
 *
 * Listens on DIR/hv.sock (DIR: --rundir, else $XPV_RUNDIR, else /run/xpv),
 * mode 0600: whoever connects there is dom0. Without --foreground it
 * detaches once the socket is ready, so a caller may connect as soon as
 * the command returns. DIR/hv.lock makes it the only one on DIR, and
 * tells it that what it finds there was left by a killed predecessor.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

/* Tags for the epoll entries that are not connections. */
static int tag_listen, tag_signal, tag_domains;
static int listen_fd = -1, sig_fd = -1;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xpv-hv [--rundir DIR] [--foreground] [--pid-file F]\n"
		"              [--namespaces LIST] [--no-cgroups] "
		"[--dom0-memory MIB]\n"
		"  --rundir DIR       socket directory (default $XPV_RUNDIR "
		"or /run/xpv)\n"
		"  --foreground       do not detach\n"
		"  --pid-file F       write the daemon's pid to F\n"
		"  --namespaces LIST  namespaces of a domain, comma-separated "
		"from\n"
		"                     user,mount,pid,uts,ipc,net (default all), "
		"or none\n"
		"  --no-cgroups       no cgroups: no memory limit, no "
		"pause\n"
		"  --dom0-memory MIB  size of dom0's grantable memory "
		"(default 256)\n");
}

static int parse_ns(const char *list)
{
	static const struct {
		const char *name;
		int flag;
	} names[] = {
		{ "user", CLONE_NEWUSER }, { "mount", CLONE_NEWNS },
		{ "pid", CLONE_NEWPID },   { "uts", CLONE_NEWUTS },
		{ "ipc", CLONE_NEWIPC },   { "net", CLONE_NEWNET },
	};
	char *copy = strdup(list), *tok, *save = NULL;
	int flags = 0;
	size_t i;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "none") == 0)
			continue;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(tok, names[i].name) == 0)
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			free(copy);
			return -EINVAL;
		}
		flags |= names[i].flag;
	}
	free(copy);
	return flags;
}

struct opts {
	bool foreground;
	const char *pid_file;
};

static int opt_namespaces(const char *list)
{
	hvd.ns_flags = parse_ns(list);
	if (hvd.ns_flags >= 0)
		return 0;
	fprintf(stderr, "xpv-hv: bad --namespaces %s\n", list);
	return -EINVAL;
}

static int opt_dom0_memory(const char *mib_text)
{
	unsigned long mib = strtoul(mib_text, NULL, 10);

	if (mib == 0 || mib > 65536) {
		fprintf(stderr, "xpv-hv: bad --dom0-memory\n");
		return -EINVAL;
	}
	hvd.dom0_pages = mib * 256;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "namespaces", required_argument, NULL, 'n' },
		{ "no-cgroups", no_argument, NULL, 'c' },
		{ "dom0-memory", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rundir = getenv("XPV_RUNDIR");
	int c;

	if (!rundir || !*rundir)
		rundir = "/run/xpv";
	hvd.ns_flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
		       CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
	hvd.use_cgroups = true;
	hvd.dom0_pages = 256 * 256;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r':
			rundir = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'p':
			o->pid_file = optarg;
			break;
		case 'n':
			if (opt_namespaces(optarg))
				return -EINVAL;
			break;
		case 'c':
			hvd.use_cgroups = false;
			break;
		case 'm':
			if (opt_dom0_memory(optarg))
				return -EINVAL;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || strlen(rundir) >= sizeof(hvd.rundir)) {
		usage(stderr);
		return -EINVAL;
	}
	snprintf(hvd.rundir, sizeof(hvd.rundir), "%s", rundir);
	snprintf(hvd.sock_path, sizeof(hvd.sock_path), "%s/hv.sock", rundir);
	return 0;
}

static int epoll_add(int fd, void *tag)
{
	struct epoll_event ee = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(hvd.epfd, EPOLL_CTL_ADD, fd, &ee) < 0 ? -errno : 0;
}

/*
 * One xpv-hv per run directory: an flock on DIR/hv.lock, held for our
 * whole life and dropped by the kernel however we end (SIGKILL included),
 * tells us whether what we find there (a socket, cgroups of this run
 * directory) is a live instance's or a dead predecessor's, which we then
 * remove. The lock file itself stays: removing it could let two instances
 * lock two different files.
 */
static int lock_rundir(void)
{
	char path[sizeof(hvd.rundir) + 16];
	int fd;

	if (mkdir(hvd.rundir, 0755) < 0 && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/hv.lock", hvd.rundir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0; /* kept open: the lock is ours until we end */
	close(fd);
	if (errno != EWOULDBLOCK)
		return -errno;
	fprintf(stderr, "xpv-hv: already running at %s\n", hvd.rundir);
	return -EADDRINUSE;
}

static int open_listen(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(hvd.sock_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, hvd.sock_path);
	/* We hold the run directory's lock: a socket there is stale. */
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0600) < 0 || listen(fd, 64) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return sig_fd < 0 ? -errno : 0;
}

/* A process in another pid namespace is a domain's, whatever its uid:
 * it never gets to be dom0 by finding the socket. */
static bool same_pidns(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char path[64], mine[64], theirs[64];
	ssize_t a, b;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)cr.pid);
	a = readlink("/proc/self/ns/pid", mine, sizeof(mine) - 1);
	b = readlink(path, theirs, sizeof(theirs) - 1);
	return a > 0 && a == b && memcmp(mine, theirs, (size_t)a) == 0 &&
	       cr.uid == 0;
}

static void accept_dom0(void)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	if (!same_pidns(fd)) {
		hvd_log_limited(&hvd.log_rl,
				"refused a connection from outside dom0");
		close(fd);
		return;
	}
	if (conn_count(0) >= 4 * SIM_MAX_CONNS || !conn_add(fd, 0, false))
		close(fd);
}

/* Returns false when the daemon should stop. */
static bool handle_signals(void)
{
	struct signalfd_siginfo si;
	bool run = true;
	int status;
	pid_t pid;

	while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			run = false;
	}
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		dom_child_exited(pid, status);
	return run;
}

/* How often the loop looks again at destroyed domains whose processes
 * are not all gone yet (daemon_domain.c). */
#define REAP_MS 100

static void loop(void)
{
	struct epoll_event ev[32];
	bool run = true;

	while (run) {
		int timeout = dom_reap_dying() ? REAP_MS : -1;
		int n = epoll_wait(hvd.epfd, ev, 32, timeout), i;
		bool domains = false;

		if (n < 0 && errno != EINTR)
			break;
		/* dom0 first, then one turn of the other domains: a dom0
		 * request waits for at most one turn (daemon_dispatch.c). */
		for (i = 0; i < n; i++) {
			void *tag = ev[i].data.ptr;

			if (tag == &tag_listen)
				accept_dom0();
			else if (tag == &tag_signal)
				run = handle_signals() && run;
			else if (tag == &tag_domains)
				domains = true;
			else if (!((struct conn *)tag)->dead)
				conn_input(tag);
		}
		if (domains && run)
			conn_serve_domains();
		conn_reap();
	}
}

static int write_pid(const char *file)
{
	FILE *f = fopen(file, "we");

	if (!f)
		return -errno;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f) ? -errno : 0;
}

/* Detach: the parent returns once the child says the socket is ready. */
static int detach(int *ready)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready = p[1];
	return 0;
}

static int setup(void)
{
	int err;

	hvd.epfd = epoll_create1(EPOLL_CLOEXEC);
	hvd.guest_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hvd.epfd < 0 || hvd.guest_epfd < 0)
		return -errno;
	err = lock_rundir();
	if (err)
		return err;
	if (hvd.use_cgroups) {
		err = cg_init(hvd.rundir);
		if (err) {
			fprintf(stderr,
				"xpv-hv: cgroups not usable (%s); run as root "
				"or pass --no-cgroups\n",
				strerror(-err));
			return err;
		}
		/* What a SIGKILLed predecessor left: its domains are gone. */
		cg_remove_leftovers();
	}
	hvd.fds_refusable = conn_fds_refusable();
	if (!hvd.fds_refusable)
		hvd_log("this kernel cannot make a socket refuse file "
			"descriptors (SO_PASSRIGHTS, Linux 6.16): a guest could "
			"make xpv-hv wait on closing one; no guest will run "
			"here (hv_domain_exec: -EOPNOTSUPP)");
	err = hvd_open_domtab();
	if (!err)
		err = dom_create_dom0();
	if (!err)
		err = open_signals();
	if (err)
		return err;
	listen_fd = open_listen();
	if (listen_fd < 0)
		return listen_fd;
	err = epoll_add(listen_fd, &tag_listen);
	if (!err)
		err = epoll_add(sig_fd, &tag_signal);
	if (!err)
		err = epoll_add(hvd.guest_epfd, &tag_domains);
	return err;
}

/* The most fds the kernel lets one process have (fs.nr_open), or 0. */
static rlim_t nr_open(void)
{
	unsigned long long n = 0;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");

	if (f) {
		if (fscanf(f, "%llu", &n) != 1)
			n = 0;
		fclose(f);
	}
	return (rlim_t)n;
}

/*
 * Every port is two sockets and every domain four memfds: a few hostile
 * guests at their port and connection limits must not exhaust our fds,
 * or dom0 could no longer create a domain or connect. Root may raise the
 * hard limit to the kernel's own; otherwise take all the hard limit
 * allows (the soft one is often 1024).
 */
static void raise_fd_limit(void)
{
	struct rlimit rl;
	rlim_t most = nr_open();

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	hvd.guest_nofile = rl;
	if (most > rl.rlim_max) {
		struct rlimit all = { most, most };

		if (setrlimit(RLIMIT_NOFILE, &all) == 0)
			return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int ready = -1, err;

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	if (!o.foreground && detach(&ready) < 0)
		return 1;
	err = setup();
	if (err) {
		fprintf(stderr, "xpv-hv: cannot start at %s: %s\n",
			hvd.sock_path, strerror(-err));
		return 1;
	}
	if (o.pid_file && write_pid(o.pid_file) < 0) {
		fprintf(stderr, "xpv-hv: cannot write %s\n", o.pid_file);
		return 1;
	}
	hvd_log("listening on %s", hvd.sock_path);
	if (ready >= 0) {
		if (write(ready, "r", 1) != 1)
			return 1;
		close(ready);
	}
	loop();
	dom_destroy_all();
	unlink(hvd.sock_path);
	if (o.pid_file)
		unlink(o.pid_file);
	if (hvd.use_cgroups)
		cg_exit();
	return 0;
}
