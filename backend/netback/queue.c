/*
 * queue.c - one queue of a vif: its two rings (mapped from the guest's
 * grants), its event channel(s), its TAP queue and its timer, from connect
 * to disconnect; and the dispatch of its events.
 *
 * Restarting: a new xpv-netback maps rings a previous one served. Each
 * ring is attached where the old daemon stopped answering (its rsp_prod):
 * tx requests left unanswered are sent now, rx buffers posted and unused
 * are used.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "backend/netback/common.h"
#include "net/tap.h"

uint64_t nb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int watch(struct nb_queue *q, int fd, struct nb_src *src,
		 enum nb_src_kind kind, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	src->kind = kind;
	src->q = q;
	return epoll_ctl(q->vif->ctx->epfd, EPOLL_CTL_ADD, fd, &ev) ? -errno :
								      0;
}

static void unwatch(struct nb_queue *q, int fd)
{
	if (fd >= 0)
		epoll_ctl(q->vif->ctx->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void *map_buf(void)
{
	void *p = mmap(NULL, NB_BUF_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int alloc_batches(struct nb_queue *q)
{
	q->tx_items = calloc(NB_TX_BATCH, sizeof(*q->tx_items));
	q->tx_segs = calloc(NB_TX_BATCH * NB_TX_SLOTS_MAX, sizeof(*q->tx_segs));
	q->rx_items = calloc(NB_RX_BATCH, sizeof(*q->rx_items));
	q->rx_segs = calloc(NB_RX_BATCH * NB_RX_SLOTS_MAX, sizeof(*q->rx_segs));
	q->tx_buf = map_buf();
	q->rx_buf = map_buf();
	if (!q->tx_items || !q->tx_segs || !q->rx_items || !q->rx_segs ||
	    !q->tx_buf || !q->rx_buf)
		return -ENOMEM;
	return 0;
}

static void free_batches(struct nb_queue *q)
{
	free(q->tx_items);
	free(q->tx_segs);
	free(q->rx_items);
	free(q->rx_segs);
	if (q->tx_buf)
		munmap(q->tx_buf, NB_BUF_SIZE);
	if (q->rx_buf)
		munmap(q->rx_buf, NB_BUF_SIZE);
	q->tx_items = NULL;
	q->tx_segs = NULL;
	q->rx_items = NULL;
	q->rx_segs = NULL;
	q->tx_buf = q->rx_buf = NULL;
}

/* Map one ring page and attach where the last backend stopped. */
static void *map_ring(struct nb_queue *q, hv_gref_t ref,
		      struct xpv_back_ring *r, size_t req, size_t rsp)
{
	struct xpv_sring *s =
		hv_grant_map(q->vif->ctx->hv, q->vif->cfg.domid, 1, &ref, true);

	if (!s)
		return NULL;
	xpv_back_ring_attach(r, s, XPV_RING_PAGE_SIZE, req, rsp,
			     __atomic_load_n(&s->rsp_prod, __ATOMIC_ACQUIRE));
	return s;
}

static int map_rings(struct nb_queue *q, const struct nb_queue_rings *rr,
		     const char **why)
{
	q->tx_page = map_ring(q, rr->tx_ref, &q->tx,
			      sizeof(struct xpv_netif_tx_request),
			      sizeof(struct xpv_netif_tx_response));
	if (!q->tx_page) {
		*why = "mapping tx-ring-ref";
		return -errno;
	}
	q->rx_page = map_ring(q, rr->rx_ref, &q->rx,
			      sizeof(struct xpv_netif_rx_request),
			      sizeof(struct xpv_netif_rx_response));
	if (!q->rx_page) {
		*why = "mapping rx-ring-ref";
		return -errno;
	}
	return 0;
}

static int bind_ports(struct nb_queue *q, const struct nb_queue_rings *rr,
		      const char **why)
{
	hv_domid_t dom = q->vif->cfg.domid;

	q->ev = hv_evtchn_open(q->vif->ctx->hv);
	if (!q->ev) {
		*why = "opening an event channel handle";
		return -errno;
	}
	q->tx_port = hv_evtchn_bind_interdomain(q->ev, dom, rr->tx_port);
	if (q->tx_port < 0) {
		*why = "binding the tx event channel";
		return q->tx_port;
	}
	if (rr->rx_port == rr->tx_port) {
		q->rx_port = q->tx_port;
		return 0;
	}
	q->rx_port = hv_evtchn_bind_interdomain(q->ev, dom, rr->rx_port);
	if (q->rx_port < 0) {
		*why = "binding the rx event channel";
		return q->rx_port;
	}
	return 0;
}

static int open_tap_queue(struct nb_queue *q, const char **why)
{
	q->tap_fd = q->id == 0 ? q->vif->tap0 : net_tap_open(q->vif->cfg.name);
	if (q->tap_fd < 0) {
		*why = "opening a TAP queue";
		return q->tap_fd;
	}
	q->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (q->timer_fd < 0) {
		*why = "creating a timer";
		return -errno;
	}
	return 0;
}

static int watch_all(struct nb_queue *q, const char **why)
{
	int err = watch(q, hv_evtchn_fd(q->ev), &q->src_ev, NB_SRC_EVTCHN,
			EPOLLIN);

	if (!err)
		err = watch(q, q->tap_fd, &q->src_tap, NB_SRC_TAP,
			    EPOLLIN | EPOLLET);
	if (!err)
		err = watch(q, q->timer_fd, &q->src_timer, NB_SRC_TIMER,
			    EPOLLIN);
	if (err)
		*why = "adding to the event loop";
	return err;
}

int nb_queue_connect(struct nb_queue *q, const struct nb_queue_rings *rr,
		     const char **why)
{
	const struct nb_vif_config *cfg = &q->vif->cfg;
	int err;

	q->tap_fd = q->timer_fd = q->tx_port = q->rx_port = -1;
	err = alloc_batches(q);
	if (!err)
		err = nb_pgrants_init(&q->pg, q->vif->f.persistent);
	if (err)
		*why = "allocating buffers";
	if (!err)
		err = map_rings(q, rr, why);
	if (!err)
		err = bind_ports(q, rr, why);
	if (!err)
		err = open_tap_queue(q, why);
	if (!err)
		err = watch_all(q, why);
	if (err) {
		nb_queue_disconnect(q);
		return err;
	}
	nb_rate_init(&q->rate, cfg->rate_bytes, cfg->rate_usec);
	q->rx_need = nb_rx_slots_needed(q->vif);
	q->tap_readable = true;
	return 0;
}

static void leave_busy(struct nb_queue *q)
{
	struct nb_queue **pp;

	if (!q->busy)
		return;
	for (pp = &q->vif->ctx->busy; *pp; pp = &(*pp)->next_busy)
		if (*pp == q) {
			*pp = q->next_busy;
			break;
		}
	q->busy = false;
}

void nb_queue_disconnect(struct nb_queue *q)
{
	struct nb_vif *vif = q->vif;

	leave_busy(q);
	if (q->ev)
		unwatch(q, hv_evtchn_fd(q->ev));
	unwatch(q, q->tap_fd);
	unwatch(q, q->timer_fd);
	if (q->timer_fd >= 0)
		close(q->timer_fd);
	if (q->ev)
		hv_evtchn_close(q->ev); /* unbinds the ports */
	if (q->tap_fd >= 0 && q->tap_fd != vif->tap0)
		close(q->tap_fd);
	nb_pgrants_fini(q);
	if (q->tx_page)
		hv_grant_unmap(vif->ctx->hv, q->tx_page, 1);
	if (q->rx_page)
		hv_grant_unmap(vif->ctx->hv, q->rx_page, 1);
	free_batches(q);
	nb_stats_add(&vif->gone, &q->stats);
	memset(q, 0, sizeof(*q));
	q->vif = vif;
	q->tap_fd = q->timer_fd = q->tx_port = q->rx_port = -1;
}

void nb_vif_log(struct nb_vif *vif, const char *fmt, ...)
{
	uint64_t now = nb_now_ns();
	va_list ap;

	if (now - vif->log_window_ns >= NB_LOG_WINDOW_MS * 1000000ull) {
		if (vif->log_dropped)
			fprintf(stderr,
				"xpv-netback: %s: %u messages dropped\n",
				vif->cfg.name, vif->log_dropped);
		vif->log_window_ns = now;
		vif->log_used = vif->log_dropped = 0;
	}
	if (vif->log_used >= NB_LOG_BURST) {
		vif->log_dropped++;
		return;
	}
	vif->log_used++;
	va_start(ap, fmt);
	fprintf(stderr, "xpv-netback: %s: ", vif->cfg.name);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void nb_grant_copy(struct nb_queue *q, unsigned int n, struct hv_copy_seg *segs)
{
	int err = hv_grant_copy(q->vif->ctx->hv, n, segs);
	unsigned int i;

	for (i = 0; err && i < n; i++)
		segs[i].status = (int16_t)err;
}

/*
 * Tell the frontend of the responses of this turn: one notify per port,
 * after all the batches, so the frontend woken (and on a busy machine
 * scheduled in our place) finds the whole turn's work, not one batch.
 */
static void notify(struct nb_queue *q)
{
	int err = 0;

	if (q->notify_tx)
		err = hv_evtchn_notify(q->ev, (hv_port_t)q->tx_port);
	if (q->notify_rx && !(q->notify_tx && q->rx_port == q->tx_port))
		err = hv_evtchn_notify(q->ev, (hv_port_t)q->rx_port);
	/* A port gone (the frontend closed it) means a disconnect is on its
	 * way: nothing to do here. */
	(void)err;
	q->notify_tx = q->notify_rx = false;
}

void nb_queue_fatal(struct nb_queue *q, const char *why)
{
	struct nb_vif *vif = q->vif;

	if (q->broken)
		return;
	q->broken = true;
	q->stats.tx_errors++;
	nb_vif_log(vif, "queue %u: %s: the frontend broke the ring", q->id,
		   why);
	net_tap_set_carrier(vif->tap0, false);
	if (!vif->failed && vif->cfg.on_fatal) {
		vif->failed = true;
		vif->cfg.on_fatal(vif->cfg.arg, why);
	}
}

void nb_queue_update_timer(struct nb_queue *q)
{
	uint64_t at = q->rate_at_ns;
	struct itimerspec its = { 0 };

	if (q->rx_stall_at_ns && (!at || q->rx_stall_at_ns < at))
		at = q->rx_stall_at_ns;
	/* A timer set for no later fires first and calls this again: moving
	 * it later, or disarming it, would only cost a system call each time
	 * a guest's rx buffers run short for a moment. */
	if (!at || (q->timer_at_ns && q->timer_at_ns <= at))
		return;
	q->timer_at_ns = at;
	its.it_value.tv_sec = (time_t)(at / 1000000000ull);
	its.it_value.tv_nsec = (long)(at % 1000000000ull);
	timerfd_settime(q->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_timer(struct nb_queue *q)
{
	uint64_t now = nb_now_ns(), ticks;

	if (read(q->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return;
	q->timer_at_ns = 0;
	if (q->rate_at_ns && now >= q->rate_at_ns) {
		q->rate_at_ns = 0;
		nb_rate_refill(&q->rate);
	}
	if (q->rx_stall_at_ns && now >= q->rx_stall_at_ns) {
		q->rx_stall_at_ns = 0;
		nb_rx_stall(q);
	}
	nb_queue_update_timer(q);
}

static void drain_ports(struct nb_queue *q)
{
	int port;

	while ((port = hv_evtchn_pending(q->ev)) >= 0)
		if (hv_evtchn_unmask(q->ev, (hv_port_t)port) < 0)
			break;
}

bool nb_queue_work(struct nb_queue *q)
{
	bool more;

	if (q->broken || !q->tx_page)
		return false;
	more = nb_tx_work(q, NB_BUDGET);
	if (!q->broken)
		more |= nb_rx_work(q, NB_BUDGET);
	notify(q);
	return more && !q->broken;
}

static void make_busy(struct nb_ctx *ctx, struct nb_queue *q)
{
	if (q->busy)
		return;
	q->busy = true;
	q->next_busy = ctx->busy;
	ctx->busy = q;
}

void nb_ctx_event(struct nb_ctx *ctx, void *ptr,
		  uint32_t events __attribute__((unused)))
{
	struct nb_src *src = ptr;
	struct nb_queue *q = src->q;

	switch (src->kind) {
	case NB_SRC_STATS:
		nb_stats_write(ctx);
		return;
	case NB_SRC_EVTCHN:
		drain_ports(q);
		break;
	case NB_SRC_TAP:
		q->tap_readable = true;
		break;
	case NB_SRC_TIMER:
		on_timer(q);
		break;
	}
	if (nb_queue_work(q))
		make_busy(ctx, q);
}

bool nb_ctx_run_busy(struct nb_ctx *ctx)
{
	struct nb_queue *list = ctx->busy, *q;

	ctx->busy = NULL;
	while ((q = list)) {
		list = q->next_busy;
		q->busy = false;
		if (nb_queue_work(q))
			make_busy(ctx, q);
	}
	return ctx->busy != NULL;
}
