/*
 * netfront.h - the guest's side of a vif: the netif rings (xen/io/netif.h,
 * ring/netif.h) between a NIC of the guest and dom0's backend.
 *
 * The NIC is a TAP opened with IFF_VNET_HDR (net/tap.h): on sim, eth<N>
 * in the guest's own network namespace, so the guest's Linux stack (ping,
 * TCP, iperf3) runs over it; frames cross with their virtio-net header, so
 * GSO and checksum offload go through the rings unsegmented. Each queue
 * has its own TAP queue fd.
 *
 *   nf = netfront_open(hv, xb, &cfg);       reads the device directory
 *   netfront_connect(nf, timeout_ms);       the handshake, then the NIC
 *   ... poll netfront_fds(); netfront_event(nf, ptr) for each event ...
 *   ... a watch event with netfront_token(nf): netfront_backend_changed(nf)
 *   netfront_close(nf);
 *
 * Negotiated as Linux's xen-netfront does: request-rx-copy, feature-rx-
 * notify, feature-sg, feature-gso-tcpv4/6, feature-ipv6-csum-offload;
 * multi-queue-num-queues up to the backend's multi-queue-max-queues;
 * event-channel-tx/-rx when the backend offers split event channels; the
 * backend's mtu. A backend that closes (or breaks a ring) is left and
 * connected to again, with new rings, when it comes back; a backend that
 * restarts under a connected frontend keeps the same rings.
 *
 * The backend is not trusted either: responses are copied out of the ring
 * before use, ids and offsets bounded, a packet of impossible slots
 * dropped, an impossible response index ends the connection.
 *
 * Error convention: 0 or -errno; pointers NULL with errno.
 */
#ifndef XPV_FRONTEND_NET_NETFRONT_H
#define XPV_FRONTEND_NET_NETFRONT_H

#include <stdbool.h>
#include <stdint.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"

/* The most queues a netfront asks for (two rings each, within
 * XENBUS_DEV_MAX_RINGS). */
#define NETFRONT_MAX_QUEUES 8u

struct netfront;

struct netfront_config {
	const char *dir; /* "device/vif/0" */
	const char *ifname; /* the guest NIC, "eth0" */
	unsigned int queues; /* wanted (0: 1), at most the backend's */
	bool no_split; /* one event channel per queue even if offered */
	bool no_persistent; /* do not offer feature-persistent (the backend
			       then grant-copies every buffer) */
	/* A TAP dom0 made for the guest and handed in (one fd per queue),
	 * or none: then netfront makes ifname itself. */
	const int *tap_fds;
	unsigned int ntap_fds;
};

struct netfront_stats {
	uint64_t tx_packets, tx_bytes, tx_dropped;
	uint64_t rx_packets, rx_bytes, rx_dropped, rx_errors;
	uint64_t reconnects;
};

struct netfront *netfront_open(struct hv *hv, struct xenbus *xb,
			       const struct netfront_config *cfg);
void netfront_close(struct netfront *nf);

/* The handshake, the rings and the NIC. -ECONNREFUSED: the backend
 * closed instead (its `error` node says why). */
int netfront_connect(struct netfront *nf, int timeout_ms);
bool netfront_connected(const struct netfront *nf);

/*
 * The fds to poll (epoll: events[i], data.ptr = ptrs[i]): the event
 * channel handle (EPOLLIN) and each queue's TAP (EPOLLIN | EPOLLET: a
 * queue stops reading while its ring is full). Returns how many (at most
 * max); they change only at connect.
 */
int netfront_fds(struct netfront *nf, int *fds, uint32_t *events, void **ptrs,
		 unsigned int max);
/*
 * One of those fds is readable. Returns 1 when a budget ran out with work
 * left (call netfront_run soon, without waiting for an event: none may
 * come), 0, or -EIO when the backend broke a ring (then the connection is
 * closed: call netfront_backend_changed to go on).
 */
int netfront_event(struct netfront *nf, void *ptr);
/* Run every queue once, as after an event; the same returns. */
int netfront_run(struct netfront *nf);

/* The token of this device's watch on its backend's state. */
const char *netfront_token(const struct netfront *nf);
/*
 * Follow the backend after a watch event: Closing or Closed (or gone):
 * disconnect; back in InitWait after that: connect again with new rings.
 * Returns 1 when the fds changed (poll netfront_fds again), 0 if not.
 */
int netfront_backend_changed(struct netfront *nf, int timeout_ms);

void netfront_stats(const struct netfront *nf, struct netfront_stats *s);
const char *netfront_ifname(const struct netfront *nf);

#endif /* XPV_FRONTEND_NET_NETFRONT_H */
