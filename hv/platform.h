/*
 * platform.h - what a platform (hv/sim, hv/xen) provides behind hv.h.
 *
 * hv.c holds the public functions: it checks what can be checked without
 * the platform (NULL pointers, zero counts, reserved domids) and dispatches
 * through the handle's ops table. A platform fills struct hv_ops and embeds
 * struct hv at the start of its own handle. Same error convention as hv.h.
 */
#ifndef XPV_HV_PLATFORM_H
#define XPV_HV_PLATFORM_H

#include <errno.h>

#include "hv/hv.h"

struct hv_ops;

/* The common head of every platform's handle. */
struct hv {
	const struct hv_ops *ops;
	enum hv_platform platform;
	hv_domid_t self;
	bool privileged;
};

/* The common head of every platform's event channel handle. */
struct hv_evtchn {
	struct hv *hv;
	int fd;
};

struct hv_ops {
	const char *name;
	void (*close)(struct hv *hv);

	void *(*mem_alloc)(struct hv *hv, unsigned int npages,
			   hv_frame_t *frames);
	int (*mem_free)(struct hv *hv, void *addr, unsigned int npages);
	int (*grant_access)(struct hv *hv, hv_domid_t to, hv_frame_t frame,
			    bool readonly, hv_gref_t *ref);
	int (*grant_end)(struct hv *hv, hv_gref_t ref);
	void *(*share_pages)(struct hv *hv, hv_domid_t to, unsigned int npages,
			     bool writable, hv_gref_t *refs);
	int (*unshare_pages)(struct hv *hv, void *addr, unsigned int npages);
	void *(*grant_map)(struct hv *hv, hv_domid_t from, unsigned int count,
			   const hv_gref_t *refs, bool writable);
	int (*grant_unmap)(struct hv *hv, void *addr, unsigned int count);
	int (*grant_copy)(struct hv *hv, unsigned int count,
			  struct hv_copy_seg *segs);
	void *(*foreign_map)(struct hv *hv, hv_domid_t dom, unsigned int count,
			     const hv_frame_t *frames, bool writable);
	int (*foreign_unmap)(struct hv *hv, void *addr, unsigned int count);
	int (*xenstore_local_ring)(struct hv *hv, void **ring, hv_port_t *port);

	struct hv_evtchn *(*evtchn_open)(struct hv *hv);
	void (*evtchn_close)(struct hv_evtchn *ev);
	int (*evtchn_alloc_unbound)(struct hv_evtchn *ev, hv_domid_t remote);
	int (*evtchn_bind_interdomain)(struct hv_evtchn *ev, hv_domid_t remote,
				       hv_port_t remote_port);
	int (*evtchn_bind_virq)(struct hv_evtchn *ev, unsigned int virq);
	int (*evtchn_unbind)(struct hv_evtchn *ev, hv_port_t port);
	int (*evtchn_notify)(struct hv_evtchn *ev, hv_port_t port);
	int (*evtchn_pending)(struct hv_evtchn *ev);
	int (*evtchn_unmask)(struct hv_evtchn *ev, hv_port_t port);
	int (*evtchn_status)(struct hv_evtchn *ev, hv_port_t port);

	int (*domain_create)(struct hv *hv, const struct hv_domain_config *cfg,
			     hv_domid_t *domid);
	int (*domain_exec)(struct hv *hv, hv_domid_t domid,
			   const struct hv_exec *x);
	int (*domain_destroy)(struct hv *hv, hv_domid_t domid);
	int (*domain_pause)(struct hv *hv, hv_domid_t domid);
	int (*domain_unpause)(struct hv *hv, hv_domid_t domid);
	int (*domain_shutdown)(struct hv *hv, hv_domid_t domid,
			       enum hv_shutdown_reason reason);
	int (*domain_set_max_memory)(struct hv *hv, hv_domid_t domid,
				     uint64_t max_kb);
	int (*domain_set_vcpus)(struct hv *hv, hv_domid_t domid,
				uint32_t vcpus);
	int (*domain_list)(struct hv *hv, struct hv_dominfo *info,
			   unsigned int max);
	int (*domain_info)(struct hv *hv, hv_domid_t domid,
			   struct hv_dominfo *info);
	int (*domain_start_info)(struct hv *hv, hv_domid_t domid,
				 struct hv_start_info *si);
	/* Optional (NULL: -EOPNOTSUPP). */
	int (*evtchn_bind_existing)(struct hv_evtchn *ev, hv_port_t port);
	/* Optional (NULL: hv.c polls the fd, then evtchn_pending). */
	int (*evtchn_wait)(struct hv_evtchn *ev, int timeout_ms);
	int (*domain_ns_fd)(struct hv *hv, hv_domid_t domid, const char *ns);
	int (*domain_give_fd)(struct hv *hv, hv_domid_t domid, const char *tag,
			      int fd);
	int (*take_fd)(struct hv *hv, const char *tag);
	/* Optional (NULL: -EOPNOTSUPP). */
	int (*domain_sched_get)(struct hv *hv, hv_domid_t domid,
				struct hv_sched_credit *s);
	int (*domain_sched_set)(struct hv *hv, hv_domid_t domid,
				const struct hv_sched_credit *s);
	int (*domain_pin)(struct hv *hv, hv_domid_t domid, uint64_t cpumask);
	const char *(*scheduler_name)(struct hv *hv);
	int (*host_cpus)(struct hv *hv);
};

/*
 * For a pointer-returning function that fails with err (a -errno, as the
 * int functions return): errno = -err, and NULL. The one place the sign
 * flips, so that every caller passes the same kind of code.
 */
static inline void *hv_fail_ptr(int err)
{
	errno = -err;
	return NULL;
}

/* Each platform's opener; on failure -errno and a sentence in why. */
int hv_sim_open(struct hv **hvp, char *why, size_t why_len);
int hv_xen_open(struct hv **hvp, char *why, size_t why_len);

#endif /* XPV_HV_PLATFORM_H */
