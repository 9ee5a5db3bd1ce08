/*
 * tx.c - guest transmit: packets off the tx ring into the TAP.
 *
 * One batch: read packets off the ring (tx_parse.c validates each on a
 * private copy of its slots), plan one grant-copy segment per data slot
 * into tx_buf, copy them all with one hv_grant_copy, write each packet to
 * the TAP with its virtio-net header, answer every slot in ring order; the
 * frontend is notified, if it asked, once the queue's turn is over.
 *
 * Answers, as Linux's netback gives them: OKAY for a packet handed to the
 * TAP (even if the TAP then refused it, which only counts as a drop);
 * ERROR for a packet dropped as malformed, for a grant the copy refused,
 * or for metadata that does not fit the frame; NULL for extra-info slots.
 * A ring protocol violation (FATAL) stops the queue: the packets of the
 * batch before it are still sent and answered.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "backend/netback/common.h"

/* A non-GSO frame may carry the MTU plus an Ethernet header and a VLAN
 * tag. */
#define NB_L2_OVERHEAD (NET_ETH_HLEN + 4)

struct tx_batch {
	unsigned int n; /* items */
	unsigned int nsegs;
	size_t used; /* bytes of tx_buf */
	const char *fatal; /* why the ring broke, or NULL */
	bool limited; /* the credit ran out */
};

static void put_response(struct nb_queue *q, uint16_t id, int16_t status)
{
	struct xpv_netif_tx_response *rsp = xpv_back_next_response(&q->tx);

	rsp->id = id;
	rsp->status = status;
}

static void respond(struct nb_queue *q, const struct nb_tx_packet *p,
		    int16_t status)
{
	unsigned int i;

	put_response(q, p->slot[0].id, status);
	for (i = 0; i < p->nextras; i++)
		put_response(q, 0, XPV_NETIF_RSP_NULL);
	for (i = 1; i < p->nslots; i++)
		put_response(q, p->slot[i].id, status);
}

static void plan_copy(struct nb_queue *q, struct tx_batch *b,
		      struct nb_tx_item *it)
{
	const struct nb_tx_packet *p = &it->pkt;
	size_t at = b->used;
	unsigned int i;

	it->data = q->tx_buf + at;
	it->seg = b->nsegs;
	for (i = 0; i < p->nslots; i++) {
		struct hv_copy_seg *s = &q->tx_segs[b->nsegs++];

		s->src.foreign = true;
		s->src.domid = q->vif->cfg.domid;
		s->src.ref = p->slot[i].gref;
		s->src.offset = p->slot[i].offset;
		s->dst.foreign = false;
		s->dst.local = q->tx_buf + at;
		s->len = p->slot[i].size;
		at += p->slot[i].size;
	}
	/* Keep each packet 64-byte aligned for the header parsing. */
	b->used = (at + 63) & ~(size_t)63;
}

/*
 * A packet whose slots are all persistent grants goes to the TAP from the
 * guest's pages. Its virtio header is made now, from the headers in its
 * first slot; a GSO packet without a blank checksum is copied instead,
 * since its pseudo-header sum would be written into a page the guest
 * granted read-only. The guest may change the bytes while the kernel
 * copies them: it only changes its own packet, which the kernel checks
 * as any TAP's (csum_start and the like within the frame).
 */
static bool direct(struct nb_queue *q, struct nb_tx_item *it)
{
	struct nb_tx_packet *p = &it->pkt;
	unsigned int i;

	if (!q->pg.on || (p->meta.gso_type && !p->meta.csum_blank))
		return false;
	for (i = 0; i < p->nslots; i++) {
		uint8_t *page = nb_pgrant_get(q, p->slot[i].gref, false);

		if (!page)
			return false;
		it->ptr[i] = page + p->slot[i].offset;
	}
	return net_vnet_from_meta(&p->meta, it->ptr[0], p->slot[0].size, p->len,
				  &it->hdr) == 0;
}

/* Whether a SEND packet may join the batch; false leaves it on the ring
 * for the next batch (no room) or the next credit. */
static bool admit(struct nb_queue *q, struct tx_batch *b, struct nb_tx_item *it)
{
	struct nb_tx_packet *p = &it->pkt;
	uint64_t retry;

	if (b->used + p->len > NB_BUF_SIZE)
		return false;
	if (!nb_rate_take(&q->rate, p->len, nb_now_ns(), &retry)) {
		q->rate_at_ns = retry;
		q->stats.tx_rate_limited++;
		b->limited = true;
		return false;
	}
	if (p->meta.gso_type == XPV_NETIF_GSO_TYPE_NONE &&
	    p->len > q->vif->mtu + NB_L2_OVERHEAD) {
		p->verdict = NB_TX_DROP;
		p->why = "bigger than the MTU";
		return true;
	}
	it->direct = direct(q, it);
	if (!it->direct)
		plan_copy(q, b, it);
	return true;
}

static void gather(struct nb_queue *q, xpv_ring_idx_t prod, struct tx_batch *b)
{
	while (b->n < NB_TX_BATCH && q->tx.req_cons != prod) {
		struct nb_tx_item *it = &q->tx_items[b->n];

		nb_tx_parse(&q->tx, prod, &it->pkt);
		if (it->pkt.verdict == NB_TX_FATAL) {
			b->fatal = it->pkt.why;
			return;
		}
		if (it->pkt.verdict == NB_TX_SEND && !admit(q, b, it))
			return;
		q->tx.req_cons += it->pkt.consumed;
		b->n++;
	}
}

static bool copied(const struct nb_queue *q, const struct nb_tx_item *it)
{
	unsigned int i;

	for (i = 0; i < it->pkt.nslots; i++)
		if (q->tx_segs[it->seg + i].status)
			return false;
	return true;
}

static int16_t write_tap(struct nb_queue *q, struct iovec *iov, int n,
			 unsigned int len)
{
	if (writev(q->tap_fd, iov, n) < 0) {
		nb_vif_log(q->vif, "tx: the TAP refused %u bytes: %s", len,
			   strerror(errno));
		q->stats.tx_dropped++;
		return XPV_NETIF_RSP_OKAY;
	}
	q->stats.tx_packets++;
	q->stats.tx_bytes += len;
	return XPV_NETIF_RSP_OKAY;
}

/* A direct packet: its header, then each slot in the guest's page. */
static int16_t deliver_direct(struct nb_queue *q, struct nb_tx_item *it)
{
	struct iovec iov[1 + NB_TX_SLOTS_MAX];
	unsigned int i;

	iov[0].iov_base = &it->hdr;
	iov[0].iov_len = sizeof(it->hdr);
	for (i = 0; i < it->pkt.nslots; i++) {
		iov[1 + i].iov_base = it->ptr[i];
		iov[1 + i].iov_len = it->pkt.slot[i].size;
	}
	return write_tap(q, iov, (int)(1 + it->pkt.nslots), it->pkt.len);
}

/* Hand one packet to the TAP; its answer. */
static int16_t deliver(struct nb_queue *q, struct nb_tx_item *it)
{
	struct virtio_net_hdr h;
	struct iovec iov[2];
	unsigned int len = it->pkt.len;
	int err;

	if (it->direct)
		return deliver_direct(q, it);
	if (!copied(q, it)) {
		nb_vif_log(q->vif, "tx: a grant the frontend gave was refused");
		q->stats.tx_dropped++;
		return XPV_NETIF_RSP_ERROR;
	}
	err = net_vnet_from_meta(&it->pkt.meta, it->data, len, len, &h);
	if (err) {
		nb_vif_log(q->vif,
			   "tx: %u bytes with metadata that does not "
			   "fit them: %s",
			   len, strerror(-err));
		q->stats.tx_dropped++;
		return XPV_NETIF_RSP_ERROR;
	}
	iov[0].iov_base = &h;
	iov[0].iov_len = sizeof(h);
	iov[1].iov_base = it->data;
	iov[1].iov_len = len;
	return write_tap(q, iov, 2, len);
}

static void finish(struct nb_queue *q, struct tx_batch *b)
{
	unsigned int i;

	if (b->nsegs)
		nb_grant_copy(q, b->nsegs, q->tx_segs);
	for (i = 0; i < b->n; i++) {
		struct nb_tx_item *it = &q->tx_items[i];
		int16_t status = XPV_NETIF_RSP_OKAY;

		if (it->pkt.verdict == NB_TX_SEND)
			status = deliver(q, it);
		else if (it->pkt.verdict == NB_TX_DROP) {
			nb_vif_log(q->vif, "tx: dropped a packet: %s",
				   it->pkt.why);
			q->stats.tx_dropped++;
			status = XPV_NETIF_RSP_ERROR;
		}
		respond(q, &it->pkt, status);
	}
	if (b->n && xpv_back_push_responses_and_check_notify(&q->tx))
		q->notify_tx = true;
}

/* Requests waiting: > 0; 0 with the event re-armed; < 0 broken. */
static int pending(struct nb_queue *q, xpv_ring_idx_t *prod)
{
	int n = xpv_back_peek_requests(&q->tx, prod);

	if (n == 0) {
		n = xpv_back_final_check_for_requests(&q->tx);
		if (n > 0)
			n = xpv_back_peek_requests(&q->tx, prod);
	}
	return n;
}

bool nb_tx_work(struct nb_queue *q, unsigned int budget)
{
	xpv_ring_idx_t prod;
	int n;

	while (budget-- > 0) {
		struct tx_batch b = { 0 };

		if (q->rate.limited)
			return false; /* the timer brings us back */
		n = pending(q, &prod);
		if (n < 0) {
			nb_queue_fatal(q, "tx ring: impossible request index");
			return false;
		}
		if (n == 0)
			return false;
		gather(q, prod, &b);
		finish(q, &b);
		if (b.fatal) {
			nb_queue_fatal(q, b.fatal);
			return false;
		}
		if (b.limited) {
			nb_queue_update_timer(q);
			return false;
		}
	}
	return true;
}
