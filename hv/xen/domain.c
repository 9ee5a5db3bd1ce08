/*
 * domain.c - domain control on Xen through libxenctrl (domctls and
 * sysctls; privileged, hv.c has already refused an unprivileged caller).
 *
 * Creating a domain is build.c's: on Xen an empty domain is no guest, so
 * hv_domain_create builds a PV kernel into it.
 *
 * What is not here, and why:
 *   - exec: a Xen guest's kernel is built into it at create (build.c);
 *     there is no process to start. -EOPNOTSUPP.
 *   - shutdown of oneself: a domU shuts itself down with SCHEDOP_shutdown,
 *     a hypercall only its kernel makes (Linux: poweroff). -EOPNOTSUPP.
 *   - set_vcpus: Xen fixes max_vcpus at creation; a PV guest brings vcpus
 *     online or offline itself when the toolstack writes
 *     cpu/N/availability in xenstore. -EOPNOTSUPP.
 *   - start_info of a PV domain another toolstack built: its store and
 *     console frames and ports are in its start_info page, known only to
 *     the builder (a domain this handle built is remembered, build.c).
 *     HVM/PVH domains keep them in HVM params, which are returned.
 *     -EOPNOTSUPP for another builder's PV domain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xen/xen.h"

/* Domains fetched per XEN_SYSCTL_getdomaininfolist. */
#define LIST_BATCH 64u

static int xc_result(int rc)
{
	return rc < 0 ? (errno ? -errno : -EIO) : 0;
}

int xen_domain_exec(struct hv *hv __attribute__((unused)),
		    hv_domid_t domid __attribute__((unused)),
		    const struct hv_exec *x __attribute__((unused)))
{
	return -EOPNOTSUPP;
}

int xen_domain_destroy(struct hv *hv, hv_domid_t domid)
{
	int ret = xc_result(xc_domain_destroy(to_xen(hv)->xc, domid));

	if (!ret || ret == -ESRCH)
		xen_built_forget(to_xen(hv), domid);
	return ret;
}

int xen_domain_pause(struct hv *hv, hv_domid_t domid)
{
	return xc_result(xc_domain_pause(to_xen(hv)->xc, domid));
}

int xen_domain_unpause(struct hv *hv, hv_domid_t domid)
{
	return xc_result(xc_domain_unpause(to_xen(hv)->xc, domid));
}

/* SCHEDOP_remote_shutdown: marks the domain shut down with reason, as Xen
 * does when a guest shuts itself down; its vcpus stop. */
int xen_domain_shutdown(struct hv *hv, hv_domid_t domid,
			enum hv_shutdown_reason reason)
{
	if (domid == HV_DOMID_SELF)
		return -EOPNOTSUPP;
	return xc_result(xc_domain_shutdown(to_xen(hv)->xc, domid, reason));
}

int xen_domain_set_max_memory(struct hv *hv, hv_domid_t domid, uint64_t max_kb)
{
	return xc_result(xc_domain_setmaxmem(to_xen(hv)->xc, domid, max_kb));
}

/* Not possible on Xen (see the top), but a domain that does not exist is
 * still -ESRCH, as every other call naming it says. */
int xen_domain_set_vcpus(struct hv *hv, hv_domid_t domid,
			 uint32_t vcpus __attribute__((unused)))
{
	struct hv_dominfo info;
	int err = xen_domain_info(hv, domid, &info);

	return err ? err : -EOPNOTSUPP;
}

/* XEN_DOMINF_* flags and counters as an hv_dominfo. */
static void to_dominfo(const xc_domaininfo_t *d, struct hv_dominfo *info)
{
	uint32_t f = d->flags;

	memset(info, 0, sizeof(*info));
	info->domid = d->domain;
	if (f & XEN_DOMINF_running)
		info->flags |= HV_DOMINF_RUNNING;
	if (f & XEN_DOMINF_paused)
		info->flags |= HV_DOMINF_PAUSED;
	if (f & XEN_DOMINF_blocked)
		info->flags |= HV_DOMINF_BLOCKED;
	if (f & XEN_DOMINF_dying)
		info->flags |= HV_DOMINF_DYING;
	if (f & XEN_DOMINF_shutdown) {
		info->flags |= HV_DOMINF_SHUTDOWN;
		info->shutdown_reason = (f >> XEN_DOMINF_shutdownshift) &
					XEN_DOMINF_shutdownmask;
	}
	info->memory_kb = (uint64_t)d->tot_pages * (HV_PAGE_SIZE / 1024);
	info->max_memory_kb = (uint64_t)d->max_pages * (HV_PAGE_SIZE / 1024);
	info->vcpus = d->max_vcpu_id == XEN_INVALID_MAX_VCPU_ID ?
			      0 :
			      d->max_vcpu_id + 1;
	info->cpu_time_ns = d->cpu_time;
}

/* Xen keeps its domain list sorted by id, so batches resume after the
 * last id seen. */
int xen_domain_list(struct hv *hv, struct hv_dominfo *info, unsigned int max)
{
	struct hv_xen *x = to_xen(hv);
	xc_domaininfo_t *buf;
	unsigned int n = 0, next = 0;
	int got, i;

	buf = calloc(LIST_BATCH, sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	while (n < max && next < HV_DOMID_FIRST_RESERVED) {
		unsigned int want = max - n < LIST_BATCH ? max - n : LIST_BATCH;

		got = xc_domain_getinfolist(x->xc, next, want, buf);
		if (got < 0) {
			free(buf);
			return errno ? -errno : -EIO;
		}
		for (i = 0; i < got && buf[i].domain < HV_DOMID_FIRST_RESERVED;
		     i++)
			to_dominfo(&buf[i], &info[n++]);
		if (got < (int)want || i < got)
			break;
		next = buf[got - 1].domain + 1u;
	}
	free(buf);
	return (int)n;
}

static int get_info(struct hv_xen *x, hv_domid_t domid, xc_domaininfo_t *d)
{
	int got = xc_domain_getinfolist(x->xc, domid, 1, d);

	if (got < 0)
		return errno ? -errno : -EIO;
	/* getinfolist returns the next domain when domid does not exist */
	if (got == 0 || d->domain != domid)
		return -ESRCH;
	return 0;
}

int xen_domain_info(struct hv *hv, hv_domid_t domid, struct hv_dominfo *info)
{
	struct hv_xen *x = to_xen(hv);
	xc_domaininfo_t d;
	int err;

	domid = xen_domid(x, domid);
	if (domid == HV_DOMID_SELF)
		return -ESRCH; /* a domU that could not learn its own id */
	err = get_info(x, domid, &d);
	if (err)
		return err;
	to_dominfo(&d, info);
	return 0;
}

static int hvm_param(struct hv_xen *x, hv_domid_t domid, uint32_t param,
		     uint64_t *val)
{
	return xc_result(xc_hvm_param_get(x->xc, domid, param, val));
}

int xen_domain_start_info(struct hv *hv, hv_domid_t domid,
			  struct hv_start_info *si)
{
	struct hv_xen *x = to_xen(hv);
	uint64_t sp = 0, se = 0, cp = 0, ce = 0;
	const struct hv_start_info *built;
	xc_domaininfo_t d;
	int err;

	domid = xen_domid(x, domid);
	if (domid == HV_DOMID_SELF)
		return -ESRCH;
	err = get_info(x, domid, &d);
	if (err)
		return err;
	built = xen_built_info(x, domid);
	if (built) {
		*si = *built;
		return 0;
	}
	if (!(d.flags & XEN_DOMINF_hvm_guest))
		return -EOPNOTSUPP;
	err = hvm_param(x, domid, HVM_PARAM_STORE_PFN, &sp);
	if (!err)
		err = hvm_param(x, domid, HVM_PARAM_STORE_EVTCHN, &se);
	if (!err)
		err = hvm_param(x, domid, HVM_PARAM_CONSOLE_PFN, &cp);
	if (!err)
		err = hvm_param(x, domid, HVM_PARAM_CONSOLE_EVTCHN, &ce);
	if (err)
		return err;
	if (se >= XEN_MAX_PORTS || ce >= XEN_MAX_PORTS)
		return -ERANGE;
	memset(si, 0, sizeof(*si));
	si->domid = domid;
	si->nr_pages = d.tot_pages;
	si->store_frame = sp;
	si->store_port = (hv_port_t)se;
	si->console_frame = cp;
	si->console_port = (hv_port_t)ce;
	return 0;
}
