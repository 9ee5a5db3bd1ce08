/*
 * layout.h - the xenstore tree of a domain and of its devices, written as
 * libxl writes them (tools/libs/light/libxl_create.c libxl__domain_make
 * and libxl__build_post; libxl_device.c libxl__device_generic_add;
 * libxl_console.c, libxl_disk.c, libxl_nic.c), with libxl's permissions.
 * xenstore-schemas/ describes the result key by key.
 */
#ifndef XPV_TOOLSTACK_LAYOUT_H
#define XPV_TOOLSTACK_LAYOUT_H

#include "hv/hv.h"
#include "toolstack/config.h"
#include "toolstack/store.h"

/* Kinds of device, as libxl names their directories. */
enum xpv_dev_kind {
	XPV_DEV_CONSOLE,
	XPV_DEV_VBD,
	XPV_DEV_QDISK,
	XPV_DEV_VIF,
};

/* One device's three directories. */
struct xpv_devpaths {
	enum xpv_dev_kind kind;
	unsigned int domid, devid;
	char frontend[96]; /* /local/domain/N/device/vbd/51712 */
	char backend[96]; /* /local/domain/0/backend/vbd/N/51712 */
	char libxl[96]; /* /libxl/N/device/vbd/51712 */
};

const char *xpv_dev_kind_name(enum xpv_dev_kind kind);
/* The kind named by a libxl directory name, or -EINVAL. */
int xpv_dev_kind_parse(const char *name, enum xpv_dev_kind *kind);
void xpv_devpaths(enum xpv_dev_kind kind, unsigned int domid,
		  unsigned int devid, struct xpv_devpaths *p);

/*
 * The domain's own directories (libxl__domain_make): /local/domain/N,
 * /vm/UUID, /libxl/N, with name, vm, control/, memory/, cpu/, device/,
 * data/...; then what the builder knows (libxl__build_post): memory
 * target and static-max, domid, the xenstore ring's frame and port,
 * each vcpu's availability. One transaction, retried on conflict.
 */
int xpv_layout_domain(struct xs_handle *xs, unsigned int domid,
		      const struct xpv_domcfg *cfg,
		      const struct hv_start_info *si);

/* The primary console (device console/0: the frontend is
 * /local/domain/N/console, with the ring's frame and port). */
int xpv_layout_console(struct xs_handle *xs, unsigned int domid,
		       const struct hv_start_info *si);

/* A disk; script is the hotplug script's absolute path (vbd only). */
int xpv_layout_disk(struct xs_handle *xs, unsigned int domid,
		    const struct xpv_disk *d, const char *script);

/* A vif; mac is its address (given or generated), script absolute. */
int xpv_layout_vif(struct xs_handle *xs, unsigned int domid,
		   const struct xpv_vif *v, const uint8_t mac[6],
		   const char *script);

#endif
