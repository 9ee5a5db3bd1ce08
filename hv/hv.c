/*
 * hv.c - the public face of hv.h: choose a platform, check what can be
 * checked without it, dispatch through the handle's ops table.
 *
 * Checks here are the platform-independent ones (NULL handles and buffers,
 * zero or oversized counts, reserved domids); each platform still checks
 * everything that needs its own state (grant entries, port tables, frames).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/platform.h"

/* More than this many pages in one call is refused: a bound on what one
 * request can make the platform allocate (blkif's largest ring is 16 pages;
 * an indirect request maps at most a few hundred). */
#define HV_MAX_PAGES_PER_CALL 4096u

static bool want_xen(void)
{
	const char *p = getenv("XPV_PLATFORM");

	if (p && *p)
		return strcmp(p, "xen") == 0;
	return access("/dev/xen/privcmd", F_OK) == 0;
}

int hv_open(struct hv **hvp, char *why, size_t why_len)
{
	const char *p = getenv("XPV_PLATFORM");
	char scratch[1];

	if (!why || !why_len) {
		why = scratch;
		why_len = sizeof(scratch);
	}
	*why = '\0';
	if (!hvp)
		return -EINVAL;
	*hvp = NULL;
	if (p && *p && strcmp(p, "sim") != 0 && strcmp(p, "xen") != 0) {
		snprintf(why, why_len,
			 "XPV_PLATFORM=%s is not a platform; use sim or xen",
			 p);
		return -EINVAL;
	}
	if (want_xen())
		return hv_xen_open(hvp, why, why_len);
	return hv_sim_open(hvp, why, why_len);
}

void hv_close(struct hv *hv)
{
	if (hv)
		hv->ops->close(hv);
}

enum hv_platform hv_platform(const struct hv *hv)
{
	return hv->platform;
}

const char *hv_platform_name(const struct hv *hv)
{
	return hv->ops->name;
}

hv_domid_t hv_self(const struct hv *hv)
{
	return hv->self;
}

bool hv_privileged(const struct hv *hv)
{
	return hv->privileged;
}

static bool bad_count(unsigned int n)
{
	return n == 0 || n > HV_MAX_PAGES_PER_CALL;
}

/* A domid naming some domain: a real id or DOMID_SELF. */
static bool bad_domid(hv_domid_t d)
{
	return d >= HV_DOMID_FIRST_RESERVED && d != HV_DOMID_SELF;
}

void *hv_mem_alloc(struct hv *hv, unsigned int npages, hv_frame_t *frames)
{
	if (!hv || !frames)
		return hv_fail_ptr(-EINVAL);
	if (bad_count(npages))
		return hv_fail_ptr(-ERANGE);
	return hv->ops->mem_alloc(hv, npages, frames);
}

int hv_mem_free(struct hv *hv, void *addr, unsigned int npages)
{
	if (!hv || !addr)
		return -EINVAL;
	if (bad_count(npages))
		return -ERANGE;
	return hv->ops->mem_free(hv, addr, npages);
}

int hv_grant_access(struct hv *hv, hv_domid_t to, hv_frame_t frame,
		    bool readonly, hv_gref_t *ref)
{
	if (!hv || !ref)
		return -EINVAL;
	if (to >= HV_DOMID_FIRST_RESERVED)
		return -ERANGE;
	return hv->ops->grant_access(hv, to, frame, readonly, ref);
}

int hv_grant_end(struct hv *hv, hv_gref_t ref)
{
	if (!hv)
		return -EINVAL;
	return hv->ops->grant_end(hv, ref);
}

void *hv_share_pages(struct hv *hv, hv_domid_t to, unsigned int npages,
		     bool writable, hv_gref_t *refs)
{
	if (!hv || !refs)
		return hv_fail_ptr(-EINVAL);
	if (to >= HV_DOMID_FIRST_RESERVED || bad_count(npages))
		return hv_fail_ptr(-ERANGE);
	return hv->ops->share_pages(hv, to, npages, writable, refs);
}

int hv_unshare_pages(struct hv *hv, void *addr, unsigned int npages)
{
	if (!hv || !addr)
		return -EINVAL;
	if (bad_count(npages))
		return -ERANGE;
	return hv->ops->unshare_pages(hv, addr, npages);
}

void *hv_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		   const hv_gref_t *refs, bool writable)
{
	if (!hv || !refs)
		return hv_fail_ptr(-EINVAL);
	if (bad_domid(from) || bad_count(count))
		return hv_fail_ptr(-ERANGE);
	return hv->ops->grant_map(hv, from, count, refs, writable);
}

int hv_grant_unmap(struct hv *hv, void *addr, unsigned int count)
{
	if (!hv || !addr)
		return -EINVAL;
	if (bad_count(count))
		return -ERANGE;
	return hv->ops->grant_unmap(hv, addr, count);
}

static int check_copy_ptr(const struct hv_copy_ptr *p, uint16_t len)
{
	if (!p->foreign)
		return p->local ? 0 : -EINVAL;
	if (bad_domid(p->domid))
		return -ERANGE;
	if ((unsigned int)p->offset + len > HV_PAGE_SIZE)
		return -ERANGE;
	return 0;
}

static int check_copy_seg(const struct hv_copy_seg *seg)
{
	int err = check_copy_ptr(&seg->src, seg->len);

	if (!err)
		err = check_copy_ptr(&seg->dst, seg->len);
	if (!err && !seg->src.foreign && !seg->dst.foreign)
		err = -EINVAL; /* GNTTABOP_copy needs a grant side */
	return err;
}

/*
 * Some segments failed the checks: hand only the others to the platform,
 * in a private array, and put their statuses back, so that no segment
 * reads 0 without having been copied.
 */
static int copy_valid_segments(struct hv *hv, unsigned int count,
			       struct hv_copy_seg *segs, unsigned int nvalid)
{
	struct hv_copy_seg *valid = calloc(nvalid, sizeof(*valid));
	unsigned int i, j;
	int ret;

	if (!valid)
		return -ENOMEM;
	for (i = 0, j = 0; i < count; i++)
		if (segs[i].status == 0)
			valid[j++] = segs[i];
	ret = hv->ops->grant_copy(hv, nvalid, valid);
	for (i = 0, j = 0; i < count; i++)
		if (segs[i].status == 0)
			segs[i].status = ret ? (int16_t)ret : valid[j++].status;
	free(valid);
	return 0;
}

int hv_grant_copy(struct hv *hv, unsigned int count, struct hv_copy_seg *segs)
{
	unsigned int i, bad = 0;

	if (!hv || !segs)
		return -EINVAL;
	if (bad_count(count))
		return -ERANGE;
	for (i = 0; i < count; i++) {
		segs[i].status = (int16_t)check_copy_seg(&segs[i]);
		bad += segs[i].status != 0;
	}
	if (bad == count)
		return -EINVAL;
	if (bad)
		return copy_valid_segments(hv, count, segs, count - bad);
	return hv->ops->grant_copy(hv, count, segs);
}

void *hv_foreign_map(struct hv *hv, hv_domid_t dom, unsigned int count,
		     const hv_frame_t *frames, bool writable)
{
	if (!hv || !frames)
		return hv_fail_ptr(-EINVAL);
	if (bad_domid(dom) || bad_count(count))
		return hv_fail_ptr(-ERANGE);
	/* A domain may always map its own memory (e.g. its xenstore page). */
	if (!hv->privileged && dom != HV_DOMID_SELF && dom != hv->self)
		return hv_fail_ptr(-EPERM);
	return hv->ops->foreign_map(hv, dom, count, frames, writable);
}

int hv_foreign_unmap(struct hv *hv, void *addr, unsigned int count)
{
	if (!hv || !addr)
		return -EINVAL;
	if (bad_count(count))
		return -ERANGE;
	return hv->ops->foreign_unmap(hv, addr, count);
}

int hv_xenstore_local_ring(struct hv *hv, void **ring, hv_port_t *port)
{
	if (!hv || !ring || !port)
		return -EINVAL;
	return hv->ops->xenstore_local_ring(hv, ring, port);
}

struct hv_evtchn *hv_evtchn_open(struct hv *hv)
{
	if (!hv)
		return hv_fail_ptr(-EINVAL);
	return hv->ops->evtchn_open(hv);
}

void hv_evtchn_close(struct hv_evtchn *ev)
{
	if (ev)
		ev->hv->ops->evtchn_close(ev);
}

int hv_evtchn_fd(const struct hv_evtchn *ev)
{
	return ev ? ev->fd : -EINVAL;
}

int hv_evtchn_alloc_unbound(struct hv_evtchn *ev, hv_domid_t remote)
{
	if (!ev)
		return -EINVAL;
	if (bad_domid(remote))
		return -ERANGE;
	return ev->hv->ops->evtchn_alloc_unbound(ev, remote);
}

int hv_evtchn_bind_interdomain(struct hv_evtchn *ev, hv_domid_t remote,
			       hv_port_t remote_port)
{
	if (!ev)
		return -EINVAL;
	if (bad_domid(remote))
		return -ERANGE;
	return ev->hv->ops->evtchn_bind_interdomain(ev, remote, remote_port);
}

int hv_evtchn_bind_virq(struct hv_evtchn *ev, unsigned int virq)
{
	if (!ev)
		return -EINVAL;
	return ev->hv->ops->evtchn_bind_virq(ev, virq);
}

int hv_evtchn_bind_existing(struct hv_evtchn *ev, hv_port_t port)
{
	if (!ev)
		return -EINVAL;
	if (!ev->hv->ops->evtchn_bind_existing)
		return -EOPNOTSUPP;
	return ev->hv->ops->evtchn_bind_existing(ev, port);
}

int hv_evtchn_unbind(struct hv_evtchn *ev, hv_port_t port)
{
	return ev ? ev->hv->ops->evtchn_unbind(ev, port) : -EINVAL;
}

int hv_evtchn_notify(struct hv_evtchn *ev, hv_port_t port)
{
	return ev ? ev->hv->ops->evtchn_notify(ev, port) : -EINVAL;
}

int hv_evtchn_pending(struct hv_evtchn *ev)
{
	return ev ? ev->hv->ops->evtchn_pending(ev) : -EINVAL;
}

/* A platform without a wait of its own: poll its fd, then take. */
static int poll_then_pending(struct hv_evtchn *ev, int timeout_ms)
{
	struct pollfd p = { .fd = ev->fd, .events = POLLIN };
	int n;

	for (;;) {
		n = poll(&p, 1, timeout_ms);
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EAGAIN;
		n = ev->hv->ops->evtchn_pending(ev);
		/* A wake-up with nothing to take: wait on (a time-out then
		 * counts from here; close enough for a fallback). */
		if (n != -EAGAIN || timeout_ms == 0)
			return n;
	}
}

int hv_evtchn_wait(struct hv_evtchn *ev, int timeout_ms)
{
	if (!ev)
		return -EINVAL;
	if (ev->hv->ops->evtchn_wait)
		return ev->hv->ops->evtchn_wait(ev, timeout_ms);
	return poll_then_pending(ev, timeout_ms);
}

int hv_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port)
{
	return ev ? ev->hv->ops->evtchn_unmask(ev, port) : -EINVAL;
}

int hv_evtchn_status(struct hv_evtchn *ev, hv_port_t port)
{
	return ev ? ev->hv->ops->evtchn_status(ev, port) : -EINVAL;
}

int hv_domain_create(struct hv *hv, const struct hv_domain_config *cfg,
		     hv_domid_t *domid)
{
	if (!hv || !cfg || !domid)
		return -EINVAL;
	if (cfg->domid >= HV_DOMID_FIRST_RESERVED)
		return -ERANGE;
	if (cfg->memory_kb == 0 || cfg->memory_kb % 4 || cfg->vcpus == 0)
		return -EINVAL;
	if (!hv->privileged)
		return -EPERM;
	return hv->ops->domain_create(hv, cfg, domid);
}

/* At most HV_EXEC_MAX_RO_DIRS; each path is checked by the platform. */
static bool ro_dirs_valid(char *const *dirs)
{
	unsigned int i;

	for (i = 0; dirs && dirs[i]; i++)
		if (i == HV_EXEC_MAX_RO_DIRS)
			return false;
	return true;
}

int hv_domain_exec(struct hv *hv, hv_domid_t domid, const struct hv_exec *x)
{
	if (!hv || !x || !x->path || !x->argv || !x->argv[0])
		return -EINVAL;
	if ((x->root && x->ro_dirs && x->ro_dirs[0]) ||
	    !ro_dirs_valid(x->ro_dirs))
		return -EINVAL;
	if (domid == 0 || domid >= HV_DOMID_FIRST_RESERVED)
		return -ERANGE;
	if (!hv->privileged)
		return -EPERM;
	return hv->ops->domain_exec(hv, domid, x);
}

/* Linux 6.16 (af_unix): whether the socket accepts SCM_RIGHTS. */
#ifndef SO_PASSRIGHTS
#define SO_PASSRIGHTS 83
#endif

int hv_stdio_pair(int *dom0, int *guest)
{
	int sv[2], off = 0;

	if (!dom0 || !guest)
		return -EINVAL;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* An older kernel cannot refuse files; xpv-hv then runs no guest
	 * (and on xen there is none to start). */
	setsockopt(sv[0], SOL_SOCKET, SO_PASSRIGHTS, &off, sizeof(off));
	*dom0 = sv[0];
	*guest = sv[1];
	return 0;
}

/* The domain-control calls that take only a target domain share one gate:
 * dom0 may name any domain but itself. */
static int check_target(struct hv *hv, hv_domid_t domid)
{
	if (!hv)
		return -EINVAL;
	if (domid == 0 || domid >= HV_DOMID_FIRST_RESERVED)
		return -ERANGE;
	if (!hv->privileged)
		return -EPERM;
	return 0;
}

int hv_domain_destroy(struct hv *hv, hv_domid_t domid)
{
	int err = check_target(hv, domid);

	return err ? err : hv->ops->domain_destroy(hv, domid);
}

int hv_domain_pause(struct hv *hv, hv_domid_t domid)
{
	int err = check_target(hv, domid);

	return err ? err : hv->ops->domain_pause(hv, domid);
}

int hv_domain_unpause(struct hv *hv, hv_domid_t domid)
{
	int err = check_target(hv, domid);

	return err ? err : hv->ops->domain_unpause(hv, domid);
}

int hv_domain_shutdown(struct hv *hv, hv_domid_t domid,
		       enum hv_shutdown_reason reason)
{
	if (!hv)
		return -EINVAL;
	if ((unsigned int)reason > HV_SHUTDOWN_WATCHDOG)
		return -EINVAL;
	if (domid == hv->self)
		domid = HV_DOMID_SELF;
	if (domid != HV_DOMID_SELF) {
		int err = check_target(hv, domid);

		if (err)
			return err;
	}
	return hv->ops->domain_shutdown(hv, domid, reason);
}

int hv_domain_set_max_memory(struct hv *hv, hv_domid_t domid, uint64_t max_kb)
{
	int err = check_target(hv, domid);

	if (!err && (max_kb == 0 || max_kb % 4))
		err = -EINVAL;
	return err ? err : hv->ops->domain_set_max_memory(hv, domid, max_kb);
}

int hv_domain_set_vcpus(struct hv *hv, hv_domid_t domid, uint32_t vcpus)
{
	int err = check_target(hv, domid);

	if (!err && vcpus == 0)
		err = -EINVAL;
	return err ? err : hv->ops->domain_set_vcpus(hv, domid, vcpus);
}

int hv_domain_sched_get(struct hv *hv, hv_domid_t domid,
			struct hv_sched_credit *s)
{
	int err = check_target(hv, domid);

	if (!err && !s)
		err = -EINVAL;
	if (!err && !hv->ops->domain_sched_get)
		err = -EOPNOTSUPP;
	return err ? err : hv->ops->domain_sched_get(hv, domid, s);
}

int hv_domain_sched_set(struct hv *hv, hv_domid_t domid,
			const struct hv_sched_credit *s)
{
	int err = check_target(hv, domid);

	if (!err && (!s || s->weight == 0 || s->weight > HV_SCHED_WEIGHT_MAX ||
		     s->cap > HV_SCHED_CAP_MAX))
		err = -EINVAL;
	if (!err && !hv->ops->domain_sched_set)
		err = -EOPNOTSUPP;
	return err ? err : hv->ops->domain_sched_set(hv, domid, s);
}

int hv_domain_pin(struct hv *hv, hv_domid_t domid, uint64_t cpumask)
{
	int err = check_target(hv, domid);

	if (!err && cpumask == 0)
		err = -EINVAL;
	if (!err && !hv->ops->domain_pin)
		err = -EOPNOTSUPP;
	return err ? err : hv->ops->domain_pin(hv, domid, cpumask);
}

int hv_host_cpus(struct hv *hv)
{
	if (!hv)
		return -EINVAL;
	if (!hv->ops->host_cpus)
		return -EOPNOTSUPP;
	return hv->ops->host_cpus(hv);
}

const char *hv_scheduler_name(struct hv *hv)
{
	if (!hv)
		return hv_fail_ptr(-EINVAL);
	if (!hv->ops->scheduler_name)
		return hv_fail_ptr(-EOPNOTSUPP);
	return hv->ops->scheduler_name(hv);
}

int hv_domain_list(struct hv *hv, struct hv_dominfo *info, unsigned int max)
{
	if (!hv || !info || max == 0)
		return -EINVAL;
	return hv->ops->domain_list(hv, info, max);
}

int hv_domain_info(struct hv *hv, hv_domid_t domid, struct hv_dominfo *info)
{
	if (!hv || !info)
		return -EINVAL;
	if (bad_domid(domid))
		return -ERANGE;
	return hv->ops->domain_info(hv, domid, info);
}

int hv_domain_start_info(struct hv *hv, hv_domid_t domid,
			 struct hv_start_info *si)
{
	if (!hv || !si)
		return -EINVAL;
	if (bad_domid(domid))
		return -ERANGE;
	if (domid != HV_DOMID_SELF && domid != hv->self && !hv->privileged)
		return -EPERM;
	return hv->ops->domain_start_info(hv, domid, si);
}

/* Devices made for a domain: optional ops (sim only). */
int hv_domain_ns_fd(struct hv *hv, hv_domid_t domid, const char *ns)
{
	if (!hv || !ns)
		return -EINVAL;
	if (bad_domid(domid))
		return -ERANGE;
	if (!hv->ops->domain_ns_fd)
		return -EOPNOTSUPP;
	if (!hv->privileged)
		return -EPERM;
	return hv->ops->domain_ns_fd(hv, domid, ns);
}

int hv_domain_give_fd(struct hv *hv, hv_domid_t domid, const char *tag, int fd)
{
	if (!hv || !tag || fd < 0)
		return -EINVAL;
	if (bad_domid(domid))
		return -ERANGE;
	if (!hv->ops->domain_give_fd)
		return -EOPNOTSUPP;
	if (!hv->privileged)
		return -EPERM;
	return hv->ops->domain_give_fd(hv, domid, tag, fd);
}

int hv_take_fd(struct hv *hv, const char *tag)
{
	if (!hv || !tag)
		return -EINVAL;
	if (!hv->ops->take_fd)
		return -EOPNOTSUPP;
	return hv->ops->take_fd(hv, tag);
}
