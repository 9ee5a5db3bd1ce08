/*
 * main.c - xpv-xenstored: options, start-up, signals, shutdown.
 *
 * Sockets are listening before the daemon forks, so when the starting
 * command returns, clients can connect. Without --no-domains the daemon
 * opens the hypervisor (hv_open); if that fails it says why and goes on
 * serving sockets only (a toolstack without a hypervisor still gets a
 * store), since XS_INTRODUCE then fails cleanly with the reason logged.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/hv.h"
#include "xenstored/conn_int.h"
#include "xenstored/domain.h"
#include "xenstored/log.h"
#include "xenstored/loop.h"
#include "xenstored/os/uring.h"
#include "xenstored/perms.h"
#include "xenstored/quota.h"
#include "xenstored/socket.h"
#include "xenstored/store.h"
#include "xenstored/watch.h"

struct options {
	char socket[256];
	const char *ro_socket;
	const char *log;
	const char *trace;
	const char *pid_file;
	bool no_fork;
	bool no_domains;
	bool no_uring;
};

enum {
	OPT_RO_SOCKET = 256,
	OPT_NO_DOMAINS,
	OPT_NO_URING,
	OPT_QUOTA_BASE,
};

static const char *const quota_opts[] = {
	"entry-nb",	     "entry-size",  "watch-nb",
	"transaction",	     "perm-nb",	    "path-max",
	"transaction-nodes", "outstanding", "memory",
};

#define NR_QUOTA_OPTS (sizeof(quota_opts) / sizeof(quota_opts[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xpv-xenstored [options]\n"
		"  -s, --socket PATH        socket (default "
		"$XPV_RUNDIR/xenstored/socket)\n"
		"      --ro-socket PATH     also a read-only socket\n"
		"  -L, --log FILE           log here (default stderr)\n"
		"  -T, --trace FILE         one line per message in and out\n"
		"  -F, --pid-file FILE      write the daemon's pid here\n"
		"  -N, --no-fork            stay in the foreground\n"
		"      --no-domains         sockets only: do not open the "
		"hypervisor\n"
		"      --priv-domid ID      a privileged domain besides dom0\n"
		"      --no-uring           write replies one by one, not "
		"batched\n"
		"  -Q, --quota NAME=VAL     set a quota by Xen's name\n"
		"  Quotas (Xen's defaults): --entry-nb 1000, --entry-size "
		"2048,\n"
		"      --watch-nb 128, --transaction 10, --perm-nb 5, "
		"--path-max 2048,\n"
		"      --transaction-nodes 1024, --outstanding 20, --memory "
		"2621440\n"
		"  -h, --help\n"
		"SIGHUP reopens the log files; SIGTERM exits and removes the "
		"socket.\n");
}

static int quota_eq(const char *arg)
{
	char name[64];
	const char *eq = strchr(arg, '=');

	if (!eq || (size_t)(eq - arg) >= sizeof(name))
		return -EINVAL;
	memcpy(name, arg, eq - arg);
	name[eq - arg] = '\0';
	return quota_set(name, eq + 1);
}

/* The long options with a fixed meaning; one per quota follows them. */
static const struct option fixed_opts[] = {
	{ "socket", required_argument, NULL, 's' },
	{ "ro-socket", required_argument, NULL, OPT_RO_SOCKET },
	{ "log", required_argument, NULL, 'L' },
	{ "trace", required_argument, NULL, 'T' },
	{ "pid-file", required_argument, NULL, 'F' },
	{ "no-fork", no_argument, NULL, 'N' },
	{ "no-domains", no_argument, NULL, OPT_NO_DOMAINS },
	{ "no-uring", no_argument, NULL, OPT_NO_URING },
	{ "priv-domid", required_argument, NULL, 'P' },
	{ "quota", required_argument, NULL, 'Q' },
	{ "help", no_argument, NULL, 'h' },
};

#define NR_FIXED_OPTS (sizeof(fixed_opts) / sizeof(fixed_opts[0]))
#define NR_LONG_OPTS (NR_FIXED_OPTS + NR_QUOTA_OPTS + 1)

/* longs (NR_LONG_OPTS entries): the fixed options, the quota options
 * (OPT_QUOTA_BASE + their index in quota_opts[]), the zero entry. */
static void long_options(struct option *longs)
{
	size_t i;

	memcpy(longs, fixed_opts, sizeof(fixed_opts));
	for (i = 0; i < NR_QUOTA_OPTS; i++)
		longs[NR_FIXED_OPTS + i] =
			(struct option){ quota_opts[i], required_argument, NULL,
					 OPT_QUOTA_BASE + (int)i };
	longs[NR_LONG_OPTS - 1] = (struct option){ 0 };
}

/* --entry-nb and the other quota options. */
static int quota_opt(int c, const char *arg)
{
	const char *name;

	if (c < OPT_QUOTA_BASE || c >= OPT_QUOTA_BASE + (int)NR_QUOTA_OPTS) {
		usage(stderr);
		return -EINVAL;
	}
	name = quota_opts[c - OPT_QUOTA_BASE];
	if (quota_set(name, arg)) {
		fprintf(stderr, "xpv-xenstored: bad value for --%s\n", name);
		return -EINVAL;
	}
	return 0;
}

/* One option from getopt_long into o; -EINVAL (said on stderr). */
static int apply_option(int c, const char *arg, struct options *o)
{
	switch (c) {
	case 's':
		snprintf(o->socket, sizeof(o->socket), "%s", arg);
		return 0;
	case OPT_RO_SOCKET:
		o->ro_socket = arg;
		return 0;
	case 'L':
		o->log = arg;
		return 0;
	case 'T':
		o->trace = arg;
		return 0;
	case 'F':
		o->pid_file = arg;
		return 0;
	case 'N':
		o->no_fork = true;
		return 0;
	case OPT_NO_DOMAINS:
		o->no_domains = true;
		return 0;
	case OPT_NO_URING:
		o->no_uring = true;
		return 0;
	case 'P':
		priv_domid = atoi(arg);
		return 0;
	case 'Q':
		if (!quota_eq(arg))
			return 0;
		fprintf(stderr, "xpv-xenstored: bad quota %s\n", arg);
		return -EINVAL;
	case 'h':
		usage(stdout);
		exit(0);
	default:
		return quota_opt(c, arg);
	}
}

static int parse(int argc, char **argv, struct options *o)
{
	struct option longs[NR_LONG_OPTS];
	const char *rundir = getenv("XPV_RUNDIR");
	int c, ret;

	long_options(longs);
	snprintf(o->socket, sizeof(o->socket), "%s/xenstored/socket",
		 rundir && *rundir ? rundir : "/run/xpv");
	while ((c = getopt_long(argc, argv, "s:L:T:F:NP:Q:h", longs, NULL)) !=
	       -1) {
		ret = apply_option(c, optarg, o);
		if (ret)
			return ret;
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void signal_event(int fd, uint32_t events __attribute__((unused)),
			 void *arg __attribute__((unused)))
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (log_reopen())
				xs_log("SIGHUP: could not reopen logs");
		} else {
			xs_log("signal %u: exiting", si.ssi_signo);
			loop_stop();
		}
	}
}

static int setup_signals(void)
{
	sigset_t set;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	return loop_add_fd(fd, EPOLLIN, signal_event, NULL);
}

static int write_pid(const char *path, pid_t pid)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)pid);
	return fclose(f) ? -errno : 0;
}

/* The parent writes the pid file before it returns, so whoever started
 * us finds it as soon as we are up. */
static int daemonize(const char *pid_file)
{
	pid_t pid = fork();
	int fd, ret;

	if (pid < 0)
		return -errno;
	if (pid > 0) {
		ret = pid_file ? write_pid(pid_file, pid) : 0;
		if (ret)
			xs_log("cannot write %s: %s", pid_file, strerror(-ret));
		_exit(0);
	}
	setsid();
	if (chdir("/"))
		return -errno;
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	return 0;
}

/* The hypervisor handle the domains are served through (the caller
 * closes it after domain_exit()), or NULL. */
static struct hv *open_domains(const struct options *o)
{
	struct hv *hv = NULL;
	char why[256];
	int ret;

	if (o->no_domains)
		return NULL;
	ret = hv_open(&hv, why, sizeof(why));
	if (ret) {
		xs_log("no hypervisor (%s): serving sockets only, "
		       "XS_INTRODUCE will fail",
		       why[0] ? why : strerror(-ret));
		return NULL;
	}
	ret = domain_init(hv);
	if (ret)
		xs_log("domain transport: %s: serving sockets only",
		       strerror(-ret));
	return hv;
}

/* Clients and domains are fds: allow as many as the hard limit does. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int start(const struct options *o)
{
	int ret;

	raise_fd_limit();
	ret = log_open(o->log, o->trace);
	if (!ret)
		ret = loop_init();
	if (!ret)
		ret = store_init();
	if (ret)
		return ret;
	loop_set_pending(conn_resume_all);
	/* Batched writes when the kernel has io_uring; plain ones else. */
	if (!o->no_uring && !uring_init(256))
		conn_set_batch_writer(uring_send);
	ret = socket_listen(o->socket, false);
	if (ret) {
		xs_log("cannot listen on %s: %s", o->socket, strerror(-ret));
		return ret;
	}
	if (o->ro_socket) {
		ret = socket_listen(o->ro_socket, true);
		if (ret) {
			xs_log("cannot listen on %s: %s", o->ro_socket,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct hv *hv;
	int ret;

	if (parse(argc, argv, &o))
		return 2;
	ret = start(&o);
	if (ret)
		return 1;
	if (!o.no_fork && daemonize(o.pid_file))
		return 1;
	if (o.no_fork && o.pid_file) {
		ret = write_pid(o.pid_file, getpid());
		if (ret)
			xs_log("cannot write %s: %s", o.pid_file,
			       strerror(-ret));
	}
	/* After the fork: a signalfd polled through epoll reports the
	 * signals of the process that created it. */
	ret = setup_signals();
	if (ret) {
		xs_log("cannot set up signals: %s", strerror(-ret));
		return 1;
	}
	hv = open_domains(&o);
	xs_log("serving on %s", o.socket);
	ret = loop_run();
	domain_exit();
	conn_destroy_all();
	watch_exit();
	socket_exit();
	store_exit();
	perms_exit();
	hv_close(hv);
	if (o.pid_file)
		unlink(o.pid_file);
	loop_exit();
	uring_exit();
	log_close();
	return ret ? 1 : 0;
}
