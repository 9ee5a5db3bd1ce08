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
 * (spin_for_work): on a busy machine the queue sleeps as before.
 */
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "backend/blkback/queue.h"

/* How many looks between two readings of the clock (a vDSO call). */
#define LOOKS_PER_CLOCK 16
/* Two readings of the clock further apart than this: the thread lost its
 * CPU in between (a look takes well under a microsecond). */
#define PREEMPTED_NS 50000u
/* How long a queue does not poll after it lost its CPU while polling. */
#define BACKOFF_NS 20000000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Look for work for at most the queue's bound; true when some came.
 * Polling only pays while a CPU is free: the frontend, or the kernel's
 * completion, needs one to make what this thread waits for. So it yields
 * between looks, and a poll that lost its CPU (another thread was
 * runnable) ends polling for BACKOFF_NS: the queue sleeps between turns
 * again, as it does without polling.
 */
static bool spin_for_work(struct blkback_queue *q, uint64_t *backoff_until)
{
	uint64_t t = now_ns(), end = t + (uint64_t)q->c.poll_us * 1000u, prev;
	unsigned int i;

	if (t < *backoff_until)
		return false;
	do {
		for (i = 0; i < LOOKS_PER_CLOCK; i++) {
			if (blkback_queue_has_work(q))
				return true;
			xpv_ring_cpu_relax();
		}
		sched_yield();
		prev = t;
		t = now_ns();
		if (t - prev > PREEMPTED_NS) {
			*backoff_until = t + BACKOFF_NS;
			return blkback_queue_has_work(q);
		}
	} while (t < end);
	return false;
}

static void *queue_thread(void *arg)
{
	struct blkback_queue *q = arg;
	uint64_t backoff_until = 0;
	bool busy = false;

	while (!(q->stopping && q->data_inflight == 0)) {
		/* the stop's eventfd completes on the io_uring too: a
		 * polling thread sees it as work */
		busy = busy && q->c.poll_us && spin_for_work(q, &backoff_until);
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
