/*
 * build.h - building a domain from its config: `xpv create`, and the
 * monitor's restart (build.c says the steps).
 */
#ifndef XPV_TOOLSTACK_BUILD_H
#define XPV_TOOLSTACK_BUILD_H

#include <stdbool.h>

#include "toolstack/xpv.h"

struct xpv_domcfg;

struct xpv_build_opts {
	bool paused; /* leave it paused (xl create -p) */
};

/*
 * Build a domain from cfg (which gains what was chosen for it: generated
 * MACs). On success *domid is the new domain and *kernel_log the read
 * end of its kernel's stdout and stderr, for its monitor. On failure one
 * message says what failed, nothing of the domain is left, and -errno is
 * returned.
 */
/* The config's cpu_weight, cap and cpus applied to domain domid
 * (sched.c); 0 or -errno, said on stderr. */
struct hv;
int xpv_sched_apply(struct hv *hv, unsigned int domid,
		    const struct xpv_domcfg *cfg);
int xpv_domain_build(struct xpv *x, struct xpv_domcfg *cfg,
		     const struct xpv_build_opts *o, unsigned int *domid,
		     int *kernel_log);

#endif
