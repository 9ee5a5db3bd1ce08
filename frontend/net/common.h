/*
 * common.h - what netfront's files share (netfront.c, connect.c, tx.c,
 * rx.c): the device and its queues.
 */
#ifndef XPV_FRONTEND_NET_COMMON_H
#define XPV_FRONTEND_NET_COMMON_H

#include <linux/virtio_net.h>
#include <net/if.h>

#include "frontend/net/netfront.h"
#include "frontend/xenbus_dev.h"
#include "net/vnet.h"
#include "ring/netif.h"

/* Buffers per queue each way: one page each, granted for the whole
 * connection (the backend only grant-copies, never maps them). */
#define NF_TX_BUFS 256u
#define NF_RX_BUFS 256u
/* Slots one tx packet may take: a 64 KiB frame's pages and an extra. */
#define NF_TX_MAX_PAGES 17u
/* A received packet's data slots at most (Linux's netfront allows
 * XEN_NETIF_NR_SLOTS_MIN). */
#define NF_RX_MAX_SLOTS XPV_NETIF_NR_SLOTS_MIN
#define NF_VNET_HDR_LEN sizeof(struct virtio_net_hdr)
/* Packets per turn each way before the others get theirs. */
#define NF_BUDGET 64u

struct nf_queue {
	struct netfront *nf;
	unsigned int id;
	int tap_fd;
	int tx_port, rx_port;
	hv_gref_t tx_ref, rx_ref;
	struct xpv_front_ring tx, rx;
	bool tap_readable; /* no EAGAIN since the last edge */
	bool more; /* a budget ran out with work left: run again soon */

	uint8_t *tx_pages; /* NF_TX_BUFS pages, granted read-only */
	hv_gref_t tx_grefs[NF_TX_BUFS];
	uint16_t tx_free[NF_TX_BUFS];
	unsigned int tx_nfree;
	bool tx_busy[NF_TX_BUFS]; /* sent, not answered yet */

	uint8_t *rx_pages; /* NF_RX_BUFS pages, granted writable */
	hv_gref_t rx_grefs[NF_RX_BUFS];
	uint16_t rx_free[NF_RX_BUFS];
	unsigned int rx_nfree;
	uint16_t rx_slot_buf[NF_RX_BUFS]; /* ring slot -> buffer posted */

	struct netfront_stats stats;
};

struct netfront {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	struct netfront_config cfg;
	char dir[64];
	char ifname[IF_NAMESIZE];
	uint8_t mac[6];
	unsigned int mtu;
	/* the backend's features */
	bool sg, gso_tcpv4, gso_tcpv6, ipv6_csum, split;
	unsigned int max_queues;

	unsigned int nqueues; /* connected queues; 0: not connected */
	struct nf_queue q[NETFRONT_MAX_QUEUES];
	int tap_fds[NETFRONT_MAX_QUEUES]; /* the NIC's queues, -1: none */
	unsigned int ntaps;
	bool taps_handed_in;
	char ev_mark; /* data.ptr of the event channel fd */
	struct netfront_stats gone; /* of connections before this one */
};

/* connect.c */
int nf_connect(struct netfront *nf, int timeout_ms);
void nf_disconnect(struct netfront *nf, int timeout_ms);

/* tx.c: frames from the NIC onto the tx ring, answers off it. */
int nf_tx_from_tap(struct nf_queue *q, unsigned int budget);
int nf_tx_gc(struct nf_queue *q, bool want_event);
/* rx.c: packets off the rx ring into the NIC; buffers posted again. */
int nf_rx_poll(struct nf_queue *q, unsigned int budget);
void nf_rx_refill(struct nf_queue *q);

int nf_notify(struct nf_queue *q, int port);

#endif /* XPV_FRONTEND_NET_COMMON_H */
