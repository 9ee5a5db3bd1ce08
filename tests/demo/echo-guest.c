/*
 * echo-guest.c - the demo guest's "kernel": an echo frontend.
 *
 *   xpv-demo-guest [--order K] [--rounds N] [--hold]
 *
 * Runs inside a sim domain and reaches dom0 only through what a PV guest
 * has: its xenstore ring, pages it grants, an event channel. The
 * handshake is frontend/xenbus_dev.h's: wait for the backend's InitWait,
 * grant a 2^K-page ring, offer a port, Initialised, wait for Connected.
 * Then it sends ECHO_REQUESTS requests, checks every answer, closes the
 * device (Closing, Closed), and does it all again N times (default 1).
 * It writes the outcome to device/echo/0/result and powers itself off.
 *
 * --hold is for the tests of a backend that goes away: after the first
 * round's requests (the device still connected) it writes
 * device/echo/0/phase = "held" and waits for device/echo/0/go; meanwhile
 * the test may kill and restart the backend, or ask it to close. Then it
 * sends ECHO_HOLD_REQUESTS more (reconnecting first if the backend closed)
 * and waits up to 10 s for their answers: a backend restarted under a
 * connected frontend answers requests it never saw notified.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend/echo/protocol.h"
#include "frontend/xenbus.h"
#include "frontend/xenbus_dev.h"
#include "hv/hv.h"
#include "ring/ring.h"
#include "ring/xenbus.h"

#define DEV "device/echo/0"
#define TIMEOUT_MS 10000
#define ECHO_HOLD_REQUESTS 1000u
#define MAX_RECONNECTS 3

struct guest {
	struct hv *hv;
	struct xenbus *xb;
	struct xenbus_dev *dev;
	struct xenbus_dev_ring ring;
	struct xpv_front_ring front;
	unsigned int order, rounds;
	bool hold;
	uint64_t next_id; /* ids stay unique across rounds */
	unsigned long done, reconnects;
};

static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("guest: ");
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
	va_end(ap);
}

static int connect_device(struct guest *g)
{
	int ret;

	ret = xenbus_dev_connect_ring(g->dev, g->order, NULL, 0, TIMEOUT_MS,
				      &g->ring);
	if (ret)
		return ret;
	ret = xpv_front_ring_attach(&g->front, g->ring.sring,
				    (size_t)HV_PAGE_SIZE << g->order,
				    sizeof(struct echo_request),
				    sizeof(struct echo_response), 0);
	if (ret)
		return ret;
	say("connected: %u-page ring (gref %u), port %d", 1u << g->order,
	    g->ring.refs[0], g->ring.port);
	return 0;
}

/* A backend that is gone cannot be notified; it answers what is pending
 * when it comes back, so that is no error here. */
static void notify(struct guest *g)
{
	if (hv_evtchn_notify(xenbus_dev_evtchn(g->dev),
			     (hv_port_t)g->ring.port) < 0)
		return;
}

static int send_batch(struct guest *g, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct echo_request *req = xpv_front_next_request(&g->front);

		if (!req)
			return -ENOSPC;
		req->id = g->next_id;
		req->value = (uint32_t)g->next_id;
		req->pad = 0;
		g->next_id++;
	}
	if (xpv_front_push_requests_and_check_notify(&g->front))
		notify(g);
	return 0;
}

/* Consume whatever responses are there; -EBADMSG on a wrong answer,
 * -EIO on a broken ring. Returns how many. */
static int take_responses(struct guest *g)
{
	struct echo_response rsp;
	int n, got = 0;

	while ((n = xpv_front_final_check_for_responses(&g->front)) > 0) {
		while (n-- > 0) {
			xpv_front_take_response(&g->front, &rsp);
			if (rsp.status != 0 || rsp.id >= g->next_id ||
			    rsp.value != ECHO_ANSWER((uint32_t)rsp.id))
				return -EBADMSG;
			got++;
		}
	}
	return n < 0 ? n : got;
}

/* Wait for the ring's event channel; -ECONNRESET when the backend closed
 * meanwhile. */
static int wait_event(struct guest *g)
{
	struct hv_evtchn *ev = xenbus_dev_evtchn(g->dev);
	struct pollfd pfd[2] = {
		{ .fd = hv_evtchn_fd(ev), .events = POLLIN },
		{ .fd = xenbus_event_fd(g->xb), .events = POLLIN },
	};
	char *path, *token;
	int port, state;

	if (poll(pfd, 2, TIMEOUT_MS) <= 0)
		return -ETIMEDOUT;
	while ((port = hv_evtchn_pending(ev)) >= 0)
		if (hv_evtchn_unmask(ev, (hv_port_t)port) < 0)
			return -EIO;
	while (xenbus_read_event(g->xb, &path, &token) == 0)
		free(path);
	state = xenbus_dev_backend_state(g->dev);
	if (state == XPV_XENBUS_STATE_CLOSING ||
	    state == XPV_XENBUS_STATE_CLOSED)
		return -ECONNRESET;
	return 0;
}

/* Send `count` requests in batches and check every answer. */
static int run_requests(struct guest *g, unsigned int count)
{
	unsigned int sent = 0, done = 0;
	int ret;

	while (done < count) {
		while (sent < count &&
		       xpv_front_free_requests(&g->front) >= ECHO_BATCH) {
			unsigned int n = count - sent < ECHO_BATCH ?
						 count - sent :
						 ECHO_BATCH;

			ret = send_batch(g, n);
			if (ret)
				return ret;
			sent += n;
		}
		ret = take_responses(g);
		if (ret < 0)
			return ret;
		done += (unsigned int)ret;
		if (done < sent && (ret = wait_event(g)))
			return ret;
	}
	g->done += done;
	return 0;
}

static int disconnect_device(struct guest *g)
{
	int ret = xenbus_dev_disconnect(g->dev, TIMEOUT_MS);

	if (!ret)
		say("closed the device");
	return ret;
}

/* The backend closed under us: close our side too, and connect again. */
static int reconnect(struct guest *g)
{
	int ret;

	if (++g->reconnects > MAX_RECONNECTS)
		return -ECONNRESET;
	say("the backend closed the device; reconnecting");
	ret = disconnect_device(g);
	return ret ?: connect_device(g);
}

static int wait_go(struct guest *g)
{
	char *value;
	int ret;

	ret = xenbus_write_str(g->xb, XENBUS_TX_NONE, DEV "/phase", "held");
	if (!ret)
		ret = xenbus_watch(g->xb, DEV "/go", "go");
	if (ret)
		return ret;
	say("holding the connected device until " DEV "/go");
	while (xenbus_read(g->xb, XENBUS_TX_NONE, DEV "/go", &value, NULL)) {
		struct pollfd pfd = { .fd = xenbus_event_fd(g->xb),
				      .events = POLLIN };
		char *path, *token;

		if (poll(&pfd, 1, TIMEOUT_MS * 3) != 1)
			return -ETIMEDOUT;
		while (xenbus_read_event(g->xb, &path, &token) == 0)
			free(path);
	}
	free(value);
	return xenbus_unwatch(g->xb, DEV "/go", "go");
}

/* After the hold: reconnect if the backend closed meanwhile, then send
 * more; a restarted backend answers them on the same ring. */
static int run_after_hold(struct guest *g)
{
	int state = xenbus_dev_backend_state(g->dev), ret;

	if (state == XPV_XENBUS_STATE_CLOSING ||
	    state == XPV_XENBUS_STATE_CLOSED) {
		ret = reconnect(g);
		if (ret)
			return ret;
	}
	say("sending %u more requests", ECHO_HOLD_REQUESTS);
	return run_requests(g, ECHO_HOLD_REQUESTS);
}

static int run_round(struct guest *g, unsigned int round)
{
	int ret = connect_device(g);

	while (!ret) {
		ret = run_requests(g, ECHO_REQUESTS);
		if (ret != -ECONNRESET)
			break;
		ret = reconnect(g);
	}
	if (!ret && g->hold && round == 0)
		ret = wait_go(g) ?: run_after_hold(g);
	return ret ?: disconnect_device(g);
}

static int run(struct guest *g, double *secs)
{
	struct timespec t0, t1;
	unsigned int round;
	int ret = 0;

	g->dev = xenbus_dev_open(g->hv, g->xb, DEV);
	if (!g->dev)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; !ret && round < g->rounds; round++)
		ret = run_round(g, round);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	xenbus_dev_close(g->dev);
	return ret;
}

static void report(struct guest *g, int ret, double secs)
{
	char result[128];

	if (ret)
		snprintf(result, sizeof(result), "failed: %s", strerror(-ret));
	else
		snprintf(result, sizeof(result), "ok %lu requests in %.3f s",
			 g->done, secs);
	say("%s", result);
	if (xenbus_write_str(g->xb, XENBUS_TX_NONE, DEV "/result", result))
		say("cannot write " DEV "/result");
}

static int parse_args(struct guest *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "order", required_argument, NULL, 'o' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "hold", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	g->rounds = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'o')
			g->order = (unsigned int)atoi(optarg);
		else if (o == 'r')
			g->rounds = (unsigned int)atoi(optarg);
		else if (o == 'h')
			g->hold = true;
		else
			return -EINVAL;
	}
	return optind == argc && g->rounds > 0 &&
			       g->order <= ECHO_MAX_RING_ORDER ?
		       0 :
		       -EINVAL;
}

int main(int argc, char **argv)
{
	struct guest g = { 0 };
	double secs = 0;
	char why[256];
	int ret;

	if (parse_args(&g, argc, argv)) {
		fprintf(stderr, "usage: xpv-demo-guest [--order K] "
				"[--rounds N] [--hold]\n");
		return 2;
	}
	ret = hv_open(&g.hv, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "guest: %s\n", why);
		return 1;
	}
	g.xb = xenbus_open(g.hv);
	if (!g.xb) {
		fprintf(stderr, "guest: xenbus_open: %s\n", strerror(errno));
		hv_close(g.hv);
		return 1;
	}
	say("domain %u up; xenstore reached through its ring", hv_self(g.hv));
	ret = run(&g, &secs);
	report(&g, ret, secs);
	xenbus_close(g.xb);
	if (hv_domain_shutdown(g.hv, HV_DOMID_SELF,
			       ret ? HV_SHUTDOWN_CRASH : HV_SHUTDOWN_POWEROFF))
		say("cannot shut down");
	hv_close(g.hv);
	return ret ? 1 : 0;
}
