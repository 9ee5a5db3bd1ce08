/*
 * hostile.c - xpv-net-hostile: a hostile netfront, run as a sim guest's
 * program by test-net-hostile.sh against the real xpv-netback.
 *
 *   xpv-net-hostile --seed N [--rounds R] [--flood-ms M]
 *
 * It connects device/vif/0 as a frontend would (one queue, split event
 * channels or not, at random), then for R rounds (default 300) picks,
 * from the seed, one thing a frontend can do to its backend:
 *
 *   garbage   random bytes in random tx slots
 *   packets   frames with random offsets, sizes, flags and grants (some
 *             not ours, some out of range), blank checksums on garbage
 *   extras    extra-info chains: long, of invalid types, running out
 *   slots     chains of 17 to 23 slots
 *   rxbad     rx buffers posted with grants not ours, read-only ones, and
 *             random ids
 *   rxnone    no rx buffers at all for a while
 *   index     an impossible producer index on tx or rx
 *   events    random event indices
 *   flood     valid broadcast frames as fast as the ring takes them, for
 *             M ms (default 300)
 *
 * When the backend closes the device (a ring protocol violation does
 * that), it answers Closing, Closed, and connects again with new rings:
 * the next round goes on. Every response it reads is only counted. At the
 * end it prints one line on stdout:
 *
 *   HOSTILE DONE seed=N rounds=R closes=C packets=P
 *
 * and waits on stdin until it is destroyed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frontend/xenbus.h"
#include "frontend/xenbus_dev.h"
#include "hv/hv.h"
#include "ring/netif.h"

#define DEV "device/vif/0"
#define NPAGES 16
#define TIMEOUT_MS 10000

struct hostile {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	struct xpv_front_ring tx, rx;
	int tx_port, rx_port;
	uint8_t *pages; /* NPAGES granted writable */
	hv_gref_t grefs[NPAGES];
	uint8_t *ro_page; /* one granted read-only */
	hv_gref_t ro_gref;
	uint64_t rng;
	unsigned long closes, packets;
	bool connected;
	unsigned int flood_ms;
};

static uint64_t next(struct hostile *h)
{
	/* xorshift64* */
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545F4914F6CDD1Dull;
}

static unsigned int pick(struct hostile *h, unsigned int n)
{
	return (unsigned int)(next(h) % n);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void keys_num(struct xenbus_dev_key *k, char (*v)[16], unsigned int *n,
		     const char *key, unsigned long val)
{
	snprintf(v[*n], sizeof(v[0]), "%lu", val);
	k[*n].key = key;
	k[*n].value = v[*n];
	(*n)++;
}

static int connect_vif(struct hostile *h)
{
	struct xenbus_dev_key k[16];
	char vals[16][16];
	hv_gref_t txref, rxref;
	void *txs, *rxs;
	unsigned int n = 0;
	bool split = pick(h, 2);
	int ret;

	ret = xenbus_dev_switch(h->dev, XPV_XENBUS_STATE_INITIALISING);
	if (!ret)
		ret = xenbus_dev_wait(
			h->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
			TIMEOUT_MS);
	if (ret < 0)
		return ret;
	txs = xenbus_dev_grant_ring(h->dev, 0, &txref);
	rxs = txs ? xenbus_dev_grant_ring(h->dev, 0, &rxref) : NULL;
	if (!rxs)
		return -errno;
	xpv_sring_init(txs);
	xpv_sring_init(rxs);
	xpv_netif_tx_front_attach(&h->tx, txs);
	xpv_netif_rx_front_attach(&h->rx, rxs);
	h->tx_port = xenbus_dev_alloc_port(h->dev);
	h->rx_port = split ? xenbus_dev_alloc_port(h->dev) : h->tx_port;
	if (h->tx_port < 0 || h->rx_port < 0)
		return -EIO;
	/* Stale port keys of a split connection before would be read. */
	xenbus_rm(h->xb, XENBUS_TX_NONE, DEV "/event-channel-tx");
	xenbus_rm(h->xb, XENBUS_TX_NONE, DEV "/event-channel-rx");
	xenbus_rm(h->xb, XENBUS_TX_NONE, DEV "/event-channel");
	keys_num(k, vals, &n, "tx-ring-ref", txref);
	keys_num(k, vals, &n, "rx-ring-ref", rxref);
	if (split) {
		keys_num(k, vals, &n, "event-channel-tx", (unsigned)h->tx_port);
		keys_num(k, vals, &n, "event-channel-rx", (unsigned)h->rx_port);
	} else {
		keys_num(k, vals, &n, "event-channel", (unsigned)h->tx_port);
	}
	keys_num(k, vals, &n, "request-rx-copy", 1);
	keys_num(k, vals, &n, "feature-rx-notify", 1);
	keys_num(k, vals, &n, "feature-sg", 1);
	keys_num(k, vals, &n, "feature-gso-tcpv4", 1);
	keys_num(k, vals, &n, "feature-gso-tcpv6", 1);
	/* A promise it may break: the backend then maps what it is given. */
	keys_num(k, vals, &n, "feature-persistent", pick(h, 2));
	ret = xenbus_dev_publish(h->dev, k, n, XPV_XENBUS_STATE_INITIALISED);
	if (!ret)
		ret = xenbus_dev_wait(
			h->dev,
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED) |
				XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING) |
				XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED),
			TIMEOUT_MS);
	if (ret != XPV_XENBUS_STATE_CONNECTED)
		return ret < 0 ? ret : -ECONNREFUSED;
	ret = xenbus_dev_switch(h->dev, XPV_XENBUS_STATE_CONNECTED);
	h->connected = !ret;
	return ret;
}

static void notify_both(struct hostile *h)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(h->dev);

	/* A port the backend closed is the backend's answer: what the test
	 * looks at next says it. */
	if (hv_evtchn_notify(ev, (hv_port_t)h->tx_port) < 0)
		return;
	if (h->rx_port != h->tx_port &&
	    hv_evtchn_notify(ev, (hv_port_t)h->rx_port) < 0)
		return;
}

/* Take whatever responses there are, trusting nothing; room for more. */
static void drain(struct hostile *h)
{
	xpv_ring_idx_t prod;
	int port;

	while ((port = hv_evtchn_pending(xenbus_dev_evtchn(h->dev))) >= 0)
		if (hv_evtchn_unmask(xenbus_dev_evtchn(h->dev),
				     (hv_port_t)port) < 0)
			break;
	if (xpv_front_peek_responses(&h->tx, &prod) >= 0)
		h->tx.rsp_cons = prod;
	if (xpv_front_peek_responses(&h->rx, &prod) >= 0)
		h->rx.rsp_cons = prod;
}

static void *slot(struct xpv_front_ring *r)
{
	return xpv_front_next_request(r);
}

static hv_gref_t some_gref(struct hostile *h)
{
	switch (pick(h, 6)) {
	case 0:
		return (hv_gref_t)next(h); /* anything */
	case 1:
		return h->ro_gref;
	case 2:
		return pick(h, 16); /* reserved and low refs */
	default:
		return h->grefs[pick(h, NPAGES)];
	}
}

static void put_tx(struct hostile *h, hv_gref_t gref, uint16_t off,
		   uint16_t flags, uint16_t size)
{
	struct xpv_netif_tx_request *r = slot(&h->tx);

	if (!r)
		return;
	r->gref = gref;
	r->offset = off;
	r->flags = flags;
	r->id = (uint16_t)next(h);
	r->size = size;
}

static void put_extra(struct hostile *h, uint8_t type, uint8_t flags)
{
	struct xpv_netif_extra_info *e = slot(&h->tx);

	if (!e)
		return;
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->flags = flags;
	e->u.gso.size = (uint16_t)(pick(h, 3) ? 1448 : 0);
	e->u.gso.type = (uint8_t)pick(h, 4);
}

static void push_tx(struct hostile *h)
{
	xpv_front_push_requests(&h->tx);
	notify_both(h);
}

static void garbage(struct hostile *h)
{
	unsigned int n = 1 + pick(h, 40), i, j;

	for (i = 0; i < n; i++) {
		uint8_t *s = slot(&h->tx);

		if (!s)
			break;
		for (j = 0; j < 12; j++)
			s[j] = (uint8_t)next(h);
	}
	push_tx(h);
}

#define OWN_MAC "\x00\x16\x3e\x77\x00\x66"

/* A frame in a page of ours, with random bytes after its header: to our
 * own MAC, which the bridge learns is ours and forwards nowhere (a storm
 * of broadcasts would flood every port of the bridge, netback or not:
 * that is what the `rate` key is for); one in eight broadcast. */
static void fill_frame(struct hostile *h, uint8_t *p, unsigned int len)
{
	unsigned int i;

	if (len < 12)
		return;
	if (pick(h, 8))
		memcpy(p, OWN_MAC, 6);
	else
		memset(p, 0xff, 6);
	memcpy(p + 6, OWN_MAC, 6);
	for (i = 12; i < len; i++)
		p[i] = (uint8_t)next(h);
}

static void packets(struct hostile *h)
{
	unsigned int n = 1 + pick(h, 20), i;

	for (i = 0; i < n; i++) {
		unsigned int pg = pick(h, NPAGES);
		uint16_t off = (uint16_t)pick(h, 4096);
		uint16_t size = (uint16_t)(pick(h, 2) ? pick(h, 4097 - off) :
							pick(h, 65536));
		uint16_t flags =
			(uint16_t)(pick(h, 16) & ~XPV_NETTXF_MORE_DATA);

		if (flags & XPV_NETTXF_EXTRA_INFO && pick(h, 2))
			flags &= (uint16_t)~XPV_NETTXF_EXTRA_INFO;
		fill_frame(h, h->pages + pg * 4096 + off,
			   size < 4096 - off ? size : 4096 - off);
		put_tx(h, pick(h, 4) ? h->grefs[pg] : some_gref(h), off, flags,
		       size);
		if (flags & XPV_NETTXF_EXTRA_INFO)
			put_extra(h, XPV_NETIF_EXTRA_TYPE_GSO, 0);
	}
	push_tx(h);
}

static void extras(struct hostile *h)
{
	unsigned int n = 1 + pick(h, 30), i;

	put_tx(h, h->grefs[0], 0, XPV_NETTXF_EXTRA_INFO, 60);
	for (i = 0; i < n; i++)
		put_extra(h, (uint8_t)pick(h, 7),
			  i + 1 < n || pick(h, 4) == 0 ?
				  XPV_NETIF_EXTRA_FLAG_MORE :
				  0);
	if (pick(h, 2))
		put_tx(h, h->grefs[1], 0, 0, 60);
	push_tx(h);
}

static void slots(struct hostile *h)
{
	unsigned int n = 17 + pick(h, 7), i;

	put_tx(h, h->grefs[0], 0, XPV_NETTXF_MORE_DATA, (uint16_t)(n * 100));
	for (i = 1; i < n; i++)
		put_tx(h, h->grefs[i % NPAGES], 0,
		       i + 1 < n ? XPV_NETTXF_MORE_DATA : 0, 100);
	push_tx(h);
}

static void rxbad(struct hostile *h)
{
	unsigned int n = 1 + pick(h, 64), i;

	for (i = 0; i < n; i++) {
		struct xpv_netif_rx_request *r = slot(&h->rx);

		if (!r)
			break;
		r->id = (uint16_t)next(h);
		r->gref = some_gref(h);
	}
	xpv_front_push_requests(&h->rx);
	notify_both(h);
}

static void index_lie(struct hostile *h)
{
	struct xpv_sring *s = pick(h, 2) ? h->tx.sring : h->rx.sring;

	__atomic_store_n(&s->req_prod, s->req_prod + 300 + pick(h, 1000),
			 __ATOMIC_RELEASE);
	notify_both(h);
}

static void events(struct hostile *h)
{
	h->tx.sring->rsp_event = (uint32_t)next(h);
	h->rx.sring->rsp_event = (uint32_t)next(h);
	notify_both(h);
}

static void flood(struct hostile *h)
{
	long long end = now_ms() + h->flood_ms;

	while (now_ms() < end) {
		unsigned int i;

		for (i = 0; i < 32 && !xpv_front_full(&h->tx); i++) {
			unsigned int pg = i % NPAGES;

			fill_frame(h, h->pages + pg * 4096, 60);
			memcpy(h->pages + pg * 4096, OWN_MAC, 6);
			put_tx(h, h->grefs[pg], 0, 0, 60);
			h->packets++;
		}
		push_tx(h);
		usleep(200);
		drain(h);
	}
}

/* The backend closed the device: follow it and connect again. */
static void follow(struct hostile *h)
{
	int state = xenbus_dev_backend_state(h->dev);

	if (state == XPV_XENBUS_STATE_CONNECTED)
		return;
	h->closes++;
	if (xenbus_dev_disconnect(h->dev, TIMEOUT_MS))
		fprintf(stderr, "xpv-net-hostile: the backend did not close\n");
	h->connected = false;
	if (connect_vif(h))
		fprintf(stderr, "xpv-net-hostile: reconnecting failed\n");
}

static void round_once(struct hostile *h)
{
	static void (*const attacks[])(struct hostile *) = {
		garbage, packets,   packets, extras, slots,
		rxbad,	 index_lie, events,  flood,
	};
	unsigned int a = pick(h, sizeof(attacks) / sizeof(attacks[0]));

	if (a == 0 && pick(h, 2))
		a = 1; /* garbage closes the ring at once: less often */
	attacks[a](h);
	usleep(20000);
	drain(h);
	follow(h);
}

int main(int argc, char **argv)
{
	struct hostile h = { .flood_ms = 300 };
	unsigned long rounds = 300, seed = 1, i;
	char why[256], line[16];
	int c;

	while ((c = getopt(argc, argv, "s:r:f:")) != -1) {
		if (c == 's')
			seed = strtoul(optarg, NULL, 0);
		else if (c == 'r')
			rounds = strtoul(optarg, NULL, 0);
		else if (c == 'f')
			h.flood_ms = (unsigned int)atoi(optarg);
		else
			return 2;
	}
	h.rng = seed * 0x9E3779B97F4A7C15ull + 1;
	if (hv_open(&h.hv, why, sizeof(why))) {
		fprintf(stderr, "xpv-net-hostile: %s\n", why);
		return 1;
	}
	h.xb = xenbus_open(h.hv);
	h.dev = h.xb ? xenbus_dev_open(h.hv, h.xb, DEV) : NULL;
	h.pages = hv_share_pages(h.hv, 0, NPAGES, true, h.grefs);
	h.ro_page = hv_share_pages(h.hv, 0, 1, false, &h.ro_gref);
	if (!h.dev || !h.pages || !h.ro_page || connect_vif(&h)) {
		fprintf(stderr, "xpv-net-hostile: cannot connect\n");
		return 1;
	}
	printf("HOSTILE CONNECTED seed=%lu\n", seed);
	fflush(stdout);
	for (i = 0; i < rounds; i++)
		round_once(&h);
	printf("HOSTILE DONE seed=%lu rounds=%lu closes=%lu packets=%lu\n",
	       seed, rounds, h.closes, h.packets);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin))
		;
	return 0;
}
