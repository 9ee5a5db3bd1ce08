/*
 * test-ring-transport.c - the daemon's domain-ring transport
 * (xenstored/domain.c) on a plain page, no hypervisor: this test plays the
 * guest, writing the page as a guest kernel would (or would not) and
 * "notifying" with domain_kick(). It checks the ring protocol of
 * docs/misc/xenstore-ring.txt exactly: features, framing across kicks,
 * pipelining, flow control when the guest stops reading, the error field
 * for each kind of breakage, and the reconnection handshake.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring/xs_wire.h"
#include "tests/lib/check.h"
#include "xenstored/conn.h"
#include "xenstored/domain.h"
#include "xenstored/fuzz/harness.h"

#define DOMID 9

static union {
	struct xpv_xenstore_domain_interface intf;
	char bytes[4096];
} page __attribute__((aligned(4096)));

static struct xpv_xenstore_domain_interface *const intf = &page.intf;
static uint32_t next_req = 1;

/* --- The guest's side ---------------------------------------------------- */

static void put(const void *buf, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		intf->req[xpv_mask_xenstore_idx(intf->req_prod + i)] =
			((const char *)buf)[i];
	intf->req_prod += len;
}

static uint32_t put_msg(uint32_t type, const char *body, uint32_t len)
{
	struct xpv_xsd_sockmsg h = { type, next_req++, 0, len };

	put(&h, sizeof(h));
	put(body, len);
	return h.req_id;
}

static void take(void *buf, uint32_t len)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		((char *)buf)[i] =
			intf->rsp[xpv_mask_xenstore_idx(intf->rsp_cons + i)];
	intf->rsp_cons += len;
}

/* The next reply, if a whole one is in the ring. */
static bool get_msg(struct xpv_xsd_sockmsg *h, char *body)
{
	struct xpv_xsd_sockmsg peek;
	uint32_t avail = intf->rsp_prod - intf->rsp_cons;
	uint32_t cons = intf->rsp_cons;

	if (avail < sizeof(peek))
		return false;
	take(&peek, sizeof(peek));
	if (avail < sizeof(peek) + peek.len) {
		intf->rsp_cons = cons;
		return false;
	}
	*h = peek;
	take(body, h->len);
	body[h->len] = '\0';
	return true;
}

static void kick(void)
{
	domain_kick(DOMID);
}

/* --- dom0, to set the stage ---------------------------------------------- */

struct script {
	const char *in;
	size_t len, off;
	char out[256];
	size_t out_len;
};

static ssize_t script_read(void *priv, void *buf, size_t len)
{
	struct script *s = priv;
	size_t n = s->len - s->off;

	if (n == 0)
		return -EAGAIN;
	n = n < len ? n : len;
	memcpy(buf, s->in + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static ssize_t script_write(void *priv, const void *buf, size_t len)
{
	struct script *s = priv;
	size_t n = sizeof(s->out) - s->out_len;

	n = n < len ? n : len;
	memcpy(s->out + s->out_len, buf, n);
	s->out_len += n;
	return (ssize_t)len;
}

static const struct conn_transport script_transport = {
	.name = "test-dom0",
	.read = script_read,
	.write = script_write,
};

/* One request as dom0; true when answered with its own type. */
static bool dom0(uint32_t type, const char *body, uint32_t len)
{
	char msg[sizeof(struct xpv_xsd_sockmsg) + 64];
	struct xpv_xsd_sockmsg h = { type, 1, 0, len };
	struct script s = { .in = msg, .len = sizeof(h) + len };
	struct conn *c = conn_new(&script_transport, &s, 0);

	if (!c || len > 64)
		return false;
	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), body, len);
	conn_input_ready(c);
	conn_destroy(c);
	memcpy(&h, s.out, sizeof(h));
	return s.out_len >= sizeof(h) && h.type == type;
}

/* --- Checks ---------------------------------------------------------------- */

static bool reply_is(uint32_t req_id, uint32_t type, const char *body)
{
	char got[XPV_XENSTORE_PAYLOAD_MAX + 1];
	struct xpv_xsd_sockmsg h;

	if (!get_msg(&h, got))
		return false;
	if (h.req_id != req_id || h.type != type || strcmp(got, body)) {
		printf("     got req %u type %u '%s'\n", h.req_id, h.type, got);
		return false;
	}
	return true;
}

static bool reconnect(void)
{
	intf->connection = XPV_XENSTORE_RECONNECT;
	kick();
	return intf->connection == XPV_XENSTORE_CONNECTED &&
	       intf->error == XPV_XENSTORE_ERROR_NONE && !intf->req_cons &&
	       !intf->req_prod && !intf->rsp_cons && !intf->rsp_prod;
}

static bool works(void)
{
	uint32_t id = put_msg(XPV_XS_WRITE, "/t/ok\0v", 7);

	kick();
	return reply_is(id, XPV_XS_WRITE, "OK");
}

static void test_features(void)
{
	check("server_features: reconnection and error",
	      (intf->server_features &
	       (XPV_XENSTORE_SERVER_FEATURE_RECONNECTION |
		XPV_XENSTORE_SERVER_FEATURE_ERROR)) ==
		      (XPV_XENSTORE_SERVER_FEATURE_RECONNECTION |
		       XPV_XENSTORE_SERVER_FEATURE_ERROR),
	      NULL);
}

static void test_basic(void)
{
	uint32_t a, b;

	a = put_msg(XPV_XS_WRITE, "/t/a\0va", 7);
	b = put_msg(XPV_XS_READ, "/t/a\0", 5);
	kick();
	check("pipelined requests answered in order",
	      reply_is(a, XPV_XS_WRITE, "OK") && reply_is(b, XPV_XS_READ, "va"),
	      NULL);
	check("requests consumed", intf->req_cons == intf->req_prod, NULL);
}

/* A message split across notifications, at every byte. */
static void test_split(void)
{
	char msg[sizeof(struct xpv_xsd_sockmsg) + 5];
	struct xpv_xsd_sockmsg h = { XPV_XS_READ, 77, 0, 5 };
	bool ok = true;
	uint32_t cut;

	memcpy(msg, &h, sizeof(h));
	memcpy(msg + sizeof(h), "/t/a\0", 5);
	for (cut = 1; cut < sizeof(msg) && ok; cut++) {
		put(msg, cut);
		kick();
		ok = intf->rsp_prod == intf->rsp_cons;
		put(msg + cut, (uint32_t)sizeof(msg) - cut);
		kick();
		ok = ok && reply_is(77, XPV_XS_READ, "va");
	}
	check("message split at every byte", ok, NULL);
}

/* Indices near 2^32: free-running, wrapping. */
static void test_wrap(void)
{
	intf->connection = XPV_XENSTORE_RECONNECT;
	kick();
	intf->req_cons = intf->req_prod = 0xfffffff0u;
	intf->rsp_cons = intf->rsp_prod = 0xfffffff8u;
	/* The daemon's side of the indices moved under it: it only ever
	 * reads them, so this is what a guest starting there looks like. */
	check("indices wrap past 2^32", works() && works(), NULL);
}

/* The guest stops reading: the daemon stops writing, loses nothing. */
static void test_full(void)
{
	char body[XPV_XENSTORE_PAYLOAD_MAX + 1];
	struct xpv_xsd_sockmsg h;
	uint32_t first = next_req, n = 0, i, got = 0;
	bool in_order = true;

	reconnect();
	put_msg(XPV_XS_WRITE,
		"/t/big\0"
		"0123456789012345678901234567890123456789",
		47);
	kick();
	get_msg(&h, body);
	first = next_req;
	for (i = 0; i < 200; i++) {
		if (intf->req_prod - intf->req_cons >
		    XPV_XENSTORE_RING_SIZE - 64)
			kick();
		if (intf->req_prod - intf->req_cons >
		    XPV_XENSTORE_RING_SIZE - 64)
			break;
		put_msg(XPV_XS_READ, "/t/big\0", 7);
		n++;
		kick();
	}
	check("response ring full: daemon stops writing",
	      intf->rsp_prod - intf->rsp_cons <= XPV_XENSTORE_RING_SIZE &&
		      intf->error == XPV_XENSTORE_ERROR_NONE,
	      NULL);
	for (i = 0; i < 1000 && got < n; i++) {
		while (get_msg(&h, body)) {
			in_order = in_order && h.req_id == first + got &&
				   h.len == 40;
			got++;
		}
		kick();
	}
	printf("     (%u requests queued behind a full ring, %u answered)\n", n,
	       got);
	check("every reply delivered once the guest reads, in order",
	      got == n && in_order && n > 20, NULL);
}

static void test_breakage(void)
{
	struct xpv_xsd_sockmsg h = { XPV_XS_READ, 1, 0,
				     XPV_XENSTORE_PAYLOAD_MAX + 1 };

	reconnect();
	intf->req_prod = intf->req_cons + XPV_XENSTORE_RING_SIZE + 1;
	kick();
	check("req prod - cons > ring size: error RINGIDX",
	      intf->error == XPV_XENSTORE_ERROR_RINGIDX, NULL);
	check("reconnect after RINGIDX", reconnect() && works(), NULL);

	put(&h, sizeof(h));
	kick();
	check("len > XENSTORE_PAYLOAD_MAX: error PROTO",
	      intf->error == XPV_XENSTORE_ERROR_PROTO, NULL);
	check("reconnect after PROTO", reconnect() && works(), NULL);

	intf->rsp_cons = intf->rsp_prod + 5;
	put_msg(XPV_XS_READ, "/t/a\0", 5);
	kick();
	check("rsp prod - cons > ring size: error RINGIDX",
	      intf->error == XPV_XENSTORE_ERROR_RINGIDX, NULL);
	check("reconnect after a broken response ring", reconnect() && works(),
	      NULL);
}

static void test_dead_ring_ignored(void)
{
	uint32_t prod;

	reconnect();
	intf->req_prod = intf->req_cons + 5000;
	kick();
	prod = intf->rsp_prod;
	intf->req_prod = intf->req_cons;
	put_msg(XPV_XS_READ, "/t/a\0", 5);
	kick();
	check("a broken ring gets no replies", intf->rsp_prod == prod, NULL);
	reconnect();
}

static void test_release(void)
{
	check("XS_RELEASE path", domain_release(DOMID) == 0, NULL);
	check("the nodes it owned are gone", !dom0(XPV_XS_READ, "/t\0", 3),
	      NULL);
	check("kick after release is ENOENT", domain_kick(DOMID) == -ENOENT,
	      NULL);
	check("release twice is ENOENT", domain_release(DOMID) == -ENOENT,
	      NULL);
}

int main(void)
{
	int ret = fuzz_core_setup();

	if (ret < 0)
		check_fatal("a fresh store", -ret);
	ret = domain_attach_test(DOMID, &page);
	if (ret < 0)
		check_fatal("attaching the test page", -ret);
	/* /t belongs to the test domain, as a domain's home would. */
	if (!dom0(XPV_XS_MKDIR, "/t\0", 3) ||
	    !dom0(XPV_XS_SET_PERMS, "/t\0n9\0", 6))
		check_fatal("dom0 making /t", EIO);
	check("attach twice is EEXIST",
	      domain_attach_test(DOMID, &page) == -EEXIST, NULL);
	test_features();
	test_basic();
	test_split();
	test_wrap();
	test_full();
	test_breakage();
	test_dead_ring_ignored();
	test_release();
	fuzz_core_teardown();
	return check_done();
}
