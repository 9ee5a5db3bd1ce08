/*
 * connect.c - netfront's handshake (as Linux's xen-netfront talks to its
 * backend: talk_to_netback, setup_netfront) and its NIC.
 *
 *   Initialising; the backend's InitWait; its features
 *   per queue: a tx and an rx ring (one page each), one port (two with
 *     split event channels), NF_TX_BUFS + NF_RX_BUFS buffer pages granted
 *   publish the rings, ports and our features with Connected in one
 *     transaction (as Linux's netfront does: Linux's netback connects
 *     only once its frontend says Connected, never on Initialised); wait
 *     for the backend's Connected
 *   the NIC: a TAP queue per ring pair, with the vif's MAC and the
 *     backend's MTU, offloads as far as the backend takes them
 *   post the rx buffers
 */
#include <errno.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frontend/net/common.h"
#include "net/tap.h"

#define CLOSED_OR_GONE                                \
	(XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING) | \
	 XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED) |  \
	 XENBUS_STATE_BIT(XPV_XENBUS_STATE_UNKNOWN))

/* A 0/1 the backend published; absent: 0. */
static bool backend_flag(struct netfront *nf, const char *key)
{
	unsigned long v = 0;

	if (xenbus_dev_read_backend_uint(nf->dev, key, 1, &v))
		return false;
	return v == 1;
}

static int read_backend(struct netfront *nf)
{
	unsigned long v;

	if (!backend_flag(nf, "feature-rx-copy"))
		return -EOPNOTSUPP; /* rx-flip is not supported */
	nf->sg = backend_flag(nf, "feature-sg");
	nf->gso_tcpv4 = backend_flag(nf, "feature-gso-tcpv4");
	nf->gso_tcpv6 = backend_flag(nf, "feature-gso-tcpv6");
	nf->ipv6_csum = backend_flag(nf, "feature-ipv6-csum-offload");
	nf->split = !nf->cfg.no_split &&
		    backend_flag(nf, "feature-split-event-channels");
	nf->max_queues = 1;
	if (!xenbus_dev_read_backend_uint(nf->dev, "multi-queue-max-queues",
					  NETFRONT_MAX_QUEUES, &v) &&
	    v > 0)
		nf->max_queues = (unsigned int)v;
	nf->mtu = 1500;
	if (!xenbus_dev_read_backend_uint(nf->dev, "mtu", 65535, &v) && v >= 68)
		nf->mtu = (unsigned int)v;
	if (!nf->sg && nf->mtu > 1500)
		nf->mtu = 1500;
	return 0;
}

static void *ring_page(struct netfront *nf, hv_gref_t *ref)
{
	struct xpv_sring *s = xenbus_dev_grant_ring(nf->dev, 0, ref);

	if (s)
		xpv_sring_init(s);
	return s;
}

static int queue_rings(struct netfront *nf, struct nf_queue *q)
{
	struct xpv_sring *tx = ring_page(nf, &q->tx_ref);
	struct xpv_sring *rx = tx ? ring_page(nf, &q->rx_ref) : NULL;

	if (!rx)
		return -errno;
	xpv_netif_tx_front_attach(&q->tx, tx);
	xpv_netif_rx_front_attach(&q->rx, rx);
	q->tx_port = xenbus_dev_alloc_port(nf->dev);
	if (q->tx_port < 0)
		return q->tx_port;
	q->rx_port = nf->split ? xenbus_dev_alloc_port(nf->dev) : q->tx_port;
	return q->rx_port < 0 ? q->rx_port : 0;
}

static int queue_buffers(struct netfront *nf, struct nf_queue *q)
{
	hv_domid_t be = xenbus_dev_backend_id(nf->dev);
	unsigned int i;

	q->tx_pages =
		hv_share_pages(nf->hv, be, NF_TX_BUFS, false, q->tx_grefs);
	if (!q->tx_pages)
		return -errno;
	q->rx_pages = hv_share_pages(nf->hv, be, NF_RX_BUFS, true, q->rx_grefs);
	if (!q->rx_pages)
		return -errno;
	for (i = 0; i < NF_TX_BUFS; i++)
		q->tx_free[i] = (uint16_t)(NF_TX_BUFS - 1 - i);
	q->tx_nfree = NF_TX_BUFS;
	for (i = 0; i < NF_RX_BUFS; i++)
		q->rx_free[i] = (uint16_t)(NF_RX_BUFS - 1 - i);
	q->rx_nfree = NF_RX_BUFS;
	return 0;
}

static void free_buffers(struct netfront *nf, struct nf_queue *q)
{
	if (q->tx_pages && hv_unshare_pages(nf->hv, q->tx_pages, NF_TX_BUFS))
		fprintf(stderr, "netfront: %s: tx buffers still granted\n",
			nf->dir);
	if (q->rx_pages && hv_unshare_pages(nf->hv, q->rx_pages, NF_RX_BUFS))
		fprintf(stderr, "netfront: %s: rx buffers still granted\n",
			nf->dir);
	q->tx_pages = q->rx_pages = NULL;
}

/* The keys of all queues, and ours; values live in vals. */
struct keys {
	struct xenbus_dev_key kv[16 + 6 * NETFRONT_MAX_QUEUES];
	char names[6 * NETFRONT_MAX_QUEUES][40];
	char vals[6 * NETFRONT_MAX_QUEUES][16];
	unsigned int n, nn, nv;
};

static void add(struct keys *k, const char *key, const char *val)
{
	k->kv[k->n].key = key;
	k->kv[k->n].value = val;
	k->n++;
}

static void add_num(struct keys *k, const char *prefix, const char *key,
		    unsigned int v)
{
	char *name = k->names[k->nn++], *val = k->vals[k->nv++];

	snprintf(name, sizeof(k->names[0]), "%s%s", prefix, key);
	snprintf(val, sizeof(k->vals[0]), "%u", v);
	add(k, name, val);
}

static void queue_keys(struct netfront *nf, struct keys *k,
		       const struct nf_queue *q)
{
	char prefix[16] = "";

	if (nf->nqueues > 1)
		snprintf(prefix, sizeof(prefix), "queue-%u/", q->id);
	add_num(k, prefix, "tx-ring-ref", q->tx_ref);
	add_num(k, prefix, "rx-ring-ref", q->rx_ref);
	if (nf->split) {
		add_num(k, prefix, "event-channel-tx",
			(unsigned int)q->tx_port);
		add_num(k, prefix, "event-channel-rx",
			(unsigned int)q->rx_port);
	} else {
		add_num(k, prefix, "event-channel", (unsigned int)q->tx_port);
	}
}

/* What an earlier connection published and this one may not: a backend
 * that found event-channel-tx from a split connection before would bind
 * ports that are gone. */
static void clear_keys(struct netfront *nf)
{
	static const char *const keys[] = {
		"tx-ring-ref",	    "rx-ring-ref",
		"event-channel",    "event-channel-tx",
		"event-channel-rx", "multi-queue-num-queues",
	};
	char path[96];
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", nf->dir, keys[i]);
		xenbus_rm(nf->xb, XENBUS_TX_NONE, path);
	}
	for (i = 0; i < NETFRONT_MAX_QUEUES; i++) {
		snprintf(path, sizeof(path), "%s/queue-%u", nf->dir, i);
		xenbus_rm(nf->xb, XENBUS_TX_NONE, path);
	}
}

static int publish(struct netfront *nf)
{
	struct keys *k = calloc(1, sizeof(*k));
	unsigned int i;
	int ret;

	if (!k)
		return -ENOMEM;
	clear_keys(nf);
	for (i = 0; i < nf->nqueues; i++)
		queue_keys(nf, k, &nf->q[i]);
	if (nf->nqueues > 1)
		add_num(k, "", "multi-queue-num-queues", nf->nqueues);
	add(k, "request-rx-copy", "1");
	add(k, "feature-rx-notify", "1");
	add(k, "feature-sg", "1");
	add(k, "feature-gso-tcpv4", "1");
	add(k, "feature-gso-tcpv6", "1");
	add(k, "feature-ipv6-csum-offload", "1");
	/* Our buffers' grants stay the same for the whole connection: the
	 * backend may keep them mapped. */
	add(k, "feature-persistent", nf->cfg.no_persistent ? "0" : "1");
	ret = xenbus_dev_publish(nf->dev, k->kv, k->n,
				 XPV_XENBUS_STATE_CONNECTED);
	free(k);
	return ret;
}

/* What the guest's kernel may hand us: what the backend takes on its
 * tx ring (IPv4 blank checksums always, as netif.h says; tx.c fills in
 * IPv6 ones the backend does not take). */
static unsigned int nic_offloads(const struct netfront *nf)
{
	unsigned int f = TUN_F_CSUM;

	if (nf->sg && nf->gso_tcpv4)
		f |= TUN_F_TSO4;
	if (nf->sg && nf->gso_tcpv6 && nf->ipv6_csum)
		f |= TUN_F_TSO6;
	return f;
}

/* A NIC dom0 made for us and handed in (net/guest_nic.h), tagged with
 * our directory: taken once, kept across reconnects. Returns the last
 * hv_take_fd error (-ENOENT: none waiting; -EOPNOTSUPP: the platform
 * hands nothing in, as on xen). */
static int take_handed_in(struct netfront *nf)
{
	int fd = -ENOENT;

	while (!nf->ntaps || nf->taps_handed_in) {
		if (nf->ntaps == NETFRONT_MAX_QUEUES)
			return 0;
		fd = hv_take_fd(nf->hv, nf->dir);
		if (fd < 0)
			return fd;
		nf->tap_fds[nf->ntaps++] = fd;
		nf->taps_handed_in = true;
	}
	return 0;
}

/* The NIC: a TAP queue per ring pair (kept across reconnects). One handed
 * in has its MAC from dom0; setting its MTU may be beyond a guest without
 * CAP_NET_ADMIN, which is no reason to stay offline. */
static int open_nic(struct netfront *nf)
{
	int err = 0;

	while (nf->ntaps < nf->nqueues) {
		int fd;

		if (nf->taps_handed_in)
			return -EINVAL;
		fd = net_tap_open(nf->ifname);
		if (fd < 0)
			return fd;
		nf->tap_fds[nf->ntaps++] = fd;
	}
	if (nf->taps_handed_in) {
		net_link_set_mtu(nf->ifname, nf->mtu);
	} else {
		err = net_link_set_mac(nf->ifname, nf->mac);
		if (!err)
			err = net_link_set_mtu(nf->ifname, nf->mtu);
	}
	if (!err)
		err = net_tap_set_offload(nf->tap_fds[0], nic_offloads(nf));
	if (!err)
		err = net_tap_set_carrier(nf->tap_fds[0], true);
	return err;
}

static int setup_queues(struct netfront *nf)
{
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < nf->nqueues; i++) {
		struct nf_queue *q = &nf->q[i];

		memset(q, 0, sizeof(*q));
		q->nf = nf;
		q->id = i;
		q->tap_fd = -1;
		err = queue_rings(nf, q);
		if (!err)
			err = queue_buffers(nf, q);
	}
	return err;
}

static void start_queues(struct netfront *nf)
{
	unsigned int i;

	for (i = 0; i < nf->nqueues; i++) {
		struct nf_queue *q = &nf->q[i];

		q->tap_fd = nf->tap_fds[i];
		q->tap_readable = true;
		nf_rx_refill(q);
	}
}

static int handshake(struct netfront *nf, int timeout_ms)
{
	unsigned int want = nf->cfg.queues ? nf->cfg.queues : 1;
	int ret;

	ret = xenbus_dev_switch(nf->dev, XPV_XENBUS_STATE_INITIALISING);
	if (!ret)
		ret = xenbus_dev_wait(
			nf->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
			timeout_ms);
	if (ret >= 0)
		ret = read_backend(nf);
	if (ret)
		return ret;
	nf->nqueues = want < nf->max_queues ? want : nf->max_queues;
	if (nf->taps_handed_in && nf->nqueues > nf->ntaps)
		nf->nqueues = nf->ntaps;
	ret = setup_queues(nf);
	if (!ret)
		ret = publish(nf);
	if (!ret)
		ret = xenbus_dev_wait(
			nf->dev,
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED) |
				CLOSED_OR_GONE,
			timeout_ms);
	if (ret < 0)
		return ret;
	return ret == XPV_XENBUS_STATE_CONNECTED ? 0 : -ECONNREFUSED;
}

/* No NIC handed in yet and none we could make (no /dev/net/tun, as in a
 * sim guest): dom0 may still be making it; wait for it as long as we
 * would wait for the backend. */
static void wait_handed_in(struct netfront *nf, int timeout_ms)
{
	int waited = 0;

	if (take_handed_in(nf) == -EOPNOTSUPP)
		return;
	while (!nf->ntaps && access("/dev/net/tun", R_OK | W_OK) &&
	       (timeout_ms < 0 || waited < timeout_ms)) {
		usleep(50000);
		waited += 50;
		take_handed_in(nf);
	}
}

int nf_connect(struct netfront *nf, int timeout_ms)
{
	int ret;

	wait_handed_in(nf, timeout_ms);
	ret = handshake(nf, timeout_ms);

	if (!ret)
		ret = open_nic(nf);
	if (ret) {
		nf_disconnect(nf, timeout_ms);
		return ret;
	}
	start_queues(nf);
	return 0;
}

/* Close the connection with the backend (which lets go of the rings and
 * stops copying), then free the buffers. The NIC stays, without
 * carrier. */
void nf_disconnect(struct netfront *nf, int timeout_ms)
{
	unsigned int i;

	if (nf->ntaps)
		net_tap_set_carrier(nf->tap_fds[0], false);
	if (xenbus_dev_disconnect(nf->dev, timeout_ms))
		fprintf(stderr,
			"netfront: %s: the backend did not close in "
			"time\n",
			nf->dir);
	for (i = 0; i < nf->nqueues; i++) {
		struct nf_queue *q = &nf->q[i];

		free_buffers(nf, q);
		nf->gone.tx_packets += q->stats.tx_packets;
		nf->gone.tx_bytes += q->stats.tx_bytes;
		nf->gone.tx_dropped += q->stats.tx_dropped;
		nf->gone.rx_packets += q->stats.rx_packets;
		nf->gone.rx_bytes += q->stats.rx_bytes;
		nf->gone.rx_dropped += q->stats.rx_dropped;
		nf->gone.rx_errors += q->stats.rx_errors;
		memset(q, 0, sizeof(*q));
		q->tap_fd = -1;
	}
	nf->nqueues = 0;
}
