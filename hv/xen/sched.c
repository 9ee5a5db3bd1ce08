/*
 * sched.c - a domain's scheduler weight and cap, and its pinning, on Xen
 * through libxenctrl: XEN_DOMCTL_scheduler_op for the scheduler of the
 * domain's cpupool (credit or credit2, Xen 4.17's default; both have a
 * weight and a cap in percent of a cpu), XEN_DOMCTL_setvcpuaffinity for
 * each vcpu; the name of the default scheduler, as xl info prints it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/xen.h"

static int xc_result(int rc)
{
	return rc < 0 ? (errno ? -errno : -EIO) : 0;
}

/*
 * The XEN_SCHEDULER_* of the cpupool domid runs in: pools may run
 * different schedulers, and a domain's parameters are set through its
 * own pool's (xl sched-credit2 asks the same way).
 */
static int domain_scheduler(xc_interface *xc, hv_domid_t domid)
{
	xc_domaininfo_t d;
	xc_cpupoolinfo_t *pool;
	int got, sched;

	got = xc_domain_getinfolist(xc, domid, 1, &d);
	if (got < 0)
		return errno ? -errno : -EIO;
	/* getinfolist returns the next domain when domid does not exist */
	if (got == 0 || d.domain != domid)
		return -ESRCH;
	/* the info of the first pool whose id is >= the one asked for */
	pool = xc_cpupool_getinfo(xc, d.cpupool);
	if (!pool)
		return errno ? -errno : -EIO;
	sched = pool->cpupool_id == d.cpupool ? (int)pool->sched_id : -ESRCH;
	xc_cpupool_infofree(xc, pool);
	return sched;
}

int xen_domain_sched_get(struct hv *hv, hv_domid_t domid,
			 struct hv_sched_credit *s)
{
	xc_interface *xc = to_xen(hv)->xc;
	struct xen_domctl_sched_credit2 c2;
	struct xen_domctl_sched_credit c1;
	int sched = domain_scheduler(xc, domid), err;

	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	switch (sched) {
	case XEN_SCHEDULER_CREDIT:
		err = xc_result(xc_sched_credit_domain_get(xc, domid, &c1));
		s->weight = c1.weight;
		s->cap = c1.cap;
		return err;
	case XEN_SCHEDULER_CREDIT2:
		err = xc_result(xc_sched_credit2_domain_get(xc, domid, &c2));
		s->weight = c2.weight;
		s->cap = c2.cap;
		return err;
	default:
		/* rtds, null, arinc653: no weight and cap */
		return sched < 0 ? sched : -EOPNOTSUPP;
	}
}

int xen_domain_sched_set(struct hv *hv, hv_domid_t domid,
			 const struct hv_sched_credit *s)
{
	xc_interface *xc = to_xen(hv)->xc;
	struct xen_domctl_sched_credit2 c2;
	struct xen_domctl_sched_credit c1;
	int sched = domain_scheduler(xc, domid);

	/* hv_domain_sched_set checked the bounds: both fit 16 bits */
	memset(&c1, 0, sizeof(c1));
	memset(&c2, 0, sizeof(c2));
	switch (sched) {
	case XEN_SCHEDULER_CREDIT:
		c1.weight = (uint16_t)s->weight;
		c1.cap = (uint16_t)s->cap;
		return xc_result(xc_sched_credit_domain_set(xc, domid, &c1));
	case XEN_SCHEDULER_CREDIT2:
		c2.weight = (uint16_t)s->weight;
		c2.cap = (uint16_t)s->cap;
		return xc_result(xc_sched_credit2_domain_set(xc, domid, &c2));
	default:
		return sched < 0 ? sched : -EOPNOTSUPP;
	}
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

/* XEN_SCHEDULER_* to the names xl prints (libxl_scheduler's strings). */
static const char *const scheduler_names[] = {
	[XEN_SCHEDULER_CREDIT] = "credit",
	[XEN_SCHEDULER_CREDIT2] = "credit2",
	[XEN_SCHEDULER_ARINC653] = "arinc653",
	[XEN_SCHEDULER_RTDS] = "rtds",
	[XEN_SCHEDULER_NULL] = "null",
};

/* The default scheduler, cpupool 0's: what xl info asks (xc_sched_id). */
const char *xen_scheduler_name(struct hv *hv)
{
	int id;

	if (xc_sched_id(to_xen(hv)->xc, &id) < 0)
		return hv_fail_ptr(errno ? -errno : -EIO);
	if (id < 0 ||
	    (size_t)id >= sizeof(scheduler_names) / sizeof(*scheduler_names) ||
	    !scheduler_names[id])
		return "unknown";
	return scheduler_names[id];
}

/* The hypervisor's cpus (physinfo's max_cpu_id + 1), which dom0's own
 * count (its vcpus) may be below. */
int xen_host_cpus(struct hv *hv)
{
	int n = xc_get_max_cpus(to_xen(hv)->xc);

	if (n <= 0)
		return errno ? -errno : -EIO;
	return n;
}
