/*
 * run.c - a queue's own thread: blkback_queue_poll until stopped. Between
 * batches it sleeps in one io_uring_enter that also submits the batch's
 * I/O; the event channel's fd is polled on the same io_uring, so a
 * frontend's notify, a completion and a stop all wake the same wait.
 */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>

#include "backend/blkback/queue.h"

static void *queue_thread(void *arg)
{
	struct blkback_queue *q = arg;

	while (!(q->stopping && q->data_inflight == 0))
		if (blkback_queue_poll(q, true) < 0 && !q->stopping)
			break;
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
