/*
 * fuzz-netback-tx.c - the guest transmit path of xpv-netback against any
 * tx ring a hostile frontend can write (libFuzzer; `make fuzz`,
 * `make check-fuzz`; seeds in backend/netback/fuzz/corpus/netback-tx/).
 *
 * The input is the ring and the guest's pages:
 *   4 bytes   the ring's start index (indices wrap at 2^32)
 *   1 byte    how many requests the frontend pushed
 *   12 bytes  per request: the raw slot (a tx request or an extra info)
 *   the rest  the guest's granted pages: grant g is page g mod 4
 *
 * Each packet goes through what tx.c does with it: nb_tx_parse's verdict,
 * the copy of its slots out of the guest's pages, the virtio-net header
 * of its metadata (net_vnet_from_meta, which parses the copied headers).
 * Checked on every packet: a verdict that consumes at least one slot and
 * never more than were pushed; for SEND, slots within their page, at most
 * NB_TX_SLOTS_LEGACY + 1 of them, whose sizes add up to the packet's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/netback/tx_parse.h"

#define GUEST_PAGES 4

static uint8_t guest[GUEST_PAGES][XPV_RING_PAGE_SIZE];
static uint8_t frame[XPV_NETIF_MAX_TX_SIZE + 1];
static uint8_t page[XPV_RING_PAGE_SIZE] __attribute__((aligned(4096)));

static void check(int ok)
{
	if (!ok)
		abort();
}

/* What tx.c's grant copy and TAP write do with a SEND packet. */
static void deliver(const struct nb_tx_packet *p)
{
	struct virtio_net_hdr h;
	unsigned int i, at = 0;

	check(p->nslots >= 1 && p->nslots <= NB_TX_SLOTS_LEGACY + 1);
	for (i = 0; i < p->nslots; i++) {
		const struct xpv_netif_tx_request *s = &p->slot[i];

		check((unsigned int)s->offset + s->size <= XPV_RING_PAGE_SIZE);
		check(at + s->size <= p->len);
		memcpy(frame + at, guest[s->gref % GUEST_PAGES] + s->offset,
		       s->size);
		at += s->size;
	}
	check(at == p->len);
	check(p->len >= NET_ETH_HLEN);
	net_vnet_from_meta(&p->meta, frame, p->len, p->len, &h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xpv_back_ring back;
	struct xpv_sring *s = (struct xpv_sring *)page;
	struct nb_tx_packet p;
	xpv_ring_idx_t start, prod;
	unsigned int n, i, nr_ents;
	size_t rest;

	if (size < 5)
		return 0;
	memcpy(&start, data, 4);
	n = data[4];
	data += 5;
	size -= 5;
	memset(page, 0, sizeof(page));
	xpv_netif_tx_back_attach(&back, s);
	nr_ents = back.nr_ents;
	back.req_cons = back.rsp_prod_pvt = start;
	if (n > nr_ents)
		n = nr_ents;
	for (i = 0; i < n && size >= 12; i++, data += 12, size -= 12)
		memcpy(xpv_sring_slot(s, nr_ents, back.slot_size, start + i),
		       data, 12);
	n = i;
	rest = size < sizeof(guest) ? size : sizeof(guest);
	memset(guest, 0, sizeof(guest));
	memcpy(guest, data, rest);
	prod = start + n;
	while (back.req_cons != prod) {
		unsigned int left = prod - back.req_cons;

		nb_tx_parse(&back, prod, &p);
		check(p.consumed <= left);
		if (p.verdict == NB_TX_FATAL)
			break;
		check(p.consumed >= 1);
		if (p.verdict == NB_TX_SEND)
			deliver(&p);
		back.req_cons += p.consumed;
		back.rsp_prod_pvt = back.req_cons;
	}
	return 0;
}
