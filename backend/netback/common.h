/*
 * common.h - what the data path's files share (vif.c, queue.c, tx.c,
 * rx.c, rate.c, stats.c): the vif and queue structures. The control plane
 * sees only vif.h.
 */
#ifndef XPV_NETBACK_COMMON_H
#define XPV_NETBACK_COMMON_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/netback/tx_parse.h"
#include "backend/netback/vif.h"
#include "ring/netif.h"

#define NB_VNET_HDR_LEN sizeof(struct virtio_net_hdr)

/* Packets per batch each way (one grant copy, one notification). */
#define NB_TX_BATCH 64u
#define NB_RX_BATCH 64u
/* Batches a queue may run per turn before others get theirs. */
#define NB_BUDGET 4u
/* Bytes of packet data a batch holds each way. */
#define NB_BUF_SIZE (1u << 20)
/* The biggest frame a TAP hands over (GSO_LEGACY_MAX_SIZE). */
#define NB_MAX_FRAME 65536u
/* An rx packet's slots at most: the data, and the GSO extra. */
#define NB_RX_SLOTS_MAX (NB_MAX_FRAME / XPV_RING_PAGE_SIZE + 2)
/* No rx buffers for this long while packets wait: carrier off. */
#define NB_RX_STALL_MS 5000
#define NB_LOG_BURST 10u
#define NB_LOG_WINDOW_MS 10000u

/* Persistent grants (pgrant.c): at most NB_PGRANT_MAX kept mapped per
 * queue, in a table of NB_PGRANT_SLOTS. */
#define NB_PGRANT_MAX 1024u
#define NB_PGRANT_BITS 11
#define NB_PGRANT_SLOTS (1u << NB_PGRANT_BITS)

struct nb_pgrant {
	hv_gref_t ref;
	bool writable;
	uint8_t *addr; /* NULL: a free slot */
};

struct nb_pgrants {
	bool on; /* the frontend promised feature-persistent */
	unsigned int n;
	struct nb_pgrant *tab;
};

/* What an epoll event of ours points at. */
enum nb_src_kind { NB_SRC_EVTCHN, NB_SRC_TAP, NB_SRC_TIMER, NB_SRC_STATS };

struct nb_src {
	enum nb_src_kind kind;
	struct nb_queue *q; /* NULL for NB_SRC_STATS */
};

/* The guest tx credit (the `rate` key), as Linux's tx_credit_exceeded. */
struct nb_rate {
	uint64_t bytes; /* per interval; 0: unlimited */
	uint64_t usec;
	uint64_t remaining;
	uint64_t window_start_ns;
	bool limited; /* waiting for the timer */
};

/* One tx packet of a batch, between its parse and its responses. */
struct nb_tx_item {
	struct nb_tx_packet pkt;
	uint8_t *data; /* in tx_buf: the copied bytes */
	unsigned int seg; /* its first segment in tx_segs */
	/* Direct: its slots are persistent grants, written to the TAP from
	 * the guest's pages (ptr[i]), its virtio header made at admission. */
	bool direct;
	uint8_t *ptr[NB_TX_SLOTS_MAX];
	struct virtio_net_hdr hdr;
};

/* One rx packet of a batch: where its bytes are, its slots. */
struct nb_rx_item {
	uint8_t *data; /* copied: in rx_buf, after the virtio header */
	unsigned int len;
	struct net_meta meta;
	unsigned int seg, nsegs; /* copied: its segments in rx_segs */
	uint16_t ids[NB_RX_SLOTS_MAX]; /* request ids, slot by slot */
	uint16_t lens[NB_RX_SLOTS_MAX]; /* bytes of each data slot */
	unsigned int nslots; /* data and extra */
	bool failed; /* a copy into its buffers failed */
};

struct nb_queue {
	struct nb_vif *vif;
	unsigned int id;
	int tap_fd;
	struct hv_evtchn *ev;
	int tx_port, rx_port; /* local ports, -1 when unbound */
	void *tx_page, *rx_page; /* the mapped rings */
	struct xpv_back_ring tx, rx;
	int timer_fd;
	struct nb_src src_ev, src_tap, src_timer;
	bool tap_readable; /* no EAGAIN since the last edge */
	/* Responses pushed that the frontend asked to hear of: sent once at
	 * the end of the queue's turn (nb_queue_work), one notify for both
	 * rings when they share a port. */
	bool notify_tx, notify_rx;
	bool broken; /* the frontend broke a ring: serve no more */
	bool busy; /* on ctx->busy */
	struct nb_queue *next_busy;

	struct nb_pgrants pg;
	struct nb_rate rate;
	struct nb_tx_item *tx_items;
	struct hv_copy_seg *tx_segs;
	uint8_t *tx_buf;

	struct nb_rx_item *rx_items;
	struct hv_copy_seg *rx_segs;
	uint8_t *rx_buf;
	unsigned int rx_need; /* slots the biggest packet may take */
	uint64_t rx_stall_at_ns; /* 0: not waiting for buffers, else when
				    it counts as a stall */
	bool rx_stalled; /* carrier off until buffers come */
	uint64_t rate_at_ns; /* 0, or when the tx credit comes back */
	uint64_t timer_at_ns; /* what the timer is set to, 0: disarmed */

	struct nb_stats stats;
};

struct nb_vif {
	struct nb_ctx *ctx;
	struct nb_vif_config cfg;
	struct nb_vif *next; /* on ctx->vifs */
	int tap0; /* queue 0's TAP fd, open from create to destroy */
	unsigned int mtu;
	struct nb_features f;
	unsigned int nqueues; /* connected queues, 0 when not connected */
	struct nb_queue queues[NB_MAX_QUEUES];
	bool failed; /* on_fatal was called */
	uint64_t log_window_ns; /* start of the log limiter's window */
	unsigned int log_used, log_dropped;
	struct nb_stats gone; /* of queues since disconnected */
	uint64_t stats_written_gen, stats_gen;
};

/* queue.c */
/* One grant copy for a batch; a call refused as a whole (nothing was
 * attempted) fails every segment with its error. */
void nb_grant_copy(struct nb_queue *q, unsigned int n,
		   struct hv_copy_seg *segs);
int nb_queue_connect(struct nb_queue *q, const struct nb_queue_rings *r,
		     const char **why);
void nb_queue_disconnect(struct nb_queue *q);
/* Run the queue's work for one budget; true when work is left. */
bool nb_queue_work(struct nb_queue *q);
void nb_queue_fatal(struct nb_queue *q, const char *why);
/* A log line about the vif, at most NB_LOG_BURST per NB_LOG_WINDOW_MS: a
 * frontend decides how often its packets are dropped. */
void nb_vif_log(struct nb_vif *vif, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint64_t nb_now_ns(void);
/* Make the timer fire by the nearest of rate_at_ns and rx_stall_at_ns
 * (it may fire earlier: the handler checks the deadlines). */
void nb_queue_update_timer(struct nb_queue *q);

/* tx.c: serve the tx ring for up to budget batches; true when work is
 * left. */
bool nb_tx_work(struct nb_queue *q, unsigned int budget);
/* rx.c */
bool nb_rx_work(struct nb_queue *q, unsigned int budget);
/* The stall deadline passed: carrier off, what waits is dropped. */
void nb_rx_stall(struct nb_queue *q);
unsigned int nb_rx_slots_needed(const struct nb_vif *vif);

/* pgrant.c */
int nb_pgrants_init(struct nb_pgrants *pg, bool on);
void nb_pgrants_fini(struct nb_queue *q);
/* The mapping of a persistent grant (made on first use), or NULL: copy. */
uint8_t *nb_pgrant_get(struct nb_queue *q, hv_gref_t ref, bool writable);

/* rate.c */
void nb_rate_init(struct nb_rate *r, uint64_t bytes, uint64_t usec);
/* true when len may go now; else the time the credit comes in
 * *retry_ns. */
bool nb_rate_take(struct nb_rate *r, unsigned int len, uint64_t now_ns,
		  uint64_t *retry_ns);
void nb_rate_refill(struct nb_rate *r);

/* stats.c */
void nb_stats_add(struct nb_stats *to, const struct nb_stats *s);
int nb_stats_write(struct nb_ctx *ctx);
/* The vif is going: its file too. */
void nb_stats_forget(const struct nb_ctx *ctx, const struct nb_vif *vif);

#endif /* XPV_NETBACK_COMMON_H */
