/*
 * layout.c - a domain's and its devices' xenstore directories, as libxl
 * writes them (layout.h names the libxl functions each follows).
 *
 * Permissions, as libxl sets them (an entry list's first element names
 * the owner and what every domain not listed may do):
 *   roperm  {0 n}{N r}  dom0's, readable by the guest: its home, /vm/UUID,
 *                        cpu/, memory/, device/, control/, a backend
 *                        directory, the console's frontend keys
 *   rwperm  {N n}       the guest's own: control/shutdown and the feature
 *                        flags, data/, drivers/, feature/, attr/, error/
 *   noperm  {0 n}       dom0's alone: /libxl/N
 *   frontend {N n}{0 r} a device's frontend directory: the guest's,
 *                        readable by the backend
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "ring/xenbus.h"
#include "toolstack/layout.h"

#define CONSOLE_LIMIT 1048576 /* LIBXL_XENCONSOLE_LIMIT */
#define CONSOLE_PROTOCOL "vt100" /* LIBXL_XENCONSOLE_PROTOCOL */
#define NATIVE_PROTOCOL "x86_64-abi" /* XEN_IO_PROTO_ABI_X86_64 */
#define MAX_KV 24

struct perms {
	struct xs_permissions e[2];
	unsigned int n;
};

static struct perms roperm(unsigned int domid)
{
	return (struct perms){ { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } },
			       2 };
}

static struct perms rwperm(unsigned int domid)
{
	return (struct perms){ { { domid, XS_PERM_NONE } }, 1 };
}

static struct perms frontend_perm(unsigned int domid)
{
	return (struct perms){ { { domid, XS_PERM_NONE }, { 0, XS_PERM_READ } },
			       2 };
}

static const struct perms noperm = { { { 0, XS_PERM_NONE } }, 1 };

static void mknod_(struct xpv_tx *tx, const char *dir, const char *key,
		   struct perms p)
{
	xpv_tx_mknod(tx, dir, key, p.e, p.n);
}

/* --- Devices ----------------------------------------------------------- */

static const char *const kind_names[] = {
	[XPV_DEV_CONSOLE] = "console",
	[XPV_DEV_VBD] = "vbd",
	[XPV_DEV_QDISK] = "qdisk",
	[XPV_DEV_VIF] = "vif",
};

const char *xpv_dev_kind_name(enum xpv_dev_kind kind)
{
	return kind_names[kind];
}

int xpv_dev_kind_parse(const char *name, enum xpv_dev_kind *kind)
{
	unsigned int i;

	for (i = 0; i < sizeof(kind_names) / sizeof(*kind_names); i++) {
		if (!strcmp(kind_names[i], name)) {
			*kind = i;
			return 0;
		}
	}
	return -EINVAL;
}

void xpv_devpaths(enum xpv_dev_kind kind, unsigned int domid,
		  unsigned int devid, struct xpv_devpaths *p)
{
	/* A qdisk's frontend is a vbd: the guest sees a disk either way. */
	const char *fe_kind = kind == XPV_DEV_QDISK ? "vbd" : kind_names[kind];

	p->kind = kind;
	p->domid = domid;
	p->devid = devid;
	if (kind == XPV_DEV_CONSOLE && devid == 0)
		snprintf(p->frontend, sizeof(p->frontend),
			 "/local/domain/%u/console", domid);
	else
		snprintf(p->frontend, sizeof(p->frontend),
			 "/local/domain/%u/device/%s/%u", domid, fe_kind,
			 devid);
	snprintf(p->backend, sizeof(p->backend),
		 "/local/domain/0/backend/%s/%u/%u", kind_names[kind], domid,
		 devid);
	snprintf(p->libxl, sizeof(p->libxl), "/libxl/%u/device/%s/%u", domid,
		 fe_kind, devid);
}

/* A list of keys and values, as libxl's flexarrays. */
struct kvs {
	unsigned int n;
	const char *key[MAX_KV];
	char value[MAX_KV][256];
};

static void kv(struct kvs *l, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void kv(struct kvs *l, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (l->n >= MAX_KV)
		return;
	va_start(ap, fmt);
	vsnprintf(l->value[l->n], sizeof(l->value[0]), fmt, ap);
	va_end(ap);
	l->key[l->n++] = key;
}

static void write_kvs(struct xpv_tx *tx, const char *dir, const struct kvs *l,
		      const struct perms *p)
{
	unsigned int i;

	for (i = 0; l && i < l->n; i++) {
		xpv_tx_write(tx, dir, l->key[i], "%s", l->value[i]);
		if (p)
			xpv_tx_set_perms(tx, dir, l->key[i], p->e, p->n);
	}
}

/*
 * libxl__device_generic_add: the libxl copy, the frontend directory (the
 * guest's, but console 0's is dom0's), its backend link and keys, the
 * backend directory. Retried on a conflicting commit.
 */
static int device_add(struct xs_handle *xs, const struct xpv_devpaths *d,
		      const struct kvs *back, const struct kvs *front,
		      const struct kvs *ro_front)
{
	struct perms fe = frontend_perm(d->domid), ro = roperm(d->domid);
	bool console0 = d->kind == XPV_DEV_CONSOLE && d->devid == 0;
	struct xpv_tx tx;
	int ret;

	do {
		ret = xpv_tx_begin(&tx, xs);
		if (ret)
			return ret;
		xpv_tx_rm(&tx, d->libxl, NULL);
		xpv_tx_write(&tx, d->libxl, "frontend", "%s", d->frontend);
		xpv_tx_write(&tx, d->libxl, "backend", "%s", d->backend);
		xpv_tx_rm(&tx, d->frontend, NULL);
		xpv_tx_mknod(&tx, d->frontend, NULL, console0 ? ro.e : fe.e, 2);
		xpv_tx_write(&tx, d->frontend, "backend", "%s", d->backend);
		write_kvs(&tx, d->frontend, front, &fe);
		write_kvs(&tx, d->frontend, ro_front, &ro);
		xpv_tx_rm(&tx, d->backend, NULL);
		xpv_tx_mknod(&tx, d->backend, NULL, ro.e, 2);
		xpv_tx_write(&tx, d->backend, "frontend", "%s", d->frontend);
		write_kvs(&tx, d->backend, back, NULL);
		write_kvs(&tx, d->libxl, back, NULL);
		ret = xpv_tx_end(&tx);
	} while (ret == -EAGAIN);
	return ret;
}

int xpv_layout_console(struct xs_handle *xs, unsigned int domid,
		       const struct hv_start_info *si)
{
	struct kvs back = { 0 }, front = { 0 }, ro = { 0 };
	struct xpv_devpaths d;

	xpv_devpaths(XPV_DEV_CONSOLE, domid, 0, &d);
	kv(&back, "frontend-id", "%u", domid);
	kv(&back, "online", "1");
	kv(&back, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	kv(&back, "protocol", CONSOLE_PROTOCOL);
	kv(&front, "backend-id", "0");
	kv(&ro, "limit", "%d", CONSOLE_LIMIT);
	kv(&ro, "type", "xenconsoled");
	kv(&ro, "output", "pty");
	kv(&ro, "tty", "%s", "");
	kv(&ro, "port", "%u", si->console_port);
	kv(&ro, "ring-ref", "%llu", (unsigned long long)si->console_frame);
	return device_add(xs, &d, &back, &front, &ro);
}

int xpv_layout_disk(struct xs_handle *xs, unsigned int domid,
		    const struct xpv_disk *disk, const char *script)
{
	struct kvs back = { 0 }, front = { 0 };
	bool qdisk = disk->backend == XPV_DISK_BACKEND_QDISK;
	struct xpv_devpaths d;

	xpv_devpaths(qdisk ? XPV_DEV_QDISK : XPV_DEV_VBD, domid, disk->devid,
		     &d);
	if (qdisk) {
		kv(&back, "params", "%s:%s",
		   disk->format == XPV_DISK_QCOW2 ? "qcow2" : "raw",
		   disk->target ? disk->target : "");
	} else {
		kv(&back, "params", "%s", disk->target ? disk->target : "");
		kv(&back, "script", "%s", script);
	}
	kv(&back, "frontend-id", "%u", domid);
	kv(&back, "online", "1");
	kv(&back, "removable", "%d", disk->cdrom);
	kv(&back, "bootable", "1");
	kv(&back, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	kv(&back, "dev", "%s", disk->vdev);
	kv(&back, "type", "%s", qdisk ? "qdisk" : "phy");
	kv(&back, "mode", "%s", disk->readwrite ? "w" : "r");
	kv(&back, "device-type", "%s", disk->cdrom ? "cdrom" : "disk");
	kv(&back, "discard-enable", "%d", disk->readwrite);
	kv(&back, "specification", "xen");
	kv(&front, "backend-id", "0");
	kv(&front, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	kv(&front, "virtual-device", "%u", disk->devid);
	kv(&front, "device-type", "%s", disk->cdrom ? "cdrom" : "disk");
	kv(&front, "trusted", "1");
	kv(&front, "protocol", NATIVE_PROTOCOL);
	return device_add(xs, &d, &back, &front, NULL);
}

int xpv_layout_vif(struct xs_handle *xs, unsigned int domid,
		   const struct xpv_vif *v, const uint8_t m[6],
		   const char *script)
{
	struct kvs back = { 0 }, front = { 0 }, ro = { 0 };
	struct xpv_devpaths d;
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1],
		 m[2], m[3], m[4], m[5]);
	xpv_devpaths(XPV_DEV_VIF, domid, v->devid, &d);
	kv(&back, "frontend-id", "%u", domid);
	kv(&back, "online", "1");
	kv(&back, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	kv(&back, "script", "%s", script);
	if (v->vifname)
		kv(&back, "vifname", "%s", v->vifname);
	kv(&back, "mac", "%s", mac);
	if (v->ip)
		kv(&back, "ip", "%s", v->ip);
	if (v->gatewaydev)
		kv(&back, "gatewaydev", "%s", v->gatewaydev);
	if (v->rate_interval_usecs)
		kv(&back, "rate", "%llu,%u",
		   (unsigned long long)v->rate_bytes_per_interval,
		   v->rate_interval_usecs);
	kv(&back, "mtu", "%u", v->mtu);
	kv(&back, "bridge", "%s", v->bridge);
	kv(&back, "handle", "%u", v->devid);
	kv(&back, "type", "vif");
	/* Asks the backend to wait for the hotplug script (libxl). */
	kv(&back, "hotplug-status", "%s", "");
	kv(&front, "backend-id", "0");
	kv(&front, "state", "%d", XPV_XENBUS_STATE_INITIALISING);
	kv(&front, "handle", "%u", v->devid);
	kv(&front, "mac", "%s", mac);
	kv(&front, "trusted", "1");
	kv(&ro, "mtu", "%u", v->mtu);
	return device_add(xs, &d, &back, &front, &ro);
}

/* --- The domain ----------------------------------------------------------- */

/* libxl__domain_make's directories. */
static void domain_dirs(struct xpv_tx *tx, unsigned int domid, const char *home,
			const char *vm, const char *libxl)
{
	static const char *const guest_keys[] = {
		"control/shutdown",
		"control/feature-poweroff",
		"control/feature-reboot",
		"control/feature-suspend",
		"control/sysrq",
		"data",
		"drivers",
		"feature",
		"attr",
		"error",
	};
	unsigned int i;

	xpv_tx_rm(tx, home, NULL);
	mknod_(tx, home, NULL, roperm(domid));
	xpv_tx_rm(tx, vm, NULL);
	mknod_(tx, vm, NULL, roperm(domid));
	xpv_tx_rm(tx, libxl, NULL);
	mknod_(tx, libxl, NULL, noperm);
	mknod_(tx, libxl, "device", noperm);
	xpv_tx_write(tx, home, "vm", "%s", vm);
	mknod_(tx, home, "cpu", roperm(domid));
	mknod_(tx, home, "memory", roperm(domid));
	mknod_(tx, home, "device", roperm(domid));
	mknod_(tx, home, "device/suspend/event-channel", rwperm(domid));
	mknod_(tx, home, "control", roperm(domid));
	for (i = 0; i < sizeof(guest_keys) / sizeof(*guest_keys); i++)
		mknod_(tx, home, guest_keys[i], rwperm(domid));
	xpv_tx_write(tx, home,
		     "control/platform-feature-multiprocessor-suspend", "1");
	xpv_tx_write(tx, home, "control/platform-feature-xs_reset_watches",
		     "1");
	xpv_tx_write(tx, libxl, "type", "pv");
}

/* libxl__build_post and libxl__domain_build's vm entries. */
static void built_entries(struct xpv_tx *tx, unsigned int domid,
			  const struct xpv_domcfg *cfg,
			  const struct hv_start_info *si, const char *home,
			  const char *vm)
{
	struct timeval now;
	unsigned int i;
	char uuid[40];

	gettimeofday(&now, NULL);
	xpv_uuid_format(cfg->uuid, uuid);
	xpv_tx_write(tx, home, "name", "%s", cfg->name);
	xpv_tx_write(tx, home, "domid", "%u", domid);
	xpv_tx_write(tx, home, "memory/static-max", "%llu",
		     (unsigned long long)cfg->maxmem_mib * 1024);
	xpv_tx_write(tx, home, "memory/target", "%llu",
		     (unsigned long long)cfg->memory_mib * 1024);
	xpv_tx_write(tx, home, "memory/videoram", "0");
	xpv_tx_write(tx, home, "store/port", "%u", si->store_port);
	xpv_tx_write(tx, home, "store/ring-ref", "%llu",
		     (unsigned long long)si->store_frame);
	for (i = 0; i < cfg->maxvcpus; i++) {
		char key[32];

		snprintf(key, sizeof(key), "cpu/%u/availability", i);
		xpv_tx_write(tx, home, key, "%s",
			     i < cfg->vcpus ? "online" : "offline");
	}
	xpv_tx_write(tx, vm, "uuid", "%s", uuid);
	xpv_tx_write(tx, vm, "name", "%s", cfg->name);
	xpv_tx_write(tx, vm, "image/ostype", "linux");
	if (cfg->kernel)
		xpv_tx_write(tx, vm, "image/kernel", "%s", cfg->kernel);
	if (cfg->cmdline)
		xpv_tx_write(tx, vm, "image/cmdline", "%s", cfg->cmdline);
	xpv_tx_write(tx, vm, "start_time", "%lld.%02d", (long long)now.tv_sec,
		     (int)(now.tv_usec / 10000));
}

int xpv_layout_domain(struct xs_handle *xs, unsigned int domid,
		      const struct xpv_domcfg *cfg,
		      const struct hv_start_info *si)
{
	char home[64], vm[64], libxl[64], uuid[40];
	struct xpv_tx tx;
	int ret;

	xpv_uuid_format(cfg->uuid, uuid);
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	snprintf(libxl, sizeof(libxl), "/libxl/%u", domid);
	do {
		ret = xpv_tx_begin(&tx, xs);
		if (ret)
			return ret;
		domain_dirs(&tx, domid, home, vm, libxl);
		built_entries(&tx, domid, cfg, si, home, vm);
		ret = xpv_tx_end(&tx);
	} while (ret == -EAGAIN);
	return ret;
}
