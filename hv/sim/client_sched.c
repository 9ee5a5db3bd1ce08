/*
 * client_sched.c - the credit scheduler's weight and cap and vcpu pinning
 * on sim: one request each to xpv-hv (daemon_sched.c); the scheduler's
 * name.
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "hv/sim/client.h"

static int call(struct hv *hv, uint32_t op, hv_domid_t domid, uint64_t a,
		uint64_t b, struct sim_rep *rep)
{
	struct sim_req req = { .op = op, .domid = domid, .a = a, .b = b };

	return sim_rpc(to_sim(hv)->sock, &req, NULL, 0, NULL, 0, rep, NULL, 0,
		       NULL, NULL);
}

int sim_domain_sched_get(struct hv *hv, hv_domid_t domid,
			 struct hv_sched_credit *s)
{
	struct sim_rep rep;
	int err = call(hv, SIM_OP_DOM_SCHED_GET, domid, 0, 0, &rep);

	if (err)
		return err;
	if (rep.v[0] == 0 || rep.v[0] > HV_SCHED_WEIGHT_MAX ||
	    rep.v[1] > HV_SCHED_CAP_MAX)
		return -EPROTO;
	s->weight = (uint32_t)rep.v[0];
	s->cap = (uint32_t)rep.v[1];
	return 0;
}

int sim_domain_sched_set(struct hv *hv, hv_domid_t domid,
			 const struct hv_sched_credit *s)
{
	return call(hv, SIM_OP_DOM_SCHED_SET, domid, s->weight, s->cap, NULL);
}

int sim_domain_pin(struct hv *hv, hv_domid_t domid, uint64_t cpumask)
{
	return call(hv, SIM_OP_DOM_PIN, domid, cpumask, 0, NULL);
}

/*
 * No scheduler of Xen's runs here: the host kernel's does, each domain's
 * share and bound set through its cgroup (daemon_sched.c). Named so that
 * no one takes it for credit's accounting.
 */
const char *sim_scheduler_name(struct hv *hv)
{
	(void)hv;
	return "sim-cgroup";
}

/* Every domain shares this machine's kernel and its cpus. */
int sim_host_cpus(struct hv *hv)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	(void)hv;
	if (n <= 0)
		return errno ? -errno : -EIO;
	return n > INT_MAX ? INT_MAX : (int)n;
}
