/*
 * stale-guest.c - xpv-netback-stale-guest, the "kernel" of the domains of
 * test-netback-stale.sh: a vif frontend that makes the backend tear its
 * queues down while their notifications wait in the same epoll batch.
 * Only what any frontend may do: it connects NQ queues of device/vif/0,
 * then changes its state while ringing every queue's event channel, so
 * that xpv-netback's epoll_wait returns the backend core's fd (the state
 * change) together with the queues' fds.
 *
 * Environment:
 *   STALE_MODE=restart  each round: connect, then Initialising (a restart
 *                       without closing: the backend disconnects every
 *                       queue and goes back to InitWait)
 *   STALE_MODE=close    each round: connect, ring until the backend is
 *                       Closing (the toolstack's network-detach), then
 *                       Closed (the backend disconnects and frees the
 *                       vif), then wait for the device to come back
 *                       (network-attach)
 *   STALE_ROUNDS=N      rounds (default 100)
 *
 * Prints "STALE CONNECTED <round>" after each connect, then "STALE DONE
 * <rounds>" and waits to be destroyed; or "STALE FAIL <why>" and exits 1.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frontend/xenbus_dev.h"
#include "ring/netif.h"
#include "ring/ring.h"

#define DIR "device/vif/0"
#define NQ 8
#define WAIT_MS 20000
/* How long each state change is followed by notifications. */
#define RING_AFTER_MS 5

struct stale {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	void *tx[NQ], *rx[NQ];
	hv_gref_t tx_ref[NQ], rx_ref[NQ];
	int port[NQ];
	unsigned int rounds;
};

static int fail(const char *fmt, ...)
{
	va_list ap;

	printf("STALE FAIL ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* How many notifications went through: once the backend let go of a
 * port, ringing it fails, and that is no error of ours. */
static unsigned int ring_all(struct stale *s)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(s->dev);
	unsigned int i, sent = 0;

	for (i = 0; i < NQ; i++)
		sent += hv_evtchn_notify(ev, (hv_port_t)s->port[i]) == 0;
	return sent;
}

static void ring_for(struct stale *s, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end)
		ring_all(s);
}

/* A write under `state` fires the backend's watch on it: the core's fd
 * is ready first, ahead of the queues' fds in epoll's ready list. */
static int poke_state(struct stale *s, unsigned int round)
{
	char path[64], v[16];

	snprintf(path, sizeof(path), "%s/state/poke", DIR);
	snprintf(v, sizeof(v), "%u", round);
	return xenbus_write_str(s->xb, XENBUS_TX_NONE, path, v);
}

static int share_rings(struct stale *s)
{
	unsigned int i;

	for (i = 0; i < NQ; i++) {
		s->tx[i] = hv_share_pages(s->hv, 0, 1, true, &s->tx_ref[i]);
		s->rx[i] = hv_share_pages(s->hv, 0, 1, true, &s->rx_ref[i]);
		if (!s->tx[i] || !s->rx[i])
			return -errno;
	}
	return 0;
}

/* Fresh rings and ports for NQ queues, published with Initialised. */
static int publish(struct stale *s)
{
	static char names[NQ][3][32], vals[NQ][3][16];
	struct xenbus_dev_key keys[3 + 3 * NQ] = {
		{ "request-rx-copy", "1" },
		{ "feature-rx-notify", "1" },
		{ "multi-queue-num-queues", "8" },
	};
	unsigned int i, n = 3;

	_Static_assert(NQ == 8, "multi-queue-num-queues above");
	for (i = 0; i < NQ; i++) {
		if (s->port[i] >= 0)
			(void)hv_evtchn_unbind(xenbus_dev_evtchn(s->dev),
					       (hv_port_t)s->port[i]);
		s->port[i] = xenbus_dev_alloc_port(s->dev);
		if (s->port[i] < 0)
			return s->port[i];
		xpv_sring_init(s->tx[i]);
		xpv_sring_init(s->rx[i]);
		snprintf(names[i][0], 32, "queue-%u/tx-ring-ref", i);
		snprintf(names[i][1], 32, "queue-%u/rx-ring-ref", i);
		snprintf(names[i][2], 32, "queue-%u/event-channel", i);
		snprintf(vals[i][0], 16, "%u", s->tx_ref[i]);
		snprintf(vals[i][1], 16, "%u", s->rx_ref[i]);
		snprintf(vals[i][2], 16, "%d", s->port[i]);
		keys[n++] = (struct xenbus_dev_key){ names[i][0], vals[i][0] };
		keys[n++] = (struct xenbus_dev_key){ names[i][1], vals[i][1] };
		keys[n++] = (struct xenbus_dev_key){ names[i][2], vals[i][2] };
	}
	return xenbus_dev_publish(s->dev, keys, n,
				  XPV_XENBUS_STATE_INITIALISED);
}

/* Initialising, the backend's InitWait, publish, both Connected. */
static int connect_queues(struct stale *s, unsigned int round)
{
	int ret = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_INITIALISING);

	if (ret)
		return fail("round %u: writing Initialising: %s", round,
			    strerror(-ret));
	ret = xenbus_dev_wait(
		s->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT), WAIT_MS);
	if (ret < 0)
		return fail("round %u: the backend never came to InitWait: %s",
			    round, strerror(-ret));
	ret = publish(s);
	if (ret)
		return fail("round %u: publishing the queues: %s", round,
			    strerror(-ret));
	ret = xenbus_dev_wait(
		s->dev,
		XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED) |
			XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSING),
		WAIT_MS);
	if (ret != XPV_XENBUS_STATE_CONNECTED)
		return fail("round %u: the backend did not connect (%d)", round,
			    ret);
	ret = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_CONNECTED);
	if (ret)
		return fail("round %u: writing Connected: %s", round,
			    strerror(-ret));
	printf("STALE CONNECTED %u\n", round);
	fflush(stdout);
	return 0;
}

static int open_dev(struct stale *s)
{
	unsigned int i;

	s->dev = xenbus_dev_open(s->hv, s->xb, DIR);
	for (i = 0; i < NQ; i++)
		s->port[i] = -1;
	return s->dev ? 0 : -errno;
}

static int restart_round(struct stale *s, unsigned int round)
{
	int ret;

	if (connect_queues(s, round))
		return 1;
	ret = poke_state(s, round);
	if (!ret)
		ret = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_INITIALISING);
	if (ret)
		return fail("round %u: restarting: %s", round, strerror(-ret));
	ring_for(s, RING_AFTER_MS);
	return 0;
}

/* Ring while waiting for the toolstack to unplug the device. */
static int ring_until_closing(struct stale *s, unsigned int round)
{
	uint64_t end = now_ms() + WAIT_MS;
	int st;

	do {
		ring_for(s, 1);
		st = xenbus_dev_backend_state(s->dev);
		if (st == XPV_XENBUS_STATE_CLOSING)
			return 0;
	} while (now_ms() < end);
	return fail("round %u: the backend never went Closing (%d)", round, st);
}

/* 0 when path reads exactly want; else -errno (-EAGAIN: another value). */
static int read_is(struct stale *s, const char *path, const char *want)
{
	char *v;
	int ret = xenbus_read(s->xb, XENBUS_TX_NONE, path, &v, NULL);

	if (ret)
		return ret;
	ret = want && strcmp(v, want) ? -EAGAIN : 0;
	free(v);
	return ret;
}

/*
 * The toolstack removes the directory once the backend is Closed, and
 * network-attach writes it again, Initialising: our own last word was
 * Closed, so that state can only be the new device's (however late we
 * look, whether or not we saw the directory gone).
 */
static int wait_new_device(struct stale *s)
{
	uint64_t end = now_ms() + WAIT_MS;
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	int ret;

	for (;;) {
		ret = read_is(s, DIR "/state", "1");
		if (!ret)
			ret = read_is(s, DIR "/backend", NULL);
		if (!ret)
			return 0;
		if (ret != -ENOENT && ret != -EAGAIN && ret != -EACCES)
			return ret;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		nanosleep(&tick, NULL);
	}
}

static int close_round(struct stale *s, unsigned int round)
{
	int ret;

	if (connect_queues(s, round) || ring_until_closing(s, round))
		return 1;
	ret = poke_state(s, round);
	if (!ret)
		ret = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_CLOSED);
	if (ret)
		return fail("round %u: closing: %s", round, strerror(-ret));
	ring_for(s, RING_AFTER_MS);
	if (round == s->rounds)
		return 0; /* nothing comes back after the last */
	xenbus_dev_close(s->dev);
	s->dev = NULL;
	ret = wait_new_device(s);
	if (!ret)
		ret = open_dev(s);
	if (ret)
		return fail("round %u: waiting for the device to come back: %s",
			    round, strerror(-ret));
	return 0;
}

int main(void)
{
	const char *mode = getenv("STALE_MODE");
	const char *rounds = getenv("STALE_ROUNDS");
	int (*round_fn)(struct stale *, unsigned int);
	struct stale s = { 0 };
	char why[256];
	unsigned int r;

	if (mode && !strcmp(mode, "restart"))
		round_fn = restart_round;
	else if (mode && !strcmp(mode, "close"))
		round_fn = close_round;
	else
		return fail("STALE_MODE must be restart or close");
	s.rounds = rounds ? (unsigned int)strtoul(rounds, NULL, 10) : 100;
	if (hv_open(&s.hv, why, sizeof(why)))
		return fail("hv_open: %s", why);
	s.xb = xenbus_open(s.hv);
	if (!s.xb || open_dev(&s))
		return fail("opening %s: %s", DIR, strerror(errno));
	if (share_rings(&s))
		return fail("sharing ring pages: %s", strerror(errno));
	for (r = 1; r <= s.rounds; r++)
		if (round_fn(&s, r))
			return 1;
	printf("STALE DONE %u\n", s.rounds);
	fflush(stdout);
	/* Until destroyed: the test, not the guest, ends the domain. */
	for (;;)
		pause();
}
