/*
 * test-xenbus-relay - clients sharing one xenstore connection through
 * xenbus_relay.h, against our xenstored on a unix socket
 * (test-xenbus-relay.sh starts it).
 *
 * The owner holds the connection and serves the relays in its poll loop;
 * a client thread uses an ordinary xenbus handle on its end of a
 * socketpair. Cases: requests and transactions pass; each side gets its
 * own watch events and only those; a request that would act on the
 * shared connection is refused; a client that breaks the framing is
 * dropped; a client that goes leaves no watch and no transaction behind.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frontend/xenbus.h"
#include "frontend/xenbus_relay.h"
#include "ring/xs_wire.h"
#include "tests/lib/check.h"

static struct xenbus *owner;

/* What the owner's loop saw of its own watch events. */
static unsigned int owner_events;
static bool owner_saw_prefix;

struct client {
	int fd; /* its end */
	void (*script)(struct xenbus *xb);
	int done[2]; /* a pipe: written when the script is over */
};

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct xenbus *xb = xenbus_open_fd(c->fd);

	if (CHECK(xb != NULL)) {
		xenbus_set_timeout(xb, 5000);
		c->script(xb);
		xenbus_close(xb);
	}
	if (write(c->done[1], "x", 1) != 1)
		check_quiet(false, "done pipe");
	return NULL;
}

static void owner_events_take(struct xenbus_relay *r)
{
	char *path, *token;

	while (xenbus_read_event(owner, &path, &token) == 0) {
		if (!r || !xenbus_relay_event(r, path, token)) {
			owner_events++;
			owner_saw_prefix |= !strncmp(token, "c1:", 3);
		}
		free(path);
	}
}

/* The owner's loop until the client's script is over; then the relay is
 * freed (the client closed its end, or is told to by that). */
static void run_client(void (*script)(struct xenbus *xb))
{
	struct client c = { .script = script };
	struct xenbus_relay *r;
	pthread_t t;
	int sv[2];
	bool over = false;

	if (!CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ==
		   0) ||
	    !CHECK(pipe(c.done) == 0))
		return;
	r = xenbus_relay_new(owner, sv[0], "c1:");
	c.fd = sv[1];
	if (!CHECK(r != NULL) ||
	    !CHECK(pthread_create(&t, NULL, client_main, &c) == 0))
		return;
	while (!over) {
		struct pollfd p[3] = {
			{ xenbus_relay_fd(r), POLLIN, 0 },
			{ xenbus_event_fd(owner), POLLIN, 0 },
			{ c.done[0], POLLIN, 0 },
		};

		if (poll(p, 3, 10000) <= 0) {
			check_quiet(false, "the client's script hangs");
			break;
		}
		if (p[0].revents && xenbus_relay_serve(r) == -EPIPE)
			over = true; /* the client closed its end */
		if (p[1].revents)
			owner_events_take(r);
		over |= p[2].revents != 0;
	}
	pthread_join(t, NULL);
	xenbus_relay_free(r);
	close(c.done[0]);
	close(c.done[1]);
}

static char *read_str(struct xenbus *xb, const char *path)
{
	char *v = NULL;

	return xenbus_read(xb, XENBUS_TX_NONE, path, &v, NULL) ? NULL : v;
}

/* An event that must come: up to 30 s, only a guard against a hang (a
 * loaded machine under sanitizers can take seconds to run the relay). */
#define EVENT_WAIT_MS 30000
/* How long a check that nothing more comes listens. */
#define QUIET_MS 5000

/* The next event on xb within ms: its path and token in buf. */
static bool next_event(struct xenbus *xb, char *buf, size_t len, int ms)
{
	struct pollfd p = { xenbus_event_fd(xb), POLLIN, 0 };
	char *path, *token;
	long long end = check_now_ms() + ms;

	while (check_now_ms() < end) {
		if (xenbus_read_event(xb, &path, &token) == 0) {
			snprintf(buf, len, "%s %s", path, token);
			free(path);
			return true;
		}
		poll(&p, 1, 100);
	}
	return false;
}

/* --- cases ----------------------------------------------------------------- */

static void requests_script(struct xenbus *xb)
{
	char **names = NULL, *v;
	unsigned int n = 0;
	xenbus_tx_t tx;

	CHECK(xenbus_write_str(xb, XENBUS_TX_NONE, "/relay/a", "one") == 0);
	v = read_str(xb, "/relay/a");
	CHECK(v && !strcmp(v, "one"));
	free(v);
	CHECK(xenbus_directory(xb, XENBUS_TX_NONE, "/relay", &names, &n) == 0 &&
	      n >= 1);
	free(names);
	CHECK(xenbus_read(xb, XENBUS_TX_NONE, "/relay/none", &v, NULL) ==
	      -ENOENT);
	CHECK(xenbus_transaction_start(xb, &tx) == 0);
	CHECK(xenbus_write_str(xb, tx, "/relay/tx", "in-tx") == 0);
	CHECK(xenbus_transaction_end(xb, tx, true) == 0);
	v = read_str(xb, "/relay/tx");
	CHECK(v && !strcmp(v, "in-tx"));
	free(v);
}

static void t_requests(void)
{
	run_client(requests_script);
}

static void watch_script(struct xenbus *xb)
{
	char ev[256];

	CHECK(xenbus_watch(xb, "/relay/w", "tk") == 0);
	/* The watch fires once at once, with the client's own token. */
	CHECK(next_event(xb, ev, sizeof(ev), EVENT_WAIT_MS) &&
	      !strcmp(ev, "/relay/w tk"));
	CHECK(xenbus_write_str(xb, XENBUS_TX_NONE, "/relay/w", "x") == 0);
	CHECK(next_event(xb, ev, sizeof(ev), EVENT_WAIT_MS) &&
	      !strcmp(ev, "/relay/w tk"));
	/* The owner's own watch on the same node is not the client's. */
	CHECK(!next_event(xb, ev, sizeof(ev), QUIET_MS) || !strstr(ev, "own"));
	CHECK(xenbus_unwatch(xb, "/relay/w", "tk") == 0);
}

static void t_watches(void)
{
	unsigned int before;

	CHECK(xenbus_watch(owner, "/relay/w", "own") == 0);
	owner_events_take(NULL);
	before = owner_events;
	owner_saw_prefix = false;
	run_client(watch_script);
	CHECK(owner_events > before); /* the client's write fired "own" */
	CHECK(!owner_saw_prefix);
	CHECK(xenbus_unwatch(owner, "/relay/w", "own") == 0);
}

static void leaver_script(struct xenbus *xb)
{
	xenbus_tx_t tx;

	CHECK(xenbus_watch(xb, "/relay/left", "gone") == 0);
	CHECK(xenbus_transaction_start(xb, &tx) == 0);
	CHECK(xenbus_write_str(xb, tx, "/relay/left/tx", "never") == 0);
	/* and closes its handle with both still held */
}

static void t_leaver(void)
{
	char *v = NULL;

	owner_saw_prefix = false;
	run_client(leaver_script);
	CHECK(xenbus_write_str(owner, XENBUS_TX_NONE, "/relay/left", "x") == 0);
	usleep(200 * 1000);
	owner_events_take(NULL);
	CHECK(!owner_saw_prefix); /* its watch is gone */
	CHECK(xenbus_read(owner, XENBUS_TX_NONE, "/relay/left/tx", &v, NULL) ==
	      -ENOENT);
	free(v);
}

/* A raw client: one message, the relay served once; the answer read. */
static int raw_exchange(uint32_t type, uint32_t len, const char *body,
			struct xpv_xsd_sockmsg *ans, char *abody)
{
	struct xpv_xsd_sockmsg h = { .type = type, .req_id = 7, .len = len };
	struct xenbus_relay *r;
	int sv[2], ret;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	r = xenbus_relay_new(owner, sv[0], "c1:");
	if (!r)
		return -errno;
	if (write(sv[1], &h, sizeof(h)) != sizeof(h) ||
	    (len <= 4096 && write(sv[1], body, len) != (ssize_t)len))
		check_quiet(false, "raw write");
	ret = xenbus_relay_serve(r);
	if (!ret) {
		n = recv(sv[1], ans, sizeof(*ans), MSG_DONTWAIT);
		if (n != sizeof(*ans) ||
		    recv(sv[1], abody, ans->len, MSG_DONTWAIT) !=
			    (ssize_t)ans->len)
			ret = -EPROTO;
	}
	xenbus_relay_free(r);
	close(sv[1]);
	return ret;
}

static void t_refused(void)
{
	struct xpv_xsd_sockmsg ans;
	char body[4096];

	CHECK(raw_exchange(XPV_XS_RESET_WATCHES, 0, "", &ans, body) == 0);
	CHECK(ans.type == XPV_XS_ERROR && ans.req_id == 7 &&
	      !strcmp(body, "EINVAL"));
	CHECK(raw_exchange(XPV_XS_INTRODUCE, 6, "1 2 3", &ans, body) == 0);
	CHECK(ans.type == XPV_XS_ERROR && !strcmp(body, "EINVAL"));
	/* a token without its NUL */
	CHECK(raw_exchange(XPV_XS_WATCH, 4, "/a\0b", &ans, body) == 0);
	CHECK(ans.type == XPV_XS_ERROR && !strcmp(body, "EINVAL"));
	CHECK(raw_exchange(XPV_XS_READ, 5000, "", &ans, body) == -EPIPE);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test-xenbus-relay SOCKET\n");
		return 2;
	}
	owner = xenbus_open_socket(argv[1]);
	if (!owner)
		check_fatal("xenbus_open_socket", -errno);
	xenbus_set_timeout(owner, 5000);
	check_case("requests and transactions pass through", t_requests);
	check_case("each side gets its own watch events, and only those",
		   t_watches);
	check_case("a client that goes leaves no watch, no transaction",
		   t_leaver);
	check_case("what would act on the shared connection is refused; "
		   "a broken frame drops the client",
		   t_refused);
	xenbus_close(owner);
	return check_done();
}
