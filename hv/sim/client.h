/*
 * client.h - the sim platform's side of hv.h inside every process that
 * calls hv_open(): the handle, its caches, and the request helper.
 * Private to hv/sim/client*.c.
 */
#ifndef XPV_HV_SIM_CLIENT_H
#define XPV_HV_SIM_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/platform.h"
#include "hv/sim/proto.h"
#include "hv/sim/shared.h"

/* Another domain's memory and grant table as a dom0 process holds them.
 * Valid while the domain table's slot still has gen; mappings made from it
 * keep a reference so they can be unmapped after the domain is gone. */
struct sim_fdom {
	struct sim_fdom *next;
	hv_domid_t domid;
	uint32_t gen;
	uint32_t nr_pages;
	int memfd;
	struct sim_grant_entry *gnttab;
	struct sim_active *active;
	uint8_t *mem; /* all of its memory, writable, made on first use */
	uint8_t *mem_ro; /* all of it again, read-only */
	unsigned int refs;
};

/* One result of hv_grant_map or hv_foreign_map. */
struct sim_mapping {
	struct sim_mapping *next; /* in its bucket, or among the spares */
	void *addr;
	unsigned int count;
	unsigned int cap; /* room in pins[] */
	bool writable;
	bool grant; /* pins[] to release at unmap */
	bool in_view; /* addr is inside fdom's view: nothing to munmap */
	struct sim_fdom *fdom; /* NULL for the caller's own memory */
	struct {
		hv_gref_t ref;
		uint32_t slot; /* in the pin log, or SIM_PINLOG_NONE */
		uint32_t frame; /* the frame pinned */
	} pins[];
};

/* Buckets of a handle's mapping table (client_maptab.c). */
#define SIM_MAP_BUCKETS 256u

/* One hv_mem_alloc or hv_share_pages allocation of our own memory. */
struct sim_alloc {
	struct sim_alloc *next;
	void *addr;
	unsigned int npages;
	hv_frame_t first;
	bool shared; /* from hv_share_pages: refs[] still granted */
	hv_gref_t refs[];
};

struct sim_hv {
	struct hv head;
	int sock;
	uint32_t nr_pages;
	int memfd;
	struct sim_grant_entry *gnttab;
	uint32_t gref_hint;
	const struct sim_port_status *status;
	const struct sim_domslot *domtab; /* dom0 only */
	struct sim_pinlog_entry *pinlog; /* dom0 only */
	uint32_t pinlog_hint;
	struct sim_fdom *fdoms;
	struct sim_mapping *maps[SIM_MAP_BUCKETS];
	struct sim_mapping *spare; /* one-page records for reuse */
	unsigned int nspare;
	struct sim_alloc *allocs;
};

#define SIM_GREF_ENDED UINT32_MAX

static inline struct sim_hv *to_sim(struct hv *hv)
{
	return (struct sim_hv *)hv;
}

/*
 * One request and its reply on sock. tail/tail_len and fds/nfds go with
 * the request; the reply header lands in *rep (may be NULL), its tail in
 * rtail (at most rtail_len bytes; the length received in *rtail_got if not
 * NULL), its fds in rfds[SIM_MSG_FDS] (may be NULL: they are closed).
 * Returns the reply's err (0 or -errno) or a transport -errno.
 */
int sim_rpc(int sock, const struct sim_req *req, const void *tail,
	    size_t tail_len, const int *fds, int nfds, struct sim_rep *rep,
	    void *rtail, size_t rtail_len, size_t *rtail_got, int *rfds);

/* A new private connection of the same domain as sock (made by xpv-hv),
 * or -errno. */
int sim_clone_conn(int sock);
/* Close a connection once xpv-hv has dropped its end (and so released
 * what was bound through it). */
void sim_close_conn(int sock);

/* Map n pages of fd at page offset first (MAP_SHARED), or NULL + errno. */
void *sim_map_fd(int fd, uint64_t first, size_t n, bool writable);

/* The foreign-domain cache (client_fdom.c). */
struct sim_fdom *sim_fdom_get(struct sim_hv *s, hv_domid_t domid, int *err);
/* The domain's whole memory, mapped writable or read-only (made once), or
 * NULL with *err. */
uint8_t *sim_fdom_view(struct sim_fdom *f, bool writable, int *err);
void sim_fdom_put(struct sim_fdom *f);
bool sim_fdom_alive(const struct sim_hv *s, const struct sim_fdom *f);
void sim_fdom_sweep(struct sim_hv *s);
void sim_fdom_forget(struct sim_hv *s, hv_domid_t domid);
void sim_fdom_drop_all(struct sim_hv *s);

/* The table of our mappings, by address (client_maptab.c). A record
 * for count pages, or NULL; sim_map_free keeps a few one-page ones. */
struct sim_mapping *sim_map_new(struct sim_hv *s, unsigned int count);
void sim_map_free(struct sim_hv *s, struct sim_mapping *m);
void sim_map_free_spares(struct sim_hv *s);
void sim_map_add(struct sim_hv *s, struct sim_mapping *m);
bool sim_map_addr_used(const struct sim_hv *s, const void *addr);
/* Unlink the mapping at addr if it has that count and kind; else NULL. */
struct sim_mapping *sim_map_take(struct sim_hv *s, void *addr,
				 unsigned int count, bool grant);
/* Unlink any mapping (at close), or NULL when none is left. */
struct sim_mapping *sim_map_take_any(struct sim_hv *s);

/* client_map.c: the pin log (shared.h). Note a grant pin: its slot, or
 * SIM_PINLOG_NONE when the log is full (then only the cleanup of that pin
 * is lost should we die). Forget it before releasing the pin: a pin
 * released twice could drop someone else's. Maps and copies both log. */
uint32_t sim_pin_log(struct sim_hv *s, const struct sim_fdom *f, hv_gref_t ref,
		     bool writable);
void sim_pin_unlog(struct sim_hv *s, uint32_t slot);

/* ops implemented per file */
void *sim_mem_alloc(struct hv *hv, unsigned int npages, hv_frame_t *frames);
int sim_mem_free(struct hv *hv, void *addr, unsigned int npages);
int sim_grant_access(struct hv *hv, hv_domid_t to, hv_frame_t frame,
		     bool readonly, hv_gref_t *ref);
int sim_grant_end(struct hv *hv, hv_gref_t ref);
void *sim_share_pages(struct hv *hv, hv_domid_t to, unsigned int npages,
		      bool writable, hv_gref_t *refs);
int sim_unshare_pages(struct hv *hv, void *addr, unsigned int npages);
void sim_free_allocs(struct sim_hv *s);

void *sim_grant_map(struct hv *hv, hv_domid_t from, unsigned int count,
		    const hv_gref_t *refs, bool writable);
int sim_grant_unmap(struct hv *hv, void *addr, unsigned int count);
int sim_grant_copy(struct hv *hv, unsigned int count, struct hv_copy_seg *segs);
void *sim_foreign_map(struct hv *hv, hv_domid_t dom, unsigned int count,
		      const hv_frame_t *frames, bool writable);
int sim_foreign_unmap(struct hv *hv, void *addr, unsigned int count);
void sim_unmap_all(struct sim_hv *s);

struct hv_evtchn *sim_evtchn_open(struct hv *hv);
void sim_evtchn_close(struct hv_evtchn *ev);
int sim_evtchn_alloc_unbound(struct hv_evtchn *ev, hv_domid_t remote);
int sim_evtchn_bind_interdomain(struct hv_evtchn *ev, hv_domid_t remote,
				hv_port_t remote_port);
int sim_evtchn_bind_virq(struct hv_evtchn *ev, unsigned int virq);
int sim_evtchn_bind_existing(struct hv_evtchn *ev, hv_port_t port);
int sim_evtchn_unbind(struct hv_evtchn *ev, hv_port_t port);
int sim_evtchn_notify(struct hv_evtchn *ev, hv_port_t port);
int sim_evtchn_pending(struct hv_evtchn *ev);
int sim_evtchn_wait(struct hv_evtchn *ev, int timeout_ms);
int sim_evtchn_unmask(struct hv_evtchn *ev, hv_port_t port);
int sim_evtchn_status(struct hv_evtchn *ev, hv_port_t port);

int sim_domain_create(struct hv *hv, const struct hv_domain_config *cfg,
		      hv_domid_t *domid);
int sim_domain_exec(struct hv *hv, hv_domid_t domid, const struct hv_exec *x);
/* client_handover.c */
int sim_domain_ns_fd(struct hv *hv, hv_domid_t domid, const char *ns);
int sim_domain_give_fd(struct hv *hv, hv_domid_t domid, const char *tag,
		       int fd);
int sim_take_fd(struct hv *hv, const char *tag);
int sim_domain_destroy(struct hv *hv, hv_domid_t domid);
int sim_domain_pause(struct hv *hv, hv_domid_t domid);
int sim_domain_unpause(struct hv *hv, hv_domid_t domid);
int sim_domain_shutdown(struct hv *hv, hv_domid_t domid,
			enum hv_shutdown_reason reason);
int sim_domain_set_max_memory(struct hv *hv, hv_domid_t domid, uint64_t max_kb);
int sim_domain_set_vcpus(struct hv *hv, hv_domid_t domid, uint32_t vcpus);
int sim_domain_sched_get(struct hv *hv, hv_domid_t domid,
			 struct hv_sched_credit *s);
int sim_domain_sched_set(struct hv *hv, hv_domid_t domid,
			 const struct hv_sched_credit *s);
int sim_domain_pin(struct hv *hv, hv_domid_t domid, uint64_t cpumask);
const char *sim_scheduler_name(struct hv *hv);
int sim_host_cpus(struct hv *hv);
int sim_domain_list(struct hv *hv, struct hv_dominfo *info, unsigned int max);
int sim_domain_info(struct hv *hv, hv_domid_t domid, struct hv_dominfo *info);
int sim_domain_start_info(struct hv *hv, hv_domid_t domid,
			  struct hv_start_info *si);

#endif /* XPV_HV_SIM_CLIENT_H */
