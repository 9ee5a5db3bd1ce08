/*
 * xpv.c - the `xpv` command: global options, where things are, and the
 * dispatch to a subcommand of the table (commands.c).
 *
 *   xpv [-v] SUBCOMMAND [ARGS...]
 *
 * Where things are, each overridable from the environment so that
 * independent instances (tests) run side by side:
 *   XPV_RUNDIR       runtime state, the daemons' sockets   (/run/xpv)
 *   XPV_LOGDIR       one log per daemon and per domain      (/var/log/xpv)
 *   XENSTORED_PATH   the xenstore socket     ($XPV_RUNDIR/xenstored/socket)
 *   XPV_BINDIR       the daemons and xpv-guest   (the directory of xpv)
 *   XPV_HOTPLUGDIR   the hotplug scripts     (hotplug/ above BINDIR)
 *   XPV_SCHEMADIR    the xenstore schemas (xenstore-schemas/ above BINDIR)
 * XPV_RUNDIR and XENSTORED_PATH are exported to everything xpv starts,
 * so the daemons, the hotplug scripts and libxenstore agree with it.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "toolstack/monitor.h"
#include "toolstack/util.h"
#include "toolstack/xpv.h"

/* "xpv: <message>" on stderr, errno kept (logging never clobbers it). */
static __attribute__((format(printf, 1, 0))) void say(const char *fmt,
						      va_list ap)
{
	int saved = errno;

	fputs("xpv: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	errno = saved;
}

void xpv_err(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	fflush(stdout);
	errno = saved;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

void xpv_info(const struct xpv *x, const char *fmt, ...)
{
	va_list ap;

	if (!x->verbose)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

static int env_path(char *out, const char *var, const char *fallback)
{
	const char *v = getenv(var);

	if (!v || !*v)
		v = fallback;
	if (snprintf(out, PATH_MAX, "%s", v) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* The tree's dir beside the build directory xpv is in (build/bin,
 * build/asan/bin): the first ancestor of bindir that has it. */
static void tree_dir(const char *bindir, const char *name, char *out,
		     size_t len)
{
	char path[PATH_MAX + 64], real[PATH_MAX];
	int up;

	for (up = 1; up <= 4; up++) {
		int n = snprintf(path, sizeof(path), "%s", bindir);
		int i;

		for (i = 0; i < up; i++)
			n += snprintf(path + n, sizeof(path) - n, "/..");
		snprintf(path + n, sizeof(path) - n, "/%s", name);
		if (realpath(path, real)) {
			snprintf(out, len, "%s", real);
			return;
		}
	}
	snprintf(out, len, "%s/../../%s", bindir, name);
}

static int find_paths(struct xpv *x)
{
	char self[PATH_MAX], def[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n < 0)
		return -errno;
	self[n] = '\0';
	if (env_path(x->rundir, "XPV_RUNDIR", "/run/xpv") ||
	    env_path(x->logdir, "XPV_LOGDIR", "/var/log/xpv") ||
	    env_path(x->bindir, "XPV_BINDIR", dirname(self)))
		return -ENAMETOOLONG;
	tree_dir(x->bindir, "hotplug", def, sizeof(def));
	if (env_path(x->hotplugdir, "XPV_HOTPLUGDIR", def))
		return -ENAMETOOLONG;
	tree_dir(x->bindir, "xenstore-schemas", def, sizeof(def));
	if (env_path(x->schemadir, "XPV_SCHEMADIR", def))
		return -ENAMETOOLONG;
	snprintf(def, sizeof(def), "%s/xenstored/socket", x->rundir);
	if (env_path(x->xs_path, "XENSTORED_PATH", def))
		return -ENAMETOOLONG;
	/* What xpv starts, and libxenstore here, use the same ones. */
	if (setenv("XPV_RUNDIR", x->rundir, 1) ||
	    setenv("XPV_LOGDIR", x->logdir, 1) ||
	    setenv("XENSTORED_PATH", x->xs_path, 1))
		return -errno;
	return 0;
}

struct hv *xpv_hv(struct xpv *x)
{
	char why[256];
	int ret;

	if (x->hv)
		return x->hv;
	ret = hv_open(&x->hv, why, sizeof(why));
	if (ret == -ENOENT && xpv_platform_sim())
		xpv_err("the hypervisor is not running (no %s/hv.sock); "
			"start dom0's services with `xpv up'",
			x->rundir);
	else if (ret)
		xpv_err("cannot open the hypervisor: %s", why);
	if (ret) {
		x->hv = NULL;
		errno = -ret;
	}
	return x->hv;
}

struct xs_handle *xpv_xs(struct xpv *x)
{
	if (x->xs)
		return x->xs;
	x->xs = xs_open(0);
	if (!x->xs)
		xpv_err("cannot reach xenstored at %s: %s; start dom0's "
			"services with `xpv up'",
			x->xs_path, strerror(errno));
	return x->xs;
}

void xpv_opts_begin(void)
{
	optind = 0; /* glibc: full reinitialisation */
}

int xpv_usage(const char *cmd)
{
	const struct xpv_cmd *c = xpv_cmd_find(cmd);

	if (c)
		fprintf(stderr, "Usage: xpv %s %s\n", c->name, c->usage);
	return 2;
}

int xpv_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts, const char *cmd)
{
	static const struct option none[] = { { 0 } };
	int opt;

	opterr = 0;
	opt = getopt_long(argc, argv, shortopts, longopts ? longopts : none,
			  NULL);
	if (opt == 'h') {
		xpv_help(stdout, cmd);
		exit(0);
	}
	if (opt == '?' || opt == ':') {
		if (optopt)
			xpv_err("%s: option -%c %s", cmd, optopt,
				opt == ':' ? "needs a value" : "is unknown");
		else
			xpv_err("%s: option %s is unknown", cmd,
				argv[optind - 1]);
		exit(xpv_usage(cmd));
	}
	return opt;
}

static void close_handles(struct xpv *x)
{
	if (x->xs)
		xs_close(x->xs);
	if (x->hv)
		hv_close(x->hv);
}

int main(int argc, char **argv)
{
	static struct xpv x;
	const struct xpv_cmd *cmd;
	int opt, ret;

	while ((opt = getopt(argc, argv, "+vh")) != -1) {
		if (opt == 'v') {
			x.verbose++;
		} else if (opt == 'h') {
			xpv_help(stdout, NULL);
			return 0;
		} else {
			xpv_help(stderr, NULL);
			return 2;
		}
	}
	if (optind >= argc) {
		xpv_help(stderr, NULL);
		return 2;
	}
	ret = find_paths(&x);
	if (ret) {
		xpv_err("cannot work out where things are: %s", strerror(-ret));
		return 1;
	}
	if (!strcmp(argv[optind], "_monitor")) {
		ret = xpv_monitor_main(&x, argc - optind, argv + optind);
		close_handles(&x);
		return ret;
	}
	cmd = xpv_cmd_find(argv[optind]);
	if (!cmd) {
		xpv_err("unknown command `%s'; `xpv help' lists them",
			argv[optind]);
		return 2;
	}
	argc -= optind;
	argv += optind;
	xpv_opts_begin();
	ret = cmd->run(&x, argc, argv);
	close_handles(&x);
	return ret;
}
