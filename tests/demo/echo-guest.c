/*
 * echo-guest.c - the demo guest's "kernel": an echo frontend.
 *
 * Runs inside a sim domain and reaches dom0 only through what a PV guest
 * has: its xenstore ring, pages it grants, an event channel. It grants a
 * ring page to the backend, offers a port, walks the XenbusState
 * handshake (Initialising -> Initialised, then waits for Connected), sends
 * ECHO_REQUESTS requests, checks every answer, writes the outcome to
 * device/echo/0/result, closes the device and powers itself off.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"
#include "ring/ring.h"
#include "ring/xenbus.h"
#include "backend/echo/protocol.h"

#define DEV "device/echo/0"

struct guest {
	struct hv *hv;
	struct xenbus *xb;
	struct hv_evtchn *ev;
	int port;
	void *page;
	hv_gref_t ref;
	struct xpv_front_ring ring;
	char backend_state[160];
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

static int write_int(struct guest *g, xenbus_tx_t tx, const char *key,
		     long value)
{
	char path[96], buf[32];

	snprintf(path, sizeof(path), DEV "/%s", key);
	snprintf(buf, sizeof(buf), "%ld", value);
	return xenbus_write_str(g->xb, tx, path, buf);
}

/* Grant the ring page and offer the port, all in one transaction, as
 * Linux's xen-blkfront talk_to_blkback does. */
static int publish_ring(struct guest *g)
{
	xenbus_tx_t tx;
	int ret;

	do {
		ret = xenbus_transaction_start(g->xb, &tx);
		if (ret)
			return ret;
		ret = write_int(g, tx, "ring-ref", g->ref);
		if (!ret)
			ret = write_int(g, tx, "event-channel", g->port);
		if (!ret)
			ret = write_int(g, tx, "state",
					XPV_XENBUS_STATE_INITIALISED);
		if (ret) {
			xenbus_transaction_end(g->xb, tx, false);
			return ret;
		}
		ret = xenbus_transaction_end(g->xb, tx, true);
	} while (ret == -EAGAIN);
	return ret;
}

static int setup_ring(struct guest *g)
{
	int ret;

	g->page = hv_share_pages(g->hv, 0, 1, true, &g->ref);
	if (!g->page)
		return -errno;
	xpv_sring_init(g->page);
	ret = xpv_front_ring_attach(&g->ring, g->page, XPV_RING_PAGE_SIZE,
				    sizeof(struct echo_request),
				    sizeof(struct echo_response), 0);
	if (ret)
		return ret;
	g->ev = hv_evtchn_open(g->hv);
	if (!g->ev)
		return -errno;
	g->port = hv_evtchn_alloc_unbound(g->ev, 0);
	return g->port < 0 ? g->port : 0;
}

/* Block until the backend's state node reads `want` (10 s at most). */
static int wait_backend_state(struct guest *g, int want)
{
	struct pollfd pfd = { .fd = xenbus_event_fd(g->xb), .events = POLLIN };
	char *path, *token, *value;
	int ret;

	for (;;) {
		if (xenbus_read(g->xb, XENBUS_TX_NONE, g->backend_state, &value,
				NULL) == 0) {
			int state = atoi(value);

			free(value);
			if (state == want)
				return 0;
		}
		while (xenbus_read_event(g->xb, &path, &token) == 0)
			free(path);
		ret = poll(&pfd, 1, 10000);
		if (ret == 0)
			return -ETIMEDOUT;
		if (ret < 0)
			return -errno;
	}
}

static int send_batch(struct guest *g, uint64_t first, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct echo_request *req = xpv_front_next_request(&g->ring);

		if (!req)
			return -ENOSPC;
		req->id = first + i;
		req->value = (uint32_t)(first + i);
		req->pad = 0;
	}
	if (xpv_front_push_requests_and_check_notify(&g->ring))
		return hv_evtchn_notify(g->ev, g->port);
	return 0;
}

/* Consume whatever responses are there; count them, -EBADMSG on a wrong
 * answer, -EIO on a broken ring. */
static int take_responses(struct guest *g, uint64_t *done)
{
	struct echo_response rsp;
	int n;

	while ((n = xpv_front_final_check_for_responses(&g->ring)) > 0) {
		while (n-- > 0) {
			xpv_front_take_response(&g->ring, &rsp);
			if (rsp.status != 0 || rsp.id >= ECHO_REQUESTS ||
			    rsp.value != ECHO_ANSWER(rsp.id))
				return -EBADMSG;
			(*done)++;
		}
	}
	return n;
}

static int wait_event(struct guest *g)
{
	struct pollfd pfd = { .fd = hv_evtchn_fd(g->ev), .events = POLLIN };
	int port;

	if (poll(&pfd, 1, 10000) != 1)
		return -ETIMEDOUT;
	while ((port = hv_evtchn_pending(g->ev)) >= 0)
		hv_evtchn_unmask(g->ev, port);
	return 0;
}

static int run_requests(struct guest *g, double *secs)
{
	struct timespec t0, t1;
	uint64_t sent = 0, done = 0;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < ECHO_REQUESTS) {
		while (sent < ECHO_REQUESTS &&
		       xpv_front_free_requests(&g->ring) >= ECHO_BATCH) {
			unsigned int n = ECHO_REQUESTS - sent < ECHO_BATCH ?
						 ECHO_REQUESTS - sent :
						 ECHO_BATCH;

			ret = send_batch(g, sent, n);
			if (ret)
				return ret;
			sent += n;
		}
		ret = take_responses(g, &done);
		if (ret < 0)
			return ret;
		if (done < sent && (ret = wait_event(g)))
			return ret;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	return 0;
}

static int find_backend(struct guest *g)
{
	char *be;
	int ret = xenbus_read(g->xb, XENBUS_TX_NONE, DEV "/backend", &be, NULL);

	if (ret)
		return ret;
	snprintf(g->backend_state, sizeof(g->backend_state), "%s/state", be);
	free(be);
	return xenbus_watch(g->xb, g->backend_state, "be");
}

static int run(struct guest *g)
{
	char result[128];
	double secs = 0;
	int ret;

	ret = find_backend(g);
	if (!ret)
		ret = setup_ring(g);
	if (!ret)
		ret = publish_ring(g);
	if (ret)
		return ret;
	say("ring granted (gref %u), port %d offered; waiting for the backend",
	    g->ref, g->port);
	ret = wait_backend_state(g, XPV_XENBUS_STATE_CONNECTED);
	if (ret)
		return ret;
	say("backend connected; sending %u requests", ECHO_REQUESTS);
	ret = run_requests(g, &secs);
	if (ret)
		snprintf(result, sizeof(result), "failed: %s", strerror(-ret));
	else
		snprintf(result, sizeof(result), "ok %u requests in %.3f s",
			 ECHO_REQUESTS, secs);
	say("%s", result);
	xenbus_write_str(g->xb, XENBUS_TX_NONE, DEV "/result", result);
	write_int(g, XENBUS_TX_NONE, "state", XPV_XENBUS_STATE_CLOSED);
	return ret;
}

int main(void)
{
	struct guest g = { .port = -1 };
	char why[256];
	int ret;

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
	ret = run(&g);
	if (ret)
		fprintf(stderr, "guest: %s\n", strerror(-ret));
	xenbus_close(g.xb);
	hv_evtchn_close(g.ev);
	hv_domain_shutdown(g.hv, HV_DOMID_SELF,
			   ret ? HV_SHUTDOWN_CRASH : HV_SHUTDOWN_POWEROFF);
	hv_close(g.hv);
	return ret ? 1 : 0;
}
