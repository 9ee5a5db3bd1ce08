/*
 * testbed.c - xpv-net-testbed: the toolstack's part of the network tests
 * and benchmarks on sim, as libxl does it for a PV guest's vifs, until
 * `xpv` does it (issue 16).
 *
 *   xpv-net-testbed create [--memory MIB] [--queues Q] [--console FILE]
 *                          [--stdin FIFO] [--ro DIR]... [--vif SPEC]...
 *                          -- PROGRAM [ARG...]
 *       a domain running PROGRAM (paused until its vifs are plugged), its
 *       console (stdout and stderr) appended to FILE, its stdin the named
 *       pipe FIFO (opened for it alone); prints its domid
 *   xpv-net-testbed attach DOMID [--queues Q] SPEC    prints the devid
 *   xpv-net-testbed detach DOMID DEVID
 *   xpv-net-testbed destroy DOMID
 *
 * SPEC is xl's vif spec, comma-separated key=value: mac, bridge, mtu,
 * rate (bytes,usec as libxl writes it), vifname.
 *
 * For each vif, as libxl: the frontend directory (the guest's) and the
 * backend directory (dom0's) with xl's keys and permissions; wait for the
 * backend's InitWait (xpv-netback made the TAP by then); run the hotplug
 * script ($XPV_VIF_SCRIPT, default hotplug/vif-bridge) with `online
 * type_if=vif`, XENBUS_PATH and vif; and, on sim, make the guest's NIC in
 * its network namespace and hand it in (net/guest_nic.h), Q queues.
 * Detach: online=0 and Closing in the backend, wait for Closed, `offline`,
 * remove both directories. Destroy: the domain, then as detach for each
 * vif without waiting, and the domain's directory.
 *
 * Environment: XPV_RUNDIR (the hypervisor), XENSTORED_PATH. Runs the
 * script in its own network namespace: start it where dom0's side of the
 * vifs is (`ip netns exec`).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "net/guest_nic.h"
#include "ring/xenbus.h"

#define NAME "xpv-net-testbed"
#define MAX_VIFS 8
#define MAX_RO 8
#define WAIT_MS 20000

struct vif_spec {
	char mac[32], bridge[32], mtu[16], rate[48], vifname[16];
	uint8_t mac_bytes[6];
};

struct tb {
	struct hv *hv;
	struct xs_handle *xs;
	unsigned int queues;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, NAME ": ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;
	char tail;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static void parse_spec(const char *spec, struct vif_spec *v)
{
	char *copy = strdup(spec), *tok, *save = NULL;

	memset(v, 0, sizeof(*v));
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		char *dst = NULL;
		size_t cap = 0;

		if (!eq)
			die("vif spec: '%s' is not key=value", tok);
		*eq = '\0';
		if (!strcmp(tok, "mac"))
			dst = v->mac, cap = sizeof(v->mac);
		else if (!strcmp(tok, "bridge"))
			dst = v->bridge, cap = sizeof(v->bridge);
		else if (!strcmp(tok, "mtu"))
			dst = v->mtu, cap = sizeof(v->mtu);
		else if (!strcmp(tok, "rate"))
			dst = v->rate, cap = sizeof(v->rate);
		else if (!strcmp(tok, "vifname"))
			dst = v->vifname, cap = sizeof(v->vifname);
		else
			die("vif spec: unknown key '%s'", tok);
		if (strlen(eq + 1) >= cap)
			die("vif spec: %s too long", tok);
		strcpy(dst, eq + 1);
	}
	free(copy);
	if (!v->mac[0])
		snprintf(v->mac, sizeof(v->mac), "00:16:3e:%02x:%02x:%02x",
			 rand() & 0xff, rand() & 0xff, rand() & 0xff);
	if (parse_mac(v->mac, v->mac_bytes))
		die("vif spec: bad mac '%s'", v->mac);
}

static void xs_put(struct xs_handle *xs, xs_transaction_t t, const char *dir,
		   const char *key, const char *fmt, ...)
{
	char path[256], val[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	if (!xs_write(xs, t, path, val, strlen(val)))
		die("writing %s: %s", path, strerror(errno));
}

static void paths(unsigned int domid, unsigned int devid, char *fe, char *be)
{
	snprintf(fe, 128, "/local/domain/%u/device/vif/%u", domid, devid);
	snprintf(be, 128, "/local/domain/0/backend/vif/%u/%u", domid, devid);
}

/* libxl__device_nic_add's keys and permissions, in one transaction. */
static void write_vif(struct tb *tb, unsigned int domid, unsigned int devid,
		      const struct vif_spec *v)
{
	struct xs_permissions fe_perm[2] = { { domid, XS_PERM_NONE },
					     { 0, XS_PERM_READ } };
	struct xs_permissions be_perm[2] = { { 0, XS_PERM_NONE },
					     { domid, XS_PERM_READ } };
	char fe[128], be[128];
	xs_transaction_t t;

	paths(domid, devid, fe, be);
again:
	t = xs_transaction_start(tb->xs);
	if (!xs_mkdir(tb->xs, t, fe) ||
	    !xs_set_permissions(tb->xs, t, fe, fe_perm, 2) ||
	    !xs_mkdir(tb->xs, t, be) ||
	    !xs_set_permissions(tb->xs, t, be, be_perm, 2))
		die("making %s and %s: %s", fe, be, strerror(errno));
	xs_put(tb->xs, t, fe, "backend", "%s", be);
	xs_put(tb->xs, t, fe, "backend-id", "0");
	xs_put(tb->xs, t, fe, "handle", "%u", devid);
	xs_put(tb->xs, t, fe, "mac", "%s", v->mac);
	if (v->mtu[0])
		xs_put(tb->xs, t, fe, "mtu", "%s", v->mtu);
	xs_put(tb->xs, t, fe, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	xs_put(tb->xs, t, be, "frontend", "%s", fe);
	xs_put(tb->xs, t, be, "frontend-id", "%u", domid);
	xs_put(tb->xs, t, be, "online", "1");
	xs_put(tb->xs, t, be, "handle", "%u", devid);
	xs_put(tb->xs, t, be, "type", "vif");
	xs_put(tb->xs, t, be, "mac", "%s", v->mac);
	xs_put(tb->xs, t, be, "script", "vif-bridge");
	if (v->bridge[0])
		xs_put(tb->xs, t, be, "bridge", "%s", v->bridge);
	if (v->mtu[0])
		xs_put(tb->xs, t, be, "mtu", "%s", v->mtu);
	if (v->rate[0])
		xs_put(tb->xs, t, be, "rate", "%s", v->rate);
	if (v->vifname[0])
		xs_put(tb->xs, t, be, "vifname", "%s", v->vifname);
	/* Empty: the backend waits for the script's "connected". */
	xs_put(tb->xs, t, be, "hotplug-status", "%s", "");
	xs_put(tb->xs, t, be, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	if (!xs_transaction_end(tb->xs, t, false)) {
		if (errno == EAGAIN)
			goto again;
		die("writing the vif's directories: %s", strerror(errno));
	}
}

static int read_state(struct tb *tb, const char *be)
{
	char path[160], *v;
	int s;

	snprintf(path, sizeof(path), "%s/state", be);
	v = xs_read(tb->xs, XBT_NULL, path, NULL);
	if (!v)
		return -1;
	s = atoi(v);
	free(v);
	return s;
}

/* Until the backend's state is at least want (or gone when want < 0). */
static int wait_state(struct tb *tb, const char *be, int want)
{
	int i, s = -1;

	for (i = 0; i < WAIT_MS / 20; i++) {
		s = read_state(tb, be);
		if (want < 0 ? s < 0 : s >= want)
			return s;
		usleep(20000);
	}
	return s;
}

static const char *script_path(void)
{
	const char *s = getenv("XPV_VIF_SCRIPT");

	return s && *s ? s : "hotplug/vif-bridge";
}

/* The hotplug script, as libxl runs it; its exit status. */
static int run_script(unsigned int domid, unsigned int devid,
		      const char *vifname, const char *cmd)
{
	char xbpath[64], vif[32];
	pid_t pid;
	int status;

	snprintf(xbpath, sizeof(xbpath), "backend/vif/%u/%u", domid, devid);
	if (vifname && *vifname)
		snprintf(vif, sizeof(vif), "%s", vifname);
	else
		snprintf(vif, sizeof(vif), "vif%u.%u", domid, devid);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setenv("XENBUS_PATH", xbpath, 1);
		setenv("XENBUS_TYPE", "vif", 1);
		setenv("vif", vif, 1);
		setenv("netdev", "", 1);
		execl(script_path(), script_path(), cmd, "type_if=vif",
		      (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void plug(struct tb *tb, unsigned int domid, unsigned int devid,
		 const struct vif_spec *v)
{
	char fe[128], be[128], ifname[16], tag[48];
	int s, err;

	paths(domid, devid, fe, be);
	/* The NIC before the device: a guest that sees the device finds it
	 * waiting. */
	snprintf(ifname, sizeof(ifname), "eth%u", devid);
	snprintf(tag, sizeof(tag), "device/vif/%u", devid);
	err = net_guest_nic_give(tb->hv, (hv_domid_t)domid, ifname,
				 v->mac_bytes, tb->queues, tag);
	if (err && err != -EOPNOTSUPP)
		die("making the guest's %s: %s", ifname, strerror(-err));
	write_vif(tb, domid, devid, v);
	s = wait_state(tb, be, XPV_XENBUS_STATE_INIT_WAIT);
	if (s < XPV_XENBUS_STATE_INIT_WAIT)
		die("%s: the backend did not reach InitWait (state %d); is "
		    "xpv-netback running?",
		    be, s);
	if (run_script(domid, devid, v->vifname, "online"))
		die("%s: the hotplug script failed", be);
}

static void unplug(struct tb *tb, unsigned int domid, unsigned int devid,
		   bool wait)
{
	char fe[128], be[128], path[160], *vifname;

	paths(domid, devid, fe, be);
	snprintf(path, sizeof(path), "%s/vifname", be);
	vifname = xs_read(tb->xs, XBT_NULL, path, NULL);
	if (wait) {
		snprintf(path, sizeof(path), "%s/online", be);
		xs_write(tb->xs, XBT_NULL, path, "0", 1);
		snprintf(path, sizeof(path), "%s/state", be);
		xs_write(tb->xs, XBT_NULL, path, "5", 1);
		if (wait_state(tb, be, XPV_XENBUS_STATE_CLOSED) !=
		    XPV_XENBUS_STATE_CLOSED)
			fprintf(stderr, NAME ": %s did not close\n", be);
	}
	run_script(domid, devid, vifname, "offline");
	free(vifname);
	xs_rm(tb->xs, XBT_NULL, fe);
	xs_rm(tb->xs, XBT_NULL, be);
}

static void make_home(struct tb *tb, unsigned int domid)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE },
					{ domid, XS_PERM_READ } };
	struct xs_permissions rw[1] = { { domid, XS_PERM_NONE } };
	char home[64], dir[96];

	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	if (!xs_mkdir(tb->xs, XBT_NULL, home) ||
	    !xs_set_permissions(tb->xs, XBT_NULL, home, ro, 2))
		die("making %s: %s", home, strerror(errno));
	xs_put(tb->xs, XBT_NULL, home, "domid", "%u", domid);
	xs_put(tb->xs, XBT_NULL, home, "name", "nettest%u", domid);
	snprintf(dir, sizeof(dir), "%s/data", home);
	if (!xs_mkdir(tb->xs, XBT_NULL, dir) ||
	    !xs_set_permissions(tb->xs, XBT_NULL, dir, rw, 1))
		die("making %s: %s", dir, strerror(errno));
	snprintf(dir, sizeof(dir), "%s/device", home);
	if (!xs_mkdir(tb->xs, XBT_NULL, dir) ||
	    !xs_set_permissions(tb->xs, XBT_NULL, dir, ro, 2))
		die("making %s: %s", dir, strerror(errno));
}

static hv_domid_t exec_guest(struct tb *tb, unsigned int mib,
			     const char *console, const char *fifo, char **ro,
			     char **argv)
{
	struct hv_domain_config cfg = { .memory_kb = (uint64_t)mib * 1024,
					.vcpus = 1 };
	char *envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp",
			 NULL };
	int fd = open(console, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	/* Read and write, so that the guest never reads an end of file
	 * between two writers. */
	int in = fifo ? open(fifo, O_RDWR | O_CLOEXEC) : -1;
	int stdio[3] = { in, fd, fd };
	hv_domid_t domid;
	int err;

	if (fd < 0)
		die("console %s: %s", console, strerror(errno));
	if (fifo && in < 0)
		die("stdin %s: %s", fifo, strerror(errno));
	err = hv_domain_create(tb->hv, &cfg, &domid);
	if (err)
		die("creating the domain: %s", strerror(-err));
	err = hv_domain_exec(tb->hv, domid,
			     &(struct hv_exec){ .path = argv[0],
						.argv = argv,
						.envp = envp,
						.stdio = stdio,
						.ro_dirs = ro });
	close(fd);
	if (in >= 0)
		close(in);
	if (err) {
		if (hv_domain_destroy(tb->hv, domid) < 0)
			fprintf(stderr, "testbed: domain %u is left behind\n",
				domid);
		die("starting %s in the domain: %s", argv[0], strerror(-err));
	}
	return domid;
}

static void introduce(struct tb *tb, hv_domid_t domid)
{
	struct hv_start_info si;
	int err = hv_domain_start_info(tb->hv, domid, &si);

	if (err)
		die("start info: %s", strerror(-err));
	if (!xs_introduce_domain(tb->xs, domid, si.store_frame, si.store_port))
		die("introducing the domain: %s", strerror(errno));
}

static int cmd_create(struct tb *tb, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "memory", required_argument, NULL, 'm' },
		{ "queues", required_argument, NULL, 'q' },
		{ "console", required_argument, NULL, 'c' },
		{ "stdin", required_argument, NULL, 'i' },
		{ "ro", required_argument, NULL, 'r' },
		{ "vif", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	struct vif_spec vifs[MAX_VIFS];
	char *ro[MAX_RO + 1] = { NULL };
	const char *console = "/dev/null", *fifo = NULL;
	unsigned int mib = 64, nvifs = 0, nro = 0, i;
	hv_domid_t domid;
	int c;

	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (c == 'm')
			mib = (unsigned int)atoi(optarg);
		else if (c == 'q')
			tb->queues = (unsigned int)atoi(optarg);
		else if (c == 'c')
			console = optarg;
		else if (c == 'i')
			fifo = optarg;
		else if (c == 'r' && nro < MAX_RO)
			ro[nro++] = optarg;
		else if (c == 'v' && nvifs < MAX_VIFS)
			parse_spec(optarg, &vifs[nvifs++]);
		else
			die("create: bad option");
	}
	if (optind >= argc)
		die("create: no program");
	domid = exec_guest(tb, mib, console, fifo, ro, argv + optind);
	make_home(tb, domid);
	introduce(tb, domid);
	for (i = 0; i < nvifs; i++)
		plug(tb, domid, i, &vifs[i]);
	c = hv_domain_unpause(tb->hv, domid);
	if (c)
		die("unpausing: %s", strerror(-c));
	printf("%u\n", domid);
	return 0;
}

/* The lowest devid with no frontend directory. */
static unsigned int free_devid(struct tb *tb, unsigned int domid)
{
	char path[128], *v;
	unsigned int devid;

	for (devid = 0;; devid++) {
		snprintf(path, sizeof(path),
			 "/local/domain/%u/device/vif/%u/backend", domid,
			 devid);
		v = xs_read(tb->xs, XBT_NULL, path, NULL);
		if (!v)
			return devid;
		free(v);
	}
}

static int cmd_attach(struct tb *tb, int argc, char **argv)
{
	struct vif_spec v;
	unsigned int domid, devid;
	int i;

	if (argc < 3)
		die("attach DOMID [--queues Q] SPEC");
	domid = (unsigned int)atoi(argv[1]);
	for (i = 2; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--queues"))
			tb->queues = (unsigned int)atoi(argv[i + 1]);
	parse_spec(argv[argc - 1], &v);
	devid = free_devid(tb, domid);
	plug(tb, domid, devid, &v);
	printf("%u\n", devid);
	return 0;
}

static int cmd_detach(struct tb *tb, int argc, char **argv)
{
	if (argc != 3)
		die("detach DOMID DEVID");
	unplug(tb, (unsigned int)atoi(argv[1]), (unsigned int)atoi(argv[2]),
	       true);
	return 0;
}

static int cmd_destroy(struct tb *tb, int argc, char **argv)
{
	char dir[96], **ids;
	unsigned int domid, n = 0, i;
	int err;

	if (argc != 2)
		die("destroy DOMID");
	domid = (unsigned int)atoi(argv[1]);
	err = hv_domain_destroy(tb->hv, (hv_domid_t)domid);
	if (err && err != -ESRCH)
		die("destroying domain %u: %s", domid, strerror(-err));
	snprintf(dir, sizeof(dir), "/local/domain/0/backend/vif/%u", domid);
	ids = xs_directory(tb->xs, XBT_NULL, dir, &n);
	for (i = 0; ids && i < n; i++)
		unplug(tb, domid, (unsigned int)atoi(ids[i]), false);
	free(ids);
	xs_rm(tb->xs, XBT_NULL, dir);
	xs_release_domain(tb->xs, domid);
	snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
	xs_rm(tb->xs, XBT_NULL, dir);
	return 0;
}

int main(int argc, char **argv)
{
	struct tb tb = { .queues = 1 };
	char why[256];
	int ret = 1;

	if (argc < 2)
		die("usage: create|attach|detach|destroy ...");
	srand((unsigned int)getpid());
	if (hv_open(&tb.hv, why, sizeof(why)))
		die("%s", why);
	tb.xs = xs_open(0);
	if (!tb.xs)
		die("xenstored: %s (XENSTORED_PATH?)", strerror(errno));
	if (!strcmp(argv[1], "create"))
		ret = cmd_create(&tb, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "attach"))
		ret = cmd_attach(&tb, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "detach"))
		ret = cmd_detach(&tb, argc - 1, argv + 1);
	else if (!strcmp(argv[1], "destroy"))
		ret = cmd_destroy(&tb, argc - 1, argv + 1);
	else
		die("unknown command %s", argv[1]);
	xs_close(tb.xs);
	hv_close(tb.hv);
	return ret;
}
