/*
 * sched.c - `xpv sched-credit` and `xpv vcpu-pin`, as xl's, through
 * hv_domain_sched_get/_set and hv_domain_pin; and the config's cpus,
 * cpu_weight and cap applied to a domain being built.
 *
 * sched-credit with no -w or -c lists (all domains, or -d's) in xl's
 * columns Name ID Weight Cap. dom0 has no cgroup of ours: it is listed
 * with Xen's defaults and cannot be changed. vcpu-pin pins the whole
 * domain (on sim every vcpu shares the domain's cpuset), so it takes
 * "all" as the vcpu.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "toolstack/config.h"
#include "toolstack/domains.h"
#include "toolstack/util.h"

#define MAX_DOMAINS 1024

/*
 * The hypervisor's cpus, as a mask of the 64 it can be given: not the
 * cpus xpv itself sees, which in a Xen dom0 are its vcpus (fewer than
 * the host's under dom0_max_vcpus).
 */
static uint64_t host_cpus(struct hv *hv)
{
	int n = hv_host_cpus(hv);

	if (n <= 0) /* unknown: the hypervisor refuses what it lacks */
		n = (int)sysconf(_SC_NPROCESSORS_CONF);
	return n <= 0 || n >= 64 ? ~0ull : (1ull << n) - 1;
}

/* mask as the hypervisor takes it: `all' means the host's cpus; a cpu
 * above 63 cannot be named (0 returned). */
static uint64_t pin_mask(struct hv *hv, const uint64_t *mask, bool all)
{
	unsigned int i;

	if (all)
		return mask[0] & host_cpus(hv);
	for (i = 1; i < XPV_MAX_CPUS / 64; i++)
		if (mask[i])
			return 0;
	return mask[0];
}

int xpv_sched_apply(struct hv *hv, unsigned int domid,
		    const struct xpv_domcfg *cfg)
{
	struct hv_sched_credit s = { cfg->cpu_weight, cfg->cap };
	uint64_t mask;
	int ret = 0;

	if (s.weight != HV_SCHED_WEIGHT_DEFAULT || s.cap)
		ret = hv_domain_sched_set(hv, domid, &s);
	if (ret) {
		xpv_err("domain %u: cannot set cpu_weight %u, cap %u: %s",
			domid, s.weight, s.cap, strerror(-ret));
		return ret;
	}
	if (!cfg->cpus_set)
		return 0;
	mask = pin_mask(hv, cfg->cpus, false);
	if (!mask) /* "all", or cpus beyond 63: all of the host's */
		mask = pin_mask(hv, cfg->cpus, true);
	ret = hv_domain_pin(hv, domid, mask);
	if (ret)
		xpv_err("domain %u: cannot pin it to its cpus: %s", domid,
			strerror(-ret));
	return ret;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return *s && !*end && !errno && *s != '-' && *v <= max ? 0 : -EINVAL;
}

static void print_sched_row(struct xpv *x, unsigned int domid)
{
	struct hv_sched_credit s = { HV_SCHED_WEIGHT_DEFAULT, 0 };
	char name[80];

	if (domid != 0 && hv_domain_sched_get(xpv_hv(x), domid, &s))
		return; /* gone meanwhile, or not ours */
	xpv_domain_name(x, domid, name, sizeof(name));
	printf("%-33s %4u %6u %4u\n", name, domid, s.weight, s.cap);
}

static int sched_list(struct xpv *x, const char *dom)
{
	struct hv_dominfo *info;
	unsigned int domid;
	int n, i;

	printf("Cpupool Pool-0: tslice=30ms ratelimit=1000us migr_delay=0us\n");
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
	if (dom) {
		if (xpv_domain_find(x, dom, &domid))
			return 1;
		print_sched_row(x, domid);
		return 0;
	}
	info = calloc(MAX_DOMAINS, sizeof(*info));
	if (!info)
		return 1;
	n = hv_domain_list(xpv_hv(x), info, MAX_DOMAINS);
	for (i = 0; i < n; i++)
		print_sched_row(x, info[i].domid);
	free(info);
	if (n < 0)
		xpv_err("cannot list the domains: %s", strerror(-n));
	return n < 0 ? 1 : 0;
}

static int sched_set(struct xpv *x, const char *dom, const char *w,
		     const char *c)
{
	struct hv_sched_credit s;
	unsigned int domid;
	unsigned long v;
	int ret;

	if (!dom) {
		xpv_err("sched-credit: -w and -c need a domain (-d)");
		return 1;
	}
	if (xpv_domain_find(x, dom, &domid))
		return 1;
	ret = domid == 0 ? -ERANGE : hv_domain_sched_get(xpv_hv(x), domid, &s);
	if (!ret && w) {
		if (parse_uint(w, HV_SCHED_WEIGHT_MAX, &v) || v == 0) {
			xpv_err("sched-credit: weight %s: expected 1-%u", w,
				HV_SCHED_WEIGHT_MAX);
			return 1;
		}
		s.weight = (uint32_t)v;
	}
	if (!ret && c) {
		if (parse_uint(c, HV_SCHED_CAP_MAX, &v)) {
			xpv_err("sched-credit: cap %s: expected 0 (no cap)-%u "
				"(percent of one cpu)",
				c, HV_SCHED_CAP_MAX);
			return 1;
		}
		s.cap = (uint32_t)v;
	}
	ret = ret ?: hv_domain_sched_set(xpv_hv(x), domid, &s);
	if (ret) {
		xpv_err("cannot set domain %u's scheduling parameters: %s",
			domid,
			ret == -ERANGE ? "dom0 has none here" : strerror(-ret));
		return 1;
	}
	return 0;
}

int xpv_cmd_sched_credit(struct xpv *x, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "weight", required_argument, NULL, 'w' },
		{ "cap", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *dom = NULL, *w = NULL, *c = NULL;
	int opt;

	while ((opt = xpv_getopt(argc, argv, "hd:w:c:", longopts,
				 "sched-credit")) != -1) {
		if (opt == 'd')
			dom = optarg;
		else if (opt == 'w')
			w = optarg;
		else if (opt == 'c')
			c = optarg;
	}
	if (optind != argc)
		return xpv_usage("sched-credit");
	return w || c ? sched_set(x, dom, w, c) : sched_list(x, dom);
}

int xpv_cmd_vcpu_pin(struct xpv *x, int argc, char **argv)
{
	uint64_t mask[XPV_MAX_CPUS / 64];
	unsigned int domid;
	const char *hard;
	uint64_t pin;
	int ret;

	while (xpv_getopt(argc, argv, "h", NULL, "vcpu-pin") != -1)
		;
	if (argc - optind != 3 && argc - optind != 4)
		return xpv_usage("vcpu-pin");
	if (xpv_domain_find(x, argv[optind], &domid))
		return 1;
	if (strcmp(argv[optind + 1], "all")) {
		xpv_err("vcpu-pin: vcpu %s: only `all' (every vcpu of a "
			"domain shares its cpuset here)",
			argv[optind + 1]);
		return 1;
	}
	if (argc - optind == 4 && strcmp(argv[optind + 3], "-"))
		xpv_err("vcpu-pin: soft affinity %s ignored (no such thing "
			"here)",
			argv[optind + 3]);
	hard = argv[optind + 2];
	memset(mask, 0, sizeof(mask));
	if (!strcmp(hard, "-")) /* xl: leave hard affinity as it is */
		return 0;
	if (xpv_cpulist_parse(hard, mask)) {
		xpv_err("vcpu-pin: %s: expected a cpu list (all, 0-3,^2, 5)",
			hard);
		return 1;
	}
	pin = pin_mask(xpv_hv(x), mask, !strcmp(hard, "all"));
	if (!pin) {
		xpv_err("vcpu-pin: %s: cpus above 63 cannot be pinned to here",
			hard);
		return 1;
	}
	ret = hv_domain_pin(xpv_hv(x), domid, pin);
	if (ret) {
		xpv_err("cannot pin domain %u to cpus %s: %s", domid, hard,
			ret == -ERANGE ? "dom0 is not ours to pin" :
					 strerror(-ret));
		return 1;
	}
	return 0;
}
