/*
 * attach.c - hot-plugging devices into a running domain, as xl's:
 * block-attach / block-detach / block-list and network-attach /
 * network-detach / network-list.
 *
 * attach: the device's directories as create writes them (layout.c); for
 * a vif, first the guest's NIC made and handed in; the backend takes it
 * (InitWait), its hotplug script runs, both ends reach Connected (the
 * guest's xpv-guest loads its driver from its device/ watch); on any
 * failure the device is removed again. detach: the backend asked to
 * close, the frontend follows, the script's remove runs, the
 * directories go. Either way the domain's kept config
 * ($XPV_RUNDIR/domains/N/config) follows, so a reboot keeps the devices
 * the domain has, as libxl keeps them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "net/guest_nic.h"
#include "ring/xenbus.h"
#include "toolstack/config.h"
#include "toolstack/devices.h"
#include "toolstack/domains.h"
#include "toolstack/hotplug.h"
#include "toolstack/layout.h"
#include "toolstack/services.h"
#include "toolstack/store.h"
#include "toolstack/util.h"

#define PLUG_TIMEOUT_MS 10000
#define SPEC_MAX 4096

/* --- The kept config ---------------------------------------------------- */

static struct xpv_domcfg *kept_config(struct xpv *x, unsigned int domid)
{
	char path[PATH_MAX + 64];
	struct xpv_domcfg *c;

	xpv_domain_dir(x, domid, "config", path, sizeof(path));
	c = xpv_config_load(path, 0, NULL, stderr);
	if (!c)
		xpv_err("domain %u: cannot read its kept config %s", domid,
			path);
	return c;
}

static int save_config(struct xpv *x, unsigned int domid,
		       const struct xpv_domcfg *c)
{
	char path[PATH_MAX + 64];
	FILE *f;
	int ret;

	xpv_domain_dir(x, domid, "config", path, sizeof(path));
	f = fopen(path, "we");
	if (!f)
		return -errno;
	ret = xpv_config_write(f, c);
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

/* --- Plugging one device --------------------------------------------------- */

static bool running(struct xpv *x, unsigned int domid)
{
	struct hv_dominfo info;

	return hv_domain_info(xpv_hv(x), domid, &info) == 0 &&
	       !(info.flags & (HV_DOMINF_PAUSED | HV_DOMINF_SHUTDOWN));
}

static int need_backend(struct xpv *x, const char *what, const char *daemon)
{
	if (xpv_service_running(x, daemon))
		return 0;
	xpv_err("%s needs its backend: %s is not running (xpv status)", what,
		daemon);
	return -ENODEV;
}

/* The backend takes it, the script runs, both ends connect (a paused
 * domain's frontend cannot: then InitWait and the script only). */
static int plug(struct xpv *x, const struct xpv_devpaths *d)
{
	char why[512], what[64];
	int ret;

	ret = xpv_devices_wait(x, d, 1, XPV_XENBUS_STATE_INIT_WAIT,
			       PLUG_TIMEOUT_MS);
	if (!ret) {
		ret = xpv_hotplug_run(x, d, true, why, sizeof(why));
		if (ret) {
			xpv_device_describe(x, d, what, sizeof(what));
			xpv_err("%s: hotplug script failed: %s", what, why);
		}
	}
	if (!ret && running(x, d->domid)) {
		ret = xpv_devices_wait(x, d, 1, XPV_XENBUS_STATE_CONNECTED,
				       PLUG_TIMEOUT_MS);
		ret = ret   ?:
			      xpv_device_wait_frontend(
				      x, d, XPV_XENBUS_STATE_CONNECTED,
				      PLUG_TIMEOUT_MS);
	}
	if (ret)
		xpv_device_remove(x, d, PLUG_TIMEOUT_MS);
	return ret;
}

/* argv's spec components joined, as xl joins them. */
static int join_spec(int argc, char **argv, char *spec)
{
	size_t used = 0;
	int i;

	spec[0] = '\0';
	for (i = 0; i < argc; i++) {
		int n = snprintf(spec + used, SPEC_MAX - used, "%s%s",
				 i ? "," : "", argv[i]);

		if (n < 0 || (size_t)n >= SPEC_MAX - used)
			return -E2BIG;
		used += n;
	}
	return 0;
}

/* --- Disks ------------------------------------------------------------------ */

static int add_disk(struct xpv *x, unsigned int domid, struct xpv_disk *disk)
{
	char script[PATH_MAX + 64];
	struct xpv_domcfg *c = kept_config(x, domid);
	struct xpv_devpaths d;
	struct xpv_disk *more;
	unsigned int i;
	int ret = c ? 0 : -EIO;

	for (i = 0; !ret && i < c->ndisks; i++) {
		if (c->disks[i].devid != disk->devid)
			continue;
		xpv_err("block-attach: domain %u has a disk %s already", domid,
			c->disks[i].vdev);
		ret = -EEXIST;
	}
	ret = ret ?: need_backend(x, "a disk", "xpv-blkback");
	if (!ret && disk->target && access(disk->target, R_OK)) {
		xpv_err("disk %s: %s: %s", disk->vdev, disk->target,
			strerror(errno));
		ret = -errno;
	}
	if (!ret) {
		xpv_hotplug_script_path(x,
					disk->script ? disk->script : "block",
					script, sizeof(script));
		ret = xpv_layout_disk(xpv_xs(x), domid, disk, script);
		xpv_devpaths(disk->backend == XPV_DISK_BACKEND_QDISK ?
				     XPV_DEV_QDISK :
				     XPV_DEV_VBD,
			     domid, disk->devid, &d);
		ret = ret ?: plug(x, &d);
	}
	more = ret ? NULL :
		     realloc(c->disks, (c->ndisks + 1) * sizeof(*c->disks));
	if (more) {
		c->disks = more;
		c->disks[c->ndisks++] = *disk;
		memset(disk, 0, sizeof(*disk)); /* the config owns it now */
		ret = save_config(x, domid, c);
	}
	xpv_config_free(c);
	return ret;
}

int xpv_cmd_block_attach(struct xpv *x, int argc, char **argv)
{
	char spec[SPEC_MAX];
	struct xpv_disk disk;
	unsigned int domid;
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, "block-attach") != -1)
		;
	if (argc - optind < 2)
		return xpv_usage("block-attach");
	if (xpv_domain_find(x, argv[optind], &domid))
		return 1;
	if (join_spec(argc - optind - 1, argv + optind + 1, spec) ||
	    xpv_config_parse_disk(spec, &disk, stderr))
		return 1;
	ret = add_disk(x, domid, &disk);
	xpv_disk_free(&disk);
	return ret ? 1 : 0;
}

/* --- Vifs -------------------------------------------------------------------- */

static unsigned int next_vif_devid(const struct xpv_domcfg *c)
{
	unsigned int i, next = 0;

	for (i = 0; i < c->nvifs; i++)
		if (c->vifs[i].devid >= next)
			next = c->vifs[i].devid + 1;
	return next;
}

static int give_nic(struct xpv *x, unsigned int domid,
		    const struct xpv_domcfg *c, const struct xpv_vif *v)
{
	unsigned int queues = c->vcpus < NET_GUEST_NIC_MAX_QUEUES ?
				      c->vcpus :
				      NET_GUEST_NIC_MAX_QUEUES;
	char name[16], tag[32];
	int ret;

	snprintf(name, sizeof(name), "eth%u", v->devid);
	snprintf(tag, sizeof(tag), "device/vif/%u", v->devid);
	ret = net_guest_nic_give(xpv_hv(x), domid, name, v->mac, queues, tag);
	if (ret == -EOPNOTSUPP)
		return 0;
	if (ret)
		xpv_err("vif %u: cannot make the guest's NIC %s: %s", v->devid,
			name, strerror(-ret));
	return ret;
}

static int add_vif(struct xpv *x, unsigned int domid, struct xpv_vif *v)
{
	char script[PATH_MAX + 64];
	struct xpv_domcfg *c = kept_config(x, domid);
	struct xpv_devpaths d;
	struct xpv_vif *more;
	unsigned int i;
	int ret = c ? 0 : -EIO;

	for (i = 0; !ret && i < c->nvifs; i++) {
		if (c->vifs[i].devid != v->devid)
			continue;
		xpv_err("network-attach: domain %u has a vif %u already", domid,
			v->devid);
		ret = -EEXIST;
	}
	ret = ret ?: need_backend(x, "a vif", "xpv-netback");
	if (!ret && !v->mac_set) {
		/* Xen's OUI, then three random bytes, as libxl. */
		memcpy(v->mac, (uint8_t[]){ 0x00, 0x16, 0x3e }, 3);
		ret = getentropy(v->mac + 3, 3) ? -errno : 0;
		v->mac[3] &= 0x7f;
		v->mac_set = !ret;
	}
	ret = ret ?: give_nic(x, domid, c, v);
	if (!ret) {
		xpv_hotplug_script_path(x, v->script ? v->script : "vif-bridge",
					script, sizeof(script));
		ret = xpv_layout_vif(xpv_xs(x), domid, v, v->mac, script);
		xpv_devpaths(XPV_DEV_VIF, domid, v->devid, &d);
		ret = ret ?: plug(x, &d);
	}
	more = ret ? NULL : realloc(c->vifs, (c->nvifs + 1) * sizeof(*c->vifs));
	if (more) {
		c->vifs = more;
		c->vifs[c->nvifs++] = *v;
		memset(v, 0, sizeof(*v));
		ret = save_config(x, domid, c);
	}
	xpv_config_free(c);
	return ret;
}

int xpv_cmd_network_attach(struct xpv *x, int argc, char **argv)
{
	char spec[SPEC_MAX];
	struct xpv_domcfg *c;
	struct xpv_vif v = { 0 };
	unsigned int domid;
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, "network-attach") != -1)
		;
	if (argc - optind < 1)
		return xpv_usage("network-attach");
	if (xpv_domain_find(x, argv[optind], &domid))
		return 1;
	c = kept_config(x, domid);
	if (!c)
		return 1;
	v.devid = next_vif_devid(c);
	xpv_config_free(c);
	if (join_spec(argc - optind - 1, argv + optind + 1, spec) ||
	    xpv_config_parse_vif(spec, &v, stderr)) {
		xpv_vif_free(&v);
		return 1;
	}
	ret = add_vif(x, domid, &v);
	xpv_vif_free(&v);
	return ret ? 1 : 0;
}

/* --- Detach ------------------------------------------------------------------- */

/* Remove the device and its entry of the kept config (index i of the
 * disks, or of the vifs). */
static int unplug(struct xpv *x, const struct xpv_devpaths *d, bool disk,
		  unsigned int i)
{
	struct xpv_domcfg *c = kept_config(x, d->domid);
	int ret = xpv_device_remove(x, d, PLUG_TIMEOUT_MS);

	if (!c)
		return -EIO;
	if (disk) {
		xpv_disk_free(&c->disks[i]);
		c->disks[i] = c->disks[--c->ndisks];
	} else {
		xpv_vif_free(&c->vifs[i]);
		c->vifs[i] = c->vifs[--c->nvifs];
	}
	ret = save_config(x, d->domid, c) ?: ret;
	xpv_config_free(c);
	return ret;
}

int xpv_cmd_block_detach(struct xpv *x, int argc, char **argv)
{
	struct xpv_domcfg *c;
	struct xpv_devpaths d;
	unsigned int domid, devid, i;
	int ret;

	while (xpv_getopt(argc, argv, "fh", NULL, "block-detach") != -1)
		;
	if (argc - optind != 2)
		return xpv_usage("block-detach");
	if (xpv_domain_find(x, argv[optind], &domid))
		return 1;
	c = kept_config(x, domid);
	if (!c)
		return 1;
	if (xpv_vdev_number(argv[optind + 1], &devid))
		devid = ~0u;
	for (i = 0; i < c->ndisks && c->disks[i].devid != devid; i++)
		;
	if (i == c->ndisks) {
		xpv_err("block-detach: domain %u has no disk %s", domid,
			argv[optind + 1]);
		xpv_config_free(c);
		return 1;
	}
	xpv_devpaths(c->disks[i].backend == XPV_DISK_BACKEND_QDISK ?
			     XPV_DEV_QDISK :
			     XPV_DEV_VBD,
		     domid, devid, &d);
	xpv_config_free(c);
	ret = unplug(x, &d, true, i);
	return ret ? 1 : 0;
}

int xpv_cmd_network_detach(struct xpv *x, int argc, char **argv)
{
	struct xpv_domcfg *c;
	struct xpv_devpaths d;
	unsigned int domid, i;
	char mac[18], *end;
	unsigned long id;
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, "network-detach") != -1)
		;
	if (argc - optind != 2)
		return xpv_usage("network-detach");
	if (xpv_domain_find(x, argv[optind], &domid))
		return 1;
	c = kept_config(x, domid);
	if (!c)
		return 1;
	id = strtoul(argv[optind + 1], &end, 10);
	for (i = 0; i < c->nvifs; i++) {
		const uint8_t *m = c->vifs[i].mac;

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 m[0], m[1], m[2], m[3], m[4], m[5]);
		if ((!*end && c->vifs[i].devid == id) ||
		    !strcasecmp(mac, argv[optind + 1]))
			break;
	}
	if (i == c->nvifs) {
		xpv_err("network-detach: domain %u has no vif %s", domid,
			argv[optind + 1]);
		xpv_config_free(c);
		return 1;
	}
	xpv_devpaths(XPV_DEV_VIF, domid, c->vifs[i].devid, &d);
	xpv_config_free(c);
	ret = unplug(x, &d, false, i);
	return ret ? 1 : 0;
}

/* --- Lists ------------------------------------------------------------------- */

static long read_num(struct xpv *x, const char *dir, const char *key)
{
	long v;

	return xpv_xs_read_long(xpv_xs(x), dir, key, 0, 1L << 40, &v) ? -1 : v;
}

static void list_kind(struct xpv *x, unsigned int domid, bool vifs)
{
	struct xpv_devpaths devs[XPV_MAX_DEVICES];
	int i, n = xpv_devices_list(x, domid, devs, XPV_MAX_DEVICES);

	for (i = 0; i < n; i++) {
		const struct xpv_devpaths *d = &devs[i];
		char *mac;

		if ((d->kind == XPV_DEV_VIF) != vifs ||
		    d->kind == XPV_DEV_CONSOLE)
			continue;
		if (!vifs) {
			printf("%-5u %-3d %-6u %-5ld %-6ld %-8ld %-30s\n",
			       d->devid, 0, domid,
			       read_num(x, d->frontend, "state"),
			       read_num(x, d->frontend, "event-channel"),
			       read_num(x, d->frontend, "ring-ref"),
			       d->backend);
			continue;
		}
		mac = xpv_xs_read(xpv_xs(x), d->frontend, "mac");
		if (mac) /* in the guest's own directory */
			xpv_defuse_controls(mac, strlen(mac), false);
		printf("%-3u %-2d %-17s %6u %5ld %6ld %5ld/%-11ld %-30s\n",
		       d->devid, 0, mac ? mac : "-", d->devid,
		       read_num(x, d->frontend, "state"),
		       read_num(x, d->frontend, "event-channel"),
		       read_num(x, d->frontend, "tx-ring-ref"),
		       read_num(x, d->frontend, "rx-ring-ref"), d->backend);
		free(mac);
	}
}

static int list(struct xpv *x, int argc, char **argv, const char *cmd,
		bool vifs)
{
	unsigned int domid;
	int i, ret = 0;

	while (xpv_getopt(argc, argv, "h", NULL, cmd) != -1)
		;
	if (argc - optind < 1)
		return xpv_usage(cmd);
	if (vifs)
		printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx",
		       "BE", "Mac Addr.", "handle", "state", "evt-ch", "tx-",
		       "rx-ring-ref", "BE-path");
	else
		printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE",
		       "handle", "state", "evt-ch", "ring-ref", "BE-path");
	for (i = optind; i < argc; i++) {
		if (xpv_domain_find(x, argv[i], &domid)) {
			ret = 1;
			continue;
		}
		list_kind(x, domid, vifs);
	}
	return ret;
}

int xpv_cmd_block_list(struct xpv *x, int argc, char **argv)
{
	return list(x, argc, argv, "block-list", false);
}

int xpv_cmd_network_list(struct xpv *x, int argc, char **argv)
{
	return list(x, argc, argv, "network-list", true);
}
