/*
 * ring_poll.h - a bounded look at shared memory before a sleep, for either
 * end of a ring (xpv-blkback's queue threads, blkfront; docs/block.md,
 * "Polling").
 *
 * A sleep costs a wake-up across vCPUs and a wait on the run queue when
 * the other end answers; a look at the ring costs nothing. Polling only
 * pays while a CPU is free for the other end (or the kernel's
 * completion), so the poll yields between looks, and a poll that lost its
 * CPU (two readings of the clock far apart: another thread was runnable)
 * stops polling for XPV_RING_POLL_BACKOFF_NS: the caller then sleeps
 * between turns as it does without polling. No system call but
 * sched_yield() between batches of looks; the clock is the vDSO's.
 */
#ifndef XPV_RING_RING_POLL_H
#define XPV_RING_RING_POLL_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ring/ring.h"

/* How many looks between two readings of the clock. */
#define XPV_RING_POLL_LOOKS_PER_CLOCK 16
/* Two readings further apart than this: the thread lost its CPU in
 * between (a look takes well under a microsecond). */
#define XPV_RING_POLL_PREEMPTED_NS 50000u
/* How long a poller does not poll after it lost its CPU while polling. */
#define XPV_RING_POLL_BACKOFF_NS 20000000u

static inline uint64_t xpv_ring_poll_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Look at ready(arg) for at most poll_us microseconds; true as soon as it
 * says so. *backoff_until is the poller's own: set when a poll lost its
 * CPU, and no poll happens before it has passed.
 */
static inline bool xpv_ring_poll(bool (*ready)(void *arg), void *arg,
				 unsigned int poll_us, uint64_t *backoff_until)
{
	uint64_t t = xpv_ring_poll_now_ns(), end, prev;
	unsigned int i;

	if (t < *backoff_until)
		return false;
	end = t + (uint64_t)poll_us * 1000u;
	do {
		for (i = 0; i < XPV_RING_POLL_LOOKS_PER_CLOCK; i++) {
			if (ready(arg))
				return true;
			xpv_ring_cpu_relax();
		}
		sched_yield();
		prev = t;
		t = xpv_ring_poll_now_ns();
		if (t - prev > XPV_RING_POLL_PREEMPTED_NS) {
			*backoff_until = t + XPV_RING_POLL_BACKOFF_NS;
			return ready(arg);
		}
	} while (t < end);
	return false;
}

#endif /* XPV_RING_RING_POLL_H */
