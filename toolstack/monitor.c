/*
 * monitor.c - a domain's monitor, as the xl process that `xl create`
 * leaves behind for each domain: it waits for the domain to shut down and
 * does what the config says (on_poweroff, on_reboot, on_crash), logs the
 * kernel's own output, and exits when the domain is gone.
 *
 * `xpv create` starts it as `xpv _monitor DOMID` (a fresh exec, so it
 * holds no handle of its parent's), its output appended to
 * $XPV_LOGDIR/xpv-<name>.log and the kernel's output channel on fd 3. It
 * rebuilds a restarted domain from $XPV_RUNDIR/domains/<domid>/config,
 * the config as it was built.
 *
 * It holds $XPV_RUNDIR/domains/<name>.lock while it acts on a shutdown;
 * `xpv destroy` takes the same lock, then stops the monitor, so the two
 * never tear down or rebuild the same domain at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hv/hv.h"
#include "toolstack/build.h"
#include "toolstack/config.h"
#include "toolstack/domains.h"
#include "toolstack/monitor.h"
#include "toolstack/util.h"

#define KERNEL_LOG_FD 3
/* Frames mapped at a time for a core dump. */
#define CORE_CHUNK 256
/* What one domain's kernel may write to the log, before it is cut. */
#define KERNEL_LOG_MAX (1 << 20)

struct monitor {
	struct xpv *x;
	unsigned int domid;
	struct xpv_domcfg *cfg;
	struct hv_evtchn *ev;
	int kernel_log;
	unsigned long logged;
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	char stamp[32];
	time_t now = time(NULL);
	va_list ap;

	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime(&now));
	printf("[%s] ", stamp);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *reason_name(uint32_t reason)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend",
					     "crash", "watchdog" };

	return reason < 5 ? names[reason] : "unknown";
}

static int lock_name(struct xpv *x, const char *name)
{
	char path[PATH_MAX + 128];
	int fd;

	snprintf(path, sizeof(path), "%s/domains", x->rundir);
	xpv_mkdir_p(path, 0700);
	snprintf(path, sizeof(path), "%s/domains/%s.lock", x->rundir, name);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int xpv_monitor_lock(struct xpv *x, const char *name)
{
	return lock_name(x, name);
}

void xpv_monitor_unlink_lock(struct xpv *x, const char *name)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), "%s/domains/%s.lock", x->rundir, name);
	unlink(path);
}

static void write_pid(struct monitor *m)
{
	char path[PATH_MAX + 64], pid[16];

	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	xpv_domain_dir(m->x, m->domid, "monitor.pid", path, sizeof(path));
	xpv_write_file(path, pid);
}

static void log_kernel(struct monitor *m, const char *buf, size_t n)
{
	if (m->logged < KERNEL_LOG_MAX)
		fwrite(buf, 1, n, stdout);
	else if (m->logged - n < KERNEL_LOG_MAX)
		say("the kernel's output passed %d bytes; the rest is dropped",
		    KERNEL_LOG_MAX);
	m->logged += n;
}

/* Copy what the kernel wrote, up to a bound: a guest can fill neither
 * dom0's disk nor our memory. */
static void drain_kernel_log(struct monitor *m)
{
	char buf[4096];
	ssize_t n;

	while (m->kernel_log >= 0) {
		n = read(m->kernel_log, buf, sizeof(buf));
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			close(m->kernel_log);
			m->kernel_log = -1;
			break;
		}
		log_kernel(m, buf, n);
	}
	fflush(stdout);
}

static int rebuild(struct monitor *m)
{
	struct xpv_build_opts o = { 0 };
	unsigned int old = m->domid, domid;
	int ret, log_fd;

	ret = xpv_domain_teardown(m->x, old);
	if (ret)
		return ret;
	if (m->kernel_log >= 0)
		close(m->kernel_log);
	m->kernel_log = -1;
	ret = xpv_domain_build(m->x, m->cfg, &o, &domid, &log_fd);
	if (ret) {
		say("restart of %s failed; it stays destroyed", m->cfg->name);
		return ret;
	}
	m->domid = domid;
	m->kernel_log = log_fd;
	fcntl(log_fd, F_SETFL, O_NONBLOCK);
	write_pid(m);
	say("domain %u (%s) restarted as domain %u", old, m->cfg->name, domid);
	return 0;
}

/* A page of zeros is left a hole of the core file. */
static bool zero_page(const unsigned char *p)
{
	size_t i;

	for (i = 0; i < HV_PAGE_SIZE; i += 8)
		if (*(const uint64_t *)(p + i))
			return false;
	return true;
}

static int dump_chunk(struct monitor *m, int fd, hv_frame_t first,
		      unsigned int n, unsigned long *written)
{
	hv_frame_t frames[CORE_CHUNK];
	unsigned char *map;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++)
		frames[i] = first + i;
	map = hv_foreign_map(xpv_hv(m->x), m->domid, n, frames, false);
	if (!map)
		return -errno;
	for (i = 0; i < n && !ret; i++) {
		const unsigned char *page = map + (size_t)i * HV_PAGE_SIZE;

		if (zero_page(page))
			continue;
		if (pwrite(fd, page, HV_PAGE_SIZE,
			   (off_t)(first + i) * HV_PAGE_SIZE) != HV_PAGE_SIZE)
			ret = -EIO;
		(*written)++;
	}
	hv_foreign_unmap(xpv_hv(m->x), map, n);
	return ret;
}

/*
 * coredump-destroy / coredump-restart: the domain's memory, frame by
 * frame, into $XPV_LOGDIR/dump/<name>-<domid>.core (as xl writes
 * /var/lib/xen/dump/<name>); pages of zeros stay holes.
 */
static void dump_core(struct monitor *m)
{
	char path[PATH_MAX + 160];
	struct hv_start_info si;
	unsigned long written = 0;
	hv_frame_t f;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/dump", m->x->logdir);
	xpv_mkdir_p(path, 0700);
	snprintf(path, sizeof(path), "%s/dump/%s-%u.core", m->x->logdir,
		 m->cfg->name, m->domid);
	ret = hv_domain_start_info(xpv_hv(m->x), m->domid, &si);
	fd = ret ? -1 :
		   open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		say("no core of domain %u: %s", m->domid,
		    strerror(ret ? -ret : errno));
		return;
	}
	for (f = 0; f < si.nr_pages && !ret; f += CORE_CHUNK)
		ret = dump_chunk(m, fd, f,
				 si.nr_pages - f < CORE_CHUNK ?
					 si.nr_pages - f :
					 CORE_CHUNK,
				 &written);
	if (!ret && ftruncate(fd, (off_t)si.nr_pages * HV_PAGE_SIZE))
		ret = -errno;
	close(fd);
	if (ret)
		say("core of domain %u cut short: %s", m->domid,
		    strerror(-ret));
	else
		say("core of domain %u: %s (%lu of %llu pages not zero)",
		    m->domid, path, written, (unsigned long long)si.nr_pages);
}

/* What on_poweroff / on_reboot / on_crash says; 1 when the monitor goes
 * on watching (a restarted domain), 0 when it is done. */
static int act(struct monitor *m, uint32_t reason)
{
	enum xpv_action a = reason == HV_SHUTDOWN_POWEROFF ?
				    m->cfg->on_poweroff :
			    reason == HV_SHUTDOWN_REBOOT ? m->cfg->on_reboot :
							   m->cfg->on_crash;
	const char *name = xpv_action_name(a);

	say("domain %u shut down (%s); on_%s is %s", m->domid,
	    reason_name(reason),
	    reason == HV_SHUTDOWN_POWEROFF ? "poweroff" :
	    reason == HV_SHUTDOWN_REBOOT   ? "reboot" :
					     "crash",
	    name);
	switch (a) {
	case XPV_ACTION_PRESERVE:
		say("domain %u preserved; `xpv destroy %u' removes it",
		    m->domid, m->domid);
		return 0;
	case XPV_ACTION_COREDUMP_DESTROY:
		dump_core(m);
		/* fall through */
	case XPV_ACTION_DESTROY:
		xpv_domain_teardown(m->x, m->domid);
		xpv_monitor_unlink_lock(m->x, m->cfg->name);
		say("domain %u destroyed", m->domid);
		return 0;
	case XPV_ACTION_SOFT_RESET:
		say("%s is not supported on this platform: destroying", name);
		xpv_domain_teardown(m->x, m->domid);
		xpv_monitor_unlink_lock(m->x, m->cfg->name);
		return 0;
	case XPV_ACTION_COREDUMP_RESTART:
		dump_core(m);
		return rebuild(m) ? 0 : 1;
	case XPV_ACTION_RENAME_RESTART:
		say("%s is not supported on this platform: restarting", name);
		/* fall through */
	case XPV_ACTION_RESTART:
		return rebuild(m) ? 0 : 1;
	}
	return 0;
}

/* 1: go on watching, 0: done. */
static int check_domain(struct monitor *m)
{
	struct hv_dominfo info;
	int ret, fd, go_on = 1;

	ret = hv_domain_info(xpv_hv(m->x), m->domid, &info);
	if (ret == -ESRCH || (!ret && (info.flags & HV_DOMINF_DYING))) {
		say("domain %u is gone", m->domid);
		return 0;
	}
	if (ret || !(info.flags & HV_DOMINF_SHUTDOWN))
		return 1;
	drain_kernel_log(m);
	fd = lock_name(m->x, m->cfg->name);
	/* A destroy may have come first: it holds the lock, then stops us. */
	ret = hv_domain_info(xpv_hv(m->x), m->domid, &info);
	if (!ret && (info.flags & HV_DOMINF_SHUTDOWN) &&
	    !(info.flags & HV_DOMINF_DYING))
		go_on = act(m, info.shutdown_reason);
	else
		go_on = ret ? 0 : 1;
	if (fd >= 0)
		close(fd);
	return go_on;
}

static int watch(struct monitor *m)
{
	struct pollfd p[2];
	int port;

	while (check_domain(m)) {
		p[0] = (struct pollfd){ .fd = m->ev ? hv_evtchn_fd(m->ev) : -1,
					.events = POLLIN };
		p[1] = (struct pollfd){ .fd = m->kernel_log, .events = POLLIN };
		if (poll(p, m->kernel_log >= 0 ? 2 : 1, 1000) < 0 &&
		    errno != EINTR)
			return -errno;
		if (m->kernel_log >= 0 && p[1].revents)
			drain_kernel_log(m);
		while (m->ev && (port = hv_evtchn_pending(m->ev)) >= 0)
			if (hv_evtchn_unmask(m->ev, port) < 0)
				return -EIO;
	}
	drain_kernel_log(m);
	return 0;
}

static struct xpv_domcfg *saved_config(struct xpv *x, unsigned int domid)
{
	char path[PATH_MAX + 64];

	xpv_domain_dir(x, domid, "config", path, sizeof(path));
	return xpv_config_load(path, 0, NULL, stdout);
}

int xpv_monitor_main(struct xpv *x, int argc, char **argv)
{
	struct monitor m = { .x = x, .kernel_log = -1 };
	struct hv *hv;
	int ret;

	if (argc < 2)
		return 2;
	m.domid = strtoul(argv[1], NULL, 10);
	if (fcntl(KERNEL_LOG_FD, F_GETFD) >= 0) {
		m.kernel_log = KERNEL_LOG_FD;
		fcntl(m.kernel_log, F_SETFL, O_NONBLOCK);
		fcntl(m.kernel_log, F_SETFD, FD_CLOEXEC);
	}
	signal(SIGPIPE, SIG_IGN);
	m.cfg = saved_config(x, m.domid);
	hv = xpv_hv(x);
	if (!m.cfg || !hv || !xpv_xs(x))
		return 1;
	m.ev = hv_evtchn_open(hv);
	ret = m.ev ? hv_evtchn_bind_virq(m.ev, HV_VIRQ_DOM_EXC) : -errno;
	if (ret == -EEXIST) {
		/* On Xen VIRQ_DOM_EXC has one binding, the store's: the
		 * domain is looked at once a second instead. */
		hv_evtchn_close(m.ev);
		m.ev = NULL;
		ret = 0;
	}
	if (ret < 0) {
		say("cannot watch domain %u: %s", m.domid, strerror(-ret));
		return 1;
	}
	write_pid(&m);
	say("watching domain %u (%s)", m.domid, m.cfg->name);
	ret = watch(&m);
	if (m.ev)
		hv_evtchn_close(m.ev);
	xpv_config_free(m.cfg);
	return ret ? 1 : 0;
}

int xpv_monitor_start(struct xpv *x, const char *name, unsigned int domid,
		      int kernel_log)
{
	char log[PATH_MAX + 128], self[PATH_MAX + 16], id[16];
	int fd;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/xpv-%s.log", x->logdir, name);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		xpv_err("cannot open %s: %s", log, strerror(errno));
		return -errno;
	}
	snprintf(self, sizeof(self), "%s/xpv", x->bindir);
	snprintf(id, sizeof(id), "%u", domid);
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		if (null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 ||
		    dup2(fd, 2) < 0 ||
		    (kernel_log >= 0 && dup2(kernel_log, KERNEL_LOG_FD) < 0))
			_exit(127);
		if (kernel_log < 0)
			close(KERNEL_LOG_FD);
		setsid();
		execl(self, self, "_monitor", id, (char *)NULL);
		_exit(127);
	}
	close(fd);
	if (pid < 0) {
		xpv_err("cannot start the domain's monitor: %s",
			strerror(errno));
		return -errno;
	}
	return 0;
}
