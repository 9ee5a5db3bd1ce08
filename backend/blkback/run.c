/*
 * run.c - a queue's own thread: blkback_queue_poll until stopped. Between
 * batches it sleeps in one io_uring_enter that also submits the batch's
 * I/O; the event channel's fd is polled on the same io_uring, so a
 * frontend's notify, a completion and a stop all wake the same wait.
 *
 * Bounded polling: each sleep costs a wake-up later (the disk's
 * completion, or the frontend's notify, waking this thread across vCPUs,
 * then a wait on the run queue), and at 4 KiB the chain of those
 * wake-ups, not CPU, limits a device (docs/performance.md, "Block"). So
 * after a turn that did work the thread first looks, for at most
 * poll_us, at what it would wait for: the ring's req_prod and the
 * io_uring's completion queue, both in shared memory (a completion is
 * posted by the kernel's task work, which interrupts this thread: no
 * system call to see it). Meanwhile req_event stays as it was, so the
 * frontend does not notify (RING_FINAL_CHECK_FOR_REQUESTS only runs
 * before a sleep). A turn that found nothing ends the polling: an idle
 * device costs one bound of CPU after its last request, then nothing.
 * A poll that lost its CPU to another thread stops polling for a while
 * (ring/ring_poll.h): on a busy machine the queue sleeps as before.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "backend/blkback/queue.h"
#include "ring/ring_poll.h"

static bool queue_has_work(void *q)
{
	return blkback_queue_has_work(q);
}

static void *queue_thread(void *arg)
{
	struct blkback_queue *q = arg;
	uint64_t backoff_until = 0;
	bool busy = false;

	while (!(q->stopping && q->data_inflight == 0)) {
		/* the stop's eventfd completes on the io_uring too: a
		 * polling thread sees it as work */
		busy = busy && q->c.poll_us &&
		       xpv_ring_poll(queue_has_work, q, q->c.poll_us,
				     &backoff_until);
		q->spinning = busy;
		if (blkback_queue_poll(q, !busy) < 0 && !q->stopping)
			break;
		busy = q->worked;
	}
	q->spinning = false;
	return NULL;
}

int blkback_queue_start(struct blkback_queue *q)
{
	int ret = pthread_create(&q->thread, NULL, queue_thread, q);

	if (ret)
		return -ret;
	q->thread_started = true;
	return 0;
}

void blkback_queue_stop(struct blkback_queue *q)
{
	uint64_t one = 1;

	if (!q->thread_started)
		return;
	if (write(q->stop_fd, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow: already signalled */
	}
	pthread_join(q->thread, NULL);
	q->thread_started = false;
}
