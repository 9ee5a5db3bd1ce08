/*
 * build.c - hv_domain_create on Xen: a Linux PV guest built from its
 * kernel, ramdisk and command line, as libxl's PV build does (Xen 4.17,
 * tools/libs/light: libxl_create.c libxl__domain_make, libxl_dom.c
 * libxl__build_pre, libxl__build_pv and libxl__build_dom, libxl_x86.c
 * libxl__arch_domain_create), in the same order:
 *
 *   make   XEN_DOMCTL_createdomain for a PV domain (no CDF_hvm), with
 *          libxl's default limits; max vcpus
 *   pre    max memory (the target + LIBXL_MAXMEM_CONSTANT); the unbound
 *          ports of the store and the console, both served by dom0; the
 *          e820 limit, the tsc mode (default) and the cpuid policy
 *   image  libxenguest's xc_dom_*: kernel and ramdisk loaded, memory
 *          populated, page tables, start_info (with the two ports) and
 *          the store and console pages written, vcpu 0 set up; the
 *          grant table's reserved entries for the two pages
 *          (GNTTAB_RESERVED_CONSOLE and _XENSTORE, xc_dom_gnttab_init)
 *
 * The domain is left paused. Its store and console frames are known only
 * here (a PV guest's frames are machine frames: libxl reads them through
 * the builder's p2m), so the handle keeps them for hv_domain_start_info.
 * xenstore and the rest of what libxl writes are the toolstack's.
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/xen/xen.h" /* xenctrl.h first: xenguest.h needs its types */

#include <xenguest.h>

/* libxl's defaults (libxl_types.idl, libxl_create.c): event_channels,
 * and LIBXL_MAXMEM_CONSTANT, the slack above the target. Grant and
 * maptrack frames: Xen's own default (-1). Linux uses grant table v1. */
#define BUILD_MAX_EVTCHN_PORT 1023u
#define BUILD_MAXMEM_SLACK_KB 1024u
#define BUILD_GRANT_VERSION 1u

/* A libxc call's failure as -errno (they set errno, mostly). */
static int xc_err(void)
{
	return errno ? -errno : -EIO;
}

static int make_domain(struct hv_xen *x, const struct hv_domain_config *cfg,
		       uint32_t *id)
{
	struct xen_domctl_createdomain dc = {
		.max_vcpus = cfg->vcpus,
		.max_evtchn_port = BUILD_MAX_EVTCHN_PORT,
		.max_grant_frames = -1,
		.max_maptrack_frames = -1,
		.grant_opts = XEN_DOMCTL_GRANT_version(BUILD_GRANT_VERSION),
	};

	*id = cfg->domid; /* 0: Xen picks */
	errno = 0;
	if (xc_domain_create(x->xc, id, &dc))
		return xc_err();
	/* libxl__build_pre: Xen 4.17 still wants it, equal to the above. */
	errno = 0;
	if (xc_domain_max_vcpus(x->xc, *id, cfg->vcpus))
		return xc_err();
	return 0;
}

static int prepare(struct hv_xen *x, uint32_t id,
		   const struct hv_domain_config *cfg, struct hv_start_info *si)
{
	int port;

	errno = 0;
	if (xc_domain_setmaxmem(x->xc, id,
				cfg->memory_kb + BUILD_MAXMEM_SLACK_KB))
		return xc_err();
	/* Both served by dom0: xenstored and the console daemon run there
	 * (libxl reads /tool/xenstored/domid, absent here: 0). */
	port = xc_evtchn_alloc_unbound(x->xc, id, 0);
	if (port < 0)
		return xc_err();
	si->store_port = (hv_port_t)port;
	port = xc_evtchn_alloc_unbound(x->xc, id, 0);
	if (port < 0)
		return xc_err();
	si->console_port = (hv_port_t)port;
	/* libxl__arch_domain_create for PV, then libxl__cpuid_legacy (pae on,
	 * no invariant tsc, no nested virtualisation). */
	errno = 0;
	if (xc_domain_set_memmap_limit(x->xc, id, cfg->memory_kb) ||
	    xc_domain_set_tsc_info(x->xc, id, 0, 0, 0, 0) ||
	    xc_cpuid_apply_policy(x->xc, id, false, NULL, 0, true, false, false,
				  NULL, NULL))
		return xc_err();
	return 0;
}

/* libxl__build_pv's settings, then libxl__build_dom's steps. */
static int load_image(struct xc_dom_image *dom, struct hv_xen *x, uint32_t id,
		      const struct hv_domain_config *cfg,
		      const struct hv_start_info *si)
{
	dom->container_type = XC_DOM_PV_CONTAINER;
	if (xc_dom_kernel_file(dom, cfg->kernel))
		return -ENOENT;
	if (cfg->ramdisk && cfg->ramdisk[0] &&
	    xc_dom_module_file(dom, cfg->ramdisk, NULL))
		return -ENOENT;
	dom->flags = 0;
	dom->console_evtchn = si->console_port;
	dom->console_domid = 0;
	dom->xenstore_evtchn = si->store_port;
	dom->xenstore_domid = 0;
	dom->max_vcpus = cfg->vcpus;
	if (xc_dom_boot_xen_init(dom, x->xc, id))
		return -EIO;
	if (xc_dom_parse_image(dom))
		return -ENOEXEC; /* not a kernel xc_dom knows */
	if (xc_dom_mem_init(dom, (unsigned int)(cfg->memory_kb / 1024)) ||
	    xc_dom_boot_mem_init(dom))
		return -ENOMEM;
	if (xc_dom_build_image(dom) || xc_dom_boot_image(dom) ||
	    xc_dom_gnttab_init(dom))
		return -EIO;
	return 0;
}

static int build_image(struct hv_xen *x, uint32_t id,
		       const struct hv_domain_config *cfg,
		       struct hv_start_info *si)
{
	struct xc_dom_image *dom;
	int ret;

	dom = xc_dom_allocate(x->xc, cfg->cmdline, NULL);
	if (!dom)
		return -ENOMEM;
	ret = load_image(dom, x, id, cfg, si);
	if (!ret) {
		/* A PV guest's frames are machine frames (libxl__build_pv). */
		si->store_frame = xc_dom_p2m(dom, dom->xenstore_pfn);
		si->console_frame = xc_dom_p2m(dom, dom->console_pfn);
		si->nr_pages = dom->total_pages;
	}
	xc_dom_release(dom);
	return ret;
}

static int remember(struct hv_xen *x, const struct hv_start_info *si)
{
	struct xen_built *b = malloc(sizeof(*b));

	if (!b)
		return -ENOMEM;
	b->si = *si;
	b->next = x->built;
	x->built = b;
	return 0;
}

int xen_domain_create(struct hv *hv, const struct hv_domain_config *cfg,
		      hv_domid_t *domid)
{
	struct hv_xen *x = to_xen(hv);
	struct hv_start_info si = { 0 };
	uint32_t id;
	int ret;

	/* An empty domain is no guest: without a kernel there is nothing
	 * to run (hv.h). */
	if (!cfg->kernel)
		return -EOPNOTSUPP;
	ret = make_domain(x, cfg, &id);
	if (ret)
		return ret;
	si.domid = (hv_domid_t)id;
	ret = prepare(x, id, cfg, &si);
	ret = ret ?: build_image(x, id, cfg, &si);
	ret = ret ?: remember(x, &si);
	if (ret) {
		xc_domain_destroy(x->xc, id);
		return ret;
	}
	*domid = (hv_domid_t)id;
	return 0;
}

const struct hv_start_info *xen_built_info(const struct hv_xen *x,
					   hv_domid_t domid)
{
	const struct xen_built *b;

	for (b = x->built; b; b = b->next)
		if (b->si.domid == domid)
			return &b->si;
	return NULL;
}

void xen_built_forget(struct hv_xen *x, hv_domid_t domid)
{
	struct xen_built **p, *b;

	for (p = &x->built; (b = *p); p = &b->next) {
		if (b->si.domid == domid) {
			*p = b->next;
			free(b);
			return;
		}
	}
}

void xen_built_release_all(struct hv_xen *x)
{
	while (x->built)
		xen_built_forget(x, x->built->si.domid);
}
