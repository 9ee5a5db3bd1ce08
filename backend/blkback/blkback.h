/*
 * blkback.h - the request path of xpv-blkback: one queue (one shared ring,
 * one event channel) of one virtual block device, served on its own
 * io_uring by one thread.
 *
 * A queue copies each request out of the shared ring once, validates the
 * private copy (request.c), resolves its grants (persistent map cache or
 * grant copy through a bounce pool), submits the data I/O on io_uring
 * (io.c), and answers on the ring once the I/O completed. Every value the
 * frontend wrote is hostile: see docs/block.md, "A hostile frontend".
 *
 * Threads: a queue is driven by one thread at a time (blkback_queue_run
 * makes that thread); only blkback_queue_stop and blkback_queue_stats may
 * be called from another.
 *
 * Error convention: int functions return 0 or -errno; pointer functions
 * return NULL and set errno.
 */
#ifndef XPV_BLKBACK_H
#define XPV_BLKBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "backend/blkback/grant.h"
#include "backend/image/image.h"

/* What xpv-blkback advertises and the request path enforces. */
#define BLKBACK_MAX_RING_PAGE_ORDER 4 /* max-ring-page-order */
#define BLKBACK_MAX_INDIRECT_SEGMENTS 256 /* feature-max-indirect-segments */
#define BLKBACK_MAX_QUEUES 4 /* multi-queue-max-queues */
/* A device's share of requests in flight, split between its queues
 * (max_inflight), never less than BLKBACK_QUEUE_MIN_INFLIGHT a queue. */
#define BLKBACK_VBD_MAX_INFLIGHT 64
#define BLKBACK_QUEUE_MIN_INFLIGHT 16
/* Persistent grants one queue keeps mapped, as Linux's max_pgrants. */
#define BLKBACK_DEFAULT_MAX_PGRANTS 1056
/* A queue thread's polling bound (poll_us) unless the daemon is told
 * otherwise (xpv-blkback --poll-us, XPV_BLKBACK_POLL_US). */
#define BLKBACK_DEFAULT_POLL_US 0 /* measured: no gain here (docs) */
#define BLKBACK_MAX_POLL_US 1000
/* Pages of the bounce pool of a queue that grant-copies (8 MiB). */
#define BLKBACK_BOUNCE_PAGES 2048

struct blkback_queue;

/* Counters of one queue; read with blkback_queue_stats. */
struct blkback_stats {
	uint64_t rd_req, wr_req, flush_req, discard_req;
	uint64_t rd_sect, wr_sect;
	uint64_t errors; /* answered BLKIF_RSP_ERROR */
	uint64_t unsupported; /* answered BLKIF_RSP_EOPNOTSUPP */
	uint64_t inflight; /* consumed, not yet answered */
	uint64_t pgrants; /* persistent grants mapped now */
	uint64_t stalls; /* times the ring waited for free resources */
};

struct blkback_queue_config {
	struct blkback_grants *grants; /* the frontend's grants; queue owns */
	struct img *img; /* shared by the device's queues (image.h) */
	struct xpv_sring *sring; /* the mapped ring, 2^ring_order pages */
	unsigned int ring_order;
	bool persistent; /* frontend wrote feature-persistent=1 */
	unsigned int max_indirect_segs; /* advertised; 0: no indirect */
	unsigned int max_pgrants; /* 0: BLKBACK_DEFAULT_MAX_PGRANTS */
	/*
	 * The most requests taken off the ring and not yet answered (0 or
	 * more than the ring holds: the ring's size). The queue's share of
	 * the kernel's I/O queue and of its own thread's turns: what is
	 * beyond it waits on the ring until answers make room, so a
	 * frontend that keeps its ring full holds at most this many ahead
	 * of another's (docs/block.md, "A hostile frontend").
	 */
	unsigned int max_inflight;
	/*
	 * Bounded polling (docs/block.md, "Polling"): after a turn that did
	 * work, the queue's thread looks at the ring's req_prod and its
	 * io_uring's completions (shared memory, no system call) for at
	 * most this many microseconds before it arms req_event and sleeps;
	 * while it looks, the frontend need not notify. 0: never poll.
	 */
	unsigned int poll_us;
	/*
	 * Event channel: notify the frontend (one system call, once per
	 * batch of responses); NULL in tests that poll. evtchn_fd, if >= 0,
	 * is polled on the queue's io_uring; on_evtchn is then called to
	 * drain and unmask it.
	 */
	void (*notify)(void *opaque);
	int evtchn_fd;
	void (*on_evtchn)(void *opaque);
	/* The frontend broke the ring protocol: the queue stops taking
	 * requests (in-flight ones are still answered). why is a sentence
	 * for xenstore's error node. */
	void (*broken)(void *opaque, const char *why);
	void *opaque;
	/*
	 * The queue's resume log (resume.h), NULL for none: a file that
	 * outlives the daemon and says what the queue took off the ring and
	 * has not answered. resume: the ring is one a killed daemon served
	 * (the frontend still Connected on it): the queue starts where that
	 * daemon's log says, answering first what it left unanswered;
	 * blkback_queue_create fails (ENOENT, EINVAL) when the log cannot
	 * say, and then, if resume_refused is not NULL, puts there which
	 * check refused the log (a constant string: blkback_rlog_resume's
	 * why, docs/block.md). Otherwise a fresh log for a fresh ring.
	 */
	const char *resume_log;
	bool resume;
	const char **resume_refused;
};

/*
 * Make a queue on a mapped ring. All its memory is allocated here and
 * bounded by the ring size and the limits above. NULL and errno on
 * failure (EINVAL: a bad order or config).
 */
struct blkback_queue *blkback_queue_create(const struct blkback_queue_config *c)
	__attribute__((warn_unused_result));
/* Answer what is in flight, unmap every grant, free. The ring stays
 * mapped (the caller's). */
void blkback_queue_destroy(struct blkback_queue *q);

/* Serve the ring in a thread of its own until blkback_queue_stop. */
int blkback_queue_start(struct blkback_queue *q);
/* Ask the thread to finish what is in flight and exit; waits for it. */
void blkback_queue_stop(struct blkback_queue *q);

/*
 * One step of the queue, for a caller that runs it itself (tests, the
 * fuzzer): take what the ring offers, submit, and when wait is true wait
 * for at least one completion; answer what completed. Returns the number
 * of requests still in flight, or -errno.
 */
int blkback_queue_poll(struct blkback_queue *q, bool wait);
/* How many requests a killed daemon left unanswered on this ring the
 * queue took from its resume log (0 on a fresh ring). */
unsigned int blkback_queue_replays(const struct blkback_queue *q);
/* True once the frontend broke the ring protocol. */
bool blkback_queue_broken(const struct blkback_queue *q);

void blkback_queue_stats(const struct blkback_queue *q,
			 struct blkback_stats *out);

#endif /* XPV_BLKBACK_H */
