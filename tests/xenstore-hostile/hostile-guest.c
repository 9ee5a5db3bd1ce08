/*
 * hostile-guest.c - a sim guest that abuses its own xenstore ring page on
 * command, for test-xenstore-hostile. It reads one command per line on
 * stdin and answers one line on stdout:
 *
 *   bad-req-index   req_prod far beyond req_cons (prod - cons > ring)
 *   bad-rsp-index   rsp_cons beyond rsp_prod, then a valid request, so
 *                   the daemon's reply meets impossible indices
 *   oversized       a header with len > XENSTORE_PAYLOAD_MAX
 *   garbage         a ring's worth of random bytes
 *   half            half a header, then nothing
 *   flood           requests until the ring is full, replies never read
 *   storm           100000 notifications with nothing in the ring
 *     -> "error N" once the daemon set the page's error field (or after
 *        2 s "error 0"), then the guest stops touching the ring
 *   reconnect       the ring reconnection handshake
 *                   (docs/misc/xenstore-ring.txt), then a write and a read
 *                   through frontend/'s client -> "ok" or "fail ..."
 *   good            a normal write+read -> "ok" or "fail ..."
 *   proto-errors    raw requests that must get an error reply, not a
 *                   dropped ring: a path without NUL (EINVAL), an unknown
 *                   transaction (ENOENT), an unknown type (ENOSYS)
 *                   -> "ok" or "fail ..."
 *   good-ping       serve pings: on each change of data/ping, copy it to
 *                   data/pong (runs until stdin closes)
 *
 * Both roles run the same program: test-xenstore-hostile starts one
 * hostile and one good guest.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frontend/xenbus.h"
#include "hv/hv.h"
#include "ring/xs_wire.h"

/* txnmem: nodes of 1.9 KB (about what the review's guest wrote: 425 is
 * the most data/'s child list holds under the entry-size quota). */
#define NODES_TXNMEM 400

static struct hv *hv;
static struct hv_evtchn *ev;
static hv_port_t port;
static volatile struct xpv_xenstore_domain_interface *intf;

/* A notify the daemon's side no longer takes is an answer too: the
 * commands look at the ring's error field. */
static void kick(void)
{
	if (hv_evtchn_notify(ev, port) < 0) {
		/* the port is gone: nothing to wake */
	}
}

static void put_req(const void *buf, size_t len)
{
	const char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		intf->req[xpv_mask_xenstore_idx(intf->req_prod + (uint32_t)i)] =
			p[i];
	__atomic_thread_fence(__ATOMIC_RELEASE);
	intf->req_prod += (uint32_t)len;
	kick();
}

static void put_msg(uint32_t type, const void *body, uint32_t len)
{
	struct xpv_xsd_sockmsg h = { .type = type, .len = len };

	put_req(&h, sizeof(h));
	put_req(body, len);
}

/* Wait up to 2 s for the daemon to raise the error field. */
static unsigned int await_error(void)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 200; i++) {
		if (intf->error)
			return intf->error;
		nanosleep(&t, NULL);
	}
	return intf->error;
}

static void attack_garbage(void)
{
	char junk[XPV_XENSTORE_RING_SIZE];
	size_t i;

	srand(7);
	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (char)rand();
	put_req(junk, sizeof(junk));
}

static void attack_flood(void)
{
	static const char path[] = "/local\0";
	uint32_t used;

	/* Until the request ring is full; the replies fill rsp. */
	for (;;) {
		used = intf->req_prod - intf->req_cons;
		if (used + sizeof(struct xpv_xsd_sockmsg) + sizeof(path) >
		    XPV_XENSTORE_RING_SIZE) {
			struct timespec t = { 0, 50 * 1000 * 1000 };

			nanosleep(&t, NULL);
			if (intf->req_prod - intf->req_cons == used)
				break;
			continue;
		}
		put_msg(XPV_XS_READ, path, sizeof(path));
	}
}

static void attack(const char *cmd)
{
	struct xpv_xsd_sockmsg h = { .type = XPV_XS_READ };
	int i;

	if (!strcmp(cmd, "bad-req-index")) {
		intf->req_prod = intf->req_cons + 4096;
		kick();
	} else if (!strcmp(cmd, "bad-rsp-index")) {
		intf->rsp_cons = intf->rsp_prod + 2000;
		put_msg(XPV_XS_READ, "/local\0", 7);
	} else if (!strcmp(cmd, "oversized")) {
		h.len = XPV_XENSTORE_PAYLOAD_MAX + 1;
		put_req(&h, sizeof(h));
	} else if (!strcmp(cmd, "garbage")) {
		attack_garbage();
	} else if (!strcmp(cmd, "half")) {
		put_req(&h, sizeof(h) / 2);
	} else if (!strcmp(cmd, "flood")) {
		attack_flood();
	} else if (!strcmp(cmd, "storm")) {
		for (i = 0; i < 100000; i++)
			kick();
	}
	printf("error %u\n", await_error());
}

/* docs/misc/xenstore-ring.txt: set connection = RECONNECT, notify, wait
 * for the server to set it back to CONNECTED. */
static int reconnect(void)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	int i;

	if (!(intf->server_features & XPV_XENSTORE_SERVER_FEATURE_RECONNECTION))
		return -EOPNOTSUPP;
	intf->connection = XPV_XENSTORE_RECONNECT;
	kick();
	for (i = 0; i < 500; i++) {
		if (intf->connection == XPV_XENSTORE_CONNECTED)
			return 0;
		nanosleep(&t, NULL);
	}
	return -ETIMEDOUT;
}

static int good_request(void)
{
	struct xenbus *xb = xenbus_open_ring((void *)intf, ev, port);
	char *v = NULL;
	int ret;

	if (!xb)
		return -errno;
	xenbus_set_timeout(xb, 5000);
	ret = xenbus_write_str(xb, XENBUS_TX_NONE, "data/sane", "yes");
	if (ret == 0)
		ret = xenbus_read(xb, XENBUS_TX_NONE, "data/sane", &v, NULL);
	if (ret == 0 && strcmp(v, "yes"))
		ret = -EBADMSG;
	free(v);
	xenbus_close(xb);
	return ret;
}

/* Read one reply from rsp, waiting up to 2 s; the body NUL-terminated. */
static int get_reply(struct xpv_xsd_sockmsg *h, char *body)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };
	uint32_t i, cons = intf->rsp_cons;
	char *dst = (char *)h;
	int tries;

	for (tries = 0; tries < 200; tries++) {
		uint32_t avail = intf->rsp_prod - cons;

		if (avail >= sizeof(*h)) {
			for (i = 0; i < sizeof(*h); i++)
				dst[i] = intf->rsp[xpv_mask_xenstore_idx(cons +
									 i)];
			if (h->len > XPV_XENSTORE_PAYLOAD_MAX)
				return -EBADMSG;
			if (avail >= sizeof(*h) + h->len)
				break;
		}
		nanosleep(&t, NULL);
	}
	if (tries == 200)
		return -ETIMEDOUT;
	for (i = 0; i < h->len; i++)
		body[i] = intf->rsp[xpv_mask_xenstore_idx(
			cons + (uint32_t)sizeof(*h) + i)];
	body[h->len] = '\0';
	intf->rsp_cons = cons + (uint32_t)sizeof(*h) + h->len;
	kick();
	return 0;
}

/* One raw request; 0 when the reply is XS_ERROR naming want. */
static int expect_error(uint32_t type, uint32_t tx, const void *body,
			uint32_t len, const char *want)
{
	char got[XPV_XENSTORE_PAYLOAD_MAX + 1];
	struct xpv_xsd_sockmsg h = { .type = type, .tx_id = tx, .len = len };
	int ret;

	put_req(&h, sizeof(h));
	put_req(body, len);
	ret = get_reply(&h, got);
	if (ret < 0)
		return ret;
	return h.type == XPV_XS_ERROR && !strcmp(got, want) ? 0 : -EPROTO;
}

static int proto_errors(void)
{
	int ret = expect_error(XPV_XS_READ, 0, "abc", 3, "EINVAL");

	if (ret == 0)
		ret = expect_error(XPV_XS_READ, 4242, "data\0", 5, "ENOENT");
	if (ret == 0)
		ret = expect_error(9999, 0, "data\0", 5, "ENOSYS");
	if (ret == 0 && intf->error)
		ret = -EIO;
	return ret;
}

/*
 * The hostile-guest review's F3: nodes of 1.9 KB under data/, then the
 * most transactions the daemon allows, each reading every node, kept
 * open. Says "txnmem N nodes, R reads, E refused" (E: ENOMEM replies).
 */
static void txnmem(void)
{
	struct xenbus *xb = xenbus_open_ring((void *)intf, ev, port);
	static char val[1901];
	xenbus_tx_t tx[16];
	unsigned int nodes, ntx, i, k, reads = 0, refused = 0;
	char path[32], *v;
	int ret = 0;

	if (!xb) {
		printf("fail %s\n", strerror(errno));
		return;
	}
	xenbus_set_timeout(xb, 5000);
	memset(val, 'M', 1900);
	for (nodes = 0; nodes < NODES_TXNMEM && !ret; nodes++) {
		snprintf(path, sizeof(path), "data/b%u", nodes);
		ret = xenbus_write_str(xb, XENBUS_TX_NONE, path, val);
	}
	for (ntx = 0; ntx < 16 && !ret; ntx++)
		if (xenbus_transaction_start(xb, &tx[ntx]) < 0)
			break;
	for (k = 0; k < ntx && !ret; k++) {
		for (i = 0; i < nodes; i++) {
			snprintf(path, sizeof(path), "data/b%u", i);
			ret = xenbus_read(xb, tx[k], path, &v, NULL);
			if (ret == -ENOMEM) {
				refused++;
				ret = 0;
				continue;
			}
			if (ret)
				break;
			free(v);
			reads++;
		}
	}
	/* The transactions stay open: the driver looks at the daemon now,
	 * and "reconnect" then drops them. */
	xenbus_close(xb);
	if (ret)
		printf("fail %s\n", strerror(-ret));
	else
		printf("txnmem %u nodes, %u reads, %u refused\n", nodes, reads,
		       refused);
}

static void report(int ret)
{
	if (ret == 0)
		printf("ok\n");
	else
		printf("fail %s\n", strerror(-ret));
}

/* The well-behaved guest: answer each ping until stdin closes. */
static int serve_pings(void)
{
	struct xenbus *xb = xenbus_open_ring((void *)intf, ev, port);
	struct pollfd pfd[2] = { { .fd = 0, .events = POLLIN } };
	char *path, *token, *v, line[8];
	int ret;

	if (!xb || xenbus_watch(xb, "data/ping", "p") < 0)
		return 1;
	pfd[1] = (struct pollfd){ .fd = xenbus_event_fd(xb), .events = POLLIN };
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		if (poll(pfd, 2, -1) < 0)
			return 1;
		if (pfd[0].revents && !fgets(line, sizeof(line), stdin))
			return 0;
		while ((ret = xenbus_read_event(xb, &path, &token)) == 0) {
			free(path);
			if (xenbus_read(xb, 0, "data/ping", &v, NULL) == 0) {
				xenbus_write_str(xb, 0, "data/pong", v);
				free(v);
			}
		}
		if (ret != -EAGAIN)
			return 1;
	}
}

static int attach_ring(void)
{
	struct hv_start_info si;
	char why[256];
	int ret;

	ret = hv_open(&hv, why, sizeof(why));
	if (ret < 0)
		return ret;
	ret = hv_domain_start_info(hv, HV_DOMID_SELF, &si);
	if (ret < 0)
		return ret;
	intf = hv_foreign_map(hv, HV_DOMID_SELF, 1, &si.store_frame, true);
	if (!intf)
		return -errno;
	ev = hv_evtchn_open(hv);
	if (!ev)
		return -errno;
	ret = hv_evtchn_bind_existing(ev, si.store_port);
	if (ret < 0)
		return ret;
	port = si.store_port;
	return 0;
}

int main(void)
{
	char line[64];
	int ret = attach_ring();

	if (ret < 0) {
		printf("fail attach: %s\n", strerror(-ret));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, "reconnect")) {
			ret = reconnect();
			report(ret < 0 ? ret : good_request());
		} else if (!strcmp(line, "good")) {
			report(good_request());
		} else if (!strcmp(line, "proto-errors")) {
			report(proto_errors());
		} else if (!strcmp(line, "txnmem")) {
			txnmem();
		} else if (!strcmp(line, "good-ping")) {
			return serve_pings();
		} else {
			attack(line);
		}
	}
	return 0;
}
