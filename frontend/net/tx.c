/*
 * tx.c - netfront's transmit side: frames the guest's kernel sends on the
 * NIC go onto the tx ring, read by one readv straight into granted pages
 * (no copy in the guest); the backend's answers free the pages again.
 *
 * A packet on the ring (xen/io/netif.h): its first request with the whole
 * size and the checksum flags, the GSO extra info next if it is one, then
 * one request per further page, chained with MORE_DATA. Requests are
 * numbered by the page they carry, so an answer names a page; the
 * backend's ids are checked against the pages in flight.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "frontend/net/common.h"

int nf_notify(struct nf_queue *q, int port)
{
	return hv_evtchn_notify(xenbus_dev_evtchn(q->nf->dev), (hv_port_t)port);
}

/* Pages one frame may take: a GSO frame's 64 KiB, or the MTU's worth. */
static unsigned int max_pages(const struct netfront *nf)
{
	if (nf->sg && (nf->gso_tcpv4 || nf->gso_tcpv6))
		return NF_TX_MAX_PAGES;
	return (nf->mtu + NET_ETH_MAX_HLEN + XPV_RING_PAGE_SIZE - 1) /
	       XPV_RING_PAGE_SIZE;
}

static uint8_t *tx_page(struct nf_queue *q, unsigned int id)
{
	return q->tx_pages + (size_t)id * XPV_RING_PAGE_SIZE;
}

/*
 * Take the backend's answers, freeing their pages. An event for later
 * answers is asked for (want_event) only by a sender out of pages or
 * slots: one with enough left collects answers when the NIC next wakes
 * it, so the backend need not wake it for each batch it sent (Linux's
 * netfront is interrupted for them; here each is a wake-up of this
 * process on a shared CPU).
 */
int nf_tx_gc(struct nf_queue *q, bool want_event)
{
	struct xpv_netif_tx_response rsp;
	int n;

	do {
		n = xpv_front_peek_responses(&q->tx, NULL);
		if (n < 0)
			return n;
		while (n-- > 0) {
			xpv_front_take_response(&q->tx, &rsp);
			if (rsp.status == XPV_NETIF_RSP_NULL)
				continue;
			if (rsp.id >= NF_TX_BUFS || !q->tx_busy[rsp.id])
				continue; /* not one of ours in flight */
			q->tx_busy[rsp.id] = false;
			q->tx_free[q->tx_nfree++] = rsp.id;
		}
		n = want_event ? xpv_front_final_check_for_responses(&q->tx) :
				 0;
	} while (n > 0);
	return n;
}

static void put_request(struct nf_queue *q, uint16_t id, uint16_t flags,
			uint16_t size)
{
	struct xpv_netif_tx_request *r = xpv_front_next_request(&q->tx);

	r->gref = q->tx_grefs[id];
	r->offset = 0;
	r->flags = flags;
	r->id = id;
	r->size = size;
	q->tx_busy[id] = true;
}

static void put_gso(struct nf_queue *q, const struct net_meta *m)
{
	struct xpv_netif_extra_info e = {
		.type = XPV_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = m->gso_size, .type = m->gso_type },
	};
	void *slot = xpv_front_next_request(&q->tx);

	memcpy(slot, &e, sizeof(e));
}

/* Fill in an IPv6 blank checksum the backend would not take (a frame in
 * one page only). */
static bool fit_backend(struct nf_queue *q, uint8_t *frame, unsigned int len,
			const struct virtio_net_hdr *h, struct net_meta *m)
{
	struct net_l4 l4;

	if (!m->csum_blank || q->nf->ipv6_csum)
		return true;
	if (net_parse_l4(frame, len, len, &l4))
		return false;
	if (!l4.ipv6)
		return true;
	if (m->gso_type || len > XPV_RING_PAGE_SIZE ||
	    net_csum_fill(frame, len, h->csum_start, h->csum_offset))
		return false;
	m->csum_blank = false;
	m->data_validated = true;
	return true;
}

/* Put the frame read into the pages ids[0..) on the ring. */
static void enqueue(struct nf_queue *q, const uint16_t *ids, unsigned int len,
		    const struct net_meta *m)
{
	unsigned int npages = (len + XPV_RING_PAGE_SIZE - 1) /
			      XPV_RING_PAGE_SIZE,
		     i, left = len;
	uint16_t flags = 0;

	if (m->csum_blank)
		flags |= XPV_NETTXF_CSUM_BLANK | XPV_NETTXF_DATA_VALIDATED;
	else if (m->data_validated)
		flags |= XPV_NETTXF_DATA_VALIDATED;
	if (m->gso_type)
		flags |= XPV_NETTXF_EXTRA_INFO;
	if (npages > 1)
		flags |= XPV_NETTXF_MORE_DATA;
	put_request(q, ids[0], flags, (uint16_t)len);
	if (m->gso_type)
		put_gso(q, m);
	left -= len < XPV_RING_PAGE_SIZE ? len : XPV_RING_PAGE_SIZE;
	for (i = 1; i < npages; i++) {
		unsigned int chunk =
			left < XPV_RING_PAGE_SIZE ? left : XPV_RING_PAGE_SIZE;

		left -= chunk;
		put_request(q, ids[i], left ? XPV_NETTXF_MORE_DATA : 0,
			    (uint16_t)chunk);
	}
	q->tx_nfree -= npages;
	q->stats.tx_packets++;
	q->stats.tx_bytes += len;
}

/* Read one frame from the NIC: 1 sent, 0 dropped, -1 nothing more now. */
static int tx_one(struct nf_queue *q, unsigned int pages)
{
	struct iovec iov[1 + NF_TX_MAX_PAGES];
	uint16_t ids[NF_TX_MAX_PAGES];
	struct virtio_net_hdr h;
	struct net_meta m;
	unsigned int i, len;
	ssize_t r;

	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	for (i = 0; i < pages; i++) {
		ids[i] = q->tx_free[q->tx_nfree - 1 - i];
		iov[1 + i].iov_base = tx_page(q, ids[i]);
		iov[1 + i].iov_len = XPV_RING_PAGE_SIZE;
	}
	r = readv(q->tap_fd, iov, (int)(1 + pages));
	if (r < 0) {
		if (errno == EAGAIN)
			q->tap_readable = false;
		return -1;
	}
	len = (unsigned int)r - (unsigned int)sizeof(h);
	if ((size_t)r < sizeof(h) + NET_ETH_HLEN ||
	    len > XPV_NETIF_MAX_TX_SIZE || net_meta_from_vnet(&h, &m) ||
	    !fit_backend(q, tx_page(q, ids[0]), len, &h, &m)) {
		q->stats.tx_dropped++;
		return 0;
	}
	enqueue(q, ids, len, &m);
	return 1;
}

int nf_tx_from_tap(struct nf_queue *q, unsigned int budget)
{
	unsigned int pages = max_pages(q->nf), n;
	int sent = 0, r = 0;

	for (n = 0; n < budget && q->tap_readable; n++) {
		if (q->tx_nfree < pages ||
		    xpv_front_free_requests(&q->tx) < pages + 1) {
			r = nf_tx_gc(q, true);
			if (r < 0)
				return r;
			if (q->tx_nfree < pages ||
			    xpv_front_free_requests(&q->tx) < pages + 1)
				break; /* an answer will wake us */
		}
		r = tx_one(q, pages);
		if (r < 0)
			break;
		sent += r;
	}
	if (sent && xpv_front_push_requests_and_check_notify(&q->tx))
		nf_notify(q, q->tx_port);
	/* The TAP is edge-triggered: frames left there bring no new event. */
	if (n == budget && q->tap_readable)
		q->more = true;
	return sent;
}
