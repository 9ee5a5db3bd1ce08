/*
 * daemon_sched.c - a guest's credit scheduler weight and cap, and its
 * pinning, as files of its cgroup (daemon_cgroup.c makes it):
 *
 *   what     v1 file (controller)                     v2 file
 *   weight   cpu.shares = weight * 4 (cpu)            cpu.weight
 *   cap      cpu.cfs_quota_us (cpu), with the vcpus   cpu.max
 *   pinning  cpuset.cpus (cpuset)                     cpuset.cpus
 *
 * weight * 4 puts Xen's default weight, 256, on the kernel's default
 * share, 1024, and keeps the ratios between domains exact (65535 * 4 is
 * below cpu.shares' limit, 262144). v2's cpu.weight (1..10000, default
 * 100) gets weight * 100 / 256, bounded. Xen's cap and our vcpus both
 * bound cpu time; the quota is the lower of the two: vcpus cpus' worth,
 * or cap percent of one cpu.
 */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "hv/sim/daemon.h"

#define CFS_PERIOD_US 100000u

/* A guest (not dom0, not SELF) named by a dom0 request. */
static struct domain *sched_target(struct request *rq, int *err)
{
	if (rq->req->domid == 0 || rq->req->domid == HV_DOMID_SELF) {
		*err = -ERANGE;
		return NULL;
	}
	return dom_target(rq->c, rq->req->domid, err);
}

static uint32_t weight_of(const struct domain *d)
{
	return d->weight ? d->weight : HV_SCHED_WEIGHT_DEFAULT;
}

static int set_weight(struct domain *d, uint32_t weight)
{
	char val[32];

	if (cg_v2()) {
		uint64_t w = (uint64_t)weight * 100 / HV_SCHED_WEIGHT_DEFAULT;

		snprintf(val, sizeof(val), "%llu",
			 (unsigned long long)(w < 1	? 1 :
					      w > 10000 ? 10000 :
							  w));
		return cg_write(d->domid, NULL, "cpu.weight", val);
	}
	snprintf(val, sizeof(val), "%u", weight * 4);
	return cg_write(d->domid, "cpu", "cpu.shares", val);
}

static int write_quota(struct domain *d, uint64_t quota_us)
{
	char val[64];

	if (cg_v2()) {
		snprintf(val, sizeof(val), "%llu %u",
			 (unsigned long long)quota_us, CFS_PERIOD_US);
		return cg_write(d->domid, NULL, "cpu.max", val);
	}
	snprintf(val, sizeof(val), "%llu", (unsigned long long)quota_us);
	return cg_write(d->domid, "cpu", "cpu.cfs_quota_us", val);
}

/* The cpu time bound of a domain with vcpus vcpus and its cap. */
static int apply_limit(struct domain *d, uint32_t vcpus, uint32_t cap)
{
	uint64_t quota = (uint64_t)vcpus * CFS_PERIOD_US;
	uint64_t capped = (uint64_t)cap * CFS_PERIOD_US / 100;

	if (cap && capped < quota)
		quota = capped;
	/* The kernel refuses a quota below 1 ms. */
	return write_quota(d, quota < 1000 ? 1000 : quota);
}

int sched_set_cpu_limit(struct domain *d, uint32_t vcpus)
{
	return apply_limit(d, vcpus, d->cap);
}

int op_sched_get(struct request *rq, struct reply *r)
{
	int err;
	struct domain *d = sched_target(rq, &err);

	if (!d)
		return err;
	r->rep.v[0] = weight_of(d);
	r->rep.v[1] = d->cap;
	return 0;
}

int op_sched_set(struct request *rq, struct reply *r __attribute__((unused)))
{
	uint64_t weight = rq->req->a, cap = rq->req->b;
	int err;
	struct domain *d = sched_target(rq, &err);

	if (!d)
		return err;
	if (weight == 0 || weight > HV_SCHED_WEIGHT_MAX ||
	    cap > HV_SCHED_CAP_MAX)
		return -EINVAL;
	if (d->has_cgroup) {
		err = set_weight(d, (uint32_t)weight);
		if (!err)
			err = apply_limit(d, d->vcpus, (uint32_t)cap);
		if (err) {
			/* Back to what it was, so that get tells the truth. */
			set_weight(d, weight_of(d));
			apply_limit(d, d->vcpus, d->cap);
			return err;
		}
	}
	d->weight = (uint32_t)weight;
	d->cap = (uint32_t)cap;
	hvd_log("dom%u: weight %u, cap %u", d->domid, d->weight, d->cap);
	return 0;
}

/* mask as a cpu list ("0,2,5"); -EINVAL for a cpu this host lacks. */
static int mask_to_list(uint64_t mask, char *buf, size_t len)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < 64; i++) {
		if (!(mask & (1ull << i)))
			continue;
		if (ncpu > 0 && i >= (unsigned long)ncpu)
			return -EINVAL;
		used += (size_t)snprintf(buf + used, len - used, "%s%u",
					 used ? "," : "", i);
		if (used >= len)
			return -ENAMETOOLONG;
	}
	return used ? 0 : -EINVAL;
}

int op_pin(struct request *rq, struct reply *r __attribute__((unused)))
{
	char list[256];
	int err;
	struct domain *d = sched_target(rq, &err);

	if (!d)
		return err;
	err = mask_to_list(rq->req->a, list, sizeof(list));
	if (err)
		return err;
	if (!d->has_cgroup)
		return -EOPNOTSUPP;
	err = cg_write(d->domid, "cpuset", "cpuset.cpus", list);
	if (err == -ENOENT) /* v2 without the cpuset controller */
		return -EOPNOTSUPP;
	if (err)
		return err;
	hvd_log("dom%u: pinned to cpus %s", d->domid, list);
	return 0;
}
