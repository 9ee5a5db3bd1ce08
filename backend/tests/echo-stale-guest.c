/*
 * echo-stale-guest.c - xpv-echo-stale-guest, a hostile echo frontend for
 * test-echo-stale.sh (run by xpv-demo as its guest's kernel): it makes
 * xpv-echoback free its device while the device's notification waits in
 * the same epoll batch.
 *
 *   xpv-echo-stale-guest ROUNDS
 *
 * Each round: connect device/echo/0 (one page, one port), go Connected,
 * ring the port until the backend is Closing (the test unplugs the device
 * as a toolstack does: online=0, Closing), then write under its `state`
 * (a watch event, so that the core's fd is ready first) and Closed while
 * still ringing: the backend disconnects and, the device being offline,
 * removes it in the same dispatch; the guest waits for its Closed. The
 * next round waits for the backend's InitWait (the test sets online=1
 * again). At the end it writes
 * device/echo/0/result ("ok N rounds" or why not) and powers off, as the
 * demo's guest does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/xenbus_dev.h"
#include "ring/ring.h"

#define DEV "device/echo/0"
#define WAIT_MS 20000
#define RING_AFTER_MS 5
#define POKES 32
#define PROGRESS_MS 1000

struct stale {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	void *page;
	hv_gref_t ref;
	int port;
	uint64_t said_at; /* now_ms() of the last progress line */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A fresh port and an empty ring, published with Initialised. */
static int publish(struct stale *s)
{
	char ref[16], port[16];
	struct xenbus_dev_key keys[] = {
		{ "ring-ref", ref },
		{ "event-channel", port },
	};

	if (s->port >= 0)
		(void)hv_evtchn_unbind(xenbus_dev_evtchn(s->dev),
				       (hv_port_t)s->port);
	s->port = xenbus_dev_alloc_port(s->dev);
	if (s->port < 0)
		return s->port;
	xpv_sring_init(s->page);
	snprintf(ref, sizeof(ref), "%u", s->ref);
	snprintf(port, sizeof(port), "%d", s->port);
	return xenbus_dev_publish(s->dev, keys, 2,
				  XPV_XENBUS_STATE_INITIALISED);
}

static int connect_ring(struct stale *s)
{
	int ret = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_INITIALISING);

	if (!ret)
		ret = xenbus_dev_wait(
			s->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_INIT_WAIT),
			WAIT_MS);
	if (ret >= 0)
		ret = publish(s);
	if (!ret)
		ret = xenbus_dev_wait(
			s->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_CONNECTED),
			WAIT_MS);
	if (ret >= 0)
		ret = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_CONNECTED);
	return ret;
}

/* How many notifications went through: once the backend let go of the
 * port, ringing it fails, and that is no error of ours. */
static unsigned long ring_for(struct stale *s, unsigned int ms)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(s->dev);
	uint64_t end = now_ms() + ms;
	unsigned long sent = 0;

	while (now_ms() < end)
		sent += hv_evtchn_notify(ev, (hv_port_t)s->port) == 0;
	return sent;
}

static int close_ringing(struct stale *s, unsigned int round)
{
	uint64_t end = now_ms() + WAIT_MS;
	unsigned int i;
	char v[24];
	int st;

	do {
		ring_for(s, 1);
		st = xenbus_dev_backend_state(s->dev);
	} while (st != XPV_XENBUS_STATE_CLOSING && st >= 0 && now_ms() < end);
	if (st != XPV_XENBUS_STATE_CLOSING)
		return st < 0 ? st : -ETIMEDOUT;
	for (i = 0, st = 0; i < POKES && !st; i++) {
		snprintf(v, sizeof(v), "%u.%u", round, i);
		st = xenbus_write_str(s->xb, XENBUS_TX_NONE, DEV "/state/poke",
				      v);
	}
	if (!st)
		st = xenbus_dev_switch(s->dev, XPV_XENBUS_STATE_CLOSED);
	if (st)
		return st;
	ring_for(s, RING_AFTER_MS);
	/* A frontend that is back to Initialising before the backend saw
	 * its Closed would leave the backend Closing. */
	st = xenbus_dev_wait(s->dev, XENBUS_STATE_BIT(XPV_XENBUS_STATE_CLOSED),
			     WAIT_MS);
	return st < 0 ? st : 0;
}

/* A line on the console at most once a second while rounds go by:
 * xpv-demo gives up on a guest that says nothing for 20 s, and on a loaded
 * machine the rounds together take longer than that (60-111 of 200 were
 * done when it destroyed the guest; the test then found the store empty). */
static void say_progress(struct stale *s, unsigned int round)
{
	uint64_t now = now_ms();

	if (now - s->said_at < PROGRESS_MS)
		return;
	s->said_at = now;
	printf("guest: %u rounds done\n", round);
	fflush(stdout);
}

static int run(struct stale *s, unsigned int rounds, char *result, size_t n)
{
	unsigned int r;
	int ret = 0;

	s->xb = xenbus_open(s->hv);
	s->dev = s->xb ? xenbus_dev_open(s->hv, s->xb, DEV) : NULL;
	s->page = hv_share_pages(s->hv, 0, 1, true, &s->ref);
	if (!s->dev || !s->page) {
		snprintf(result, n, "failed: setting up: %s", strerror(errno));
		return -errno;
	}
	s->port = -1;
	for (r = 1; r <= rounds && !ret; r++) {
		ret = connect_ring(s);
		if (!ret)
			ret = close_ringing(s, r);
		say_progress(s, r);
	}
	if (ret)
		snprintf(result, n, "failed in round %u: %s", r - 1,
			 strerror(-ret));
	else
		snprintf(result, n, "ok %u rounds", rounds);
	return ret;
}

int main(int argc, char **argv)
{
	struct stale s = { 0 };
	char why[256], result[128];
	int ret;

	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: xpv-echo-stale-guest ROUNDS\n");
		return 2;
	}
	if (hv_open(&s.hv, why, sizeof(why))) {
		fprintf(stderr, "guest: %s\n", why);
		return 1;
	}
	ret = run(&s, (unsigned int)atoi(argv[1]), result, sizeof(result));
	printf("guest: %s\n", result);
	fflush(stdout);
	if (s.xb &&
	    xenbus_write_str(s.xb, XENBUS_TX_NONE, DEV "/result", result))
		printf("guest: cannot write " DEV "/result\n");
	if (hv_domain_shutdown(s.hv, HV_DOMID_SELF,
			       ret ? HV_SHUTDOWN_CRASH : HV_SHUTDOWN_POWEROFF))
		printf("guest: cannot shut down\n");
	return ret ? 1 : 0;
}
