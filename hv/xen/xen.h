/*
 * hv/xen/xen.h - private to the xen platform: its handle and the pieces its
 * files share. Nothing outside hv/xen/ includes this; the contract is
 * hv/hv.h and hv/platform.h.
 *
 * The platform is a thin layer over Debian's libxen* 4.17 (Linux privcmd,
 * gntdev, gntalloc and evtchn devices underneath). What it adds: argument
 * checks before any library call, DOMID_SELF resolved to the real id where
 * Xen would not accept it, Xen's status codes turned into -errno, and a
 * record of every mapping it made so that an address handed back to it is
 * one it gave out (the libraries would munmap whatever they are given).
 */
#ifndef XPV_HV_XEN_H
#define XPV_HV_XEN_H

#define __XEN_TOOLS__ 1
#include <xenctrl.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>

#include "hv/platform.h"

/* Highest port + 1 any Xen ABI can name (FIFO event channels). */
#define XEN_MAX_PORTS (1u << 17)
/* A frame number beyond 52 physical address bits names no memory. */
#define XEN_MAX_FRAME ((1ull << (52 - HV_PAGE_SHIFT)) - 1)

/* One mapping made through the handle: shared pages (refs are their
 * grants), grant maps (refs are the foreign grants), foreign maps (no refs). */
struct xen_region {
	struct xen_region *next;
	void *addr;
	unsigned int count;
	hv_domid_t domid;
	hv_gref_t refs[];
};

/* A PV domain this handle built: what only its builder knows (build.c). */
struct xen_built {
	struct xen_built *next;
	struct hv_start_info si;
};

struct hv_xen {
	struct hv hv; /* first: hv.c sees only this */
	xc_interface *xc;
	xengnttab_handle *gnttab;
	xengntshr_handle *gntshr; /* NULL without /dev/xen/gntalloc */
	xenforeignmemory_handle *fmem;
	struct xen_region *shares;
	struct xen_region *maps;
	struct xen_region *foreign;
	struct xen_built *built; /* domains hv_domain_create built */
	void *xsd_ring; /* /proc/xen/xsd_kva, mapped on first request */
	hv_port_t xsd_port;
};

static inline struct hv_xen *to_xen(struct hv *hv)
{
	return (struct hv_xen *)hv;
}

/* handle.c: a logger that drops everything (libxen*'s default one prints
 * to stderr, and hv.h promises that nothing here prints; shared,
 * stateless), and the domid Xen should be given. */
extern struct xentoollog_logger xen_quiet_logger;

/* The id Xen should be given for `d`: HV_DOMID_SELF becomes the caller's
 * real id when it is known (grant maps and copies do not accept
 * DOMID_SELF). */
hv_domid_t xen_domid(const struct hv_xen *x, hv_domid_t d);

/* region.c: the record of mappings. */
int xen_region_add(struct xen_region **list, void *addr, unsigned int count,
		   hv_domid_t domid, const hv_gref_t *refs);
/* Unlink and return the region that starts at addr and spans exactly count
 * pages; NULL (nothing unlinked) when there is none. Caller frees it. */
struct xen_region *xen_region_take(struct xen_region **list, void *addr,
				   unsigned int count);
/* Is grant `ref` of domain `domid` inside any region of list? Only for
 * the lists that keep refs (shares, maps). */
bool xen_region_has_ref(const struct xen_region *list, hv_domid_t domid,
			hv_gref_t ref);
/* Is `ref` inside any region of list, whatever its domain? */
bool xen_region_holds_ref(const struct xen_region *list, hv_gref_t ref);

/* grant.c */
void *xen_mem_alloc(struct hv *hv, unsigned int npages, hv_frame_t *frames);
int xen_mem_free(struct hv *hv, void *addr, unsigned int npages);
int xen_grant_access(struct hv *hv, hv_domid_t to, hv_frame_t frame,
		     bool readonly, hv_gref_t *ref);
int xen_grant_end(struct hv *hv, hv_gref_t ref);
void *xen_share_pages(struct hv *hv, hv_domid_t to, unsigned int npages,
		      bool writable, hv_gref_t *refs);
int xen_unshare_pages(struct hv *hv, void *addr, unsigned int npages);
void *xen_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable);
int xen_grant_unmap(struct hv *hv, void *addr, unsigned int count);
/* Drop every share and grant map still held (hv_close). */
void xen_grant_release_all(struct hv_xen *x);

/* diagnose.c: after gntdev refused a map of these grants, why (-errno). */
int xen_map_refused(struct hv_xen *x, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable);

/* copy.c */
int xen_grant_copy(struct hv *hv, unsigned int count, struct hv_copy_seg *segs);
/* Xen's GNTST_* status as -errno. */
int xen_gntst_errno(int16_t status);
/* The same for grant `ref` of domain `dom`, told apart further where the
 * grant is the caller's own (see copy.c). */
int xen_grant_status(const struct hv_xen *x, int16_t status, hv_domid_t dom,
		     hv_gref_t ref);

/* foreign.c */
void *xen_foreign_map(struct hv *hv, hv_domid_t dom, unsigned int count,
		      const hv_frame_t *frames, bool writable);
int xen_foreign_unmap(struct hv *hv, void *addr, unsigned int count);
int xen_xenstore_local_ring(struct hv *hv, void **ring, hv_port_t *port);
void xen_foreign_release_all(struct hv_xen *x);

/* build.c: the start info of a domain this handle built, or NULL; forget
 * it (destroy), forget them all (hv_close). */
const struct hv_start_info *xen_built_info(const struct hv_xen *x,
					   hv_domid_t domid);
void xen_built_forget(struct hv_xen *x, hv_domid_t domid);
void xen_built_release_all(struct hv_xen *x);

/* evtchn.c */
struct hv_evtchn *xen_evtchn_open(struct hv *hv);
void xen_evtchn_close(struct hv_evtchn *ev);
int xen_evtchn_alloc_unbound(struct hv_evtchn *ev, hv_domid_t remote);
int xen_evtchn_bind_interdomain(struct hv_evtchn *ev, hv_domid_t remote,
				hv_port_t remote_port);
int xen_evtchn_bind_virq(struct hv_evtchn *ev, unsigned int virq);
int xen_evtchn_unbind(struct hv_evtchn *ev, hv_port_t port);
int xen_evtchn_notify(struct hv_evtchn *ev, hv_port_t port);
int xen_evtchn_pending(struct hv_evtchn *ev);
int xen_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port);
int xen_evtchn_status(struct hv_evtchn *ev, hv_port_t port);

/* domain.c */
int xen_domain_create(struct hv *hv, const struct hv_domain_config *cfg,
		      hv_domid_t *domid);
int xen_domain_exec(struct hv *hv, hv_domid_t domid, const struct hv_exec *x);
int xen_domain_destroy(struct hv *hv, hv_domid_t domid);
int xen_domain_pause(struct hv *hv, hv_domid_t domid);
int xen_domain_unpause(struct hv *hv, hv_domid_t domid);
int xen_domain_shutdown(struct hv *hv, hv_domid_t domid,
			enum hv_shutdown_reason reason);
int xen_domain_set_max_memory(struct hv *hv, hv_domid_t domid, uint64_t max_kb);
int xen_domain_set_vcpus(struct hv *hv, hv_domid_t domid, uint32_t vcpus);
int xen_domain_sched_get(struct hv *hv, hv_domid_t domid,
			 struct hv_sched_credit *s);
int xen_domain_sched_set(struct hv *hv, hv_domid_t domid,
			 const struct hv_sched_credit *s);
int xen_domain_pin(struct hv *hv, hv_domid_t domid, uint64_t cpumask);
const char *xen_scheduler_name(struct hv *hv);
int xen_host_cpus(struct hv *hv);
int xen_domain_list(struct hv *hv, struct hv_dominfo *info, unsigned int max);
int xen_domain_info(struct hv *hv, hv_domid_t domid, struct hv_dominfo *info);
int xen_domain_start_info(struct hv *hv, hv_domid_t domid,
			  struct hv_start_info *si);

#endif /* XPV_HV_XEN_H */
