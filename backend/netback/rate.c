/*
 * rate.c - the guest's transmit credit, the `rate` key's "bytes per
 * interval" (xl's rate=), as Linux's netback keeps it (tx_credit_exceeded,
 * tx_add_credit): each interval adds its bytes to the credit, which may
 * build up to a burst of 128 KiB (or one interval's bytes, if more), so
 * that a 64 KiB GSO packet always passes eventually.
 */
#include "backend/netback/common.h"

#define NB_RATE_MIN_BURST 131072u

static void add_credit(struct nb_rate *r)
{
	uint64_t burst = r->bytes > NB_RATE_MIN_BURST ? r->bytes :
							NB_RATE_MIN_BURST;
	uint64_t credit = r->remaining + r->bytes;

	if (credit < r->remaining) /* wrapped */
		credit = UINT64_MAX;
	r->remaining = credit < burst ? credit : burst;
	r->limited = false;
}

void nb_rate_init(struct nb_rate *r, uint64_t bytes, uint64_t usec)
{
	r->bytes = usec ? bytes : 0;
	r->usec = usec;
	r->remaining = r->bytes;
	r->window_start_ns = nb_now_ns();
	r->limited = false;
}

bool nb_rate_take(struct nb_rate *r, unsigned int len, uint64_t now_ns,
		  uint64_t *retry_ns)
{
	uint64_t next;

	if (!r->bytes)
		return true;
	next = r->window_start_ns + r->usec * 1000;
	if (now_ns >= next) {
		r->window_start_ns = now_ns;
		add_credit(r);
		next = now_ns + r->usec * 1000;
	}
	if (len > r->remaining) {
		r->window_start_ns = next;
		r->limited = true;
		*retry_ns = next;
		return false;
	}
	r->remaining -= len;
	return true;
}

/* The timer set by a refused nb_rate_take fired: this interval's credit
 * (Linux's xenvif_tx_credit_callback). */
void nb_rate_refill(struct nb_rate *r)
{
	if (r->bytes)
		add_credit(r);
}
