/*
 * queue.h - what the files of one queue share (queue.c: taking requests
 * and answering them; io.c: resolving grants and submitting the data I/O
 * on io_uring; run.c: the queue's thread). Private to backend/blkback.
 */
#ifndef XPV_BLKBACK_QUEUE_H
#define XPV_BLKBACK_QUEUE_H

#include <liburing.h>
#include <pthread.h>
#include <sys/uio.h>

#include "backend/blkback/blkback.h"
#include "backend/blkback/bounce.h"
#include "backend/blkback/pgrant.h"
#include "backend/blkback/request.h"
#include "backend/blkback/resume.h"

/* io_uring user_data: a request's SQE is (index + 1) << 32 | the result
 * it must return (bytes, or 0); bit 63 marks the queue's own polls. */
#define UD_CONTROL (1ull << 63)
#define UD_EVTCHN (UD_CONTROL | 1)
#define UD_STOP (UD_CONTROL | 2)

/*
 * Extents one request may be split into by the image layer: a request of
 * at most 1 MiB touches at most 257 clusters of 4 KiB (adjacent ones are
 * merged). An image with smaller clusters may need a second mapping call
 * (BLKBACK_MAX_WRITES); a request it fragments beyond that fails.
 */
#define BLKBACK_MAX_EXTENTS 272
#define BLKBACK_MAX_WRITES 2

/* One request from its copy off the ring to its response. */
struct pending {
	struct blkback_req req;
	int verdict; /* 0, or the first -errno: the response's status */
	uint32_t sqes; /* submitted, not completed */
	bool barrier; /* flush-with-data: flush before the write too */
	/* copy mode: the request's run in the bounce pool */
	int32_t bounce_first;
	uint32_t bounce_pages;
	/* persistent mode: segments [0, pg_held) hold a cache entry, or
	 * the whole request is mapped at tmp_map */
	uint16_t pg_held;
	void *tmp_map;
	uint16_t tmp_count;
	struct iovec *iov; /* room for max segs */
	unsigned int niov;
	/* writes: the image layer's records, img_write_done at the end */
	struct img_write w[BLKBACK_MAX_WRITES];
	uint8_t nw;
	struct pending *next_free;
};

struct blkback_queue {
	struct blkback_queue_config c;
	struct blkback_limits lim;
	struct xpv_back_ring ring;
	struct io_uring uring;
	bool uring_ready;
	bool fixed; /* the bounce pool is io_uring buffer 0 */
	unsigned int max_segs; /* per request, indirect included */

	struct pending *pend;
	uint32_t npend;
	struct pending *free_list;
	struct pending *stalled; /* taken, waiting for resources */
	struct blkback_seg *seg_store;
	struct iovec *iov_store;
	uint8_t *scratch; /* indirect pages, copied out */
	struct hv_copy_seg *copy_segs; /* max_segs */
	struct img_extent *ext; /* BLKBACK_MAX_EXTENTS, for one request */
	struct iovec *slices; /* max_segs + BLKBACK_MAX_EXTENTS: the iovecs
				 of a request of several extents, until
				 submitted (IORING_FEAT_SUBMIT_STABLE) */
	struct img_info info;

	struct blkback_rlog *rlog; /* NULL: none */
	uint32_t replays; /* log entries [replayed, replays) to take first */
	uint32_t replayed;

	struct blkback_pgrants *pc; /* persistent mode */
	struct blkback_bounce bounce; /* copy mode */

	uint32_t inflight; /* taken, not answered */
	uint32_t max_inflight; /* the queue's share: c.max_inflight */
	uint32_t data_inflight; /* of those, with I/O submitted */
	bool broken;
	bool stopping;
	bool answered; /* responses not yet pushed */
	bool spinning; /* the thread polls: take requests, arm no event */
	bool worked; /* the last turn took a request or a completion */
	int stop_fd;
	pthread_t thread;
	bool thread_started;
	struct blkback_stats stats; /* written by the queue's thread only */
};

/* queue.c */
void blkback_answer(struct blkback_queue *q, struct pending *p);
/* Whether a turn would find something: requests it may take, or
 * completions. Reads shared memory only. */
bool blkback_queue_has_work(const struct blkback_queue *q);

/* io.c: start a checked request (resolve grants, submit), or finish it
 * once its last SQE completed. Either may answer it. */
void blkback_io_start(struct blkback_queue *q, struct pending *p);
void blkback_io_complete(struct blkback_queue *q, struct pending *p);
/* Whether p can start now (a flush waits for the data in flight). */
bool blkback_io_ready(const struct blkback_queue *q, const struct pending *p);
/* A free SQE, submitting what is queued when the ring is full. */
struct io_uring_sqe *blkback_io_sqe(struct blkback_queue *q);

static inline void stat_add(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, *counter + n, __ATOMIC_RELAXED);
}

#endif /* XPV_BLKBACK_QUEUE_H */
