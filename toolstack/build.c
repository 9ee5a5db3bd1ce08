/*
 * build.c - building a domain from its config (xpv create), in libxl's
 * order (libxl_create.c):
 *
 *   check      the name is free, every disk image is there
 *   make       the hypervisor's domain (paused): memory, vcpus, max memory;
 *              on xen also its PV kernel, ramdisk and command line, built
 *              into it by hv/xen/build.c as libxl's PV build does
 *   store      its directories as libxl__domain_make and __build_post
 *              write them; the console; each disk and vif
 *   kernel     on sim the guest's "kernel" (xpv-guest), exec'd paused in
 *              its own world (hv_exec); each vif's NIC made in its
 *              network namespace and handed in (on xen the kernel was
 *              built at "make", and it has its own NICs)
 *   introduce  XS_INTRODUCE: xenstored serves the guest's ring
 *   hotplug    each backend takes its device (InitWait), then its hotplug
 *              script runs
 *   unpause    unless -p; then every device must connect
 *
 * Any failure after "make" tears down what was made (destroy.c), so a
 * failed create leaves nothing behind. Each step says what failed with
 * the name of what it was doing it to.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "net/guest_nic.h"
#include "ring/xenbus.h"
#include "toolstack/build.h"
#include "toolstack/config.h"
#include "toolstack/devices.h"
#include "toolstack/domains.h"
#include "toolstack/hotplug.h"
#include "toolstack/layout.h"
#include "toolstack/services.h"
#include "toolstack/util.h"

/* libxl's LIBXL_MAXMEM_CONSTANT: the slack above the target. */
#define MAXMEM_SLACK_KB 1024
/* LIBXL_INIT_TIMEOUT, also for a connection; XPV_DEVICE_TIMEOUT (in
 * seconds) overrides it. */
#define DEVICE_TIMEOUT_MS 10000

struct build {
	struct xpv *x;
	struct hv *hv;
	struct xs_handle *xs;
	struct xpv_domcfg *cfg;
	const struct xpv_build_opts *o;
	hv_domid_t domid;
	struct hv_start_info si;
	/* Its disks and vifs (the console needs no waiting for). */
	struct xpv_devpaths devs[XPV_MAX_DEVICES];
	unsigned int ndevs;
	int kernel_log; /* the read end of the kernel's stdout/stderr */
};

static long long device_timeout_ms(void)
{
	const char *v = getenv("XPV_DEVICE_TIMEOUT");
	long n = v ? strtol(v, NULL, 10) : 0;

	return n > 0 && n < 3600 ? n * 1000LL : DEVICE_TIMEOUT_MS;
}

/* --- check ------------------------------------------------------------ */

static int check_name(struct build *b)
{
	unsigned int other;

	if (xpv_domain_by_name(b->x, b->cfg->name, &other))
		return 0;
	xpv_err("domain with name `%s' already exists (domain %u); "
		"choose another name, or destroy it first",
		b->cfg->name, other);
	return -EEXIST;
}

/* A device class whose backend is not running would only time out. */
static int check_backend(struct build *b, unsigned int n, const char *what,
			 const char *daemon)
{
	if (!n || xpv_service_running(b->x, daemon))
		return 0;
	xpv_err("%s %s: %s is not running%s", what,
		n > 1 ? "devices need their backend" :
			"device needs its backend",
		daemon,
		xpv_service_built(b->x, daemon) ?
			"; see `xpv status' and its log" :
			" (it is not built yet)");
	return -ENODEV;
}

static int check_disks(struct build *b)
{
	unsigned int i;

	for (i = 0; i < b->cfg->ndisks; i++) {
		const struct xpv_disk *d = &b->cfg->disks[i];
		int mode = d->readwrite ? R_OK | W_OK : R_OK;

		if (!d->target || access(d->target, mode) == 0)
			continue;
		xpv_err("disk %s: %s: %s%s", d->vdev, d->target,
			strerror(errno),
			errno == EACCES && d->readwrite ?
				" (access=rw needs it writable)" :
				"");
		return -errno;
	}
	return 0;
}

/* --- make ----------------------------------------------------------------- */

/* On xen the kernel is built into the domain as it is made; on sim
 * cfg->kernel is the program start_kernel execs. */
static int xen_kernel(struct build *b, struct hv_domain_config *hc)
{
	if (xpv_platform_sim())
		return 0;
	if (!b->cfg->kernel) {
		xpv_err("on Xen a domain needs its kernel: kernel = \"PATH\" "
			"(a Linux PV kernel), with ramdisk and cmdline or extra");
		return -EINVAL;
	}
	hc->kernel = b->cfg->kernel;
	hc->ramdisk = b->cfg->ramdisk;
	hc->cmdline = b->cfg->cmdline;
	return 0;
}

static int make_domain(struct build *b)
{
	struct hv_domain_config hc = {
		/* The domain's memory is maxmem: it balloons down to memory
		 * (its target) and back up to maxmem with mem-set. */
		.memory_kb = b->cfg->maxmem_mib * 1024,
		.vcpus = b->cfg->vcpus,
	};
	int ret = xen_kernel(b, &hc);

	if (ret)
		return ret;
	ret = hv_domain_create(b->hv, &hc, &b->domid);
	if (ret) {
		xpv_err("cannot create the domain (%llu MiB, %u vcpus%s%s): %s",
			(unsigned long long)b->cfg->maxmem_mib, b->cfg->vcpus,
			hc.kernel ? ", kernel " : "",
			hc.kernel ? hc.kernel : "", strerror(-ret));
		return ret;
	}
	ret = hv_domain_set_max_memory(
		b->hv, b->domid, b->cfg->memory_mib * 1024 + MAXMEM_SLACK_KB);
	if (!ret)
		ret = hv_domain_start_info(b->hv, b->domid, &b->si);
	if (ret) {
		xpv_err("domain %u: cannot set its memory limit: %s", b->domid,
			strerror(-ret));
		return ret;
	}
	return xpv_sched_apply(b->hv, b->domid, b->cfg);
}

/* --- store -------------------------------------------------------------- */

static int random_mac(uint8_t mac[6])
{
	/* Xen's OUI, then three random bytes, as libxl. */
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	if (getrandom(mac + 3, 3, 0) != 3)
		return -errno;
	mac[3] &= 0x7f;
	return 0;
}

static void add_dev(struct build *b, enum xpv_dev_kind kind, unsigned int devid)
{
	if (b->ndevs < XPV_MAX_DEVICES)
		xpv_devpaths(kind, b->domid, devid, &b->devs[b->ndevs++]);
}

static int write_disks(struct build *b)
{
	char script[PATH_MAX + 64];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < b->cfg->ndisks && !ret; i++) {
		const struct xpv_disk *d = &b->cfg->disks[i];

		xpv_hotplug_script_path(b->x, d->script ? d->script : "block",
					script, sizeof(script));
		ret = xpv_layout_disk(b->xs, b->domid, d, script);
		add_dev(b,
			d->backend == XPV_DISK_BACKEND_QDISK ? XPV_DEV_QDISK :
							       XPV_DEV_VBD,
			d->devid);
	}
	return ret;
}

static int write_vifs(struct build *b)
{
	char script[PATH_MAX + 64];
	unsigned int i;
	int ret = 0;

	for (i = 0; i < b->cfg->nvifs && !ret; i++) {
		struct xpv_vif *v = &b->cfg->vifs[i];

		if (!v->mac_set) {
			ret = random_mac(v->mac);
			v->mac_set = !ret;
		}
		xpv_hotplug_script_path(b->x,
					v->script ? v->script : "vif-bridge",
					script, sizeof(script));
		ret = ret ?: xpv_layout_vif(b->xs, b->domid, v, v->mac, script);
		add_dev(b, XPV_DEV_VIF, v->devid);
	}
	return ret;
}

static int write_store(struct build *b)
{
	int ret = xpv_layout_domain(b->xs, b->domid, b->cfg, &b->si);

	ret = ret ?: xpv_layout_console(b->xs, b->domid, &b->si);
	ret = ret ?: write_disks(b);
	ret = ret ?: write_vifs(b);
	if (ret)
		xpv_err("domain %u: cannot write its xenstore directories: %s",
			b->domid, strerror(-ret));
	return ret;
}

/* --- kernel ------------------------------------------------------------- */

/* xpv-guest's command line: the init, after "--". */
static char **kernel_argv(struct build *b, const char *kernel)
{
	static char *default_init[] = { "/bin/sh", NULL };
	char **init = b->cfg->init ? b->cfg->init : default_init;
	unsigned int n = 0, i;
	char **argv;

	while (init[n])
		n++;
	argv = calloc(n + 3, sizeof(*argv));
	if (!argv)
		return NULL;
	argv[0] = (char *)kernel;
	argv[1] = "--";
	for (i = 0; i < n; i++)
		argv[2 + i] = init[i];
	return argv;
}

static int start_kernel(struct build *b)
{
	char kernel[PATH_MAX + 32];
	int p[2], stdio[3] = { -1, -1, -1 }, ret;
	struct hv_exec ex = { 0 };
	char **argv;

	if (!xpv_platform_sim())
		return 0; /* built into the domain at make_domain */
	if (b->cfg->kernel)
		snprintf(kernel, sizeof(kernel), "%s", b->cfg->kernel);
	else
		snprintf(kernel, sizeof(kernel), "%s/xpv-guest", b->x->bindir);
	argv = kernel_argv(b, kernel);
	/* The kernel's own messages go to a channel the monitor reads: the
	 * guest gets its end, made for it alone (never a pipe: hv.h). */
	ret = argv ? hv_stdio_pair(&p[0], &p[1]) : -ENOMEM;
	if (ret) {
		free(argv);
		return ret;
	}
	b->kernel_log = p[0];
	stdio[1] = stdio[2] = p[1];
	ex.path = kernel;
	ex.argv = argv;
	ex.envp = b->cfg->env;
	ex.stdio = stdio;
	ex.root = b->cfg->rootdir;
	ex.ro_dirs = b->cfg->host_dirs;
	/* xpv-guest serves each disk, also a hot-plugged one, as a FUSE
	 * file (docs/block.md, "The guest's disk on sim"). */
	ex.fuse = true;
	ret = hv_domain_exec(b->hv, b->domid, &ex);
	close(p[1]);
	free(argv);
	if (ret)
		xpv_err("domain %u: cannot start its kernel %s: %s%s", b->domid,
			kernel, strerror(-ret),
			ret == -ENOENT && b->cfg->rootdir ?
				" (or its rootdir lacks proc, dev or tmp)" :
				"");
	return ret;
}

/* On sim the guest cannot make the TAP that is its NIC: dom0 makes each
 * in the guest's network namespace and hands it in (docs/network.md),
 * with a queue per vcpu, as Linux's netfront asks for. */
static int give_nics(struct build *b)
{
	unsigned int i, queues = b->cfg->vcpus;
	char name[16], tag[32];
	int ret;

	if (queues > NET_GUEST_NIC_MAX_QUEUES)
		queues = NET_GUEST_NIC_MAX_QUEUES;
	for (i = 0; i < b->cfg->nvifs; i++) {
		const struct xpv_vif *v = &b->cfg->vifs[i];

		snprintf(name, sizeof(name), "eth%u", v->devid);
		snprintf(tag, sizeof(tag), "device/vif/%u", v->devid);
		ret = net_guest_nic_give(b->hv, b->domid, name, v->mac, queues,
					 tag);
		if (ret == -EOPNOTSUPP)
			return 0; /* xen: the guest's kernel has its NICs */
		if (ret) {
			xpv_err("vif %u: cannot make the guest's NIC %s: %s",
				v->devid, name, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static int introduce(struct build *b)
{
	if (xs_introduce_domain(b->xs, b->domid, b->si.store_frame,
				b->si.store_port))
		return 0;
	xpv_err("domain %u: xenstored refused XS_INTRODUCE: %s", b->domid,
		strerror(errno));
	return -errno;
}

/* --- hotplug --------------------------------------------------------------- */

/* libxl's order: the backend takes the device (InitWait), then the
 * script runs; only vbds and vifs have one. */
static int hotplug(struct build *b)
{
	char why[512], what[64];
	unsigned int i;
	int ret;

	ret = xpv_devices_wait(b->x, b->devs, b->ndevs,
			       XPV_XENBUS_STATE_INIT_WAIT, device_timeout_ms());
	for (i = 0; !ret && i < b->ndevs; i++) {
		ret = xpv_hotplug_run(b->x, &b->devs[i], true, why,
				      sizeof(why));
		if (ret) {
			xpv_device_describe(b->x, &b->devs[i], what,
					    sizeof(what));
			xpv_err("%s: hotplug script failed: %s", what, why);
		}
	}
	return ret;
}

/* Both ends of every device Connected: the backends first (what libxl
 * waits for), then the frontends, so that a caller sees what it asked
 * for as soon as create returns. */
static int connect_devices(struct build *b)
{
	unsigned int i;
	int ret = xpv_devices_wait(b->x, b->devs, b->ndevs,
				   XPV_XENBUS_STATE_CONNECTED,
				   device_timeout_ms());

	for (i = 0; !ret && i < b->ndevs; i++)
		ret = xpv_device_wait_frontend(b->x, &b->devs[i],
					       XPV_XENBUS_STATE_CONNECTED,
					       device_timeout_ms());
	return ret;
}

static int unpause(struct build *b)
{
	int ret = hv_domain_unpause(b->hv, b->domid);

	if (ret)
		xpv_err("domain %u: cannot unpause it: %s", b->domid,
			strerror(-ret));
	return ret ?: connect_devices(b);
}

/* --- a failed build ------------------------------------------------------- */

/* What the guest's kernel said before the build failed (xpv-guest and its
 * drivers: a vif whose netfront gave up says why there), which would
 * otherwise go with the domain: at most its last KERNEL_SAID_MAX bytes,
 * only what is there already (never waiting on the guest). */
#define KERNEL_SAID_MAX 4096

static void say_what_kernel_said(int fd)
{
	static char buf[KERNEL_SAID_MAX];
	size_t len = 0;
	char *line, *end;
	ssize_t n;

	for (;;) {
		if (len == sizeof(buf)) {
			/* Keep the second half: the end says most. */
			memmove(buf, buf + sizeof(buf) / 2, sizeof(buf) / 2);
			len = sizeof(buf) / 2;
		}
		n = recv(fd, buf + len, sizeof(buf) - len, MSG_DONTWAIT);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	xpv_defuse_controls(buf, len, true);
	for (line = buf; line < buf + len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(buf + len - line));
		if (!end)
			end = buf + len;
		if (end > line)
			fprintf(stderr, "xpv: the guest's kernel said: %.*s\n",
				(int)(end - line), line);
	}
}

/* --- runtime state ----------------------------------------------------------- */

/* $XPV_RUNDIR/domains/N/config: the config as built (MACs filled in). */
static int save_config(struct build *b)
{
	char dir[PATH_MAX + 64], path[PATH_MAX + 96];
	FILE *f;
	int ret;

	xpv_domain_dir(b->x, b->domid, NULL, dir, sizeof(dir));
	ret = xpv_mkdir_p(dir, 0700);
	if (ret)
		return ret;
	xpv_domain_dir(b->x, b->domid, "config", path, sizeof(path));
	f = fopen(path, "we");
	if (!f)
		return -errno;
	ret = xpv_config_write(f, b->cfg);
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		xpv_err("cannot save the domain's config in %s: %s", path,
			strerror(-ret));
	return ret;
}

int xpv_domain_build(struct xpv *x, struct xpv_domcfg *cfg,
		     const struct xpv_build_opts *o, unsigned int *domid,
		     int *kernel_log)
{
	struct build *b = calloc(1, sizeof(*b));
	int ret;

	if (!b)
		return -ENOMEM;
	*b = (struct build){ .x = x, .cfg = cfg, .o = o, .kernel_log = -1 };
	b->hv = xpv_hv(x);
	b->xs = xpv_xs(x);
	ret = b->hv && b->xs ? 0 : -EIO;
	ret = ret ?: check_name(b);
	ret = ret ?: check_disks(b);
	ret = ret ?: check_backend(b, cfg->ndisks, "disk", "xpv-blkback");
	ret = ret ?: check_backend(b, cfg->nvifs, "network", "xpv-netback");
	ret = ret ?: make_domain(b);
	if (ret) {
		if (b->domid)
			xpv_domain_teardown(x, b->domid);
		free(b);
		return ret;
	}
	ret = save_config(b);
	ret = ret ?: write_store(b);
	ret = ret ?: start_kernel(b);
	ret = ret ?: give_nics(b);
	ret = ret ?: introduce(b);
	ret = ret ?: hotplug(b);
	if (!ret && !o->paused)
		ret = unpause(b);
	if (ret) {
		if (b->kernel_log >= 0) {
			say_what_kernel_said(b->kernel_log);
			close(b->kernel_log);
		}
		xpv_domain_teardown(x, b->domid);
	} else {
		*domid = b->domid;
		*kernel_log = b->kernel_log;
	}
	free(b);
	return ret;
}
