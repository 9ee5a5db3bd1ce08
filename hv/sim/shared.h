/*
 * shared.h - the memory the sim hypervisor shares with its clients, and the
 * grant-table operations both sides perform on it.
 *
 * Per domain, xpv-hv owns four memfds:
 *   - memory:  nr_pages pages; a frame number is a page index in it. Sealed
 *              against shrinking and growing, so a mapping of it never
 *              faults with SIGBUS whatever the guest does.
 *   - gnttab:  SIM_NR_GREFS grant entries, v1 layout (xen/grant_table.h
 *              grant_entry_v1_t). The guest writes it; mappers check it.
 *   - active:  one struct sim_active per grant entry: the pin counts of the
 *              mappers. Shared by xpv-hv and dom0 processes only, never by
 *              the guest, so a guest cannot forge or block them.
 *   - status:  one struct sim_port_status per event channel port, written
 *              by xpv-hv, mapped read-only by the domain's processes.
 * Plus one table for all domains (struct sim_domslot, indexed by domid),
 * mapped read-only by dom0 processes: a cached domain is still the same
 * domain while its slot's generation is unchanged.
 */
#ifndef XPV_HV_SIM_SHARED_H
#define XPV_HV_SIM_SHARED_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"

/* Grant entry flags, values of xen/grant_table.h. */
#define SIM_GTF_permit_access 1u
#define SIM_GTF_type_mask 3u
#define SIM_GTF_readonly (1u << 2)
#define SIM_GTF_reading (1u << 3)
#define SIM_GTF_writing (1u << 4)

/* Grant table size: 32 pages of v1 entries (16384 refs). The first 8 refs are reserved
 * as Xen's GNTTAB_NR_RESERVED_ENTRIES (console, xenstore). */
#define SIM_GNTTAB_PAGES 32u
#define SIM_NR_GREFS (SIM_GNTTAB_PAGES * HV_PAGE_SIZE / 8u)
#define SIM_FIRST_FREE_GREF 8u

/* Event channel ports per domain (dom0 needs a few per guest); port 0 is
 * never allocated, as on Xen. */
#define SIM_NR_PORTS 4096u
/* Domain ids below this; dom0 is 0. */
#define SIM_MAX_DOMS 1024u

/* A grant entry claimed by a granting process but not yet published: no
 * mapper's domid ever equals it. */
#define SIM_GREF_CLAIMED HV_DOMID_INVALID

struct sim_grant_entry {
	uint16_t flags;
	uint16_t domid;
	uint32_t frame;
};

/*
 * Mapper-side state of one grant, kept where the guest cannot write.
 * lock is 0 or the pid of the dom0 process holding it (so a holder that
 * died can be detected and the lock taken over).
 */
struct sim_active {
	uint32_t lock;
	uint16_t rpin; /* read-only mappings and copies in progress */
	uint16_t wpin; /* writable ones */
	uint32_t frame; /* the frame pinned by the first mapping */
	uint32_t pad;
};

struct sim_port_status {
	uint16_t state; /* enum hv_evtchn_state */
	uint16_t remote_dom;
	uint32_t gen; /* bumped on every change of this port */
};

struct sim_domslot {
	uint32_t gen; /* 0: no domain; else changes with each new domain */
	uint32_t nr_pages;
};

/*
 * A dom0 handle's pin log: every grant it holds mapped (or pinned for a
 * copy in progress), written by the handle after each pin and cleared
 * before each release. When the
 * handle's connection closes (the process exited or was killed without
 * unmapping) xpv-hv releases what the log still lists, as Linux's gntdev
 * unmaps on close, so the granter can end access again.
 */
#define SIM_PINLOG_ENTRIES 65536u
#define SIM_PINLOG_NONE UINT32_MAX

struct sim_pinlog_entry {
	uint32_t gen; /* the granting domain's generation; 0: slot free */
	uint16_t domid;
	uint8_t writable;
	uint8_t pad;
	uint32_t ref;
	uint32_t pad2;
};

/* --- granting side (shared_gnttab.c) --- */

/* Claim a free entry of table and publish a grant of frame to `to`.
 * *hint is where to start searching (updated). -ENOSPC when full. */
int sim_gnt_grant(struct sim_grant_entry *table, uint32_t *hint, hv_domid_t to,
		  uint32_t frame, bool readonly);
/* Revoke: -EBUSY while reading/writing is set, -ENOENT if not granted. */
int sim_gnt_end(struct sim_grant_entry *table, uint32_t ref);

/* --- mapping side: dom0 processes and xpv-hv --- */

/*
 * Pin grant ref of a table for domain `me`, as Xen's map and copy do:
 * check the entry (permit_access, granted to me, not readonly when
 * writable), set GTF_reading (and GTF_writing) with a compare-and-swap on
 * the flags+domid word, count the pin in act. The frame, checked against
 * nr_pages, goes to *frame. -ENOENT not granted, -EPERM granted to another
 * domain or read-only for a write, -ERANGE frame beyond memory, -EBUSY the
 * entry kept changing under us.
 */
int sim_gnt_acquire(struct sim_grant_entry *table, struct sim_active *act,
		    uint32_t ref, hv_domid_t me, bool writable,
		    uint32_t nr_pages, uint32_t *frame);
/* Drop one pin taken by sim_gnt_acquire; the last one clears the flags. */
void sim_gnt_release(struct sim_grant_entry *table, struct sim_active *act,
		     uint32_t ref, bool writable);

/* --- event channel transport (shared_evtchn.c) --- */

/* Bytes one drain takes: more than a sending end's default buffer holds
 * (about 280 one-byte sends), so one receive empties what a well-behaved
 * sender can queue. */
#define SIM_CHAN_DRAIN 512

/*
 * A binding's page (one memfd page, sealed): two pending words, one per
 * end (a cache line apart), written by both owners. A notify sets the
 * peer's word and rings only when it was clear; an owner clears its own
 * before handling the event. Which word is whose comes with the page.
 */
#define SIM_CHAN_WORD_OFFSET(i) ((i)*64u)
/* A new binding page: its fd, or -errno. */
int sim_chan_page(void);

/*
 * A port's doorbell: a one-way AF_UNIX stream from *tx (the sending end,
 * for the peer and xpv-hv) to *rx (the receiving end, for the owner).
 * *fds_refused says whether the kernel refuses file descriptors on it
 * (SO_PASSRIGHTS, Linux 6.16). 0 or -errno.
 */
int sim_chan_pair(int *rx, int *tx, bool *fds_refused);
/* Ring the doorbell without ever waiting: 0 when sent, when the stream
 * is full (an event is waiting already) or when its receiver is gone;
 * else -errno. */
int sim_chan_kick(int tx);
/* Take what is queued on rx without waiting: 0, or -EPIPE once every
 * sender shut the stream or went away, or -errno. */
int sim_chan_drain(int rx);

#endif /* XPV_HV_SIM_SHARED_H */
