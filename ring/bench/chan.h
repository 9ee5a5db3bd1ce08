/*
 * chan.h - the two ends of the ring benchmark's channel: shared ring
 * pages and an event channel between a front-end and a back-end process.
 *
 * Two transports, the same calls:
 *  - hv: through the hypervisor interface (hv/hv.h) on whatever platform
 *    hv_open finds (sim: xpv-hv): the front end shares pages with
 *    hv_share_pages, the back end maps them with hv_grant_map, they bind
 *    an event channel (alloc_unbound / bind_interdomain) and wait by
 *    polling hv_evtchn_fd. This is what the benchmark measures.
 *  - raw: a memfd mapped by both processes and a pair of eventfds, with
 *    no hypervisor at all: the fallback when no xpv-hv is running, always
 *    labelled as such in the output.
 *
 * Setup crosses a socket pair made before fork (the "xenstore" of this
 * benchmark): the front end sends the grant references and port, or, raw,
 * the memfd and eventfds. All functions return 0 or -errno.
 */
#ifndef XPV_RING_BENCH_CHAN_H
#define XPV_RING_BENCH_CHAN_H

#include <stdbool.h>
#include <stddef.h>

#include "hv/hv.h"

#define CHAN_MAX_PAGES 16

struct chan {
	bool raw;
	bool front; /* shared the pages (else mapped them) */
	unsigned int npages;
	void *ring; /* npages pages, shared */
	int wait_fd; /* readable when the peer notified */
	/* hv */
	struct hv *hv;
	struct hv_evtchn *ev;
	hv_port_t port;
	/* raw */
	int mine, peer; /* eventfds: ours to wait on, the peer's to kick */
};

/* Front end: create the ring pages and the channel, send their names on
 * sock. */
int chan_front_open(struct chan *c, bool raw, unsigned int npages, int sock);
/* Back end: receive the names on sock, map the pages, bind the channel. */
int chan_back_open(struct chan *c, bool raw, int sock);
void chan_close(struct chan *c);

/* Kick the peer. */
int chan_notify(struct chan *c);
/* Sleep until the peer kicked us (timeout_ms < 0: for ever); -ETIMEDOUT. */
int chan_wait(struct chan *c, int timeout_ms);

/* Whether an hv connection can be opened here (xpv-hv running, or Xen);
 * why says why not. */
bool chan_hv_available(char *why, size_t why_len);

#endif /* XPV_RING_BENCH_CHAN_H */
