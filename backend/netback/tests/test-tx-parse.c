/*
 * test-tx-parse.c - nb_tx_parse (backend/netback/tx_parse.c) against tx
 * rings built by hand in local memory: every verdict Linux's netback gives
 * (SEND, CONTROL, DROP, FATAL), the slot counts at its limits, extra-info
 * chains, pages crossed, GSO extras, and indices that wrap at 2^32.
 */
#include <stdlib.h>
#include <string.h>

#include "backend/netback/tx_parse.h"
#include "tests/lib/check.h"

struct ring {
	struct xpv_sring *s;
	struct xpv_front_ring front;
	struct xpv_back_ring back;
};

static void ring_init(struct ring *r, xpv_ring_idx_t start)
{
	if (!r->s)
		r->s = aligned_alloc(XPV_RING_PAGE_SIZE, XPV_RING_PAGE_SIZE);
	memset(r->s, 0, XPV_RING_PAGE_SIZE);
	xpv_sring_init(r->s);
	r->s->req_prod = r->s->rsp_prod = start;
	xpv_front_ring_attach(&r->front, r->s, XPV_RING_PAGE_SIZE,
			      sizeof(struct xpv_netif_tx_request),
			      sizeof(struct xpv_netif_tx_response), start);
	xpv_back_ring_attach(&r->back, r->s, XPV_RING_PAGE_SIZE,
			     sizeof(struct xpv_netif_tx_request),
			     sizeof(struct xpv_netif_tx_response), start);
}

static void req(struct ring *r, uint16_t offset, uint16_t flags, uint16_t size)
{
	struct xpv_netif_tx_request t = { .gref = 100 + r->front.req_prod_pvt,
					  .offset = offset,
					  .flags = flags,
					  .id = (uint16_t)r->front.req_prod_pvt,
					  .size = size };

	memcpy(xpv_front_next_request(&r->front), &t, sizeof(t));
}

static void extra(struct ring *r, uint8_t type, uint8_t flags,
		  uint16_t gso_size, uint8_t gso_type)
{
	struct xpv_netif_extra_info e = { .type = type, .flags = flags };

	e.u.gso.size = gso_size;
	e.u.gso.type = gso_type;
	memcpy(xpv_front_next_request(&r->front), &e, sizeof(e));
}

static void parse(struct ring *r, struct nb_tx_packet *p)
{
	xpv_ring_idx_t prod = r->back.req_cons;

	xpv_front_push_requests(&r->front);
	xpv_back_peek_requests(&r->back, &prod);
	nb_tx_parse(&r->back, prod, p);
}

static const char *vname(enum nb_tx_verdict v)
{
	static const char *n[] = { "SEND", "CONTROL", "DROP", "FATAL" };

	return n[v];
}

static void expect(const char *name, const struct nb_tx_packet *p,
		   enum nb_tx_verdict v, unsigned int consumed)
{
	check(name, p->verdict == v && p->consumed == consumed,
	      "verdict %s (%s), consumed %u; want %s, %u", vname(p->verdict),
	      p->why ? p->why : "-", p->consumed, vname(v), consumed);
}

/* A packet of n data slots of 100 bytes each. */
static void chain(struct ring *r, unsigned int n)
{
	unsigned int i;

	req(r, 0, n > 1 ? XPV_NETTXF_MORE_DATA : 0, (uint16_t)(100 * n));
	for (i = 1; i < n; i++)
		req(r, 0, i + 1 < n ? XPV_NETTXF_MORE_DATA : 0, 100);
}

static void plain(struct ring *r)
{
	struct nb_tx_packet p;

	ring_init(r, 0);
	req(r, 64, XPV_NETTXF_DATA_VALIDATED, 60);
	parse(r, &p);
	expect("one slot: SEND", &p, NB_TX_SEND, 1);
	check("  len 60, validated, not blank",
	      p.len == 60 && p.nslots == 1 && p.slot[0].size == 60 &&
		      p.meta.data_validated && !p.meta.csum_blank &&
		      p.slot[0].offset == 64 && p.slot[0].gref == 100,
	      NULL);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_MORE_DATA | XPV_NETTXF_CSUM_BLANK, 3000);
	req(r, 100, XPV_NETTXF_MORE_DATA, 1000);
	req(r, 0, 0, 500);
	parse(r, &p);
	expect("three slots: SEND", &p, NB_TX_SEND, 3);
	check("  the first's own size is what the others leave",
	      p.len == 3000 && p.nslots == 3 && p.slot[0].size == 1500 &&
		      p.slot[1].size == 1000 && p.slot[2].size == 500 &&
		      p.meta.csum_blank,
	      "own %u", p.slot[0].size);
}

static void extras(struct ring *r)
{
	struct nb_tx_packet p;

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO | XPV_NETTXF_MORE_DATA, 5000);
	extra(r, XPV_NETIF_EXTRA_TYPE_GSO, 0, 1448, XPV_NETIF_GSO_TYPE_TCPV4);
	req(r, 0, 0, 1000);
	parse(r, &p);
	expect("GSO extra: SEND", &p, NB_TX_SEND, 3);
	check("  GSO tcpv4 1448, one extra",
	      p.nextras == 1 && p.nslots == 2 &&
		      p.meta.gso_type == XPV_NETIF_GSO_TYPE_TCPV4 &&
		      p.meta.gso_size == 1448,
	      NULL);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	extra(r, XPV_NETIF_EXTRA_TYPE_HASH, XPV_NETIF_EXTRA_FLAG_MORE, 0, 0);
	extra(r, XPV_NETIF_EXTRA_TYPE_GSO, 0, 1000, XPV_NETIF_GSO_TYPE_TCPV6);
	parse(r, &p);
	expect("two chained extras: SEND", &p, NB_TX_SEND, 3);
	check("  both counted", p.nextras == 2 && p.meta.gso_type == 2, NULL);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	extra(r, 0, 0, 0, 0);
	parse(r, &p);
	expect("extra type 0: FATAL", &p, NB_TX_FATAL, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	extra(r, XPV_NETIF_EXTRA_TYPE_MAX, 0, 0, 0);
	parse(r, &p);
	expect("extra type MAX: FATAL", &p, NB_TX_FATAL, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	parse(r, &p);
	expect("extra missing: FATAL", &p, NB_TX_FATAL, 1);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	extra(r, XPV_NETIF_EXTRA_TYPE_GSO, XPV_NETIF_EXTRA_FLAG_MORE, 1000, 1);
	parse(r, &p);
	expect("extra chain running out: FATAL", &p, NB_TX_FATAL, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO | XPV_NETTXF_MORE_DATA, 100);
	extra(r, XPV_NETIF_EXTRA_TYPE_MCAST_ADD, 0, 0, 0);
	req(r, 0, 0, 100);
	parse(r, &p);
	expect("multicast add: CONTROL, the request and its extra", &p,
	       NB_TX_CONTROL, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	extra(r, XPV_NETIF_EXTRA_TYPE_GSO, 0, 0, XPV_NETIF_GSO_TYPE_TCPV4);
	parse(r, &p);
	expect("GSO size 0: FATAL", &p, NB_TX_FATAL, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO, 100);
	extra(r, XPV_NETIF_EXTRA_TYPE_GSO, 0, 1000, 3);
	parse(r, &p);
	expect("GSO type 3: FATAL", &p, NB_TX_FATAL, 2);
}

/* A packet after a GSO one in the same struct: nothing of the GSO one is
 * left (a stale GSO type once made every later ARP and ACK fail). */
static void reuse(struct ring *r)
{
	struct nb_tx_packet p;

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_EXTRA_INFO | XPV_NETTXF_CSUM_BLANK, 1000);
	extra(r, XPV_NETIF_EXTRA_TYPE_GSO, 0, 1448, XPV_NETIF_GSO_TYPE_TCPV4);
	parse(r, &p);
	r->back.req_cons += p.consumed;
	req(r, 0, 0, 42);
	parse(r, &p);
	expect("a plain packet after a GSO one: SEND", &p, NB_TX_SEND, 1);
	check("  with no GSO and no flags left over",
	      p.meta.gso_type == 0 && p.meta.gso_size == 0 &&
		      !p.meta.csum_blank && p.len == 42,
	      "gso_type %u size %u", p.meta.gso_type, p.meta.gso_size);
}

static void limits(struct ring *r)
{
	struct nb_tx_packet p;

	ring_init(r, 0);
	chain(r, NB_TX_SLOTS_LEGACY + 1);
	parse(r, &p);
	expect("19 slots (18 following): SEND", &p, NB_TX_SEND, 19);

	ring_init(r, 0);
	chain(r, NB_TX_SLOTS_LEGACY + 2);
	parse(r, &p);
	expect("20 slots: DROP, all consumed", &p, NB_TX_DROP, 20);
	check("  every slot's id kept", p.nslots == 20 && p.slot[19].id == 19,
	      "nslots %u", p.nslots);

	ring_init(r, 0);
	chain(r, NB_TX_SLOTS_FATAL + 1);
	parse(r, &p);
	expect("21 slots: DROP", &p, NB_TX_DROP, 21);

	ring_init(r, 0);
	chain(r, NB_TX_SLOTS_FATAL + 2);
	parse(r, &p);
	expect("22 slots: FATAL", &p, NB_TX_FATAL, 21);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_MORE_DATA, 200);
	req(r, 0, XPV_NETTXF_MORE_DATA, 100);
	parse(r, &p);
	expect("chain past what was pushed: FATAL", &p, NB_TX_FATAL, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_MORE_DATA, 200);
	req(r, 0, 0, 300);
	parse(r, &p);
	expect("a slot bigger than what is left (wrapped size): DROP", &p,
	       NB_TX_DROP, 2);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_MORE_DATA, 1000);
	req(r, 4000, 0, 200);
	parse(r, &p);
	expect("a following slot crossing its page: FATAL", &p, NB_TX_FATAL, 2);

	ring_init(r, 0);
	req(r, 4000, 0, 200);
	parse(r, &p);
	expect("the first slot crossing its page: FATAL", &p, NB_TX_FATAL, 1);

	ring_init(r, 0);
	req(r, 0, 0, 13);
	parse(r, &p);
	expect("13 bytes: DROP", &p, NB_TX_DROP, 1);

	ring_init(r, 0);
	req(r, 0, XPV_NETTXF_MORE_DATA, 1000);
	req(r, 0, 0, 990);
	parse(r, &p);
	expect("a first slot of 10 bytes: DROP", &p, NB_TX_DROP, 2);

	ring_init(r, 0);
	req(r, 0, 0, 14);
	parse(r, &p);
	expect("14 bytes: SEND", &p, NB_TX_SEND, 1);

	ring_init(r, 0);
	req(r, 0, 0, 0xffff);
	parse(r, &p);
	expect("64 KiB in one page: FATAL", &p, NB_TX_FATAL, 1);
}

static void wrap(struct ring *r)
{
	struct nb_tx_packet p;
	unsigned int i, ok = 0;

	ring_init(r, 0xfffffff0u);
	for (i = 0; i < 8; i++) {
		chain(r, 3);
		parse(r, &p);
		ok += p.verdict == NB_TX_SEND && p.consumed == 3;
		r->back.req_cons += p.consumed;
		r->back.rsp_prod_pvt = r->back.req_cons;
		r->front.rsp_cons = r->back.req_cons;
	}
	check("packets across the 2^32 wrap", ok == 8, "%u of 8", ok);
}

int main(void)
{
	struct ring r = { 0 };

	plain(&r);
	extras(&r);
	reuse(&r);
	limits(&r);
	wrap(&r);
	free(r.s);
	return check_failures ? 1 : 0;
}
