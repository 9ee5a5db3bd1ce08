/*
 * rx.c - guest receive: packets read from the TAP into the buffers the
 * guest posted on the rx ring.
 *
 * One batch: read packets from the TAP while the ring holds enough posted
 * buffers for the biggest packet the vif may get (q->rx_need), so that a
 * packet read is never left waiting; plan a grant-copy segment per page of
 * each packet into the buffers' grants; one hv_grant_copy; answer each
 * slot in the ring slot of the request it used (netif.h requires that of
 * backends: Linux's netfront ignores the rx id), the GSO extra info in the
 * slot after a packet's first; notify once.
 *
 * A guest that posts no buffers: the TAP's own queue holds what arrives
 * (the kernel bounds it, dropping beyond, as for any NIC); after
 * NB_RX_STALL_MS without buffers the vif loses its carrier, so the bridge
 * stops sending to it, and what the TAP held is read and dropped, counted.
 * Buffers again: carrier on.
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backend/netback/common.h"
#include "net/tap.h"

struct rx_batch {
	unsigned int n;
	unsigned int nsegs;
	unsigned int slots; /* requests taken */
	size_t used; /* bytes of rx_buf */
};

unsigned int nb_rx_slots_needed(const struct nb_vif *vif)
{
	unsigned int frame = vif->mtu + NET_ETH_MAX_HLEN;

	if (!vif->f.sg)
		return 1;
	if (vif->f.gso_tcpv4 || vif->f.gso_tcpv6)
		frame = NB_MAX_FRAME;
	return (frame + XPV_RING_PAGE_SIZE - 1) / XPV_RING_PAGE_SIZE + 1;
}

/*
 * Make the packet's metadata something the frontend takes; false when it
 * cannot be (then the packet is dropped). The frame's first avail bytes
 * are contiguous at data; a checksum to fill in needs the whole frame
 * there.
 */
static bool fit_frontend(const struct nb_vif *vif, uint8_t *data,
			 unsigned int avail, unsigned int len,
			 const struct virtio_net_hdr *h, struct net_meta *m)
{
	struct net_l4 l4;
	bool ok;

	if (!m->csum_blank)
		return true;
	if (net_parse_l4(data, avail, len, &l4))
		return false;
	ok = l4.ipv6 ? vif->f.ipv6_csum : vif->f.csum;
	if (ok)
		return true;
	if (m->gso_type != XPV_NETIF_GSO_TYPE_NONE || avail < len)
		return false;
	if (net_csum_fill(data, len, h->csum_start, h->csum_offset))
		return false;
	m->csum_blank = false;
	m->data_validated = true;
	return true;
}

static bool is_gso(const struct nb_rx_item *it)
{
	return it->meta.gso_type != XPV_NETIF_GSO_TYPE_NONE;
}

/* The data slots' lengths, page by page, and the slots in all (the GSO
 * extra takes the second). */
static void layout(struct nb_rx_item *it)
{
	unsigned int left = it->len, k = 0;

	while (left) {
		unsigned int chunk =
			left < XPV_RING_PAGE_SIZE ? left : XPV_RING_PAGE_SIZE;

		it->lens[k++] = (uint16_t)chunk;
		left -= chunk;
	}
	it->nslots = k + is_gso(it);
}

/* Slot k's request (k counted from the packet's first). */
static void request(struct nb_queue *q, struct rx_batch *b, unsigned int k,
		    struct xpv_netif_rx_request *req)
{
	xpv_back_copy_request(&q->rx, q->rx.req_cons + b->slots + k, req);
}

/* Take a copied packet's requests and plan its copies. */
static void plan(struct nb_queue *q, struct rx_batch *b, struct nb_rx_item *it)
{
	struct xpv_netif_rx_request req;
	unsigned int off = 0, k, d = 0;

	it->seg = b->nsegs;
	it->nsegs = 0;
	for (k = 0; k < it->nslots; k++) {
		struct hv_copy_seg *s;

		request(q, b, k, &req);
		it->ids[k] = req.id;
		if (k == 1 && is_gso(it))
			continue; /* the extra info's slot: its buffer unused */
		s = &q->rx_segs[b->nsegs++];
		s->src.foreign = false;
		s->src.local = it->data + off;
		s->dst.foreign = true;
		s->dst.domid = q->vif->cfg.domid;
		s->dst.ref = req.gref;
		s->dst.offset = 0;
		s->len = it->lens[d];
		off += it->lens[d++];
		it->nsegs++;
	}
}

/* Read one packet into rx_buf: 1 read, 0 dropped, -1 stop. */
static int read_copied(struct nb_queue *q, struct rx_batch *b)
{
	struct nb_rx_item *it = &q->rx_items[b->n];
	uint8_t *at = q->rx_buf + b->used;
	struct virtio_net_hdr h;
	ssize_t r = read(q->tap_fd, at, NB_MAX_FRAME + NB_VNET_HDR_LEN);

	if (r < 0) {
		if (errno == EAGAIN)
			q->tap_readable = false;
		return -1;
	}
	if ((size_t)r < NB_VNET_HDR_LEN + NET_ETH_HLEN)
		goto drop;
	memcpy(&h, at, sizeof(h));
	it->data = at + NB_VNET_HDR_LEN;
	it->len = (unsigned int)r - NB_VNET_HDR_LEN;
	if (net_meta_from_vnet(&h, &it->meta) ||
	    !fit_frontend(q->vif, it->data, it->len, it->len, &h, &it->meta))
		goto drop;
	layout(it);
	if (it->nslots > q->rx_need)
		goto drop;
	plan(q, b, it);
	b->used = (b->used + (size_t)r + 63) & ~(size_t)63;
	return 1;
drop:
	q->stats.rx_dropped++;
	return 0;
}

/*
 * Read one packet straight into the guest's posted buffers, kept mapped
 * (a frontend with feature-persistent): 1 read, 0 dropped, -1 stop, -2
 * when a buffer is not mapped (then the copy path reads it).
 *
 * The second slot is the GSO extra's when the packet is one, which is
 * known only once it is read: the frame goes into the first buffer and
 * then the third, fourth... A frame over one page that is not GSO then
 * moves its pages down by one (only with an MTU over a page).
 */
static int read_direct(struct nb_queue *q, struct rx_batch *b)
{
	struct nb_rx_item *it = &q->rx_items[b->n];
	struct iovec iov[1 + NB_RX_SLOTS_MAX];
	uint8_t *page[NB_RX_SLOTS_MAX];
	struct xpv_netif_rx_request req;
	struct virtio_net_hdr h;
	unsigned int k, n = 0, d;
	ssize_t r;

	for (k = 0; k < q->rx_need; k++) {
		request(q, b, k, &req);
		it->ids[k] = req.id;
		page[k] = nb_pgrant_get(q, req.gref, true);
		if (!page[k])
			return -2;
	}
	iov[n].iov_base = &h;
	iov[n++].iov_len = sizeof(h);
	for (k = 0; k < q->rx_need; k++)
		if (k != 1) {
			iov[n].iov_base = page[k];
			iov[n++].iov_len = XPV_RING_PAGE_SIZE;
		}
	r = readv(q->tap_fd, iov, (int)n);
	if (r < 0) {
		if (errno == EAGAIN)
			q->tap_readable = false;
		return -1;
	}
	if ((size_t)r < NB_VNET_HDR_LEN + NET_ETH_HLEN)
		goto drop;
	it->len = (unsigned int)r - NB_VNET_HDR_LEN;
	if (net_meta_from_vnet(&h, &it->meta))
		goto drop;
	layout(it);
	if (it->nslots > q->rx_need)
		goto drop;
	if (!is_gso(it))
		for (d = 1; d < it->nslots; d++)
			memcpy(page[d], page[d + 1], it->lens[d]);
	if (!fit_frontend(q->vif, page[0], it->lens[0], it->len, &h, &it->meta))
		goto drop;
	it->nsegs = 0;
	return 1;
drop:
	q->stats.rx_dropped++;
	return 0;
}

static void gather(struct nb_queue *q, struct rx_batch *b, unsigned int avail)
{
	int r;

	while (b->n < NB_RX_BATCH && q->tap_readable &&
	       avail - b->slots >= q->rx_need &&
	       b->used + NB_MAX_FRAME + NB_VNET_HDR_LEN <= NB_BUF_SIZE) {
		r = q->pg.on ? read_direct(q, b) : -2;
		if (r == -2)
			r = read_copied(q, b);
		if (r < 0)
			break;
		if (r == 0)
			continue;
		b->slots += q->rx_items[b->n].nslots;
		b->n++;
	}
}

static uint16_t first_flags(const struct nb_rx_item *it)
{
	uint16_t f = 0;

	if (it->meta.csum_blank)
		f |= XPV_NETRXF_CSUM_BLANK | XPV_NETRXF_DATA_VALIDATED;
	else if (it->meta.data_validated)
		f |= XPV_NETRXF_DATA_VALIDATED;
	if (it->meta.gso_type != XPV_NETIF_GSO_TYPE_NONE)
		f |= XPV_NETRXF_EXTRA_INFO;
	return f;
}

static void put_extra(struct nb_queue *q, const struct nb_rx_item *it)
{
	struct xpv_netif_extra_info e = {
		.type = XPV_NETIF_EXTRA_TYPE_GSO,
		.u.gso = { .size = it->meta.gso_size,
			   .type = it->meta.gso_type },
	};
	void *slot = xpv_back_next_response(&q->rx);

	memcpy(slot, &e, sizeof(e));
}

static void respond(struct nb_queue *q, const struct nb_rx_item *it)
{
	unsigned int k, d = 0, left = it->len;

	for (k = 0; k < it->nslots; k++) {
		struct xpv_netif_rx_response *rsp;

		if (k == 1 && is_gso(it)) {
			put_extra(q, it);
			continue;
		}
		left -= it->lens[d];
		rsp = xpv_back_next_response(&q->rx);
		rsp->id = it->ids[k];
		rsp->offset = 0;
		rsp->flags = (k == 0 ? first_flags(it) : 0) |
			     (left ? XPV_NETRXF_MORE_DATA : 0);
		rsp->status = it->failed ? XPV_NETIF_RSP_ERROR :
					   (int16_t)it->lens[d];
		d++;
	}
	if (it->failed) {
		q->stats.rx_errors++;
		return;
	}
	q->stats.rx_packets++;
	q->stats.rx_bytes += it->len;
}

/* A copied packet whose copy into the guest's buffers failed (a grant
 * not its own, read-only): every data slot is answered ERROR. */
static bool copy_failed(const struct nb_queue *q, const struct nb_rx_item *it)
{
	unsigned int i;

	for (i = 0; i < it->nsegs; i++)
		if (q->rx_segs[it->seg + i].status)
			return true;
	return false;
}

static void finish(struct nb_queue *q, struct rx_batch *b)
{
	unsigned int i;

	q->rx.req_cons += b->slots;
	if (b->nsegs)
		nb_grant_copy(q, b->nsegs, q->rx_segs);
	for (i = 0; i < b->n; i++) {
		struct nb_rx_item *it = &q->rx_items[i];

		it->failed = copy_failed(q, it);
		respond(q, it);
	}
	if (b->n && xpv_back_push_responses_and_check_notify(&q->rx))
		q->notify_rx = true;
}

/* Buffers again after a stall. */
static void unstall(struct nb_queue *q)
{
	q->rx_stall_at_ns = 0;
	nb_queue_update_timer(q);
	if (q->rx_stalled) {
		q->rx_stalled = false;
		net_tap_set_carrier(q->vif->tap0, true);
	}
}

/* Too few buffers for the next packet: ask for an event once enough are
 * posted (not at the next buffer: a wake-up for fewer than rx_need would
 * find nothing to do), and start the stall clock. Returns the buffers
 * there are after the re-check. */
static int wait_for_buffers(struct nb_queue *q)
{
	int n;

	__atomic_store_n(&q->rx.sring->req_event, q->rx.req_cons + q->rx_need,
			 __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	n = xpv_back_peek_requests(&q->rx, NULL);
	if (n >= 0 && (unsigned int)n < q->rx_need && !q->rx_stall_at_ns &&
	    !q->rx_stalled) {
		q->rx_stall_at_ns = nb_now_ns() + NB_RX_STALL_MS * 1000000ull;
		nb_queue_update_timer(q);
	}
	return n;
}

/* While stalled, what the TAP still hands over is dropped. */
static void drop_all(struct nb_queue *q)
{
	while (q->tap_readable) {
		if (read(q->tap_fd, q->rx_buf, NB_MAX_FRAME + NB_VNET_HDR_LEN) <
		    0) {
			if (errno == EAGAIN)
				q->tap_readable = false;
			return;
		}
		q->stats.rx_dropped++;
	}
}

void nb_rx_stall(struct nb_queue *q)
{
	int n = xpv_back_peek_requests(&q->rx, NULL);

	if (n < 0 || (unsigned int)n >= q->rx_need)
		return;
	q->rx_stalled = true;
	q->stats.rx_stalls++;
	net_tap_set_carrier(q->vif->tap0, false);
	drop_all(q);
}

bool nb_rx_work(struct nb_queue *q, unsigned int budget)
{
	int avail;

	while (budget-- > 0) {
		struct rx_batch b = { 0 };

		avail = xpv_back_peek_requests(&q->rx, NULL);
		if (avail < 0) {
			nb_queue_fatal(q, "rx ring: impossible request index");
			return false;
		}
		if ((unsigned int)avail >= q->rx_need &&
		    (q->rx_stalled || q->rx_stall_at_ns))
			unstall(q);
		if (q->rx_stalled) {
			drop_all(q);
			return false;
		}
		if (!q->tap_readable)
			return false;
		if ((unsigned int)avail < q->rx_need) {
			avail = wait_for_buffers(q);
			if (avail < 0 || (unsigned int)avail < q->rx_need)
				return false;
			continue;
		}
		gather(q, &b, (unsigned int)avail);
		finish(q, &b);
	}
	return true;
}
