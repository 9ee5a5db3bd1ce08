/*
 * vif.h - the data path of xpv-netback, independent of xenstore: a vif is
 * a TAP device in dom0 (net/tap.h) and, once its frontend connected, one
 * queue per ring pair (tx: guest to dom0, rx: dom0 to guest) with its own
 * TAP queue and event channel(s). The control plane (xenbus.c) reads the
 * keys and calls these; the event loop (main.c) hands the epoll events
 * back.
 *
 *   nb_ctx_init(&ctx, hv, epfd)            once per daemon
 *   nb_vif_create(&ctx, &cfg, &vif)        probe: the TAP exists from here
 *   nb_vif_connect(vif, &features, n, rings)  map, bind, carrier on
 *   ... nb_ctx_event(&ctx, ptr, events) for each epoll event of ours,
 *       nb_ctx_run_busy(&ctx) while it says work is left ...
 *   nb_vif_disconnect(vif)                 unmap, unbind, carrier off
 *   nb_vif_destroy(vif)                    the TAP goes
 *
 * Disconnect and destroy take the queues' fds out of the epoll set and
 * free what their events point at: an event already returned by
 * epoll_wait must reach nb_ctx_event before them (main.c runs the control
 * plane after the rest of each batch).
 *
 * A frontend that breaks the ring protocol gets its vif stopped and
 * cfg.on_fatal called once, with a sentence saying what it did; the
 * control plane then closes the device (xpv_backend_fatal). Other vifs go
 * on.
 *
 * Single-threaded: everything here runs in the thread of the event loop.
 * Error convention: 0 or -errno; pointers NULL with errno.
 */
#ifndef XPV_NETBACK_VIF_H
#define XPV_NETBACK_VIF_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/hv.h"

/* Queues a vif may have (multi-queue-max-queues). */
#define NB_MAX_QUEUES 8u

struct nb_vif;
struct nb_queue;

/* What every vif of one daemon shares. */
struct nb_ctx {
	struct hv *hv;
	int epfd; /* the event loop's epoll: data.ptr of ours is ours */
	struct nb_queue *busy; /* queues with work left after their budget */
	struct nb_vif *vifs; /* every vif, for statistics */
	char stats_dir[256]; /* "" when statistics are not written */
	int stats_timer; /* fd, -1 when none */
	/* Set before a daemon that stops closes its vifs: their TAPs stay
	 * (persistent, on their bridges) for the next daemon to take up. */
	bool keep_taps;
};

struct nb_vif_config {
	hv_domid_t domid;
	unsigned int devid;
	char name[IF_NAMESIZE]; /* the TAP's name, Xen's vif<domid>.<devid> */
	unsigned int mtu; /* 0: 1500 */
	uint64_t rate_bytes; /* guest tx credit per interval; 0: unlimited */
	uint32_t rate_usec;
	void (*on_fatal)(void *arg, const char *why);
	void *arg;
};

/* What the frontend said it can do (its feature-* and request-* keys). */
struct nb_features {
	bool sg; /* feature-sg: packets over several rx slots */
	bool gso_tcpv4, gso_tcpv6; /* feature-gso-tcpv4/6: GSO on rx */
	bool csum; /* IPv4 blank checksums on rx (no feature-no-csum-offload) */
	bool ipv6_csum; /* feature-ipv6-csum-offload */
	bool persistent; /* feature-persistent: its buffers' grants are
			    reused for the connection (pgrant.c) */
};

/* One queue's rings and ports, as the frontend published them. */
struct nb_queue_rings {
	hv_gref_t tx_ref, rx_ref;
	hv_port_t tx_port, rx_port; /* equal: one event channel */
};

/* Statistics, from the guest's point of view (tx: what it sent). */
struct nb_stats {
	uint64_t tx_packets, tx_bytes; /* delivered to the TAP */
	uint64_t tx_dropped; /* malformed, bad grants, refused by the TAP */
	uint64_t tx_errors; /* ring protocol violations */
	uint64_t rx_packets, rx_bytes; /* copied into the guest's buffers */
	uint64_t rx_dropped; /* no buffers (stalled), too big, unusable */
	uint64_t rx_errors; /* grant copies into its buffers that failed */
	uint64_t tx_rate_limited; /* times the tx credit ran out */
	uint64_t rx_stalls; /* times the guest posted no buffers for long */
};

int nb_ctx_init(struct nb_ctx *ctx, struct hv *hv, int epfd);
/* Write each vif's statistics into dir/<name> once a second (see
 * docs/network.md). */
int nb_ctx_stats_dir(struct nb_ctx *ctx, const char *dir);
void nb_ctx_fini(struct nb_ctx *ctx);
/* An epoll event whose data.ptr came from here. */
void nb_ctx_event(struct nb_ctx *ctx, void *ptr, uint32_t events);
/* Give each busy queue one more budget; true while work is left (poll
 * with a zero timeout then). */
bool nb_ctx_run_busy(struct nb_ctx *ctx);

/* The TAP, one queue open, carrier off, MAC fe:ff:ff:ff:ff:ff, MTU set. */
int nb_vif_create(struct nb_ctx *ctx, const struct nb_vif_config *cfg,
		  struct nb_vif **vifp);
void nb_vif_destroy(struct nb_vif *vif);
const char *nb_vif_name(const struct nb_vif *vif);

/*
 * Map each queue's rings, bind its ports, open its TAP queue, set the
 * offloads the frontend can take, carrier on. On failure nothing stays
 * connected, and *why (if not NULL) says which step failed.
 */
int nb_vif_connect(struct nb_vif *vif, const struct nb_features *f,
		   unsigned int nqueues, const struct nb_queue_rings *rings,
		   const char **why);
/* Idempotent; undoes a half-done connect. */
void nb_vif_disconnect(struct nb_vif *vif);
bool nb_vif_connected(const struct nb_vif *vif);

void nb_vif_stats(const struct nb_vif *vif, struct nb_stats *s);

#endif /* XPV_NETBACK_VIF_H */
