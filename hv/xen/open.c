/*
 * open.c - hv_xen_open: the xen platform's handle, and its ops table.
 *
 * Opens, in order: libxenctrl (privcmd: hypercalls), libxengnttab (gntdev:
 * mapping and copying others' grants), libxengntshr (gntalloc: granting our
 * own pages; optional, a domU may lack it) and libxenforeignmemory
 * (privcmd: mapping foreign frames). Every library gets a logger that drops
 * messages, so a failure is reported once, in `why`, and nothing is printed.
 * dom0 is recognised as Linux's xenfs says it: /proc/xen/capabilities holds
 * "control_d" only in the control domain.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "hv/xen/xen.h"

#define PRIVCMD_DEV "/dev/xen/privcmd"
#define PRIVCMD_PROC "/proc/xen/privcmd"
#define CAPS_PATH "/proc/xen/capabilities"

/*
 * Without xenfs mounted there is no capabilities file: then ask Xen, which
 * answers XEN_SYSCTL_getdomaininfolist to the control domain only.
 */
static bool is_control_domain(struct hv_xen *x)
{
	xc_domaininfo_t info;
	char buf[256];
	ssize_t n;
	int fd = open(CAPS_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return xc_domain_getinfolist(x->xc, 0, 1, &info) == 1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "control_d") != NULL;
}

/*
 * A domU learns its own id from xenstore ("domid", relative to its home
 * directory, written by the toolstack). Without an answer the id stays
 * HV_DOMID_SELF, which every call that takes a domid still accepts.
 */
static hv_domid_t domu_self(void)
{
	struct xs_handle *xs = xs_open(0);
	hv_domid_t self = HV_DOMID_SELF;
	unsigned int len = 0;
	char *val, *end;
	unsigned long id;

	if (!xs)
		return self;
	val = xs_read(xs, XBT_NULL, "domid", &len);
	if (val && len > 0) {
		errno = 0;
		id = strtoul(val, &end, 10);
		if (!errno && *end == '\0' && end != val &&
		    id < HV_DOMID_FIRST_RESERVED)
			self = (hv_domid_t)id;
	}
	free(val);
	xs_close(xs);
	return self;
}

static void xen_close(struct hv *hv)
{
	struct hv_xen *x = to_xen(hv);

	xen_grant_release_all(x);
	xen_foreign_release_all(x);
	xen_built_release_all(x);
	if (x->fmem)
		xenforeignmemory_close(x->fmem);
	if (x->gntshr)
		xengntshr_close(x->gntshr);
	if (x->gnttab)
		xengnttab_close(x->gnttab);
	if (x->xc)
		xc_interface_close(x->xc);
	free(x);
}

static const struct hv_ops xen_ops = {
	.name = "xen",
	.close = xen_close,
	.mem_alloc = xen_mem_alloc,
	.mem_free = xen_mem_free,
	.grant_access = xen_grant_access,
	.grant_end = xen_grant_end,
	.share_pages = xen_share_pages,
	.unshare_pages = xen_unshare_pages,
	.grant_map = xen_grant_map,
	.grant_unmap = xen_grant_unmap,
	.grant_copy = xen_grant_copy,
	.foreign_map = xen_foreign_map,
	.foreign_unmap = xen_foreign_unmap,
	.xenstore_local_ring = xen_xenstore_local_ring,
	.evtchn_open = xen_evtchn_open,
	.evtchn_close = xen_evtchn_close,
	.evtchn_alloc_unbound = xen_evtchn_alloc_unbound,
	.evtchn_bind_interdomain = xen_evtchn_bind_interdomain,
	.evtchn_bind_virq = xen_evtchn_bind_virq,
	.evtchn_unbind = xen_evtchn_unbind,
	.evtchn_notify = xen_evtchn_notify,
	.evtchn_pending = xen_evtchn_pending,
	.evtchn_unmask = xen_evtchn_unmask,
	.evtchn_status = xen_evtchn_status,
	.domain_create = xen_domain_create,
	.domain_exec = xen_domain_exec,
	.domain_destroy = xen_domain_destroy,
	.domain_pause = xen_domain_pause,
	.domain_unpause = xen_domain_unpause,
	.domain_shutdown = xen_domain_shutdown,
	.domain_set_max_memory = xen_domain_set_max_memory,
	.domain_set_vcpus = xen_domain_set_vcpus,
	.domain_sched_get = xen_domain_sched_get,
	.domain_sched_set = xen_domain_sched_set,
	.domain_pin = xen_domain_pin,
	.scheduler_name = xen_scheduler_name,
	.host_cpus = xen_host_cpus,
	.domain_list = xen_domain_list,
	.domain_info = xen_domain_info,
	.domain_start_info = xen_domain_start_info,
};

/* Open the libraries; on failure say which device and what to do. */
static int open_libs(struct hv_xen *x, char *why, size_t why_len)
{
	int err;

	if (access(PRIVCMD_DEV, F_OK) != 0 && access(PRIVCMD_PROC, F_OK) != 0) {
		snprintf(why, why_len,
			 "xen platform: " PRIVCMD_DEV " not found; is this a "
			 "Xen dom0? set XPV_PLATFORM=sim to use the embedded "
			 "hypervisor");
		return -ENOENT;
	}
	x->xc = xc_interface_open(&xen_quiet_logger, &xen_quiet_logger, 0);
	if (!x->xc) {
		err = errno ? errno : EIO;
		snprintf(why, why_len,
			 "xen platform: cannot open " PRIVCMD_DEV
			 ": %s; is xen-privcmd loaded and are you root?",
			 strerror(err));
		return -err;
	}
	x->gnttab = xengnttab_open(&xen_quiet_logger, 0);
	if (!x->gnttab) {
		err = errno ? errno : EIO;
		snprintf(why, why_len,
			 "xen platform: cannot open /dev/xen/gntdev: %s; load "
			 "the xen-gntdev module",
			 strerror(err));
		return -err;
	}
	/* Without gntalloc (a domU may lack it) sharing is -EOPNOTSUPP. */
	x->gntshr = xengntshr_open(&xen_quiet_logger, 0);
	x->fmem = xenforeignmemory_open(&xen_quiet_logger, 0);
	if (!x->fmem) {
		err = errno ? errno : EIO;
		snprintf(
			why, why_len,
			"xen platform: cannot open foreign memory through " PRIVCMD_DEV
			": %s",
			strerror(err));
		return -err;
	}
	return 0;
}

int hv_xen_open(struct hv **hvp, char *why, size_t why_len)
{
	struct hv_xen *x;
	int err;

	x = calloc(1, sizeof(*x));
	if (!x) {
		snprintf(why, why_len, "xen platform: out of memory");
		return -ENOMEM;
	}
	x->hv.ops = &xen_ops;
	x->hv.platform = HV_PLATFORM_XEN;
	err = open_libs(x, why, why_len);
	if (err)
		goto fail;
	x->hv.privileged = is_control_domain(x);
	x->hv.self = x->hv.privileged ? 0 : domu_self();
	*hvp = &x->hv;
	return 0;
fail:
	xen_close(&x->hv);
	return err;
}
