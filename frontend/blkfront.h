/*
 * blkfront.h - a guest's block frontend as a library: one virtual block
 * device (device/vbd/<id>) on the blkif ring protocol (ring/blkif.h),
 * against any backend that speaks it (xpv-blkback, Linux's xen-blkback,
 * QEMU's qdisk).
 *
 *   bf = blkfront_open(hv, xb, "device/vbd/51712", &opts);
 *   blkfront_read(bf, offset, buf, len, done, arg);   ... asynchronous
 *   blkfront_kick(bf);                  notify the backend of a batch
 *   blkfront_poll(bf, timeout_ms);      completions: done(arg, status)
 *   blkfront_close(bf);
 *
 * Negotiation (docs/block.md has every key): persistent grants, indirect
 * segments, multi-queue and multi-page rings, each where the backend
 * offers it and the options allow. Data moves through a pool of pages
 * granted to the backend once (so a backend with persistent grants maps
 * each once); a request's bytes are copied between the caller's buffer
 * and the pool, unless the buffer is itself in the pool
 * (blkfront_buffer_alloc): then the backend's I/O lands in it directly.
 *
 * When the backend leaves Connected (it restarted, or closed), the next
 * blkfront_poll takes the answers it had pushed, closes the connection,
 * connects again and sends again every request still unanswered, in the
 * order they were first sent: a request is completed once, by the first
 * answer.
 *
 * Threads: one at a time. Error convention: int functions return 0 (or the
 * stated non-negative value) or -errno; pointer functions return NULL and
 * set errno.
 */
#ifndef XPV_FRONTEND_BLKFRONT_H
#define XPV_FRONTEND_BLKFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"

struct blkfront;

struct blkfront_opts {
	bool no_persistent; /* do not offer feature-persistent */
	bool no_indirect; /* never send indirect requests */
	unsigned int queues; /* at most this many (0: 1) */
	unsigned int ring_order; /* at most this order (0: one page) */
	unsigned int pool_pages; /* data pages granted (0: 512) */
	int timeout_ms; /* each handshake step (0: 10 s) */
	/* blkfront_poll, before it sleeps with requests in flight, looks
	 * at the rings for this many microseconds (0: never) */
	unsigned int poll_us;
};

struct blkfront_info {
	uint64_t sectors; /* 512-byte units */
	unsigned int sector_size;
	bool readonly, flush, discard, persistent;
	unsigned int max_indirect; /* 0: none */
	unsigned int queues, ring_order;
	size_t max_io; /* bytes one ring request carries */
	unsigned long reconnects;
	uint64_t copied; /* bytes copied between callers' buffers and the pool */
};

/* status: 0, -EIO (BLKIF_RSP_ERROR), -EOPNOTSUPP. */
typedef void (*blkfront_done_fn)(void *arg, int status);

/* Connect to the device whose frontend directory is dir. */
struct blkfront *blkfront_open(struct hv *hv, struct xenbus *xb,
			       const char *dir,
			       const struct blkfront_opts *opts);
/* Wait for what is in flight (at most the timeout), close the
 * connection (Closing, Closed), release every grant. */
void blkfront_close(struct blkfront *bf);

void blkfront_get_info(const struct blkfront *bf, struct blkfront_info *info);

/*
 * Queue an I/O: off and len multiples of 512; buf stays the caller's
 * until done is called. An I/O longer than max_io (what one ring request
 * carries: 44 KiB, or more with indirect segments) is split into up to 64
 * requests, and done is called once, when all are answered, with the
 * first error. -EBUSY: no room now (poll, then try again); -EINVAL,
 * -E2BIG (more than 64 requests), -EROFS, -EOPNOTSUPP (not offered).
 */
int blkfront_read(struct blkfront *bf, uint64_t off, void *buf, size_t len,
		  blkfront_done_fn done, void *arg);
int blkfront_write(struct blkfront *bf, uint64_t off, const void *buf,
		   size_t len, blkfront_done_fn done, void *arg);
/* Every write answered before it is durable when done(0) runs. */
int blkfront_flush(struct blkfront *bf, blkfront_done_fn done, void *arg);
int blkfront_discard(struct blkfront *bf, uint64_t off, uint64_t len,
		     blkfront_done_fn done, void *arg);

/* Notify the backend of what was queued since the last kick (only if it
 * asked). */
int blkfront_kick(struct blkfront *bf);

/*
 * Kick, then run completions: wait up to timeout_ms (0: do not wait, < 0:
 * forever) for the first; with requests in flight it first polls the
 * rings for at most opts.poll_us, without a system call. It also handles the backend leaving Connected
 * (reconnect and replay) when the store's fd has an event. Returns the number of
 * completions, or -errno (-ENOTCONN: the backend went away and did not
 * come back).
 */
int blkfront_poll(struct blkfront *bf, int timeout_ms);

/*
 * For a caller's own event loop: the two fds blkfront_poll waits on (the
 * backend's notifications, the store's watch events), to poll for POLLIN
 * beside its own; when either is ready, blkfront_poll(bf, 0), which then
 * also takes the notifications and the store's events (a backend that
 * left Connected: reconnect and replay), so the fds are quiet again. They may change
 * after a reconnection: ask again before each poll.
 */
void blkfront_fds(const struct blkfront *bf, int fds[2]);

/*
 * A buffer in the pool, for I/O without a copy: len rounded up to whole
 * pages, page-aligned, the caller's until blkfront_buffer_free. A read or
 * write whose buffer starts on a page of such a buffer and lies inside it
 * is not copied; any other buffer is. The pages stay granted to the
 * backend, which can read and write them at any time (a backend is not
 * trusted: check what is read, as after any read). NULL (errno ENOMEM)
 * when the pool has no free run that long: I/O still works, copied,
 * through what is left of the pool.
 */
void *blkfront_buffer_alloc(struct blkfront *bf, size_t len);
void blkfront_buffer_free(struct blkfront *bf, void *buf);
/* Bytes of the buffer blkfront_buffer_alloc returned at buf, else 0. */
size_t blkfront_buffer_len(const struct blkfront *bf, const void *buf);

/* Requests queued and not completed. */
unsigned int blkfront_inflight(const struct blkfront *bf);

/* Synchronous helpers (tests, tools): 0 or -errno. */
int blkfront_pread(struct blkfront *bf, void *buf, size_t len, uint64_t off);
int blkfront_pwrite(struct blkfront *bf, const void *buf, size_t len,
		    uint64_t off);
int blkfront_sync(struct blkfront *bf);

#endif /* XPV_FRONTEND_BLKFRONT_H */
