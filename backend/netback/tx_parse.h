/*
 * tx_parse.h - reading one guest packet off a tx ring, as Linux's
 * xen-netback reads it (drivers/net/xen-netback/netback.c:
 * xenvif_get_extras, xenvif_count_requests, xenvif_tx_build_gops), so that
 * a frontend sees the same verdicts from us as from Linux.
 *
 * Every slot is copied out of the shared ring once and only the copy is
 * looked at. The verdicts:
 *   SEND     a packet to deliver: its data slots, its metadata;
 *   CONTROL  a multicast add / del request (extra info only): answered
 *            OKAY, nothing is sent;
 *   DROP     malformed in a way buggy frontends are known to be (a frame
 *            over 64 KiB whose first size wrapped, more slots than
 *            NB_TX_SLOTS_LEGACY, a first slot shorter than an Ethernet
 *            header): every slot answered ERROR, the ring goes on;
 *   FATAL    a ring protocol violation (a chain running past what was
 *            pushed, NB_TX_SLOTS_FATAL following slots, a slot crossing
 *            its page, an invalid extra-info type, a bad GSO extra): the
 *            vif must be disconnected, and nothing is answered.
 */
#ifndef XPV_NETBACK_TX_PARSE_H
#define XPV_NETBACK_TX_PARSE_H

#include <stdint.h>

#include "net/vnet.h"
#include "ring/netif.h"

/* Following slots (after the first) beyond which a packet is dropped
 * (XEN_NETBK_LEGACY_SLOTS_MAX), and at which the frontend is cut off
 * (Linux's fatal_skb_slots default). */
#define NB_TX_SLOTS_LEGACY 18
#define NB_TX_SLOTS_FATAL 20
/* Data slots a packet may have in all: the first and the following. */
#define NB_TX_SLOTS_MAX (NB_TX_SLOTS_FATAL + 1)

enum nb_tx_verdict {
	NB_TX_SEND,
	NB_TX_CONTROL,
	NB_TX_DROP,
	NB_TX_FATAL,
};

struct nb_tx_packet {
	enum nb_tx_verdict verdict;
	const char *why; /* DROP, FATAL: why, for the log */
	unsigned int consumed; /* ring slots taken, extras included */
	unsigned int nextras; /* extra-info slots, right after the first */
	unsigned int nslots; /* data slots in slot[] */
	/* Data slots in ring order; slot[0].size is the first slot's own
	 * bytes (the whole packet's size is len). DROP keeps every id so
	 * that each slot can be answered. */
	struct xpv_netif_tx_request slot[NB_TX_SLOTS_MAX];
	uint16_t len; /* SEND: the packet's bytes */
	struct net_meta meta; /* SEND: flags and GSO */
};

/*
 * Read the packet that starts at r->req_cons, with requests up to prod
 * pushed (prod as xpv_back_peek_requests returned it, so prod - req_cons
 * is at most the ring size). r is not advanced: the caller consumes
 * p->consumed slots (all but FATAL).
 */
void nb_tx_parse(const struct xpv_back_ring *r, xpv_ring_idx_t prod,
		 struct nb_tx_packet *p);

#endif /* XPV_NETBACK_TX_PARSE_H */
