/*
 * sched.c - a domain's credit scheduler weight and cap, and its pinning,
 * on Xen through libxenctrl (XEN_DOMCTL_scheduler_op for sched_credit,
 * XEN_DOMCTL_setvcpuaffinity for each vcpu).
 *
 * Untested on Xen: tests/xen does not exercise these yet. Xen's own
 * checks apply (a domain in a credit2 or other pool gets Xen's error).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/xen.h"

static int xc_result(int rc)
{
	return rc < 0 ? (errno ? -errno : -EIO) : 0;
}

int xen_domain_sched_get(struct hv *hv, hv_domid_t domid,
			 struct hv_sched_credit *s)
{
	struct xen_domctl_sched_credit sc;
	int err;

	memset(&sc, 0, sizeof(sc));
	err = xc_result(xc_sched_credit_domain_get(to_xen(hv)->xc, domid, &sc));
	if (err)
		return err;
	s->weight = sc.weight;
	s->cap = sc.cap;
	return 0;
}

int xen_domain_sched_set(struct hv *hv, hv_domid_t domid,
			 const struct hv_sched_credit *s)
{
	struct xen_domctl_sched_credit sc;

	memset(&sc, 0, sizeof(sc));
	sc.weight = s->weight;
	sc.cap = (uint16_t)s->cap;
	return xc_result(
		xc_sched_credit_domain_set(to_xen(hv)->xc, domid, &sc));
}

/* Every vcpu's hard affinity to cpumask; the soft one is left alone. */
int xen_domain_pin(struct hv *hv, hv_domid_t domid, uint64_t cpumask)
{
	xc_interface *xc = to_xen(hv)->xc;
	struct hv_dominfo info;
	xc_cpumap_t hard, soft;
	int cpus = xc_get_max_cpus(xc), err;
	unsigned int v, i;

	err = xen_domain_info(hv, domid, &info);
	if (err)
		return err;
	if (cpus <= 0)
		return -EIO;
	for (i = (unsigned int)cpus; i < 64; i++)
		if (cpumask & (1ull << i))
			return -EINVAL;
	hard = xc_cpumap_alloc(xc);
	soft = xc_cpumap_alloc(xc);
	err = hard && soft ? 0 : -ENOMEM;
	for (i = 0; !err && i < 64 && i < (unsigned int)cpus; i++)
		if (cpumask & (1ull << i))
			hard[i / 8] |= (uint8_t)(1u << (i % 8));
	for (v = 0; !err && v < info.vcpus; v++)
		err = xc_result(xc_vcpu_setaffinity(
			xc, domid, (int)v, hard, soft, XEN_VCPUAFFINITY_HARD));
	free(hard);
	free(soft);
	return err;
}
