/*
 * tx_parse.c - one guest packet off the tx ring, validated as Linux's
 * xen-netback validates it (verdicts in tx_parse.h).
 *
 * A packet on the ring (xen/io/netif.h, "Guest transmit"):
 *
 *   first request   flags, size = the whole packet
 *   [extra info]*   if the first has EXTRA_INFO; each may say MORE
 *   [request]*      while the one before has MORE_DATA; size = its own
 *
 * The first request's own bytes are its size minus the sizes of those that
 * follow it.
 */
#include <string.h>

#include "backend/netback/tx_parse.h"

/* A tx ring slot holds a request or, in the same 12 bytes, an extra info
 * (8 bytes): copies out of the ring are always of the whole slot. */
union tx_slot {
	struct xpv_netif_tx_request req;
	struct xpv_netif_extra_info extra;
};
_Static_assert(sizeof(union tx_slot) == sizeof(struct xpv_netif_tx_request),
	       "a tx slot is a request's size");

struct cursor {
	const struct xpv_back_ring *r;
	xpv_ring_idx_t idx; /* next slot to read */
	uint32_t left; /* pushed slots not read yet */
};

static void take(struct cursor *c, union tx_slot *dst)
{
	xpv_back_copy_request(c->r, c->idx, dst);
	c->idx++;
	c->left--;
}

static void verdict(struct nb_tx_packet *p, enum nb_tx_verdict v,
		    const char *why)
{
	p->verdict = v;
	p->why = why;
}

/* The extra-info slots after the first request (xenvif_get_extras). */
static int read_extras(struct cursor *c, struct nb_tx_packet *p,
		       struct xpv_netif_extra_info *ex)
{
	struct xpv_netif_extra_info e;
	union tx_slot slot;

	do {
		if (c->left == 0) {
			verdict(p, NB_TX_FATAL, "missing extra info");
			return -1;
		}
		take(c, &slot);
		e = slot.extra;
		p->nextras++;
		if (e.type == XPV_NETIF_EXTRA_TYPE_NONE ||
		    e.type >= XPV_NETIF_EXTRA_TYPE_MAX) {
			verdict(p, NB_TX_FATAL, "invalid extra info type");
			return -1;
		}
		ex[e.type] = e;
	} while (e.flags & XPV_NETIF_EXTRA_FLAG_MORE);
	return 0;
}

/* The requests chained after the first (xenvif_count_requests). The
 * first's size becomes its own bytes. */
static int read_following(struct cursor *c, struct nb_tx_packet *p)
{
	struct xpv_netif_tx_request *first = &p->slot[0];
	union tx_slot t;
	const char *drop = NULL;
	unsigned int more = first->flags & XPV_NETTXF_MORE_DATA, n = 0;

	while (more) {
		if (c->left == 0) {
			verdict(p, NB_TX_FATAL,
				"packet runs past the pushed requests");
			return -1;
		}
		if (n >= NB_TX_SLOTS_FATAL) {
			verdict(p, NB_TX_FATAL,
				"too many slots for one packet");
			return -1;
		}
		if (!drop && n >= NB_TX_SLOTS_LEGACY)
			drop = "more slots than a packet may have";
		take(c, &t);
		/* A frame of 64 KiB or more wrapped the first size: buggy,
		 * not hostile, so only dropped. */
		if (!drop && t.req.size > first->size)
			drop = "slot larger than the packet's remaining size";
		first->size = (uint16_t)(first->size - t.req.size);
		if ((uint32_t)t.req.offset + t.req.size > XPV_RING_PAGE_SIZE) {
			verdict(p, NB_TX_FATAL, "slot crosses its page");
			return -1;
		}
		p->slot[++n] = t.req;
		more = t.req.flags & XPV_NETTXF_MORE_DATA;
	}
	p->nslots = n + 1;
	if (drop) {
		verdict(p, NB_TX_DROP, drop);
		return -1;
	}
	return 0;
}

static int check_gso(const struct xpv_netif_extra_info *gso,
		     struct nb_tx_packet *p)
{
	if (gso->type == XPV_NETIF_EXTRA_TYPE_NONE)
		return 0;
	if (gso->u.gso.size == 0) {
		verdict(p, NB_TX_FATAL, "GSO size 0");
		return -1;
	}
	if (gso->u.gso.type != XPV_NETIF_GSO_TYPE_TCPV4 &&
	    gso->u.gso.type != XPV_NETIF_GSO_TYPE_TCPV6) {
		verdict(p, NB_TX_FATAL, "bad GSO type");
		return -1;
	}
	p->meta.gso_type = gso->u.gso.type;
	p->meta.gso_size = gso->u.gso.size;
	return 0;
}

void nb_tx_parse(const struct xpv_back_ring *r, xpv_ring_idx_t prod,
		 struct nb_tx_packet *p)
{
	struct xpv_netif_extra_info ex[XPV_NETIF_EXTRA_TYPE_MAX];
	struct cursor c = { r, r->req_cons, prod - r->req_cons };
	struct xpv_netif_tx_request *first = &p->slot[0];
	union tx_slot t;

	/* Everything but the slots, which are filled as they are read: the
	 * caller reuses p for packet after packet. */
	memset(p, 0, offsetof(struct nb_tx_packet, slot));
	p->len = 0;
	memset(&p->meta, 0, sizeof(p->meta));
	memset(ex, 0, sizeof(ex));
	if (c.left == 0) {
		verdict(p, NB_TX_FATAL, "no request");
		return;
	}
	take(&c, &t);
	*first = t.req;
	p->nslots = 1;
	if ((first->flags & XPV_NETTXF_EXTRA_INFO) && read_extras(&c, p, ex))
		goto out;
	if (ex[XPV_NETIF_EXTRA_TYPE_MCAST_ADD].type ||
	    ex[XPV_NETIF_EXTRA_TYPE_MCAST_DEL].type) {
		/* As Linux: the request only carries the extra. */
		verdict(p, NB_TX_CONTROL, NULL);
		goto out;
	}
	p->len = first->size;
	if (read_following(&c, p))
		goto out;
	if (first->size < NET_ETH_HLEN) {
		verdict(p, NB_TX_DROP,
			"first slot shorter than an Ethernet header");
		goto out;
	}
	if ((uint32_t)first->offset + first->size > XPV_RING_PAGE_SIZE) {
		verdict(p, NB_TX_FATAL, "first slot crosses its page");
		goto out;
	}
	if (check_gso(&ex[XPV_NETIF_EXTRA_TYPE_GSO], p))
		goto out;
	p->meta.csum_blank = first->flags & XPV_NETTXF_CSUM_BLANK;
	p->meta.data_validated = first->flags & XPV_NETTXF_DATA_VALIDATED;
	verdict(p, NB_TX_SEND, NULL);
out:
	p->consumed = c.idx - r->req_cons;
}
