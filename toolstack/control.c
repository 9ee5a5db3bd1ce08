/*
 * control.c - the commands that act on one running domain, as xl's:
 * destroy, shutdown, reboot, pause, unpause, mem-set, vcpu-set.
 *
 * shutdown and reboot ask the guest, through control/shutdown, as
 * libxl_domain_shutdown / _reboot do: a guest whose kernel never said it
 * listens (control/feature-poweroff, -reboot) is told so, as xl tells of
 * a guest without PV drivers. What happens once it has shut down is its
 * monitor's business (monitor.c).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "toolstack/domains.h"
#include "toolstack/monitor.h"
#include "toolstack/store.h"
#include "toolstack/util.h"

/* LIBXL_MAXMEM_CONSTANT: the limit is the target and this much more. */
#define MAXMEM_SLACK_KB 1024

/* The one DOMAIN argument of a command whose options were parsed; dom0
 * is refused where xl refuses it. */
static int one_domain(struct xpv *x, int argc, char **argv, const char *cmd,
		      int nargs, bool allow_dom0, unsigned int *domid)
{
	if (argc - optind != nargs)
		return xpv_usage(cmd);
	if (xpv_domain_find(x, argv[optind], domid))
		return 1;
	if (*domid == 0 && !allow_dom0) {
		xpv_err("%s: domain 0 is dom0, the control domain: refused",
			cmd);
		return 1;
	}
	return 0;
}

static void stop_monitor(struct xpv *x, unsigned int domid)
{
	char path[PATH_MAX + 64];
	long pid;
	int i;

	xpv_domain_dir(x, domid, "monitor.pid", path, sizeof(path));
	if (xpv_read_long_file(path, &pid) || !xpv_process_is(pid, "xpv"))
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 1000 && xpv_process_alive(pid); i++)
		xpv_sleep_ms(1);
}

int xpv_cmd_destroy(struct xpv *x, int argc, char **argv)
{
	unsigned int domid;
	char name[80];
	int lock, ret;

	while (xpv_getopt(argc, argv, "h", NULL, "destroy") != -1)
		;
	ret = one_domain(x, argc, argv, "destroy", 1, false, &domid);
	if (ret)
		return ret;
	xpv_domain_name(x, domid, name, sizeof(name));
	/* After a monitor's action in progress, and before its next. */
	lock = xpv_monitor_lock(x, name);
	stop_monitor(x, domid);
	ret = xpv_domain_teardown(x, domid);
	if (lock >= 0) {
		xpv_monitor_unlink_lock(x, name);
		close(lock);
	}
	return ret ? 1 : 0;
}

/* --- shutdown and reboot ------------------------------------------------- */

static bool listens(struct xpv *x, unsigned int domid, const char *feature)
{
	char home[64], key[64], *v;
	bool yes;

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	snprintf(key, sizeof(key), "control/feature-%s", feature);
	v = xpv_xs_read(xpv_xs(x), home, key);
	yes = v && !strcmp(v, "1");
	free(v);
	return yes;
}

/* When the domain was built (/vm/UUID/start_time): a domain rebuilt
 * under the same id (a reboot) is another domain. */
static char *start_time(struct xpv *x, unsigned int domid)
{
	struct xpv_dompaths p;

	xpv_dompaths(xpv_xs(x), domid, &p);
	return p.vm[0] ? xpv_xs_read(xpv_xs(x), p.vm, "start_time") : NULL;
}

/* Gone (or rebuilt), or shut down with nothing left to do (its monitor
 * has exited: a preserved domain). */
static bool finished(struct xpv *x, unsigned int domid, const char *started)
{
	char path[PATH_MAX + 64], *now;
	struct hv_dominfo info;
	bool rebuilt;
	long pid;

	if (hv_domain_info(xpv_hv(x), domid, &info))
		return true;
	now = start_time(x, domid);
	rebuilt = !now || !started || strcmp(now, started);
	free(now);
	if (rebuilt)
		return true;
	if (!(info.flags & HV_DOMINF_SHUTDOWN))
		return false;
	xpv_domain_dir(x, domid, "monitor.pid", path, sizeof(path));
	return xpv_read_long_file(path, &pid) || !xpv_process_is(pid, "xpv");
}

/* Still there, the same domain, shut down: preserved. */
static bool finished_preserved(struct xpv *x, unsigned int domid,
			       const char *started)
{
	struct hv_dominfo info;
	char *now;
	bool same;

	if (hv_domain_info(xpv_hv(x), domid, &info) ||
	    !(info.flags & HV_DOMINF_SHUTDOWN))
		return false;
	now = start_time(x, domid);
	same = now && started && !strcmp(now, started);
	free(now);
	return same;
}

static int ask(struct xpv *x, int argc, char **argv, const char *cmd,
	       const char *request, const char *feature)
{
	static const struct option longopts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned int domid;
	char home[64], *started;
	bool wait = false, gone;
	int opt, ret;

	while ((opt = xpv_getopt(argc, argv, "wh", longopts, cmd)) != -1)
		if (opt == 'w')
			wait = true;
	ret = one_domain(x, argc, argv, cmd, 1, false, &domid);
	if (ret)
		return ret;
	if (!listens(x, domid, feature)) {
		xpv_err("%s: PV control interface not available in domain %u "
			"(its kernel did not write control/feature-%s); "
			"`xpv destroy %u' stops it",
			cmd, domid, feature, domid);
		return 1;
	}
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	started = start_time(x, domid);
	ret = xpv_xs_write(xpv_xs(x), home, "control/shutdown", "%s", request);
	if (ret) {
		xpv_err("%s: cannot write control/shutdown of domain %u: %s",
			cmd, domid, strerror(-ret));
		free(started);
		return 1;
	}
	printf("%s domain %u\n",
	       !strcmp(request, "poweroff") ? "Shutting down" : "Rebooting",
	       domid);
	if (wait) {
		printf("Waiting for 1 domains\n");
		fflush(stdout);
		while (!finished(x, domid, started))
			xpv_sleep_ms(20);
		gone = !finished_preserved(x, domid, started);
		printf("Domain %u has been %s.\n", domid,
		       gone ? "destroyed" : "shut down");
	}
	free(started);
	return 0;
}

int xpv_cmd_shutdown(struct xpv *x, int argc, char **argv)
{
	return ask(x, argc, argv, "shutdown", "poweroff", "poweroff");
}

int xpv_cmd_reboot(struct xpv *x, int argc, char **argv)
{
	return ask(x, argc, argv, "reboot", "reboot", "reboot");
}

/* --- pause and unpause -------------------------------------------------- */

static int pause_or_unpause(struct xpv *x, int argc, char **argv,
			    const char *cmd, bool pause)
{
	unsigned int domid;
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, cmd) != -1)
		;
	ret = one_domain(x, argc, argv, cmd, 1, false, &domid);
	if (ret)
		return ret;
	ret = pause ? hv_domain_pause(xpv_hv(x), domid) :
		      hv_domain_unpause(xpv_hv(x), domid);
	if (ret) {
		xpv_err("%s: domain %u: %s", cmd, domid, strerror(-ret));
		return 1;
	}
	return 0;
}

int xpv_cmd_pause(struct xpv *x, int argc, char **argv)
{
	return pause_or_unpause(x, argc, argv, "pause", true);
}

int xpv_cmd_unpause(struct xpv *x, int argc, char **argv)
{
	return pause_or_unpause(x, argc, argv, "unpause", false);
}

/* --- memory and vcpus ---------------------------------------------------- */

/* Multiply a count of KiB by 1024 `times` times; -1 past LLONG_MAX (the
 * value is the user's: a shift past the top would be undefined). */
static long long kib_scale(long long n, unsigned int times)
{
	while (times--) {
		if (n > LLONG_MAX >> 10)
			return -1;
		n <<= 10;
	}
	return n;
}

/* xl's parse_mem_size_kb: a number with an optional unit, MiB when none. */
static long long mem_size_kb(const char *s)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || n < 0 || strlen(end) > 1)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 't':
		return kib_scale(n, 3);
	case 'g':
		return kib_scale(n, 2);
	case '\0':
	case 'm':
		return kib_scale(n, 1);
	case 'k':
		return n;
	case 'b':
		return n >> 10;
	default:
		return -1;
	}
}

int xpv_cmd_mem_set(struct xpv *x, int argc, char **argv)
{
	unsigned int domid;
	long long kb;
	long max;
	char home[64];
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, "mem-set") != -1)
		;
	ret = one_domain(x, argc, argv, "mem-set", 2, false, &domid);
	if (ret)
		return ret;
	kb = mem_size_kb(argv[optind + 1]);
	if (kb <= 0) {
		xpv_err("invalid memory size: %s (a number of MiB, or with a "
			"unit: 512m, 1g, 262144k)",
			argv[optind + 1]);
		return 1;
	}
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	if (xpv_xs_read_long(xpv_xs(x), home, "memory/static-max", 1, 1L << 40,
			     &max) == 0 &&
	    kb > max) {
		xpv_err("mem-set: %lld KiB is more than domain %u's maxmem, "
			"%ld KiB",
			kb, domid, max);
		return 1;
	}
	/* As libxl_set_memory_target with enforce: the target for the
	 * guest's balloon, and the limit the hypervisor holds it to. */
	ret = xpv_xs_write(xpv_xs(x), home, "memory/target", "%lld", kb);
	ret = ret   ?:
		      hv_domain_set_max_memory(xpv_hv(x), domid,
					       kb + MAXMEM_SLACK_KB);
	if (ret) {
		xpv_err("cannot set domain %u's memory target to %lld KiB: %s",
			domid, kb, strerror(-ret));
		return 1;
	}
	return 0;
}

static unsigned int max_vcpus(struct xpv *x, unsigned int domid)
{
	char dir[64];
	unsigned int n = 0;
	char **ids;

	snprintf(dir, sizeof(dir), "/local/domain/%u/cpu", domid);
	ids = xs_directory(xpv_xs(x), XBT_NULL, dir, &n);
	free(ids);
	return ids ? n : 0;
}

int xpv_cmd_vcpu_set(struct xpv *x, int argc, char **argv)
{
	unsigned int domid, max, i;
	struct xpv_tx tx;
	char home[64], *end;
	unsigned long n;
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, "vcpu-set") != -1)
		;
	ret = one_domain(x, argc, argv, "vcpu-set", 2, false, &domid);
	if (ret)
		return ret;
	max = max_vcpus(x, domid);
	n = strtoul(argv[optind + 1], &end, 10);
	if (*end || end == argv[optind + 1] || n < 1 || n > max) {
		xpv_err("vcpu-set: %s: expected a number of vcpus, 1-%u "
			"(domain %u's maxvcpus)",
			argv[optind + 1], max, domid);
		return 1;
	}
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	do {
		ret = xpv_tx_begin(&tx, xpv_xs(x));
		for (i = 0; !ret && i < max; i++) {
			char key[32];

			snprintf(key, sizeof(key), "cpu/%u/availability", i);
			xpv_tx_write(&tx, home, key, "%s",
				     i < n ? "online" : "offline");
		}
		ret = ret ?: xpv_tx_end(&tx);
	} while (ret == -EAGAIN);
	ret = ret ?: hv_domain_set_vcpus(xpv_hv(x), domid, n);
	if (ret) {
		xpv_err("cannot set domain %u's vcpus to %lu: %s", domid, n,
			strerror(-ret));
		return 1;
	}
	return 0;
}
