/*
 * rx.c - netfront's receive side: the guest posts empty granted pages on
 * the rx ring, the backend copies packets into them and answers; each
 * packet is written to the NIC with one writev straight from those pages
 * (no copy in the guest), and the pages are posted again.
 *
 * netif.h: a response sits in the ring slot of the request whose buffer
 * it used (an extra info too), so the buffer of a response is found by
 * its slot, never by the id the backend wrote. A packet is its first
 * response (flags, the first bytes), its extra infos when EXTRA_INFO
 * says so, then its further data while MORE_DATA says so. Offsets and
 * lengths are checked against the page, and the slot count against
 * NF_RX_MAX_SLOTS; a packet that fails is dropped whole.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "frontend/net/common.h"

/* One received packet, gathered from its responses. */
struct rx_pkt {
	unsigned int nslots; /* ring slots taken, extras included */
	unsigned int ndata;
	struct iovec iov[1 + NF_RX_MAX_SLOTS];
	unsigned int len;
	struct net_meta meta;
	bool bad;
};

static uint8_t *rx_page(struct nf_queue *q, unsigned int buf)
{
	return q->rx_pages + (size_t)buf * XPV_RING_PAGE_SIZE;
}

static unsigned int slot_of(const struct nf_queue *q, xpv_ring_idx_t idx)
{
	return idx & (q->rx.nr_ents - 1);
}

void nf_rx_refill(struct nf_queue *q)
{
	unsigned int posted = 0;

	while (q->rx_nfree > 0 && !xpv_front_full(&q->rx)) {
		uint16_t buf = q->rx_free[--q->rx_nfree];
		xpv_ring_idx_t idx = q->rx.req_prod_pvt;
		struct xpv_netif_rx_request *r = xpv_front_next_request(&q->rx);

		r->id = buf;
		r->pad = 0;
		r->gref = q->rx_grefs[buf];
		q->rx_slot_buf[slot_of(q, idx)] = buf;
		posted++;
	}
	if (posted && xpv_front_push_requests_and_check_notify(&q->rx))
		nf_notify(q, q->rx_port);
}

static void take_extra(struct nf_queue *q, xpv_ring_idx_t idx, struct rx_pkt *p,
		       bool *more)
{
	struct xpv_netif_rx_response raw;
	struct xpv_netif_extra_info e;

	xpv_front_copy_response(&q->rx, idx, &raw);
	memcpy(&e, &raw, sizeof(e));
	*more = e.flags & XPV_NETIF_EXTRA_FLAG_MORE;
	if (e.type == XPV_NETIF_EXTRA_TYPE_GSO) {
		if ((e.u.gso.type != XPV_NETIF_GSO_TYPE_TCPV4 &&
		     e.u.gso.type != XPV_NETIF_GSO_TYPE_TCPV6) ||
		    e.u.gso.size == 0)
			p->bad = true;
		p->meta.gso_type = e.u.gso.type;
		p->meta.gso_size = e.u.gso.size;
	} else if (e.type == XPV_NETIF_EXTRA_TYPE_NONE ||
		   e.type >= XPV_NETIF_EXTRA_TYPE_MAX) {
		p->bad = true;
	}
}

static void take_data(struct nf_queue *q, xpv_ring_idx_t idx,
		      const struct xpv_netif_rx_response *rsp, struct rx_pkt *p)
{
	unsigned int buf = q->rx_slot_buf[slot_of(q, idx)];

	if (rsp->status <= 0 ||
	    (unsigned int)rsp->offset + (unsigned int)rsp->status >
		    XPV_RING_PAGE_SIZE ||
	    p->ndata >= NF_RX_MAX_SLOTS) {
		p->bad = true;
		return;
	}
	p->iov[1 + p->ndata].iov_base = rx_page(q, buf) + rsp->offset;
	p->iov[1 + p->ndata].iov_len = (size_t)rsp->status;
	p->ndata++;
	p->len += (unsigned int)rsp->status;
}

/*
 * Gather the packet starting at rsp_cons from the n responses there are.
 * Returns false when its last response is not there yet.
 */
static bool gather(struct nf_queue *q, unsigned int n, struct rx_pkt *p)
{
	struct xpv_netif_rx_response rsp;
	xpv_ring_idx_t idx = q->rx.rsp_cons;
	bool more_extra, more_data;
	uint16_t first;

	memset(p, 0, sizeof(*p));
	if (n == 0)
		return false;
	xpv_front_copy_response(&q->rx, idx++, &rsp);
	first = rsp.flags;
	take_data(q, idx - 1, &rsp, p);
	more_data = rsp.flags & XPV_NETRXF_MORE_DATA;
	more_extra = rsp.flags & XPV_NETRXF_EXTRA_INFO;
	while (more_extra) {
		if (idx - q->rx.rsp_cons >= n)
			return false;
		take_extra(q, idx++, p, &more_extra);
	}
	while (more_data) {
		if (idx - q->rx.rsp_cons >= n)
			return false;
		xpv_front_copy_response(&q->rx, idx++, &rsp);
		take_data(q, idx - 1, &rsp, p);
		more_data = rsp.flags & XPV_NETRXF_MORE_DATA;
	}
	p->nslots = idx - q->rx.rsp_cons;
	p->meta.csum_blank = first & XPV_NETRXF_CSUM_BLANK;
	p->meta.data_validated = first & XPV_NETRXF_DATA_VALIDATED;
	return true;
}

static void deliver(struct nf_queue *q, struct rx_pkt *p)
{
	struct virtio_net_hdr h;

	if (p->bad || p->len < NET_ETH_HLEN ||
	    net_vnet_from_meta(&p->meta, p->iov[1].iov_base, p->iov[1].iov_len,
			       p->len, &h)) {
		q->stats.rx_errors++;
		return;
	}
	p->iov[0].iov_base = &h;
	p->iov[0].iov_len = sizeof(h);
	if (writev(q->tap_fd, p->iov, (int)(1 + p->ndata)) < 0) {
		q->stats.rx_dropped++;
		return;
	}
	q->stats.rx_packets++;
	q->stats.rx_bytes += p->len;
}

/* Give the packet's buffers back, and consume its responses. */
static void release(struct nf_queue *q, unsigned int nslots)
{
	while (nslots-- > 0) {
		q->rx_free[q->rx_nfree++] =
			q->rx_slot_buf[slot_of(q, q->rx.rsp_cons)];
		q->rx.rsp_cons++;
	}
}

int nf_rx_poll(struct nf_queue *q, unsigned int budget)
{
	struct rx_pkt p;
	int n, got = 0;

	for (;;) {
		n = xpv_front_peek_responses(&q->rx, NULL);
		if (n < 0)
			return n;
		while (budget > 0 && gather(q, (unsigned int)n, &p)) {
			deliver(q, &p);
			release(q, p.nslots);
			n -= (int)p.nslots;
			budget--;
			got++;
		}
		if (n > 0 && budget > 0 &&
		    (unsigned int)n == q->rx.req_prod_pvt - q->rx.rsp_cons) {
			/* Every buffer answered and still no end to the
			 * packet: it never ends. */
			q->stats.rx_errors++;
			release(q, (unsigned int)n);
		}
		nf_rx_refill(q);
		if (budget == 0) {
			/* Responses may be left, and the backend notifies
			 * only past rsp_event, which is not armed: the
			 * caller must come back without an event. */
			q->more = true;
			return got;
		}
		n = xpv_front_final_check_for_responses(&q->rx);
		if (n < 0)
			return n;
		if (n == 0 || !gather(q, (unsigned int)n, &p))
			return got;
	}
}
