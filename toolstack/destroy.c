/*
 * destroy.c - tearing a domain down (domains.h's xpv_domain_teardown),
 * in libxl's order (libxl_domain.c): pause it, remove its devices (each
 * backend asked to close, its hotplug script's remove run, its
 * directories removed), destroy it in the hypervisor, then remove its
 * store directories and runtime state. Every step tolerates what is
 * already gone, so the same code finishes a half-built domain, a domain
 * another `xpv destroy` is tearing down, or the leftovers of one the
 * hypervisor lost.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/hv.h"
#include "toolstack/devices.h"
#include "toolstack/domains.h"
#include "toolstack/store.h"

/* How long a backend may take to close a device of a dying domain. */
#define CLOSE_TIMEOUT_MS 2000

static void remove_devices(struct xpv *x, unsigned int domid)
{
	struct xpv_devpaths devs[XPV_MAX_DEVICES];
	int n = xpv_devices_list(x, domid, devs, XPV_MAX_DEVICES);

	if (n > 0)
		xpv_devices_remove_dead(x, devs, n, CLOSE_TIMEOUT_MS);
}

/* Backend directories of domid that /libxl/N did not list (a device
 * added by hand, or a half-written one). */
static void remove_stray_backends(struct xs_handle *xs, unsigned int domid)
{
	static const char *const kinds[] = { "console", "vbd", "qdisk", "vif" };
	char path[96];
	unsigned int i;

	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u",
			 kinds[i], domid);
		xpv_xs_rm(xs, path, NULL);
	}
}

static void remove_rundir(struct xpv *x, unsigned int domid)
{
	char dir[PATH_MAX + 64], path[PATH_MAX + 400];
	struct dirent *e;
	DIR *d;

	xpv_domain_dir(x, domid, NULL, dir, sizeof(dir));
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

int xpv_domain_teardown(struct xpv *x, unsigned int domid)
{
	struct hv *hv = xpv_hv(x);
	struct xs_handle *xs = xpv_xs(x);
	struct xpv_dompaths p;
	int ret;

	if (!hv || !xs)
		return -EIO;
	xpv_dompaths(xs, domid, &p);
	/* Its frontends stop answering first. One that cannot be paused
	 * (gone already, or shut down) is destroyed all the same. */
	ret = hv_domain_pause(hv, domid);
	if (ret && ret != -ESRCH)
		xpv_err("domain %u: pausing it failed (%s); destroying it "
			"anyway",
			domid, strerror(-ret));
	remove_devices(x, domid);
	remove_stray_backends(xs, domid);
	ret = hv_domain_destroy(hv, domid);
	if (ret && ret != -ESRCH) {
		xpv_err("domain %u: the hypervisor did not destroy it: %s",
			domid, strerror(-ret));
		return ret;
	}
	xpv_xs_rm(xs, p.home, NULL);
	if (p.vm[0])
		xpv_xs_rm(xs, p.vm, NULL);
	xpv_xs_rm(xs, p.libxl, NULL);
	remove_rundir(x, domid);
	return 0;
}

void xpv_destroy_all(struct xpv *x)
{
	struct hv_dominfo info[256];
	struct hv *hv = xpv_hv(x);
	int i, n;

	if (!hv)
		return;
	n = hv_domain_list(hv, info, 256);
	for (i = 0; i < n; i++)
		if (info[i].domid != 0)
			xpv_domain_teardown(x, info[i].domid);
}
